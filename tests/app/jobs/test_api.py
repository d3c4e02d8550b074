"""The jobs API over HTTP with the runner in the service: submit, watch, download, cancel, search.

Each test runs on SQLite and on PostgreSQL, with real worker processes where items must run.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from app.db import Database
from app.jobs import repository
from app.jobs.models import JobItem
from app.jobs.worker import load_result

PROBLEM = "application/problem+json"


@pytest.fixture
def running(database: Database, make_client: Callable[..., TestClient]) -> Iterator[TestClient]:
    """The service with its job runner (a local pool of two processes)."""
    with make_client(
        database.url, load_seed=False, runner="local", job_workers=2, job_poll_interval=0.05
    ) as client:
        yield client


@pytest.fixture
def idle(database: Database, make_client: Callable[..., TestClient]) -> Iterator[TestClient]:
    """The service with no runner: jobs stay queued."""
    with make_client(database.url, load_seed=False, runner="off") as client:
        yield client


def wait_for(client: TestClient, job_id: int, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}").json()
        if job["state"] in ("done", "failed", "cancelled"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s: {job}")


def documents(pairs: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """Pre-segmented documents as a client sends them: lists of sentences, blank item = break."""
    return [{"name": n, "fr": fr.splitlines(), "en": en.splitlines()} for n, fr, en in pairs]


def assert_problem(response: Any, status: int, *words: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    for word in words:
        assert word in problem["detail"], problem
    return problem


def test_a_json_job_runs_and_its_results_come_out_in_every_format(
    running: TestClient, un_pairs: list[tuple[str, str, str]], shared_dir: Path
) -> None:
    pairs = un_pairs[20:24]
    submitted = running.post("/v1/jobs", json={"documents": documents(pairs)})
    assert submitted.status_code == 202, submitted.text
    job = submitted.json()
    assert submitted.headers["location"] == f"/v1/jobs/{job['id']}"
    assert job["counts"]["total"] == 4 and job["state"] in ("queued", "running")

    job = wait_for(running, job["id"])
    assert job["state"] == "done"
    assert job["counts"] == {
        "total": 4,
        "queued": 0,
        "running": 0,
        "done": 4,
        "failed": 0,
        "cancelled": 0,
    }
    assert job["failures"] == [] and job["finished_at"] >= job["started_at"] >= job["created_at"]

    lines = running.get(f"/v1/jobs/{job['id']}/results", params={"format": "jsonl"})
    assert lines.status_code == 200 and lines.headers["x-alinea-job-state"] == "done"
    records = [json.loads(line) for line in lines.text.splitlines()]
    assert [r["document"] for r in records] == [name for name, _fr, _en in pairs]
    for record, (_name, fr, en) in zip(records, pairs, strict=True):
        fr_lines = [line for line in fr.splitlines() if line.strip()]
        en_lines = [line for line in en.splitlines() if line.strip()]
        # every sentence of both sides in exactly one bead, in order
        assert [i for b in record["beads"] for i in b["fr"]] == list(range(len(fr_lines)))
        assert [j for b in record["beads"] for j in b["en"]] == list(range(len(en_lines)))
        first = next(b for b in record["beads"] if b["fr"] and b["en"])
        assert first["fr_text"] == " ".join(fr_lines[i] for i in first["fr"])
    two_sided = sum(1 for r in records for b in r["beads"] if b["fr"] and b["en"])

    tmx = running.get(f"/v1/jobs/{job['id']}/results", params={"format": "tmx"})
    assert tmx.status_code == 200 and tmx.headers["content-type"].startswith("application/x-tmx")
    document = etree.fromstring(tmx.content, etree.XMLParser(resolve_entities=False))
    dtd = etree.DTD(str(shared_dir / "tmx" / "tmx14.dtd"))
    assert dtd.validate(document), dtd.error_log.filter_from_errors()
    units = document.findall("body/tu")
    assert len(units) == two_sided
    names = {u.findtext("prop[@type='x-alinea-document']") for u in units}
    assert names == {name for name, _fr, _en in pairs}

    tsv = running.get(f"/v1/jobs/{job['id']}/results", params={"format": "tsv"}).text
    rows = tsv.splitlines()
    assert rows[0].split("\t") == [
        "document",
        "fr_indices",
        "en_indices",
        "type",
        "confidence",
        "review",
        "fr_text",
        "en_text",
    ]
    assert len(rows) - 1 == sum(len(r["beads"]) for r in records)
    assert all(len(row.split("\t")) == 8 for row in rows)
    reviews = [b["review"] for r in records for b in r["beads"]]
    assert [row.split("\t")[5] for row in rows[1:]] == [r or "" for r in reviews]


def _docx(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_an_upload_of_files_a_zip_and_word_documents_is_one_job(
    running: TestClient,
    un_pairs: list[tuple[str, str, str]],
    database: Database,
    items_of: Callable[..., list[JobItem]],
) -> None:
    (a, a_fr, a_en), (b, b_fr, b_en), (c, c_fr, c_en) = un_pairs[30:33]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"batch/{a}.fr.txt", a_fr)
        zf.writestr(f"batch/{a}.en.txt", a_en.encode("utf-16"))  # UTF-16 with a BOM
        zf.writestr(f"batch/{b}.fr.docx", _docx(b_fr.split("\n\n")))
        zf.writestr(f"batch/{b}.en.docx", _docx(b_en.split("\n\n")))
        zf.writestr("__MACOSX/._junk", b"\x00\x01")
    files = [
        ("files", ("batch.zip", archive.getvalue(), "application/zip")),
        ("files", (f"{c}.fr", c_fr.encode(), "text/plain")),
        ("files", (f"{c}.en", c_en.encode(), "text/plain")),
    ]
    submitted = running.post("/v1/jobs", files=files, data={"presegmented": "true"})
    assert submitted.status_code == 202, submitted.text
    job = wait_for(running, submitted.json()["id"])
    assert job["counts"]["done"] == 3, job

    items = {item.name: item for item in items_of(database, job["id"])}
    assert set(items) == {f"batch/{a}", f"batch/{b}", c}
    assert items[f"batch/{a}"].presegmented and items[c].presegmented
    assert not items[f"batch/{b}"].presegmented  # Word documents are raw text
    assert items[f"batch/{a}"].en_text == a_en
    assert load_result(items[f"batch/{b}"].result or b"")["beads"]


def _count_jobs(client: TestClient) -> int:
    return len(client.get("/v1/jobs", params={"limit": 200}).json()["items"])


def test_limits_and_bad_uploads_are_refused_with_nothing_queued(
    database: Database, make_client: Callable[..., TestClient]
) -> None:
    small = {
        "load_seed": False,
        "runner": "off",
        "job_max_items": 2,
        "job_max_document_bytes": 2048,
        "job_max_upload_bytes": 64 * 1024,
    }
    with make_client(database.url, **small) as client:
        three = [{"name": f"d{n}", "fr": "Une phrase.", "en": "A sentence."} for n in range(3)]
        assert_problem(
            client.post("/v1/jobs", json={"documents": three}), 413, "ALINEA_JOB_MAX_ITEMS"
        )
        big = [{"name": "big", "fr": "Une phrase. " * 200, "en": "A sentence."}]
        assert_problem(
            client.post("/v1/jobs", json={"documents": big}),
            413,
            "French text of 'big'",
            "ALINEA_JOB_MAX_DOCUMENT_BYTES",
        )
        huge = [{"name": "x", "fr": "a" * 70_000, "en": "b"}]
        assert_problem(client.post("/v1/jobs", json={"documents": huge}), 413, "65536 bytes")
        twice = [{"name": "d", "fr": "Un.", "en": "One."}] * 2
        assert_problem(client.post("/v1/jobs", json={"documents": twice}), 422, "unique")
        mixed = [{"name": "d", "fr": ["Un."], "en": "One."}]
        assert_problem(client.post("/v1/jobs", json={"documents": mixed}), 422, "both")
        assert_problem(client.post("/v1/jobs", json={"documents": []}), 422)

        def upload(*files: tuple[str, bytes]) -> Any:
            return client.post("/v1/jobs", files=[("files", f) for f in files])

        bomb = io.BytesIO()
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("a.fr.txt", b"a" * 5_000_000)  # 5 MB of text in a few kB
            zf.writestr("a.en.txt", b"b")
        assert len(bomb.getvalue()) < 64 * 1024
        assert_problem(upload(("bomb.zip", bomb.getvalue())), 413, "a.fr.txt in bomb.zip")
        evil = io.BytesIO()
        with zipfile.ZipFile(evil, "w") as zf:
            zf.writestr("../../etc/a.fr.txt", b"x")
        assert_problem(upload(("evil.zip", evil.getvalue())), 422, "unsafe path")
        assert_problem(upload(("a.fr.txt", b"Un.")), 422, "a has no English file")
        assert_problem(upload(("notes.pdf", b"%PDF")), 422, "not a NAME.fr or NAME.en")
        assert_problem(upload(("a.fr.txt", b"\xe9t\xe9"), ("a.en.txt", b"x")), 422, "UTF-8")
        assert_problem(upload(("a.fr.docx", b"PK no"), ("a.en.docx", b"x")), 422, ".docx")
        pairs = [(f"d{n}.{lang}", b"x") for n in range(3) for lang in ("fr", "en")]
        assert_problem(upload(*pairs), 413, "ALINEA_JOB_MAX_ITEMS")
        assert_problem(
            client.post("/v1/jobs", content=b"x", headers={"content-type": "text/plain"}), 415
        )
        assert _count_jobs(client) == 0


def test_results_wait_for_the_job_unless_partial(idle: TestClient) -> None:
    job = idle.post(
        "/v1/jobs", json={"documents": [{"name": "d", "fr": "Un.", "en": "One."}]}
    ).json()
    assert_problem(idle.get(f"/v1/jobs/{job['id']}/results"), 409, "queued", "partial=true")
    partial = idle.get(
        f"/v1/jobs/{job['id']}/results", params={"partial": "true", "format": "jsonl"}
    )
    assert partial.status_code == 200 and partial.headers["x-alinea-job-state"] == "queued"
    assert partial.text == ""
    assert_problem(idle.get("/v1/jobs/999999"), 404, "no job 999999")


def test_cancel_stops_queued_items_and_keeps_done_ones(
    idle: TestClient, database: Database, un_pairs: list[tuple[str, str, str]]
) -> None:
    job = idle.post("/v1/jobs", json={"documents": documents(un_pairs[:3])}).json()
    # one item done and one running, as a runner would leave them
    first, second = repository.claim(database.engine, "runner-x", 2, 30)
    from app.jobs.worker import align_pair

    assert repository.complete(
        database.engine, "runner-x", first.id, align_pair(first.fr, first.en, first.options)
    )
    cancelled = idle.delete(f"/v1/jobs/{job['id']}")
    assert cancelled.status_code == 200
    view = cancelled.json()
    assert view["state"] == "cancelled" and view["finished_at"] is not None
    assert (view["counts"]["done"], view["counts"]["cancelled"]) == (1, 2)
    assert repository.claim(database.engine, "runner-y", 10, 30) == []
    # the running item's late result is refused; the job stays as it was
    assert not repository.complete(database.engine, "runner-x", second.id, {"result": b""})
    assert idle.delete(f"/v1/jobs/{job['id']}").json()["counts"] == view["counts"]
    lines = idle.get(f"/v1/jobs/{job['id']}/results", params={"format": "jsonl"}).text
    assert [json.loads(line)["state"] for line in lines.splitlines()] == [
        "done",
        "cancelled",
        "cancelled",
    ]


def test_a_finished_job_cannot_be_cancelled(idle: TestClient, database: Database) -> None:
    job = idle.post(
        "/v1/jobs", json={"documents": [{"name": "d", "fr": "Un.", "en": "One."}]}
    ).json()
    [item] = repository.claim(database.engine, "r", 1, 30)
    repository.fail(database.engine, "r", item.id, "no luck")
    view = idle.get(f"/v1/jobs/{job['id']}").json()
    assert view["state"] == "failed"
    assert view["failures"] == [{"position": 0, "name": "d", "reason": "no luck", "attempts": 1}]
    assert_problem(idle.delete(f"/v1/jobs/{job['id']}"), 409, "finished")


def test_jobs_are_listed_newest_first_page_by_page(idle: TestClient) -> None:
    ids = [
        idle.post(
            "/v1/jobs", json={"documents": [{"name": "d", "fr": "Un.", "en": "One."}]}
        ).json()["id"]
        for _ in range(3)
    ]
    page = idle.get("/v1/jobs", params={"limit": 2}).json()
    assert [job["id"] for job in page["items"]] == ids[::-1][:2]
    rest = idle.get("/v1/jobs", params={"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [job["id"] for job in rest["items"]] == ids[:1] and rest["next_cursor"] is None


def test_the_concordance_finds_how_a_phrase_was_translated(
    running: TestClient, database: Database
) -> None:
    fr = (
        "La traite des personnes est un crime grave.\n"
        "Les États Membres coopèrent.\n\n"
        "Le trafic illicite de migrants est un autre crime.\n"
    )
    en = (
        "Trafficking in persons is a serious crime.\n"
        "Member States cooperate.\n\n"
        "The smuggling of migrants is another crime.\n"
    )
    body = {
        "documents": [{"name": "report", "fr": fr, "en": en}],
        "options": {"presegmented": True},
    }
    job = wait_for(running, running.post("/v1/jobs", json=body).json()["id"])
    assert job["state"] == "done"

    found = running.get("/v1/segments", params={"q": "traite personnes", "lang": "fr"}).json()
    assert [(h["fr"], h["en"]) for h in found["items"]] == [
        (
            "La traite des personnes est un crime grave.",
            "Trafficking in persons is a serious crime.",
        )
    ]
    hit = found["items"][0]
    assert (hit["job_id"], hit["document"], hit["position"]) == (job["id"], "report", 0)
    english = running.get("/v1/segments", params={"q": '"smuggling of migrants"', "lang": "en"})
    assert [h["fr"] for h in english.json()["items"]] == [
        "Le trafic illicite de migrants est un autre crime."
    ]
    crimes = running.get("/v1/segments", params={"q": "crime", "lang": "en", "limit": 1}).json()
    assert len(crimes["items"]) == 1 and crimes["next_cursor"]
    more = running.get(
        "/v1/segments",
        params={"q": "crime", "lang": "en", "limit": 1, "cursor": crimes["next_cursor"]},
    ).json()
    assert len(more["items"]) == 1 and more["items"][0] != crimes["items"][0]
    assert more["next_cursor"] is None
    assert (
        running.get("/v1/segments", params={"q": "crime", "job": job["id"] + 1}).json()["items"]
        == []
    )
    assert_problem(running.get("/v1/segments", params={"q": '" "'}), 422, "no word")
    assert_problem(running.get("/v1/segments", params={"q": "x", "lang": "de"}), 422)


def test_segments_are_searchable_as_soon_as_their_item_is_done(
    idle: TestClient, database: Database
) -> None:
    from app.jobs.worker import align_pair

    body = {
        "documents": [
            {
                "name": "note",
                "fr": ["Le Haut-Commissariat publie un rapport.", "Il est bref."],
                "en": ["The Office of the High Commissioner issues a report.", "It is short."],
            }
        ]
    }
    job = idle.post("/v1/jobs", json=body).json()
    [item] = repository.claim(database.engine, "elsewhere", 1, 30)
    assert repository.complete(
        database.engine, "elsewhere", item.id, align_pair(item.fr, item.en, item.options)
    )
    # no runner here has indexed anything: the search brings the index up to date first
    found = idle.get("/v1/segments", params={"q": "rapport", "lang": "fr"}).json()["items"]
    assert [(h["en"], h["job_id"]) for h in found] == [
        ("The Office of the High Commissioner issues a report.", job["id"])
    ]
    assert repository.index_segments(database.engine) == 0  # each segment indexed once


def test_the_openapi_document_describes_both_ways_to_submit(idle: TestClient) -> None:
    document = idle.get("/openapi.json").json()
    body = document["paths"]["/v1/jobs"]["post"]["requestBody"]["content"]
    assert body["application/json"]["schema"] == {"$ref": "#/components/schemas/JobRequest"}
    assert "files" in body["multipart/form-data"]["schema"]["properties"]
    schemas = document["components"]["schemas"]

    def refs(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    yield value
                else:
                    yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in refs(document):
        assert ref.removeprefix("#/components/schemas/") in schemas, ref
