"""POST /v1/qa and POST /v1/jobs/{id}/term-candidates over HTTP: reports in JSON, HTML and
text, jobs read from the database, and bad input answered with problems."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from tests.app.qa_sample import CONTEXTS, EN, FR

PROBLEM = "application/problem+json"


@pytest.fixture
def client(database: Database, make_client: Callable[..., TestClient]) -> Iterator[TestClient]:
    """The service with the seed termbase and no job runner."""
    with make_client(database.url, runner="off") as test_client:
        yield test_client


def assert_problem(response: Any, status: int, *words: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    for word in words:
        assert word in problem["detail"] + str(problem.get("errors", "")), problem
    return problem


def test_two_texts_are_aligned_and_checked(client: TestClient) -> None:
    response = client.post("/v1/qa", json={"fr": FR, "en": EN})
    assert response.status_code == 200, response.text
    report = response.json()
    summary = report["summary"]
    assert summary["beads"] == 3 and summary["documents"] == 1
    assert summary["by_kind"] == {"deprecated": 1, "number": 2}
    beads = report["documents"][0]["beads"]
    assert [b["position"] for b in beads] == [0, 2]  # only the beads with findings
    deprecated = beads[0]["findings"][0]
    assert deprecated["kind"] == "deprecated" and deprecated["severity"] == "error"
    assert deprecated["text"] == "trade in persons" and deprecated["note"]
    assert beads[0]["en"][deprecated["start"] : deprecated["end"]] == "trade in persons"
    assert "trafficking in persons" in deprecated["expected"]
    everything = client.post("/v1/qa", json={"fr": FR, "en": EN, "all_beads": True}).json()
    assert len(everything["documents"][0]["beads"]) == 3


def test_html_highlights_the_findings_and_text_lists_them(client: TestClient) -> None:
    html = client.post("/v1/qa", json={"fr": FR, "en": EN}, params={"format": "html"})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert '<mark class="deprecated">trade in persons</mark>' in html.text
    assert '<mark class="number">1,600</mark>' in html.text
    text = client.post("/v1/qa", json={"fr": FR, "en": EN}, params={"format": "text"})
    assert text.headers["content-type"].startswith("text/plain")
    assert "3 findings in 2 of 3 beads" in text.text


def test_checks_can_be_chosen(client: TestClient) -> None:
    report = client.post("/v1/qa", json={"fr": FR, "en": EN, "checks": ["number"]}).json()
    assert report["summary"]["by_kind"] == {"number": 2}


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"fr": FR}, 422, "give fr and en"),
        ({"fr": FR, "en": EN, "job": 1}, 422, "not both"),
        ({"fr": FR, "en": EN, "checks": ["spelling"]}, 422, "unknown checks"),
        ({"fr": "", "en": EN}, 422, ""),
        ({"fr": ["une phrase"], "en": "one sentence"}, 422, "both be texts"),
        ({"job": 0}, 422, ""),
        ({"job": 987654}, 404, "no job 987654"),
        ({"fr": FR, "en": EN, "surprise": 1}, 422, ""),
    ],
)
def test_bad_requests_get_problems(
    client: TestClient, body: dict[str, Any], status: int, words: str
) -> None:
    assert_problem(client.post("/v1/qa", json=body), status, words)


def test_a_text_over_the_limit_is_refused(
    database: Database, make_client: Callable[..., TestClient]
) -> None:
    with make_client(database.url, runner="off", max_align_bytes=1024) as small:
        assert_problem(small.post("/v1/qa", json={"fr": "é" * 1000, "en": EN}), 413, "limit")


def test_a_job_is_checked_and_mined(
    client: TestClient, database: Database, finished_job: Callable[..., int]
) -> None:
    documents = [
        {
            "name": f"doc{i}",
            "fr": FR.replace("Le Conseil condamne", fr),
            "en": EN.replace(
                "The Council condemns trade in persons", f"{en} trafficking in persons"
            ),
        }
        for i, (fr, en) in enumerate(CONTEXTS)
    ]
    job_id = finished_job(client, database, documents)

    report = client.post("/v1/qa", json={"job": job_id}).json()
    assert report["summary"]["documents"] == 3
    assert report["summary"]["by_kind"] == {"number": 6}
    assert [d["name"] for d in report["documents"]] == ["doc0", "doc1", "doc2"]

    mined = client.post(f"/v1/jobs/{job_id}/term-candidates", json={"limit": 50})
    assert mined.status_code == 200, mined.text
    result = mined.json()
    assert result["job"] == job_id and result["beads"] == 9 and result["documents"] == 3
    pairs = {(c["fr_key"], c["en_key"]): c for c in result["candidates"]}
    trafficking = pairs[("traite des personne", "trafficking in person")]
    assert (
        trafficking["known"] and trafficking["key"] == "traite des personne|trafficking in person"
    )
    assert trafficking["frequency"] == 3 and trafficking["examples"][0]["ref"] == "doc0#0"
    assert client.post(f"/v1/jobs/{job_id}/term-candidates").status_code == 200  # no body


def test_a_job_not_yet_aligned_is_refused(client: TestClient) -> None:
    submitted = client.post(
        "/v1/jobs", json={"documents": [{"name": "a", "fr": FR, "en": EN}]}
    ).json()
    path = f"/v1/jobs/{submitted['id']}/term-candidates"
    assert_problem(client.post(path), 409, "still to align")
    assert_problem(client.post(path, json={"partial": True}), 409, "no aligned document")
    assert_problem(client.post("/v1/qa", json={"job": submitted["id"]}), 409, "still to align")
    assert_problem(client.post("/v1/jobs/424242/term-candidates"), 404, "no job")
    assert_problem(client.post(path, json={"limit": 0}), 422, "")
