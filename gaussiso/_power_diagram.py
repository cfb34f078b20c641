r"""Power diagrams (Voronoi cells with additive weights) and their Gaussian measures.

A power diagram of :math:`\mathbb{R}^d` with seeds :math:`s_i` and offsets :math:`b_i` has cells

.. math::

    A_i = \{z : b_i - 2 s_i \cdot z \le b_j - 2 s_j \cdot z \ \forall j\},

i.e. :math:`\arg\min_i |z - s_i|^2 - w_i` with :math:`b_i = |s_i|^2 - w_i`; ``b_i = |s_i|^2``
is the Voronoi diagram. Cells are convex polyhedra, interfaces are flat, and the distance
from :math:`z \in A_i` to the other cells is the smallest distance to the constraint
hyperplanes, :math:`\min_{j \ne i} (f_j(z) - f_i(z)) / (2 |s_j - s_i|)` with
:math:`f_i(z) = b_i - 2 s_i \cdot z`.

Exact planar quantities (``d = 2``) reuse the closed forms of :mod:`gaussiso._planar_impl`
(cells clipped to :math:`[-R, R]^2`, ``R = 10``); in any dimension the Monte Carlo estimators
below are unbiased with a standard error; for ``d = 3`` a slicing quadrature (exact planar
quantities of the 2-D slices, midpoints of equal-probability bins of the slice height) gives a smooth objective for
the optimiser (its discretisation error is not certified: final numbers come from Monte Carlo).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtri

from . import _optpart_kernels as K
from . import _planar_impl as _impl
from ._estimate import Estimate
from ._rng import as_generator
from ._validation import check_array, check_int, check_points, check_positive_float

__all__ = ["PowerDiagram"]

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_ROUNDING = 1e-14


# --------------------------------------------------------------------------- planar engine
def planar_cells(seeds, offsets, radius=_impl.DEFAULT_RADIUS, shift=None):
    """``verts, labels, counts`` of the clipped cells (see :func:`_optpart_kernels.clip_cells`)."""
    m = seeds.shape[0]
    if shift is None:
        shift = np.zeros((m, m))
    return K.clip_cells(
        np.ascontiguousarray(seeds, dtype=float),
        np.ascontiguousarray(offsets, dtype=float),
        float(radius),
        np.ascontiguousarray(shift, dtype=float),
    )


def _flatten(verts, counts):
    m = verts.shape[0]
    idx = [np.arange(k) for k in counts]
    cell = np.repeat(np.arange(m), counts)
    pos = np.concatenate(idx) if len(idx) else np.zeros(0, dtype=int)
    nxt = np.concatenate([np.roll(np.arange(k), -1) for k in counts]) if len(idx) else np.zeros(0, dtype=int)
    a = verts[cell, pos]
    b = verts[cell, nxt]
    return a, b, cell, pos


def _edge_sum(a, b, cell, n):
    """Gaussian measures of ``n`` polygons from their directed edges ``a -> b`` (shape (E, 2)),
    edge ``e`` belonging to polygon ``cell[e]``: signed right-triangle measures, summed."""
    ok, h, ta, tb, sg = _impl._edge_geometry(a, b)
    ok &= sg != 0
    vals = np.zeros(a.shape[0])
    if np.any(ok):
        g = _impl.right_triangle_measure(np.concatenate([h[ok], h[ok]]), np.concatenate([tb[ok], ta[ok]]))
        k = int(ok.sum())
        vals[ok] = sg[ok] * (g[:k] - g[k:])
    return np.bincount(cell, weights=vals, minlength=n)


def _cell_measures_of(verts, counts):
    m = verts.shape[0]
    if counts.sum() == 0:
        return np.zeros(m)
    a, b, cell, _ = _flatten(verts, counts)
    return _edge_sum(a, b, cell, m)


def planar_evaluate(seeds, offsets, *, radius=_impl.DEFAULT_RADIUS, eps=None, shift_norms=None, pair_weight=None):
    """Exact cell measures, perimeter and (optionally) eps-boundary measure of a planar diagram.

    ``pair_weight`` (m, m), optional: the perimeter sums ``pair_weight[i, j]`` times the Gaussian
    length of interface ``ij`` (for the slicing quadrature of 3-D diagrams). ``shift_norms``
    (m, m): the lengths ``|s_j - s_i|`` by which the eps shift is scaled (default: the 2-D ones).
    """
    verts, labels, counts = planar_cells(seeds, offsets, radius)
    meas = _cell_measures_of(verts, counts)
    a, b, cell, pos = _flatten(verts, counts)
    lab = labels[cell, pos]
    inter = lab > cell
    lengths = _impl.segment_lengths(a[inter], b[inter])
    if pair_weight is not None:
        lengths = lengths * pair_weight[cell[inter], lab[inter]]
    per = float(np.sum(lengths))
    epsm = None
    if eps is not None:
        epsm = []
        for e in np.atleast_1d(eps):
            if shift_norms is None:
                dn = np.linalg.norm(seeds[:, None, :] - seeds[None, :, :], axis=-1)
            else:
                dn = shift_norms
            vi, _, ci = planar_cells(seeds, offsets, radius, 2.0 * float(e) * dn)
            epsm.append(float(np.sum(meas) - np.sum(_cell_measures_of(vi, ci))))
        epsm = np.array(epsm)
    return meas, per, epsm


# --------------------------------------------------------------------------- 3-D
def _slice_nodes(n):
    # Midpoints of n equal-probability bins: robust to the kinks of the slice measures in t
    # (Gauss-Hermite is not: slices change topology at vertex heights).
    return ndtri((np.arange(n) + 0.5) / n), np.full(n, 1.0 / n)


def _batch_measures(verts, counts):
    """Exact Gaussian measures of a batch of convex polygons ``verts (P, K, 2)``."""
    n_p, kmax = verts.shape[:2]
    pos = np.arange(kmax)[None, :]
    valid = pos < counts[:, None]
    nxt = np.where(pos + 1 < counts[:, None], pos + 1, 0)
    pidx = np.broadcast_to(np.arange(n_p)[:, None], valid.shape)
    a = verts[valid]
    b = verts[pidx[valid], nxt[valid]]
    cell = pidx[valid]
    if a.shape[0] == 0:
        return np.zeros(n_p)
    return _edge_sum(a, b, cell, n_p)


def sliced_measures(seeds, offsets, basis, *, n_slices=40, eps=None):
    """Cell measures (and eps-boundary measures) of a 3-D power diagram by slicing.

    ``basis`` (3, 3) orthonormal columns ``u1, u2, u3``; slices ``{z . u3 = t}`` at the midpoints
    ``t_k = Phi^{-1}((k + 1/2) / n)`` of ``n`` equal-probability bins (weights ``1/n``). Each slice
    of cell ``i`` is the planar polygon ``{y : 2 (s_j - s_i)_2 . y <= b_j(t) - b_i(t)}`` with
    ``b(t) = b - 2 t S u3``, measured exactly; the eps-interior of the 3-D cell slices into the
    same polygon with the constants lowered by ``2 eps |s_j - s_i|`` (3-D norms). The error is
    that of the midpoint rule on a piecewise smooth function of ``t`` (about ``3e-4`` in the
    measures for ``n = 40``, see the tests); it is not certified.
    """
    m = seeds.shape[0]
    s2 = seeds @ basis[:, :2]
    h = seeds @ basis[:, 2]
    nodes, weights = _slice_nodes(n_slices)
    normals = 2.0 * (s2[None, :, :] - s2[:, None, :])  # [i, j] = 2 (s_j - s_i)
    bt = offsets[None, :] - 2.0 * nodes[:, None] * h[None, :]  # (S, m)
    consts = bt[:, None, :] - bt[:, :, None]  # [t, i, j] = b_j(t) - b_i(t)
    nrm = np.broadcast_to(normals[None], (n_slices, m, m, 2)).reshape(-1, m, 2)
    v, _, c = K.clip_batch(np.ascontiguousarray(nrm), np.ascontiguousarray(consts.reshape(-1, m)), _impl.DEFAULT_RADIUS)
    meas = (_batch_measures(v, c).reshape(n_slices, m) * weights[:, None]).sum(axis=0)
    epsm = None
    if eps is not None:
        d3 = np.linalg.norm(seeds[None, :, :] - seeds[:, None, :], axis=-1)
        epsm = []
        for e in np.atleast_1d(eps):
            ce = consts - 2.0 * float(e) * d3[None]
            v, _, c = K.clip_batch(
                np.ascontiguousarray(nrm), np.ascontiguousarray(ce.reshape(-1, m)), _impl.DEFAULT_RADIUS
            )
            inner = (_batch_measures(v, c).reshape(n_slices, m) * weights[:, None]).sum()
            epsm.append(float(meas.sum() - inner))
        epsm = np.array(epsm)
    return meas, epsm


def facet_perimeter(seeds, offsets):
    """Exact Gaussian perimeter of a 3-D power diagram (see :func:`facet_areas`)."""
    _, _, c, area = facet_areas(seeds, offsets)
    return float(np.sum(_INV_SQRT_2PI * np.exp(-0.5 * c * c) * area))


def facet_areas(seeds, offsets):
    r"""Pairs ``ii, jj``, interface offsets ``c`` and planar measures of the facets of a diagram.

    Exact Gaussian perimeter of a 3-D power diagram, facet by facet.

    The interface of cells ``i < j`` lies in the plane ``{n . z = c}``, ``n = (s_j - s_i) /
    |s_j - s_i|``, ``c = (b_j - b_i) / (2 |s_j - s_i|)``; in an orthonormal basis ``E`` of that
    plane (``z = c n + E y``) it is the convex polygon ``{y : 2 E^T (s_k - s_i) . y <= b_k - b_i -
    2 c (s_k - s_i) . n, k != i, j}``, and since :math:`\varphi_3(c n + E y) = \varphi(c)
    \varphi_2(y)` its Gaussian area is :math:`\varphi(c)\, \gamma_2(\text{polygon})`, in
    closed form (polygons clipped to ``[-10, 10]^2``). Returns ``(ii, jj, c, area)`` with
    ``area`` the 2-D Gaussian measure of each facet polygon (0 for pairs that do not touch).
    """
    m, d = seeds.shape
    ii, jj = np.triu_indices(m, 1)
    dv = seeds[jj] - seeds[ii]
    dn = np.linalg.norm(dv, axis=1)
    keep = dn > 0
    ii, jj, dv, dn = ii[keep], jj[keep], dv[keep], dn[keep]
    n = dv / dn[:, None]
    c = (offsets[jj] - offsets[ii]) / (2.0 * dn)
    # orthonormal basis of each plane: complete n with QR
    P = ii.size
    E = np.empty((P, d, d - 1))
    for p in range(P):
        q, _ = np.linalg.qr(np.column_stack([n[p], np.eye(d)]))
        E[p] = q[:, 1:d]
    dk = seeds[None, :, :] - seeds[ii][:, None, :]  # (P, m, d): s_k - s_i
    normals = 2.0 * np.einsum("pkd,pde->pke", dk, E)
    consts = offsets[None, :] - offsets[ii][:, None] - 2.0 * c[:, None] * np.einsum("pkd,pd->pk", dk, n)
    # the constraints of i and j themselves are the plane: drop them
    normals[np.arange(P), ii] = 0.0
    normals[np.arange(P), jj] = 0.0
    consts[np.arange(P), ii] = 0.0
    consts[np.arange(P), jj] = 0.0
    v, _, cnt = K.clip_batch(np.ascontiguousarray(normals), np.ascontiguousarray(consts), _impl.DEFAULT_RADIUS)
    area = _batch_measures(v, cnt)
    return ii, jj, c, area


# --------------------------------------------------------------------------- the diagram
class PowerDiagram:
    r"""A power diagram of :math:`\mathbb{R}^d`: cells :math:`\arg\min_i (b_i - 2 s_i \cdot z)`.

    Parameters
    ----------
    seeds : array_like, shape (m, d)
    offsets : array_like, shape (m,)
        ``b_i``; ``offsets = |seeds|^2`` is the Voronoi diagram of the seeds.

    Examples
    --------
    >>> import numpy as np
    >>> from gaussiso._power_diagram import PowerDiagram
    >>> p = PowerDiagram([[1.0, 0.0], [-1.0, 0.0]], [0.5, 0.0])
    >>> p.label(np.array([[0.2, 0.0], [0.0, 0.0]]))
    array([0, 1])
    >>> float(p.boundary_distance(np.array([0.0, 0.0])))
    0.125
    """

    def __init__(self, seeds, offsets):
        s = check_array(seeds, "seeds", ndim=2)
        b = check_array(offsets, "offsets", ndim=1)
        if s.shape[0] < 2 or s.shape[1] < 1:
            raise ValueError(f"seeds must have shape (m, d) with m >= 2, d >= 1, got {s.shape}")
        if b.shape[0] != s.shape[0]:
            raise ValueError(f"offsets must have shape ({s.shape[0]},), got {b.shape}")
        self.seeds = s
        self.offsets = b
        diff = s[:, None, :] - s[None, :, :]
        self._pair_dist = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))

    @property
    def m(self) -> int:
        return self.seeds.shape[0]

    @property
    def d(self) -> int:
        return self.seeds.shape[1]

    def __repr__(self) -> str:
        return f"PowerDiagram(m={self.m}, d={self.d})"

    def _scores(self, z):
        return self.offsets[None, :] - 2.0 * (z @ self.seeds.T)

    def label(self, z):
        """Index of the cell of each point, shape (n,) (ties go to the lower index)."""
        a, single = check_points(z, self.d)
        lab = np.argmin(self._scores(a), axis=1).astype(np.int64)
        return lab[0] if single else lab

    def boundary_distance(self, z):
        """Exact Euclidean distance from each point to the union of the other cells."""
        a, single = check_points(z, self.d)
        out = self._boundary_distance(a)
        return out[0] if single else out

    def _boundary_distance(self, a):
        sc = self._scores(a)
        lab = np.argmin(sc, axis=1)
        own = np.take_along_axis(sc, lab[:, None], axis=1)
        pd = self._pair_dist[lab]
        with np.errstate(divide="ignore", invalid="ignore"):
            dist = (sc - own) / (2.0 * pd)
        dist[pd == 0] = np.inf
        dist[np.arange(a.shape[0]), lab] = np.inf
        return np.maximum(dist.min(axis=1), 0.0)

    # ------------------------------------------------------------------ exact (d = 2)
    def _require_plane(self):
        if self.d != 2:
            raise ValueError(f"exact evaluation needs d == 2, got d = {self.d}; use method='mc'")

    def cells(self, radius=_impl.DEFAULT_RADIUS):
        """Planar cells as shapely polygons clipped to ``[-radius, radius]^2`` (``d == 2``)."""
        from shapely.geometry import Polygon

        self._require_plane()
        v, _, c = planar_cells(self.seeds, self.offsets, radius)
        return [Polygon(v[i, : c[i]]) if c[i] >= 3 else Polygon() for i in range(self.m)]

    # ------------------------------------------------------------------ estimators
    def cell_measures(self, *, method="auto", n_samples=2**18, rng=None) -> Estimate:
        """Gaussian measures of the cells: exact for ``d == 2``, Monte Carlo otherwise."""
        if _method(method, self.d) == "exact":
            meas, _, _ = planar_evaluate(self.seeds, self.offsets)
            err = np.full(self.m, _impl.box_tail_mass(_impl.DEFAULT_RADIUS) + _ROUNDING)
            return Estimate(meas, err, 0, "exact")
        n = check_int(n_samples, "n_samples", low=2)
        g = as_generator(rng)
        counts = np.zeros(self.m)
        for z in _chunks(g, n, self.d):
            counts += np.bincount(np.argmin(self._scores(z), axis=1), minlength=self.m)
        p = counts / n
        return Estimate(p, np.sqrt(p * (1 - p) / n), n, "mc")

    def perimeter(self, *, method="auto", n_samples=2**16, rng=None) -> Estimate:
        r"""Gaussian perimeter :math:`\sum_{i<j} \int_{A_i \cap A_j} \varphi_d`.

        ``d == 2``: exact (Gaussian lengths of the interface segments); ``d == 3``: exact facet by
        facet (:func:`facet_perimeter`). ``method="mc"`` (any ``d``): Monte Carlo,
        for a standard Gaussian point :math:`g` and every pair, project :math:`g` on the
        hyperplane :math:`H_{ij} = \{n \cdot z = c\}`; the projection is distributed on
        :math:`H_{ij}` as :math:`\varphi_{d-1}` about the foot, and :math:`\varphi_d =
        \varphi(c) \varphi_{d-1}` there, so
        :math:`X(g) = \sum_{i<j} \varphi(c_{ij}) 1\{\pi_{ij} g \in A_i \cap A_j\}` is unbiased.
        """
        kind = _method(method, self.d, (2, 3))
        if kind == "exact" and self.d == 3:
            per = facet_perimeter(self.seeds, self.offsets)
            err = self.m * (self.m - 1) / 2 * _impl.box_tail_mass(_impl.DEFAULT_RADIUS) + _ROUNDING
            return Estimate(per, err, 0, "exact-facets")
        if kind == "exact":
            _, per, _ = planar_evaluate(self.seeds, self.offsets)
            err = self.m * (self.m - 1) / 2 * _impl.line_tail_length(_impl.DEFAULT_RADIUS) + _ROUNDING
            return Estimate(per, err, 0, "exact")
        n = check_int(n_samples, "n_samples", low=2)
        g = as_generator(rng)
        ii, jj = np.triu_indices(self.m, 1)
        dvec = self.seeds[jj] - self.seeds[ii]
        nrm = np.linalg.norm(dvec, axis=1)
        keep = nrm > 0
        ii, jj, dvec, nrm = ii[keep], jj[keep], dvec[keep], nrm[keep]
        nv = dvec / nrm[:, None]
        c = (self.offsets[jj] - self.offsets[ii]) / (2.0 * nrm)
        phic = _INV_SQRT_2PI * np.exp(-0.5 * c * c)
        xs = []
        for z in _chunks(g, n, self.d, size=2**12):
            # projections, shape (chunk, pairs, d)
            proj = z[:, None, :] - ((z @ nv.T) - c[None, :])[:, :, None] * nv[None, :, :]
            sc = self.offsets[None, None, :] - 2.0 * np.einsum("npd,md->npm", proj, self.seeds)
            own = sc[:, np.arange(ii.size), ii]
            sc[:, np.arange(ii.size), ii] = np.inf
            sc[:, np.arange(ii.size), jj] = np.inf
            tol = 1e-12 * (1.0 + np.abs(own))
            hit = sc.min(axis=2) >= own - tol
            xs.append(hit.astype(float) @ phic)
        x = np.concatenate(xs)
        return Estimate(float(x.mean()), float(x.std(ddof=1) / math.sqrt(n)), n, "mc-facet-projection")

    def eps_boundary_measure(self, eps, *, method="auto", n_samples=2**18, rng=None) -> Estimate:
        """Gaussian measure of the eps-boundary (Definition 3.4): exact for ``d == 2``."""
        e = check_positive_float(eps, "eps")
        if _method(method, self.d) == "exact":
            _, _, em = planar_evaluate(self.seeds, self.offsets, eps=e)
            return Estimate(float(max(em[0], 0.0)), _impl.box_tail_mass(_impl.DEFAULT_RADIUS) + _ROUNDING, 0, "exact")
        n = check_int(n_samples, "n_samples", low=2)
        g = as_generator(rng)
        hits = 0
        for z in _chunks(g, n, self.d):
            hits += int(np.sum(self._boundary_distance(z) < e))
        p = hits / n
        return Estimate(p, math.sqrt(p * (1 - p) / n), n, "mc")


def _method(method, d, exact_dims=(2,)):
    if method not in ("auto", "exact", "mc"):
        raise ValueError(f"method must be one of ['auto', 'exact', 'mc'], got {method!r}")
    if method == "exact" and d not in exact_dims:
        raise ValueError(f"method='exact' needs d in {list(exact_dims)}, got d = {d}")
    if method == "auto":
        return "exact" if d in exact_dims else "mc"
    return method


def _chunks(g, n, d, size=2**16):
    done = 0
    while done < n:
        k = min(size, n - done)
        yield g.standard_normal((k, d))
        done += k
