"""The UN seed termbase: every pair of the shared list, acronyms, traps made visible."""

import re

from sqlalchemy import func, select

from app.db import Database
from termbase.models import Concept, TermbaseState
from termbase.seed import load_seed_if_new, read_seed, seed_concepts
from termbase.service import delete_concept


def _concept_with(fr: str) -> dict:
    for concept in read_seed()["concepts"]:
        if any(t["lang"] == "fr" and t["text"] == fr for t in concept["terms"]):
            return concept
    raise AssertionError(f"no seed concept has the French term {fr!r}")


def test_every_pair_of_the_shared_list_is_a_concept(un_term_pairs: list[dict[str, str]]) -> None:
    concepts = seed_concepts()
    by_fr = {
        t.text: c for c in concepts for t in c.terms if t.lang == "fr" and t.status == "preferred"
    }
    assert len(un_term_pairs) == 80
    for pair in un_term_pairs:
        concept = by_fr.get(pair["fr"])
        assert concept is not None, pair["fr"]
        english = {t.text for t in concept.terms if t.lang == "en"}
        # "Encourages (most frequent) / Calls upon": the first alternative, without the remark
        first = re.sub(r"\s*\([a-z ]+\)$", "", pair["en"].split(" / ")[0].strip())
        preferred = [t.text for t in concept.terms if t.lang == "en" and t.status == "preferred"]
        assert preferred == [first], pair
        assert first in english


def test_acronyms_are_terms_of_their_own_concept() -> None:
    unodc = _concept_with("Office des Nations Unies contre la drogue et le crime")
    acronyms = {(t["lang"], t["text"]) for t in unodc["terms"] if t["type"] == "acronym"}
    assert {("fr", "ONUDC"), ("en", "UNODC")} <= acronyms
    for fr_name, fr_acronym, en_acronym in [
        ("Haut-Commissariat des Nations Unies pour les réfugiés", "HCR", "UNHCR"),
        ("Organisation internationale pour les migrations", "OIM", "IOM"),
    ]:
        terms = {(t["lang"], t["text"]) for t in _concept_with(fr_name)["terms"]}
        assert {("fr", fr_acronym), ("en", en_acronym)} <= terms


def test_the_smuggling_trap_is_a_deprecated_term_with_a_note() -> None:
    concept = _concept_with("trafic de migrants")
    trap = next(t for t in concept["terms"] if t["text"] == "trafficking of migrants")
    assert trap["status"] == "deprecated"
    assert "smuggling" in trap["note"]


def test_seed_loads_once_and_not_again_after_deletions(database: Database) -> None:
    with database.session() as session:
        assert load_seed_if_new(session=session) == 80
    with database.session() as session:
        first = session.execute(select(Concept.id).order_by(Concept.id)).scalars().first()
        delete_concept(first, session=session, user="test")
    with database.session() as session:
        assert load_seed_if_new(session=session) == 0
        assert session.execute(select(func.count(Concept.id))).scalar_one() == 79
        assert session.execute(select(TermbaseState.seed_version)).scalar_one() == 1
