"""Turning what a user sends into document pairs to queue, within the limits, or a problem.

Two ways in:

- JSON: ``{"documents": [{"name", "fr", "en"}, …], "options": {…}}``, each side a text or a list
  of sentences (pre-segmented);
- files (multipart upload): ``NAME.fr.txt`` / ``NAME.en.txt`` pairs (``.docx`` too, and plain
  ``NAME.fr`` / ``NAME.en`` as in the align-dev sets), or zip archives of such pairs.

Everything is checked before anything is queued: the number of pairs
(``ALINEA_JOB_MAX_ITEMS``), each side's size once decoded (``ALINEA_JOB_MAX_DOCUMENT_BYTES``), and
the total unpacked from archives and documents (``ALINEA_JOB_MAX_UPLOAD_BYTES``, the same as the
largest request): a zip bomb stops at that budget, whatever its headers claim. Zip members with
absolute paths or ``..`` are refused, not skipped. Text files must be UTF-8 (with or without a
BOM) or UTF-16 with a BOM; ``.docx`` files give their body paragraphs, one paragraph a line with
an empty line between, read as raw text (never pre-segmented).
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO, BinaryIO

from app.jobs.models import MAX_NAME_LENGTH
from app.jobs.repository import NewItem
from app.jobs.schemas import JobRequest
from app.problems import Problem
from app.settings import Settings

# NAME.fr, NAME.en, NAME.fr.txt, NAME.en.docx … (case of the suffixes ignored)
_DOCUMENT_RE = re.compile(r"^(?P<name>.+)\.(?P<lang>fr|en)(?:\.(?P<ext>txt|docx))?$", re.I)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SKIPPED_MEMBERS = re.compile(r"(^|/)(__MACOSX/|\.[^/]*$|Thumbs\.db$|desktop\.ini$)", re.I)


def too_many(count: int, settings: Settings) -> Problem:
    return Problem(
        413,
        f"the job has {count:,} document pairs or more; the limit is {settings.job_max_items:,} "
        "(ALINEA_JOB_MAX_ITEMS): split it into several jobs",
        kind="too-many-documents",
        title="Too many documents",
    )


def _too_large(what: str, size: int, limit: int, setting: str) -> Problem:
    return Problem(
        413,
        f"{what} is {size:,} bytes or more; the limit is {limit:,} bytes ({setting})",
        kind="document-too-large",
        title="Content Too Large",
    )


def _invalid(detail: str, kind: str = "invalid-upload", title: str = "Invalid upload") -> Problem:
    return Problem(422, detail, kind=kind, title=title)


def _utf8_size(text: str, what: str) -> int:
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:  # JSON lets "\ud800" through: a lone surrogate half
        raise _invalid(
            f"{what} is not valid Unicode: it holds a lone surrogate at offset {exc.start}",
            kind="invalid-text",
            title="Invalid text",
        ) from exc


def items_from_json(request: JobRequest, settings: Settings) -> list[NewItem]:
    """The document pairs of a JSON job request, checked against the limits."""
    if len(request.documents) > settings.job_max_items:
        raise too_many(len(request.documents), settings)
    seen: set[str] = set()
    items = []
    limit = settings.job_max_document_bytes
    for document in request.documents:
        if document.name in seen:
            raise _invalid(
                f"two documents are named {document.name!r}: names must be unique in a job",
                kind="validation-error",
                title="Invalid request",
            )
        seen.add(document.name)
        sides = []
        for side, language in ((document.fr, "French"), (document.en, "English")):
            text = "\n".join(side) if isinstance(side, list) else side
            size = _utf8_size(text, f"the {language} text of {document.name!r}")
            if size > limit:
                raise _too_large(
                    f"the {language} text of {document.name!r}",
                    size,
                    limit,
                    "ALINEA_JOB_MAX_DOCUMENT_BYTES",
                )
            if not text.strip():
                raise _invalid(
                    f"the {language} text of {document.name!r} is empty: there is nothing to align",
                    kind="empty-document",
                )
            sides.append(text)
        presegmented = request.options.presegmented or isinstance(document.fr, list)
        items.append(NewItem(document.name, sides[0], sides[1], presegmented))
    return items


@dataclass(slots=True)
class _Budget:
    """What may still be unpacked from this request, in bytes."""

    left: int
    limit: int

    def take(self, size: int, what: str) -> None:
        self.left -= size
        if self.left < 0:
            raise _too_large(
                f"{what} takes the files unpacked from this upload past the limit: it",
                self.limit - self.left,
                self.limit,
                "ALINEA_JOB_MAX_UPLOAD_BYTES",
            )


@dataclass(slots=True)
class _Pairs:
    """Documents found so far, by name and language, in the order first seen."""

    settings: Settings
    presegmented: bool
    sides: dict[str, dict[str, tuple[str, bool]]] = field(default_factory=dict)

    def add(self, path: str, lang: str, text: str, is_docx: bool) -> None:
        name = path
        entry = self.sides.setdefault(name, {})
        if lang in entry:
            raise _invalid(f"two {lang} files for the document {name!r}")
        entry[lang] = (text, is_docx)
        if len(self.sides) > self.settings.job_max_items:
            raise too_many(len(self.sides), self.settings)

    def items(self) -> list[NewItem]:
        unpaired = [
            f"{name} has no {'English' if 'fr' in sides else 'French'} file"
            for name, sides in self.sides.items()
            if len(sides) != 2
        ]
        if unpaired:
            shown = "; ".join(unpaired[:5]) + ("; …" if len(unpaired) > 5 else "")
            raise _invalid(f"{len(unpaired)} documents are not in pairs: {shown}")
        if not self.sides:
            raise _invalid(
                "the upload holds no document pair: send NAME.fr.txt and NAME.en.txt files "
                "(or .docx, or a zip of them)"
            )
        items = []
        for name, sides in self.sides.items():
            (fr, fr_docx), (en, en_docx) = sides["fr"], sides["en"]
            presegmented = self.presegmented and not (fr_docx or en_docx)
            items.append(NewItem(name, fr, en, presegmented))
        return items


def items_from_files(
    files: Iterable[tuple[str, BinaryIO]], settings: Settings, *, presegmented: bool
) -> list[NewItem]:
    """The document pairs of uploaded files and zip archives, checked against the limits."""
    budget = _Budget(settings.job_max_upload_bytes, settings.job_max_upload_bytes)
    pairs = _Pairs(settings, presegmented)
    for filename, stream in files:
        name = PurePosixPath(filename.replace("\\", "/")).name
        if name.lower().endswith(".zip"):
            _read_zip(name, stream, pairs, budget, settings)
        else:
            match = _match(name)
            data = _read_capped(stream, _file_limit(match, settings), name, settings)
            _add_document(match, name, data, pairs, budget, settings)
    return pairs.items()


def _match(path: str) -> re.Match[str]:
    match = _DOCUMENT_RE.match(path)
    if match is None:
        raise _invalid(
            f"{path!r} is not a NAME.fr or NAME.en file (.txt, .docx or no extension) nor a "
            ".zip of them"
        )
    return match


def _file_limit(match: re.Match[str], settings: Settings) -> int:
    # A text file is its text (UTF-16 takes up to twice its UTF-8 size); a .docx also holds
    # styles, images …: only its extracted text must be within the document limit.
    if (match.group("ext") or "").lower() == "docx":
        return settings.job_max_upload_bytes
    return 2 * settings.job_max_document_bytes + 2


def _read_capped(stream: IO[bytes], limit: int, what: str, settings: Settings) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise _too_large(what, len(data), limit, "ALINEA_JOB_MAX_DOCUMENT_BYTES")
    return data


def _add_document(
    match: re.Match[str],
    path: str,
    data: bytes,
    pairs: _Pairs,
    budget: _Budget,
    settings: Settings,
) -> None:
    budget.take(len(data), path)
    is_docx = (match.group("ext") or "").lower() == "docx"
    text = _docx_text(data, path, budget, settings) if is_docx else decode_text(data, path)
    size = _utf8_size(text, path)
    if size > settings.job_max_document_bytes:
        raise _too_large(
            f"the text of {path}",
            size,
            settings.job_max_document_bytes,
            "ALINEA_JOB_MAX_DOCUMENT_BYTES",
        )
    if not text.strip():
        raise _invalid(f"{path} is empty: there is nothing to align", kind="empty-document")
    pairs.add(_document_name(match.group("name"), path), match.group("lang").lower(), text, is_docx)


def _document_name(name: str, path: str) -> str:
    """A document's name as a job keeps it: at most MAX_NAME_LENGTH characters, printable."""
    if len(name) > MAX_NAME_LENGTH:
        raise _invalid(
            f"the document name of {path[:80]!r}… is {len(name):,} characters long; the limit is "
            f"{MAX_NAME_LENGTH}"
        )
    if _CONTROL.search(name):
        raise _invalid(f"the document name {name!r} holds a control character")
    return name


def _read_zip(
    name: str, stream: BinaryIO, pairs: _Pairs, budget: _Budget, settings: Settings
) -> None:
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _invalid(f"{name} is not a readable zip archive ({exc})") from exc
    with archive:
        members = archive.infolist()
        if len(members) > 4 * settings.job_max_items + 100:
            raise too_many(len(members) // 2, settings)
        for member in members:
            path = member.filename
            parts = PurePosixPath(path.replace("\\", "/")).parts
            if path.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", path):
                raise _invalid(f"{name} holds an unsafe path: {path!r}")
            if member.is_dir() or _SKIPPED_MEMBERS.search(path):
                continue
            match = _match(path)
            limit = _file_limit(match, settings)
            try:
                with archive.open(member) as handle:
                    # Read no more than allowed, whatever the header says the size is.
                    data = _read_capped(handle, limit, f"{path} in {name}", settings)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError) as exc:
                raise _invalid(f"cannot read {path} in {name}: {exc}") from exc
            _add_document(match, path, data, pairs, budget, settings)


def decode_text(raw: bytes, name: str) -> str:
    """UTF-8 (a BOM allowed) or UTF-16 with a BOM; anything else is refused, not guessed at."""
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise _invalid(
            f"{name} is UTF-32 text: send UTF-8", kind="invalid-text", title="Invalid text"
        )
    utf16 = raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    try:
        text = raw.decode("utf-16" if utf16 else "utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _invalid(
            f"{name} is not UTF-8 text (byte {exc.start} is invalid): convert it to UTF-8",
            kind="invalid-text",
            title="Invalid text",
        ) from exc
    if "\x00" in text:
        raise _invalid(
            f"{name} looks like binary data, not text", kind="invalid-text", title="Invalid text"
        )
    return text


# WordprocessingML: what makes up the text of a paragraph (as Word shows it).
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OFFICE_DOCUMENT = "/officeDocument"
_TEXT_BREAKS = {_W + "tab": "\t", _W + "ptab": "\t", _W + "br": "\n", _W + "cr": "\n"}
_HYPHENS = {_W + "noBreakHyphen": "\u2011", _W + "softHyphen": ""}
_W_P, _W_T, _W_BODY = _W + "p", _W + "t", _W + "body"
_DOCX_TAGS = [_W_P, _W_T, _W + "r", _W + "tr", *_TEXT_BREAKS, *_HYPHENS]
# The budgets of one .docx: its main part may hold this many bytes of XML per byte of text the
# document limit allows (markup around each run of text), and this many paragraphs.
DOCX_XML_PER_TEXT_BYTE = 16
DOCX_MAX_PARAGRAPHS = 200_000


class _CountingReader:
    """A zip member read through a byte budget: past ``limit`` bytes, a 413 problem."""

    def __init__(self, stream: IO[bytes], limit: int, what: str) -> None:
        self.stream = stream
        self.limit = limit
        self.read_so_far = 0
        self.what = what

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size if size >= 0 else 1024 * 1024)
        self.read_so_far += len(data)
        if self.read_so_far > self.limit:
            raise _too_large(
                self.what, self.read_so_far, self.limit, "ALINEA_JOB_MAX_DOCUMENT_BYTES"
            )
        return data


def _main_part(package: zipfile.ZipFile, name: str) -> str:
    """The name of the main document part (``word/document.xml`` as a rule), from the package's
    relationships."""
    from lxml import etree

    try:
        info = package.getinfo("_rels/.rels")
        if info.file_size > 1024 * 1024:
            raise _invalid(f"{name} is not a readable .docx document (its relationships are huge)")
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


def _docx_text(data: bytes, name: str, budget: _Budget, settings: Settings) -> str:
    """The body paragraphs of a Word document, an empty line between them.

    The main part is parsed as a stream (lxml ``iterparse``), each paragraph's elements dropped
    once read, so memory stays flat whatever the document holds; the XML read is held to
    ``DOCX_XML_PER_TEXT_BYTE`` times the document limit, the paragraphs to
    ``DOCX_MAX_PARAGRAPHS`` and the text to ``ALINEA_JOB_MAX_DOCUMENT_BYTES`` (measured before:
    a 179 KB upload whose ``document.xml`` unpacks to 60 MB took the service from 255 MB to
    1.5 GB with python-docx, which builds the whole tree).
    """
    from lxml import etree

    text_limit = settings.job_max_document_bytes
    xml_limit = DOCX_XML_PER_TEXT_BYTE * text_limit
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as exc:
        raise _invalid(f"{name} is not a readable .docx document ({exc})") from exc
    paragraphs: list[str] = []
    size = 0
    try:
        with package:
            part = _main_part(package, name)
            try:
                info = package.getinfo(part)
            except KeyError as exc:
                raise _invalid(f"{name} is not a readable .docx document (no {part})") from exc
            if info.file_size > xml_limit:  # said by the header; the reader checks what comes
                raise _too_large(f"the text part of {name}", info.file_size, xml_limit,
                                 "ALINEA_JOB_MAX_DOCUMENT_BYTES")  # fmt: skip
            with package.open(info) as handle:
                reader = _CountingReader(handle, xml_limit, f"the text part of {name}")
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
                        if size > text_limit:
                            raise _too_large(f"the text of {name}", size, text_limit,
                                             "ALINEA_JOB_MAX_DOCUMENT_BYTES")  # fmt: skip
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
                                raise Problem(
                                    413,
                                    f"{name} has more than {DOCX_MAX_PARAGRAPHS:,} paragraphs",
                                    kind="document-too-large",
                                    title="Content Too Large",
                                )
                    # Done with it: drop it and what came before it, so the tree never holds
                    # more than the path to what is being read.
                    element.clear()
                    parent = element.getparent()
                    if parent is not None:
                        while element.getprevious() is not None:
                            del parent[0]
                budget.take(reader.read_so_far, f"{name} unpacked")
    except Problem:
        raise
    except etree.XMLSyntaxError as exc:
        raise _invalid(f"{name} is not a readable .docx document (XML: {exc})") from exc
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, ValueError) as exc:
        raise _invalid(f"{name} is not a readable .docx document ({exc})") from exc
    return "\n\n".join(p for p in paragraphs if p) + "\n"
