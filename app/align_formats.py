"""The formats an alignment is written in, shared by ``POST /v1/align`` and ``alinea align``."""

from __future__ import annotations

import json
from enum import StrEnum

from alignment.formats import to_beads, to_dict, to_html, to_tmx, to_tsv, to_xliff
from alignment.types import Alignment
from app import __version__


class AlignFormat(StrEnum):
    """An output format of an alignment."""

    JSON = "json"  # the to_dict structure: both sides, paragraph and sentence beads, warnings
    TMX = "tmx"  # TMX 1.4b, one unit per two-sided bead
    XLIFF = "xliff"  # XLIFF 2.1, one unit per two-sided bead
    TSV = "tsv"  # one bead a row
    BEADS = "beads"  # [3]:[3,4] lines, as the align-dev .gold files
    HTML = "html"  # a side-by-side page


MEDIA_TYPES = {
    AlignFormat.JSON: "application/json",
    AlignFormat.TMX: "application/x-tmx+xml",
    AlignFormat.XLIFF: "application/xliff+xml",
    AlignFormat.TSV: "text/tab-separated-values; charset=utf-8",
    AlignFormat.BEADS: "text/plain; charset=utf-8",
    AlignFormat.HTML: "text/html; charset=utf-8",
}


class SourceLanguage(StrEnum):
    """The source language of a translation memory: English, the original, or French."""

    EN = "en"
    FR = "fr"


def render(
    alignment: Alignment,
    output_format: AlignFormat,
    *,
    indent: int | None = None,
    source: str = "en",
    one_sided: bool = False,
) -> bytes:
    """The alignment written in ``output_format``, as UTF-8 bytes to send or save.

    ``indent`` pretty-prints JSON (the other formats have a fixed layout); ``source`` is the
    source language of TMX and XLIFF, ``one_sided`` adds one-sided beads to TMX.
    """
    if output_format is AlignFormat.TMX:
        return to_tmx(alignment, tool_version=__version__, source=source, one_sided=one_sided)
    if output_format is AlignFormat.XLIFF:
        return to_xliff(alignment, source=source)
    if output_format is AlignFormat.TSV:
        return to_tsv(alignment).encode("utf-8")
    if output_format is AlignFormat.BEADS:
        return to_beads(alignment).encode("utf-8")
    if output_format is AlignFormat.HTML:
        return to_html(alignment).encode("utf-8")
    text = json.dumps(to_dict(alignment), ensure_ascii=False, indent=indent)
    return (text + "\n" if indent is not None else text).encode("utf-8")
