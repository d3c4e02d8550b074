"""The terminologist's API: concept CRUD, validation, history; nothing half-written."""

from collections.abc import Callable

from fastapi.testclient import TestClient

from app.db import Database

PROBLEM = "application/problem+json"

CONCEPT = {
    "subject_field": "trafficking in persons",
    "definition": "Moving people illegally across a border for gain.",
    "terms": [
        {
            "lang": "fr",
            "text": "trafic illicite de migrants",
            "status": "preferred",
            "part_of_speech": "noun",
        },
        {"lang": "en", "text": "smuggling of migrants", "status": "preferred"},
        {
            "lang": "en",
            "text": "trafficking of migrants",
            "status": "deprecated",
            "note": "Smuggling is not trafficking.",
        },
    ],
}


def _count(client: TestClient) -> int:
    return len(client.get("/v1/concepts", params={"limit": 200}).json()["items"])


def test_create_read_update_delete(client: TestClient) -> None:
    created = client.post("/v1/concepts", json=CONCEPT)
    assert created.status_code == 201
    concept = created.json()
    assert created.headers["location"] == f"/v1/concepts/{concept['id']}"
    assert [t["text"] for t in concept["terms"]][0] == "trafic illicite de migrants"

    assert concept.pop("possible_duplicates") == []
    assert client.get(f"/v1/concepts/{concept['id']}").json() == concept
    # the look-up index sees the new concept at once
    hit = client.get("/v1/terms", params={"q": "trafics illicites de migrants"}).json()["items"][0]
    assert hit["concept_id"] == concept["id"]

    patched = client.patch(
        f"/v1/concepts/{concept['id']}",
        json={"note": "See the Protocol against the Smuggling of Migrants."},
    )
    assert patched.status_code == 200
    assert patched.json()["note"].startswith("See the Protocol")
    assert patched.json()["terms"] == concept["terms"]  # terms untouched when absent

    new_terms = [
        {"lang": "fr", "text": "trafic de migrants", "status": "preferred"},
        {"lang": "en", "text": "smuggling of migrants", "status": "preferred"},
    ]
    replaced = client.patch(f"/v1/concepts/{concept['id']}", json={"terms": new_terms}).json()
    assert [t["text"] for t in replaced["terms"]] == ["trafic de migrants", "smuggling of migrants"]
    kept = {t["text"]: t["id"] for t in concept["terms"]}
    assert replaced["terms"][1]["id"] == kept["smuggling of migrants"]
    assert (
        client.get("/v1/terms", params={"q": "trafic illicite de migrants"}).json()["items"] == []
    )

    assert client.delete(f"/v1/concepts/{concept['id']}").status_code == 204
    gone = client.get(f"/v1/concepts/{concept['id']}")
    assert gone.status_code == 404 and gone.headers["content-type"] == PROBLEM
    assert client.get("/v1/terms", params={"q": "trafic de migrants"}).json()["items"] == []


def test_history_keeps_every_change(
    client: TestClient,
    database: Database,
    bearer: Callable[[str], dict[str, str]],
    make_key: Callable[..., str],
) -> None:
    def key_of(name: str) -> dict[str, str]:
        # Who made a change is the owner of the key: a header the client chooses is ignored.
        key = make_key(database.url, "terminologist", name)
        return {**bearer(key), "X-Alinea-User": "alinea-seed"}

    concept = client.post("/v1/concepts", json=CONCEPT, headers=key_of("marie")).json()
    client.patch(f"/v1/concepts/{concept['id']}", json={"note": "checked"}, headers=key_of("paul"))
    client.delete(f"/v1/concepts/{concept['id']}", headers=key_of("ana"))
    history = client.get(f"/v1/concepts/{concept['id']}/history").json()["items"]
    assert [(r["action"], r["changed_by"]) for r in history] == [
        ("create", "marie"),
        ("update", "paul"),
        ("delete", "ana"),
    ]
    assert (
        history[0]["before"] is None
        and history[0]["after"]["terms"][0]["text"] == "trafic illicite de migrants"
    )
    assert history[1]["before"]["note"] is None and history[1]["after"]["note"] == "checked"
    assert history[2]["after"] is None and history[2]["before"]["note"] == "checked"


def test_a_patch_that_changes_nothing_records_nothing(client: TestClient) -> None:
    concept = client.post("/v1/concepts", json=CONCEPT).json()
    client.patch(f"/v1/concepts/{concept['id']}", json={"definition": CONCEPT["definition"]})
    assert len(client.get(f"/v1/concepts/{concept['id']}/history").json()["items"]) == 1


def _with_terms(*terms: dict) -> dict:
    return {**CONCEPT, "terms": list(terms)}


INVALID = {
    "unknown language": _with_terms({"lang": "xx", "text": "foo"}),
    "malformed language": _with_terms({"lang": "fr_FR", "text": "foo"}),
    "empty term": _with_terms({"lang": "fr", "text": "   "}),
    "no terms": _with_terms(),
    "two preferred": _with_terms(
        {"lang": "en", "text": "a", "status": "preferred"},
        {"lang": "en", "text": "b", "status": "preferred"},
    ),
    "same term twice": _with_terms({"lang": "en", "text": "a"}, {"lang": "en", "text": "a"}),
    "over-long term": _with_terms({"lang": "en", "text": "a" * 501}),
    "over-long subject field": {**CONCEPT, "subject_field": "s" * 201},
    "unknown status": _with_terms({"lang": "en", "text": "a", "status": "forbidden"}),
    "unknown field": {**CONCEPT, "reliability": 4},
    "control character": _with_terms({"lang": "en", "text": "a\x00b"}),
}


def test_invalid_concepts_are_422_and_write_nothing(client: TestClient) -> None:
    for name, body in INVALID.items():
        response = client.post("/v1/concepts", json=body)
        assert response.status_code == 422, name
        assert response.headers["content-type"] == PROBLEM, name
        assert response.json()["errors"], name
    assert _count(client) == 0


def test_invalid_patch_leaves_the_concept_as_it_was(client: TestClient) -> None:
    concept = client.post("/v1/concepts", json=CONCEPT).json()
    for body in (
        {
            "terms": [
                {"lang": "en", "text": "a", "status": "preferred"},
                {"lang": "en", "text": "b", "status": "preferred"},
            ]
        },
        {"terms": []},
        {"terms": None},
        {"definition": "d" * 20_000},
        {"id": 5},
    ):
        response = client.patch(f"/v1/concepts/{concept['id']}", json=body)
        assert response.status_code == 422, body
    assert concept.pop("possible_duplicates") == []
    assert client.get(f"/v1/concepts/{concept['id']}").json() == concept
    assert len(client.get(f"/v1/concepts/{concept['id']}/history").json()["items"]) == 1


def test_unknown_ids_are_404_problems(client: TestClient) -> None:
    for method, path in (
        ("get", "/v1/concepts/999"),
        ("delete", "/v1/concepts/999"),
        ("get", "/v1/concepts/999/history"),
    ):
        response = client.request(method, path)
        assert response.status_code == 404 and response.headers["content-type"] == PROBLEM
    assert client.patch("/v1/concepts/999", json={"note": "x"}).status_code == 404
    assert client.get("/v1/concepts/abc").status_code == 422


def test_list_pages_with_a_cursor(client: TestClient) -> None:
    for i in range(5):
        client.post("/v1/concepts", json=_with_terms({"lang": "en", "text": f"term {i}"}))
    first = client.get("/v1/concepts", params={"limit": 3}).json()
    second = client.get("/v1/concepts", params={"limit": 3, "cursor": first["next_cursor"]}).json()
    assert len(first["items"]) == 3 and len(second["items"]) == 2
    assert second["next_cursor"] is None


def test_if_match_refuses_a_change_based_on_a_stale_read(client: TestClient) -> None:
    created = client.post("/v1/concepts", json=CONCEPT)
    url = created.headers["location"]
    first_read = client.get(url).headers["etag"]
    assert first_read == created.headers["etag"]
    changed = client.patch(url, json={"note": "first"}, headers={"If-Match": first_read})
    assert changed.status_code == 200 and changed.headers["etag"] != first_read
    stale = client.patch(url, json={"note": "second"}, headers={"If-Match": first_read})
    assert stale.status_code == 412 and stale.headers["content-type"] == PROBLEM
    assert client.delete(url, headers={"If-Match": first_read}).status_code == 412
    assert client.get(url).json()["note"] == "first"
    assert client.delete(url, headers={"If-Match": changed.headers["etag"]}).status_code == 204


def test_database_outage_is_a_503_problem(client: TestClient) -> None:
    from app.db import Database

    working = client.app.state.database
    client.app.state.database = Database("postgresql://127.0.0.1:1/unreachable")
    try:
        for response in (client.get("/v1/concepts/1"), client.get("/v1/terms", params={"q": "x"})):
            assert response.status_code == 503
            assert response.headers["content-type"] == PROBLEM
            assert response.headers["retry-after"]
        assert client.get("/livez").status_code == 200
        assert client.get("/readyz").status_code == 503
    finally:
        client.app.state.database.dispose()
        client.app.state.database = working
