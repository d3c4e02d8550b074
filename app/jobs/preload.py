"""Imported once by the local pool's forkserver: the aligner warmed up before any worker forks.

Every worker process of :class:`app.jobs.executors.LocalPool` is forked from the forkserver, so
with this module preloaded there, a new worker (at start-up, or replacing one that died) starts
with the lexicon loaded and the numba search compiled, in milliseconds instead of seconds. Its
import runs the warm-up; a failure is only logged, and each worker then warms up on its own.
"""

from __future__ import annotations

import logging

try:
    from app.jobs.worker import warm_up

    warm_up()
    WARMED_UP = True
except Exception:  # never stop the forkserver: the workers' own warm-up will report the problem
    logging.getLogger("alinea.jobs").exception("warming the aligner up in the forkserver failed")
    WARMED_UP = False
