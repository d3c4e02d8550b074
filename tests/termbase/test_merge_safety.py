"""Merges that lose nothing: a file changes only what it carries, an old export is a conflict,
spreadsheets never get a formula, text XML cannot carry is refused at its line and column."""

from __future__ import annotations

import csv
import io
from typing import Any

from app.db import Database
from termbase.schemas import ConceptIn, ConceptPatch
from termbase.service import concept_out, create_concept, get_concept, update_concept
from tests.tbx_support import export_bytes, import_bytes, state

CURATED: dict[str, Any] = {
    "subject_field": "migration",
    "definition": "Procuring the illegal entry of a person for a financial or material benefit.",
    "note": "See the Protocol against the Smuggling of Migrants.",
    "source": "A/RES/55/25",
    "terms": [
        {"lang": "en", "text": "smuggling of migrants", "status": "preferred",
         "context": "The smuggling of migrants is a crime.", "part_of_speech": "noun"},
        {"lang": "fr", "text": "trafic illicite de migrants", "status": "preferred",
         "context": "Le trafic illicite de migrants est un crime.", "source": "UNTERM"},
        {"lang": "en", "text": "trafficking of migrants", "status": "deprecated",
         "note": "Smuggling is not trafficking."},
    ],
}  # fmt: skip


def _curated(database: Database) -> int:
    with database.session() as session:
        return create_concept(ConceptIn.model_validate(CURATED), session=session, user="ann").id


def _read(database: Database, concept_id: int) -> dict[str, Any]:
    with database.sessionmaker() as session:
        return concept_out(get_concept(concept_id, session=session)).model_dump(
            exclude={"updated_at", "revision"}
        )


def test_a_csv_merge_keeps_what_the_sheet_does_not_carry(database: Database) -> None:
    concept_id = _curated(database)
    before = _read(database, concept_id)
    sheet = b"en,fr\nsmuggling of migrants,trafic illicite de migrants\n"
    report = import_bytes(database, sheet, merge="term:en")  # mode replace, the default
    assert report.committed, report.errors
    assert _read(database, concept_id) == before  # nothing the sheet says differs
    assert report.concepts.unchanged == 1 and report.concepts.updated == 0
    # a glossary row adds a term; it removes none
    added = import_bytes(
        database, b"en,es\nsmuggling of migrants,tr\xc3\xa1fico\n", merge="term:en"
    )
    assert added.concepts.updated == 1 and added.terms.created == 1
    after = _read(database, concept_id)
    assert after["terms"][:3] == before["terms"] and after["terms"][3]["text"] == "tráfico"


def test_a_csv_merge_changes_what_the_sheet_says_and_reports_it(database: Database) -> None:
    concept_id = _curated(database)
    # rows grouped by concept_id list the concept's terms: what they leave out goes
    sheet = b"concept_id,en,fr,fr:status\nk1,smuggling of migrants,trafic de migrants,preferred\n"
    report = import_bytes(database, sheet, merge="term:en")
    assert report.committed, report.errors
    after = _read(database, concept_id)
    assert (after["definition"], after["note"], after["source"], after["subject_field"]) == (
        CURATED["definition"], CURATED["note"], CURATED["source"], CURATED["subject_field"]
    )  # fmt: skip
    english = [(t["text"], t["status"], t["context"]) for t in after["terms"] if t["lang"] == "en"]
    # the sheet lists one English term: the deprecated one goes, the other keeps its fields
    assert english == [
        ("smuggling of migrants", "preferred", "The smuggling of migrants is a crime.")
    ]
    assert [(t["text"], t["status"]) for t in after["terms"] if t["lang"] == "fr"] == [
        ("trafic de migrants", "preferred")
    ]
    (change,) = report.changes
    assert change.concept_id == concept_id and change.action == "update"
    described = {(c.term or "", c.field, c.change) for c in change.changes}
    assert ("trafficking of migrants", "term", "removed") in described
    assert ("trafic illicite de migrants", "term", "removed") in described
    assert ("trafic de migrants", "term", "added") in described


def test_an_old_export_is_a_conflict_not_a_silent_undo(database: Database) -> None:
    concept_id = _curated(database)
    exported = export_bytes(database, "tbx")
    with database.session() as session:
        update_concept(
            concept_id,
            ConceptPatch(definition="A newer, better definition."),
            session=session,
            user="bob",
        )
    before = state(database)
    report = import_bytes(database, exported)
    assert report.committed
    assert report.concepts.conflicts == 1 and report.concepts.updated == 0
    (conflict,) = report.conflicts
    assert conflict.concept_id == concept_id and "bob" in conflict.reason
    assert {c.field for c in conflict.changes} == {"definition"}
    assert _read(database, concept_id)["definition"] == "A newer, better definition."
    assert state(database)["revisions"] == before["revisions"]
    # the caller may ask to overwrite
    forced = import_bytes(database, exported, on_conflict="overwrite")
    assert forced.committed and forced.concepts.updated == 1
    assert _read(database, concept_id)["definition"] == CURATED["definition"]


def test_an_old_csv_export_is_a_conflict_by_its_revision(database: Database) -> None:
    concept_id = _curated(database)
    exported = export_bytes(database, "csv")
    with database.session() as session:
        update_concept(concept_id, ConceptPatch(note="newer"), session=session, user="bob")
    report = import_bytes(database, exported)
    assert report.concepts.conflicts == 1
    assert _read(database, concept_id)["note"] == "newer"


def test_a_deleted_concept_is_not_brought_back_by_an_old_export(database: Database) -> None:
    from termbase.service import delete_concept

    concept_id = _curated(database)
    exported = export_bytes(database, "tbx")
    with database.session() as session:
        delete_concept(concept_id, session=session, user="bob")
    report = import_bytes(database, exported)
    assert report.committed and report.concepts.conflicts == 1 and report.concepts.created == 0
    assert "deleted" in report.conflicts[0].reason
    assert state(database)["concepts"] == 0


# -- spreadsheets ---------------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]


def test_csv_and_tsv_exports_never_start_a_cell_with_a_formula(database: Database) -> None:
    with database.session() as session:
        create_concept(
            ConceptIn.model_validate(
                {
                    "definition": "=1+1",
                    "terms": [{"lang": "en", "text": text} for text in FORMULAS]
                    + [{"lang": "fr", "text": "'=déjà gardé"}],
                }
            ),
            session=session,
            user="mallory",
        )
    for export_format, separator in (("csv", ","), ("tsv", "\t")):
        exported = export_bytes(database, export_format)
        rows = csv.reader(io.StringIO(exported.decode("utf-8-sig")), delimiter=separator)
        cells = [cell for row in rows for cell in row]
        assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
        assert "'=1+1" in cells
        # and the guard comes off again on import: the round trip is exact
        from sqlalchemy import text

        with database.session() as session:
            for table in ("term", "revision", "concept"):
                session.execute(text(f"DELETE FROM {table}"))
        assert import_bytes(database, exported).committed
        with database.sessionmaker() as session:
            from sqlalchemy import select

            from termbase.models import Concept

            concept = session.execute(select(Concept)).scalar_one()
            assert concept.definition == "=1+1"
            assert sorted(t.text for t in concept.terms) == sorted([*FORMULAS, "'=déjà gardé"])


def test_text_xml_cannot_carry_is_refused_at_its_line_and_column(database: Database) -> None:
    sheet = "en,fr\nfine,bien\nnot\uffffok,mal\n".encode()
    report = import_bytes(database, sheet)
    assert not report.accepted
    assert (report.errors[0].line, report.errors[0].column) == (3, 1)
    assert "U+FFFF" in report.errors[0].message
    assert state(database)["concepts"] == 0


def test_an_import_reports_possible_duplicates(database: Database) -> None:
    concept_id = _curated(database)
    sheet = b"en,en:status,fr\nSmuggling of Migrants,preferred,passage clandestin\n"
    report = import_bytes(database, sheet)  # merge by id: the row is a new concept
    assert report.committed and report.concepts.created == 1
    (duplicate,) = report.possible_duplicates
    assert (duplicate.line, duplicate.other_concept_id) == (2, concept_id)
    refused = import_bytes(database, sheet, on_duplicate="refuse")
    assert not refused.accepted and refused.errors[0].code == "possible-duplicate"


def _edit_cell(sheet: bytes, column: str, value: str) -> bytes:
    rows = list(csv.reader(io.StringIO(sheet.decode("utf-8-sig"))))
    rows[1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode()


def test_a_sheet_imported_again_after_more_edits_is_no_conflict(database: Database) -> None:
    """Export once, then edit and import the same sheet again and again: each import changes
    what the sheet changed, and none undoes the one before."""
    concept_id = _curated(database)
    sheet = export_bytes(database, "csv")
    first = _edit_cell(sheet, "definition", "Edited once.")
    assert import_bytes(database, first).concepts.updated == 1
    second = _edit_cell(first, "concept_note", "Edited twice.")
    report = import_bytes(database, second)
    assert report.concepts.conflicts == 0 and report.concepts.updated == 1
    after = _read(database, concept_id)
    assert (after["definition"], after["note"]) == ("Edited once.", "Edited twice.")


def test_a_change_here_the_file_agrees_with_is_no_conflict(database: Database) -> None:
    concept_id = _curated(database)
    exported = export_bytes(database, "tbx")
    with database.session() as session:
        update_concept(concept_id, ConceptPatch(source="A/RES/55/25, annex III"), session=session,
                       user="bob")  # fmt: skip
    # the file changes the definition only: bob's new source is not in it, so replace would
    # undo it -- a conflict; once the file has bob's source too, there is nothing to undo
    edited = exported.replace(CURATED["definition"].encode(), b"A shorter definition.")
    assert import_bytes(database, edited, dry_run=True).concepts.conflicts == 1
    agreed = edited.replace(b"A/RES/55/25<", b"A/RES/55/25, annex III<")
    report = import_bytes(database, agreed)
    assert report.concepts.conflicts == 0 and report.concepts.updated == 1
    after = _read(database, concept_id)
    assert (after["definition"], after["source"]) == (
        "A shorter definition.",
        "A/RES/55/25, annex III",
    )


def test_a_third_party_file_older_than_the_concept_is_a_conflict(database: Database) -> None:
    """A TBX from another tool whose last transaction predates the concept's last change."""
    concept_id = _curated(database)
    older = (
        b'<?xml version="1.0"?><tbx xmlns="urn:iso:std:iso:30042:ed-2" type="TBX-Basic" '
        b'style="dca" xml:lang="en"><tbxHeader><fileDesc><sourceDesc><p>x</p></sourceDesc>'
        b'</fileDesc></tbxHeader><text><body><conceptEntry id="MT-9">'
        b'<transacGrp><transac type="transactionType">modification</transac>'
        b"<date>2019-05-01</date></transacGrp>"
        b'<descrip type="definition">An old definition.</descrip>'
        b'<langSec xml:lang="en"><termSec><term>smuggling of migrants</term></termSec></langSec>'
        b"</conceptEntry></body></text></tbx>"
    )
    report = import_bytes(database, older, merge="term:en", mode="replace")
    assert report.concepts.conflicts == 1 and report.conflicts[0].resolution == "kept"
    assert "2019" not in _read(database, concept_id)["definition"]
    forced = import_bytes(database, older, merge="term:en", on_conflict="overwrite")
    assert forced.conflicts[0].resolution == "overwritten"
    assert _read(database, concept_id)["definition"] == "An old definition."


def test_a_tbx_term_with_a_non_character_is_refused_at_its_line(database: Database) -> None:
    data = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<tbx xmlns="urn:iso:std:iso:30042:ed-2" '
        'type="TBX-Basic" style="dca" xml:lang="en">\n<text><body>\n<conceptEntry id="c1">\n'
        '<langSec xml:lang="en"><termSec><term>bad\ufdd0term</term></termSec></langSec>\n'
        "</conceptEntry>\n</body></text></tbx>\n"
    ).encode()
    report = import_bytes(database, data)
    assert not report.accepted
    assert report.errors[0].line == 5 and "U+FDD0" in report.errors[0].message
    # and U+FFFF, which XML itself cannot carry, is malformed XML
    refused = import_bytes(database, data.replace("\ufdd0".encode(), "\uffff".encode()))
    assert not refused.accepted and refused.errors[0].line == 5
