"""Fit the bead confidence models and the mismatch threshold on one half of each development
set; report calibration and review flags on both halves.

Every bead the aligner outputs on the fit half (originals and paragraph variants, see
``bench/fit_aligner.py``) is labelled right when it equals a gold bead; two logistic models
(beads with both sides; one-sided beads) are fitted to those labels by Newton's method on what
the search knows of each bead (:class:`alignment.confidence.Calibration`). The threshold of the
``mismatch`` flag is the similarity that makes the review flags find the gold one-sided
sentences best (F1 of the flags) on the fit half.

Printed for both halves: expected calibration error (10 equal-width bins, weighted by beads;
the measure of Guo et al. 2017), and precision and recall of the review flags for the gold 1-0
and 0-1 beads (sentence by sentence; gold one-sided sentences that are page furniture are left
out, as the aligner does not flag furniture). Then the Calibration to paste into
``alignment/confidence.py``.

    .venv/bin/python bench/fit_confidence.py
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alignment import devsets  # noqa: E402
from alignment.align import AlignOptions, align  # noqa: E402
from alignment.confidence import Calibration  # noqa: E402
from alignment.evaluate import calibration_error, review_scores  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "align-dev"
VARIANTS = (("fr", "merge"), ("fr", "split"), ("en", "merge"), ("en", "split"))


class Recorder:
    """A stand-in calibration that records what each bead's confidence would be made of."""

    def __init__(self, calibration: Calibration) -> None:
        self.calibration = calibration
        self.rows: list[tuple[str, tuple[float, ...], float]] = []

    def linked_bead(
        self, cost: float, similarity: float, length_z: float, size: int, typical: float
    ) -> Any:
        relative = similarity / typical if typical > 0 else 1.0
        self.rows.append(("linked", (cost, similarity, length_z, size - 2), relative))
        return self.calibration.linked_bead(cost, similarity, length_z, size, typical)

    def one_sided_bead(self, french: bool, nearby: float, chars: float, furniture: bool) -> Any:
        kind = "furniture" if furniture else "one_sided"
        self.rows.append((kind, (nearby, math.log(max(chars, 1.0))), 0.0))
        return self.calibration.one_sided_bead(french, nearby, chars, furniture)


def collect(documents: list[devsets.Document]) -> dict[str, Any]:
    """Per bead: its kind, features and similarity, whether it is right; per document: the
    beads, the gold and which sentences are furniture (for the flag scores)."""
    rows: list[tuple[str, tuple[float, ...], float, bool]] = []
    outputs = []
    for document in documents:
        recorder = Recorder(Calibration())
        options = AlignOptions(presegmented=True, calibration=recorder)  # type: ignore[arg-type]
        result = align(document.fr, document.en, options=options)
        gold = set(document.gold)
        for (kind, features, similarity), bead in zip(recorder.rows, result.beads, strict=True):
            rows.append((kind, features, similarity, (bead.fr, bead.en) in gold))
        outputs.append((document, result))
    return {"rows": rows, "outputs": outputs}


def logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3) -> np.ndarray:
    """Weights (intercept first) of a logistic regression, by Newton's method."""
    x = np.column_stack((np.ones(len(x)), x))
    w = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        gradient = x.T @ (p - y) + l2 * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + l2 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def fit(data: dict[str, Any]) -> Calibration:
    rows = data["rows"]
    linked = [(f, ok) for kind, f, _, ok in rows if kind == "linked"]
    one_sided = [(f, ok) for kind, f, _, ok in rows if kind == "one_sided"]
    furniture = [ok for kind, _, _, ok in rows if kind == "furniture"]
    w_linked = logistic(np.array([f for f, _ in linked]), np.array([ok for _, ok in linked], float))
    w_one = logistic(
        np.array([f for f, _ in one_sided]), np.array([ok for _, ok in one_sided], float)
    )
    calibration = Calibration(
        linked=tuple(round(float(v), 4) for v in w_linked),  # type: ignore[arg-type]
        one_sided=tuple(round(float(v), 4) for v in w_one),  # type: ignore[arg-type]
        furniture=round(min(sum(furniture) / max(len(furniture), 1), 0.999), 4),
    )
    best = (-1.0, calibration.mismatch_share)
    for threshold in np.arange(0.0, 0.51, 0.02):
        candidate = dataclasses.replace(calibration, mismatch_share=round(float(threshold), 3))
        precision, recall = flag_scores(data, candidate)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        print(f"  mismatch_share {candidate.mismatch_share:.2f}: flags P {precision:.3f} "
              f"R {recall:.3f} F1 {f1:.3f}")  # fmt: skip
        if f1 > best[0]:
            best = (f1, candidate.mismatch_share)
    return dataclasses.replace(calibration, mismatch_share=best[1])


def confidences(data: dict[str, Any], calibration: Calibration) -> tuple[np.ndarray, np.ndarray]:
    values, right = [], []
    for kind, features, _, ok in data["rows"]:
        if kind == "linked":
            cost, similarity, length_z, extra = features
            value, _ = calibration.linked_bead(cost, similarity, length_z, int(extra) + 2, 1.0)
        elif kind == "one_sided":
            value, _ = calibration.one_sided_bead(True, features[0], math.exp(features[1]), False)
        else:
            value = calibration.furniture
        values.append(value)
        right.append(ok)
    return np.array(values), np.array(right, dtype=bool)


def flag_scores(data: dict[str, Any], calibration: Calibration) -> tuple[float, float]:
    pairs = []
    k = 0
    rows = data["rows"]
    for document, result in data["outputs"]:
        flagged = []
        for bead in result.beads:
            kind, _, similarity, _ = rows[k]
            k += 1
            relative = similarity  # linked rows record similarity / typical similarity
            if kind == "one_sided" or (kind == "linked" and relative < calibration.mismatch_share):
                flagged.append((bead.fr, bead.en))
        fr_furniture = {x.index for x in result.fr.sentences if x.furniture}
        en_furniture = {x.index for x in result.en.sentences if x.furniture}
        pairs.append((document.gold, flagged, fr_furniture, en_furniture))
    return review_scores(pairs)


def report(label: str, data: dict[str, Any], calibration: Calibration) -> None:
    values, right = confidences(data, calibration)
    precision, recall = flag_scores(data, calibration)
    print(
        f"{label}: {len(values)} beads, {right.mean():.3f} right; expected calibration error "
        f"{calibration_error(values, right):.4f}; review flags for gold 1-0/0-1: precision "
        f"{precision:.3f}, recall {recall:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args()
    halves = {}
    for name, by in (("un", "document"), ("transread", "middle")):
        fit_half, held_half = devsets.halves(devsets.load(SHARED / name), by=by)
        halves[name] = (fit_half, held_half)
    fit_documents = []
    for fit_half, _ in halves.values():
        fit_documents += fit_half
        fit_documents += [devsets.reparagraphed(d, s, m) for d in fit_half for s, m in VARIANTS]
    calibration = fit(collect(fit_documents))
    current = Calibration()
    for name, (fit_half, held_half) in halves.items():
        for label, documents in (("fit", fit_half), ("held-out", held_half)):
            data = collect(documents)
            report(f"{name} {label} half, current", data, current)
            report(f"{name} {label} half, fitted ", data, calibration)
    print(f"fitted: {calibration}")


if __name__ == "__main__":
    main()
