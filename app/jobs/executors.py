"""Where job items run: a local process pool, or a Dask distributed cluster.

Both are used through the standard :class:`concurrent.futures.Executor` interface
(:attr:`WorkerPool.executor`); a :class:`WorkerPool` adds what the runner needs around it: how
many items to keep in flight, and how to get rid of a worker that must go (an item over its time
limit).

- :class:`LocalPool`: a :class:`~concurrent.futures.ProcessPoolExecutor` whose processes start
  from a ``forkserver`` (``spawn`` where there is none), never by forking the service itself
  (threads, open database connections); each process warms the aligner up first. A process that
  dies breaks the whole pool (``BrokenProcessPool`` for every item in it): the runner then builds
  a new one, see :mod:`app.jobs.runner`.
- :class:`DaskPool`: a ``distributed.Client`` connected to ``ALINEA_DASK_SCHEDULER`` and its
  ``get_executor()``. Dask reschedules the tasks of a worker that dies by itself and, after
  ``distributed.scheduler.allowed-failures`` deaths, fails the task with ``KilledWorker``.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any

from app.jobs.lifeline import worker_started
from app.jobs.worker import warm_up

log = logging.getLogger("alinea.jobs")


class WorkerPool:
    """An executor for job items, and what the runner may ask of it beyond submitting."""

    executor: Executor

    @property
    def slots(self) -> int:
        """How many items to keep submitted at once: enough that no worker waits for the next."""
        raise NotImplementedError

    def submit(self, task: Callable[..., Any], *args: Any) -> Future[Any]:
        return self.executor.submit(task, *args)

    def abandon(self, future: Future[Any]) -> list[Future[Any]]:
        """Stop the work behind ``future`` (its worker is replaced if it must be).

        Returns the other futures whose work was lost with it, for the runner to submit again.
        """
        raise NotImplementedError

    def start(self) -> None:
        """Start the workers and wait until they are ready (before any item is claimed)."""

    def rebuild(self) -> None:
        """A new executor after the old one broke."""

    def shutdown(self) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


def _ready() -> int:
    return os.getpid()


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # The forkserver imports (and so warms up) the aligner once; workers fork from it ready.
    # It also watches the service, and exits with it (app.jobs.lifeline).
    context.set_forkserver_preload(["app.jobs.forkserver_lifeline", "app.jobs.preload"])
    return context


def _start_worker(service: int, initializer: Callable[[], None] | None) -> None:
    """A pool process's initializer: end with the forkserver and the service, then warm up."""
    worker_started(service)
    if initializer is not None:
        initializer()


class LocalPool(WorkerPool):
    """A process pool on this machine, ``processes`` workers."""

    def __init__(self, processes: int, *, initializer: Callable[[], None] | None = warm_up) -> None:
        self.processes = processes
        self.initializer = initializer
        self._pending: set[Future[Any]] = set()
        self.executor = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.processes,
            mp_context=_context(),
            initializer=_start_worker,
            initargs=(os.getpid(), self.initializer),
        )

    @property
    def slots(self) -> int:
        return 2 * self.processes

    def start(self) -> None:
        # The pool starts its processes as work comes; start them all now, so that the first
        # items claimed do not wait (with their lease running) for the forkserver's warm-up.
        for future in [self.executor.submit(_ready) for _ in range(self.processes)]:
            future.result()

    def submit(self, task: Callable[..., Any], *args: Any) -> Future[Any]:
        future = self.executor.submit(task, *args)
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)
        return future

    def abandon(self, future: Future[Any]) -> list[Future[Any]]:
        # A running call cannot be interrupted in a process pool: kill its processes and start a
        # new pool. Everything else in flight is lost with them.
        lost = [f for f in self._pending if f is not future and not f.done()]
        self._kill()
        self.executor = self._new()
        return lost

    def rebuild(self) -> None:
        self._kill()
        self.executor = self._new()

    def _kill(self) -> None:
        executor = self.executor
        # ProcessPoolExecutor has no public way to end its processes before Python 3.14
        # (terminate_workers); its _processes map is where they are.
        processes = list((getattr(executor, "_processes", None) or {}).values())
        for process in processes:
            with contextlib.suppress(OSError, AttributeError):  # already gone
                process.kill()
        executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.join(timeout=5)

    def shutdown(self) -> None:
        self._kill()

    def describe(self) -> str:
        return f"a local pool of {self.processes} processes ({_context().get_start_method()})"


class DaskPool(WorkerPool):
    """The workers of a Dask distributed cluster, through its scheduler at ``address``."""

    def __init__(self, address: str, *, warm: bool = True, timeout: float = 30.0) -> None:
        from distributed import Client

        self.address = address
        self.client = Client(address, timeout=timeout, set_as_default=False)
        if warm:
            from app.jobs.dask_setup import AlignerSetup

            # Every worker, now and when it joins, gets the aligner ready (app.jobs.dask_setup).
            try:
                self.client.register_plugin(AlignerSetup())
            except Exception as exc:  # a worker that cannot warm up will say so on its items
                log.warning("setting the Dask workers up failed: %s", exc)
        # pure=False: two identical pairs are two items, never one shared result.
        self.executor = self.client.get_executor(pure=False)

    @property
    def slots(self) -> int:
        # More than the local pool's 2 per process: a task's round trip through the scheduler
        # takes milliseconds, so the scheduler keeps a few queued to hand out as workers free.
        threads = sum(self.client.nthreads().values())
        return max(4 * threads, 4)

    def abandon(self, future: Future[Any]) -> list[Future[Any]]:
        # Dask cannot interrupt a task that has started; cancelling releases its result, and the
        # worker thread is free again once the call returns.
        future.cancel()
        return []

    def shutdown(self) -> None:
        try:
            self.executor.shutdown(wait=False)
        finally:
            self.client.close()

    def describe(self) -> str:
        workers = self.client.nthreads()
        threads = sum(workers.values())
        return f"the Dask cluster at {self.address} ({len(workers)} workers, {threads} threads)"


def make_pool(processes: int, dask_scheduler: str | None) -> WorkerPool:
    """The pool the settings ask for: Dask when a scheduler is named, else a local pool."""
    if dask_scheduler:
        return DaskPool(dask_scheduler)
    return LocalPool(processes)
