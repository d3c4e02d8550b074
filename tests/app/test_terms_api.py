"""The translator's API: GET /v1/terms and POST /v1/terms/recognize over real HTTP."""

from collections.abc import Callable

from fastapi.testclient import TestClient

PROBLEM = "application/problem+json"


def test_lookup_returns_the_un_equivalent_preferred_first(seeded_client: TestClient) -> None:
    response = seeded_client.get(
        "/v1/terms", params={"q": "trafic de migrants", "src": "fr", "tgt": "en"}
    )
    assert response.status_code == 200
    item = response.json()["items"][0]
    assert item["matched"]["text"] == "trafic de migrants"
    assert item["equivalents"][0]["text"] == "smuggling of migrants"
    assert item["equivalents"][0]["status"] == "preferred"
    flagged = [e for e in item["equivalents"] if e["deprecated"]]
    assert "trafficking of migrants" in [e["text"] for e in flagged]
    assert all(e["note"] for e in flagged)
    assert any("trafficking of migrants" in w for w in item["warnings"])


def test_lookup_both_directions_and_modes(seeded_client: TestClient) -> None:
    english = seeded_client.get(
        "/v1/terms", params={"q": "Member State", "src": "en", "tgt": "fr"}
    ).json()
    assert english["items"][0]["equivalents"][0]["text"] == "États Membres"
    fuzzy = seeded_client.get(
        "/v1/terms",
        params={"q": "trafiking in persons", "src": "en", "tgt": "fr", "match": "fuzzy"},
    ).json()
    assert fuzzy["items"][0]["equivalents"][0]["text"] == "traite des personnes"
    assert fuzzy["items"][0]["score"] < 1
    accents = seeded_client.get("/v1/terms", params={"q": "Etats Membres", "match": "fuzzy"}).json()
    assert accents["items"][0]["equivalents"][0]["text"] == "Member States"


def test_cursor_pages_through_results(seeded_client: TestClient) -> None:
    params = {"q": "o", "src": "en", "tgt": "fr", "match": "prefix", "limit": 2}
    first = seeded_client.get("/v1/terms", params=params).json()
    assert first["next_cursor"]
    second = seeded_client.get(
        "/v1/terms", params={**params, "cursor": first["next_cursor"]}
    ).json()
    ids = [i["concept_id"] for i in first["items"]] + [i["concept_id"] for i in second["items"]]
    assert len(ids) == len(set(ids)) == 4
    other = seeded_client.get(
        "/v1/terms", params={**params, "q": "u", "cursor": first["next_cursor"]}
    )
    assert other.status_code == 422
    assert other.headers["content-type"] == PROBLEM


def test_no_match_is_an_empty_page(seeded_client: TestClient) -> None:
    body = seeded_client.get("/v1/terms", params={"q": "photosynthèse"}).json()
    assert body["items"] == [] and body["next_cursor"] is None


def test_bad_lookup_parameters_are_422_problems(seeded_client: TestClient) -> None:
    for params in (
        {"q": "traite", "src": "xx"},
        {"q": "traite", "tgt": "fr_FR!"},
        {"q": "traite", "match": "regex"},
        {"q": ""},
        {"q": "x" * 600},
        {"q": "…!?"},
        {"q": "traite", "limit": 0},
        {"q": "traite", "cursor": "not-a-cursor"},
    ):
        response = seeded_client.get("/v1/terms", params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == PROBLEM
        body = response.json()
        assert body["status"] == 422 and body["title"] and body["detail"]
    missing = seeded_client.get("/v1/terms")
    assert missing.status_code == 422 and missing.json()["errors"][0]["loc"] == ["query", "q"]


def test_recognize_finds_terms_with_offsets(seeded_client: TestClient) -> None:
    text = (
        "Engage les États Membres à lutter contre la traite des personnes et le trafic de migrants."
    )
    response = seeded_client.post(
        "/v1/terms/recognize", json={"text": text, "src": "fr", "tgt": "en"}
    )
    assert response.status_code == 200
    terms = response.json()["terms"]
    found = {t["text"]: t["concepts"][0]["equivalents"][0]["text"] for t in terms}
    assert found["traite des personnes"] == "trafficking in persons"
    assert found["trafic de migrants"] == "smuggling of migrants"
    assert found["États Membres"] == "Member States"
    for term in terms:
        assert text[term["start"] : term["end"]] == term["text"]


def test_recognize_bad_input(seeded_client: TestClient) -> None:
    assert (
        seeded_client.post(
            "/v1/terms/recognize", json={"text": "x", "src": "zz", "tgt": "en"}
        ).status_code
        == 422
    )
    assert (
        seeded_client.post("/v1/terms/recognize", json={"src": "fr", "tgt": "en"}).status_code
        == 422
    )
    assert (
        seeded_client.post(
            "/v1/terms/recognize",
            content=b"{not json",
            headers={"content-type": "application/json"},
        ).status_code
        == 422
    )
    empty = seeded_client.post("/v1/terms/recognize", json={"text": "", "src": "fr", "tgt": "en"})
    assert empty.status_code == 200 and empty.json()["terms"] == []


def test_oversized_input_is_refused_whole(database, make_client: Callable[..., TestClient]) -> None:

    with make_client(database.url, max_recognize_chars=1000, max_request_bytes=5000) as client:
        too_long = client.post(
            "/v1/terms/recognize",
            json={"text": "traite des personnes " * 100, "src": "fr", "tgt": "en"},
        )
        assert too_long.status_code == 413
        assert too_long.headers["content-type"] == PROBLEM
        too_big = client.post(
            "/v1/terms/recognize", json={"text": "a" * 10_000, "src": "fr", "tgt": "en"}
        )
        assert too_big.status_code == 413
        assert too_big.json()["status"] == 413


def test_changes_made_by_another_process_are_seen(
    database, add_concept: Callable[..., int], make_client: Callable[..., TestClient]
) -> None:

    with make_client(database.url, load_seed=False, index_check_interval=0) as client:
        assert client.get("/v1/terms", params={"q": "passeur"}).json()["items"] == []
        add_concept(database, {"lang": "fr", "text": "passeur", "status": "preferred"})
        items = client.get("/v1/terms", params={"q": "passeurs"}).json()["items"]
        assert [i["matched"]["text"] for i in items] == ["passeur"]
