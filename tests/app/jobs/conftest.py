"""Fixtures of the job tests: real UN document pairs, jobs queued straight in the database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from app.db import Database
from app.jobs import repository
from app.jobs.models import JobItem
from app.settings import Settings

UN = "data/align-dev/un"


@pytest.fixture(scope="session")
def un_pairs(shared_dir: Path) -> list[tuple[str, str, str]]:
    """(name, French, English) of the align-dev/un documents, one sentence a line."""
    folder = shared_dir / UN
    return [
        (
            path.name.removesuffix(".fr"),
            path.read_text(encoding="utf-8"),
            path.with_suffix(".en").read_text(encoding="utf-8"),
        )
        for path in sorted(folder.glob("*.fr"))
    ]


def _queue_job(
    database: Database, pairs: list[tuple[str, str, str]], options: dict | None = None
) -> int:
    """Queue a job of pre-segmented pairs as the API would; return its id."""
    items = [repository.NewItem(name, fr, en, True) for name, fr, en in pairs]
    with database.session() as session:
        return repository.submit_job(session, items, options or {"presegmented": True}).id


def _items_of(database: Database, job_id: int) -> list[JobItem]:
    from sqlalchemy import select

    with database.sessionmaker() as session:
        return list(
            session.scalars(
                select(JobItem).where(JobItem.job_id == job_id).order_by(JobItem.position)
            )
        )


def _runner_settings(database: Database, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database.url,
        "job_workers": 2,
        "job_poll_interval": 0.05,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def queue_job() -> Callable[..., int]:
    """``queue_job(database, pairs, options=None)``: a job queued as the API would; its id."""
    return _queue_job


@pytest.fixture(scope="session")
def items_of() -> Callable[[Database, int], list[JobItem]]:
    """``items_of(database, job_id)``: the job's items, in order."""
    return _items_of


@pytest.fixture(scope="session")
def runner_settings() -> Callable[..., Settings]:
    """``runner_settings(database, **overrides)``: settings for a runner of the tests (two
    workers, a short poll interval)."""
    return _runner_settings
