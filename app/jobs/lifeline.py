"""Pool processes end when the service that started them ends, even by SIGKILL.

The local pool's processes fork from a ``forkserver`` that the service starts. Nothing in
:mod:`multiprocessing` ends them when the service is killed: a worker waits for its next item on
a pipe whose other end it holds itself, the forkserver waits for the last holder of its "alive"
pipe to go (every worker holds a copy), and the resource tracker for all of them (measured: after
SIGKILL of ``alinea serve``, its forkserver, workers and resource tracker, 356 MB, stayed for
15 minutes and more). So:

- the forkserver watches the service (:func:`watch`: a thread blocked on a pidfd of it, which
  Linux makes readable when that process ends) and exits with it;
- each worker asks the kernel for SIGKILL when its parent, the forkserver, ends
  (``prctl(PR_SET_PDEATHSIG)``: nothing to run in the worker, so it works even while the
  aligner holds the interpreter lock), and watches the service too;
- the resource tracker then reads the end of its pipe and exits by itself.
"""

from __future__ import annotations

import ctypes
import logging
import os
import select
import signal
import threading
import time

log = logging.getLogger("alinea.jobs")

PR_SET_PDEATHSIG = 1


def _exit_when_gone(pid: int) -> None:
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(0)
    except (AttributeError, OSError):  # no pidfd (an old kernel): look every second
        while True:
            time.sleep(1.0)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:
                pass
    select.select([handle], [], [])
    os._exit(0)


def watch(pid: int) -> None:
    """Exit this process (at once, no clean-up: it only ever served ``pid``) when ``pid`` ends."""
    threading.Thread(
        target=_exit_when_gone, args=(pid,), name="alinea-lifeline", daemon=True
    ).start()


def die_with_parent() -> None:
    """Have the kernel send SIGKILL to this process when its parent ends (Linux)."""
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            return
    except (OSError, AttributeError):  # not Linux
        return
    if os.getppid() != parent:  # the parent ended before the request took effect
        os._exit(0)


def worker_started(service: int) -> None:
    """What a pool worker does first: end with its forkserver, and with the service."""
    die_with_parent()
    watch(service)
