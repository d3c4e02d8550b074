"""The in-memory term index behind look-up and recognition.

The database is the source of truth; this index is a read model of it, held by each process that
answers queries. It is built once from the tables and then kept current incrementally: every
termbase write bumps ``termbase_state.generation`` and stamps its revision with it, so a refresh
reads only the concepts changed since the generation the index last saw.

Three structures answer the three kinds of query:

- exact and prefix: a dict from match key to terms, and a sorted list of keys per language (bisect);
- fuzzy: an inverted index of character trigrams of the accent-folded key narrows 100k+ terms down
  to a few hundred candidates, which rapidfuzz then scores;
- recognition: one Aho-Corasick automaton (pyahocorasick) per language over the keys, run once over
  the normalised token stream of the text; matches are mapped back to character offsets.
"""

from __future__ import annotations

import bisect
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from sys import intern
from typing import Any

import ahocorasick
import numpy as np
from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from termbase.models import Collection, CollectionKind, Concept, Revision, Term, TermStatus
from termbase.normalize import (
    BOUNDARY,
    fuzzy_key,
    key_forms,
    primary_language,
    strip_accents,
    token_columns,
)
from termbase.service import current_generation

STATUS_ORDER = {
    TermStatus.PREFERRED.value: 0,
    TermStatus.ADMITTED.value: 1,
    TermStatus.SUPERSEDED.value: 2,
    TermStatus.DEPRECATED.value: 3,
}

# Fuzzy matching: how many trigram candidates rapidfuzz scores, the score under which a candidate
# is dropped, and the share of all terms above which a trigram is too common to narrow anything.
FUZZY_CANDIDATES = 400
FUZZY_CUTOFF = 70.0
COMMON_TRIGRAM_SHARE = 0.15
# A refresh that touches more concepts than this rebuilds the index instead.
INCREMENTAL_LIMIT = 2_000

_CLOSING = frozenset(")]»”’\"'")


class MatchMode(StrEnum):
    EXACT = "exact"
    PREFIX = "prefix"
    FUZZY = "fuzzy"


@dataclass(slots=True)
class IndexedTerm:
    term_id: int
    concept_id: int
    lang: str
    text: str
    status: str
    term_type: str
    part_of_speech: str | None
    context: str | None
    source: str | None
    note: str | None
    key: str
    fuzzy: str
    slot: int = -1  # where the index keeps it; -1 when not indexed

    @property
    def primary(self) -> str:
        return primary_language(self.lang)


@dataclass(slots=True)
class IndexedConcept:
    id: int
    subject_field: str | None
    definition: str | None
    note: str | None
    source: str | None
    terms: list[IndexedTerm] = field(default_factory=list)
    collection_id: int = 0
    collection: str = ""

    def terms_in(self, lang: str) -> list[IndexedTerm]:
        """Terms in ``lang`` (``fr`` also takes ``fr-CA``), preferred first, deprecated last.

        With a regional tag, terms of exactly that region come before the others of its language.
        """
        primary = primary_language(lang)
        wanted = lang.lower()
        found = [t for t in self.terms if t.primary == primary]
        found.sort(key=lambda t: (STATUS_ORDER.get(t.status, 9), t.lang.lower() != wanted))
        return found


@dataclass(frozen=True, slots=True)
class CollectionRank:
    """What the index knows of a collection: its name, kind, priority and reliability."""

    id: int
    name: str
    kind: str
    priority: int
    reliability: int


def read_collections(session: Session) -> dict[int, CollectionRank]:
    return {
        row.id: CollectionRank(row.id, row.name, row.kind, row.priority, row.reliability)
        for row in session.execute(
            select(
                Collection.id,
                Collection.name,
                Collection.kind,
                Collection.priority,
                Collection.reliability,
            )
        )
    }


@dataclass(slots=True)
class LookupHit:
    concept: IndexedConcept
    matched: IndexedTerm
    score: float


@dataclass(slots=True)
class RecognizedSpan:
    start: int
    end: int
    text: str
    matches: list[LookupHit]


class _LanguageIndex:
    """Keys, sorted keys, trigram postings and the recognition automata of one language."""

    def __init__(self) -> None:
        # key -> slot, or a list of slots when several terms share a key (rare: an int saves memory)
        self.exact: dict[str, int | list[int]] = {}
        self.folded: dict[str, int | list[int]] = {}
        # Postings as compact int32 arrays; numpy reads them in place (np.frombuffer).
        self.trigrams: dict[str, array[int]] = {}
        self._sorted_keys: list[str] = []
        self._sorted_valid = True
        # Recognition runs over token ids, not characters: one automaton node per word of a term
        # keeps the automaton small. 0 is any word no term has, 1 a sentence boundary.
        self.vocabulary: dict[str, int] = {BOUNDARY: 1}
        self._base: Any = None
        self._base_size = 0
        # Changes since the base automaton was built: a small second automaton covers the keys
        # added, and matches of keys removed are dropped; past a threshold the base is rebuilt.
        self._added: set[str] = set()
        self._removed: set[str] = set()
        self._delta: Any = None

    # -- maintenance --

    def add(self, slot: int, term: IndexedTerm, *, bulk: bool = False) -> None:
        if _put(self.exact, term.key, slot):
            self._key_added(term.key, bulk)
        _put(self.folded, term.fuzzy, slot)
        for trigram in _trigrams(term.fuzzy):
            postings = self.trigrams.get(trigram)
            if postings is None:
                postings = self.trigrams[trigram] = array("i")
            postings.append(slot)

    def remove(self, slot: int, term: IndexedTerm) -> None:
        if _drop(self.exact, term.key, slot):
            self._key_removed(term.key)
        _drop(self.folded, term.fuzzy, slot)
        # Trigram postings keep the dead slot; queries skip slots that are no longer alive.

    def _key_added(self, key: str, bulk: bool) -> None:
        if bulk:
            self._sorted_valid = False
        elif self._sorted_valid:
            bisect.insort(self._sorted_keys, key)
        for form in key.split(" "):
            if form not in self.vocabulary:
                self.vocabulary[form] = len(self.vocabulary) + 1
        if self._in_base(key):
            self._removed.discard(key)
        else:
            self._added.add(key)
            self._delta = None

    def _key_removed(self, key: str) -> None:
        if self._sorted_valid:
            del self._sorted_keys[bisect.bisect_left(self._sorted_keys, key)]
        if key in self._added:
            self._added.discard(key)
            self._delta = None
        elif self._in_base(key):
            self._removed.add(key)

    # -- look-up --

    @property
    def sorted_keys(self) -> list[str]:
        if not self._sorted_valid:
            self._sorted_keys = sorted(self.exact)
            self._sorted_valid = True
        return self._sorted_keys

    def postings(self, trigram: str) -> np.ndarray | None:
        postings = self.trigrams.get(trigram)
        return None if postings is None else np.frombuffer(postings, dtype=np.int32)

    # -- recognition --

    def token_ids(self, forms: Iterable[str]) -> tuple[int, ...]:
        vocabulary = self.vocabulary
        return tuple(vocabulary.get(form, 0) for form in forms)

    def _in_base(self, key: str) -> bool:
        if self._base is None or not len(self._base):
            return False
        ids = self.token_ids(key.split(" "))
        return 0 not in ids and bool(self._base.exists(ids))

    def _automaton(self, keys: Iterable[str]) -> Any:
        automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY, ahocorasick.KEY_SEQUENCE)
        vocabulary = self.vocabulary
        for key in keys:
            automaton.add_word(tuple(vocabulary[form] for form in key.split(" ")), key)
        if len(automaton):
            automaton.make_automaton()
        return automaton

    def prepare(self) -> None:
        """Build the recognition automaton over every key now (instead of at the first use)."""
        self._base = self._automaton(self.exact)
        self._base_size = len(self.exact)
        self._added.clear()
        self._removed.clear()
        self._delta = None

    def matches(self, token_ids: tuple[int, ...]) -> Iterator[tuple[int, str]]:
        """(index of the last token, key) for every key occurring in the token sequence."""
        if self._base is None or len(self._added) + len(self._removed) > max(
            1_000, self._base_size // 50
        ):
            self.prepare()
        if self._delta is None and self._added:
            self._delta = self._automaton(self._added)
        for automaton in (self._base, self._delta):
            if automaton is None or not len(automaton):
                continue
            for last, key in automaton.iter(token_ids):
                if key not in self._removed:
                    yield last, key


def _put(mapping: dict[str, int | list[int]], key: str, slot: int) -> bool:
    """Add ``slot`` under ``key``; True if the key is new."""
    current = mapping.get(key)
    if current is None:
        mapping[key] = slot
        return True
    if isinstance(current, int):
        mapping[key] = [current, slot]
    else:
        current.append(slot)
    return False


def _drop(mapping: dict[str, int | list[int]], key: str, slot: int) -> bool:
    """Remove ``slot`` from ``key``; True if the key is gone."""
    current = mapping[key]
    if isinstance(current, int):
        del mapping[key]
        return True
    current.remove(slot)
    if len(current) == 1:
        mapping[key] = current[0]
    return False


def _slots(mapping: dict[str, int | list[int]], key: str) -> Sequence[int]:
    current = mapping.get(key)
    if current is None:
        return ()
    return (current,) if isinstance(current, int) else current


def _trigrams(text: str) -> set[str]:
    padded = f" {text} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class TermIndex:
    """All terms of the termbase, ready for look-up and recognition; safe to share by threads."""

    def __init__(self, *, after_load: Callable[[TermIndex], None] | None = None) -> None:
        """``after_load``: called after each full load, with the index (the service settles its
        garbage collector there: see app.bootstrap.settle_collector)."""
        self._lock = threading.RLock()
        self._after_load = after_load
        self._clear()

    def _clear(self) -> None:
        self.generation = -1
        self._collections: dict[int, CollectionRank] = {}
        self._concepts: dict[int, IndexedConcept] = {}
        self._slots: list[IndexedTerm | None] = []
        self._term_count = 0
        self._alive = np.zeros(1024, dtype=bool)
        self._languages: dict[str, _LanguageIndex] = {}
        self._dead = 0

    # -- building and refreshing -------------------------------------------------------------

    @property
    def concept_count(self) -> int:
        return len(self._concepts)

    @property
    def term_count(self) -> int:
        return self._term_count

    _STATE = (
        "generation",
        "_collections",
        "_concepts",
        "_slots",
        "_term_count",
        "_alive",
        "_languages",
        "_dead",
    )

    def load(self, *, session: Session) -> None:
        """Build the whole index from the database, recognition automata included.

        The new index is built aside, without the lock, and swapped in at the end: queries go on
        being answered (from the old state) during a reload of many seconds.
        """
        fresh = TermIndex()
        fresh.generation = current_generation(session=session)
        fresh._collections = read_collections(session)
        for concept in _read_concepts(session, None, fresh._collections):
            fresh._add_concept(concept, bulk=True)
        for language in fresh._languages.values():
            language.prepare()
        with self._lock:
            for name in self._STATE:
                setattr(self, name, getattr(fresh, name))
        if self._after_load is not None:
            self._after_load(self)

    @classmethod
    def of_concepts(cls, concepts: Iterable[IndexedConcept]) -> TermIndex:
        """An index of the given concepts, without a database (a one-off check, a benchmark,
        a test); build the concepts' terms with :func:`indexed_term`."""
        index = cls()
        index.generation = 0
        for concept in concepts:
            index._add_concept(concept, bulk=True)
            # Without a database there are no collection rows: each collection id the concepts
            # name is an ordinary one (otherwise nothing would be recognised or looked up).
            if concept.collection_id not in index._collections:
                index._collections[concept.collection_id] = CollectionRank(
                    concept.collection_id,
                    concept.collection or f"collection {concept.collection_id}",
                    "team",
                    0,
                    0,
                )
        for language in index._languages.values():
            language.prepare()
        return index

    def concepts(self) -> list[IndexedConcept]:
        """Every concept of the index (a snapshot)."""
        with self._lock:
            return list(self._concepts.values())

    def refresh(self, *, session: Session) -> bool:
        """Bring the index up to the database's generation; return whether anything changed."""
        generation = current_generation(session=session)
        with self._lock:
            if generation == self.generation:
                return False
            full = self.generation < 0 or generation < self.generation
            if not full:
                changed = list(
                    session.execute(
                        select(Revision.concept_id)
                        .where(Revision.generation > self.generation)
                        .distinct()
                    ).scalars()
                )
                full = len(changed) > INCREMENTAL_LIMIT or self._dead > max(
                    10_000, len(self._slots) // 4
                )
            if not full:
                # a collection made or re-ranked bumps the generation too: read them again
                self._collections = read_collections(session)
                for concept_id in changed:
                    self._remove_concept(concept_id)
                for start in range(0, len(changed), 500):
                    chunk = changed[start : start + 500]
                    for concept in _read_concepts(session, chunk, self._collections):
                        self._add_concept(concept)
                self.generation = generation
                return True
        # never loaded, the database went back in time, or too much changed: rebuild aside
        self.load(session=session)
        return True

    def _language(self, primary: str) -> _LanguageIndex:
        index = self._languages.get(primary)
        if index is None:
            index = self._languages[primary] = _LanguageIndex()
        return index

    def _add_concept(self, concept: IndexedConcept, *, bulk: bool = False) -> None:
        self._concepts[concept.id] = concept
        for term in concept.terms:
            if not term.key:
                continue
            slot = len(self._slots)
            self._slots.append(term)
            term.slot = slot
            self._term_count += 1
            if slot >= len(self._alive):
                self._alive = np.concatenate((self._alive, np.zeros(len(self._alive), dtype=bool)))
            self._alive[slot] = True
            self._language(term.primary).add(slot, term, bulk=bulk)

    def _remove_concept(self, concept_id: int) -> None:
        concept = self._concepts.pop(concept_id, None)
        if concept is None:
            return
        for term in concept.terms:
            slot = term.slot
            if slot < 0:
                continue
            term.slot = -1
            self._term_count -= 1
            self._slots[slot] = None
            self._alive[slot] = False
            self._dead += 1
            self._language(term.primary).remove(slot, term)

    # -- queries ------------------------------------------------------------------------------

    def concept(self, concept_id: int) -> IndexedConcept | None:
        return self._concepts.get(concept_id)

    def collection(self, collection_id: int) -> CollectionRank | None:
        return self._collections.get(collection_id)

    @property
    def collections(self) -> list[CollectionRank]:
        """The collections, highest priority first."""
        return sorted(self._collections.values(), key=lambda c: (-c.priority, c.id))

    def allowed_collections(self, names: Iterable[str] | None) -> frozenset[int]:
        """The ids of the collections named (unknown names raise ``KeyError``); by default every
        collection but the candidates awaiting review."""
        with self._lock:
            if names is None:
                return frozenset(
                    c.id
                    for c in self._collections.values()
                    if c.kind != CollectionKind.CANDIDATES.value
                )
            by_name = {c.name: c.id for c in self._collections.values()}
            return frozenset(by_name[name] for name in names)

    def _priority(self, concept_id: int) -> int:
        concept = self._concepts.get(concept_id)
        rank = self._collections.get(concept.collection_id) if concept is not None else None
        return rank.priority if rank is not None else 0

    def lookup(
        self,
        query: str,
        *,
        src: str,
        mode: MatchMode = MatchMode.EXACT,
        offset: int = 0,
        limit: int = 20,
        collections: Iterable[str] | None = None,
    ) -> tuple[list[LookupHit], bool]:
        """Concepts with a ``src`` term matching ``query``, best first; and whether more follow.

        Best first: the better match, then the collection of higher priority (the UN seed before
        the team's, both before a vocabulary), then the term's status. ``collections`` limits
        the answer to those collections (by name); by default every one but the candidates.
        """
        primary = primary_language(src)
        allowed = self.allowed_collections(collections)
        with self._lock:
            index = self._languages.get(primary)
            if index is None:
                return [], False
            wanted = offset + limit + 1
            if mode is MatchMode.EXACT:
                hits = self._exact_hits(index, " ".join(key_forms(query, src)), wanted, allowed)
            elif mode is MatchMode.PREFIX:
                hits = self._prefix_hits(index, " ".join(key_forms(query, src)), wanted, allowed)
            else:
                hits = self._fuzzy_hits(index, fuzzy_key(query, src), wanted, allowed)
        return hits[offset : offset + limit], len(hits) > offset + limit

    def _hits_for_slots(
        self,
        slots: Iterable[int],
        score: float,
        seen: set[int],
        out: list[LookupHit],
        wanted: int,
        allowed: frozenset[int] | None = None,
    ) -> None:
        concepts = self._concepts
        ranked = sorted(
            (
                s
                for s in (self._slots[i] for i in slots)
                if s is not None
                and (allowed is None or concepts[s.concept_id].collection_id in allowed)
            ),
            key=lambda t: (
                -self._priority(t.concept_id),
                STATUS_ORDER.get(t.status, 9),
                t.concept_id,
            ),
        )
        for term in ranked:
            if len(out) >= wanted:
                return
            if term.concept_id in seen:
                continue
            seen.add(term.concept_id)
            out.append(LookupHit(self._concepts[term.concept_id], term, score))

    def _exact_hits(
        self, index: _LanguageIndex, key: str, wanted: int, allowed: frozenset[int] | None
    ) -> list[LookupHit]:
        out: list[LookupHit] = []
        if key:
            self._hits_for_slots(_slots(index.exact, key), 1.0, set(), out, wanted, allowed)
        return out

    def _prefix_hits(
        self, index: _LanguageIndex, key: str, wanted: int, allowed: frozenset[int] | None
    ) -> list[LookupHit]:
        out: list[LookupHit] = []
        if not key:
            return out
        seen: set[int] = set()
        keys = index.sorted_keys
        # Exact key first, then the longer keys in alphabetical order.
        position = bisect.bisect_left(keys, key)
        while position < len(keys) and len(out) < wanted:
            candidate = keys[position]
            if not candidate.startswith(key):
                break
            score = len(key) / len(candidate)
            self._hits_for_slots(_slots(index.exact, candidate), score, seen, out, wanted, allowed)
            position += 1
        return out

    def _fuzzy_hits(
        self, index: _LanguageIndex, folded: str, wanted: int, allowed: frozenset[int] | None
    ) -> list[LookupHit]:
        if not folded:
            return []
        scores: dict[int, float] = {}
        for slot in _slots(index.folded, folded):
            scores[slot] = 100.0
        candidates = self._fuzzy_candidates(index, folded)
        if len(candidates):
            choices = {}
            for slot in candidates:
                term = self._slots[slot]
                if term is not None and slot not in scores:
                    choices[slot] = term.fuzzy
            for _choice, score, slot in process.extract(
                folded,
                choices,
                scorer=fuzz.WRatio,
                processor=None,
                limit=None,
                score_cutoff=FUZZY_CUTOFF,
            ):
                scores[slot] = float(score)
        best: dict[int, tuple[float, IndexedTerm]] = {}
        for slot, score in scores.items():
            term = self._slots[slot]
            if term is None or (
                allowed is not None and self._concepts[term.concept_id].collection_id not in allowed
            ):
                continue
            previous = best.get(term.concept_id)
            if previous is None or _better(score, term, *previous):
                best[term.concept_id] = (score, term)
        ranked = sorted(
            best.values(),
            key=lambda st: (
                -st[0],
                -self._priority(st[1].concept_id),
                STATUS_ORDER.get(st[1].status, 9),
                abs(len(st[1].fuzzy) - len(folded)),
                st[1].concept_id,
            ),
        )
        return [
            LookupHit(self._concepts[term.concept_id], term, round(score / 100.0, 4))
            for score, term in ranked[:wanted]
        ]

    def _fuzzy_candidates(self, index: _LanguageIndex, folded: str) -> np.ndarray:
        arrays = [a for a in (index.postings(t) for t in _trigrams(folded)) if a is not None]
        if not arrays:
            return np.empty(0, dtype=np.int64)
        common = max(1000, int(COMMON_TRIGRAM_SHARE * self._term_count))
        selective = [a for a in arrays if len(a) <= common]
        if len(selective) >= 2:
            arrays = selective
        counts = np.bincount(np.concatenate(arrays), minlength=len(self._slots))
        counts = counts[: len(self._alive)] * self._alive[: len(counts)]
        nonzero = np.flatnonzero(counts)
        if len(nonzero) <= FUZZY_CANDIDATES:
            return nonzero
        best = np.argpartition(-counts[nonzero], FUZZY_CANDIDATES - 1)[:FUZZY_CANDIDATES]
        return nonzero[best]

    def recognize(
        self, text: str, *, src: str, collections: Iterable[str] | None = None
    ) -> list[RecognizedSpan]:
        """Every termbase term of language ``src`` found in ``text``, longest match first wins.

        Each span's concepts come in the order of their collections' priority; ``collections``
        limits recognition to those (by default every one but the candidates).
        """
        forms, starts, ends = token_columns(text, src)
        if not forms:
            return []
        allowed = self.allowed_collections(collections)
        primary = primary_language(src)
        with self._lock:
            index = self._languages.get(primary)
            if index is None:
                return []
            candidates = [
                (last - key.count(" "), last, key)
                for last, key in index.matches(index.token_ids(forms))
            ]
            # Longest match wins; among equals, the leftmost.
            candidates.sort(key=lambda c: (-(c[1] - c[0]), -len(c[2]), c[0]))
            taken = bytearray(len(forms))
            spans: list[RecognizedSpan] = []
            for first, last, key in candidates:
                if any(taken[first : last + 1]):
                    continue
                start, end = starts[first], ends[last]
                hits: list[LookupHit] = []
                self._hits_for_slots(_slots(index.exact, key), 1.0, set(), hits, 1_000, allowed)
                hits = [h for h in hits if _case_fits(h.matched, text[start:end])]
                if not hits:
                    continue
                taken[first : last + 1] = b"\x01" * (last - first + 1)
                # A term that ends in a closing bracket ("(ONU-Femmes)") takes it along.
                closing = hits[0].matched.text[-1:] if hits else ""
                if closing in _CLOSING and text[end : end + 1] == closing:
                    end += 1
                spans.append(RecognizedSpan(start, end, text[start:end], hits))
        spans.sort(key=lambda s: s.start)
        return spans


def _case_fits(term: IndexedTerm, found: str) -> bool:
    """In running text an upper-case acronym matches only in upper case.

    "LA", "DE" or "OIM" written in capitals are names; "la", "de" are words. Every other term
    matches regardless of case.
    """
    if term.term_type not in ("acronym", "abbreviation") or not term.text.isupper():
        return True
    return found.isupper()


def _better(score: float, term: IndexedTerm, old_score: float, old_term: IndexedTerm) -> bool:
    if score != old_score:
        return score > old_score
    return STATUS_ORDER.get(term.status, 9) < STATUS_ORDER.get(old_term.status, 9)


def _collection_name(collections: dict[int, CollectionRank], collection_id: int) -> str:
    rank = collections.get(collection_id)
    return rank.name if rank is not None else ""


def _read_concepts(
    session: Session, ids: Sequence[int] | None, collections: dict[int, CollectionRank]
) -> list[IndexedConcept]:
    """Concepts (all of them, or those of ``ids``) as index records, read with two Core queries."""
    concept_query = select(
        Concept.id,
        Concept.subject_field,
        Concept.definition,
        Concept.note,
        Concept.source,
        Concept.collection_id,
    )
    term_query = select(
        Term.id,
        Term.concept_id,
        Term.lang,
        Term.text,
        Term.status,
        Term.term_type,
        Term.part_of_speech,
        Term.context,
        Term.source,
        Term.note,
    ).order_by(Term.concept_id, Term.position, Term.id)
    if ids is not None:
        concept_query = concept_query.where(Concept.id.in_(ids))
        term_query = term_query.where(Term.concept_id.in_(ids))
    concepts = {
        row.id: IndexedConcept(
            row.id,
            intern(row.subject_field) if row.subject_field else None,
            row.definition,
            row.note,
            row.source,
            collection_id=row.collection_id,
            collection=_collection_name(collections, row.collection_id),
        )
        for row in session.execute(concept_query)
    }
    for row in session.execute(term_query):
        concept = concepts.get(row.concept_id)
        if concept is None:
            continue
        key = " ".join(key_forms(row.text, row.lang))
        folded = strip_accents(key)
        concept.terms.append(
            IndexedTerm(
                term_id=row.id,
                concept_id=row.concept_id,
                lang=intern(row.lang),
                text=row.text,
                status=intern(row.status),
                term_type=intern(row.term_type),
                part_of_speech=intern(row.part_of_speech) if row.part_of_speech else None,
                context=row.context,
                source=row.source,
                note=row.note,
                key=key,
                fuzzy=key if folded == key else folded,
            )
        )
    return list(concepts.values())


def indexed_term(
    term_id: int,
    concept_id: int,
    lang: str,
    text: str,
    status: str = TermStatus.PREFERRED.value,
    *,
    term_type: str = "full_form",
    part_of_speech: str | None = None,
    note: str | None = None,
) -> IndexedTerm:
    """A term as the index holds it, its keys worked out (see :meth:`TermIndex.of_concepts`)."""
    key = " ".join(key_forms(text, lang))
    folded = strip_accents(key)
    return IndexedTerm(
        term_id=term_id,
        concept_id=concept_id,
        lang=lang,
        text=text,
        status=status,
        term_type=term_type,
        part_of_speech=part_of_speech,
        context=None,
        source=None,
        note=note,
        key=key,
        fuzzy=key if folded == key else folded,
    )
