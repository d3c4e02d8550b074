"""GET /v1/termbase/export and POST /v1/termbase/import over HTTP."""

from collections.abc import Callable, Iterator

from fastapi.testclient import TestClient
from lxml import etree

from app.db import Database
from termbase.exchange.schematron import failures
from tests.tbx_support import NS, body, parse, state

PROBLEM = "application/problem+json"
XML = {"content-type": "application/xml"}


def test_export_streams_a_valid_tbx_file(
    seeded_client: TestClient, core_rng: etree.RelaxNG, basic_schematron, seed_concepts: int
) -> None:
    with seeded_client.stream("GET", "/v1/termbase/export") as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/xml"
        disposition = response.headers["content-disposition"]
        assert disposition.startswith('attachment; filename="alinea-termbase-')
        assert disposition.endswith('.tbx"')
        assert "content-length" not in response.headers  # streamed
        pieces = list(response.iter_bytes())
    document = parse(b"".join(pieces))
    assert core_rng.validate(document) and failures(basic_schematron, document) == []
    assert len(document.getroot().findall(".//tbx:conceptEntry", NS)) == seed_concepts


def test_export_formats_and_filters(seeded_client: TestClient, seed_concepts: int) -> None:
    v2 = seeded_client.get("/v1/termbase/export?format=tbx2")
    assert v2.status_code == 200 and v2.content.count(b"<termEntry ") == seed_concepts
    assert v2.headers["content-disposition"].endswith('-v2.tbx"')
    csv = seeded_client.get("/v1/termbase/export?format=csv&lang=fr&status=preferred")
    assert csv.headers["content-type"].startswith("text/csv")
    header = csv.content.decode("utf-8-sig").split("\r\n")[0].split(",")
    assert header[6:] == ["collection", "fr", "fr:status", "fr:type", "fr:part_of_speech",
                          "fr:context", "fr:source", "fr:note"]  # fmt: skip
    tsv = seeded_client.get("/v1/termbase/export?format=tsv")
    assert tsv.headers["content-type"].startswith("text/tab-separated-values")
    subject = seeded_client.get(
        "/v1/termbase/export", params={"subject_field": "trafficking in persons"}
    )
    assert 0 < subject.content.count(b"<conceptEntry ") < seed_concepts
    recent = seeded_client.get("/v1/termbase/export?changed_since=2999-01-01T00:00:00Z")
    assert b"<conceptEntry" not in recent.content


def test_export_filters_are_validated(seeded_client: TestClient) -> None:
    for query, where in (
        ("lang=xx-zz", ["query", "lang", 0]),
        ("status=favourite", ["query", "status", 0]),
        ("changed_since=yesterday", ["query", "changed_since"]),
        ("format=docx", ["query", "format"]),
    ):
        response = seeded_client.get(f"/v1/termbase/export?{query}")
        assert response.status_code == 422, query
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["errors"][0]["loc"] == where


def test_import_with_a_dry_run_then_for_real(
    database: Database,
    seeded_client: TestClient,
    make_client: Callable[..., TestClient],
    seed_concepts: int,
) -> None:
    exported = seeded_client.get("/v1/termbase/export").content
    with make_client(database.url, load_seed=False, role="terminologist", name="ann") as client:
        from sqlalchemy import text

        with database.session() as session:
            for table in ("term", "revision", "concept"):
                session.execute(text(f"DELETE FROM {table}"))
        before = state(database)
        dry = client.post("/v1/termbase/import?dry_run=true", content=exported, headers=XML)
        assert dry.status_code == 200
        assert (
            dry.json()["concepts"]["created"] == seed_concepts and dry.json()["committed"] is False
        )
        assert state(database) == before
        real = client.post(
            "/v1/termbase/import", content=exported, headers={**XML, "X-Alinea-User": "bob"}
        )
        assert real.status_code == 200
        report = real.json()
        assert report["committed"] and report["concepts"]["created"] == seed_concepts
        assert report["generation"] == before["generation"] + 1
        # the service's index sees the import at once
        found = client.get(
            "/v1/terms", params={"q": "trafic de migrants", "src": "fr", "tgt": "en"}
        )
        assert found.json()["items"][0]["equivalents"][0]["text"] == "smuggling of migrants"
        history = client.get("/v1/concepts/1/history").json()["items"]
        assert history[-1]["changed_by"] == "ann"
        again = client.get("/v1/termbase/export").content
        assert body(again) == body(exported)


def test_import_merge_policy_from_the_query(seeded_client: TestClient) -> None:
    glossary = b"en,de\nsmuggling of migrants,Schleusung von Migranten\n"
    response = seeded_client.post(
        "/v1/termbase/import?merge=term:en&mode=add",
        content=glossary,
        headers={"content-type": "text/csv"},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["concepts"]["updated"] == 1
    assert response.json()["merge"] == "term:en"
    bad = seeded_client.post("/v1/termbase/import?merge=whatever", content=glossary)
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
    bad_mode = seeded_client.post("/v1/termbase/import?mode=merge", content=glossary)
    assert bad_mode.status_code == 422


def test_a_refused_import_is_a_problem_with_each_error(
    seeded_client: TestClient, seeded_database: Database, tbx_dir
) -> None:
    before = state(seeded_database)
    data = (tbx_dir / "test_files/basic_bad.tbx").read_bytes()
    response = seeded_client.post("/v1/termbase/import", content=data, headers=XML)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"].endswith("/import-refused")
    assert problem["errors"][0] == {
        "line": 69,
        "column": 7,
        "code": "invalid-value",
        "message": problem["errors"][0]["message"],
        "count": 1,
    }
    assert "nominal" in problem["detail"]
    assert problem["report"]["accepted"] is False and problem["report"]["warnings"]
    assert state(seeded_database) == before


def test_hostile_uploads_are_refused(seeded_client: TestClient, seeded_database: Database) -> None:
    before = state(seeded_database)
    bomb = (
        b'<!DOCTYPE tbx [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<tbx xmlns="urn:iso:std:iso:30042:ed-2" type="TBX-Basic" style="dca" xml:lang="en">'
        b"<text>&b;</text></tbx>"
    )
    response = seeded_client.post("/v1/termbase/import", content=bomb, headers=XML)
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "forbidden-entity"
    assert (response.json()["errors"][0]["line"], response.json()["errors"][0]["column"]) == (1, 16)
    malformed = seeded_client.post("/v1/termbase/import", content=b"<tbx><", headers=XML)
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["code"] == "malformed-xml"
    assert state(seeded_database) == before


def test_unsupported_and_empty_uploads(seeded_client: TestClient) -> None:
    json_body = seeded_client.post(
        "/v1/termbase/import", content=b"{}", headers={"content-type": "application/json"}
    )
    assert json_body.status_code == 415 and json_body.headers["content-type"] == PROBLEM
    empty = seeded_client.post("/v1/termbase/import", content=b"", headers=XML)
    assert empty.status_code == 422 and empty.json()["type"].endswith("/empty-file")


def test_an_upload_over_the_limit_is_413(
    database: Database, make_client: Callable[..., TestClient]
) -> None:
    with make_client(database.url, load_seed=False, max_import_bytes=4096) as client:
        declared = client.post("/v1/termbase/import", content=b"x" * 5000, headers=XML)
        assert declared.status_code == 413
        assert declared.headers["content-type"] == PROBLEM

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it comes
            for _ in range(100):
                yield b"<!-- padding -->" * 64

        streamed = client.post("/v1/termbase/import", content=chunks(), headers=XML)
        assert streamed.status_code == 413
        assert "ALINEA_MAX_IMPORT_BYTES" in streamed.json()["detail"]
        # other routes keep their own, smaller limit
        assert client.post("/v1/concepts", content=b"x" * 3_000_000).status_code == 413


def test_openapi_names_the_exchange_operations(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    ids = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {"export_termbase_file", "import_termbase_file"} <= ids
    upload = spec["paths"]["/v1/termbase/import"]["post"]["requestBody"]["content"]
    assert {"application/xml", "text/csv", "text/tab-separated-values"} <= set(upload)


def test_import_as_a_form_upload(
    database: Database,
    seeded_client: TestClient,
    make_client: Callable[..., TestClient],
    seed_concepts: int,
) -> None:
    exported = seeded_client.get("/v1/termbase/export").content
    with make_client(
        database.url, load_seed=False, max_import_bytes=len(exported) + 4096
    ) as client:
        form = client.post(
            "/v1/termbase/import?dry_run=true",
            files={"file": ("seed.tbx", exported, "application/xml")},
            data={"comment": "other fields are ignored"},
        )
        assert form.status_code == 200, form.text
        assert form.json()["concepts"]["unchanged"] == seed_concepts
        glossary = b"en,fr\nsmuggling of migrants,introduction clandestine de migrants\n"
        csv = client.post(
            "/v1/termbase/import?merge=term:en&mode=add&dry_run=true",
            files={"file": ("glossary.csv", glossary, "text/csv")},
        )
        assert csv.status_code == 200, csv.text
        assert csv.json()["terms"]["created"] == 1
        missing = client.post(
            "/v1/termbase/import", files={"other": ("x.tbx", exported, "application/xml")}
        )
        assert missing.status_code == 422 and missing.headers["content-type"] == PROBLEM
        assert "'file'" in missing.json()["detail"]
        broken = client.post(
            "/v1/termbase/import",
            content=b"--nope\r\nthis is not a form",
            headers={"content-type": "multipart/form-data; boundary=xyz"},
        )
        assert broken.status_code == 422 and broken.headers["content-type"] == PROBLEM
        too_big = client.post(
            "/v1/termbase/import",
            files={"file": ("big.tbx", exported + b" " * 8192, "application/xml")},
        )
        assert too_big.status_code == 413


def test_import_reports_changes_conflicts_and_duplicates(client: TestClient) -> None:
    created = client.post(
        "/v1/concepts",
        json={
            "definition": "Old.",
            "terms": [{"lang": "en", "text": "smuggling of migrants", "status": "preferred"}],
        },
    ).json()
    exported = client.get("/v1/termbase/export?format=csv").content
    client.patch(f"/v1/concepts/{created['id']}", json={"definition": "Newer."})
    csv = {"content-type": "text/csv"}
    kept = client.post("/v1/termbase/import", content=exported, headers=csv).json()
    assert kept["concepts"]["conflicts"] == 1 and kept["on_conflict"] == "keep"
    (conflict,) = kept["conflicts"]
    assert (conflict["concept_id"], conflict["resolution"]) == (created["id"], "kept")
    assert (conflict["stored_revision"], conflict["file_revision"]) == (2, 1)
    assert conflict["changes"] == [
        {"field": "definition", "change": "changed", "term_id": None, "lang": None,
         "term": None, "before": "Newer.", "after": "Old."}
    ]  # fmt: skip
    assert client.get(f"/v1/concepts/{created['id']}").json()["definition"] == "Newer."
    forced = client.post(
        "/v1/termbase/import?on_conflict=overwrite", content=exported, headers=csv
    ).json()
    assert forced["concepts"]["updated"] == 1 and forced["changes"][0]["changes"]
    assert client.get(f"/v1/concepts/{created['id']}").json()["definition"] == "Old."
    glossary = b"en,en:status\nSmuggling of migrants,preferred\n"
    warned = client.post("/v1/termbase/import?merge=none", content=glossary, headers=csv).json()
    assert warned["possible_duplicates"][0]["other_concept_id"] == created["id"]
    refused = client.post(
        "/v1/termbase/import?merge=none&on_duplicate=refuse", content=glossary, headers=csv
    )
    assert (
        refused.status_code == 422 and refused.json()["errors"][0]["code"] == "possible-duplicate"
    )
    assert client.post("/v1/termbase/import?on_conflict=maybe", content=glossary).status_code == 422
