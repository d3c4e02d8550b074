"""Streamed responses that never wait for their reader while they hold the database.

An export or a job's results is a generator that reads the database a chunk at a time inside one
session (one snapshot). Streamed straight to the client, the generator advances only as fast as
the client reads: a client that opens the response and stops reading keeps its pooled connection
for as long as it likes (measured: 16 such clients held every connection; every database request
then failed after 30 s, ``/readyz`` said 503, for as long as they stayed).

:class:`Spooled` decouples the two: a thread of its own runs the generator to its end as fast as
the database gives, writing into an unnamed temporary file, and the response reads that file back
at the client's pace. The connection is held only for the time the database work takes; a stalled
reader holds a file descriptor and some disk, and is dropped by the server's idle timeout
(``ALINEA_IDLE_TIMEOUT``, see :mod:`app.server`). The first bytes go out as soon as they are
written, so a large export still starts at once.

At most ``slots`` sources run at once (half the connections a process may open): more exports
at a time wait for a slot, up to ``ALINEA_DATABASE_POOL_TIMEOUT``, then get a 503 problem, so
that exports never take every connection from the look-ups.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterator

from app.errors import ServiceBusy

log = logging.getLogger("alinea")

READ_SIZE = 256 * 1024


class Spooled:
    """Iterate the source made by ``make_source`` to its end in a thread, through a temporary
    file, and yield its bytes from the file as they are asked for."""

    def __init__(
        self,
        make_source: Callable[[], Iterator[bytes]],
        *,
        slots: threading.BoundedSemaphore | None = None,
        wait: float = 10.0,
        name: str = "stream",
    ) -> None:
        self._make_source = make_source
        self._source: Iterator[bytes] | None = None
        self._slots = slots
        self._wait = wait
        self._file = tempfile.TemporaryFile(prefix="alinea-", buffering=0)  # noqa: SIM115
        self._fd = self._file.fileno()
        self._changed = threading.Condition()
        self._written = 0
        self._finished = False
        self._error: BaseException | None = None
        self._abandoned = False  # the reader went away: stop producing
        self._users = 2  # the producer and the reader; the file closes when both are done
        self._thread = threading.Thread(target=self._produce, name=f"spool-{name}", daemon=True)
        self._thread.start()

    def started(self) -> None:
        """Wait for the first bytes; raise the source's error if it failed before any (so the
        route can still answer with a problem instead of a broken file)."""
        with self._changed:
            while self._written == 0 and not self._finished:
                self._changed.wait()
        if self._written == 0 and self._error is not None:
            self._release()  # no reader will come
            raise self._error

    def _produce(self) -> None:
        if self._slots is not None and not self._slots.acquire(timeout=self._wait):
            self._error = ServiceBusy("the service is busy with other exports; try again shortly")
            with self._changed:
                self._finished = True
                self._changed.notify_all()
            self._release()
            return
        try:
            self._source = self._make_source()
            for chunk in self._source:
                if self._abandoned:
                    break
                if chunk:
                    os.write(self._fd, chunk)  # unbuffered: on disk (cache) once it returns
                    with self._changed:
                        self._written += len(chunk)
                        self._changed.notify_all()
        except BaseException as exc:  # handed to the reader, which raises it
            self._error = exc
        finally:
            close = getattr(self._source, "close", None)
            if close is not None:
                try:
                    close()  # ends the generator's session now, not at garbage collection
                except Exception:  # already failed: the reader hears of the first error
                    log.debug("closing a spooled source failed", exc_info=True)
            if self._slots is not None:
                self._slots.release()
            with self._changed:
                self._finished = True
                self._changed.notify_all()
            self._release()

    def _release(self) -> None:
        with self._changed:
            self._users -= 1
            last = self._users == 0
        if last:
            self._file.close()

    def __iter__(self) -> Iterator[bytes]:
        position = 0
        try:
            while True:
                with self._changed:
                    while position >= self._written and not self._finished:
                        self._changed.wait()
                    available = self._written
                if position < available:
                    data = os.pread(self._fd, min(available - position, READ_SIZE), position)
                    position += len(data)
                    yield data
                    continue
                if self._error is not None:
                    raise self._error
                return
        finally:
            self._abandoned = True
            self._release()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the source has been read to its end (tests, benchmarks)."""
        self._thread.join(timeout)
        return not self._thread.is_alive()
