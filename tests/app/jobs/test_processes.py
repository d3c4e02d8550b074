"""Real processes: the service killed with SIGKILL mid-job, and runners of their own.

These start ``alinea serve`` and ``alinea worker`` as a user would (subprocesses on a free port,
on the test database), submit the align-dev/un folder with ``alinea jobs submit``, and check in the
database that every item ends with exactly one result.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from app.db import Database
from app.jobs.models import JobItem, Segment
from app.jobs.worker import load_result

BIN = Path(sys.executable).parent


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


def assert_each_result_once(
    database: Database, job_id: int, items: list[JobItem], total: int
) -> None:
    """All ``total`` items of the job done, each with its segments stored once."""
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


def test_a_job_survives_the_service_killed_with_sigkill(
    database: Database,
    shared_dir: Path,
    tmp_path: Path,
    free_port: Callable[[], int],
    environment: Callable[..., dict[str, str]],
    serve: Callable[..., Any],
    items_of: Callable[..., list[JobItem]],
) -> None:
    folder = documents(shared_dir, tmp_path)
    total = len(list(folder.glob("*.fr")))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = environment(database, tmp_path, ALINEA_URL=url)
    first = serve(env, port, tmp_path / "serve-1.log")
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

    serve(env, port, tmp_path / "serve-2.log")
    finished = wait_until(url, job["id"], done=True)
    assert finished["state"] == "done", finished
    assert finished["counts"]["done"] == total and finished["failures"] == []
    items = items_of(database, job["id"])
    assert_each_result_once(database, job["id"], items, total)
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
    database: Database,
    shared_dir: Path,
    tmp_path: Path,
    free_port: Callable[[], int],
    environment: Callable[..., dict[str, str]],
    serve: Callable[..., Any],
    start_service: Callable[..., Any],
    items_of: Callable[..., list[JobItem]],
) -> None:
    folder = documents(shared_dir, tmp_path)
    total = len(list(folder.glob("*.fr")))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = environment(database, tmp_path, ALINEA_URL=url, ALINEA_RUNNER="off")
    serve(env, port, tmp_path / "serve.log")
    workers = [
        start_service(["worker", "--processes", "1"], env, tmp_path / f"worker-{n}.log")
        for n in range(2)
    ]
    # both runners up before the job arrives: a quick one could otherwise take all its items
    deadline = time.monotonic() + 120
    while not all("started on" in worker.output() for worker in workers):
        assert time.monotonic() < deadline, [worker.output() for worker in workers]
        time.sleep(0.1)
    job = submit(folder, env)
    finished = wait_until(url, job["id"], done=True)
    assert finished["state"] == "done" and finished["counts"]["done"] == total, finished
    items = items_of(database, job["id"])
    assert_each_result_once(database, job["id"], items, total)
    # both runners took part, each item was run once
    assert len({item.claimed_by for item in items}) == 2
    assert {item.attempts for item in items} == {1}

    for worker in workers:
        worker.process.send_signal(signal.SIGTERM)
    for worker in workers:
        assert worker.process.wait(30) == 0, worker.output()
        assert "worker stopped" in worker.output()
