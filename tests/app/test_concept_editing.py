"""Editing as terminologists work: read-modify-write, ids never reused, duplicates reported,
text XML cannot carry refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database

PROBLEM = "application/problem+json"


def _concept(*terms: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {**fields, "terms": list(terms)}


SMUGGLING = _concept(
    {"lang": "en", "text": "smuggling of migrants", "status": "preferred"},
    {"lang": "fr", "text": "trafic illicite de migrants", "status": "preferred"},
    definition="Procuring illegal entry for gain.",
)


# -- ids are never reused -------------------------------------------------------------------------


def test_the_id_of_a_deleted_concept_is_never_given_again(client: TestClient) -> None:
    first = client.post("/v1/concepts", json=SMUGGLING).json()
    last = client.post("/v1/concepts", json=_concept({"lang": "en", "text": "doomed"})).json()
    assert client.delete(f"/v1/concepts/{last['id']}").status_code == 204
    fresh = client.post("/v1/concepts", json=_concept({"lang": "en", "text": "newcomer"})).json()
    assert fresh["id"] not in (first["id"], last["id"])
    # the history of the new concept is its own
    history = client.get(f"/v1/concepts/{fresh['id']}/history").json()["items"]
    assert [item["action"] for item in history] == ["create"]
    assert history[0]["after"]["terms"][0]["text"] == "newcomer"
    # term ids are not reused either
    old_ids = {t["id"] for t in first["terms"] + last["terms"]}
    assert not old_ids & {t["id"] for t in fresh["terms"]}


def test_the_id_of_a_deleted_term_is_never_given_again(client: TestClient) -> None:
    concept = client.post("/v1/concepts", json=SMUGGLING).json()
    url = f"/v1/concepts/{concept['id']}"
    highest = max(t["id"] for t in concept["terms"])
    kept = [t for t in concept["terms"] if t["id"] != highest]
    client.patch(url, json={"terms": kept})
    added = client.patch(url, json={"terms": [*kept, {"lang": "es", "text": "tráfico"}]}).json()
    assert highest not in {t["id"] for t in added["terms"]}


# -- read, modify, write --------------------------------------------------------------------------


def test_the_body_of_a_get_is_a_valid_patch(client: TestClient) -> None:
    created = client.post("/v1/concepts", json=SMUGGLING).json()
    url = f"/v1/concepts/{created['id']}"
    read = client.get(url)
    body = read.json()
    body["note"] = "checked against the Protocol"
    body["terms"][1]["text"] = "trafic de migrants"  # a typo fixed: the same term, kept by id
    body["terms"].append({"lang": "es", "text": "tráfico ilícito de migrantes"})
    response = client.patch(url, json=body, headers={"If-Match": read.headers["etag"]})
    assert response.status_code == 200, response.json()
    after = response.json()
    assert after["note"] == "checked against the Protocol"
    assert [t["id"] for t in after["terms"][:2]] == [t["id"] for t in created["terms"]]
    assert after["terms"][1]["text"] == "trafic de migrants"
    assert after["terms"][2]["text"] == "tráfico ilícito de migrantes"
    assert after["revision"] == created["revision"] + 1


def test_a_patch_body_cannot_move_terms_or_rename_the_concept(client: TestClient) -> None:
    one = client.post("/v1/concepts", json=SMUGGLING).json()
    one.pop("possible_duplicates")
    other = client.post("/v1/concepts", json=_concept({"lang": "en", "text": "other"})).json()
    url = f"/v1/concepts/{one['id']}"
    stolen = {"terms": [{**other["terms"][0]}]}
    assert client.patch(url, json=stolen).status_code == 422
    assert client.patch(url, json={"id": other["id"], "note": "x"}).status_code == 422
    stale = client.patch(url, json={"revision": one["revision"] + 5, "note": "x"})
    assert stale.status_code == 412 and stale.headers["content-type"] == PROBLEM
    assert client.get(url).json() == one


# -- text that XML cannot carry -------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    ["term\uffff", "term\ufffe", "\ufdd0term", "term\U0001fffe", "a\ud800b", "a\x0bb"],
    ids=["U+FFFF", "U+FFFE", "U+FDD0", "U+1FFFE", "lone surrogate", "vertical tab"],
)
def test_code_points_xml_cannot_carry_are_refused(client: TestClient, bad: str) -> None:
    for body in (
        _concept({"lang": "en", "text": bad}),
        _concept({"lang": "en", "text": "fine", "note": bad}),
        _concept({"lang": "en", "text": "fine"}, definition=bad),
    ):
        # sent as JSON escapes (\uffff), as a client would send any of them
        response = client.post(
            "/v1/concepts", content=json.dumps(body), headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, (bad, response.text)
        assert response.headers["content-type"] == PROBLEM
    assert client.get("/v1/concepts").json()["items"] == []


# -- possible duplicates --------------------------------------------------------------------------


def test_a_concept_with_the_preferred_term_of_another_is_reported(client: TestClient) -> None:
    first = client.post("/v1/concepts", json=SMUGGLING).json()
    second = client.post(
        "/v1/concepts",
        json=_concept({"lang": "en", "text": "Smuggling of Migrants", "status": "preferred"}),
    )
    assert second.status_code == 201
    duplicates = second.json()["possible_duplicates"]
    assert [(d["concept_id"], d["lang"], d["term"]) for d in duplicates] == [
        (first["id"], "en", "smuggling of migrants")
    ]
    # a PATCH that makes one is reported too
    third = client.post("/v1/concepts", json=_concept({"lang": "fr", "text": "passeur"})).json()
    patched = client.patch(
        f"/v1/concepts/{third['id']}",
        json={"terms": [{"lang": "fr", "text": "trafics illicites de migrants"}]},
    )
    assert patched.status_code == 200
    assert {d["concept_id"] for d in patched.json()["possible_duplicates"]} == {first["id"]}
    # a concept unlike any other has none
    alone = client.post("/v1/concepts", json=_concept({"lang": "en", "text": "unique"})).json()
    assert alone["possible_duplicates"] == []


def test_duplicates_can_be_refused(client: TestClient) -> None:
    first = client.post("/v1/concepts", json=SMUGGLING).json()
    refused = client.post(
        "/v1/concepts?on_duplicate=refuse",
        json=_concept({"lang": "en", "text": "smuggling of migrants", "status": "preferred"}),
    )
    assert refused.status_code == 409 and refused.headers["content-type"] == PROBLEM
    assert refused.json()["possible_duplicates"][0]["concept_id"] == first["id"]
    assert len(client.get("/v1/concepts").json()["items"]) == 1


# -- one term at a time ---------------------------------------------------------------------------


def test_terms_are_added_changed_and_removed_one_at_a_time(client: TestClient) -> None:
    created = client.post("/v1/concepts", json=SMUGGLING)
    url, tag = created.headers["location"], created.headers["etag"]
    added = client.post(
        f"{url}/terms",
        json={"lang": "es", "text": "tráfico ilícito de migrantes", "status": "preferred"},
        headers={"If-Match": tag},
    )
    assert added.status_code == 201, added.json()
    term = added.json()
    assert added.headers["location"] == f"{url}/terms/{term['id']}"
    assert term["concept_revision"] == 2 and added.headers["etag"] != tag
    assert client.get(f"{url}/terms/{term['id']}").json()["text"] == term["text"]
    # the old ETag is stale now, for the terms as for the concept
    stale = client.patch(f"{url}/terms/{term['id']}", json={"note": "x"}, headers={"If-Match": tag})
    assert stale.status_code == 412
    changed = client.patch(
        f"{url}/terms/{term['id']}",
        json={"note": "UNODC usage", "status": "admitted"},
        headers={"If-Match": added.headers["etag"]},
    )
    assert changed.status_code == 200
    assert (changed.json()["note"], changed.json()["status"]) == ("UNODC usage", "admitted")
    cleared = client.patch(f"{url}/terms/{term['id']}", json={"note": None}).json()
    assert cleared["note"] is None
    removed = client.delete(f"{url}/terms/{term['id']}")
    assert removed.status_code == 204
    assert client.get(f"{url}/terms/{term['id']}").status_code == 404
    after = client.get(url).json()
    assert [t["text"] for t in after["terms"]] == [t["text"] for t in SMUGGLING["terms"]]
    assert after["revision"] == 5  # created, added, changed, cleared, removed


def test_term_changes_keep_the_concept_valid(client: TestClient) -> None:
    concept = client.post("/v1/concepts", json=SMUGGLING).json()
    url = f"/v1/concepts/{concept['id']}"
    english, french = concept["terms"]
    second_preferred = client.post(
        f"{url}/terms", json={"lang": "en", "text": "migrant smuggling", "status": "preferred"}
    )
    assert second_preferred.status_code == 422
    twice = client.post(f"{url}/terms", json={"lang": "fr", "text": french["text"]})
    assert twice.status_code == 422
    assert client.patch(f"{url}/terms/{french['id']}", json={"text": ""}).status_code == 422
    assert client.patch(f"{url}/terms/{french['id']}", json={"status": None}).status_code == 422
    assert client.patch(f"{url}/terms/999", json={"note": "x"}).status_code == 404
    assert client.delete(f"{url}/terms/999").status_code == 404
    client.delete(f"{url}/terms/{french['id']}")
    last = client.delete(f"{url}/terms/{english['id']}")
    assert last.status_code == 409 and last.headers["content-type"] == PROBLEM
    assert client.get(url).json()["terms"] == [english]


def test_a_term_keeps_its_id_through_a_rename_and_a_swap(client: TestClient) -> None:
    concept = client.post(
        "/v1/concepts",
        json=_concept({"lang": "en", "text": "one"}, {"lang": "en", "text": "two"}),
    ).json()
    url = f"/v1/concepts/{concept['id']}"
    first, second = concept["terms"]
    swapped = client.patch(
        url,
        json={"terms": [{**first, "text": "two"}, {**second, "text": "one"}]},
    )
    assert swapped.status_code == 200, swapped.json()
    assert [(t["id"], t["text"]) for t in swapped.json()["terms"]] == [
        (first["id"], "two"),
        (second["id"], "one"),
    ]


# -- history and restore --------------------------------------------------------------------------


def test_the_history_says_what_each_revision_changed(client: TestClient) -> None:
    concept = client.post("/v1/concepts", json=SMUGGLING).json()
    url = f"/v1/concepts/{concept['id']}"
    english = concept["terms"][0]
    client.patch(url, json={"definition": "Better."})
    client.patch(f"{url}/terms/{english['id']}", json={"status": "admitted"})
    client.post(f"{url}/terms", json={"lang": "es", "text": "tráfico"})
    history = client.get(f"{url}/history").json()["items"]
    assert [(h["revision"], h["action"]) for h in history] == [
        (1, "create"),
        (2, "update"),
        (3, "update"),
        (4, "update"),
    ]
    assert history[1]["changes"] == [
        {
            "field": "definition",
            "change": "changed",
            "term_id": None,
            "lang": None,
            "term": None,
            "before": SMUGGLING["definition"],
            "after": "Better.",
        }
    ]
    (status,) = history[2]["changes"]
    assert (status["field"], status["term_id"], status["before"], status["after"]) == (
        "status",
        english["id"],
        "preferred",
        "admitted",
    )
    (added,) = history[3]["changes"]
    assert (added["field"], added["change"], added["term"]) == ("term", "added", "tráfico")
    assert {c["field"] for c in history[0]["changes"]} == {"definition", "term"}


def test_any_revision_can_be_restored_as_a_new_one(
    client: TestClient,
    database: Database,
    bearer: Callable[[str], dict[str, str]],
    make_key: Callable[..., str],
) -> None:
    concept = client.post("/v1/concepts", json=SMUGGLING).json()
    url = f"/v1/concepts/{concept['id']}"
    client.patch(url, json={"definition": "Changed.", "terms": [concept["terms"][0]]})
    changed = client.get(url)
    assert changed.json()["revision"] == 2 and len(changed.json()["terms"]) == 1
    stale = client.post(f"{url}/history/1/restore", headers={"If-Match": f'"{concept["id"]}-1"'})
    assert stale.status_code == 412
    restored = client.post(
        f"{url}/history/1/restore",
        headers={
            "If-Match": changed.headers["etag"],
            **bearer(make_key(database.url, "terminologist", "carla")),
        },
    )
    assert restored.status_code == 200, restored.json()
    body = restored.json()
    assert body["revision"] == 3 and body["definition"] == SMUGGLING["definition"]
    assert [t["id"] for t in body["terms"]][0] == concept["terms"][0]["id"]
    assert [t["text"] for t in body["terms"]] == [t["text"] for t in SMUGGLING["terms"]]
    last = client.get(f"{url}/history").json()["items"][-1]
    assert (last["action"], last["revision"], last["restored_from"], last["changed_by"]) == (
        "restore",
        3,
        1,
        "carla",
    )
    assert client.post(f"{url}/history/9/restore").status_code == 404


def test_a_deleted_concept_comes_back_under_its_own_id(client: TestClient) -> None:
    concept = client.post("/v1/concepts", json=SMUGGLING).json()
    url = f"/v1/concepts/{concept['id']}"
    client.delete(url)
    deletion = client.post(f"{url}/history/2/restore")
    assert deletion.status_code == 404  # revision 2 is the deletion itself
    back = client.post(f"{url}/history/1/restore")
    assert back.status_code == 200, back.json()
    assert back.json()["id"] == concept["id"] and back.json()["revision"] == 3
    assert [t["id"] for t in back.json()["terms"]] == [t["id"] for t in concept["terms"]]
    history = client.get(f"{url}/history").json()["items"]
    assert [h["action"] for h in history] == ["create", "delete", "restore"]
    # the index sees it again
    hit = client.get("/v1/terms", params={"q": "smuggling of migrants", "src": "en", "tgt": "fr"})
    assert hit.json()["items"][0]["concept_id"] == concept["id"]


# -- If-Match required ----------------------------------------------------------------------------


def test_a_setting_makes_if_match_required(
    database, make_client: Callable[..., TestClient]
) -> None:  # type: ignore[no-untyped-def]

    with make_client(database.url, load_seed=False, require_if_match=True) as client:
        created = client.post("/v1/concepts", json=SMUGGLING)  # creating needs none
        assert created.status_code == 201
        url, tag = created.headers["location"], created.headers["etag"]
        term_url = f"{url}/terms/{created.json()['terms'][0]['id']}"
        for method, path, body in (
            ("PATCH", url, {"note": "x"}),
            ("DELETE", url, None),
            ("POST", f"{url}/terms", {"lang": "es", "text": "tráfico"}),
            ("PATCH", term_url, {"note": "x"}),
            ("DELETE", term_url, None),
            ("POST", f"{url}/history/1/restore", None),
        ):
            response = client.request(method, path, json=body)
            assert response.status_code == 428, (method, path)
            assert response.headers["content-type"] == PROBLEM
        assert client.get(url).json()["revision"] == 1
        # the revision of a read-modify-write body is a precondition too
        read = client.get(url).json()
        assert client.patch(url, json={**read, "note": "checked"}).status_code == 200
        assert client.patch(url, json={"note": "y"}, headers={"If-Match": tag}).status_code == 412
        assert client.delete(url, headers={"If-Match": '"1-999", *'}).status_code == 412
        current = client.get(url).headers["etag"]
        assert client.delete(url, headers={"If-Match": current}).status_code == 204


def test_a_change_that_changes_nothing_leaves_the_concept_as_it_was(client: TestClient) -> None:
    created = client.post("/v1/concepts", json=SMUGGLING)
    url, tag = created.headers["location"], created.headers["etag"]
    read = client.get(url).json()
    for body in ({"definition": SMUGGLING["definition"]}, read, {"terms": read["terms"]}):
        same = client.patch(url, json=body, headers={"If-Match": tag})
        assert same.status_code == 200 and same.headers["etag"] == tag, body
    term = read["terms"][0]
    same_term = client.patch(f"{url}/terms/{term['id']}", json={"status": term["status"]})
    assert same_term.headers["etag"] == tag
    assert client.get(url).json() == read  # updated_at and revision included
    assert len(client.get(f"{url}/history").json()["items"]) == 1
