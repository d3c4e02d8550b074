"""Per-sentence features for the alignment search: lengths, lexical vectors, paragraph marks.

Lexical vectors live in one hashed space shared by both languages: an English sentence is the bag
of its units (words, numbers); a French sentence is the bag of the English units its own units
translate to (from the lexicon), plus itself (numbers, names, symbols and cognates are the same
on both sides). The dot product of a French and an English vector then counts translation links,
and it adds up over consecutive sentences, which is what the search needs.
"""

from __future__ import annotations

import itertools
import re
import threading
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from alignment.lexicon import Lexicon
from alignment.search import SideFeatures

DIMENSIONS = 1024
PIECE_SCALE = 1.0

_UNIT_RE = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+|[?!;:«»\"“”()]")
# Punctuation that survives translation (questions, exclamations, quotations, brackets) is a
# unit of its own: in dialogue-heavy text it is often the best clue to where sentences meet.
_PUNCTUATION = {
    "?": "?",
    "!": "!",
    ";": ";",
    ":": ":",
    "(": "(",
    ")": ")",
    "«": '"',
    "»": '"',
    '"': '"',
    "“": '"',
    "”": '"',
}
PUNCTUATION_WEIGHT = 1.0
_MARKS = frozenset(_PUNCTUATION.values())
# "12.", "a)", "(b)", "iv)", "III." at the start of a sentence: UN paragraph numbering.
_LABEL_RE = re.compile(r"^\s*\(?(\d{1,3}|[a-z]|[ivxlc]{1,6}|[IVXLC]{1,6})(?:[.)]|\s*\))\s")


def fold(word: str) -> str:
    """Lower case without accents: the form units are compared in."""
    word = word.lower()
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def units(text: str) -> list[str]:
    """Words and numbers of a sentence, folded; numbers keep their digits only."""
    return list(map(_unit, _UNIT_RE.findall(text)))


@lru_cache(maxsize=200_000)
def _unit(raw: str) -> str:
    if raw in _PUNCTUATION:
        return _PUNCTUATION[raw]
    if raw[0].isdigit():
        return "#" + re.sub(r"\D", "", raw)
    return fold(raw)


def _bucket(unit: str) -> int:
    return zlib.crc32(unit.encode()) % DIMENSIONS


def _cognate(unit: str) -> str | None:
    """The shared stem of a long word ("coordination", "internationale" -> "intern…")."""
    if unit.startswith("#") or len(unit) < 5:
        return None
    return "~" + unit[:6]


COGNATE_WEIGHT = 0.8


@lru_cache(maxsize=200_000)
def _unit_entries(unit: str) -> tuple[float, tuple[tuple[int, float], ...]]:
    """(weight in the sentence's lexical count, (bucket, value) entries of its vector)."""
    if unit in STOP_UNITS:
        return 0.0, ()
    weight = 2.0 if unit.startswith("#") else PUNCTUATION_WEIGHT if unit in _MARKS else 1.0
    entries = [(_bucket(unit), weight)]
    cognate = _cognate(unit)
    if cognate:
        entries.append((_bucket(cognate), COGNATE_WEIGHT))
    return weight, tuple(entries)


class _UnitTable:
    """Every unit this process has met, with a fixed id and its vector entries in arrays.

    A document repeats most of its words, and documents most of their vocabulary: looking the
    entries up by id in arrays replaces a Python loop over each distinct unit of each document.
    Bounded: when ``limit`` units are reached it starts afresh. Arrays handed out stay valid
    for the ids handed out with them (they only ever grow by copy, or are replaced).
    """

    def __init__(self, limit: int = 1 << 20) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._reset(1 << 14)

    def _reset(self, capacity: int) -> None:
        self._ids: dict[str, int] = {}
        self._weight = np.zeros(capacity, dtype=np.float64)
        self._buckets = np.zeros((capacity, 2), dtype=np.int64)
        self._values = np.zeros((capacity, 2), dtype=np.float64)

    def __len__(self) -> int:
        return len(self._ids)

    def lookup(
        self, flat_units: list[str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(ids of ``flat_units``, weight, (bucket, bucket) and (value, value) of every id)."""
        with self._lock:
            found = list(map(self._ids.get, flat_units))
            if None in found:
                self._add(
                    dict.fromkeys(u for u, i in zip(flat_units, found, strict=True) if i is None)
                )
                found = list(map(self._ids.__getitem__, flat_units))
            ids = np.fromiter(found, dtype=np.int64, count=len(found))
            return ids, self._weight, self._buckets, self._values

    def _add(self, new: Iterable[str]) -> None:
        new = list(new)
        if len(self._ids) + len(new) > self.limit:
            self._reset(max(1 << 14, 2 * len(new)))
        size = len(self._ids) + len(new)
        if size > len(self._weight):
            capacity = max(size, 2 * len(self._weight))
            self._weight = _grown(self._weight, capacity)
            self._buckets = _grown(self._buckets, capacity)
            self._values = _grown(self._values, capacity)
        for unit in new:
            index = len(self._ids)
            weight, entries = _unit_entries(unit)
            self._weight[index] = weight
            for k, (bucket, value) in enumerate(entries):
                self._buckets[index, k] = bucket
                self._values[index, k] = value
            self._ids[unit] = index


def _grown(array: np.ndarray, capacity: int) -> np.ndarray:
    grown = np.zeros((capacity, *array.shape[1:]), dtype=array.dtype)
    grown[: len(array)] = array
    return grown


_UNITS = _UnitTable()


@dataclass(frozen=True, slots=True)
class Translations:
    """French unit -> English units it may translate to (with weights), from the lexicon."""

    table: dict[str, tuple[tuple[str, float], ...]]

    @classmethod
    def empty(cls) -> Translations:
        return cls({})


# Short function words carry no alignment signal and are left out of lexical vectors.
STOP_UNITS = frozenset(
    (
        "a an and are as at be by for from has have in is it its of on or that the this to was "
        "were will with le la les l un une des du de d et en au aux est sont par pour sur dans "
        "que qui se sa son ses ce cette il elle ne pas plus ou"
    ).split()
)


def side_features(
    texts: Sequence[str],
    lang: str,
    *,
    paragraph_start: Iterable[bool],
    furniture: Iterable[bool],
    translations: Translations | None = None,
    space: LexicalSpace | None = None,
    words: bool = True,
    sentence_units: Sequence[Sequence[str]] | None = None,
) -> SideFeatures:
    """Features of one side's sentences, ready for :func:`alignment.search.align_features`.

    ``sentence_units`` may give each sentence's :func:`units` when the caller has them already.
    """
    n = len(texts)
    pieces = np.zeros(n, dtype=np.float64)
    chars = np.zeros(n, dtype=np.float32)
    labels = np.zeros(n, dtype=np.int64)
    table = translations.table if translations and lang == "fr" else {}
    sentence_units_list: list[Sequence[str]] = []
    for row, text in enumerate(texts):
        chars[row] = max(len(text) - text.count(" "), 1)
        label = _LABEL_RE.match(text)
        if label:
            labels[row] = zlib.crc32(label.group(1).lower().encode()) + 1
        if words:
            sentence_units_list.append(
                units(text) if sentence_units is None else sentence_units[row]
            )
    # Every (sentence, bucket) entry of every source, summed by one bincount at the end.
    positions: list[np.ndarray] = []
    values: list[np.ndarray] = []
    if words:
        lengths = np.fromiter(map(len, sentence_units_list), dtype=np.int64, count=n)
        ids, weight, buckets, unit_values = _UNITS.lookup(
            list(itertools.chain.from_iterable(sentence_units_list))
        )
        sentence_of = np.repeat(np.arange(n), lengths)
        pieces = np.maximum(np.bincount(sentence_of, weights=weight[ids], minlength=n), 1.0)
        # Each unit has two entries (itself and its cognate stem, value 0 when it has none).
        positions.append(np.repeat(sentence_of * DIMENSIONS, 2) + buckets[ids].ravel())
        values.append(unit_values[ids].ravel())
    if space is not None:
        piece_positions, piece_values, piece_weights = space.entries(texts, lang)
        positions.append(piece_positions)
        values.append(PIECE_SCALE * piece_values)
        pieces = pieces + PIECE_SCALE * piece_weights
    if positions:
        summed = np.bincount(
            np.concatenate(positions), weights=np.concatenate(values), minlength=n * DIMENSIONS
        )
        vectors = summed.reshape(n, DIMENSIONS).astype(np.float32)
    else:
        vectors = np.zeros((n, DIMENSIONS), dtype=np.float32)
    if words and table:
        content = {u: t for u, t in table.items() if u not in STOP_UNITS}
        vectors += translation_vectors(sentence_units_list, content)
    pieces = pieces.astype(np.float32)
    return SideFeatures(
        chars=chars,
        pieces=pieces,
        vectors=vectors,
        paragraph_start=np.fromiter(paragraph_start, dtype=bool, count=n),
        furniture=np.fromiter(furniture, dtype=bool, count=n).astype(np.float32),
        label=labels,
        sentences=np.ones(n, dtype=np.float32),
    )


class LexicalSpace:
    """Projects sentences into the shared hashed space using the SentencePiece lexicon.

    An English sentence is the bag of its content pieces and number ids; a French sentence is
    the bag of the English pieces its own pieces translate to (IBM Model 1 table) and of the
    pieces themselves (the model is shared, so numbers, names and cognates are the same piece on
    both sides). One dense (ids × dimensions) matrix per side makes a sentence vector the sum
    of a few rows.
    """

    def __init__(self, lexicon: Lexicon, *, threshold: float = 0.05, saturation: float = 0.3):
        self.lexicon = lexicon
        size = lexicon.vocab_size + lexicon.number_buckets
        ids = np.arange(size, dtype=np.int64)
        self._bucket = (ids * 2654435761 % 4294967296) % DIMENSIONS
        numbers = np.zeros(lexicon.number_buckets, dtype=bool)  # number ids are content
        content = ~np.concatenate((np.asarray(lexicon.stop_mask, dtype=bool), numbers))
        weight = np.where(ids >= lexicon.vocab_size, 1.5, 1.0).astype(np.float32)
        self._weight = np.where(content, weight, 0.0).astype(np.float32)
        en = np.zeros((size, DIMENSIONS), dtype=np.float32)
        en[ids, self._bucket] = self._weight
        fr = en.copy()
        src, tgt, prob = lexicon.translation_table("fr")
        keep = (prob >= threshold) & content[src] & content[tgt]
        src, tgt, prob = src[keep], tgt[keep], prob[keep]
        link = np.minimum(prob / saturation, 1.0).astype(np.float32)
        np.maximum.at(fr, (src, self._bucket[tgt]), link)
        self._sparse = {"fr": _csr(fr), "en": _csr(en)}

    def vectors(self, texts: Sequence[str], lang: str) -> tuple[np.ndarray, np.ndarray]:
        """(sentence vectors, lexical weight of each sentence)."""
        positions, values, weights = self.entries(texts, lang)
        size = len(texts) * DIMENSIONS
        vectors = np.bincount(positions, weights=values, minlength=size)
        return vectors.reshape(len(texts), DIMENSIONS).astype(np.float32), weights.astype(
            np.float32
        )

    def entries(self, texts: Sequence[str], lang: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The sentence vectors as entries (position ``sentence * DIMENSIONS + bucket``, value;
        repeated positions add up), and the lexical weight of each sentence (at least 1)."""
        ids, lengths = self.lexicon.encode_flat(texts, lang)
        ids = ids.astype(np.int64)
        sentence_of = np.repeat(np.arange(len(texts)), lengths)
        weights = np.bincount(sentence_of, weights=self._weight[ids], minlength=len(texts))
        indptr, indices, data = self._sparse[lang]
        positions, values = _entries(ids, sentence_of, indptr, indices, data)
        return positions, values, np.maximum(weights, 1.0)


def _csr(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A dense (ids × dimensions) matrix as compressed sparse rows: (indptr, indices, data)."""
    rows, cols = np.nonzero(matrix)
    indptr = np.zeros(matrix.shape[0] + 1, dtype=np.int64)
    np.add.at(indptr, rows + 1, 1)
    return np.cumsum(indptr), cols.astype(np.int64), matrix[rows, cols].astype(np.float64)


def translation_vectors(
    sentence_units: Sequence[Sequence[str]], table: dict[str, tuple[tuple[str, float], ...]]
) -> np.ndarray:
    """The part of French sentence vectors that ``table``'s translations contribute."""
    n = len(sentence_units)
    local: dict[str, int] = {}
    rows: list[int] = []
    ids: list[int] = []
    for row, found in enumerate(sentence_units):
        for unit in found:
            if unit in table:
                rows.append(row)
                ids.append(local.setdefault(unit, len(local)))
    if not ids:
        return np.zeros((n, DIMENSIONS), dtype=np.float32)
    indptr = np.zeros(len(local) + 1, dtype=np.int64)
    indices: list[int] = []
    data: list[float] = []
    for unit, index in local.items():
        for target, probability in table[unit]:
            indices.append(_bucket(target))
            data.append(probability)
        indptr[index + 1] = len(indices)
    return _expand(
        np.asarray(ids, dtype=np.int64),
        np.asarray(rows, dtype=np.int64),
        n,
        indptr,
        np.asarray(indices, dtype=np.int64),
        np.asarray(data, dtype=np.float64),
    )


def _expand(
    ids: np.ndarray,
    sentence_of: np.ndarray,
    n: int,
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
) -> np.ndarray:
    """Sentence vectors: the sum of the sparse rows ``ids`` (CSR) of each sentence."""
    positions, values = _entries(ids, sentence_of, indptr, indices, data)
    summed = np.bincount(positions, weights=values, minlength=n * DIMENSIONS)
    return summed.reshape(n, DIMENSIONS).astype(np.float32)


def _entries(
    ids: np.ndarray,
    sentence_of: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The sparse rows ``ids`` (CSR) as (sentence * DIMENSIONS + bucket, value) entries."""
    counts = indptr[ids + 1] - indptr[ids]
    total = int(counts.sum())
    entries = np.repeat(indptr[ids], counts) + (
        np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    )
    return np.repeat(sentence_of, counts) * DIMENSIONS + indices[entries], data[entries]
