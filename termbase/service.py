"""Termbase business logic: create, read, change and delete concepts, keeping their history.

Every function takes the session as a keyword argument and leaves committing to the caller, so a
request (or an import) is one transaction: all of it or none of it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, func, insert, select, text, update
from sqlalchemy.orm import Session, selectinload

from termbase.errors import ConceptNotFound
from termbase.models import Concept, Revision, RevisionAction, Term, TermbaseState, utcnow
from termbase.schemas import ConceptIn, ConceptOut, ConceptPatch, RevisionOut, TermIn, TermOut

CONCEPT_FIELDS = ("subject_field", "definition", "note", "source")


def term_out(term: Term) -> TermOut:
    return TermOut(
        id=term.id,
        lang=term.lang,
        text=term.text,
        status=term.status,  # type: ignore[arg-type]
        type=term.term_type,  # type: ignore[arg-type]
        part_of_speech=term.part_of_speech,  # type: ignore[arg-type]
        context=term.context,
        source=term.source,
        note=term.note,
    )


def concept_out(concept: Concept) -> ConceptOut:
    return ConceptOut(
        id=concept.id,
        subject_field=concept.subject_field,
        definition=concept.definition,
        note=concept.note,
        source=concept.source,
        created_at=concept.created_at,
        updated_at=concept.updated_at,
        terms=[term_out(t) for t in concept.terms],
    )


def snapshot(concept: Concept) -> dict[str, Any]:
    """The concept as JSON-ready data, for the revision history."""
    return concept_out(concept).model_dump(mode="json", exclude={"created_at", "updated_at"})


def _new_term(data: TermIn, position: int) -> Term:
    return Term(
        position=position,
        lang=data.lang,
        text=data.text,
        status=data.status.value,
        term_type=data.type.value,
        part_of_speech=data.part_of_speech.value if data.part_of_speech else None,
        context=data.context,
        source=data.source,
        note=data.note,
    )


def next_generation(*, session: Session) -> int:
    """Bump the termbase's change counter in this transaction and return the new value.

    The row update also serialises concurrent writers, so generations are committed in order.
    """
    generation = session.execute(
        update(TermbaseState)
        .where(TermbaseState.id == 1)
        .values(generation=TermbaseState.generation + 1)
        .returning(TermbaseState.generation)
    ).scalar_one()
    return int(generation)


def current_generation(*, session: Session) -> int:
    value = session.execute(
        select(TermbaseState.generation).where(TermbaseState.id == 1)
    ).scalar_one_or_none()
    return int(value or 0)


def _record(
    session: Session,
    *,
    concept_id: int,
    action: RevisionAction,
    user: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    generation: int | None = None,
) -> None:
    if generation is None:
        generation = next_generation(session=session)
    session.add(
        Revision(
            concept_id=concept_id,
            generation=generation,
            action=action.value,
            changed_at=utcnow(),
            changed_by=user,
            before=before,
            after=after,
        )
    )


def create_concept(
    data: ConceptIn, *, session: Session, user: str, generation: int | None = None
) -> Concept:
    concept = Concept(
        subject_field=data.subject_field,
        definition=data.definition,
        note=data.note,
        source=data.source,
        terms=[_new_term(t, i) for i, t in enumerate(data.terms)],
    )
    session.add(concept)
    session.flush()
    _record(
        session,
        concept_id=concept.id,
        action=RevisionAction.CREATE,
        user=user,
        before=None,
        after=snapshot(concept),
        generation=generation,
    )
    return concept


def get_concept(concept_id: int, *, session: Session, for_update: bool = False) -> Concept:
    """The concept with its terms; ``for_update`` locks its row until the transaction ends."""
    query = select(Concept).where(Concept.id == concept_id).options(selectinload(Concept.terms))
    if for_update:
        query = query.with_for_update()
    concept = session.execute(query).scalar_one_or_none()
    if concept is None:
        raise ConceptNotFound(concept_id)
    return concept


def update_concept(
    concept_id: int,
    patch: ConceptPatch,
    *,
    session: Session,
    user: str,
    generation: int | None = None,
) -> Concept:
    concept = get_concept(concept_id, session=session)
    before = snapshot(concept)
    changes = patch.model_dump(exclude_unset=True, exclude={"terms"})
    for field, value in changes.items():
        setattr(concept, field, value)
    if patch.terms is not None:
        _replace_terms(concept, patch.terms, session=session)
    session.flush()
    after = snapshot(concept)
    if after == before:
        return concept
    concept.updated_at = utcnow()
    _record(
        session,
        concept_id=concept.id,
        action=RevisionAction.UPDATE,
        user=user,
        before=before,
        after=after,
        generation=generation,
    )
    return concept


def _replace_terms(concept: Concept, terms: Sequence[TermIn], *, session: Session) -> None:
    """Replace the concept's terms, keeping the rows (and ids) of terms that stay."""
    existing = {(t.lang, t.text): t for t in concept.terms}
    kept: list[Term] = []
    for position, data in enumerate(terms):
        term = existing.pop((data.lang, data.text), None)
        if term is None:
            term = _new_term(data, position)
        else:
            term.position = position
            term.status = data.status.value
            term.term_type = data.type.value
            term.part_of_speech = data.part_of_speech.value if data.part_of_speech else None
            term.context = data.context
            term.source = data.source
            term.note = data.note
        kept.append(term)
    concept.terms = kept
    session.flush()


def delete_concept(concept_id: int, *, session: Session, user: str) -> None:
    concept = get_concept(concept_id, session=session)
    before = snapshot(concept)
    session.delete(concept)
    session.flush()
    _record(
        session,
        concept_id=concept_id,
        action=RevisionAction.DELETE,
        user=user,
        before=before,
        after=None,
    )


def list_concepts(
    *,
    session: Session,
    after_id: int = 0,
    limit: int = 50,
    subject_field: str | None = None,
) -> list[Concept]:
    query = (
        select(Concept)
        .where(Concept.id > after_id)
        .order_by(Concept.id)
        .limit(limit)
        .options(selectinload(Concept.terms))
    )
    if subject_field is not None:
        query = query.where(Concept.subject_field == subject_field)
    return list(session.execute(query).scalars())


def concept_history(concept_id: int, *, session: Session) -> list[RevisionOut]:
    revisions = session.execute(
        select(Revision).where(Revision.concept_id == concept_id).order_by(Revision.id)
    ).scalars()
    result = [
        RevisionOut(
            id=r.id,
            concept_id=r.concept_id,
            action=r.action,
            changed_at=r.changed_at,
            changed_by=r.changed_by,
            before=r.before,
            after=r.after,
        )
        for r in revisions
    ]
    if not result:
        raise ConceptNotFound(concept_id)
    return result


def count_concepts(*, session: Session) -> int:
    return int(session.execute(select(func.count(Concept.id))).scalar_one())


# -- many concepts at once (imports) --------------------------------------------------------------

# Rows per INSERT statement of the bulk writes.
BULK_ROWS = 1000


@dataclass
class HistoryEntry:
    """A revision kept from elsewhere (a file's transaction): when, by whom, and its ``after``."""

    action: RevisionAction
    changed_at: datetime
    changed_by: str
    after: dict[str, Any]


@dataclass
class NewConcept:
    """A concept for :func:`create_concepts`.

    ``concept_id`` keeps that id (an import restoring a concept it knows); None takes a new one.
    ``history`` is recorded before the concept's own create revision.
    """

    data: ConceptIn
    concept_id: int | None = None
    created_at: datetime | None = None
    history: Sequence[HistoryEntry] = dataclass_field(default_factory=list)


def _term_row(data: TermIn, concept_id: int, position: int) -> dict[str, Any]:
    return {
        "concept_id": concept_id,
        "position": position,
        "lang": data.lang,
        "text": data.text,
        "status": data.status.value,
        "term_type": data.type.value,
        "part_of_speech": data.part_of_speech.value if data.part_of_speech else None,
        "context": data.context,
        "source": data.source,
        "note": data.note,
    }


def _snapshot_of_rows(concept_id: int, data: ConceptIn, term_ids: Sequence[int]) -> dict[str, Any]:
    """What :func:`snapshot` gives for the concept once created, without loading it back."""
    return {
        "id": concept_id,
        "subject_field": data.subject_field,
        "definition": data.definition,
        "note": data.note,
        "source": data.source,
        "terms": [
            {
                "id": term_id,
                "lang": term.lang,
                "text": term.text,
                "status": term.status.value,
                "type": term.type.value,
                "part_of_speech": term.part_of_speech.value if term.part_of_speech else None,
                "context": term.context,
                "source": term.source,
                "note": term.note,
            }
            for term_id, term in zip(term_ids, data.terms, strict=True)
        ],
    }


def _new_ids(session: Session, table: str, count: int) -> list[int]:
    """``count`` fresh ids for ``table`` (``concept`` or ``term``).

    PostgreSQL: from the table's sequence, as an INSERT would take them. SQLite: above the
    largest id, as SQLite would; the caller's transaction has written already (the generation),
    so it holds SQLite's write lock and no one else can take them meanwhile.
    """
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text(
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                "FROM generate_series(1, :count)"
            ),
            {"count": count},
        ).scalars()
        return [int(value) for value in rows]
    largest = session.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar_one()
    return list(range(int(largest) + 1, int(largest) + 1 + count))


def create_concepts(
    items: Sequence[NewConcept], *, session: Session, user: str, generation: int
) -> list[int]:
    """Create many concepts with a few multi-row INSERTs; return their ids, in order.

    The same rows and revisions as :func:`create_concept` (one create revision per concept, with
    its snapshot, stamped ``generation``), written as Core bulk inserts so that an import of
    100,000 concepts takes seconds. Call it after :func:`next_generation` in the same
    transaction. Ids given in ``concept_id`` must be free.
    """
    if not items:
        return []
    now = utcnow()
    kept = [item for item in items if item.concept_id is not None]
    if kept:  # first, and the id sequence moved past them, so that new ids are taken above
        _insert(
            session,
            Concept.__table__,
            [_concept_row(item, item.concept_id, now) for item in kept if item.concept_id],
        )
        catch_up_id_sequence(session=session)
    fresh = iter(_new_ids(session, "concept", len(items) - len(kept)))
    ids = [item.concept_id if item.concept_id is not None else next(fresh) for item in items]
    _insert(
        session,
        Concept.__table__,
        [
            _concept_row(item, concept_id, now)
            for item, concept_id in zip(items, ids, strict=True)
            if item.concept_id is None
        ],
    )
    term_ids = iter(_new_ids(session, "term", sum(len(item.data.terms) for item in items)))
    term_rows: list[dict[str, Any]] = []
    revision_rows: list[dict[str, Any]] = []
    for item, concept_id in zip(items, ids, strict=True):
        these = [next(term_ids) for _ in item.data.terms]
        term_rows.extend(
            {"id": term_id, **_term_row(term, concept_id, position)}
            for position, (term_id, term) in enumerate(zip(these, item.data.terms, strict=True))
        )
        revision_rows.extend(history_entry_rows(concept_id, item.history, generation=generation))
        revision_rows.append(
            {
                "concept_id": concept_id,
                "generation": generation,
                "action": RevisionAction.CREATE.value,
                "changed_at": now,
                "changed_by": user,
                "before": None,
                "after": _snapshot_of_rows(concept_id, item.data, these),
            }
        )
    _insert(session, Term.__table__, term_rows)
    record_revisions(revision_rows, session=session)
    return ids


def _concept_row(item: NewConcept, concept_id: int, now: datetime) -> dict[str, Any]:
    return {
        "id": concept_id,
        "subject_field": item.data.subject_field,
        "definition": item.data.definition,
        "note": item.data.note,
        "source": item.data.source,
        "created_at": item.created_at or now,
        "updated_at": now,
    }


def _insert(session: Session, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Write ``rows`` (dicts with the same keys) into ``table`` in bulk, in the session's
    transaction.

    SQLite: the driver's executemany, the values converted by the columns' own SQLAlchemy types
    (UTC datetimes, JSON). PostgreSQL: COPY, JSON written as SQLAlchemy writes it. Both skip
    SQLAlchemy's per-row work: a 100,000-concept import takes a third of the time.
    """
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        _copy(session, table, rows)
        return
    if dialect != "sqlite":
        for start in range(0, len(rows), BULK_ROWS):
            session.execute(insert(table), list(rows[start : start + BULK_ROWS]))
        return
    connection = session.connection()
    columns = list(rows[0])
    convert = [table.c[name].type.bind_processor(connection.dialect) for name in columns]
    statement = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    for start in range(0, len(rows), BULK_ROWS):
        connection.exec_driver_sql(
            statement,
            [
                tuple(
                    value if process is None else process(value)
                    for value, process in zip(row.values(), convert, strict=True)
                )
                for row in rows[start : start + BULK_ROWS]
            ],
        )


def _copy(session: Session, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """PostgreSQL COPY of ``rows`` into ``table`` (psycopg 3), on the session's connection."""
    columns = list(rows[0])
    as_json = [isinstance(table.c[name].type, JSON) for name in columns]
    driver = session.connection().connection.driver_connection
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row(
                [
                    json.dumps(value) if is_json else value
                    for value, is_json in zip(row.values(), as_json, strict=True)
                ]
            )


def record_revisions(rows: Sequence[dict[str, Any]], *, session: Session) -> None:
    """Insert revision rows (``concept_id, generation, action, changed_at, changed_by, before,
    after``) in multi-row INSERTs."""
    _insert(session, Revision.__table__, rows)


def history_entry_rows(
    concept_id: int, entries: Sequence[HistoryEntry], *, generation: int
) -> list[dict[str, Any]]:
    return [
        {
            "concept_id": concept_id,
            "generation": generation,
            "action": entry.action.value,
            "changed_at": entry.changed_at,
            "changed_by": entry.changed_by,
            "before": None,
            "after": entry.after,
        }
        for entry in entries
    ]


def catch_up_id_sequence(*, session: Session) -> None:
    """After inserting concepts with given ids, make new ids start above them (PostgreSQL).

    The sequence only ever moves forward, so an id once handed out is not handed out again.
    SQLite takes the largest id plus one by itself.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    sequence = session.execute(text("SELECT pg_get_serial_sequence('concept', 'id')")).scalar()
    if not sequence:
        return
    session.execute(
        text(
            "SELECT setval(CAST(:sequence AS regclass), m) FROM (SELECT MAX(id) AS m FROM concept) "
            "AS c WHERE m IS NOT NULL AND m > (SELECT CASE WHEN is_called THEN last_value "
            f"ELSE last_value - 1 END FROM {sequence})"
        ),
        {"sequence": sequence},
    )
