"""The review queue of term candidates mined from aligned documents (collection ``candidates``):
list, propose, edit, accept (a concept of the team's collection), reject (never proposed again)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from app.db import after_commit
from app.deps import SessionDep, UserDep
from app.errors import InvalidCursor
from app.pagination import decode_cursor, encode_cursor
from app.problems import problem_responses
from termbase import candidates as queue
from termbase.errors import CandidateNotFound, ChangeRefused
from termbase.models import MAX_TERM_LENGTH, TermCandidate

router = APIRouter(prefix="/v1/term-candidates", tags=["term candidates"])

CandidateId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The candidate's id.")]
TermText = Annotated[str, Field(min_length=1, max_length=MAX_TERM_LENGTH)]


class ExampleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ref: Annotated[str, Field(max_length=200)] = ""
    fr: Annotated[str, Field(max_length=2000)] = ""
    en: Annotated[str, Field(max_length=2000)] = ""


class CandidatePairIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fr: TermText
    en: TermText
    score: Annotated[float, Field(ge=-1e9, le=1e9)] = 0.0
    frequency: Annotated[int, Field(ge=0, le=10**9)] = 1
    examples: Annotated[list[ExampleIn], Field(max_length=20)] = []
    known: bool = False


class ProposeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: Annotated[str | None, Field(max_length=500)] = Field(
        default=None, description="Where the pairs were mined, e.g. `job 42`."
    )
    candidates: Annotated[list[CandidatePairIn], Field(min_length=1, max_length=5000)]


class ProposeOut(BaseModel):
    queued: int
    updated: int
    known: int
    rejected_before: int
    accepted_before: int
    invalid: int
    candidate_ids: list[int]


class CandidateOut(BaseModel):
    id: int
    status: str = Field(description="`pending`, `accepted` or `rejected`.")
    concept_id: int | None = Field(
        default=None, description="Its concept (collection `candidates` while pending)."
    )
    fr: str
    en: str
    score: float
    frequency: int
    examples: list[ExampleIn]
    source: str | None = None
    decided_by: str | None = None


class CandidatePage(BaseModel):
    items: list[CandidateOut]
    next_cursor: str | None = None


class CandidateEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fr: TermText | None = None
    en: TermText | None = None


def _out(row: TermCandidate) -> CandidateOut:
    return CandidateOut(
        id=row.id,
        status=row.status,
        concept_id=row.concept_id,
        fr=row.src_text,
        en=row.tgt_text,
        score=row.score,
        frequency=row.frequency,
        examples=[ExampleIn.model_validate(e) for e in row.examples or ()],
        source=row.source,
        decided_by=row.decided_by,
    )


def _refresh(request: Request, session: SessionDep) -> None:
    """Once the request's session has committed, make this process's index see the change."""
    after_commit(session, lambda committed: request.app.state.index.refresh(session=committed))


@router.get(
    "",
    response_model=CandidatePage,
    summary="List term candidates",
    responses=problem_responses(InvalidCursor),
)
def list_candidates(
    session: SessionDep,
    status: Annotated[
        Literal["pending", "accepted", "rejected"], Query(description="Which ones.")
    ] = "pending",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> CandidatePage:
    after = int(decode_cursor(cursor).get("after", 0))
    rows = queue.list_candidates(session, status=status, after_id=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return CandidatePage(
        items=[_out(r) for r in rows],
        next_cursor=encode_cursor(after=rows[-1].id) if more else None,
    )


@router.post(
    "",
    response_model=ProposeOut,
    summary="Queue term candidates",
    responses=problem_responses("validation-error"),
)
def propose_candidates(
    body: ProposeIn, session: SessionDep, user: UserDep, request: Request
) -> ProposeOut:
    """Queue new pairs (known pairs, and pairs rejected before, are left out)."""
    report = queue.propose(
        session,
        [
            queue.CandidateIn(
                fr=c.fr,
                en=c.en,
                score=c.score,
                frequency=c.frequency,
                examples=[queue.Example(e.ref, e.fr, e.en) for e in c.examples],
                known=c.known,
            )
            for c in body.candidates
        ],
        source=body.source,
        user=user,
    )
    _refresh(request, session)
    return ProposeOut(**report.__dict__)


@router.get(
    "/{candidate_id}",
    response_model=CandidateOut,
    summary="Get a term candidate",
    responses=problem_responses(CandidateNotFound, "validation-error"),
)
def get_candidate(candidate_id: CandidateId, session: SessionDep) -> CandidateOut:
    return _out(queue.get_candidate(candidate_id, session=session))


@router.patch(
    "/{candidate_id}",
    response_model=CandidateOut,
    summary="Edit a pending term candidate",
    responses=problem_responses(CandidateNotFound, ChangeRefused, "validation-error"),
)
def edit_candidate(
    candidate_id: CandidateId,
    body: CandidateEdit,
    session: SessionDep,
    user: UserDep,
    request: Request,
) -> CandidateOut:
    row = queue.edit(candidate_id, session=session, user=user, fr=body.fr, en=body.en)
    _refresh(request, session)
    return _out(row)


@router.post(
    "/{candidate_id}/accept",
    response_model=CandidateOut,
    summary="Accept a term candidate (it becomes a concept of the team's collection)",
    responses=problem_responses(CandidateNotFound, ChangeRefused, "validation-error"),
)
def accept_candidate(
    candidate_id: CandidateId, session: SessionDep, user: UserDep, request: Request
) -> CandidateOut:
    row = queue.accept(candidate_id, session=session, user=user)
    _refresh(request, session)
    return _out(row)


@router.post(
    "/{candidate_id}/reject",
    response_model=CandidateOut,
    summary="Reject a term candidate (never proposed again)",
    responses=problem_responses(CandidateNotFound, ChangeRefused, "validation-error"),
)
def reject_candidate(
    candidate_id: CandidateId, session: SessionDep, user: UserDep, request: Request
) -> CandidateOut:
    row = queue.reject(candidate_id, session=session, user=user)
    _refresh(request, session)
    return _out(row)
