"""Termbase: concepts, terms, revision history and termbase state.

Revision ID: 0001_termbase
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_termbase"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "concept",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_field", sa.String(length=200), nullable=True),
        sa.Column("definition", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concept")),
    )
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
    )
    op.create_index(op.f("ix_term_concept_id"), "term", ["concept_id"], unique=False)
    op.create_index("ix_term_lang_text", "term", ["lang", "text"], unique=False)
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
        sa.CheckConstraint(
            "action IN ('create', 'update', 'delete')", name=op.f("ck_revision_action")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revision")),
    )
    op.create_index(op.f("ix_revision_concept_id"), "revision", ["concept_id"], unique=False)
    op.create_index(op.f("ix_revision_generation"), "revision", ["generation"], unique=False)
    termbase_state = op.create_table(
        "termbase_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("seed_version", sa.Integer(), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_termbase_state_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_termbase_state")),
    )
    op.bulk_insert(termbase_state, [{"id": 1, "generation": 0, "seed_version": None}])


def downgrade() -> None:
    op.drop_table("termbase_state")
    op.drop_index(op.f("ix_revision_generation"), table_name="revision")
    op.drop_index(op.f("ix_revision_concept_id"), table_name="revision")
    op.drop_table("revision")
    op.drop_index("ix_term_lang_text", table_name="term")
    op.drop_index(op.f("ix_term_concept_id"), table_name="term")
    op.drop_table("term")
    op.drop_table("concept")
