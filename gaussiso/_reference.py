"""Pure-numpy references of the Numba kernels of :mod:`gaussiso._kernels`.

The same per-point quantities computed another way: all cells at once with array operations
(no envelope walk, no early exits, ``scipy.special.ndtr`` differences instead of the
cancellation-free widths), so that tests compare the two and benchmarks time the two. Not used
by the estimators themselves. The interface weights are recomputed here rather than taken
from the kernels' module, so that they are checked too.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from ._linalg import pairwise_distances

__all__ = ["lines_reference", "facet_reference"]

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def lines_reference(S, eps, P):
    """Pure-numpy reference of the line kernels (all cells at once, no envelope walk).

    Parameters
    ----------
    S : ndarray, shape (m, k)
        Seeds of the (reduced, rotated) partition.
    eps : ndarray, shape (ne,)
    P : ndarray, shape (n, k)
        Standard Gaussian points; each gives the k lines through it along the axes.

    Returns
    -------
    point_eps : ndarray, shape (n, ne)
        Mean over the k lines of the Gaussian measure of the eps-boundary on the line.
    point_cells : ndarray, shape (n, m)
        Mean over the k lines of the Gaussian measure of each cell on the line.
    point_perim : ndarray, shape (n,)
        Sum over the k lines and their crossings of ``W[i, j] * phi(t)``
        (``W`` from ``interface_weights``).
    """
    S = np.asarray(S, float)
    P = np.asarray(P, float)
    eps = np.atleast_1d(np.asarray(eps, float))
    m, k = S.shape
    n = P.shape[0]
    sq = np.einsum("ij,ij->i", S, S)
    D = pairwise_distances(S)
    # W[i, j] = |s_j - s_i| / sum_a |(s_j - s_i)_a| (the kernels' interface_weights)
    W = D / np.maximum(np.sum(np.abs(S[None, :, :] - S[:, None, :]), axis=-1), 1e-300)
    np.fill_diagonal(W, 0.0)
    off = ~np.eye(m, dtype=bool)[None]
    out_eps = np.zeros((n, eps.size))
    out_cells = np.zeros((n, m))
    out_perim = np.zeros(n)
    for ax in range(k):
        w = P.copy()
        w[:, ax] = 0.0
        a = sq[None, :] - 2.0 * w @ S.T  # (n, m)
        b = np.broadcast_to(-2.0 * S[:, ax], (n, m))
        al = a[:, None, :] - a[:, :, None]  # [n, i, j] = a_j - a_i
        be = b[:, None, :] - b[:, :, None]

        def interval(c, al=al, be=be):  # {t : al + be t >= c for all j != i}
            with np.errstate(divide="ignore", invalid="ignore"):
                t = (c[None] - al) / be
            lo = np.where((be > 0) & off, t, -np.inf).max(axis=2)
            tt = np.where((be < 0) & off, t, np.inf)
            hi = tt.min(axis=2)
            nxt = tt.argmin(axis=2)
            empty = np.any((be == 0) & off & (al < c[None]), axis=2)
            return np.where(empty, np.inf, lo), hi, nxt

        def mass(lo, hi):
            return np.where(lo < hi, special.ndtr(hi) - special.ndtr(lo), 0.0)

        lo, hi, nxt = interval(np.zeros((m, m)))
        cells = mass(lo, hi)
        out_cells += cells / k
        for e, ev in enumerate(eps):
            L, R, _ = interval(2.0 * ev * D)
            out_eps[:, e] += np.sum(cells - mass(L, R), axis=1) / k
        cross = (lo < hi) & np.isfinite(hi)
        wgt = W[np.arange(m)[None, :], nxt]
        hh = np.where(cross, hi, 0.0)
        out_perim += np.sum(np.where(cross, wgt * np.exp(-0.5 * hh * hh), 0.0), axis=1) * _INV_SQRT_2PI
    return out_eps, out_cells, out_perim


def facet_reference(S, eps, P):
    """Pure-numpy reference of the facet-line kernels.

    Parameters
    ----------
    S : ndarray, shape (m, k)
    eps : ndarray, shape (ne,)
    P : ndarray, shape (n, k)
        Standard Gaussian points.

    Returns
    -------
    point_eps : ndarray, shape (n, ne)
        Sum over ordered pairs (o, p) of the Gaussian measure, on the line through the point
        along ``(s_p - s_o)``, of the points of cell o within eps of the bisector of o and p
        whose nearest bisector (among o's) is that one.
    point_perim : ndarray, shape (n,)
        Sum over pairs o < p of ``phi(h_op)`` where the projection of the point on the bisector
        lies in the common facet.
    """
    S = np.asarray(S, float)
    P = np.asarray(P, float)
    eps = np.atleast_1d(np.asarray(eps, float))
    m, k = S.shape
    n = P.shape[0]
    q = np.einsum("ij,ij->i", S, S)
    out_eps = np.zeros((n, eps.size))
    out_perim = np.zeros(n)
    for o in range(m):
        for p in range(m):
            if p == o:
                continue
            d = S[p] - S[o]
            dop = np.linalg.norm(d)
            nv = d / dop
            h = (q[p] - q[o]) / (2.0 * dop)
            w = P - np.outer(P @ nv, nv)  # projections on the hyperplane through 0, normal nv
            others = [l for l in range(m) if l not in (o, p)]
            L = np.full(n, -np.inf)
            for l in others:
                dl = S[l] - S[o]
                dol = np.linalg.norm(dl)
                alpha = (q[l] - q[o] - 2.0 * w @ dl) / (2.0 * dol)
                slope = 1.0 - (nv @ dl) / dol
                if slope > 0:
                    L = np.maximum(L, (h - alpha) / slope)
                else:
                    L = np.where(alpha < h, np.inf, L)
            hit = L <= h
            if o < p:
                out_perim += np.where(hit, np.exp(-0.5 * h * h) / math.sqrt(2 * math.pi), 0.0)
            for e, ev in enumerate(eps):
                lower = np.maximum(L, h - ev)
                out_eps[:, e] += np.where(hit, special.ndtr(h) - special.ndtr(np.minimum(lower, h)), 0.0)
    return out_eps, out_perim
