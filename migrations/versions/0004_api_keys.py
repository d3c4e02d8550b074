"""API keys, the service's generated secrets, and the owner of each job.

Revision ID: 0004_api_keys
Revises: 0002_jobs
Create Date: 2026-12-03

- ``api_key``: whose key (``name``), its role, its public ``prefix`` and the SHA-256 of the key
  (the key itself is shown once and never stored), when it was made and revoked.
- ``service_secret``: secrets the service generates for itself, e.g. the key that signs
  pagination cursors, shared by every process on the database.
- ``job.owner``: the name on the key that submitted the job (NULL for jobs from before).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_api_keys"
down_revision = "0003_concept_revisions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "role IN ('reader', 'terminologist', 'admin')", name=op.f("ck_api_key_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_key_prefix")),
    )
    op.create_table(
        "service_secret",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_service_secret")),
    )
    # Plain ALTER TABLE on both databases: a batch copy of ``job`` on SQLite would drop the
    # table, and with it (ON DELETE CASCADE) every item of every job.
    op.add_column("job", sa.Column("owner", sa.String(length=200), nullable=True))
    op.create_index(op.f("ix_job_owner"), "job", ["owner"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_job_owner"), table_name="job")
    # SQLite 3.35+ drops a column in place (no batch copy, see upgrade()).
    op.execute("ALTER TABLE job DROP COLUMN owner")
    op.drop_table("service_secret")
    op.drop_table("api_key")
