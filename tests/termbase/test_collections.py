"""Collections: every concept in one, answers ranked by the collection's priority and filtered by
it; exchange files carry it; imports assign it."""

from __future__ import annotations

import csv
import io

import pytest
from lxml import etree
from sqlalchemy import text

from app.db import Database, alembic_config, upgrade
from termbase import collections
from termbase.errors import InvalidCollection
from termbase.exchange.schematron import failures
from termbase.index import MatchMode, TermIndex
from termbase.schemas import ConceptIn
from termbase.seed import read_seed
from termbase.service import create_concept, get_concept
from tests.tbx_support import NS, export_bytes, import_bytes, parse

SEED_CONCEPTS = len(read_seed()["concepts"])  # concepts in the shipped seed


def _add(database: Database, collection: str | None, *terms: tuple[str, str, str]) -> int:
    with database.session() as session:
        concept = create_concept(
            ConceptIn.model_validate(
                {
                    "collection": collection,
                    "terms": [{"lang": lg, "text": t, "status": s} for lg, t, s in terms],
                }
            ),
            session=session,
            user="tester",
        )
        return concept.id


def _vocabulary(database: Database, name: str = "thesaurus", priority: int = 500) -> None:
    with database.session() as session:
        collections.create_collection(name, session=session, priority=priority)


def _index(database: Database) -> TermIndex:
    index = TermIndex()
    with database.sessionmaker() as session:
        index.load(session=session)
    return index


def test_seed_concepts_are_in_the_seed_collection_new_ones_in_the_teams(
    seeded_database: Database,
) -> None:
    own = _add(seeded_database, None, ("fr", "ordre du jour", "preferred"))
    with seeded_database.session() as session:
        listed = {c.name: c for c in collections.list_collections(session=session)}
        assert get_concept(own, session=session).collection.name == "team"
    assert listed["un-seed"].concepts == SEED_CONCEPTS
    assert listed["team"].concepts == 1
    assert listed["candidates"].concepts == 0
    assert listed["un-seed"].priority > listed["team"].priority > listed["candidates"].priority


def test_the_seed_wins_over_a_thesaurus_and_the_filter_keeps_one_collection(
    seeded_database: Database,
) -> None:
    _vocabulary(seeded_database)
    # as UNESCO has it: "human trafficking" preferred (the seed admits it, UN usage being
    # "trafficking in persons"); by status alone the thesaurus would come first
    thesaurus = _add(
        seeded_database,
        "thesaurus",
        ("en", "human trafficking", "preferred"),
        ("fr", "trafic humain", "preferred"),
    )
    index = _index(seeded_database)
    hits, _ = index.lookup("human trafficking", src="en")
    assert [h.concept.collection for h in hits] == ["un-seed", "thesaurus"]
    assert hits[0].matched.status == "admitted" and hits[1].concept.id == thesaurus
    only, _ = index.lookup("human trafficking", src="en", collections=["thesaurus"])
    assert [h.concept.id for h in only] == [thesaurus]
    fuzzy, _ = index.lookup("human trafiking", src="en", mode=MatchMode.FUZZY)
    assert [h.concept.collection for h in fuzzy[:2]] == ["un-seed", "thesaurus"]
    spans = index.recognize("Combating human trafficking.", src="en")
    assert [h.concept.collection for h in spans[0].matches] == ["un-seed", "thesaurus"]
    spans = index.recognize("Combating human trafficking.", src="en", collections=["thesaurus"])
    assert [h.concept.id for h in spans[0].matches] == [thesaurus]


def test_priorities_move_the_ranking_and_a_vocabulary_stays_below_the_seed(
    seeded_database: Database,
) -> None:
    _add(seeded_database, None, ("en", "Member States", "admitted"))
    index = _index(seeded_database)
    hits, _ = index.lookup("Member States", src="en")
    assert [h.concept.collection for h in hits] == ["un-seed", "team"]
    with seeded_database.session() as session:
        collections.update_collection("team", session=session, priority=950)
    with seeded_database.sessionmaker() as session:
        assert index.refresh(session=session)
    hits, _ = index.lookup("Member States", src="en")
    assert [h.concept.collection for h in hits] == ["team", "un-seed"]
    with seeded_database.session() as session, pytest.raises(InvalidCollection, match="below"):
        collections.create_collection("eurovoc", session=session, priority=950)
    with seeded_database.session() as session, pytest.raises(InvalidCollection, match="name"):
        collections.create_collection("Euro Voc", session=session)


def test_candidates_are_left_out_of_answers_unless_asked_for(database: Database) -> None:
    candidate = _add(database, "candidates", ("en", "gender perspective", "admitted"))
    index = _index(database)
    assert index.lookup("gender perspective", src="en")[0] == []
    assert index.recognize("a gender perspective", src="en") == []
    hits, _ = index.lookup("gender perspective", src="en", collections=["candidates"])
    assert [h.concept.id for h in hits] == [candidate]


def test_tbx_export_carries_the_collection_and_stays_valid(
    seeded_database: Database, core_rng: etree.RelaxNG, basic_schematron
) -> None:
    _vocabulary(seeded_database)
    _add(seeded_database, "thesaurus", ("en", "human rights", "preferred"))
    document = parse(export_bytes(seeded_database))
    assert core_rng.validate(document), core_rng.error_log
    assert failures(basic_schematron, document) == []
    subsets = [
        e.text
        for e in document.getroot().iterfind(
            ".//tbx:conceptEntry/tbx:admin[@type='projectSubset']", NS
        )
    ]
    assert subsets.count("un-seed") == SEED_CONCEPTS and subsets.count("thesaurus") == 1


@pytest.mark.parametrize("export_format", ["tbx", "csv"])
def test_an_import_keeps_the_files_collection_or_takes_the_one_asked(
    database: Database, export_format: str
) -> None:
    _vocabulary(database)
    _add(database, "thesaurus", ("en", "civil society", "preferred"))
    _add(database, None, ("en", "agenda item", "preferred"))
    data = export_bytes(database, export_format)
    if export_format == "csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert rows[0][6] == "collection"
        assert sorted(r[6] for r in rows[1:]) == ["team", "thesaurus"]
    report = import_bytes(database, data, merge="none")
    assert report.accepted and report.collection is None
    with database.session() as session:
        counts = {c.name: c.concepts for c in collections.list_collections(session=session)}
    assert counts["thesaurus"] == 2 and counts["team"] == 2
    report = import_bytes(database, data, merge="none", collection="imported")
    assert report.accepted and report.collection_created
    with database.session() as session:
        counts = {c.name: c.concepts for c in collections.list_collections(session=session)}
        kind = collections.get_collection("imported", session=session).kind
    assert counts["imported"] == 2 and kind == "vocabulary"


def test_an_unknown_collection_in_a_file_goes_to_the_team_with_a_warning(
    database: Database,
) -> None:
    data = b"en,collection\r\nagenda,nowhere\r\n"
    report = import_bytes(database, data)
    assert report.accepted
    assert [w.code for w in report.warnings] == ["unknown-collection"]
    with database.session() as session:
        counts = {c.name: c.concepts for c in collections.list_collections(session=session)}
    assert counts["team"] == 1


def test_the_migration_puts_seed_concepts_in_the_seed_collection(tmp_path) -> None:
    from alembic import command

    database = Database(f"sqlite:///{tmp_path / 'before.db'}")
    try:
        with database.engine.begin() as conn:
            config = alembic_config(database.engine)
            config.attributes["connection"] = conn
            command.upgrade(config, "0005_segment_stems")
        with database.engine.begin() as conn:
            for concept_id, user in ((1, "alinea-seed"), (2, "ann")):
                conn.execute(
                    text(
                        "INSERT INTO concept (id, created_at, updated_at, revision) "
                        "VALUES (:id, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
                    ),
                    {"id": concept_id},
                )
                conn.execute(
                    text(
                        "INSERT INTO revision (concept_id, generation, action, changed_at, "
                        "changed_by, number) VALUES (:id, 1, 'create', CURRENT_TIMESTAMP, "
                        ":user, 1)"
                    ),
                    {"id": concept_id, "user": user},
                )
        upgrade(database.engine)
        with database.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT concept.id, collection.name FROM concept JOIN collection "
                    "ON collection.id = concept.collection_id ORDER BY concept.id"
                )
            ).all()
        assert [tuple(r) for r in rows] == [(1, "un-seed"), (2, "team")]
    finally:
        database.dispose()
