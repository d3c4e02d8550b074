"""Real processes: the service killed with SIGKILL mid-job, and runners of their own.

These start ``alinea serve`` and ``alinea worker`` as a user would (subprocesses on a free port,
on the test database), submit the align-dev/un folder with ``alinea jobs submit``, and check in the
database that every item ends with exactly one result.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.db import Database
from app.jobs.models import JobItem, Segment
from app.jobs.worker import load_result
from tests.conftest import make_key
from tests.jobs.conftest import items_of

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


@pytest.fixture
def services() -> Iterator[list[Service]]:
    started: list[Service] = []
    yield started
    for service in started:
        service.kill_group()


def serve(services: list[Service], env: dict[str, str], port: int, log: Path) -> Service:
    service = Service(["serve", "--port", str(port), "--log-level", "warning"], env, log)
    services.append(service)
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


def submit(folder: Path, env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(
        [str(BIN / "alinea"), "jobs", "submit", str(folder), "--presegmented", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    job: dict[str, Any] = json.loads(result.stdout)
    return job


def documents(shared_dir: Path, tmp_path: Path, count: int = 48) -> Path:
    """A folder of the first ``count`` align-dev/un document pairs: enough items for a kill to
    land mid-job and for two runners to share the work, few enough to keep the suite short."""
    source = shared_dir / "data/align-dev/un"
    folder = tmp_path / "un"
    folder.mkdir()
    for french in sorted(source.glob("*.fr"))[:count]:
        for side in (french, french.with_suffix(".en")):
            (folder / side.name).write_bytes(side.read_bytes())
    return folder


def wait_until(url: str, job_id: int, done: bool, timeout: float = 180) -> dict[str, Any]:
    """Poll the job until it is finished (``done``) or has at least a few items done."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = httpx.get(f"{url}/v1/jobs/{job_id}", timeout=10).json()
        if (done and job["state"] in ("done", "failed", "cancelled")) or (
            not done and job["counts"]["done"] >= 12
        ):
            return job
        time.sleep(0.03)
    raise AssertionError(f"job {job_id} timed out: {job}")


def assert_each_result_once(database: Database, job_id: int, total: int) -> list[JobItem]:
    items = items_of(database, job_id)
    assert len(items) == total
    assert [item.state for item in items] == ["done"] * total
    with database.sessionmaker() as session:
        stored = dict(
            session.execute(
                select(Segment.item_id, func.count())
                .where(Segment.job_id == job_id)
                .group_by(Segment.item_id)
            ).all()
        )
    for item in items:
        beads = load_result(item.result or b"")["beads"]
        expected = sum(1 for bead in beads if bead[0] and bead[1])
        assert stored.get(item.id, 0) == expected, item.name
    return items


def test_a_job_survives_the_service_killed_with_sigkill(
    database: Database, shared_dir: Path, tmp_path: Path, services: list[Service]
) -> None:
    folder = documents(shared_dir, tmp_path)
    total = len(list(folder.glob("*.fr")))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = environment(database, tmp_path, ALINEA_URL=url)
    first = serve(services, env, port, tmp_path / "serve-1.log")
    job = submit(folder, env)
    assert job["counts"]["total"] == total

    progress = wait_until(url, job["id"], done=False)
    first.process.send_signal(signal.SIGKILL)  # the service only: its pool is orphaned
    first.process.wait(10)
    items = items_of(database, job["id"])
    unfinished = {item.id for item in items if item.state in ("queued", "running")}
    interrupted = {item.id for item in items if item.state == "running"}
    assert progress["counts"]["done"] >= 12 and unfinished, "the kill came too late"
    first.kill_group()

    serve(services, env, port, tmp_path / "serve-2.log")
    finished = wait_until(url, job["id"], done=True)
    assert finished["state"] == "done", finished
    assert finished["counts"]["done"] == total and finished["failures"] == []
    items = assert_each_result_once(database, job["id"], total)
    # the items the killed service was aligning were claimed again after their lease ran out
    assert {item.attempts for item in items if item.id in interrupted} <= {2}
    assert {item.attempts for item in items if item.id not in interrupted} == {1}

    tmx = tmp_path / "job.tmx"
    fetched = subprocess.run(
        [str(BIN / "alinea"), "jobs", "results", str(job["id"]), "--format", "tmx", "-o", str(tmx)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert fetched.returncode == 0, fetched.stderr
    from lxml import etree

    document = etree.parse(str(tmx), etree.XMLParser(resolve_entities=False))
    assert etree.DTD(str(shared_dir / "tmx/tmx14.dtd")).validate(document)
    with database.sessionmaker() as session:
        segments = session.scalar(
            select(func.count()).select_from(Segment).where(Segment.job_id == job["id"])
        )
    assert len(document.findall("body/tu")) == segments


def test_worker_processes_run_the_jobs_of_a_service_without_runner(
    database: Database, shared_dir: Path, tmp_path: Path, services: list[Service]
) -> None:
    folder = documents(shared_dir, tmp_path)
    total = len(list(folder.glob("*.fr")))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = environment(database, tmp_path, ALINEA_URL=url, ALINEA_RUNNER="off")
    serve(services, env, port, tmp_path / "serve.log")
    workers = [
        Service(["worker", "--processes", "1"], env, tmp_path / f"worker-{n}.log") for n in range(2)
    ]
    services.extend(workers)
    job = submit(folder, env)
    finished = wait_until(url, job["id"], done=True)
    assert finished["state"] == "done" and finished["counts"]["done"] == total, finished
    items = assert_each_result_once(database, job["id"], total)
    # both runners took part, each item was run once
    assert len({item.claimed_by for item in items}) == 2
    assert {item.attempts for item in items} == {1}

    for worker in workers:
        worker.process.send_signal(signal.SIGTERM)
    for worker in workers:
        assert worker.process.wait(30) == 0, worker.output()
        assert "worker stopped" in worker.output()
