"""Migrations build every table from an empty database, and match the models exactly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.db import Database, current_revision, head_revision, upgrade
from app.models import include_object, metadata


def _downgrade(database: Database, target: str) -> None:
    from alembic import command

    from app.db import alembic_config

    with database.engine.begin() as conn:
        config = alembic_config(database.engine)
        config.attributes["connection"] = conn
        command.downgrade(config, target)


def test_migrations_build_the_models_from_scratch(database_url: str, tmp_path) -> None:
    # a brand-new database of the same backend
    if database_url.startswith("sqlite"):
        database = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    else:
        database = Database(database_url)
        _downgrade(database, "base")  # (an upgrade to "base" from the head does nothing)
    try:
        upgrade(database.engine)
        assert current_revision(database.engine) == head_revision()
        tables = set(inspect(database.engine).get_table_names())
        assert set(metadata.tables) <= tables
        with database.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_object": include_object})
            diff = compare_metadata(context, metadata)
        assert diff == []
        # constraints are named, so later migrations (and SQLite batch mode) can alter them
        for table in metadata.tables.values():
            for constraint in table.constraints:
                assert constraint.name, (table.name, constraint)
    finally:
        if not database_url.startswith("sqlite"):
            upgrade(database.engine)  # leave the shared test database migrated
        database.dispose()


def test_downgrade_to_base_and_up_again(tmp_path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'roundtrip.db'}")
    upgrade(database.engine)
    from alembic import command

    from app.db import alembic_config

    with database.engine.begin() as conn:
        config = alembic_config(database.engine)
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
    upgrade(database.engine)
    assert current_revision(database.engine) == head_revision()
    database.dispose()


def _fresh(database_url: str, tmp_path) -> Database:  # type: ignore[no-untyped-def]
    """An empty database of the backend: a new SQLite file, or the test PostgreSQL database
    taken down to nothing (it is migrated again afterwards)."""
    if database_url.startswith("sqlite"):
        return Database(f"sqlite:///{tmp_path / 'before-0003.db'}")
    database = Database(database_url)
    _downgrade(database, "base")
    return database


def test_0003_keeps_every_row_and_never_hands_out_an_old_id(database_url: str, tmp_path) -> None:
    """A termbase written before 0003 (a deleted concept had the highest id) comes through whole:
    terms are not lost to the rebuilt tables, each concept is at the number of its changes, its
    terms have their keys, and a new concept takes an id no concept ever had."""
    from sqlalchemy import text

    database = _fresh(database_url, tmp_path)
    try:
        upgrade(database.engine, "0002_jobs")
        with database.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO concept (id, definition, created_at, updated_at) VALUES "
                    "(1, 'kept', '2026-01-01 00:00:00', '2026-01-02 00:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO term (id, concept_id, position, lang, text, status, term_type) "
                    "VALUES (1, 1, 0, 'fr', 'les États Membres', 'preferred', 'full_form'), "
                    "(2, 1, 1, 'en', 'Member States', 'preferred', 'full_form')"
                )
            )
            revision = (
                "INSERT INTO revision (concept_id, generation, action, changed_at, changed_by, "
                "before, after) VALUES (:c, :g, :a, '2026-01-01 00:00:00', 'ann', NULL, :after)"
            )
            for concept_id, generation, action, after in (
                (1, 1, "create", '{"id": 1}'),
                (1, 2, "update", '{"transaction": {"type": "modification"}}'),  # from a file
                (1, 3, "update", '{"id": 1}'),
                (7, 4, "create", '{"id": 7}'),  # the highest id, deleted since
                (7, 5, "delete", None),
            ):
                conn.execute(
                    text(revision), {"c": concept_id, "g": generation, "a": action, "after": after}
                )
        upgrade(database.engine)
        with database.engine.begin() as conn:
            assert conn.execute(text("SELECT revision FROM concept")).scalar_one() == 2
            keys = conn.execute(text("SELECT match_key FROM term ORDER BY id")).scalars().all()
            assert keys == ["fr:état membre", "en:member state"]
            numbers = conn.execute(text("SELECT number FROM revision ORDER BY id")).scalars().all()
            assert numbers == [1, None, 2, 1, 2]
            conn.execute(
                text(
                    "INSERT INTO concept (created_at, updated_at) VALUES "
                    "('2026-01-03 00:00:00', '2026-01-03 00:00:00')"
                )
            )
            new_id = conn.execute(text("SELECT MAX(id) FROM concept")).scalar_one()
            assert new_id > 7
        with database.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_object": include_object})
            assert compare_metadata(context, metadata) == []
    finally:
        if not database_url.startswith("sqlite"):
            _downgrade(database, "base")
            upgrade(database.engine)
        database.dispose()


def test_0003_downgrades_without_losing_terms(tmp_path) -> None:
    from sqlalchemy import text

    database = Database(f"sqlite:///{tmp_path / 'down.db'}")
    upgrade(database.engine)
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO concept (id, created_at, updated_at) VALUES "
                "(1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO term (concept_id, position, lang, text, status, term_type) "
                "VALUES (1, 0, 'en', 'kept', 'preferred', 'full_form')"
            )
        )
    _downgrade(database, "0002_jobs")
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT text FROM term")).scalars().all() == ["kept"]
    upgrade(database.engine)
    assert current_revision(database.engine) == head_revision()
    database.dispose()


def test_0003_fails_whole_on_sqlite(tmp_path) -> None:
    """A failure half-way through the rebuild of the tables leaves the database at 0002, with
    its tables and rows as they were (sqlite3 would have committed the renames on their own)."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    database = Database(f"sqlite:///{tmp_path / 'half.db'}")
    upgrade(database.engine, "0002_jobs")
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO concept (id, created_at, updated_at) VALUES "
                "(1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        conn.execute(text("CREATE TABLE _revision_before_0003 (x INTEGER)"))  # in the way
    with pytest.raises(OperationalError):
        upgrade(database.engine)
    assert current_revision(database.engine) == "0002_jobs"
    tables = set(inspect(database.engine).get_table_names())
    assert "_concept_before_0003" not in tables and {"concept", "term", "revision"} <= tables
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT id FROM concept")).scalars().all() == [1]
    database.dispose()
