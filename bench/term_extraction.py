"""Term-candidate extraction (termbase/extraction.py) judged two ways, as issue 13 asks.

1. *Recall of known pairs*: the French/English pairs of the seed termbase, the UNESCO Thesaurus
   and the UNTERM country names (both SKOS, read with rdflib) that occur together (their keys,
   as the termbase keys terms, in the same bead) in at least two beads of the corpus; the share
   of them among the top 500 candidates (a candidate finds a pair when its French and English
   keys are the pair's).
2. *Precision*: of the top 100 candidates, the share a terminologist accepts, read from the
   judgements in ``bench/judgements/term_pairs.tsv`` (fr, en, accept yes/no; see the file's
   header for how they were judged). Candidates without a judgement are counted and listed
   (``--unjudged`` writes them out, to be judged by hand).

The corpus is ``align-dev/un`` (gold beads) + the UNPC devset (one bead a line); beads with the
same two sides are counted once, since align-dev/un is built from the devset's sentences. The
same figures on the raw devset alone, and on each half of it, show the method does not depend on
one corpus (``--corpus``).

    .venv/bin/python bench/term_extraction.py                 # the issue's corpus
    .venv/bin/python bench/term_extraction.py --corpus halves # each half of the raw devset
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import _terms_data as data  # noqa: E402
from termbase.extraction import ExtractionOptions, extract_candidates, term_key  # noqa: E402
from termbase.normalize import key_forms  # noqa: E402

JUDGEMENTS = ROOT / "bench" / "judgements" / "term_pairs.tsv"
MAX_WORDS = 8


def _ngrams(text: str, lang: str) -> set[str]:
    forms = key_forms(text, lang) if text else []
    grams = set()
    for i in range(len(forms)):
        for j in range(i + 1, min(len(forms), i + MAX_WORDS) + 1):
            grams.add(" ".join(forms[i:j]))
    return grams


def cooccurring_pairs(beads: list, pairs: set[tuple[str, str]]) -> Counter[tuple[str, str]]:  # type: ignore[type-arg]
    """How many beads hold both keys of each pair."""
    by_fr: dict[str, list[str]] = defaultdict(list)
    for f, e in pairs:
        by_fr[f].append(e)
    counts: Counter[tuple[str, str]] = Counter()
    for bead in beads:
        fr_grams = _ngrams(bead.fr, "fr")
        hits = fr_grams & by_fr.keys()
        if not hits:
            continue
        en_grams = _ngrams(bead.en, "en")
        for f in hits:
            for e in by_fr[f]:
                if e in en_grams:
                    counts[(f, e)] += 1
    return counts


def read_judgements() -> dict[tuple[str, str], bool]:
    judged: dict[tuple[str, str], bool] = {}
    if not JUDGEMENTS.is_file():
        return judged
    with JUDGEMENTS.open(encoding="utf-8") as handle:
        rows = csv.reader((line for line in handle if not line.startswith("#")), delimiter="\t")
        for row in rows:
            if len(row) < 3 or row[0] == "fr":
                continue
            judged[(term_key(row[0], "fr"), term_key(row[1], "en"))] = row[2].strip() == "yes"
    return judged


def measure(
    name: str, beads: list, known: dict[str, set[tuple[str, str]]], args: argparse.Namespace
) -> None:  # type: ignore[type-arg]
    beads = data.unique(beads)
    started = time.perf_counter()
    lexicon = None
    if not args.no_lexicon:
        from alignment.lexicon import Lexicon

        lexicon = Lexicon.load_default()
    all_known = set().union(*known.values())
    candidates = extract_candidates(
        beads,
        known_pairs=[],
        lexicon=lexicon,
        options=ExtractionOptions(limit=100_000),
    )
    seconds = time.perf_counter() - started
    print(
        f"\n== {name}: {len(beads):,} beads; extraction {seconds:.1f} s, "
        f"{len(candidates)} candidates"
    )
    counts = cooccurring_pairs(beads, all_known)
    every = {(c.fr_key, c.en_key) for c in candidates}
    top500 = {(c.fr_key, c.en_key) for c in candidates[:500]}
    print("recall of known pairs (in >= 2 beads together) in the top 500:")
    total_found = total = 0
    for source, pairs in known.items():
        target = {p for p in pairs if counts[p] >= 2}
        found = target & top500
        total += len(target)
        total_found += len(found)
        share = len(found) / len(target) if target else float("nan")
        print(f"  {source:18s} {len(found):4d} / {len(target):4d} = {share:.3f}")
    # a pair known to several sources counts once
    target_all = {p for p in all_known if counts[p] >= 2}
    found_all = target_all & top500
    print(
        f"  {'all (distinct)':18s} {len(found_all):4d} / {len(target_all):4d} = "
        f"{len(found_all) / max(len(target_all), 1):.3f}"
    )
    anywhere = target_all & every
    multi = {p for p in target_all if " " in p[0] or " " in p[1]}
    print(
        f"  found at any rank (all {len(candidates):,} candidates): {len(anywhere)} / "
        f"{len(target_all)} = {len(anywhere) / max(len(target_all), 1):.3f}; multi-word "
        f"targets in the top 500: {len(multi & top500)} / {len(multi)}"
    )
    if args.missed:
        for pair in sorted(target_all - top500, key=lambda p: -counts[p]):
            print(f"    missed ({counts[pair]}): {pair[0]} | {pair[1]}")

    judged = read_judgements()
    top = candidates[:100]
    accepted = sum(1 for c in top if judged.get((c.fr_key, c.en_key)) is True)
    unjudged = [c for c in top if (c.fr_key, c.en_key) not in judged]
    print(
        f"precision of the top 100 (judged in {JUDGEMENTS.relative_to(ROOT)}): "
        f"{accepted} / {len(top)} = {accepted / max(len(top), 1):.2f}"
        f" ({len(unjudged)} unjudged, counted as not accepted)"
    )
    if args.unjudged and unjudged:
        with open(args.unjudged, "a", encoding="utf-8") as out:
            for c in unjudged:
                out.write(f"{c.fr}\t{c.en}\t?\n")
        print(f"  {len(unjudged)} unjudged candidates appended to {args.unjudged}")
    if args.show:
        for rank, c in enumerate(candidates[: args.show], 1):
            mark = {True: "+", False: "-", None: "?"}[judged.get((c.fr_key, c.en_key))]
            print(f"  {rank:3d} {mark} {c.score:5.2f} {c.frequency:4d} {c.fr} | {c.en}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", choices=("issue", "devset", "halves", "all"), default="issue")
    parser.add_argument("--top", type=int, default=500)
    parser.add_argument("--show", type=int, default=0, help="print the top N candidates")
    parser.add_argument("--missed", action="store_true", help="list the known pairs missed")
    parser.add_argument("--unjudged", help="append unjudged top-100 candidates to this file")
    parser.add_argument("--no-lexicon", action="store_true", help="pair on association alone")
    args = parser.parse_args()
    data.require_shared()
    started = time.perf_counter()
    known = {
        v.name: {(term_key(f, "fr"), term_key(e, "en")) for f, e in v.pairs()}
        for v in data.known_vocabularies()
    }
    print(
        f"known pairs read in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{name} {len(pairs):,}" for name, pairs in known.items())
    )
    devset = data.devset_beads()
    if args.corpus in ("issue", "all"):
        dev = [b for doc in data.dev_documents() for b in doc]
        measure("align-dev/un + UNPC devset", dev + devset, known, args)
    if args.corpus in ("devset", "all"):
        measure("UNPC devset (raw)", devset, known, args)
    if args.corpus in ("halves", "all"):
        half = len(devset) // 2
        measure("UNPC devset, first half", devset[:half], known, args)
        measure("UNPC devset, second half", devset[half:], known, args)


if __name__ == "__main__":
    main()
