r"""Numba kernel of the randomized quasi-Monte Carlo (RQMC) facet-line estimator.

The facet lines are those of :mod:`gaussiso._kernels` (``facet_kernel``): for a point
:math:`g` of the reduced space and an ordered pair :math:`(o, p)`, the line through
:math:`g` along :math:`n = (s_p - s_o)/D_{op}` meets the bisector of :math:`o, p` at
:math:`t = h_{op}`, and the points of cell :math:`o` whose nearest bisector is that one form
the segment :math:`L_{op}(g) \le t \le h_{op}`. Over all ordered pairs these segments
partition :math:`\mathbb{R}^k` (up to null sets), so besides the eps-band part

.. math:: X(g) = \sum_{o \ne p} \big[\Phi(h_{op}) - \Phi(\max(h_{op} - \varepsilon,
          L_{op}))\big]_+

the kernel returns the *cell* part

.. math:: C(g) = \sum_{o \ne p} \big[\Phi(h_{op}) - \Phi(L_{op})\big]_+ , \qquad E[C] = 1,

one Gaussian interval per side of a hit facet, shared by every eps; a side's band part is
its full layer :math:`\Phi(h) - \Phi(h - \varepsilon)` or its whole cell part, so the
interior part :math:`Y_\varepsilon = C - X_\varepsilon \ge 0` (the points at distance at
least eps from every other cell) has :math:`E[Y_\varepsilon] = 1 - \gamma(\partial^\varepsilon)`.
``1 - Y = X - (C - 1)`` is ``X`` with the control variate ``C`` (coefficient 1), the better
estimator when the band holds most of the mass. The perimeter term is the one of
``facet_kernel``.

The kernel draws nothing: the caller passes the points (mapped from scrambled Sobol points).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._kernels import _gauss_interval, _line_coord, _line_start, _nearest, _squared_norms

__all__ = ["facet_split_kernel", "facet_split_kernel_parallel"]

_CHUNK = 256  # points per parallel task (results do not depend on it)


@njit(cache=True)
def _split_range(Sr, first, n_rot, pairs, coef, H, phih, full, eps, P, start, stop, out_band, out_cell, out_perim):
    m, k = Sr.shape[1], Sr.shape[2]
    sq = _squared_norms(Sr[0])
    ne = eps.shape[0]
    gs = np.empty(m)
    lb = np.empty(ne)
    for n in range(start, stop):
        for e in range(ne):
            lb[e] = 0.0
        perim = 0.0
        cell = 0.0
        for r in range(first[n], first[n] + n_rot):
            if pairs and (r - first[n]) % 2 == 1:
                for i in range(m):
                    gs[i] = -gs[i]  # Sr[r] = -Sr[r - 1]
            else:
                for i in range(m):
                    s = 0.0
                    for c in range(k):
                        s += Sr[r, i, c] * P[n, c]
                    gs[i] = s
            # The cells of the point and the next nearest are the likeliest to cut a facet
            # line short: test their constraints first (each one alone can rule a facet out).
            c0 = _nearest(sq, gs, -1)
            n1 = _nearest(sq, gs, c0)
            for o in range(m):
                go = gs[o]
                for p in range(o + 1, m):
                    h = H[o, p]
                    gp = gs[p]
                    if c0 != o and c0 != p and _line_coord(coef, o, p, c0, gs[c0], gp, go) > h:
                        continue
                    if n1 >= 0 and n1 != o and n1 != p and _line_coord(coef, o, p, n1, gs[n1], gp, go) > h:
                        continue
                    L = _line_start(coef, o, p, gs, gp, go)
                    if not (L <= h):
                        continue
                    perim += phih[o, p]
                    h2 = H[p, o]
                    L2 = _line_start(coef, p, o, gs, go, gp)
                    # The cell parts of both sides (one Gaussian interval each, for every
                    # eps); a side's band part is the full layer or its whole cell part.
                    c1 = _gauss_interval(L, h)
                    c2 = _gauss_interval(L2, h2)
                    cell += c1 + c2
                    for e in range(ne):
                        ev = eps[e]
                        lb[e] += full[o, p, e] if L <= h - ev else c1
                        lb[e] += full[p, o, e] if L2 <= h2 - ev else c2
        for e in range(ne):
            out_band[n, e] = lb[e] / n_rot
        out_cell[n] = cell / n_rot
        out_perim[n] = perim / n_rot


@njit(cache=True)
def facet_split_kernel(Sr, first, n_rot, pairs, coef, H, phih, full, eps, P, out_band, out_cell, out_perim):
    """Serial kernel: per point, the band part ``X`` (n, ne), the cell part ``C = X + Y``
    (n,) and the perimeter term (n,), each averaged over the ``n_rot`` copies ``Sr[first[n]:first[n] +
    n_rot]`` of the seeds (rotated and reflected: ``Sr`` (R, m, k), ``first`` (n,) int64).
    ``pairs``: the copies come in pairs ``Sr[2j + 1] = -Sr[2j]`` (counted from ``first[n]``),
    so the second of a pair reuses the first's projections, negated.

    ``coef, H`` from :func:`gaussiso._kernels.facet_coefficients`, ``phih, full`` from
    :func:`gaussiso._kernels.facet_tables`.
    """
    _split_range(Sr, first, n_rot, pairs, coef, H, phih, full, eps, P, 0, P.shape[0], out_band, out_cell, out_perim)


@njit(cache=True, parallel=True)
def facet_split_kernel_parallel(Sr, first, n_rot, pairs, coef, H, phih, full, eps, P, out_band, out_cell, out_perim):
    """Parallel variant (prange over chunks of points); same outputs as the serial kernel."""
    n = P.shape[0]
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    for c in prange(n_chunks):
        start = c * _CHUNK
        stop = min(n, start + _CHUNK)
        _split_range(Sr, first, n_rot, pairs, coef, H, phih, full, eps, P, start, stop, out_band, out_cell, out_perim)


@njit(cache=True)
def _parity(v):
    v ^= v >> np.uint64(32)
    v ^= v >> np.uint64(16)
    v ^= v >> np.uint64(8)
    v ^= v >> np.uint64(4)
    v ^= v >> np.uint64(2)
    v ^= v >> np.uint64(1)
    return v & np.uint64(1)


@njit(cache=True)
def scramble_uniform(X, rows, shift, jitter, out):
    """Linear matrix scrambling and digital shift of 30-bit Sobol integers, as uniforms.

    ``X`` (n, k) uint64: the unscrambled points times ``2**30``. ``rows`` (k, 30) uint64:
    row ``b`` of the lower-triangular (unit diagonal) binary matrix of each coordinate, as a
    mask over the input bits (bit ``29 - b`` is the b-th most significant). ``shift`` (k,)
    uint64: the digital shift, XORed in. ``jitter`` (n, k) in [0, 1): added below the last
    bit. ``out`` (n, k) receives ``(scrambled + jitter) / 2**30``.

    Output bit ``b`` depends only on input bits ``0..b`` (most significant first) through an
    invertible map, so elementary intervals go to elementary intervals and the net structure
    is kept; the uniform shift makes every point uniform on the 30-bit grid, the jitter on
    ``[0, 1)``.
    """
    n, k = X.shape
    scale = 2.0**-30
    for i in range(n):
        for j in range(k):
            x = X[i, j]
            y = np.uint64(0)
            for b in range(30):
                y |= _parity(x & rows[j, b]) << np.uint64(29 - b)
            y ^= shift[j]
            out[i, j] = (float(y) + jitter[i, j]) * scale
