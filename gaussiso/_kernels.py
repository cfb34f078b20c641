r"""Numba kernels of the line estimators (pure-numpy references in :mod:`gaussiso._reference`).

Both estimators average, over standard Gaussian points of the reduced space
:math:`\mathbb{R}^k`, exact one-dimensional Gaussian measures along lines through the point.
For a fixed unit direction :math:`u`, a standard Gaussian :math:`g = w + t u` has
:math:`t \sim N(0,1)` independent of :math:`w \perp u`, so for any set :math:`A`,
:math:`\gamma(A) = E_w\big[\int \varphi(t)\, 1_A(w + t u)\, dt\big]`: the exact line measure is an
unbiased estimator with less variance than the indicator. Along a line the Voronoi scores
:math:`f_i = \|z - s_i\|^2 - \|z\|^2 = a_i + b_i t` are affine, the cells are intervals and the
distance to the other cells (the smallest bisector distance
:math:`(f_j - f_i)/(2 D_{ij})`, :math:`D_{ij} = \|s_i - s_j\|`) is piecewise affine, so every
line measure is a sum of differences of :math:`\Phi`, evaluated without cancellation
(Gauss-Legendre on short intervals, tail functions otherwise).

Facet lines (``facet_kernel``; "mc-facet-lines")
    For every ordered pair :math:`(o, p)` the line through :math:`g` along
    :math:`n = (s_p - s_o)/D_{op}`. On it the distance to the bisector of :math:`o, p` is
    :math:`h_{op} - t` with :math:`h_{op} = (\|s_p\|^2 - \|s_o\|^2)/(2 D_{op})`, whatever
    :math:`w`. The points of cell :math:`o` whose nearest bisector is that one satisfy
    :math:`\mathrm{dist}_{ol}(t) \ge h_{op} - t` for all other :math:`l`; each is an affine
    inequality with slope :math:`1 - n\cdot(s_l - s_o)/D_{ol} \ge 0`, so together they read
    :math:`t \ge L_{op}(g)` with :math:`L_{op}` a maximum of affine functions of
    :math:`(g\cdot s_i)_i` (coefficients from :func:`facet_coefficients`). The eps-boundary is,
    up to null sets, the disjoint union over ordered pairs of these pieces with
    :math:`h_{op} - \varepsilon < t`, so
    :math:`X(g) = \sum_{o\ne p} [\Phi(h_{op}) - \Phi(\max(h_{op} - \varepsilon, L_{op}))]_+`.
    The facet is hit (the orthogonal projection of :math:`g` on the bisector lies in the
    common facet) iff :math:`L_{op} \le h_{op}`, and
    :math:`\sum_{o<p} \varphi(h_{op}) 1\{\text{hit}\}` is an unbiased estimator of the
    Gaussian perimeter (the facet's Gaussian area is :math:`\varphi(h_{op})` times the
    :math:`(k-1)`-dimensional Gaussian measure of its projection).

Axis lines (``lines_kernel``; "mc-lines")
    The ``k`` lines through :math:`g` along the coordinate axes (the caller rotates the seeds
    by a Haar rotation first). The cells met are found by walking the lower envelope of the
    scores from :math:`t = -\infty` (largest slope first; the next cell is the first to cross
    below; slopes strictly decrease, so at most :math:`m` steps); each cell interval and its
    eroded sub-interval (distance :math:`\ge \varepsilon`) come from intersecting half-lines,
    and the eps-boundary on the line is the complement of the union of the eroded intervals.
    Perimeter: by the coarea formula for the projection along :math:`e_a`,
    :math:`E_w[\sum_{\text{crossings}} \psi(n)\varphi(t)] = \int_S \psi(n)\,|e_a\cdot n|\,
    \varphi_k\, dH^{k-1}`; summing over the axes with
    :math:`\psi(n) = 1/\sum_a |e_a\cdot n|` (``interface_weights``, bounded by 1) gives an
    unbiased estimator of the perimeter.

Perimeter and cell measures need no eps layer: called with an empty ``eps`` (``ne = 0``) the
kernels skip the eroded intervals and the second side of each facet, and return the same
perimeter and cell values.

Reproducibility: the kernels draw nothing; the caller passes the Gaussian points, drawn from
its own generator, and each point's outputs do not depend on how points are split between
threads (the parallel variants write per-point results; sums are taken afterwards in order).

Accuracy: interval end points are computed separately, so a layer of width ``h`` on a line
carries a rounding error of about ``1e-16 |t| / h`` relative; for the facet lines the
full-width layers use the exact width ``eps`` (precomputed by :func:`facet_tables`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ._linalg import pairwise_distances
from ._simplex_exact import gauss_interval

__all__ = [
    "lines_kernel",
    "lines_kernel_parallel",
    "interface_weights",
    "facet_kernel",
    "facet_kernel_parallel",
    "facet_coefficients",
    "facet_tables",
]

_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GLX, _GLW = np.polynomial.legendre.leggauss(6)
_CHUNK = 256  # points per parallel task (results do not depend on it)


@njit(cache=True)
def _gauss_width(a, h):
    """Phi(a + h) - Phi(a) for h >= 0 (a may be -inf, h may be inf), without cancellation.

    The width is separate so that a thin layer keeps its digits. Short intervals use
    6-point Gauss-Legendre on the density, the others the tail on their side of 0.
    """
    if not (h > 0.0):
        return 0.0
    b = a + h
    big = max(abs(a), abs(b))
    if h < math.inf and h * (big + 1.0) < 0.25:
        r = 0.5 * h
        c = a + r
        s = 0.0
        for q in range(6):
            x = c + r * _GLX[q]
            s += _GLW[q] * math.exp(-0.5 * x * x)
        return r * s * _INV_SQRT_2PI
    if a >= 0.0:
        return 0.5 * (math.erfc(a / _SQRT2) - math.erfc(b / _SQRT2))
    if b <= 0.0:
        return 0.5 * (math.erfc(-b / _SQRT2) - math.erfc(-a / _SQRT2))
    return 1.0 - 0.5 * math.erfc(b / _SQRT2) - 0.5 * math.erfc(-a / _SQRT2)


@njit(cache=True)
def _gauss_interval(a, b):
    """Phi(b) - Phi(a) for a <= b (0 otherwise); end points may be infinite."""
    if not (a < b):
        return 0.0
    if a == -math.inf:
        if b == math.inf:
            return 1.0
        return 0.5 * math.erfc(-b / _SQRT2)
    return _gauss_width(a, b - a)


@njit(cache=True)
def _one_line(a, b, D, W, eps, Rb, out_eps, out_cells, want_cells):
    """Add the exact 1-D Gaussian measures of one line (scores a + b t) to the outputs.

    Returns the line's perimeter term: sum over its crossings of W[i, j] * phi(t).
    """
    m = a.shape[0]
    ne = eps.shape[0]
    # Start of the walk: the minimal score at t -> -inf has the largest slope (ties: lowest a).
    i = 0
    for j in range(1, m):
        if b[j] > b[i] or (b[j] == b[i] and a[j] < a[i]):
            i = j
    perim = 0.0
    for e in range(ne):
        Rb[e] = -math.inf  # right end of the previous non-empty eroded interval
    for _ in range(m):
        lo = -math.inf
        hi = math.inf
        nxt = -1
        for j in range(m):
            if j == i:
                continue
            al = a[j] - a[i]
            be = b[j] - b[i]
            if be < 0.0:
                t = -al / be
                if t < hi or (t == hi and nxt >= 0 and b[j] < b[nxt]):
                    hi = t
                    nxt = j
            elif be > 0.0:
                t = -al / be
                if t > lo:
                    lo = t
            elif al < 0.0:
                lo = math.inf
        if lo < hi:
            if want_cells:
                out_cells[i] += _gauss_interval(lo, hi)
            for e in range(ne):
                # Eroded interval {t : al + be t >= 2 eps D_ij for all j}, inside [lo, hi].
                L = -math.inf
                R = math.inf
                c2 = 2.0 * eps[e]
                for j in range(m):
                    if j == i:
                        continue
                    al = a[j] - a[i]
                    be = b[j] - b[i]
                    thr = c2 * D[i, j]
                    if be > 0.0:
                        t = (thr - al) / be
                        if t > L:
                            L = t
                    elif be < 0.0:
                        t = (thr - al) / be
                        if t < R:
                            R = t
                    elif al < thr:
                        L = math.inf
                if L < R:
                    # The gap since the previous eroded interval lies in the eps-boundary.
                    out_eps[e] += _gauss_interval(Rb[e], L)
                    Rb[e] = R
            if hi < math.inf:
                perim += W[i, nxt] * math.exp(-0.5 * hi * hi) * _INV_SQRT_2PI
        if nxt < 0:
            break
        i = nxt
    for e in range(ne):
        out_eps[e] += _gauss_interval(Rb[e], math.inf)
    return perim


@njit(cache=True)
def _points_range(S, sq, D, W, eps, P, start, stop, out_eps, out_cells, out_perim, want_cells):
    m, k = S.shape
    ne = eps.shape[0]
    a0 = np.empty(m)
    a = np.empty(m)
    Rb = np.empty(ne)
    le = np.empty(ne)
    lc = np.empty(m)
    B = np.empty((k, m))
    for c in range(k):
        for i in range(m):
            B[c, i] = -2.0 * S[i, c]
    for n in range(start, stop):
        for i in range(m):
            s = 0.0
            for c in range(k):
                s += S[i, c] * P[n, c]
            a0[i] = sq[i] - 2.0 * s
        for e in range(ne):
            le[e] = 0.0
        if want_cells:
            for i in range(m):
                lc[i] = 0.0
        perim = 0.0
        for ax in range(k):
            # Line through P[n] along axis ax: z = w + t e_ax with w = P[n] - P[n, ax] e_ax,
            # scores a_i + b_i t with b_i = -2 S[i, ax] and a_i = a0_i + 2 P[n, ax] S[i, ax].
            g = P[n, ax]
            for i in range(m):
                a[i] = a0[i] + 2.0 * g * S[i, ax]
            perim += _one_line(a, B[ax], D, W, eps, Rb, le, lc, want_cells)
        for e in range(ne):
            out_eps[n, e] = le[e] / k
        if want_cells:
            for i in range(m):
                out_cells[n, i] = lc[i] / k
        out_perim[n] = perim


@njit(cache=True)
def lines_kernel(S, sq, D, W, eps, P, out_eps, out_cells, out_perim, want_cells):
    """Serial kernel: per-point line averages for the Gaussian points ``P`` (n, k)."""
    _points_range(S, sq, D, W, eps, P, 0, P.shape[0], out_eps, out_cells, out_perim, want_cells)


@njit(cache=True, parallel=True)
def lines_kernel_parallel(S, sq, D, W, eps, P, out_eps, out_cells, out_perim, want_cells):
    """Parallel kernel (prange over chunks of points); same outputs as ``lines_kernel``."""
    n = P.shape[0]
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    for c in prange(n_chunks):
        start = c * _CHUNK
        stop = min(n, start + _CHUNK)
        _points_range(S, sq, D, W, eps, P, start, stop, out_eps, out_cells, out_perim, want_cells)


def interface_weights(S):
    r"""``W[i, j] = 1 / sum_a |n_a|`` for the unit normal ``n = (s_j - s_i)/|s_j - s_i|``."""
    S = np.asarray(S, float)
    diff = S[None, :, :] - S[:, None, :]
    nrm = pairwise_distances(S)
    np.fill_diagonal(nrm, 1.0)
    W = nrm / np.sum(np.abs(diff), axis=-1).clip(min=1e-300)
    np.fill_diagonal(W, 0.0)
    return W


# ----------------------------------------------------------------------------- facet lines
def facet_coefficients(S):
    r"""Per ordered pair (o, p) and other seed l, the affine map giving the facet-line bounds.

    On the line through a point :math:`g` along :math:`n = (s_p - s_o)/D_{op}`, the point
    :math:`z(t)` of cell :math:`o` has the bisector of (o, p) as nearest one exactly when
    :math:`t \ge T_{opl}(g)` for every other :math:`l`, with
    :math:`T_{opl}(g) = A + B\, g\cdot s_l + E\, g\cdot s_p + F\, g \cdot s_o`.

    Returns
    -------
    coef : ndarray, shape (m, m, m, 4)
        ``(A, B, E, F)``; ``A = -inf`` (and zeros) where the constraint always holds
        (l = o, l = p, or a parallel bisector behind), ``A = +inf`` where it never does.
    H : ndarray, shape (m, m)
        ``H[o, p] = (|s_p|^2 - |s_o|^2) / (2 D_op)``: the bisector sits at ``t = H[o, p]``.
    """
    S = np.asarray(S, float)
    m = S.shape[0]
    sq = np.einsum("ij,ij->i", S, S)
    Gm = S @ S.T
    D = pairwise_distances(S)
    with np.errstate(divide="ignore", invalid="ignore"):
        H = (sq[None, :] - sq[:, None]) / (2.0 * D)
    np.fill_diagonal(H, 0.0)
    coef = np.zeros((m, m, m, 4))
    coef[..., 0] = -np.inf
    for o in range(m):
        for p in range(m):
            if p == o:
                continue
            dop = D[o, p]
            h = H[o, p]
            for l in range(m):
                if l == o or l == p:
                    continue
                dol = D[o, l]
                C = (Gm[p, l] - Gm[o, l] - Gm[p, o] + Gm[o, o]) / dop  # n . (s_l - s_o)
                slope = 1.0 - C / dol
                c0 = (sq[l] - sq[o]) / (2.0 * dol)
                if slope <= 1e-13:
                    # Bisector (o, l) parallel to (o, p): always behind it or always in front.
                    coef[o, p, l, 0] = -np.inf if dol > dop else np.inf
                    continue
                Bc = 1.0 / (dol * slope)
                Ec = -C / (dol * dop * slope)
                coef[o, p, l] = ((h - c0) / slope, Bc, Ec, -Bc - Ec)
    return coef, H


def facet_tables(H, eps):
    """``phih = phi(H)`` (m, m) and ``full[o, p, e] = Phi(H[o, p]) - Phi(H[o, p] - eps[e])``."""
    H = np.asarray(H, float)
    eps = np.atleast_1d(np.asarray(eps, float))
    phih = np.exp(-0.5 * H * H) * _INV_SQRT_2PI
    full = gauss_interval(H[:, :, None] - eps[None, None, :], np.broadcast_to(eps, H.shape + eps.shape))
    return phih, np.ascontiguousarray(full)


@njit(cache=True, inline="always")
def _line_coord(coef, o, p, l, gl, gp, go):
    """Where constraint ``l`` cuts the facet line of cell ``o`` along ``s_p - s_o`` (the
    line's coordinate ``t``; the line starts after the largest of these)."""
    return coef[o, p, l, 0] + coef[o, p, l, 1] * gl + coef[o, p, l, 2] * gp + coef[o, p, l, 3] * go


@njit(cache=True, inline="always")
def _line_start(coef, o, p, gs, gp, go):
    """``L_op``: the largest cut of all the constraints on the facet line (o, p)."""
    L = -math.inf
    for l in range(gs.shape[0]):
        L = max(L, _line_coord(coef, o, p, l, gs[l], gp, go))
    return L


@njit(cache=True, inline="always")
def _nearest(sq, gs, skip):
    """The seed with the smallest score ``|s_i|^2 - 2 s_i . g`` other than ``skip`` (-1 if none)."""
    best = math.inf
    arg = -1
    for i in range(gs.shape[0]):
        sc = sq[i] - 2.0 * gs[i]
        if i != skip and sc < best:
            best = sc
            arg = i
    return arg


@njit(cache=True)
def _squared_norms(S):
    m, k = S.shape
    sq = np.empty(m)
    for i in range(m):
        t = 0.0
        for c in range(k):
            t += S[i, c] * S[i, c]
        sq[i] = t
    return sq


@njit(cache=True)
def _facet_range(Sr, coef, H, phih, full, eps, P, start, stop, out_eps, out_perim):
    n_rot, m, k = Sr.shape
    sq = _squared_norms(Sr[0])
    ne = eps.shape[0]
    gs = np.empty(m)
    le = np.empty(ne)
    for n in range(start, stop):
        for e in range(ne):
            le[e] = 0.0
        perim = 0.0
        for r in range(n_rot):
            for i in range(m):
                s = 0.0
                for c in range(k):
                    s += Sr[r, i, c] * P[n, c]
                gs[i] = s  # s_i . (Q_r g): the point Q_r g, again standard Gaussian
            # The cell of the point is the most likely to cut a facet line short: test it first.
            c0 = _nearest(sq, gs, -1)
            for o in range(m):
                go = gs[o]
                for p in range(o + 1, m):
                    h = H[o, p]  # the bisector sits at t = h on the line along s_p - s_o
                    gp = gs[p]
                    # The facet is hit iff the projection of the point on the bisector lies
                    # in both cells, iff L_op <= h (iff L_po <= h_po): test one side only.
                    if c0 != o and c0 != p and _line_coord(coef, o, p, c0, gs[c0], gp, go) > h:
                        continue
                    L = _line_start(coef, o, p, gs, gp, go)
                    if not (L <= h):
                        continue
                    perim += phih[o, p]
                    if ne == 0:  # a perimeter call: the other side is needed for eps only
                        continue
                    # The other side: cell p, line along s_o - s_p, bisector at t = H[p, o] = -h.
                    h2 = H[p, o]
                    L2 = _line_start(coef, p, o, gs, go, gp)
                    for e in range(ne):
                        ev = eps[e]
                        if L <= h - ev:
                            le[e] += full[o, p, e]
                        else:
                            le[e] += _gauss_width(L, h - L)
                        if L2 <= h2 - ev:
                            le[e] += full[p, o, e]
                        elif L2 < h2:
                            le[e] += _gauss_width(L2, h2 - L2)
        for e in range(ne):
            out_eps[n, e] = le[e] / n_rot
        out_perim[n] = perim / n_rot


@njit(cache=True)
def facet_kernel(Sr, coef, H, phih, full, eps, P, out_eps, out_perim):
    """Serial facet-line kernel for the Gaussian points ``P`` (n, k).

    ``Sr`` (R, m, k) holds the seeds times R fixed orthogonal matrices ``Q_r`` (``Sr[0]`` the
    seeds themselves when ``Q_0 = I``): each drawn point ``g`` is used as the R standard
    Gaussian points ``Q_r g`` and the outputs are their averages (cheaper than R draws).

    ``coef, H`` from :func:`facet_coefficients`; ``phih = phi(H)``; ``full[o, p, e]`` the
    Gaussian measure of ``[H[o, p] - eps[e], H[o, p]]`` (see :func:`facet_tables`).
    Outputs: ``out_eps`` (n, ne) and ``out_perim`` (n,), as :func:`facet_reference`.
    """
    _facet_range(Sr, coef, H, phih, full, eps, P, 0, P.shape[0], out_eps, out_perim)


@njit(cache=True, parallel=True)
def facet_kernel_parallel(Sr, coef, H, phih, full, eps, P, out_eps, out_perim):
    """Parallel facet-line kernel (prange over chunks of points); same outputs as the serial one."""
    n = P.shape[0]
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    for c in prange(n_chunks):
        start = c * _CHUNK
        stop = min(n, start + _CHUNK)
        _facet_range(Sr, coef, H, phih, full, eps, P, start, stop, out_eps, out_perim)
