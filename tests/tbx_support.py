"""Helpers of the termbase exchange tests (TBX, CSV): exports and imports in one call, the state
of a database to compare, the TBX namespace and the official samples' names. Plain functions and
constants, no fixtures: the fixtures (the TBX schemas of ``../shared/tbx``) are in conftest.py."""

from __future__ import annotations

import io
from typing import Any

from lxml import etree
from sqlalchemy import func, select, text

from app.db import Database
from termbase.exchange.export import ExportFormat, export_termbase
from termbase.exchange.importer import ImportOptions, ImportReport, MergePolicy, import_termbase
from termbase.exchange.selection import ExportFilter
from termbase.models import Concept, Revision, Term, TermbaseState

TBX_NS = "urn:iso:std:iso:30042:ed-2"
NS = {"tbx": TBX_NS}
BASIC_DCA_SAMPLE = "basic_dialect/DCA/Example_Astronomy_DCA_VALID.tbx"
# The official samples that are valid TBX (the test files "*_bad" and the poorly formed one are
# refused on purpose).
VALID_SAMPLES = (
    "basic_dialect/DCA/Example_Astronomy_DCA_VALID.tbx",
    "basic_dialect/DCT/Example_Astronomy_DCT_VALID.tbx",
    "min_dialect/DCA/Example_Astronomy_DCA_VALID.tbx",
    "min_dialect/DCT/Example_Astronomy_DCT_VALID.tbx",
    "core_dialect/Example_Astronomy_DCA_VALID.tbx",
    "test_files/basic_good.tbx",
    "test_files/min_good.tbx",
    "test_files/core_structure_good.tbx",
)


def export_bytes(
    database: Database,
    export_format: str = "tbx",
    selection: ExportFilter | None = None,
    *,
    chunk_size: int = 1000,
) -> bytes:
    return b"".join(
        export_termbase(
            database.sessionmaker, ExportFormat(export_format), selection, chunk_size=chunk_size
        )
    )


def import_bytes(
    database: Database,
    data: bytes,
    *,
    merge: str = "id",
    mode: str = "replace",
    dry_run: bool = False,
    user: str = "importer",
    max_bytes: int = 50 * 1024 * 1024,
    **options: Any,
) -> ImportReport:
    """Import ``data`` as the API and the CLI do: commit if accepted and not a dry run."""
    with database.sessionmaker() as session:
        report = import_termbase(
            io.BytesIO(data),
            session=session,
            options=ImportOptions(
                policy=MergePolicy.parse(merge, mode),
                dry_run=dry_run,
                user=user,
                max_bytes=max_bytes,
                **options,
            ),
        )
        if report.accepted and not dry_run:
            session.commit()
            report.committed = True
        else:
            session.rollback()
    return report


def body(document: bytes) -> bytes:
    """A TBX document without its header (which carries the export's date)."""
    return document[document.index(b"<text") :]


def parse(document: bytes) -> etree._ElementTree:
    return etree.parse(io.BytesIO(document), etree.XMLParser(resolve_entities=False))


def state(database: Database) -> dict[str, Any]:
    """Everything an import could change, to check that a refused one changed nothing."""
    with database.sessionmaker() as session:
        return {
            "concepts": session.execute(select(func.count(Concept.id))).scalar_one(),
            "terms": session.execute(select(func.count(Term.id))).scalar_one(),
            "revisions": session.execute(select(func.count(Revision.id))).scalar_one(),
            "generation": session.execute(select(TermbaseState.generation)).scalar_one(),
            "last_concept": session.execute(select(func.max(Concept.id))).scalar_one(),
            "checksum": session.execute(
                text("SELECT COALESCE(SUM(LENGTH(text) + position), 0) FROM term")
            ).scalar_one(),
        }
