"""Getting a process ready to serve: migrations to head, the seed on first start, the index, and
the process-wide tuning of the garbage collector (done here, at the process's edge, never in the
termbase or alignment libraries)."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import Callable, Iterator
from typing import Any

from app.db import Database, upgrade
from app.settings import Settings
from termbase.index import TermIndex
from termbase.seed import load_seed_if_new, upgrade_seed

log = logging.getLogger("alinea")


def pool_options(settings: Settings) -> dict[str, Any]:
    """The connection pool's size and how long a request waits for a connection."""
    if settings.database_url.startswith("sqlite") and ":memory:" in settings.database_url:
        return {}  # one connection per thread: no pool to size
    return {
        "pool_size": settings.database_pool_size,
        "max_overflow": settings.database_max_overflow,
        "pool_timeout": settings.database_pool_timeout,
    }


def prepare_database(settings: Settings) -> Database:
    """Open the configured database, migrate it and load the seed as the settings say."""
    database = Database(settings.database_url, **pool_options(settings))
    if settings.auto_migrate:
        upgrade(database.engine)
    if settings.load_seed:
        with database.session() as session:
            created = load_seed_if_new(session=session)
            upgraded = upgrade_seed(session=session)
        if created:
            log.info("loaded the UN seed termbase: %d concepts", created)
        if upgraded is not None:
            log.info(
                "brought the UN seed termbase from version %d to %d: %d concepts created, %d "
                "updated, %d unchanged, %d edited or deleted here and kept as they are",
                upgraded.from_version,
                upgraded.to_version,
                upgraded.created,
                upgraded.updated,
                upgraded.unchanged,
                upgraded.kept,
            )
    return database


# Above this many terms, a loaded index is frozen out of the collector's sight (see below).
SETTLE_FROM_TERMS = 20_000


def settle_collector(index: TermIndex) -> None:
    """Take a freshly loaded index's millions of long-lived objects out of the garbage
    collector's sight (``gc.freeze``), for the service process.

    Without this, each full collection walks them all: pauses of hundreds of milliseconds in the
    middle of requests (measured: look-up p99 of 486 ms over HTTP before, see docs/BENCHMARKS.md).
    """
    if index.term_count > SETTLE_FROM_TERMS:
        gc.unfreeze()  # what an earlier load froze and is now garbage gets collected too
        gc.collect()
        gc.freeze()


def _collect_young() -> None:
    gc.collect(1)


@contextlib.contextmanager
def import_collector() -> Iterator[Callable[[], None]]:
    """Automatic garbage collection off for a long import in a process of its own (`alinea
    termbase import`); yields what to call after each chunk: a collection of the young
    generations only, the objects of the chunk just written.

    An import allocates millions of short-lived objects; left to itself the collector runs full
    collections over every object of the process all along (a quarter of the time of a
    100,000-concept import). Not for the service: collection is process-wide and would stop for
    every request meanwhile.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield _collect_young
    finally:
        if collecting:
            gc.enable()


def build_index(database: Database) -> TermIndex:
    """The service's term index, loaded, its collector settled after each full load."""
    index = TermIndex(after_load=settle_collector)
    with database.sessionmaker() as session:
        index.load(session=session)
    return index
