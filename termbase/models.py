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
    Float,
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


class CollectionKind(enum.StrEnum):
    """What a collection holds: where its concepts come from."""

    SEED = "seed"  # the UN seed shipped with Alinea
    VOCABULARY = "vocabulary"  # a published vocabulary imported (SKOS, TBX …)
    TEAM = "team"  # the team's own work
    CANDIDATES = "candidates"  # term pairs mined from aligned documents, awaiting review


# The collections every termbase has, with fixed ids (written by migration 0005): a concept that
# names no collection is the team's (the column's server default).
SEED_COLLECTION_ID = 1
TEAM_COLLECTION_ID = 2
CANDIDATES_COLLECTION_ID = 3
SEED_COLLECTION = "un-seed"
TEAM_COLLECTION = "team"
CANDIDATES_COLLECTION = "candidates"
MAX_COLLECTION_NAME = 100
# Reliability as TBX's reliabilityCode (ISO 12620): 1 (least reliable) to 10 (most).
MIN_RELIABILITY, MAX_RELIABILITY = 1, 10
MIN_PRIORITY, MAX_PRIORITY = 0, 1000
DEFAULT_COLLECTIONS: tuple[dict[str, object], ...] = (
    {
        "id": SEED_COLLECTION_ID,
        "name": SEED_COLLECTION,
        "kind": CollectionKind.SEED.value,
        "title": "UN terminology shipped with Alinea (UN usage, checked against UN texts)",
        "priority": 900,
        "reliability": 9,
    },
    {
        "id": TEAM_COLLECTION_ID,
        "name": TEAM_COLLECTION,
        "kind": CollectionKind.TEAM.value,
        "title": "The team's own concepts",
        "priority": 800,
        "reliability": 7,
    },
    {
        "id": CANDIDATES_COLLECTION_ID,
        "name": CANDIDATES_COLLECTION,
        "kind": CollectionKind.CANDIDATES.value,
        "title": "Term pairs mined from aligned documents, awaiting review",
        "priority": 0,
        "reliability": 1,
    },
)


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


class Collection(Base):
    """A set of concepts with one origin: its priority ranks answers (higher first), its
    reliability (1-10, TBX ``reliabilityCode``) says how far to trust them."""

    __tablename__ = "collection"
    __table_args__ = (
        UniqueConstraint("name"),
        CheckConstraint(_in_check("kind", CollectionKind), name="kind"),
        CheckConstraint(
            f"reliability BETWEEN {MIN_RELIABILITY} AND {MAX_RELIABILITY}", name="reliability"
        ),
        CheckConstraint(f"priority BETWEEN {MIN_PRIORITY} AND {MAX_PRIORITY}", name="priority"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_COLLECTION_NAME))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(MAX_SHORT_FIELD_LENGTH))
    priority: Mapped[int] = mapped_column(Integer)
    reliability: Mapped[int] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(Text)  # e.g. the vocabulary's URI or file
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


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
    # The collection it belongs to. No foreign key: adding one to ``concept`` would take a batch
    # copy of the table on SQLite, whose drop cascades to every term; the service checks the id
    # and a collection that holds concepts cannot be deleted.
    collection_id: Mapped[int] = mapped_column(
        Integer, index=True, default=TEAM_COLLECTION_ID, server_default=str(TEAM_COLLECTION_ID)
    )
    # Cross-references kept from a vocabulary (SKOS broader/narrower/related):
    # ``[{"type": "broader", "target": "<uri>"}, …]``.
    cross_references: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)

    collection: Mapped[Collection] = relationship(
        primaryjoin="foreign(Concept.collection_id) == Collection.id",
        lazy="selectin",
        viewonly=True,
    )
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


class CandidateStatus(enum.StrEnum):
    PENDING = "pending"  # a concept of the "candidates" collection, awaiting review
    ACCEPTED = "accepted"  # became a concept of the team's collection
    REJECTED = "rejected"  # its concept deleted; the pair is not proposed again


class TermCandidate(Base):
    """A French/English pair mined from aligned documents, and what review made of it.

    While pending, the pair is a concept of the ``candidates`` collection (``concept_id``); the
    row keeps what the extraction measured. ``pair_key`` (the two normalised keys) is unique: a
    pair is proposed once, and a rejected one is never proposed again.
    """

    __tablename__ = "term_candidate"
    __table_args__ = (
        UniqueConstraint("pair_key"),
        CheckConstraint(_in_check("status", CandidateStatus), name="status"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_key: Mapped[str] = mapped_column(String(2 * MAX_MATCH_KEY_LENGTH + 1))
    concept_id: Mapped[int | None] = mapped_column(
        ForeignKey("concept.id", ondelete="SET NULL"), index=True
    )
    src_lang: Mapped[str] = mapped_column(String(MAX_LANG_LENGTH))
    src_text: Mapped[str] = mapped_column(String(MAX_TERM_LENGTH))
    tgt_lang: Mapped[str] = mapped_column(String(MAX_LANG_LENGTH))
    tgt_text: Mapped[str] = mapped_column(String(MAX_TERM_LENGTH))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    frequency: Mapped[int] = mapped_column(Integer, default=0)
    # [{"src": "...", "tgt": "...", "bead": 12}, …]: aligned beads where the pair occurs.
    examples: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    source: Mapped[str | None] = mapped_column(Text)  # e.g. "job 42"
    status: Mapped[str] = mapped_column(String(16), default=CandidateStatus.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(MAX_SHORT_FIELD_LENGTH))
