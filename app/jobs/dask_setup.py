"""What each Dask worker does when it joins (or when a runner connects): get the aligner ready.

Its memory allocator is given room (:func:`roomy_malloc`), its sampling profiler is stopped, and
the aligner is warmed up (lexicon loaded, numba search loaded from its cache).

Imported only when ``ALINEA_DASK_SCHEDULER`` is set, and on the workers (which need the
``alinea`` package installed, the same version).
"""

from __future__ import annotations

import ctypes
import logging
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from app.jobs.worker import warm_up

log = logging.getLogger("alinea.jobs")

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3


def roomy_malloc() -> bool:
    """Undo the tight malloc settings the Dask nanny gives its workers, for the aligner's sake.

    The nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536`` (so that freed memory goes
    back to the system at once), which also fixes glibc's mmap threshold at 128 KiB: every
    large numpy array of the aligner is then a fresh mmap, page faults and all (measured: 22 %
    slower per document). These are glibc's own upper bounds for its adaptive thresholds.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(
            libc.mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024)
            and libc.mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024)
        )
    except (OSError, AttributeError):  # not glibc
        return False


class AlignerSetup(WorkerPlugin):
    """Registered by the runner: runs on every worker of the cluster, now and when it joins."""

    name = "alinea-aligner"

    def setup(self, worker: Any) -> None:
        roomy_malloc()
        # The worker's statistical profiler samples the running task's stack every 10 ms,
        # taking the interpreter lock from the aligner each time (3-8 % of its speed); its
        # dashboard page stays empty on an Alinea cluster.
        callbacks = getattr(worker, "periodic_callbacks", {})
        for key in ("profile", "profile-cycle"):
            callback = callbacks.get(key)
            if callback is not None:
                callback.stop()
        try:
            warm_up()
        except Exception:  # the items will fail with the reason; the worker stays up
            log.exception("the aligner could not warm up on this Dask worker")
