"""Reading SKOS vocabularies (Turtle or RDF/XML) as incoming concepts, with rdflib.

SKOS is how the UN Library (UNBIS), UNTERM, the EU (EuroVoc), FAO (AGROVOC) and UNESCO publish
their thesauri. Each ``skos:Concept`` becomes one incoming concept, the same records the TBX and
CSV readers give (:class:`~termbase.exchange.records.IncomingConcept`), so the importer applies
the same rules, merge policies, dry run and report:

=========================  ==================================================================
SKOS                       Alinea
=========================  ==================================================================
the concept's URI          concept ``source`` (and the report's ``ref``)
``skos:prefLabel@xx``      a preferred term in ``xx`` (a second one in the same language, which
                           SKOS forbids, is admitted, with a warning)
``skos:altLabel@xx``       an admitted term, with a note: a thesaurus's lead-in terms are made
                           for indexing, and are not always synonyms (some are narrower terms
                           folded into the descriptor)
``skos:hiddenLabel``       skipped (misspellings and search variants, not terms); counted
``skos:definition``        concept definition (``[xx]`` before each language's when several)
``skos:scopeNote``,        concept note (``[scope note, xx] …``, ``[note, xx] …``)
``skos:note``
``skos:broader``,          cross-references (``{"type": "broader", "target": URI, "label": …}``)
``skos:narrower``,
``skos:related``
=========================  ==================================================================

Language tags are kept as written (validated as BCP 47); a label without one, or with a tag that
is not BCP 47, is skipped with a warning, never given a language it may not have.

Hostile files: the whole file is read through the import's byte cap (and SKOS's own, lower:
rdflib holds the graph in memory); an RDF/XML file with a DOCTYPE or an entity declaration is
refused before the parser sees it (entity expansion, external entities); Turtle has neither.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from termbase.exchange.records import IncomingConcept, IncomingTerm, Position, Problem
from termbase.exchange.safe_input import CountingReader, ImportRefused
from termbase.models import MAX_LONG_FIELD_LENGTH, MAX_TERM_LENGTH
from termbase.schemas import normalize_language_tag

# rdflib keeps the whole graph in memory (about 1 KB a triple): a SKOS file is refused above this
# size whatever ALINEA_MAX_IMPORT_BYTES allows (the UNESCO Thesaurus is 3 MB).
MAX_SKOS_BYTES = 64 * 1024 * 1024

SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
DC = "http://purl.org/dc/elements/1.1/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"

ALT_LABEL_NOTE = (
    "Thesaurus lead-in term (skos:altLabel): made for indexing, not always a synonym of the "
    "preferred term (it may be a narrower term); check before using it as an equivalent."
)
_CONCEPT_CARRIES = frozenset({"definition", "note", "source"})
_TERM_CARRIES = frozenset({"status", "note"})
_RELATIONS = ("broader", "narrower", "related")
_LABEL_LANGUAGES = ("en", "fr")
_READ = (
    "prefLabel",
    "altLabel",
    "hiddenLabel",
    "definition",
    "scopeNote",
    "note",
    *_RELATIONS,
)  # whose label names a cross-reference's target


@dataclass
class SkosInfo:
    """What the file says of itself: its concept scheme (title, URI), filled in as it is read."""

    scheme: str | None = None
    title: str | None = None
    syntax: str | None = None  # turtle or xml
    hidden_labels: int = 0
    warnings: list[Problem] = field(default_factory=list)

    def collection_name(self) -> str:
        """A collection name made of the scheme's title (``UNESCO Thesaurus`` →
        ``unesco-thesaurus``), else of its URI's last part."""
        for candidate in (self.title, (self.scheme or "").rstrip("/#").rsplit("/", 1)[-1]):
            if candidate:
                slug = re.sub(r"[^a-z0-9]+", "-", candidate.lower()).strip("-._")[:80]
                if slug:
                    return slug
        return "skos-vocabulary"


def sniff_syntax(head: bytes) -> str:
    """``xml`` for RDF/XML (starts with '<'), else ``turtle``."""
    text = head.decode("utf-8", errors="ignore").removeprefix("\ufeff").lstrip()
    return "xml" if text.startswith("<") else "turtle"


def looks_like_skos(head: bytes) -> bool:
    """Whether the start of a file is Turtle or RDF/XML (for the importer's format sniffing)."""
    text = head.decode("utf-8", errors="ignore").removeprefix("\ufeff").lstrip()
    if re.match(r"(@prefix|@base|PREFIX|BASE)\s", text, re.IGNORECASE):
        return True
    return (
        "<rdf:RDF" in text[:4096]
        or "http://www.w3.org/1999/02/22-rdf-syntax-ns#" in text[:4096]
        and not re.search(r"<(tbx|martif)[\s>]", text[:4096])
    )


def _refuse_xml_declarations(data: bytes) -> None:
    """No DOCTYPE, no entity declaration: what could expand without bound or read files."""
    for marker, code, what in (
        (b"<!ENTITY", "forbidden-entity", "declares entities (<!ENTITY …)"),
        (b"<!DOCTYPE", "forbidden-dtd", "has a DOCTYPE"),
    ):
        at = data.find(marker)
        if at >= 0:
            line = data.count(b"\n", 0, at) + 1
            column = at - (data.rfind(b"\n", 0, at) + 1) + 1
            raise ImportRefused(
                f"the RDF/XML file {what}; DTDs and entity declarations are refused, as they can "
                "expand without bound or read files and URLs",
                code=code,
                line=line,
                column=column,
            )


def _parse(data: bytes, syntax: str) -> Any:
    import rdflib  # a few hundred milliseconds to import: only when a SKOS file comes

    graph = rdflib.Graph()
    try:
        graph.parse(data=data, format=syntax)
    except Exception as exc:  # rdflib raises its parsers' own errors (BadSyntax, SAX …)
        message = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise ImportRefused(
            f"not readable as SKOS in {'RDF/XML' if syntax == 'xml' else 'Turtle'}: {message}",
            code="malformed-rdf",
        ) from None
    return graph


def read_skos(reader: CountingReader, info: SkosInfo) -> Iterator[IncomingConcept]:
    """The concepts of a SKOS file, one at a time (sorted by URI: a graph has no order)."""
    from rdflib import RDF, Literal, URIRef

    if reader.max_bytes > MAX_SKOS_BYTES:
        reader.max_bytes = MAX_SKOS_BYTES
    data = reader.read()
    if not data.strip():
        raise ImportRefused("the file is empty", code="empty", line=1)
    syntax = sniff_syntax(data[:4096])
    info.syntax = syntax
    if syntax == "xml":
        _refuse_xml_declarations(data)
    graph = _parse(data, syntax)
    del data

    def uri(name: str, base: str = SKOS) -> Any:
        return URIRef(base + name)

    for scheme in sorted(graph.subjects(RDF.type, uri("ConceptScheme"))):
        info.scheme = str(scheme)
        titles = [
            o
            for p in (uri("title", DCT), uri("title", DC), uri("label", RDFS), uri("prefLabel"))
            for o in graph.objects(scheme, p)
            if isinstance(o, Literal)
        ]
        titles.sort(key=lambda o: (o.language not in (None, "en"), str(o)))
        info.title = str(titles[0]) if titles else None
        break
    # One pass over the triples, grouped by subject (for the predicates read): many times faster
    # than asking the graph for each concept's labels one predicate at a time.
    wanted = {uri(name) for name in _READ}
    concept_type = uri("Concept")
    concepts = []
    by_subject: dict[Any, dict[str, list[Any]]] = {}
    for subject, predicate, obj in graph:
        if predicate == RDF.type:
            if obj == concept_type:
                concepts.append(subject)
        elif predicate in wanted:
            by_subject.setdefault(subject, {}).setdefault(predicate[len(SKOS) :], []).append(obj)
    del graph
    concepts.sort(key=str)
    if not concepts:
        raise ImportRefused(
            "the file has no skos:Concept: not a SKOS vocabulary", code="no-concepts"
        )
    languages: dict[str, str | None] = {}

    def language(literal: Any, what: str, subject: str) -> str | None:
        tag = literal.language
        if not tag:
            info.warnings.append(
                Problem(Position(), "no-language", f"a {what} without a language tag: skipped")
            )
            return None
        if tag not in languages:
            try:
                languages[tag] = normalize_language_tag(tag)
            except ValueError:
                languages[tag] = None
        if languages[tag] is None:
            info.warnings.append(
                Problem(
                    Position(),
                    "invalid-language",
                    f"a {what} tagged '{tag}', not a BCP 47 language tag: skipped",
                )
            )
        return languages[tag]

    def label_of(target: Any) -> str | None:
        labels = {
            o.language: str(o)
            for o in by_subject.get(target, {}).get("prefLabel", ())
            if isinstance(o, Literal) and o.language
        }
        for lang in _LABEL_LANGUAGES:
            if lang in labels:
                return labels[lang][:200]
        return None

    for subject in concepts:
        values = by_subject.get(subject, {})
        ref = str(subject)
        item = IncomingConcept(position=Position(), ref=ref, carried=_CONCEPT_CARRIES)
        item.fields["source"] = ref
        seen: set[tuple[str, str]] = set()
        preferred: set[str] = set()
        for predicate, status in (("prefLabel", "preferred"), ("altLabel", "admitted")):
            for literal in sorted(values.get(predicate, ()), key=str):
                if not isinstance(literal, Literal):
                    continue
                lang = language(literal, f"skos:{predicate}", ref)
                text = " ".join(str(literal).split())
                if lang is None or not text or (lang, text) in seen:
                    continue
                if len(text) > MAX_TERM_LENGTH:
                    info.warnings.append(
                        Problem(
                            Position(),
                            "too-long",
                            f"a label over {MAX_TERM_LENGTH} characters: skipped",
                        )
                    )
                    continue
                seen.add((lang, text))
                fields: dict[str, Any] = {"lang": lang, "text": text, "status": status}
                if status == "preferred":
                    if lang in preferred:
                        fields["status"] = "admitted"
                        info.warnings.append(
                            Problem(
                                Position(),
                                "second-preferred",
                                "a concept with two skos:prefLabel in one language: the second "
                                "is imported as admitted",
                            )
                        )
                    preferred.add(lang)
                else:
                    fields["note"] = ALT_LABEL_NOTE
                item.terms.append(IncomingTerm(fields, {"": Position()}, _TERM_CARRIES))
        hidden = len(values.get("hiddenLabel", ()))
        info.hidden_labels += hidden
        if not item.terms:
            info.warnings.append(
                Problem(
                    Position(),
                    "no-labels",
                    "a skos:Concept without a label in a language: skipped",
                )
            )
            continue
        definitions = _texts(values, "definition", language, ref, "definition")
        if definitions:
            item.fields["definition"] = _joined(definitions, None, info)
        notes = _texts(values, "scopeNote", language, ref, "scope note")
        notes += _texts(values, "note", language, ref, "note")
        if notes:
            item.fields["note"] = _joined(notes, "note", info)
        references = []
        for relation in _RELATIONS:
            for target in sorted(values.get(relation, ()), key=str):
                if isinstance(target, URIRef):
                    reference = {"type": relation, "target": str(target)[:2000]}
                    label = label_of(target)
                    if label:
                        reference["label"] = label
                    references.append(reference)
        if references:
            item.fields["cross_references"] = references[:500]
        yield item


def _texts(
    values: dict[str, list[Any]], predicate: str, language: Any, ref: str, what: str
) -> list[tuple[str, str, str]]:
    """(what, lang, text) of each language-tagged literal of ``predicate``."""
    found = []
    for literal in sorted(values.get(predicate, ()), key=str):
        lang = language(literal, f"skos {what}", ref)
        if lang is None:
            continue
        text = str(literal).replace("<br>", "\n").replace("<br/>", "\n").strip()
        if text:
            found.append((what, lang, text))
    return found


def _joined(parts: list[tuple[str, str, str]], label: str | None, info: SkosInfo) -> str:
    """The texts as one field: ``[en] …`` per language (``[scope note, en] …`` for notes); a
    single definition as it is."""
    if label is None and len(parts) == 1:
        text = parts[0][2]
    else:
        text = "\n\n".join(
            f"[{what}, {lang}] {body}" if label else f"[{lang}] {body}"
            for what, lang, body in parts
        )
    if len(text) > MAX_LONG_FIELD_LENGTH:
        info.warnings.append(
            Problem(
                Position(),
                "truncated",
                f"a concept's {label or 'definition'} over {MAX_LONG_FIELD_LENGTH:,} characters "
                "was cut",
            )
        )
        text = text[: MAX_LONG_FIELD_LENGTH - 1] + "…"
    return text
