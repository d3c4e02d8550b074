"""The contract every registered alignment output format keeps (alignment.formats.FORMATS).

Each test runs over the registry, so a format added there is tested here without a line more:
it writes what its media type says, and a format that can be read back gives back the beads it
was given — every field it declares it carries, one-sided beads as it declares.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from lxml import etree
from lxml import html as lxml_html

from alignment.formats import FORMATS, BeadRecord, WriteOptions, bead_records
from alignment.types import Alignment, Bead, Paragraph, ParagraphBead, Sentence, Side, Span

NAMES = list(FORMATS)
READABLE = [name for name, chosen in FORMATS.items() if chosen.read is not None]


def make_side(lang: str, paragraphs: list[list[str]]) -> Side:
    """A side whose sentences follow each other in the text, one paragraph after another."""
    sentences: list[Sentence] = []
    built: list[Paragraph] = []
    offset = 0
    for number, texts in enumerate(paragraphs):
        first = len(sentences)
        for text in texts:
            span = (Span(offset, offset + len(text)),)
            sentences.append(Sentence(len(sentences), text, span, number))
            offset += len(text) + 1
        built.append(Paragraph(number, tuple(range(first, len(sentences)))))
    return Side(lang, sentences, built)


@pytest.fixture(scope="module")
def alignment() -> Alignment:
    """Beads of every kind (1-1, 2-1, one-sided both ways, flagged or not) over text with markup
    characters, quotes, entities and characters outside the BMP."""
    fr = make_side(
        "fr",
        [["« Bonjour » & <bienvenue>.", "Il pleut.", "Il vente — 𝄞.", "Page 2"], ["A/RES/74/1."]],
    )
    en = make_side("en", [['"Hello" & <welcome>.', "It rains and blows 𝄞."], ["Only here."]])
    return Alignment(
        fr=fr,
        en=en,
        paragraphs=[
            ParagraphBead(
                (0,),
                (0,),
                0.95,
                [
                    Bead((0,), (0,), 0.973),
                    Bead((1, 2), (1,), 0.41, "mismatch"),
                    Bead((3,), (), 0.8, "addition"),
                ],
            ),
            ParagraphBead((1,), (1,), 0.7, [Bead((4,), (), 0.6), Bead((), (2,), 0.5, "omission")]),
        ],
        warnings=["French page furniture kept: 'Page 2'"],
    )


def _expected(
    records: list[BeadRecord], carries: frozenset[str], one_sided: bool
) -> list[BeadRecord]:
    blank = BeadRecord((), (), 0.0, None, "", "")
    kept = [r for r in records if one_sided or r.two_sided]
    return [replace(blank, **{name: getattr(r, name) for name in carries}) for r in kept]


def test_the_registry_is_consistent() -> None:
    assert NAMES[0] == "json"  # the default of POST /v1/align and alinea align
    for name, chosen in FORMATS.items():
        assert chosen.name == name == name.lower()
        assert chosen.extension and not chosen.extension.startswith(".")
        assert chosen.description
        assert set(chosen.carries) <= {"fr", "en", "confidence", "review", "fr_text", "en_text"}
        assert chosen.read is not None or not chosen.carries


@pytest.mark.parametrize("name", NAMES)
def test_what_a_format_writes_is_what_its_media_type_says(alignment: Alignment, name: str) -> None:
    chosen = FORMATS[name]
    data = chosen.write(alignment, WriteOptions(tool_version="test"))
    assert isinstance(data, bytes) and data
    mime = chosen.mime
    if mime == "application/json":
        assert json.loads(data)["paragraphs"]
    elif mime.endswith("+xml") or mime.endswith("/xml"):
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False))
        assert "Bonjour" in "".join(root.itertext())
    elif mime == "text/html":
        page = lxml_html.document_fromstring(data.decode("utf-8"))
        assert "&lt;bienvenue&gt;" not in page.text_content()  # escaped once, read as text
        assert "<bienvenue>" in page.text_content()
    else:
        assert "charset=utf-8" in chosen.media_type
        data.decode("utf-8")


@pytest.mark.parametrize("name", READABLE)
def test_a_readable_format_gives_back_the_beads_it_was_given(
    alignment: Alignment, name: str
) -> None:
    chosen = FORMATS[name]
    assert chosen.read is not None
    records = list(bead_records(alignment))
    for one_sided in (False, True) if chosen.one_sided_option else (False,):
        data = chosen.write(alignment, WriteOptions(tool_version="test", one_sided=one_sided))
        read = chosen.read(data)
        keeps_one_sided = one_sided or not chosen.two_sided_only
        assert read == _expected(records, chosen.carries, keeps_one_sided), (name, one_sided)


@pytest.mark.parametrize("name", READABLE)
def test_the_source_language_option_changes_no_content(alignment: Alignment, name: str) -> None:
    chosen = FORMATS[name]
    assert chosen.read is not None
    english = chosen.read(chosen.write(alignment, WriteOptions(source="en")))
    french = chosen.read(chosen.write(alignment, WriteOptions(source="fr")))
    assert english == french
