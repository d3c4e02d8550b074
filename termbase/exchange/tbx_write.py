"""Writing TBX: v3 TBX-Basic in DCA style (ISO 30042:2019) and v2 ``martif`` for older tools.

Both writers take the export's chunks of concepts and yield bytes as they go, so a termbase of any
size streams in constant memory. Each concept is built as a small lxml tree and serialised on its
own (lxml does the escaping, so the output is always well-formed); the root element is written
around them by hand.

Mapping (v3; v2 is the same with ``termEntry``/``langSet``/``tig``):

============================  =================================================================
Alinea                        TBX-Basic
============================  =================================================================
concept id                    ``conceptEntry/@id`` (``alinea-<id>``)
subject field                 ``descrip[@type=subjectField]`` (concept level)
definition                    ``descrip[@type=definition]`` (concept level)
concept source                ``admin[@type=source]`` (concept level)
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
from termbase.exchange.vocabulary import STATUS_TO_TBX, TBX_NS, TYPE_TO_TBX, XML_LANG, concept_ref
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


def _status(value: str) -> str:
    return STATUS_TO_TBX.get(TermStatus(value), STATUS_TO_TBX[TermStatus.ADMITTED])


def _term_type(value: str) -> str:
    return TYPE_TO_TBX.get(TermType(value), TYPE_TO_TBX[TermType.FULL_FORM])


class _Builder:
    """One concept as an lxml tree, with the element names of TBX v3 or v2."""

    def __init__(self, version: int) -> None:
        self.version = version
        if version == 3:
            self.entry, self.lang_section, self.term_section = "conceptEntry", "langSec", "termSec"
        else:
            self.entry, self.lang_section, self.term_section = "termEntry", "langSet", "tig"

    def concept(self, concept: ExportConcept, *, partial: bool) -> etree._Element | None:
        languages = concept.languages()
        if not languages:
            return None  # every term filtered out
        history = concept.placed_history(partial=partial)
        entry = etree.Element(self.entry, id=concept_ref(concept.id))
        for transaction in history.concept:
            self.transaction(entry, transaction)
        if concept.subject_field:
            _child(entry, "descrip", concept.subject_field, type="subjectField")
        if concept.definition:
            _child(entry, "descrip", concept.definition, type="definition")
        if concept.source:
            _child(entry, "admin", concept.source, type="source")
        if concept.note:
            _child(entry, "note", concept.note)
        for lang, terms in languages.items():
            section = _child(entry, self.lang_section, **{XML_LANG: lang})
            for transaction in history.languages.get(lang, ()):
                self.transaction(section, transaction)
            for term in terms:
                self.term(section, term, history.terms.get((lang, term.text), ()))
        return entry

    def term(
        self, parent: etree._Element, term: ExportTerm, history: Iterable[Transaction]
    ) -> None:
        section = _child(parent, self.term_section)
        _child(section, "term", term.text)
        _child(section, "termNote", _status(term.status), type="administrativeStatus")
        _child(section, "termNote", _term_type(term.term_type), type="termType")
        if term.part_of_speech:
            _child(section, "termNote", term.part_of_speech, type="partOfSpeech")
        if term.context:
            _child(section, "descrip", term.context, type="context")
        if term.source:
            _child(section, "admin", term.source, type="source")
        if term.note:
            _child(section, "note", term.note)
        for transaction in history:
            self.transaction(section, transaction)

    def transaction(self, parent: etree._Element, transaction: Transaction) -> None:
        group = _child(parent, "transacGrp")
        _child(group, "transac", transaction.type, type="transactionType")
        if transaction.date:
            _child(group, "date", transaction.date)
        if transaction.responsibility:
            _child(group, "transacNote", transaction.responsibility, type="responsibility")
        if transaction.note:
            _child(group, "note", transaction.note)


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
    builder = _Builder(version)
    yield _header_v3(header) if version == 3 else _header_v2(header)
    body_open = False
    for chunk in chunks:
        pieces: list[bytes] = []
        for concept in chunk:
            entry = builder.concept(concept, partial=partial)
            if entry is None:
                continue
            if not body_open:
                # TBX v3 wants at least one conceptEntry in a body: an empty export has none.
                pieces.append(b"<text>\n<body>\n")
                body_open = True
            pieces.append(_serialise(entry))
        if pieces:
            yield b"".join(pieces)
    if body_open:
        yield b"</body>\n</text>\n"
    elif version == 3:
        yield b"<text/>\n"
    else:
        yield b"<text>\n<body/>\n</text>\n"  # TBX v2 has no valid empty document; tools take this
    yield b"</tbx>\n" if version == 3 else b"</martif>\n"
