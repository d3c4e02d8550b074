"""Plain helpers of the browser tests (no fixtures: those are in ``conftest.py``): the service
under test started as a user would, what a page did wrong, signing in."""

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx


def make_key(database_url: str, role: str, name: str) -> str:
    """A new API key on that database, as `alinea keys create` makes them."""
    from app.auth.keys import create_key
    from app.auth.models import Role
    from app.db import Database

    database = Database(database_url)
    try:
        with database.session() as session:
            return create_key(session, name=name, role=Role(role))[1]
    finally:
        database.dispose()


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


def sign_in(page: Any, key: str) -> None:
    """Sign in through the key menu at the top of every page."""
    field = page.get_by_label("API key", exact=True)
    if not field.is_visible():
        page.locator("#key-summary").click()
    field.fill(key)
    page.locator("#key-signin").click()
    page.locator("#key-summary").filter(has_text="✓").wait_for()
