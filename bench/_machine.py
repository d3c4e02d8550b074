"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import time

import psutil


def busy_mark() -> tuple[float, float]:
    """CPU seconds used by all processes so far, and a wall-clock mark."""
    times = psutil.cpu_times()
    busy = (
        times.user
        + times.system
        + sum(getattr(times, name, 0.0) for name in ("nice", "irq", "softirq"))
    )
    return busy, time.monotonic()


def busy_cores_since(start: tuple[float, float]) -> float:
    """Average number of CPUs busy (all processes) since ``start = busy_mark()``."""
    busy, wall = busy_mark()
    return (busy - start[0]) / (wall - start[1])
