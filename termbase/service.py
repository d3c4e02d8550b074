"""Termbase business logic: create, read, change and delete concepts, keeping their history.

Every function takes the session as a keyword argument and leaves committing to the caller, so a
request (or an import) is one transaction: all of it or none of it.

Writes to an existing concept are compare-and-set: :func:`claim_concept` raises the concept's
revision in one ``UPDATE concept … WHERE id = :id [AND revision IN (:expected)]`` before anything
else is read or written, and a row count of 0 means the concept is gone (404) or no longer at the
revision the caller read (412). The statement takes the row's write lock (PostgreSQL) or the
database's (SQLite), so of several writers that read the same revision exactly one gets past it;
the others wait for its commit, then find the revision moved on. Every write bumps the termbase's
generation first, as an import does, so writers always take the two locks in the same order.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, func, insert, select, text, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from termbase.diff import diff_snapshots
from termbase.errors import (
    ChangeRefused,
    ConceptChanged,
    ConceptNotFound,
    InvalidCollection,
    InvalidConcept,
    RevisionNotFound,
    TermNotFound,
)
from termbase.fields import CONCEPT_FIELDS, term_columns, term_fields, term_json
from termbase.models import (
    TEAM_COLLECTION,
    TEAM_COLLECTION_ID,
    Concept,
    Revision,
    RevisionAction,
    Term,
    TermbaseState,
    TermStatus,
    utcnow,
)
from termbase.models import Collection as CollectionRow
from termbase.normalize import match_key, primary_language
from termbase.schemas import (
    ConceptIn,
    ConceptOut,
    ConceptPatch,
    PossibleDuplicate,
    RevisionOut,
    TermIn,
    TermItem,
    TermOut,
    TermPatch,
    check_terms,
)


@lru_cache(maxsize=8192)  # an import asks for each term's twice: its row, its duplicates
def term_match_key(text: str, lang: str) -> str:
    """``<primary language>:<normalised key>`` of a term ("" when it has no letters or digits)."""
    key = match_key(text, lang)
    return f"{primary_language(lang)}:{key}" if key else ""


def term_out(term: Term) -> TermOut:
    return TermOut(id=term.id, **term_fields(term))


def collection_id(name: str | None, *, session: Session) -> int:
    """The id of the collection called ``name`` (None: the team's)."""
    if name is None or name == TEAM_COLLECTION:
        return TEAM_COLLECTION_ID
    found = session.execute(select(CollectionRow.id).where(CollectionRow.name == name)).scalar()
    if found is None:
        raise InvalidCollection(f"there is no collection '{name}' (see GET /v1/collections)")
    return int(found)


def concept_out(concept: Concept) -> ConceptOut:
    return ConceptOut(
        id=concept.id,
        revision=concept.revision,
        collection=concept.collection.name if concept.collection is not None else None,
        subject_field=concept.subject_field,
        definition=concept.definition,
        note=concept.note,
        source=concept.source,
        cross_references=concept.cross_references,  # type: ignore[arg-type]  # validated
        created_at=concept.created_at,
        updated_at=concept.updated_at,
        terms=[term_out(t) for t in concept.terms],
    )


def snapshot(concept: Concept) -> dict[str, Any]:
    """The concept as JSON-ready data, for the revision history."""
    return concept_out(concept).model_dump(
        mode="json", exclude={"created_at", "updated_at", "revision", "cross_references"}
    )


def _term_values(data: TermIn) -> dict[str, Any]:
    return {**term_columns(data), "match_key": term_match_key(data.text, data.lang)}


def _new_term(data: TermIn, position: int) -> Term:
    return Term(position=position, **_term_values(data))


def term_item(term: Term) -> TermItem:
    """A stored term as an item of a concept's list of terms (with its id)."""
    return TermItem.model_validate({"id": term.id, **term_fields(term)})


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
    number: int | None,
    generation: int | None = None,
    restored_from: int | None = None,
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
            number=number,
            restored_from=restored_from,
        )
    )


def create_concept(
    data: ConceptIn, *, session: Session, user: str, generation: int | None = None
) -> Concept:
    if generation is None:
        generation = next_generation(session=session)  # first, as every write (see claim_concept)
    concept = Concept(
        subject_field=data.subject_field,
        definition=data.definition,
        note=data.note,
        source=data.source,
        revision=1,
        collection_id=collection_id(data.collection, session=session),
        cross_references=_cross_references(data),
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
        number=1,
        generation=generation,
    )
    return concept


def _cross_references(data: ConceptIn) -> list[dict[str, Any]] | None:
    if not data.cross_references:
        return None
    return [ref.model_dump(exclude_none=True) for ref in data.cross_references]


def get_concept(concept_id: int, *, session: Session) -> Concept:
    """The concept with its terms."""
    query = select(Concept).where(Concept.id == concept_id).options(selectinload(Concept.terms))
    concept = session.execute(query).scalar_one_or_none()
    if concept is None:
        raise ConceptNotFound(concept_id)
    return concept


# -- writes to one concept ------------------------------------------------------------------------


def claim_concept(
    concept_id: int, *, session: Session, expected: Collection[int] | None = None
) -> Concept:
    """Take the concept for a change: raise its revision, if it is at one of ``expected``.

    One guarded ``UPDATE`` (the compare-and-set), then the concept read back as it now stands.
    Raises :class:`ConceptNotFound` if it does not exist (or was deleted meanwhile) and
    :class:`ConceptChanged` if it is at another revision than expected.
    """
    claim = (
        update(Concept)
        .where(Concept.id == concept_id)
        # updated_at as it is: only a change that changes something moves it (see _finish)
        .values(revision=Concept.revision + 1, updated_at=Concept.updated_at)
        .execution_options(synchronize_session=False)
    )
    if expected is not None:
        claim = claim.where(Concept.revision.in_(list(expected)))
    if session.execute(claim).rowcount == 0:  # type: ignore[attr-defined]
        current = session.execute(
            select(Concept.revision).where(Concept.id == concept_id)
        ).scalar_one_or_none()
        if current is None:
            raise ConceptNotFound(concept_id)
        raise ConceptChanged(concept_id, int(current))
    return session.execute(
        select(Concept)
        .where(Concept.id == concept_id)
        .options(selectinload(Concept.terms))
        .execution_options(populate_existing=True)
    ).scalar_one()


def _invalid(message: str, where: list[Any] | None = None) -> InvalidConcept:
    return InvalidConcept([{"loc": where or ["body"], "msg": message, "type": "value_error"}])


def _check(terms: Sequence[TermIn]) -> None:
    if not terms:
        raise _invalid("a concept has at least one term", ["body", "terms"])
    try:
        check_terms(terms)
    except ValueError as exc:
        raise _invalid(str(exc), ["body", "terms"]) from None


def _set_terms(
    concept: Concept, items: Sequence[TermItem], *, session: Session, strict_ids: bool = True
) -> None:
    """Make the concept's terms ``items``, in that order.

    An item with the id of one of the concept's terms changes that term (``strict_ids``: any
    other id is an error; otherwise the item is a new term); an item without one keeps a term of
    the same language and text, if there is one left; every other item is a new term, and the
    terms no item kept are deleted.
    """
    current = list(concept.terms)
    by_id = {term.id: term for term in current}
    chosen: list[Term | None] = []
    taken: set[int] = set()
    for item in items:
        term = by_id.get(item.id) if item.id is not None else None
        if item.id is not None and term is None and strict_ids:
            raise _invalid(
                f"term {item.id} is not a term of concept {concept.id}", ["body", "terms"]
            )
        if term is not None:
            taken.add(term.id)
        chosen.append(term)
    by_key = {(t.lang, t.text): t for t in current if t.id not in taken}
    for index, item in enumerate(items):
        if chosen[index] is None:
            term = by_key.pop((item.lang, item.text), None)
            if term is not None:
                taken.add(term.id)
            chosen[index] = term
    if len(taken) < len(current):
        # the others go first (delete-orphan), before a kept term takes one's text (unique)
        concept.terms = [term for term in current if term.id in taken]
        session.flush()
    final = {
        id(term): (item.lang, item.text)
        for term, item in zip(chosen, items, strict=True)
        if term is not None
    }
    renamed = [t for t in chosen if t is not None and (t.lang, t.text) != final[id(t)]]
    if {final[id(t)] for t in renamed} & {(t.lang, t.text) for t in renamed}:
        # texts that move between terms (a swap) would collide on the way: clear them first
        for term in renamed:
            term.text = f"\u2060renaming {term.id}"
        session.flush()
    for position, (term, item) in enumerate(zip(chosen, items, strict=True)):
        if term is not None:
            term.position = position
            for name, value in _term_values(item).items():
                setattr(term, name, value)
    session.flush()  # kept terms first: a new term may take the text a kept one had
    terms: list[Term] = []
    for position, (term, item) in enumerate(zip(chosen, items, strict=True)):
        terms.append(_new_term(item, position) if term is None else term)
    concept.terms = terms
    session.flush()


def _finish(
    concept: Concept,
    before: dict[str, Any],
    *,
    session: Session,
    user: str,
    generation: int,
    action: RevisionAction = RevisionAction.UPDATE,
    restored_from: int | None = None,
) -> bool:
    """Record the change made to a claimed concept, or give its revision back if there was none."""
    session.flush()
    after = snapshot(concept)
    if after == before:
        # nothing changed: the claim is undone (the row stays locked), the ETag stays valid
        session.execute(
            update(Concept)
            .where(Concept.id == concept.id)
            .values(revision=Concept.revision - 1, updated_at=Concept.updated_at)
            .execution_options(synchronize_session=False)
        )
        set_committed_value(concept, "revision", concept.revision - 1)
        return False
    concept.updated_at = utcnow()
    session.flush()
    _record(
        session,
        concept_id=concept.id,
        action=action,
        user=user,
        before=before,
        after=after,
        number=concept.revision,
        generation=generation,
        restored_from=restored_from,
    )
    return True


def _move(concept: Concept, to: int, session: Session) -> None:
    """Put the concept in collection ``to``."""
    if to != concept.collection_id:
        concept.collection_id = to
        session.flush()
        session.refresh(concept, ["collection"])


def update_concept(
    concept_id: int,
    patch: ConceptPatch,
    *,
    session: Session,
    user: str,
    generation: int | None = None,
    expected: Collection[int] | None = None,
) -> Concept:
    """Change the fields the patch gives; its terms, when given, replace the concept's.

    ``expected``: the revisions the change may be based on (If-Match); None takes any.
    """
    if patch.id is not None and patch.id != concept_id:
        raise _invalid(f"the body is concept {patch.id}, not concept {concept_id}", ["body", "id"])
    if patch.revision is not None:
        expected = (
            {patch.revision} if expected is None else {r for r in expected if r == patch.revision}
        )
    if generation is None:
        generation = next_generation(session=session)
    concept = claim_concept(concept_id, session=session, expected=expected)
    before = snapshot(concept)
    for name, value in patch.field_changes().items():
        setattr(concept, name, value)
    if patch.collection is not None:
        _move(concept, collection_id(patch.collection, session=session), session)
    if patch.terms is not None:
        _set_terms(concept, patch.terms, session=session)
    _finish(concept, before, session=session, user=user, generation=generation)
    return concept


def add_term(
    concept_id: int,
    data: TermIn,
    *,
    session: Session,
    user: str,
    expected: Collection[int] | None = None,
) -> tuple[Concept, Term]:
    """Add one term to the concept (at the end); the concept stays valid as a whole."""
    generation = next_generation(session=session)
    concept = claim_concept(concept_id, session=session, expected=expected)
    before = snapshot(concept)
    items = [term_item(t) for t in concept.terms]
    new = TermItem.model_validate({**data.model_dump(), "id": None})
    if any((t.lang, t.text) == (new.lang, new.text) for t in items):
        raise _invalid(f"the concept has the term '{new.text}' ({new.lang}) already", ["body"])
    _check([*items, new])
    _set_terms(concept, [*items, new], session=session)
    _finish(concept, before, session=session, user=user, generation=generation)
    return concept, concept.terms[-1]


def update_term(
    concept_id: int,
    term_id: int,
    patch: TermPatch,
    *,
    session: Session,
    user: str,
    expected: Collection[int] | None = None,
) -> tuple[Concept, Term]:
    """Change the fields of one term that the patch gives."""
    if patch.id is not None and patch.id != term_id:
        raise _invalid(f"the body is term {patch.id}, not term {term_id}", ["body", "id"])
    generation = next_generation(session=session)
    concept = claim_concept(concept_id, session=session, expected=expected)
    before = snapshot(concept)
    items = [term_item(t) for t in concept.terms]
    index = next((i for i, t in enumerate(items) if t.id == term_id), None)
    if index is None:
        raise TermNotFound(concept_id, term_id)
    changes = patch.model_dump(exclude_unset=True, exclude={"id"})
    items[index] = items[index].model_copy(update=changes)
    _check(items)
    _set_terms(concept, items, session=session)
    _finish(concept, before, session=session, user=user, generation=generation)
    term = next(t for t in concept.terms if t.id == term_id)
    return concept, term


def delete_term(
    concept_id: int,
    term_id: int,
    *,
    session: Session,
    user: str,
    expected: Collection[int] | None = None,
) -> Concept:
    """Remove one term; a concept's last term cannot go (delete the concept instead)."""
    generation = next_generation(session=session)
    concept = claim_concept(concept_id, session=session, expected=expected)
    before = snapshot(concept)
    items = [term_item(t) for t in concept.terms]
    if not any(t.id == term_id for t in items):
        raise TermNotFound(concept_id, term_id)
    if len(items) == 1:
        raise ChangeRefused(
            f"term {term_id} is the last term of concept {concept_id}; a concept keeps at least "
            "one term (delete the concept instead)"
        )
    _set_terms(concept, [t for t in items if t.id != term_id], session=session)
    _finish(concept, before, session=session, user=user, generation=generation)
    return concept


def delete_concept(
    concept_id: int,
    *,
    session: Session,
    user: str,
    expected: Collection[int] | None = None,
) -> None:
    generation = next_generation(session=session)
    concept = claim_concept(concept_id, session=session, expected=expected)
    before = snapshot(concept)
    number = concept.revision
    session.delete(concept)
    session.flush()
    _record(
        session,
        concept_id=concept_id,
        action=RevisionAction.DELETE,
        user=user,
        before=before,
        after=None,
        number=number,
        generation=generation,
    )


def restore_revision(
    concept_id: int,
    number: int,
    *,
    session: Session,
    user: str,
    expected: Collection[int] | None = None,
) -> Concept:
    """Bring the concept back to what it was at revision ``number``, as a new revision.

    A deleted concept comes back under its own id, its history going on where it stopped.
    """
    revisions = {
        int(row.number): row
        for row in session.execute(
            select(Revision).where(Revision.concept_id == concept_id, Revision.number.is_not(None))
        ).scalars()
        if row.number is not None
    }
    if not revisions:
        raise ConceptNotFound(concept_id)
    chosen = revisions.get(number)
    if chosen is None:
        raise RevisionNotFound(concept_id, number)
    state = chosen.after
    if chosen.action == RevisionAction.DELETE.value or not state:
        raise RevisionNotFound(
            concept_id,
            number,
            f"revision {number} of concept {concept_id} is its deletion; restore the one before",
        )
    fields: dict[str, Any] = {name: state.get(name) for name in CONCEPT_FIELDS}
    if state.get("collection"):
        fields["collection"] = state["collection"]
    try:
        items = [TermItem.model_validate(term) for term in state.get("terms") or ()]
        data = ConceptIn.model_validate(
            {**fields, "terms": [t.model_dump(exclude={"id"}) for t in items]}
        )
    except ValueError as exc:  # a revision written under older rules
        raise _invalid(f"revision {number} cannot be restored: {exc}") from None
    generation = next_generation(session=session)
    exists = session.execute(select(Concept.id).where(Concept.id == concept_id)).scalar()
    if exists is None:
        last = max(revisions)
        if expected is not None:
            raise ConceptChanged(concept_id, last)
        return _recreate(concept_id, data, items, last + 1, number, session=session, user=user,
                         generation=generation)  # fmt: skip
    concept = claim_concept(concept_id, session=session, expected=expected)
    before = snapshot(concept)
    for name in CONCEPT_FIELDS:
        setattr(concept, name, getattr(data, name))
    if data.collection is not None:
        # a collection since deleted: the concept stays where it is
        with contextlib.suppress(InvalidCollection):
            _move(concept, collection_id(data.collection, session=session), session)
    _set_terms(concept, items, session=session, strict_ids=False)
    _finish(
        concept,
        before,
        session=session,
        user=user,
        generation=generation,
        action=RevisionAction.RESTORE,
        restored_from=number,
    )
    return concept


def _recreate(
    concept_id: int,
    data: ConceptIn,
    items: Sequence[TermItem],
    revision: int,
    restored_from: int,
    *,
    session: Session,
    user: str,
    generation: int,
) -> Concept:
    """A deleted concept back under its id; its terms keep their ids where no other term has
    taken them."""
    wanted = [item.id for item in items if item.id is not None]
    taken = set(session.execute(select(Term.id).where(Term.id.in_(wanted))).scalars())
    try:
        kept_in = collection_id(data.collection, session=session)
    except InvalidCollection:
        kept_in = TEAM_COLLECTION_ID
    concept = Concept(
        id=concept_id,
        subject_field=data.subject_field,
        definition=data.definition,
        note=data.note,
        source=data.source,
        revision=revision,
        collection_id=kept_in,
    )
    for position, (item, term_data) in enumerate(zip(items, data.terms, strict=True)):
        term = _new_term(term_data, position)
        if item.id is not None and item.id not in taken:
            term.id = item.id
        concept.terms.append(term)
    session.add(concept)
    session.flush()
    _record(
        session,
        concept_id=concept_id,
        action=RevisionAction.RESTORE,
        user=user,
        before=None,
        after=snapshot(concept),
        number=revision,
        generation=generation,
        restored_from=restored_from,
    )
    return concept


# -- reading --------------------------------------------------------------------------------------


def list_concepts(
    *,
    session: Session,
    after_id: int = 0,
    limit: int = 50,
    subject_field: str | None = None,
    collection: str | None = None,
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
    if collection is not None:
        query = query.where(Concept.collection_id == collection_id(collection, session=session))
    return list(session.execute(query).scalars())


def _is_snapshot(value: dict[str, Any] | None) -> bool:
    return value is None or "transaction" not in value


def concept_history(concept_id: int, *, session: Session) -> list[RevisionOut]:
    """Every change to the concept, oldest first, each with what it changed."""
    revisions = session.execute(
        select(Revision).where(Revision.concept_id == concept_id).order_by(Revision.id)
    ).scalars()
    result = [
        RevisionOut(
            id=r.id,
            concept_id=r.concept_id,
            revision=r.number,
            action=r.action,
            changed_at=r.changed_at,
            changed_by=r.changed_by,
            restored_from=r.restored_from,
            changes=diff_snapshots(r.before, r.after)
            if _is_snapshot(r.before) and _is_snapshot(r.after)
            else [],
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


# -- possible duplicates --------------------------------------------------------------------------

_USABLE = (TermStatus.PREFERRED.value, TermStatus.ADMITTED.value)


def headwords(terms: Iterable[tuple[str, str, str]]) -> dict[str, tuple[str, str]]:
    """A concept's main term per language (primary subtag) from its (lang, text, status):
    the preferred term, else the first admitted one. Deprecated terms never count."""
    chosen: dict[str, tuple[str, str, str]] = {}
    for lang, written, status in terms:
        primary = primary_language(lang)
        held = chosen.get(primary)
        preferred = status == TermStatus.PREFERRED.value
        if (preferred and (held is None or held[2] != status)) or (
            status in _USABLE and held is None
        ):
            chosen[primary] = (lang, written, status)
    return {primary: (lang, written) for primary, (lang, written, _) in chosen.items()}


def find_possible_duplicates(
    concepts: Mapping[int | None, Sequence[tuple[str, str, str]]], *, session: Session
) -> dict[int | None, list[PossibleDuplicate]]:
    """For each concept (its id, None for one not written; its terms as (lang, text, status)),
    the other concepts whose main term in a language has the same normalised key as its own."""
    wanted: dict[str, list[tuple[int | None, str]]] = {}  # key → (concept, its text)
    for concept_id, terms in concepts.items():
        for lang, written in headwords(terms).values():
            key = term_match_key(written, lang)
            if key:
                wanted.setdefault(key, []).append((concept_id, written))
    found: dict[int | None, list[PossibleDuplicate]] = {c: [] for c in concepts}
    if not wanted:
        return found
    candidates: set[int] = set()
    for other, key in _key_holders(list(wanted), session=session):
        if any(concept_id != other for concept_id, _ in wanted[key]):
            candidates.add(other)
    if not candidates:
        return found
    other_terms: dict[int, list[tuple[str, str, str]]] = {}
    listed = sorted(candidates)
    for start in range(0, len(listed), 500):
        for row in session.execute(
            select(Term.concept_id, Term.lang, Term.text, Term.status)
            .where(Term.concept_id.in_(listed[start : start + 500]))
            .order_by(Term.concept_id, Term.position, Term.id)
        ):
            other_terms.setdefault(row.concept_id, []).append((row.lang, row.text, row.status))
    for other, terms in sorted(other_terms.items()):
        for lang, written in headwords(terms).values():
            for concept_id, mine in wanted.get(term_match_key(written, lang), ()):
                if concept_id == other:
                    continue
                found[concept_id].append(
                    PossibleDuplicate(
                        concept_id=other,
                        lang=lang,
                        term=written,
                        matches=mine,
                        reason="same term" if written == mine else "same normalised key",
                    )
                )
    return found


def _key_holders(keys: list[str], *, session: Session) -> Iterator[Any]:
    """(concept id, key) of every preferred or admitted term with one of these keys.

    Plain driver SQL: an import asks this for every chunk, and SQLAlchemy's statement and row
    handling cost more than the look-up. PostgreSQL: one array parameter, and the look-up by
    the key's index: inside an import the term table grows in the import's own transaction,
    where the planner has no statistics of it and chose a sequential scan for each chunk
    (measured: ~3 s a chunk once 200,000 terms are in, against milliseconds by the index).
    """
    connection = session.connection()
    usable = ", ".join(f"'{status}'" for status in _USABLE)
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        try:
            yield from connection.exec_driver_sql(
                "SELECT concept_id, match_key FROM term WHERE match_key = ANY(%s) "
                f"AND status IN ({usable})",
                (keys,),
            )
        finally:
            connection.exec_driver_sql("RESET enable_seqscan")
        return
    for start in range(0, len(keys), 1000):
        part = keys[start : start + 1000]
        yield from connection.exec_driver_sql(
            f"SELECT concept_id, match_key FROM term WHERE match_key IN "
            f"({', '.join('?' for _ in part)}) AND status IN ({usable})",
            tuple(part),
        )


def possible_duplicates(concept: Concept, *, session: Session) -> list[PossibleDuplicate]:
    terms = [(t.lang, t.text, t.status) for t in concept.terms]
    return find_possible_duplicates({concept.id: terms}, session=session)[concept.id]


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
    revision: int = 1  # a concept restored under its id may go on at the revision it was at


def _term_row(data: TermIn, concept_id: int, position: int) -> dict[str, Any]:
    return {"concept_id": concept_id, "position": position, **_term_values(data)}


def _snapshot_of_rows(concept_id: int, data: ConceptIn, term_ids: Sequence[int]) -> dict[str, Any]:
    """What :func:`snapshot` gives for the concept once created, without loading it back."""
    return {
        "id": concept_id,
        "collection": data.collection or TEAM_COLLECTION,
        "subject_field": data.subject_field,
        "definition": data.definition,
        "note": data.note,
        "source": data.source,
        "terms": [
            {"id": term_id, **term_json(term)}
            for term_id, term in zip(term_ids, data.terms, strict=True)
        ],
    }


def _new_ids(session: Session, table: str, count: int) -> list[int]:
    """``count`` fresh ids for ``table`` (``concept`` or ``term``).

    PostgreSQL: from the table's sequence, as an INSERT would take them. SQLite: above the
    largest id ever used (the AUTOINCREMENT counter), as SQLite would, which moves the counter
    past them as they are inserted; the caller's transaction has written already (the
    generation), so it holds SQLite's write lock and no one else can take them meanwhile.
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
    largest = session.execute(
        text(
            "SELECT MAX(COALESCE(m, 0)) FROM (SELECT seq AS m FROM sqlite_sequence "
            f"WHERE name = '{table}' UNION ALL SELECT MAX(id) FROM {table})"
        )
    ).scalar_one()
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
    collections: dict[str | None, int] = {}
    for item in items:
        name = item.data.collection
        if name not in collections:
            collections[name] = collection_id(name, session=session)
    kept = [item for item in items if item.concept_id is not None]
    if kept:  # first, and the id sequence moved past them, so that new ids are taken above
        _insert(
            session,
            Concept.__table__,
            [
                _concept_row(item, item.concept_id, now, collections)
                for item in kept
                if item.concept_id
            ],
        )
        catch_up_id_sequence(session=session)
    fresh = iter(_new_ids(session, "concept", len(items) - len(kept)))
    ids = [item.concept_id if item.concept_id is not None else next(fresh) for item in items]
    _insert(
        session,
        Concept.__table__,
        [
            _concept_row(item, concept_id, now, collections)
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
                "number": item.revision,
                "restored_from": None,
            }
        )
    _insert(session, Term.__table__, term_rows)
    record_revisions(revision_rows, session=session)
    return ids


def _concept_row(
    item: NewConcept, concept_id: int, now: datetime, collections: Mapping[str | None, int]
) -> dict[str, Any]:
    return {
        "id": concept_id,
        "subject_field": item.data.subject_field,
        "definition": item.data.definition,
        "note": item.data.note,
        "source": item.data.source,
        "created_at": item.created_at or now,
        "updated_at": now,
        "revision": item.revision,
        "collection_id": collections[item.data.collection],
        "cross_references": _cross_references(item.data),
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
    after, number, restored_from``) in multi-row INSERTs."""
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
            "number": None,
            "restored_from": None,
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
