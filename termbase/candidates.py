"""The review queue of term candidates: pairs mined from aligned documents, awaiting a decision.

Term extraction (``termbase.extraction``) proposes French/English pairs with a score, a frequency
and example beads; :func:`propose` stores each new pair as a concept of the ``candidates``
collection (two admitted terms; look-up and recognition leave that collection out unless asked)
with a :class:`~termbase.models.TermCandidate` row that keeps the measures. A terminologist then:

* **accepts** it (:func:`accept`): the concept moves to the team's collection, its terms become
  preferred, the first example bead is each term's context and the source job the source;
* **edits** it (:func:`edit`): changes either term before deciding;
* **rejects** it (:func:`reject`): the concept is deleted and the pair's key is kept, so the pair
  is never proposed again.

A pair is known by its normalised keys (``fr:victime de la traite|en:victim of trafficking``):
inflected variants count as the same pair. Pairs the termbase knows already (``known``) are not
queued. Nothing here commits: the caller does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from termbase import service
from termbase.errors import CandidateNotFound, ChangeRefused
from termbase.extraction import Example
from termbase.models import (
    CANDIDATES_COLLECTION,
    MAX_LONG_FIELD_LENGTH,
    TEAM_COLLECTION,
    CandidateStatus,
    TermCandidate,
    utcnow,
)
from termbase.schemas import ConceptIn, ConceptPatch, TermItem

MAX_EXAMPLES = 5


class ExampleLike(Protocol):
    ref: str
    fr: str
    en: str


class CandidateLike(Protocol):
    """What :func:`propose` reads of a candidate: ``termbase.extraction.TermCandidate`` has it,
    and so does :class:`CandidateIn`."""

    @property
    def fr(self) -> str: ...
    @property
    def en(self) -> str: ...
    @property
    def frequency(self) -> int: ...
    @property
    def score(self) -> float: ...
    @property
    def examples(self) -> Sequence[Any]: ...


@dataclass(slots=True)
class CandidateIn:
    """A plain candidate pair, for callers without the extraction module's own records."""

    fr: str
    en: str
    frequency: int = 1
    score: float = 0.0
    examples: list[Example] = field(default_factory=list)
    known: bool = False


@dataclass
class ProposeReport:
    queued: int = 0  # new pairs put in the queue
    updated: int = 0  # pairs pending already, their measures brought up to date
    known: int = 0  # pairs the termbase has already
    rejected_before: int = 0  # pairs rejected before: not proposed again
    accepted_before: int = 0
    invalid: int = 0  # not a valid term pair (empty, too long …)
    candidate_ids: list[int] = field(default_factory=list)


def pair_key(fr: str, en: str) -> str:
    """The pair's identity: both terms' normalised keys (inflection and case folded)."""
    return f"{service.term_match_key(fr, 'fr')}|{service.term_match_key(en, 'en')}"


def _examples(examples: Sequence[Any]) -> list[dict[str, Any]]:
    kept = []
    for example in list(examples)[:MAX_EXAMPLES]:
        if isinstance(example, dict):
            ref, fr, en = example.get("ref"), example.get("fr"), example.get("en")
        else:
            ref, fr, en = (getattr(example, name, None) for name in ("ref", "fr", "en"))
        kept.append(
            {
                "ref": str(ref or "")[:200],
                "fr": str(fr or "")[:2000],
                "en": str(en or "")[:2000],
            }
        )
    return kept


def propose(
    session: Session,
    candidates: Iterable[CandidateLike],
    *,
    source: str | None = None,
    user: str = "alinea-extraction",
) -> ProposeReport:
    """Queue the candidates the termbase does not know, has not queued and was not told to
    forget; bring the measures of pairs already pending up to date. ``source``: where they were
    mined (``job 42``), kept as the concepts' and the accepted terms' source."""
    report = ProposeReport()
    incoming: dict[str, CandidateLike] = {}
    for candidate in candidates:
        if getattr(candidate, "known", False):
            report.known += 1
            continue
        fr, en = " ".join(str(candidate.fr).split()), " ".join(str(candidate.en).split())
        key = pair_key(fr, en)
        if not fr or not en or key.startswith("|") or key.endswith("|") or len(key) > 2401:
            report.invalid += 1
            continue
        incoming.setdefault(key, candidate)
    if not incoming:
        return report
    stored = {
        row.pair_key: row
        for start in range(0, len(incoming), 500)
        for row in session.execute(
            select(TermCandidate).where(
                TermCandidate.pair_key.in_(list(incoming)[start : start + 500])
            )
        ).scalars()
    }
    new: list[tuple[str, CandidateLike, ConceptIn]] = []
    for key, candidate in incoming.items():
        row = stored.get(key)
        if row is not None:
            if row.status == CandidateStatus.REJECTED.value:
                report.rejected_before += 1
            elif row.status == CandidateStatus.ACCEPTED.value:
                report.accepted_before += 1
            else:
                row.score = float(candidate.score)
                row.frequency = int(candidate.frequency)
                row.examples = _examples(candidate.examples)
                report.updated += 1
            continue
        try:
            data = ConceptIn.model_validate(
                {
                    "collection": CANDIDATES_COLLECTION,
                    "source": source,
                    "note": f"Term candidate: score {float(candidate.score):.3f}, "
                    f"{int(candidate.frequency)} aligned beads.",
                    "terms": [
                        {"lang": "fr", "text": candidate.fr, "status": "admitted"},
                        {"lang": "en", "text": candidate.en, "status": "admitted"},
                    ],
                }
            )
        except ValueError:
            report.invalid += 1
            continue
        new.append((key, candidate, data))
    if new:
        generation = service.next_generation(session=session)
        ids = service.create_concepts(
            [service.NewConcept(data=data) for _, _, data in new],
            session=session,
            user=user,
            generation=generation,
        )
        rows = [
            TermCandidate(
                pair_key=key,
                concept_id=concept_id,
                src_lang="fr",
                src_text=data.terms[0].text,
                tgt_lang="en",
                tgt_text=data.terms[1].text,
                score=float(candidate.score),
                frequency=int(candidate.frequency),
                examples=_examples(candidate.examples),
                source=source,
                status=CandidateStatus.PENDING.value,
                created_at=utcnow(),
            )
            for (key, candidate, data), concept_id in zip(new, ids, strict=True)
        ]
        session.add_all(rows)
        session.flush()
        report.queued = len(rows)
        report.candidate_ids = [row.id for row in rows]
    session.flush()
    return report


def list_candidates(
    session: Session,
    *,
    status: CandidateStatus | str | None = CandidateStatus.PENDING,
    after_id: int = 0,
    limit: int = 50,
) -> list[TermCandidate]:
    """Candidates, best score first within a status (then by id)."""
    query = select(TermCandidate).where(TermCandidate.id > after_id)
    if status is not None:
        query = query.where(TermCandidate.status == CandidateStatus(status).value)
    query = query.order_by(TermCandidate.id).limit(limit)
    return list(session.execute(query).scalars())


def get_candidate(candidate_id: int, *, session: Session) -> TermCandidate:
    row = session.get(TermCandidate, candidate_id)
    if row is None:
        raise CandidateNotFound(candidate_id)
    return row


def _pending(candidate_id: int, session: Session) -> TermCandidate:
    row = get_candidate(candidate_id, session=session)
    if row.status != CandidateStatus.PENDING.value or row.concept_id is None:
        raise ChangeRefused(f"term candidate {candidate_id} is {row.status} already")
    return row


def _context(row: TermCandidate, side: str) -> str | None:
    for example in row.examples or ():
        text = (example.get(side) or "").strip()
        if text:
            return text[:MAX_LONG_FIELD_LENGTH]
    return None


def edit(
    candidate_id: int,
    *,
    session: Session,
    user: str,
    fr: str | None = None,
    en: str | None = None,
) -> TermCandidate:
    """Change the French or English term of a pending candidate (its key follows)."""
    row = _pending(candidate_id, session)
    fr = row.src_text if fr is None else " ".join(fr.split())
    en = row.tgt_text if en is None else " ".join(en.split())
    key = pair_key(fr, en)
    if key != row.pair_key:
        other = session.execute(
            select(TermCandidate.id).where(TermCandidate.pair_key == key)
        ).scalar()
        if other is not None:
            raise ChangeRefused(f"the pair '{fr}' / '{en}' is term candidate {other} already")
    concept = service.get_concept(row.concept_id or 0, session=session)
    items = [service.term_item(t) for t in concept.terms]
    for index, term in enumerate(items):
        if term.lang == row.src_lang:
            items[index] = TermItem.model_validate({**term.model_dump(), "text": fr})
        elif term.lang == row.tgt_lang:
            items[index] = TermItem.model_validate({**term.model_dump(), "text": en})
    service.update_concept(concept.id, ConceptPatch(terms=items), session=session, user=user)
    row.src_text, row.tgt_text, row.pair_key = fr, en, key
    session.flush()
    return row


def accept(candidate_id: int, *, session: Session, user: str) -> TermCandidate:
    """Make the candidate a concept of the team's collection: both terms preferred, the first
    example bead as their context, the job as their source."""
    row = _pending(candidate_id, session)
    concept = service.get_concept(row.concept_id or 0, session=session)
    items = []
    for term in concept.terms:
        item = service.term_item(term)
        side = "fr" if term.lang == row.src_lang else "en" if term.lang == row.tgt_lang else None
        changes: dict[str, Any] = {}
        if side is not None:
            changes["status"] = "preferred"
            changes["context"] = item.context or _context(row, side)
            changes["source"] = item.source or row.source
        items.append(TermItem.model_validate({**item.model_dump(), **changes}))
    service.update_concept(
        concept.id,
        ConceptPatch(collection=TEAM_COLLECTION, note=None, terms=items),
        session=session,
        user=user,
    )
    row.status = CandidateStatus.ACCEPTED.value
    row.decided_at = utcnow()
    row.decided_by = user
    session.flush()
    return row


def reject(candidate_id: int, *, session: Session, user: str) -> TermCandidate:
    """Forget the candidate: its concept is deleted, its key kept so it is not proposed again."""
    row = _pending(candidate_id, session)
    concept_id = row.concept_id
    row.status = CandidateStatus.REJECTED.value
    row.decided_at = utcnow()
    row.decided_by = user
    row.concept_id = None
    session.flush()
    if concept_id is not None:
        service.delete_concept(concept_id, session=session, user=user)
    return row
