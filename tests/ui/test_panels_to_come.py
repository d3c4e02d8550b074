"""The panels that depend on routes other work adds (translation QA: ``POST /v1/qa``; the review
queue of term candidates: ``/v1/term-candidates``). Where the service has them, the other tests
use them for real; here the browser is shown an API document that has them and answers of their
documented shape (intercepted in the browser), so the panels are tested before the routes land:
they appear, send what the routes take, and show what they answer."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.ui.conftest import Service, sign_in

# Playwright is in the test extra; without it these tests skip (the chromium fixture says why).
expect = pytest.importorskip(
    "playwright.sync_api", reason="needs Playwright (the test extra)"
).expect

QA_ANSWER = {
    "summary": {"documents": 1, "beads": 1, "beads_with_findings": 1, "findings": 1},
    "documents": [
        {
            "name": "text",
            "summary": {"beads": 1, "beads_with_findings": 1, "findings": 1},
            "beads": [
                {
                    "position": 0,
                    "ref": "1",
                    "fr": "Les États luttent contre la traite des personnes.",
                    "en": "States fight the trade in persons.",
                    "review": None,
                    "findings": [
                        {
                            "kind": "deprecated-term",
                            "severity": "error",
                            "message": "'trade in persons' is deprecated",
                            "lang": "en",
                            "start": 16,
                            "end": 32,
                            "text": "trade in persons",
                            "expected": ["trafficking in persons"],
                            "note": "Mistranslation of 'traite'.",
                            "concept_id": 1,
                        }
                    ],
                }
            ],
        }
    ],
}


def _with_paths(page: Any, **paths: dict[str, Any]) -> None:
    """Show the page the service's API document with ``paths`` added."""

    def handle(route: Any) -> None:
        document = route.fetch().json()
        document["paths"].update(paths)
        route.fulfill(json=document)

    page.route("**/openapi.json", handle)


def test_the_qa_panel_sends_both_texts_and_lists_the_findings(page: Any, service: Service) -> None:
    if "/v1/qa" in service.get("/openapi.json").json()["paths"]:
        pytest.skip("the service has POST /v1/qa: test_check_and_align uses it for real")
    _with_paths(page, **{"/v1/qa": {"post": {}}})
    sent: list[dict[str, Any]] = []

    def answer(route: Any) -> None:
        sent.append(json.loads(route.request.post_data))
        route.fulfill(json=QA_ANSWER)

    page.route("**/v1/qa", answer)
    page.goto("/check")
    expect(page.locator("#qa-panel")).to_be_visible()
    page.get_by_label("Text to check").fill(QA_ANSWER["documents"][0]["beads"][0]["fr"])
    page.get_by_label("Translation (the other language)").fill("States fight the trade in persons.")
    page.get_by_role("button", name="Run QA").click()
    expect(page.locator("#qa-count")).to_have_text("1 finding.")
    finding = page.locator("#qa-findings li")
    expect(finding).to_contain_text("deprecated-term")
    expect(finding).to_contain_text("→ trafficking in persons")
    expect(finding.locator(".trap-note")).to_have_text("Mistranslation of 'traite'.")
    assert sent == [
        {
            "fr": "Les États luttent contre la traite des personnes.",
            "en": "States fight the trade in persons.",
        }
    ]


def test_candidates_are_reviewed_edited_accepted_and_rejected(page: Any, service: Service) -> None:
    if "/v1/term-candidates" in service.get("/openapi.json").json()["paths"]:
        pytest.skip("the service has the review queue")
    _with_paths(
        page,
        **{
            "/v1/term-candidates": {"get": {}},
            "/v1/term-candidates/{candidate_id}": {"get": {}, "patch": {}},
            "/v1/term-candidates/{candidate_id}/accept": {"post": {}},
            "/v1/term-candidates/{candidate_id}/reject": {"post": {}},
        },
    )
    example = {"ref": "a:3", "fr": "Les victimes de la traite", "en": "Victims of trafficking"}
    queue = [
        {"id": 7, "status": "pending", "fr": "victimes de la traite",
         "en": "victims of trafficking", "score": 41.5, "frequency": 12, "examples": [example]},
        {"id": 8, "status": "pending", "fr": "la présente", "en": "this", "score": 3.0,
         "frequency": 2, "examples": []},
    ]  # fmt: skip
    calls: list[tuple[str, str, Any]] = []

    def listing(route: Any) -> None:
        route.fulfill(json={"items": queue, "next_cursor": None})

    def one(route: Any) -> None:
        request = route.request
        body = json.loads(request.post_data) if request.post_data else None
        calls.append((request.method, request.url.split("/v1/")[1], body))
        assert request.headers["authorization"] == f"Bearer {service.keys['terminologist']}"
        candidate_id = int(request.url.split("/v1/term-candidates/")[1].split("/")[0])
        if request.url.endswith(("/accept", "/reject")):
            queue[:] = [c for c in queue if c["id"] != candidate_id]
        route.fulfill(json={})

    page.route("**/v1/term-candidates", listing)
    page.route("**/v1/term-candidates/*", one)
    page.route("**/v1/term-candidates/*/*", one)
    page.goto("/desk")
    sign_in(page, service.keys["terminologist"])
    rows = page.locator("#candidate-rows tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Les victimes de la traite")
    page.get_by_label("French: victimes de la traite ↔ victims of trafficking").fill(
        "victime de la traite"
    )
    page.get_by_role(
        "button", name="Accept: victimes de la traite ↔ victims of trafficking"
    ).click()
    expect(rows).to_have_count(1)
    page.get_by_role("button", name="Reject: la présente ↔ this").click()
    expect(rows.first).to_have_text("No candidate to review.")
    edited = {"fr": "victime de la traite", "en": "victims of trafficking"}
    assert calls == [
        ("PATCH", "term-candidates/7", edited),
        ("POST", "term-candidates/7/accept", {}),
        ("POST", "term-candidates/8/reject", {}),
    ]
