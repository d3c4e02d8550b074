"""A job's results as a file, streamed: the registry of job-results formats (TMX, JSON Lines, TSV).

Items are read from the database a few at a time and written out as they come, so memory does not
grow with the job. TMX and TSV hold the done items (each two-sided bead is a translation unit, each
bead a row, with the document's name) and are written by the aligner's own writers
(:func:`alignment.formats.tmx_chunks`, :func:`alignment.formats.tsv_rows`) over the bead records
of the stored results; JSON Lines has one line per finished item, failed and cancelled ones with
their reason, so nothing disappears silently.

A format is a :class:`ResultsFormat` registered in :data:`FORMATS`: the route's ``format`` enum,
its OpenAPI ``content`` map, ``alinea jobs results --format`` and the contract tests come from it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from alignment.formats import BeadRecord, stored_records, tmx_chunks, tsv_header, tsv_rows
from app import __version__
from app.formats import names_enum
from app.jobs import repository
from app.jobs.models import ItemState

if TYPE_CHECKING:
    from app.db import Database

DONE = (ItemState.DONE.value,)
FINISHED = tuple(state.value for state in repository.FINAL_STATES)


@dataclass(frozen=True)
class ResultsFormat:
    """One file format of a job's results: which items it holds (``states``) and how it writes
    them (``write``: the items, in submission order, to chunks of bytes)."""

    name: str
    media_type: str
    extension: str
    description: str
    states: tuple[str, ...]
    write: Callable[[Iterable[repository.ItemResult]], Iterator[bytes]]


def item_records(item: repository.ItemResult) -> Iterator[BeadRecord]:
    """The bead records of a done item's stored result, named after its document."""
    assert item.result is not None
    result = item.result
    # Results stored before beads had a review reason have three entries a bead.
    beads = ((b[0], b[1], b[2], b[3] if len(b) > 3 else None) for b in result["beads"])
    return stored_records(result["fr"], result["en"], beads, item.name)


def write_tmx(items: Iterable[repository.ItemResult]) -> Iterator[bytes]:
    records = (record for item in items for record in item_records(item))
    return tmx_chunks(records, tool_version=__version__)


def write_tsv(items: Iterable[repository.ItemResult]) -> Iterator[bytes]:
    yield tsv_header(document=True).encode("utf-8")
    for item in items:
        yield "".join(tsv_rows(item_records(item), document=True)).encode("utf-8")


def write_jsonl(items: Iterable[repository.ItemResult]) -> Iterator[bytes]:
    for item in items:
        line: dict[str, Any] = {"document": item.name, "position": item.position}
        line["state"] = item.state
        if item.result is None:
            line["error"] = item.error
        else:
            line["beads"] = [record.as_dict() for record in item_records(item)]
            line["warnings"] = item.result.get("warnings", [])
        yield (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")


#: The job-results formats by name; the first is the default.
FORMATS: dict[str, ResultsFormat] = {
    f.name: f
    for f in (
        ResultsFormat(
            "tmx",
            "application/x-tmx+xml",
            "tmx",
            "TMX 1.4b: one unit per two-sided bead",
            DONE,
            write_tmx,
        ),
        ResultsFormat(
            "jsonl",
            "application/jsonl; charset=utf-8",
            "jsonl",
            "one line per document, with its beads, or its error",
            FINISHED,
            write_jsonl,
        ),
        ResultsFormat(
            "tsv",
            "text/tab-separated-values; charset=utf-8",
            "tsv",
            "one bead a row",
            DONE,
            write_tsv,
        ),
    )
}

if TYPE_CHECKING:

    class ResultFormat(StrEnum):
        """A format of a job's results (members generated from the registry)."""

else:
    ResultFormat = names_enum("ResultFormat", FORMATS)

DEFAULT_FORMAT = ResultFormat(next(iter(FORMATS)))


def _items(
    database: Database, job_id: int, states: Iterable[str]
) -> Iterator[repository.ItemResult]:
    with database.sessionmaker() as session:
        yield from repository.iter_results(session, job_id, states=list(states))


def stream(database: Database, job_id: int, output_format: str) -> Iterator[bytes]:
    """The job's results in ``output_format``, chunk by chunk."""
    chosen = FORMATS[output_format]
    return chosen.write(_items(database, job_id, chosen.states))
