"""The registry of termbase exchange formats: TBX v3, TBX v2, CSV, TSV and SKOS.

A format is one module (``tbx_read``/``tbx_write``, ``csv_io``) behind one interface,
:class:`ExchangeFormat`: its name, media type, file extension, the media types an upload of it
may come as, a ``read`` (a byte stream to incoming concepts) and/or a ``write`` (chunks of
exported concepts to bytes). :func:`~termbase.exchange.export.export_termbase` and
:func:`~termbase.exchange.importer.import_termbase` pick the format here, never by ``if``; the
service's ``format`` enums, its OpenAPI ``content`` maps, the command line's ``--format``
choices and the round-trip tests (``tests/termbase/test_exchange_formats.py``) are made from
:data:`FORMATS`. A new format is its module plus one entry below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, BinaryIO, cast

if TYPE_CHECKING:
    from termbase.exchange.records import ExportConcept, IncomingConcept, Position
    from termbase.exchange.safe_input import CountingReader
    from termbase.exchange.tbx_read import TbxInfo as ReadInfo

# The formats' modules are imported when a file is read or written, not with the registry: the
# command line builds its --format help from here and should not load lxml and the schemas.


@dataclass(frozen=True)
class ExportContext:
    """What a writer may need besides the concepts: the file's header text, whether the export
    left terms out (``partial``), and the languages exported (asked for only by the writers
    that need them, since it costs a query)."""

    description: str = ""
    partial: bool = False
    languages: Callable[[], list[str]] = field(default=lambda: [])


Reader = Callable[["CountingReader", "ReadInfo"], Iterator["IncomingConcept"]]
Writer = Callable[[Iterable[list["ExportConcept"]], ExportContext], Iterator[bytes]]
ColumnFinder = Callable[[BinaryIO, list["Position"]], list[int | None]]


@dataclass(frozen=True)
class ExchangeFormat:
    """One termbase file format.

    ``accepts`` lists the media types an upload in this format may be sent as (the first is
    ``media_type``'s own); ``read`` and ``write`` are ``None`` for a format read or written
    only; ``find_columns`` looks up, after reading, the columns of problems known by line and
    tag only (XML); ``reads_as`` names the format whose reader reads this one's files (TBX v2 is
    read by the one TBX reader).
    """

    name: str
    media_type: str
    extension: str
    description: str
    accepts: tuple[str, ...] = ()
    read: Reader | None = None
    write: Writer | None = None
    find_columns: ColumnFinder | None = None
    reads_as: str | None = None
    file_suffix: str = ""

    @property
    def mime(self) -> str:
        """The media type without its parameters."""
        return self.media_type.split(";")[0].strip()


def _read_tbx(reader: CountingReader, info: ReadInfo) -> Iterator[IncomingConcept]:
    from termbase.exchange.tbx_read import read_tbx

    return read_tbx(reader, info)


def _fill_columns(source: BinaryIO, positions: list[Position]) -> list[int | None]:
    from termbase.exchange.tbx_read import fill_columns

    return fill_columns(source, positions)


def _write_tbx(version: int) -> Writer:
    def write(chunks: Iterable[list[ExportConcept]], context: ExportContext) -> Iterator[bytes]:
        from termbase.exchange.tbx_write import Header, write_tbx

        header = Header(description=context.description)
        return write_tbx(chunks, version=version, header=header, partial=context.partial)

    return write


def _read_csv(tab: bool) -> Reader:
    def read(reader: CountingReader, info: ReadInfo) -> Iterator[IncomingConcept]:
        from termbase.exchange import csv_io

        return csv_io.read_csv(reader, tab=tab, warnings=info.warnings)

    return read


def _read_skos(reader: CountingReader, info: ReadInfo) -> Iterator[IncomingConcept]:
    from termbase.exchange import skos

    return skos.read_skos(reader, info.skos)


def _write_csv(tab: bool) -> Writer:
    def write(chunks: Iterable[list[ExportConcept]], context: ExportContext) -> Iterator[bytes]:
        from termbase.exchange import csv_io

        return csv_io.write_csv(chunks, context.languages(), tab=tab)

    return write


#: The exchange formats by name; the first is the default of an export.
FORMATS: dict[str, ExchangeFormat] = {
    f.name: f
    for f in (
        ExchangeFormat(
            "tbx",
            "application/xml",
            "tbx",
            "TBX v3, TBX-Basic, DCA (an import reads v2 too)",
            accepts=(
                "application/xml",
                "text/xml",
                "application/x-tbx+xml",
                "application/tbx+xml",
                "application/x-tbx",
            ),
            read=_read_tbx,
            write=_write_tbx(3),
            find_columns=_fill_columns,
        ),
        ExchangeFormat(
            "tbx2",
            "application/xml",
            "tbx",
            "TBX v2 (martif), TBX-Basic",
            write=_write_tbx(2),
            reads_as="tbx",
            file_suffix="-v2",
        ),
        ExchangeFormat(
            "csv",
            "text/csv; charset=utf-8; header=present",
            "csv",
            "one term a row",
            accepts=("text/csv", "application/csv"),
            read=_read_csv(tab=False),
            write=_write_csv(tab=False),
        ),
        ExchangeFormat(
            "tsv",
            "text/tab-separated-values; charset=utf-8",
            "tsv",
            "CSV's columns, tab-separated",
            accepts=("text/tab-separated-values",),
            read=_read_csv(tab=True),
            write=_write_csv(tab=True),
        ),
        ExchangeFormat(
            "skos",
            "text/turtle",
            "ttl",
            "SKOS in Turtle or RDF/XML (a published vocabulary; read only)",
            accepts=("text/turtle", "application/rdf+xml"),
            read=_read_skos,
        ),
    )
}

#: The formats an import reads, and those an export writes, by name.
READABLE = {name: f for name, f in FORMATS.items() if f.read is not None}
WRITABLE = {name: f for name, f in FORMATS.items() if f.write is not None}
#: "auto": the importer tells the format from the content.
AUTO = "auto"


def get(name: str) -> ExchangeFormat:
    """The format called ``name``; a ``ValueError`` listing the formats for any other name."""
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(f"the format is one of {', '.join(FORMATS)}, not {name!r}") from None


def by_media_type(media_type: str) -> ExchangeFormat | None:
    """The readable format an upload sent as ``media_type`` (no parameters, lower case) is in."""
    for f in READABLE.values():
        if media_type in f.accepts:
            return f
    return None


def _names_enum(name: str, names: Iterable[str]) -> type[StrEnum]:
    return cast(type[StrEnum], StrEnum(name, [(value.upper(), value) for value in names]))


# The enums of a route's ``format`` query (FastAPI validates them and lists them in OpenAPI),
# made from the registry; code names formats by their string, never by these members.
if TYPE_CHECKING:

    class ExportFormat(StrEnum):
        """A format the termbase is exported in (members generated from the registry)."""

    class ImportFormat(StrEnum):
        """A format a termbase file is imported from, or ``auto`` (generated)."""

else:
    ExportFormat = _names_enum("ExportFormat", WRITABLE)
    ImportFormat = _names_enum("ImportFormat", (AUTO, *READABLE))
