"""How QA reports and term candidates are written out: JSON, HTML (the bead, the finding
highlighted), plain text and TSV. Shared by ``POST /v1/qa``, the job routes and the CLI."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Sequence
from enum import StrEnum
from html import escape
from typing import Any

from termbase.extraction import TermCandidate
from termbase.qa import KINDS, QAReport


class QAFormat(StrEnum):
    JSON = "json"
    HTML = "html"
    TEXT = "text"


MEDIA_TYPES = {
    QAFormat.JSON: "application/json",
    QAFormat.HTML: "text/html; charset=utf-8",
    QAFormat.TEXT: "text/plain; charset=utf-8",
}


def summary_of(documents: Sequence[tuple[str, QAReport]]) -> dict[str, Any]:
    """The job-level summary: beads, findings by kind and severity, findings per 100 beads."""
    by_kind: Counter[str] = Counter()
    by_severity: Counter[str] = Counter()
    beads = flagged = 0
    for _name, report in documents:
        summary = report.summary()
        beads += summary["beads"]
        flagged += summary["beads_with_findings"]
        by_kind.update(summary["by_kind"])
        by_severity.update(summary["by_severity"])
    findings = sum(by_kind.values())
    return {
        "documents": len(documents),
        "beads": beads,
        "beads_with_findings": flagged,
        "findings": findings,
        "per_100_beads": round(100 * findings / beads, 2) if beads else 0.0,
        "by_kind": {k: by_kind[k] for k in KINDS if by_kind[k]},
        "by_severity": {s: by_severity[s] for s in ("error", "warning", "info")},
    }


def qa_json(documents: Sequence[tuple[str, QAReport]], *, all_beads: bool) -> dict[str, Any]:
    return {
        "summary": summary_of(documents),
        "documents": [
            {"name": name, **report.as_dict(all_beads=all_beads)} for name, report in documents
        ],
    }


def _highlighted(text: str, spans: list[tuple[int, int, str]]) -> str:
    """``text`` as HTML with each (start, end, kind) span in a <mark>."""
    out: list[str] = []
    position = 0
    for start, end, kind in sorted(spans):
        if start < position or end > len(text) or start >= end:
            continue  # overlapping or out of range: the finding is listed below anyway
        out.append(escape(text[position:start]))
        out.append(f'<mark class="{escape(kind)}">{escape(text[start:end])}</mark>')
        position = end
    out.append(escape(text[position:]))
    return "".join(out)


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.4em;
vertical-align:top;text-align:left}th{background:#f4f4f4}td.n{color:#777;width:3em}
mark{background:#ffe08a;padding:0 .1em}mark.deprecated,mark.number,mark.symbol,mark.date
{background:#ffb3b3}mark.inconsistent{background:#d6e4ff}ul{margin:.2em 0;padding-left:1.2em}
.error{color:#a00}.warning{color:#8a5a00}.info{color:#245}
"""


def qa_html(documents: Sequence[tuple[str, QAReport]], *, all_beads: bool) -> str:
    summary = summary_of(documents)
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>Translation QA</title><style>{_STYLE}</style></head><body>",
        "<h1>Translation QA</h1>",
        f"<p>{summary['documents']} document(s), {summary['beads']} beads, "
        f"{summary['findings']} findings in {summary['beads_with_findings']} beads "
        f"({summary['per_100_beads']} per 100 beads).</p><ul>",
    ]
    for kind, count in summary["by_kind"].items():
        parts.append(f"<li>{escape(kind)}: {count}</li>")
    parts.append("</ul>")
    for name, report in documents:
        if name:
            parts.append(f"<h2>{escape(name)}</h2>")
        parts.append("<table><tr><th>#</th><th>French</th><th>English</th><th>findings</th></tr>")
        for bead in report.beads:
            if not all_beads and not bead.findings:
                continue
            spans: dict[str, list[tuple[int, int, str]]] = {"fr": [], "en": []}
            items = []
            for finding in bead.findings:
                if finding.lang in spans and finding.start is not None and finding.end is not None:
                    spans[finding.lang].append((finding.start, finding.end, finding.kind))
                extra = f" — {escape(finding.note)}" if finding.note else ""
                items.append(
                    f'<li class="{finding.severity}"><b>{escape(finding.kind)}</b>: '
                    f"{escape(finding.message)}{extra}</li>"
                )
            parts.append(
                f'<tr><td class="n">{bead.position}</td>'
                f'<td lang="fr">{_highlighted(bead.bead.fr, spans["fr"])}</td>'
                f'<td lang="en">{_highlighted(bead.bead.en, spans["en"])}</td>'
                f"<td><ul>{''.join(items)}</ul></td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)


def qa_text(documents: Sequence[tuple[str, QAReport]], *, all_beads: bool) -> str:
    summary = summary_of(documents)
    lines = []
    for name, report in documents:
        for bead in report.beads:
            if not bead.findings and not all_beads:
                continue
            where = f"{name}#{bead.position}" if name else f"#{bead.position}"
            lines.append(f"{where}\n  FR: {bead.bead.fr}\n  EN: {bead.bead.en}")
            for finding in bead.findings:
                note = f" ({finding.note})" if finding.note else ""
                lines.append(f"  [{finding.severity}] {finding.kind}: {finding.message}{note}")
    kinds = ", ".join(f"{k} {v}" for k, v in summary["by_kind"].items()) or "none"
    lines.append(
        f"{summary['findings']} findings in {summary['beads_with_findings']} of "
        f"{summary['beads']} beads ({summary['per_100_beads']} per 100 beads): {kinds}"
    )
    return "\n".join(lines) + "\n"


def render_qa(
    documents: Sequence[tuple[str, QAReport]], output_format: QAFormat, *, all_beads: bool
) -> bytes:
    if output_format is QAFormat.HTML:
        return qa_html(documents, all_beads=all_beads).encode("utf-8")
    if output_format is QAFormat.TEXT:
        return qa_text(documents, all_beads=all_beads).encode("utf-8")
    return json.dumps(qa_json(documents, all_beads=all_beads), ensure_ascii=False).encode("utf-8")


CANDIDATE_COLUMNS = (
    "rank", "fr", "en", "frequency", "fr_frequency", "en_frequency", "dice", "llr", "lexical",
    "score", "known", "key", "example_fr", "example_en",
)  # fmt: skip


def candidates_tsv(candidates: Sequence[TermCandidate]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(CANDIDATE_COLUMNS)
    for rank, c in enumerate(candidates, 1):
        example = c.examples[0] if c.examples else None
        writer.writerow(
            [
                rank, c.fr, c.en, c.frequency, c.fr_frequency, c.en_frequency,
                f"{c.dice:.4f}", f"{c.llr:.2f}", f"{c.lexical:.4f}", f"{c.score:.4f}",
                "yes" if c.known else "no", c.key,
                example.fr if example else "", example.en if example else "",
            ]
        )  # fmt: skip
    return buffer.getvalue()
