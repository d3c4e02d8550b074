"""Look-up in the term index: exact, prefix and fuzzy, both directions, traps flagged."""

import gc
from collections.abc import Callable

import pytest

from app.db import Database
from termbase.index import MatchMode, TermIndex
from termbase.service import delete_concept


def _first(index: TermIndex, query: str, src: str = "fr", tgt: str = "en", mode=MatchMode.EXACT):
    hits, _ = index.lookup(query, src=src, mode=mode)
    assert hits, f"no {mode} hit for {query!r}"
    hit = hits[0]
    return hit, [t.text for t in hit.concept.terms_in(tgt)]


@pytest.mark.parametrize(
    ("query", "src", "tgt", "expected"),
    [
        ("traite des personnes", "fr", "en", "trafficking in persons"),
        ("traites des personnes", "fr", "en", "trafficking in persons"),
        ("trafic de migrants", "fr", "en", "smuggling of migrants"),
        ("les États Membres", "fr", "en", "Member States"),
        ("Member State", "en", "fr", "États Membres"),
        (
            "l'Office des Nations Unies contre la drogue et le crime",
            "fr",
            "en",
            "United Nations Office on Drugs and Crime",
        ),
        (
            "l’Office des Nations Unies contre la drogue et le crime",
            "fr",
            "en",
            "United Nations Office on Drugs and Crime",
        ),
        ("ONUDC", "fr", "en", "United Nations Office on Drugs and Crime"),
        ("smuggling of migrants", "en", "fr", "trafic de migrants"),
        (
            "Haut\u2011Commissariat des Nations Unies pour les réfugiés",
            "fr",
            "en",
            "Office of the United Nations High Commissioner for Refugees",
        ),
    ],
)
def test_exact_lookup_finds_the_un_standard_equivalent_first(
    seeded_index: TermIndex, query: str, src: str, tgt: str, expected: str
) -> None:
    _hit, equivalents = _first(seeded_index, query, src, tgt)
    assert equivalents[0] == expected


def test_deprecated_equivalents_come_last_with_their_note(seeded_index: TermIndex) -> None:
    hit, _ = _first(seeded_index, "trafic de migrants")
    english = hit.concept.terms_in("en")
    assert english[0].status == "preferred"
    deprecated = [t for t in english if t.status == "deprecated"]
    assert "trafficking of migrants" in [t.text for t in deprecated]
    assert all(t.note for t in deprecated)
    assert english[-len(deprecated) :] == deprecated


def test_exact_ignores_accents_only_in_fuzzy_mode(seeded_index: TermIndex) -> None:
    assert seeded_index.lookup("Etats Membres", src="fr", mode=MatchMode.EXACT)[0] == []
    hit, equivalents = _first(seeded_index, "Etats Membres", mode=MatchMode.FUZZY)
    assert equivalents[0] == "Member States"
    assert hit.score == 1.0


@pytest.mark.parametrize(
    ("typo", "src", "expected"),
    [
        ("trafiking in persons", "en", "traite des personnes"),
        ("Ofice des Nations Unies contre la droge et le crime", "fr", None),
        ("Organisation internationale pour les migartions", "fr", None),
    ],
)
def test_fuzzy_finds_typos(
    seeded_index: TermIndex, typo: str, src: str, expected: str | None
) -> None:
    tgt = "fr" if src == "en" else "en"
    hit, equivalents = _first(seeded_index, typo, src, tgt, MatchMode.FUZZY)
    assert 0.8 <= hit.score < 1.0
    if expected:
        assert equivalents[0] == expected


def test_fuzzy_ranks_by_score(seeded_index: TermIndex) -> None:
    hits, _ = seeded_index.lookup("trafiking in persons", src="en", mode=MatchMode.FUZZY, limit=10)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert len(hits) > 1


def test_prefix_finds_longer_terms_exact_first(seeded_index: TermIndex) -> None:
    hits, _ = seeded_index.lookup("traite des", src="fr", mode=MatchMode.PREFIX, limit=50)
    keys = [h.matched.text for h in hits]
    assert "traite des personnes" in keys
    assert "traite des êtres humains" in keys
    exact, _ = seeded_index.lookup("Convention", src="fr", mode=MatchMode.PREFIX, limit=50)
    assert all(h.matched.key.startswith("convention") for h in exact)


def test_pages_do_not_overlap(seeded_index: TermIndex) -> None:
    first, more = seeded_index.lookup("o", src="en", mode=MatchMode.PREFIX, limit=3)
    second, _ = seeded_index.lookup("o", src="en", mode=MatchMode.PREFIX, offset=3, limit=3)
    assert more
    assert {h.concept.id for h in first}.isdisjoint({h.concept.id for h in second})


def test_regional_tag_matches_its_language(seeded_index: TermIndex) -> None:
    hit, equivalents = _first(seeded_index, "trafic de migrants", "fr-CA", "en-GB")
    assert equivalents[0] == "smuggling of migrants"


def test_index_follows_changes_made_by_another_process(
    seeded_database: Database,
    add_concept: Callable[..., int],
    replace_terms: Callable[..., None],
    seed_concepts: int,
) -> None:
    """Two indexes stand for two service processes; each refresh reads only what changed."""
    index = TermIndex()
    with seeded_database.sessionmaker() as session:
        index.load(session=session)
    created = add_concept(
        seeded_database,
        {"lang": "fr", "text": "passeur de migrants", "status": "preferred"},
        {"lang": "en", "text": "migrant smuggler", "status": "preferred"},
    )
    with seeded_database.sessionmaker() as session:
        assert index.refresh(session=session)
    assert _first(index, "passeurs de migrants")[1] == ["migrant smuggler"]

    replace_terms(
        seeded_database,
        created,
        {"lang": "fr", "text": "passeur", "status": "preferred"},
        {"lang": "en", "text": "smuggler", "status": "preferred"},
    )
    with seeded_database.sessionmaker() as session:
        index.refresh(session=session)
    assert index.lookup("passeur de migrants", src="fr")[0] == []
    assert _first(index, "passeurs")[1] == ["smuggler"]

    with seeded_database.session() as session:
        delete_concept(created, session=session, user="other-process")
    with seeded_database.sessionmaker() as session:
        index.refresh(session=session)
        assert not index.refresh(session=session)
    assert index.lookup("passeur", src="fr")[0] == []
    assert index.concept_count == seed_concepts


def test_a_load_calls_after_load_and_leaves_the_garbage_collector_alone(
    seeded_database: Database,
) -> None:
    loaded: list[TermIndex] = []
    frozen = gc.get_freeze_count()
    index = TermIndex(after_load=loaded.append)
    with seeded_database.sessionmaker() as session:
        index.load(session=session)
    assert loaded == [index] and index.term_count > 0
    assert gc.get_freeze_count() == frozen
