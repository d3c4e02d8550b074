"""Concept CRUD and history: what terminologists use to curate the termbase."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status

from app.deps import SessionDep, UserDep
from app.pagination import decode_cursor, encode_cursor
from app.params import ConceptId
from app.problems import Problem, problem_responses
from app.schemas import ConceptPage, HistoryPage
from termbase import service
from termbase.models import Concept
from termbase.schemas import ConceptIn, ConceptOut, ConceptPatch

router = APIRouter(prefix="/v1/concepts", tags=["concepts"])


IfMatch = Annotated[
    str | None,
    Header(
        max_length=200,
        description="The concept's ETag as last read: the change is refused (412) if another "
        "change came in between.",
    ),
]


def etag(concept: Concept) -> str:
    stamp = f"{concept.id}:{concept.updated_at.isoformat()}".encode()
    return f'"{hashlib.blake2s(stamp, digest_size=8).hexdigest()}"'


def _check_if_match(concept: Concept, if_match: str | None) -> None:
    if if_match is None or if_match.strip() == "*":
        return
    wanted = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if etag(concept) not in wanted:
        raise Problem(
            412,
            f"concept {concept.id} changed since it was read; read it again and redo the change",
            kind="concept-changed",
        )


def _refresh_index(request: Request, session: SessionDep) -> None:
    """Make this process's index see the change at once, without waiting for its next check."""
    request.app.state.index.refresh(session=session)


@router.post(
    "",
    response_model=ConceptOut,
    status_code=status.HTTP_201_CREATED,
    summary="Create a concept",
    responses=problem_responses(413, 422),
)
def create_concept(
    body: ConceptIn, session: SessionDep, user: UserDep, request: Request, response: Response
) -> ConceptOut:
    concept = service.create_concept(body, session=session, user=user)
    session.commit()
    _refresh_index(request, session)
    response.headers["Location"] = f"/v1/concepts/{concept.id}"
    response.headers["ETag"] = etag(concept)
    return service.concept_out(concept)


@router.get(
    "", response_model=ConceptPage, summary="List concepts", responses=problem_responses(422)
)
def list_concepts(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    subject_field: Annotated[str | None, Query(max_length=200)] = None,
) -> ConceptPage:
    after = int(decode_cursor(cursor).get("after", 0))
    concepts = service.list_concepts(
        session=session, after_id=after, limit=limit + 1, subject_field=subject_field
    )
    more = len(concepts) > limit
    concepts = concepts[:limit]
    return ConceptPage(
        items=[service.concept_out(c) for c in concepts],
        next_cursor=encode_cursor(after=concepts[-1].id) if more else None,
    )


@router.get(
    "/{concept_id}",
    response_model=ConceptOut,
    summary="Get a concept",
    responses=problem_responses(404, 422),
)
def get_concept(concept_id: ConceptId, session: SessionDep, response: Response) -> ConceptOut:
    concept = service.get_concept(concept_id, session=session)
    response.headers["ETag"] = etag(concept)
    return service.concept_out(concept)


@router.patch(
    "/{concept_id}",
    response_model=ConceptOut,
    summary="Change a concept",
    responses=problem_responses(404, 412, 413, 422),
)
def update_concept(
    concept_id: ConceptId,
    body: ConceptPatch,
    session: SessionDep,
    user: UserDep,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> ConceptOut:
    """Change the fields present in the body; `terms`, when present, replaces all the terms."""
    _check_if_match(service.get_concept(concept_id, session=session, for_update=True), if_match)
    concept = service.update_concept(concept_id, body, session=session, user=user)
    session.commit()
    _refresh_index(request, session)
    response.headers["ETag"] = etag(concept)
    return service.concept_out(concept)


@router.delete(
    "/{concept_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a concept",
    responses=problem_responses(404, 412, 422),
)
def delete_concept(
    concept_id: ConceptId,
    session: SessionDep,
    user: UserDep,
    request: Request,
    if_match: IfMatch = None,
) -> Response:
    _check_if_match(service.get_concept(concept_id, session=session, for_update=True), if_match)
    service.delete_concept(concept_id, session=session, user=user)
    session.commit()
    _refresh_index(request, session)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{concept_id}/history",
    response_model=HistoryPage,
    summary="A concept's revision history",
    responses=problem_responses(404, 422),
)
def concept_history(concept_id: ConceptId, session: SessionDep) -> HistoryPage:
    """Every change to the concept, oldest first: what, when, by whom, before and after."""
    return HistoryPage(items=service.concept_history(concept_id, session=session))
