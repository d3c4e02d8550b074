"""The job runner: claims queued items, runs them on a worker pool, writes each result.

One loop, in a thread of ``alinea serve`` or in the main thread of ``alinea worker``:

1. claim the oldest queued items, a batch at a time (one transaction): enough for the pool's free
   slots and as many again, kept aside until a slot frees (under lease like the others);
2. submit them to the pool as slots free: ``task(fr, en, options)``, by default
   :func:`app.jobs.worker.align_pair`;
3. wait for the first to finish, and write its outcome in its own transaction: the result and the
   segments, or the reason it failed (:mod:`app.jobs.repository` refuses the write if the item is
   no longer this runner's, e.g. cancelled meanwhile);
4. every third of the lease, renew the lease of the items in flight; now and then, queue again
   the items of runners that stopped renewing theirs (or fail them after
   ``ALINEA_JOB_MAX_ATTEMPTS`` starts).

A worker process that dies breaks a local pool, and every item in flight comes back with
``BrokenProcessPool``: there is no telling which one killed it. The runner builds a new pool and
runs those items again one at a time; an item whose worker dies while it runs alone is the
culprit, and is charged an attempt each time, then failed with the reason once it has used
``ALINEA_JOB_MAX_ATTEMPTS``. The other items are not charged and go on as usual.

An item still running ``ALINEA_JOB_ITEM_TIMEOUT`` seconds after it was handed to the pool is failed
with that reason and its worker is replaced (the items that were in the same pool are submitted
again, uncharged). The time counts from submission; the pool holds at most one item per worker
waiting for a free process, so an item may have waited for one other to finish first.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, InvalidStateError, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import OperationalError

from app.db import Database
from app.jobs import repository
from app.jobs.executors import WorkerPool, make_pool
from app.jobs.repository import ClaimedItem
from app.jobs.worker import align_pair
from app.settings import Settings

log = logging.getLogger("alinea.jobs")

Task = Callable[[str, str, dict[str, Any]], dict[str, Any]]


@dataclass(slots=True)
class Flight:
    """An item handed to the pool."""

    item: ClaimedItem
    submitted: float
    alone: bool = False


@dataclass(slots=True)
class RunnerStats:
    """What a runner did, and the CPU time its thread spent on its own work (seconds)."""

    claimed: int = 0
    done: int = 0
    failed: int = 0
    refused: int = 0  # results of items no longer this runner's (cancelled, taken over)
    pool_breaks: int = 0
    timeouts: int = 0
    claim_seconds: float = 0.0
    write_seconds: float = 0.0
    other_seconds: float = 0.0  # submitting, lease renewal, requeueing stale items
    index_seconds: float = 0.0  # adding segments to the full-text index (SQLite), in batches
    worker_seconds: float = 0.0  # time spent aligning, as the workers measured it
    started: float = field(default_factory=time.perf_counter)

    @property
    def finished(self) -> int:
        return self.done + self.failed + self.refused

    @property
    def own_seconds(self) -> float:
        return self.claim_seconds + self.write_seconds + self.other_seconds + self.index_seconds


def _cpu() -> float:
    """CPU time of this thread: the runner's own cost, not time it waited or was descheduled."""
    return time.thread_time()


def claimant_name() -> str:
    """This runner's name in ``claimed_by``: host, process and a random tag."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:200]


class Runner:
    """Runs the queued items of every job, until :meth:`stop` (see the module docstring)."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        *,
        pool_factory: Callable[[], WorkerPool] | None = None,
        task: Task = align_pair,
    ) -> None:
        self.database = database
        self.settings = settings
        self.pool_factory = pool_factory or (
            lambda: make_pool(settings.job_workers, settings.dask_scheduler)
        )
        self.task = task
        self.name = claimant_name()
        self.stats = RunnerStats()
        self.pool: WorkerPool | None = None
        self._inflight: dict[Future[Any], Flight] = {}
        self._alone: collections.deque[ClaimedItem] = collections.deque()
        self._buffer: collections.deque[ClaimedItem] = collections.deque()  # claimed, not sent
        self._options: dict[int, dict[str, Any]] = {}  # job options, by job id
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopped: Future[None] = Future()  # among the futures waited for: see stop()
        self._unindexed = 0  # items done since the last full-text indexing
        self._indexed_at = time.monotonic()

    # -- life cycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Run in a background thread (the service's)."""
        self._thread = threading.Thread(target=self._run_logged, name="alinea-runner", daemon=True)
        self._thread.start()

    def _run_logged(self) -> None:
        # In the service, the runner outlives database outages: it starts again after a pause.
        while not self._stop.is_set():
            try:
                self.run()
            except Exception:
                log.exception("the job runner stopped on an error; it starts again in 5 s")
                self._stop.wait(5.0)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop claiming, give unfinished items back to the queue, end the pool."""
        self._stop.set()
        self._wake.set()
        with contextlib.suppress(InvalidStateError):  # stopped twice at once
            self._stopped.set_result(None)  # ends a wait for results at once
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        """Look for queued items now (a job was just submitted) rather than at the next poll."""
        self._wake.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self, *, until_idle: bool = False) -> RunnerStats:
        """The loop. ``until_idle``: return once no item is queued or in flight (benchmarks)."""
        self.pool = self.pool_factory()
        self.pool.start()
        log.info("job runner %s started on %s", self.name, self.pool.describe())
        settings = self.settings
        renew_every = settings.job_lease_seconds / 3
        requeue_every = max(settings.job_lease_seconds / 2, 1.0)
        last_renew = last_requeue = time.monotonic()
        self._requeue_stale()
        try:
            while not self._stop.is_set():
                now = time.monotonic()
                if now - last_requeue >= requeue_every:
                    self._requeue_stale()
                    last_requeue = now
                if now - last_renew >= renew_every:
                    self._renew()
                    last_renew = now
                claimed = self._fill()
                self._index(idle=not self._inflight)
                if not self._inflight:
                    if not self._buffer and not self._alone:
                        if until_idle and not claimed:
                            break
                        if not claimed:
                            self._wake.wait(settings.job_poll_interval)
                            self._wake.clear()
                    continue
                done, _ = wait(
                    [*self._inflight, self._stopped],
                    timeout=self._wait_time(),
                    return_when=FIRST_COMPLETED,
                )
                for future in done:
                    if future in self._inflight:
                        self._finish(future)
                self._check_timeouts()
        except OperationalError as exc:
            # The database went away: what is in flight will be claimed again when its lease
            # runs out (by this runner once restarted, or by another).
            log.error("job runner %s lost the database: %s", self.name, exc)
            raise
        finally:
            self._shutdown()
        return self.stats

    def _shutdown(self) -> None:
        unfinished = [flight.item.id for flight in self._inflight.values()]
        unfinished += [item.id for item in self._alone]
        unfinished += [item.id for item in self._buffer]
        self._inflight.clear()
        self._alone.clear()
        self._buffer.clear()
        if self.pool is not None:
            self.pool.shutdown()
        if unfinished:
            try:
                released = repository.release(self.database.engine, self.name, unfinished)
                log.info("job runner %s gave %d items back to the queue", self.name, released)
            except OperationalError as exc:  # they will be requeued when their lease runs out
                log.warning("could not give items back to the queue: %s", exc)
        log.info("job runner %s stopped", self.name)

    # -- the steps -------------------------------------------------------------------------------

    def _fill(self) -> int:
        """Claim and submit items for the free slots; how many were claimed."""
        assert self.pool is not None
        if self._alone:
            # Suspects of a pool break run one at a time, with nothing else in the pool.
            if not self._inflight:
                self._submit(self._alone.popleft(), alone=True)
            return 0
        free = self.pool.slots - len(self._inflight)
        if free <= 0:
            return 0
        claimed = 0
        if len(self._buffer) < free:
            # One claim for this round and the next few: fewer, larger transactions.
            started = _cpu()
            items = repository.claim(
                self.database.engine,
                self.name,
                free + self.pool.slots - len(self._buffer),
                self.settings.job_lease_seconds,
                known_options=self._options,
            )
            self.stats.claim_seconds += _cpu() - started
            self.stats.claimed += len(items)
            self._buffer.extend(items)
            claimed = len(items)
        while free > 0 and self._buffer and not self._alone:
            if not self._submit(self._buffer.popleft()):
                break
            free -= 1
        return claimed

    def _submit(self, item: ClaimedItem, *, alone: bool = False) -> bool:
        """Hand an item to the pool; False if the pool turned out broken (the item waits)."""
        assert self.pool is not None
        started = _cpu()
        try:
            future = self.pool.submit(self.task, item.fr, item.en, item.options)
        except BrokenProcessPool:
            # A worker died since the last look, before any of its futures said so.
            (self._alone if alone else self._buffer).appendleft(item)
            self._pool_broke()
            return False
        self._inflight[future] = Flight(item, time.monotonic(), alone)
        self.stats.other_seconds += _cpu() - started
        return True

    def _wait_time(self) -> float:
        """Until the next lease renewal or item deadline, whichever comes first."""
        assert self.pool is not None
        timeout = self.settings.job_item_timeout
        now = time.monotonic()
        deadline = min(f.submitted for f in self._inflight.values()) + timeout
        most = self.settings.job_lease_seconds / 3
        if not self._alone and len(self._inflight) < self.pool.slots:
            most = min(most, self.settings.job_poll_interval)  # free slots: look for new items
        return max(0.01, min(deadline - now, most))

    def _finish(self, future: Future[Any]) -> None:
        flight = self._inflight[future]
        try:
            outcome = future.result()
        except BrokenProcessPool:
            self._pool_broke()
            return
        except CancelledError:
            self._inflight.pop(future, None)
            return
        except Exception as exc:
            self._inflight.pop(future)
            if type(exc).__name__ == "KilledWorker":  # Dask gave up on it: its workers died
                reason = (
                    "its Dask worker died while aligning it, as many times as the cluster "
                    f"allows (distributed.scheduler.allowed-failures): {exc}"
                )
            else:
                reason = f"internal error: {type(exc).__name__}: {exc}"
                log.error("item %d (%s) raised %s", flight.item.id, flight.item.name, reason)
            self._write_failure(flight.item, reason)
            return
        self._inflight.pop(future)
        self._write_outcome(flight.item, outcome)

    def _write_outcome(self, item: ClaimedItem, outcome: dict[str, Any]) -> None:
        started = _cpu()
        self.stats.worker_seconds += float(outcome.get("seconds") or 0.0)
        if "error" in outcome:
            written = repository.fail(
                self.database.engine, self.name, item.id, outcome["error"], outcome.get("seconds")
            )
            if written:
                self.stats.failed += 1
        else:
            written = repository.complete(self.database.engine, self.name, item.id, outcome)
            if written:
                self.stats.done += 1
                self._unindexed += 1
        if not written:
            self.stats.refused += 1
        self.stats.write_seconds += _cpu() - started

    def _write_failure(self, item: ClaimedItem, reason: str) -> None:
        started = _cpu()
        if repository.fail(self.database.engine, self.name, item.id, reason):
            self.stats.failed += 1
        else:
            self.stats.refused += 1
        self.stats.write_seconds += _cpu() - started

    def _pool_broke(self) -> None:
        """A worker process died: settle what finished, find the culprit among the rest."""
        assert self.pool is not None
        self.stats.pool_breaks += 1
        suspects: list[Flight] = []
        for future, flight in list(self._inflight.items()):
            if future.done() and not future.cancelled() and future.exception() is None:
                self._inflight.pop(future)
                self._write_outcome(flight.item, future.result())
            else:
                suspects.append(flight)
        self._inflight.clear()
        self.pool.rebuild()
        if not suspects:
            return
        if len(suspects) != 1:
            # Any of them may have killed the worker: each runs again on its own to find out.
            log.warning(
                "a worker process died with %d items in flight; running them one at a time",
                len(suspects),
            )
            self._alone.extendleft(sorted((f.item for f in suspects), key=lambda i: -i.id))
            return
        culprit = suspects[0].item
        limit = self.settings.job_max_attempts
        if culprit.attempts >= limit:
            log.warning("item %d (%s) killed its worker %d times", culprit.id, culprit.name, limit)
            self._write_failure(
                culprit,
                f"its worker process died while aligning it, on each of {culprit.attempts} "
                f"attempts (the limit is ALINEA_JOB_MAX_ATTEMPTS={limit})",
            )
            return
        attempts = repository.charge_attempt(
            self.database.engine, self.name, culprit.id, self.settings.job_lease_seconds
        )
        if attempts is not None:
            log.warning(
                "item %d (%s) killed its worker; attempt %d of %d",
                culprit.id,
                culprit.name,
                attempts,
                limit,
            )
            self._alone.appendleft(_with_attempts(culprit, attempts))

    def _check_timeouts(self) -> None:
        assert self.pool is not None
        limit = self.settings.job_item_timeout
        now = time.monotonic()
        late = [(f, fl) for f, fl in self._inflight.items() if now - fl.submitted > limit]
        for future, flight in late:
            if future not in self._inflight or future.done():
                continue
            self.stats.timeouts += 1
            self._inflight.pop(future)
            lost = self.pool.abandon(future)
            log.warning(
                "item %d (%s) took over %g s; its worker was replaced",
                flight.item.id,
                flight.item.name,
                limit,
            )
            self._write_failure(
                flight.item,
                f"it took longer than the limit of {limit:g} s (ALINEA_JOB_ITEM_TIMEOUT)",
            )
            # The items that were in the replaced pool with it start again, uncharged.
            for other in lost:
                moved = self._inflight.pop(other, None)
                if moved is not None:
                    self._submit(moved.item, alone=moved.alone)

    def _index(self, *, idle: bool) -> None:
        """Bring the full-text index up to date: in batches, at most about once a second."""
        if not self._unindexed:
            return
        now = time.monotonic()
        if not idle and self._unindexed < 50 and now - self._indexed_at < 1.0:
            return
        started = _cpu()
        repository.index_segments(self.database.engine)
        self.stats.index_seconds += _cpu() - started
        self._unindexed = 0
        self._indexed_at = now

    def _renew(self) -> None:
        started = _cpu()
        ids = [flight.item.id for flight in self._inflight.values()]
        ids += [item.id for item in (*self._alone, *self._buffer)]
        repository.renew_leases(
            self.database.engine, self.name, ids, self.settings.job_lease_seconds
        )
        self.stats.other_seconds += _cpu() - started

    def _requeue_stale(self) -> None:
        started = _cpu()
        requeued, failed = repository.requeue_stale(
            self.database.engine, self.settings.job_max_attempts, alive=self.name
        )
        if requeued or failed:
            log.warning(
                "items of a runner that stopped: %d queued again, %d failed (too many attempts)",
                requeued,
                failed,
            )
            self._wake.set()
        self.stats.other_seconds += _cpu() - started


def _with_attempts(item: ClaimedItem, attempts: int) -> ClaimedItem:
    return ClaimedItem(
        id=item.id,
        job_id=item.job_id,
        name=item.name,
        fr=item.fr,
        en=item.en,
        options=item.options,
        attempts=attempts,
    )
