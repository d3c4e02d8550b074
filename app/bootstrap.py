"""Getting a database ready to serve: migrations to head, the seed on first start, the index."""

from __future__ import annotations

import logging

from app.db import Database, upgrade
from app.settings import Settings
from termbase.index import TermIndex
from termbase.seed import load_seed_if_new

log = logging.getLogger("alinea")


def prepare_database(settings: Settings) -> Database:
    """Open the configured database, migrate it and load the seed as the settings say."""
    database = Database(settings.database_url)
    if settings.auto_migrate:
        upgrade(database.engine)
    if settings.load_seed:
        with database.session() as session:
            created = load_seed_if_new(session=session)
        if created:
            log.info("loaded the UN seed termbase: %d concepts", created)
    return database


def build_index(database: Database) -> TermIndex:
    index = TermIndex()
    with database.sessionmaker() as session:
        index.load(session=session)
    return index
