"""The contract of every registered job-results format (app.jobs.results.FORMATS), on stored
results made by hand: no runner, no database."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from alignment.formats import FORMATS as ALIGNMENT_FORMATS
from alignment.formats import BeadRecord
from app.jobs.repository import ItemResult
from app.jobs.results import FORMATS, item_records

ITEMS = [
    ItemResult(
        0,
        "report one",
        "done",
        None,
        {
            "fr": ["« Bonjour » & <toi>.", "Il pleut.", "Il vente."],
            "en": ['"Hello" & <you>.', "It rains and blows."],
            "beads": [[[0], [0], 0.97, None], [[1, 2], [1], 0.41, "mismatch"]],
            "warnings": [],
        },
    ),
    ItemResult(1, "broken", "failed", "not text", None),
    # A result stored before beads had a review reason: three entries a bead.
    ItemResult(
        2,
        "old\tname",
        "done",
        None,
        {"fr": ["Un.", "Deux."], "en": ["One."], "beads": [[[0], [0], 0.9], [[1], [], 0.5]]},
    ),
]


def _written(name: str) -> bytes:
    chosen = FORMATS[name]
    items = [item for item in ITEMS if item.state in chosen.states]
    return b"".join(chosen.write(iter(items)))


def test_stored_results_become_the_beads_they_hold() -> None:
    name = "report one"
    assert list(item_records(ITEMS[0])) == [
        BeadRecord((0,), (0,), 0.97, None, "« Bonjour » & <toi>.", '"Hello" & <you>.', name),
        BeadRecord((1, 2), (1,), 0.41, "mismatch", "Il pleut. Il vente.", "It rains and blows.",
                   name),
    ]  # fmt: skip
    assert [r.review for r in item_records(ITEMS[2])] == [None, None]


@pytest.mark.parametrize("name", list(FORMATS))
def test_each_format_writes_what_its_media_type_says(name: str) -> None:
    chosen = FORMATS[name]
    data = _written(name)
    assert chosen.extension and chosen.description
    if chosen.media_type.startswith("application/x-tmx+xml"):
        etree.fromstring(data, etree.XMLParser(resolve_entities=False))
    else:
        assert "charset=utf-8" in chosen.media_type
        data.decode("utf-8")


@pytest.mark.parametrize("name", ["tmx", "tsv"])
def test_tmx_and_tsv_are_the_aligners_own_formats(name: str) -> None:
    """What a job writes in TMX or TSV reads back with the alignment format's reader."""
    reader = ALIGNMENT_FORMATS[name].read
    assert reader is not None
    records = [r for item in ITEMS if item.result for r in item_records(item)]
    if name == "tmx":  # two-sided beads only, no indices
        expected = [BeadRecord((), (), r.confidence, r.review, r.fr_text, r.en_text, r.document)
                    for r in records if r.two_sided]  # fmt: skip
    else:  # the document column holds no tab
        expected = [
            BeadRecord(r.fr, r.en, r.confidence, r.review, r.fr_text, r.en_text,
                       " ".join((r.document or "").split()))
            for r in records
        ]  # fmt: skip
    assert reader(_written(name)) == expected


def test_json_lines_hold_every_finished_item_with_its_beads_or_its_error() -> None:
    lines = [json.loads(line) for line in _written("jsonl").decode("utf-8").splitlines()]
    assert [line["document"] for line in lines] == ["report one", "broken", "old\tname"]
    assert lines[1] == {"document": "broken", "position": 1, "state": "failed", "error": "not text"}
    assert lines[0]["beads"][1] == {
        "fr": [1, 2],
        "en": [1],
        "type": "2-1",
        "confidence": 0.41,
        "review": "mismatch",
        "fr_text": "Il pleut. Il vente.",
        "en_text": "It rains and blows.",
    }
