"""Reading the documents users give: text files, Word (.docx) files, and text sent as JSON.

One decoder for every way in (``alinea align``, ``alinea terms recognize``, the concept files of
``alinea concepts``, job uploads): text must be UTF-8 (with or without a BOM) or UTF-16 with a
BOM — anything else (Latin-1, UTF-16 without a BOM, UTF-32, binary data) is refused rather than
guessed at, since a wrong guess aligns mojibake; a ``.docx`` gives its body paragraphs, an empty
line between them, read as a stream within budgets. Text that comes as JSON strings
(``POST /v1/align``, JSON jobs) is checked by :func:`text_size`, the one place that refuses the
lone surrogates JSON lets through.

Errors are :class:`DocumentError` (``too_large`` tells a size limit from unreadable input);
callers turn them into a problem (HTTP) or a one-line message (command line).
"""

from __future__ import annotations

import codecs
import io
import zipfile
from collections.abc import Sequence
from typing import IO


class DocumentError(ValueError):
    """A document that cannot be read, or is over a limit (``too_large``)."""

    def __init__(self, message: str, *, too_large: bool = False, setting: str = "") -> None:
        super().__init__(message)
        self.too_large = too_large
        self.setting = setting


def decode_text(raw: bytes, name: str) -> str:
    """``raw`` as text: UTF-8 with or without a BOM, or UTF-16 with a BOM."""
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise DocumentError(f"{name} is not UTF-8 text (it is UTF-32); convert it to UTF-8")
    utf16 = raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if b"\x00" in raw and not utf16:
        # UTF-16 without a BOM has a NUL in every other byte of its ASCII characters.
        even, odd = raw[0::2].count(0), raw[1::2].count(0)
        if max(even, odd) > len(raw) // 4 and min(even, odd) <= len(raw) // 40:
            raise DocumentError(
                f"{name} is not UTF-8 text (it looks like UTF-16 without a BOM); convert it to "
                "UTF-8"
            )
        raise DocumentError(f"{name} looks like binary data, not text")
    try:
        text = raw.decode("utf-16" if utf16 else "utf-8-sig")
    except UnicodeDecodeError as exc:
        if utf16:
            raise DocumentError(
                f"{name} starts like UTF-16 but is not (byte {exc.start} is invalid)"
            ) from exc
        raise DocumentError(
            f"{name} is not UTF-8 text (byte {exc.start} is invalid); convert it to UTF-8"
        ) from exc
    if "\x00" in text:
        raise DocumentError(f"{name} looks like binary data, not text")
    return text


def joined(side: str | Sequence[str]) -> str:
    """One side of a document pair as JSON gives it (a string, or a list of sentences)."""
    return side if isinstance(side, str) else "\n".join(side)


def text_size(text: str, name: str) -> int:
    """The size of ``text`` in UTF-8; a :class:`DocumentError` if it holds a lone surrogate."""
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:  # JSON lets "\ud800" through: a lone surrogate half
        raise DocumentError(
            f"{name} is not valid Unicode: it holds a lone surrogate "
            f"(U+{ord(text[exc.start]):04X} at offset {exc.start})"
        ) from exc


# WordprocessingML: what makes up the text of a paragraph (as Word shows it).
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OFFICE_DOCUMENT = "/officeDocument"
_TEXT_BREAKS = {_W + "tab": "\t", _W + "ptab": "\t", _W + "br": "\n", _W + "cr": "\n"}
_HYPHENS = {_W + "noBreakHyphen": "\u2011", _W + "softHyphen": ""}
_W_P, _W_T, _W_BODY = _W + "p", _W + "t", _W + "body"
_DOCX_TAGS = [_W_P, _W_T, _W + "r", _W + "tr", *_TEXT_BREAKS, *_HYPHENS]
# The budgets of one .docx: its main part may hold this many bytes of XML per byte of text the
# limit allows (markup around each run of text), and this many paragraphs.
DOCX_XML_PER_TEXT_BYTE = 16
DOCX_MAX_PARAGRAPHS = 200_000


def is_docx(name: str) -> bool:
    return name.lower().endswith(".docx")


class _CountingReader:
    """A zip member read through a byte budget."""

    def __init__(self, stream: IO[bytes], limit: int, what: str, setting: str) -> None:
        self.stream = stream
        self.limit = limit
        self.read_so_far = 0
        self.what = what
        self.setting = setting

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size if size >= 0 else 1024 * 1024)
        self.read_so_far += len(data)
        if self.read_so_far > self.limit:
            raise _too_large(self.what, self.read_so_far, self.limit, self.setting)
        return data


def _too_large(what: str, size: int, limit: int, setting: str) -> DocumentError:
    return DocumentError(
        f"{what} is {size:,} bytes or more; the limit is {limit:,} bytes ({setting})",
        too_large=True,
        setting=setting,
    )


def _main_part(package: zipfile.ZipFile, name: str) -> str:
    """The name of the main document part (``word/document.xml`` as a rule), from the package's
    relationships."""
    from lxml import etree

    try:
        info = package.getinfo("_rels/.rels")
        if info.file_size > 1024 * 1024:
            raise DocumentError(f"{name} is not a readable .docx document (huge relationships)")
        with package.open(info) as handle:
            rels = etree.fromstring(
                handle.read(1024 * 1024 + 1),
                etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False),
            )
        for rel in rels.iter(_RELS + "Relationship"):
            if (rel.get("Type") or "").endswith(_OFFICE_DOCUMENT):
                return (rel.get("Target") or "").lstrip("/")
    except KeyError:
        pass
    return "word/document.xml"


def docx_text(data: bytes, name: str, *, max_text_bytes: int, setting: str) -> tuple[str, int]:
    """The body paragraphs of a Word document, an empty line between them, and how many bytes
    of XML were read for them.

    The main part is parsed as a stream (lxml ``iterparse``), each paragraph's elements dropped
    once read, so memory stays flat whatever the document holds; the XML read is held to
    ``DOCX_XML_PER_TEXT_BYTE × max_text_bytes``, the paragraphs to ``DOCX_MAX_PARAGRAPHS`` and
    the text to ``max_text_bytes`` (``setting`` names the limit in messages). Measured before:
    a 179 KB upload whose ``document.xml`` unpacks to 60 MB took the service from 255 MB to
    1.5 GB with python-docx, which builds the whole tree.
    """
    from lxml import etree

    xml_limit = DOCX_XML_PER_TEXT_BYTE * max_text_bytes
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as exc:
        raise DocumentError(f"{name} is not a readable .docx document ({exc})") from exc
    paragraphs: list[str] = []
    size = 0
    try:
        with package:
            part = _main_part(package, name)
            try:
                info = package.getinfo(part)
            except KeyError as exc:
                raise DocumentError(f"{name} is not a readable .docx document (no {part})") from exc
            if info.file_size > xml_limit:  # said by the header; the reader checks what comes
                raise _too_large(f"the text part of {name}", info.file_size, xml_limit, setting)
            with package.open(info) as handle:
                reader = _CountingReader(handle, xml_limit, f"the text part of {name}", setting)
                # Only the elements that make up text, and the containers to drop once read,
                # come back from the parser (the rest stays in C, which is most of the time).
                events = etree.iterparse(
                    reader,
                    events=("start", "end"),
                    tag=_DOCX_TAGS,
                    resolve_entities=False,
                    no_network=True,
                    load_dtd=False,
                    huge_tree=False,
                    remove_comments=True,
                    remove_pis=True,
                )
                pieces: list[str] = []
                marks: list[int] = []  # where each open paragraph's pieces begin
                for event, element in events:
                    tag = element.tag
                    if event == "start":
                        if tag == _W_P:
                            marks.append(len(pieces))
                        continue
                    if tag == _W_T:
                        piece = element.text or ""
                        pieces.append(piece)
                        size += len(piece.encode("utf-8"))
                        if size > max_text_bytes:
                            raise _too_large(f"the text of {name}", size, max_text_bytes, setting)
                    elif tag in _TEXT_BREAKS:
                        pieces.append(_TEXT_BREAKS[tag])
                    elif tag in _HYPHENS:
                        pieces.append(_HYPHENS[tag])
                    elif tag == _W_P:
                        mark = marks.pop() if marks else 0
                        own = "".join(pieces[mark:])
                        del pieces[mark:]
                        parent = element.getparent()
                        # Body paragraphs only: not those of tables or text boxes.
                        if parent is not None and parent.tag == _W_BODY:
                            paragraphs.append(own.strip())
                            if len(paragraphs) > DOCX_MAX_PARAGRAPHS:
                                raise DocumentError(
                                    f"{name} has more than {DOCX_MAX_PARAGRAPHS:,} paragraphs",
                                    too_large=True,
                                    setting=setting,
                                )
                    # Done with it: drop it and what came before it, so the tree never holds
                    # more than the path to what is being read.
                    element.clear()
                    parent = element.getparent()
                    if parent is not None:
                        while element.getprevious() is not None:
                            del parent[0]
                read = reader.read_so_far
    except DocumentError:
        raise
    except etree.XMLSyntaxError as exc:
        raise DocumentError(f"{name} is not a readable .docx document (XML: {exc})") from exc
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, ValueError) as exc:
        raise DocumentError(f"{name} is not a readable .docx document ({exc})") from exc
    return "\n\n".join(p for p in paragraphs if p) + "\n", read
