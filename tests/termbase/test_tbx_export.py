"""Exports: TBX-Basic valid against the official schemas, every field in its data category, TBX v2
for older tools, CSV/TSV, filters, streaming from one snapshot."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import text

from app.db import Database
from termbase.exchange.export import ExportFormat, export_termbase
from termbase.exchange.schematron import failures
from termbase.exchange.selection import ExportFilter
from termbase.schemas import ConceptIn, ConceptPatch
from termbase.service import create_concept, get_concept, update_concept
from tests.tbx_support import NS, TBX_NS, export_bytes, parse

TBX2_RNG = Path(__file__).parent / "data" / "tbx2_structure.rng"

FULL_CONCEPT = {
    "subject_field": "trafficking in persons",
    "definition": "The recruitment of persons by force, for exploitation.",
    "note": 'Core concept.\n\nSecond paragraph, with <markup> & "quotes".',
    "source": "A/RES/74/176",
    "terms": [
        {
            "lang": "fr",
            "text": "traite des personnes",
            "status": "preferred",
            "type": "full_form",
            "part_of_speech": "noun",
            "context": "Condamnant la traite des personnes,",
            "source": "A/RES/74/176, préambule",
            "note": "Jamais « trafic ».",
        },
        {"lang": "en", "text": "trafficking in persons", "status": "preferred"},
        {"lang": "en", "text": "TIP", "status": "admitted", "type": "acronym"},
        {"lang": "en", "text": "traffic in persons", "status": "deprecated", "type": "variant"},
        {"lang": "en", "text": "white slave traffic", "status": "superseded", "type": "phrase"},
        {
            "lang": "fr-CA",
            "text": "traite de personnes",
            "type": "short_form",
            "part_of_speech": "verb",
        },
        {"lang": "fr", "text": "TDP", "type": "abbreviation", "part_of_speech": "other"},
    ],
}


def _full_concept(database: Database) -> int:
    with database.session() as session:
        concept = create_concept(
            ConceptIn.model_validate(FULL_CONCEPT), session=session, user="ann"
        )
        concept_id = concept.id
    with database.session() as session:
        update_concept(
            concept_id,
            ConceptPatch(definition=FULL_CONCEPT["definition"] + " (revised)"),
            session=session,
            user="bob",
        )
    return concept_id


def _one(tree: etree._ElementTree, path: str) -> str:
    found = tree.xpath(path, namespaces=NS)
    assert len(found) == 1, (path, found)
    return found[0] if isinstance(found[0], str) else found[0].text


def test_the_seed_exports_as_valid_tbx_basic(
    seeded_database: Database, core_rng: etree.RelaxNG, basic_schematron, seed_concepts: int
) -> None:
    document = parse(export_bytes(seeded_database))
    assert core_rng.validate(document), core_rng.error_log
    assert failures(basic_schematron, document) == []
    root = document.getroot()
    assert root.tag == f"{{{TBX_NS}}}tbx"
    assert (root.get("type"), root.get("style")) == ("TBX-Basic", "dca")
    assert len(root.findall(".//tbx:conceptEntry", NS)) == seed_concepts


def test_every_field_has_its_data_category(
    database: Database, core_rng: etree.RelaxNG, basic_schematron
) -> None:
    concept_id = _full_concept(database)
    document = parse(export_bytes(database))
    assert core_rng.validate(document), core_rng.error_log
    assert failures(basic_schematron, document) == []
    entry = f"//tbx:conceptEntry[@id='alinea-{concept_id}']"
    assert _one(document, f"{entry}/tbx:descrip[@type='subjectField']") == "trafficking in persons"
    assert _one(document, f"{entry}/tbx:descrip[@type='definition']").endswith("(revised)")
    assert _one(document, f"{entry}/tbx:admin[@type='source']") == "A/RES/74/176"
    assert _one(document, f"{entry}/tbx:note") == FULL_CONCEPT["note"]
    term = f"{entry}/tbx:langSec[@xml:lang='fr']/tbx:termSec[tbx:term='traite des personnes']"
    assert _one(document, f"{term}/tbx:termNote[@type='administrativeStatus']") == (
        "preferredTerm-admn-sts"
    )
    assert _one(document, f"{term}/tbx:termNote[@type='termType']") == "fullForm"
    assert _one(document, f"{term}/tbx:termNote[@type='partOfSpeech']") == "noun"
    assert _one(document, f"{term}/tbx:descrip[@type='context']") == (
        "Condamnant la traite des personnes,"
    )
    assert _one(document, f"{term}/tbx:admin[@type='source']") == "A/RES/74/176, préambule"
    assert _one(document, f"{term}/tbx:note") == "Jamais « trafic »."
    statuses = document.xpath(
        f"{entry}//tbx:termNote[@type='administrativeStatus']/text()", namespaces=NS
    )
    assert set(statuses) == {
        "preferredTerm-admn-sts",
        "admittedTerm-admn-sts",
        "deprecatedTerm-admn-sts",
        "supersededTerm-admn-sts",
    }
    types = document.xpath(f"{entry}//tbx:termNote[@type='termType']/text()", namespaces=NS)
    assert set(types) == {"fullForm", "acronym", "variant", "phrase", "shortForm", "abbreviation"}
    # terms grouped by language, in the order of each language's first term
    assert document.xpath(f"{entry}/tbx:langSec/@xml:lang", namespaces=NS) == ["fr", "en", "fr-CA"]
    # the history: created by ann, changed by bob, as transaction groups with dates
    history = document.xpath(f"{entry}/tbx:transacGrp", namespaces=NS)
    assert [g.findtext("tbx:transac", namespaces=NS) for g in history] == [
        "origination",
        "modification",
    ]
    assert [g.findtext("tbx:transacNote", namespaces=NS) for g in history] == ["ann", "bob"]
    for group in history:
        when = datetime.fromisoformat(group.findtext("tbx:date", namespaces=NS))
        assert abs(when - datetime.now(UTC)) < timedelta(minutes=5)


def test_an_empty_termbase_is_a_valid_document(
    database: Database, core_rng: etree.RelaxNG, basic_schematron
) -> None:
    document = parse(export_bytes(database))
    assert core_rng.validate(document), core_rng.error_log
    assert failures(basic_schematron, document) == []
    assert document.getroot().findall(".//tbx:conceptEntry", NS) == []


def test_tbx_v2_has_the_structure_older_tools_expect(
    seeded_database: Database, seed_concepts: int
) -> None:
    data = export_bytes(seeded_database, "tbx2")
    assert b'<!DOCTYPE martif SYSTEM "TBXBasiccoreStructV02.dtd">' in data[:200]
    document = parse(data)
    # No official TBX v2 schema is available here: tests/termbase/data/tbx2_structure.rng is the
    # TBX 2008 core structure (martif, martifHeader, text/body, termEntry, langSet, tig) written
    # for these tests.
    structure = etree.RelaxNG(etree.parse(str(TBX2_RNG)))
    assert structure.validate(document), structure.error_log
    root = document.getroot()
    assert (root.tag, root.get("type")) == ("martif", "TBX-Basic")
    assert len(root.findall("text/body/termEntry")) == seed_concepts
    tig = root.find("text/body/termEntry/langSet/tig")
    assert tig.findtext("term") == "traite des personnes"
    assert tig.findtext("termNote[@type='administrativeStatus']") == "preferredTerm-admn-sts"


def test_the_structure_grammar_of_tbx_v2_can_fail(seeded_database: Database) -> None:
    document = parse(export_bytes(seeded_database, "tbx2"))
    structure = etree.RelaxNG(etree.parse(str(TBX2_RNG)))
    tig = document.getroot().find("text/body/termEntry/langSet/tig")
    tig.insert(0, etree.Element("termNote", type="termType"))  # before its <term>
    assert not structure.validate(document)


def test_filters_select_concepts_and_terms(seeded_database: Database, seed_concepts: int) -> None:
    def entries(selection: ExportFilter) -> list[etree._Element]:
        return (
            parse(export_bytes(seeded_database, selection=selection))
            .getroot()
            .findall(".//tbx:conceptEntry", NS)
        )

    french = entries(ExportFilter(languages=("fr",)))
    assert french and all(
        {lang.get(f"{{{'http://www.w3.org/XML/1998/namespace'}}}lang") for lang in e.findall(
            "tbx:langSec", NS)} == {"fr"} for e in french
    )  # fmt: skip
    preferred = parse(
        export_bytes(seeded_database, selection=ExportFilter(statuses=("preferred",)))
    )
    statuses = preferred.xpath("//tbx:termNote[@type='administrativeStatus']/text()", namespaces=NS)
    assert set(statuses) == {"preferredTerm-admn-sts"}
    deprecated = entries(ExportFilter(statuses=("deprecated",)))
    assert 0 < len(deprecated) < seed_concepts  # only the concepts that have a deprecated term
    subject = entries(ExportFilter(subject_fields=("trafficking in persons",)))
    assert 0 < len(subject) < seed_concepts
    assert all(
        e.findtext("tbx:descrip[@type='subjectField']", namespaces=NS) == "trafficking in persons"
        for e in subject
    )
    with seeded_database.session() as session:
        session.execute(text("UPDATE concept SET updated_at = :old"), {"old": datetime(2020, 1, 1)})
        session.execute(
            text("UPDATE concept SET updated_at = :new WHERE id IN (3, 5)"),
            {"new": datetime(2026, 6, 1)},
        )
    recent = entries(ExportFilter(changed_since=datetime(2025, 1, 1, tzinfo=UTC)))
    assert [e.get("id") for e in recent] == ["alinea-3", "alinea-5"]


def test_a_filtered_language_takes_its_regional_variants(database: Database) -> None:
    _full_concept(database)
    document = parse(export_bytes(database, selection=ExportFilter(languages=("fr",))))
    assert document.xpath("//tbx:langSec/@xml:lang", namespaces=NS) == ["fr", "fr-CA"]


def test_the_export_streams_chunk_by_chunk(seeded_database: Database, seed_concepts: int) -> None:
    pieces = list(export_termbase(seeded_database.sessionmaker, ExportFormat.TBX, chunk_size=5))
    assert len(pieces) >= seed_concepts // 5  # the header, one piece a chunk of 5 concepts, the end
    assert max(len(p) for p in pieces) < sum(len(p) for p in pieces) / 8


def test_the_export_reads_one_state_of_the_termbase(
    seeded_database: Database, seed_concepts: int
) -> None:
    stream = export_termbase(seeded_database.sessionmaker, ExportFormat.TBX, chunk_size=10)
    pieces = [next(stream), next(stream)]  # header, first 10 concepts: the snapshot is taken
    with seeded_database.session() as session:  # another writer, meanwhile
        session.execute(text(f"DELETE FROM concept WHERE id = {seed_concepts}"))
        create_concept(
            ConceptIn.model_validate({"terms": [{"lang": "en", "text": "latecomer"}]}),
            session=session,
            user="other",
        )
    pieces.extend(stream)
    document = parse(b"".join(pieces))
    ids = document.xpath("//tbx:conceptEntry/@id", namespaces=NS)
    assert len(ids) == seed_concepts and f"alinea-{seed_concepts}" in ids
    assert "latecomer" not in b"".join(pieces).decode()


@pytest.mark.parametrize("export_format", ["csv", "tsv"])
def test_csv_has_one_row_per_term_and_languages_as_columns(
    database: Database, export_format: str
) -> None:
    import csv
    import io

    concept_id = _full_concept(database)
    data = export_bytes(database, export_format)
    assert data.startswith(b"\xef\xbb\xbf")  # spreadsheet programs read accents right
    rows = list(
        csv.reader(
            io.StringIO(data.decode("utf-8-sig")),
            delimiter="\t" if export_format == "tsv" else ",",
        )
    )
    header = rows[0]
    assert header[:7] == ["concept_id", "concept_revision", "subject_field", "definition",
                          "concept_note", "concept_source", "collection"]  # fmt: skip
    assert header[7:15] == ["en", "en:status", "en:type", "en:part_of_speech", "en:context",
                            "en:source", "en:note", "fr"]  # fmt: skip
    assert "fr-CA" in header
    body_rows = rows[1:]
    assert len(body_rows) == 4  # four English terms: the language with the most
    assert {row[0] for row in body_rows} == {f"alinea-{concept_id}"}
    with database.sessionmaker() as session:
        revision = get_concept(concept_id, session=session).revision
    assert [row[1] for row in body_rows] == [str(revision), "", "", ""]  # on its first row
    assert body_rows[0][2] == "trafficking in persons" and body_rows[1][2] == ""
    assert body_rows[0][4] == FULL_CONCEPT["note"]  # paragraphs survive, quoted
    english = [row[header.index("en")] for row in body_rows]
    assert english == ["trafficking in persons", "TIP", "traffic in persons", "white slave traffic"]
    french = [row[header.index("fr")] for row in body_rows]
    assert french == ["traite des personnes", "TDP", "", ""]
    assert body_rows[0][header.index("fr:context")] == "Condamnant la traite des personnes,"
    assert body_rows[1][header.index("en:type")] == "acronym"
