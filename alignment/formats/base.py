"""What every alignment output format shares: the bead record, the options, the format's shape.

A *bead record* is one sentence bead as a file carries it: its sentence indices on each side, its
confidence and review reason, the text of each side and, in a batch, the document it comes from.
Writers that need no more than that (TMX, TSV, the job results' JSON Lines) take records, so the
same writer serves one alignment (:func:`bead_records`) and a job's stored results alike; writers
of the whole alignment (JSON with offsets, the side-by-side page) take the
:class:`~alignment.types.Alignment`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from alignment.types import Alignment, Sentence, Side

__all__ = [
    "AlignmentFormat",
    "BeadRecord",
    "WriteOptions",
    "bead_records",
    "xml_safe",
]


@dataclass(frozen=True, slots=True)
class BeadRecord:
    """One sentence bead as written to a file."""

    fr: tuple[int, ...]
    en: tuple[int, ...]
    confidence: float
    review: str | None
    fr_text: str
    en_text: str
    document: str | None = None

    @property
    def type(self) -> str:
        return f"{len(self.fr)}-{len(self.en)}"

    @property
    def two_sided(self) -> bool:
        return bool(self.fr and self.en)

    def as_dict(self) -> dict[str, Any]:
        """``{"fr", "en", "type", "confidence", "review", "fr_text", "en_text"}``."""
        return {
            "fr": list(self.fr),
            "en": list(self.en),
            "type": self.type,
            "confidence": self.confidence,
            "review": self.review,
            "fr_text": self.fr_text,
            "en_text": self.en_text,
        }


def bead_records(alignment: Alignment, document: str | None = None) -> Iterator[BeadRecord]:
    """The sentence beads of ``alignment`` as records, in order; the sentences of a side are
    joined by a space."""
    fr = sentences_by_index(alignment.fr)
    en = sentences_by_index(alignment.en)
    for bead in alignment.beads:
        yield BeadRecord(
            bead.fr,
            bead.en,
            bead.confidence,
            bead.review,
            joined_text(fr, bead.fr),
            joined_text(en, bead.en),
            document,
        )


def stored_records(
    fr: list[str],
    en: list[str],
    beads: Iterable[tuple[Iterable[int], Iterable[int], float, str | None]],
    document: str | None = None,
) -> Iterator[BeadRecord]:
    """Records from sentence texts and ``(fr indices, en indices, confidence, review)`` beads,
    as a batch keeps them."""
    for bead_fr, bead_en, confidence, review in beads:
        fr_indices, en_indices = tuple(bead_fr), tuple(bead_en)
        yield BeadRecord(
            fr_indices,
            en_indices,
            confidence,
            review,
            " ".join(fr[i] for i in fr_indices),
            " ".join(en[j] for j in en_indices),
            document,
        )


@dataclass(frozen=True, slots=True)
class WriteOptions:
    """What a writer may be told; each format reads the options it has a use for.

    ``indent`` pretty-prints JSON; ``source`` ("en", the original, or "fr") is the source
    language of TMX and XLIFF; ``one_sided`` adds one-sided beads to TMX; ``tool_version`` and
    ``created`` go into TMX's header; ``low_confidence`` is where the HTML page marks a bead.
    """

    indent: int | None = None
    source: str = "en"
    one_sided: bool = False
    tool_version: str = "unknown"
    created: datetime | None = None
    low_confidence: float = 0.5

    def __post_init__(self) -> None:
        if self.source not in ("en", "fr"):
            raise ValueError(f"source language is 'en' or 'fr', not {self.source!r}")


@dataclass(frozen=True)
class AlignmentFormat:
    """One output format of an alignment: one module, registered in :mod:`alignment.formats`.

    ``write`` gives the file's bytes. ``read``, when the format can be read back, gives the bead
    records of a file; ``carries`` names the :class:`BeadRecord` fields it gives back as written
    (the others are empty), and ``two_sided_only`` says one-sided beads are left out unless
    ``one_sided`` is asked for (and not at all when ``one_sided_option`` is false). The round-trip
    tests run over every registered format from these declarations.
    """

    name: str
    media_type: str
    extension: str
    description: str
    write: Callable[[Alignment, WriteOptions], bytes]
    read: Callable[[bytes], list[BeadRecord]] | None = None
    carries: frozenset[str] = field(default_factory=frozenset)
    two_sided_only: bool = False
    one_sided_option: bool = False

    @property
    def mime(self) -> str:
        """The media type without its parameters (``text/plain``)."""
        return self.media_type.split(";")[0].strip()


# -- helpers shared by the writers ---------------------------------------------------------------


def sentences_by_index(side: Side) -> dict[int, Sentence]:
    # Looked up by Sentence.index rather than list position, so a side whose list is not in
    # index order still prints the right text.
    return {sentence.index: sentence for sentence in side.sentences}


def joined_text(sentences: dict[int, Sentence], indices: Iterable[int]) -> str:
    return " ".join(sentences[index].text for index in indices)


def join_indices(indices: Iterable[int]) -> str:
    return ",".join(str(index) for index in indices)


# XML 1.0 allows tab, LF, CR and everything from U+0020 except surrogates, U+FFFE and U+FFFF.
# Vertical tab and form feed are line and page breaks in word-processor exports, so they become
# spaces to keep the words apart; the other forbidden characters carry no text and are removed.
_XML_BREAKS = re.compile("[\x0b\x0c]")
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` with the characters XML 1.0 cannot hold replaced (line breaks) or removed."""
    return _XML_FORBIDDEN.sub("", _XML_BREAKS.sub(" ", text))
