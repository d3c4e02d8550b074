"""Concept revisions: optimistic locking, ids never reused, duplicate keys, restorable history.

Revision ID: 0003_concept_revisions
Revises: 0002_jobs
Create Date: 2026-12-03

- ``concept.revision``: raised by every change; writers compare and set it (If-Match, ETag).
  Existing concepts get the number of their recorded changes.
- ``term.match_key``: ``<primary language>:<normalised key>``, indexed, to find possible
  duplicates; filled in for existing terms with the normaliser of this version.
- ``revision.number`` (the concept's revision a change made) and ``revision.restored_from``;
  the action ``restore``.
- SQLite: ``concept``, ``term`` and ``revision`` become ``AUTOINCREMENT`` tables, so the id of a
  deleted row is never handed out again (PostgreSQL's sequences never did). The id counter of
  concepts starts above every id the history knows, deleted concepts' included. SQLite declares
  AUTOINCREMENT only in CREATE TABLE, so the three tables are built again; the old ``concept``
  is renamed first and dropped last, once nothing refers to it: dropping a parent table while
  foreign keys are on would delete its children by cascade.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_concept_revisions"
down_revision = "0002_jobs"
branch_labels = None
depends_on = None

ACTIONS_BEFORE = "action IN ('create', 'update', 'delete')"
ACTIONS = "action IN ('create', 'update', 'delete', 'restore')"
# How the JSON of a revision that keeps a file's transaction starts (no snapshot: no number).
TRANSACTION_PREFIX = '{"transaction":%'

CONCEPT_COLUMNS = "id, subject_field, definition, note, source, created_at, updated_at"
TERM_COLUMNS = (
    "id, concept_id, position, lang, text, status, term_type, part_of_speech, context, source, note"
)
REVISION_COLUMNS = "id, concept_id, generation, action, changed_at, changed_by, before, after"


def _concept_table() -> None:
    op.create_table(
        "concept",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_field", sa.String(length=200), nullable=True),
        sa.Column("definition", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concept")),
        sqlite_autoincrement=True,
    )


def _term_table() -> None:
    op.create_table(
        "term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concept_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=35), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("term_type", sa.String(length=16), nullable=False),
        sa.Column("part_of_speech", sa.String(length=16), nullable=True),
        sa.Column("context", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("match_key", sa.String(length=1200), server_default="", nullable=False),
        sa.CheckConstraint(
            "status IN ('preferred', 'admitted', 'deprecated', 'superseded')",
            name=op.f("ck_term_status"),
        ),
        sa.CheckConstraint(
            "term_type IN ('full_form', 'acronym', 'abbreviation', 'short_form', 'variant', "
            "'phrase')",
            name=op.f("ck_term_term_type"),
        ),
        sa.CheckConstraint(
            "part_of_speech IS NULL OR part_of_speech IN ('noun', 'verb', 'adjective', "
            "'adverb', 'other')",
            name=op.f("ck_term_part_of_speech"),
        ),
        sa.ForeignKeyConstraint(
            ["concept_id"],
            ["concept.id"],
            name=op.f("fk_term_concept_id_concept"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_term")),
        sa.UniqueConstraint(
            "concept_id", "lang", "text", name=op.f("uq_term_concept_id_lang_text")
        ),
        sqlite_autoincrement=True,
    )


def _revision_table() -> None:
    op.create_table(
        "revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concept_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("restored_from", sa.Integer(), nullable=True),
        sa.CheckConstraint(ACTIONS, name=op.f("ck_revision_action")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revision")),
        sqlite_autoincrement=True,
    )


def _rebuild_sqlite() -> None:
    """The three tables again, as AUTOINCREMENT tables, with their rows and new columns."""
    # One transaction for all of it: Python's sqlite3 opens one only before a DML statement, so
    # the renames would otherwise be committed on their own and a failure half-way through would
    # leave the tables renamed.
    driver = op.get_bind().connection.driver_connection
    if driver is not None and not driver.in_transaction:
        op.execute("BEGIN")
    # Renaming the parent first points the old term table's foreign key at the old name.
    op.execute("ALTER TABLE concept RENAME TO _concept_before_0003")
    _concept_table()
    op.execute(
        f"INSERT INTO concept ({CONCEPT_COLUMNS}) SELECT {CONCEPT_COLUMNS} "
        "FROM _concept_before_0003"
    )
    op.execute("ALTER TABLE term RENAME TO _term_before_0003")
    op.drop_index("ix_term_concept_id", table_name="_term_before_0003")
    op.drop_index("ix_term_lang_text", table_name="_term_before_0003")
    _term_table()
    op.execute(f"INSERT INTO term ({TERM_COLUMNS}) SELECT {TERM_COLUMNS} FROM _term_before_0003")
    op.execute("DROP TABLE _term_before_0003")
    op.execute("DROP TABLE _concept_before_0003")  # no table refers to it any more
    op.execute("ALTER TABLE revision RENAME TO _revision_before_0003")
    op.drop_index("ix_revision_concept_id", table_name="_revision_before_0003")
    op.drop_index("ix_revision_generation", table_name="_revision_before_0003")
    _revision_table()
    op.execute(
        f"INSERT INTO revision ({REVISION_COLUMNS}) SELECT {REVISION_COLUMNS} "
        "FROM _revision_before_0003"
    )
    op.execute("DROP TABLE _revision_before_0003")
    # New concept ids start above every id the history knows (a deleted concept's too).
    op.execute("DELETE FROM sqlite_sequence WHERE name = 'concept'")
    op.execute(
        "INSERT INTO sqlite_sequence (name, seq) SELECT 'concept', m FROM (SELECT MAX(m) AS m "
        "FROM (SELECT MAX(id) AS m FROM concept UNION ALL SELECT MAX(concept_id) FROM revision)) "
        "WHERE m IS NOT NULL"
    )


def _add_columns_postgresql() -> None:
    op.add_column(
        "concept", sa.Column("revision", sa.Integer(), server_default="1", nullable=False)
    )
    op.add_column(
        "term", sa.Column("match_key", sa.String(length=1200), server_default="", nullable=False)
    )
    op.add_column("revision", sa.Column("number", sa.Integer(), nullable=True))
    op.add_column("revision", sa.Column("restored_from", sa.Integer(), nullable=True))
    op.drop_constraint(op.f("ck_revision_action"), "revision", type_="check")
    op.create_check_constraint(op.f("ck_revision_action"), "revision", ACTIONS)
    # New concept ids start above every id the history knows.
    op.execute(
        "SELECT setval(pg_get_serial_sequence('concept', 'id'), m) FROM ("
        "SELECT GREATEST((SELECT MAX(id) FROM concept), (SELECT MAX(concept_id) FROM revision)) "
        "AS m) AS known WHERE m IS NOT NULL"
    )


def _number_revisions(connection: sa.Connection) -> None:
    """Number each concept's own changes 1, 2, … in order; the concept is at the last."""
    is_transaction = sa.cast(sa.column("after"), sa.String).like(TRANSACTION_PREFIX)
    revisions = sa.table("revision", sa.column("id"), sa.column("concept_id"), sa.column("after"))
    rows = connection.execute(
        sa.select(revisions.c.id, revisions.c.concept_id)
        .where(sa.or_(revisions.c.after.is_(None), sa.not_(is_transaction)))
        .order_by(revisions.c.concept_id, revisions.c.id)
    ).all()
    numbers: list[dict[str, int]] = []
    last_concept, number = None, 0
    for row in rows:
        number = number + 1 if row.concept_id == last_concept else 1
        last_concept = row.concept_id
        numbers.append({"row_id": row.id, "number": number})
    update = sa.text("UPDATE revision SET number = :number WHERE id = :row_id")
    for start in range(0, len(numbers), 5000):
        connection.execute(update, numbers[start : start + 5000])
    connection.execute(
        sa.text(
            "UPDATE concept SET revision = (SELECT MAX(r.number) FROM revision r "
            "WHERE r.concept_id = concept.id) WHERE EXISTS (SELECT 1 FROM revision r "
            "WHERE r.concept_id = concept.id AND r.number IS NOT NULL)"
        )
    )


def _fill_match_keys(connection: sa.Connection) -> None:
    from termbase.normalize import match_key, primary_language

    rows = connection.execute(sa.text("SELECT id, lang, text FROM term")).all()
    keys = []
    for row in rows:
        key = match_key(row.text, row.lang)
        keys.append({"row_id": row.id, "key": f"{primary_language(row.lang)}:{key}" if key else ""})
    update = sa.text("UPDATE term SET match_key = :key WHERE id = :row_id")
    for start in range(0, len(keys), 5000):
        connection.execute(update, keys[start : start + 5000])


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        _rebuild_sqlite()
        op.create_index(op.f("ix_term_concept_id"), "term", ["concept_id"], unique=False)
        op.create_index("ix_term_lang_text", "term", ["lang", "text"], unique=False)
        op.create_index(op.f("ix_revision_concept_id"), "revision", ["concept_id"], unique=False)
        op.create_index(op.f("ix_revision_generation"), "revision", ["generation"], unique=False)
    else:
        _add_columns_postgresql()
    op.create_index("ix_term_match_key", "term", ["match_key"], unique=False)
    _number_revisions(connection)
    _fill_match_keys(connection)


def downgrade() -> None:
    """The columns go; SQLite's tables stay AUTOINCREMENT (harmless to the earlier schema).

    Revisions recorded as ``restore`` become ``update``s, which they are to the earlier schema.
    """
    connection = op.get_bind()
    op.drop_index("ix_term_match_key", table_name="term")
    op.execute("UPDATE revision SET action = 'update' WHERE action = 'restore'")
    if connection.dialect.name == "sqlite":
        # SQLite (3.35+) drops a column in place: no copy of the table, so no cascade.
        for table, column in (
            ("concept", "revision"),
            ("term", "match_key"),
            ("revision", "number"),
            ("revision", "restored_from"),
        ):
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        # the check constraint is part of the table's SQL: it allows 'restore', which no row holds
        return
    op.drop_constraint(op.f("ck_revision_action"), "revision", type_="check")
    op.create_check_constraint(op.f("ck_revision_action"), "revision", ACTIONS_BEFORE)
    op.drop_column("revision", "restored_from")
    op.drop_column("revision", "number")
    op.drop_column("term", "match_key")
    op.drop_column("concept", "revision")
