"""The aligner at every length, and its memory on any input the limits allow (issue 9).

    .venv/bin/python bench/align_long.py                      # the sweep and the memory cases
    .venv/bin/python bench/align_long.py --sizes 3000,12000 --seeds 1 --no-memory

1. **Length sweep.** For each development set (``un``, ``transread``) and shuffle seed, the
   documents shuffled with ``random.Random(seed)`` and joined end to end (a blank line between
   two, the list repeated) until the French side has N sentences
   (:func:`alignment.devsets.concatenated`), N = 3,000 … 48,000; aligned pre-segmented in a fresh
   child process after a warm-up call. Printed: French + English sentences, wall and CPU
   seconds, µs per sentence, peak RSS, strict F1 against the concatenated gold, and the F1 of
   aligning each document of the set on its own (the figure the long one must stay within 0.01
   of). Then the ratio of time per sentence at the largest size to that at the smallest.
2. **Memory.** Peak RSS of one alignment in a fresh child for inputs of pathological shape at
   the limits: one-character sentences, a side of one sentence against a huge other side,
   lines of punctuation only — each at the sentence limit (64,000 a side) — and the 300,000
   one-character sentences a side that the service used to take (refused now, at once).

It prints figures only. A JSON copy goes to ``bench/out/align_long.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHARED = Path(os.environ.get("ALINEA_SHARED_DIR", ROOT.parent / "shared"))
DEV = SHARED / "data" / "align-dev"
OUT = ROOT / "bench" / "out"
WARM_FR = "Le chat dort sur le canapé bleu.\nIl pleut depuis trois jours.\n"
WARM_EN = "The cat is asleep on the blue sofa.\nIt has been raining for three days.\n"


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_long(spec: dict[str, Any]) -> dict[str, Any]:
    from alignment import devsets
    from alignment.align import align
    from alignment.evaluate import pooled, score_document

    documents = devsets.load(DEV / spec["set"])
    long = devsets.concatenated(documents, spec["size"], seed=spec["seed"])
    align(WARM_FR, WARM_EN, presegmented=True)
    before_rss = _peak_mib()
    wall, cpu = time.perf_counter(), time.process_time()
    result = align(long.fr, long.en, presegmented=True)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    beads = [(b.fr, b.en) for b in result.beads]
    return {
        "n_fr": long.n_fr,
        "n_en": long.n_en,
        "wall": wall,
        "cpu": cpu,
        "us_per_sentence": 1e6 * wall / (long.n_fr + long.n_en),
        "rss_before_mib": before_rss,
        "peak_mib": _peak_mib(),
        "f1": pooled([score_document(long.gold, beads)]).strict_f1,
    }


def child_per_document(spec: dict[str, Any]) -> dict[str, Any]:
    from alignment import devsets
    from alignment.align import align
    from alignment.evaluate import pooled, score_document

    counts = []
    for document in devsets.load(DEV / spec["set"]):
        result = align(document.fr, document.en, presegmented=True)
        counts.append(score_document(document.gold, [(b.fr, b.en) for b in result.beads]))
    return {"f1": pooled(counts).strict_f1}


def child_memory(spec: dict[str, Any]) -> dict[str, Any]:
    from alignment.align import MAX_SENTENCES, AlignmentError, align

    n = spec.get("n", MAX_SENTENCES)
    shapes = {
        "one-character sentences": (
            "\n".join("a" for _ in range(n)),
            "\n".join("b" for _ in range(n)),
        ),
        "punctuation lines": ("\n".join("." for _ in range(n)), "\n".join("!?" for _ in range(n))),
        "one sentence against many": (
            "Une phrase.",
            "\n".join(f"Sentence number {k} of a long text." for k in range(n)),
        ),
        "many against one": (
            "\n".join(f"Phrase numéro {k} d'un long texte." for k in range(n)),
            "One sentence.",
        ),
    }
    fr, en = shapes[spec["shape"]]
    align(WARM_FR, WARM_EN, presegmented=True)
    wall = time.perf_counter()
    try:
        outcome = f"{len(align(fr, en, presegmented=True).beads):,} beads"
    except AlignmentError as exc:
        outcome = f"refused: {exc}"
    return {"wall": time.perf_counter() - wall, "peak_mib": _peak_mib(), "outcome": outcome}


CHILDREN = {"long": child_long, "per_document": child_per_document, "memory": child_memory}


def run_child(kind: str, spec: dict[str, Any], timeout: float) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", kind, "--spec", json.dumps(spec)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="3000,6000,12000,24000,48000")
    parser.add_argument("--sets", default="un,transread")
    parser.add_argument("--seeds", default="1,2,3", help="shuffle seeds (per set and size)")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child](json.loads(args.spec))))
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    figures: dict[str, Any] = {"sweep": {}, "memory": {}}
    print(f"Alignment at every length (issue 9); load average {os.getloadavg()[0]:.1f}")
    if not args.no_sweep:
        for set_name in args.sets.split(","):
            alone = run_child("per_document", {"set": set_name}, args.timeout)
            print(f"\n{set_name}: each document on its own, strict F1 {alone.get('f1', 0):.4f}")
            print(f"{'N':>7} {'seed':>4} {'fr + en':>15} {'wall s':>7} {'cpu s':>6} "
                  f"{'µs/sent':>7} {'peak MiB':>8} {'F1':>7} {'F1 - alone':>10}")  # fmt: skip
            rows = []
            for size in sizes:
                for seed in seeds:
                    found = run_child("long", {"set": set_name, "size": size, "seed": seed},
                                      args.timeout)  # fmt: skip
                    if "error" in found:
                        print(f"{size:>7} {seed:>4} error: {found['error']}")
                        continue
                    rows.append({"size": size, "seed": seed, **found})
                    print(
                        f"{size:>7} {seed:>4} {found['n_fr']:>7,} + {found['n_en']:>6,} "
                        f"{found['wall']:>7.2f} {found['cpu']:>6.2f} "
                        f"{found['us_per_sentence']:>7.0f} {found['peak_mib']:>8.0f} "
                        f"{found['f1']:>7.4f} {found['f1'] - alone.get('f1', 0):>+10.4f}",
                        flush=True,
                    )
            figures["sweep"][set_name] = {"alone": alone, "rows": rows}
            by_size = {
                size: sum(r["us_per_sentence"] for r in rows if r["size"] == size)
                / max(1, sum(1 for r in rows if r["size"] == size))
                for size in sizes
            }
            if len(sizes) >= 2 and by_size[sizes[0]]:
                ratio = by_size[sizes[-1]] / by_size[sizes[0]]
                print(f"time per sentence, {sizes[-1]:,} vs {sizes[0]:,}: {ratio:.2f} x "
                      "(target <= 1.5)")  # fmt: skip
                figures["sweep"][set_name]["ratio"] = ratio
    if not args.no_memory:
        print("\nPeak memory of one alignment, by the shape of the input (target <= 1 GB)")
        cases = [
            ("one-character sentences", {}),
            ("punctuation lines", {}),
            ("one sentence against many", {}),
            ("many against one", {}),
            ("one-character sentences", {"n": 300_000}),
        ]
        for shape, extra in cases:
            found = run_child("memory", {"shape": shape, **extra}, args.timeout)
            n = extra.get("n", 64_000)
            label = f"{shape}, {n:,} a side"
            figures["memory"][label] = found
            if "error" in found:
                print(f"  {label}: error: {found['error']}")
            else:
                print(f"  {label}: {found['peak_mib']:.0f} MiB, {found['wall']:.1f} s, "
                      f"{found['outcome'][:90]}")  # fmt: skip
    OUT.mkdir(exist_ok=True)
    (OUT / "align_long.json").write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
