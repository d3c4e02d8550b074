"""The job tables: a job, its items (one document pair each) and the aligned segments.

A job is a batch of document pairs submitted together; it keeps only what is true of the whole
batch (options, when it was created or cancelled). Its progress and its timings are read from its
items, so no two runners ever update one job row at the same time.

An item goes ``queued`` → ``running`` (claimed by one runner, ``claimed_by``, with a lease that
the runner renews while it works) → ``done`` / ``failed`` / ``cancelled``; a done or failed item
keeps the name of the runner that finished it. Its result and its
segments are written in the same transaction that marks it done, guarded by its state and its
claimant, and a unique constraint on ``(item_id, position)`` keeps each segment once.

Segments are the two-sided sentence beads of done items, for the concordance. Their full-text
index is not part of this metadata, because it differs by database: an FTS5 virtual table kept up
in batches on SQLite, two generated ``tsvector`` columns with GIN indexes on PostgreSQL (see the
migration ``0002_jobs`` and :data:`SEARCH_OBJECTS`).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from termbase.models import Base, UTCDateTime, utcnow

MAX_NAME_LENGTH = 300
MAX_OWNER_LENGTH = 200  # as app.auth.models
MAX_CLAIMANT_LENGTH = 200


class ItemState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINAL_STATES = (ItemState.DONE, ItemState.FAILED, ItemState.CANCELLED)


def _in_check(column: str, values: type[enum.StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Job(Base):
    """A batch of document pairs to align with the same options."""

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    total: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Who submitted it: the name on their API key (None: submitted without one, ALINEA_AUTH=off,
    # or before keys existed). Only they, or an admin, may cancel it.
    owner: Mapped[str | None] = mapped_column(String(MAX_OWNER_LENGTH), index=True)


class JobItem(Base):
    """One document pair of a job, its state, and once done its result."""

    __tablename__ = "job_item"
    __table_args__ = (
        UniqueConstraint("job_id", "position"),
        CheckConstraint(_in_check("state", ItemState), name="state"),
        # What the runners ask for: the queued items in order, and running items whose lease ran
        # out. Also serves progress counts per job.
        Index("ix_job_item_state_id", "state", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(MAX_NAME_LENGTH))
    presegmented: Mapped[bool] = mapped_column(Boolean, default=False)
    fr_text: Mapped[str] = mapped_column(Text)
    en_text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=ItemState.QUEUED.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(MAX_CLAIMANT_LENGTH))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    seconds: Mapped[float | None] = mapped_column(Float)  # time spent aligning, in the worker
    error: Mapped[str | None] = mapped_column(Text)
    # zlib-compressed JSON, see app.jobs.worker.align_pair and load_result
    result: Mapped[bytes | None] = mapped_column(LargeBinary)


Index("ix_job_item_job_id_state", JobItem.job_id, JobItem.state)


class Segment(Base):
    """A French/English pair of a done item: one two-sided sentence bead."""

    __tablename__ = "segment"
    __table_args__ = (
        UniqueConstraint("item_id", "position"),
        # Ids are never reused on SQLite either: the full-text index is kept up to an id.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("job_item.id", ondelete="CASCADE"))
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # the bead's position in the document
    fr_text: Mapped[str] = mapped_column(Text)
    en_text: Mapped[str] = mapped_column(Text)
    confidence: Mapped[float] = mapped_column(Float)


# Database objects of the full-text search that the migration creates and the models leave out
# (they differ by database); Alembic's comparisons skip them.
SEARCH_TABLE_PREFIX = "segment_fts"
SEARCH_COLUMNS = frozenset({"fr_tsv", "en_tsv"})
SEARCH_INDEXES = frozenset({"ix_segment_fr_tsv", "ix_segment_en_tsv"})


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's filter: leave the full-text search objects out of model comparisons."""
    if type_ == "table" and name and name.startswith(SEARCH_TABLE_PREFIX):
        return False
    if type_ == "column" and name in SEARCH_COLUMNS:
        return False
    return not (type_ == "index" and name in SEARCH_INDEXES)
