"""Fit the aligner's cost weights on one half of each development set; report the other half.

The weights of :class:`alignment.costs.CostModel` are fitted by coordinate search (each weight
in turn multiplied by a few factors, a change kept when the objective improves), as before, but
now only on the *fit* half of each set (:func:`alignment.devsets.halves`: UN documents split by
name, the literary documents cut at their middle) and on harder variants of it: each side's
paragraphs merged or split (:func:`alignment.devsets.reparagraphed`). The objective is the mean
strict F1 over the UN and the literary fit sets (each the mean of its original and its four
variants). The held-out halves are never looked at while fitting; the script prints their
figures for the starting weights and for the fitted ones, to be recorded in docs/BENCHMARKS.md.

    .venv/bin/python bench/fit_aligner.py                 # report the current weights
    .venv/bin/python bench/fit_aligner.py --fit --rounds 2  # fit, print the new CostModel

Documents are aligned in a pool of worker processes (``--workers``, default 2).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alignment import devsets  # noqa: E402
from alignment.costs import CostModel  # noqa: E402
from alignment.evaluate import Counts, pooled, score_document  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "align-dev"
VARIANTS = (("fr", "merge"), ("fr", "split"), ("en", "merge"), ("en", "split"))
FACTORS = (0.5, 0.75, 1.33, 2.0)
SCALAR_WEIGHTS = (
    "length_variance",
    "length_weight",
    "lexical_weight",
    "paragraph_penalty",
    "label_bonus",
    "label_penalty",
    "support_threshold",
    "support_weight",
    "delete_cost",
    "delete_base",
    "delete_slope",
    "hinge_level",
    "hinge_weight",
)
# Shape penalties are fitted in symmetric pairs: (2, 1) and (1, 2) together, and so on.
SHAPE_GROUPS = (((2, 1), (1, 2)), ((2, 2),), ((3, 1), (1, 3)), ((3, 2), (2, 3)), ((4, 1), (1, 4)))


def build_sets(half: int) -> dict[str, list[list[devsets.Document]]]:
    """For each set, its original half and that half's variants (a list of document lists)."""
    sets: dict[str, list[list[devsets.Document]]] = {}
    for name, by in (("un", "document"), ("transread", "middle")):
        documents = devsets.halves(devsets.load(SHARED / name), by=by)[half]
        sets[name] = [documents] + [
            [devsets.reparagraphed(d, side, mode) for d in documents] for side, mode in VARIANTS
        ]
    return sets


def _align_one(task: tuple[dict[str, Any], str, str, list[Any]]) -> Counts:
    from alignment.align import AlignOptions, align

    weights, fr, en, gold = task
    model = _model(weights)
    result = align(fr, en, options=AlignOptions(presegmented=True, cost=model))
    return score_document(
        [(tuple(f), tuple(e)) for f, e in gold], [(b.fr, b.en) for b in result.beads]
    )


def _model(weights: dict[str, Any]) -> CostModel:
    values = dict(weights)
    values["shape_penalty"] = tuple((tuple(k), v) for k, v in values["shape_penalty"])
    return CostModel(**values)


def _weights(model: CostModel) -> dict[str, Any]:
    values = dataclasses.asdict(model)
    values["shape_penalty"] = [[list(k), v] for k, v in model.shape_penalty]
    return values


def evaluate(
    pool: ProcessPoolExecutor, model: CostModel, sets: dict[str, list[list[devsets.Document]]]
) -> dict[str, list[float]]:
    """Strict F1 of each (set, variant)."""
    weights = _weights(model)
    tasks = []
    keys = []
    for name, variants in sets.items():
        for v, documents in enumerate(variants):
            for d in documents:
                tasks.append((weights, d.fr, d.en, d.gold))
                keys.append((name, v))
    counts: dict[tuple[str, int], list[Counts]] = {}
    for key, found in zip(keys, pool.map(_align_one, tasks, chunksize=8), strict=True):
        counts.setdefault(key, []).append(found)
    return {
        name: [pooled(counts[(name, v)]).strict_f1 for v in range(len(variants))]
        for name, variants in sets.items()
    }


def objective(scores: dict[str, list[float]]) -> float:
    return sum(sum(f1s) / len(f1s) for f1s in scores.values()) / len(scores)


def _show(label: str, scores: dict[str, list[float]]) -> str:
    parts = [f"{label}: objective {objective(scores):.4f}"]
    for name, f1s in scores.items():
        names = ["original"] + [f"{s}-{m}" for s, m in VARIANTS]
        parts.append(
            f"  {name:9s} " + "  ".join(f"{n} {f:.4f}" for n, f in zip(names, f1s, strict=True))
        )
    return "\n".join(parts)


def _changed(model: CostModel, field: str, factor: float) -> CostModel:
    if field.startswith("shape:"):
        group = SHAPE_GROUPS[int(field.split(":")[1])]
        penalties = tuple(
            (shape, value * factor if shape in group else value)
            for shape, value in model.shape_penalty
        )
        return dataclasses.replace(model, shape_penalty=penalties)
    return dataclasses.replace(model, **{field: getattr(model, field) * factor})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fit", action="store_true", help="fit the weights (else: report)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--min-gain", type=float, default=0.0005)
    parser.add_argument("--start", type=Path, help="start from weights saved by a previous run")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/out/fitted_weights.json")
    args = parser.parse_args()

    fit_sets, held_sets = build_sets(0), build_sets(1)
    model = _model(json.loads(args.start.read_text())) if args.start else CostModel()
    started = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        before_fit = evaluate(pool, model, fit_sets)
        before_held = evaluate(pool, model, held_sets)
        print(_show("start, fit half", before_fit), flush=True)
        print(_show("start, held-out half", before_held), flush=True)
        if not args.fit:
            return
        best = objective(before_fit)
        fields = list(SCALAR_WEIGHTS) + [f"shape:{k}" for k in range(len(SHAPE_GROUPS))]
        for round_number in range(1, args.rounds + 1):
            improved = False
            for field in fields:
                for factor in FACTORS:
                    candidate = _changed(model, field, factor)
                    score = objective(evaluate(pool, candidate, fit_sets))
                    if score > best + args.min_gain:
                        print(f"round {round_number}: {field} x{factor}: {best:.4f} -> {score:.4f}",
                              flush=True)  # fmt: skip
                        best, model, improved = score, candidate, True
                args.out.parent.mkdir(parents=True, exist_ok=True)
                args.out.write_text(json.dumps(_weights(model), indent=1))
            if not improved:
                break
        after_fit = evaluate(pool, model, fit_sets)
        after_held = evaluate(pool, model, held_sets)
    print(_show("fitted, fit half", after_fit))
    print(_show("fitted, held-out half", after_held))
    print(f"fitted weights: {model}")
    print(f"({time.perf_counter() - started:.0f} s; weights saved in {args.out})")


if __name__ == "__main__":
    main()
