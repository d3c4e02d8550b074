"""Imports: what the tools really write (the official samples, TBX v2), merge policies, dry runs,
errors at their line and column, all or nothing, history kept, the index brought up to date."""

import re
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import func, select

from app.db import Database
from termbase.index import TermIndex
from termbase.models import Concept, Revision, Term
from termbase.schemas import ConceptIn
from termbase.seed import read_seed
from termbase.service import concept_history, create_concept, get_concept
from tests.tbx_support import (
    BASIC_DCA_SAMPLE,
    NS,
    VALID_SAMPLES,
    body,
    export_bytes,
    import_bytes,
    parse,
    state,
)

SEED = len(read_seed()["concepts"])  # concepts in the shipped seed
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


def tbx(entries: str, dialect: str = "TBX-Basic") -> bytes:
    """A TBX v3 document around ``entries`` (conceptEntry elements)."""
    return (
        f'{HEAD}<tbx xmlns="urn:iso:std:iso:30042:ed-2" type="{dialect}" style="dca" xml:lang="en">'
        "\n<tbxHeader><fileDesc><sourceDesc><p>test</p></sourceDesc></fileDesc></tbxHeader>\n"
        f"<text>\n<body>\n{entries}</body>\n</text>\n</tbx>\n"
    ).encode()


def entry(ref: str, *terms: tuple[str, str, str], extra: str = "") -> str:
    """A conceptEntry with terms given as (lang, text, status)."""
    sections = []
    for lang, text, status in terms:
        sections.append(
            f'<langSec xml:lang="{lang}"><termSec><term>{text}</term>'
            f'<termNote type="administrativeStatus">{status}Term-admn-sts</termNote>'
            "</termSec></langSec>"
        )
    return f'<conceptEntry id="{ref}">{extra}{"".join(sections)}</conceptEntry>\n'


def count(database: Database, model) -> int:  # type: ignore[no-untyped-def]
    with database.sessionmaker() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


# -- what the tools write -------------------------------------------------------------------------


@pytest.mark.parametrize("sample", VALID_SAMPLES)
def test_the_official_samples_import_whole(database: Database, tbx_dir: Path, sample: str) -> None:
    data = (tbx_dir / sample).read_bytes()
    report = import_bytes(database, data)
    assert report.accepted and report.committed, report.errors
    document = etree.parse(str(tbx_dir / sample))
    entries = document.xpath("//*[local-name()='conceptEntry']")
    terms = document.xpath("//*[local-name()='termSec']")
    assert report.concepts.created == len(entries) == count(database, Concept) == 45
    assert report.terms.created == len(terms) == count(database, Term) == 113
    transactions = document.xpath("//*[local-name()='transacGrp']")
    assert report.transactions == len(transactions)
    assert report.version == 3 and report.dialect in ("TBX-Basic", "TBX-Min", "TBX-Core")


def test_dct_and_dca_styles_give_the_same_termbase(database: Database, tbx_dir: Path) -> None:
    import_bytes(database, (tbx_dir / BASIC_DCA_SAMPLE).read_bytes())
    from_dca = body(export_bytes(database))
    with database.session() as session:
        session.execute(Revision.__table__.delete())
        session.execute(Concept.__table__.delete())
    import_bytes(
        database, (tbx_dir / "basic_dialect/DCT/Example_Astronomy_DCT_VALID.tbx").read_bytes()
    )
    from_dct = body(export_bytes(database))
    # the two samples differ in three notes only (the DCT one has them at the concept level)
    assert from_dct.count(b"<term>") == from_dca.count(b"<term>") == 113
    assert from_dct.count(b"<transacGrp>") == from_dca.count(b"<transacGrp>") == 316
    assert from_dct.count(b"preferredTerm-admn-sts") == from_dca.count(b"preferredTerm-admn-sts")


def _texts(element: etree._Element) -> list[str]:
    found = []
    for node in element.iter():
        if not isinstance(node.tag, str):
            continue
        value = " ".join(("".join(node.itertext()) if len(node) == 0 else node.text or "").split())
        if value:
            found.append(value)
    return found


def test_nothing_of_a_sample_is_lost(database: Database, tbx_dir: Path) -> None:
    """Every text of the TBX-Basic sample's entries is in the export of what was imported:
    in its field, or in a note when Alinea has no field for it (the xGraphics, the second
    language's definitions and their sources, the file's own ids)."""
    source = etree.parse(str(tbx_dir / BASIC_DCA_SAMPLE))
    report = import_bytes(database, (tbx_dir / BASIC_DCA_SAMPLE).read_bytes())
    assert report.accepted
    exported = " ".join(_texts(parse(export_bytes(database)).getroot()))
    source_body = source.getroot().find("tbx:text/tbx:body", NS)
    missing = [text for text in _texts(source_body) if text not in exported]
    assert missing == []
    for entry_element in source_body:
        assert f"[id] {entry_element.get('id')}" in exported
    xrefs = source_body.findall(".//tbx:xref", NS)
    assert all(x.get("target") in exported for x in xrefs)
    kept = {w.message: w.count for w in report.warnings}
    assert kept["<xref xGraphic> kept in a note"] == len(xrefs) == 34
    assert any("back matter" in message and "Tommy Tomolonis" in message for message in kept)


def test_tbx_v2_martif_with_tig_and_ntig(database: Database) -> None:
    data = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE martif SYSTEM "TBXcoreStructV02.dtd">
<martif type="TBX" xml:lang="en">
 <martifHeader><fileDesc><sourceDesc><p>MultiTerm export</p></sourceDesc></fileDesc></martifHeader>
 <text><body>
  <termEntry id="IATE-84">
   <descripGrp><descrip type="subjectField">1231</descrip></descripGrp>
   <transacGrp><transac type="transactionType">creation</transac><date>2007-05-22 10:01:19</date>
    <transacNote type="responsibility">IATE</transacNote></transacGrp>
   <langSet xml:lang="EN">
    <tig><term>Member State</term>
     <termNote type="termType">fullForm</termNote>
     <termNote type="usageStatus">preferred</termNote>
     <descrip type="reliabilityCode">3</descrip></tig>
    <tig><term>member country</term><termNote type="usageStatus">notRecommended</termNote></tig>
   </langSet>
   <langSet xml:lang="fr">
    <ntig><termGrp><term>Etat membre</term>
       <termNote type="administrativeStatus">supersededTerm-admn-sts</termNote>
       <termCompList type="termElement">
        <termComp>Etat</termComp><termComp>membre</termComp></termCompList>
     </termGrp>
     <descrip type="context">Les Etats membres</descrip></ntig>
    <tig><term>Etat associe</term><termNote type="usageStatus">obsolete</termNote></tig>
   </langSet>
  </termEntry>
 </body></text>
</martif>"""
    report = import_bytes(database, data)
    assert report.accepted, report.errors
    assert (report.format, report.version, report.concepts.created) == ("tbx", 2, 1)
    with database.sessionmaker() as session:
        concept = session.execute(select(Concept)).scalar_one()
        terms = {t.text: t for t in concept.terms}
        assert concept.subject_field == "1231"
        assert "[id] IATE-84" in concept.note
        assert terms["Member State"].lang == "en"  # EN → en
        assert terms["Member State"].status == "preferred"
        assert terms["Member State"].note == "[reliabilityCode] 3"
        assert terms["member country"].status == "deprecated"  # notRecommended
        assert terms["Etat associe"].status == "superseded"  # obsolete
        assert terms["Etat membre"].status == "superseded"
        assert terms["Etat membre"].context == "Les Etats membres"
        assert terms["Etat membre"].note == "[termCompList] Etat | membre"
        history = concept_history(concept.id, session=session)
    carried = history[0].after["transaction"]
    assert carried["type"] == "origination" and carried["responsibility"] == "IATE"
    assert carried["date"] == "2007-05-22T10:01:19"  # the space made valid xsd:dateTime
    assert history[0].changed_at.isoformat() == "2007-05-22T10:01:19+00:00"


def test_the_bad_test_files_are_refused_at_their_line_and_column(
    database: Database, tbx_dir: Path
) -> None:
    before = state(database)
    for name, line, column, message in (
        ("basic_bad.tbx", 69, 7, "partOfSpeech 'nominal'"),
        ("min_bad.tbx", 803, 7, "usageStatus 'not an allowed value'"),
        ("core_structure_bad.tbx", 32, 7, "two <term>s in one <termSec>"),
        ("poorly_formed_xml.tbx", 42, 16, "Opening and ending tag mismatch"),
    ):
        report = import_bytes(database, (tbx_dir / "test_files" / name).read_bytes())
        assert not report.accepted and not report.committed, name
        error = report.errors[0]
        assert (error.line, error.column) == (line, column), (name, error)
        assert message in error.message, (name, error)
        text = (tbx_dir / "test_files" / name).read_text(encoding="utf-8-sig").split("\n")
        if error.code == "malformed-xml":  # the parser's column: where it noticed, after the tag
            assert text[line - 1][: column - 1].endswith("</termSec>")
        else:  # the column of the element at fault
            assert text[line - 1][column - 1 :].startswith("<"), (name, text[line - 1])
        assert state(database) == before


# -- errors: all of it or nothing -----------------------------------------------------------------


def test_one_bad_concept_refuses_the_whole_file(database: Database) -> None:
    good = "".join(
        entry(f"c{i}", ("en", f"good term {i}", "preferred"), ("fr", f"bon terme {i}", "preferred"))
        for i in range(1200)  # more than two chunks: the first ones are written, then undone
    )
    bad = entry("bad", ("xx-zz", "mystery", "preferred"))
    before = state(database)
    report = import_bytes(database, tbx(good + bad + entry("two", ("en", "a", "preferred"),
                                                           ("en", "b", "preferred"))))  # fmt: skip
    assert not report.accepted and not report.committed
    assert report.concepts.created == 1200  # what would have been created
    messages = [e.message for e in report.errors]
    assert any("'xx-zz' is not a registered BCP 47 language tag" in m for m in messages)
    assert any("at most one preferred term per language (en)" in m for m in messages)
    lines = data_lines(tbx(good + bad))
    first = report.errors[0]
    assert lines[first.line - 1][first.column - 1 :].startswith('<langSec xml:lang="xx-zz"')
    second = report.errors[1]
    assert second.line == first.line + 1  # the second preferred en term's status
    assert state(database) == before


def data_lines(data: bytes) -> list[str]:
    return data.decode().split("\n")


def test_a_dry_run_reports_the_same_and_writes_nothing(database: Database, tbx_dir: Path) -> None:
    data = (tbx_dir / BASIC_DCA_SAMPLE).read_bytes()
    before = state(database)
    dry = import_bytes(database, data, dry_run=True)
    assert dry.accepted and not dry.committed and dry.dry_run
    assert state(database) == before
    real = import_bytes(database, data)
    assert real.committed
    assert dry.model_dump(exclude={"dry_run", "committed", "generation"}) == real.model_dump(
        exclude={"dry_run", "committed", "generation"}
    )


# -- history, generation, index -------------------------------------------------------------------


def test_an_import_is_one_write_of_the_termbase(seeded_database: Database) -> None:
    index = TermIndex()
    with seeded_database.sessionmaker() as session:
        index.load(session=session)
    before = state(seeded_database)
    report = import_bytes(
        seeded_database,
        tbx(
            entry(
                "x1",
                ("en", "smuggling kingpin", "preferred"),
                ("fr", "passeur en chef", "preferred"),
            )
        ),  # fmt: skip
    )
    assert report.committed
    after = state(seeded_database)
    assert after["generation"] == before["generation"] + 1 == report.generation
    with seeded_database.sessionmaker() as session:
        revision = session.execute(select(Revision).order_by(Revision.id.desc())).scalars().first()
        assert (revision.generation, revision.action, revision.changed_by) == (
            report.generation,
            "create",
            "importer",
        )
        assert revision.after["terms"][0]["text"] == "smuggling kingpin"
        assert index.refresh(session=session)
    hits, _ = index.lookup("passeur en chef", src="fr")
    assert hits and hits[0].concept.id == after["last_concept"]


def test_the_history_of_a_file_is_kept(database: Database, tbx_dir: Path) -> None:
    import_bytes(database, (tbx_dir / BASIC_DCA_SAMPLE).read_bytes())
    with database.sessionmaker() as session:
        concept_id = session.execute(select(Concept.id).order_by(Concept.id)).scalars().first()
        concept = get_concept(concept_id, session=session)
        history = concept_history(concept_id, session=session)
    carried = [r.after["transaction"] for r in history if r.after and "transaction" in r.after]
    levels = Counter(t["level"] for t in carried)
    c1 = etree.parse(str(tbx_dir / BASIC_DCA_SAMPLE)).find(".//tbx:conceptEntry", NS)
    assert (
        levels
        == {
            "concept": len(c1.findall("tbx:transacGrp", NS)),
            "language": len(c1.findall("tbx:langSec/tbx:transacGrp", NS)),
        }
        == {"concept": 2, "language": 6}
    )
    assert {t["responsibility"] for t in carried} == {"Tommy"}
    assert history[-1].action == "create" and history[-1].changed_by == "importer"
    # created when the file says it was
    assert concept.created_at.date().isoformat() == "2010-04-17"


def test_ids_are_kept_and_new_ones_come_after(seeded_database: Database, database_url: str) -> None:
    data = export_bytes(seeded_database)
    with seeded_database.session() as session:
        session.execute(Revision.__table__.delete())
        session.execute(Concept.__table__.delete())
    assert import_bytes(seeded_database, data).committed
    with seeded_database.session() as session:
        ids = list(session.execute(select(Concept.id).order_by(Concept.id)).scalars())
        assert ids == list(range(1, SEED + 1))
        fresh = create_concept(
            ConceptIn.model_validate({"terms": [{"lang": "en", "text": "newcomer"}]}),
            session=session,
            user="ann",
        )
        assert fresh.id > SEED


def test_pretty_printing_is_not_content(database: Database) -> None:
    note = "First line\nsecond line\n\nnew paragraph"
    data = tbx(
        entry(
            "p1",
            ("en", "open  cluster", "preferred"),
            extra="<descrip type='definition'>A group of stars formed together in the spiral\n"
            "\t\t\t\tarms of a galaxy.\n\t\t\t</descrip>"
            f"<note>{note}</note>",
        )
    )
    assert import_bytes(database, data).committed
    with database.sessionmaker() as session:
        concept = session.execute(select(Concept)).scalar_one()
        assert (
            concept.definition == "A group of stars formed together in the spiral arms of a galaxy."
        )
        assert concept.note == note + "\n\n[id] p1"  # line breaks without indentation are kept
        assert concept.terms[0].text == "open cluster"


# -- merge policies -------------------------------------------------------------------------------


def _seed_file(seeded_database: Database) -> str:
    return export_bytes(seeded_database).decode()


def test_reimporting_an_export_changes_nothing(seeded_database: Database) -> None:
    data = export_bytes(seeded_database)
    before = state(seeded_database)
    report = import_bytes(seeded_database, data)
    assert report.committed
    assert report.concepts.model_dump() == {
        "created": 0,
        "updated": 0,
        "unchanged": SEED,
        "skipped": 0,
        "conflicts": 0,
    }
    assert report.changes == [] and report.conflicts == []
    assert report.terms.unchanged == before["terms"] and report.transactions == 0
    after = state(seeded_database)
    assert after["revisions"] == before["revisions"] and after["checksum"] == before["checksum"]


def test_merge_by_id_replaces(seeded_database: Database) -> None:
    document = _seed_file(seeded_database)
    first = document.index('<conceptEntry id="alinea-1">')
    end = document.index("</conceptEntry>", first)
    changed = document[first:end]
    changed = changed.replace("<term>human trafficking</term>", "<term>people trafficking</term>")
    changed = re.sub(r"<admin type=\"source\">[^<]*</admin>\n", "", changed, count=1)
    report = import_bytes(seeded_database, (document[:first] + changed + document[end:]).encode())
    assert report.committed
    assert (report.concepts.updated, report.concepts.unchanged) == (1, SEED - 1)
    assert (report.terms.created, report.terms.deleted) == (1, 1)
    with seeded_database.sessionmaker() as session:
        concept = get_concept(1, session=session)
        assert "people trafficking" in {t.text for t in concept.terms}
        assert "human trafficking" not in {t.text for t in concept.terms}
        assert concept.source is None
        assert concept_history(1, session=session)[-1].changed_by == "importer"


def test_merge_by_id_adds_or_skips(seeded_database: Database) -> None:
    with seeded_database.sessionmaker() as session:
        before = get_concept(1, session=session)
        definition, term_count = before.definition, len(before.terms)
    incoming = tbx(
        entry(
            "alinea-1",
            ("en", "trafficking in persons", "preferred"),
            ("es", "trata de personas", "preferred"),
            extra="<descrip type='definition'>Another definition</descrip>",
        )
    )
    skipped = import_bytes(seeded_database, incoming, mode="skip")
    assert (skipped.concepts.skipped, skipped.terms.skipped) == (1, 2)
    added = import_bytes(seeded_database, incoming, mode="add")
    assert added.committed and added.concepts.updated == 1
    assert (added.terms.created, added.terms.unchanged) == (1, 1)
    with seeded_database.sessionmaker() as session:
        after = get_concept(1, session=session)
        assert after.definition == definition  # add never changes what is there
        assert len(after.terms) == term_count + 1
        assert after.terms[-1].text == "trata de personas"


def test_add_refuses_a_second_preferred_term(seeded_database: Database) -> None:
    report = import_bytes(
        seeded_database,
        tbx(entry("alinea-1", ("en", "human trade", "preferred"))),
        mode="add",
    )
    assert not report.accepted
    assert report.errors[0].code == "invalid-merge"
    assert "at most one preferred term per language (en)" in report.errors[0].message


def test_merge_by_term(seeded_database: Database) -> None:
    foreign = tbx(
        entry(
            "MT-1",
            ("en", "smuggling of migrants", "preferred"),
            ("de", "Schleusung von Migranten", "preferred"),
        )  # fmt: skip
        + entry("MT-2", ("en", "a concept nobody has", "preferred"))
    )
    report = import_bytes(seeded_database, foreign, merge="term:en", mode="add")
    assert report.committed
    assert (report.concepts.updated, report.concepts.created) == (1, 1)
    with seeded_database.sessionmaker() as session:
        german = session.execute(select(Term).where(Term.lang == "de")).scalar_one()
        smuggling = get_concept(german.concept_id, session=session)
        assert "trafic de migrants" in {t.text for t in smuggling.terms}
    # a French term does not match when matching by English ones
    none = import_bytes(
        seeded_database, tbx(entry("MT-3", ("fr", "trafic de migrants", "preferred"))),
        merge="term:en", dry_run=True,
    )  # fmt: skip
    assert none.concepts.created == 1


def test_merge_by_term_refuses_ambiguity(seeded_database: Database) -> None:
    with seeded_database.session() as session:
        create_concept(
            ConceptIn.model_validate({"terms": [{"lang": "en", "text": "smuggling of migrants"}]}),
            session=session,
            user="homonym",
        )
    report = import_bytes(
        seeded_database, tbx(entry("MT-1", ("en", "smuggling of migrants", "preferred"))),
        merge="term:en",
    )  # fmt: skip
    assert not report.accepted and report.errors[0].code == "ambiguous-match"


def test_an_id_twice_in_a_file_is_an_error(database: Database) -> None:
    data = tbx(
        entry("alinea-7", ("en", "first", "preferred"))
        + entry("alinea-7", ("en", "second", "preferred"))
    )
    report = import_bytes(database, data)
    assert not report.accepted and report.errors[0].code == "duplicate-match"
    assert report.errors[0].line == 7 and "the entry at line 6" in report.errors[0].message


def test_merge_none_always_creates(seeded_database: Database) -> None:
    report = import_bytes(seeded_database, export_bytes(seeded_database), merge="none")
    assert report.committed and report.concepts.created == SEED
    assert state(seeded_database)["concepts"] == 2 * SEED


def test_a_policy_is_checked() -> None:
    from termbase.exchange.importer import MergePolicy

    assert str(MergePolicy.parse("term:FR-ca", "add")) == "term:fr-CA"
    for merge, mode in (("term:xx-zz", "add"), ("title", "add"), ("id", "merge")):
        with pytest.raises(ValueError):
            MergePolicy.parse(merge, mode)
