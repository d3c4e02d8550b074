"""CSV and TSV: a termbase as a spreadsheet, languages side by side.

Layout (the first row names the columns; UTF-8, with a byte-order mark on export so spreadsheet
programs read accents right; CSV is RFC 4180 with commas, TSV the same with tabs):

=====================  =========================================================================
column                 holds
=====================  =========================================================================
``concept_id``         the concept's id (``alinea-12``); the rows of one concept follow each other
``concept_revision``   its Alinea revision when exported (an import compares it: a conflict if
                       the concept changed since)
``subject_field``,     the concept's fields, on its first row only
``definition``,
``concept_note``,
``concept_source``
``collection``         the concept's collection (``un-seed``, ``team``, a vocabulary's name)
``<lang>``             a term in that language (``en``, ``fr``, ``fr-CA`` …: any BCP 47 tag)
``<lang>:status``      ``preferred``, ``admitted``, ``deprecated`` or ``superseded``
``<lang>:type``        ``full_form``, ``acronym``, ``abbreviation``, ``short_form``, ``variant``,
                       ``phrase``
``<lang>:part_of_speech``  ``noun``, ``verb``, ``adjective``, ``adverb``, ``other``
``<lang>:context``,    the term's context sentence, source and note
``<lang>:source``,
``<lang>:note``
=====================  =========================================================================

One row per term: a concept takes as many rows as its language with the most terms, the n-th
term of each language on its n-th row. On import, only the language columns are required: a
hand-made glossary with the columns ``en`` and ``fr`` makes one concept per row. Without a
``concept_id`` (or with an empty one), each row is a concept of its own; a ``concept_id`` that is
not an Alinea id only groups the rows of a concept. Any other column is
kept in the concept's note as ``[column] value``. CSV carries no history.

A file carries the fields it has columns for, and no others: a merge keeps what a concept has
in the fields a sheet has no column for (see ``importer``).

Cells a spreadsheet program would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return) are written with a leading single quote, as OWASP recommends against
CSV injection; so is a cell that is single quotes before such a character, so that the import,
which takes one leading quote off such cells, gives every value back exactly.
"""

from __future__ import annotations

import codecs
import csv
import enum
import io
from collections.abc import Iterable, Iterator
from typing import Any

from termbase.exchange.records import (
    ExportConcept,
    IncomingConcept,
    IncomingTerm,
    Position,
    Problem,
)
from termbase.exchange.safe_input import CountingReader, ImportRefused
from termbase.exchange.vocabulary import (
    POS_FROM_TBX,
    STATUS_FROM_TBX,
    TYPE_FROM_TBX,
    concept_ref,
)
from termbase.fields import TERM_ATTRIBUTES
from termbase.models import PartOfSpeech, TermStatus, TermType
from termbase.schemas import normalize_language_tag

CONCEPT_COLUMNS = (
    "concept_id",
    "concept_revision",
    "subject_field",
    "definition",
    "concept_note",
    "concept_source",
    "collection",
)
# column → ConceptIn field
_CONCEPT_FIELD = {
    "subject_field": "subject_field",
    "definition": "definition",
    "concept_note": "note",
    "concept_source": "source",
    "collection": "collection",
}
_ID_COLUMN = ("concept", "concept_id")
_REVISION_COLUMN = ("concept", "concept_revision")
TERM_COLUMNS = TERM_ATTRIBUTES
# What a spreadsheet program takes for the start of a formula (OWASP, CSV injection).
FORMULA_STARTS = frozenset("=+-@\t\r")


def guard(cell: str) -> str:
    """The cell with a leading single quote if a spreadsheet would run it as a formula (or if
    it is quotes before such a character, so that :func:`unguard` is exact)."""
    bare = cell.lstrip("'")
    return "'" + cell if bare[:1] in FORMULA_STARTS and bare else cell


def unguard(cell: str) -> str:
    """A cell as it was before :func:`guard`."""
    if cell[:1] == "'":
        bare = cell.lstrip("'")
        if bare[:1] in FORMULA_STARTS and bare:
            return cell[1:]
    return cell


def header(languages: Iterable[str]) -> list[str]:
    columns = list(CONCEPT_COLUMNS)
    for lang in languages:
        columns.append(lang)
        columns.extend(f"{lang}:{name}" for name in TERM_COLUMNS)
    return columns


def write_csv(
    chunks: Iterable[list[ExportConcept]], languages: list[str], *, tab: bool = False
) -> Iterator[bytes]:
    """The CSV (or TSV) of the concepts in ``chunks``, one piece of bytes per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t" if tab else ",", lineterminator="\r\n")
    writer.writerow(header(languages))
    yield codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
    for chunk in chunks:
        buffer.seek(0)
        buffer.truncate()
        for concept in chunk:
            by_language = concept.languages()
            if not by_language:
                continue
            rows = max(len(terms) for terms in by_language.values())
            for n in range(rows):
                first = n == 0
                row = [
                    concept_ref(concept.id),
                    str(concept.revision) if first else "",
                    (concept.subject_field or "") if first else "",
                    (concept.definition or "") if first else "",
                    (concept.note or "") if first else "",
                    (concept.source or "") if first else "",
                    (concept.collection or "") if first else "",
                ]
                for lang in languages:
                    terms = by_language.get(lang, [])
                    if n < len(terms):
                        term = terms[n]
                        row += [
                            term.text,
                            term.status,
                            term.term_type,
                            term.part_of_speech or "",
                            term.context or "",
                            term.source or "",
                            term.note or "",
                        ]
                    else:
                        row += [""] * (1 + len(TERM_COLUMNS))
                writer.writerow([guard(cell) for cell in row])
        if buffer.tell():
            yield buffer.getvalue().encode("utf-8")


# -- reading --------------------------------------------------------------------------------------


def _lines(reader: CountingReader) -> Iterator[str]:
    """The file's lines (with their ``\\n``), decoded; invalid text refused at its line and column.

    UTF-8 (a byte-order mark is dropped) or UTF-16 with a byte-order mark, as spreadsheet programs
    save "Unicode text".
    """
    head = reader.peek(4)
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    decoder = codecs.getincrementaldecoder("utf-16" if utf16 else "utf-8-sig")("strict")
    line, pending = 1, ""
    final = False
    while not final:
        chunk = reader.read(1 << 16)
        final = not chunk
        try:
            text = decoder.decode(chunk, final=final)
        except UnicodeDecodeError as exc:
            good = exc.object[: exc.start].decode("utf-16" if utf16 else "utf-8-sig", "ignore")
            before = pending + good
            where = line + before.count("\n")
            column = len(before) - (before.rfind("\n") + 1) + 1
            bad = exc.object[exc.start : exc.start + 1].hex().upper()
            raise ImportRefused(
                f"the file is not valid {'UTF-16' if utf16 else 'UTF-8'} text "
                f"(byte 0x{bad}); save it as UTF-8",
                code="invalid-encoding",
                line=where,
                column=column,
            ) from None
        parts = (pending + text).split("\n")
        pending = parts.pop()
        for part in parts:
            yield part + "\n"
            line += 1
    if pending:
        yield pending


def _enum(value: str, known: dict[str, Any], own: type[enum.StrEnum]) -> Any:
    """Alinea's value (``preferred``) or its TBX spelling (``preferredTerm-admn-sts``)."""
    value = value.strip()
    try:
        return own(value)
    except ValueError:
        pass
    return known.get(value) or known.get(value[:1].lower() + value[1:])


_PICKLISTS: dict[str, tuple[dict[str, Any], type[enum.StrEnum]]] = {
    "status": (
        {**STATUS_FROM_TBX["administrativeStatus"], **STATUS_FROM_TBX["usageStatus"]},
        TermStatus,
    ),
    "type": (TYPE_FROM_TBX, TermType),
    "part_of_speech": (POS_FROM_TBX, PartOfSpeech),
}


def _columns(names: list[str], warnings: list[Problem]) -> list[tuple[str, ...]]:
    """What each column holds: ("concept", field), ("term", lang, field) or ("extra", name)."""
    layout: list[tuple[str, ...]] = []
    seen: set[str] = set()
    for number, raw in enumerate(names, 1):
        name = raw.strip().removeprefix("\ufeff")
        if name in seen:
            raise ImportRefused(
                f"the column {name!r} appears twice in the header",
                code="invalid-header",
                line=1,
                column=number,
            )
        seen.add(name)
        if name in CONCEPT_COLUMNS:
            layout.append(("concept", name))
            continue
        tag, _, field = name.partition(":")
        if field and field not in TERM_COLUMNS:
            layout.append(("extra", name))
            warnings.append(
                Problem(
                    Position(1, number),
                    "kept-in-note",
                    f"column {name!r} ({field!r} is not a term field) kept in notes",
                )
            )
            continue
        try:
            lang = normalize_language_tag(tag)
        except ValueError:
            layout.append(("extra", name))
            if name:
                warnings.append(
                    Problem(
                        Position(1, number),
                        "kept-in-note",
                        f"column {name!r} (not a field nor a BCP 47 language tag) kept in "
                        "concept notes",
                    )
                )
            continue
        layout.append(("term", lang, field or "text"))
    if not any(kind[0] == "term" and kind[2] == "text" for kind in layout):
        raise ImportRefused(
            "the header has no language column: name them by BCP 47 tag, e.g. 'en' and 'fr'",
            code="invalid-header",
            line=1,
            column=1,
        )
    return layout


def read_csv(
    reader: CountingReader, *, tab: bool, warnings: list[Problem]
) -> Iterator[IncomingConcept]:
    """The concepts of a CSV (or TSV) file in the layout above, one at a time."""
    rows = csv.reader(_lines(reader), delimiter="\t" if tab else ",", strict=False)
    try:
        names = next(rows, None)
        if names is None:
            raise ImportRefused("the file is empty", code="empty", line=1)
        layout = _columns(names, warnings)
        carried = frozenset(
            _CONCEPT_FIELD[k[1]] for k in layout if k[0] == "concept" and k[1] in _CONCEPT_FIELD
        )
        term_carried = {
            k[1]: frozenset(
                f[2] for f in layout if f[0] == "term" and f[1] == k[1] and f[2] != "text"
            )
            for k in layout
            if k[0] == "term"
        }
        current: IncomingConcept | None = None
        seen: dict[str, int] = {}
        previous_line = rows.line_num
        for cells in rows:
            start = previous_line + 1
            previous_line = rows.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(layout):
                raise ImportRefused(
                    f"the row has {len(cells)} fields, the header {len(layout)}",
                    code="invalid-row",
                    line=start,
                    column=len(layout) + 1,
                )
            cells = [unguard(cell) for cell in cells] + [""] * (len(layout) - len(cells))
            ref = next(
                (c.strip() for c, k in zip(cells, layout, strict=True) if k == _ID_COLUMN), ""
            )
            if current is None or not ref or ref != current.ref:
                if current is not None:
                    yield current
                current = IncomingConcept(
                    position=Position(start, 1),
                    ref=ref or None,
                    carried=carried,
                    lists_terms=_ID_COLUMN in layout,
                )
                if ref:
                    if ref in seen:
                        current.problems.append(
                            Problem(
                                Position(start, 1),
                                "invalid-row",
                                f"the rows of concept {ref} are not together (it started at "
                                f"line {seen[ref]})",
                            )
                        )
                    seen.setdefault(ref, start)
                _concept_row(current, cells, layout, start, term_carried, first=True)
            else:
                _concept_row(current, cells, layout, start, term_carried, first=False)
        if current is not None:
            yield current
    except csv.Error as exc:
        raise ImportRefused(
            f"malformed {'TSV' if tab else 'CSV'}: {exc}", code="malformed-csv", line=rows.line_num
        ) from None


def _concept_row(
    concept: IncomingConcept,
    cells: list[str],
    layout: list[tuple[str, ...]],
    line: int,
    term_carried: dict[str, frozenset[str]],
    *,
    first: bool,
) -> None:
    terms: dict[str, IncomingTerm] = {}
    extras: dict[str, list[tuple[int, str, str]]] = {}
    for number, (cell, kind) in enumerate(zip(cells, layout, strict=True), 1):
        value = cell.strip()
        position = Position(line, number)
        if kind[0] == "concept":
            name = kind[1]
            if name == "concept_id":
                continue
            if name == "concept_revision":
                if first and value:
                    if value.isascii() and value.isdigit() and 0 < int(value) < 2**31:
                        concept.revision = int(value)
                    else:
                        concept.problems.append(
                            Problem(
                                position,
                                "invalid-value",
                                f"concept_revision {value!r} is not a revision number",
                            )
                        )
                continue
            target = _CONCEPT_FIELD[name]
            if first:
                if value:
                    concept.fields[target] = cell
                    concept.positions[target] = position
            elif value and value != (concept.fields.get(target) or "").strip():
                concept.problems.append(
                    Problem(
                        position,
                        "invalid-row",
                        f"{name} differs from the concept's first row; give it there only",
                    )
                )
        elif kind[0] == "term":
            _, lang, field = kind
            term = terms.get(lang)
            if term is None:
                term = terms[lang] = IncomingTerm(
                    {"lang": lang}, {"": position, "lang": position}, term_carried[lang]
                )
            if not value:
                continue
            if field == "text":
                term.fields["text"] = value
            elif field in _PICKLISTS:
                known, own = _PICKLISTS[field]
                parsed = _enum(value, known, own)
                if parsed is None:
                    allowed = ", ".join(v.value for v in own)
                    concept.problems.append(
                        Problem(
                            position,
                            "invalid-value",
                            f"{lang}:{field} {value!r} is not one of {allowed}",
                        )
                    )
                    continue
                term.fields[field] = parsed
            else:
                term.fields[field] = cell
            term.positions[field] = position
        else:
            if value:
                extras.setdefault("", []).append((number, kind[1], value))
    for lang, term in terms.items():
        if "text" in term.fields:
            term.positions["text"] = term.positions.get("text", term.positions[""])
            term.positions[""] = term.positions["text"]
            concept.terms.append(term)
        elif len(term.fields) > 1:
            some = next(name for name in term.fields if name != "lang")
            concept.problems.append(
                Problem(
                    term.positions[some],
                    "missing-term",
                    f"{lang}:{some} is given but the {lang} term is empty",
                )
            )
    for number, name, value in extras.get("", []):
        note = concept.fields.get("note")
        addition = f"[{name}] {value}"
        concept.fields["note"] = f"{note}\n\n{addition}" if note else addition
        concept.positions.setdefault("note", Position(line, number))
        if concept.carried is not None and "note" not in concept.carried:
            concept.note_is_addition = True
