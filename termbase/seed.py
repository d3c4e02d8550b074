"""The UN seed termbase shipped with Alinea, and loading it on first start."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from termbase.models import SEED_COLLECTION, TermbaseState
from termbase.schemas import ConceptIn
from termbase.service import create_concept, next_generation

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


def load_seed_if_new(*, session: Session) -> int:
    """Load the seed unless it was loaded before (even if its concepts were deleted since).

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
