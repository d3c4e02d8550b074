"""Reading TBX: v3 (ISO 30042:2019; TBX-Basic, TBX-Min, TBX-Core …; DCA or DCT style) and v2
(``martif`` with ``termEntry``, ``langSet``, ``tig`` and ``ntig``).

The file is parsed as a stream (lxml ``iterparse``): each concept entry is read into an
:class:`~termbase.exchange.records.IncomingConcept` when its end tag arrives, then dropped, so
memory does not grow with the file. The parser never resolves entities, loads a DTD or touches
the network (see :mod:`termbase.exchange.safe_input`).

What is read into which field (the inverse of ``tbx_write``; DCT elements such as
``<basic:definition>`` are read as the DCA ``<descrip type="definition">`` they stand for):

* concept: ``subjectField`` → subject field; ``definition`` (concept or language level) →
  definition; ``source`` → source; ``note`` → note; ``transacGrp`` → history.
* term: ``term``; ``administrativeStatus`` (or the older ``usageStatus`` and
  ``normativeAuthorization``) → status; ``termType``; ``partOfSpeech``; ``context``; ``source``
  (also the source in a context's ``descripGrp``); ``note``; ``transacGrp`` → history.

Nothing is dropped without a trace: a data category Alinea has no field for (``xGraphic``,
``grammaticalGender``, IATE's ``reliabilityCode`` …), a second value for a field that holds one
(a definition in a second language) or a value Alinea has no slot for (``initialism``) goes into
the note of its concept or term as ``[category] value`` (``[definition, es] …`` for a language
section's), and the import report counts them. Values that cannot be right (an administrative
status ``nominal``) are errors, reported at their line and column.

Whitespace: a line break followed by indentation is the file's pretty-printing and becomes one
space (two line breaks stay a paragraph break); a line break without indentation is kept.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from lxml import etree

from termbase.exchange.records import (
    IncomingConcept,
    IncomingTerm,
    Position,
    Problem,
    Transaction,
    parse_date,
)
from termbase.exchange.safe_input import (
    PROLOG_LIMIT,
    CountingReader,
    ImportRefused,
    allowed_dtd,
    check_prolog,
)
from termbase.exchange.vocabulary import (
    MODIFICATION,
    ORIGINATION,
    ORIGINATION_SYNONYMS,
    POS_FROM_TBX,
    POS_WITHOUT_SLOT,
    STATUS_FROM_TBX,
    STATUS_WITHOUT_SLOT,
    TBX_NS,
    TYPE_FROM_TBX,
    TYPE_WITHOUT_SLOT,
    XML_LANG,
    parse_concept_ref,
)

PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "attribute_defaults": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}
_EVENT_TAGS = [
    f"{{*}}{name}"
    for name in (
        "tbx",
        "martif",
        "conceptEntry",
        "termEntry",
        "tbxHeader",
        "martifHeader",
        "back",
        "body",
        "text",
    )
]

ENTRY_TAGS = {"conceptEntry", "termEntry"}
LANGUAGE_TAGS = {"langSec", "langSet"}
TERM_TAGS = {"termSec", "tig", "ntig"}

# DCT style: the element's name is the data category; this is the DCA element it stands for.
DCT_KINDS = {
    "subjectField": "descrip",
    "definition": "descrip",
    "context": "descrip",
    "source": "admin",
    "customerSubset": "admin",
    "projectSubset": "admin",
    "administrativeStatus": "termNote",
    "partOfSpeech": "termNote",
    "termType": "termNote",
    "grammaticalGender": "termNote",
    "geographicalUsage": "termNote",
    "termLocation": "termNote",
    "transactionType": "transac",
    "responsibility": "transacNote",
    "crossReference": "ref",
    "externalCrossReference": "xref",
    "xGraphic": "xref",
}

_INDENTED_BREAKS = re.compile(r"[ \t]*\n[ \t\n]*")


def clean_text(text: str) -> str:
    """Undo pretty-printing: indented line breaks become a space, blank lines a paragraph break."""

    def join(match: re.Match[str]) -> str:
        run = match.group(0)
        if "\n " in run or "\n\t" in run:
            return "\n\n" if run.count("\n") > 1 else " "
        return run

    if "\n" not in text:
        return text.strip()
    return _INDENTED_BREAKS.sub(join, text).strip()


_LOCAL_NAMES: dict[str, str] = {}
_DCA_TAGS: dict[str, bool] = {}


def _local(tag: str) -> str:
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = _LOCAL_NAMES[tag] = tag.rsplit("}", 1)[-1] if tag[0] == "{" else tag
    return name


def local_name(element: etree._Element) -> str:
    return _local(element.tag)


def kind_of(element: etree._Element) -> tuple[str, str | None]:
    """(the DCA element, the data category) of an element, for DCA and DCT styles alike."""
    tag = element.tag
    dca = _DCA_TAGS.get(tag)
    if dca is None:
        dca = _DCA_TAGS[tag] = tag[0] != "{" or tag.startswith(f"{{{TBX_NS}}}")
    if dca:
        return _local(tag), element.get("type")
    local = _local(tag)
    return DCT_KINDS.get(local, "foreign"), local


def text_of(element: etree._Element) -> str:
    raw = (element.text or "") if len(element) == 0 else "".join(element.itertext())
    return clean_text(raw)


@dataclass
class TbxInfo:
    """What the file says about itself, filled in as it is read."""

    version: int | None = None
    dialect: str | None = None
    style: str | None = None
    warnings: list[Problem] = field(default_factory=list)
    skos: Any = None  # a SKOS file's own (termbase.exchange.skos.SkosInfo)


class _LineCounter:
    """Which occurrence of its tag on its line each element is, to find its column later."""

    def __init__(self) -> None:
        self.line: int | None = None
        self.counts: dict[str, int] = {}

    def visit(self, element: etree._Element) -> Position:
        """The position of this one element (not of those in it)."""
        if element.sourceline != self.line:
            self.line, self.counts = element.sourceline, {}
        name = local_name(element)
        occurrence = self.counts[name] = self.counts.get(name, 0) + 1
        return Position(line=self.line, tag=name, occurrence=occurrence)

    def walk(self, root: etree._Element) -> dict[etree._Element, Position]:
        """The position of ``root`` and of every element in it, in document order."""
        found: dict[etree._Element, Position] = {}
        line, counts = self.line, self.counts
        for node in root.iter():
            tag = node.tag
            if not isinstance(tag, str):
                continue
            if node.sourceline != line:
                line, counts = node.sourceline, {}
            name = _LOCAL_NAMES.get(tag) or _local(tag)
            occurrence = counts[name] = counts.get(name, 0) + 1
            found[node] = Position(line, None, name, occurrence)
        self.line, self.counts = line, counts
        return found


def read_tbx(reader: CountingReader, info: TbxInfo) -> Iterator[IncomingConcept]:
    """The concepts of a TBX file, one at a time; raises ImportRefused for a file it cannot read."""
    head = reader.peek(PROLOG_LIMIT)
    prolog = check_prolog(head, complete=len(head) < PROLOG_LIMIT)
    info.version = 3 if prolog.root == "tbx" else 2
    counter = _LineCounter()
    events = etree.iterparse(reader, events=("start", "end"), tag=_EVENT_TAGS, **PARSER_OPTIONS)
    try:
        for event, element in events:
            name = local_name(element)
            if event == "start":
                if element.getparent() is None:
                    _check_root(element, info, counter.visit(element))
                continue
            if name in ENTRY_TAGS:
                yield _EntryReader(element, counter).read()
                _forget(element)
            elif name in ("tbxHeader", "martifHeader"):
                counter.walk(element)
                element.clear(keep_tail=False)
            elif name == "back":
                if len(element):
                    info.warnings.append(
                        Problem(counter.visit(element), "not-kept", _back_matter(element))
                    )
                element.clear(keep_tail=False)
            elif name in ("body", "text"):
                for child in element:
                    if isinstance(child.tag, str) and local_name(child) not in (
                        "body",
                        "back",
                        *ENTRY_TAGS,
                    ):
                        info.warnings.append(
                            Problem(
                                Position(child.sourceline, tag=local_name(child)),
                                "ignored",
                                f"<{local_name(child)}> outside any concept entry is ignored",
                            )
                        )
    except etree.XMLSyntaxError as exc:
        raise _refusal(exc) from None


def _forget(element: etree._Element) -> None:
    """Free an entry read to the end, and the entries read before it (anything else stays, to be
    reported when its parent ends)."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while (previous := element.getprevious()) is not None and (
            isinstance(previous.tag, str) and local_name(previous) in ENTRY_TAGS
        ):
            parent.remove(previous)


def _back_matter(back: etree._Element) -> str:
    items = [
        " ".join(text_of(item).split())
        for item in back.iter()
        if isinstance(item.tag, str) and local_name(item) == "item"
    ]
    listed = "; ".join(item for item in items[:5] if item) + ("; …" if len(items) > 5 else "")
    return (
        "the back matter (<back>: reference objects such as responsible persons"
        + (f": {listed}" if listed else "")
        + ") is not kept; transactions keep the responsibility as written"
    )


def _refusal(exc: etree.XMLSyntaxError) -> ImportRefused:
    message = re.sub(r",? line \d+, column \d+$", "", (exc.msg or str(exc)).strip())
    line, column = exc.position if exc.position else (None, None)
    # iterparse sometimes reports "no element found" at 0:0; the log has the real first error
    logged = [entry for entry in exc.error_log if entry.level >= etree.ErrorLevels.ERROR]
    if logged and (not line or message == "no element found"):
        first = logged[0]
        message, line, column = first.message.strip(), first.line, first.column
    lowered = message.lower()
    if "utf-8" in lowered or "encoding" in lowered or "char 0x" in lowered:
        return ImportRefused(
            f"the file is not valid text in its encoding: {message}",
            code="invalid-encoding",
            line=line,
            column=column,
        )
    if "entity" in lowered and ("loop" in lowered or "amplification" in lowered):
        return ImportRefused(message, code="forbidden-entity", line=line, column=column)
    return ImportRefused(
        f"malformed XML: {message}", code="malformed-xml", line=line, column=column
    )


def _check_root(root: etree._Element, info: TbxInfo, position: Position) -> None:
    docinfo = root.getroottree().docinfo
    # The prolog check refused internal subsets already; this is the parser's own view of it.
    declared = docinfo.internalDTD
    if declared is not None and (any(declared.iterentities()) or any(declared.iterelements())):
        raise ImportRefused(
            "the DOCTYPE has an internal subset; DTD declarations are refused",
            code="forbidden-dtd",
            line=1,
        )
    if docinfo.system_url and not allowed_dtd(docinfo.system_url):
        raise ImportRefused(
            f"the DOCTYPE names an external DTD ({docinfo.system_url}); external DTDs are refused",
            code="forbidden-dtd",
            line=1,
        )
    info.dialect = root.get("type")
    info.style = root.get("style")
    if info.version == 3 and root.tag != f"{{{TBX_NS}}}tbx":
        info.warnings.append(
            Problem(
                position,
                "no-namespace",
                f"the root element is not in the TBX namespace {TBX_NS}; read as TBX v3 anyway",
            )
        )


class _EntryReader:
    """One concept entry (TBX v3 conceptEntry or v2 termEntry) into an IncomingConcept."""

    def __init__(self, entry: etree._Element, counter: _LineCounter) -> None:
        self.entry = entry
        self.where = counter.walk(entry)
        self.concept = IncomingConcept(position=self.pos(entry), ref=entry.get("id"))
        self.notes: list[str] = []

    # -- helpers ------------------------------------------------------------------------------

    def pos(self, element: etree._Element) -> Position:
        return self.where[element]

    def error(self, element: etree._Element, message: str, code: str = "invalid-value") -> None:
        self.concept.problems.append(Problem(self.pos(element), code, message))

    def kept_in_note(self, element: etree._Element, label: str) -> None:
        self.concept.warnings.append(
            Problem(self.pos(element), "kept-in-note", f"{label} kept in a note")
        )

    # -- concept level ------------------------------------------------------------------------

    def read(self) -> IncomingConcept:
        for child in self.entry:
            if not isinstance(child.tag, str):
                continue
            kind, category = kind_of(child)
            if kind in LANGUAGE_TAGS:
                self.language(child)
            elif kind == "transacGrp":
                self.transaction(child, level="concept", notes=self.notes)
            elif kind in ("descripGrp", "adminGrp"):
                self.concept_group(child, lang=None)
            else:
                self.concept_item(child, kind, category, lang=None)
        ref = self.concept.ref
        if ref and parse_concept_ref(ref) is None:
            # another tool's id (MultiTerm's c12, IATE's IATE-84): not Alinea's, kept in the note
            self.notes.append(f"[id] {ref}")
            self.kept_in_note(self.entry, "the file's own concept id")
        if self.notes:
            self.concept.fields["note"] = "\n\n".join(self.notes)
        return self.concept

    def set_concept_field(self, name: str, element: etree._Element, value: str, label: str) -> None:
        if not value:
            return
        if self.concept.fields.get(name) is None:
            self.concept.fields[name] = value
            self.concept.positions[name] = self.pos(element)
        else:
            self.notes.append(f"[{label}] {value}")
            self.kept_in_note(element, f"another {label}")

    def concept_item(
        self, element: etree._Element, kind: str, category: str | None, lang: str | None
    ) -> None:
        value = text_of(element)
        label = f"{category or kind}, {lang}" if lang else (category or kind)
        if kind == "descrip" and category == "subjectField" and lang is None:
            self.set_concept_field("subject_field", element, value, label)
        elif kind == "descrip" and category == "definition":
            self.set_concept_field("definition", element, value, label)
        elif kind == "admin" and category == "source":
            self.set_concept_field("source", element, value, label)
        elif kind == "admin" and category == "projectSubset" and lang is None and value:
            # Alinea writes the concept's collection here (see tbx_write)
            self.set_concept_field("collection", element, value, label)
        elif kind == "note":
            if value:
                self.notes.append(f"[note, {lang}] {value}" if lang else value)
        else:
            self.fold(element, kind, category, lang, self.notes)

    def concept_group(self, group: etree._Element, lang: str | None) -> None:
        children = [c for c in group if isinstance(c.tag, str)]
        if not children:
            return
        kind, category = kind_of(children[0])
        self.concept_item(children[0], kind, category, lang)
        for child in children[1:]:
            kind, category = kind_of(child)
            if kind == "transacGrp":
                self.transaction(
                    child, level="language" if lang else "concept", lang=lang, notes=self.notes
                )
            else:
                self.concept_item(child, kind, category, lang)

    def fold(
        self,
        element: etree._Element,
        kind: str,
        category: str | None,
        lang: str | None,
        notes: list[str],
    ) -> None:
        """Keep an element Alinea has no field for in a note: ``[category] text <target>``."""
        value = text_of(element)
        target = element.get("target")
        if target and kind in ("xref", "ref"):
            value = f"{value} <{target}>" if value else f"<{target}>"
        if not value:
            return
        label = category or local_name(element)
        notes.append(f"[{label}, {lang}] {value}" if lang else f"[{label}] {value}")
        self.kept_in_note(element, f"<{local_name(element)}{f' {category}' if category else ''}>")

    # -- language level -----------------------------------------------------------------------

    def language(self, section: etree._Element) -> None:
        raw = section.get(XML_LANG) or section.get("lang") or ""
        lang = raw.strip().replace("_", "-")
        position = self.pos(section)
        if not lang:
            self.error(section, f"<{local_name(section)}> has no xml:lang", "missing-language")
        for child in section:
            if not isinstance(child.tag, str):
                continue
            kind, category = kind_of(child)
            if kind in TERM_TAGS:
                self.term(child, lang, position)
            elif kind == "transacGrp":
                self.transaction(child, level="language", lang=lang, notes=self.notes)
            elif kind in ("descripGrp", "adminGrp"):
                self.concept_group(child, lang=lang)
            else:
                self.concept_item(child, kind, category, lang=lang)

    # -- term level ---------------------------------------------------------------------------

    def term(self, section: etree._Element, lang: str, lang_position: Position) -> None:
        term = _TermReader(self, section, lang, lang_position)
        term.read()
        self.concept.terms.append(term.result)

    # -- history ------------------------------------------------------------------------------

    def transaction(
        self,
        group: etree._Element,
        *,
        level: str,
        notes: list[str],
        lang: str | None = None,
        term: str | None = None,
    ) -> None:
        value = date = responsibility = None
        extra: list[str] = []
        for child in group:
            if not isinstance(child.tag, str):
                continue
            kind, category = kind_of(child)
            text = text_of(child)
            if kind == "transac" and value is None:
                value = text
            elif kind == "date" and date is None:
                date = child, text
            elif kind == "transacNote" and category == "responsibility" and responsibility is None:
                responsibility = text or None
            elif kind == "note":
                if text:
                    extra.append(text)
            elif text:
                extra.append(f"[{category or kind}] {text}")
        if not value:
            self.error(group, "a <transacGrp> without its <transac> (transaction type)")
            return
        transaction_type = ORIGINATION if value in ORIGINATION_SYNONYMS else MODIFICATION
        if value not in ORIGINATION_SYNONYMS and value != MODIFICATION:
            extra.insert(0, f"[transactionType] {value}")
        spelling = moment = None
        if date is not None:
            parsed = parse_date(date[1])
            if parsed is None:
                extra.append(f"[date] {date[1]}")
                self.kept_in_note(date[0], "a <date> that is not an ISO date")
            else:
                spelling, moment = parsed
        self.concept.history.append(
            Transaction(
                type=transaction_type,
                date=spelling,
                responsibility=responsibility,
                level=level,
                lang=lang,
                term=term,
                note="\n\n".join(extra) or None,
                when=moment,
            )
        )


class _TermReader:
    """One term section (v3 termSec, v2 tig or ntig) into an IncomingTerm."""

    def __init__(
        self, entry: _EntryReader, section: etree._Element, lang: str, lang_position: Position
    ) -> None:
        self.entry = entry
        self.section = section
        self.fields: dict[str, Any] = {"lang": lang}
        self.positions: dict[str, Position] = {"": entry.pos(section), "lang": lang_position}
        self.notes: list[str] = []
        self.terms: list[etree._Element] = []
        self.history: list[etree._Element] = []
        self.result = IncomingTerm(self.fields, self.positions)

    def read(self) -> None:
        for child in self.section:
            if isinstance(child.tag, str):
                self.child(child)
        if not self.terms:
            self.entry.error(
                self.section, f"<{local_name(self.section)}> without a <term>", "missing-term"
            )
            self.fields["text"] = ""
        else:
            if len(self.terms) > 1:
                self.entry.error(
                    self.terms[1],
                    f"two <term>s in one <{local_name(self.section)}>",
                    "invalid-structure",
                )
            self.fields["text"] = text_of(self.terms[0])
            self.positions["text"] = self.entry.pos(self.terms[0])
        for group in self.history:
            self.entry.transaction(
                group,
                level="term",
                notes=self.notes,
                lang=self.fields["lang"],
                term=" ".join(self.fields["text"].split()),
            )
        if self.notes:
            self.fields["note"] = "\n\n".join(self.notes)

    def child(self, element: etree._Element) -> None:
        kind, category = kind_of(element)
        if kind == "term":
            self.terms.append(element)
        elif kind == "termGrp":  # ntig
            for child in element:
                if isinstance(child.tag, str):
                    self.child(child)
        elif kind == "termNote":
            self.term_note(element, category)
        elif kind in ("termNoteGrp", "descripGrp", "adminGrp"):
            children = [c for c in element if isinstance(c.tag, str)]
            for child in children:
                self.child(child)
        elif kind == "descrip" and category == "context":
            self.set_field("context", element, text_of(element), "context")
        elif kind == "admin" and category == "source":
            self.set_field("source", element, text_of(element), "source")
        elif kind == "note":
            value = text_of(element)
            if value:
                self.notes.append(value)
        elif kind == "transacGrp":
            self.history.append(element)
        elif kind == "termCompList":
            parts = [text_of(c) for c in element if isinstance(c.tag, str)]
            value = " | ".join(p for p in parts if p)
            if value:
                self.notes.append(f"[termCompList] {value}")
                self.entry.kept_in_note(element, "<termCompList>")
        else:
            self.entry.fold(element, kind, category, None, self.notes)

    def set_field(self, name: str, element: etree._Element, value: str, label: str) -> None:
        if not value:
            return
        if self.fields.get(name) is None:
            self.fields[name] = value
            self.positions[name] = self.entry.pos(element)
        else:
            self.notes.append(f"[{label}] {value}")
            self.entry.kept_in_note(element, f"another {label}")

    def term_note(self, element: etree._Element, category: str | None) -> None:
        value = text_of(element)
        if category in STATUS_FROM_TBX:
            self.picklist(
                element, "status", category, value, STATUS_FROM_TBX[category], STATUS_WITHOUT_SLOT
            )
        elif category == "termType":
            self.picklist(element, "type", category, value, TYPE_FROM_TBX, TYPE_WITHOUT_SLOT)
        elif category == "partOfSpeech":
            self.picklist(
                element, "part_of_speech", category, value, POS_FROM_TBX, POS_WITHOUT_SLOT
            )
        else:
            self.entry.fold(element, "termNote", category, None, self.notes)

    def picklist(
        self,
        element: etree._Element,
        name: str,
        category: str,
        value: str,
        known: dict[str, Any],
        without_slot: set[str],
    ) -> None:
        if value in known and name not in self.fields:
            self.fields[name] = known[value]
            self.positions[name] = self.entry.pos(element)
        elif value in known or value in without_slot:
            # a second value for the field, or a TBX value Alinea has no slot for
            self.notes.append(f"[{category}] {value}")
            self.entry.kept_in_note(element, f"{category} '{value}'")
        else:
            allowed = ", ".join(sorted(known)[:8])
            self.entry.error(
                element,
                f"{category} '{value}' is not a value Alinea knows (one of {allowed} …)",
            )


# -- columns, looked up afterwards ----------------------------------------------------------------

_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(b"<\x00"):
        return "utf-16-le"
    if head.startswith(b"\x00<"):
        return "utf-16-be"
    declared = _DECLARED_ENCODING.match(head)
    if declared:
        try:
            return codecs.lookup(declared.group(1).decode("ascii")).name
        except LookupError:
            pass
    return "utf-8"


def fill_columns(source: BinaryIO, positions: list[Position]) -> list[int | None]:
    """The column of each position's element: its ``occurrence``-th ``<tag`` on its line.

    The XML parser gives elements a line only; this reads the file again (from the start, up to
    the last line wanted) for the few positions an import reports.
    """
    source.seek(0)
    head = source.read(PROLOG_LIMIT)
    source.seek(0)
    decoder = codecs.getincrementaldecoder(_encoding(head))(errors="replace")
    wanted = {p.line for p in positions if p.line}
    last = max(wanted, default=0)
    lines: dict[int, str] = {}
    number, pending = 1, ""
    while number <= last and (chunk := source.read(1 << 16)):
        parts = (pending + decoder.decode(chunk)).split("\n")
        pending = parts.pop()
        for part in parts:
            if number in wanted:
                lines[number] = part
            number += 1
    if number in wanted:
        lines[number] = pending + decoder.decode(b"", final=True)
    columns: list[int | None] = []
    for position in positions:
        text = lines.get(position.line or 0)
        if text is None or not position.tag:
            columns.append(None)
            continue
        starts = [
            m.start() + 1
            for m in re.finditer(rf"<(?:[\w.-]+:)?{re.escape(position.tag)}(?=[\s/>])", text)
        ]
        index = position.occurrence - 1
        columns.append(starts[index] if index < len(starts) else (starts[0] if starts else None))
    return columns
