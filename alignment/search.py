"""The alignment search: a dynamic programme over sentence beads, inside a corridor.

The cost of every bead is built from per-sentence features that *add up* over consecutive
sentences: character lengths, lexical vectors (so the lexical score of a 2-1 bead is a sum of 1-1
scores) and paragraph marks. That makes every bead type scoreable from the 1-1 dot products of
the corridor's cells. The corridor comes from anchors found by content (:mod:`alignment.anchors`),
so the path cannot be lost however far it strays from the diagonal, and time and memory grow
with the corridor, which is bounded (``max_cells``), not with the product of the lengths.

The dynamic programme itself is a plain loop over the corridor's rows, each stored at its own
width, compiled with numba.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from alignment.anchors import corners, corridor, find_anchors
from alignment.sparse import SparseRows

# Bead shapes the search considers: (French sentences, English sentences).
BEAD_SHAPES: tuple[tuple[int, int], ...] = (
    (1, 1),
    (1, 0),
    (0, 1),
    (2, 1),
    (1, 2),
    (2, 2),
    (3, 1),
    (1, 3),
    (3, 2),
    (2, 3),
    (4, 1),
    (1, 4),
)
# Most DP cells of one search (each costs about 21 bytes: cost, back pointer, dot product and
# its prefix sum): 16 million is about 340 MB, whatever the input.
MAX_CELLS = 16_000_000
MAX_FR = max(a for a, _ in BEAD_SHAPES)
MAX_EN = max(b for _, b in BEAD_SHAPES)


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


@dataclass(frozen=True, slots=True)
class CostModel:
    """Weights of the bead cost. Costs are per sentence of the bead, so merging is not a saving.

    The defaults were fitted on the shared development sets (UN documents and literary
    excerpts) by coordinate search; each is documented here next to what it does.

    - ``length_weight``: Gale-Church length fit, with ``length_ratio`` (French chars per English
      char; 1.13 measured on UN text) and ``length_variance`` (s²; 5.0 measured on UN text,
      3.0 fits better once the lexical score carries most of the decision).
    - ``lexical_weight``: how much the lexical dissimilarity (1 - similarity) costs; below
      ``hinge_level`` similarity, ``hinge_weight`` more per point: unrelated sentences must
      cost more as a pair than left unaligned.
    - ``shape_penalty``: extra cost of a bead of each shape (priors of merges and splits).
    - ``support_threshold`` / ``support_weight``: in a merge, every sentence must share at
      least that share of its words with the other side, or pay for the shortfall.
    - ``paragraph_penalty``: a bead that joins sentences of two paragraphs of one side, where
      the two sides paragraph alike (see :func:`paragraph_breaks`).
    - ``label_bonus`` / ``label_penalty``: both sides start with the same / a different
      paragraph number ("12.").
    - ``delete_cost`` / ``furniture_cost``: leaving a sentence / a page-furniture line
      unaligned; ``delete_cost`` is the first pass's, and the second pass's is
      ``delete_base + delete_slope ×`` the median cost of the first pass's 1-1 beads
      (:func:`alignment.align.adapted_model`; ``delete_slope`` 0 keeps it fixed).
    """

    length_ratio: float = 1.13
    length_variance: float = 3.0
    length_weight: float = 0.1
    lexical_weight: float = 1.75
    shape_penalty: tuple[tuple[tuple[int, int], float], ...] = (
        ((1, 1), 0.0),
        ((2, 1), 0.8),
        ((1, 2), 0.8),
        ((2, 2), 2.0),
        ((3, 1), 2.0),
        ((1, 3), 2.0),
        ((3, 2), 3.0),
        ((2, 3), 3.0),
        ((4, 1), 3.0),
        ((1, 4), 3.0),
    )
    paragraph_penalty: float = 1.0
    label_bonus: float = 0.6
    label_penalty: float = 1.5
    support_threshold: float = 0.5
    support_weight: float = 1.0
    delete_cost: float = 2.5
    delete_base: float = 0.9
    delete_slope: float = 2.4
    furniture_cost: float = 0.0
    hinge_level: float = 0.3
    hinge_weight: float = 2.0

    def penalty(self, shape: tuple[int, int]) -> float:
        for known, value in self.shape_penalty:
            if known == shape:
                return value
        return 2.0


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
    # For each French sentence r, its 1-1 dot products with the English sentences of the
    # corridor rows it can end a bead in (r+1 … r+MAX_FR), stored row after row.
    dot_lo = np.maximum(lo[1:] - MAX_EN, 0)
    dot_hi = np.minimum(hi[np.minimum(np.arange(1, n + 1) + MAX_FR - 1, n)], m)
    dot_hi = np.maximum(dot_hi, dot_lo)
    dot_start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(dot_hi - dot_lo, out=dot_start[1:])
    dots, cum = _corridor_dots(
        dot_lo, dot_hi, dot_start,
        fr.vectors.indptr, fr.vectors.columns, fr.vectors.values,
        en.vectors.indptr, en.vectors.columns, en.vectors.values,
        max(fr.vectors.width, en.vectors.width),
    )  # fmt: skip
    shapes = np.array(BEAD_SHAPES, dtype=np.int64)
    penalties = np.array([model.penalty(s) for s in BEAD_SHAPES], dtype=np.float64)
    fr_breaks, en_breaks = paragraph_breaks(fr, en, within.anchors, model)
    cost, back = _kernel(
        n, m, lo, hi, row_start, dot_lo, dot_start, dots, cum,
        _prefix(fr.chars), _prefix(fr.pieces), fr.pieces.astype(np.float64),
        _deletion(fr, model), fr_breaks, fr.label,
        _prefix(en.chars), _prefix(en.pieces), en.pieces.astype(np.float64),
        _deletion(en, model), en_breaks, en.label,
        shapes, penalties,
        model.length_ratio, model.length_variance, model.length_weight, model.lexical_weight,
        model.label_bonus, model.label_penalty,
        model.support_threshold, model.support_weight,
        model.hinge_level, model.hinge_weight,
    )  # fmt: skip
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


def paragraph_breaks(
    fr: SideFeatures, en: SideFeatures, anchors: tuple[np.ndarray, np.ndarray], model: CostModel
) -> tuple[np.ndarray, np.ndarray]:
    """What a bead pays for each paragraph break it spans, sentence by sentence on each side.

    A paragraph break is a hint, not a wall: it costs ``paragraph_penalty`` times the share
    of that side's breaks that the other side has too, measured at the anchors (a French
    paragraph starting at an anchored sentence whose English sentence starts one as well).
    Where the two sides paragraph alike, a bead that spans a break pays almost all of it;
    where one side has breaks the other has not (another edition of a novel, a document
    re-flowed), its breaks cost next to nothing.
    """
    ai, aj = anchors
    fr_start = fr.paragraph_start.astype(bool)
    en_start = en.paragraph_start.astype(bool)
    both = np.count_nonzero(fr_start[ai] & en_start[aj])
    fr_share = (both + 1.0) / (np.count_nonzero(fr_start[ai]) + 1.0)
    en_share = (both + 1.0) / (np.count_nonzero(en_start[aj]) + 1.0)
    return (
        fr_start * (model.paragraph_penalty * fr_share),
        en_start * (model.paragraph_penalty * en_share),
    )


def _prefix(values: np.ndarray) -> np.ndarray:
    """Prefix sums (float64, a leading 0): the sum over [a, b) is ``p[b] - p[a]``."""
    prefix = np.zeros(len(values) + 1, dtype=np.float64)
    np.cumsum(values, dtype=np.float64, out=prefix[1:])
    return prefix


def _deletion(side: SideFeatures, model: CostModel) -> np.ndarray:
    """What leaving each sentence unaligned costs."""
    furniture = side.furniture.astype(np.float64)
    return (1.0 - furniture) * model.delete_cost + furniture * model.furniture_cost


@njit(cache=True)
def _corridor_dots(  # type: ignore[no-untyped-def]
    dot_lo, dot_hi, dot_start, f_indptr, f_columns, f_values, e_indptr, e_columns, e_values,
    width,
):  # fmt: skip
    """Dot products of French row r with English rows dot_lo[r] … dot_hi[r]-1, stored from
    ``dot_start[r]``; and their prefix sums along each row (one more entry a row, from
    ``dot_start[r] + r``), so that any run of English sentences sums in two look-ups."""
    n = len(dot_lo)
    dots = np.zeros(dot_start[n], dtype=np.float32)
    cum = np.zeros(dot_start[n] + n, dtype=np.float64)
    scratch = np.zeros(width, dtype=np.float64)
    for r in range(n):
        for p in range(f_indptr[r], f_indptr[r + 1]):
            scratch[f_columns[p]] += f_values[p]
        base = dot_start[r]
        running = 0.0
        cum[base + r] = 0.0
        for c in range(dot_lo[r], dot_hi[r]):
            total = 0.0
            for p in range(e_indptr[c], e_indptr[c + 1]):
                total += e_values[p] * scratch[e_columns[p]]
            dots[base + c - dot_lo[r]] = total
            running += dots[base + c - dot_lo[r]]
            cum[base + r + c - dot_lo[r] + 1] = running
        for p in range(f_indptr[r], f_indptr[r + 1]):
            scratch[f_columns[p]] = 0.0
    return dots, cum


@njit(cache=True)
def _neg_log_tail(delta: float) -> float:
    """-log P(|Z| > delta) for a standard normal Z (Gale & Church's length cost)."""
    if delta > 30.0:
        return delta * delta / 2.0 + math.log(delta)
    return -math.log(max(math.erfc(delta / math.sqrt(2.0)), 1e-300))


@njit(cache=True)
def _dot(dots, dot_lo, dot_start, r, c):  # type: ignore[no-untyped-def]
    k = c - dot_lo[r]
    if k < 0 or k >= dot_start[r + 1] - dot_start[r]:
        return 0.0
    return dots[dot_start[r] + k]


@njit(cache=True)
def _run(cum, dot_lo, dot_start, r, c0, c1):  # type: ignore[no-untyped-def]
    """Sum of the 1-1 dot products of French row r with English columns [c0, c1)."""
    size = dot_start[r + 1] - dot_start[r]
    k0 = min(max(c0 - dot_lo[r], 0), size)
    k1 = min(max(c1 - dot_lo[r], 0), size)
    base = dot_start[r] + r
    return cum[base + k1] - cum[base + k0]


@njit(cache=True)
def _kernel(
    n, m, lo, hi, row_start, dot_lo, dot_start, dots, cum,
    f_cum_chars, f_cum_pieces, f_pieces, f_del, f_break, f_label,
    e_cum_chars, e_cum_pieces, e_pieces, e_del, e_break, e_label,
    shapes, penalties,
    ratio, variance, w_length, w_lexical,
    label_bonus, label_penalty, support_threshold, w_support,
    hinge_level, w_hinge,
):  # type: ignore[no-untyped-def]  # fmt: skip
    cost = np.full(row_start[n + 1], 1e30)
    back = np.full(row_start[n + 1], -1, dtype=np.int8)
    for i in range(n + 1):
        for j in range(lo[i], hi[i] + 1):
            if i == 0 and j == 0:
                cost[0] = 0.0
                continue
            best = 1e30
            choice = -1
            for t in range(shapes.shape[0]):
                a = shapes[t, 0]
                b = shapes[t, 1]
                pi = i - a
                pj = j - b
                if pi < 0 or pj < 0 or pj < lo[pi] or pj > hi[pi]:
                    continue
                prev = cost[row_start[pi] + pj - lo[pi]]
                if prev >= 1e29:
                    continue
                if a == 0:
                    bead = e_del[j - 1]
                elif b == 0:
                    bead = f_del[i - 1]
                else:
                    # Every term of a linked bead is >= 0 but its shape penalty and a label
                    # bonus: when those alone cannot beat the best so far, skip the bead (exact).
                    bound = prev + penalties[t]
                    label_term = 0.0
                    if f_label[pi] != 0 and e_label[pj] != 0:
                        same = f_label[pi] == e_label[pj]
                        label_term = -label_bonus if same else label_penalty
                    if bound + min(label_term, 0.0) >= best:
                        continue
                    lex = 0.0
                    for r in range(pi, i):
                        lex += _run(cum, dot_lo, dot_start, r, pj, j)
                    fc = f_cum_chars[i] - f_cum_chars[pi]
                    fp = f_cum_pieces[i] - f_cum_pieces[pi]
                    ec = e_cum_chars[j] - e_cum_chars[pj]
                    ep = e_cum_pieces[j] - e_cum_pieces[pj]
                    similarity = min(max(2.0 * lex / max(fp + ep, 1.0), 0.0), 1.0)
                    lexical = w_lexical * (1.0 - similarity)
                    lexical += w_hinge * max(hinge_level - similarity, 0.0)
                    extra = label_term
                    for r in range(pi + 1, i):
                        extra += f_break[r]
                    for c in range(pj + 1, j):
                        extra += e_break[c]
                    # The same bound with the lexical cost: the length cost and the support
                    # shortfall, the dearer terms, only for beads that can still win.
                    if bound + lexical * (a + b) / 2.0 + extra >= best:
                        continue
                    mean = (fc / ratio + ec) / 2.0
                    delta = abs(fc - ec * ratio) / math.sqrt(max(mean, 1.0) * variance)
                    per_sentence = w_length * _neg_log_tail(delta) + lexical
                    bead = per_sentence * (a + b) / 2.0 + penalties[t]
                    if a > 1 or b > 1:
                        support = 1e30
                        if a > 1:
                            for r in range(pi, i):
                                row = _run(cum, dot_lo, dot_start, r, pj, j)
                                support = min(support, row / f_pieces[r])
                        if b > 1:
                            for c in range(pj, j):
                                column = 0.0
                                for r in range(pi, i):
                                    column += _dot(dots, dot_lo, dot_start, r, c)
                                support = min(support, column / e_pieces[c])
                        bead += w_support * max(support_threshold - support, 0.0)
                    bead += extra
                total = prev + bead
                if total < best:
                    best = total
                    choice = t
            cost[row_start[i] + j - lo[i]] = best
            back[row_start[i] + j - lo[i]] = choice
    return cost, back


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
            r = i0[t]
            for p in range(f_ptr[r], f_ptr[r + 1]):
                scratch[f_cols[p]] += f_vals[p]
            best = 0.0
            for c in range(max(j0[t] - reach, 0), min(j0[t] + reach, m)):
                dot = 0.0
                for p in range(e_ptr[c], e_ptr[c + 1]):
                    dot += e_vals[p] * scratch[e_cols[p]]
                best = max(best, 2.0 * dot / max(f_pieces[r] + e_pieces[c], 1.0))
            for p in range(f_ptr[r], f_ptr[r + 1]):
                scratch[f_cols[p]] = 0.0
            nearby[t] = min(best, 1.0)
        elif b[t] > 0:  # English only: against the French sentences around i0
            c = j0[t]
            for p in range(e_ptr[c], e_ptr[c + 1]):
                scratch[e_cols[p]] += e_vals[p]
            best = 0.0
            for r in range(max(i0[t] - reach, 0), min(i0[t] + reach, n)):
                dot = 0.0
                for p in range(f_ptr[r], f_ptr[r + 1]):
                    dot += f_vals[p] * scratch[f_cols[p]]
                best = max(best, 2.0 * dot / max(f_pieces[r] + e_pieces[c], 1.0))
            for p in range(e_ptr[c], e_ptr[c + 1]):
                scratch[e_cols[p]] = 0.0
            nearby[t] = min(best, 1.0)
    return similarity, length_z, nearby
