"""The lexicon the aligner loads: shared subword pieces and a piece translation table.

One SentencePiece unigram model is trained on French and English together, so numbers, symbols,
names and cognates ("▁commission", "▁coordination") get the *same* piece ids on both sides; a
piece-level translation table learned with IBM Model 1 adds the links identity cannot see
("▁traite" → "▁trafficking"). Neither needs a dictionary. This module loads the artifacts and
encodes text; learning them is :mod:`alignment.lexicon_build`.

What the aligner does with it (:class:`alignment.features.LexicalSpace`): a sentence becomes a
sparse vector of its content pieces (English) or of the English pieces its pieces translate to
(French), whose dot products count translation links and add up over consecutive sentences; and
rare pieces become anchor keys for the search corridor (:mod:`alignment.anchors`).

Choices made when encoding:

- *Case folding* happens inside the model (``nmt_nfkc_cf``), so anything that encodes with the
  shipped model folds case the same way; NFKC also turns no-break spaces, ligatures and
  superscript footnote digits into their plain forms.
- *Numbers* never go through the table: each number (thousands separators removed, so "1 500" and
  "1,500" agree) becomes one *number id* ``vocab_size + crc32(digits) % number_buckets`` that only
  matches itself. Digit pieces are dropped, so "2015" cannot half-match "2016".
- *Frequent pieces* (in at least ``stop_df`` of the sentences of either language: "▁de", "▁the",
  ",") are marked as stop pieces (:attr:`Lexicon.stop_mask`): they are in every pair, true or
  not, and carry no weight in the aligner.

The bundled artifacts (``alignment/data``) are learned from the United Nations Parallel Corpus
v1.0 development set, EN/FR part (4,000 sentence pairs) — source: the United Nations; Ziemski, M.,
Junczys-Dowmunt, M., Pouliquen, B. (2016), "The United Nations Parallel Corpus v1.0", LREC 2016.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import itertools
import json
import re
import unicodedata
import zlib
from collections.abc import Sequence
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

import numpy as np
import sentencepiece as spm

__all__ = ["DATA_PACKAGE", "Lexicon"]

DATA_PACKAGE = "alignment.data"
MANIFEST_NAME = "lexicon.json"
MODEL_NAME = "lexicon.model"
TABLE_NAME = "lexicon-table.npy.gz"
FORMAT_VERSION = 1
LANGS = ("fr", "en")

# Probabilities are stored as fixed-point uint16: the file is then byte-identical across
# machines even if the last float bits of EM differ.
PROB_SCALE = 65535
# Defaults of what the manifest says (``scoring.stop_df``, ``settings.number_buckets``).
STOP_DF = 0.10
NUMBER_BUCKETS = 2048

_ID_DTYPE = np.dtype(np.int32)

# French elided articles/pronouns glued to the next word ("l'organisation" would otherwise become
# "▁l ' organisation" with a non-initial "organisation" piece that never matches English): the
# words, at the end of the text before an apostrophe (7 characters are enough to see the longest,
# "lorsqu", and what precedes it).
_ELIDED_TAIL = re.compile(r"(?:^|\W)(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)$")
# A number, with thousands groups ("1 500 000", "1,500,000", "1.500") kept together; decimals
# ("3,5" / "3.5") fall apart into their digit runs on both sides, which still agree.
_NUMBER = re.compile(r"\d+(?:[ ,.]\d{3}(?!\d))*")
_NOT_DIGIT = re.compile(r"\D")
_HAS_DIGIT = re.compile(r"\d")


def prepare(text: str, lang: str) -> str:
    """The text as the model sees it (before its own NFKC + case-folding rule)."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'")
    if lang == "fr" and "'" in text:
        text = _split_elisions(text)
    return text


def _prepare_all(sentences: Sequence[str], lang: str) -> list[str]:
    """``[prepare(s, lang) for s in sentences]``, in one pass over them joined by line breaks
    (NFKC and the elision split act within lines), unless a sentence holds a line break."""
    joined = "\n".join(sentences)
    if joined.count("\n") != max(len(sentences) - 1, 0):
        return [prepare(s, lang) for s in sentences]
    prepared = prepare(joined, lang).split("\n")
    if len(prepared) != len(sentences):  # not expected: NFKC made or removed a line break
        return [prepare(s, lang) for s in sentences]
    return prepared if sentences else []


def _split_elisions(text: str) -> str:
    r"""A space after each elided word glued to the next one ("l'organisation" → "l' organisation"),
    as ``re.sub(r"\b(c|d|j|l|m|n|s|t|qu|jusqu|lorsqu|puisqu|quoiqu)'(?=\w)", r"\1' ", text,
    flags=re.I)`` would, five times faster: the regex is tried at every character, this looks
    only at apostrophes (a third of the lexicon's encoding time was the regex)."""
    parts = text.split("'")
    out = [parts[0]]
    for previous, following in itertools.pairwise(parts):
        glued = following[:1].isalnum() or following[:1] == "_"  # (?=\w)
        if glued and _ELIDED_TAIL.search(previous[-7:].lower()):
            out.append("' ")
        else:
            out.append("'")
        out.append(following)
    return "".join(out)


@functools.lru_cache(maxsize=100_000)
def _number_hash(number: str) -> int:
    """CRC-32 of a number's key (numbers recur: years, symbols, paragraph numbers)."""
    return zlib.crc32(_number_key(number))


def _number_key(number: str) -> bytes:
    """A number of a prepared text, normalised: separators and leading zeros dropped."""
    digits = _NOT_DIGIT.sub("", number).lstrip("0") or "0"
    return digits.encode("ascii", "ignore") or b"0"


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Lexicon:
    """A shared FR/EN SentencePiece model and its piece translation table, loaded.

    Typical use::

        lex = Lexicon.load_default()
        ids, counts = lex.encode_flat(sentences, "fr")   # every sentence's ids, end to end
        src, tgt, prob = lex.translation_table("fr")      # t(en piece | fr piece)
        lex.stop_mask[piece_id]                           # True: a piece with no weight

    Instances do not change after loading and are safe to share between threads.
    """

    def __init__(
        self,
        model: bytes,
        table: dict[str, np.ndarray],
        manifest: dict[str, Any],
        *,
        cache_size: int = 1 << 16,
    ) -> None:
        self.manifest = manifest
        self.stop_df = float(manifest.get("scoring", {}).get("stop_df", STOP_DF))
        self.number_buckets = int(manifest["settings"].get("number_buckets", NUMBER_BUCKETS))
        self._sp = spm.SentencePieceProcessor(model_proto=model)
        self.vocab_size = int(self._sp.get_piece_size())
        self._table = table
        pieces = [self._sp.id_to_piece(i) for i in range(self.vocab_size)]
        # Digit pieces are replaced by number ids, and a bare "▁" says nothing.
        self._drop = np.array(
            [p.strip("▁") == "" or p.strip("▁").isdigit() for p in pieces], dtype=bool
        )
        n_sent = max(int(table["sentences"][0]), 1)
        rates = np.maximum(table["df_fr"], table["df_en"]) / n_sent
        stop = (rates >= self.stop_df) | self._drop
        stop[self._sp.unk_id()] = True
        stop.flags.writeable = False
        self._stop = stop
        self._cache_size = cache_size
        self._encoded: dict[tuple[str, str], np.ndarray] = {}

    # -- loading -------------------------------------------------------------------------------

    @classmethod
    def load(cls, directory: Path | Traversable, **kwargs: Any) -> Lexicon:
        """Load the artifacts written by :func:`alignment.lexicon_build.build_lexicon`.

        The manifest's hashes are checked, so a half-copied or hand-edited artifact fails loudly.
        """
        manifest = json.loads(directory.joinpath(MANIFEST_NAME).read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT_VERSION:
            raise ValueError(f"unsupported lexicon format {manifest.get('format')!r}")
        model = directory.joinpath(manifest["model"]["file"]).read_bytes()
        table_bytes = directory.joinpath(manifest["table"]["file"]).read_bytes()
        for name, data in (("model", model), ("table", table_bytes)):
            if sha256(data) != manifest[name]["sha256"]:
                raise ValueError(f"lexicon {name} does not match the SHA-256 in its manifest")
        return cls(model, _read_table(table_bytes), manifest, **kwargs)

    @classmethod
    def load_default(cls) -> Lexicon:
        """The lexicon shipped in ``alignment/data``, loaded once per process."""
        return _default_lexicon()

    # -- encoding ------------------------------------------------------------------------------

    def encode(self, sentences: Sequence[str], lang: str) -> list[np.ndarray]:
        """The lexical ids of each sentence: its piece ids, then one number id per number.

        Piece ids are ``< vocab_size`` (digit pieces and a bare "▁" left out); number ids are
        ``vocab_size + crc32(digits) % number_buckets``. Arrays are int32 and read-only (they
        are cached and shared).
        """
        _check_lang(lang)
        cache = self._encoded
        missing = list(dict.fromkeys(s for s in sentences if (lang, s) not in cache))
        if missing:
            if len(cache) + len(missing) > self._cache_size:
                # Simplest bounded policy: a document is encoded in one batch anyway.
                cache.clear()
                missing = list(dict.fromkeys(sentences))
            if len(missing) > self._cache_size:  # larger than the whole cache: don't cache it
                return self._encode_uncached(sentences, lang)
            encoded = self._encode_uncached(missing, lang)
            cache.update(zip(((lang, s) for s in missing), encoded, strict=True))
        return [cache[(lang, s)] for s in sentences]

    def _encode_uncached(self, sentences: Sequence[str], lang: str) -> list[np.ndarray]:
        ids, counts = self.encode_flat(sentences, lang)
        result = np.split(ids, np.cumsum(counts)[:-1]) if len(sentences) else []
        for part in result:
            part.flags.writeable = False
        return result

    def encode_flat(self, sentences: Sequence[str], lang: str) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`encode` without its cache, as one array: (every sentence's ids end to end,
        how many ids each sentence has). What the aligner uses: a document is new text."""
        _check_lang(lang)
        prepared = _prepare_all(sentences, lang)
        encoded = self._sp.encode(prepared)
        # One pass of numpy over the whole batch rather than a few small arrays per sentence.
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        pieces = np.fromiter(
            itertools.chain.from_iterable(encoded), dtype=_ID_DTYPE, count=int(lengths.sum())
        )
        owner = np.repeat(np.arange(len(encoded)), lengths)
        keep = ~self._drop[pieces]
        pieces, owner = pieces[keep], owner[keep]
        # Numbers: one scan of the whole batch (a number never spans the line breaks joining it).
        joined = "\n".join(prepared)
        if _HAS_DIGIT.search(joined):
            matches = [(match.start(), match.group()) for match in _NUMBER.finditer(joined)]
            hashes = np.fromiter(
                (_number_hash(number) for _, number in matches), dtype=np.int64, count=len(matches)
            )
            number_ids = self.vocab_size + hashes % self.number_buckets
            line_starts = np.cumsum([0] + [len(text) + 1 for text in prepared])
            positions = [position for position, _ in matches]
            number_owner = np.searchsorted(line_starts, positions, side="right") - 1
            pieces = np.concatenate((pieces, number_ids.astype(_ID_DTYPE)))
            owner = np.concatenate((owner, number_owner.astype(np.int64)))
            order = np.argsort(owner, kind="stable")
            pieces, owner = pieces[order], owner[order]
        return pieces, np.bincount(owner, minlength=len(prepared))

    @property
    def stop_mask(self) -> np.ndarray:
        """Read-only, per piece id (``< vocab_size``): True for the pieces that carry no weight.

        Frequent pieces (``stop_df``), digit pieces, a bare "▁" and <unk>; number ids are always
        content.
        """
        return self._stop

    def translation_table(self, lang: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The shipped (pruned) IBM Model 1 table from ``lang`` to the other language.

        ``(source ids, target ids, t(target | source))``, the last as float32; sorted by source,
        then by decreasing probability. For ``"fr"`` that is t(en | fr).
        """
        _check_lang(lang)
        prefix = "fe" if lang == "fr" else "ef"
        table = self._table
        return (
            table[f"{prefix}_src"].astype(np.int64),
            table[f"{prefix}_tgt"].astype(np.int64),
            table[f"{prefix}_prob"].astype(np.float32) / PROB_SCALE,
        )

    def pieces(self, ids: np.ndarray) -> list[str]:
        """Readable form of lexical ids (number ids shown as ``<num:bucket>``), for debugging."""
        return [
            self._sp.id_to_piece(int(i)) if i < self.vocab_size else f"<num:{i - self.vocab_size}>"
            for i in ids
        ]


@functools.cache
def _default_lexicon() -> Lexicon:
    return Lexicon.load(resources.files(DATA_PACKAGE))


# -- the table file ------------------------------------------------------------------------------

TABLE_ARRAYS = (
    "sentences",
    "df_fr",
    "df_en",
    "fe_src",
    "fe_tgt",
    "fe_prob",
    "ef_src",
    "ef_tgt",
    "ef_prob",
)


def _read_table(data: bytes) -> dict[str, np.ndarray]:
    buffer = io.BytesIO(gzip.decompress(data))
    return {name: np.load(buffer, allow_pickle=False) for name in TABLE_ARRAYS}
