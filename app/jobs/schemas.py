"""Request and response bodies of the jobs API and of the concordance."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.jobs.models import MAX_NAME_LENGTH, ItemState, Job
from app.jobs.repository import Progress
from app.schemas import AlignOptionsIn, SideText, check_sides

DocumentName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_NAME_LENGTH, pattern=r"^[^\x00-\x1f\x7f]+$"),
]


class JobOptions(AlignOptionsIn):
    """How to align every document pair of the job (as ``POST /v1/align`` takes them)."""


class JobDocument(BaseModel):
    """One document pair: a name unique in the job, the French translation, the English original."""

    model_config = ConfigDict(extra="forbid")

    name: DocumentName
    fr: SideText
    en: SideText

    @model_validator(mode="after")
    def _sides_agree(self) -> JobDocument:
        check_sides(self.fr, self.en, f"{self.name}: ")
        return self


class JobRequest(BaseModel):
    """A batch of document pairs to align with the same options."""

    model_config = ConfigDict(extra="forbid")

    documents: list[JobDocument] = Field(min_length=1)
    options: JobOptions = Field(default_factory=JobOptions)


class JobState(enum.StrEnum):
    QUEUED = "queued"  # no item started yet
    RUNNING = "running"
    DONE = "done"  # every item finished; some may have failed
    FAILED = "failed"  # every item failed
    CANCELLED = "cancelled"


class JobCounts(BaseModel):
    total: int
    queued: int
    running: int
    done: int
    failed: int
    cancelled: int


class ItemFailure(BaseModel):
    """A document pair that could not be aligned, and why."""

    position: int = Field(description="Its position in the job, from 0.")
    name: str
    reason: str
    attempts: int


class JobOut(BaseModel):
    """A job's state, progress and timings (read from its items)."""

    id: int
    owner: str | None = Field(
        default=None, description="Who submitted it (the name on their API key)."
    )
    state: JobState
    counts: JobCounts
    options: dict[str, Any]
    created_at: datetime
    started_at: datetime | None = Field(description="When its first item started.")
    finished_at: datetime | None = Field(
        description="When its last item finished, or when it was cancelled."
    )
    seconds: float | None = Field(
        description="From creation to the end (or to now while it runs), in seconds."
    )
    failures: list[ItemFailure] | None = Field(
        default=None, description="Each failed item and why (in the single-job view)."
    )


def job_state(job: Job, progress: Progress) -> JobState:
    counts = progress.counts
    if job.cancelled_at is not None:
        return JobState.CANCELLED
    if progress.unfinished == 0:
        if counts[ItemState.FAILED] and not counts[ItemState.DONE]:
            return JobState.FAILED
        return JobState.DONE
    if counts[ItemState.QUEUED] == progress.total:
        return JobState.QUEUED
    return JobState.RUNNING


def job_out(
    job: Job, progress: Progress, now: datetime, failures: list[ItemFailure] | None = None
) -> JobOut:
    state = job_state(job, progress)
    if state is JobState.CANCELLED:
        finished = job.cancelled_at
    elif state in (JobState.DONE, JobState.FAILED):
        finished = progress.last_finished_at
    else:
        finished = None
    end = finished or now
    counts = {state.value: progress.counts[state] for state in ItemState}
    return JobOut(
        id=job.id,
        owner=job.owner,
        state=state,
        counts=JobCounts(total=job.total, **counts),
        options=job.options,
        created_at=job.created_at,
        started_at=progress.started_at,
        finished_at=finished,
        seconds=round(max((end - job.created_at).total_seconds(), 0.0), 3),
        failures=failures,
    )


class JobPage(BaseModel):
    items: list[JobOut]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; null on the last page."
    )


class MatchSpan(BaseModel):
    """Where a match lies in the searched side: ``text[start:end]`` (characters, from 0)."""

    start: int
    end: int


class SegmentHit(BaseModel):
    """A French/English segment pair of an aligned document that matches the query."""

    fr: str
    en: str
    confidence: float
    job_id: int
    document: str = Field(description="The document's name in its job.")
    position: int = Field(description="The bead's position in the document, from 0.")
    matches: list[MatchSpan] = Field(
        default_factory=list,
        description="The spans of the searched side (`lang`) that match, in order.",
    )
    highlighted: str = Field(
        "",
        description="The searched side, HTML-escaped, each match in `<mark>…</mark>`: safe to "
        "insert in a page as is.",
    )


class SegmentPage(BaseModel):
    query: str | None = None
    concept: int | None = Field(None, description="The concept whose terms were looked for.")
    lang: str
    items: list[SegmentHit]
    next_cursor: str | None = None
