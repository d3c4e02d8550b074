"""The concordance: aligned segments whose French (or English) side matches a query.

What a query is: words (all required, inflected forms found: "migrant" finds "migrants"), text in
double quotes as a phrase (its words in that order), ``word*`` as a prefix; and/or a termbase
concept, which matches a segment holding any of its terms in the language searched (each term as
a phrase, inflected forms found).

Each database does it with its own full-text search, to the same effect:

- SQLite: FTS5. Words, phrases and terms are looked for in ``segment_fts_stem`` (Snowball stems,
  computed in Python, migration ``0005_segment_stems``); prefixes in ``segment_fts`` (unstemmed,
  ``0002_jobs``). Both ignore accents and case.
- PostgreSQL: the stemmed ``tsvector`` columns (``french`` and ``english`` configurations) with
  ``websearch_to_tsquery``, ``phraseto_tsquery`` for terms, ``to_tsquery('…:*')`` for prefixes.

Ranking, on both: segments where the words occur with the query's very accents first ("traite"
before "Traité"), then the database's relevance (BM25, ``ts_rank``), then order of writing.
Results carry the spans that matched and the text HTML-escaped with ``<mark>`` around them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.jobs.schemas import MatchSpan, SegmentHit
from app.jobs.stems import Wanted, exact_glob, exact_regex, fold, highlight, marked, stems

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
        if re.search(r"\w", phrase):
            phrases.append(" ".join(phrase.split()))
        elif word:
            prefix = word.endswith("*")
            word = word.rstrip("*")
            if re.search(r"\w", word):
                words.append((word, prefix))
    if not phrases and not words:
        raise EmptyQuery("the query has no word to search for")
    return Terms(phrases, words)


def _quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


@dataclass(frozen=True, slots=True)
class Plan:
    """A query taken apart: what the stem index must hold, what the surface index must hold
    (prefixes), the alternatives from a concept's terms, and the exact forms for the ranking."""

    typed: list[str]  # the words and phrases as typed (prefixes aside)
    stemmed: list[tuple[str, ...]]  # the same as stems; all required
    prefixes: list[str]  # lower case, all required
    terms: list[str]  # a concept's terms; one required
    alternatives: list[tuple[str, ...]]  # the same as stems

    @property
    def exact(self) -> list[str]:
        """What the ranking looks for with its very accents."""
        return list(dict.fromkeys(self.typed + self.terms))[:20]


def plan(query: str | None, lang: str, concept_terms: Sequence[str] = ()) -> Plan:
    """Raises ``EmptyQuery`` when there is nothing to search for."""
    terms = parse(query) if query is not None else Terms([], [])
    typed = terms.phrases + [w for w, prefix in terms.words if not prefix]
    prefixes = [re.sub(r"\W", "", w.lower()) for w, prefix in terms.words if prefix]
    usable = [t for t in concept_terms if re.search(r"\w", t)]
    result = Plan(
        typed=typed,
        stemmed=[tuple(stems(t, lang)) for t in typed],
        prefixes=[w for w in prefixes if w],
        terms=usable,
        alternatives=[tuple(stems(t, lang)) for t in usable],
    )
    if not (result.typed or result.prefixes or result.terms):
        raise EmptyQuery("the query has no word to search for")
    return result


def fts5_stem_query(p: Plan, column: str) -> str | None:
    """The FTS5 MATCH expression over the stem index: every word and phrase (quoted: no operator
    comes from the user's text), and one of the concept's terms, in ``column`` only."""
    parts = [_quoted(" ".join(s)) for s in p.stemmed]
    if p.alternatives:
        parts.append("(" + " OR ".join(_quoted(" ".join(a)) for a in p.alternatives) + ")")
    return f"{column} : ({' AND '.join(parts)})" if parts else None


def fts5_prefix_query(p: Plan, column: str) -> str | None:
    if not p.prefixes:
        return None
    return f"{column} : ({' AND '.join(_quoted(fold(w)) + ' *' for w in p.prefixes)})"


def search_segments(
    session: Session,
    query: str | None,
    lang: str,
    *,
    limit: int,
    offset: int,
    job_id: int | None = None,
    concept_terms: Sequence[str] = (),
) -> tuple[list[SegmentHit], bool]:
    """One page of matching segments, best first; and whether there are more. Reads only."""
    p = plan(query, lang, concept_terms)
    params: dict[str, object] = {"limit": limit + 1, "offset": offset, "job_id": job_id}
    job_filter = "AND s.job_id = :job_id" if job_id is not None else ""
    exact = p.exact
    if session.get_bind().dialect.name == "postgresql":
        sql = _postgres_sql(p, lang, exact, params, job_filter)
    else:
        sql = _sqlite_sql(p, lang, exact, params, job_filter)
    rows = session.execute(text(sql), params).all()
    wanted = Wanted(tuple(p.stemmed + p.alternatives), tuple(fold(w) for w in p.prefixes))
    hits = []
    for fr, en, confidence, job, name, position in rows[:limit]:
        side = fr if lang == "fr" else en
        spans = highlight(side, lang, wanted)
        hits.append(
            SegmentHit(
                fr=fr,
                en=en,
                confidence=confidence,
                job_id=job,
                document=name,
                position=position,
                matches=[MatchSpan(start=s, end=e) for s, e in spans],
                highlighted=marked(side, spans),
            )
        )
    return hits, len(rows) > limit


def _boost(exact: list[str], params: dict[str, object], test: str) -> str:
    """How many of the words, phrases and terms occur with exactly these accents."""
    if not exact:
        return ""
    cases = []
    for k, value in enumerate(exact):
        params[f"exact{k}"] = value
        cases.append(f"CASE WHEN {test.format(k=k)} THEN 1 ELSE 0 END")
    return " + ".join(cases)


def _sqlite_sql(
    p: Plan, lang: str, exact: list[str], params: dict[str, object], job_filter: str
) -> str:
    for k, value in enumerate(exact):
        exact[k] = exact_glob(value)
    boost = _boost(exact, params, f"(' ' || s.{lang}_text || ' ') GLOB :exact{{k}}")
    stem_query = fts5_stem_query(p, lang)
    prefix_query = fts5_prefix_query(p, f"{lang}_text")
    if stem_query is not None:
        params["query"] = stem_query
        source, rank = "segment_fts_stem", "bm25(segment_fts_stem)"
        prefix_filter = ""
        if prefix_query is not None:
            params["prefixes"] = prefix_query
            prefix_filter = (
                "AND s.id IN (SELECT rowid FROM segment_fts WHERE segment_fts MATCH :prefixes)"
            )
    else:
        params["query"] = prefix_query
        source, rank, prefix_filter = "segment_fts", "bm25(segment_fts)", ""
    return f"""
        SELECT s.fr_text, s.en_text, s.confidence, s.job_id, i.name, s.position
        FROM {source} JOIN segment s ON s.id = {source}.rowid
             JOIN job_item i ON i.id = s.item_id
        WHERE {source} MATCH :query {prefix_filter} {job_filter}
        ORDER BY {f"({boost}) DESC, " if boost else ""}{rank}, s.id
        LIMIT :limit OFFSET :offset
    """


def _postgres_sql(
    p: Plan, lang: str, exact: list[str], params: dict[str, object], job_filter: str
) -> str:
    for k, value in enumerate(exact):
        exact[k] = exact_regex(value)
    boost = _boost(exact, params, f"s.{lang}_text ~ :exact{{k}}")
    params["config"] = CONFIGS[lang]
    config = "CAST(:config AS regconfig)"
    parts = []
    if p.typed:
        # the words and phrases as typed (the database stems them itself)
        params["query"] = " ".join(_quoted(" ".join(t.split())) for t in p.typed)
        parts.append(f"websearch_to_tsquery({config}, :query)")
    for k, w in enumerate(p.prefixes):
        params[f"prefix{k}"] = w + ":*"
        parts.append(f"to_tsquery({config}, :prefix{k})")
    if p.alternatives:
        ors = []
        for k, term in enumerate(p.terms):
            params[f"term{k}"] = term
            ors.append(f"phraseto_tsquery({config}, :term{k})")
        parts.append("(" + " || ".join(ors) + ")")
    tsquery = " && ".join(parts)
    return f"""
        SELECT s.fr_text, s.en_text, s.confidence, s.job_id, i.name, s.position
        FROM segment s JOIN job_item i ON i.id = s.item_id, ({"SELECT " + tsquery}) AS q(q)
        WHERE s.{lang}_tsv @@ q.q {job_filter}
        ORDER BY {f"({boost}) DESC, " if boost else ""}ts_rank(s.{lang}_tsv, q.q) DESC, s.id
        LIMIT :limit OFFSET :offset
    """
