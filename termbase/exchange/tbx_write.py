"""Writing TBX: v3 TBX-Basic in DCA style (ISO 30042:2019) and v2 ``martif`` for older tools.

Both writers take the export's chunks of concepts and yield bytes as they go, so a termbase of any
size streams in constant memory. Concepts are written as text with every value escaped (many
times faster than building element trees); the tests parse and validate the output against the
official schemas.

Mapping (v3; v2 is the same with ``termEntry``/``langSet``/``tig``):

============================  =================================================================
Alinea                        TBX-Basic
============================  =================================================================
concept id                    ``conceptEntry/@id`` (``alinea-<id>``)
subject field                 ``descrip[@type=subjectField]`` (concept level)
definition                    ``descrip[@type=definition]`` (concept level)
concept source                ``admin[@type=source]`` (concept level)
collection                    ``admin[@type=projectSubset]`` (concept level)
concept note                  ``note`` (concept level)
term language                 ``langSec/@xml:lang``
term                          ``termSec/term``
status                        ``termNote[@type=administrativeStatus]``
                              (``preferredTerm-admn-sts`` …)
term type                     ``termNote[@type=termType]`` (``fullForm``, ``acronym`` …)
part of speech                ``termNote[@type=partOfSpeech]``
context                       ``descrip[@type=context]`` (term level)
term source / note            ``admin[@type=source]`` / ``note`` (term level)
history                       ``transacGrp``: ``transac[@type=transactionType]`` origination or
                              modification, ``date``, ``transacNote[@type=responsibility]``
============================  =================================================================

Every field has its data category, so nothing goes to ``note`` on the way out; what a file brought
that Alinea has no field for was put in the notes when it was imported (see ``tbx_read``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from lxml import etree

from termbase.exchange.records import ExportConcept, ExportTerm, Transaction
from termbase.exchange.vocabulary import STATUS_TO_TBX, TBX_NS, TYPE_TO_TBX, concept_ref
from termbase.models import TermStatus, TermType

DIALECT = "TBX-Basic"
CORE_RNG_URL = (
    "https://raw.githubusercontent.com/LTAC-Global/TBX_Core_RNG/master/TBXcoreStructV03.rng"
)
BASIC_SCH_URL = (
    "https://raw.githubusercontent.com/LTAC-Global/TBX-Basic_dialect/master/DCA/TBX-Basic_DCA.sch"
)
TBX2_DOCTYPE = '<!DOCTYPE martif SYSTEM "TBXBasiccoreStructV02.dtd">'

# Characters XML 1.0 cannot carry; the termbase refuses them, but an export must never break on
# a row written some other way.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Header:
    title: str = "Alinea termbase"
    description: str = "Exported from Alinea"
    lang: str = "en"  # the document's language (TBX requires one on the root)


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def _child(
    parent: etree._Element, tag: str, text: str | None = None, **attrib: str
) -> etree._Element:
    element = etree.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = _text(text)
    return element


def escape(value: str) -> str:
    """Text as XML character data: markup characters escaped, a carriage return kept as one (a
    parser would turn a raw one into a line feed), characters XML cannot carry replaced."""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")
    if _NOT_XML.search(value):
        value = _NOT_XML.sub("\ufffd", value)
    return value


def escape_attribute(value: str) -> str:
    value = escape(value).replace('"', "&quot;")
    return value.replace("\n", "&#10;").replace("\t", "&#9;")


_STATUS = {status.value: tbx for status, tbx in STATUS_TO_TBX.items()}
_TYPE = {term_type.value: tbx for term_type, tbx in TYPE_TO_TBX.items()}


def _fields(out: list[str], indent: str, *fields: tuple[str, str | None, str | None]) -> None:
    """One ``<element type="…">value</element>`` line per (element, type, value) with a value;
    no ``type`` attribute where the type is None."""
    for element, kind, value in fields:
        if value:
            attribute = f' type="{kind}"' if kind else ""
            out.append(f"{indent}<{element}{attribute}>{escape(value)}</{element}>\n")


class _Writer:
    """Concepts as TBX text, with the element names of TBX v3 or v2.

    Built as strings rather than element trees: an export writes millions of elements and this
    is several times faster. Every value goes through :func:`escape`; the tests parse and
    validate what comes out.
    """

    def __init__(self, version: int) -> None:
        if version == 3:
            self.entry, self.lang_section, self.term_section = "conceptEntry", "langSec", "termSec"
        else:
            self.entry, self.lang_section, self.term_section = "termEntry", "langSet", "tig"

    def concept(self, out: list[str], concept: ExportConcept, *, partial: bool) -> bool:
        languages = concept.languages()
        if not languages:
            return False  # every term filtered out
        history = concept.placed_history(partial=partial)
        out.append(f'<{self.entry} id="{escape_attribute(concept_ref(concept.id))}">\n')
        for transaction in history.concept:
            self.transaction(out, transaction, "  ")
        _fields(
            out,
            "  ",
            ("descrip", "subjectField", concept.subject_field),
            ("descrip", "definition", concept.definition),
            ("admin", "source", concept.source),
            ("admin", "projectSubset", concept.collection),
            ("note", None, concept.note),
        )
        for lang, terms in languages.items():
            out.append(f'  <{self.lang_section} xml:lang="{escape_attribute(lang)}">\n')
            for transaction in history.languages.get(lang, ()):
                self.transaction(out, transaction, "    ")
            for term in terms:
                self.term(out, term, history.terms.get((lang, term.text), ()))
            out.append(f"  </{self.lang_section}>\n")
        out.append(f"</{self.entry}>\n")
        return True

    def term(self, out: list[str], term: ExportTerm, history: Iterable[Transaction]) -> None:
        out.append(f"    <{self.term_section}>\n      <term>{escape(term.text)}</term>\n")
        status = _STATUS.get(term.status, _STATUS[TermStatus.ADMITTED.value])
        out.append(f'      <termNote type="administrativeStatus">{status}</termNote>\n')
        term_type = _TYPE.get(term.term_type, _TYPE[TermType.FULL_FORM.value])
        out.append(f'      <termNote type="termType">{term_type}</termNote>\n')
        _fields(
            out,
            "      ",
            ("termNote", "partOfSpeech", term.part_of_speech),
            ("descrip", "context", term.context),
            ("admin", "source", term.source),
            ("note", None, term.note),
        )
        for transaction in history:
            self.transaction(out, transaction, "      ")
        out.append(f"    </{self.term_section}>\n")

    @staticmethod
    def transaction(out: list[str], transaction: Transaction, indent: str) -> None:
        out.append(
            f"{indent}<transacGrp>\n"
            f'{indent}  <transac type="transactionType">{escape(transaction.type)}</transac>\n'
        )
        if transaction.date:
            out.append(f"{indent}  <date>{escape(transaction.date)}</date>\n")
        if transaction.responsibility:
            out.append(
                f'{indent}  <transacNote type="responsibility">'
                f"{escape(transaction.responsibility)}</transacNote>\n"
            )
        if transaction.note:
            out.append(f"{indent}  <note>{escape(transaction.note)}</note>\n")
        out.append(f"{indent}</transacGrp>\n")


def _serialise(element: etree._Element) -> bytes:
    return etree.tostring(element, encoding="UTF-8", pretty_print=True)


def _header_v3(header: Header) -> bytes:
    tbx_header = etree.Element("tbxHeader")
    file_desc = _child(tbx_header, "fileDesc")
    title_stmt = _child(file_desc, "titleStmt")
    _child(title_stmt, "title", header.title)
    source_desc = _child(file_desc, "sourceDesc")
    _child(source_desc, "p", header.description)
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        + f'<?xml-model href="{CORE_RNG_URL}" type="application/xml" '
        'schematypens="http://relaxng.org/ns/structure/1.0"?>\n'.encode()
        + f'<?xml-model href="{BASIC_SCH_URL}" type="application/xml" '
        'schematypens="http://purl.oclc.org/dsdl/schematron"?>\n'.encode()
        + f'<tbx xmlns="{TBX_NS}" type="{DIALECT}" style="dca" '
        f"xml:lang={quoteattr(header.lang)}>\n".encode()
        + _serialise(tbx_header)
    )


def _header_v2(header: Header) -> bytes:
    martif_header = etree.Element("martifHeader")
    file_desc = _child(martif_header, "fileDesc")
    title_stmt = _child(file_desc, "titleStmt")
    _child(title_stmt, "title", header.title)
    source_desc = _child(file_desc, "sourceDesc")
    _child(source_desc, "p", header.description)
    encoding_desc = _child(martif_header, "encodingDesc")
    _child(encoding_desc, "p", "TBXBasicXCSV02.xcs", type="XCSURI")
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        + TBX2_DOCTYPE.encode()
        + b"\n"
        + f'<martif type="{DIALECT}" xml:lang={quoteattr(header.lang)}>\n'.encode()
        + _serialise(martif_header)
    )


def write_tbx(
    chunks: Iterable[list[ExportConcept]],
    *,
    version: int = 3,
    header: Header | None = None,
    partial: bool = False,
) -> Iterator[bytes]:
    """The TBX document of the concepts in ``chunks``, as bytes, one piece per chunk.

    ``version`` 3 writes TBX-Basic DCA (``urn:iso:std:iso:30042:ed-2``), valid against the TBX core
    RELAX NG schema and the TBX-Basic DCA Schematron; 2 writes TBX-Basic v2 (``martif``).
    ``partial``: the export filtered languages or statuses (history of left-out sections is
    left out too).
    """
    if version not in (2, 3):
        raise ValueError(f"TBX version must be 2 or 3, not {version}")
    header = header or Header()
    writer = _Writer(version)
    yield _header_v3(header) if version == 3 else _header_v2(header)
    body_open = False
    for chunk in chunks:
        out: list[str] = []
        for concept in chunk:
            if not body_open and concept.terms:
                # TBX v3 wants at least one conceptEntry in a body: an empty export has none.
                out.append("<text>\n<body>\n")
                body_open = True
            writer.concept(out, concept, partial=partial)
        if out:
            yield "".join(out).encode("utf-8")
    if body_open:
        yield b"</body>\n</text>\n"
    elif version == 3:
        yield b"<text/>\n"
    else:
        yield b"<text>\n<body/>\n</text>\n"  # TBX v2 has no valid empty document; tools take this
    yield b"</tbx>\n" if version == 3 else b"</martif>\n"
