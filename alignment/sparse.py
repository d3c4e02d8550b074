"""Sparse rows: one per sentence, a few dozen entries of a space of thousands.

Sentence vectors and anchor keys are built straight into compressed sparse rows by numba loops
that touch one sentence at a time, so that building them never holds more than the result: a
48,000-sentence side used to make hundreds of MB of temporary (sentence, column, value) triples
on the way to a few dozen MB of rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit


@dataclass(frozen=True, slots=True)
class SparseRows:
    """Rows of a sparse matrix: row ``r`` is ``columns[indptr[r]:indptr[r + 1]]`` with its
    ``values`` (for anchor keys, ``values`` is empty and ``columns`` holds the keys)."""

    indptr: np.ndarray  # int64, one more than the rows
    columns: np.ndarray  # int64
    values: np.ndarray  # float32

    @classmethod
    def empty(cls, n: int) -> SparseRows:
        return cls(np.zeros(n + 1, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32))

    @classmethod
    def summed(cls, items: ItemRows, table: ItemTable, width: int) -> SparseRows:
        """Row ``r`` is the sum of the ``table`` rows of the items of row ``r`` of ``items``.

        ``items`` gives each sentence's item ids (units, lexicon pieces …); ``table`` the
        vector entries of each item id, as sparse rows of its own. Columns are < ``width``.
        """
        indptr, columns, values = _summed_rows(
            items.indptr, items.ids, table.indptr, table.columns, table.values, width
        )
        return cls(indptr, columns, values)

    @classmethod
    def keys(cls, items: ItemRows, table: ItemTable, skip: np.ndarray) -> SparseRows:
        """Row ``r`` holds the distinct keys of the items of row ``r`` (none where ``skip``)."""
        indptr, keys = _key_rows(items.indptr, items.ids, table.indptr, table.columns, skip)
        return cls(indptr, keys, np.zeros(0, np.float32))

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def __add__(self, other: SparseRows) -> SparseRows:
        width = max(_width(self), _width(other))
        indptr, columns, values = _added_rows(
            self.indptr, self.columns, self.values, other.indptr, other.columns, other.values,
            width,
        )  # fmt: skip
        return SparseRows(indptr, columns, values)

    def dense(self, width: int) -> np.ndarray:
        """The rows as a dense (rows × width) float32 array (for tests and small inputs)."""
        matrix = np.zeros((len(self), width), dtype=np.float32)
        rows = np.repeat(np.arange(len(self)), np.diff(self.indptr))
        np.add.at(matrix, (rows, self.columns), self.values)
        return matrix

    @property
    def width(self) -> int:
        return _width(self)

    @classmethod
    def stacked(cls, parts: list[tuple[int, SparseRows]], n: int) -> SparseRows:
        return stacked(parts, n)


@dataclass(frozen=True, slots=True)
class ItemRows:
    """Each sentence's item ids (repeats allowed): sentence r's are ids[indptr[r]:indptr[r+1]]."""

    indptr: np.ndarray  # int64
    ids: np.ndarray  # int64

    @classmethod
    def from_lengths(cls, lengths: np.ndarray, ids: np.ndarray) -> ItemRows:
        indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        return cls(indptr, ids.astype(np.int64, copy=False))


@dataclass(frozen=True, slots=True)
class ItemTable:
    """Per item id, its entries: item ``k`` has ``columns[indptr[k]:indptr[k+1]]`` / values."""

    indptr: np.ndarray  # int64
    columns: np.ndarray  # int64
    values: np.ndarray  # float64 (unused for keys)

    @classmethod
    def from_dense(cls, columns: np.ndarray, values: np.ndarray | None = None) -> ItemTable:
        """A table from (items × k) arrays, k entries an item. An entry of value 0 adds
        nothing to a vector; a key of -1 is no key."""
        items, k = columns.shape
        return cls(
            np.arange(0, items * k + 1, k, dtype=np.int64),
            columns.reshape(-1).astype(np.int64, copy=False),
            np.zeros(0) if values is None else values.reshape(-1).astype(np.float64, copy=False),
        )


def _width(rows: SparseRows) -> int:
    return int(rows.columns.max()) + 1 if len(rows.columns) else 1


@njit(cache=True)
def _summed_rows(item_ptr, item_ids, table_ptr, table_columns, table_values, width):  # type: ignore[no-untyped-def]
    n = len(item_ptr) - 1
    scratch = np.zeros(width, dtype=np.float64)
    touched = np.zeros(width, dtype=np.int64)
    # First pass: how many distinct columns each row has (an upper bound of the non-zeros).
    counts = np.zeros(n + 1, dtype=np.int64)
    seen = np.zeros(width, dtype=np.bool_)
    for r in range(n):
        t = 0
        for a in range(item_ptr[r], item_ptr[r + 1]):
            k = item_ids[a]
            for p in range(table_ptr[k], table_ptr[k + 1]):
                c = table_columns[p]
                if not seen[c]:
                    seen[c] = True
                    touched[t] = c
                    t += 1
        for q in range(t):
            seen[touched[q]] = False
        counts[r + 1] = t
    indptr = np.cumsum(counts)
    columns = np.empty(indptr[n], dtype=np.int64)
    values = np.empty(indptr[n], dtype=np.float32)
    out = 0
    for r in range(n):
        t = 0
        for a in range(item_ptr[r], item_ptr[r + 1]):
            k = item_ids[a]
            for p in range(table_ptr[k], table_ptr[k + 1]):
                c = table_columns[p]
                if not seen[c]:
                    seen[c] = True
                    touched[t] = c
                    t += 1
                scratch[c] += table_values[p]
        indptr[r] = out
        for q in range(t):
            c = touched[q]
            if scratch[c] != 0.0:
                columns[out] = c
                values[out] = scratch[c]
                out += 1
            scratch[c] = 0.0
            seen[c] = False
    indptr[n] = out
    return indptr, columns[:out], values[:out]


@njit(cache=True)
def _sorted_distinct(keys, start, end):  # type: ignore[no-untyped-def]
    """Sort ``keys[start:end]`` in place and keep each key once; the new end."""
    keys[start:end] = np.sort(keys[start:end])
    write = start
    for q in range(start, end):
        if q == start or keys[q] != keys[q - 1]:
            keys[write] = keys[q]
            write += 1
    return write


@njit(cache=True)
def _key_rows(item_ptr, item_ids, table_ptr, table_keys, skip):  # type: ignore[no-untyped-def]
    n = len(item_ptr) - 1
    total = 0
    for r in range(n):
        if skip[r]:
            continue
        for a in range(item_ptr[r], item_ptr[r + 1]):
            k = item_ids[a]
            total += table_ptr[k + 1] - table_ptr[k]
    keys = np.empty(total, dtype=np.int64)
    indptr = np.zeros(n + 1, dtype=np.int64)
    out = 0
    for r in range(n):
        start = out
        if not skip[r]:
            for a in range(item_ptr[r], item_ptr[r + 1]):
                k = item_ids[a]
                for p in range(table_ptr[k], table_ptr[k + 1]):
                    if table_keys[p] >= 0:
                        keys[out] = table_keys[p]
                        out += 1
            out = _sorted_distinct(keys, start, out)
        indptr[r + 1] = out
    return indptr, keys[:out].copy()


@njit(cache=True)
def _added_rows(a_ptr, a_columns, a_values, b_ptr, b_columns, b_values, width):  # type: ignore[no-untyped-def]
    n = len(a_ptr) - 1
    scratch = np.zeros(width, dtype=np.float64)
    seen = np.zeros(width, dtype=np.bool_)
    touched = np.zeros(width, dtype=np.int64)
    size = len(a_columns) + len(b_columns)
    columns = np.empty(size, dtype=np.int64)
    values = np.empty(size, dtype=np.float32)
    indptr = np.zeros(n + 1, dtype=np.int64)
    out = 0
    for r in range(n):
        t = 0
        for p in range(a_ptr[r], a_ptr[r + 1]):
            c = a_columns[p]
            if not seen[c]:
                seen[c] = True
                touched[t] = c
                t += 1
            scratch[c] += a_values[p]
        for p in range(b_ptr[r], b_ptr[r + 1]):
            c = b_columns[p]
            if not seen[c]:
                seen[c] = True
                touched[t] = c
                t += 1
            scratch[c] += b_values[p]
        for q in range(t):
            c = touched[q]
            if scratch[c] != 0.0:
                columns[out] = c
                values[out] = scratch[c]
                out += 1
            scratch[c] = 0.0
            seen[c] = False
        indptr[r + 1] = out
    return indptr, columns[:out].copy(), values[:out].copy()


def union_keys(a: SparseRows, b: SparseRows) -> SparseRows:
    """Row by row, the distinct keys of both."""
    indptr, keys = _union_keys(a.indptr, a.columns, b.indptr, b.columns)
    return SparseRows(indptr, keys, np.zeros(0, np.float32))


@njit(cache=True)
def _union_keys(a_ptr, a_keys, b_ptr, b_keys):  # type: ignore[no-untyped-def]
    n = len(a_ptr) - 1
    keys = np.empty(len(a_keys) + len(b_keys), dtype=np.int64)
    indptr = np.zeros(n + 1, dtype=np.int64)
    out = 0
    for r in range(n):
        start = out
        for p in range(a_ptr[r], a_ptr[r + 1]):
            keys[out] = a_keys[p]
            out += 1
        for p in range(b_ptr[r], b_ptr[r + 1]):
            keys[out] = b_keys[p]
            out += 1
        out = _sorted_distinct(keys, start, out)
        indptr[r + 1] = out
    return indptr, keys[:out].copy()


def stacked(parts: list[tuple[int, SparseRows]], n: int) -> SparseRows:
    """``n`` rows made of blocks placed at their first row (in order, not overlapping); the
    rows no block covers are empty."""
    counts = np.zeros(n, dtype=np.int64)
    for first, block in parts:
        counts[first : first + len(block)] = np.diff(block.indptr)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    columns = np.concatenate([block.columns for _, block in parts])
    values = np.concatenate([block.values for _, block in parts])
    return SparseRows(indptr, columns, values)
