"""Migrations build every table from an empty database, and match the models exactly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.db import Database, current_revision, head_revision, upgrade
from app.models import include_object, metadata


def test_migrations_build_the_models_from_scratch(database_url: str, tmp_path) -> None:
    # a brand-new database of the same backend
    if database_url.startswith("sqlite"):
        database = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    else:
        database = Database(database_url)
        upgrade(database.engine, "base")
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
