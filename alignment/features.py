"""Per-sentence features for the alignment search: lengths, lexical vectors, anchor keys,
paragraph marks.

Lexical vectors live in one hashed space shared by both languages: an English sentence is the bag
of its units (words, numbers); a French sentence is the bag of the English units its own units
translate to (from the lexicon), plus itself (numbers, names, symbols and cognates are the same
on both sides). The dot product of a French and an English vector then counts translation links,
and it adds up over consecutive sentences, which is what the search needs.

Anchor keys are the same signals unhashed, for :mod:`alignment.anchors` to find sentence pairs
that share something rare: numbers, words of four letters or more and their cognate stems, and
the lexicon pieces (a French piece as the English piece it most often translates to).
"""

from __future__ import annotations

import hashlib
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
from alignment.sparse import ItemRows, ItemTable, SparseRows, union_keys

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
    found = _UNIT_RE.findall(text)
    cache = _UNIT_CACHE
    try:
        return [cache[raw] for raw in found]  # nearly always: a text repeats its words
    except KeyError:
        if len(cache) > _UNIT_CACHE_SIZE:
            cache.clear()
        result = []
        for raw in found:  # (safe if another thread clears the cache meanwhile)
            unit = cache.get(raw)
            if unit is None:
                unit = cache[raw] = _unit(raw)
            result.append(unit)
        return result


# Raw word -> unit, for every word met (a plain dict: a cached function costs a call a word).
_UNIT_CACHE: dict[str, str] = {}
_UNIT_CACHE_SIZE = 500_000


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
# Anchor keys of lexicon pieces are PIECE_KEYS + the (English) piece id; keys of words are
# hashes below it.
PIECE_KEYS = 1 << 62
# A French piece is keyed as the English piece it translates to when t(en | fr) is at least this.
PIECE_KEY_THRESHOLD = 0.3


def word_key(text: str) -> int:
    """A stable 62-bit id of an anchor key (the same in every process, unlike ``hash``)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big") >> 2


def _unit_keys(unit: str) -> tuple[int, int]:
    """The anchor keys of a unit (-1: none): the unit itself, and its cognate stem."""
    if unit in STOP_UNITS or unit in _MARKS:
        return -1, -1
    if unit.startswith("#"):
        return word_key(unit), -1
    if len(unit) < 4:
        return -1, -1
    cognate = _cognate(unit)
    return word_key(unit), word_key(cognate) if cognate else -1


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
        self._keys = np.full((capacity, 2), -1, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._ids)

    def lookup(
        self, flat_units: list[str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(ids of ``flat_units``, and per id: weight, (bucket, bucket), (value, value) and
        (anchor key, anchor key))."""
        with self._lock:
            found = list(map(self._ids.get, flat_units))
            if None in found:
                self._add(
                    dict.fromkeys(u for u, i in zip(flat_units, found, strict=True) if i is None)
                )
                found = list(map(self._ids.__getitem__, flat_units))
            ids = np.fromiter(found, dtype=np.int64, count=len(found))
            return ids, self._weight, self._buckets, self._values, self._keys

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
            self._keys = _grown(self._keys, capacity, fill=-1)
        for unit in new:
            index = len(self._ids)
            weight, entries = _unit_entries(unit)
            self._weight[index] = weight
            for k, (bucket, value) in enumerate(entries):
                self._buckets[index, k] = bucket
                self._values[index, k] = value
            self._keys[index] = _unit_keys(unit)
            self._ids[unit] = index


def _grown(array: np.ndarray, capacity: int, fill: int = 0) -> np.ndarray:
    grown = np.full((capacity, *array.shape[1:]), fill, dtype=array.dtype)
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
    sentence_units: Sequence[Sequence[str]] | None = None,
) -> SideFeatures:
    """Features of one side's sentences, ready for :func:`alignment.search.align_features`.

    ``sentence_units`` may give each sentence's :func:`units` when the caller has them already.
    Page furniture has no anchor keys: a job number or a symbol repeated in the text must not
    pin the path to the furniture line.
    """
    n = len(texts)
    chars = np.zeros(n, dtype=np.float32)
    labels = np.zeros(n, dtype=np.int64)
    furniture_mask = np.fromiter(furniture, dtype=bool, count=n)
    table = translations.table if translations and lang == "fr" else {}
    for row, text in enumerate(texts):
        chars[row] = max(len(text) - text.count(" "), 1)
        label = _LABEL_RE.match(text)
        if label:
            labels[row] = zlib.crc32(label.group(1).lower().encode()) + 1
    sentence_units_list = list(map(units, texts)) if sentence_units is None else sentence_units
    lengths = np.fromiter(map(len, sentence_units_list), dtype=np.int64, count=n)
    ids, weight, buckets, unit_values, unit_keys = _UNITS.lookup(
        list(itertools.chain.from_iterable(sentence_units_list))
    )
    items = ItemRows.from_lengths(lengths, ids)
    pieces = _sums(weight[ids], items.indptr)
    # Each unit has two entries: itself and its cognate stem (value 0, key -1 when none).
    vectors = SparseRows.summed(items, ItemTable.from_dense(buckets, unit_values), DIMENSIONS)
    keys = SparseRows.keys(items, ItemTable.from_dense(unit_keys), furniture_mask)
    if space is not None:
        piece_vectors, piece_weights, piece_keys = space.rows(texts, lang, furniture_mask)
        vectors = vectors + piece_vectors
        pieces = pieces + PIECE_SCALE * piece_weights
        keys = union_keys(keys, piece_keys)
    if table:
        content = {u: t for u, t in table.items() if u not in STOP_UNITS}
        vectors = vectors + translation_vectors(sentence_units_list, content)
        keys = union_keys(keys, _translation_keys(sentence_units_list, content, furniture_mask))
    return SideFeatures(
        chars=chars,
        pieces=np.maximum(pieces, 1.0).astype(np.float32),
        vectors=vectors,
        keys=keys,
        paragraph_start=np.fromiter(paragraph_start, dtype=bool, count=n),
        furniture=furniture_mask.astype(np.float32),
        label=labels,
    )


def _sums(values: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """The sum of each row's values (rows as ``indptr`` gives them; an empty row sums to 0)."""
    cumulative = np.concatenate(([0.0], np.cumsum(values, dtype=np.float64)))
    return cumulative[indptr[1:]] - cumulative[indptr[:-1]]


def _translation_keys(
    sentence_units: Sequence[Sequence[str]],
    table: dict[str, tuple[tuple[str, float], ...]],
    skip: np.ndarray,
) -> SparseRows:
    """Anchor keys of French sentences from ``table``: the keys of the English units their
    units translate to."""
    local: dict[str, int] = {}
    lengths = np.zeros(len(sentence_units), dtype=np.int64)
    ids: list[int] = []
    for row, found in enumerate(sentence_units):
        for unit in found:
            if unit in table:
                ids.append(local.setdefault(unit, len(local)))
                lengths[row] += 1
    indptr = np.zeros(len(local) + 1, dtype=np.int64)
    keys: list[int] = []
    for unit, index in local.items():
        keys.extend(k for target, _ in table[unit] for k in _unit_keys(target) if k >= 0)
        indptr[index + 1] = len(keys)
    return SparseRows.keys(
        ItemRows.from_lengths(lengths, np.asarray(ids, dtype=np.int64)),
        ItemTable(indptr, np.asarray(keys, dtype=np.int64), np.zeros(0)),
        skip,
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
        self._tables = {"fr": ItemTable(*_csr(fr)), "en": ItemTable(*_csr(en))}
        # Anchor keys (-1: none): an English content piece is itself; a French one is the
        # English piece it translates to best, when that is likely enough.
        pieces = ids < lexicon.vocab_size
        en_keys = np.where(content & pieces, ids, -1)
        fr_keys = np.full(size, -1, dtype=np.int64)
        best = (prob >= PIECE_KEY_THRESHOLD) & pieces[src]
        order = np.lexsort((-prob[best], src[best]))  # each source's likeliest target first
        first_src, first_at = np.unique(src[best][order], return_index=True)
        fr_keys[first_src] = tgt[best][order][first_at]
        # A French piece is also keyed as itself: names, numbers and cognates are shared.
        self._key_tables = {
            "fr": ItemTable.from_dense(_piece_keys(np.column_stack((fr_keys, en_keys)))),
            "en": ItemTable.from_dense(_piece_keys(en_keys[:, None])),
        }

    def similarity(self, fr: str, en: str) -> float:
        """How well a French and an English text translate each other, in [0, 1], as the
        search scores the lexical part of a 1-1 bead: twice the translation links between the
        two vectors over the lexical weight of both sides (0 when either has no content)."""
        none = np.zeros(1, dtype=bool)
        f, fw, _ = self.rows([fr], "fr", none)
        e, ew, _ = self.rows([en], "en", none)
        weight = float(fw[0] + ew[0])
        if weight <= 0.0:
            return 0.0
        links = dict(zip(f.columns.tolist(), f.values.tolist(), strict=True))
        pairs = zip(e.columns.tolist(), e.values.tolist(), strict=True)
        dot = sum(links.get(column, 0.0) * value for column, value in pairs)
        return min(max(2.0 * dot / max(weight, 1.0), 0.0), 1.0)

    def rows(
        self, texts: Sequence[str], lang: str, skip: np.ndarray
    ) -> tuple[SparseRows, np.ndarray, SparseRows]:
        """Each sentence's vector, its lexical weight, and its anchor keys (none where
        ``skip``)."""
        ids, lengths = self.lexicon.encode_flat(texts, lang)
        items = ItemRows.from_lengths(lengths, ids)
        weights = _sums(self._weight[items.ids], items.indptr)
        vectors = SparseRows.summed(items, self._tables[lang], DIMENSIONS)
        keys = SparseRows.keys(items, self._key_tables[lang], skip)
        return vectors, weights, keys


def _piece_keys(piece_ids: np.ndarray) -> np.ndarray:
    """Anchor keys of lexicon pieces (-1 stays -1: no key)."""
    return np.where(piece_ids >= 0, PIECE_KEYS + piece_ids, -1)


def _csr(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A dense (ids × dimensions) matrix as compressed sparse rows: (indptr, indices, data)."""
    rows, cols = np.nonzero(matrix)
    indptr = np.zeros(matrix.shape[0] + 1, dtype=np.int64)
    np.add.at(indptr, rows + 1, 1)
    return np.cumsum(indptr), cols.astype(np.int64), matrix[rows, cols].astype(np.float64)


def translation_vectors(
    sentence_units: Sequence[Sequence[str]], table: dict[str, tuple[tuple[str, float], ...]]
) -> SparseRows:
    """The part of French sentence vectors that ``table``'s translations contribute."""
    local: dict[str, int] = {}
    lengths = np.zeros(len(sentence_units), dtype=np.int64)
    ids: list[int] = []
    for row, found in enumerate(sentence_units):
        for unit in found:
            if unit in table:
                ids.append(local.setdefault(unit, len(local)))
                lengths[row] += 1
    indptr = np.zeros(len(local) + 1, dtype=np.int64)
    indices: list[int] = []
    data: list[float] = []
    for unit, index in local.items():
        for target, probability in table[unit]:
            indices.append(_bucket(target))
            data.append(probability)
        indptr[index + 1] = len(indices)
    return SparseRows.summed(
        ItemRows.from_lengths(lengths, np.asarray(ids, dtype=np.int64)),
        ItemTable(indptr, np.asarray(indices, dtype=np.int64), np.asarray(data)),
        DIMENSIONS,
    )
