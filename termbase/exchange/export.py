"""Exporting the termbase in a format of the registry (:mod:`termbase.exchange.formats`).

The export opens its own session on one snapshot of the database (see
:func:`~termbase.exchange.selection.read_snapshot`), reads the concepts a chunk at a time and
yields each chunk's bytes as soon as they are written, so its memory stays flat whatever the size
of the termbase and an HTTP response can stream it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from importlib import metadata

from sqlalchemy.orm import Session

from termbase.exchange.formats import WRITABLE, ExportContext, ExportFormat
from termbase.exchange.selection import (
    CHUNK_SIZE,
    ExportFilter,
    concept_chunks,
    export_languages,
    read_snapshot,
)
from termbase.service import current_generation

__all__ = ["ExportFormat", "describe", "export_termbase"]


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
    export_format: str = "tbx",
    selection: ExportFilter | None = None,
    *,
    chunk_size: int = CHUNK_SIZE,
    on_chunk: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """The export in ``export_format`` (a name of :data:`~termbase.exchange.formats.WRITABLE`)
    as bytes, piece by piece; ``on_chunk(n)`` is told of each n concepts read."""
    selection = selection or ExportFilter()
    try:
        writer = WRITABLE[export_format].write
    except KeyError:
        raise ValueError(f"cannot export as {export_format!r}: {', '.join(WRITABLE)}") from None
    assert writer is not None
    with open_session() as session:
        read_snapshot(session)
        try:
            generation = current_generation(session=session)
            chunks = concept_chunks(session, selection, chunk_size=chunk_size)
            if on_chunk is not None:
                chunks = _counted(chunks, on_chunk)
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            chosen = describe(selection)
            context = ExportContext(
                description=f"Exported from Alinea {_version()} on {stamp}, termbase "
                f"generation {generation}" + (f"; only {chosen}" if chosen else ""),
                partial=selection.filters_terms,
                languages=lambda: export_languages(session, selection),
            )
            yield from writer(chunks, context)
        finally:
            session.rollback()


def _counted(chunks: Iterator[list], on_chunk: Callable[[int], None]) -> Iterator[list]:  # type: ignore[type-arg]
    for chunk in chunks:
        on_chunk(len(chunk))
        yield chunk
