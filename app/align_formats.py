"""The formats an alignment is written in, shared by ``POST /v1/align`` and ``alinea align``.

Everything here is generated from the registry of :mod:`alignment.formats`: the ``format`` query
enum, the command line's choices, the OpenAPI ``content`` map and the media types.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from alignment.formats import FORMATS, WriteOptions
from alignment.types import Alignment
from app import __version__, formats

if TYPE_CHECKING:

    class AlignFormat(StrEnum):
        """An output format of an alignment (members generated from the registry)."""

else:
    AlignFormat = formats.names_enum("AlignFormat", FORMATS)

DEFAULT_FORMAT = AlignFormat(next(iter(FORMATS)))
CHOICES = tuple(FORMATS)


def described() -> str:
    """The formats for a help text: ``json (default: …), tmx (…), …``."""
    return formats.described({name: f.description for name, f in FORMATS.items()})


def media_type(output_format: str) -> str:
    return FORMATS[output_format].media_type


class SourceLanguage(StrEnum):
    """The source language of a translation memory: English, the original, or French."""

    EN = "en"
    FR = "fr"


def render(
    alignment: Alignment,
    output_format: str,
    *,
    indent: int | None = None,
    source: str = "en",
    one_sided: bool = False,
) -> bytes:
    """The alignment written in ``output_format``, as UTF-8 bytes to send or save.

    ``indent`` pretty-prints JSON (the other formats have a fixed layout); ``source`` is the
    source language of TMX and XLIFF, ``one_sided`` adds one-sided beads to TMX.
    """
    options = WriteOptions(
        indent=indent, source=source, one_sided=one_sided, tool_version=__version__
    )
    return FORMATS[output_format].write(alignment, options)
