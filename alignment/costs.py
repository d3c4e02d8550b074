"""The bead cost: what aligning some French sentences with some English sentences costs.

The search (:mod:`alignment.search`) knows nothing of features: it asks :func:`bead_cost` for
the cost of each bead it considers, given a :class:`BeadCosts` that :func:`make_costs` prepared
once per search from the two sides' features and a :class:`CostModel` — as Vecalign separates
``make_sparse_costs`` from ``sparse_dp``. A new feature of the cost is a field of
:class:`BeadCosts`, filled by :func:`make_costs` and read by :func:`bead_cost`; the search does
not change.

Every per-sentence feature *adds up* over consecutive sentences: character lengths, lexical
weights, paragraph marks, and the lexical vectors (the lexical score of a 2-1 bead is the sum of
its 1-1 dot products). So :func:`make_costs` stores prefix sums and the 1-1 dot products of the
corridor's cells, and any bead of any shape is priced from them in a few look-ups.

Costs are computed lazily, bead by bead, rather than for every bead of the corridor beforehand:
the cheap terms of a bead (shape penalty, numbering label) bound it from below, and a bead that
cannot beat the best one found so far for the same cell skips its dearer terms (length fit,
support of a merge). Computing them all first would cost 12 beads a cell of memory and every
term of every bead.

:func:`bead_cost` is called by the DP kernel (:func:`sparse_dp`, in this module too) directly,
not passed to it: numba does not cache a kernel that takes a function argument (it would be
compiled again in each process, several seconds). The kernel is compiled without reference
counting (``_nrt=False``; its arrays are allocated by the caller): numba would otherwise count
a reference to each array it takes out of :class:`BeadCosts`, at every bead, which made the
search seven times slower.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit

if TYPE_CHECKING:
    from alignment.search import SideFeatures

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
MAX_FR = max(a for a, _ in BEAD_SHAPES)
MAX_EN = max(b for _, b in BEAD_SHAPES)


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


class BeadCosts(NamedTuple):
    """Everything :func:`bead_cost` reads, in one flat tuple of arrays and weights (numba
    counts references to an array taken out of a nested tuple, at every bead: 7 times slower).

    Per side (``fr_``, ``en_``), per sentence: prefix sums (a leading 0) of the character
    lengths and of the lexical weights, the lexical weights, what leaving the sentence
    unaligned costs, what a bead pays to span the paragraph break before it, its paragraph
    numbering label (hash, 0 when none). The 1-1 lexical dot products of the corridor: French
    sentence ``r`` with English sentences ``dot_lo[r] … dot_lo[r] + dot_start[r+1] -
    dot_start[r] - 1`` at ``dots[dot_start[r]:]``, and their prefix sums along the row at
    ``dot_cum[dot_start[r] + r:]`` (one more entry a row). Then the shape penalty of each of
    ``BEAD_SHAPES`` and the weights of the :class:`CostModel`.
    """

    fr_cum_chars: np.ndarray
    fr_cum_pieces: np.ndarray
    fr_pieces: np.ndarray
    fr_deletion: np.ndarray
    fr_breaks: np.ndarray
    fr_label: np.ndarray
    en_cum_chars: np.ndarray
    en_cum_pieces: np.ndarray
    en_pieces: np.ndarray
    en_deletion: np.ndarray
    en_breaks: np.ndarray
    en_label: np.ndarray
    dot_lo: np.ndarray
    dot_start: np.ndarray
    dots: np.ndarray
    dot_cum: np.ndarray
    penalties: np.ndarray
    ratio: float
    variance: float
    w_length: float
    w_lexical: float
    label_bonus: float
    label_penalty: float
    support_threshold: float
    w_support: float
    hinge_level: float
    w_hinge: float


def make_costs(
    fr: SideFeatures,
    en: SideFeatures,
    lo: np.ndarray,
    hi: np.ndarray,
    anchors: tuple[np.ndarray, np.ndarray],
    model: CostModel,
) -> BeadCosts:
    """What :func:`bead_cost` needs for a search over the corridor ``lo``/``hi`` (row ``i``:
    English positions ``lo[i] … hi[i]``) built around ``anchors``."""
    n, m = len(fr), len(en)
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
    fr_breaks, en_breaks = paragraph_breaks(fr, en, anchors, model)
    fr_deletion, en_deletion = _deletion(fr, model), _deletion(en, model)
    return BeadCosts(
        fr_cum_chars=_prefix(fr.chars),
        fr_cum_pieces=_prefix(fr.pieces),
        fr_pieces=fr.pieces.astype(np.float64),
        fr_deletion=fr_deletion,
        fr_breaks=np.asarray(fr_breaks, dtype=np.float64),
        fr_label=fr.label,
        en_cum_chars=_prefix(en.chars),
        en_cum_pieces=_prefix(en.pieces),
        en_pieces=en.pieces.astype(np.float64),
        en_deletion=en_deletion,
        en_breaks=np.asarray(en_breaks, dtype=np.float64),
        en_label=en.label,
        dot_lo=dot_lo,
        dot_start=dot_start,
        dots=dots,
        dot_cum=cum,
        penalties=np.array([model.penalty(s) for s in BEAD_SHAPES], dtype=np.float64),
        ratio=model.length_ratio,
        variance=model.length_variance,
        w_length=model.length_weight,
        w_lexical=model.lexical_weight,
        label_bonus=model.label_bonus,
        label_penalty=model.label_penalty,
        support_threshold=model.support_threshold,
        w_support=model.support_weight,
        hinge_level=model.hinge_level,
        w_hinge=model.hinge_weight,
    )


def _deletion(side: SideFeatures, model: CostModel) -> np.ndarray:
    """What leaving each sentence unaligned costs."""
    furniture = side.furniture.astype(np.float64)
    return (1.0 - furniture) * model.delete_cost + furniture * model.furniture_cost


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
def neg_log_tail(delta: float) -> float:
    """-log P(|Z| > delta) for a standard normal Z (Gale & Church's length cost)."""
    if delta > 30.0:
        return delta * delta / 2.0 + math.log(delta)
    return -math.log(max(math.erfc(delta / math.sqrt(2.0)), 1e-300))


@njit(cache=True, inline="always")
def _dot(c, r, col):  # type: ignore[no-untyped-def]
    """The 1-1 dot product of French row r with English column col (0 outside the corridor)."""
    k = col - c.dot_lo[r]
    if k < 0 or k >= c.dot_start[r + 1] - c.dot_start[r]:
        return 0.0
    return c.dots[c.dot_start[r] + k]


@njit(cache=True, inline="always")
def _run(c, r, c0, c1):  # type: ignore[no-untyped-def]
    """Sum of the 1-1 dot products of French row r with English columns [c0, c1)."""
    size = c.dot_start[r + 1] - c.dot_start[r]
    k0 = min(max(c0 - c.dot_lo[r], 0), size)
    k1 = min(max(c1 - c.dot_lo[r], 0), size)
    base = c.dot_start[r] + r
    return c.dot_cum[base + k1] - c.dot_cum[base + k0]


@njit(cache=True, inline="always")
def bead_cost(c, t, pi, pj, i, j, prev, best):  # type: ignore[no-untyped-def]
    """The cost of the bead of shape ``t`` (an index of BEAD_SHAPES) that aligns French
    sentences [pi, i) with English sentences [pj, j), for the :class:`BeadCosts` ``c``.

    ``prev`` is the cost of the path before the bead and ``best`` the best path cost found so
    far for the cell (i, j): when ``prev`` plus a lower bound of the bead's cost cannot beat
    ``best``, the bead's dearer terms are skipped and the result is +inf (exact: the bead could
    not have won the cell).
    """
    a = i - pi
    b = j - pj
    if a == 0:
        return c.en_deletion[j - 1]
    if b == 0:
        return c.fr_deletion[i - 1]
    # Every term of a linked bead is >= 0 but its shape penalty and a label bonus: when those
    # alone cannot beat the best so far, skip the bead.
    bound = prev + c.penalties[t]
    label_term = 0.0
    if c.fr_label[pi] != 0 and c.en_label[pj] != 0:
        same = c.fr_label[pi] == c.en_label[pj]
        label_term = -c.label_bonus if same else c.label_penalty
    if bound + min(label_term, 0.0) >= best:
        return math.inf
    lex = 0.0
    for r in range(pi, i):
        lex += _run(c, r, pj, j)
    fc = c.fr_cum_chars[i] - c.fr_cum_chars[pi]
    fp = c.fr_cum_pieces[i] - c.fr_cum_pieces[pi]
    ec = c.en_cum_chars[j] - c.en_cum_chars[pj]
    ep = c.en_cum_pieces[j] - c.en_cum_pieces[pj]
    similarity = min(max(2.0 * lex / max(fp + ep, 1.0), 0.0), 1.0)
    lexical = c.w_lexical * (1.0 - similarity)
    lexical += c.w_hinge * max(c.hinge_level - similarity, 0.0)
    extra = label_term
    for r in range(pi + 1, i):
        extra += c.fr_breaks[r]
    for col in range(pj + 1, j):
        extra += c.en_breaks[col]
    # The same bound with the lexical cost: the length cost and the support shortfall, the
    # dearer terms, only for beads that can still win.
    if bound + lexical * (a + b) / 2.0 + extra >= best:
        return math.inf
    mean = (fc / c.ratio + ec) / 2.0
    delta = abs(fc - ec * c.ratio) / math.sqrt(max(mean, 1.0) * c.variance)
    per_sentence = c.w_length * neg_log_tail(delta) + lexical
    bead = per_sentence * (a + b) / 2.0 + c.penalties[t]
    if a > 1 or b > 1:
        support = 1e30
        if a > 1:
            for r in range(pi, i):
                row = _run(c, r, pj, j)
                support = min(support, row / c.fr_pieces[r])
        if b > 1:
            for col in range(pj, j):
                column = 0.0
                for r in range(pi, i):
                    column += _dot(c, r, col)
                support = min(support, column / c.en_pieces[col])
        bead += c.w_support * max(c.support_threshold - support, 0.0)
    return bead + extra


# -- the DP -------------------------------------------------------------------------------------
# Here, not in alignment.search, because numba caches a compiled kernel by its own file: a kernel
# that inlines bead_cost must live in bead_cost's file, or an edit of the cost would leave the
# search running the cached old one.


@njit(cache=True, _nrt=False)  # type: ignore[call-overload]
def sparse_dp(lo, hi, row_start, shapes, costs, cost, back):  # type: ignore[no-untyped-def]
    """The DP over the corridor (it reads nothing of ``costs`` but passes it to
    :func:`bead_cost`): for each cell (i, j) in row order, the best cost of a path
    from (0, 0) to it and the shape of its last bead (-1 where no path reaches it), both stored
    row after row from ``row_start[i]``. Bead costs come from :func:`alignment.costs.bead_cost`,
    which may answer +inf for a bead that cannot beat the best one found so far."""
    n = len(lo) - 1
    for i in range(n + 1):
        for j in range(lo[i], hi[i] + 1):
            if i == 0 and j == 0:
                cost[0] = 0.0
                continue
            best = 1e30
            choice = -1
            for t in range(shapes.shape[0]):
                pi = i - shapes[t, 0]
                pj = j - shapes[t, 1]
                if pi < 0 or pj < 0 or pj < lo[pi] or pj > hi[pi]:
                    continue
                prev = cost[row_start[pi] + pj - lo[pi]]
                if prev >= 1e29:
                    continue
                total = prev + bead_cost(costs, t, pi, pj, i, j, prev, best)
                if total < best:
                    best = total
                    choice = t
            cost[row_start[i] + j - lo[i]] = best
            back[row_start[i] + j - lo[i]] = choice
