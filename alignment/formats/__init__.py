"""Writing an :class:`~alignment.types.Alignment` out: the registry of output formats.

Each format is one module behind one interface (:class:`~alignment.formats.base.AlignmentFormat`:
its name, media type, extension, a ``write`` and, where the file can be read back, a ``read``),
registered in :data:`FORMATS` below. The service's ``format`` query values, the command line's
``--format`` choices, the OpenAPI ``content`` map and the round-trip tests
(``tests/alignment/test_format_registry.py``) all come from this registry: a new format is one
module plus one line here.

Writers that need only the sentence beads (TMX, TSV) take bead records, so the job results write
a batch with the very same code. None needs anything beyond the standard library and lxml.
"""

from __future__ import annotations

from alignment.formats import beads, json_doc, side_by_side, tmx, tsv, xliff
from alignment.formats.base import (
    AlignmentFormat,
    BeadRecord,
    WriteOptions,
    bead_records,
    stored_records,
    xml_safe,
)
from alignment.formats.beads import format_beads, parse_beads, to_beads
from alignment.formats.json_doc import summary, to_dict
from alignment.formats.side_by_side import to_html
from alignment.formats.tmx import tmx_chunks, to_tmx, write_tmx
from alignment.formats.tsv import TSV_COLUMNS, to_tsv, tsv_header, tsv_rows
from alignment.formats.xliff import to_xliff

__all__ = [
    "FORMATS",
    "TSV_COLUMNS",
    "AlignmentFormat",
    "BeadRecord",
    "WriteOptions",
    "bead_records",
    "format_beads",
    "get",
    "parse_beads",
    "stored_records",
    "summary",
    "tmx_chunks",
    "to_beads",
    "to_dict",
    "to_html",
    "to_tmx",
    "to_tsv",
    "to_xliff",
    "tsv_header",
    "tsv_rows",
    "write_tmx",
    "xml_safe",
]

#: The output formats by name, in the order they are offered (the first is the default).
FORMATS: dict[str, AlignmentFormat] = {
    module.FORMAT.name: module.FORMAT for module in (json_doc, tmx, xliff, tsv, beads, side_by_side)
}


def get(name: str) -> AlignmentFormat:
    """The format called ``name``; a ``ValueError`` listing the formats for any other name."""
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(f"the format is one of {', '.join(FORMATS)}, not {name!r}") from None
