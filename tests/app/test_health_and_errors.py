"""Health probes, OpenAPI, and problem documents for every error."""

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import text

from app.db import Database, head_revision

PROBLEM = "application/problem+json"


def test_livez_and_readyz(client: TestClient) -> None:
    assert client.get("/livez").json() == {"status": "ok", "checks": {}}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] == "ok"


def test_readyz_fails_when_migrations_are_behind(
    database: Database, make_client: Callable[..., TestClient]
) -> None:
    with make_client(database.url, load_seed=False) as client:
        with database.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
        try:
            response = client.get("/readyz")
            assert response.status_code == 503
            assert "head is" in response.json()["checks"]["migrations"]
        finally:
            with database.engine.begin() as conn:
                conn.execute(
                    text("UPDATE alembic_version SET version_num = :head"),
                    {"head": head_revision()},
                )


def test_unknown_routes_and_methods_are_problems(client: TestClient) -> None:
    missing = client.get("/v1/nothing")
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    wrong = client.put("/v1/terms")
    assert wrong.status_code == 405 and wrong.headers["content-type"] == PROBLEM


def test_openapi_has_stable_operation_ids(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    ids = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {
        "lookup_terms",
        "recognize_terms",
        "create_concept",
        "get_concept",
        "update_concept",
        "delete_concept",
        "list_concepts",
        "concept_history",
        "livez",
        "readyz",
    } <= ids
    assert client.get("/docs").status_code == 200
