"""Mined term candidates reach the review queue: ``POST /v1/jobs/{id}/term-candidates`` (with
``queue``, the default) and ``alinea terms extract --queue`` propose the new pairs; rejected
pairs are not proposed again; an accepted pair becomes a concept with its example bead as
context and the job as source. Queueing needs a terminologist's key; listing alone is a read."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import app as cli
from app.db import Database

FR = (
    "Le Conseil examine l'examen périodique universel du pays.\n\n"
    "Le droit international humanitaire s'applique.\n"
)
EN = (
    "The Council considers the universal periodic review of the country.\n\n"
    "International humanitarian law applies.\n"
)
DOCUMENTS = [{"name": f"d{i}", "fr": FR, "en": EN} for i in range(3)]


@pytest.fixture
def client(database: Database, make_client: Callable[..., TestClient]) -> Iterator[TestClient]:
    with make_client(database.url, role="terminologist", name="terry") as test_client:
        yield test_client


def _pending(client: TestClient) -> dict[str, dict[str, object]]:
    listing = client.get("/v1/term-candidates", params={"limit": 200})
    assert listing.status_code == 200, listing.text
    return {f"{c['fr']} | {c['en']}": c for c in listing.json()["items"]}


def test_mined_pairs_are_queued_rejected_for_good_and_accepted_as_concepts(
    client: TestClient, database: Database, finished_job: Callable[..., int]
) -> None:
    job_id = finished_job(client, database, DOCUMENTS)
    path = f"/v1/jobs/{job_id}/term-candidates"
    mined = client.post(path, json={"limit": 20})
    assert mined.status_code == 200, mined.text
    answer = mined.json()
    new = [c for c in answer["candidates"] if not c["known"]]
    assert len(new) >= 2
    report = answer["queue"]
    assert report["source"] == f"job {job_id}"
    assert report["queued"] == len(new) and len(report["candidate_ids"]) == len(new)
    pending = _pending(client)
    assert {f"{c['fr']} | {c['en']}" for c in new} <= set(pending)
    first, second = (pending[f"{c['fr']} | {c['en']}"] for c in new[:2])
    assert first["source"] == f"job {job_id}" and first["examples"]

    # rejected: mined again, it is not proposed again; the other one is only brought up to date
    rejected = client.post(f"/v1/term-candidates/{first['id']}/reject")
    assert rejected.status_code == 200, rejected.text
    again = client.post(path, json={"limit": 20}).json()["queue"]
    assert again["queued"] == 0 and again["rejected_before"] == 1
    assert again["updated"] == len(new) - 1
    assert f"{first['fr']} | {first['en']}" not in _pending(client)

    # accepted: a concept of the team's collection, the example bead as context, the job as
    # source
    accepted = client.post(f"/v1/term-candidates/{second['id']}/accept")
    assert accepted.status_code == 200, accepted.text
    concept = client.get(f"/v1/concepts/{accepted.json()['concept_id']}").json()
    assert concept["collection"] == "team"
    example = second["examples"][0]  # type: ignore[index]
    for term in concept["terms"]:
        assert term["status"] == "preferred" and term["source"] == f"job {job_id}"
        assert term["context"] == example[term["lang"]]
    # mined again, the accepted pair is a known termbase pair now
    last = client.post(path, json={"limit": 20}).json()
    assert last["queue"]["known"] == 1 and last["queue"]["queued"] == 0
    known = [c for c in last["candidates"] if c["known"]]
    assert [(c["fr"], c["en"]) for c in known] == [(second["fr"], second["en"])]


def test_listing_is_a_read_and_queueing_needs_a_terminologist(
    client: TestClient,
    database: Database,
    make_key: Callable[..., str],
    bearer: Callable[[str], dict[str, str]],
    finished_job: Callable[..., int],
) -> None:
    job_id = finished_job(client, database, DOCUMENTS[:2])
    path = f"/v1/jobs/{job_id}/term-candidates"
    reader = bearer(make_key(database.url, "reader", "rita"))
    key = client.headers.pop("Authorization")
    listed = client.post(path, json={"queue": False})  # no key: a read
    assert listed.status_code == 200, listed.text
    assert listed.json()["queue"] is None and listed.json()["candidates"]
    refused = client.post(path, json={"limit": 5})
    assert refused.status_code == 401 and "API key" in refused.json()["detail"]
    forbidden = client.post(path, headers=reader)
    assert forbidden.status_code == 403 and "terminologist" in forbidden.json()["detail"]
    assert client.post(path, headers=reader, json={"queue": False}).status_code == 200
    client.headers["Authorization"] = key
    assert _pending(client) == {}


def test_without_keys_a_cross_site_form_cannot_queue(
    database: Database, make_client: Callable[..., TestClient], finished_job: Callable[..., int]
) -> None:
    app_client = make_client(database.url, role=None, auth="off")
    with TestClient(app_client.app, base_url="http://127.0.0.1:8000") as local:
        job_id = finished_job(local, database, DOCUMENTS[:2])
        path = f"/v1/jobs/{job_id}/term-candidates"
        for simple in ({"content": b"", "headers": {"content-type": "text/plain"}}, {}):
            form = local.post(path, **simple)  # type: ignore[arg-type]
            assert form.status_code == 415, form.text
        assert local.get("/v1/term-candidates").json()["items"] == []
        assert local.post(path, json={"limit": 5}).json()["queue"]["queued"] >= 1


def test_terms_extract_queues_with_the_flag(
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
    make_client: Callable[..., TestClient],
    finished_job: Callable[..., int],
) -> None:
    database_url = database.url
    with make_client(database_url) as client:
        job_id = finished_job(client, database, DOCUMENTS)
    monkeypatch.setenv("ALINEA_DATABASE_URL", database_url)
    runner = CliRunner()
    listed = runner.invoke(cli, ["terms", "extract", "--job", str(job_id), "--format", "json"])
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout)["queue"] is None
    queued = runner.invoke(
        cli, ["terms", "extract", "--job", str(job_id), "--queue", "--user", "cli-test"]
    )
    assert queued.exit_code == 0, queued.output
    assert "review queue: " in queued.output and "queued" in queued.output
    with make_client(database_url) as client:
        pending = _pending(client)
    assert pending and all(c["source"] == f"job {job_id}" for c in pending.values())
    again = runner.invoke(
        cli, ["terms", "extract", "--job", str(job_id), "--queue", "--format", "json"]
    )
    assert json.loads(again.stdout)["queue"]["queued"] == 0
