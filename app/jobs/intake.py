"""Turning what a user sends into document pairs to queue, within the limits, or an error
(:mod:`app.errors`: no HTTP here; the service answers each error with its problem).

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

import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO, BinaryIO

from app import documents
from app.documents import DocumentError
from app.errors import (
    DocumentTooLarge,
    EmptyDocument,
    InvalidRequest,
    InvalidText,
    InvalidUpload,
    TooManyDocuments,
)
from app.jobs.models import MAX_NAME_LENGTH
from app.jobs.repository import NewItem
from app.jobs.schemas import JobRequest
from app.settings import Settings

# NAME.fr, NAME.en, NAME.fr.txt, NAME.en.docx … (case of the suffixes ignored)
_DOCUMENT_RE = re.compile(r"^(?P<name>.+)\.(?P<lang>fr|en)(?:\.(?P<ext>txt|docx))?$", re.I)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SKIPPED_MEMBERS = re.compile(r"(^|/)(__MACOSX/|\.[^/]*$|Thumbs\.db$|desktop\.ini$)", re.I)


def too_many(count: int, settings: Settings) -> TooManyDocuments:
    return TooManyDocuments(
        f"the job has {count:,} document pairs or more; the limit is {settings.job_max_items:,} "
        "(ALINEA_JOB_MAX_ITEMS): split it into several jobs"
    )


def _too_large(what: str, size: int, limit: int, setting: str) -> DocumentTooLarge:
    return DocumentTooLarge(
        f"{what} is {size:,} bytes or more; the limit is {limit:,} bytes ({setting})"
    )


def _utf8_size(text: str, what: str) -> int:
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:  # JSON lets "\ud800" through: a lone surrogate half
        raise InvalidText(
            f"{what} is not valid Unicode: it holds a lone surrogate at offset {exc.start}"
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
            raise InvalidRequest(
                f"two documents are named {document.name!r}: names must be unique in a job"
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
                raise EmptyDocument(
                    f"the {language} text of {document.name!r} is empty: there is nothing to align"
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
            raise InvalidUpload(f"two {lang} files for the document {name!r}")
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
            raise InvalidUpload(f"{len(unpaired)} documents are not in pairs: {shown}")
        if not self.sides:
            raise InvalidUpload(
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
        raise InvalidUpload(
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
        raise EmptyDocument(f"{path} is empty: there is nothing to align")
    pairs.add(_document_name(match.group("name"), path), match.group("lang").lower(), text, is_docx)


def _document_name(name: str, path: str) -> str:
    """A document's name as a job keeps it: at most MAX_NAME_LENGTH characters, printable."""
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidUpload(
            f"the document name of {path[:80]!r}… is {len(name):,} characters long; the limit is "
            f"{MAX_NAME_LENGTH}"
        )
    if _CONTROL.search(name):
        raise InvalidUpload(f"the document name {name!r} holds a control character")
    return name


def _read_zip(
    name: str, stream: BinaryIO, pairs: _Pairs, budget: _Budget, settings: Settings
) -> None:
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidUpload(f"{name} is not a readable zip archive ({exc})") from exc
    with archive:
        members = archive.infolist()
        if len(members) > 4 * settings.job_max_items + 100:
            raise too_many(len(members) // 2, settings)
        for member in members:
            path = member.filename
            parts = PurePosixPath(path.replace("\\", "/")).parts
            if path.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", path):
                raise InvalidUpload(f"{name} holds an unsafe path: {path!r}")
            if member.is_dir() or _SKIPPED_MEMBERS.search(path):
                continue
            match = _match(path)
            limit = _file_limit(match, settings)
            try:
                with archive.open(member) as handle:
                    # Read no more than allowed, whatever the header says the size is.
                    data = _read_capped(handle, limit, f"{path} in {name}", settings)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError) as exc:
                raise InvalidUpload(f"cannot read {path} in {name}: {exc}") from exc
            _add_document(match, path, data, pairs, budget, settings)


def _document_problem(exc: DocumentError) -> DocumentTooLarge | InvalidText:
    return DocumentTooLarge(str(exc)) if exc.too_large else InvalidText(str(exc))


def decode_text(raw: bytes, name: str) -> str:
    """The text of a text file (see :func:`app.documents.decode_text`), or InvalidText."""
    try:
        return documents.decode_text(raw, name)
    except DocumentError as exc:
        raise _document_problem(exc) from exc


def _docx_text(data: bytes, name: str, budget: _Budget, settings: Settings) -> str:
    """The text of a Word document (see :func:`app.documents.docx_text`), its XML counted
    against the upload's budget; or DocumentTooLarge / InvalidText."""
    try:
        text, read = documents.docx_text(
            data,
            name,
            max_text_bytes=settings.job_max_document_bytes,
            setting="ALINEA_JOB_MAX_DOCUMENT_BYTES",
        )
    except DocumentError as exc:
        raise _document_problem(exc) from exc
    budget.take(read, f"{name} unpacked")
    return text
