"""Collections: every concept belongs to one (the UN seed, a vocabulary, the team's, candidates).

Revision ID: 0006_collections
Revises: 0005_segment_stems
Create Date: 2026-12-04

- ``collection``: name, kind, priority (higher ranks first), reliability (1-10); the three every
  termbase has are written with fixed ids: ``un-seed`` (1), ``team`` (2), ``candidates`` (3).
- ``concept.collection_id`` (default 2, the team's) and ``concept.cross_references`` (JSON).
  Existing concepts created by the seed loader (``alinea-seed``) go to ``un-seed``, the others
  stay the team's. Plain ALTER TABLE on both databases, and no foreign key: a batch copy of
  ``concept`` on SQLite would drop the table, and with it (ON DELETE CASCADE) every term.
- ``term_candidate``: term pairs mined from aligned documents and what review made of them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0006_collections"
down_revision = "0005_segment_stems"
branch_labels = None
depends_on = None

DEFAULTS = (
    (1, "un-seed", "seed",
     "UN terminology shipped with Alinea (UN usage, checked against UN texts)", 900, 9),
    (2, "team", "team", "The team's own concepts", 800, 7),
    (3, "candidates", "candidates", "Term pairs mined from aligned documents, awaiting review",
     0, 1),
)  # fmt: skip


def upgrade() -> None:
    collection = op.create_table(
        "collection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("reliability", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('seed', 'vocabulary', 'team', 'candidates')",
            name=op.f("ck_collection_kind"),
        ),
        sa.CheckConstraint("reliability BETWEEN 1 AND 10", name=op.f("ck_collection_reliability")),
        sa.CheckConstraint("priority BETWEEN 0 AND 1000", name=op.f("ck_collection_priority")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection")),
        sa.UniqueConstraint("name", name=op.f("uq_collection_name")),
        sqlite_autoincrement=True,
    )
    op.bulk_insert(
        collection,
        [
            {
                "id": id_,
                "name": name,
                "kind": kind,
                "title": title,
                "priority": priority,
                "reliability": reliability,
                "created_at": datetime.now(UTC),
            }
            for id_, name, kind, title, priority, reliability in DEFAULTS
        ],
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('collection', 'id'), "
            "(SELECT MAX(id) FROM collection))"
        )
    op.add_column(
        "concept",
        sa.Column("collection_id", sa.Integer(), server_default="2", nullable=False),
    )
    op.add_column("concept", sa.Column("cross_references", sa.JSON(), nullable=True))
    op.create_index(op.f("ix_concept_collection_id"), "concept", ["collection_id"], unique=False)
    op.execute(
        "UPDATE concept SET collection_id = 1 WHERE id IN (SELECT concept_id FROM revision "
        "WHERE action = 'create' AND changed_by = 'alinea-seed')"
    )
    op.create_table(
        "term_candidate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_key", sa.String(length=2401), nullable=False),
        sa.Column("concept_id", sa.Integer(), nullable=True),
        sa.Column("src_lang", sa.String(length=35), nullable=False),
        sa.Column("src_text", sa.String(length=500), nullable=False),
        sa.Column("tgt_lang", sa.String(length=35), nullable=False),
        sa.Column("tgt_text", sa.String(length=500), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("frequency", sa.Integer(), nullable=False),
        sa.Column("examples", sa.JSON(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'rejected')", name=op.f("ck_term_candidate_status")
        ),
        sa.ForeignKeyConstraint(
            ["concept_id"],
            ["concept.id"],
            name=op.f("fk_term_candidate_concept_id_concept"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_term_candidate")),
        sa.UniqueConstraint("pair_key", name=op.f("uq_term_candidate_pair_key")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_term_candidate_concept_id"), "term_candidate", ["concept_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_term_candidate_concept_id"), table_name="term_candidate")
    op.drop_table("term_candidate")
    op.drop_index(op.f("ix_concept_collection_id"), table_name="concept")
    # SQLite 3.35+ drops a column in place (no batch copy, see upgrade()).
    op.execute("ALTER TABLE concept DROP COLUMN cross_references")
    op.execute("ALTER TABLE concept DROP COLUMN collection_id")
    op.drop_table("collection")
