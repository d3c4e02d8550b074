"""Stemmed full-text search of segments on SQLite, as PostgreSQL has.

Revision ID: 0005_segment_stems
Revises: 0004_api_keys
Create Date: 2026-12-05

PostgreSQL's ``tsvector`` columns (``0002_jobs``) are stemmed with the Snowball stemmers of its
``french`` and ``english`` configurations. SQLite's FTS5 has none for French, so the segments'
stems are computed in Python with the same Snowball algorithms (``app.jobs.stems``) and kept in
the FTS5 table ``segment_fts_stem`` (its rowid is the segment's id), filled in the same batches
as ``segment_fts`` (``app.jobs.repository.index_segments``). Segments indexed before this
migration are stemmed here. Nothing changes on PostgreSQL.
"""

from __future__ import annotations

from alembic import op

revision = "0005_segment_stems"
down_revision = "0004_api_keys"
branch_labels = None
depends_on = None

BATCH = 5_000


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    from app.jobs.stems import stem_text

    op.execute(
        "CREATE VIRTUAL TABLE segment_fts_stem USING fts5("
        "fr, en, tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER segment_fts_stem_delete AFTER DELETE ON segment BEGIN "
        "DELETE FROM segment_fts_stem WHERE rowid = old.id; END"
    )
    conn = op.get_bind().connection.driver_connection
    mark = conn.execute("SELECT indexed_up_to FROM segment_fts_state").fetchone()[0]
    last = 0
    while True:
        rows = conn.execute(
            "SELECT id, fr_text, en_text FROM segment WHERE id > ? AND id <= ? ORDER BY id LIMIT ?",
            (last, mark, BATCH),
        ).fetchall()
        if not rows:
            break
        conn.executemany(
            "INSERT INTO segment_fts_stem(rowid, fr, en) VALUES (?, ?, ?)",
            [(i, stem_text(fr, "fr"), stem_text(en, "en")) for i, fr, en in rows],
        )
        last = rows[-1][0]


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS segment_fts_stem_delete")
    op.execute("DROP TABLE IF EXISTS segment_fts_stem")
