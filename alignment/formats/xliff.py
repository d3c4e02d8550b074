"""XLIFF 2.1: one unit per two-sided bead, English (the original) as the source by default."""

from __future__ import annotations

from lxml import etree

from alignment.formats.base import (
    AlignmentFormat,
    BeadRecord,
    joined_text,
    sentences_by_index,
    xml_safe,
)
from alignment.types import Alignment

XLIFF_NS = "urn:oasis:names:tc:xliff:document:2.0"
XLIFF_METADATA_NS = "urn:oasis:names:tc:xliff:metadata:2.0"


def to_xliff(alignment: Alignment, *, source: str = "en") -> bytes:
    """The two-sided beads as an XLIFF 2.1 document (UTF-8 bytes): one ``<unit>`` per bead with
    one ``<segment>``, its ``<source>`` in ``source`` ("en", the original, by default) and its
    ``<target>`` in the other language. The bead's confidence and type are metadata (the
    Metadata module, category ``alinea``); a review flag is a ``<note>`` of category
    ``x-alinea-review``."""
    if source not in ("en", "fr"):
        raise ValueError(f"source language is 'en' or 'fr', not {source!r}")
    target = "fr" if source == "en" else "en"
    x = f"{{{XLIFF_NS}}}"
    mda = f"{{{XLIFF_METADATA_NS}}}"
    root = etree.Element(
        f"{x}xliff",
        nsmap={None: XLIFF_NS, "mda": XLIFF_METADATA_NS},
        version="2.1",
        srcLang=source,
        trgLang=target,
    )
    document = etree.SubElement(root, f"{x}file", id="f1")
    sentences = {"fr": sentences_by_index(alignment.fr), "en": sentences_by_index(alignment.en)}
    for number, bead in enumerate(alignment.beads, 1):
        if not bead.fr or not bead.en:
            continue
        unit = etree.SubElement(document, f"{x}unit", id=f"u{number}")
        metadata = etree.SubElement(unit, f"{mda}metadata")
        group = etree.SubElement(metadata, f"{mda}metaGroup", category="alinea")
        for kind, value in (("confidence", f"{bead.confidence:.3f}"), ("bead-type", bead.type)):
            etree.SubElement(group, f"{mda}meta", type=kind).text = value
        if bead.review:
            notes = etree.SubElement(unit, f"{x}notes")
            etree.SubElement(notes, f"{x}note", category="x-alinea-review").text = bead.review
        segment = etree.SubElement(unit, f"{x}segment", state="translated")
        indices = {"fr": bead.fr, "en": bead.en}
        for element, lang in (("source", source), ("target", target)):
            text = joined_text(sentences[lang], indices[lang])
            etree.SubElement(segment, f"{x}{element}").text = xml_safe(text)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def read(data: bytes) -> list[BeadRecord]:
    """The units of an XLIFF file written here, as records without sentence indices."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(data, parser)
    x = f"{{{XLIFF_NS}}}"
    mda = f"{{{XLIFF_METADATA_NS}}}"
    source = root.get("srcLang", "en")
    records = []
    for unit in root.iter(f"{x}unit"):
        meta = {m.get("type"): m.text or "" for m in unit.iter(f"{mda}meta")}
        note = unit.find(f"{x}notes/{x}note[@category='x-alinea-review']")
        segment = unit.find(f"{x}segment")
        assert segment is not None
        texts = {
            source: segment.findtext(f"{x}source") or "",
            ("fr" if source == "en" else "en"): segment.findtext(f"{x}target") or "",
        }
        records.append(
            BeadRecord(
                (),
                (),
                float(meta["confidence"]),
                note.text if note is not None else None,
                texts["fr"],
                texts["en"],
            )
        )
    return records


FORMAT = AlignmentFormat(
    name="xliff",
    media_type="application/xliff+xml",
    extension="xlf",
    description="XLIFF 2.1, one unit per two-sided bead",
    write=lambda alignment, options: to_xliff(alignment, source=options.source),
    read=read,
    carries=frozenset({"confidence", "review", "fr_text", "en_text"}),
    two_sided_only=True,
)
