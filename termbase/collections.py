"""Collections: where each concept comes from, how far it ranks and how far to trust it.

Every concept belongs to one collection. Three exist in every termbase (fixed ids, see
:data:`termbase.models.DEFAULT_COLLECTIONS`): ``un-seed`` (the UN terminology shipped with
Alinea), ``team`` (the team's own work, where a concept goes unless told otherwise) and
``candidates`` (pairs mined from aligned documents, awaiting review). Each imported vocabulary
gets its own, of kind ``vocabulary``.

Look-up and recognition rank answers by the collection's ``priority`` (higher first), so UN usage
comes before the team's and both before any thesaurus: a vocabulary's priority must stay below
the seed's. ``reliability`` is TBX's reliabilityCode, 1 (least) to 10 (most reliable).

Like the rest of the termbase service, nothing here commits: the caller does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from termbase.errors import CollectionNotFound, InvalidCollection
from termbase.models import (
    MAX_COLLECTION_NAME,
    MAX_PRIORITY,
    MAX_RELIABILITY,
    MAX_SHORT_FIELD_LENGTH,
    MIN_PRIORITY,
    MIN_RELIABILITY,
    SEED_COLLECTION_ID,
    TEAM_COLLECTION,
    Collection,
    CollectionKind,
    Concept,
)
from termbase.service import next_generation

# A collection's name: lower-case letters, digits, '.', '_' and '-', starting with a letter or
# digit (it goes in URLs, file names and TBX's projectSubset).
NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
_NAME = re.compile(NAME_PATTERN)
DEFAULT_VOCABULARY_PRIORITY = 500
DEFAULT_VOCABULARY_RELIABILITY = 5


@dataclass(frozen=True, slots=True)
class CollectionInfo:
    id: int
    name: str
    kind: str
    title: str | None
    priority: int
    reliability: int
    source: str | None = None
    concepts: int = 0


def _info(row: Collection, concepts: int = 0) -> CollectionInfo:
    return CollectionInfo(
        id=row.id,
        name=row.name,
        kind=row.kind,
        title=row.title,
        priority=row.priority,
        reliability=row.reliability,
        source=row.source,
        concepts=concepts,
    )


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_COLLECTION_NAME or not _NAME.match(name):
        raise InvalidCollection(
            f"'{name[:120]}' is not a valid collection name: up to {MAX_COLLECTION_NAME} "
            "lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    return name


def list_collections(*, session: Session) -> list[CollectionInfo]:
    """Every collection with its number of concepts, highest priority first."""
    counts = {
        collection: count
        for collection, count in session.execute(
            select(Concept.collection_id, func.count(Concept.id)).group_by(Concept.collection_id)
        )
    }
    rows = session.execute(
        select(Collection).order_by(Collection.priority.desc(), Collection.id)
    ).scalars()
    return [_info(row, int(counts.get(row.id, 0))) for row in rows]


def priorities(*, session: Session) -> dict[int, tuple[str, int]]:
    """Collection id → (name, priority), for the term index."""
    return {
        row.id: (row.name, row.priority)
        for row in session.execute(select(Collection.id, Collection.name, Collection.priority))
    }


def get_collection(name: str, *, session: Session) -> Collection:
    row = session.execute(select(Collection).where(Collection.name == name)).scalar_one_or_none()
    if row is None:
        raise CollectionNotFound(name)
    return row


def collection_id(name: str | None, *, session: Session) -> int:
    """The id of the collection called ``name``; the team's for None."""
    return get_collection(name or TEAM_COLLECTION, session=session).id


def _seed_priority(session: Session) -> int:
    value = session.execute(
        select(Collection.priority).where(Collection.id == SEED_COLLECTION_ID)
    ).scalar_one_or_none()
    return int(value if value is not None else MAX_PRIORITY)


def _check_values(
    session: Session, kind: str, priority: int | None, reliability: int | None
) -> None:
    if priority is not None and not MIN_PRIORITY <= priority <= MAX_PRIORITY:
        raise InvalidCollection(f"priority must be between {MIN_PRIORITY} and {MAX_PRIORITY}")
    if reliability is not None and not MIN_RELIABILITY <= reliability <= MAX_RELIABILITY:
        raise InvalidCollection(
            f"reliability must be between {MIN_RELIABILITY} and {MAX_RELIABILITY}"
        )
    if kind == CollectionKind.VOCABULARY.value and priority is not None:
        seed = _seed_priority(session)
        if priority >= seed:
            raise InvalidCollection(
                f"an imported vocabulary ranks below the UN seed: its priority must be under "
                f"{seed} (the seed's)"
            )


def create_collection(
    name: str,
    *,
    session: Session,
    kind: CollectionKind | str = CollectionKind.VOCABULARY,
    title: str | None = None,
    priority: int | None = None,
    reliability: int | None = None,
    source: str | None = None,
) -> CollectionInfo:
    """A new collection (``vocabulary`` or ``team``: the seed and candidates are built in)."""
    name = check_name(name)
    kind = CollectionKind(kind).value
    if kind not in (CollectionKind.VOCABULARY.value, CollectionKind.TEAM.value):
        raise InvalidCollection(f"a new collection is a vocabulary or a team's, not {kind}")
    if priority is None:
        priority = DEFAULT_VOCABULARY_PRIORITY
    if reliability is None:
        reliability = DEFAULT_VOCABULARY_RELIABILITY
    _check_values(session, kind, priority, reliability)
    if title is not None:
        title = " ".join(title.split())[:MAX_SHORT_FIELD_LENGTH] or None
    exists = session.execute(select(Collection.id).where(Collection.name == name)).scalar()
    if exists is not None:
        raise InvalidCollection(f"there is a collection '{name}' already")
    next_generation(session=session)  # the index ranks by collection: it must look again
    row = Collection(
        name=name,
        kind=kind,
        title=title,
        priority=priority,
        reliability=reliability,
        source=source,
    )
    session.add(row)
    session.flush()
    return _info(row)


def ensure_collection(
    name: str,
    *,
    session: Session,
    kind: CollectionKind | str = CollectionKind.VOCABULARY,
    title: str | None = None,
    source: str | None = None,
) -> Collection:
    """The collection called ``name``, created (with the defaults of its kind) if missing."""
    row = session.execute(select(Collection).where(Collection.name == name)).scalar_one_or_none()
    if row is not None:
        return row
    create_collection(name, session=session, kind=kind, title=title, source=source)
    return get_collection(name, session=session)


def update_collection(
    name: str,
    *,
    session: Session,
    title: str | None = None,
    priority: int | None = None,
    reliability: int | None = None,
) -> CollectionInfo:
    row = get_collection(name, session=session)
    _check_values(session, row.kind, priority, reliability)
    if row.id == SEED_COLLECTION_ID and priority is not None:
        top = session.execute(
            select(func.max(Collection.priority)).where(
                Collection.kind == CollectionKind.VOCABULARY.value
            )
        ).scalar()
        if top is not None and priority <= top:
            raise InvalidCollection(
                f"the UN seed ranks above every imported vocabulary (the highest is at {top})"
            )
    next_generation(session=session)
    values: dict[str, object] = {}
    if title is not None:
        values["title"] = " ".join(title.split())[:MAX_SHORT_FIELD_LENGTH] or None
    if priority is not None:
        values["priority"] = priority
    if reliability is not None:
        values["reliability"] = reliability
    if values:
        session.execute(update(Collection).where(Collection.id == row.id).values(**values))
        session.refresh(row)
    return _info(row)
