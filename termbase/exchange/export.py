"""Exporting the termbase as TBX v3, TBX v2, CSV or TSV: a generator of bytes.

The export opens its own session on one snapshot of the database (see
:func:`~termbase.exchange.selection.read_snapshot`), reads the concepts a chunk at a time and
yields each chunk's bytes as soon as they are written, so its memory stays flat whatever the size
of the termbase and an HTTP response can stream it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from importlib import metadata

from sqlalchemy.orm import Session

from termbase.exchange.csv_io import write_csv
from termbase.exchange.selection import (
    CHUNK_SIZE,
    ExportFilter,
    concept_chunks,
    export_languages,
    read_snapshot,
)
from termbase.exchange.tbx_write import Header, write_tbx
from termbase.service import current_generation


class ExportFormat(enum.StrEnum):
    TBX = "tbx"  # TBX v3, TBX-Basic, DCA
    TBX2 = "tbx2"  # TBX v2 (martif), TBX-Basic
    CSV = "csv"
    TSV = "tsv"

    @property
    def media_type(self) -> str:
        return {
            ExportFormat.TBX: "application/xml",
            ExportFormat.TBX2: "application/xml",
            ExportFormat.CSV: "text/csv; charset=utf-8; header=present",
            ExportFormat.TSV: "text/tab-separated-values; charset=utf-8",
        }[self]

    @property
    def extension(self) -> str:
        return {"tbx": "tbx", "tbx2": "tbx", "csv": "csv", "tsv": "tsv"}[self.value]


def _version() -> str:
    try:
        return metadata.version("alinea")
    except metadata.PackageNotFoundError:
        return "(development)"


def describe(selection: ExportFilter) -> str:
    parts = []
    if selection.subject_fields:
        parts.append("subject fields " + ", ".join(selection.subject_fields))
    if selection.languages:
        parts.append("languages " + ", ".join(selection.languages))
    if selection.statuses:
        parts.append("statuses " + ", ".join(selection.statuses))
    if selection.changed_since:
        parts.append(f"changed since {selection.changed_since.isoformat()}")
    return "; ".join(parts)


def export_termbase(
    open_session: Callable[[], Session],
    export_format: ExportFormat = ExportFormat.TBX,
    selection: ExportFilter | None = None,
    *,
    chunk_size: int = CHUNK_SIZE,
    on_chunk: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """The export as bytes, piece by piece; ``on_chunk(n)`` is told of each n concepts read."""
    selection = selection or ExportFilter()
    with open_session() as session:
        read_snapshot(session)
        try:
            generation = current_generation(session=session)
            chunks = concept_chunks(session, selection, chunk_size=chunk_size)
            if on_chunk is not None:
                chunks = _counted(chunks, on_chunk)
            if export_format in (ExportFormat.TBX, ExportFormat.TBX2):
                stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                chosen = describe(selection)
                header = Header(
                    description=f"Exported from Alinea {_version()} on {stamp}, termbase "
                    f"generation {generation}" + (f"; only {chosen}" if chosen else ""),
                )
                yield from write_tbx(
                    chunks,
                    version=3 if export_format is ExportFormat.TBX else 2,
                    header=header,
                    partial=selection.filters_terms,
                )
            else:
                languages = export_languages(session, selection)
                yield from write_csv(chunks, languages, tab=export_format is ExportFormat.TSV)
        finally:
            session.rollback()


def _counted(chunks: Iterator[list], on_chunk: Callable[[int], None]) -> Iterator[list]:  # type: ignore[type-arg]
    for chunk in chunks:
        on_chunk(len(chunk))
        yield chunk
