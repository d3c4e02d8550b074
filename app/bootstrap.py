"""Getting a database ready to serve: migrations to head, the seed on first start, the index."""

from __future__ import annotations

import logging
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


def build_index(database: Database) -> TermIndex:
    index = TermIndex()
    with database.sessionmaker() as session:
        index.load(session=session)
    return index
