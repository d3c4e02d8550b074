"""Alembic migrations: one linear history that builds every Alinea table from an empty database."""
