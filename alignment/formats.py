"""Writing an :class:`~alignment.types.Alignment` out: JSON-ready dict, TMX 1.4b, TSV, beads, HTML.

Every writer reads the alignment only; none needs anything beyond the standard library and lxml.
TMX goes through lxml so that escaping and encoding are never done by hand, and can be streamed
(:func:`write_tmx`) for batches too large to hold in memory.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, BinaryIO

from lxml import etree

from alignment.confidence import REVIEW_REASONS
from alignment.evaluate import format_beads
from alignment.types import Alignment, Bead, Paragraph, Sentence, Side

__all__ = [
    "TSV_COLUMNS",
    "to_beads",
    "to_dict",
    "to_html",
    "to_tmx",
    "to_tsv",
    "to_xliff",
    "write_tmx",
    "xml_safe",
]

# -- JSON ----------------------------------------------------------------------------------------


def to_dict(alignment: Alignment) -> dict[str, Any]:
    """The alignment as plain dicts, lists, strings and numbers, ready for ``json.dumps``.

    Shape: ``{"fr": side, "en": side, "paragraphs": [...], "warnings": [...]}`` where a side is
    ``{"lang", "sentences": [{"index", "text", "start", "end", "spans": [[s, e], ...],
    "paragraph", "furniture"}], "paragraphs": [{"index", "sentences", "footnote"}],
    "dropped": [[s, e], ...]}`` and a paragraph bead is ``{"fr", "en", "type", "confidence",
    "footnotes", "sentences": [{"fr", "en", "type", "confidence", "review"}]}``; ``summary``
    counts the beads and those to review, by reason.
    """
    return {
        "fr": _side_dict(alignment.fr),
        "en": _side_dict(alignment.en),
        "paragraphs": [
            {
                "fr": list(paragraph.fr),
                "en": list(paragraph.en),
                "type": paragraph.type,
                "confidence": paragraph.confidence,
                "footnotes": paragraph.footnotes,
                "sentences": [_bead_dict(bead) for bead in paragraph.sentences],
            }
            for paragraph in alignment.paragraphs
        ],
        "summary": summary(alignment),
        "warnings": list(alignment.warnings),
    }


def summary(alignment: Alignment, low_confidence: float = 0.5) -> dict[str, Any]:
    """``{"beads", "low_confidence", "review": {"omission", "addition", "mismatch"}}``: how many
    beads, how many under ``low_confidence``, and how many are flagged for each reason."""
    beads = alignment.beads
    return {
        "beads": len(beads),
        "low_confidence": sum(1 for bead in beads if bead.confidence < low_confidence),
        "review": {
            reason: sum(1 for bead in beads if bead.review == reason) for reason in REVIEW_REASONS
        },
    }


def _side_dict(side: Side) -> dict[str, Any]:
    return {
        "lang": side.lang,
        "sentences": [_sentence_dict(sentence) for sentence in side.sentences],
        "paragraphs": [_paragraph_dict(paragraph) for paragraph in side.paragraphs],
        "dropped": [[span.start, span.end] for span in side.dropped],
    }


def _sentence_dict(sentence: Sentence) -> dict[str, Any]:
    return {
        "index": sentence.index,
        "text": sentence.text,
        "start": sentence.start,
        "end": sentence.end,
        "spans": [[span.start, span.end] for span in sentence.spans],
        "paragraph": sentence.paragraph,
        "furniture": sentence.furniture,
    }


def _paragraph_dict(paragraph: Paragraph) -> dict[str, Any]:
    return {
        "index": paragraph.index,
        "sentences": list(paragraph.sentences),
        "footnote": paragraph.footnote,
    }


def _bead_dict(bead: Bead) -> dict[str, Any]:
    return {
        "fr": list(bead.fr),
        "en": list(bead.en),
        "type": bead.type,
        "confidence": bead.confidence,
        "review": bead.review,
    }


# -- beads and TSV -------------------------------------------------------------------------------


def to_beads(alignment: Alignment) -> str:
    """The sentence beads in the beads format of the evaluation sets (``[3]:[3,4]`` lines)."""
    return format_beads((bead.fr, bead.en) for bead in alignment.beads)


TSV_COLUMNS = ("fr_indices", "en_indices", "type", "confidence", "review", "fr_text", "en_text")

# Every character str.splitlines() breaks on, plus tab: any of them inside a cell would shift
# columns or rows for some reader.
_TSV_BREAKS = re.compile("[\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def to_tsv(alignment: Alignment) -> str:
    """The sentence beads as tab-separated values, one row per bead after a header row.

    Columns:

    ``fr_indices``, ``en_indices``
        the bead's sentence indices on each side, comma-separated (``3,4``); empty for the
        empty side of a one-sided bead;
    ``type``
        the bead type, ``"{French count}-{English count}"`` (``1-2``, ``1-0`` …);
    ``confidence``
        the bead's confidence with three decimals;
    ``review``
        why to look at the bead (``omission``, ``addition``, ``mismatch``), or empty;
    ``fr_text``, ``en_text``
        the bead's sentences on each side joined by a space, with tabs and line breaks turned
        into spaces so that every bead stays on one row.

    No quoting is used, so the file reads with a plain split on tabs.
    """
    fr = _sentences_by_index(alignment.fr)
    en = _sentences_by_index(alignment.en)
    rows = ["\t".join(TSV_COLUMNS)]
    for bead in alignment.beads:
        cells = (
            _join(bead.fr),
            _join(bead.en),
            bead.type,
            f"{bead.confidence:.3f}",
            bead.review or "",
            _TSV_BREAKS.sub(" ", _text(fr, bead.fr)),
            _TSV_BREAKS.sub(" ", _text(en, bead.en)),
        )
        rows.append("\t".join(cells))
    return "\n".join(rows) + "\n"


def _join(indices: Iterable[int]) -> str:
    return ",".join(str(index) for index in indices)


def _sentences_by_index(side: Side) -> dict[int, Sentence]:
    # Looked up by Sentence.index rather than list position, so a side whose list is not in
    # index order still prints the right text.
    return {sentence.index: sentence for sentence in side.sentences}


def _text(sentences: dict[int, Sentence], indices: Iterable[int]) -> str:
    return " ".join(sentences[index].text for index in indices)


# -- TMX -----------------------------------------------------------------------------------------

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# XML 1.0 allows tab, LF, CR and everything from U+0020 except surrogates, U+FFFE and U+FFFF.
# Vertical tab and form feed are line and page breaks in word-processor exports, so they become
# spaces to keep the words apart; the other forbidden characters carry no text and are removed.
_XML_BREAKS = re.compile("[\x0b\x0c]")
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` with the characters XML 1.0 cannot hold replaced (line breaks) or removed."""
    return _XML_FORBIDDEN.sub("", _XML_BREAKS.sub(" ", text))


def to_tmx(
    alignment: Alignment | Iterable[Alignment],
    *,
    tool_version: str,
    source: str = "en",
    names: Iterable[str] | None = None,
    min_confidence: float = 0.0,
    one_sided: bool = False,
    created: datetime | None = None,
) -> bytes:
    """One or several alignments as a TMX 1.4b document (UTF-8 bytes); see :func:`write_tmx`.

    With ``names`` (one per alignment, in order) each unit says which document it comes from.
    """
    alignments = [alignment] if isinstance(alignment, Alignment) else list(alignment)
    labels: Sequence[str | None] = [None] * len(alignments) if names is None else list(names)
    if len(labels) != len(alignments):
        raise ValueError(f"{len(labels)} names given for {len(alignments)} alignments")
    buffer = io.BytesIO()
    write_tmx(
        zip(labels, alignments, strict=True),
        buffer,
        tool_version=tool_version,
        source=source,
        min_confidence=min_confidence,
        one_sided=one_sided,
        created=created,
    )
    return buffer.getvalue()


def write_tmx(
    alignments: Iterable[tuple[str | None, Alignment]],
    out: BinaryIO,
    *,
    tool_version: str,
    source: str = "en",
    min_confidence: float = 0.0,
    one_sided: bool = False,
    created: datetime | None = None,
) -> int:
    """Stream ``(name, alignment)`` pairs to ``out`` as TMX 1.4b; return the number of units.

    Valid against the TMX 1.4b DTD. ``source`` ("en", the original, by default; or "fr") is
    the header's ``srclang`` and comes first in each unit. Each bead with sentences on both
    sides and a confidence of at least ``min_confidence`` is one ``<tu>``, carrying
    ``x-alinea-confidence``, ``x-alinea-bead-type``, ``x-alinea-review`` (when the bead is
    flagged) and, when the name is not ``None``, ``x-alinea-document`` properties, then the
    ``<tuv>`` of each language; the sentences of a side are joined by a space. One-sided beads
    translate nothing and are left out, unless ``one_sided``: then each is a unit with its one
    ``<tuv>`` (an omission or addition to look at; most translation-memory tools skip such
    units). Units are written as they are built, so memory does not grow with the number of
    documents. ``created`` (default: now) is the header's ``creationdate``, in UTC.
    """
    if source not in ("en", "fr"):
        raise ValueError(f"source language is 'en' or 'fr', not {source!r}")
    stamp = (created or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    header = etree.Element(
        "header",
        creationtool="Alinea",
        creationtoolversion=xml_safe(tool_version),
        segtype="sentence",
        # o-tmf names the format the memory came from; there is none but our own.
        **{"o-tmf": "Alinea"},
        adminlang="en",
        srclang=source,
        datatype="plaintext",
        creationdate=stamp,
    )
    units = 0
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        xf.write_doctype('<!DOCTYPE tmx SYSTEM "tmx14.dtd">')
        with xf.element("tmx", version="1.4"):
            xf.write("\n  ")
            xf.write(header)
            xf.write("\n  ")
            with xf.element("body"):
                for name, alignment in alignments:
                    fr = _sentences_by_index(alignment.fr)
                    en = _sentences_by_index(alignment.en)
                    for bead in alignment.beads:
                        if bead.confidence < min_confidence and bead.fr and bead.en:
                            continue
                        if not (bead.fr and bead.en) and not one_sided:
                            continue
                        xf.write("\n    ")
                        xf.write(_unit(bead, fr, en, name, source))
                        units += 1
                xf.write("\n  ")
            xf.write("\n")
    return units


def _unit(
    bead: Bead,
    fr: dict[int, Sentence],
    en: dict[int, Sentence],
    name: str | None,
    source: str,
) -> etree._Element:
    unit = etree.Element("tu")
    properties = [
        ("x-alinea-confidence", f"{bead.confidence:.3f}"),
        ("x-alinea-bead-type", bead.type),
    ]
    if bead.review:
        properties.append(("x-alinea-review", bead.review))
    if name is not None:
        properties.append(("x-alinea-document", name))
    for kind, value in properties:
        etree.SubElement(unit, "prop", type=kind).text = xml_safe(value)
    sides = [("en", en, bead.en), ("fr", fr, bead.fr)]
    if source == "fr":
        sides.reverse()
    for lang, sentences, indices in sides:
        if indices:
            variant = etree.SubElement(unit, "tuv", {XML_LANG: lang})
            etree.SubElement(variant, "seg").text = xml_safe(_text(sentences, indices))
    return unit


# -- XLIFF ---------------------------------------------------------------------------------------

XLIFF_NS = "urn:oasis:names:tc:xliff:document:2.0"
XLIFF_METADATA_NS = "urn:oasis:names:tc:xliff:metadata:2.0"


def to_xliff(alignment: Alignment, *, source: str = "en") -> bytes:
    """The two-sided beads as an XLIFF 2.1 document (UTF-8 bytes): one ``<unit>`` per bead with
    one ``<segment>``, its ``<source>`` in ``source`` ("en", the original, by default) and its
    ``<target>`` in the other language. The bead's confidence and type are metadata (the
    Metadata module, category ``alinea``); a review flag is a ``<note>`` of category
    ``x-alinea-review``."""
    if source not in ("en", "fr"):
        raise ValueError(f"source language is 'en' or 'fr', not {source!r}")
    target = "fr" if source == "en" else "en"
    x = f"{{{XLIFF_NS}}}"
    mda = f"{{{XLIFF_METADATA_NS}}}"
    root = etree.Element(
        f"{x}xliff",
        nsmap={None: XLIFF_NS, "mda": XLIFF_METADATA_NS},
        version="2.1",
        srcLang=source,
        trgLang=target,
    )
    document = etree.SubElement(root, f"{x}file", id="f1")
    sentences = {"fr": _sentences_by_index(alignment.fr), "en": _sentences_by_index(alignment.en)}
    for number, bead in enumerate(alignment.beads, 1):
        if not bead.fr or not bead.en:
            continue
        unit = etree.SubElement(document, f"{x}unit", id=f"u{number}")
        metadata = etree.SubElement(unit, f"{mda}metadata")
        group = etree.SubElement(metadata, f"{mda}metaGroup", category="alinea")
        for kind, value in (("confidence", f"{bead.confidence:.3f}"), ("bead-type", bead.type)):
            etree.SubElement(group, f"{mda}meta", type=kind).text = value
        if bead.review:
            notes = etree.SubElement(unit, f"{x}notes")
            etree.SubElement(notes, f"{x}note", category="x-alinea-review").text = bead.review
        segment = etree.SubElement(unit, f"{x}segment", state="translated")
        indices = {"fr": bead.fr, "en": bead.en}
        for element, lang in (("source", source), ("target", target)):
            text = _text(sentences[lang], indices[lang])
            etree.SubElement(segment, f"{x}{element}").text = xml_safe(text)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


# -- HTML ----------------------------------------------------------------------------------------

_CSS = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #1a1a1a; }
h1 { font-size: 1.3rem; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
th, td { border: 1px solid #d0d0d0; padding: .35rem .5rem; vertical-align: top; }
th { background: #f0f0f0; text-align: left; }
col.para { width: 5rem; } col.meta { width: 4.5rem; }
td.para { background: #fafafa; font-size: .8rem; color: #555; border-top: 3px solid #444; }
tr.first td { border-top: 3px solid #444; }
tr.footnotes td.para { background: #f3efe4; }
tr.low td { background: #fff1cc; }
tr.low td.conf { font-weight: bold; color: #a33; }
tr.low td.conf::before, .legend .low::before { content: "\\26A0\\FE0E  "; }
td.empty {
  background: repeating-linear-gradient(45deg, #fff, #fff 6px, #f2f2f2 6px, #f2f2f2 12px);
}
.s { display: block; } .s + .s { margin-top: .3rem; border-top: 1px dotted #bbb; }
.i { color: #888; font-size: .75rem; margin-right: .3rem; }
.furniture { color: #888; font-style: italic; }
.legend { margin: .5rem 0 1rem; font-size: .9rem; }
.legend span { padding: .1rem .4rem; border: 1px solid #ccc; margin-right: .6rem; }
.legend .low { background: #fff1cc; color: #a33; }
tr.review td { background: #fde2e2; }
tr.review td.conf { font-weight: bold; color: #a11; }
.flag { display: block; font-size: .75rem; text-transform: uppercase; letter-spacing: .03em; }
.legend .review { background: #fde2e2; color: #a11; }
#only-review:checked ~ table tbody tr:not(.review) { display: none; }
#only-review:checked ~ table td.para { display: none; }
.warnings { color: #a33; }
"""


def to_html(
    alignment: Alignment, *, low_confidence: float = 0.5, title: str = "Alinea alignment"
) -> str:
    """A self-contained side-by-side page: one table row per sentence bead, French on the left.

    The first column spans the beads of each paragraph bead and gives its paragraph numbers,
    type and confidence, with a heavy rule where a paragraph bead starts. Beads flagged for
    review have the classes ``review`` and ``review-<reason>`` (highlighted, the reason under
    the confidence) and a check box at the top shows them alone; beads with a confidence under
    ``low_confidence`` have the class ``low``; the empty side of a one-sided bead is an empty,
    hatched cell. Inline CSS only, no script; all text is escaped.
    """
    fr = _sentences_by_index(alignment.fr)
    en = _sentences_by_index(alignment.en)
    esc = html.escape
    rows: list[str] = []
    for number, paragraph in enumerate(alignment.paragraphs, 1):
        beads = paragraph.sentences
        group = "footnotes" if paragraph.footnotes else "body"
        label = (
            f"¶ {esc(_join(paragraph.fr)) or '–'} ↔ {esc(_join(paragraph.en)) or '–'}<br>"
            f"{paragraph.type}, {paragraph.confidence:.2f}"
            + ("<br>footnotes" if paragraph.footnotes else "")
        )
        if not beads:
            rows.append(
                f'<tr class="first {group}" id="p{number}"><td class="para">{label}</td>'
                '<td class="empty"></td><td class="empty"></td><td></td><td></td></tr>'
            )
            continue
        for position, bead in enumerate(beads):
            classes = [group]
            cells = []
            if position == 0:
                classes.append("first")
                cells.append(f'<td class="para" rowspan="{len(beads)}">{label}</td>')
            if bead.confidence < low_confidence:
                classes.append("low")
            flag = ""
            if bead.review:
                classes += ["review", f"review-{bead.review}"]
                flag = f'<span class="flag">{esc(bead.review)}</span>'
            cells.append(_html_side(fr, bead.fr, alignment.fr.lang))
            cells.append(_html_side(en, bead.en, alignment.en.lang))
            cells.append(f'<td class="type">{bead.type}</td>')
            cells.append(f'<td class="conf">{bead.confidence:.3f}{flag}</td>')
            row_id = f' id="p{number}"' if position == 0 else ""
            rows.append(f'<tr class="{" ".join(classes)}"{row_id}>{"".join(cells)}</tr>')

    warnings = ""
    if alignment.warnings:
        items = "".join(f"<li>{esc(warning)}</li>" for warning in alignment.warnings)
        warnings = f'<ul class="warnings">{items}</ul>'
    counts = summary(alignment, low_confidence)
    n_beads, n_low = counts["beads"], counts["low_confidence"]
    n_review = sum(counts["review"].values())
    reasons = ", ".join(f"{n} {reason}" for reason, n in counts["review"].items() if n)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{esc(title)}</h1>
<p>Sentences: {len(alignment.fr.sentences)} French, {len(alignment.en.sentences)} English.
Beads: {len(alignment.paragraphs)} of paragraphs, {n_beads} of sentences, {n_low} of them under
confidence {low_confidence:.2f}; {n_review} to review{f" ({reasons})" if reasons else ""}.</p>
{warnings}
<p class="legend"><span class="review">to review: omission, addition or mismatch</span>
<span class="low">confidence under {low_confidence:.2f}: check this bead</span>
<span>hatched cell: no counterpart on that side</span>
<span>heavy rule: a new paragraph bead</span></p>
<input type="checkbox" id="only-review"><label for="only-review"> show only the beads to
review</label>
<table>
<colgroup><col class="para"><col><col><col class="meta"><col class="meta"></colgroup>
<thead><tr><th>¶</th><th>French ({esc(alignment.fr.lang)})</th>
<th>English ({esc(alignment.en.lang)})</th><th>type</th><th>confidence</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
</body>
</html>
"""


def _html_side(sentences: dict[int, Sentence], indices: Sequence[int], lang: str) -> str:
    if not indices:
        return '<td class="empty"></td>'
    parts = []
    for index in indices:
        sentence = sentences[index]
        furniture = " furniture" if sentence.furniture else ""
        parts.append(
            f'<span class="s{furniture}"><span class="i">{index}</span>'
            f"{html.escape(sentence.text)}</span>"
        )
    return f'<td lang="{html.escape(lang)}">{"".join(parts)}</td>'
