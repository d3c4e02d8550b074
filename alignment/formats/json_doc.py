"""JSON: the whole alignment as plain dicts (:func:`to_dict`), the response of ``POST /v1/align``.

It is the only format that keeps everything: both sides with their sentences' offsets and spans,
paragraph beads around sentence beads, the summary and the warnings.
"""

from __future__ import annotations

import json
from typing import Any

from alignment.confidence import REVIEW_REASONS
from alignment.formats.base import AlignmentFormat, BeadRecord, WriteOptions
from alignment.types import Alignment, Bead, Paragraph, Sentence, Side


def to_dict(alignment: Alignment) -> dict[str, Any]:
    """The alignment as plain dicts, lists, strings and numbers, ready for ``json.dumps``.

    Shape: ``{"fr": side, "en": side, "paragraphs": [...], "warnings": [...]}`` where a side is
    ``{"lang", "sentences": [{"index", "text", "start", "end", "spans": [[s, e], ...],
    "paragraph", "furniture"}], "paragraphs": [{"index", "sentences", "footnote"}],
    "dropped": [[s, e], ...]}`` and a paragraph bead is ``{"fr", "en", "type", "confidence",
    "footnotes", "sentences": [{"fr", "en", "type", "confidence", "review"}]}``; ``summary``
    counts the beads and those to review, by reason.
    """
    return {
        "fr": _side_dict(alignment.fr),
        "en": _side_dict(alignment.en),
        "paragraphs": [
            {
                "fr": list(paragraph.fr),
                "en": list(paragraph.en),
                "type": paragraph.type,
                "confidence": paragraph.confidence,
                "footnotes": paragraph.footnotes,
                "sentences": [_bead_dict(bead) for bead in paragraph.sentences],
            }
            for paragraph in alignment.paragraphs
        ],
        "summary": summary(alignment),
        "warnings": list(alignment.warnings),
    }


def summary(alignment: Alignment, low_confidence: float = 0.5) -> dict[str, Any]:
    """``{"beads", "low_confidence", "review": {"omission", "addition", "mismatch"}}``: how many
    beads, how many under ``low_confidence``, and how many are flagged for each reason."""
    beads = alignment.beads
    return {
        "beads": len(beads),
        "low_confidence": sum(1 for bead in beads if bead.confidence < low_confidence),
        "review": {
            reason: sum(1 for bead in beads if bead.review == reason) for reason in REVIEW_REASONS
        },
    }


def _side_dict(side: Side) -> dict[str, Any]:
    return {
        "lang": side.lang,
        "sentences": [_sentence_dict(sentence) for sentence in side.sentences],
        "paragraphs": [_paragraph_dict(paragraph) for paragraph in side.paragraphs],
        "dropped": [[span.start, span.end] for span in side.dropped],
    }


def _sentence_dict(sentence: Sentence) -> dict[str, Any]:
    return {
        "index": sentence.index,
        "text": sentence.text,
        "start": sentence.start,
        "end": sentence.end,
        "spans": [[span.start, span.end] for span in sentence.spans],
        "paragraph": sentence.paragraph,
        "furniture": sentence.furniture,
    }


def _paragraph_dict(paragraph: Paragraph) -> dict[str, Any]:
    return {
        "index": paragraph.index,
        "sentences": list(paragraph.sentences),
        "footnote": paragraph.footnote,
    }


def _bead_dict(bead: Bead) -> dict[str, Any]:
    return {
        "fr": list(bead.fr),
        "en": list(bead.en),
        "type": bead.type,
        "confidence": bead.confidence,
        "review": bead.review,
    }


def write(alignment: Alignment, options: WriteOptions) -> bytes:
    """``to_dict`` as UTF-8 JSON, pretty-printed (and ending with a line break) with ``indent``."""
    text = json.dumps(to_dict(alignment), ensure_ascii=False, indent=options.indent)
    return (text + "\n" if options.indent is not None else text).encode("utf-8")


def read(data: bytes) -> list[BeadRecord]:
    """The sentence beads of a JSON alignment, with their sentences' text."""
    tree = json.loads(data)
    texts = {
        lang: {sentence["index"]: sentence["text"] for sentence in tree[lang]["sentences"]}
        for lang in ("fr", "en")
    }
    return [
        BeadRecord(
            tuple(bead["fr"]),
            tuple(bead["en"]),
            bead["confidence"],
            bead["review"],
            " ".join(texts["fr"][i] for i in bead["fr"]),
            " ".join(texts["en"][j] for j in bead["en"]),
        )
        for paragraph in tree["paragraphs"]
        for bead in paragraph["sentences"]
    ]


FORMAT = AlignmentFormat(
    name="json",
    media_type="application/json",
    extension="json",
    description="both sides, paragraph and sentence beads, summary and warnings",
    write=write,
    read=read,
    carries=frozenset({"fr", "en", "confidence", "review", "fr_text", "en_text"}),
)
