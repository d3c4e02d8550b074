"""Where the alignment path can be: a corridor around anchors found by content, not by position.

The search of :mod:`alignment.search` only looks at the cells of a corridor, so that time and
memory grow with the length of the documents, not with its square. This module finds that
corridor. It used to be the path of a coarse alignment of blocks of neighbouring sentences,
projected down level by level (as Vecalign does with sentence embeddings). With bags of words
that fails on long documents: the lexical score of a block pair sums every sentence pair of the
two blocks, so at 16 sentences a block the true pairs are a few per cent of the total, every
block pair looks alike, length alone steers, and the path drifts hundreds of sentences off (strict
F1 0.3–0.5 on 12,000 shuffled UN sentences where each document alone scores 0.98).

Instead, as Moore (2002) and hunalign's first pass do, the corridor comes from *anchors*:

1. every sentence gets *keys* — its rarer words and numbers, their cognate stems, and the
   English lexicon pieces its French pieces translate to (see :mod:`alignment.features`);
2. sentence pairs that share keys rare on both sides are candidates, scored by the inverse
   frequency of what they share (keys are taken the rarest first, within a budget of pairs
   proportional to the length, so a common word never makes n × m pairs; a repeated passage
   makes as many candidates as it has copies, and the chain picks the one in order);
3. the heaviest chain of candidates increasing on both sides is the anchor path (a weighted
   longest increasing subsequence, O(k log k)); an anchor with no neighbour on a consistent
   diagonal is dropped, so a stray link can narrow the corridor only where others agree;
4. between two anchors the corridor is the rectangle they span, widened by ``margin``; gaps
   too big for that are searched for anchors again with the keys that are rare *inside* them;
   and if the corridor still has more than ``max_cells`` cells, the largest gaps shrink to a
   band around their diagonal. Memory is therefore bounded whatever the input.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# A gap between anchors with more cells than this is searched again for local anchors.
LOCAL_GAP_CELLS = 48 * 48
# Candidate pairs generated per sentence of the two sides (the budget of step 2).
PAIRS_PER_SENTENCE = 30


def find_anchors(
    fr_indptr: np.ndarray,
    fr_keys: np.ndarray,
    en_indptr: np.ndarray,
    en_keys: np.ndarray,
    *,
    depth: int = 2,
) -> tuple[np.ndarray, np.ndarray]:
    """The anchors (French sentence, English sentence), both increasing.

    The keys are compressed sparse rows: sentence ``r``'s keys are
    ``keys[indptr[r]:indptr[r + 1]]`` (64-bit ids, distinct within a row).
    """
    n, m = len(fr_indptr) - 1, len(en_indptr) - 1
    found_i: list[np.ndarray] = [np.zeros(0, np.int64)]
    found_j: list[np.ndarray] = [np.zeros(0, np.int64)]
    gaps = [(0, n, 0, m)]
    for _ in range(depth):
        found_gaps = []
        for i0, i1, j0, j1 in gaps:
            if (i1 - i0) * (j1 - j0) <= LOCAL_GAP_CELLS or i1 - i0 < 2 or j1 - j0 < 2:
                continue
            ai, aj = _anchors_in(fr_indptr, fr_keys, en_indptr, en_keys, i0, i1, j0, j1)
            if len(ai) == 0:
                continue
            found_i.append(ai)
            found_j.append(aj)
            corners_i = np.concatenate(([i0], np.ravel(np.column_stack((ai, ai + 1))), [i1]))
            corners_j = np.concatenate(([j0], np.ravel(np.column_stack((aj, aj + 1))), [j1]))
            found_gaps += [
                (int(corners_i[k]), int(corners_i[k + 1]), int(corners_j[k]), int(corners_j[k + 1]))
                for k in range(0, len(corners_i) - 1, 2)
            ]
        gaps = found_gaps
        if not gaps:
            break
    ai = np.concatenate(found_i)
    aj = np.concatenate(found_j)
    order = np.argsort(ai, kind="stable")
    return ai[order], aj[order]


def corners(ai: np.ndarray, aj: np.ndarray, n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """The corners the path goes through: ``(0, 0)``, each anchor's two, and ``(n, m)``."""
    points_i = np.concatenate(([0], np.ravel(np.column_stack((ai, ai + 1))), [n]))
    points_j = np.concatenate(([0], np.ravel(np.column_stack((aj, aj + 1))), [m]))
    return points_i.astype(np.int64), points_j.astype(np.int64)


def corridor(
    points_i: np.ndarray,
    points_j: np.ndarray,
    n: int,
    m: int,
    *,
    margin: int,
    max_cells: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Per DP row ``i`` (0 … n), the columns ``lo[i] … hi[i]`` the path may pass through.

    Between consecutive corners the corridor is their rectangle widened by ``margin``; if that
    makes more than ``max_cells`` cells, the widest gaps are narrowed to a band around the
    straight line between their corners, as narrow as the budget needs (never under
    ``margin``).
    """
    rows = np.arange(n + 1, dtype=np.int64)
    first = np.searchsorted(points_i, rows, side="left")  # first corner on row i or after
    last = np.searchsorted(points_i, rows, side="right") - 1  # last corner on row i or before
    lo = points_j[np.where(points_i[np.minimum(first, len(points_i) - 1)] == rows, first, last)]
    hi = points_j[np.where(points_i[last] == rows, last, np.minimum(last + 1, len(points_i) - 1))]
    lo = np.maximum(lo - margin, 0)
    hi = np.minimum(hi + margin, m)
    lo, hi = _monotone(lo, hi, m)
    if int((hi - lo + 1).sum()) > max_cells:
        lo, hi = _narrowed(points_i, points_j, n, m, lo, hi, margin, max_cells)
    return lo, hi


def _monotone(lo: np.ndarray, hi: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Every step of a path must be able to stay inside: lo and hi never decrease, and each row
    reaches the next one's first column (so a 1-0 bead can always step down)."""
    lo = np.minimum.accumulate(lo[::-1])[::-1].copy()
    lo[0] = 0
    hi = hi.copy()
    hi[:-1] = np.maximum(hi[:-1], lo[1:])
    hi = np.maximum.accumulate(hi)
    hi[-1] = m
    return lo, hi


def _narrowed(
    points_i: np.ndarray,
    points_j: np.ndarray,
    n: int,
    m: int,
    lo: np.ndarray,
    hi: np.ndarray,
    margin: int,
    max_cells: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The corridor with its gaps cut to a diagonal band of the widest half-width that fits."""
    rows = np.arange(n + 1, dtype=np.int64)
    last = np.searchsorted(points_i, rows, side="right") - 1
    nxt = np.minimum(last + 1, len(points_i) - 1)
    i0, j0 = points_i[last], points_j[last]
    i1, j1 = points_i[nxt], points_j[nxt]
    span = np.maximum(i1 - i0, 1)
    centre = j0 + (rows - i0) * (j1 - j0) / span
    # Rows with a corner keep their whole range: it runs from the row's first corner to its last.
    free = i0 != rows

    def cut(half: float) -> tuple[np.ndarray, np.ndarray]:
        band_lo = np.where(free, np.maximum(lo, np.floor(centre - half).astype(np.int64)), lo)
        band_hi = np.where(free, np.minimum(hi, np.ceil(centre + half).astype(np.int64)), hi)
        band_hi = np.maximum(band_hi, band_lo)
        return _monotone(band_lo, band_hi, m)

    low, high = float(margin), float(max(m, margin))
    best = cut(low)
    for _ in range(30):
        middle = (low + high) / 2
        candidate = cut(middle)
        if int((candidate[1] - candidate[0] + 1).sum()) <= max_cells:
            best, low = candidate, middle
        else:
            high = middle
        if high - low < 1:
            break
    return best


def _anchors_in(
    fr_indptr: np.ndarray,
    fr_keys: np.ndarray,
    en_indptr: np.ndarray,
    en_keys: np.ndarray,
    i0: int,
    i1: int,
    j0: int,
    j1: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Anchors (French row, English row) among rows i0 … i1-1 and columns j0 … j1-1."""
    n, m = i1 - i0, j1 - j0
    f_ptr = fr_indptr[i0 : i1 + 1] - fr_indptr[i0]
    f_keys = fr_keys[fr_indptr[i0] : fr_indptr[i1]]
    e_ptr = en_indptr[j0 : j1 + 1] - en_indptr[j0]
    e_keys = en_keys[en_indptr[j0] : en_indptr[j1]]
    if len(f_keys) == 0 or len(e_keys) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    pi, pj, score = _candidate_pairs(f_ptr, f_keys, e_ptr, e_keys, PAIRS_PER_SENTENCE * (n + m))
    if len(pi) == 0:
        return pi, pj
    chain = _chain(pi, pj, score, m)
    ai, aj = pi[chain], pj[chain]
    keep = _consistent(ai, aj)
    return ai[keep] + i0, aj[keep] + j0


def _candidate_pairs(
    f_ptr: np.ndarray, f_keys: np.ndarray, e_ptr: np.ndarray, e_keys: np.ndarray, budget: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sentence pairs sharing keys rare on both sides, with the summed weight of what they share.

    Keys are taken in order of the pairs they make (French occurrences × English ones) while
    the running total stays within ``budget``; a key's weight is the log of how many times
    rarer than one a sentence it is. Pairs come by French row, and by decreasing English row
    within a French row (the order :func:`_chain` needs). Each row's keys are distinct.
    """
    n, m = len(f_ptr) - 1, len(e_ptr) - 1
    # The French keys numbered by their distinct value, and where each is on the English side.
    f_order = np.argsort(f_keys, kind="stable")
    f_sorted = f_keys[f_order]
    new = np.empty(len(f_sorted), dtype=bool)
    new[:1] = True
    np.not_equal(f_sorted[1:], f_sorted[:-1], out=new[1:])
    distinct = f_sorted[new]
    f_local = np.empty(len(f_keys), dtype=np.int64)
    f_local[f_order] = np.cumsum(new) - 1
    df_fr = np.diff(np.append(np.flatnonzero(new), len(f_sorted)))
    e_order = np.argsort(e_keys, kind="stable")
    e_rows = np.repeat(np.arange(m, dtype=np.int64), np.diff(e_ptr))[e_order]
    e_sorted = e_keys[e_order]
    first = np.searchsorted(e_sorted, distinct, side="left")
    last = np.searchsorted(e_sorted, distinct, side="right")
    df_en = last - first
    pairs = df_fr * df_en
    # The rarest keys first, as many as the budget of pairs allows.
    order = np.argsort(pairs, kind="stable")
    ranked = pairs[order]
    within = (ranked > 0) & (np.cumsum(ranked) <= budget)
    limit = int(ranked[within].max()) if within.any() else 0
    use = (pairs > 0) & (pairs <= limit)
    weight = np.where(use, np.log1p(min(n, m) / np.maximum(np.maximum(df_fr, df_en), 1)), 0.0)
    size = int(pairs[use].sum())
    return _pairs_by_row(f_ptr, f_local, weight, first, last, e_rows, m, size)


@njit(cache=True)
def _pairs_by_row(f_ptr, f_local, weight, first, last, e_rows, m, size):  # type: ignore[no-untyped-def]
    n = len(f_ptr) - 1
    pi = np.empty(size, np.int64)
    pj = np.empty(size, np.int64)
    score = np.empty(size, np.float64)
    scratch = np.zeros(m)
    touched = np.empty(m, np.int64)
    out = 0
    for i in range(n):
        t = 0
        for p in range(f_ptr[i], f_ptr[i + 1]):
            k = f_local[p]
            if weight[k] == 0:
                continue
            for q in range(first[k], last[k]):
                j = e_rows[q]
                if scratch[j] == 0:
                    touched[t] = j
                    t += 1
                scratch[j] += weight[k]
        row = np.sort(touched[:t])
        for q in range(t - 1, -1, -1):
            j = row[q]
            pi[out] = i
            pj[out] = j
            score[out] = scratch[j]
            scratch[j] = 0
            out += 1
    return pi[:out], pj[:out], score[:out]


@njit(cache=True)
def _chain(ci, cj, score, m):  # type: ignore[no-untyped-def]
    """Indices of the heaviest chain of pairs increasing in both rows (Fenwick tree of maxima).

    The pairs come by French row, and by decreasing English row within a French row, so that
    two pairs of one French row never chain.
    """
    size = len(ci)
    tree = np.zeros(m + 2)
    tree_at = np.full(m + 2, -1, np.int64)
    best = np.zeros(size)
    previous = np.full(size, -1, np.int64)
    for k in range(size):
        q = cj[k]  # the best chain ending at an English row < cj[k]: tree positions 1 … cj[k]
        value = 0.0
        at = -1
        while q > 0:
            if tree[q] > value:
                value = tree[q]
                at = tree_at[q]
            q -= q & (-q)
        best[k] = value + score[k]
        previous[k] = at
        q = cj[k] + 1
        while q <= m + 1:
            if best[k] > tree[q]:
                tree[q] = best[k]
                tree_at[q] = k
            q += q & (-q)
    end = np.argmax(best) if size else -1
    length = 0
    k = end
    while k >= 0:
        length += 1
        k = previous[k]
    chain = np.empty(length, np.int64)
    k = end
    for t in range(length - 1, -1, -1):
        chain[t] = k
        k = previous[k]
    return chain


def _consistent(ai: np.ndarray, aj: np.ndarray, tolerance: int = 3) -> np.ndarray:
    """Anchors with a neighbour in the chain on about the same diagonal.

    Two consecutive anchors agree when the distance between them is about the same on both
    sides (within ``tolerance`` sentences, or 35 % of the distance); a lone anchor that agrees
    with neither neighbour is more likely a chance link than a fixed point of the path.
    """
    keep = np.zeros(len(ai), dtype=bool)
    if len(ai) < 2:
        return keep
    di, dj = np.diff(ai), np.diff(aj)
    agree = np.abs(di - dj) <= np.maximum(tolerance, 0.35 * np.maximum(di, dj))
    keep[:-1] |= agree
    keep[1:] |= agree
    return keep
