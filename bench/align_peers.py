"""Alinea against a peer aligner on the development sets, their held-out halves and harder
variants (issue 9: paragraphs are a hint, not a wall; generalisation, not fitting).

    .venv/bin/python bench/align_peers.py

For each set (``un``, ``transread``), each half (:func:`alignment.devsets.halves`: *fit*, the
half the weights were fitted on, and *held-out*, never looked at while fitting) and each
variant (the original paragraphs, and one side's paragraphs merged or split at random,
:func:`alignment.devsets.reparagraphed`): strict F1 of Alinea and of Gale-Church (the
``galechurch`` package, a Rust implementation of the 1993 algorithm with its published
parameters, sentence lengths only, the whole document as one block), and, for Alinea, the
expected calibration error of its confidences and the precision/recall of its review flags for
the gold 1-0 / 0-1 sentences.

The shipped lexicon was learnt from the UN Parallel Corpus devset, which holds the sentences of
the UN development documents: with ``--lexicon-without-held-out`` a lexicon is learnt again
without the sentences of the held-out UN documents (``alignment.lexicon_build.build_lexicon``, into
``bench/out/lexicon-without-held-out``) and used for the whole run, so that the held-out UN
figures are those of documents the aligner has never seen in any form.

hunalign, the other peer the issue names, is not packaged for this machine (no Debian or PyPI
package, no network to build it), so its figures are the ones published with the data sets
(``../shared/data/README.md``), quoted, not measured.

It prints figures only. A JSON copy goes to ``bench/out/align_peers.json``.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alignment import devsets  # noqa: E402
from alignment.align import align  # noqa: E402
from alignment.evaluate import (  # noqa: E402
    BeadPair,
    calibration_error,
    pooled,
    review_scores,
    score_document,
    sentence_lines,
)

SHARED = Path(os.environ.get("ALINEA_SHARED_DIR", ROOT.parent / "shared"))
DEV = SHARED / "data" / "align-dev"
OUT = ROOT / "bench" / "out"
VARIANTS = (None, ("fr", "merge"), ("fr", "split"), ("en", "merge"), ("en", "split"))
HUNALIGN = {"un": 0.948, "transread": 0.857}  # published with the data sets, not measured here


def gale_church(document: devsets.Document) -> list[BeadPair]:
    import galechurch

    result = galechurch.align(sentence_lines(document.fr), sentence_lines(document.en))
    beads = []
    for line in result.to_pharaoh_lines():
        fr, en = line.split(":")
        beads.append((tuple(ast.literal_eval(fr)), tuple(ast.literal_eval(en))))
    return beads


def alinea(documents: list[devsets.Document]) -> dict[str, float]:
    counts = []
    confidences: list[float] = []
    right: list[bool] = []
    flags = []
    for document in documents:
        result = align(document.fr, document.en, presegmented=True)
        beads = [(b.fr, b.en) for b in result.beads]
        counts.append(score_document(document.gold, beads))
        gold = set(document.gold)
        confidences += [b.confidence for b in result.beads]
        right += [(b.fr, b.en) in gold for b in result.beads]
        flags.append(
            (
                document.gold,
                [(b.fr, b.en) for b in result.beads if b.review],
                {s.index for s in result.fr.sentences if s.furniture},
                {s.index for s in result.en.sentences if s.furniture},
            )
        )
    precision, recall = review_scores(flags)
    return {
        "f1": pooled(counts).strict_f1,
        "ece": calibration_error(confidences, right),
        "flag_precision": precision,
        "flag_recall": recall,
    }


def use_lexicon_without_held_out() -> str:
    """Learn a lexicon without the held-out UN documents' sentences; make the aligner use it."""
    from functools import lru_cache

    import alignment.align as align_module
    from alignment.features import LexicalSpace
    from alignment.lexicon import Lexicon
    from alignment.lexicon_build import build_lexicon

    _, held_out = devsets.halves(devsets.load(DEV / "un"), "document")
    held = {line.strip() for d in held_out for line in sentence_lines(d.fr)}
    held |= {line.strip() for d in held_out for line in sentence_lines(d.en)}
    corpus = SHARED / "data" / "unpc-v1.0-devset"
    fr = (corpus / "UNv1.0.devset.fr").read_text(encoding="utf-8").split("\n")
    en = (corpus / "UNv1.0.devset.en").read_text(encoding="utf-8").split("\n")
    kept = [
        (f, e)
        for f, e in zip(fr, en, strict=True)
        if f.strip() not in held and e.strip() not in held
    ]
    work = OUT / "lexicon-without-held-out"
    work.mkdir(parents=True, exist_ok=True)
    (work / "train.fr").write_text("\n".join(f for f, _ in kept) + "\n", encoding="utf-8")
    (work / "train.en").write_text("\n".join(e for _, e in kept) + "\n", encoding="utf-8")
    build_lexicon(work / "train.fr", work / "train.en", work)
    lexicon = Lexicon.load(work)
    align_module._space = lru_cache(maxsize=1)(lambda: LexicalSpace(lexicon))
    return (
        f"lexicon learnt from {len(kept):,} of {len(fr):,} devset pairs "
        "(held-out UN sentences left out)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lexicon-without-held-out", action="store_true")
    args = parser.parse_args()
    if args.lexicon_without_held_out:
        print(use_lexicon_without_held_out())
    figures: dict[str, Any] = {}
    print("Alinea and Gale-Church, strict F1 (hunalign: published figure on the whole set)")
    for set_name, by in (("un", "document"), ("transread", "middle")):
        fit, held_out = devsets.halves(devsets.load(DEV / set_name), by)
        halves = {"fit": fit, "held-out": held_out}
        print(f"\n{set_name} (hunalign on the whole original set: {HUNALIGN[set_name]:.3f})")
        print(f"{'half':9s} {'variant':10s} {'Alinea':>7} {'Gale-Church':>11} {'margin':>7} "
              f"{'ECE':>6} {'flag P':>6} {'flag R':>6}")  # fmt: skip
        for half, documents in halves.items():
            for variant in VARIANTS:
                docs = (
                    documents
                    if variant is None
                    else [devsets.reparagraphed(d, *variant) for d in documents]
                )
                label = "original" if variant is None else f"{variant[0]}-{variant[1]}"
                ours = alinea(docs)
                peer = pooled([score_document(d.gold, gale_church(d)) for d in docs]).strict_f1
                figures[f"{set_name}/{half}/{label}"] = {**ours, "gale_church": peer}
                print(
                    f"{half:9s} {label:10s} {ours['f1']:>7.4f} {peer:>11.4f} "
                    f"{ours['f1'] - peer:>+7.4f} {ours['ece']:>6.3f} "
                    f"{ours['flag_precision']:>6.3f} {ours['flag_recall']:>6.3f}",
                    flush=True,
                )
    OUT.mkdir(exist_ok=True)
    (OUT / "align_peers.json").write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
