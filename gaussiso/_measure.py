r"""Gaussian measures of Voronoi partitions: cells, eps-boundaries, perimeters.

Conventions
-----------
* :math:`\gamma` is the standard Gaussian measure of :math:`\mathbb{R}^d`.
* The eps-boundary (Definition 3.4 of Issenhuth et al., 2023) of a partition
  :math:`\{A_i\}` is the set of points whose distance to the union of the *other* cells is
  ``< eps``; for a Voronoi partition this distance is the smallest bisector distance
  (:meth:`VoronoiPartition.boundary_distance`).
* The Gaussian perimeter is the sum over interfaces of their Gaussian-weighted
  :math:`(d-1)`-dimensional area, each interface counted once:

  .. math:: P_\gamma = \sum_{i<j} \int_{A_i \cap A_j} \varphi_d \, dH^{d-1}
            = \lim_{\varepsilon \to 0} \frac{\gamma(\partial^\varepsilon)}{2\varepsilon}.

  A hyperplane through the origin has :math:`P_\gamma = 1/\sqrt{2\pi}`. The paper's
  :math:`L_A = \lim \gamma(\partial^\varepsilon)/\varepsilon` is :math:`2 P_\gamma`.

Methods
-------
``"exact"``
    Closed forms and 1-D quadratures, for simplicial clusters (seeds of equal norm and equal
    pairwise distances, in any dimension, any rotation and scale: the cells are cones, see
    :mod:`gaussiso._simplex_exact`) and for any two-cell partition (a half-space).
``"mc-facet-lines"`` (the ``"mc"`` estimator of eps-boundaries and perimeters)
    For a standard Gaussian point :math:`g` of the reduced space and every ordered pair
    :math:`(o, p)`, take the line through :math:`g` along :math:`n = (s_p - s_o)/\|s_p - s_o\|`.
    On it the signed distance to the bisector of :math:`o, p` is :math:`h_{op} - t` (the line
    crosses it at the fixed abscissa :math:`h_{op}`), and the points of cell :math:`o` whose
    nearest bisector is that of :math:`p` form a half-line :math:`t \ge L_{op}(g)`. The
    eps-boundary splits (up to null sets) into these pieces, so the point's estimate is

    .. math:: X(g) = \sum_{o \ne p} \big[\Phi(h_{op}) - \Phi(\max(h_{op} - \varepsilon,
              L_{op}))\big]_+ ,

    unbiased because the line coordinate of a standard Gaussian along a fixed direction is
    :math:`N(0,1)` and independent of its orthogonal part. The same lines give the perimeter:
    :math:`\sum_{o<p} \varphi(h_{op}) 1\{L_{op} \le h_{op}\}` is the Gaussian area of the
    facets hit by the orthogonal projections of :math:`g`, an unbiased estimate of
    :math:`P_\gamma` (no finite-eps ratio). Each drawn point is used four times, as
    :math:`g, -g, Qg, -Qg` with one Haar rotation :math:`Q` per call (all standard Gaussian),
    and the average of the four is one independent sample (``n_samples`` counts draws).
    Cost :math:`O(m^2)` to :math:`O(m^3)` per point, so for ``m > 128`` the ``"mc"``
    estimator is ``"mc-lines"`` instead.
``"mc-lines"`` (the ``"mc"`` estimator of cell measures)
    The ``k`` lines through a Gaussian point along the axes of a random (Haar) rotation of the
    reduced space; on each line the cells are intervals (the lower envelope of affine
    scores), the eps-boundary a union of intervals, so each line's exact 1-D measures are
    sums of differences of :math:`\Phi`. Perimeter: crossings weighted by
    :math:`\varphi(t)/\sum_a |e_a \cdot n|` (an unbiased Crofton-type weighting; see
    :mod:`gaussiso._kernels`). Per-cell estimates sum to exactly 1.
``"rqmc"`` (what ``"auto"`` takes for eps-boundaries and perimeters when neither an exact route nor ``"sov"`` applies)
    The facet lines at randomized quasi-Monte Carlo points (scrambled Sobol, 32 independent
    randomizations whose spread gives the standard error), each point used in rotated copies,
    with the control variate :math:`C = \sum [\Phi(h_{op}) - \Phi(L_{op})]_+` of known
    mean 1; see :mod:`gaussiso._qmc`.
``"sov"`` (semi-analytic, for affinely independent seeds)
    When the ``m`` seeds are affinely independent (reduced dimension ``k = m - 1``) every cell
    is a simplicial cone and :math:`\gamma(A_i) = \Phi_k(h_i; R_i)`, a ``k``-variate normal
    CDF; the eps-boundary is :math:`1 - \sum_i \Phi_k(h_i - \varepsilon; R_i)` and the
    perimeter half its slope at 0. The CDFs are computed by Genz's separation of variables at
    randomized QMC points (32 scrambled Sobol sequences; the same points for every cell and
    every eps, the difference form with a control variate of mean 1): see
    :mod:`gaussiso._sov`. Cost :math:`O(m k^2)` per point. Refused (ValueError) when the seeds
    are not affinely independent, or nearly dependent (a cell's unit normals with smallest
    singular value below ``1e-3``).
Routes chosen by ``"auto"``
    Exact first: two cells (closed form), simplicial clusters (quadrature), and any partition
    whose seeds span at most 2 dimensions (reduced to its span, then :mod:`gaussiso.planar`).
    Then ``"sov"`` when the seeds are affinely independent and well conditioned (every cell's
    unit normals with smallest singular value at least ``1e-2``: below it the route is
    right but slower than ``"rqmc"``, see :mod:`gaussiso._sov`) and ``m`` is at
    most 32 (eps-boundaries, perimeters) or 48 (cell measures). At a relative standard error
    of 1e-3 (seeds ~ 0.6 N(0, I_96), eps 0.05 to 1, and the perimeter) it was measured 1.5 to
    6 times faster than ``"rqmc"`` at ``m = 10``, 0.9 to 3.6 times at ``m = 24``, even at
    ``m = 32`` and 1.4 to 2 times slower at ``m = 48`` (its cost grows like :math:`m^3` per
    point); on cell measures it reaches 1e-3 in seconds at ``m = 48``, where ``"mc-lines"``
    needs more than ``4 * 2**22`` points. Otherwise
    ``"rqmc"`` for eps-boundaries and perimeters (``m <= 128``), ``"mc-lines"`` for cell
    measures and for ``m > 128``.

Every Monte Carlo point is independent; the standard error is the sample standard deviation
of the per-point values over :math:`\sqrt n`. Random numbers come from the caller's ``rng``
only (drawn in the calling thread), so results do not depend on the number of Numba threads.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import special

from . import _kernels as K
from ._estimate import Estimate
from ._linalg import pairwise_distances
from ._partition import VoronoiPartition, check_partition, random_rotation
from ._rng import as_generator
from ._simplex_exact import gauss_interval, simplex_eps_boundary, simplex_perimeter
from ._validation import check_choice, check_n_samples, check_positive_float, check_real_array

__all__ = ["eps_boundary_measure", "cell_measures", "gaussian_perimeter", "isoperimetric_profile"]

DEFAULT_N_SAMPLES = 2**16
"""Default number of Monte Carlo points (each carrying many exact line integrals)."""
MAX_SAMPLES = 2**26
"""Cap on the number of points drawn when sampling to a target ``rtol``."""
_FACET_MAX_M = 128
# "auto" takes "sov" up to this many cells, per quantity (measured against "rqmc" and
# "mc-lines" at rtol 1e-3 on seeds ~ 0.6 N(0, I_96); its cost grows like m^3 per point).
_SOV_MAX_M = {"eps": 32, "perim": 32, "cells": 48}
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_BATCH_TARGET = 2**21  # floats per output batch


# ----------------------------------------------------------------------------- validation
def _check_n(n_samples, default=DEFAULT_N_SAMPLES) -> int:
    if n_samples is None:
        return default
    return check_n_samples(n_samples)


def _check_rtol(rtol):
    if rtol is None:
        return None
    r = check_positive_float(rtol, "rtol")
    if r >= 1.0:
        raise ValueError(f"rtol must be in (0, 1), got {r}")
    return r


# ----------------------------------------------------------------------------- exact cases
def _exact_kind(p: VoronoiPartition):
    """``("halfspace", h)`` for two cells, ``("simplex", m)`` for a simplicial cluster, or None.

    ``h`` is the signed offset of the bisector: cell 0 is ``{z . n <= h}``.
    """
    if p.m == 2:
        return ("halfspace", float(p._bisector_offsets()[0, 1]))  # no squares of huge seeds
    if not p.is_cone:
        return None
    pd = p._tdist  # pairwise distances over the largest seed norm
    off = pd[~np.eye(p.m, dtype=bool)]
    if np.ptp(off) <= 1e-9 * float(off.max()):
        return ("simplex", p.m)
    return None


def _planar_kind(p: VoronoiPartition):
    """``("planar", reduced)`` when the seeds span at most 2 dimensions, else None.

    The reduced partition (seeds in their span, padded to the plane when they are collinear)
    has the same Gaussian cell measures, eps-boundary and perimeter
    (:meth:`VoronoiPartition.reduce`), computed by the exact polygon route of
    :mod:`gaussiso.planar`.
    """
    red, _ = p.reduce()
    if red.d > 2:
        return None
    s = red.seeds
    if red.d < 2:
        s = np.column_stack([s, np.zeros((s.shape[0], 2 - red.d))])
    return ("planar", VoronoiPartition(s))


def _check_eps(eps):
    """A finite positive float, or a 1-D float array of them (``(value, is_scalar)``)."""
    if isinstance(eps, (bool, np.bool_)):
        raise TypeError("eps must be a positive real number or a 1-D array of them, got bool")
    if np.ndim(eps) == 0:
        return check_positive_float(eps, "eps"), True
    try:
        a = np.asarray(eps, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"eps must be a positive real number or a 1-D array of them, got {eps!r}") from None
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"eps must be a scalar or a non-empty 1-D array, got shape {a.shape}")
    bad = np.flatnonzero(~(np.isfinite(a) & (a > 0)))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"eps must be > 0 and finite (0 < eps < inf), got eps[{i}] = {a[i]}")
    return a, False


def _why_not_exact(p: VoronoiPartition) -> str:
    if not p.is_cone:
        return "its seeds do not all have the same norm (the cells are not cones) and they span more than 2 dimensions"
    return "its seeds are not pairwise equidistant and they span more than 2 dimensions"


# ----------------------------------------------------------------------------- Monte Carlo
class _Acc:
    """Running mean and sum of squared deviations (Chan et al.), per column."""

    def __init__(self, width):
        self.n = 0
        self.mean = np.zeros(width)
        self.m2 = np.zeros(width)

    def add(self, x):
        nb = x.shape[0]
        mb = x.mean(axis=0)
        m2b = ((x - mb) ** 2).sum(axis=0)
        delta = mb - self.mean
        tot = self.n + nb
        self.mean = self.mean + delta * (nb / tot)
        self.m2 = self.m2 + m2b + delta**2 * (self.n * nb / tot)
        self.n = tot

    def stderr(self):
        if self.n < 2:
            return np.full(self.mean.shape, np.inf)
        return np.sqrt(self.m2 / (self.n - 1) / self.n)


def _parallel(n):
    return n >= 4 * K._CHUNK


def _prepare(p: VoronoiPartition, estimator: str, rng):
    p._check_measure_scale()
    red, _ = p.reduce()
    S = np.array(red.seeds, dtype=float)  # writable, C-contiguous (one Numba signature)
    if estimator == "mc-lines":
        S = np.ascontiguousarray(S @ random_rotation(S.shape[1], rng))
        sq = np.einsum("ij,ij->i", S, S)
        D = pairwise_distances(S)
        return S, (S, sq, D, K.interface_weights(S))
    coef, H = K.facet_coefficients(S)
    # Each drawn point g is used as g, -g, Q g, -Q g (Q Haar): four standard Gaussian points
    # for one draw; their average is one independent sample.
    q = random_rotation(S.shape[1], rng)
    Sr = np.ascontiguousarray(np.stack([S, -S, S @ q, -(S @ q)]))
    return S, (Sr, coef, H)  # completed with the eps tables in _run_batch


def _run_batch(estimator, args, eps_arr, P, want_cells):
    n = P.shape[0]
    ne = eps_arr.shape[0]
    out_eps = np.empty((n, ne))
    out_perim = np.empty(n)
    if estimator == "mc-lines":
        m = args[0].shape[0]
        out_cells = np.empty((n, m) if want_cells else (1, m))
        kern = K.lines_kernel_parallel if _parallel(n) else K.lines_kernel
        kern(*args, eps_arr, P, out_eps, out_cells, out_perim, want_cells)
        return out_eps, (out_cells if want_cells else None), out_perim
    kern = K.facet_kernel_parallel if _parallel(n) else K.facet_kernel
    phih, full = K.facet_tables(args[2], eps_arr)
    kern(*args, phih, full, eps_arr, P, out_eps, out_perim)
    return out_eps, None, out_perim


def _monte_carlo(p, estimator, quantity, eps, n_samples, rtol, rng):
    """Run an estimator; ``quantity`` in {"eps", "cells", "perim"}. Returns (mean, stderr, n)."""
    g = as_generator(rng)
    S, args = _prepare(p, estimator, g)
    k = S.shape[1]
    m = S.shape[0]
    # Only an eps-boundary call asks the kernels for eps layers: with none (ne = 0) they skip
    # the eroded intervals (mc-lines) and the second side of every facet hit (mc-facet-lines).
    # An array of eps is served by the same lines.
    eps_arr = np.atleast_1d(np.asarray(eps, dtype=float)) if quantity == "eps" else np.empty(0)
    want_cells = quantity == "cells"
    width = m if want_cells else 1
    acc = _Acc(width)
    batch = max(256, min(2**16, _BATCH_TARGET // max(m, k)))

    def take(nb):
        P = g.standard_normal((nb, k))
        out_eps, out_cells, out_perim = _run_batch(estimator, args, eps_arr, P, want_cells)
        if quantity == "eps":
            acc.add(out_eps)
        elif quantity == "cells":
            acc.add(out_cells)
        else:
            acc.add(out_perim[:, None])

    if rtol is None:
        done = 0
        while done < n_samples:
            nb = min(batch, n_samples - done)
            take(nb)
            done += nb
    else:
        cap = n_samples
        take(min(cap, 4096))
        checked = False
        while True:
            se = acc.stderr()
            val = np.abs(acc.mean)
            with np.errstate(divide="ignore", invalid="ignore"):
                rel = np.where(val > 0, se / val, np.inf)
            worst = float(np.max(rel))
            if worst <= rtol:
                break
            if acc.n >= cap:
                warnings.warn(
                    f"rtol={rtol} not reached within n_samples={cap} points (relative standard "
                    f"error {worst:.3g}); pass a larger n_samples or a larger rtol",
                    RuntimeWarning,
                    stacklevel=3,
                )
                break
            need = acc.n * (worst / rtol) ** 2 if np.isfinite(worst) else 2.0 * acc.n
            if not checked and np.isfinite(worst) and need > 4 * cap:
                raise ValueError(
                    f"rtol={rtol} is out of reach: about {need:.3g} points would be needed "
                    f"(relative standard error {worst:.3g} after {acc.n}), more than 4 x the "
                    f"cap n_samples={cap}"
                )
            checked = True
            nb = int(min(cap - acc.n, max(1024, 1.1 * need - acc.n)))
            while nb > 0:
                step = min(batch, nb)
                take(step)
                nb -= step
    return acc.mean, acc.stderr(), acc.n


def _sov_route(p, quantity):
    """The SOV problem when ``"auto"`` may take that route, else None."""
    if p.m > _SOV_MAX_M[quantity]:
        return None
    from ._sov import AUTO_MIN_SINGULAR, sov_reason

    prob = sov_reason(p)[1]
    if prob is None or prob.smallest_sv < AUTO_MIN_SINGULAR:
        return None
    return prob


def _resolve(p, method, quantity):
    """Map a public method to ("exact", kind), ("sov", problem) or ("mc", estimator name)."""
    if method == "sov":
        from ._sov import sov_problem

        return "sov", sov_problem(p)
    kind = _exact_kind(p)
    if kind is None and method in ("auto", "exact"):
        kind = _planar_kind(p)
    if method == "exact":
        if kind is None:
            raise ValueError(
                "method='exact' needs a simplicial cluster (seeds of equal norm and equal "
                "pairwise distances), two cells, or seeds spanning at most 2 dimensions, but this "
                f"partition is none of these: {_why_not_exact(p)}; "
                "use method='mc' or 'auto'"
            )
        return "exact", kind
    if method == "auto":
        if kind is not None:
            return "exact", kind
        prob = _sov_route(p, quantity)
        if prob is not None:
            return "sov", prob
        if quantity != "cells" and p.m <= _FACET_MAX_M:
            return "mc", "rqmc"
        method = "mc"
    if method == "rqmc" and p.m > _FACET_MAX_M:
        raise ValueError(
            f"method='rqmc' needs m <= {_FACET_MAX_M} cells (its facet lines cost O(m^3) per "
            f"point), got m = {p.m}; use method='mc' or 'auto'"
        )
    if method == "mc":
        if quantity == "cells" or p.m > _FACET_MAX_M:
            return "mc", "mc-lines"
        return "mc", "mc-facet-lines"
    return "mc", method


def _rqmc_n(n_samples, rtol, n):
    """``"rqmc"`` evaluates each point in 32 rotated copies (8 times the 4 of ``"mc"``): its
    default number of points is ``DEFAULT_N_SAMPLES // 8``, about the same work."""
    if n_samples is None and rtol is None:
        return DEFAULT_N_SAMPLES // 8
    return n


def _n_or_cap(n_samples, rtol):
    if rtol is not None:
        return _check_n(n_samples, default=MAX_SAMPLES)
    return _check_n(n_samples)


# ----------------------------------------------------------------------------- public API
def eps_boundary_measure(partition, eps, *, method="auto", n_samples=None, rtol=None, rng=None):
    r"""Gaussian measure of the eps-boundary of a Voronoi partition.

    .. math:: \gamma(\partial^\varepsilon \mathcal A) = \gamma\{z :
              \mathrm{dist}(z, \cup_{j \ne i(z)} A_j) < \varepsilon\}

    (Definition 3.4 of Issenhuth et al., 2023; ``i(z)`` is the cell of ``z``).

    Parameters
    ----------
    partition : VoronoiPartition
        ``m`` seeds in ``R^d``.
    eps : float or array_like of shape (ne,)
        Width(s), each ``0 < eps < inf`` (ValueError naming the first bad entry). An array
        gives the whole curve in one pass: the same Gaussian points and lines serve every
        width (the exact routes evaluate each width).
    method : {"auto", "exact", "mc", "mc-facet-lines", "mc-lines", "rqmc", "sov"}
        ``"exact"``: closed form ``Phi(h + eps) - Phi(h - eps)`` for two cells; 1-D
        quadrature for a simplicial cluster (any rotation, scale and ambient dimension);
        the exact polygon route of :mod:`gaussiso.planar` when the seeds span at most 2
        dimensions (any ``d``: the partition is first reduced to the span); ValueError
        otherwise. ``"mc"``: Monte Carlo on exact line integrals at independent points
        (``"mc-facet-lines"``, or ``"mc-lines"`` for ``m > 128``). ``"rqmc"``: the facet
        lines at randomized quasi-Monte Carlo points, with a control variate of known mean
        (:mod:`gaussiso._qmc`; ``m <= 128``). ``"sov"``: for affinely independent seeds,
        ``1 - sum_i Phi_k(h_i - eps; R_i)`` with the ``k = m - 1``-variate normal CDFs of the
        cells (simplicial cones) by Genz's separation of variables at randomized QMC points
        (:mod:`gaussiso._sov`); ValueError naming the reason when the seeds are affinely
        dependent or nearly so. ``"auto"`` takes, in this order: two cells or a simplicial
        cluster -> exact; seeds spanning at most 2 dimensions -> planar exact; affinely
        independent, well-conditioned seeds with ``m <= 32`` -> ``"sov"``; ``m <= 128`` ->
        ``"rqmc"`` (measured faster than ``"mc"`` at every eps of
        ``benchmarks/bench_eps_boundary.py``); otherwise ``"mc-lines"``.
    n_samples : int, optional
        Number of Gaussian points (default ``DEFAULT_N_SAMPLES = 65536``, at most ``1e10``:
        larger requests, which would run for days, are refused); with ``rtol``, the most that
        may be drawn (default ``MAX_SAMPLES = 2**26``). For ``"rqmc"`` it is rounded up to 32
        randomizations times a power of two, each point evaluated in up to 32 rotated copies;
        its default without ``rtol`` is ``DEFAULT_N_SAMPLES // 8 = 8192`` points (about the
        work of the ``"mc"`` default). The same for ``"sov"`` (each point evaluated once per
        cell and eps; a pilot of 64 points, not counted, fits the control variate and
        chooses between the difference form and ``1 - Y`` for wide bands).
    rtol : float, optional
        Sample until ``stderr / value <= rtol`` (for every eps). ``"mc"``: ValueError when a
        pilot of 4096 points projects a need above 4 times the cap. RuntimeWarning when the
        cap stops the sampling first.
    rng : None, int or numpy.random.Generator
        Source of randomness (Monte Carlo only).

    Returns
    -------
    Estimate
        ``value`` in ``[0, 1]``, a float for a scalar ``eps`` or an array of shape (ne,)
        for an array, with ``stderr`` of the same shape (a quadrature error bound for
        ``"quadrature"``; the clipping-box tail plus rounding for planar ``"exact"``; 0 for
        closed forms) and ``method`` one of ``"exact"``, ``"quadrature"``,
        ``"mc-facet-lines"``, ``"mc-lines"``, ``"rqmc"``, ``"sov"``.

    Notes
    -----
    Range. The line estimators are unbiased but their per-point values are not bounded by 1
    (a point's facet lines are different lines), so a plain mean can exceed 1 when the band
    holds nearly all of the mass. ``"rqmc"`` is built to stay in range: its control-variate
    form is ``(1 - beta) mean(X) + beta (1 - mean(Y))`` with ``X, Y >= 0`` and ``beta -> 1``
    for wide bands, so a wide band is one minus a nonnegative estimate of the complement.
    ``"sov"`` has the same form (its ``Y``, a sum of probabilities, is ``>= 0``).
    As a backstop, and for ``"mc"``, the value is clipped to ``[0, 1]`` and the stderr left
    as is: the true value lies in ``[0, 1]``, so clipping never moves the estimate away from
    it and an interval ``value +- z stderr`` that contained it still does.

    Examples
    --------
    >>> import numpy as np, gaussiso
    >>> p = gaussiso.simplicial_cluster(3, 2)
    >>> est = gaussiso.eps_boundary_measure(p, 0.1)
    >>> est.method, round(float(est), 6)
    ('quadrature', 0.116735)
    >>> mc = gaussiso.eps_boundary_measure(p, 0.1, method="mc", n_samples=20000, rng=0)
    >>> abs(mc.value - est.value) < 5 * mc.stderr
    True
    >>> q = gaussiso.VoronoiPartition([[0.3, 0.1, 0.0], [-0.2, 0.4, 0.5], [0.1, -0.6, 0.2], [0.5, 0.5, -0.4]])
    >>> curve = gaussiso.eps_boundary_measure(q, [0.05, 0.3, 1.0], rtol=1e-2, rng=0)
    >>> curve.method, curve.value.shape, bool(all(curve.stderr <= 1e-2 * curve.value))
    ('sov', (3,), True)
    >>> r = gaussiso.VoronoiPartition(np.random.default_rng(0).standard_normal((6, 3)))
    >>> gaussiso.eps_boundary_measure(r, 0.3, rtol=1e-2, rng=0).method  # 6 seeds in R^3
    'rqmc'
    """
    p = check_partition(partition)
    eps, scalar = _check_eps(eps)
    method = check_choice(method, "method", ("auto", "exact", "mc", "mc-facet-lines", "mc-lines", "rqmc", "sov"))
    rtol = _check_rtol(rtol)
    n = _n_or_cap(n_samples, rtol)
    how, what = _resolve(p, method, "eps")
    ev = np.atleast_1d(eps)

    def out(v, se, nn, name):
        v = np.asarray(v, dtype=float)
        se = np.broadcast_to(np.asarray(se, dtype=float), v.shape).copy()
        if scalar:
            return Estimate(float(v[0]), float(se[0]), int(nn), name)
        return Estimate(v, se, int(nn), name)

    if how == "exact":
        if what[0] == "halfspace":
            return out(gauss_interval(what[1] - ev, 2.0 * ev), 0.0, 0, "exact")
        if what[0] == "planar":
            from . import planar

            ests = [planar.eps_boundary_measure(what[1], float(e)) for e in ev]
            return out([e.value for e in ests], [e.stderr for e in ests], 0, "exact")
        res = [simplex_eps_boundary(what[1], float(e)) for e in ev]
        return out([r[0] for r in res], [r[1] for r in res], 0, "quadrature")
    if how == "sov":
        from ._sov import sov_estimate

        n = _rqmc_n(n_samples, rtol, n)
        mean, se, nn = sov_estimate(what, "eps", ev, n_samples=n, rtol=rtol, rng=rng)
        return out(mean, se, nn, "sov")
    if what == "rqmc":
        from ._qmc import rqmc_facet

        n = _rqmc_n(n_samples, rtol, n)
        mean, se, nn = rqmc_facet(p, ev, perimeter=False, n_samples=n, rtol=rtol, rng=rng)
        return out(mean, se, nn, "rqmc")
    mean, se, nn = _monte_carlo(p, what, "eps", ev, n, rtol, rng)
    # The plain estimators are unbiased but not bounded by 1 point by point: clip the mean
    # into [0, 1], which never moves it away from the true value (see the docstring).
    return out(np.clip(mean, 0.0, 1.0), se, nn, what)


def cell_measures(partition, *, method="auto", n_samples=None, rtol=None, rng=None):
    r"""Gaussian measure of every cell, :math:`\gamma(A_i)`, ``i = 0..m-1``.

    Parameters
    ----------
    partition : VoronoiPartition
    method : {"auto", "exact", "mc", "mc-lines", "sov"}
        ``"exact"``: ``1/m`` each for a simplicial cluster; ``Phi(h), Phi(-h)`` for two cells;
        the planar polygon route when the seeds span at most 2 dimensions.
        ``"mc"``: exact cell measures on random Gaussian lines (``"mc-lines"``), averaged.
        ``"sov"``: for affinely independent seeds, ``Phi_k(h_i; R_i)`` by separation of
        variables at randomized QMC points, with the control variate of mean 1 (the
        estimates sum to 1 up to rounding). ``"auto"``: exact when one of these applies, else
        ``"sov"`` for affinely independent, well-conditioned seeds with ``m <= 48``, else
        ``"mc-lines"``.
    n_samples, rtol, rng
        As in :func:`eps_boundary_measure` (``rtol`` applies to every cell).

    Returns
    -------
    Estimate
        ``value`` and ``stderr`` of shape (m,); the Monte Carlo values sum to 1 up to
        rounding. ``method`` one of ``"exact"``, ``"mc-lines"``, ``"sov"``.

    Examples
    --------
    >>> import numpy as np, gaussiso
    >>> gaussiso.cell_measures(gaussiso.simplicial_cluster(4, 5)).value
    array([0.25, 0.25, 0.25, 0.25])
    >>> p = gaussiso.VoronoiPartition([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0]])
    >>> est = gaussiso.cell_measures(p, method="mc", n_samples=20000, rng=1)
    >>> est.method, bool(abs(est.value.sum() - 1) < 1e-12)
    ('mc-lines', True)
    >>> q = gaussiso.VoronoiPartition([[0.3, 0.1, 0.0], [-0.2, 0.4, 0.5], [0.1, -0.6, 0.2], [0.5, 0.5, -0.4]])
    >>> est = gaussiso.cell_measures(q, rng=1)
    >>> est.method, bool(abs(est.value.sum() - 1) < 1e-12), bool(all(est.stderr < 1e-4))
    ('sov', True, True)
    """
    p = check_partition(partition)
    method = check_choice(method, "method", ("auto", "exact", "mc", "mc-lines", "sov"))
    rtol = _check_rtol(rtol)
    n = _n_or_cap(n_samples, rtol)
    how, what = _resolve(p, method, "cells")
    if how == "exact":
        if what[0] == "planar":
            from . import planar

            return planar.cell_measures(what[1])
        if what[0] == "halfspace":
            h = what[1]
            v = np.array([special.ndtr(h), special.ndtr(-h)])
        else:
            v = np.full(p.m, 1.0 / p.m)
        return Estimate(v, np.zeros(p.m), 0, "exact")
    if how == "sov":
        from ._sov import sov_estimate

        n = _rqmc_n(n_samples, rtol, n)
        mean, se, nn = sov_estimate(what, "cells", None, n_samples=n, rtol=rtol, rng=rng)
        return Estimate(mean, se, int(nn), "sov")
    mean, se, nn = _monte_carlo(p, "mc-lines", "cells", None, n, rtol, rng)
    return Estimate(mean, se, int(nn), "mc-lines")


def gaussian_perimeter(partition, *, method="auto", n_samples=None, rtol=None, rng=None):
    r"""Gaussian perimeter of a Voronoi partition (each interface counted once).

    .. math:: P_\gamma = \sum_{i<j} \int_{A_i\cap A_j} \varphi_d\, dH^{d-1}
              = \lim_{\varepsilon\to 0} \frac{\gamma(\partial^\varepsilon)}{2\varepsilon},

    so a hyperplane through the origin has :math:`1/\sqrt{2\pi}`; the paper's
    :math:`L_A = \lim \gamma(\partial^\varepsilon)/\varepsilon` is :math:`2 P_\gamma`. For the
    simplicial m-cluster, :math:`P_\gamma = \frac{m(m-1)}{\sqrt 2}\int\varphi^2\Phi^{m-2}`.

    Parameters
    ----------
    partition : VoronoiPartition
    method : {"auto", "exact", "mc", "mc-facet-lines", "mc-lines", "rqmc", "sov"}
        ``"exact"``: quadrature (simplicial), ``phi(h)`` (two cells), or the planar polygon
        route when the seeds span at most 2 dimensions. The Monte Carlo estimators are
        unbiased (no finite-eps ratio): ``"mc-facet-lines"`` averages ``sum phi(h_ij)`` over
        the facets hit by the orthogonal projections of a Gaussian point, ``"mc-lines"``
        weights line crossings (see the module docstring), ``"rqmc"`` is the facet-line
        estimator at randomized QMC points with a control variate. ``"sov"`` (affinely
        independent seeds): half the slope at ``eps = 0`` of
        ``1 - sum_i Phi_k(h_i - eps; R_i)``, the separation-of-variables integrands
        differentiated along the shift of their limits (unbiased, same points). ``"auto"``:
        as in :func:`eps_boundary_measure` (exact, then planar exact, then ``"sov"`` for
        affinely independent seeds with ``m <= 32``, then ``"rqmc"`` for ``m <= 128``, else
        ``"mc-lines"``).
    n_samples, rtol, rng
        As in :func:`eps_boundary_measure`.

    Returns
    -------
    Estimate

    Examples
    --------
    >>> import math, gaussiso
    >>> est = gaussiso.gaussian_perimeter(gaussiso.simplicial_cluster(3, 2))
    >>> abs(est.value - 3 / (2 * math.sqrt(2 * math.pi))) < 1e-12
    True
    """
    p = check_partition(partition)
    method = check_choice(method, "method", ("auto", "exact", "mc", "mc-facet-lines", "mc-lines", "rqmc", "sov"))
    rtol = _check_rtol(rtol)
    n = _n_or_cap(n_samples, rtol)
    how, what = _resolve(p, method, "perim")
    if how == "exact":
        if what[0] == "planar":
            from . import planar

            return planar.perimeter(what[1])
        if what[0] == "halfspace":
            h = what[1]
            return Estimate(math.exp(-0.5 * h * h) * _INV_SQRT_2PI, 0.0, 0, "exact")
        v, err = simplex_perimeter(what[1])
        return Estimate(float(v), float(err), 0, "quadrature")
    if how == "sov":
        from ._sov import sov_estimate

        n = _rqmc_n(n_samples, rtol, n)
        mean, se, nn = sov_estimate(what, "perim", None, n_samples=n, rtol=rtol, rng=rng)
        return Estimate(float(mean[0]), float(se[0]), int(nn), "sov")
    if what == "rqmc":
        from ._qmc import rqmc_facet

        n = _rqmc_n(n_samples, rtol, n)
        mean, se, nn = rqmc_facet(p, np.empty(0), perimeter=True, n_samples=n, rtol=rtol, rng=rng)
        return Estimate(float(mean[0]), float(se[0]), int(nn), "rqmc")
    mean, se, nn = _monte_carlo(p, what, "perim", None, n, rtol, rng)
    return Estimate(float(mean[0]), float(se[0]), int(nn), what)


def isoperimetric_profile(v):
    r"""The Gaussian isoperimetric profile :math:`I(v) = \varphi(\Phi^{-1}(v))`.

    The smallest Gaussian perimeter of a set of measure ``v`` (a half-space); ``I(0) = I(1) = 0``.

    Parameters
    ----------
    v : float or array_like
        Measures in ``[0, 1]``.

    Returns
    -------
    float or ndarray
        Same shape as ``v``.

    Examples
    --------
    >>> import gaussiso
    >>> round(gaussiso.isoperimetric_profile(0.5), 12)
    0.398942280401
    >>> gaussiso.isoperimetric_profile([0.0, 1.0])
    array([0., 0.])
    """
    a = check_real_array(v, "v", finite=False)  # TypeError for None, str ("0.5"), bool, complex
    if np.any(np.isnan(a)):
        raise ValueError("v must be in [0, 1], got NaN")
    if np.any((a < 0) | (a > 1)):
        bad = a[(a < 0) | (a > 1)].ravel()[0]
        raise ValueError(f"v must be in [0, 1], got {bad}")
    x = special.ndtri(a)
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.where((a > 0) & (a < 1), np.exp(-0.5 * x * x) * _INV_SQRT_2PI, 0.0)
    if out.ndim == 0:
        return float(out)
    return out
