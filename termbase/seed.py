"""The UN seed termbase shipped with Alinea: loading it on first start, and bringing a termbase
loaded from an older seed up to the shipped one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from termbase.models import SEED_COLLECTION, Concept, Revision, TermbaseState
from termbase.schemas import ConceptIn, ConceptPatch
from termbase.service import (
    create_concept,
    next_generation,
    snapshot,
    term_match_key,
    update_concept,
)

SEED_RESOURCE = "seed_termbase.json"
SEED_USER = "alinea-seed"


def read_seed() -> dict[str, Any]:
    """The seed file as data: ``{"name", "version", "concepts": [...]}``."""
    text = resources.files("termbase.data").joinpath(SEED_RESOURCE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def seed_concepts() -> list[ConceptIn]:
    """The seed's concepts, validated by the same rules as any client's, in the seed's
    collection (``un-seed``)."""
    return [
        ConceptIn.model_validate({"collection": SEED_COLLECTION, **c})
        for c in read_seed()["concepts"]
    ]


@dataclass
class SeedUpgrade:
    """What bringing a termbase up to the shipped seed did, concept by concept."""

    from_version: int
    to_version: int
    created: int = 0  # concepts new in the seed
    updated: int = 0  # seed concepts nobody edited, rewritten as the new seed says
    unchanged: int = 0
    kept: int = 0  # seed concepts edited (or deleted) here: left as the team made them


def _keys(terms: list[dict[str, Any]]) -> set[str]:
    return {key for term in terms if (key := term_match_key(term["text"], term["lang"]))}


def upgrade_seed(*, session: Session) -> SeedUpgrade | None:
    """Bring a termbase seeded from an older version of the seed up to the shipped one; None
    when it is at that version (or was never seeded: :func:`load_seed_if_new` does that).

    Each shipped concept is matched to the stored seed concept that shares the most terms with
    it. A match nobody but the seed ever changed is rewritten as the new seed says (a new
    revision by ``alinea-seed``); a match the team edited or deleted is left as the team made
    it; a shipped concept with no match is created. The caller commits.
    """
    state = session.execute(
        select(TermbaseState).where(TermbaseState.id == 1).with_for_update()
    ).scalar_one()
    seed = read_seed()
    if state.seed_version is None or state.seed_version >= seed["version"]:
        return None
    result = SeedUpgrade(from_version=state.seed_version, to_version=seed["version"])
    created = select(Revision.concept_id).where(
        Revision.action == "create", Revision.changed_by == SEED_USER
    )
    seeded = list(session.execute(created.order_by(Revision.concept_id)).scalars())
    others = set(
        session.execute(
            select(Revision.concept_id).where(
                Revision.concept_id.in_(created), Revision.changed_by != SEED_USER
            )
        ).scalars()
    )
    stored: dict[int, set[str]] = {}
    for concept_id in seeded:
        concept = session.get(Concept, concept_id)
        if concept is not None:
            stored[concept_id] = _keys(snapshot(concept)["terms"])
        else:  # deleted: what it held when the seed made it
            first = session.execute(
                select(Revision.after).where(
                    Revision.concept_id == concept_id, Revision.action == "create"
                )
            ).scalar_one()
            stored[concept_id] = _keys((first or {}).get("terms", []))
            others.add(concept_id)
    generation = next_generation(session=session)
    for data in seed["concepts"]:
        keys = _keys(data["terms"])
        match = max(stored, key=lambda cid: len(stored[cid] & keys), default=None)
        if match is None or not stored[match] & keys:
            concept_in = ConceptIn.model_validate({"collection": SEED_COLLECTION, **data})
            create_concept(concept_in, session=session, user=SEED_USER, generation=generation)
            result.created += 1
            continue
        del stored[match]
        if match in others:
            result.kept += 1
            continue
        concept = session.get(Concept, match)
        assert concept is not None
        before = snapshot(concept)
        patch = ConceptPatch.model_validate(
            {name: data.get(name) for name in ("subject_field", "definition", "note", "source")}
            | {"terms": data["terms"]}
        )
        update_concept(match, patch, session=session, user=SEED_USER, generation=generation)
        if snapshot(concept) == before:
            result.unchanged += 1
        else:
            result.updated += 1
    session.execute(
        update(TermbaseState).where(TermbaseState.id == 1).values(seed_version=seed["version"])
    )
    return result


def load_seed_if_new(*, session: Session) -> int:
    """Load the seed unless it was loaded before (even if its concepts were deleted since; an
    older seed is brought up to date by :func:`upgrade_seed`).

    Returns the number of concepts created. The caller commits.
    """
    state = session.execute(
        select(TermbaseState).where(TermbaseState.id == 1).with_for_update()
    ).scalar_one()
    if state.seed_version is not None:
        return 0
    seed = read_seed()
    concepts = [
        ConceptIn.model_validate({"collection": SEED_COLLECTION, **c}) for c in seed["concepts"]
    ]
    generation = next_generation(session=session)
    for concept in concepts:
        create_concept(concept, session=session, user=SEED_USER, generation=generation)
    session.execute(
        update(TermbaseState).where(TermbaseState.id == 1).values(seed_version=seed["version"])
    )
    return len(concepts)
