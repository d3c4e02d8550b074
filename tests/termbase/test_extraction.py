"""Term candidates mined from aligned beads: candidates bounded by function words, inflection
folded, paired through beads, known pairs marked, stable keys."""

from __future__ import annotations

import pytest

from termbase.aligned import BeadText
from termbase.extraction import (
    CONNECTORS,
    STOP_WORDS,
    ExtractionOptions,
    candidates_in,
    extract_candidates,
    pair_key,
)

# Eight beads of resolution prose: two terms recur in varying company, the rest varies.
BEADS = [
    BeadText(
        "Condamne la traite des personnes, qui touche les femmes.",
        "Condemns trafficking in persons, which affects women.",
    ),
    BeadText(
        "Les victimes de la traite doivent être protégées.",
        "Victims of trafficking must be protected.",
    ),
    BeadText(
        "La traite des personnes reste un crime grave selon le Conseil de sécurité.",
        "Trafficking in persons remains a serious crime for the Security Council.",
    ),
    BeadText(
        "Il faut aider chaque victime de la traite à se rétablir.",
        "Every victim of trafficking needs help to recover.",
    ),
    BeadText(
        "Le Conseil de sécurité a examiné la question de la traite des personnes.",
        "The Security Council considered the question of trafficking in persons.",
    ),
    BeadText(
        "Le Conseil de sécurité se réunira demain.",
        "The Security Council will meet tomorrow.",
    ),
    BeadText("Les enfants ont besoin d'écoles.", "Children need schools."),
    BeadText("Le budget a été adopté.", "The budget was adopted."),
]


def _pairs(candidates: list) -> dict[tuple[str, str], object]:  # type: ignore[type-arg]
    return {(c.fr_key, c.en_key): c for c in candidates}


def test_candidates_are_bounded_by_function_words() -> None:
    found = candidates_in(
        "Les victimes de la traite, selon le Conseil de sécurité.", "fr", ExtractionOptions()
    )
    assert "victime de la traite" in found
    assert "conseil de sécurité" in found
    for key in found:
        words = key.split(" ")
        for end in (words[0], words[-1]):
            assert end not in CONNECTORS["fr"] and end not in STOP_WORDS["fr"], key
    # punctuation ends a run: nothing spans the comma
    assert not any("traite selon" in key for key in found)
    assert found["victime de la traite"] == "victimes de la traite"


def test_inflected_forms_count_as_one_candidate() -> None:
    candidates = extract_candidates(BEADS)
    pairs = _pairs(candidates)
    victims = pairs[("victime de la traite", "victim of trafficking")]
    assert victims.frequency == 2  # "victimes de la traite" and "victime de la traite"
    assert victims.fr_frequency == victims.en_frequency == 2


def test_pairs_come_from_beads_with_their_association() -> None:
    candidates = extract_candidates(BEADS)
    pairs = _pairs(candidates)
    trafficking = pairs[("traite des personne", "trafficking in person")]
    assert trafficking.frequency == 3
    assert trafficking.dice == pytest.approx(1.0)
    assert trafficking.llr > 0
    assert ("conseil de sécurité", "security council") in pairs
    # "traite des personnes" is not paired with a word that merely sits beside it
    assert not any(f == "traite des personne" and e == "security council" for f, e in pairs)
    # ranked best first
    scores = [c.score for c in candidates]
    assert scores == sorted(scores, reverse=True)


def test_examples_and_stable_keys() -> None:
    candidates = extract_candidates(BEADS, options=ExtractionOptions(examples=2))
    council = _pairs(candidates)[("conseil de sécurité", "security council")]
    assert council.key == pair_key("conseil de sécurité", "security council")
    assert council.key == "conseil de sécurité|security council"
    assert len(council.examples) == 2
    assert all("Security Council" in example.en for example in council.examples)
    record = council.as_dict()
    assert record["key"] == council.key and record["examples"][0]["fr"]


def test_known_pairs_are_marked() -> None:
    known = [("Conseil de sécurité", "Security Council"), ("traite", "trade")]
    pairs = _pairs(extract_candidates(BEADS, known_pairs=known))
    assert pairs[("conseil de sécurité", "security council")].known
    trafficking = pairs[("traite des personne", "trafficking in person")]
    assert not trafficking.known and not trafficking.known_fr


def test_rare_pairs_and_one_sided_beads_are_left_out() -> None:
    beads = [*BEADS, BeadText("Une phrase sans traduction.", "")]
    pairs = _pairs(extract_candidates(beads))
    assert not any("budget" in f for f, _ in pairs)  # once only
    assert extract_candidates([]) == []
    assert extract_candidates([("Seul le français.", "")]) == []


def test_plain_tuples_are_beads_and_limits_hold() -> None:
    candidates = extract_candidates(
        [(b.fr, b.en) for b in BEADS], options=ExtractionOptions(limit=2)
    )
    assert len(candidates) == 2
    with pytest.raises(ValueError):
        extract_candidates([("only one side",)])


def test_the_aligner_lexicon_tells_a_translation_from_a_neighbour() -> None:
    from alignment.lexicon import Lexicon

    candidates = extract_candidates(BEADS, lexicon=Lexicon.load_default())
    council = _pairs(candidates)[("conseil de sécurité", "security council")]
    assert council.lexical > 0.5
