"""TMX 1.4b: a translation memory, one unit per two-sided bead, written as a stream.

Written through lxml so that escaping and encoding are never done by hand; :func:`tmx_chunks`
yields the document as it is built from bead records, so a batch of any size (a job's results)
streams in flat memory, and :func:`to_tmx` is the same over one or several alignments.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import BinaryIO

from lxml import etree

from alignment.formats.base import (
    AlignmentFormat,
    BeadRecord,
    bead_records,
    xml_safe,
)
from alignment.types import Alignment

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CHUNK_BYTES = 65536


def to_tmx(
    alignment: Alignment | Iterable[Alignment],
    *,
    tool_version: str,
    source: str = "en",
    names: Iterable[str] | None = None,
    min_confidence: float = 0.0,
    one_sided: bool = False,
    created: datetime | None = None,
) -> bytes:
    """One or several alignments as a TMX 1.4b document (UTF-8 bytes); see :func:`tmx_chunks`.

    With ``names`` (one per alignment, in order) each unit says which document it comes from.
    """
    alignments = [alignment] if isinstance(alignment, Alignment) else list(alignment)
    labels: Sequence[str | None] = [None] * len(alignments) if names is None else list(names)
    if len(labels) != len(alignments):
        raise ValueError(f"{len(labels)} names given for {len(alignments)} alignments")
    records = (
        record
        for label, one in zip(labels, alignments, strict=True)
        for record in bead_records(one, label)
    )
    return b"".join(
        tmx_chunks(
            records,
            tool_version=tool_version,
            source=source,
            min_confidence=min_confidence,
            one_sided=one_sided,
            created=created,
        )
    )


def write_tmx(
    alignments: Iterable[tuple[str | None, Alignment]],
    out: BinaryIO,
    *,
    tool_version: str,
    source: str = "en",
    min_confidence: float = 0.0,
    one_sided: bool = False,
    created: datetime | None = None,
) -> int:
    """Stream ``(name, alignment)`` pairs to ``out`` as TMX 1.4b; return the number of units."""
    units = 0

    def kept() -> Iterator[BeadRecord]:
        nonlocal units
        for name, alignment in alignments:
            for record in bead_records(alignment, name):
                if keeps(record, min_confidence, one_sided):
                    units += 1
                    yield record

    for chunk in tmx_chunks(
        kept(), tool_version=tool_version, source=source, one_sided=True, created=created
    ):
        out.write(chunk)
    return units


def keeps(record: BeadRecord, min_confidence: float = 0.0, one_sided: bool = False) -> bool:
    """Whether a bead becomes a unit (see :func:`tmx_chunks`)."""
    if record.two_sided:
        return record.confidence >= min_confidence
    return one_sided


def tmx_chunks(
    records: Iterable[BeadRecord],
    *,
    tool_version: str,
    source: str = "en",
    min_confidence: float = 0.0,
    one_sided: bool = False,
    created: datetime | None = None,
) -> Iterator[bytes]:
    """Bead records as a TMX 1.4b document, yielded in chunks of about 64 KiB as it is written.

    Valid against the TMX 1.4b DTD. ``source`` ("en", the original, by default; or "fr") is
    the header's ``srclang`` and comes first in each unit. Each bead with sentences on both
    sides and a confidence of at least ``min_confidence`` is one ``<tu>``, carrying
    ``x-alinea-confidence``, ``x-alinea-bead-type``, ``x-alinea-review`` (when the bead is
    flagged) and, when the record names its document, ``x-alinea-document`` properties, then
    the ``<tuv>`` of each language. One-sided beads translate nothing and are left out, unless
    ``one_sided``: then each is a unit with its one ``<tuv>`` (an omission or addition to look
    at; most translation-memory tools skip such units). ``created`` (default: now) is the
    header's ``creationdate``, in UTC.
    """
    if source not in ("en", "fr"):
        raise ValueError(f"source language is 'en' or 'fr', not {source!r}")
    stamp = (created or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    header = etree.Element(
        "header",
        creationtool="Alinea",
        creationtoolversion=xml_safe(tool_version),
        segtype="sentence",
        # o-tmf names the format the memory came from; there is none but our own.
        **{"o-tmf": "Alinea"},
        adminlang="en",
        srclang=source,
        datatype="plaintext",
        creationdate=stamp,
    )
    sink = _Sink()
    with etree.xmlfile(sink, encoding="utf-8", buffered=False) as xf:
        xf.write_declaration()
        xf.write_doctype('<!DOCTYPE tmx SYSTEM "tmx14.dtd">')
        with xf.element("tmx", version="1.4"):
            xf.write("\n  ")
            xf.write(header)
            xf.write("\n  ")
            with xf.element("body"):
                for record in records:
                    if not keeps(record, min_confidence, one_sided):
                        continue
                    xf.write("\n    ")
                    xf.write(_unit(record, source))
                    if sink.size >= CHUNK_BYTES:
                        yield sink.take()
                xf.write("\n  ")
            xf.write("\n")
    yield sink.take()


class _Sink:
    """What lxml writes to: the bytes written since the last :meth:`take`."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        self.size = 0
        return data


def _unit(record: BeadRecord, source: str) -> etree._Element:
    unit = etree.Element("tu")
    properties = [
        ("x-alinea-confidence", f"{record.confidence:.3f}"),
        ("x-alinea-bead-type", record.type),
    ]
    if record.review:
        properties.append(("x-alinea-review", record.review))
    if record.document is not None:
        properties.append(("x-alinea-document", record.document))
    for kind, value in properties:
        etree.SubElement(unit, "prop", type=kind).text = xml_safe(value)
    sides = [("en", record.en_text, record.en), ("fr", record.fr_text, record.fr)]
    if source == "fr":
        sides.reverse()
    for lang, text, indices in sides:
        if indices:
            variant = etree.SubElement(unit, "tuv", {XML_LANG: lang})
            etree.SubElement(variant, "seg").text = xml_safe(text)
    return unit


def read(data: bytes) -> list[BeadRecord]:
    """The units of a TMX file written here, as records without sentence indices."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(data, parser)
    records = []
    for unit in root.iter("tu"):
        props = {prop.get("type"): prop.text or "" for prop in unit.findall("prop")}
        texts = {tuv.get(XML_LANG): tuv.findtext("seg") or "" for tuv in unit.findall("tuv")}
        records.append(
            BeadRecord(
                (),
                (),
                float(props["x-alinea-confidence"]),
                props.get("x-alinea-review"),
                texts.get("fr", ""),
                texts.get("en", ""),
                props.get("x-alinea-document"),
            )
        )
    return records


FORMAT = AlignmentFormat(
    name="tmx",
    media_type="application/x-tmx+xml",
    extension="tmx",
    description="TMX 1.4b, one unit per two-sided bead",
    write=lambda alignment, options: b"".join(
        tmx_chunks(
            bead_records(alignment),
            tool_version=options.tool_version,
            source=options.source,
            one_sided=options.one_sided,
            created=options.created,
        )
    ),
    read=read,
    carries=frozenset({"confidence", "review", "fr_text", "en_text"}),
    two_sided_only=True,
    one_sided_option=True,
)
