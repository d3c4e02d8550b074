"""The job queue's operations on the database: submit, claim, renew, complete, fail, cancel.

Every state change of an item is one guarded ``UPDATE``: an item moves on only from the state
(and, while running, the claimant) that the caller expects, so two runners, a runner and a
cancellation, or a runner that came back after its lease ran out, can never both win. Claims take
the oldest queued items in one statement, ``UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING``:
SQLite runs it under its single writer lock; on PostgreSQL the inner select is ``FOR UPDATE SKIP
LOCKED``, so concurrent runners take disjoint items without waiting for each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    String,
    and_,
    case,
    cast,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Session

from app.jobs.models import FINAL_STATES, ItemState, Job, JobItem
from app.jobs.stems import stem_text
from app.jobs.worker import load_result


def now() -> datetime:
    return datetime.now(UTC)


# -- submitting and reading ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewItem:
    """A document pair to queue: its name (unique in the job) and both sides as text."""

    name: str
    fr: str
    en: str
    presegmented: bool = False


def submit_job(
    session: Session,
    items: Sequence[NewItem],
    options: dict[str, Any],
    *,
    owner: str | None = None,
) -> Job:
    """Create a job and queue its items (the caller commits: all of it or nothing)."""
    job = Job(options=options, total=len(items), created_at=now(), owner=owner)
    session.add(job)
    session.flush()
    session.execute(
        insert(JobItem),
        [
            {
                "job_id": job.id,
                "position": position,
                "name": item.name,
                "presegmented": item.presegmented,
                "fr_text": item.fr,
                "en_text": item.en,
                "state": ItemState.QUEUED.value,
                "attempts": 0,
            }
            for position, item in enumerate(items)
        ],
    )
    return job


@dataclass(slots=True)
class Progress:
    """A job's items counted by state, and its timings."""

    counts: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in ItemState})
    started_at: datetime | None = None
    last_finished_at: datetime | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def unfinished(self) -> int:
        return self.counts[ItemState.QUEUED] + self.counts[ItemState.RUNNING]


def progress(session: Session, job_ids: Iterable[int]) -> dict[int, Progress]:
    """Each job's counts by state and its first start and last finish, in one query."""
    ids = list(job_ids)
    found: dict[int, Progress] = {job_id: Progress() for job_id in ids}
    if not ids:
        return found
    rows = session.execute(
        select(
            JobItem.job_id,
            JobItem.state,
            func.count(),
            func.min(JobItem.started_at),
            func.max(JobItem.finished_at),
        )
        .where(JobItem.job_id.in_(ids))
        .group_by(JobItem.job_id, JobItem.state)
    )
    for job_id, state, count, started, finished in rows:
        entry = found[job_id]
        entry.counts[state] = count
        started = _aware(started)
        finished = _aware(finished)
        if started is not None and (entry.started_at is None or started < entry.started_at):
            entry.started_at = started
        if finished is not None and (
            entry.last_finished_at is None or finished > entry.last_finished_at
        ):
            entry.last_finished_at = finished
    return found


def _aware(value: datetime | None) -> datetime | None:
    # Aggregates bypass the column type, so SQLite hands back naive (UTC) timestamps.
    if value is None or value.tzinfo is not None:
        return value
    if isinstance(value, str):  # SQLite's min()/max() of a DATETIME column is its text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)


def failed_items(session: Session, job_id: int) -> list[tuple[int, str, str, int]]:
    """The failed items of a job: position, name, reason, attempts."""
    rows = session.execute(
        select(JobItem.position, JobItem.name, JobItem.error, JobItem.attempts)
        .where(JobItem.job_id == job_id, JobItem.state == ItemState.FAILED.value)
        .order_by(JobItem.position)
    )
    return [(p, n, e or "", a) for p, n, e, a in rows]


def cancel_job(session: Session, job: Job) -> int:
    """Cancel every item not finished yet; return how many. The caller commits.

    Queued items will never be claimed; running ones are cancelled too, and their runner's
    result is then refused (its guarded update finds the item no longer running).
    """
    stamp = now()
    if job.cancelled_at is None:
        job.cancelled_at = stamp
    result = session.execute(
        update(JobItem)
        .where(
            JobItem.job_id == job.id,
            JobItem.state.in_([ItemState.QUEUED.value, ItemState.RUNNING.value]),
        )
        .values(
            state=ItemState.CANCELLED.value,
            finished_at=stamp,
            claimed_by=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# -- the runner's side ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClaimedItem:
    """An item a runner has claimed: what the worker needs, and its bookkeeping."""

    id: int
    job_id: int
    name: str
    fr: str
    en: str
    options: dict[str, Any]
    attempts: int


def claim(
    engine: Engine,
    claimant: str,
    limit: int,
    lease_seconds: float,
    *,
    known_options: dict[int, dict[str, Any]] | None = None,
) -> list[ClaimedItem]:
    """Claim up to ``limit`` of the oldest queued items for ``claimant``, in one transaction.

    ``known_options`` caches the options of jobs seen before (they never change); those of new
    jobs are read and added to it.
    """
    if limit <= 0:
        return []
    stamp = now()
    oldest = (
        select(JobItem.id)
        .where(JobItem.state == ItemState.QUEUED.value)
        .order_by(JobItem.id)
        .limit(limit)
    )
    if engine.dialect.name == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)
    statement = (
        update(JobItem)
        .where(JobItem.id.in_(oldest.scalar_subquery()))
        .values(
            state=ItemState.RUNNING.value,
            claimed_by=claimant,
            lease_until=stamp + timedelta(seconds=lease_seconds),
            attempts=JobItem.attempts + 1,
            started_at=func.coalesce(JobItem.started_at, stamp),
        )
        .returning(
            JobItem.id,
            JobItem.job_id,
            JobItem.name,
            JobItem.presegmented,
            JobItem.fr_text,
            JobItem.en_text,
            JobItem.attempts,
        )
    )
    with engine.begin() as conn:
        rows = conn.execute(statement).all()
        if not rows:
            return []
        options = known_options if known_options is not None else {}
        unknown = {row.job_id for row in rows} - options.keys()
        if unknown:
            options.update(
                conn.execute(select(Job.id, Job.options).where(Job.id.in_(unknown))).all()
            )
    items = []
    for row in sorted(rows, key=lambda r: r.id):
        job_options = dict(options.get(row.job_id) or {})
        job_options["presegmented"] = bool(job_options.get("presegmented")) or row.presegmented
        items.append(
            ClaimedItem(
                id=row.id,
                job_id=row.job_id,
                name=row.name,
                fr=row.fr_text,
                en=row.en_text,
                options=job_options,
                attempts=row.attempts,
            )
        )
    return items


def _mine(item_ids: Iterable[int], claimant: str) -> Any:
    return and_(
        JobItem.id.in_(list(item_ids)),
        JobItem.state == ItemState.RUNNING.value,
        JobItem.claimed_by == claimant,
    )


def _update_mine(engine: Engine, claimant: str, item_ids: Iterable[int], **values: Any) -> int:
    """Set ``values`` on the claimant's running items among ``item_ids``; how many it changed."""
    ids = list(item_ids)
    if not ids:
        return 0
    with engine.begin() as conn:
        result = conn.execute(update(JobItem).where(_mine(ids, claimant)).values(**values))
    return int(result.rowcount or 0)


def renew_leases(
    engine: Engine, claimant: str, item_ids: Iterable[int], lease_seconds: float
) -> int:
    """Extend the lease of the claimant's running items; return how many are still its own."""
    return _update_mine(
        engine, claimant, item_ids, lease_until=now() + timedelta(seconds=lease_seconds)
    )


def complete(engine: Engine, claimant: str, item_id: int, outcome: dict[str, Any]) -> bool:
    """Store a worker's result and the item's segments, and mark it done, in one transaction.

    Returns False (and writes nothing) if the item is no longer this claimant's running item:
    cancelled meanwhile, or requeued after its lease ran out and claimed by another runner.
    """
    stamp = now()
    with engine.begin() as conn:
        done = conn.execute(
            update(JobItem)
            .where(_mine([item_id], claimant))
            .values(
                state=ItemState.DONE.value,
                result=outcome["result"],
                seconds=outcome.get("seconds"),
                error=None,
                finished_at=stamp,
                lease_until=None,
            )
            .returning(JobItem.job_id)
        ).first()
        if done is None:
            return False
        segments = outcome.get("segments") or ()
        if segments:
            # Plain rows to the driver: a few hundred a document, the statement compiled once.
            conn.exec_driver_sql(
                _INSERT_SEGMENTS[conn.dialect.paramstyle],
                [
                    (item_id, done.job_id, position, fr_text, en_text, confidence)
                    for position, fr_text, en_text, confidence in segments
                ],
            )
            # Searchable once committed: a search only reads, it never brings the index up to
            # date itself (SQLite; PostgreSQL's tsvector columns are computed as rows are written).
            if conn.dialect.name == "sqlite":
                _index_pending(conn, None)
    return True


_SEGMENT_COLUMNS = "item_id, job_id, position, fr_text, en_text, confidence"
_INSERT_SEGMENTS = {
    "qmark": f"INSERT INTO segment ({_SEGMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
    "format": f"INSERT INTO segment ({_SEGMENT_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s)",
    "pyformat": f"INSERT INTO segment ({_SEGMENT_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s)",
    "numeric": f"INSERT INTO segment ({_SEGMENT_COLUMNS}) VALUES (:1, :2, :3, :4, :5, :6)",
}


def fail(
    engine: Engine, claimant: str, item_id: int, reason: str, seconds: float | None = None
) -> bool:
    """Mark the claimant's running item failed with ``reason``; False if it is no longer its."""
    with engine.begin() as conn:
        result = conn.execute(
            update(JobItem)
            .where(_mine([item_id], claimant))
            .values(
                state=ItemState.FAILED.value,
                error=reason,
                seconds=seconds,
                finished_at=now(),
                lease_until=None,
            )
        )
    return bool(result.rowcount)


def charge_attempt(engine: Engine, claimant: str, item_id: int, lease_seconds: float) -> int | None:
    """Count one more attempt at the claimant's running item (it is run again); its new count.

    None if the item is no longer the claimant's.
    """
    with engine.begin() as conn:
        row = conn.execute(
            update(JobItem)
            .where(_mine([item_id], claimant))
            .values(
                attempts=JobItem.attempts + 1,
                lease_until=now() + timedelta(seconds=lease_seconds),
            )
            .returning(JobItem.attempts)
        ).first()
    return None if row is None else int(row.attempts)


def release(engine: Engine, claimant: str, item_ids: Iterable[int]) -> int:
    """Put the claimant's unfinished items back in the queue, their attempt not counted.

    For a runner that stops cleanly: the items are claimed again at once rather than when their
    lease runs out.
    """
    return _update_mine(
        engine,
        claimant,
        item_ids,
        state=ItemState.QUEUED.value,
        claimed_by=None,
        lease_until=None,
        attempts=case((JobItem.attempts > 0, JobItem.attempts - 1), else_=0),
    )


def requeue_stale(
    engine: Engine, max_attempts: int, *, alive: str | None = None
) -> tuple[int, int]:
    """Items whose runner stopped renewing its lease: requeued, or failed after too many tries.

    A runner renews its leases while it works, so an expired lease means the runner (or its
    machine) died, or lost the database for longer than the lease. ``alive`` names the calling
    runner, whose own items are left alone (it knows they are in hand). Returns (requeued,
    failed).
    """
    stamp = now()
    expired = and_(JobItem.state == ItemState.RUNNING.value, JobItem.lease_until < stamp)
    if alive is not None:
        expired = and_(expired, JobItem.claimed_by != alive)
    with engine.begin() as conn:
        failed = conn.execute(
            update(JobItem)
            .where(expired, JobItem.attempts >= max_attempts)
            .values(
                state=ItemState.FAILED.value,
                error=literal("its runner stopped while aligning it, ")
                + cast(JobItem.attempts, String)
                + literal(" times (the limit is ALINEA_JOB_MAX_ATTEMPTS)"),
                finished_at=stamp,
                claimed_by=None,
                lease_until=None,
            )
        ).rowcount
        requeued = conn.execute(
            update(JobItem)
            .where(expired)
            .values(state=ItemState.QUEUED.value, claimed_by=None, lease_until=None)
        ).rowcount
    return int(requeued or 0), int(failed or 0)


def index_segments(engine: Engine, most: int = 50_000) -> int:
    """Add the segments not indexed yet to the full-text index; how many. :func:`complete`
    indexes an item's segments as it writes them: this catches up with segments written before
    it did (a database of an earlier version).

    SQLite only (PostgreSQL's ``tsvector`` columns are computed as rows are written): up to
    ``most`` segments in one transaction, whose first statement is a write so that it holds the
    database's write lock throughout. Writers take turns on SQLite, so segment ids are committed
    in order and everything up to the mark has been indexed exactly once.
    """
    if engine.dialect.name != "sqlite":
        return 0
    with engine.connect() as conn:  # a read first: most calls find nothing to do
        behind = conn.exec_driver_sql(
            "SELECT EXISTS (SELECT 1 FROM segment WHERE id > "
            "(SELECT indexed_up_to FROM segment_fts_state))"
        ).scalar_one()
    if not behind:
        return 0
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE segment_fts_state SET indexed_up_to = indexed_up_to")
        return _index_pending(conn, most)


def _index_pending(conn: Connection, most: int | None) -> int:
    """Index the segments past the mark (at most ``most``), in the caller's transaction, which
    holds SQLite's write lock; how many."""
    mark = conn.exec_driver_sql("SELECT indexed_up_to FROM segment_fts_state").scalar_one()
    count, last = conn.exec_driver_sql(
        "SELECT count(*), max(id) FROM (SELECT id FROM segment WHERE id > ? ORDER BY id LIMIT ?)",
        (mark, -1 if most is None else most),
    ).one()
    if not count:
        return 0
    conn.exec_driver_sql(
        "INSERT INTO segment_fts(rowid, fr_text, en_text) "
        "SELECT id, fr_text, en_text FROM segment WHERE id > ? AND id <= ?",
        (mark, last),
    )
    # the stems, for searches that find "migrants" from "migrant" (app.jobs.stems)
    rows = conn.exec_driver_sql(
        "SELECT id, fr_text, en_text FROM segment WHERE id > ? AND id <= ?", (mark, last)
    ).all()
    conn.exec_driver_sql(
        "INSERT INTO segment_fts_stem(rowid, fr, en) VALUES (?, ?, ?)",
        [(i, stem_text(fr, "fr"), stem_text(en, "en")) for i, fr, en in rows],
    )
    conn.exec_driver_sql("UPDATE segment_fts_state SET indexed_up_to = ?", (last,))
    return int(count)


# -- results -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemResult:
    """An item as the results formats read it."""

    position: int
    name: str
    state: str
    error: str | None
    result: dict[str, Any] | None


def iter_results(
    session: Session, job_id: int, *, states: Sequence[str], batch: int = 50
) -> Iterable[ItemResult]:
    """The job's items in the given states, in submission order, read ``batch`` at a time."""
    after = -1
    while True:
        rows = session.execute(
            select(JobItem.position, JobItem.name, JobItem.state, JobItem.error, JobItem.result)
            .where(
                JobItem.job_id == job_id,
                JobItem.position > after,
                JobItem.state.in_(list(states)),
            )
            .order_by(JobItem.position)
            .limit(batch)
        ).all()
        if not rows:
            return
        for position, name, state, error, result in rows:
            yield ItemResult(position, name, state, error, load_result(result) if result else None)
        after = rows[-1][0]
        session.expire_all()


__all__ = [
    "FINAL_STATES",
    "ClaimedItem",
    "ItemResult",
    "NewItem",
    "Progress",
    "cancel_job",
    "charge_attempt",
    "claim",
    "complete",
    "fail",
    "failed_items",
    "iter_results",
    "progress",
    "release",
    "renew_leases",
    "requeue_stale",
    "submit_job",
]
