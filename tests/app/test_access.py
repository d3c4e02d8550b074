"""Who may do what: API keys, roles, job owners, the history's author, cross-site writes.

Each finding of issue 11's "no access control" row has a test here: an anonymous client deleted
concepts and rewrote them with a ``text/plain`` import (which any web page can make a browser
send), cancelled another user's job, and named itself in the history with ``X-Alinea-User``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.db import Database
from app.jobs.models import Job
from termbase.models import Concept

PROBLEM = "application/problem+json"
CONCEPT = {
    "terms": [
        {"lang": "fr", "text": "trafic de migrants", "status": "preferred"},
        {"lang": "en", "text": "smuggling of migrants", "status": "preferred"},
    ]
}
CSV = b"concept_id,fr,en\nalinea-1,trafic de migrants,human trafficking\n"
JOB = {"documents": [{"name": "a", "fr": ["Bonjour."], "en": ["Hello."]}]}


def concepts(database: Database) -> int:
    with database.sessionmaker() as session:
        return int(session.scalar(select(func.count()).select_from(Concept)) or 0)


def assert_problem(response: Any, status: int, *words: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    for word in words:
        assert word in problem["detail"], problem
    return problem


@pytest.fixture
def anonymous(database: Database, make_client: Callable[..., TestClient]) -> Any:
    """The service as a stranger reaches it: default settings (ALINEA_AUTH=writes), no key."""
    with make_client(database.url, role=None) as client:
        yield client


def test_reads_are_open_and_writes_need_a_key(
    anonymous: TestClient, database: Database, seed_concepts: int
) -> None:
    assert anonymous.get("/v1/terms", params={"q": "traite des personnes"}).status_code == 200
    assert anonymous.get("/v1/concepts/1").status_code == 200
    count = concepts(database)
    assert count == seed_concepts
    for response in (
        anonymous.delete("/v1/concepts/1"),
        anonymous.patch("/v1/concepts/1", json={"note": "x"}),
        anonymous.post("/v1/concepts", json=CONCEPT),
        anonymous.post("/v1/jobs", json=JOB),
    ):
        problem = assert_problem(response, 401, "API key")
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert problem["type"].endswith("/unauthorized")
    assert concepts(database) == count


def test_an_anonymous_text_plain_import_rewrites_nothing(
    anonymous: TestClient, database: Database
) -> None:
    before = anonymous.get("/v1/concepts/1").json()
    for content_type in ("text/plain", "text/csv"):
        response = anonymous.post(
            "/v1/termbase/import", content=CSV, headers={"content-type": content_type}
        )
        assert_problem(response, 401)
    assert anonymous.get("/v1/concepts/1").json() == before


def test_a_bad_or_revoked_key_is_refused_even_for_reads(
    anonymous: TestClient,
    database: Database,
    bearer: Callable[[str], dict[str, str]],
    make_key: Callable[..., str],
) -> None:
    for header in (
        "Bearer nonsense",
        "Basic dXNlcjpwYXNz",
        "Bearer alinea_000000000000_" + "x" * 43,
    ):
        response = anonymous.get("/v1/concepts/1", headers={"Authorization": header})
        assert_problem(response, 401)
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
    key = make_key(database.url, "reader", "rita")
    assert anonymous.get("/v1/concepts/1", headers=bearer(key)).status_code == 200
    runner = CliRunner()
    env = {"ALINEA_DATABASE_URL": database.url}
    listed = runner.invoke(cli, ["keys", "list", "--json"], env=env)
    key_id = next(row["id"] for row in json.loads(listed.output) if row["name"] == "rita")
    assert runner.invoke(cli, ["keys", "revoke", str(key_id)], env=env).exit_code == 0
    anonymous.app.state.authenticator.forget()  # what ALINEA_AUTH_CACHE_SECONDS later does
    assert_problem(anonymous.get("/v1/concepts/1", headers=bearer(key)), 401)


def test_roles(database: Database, make_client: Callable[..., TestClient]) -> None:
    with make_client(database.url, role="reader", name="rita") as reader:
        assert reader.get("/v1/concepts/1").status_code == 200
        assert (
            reader.post(
                "/v1/terms/recognize", json={"text": "traite", "src": "fr", "tgt": "en"}
            ).status_code
            == 200
        )
        response = reader.patch("/v1/concepts/1", json={"note": "x"})
        problem = assert_problem(response, 403, "terminologist")
        assert problem["type"].endswith("/forbidden")
        assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
        assert_problem(
            reader.post("/v1/termbase/import", content=CSV, headers={"content-type": "text/csv"}),
            403,
        )
        assert reader.post("/v1/jobs", json=JOB).status_code == 202  # alignment is a reader's
    with make_client(database.url, role="terminologist", name="tess") as terminologist:
        assert terminologist.patch("/v1/concepts/1", json={"note": "checked"}).status_code == 200
        history = terminologist.get("/v1/concepts/1/history").json()["items"]
        assert history[-1]["changed_by"] == "tess"


def test_a_job_belongs_to_its_submitter(
    database: Database, make_client: Callable[..., TestClient]
) -> None:
    with (
        make_client(database.url, role="reader", name="rita") as rita,
        make_client(database.url, role="reader", name="ravi") as ravi,
    ):
        job = rita.post("/v1/jobs", json=JOB).json()
        assert job["owner"] == "rita"
        # reading jobs is a reader's right (the concordance shares their segments anyway) …
        assert ravi.get(f"/v1/jobs/{job['id']}").json()["owner"] == "rita"
        # … cancelling one is its owner's, or an admin's
        assert_problem(ravi.delete(f"/v1/jobs/{job['id']}"), 403, "rita")
        assert ravi.get(f"/v1/jobs/{job['id']}").json()["state"] == "queued"
        assert rita.delete(f"/v1/jobs/{job['id']}").json()["state"] == "cancelled"
        other = ravi.post("/v1/jobs", json=JOB).json()
    with make_client(database.url, role="admin", name="ada") as admin:
        assert admin.delete(f"/v1/jobs/{other['id']}").json()["state"] == "cancelled"
    with database.sessionmaker() as session:
        assert session.get(Job, other["id"]).owner == "ravi"  # type: ignore[union-attr]


def test_required_closes_reads_too(
    database: Database,
    bearer: Callable[[str], dict[str, str]],
    make_client: Callable[..., TestClient],
    make_key: Callable[..., str],
) -> None:
    with make_client(database.url, role=None, auth="required") as client:
        assert_problem(client.get("/v1/terms", params={"q": "traite"}), 401, "API key")
        assert_problem(client.get("/v1/concepts/1"), 401)
        assert client.get("/livez").status_code == 200  # the probes stay open
        assert client.get("/readyz").status_code == 200
        key = make_key(database.url, "reader", "rita")
        assert client.get("/v1/concepts/1", headers=bearer(key)).status_code == 200


def test_off_serves_loopback_only(
    database: Database, make_client: Callable[..., TestClient]
) -> None:
    app_client = make_client(database.url, role=None, auth="off")
    with TestClient(app_client.app, base_url="http://127.0.0.1:8000") as local:
        created = local.post("/v1/concepts", json=CONCEPT)
        assert created.status_code == 201
        history = local.get(f"/v1/concepts/{created.json()['id']}/history").json()["items"]
        assert history[0]["changed_by"] == "anonymous"
    # another interface, or a host name re-pointed at 127.0.0.1 (DNS rebinding): refused
    for base_url in ("http://192.0.2.7:8000", "http://testserver"):
        with TestClient(app_client.app, base_url=base_url) as remote:
            assert_problem(remote.get("/v1/concepts/1"), 403, "loopback")
    with TestClient(
        app_client.app, base_url="http://127.0.0.1:8000", headers={"host": "evil.example"}
    ) as rebound:
        assert_problem(rebound.get("/v1/concepts/1"), 403, "loopback")


def test_no_write_takes_a_body_a_web_page_can_send_without_a_preflight(
    database: Database,
    make_client: Callable[..., TestClient],
) -> None:
    """With ALINEA_AUTH=off nobody needs a key, so a page could make a browser on this machine
    POST a text/plain import or a form to 127.0.0.1. Such writes are refused unless they carry
    an Authorization header, which a browser sends cross-site only after a preflight."""
    app_client = make_client(database.url, role=None, auth="off")
    with TestClient(app_client.app, base_url="http://127.0.0.1:8000") as local:
        before = local.get("/v1/concepts/1").json()
        simple = [
            {"content": CSV, "headers": {"content-type": "text/plain"}},
            {"content": CSV, "headers": {"content-type": "application/x-www-form-urlencoded"}},
            {"files": {"file": ("t.csv", CSV, "text/csv")}},
            {"content": CSV},  # no content type at all (a Blob without a type)
        ]
        for request in simple:
            response = local.post("/v1/termbase/import", **request)  # type: ignore[arg-type]
            assert_problem(response, 415, "Authorization")
        upload = local.post("/v1/jobs", files={"files": ("a.fr.txt", b"Bonjour.", "text/plain")})
        assert_problem(upload, 415, "Authorization")
        assert local.get("/v1/concepts/1").json() == before
        # the same import with its own content type (a browser must preflight it) is taken
        taken = local.post("/v1/termbase/import", content=CSV, headers={"content-type": "text/csv"})
        assert taken.status_code == 200, taken.text
    # With keys (the default), writes need the Authorization header anyway: a form upload that
    # carries it is fine.
    with make_client(database.url, role="terminologist") as client:
        form = client.post("/v1/termbase/import", files={"file": ("t.csv", CSV, "text/csv")})
        assert form.status_code == 200, form.text


def test_the_openapi_document_names_the_key_scheme(anonymous: TestClient) -> None:
    spec = anonymous.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["ApiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["ApiKey"]["description"],
    }
    delete = spec["paths"]["/v1/concepts/{concept_id}"]["delete"]
    assert {"401", "403", "429"} <= set(delete["responses"])


def test_keys_cli(database: Database) -> None:
    runner = CliRunner()
    env = {"ALINEA_DATABASE_URL": database.url}
    made = runner.invoke(cli, ["keys", "create", "--role", "admin", "--name", "me"], env=env)
    assert made.exit_code == 0, made.output
    key = made.stdout.splitlines()[1]
    assert key.startswith("alinea_")
    listed = runner.invoke(cli, ["keys", "list"], env=env)
    assert "me" in listed.stdout and key not in listed.stdout  # never shown again
    bad = runner.invoke(cli, ["keys", "create", "--role", "admin", "--name", "  "], env=env)
    assert bad.exit_code == 2 and "error:" in bad.output
    assert runner.invoke(cli, ["keys", "revoke", "999999"], env=env).exit_code == 1


def test_the_jobs_command_line_sends_a_zip_with_its_key(
    database: Database, monkeypatch: pytest.MonkeyPatch, make_client: Callable[..., TestClient]
) -> None:
    import io
    import zipfile

    from app.jobs.cli import client

    monkeypatch.setenv("ALINEA_API_KEY", "alinea_0123456789ab_" + "k" * 43)
    with client() as http:
        assert http.headers["authorization"] == "Bearer alinea_0123456789ab_" + "k" * 43
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.fr.txt", "Bonjour.")
        zf.writestr("a.en.txt", "Hello.")
    # as `alinea jobs submit` sends it: the zip with its own type (no preflight-free body), so
    # it needs no key where none is needed (ALINEA_AUTH=off) …
    app_client = make_client(database.url, role=None, auth="off")
    with TestClient(app_client.app, base_url="http://127.0.0.1:8000") as local:
        response = local.post(
            "/v1/jobs",
            content=archive.getvalue(),
            params={"presegmented": "true"},
            headers={"content-type": "application/zip"},
        )
        assert response.status_code == 202, response.text
        assert response.json()["options"]["presegmented"] is True
        assert response.json()["owner"] is None
    # … and a key where one is
    with make_client(database.url, role=None) as anonymous:
        refused = anonymous.post(
            "/v1/jobs", content=archive.getvalue(), headers={"content-type": "application/zip"}
        )
        assert_problem(refused, 401)
