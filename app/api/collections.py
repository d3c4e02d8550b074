"""Collections: the UN seed, each imported vocabulary, the team's own work, the candidates.

A collection's priority ranks look-up and recognition answers (higher first; the UN seed above
every vocabulary), its reliability (1-10, TBX reliabilityCode) says how far to trust them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, status
from pydantic import BaseModel, ConfigDict, Field

from app.db import after_commit
from app.deps import SessionDep
from app.problems import problem_responses
from termbase import collections as service
from termbase.errors import CollectionNotFound, InvalidCollection
from termbase.models import (
    MAX_PRIORITY,
    MAX_RELIABILITY,
    MAX_SHORT_FIELD_LENGTH,
    MIN_PRIORITY,
    MIN_RELIABILITY,
)
from termbase.schemas import CollectionName

router = APIRouter(prefix="/v1/collections", tags=["collections"])

Priority = Annotated[
    int,
    Field(
        ge=MIN_PRIORITY,
        le=MAX_PRIORITY,
        description="Higher ranks first. The UN seed is at 900, the team's at 800; a vocabulary "
        "stays below the seed's (default 500).",
    ),
]
Reliability = Annotated[
    int,
    Field(
        ge=MIN_RELIABILITY,
        le=MAX_RELIABILITY,
        description="How far to trust it: 1 (least) to 10 (most), as TBX's reliabilityCode.",
    ),
]


class CollectionOut(BaseModel):
    name: str
    kind: str = Field(description="`seed`, `vocabulary`, `team` or `candidates`.")
    title: str | None = None
    priority: int
    reliability: int
    source: str | None = None
    concepts: int = Field(default=0, description="How many concepts it holds.")


class CollectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: CollectionName
    kind: Annotated[str, Field(pattern="^(vocabulary|team)$")] = "vocabulary"
    title: Annotated[str | None, Field(max_length=MAX_SHORT_FIELD_LENGTH)] = None
    priority: Priority | None = None
    reliability: Reliability | None = None


class CollectionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str | None, Field(max_length=MAX_SHORT_FIELD_LENGTH)] = None
    priority: Priority | None = None
    reliability: Reliability | None = None


class CollectionList(BaseModel):
    items: list[CollectionOut]


def _out(info: service.CollectionInfo) -> CollectionOut:
    return CollectionOut(
        name=info.name,
        kind=info.kind,
        title=info.title,
        priority=info.priority,
        reliability=info.reliability,
        source=info.source,
        concepts=info.concepts,
    )


NamePath = Annotated[CollectionName, Path(description="The collection's name.")]


@router.get("", response_model=CollectionList, summary="List the collections")
def list_collections(session: SessionDep) -> CollectionList:
    """Every collection, highest priority first, with its number of concepts."""
    return CollectionList(items=[_out(c) for c in service.list_collections(session=session)])


@router.get(
    "/{name}",
    response_model=CollectionOut,
    summary="Get a collection",
    responses=problem_responses(CollectionNotFound, "validation-error"),
)
def get_collection(name: NamePath, session: SessionDep) -> CollectionOut:
    for info in service.list_collections(session=session):
        if info.name == name:
            return _out(info)
    raise CollectionNotFound(name)


@router.post(
    "",
    response_model=CollectionOut,
    status_code=status.HTTP_201_CREATED,
    summary="Create a collection",
    responses=problem_responses(InvalidCollection, "validation-error"),
)
def create_collection(body: CollectionIn, session: SessionDep, request: Request) -> CollectionOut:
    """A new vocabulary's or team's collection (the UN seed and the candidates are built in)."""
    info = service.create_collection(
        body.name,
        session=session,
        kind=body.kind,
        title=body.title,
        priority=body.priority,
        reliability=body.reliability,
    )
    after_commit(session, lambda committed: request.app.state.index.refresh(session=committed))
    return _out(info)


@router.patch(
    "/{name}",
    response_model=CollectionOut,
    summary="Change a collection's title, priority or reliability",
    responses=problem_responses(CollectionNotFound, InvalidCollection, "validation-error"),
)
def update_collection(
    name: NamePath, body: CollectionPatch, session: SessionDep, request: Request
) -> CollectionOut:
    service.update_collection(
        name,
        session=session,
        title=body.title,
        priority=body.priority,
        reliability=body.reliability,
    )
    after_commit(session, lambda committed: request.app.state.index.refresh(session=committed))
    return get_collection(name, session)
