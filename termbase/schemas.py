"""What a concept and its terms look like coming in and going out, with the termbase's rules.

These models are the termbase's own contract (the API, the CLI, the seed loader and the importers
all build them), so the rules live here once: BCP 47 language tags, non-empty terms, field limits,
at most one preferred term per language in a concept, no term twice.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any, Self

import langcodes
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from termbase.models import (
    MAX_COLLECTION_NAME,
    MAX_LANG_LENGTH,
    MAX_LONG_FIELD_LENGTH,
    MAX_SHORT_FIELD_LENGTH,
    MAX_TERM_LENGTH,
    PartOfSpeech,
    TermStatus,
    TermType,
)

# RFC 5646 syntax only (alphanumeric subtags of 1-8 characters joined by hyphens); whether the
# subtags exist is asked of the IANA registry through langcodes.
_BCP47_SHAPE = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
# Unicode's control characters (category Cc: U+0000-U+001F, U+007F-U+009F) but tab and line breaks.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# What XML 1.0 cannot carry besides those (surrogates, U+FFFE, U+FFFF) and Unicode's other
# non-characters (U+FDD0-U+FDEF, and the last two code points of every plane): a term written
# with one could not be exported as it is, so it is refused at input. One character class of
# ranges for the Basic Multilingual Plane (a class of astral code points is several times
# slower in Python's re), and a look at the astral characters of the rare text that has some.
_REFUSED_BMP = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@lru_cache(maxsize=4096)  # an import validates the same few tags hundreds of thousands of times
def normalize_language_tag(tag: str) -> str:
    """Validate a BCP 47 tag and return its canonical spelling (``FR-ca`` -> ``fr-CA``)."""
    tag = tag.strip()
    if not _BCP47_SHAPE.match(tag):
        raise ValueError(f"'{tag}' is not a well-formed BCP 47 language tag")
    try:
        valid = langcodes.tag_is_valid(tag)
    except (ValueError, LookupError):
        valid = False
    if not valid:
        raise ValueError(f"'{tag}' is not a registered BCP 47 language tag")
    return str(langcodes.standardize_tag(tag))


def _clean_text(value: str) -> str:
    """NFC, trimmed; control characters and code points XML cannot carry refused."""
    check_code_points(value)
    value = unicodedata.normalize("NFC", value)
    return value.strip()


def check_code_points(value: str) -> None:
    """Refuse control characters (but tab and line breaks), surrogates and non-characters."""
    found = _REFUSED_BMP.search(value)
    if found is None and not value.isascii():
        found = next(
            (m for m in _ASTRAL.finditer(value) if ord(m.group()) & 0xFFFE == 0xFFFE), None
        )
    if found is None:
        return
    code = ord(found.group())
    if _CONTROL.match(found.group()):
        raise ValueError("must not contain control characters")
    kind = "a surrogate" if 0xD800 <= code <= 0xDFFF else "a Unicode non-character"
    raise ValueError(
        f"must not contain U+{code:04X} ({kind}, which XML and exchange files cannot carry)"
    )


def _single_line(value: str) -> str:
    value = " ".join(_clean_text(value).split())
    if not value:
        raise ValueError("must not be empty")
    return value


def _optional_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = _clean_text(value)
    return value or None


CollectionName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, max_length=MAX_COLLECTION_NAME, pattern=r"^[a-z0-9][a-z0-9._-]*$"
    ),
]

LanguageTag = Annotated[
    str,
    StringConstraints(max_length=MAX_LANG_LENGTH),
    AfterValidator(normalize_language_tag),
]
TermText = Annotated[
    str, StringConstraints(max_length=MAX_TERM_LENGTH), AfterValidator(_single_line)
]
ShortText = Annotated[
    str | None,
    Field(default=None, max_length=MAX_SHORT_FIELD_LENGTH),
    AfterValidator(_optional_text),
]
LongText = Annotated[
    str | None,
    Field(default=None, max_length=MAX_LONG_FIELD_LENGTH),
    AfterValidator(_optional_text),
]


class TermIn(BaseModel):
    """A term as a client writes it."""

    model_config = ConfigDict(extra="forbid")

    lang: LanguageTag = Field(description="BCP 47 language tag, e.g. `fr`, `en`, `fr-CA`.")
    text: TermText = Field(description="The term itself.")
    status: TermStatus = TermStatus.ADMITTED
    type: TermType = TermType.FULL_FORM
    part_of_speech: PartOfSpeech | None = None
    context: LongText = None
    source: LongText = None
    note: LongText = None


def check_terms(terms: Sequence[TermIn]) -> None:
    preferred: set[str] = set()
    seen: set[tuple[str, str]] = set()
    for term in terms:
        if term.status is TermStatus.PREFERRED:
            if term.lang in preferred:
                raise ValueError(
                    f"a concept has at most one preferred term per language ({term.lang})"
                )
            preferred.add(term.lang)
        if (term.lang, term.text) in seen:
            raise ValueError(f"the term '{term.text}' ({term.lang}) is listed twice")
        seen.add((term.lang, term.text))


class CrossReference(BaseModel):
    """A link from a concept to another one, as a vocabulary gives it (SKOS broader, narrower,
    related): the other concept's URI, and its label where known."""

    model_config = ConfigDict(extra="forbid")

    type: Annotated[str, StringConstraints(pattern=r"^(broader|narrower|related)$")]
    target: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    label: ShortText = None


class ConceptIn(BaseModel):
    """A concept as a client creates it: its fields and at least one term."""

    model_config = ConfigDict(extra="forbid")

    subject_field: ShortText = None
    definition: LongText = None
    note: LongText = None
    source: LongText = None
    collection: CollectionName | None = Field(
        default=None,
        description="The collection the concept belongs to (GET /v1/collections); default: the "
        "team's (`team`).",
    )
    terms: list[TermIn] = Field(min_length=1, max_length=500)
    cross_references: list[CrossReference] | None = Field(
        default=None,
        max_length=500,
        description="Related concepts elsewhere (a thesaurus's broader, narrower, related).",
    )

    @model_validator(mode="after")
    def _terms_are_consistent(self) -> Self:
        check_terms(self.terms)
        return self


class TermItem(TermIn):
    """A term in a PATCH of a concept: ``id`` names the term to keep or change (as GET gives it);
    without one, a term of the same language and text is kept, any other is new."""

    id: int | None = Field(default=None, description="The id of a term of this concept.")


class ConceptPatch(BaseModel):
    """A partial update: only the fields present change; ``terms``, if given, replaces them all.

    The body of ``GET /v1/concepts/{id}`` is a valid patch (read, modify, write back): its ``id``
    must be the concept's, its ``revision`` is a precondition like ``If-Match``, the terms' ``id``
    say which terms are kept or changed, and the read-only fields are ignored.
    """

    model_config = ConfigDict(extra="forbid")

    id: int | None = Field(default=None, description="If given, the concept's own id.")
    revision: int | None = Field(
        default=None,
        description="If given, the revision the change is based on: refused (412) if the concept "
        "is at another one.",
    )
    created_at: datetime | None = Field(default=None, description="Read-only; ignored.")
    updated_at: datetime | None = Field(default=None, description="Read-only; ignored.")
    possible_duplicates: list[dict[str, Any]] | None = Field(
        default=None, description="Read-only (in the answer of a write); ignored."
    )
    subject_field: ShortText = None
    definition: LongText = None
    note: LongText = None
    source: LongText = None
    collection: CollectionName | None = Field(
        default=None, description="If given, the collection the concept moves to."
    )
    cross_references: list[CrossReference] | None = Field(
        default=None, description="Read-only here (kept from a vocabulary); ignored."
    )
    terms: list[TermItem] | None = Field(default=None, min_length=1, max_length=500)

    @model_validator(mode="after")
    def _terms_are_consistent(self) -> Self:
        if "terms" in self.model_fields_set and self.terms is None:
            raise ValueError("terms cannot be null; send the full list of terms")
        if self.terms is not None:
            check_terms(self.terms)
            ids = [term.id for term in self.terms if term.id is not None]
            if len(ids) != len(set(ids)):
                raise ValueError("a term id is listed twice")
        return self

    def field_changes(self) -> dict[str, Any]:
        """The concept fields this patch sets (present in the body), by name."""
        return {
            name: getattr(self, name)
            for name in ("subject_field", "definition", "note", "source")
            if name in self.model_fields_set
        }


class TermPatch(BaseModel):
    """A change to one term: only the fields present change (null clears an optional one)."""

    model_config = ConfigDict(extra="forbid")

    id: int | None = Field(default=None, description="If given, the term's own id.")
    lang: LanguageTag | None = None
    text: TermText | None = None
    status: TermStatus | None = None
    type: TermType | None = None
    part_of_speech: PartOfSpeech | None = None
    context: LongText = None
    source: LongText = None
    note: LongText = None

    @model_validator(mode="after")
    def _required_stay(self) -> Self:
        for name in ("lang", "text", "status", "type"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class TermOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    lang: str
    text: str
    status: TermStatus
    type: TermType
    part_of_speech: PartOfSpeech | None = None
    context: str | None = None
    source: str | None = None
    note: str | None = None


class ConceptOut(BaseModel):
    id: int
    revision: int = Field(description="Raised by every change; the ETag is derived from it.")
    collection: str | None = Field(default=None, description="The collection it belongs to.")
    subject_field: str | None = None
    definition: str | None = None
    note: str | None = None
    source: str | None = None
    cross_references: list[CrossReference] | None = None
    created_at: datetime
    updated_at: datetime
    terms: list[TermOut]


class PossibleDuplicate(BaseModel):
    """Another concept whose main term in a language is this concept's (same normalised key)."""

    concept_id: int = Field(description="The other concept.")
    lang: str
    term: str = Field(description="The other concept's term.")
    matches: str = Field(description="This concept's term that has the same key.")
    reason: str = Field(description="`same term` (the same text) or `same normalised key`.")


class ConceptWritten(ConceptOut):
    """A concept as a write left it, with the concepts it may duplicate."""

    possible_duplicates: list[PossibleDuplicate] = Field(
        default_factory=list,
        description="Other concepts with the same preferred (or, without one, first) term in a "
        "language, compared by normalised key: check before keeping both.",
    )


class Change(BaseModel):
    """One difference between two states of a concept."""

    field: str = Field(
        description="A concept field (`definition` …), `term` for a whole term, or a term's "
        "field (`status`, `text` …) with `term_id`/`lang`/`term` saying which term."
    )
    change: str = Field(description="`added`, `removed` or `changed`.")
    term_id: int | None = None
    lang: str | None = None
    term: str | None = Field(default=None, description="The term's text (as it is after).")
    before: Any = None
    after: Any = None


class RevisionOut(BaseModel):
    id: int
    concept_id: int
    revision: int | None = Field(
        default=None,
        description="The concept's revision this change made (none for history kept from a "
        "file); `POST …/history/{revision}/restore` brings it back.",
    )
    action: str
    changed_at: datetime
    changed_by: str
    restored_from: int | None = Field(default=None, description="For a restore: which revision.")
    changes: list[Change] = Field(
        default_factory=list, description="What this change did, field by field and term by term."
    )
    before: dict[str, Any] | None
    after: dict[str, Any] | None
