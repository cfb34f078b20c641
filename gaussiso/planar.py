r"""Exact two-dimensional Gaussian geometry.

Closed-form standard Gaussian measures of polygons and Gaussian lengths of segments in
:math:`\mathbb{R}^2`, and, built on them, the exact cell measures, Gaussian perimeter and
eps-boundary measure of any planar :class:`gaussiso.VoronoiPartition` (cones or not). This is
the independent reference for Monte Carlo estimators in two dimensions, and the engine for
exact 2-D figures (every function returns shapely geometries or numbers, nothing is plotted).

Conventions
-----------
* :math:`\gamma` is the standard Gaussian measure of :math:`\mathbb{R}^2`, with density
  :math:`\varphi_2(z) = e^{-|z|^2/2} / (2\pi)`.
* The Gaussian length of a curve is :math:`\int \varphi_2 \, ds`; a whole line through the
  origin has Gaussian length :math:`1/\sqrt{2\pi}`. This is the perimeter convention of the
  project: :math:`\mathrm{Per}(\mathcal{A}) = \lim_{\varepsilon \to 0}
  \gamma(\partial^\varepsilon \mathcal{A}) / (2 \varepsilon)`.
* Unbounded Voronoi cells are clipped to the square :math:`[-R, R]^2` (``radius = R``,
  default 10). The Gaussian mass outside it, :math:`4 Q(R)(1 - Q(R)) = 3.0 \times 10^{-23}`
  for :math:`R = 10` (:math:`Q = 1 - \Phi`), bounds what each clipped measure misses, and
  :math:`e^{-R^2/2}/\sqrt{2\pi}` bounds the Gaussian length lost per interface line. These
  bounds, plus an allowance of ``1e-14`` for floating-point rounding, are the ``stderr`` of the
  returned :class:`gaussiso.Estimate`.
* The eps-boundary (Definition 3.4 of Issenhuth et al., 2023) of a partition into convex cells
  is the plane minus the union of the cells' inner parallel bodies, which are convex polygons:
  it is computed exactly, with no circular-arc approximation.

Beside the top-level functions
------------------------------
Three functions compute, exactly and for ``d == 2`` only, the same quantities as the
dimension-free estimators of :mod:`gaussiso`, with the same leading arguments and an
:class:`gaussiso.Estimate` as result; the names are parallel on purpose, so switching between
the two is a change of namespace:

=======================  ==============================  ==================================
quantity                 ``gaussiso.planar``             ``gaussiso``
=======================  ==============================  ==================================
cell measures            ``cell_measures``               ``cell_measures``
eps-boundary measure     ``eps_boundary_measure``        ``eps_boundary_measure``
Gaussian perimeter       ``perimeter``                   ``gaussian_perimeter``
keyword arguments        ``radius``                      ``method, n_samples, rtol, rng``
exact for                every planar partition          simplicial clusters, two cells
dimension                ``d == 2``                      any
=======================  ==============================  ==================================

The planar functions are exact for every planar Voronoi partition (``method = "exact"``,
``stderr`` a bound on what the clipping square ``[-radius, radius]^2`` leaves out); the
top-level ones are exact only for simplicial clusters and two cells, and Monte Carlo
otherwise. The keyword arguments are keyword-only and differ, so a call meant for the other
family fails with a TypeError rather than silently doing something else.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

from . import _planar_impl as _impl
from ._estimate import Estimate
from ._partition import VoronoiPartition, check_partition
from ._validation import check_array, check_positive_float

__all__ = [
    "gaussian_measure_polygon",
    "gaussian_length",
    "voronoi_cells",
    "interfaces",
    "cell_measures",
    "perimeter",
    "eps_boundary",
    "eps_boundary_measure",
]

# Allowance for floating-point rounding in the closed forms (tests check 1e-12 against
# independent references; observed errors are a few 1e-16).
_ROUNDING = 1e-14
# Largest clipping half-width. Cell vertices are intersections of lines with the square, so
# their rounding grows like 1e-16 R: measured errors are 1e-15 at R = 40, 1.2e-14 at 100,
# 7.6e-14 at 1000 (and the eps-strips vanish in rounding at 1e50). The rounding allowance in
# the stderr grows with R accordingly (_rounding), and R is capped where it stays small.
_MAX_RADIUS = 1e4


def _rounding(r: float) -> float:
    return _ROUNDING * max(1.0, r / 10.0)


# --------------------------------------------------------------------------- validation
def _check_partition(partition) -> VoronoiPartition:
    check_partition(partition)
    if partition.d != 2:
        raise ValueError(
            f"partition must live in R^2 (d == 2), got d = {partition.d}; for seeds spanning a "
            "plane, use partition.reduce() first"
        )
    return partition


def _check_radius(radius) -> float:
    if radius is None:
        return _impl.DEFAULT_RADIUS
    r = check_positive_float(radius, "radius")
    if r > _MAX_RADIUS:
        raise ValueError(
            f"radius must be <= {_MAX_RADIUS:g} (the Gaussian mass outside [-40, 40]^2 is already "
            f"below 1e-300, and the rounding of the clipped cells grows like 1e-16 radius), got {r:g}"
        )
    return r


def _check_eps(eps) -> float:
    return check_positive_float(eps, "eps")


def _polygons_of(geom, name: str):
    """The Polygons of a Polygon / MultiPolygon / GeometryCollection of polygons."""
    if not isinstance(geom, BaseGeometry):
        raise TypeError(f"{name} must be a shapely Polygon or MultiPolygon, got {type(geom).__name__}")
    if geom.is_empty:
        return []
    _check_planar(geom, name)
    if isinstance(geom, Polygon):
        parts = [geom]
    elif isinstance(geom, MultiPolygon):
        parts = list(geom.geoms)
    elif geom.geom_type == "GeometryCollection":
        # Points and lines (as left by shapely's set operations) have measure zero.
        parts = []
        for g in geom.geoms:
            if g.is_empty or g.geom_type in ("Point", "MultiPoint", "LineString", "LinearRing", "MultiLineString"):
                continue
            if isinstance(g, Polygon):
                parts.append(g)
            elif isinstance(g, MultiPolygon):
                parts.extend(g.geoms)
            else:
                raise TypeError(f"{name} must hold polygons, got a GeometryCollection with a {g.geom_type}")
        for g in parts:
            if not g.is_valid:
                raise ValueError(f"{name} must hold valid polygons: {shapely.is_valid_reason(g)}")
        if len(parts) > 1:
            total = sum(g.area for g in parts)
            if shapely.union_all(parts).area < total * (1.0 - 1e-9):
                raise ValueError(f"{name} must hold polygons with disjoint interiors (they overlap)")
        geom = None
    else:
        raise TypeError(f"{name} must be a shapely Polygon or MultiPolygon, got a {geom.geom_type}")
    if geom is not None and not geom.is_valid:
        raise ValueError(
            f"{name} must be a valid polygon (no self-intersection, holes inside the shell, "
            f"disjoint parts): {shapely.is_valid_reason(geom)}"
        )
    for p in parts:
        c = np.asarray(p.exterior.coords)
        if not np.all(np.isfinite(c)):
            raise ValueError(f"{name} must have finite coordinates")
    return parts


# --------------------------------------------------------------------------- polygons, lines
def gaussian_measure_polygon(poly) -> float:
    r"""Standard Gaussian measure of a polygon of the plane, in closed form.

    The polygon is split into signed triangles with a vertex at the origin (one per edge of
    every ring; the fan counts each point by its winding number, so holes subtract). A
    triangle :math:`O, A, B` is the signed difference of two right triangles
    :math:`O, F, P` (:math:`F` the foot of the perpendicular from :math:`O` to line
    :math:`AB`, at distance :math:`h`; :math:`P` at signed distance :math:`t` from
    :math:`F`) whose measure is, with Owen's T function,

    .. math::

        g(h, t) = \frac{\arctan(t/h)}{2\pi} - T\!\left(h, \frac{t}{h}\right),
        \qquad
        T(h, a) = \frac{1}{2\pi} \int_0^a \frac{e^{-h^2 (1 + x^2)/2}}{1 + x^2} \, dx .

    Parameters
    ----------
    poly : shapely Polygon, MultiPolygon, or GeometryCollection
        Valid, finite, two-dimensional coordinates (holes allowed; a geometry with z
        coordinates is refused with ValueError). Points and lines in
        a GeometryCollection (left over by shapely's set operations) have measure zero and
        are ignored.

    Returns
    -------
    float
        :math:`\gamma(\text{poly})`, accurate to about ``1e-15`` in absolute terms, also for
        huge polygons (edge distances to the origin are computed with an error-free cross
        product).

    Raises
    ------
    TypeError
        ``poly`` is not a polygonal shapely geometry.
    ValueError
        ``poly`` is invalid (e.g. self-intersecting) or has non-finite coordinates.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> from scipy.stats import norm
    >>> from gaussiso.planar import gaussian_measure_polygon
    >>> round(gaussian_measure_polygon(box(0, 0, 50, 50)), 12)  # a quadrant
    0.25
    >>> bool(abs(gaussian_measure_polygon(box(-1, -1, 1, 1)) - (2 * norm.cdf(1) - 1) ** 2) < 1e-15)
    True
    """
    parts = _polygons_of(poly, "poly")
    return float(sum(_impl.polygon_measure(p) for p in parts))


def _check_planar(geom, name: str):
    """Refuse geometries with z coordinates: the Gaussian here lives in R^2, and dropping z
    would silently measure the projection of a 3-D shape instead of the shape."""
    if geom.has_z:
        raise ValueError(
            f"{name} must be a 2-D geometry (x, y); got a {geom.geom_type} with z coordinates. "
            "Project it yourself (e.g. shapely.force_2d) if the x-y shadow is what you mean"
        )


def _segments_of(geom) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(geom, BaseGeometry):
        if geom.is_empty:
            return np.zeros((0, 2)), np.zeros((0, 2))
        _check_planar(geom, "geom")
        if geom.geom_type in ("LineString", "LinearRing"):
            lines = [geom]
        elif geom.geom_type == "MultiLineString":
            lines = list(geom.geoms)
        elif geom.geom_type == "GeometryCollection":
            lines = []
            for g in geom.geoms:
                if g.is_empty or g.geom_type in ("Point", "MultiPoint"):
                    continue  # points have length zero
                if g.geom_type in ("LineString", "LinearRing"):
                    lines.append(g)
                elif g.geom_type == "MultiLineString":
                    lines.extend(g.geoms)
                else:
                    raise TypeError(f"geom must hold only lines, got a GeometryCollection with a {g.geom_type}")
            if not lines:
                return np.zeros((0, 2)), np.zeros((0, 2))
        else:
            raise TypeError(
                f"geom must be a LineString, MultiLineString or an array of segments, got a "
                f"{geom.geom_type} (use poly.boundary for the boundary of a polygon)"
            )
        a_list, b_list = [], []
        for ln in lines:
            c = np.asarray(ln.coords, dtype=float)
            a_list.append(c[:-1])
            b_list.append(c[1:])
        a, b = np.vstack(a_list), np.vstack(b_list)
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
            raise ValueError("geom must have finite coordinates")
        return a, b
    segs = check_array(geom, "geom")
    if segs.ndim == 2 and segs.shape == (2, 2):
        segs = segs[None]
    if segs.ndim != 3 or segs.shape[1:] != (2, 2):
        raise ValueError(
            f"geom as an array must hold segments, shape (n, 2, 2) = (segment, endpoint, xy); got shape {segs.shape}"
        )
    return segs[:, 0, :], segs[:, 1, :]


def gaussian_length(geom) -> float:
    r"""Gaussian length :math:`\int \varphi_2(z)\, ds` of segments, in closed form.

    On a line at distance :math:`h` from the origin, parametrised by arc length :math:`t`
    from the foot of the perpendicular, :math:`\varphi_2 = \varphi(h)\varphi(t)`, so

    .. math::

        \int_{[A, B]} \varphi_2 \, ds = \varphi(h) \bigl(\Phi(t_B) - \Phi(t_A)\bigr).

    A whole line through the origin has Gaussian length :math:`\varphi(0) = 1/\sqrt{2\pi}`.
    Overlapping pieces are counted as many times as they are given.

    Parameters
    ----------
    geom : shapely LineString, LinearRing, MultiLineString, or array_like, shape (n, 2, 2)
        The array form lists segments as ``[[x0, y0], [x1, y1]]``; one segment of shape
        ``(2, 2)`` is accepted too. Coordinates must be finite and two-dimensional (a
        geometry with z coordinates is refused with ValueError).

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from gaussiso.planar import gaussian_length
    >>> bool(np.isclose(gaussian_length([[-40.0, 0.0], [40.0, 0.0]]), 1 / np.sqrt(2 * np.pi)))
    True
    """
    a, b = _segments_of(geom)
    return float(np.sum(_impl.segment_lengths(a, b)))


# --------------------------------------------------------------------------- Voronoi partitions
def voronoi_cells(partition, *, radius=None) -> list:
    r"""The cells of a planar Voronoi partition as shapely polygons, clipped to a square.

    Cell :math:`i` is the intersection of the half-planes
    :math:`\{z : |z - s_i| \le |z - s_j|\}` with the square :math:`[-R, R]^2`.

    Parameters
    ----------
    partition : gaussiso.VoronoiPartition
        With ``d == 2``.
    radius : float, optional
        Half-width :math:`R` of the clipping square, ``0 < R <= 1e4`` (default 10, where the
        Gaussian mass outside, :math:`4Q(R)(1 - Q(R))`, is :math:`3.0 \times 10^{-23}`). The
        rounding allowance in the returned ``stderr`` is ``1e-14 max(1, R/10)``.

    Returns
    -------
    list of shapely Polygon, length m
        Cell ``i`` (counter-clockwise; an empty Polygon when the cell misses the square).

    Raises
    ------
    ValueError
        ``partition.d != 2``, or ``radius`` not positive and finite.

    Examples
    --------
    >>> import gaussiso
    >>> from gaussiso.planar import voronoi_cells
    >>> cells = voronoi_cells(gaussiso.VoronoiPartition([[1.0, 0.0], [-1.0, 0.0]]), radius=2)
    >>> [c.bounds for c in cells]
    [(0.0, -2.0, 2.0, 2.0), (-2.0, -2.0, 0.0, 2.0)]
    """
    p = _check_partition(partition)
    r = _check_radius(radius)
    bis = _bisectors(p)
    out = []
    for i in range(p.m):
        v, _ = _impl.cell_polygon(*bis, i, r)
        out.append(Polygon(v) if v.shape[0] >= 3 else Polygon())
    return out


def interfaces(partition, *, radius=None) -> dict:
    r"""The interfaces :math:`A_i \cap A_j` (``i < j``) of a planar Voronoi partition.

    Parameters
    ----------
    partition : gaussiso.VoronoiPartition
        With ``d == 2``.
    radius : float, optional
        Half-width of the clipping square, as in :func:`voronoi_cells`.

    Returns
    -------
    dict
        ``{(i, j): LineString}`` for every pair of cells sharing an edge inside the square
        (a segment of their bisector).

    Examples
    --------
    >>> import gaussiso
    >>> from gaussiso.planar import interfaces
    >>> list(interfaces(gaussiso.simplicial_cluster(3, 2)))
    [(0, 1), (0, 2), (1, 2)]
    """
    p = _check_partition(partition)
    r = _check_radius(radius)
    return {k: LineString(seg) for k, seg in _interface_segments(p, r).items()}


def _bisectors(p: VoronoiPartition) -> tuple[np.ndarray, np.ndarray]:
    """Unit normals (m, m, 2) and offsets (m, m) of the bisectors, free of overflow."""
    return p._unit_normals(), p._bisector_offsets()


def _interface_segments(p: VoronoiPartition, r: float) -> dict:
    out = {}
    bis = _bisectors(p)
    for i in range(p.m):
        v, lab = _impl.cell_polygon(*bis, i, r)
        for e in range(v.shape[0]):
            j = int(lab[e])
            if j > i:
                out[(i, j)] = np.array([v[e], v[(e + 1) % v.shape[0]]])
    return dict(sorted(out.items()))


def cell_measures(partition, *, radius=None) -> Estimate:
    r"""Exact Gaussian measures :math:`\gamma(A_i)` of the cells of a planar Voronoi partition.

    Parameters
    ----------
    partition : gaussiso.VoronoiPartition
        With ``d == 2`` (cones or not).
    radius : float, optional
        Half-width of the clipping square, as in :func:`voronoi_cells`.

    Returns
    -------
    Estimate
        ``value``: ndarray, shape (m,); ``stderr``: ndarray, shape (m,), the Gaussian mass
        outside the square (a bound on what each clipped cell misses) plus ``1e-14`` for
        rounding; ``method = "exact"``, ``n_samples = 0``.

    Examples
    --------
    >>> import numpy as np, gaussiso
    >>> from gaussiso.planar import cell_measures
    >>> est = cell_measures(gaussiso.simplicial_cluster(3, 2))
    >>> bool(np.allclose(est.value, 1 / 3, atol=1e-14))
    True
    """
    p = _check_partition(partition)
    r = _check_radius(radius)
    vals = np.empty(p.m)
    bis = _bisectors(p)
    for i in range(p.m):
        v, _ = _impl.cell_polygon(*bis, i, r)
        vals[i] = _impl.fan_measure(*_impl.closed(v)) if v.shape[0] else 0.0
    err = np.full(p.m, _impl.box_tail_mass(r) + _rounding(r))
    return Estimate(vals, err, 0, "exact")


def perimeter(partition, *, radius=None) -> Estimate:
    r"""Exact Gaussian perimeter of a planar Voronoi partition.

    The sum of the Gaussian lengths of the interfaces, each shared edge counted once:

    .. math::

        \mathrm{Per}(\mathcal{A}) = \sum_{i < j} \int_{A_i \cap A_j} \varphi_2 \, ds
        = \lim_{\varepsilon \to 0} \frac{\gamma(\partial^\varepsilon \mathcal{A})}{2\varepsilon}.

    A line through the origin (two half-planes) has :math:`1/\sqrt{2\pi}`; the simplicial
    3-cluster (three rays) has :math:`3 / (2\sqrt{2\pi})`.

    Parameters
    ----------
    partition : gaussiso.VoronoiPartition
        With ``d == 2``.
    radius : float, optional
        Half-width of the clipping square, as in :func:`voronoi_cells`.

    Returns
    -------
    Estimate
        Scalar; ``stderr`` = :math:`m(m-1)/2` x :math:`e^{-R^2/2}/\sqrt{2\pi}` (length lost
        outside the square) + ``1e-14``; ``method = "exact"``.

    Examples
    --------
    >>> import numpy as np, gaussiso
    >>> from gaussiso.planar import perimeter
    >>> per = perimeter(gaussiso.simplicial_cluster(3, 2))
    >>> bool(abs(per.value - 3 / (2 * np.sqrt(2 * np.pi))) < 1e-14)
    True
    """
    p = _check_partition(partition)
    r = _check_radius(radius)
    segs = _interface_segments(p, r)
    if segs:
        arr = np.array(list(segs.values()))
        total = float(np.sum(_impl.segment_lengths(arr[:, 0], arr[:, 1])))
    else:
        total = 0.0
    # Every interface lies on one of the m(m-1)/2 bisector lines; each loses at most
    # exp(-R^2/2)/sqrt(2 pi) outside the square (interfaces entirely outside included).
    n_lines = p.m * (p.m - 1) // 2
    err = n_lines * _impl.line_tail_length(r) + _rounding(r)
    return Estimate(total, err, 0, "exact")


def _inner_polygons(p: VoronoiPartition, r: float, eps: float):
    """Clipped cells and their eps-interiors, as vertex arrays."""
    cells, inner = [], []
    bis = _bisectors(p)
    for i in range(p.m):
        cells.append(_impl.cell_polygon(*bis, i, r)[0])
        inner.append(_impl.cell_polygon(*bis, i, r, eps)[0])
    return cells, inner


def eps_boundary(partition, eps, *, radius=None):
    r"""The eps-boundary of a planar Voronoi partition (Definition 3.4), as a shapely geometry.

    .. math::

        \partial^\varepsilon \mathcal{A}
        = \bigcup_i \Bigl(\bigcup_{j \ne i} A_j\Bigr)^{\varepsilon} \setminus \bigcup_{j \ne i} A_j
        = \{z : \mathrm{dist}(z, \textstyle\bigcup_{j \ne \ell(z)} A_j) < \varepsilon\},

    where :math:`\ell(z)` is the cell of :math:`z`. Since the cells are convex, the points of
    :math:`A_i` at distance :math:`\ge \varepsilon` from the other cells form the polygon
    :math:`\{z : n_{ij} \cdot z \le c_{ij} - \varepsilon\ \forall j\}` (the bisector
    half-planes moved inwards by :math:`\varepsilon`), so the eps-boundary is the square minus
    these convex polygons: exact, bounded by straight segments only (no arcs: those appear
    around convex sets' outsides, which the definition never uses).

    Parameters
    ----------
    partition : gaussiso.VoronoiPartition
        With ``d == 2``.
    eps : float
        ``eps > 0``, finite.
    radius : float, optional
        Half-width of the clipping square, as in :func:`voronoi_cells`.

    Returns
    -------
    shapely Polygon or MultiPolygon
        :math:`\partial^\varepsilon \mathcal{A} \cap [-R, R]^2` (the cells' inner parallel
        bodies appear as holes, or are cut out of the border when they reach the square).

    Examples
    --------
    >>> import numpy as np, gaussiso
    >>> from gaussiso.planar import eps_boundary, gaussian_measure_polygon
    >>> from scipy.stats import norm
    >>> part = gaussiso.VoronoiPartition([[1.0, 0.0], [-1.0, 0.0]])
    >>> region = eps_boundary(part, 0.1)
    >>> tuple(round(b, 12) for b in region.bounds)
    (-0.1, -10.0, 0.1, 10.0)
    >>> bool(abs(gaussian_measure_polygon(region) - (2 * norm.cdf(0.1) - 1)) < 1e-14)
    True
    """
    p = _check_partition(partition)
    e = _check_eps(eps)
    r = _check_radius(radius)
    _, inner = _inner_polygons(p, r, e)
    holes = [Polygon(v) for v in inner if v.shape[0] >= 3]
    square = box(-r, -r, r, r)
    if not holes:
        return square
    return square.difference(MultiPolygon(holes))


def eps_boundary_measure(partition, eps, *, radius=None) -> Estimate:
    r"""Exact Gaussian measure of the eps-boundary of a planar Voronoi partition.

    .. math::

        \gamma(\partial^\varepsilon \mathcal{A})
        = \sum_i \bigl[\gamma(A_i) - \gamma(A_i^{-\varepsilon})\bigr],
        \qquad A_i^{-\varepsilon} = \{z \in A_i : \mathrm{dist}(z, A_i^c) \ge \varepsilon\},

    each term a closed-form polygon measure (see :func:`eps_boundary`).

    Parameters
    ----------
    partition : gaussiso.VoronoiPartition
        With ``d == 2``.
    eps : float
        ``eps > 0``, finite.
    radius : float, optional
        Half-width of the clipping square, as in :func:`voronoi_cells`.

    Returns
    -------
    Estimate
        Scalar. ``value`` is the measure inside the square; the true value lies in
        ``[value, value + tail]`` with ``tail`` the Gaussian mass outside the square;
        ``stderr = tail + 1e-14`` (rounding allowance). There is no arc approximation error.

    Examples
    --------
    >>> import numpy as np, gaussiso
    >>> from gaussiso.planar import eps_boundary_measure
    >>> from scipy.stats import norm
    >>> est = eps_boundary_measure(gaussiso.VoronoiPartition([[1.0, 0.0], [-1.0, 0.0]]), 0.2)
    >>> bool(abs(est.value - (2 * norm.cdf(0.2) - 1)) < 1e-14)
    True
    """
    p = _check_partition(partition)
    e = _check_eps(eps)
    r = _check_radius(radius)
    cells, inner = _inner_polygons(p, r, e)
    terms = []
    for c, v in zip(cells, inner):
        if c.shape[0]:
            terms.append(_impl.fan_measure(*_impl.closed(c)))
        if v.shape[0]:
            terms.append(-_impl.fan_measure(*_impl.closed(v)))
    val = max(math.fsum(terms), 0.0)
    return Estimate(val, _impl.box_tail_mass(r) + _rounding(r), 0, "exact")
