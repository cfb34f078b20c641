r"""Numerically optimal partitions of Gaussian space into cells of prescribed measure.

Two methods (see ``docs/theory.md``, "Optimal partitions beyond the simplex"):

``"power"`` (default; flat interfaces)
    Minimise the Gaussian perimeter (or the Gaussian measure of the eps-boundary) over power
    diagrams :math:`A_i = \arg\min_i (b_i - 2 s_i \cdot z)` subject to
    :math:`\gamma(A_i) = w_i`, by SLSQP (equality constraints) from several starts. For
    ``d = 2`` every objective and constraint is exact (closed-form Gaussian measures of the
    clipped polygons and Gaussian lengths of their edges); for ``d = 3`` they come from the
    slicing quadrature of :func:`gaussiso._power_diagram.sliced_evaluate`. Gradients are
    forward differences. The best start is then re-measured by the library's estimators
    (exact in the plane, Monte Carlo with a standard error otherwise): the result is an explicit
    partition, so its perimeter is a certified upper bound on the optimum (up to the reported
    error and the measure mismatch).
``"mbo"`` (``d = 2`` only; curved interfaces allowed)
    Threshold dynamics with the Ornstein-Uhlenbeck (Mehler) semigroup :math:`P_t` on a tensor
    grid: :math:`u_i = P_t 1_{A_i}`, then :math:`A_i \leftarrow \{i = \arg\max_j (u_j -
    \lambda_j)\}` with per-cell offsets :math:`\lambda` chosen (by auction-like bisection) so
    that the cells keep their measures. It decreases the heat-content energy
    :math:`E_t = \tfrac12 \sqrt{\pi/t} \sum_i \int_{A_i} P_t 1_{A_i^c} \, d\gamma`, which tends
    to the perimeter as :math:`t \to 0`. Its perimeter is approximate (grid and ``t`` errors);
    it is reported with the energies at two values of ``t`` and two grids so that the
    discretisation error can be seen.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize

from . import _optpart_kernels as K
from ._estimate import Estimate
from ._power_diagram import (
    PowerDiagram,
    facet_perimeter,
    planar_evaluate,
    sliced_measures,
)
from ._rng import as_generator
from ._validation import (
    check_array,
    check_choice,
    check_int,
    check_points,
    check_positive_float,
)

__all__ = ["OptimalPartition", "optimal_partition"]

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


# --------------------------------------------------------------------------- result
@dataclass
class OptimalPartition:
    r"""The best partition found by :func:`optimal_partition`.

    Attributes
    ----------
    m, d : int
    weights : ndarray, shape (m,)
        Target cell measures.
    method : str
        ``"power"`` (a power diagram, flat interfaces) or ``"mbo"`` (a grid partition).
    objective : str
        ``"perimeter"`` or ``"eps-boundary"``.
    eps : float or None
    diagram : PowerDiagram or None
        The optimal power diagram (``method="power"``).
    start_values : ndarray, shape (n_starts,)
        Final objective of every start (``nan`` for a start that did not reach the measures).
    start_kinds : list of str
        How each start was initialised.
    agreement : float
        Fraction of the starts within 0.1 % of the best value.
    seconds : float
        Wall time of the search.
    """

    m: int
    d: int
    weights: np.ndarray
    method: str
    objective: str
    eps: float | None
    diagram: PowerDiagram | None
    start_values: np.ndarray
    start_kinds: list
    agreement: float
    seconds: float
    _grid: dict | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ cells
    def label(self, z) -> np.ndarray:
        """Cell index of each point of ``z``, shape (n, d) -> (n,)."""
        a, single = check_points(z, self.d)
        if self.diagram is not None:
            lab = self.diagram.label(a)
        else:
            g = self._grid
            assert g is not None  # a grid partition (method="mbo") always has one
            xs = g["xs"]
            ix = np.clip(np.searchsorted(xs, a[:, 0]), 1, xs.size - 1)
            iy = np.clip(np.searchsorted(xs, a[:, 1]), 1, xs.size - 1)
            ix -= (a[:, 0] - xs[ix - 1]) < (xs[ix] - a[:, 0])
            iy -= (a[:, 1] - xs[iy - 1]) < (xs[iy] - a[:, 1])
            lab = g["labels"][ix, iy].astype(np.int64)
        return lab[0] if single else lab

    @property
    def best_value(self) -> float:
        return float(np.nanmin(self.start_values))

    @property
    def spread(self) -> float:
        """Largest minus smallest final objective over the starts that reached the measures."""
        v = self.start_values[np.isfinite(self.start_values)]
        return float(v.max() - v.min()) if v.size else float("nan")

    # ------------------------------------------------------------------ measures
    def cell_measures(self, *, n_samples=2**20, rng=None) -> Estimate:
        """Cell measures: exact in the plane, Monte Carlo (with standard error) otherwise."""
        if self.diagram is not None:
            return self.diagram.cell_measures(n_samples=n_samples, rng=rng)
        g = self._grid
        assert g is not None  # a grid partition (method="mbo") always has one
        w = g["weights"]
        vals = np.bincount(g["labels"].ravel(), weights=w.ravel(), minlength=self.m)
        return Estimate(vals, np.full(self.m, g["quad_err"]), 0, "grid-quadrature")

    def perimeter(self, *, n_samples=2**17, rng=None) -> Estimate:
        """Gaussian perimeter: exact in the plane, Monte Carlo otherwise; MBO: heat content."""
        if self.diagram is not None:
            return self.diagram.perimeter(n_samples=n_samples, rng=rng)
        g = self._grid
        assert g is not None
        return Estimate(g["energy"], g["energy_err"], 0, "mbo-heat-content")

    def eps_boundary_measure(self, eps, *, n_samples=2**19, rng=None) -> Estimate:
        """Gaussian measure of the eps-boundary (Definition 3.4): exact in the plane."""
        if self.diagram is None:
            raise ValueError("eps_boundary_measure needs a power-diagram result (method='power')")
        return self.diagram.eps_boundary_measure(eps, n_samples=n_samples, rng=rng)

    def junction_angles(self):
        """Interior angles (degrees) of the cells at the interface junctions (``d == 2``, power).

        A partition that minimises perimeter has only triple junctions with three 120 degree
        angles (first variation); a flat-interface optimum whose angles differ from 120 degrees
        is therefore not optimal among all partitions: bending the interfaces lowers it.
        """
        if self.diagram is None or self.d != 2:
            raise ValueError("junction_angles needs a planar power-diagram result")
        from ._power_diagram import planar_cells

        v, lab, cnt = planar_cells(self.diagram.seeds, self.diagram.offsets)
        out = []
        for i in range(self.m):
            k = cnt[i]
            for t in range(k):
                prev, nxt = (t - 1) % k, t
                if lab[i, prev] < 0 or lab[i, nxt] < 0:
                    continue  # a corner on the clipping square
                a = v[i, (t - 1) % k] - v[i, t]
                b = v[i, (t + 1) % k] - v[i, t]
                cosang = a @ b / (np.linalg.norm(a) * np.linalg.norm(b))
                out.append(math.degrees(math.acos(min(1.0, max(-1.0, cosang)))))
        return np.array(out)

    def curvature_residual(self) -> float:
        r"""Largest :math:`|c_{ij} + c_{jk} + c_{ki}|` over the triple junctions (``d == 2``, power).

        :math:`c_{ij}` is the signed distance from the origin of the line of interface ``ij``
        (along :math:`n_{ij} = (s_j - s_i)/|s_j - s_i|`). A flat interface has constant
        Gaussian-weighted curvature :math:`-c_{ij}`, and the first variation of the perimeter
        under the measure constraints asks it to equal :math:`\lambda_i - \lambda_j` (Lagrange
        multipliers), so a stationary flat partition has zero cycle sums. With 120 degree
        junctions (:meth:`junction_angles`) and a zero residual, the power diagram is stationary
        among all partitions, not only among flat ones.
        """
        if self.diagram is None or self.d != 2:
            raise ValueError("curvature_residual needs a planar power-diagram result")
        from ._power_diagram import planar_cells

        s, b = self.diagram.seeds, self.diagram.offsets

        def c(i, j):
            return (b[j] - b[i]) / (2.0 * np.linalg.norm(s[j] - s[i]))

        v, lab, cnt = planar_cells(s, b)
        worst = 0.0
        for i in range(self.m):
            k = cnt[i]
            for t in range(k):
                j, l = lab[i, (t - 1) % k], lab[i, t]
                if j < 0 or l < 0 or j == l:
                    continue
                worst = max(worst, abs(c(i, j) + c(j, l) + c(l, i)))
        return float(worst)

    def plot(self, ax=None, **kwargs):
        """Plot the cells (2-D: over the Gaussian density; 3-D: three slices). Returns the axes."""
        from ._optpart_plot import plot_partition

        return plot_partition(self, ax=ax, **kwargs)


# --------------------------------------------------------------------------- power diagrams
class _Problem:
    """Objective and constraints of one search, with one evaluation per parameter vector."""

    def __init__(self, m, d, weights, objective, eps, basis, n_slices):
        self.m, self.d, self.w = m, d, weights
        self.objective, self.eps = objective, eps
        self.basis, self.n_slices = basis, n_slices
        self._cache = {}

    def unpack(self, theta):
        m, d = self.m, self.d
        s = np.zeros((m, d))
        s[1:] = theta[: (m - 1) * d].reshape(m - 1, d)
        b = np.zeros(m)
        b[1:] = theta[(m - 1) * d :]
        return s, b

    def evaluate(self, theta):
        key = theta.tobytes()
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        s, b = self.unpack(theta)
        eps = None if self.objective == "perimeter" else [self.eps]
        if self.d == 2:
            meas, per, em = planar_evaluate(s, b, eps=eps)
        else:
            meas, em = sliced_measures(s, b, self.basis, n_slices=self.n_slices, eps=eps)
            per = facet_perimeter(s, b) if em is None else None
        f = per if em is None else float(em[0])
        out = (f, meas[1:] - self.w[1:])
        if len(self._cache) > 4096:
            self._cache.clear()
        self._cache[key] = out
        return out

    def gradients(self, theta):
        key = ("g", theta.tobytes())
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        f0, c0 = self.evaluate(theta)
        n = theta.size
        gf = np.empty(n)
        gc = np.empty((c0.size, n))
        for k in range(n):
            h = 1e-7 * max(1.0, abs(theta[k]))
            t = theta.copy()
            t[k] += h
            f1, c1 = self.evaluate(t)
            gf[k] = (f1 - f0) / h
            gc[:, k] = (c1 - c0) / h
        self._cache[key] = (gf, gc)
        return gf, gc


def _starts(m, d, n_starts, g):
    """Initial (seeds, offsets): cone-like, one central cell, two central cells, random."""
    out = []
    kinds = []

    def ring(k, r, phase=0.0):
        if d == 2:
            a = phase + 2 * math.pi * np.arange(k) / k
            return r * np.stack([np.cos(a), np.sin(a)], axis=1)
        v = g.standard_normal((k, d))
        return r * v / np.linalg.norm(v, axis=1, keepdims=True)

    out.append(ring(m, 1.0))
    kinds.append("cone")
    if m >= 4:
        out.append(np.vstack([np.zeros((1, d)), ring(m - 1, 1.5)]))
        kinds.append("one central cell")
    if m >= 7:
        inner = ring(2, 0.4)
        out.append(np.vstack([inner, ring(m - 2, 1.8)]))
        kinds.append("two central cells")
    while len(out) < n_starts:
        out.append(g.standard_normal((m, d)))
        kinds.append("random")
    out, kinds = out[:n_starts], kinds[:n_starts]
    # break exact symmetries
    return [x + 1e-3 * g.standard_normal(x.shape) for x in out], kinds


def _fix_measures(prob, theta):
    """Newton-like correction of the offsets so that the measures hit the weights."""
    from scipy.optimize import root

    m, d = prob.m, prob.d
    fixed = theta[: (m - 1) * d]

    def resid(bb):
        return prob.evaluate(np.concatenate([fixed, bb]))[1]

    sol = root(resid, theta[(m - 1) * d :], method="hybr", options={"xtol": 1e-13})
    return np.concatenate([fixed, sol.x])


def _search_power(m, d, w, objective, eps, n_starts, g, maxiter, n_slices):
    basis = None
    if d == 3:
        basis = np.linalg.qr(g.standard_normal((3, 3)))[0]
    prob = _Problem(m, d, w, objective, eps, basis, n_slices)
    starts, kinds = _starts(m, d, n_starts, g)
    vals, thetas = [], []
    for s in starts:
        # Voronoi start |s_i|^2 - 2 s_i.z; minus the common |s_0|^2 - 2 s_0.z (same partition)
        # puts seed 0 at the origin with offset 0.
        b = np.einsum("ij,ij->i", s, s) - s[0] @ s[0]
        theta0 = np.concatenate([(s[1:] - s[0]).ravel(), b[1:]])
        cons = {"type": "eq", "fun": lambda t: prob.evaluate(t)[1], "jac": lambda t: prob.gradients(t)[1]}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = minimize(
                lambda t: prob.evaluate(t)[0],
                theta0,
                jac=lambda t: prob.gradients(t)[0],
                constraints=[cons],
                method="SLSQP",
                options={"maxiter": maxiter, "ftol": 1e-12},
            )
        th = r.x
        if np.max(np.abs(prob.evaluate(th)[1])) > 1e-9:
            try:
                th = _fix_measures(prob, th)
            except Exception:  # pragma: no cover - a failed correction just marks the start
                pass
        f, c = prob.evaluate(th)
        ok = np.max(np.abs(c)) < (1e-8 if d == 2 else 1e-6)
        vals.append(f if ok else np.nan)
        thetas.append(th)
    vals = np.array(vals)
    if not np.any(np.isfinite(vals)):
        raise RuntimeError(f"no start reached the prescribed measures for m = {m}, d = {d}")
    best = int(np.nanargmin(vals))
    th = thetas[best]
    if d == 3:
        # The slicing quadrature's error in the measures is a few 1e-4 at n_slices = 40:
        # re-balance the offsets of the best start with 4x the slices.
        fine = _Problem(m, d, w, "perimeter", None, basis, 4 * n_slices)
        th = _fix_measures(fine, th)
    s, b = prob.unpack(th)
    # normalise the scale (the partition is invariant under (s, b) -> (k s, k b), k > 0)
    k = 1.0 / max(np.max(np.linalg.norm(s - s.mean(0), axis=1)), 1e-12)
    return PowerDiagram(s * k, b * k), vals, kinds


# --------------------------------------------------------------------------- threshold dynamics
def _mehler_matrix(xs, t):
    """1-D Mehler operator on the grid: (P_t f)(x_a) ~ sum_b K[a, b] f(x_b).

    Row a integrates f against the density of e^{-t} x_a + sqrt(1 - e^{-2t}) Y over the cells
    of the grid (exact normal probabilities of the cells, so each row sums to 1 up to the tails).
    """
    h = xs[1] - xs[0]
    edges = np.concatenate([xs - h / 2, [xs[-1] + h / 2]])
    mu = math.exp(-t) * xs
    sd = math.sqrt(1.0 - math.exp(-2.0 * t))
    from scipy.special import ndtr

    cdf = ndtr((edges[None, :] - mu[:, None]) / sd)
    kmat = np.diff(cdf, axis=1)
    return kmat / kmat.sum(axis=1, keepdims=True)


def _grid_weights(xs):
    from scipy.special import ndtr

    h = xs[1] - xs[0]
    edges = np.concatenate([xs - h / 2, [xs[-1] + h / 2]])
    p = np.diff(ndtr(edges))
    p = p / p.sum()
    return np.outer(p, p)


def _balance(u, wgrid, target, iters=60):
    """Offsets lam with measure of {argmax_i (u_i - lam_i) = i} ~ target (coordinate bisection)."""
    m = u.shape[0]
    lam = np.zeros(m)
    flat_w = wgrid.ravel()
    uf = u.reshape(m, -1)
    lab = np.empty(uf.shape[1], dtype=np.int64)
    for _ in range(iters):
        K.mbo_threshold(uf, lam, lab)
        meas = np.bincount(lab, weights=flat_w, minlength=m)
        err = meas - target
        if np.max(np.abs(err)) < 1e-4:
            break
        # a cell that is too big raises its offset; step from the local density of u values
        lam += 0.5 * err / np.maximum(target, 1e-3) * 0.05
    return lam, lab, meas


def _energy(labels, m, kmat, wgrid, t):
    tot = 0.0
    for i in range(m):
        chi = (labels == i).astype(float)
        u = kmat @ chi @ kmat.T
        tot += float(np.sum(wgrid * chi * (1.0 - u)))
    return 0.5 * math.sqrt(math.pi / t) * tot


def _mbo(m, w, init_labels_fn, *, n_grid=256, half_width=4.5, t=0.02, iters=60):
    xs = np.linspace(-half_width, half_width, n_grid)
    X, Y = np.meshgrid(xs, xs, indexing="ij")
    pts = np.stack([X.ravel(), Y.ravel()], axis=1)
    labels = init_labels_fn(pts).reshape(n_grid, n_grid)
    wgrid = _grid_weights(xs)
    kmat = _mehler_matrix(xs, t)
    for _ in range(iters):
        u = np.stack([kmat @ (labels == i).astype(float) @ kmat.T for i in range(m)])
        # threshold with offsets that keep the measures: start from lam = 0, balance
        _, lab, _ = _balance(u, wgrid, w)
        new = lab.reshape(n_grid, n_grid)
        if np.array_equal(new, labels):
            break
        labels = new
    return xs, labels, wgrid, kmat


# --------------------------------------------------------------------------- public function
def optimal_partition(
    m,
    d,
    *,
    weights=None,
    objective="perimeter",
    eps=None,
    rng=None,
    n_starts=None,
    method="power",
    maxiter=300,
    n_slices=40,
    mbo_grid=256,
    mbo_t=0.02,
) -> OptimalPartition:
    r"""The best partition of :math:`(\mathbb{R}^d, \gamma)` into ``m`` cells of given measures found.

    Minimises the Gaussian perimeter :math:`\sum_{i<j} \int_{A_i \cap A_j} \varphi_d` (or, with
    ``objective="eps-boundary"``, the Gaussian measure of the eps-boundary of Definition 3.4,
    which is what precision depends on) over partitions with :math:`\gamma(A_i) = w_i`.
    For ``m <= d + 1`` and equal weights the optimum is the simplicial cluster (Milman and
    Neeman, 2022); for ``m > d + 1`` it is unknown and this is a numerical search.

    Parameters
    ----------
    m : int
        Number of cells, ``m >= 2``.
    d : int
        Dimension, 2 or 3.
    weights : array_like, shape (m,), optional
        Target measures (positive, summing to 1); default ``1/m`` each.
    objective : {"perimeter", "eps-boundary"}
    eps : float, optional
        Required with ``objective="eps-boundary"``.
    rng : None, int or numpy.random.Generator
        Random starts (and, for ``d = 3``, the slicing direction).
    n_starts : int, optional
        Number of starts (default 6 for ``d = 2``, 4 for ``d = 3``). The first starts are
        structured (``m`` equal cones; one central cell and ``m - 1`` around it; two central
        cells), the rest random.
    method : {"power", "mbo"}
        ``"power"``: power diagrams (flat interfaces, any ``d`` in {2, 3}). ``"mbo"``: threshold
        dynamics on a grid (``d = 2``, perimeter only; curved interfaces allowed), started
        from the best power diagram.
    maxiter : int
        SLSQP iterations per start.
    n_slices : int
        Slices of the ``d = 3`` quadrature.
    mbo_grid, mbo_t : int, float
        Grid nodes per axis and time step of the threshold dynamics.

    Returns
    -------
    OptimalPartition

    Examples
    --------
    >>> from gaussiso._optimal_partition import optimal_partition
    >>> res = optimal_partition(3, 2, rng=0, n_starts=2)
    >>> round(float(res.perimeter().value), 4)  # the simplicial 3-cluster: 3 / (2 sqrt(2 pi))
    0.5984
    """
    m = check_int(m, "m", low=2)
    d = check_int(d, "d", low=2, high=3)
    check_choice(objective, "objective", ["perimeter", "eps-boundary"])
    check_choice(method, "method", ["power", "mbo"])
    if objective == "eps-boundary":
        if eps is None:
            raise ValueError("eps is required with objective='eps-boundary' (a positive float)")
        eps = check_positive_float(eps, "eps")
    elif eps is not None:
        eps = check_positive_float(eps, "eps")
    if weights is None:
        w = np.full(m, 1.0 / m)
    else:
        w = check_array(weights, "weights", ndim=1)
        if w.shape != (m,) or np.any(w <= 0) or abs(w.sum() - 1.0) > 1e-9:
            raise ValueError(f"weights must be {m} positive numbers summing to 1, got {w}")
    n_starts = check_int(6 if d == 2 else 4, "n_starts") if n_starts is None else check_int(n_starts, "n_starts", low=1)
    maxiter = check_int(maxiter, "maxiter", low=1)
    n_slices = check_int(n_slices, "n_slices", low=4)
    if method == "mbo" and (d != 2 or objective != "perimeter"):
        raise ValueError(
            f"method='mbo' supports d == 2 and objective='perimeter' only, got d = {d}, objective = {objective!r}"
        )
    g = as_generator(rng)
    t0 = time.perf_counter()
    diagram, vals, kinds = _search_power(m, d, w, objective, eps, n_starts, g, maxiter, n_slices)
    best = np.nanmin(vals)
    agree = float(np.mean(np.isfinite(vals) & (vals <= best * (1 + 1e-3) + 1e-12)))
    if method == "power":
        return OptimalPartition(m, d, w, "power", objective, eps, diagram, vals, kinds, agree, time.perf_counter() - t0)
    grid = mbo_grid_partition(
        m, w, diagram.label, n_grid=check_int(mbo_grid, "mbo_grid", low=32), t=check_positive_float(mbo_t, "mbo_t")
    )
    return OptimalPartition(
        m, 2, w, "mbo", objective, eps, None, vals, kinds, agree, time.perf_counter() - t0, _grid=grid
    )


def mbo_grid_partition(m, w, init_label, *, n_grid=256, t=0.02, half_width=4.5):
    """Run the threshold dynamics from ``init_label`` and measure the result's energy."""
    xs, labels, wgrid, kmat = _mbo(m, w, init_label, n_grid=n_grid, t=t, half_width=half_width)
    e = _energy(labels, m, kmat, wgrid, t)
    # the same partition's energy at t/2: the difference shows the t-discretisation error
    e2 = _energy(labels, m, _mehler_matrix(xs, t / 2), wgrid, t / 2)
    h = xs[1] - xs[0]
    return {
        "xs": xs,
        "labels": labels,
        "weights": wgrid,
        "energy": e,
        "energy_half_t": e2,
        "energy_err": abs(e - e2),
        "quad_err": h * h,
        "t": t,
    }


def candidate_perimeters(m) -> dict:
    r"""Gaussian perimeters of two simple planar partitions into ``m`` cells of measure ``1/m``.

    ``"sectors"``: ``m`` equal sectors (``m`` rays from the origin), :math:`m / (2\sqrt{2\pi})`.
    ``"disc"``: a central disc of measure ``1/m`` (radius :math:`r`, :math:`1 - e^{-r^2/2} =
    1/m`) and ``m - 1`` radial half-lines outside it: :math:`r e^{-r^2/2} + (m - 1) Q(r) /
    \sqrt{2\pi}` (circle plus rays; :math:`Q = 1 - \Phi`). Both are also partitions of
    :math:`\mathbb{R}^3` (times a line), with the same perimeter.

    Parameters
    ----------
    m : int
        Number of cells, ``m >= 2``.

    Returns
    -------
    dict
        ``{"sectors": float, "disc": float}``, the two perimeters.

    Examples
    --------
    >>> from gaussiso._optimal_partition import candidate_perimeters
    >>> {k: round(v, 4) for k, v in candidate_perimeters(4).items()}
    {'sectors': 0.7979, 'disc': 0.8371}
    """
    from scipy.special import ndtr

    m = check_int(m, "m", low=2)
    r = math.sqrt(-2.0 * math.log1p(-1.0 / m))
    disc = r * math.exp(-0.5 * r * r) + (m - 1) * float(ndtr(-r)) * _INV_SQRT_2PI
    return {"sectors": m * 0.5 * _INV_SQRT_2PI, "disc": disc}


def probe_eps_boundary(label, d, eps, *, n_samples=2**15, n_directions=32, n_radii=4, rng=None) -> Estimate:
    r"""Monte Carlo eps-boundary measure of any partition given by a label function.

    A standard Gaussian point :math:`z` counts when one of the probes
    :math:`z + \varepsilon (k / n_r) u_j` (``n_directions`` directions :math:`u_j`, evenly spaced in
    the plane, random on the sphere otherwise, rotated at random per point; radii ``k = 1..n_r``,
    the largest just below :math:`\varepsilon`) has another label. Probing misses thin slivers,
    so this is a lower bound up to the standard error; it is exact in the limit of many probes.
    ``gamma(eps-boundary) / (2 eps)`` at small ``eps`` estimates the perimeter of a black-box
    partition (e.g. a GAN's latent partition).

    Parameters
    ----------
    label : callable
        ``label(z)`` for ``z`` of shape (n, d) returns integer labels of shape (n,).
    d : int
    eps : float
    n_samples, n_directions, n_radii : int
    rng : None, int or numpy.random.Generator

    Returns
    -------
    Estimate
        ``method = "mc-probe"``.

    Examples
    --------
    >>> import numpy as np
    >>> from gaussiso._optimal_partition import probe_eps_boundary
    >>> est = probe_eps_boundary(lambda z: (z[:, 0] > 0).astype(int), 2, 0.1, rng=0)
    >>> bool(abs(est.value - 0.0797) < 5 * est.stderr)  # 2 Phi(0.1) - 1
    True
    """
    d = check_int(d, "d", low=1)
    e = check_positive_float(eps, "eps")
    n = check_int(n_samples, "n_samples", low=2)
    nd = check_int(n_directions, "n_directions", low=1)
    nr = check_int(n_radii, "n_radii", low=1)
    g = as_generator(rng)
    hits = np.zeros(n, dtype=bool)
    radii = e * (np.arange(1, nr + 1) / nr) * (1 - 1e-9)
    for lo in range(0, n, 4096):
        k = min(4096, n - lo)
        z = g.standard_normal((k, d))
        lab = np.asarray(label(z))
        if d == 2:
            ang = g.uniform(0, 2 * np.pi, size=(k, 1)) + 2 * np.pi * np.arange(nd)[None, :] / nd
            u = np.stack([np.cos(ang), np.sin(ang)], axis=-1)  # (k, nd, 2)
        else:
            u = g.standard_normal((k, nd, d))
            u /= np.linalg.norm(u, axis=-1, keepdims=True)
        probes = z[:, None, None, :] + radii[None, None, :, None] * u[:, :, None, :]
        plab = np.asarray(label(probes.reshape(-1, d))).reshape(k, nd * nr)
        hits[lo : lo + k] = np.any(plab != lab[:, None], axis=1)
    p = float(hits.mean())
    return Estimate(p, math.sqrt(p * (1 - p) / n), n, "mc-probe")


def richardson_perimeter(half: Estimate, full: Estimate, eps: float) -> Estimate:
    r"""Perimeter from two independent eps-boundary estimates at ``eps / 2`` and ``eps``.

    With :math:`r(\varepsilon) = \gamma(\partial^\varepsilon)/(2\varepsilon) = P + a\varepsilon
    + O(\varepsilon^2)`, the Richardson step :math:`2 r(\varepsilon/2) - r(\varepsilon)` removes
    the first-order term that a plain :math:`r(\varepsilon)` keeps; its standard error combines
    the two inputs' as independent, :math:`\sqrt{4 s_{1/2}^2 + s_1^2} / (2\varepsilon)`.

    Parameters
    ----------
    half, full : Estimate
        Scalar estimates of :math:`\gamma(\partial^{\varepsilon/2})` and
        :math:`\gamma(\partial^{\varepsilon})` from independent draws.
    eps : float
        The larger width, > 0.

    Returns
    -------
    Estimate
        ``method = "<half's method>-richardson"``, ``n_samples`` the two inputs' together.

    Examples
    --------
    >>> import math
    >>> from scipy.special import ndtr
    >>> from gaussiso import Estimate
    >>> from gaussiso._optimal_partition import richardson_perimeter
    >>> band = lambda e: Estimate(2 * ndtr(e) - 1, 0.0, 1, "exact")  # a half-space
    >>> per = richardson_perimeter(band(0.05), band(0.1), 0.1)
    >>> round(per.value * math.sqrt(2 * math.pi), 6)  # 1 + eps^2 / 12 + O(eps^4)
    1.000831
    """
    e = check_positive_float(eps, "eps")
    for name, est in (("half", half), ("full", full)):
        if not isinstance(est, Estimate):
            raise TypeError(f"{name} must be an Estimate, got {type(est).__name__}")
        if np.ndim(est.value) != 0:
            raise ValueError(f"{name} must be a scalar Estimate, got value of shape {np.shape(est.value)}")
    value = (2.0 * float(half.value) / e) - float(full.value) / (2.0 * e)
    se = math.sqrt(4.0 * float(half.stderr) ** 2 / e**2 + float(full.stderr) ** 2 / (4.0 * e**2))
    return Estimate(value, se, int(half.n_samples) + int(full.n_samples), f"{half.method}-richardson")


def probe_perimeter(label, d, eps=0.05, *, n_samples=2**15, n_directions=32, n_radii=4, rng=None) -> Estimate:
    r"""Gaussian perimeter of any partition given by a label function, from probes.

    Two independent :func:`probe_eps_boundary` estimates at ``eps / 2`` and ``eps``, combined
    by :func:`richardson_perimeter` (:math:`2 r(\varepsilon/2) - r(\varepsilon)`, bias
    :math:`O(\varepsilon^2)` for piecewise smooth interfaces). The probes make each band a
    lower bound up to its standard error (they miss thin slivers); checked against exact
    perimeters of half-spaces and planar Voronoi partitions.

    Parameters
    ----------
    label : callable
        ``label(z)`` for ``z`` of shape (n, d) returns integer labels of shape (n,).
    d : int
    eps : float, default 0.05
        The larger width: smaller lowers the bias and raises the standard error (about
        :math:`\sqrt{4.5\,P/(\varepsilon n)}` from the two bands' binomial errors).
    n_samples, n_directions, n_radii : int
        Per width, as in :func:`probe_eps_boundary`.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    Estimate
        ``method = "mc-probe-richardson"``.

    Examples
    --------
    >>> import math
    >>> from gaussiso._optimal_partition import probe_perimeter
    >>> est = probe_perimeter(lambda z: (z[:, 0] > 0.3).astype(int), 2, rng=0)
    >>> bool(abs(est.value - math.exp(-0.045) / math.sqrt(2 * math.pi)) < 5 * est.stderr)
    True
    """
    e = check_positive_float(eps, "eps")
    g = as_generator(rng)
    kw = dict(n_samples=n_samples, n_directions=n_directions, n_radii=n_radii)
    half = probe_eps_boundary(label, d, e / 2, rng=g, **kw)
    full = probe_eps_boundary(label, d, e, rng=g, **kw)
    return richardson_perimeter(half, full, e)
