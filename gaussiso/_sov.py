r"""Semi-analytic route for Voronoi partitions whose seeds are affinely independent.

Cells as simplicial cones
-------------------------
Reduce the partition to the span of its seed differences, :math:`\mathbb{R}^k`, where the
Gaussian is standard. When the ``m`` seeds are affinely independent, :math:`k = m - 1` and
cell :math:`i` is :math:`\{y : n_{ij}\cdot y \le h_{ij},\ j \ne i\}` with ``k`` linearly
independent unit normals :math:`n_{ij} = (s_j - s_i)/\|s_j - s_i\|` and offsets
:math:`h_{ij} = n_{ij}\cdot(s_i + s_j)/2`: a simplicial cone with apex the circumcentre.
:math:`W = (n_{ij}\cdot Y)_j \sim N(0, R_i)` with the correlation matrix
:math:`R_i = N_i N_i^T`, so

.. math:: \gamma(A_i) = \Phi_k(h_i; R_i), \qquad
          \gamma(\partial^\varepsilon) = \sum_i \big[\Phi_k(h_i; R_i)
          - \Phi_k(h_i - \varepsilon; R_i)\big] = 1 - \sum_i \Phi_k(h_i - \varepsilon; R_i),

because in a convex cell the distance to the other cells is :math:`\min_j (h_{ij} -
n_{ij}\cdot y)`, so the eps-interior of cell ``i`` is :math:`\{W \le h_i - \varepsilon\}`.
The perimeter is half the slope of the eps-boundary at 0,
:math:`P_\gamma = -\tfrac12 \sum_i \frac{d}{dt}\Phi_k(h_i - t\mathbf 1; R_i)|_{t=0}`, estimated by
differentiating the SOV integrand of every cell along the common shift of its limits (forward
mode, same points, :math:`O(k^2)` per cell: the integrand is smooth in the limits with a bounded
derivative, so the pathwise derivative is unbiased). An independent check, kept for the tests
(quantity ``"facets"``): each facet :math:`(i, j)` carries the Gaussian area
:math:`\varphi(h_{ij})\,\Phi_{k-1}(h_{i,-j} - R_{-j,j} h_{ij};\ R_{-j,-j} - R_{-j,j}R_{j,-j})`
(the component along :math:`n_{ij}` is independent of the orthogonal part), which both of its
cells give; summing the facets gives the perimeter too, at :math:`O(m k^3)` per point.

Estimating :math:`\Phi_k`
-------------------------
Genz's separation of variables (:mod:`gaussiso._sov_kernels`; Cholesky factor with the
Genz-Bretz reordering, smallest conditional probability first, fixed per cell from the limits
:math:`h_i`) at randomized quasi-Monte Carlo points: ``R = 32`` independent randomizations
(linear matrix scrambling and digital shift of one Sobol sequence, as in
:mod:`gaussiso._qmc`, plus a uniform jitter below the last bit) of ``N`` points each. The
same points serve every cell and every eps (common random numbers),
so per point the eps-band value :math:`X_\varepsilon = \sum_i [f_i(w; h_i) -
f_i(w; h_i - \varepsilon)]` is :math:`O(\varepsilon)` and small eps keeps its relative
accuracy. With :math:`C = \sum_i f_i(w; h_i)` (known mean 1) the estimate is

.. math:: Z_\varepsilon = X_\varepsilon - \beta_\varepsilon (C - 1)
          = (1 - \beta_\varepsilon) X_\varepsilon + \beta_\varepsilon (1 - Y_\varepsilon),

:math:`Y_\varepsilon = \sum_i f_i(w; h_i - \varepsilon)`, with :math:`\beta_\varepsilon \in
[0, 1]` the regression coefficient fitted on a separate pilot of independent uniform points
(so it is a constant given the pilot and :math:`Z` is unbiased; the pilot is
``PILOT_RANDS = 8`` independent randomizations of the first 8 Sobol points). Cell measures use the same
control variate per cell with unclipped coefficients, which sum to 1, so the cell estimates
sum to 1 up to rounding. Value and standard error are the mean and :math:`\mathrm{sd}/\sqrt R`
of the ``R`` replicate means; eps-boundary values are finally clipped to ``[0, 1]``.

Wide bands take a second form, :math:`1 - Y_\varepsilon` alone, with each problem
:math:`\Phi_k(h_i - \varepsilon; R_i)` in the Genz-Bretz order of its own limits: it skips
the evaluations of :math:`C` (half the work for one eps), and when the band holds most of the
mass :math:`\beta_\varepsilon` is near 1, so :math:`Z_\varepsilon` is nearly that anyway. The
pilot evaluates both forms at the same points and the cheaper one to reach the target is
taken (:func:`_prefer_tail`: work times the points needed, from the spread of the pilot's
replicate means, not single points, because the QMC points gain more on ``1 - Y`` than on
the control-variate form; at the floor of points the cheaper work wins). Measured on the
benchmark's case A at rtol 1e-3: eps = 1.0 and 1.5 take it, twice as fast; eps <= 0.6 keep
the control-variate form (there ``1 - Y`` has 2.5 to 60 times its variance at 1024 points).
With several eps the problems' orders differ between eps, so the curve is no longer
monotone point by point (only within its errors).
(Antithetic pairs :math:`w, 1 - w` were measured and dropped: at equal cost, doubling ``N``
gave a smaller standard error.)

Sampling
--------
``n_samples`` counts the points (pilot excluded): ``R`` times a power of two, at least
``N = 32`` per randomization (with 8 the replicate means of a wide band on a cone were
skewed enough to bring the coverage of 95% intervals down to about 0.88; with 32 it is about
0.91 there and 0.94 elsewhere). With ``rtol``: after ``N = 32``, when at most ``R`` more
randomizations are projected to reach the target they are added, else ``N`` doubles (the
first ``2N`` Sobol points extend the first ``N``), until the worst relative standard error is
at most ``rtol`` or the cap is reached (RuntimeWarning).

Conditioning
------------
The route needs ``k = m - 1`` (:meth:`VoronoiPartition.reduce`) and, for every cell, a
smallest singular value of its normal matrix :math:`N_i` of at least ``MIN_SINGULAR = 1e-3``:
the Cholesky pivots are at least that, and below it the integrand has features narrower than
the point spacing (RQMC loses its advantage and rounding in :math:`h/L_{jj}` grows). Between
``1e-3`` and ``AUTO_MIN_SINGULAR = 1e-2`` the route is right but slow (measured on five seeds
in R^4, the fifth close to the hyperplane of the others: at smallest singular value 0.0014
it needed 100 times the points and 20 times the time of ``"rqmc"`` for a relative standard
error of 1e-3, at 0.0036 3 times the time, at 0.02 it was 1.8 times faster), so ``"auto"``
takes it only above ``1e-2``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import qmc

from . import _sov_kernels as SK
from ._partition import MAX_MC_SCALE, VoronoiPartition
from ._qmc import _fit_beta, _lms_rows, grow_to_rtol
from ._qmc_kernels import scramble_uniform
from ._rng import as_generator

__all__ = ["AUTO_MIN_SINGULAR", "MIN_SINGULAR", "N_RANDOMIZATIONS", "sov_problem", "sov_estimate", "sov_reason"]

MIN_SINGULAR = 1e-3
"""Smallest allowed singular value of a cell's matrix of unit facet normals."""
AUTO_MIN_SINGULAR = 1e-2
"""The same, for ``method="auto"`` to take this route."""
N_RANDOMIZATIONS = 32
"""Independent randomizations behind every estimate (their spread gives the stderr)."""
N_PILOT = 64
"""Points of the pilot that fits the control-variate coefficients (and, for eps-boundaries,
chooses the form): ``PILOT_RANDS`` independent randomizations of the first
``N_PILOT / PILOT_RANDS`` Sobol points, independent of the estimate's randomizations."""
PILOT_RANDS = 8
_MIN_LOG2 = 5  # at least 32 points per randomization (fewer: heavy-tailed replicate means)
_CHUNK_FLOATS = 2**22  # uniforms per kernel call
_SERIAL_EVALS = 2**12  # integrand evaluations below which a call stays in the calling thread
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


class _Problem:
    """Cells (and facets) of an affinely independent partition as normal-CDF problems."""

    def __init__(self, S):
        m, k = S.shape
        self.m, self.k = m, k
        Ls = np.zeros((m, k, k))
        bs = np.zeros((m, k))
        self.R = []
        self.h = []
        self.smallest_sv = math.inf
        perm = np.empty(k, dtype=np.int64)
        for i in range(m):
            others = [j for j in range(m) if j != i]
            diff = S[others] - S[i]
            nrm = np.linalg.norm(diff, axis=1)
            N = diff / nrm[:, None]
            h = np.einsum("jc,jc->j", N, 0.5 * (S[others] + S[i]))
            sv = np.linalg.svd(N, compute_uv=False)
            self.smallest_sv = min(self.smallest_sv, float(sv[-1]))
            R = N @ N.T
            np.fill_diagonal(R, 1.0)
            self.R.append(R)
            self.h.append(h)
            SK.order_cholesky(R, h, Ls[i], bs[i], perm)
        self.L, self.b = Ls, bs

    def facets(self):
        """The (k-1)-variate conditional problems of every facet side (cell i, neighbour j:
        row ``i k + a``), their weights ``phi(h_ij) / 2`` (each facet seen from its two cells)
        and the facets as pairs ``(min(i, j), max(i, j))``."""
        m, k = self.m, self.k
        q = k - 1
        L = np.zeros((m * k, max(q, 1), max(q, 1)))
        b = np.zeros((m * k, max(q, 1)))
        wt = np.empty(m * k)
        pair = np.empty((m * k, 2), dtype=np.int64)
        perm = np.empty(max(q, 1), dtype=np.int64)
        t = 0
        for i in range(self.m):
            others = [j for j in range(m) if j != i]
            R, h = self.R[i], self.h[i]
            for a in range(k):
                rest = [c for c in range(k) if c != a]
                r = R[rest, a]
                wt[t] = 0.5 * math.exp(-0.5 * h[a] ** 2) * _INV_SQRT_2PI
                pair[t] = (min(i, others[a]), max(i, others[a]))
                if q > 0:
                    Sc = R[np.ix_(rest, rest)] - np.outer(r, r)
                    SK.order_cholesky(Sc, h[rest] - r * h[a], L[t], b[t], perm)
                else:  # k = 1: the facet is a point, its conditional probability is 1
                    L[t, 0, 0] = 1.0
                    b[t, 0] = math.inf
                t += 1
        return L, b, wt, pair


def sov_reason(p: VoronoiPartition):
    """``(None, problem)`` when the route applies, else ``(reason, None)`` (computed once per
    partition: partitions are immutable)."""
    if p._sov is None:
        p._sov = _sov_reason(p)
    return p._sov


def _sov_reason(p):
    if not p.is_cone and p._scale > MAX_MC_SCALE:  # h from differences of huge seeds: rounding
        return (
            f"its seeds have norm up to {p._scale:.3g} > MAX_MC_SCALE = {MAX_MC_SCALE:g} and are not a "
            "cone (the offsets h_ij would be swamped by rounding)",
            None,
        )
    red, _ = p.reduce()
    k, m = red.d, red.m
    if k < m - 1:
        return (
            f"its m = {m} seeds are not affinely independent (they span {k} < m - 1 = {m - 1} "
            "dimensions, so the cells are not simplicial cones)",
            None,
        )
    prob = _Problem(np.array(red.seeds, dtype=float))
    if not prob.smallest_sv >= MIN_SINGULAR:
        return (
            f"its seeds are nearly affinely dependent: a cell's unit facet normals have smallest "
            f"singular value {prob.smallest_sv:.3g} < MIN_SINGULAR = {MIN_SINGULAR:g}",
            None,
        )
    return None, prob


def sov_problem(p: VoronoiPartition):
    """The problem, or ValueError saying why the route does not apply."""
    why, prob = sov_reason(p)
    if why is not None:
        raise ValueError(
            f"method='sov' needs affinely independent, well-conditioned seeds, but {why}; use method='auto'"
        )
    return prob


_SOBOL: dict = {}
_SOBOL_CACHE_INTS = 2**17  # per dimension (1 MiB); longer prefixes are generated on every call


def _sobol_ints(qw, n):
    """The first ``n`` (a power of two) points of the unscrambled ``qw``-dimensional Sobol
    sequence as 30-bit integers, read-only (deterministic, so shortish prefixes are cached)."""
    X = _SOBOL.get(qw)
    if X is None or X.shape[0] < n:
        n2 = 1 << max(0, int(n - 1).bit_length())
        X = np.rint(qmc.Sobol(qw, scramble=False, bits=30).random(n2) * 2.0**30).astype(np.uint64)
        X.setflags(write=False)
        if n2 * qw <= _SOBOL_CACHE_INTS:
            _SOBOL[qw] = X
    return X[:n]


class _Points:
    """One Sobol sequence of dimension ``qw`` (its first ``N`` points so far) and its
    independent randomizations (linear matrix scrambling, digital shift, uniform jitter)."""

    def __init__(self, qw, g):
        self.qw = qw
        self.g = g
        self.X = np.empty((0, qw), dtype=np.uint64)
        self.rows = np.empty((0, qw, 30), dtype=np.uint64)
        self.shift = np.empty((0, qw), dtype=np.uint64)

    @property
    def n(self):
        return self.X.shape[0]

    @property
    def R(self):
        return self.rows.shape[0]

    def add_points(self, n_new):
        """Extend the sequence by ``n_new`` points; returns their rows of ``X``."""
        start = self.n
        self.X = _sobol_ints(self.qw, start + n_new)
        return self.X[start:]

    def add_rands(self, count):
        """Draw ``count`` new randomizations; returns their indices."""
        self.rows = np.concatenate([self.rows, _lms_rows(self.g, count, self.qw)])
        self.shift = np.concatenate([self.shift, self.g.integers(0, 2**30, size=(count, self.qw), dtype=np.uint64)])
        return range(self.R - count, self.R)

    def uniforms(self, X, rands):
        """The points ``X`` under the randomizations ``rands``, shape (len(rands), n, qw)."""
        U = np.empty((len(rands), X.shape[0], self.qw))
        for i, r in enumerate(rands):
            scramble_uniform(X, self.rows[r], self.shift[r], self.g.random(X.shape), U[i])
        return np.clip(U, 2.0**-60, 1.0 - 2.0**-53)


def _prefer_tail(z_cv, z_tail, rtol):
    """Whether the pilot says ``1 - Y`` alone (own variable orders) costs less than the
    control-variate form ``Z`` to reach the target.

    ``z_cv``, ``z_tail`` (PILOT_RANDS, n, ne): the two estimators at the pilot's points, per
    randomization. The control-variate form evaluates ``ne + 1`` limits per cell and point,
    ``1 - Y`` only ``ne``. Cost = that work times the points needed: the worst relative
    variance of the replicate means (times ``n``: as if the variance fell like ``1 / N``)
    over ``rtol**2``, at least the floor of ``N_RANDOMIZATIONS`` x 32 points (without
    ``rtol``, the same number of points for both: compare variance times work). Replicate
    means, not single points: how much the QMC points gain differs between the two forms
    (the control variate gains less from them).
    """
    n, ne = z_cv.shape[1], z_cv.shape[2]
    val = np.maximum(np.abs(z_cv.mean(axis=(0, 1))), 1e-300)
    v = [float(np.max(z.mean(axis=1).var(axis=0, ddof=1) * n / val**2)) for z in (z_cv, z_tail)]
    if rtol is None:
        n_cv, n_tail = v
    else:
        floor = N_RANDOMIZATIONS * 2**_MIN_LOG2
        n_cv, n_tail = (max(floor, vv / rtol**2) for vv in v)
    return bool(n_tail * ne < n_cv * (ne + 1))


def _one_minus_y(raw, m):
    """``1 - Y_eps`` per replicate from sums over the problems ``(cell i, eps e)`` of
    :func:`_shifted_problems` (row ``i ne + e``): ``raw`` (R, m ne, 1) -> (R, ne)."""
    return 1.0 - raw[:, :, 0].reshape(raw.shape[0], m, -1).sum(axis=1)


def _shifted_problems(prob, eps):
    """Cholesky factors and limits of the problems ``Phi_k(h_i - eps_e; R_i)``, row ``i ne + e``,
    each with the variable order of its own limits."""
    m, k, ne = prob.m, prob.k, eps.shape[0]
    L = np.zeros((m * ne, k, k))
    b = np.zeros((m * ne, k))
    perm = np.empty(k, dtype=np.int64)
    for i in range(m):
        for e in range(ne):
            SK.order_cholesky(prob.R[i], prob.h[i] - eps[e], L[i * ne + e], b[i * ne + e], perm)
    return L, b


def sov_estimate(prob, quantity, eps, *, n_samples, rtol, rng, n_rand=N_RANDOMIZATIONS):
    """Estimates for ``quantity`` in {"eps", "cells", "perim", "facets"}.

    Returns ``(value, stderr, n_total)``: arrays of shape (ne,) for "eps", (m,) for "cells",
    (1,) for "perim" (the slope estimator), and for "facets" (the per-side facet areas, an
    independent check for the tests) shape (m k,) with the pairs in ``prob.facets()[3]``.
    """
    g = as_generator(rng)
    k = prob.k
    eps = np.asarray(eps, dtype=float).reshape(-1)
    if quantity in ("eps", "cells", "perim"):
        L, b = prob.L, prob.b
        shifts = np.concatenate([[0.0], eps]) if quantity == "eps" else np.zeros(1)
        q = k
    else:
        L, b, wt, _ = prob.facets()
        shifts = np.zeros(1)
        q = k - 1
    qw = max(q - 1, 1)
    tail = False  # "eps" estimated as 1 - Y alone (no C, no control variate), see below

    def combine(raw):
        """raw (R, P, ne) means -> the per-replicate quantities before the control variate."""
        if tail:
            return _one_minus_y(raw, prob.m), None
        if quantity == "eps":
            tot = raw.sum(axis=1)  # (R, 1 + ne_eps): C, Y_eps
            c = tot[:, 0]
            return c[:, None] - tot[:, 1:], c  # X = C - Y
        if quantity == "cells":
            return raw[:, :, 0], raw[:, :, 0].sum(axis=1)
        if quantity == "perim":  # d gamma(band) / d eps at 0 is 2 P
            return -0.5 * raw[:, :, 0].sum(axis=1, keepdims=True), None
        return raw[:, :, 0] * wt[None, :] * 2.0, None  # each side's own estimate of the facet's area

    def kernel(U, L, b, shifts):
        U = np.ascontiguousarray(U)
        out = np.empty((U.shape[0], L.shape[0], shifts.shape[0]))
        if quantity == "perim":
            SK.sov_slope_sums(U, L, b, out[:, :, 0])
        elif out.size * U.shape[1] <= _SERIAL_EVALS:
            SK.sov_sums_serial(U, L, b, shifts, out)
        else:
            SK.sov_sums(U, L, b, shifts, out)
        return out

    beta = None
    if quantity in ("eps", "cells"):
        pp = _Points(qw, g)
        pp.add_rands(PILOT_RANDS)
        pilot = pp.uniforms(_sobol_ints(qw, N_PILOT // PILOT_RANDS), range(PILOT_RANDS)).reshape(N_PILOT, 1, qw)
        x, c = combine(kernel(pilot, L, b, shifts))
        beta = _fit_beta(x, c)
        if quantity == "eps":
            beta = np.clip(beta, 0.0, 1.0)
            # Wide bands: Y is then small beside C and when the control variate's coefficient
            # is near 1, Z is nearly 1 - Y and C is not worth its evaluations. 1 - Y alone is
            # estimated with each (cell, eps) problem in the Genz-Bretz order of its own limits
            # h_i - eps (C's order serves the difference form), and chosen when the pilot
            # (same points, both forms) says it is cheaper.
            Lt, bt = _shifted_problems(prob, eps)
            z_tail = _one_minus_y(kernel(pilot, Lt, bt, np.zeros(1)), prob.m)
            z_cv = x - (c[:, None] - 1.0) * beta[None, :]
            shape = (PILOT_RANDS, N_PILOT // PILOT_RANDS, -1)
            tail = _prefer_tail(z_cv.reshape(shape), z_tail.reshape(shape), rtol)
    if tail:
        L, b, shifts, beta = Lt, bt, np.zeros(1), None

    pts = _Points(qw, g)
    sums = np.zeros((0, L.shape[0], shifts.shape[0]))

    def run(X, rands):
        tot = np.zeros((len(rands), L.shape[0], shifts.shape[0]))
        step = max(1, _CHUNK_FLOATS // (len(rands) * qw))
        for start in range(0, X.shape[0], step):
            tot += kernel(pts.uniforms(X[start : start + step], rands), L, b, shifts)
        return tot

    def grow_points(n_new):  # the next n_new points of the sequence, every randomization
        nonlocal sums
        sums = sums + run(pts.add_points(n_new), range(pts.R))

    def grow_rands(count):  # new randomizations over all the points so far
        nonlocal sums
        sums = np.concatenate([sums, run(pts.X, pts.add_rands(count))])

    def stats():
        x, c = combine(sums / pts.n)
        if beta is not None:
            x = x - (c[:, None] - 1.0) * beta[None, :]
        return x.mean(axis=0), x.std(axis=0, ddof=1) / math.sqrt(pts.R)

    pts.add_rands(n_rand)
    sums = np.zeros((n_rand, L.shape[0], shifts.shape[0]))
    if rtol is None:
        per = max(2**_MIN_LOG2, -(-n_samples // n_rand))
        grow_points(1 << int(math.ceil(math.log2(per))))
        val, se = stats()
    else:
        grow_points(2**_MIN_LOG2)
        val, se = grow_to_rtol(stats, lambda: (pts.n, pts.R), grow_points, grow_rands, rtol, n_samples)
    if quantity == "eps":
        val = np.clip(val, 0.0, 1.0)
    return val, se, pts.n * pts.R
