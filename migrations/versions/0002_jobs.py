"""Batch alignment jobs: job, job_item, segment, and the segments' full-text index.

Revision ID: 0002_jobs
Revises: 0001_termbase
Create Date: 2026-11-29

The full-text index depends on the database:

- SQLite: an FTS5 virtual table ``segment_fts`` over the French and English text (external
  content: it stores the index only), tokenised by ``unicode61`` with diacritics removed, so
  "Etats" finds "États". New segments are added to it in batches (``segment_fts_state`` says up
  to which segment id); triggers keep indexed rows in step when they change or go.
- PostgreSQL: generated ``tsvector`` columns ``fr_tsv`` (``french`` configuration: stemmed, so
  "migrant" finds "migrants") and ``en_tsv`` (``english``), each with a GIN index.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_jobs"
down_revision = "0001_termbase"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    op.create_index(op.f("ix_job_created_at"), "job", ["created_at"], unique=False)
    op.create_table(
        "job_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("presegmented", sa.Boolean(), nullable=False),
        sa.Column("fr_text", sa.Text(), nullable=False),
        sa.Column("en_text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=200), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("result", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed', 'cancelled')",
            name=op.f("ck_job_item_state"),
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_job_item_job_id_job"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_item")),
        sa.UniqueConstraint("job_id", "position", name=op.f("uq_job_item_job_id_position")),
    )
    op.create_index("ix_job_item_state_id", "job_item", ["state", "id"], unique=False)
    op.create_index("ix_job_item_job_id_state", "job_item", ["job_id", "state"], unique=False)
    op.create_table(
        "segment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("fr_text", sa.Text(), nullable=False),
        sa.Column("en_text", sa.Text(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["job_item.id"],
            name=op.f("fk_segment_item_id_job_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_segment_job_id_job"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment")),
        sa.UniqueConstraint("item_id", "position", name=op.f("uq_segment_item_id_position")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_segment_job_id"), "segment", ["job_id"], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE segment_fts USING fts5("
            "fr_text, en_text, content='segment', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        # Segments are indexed in batches after they are written (app.jobs.repository.
        # index_segments): tokenising is most of the cost of writing them, and a batch shares
        # one flush of the index. This row says how far the index has got.
        op.execute(
            "CREATE TABLE segment_fts_state (id INTEGER PRIMARY KEY CHECK (id = 1), "
            "indexed_up_to INTEGER NOT NULL)"
        )
        op.execute("INSERT INTO segment_fts_state (id, indexed_up_to) VALUES (1, 0)")
        op.execute(
            "CREATE TRIGGER segment_fts_delete AFTER DELETE ON segment "
            "WHEN old.id <= (SELECT indexed_up_to FROM segment_fts_state) BEGIN "
            "INSERT INTO segment_fts(segment_fts, rowid, fr_text, en_text) "
            "VALUES ('delete', old.id, old.fr_text, old.en_text); END"
        )
        op.execute(
            "CREATE TRIGGER segment_fts_update AFTER UPDATE ON segment "
            "WHEN old.id <= (SELECT indexed_up_to FROM segment_fts_state) BEGIN "
            "INSERT INTO segment_fts(segment_fts, rowid, fr_text, en_text) "
            "VALUES ('delete', old.id, old.fr_text, old.en_text); "
            "INSERT INTO segment_fts(rowid, fr_text, en_text) "
            "VALUES (new.id, new.fr_text, new.en_text); END"
        )
    elif dialect == "postgresql":
        for lang, config in (("fr", "french"), ("en", "english")):
            op.execute(
                f"ALTER TABLE segment ADD COLUMN {lang}_tsv tsvector GENERATED ALWAYS AS "
                f"(to_tsvector('{config}'::regconfig, {lang}_text)) STORED"
            )
            op.execute(f"CREATE INDEX ix_segment_{lang}_tsv ON segment USING gin ({lang}_tsv)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("segment_fts_update", "segment_fts_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS segment_fts_state")
        op.execute("DROP TABLE IF EXISTS segment_fts")
    op.drop_index(op.f("ix_segment_job_id"), table_name="segment")
    op.drop_table("segment")
    op.drop_index("ix_job_item_job_id_state", table_name="job_item")
    op.drop_index("ix_job_item_state_id", table_name="job_item")
    op.drop_table("job_item")
    op.drop_index(op.f("ix_job_created_at"), table_name="job")
    op.drop_table("job")
