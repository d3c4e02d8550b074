"""What a concept and its terms look like coming in and going out, with the termbase's rules.

These models are the termbase's own contract (the API, the CLI, the seed loader and the importers
all build them), so the rules live here once: BCP 47 language tags, non-empty terms, field limits,
at most one preferred term per language in a concept, no term twice.
"""

from __future__ import annotations

import re
import unicodedata
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
    """NFC, trimmed, inner whitespace runs collapsed; control characters refused."""
    value = unicodedata.normalize("NFC", value)
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value.strip()


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


def _check_terms(terms: list[TermIn]) -> None:
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


class ConceptIn(BaseModel):
    """A concept as a client creates it: its fields and at least one term."""

    model_config = ConfigDict(extra="forbid")

    subject_field: ShortText = None
    definition: LongText = None
    note: LongText = None
    source: LongText = None
    terms: list[TermIn] = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _terms_are_consistent(self) -> Self:
        _check_terms(self.terms)
        return self


class ConceptPatch(BaseModel):
    """A partial update: only the fields present change; ``terms``, if given, replaces them all."""

    model_config = ConfigDict(extra="forbid")

    subject_field: ShortText = None
    definition: LongText = None
    note: LongText = None
    source: LongText = None
    terms: list[TermIn] | None = Field(default=None, min_length=1, max_length=500)

    @model_validator(mode="after")
    def _terms_are_consistent(self) -> Self:
        if "terms" in self.model_fields_set and self.terms is None:
            raise ValueError("terms cannot be null; send the full list of terms")
        if self.terms is not None:
            _check_terms(self.terms)
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
    subject_field: str | None = None
    definition: str | None = None
    note: str | None = None
    source: str | None = None
    created_at: datetime
    updated_at: datetime
    terms: list[TermOut]


class RevisionOut(BaseModel):
    id: int
    concept_id: int
    action: str
    changed_at: datetime
    changed_by: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
