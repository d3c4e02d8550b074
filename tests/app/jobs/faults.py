"""Tasks for the runner's failure tests: the real aligner, except for documents marked to fail.

They live in the test suite, never in the service: the runner takes its task as an argument, and
the worker processes import this module by name (the pool's processes are started, not forked
from the test process, and get its ``sys.path``).
"""

from __future__ import annotations

import os
import time
from typing import Any

from app.jobs.worker import align_pair

CRASH = "ALINEA-TEST-CRASH"
SLEEP = "ALINEA-TEST-SLEEP"


def crash_or_align(fr: str, en: str, options: dict[str, Any]) -> dict[str, Any]:
    """Kill the worker process (as a segfault or the OOM killer would) on a marked document."""
    if CRASH in fr:
        os._exit(70)
    return align_pair(fr, en, options)


def sleep_or_align(fr: str, en: str, options: dict[str, Any]) -> dict[str, Any]:
    """Hang (far beyond any test's timeout) on a marked document."""
    if SLEEP in fr:
        time.sleep(600)
    return align_pair(fr, en, options)


def raise_or_align(fr: str, en: str, options: dict[str, Any]) -> dict[str, Any]:
    """A bug in the task: an exception rather than a result."""
    if "ALINEA-TEST-RAISE" in fr:
        raise RuntimeError("a bug in the task")
    return align_pair(fr, en, options)
