"""Bad input is a 4xx problem, never a 5xx (issue 11's "bad input → 5xx" row).

Found against a running service: ids over 2^63 answered 500, a NUL in ``/v1/segments?q=`` 503
"database unavailable", a forged cursor 500, and a 405 on ``/v1/concepts/{id}`` said ``allow:
GET`` although PATCH and DELETE exist.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from app.db import Database
from app.problems import database_unavailable

PROBLEM = "application/problem+json"
HUGE = "99999999999999999999"


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    return problem


@pytest.mark.parametrize(
    "path",
    [
        f"/v1/concepts/{HUGE}",
        f"/v1/concepts/{HUGE}/history",
        f"/v1/jobs/{HUGE}",
        f"/v1/jobs/{HUGE}/results",
        f"/v1/segments?q=traite&job={HUGE}",
        "/v1/concepts/2147483648",  # just past PostgreSQL's INTEGER
        "/v1/concepts/0",
        "/v1/concepts/-1",
    ],
)
def test_ids_beyond_the_database_range_are_422(seeded_client: TestClient, path: str) -> None:
    assert_problem(seeded_client.get(path), 422)
    if path.startswith("/v1/concepts/") and "history" not in path:
        assert_problem(seeded_client.delete(path), 422)
        assert_problem(seeded_client.patch(path, json={"note": "x"}), 422)


def test_the_largest_id_is_a_404(seeded_client: TestClient) -> None:
    assert_problem(seeded_client.get("/v1/concepts/2147483647"), 404)
    assert_problem(seeded_client.delete("/v1/jobs/2147483647"), 404)


@pytest.mark.parametrize(
    "path",
    [
        "/v1/segments?q=a%00b",
        "/v1/segments?q=traite%01",
        "/v1/terms?q=traite%00des",
        "/v1/concepts?subject_field=x%00y",
        "/v1/termbase/export?subject_field=x%00",
        "/v1/concepts/1%00",
    ],
)
def test_control_characters_are_refused(seeded_client: TestClient, path: str) -> None:
    problem = assert_problem(seeded_client.get(path), 422)
    assert "control character" in problem["detail"] or problem["type"].endswith("validation-error")


def test_a_nul_in_a_body_is_refused(seeded_client: TestClient) -> None:
    concept = {"terms": [{"lang": "fr", "text": "a\u0000b", "status": "preferred"}]}
    assert_problem(seeded_client.post("/v1/concepts", json=concept), 422)
    job = {"documents": [{"name": "a\u0000", "fr": "Bonjour.", "en": "Hello."}]}
    assert_problem(seeded_client.post("/v1/jobs", json=job), 422)


def _forged(fields: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(fields).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "path",
    ["/v1/concepts", "/v1/jobs", "/v1/terms?q=traite", "/v1/segments?q=traite"],
)
def test_forged_cursors_are_422(seeded_client: TestClient, path: str) -> None:
    sep = "&" if "?" in path else "?"
    for cursor in (
        _forged({"after": "x"}),
        _forged({"before": "x"}),
        _forged({"o": -5, "s": "x"}),
        _forged({"after": 3}) + ".AAAAAAAAAAAAAAAAAAAAAA",
        "not base64 !",
        "",
    ):
        response = seeded_client.get(f"{path}{sep}cursor={cursor}")
        if cursor == "":
            assert response.status_code == 200
            continue
        problem = assert_problem(response, 422)
        assert problem["type"].endswith(("invalid-cursor", "validation-error"))


def test_issued_cursors_still_page(seeded_client: TestClient, seed_concepts: int) -> None:
    first = seeded_client.get("/v1/concepts", params={"limit": 200}).json()
    second = seeded_client.get(
        "/v1/concepts", params={"limit": 200, "cursor": first["next_cursor"]}
    ).json()
    assert len(first["items"]) + len(second["items"]) == seed_concepts
    assert second["next_cursor"] is None
    # a cursor is signed: changing one character of it makes it someone else's
    cursor = first["next_cursor"]
    tampered = cursor[:-1] + ("A" if cursor[-1] != "A" else "B")
    assert_problem(seeded_client.get("/v1/concepts", params={"cursor": tampered}), 422)


def test_405_names_every_method_of_the_path(seeded_client: TestClient) -> None:
    response = seeded_client.put("/v1/concepts/1", json={})
    assert_problem(response, 405)
    assert set(response.headers["allow"].split(", ")) == {"DELETE", "GET", "PATCH"}
    listing = seeded_client.put("/v1/concepts", json={})
    assert set(listing.headers["allow"].split(", ")) == {"GET", "POST"}
    # HEAD is not served (FastAPI routes GET only), so it is not offered
    head = seeded_client.head("/v1/concepts/1")
    assert head.status_code == 405 and "HEAD" not in head.headers["allow"]
    jobs = seeded_client.post("/v1/jobs/1", json={})
    assert set(jobs.headers["allow"].split(", ")) == {"DELETE", "GET"}


def test_only_an_outage_is_database_unavailable() -> None:
    def error(message: str, name: str) -> OperationalError:
        orig = sqlite3.OperationalError(message)
        orig.sqlite_errorname = name  # type: ignore[attr-defined]
        return OperationalError("SELECT 1", {}, orig)

    assert database_unavailable(error("database is locked", "SQLITE_BUSY"))
    assert database_unavailable(error("unable to open database file", "SQLITE_CANTOPEN"))
    assert not database_unavailable(error('fts5: syntax error near ""', "SQLITE_ERROR"))
    assert not database_unavailable(error("no such table: concept", "SQLITE_ERROR"))


def test_a_statement_error_is_not_called_an_outage(
    database: Database, make_client: Callable[..., TestClient]
) -> None:
    with make_client(database.url, load_seed=False) as keyed:
        client = TestClient(keyed.app, raise_server_exceptions=False, headers=keyed.headers)
        with database.engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE job RENAME TO job_gone")
        try:
            response = client.get("/v1/jobs")
            problem = assert_problem(response, 500)
            assert not problem["type"].endswith("database-unavailable")
        finally:
            with database.engine.begin() as conn:
                conn.exec_driver_sql("ALTER TABLE job_gone RENAME TO job")


def test_no_free_connection_is_a_503_problem(
    database: Database, make_client: Callable[..., TestClient]
) -> None:
    settings = {"database_pool_size": 1, "database_max_overflow": 0, "database_pool_timeout": 0.2}
    with make_client(database.url, load_seed=False, **settings) as client:  # type: ignore[arg-type]
        engine = client.app.state.database.engine  # type: ignore[attr-defined]
        held = engine.connect()
        try:
            response = client.get("/v1/concepts")
            problem = assert_problem(response, 503)
            assert problem["type"].endswith("/service-busy")
            assert response.headers["retry-after"]
        finally:
            held.close()
        assert client.get("/v1/concepts").status_code == 200
