"""Writing alignments out: JSON-ready dicts, beads, TSV, TMX 1.4b and the side-by-side HTML."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lxml_html

from alignment.evaluate import format_beads, parse_beads
from alignment.formats import to_beads, to_dict, to_html, to_tmx, to_tsv, write_tmx, xml_safe
from alignment.types import Alignment, Bead, Paragraph, ParagraphBead, Sentence, Side, Span

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def make_side(lang: str, paragraphs: list[list[str]]) -> Side:
    """A side whose text is its sentences, a space apart, paragraphs a blank line apart."""
    sentences: list[Sentence] = []
    built: list[Paragraph] = []
    offset = 0
    for number, texts in enumerate(paragraphs):
        indices = []
        for text in texts:
            sentences.append(
                Sentence(len(sentences), text, (Span(offset, offset + len(text)),), number)
            )
            indices.append(len(sentences) - 1)
            offset += len(text) + 1
        offset += 1
        built.append(Paragraph(number, tuple(indices)))
    return Side(lang, sentences, built)


def bead(
    fr: tuple[int, ...], en: tuple[int, ...], confidence: float = 0.9, review: str | None = None
) -> Bead:
    return Bead(fr, en, confidence, review)


@pytest.fixture
def alignment() -> Alignment:
    """A 1-1, a low-confidence 2-1 flagged as a mismatch and an unaligned French sentence (an
    addition) in a first paragraph bead, then an English-only sentence (an omission) in a
    paragraph bead of its own."""
    fr = make_side("fr", [["Bonjour.", "Il pleut.", "Il vente.", "Page 2"]])
    en = make_side("en", [["Hello.", "It is raining and windy."], ["Only in English."]])
    return Alignment(
        fr=fr,
        en=en,
        paragraphs=[
            ParagraphBead(
                (0,),
                (0,),
                0.95,
                [
                    bead((0,), (0,), 0.973),
                    bead((1, 2), (1,), 0.41, "mismatch"),
                    bead((3,), (), 0.8, "addition"),
                ],
            ),
            ParagraphBead((), (1,), 0.7, [bead((), (2,), 0.6, "omission")]),
        ],
        warnings=["French page furniture kept: 'Page 2'"],
    )


def with_texts(fr: list[str], en: list[str], confidence: float = 0.9) -> Alignment:
    """One paragraph of 1-1 beads pairing the given sentences."""
    assert len(fr) == len(en)
    beads = [bead((i,), (i,), confidence) for i in range(len(fr))]
    return Alignment(
        make_side("fr", [fr]),
        make_side("en", [en]),
        [ParagraphBead((0,), (0,), confidence, beads)],
    )


# -- JSON ----------------------------------------------------------------------------------------


def test_dict_survives_a_json_round_trip(alignment: Alignment) -> None:
    data = to_dict(alignment)
    assert json.loads(json.dumps(data)) == data


def test_dict_describes_sentences_with_offsets_and_spans(alignment: Alignment) -> None:
    sentence = to_dict(alignment)["fr"]["sentences"][1]
    assert sentence == {
        "index": 1,
        "text": "Il pleut.",
        "start": 9,
        "end": 18,
        "spans": [[9, 18]],
        "paragraph": 0,
        "furniture": False,
    }


def test_dict_nests_sentence_beads_in_paragraph_beads(alignment: Alignment) -> None:
    paragraph = to_dict(alignment)["paragraphs"][0]
    assert paragraph["type"] == "1-1"
    assert paragraph["footnotes"] is False
    assert paragraph["sentences"][1] == {
        "fr": [1, 2],
        "en": [1],
        "type": "2-1",
        "confidence": 0.41,
        "review": "mismatch",
    }


def test_dict_counts_the_beads_to_review(alignment: Alignment) -> None:
    assert to_dict(alignment)["summary"] == {
        "beads": 4,
        "low_confidence": 1,
        "review": {"omission": 1, "addition": 1, "mismatch": 1},
    }


def test_dict_keeps_paragraphs_dropped_spans_and_warnings(alignment: Alignment) -> None:
    alignment.fr.dropped.append(Span(100, 110))
    data = to_dict(alignment)
    assert data["en"]["paragraphs"][1] == {"index": 1, "sentences": [2], "footnote": False}
    assert data["fr"]["dropped"] == [[100, 110]]
    assert data["warnings"] == ["French page furniture kept: 'Page 2'"]


# -- beads ---------------------------------------------------------------------------------------


def test_beads_output_is_format_beads_of_the_sentence_beads(alignment: Alignment) -> None:
    expected = format_beads((b.fr, b.en) for b in alignment.beads)
    assert to_beads(alignment) == expected == "[0]:[0]\n[1,2]:[1]\n[3]:[]\n[]:[2]\n"


# -- TSV -----------------------------------------------------------------------------------------


def tsv_rows(text: str) -> list[list[str]]:
    return [line.split("\t") for line in text.split("\n")[:-1]]


def test_tsv_has_a_header_and_one_row_per_bead(alignment: Alignment) -> None:
    rows = tsv_rows(to_tsv(alignment))
    assert rows[0] == [
        "fr_indices", "en_indices", "type", "confidence", "review", "fr_text", "en_text"
    ]  # fmt: skip
    assert rows[2] == [
        "1,2",
        "1",
        "2-1",
        "0.410",
        "mismatch",
        "Il pleut. Il vente.",
        "It is raining and windy.",
    ]
    assert len(rows) == 1 + len(alignment.beads)


def test_tsv_indices_round_trip(alignment: Alignment) -> None:
    def indices(cell: str) -> tuple[int, ...]:
        return tuple(int(i) for i in cell.split(",")) if cell else ()

    read = [(indices(row[0]), indices(row[1])) for row in tsv_rows(to_tsv(alignment))[1:]]
    assert read == [(b.fr, b.en) for b in alignment.beads]


def test_tsv_leaves_the_empty_side_of_a_one_sided_bead_empty(alignment: Alignment) -> None:
    assert tsv_rows(to_tsv(alignment))[3] == ["3", "", "1-0", "0.800", "addition", "Page 2", ""]


def test_tsv_keeps_each_bead_on_one_row_whatever_the_text(alignment: Alignment) -> None:
    tricky = with_texts(["a\tb\nc\r\nd\u2028e"], ["x\x0by"])
    rows = tsv_rows(to_tsv(tricky))
    assert len(rows) == 2
    assert rows[1][5:] == ["a b c  d e", "x y"]


# -- TMX -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tmx_dtd(shared_dir: Path) -> etree.DTD:
    with (shared_dir / "tmx/tmx14.dtd").open("rb") as f:
        return etree.DTD(f)


def parse_tmx(data: bytes, dtd: etree.DTD | None = None) -> etree._Element:
    root = etree.fromstring(data)
    if dtd is not None:
        assert dtd.validate(root), dtd.error_log.filter_from_errors()
    return root


def test_tmx_is_valid_against_the_tmx_14_dtd(alignment: Alignment, tmx_dtd: etree.DTD) -> None:
    parse_tmx(to_tmx(alignment, tool_version="0.1.0"), tmx_dtd)


def test_tmx_starts_with_an_xml_declaration_in_utf8(alignment: Alignment) -> None:
    assert to_tmx(alignment, tool_version="0.1.0").startswith(
        b"<?xml version='1.0' encoding='utf-8'?>"
    )


def test_tmx_header_names_the_tool_languages_and_creation_date(alignment: Alignment) -> None:
    created = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    root = parse_tmx(to_tmx(alignment, tool_version="1.2.3", created=created))
    assert root.get("version") == "1.4"
    assert dict(root.find("header").attrib) == {
        "creationtool": "Alinea",
        "creationtoolversion": "1.2.3",
        "segtype": "sentence",
        "o-tmf": "Alinea",
        "adminlang": "en",
        "srclang": "en",
        "datatype": "plaintext",
        "creationdate": "20250304T050607Z",
    }


def test_tmx_has_one_unit_per_two_sided_bead(alignment: Alignment) -> None:
    units = parse_tmx(to_tmx(alignment, tool_version="0.1.0")).findall("body/tu")
    assert len(units) == 2  # [3]:[] and []:[2] translate nothing


def test_tmx_unit_carries_confidence_type_and_both_variants(alignment: Alignment) -> None:
    unit = parse_tmx(to_tmx(alignment, tool_version="0.1.0")).findall("body/tu")[1]
    assert {p.get("type"): p.text for p in unit.findall("prop")} == {
        "x-alinea-confidence": "0.410",
        "x-alinea-bead-type": "2-1",
        "x-alinea-review": "mismatch",
    }
    variants = unit.findall("tuv")
    assert [v.get(XML_LANG) for v in variants] == ["en", "fr"]  # the original first
    assert [v.findtext("seg") for v in variants] == [
        "It is raining and windy.",
        "Il pleut. Il vente.",
    ]


def test_tmx_names_the_document_of_each_unit_when_names_are_given(alignment: Alignment) -> None:
    other = with_texts(["Oui."], ["Yes."])
    root = parse_tmx(to_tmx([alignment, other], tool_version="0.1.0", names=["A/1", "A/2"]))
    documents = [tu.findtext("prop[@type='x-alinea-document']") for tu in root.iter("tu")]
    assert documents == ["A/1", "A/1", "A/2"]


def test_tmx_needs_one_name_per_alignment(alignment: Alignment) -> None:
    with pytest.raises(ValueError):
        to_tmx([alignment, alignment], tool_version="0.1.0", names=["only one"])


def test_tmx_leaves_out_beads_under_the_minimum_confidence(alignment: Alignment) -> None:
    root = parse_tmx(to_tmx(alignment, tool_version="0.1.0", min_confidence=0.5))
    assert [tu.findtext("prop[@type='x-alinea-bead-type']") for tu in root.iter("tu")] == ["1-1"]


def test_tmx_source_language_is_english_unless_asked(alignment: Alignment) -> None:
    root = parse_tmx(to_tmx(alignment, tool_version="0.1.0", source="fr"))
    assert root.find("header").get("srclang") == "fr"
    assert [v.get(XML_LANG) for v in root.find("body/tu").findall("tuv")] == ["fr", "en"]
    with pytest.raises(ValueError):
        to_tmx(alignment, tool_version="0.1.0", source="de")


def test_tmx_carries_one_sided_beads_only_when_asked(
    alignment: Alignment, tmx_dtd: etree.DTD
) -> None:
    data = to_tmx(alignment, tool_version="0.1.0", one_sided=True)
    parse_tmx(data, tmx_dtd)
    units = parse_tmx(data).findall("body/tu")
    assert [u.findtext("prop[@type='x-alinea-review']") for u in units] == [
        None, "mismatch", "addition", "omission"
    ]  # fmt: skip
    assert [[v.get(XML_LANG) for v in u.findall("tuv")] for u in units[2:]] == [["fr"], ["en"]]


def test_tmx_keeps_markup_characters_quotes_and_emoji_as_text(tmx_dtd: etree.DTD) -> None:
    fr = "Si a < b && c > d, « citer » \"ceci\" et 'cela' </seg> 🇫🇷 👍🏽"
    en = "<b>bold</b> & ]]> 𝔘𝔑 \u00a0€"
    data = to_tmx(with_texts([fr], [en]), tool_version='<&">')
    root = parse_tmx(data, tmx_dtd)
    assert [v.findtext("seg") for v in root.iter("tuv")] == [en, fr]
    assert root.find("header").get("creationtoolversion") == '<&">'


def test_tmx_drops_control_characters_xml_cannot_hold(tmx_dtd: etree.DTD) -> None:
    fr = "Avant\x00\x01\x08\x1b\x1f\ufffe\uffffaprès\tfin"
    en = "Line\x0bbreak\x0cpage\udc80end\x7f\x85"
    root = parse_tmx(to_tmx(with_texts([fr], [en]), tool_version="0.1.0"), tmx_dtd)
    assert [v.findtext("seg") for v in root.iter("tuv")] == [
        "Line break pageend\x7f\x85",
        "Avantaprès\tfin",
    ]


def test_xml_safe_leaves_ordinary_text_alone() -> None:
    text = "Tab\tnewline\nreturn\r, accents éà, emoji 🙂, private \ue000"
    assert xml_safe(text) == text


def test_write_tmx_streams_documents_from_a_generator(
    alignment: Alignment, tmx_dtd: etree.DTD
) -> None:
    def documents() -> Iterator[tuple[str | None, Alignment]]:
        for number in range(50):
            yield f"doc-{number}", alignment

    out = io.BytesIO()
    units = write_tmx(documents(), out, tool_version="0.1.0")
    root = parse_tmx(out.getvalue(), tmx_dtd)
    assert units == 100 == len(root.findall("body/tu"))


def test_tmx_of_nothing_is_a_valid_empty_memory(tmx_dtd: etree.DTD) -> None:
    root = parse_tmx(to_tmx([], tool_version="0.1.0"), tmx_dtd)
    assert root.findall("body/tu") == []


# -- HTML ----------------------------------------------------------------------------------------


def rows(page: str) -> list[lxml_html.HtmlElement]:
    return lxml_html.fromstring(page).xpath("//tbody/tr")


def test_html_has_one_row_per_bead_french_left(alignment: Alignment) -> None:
    found = rows(to_html(alignment))
    assert len(found) == len(alignment.beads)
    first = found[0].xpath("td[not(@class='para')]")
    assert [cell.text_content() for cell in first] == ["0Bonjour.", "0Hello.", "1-1", "0.973"]


def test_html_escapes_all_text() -> None:
    page = to_html(
        with_texts(["<script>alert('x')</script> & co"], ["<b>not bold</b>"]), title="<i>T</i>"
    )
    assert "<script>" not in page and "<b>" not in page and "<i>T" not in page
    assert "&lt;script&gt;" in page
    assert rows(page)[0].xpath("td")[1].text_content() == "0<script>alert('x')</script> & co"


def test_html_marks_low_confidence_rows_and_explains_the_mark(alignment: Alignment) -> None:
    page = to_html(alignment, low_confidence=0.5)
    marked = [row.xpath("td[@class='conf']")[0].text for row in rows(page) if "low" in row.classes]
    assert marked == ["0.410"]
    legend = lxml_html.fromstring(page).xpath("//*[contains(@class, 'legend')]")[0]
    assert "confidence under 0.50" in legend.text_content()


def test_html_highlights_the_beads_to_review_with_their_reason(alignment: Alignment) -> None:
    page = to_html(alignment)
    flagged = [row for row in rows(page) if "review" in row.classes]
    assert [row.xpath("td[@class='conf']/span")[0].text for row in flagged] == [
        "mismatch", "addition", "omission"
    ]  # fmt: skip
    assert "review-omission" in flagged[2].classes
    assert "3 to review (1 omission, 1 addition, 1 mismatch)" in " ".join(page.split())
    assert lxml_html.fromstring(page).xpath("//input[@id='only-review']")


def test_html_low_confidence_threshold_is_configurable(alignment: Alignment) -> None:
    page = to_html(alignment, low_confidence=0.85)
    assert sum("low" in row.classes for row in rows(page)) == 3


def test_html_shows_one_sided_beads_with_an_empty_cell(alignment: Alignment) -> None:
    french_only = rows(to_html(alignment))[2]
    cells = french_only.xpath("td")
    assert cells[1].get("class") == "empty" and cells[1].text_content() == ""
    assert "Page 2" in cells[0].text_content()


def test_html_marks_where_each_paragraph_bead_starts(alignment: Alignment) -> None:
    starts = [row for row in rows(to_html(alignment)) if "first" in row.classes]
    assert len(starts) == len(alignment.paragraphs)
    assert starts[0].xpath("td[@class='para']")[0].get("rowspan") == "3"


def test_html_is_self_contained(alignment: Alignment) -> None:
    page = to_html(alignment, title="Rapport")
    assert "<style>" in page
    assert "<script" not in page and "src=" not in page and "<link" not in page
    assert "<title>Rapport</title>" in page


def test_html_lists_the_alignment_warnings(alignment: Alignment) -> None:
    assert "French page furniture kept: &#x27;Page 2&#x27;" in to_html(alignment)


def test_parse_beads_reads_what_to_beads_writes(alignment: Alignment) -> None:
    assert parse_beads(to_beads(alignment)) == [(b.fr, b.en) for b in alignment.beads]
