"""End-to-end tests of the web interface: headless Chromium (the Debian ``chromium`` package,
driven by Playwright for Python) against a real ``alinea serve`` on a free port, a temporary
SQLite database with the seed termbase loaded.

Every test fails on a console error, an uncaught exception in a page, or a request to anywhere
but the service (the interface must work offline). The tests skip, with the reason, where
Chromium or Playwright is missing; CI (``.ci/run``) installs Chromium.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.app.ui.support import Service, Watch, chromium_path, start_service, stop_service

REQUIRE_BROWSER = bool(os.environ.get("ALINEA_TEST_REQUIRE_BROWSER"))


def _missing(reason: str) -> None:
    if REQUIRE_BROWSER:  # CI: a browser test that cannot run is a failure
        pytest.fail(f"{reason} (ALINEA_TEST_REQUIRE_BROWSER is set)")
    print(f"SKIP: {reason}", file=sys.stderr)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        _missing("the browser tests need Chromium (apt-get install chromium; .ci/run does it)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("the browser tests need Playwright for Python (the test extra)")
    assert path is not None
    return path


@pytest.fixture(scope="session")
def service(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    started = start_service(tmp_path_factory.mktemp("ui-service"))
    yield started
    stop_service(started.process)


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def context(browser: Any, service: Service, watch: Watch) -> Iterator[Any]:
    """A fresh browser context (its own session storage) at 1,280 px, for one test."""
    ctx = browser.new_context(
        base_url=service.url,
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
        locale="en-GB",
    )
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=service.url)

    def route(route: Any) -> None:
        if route.request.url.startswith(service.url):
            route.continue_()
        else:
            watch.outside.append(route.request.url)
            route.abort()

    ctx.route("**/*", route)
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()
    assert not watch.outside, f"requests outside the service: {watch.outside}"
    assert not watch.unexpected(), f"console errors: {watch.unexpected()}"


@pytest.fixture
def page(context: Any, watch: Watch) -> Any:
    page = context.new_page()
    page.on(
        "console",
        lambda message: (
            watch.errors.append(f"{message.text} ({message.location.get('url')})")
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: watch.errors.append(f"uncaught: {error}"))
    return page
