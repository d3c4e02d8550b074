"""TSV: the sentence beads as tab-separated values, one row per bead after a header row."""

from __future__ import annotations

import re
from collections.abc import Iterable

from alignment.formats.base import (
    AlignmentFormat,
    BeadRecord,
    bead_records,
    join_indices,
)
from alignment.types import Alignment

TSV_COLUMNS = ("fr_indices", "en_indices", "type", "confidence", "review", "fr_text", "en_text")

# Every character str.splitlines() breaks on, plus tab: any of them inside a cell would shift
# columns or rows for some reader.
_TSV_BREAKS = re.compile("[\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def to_tsv(alignment: Alignment) -> str:
    """The sentence beads as tab-separated values, one row per bead after a header row.

    Columns:

    ``fr_indices``, ``en_indices``
        the bead's sentence indices on each side, comma-separated (``3,4``); empty for the
        empty side of a one-sided bead;
    ``type``
        the bead type, ``"{French count}-{English count}"`` (``1-2``, ``1-0`` …);
    ``confidence``
        the bead's confidence with three decimals;
    ``review``
        why to look at the bead (``omission``, ``addition``, ``mismatch``), or empty;
    ``fr_text``, ``en_text``
        the bead's sentences on each side joined by a space, with tabs and line breaks turned
        into spaces so that every bead stays on one row.

    No quoting is used, so the file reads with a plain split on tabs.
    """
    return tsv_header() + "".join(tsv_rows(bead_records(alignment)))


def tsv_header(document: bool = False) -> str:
    """The header row; with ``document``, a first column names each row's document."""
    return "\t".join(("document", *TSV_COLUMNS) if document else TSV_COLUMNS) + "\n"


def tsv_rows(records: Iterable[BeadRecord], document: bool = False) -> Iterable[str]:
    """One row (with its line break) per record; see :func:`to_tsv` for the columns."""
    for record in records:
        cells: tuple[str, ...] = (
            join_indices(record.fr),
            join_indices(record.en),
            record.type,
            f"{record.confidence:.3f}",
            record.review or "",
            _TSV_BREAKS.sub(" ", record.fr_text),
            _TSV_BREAKS.sub(" ", record.en_text),
        )
        if document:
            # No tab or line break in the document column either.
            cells = (" ".join((record.document or "").split()), *cells)
        yield "\t".join(cells) + "\n"


def read(data: bytes) -> list[BeadRecord]:
    """The rows of a TSV file written here (with or without the document column)."""
    lines = data.decode("utf-8").split("\n")
    columns = lines[0].split("\t")
    records = []
    for line in lines[1:]:
        if not line:
            continue
        row = dict(zip(columns, line.split("\t"), strict=True))
        records.append(
            BeadRecord(
                _indices(row["fr_indices"]),
                _indices(row["en_indices"]),
                float(row["confidence"]),
                row["review"] or None,
                row["fr_text"],
                row["en_text"],
                row.get("document"),
            )
        )
    return records


def _indices(cell: str) -> tuple[int, ...]:
    return tuple(int(index) for index in cell.split(",")) if cell else ()


FORMAT = AlignmentFormat(
    name="tsv",
    media_type="text/tab-separated-values; charset=utf-8",
    extension="tsv",
    description="one bead a row",
    write=lambda alignment, options: to_tsv(alignment).encode("utf-8"),
    read=read,
    carries=frozenset({"fr", "en", "confidence", "review", "fr_text", "en_text"}),
)
