"""HTML: a self-contained side-by-side page, French on the left, the beads to review marked."""

from __future__ import annotations

import html
from collections.abc import Sequence

from alignment.formats.base import (
    AlignmentFormat,
    join_indices,
    sentences_by_index,
)
from alignment.formats.json_doc import summary
from alignment.types import Alignment, Sentence

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
    fr = sentences_by_index(alignment.fr)
    en = sentences_by_index(alignment.en)
    esc = html.escape
    rows: list[str] = []
    for number, paragraph in enumerate(alignment.paragraphs, 1):
        beads = paragraph.sentences
        group = "footnotes" if paragraph.footnotes else "body"
        label = (
            f"¶ {esc(join_indices(paragraph.fr)) or '–'} ↔ "
            f"{esc(join_indices(paragraph.en)) or '–'}<br>"
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


FORMAT = AlignmentFormat(
    name="html",
    media_type="text/html; charset=utf-8",
    extension="html",
    description="a side-by-side page",
    write=lambda alignment, options: to_html(
        alignment, low_confidence=options.low_confidence
    ).encode("utf-8"),
)
