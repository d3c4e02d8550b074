"""Database plumbing: engines for SQLite and PostgreSQL, sessions, and Alembic in code."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def normalize_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        if make_url(url).database not in (None, "", ":memory:"):
            with engine.connect() as conn:
                # WAL lets readers go on while a writer commits; it is a property of the file.
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = normalize_url(url)
        self.engine = create_db_engine(self.url, **engine_kwargs)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work, the only place that commits: the session commits when the block
        ends normally and rolls back otherwise; once committed, the actions registered with
        :func:`after_commit` run (the session still open). A request's session is one of these
        (:func:`app.deps.get_session`); domain services never commit."""
        with self.sessionmaker() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            for action in session.info.pop(_AFTER_COMMIT, ()):
                action(session)

    def dispose(self) -> None:
        self.engine.dispose()


_AFTER_COMMIT = "alinea.after_commit"


def after_commit(session: Session, action: Callable[[Session], None]) -> None:
    """Run ``action`` once the unit of work of ``session`` has committed (not if it rolls back):
    e.g. make this process's term index see the change."""
    session.info.setdefault(_AFTER_COMMIT, []).append(action)


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.set_main_option(
            "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
        )
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` in one transaction."""
    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
