"""Numba kernel of the real x fake comparison pass of :func:`gan.metrics.prdc` (CPU).

The torch path of that pass makes about a dozen elementwise sweeps over each block of
squared distances (comparisons, sums, ``any``, the undecided bands); on a CPU those sweeps
cost more than the matrix product that made the block. This kernel does them in one sweep.
The torch path stays the reference (tests compare the two) and the route on CUDA.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(parallel=True, cache=True, nogil=True)
def compare_block(q, lo1, hi1, lo2, hi2, strict, clamp, n_chunks, counts_part, covered, recalled, und1, und2):
    """One sweep over a block ``q`` (rows: reals, columns: fakes) of float32 squared distances.

    With ``b1 = q < lo1[i]`` (``<=`` when ``strict`` is False) and ``b2 = q < lo2[j]`` (idem):
    ``counts_part[c, j]`` += number of rows of chunk ``c`` with ``b1``; ``covered[i]`` and
    ``recalled[i]`` are set where some ``b1``, resp. ``b2``, holds in row ``i``; ``und1[i]``,
    ``und2[i]`` flag rows holding an entry with ``q <= hi`` but not ``b`` (an undecided entry of
    the two-tier comparison; the caller recomputes those). ``clamp`` replaces negative ``q``
    by 0 first. Rows are split into ``n_chunks`` contiguous chunks, one per parallel task, so
    no two tasks write the same entry.
    """
    n_rows, n_cols = q.shape
    for c in numba.prange(n_chunks):
        r0 = (n_rows * c) // n_chunks
        r1 = (n_rows * (c + 1)) // n_chunks
        cnt = counts_part[c]
        for i in range(r0, r1):
            a_lo = lo1[i]
            a_hi = hi1[i]
            cov = False
            rec = False
            u1 = False
            u2 = False
            for j in range(n_cols):
                v = q[i, j]
                if clamp and v < 0.0:
                    v = 0.0
                if strict:
                    in1 = v < a_lo
                    in2 = v < lo2[j]
                else:
                    in1 = v <= a_lo
                    in2 = v <= lo2[j]
                if in1:
                    cnt[j] += 1
                    cov = True
                elif v <= a_hi:
                    u1 = True
                if in2:
                    rec = True
                elif v <= hi2[j]:
                    u2 = True
            covered[i] = covered[i] or cov
            recalled[i] = recalled[i] or rec
            und1[i] = u1
            und2[i] = u2


def compare_block_reference(q, lo1, hi1, lo2, hi2, strict, clamp):
    """Pure-numpy twin of :func:`compare_block` (for tests): returns
    ``(counts, covered, recalled, und1, und2)`` of the block alone."""
    q = np.maximum(q, 0.0) if clamp else q
    cmp = np.less if strict else np.less_equal
    b1 = cmp(q, lo1[:, None])
    b2 = cmp(q, lo2[None, :])
    u1 = (q <= hi1[:, None]) & ~b1
    u2 = (q <= hi2[None, :]) & ~b2
    return b1.sum(0), b1.any(1), b2.any(1), u1.any(1), u2.any(1)


@numba.njit(cache=True, nogil=True, inline="always")
def _insert(v_row, i_row, v, index):
    """Put ``v`` (with ``index``) into the ascending buffer if it beats the last entry."""
    kk = v_row.shape[0]
    if not v < v_row[kk - 1]:
        return
    p = kk - 1
    while p > 0 and v_row[p - 1] > v:
        v_row[p] = v_row[p - 1]
        i_row[p] = i_row[p - 1]
        p -= 1
    v_row[p] = v
    i_row[p] = index


@numba.njit(parallel=True, cache=True, nogil=True)
def merge_smallest_rows(q, col0, vals, idx):
    """Merge the entries of each row of the tile ``q`` (columns ``col0 + j``) into the running
    ascending buffers ``vals[i]``, ``idx[i]`` (initialised to +inf) of the row."""
    n_rows, n_cols = q.shape
    for i in numba.prange(n_rows):
        v_row = vals[i]
        i_row = idx[i]
        for j in range(n_cols):
            _insert(v_row, i_row, q[i, j], col0 + j)


@numba.njit(parallel=True, cache=True, nogil=True)
def merge_smallest_cols(q, row0, n_chunks, vals, idx):
    """The same for the columns of ``q`` (the transposed tile: entry ``q[i, j]`` goes to the
    buffer of column ``j`` with index ``row0 + i``); columns are split into ``n_chunks`` chunks,
    one per parallel task, and each walks the tile row by row."""
    n_rows, n_cols = q.shape
    for c in numba.prange(n_chunks):
        j0 = (n_cols * c) // n_chunks
        j1 = (n_cols * (c + 1)) // n_chunks
        for i in range(n_rows):
            for j in range(j0, j1):
                _insert(vals[j], idx[j], q[i, j], row0 + i)
