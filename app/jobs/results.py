"""A job's results as a file, streamed: TMX 1.4b, JSON Lines or TSV.

Items are read from the database a few at a time and written out as they come, so memory does not
grow with the job. TMX and TSV hold the done items (each two-sided bead is a translation unit or a
row, with the document's name); JSON Lines has one line per finished item, failed and cancelled
ones with their reason, so nothing disappears silently.

The writers of :mod:`alignment.formats` take an :class:`~alignment.types.Alignment`; an item's
stored result has the sentences and beads but not the offsets in the input, so
:func:`stored_alignment` rebuilds one with empty spans, which no writer used here reads.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from alignment.formats import TSV_COLUMNS, to_tsv, write_tmx
from alignment.types import Alignment, Bead, Paragraph, ParagraphBead, Sentence, Side, Span
from app import __version__
from app.db import Database
from app.jobs import repository
from app.jobs.models import ItemState


class ResultFormat(StrEnum):
    TMX = "tmx"
    JSONL = "jsonl"
    TSV = "tsv"


MEDIA_TYPES = {
    ResultFormat.TMX: "application/x-tmx+xml",
    ResultFormat.JSONL: "application/jsonl; charset=utf-8",
    ResultFormat.TSV: "text/tab-separated-values; charset=utf-8",
}

JOB_TSV_COLUMNS = ("document", *TSV_COLUMNS)


def stored_alignment(result: dict[str, Any]) -> Alignment:
    """An :class:`Alignment` with the sentences and beads of a stored result (no offsets)."""
    no_span = (Span(0, 0),)

    def side(lang: str, texts: list[str]) -> Side:
        sentences = [Sentence(i, text, no_span, 0) for i, text in enumerate(texts)]
        return Side(lang, sentences, [Paragraph(0, tuple(range(len(texts))))])

    beads = [Bead(tuple(b[0]), tuple(b[1]), b[2], _review(b)) for b in result["beads"]]
    return Alignment(
        fr=side("fr", result["fr"]),
        en=side("en", result["en"]),
        paragraphs=[ParagraphBead((0,), (0,), 1.0, beads)] if beads else [],
        warnings=list(result.get("warnings", ())),
    )


def _review(stored_bead: list[Any]) -> str | None:
    """A stored bead's review reason (None for results stored before beads had one)."""
    return stored_bead[3] if len(stored_bead) > 3 else None


def _items(database: Database, job_id: int, states: list[str]) -> Iterator[repository.ItemResult]:
    with database.sessionmaker() as session:
        yield from repository.iter_results(session, job_id, states=states)


def stream(database: Database, job_id: int, output_format: ResultFormat) -> Iterator[bytes]:
    if output_format is ResultFormat.TMX:
        return _tmx(database, job_id)
    if output_format is ResultFormat.TSV:
        return _tsv(database, job_id)
    return _jsonl(database, job_id)


def _tsv(database: Database, job_id: int) -> Iterator[bytes]:
    yield ("\t".join(JOB_TSV_COLUMNS) + "\n").encode()
    for item in _items(database, job_id, [ItemState.DONE.value]):
        assert item.result is not None
        name = " ".join(item.name.split())  # no tab or line break in the document column
        rows = to_tsv(stored_alignment(item.result)).split("\n")[1:]
        yield "".join(f"{name}\t{row}\n" for row in rows if row).encode("utf-8")


def _jsonl(database: Database, job_id: int) -> Iterator[bytes]:
    final = [state.value for state in repository.FINAL_STATES]
    for item in _items(database, job_id, final):
        line: dict[str, Any] = {"document": item.name, "position": item.position}
        line["state"] = item.state
        if item.result is None:
            line["error"] = item.error
        else:
            fr, en = item.result["fr"], item.result["en"]
            line["beads"] = [_bead_line(bead, fr, en) for bead in item.result["beads"]]
            line["warnings"] = item.result.get("warnings", [])
        yield (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")


def _bead_line(stored_bead: list[Any], fr: list[str], en: list[str]) -> dict[str, Any]:
    bead_fr, bead_en = stored_bead[0], stored_bead[1]
    return {
        "fr": bead_fr,
        "en": bead_en,
        "type": f"{len(bead_fr)}-{len(bead_en)}",
        "confidence": stored_bead[2],
        "review": _review(stored_bead),
        "fr_text": " ".join(fr[i] for i in bead_fr),
        "en_text": " ".join(en[j] for j in bead_en),
    }


class _Closed(Exception):
    """The reader went away: stop writing."""


class _QueueWriter:
    """A file object whose writes become chunks for another thread to read."""

    def __init__(self, chunks: queue.Queue[bytes | BaseException | None]) -> None:
        self.chunks = chunks
        self.closed_by_reader = threading.Event()

    def write(self, data: bytes) -> int:
        while True:
            if self.closed_by_reader.is_set():
                raise _Closed
            try:
                self.chunks.put(bytes(data), timeout=0.5)
                return len(data)
            except queue.Full:
                continue


def _tmx(database: Database, job_id: int) -> Iterator[bytes]:
    """TMX through :func:`alignment.formats.write_tmx`, run in a thread writing to a queue."""
    chunks: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=64)
    writer = _QueueWriter(chunks)

    def alignments() -> Iterator[tuple[str | None, Alignment]]:
        for item in _items(database, job_id, [ItemState.DONE.value]):
            assert item.result is not None
            yield item.name, stored_alignment(item.result)

    def produce() -> None:
        try:
            write_tmx(alignments(), writer, tool_version=__version__)  # type: ignore[arg-type]
            end: bytes | BaseException | None = None
        except _Closed:
            return
        except BaseException as exc:  # handed to the reader, which raises it
            end = exc
        while not writer.closed_by_reader.is_set():
            try:
                chunks.put(end, timeout=0.5)
                return
            except queue.Full:
                continue

    thread = threading.Thread(target=produce, name=f"tmx-job-{job_id}", daemon=True)
    thread.start()
    try:
        while True:
            chunk = chunks.get()
            if chunk is None:
                return
            if isinstance(chunk, BaseException):
                raise chunk
            # Many small writes (one per unit) go out as fewer, larger chunks.
            parts = [chunk]
            size = len(chunk)
            while size < 65536:
                try:
                    more = chunks.get_nowait()
                except queue.Empty:
                    break
                if more is None or isinstance(more, BaseException):
                    chunks.put(more)  # the end, read on the next turn
                    break
                parts.append(more)
                size += len(more)
            yield b"".join(parts)
    finally:
        writer.closed_by_reader.set()
