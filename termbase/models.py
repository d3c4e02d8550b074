"""The termbase tables: concepts, their terms, the revision history and the termbase state.

Concept-oriented like TBX: a concept carries what is true of the idea (subject field, definition),
its terms carry what is true of one designation in one language (status, type, part of speech,
context). Every write bumps ``termbase_state.generation`` in the same transaction and records a
``revision`` stamped with that generation, so in-memory indexes in any process can tell exactly
which concepts changed since they last looked.

A concept carries its own ``revision`` number, raised by every change to it: writers compare and
set it in the ``UPDATE … WHERE revision = :expected`` that claims the row (optimistic locking), and
its ETag is derived from it. Ids are never handed out twice, on SQLite too (``AUTOINCREMENT``):
a revision history belongs to one concept forever.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# Named constraints: Alembic (and SQLite batch mode) can only alter what has a name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Field limits, shared by the API validation and the column sizes.
MAX_TERM_LENGTH = 500
MAX_LANG_LENGTH = 35  # RFC 5646 recommends supporting tags of at least 35 characters
MAX_SHORT_FIELD_LENGTH = 200
MAX_LONG_FIELD_LENGTH = 10_000
# A term's normalised key with its language: lower-casing may lengthen a few characters.
MAX_MATCH_KEY_LENGTH = 1200


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TermStatus(enum.StrEnum):
    """Administrative status of a term (TBX ``administrativeStatus``)."""

    PREFERRED = "preferred"
    ADMITTED = "admitted"
    DEPRECATED = "deprecated"
    SUPERSEDED = "superseded"


class TermType(enum.StrEnum):
    """Term type (TBX ``termType``)."""

    FULL_FORM = "full_form"
    ACRONYM = "acronym"
    ABBREVIATION = "abbreviation"
    SHORT_FORM = "short_form"
    VARIANT = "variant"
    PHRASE = "phrase"


class PartOfSpeech(enum.StrEnum):
    """Part of speech (TBX ``partOfSpeech``, TBX-Basic picklist)."""

    NOUN = "noun"
    VERB = "verb"
    ADJECTIVE = "adjective"
    ADVERB = "adverb"
    OTHER = "other"


class RevisionAction(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    RESTORE = "restore"  # an earlier revision brought back (itself a new revision)


def _in_check(column: str, values: type[enum.StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware in UTC (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Concept(Base):
    __tablename__ = "concept"
    # SQLite: never reuse the id of a deleted concept (its history keeps the id).
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_field: Mapped[str | None] = mapped_column(String(MAX_SHORT_FIELD_LENGTH))
    definition: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Raised by one with every change; the compare-and-set of optimistic locking.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    terms: Mapped[list[Term]] = relationship(
        back_populates="concept",
        cascade="all, delete-orphan",
        order_by="Term.position",
        passive_deletes=True,
    )


class Term(Base):
    __tablename__ = "term"
    __table_args__ = (
        UniqueConstraint("concept_id", "lang", "text"),
        CheckConstraint(_in_check("status", TermStatus), name="status"),
        CheckConstraint(_in_check("term_type", TermType), name="term_type"),
        CheckConstraint(
            f"part_of_speech IS NULL OR {_in_check('part_of_speech', PartOfSpeech)}",
            name="part_of_speech",
        ),
        Index("ix_term_lang_text", "lang", "text"),
        Index("ix_term_match_key", "match_key"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    concept_id: Mapped[int] = mapped_column(
        ForeignKey("concept.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    lang: Mapped[str] = mapped_column(String(MAX_LANG_LENGTH))
    text: Mapped[str] = mapped_column(String(MAX_TERM_LENGTH))
    status: Mapped[str] = mapped_column(String(16), default=TermStatus.ADMITTED.value)
    term_type: Mapped[str] = mapped_column(String(16), default=TermType.FULL_FORM.value)
    part_of_speech: Mapped[str | None] = mapped_column(String(16))
    context: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    # "<primary language>:<normalised key>" (``fr:office des nation unie``): what possible
    # duplicates are found by. Written with the term (termbase.service.term_match_key).
    match_key: Mapped[str] = mapped_column(
        String(MAX_MATCH_KEY_LENGTH), default="", server_default=""
    )

    concept: Mapped[Concept] = relationship(back_populates="terms")


class Revision(Base):
    """One change to one concept: what, when, by whom, and the concept before and after."""

    __tablename__ = "revision"
    __table_args__ = (
        CheckConstraint(_in_check("action", RevisionAction), name="action"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # No foreign key: the history of a deleted concept outlives it.
    concept_id: Mapped[int] = mapped_column(Integer, index=True)
    generation: Mapped[int] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(MAX_SHORT_FIELD_LENGTH))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The concept's revision number this change made (None for a file's transaction kept as
    # history, which is no state of the concept here).
    number: Mapped[int | None] = mapped_column(Integer)
    # For a restore: the revision number it brought back.
    restored_from: Mapped[int | None] = mapped_column(Integer)


class TermbaseState(Base):
    """A single row: the termbase's change counter and whether the seed was ever loaded."""

    __tablename__ = "termbase_state"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    seed_version: Mapped[int | None] = mapped_column(Integer)
