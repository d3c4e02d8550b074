"""A termbase import as one unit of work, the same for the service and the command line."""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

from sqlalchemy.orm import Session

from app.db import Database, after_commit
from termbase.exchange.importer import ImportOptions, ImportReport, import_termbase


def import_file(
    database: Database,
    source: BinaryIO,
    options: ImportOptions,
    *,
    then: Callable[[Session], None] | None = None,
) -> ImportReport:
    """Import ``source`` all or nothing: written if the report is accepted and it is not a dry
    run (then ``then`` runs, once committed), else everything it wrote is rolled back."""
    with database.session() as session:
        report = import_termbase(source, session=session, options=options)
        if report.accepted and not options.dry_run:
            report.committed = True
            if then is not None:
                after_commit(session, then)
        else:
            session.rollback()
    return report
