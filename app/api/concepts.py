"""Concept CRUD, term by term editing, history and restore: what terminologists use to curate the
termbase.

Every write to an existing concept is a compare-and-set on its revision (see
:func:`termbase.service.claim_concept`): ``If-Match`` names the revision the change is based on,
and a concept that moved on meanwhile answers 412, whoever else is writing at the same moment.
The ETag is the concept's id and revision; a concept's terms share it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, Response, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import after_commit
from app.deps import SessionDep, SettingsDep, UserDep
from app.errors import InvalidCursor, PreconditionRequired
from app.pagination import decode_cursor, encode_cursor
from app.params import ConceptId, RevisionNumber, TermId
from app.problems import problem_responses
from app.schemas import ConceptPage, HistoryPage, TermWritten
from app.settings import Settings
from termbase import service
from termbase.errors import (
    ChangeRefused,
    ConceptChanged,
    ConceptNotFound,
    InvalidCollection,
    InvalidConcept,
    PossibleDuplicates,
    RevisionNotFound,
    TermNotFound,
)
from termbase.models import Concept, Term
from termbase.schemas import (
    CollectionName,
    ConceptIn,
    ConceptOut,
    ConceptPatch,
    ConceptWritten,
    PossibleDuplicate,
    TermIn,
    TermOut,
    TermPatch,
)

router = APIRouter(prefix="/v1/concepts", tags=["concepts"])


IfMatch = Annotated[
    str | None,
    Header(
        max_length=2000,
        description="The concept's ETag as last read: the change is refused (412) if another "
        "change came in between. Required when ALINEA_REQUIRE_IF_MATCH is set (428 without).",
    ),
]
OnDuplicate = Annotated[
    Literal["warn", "refuse"] | None,
    Query(
        description="A possible duplicate (another concept with the same main term): `warn` "
        "lists it in `possible_duplicates`, `refuse` answers 409. Default: ALINEA_ON_DUPLICATE."
    ),
]


def etag(concept: Concept) -> str:
    """The concept's id and revision: unique for ever, as ids are never reused."""
    return f'"{concept.id}-{concept.revision}"'


def expected_revisions(
    concept_id: int,
    if_match: str | None,
    settings: Settings,
    *,
    body_revision: int | None = None,
) -> set[int] | None:
    """The revisions ``If-Match`` allows the change to be based on; None: any (no header, or
    ``*``). An ETag of another concept or of another shape matches nothing (412)."""
    if if_match is None:
        if settings.require_if_match and body_revision is None:
            raise PreconditionRequired(
                "this service requires If-Match on writes: send the concept's ETag as read "
                f'(GET /v1/concepts/{concept_id}), e.g. If-Match: "{concept_id}-3"'
            )
        return None
    if if_match.strip() == "*":
        return None
    revisions: set[int] = set()
    for tag in if_match.split(","):
        value = tag.strip().removeprefix("W/").strip('"')
        concept, _, revision = value.partition("-")
        if concept == str(concept_id) and revision.isascii() and revision.isdigit():
            revisions.add(int(revision))
    return revisions


def _refresh_index(request: Request, session: Session) -> None:
    """Once the request's session has committed, make this process's index see the change at
    once, without waiting for its next check."""
    after_commit(session, lambda committed: request.app.state.index.refresh(session=committed))


def _duplicates(
    concept: Concept, session: Session, settings: Settings, on_duplicate: str | None
) -> list[PossibleDuplicate]:
    """The concept's possible duplicates; refused (409, nothing written) if asked to."""
    found = service.possible_duplicates(concept, session=session)
    if found and (on_duplicate or settings.on_duplicate) == "refuse":
        raise PossibleDuplicates(found)
    return found


def _after_write(
    concept: Concept,
    session: Session,
    settings: Settings,
    on_duplicate: str | None,
    request: Request,
    response: Response,
) -> list[PossibleDuplicate]:
    """What every write of a concept ends with: its possible duplicates (refused if asked to),
    the index refreshed once the request commits, and the concept's new ETag."""
    duplicates = _duplicates(concept, session, settings, on_duplicate)
    _refresh_index(request, session)
    response.headers["ETag"] = etag(concept)
    return duplicates


def _written(concept: Concept, duplicates: list[PossibleDuplicate]) -> ConceptWritten:
    return ConceptWritten(
        **service.concept_out(concept).model_dump(), possible_duplicates=duplicates
    )


def _term_written(concept: Concept, term: Term, duplicates: list[PossibleDuplicate]) -> TermWritten:
    return TermWritten(
        **service.term_out(term).model_dump(),
        concept_revision=concept.revision,
        possible_duplicates=duplicates,
    )


@router.post(
    "",
    response_model=ConceptWritten,
    status_code=status.HTTP_201_CREATED,
    summary="Create a concept",
    responses=problem_responses(InvalidConcept, PossibleDuplicates),
)
def create_concept(
    body: ConceptIn,
    session: SessionDep,
    user: UserDep,
    settings: SettingsDep,
    request: Request,
    response: Response,
    on_duplicate: OnDuplicate = None,
) -> ConceptWritten:
    """Create a concept; `possible_duplicates` lists concepts with the same main term."""
    concept = service.create_concept(body, session=session, user=user)
    response.headers["Location"] = f"/v1/concepts/{concept.id}"
    duplicates = _after_write(concept, session, settings, on_duplicate, request, response)
    return _written(concept, duplicates)


@router.get(
    "",
    response_model=ConceptPage,
    summary="List concepts",
    responses=problem_responses(InvalidCursor, InvalidCollection),
)
def list_concepts(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    subject_field: Annotated[str | None, Query(max_length=200)] = None,
    collection: Annotated[
        CollectionName | None, Query(description="Only the concepts of this collection.")
    ] = None,
) -> ConceptPage:
    after = int(decode_cursor(cursor).get("after", 0))
    concepts = service.list_concepts(
        session=session,
        after_id=after,
        limit=limit + 1,
        subject_field=subject_field,
        collection=collection,
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
    responses=problem_responses(ConceptNotFound),
)
def get_concept(concept_id: ConceptId, session: SessionDep, response: Response) -> ConceptOut:
    concept = service.get_concept(concept_id, session=session)
    response.headers["ETag"] = etag(concept)
    return service.concept_out(concept)


@router.patch(
    "/{concept_id}",
    response_model=ConceptWritten,
    summary="Change a concept",
    responses=problem_responses(
        ConceptNotFound, ConceptChanged, PreconditionRequired, InvalidConcept, PossibleDuplicates
    ),
)
def update_concept(
    concept_id: ConceptId,
    body: ConceptPatch,
    session: SessionDep,
    user: UserDep,
    settings: SettingsDep,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    on_duplicate: OnDuplicate = None,
) -> ConceptWritten:
    """Change the fields present in the body; `terms`, when present, replaces all the terms.

    The body of a GET is a valid patch: each term's `id` says which term it keeps or changes (a
    term without one is new, or kept if one has its language and text), terms left out are
    removed; `revision` is checked like `If-Match`.
    """
    expected = expected_revisions(concept_id, if_match, settings, body_revision=body.revision)
    concept = service.update_concept(
        concept_id, body, session=session, user=user, expected=expected
    )
    duplicates = _after_write(concept, session, settings, on_duplicate, request, response)
    return _written(concept, duplicates)


@router.delete(
    "/{concept_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a concept",
    responses=problem_responses(ConceptNotFound, ConceptChanged, PreconditionRequired),
)
def delete_concept(
    concept_id: ConceptId,
    session: SessionDep,
    user: UserDep,
    settings: SettingsDep,
    request: Request,
    if_match: IfMatch = None,
) -> Response:
    expected = expected_revisions(concept_id, if_match, settings)
    service.delete_concept(concept_id, session=session, user=user, expected=expected)
    _refresh_index(request, session)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- terms ----------------------------------------------------------------------------------------


@router.post(
    "/{concept_id}/terms",
    response_model=TermWritten,
    status_code=status.HTTP_201_CREATED,
    summary="Add a term to a concept",
    responses=problem_responses(
        ConceptNotFound, ConceptChanged, PreconditionRequired, InvalidConcept, PossibleDuplicates
    ),
)
def add_term(
    concept_id: ConceptId,
    body: TermIn,
    session: SessionDep,
    user: UserDep,
    settings: SettingsDep,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    on_duplicate: OnDuplicate = None,
) -> TermWritten:
    """Add one term; the concept must stay valid (one preferred term per language, no term
    twice). `ETag` is the concept's new one."""
    expected = expected_revisions(concept_id, if_match, settings)
    concept, term = service.add_term(
        concept_id, body, session=session, user=user, expected=expected
    )
    response.headers["Location"] = f"/v1/concepts/{concept_id}/terms/{term.id}"
    duplicates = _after_write(concept, session, settings, on_duplicate, request, response)
    return _term_written(concept, term, duplicates)


@router.get(
    "/{concept_id}/terms/{term_id}",
    response_model=TermOut,
    summary="Get one term of a concept",
    responses=problem_responses(ConceptNotFound, TermNotFound),
)
def get_term(
    concept_id: ConceptId, term_id: TermId, session: SessionDep, response: Response
) -> TermOut:
    concept = service.get_concept(concept_id, session=session)
    term = next((t for t in concept.terms if t.id == term_id), None)
    if term is None:
        raise TermNotFound(concept_id, term_id)
    response.headers["ETag"] = etag(concept)
    return service.term_out(term)


@router.patch(
    "/{concept_id}/terms/{term_id}",
    response_model=TermWritten,
    summary="Change one term of a concept",
    responses=problem_responses(
        ConceptNotFound,
        TermNotFound,
        ConceptChanged,
        PreconditionRequired,
        InvalidConcept,
        PossibleDuplicates,
    ),
)
def update_term(
    concept_id: ConceptId,
    term_id: TermId,
    body: TermPatch,
    session: SessionDep,
    user: UserDep,
    settings: SettingsDep,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    on_duplicate: OnDuplicate = None,
) -> TermWritten:
    """Change the fields present in the body (null clears an optional one)."""
    expected = expected_revisions(concept_id, if_match, settings)
    concept, term = service.update_term(
        concept_id, term_id, body, session=session, user=user, expected=expected
    )
    duplicates = _after_write(concept, session, settings, on_duplicate, request, response)
    return _term_written(concept, term, duplicates)


@router.delete(
    "/{concept_id}/terms/{term_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove one term from a concept",
    responses=problem_responses(
        ConceptNotFound, TermNotFound, ConceptChanged, PreconditionRequired, ChangeRefused
    ),
)
def delete_term(
    concept_id: ConceptId,
    term_id: TermId,
    session: SessionDep,
    user: UserDep,
    settings: SettingsDep,
    request: Request,
    if_match: IfMatch = None,
) -> Response:
    """Remove one term; a concept's last term stays (409: delete the concept instead)."""
    expected = expected_revisions(concept_id, if_match, settings)
    concept = service.delete_term(
        concept_id, term_id, session=session, user=user, expected=expected
    )
    _refresh_index(request, session)
    return Response(status_code=status.HTTP_204_NO_CONTENT, headers={"ETag": etag(concept)})


# -- history --------------------------------------------------------------------------------------


@router.get(
    "/{concept_id}/history",
    response_model=HistoryPage,
    summary="A concept's revision history",
    responses=problem_responses(ConceptNotFound),
)
def concept_history(concept_id: ConceptId, session: SessionDep) -> HistoryPage:
    """Every change to the concept, oldest first: what, when, by whom, the revision it made,
    and what it changed (`changes`, field by field and term by term)."""
    return HistoryPage(items=service.concept_history(concept_id, session=session))


@router.post(
    "/{concept_id}/history/{revision}/restore",
    response_model=ConceptWritten,
    summary="Restore a revision of a concept",
    responses=problem_responses(
        ConceptNotFound,
        RevisionNotFound,
        ConceptChanged,
        PreconditionRequired,
        InvalidConcept,
        PossibleDuplicates,
    ),
)
def restore_revision(
    concept_id: ConceptId,
    revision: RevisionNumber,
    session: SessionDep,
    user: UserDep,
    settings: SettingsDep,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    on_duplicate: OnDuplicate = None,
) -> ConceptWritten:
    """Make the concept what it was at `revision` again, as a new revision (its history keeps
    everything). A deleted concept comes back under its own id."""
    exists = session.execute(select(Concept.id).where(Concept.id == concept_id)).scalar()
    expected = (
        expected_revisions(concept_id, if_match, settings)
        if exists is not None or if_match is not None
        else None  # a deleted concept has no ETag to send
    )
    concept = service.restore_revision(
        concept_id, revision, session=session, user=user, expected=expected
    )
    duplicates = _after_write(concept, session, settings, on_duplicate, request, response)
    return _written(concept, duplicates)
