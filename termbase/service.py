"""Termbase business logic: create, read, change and delete concepts, keeping their history.

Every function takes the session as a keyword argument and leaves committing to the caller, so a
request (or an import) is one transaction: all of it or none of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
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


def update_concept(concept_id: int, patch: ConceptPatch, *, session: Session, user: str) -> Concept:
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
