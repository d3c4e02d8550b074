"""Round trips: export → import into an empty database → export gives the same file, for every
format, on the seed termbase and on the official samples, history included."""

from pathlib import Path

import pytest

from app.db import Database
from termbase.exchange.formats import WRITABLE
from termbase.schemas import ConceptIn, ConceptPatch
from termbase.service import create_concept, update_concept
from tests.tbx_support import VALID_SAMPLES, body, export_bytes, import_bytes, state

TRICKY = {
    "subject_field": "markup & <escapes>",
    "definition": 'Quotes " and \' and ]]> and a tab\there.',
    "note": "Line one\nline two\r\nline three\n\nParagraph « deux » — ✓ 𝄞",
    "source": "https://example.org/?a=1&b=2",
    "terms": [
        {"lang": "fr", "text": "l'État & ses <organes>", "status": "preferred",
         "context": "Un contexte\navec une ligne"},
        {"lang": "en", "text": "the State", "status": "preferred", "note": "  spaced  out  "},
        {"lang": "zh-Hant", "text": "國家", "status": "admitted", "type": "variant"},
    ],
}  # fmt: skip


def _empty(database: Database) -> None:
    from sqlalchemy import text

    with database.session() as session:
        for table in ("term", "revision", "concept"):
            session.execute(text(f"DELETE FROM {table}"))


def _enrich(database: Database) -> None:
    """A tricky concept, and history by several people."""
    with database.session() as session:
        concept = create_concept(ConceptIn.model_validate(TRICKY), session=session, user="ann")
        concept_id = concept.id
    for user, definition in (("bob", "Changed once."), ("chloé", "Changed twice.")):
        with database.session() as session:
            update_concept(
                concept_id, ConceptPatch(definition=definition), session=session, user=user
            )


@pytest.mark.parametrize("export_format", list(WRITABLE))
def test_the_seed_round_trips(
    seeded_database: Database, export_format: str, seed_concepts: int
) -> None:
    _enrich(seeded_database)
    first = export_bytes(seeded_database, export_format)
    _empty(seeded_database)
    report = import_bytes(seeded_database, first)
    assert report.committed, report.errors
    assert report.concepts.created == seed_concepts + 1
    second = export_bytes(seeded_database, export_format)
    if export_format.startswith("tbx"):
        first, second = body(first), body(second)
    assert second == first


def test_text_survives_exactly(database: Database) -> None:
    _enrich(database)
    document = export_bytes(database)
    _empty(database)
    import_bytes(database, document)
    from sqlalchemy import select

    from termbase.models import Concept

    with database.sessionmaker() as session:
        concept = session.execute(select(Concept)).scalar_one()
        assert concept.note == TRICKY["note"]  # \r, \n and blank lines included
        assert concept.source == TRICKY["source"]
        assert {t.text for t in concept.terms} == {"l'État & ses <organes>", "the State", "國家"}
        assert concept.terms[0].context == "Un contexte\navec une ligne"


def test_history_round_trips(seeded_database: Database, seed_concepts: int) -> None:
    _enrich(seeded_database)
    first = export_bytes(seeded_database)
    assert first.count(b"<transacGrp>") == seed_concepts + 3
    _empty(seeded_database)
    import_bytes(seeded_database, first, user="someone else")
    second = export_bytes(seeded_database)
    assert body(second) == body(first)
    assert b"someone else" not in second  # the import brought the history; it is not added to it


@pytest.mark.parametrize("sample", VALID_SAMPLES)
def test_the_samples_round_trip(database: Database, tbx_dir: Path, sample: str) -> None:
    assert import_bytes(database, (tbx_dir / sample).read_bytes()).committed
    first = export_bytes(database)
    _empty(database)
    assert import_bytes(database, first).committed
    assert body(export_bytes(database)) == body(first)


def test_a_second_import_of_the_same_file_changes_nothing(
    database: Database, tbx_dir: Path
) -> None:
    import_bytes(database, (tbx_dir / VALID_SAMPLES[0]).read_bytes())
    first = export_bytes(database)
    before = state(database)
    report = import_bytes(database, first)
    assert report.concepts.unchanged == 45 and report.transactions == 0
    assert state(database)["revisions"] == before["revisions"]
    assert body(export_bytes(database)) == body(first)
