"""The lexical signal of the aligner: shared subword pieces and a piece translation table.

One SentencePiece unigram model is trained on French and English together, so numbers, symbols,
names and cognates ("▁commission", "▁coordination") get the *same* piece ids on both sides; a
piece-level translation table learned with IBM Model 1 (EM, both directions) from sentence pairs
adds the links identity cannot see ("▁traite" → "▁trafficking"). Neither needs a dictionary.

The score the aligner uses is a *translation coverage*: the share of the content pieces of one side
that have a likely translation (a table link above a threshold, or the identical piece) somewhere on
the other side, averaged over both directions. It works unchanged for concatenations of sentences
(1-2, 2-1, 2-2 beads): the pieces of a concatenation are the union of the sentences' pieces.

Design choices, each measured on the UN devset with the sentences of 49 align-dev/un files left
out of training (true 1-1 pairs against their neighbours: AUC 0.993; true translation ranked
first among 789 held-out candidates: 97 %):

- *Case folding* happens inside the model (``nmt_nfkc_cf``), so anything that encodes with the
  shipped model folds case the same way; NFKC also turns no-break spaces, ligatures and
  superscript footnote digits into their plain forms.
- *Numbers* never go through the table: each number (thousands separators removed, so "1 500" and
  "1,500" agree) becomes one *number id* ``vocab_size + crc32(digits) % number_buckets`` that only
  matches itself, with double weight. Digit pieces are dropped, so "2015" cannot half-match "2016".
- *Frequent pieces* (in at least ``stop_df`` of the sentences of either language: "▁de", "▁the",
  ",") carry no weight: they are in every pair, true or not, and only blur the contrast. They still
  take part in EM, where they soak up probability mass that would otherwise go to wrong links.
- A sentence's *signature* is two Python ints used as bitsets over the id space: the pieces it has
  and the pieces it could be translated by. A pair score is then two ``&`` and two ``bit_count``
  calls (about a microsecond), which is what a DP over ~700k candidate beads needs.

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
from collections.abc import Callable, Iterable, Sequence
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import sentencepiece as spm

__all__ = [
    "DATA_PACKAGE",
    "Lexicon",
    "Signature",
    "build_lexicon",
    "ibm_model1",
    "score",
]

DATA_PACKAGE = "alignment.data"
MANIFEST_NAME = "lexicon.json"
MODEL_NAME = "lexicon.model"
TABLE_NAME = "lexicon-table.npy.gz"
FORMAT_VERSION = 1
LANGS = ("fr", "en")

DEFAULT_VOCAB_SIZE = 6000
DEFAULT_ITERATIONS = 8
DEFAULT_SEED = 2016

# Build-time pruning: the shipped table keeps what the scorer could ever use, plus some headroom
# below the run-time threshold so that the threshold can be tuned without a rebuild.
PRUNE_THRESHOLD = 0.01
TOP_K = 12
# Probabilities are stored as fixed-point uint16: the file is then byte-identical across
# machines even if the last float bits of EM differ.
PROB_SCALE = 65535

# Run-time scoring defaults (also written to the manifest, which is what ``load`` reads).
LINK_THRESHOLD = 0.02
STOP_DF = 0.10
NUMBER_WEIGHT = 2
NUMBER_BUCKETS = 2048

PREPROCESSING = "nfkc; ’→'; fr elision split (l' d' qu' …); numbers → number ids"
_ID_DTYPE = np.dtype(np.int32)

# French elided articles/pronouns glued to the next word: "l'organisation" would otherwise become
# "▁l ' organisation" with a non-initial "organisation" piece that never matches English.
_ELISION = re.compile(r"\b(c|d|j|l|m|n|s|t|qu|jusqu|lorsqu|puisqu|quoiqu)'(?=\w)", re.IGNORECASE)
# The words _ELISION knows, at the end of the text before an apostrophe (7 characters are enough
# to see the longest, "lorsqu", and what precedes it).
_ELIDED_TAIL = re.compile(r"(?:^|\W)(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)$")
# A number, with thousands groups ("1 500 000", "1,500,000", "1.500") kept together; decimals
# ("3,5" / "3.5") fall apart into their digit runs on both sides, which still agree.
_NUMBER = re.compile(r"\d+(?:[ ,.]\d{3}(?!\d))*")
_NOT_DIGIT = re.compile(r"\D")
_HAS_DIGIT = re.compile(r"\d")


def _prepare(text: str, lang: str) -> str:
    """The text as the model sees it (before its own NFKC + case-folding rule)."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'")
    if lang == "fr" and "'" in text:
        text = _split_elisions(text)
    return text


def _prepare_all(sentences: Sequence[str], lang: str) -> list[str]:
    """``[_prepare(s, lang) for s in sentences]``, in one pass over them joined by line breaks
    (NFKC and the elision split act within lines), unless a sentence holds a line break."""
    joined = "\n".join(sentences)
    if joined.count("\n") != max(len(sentences) - 1, 0):
        return [_prepare(s, lang) for s in sentences]
    prepared = _prepare(joined, lang).split("\n")
    if len(prepared) != len(sentences):  # not expected: NFKC made or removed a line break
        return [_prepare(s, lang) for s in sentences]
    return prepared if sentences else []


def _split_elisions(text: str) -> str:
    """``_ELISION.sub(r"\1' ", text)``, five times faster: the regex is tried at every
    character, this looks only at apostrophes (a third of the lexicon's encoding time was the
    regex)."""
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


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Signature(NamedTuple):
    """What the scorer needs of a (concatenation of) sentence(s), for one language.

    ``own`` and ``cand`` are bitsets over the id space (bit *i* = id *i*; a number id has a second
    bit ``number_buckets`` above, which is how numbers weigh double): the content pieces the text
    has, and the pieces of the *other* language that translate one of them (identity included).
    ``size`` is ``own.bit_count()``. ``a | b`` is the signature of the two texts concatenated.
    """

    own: int
    cand: int
    size: int

    def __or__(self, other: object) -> Signature:
        if not isinstance(other, Signature):
            return NotImplemented
        own = self.own | other.own
        return Signature(own, self.cand | other.cand, own.bit_count())


EMPTY_SIGNATURE = Signature(0, 0, 0)


def score(fr: Signature, en: Signature) -> float:
    """Translation coverage of a French and an English signature, in [0, 1].

    The weighted share of the English content pieces covered by a translation of some French
    piece, averaged with the same share the other way round; 0 when either side has no content
    piece (the lexicon has nothing to say, the length model must decide).
    """
    if not fr.size or not en.size:
        return 0.0
    return 0.5 * (
        (en.own & fr.cand).bit_count() / en.size + (fr.own & en.cand).bit_count() / fr.size
    )


class Lexicon:
    """A shared FR/EN SentencePiece model, its piece translation links and a fast pair scorer.

    Typical use by the aligner::

        lex = Lexicon.load_default()
        fr_ids = lex.encode(fr_sentences, "fr")
        en_ids = lex.encode(en_sentences, "en")
        lex.similarity(fr_ids[i], en_ids[j])                                  # a 1-1 bead
        lex.similarity(np.concatenate(fr_ids[i:i + 2]), en_ids[j])           # a 2-1 bead

    or, fastest, signatures once per sentence and ``score`` per candidate::

        fs, es = lex.signatures(fr_ids, "fr"), lex.signatures(en_ids, "en")
        score(fs[i] | fs[i + 1], es[j])

    Instances are immutable as far as callers can tell (``with_anchors`` returns a new one) and
    safe to share between threads.
    """

    def __init__(
        self,
        model: bytes,
        table: dict[str, np.ndarray],
        manifest: dict[str, Any],
        *,
        cache_size: int = 1 << 16,
        signature_cache_size: int = 4096,
    ) -> None:
        self.manifest = manifest
        scoring = manifest.get("scoring", {})
        self.link_threshold = float(scoring.get("link_threshold", LINK_THRESHOLD))
        self.stop_df = float(scoring.get("stop_df", STOP_DF))
        self.number_weight = int(scoring.get("number_weight", NUMBER_WEIGHT))
        self.number_buckets = int(manifest["settings"]["number_buckets"])
        if self.number_weight not in (1, 2):
            raise ValueError("number_weight must be 1 or 2 (it is a second bit per number)")

        self._model = model
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
        self._content: list[bool] = (~stop).tolist()
        self._links = {
            "fr": self._build_links(table["fe_src"], table["fe_tgt"], table["fe_prob"]),
            "en": self._build_links(table["ef_src"], table["ef_tgt"], table["ef_prob"]),
        }
        self.anchors = 0  # anchor pairs added by with_anchors (with content pieces on both sides)
        self._cache_size = cache_size
        self._signature_cache_size = signature_cache_size
        self._encoded: dict[tuple[str, str], np.ndarray] = {}
        self._init_signature_caches()

    # -- loading -------------------------------------------------------------------------------

    @classmethod
    def load(cls, directory: Path | Traversable, **kwargs: Any) -> Lexicon:
        """Load the artifacts written by :func:`build_lexicon` from ``directory``.

        The manifest's hashes are checked, so a half-copied or hand-edited artifact fails loudly.
        """
        manifest = json.loads(directory.joinpath(MANIFEST_NAME).read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT_VERSION:
            raise ValueError(f"unsupported lexicon format {manifest.get('format')!r}")
        model = directory.joinpath(manifest["model"]["file"]).read_bytes()
        table_bytes = directory.joinpath(manifest["table"]["file"]).read_bytes()
        for name, data in (("model", model), ("table", table_bytes)):
            if _sha256(data) != manifest[name]["sha256"]:
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
        are cached and shared); concatenate them freely to score several sentences together.
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

    # -- links ---------------------------------------------------------------------------------

    def _build_links(self, src: np.ndarray, tgt: np.ndarray, prob: np.ndarray) -> list[int]:
        """Per source piece: bitset of itself and its translations above the link threshold.

        Only content pieces get links: a stop piece's translations are stop pieces or noise.
        """
        keep = prob >= round(self.link_threshold * PROB_SCALE)
        keep &= ~self._stop[tgt]
        links = [1 << i if content else 0 for i, content in enumerate(self._content)]
        for s, t in zip(src[keep].tolist(), tgt[keep].tolist(), strict=True):
            if self._content[s]:
                links[s] |= 1 << t
        return links

    def translations(self, piece: str, lang: str) -> list[str]:
        """The pieces of the other language linked to ``piece`` (a model piece, e.g. "▁traite")."""
        _check_lang(lang)
        i = self._sp.piece_to_id(piece)
        bits = self._links[lang][i]
        return [self._sp.id_to_piece(j) for j in range(bits.bit_length()) if bits >> j & 1]

    def with_anchors(self, pairs: Iterable[tuple[str, str]]) -> Lexicon:
        """A copy with extra French/English term pairs linked, e.g. termbase equivalents.

        For each pair, every content piece of one term that has no link yet to a piece of the
        other term is linked to all content pieces of the other term (both directions), so the
        pair's pieces cover each other wherever both terms occur. Numbers need no anchor.
        """
        new = object.__new__(Lexicon)
        new.__dict__.update(self.__dict__)
        new._links = {lang: list(links) for lang, links in self._links.items()}
        pairs = list(pairs)
        fr_terms = self._encode_uncached([fr for fr, _ in pairs], "fr")
        en_terms = self._encode_uncached([en for _, en in pairs], "en")
        anchored = 0
        for fr_ids, en_ids in zip(fr_terms, en_terms, strict=True):
            fr_content = [
                i for i in set(fr_ids.tolist()) if i < self.vocab_size and self._content[i]
            ]
            en_content = [
                i for i in set(en_ids.tolist()) if i < self.vocab_size and self._content[i]
            ]
            if not fr_content or not en_content:
                continue
            anchored += 1
            fr_bits = functools.reduce(int.__or__, (1 << i for i in fr_content))
            en_bits = functools.reduce(int.__or__, (1 << i for i in en_content))
            for lang, sources, targets in (
                ("fr", fr_content, en_bits),
                ("en", en_content, fr_bits),
            ):
                links = new._links[lang]
                for s in sources:
                    if not links[s] & targets:
                        links[s] |= targets
        new.anchors = self.anchors + anchored
        new._init_signature_caches()
        return new

    # -- scoring -------------------------------------------------------------------------------

    def _init_signature_caches(self) -> None:
        # Keyed by the id bytes: the aligner scores each sentence (and each concatenation)
        # against ~10 neighbours, so the same arrays come back many times in a row.
        self._signature_of = {
            lang: functools.lru_cache(maxsize=self._signature_cache_size)(
                functools.partial(self._signature_from_bytes, lang=lang)
            )
            for lang in LANGS
        }

    def _signature_from_bytes(self, data: bytes, lang: str) -> Signature:
        return self._make_signature(np.frombuffer(data, dtype=_ID_DTYPE), self._links[lang])

    def _make_signature(self, ids: np.ndarray, links: list[int]) -> Signature:
        vocab, content = self.vocab_size, self._content
        double = self.number_buckets if self.number_weight == 2 else 0
        own = cand = 0
        for i in set(ids.tolist()):
            if i >= vocab:
                bits = (1 << i) | (1 << (i + double))
                own |= bits
                cand |= bits
            elif content[i]:
                own |= 1 << i
                cand |= links[i]
        return Signature(own, cand, own.bit_count())

    def signature(self, ids: np.ndarray, lang: str) -> Signature:
        """The signature of lexical ids (one sentence or a concatenation) in language ``lang``."""
        _check_lang(lang)
        if ids.dtype != _ID_DTYPE:
            ids = ids.astype(_ID_DTYPE)
        return self._signature_of[lang](ids.tobytes())

    def signatures(self, ids: Iterable[np.ndarray], lang: str) -> list[Signature]:
        """Signatures of many id arrays; uncached, for callers that keep them themselves."""
        _check_lang(lang)
        links = self._links[lang]
        return [self._make_signature(np.asarray(a), links) for a in ids]

    score = staticmethod(score)

    def similarity(self, fr_ids: np.ndarray, en_ids: np.ndarray) -> float:
        """Translation coverage of French ids against English ids, in [0, 1] (see ``score``)."""
        if fr_ids.dtype != _ID_DTYPE:
            fr_ids = fr_ids.astype(_ID_DTYPE)
        if en_ids.dtype != _ID_DTYPE:
            en_ids = en_ids.astype(_ID_DTYPE)
        return score(
            self._signature_of["fr"](fr_ids.tobytes()), self._signature_of["en"](en_ids.tobytes())
        )

    def similarity_many(self, pairs: Iterable[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """``similarity`` of each (French ids, English ids) pair, as a float64 array."""
        fr_sig: Callable[[bytes], Signature] = self._signature_of["fr"]
        en_sig: Callable[[bytes], Signature] = self._signature_of["en"]
        out = []
        for fr_ids, en_ids in pairs:
            f = fr_sig(np.asarray(fr_ids, dtype=_ID_DTYPE).tobytes())
            e = en_sig(np.asarray(en_ids, dtype=_ID_DTYPE).tobytes())
            if f.size and e.size:
                out.append(
                    0.5
                    * (
                        (e.own & f.cand).bit_count() / e.size
                        + (f.own & e.cand).bit_count() / f.size
                    )
                )
            else:
                out.append(0.0)
        return np.asarray(out, dtype=np.float64)


@functools.cache
def _default_lexicon() -> Lexicon:
    return Lexicon.load(resources.files(DATA_PACKAGE))


# -- the table file ------------------------------------------------------------------------------

_TABLE_ARRAYS = (
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


def _write_table(arrays: dict[str, np.ndarray]) -> bytes:
    """Plain .npy arrays one after the other, gzipped with no timestamp (reproducible bytes).

    Not ``np.savez_compressed``: zip members carry the current time, so rebuilds would differ.
    """
    buffer = io.BytesIO()
    for name in _TABLE_ARRAYS:
        np.save(buffer, arrays[name], allow_pickle=False)
    return gzip.compress(buffer.getvalue(), compresslevel=9, mtime=0)


def _read_table(data: bytes) -> dict[str, np.ndarray]:
    buffer = io.BytesIO(gzip.decompress(data))
    return {name: np.load(buffer, allow_pickle=False) for name in _TABLE_ARRAYS}


# -- building ------------------------------------------------------------------------------------


def _read_lines(path: Path) -> list[str]:
    # Not splitlines(): it also breaks at U+2028, U+0085 … inside a line and would shift pairs.
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def _train_model(sentences: list[str], vocab_size: int, seed: int) -> bytes:
    # The trainer takes no seed argument; the library-wide generator is what it draws from.
    spm.set_random_generator_seed(seed)
    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences),
        model_writer=buffer,
        model_type="unigram",
        vocab_size=vocab_size,
        hard_vocab_limit=False,
        character_coverage=1.0,
        normalization_rule_name="nmt_nfkc_cf",
        split_digits=True,
        byte_fallback=False,
        num_threads=1,  # the pieces depend on the thread count
        max_sentence_length=1 << 16,  # UN sentences exceed the 4,192-byte default
        unk_id=0,
        bos_id=-1,
        eos_id=-1,
        pad_id=-1,
        minloglevel=2,
    )
    return buffer.getvalue()


def _unique(a: np.ndarray) -> np.ndarray:
    """Sorted distinct values; sort-based, several times faster here than numpy 2's hash path."""
    a = np.sort(a)
    return a[np.concatenate(([True], a[1:] != a[:-1]))] if len(a) else a


def ibm_model1(
    source: Sequence[np.ndarray],
    target: Sequence[np.ndarray],
    vocab_size: int,
    iterations: int,
    *,
    chunk_tokens: int = 1 << 20,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """IBM Model 1 t(target | source) by EM over co-occurring id pairs only (with a NULL source).

    Returns parallel arrays (source id, target id, probability) over every pair that co-occurs
    in some sentence pair; the NULL source has id ``vocab_size``. Deterministic: uniform start,
    no sampling, sums in a fixed order. The (source token, target token) grid of the corpus
    (~8M cells on the devset) is processed in chunks of about ``chunk_tokens`` cells, which keeps
    the memory at ~150 MB instead of ~700 MB for one vectorised pass.
    """
    width = vocab_size + 1
    chunks: list[tuple[np.ndarray, np.ndarray]] = []  # (cell keys, group sizes) per chunk
    keys: list[np.ndarray] = []
    sizes: list[np.ndarray] = []
    n_cells = 0
    usable = [(s, t) for s, t in zip(source, target, strict=True) if len(s) and len(t)]
    for k, (s, t) in enumerate(usable):
        s_null = np.append(np.asarray(s, dtype=np.int64), vocab_size)
        # Rows are target tokens: each row (a "group") holds the source tokens, NULL included,
        # that may have generated that target token.
        keys.append((s_null[None, :] * width + np.asarray(t, dtype=np.int64)[:, None]).ravel())
        sizes.append(np.full(len(t), len(s_null), dtype=np.int64))
        n_cells += len(s_null) * len(t)
        if n_cells >= chunk_tokens or k == len(usable) - 1:
            chunks.append((np.concatenate(keys), np.concatenate(sizes)))
            keys, sizes, n_cells = [], [], 0
    if not chunks:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)

    pairs = _unique(np.concatenate([_unique(k) for k, _ in chunks]))
    # Per chunk: the pair index of each cell and the group of each cell, both int32.
    cells = [
        (
            np.searchsorted(pairs, k).astype(np.int32),
            np.repeat(np.arange(len(g), dtype=np.int32), g),
            len(g),
        )
        for k, g in chunks
    ]
    del chunks
    pair_src, pair_tgt = pairs // width, pairs % width

    t = np.ones(len(pairs))
    t /= np.bincount(pair_src, weights=t, minlength=width)[pair_src]
    for _ in range(iterations):
        counts = np.zeros(len(pairs))
        for pair_of_cell, group_of_cell, n_groups in cells:
            t_cell = t[pair_of_cell]
            t_cell /= np.bincount(group_of_cell, weights=t_cell, minlength=n_groups)[group_of_cell]
            counts += np.bincount(pair_of_cell, weights=t_cell, minlength=len(pairs))
        t = counts / np.bincount(pair_src, weights=counts, minlength=width)[pair_src]
    return pair_src, pair_tgt, t


def _prune(
    src: np.ndarray, tgt: np.ndarray, prob: np.ndarray, vocab_size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep, per real source piece, its top-k translations with t ≥ PRUNE_THRESHOLD; quantise."""
    quantised = np.rint(prob * PROB_SCALE).astype(np.int64)
    keep = (src < vocab_size) & (quantised >= round(PRUNE_THRESHOLD * PROB_SCALE))
    src, tgt, quantised = src[keep], tgt[keep], quantised[keep]
    # Sort by source, then probability descending, then target (a total order: stable output).
    order = np.lexsort((tgt, -quantised, src))
    src, tgt, quantised = src[order], tgt[order], quantised[order]
    starts = np.searchsorted(src, src, side="left")
    rank = np.arange(len(src)) - starts
    keep = rank < TOP_K
    return (
        src[keep].astype(np.uint16),
        tgt[keep].astype(np.uint16),
        quantised[keep].astype(np.uint16),
    )


def build_lexicon(
    fr_path: Path,
    en_path: Path,
    out_dir: Path,
    *,
    vocab_size: int = DEFAULT_VOCAB_SIZE,
    iterations: int = DEFAULT_ITERATIONS,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """Learn the lexicon from a line-aligned French/English corpus and write its artifacts.

    ``fr_path`` and ``en_path`` hold one sentence a line, line *i* of each being translations of
    each other (the UN Parallel Corpus devset: ``UNv1.0.devset.fr`` / ``.en``). Pairs with an
    empty side are skipped. Writes to ``out_dir`` (created if needed):

    - ``lexicon.model``: the SentencePiece unigram model shared by both languages;
    - ``lexicon-table.npy.gz``: per-language document frequencies of the pieces and the pruned,
      fixed-point IBM Model 1 tables t(en | fr) and t(fr | en);
    - ``lexicon.json``: the manifest (corpus files and SHA-256, settings, scoring defaults,
      sentencepiece version, artifact hashes and sizes) — no date, so a rebuild from the same
      input with the same settings and library versions is byte-identical.

    Training uses one thread and a fixed seed (``seed`` feeds SentencePiece's global random
    generator). Takes about 10 s and 300 MB of memory on the 4,000-pair devset with the defaults.
    Returns the manifest.
    """
    fr_lines, en_lines = _read_lines(fr_path), _read_lines(en_path)
    if len(fr_lines) != len(en_lines):
        raise ValueError(f"{fr_path} has {len(fr_lines)} lines but {en_path} has {len(en_lines)}")
    pairs = [(f, e) for f, e in zip(fr_lines, en_lines, strict=True) if f.strip() and e.strip()]
    if not pairs:
        raise ValueError("no sentence pair to learn from")
    fr_text = [_prepare(f, "fr") for f, _ in pairs]
    en_text = [_prepare(e, "en") for _, e in pairs]

    model = _train_model(fr_text + en_text, vocab_size, seed)
    sp = spm.SentencePieceProcessor(model_proto=model)
    size = int(sp.get_piece_size())

    def piece_ids(texts: list[str]) -> list[np.ndarray]:
        return [np.asarray(ids, dtype=np.int64) for ids in sp.encode(texts)]

    fr_ids, en_ids = piece_ids(fr_text), piece_ids(en_text)
    df = {}
    for lang, ids in (("fr", fr_ids), ("en", en_ids)):
        counts = np.zeros(size, dtype=np.int64)
        for a in ids:
            counts[np.unique(a)] += 1
        df[lang] = counts.astype(np.uint32)
    fe = _prune(*ibm_model1(fr_ids, en_ids, size, iterations), size)
    ef = _prune(*ibm_model1(en_ids, fr_ids, size, iterations), size)
    table = _write_table(
        {
            "sentences": np.asarray([len(pairs)], dtype=np.uint32),
            "df_fr": df["fr"],
            "df_en": df["en"],
            "fe_src": fe[0],
            "fe_tgt": fe[1],
            "fe_prob": fe[2],
            "ef_src": ef[0],
            "ef_tgt": ef[1],
            "ef_prob": ef[2],
        }
    )

    def corpus_entry(path: Path, lines: int) -> dict[str, Any]:
        return {"file": path.name, "sha256": _sha256(path.read_bytes()), "lines": lines}

    manifest: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "corpus": {
            "fr": corpus_entry(fr_path, len(fr_lines)),
            "en": corpus_entry(en_path, len(en_lines)),
            "pairs": len(pairs),
            "credit": "United Nations Parallel Corpus v1.0 (Ziemski, Junczys-Dowmunt & "
            "Pouliquen, LREC 2016); source: the United Nations",
        },
        "settings": {
            "model_type": "unigram",
            "vocab_size": vocab_size,
            "hard_vocab_limit": False,
            "character_coverage": 1.0,
            "normalization_rule_name": "nmt_nfkc_cf",
            "split_digits": True,
            "byte_fallback": False,
            "num_threads": 1,
            "seed": seed,
            "preprocessing": PREPROCESSING,
            "number_buckets": NUMBER_BUCKETS,
            "ibm1_iterations": iterations,
            "prune_threshold": PRUNE_THRESHOLD,
            "top_k": TOP_K,
            "prob_scale": PROB_SCALE,
        },
        "scoring": {
            "link_threshold": LINK_THRESHOLD,
            "stop_df": STOP_DF,
            "number_weight": NUMBER_WEIGHT,
        },
        "versions": {"sentencepiece": spm.__version__, "numpy": np.__version__},
        "model": {
            "file": MODEL_NAME,
            "sha256": _sha256(model),
            "bytes": len(model),
            "pieces": size,
        },
        "table": {
            "file": TABLE_NAME,
            "sha256": _sha256(table),
            "bytes": len(table),
            "entries_fr_en": int(len(fe[0])),
            "entries_en_fr": int(len(ef[0])),
        },
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MODEL_NAME).write_bytes(model)
    (out_dir / TABLE_NAME).write_bytes(table)
    (out_dir / MANIFEST_NAME).write_text(
        json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return manifest
