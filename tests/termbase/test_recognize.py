"""Recognition: every termbase term in running text, with offsets; the longest match wins."""

from collections.abc import Callable

from termbase.index import TermIndex
from termbase.normalize import match_key


def _found(index: TermIndex, text: str, src: str = "fr") -> dict[str, str]:
    """Recognised text -> the first preferred equivalent of the first concept."""
    result = {}
    for span in index.recognize(text, src=src):
        assert text[span.start : span.end] == span.text
        hit = span.matches[0]
        result[span.text] = hit.concept.terms_in("en" if src == "fr" else "fr")[0].text
    return result


def test_longest_match_wins(seeded_index: TermIndex) -> None:
    text = "avec l’Office des Nations Unies contre la drogue et le crime et le Haut-Commissariat"
    found = _found(seeded_index, text)
    unodc = "Office des Nations Unies contre la drogue et le crime"
    assert found == {unodc: "United Nations Office on Drugs and Crime"}


def test_nested_terms_yield_to_the_longer_one(seeded_index: TermIndex) -> None:
    text = "les rescapés de la traite des personnes"
    assert list(_found(seeded_index, text)) == ["rescapés de la traite des personnes"]


def test_inflected_and_typographic_variants_are_found_with_offsets(seeded_index: TermIndex) -> None:
    text = "Les TRAITES des personnes et le trafic de migrants préoccupent les États\u00a0Membres."
    spans = seeded_index.recognize(text, src="fr")
    assert [(s.text, s.start) for s in spans] == [
        ("TRAITES des personnes", 4),
        ("trafic de migrants", 32),
        ("États\u00a0Membres", text.index("États")),
    ]
    assert spans[1].matches[0].concept.terms_in("en")[0].text == "smuggling of migrants"


def test_terms_are_not_matched_across_a_sentence(seeded_index: TermIndex) -> None:
    assert _found(seeded_index, "Il combat la traite. Des personnes en souffrent.") == {}


def test_english_text_and_deprecated_terms(seeded_index: TermIndex) -> None:
    spans = seeded_index.recognize(
        "States parties must fight trafficking of migrants and the smuggling of migrants.", src="en"
    )
    texts = {s.text: s.matches[0].matched.status for s in spans}
    assert texts["States parties"] == "preferred"
    assert texts["trafficking of migrants"] == "deprecated"
    assert texts["smuggling of migrants"] == "preferred"


def test_seed_document_finds_the_shared_list_and_nothing_else(
    seeded_index: TermIndex, seed_document: str, un_term_pairs: list[dict[str, str]]
) -> None:
    spans = seeded_index.recognize(seed_document, src="fr")
    # nothing that is not a termbase term: every span is, after normalisation, one of the terms
    for span in spans:
        assert span.matches
        assert all(match_key(span.text, "fr") == hit.matched.key for hit in span.matches)
    recognised = {hit.concept.id for span in spans for hit in span.matches}
    expected = {}
    for pair in un_term_pairs:
        hits, _ = seeded_index.lookup(pair["fr"], src="fr")
        expected[pair["fr"]] = hits[0].concept.id
    missed = [fr for fr, concept_id in expected.items() if concept_id not in recognised]
    share = 1 - len(missed) / len(expected)
    print(f"recognised {share:.1%} of the shared list's French terms; missed: {missed}")
    assert share >= 0.95, missed


def test_recognition_follows_termbase_changes(
    seeded_database, add_concept: Callable[..., int], replace_terms: Callable[..., None]
) -> None:
    """New terms are found and deleted ones are not, without rebuilding the whole automaton."""
    from termbase.service import delete_concept

    index = TermIndex()
    with seeded_database.sessionmaker() as session:
        index.load(session=session)
    # ("migrants" alone is a seed term too: the test watches the longer ones)
    text = "Les passeurs de migrants et le trafic de migrants."
    assert [s.text for s in index.recognize(text, src="fr") if s.text != "migrants"] == [
        "trafic de migrants"
    ]

    created = add_concept(
        seeded_database, {"lang": "fr", "text": "passeur de migrants", "status": "preferred"}
    )
    smuggling = index.lookup("trafic de migrants", src="fr")[0][0].concept.id
    with seeded_database.session() as session:
        delete_concept(smuggling, session=session, user="test")
    with seeded_database.sessionmaker() as session:
        index.refresh(session=session)
    assert [s.text for s in index.recognize(text, src="fr") if s.text != "migrants"] == [
        "passeurs de migrants"
    ]

    replace_terms(
        seeded_database,
        created,
        {"lang": "fr", "text": "trafic de migrants", "status": "preferred"},
    )
    with seeded_database.sessionmaker() as session:
        index.refresh(session=session)
    assert [s.text for s in index.recognize(text, src="fr") if s.text != "migrants"] == [
        "trafic de migrants"
    ]


def test_capital_acronyms_match_only_in_capitals(
    seeded_database, add_concept: Callable[..., int]
) -> None:
    add_concept(
        seeded_database,
        {"lang": "fr", "text": "Direction de l'eau", "status": "preferred"},
        {"lang": "fr", "text": "DE", "type": "acronym"},
    )
    index = TermIndex()
    with seeded_database.sessionmaker() as session:
        index.load(session=session)
    found = [s.text for s in index.recognize("La DE publie le rapport de la DE.", src="fr")]
    assert found == ["DE", "DE"]
    assert [s.text for s in index.recognize("le rôle de l'OIM et de l'oim", src="fr")] == ["OIM"]
    # look-up stays case-blind: a translator types "oim"
    assert index.lookup("oim", src="fr")[0]
