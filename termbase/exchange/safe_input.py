"""Reading an uploaded file safely: a byte cap, progress, and a guarded XML prolog.

Every file an import reads goes through :class:`CountingReader`, which refuses to read past
``max_bytes`` (so a 2 GB stream is stopped at the cap, not read into memory) and reports the bytes
read so far for progress bars. Before an XML file reaches the parser, :func:`check_prolog` reads
what comes before its root element and refuses, with the line and column:

* a DOCTYPE with an internal subset: entity declarations (``<!ENTITY``) can expand without bound
  (the "billion laughs") or pull in files and URLs (external entities); Alinea takes none;
* an external DTD, except the TBX v2 core-structure DTDs that TBX v2 tools name in their DOCTYPE
  (``TBXcoreStructV02.dtd``, ``TBXBasiccoreStructV02.dtd``), which are never loaded either;
* anything but a ``tbx`` (v3) or ``martif`` (v2) root element.

The parser itself then runs with entity resolution, DTD loading and network access off and
lxml's size limits on (``huge_tree=False``), and checks the parsed DOCTYPE again.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

PROLOG_LIMIT = 64 * 1024
# The DTD file names TBX v2 tools put in their DOCTYPE; a name only (no path, no URL).
TBX2_DTDS = {
    "tbxcorestructv02.dtd",
    "tbxbasiccorestructv02.dtd",
    "tbxcdv04.dtd",
    "tbx_core.dtd",
}


class ImportRefused(Exception):
    """A file that cannot be imported at all; nothing of it is written."""

    def __init__(
        self, message: str, *, code: str, line: int | None = None, column: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.line = line
        self.column = column


class CountingReader:
    """A binary stream read through a byte cap, with progress and a peek that is read again."""

    def __init__(
        self,
        raw: BinaryIO,
        *,
        max_bytes: int,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.raw = raw
        self.max_bytes = max_bytes
        self.progress = progress
        self.bytes_read = 0
        self._replay = b""

    def _pull(self, size: int) -> bytes:
        # Never ask the stream for more than one byte past the cap.
        allowed = self.max_bytes + 1 - self.bytes_read
        data = self.raw.read(max(0, min(size, allowed)) if size >= 0 else allowed)
        self.bytes_read += len(data)
        if self.bytes_read > self.max_bytes:
            raise ImportRefused(
                f"the file is over the limit of {self.max_bytes:,} bytes "
                "(ALINEA_MAX_IMPORT_BYTES); nothing was imported",
                code="too-large",
            )
        if self.progress is not None and data:
            self.progress(self.bytes_read)
        return data

    def peek(self, size: int) -> bytes:
        """Up to ``size`` bytes from the start, which later reads return again."""
        while len(self._replay) < size:
            data = self._pull(size - len(self._replay))
            if not data:
                break
            self._replay += data
        return self._replay[:size]

    def read(self, size: int = -1) -> bytes:
        if self._replay:
            if size < 0 or size >= len(self._replay):
                data, self._replay = self._replay, b""
                if size < 0:
                    return data + self._read_all()
                return data
            data, self._replay = self._replay[:size], self._replay[size:]
            return data
        if size < 0:
            return self._read_all()
        return self._pull(size)

    def _read_all(self) -> bytes:
        parts = []
        while chunk := self._pull(1 << 16):
            parts.append(chunk)
        return b"".join(parts)

    def seekable(self) -> bool:
        return False


# -- the XML prolog -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prolog:
    root: str  # the root element's local name
    doctype_system: str | None


def _decode_head(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise ImportRefused(
            "the file is UTF-32; save it as UTF-8 (or UTF-16) first", code="unsupported-encoding"
        )
    if head.startswith(codecs.BOM_UTF8):
        return head[3:].decode("utf-8", errors="replace")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="replace")
    if head.startswith(b"<\x00"):
        return head.decode("utf-16-le", errors="replace")
    if head.startswith(b"\x00<"):
        return head.decode("utf-16-be", errors="replace")
    # ASCII-compatible encodings (UTF-8, Latin-1 …): the prolog's syntax is ASCII.
    return head.decode("latin-1")


def _where(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


_NAME = re.compile(r"[^\s/>\[\"']+")
_EXTERNAL_ID = re.compile(
    r"""\s*(?:SYSTEM\s*(?P<system>"[^"]*"|'[^']*')|"""
    r"""PUBLIC\s*(?P<public>"[^"]*"|'[^']*')\s*(?P<public_system>"[^"]*"|'[^']*')?)"""
)


def check_prolog(head: bytes, *, complete: bool) -> Prolog:
    """Check what comes before the root element (``complete``: ``head`` is the whole file)."""
    text = _decode_head(head)
    i = 0
    doctype_system: str | None = None
    while True:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        if i >= len(text):
            if complete:
                raise ImportRefused("the file has no root element", code="malformed-xml")
            raise ImportRefused(
                f"the XML prolog is longer than {PROLOG_LIMIT // 1024} KiB",
                code="forbidden-xml",
                line=1,
                column=1,
            )
        if text.startswith("<?", i):
            end = text.find("?>", i)
            if end < 0:
                return _unfinished(text, i, complete)
            i = end + 2
        elif text.startswith("<!--", i):
            end = text.find("-->", i)
            if end < 0:
                return _unfinished(text, i, complete)
            i = end + 3
        elif text.startswith("<!DOCTYPE", i):
            doctype_system = _check_doctype(text, i, complete)
            end = text.find(">", i)
            i = end + 1
        elif text.startswith("<", i) and i + 1 < len(text) and _NAME.match(text, i + 1):
            name = _NAME.match(text, i + 1).group(0)  # type: ignore[union-attr]
            local = name.rsplit(":", 1)[-1]
            if local not in ("tbx", "martif"):
                line, column = _where(text, i)
                raise ImportRefused(
                    f"not a TBX document: the root element is <{name}>, not <tbx> (TBX v3) "
                    "or <martif> (TBX v2)",
                    code="not-tbx",
                    line=line,
                    column=column,
                )
            return Prolog(root=local, doctype_system=doctype_system)
        else:
            line, column = _where(text, i)
            raise ImportRefused(
                "not an XML document (it should start with '<?xml' or '<')",
                code="malformed-xml",
                line=line,
                column=column,
            )


def _unfinished(text: str, index: int, complete: bool) -> Prolog:
    line, column = _where(text, index)
    if complete:
        raise ImportRefused(
            "the file ends inside its prolog", code="malformed-xml", line=line, column=column
        )
    raise ImportRefused(
        f"the XML prolog is longer than {PROLOG_LIMIT // 1024} KiB",
        code="forbidden-xml",
        line=line,
        column=column,
    )


def _check_doctype(text: str, start: int, complete: bool) -> str | None:
    """Refuse a DOCTYPE with an internal subset or an external DTD; return an allowed DTD name."""
    line, column = _where(text, start)
    i = _skip_space(text, start + len("<!DOCTYPE"))
    name = _NAME.match(text, i)
    if name is None:
        raise ImportRefused(
            "a DOCTYPE without a name", code="malformed-xml", line=line, column=column
        )
    i = name.end()
    external = _EXTERNAL_ID.match(text, i)
    system: str | None = None
    if external:
        literal = external.group("system") or external.group("public_system")
        system = literal[1:-1] if literal else None
        i = external.end()
    i = _skip_space(text, i)
    if text.startswith("[", i):
        entity = text.find("<!ENTITY", i)
        if entity >= 0:
            line, column = _where(text, entity)
            raise ImportRefused(
                "the DOCTYPE declares entities (<!ENTITY …>); entity declarations are refused, "
                "as they can expand without bound or read files and URLs",
                code="forbidden-entity",
                line=line,
                column=column,
            )
        raise ImportRefused(
            "the DOCTYPE has an internal subset ([…]); DTD declarations are refused",
            code="forbidden-dtd",
            line=line,
            column=column,
        )
    if not text.startswith(">", i):
        if not complete and len(text) - start < 1024:
            raise ImportRefused(
                "the file ends inside its DOCTYPE", code="malformed-xml", line=line, column=column
            )
        raise ImportRefused("a malformed DOCTYPE", code="malformed-xml", line=line, column=column)
    if external and (system is None or not allowed_dtd(system)):
        shown = system if system is not None else external.group("public")
        raise ImportRefused(
            f"the DOCTYPE names an external DTD ({shown}); external DTDs are refused (only the "
            "TBX v2 core structure DTD is accepted by name, and never loaded)",
            code="forbidden-dtd",
            line=line,
            column=column,
        )
    return system


def allowed_dtd(system: str) -> bool:
    """Whether a DOCTYPE's system identifier is the plain name of a TBX v2 structure DTD."""
    return not re.search(r"[/\\:]", system) and system.strip().lower() in TBX2_DTDS
