"""Fixtures of the service tests: ``alinea serve`` and ``alinea worker`` started as a user would
(subprocesses on a free loopback port, on the test database), ended with their children after
the test."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.db import Database
from app.jobs import repository
from app.jobs.worker import align_pair

BIN = Path(sys.executable).parent


class Service:
    """``alinea serve`` (or ``alinea worker``) in a process group of its own."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self.handle = log.open("ab")
        self.process = subprocess.Popen(
            [str(BIN / "alinea"), *args],
            env=env,
            stdout=self.handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill_group(self) -> None:
        """End whatever is left of this process and its children (pool workers, forkserver)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.handle.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def free_port() -> Callable[[], int]:
    """``free_port()``: a loopback port nothing listens on."""
    return _free_port


@pytest.fixture
def environment(make_key: Callable[..., str]) -> Callable[..., dict[str, str]]:
    """``environment(database, tmp_path, **extra)``: the environment of a service on the test
    database (no seed, two workers, short leases), with a reader's key for `alinea jobs`."""

    def environment(database: Database, tmp_path: Path, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "ALINEA_DATABASE_URL": database.url,
                "ALINEA_LOAD_SEED": "false",
                "ALINEA_JOB_WORKERS": "2",
                "ALINEA_JOB_LEASE_SECONDS": "2",
                "ALINEA_JOB_POLL_INTERVAL": "0.1",
                "NUMBA_CACHE_DIR": env.get("NUMBA_CACHE_DIR", str(tmp_path / "numba")),
                # what `alinea jobs submit` sends: submitting a job is a write
                "ALINEA_API_KEY": make_key(database.url, "reader", "submitter"),
            }
        )
        env.update(extra)
        return env

    return environment


@pytest.fixture
def start_service() -> Iterator[Callable[[list[str], dict[str, str], Path], Service]]:
    """``start_service(args, env, log)``: ``alinea ARGS`` started; every process it started is
    killed, with its children, after the test."""
    started: list[Service] = []

    def start(args: list[str], env: dict[str, str], log: Path) -> Service:
        service = Service(args, env, log)
        started.append(service)
        return service

    yield start
    for service in started:
        service.kill_group()


@pytest.fixture
def serve(
    start_service: Callable[[list[str], dict[str, str], Path], Service],
) -> Callable[[dict[str, str], int, Path], Service]:
    """``serve(env, port, log)``: ``alinea serve`` on ``port``, once it answers /readyz."""

    def serve(env: dict[str, str], port: int, log: Path) -> Service:
        service = start_service(["serve", "--port", str(port), "--log-level", "warning"], env, log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert service.process.poll() is None, service.output()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    return service
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"the service did not start:\n{service.output()}")

    return serve


def _finished_job(client: Any, database: Database, documents: list[dict[str, Any]]) -> int:
    """A job submitted over HTTP and aligned here, in this process (no runner)."""
    submitted = client.post("/v1/jobs", json={"documents": documents})
    assert submitted.status_code == 202, submitted.text
    job_id: int = submitted.json()["id"]
    engine = Database(database.url).engine
    for item in repository.claim(engine, "test", 50, 60):
        assert repository.complete(
            engine, "test", item.id, align_pair(item.fr, item.en, item.options)
        )
    return job_id


@pytest.fixture
def finished_job() -> Callable[..., int]:
    """``finished_job(client, database, documents)``: a job submitted over HTTP and aligned in
    this process (no runner); its id."""
    return _finished_job
