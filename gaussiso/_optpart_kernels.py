"""Numba kernels of :mod:`gaussiso._power_diagram` and :mod:`gaussiso._optimal_partition`.

Plain functions compiled with ``cache=True``; every one has a pure-numpy reference in the
tests (``tests/gaussiso/test_optimal_partition.py``).

``clip_cells``
    The cells of a planar power diagram ``A_i = {z : b_i - 2 s_i.z <= b_j - 2 s_j.z for all j}``
    as convex polygons: the square ``[-R, R]^2`` clipped by the ``m - 1`` half-planes
    ``n_ij . z <= c_ij`` (Sutherland-Hodgman), remembering which constraint produced each
    edge (``-1`` for the square). Moving every line inwards by ``eps`` gives the points of ``A_i`` at distance ``>= eps``
    from every other cell (the cells are convex, so that distance is the smallest distance to
    the constraint lines).
``mbo_threshold``
    The thresholding step of the measure-preserving threshold dynamics (see
    :mod:`gaussiso._optimal_partition`): assign each grid node to ``argmax_i (u_i - lam_i)``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["clip_batch", "clip_cells", "mbo_threshold"]


@njit(cache=True)
def _clip_one(vx, vy, vl, k, nx, ny, c, label, ox, oy, ol):
    """Clip the convex polygon (vx, vy)[:k] by nx*x + ny*y <= c; result in (ox, oy, ol)."""
    n_out = 0
    for e in range(k):
        e2 = e + 1 if e + 1 < k else 0
        fp = vx[e] * nx + vy[e] * ny - c
        fq = vx[e2] * nx + vy[e2] * ny - c
        p_in = fp <= 0.0
        q_in = fq <= 0.0
        if p_in:
            ox[n_out] = vx[e]
            oy[n_out] = vy[e]
            ol[n_out] = vl[e]
            n_out += 1
        if p_in != q_in:
            w = fp / (fp - fq)
            ox[n_out] = vx[e] + w * (vx[e2] - vx[e])
            oy[n_out] = vy[e] + w * (vy[e2] - vy[e])
            ol[n_out] = label if p_in else vl[e]
            n_out += 1
    # drop zero-length edges (duplicate vertices from exact hits)
    kept = 0
    for e in range(n_out):
        e2 = e + 1 if e + 1 < n_out else 0
        if ox[e] != ox[e2] or oy[e] != oy[e2] or n_out == 1:
            ox[kept] = ox[e]
            oy[kept] = oy[e]
            ol[kept] = ol[e]
            kept += 1
    if kept < 3:
        return 0
    return kept


@njit(cache=True)
def _square(ax, ay, al, radius):
    """Write the square ``[-radius, radius]^2`` (edges labelled -1) into ``ax, ay, al``; returns 4."""
    ax[0] = -radius
    ay[0] = -radius
    ax[1] = radius
    ay[1] = -radius
    ax[2] = radius
    ay[2] = radius
    ax[3] = -radius
    ay[3] = radius
    for t in range(4):
        al[t] = -1
    return 4


@njit(cache=True)
def _copy_polygon(sx, sy, sl, dx, dy, dl, k):
    for t in range(k):
        dx[t] = sx[t]
        dy[t] = sy[t]
        dl[t] = sl[t]


@njit(cache=True)
def _store_polygon(verts, labels, counts, i, ax, ay, al, k):
    counts[i] = k
    for t in range(k):
        verts[i, t, 0] = ax[t]
        verts[i, t, 1] = ay[t]
        labels[i, t] = al[t]


@njit(cache=True)
def clip_cells(seeds, offsets, radius, shift):
    """Polygons of all cells of a planar power diagram, clipped to ``[-radius, radius]^2``.

    Cell ``i`` is ``{y : 2 (s_j - s_i).y <= b_j - b_i - shift[i, j] for all j != i}``;
    ``shift = 0`` gives the cells, ``shift[i, j] = 2 eps |s_j - s_i|`` their eps-interiors.

    Returns ``verts (m, K, 2)``, ``labels (m, K)`` (edge k -> k+1 lies on the line shared
    with cell ``labels[k]``, ``-1`` on the square) and ``counts (m,)`` (0: empty cell).
    """
    m = seeds.shape[0]
    kmax = m + 8
    verts = np.zeros((m, kmax, 2))
    labels = np.full((m, kmax), -1, dtype=np.int64)
    counts = np.zeros(m, dtype=np.int64)
    ax = np.empty(kmax)
    ay = np.empty(kmax)
    al = np.empty(kmax, dtype=np.int64)
    bx = np.empty(kmax)
    by = np.empty(kmax)
    bl = np.empty(kmax, dtype=np.int64)
    for i in range(m):
        k = _square(ax, ay, al, radius)
        for j in range(m):
            if j == i:
                continue
            dx = seeds[j, 0] - seeds[i, 0]
            dy = seeds[j, 1] - seeds[i, 1]
            nrm = math.hypot(dx, dy)
            if nrm == 0.0:
                # same direction: the cell with the larger offset is empty (ties: higher index)
                if offsets[i] + shift[i, j] > offsets[j] or (offsets[i] + shift[i, j] == offsets[j] and i > j):
                    k = 0
                    break
                continue
            c = (offsets[j] - offsets[i] - shift[i, j]) / (2.0 * nrm)
            k = _clip_one(ax, ay, al, k, dx / nrm, dy / nrm, c, j, bx, by, bl)
            if k == 0:
                break
            _copy_polygon(bx, by, bl, ax, ay, al, k)
        _store_polygon(verts, labels, counts, i, ax, ay, al, k)
    return verts, labels, counts


@njit(cache=True)
def clip_batch(normals, consts, radius):
    """Many convex polygons ``{y in [-R, R]^2 : normals[p, k] . y <= consts[p, k] for all k}``.

    ``normals (P, q, 2)``, ``consts (P, q)``; a zero normal is skipped when its constant is
    ``>= 0`` and empties the polygon otherwise. Returns ``verts (P, K, 2)``, ``labels (P, K)``
    (the constraint ``k`` that made each edge, ``-1`` for the square) and ``counts (P,)``.
    """
    n_p, q = consts.shape
    kmax = q + 8
    verts = np.zeros((n_p, kmax, 2))
    labels = np.full((n_p, kmax), -1, dtype=np.int64)
    counts = np.zeros(n_p, dtype=np.int64)
    ax = np.empty(kmax)
    ay = np.empty(kmax)
    al = np.empty(kmax, dtype=np.int64)
    bx = np.empty(kmax)
    by = np.empty(kmax)
    bl = np.empty(kmax, dtype=np.int64)
    for p in range(n_p):
        k = _square(ax, ay, al, radius)
        for j in range(q):
            nx = normals[p, j, 0]
            ny = normals[p, j, 1]
            nrm = math.hypot(nx, ny)
            if nrm == 0.0:
                if consts[p, j] < 0.0:
                    k = 0
                    break
                continue
            k = _clip_one(ax, ay, al, k, nx / nrm, ny / nrm, consts[p, j] / nrm, j, bx, by, bl)
            if k == 0:
                break
            _copy_polygon(bx, by, bl, ax, ay, al, k)
        _store_polygon(verts, labels, counts, p, ax, ay, al, k)
    return verts, labels, counts


@njit(cache=True)
def mbo_threshold(u, lam, out):
    """``out[p] = argmax_i (u[i, p] - lam[i])`` over the grid nodes ``p``."""
    m, n = u.shape
    for p in range(n):
        best = u[0, p] - lam[0]
        arg = 0
        for i in range(1, m):
            v = u[i, p] - lam[i]
            if v > best:
                best = v
                arg = i
        out[p] = arg
    return out
