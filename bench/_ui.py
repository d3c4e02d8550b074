"""Helpers of the interface's scripts (ui_timing.py, screenshots.py): ``alinea serve`` on a free
port and headless Chromium (Debian's package) driven by Playwright for Python."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def chromium() -> str:
    path = os.environ.get("ALINEA_TEST_CHROMIUM") or shutil.which("chromium")
    if not path:
        sys.exit("needs Chromium: apt-get install -y chromium")
    return path


@contextlib.contextmanager
def serve(database: str | None = None, **env_extra: str) -> Iterator[tuple[str, str]]:
    """A running service: (its URL, its database URL). A temporary SQLite database with the seed
    unless ``database`` (a SQLAlchemy URL) is given."""
    with tempfile.TemporaryDirectory(prefix="alinea-ui-") as tmp:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        database_url = database or f"sqlite:///{Path(tmp) / 'ui.db'}"
        env = {
            **os.environ,
            "ALINEA_DATABASE_URL": database_url,
            "ALINEA_RATE_LIMIT": "off",
            "ALINEA_RATE_LIMIT_HEAVY": "off",
            "ALINEA_JOB_WORKERS": "1",
            **env_extra,
        }
        log = open(Path(tmp) / "serve.log", "wb")  # noqa: SIM115 -- closed below
        process = subprocess.Popen(
            [str(BIN / "alinea"), "serve", "--port", str(port), "--log-level", "warning"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    sys.exit((Path(tmp) / "serve.log").read_text(errors="replace"))
                with (
                    contextlib.suppress(OSError),
                    urllib.request.urlopen(url + "/readyz", timeout=1) as response,
                ):
                    if response.status == 200:
                        break
                time.sleep(0.1)
            yield url, database_url
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
            log.close()
