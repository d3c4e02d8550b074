"""``alinea jobs …`` against the service (in process here; a real server in test_processes)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from typer.testing import CliRunner

from app.cli import app
from app.db import Database

runner = CliRunner()


class _Borrowed:
    """The test's client, lent to the command line, which closes what it is given."""

    def __init__(self, client: TestClient) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def close(self) -> None:
        pass


@pytest.fixture
def service(
    database: Database, monkeypatch: pytest.MonkeyPatch, make_client: Callable[..., TestClient]
) -> Iterator[TestClient]:
    with make_client(
        database.url, load_seed=False, runner="local", job_workers=2, job_poll_interval=0.05
    ) as client:
        monkeypatch.setattr("app.jobs.cli.client", lambda: _Borrowed(client))
        yield client


@pytest.fixture
def folder(tmp_path: Path, shared_dir: Path) -> Path:
    """Five align-dev pairs (NAME.fr, NAME.en) with their .gold files, which are not sent."""
    source = shared_dir / "data/align-dev/un"
    target = tmp_path / "batch"
    target.mkdir()
    for number in range(40, 45):
        for suffix in ("fr", "en", "gold"):
            name = f"un-devset-{number:03d}.{suffix}"
            shutil.copy(source / name, target / name)
    return target


def test_submit_wait_status_results_and_cancel(
    service: TestClient, folder: Path, tmp_path: Path, shared_dir: Path
) -> None:
    submitted = runner.invoke(
        app, ["jobs", "submit", str(folder), "--presegmented", "--wait", "--json"]
    )
    assert submitted.exit_code == 0, submitted.output
    job = json.loads(submitted.stdout)
    assert job["state"] == "done" and job["counts"]["done"] == 5
    assert job["options"]["presegmented"] is True  # sent with the job, not just accepted

    status = runner.invoke(app, ["jobs", "status", str(job["id"])])
    assert status.exit_code == 0 and "done" in status.stdout

    target = tmp_path / "out.tmx"
    results = runner.invoke(
        app, ["jobs", "results", str(job["id"]), "--format", "tmx", "-o", str(target)]
    )
    assert results.exit_code == 0, results.output
    document = etree.parse(str(target), etree.XMLParser(resolve_entities=False))
    assert etree.DTD(str(shared_dir / "tmx/tmx14.dtd")).validate(document)
    assert len(document.findall("body/tu")) > 20

    lines = runner.invoke(app, ["jobs", "results", str(job["id"]), "--format", "jsonl"])
    assert lines.exit_code == 0
    assert len(lines.stdout.splitlines()) == 5

    finished = runner.invoke(app, ["jobs", "cancel", str(job["id"])])
    assert finished.exit_code == 1
    assert finished.stderr.startswith("error: the service answered 409")


def test_errors_are_one_line(service: TestClient, tmp_path: Path) -> None:
    (tmp_path / "a.fr.txt").write_text("Un.")
    lonely = runner.invoke(app, ["jobs", "submit", str(tmp_path)])
    assert lonely.exit_code == 1 and "only one side: a" in lonely.stderr
    missing = runner.invoke(app, ["jobs", "status", "424242"])
    assert missing.exit_code == 1
    assert missing.stderr.strip() == "error: the service answered 404: there is no job 424242"
    bad = runner.invoke(app, ["jobs", "results", "1", "--format", "pdf"])
    assert bad.exit_code == 2


def test_a_service_that_does_not_answer_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALINEA_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    result = runner.invoke(app, ["jobs", "status", "1"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: cannot reach the Alinea service at http://127.0.0.1:9")
