"""One session discipline: a request's unit of work commits when the route succeeds and rolls
back when anything fails, routes and services never commit, and reads never write."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from app.db import Database
from app.jobs import repository
from termbase.models import Concept

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.I)


def concepts(database: Database) -> int:
    with database.sessionmaker() as session:
        return int(session.scalar(select(func.count()).select_from(Concept)) or 0)


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """The SQL statements the app runs on ``database``'s engine inside the block."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def test_a_request_that_fails_after_its_writes_leaves_nothing_written(
    client: TestClient, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.api import concepts as concepts_api

    def broken(*_args: object) -> None:
        raise RuntimeError("the answer cannot be built")

    # the concept is written and flushed, then building the answer fails: nothing may stay
    monkeypatch.setattr(concepts_api, "_written", broken)
    body = {"terms": [{"lang": "fr", "text": "traite"}, {"lang": "en", "text": "treaty"}]}
    with pytest.raises(RuntimeError):
        client.post("/v1/concepts", json=body)
    assert concepts(database) == 0
    monkeypatch.undo()
    assert client.post("/v1/concepts", json=body).status_code == 201
    assert concepts(database) == 1


def test_reads_never_write(client: TestClient, database: Database) -> None:
    from app.jobs.worker import align_pair

    job = client.post(
        "/v1/jobs",
        json={
            "documents": [
                {
                    "name": "note",
                    "fr": ["Le Haut-Commissariat publie un rapport.", "Il est bref."],
                    "en": ["The Office of the High Commissioner issues a report.", "It is short."],
                }
            ]
        },
    ).json()
    # an item aligned by a worker elsewhere, no runner of this process around to index it
    [item] = repository.claim(database.engine, "elsewhere", 1, 30)
    assert repository.complete(
        database.engine, "elsewhere", item.id, align_pair(item.fr, item.en, item.options)
    )
    service_database: Database = client.app.state.database  # type: ignore[attr-defined]
    with statements(service_database) as seen:
        found = client.get("/v1/segments", params={"q": "rapport", "lang": "fr"})
        for path in ("/v1/concepts", f"/v1/jobs/{job['id']}", "/v1/jobs", "/v1/terms?q=rapport"):
            assert client.get(path).status_code == 200, path
    assert found.status_code == 200
    assert [hit["job_id"] for hit in found.json()["items"]] == [job["id"]]
    assert seen, "the reads ran no statement: the check would prove nothing"
    assert [s for s in seen if WRITE.match(s)] == []


def test_routes_and_services_never_commit() -> None:
    """Only the unit of work (``app.db.Database.session``) commits: a route or a service that
    commits by itself would leave half a request written when a later step fails."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for package in ("app", "termbase"):
        for path in sorted((root / package).rglob("*.py")):
            if path == root / "app" / "db.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "commit"
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in ("session", "db_session")
                ):
                    offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == []
