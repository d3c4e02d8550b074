"""CSV and TSV imports: a hand-made glossary, the export's own layout, errors at line and column."""

import codecs
import gc

from sqlalchemy import select

from app.db import Database
from termbase.models import Concept
from termbase.service import get_concept
from tests.tbx_support import import_bytes, state


def test_a_hand_made_glossary_makes_one_concept_a_row(database: Database) -> None:
    glossary = (
        "en,fr,Comment\r\n"
        "Member State,État Membre,from the Charter\r\n"
        '"smuggling of migrants","trafic de migrants",\r\n'
        "\r\n"
        "General Assembly,Assemblée générale,\r\n"
    ).encode()
    report = import_bytes(database, glossary)
    assert report.committed and report.format == "csv"
    assert (report.concepts.created, report.terms.created) == (3, 6)
    assert report.warnings[0].message.startswith("column 'Comment'")
    with database.sessionmaker() as session:
        concepts = session.execute(select(Concept).order_by(Concept.id)).scalars().all()
        assert [[(t.lang, t.text) for t in c.terms] for c in concepts][0] == [
            ("en", "Member State"),
            ("fr", "État Membre"),
        ]
        assert concepts[0].note == "[Comment] from the Charter"
        assert concepts[1].terms[0].status == "admitted"  # the default


def test_tsv_with_status_columns_and_several_rows_a_concept(database: Database) -> None:
    sheet = (
        b"concept_id\tsubject_field\ten\ten:status\ten:type\tfr\tfr:status\r\n"
        b"k1\thuman rights\tUnited Nations\tpreferred\tfull_form\tOrganisation des Nations Unies"
        b"\tpreferred\r\n"
        b"k1\t\tUN\tadmittedTerm-admn-sts\tacronym\tONU\tadmitted\r\n"
        b"k2\t\tSecretary-General\tpreferred\t\t\t\r\n"
    )
    report = import_bytes(database, sheet)
    assert report.committed and report.format == "tsv", report.errors
    assert (report.concepts.created, report.terms.created) == (2, 5)
    with database.sessionmaker() as session:
        first = session.execute(select(Concept).order_by(Concept.id)).scalars().first()
        concept = get_concept(first.id, session=session)
        assert concept.subject_field == "human rights"
        assert [(t.text, t.status, t.term_type) for t in concept.terms] == [
            ("United Nations", "preferred", "full_form"),
            ("Organisation des Nations Unies", "preferred", "full_form"),
            ("UN", "admitted", "acronym"),
            ("ONU", "admitted", "full_form"),
        ]
        assert "[id] k1" not in (concept.note or "")  # CSV ids that are not Alinea's are just keys


def test_errors_come_with_line_and_column(database: Database) -> None:
    before = state(database)
    sheet = (
        b"en,en:status,fr\n"
        b"one,preferred,un\n"
        b"two,favourite,deux\n"  # line 3, column 2
        b'three,preferred,"trois\nsur deux lignes"\n'  # a quoted field across lines 4 and 5
        b",admitted,quatre\n"  # line 6: a status without its term
    )
    report = import_bytes(database, sheet)
    assert not report.accepted
    found = {(e.line, e.column, e.code) for e in report.errors}
    assert (3, 2, "invalid-value") in found
    assert (6, 2, "missing-term") in found
    assert "favourite" in next(e.message for e in report.errors if e.line == 3)
    assert state(database) == before


def test_a_concepts_rows_must_follow_each_other(database: Database) -> None:
    sheet = b"concept_id,en\na,one\nb,two\na,three\n"
    report = import_bytes(database, sheet)
    assert not report.accepted
    assert (report.errors[0].line, report.errors[0].code) == (4, "invalid-row")


def test_a_header_without_languages_is_refused(database: Database) -> None:
    report = import_bytes(database, b"English,French\nState,Etat\n")
    assert not report.accepted and report.errors[0].code == "invalid-header"
    assert "BCP 47" in report.errors[0].message


def test_invalid_utf8_is_refused_at_its_line_and_column(database: Database) -> None:
    report = import_bytes(database, b"en,fr\nMember State,\xc9tat Membre\n")
    assert not report.accepted
    error = report.errors[0]
    assert (error.code, error.line, error.column) == ("invalid-encoding", 2, 14)
    assert "0xC9" in error.message


def test_unicode_text_from_a_spreadsheet_program(database: Database) -> None:
    """Spreadsheet programs save "Unicode text" as UTF-16 with a byte-order mark, tab-separated."""
    sheet = codecs.BOM_UTF16_LE + "en\tfr\r\nMember State\tÉtat Membre\r\n".encode("utf-16-le")
    report = import_bytes(database, sheet)
    assert report.committed, report.errors
    assert report.format == "tsv" and report.terms.created == 2


def test_a_row_longer_than_the_header_is_refused(database: Database) -> None:
    report = import_bytes(database, b"en,fr\none,un,extra\n")
    assert not report.accepted
    assert (report.errors[0].line, report.errors[0].column) == (2, 3)


def test_an_import_leaves_the_garbage_collector_alone(database: Database) -> None:
    """The service imports in its thread pool, and collection is process-wide: it stays on for
    the requests served meanwhile (`alinea termbase import` tunes it at its own edge)."""
    seen: list[bool] = []
    report = import_bytes(
        database, b"en,fr\nState,Etat\n", after_chunk=lambda: seen.append(gc.isenabled())
    )
    assert report.committed and seen == [True]
