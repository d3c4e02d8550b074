"""The alignment search: a dynamic programme over sentence beads, inside a corridor.

The corridor comes from anchors found by content (:mod:`alignment.anchors`), so the path cannot
be lost however far it strays from the diagonal, and time and memory grow with the corridor,
which is bounded (``max_cells``), not with the product of the lengths.

The dynamic programme (:func:`alignment.costs.sparse_dp`) is a plain loop over the corridor's
rows, each stored at its own width, compiled with numba. It knows bead shapes and cells, not
features: the cost of each bead comes from :func:`alignment.costs.bead_cost`, over what
:func:`alignment.costs.make_costs` prepared from the two sides' features and the
:class:`~alignment.costs.CostModel`.

:func:`bead_evidence` recomputes, for the beads of the path found, what the confidence and the
review flags need (similarity, length fit, similarity of a one-sided bead with its neighbours).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from alignment.anchors import corners, corridor, find_anchors
from alignment.costs import BEAD_SHAPES, CostModel, make_costs, sparse_dp
from alignment.sparse import SparseRows

# Most DP cells of one search (each costs about 21 bytes: cost, back pointer, dot product and
# its prefix sum): 16 million is about 340 MB, whatever the input.
MAX_CELLS = 16_000_000


@dataclass(slots=True)
class SideFeatures:
    """Per-sentence features of one side, in sentence order (all of the same length).

    Lexical vectors and anchor keys are compressed sparse rows (a sentence has a few dozen
    entries of a space of thousands): memory grows with the text, not with the dimensions.
    """

    chars: np.ndarray  # float32: character length (without spaces)
    pieces: np.ndarray  # float32: lexical weight (number of lexical units)
    vectors: SparseRows  # lexical vectors; dot products count translation links
    keys: SparseRows  # anchor keys (int64 ids in ``columns``; values unused)
    paragraph_start: np.ndarray  # bool: first sentence of a paragraph
    furniture: np.ndarray  # float32: 1 for page furniture (cheap to leave unaligned), else 0
    label: np.ndarray  # int64: paragraph numbering label hash ("12.", "a)"), 0 when none

    def __len__(self) -> int:
        return len(self.chars)


# A path as arrays, one entry a bead in order: first French sentence, first English sentence,
# French count, English count, cost per sentence.
_Path = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
Beads = list[tuple[tuple[int, ...], tuple[int, ...], float]]


@dataclass(frozen=True, slots=True)
class Corridor:
    """The DP cells a search may visit: on row ``i`` (French sentences before), the English
    positions ``lo[i] … hi[i]``; both never decrease, ``lo[0] == 0`` and ``hi[n] == m``."""

    lo: np.ndarray
    hi: np.ndarray
    anchors: tuple[np.ndarray, np.ndarray]  # the anchor pairs it was built around

    @property
    def cells(self) -> int:
        return int((self.hi - self.lo + 1).sum())


def find_corridor(
    fr: SideFeatures, en: SideFeatures, *, margin: int = 8, max_cells: int = MAX_CELLS
) -> Corridor:
    """The corridor around the anchors of the two sides (see :mod:`alignment.anchors`)."""
    n, m = len(fr), len(en)
    ai, aj = find_anchors(fr.keys.indptr, fr.keys.columns, en.keys.indptr, en.keys.columns)
    points_i, points_j = corners(ai, aj, n, m)
    lo, hi = corridor(points_i, points_j, n, m, margin=margin, max_cells=max_cells)
    return Corridor(lo, hi, (ai, aj))


def align_features(
    fr: SideFeatures,
    en: SideFeatures,
    model: CostModel | None = None,
    *,
    margin: int = 8,
    max_cells: int = MAX_CELLS,
    within: Corridor | None = None,
) -> Beads:
    """The best bead sequence covering every sentence of both sides, with each bead's cost.

    The search visits the cells of ``within`` (by default the corridor that
    :func:`find_corridor` gives with ``margin`` and ``max_cells``). Returns
    ``(fr indices, en indices, cost per sentence)`` beads in order.
    """
    model = model or CostModel()
    n, m = len(fr), len(en)
    if n == 0 or m == 0:
        return [((i,), (), model.delete_cost) for i in range(n)] + [
            ((), (j,), model.delete_cost) for j in range(m)
        ]
    if within is None:
        within = find_corridor(fr, en, margin=margin, max_cells=max_cells)
    i, j, a, b, cost = _dp(fr, en, within, model)
    return [
        (tuple(range(i0, i0 + a0)), tuple(range(j0, j0 + b0)), c)
        for i0, j0, a0, b0, c in zip(
            i.tolist(), j.tolist(), a.tolist(), b.tolist(), cost.tolist(), strict=True
        )
    ]


def _dp(fr: SideFeatures, en: SideFeatures, within: Corridor, model: CostModel) -> _Path:
    n, m = len(fr), len(en)
    lo = within.lo.astype(np.int64)
    hi = within.hi.astype(np.int64)
    row_start = np.zeros(n + 2, dtype=np.int64)
    np.cumsum(hi - lo + 1, out=row_start[1:])
    costs = make_costs(fr, en, lo, hi, within.anchors, model)
    shapes = np.array(BEAD_SHAPES, dtype=np.int64)
    cost = np.full(row_start[n + 1], 1e30)
    back = np.full(row_start[n + 1], -1, dtype=np.int8)
    sparse_dp(lo, hi, row_start, shapes, costs, cost, back)
    path = _backtrack(cost, back, lo, row_start, shapes, n, m)
    if path is None:
        raise RuntimeError("alignment search found no path through the corridor")
    return path


@njit(cache=True)
def _backtrack(cost, back, lo, row_start, shapes, n, m):  # type: ignore[no-untyped-def]
    """The best path's beads, in order, from the DP's back pointers (None if it breaks)."""
    size = n + m
    starts_i = np.empty(size, dtype=np.int64)
    starts_j = np.empty(size, dtype=np.int64)
    count_a = np.empty(size, dtype=np.int64)
    count_b = np.empty(size, dtype=np.int64)
    costs = np.empty(size, dtype=np.float64)
    k = size
    i, j = n, m
    while i > 0 or j > 0:
        t = back[row_start[i] + j - lo[i]]
        if t < 0:
            return None
        a, b = shapes[t, 0], shapes[t, 1]
        here = cost[row_start[i] + j - lo[i]]
        there = cost[row_start[i - a] + j - b - lo[i - a]]
        k -= 1
        starts_i[k], starts_j[k], count_a[k], count_b[k] = i - a, j - b, a, b
        costs[k] = (here - there) / max(a + b, 1)
        i, j = i - a, j - b
    return starts_i[k:], starts_j[k:], count_a[k:], count_b[k:], costs[k:]


@dataclass(frozen=True, slots=True)
class BeadEvidence:
    """What the features say of each bead of a path, for its confidence and review flag.

    - ``similarity``: for a bead with both sides, the lexical similarity of its sides (0 …
      1, as in the cost: twice the translation links over the lexical weight of both); 0 for
      a one-sided bead.
    - ``length_z``: how far the sides' lengths are from what a translation's would be (Gale
      and Church's z-score; 0 for a one-sided bead).
    - ``nearby``: for a one-sided bead, the best similarity of its sentence with one of the
      few sentences of the other side around where it sits (high: the sentence probably has a
      counterpart there and the bead is a misalignment, not an omission); 0 for the others.
    """

    similarity: np.ndarray
    length_z: np.ndarray
    nearby: np.ndarray


def bead_evidence(
    fr: SideFeatures, en: SideFeatures, path: Beads, model: CostModel, reach: int = 3
) -> BeadEvidence:
    # Each bead starts where the ones before it end, on both sides (on its empty side too:
    # that is where a one-sided bead sits).
    a = np.array([len(bead[0]) for bead in path], dtype=np.int64)
    b = np.array([len(bead[1]) for bead in path], dtype=np.int64)
    i0 = np.concatenate(([0], np.cumsum(a)[:-1])) if len(path) else a
    j0 = np.concatenate(([0], np.cumsum(b)[:-1])) if len(path) else b
    similarity, length_z, nearby = _evidence(
        i0.astype(np.int64), j0.astype(np.int64), a, b,
        fr.vectors.indptr, fr.vectors.columns, fr.vectors.values, fr.pieces, fr.chars,
        en.vectors.indptr, en.vectors.columns, en.vectors.values, en.pieces, en.chars,
        max(fr.vectors.width, en.vectors.width), model.length_ratio, model.length_variance,
        reach,
    )  # fmt: skip
    return BeadEvidence(similarity, length_z, nearby)


@njit(cache=True)
def _evidence(  # type: ignore[no-untyped-def]
    i0, j0, a, b, f_ptr, f_cols, f_vals, f_pieces, f_chars, e_ptr, e_cols, e_vals, e_pieces,
    e_chars, width, ratio, variance, reach,
):  # fmt: skip
    k = len(i0)
    n, m = len(f_ptr) - 1, len(e_ptr) - 1
    similarity = np.zeros(k)
    length_z = np.zeros(k)
    nearby = np.zeros(k)
    scratch = np.zeros(width)
    for t in range(k):
        if a[t] > 0 and b[t] > 0:
            fp = 0.0
            fc = 0.0
            for r in range(i0[t], i0[t] + a[t]):
                fp += f_pieces[r]
                fc += f_chars[r]
                for p in range(f_ptr[r], f_ptr[r + 1]):
                    scratch[f_cols[p]] += f_vals[p]
            dot = 0.0
            ep = 0.0
            ec = 0.0
            for c in range(j0[t], j0[t] + b[t]):
                ep += e_pieces[c]
                ec += e_chars[c]
                for p in range(e_ptr[c], e_ptr[c + 1]):
                    dot += e_vals[p] * scratch[e_cols[p]]
            for r in range(i0[t], i0[t] + a[t]):
                for p in range(f_ptr[r], f_ptr[r + 1]):
                    scratch[f_cols[p]] = 0.0
            similarity[t] = min(max(2.0 * dot / max(fp + ep, 1.0), 0.0), 1.0)
            mean = (fc / ratio + ec) / 2.0
            length_z[t] = abs(fc - ec * ratio) / math.sqrt(max(mean, 1.0) * variance)
        elif a[t] > 0:  # French only: against the English sentences around j0
            nearby[t] = _nearby(
                i0[t], f_ptr, f_cols, f_vals, f_pieces,
                max(j0[t] - reach, 0), min(j0[t] + reach, m), e_ptr, e_cols, e_vals, e_pieces,
                scratch,
            )  # fmt: skip
        elif b[t] > 0:  # English only: against the French sentences around i0
            nearby[t] = _nearby(
                j0[t], e_ptr, e_cols, e_vals, e_pieces,
                max(i0[t] - reach, 0), min(i0[t] + reach, n), f_ptr, f_cols, f_vals, f_pieces,
                scratch,
            )  # fmt: skip
    return similarity, length_z, nearby


@njit(cache=True)
def _nearby(  # type: ignore[no-untyped-def]
    row, ptr, cols, vals, pieces, lo, hi, o_ptr, o_cols, o_vals, o_pieces, scratch
):  # fmt: skip
    """How well the one-sided sentence ``row`` matches its best neighbour among the other
    side's sentences ``lo``..``hi`` (the 1-1 similarity, capped at 1). ``scratch`` is all zeros
    and is left so."""
    for p in range(ptr[row], ptr[row + 1]):
        scratch[cols[p]] += vals[p]
    best = 0.0
    for c in range(lo, hi):
        dot = 0.0
        for p in range(o_ptr[c], o_ptr[c + 1]):
            dot += o_vals[p] * scratch[o_cols[p]]
        best = max(best, 2.0 * dot / max(pieces[row] + o_pieces[c], 1.0))
    for p in range(ptr[row], ptr[row + 1]):
        scratch[cols[p]] = 0.0
    return min(best, 1.0)
