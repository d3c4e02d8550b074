"""Translation QA, bead by bead: missing equivalents, deprecated terms, inconsistent renderings,
numbers, symbols and dates, the aligner's review flags; and no alarm for inflection."""

from __future__ import annotations

import pytest

from termbase.aligned import BeadText
from termbase.index import IndexedConcept, TermIndex, indexed_term
from termbase.qa import (
    DATE,
    DEPRECATED,
    INCONSISTENT,
    MISSING,
    NUMBER,
    OMISSION,
    SYMBOL,
    QAOptions,
    check_translation,
)


@pytest.fixture(scope="module")
def index() -> TermIndex:
    rows = [
        [
            ("fr", "traite des personnes", "preferred", None, "noun"),
            ("en", "trafficking in persons", "preferred", None, "noun"),
            ("en", "human trafficking", "admitted", None, "noun"),
            ("en", "trade in persons", "deprecated", "Use “trafficking in persons”.", "noun"),
        ],
        [
            ("fr", "États Membres", "preferred", None, "noun"),
            ("en", "Member States", "preferred", None, "noun"),
        ],
        [
            ("fr", "Prie", "preferred", None, "verb"),
            ("en", "Requests", "preferred", None, "verb"),
        ],
        [
            ("fr", "Pakistan", "preferred", None, "noun"),
            ("en", "Pakistan", "preferred", None, "noun"),
        ],
    ]
    concepts = []
    term_id = 0
    for number, terms in enumerate(rows, 1):
        concept = IndexedConcept(number, None, None, None, None)
        for lang, text, status, note, pos in terms:
            term_id += 1
            concept.terms.append(
                indexed_term(term_id, number, lang, text, status, note=note, part_of_speech=pos)
            )
        concepts.append(concept)
    return TermIndex.of_concepts(concepts)


def _kinds(index: TermIndex, *beads: BeadText | tuple[str, str]) -> list[list[str]]:
    report = check_translation(list(beads), index)
    return [[f.kind for f in bead.findings] for bead in report.beads]


def test_a_missing_equivalent_names_what_was_expected(index: TermIndex) -> None:
    report = check_translation(
        [("Il condamne la traite des personnes.", "He condemns the smuggling of people.")], index
    )
    [finding] = report.beads[0].findings
    assert finding.kind == MISSING and finding.lang == "fr"
    assert finding.text == "traite des personnes"
    assert report.beads[0].bead.fr[finding.start : finding.end] == "traite des personnes"
    assert finding.expected == ["trafficking in persons", "human trafficking"]


def test_the_reverse_direction_is_checked_too(index: TermIndex) -> None:
    report = check_translation([("Il condamne ce crime.", "He condemns human trafficking.")], index)
    [finding] = report.beads[0].findings
    assert finding.kind == MISSING and finding.lang == "en"
    assert finding.expected == ["traite des personnes"]


def test_inflection_and_typography_raise_no_alarm(index: TermIndex) -> None:
    assert _kinds(
        index,
        ("Chacun des États Membres agit.", "Each Member State acts."),
        ("La Traite des Personnes augmente.", "Trafficking-in-persons rises."),
        ("Le Gouvernement pakistanais a répondu.", "The Government of Pakistan replied."),
    ) == [[], [], []]


def test_a_deprecated_term_comes_with_its_note_and_no_second_alarm(index: TermIndex) -> None:
    report = check_translation(
        [("Il condamne la traite des personnes.", "He condemns trade in persons.")], index
    )
    [finding] = report.beads[0].findings
    assert finding.kind == DEPRECATED and finding.lang == "en"
    assert finding.note == "Use “trafficking in persons”."
    assert finding.expected == ["trafficking in persons", "human trafficking"]


def test_drafting_verbs_are_not_called_missing(index: TermIndex) -> None:
    assert _kinds(index, ("Prie le Secrétaire général.", "Asks the Secretary-General.")) == [[]]


def test_the_same_term_rendered_differently_is_flagged_where_it_differs(
    index: TermIndex,
) -> None:
    beads = [("La traite des personnes est un crime.", "Trafficking in persons is a crime.")] * 3
    beads.append(("La traite des personnes augmente.", "Human trafficking is rising."))
    report = check_translation(beads, index)
    assert [[f.kind for f in b.findings] for b in report.beads] == [[], [], [], [INCONSISTENT]]
    finding = report.beads[3].findings[0]
    assert finding.expected == ["trafficking in persons"]
    assert "in 3 other beads" in finding.message


def test_numbers_compare_by_value(index: TermIndex) -> None:
    assert _kinds(
        index,
        ("Il y a 1 500 cas, soit 3,5 %.", "There are 1,500 cases, or 3.5 per cent."),
        ("Trois rapports en 2019.", "3 reports in 2019."),
        ("La séance commence à 15 h 30.", "The meeting starts at 3.30 p.m."),
        ("10. Décide de poursuivre.", "Decides to continue."),  # a number on one side only
    ) == [[], [], [], []]
    report = check_translation([("11. Il y a 1 500 cas.", "10. There are 1,600 cases.")], index)
    findings = report.beads[0].findings
    assert {(f.kind, f.text) for f in findings} == {
        (NUMBER, "11"),
        (NUMBER, "1 500"),
        (NUMBER, "10"),
        (NUMBER, "1,600"),
    }


def test_symbols_and_months_must_agree(index: TermIndex) -> None:
    report = check_translation(
        [("Voir A/RES/74/176 du 18 décembre 2019.", "See A/RES/74/175 of 18 November 2019.")],
        index,
    )
    kinds = sorted(f.kind for f in report.beads[0].findings)
    assert kinds == [DATE, DATE, SYMBOL, SYMBOL]
    assert _kinds(index, ("Voir A/RES/74/176.", "See A/RES/74/176.")) == [[]]


def test_review_flags_become_findings(index: TermIndex) -> None:
    report = check_translation(
        [BeadText("", "An English sentence left out.", "omission", "doc#0")], index
    )
    [finding] = report.beads[0].findings
    assert finding.kind == OMISSION and finding.lang == "en"
    summary = report.summary()
    assert summary["by_kind"] == {OMISSION: 1}
    assert summary["beads_with_findings"] == 1


def test_checks_can_be_chosen(index: TermIndex) -> None:
    beads = [("Il condamne la traite des personnes en 2019.", "He condemns it in 2018.")]
    only_numbers = check_translation(beads, index, options=QAOptions(frozenset({NUMBER})))
    assert {f.kind for f in only_numbers.findings} == {NUMBER}
    everything = check_translation(beads, index)
    assert {f.kind for f in everything.findings} == {NUMBER, MISSING}
