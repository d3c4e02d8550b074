"""A recognition answer is bounded (issue 11: 1 MB of text matching a term everywhere gave a
127 MB answer, 600 MB at the peak)."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi.testclient import TestClient


def test_a_text_full_of_terms_gets_a_bounded_answer_that_says_so(seeded_client: TestClient) -> None:
    text = "La traite des personnes. " * 40_000  # 1,000,000 characters, 40,000 terms
    assert len(text) == 1_000_000
    response = seeded_client.post(
        "/v1/terms/recognize", json={"text": text, "src": "fr", "tgt": "en"}
    )
    assert response.status_code == 200
    assert len(response.content) < 5_000_000
    answer = response.json()
    assert answer["truncated"] is True
    assert answer["found"] == 40_000
    assert len(answer["terms"]) == 1000
    # the first ones, in text order
    starts = [term["start"] for term in answer["terms"]]
    assert starts == sorted(starts) and starts[0] == text.index("traite")


def test_a_short_text_is_not_truncated(seeded_client: TestClient) -> None:
    answer = seeded_client.post(
        "/v1/terms/recognize",
        json={"text": "La traite des personnes.", "src": "fr", "tgt": "en"},
    ).json()
    assert answer["truncated"] is False and answer["found"] == len(answer["terms"]) == 1


def test_the_bound_is_configurable(database, make_client: Callable[..., TestClient]) -> None:  # type: ignore[no-untyped-def]
    with make_client(database.url, max_recognize_matches=3) as client:
        answer = client.post(
            "/v1/terms/recognize",
            json={"text": "La traite des personnes. " * 5, "src": "fr", "tgt": "en"},
        ).json()
    assert answer["truncated"] is True and len(answer["terms"]) == 3 and answer["found"] == 5
    assert json.dumps(answer)  # plain JSON
