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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import ahocorasick
import numpy as np
from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from termbase.models import Concept, Revision, Term, TermStatus
from termbase.normalize import fuzzy_key, key_forms, primary_language, strip_accents, tokenize
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

    def terms_in(self, lang: str) -> list[IndexedTerm]:
        """Terms in ``lang`` (``fr`` also takes ``fr-CA``), preferred first, deprecated last.

        With a regional tag, terms of exactly that region come before the others of its language.
        """
        primary = primary_language(lang)
        wanted = lang.lower()
        found = [t for t in self.terms if t.primary == primary]
        found.sort(key=lambda t: (STATUS_ORDER.get(t.status, 9), t.lang.lower() != wanted))
        return found


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
    """Keys, sorted keys, trigram postings and the automaton for one primary language."""

    __slots__ = ("exact", "sorted_keys", "folded", "trigrams", "_arrays", "automaton", "dirty")

    def __init__(self) -> None:
        self.exact: dict[str, list[int]] = {}
        self.sorted_keys: list[str] = []
        self.folded: dict[str, list[int]] = {}
        self.trigrams: dict[str, list[int]] = {}
        self._arrays: dict[str, np.ndarray] = {}
        self.automaton: Any = None
        self.dirty = True

    def add(self, slot: int, term: IndexedTerm) -> None:
        slots = self.exact.get(term.key)
        if slots is None:
            self.exact[term.key] = [slot]
            bisect.insort(self.sorted_keys, term.key)
            self.dirty = True
        else:
            slots.append(slot)
        self.folded.setdefault(term.fuzzy, []).append(slot)
        for trigram in _trigrams(term.fuzzy):
            self.trigrams.setdefault(trigram, []).append(slot)

    def remove(self, slot: int, term: IndexedTerm) -> None:
        slots = self.exact[term.key]
        slots.remove(slot)
        if not slots:
            del self.exact[term.key]
            del self.sorted_keys[bisect.bisect_left(self.sorted_keys, term.key)]
            self.dirty = True
        folded = self.folded[term.fuzzy]
        folded.remove(slot)
        if not folded:
            del self.folded[term.fuzzy]
        # Trigram postings keep the dead slot; queries skip slots that are no longer alive.

    def postings(self, trigram: str) -> np.ndarray | None:
        """The trigram's posting list as an array, extended lazily (postings only grow)."""
        slots = self.trigrams.get(trigram)
        if slots is None:
            return None
        cached = self._arrays.get(trigram)
        if cached is None or len(cached) != len(slots):
            start = 0 if cached is None else len(cached)
            tail = np.fromiter(slots[start:], dtype=np.int32, count=len(slots) - start)
            cached = tail if cached is None else np.concatenate((cached, tail))
            self._arrays[trigram] = cached
        return cached

    def ensure_automaton(self) -> Any:
        if self.dirty or self.automaton is None:
            automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY, ahocorasick.KEY_STRING)
            for key in self.exact:
                automaton.add_word(f" {key} ", key)
            if len(automaton):
                automaton.make_automaton()
            self.automaton = automaton
            self.dirty = False
        return self.automaton


def _trigrams(text: str) -> set[str]:
    padded = f" {text} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class TermIndex:
    """All terms of the termbase, ready for look-up and recognition; safe to share by threads."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._clear()

    def _clear(self) -> None:
        self.generation = -1
        self._concepts: dict[int, IndexedConcept] = {}
        self._slots: list[IndexedTerm | None] = []
        self._slot_of: dict[int, int] = {}
        self._alive = np.zeros(1024, dtype=bool)
        self._languages: dict[str, _LanguageIndex] = {}
        self._dead = 0

    # -- building and refreshing -------------------------------------------------------------

    @property
    def concept_count(self) -> int:
        return len(self._concepts)

    @property
    def term_count(self) -> int:
        return len(self._slot_of)

    def load(self, *, session: Session) -> None:
        """Build the whole index from the database."""
        with self._lock:
            generation = current_generation(session=session)
            self._clear()
            for concept in _read_concepts(session, None):
                self._add_concept(concept)
            self.generation = generation

    def refresh(self, *, session: Session) -> bool:
        """Bring the index up to the database's generation; return whether anything changed."""
        with self._lock:
            generation = current_generation(session=session)
            if generation == self.generation:
                return False
            if self.generation < 0 or generation < self.generation:
                # never loaded, or the database was replaced by an older one: start afresh
                self.load(session=session)
                return True
            changed = list(
                session.execute(
                    select(Revision.concept_id)
                    .where(Revision.generation > self.generation)
                    .distinct()
                ).scalars()
            )
            if len(changed) > INCREMENTAL_LIMIT or self._dead > max(10_000, len(self._slots) // 4):
                self.load(session=session)
                return True
            for concept_id in changed:
                self._remove_concept(concept_id)
            for start in range(0, len(changed), 500):
                for concept in _read_concepts(session, changed[start : start + 500]):
                    self._add_concept(concept)
            self.generation = generation
            return True

    def _language(self, primary: str) -> _LanguageIndex:
        index = self._languages.get(primary)
        if index is None:
            index = self._languages[primary] = _LanguageIndex()
        return index

    def _add_concept(self, concept: IndexedConcept) -> None:
        self._concepts[concept.id] = concept
        for term in concept.terms:
            if not term.key:
                continue
            slot = len(self._slots)
            self._slots.append(term)
            self._slot_of[term.term_id] = slot
            if slot >= len(self._alive):
                self._alive = np.concatenate((self._alive, np.zeros(len(self._alive), dtype=bool)))
            self._alive[slot] = True
            self._language(term.primary).add(slot, term)

    def _remove_concept(self, concept_id: int) -> None:
        concept = self._concepts.pop(concept_id, None)
        if concept is None:
            return
        for term in concept.terms:
            slot = self._slot_of.pop(term.term_id, None)
            if slot is None:
                continue
            self._slots[slot] = None
            self._alive[slot] = False
            self._dead += 1
            self._language(term.primary).remove(slot, term)

    # -- queries ------------------------------------------------------------------------------

    def concept(self, concept_id: int) -> IndexedConcept | None:
        return self._concepts.get(concept_id)

    def lookup(
        self,
        query: str,
        *,
        src: str,
        mode: MatchMode = MatchMode.EXACT,
        offset: int = 0,
        limit: int = 20,
    ) -> tuple[list[LookupHit], bool]:
        """Concepts with a ``src`` term matching ``query``, best first; and whether more follow."""
        primary = primary_language(src)
        with self._lock:
            index = self._languages.get(primary)
            if index is None:
                return [], False
            wanted = offset + limit + 1
            if mode is MatchMode.EXACT:
                hits = self._exact_hits(index, " ".join(key_forms(query, src)), wanted)
            elif mode is MatchMode.PREFIX:
                hits = self._prefix_hits(index, " ".join(key_forms(query, src)), wanted)
            else:
                hits = self._fuzzy_hits(index, fuzzy_key(query, src), wanted)
        return hits[offset : offset + limit], len(hits) > offset + limit

    def _hits_for_slots(
        self, slots: Iterable[int], score: float, seen: set[int], out: list[LookupHit], wanted: int
    ) -> None:
        ranked = sorted(
            (s for s in (self._slots[i] for i in slots) if s is not None),
            key=lambda t: (STATUS_ORDER.get(t.status, 9), t.concept_id),
        )
        for term in ranked:
            if len(out) >= wanted:
                return
            if term.concept_id in seen:
                continue
            seen.add(term.concept_id)
            out.append(LookupHit(self._concepts[term.concept_id], term, score))

    def _exact_hits(self, index: _LanguageIndex, key: str, wanted: int) -> list[LookupHit]:
        out: list[LookupHit] = []
        if key:
            self._hits_for_slots(index.exact.get(key, ()), 1.0, set(), out, wanted)
        return out

    def _prefix_hits(self, index: _LanguageIndex, key: str, wanted: int) -> list[LookupHit]:
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
            self._hits_for_slots(index.exact[candidate], score, seen, out, wanted)
            position += 1
        return out

    def _fuzzy_hits(self, index: _LanguageIndex, folded: str, wanted: int) -> list[LookupHit]:
        if not folded:
            return []
        scores: dict[int, float] = {}
        for slot in index.folded.get(folded, ()):
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
            if term is None:
                continue
            previous = best.get(term.concept_id)
            if previous is None or _better(score, term, *previous):
                best[term.concept_id] = (score, term)
        ranked = sorted(
            best.values(),
            key=lambda st: (
                -st[0],
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
        common = max(1000, int(COMMON_TRIGRAM_SHARE * len(self._slot_of)))
        selective = [a for a in arrays if len(a) <= common]
        if len(selective) >= 2:
            arrays = selective
        counts = np.bincount(np.concatenate(arrays), minlength=len(self._slots))
        counts = counts[: len(self._alive)] * self._alive[: len(counts)]
        nonzero = int(np.count_nonzero(counts))
        if nonzero == 0:
            return np.empty(0, dtype=np.int64)
        k = min(FUZZY_CANDIDATES, nonzero)
        top = np.argpartition(-counts, k - 1)[:k]
        return top[counts[top] > 0]

    def recognize(self, text: str, *, src: str) -> list[RecognizedSpan]:
        """Every termbase term of language ``src`` found in ``text``, longest match first wins."""
        tokens = tokenize(text, src)
        if not tokens:
            return []
        primary = primary_language(src)
        with self._lock:
            index = self._languages.get(primary)
            if index is None:
                return []
            automaton = index.ensure_automaton()
            if not len(automaton):
                return []
            # " form form form " with the position of each token's first character.
            starts: list[int] = []
            parts: list[str] = []
            position = 1
            for token in tokens:
                starts.append(position)
                parts.append(token.form)
                position += len(token.form) + 1
            stream = " " + " ".join(parts) + " "
            candidates: list[tuple[int, int, str]] = []
            for end_char, key in automaton.iter(stream):
                # end_char is the trailing space of the match; the last token ends just before it.
                last = bisect.bisect_right(starts, end_char - 1) - 1
                first = last - key.count(" ")
                candidates.append((first, last, key))
            # Longest match wins; among equals, the leftmost.
            candidates.sort(key=lambda c: (-(c[1] - c[0]), -len(c[2]), c[0]))
            taken = bytearray(len(tokens))
            spans: list[RecognizedSpan] = []
            for first, last, key in candidates:
                if any(taken[first : last + 1]):
                    continue
                taken[first : last + 1] = b"\x01" * (last - first + 1)
                start, end = tokens[first].start, tokens[last].end
                hits: list[LookupHit] = []
                self._hits_for_slots(index.exact.get(key, ()), 1.0, set(), hits, 1_000)
                # A term that ends in a closing bracket ("(ONU-Femmes)") takes it along.
                closing = hits[0].matched.text[-1:] if hits else ""
                if closing in _CLOSING and text[end : end + 1] == closing:
                    end += 1
                spans.append(RecognizedSpan(start, end, text[start:end], hits))
        spans.sort(key=lambda s: s.start)
        return spans


def _better(score: float, term: IndexedTerm, old_score: float, old_term: IndexedTerm) -> bool:
    if score != old_score:
        return score > old_score
    return STATUS_ORDER.get(term.status, 9) < STATUS_ORDER.get(old_term.status, 9)


def _read_concepts(session: Session, ids: Sequence[int] | None) -> list[IndexedConcept]:
    """Concepts (all of them, or those of ``ids``) as index records, read with two Core queries."""
    concept_query = select(
        Concept.id, Concept.subject_field, Concept.definition, Concept.note, Concept.source
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
        row.id: IndexedConcept(row.id, row.subject_field, row.definition, row.note, row.source)
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
                lang=row.lang,
                text=row.text,
                status=row.status,
                term_type=row.term_type,
                part_of_speech=row.part_of_speech,
                context=row.context,
                source=row.source,
                note=row.note,
                key=key,
                fuzzy=key if folded == key else folded,
            )
        )
    return list(concepts.values())
