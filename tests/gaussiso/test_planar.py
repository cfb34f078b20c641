"""Tests for gaussiso.planar: exact planar Gaussian geometry against closed forms, quadrature,
an independent buffer construction, Monte Carlo, and invariances."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate
from scipy.special import ndtr
from scipy.stats import norm
from shapely import affinity
from shapely.geometry import (
    GeometryCollection,
    LineString,
    MultiLineString,
    MultiPolygon,
    Point,
    Polygon,
    box,
)
from shapely.ops import unary_union

import gaussiso
from gaussiso import planar as pl

INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
TOL = 1e-13  # closed forms are exact; this only absorbs floating-point rounding
BIG = 1e6  # coordinates "at infinity": the Gaussian mass beyond is exp(-BIG^2/2) = 0


def _sector(theta0: float, theta: float, radius: float = 60.0) -> Polygon:
    """The sector {angle in [theta0, theta0 + theta]} clipped to a polygon of circumradius."""
    k = max(int(np.ceil(theta / 0.5)), 1)
    ang = theta0 + np.linspace(0.0, theta, k + 1)
    pts = [(0.0, 0.0)] + [(radius * np.cos(a), radius * np.sin(a)) for a in ang]
    return Polygon(pts)


def _triangle_quad(tri: np.ndarray) -> float:
    """Gaussian measure of a triangle by 1-D quadrature over x of phi(x) [Phi(y_hi) - Phi(y_lo)]."""
    xs = np.sort(tri[:, 0])
    edges = [(tri[k], tri[(k + 1) % 3]) for k in range(3)]

    def ys(x):
        vals = []
        for p, q in edges:
            lo, hi = min(p[0], q[0]), max(p[0], q[0])
            if lo <= x <= hi and hi > lo:
                vals.append(p[1] + (x - p[0]) * (q[1] - p[1]) / (q[0] - p[0]))
        return min(vals), max(vals)

    def f(x):
        lo, hi = ys(x)
        return norm.pdf(x) * (norm.cdf(hi) - norm.cdf(lo))

    val, _ = integrate.quad(f, xs[0], xs[2], points=[xs[1]], epsabs=1e-15, epsrel=1e-13, limit=200)
    return val


# --------------------------------------------------------------------------- polygon measures
def test_half_planes_and_quadrant():
    assert abs(pl.gaussian_measure_polygon(box(0, -BIG, BIG, BIG)) - 0.5) < TOL
    assert abs(pl.gaussian_measure_polygon(box(0, 0, BIG, BIG)) - 0.25) < TOL
    for h in [-2.3, -0.4, 0.0, 0.7, 3.0, 6.5]:
        poly = Polygon([(h, -BIG), (BIG, -BIG), (BIG, BIG), (h, BIG)])
        assert abs(pl.gaussian_measure_polygon(poly) - norm.sf(h)) < TOL, h


def test_half_plane_rotated_with_huge_vertices():
    # Edges with endpoints at ~1e8 passing at distance ~h from the origin: the error-free cross
    # product keeps that distance exact enough for ~1e-13 accuracy (a plain cross product is
    # off by ~1e-8 here). The floats P1, P2 define the line; its exact distance to the origin
    # comes from rational arithmetic.
    from fractions import Fraction

    far = 1.2345678e8
    for alpha, h in [(0.3, 0.0), (1.234, 0.5), (2.9, -1.7), (-0.77, 2.2)]:
        n = np.array([np.cos(alpha), np.sin(alpha)])
        u = np.array([-n[1], n[0]])
        p1, p2 = h * n - far * u, h * n + far * u
        cross = Fraction(p1[0]) * Fraction(p2[1]) - Fraction(p1[1]) * Fraction(p2[0])
        h_exact = float(cross) / float(np.linalg.norm(p2 - p1))  # signed along n
        pts = [p1, p2, p2 + far * n, p1 + far * n]
        assert abs(pl.gaussian_measure_polygon(Polygon(pts)) - norm.sf(h_exact)) < TOL, (alpha, h)
        assert abs(pl.gaussian_length([p1, p2]) - norm.pdf(h_exact)) < TOL, (alpha, h)


@pytest.mark.parametrize("theta", [0.3, 2.0, math.pi, 4.0, 5.9])
def test_sector(theta):
    for theta0 in [0.0, 1.1, -2.5]:
        assert abs(pl.gaussian_measure_polygon(_sector(theta0, theta)) - theta / (2 * math.pi)) < TOL


@pytest.mark.parametrize("a", [1e-3, 0.3, 1.0, 2.5, 7.0])
def test_square(a):
    assert abs(pl.gaussian_measure_polygon(box(-a, -a, a, a)) - (2 * norm.cdf(a) - 1) ** 2) < TOL


def test_polygon_with_hole_and_multipolygon():
    outer = box(-2, -2, 2, 2)
    hole = box(-0.5, -0.5, 1.0, 1.0)
    poly = outer.difference(hole)
    assert len(poly.interiors) == 1
    expected = (2 * norm.cdf(2) - 1) ** 2 - (norm.cdf(1.0) - norm.cdf(-0.5)) ** 2
    assert abs(pl.gaussian_measure_polygon(poly) - expected) < TOL
    # Orientation of the rings must not matter.
    flipped = Polygon(list(poly.exterior.coords)[::-1], [list(r.coords) for r in poly.interiors])
    assert abs(pl.gaussian_measure_polygon(flipped) - expected) < TOL
    mp = MultiPolygon([box(-3, -1, -2, 1), box(1, 0, 2, 5)])
    exp2 = (norm.cdf(-2) - norm.cdf(-3)) * (norm.cdf(1) - norm.cdf(-1)) + (norm.cdf(2) - norm.cdf(1)) * (
        norm.cdf(5) - 0.5
    )
    assert abs(pl.gaussian_measure_polygon(mp) - exp2) < TOL
    # Lines and points in a collection have measure zero.
    gc = GeometryCollection([box(1, 0, 2, 5), LineString([(0, 0), (1, 1)]), Point(0, 0)])
    assert abs(pl.gaussian_measure_polygon(gc) - (norm.cdf(2) - norm.cdf(1)) * (norm.cdf(5) - 0.5)) < TOL
    assert pl.gaussian_measure_polygon(Polygon()) == 0.0


def test_triangles_against_quadrature():
    rng = np.random.default_rng(20230)
    for k in range(8):
        tri = rng.normal(size=(3, 2)) * (0.5 + k / 3.0) + rng.normal(size=2)
        exact = pl.gaussian_measure_polygon(Polygon(tri))
        assert abs(exact - _triangle_quad(tri)) < 1e-12, tri
    # A triangle containing the origin and a thin one far away.
    for tri in (np.array([[-1.0, -0.5], [2.0, -0.3], [0.1, 1.7]]), np.array([[3.0, 3.0], [3.5, 3.01], [4.0, 3.0]])):
        assert abs(pl.gaussian_measure_polygon(Polygon(tri)) - _triangle_quad(tri)) < 1e-12


# --------------------------------------------------------------------------- Gaussian lengths
def _segment_quad(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    length = np.linalg.norm(b - a)

    def f(s):
        z = a + (b - a) * s
        return np.exp(-0.5 * z @ z) / (2 * np.pi) * length

    return integrate.quad(f, 0.0, 1.0, epsabs=1e-15, epsrel=1e-13, limit=200)[0]


def test_segments_against_quadrature():
    rng = np.random.default_rng(7)
    segs = rng.normal(size=(10, 2, 2)) * 1.5
    for s in segs:
        assert abs(pl.gaussian_length(s) - _segment_quad(s[0], s[1])) < 1e-13
    total = sum(_segment_quad(s[0], s[1]) for s in segs)
    assert abs(pl.gaussian_length(segs) - total) < 1e-12
    ml = MultiLineString([LineString(s) for s in segs])
    assert abs(pl.gaussian_length(ml) - total) < 1e-12
    # A polyline equals the sum of its segments; zero-length segments count zero.
    path = np.array([[0.0, 0.0], [1.0, 0.5], [1.0, 0.5], [-0.5, 2.0]])
    expected = _segment_quad(path[0], path[1]) + _segment_quad(path[2], path[3])
    assert abs(pl.gaussian_length(LineString(path)) - expected) < 1e-13


def test_line_through_origin_and_at_distance():
    for alpha in [0.0, 0.4, 2.0]:
        u = np.array([np.cos(alpha), np.sin(alpha)])
        assert abs(pl.gaussian_length([-BIG * u, BIG * u]) - INV_SQRT_2PI) < TOL
    for h in [0.0, 1.3, -2.5]:  # horizontal lines y = h (exact vertices)
        assert abs(pl.gaussian_length([[-BIG, h], [BIG, h]]) - norm.pdf(h)) < TOL


# --------------------------------------------------------------------------- Voronoi partitions
def _eps_boundary_simplicial(m: int, eps: float) -> float:
    """1 - m int phi(x) Phi(x - sqrt(2) eps)^(m-1) dx (the simplicial m-cluster)."""
    # The integrand is below 1e-300 outside [-40, 40].
    val = integrate.quad(
        lambda x: math.exp(-0.5 * x * x) * INV_SQRT_2PI * ndtr(x - math.sqrt(2) * eps) ** (m - 1),
        -40.0,
        40.0,
        epsabs=1e-15,
        epsrel=1e-13,
        limit=200,
    )[0]
    return 1.0 - m * val


@pytest.mark.parametrize("rng", [None, 5])
def test_simplicial_three_cluster(rng):
    part = gaussiso.simplicial_cluster(3, 2, rng=rng)
    cm = pl.cell_measures(part)
    assert cm.method == "exact" and cm.n_samples == 0
    np.testing.assert_allclose(cm.value, 1 / 3, atol=TOL)
    per = pl.perimeter(part)
    assert abs(per.value - 3 / (2 * math.sqrt(2 * math.pi))) < TOL
    for eps in [1e-3, 0.05, 0.3, 0.8, 2.0]:
        est = pl.eps_boundary_measure(part, eps)
        assert abs(est.value - _eps_boundary_simplicial(3, eps)) < 1e-12, eps
        assert est.stderr < 1e-13


@pytest.mark.parametrize(
    "seeds",
    [[[1.0, 0.0], [-1.0, 0.0]], [[2.0, 1.0], [-0.5, 0.2]], [[0.0, 5.0], [0.3, 4.0]], [[0.0, 0.0], [100.0, 0.0]]],
)
def test_two_cells(seeds):
    part = gaussiso.VoronoiPartition(seeds)
    s = np.asarray(seeds)
    n = (s[1] - s[0]) / np.linalg.norm(s[1] - s[0])
    c = n @ (s[0] + s[1]) / 2  # cell 0 = {n.z <= c}
    np.testing.assert_allclose(pl.cell_measures(part).value, [norm.cdf(c), norm.sf(c)], atol=TOL)
    assert abs(pl.perimeter(part).value - norm.pdf(c)) < TOL
    for eps in [0.01, 0.4, 1.5]:
        exact = norm.cdf(c + eps) - norm.cdf(c - eps)
        assert abs(pl.eps_boundary_measure(part, eps).value - exact) < TOL
        assert abs(pl.gaussian_measure_polygon(pl.eps_boundary(part, eps)) - exact) < TOL


def test_collinear_seeds_strips():
    # Seeds on a line: two half-planes and strips between parallel bisectors x = 0.5, 1.25, 1.6.
    part = gaussiso.VoronoiPartition([[0.0, 0.0], [1.0, 0.0], [1.5, 0.0], [1.7, 0.0]])
    cuts = np.array([0.5, 1.25, 1.6])
    edges = np.concatenate([[-np.inf], cuts, [np.inf]])
    np.testing.assert_allclose(pl.cell_measures(part).value, np.diff(norm.cdf(edges)), atol=TOL)
    assert abs(pl.perimeter(part).value - norm.pdf(cuts).sum()) < TOL
    for eps in [0.05, 0.2, 0.5]:  # the strips' eps-interiors vanish for eps >= 0.175
        lo, hi = cuts - eps, cuts + eps
        # Measure of the union of the intervals (lo_k, hi_k).
        union, start, stop = 0.0, lo[0], hi[0]
        for a, b in zip(lo[1:], hi[1:]):
            if a > stop:
                union += norm.cdf(stop) - norm.cdf(start)
                start = a
            stop = max(stop, b)
        union += norm.cdf(stop) - norm.cdf(start)
        assert abs(pl.eps_boundary_measure(part, eps).value - union) < TOL, eps


@settings(max_examples=12)  # cost: exact polygon geometry per example
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(2, 8))
def test_property_cells_sum_to_one_and_eps_monotone(seed, m):
    rng = np.random.default_rng(seed)
    part = gaussiso.VoronoiPartition(rng.normal(size=(m, 2)) * rng.uniform(0.2, 3.0) + rng.normal(size=2))
    cm = pl.cell_measures(part)
    assert np.all(cm.value >= 0) and abs(cm.value.sum() - 1.0) < 1e-14
    vals = [pl.eps_boundary_measure(part, e).value for e in (0.01, 0.1, 0.5, 2.0)]
    assert all(0.0 <= v <= 1.0 for v in vals)
    assert all(a <= b + 1e-15 for a, b in zip(vals, vals[1:]))
    # For convex cells the eps-boundary inside cell i has area at most eps x (its interface
    # length) (inner parallel bodies shrink in perimeter); with the Gaussian weight this holds
    # up to the density's relative variation over eps = 0.01 (well below 5% inside the box).
    assert vals[0] <= 2 * 0.01 * pl.perimeter(part).value * 1.05 + 1e-12


def _random_partition(seed: int, m: int) -> gaussiso.VoronoiPartition:
    rng = np.random.default_rng(seed)
    return gaussiso.VoronoiPartition(rng.normal(size=(m, 2)) * 1.3 + rng.normal(size=2) * 0.5)


@pytest.mark.parametrize("seed,m", [(1, 4), (2, 7)])
def test_non_cone_against_monte_carlo(seed, m):
    part = _random_partition(seed, m)
    assert not part.is_cone
    cm = pl.cell_measures(part)
    assert abs(cm.value.sum() - 1.0) < 1e-14
    n = 200_000
    z = np.random.default_rng(100 + seed).standard_normal((n, 2))
    lab = part.label(z)
    p_hat = np.bincount(lab, minlength=m) / n
    se = np.sqrt(np.maximum(cm.value * (1 - cm.value), 1e-12) / n)
    # 5 standard errors of the plain Monte Carlo proportions.
    assert np.all(np.abs(p_hat - cm.value) < 5 * se), (p_hat, cm.value)
    dist = part.boundary_distance(z)
    for eps in [0.05, 0.4]:
        exact = pl.eps_boundary_measure(part, eps).value
        q_hat = np.mean(dist < eps)
        assert abs(q_hat - exact) < 5 * math.sqrt(exact * (1 - exact) / n), (eps, q_hat, exact)


@pytest.mark.parametrize("kind", ["simplicial", "non-cone"])
def test_namesakes_at_top_level_agree(kind):
    """The planar functions and their top-level counterparts (documented side by side in the
    module docstring) compute the same quantities: exactly for the simplicial cluster, within
    5 standard errors of the top-level Monte Carlo otherwise."""
    part = gaussiso.simplicial_cluster(3, 2, rng=4) if kind == "simplicial" else _random_partition(3, 5)
    # "auto" takes the planar route for any 2-D partition: ask the top level for its Monte Carlo
    # estimators on the non-cone one, so that the two families are independent methods there.
    kw = {} if kind == "simplicial" else {"method": "mc"}
    pairs = [
        (pl.cell_measures(part), gaussiso.cell_measures(part, n_samples=20000, rng=1, **kw)),
        (pl.perimeter(part), gaussiso.gaussian_perimeter(part, n_samples=20000, rng=2, **kw)),
        (pl.eps_boundary_measure(part, 0.2), gaussiso.eps_boundary_measure(part, 0.2, n_samples=20000, rng=3, **kw)),
    ]
    for exact, top in pairs:
        # exact (closed form or quadrature) at top level too for the simplicial cluster
        assert top.n_samples == (0 if kind == "simplicial" else 20000)
        tol = 5 * np.hypot(exact.stderr, top.stderr) + 1e-13
        assert np.all(np.abs(np.asarray(exact.value) - np.asarray(top.value)) <= tol), (exact, top)
    # Shared names, and the documentation that sets them side by side.
    shared = set(pl.__all__) & set(gaussiso.__all__)
    assert shared == {"cell_measures", "eps_boundary_measure"}
    for name in sorted(shared) + ["perimeter", "gaussian_perimeter"]:
        assert f"``{name}``" in pl.__doc__
    # The keyword arguments differ and are keyword-only: a call meant for the other family fails.
    with pytest.raises(TypeError, match="method"):
        pl.eps_boundary_measure(part, 0.2, method="mc")
    with pytest.raises(TypeError, match="radius"):
        gaussiso.eps_boundary_measure(part, 0.2, radius=5.0)


def test_cells_geometry_and_interfaces():
    part = _random_partition(3, 6)
    cells = pl.voronoi_cells(part)
    r = 10.0
    assert abs(sum(c.area for c in cells) - (2 * r) ** 2) < 1e-9
    assert unary_union(cells).symmetric_difference(box(-r, -r, r, r)).area < 1e-9
    for i, c in enumerate(cells):
        if not c.is_empty:
            pt = c.representative_point()
            assert part.label(np.array([pt.x, pt.y])) == i
    # The cells' polygon measures (via shapely geometries) agree with cell_measures.
    np.testing.assert_allclose([pl.gaussian_measure_polygon(c) for c in cells], pl.cell_measures(part).value, atol=TOL)
    ifaces = pl.interfaces(part)
    assert ifaces
    for (i, j), ln in ifaces.items():
        assert i < j
        mid = np.asarray(ln.interpolate(0.5, normalized=True).coords[0])
        d = np.linalg.norm(part.seeds - mid, axis=1)
        assert abs(d[i] - d[j]) < 1e-9 and d[i] <= d.min() + 1e-9
    per = pl.perimeter(part).value
    assert abs(per - sum(pl.gaussian_length(ln) for ln in ifaces.values())) < TOL


def test_perimeter_is_the_eps_derivative():
    # gamma(eps-boundary) = 2 eps Per + O(eps^2); a Richardson step removes the O(eps) term of
    # the ratio, leaving O(eps^2) ~ 1e-6 at eps = 0.005.
    part = _random_partition(4, 6)
    per = pl.perimeter(part).value

    def ratio(e):
        return pl.eps_boundary_measure(part, e).value / (2 * e)

    eps = 0.005
    assert abs(2 * ratio(eps / 2) - ratio(eps) - per) < 1e-5
    assert abs(ratio(eps) - per) > 1e-5  # the raw ratio is visibly biased: the check is sharp


def test_eps_boundary_matches_buffer_construction():
    # Independent route through GEOS: union over i of ((union of other cells) buffered by eps)
    # minus those cells, inside cell i. Inside the square the two agree up to the arcs around
    # the square's own corners, whose Gaussian mass is < 1e-20 at radius 10.
    part = _random_partition(5, 5)
    cells = pl.voronoi_cells(part)
    for eps in [0.1, 0.6]:
        total = 0.0
        for i in range(part.m):
            others = unary_union([c for j, c in enumerate(cells) if j != i])
            total += pl.gaussian_measure_polygon(
                others.buffer(eps, quad_segs=32).difference(others).intersection(cells[i])
            )
        exact = pl.eps_boundary_measure(part, eps)
        assert abs(total - exact.value) < 1e-12
        assert abs(pl.gaussian_measure_polygon(pl.eps_boundary(part, eps)) - exact.value) < 1e-12


def test_rotation_invariance():
    part = _random_partition(6, 5)
    rot = gaussiso.random_rotation(2, 11)
    rotated = gaussiso.VoronoiPartition(part.seeds @ rot.T)
    np.testing.assert_allclose(pl.cell_measures(rotated).value, pl.cell_measures(part).value, atol=1e-13)
    assert abs(pl.perimeter(rotated).value - pl.perimeter(part).value) < 1e-13
    for eps in [0.05, 0.5]:
        assert abs(pl.eps_boundary_measure(rotated, eps).value - pl.eps_boundary_measure(part, eps).value) < 1e-13
    # Rotating a polygon does not change its measure either.
    poly = Polygon([(0.3, -1.0), (2.0, 0.4), (0.5, 1.5), (-1.2, 0.2)])
    turned = affinity.rotate(poly, 73.0, origin=(0, 0))
    assert abs(pl.gaussian_measure_polygon(turned) - pl.gaussian_measure_polygon(poly)) < TOL


def test_radius_and_tail_bound():
    part = _random_partition(8, 4)
    small = pl.cell_measures(part, radius=2.0)
    big = pl.cell_measures(part)
    tail = 1 - (2 * norm.cdf(2.0) - 1) ** 2
    np.testing.assert_allclose(small.stderr, tail + 1e-14, rtol=1e-12)
    # The clipped measures miss at most the tail, and exactly the tail in total.
    assert np.all(big.value - small.value <= small.stderr) and np.all(big.value >= small.value - TOL)
    assert abs((big.value - small.value).sum() - tail) < 1e-12
    assert pl.perimeter(part, radius=2.0).value <= pl.perimeter(part).value + TOL


# --------------------------------------------------------------------------- bad inputs
def test_bad_inputs():
    part = gaussiso.simplicial_cluster(3, 2)
    for eps in [0.0, -1.0, float("nan"), float("inf")]:
        with pytest.raises(ValueError, match="eps"):
            pl.eps_boundary_measure(part, eps)
        with pytest.raises(ValueError, match="eps"):
            pl.eps_boundary(part, eps)
    with pytest.raises(TypeError, match="eps"):
        pl.eps_boundary_measure(part, "0.1")
    with pytest.raises(ValueError, match="radius"):
        pl.voronoi_cells(part, radius=-1.0)
    with pytest.raises(ValueError, match="d == 2"):
        pl.cell_measures(gaussiso.simplicial_cluster(3, 3))
    for fn in (pl.voronoi_cells, pl.cell_measures, pl.perimeter, pl.interfaces):
        with pytest.raises(TypeError, match="partition"):
            fn(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="valid"):
        pl.gaussian_measure_polygon(Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]))  # bow-tie
    with pytest.raises(TypeError, match="poly"):
        pl.gaussian_measure_polygon(LineString([(0, 0), (1, 1)]))
    with pytest.raises(TypeError, match="poly"):
        pl.gaussian_measure_polygon([[0, 0], [1, 0], [0, 1]])
    with pytest.raises(ValueError, match="overlap"):
        pl.gaussian_measure_polygon(GeometryCollection([box(0, 0, 2, 2), box(1, 1, 3, 3)]))
    with pytest.raises(TypeError, match="boundary"):
        pl.gaussian_length(box(0, 0, 1, 1))
    with pytest.raises(ValueError, match="segments"):
        pl.gaussian_length(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="finite"):
        pl.gaussian_length([[0.0, np.nan], [1.0, 1.0]])
