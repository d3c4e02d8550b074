"""SKOS import (Turtle and RDF/XML), and the review queue of term candidates."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.db import Database
from termbase import candidates, collections
from termbase.errors import ChangeRefused
from termbase.index import TermIndex
from termbase.models import Concept
from termbase.service import concept_out, get_concept
from tests.tbx_support import import_bytes

TURTLE = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
<http://example.org/scheme> a skos:ConceptScheme ; dct:title "Example Thesaurus"@en .
<http://example.org/c1> a skos:Concept ;
  skos:prefLabel "Human rights"@en, "Droits de l'homme"@fr ;
  skos:altLabel "Rights of man"@en, "Human rights"@en ;
  skos:hiddenLabel "Humain rights"@en ;
  skos:definition "Rights inherent to all human beings."@en ;
  skos:scopeNote "Use for the rights themselves."@en, "Pour les droits eux-mêmes."@fr ;
  skos:broader <http://example.org/c2> ;
  skos:related <http://example.org/elsewhere> .
<http://example.org/c2> a skos:Concept ;
  skos:prefLabel "Rights"@en, "Droits"@fr-CA ;
  skos:altLabel "untagged" ;
  skos:narrower <http://example.org/c1> .
"""

PREFIX = "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
RDF_XML = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:skos="http://www.w3.org/2004/02/skos/core#">
  <skos:Concept rdf:about="http://example.org/x1">
    <skos:prefLabel xml:lang="en">civil society</skos:prefLabel>
    <skos:prefLabel xml:lang="fr">société civile</skos:prefLabel>
  </skos:Concept>
</rdf:RDF>
"""


def _concepts(database: Database) -> list[dict]:  # type: ignore[type-arg]
    with database.sessionmaker() as session:
        ids = [row[0] for row in session.query(Concept.id).order_by(Concept.id)]
        return [concept_out(get_concept(i, session=session)).model_dump() for i in ids]


def test_turtle_maps_labels_notes_and_cross_references(database: Database) -> None:
    report = import_bytes(database, TURTLE.encode(), format="skos")
    assert report.accepted, report.errors
    assert report.format == "skos"
    assert (report.collection, report.collection_created) == ("example-thesaurus", True)
    assert report.concepts.created == 2
    codes = {w.code for w in report.warnings}
    assert {"no-language", "hidden-labels-skipped"} <= codes
    first, second = _concepts(database)
    assert first["collection"] == "example-thesaurus"
    assert first["source"] == "http://example.org/c1"
    terms = {(t["lang"], t["text"]): t for t in first["terms"]}
    assert terms[("en", "Human rights")]["status"] == "preferred"
    assert terms[("fr", "Droits de l'homme")]["status"] == "preferred"
    lead_in = terms[("en", "Rights of man")]
    assert lead_in["status"] == "admitted" and "not always a synonym" in lead_in["note"]
    assert ("en", "Humain rights") not in terms  # hidden label skipped
    assert first["definition"] == "Rights inherent to all human beings."
    assert "[scope note, fr] Pour les droits eux-mêmes." in first["note"]
    assert first["cross_references"] == [
        {"type": "broader", "target": "http://example.org/c2", "label": "Rights"},
        {"type": "related", "target": "http://example.org/elsewhere", "label": None},
    ]
    assert {(t["lang"], t["text"]) for t in second["terms"]} == {
        ("en", "Rights"),
        ("fr-CA", "Droits"),
    }
    with database.session() as session:
        vocabulary = collections.get_collection("example-thesaurus", session=session)
        assert vocabulary.kind == "vocabulary"
        assert vocabulary.priority < collections.get_collection("un-seed", session=session).priority


def test_rdf_xml_is_read_and_a_dry_run_writes_nothing(database: Database) -> None:
    report = import_bytes(database, RDF_XML.encode(), dry_run=True)
    assert report.accepted and report.format == "skos" and report.concepts.created == 1
    assert _concepts(database) == []
    report = import_bytes(database, RDF_XML.encode(), format="skos", collection="mine")
    assert report.accepted and report.collection == "mine"
    assert _concepts(database)[0]["collection"] == "mine"


def test_reimport_by_source_updates_instead_of_duplicating(database: Database) -> None:
    assert import_bytes(database, TURTLE.encode(), format="skos").accepted
    again = import_bytes(database, TURTLE.encode(), format="skos", merge="source")
    assert again.accepted
    assert again.concepts.created == 0 and again.concepts.unchanged == 2


@pytest.mark.parametrize(
    ("document", "code"),
    [
        (
            '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">&b;</rdf:RDF>',
            "forbidden-entity",
        ),
        (
            '<?xml version="1.0"?><!DOCTYPE r SYSTEM "file:///etc/passwd">'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>',
            "forbidden-dtd",
        ),
        (
            "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<a> skos:prefLabel",
            "malformed-rdf",
        ),
        ("@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n", "no-concepts"),
    ],
)
def test_hostile_or_broken_files_are_refused_whole(
    database: Database, document: str, code: str
) -> None:
    report = import_bytes(database, document.encode(), format="skos")
    assert not report.accepted
    assert report.errors[0].code == code
    assert _concepts(database) == []


def test_a_file_over_the_cap_is_refused(database: Database) -> None:
    report = import_bytes(database, TURTLE.encode() * 4, format="skos", max_bytes=1000)
    assert not report.accepted and report.errors[0].code == "too-large"


@pytest.fixture(scope="module")
def unterm(shared_dir: Path) -> bytes:
    path = shared_dir / "data" / "thesauri" / "unterm-countries.ttl"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return path.read_bytes()


def test_unterm_country_names_are_found_with_or_without_their_article(
    seeded_database: Database, unterm: bytes
) -> None:
    report = import_bytes(seeded_database, unterm, format="skos")
    assert report.accepted and report.concepts.created == 197
    index = TermIndex()
    with seeded_database.sessionmaker() as session:
        index.load(session=session)
    for query in ("Côte d'Ivoire", "la Côte d'Ivoire", "Côte d'Ivoire (la)", "l'Afghanistan"):
        hits, _ = index.lookup(query, src="fr", collections=["unterm-countries"])
        assert len(hits) == 1, query
        assert hits[0].concept.source.startswith("http://metadata.un.org/unterm/")
    spans = index.recognize("Le Gouvernement de la Côte d'Ivoire a", src="fr")
    assert any(h.concept.collection == "unterm-countries" for s in spans for h in s.matches)


# -- the review queue ---------------------------------------------------------------------------


def _pair(fr: str, en: str, **kwargs) -> candidates.CandidateIn:  # type: ignore[no-untyped-def]
    return candidates.CandidateIn(
        fr=fr,
        en=en,
        score=kwargs.get("score", 12.5),
        frequency=kwargs.get("frequency", 4),
        examples=[candidates.Example("job 7, bead 3", f"… les {fr} …", f"… the {en} …")],
        known=kwargs.get("known", False),
    )


def test_candidates_are_queued_once_and_accepted_into_the_teams_collection(
    database: Database,
) -> None:
    with database.session() as session:
        report = candidates.propose(
            session,
            [
                _pair("victimes de la traite", "victims of trafficking"),
                _pair("victime de la traite", "victim of trafficking"),  # the same pair
                _pair("ordre du jour", "agenda", known=True),
            ],
            source="job 7",
        )
    assert (report.queued, report.known) == (1, 1)
    (pending,) = _pending(database)
    with database.session() as session:
        assert get_concept(pending.concept_id, session=session).collection.name == "candidates"
        row = candidates.accept(pending.id, session=session, user="ann")
        concept = get_concept(row.concept_id, session=session)
        assert concept.collection.name == "team"
        assert {t.status for t in concept.terms} == {"preferred"}
        french = next(t for t in concept.terms if t.lang == "fr")
        assert french.context == "… les victimes de la traite …"
        assert french.source == "job 7"
    with database.session() as session, pytest.raises(ChangeRefused):
        candidates.reject(pending.id, session=session, user="ann")
    with database.session() as session:
        again = candidates.propose(
            session, [_pair("victimes de la traite", "victims of trafficking")]
        )
    assert (again.queued, again.accepted_before) == (0, 1)


def test_a_rejected_pair_is_never_proposed_again_and_an_edit_moves_its_key(
    database: Database,
) -> None:
    with database.session() as session:
        candidates.propose(session, [_pair("perspective de genre", "gender perspective")])
        candidates.propose(session, [_pair("Etats Membre", "Member State")])
    first, second = _pending(database)
    with database.session() as session:
        candidates.edit(second.id, session=session, user="ann", fr="États Membres")
        concept = get_concept(second.concept_id, session=session)
        assert "États Membres" in {t.text for t in concept.terms}
        candidates.reject(first.id, session=session, user="ann")
    with database.session() as session:
        assert session.get(Concept, first.concept_id) is None
        report = candidates.propose(
            session, [_pair("perspectives de genre", "gender perspectives")]
        )
    assert (report.queued, report.rejected_before) == (0, 1)


def _pending(database: Database) -> list:  # type: ignore[type-arg]
    with database.session() as session:
        rows = candidates.list_candidates(session)
        session.expunge_all()
        return rows
