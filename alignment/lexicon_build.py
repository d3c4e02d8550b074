"""Learning the lexicon of :mod:`alignment.lexicon` from a line-aligned French/English corpus.

Only the ``alinea lexicon build`` command and the benchmarks use this; the aligner loads the
shipped artifacts (``alignment/data``) with :meth:`alignment.lexicon.Lexicon.load`.

One SentencePiece unigram model is trained on French and English together, so numbers, symbols,
names and cognates get the *same* piece ids on both sides; a piece-level translation table is
learned with IBM Model 1 (EM, both directions) from the sentence pairs. The build is
reproducible: one thread, a fixed seed, fixed-point probabilities and a manifest without dates,
so the same input and library versions give byte-identical files.

The shipped artifacts are learned from the United Nations Parallel Corpus v1.0 development set,
EN/FR part (4,000 sentence pairs) — source: the United Nations; Ziemski, M., Junczys-Dowmunt, M.,
Pouliquen, B. (2016), "The United Nations Parallel Corpus v1.0", LREC 2016.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sentencepiece as spm

from alignment.lexicon import (
    FORMAT_VERSION,
    MANIFEST_NAME,
    MODEL_NAME,
    NUMBER_BUCKETS,
    PROB_SCALE,
    STOP_DF,
    TABLE_ARRAYS,
    TABLE_NAME,
    prepare,
    sha256,
)

__all__ = [
    "DEFAULT_ITERATIONS",
    "DEFAULT_SEED",
    "DEFAULT_VOCAB_SIZE",
    "build_lexicon",
    "ibm_model1",
]

DEFAULT_VOCAB_SIZE = 6000
DEFAULT_ITERATIONS = 8
DEFAULT_SEED = 2016

# Build-time pruning: the shipped table keeps what the aligner could ever use, plus some headroom
# below the run-time thresholds so that they can be tuned without a rebuild.
PRUNE_THRESHOLD = 0.01
TOP_K = 12

# Written to the manifest's "scoring" section, as the shipped manifest has them: ``stop_df`` is
# what :class:`alignment.lexicon.Lexicon` reads; the other two describe the pair score of the
# first aligner (translation coverage), which the aligner no longer uses.
LINK_THRESHOLD = 0.02
NUMBER_WEIGHT = 2

PREPROCESSING = "nfkc; ’→'; fr elision split (l' d' qu' …); numbers → number ids"


def _write_table(arrays: dict[str, np.ndarray]) -> bytes:
    """Plain .npy arrays one after the other, gzipped with no timestamp (reproducible bytes).

    Not ``np.savez_compressed``: zip members carry the current time, so rebuilds would differ.
    """
    buffer = io.BytesIO()
    for name in TABLE_ARRAYS:
        np.save(buffer, arrays[name], allow_pickle=False)
    return gzip.compress(buffer.getvalue(), compresslevel=9, mtime=0)


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
    fr_text = [prepare(f, "fr") for f, _ in pairs]
    en_text = [prepare(e, "en") for _, e in pairs]

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
        return {"file": path.name, "sha256": sha256(path.read_bytes()), "lines": lines}

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
            "sha256": sha256(model),
            "bytes": len(model),
            "pieces": size,
        },
        "table": {
            "file": TABLE_NAME,
            "sha256": sha256(table),
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
