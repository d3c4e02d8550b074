"""Which concepts an export takes, read from the database a chunk at a time.

Concepts are read in id order by keyset pagination (``id > last``), each chunk with its terms and
its history in two more queries, so an export holds one chunk in memory whatever the size of the
termbase. :func:`read_snapshot` opens a transaction that sees one state of the termbase from the
first chunk to the last, while other writers go on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import String, and_, case, cast, exists, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from termbase.exchange.records import TRANSACTION_KEY, ExportConcept, ExportTerm, Transaction
from termbase.models import Collection, Concept, Revision, Term

CHUNK_SIZE = 1000

# How the JSON of a revision that keeps a file's transaction starts (records.Transaction).
_TRANSACTION_PREFIX = '{"' + TRANSACTION_KEY + '":%'


@dataclass(frozen=True)
class ExportFilter:
    """What to export; empty means everything.

    ``languages``: only terms in these languages (``fr`` takes ``fr-CA`` too); ``statuses``: only
    terms with these statuses; a concept left with no term is not exported. ``changed_since``:
    concepts created or changed at or after this moment.
    """

    subject_fields: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    changed_since: datetime | None = None
    collections: tuple[str, ...] = ()  # by name

    @property
    def filters_terms(self) -> bool:
        return bool(self.languages or self.statuses)


def _term_condition(selection: ExportFilter) -> ColumnElement[bool] | None:
    conditions: list[ColumnElement[bool]] = []
    if selection.languages:
        conditions.append(
            or_(
                *(
                    or_(Term.lang == lang, Term.lang.like(f"{lang}-%"))
                    for lang in selection.languages
                )
            )
        )
    if selection.statuses:
        conditions.append(Term.status.in_(selection.statuses))
    return and_(*conditions) if conditions else None


def _concept_conditions(selection: ExportFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if selection.subject_fields:
        conditions.append(Concept.subject_field.in_(selection.subject_fields))
    if selection.collections:
        conditions.append(
            Concept.collection_id.in_(
                select(Collection.id).where(Collection.name.in_(selection.collections))
            )
        )
    if selection.changed_since is not None:
        since = selection.changed_since
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        conditions.append(Concept.updated_at >= since)
    term_condition = _term_condition(selection)
    if term_condition is not None:
        conditions.append(exists().where(Term.concept_id == Concept.id, term_condition))
    return conditions


def read_snapshot(session: Session) -> None:
    """Make the session's reads see one state of the termbase until it ends.

    PostgreSQL: a REPEATABLE READ, read-only transaction. SQLite (WAL): an explicit BEGIN, as the
    driver starts no transaction for reads; the reads then share one snapshot of the file.
    Call before anything else on the session; end it with ``session.rollback()``.
    """
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.connection(
            execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        )
    elif bind.dialect.name == "sqlite":
        session.connection().exec_driver_sql("BEGIN")


def count_concepts(session: Session, selection: ExportFilter) -> int:
    query = select(func.count(Concept.id)).where(*_concept_conditions(selection))
    return int(session.execute(query).scalar_one())


def export_languages(session: Session, selection: ExportFilter) -> list[str]:
    """The language tags of the terms an export takes, sorted."""
    query = select(Term.lang).distinct()
    term_condition = _term_condition(selection)
    if term_condition is not None:
        query = query.where(term_condition)
    concept_only = ExportFilter(
        subject_fields=selection.subject_fields,
        changed_since=selection.changed_since,
        collections=selection.collections,
    )
    concept_conditions = _concept_conditions(concept_only)
    if concept_conditions:
        query = query.join(Concept, Concept.id == Term.concept_id).where(*concept_conditions)
    return sorted(session.execute(query).scalars())


def concept_chunks(
    session: Session, selection: ExportFilter, *, chunk_size: int = CHUNK_SIZE
) -> Iterator[list[ExportConcept]]:
    """The selected concepts with their terms and history, ``chunk_size`` at a time, by id."""
    conditions = _concept_conditions(selection)
    term_condition = _term_condition(selection)
    last = 0
    while True:
        rows = session.execute(
            select(
                Concept.id,
                Concept.subject_field,
                Concept.definition,
                Concept.note,
                Concept.source,
                Concept.revision,
                Collection.name.label("collection"),
            )
            .outerjoin(Collection, Collection.id == Concept.collection_id)
            .where(Concept.id > last, *conditions)
            .order_by(Concept.id)
            .limit(chunk_size)
        ).all()
        if not rows:
            return
        concepts = {
            row.id: ExportConcept(
                row.id,
                row.subject_field,
                row.definition,
                row.note,
                row.source,
                row.revision,
                collection=row.collection,
            )
            for row in rows
        }
        first, last = rows[0].id, rows[-1].id
        _read_terms(session, concepts, first, last, term_condition)
        _read_history(session, concepts, first, last)
        yield list(concepts.values())
        if len(rows) < chunk_size:
            return


def _read_terms(
    session: Session,
    concepts: dict[int, ExportConcept],
    first: int,
    last: int,
    term_condition: ColumnElement[bool] | None,
) -> None:
    query = (
        select(
            Term.concept_id,
            Term.lang,
            Term.text,
            Term.status,
            Term.term_type,
            Term.part_of_speech,
            Term.context,
            Term.source,
            Term.note,
        )
        .where(Term.concept_id.between(first, last))
        .order_by(Term.concept_id, Term.position, Term.id)
    )
    if term_condition is not None:
        query = query.where(term_condition)
    for row in session.execute(query):
        concept = concepts.get(row.concept_id)
        if concept is not None:
            concept.terms.append(ExportTerm(*row[1:]))


def _read_history(
    session: Session, concepts: dict[int, ExportConcept], first: int, last: int
) -> None:
    for concept_id, transaction in _history(session, Revision.concept_id.between(first, last)):
        concept = concepts.get(concept_id)
        if concept is not None:
            concept.history.append(transaction)


def _history(session: Session, condition: ColumnElement[bool]) -> Iterator[tuple[int, Transaction]]:
    """Each concept's history, oldest first, as TBX transactions.

    A revision that keeps a file's transaction gives it back as it was read. Any other revision is
    an Alinea write (create → origination, update → modification) at the concept level, except the
    import that brought a concept's history with it: the file's transactions tell that story, and
    the import is not added to it (so export → import → export gives the same history).
    """
    is_transaction = cast(Revision.after, String).like(_TRANSACTION_PREFIX)
    rows = session.execute(
        select(
            Revision.concept_id,
            Revision.generation,
            Revision.action,
            Revision.changed_at,
            Revision.changed_by,
            is_transaction.label("is_transaction"),
            case((is_transaction, Revision.after), else_=None).label("after"),
        )
        .where(condition)
        .order_by(Revision.concept_id, Revision.id)
    ).all()
    carried: set[tuple[int, int]] = {
        (row.concept_id, row.generation) for row in rows if row.is_transaction
    }
    for row in rows:
        if row.is_transaction and isinstance(row.after, dict) and TRANSACTION_KEY in row.after:
            yield row.concept_id, Transaction.from_revision(row.after)
        elif (row.concept_id, row.generation) not in carried:
            yield row.concept_id, Transaction.of_write(row.action, row.changed_at, row.changed_by)
