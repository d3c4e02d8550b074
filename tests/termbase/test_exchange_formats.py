"""The contract every registered termbase exchange format keeps (termbase.exchange.formats).

Each test runs over the registry, so a format added there is tested here without a line more:
what it writes is what its media type says, the importer recognises it from its content, its
reader gives back every concept and term that was written, and an import of it reproduces the
termbase exactly (tests/termbase/test_exchange_roundtrip.py runs the seed through the same list).
"""

from __future__ import annotations

import io
import json

import pytest
from lxml import etree

from app.db import Database
from termbase.exchange import formats
from termbase.exchange.importer import sniff_format
from termbase.exchange.safe_input import CountingReader
from termbase.exchange.tbx_read import TbxInfo
from termbase.schemas import ConceptIn
from termbase.service import create_concept
from tests.tbx_support import body, export_bytes, import_bytes

CONCEPTS = [
    {
        "subject_field": "markup & <escapes>",
        "definition": "Quotes \" and ' and ]]> and a tab\there.",
        "note": "Line one\nline two\n\nParagraph « deux » — ✓ 𝄞",
        "terms": [
            {"lang": "fr", "text": "l'État & ses <organes>", "status": "preferred"},
            {"lang": "en", "text": "the State", "status": "preferred", "note": "a note"},
            {"lang": "en", "text": "State", "status": "admitted", "type": "short_form"},
        ],
    },
    {
        "subject_field": "finance",
        "terms": [
            {"lang": "fr", "text": "budget-programme", "status": "preferred"},
            {"lang": "en", "text": "programme budget", "status": "preferred"},
            {"lang": "zh-Hant", "text": "方案預算", "status": "deprecated"},
        ],
    },
]

WRITABLE = sorted(formats.WRITABLE)


@pytest.fixture
def small_termbase(database: Database) -> Database:
    with database.session() as session:
        for data in CONCEPTS:
            create_concept(ConceptIn.model_validate(data), session=session, user="ann")
    return database


def _terms() -> set[tuple[str, str]]:
    return {(term["lang"], term["text"]) for data in CONCEPTS for term in data["terms"]}


def test_the_registry_is_consistent() -> None:
    assert formats.READABLE and formats.WRITABLE
    assert formats.AUTO not in formats.FORMATS
    for name, chosen in formats.FORMATS.items():
        assert chosen.name == name == name.lower()
        assert chosen.extension and not chosen.extension.startswith(".")
        assert chosen.read is not None or chosen.write is not None
        reads_as = formats.FORMATS[chosen.reads_as or name]
        assert reads_as.read is not None or chosen.read is None, name
    accepted = [media for f in formats.READABLE.values() for media in f.accepts]
    assert len(accepted) == len(set(accepted)), "a media type names one format only"
    for chosen in formats.READABLE.values():
        assert chosen.mime in chosen.accepts, chosen.name
        assert formats.by_media_type(chosen.mime) is chosen
    assert [f.value for f in formats.ExportFormat] == list(formats.WRITABLE)
    assert [f.value for f in formats.ImportFormat] == [formats.AUTO, *formats.READABLE]


@pytest.mark.parametrize("name", WRITABLE)
def test_what_a_format_writes_is_what_its_media_type_says(
    small_termbase: Database, name: str
) -> None:
    chosen = formats.FORMATS[name]
    data = export_bytes(small_termbase, name)
    if chosen.mime.endswith("xml"):
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False))
        assert root.tag.endswith(("tbx", "martif"))
    else:
        assert "charset=utf-8" in chosen.media_type
        text = data.decode("utf-8")
        assert json.dumps(text)  # text, not bytes


@pytest.mark.parametrize("name", WRITABLE)
def test_the_importer_recognises_each_format_by_its_content(
    small_termbase: Database, name: str
) -> None:
    chosen = formats.FORMATS[name]
    assert sniff_format(export_bytes(small_termbase, name)[:4096]) == (chosen.reads_as or name)


@pytest.mark.parametrize("name", WRITABLE)
def test_the_reader_gives_back_every_term_written(small_termbase: Database, name: str) -> None:
    chosen = formats.FORMATS[name]
    reader = formats.FORMATS[chosen.reads_as or name].read
    assert reader is not None, f"{name} is written but nothing reads it"
    data = export_bytes(small_termbase, name)
    info = TbxInfo()
    incoming = list(reader(CountingReader(io.BytesIO(data), max_bytes=len(data) + 1), info))
    assert len(incoming) == len(CONCEPTS)
    assert not [problem for concept in incoming for problem in concept.problems]
    read = {(term.fields["lang"], term.fields["text"]) for c in incoming for term in c.terms}
    assert read == _terms()
    subjects = {concept.fields.get("subject_field") for concept in incoming}
    assert subjects == {data["subject_field"] for data in CONCEPTS}


@pytest.mark.parametrize("name", WRITABLE)
def test_an_import_of_an_export_exports_the_same(small_termbase: Database, name: str) -> None:
    from sqlalchemy import text

    chosen = formats.FORMATS[name]
    first = export_bytes(small_termbase, name)
    with small_termbase.session() as session:
        for table in ("term", "revision", "concept"):
            session.execute(text(f"DELETE FROM {table}"))
    report = import_bytes(small_termbase, first, format=chosen.reads_as or name)
    assert report.committed, report.errors
    assert report.concepts.created == len(CONCEPTS)
    second = export_bytes(small_termbase, name)
    if chosen.mime.endswith("xml"):
        first, second = body(first), body(second)
    assert second == first
