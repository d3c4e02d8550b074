"""Per-sentence features for the alignment search: lengths, lexical vectors, paragraph marks.

Lexical vectors live in one hashed space shared by both languages: an English sentence is the bag
of its units (words, numbers); a French sentence is the bag of the English units its own units
translate to (from the lexicon), plus itself (numbers, names, symbols and cognates are the same
on both sides). The dot product of a French and an English vector then counts translation links,
and it adds up over consecutive sentences, which is what the search needs.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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
    result = []
    for match in _UNIT_RE.finditer(text):
        unit = match.group()
        if unit in _PUNCTUATION:
            result.append(_PUNCTUATION[unit])
        elif unit[0].isdigit():
            result.append("#" + re.sub(r"\D", "", unit))
        else:
            result.append(fold(unit))
    return result


def _bucket(unit: str) -> int:
    return zlib.crc32(unit.encode()) % DIMENSIONS


def _cognate(unit: str) -> str | None:
    """The shared stem of a long word ("coordination", "internationale" -> "intern…")."""
    if unit.startswith("#") or len(unit) < 5:
        return None
    return "~" + unit[:6]


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
) -> SideFeatures:
    """Features of one side's sentences, ready for :func:`alignment.search.align_features`."""
    n = len(texts)
    vectors = np.zeros((n, DIMENSIONS), dtype=np.float32)
    pieces = np.zeros(n, dtype=np.float32)
    chars = np.zeros(n, dtype=np.float32)
    labels = np.zeros(n, dtype=np.int64)
    table = translations.table if translations and lang == "fr" else {}
    for row, text in enumerate(texts):
        chars[row] = max(len(text) - text.count(" "), 1)
        label = _LABEL_RE.match(text)
        if label:
            labels[row] = zlib.crc32(label.group(1).lower().encode()) + 1
        vector = vectors[row]
        count = 0.0
        for unit in units(text) if words else ():
            if unit in STOP_UNITS:
                continue
            w = 2.0 if unit.startswith("#") else PUNCTUATION_WEIGHT if unit in _MARKS else 1.0
            count += w
            vector[_bucket(unit)] += w
            cognate = _cognate(unit)
            if cognate:
                vector[_bucket(cognate)] += 0.8
            for target, probability in table.get(unit, ()):
                vector[_bucket(target)] += probability
        pieces[row] = max(count, 1.0)
    if space is not None:
        piece_vectors, piece_weights = space.vectors(texts, lang)
        vectors += PIECE_SCALE * piece_vectors
        pieces += PIECE_SCALE * piece_weights
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
        self._matrix = {"fr": fr, "en": en}

    def vectors(self, texts: Sequence[str], lang: str) -> tuple[np.ndarray, np.ndarray]:
        """(sentence vectors, lexical weight of each sentence)."""
        matrix = self._matrix[lang]
        encoded = self.lexicon.encode(texts, lang)
        vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        weights = np.zeros(len(texts), dtype=np.float32)
        for row, ids in enumerate(encoded):
            if len(ids):
                vectors[row] = matrix[ids].sum(axis=0)
                weights[row] = self._weight[ids].sum()
        return vectors, np.maximum(weights, 1.0)
