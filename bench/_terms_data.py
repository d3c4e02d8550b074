"""Shared inputs of bench/term_extraction.py and bench/translation_qa.py: the aligned UN beads
and the French/English term pairs of the seed termbase and of two published thesauri (SKOS).

The thesauri are read with rdflib, as published: ``skos:prefLabel`` and ``skos:altLabel`` in
French and English. UNTERM writes its French country names with the article in brackets
("Afghanistan (l')"): the bracket is dropped, as a translator would write the name in a text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
ALIGN_DEV = SHARED / "align-dev" / "un"
DEVSET = SHARED / "unpc-v1.0-devset"
THESAURI = SHARED / "thesauri"
SEED = ROOT / "termbase" / "data" / "seed_termbase.json"

_BRACKETED_ARTICLE = re.compile(r"\s*\((?:le|la|les|l'|l’|the)\)\s*$", re.IGNORECASE)


Term = tuple[str, str, str, "str | None", "str | None"]


@dataclass
class Vocabulary:
    """Concepts of one source as lists of (lang, text, status, note, part of speech)."""

    name: str
    concepts: list[list[Term]] = field(default_factory=list)

    def pairs(self) -> Iterator[tuple[str, str]]:
        """Every French × English pair of non-deprecated terms of each concept."""
        for terms in self.concepts:
            fr = [t for lang, t, status, *_ in terms if lang == "fr" and status != "deprecated"]
            en = [t for lang, t, status, *_ in terms if lang == "en" and status != "deprecated"]
            for f in fr:
                for e in en:
                    yield f, e


def seed_vocabulary() -> Vocabulary:
    data = json.loads(SEED.read_text(encoding="utf-8"))
    vocabulary = Vocabulary("seed")
    for concept in data["concepts"]:
        vocabulary.concepts.append(
            [
                (
                    t["lang"].split("-")[0],
                    t["text"],
                    t.get("status", "admitted"),
                    t.get("note"),
                    t.get("part_of_speech"),
                )
                for t in concept["terms"]
            ]
        )
    return vocabulary


def skos_vocabulary(path: Path, name: str) -> Vocabulary:
    import rdflib
    from rdflib.namespace import RDF, SKOS

    graph = rdflib.Graph()
    graph.parse(path)
    vocabulary = Vocabulary(name)
    for concept in graph.subjects(RDF.type, SKOS.Concept):
        terms: list[Term] = []
        for predicate, status in ((SKOS.prefLabel, "preferred"), (SKOS.altLabel, "admitted")):
            for label in graph.objects(concept, predicate):
                lang = getattr(label, "language", None)
                if lang not in ("fr", "en"):
                    continue
                text = str(label).strip()
                text = _BRACKETED_ARTICLE.sub("", text)
                if text:
                    terms.append((lang, text, status, None, "noun"))
        if terms:
            vocabulary.concepts.append(terms)
    return vocabulary


def known_vocabularies() -> list[Vocabulary]:
    return [
        seed_vocabulary(),
        skos_vocabulary(THESAURI / "unesco-thesaurus.ttl", "UNESCO"),
        skos_vocabulary(THESAURI / "unterm-countries.ttl", "UNTERM countries"),
    ]


def dev_documents() -> list[list]:  # type: ignore[type-arg]
    """The align-dev/un documents as lists of beads (gold alignment)."""
    from termbase.aligned import read_beads_folder

    return list(read_beads_folder(ALIGN_DEV))


def devset_beads() -> list:  # type: ignore[type-arg]
    """The raw UNPC devset, one bead a line."""
    from termbase.aligned import read_beads_folder

    return [bead for doc in read_beads_folder(DEVSET) for bead in doc]


def unique(beads: list) -> list:  # type: ignore[type-arg]
    """Beads with the same two sides counted once (align-dev/un reuses the devset's sentences)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for bead in beads:
        if (bead.fr, bead.en) in seen:
            continue
        seen.add((bead.fr, bead.en))
        out.append(bead)
    return out


def require_shared() -> None:
    if not SHARED.is_dir():
        raise SystemExit(f"the shared data is not at {SHARED}: nothing to measure")


def term_index(vocabularies: list[Vocabulary]):  # type: ignore[no-untyped-def]
    """A recognition index (termbase.index.TermIndex) of the vocabularies, without a database."""
    from termbase.index import IndexedConcept, TermIndex, indexed_term

    concepts = []
    term_id = 0
    for vocabulary in vocabularies:
        for terms in vocabulary.concepts:
            concept = IndexedConcept(len(concepts) + 1, None, None, None, vocabulary.name)
            for lang, text, status, note, pos in terms:
                term_id += 1
                concept.terms.append(
                    indexed_term(
                        term_id, concept.id, lang, text, status, note=note, part_of_speech=pos
                    )
                )
            concepts.append(concept)
    return TermIndex.of_concepts(concepts)
