"""End-to-end tests of the web interface: headless Chromium (the Debian ``chromium`` package,
driven by Playwright for Python) against a real ``alinea serve`` on a free port, a temporary
SQLite database with the seed termbase loaded.

Every test fails on a console error, an uncaught exception in a page, or a request to anywhere
but the service (the interface must work offline). The tests skip, with the reason, where
Chromium or Playwright is missing; CI (``.ci/run``) installs Chromium.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import make_key

BIN = Path(sys.executable).parent
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser")


def chromium_path() -> str | None:
    configured = os.environ.get("ALINEA_TEST_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Service:
    url: str
    database_url: str
    process: subprocess.Popen[bytes]
    log: Path
    keys: dict[str, str] = field(default_factory=dict)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(self.url + path, timeout=30, **kwargs)

    def request(self, method: str, path: str, role: str = "admin", **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.keys[role]}", **kwargs.pop("headers", {})}
        return httpx.request(method, self.url + path, headers=headers, timeout=30, **kwargs)


def start_service(tmp: Path, **extra: str) -> Service:
    """``alinea serve`` on a free port and a new SQLite database (seed loaded), ready."""
    port = _free_port()
    database_url = f"sqlite:///{tmp / 'ui.db'}"
    env = dict(os.environ)
    env.update(
        {
            "ALINEA_DATABASE_URL": database_url,
            "ALINEA_LOAD_SEED": "true",
            "ALINEA_JOB_WORKERS": "1",
            "ALINEA_JOB_POLL_INTERVAL": "0.1",
        }
    )
    env.update(extra)
    log = tmp / "serve.log"
    handle = log.open("ab")
    process = subprocess.Popen(
        [str(BIN / "alinea"), "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    handle.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"alinea serve ended:\n{log.read_text(errors='replace')}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                break
        time.sleep(0.1)
    else:
        stop_service(process)
        raise AssertionError(f"alinea serve did not start:\n{log.read_text(errors='replace')}")
    service = Service(url, database_url, process, log)
    for role in ("reader", "terminologist", "admin"):
        service.keys[role] = make_key(database_url, role, f"ui-{role}")
    return service


def stop_service(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


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


class Watch:
    """What a page did wrong: console errors, uncaught exceptions, requests elsewhere."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.allowed: list[re.Pattern[str]] = []

    def allow(self, pattern: str) -> None:
        """A console error the test provokes on purpose (e.g. a 401 for a bad key)."""
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]


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


def sign_in(page: Any, key: str) -> None:
    """Sign in through the key menu at the top of every page."""
    field = page.get_by_label("API key", exact=True)
    if not field.is_visible():
        page.locator("#key-summary").click()
    field.fill(key)
    page.locator("#key-signin").click()
    page.locator("#key-summary").filter(has_text="✓").wait_for()
