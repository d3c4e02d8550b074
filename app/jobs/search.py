"""The concordance: aligned segments whose French (or English) side matches a query.

Uses each database's own full-text search (created by the migration ``0002_jobs``):

- SQLite: FTS5 over both sides, ``unicode61`` tokens with diacritics removed ("Etats" finds
  "États"), no stemming; a word ending in ``*`` is a prefix (``migra*``); ranked by BM25.
- PostgreSQL: ``tsvector`` columns with the ``french`` and ``english`` configurations (stemmed:
  "migrant" finds "migrants"), queried with ``websearch_to_tsquery``; ranked by ``ts_rank``.

On both, every word must occur, and text in double quotes is a phrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.jobs.schemas import SegmentHit

_TOKEN_RE = re.compile(r'"([^"]*)"|(\S+)')
CONFIGS = {"fr": "french", "en": "english"}


class EmptyQuery(ValueError):
    """A query with nothing to search for."""


@dataclass(frozen=True, slots=True)
class Terms:
    phrases: list[str]
    words: list[tuple[str, bool]]  # (word, is a prefix)


def parse(query: str) -> Terms:
    phrases: list[str] = []
    words: list[tuple[str, bool]] = []
    for phrase, word in _TOKEN_RE.findall(query):
        if phrase.strip():
            phrases.append(phrase.strip())
        elif word:
            prefix = word.endswith("*")
            word = word.rstrip("*")
            if re.search(r"\w", word):
                words.append((word, prefix))
    if not phrases and not words:
        raise EmptyQuery("the query has no word to search for")
    return Terms(phrases, words)


def fts5_query(terms: Terms, column: str) -> str:
    """An FTS5 MATCH expression: each word and phrase quoted (so no operator is taken from the
    user's text), all required, in ``column`` only."""

    def quoted(value: str) -> str:
        return '"' + value.replace('"', '""') + '"'

    parts = [quoted(p) for p in terms.phrases]
    parts += [quoted(w) + (" *" if prefix else "") for w, prefix in terms.words]
    return f"{column} : ({' AND '.join(parts)})"


def search_segments(
    session: Session, query: str, lang: str, *, limit: int, offset: int, job_id: int | None = None
) -> tuple[list[SegmentHit], bool]:
    """One page of matching segments, best first; and whether there are more."""
    terms = parse(query)
    column = f"{lang}_text"
    job_filter = "AND s.job_id = :job_id" if job_id is not None else ""
    params: dict[str, object] = {"limit": limit + 1, "offset": offset, "job_id": job_id}
    if session.get_bind().dialect.name == "postgresql":
        params["query"] = " ".join(
            [f'"{p}"' for p in terms.phrases] + [w for w, _prefix in terms.words]
        )
        params["config"] = CONFIGS[lang]
        sql = f"""
            SELECT s.fr_text, s.en_text, s.confidence, s.job_id, i.name, s.position
            FROM segment s JOIN job_item i ON i.id = s.item_id,
                 websearch_to_tsquery(CAST(:config AS regconfig), :query) AS q
            WHERE s.{lang}_tsv @@ q {job_filter}
            ORDER BY ts_rank(s.{lang}_tsv, q) DESC, s.id
            LIMIT :limit OFFSET :offset
        """
    else:
        params["query"] = fts5_query(terms, column)
        sql = f"""
            SELECT s.fr_text, s.en_text, s.confidence, s.job_id, i.name, s.position
            FROM segment_fts JOIN segment s ON s.id = segment_fts.rowid
                 JOIN job_item i ON i.id = s.item_id
            WHERE segment_fts MATCH :query {job_filter}
            ORDER BY bm25(segment_fts), s.id
            LIMIT :limit OFFSET :offset
        """
    rows = session.execute(text(sql), params).all()
    hits = [
        SegmentHit(
            fr=fr, en=en, confidence=confidence, job_id=job, document=name, position=position
        )
        for fr, en, confidence, job, name, position in rows[:limit]
    ]
    return hits, len(rows) > limit
