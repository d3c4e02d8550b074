"""Preloaded by the local pool's forkserver only (never imported elsewhere): the forkserver
exits when the service that started it ends (see :mod:`app.jobs.lifeline`)."""

from __future__ import annotations

import os

from app.jobs.lifeline import watch

# The forkserver is started by the service process itself: its parent is the service.
watch(os.getppid())
