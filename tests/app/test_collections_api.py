"""Collections, the collection filter of look-up and recognition, SKOS over the import route, and
the review queue of term candidates, over HTTP."""

from fastapi.testclient import TestClient

from termbase.seed import read_seed

SEED_CONCEPTS = len(read_seed()["concepts"])  # concepts in the shipped seed

PROBLEM = "application/problem+json"
TURTLE = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<http://example.org/c1> a skos:Concept ;
  skos:prefLabel "human trafficking"@en, "trafic humain"@fr .
"""


def test_collections_listed_created_and_ranked(seeded_client: TestClient) -> None:
    listed = seeded_client.get("/v1/collections").json()["items"]
    assert [c["name"] for c in listed] == ["un-seed", "team", "candidates"]
    assert listed[0]["concepts"] == SEED_CONCEPTS
    created = seeded_client.post(
        "/v1/collections", json={"name": "eurovoc", "priority": 400, "reliability": 6}
    )
    assert created.status_code == 201 and created.json()["kind"] == "vocabulary"
    too_high = seeded_client.post("/v1/collections", json={"name": "x", "priority": 901})
    assert too_high.status_code == 422
    assert too_high.headers["content-type"] == PROBLEM
    assert seeded_client.post("/v1/collections", json={"name": "Bad Name"}).status_code == 422
    assert seeded_client.get("/v1/collections/nowhere").status_code == 404
    moved = seeded_client.patch("/v1/collections/eurovoc", json={"priority": 450})
    assert moved.status_code == 200 and moved.json()["priority"] == 450


def test_skos_upload_lands_in_its_collection_and_ranks_below_the_seed(
    seeded_client: TestClient,
) -> None:
    response = seeded_client.post(
        "/v1/termbase/import",
        content=TURTLE.encode(),
        headers={"content-type": "text/turtle"},
        params={"collection": "thesaurus"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["format"] == "skos" and response.json()["collection"] == "thesaurus"
    items = seeded_client.get("/v1/terms", params={"q": "human trafficking", "src": "en"}).json()[
        "items"
    ]
    assert [i["collection"] for i in items] == ["un-seed", "thesaurus"]
    only = seeded_client.get(
        "/v1/terms", params={"q": "human trafficking", "src": "en", "collection": "thesaurus"}
    ).json()["items"]
    assert [i["collection"] for i in only] == ["thesaurus"]
    unknown = seeded_client.get(
        "/v1/terms", params={"q": "human trafficking", "src": "en", "collection": "nope"}
    )
    assert unknown.status_code == 422 and unknown.json()["type"].endswith("invalid-query")
    recognized = seeded_client.post(
        "/v1/terms/recognize",
        json={"text": "human trafficking", "src": "en", "tgt": "fr", "collections": ["thesaurus"]},
    ).json()
    assert [c["collection"] for c in recognized["terms"][0]["concepts"]] == ["thesaurus"]
    concepts = seeded_client.get("/v1/concepts", params={"collection": "thesaurus"}).json()
    assert [c["source"] for c in concepts["items"]] == ["http://example.org/c1"]


def test_an_unknown_collection_in_a_concept_is_a_problem_not_a_crash(
    client: TestClient,
) -> None:
    response = client.post(
        "/v1/concepts",
        json={"collection": "nowhere", "terms": [{"lang": "en", "text": "agenda"}]},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


def test_the_review_queue_over_http(client: TestClient) -> None:
    proposed = client.post(
        "/v1/term-candidates",
        json={
            "source": "job 3",
            "candidates": [
                {
                    "fr": "perspective de genre",
                    "en": "gender perspective",
                    "score": 8.2,
                    "frequency": 3,
                    "examples": [{"ref": "bead 4", "fr": "une perspective de genre",
                                  "en": "a gender perspective"}],
                },
                {"fr": "société civile", "en": "civil society"},
            ],
        },
    )  # fmt: skip
    assert proposed.status_code == 200 and proposed.json()["queued"] == 2
    first, second = proposed.json()["candidate_ids"]
    queue = client.get("/v1/term-candidates").json()["items"]
    assert [c["fr"] for c in queue] == ["perspective de genre", "société civile"]
    # pending candidates stay out of look-ups
    assert client.get("/v1/terms", params={"q": "civil society", "src": "en"}).json()["items"] == []
    edited = client.patch(f"/v1/term-candidates/{second}", json={"en": "civil societies"})
    assert edited.status_code == 200 and edited.json()["en"] == "civil societies"
    accepted = client.post(f"/v1/term-candidates/{first}/accept").json()
    concept = client.get(f"/v1/concepts/{accepted['concept_id']}").json()
    assert concept["collection"] == "team"
    assert {t["context"] for t in concept["terms"]} == {
        "une perspective de genre",
        "a gender perspective",
    }
    assert client.post(f"/v1/term-candidates/{first}/reject").status_code == 409
    assert client.post(f"/v1/term-candidates/{second}/reject").status_code == 200
    assert client.post("/v1/term-candidates/999/accept").status_code == 404
    again = client.post(
        "/v1/term-candidates",
        json={"candidates": [{"fr": "société civile", "en": "civil societies"}]},
    ).json()
    assert (again["queued"], again["rejected_before"]) == (0, 1)
