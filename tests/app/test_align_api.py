"""POST /v1/align over real HTTP, on the align-dev documents and on every kind of bad input.

Alignment touches no database, so these tests share one app on a SQLite file rather than
running once per database backend.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from alignment.evaluate import check_coverage, parse_beads, sentence_lines
from app.api.align import align_texts
from app.schemas import AlignResponse

PROBLEM = "application/problem+json"
MB = 1024 * 1024
UN = "data/align-dev/un"


@pytest.fixture(scope="module")
def client(
    tmp_path_factory: pytest.TempPathFactory, make_client: Callable[..., TestClient]
) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('align') / 'align.db'}"
    with make_client(url, load_seed=False) as test_client:
        yield test_client


def un_document(shared_dir: Path, number: int) -> tuple[str, str]:
    """The French and English files of an align-dev/un document, one sentence a line."""
    folder = shared_dir / UN
    name = f"un-devset-{number:03d}"
    return tuple(  # type: ignore[return-value]
        (folder / f"{name}.{lang}").read_text(encoding="utf-8") for lang in ("fr", "en")
    )


def post(client: TestClient, body: dict[str, Any], **params: str) -> Any:
    return client.post("/v1/align", json=body, params=params)


def sentence_beads(result: dict[str, Any]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    return [
        (tuple(bead["fr"]), tuple(bead["en"]))
        for paragraph in result["paragraphs"]
        for bead in paragraph["sentences"]
    ]


def assert_problem(response: Any, status: int, *words: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status and problem["instance"] == "/v1/align"
    for word in words:
        assert word in problem["detail"], problem
    return problem


# -- real documents ------------------------------------------------------------------------------


def test_beads_cover_every_sentence_of_both_sides(client: TestClient, shared_dir: Path) -> None:
    fr, en = un_document(shared_dir, 1)
    response = post(client, {"fr": fr, "en": en, "presegmented": True})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    result = response.json()
    AlignResponse.model_validate(result)  # the documented shape is the one served
    n_fr, n_en = len(sentence_lines(fr)), len(sentence_lines(en))
    assert [s["text"] for s in result["fr"]["sentences"]] == [s.strip() for s in sentence_lines(fr)]
    assert len(result["en"]["sentences"]) == n_en
    check_coverage(sentence_beads(result), n_fr, n_en)
    # the document's French side has sentences the English has not (the dev set's perturbation)
    flagged = [b for p in result["paragraphs"] for b in p["sentences"] if b["review"]]
    assert result["summary"]["review"]["addition"] == len(
        [b for b in flagged if b["review"] == "addition"]
    )
    assert result["warnings"] == [f"{len(flagged)} beads to review: 1 omission, 7 additions"]
    for bead in (b for p in result["paragraphs"] for b in p["sentences"]):
        assert bead["type"] == f"{len(bead['fr'])}-{len(bead['en'])}"
        assert 0 <= bead["confidence"] <= 1


def test_raw_text_is_segmented_and_offsets_point_into_it(
    client: TestClient, shared_dir: Path
) -> None:
    fr, en = (text.replace("\n", " ") for text in un_document(shared_dir, 2))
    result = post(client, {"fr": fr, "en": en}).json()
    for side, text in (("fr", fr), ("en", en)):
        sentences = result[side]["sentences"]
        assert len(sentences) > 1
        assert all(text[s["start"] : s["end"]] == s["text"] for s in sentences)
    check_coverage(
        sentence_beads(result), len(result["fr"]["sentences"]), len(result["en"]["sentences"])
    )


def test_lists_are_pre_segmented_one_sentence_per_item(
    client: TestClient, shared_dir: Path
) -> None:
    fr, en = un_document(shared_dir, 1)
    fr_lines, en_lines = fr.split("\n"), en.split("\n")  # blank items: paragraph breaks
    as_lists = post(client, {"fr": fr_lines, "en": en_lines}).json()
    as_text = post(client, {"fr": fr, "en": en, "presegmented": True}).json()
    assert as_lists == as_text
    assert [s["text"] for s in as_lists["en"]["sentences"]] == sentence_lines(en)


def test_anchors_are_accepted_as_term_pairs(
    client: TestClient, shared_dir: Path, un_term_pairs: list[dict[str, str]]
) -> None:
    fr, en = un_document(shared_dir, 1)
    anchors = [[pair["fr"], pair["en"]] for pair in un_term_pairs]
    response = post(client, {"fr": fr, "en": en, "presegmented": True, "anchors": anchors})
    assert response.status_code == 200
    check_coverage(
        sentence_beads(response.json()), len(sentence_lines(fr)), len(sentence_lines(en))
    )


def test_tmx_output_is_valid_tmx_14(client: TestClient, shared_dir: Path) -> None:
    fr, en = un_document(shared_dir, 1)
    response = post(client, {"fr": fr, "en": en, "presegmented": True}, format="tmx")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-tmx+xml"
    assert json.loads(response.headers["x-alinea-warnings"]) == [
        "8 beads to review: 1 omission, 7 additions"
    ]
    with (shared_dir / "tmx/tmx14.dtd").open("rb") as handle:
        dtd = etree.DTD(handle)
    root = etree.fromstring(response.content)
    assert dtd.validate(root), dtd.error_log.filter_from_errors()
    units = root.findall("body/tu")
    beads = parse_beads(
        post(client, {"fr": fr, "en": en, "presegmented": True}, format="beads").text
    )
    assert len(units) == sum(1 for f, e in beads if f and e)
    assert root.find("header").get("creationtoolversion") == "0.1.0"


def test_text_formats_have_their_media_types(client: TestClient, shared_dir: Path) -> None:
    fr, en = un_document(shared_dir, 2)
    body = {"fr": fr, "en": en, "presegmented": True}
    beads = sentence_beads(post(client, body).json())

    tsv = post(client, body, format="tsv")
    assert tsv.headers["content-type"] == "text/tab-separated-values; charset=utf-8"
    rows = tsv.text.splitlines()
    assert rows[0].split("\t")[:3] == ["fr_indices", "en_indices", "type"]
    assert len(rows) == len(beads) + 1

    plain = post(client, body, format="beads")
    assert plain.headers["content-type"] == "text/plain; charset=utf-8"
    assert parse_beads(plain.text) == beads

    page = post(client, body, format="html")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.text.startswith("<!DOCTYPE html>") and page.text.count("<tr class=") == len(beads)

    assert_problem(post(client, body, format="pdf"), 422)


# -- bad input: a clear problem (or a clear warning), never a crash ------------------------------


@pytest.mark.parametrize("empty", ["", "   \n\n  ", []])
def test_an_empty_side_is_a_422(client: TestClient, empty: str | list[str]) -> None:
    english: str | list[str] = ["Hello."] if isinstance(empty, list) else "Hello."
    assert_problem(post(client, {"fr": empty, "en": english}), 422, "French", "empty")
    assert_problem(post(client, {"fr": english, "en": empty}), 422, "English", "empty")


def test_both_sides_in_one_language_is_a_warning(client: TestClient, shared_dir: Path) -> None:
    _, en = un_document(shared_dir, 1)
    response = post(client, {"fr": en, "en": en, "presegmented": True})
    assert response.status_code == 200
    assert any("both sides look English" in w for w in response.json()["warnings"])
    tmx = post(client, {"fr": en, "en": en, "presegmented": True}, format="tmx")
    assert "both sides look English" in tmx.headers["x-alinea-warnings"]


def test_binary_data_is_a_422(client: TestClient) -> None:
    binary = "".join(chr(b) for b in bytes(range(256)) * 40)  # NULs and control characters
    problem = assert_problem(post(client, {"fr": binary, "en": "Hello."}), 422, "binary data")
    assert problem["type"].endswith("/cannot-align")


def test_a_megabyte_line_without_punctuation_is_a_422(client: TestClient) -> None:
    line = "mot " * (MB // 4)
    for presegmented in (False, True):
        body = {"fr": line, "en": "One sentence. Another one.", "presegmented": presegmented}
        assert_problem(post(client, body), 422, "no sentence boundaries")


def test_text_that_is_not_unicode_is_a_422(client: TestClient) -> None:
    # JSON can carry half a surrogate pair, which no UTF-8 text holds.
    body = b'{"fr": "Le monde \\ud800 entier.", "en": "The whole world."}'
    response = client.post("/v1/align", content=body, headers={"content-type": "application/json"})
    assert_problem(response, 422, "not valid Unicode")


def test_a_body_that_is_not_utf8_json_is_a_problem(client: TestClient) -> None:
    body = '{"fr": "Le café est chaud.", "en": "The coffee is hot."}'.encode("latin-1")
    response = client.post("/v1/align", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.headers["content-type"] == PROBLEM


def test_lists_must_be_on_both_sides_and_hold_one_sentence_an_item(client: TestClient) -> None:
    assert_problem(post(client, {"fr": ["Bonjour."], "en": "Hello."}), 422, "both be")
    assert_problem(post(client, {"fr": "Bonjour.", "en": ["Hello."]}), 422, "both be")
    assert_problem(
        post(client, {"fr": ["Bonjour.\nSalut."], "en": ["Hello."]}), 422, "fr[0]", "line break"
    )
    assert_problem(post(client, {"fr": [1, 2], "en": ["Hello."]}), 422)
    assert_problem(post(client, {"fr": "a", "en": "b", "anchors": [["a"]]}), 422)


def test_a_side_over_the_limit_is_a_413(client: TestClient) -> None:
    big = "Une phrase de plus. " * (int(2.1 * MB) // 20)
    for body, side in (
        ({"fr": big, "en": "Hello."}, "French"),
        ({"fr": "Salut.", "en": big}, "English"),
    ):
        problem = assert_problem(post(client, body), 413, side, "2,097,152 bytes a side")
        assert problem["type"].endswith("/text-too-long")
    # Measured in UTF-8: 1.1 million "é" are 1.1 million characters but 2.2 MB.
    assert_problem(post(client, {"fr": "é" * 1_100_000, "en": "Hello."}), 413, "French")


def test_two_sides_just_under_the_limit_are_aligned(client: TestClient, shared_dir: Path) -> None:
    """1.9 MB a side, sent by an encoder that escapes every accent and line break.

    A whole align-dev document a line keeps the sentence count, and so the time, small.
    """
    texts = []
    for lang in ("fr", "en"):
        documents = [
            " ".join(sentence_lines(path.read_text(encoding="utf-8")))
            for path in sorted((shared_dir / UN).glob(f"*.{lang}"))
        ]
        lines: list[str] = []
        size = 0
        while size < 1.9 * MB - 20_000:
            document = documents[len(lines) % len(documents)]
            lines.append(document)
            size += len(document.encode("utf-8")) + 1
        texts.append("\n".join(lines))
    assert all(1.85 * MB < len(text.encode("utf-8")) < 1.9 * MB for text in texts)
    body = json.dumps({"fr": texts[0], "en": texts[1], "presegmented": True})  # ensure_ascii
    assert len(body) > 3.8 * MB
    response = client.post(
        "/v1/align",
        content=body,
        params={"format": "beads"},
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200, response.text[:500]
    beads = parse_beads(response.text)
    check_coverage(beads, len(sentence_lines(texts[0])), len(sentence_lines(texts[1])))


def test_a_body_far_over_the_limit_is_refused_before_parsing(client: TestClient) -> None:
    response = client.post(
        "/v1/align", content=b"{" + b" " * (16 * MB), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["type"].endswith("/request-too-large")


def test_other_routes_keep_the_ordinary_body_limit(client: TestClient) -> None:
    body = {"text": "traite des personnes " * (3 * MB // 21), "src": "fr", "tgt": "en"}
    response = client.post("/v1/terms/recognize", json=body)
    assert response.status_code == 413
    assert response.json()["type"].endswith("/request-too-large")


def test_the_limit_is_a_setting(tmp_path: Path, make_client: Callable[..., TestClient]) -> None:
    with make_client(
        f"sqlite:///{tmp_path / 'small.db'}", load_seed=False, max_align_bytes=4096
    ) as small:
        assert_problem(post(small, {"fr": "Oui. " * 1000, "en": "Yes."}), 413, "4,096 bytes")
        assert post(small, {"fr": "Oui. " * 800, "en": "Yes. " * 800}).status_code == 200


# -- the route itself ----------------------------------------------------------------------------


def test_alignment_runs_in_the_thread_pool_not_on_the_event_loop() -> None:
    assert not inspect.iscoroutinefunction(align_texts)


def test_openapi_documents_the_route(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/v1/align"]["post"]
    assert operation["operationId"] == "align_texts"
    assert {"application/json", "application/x-tmx+xml", "text/html"} <= set(
        operation["responses"]["200"]["content"]
    )
    assert {"413", "422"} <= set(operation["responses"])


# -- review flags, limits on sentences, source language -------------------------------------------


def test_a_deleted_sentence_is_flagged_as_an_omission(client: TestClient, shared_dir: Path) -> None:
    """A French sentence deleted from a real UN document: its English sentence is a 0-1 bead
    flagged "omission", counted in the summary and the warnings, marked in the HTML view."""
    fr, en = un_document(shared_dir, 2)
    fr_lines = fr.split("\n")
    deleted = next(k for k, line in enumerate(fr_lines) if len(line) > 80)
    before = post(client, {"fr": fr, "en": en, "presegmented": True}).json()
    english = next(
        b["en"][0]
        for p in before["paragraphs"]
        for b in p["sentences"]
        if b["fr"] == [sum(1 for line in fr_lines[:deleted] if line.strip())] and len(b["en"]) == 1
    )
    damaged = "\n".join(fr_lines[:deleted] + fr_lines[deleted + 1 :])
    result = post(client, {"fr": damaged, "en": en, "presegmented": True}).json()
    beads = [b for p in result["paragraphs"] for b in p["sentences"]]
    omission = next(b for b in beads if b["en"] == [english])
    assert omission["fr"] == [] and omission["review"] == "omission"
    assert result["summary"]["review"]["omission"] >= 1
    assert any("omission" in warning for warning in result["warnings"])
    page = post(client, {"fr": damaged, "en": en, "presegmented": True}, format="html").text
    assert "review review-omission" in page


def test_more_sentences_than_the_limit_is_a_413_before_any_work(client: TestClient) -> None:
    """300,000 one-character sentences a side (600 kB, under the byte limit) used to take
    minutes and gigabytes; they are refused at once."""
    lines = "\n".join("a" for _ in range(300_000))
    response = post(client, {"fr": lines, "en": lines, "presegmented": True})
    problem = assert_problem(response, 413, "300,000 sentences", "at most 64,000")
    assert problem["type"].endswith("too-many-sentences")


def test_tmx_and_xliff_take_english_as_the_source_unless_asked(
    client: TestClient, shared_dir: Path
) -> None:
    fr, en = un_document(shared_dir, 1)
    body = {"fr": fr, "en": en, "presegmented": True}
    tmx = etree.fromstring(post(client, body, format="tmx").content)
    assert tmx.find("header").get("srclang") == "en"
    tmx_fr = etree.fromstring(post(client, body, format="tmx", source="fr").content)
    assert tmx_fr.find("header").get("srclang") == "fr"
    xliff = post(client, body, format="xliff")
    assert xliff.headers["content-type"] == "application/xliff+xml"
    root = etree.fromstring(xliff.content)
    assert (root.get("version"), root.get("srcLang"), root.get("trgLang")) == ("2.1", "en", "fr")
    assert_problem(post(client, body, format="tmx", source="de"), 422)
