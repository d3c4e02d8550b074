"""Request and response bodies of the look-up, recognition and alignment API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from termbase.index import IndexedConcept, IndexedTerm, LookupHit, RecognizedSpan
from termbase.schemas import (
    CollectionName,
    ConceptOut,
    LanguageTag,
    PossibleDuplicate,
    RevisionOut,
    TermOut,
)


class TermView(BaseModel):
    """A term as a translator sees it in a result."""

    text: str
    lang: str
    status: str
    type: str
    part_of_speech: str | None = None
    note: str | None = None
    context: str | None = None
    source: str | None = None
    deprecated: bool = Field(description="True for a deprecated or superseded term: do not use it.")

    @classmethod
    def of(cls, term: IndexedTerm) -> TermView:
        # model_construct: the index's data is already valid; validating it again per request
        # would cost more than the look-up itself.
        return cls.model_construct(
            text=term.text,
            lang=term.lang,
            status=term.status,
            type=term.term_type,
            part_of_speech=term.part_of_speech,
            note=term.note,
            context=term.context,
            source=term.source,
            deprecated=term.status in ("deprecated", "superseded"),
        )


class ConceptMatch(BaseModel):
    """A concept found by a look-up: what matched, and the equivalents in the target language."""

    concept_id: int
    collection: str = Field(
        default="",
        description="The collection the concept belongs to (`un-seed`, `team`, a vocabulary …); "
        "answers come in the order of their collections' priority.",
    )
    score: float = Field(description="1.0 for an exact match; lower for prefix and fuzzy matches.")
    matched: TermView = Field(description="The source-language term that matched the query.")
    equivalents: list[TermView] = Field(
        description="Target-language terms: preferred first, deprecated last and flagged."
    )
    warnings: list[str] = Field(
        description="Traps to know about: deprecated terms and their notes, the concept's note."
    )
    subject_field: str | None = None
    definition: str | None = None
    note: str | None = None
    source: str | None = None


def _warnings(
    concept: IndexedConcept, matched: IndexedTerm, equivalents: list[IndexedTerm]
) -> list[str]:
    warnings = []
    if matched.status in ("deprecated", "superseded"):
        warnings.append(
            f"'{matched.text}' is {matched.status}" + (f": {matched.note}" if matched.note else "")
        )
    for term in equivalents:
        if term.status in ("deprecated", "superseded"):
            warnings.append(
                f"do not use '{term.text}' ({term.status})"
                + (f": {term.note}" if term.note else "")
            )
    if not any(t.status not in ("deprecated", "superseded") for t in equivalents):
        warnings.append("no usable equivalent in the target language")
    return warnings


def concept_match(
    concept: IndexedConcept, matched: IndexedTerm, score: float, tgt: str
) -> ConceptMatch:
    equivalents = concept.terms_in(tgt)
    return ConceptMatch.model_construct(
        concept_id=concept.id,
        collection=concept.collection,
        score=score,
        matched=TermView.of(matched),
        equivalents=[TermView.of(t) for t in equivalents],
        warnings=_warnings(concept, matched, equivalents),
        subject_field=concept.subject_field,
        definition=concept.definition,
        note=concept.note,
        source=concept.source,
    )


def lookup_item(hit: LookupHit, tgt: str) -> ConceptMatch:
    return concept_match(hit.concept, hit.matched, hit.score, tgt)


class LookupPage(BaseModel):
    query: str
    src: str
    tgt: str
    match: str
    items: list[ConceptMatch]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; null on the last page."
    )


class RecognizeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="Running text, e.g. a pasted paragraph.")
    src: LanguageTag = Field(description="Language of the text.")
    tgt: LanguageTag = Field(description="Language of the equivalents to return.")
    collections: list[CollectionName] | None = Field(
        default=None,
        max_length=100,
        description="Only terms of these collections (GET /v1/collections); default: every "
        "collection but the candidates awaiting review.",
    )


class RecognizedTerm(BaseModel):
    """One termbase term found in the text."""

    start: int = Field(description="Offset of the first character, in Unicode code points.")
    end: int = Field(description="Offset just past the last character.")
    text: str = Field(description="The text as it stands at [start, end).")
    concepts: list[ConceptMatch] = Field(
        description="The concepts with a term matching here (more than one when ambiguous)."
    )


class RecognizeResponse(BaseModel):
    src: str
    tgt: str
    terms: list[RecognizedTerm] = Field(description="The terms found, in text order.")
    found: int = Field(description="How many terms the text holds.")
    truncated: bool = Field(
        description="True when the text holds more terms than one answer gives "
        "(ALINEA_MAX_RECOGNIZE_MATCHES): `terms` then has the first ones."
    )


def recognized_terms(spans: list[RecognizedSpan], tgt: str) -> list[RecognizedTerm]:
    """Response items for recognised spans; a term found many times is described once."""
    described: dict[tuple[int, int], ConceptMatch] = {}

    def describe(concept: IndexedConcept, matched: IndexedTerm, score: float) -> ConceptMatch:
        key = (concept.id, matched.term_id)
        match = described.get(key)
        if match is None:
            match = described[key] = concept_match(concept, matched, score, tgt)
        return match

    return [
        RecognizedTerm.model_construct(
            start=span.start,
            end=span.end,
            text=span.text,
            concepts=[describe(h.concept, h.matched, h.score) for h in span.matches],
        )
        for span in spans
    ]


class ConceptPage(BaseModel):
    items: list[ConceptOut]
    next_cursor: str | None = None


class HistoryPage(BaseModel):
    items: list[RevisionOut]


class TermWritten(TermOut):
    """A term as a write left it: its concept's new revision and possible duplicates."""

    concept_revision: int = Field(description="The concept's revision after the change.")
    possible_duplicates: list[PossibleDuplicate] = Field(default_factory=list)


class Health(BaseModel):
    status: str
    checks: dict[str, str] = Field(default_factory=dict)


# -- alignment -----------------------------------------------------------------------------------

MAX_ANCHORS = 10_000
AnchorTerm = Annotated[str, StringConstraints(min_length=1, max_length=500)]
SideText = Annotated[
    str | list[str],
    Field(
        description="A document as one string, or its sentences as a list of strings (one "
        "sentence per item, in order; a blank item separates paragraphs). A list is "
        "pre-segmented, and both sides must then be lists."
    ),
]


class AlignOptionsIn(BaseModel):
    """How to align: shared by ``POST /v1/align`` and the options of a batch job."""

    model_config = ConfigDict(extra="forbid")

    presegmented: bool = Field(
        default=False,
        description="The strings hold one sentence a line, an empty line between paragraphs "
        "(the align-dev layout), rather than raw document text. Implied for lists.",
    )
    anchors: list[tuple[AnchorTerm, AnchorTerm]] = Field(
        default_factory=list,
        max_length=MAX_ANCHORS,
        description="Extra French/English term pairs, e.g. termbase equivalents, that count as "
        'translation links: `[["traite des personnes", "trafficking in persons"], …]`.',
    )


def check_sides(fr: str | list[str], en: str | list[str], where: str = "") -> None:
    """Both sides texts or both lists of sentences, and no line break inside a sentence."""
    if isinstance(fr, list) != isinstance(en, list):
        raise ValueError(
            f"{where}fr and en must both be texts or both be lists of sentences, not one of each"
        )
    for name, side in (("fr", fr), ("en", en)):
        if isinstance(side, list):
            for number, sentence in enumerate(side):
                if "\n" in sentence or "\r" in sentence:
                    raise ValueError(
                        f"{where}{name}[{number}] holds a line break: give one sentence per item"
                    )


class AlignRequest(AlignOptionsIn):
    """A French translation and its English original to align."""

    fr: SideText
    en: SideText

    @model_validator(mode="after")
    def _sides_agree(self) -> AlignRequest:
        check_sides(self.fr, self.en)
        return self

    @property
    def is_presegmented(self) -> bool:
        return self.presegmented or isinstance(self.fr, list)


class AlignedSentence(BaseModel):
    """One sentence of one side. Offsets are in code points, into the side's text as sent."""

    index: int = Field(description="Position among the side's sentences, body then footnotes.")
    text: str = Field(description="The sentence as aligned (pieces cut by a page break joined).")
    start: int
    end: int
    spans: list[tuple[int, int]] = Field(description="Where its pieces are in the input.")
    paragraph: int
    furniture: bool = Field(description="Page furniture kept in pre-segmented input.")


class AlignedParagraph(BaseModel):
    index: int
    sentences: list[int]
    footnote: bool


class AlignedSide(BaseModel):
    lang: str
    sentences: list[AlignedSentence]
    paragraphs: list[AlignedParagraph]
    dropped: list[tuple[int, int]] = Field(
        description="Spans of page furniture removed from raw input."
    )


class SentenceBead(BaseModel):
    """French sentences linked to English sentences (either side may be empty)."""

    fr: list[int]
    en: list[int]
    type: str = Field(description='"{French count}-{English count}", e.g. "1-1", "2-1", "1-0".')
    confidence: float = Field(
        ge=0, le=1, description="The chance that the bead is right (calibrated on held-out data)."
    )
    review: Literal["omission", "addition", "mismatch"] | None = Field(
        description="Why a translator should look at the bead: an English sentence with no "
        "French (omission), a French sentence with no English (addition; page furniture "
        "excepted), or sides that share almost nothing (mismatch); null when nothing is amiss."
    )


class ParagraphBeadOut(BaseModel):
    """Paragraphs linked across sides, with the sentence beads inside them."""

    fr: list[int]
    en: list[int]
    type: str
    confidence: float = Field(ge=0, le=1)
    footnotes: bool
    sentences: list[SentenceBead]


class ReviewCounts(BaseModel):
    omission: int
    addition: int
    mismatch: int


class AlignSummary(BaseModel):
    """How many beads, how many under confidence 0.5, how many to review (by reason)."""

    beads: int
    low_confidence: int
    review: ReviewCounts


class AlignResponse(BaseModel):
    """The alignment: both sides segmented, and the beads that cover every sentence of both."""

    fr: AlignedSide
    en: AlignedSide
    paragraphs: list[ParagraphBeadOut] = Field(description="Body first, then footnotes.")
    summary: AlignSummary
    warnings: list[str] = Field(
        description="Reasons to doubt the result, e.g. both sides in the same language."
    )
