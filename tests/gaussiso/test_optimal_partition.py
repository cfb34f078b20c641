"""Power diagrams, their exact and Monte Carlo measures, and the optimal-partition search."""

from __future__ import annotations

import math

import numpy as np
import pytest

import gaussiso
from gaussiso import planar
from gaussiso._optimal_partition import (
    OptimalPartition,
    _energy,
    _mehler_matrix,
    candidate_perimeters,
    mbo_grid_partition,
    optimal_partition,
)
from gaussiso._power_diagram import (
    PowerDiagram,
    facet_perimeter,
    sliced_measures,
)

SIMPLEX_3_2 = 0.598413  # 3 / (2 sqrt(2 pi))
SIMPLEX_4_3 = 0.727878


def _voronoi_pair(rng, m, d):
    s = rng.standard_normal((m, d))
    return s, np.einsum("ij,ij->i", s, s)


# --------------------------------------------------------------------------- power diagrams, d = 2
@pytest.mark.parametrize("m", [2, 3, 7])
def test_planar_power_diagram_matches_planar_voronoi(m):
    # offsets |s|^2: the Voronoi diagram, measured by gaussiso.planar's independent code
    rng = np.random.default_rng(m)
    s, b = _voronoi_pair(rng, m, 2)
    v = gaussiso.VoronoiPartition(s)
    p = PowerDiagram(s, b)
    np.testing.assert_allclose(p.cell_measures().value, planar.cell_measures(v).value, atol=1e-13)
    assert abs(p.perimeter().value - planar.perimeter(v).value) < 1e-13
    for eps in (0.05, 0.3):
        assert abs(p.eps_boundary_measure(eps).value - planar.eps_boundary_measure(v, eps).value) < 1e-13


def test_planar_power_diagram_exact_against_monte_carlo():
    rng = np.random.default_rng(1)
    s = rng.standard_normal((6, 2))
    b = rng.standard_normal(6)  # genuine additive weights: not a Voronoi diagram
    p = PowerDiagram(s, b)
    ex, mc = p.cell_measures(), p.cell_measures(method="mc", n_samples=2**17, rng=2)
    assert np.all(np.abs(ex.value - mc.value) < 5 * mc.stderr + 1e-12)
    assert abs(ex.value.sum() - 1) < 1e-12
    pe, pm = p.perimeter(), p.perimeter(method="mc", n_samples=2**14, rng=3)
    assert abs(pe.value - pm.value) < 5 * pm.stderr
    ee, em = p.eps_boundary_measure(0.2), p.eps_boundary_measure(0.2, method="mc", n_samples=2**17, rng=4)
    assert abs(ee.value - em.value) < 5 * em.stderr
    # labels agree with the polygons: each point lies in the polygon of its cell
    z = rng.standard_normal((200, 2))
    cells = p.cells()
    from shapely.geometry import Point

    lab = p.label(z)
    assert all(cells[k].buffer(1e-9).contains(Point(*pt)) for k, pt in zip(lab, z))


def test_power_diagram_boundary_distance_is_distance_to_other_cells():
    rng = np.random.default_rng(5)
    s = rng.standard_normal((5, 2))
    p = PowerDiagram(s, rng.standard_normal(5))
    cells = p.cells()
    z = rng.standard_normal((50, 2))
    lab = p.label(z)
    from shapely.geometry import Point
    from shapely.ops import unary_union

    for k, pt, dist in zip(lab, z, p.boundary_distance(z)):
        others = unary_union([c for j, c in enumerate(cells) if j != k])
        assert abs(others.distance(Point(*pt)) - dist) < 1e-9


def test_power_diagram_validation():
    with pytest.raises(ValueError, match="offsets"):
        PowerDiagram([[0.0, 1.0], [1.0, 0.0]], [0.0])
    with pytest.raises(ValueError, match="seeds"):
        PowerDiagram([[0.0, 1.0]], [0.0])
    p = PowerDiagram(np.eye(3), np.zeros(3))
    with pytest.raises(ValueError, match="method='exact'"):
        p.cell_measures(method="exact")
    with pytest.raises(ValueError, match="method"):
        p.perimeter(method="fast")
    with pytest.raises(ValueError, match="eps"):
        p.eps_boundary_measure(-1.0)


# --------------------------------------------------------------------------- d = 3
def test_facet_perimeter_exact_on_simplicial_cluster_and_against_monte_carlo():
    c = gaussiso.simplicial_cluster(4, 3, rng=7)
    s = c.seeds
    assert abs(facet_perimeter(s, np.einsum("ij,ij->i", s, s)) - SIMPLEX_4_3) < 1e-6
    rng = np.random.default_rng(8)
    s = rng.standard_normal((6, 3))
    b = rng.standard_normal(6)
    mc = PowerDiagram(s, b).perimeter(method="mc", n_samples=2**14, rng=9)
    assert abs(facet_perimeter(s, b) - mc.value) < 5 * mc.stderr


def test_facet_perimeter_of_planar_diagram_times_a_line():
    # a planar diagram extended along z3 has the same perimeter in R^3
    rng = np.random.default_rng(10)
    s2 = rng.standard_normal((5, 2))
    b = rng.standard_normal(5)
    s3 = np.column_stack([s2, np.zeros(5)])
    q = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    assert abs(facet_perimeter(s3 @ q.T, b) - PowerDiagram(s2, b).perimeter().value) < 1e-10


def test_sliced_measures_against_monte_carlo():
    rng = np.random.default_rng(11)
    s = rng.standard_normal((5, 3))
    b = rng.standard_normal(5)
    basis = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    meas, epsm = sliced_measures(s, b, basis, n_slices=80, eps=[0.1])
    p = PowerDiagram(s, b)
    mc = p.cell_measures(n_samples=2**18, rng=12)
    assert abs(meas.sum() - 1) < 1e-10
    # midpoint-rule error (about 1e-4 at 80 slices) plus 5 standard errors
    assert np.all(np.abs(meas - mc.value) < 5 * mc.stderr + 5e-4)
    em = p.eps_boundary_measure(0.1, n_samples=2**18, rng=13)
    assert abs(epsm[0] - em.value) < 5 * em.stderr + 5e-4


# --------------------------------------------------------------------------- candidates
def test_candidate_perimeters_against_planar_geometry():
    from shapely.geometry import LineString, Point

    for m in (3, 6):
        c = candidate_perimeters(m)
        assert abs(c["sectors"] - m / (2 * math.sqrt(2 * math.pi))) < 1e-15
        r = math.sqrt(-2 * math.log(1 - 1 / m))
        circle = Point(0, 0).buffer(r, quad_segs=4096).exterior
        assert abs(planar.gaussian_measure_polygon(Point(0, 0).buffer(r, quad_segs=4096)) - 1 / m) < 1e-6
        rays = sum(
            planar.gaussian_length(
                LineString([(r * math.cos(a), r * math.sin(a)), (40 * math.cos(a), 40 * math.sin(a))])
            )
            for a in 2 * math.pi * np.arange(m - 1) / (m - 1)
        )
        assert abs(planar.gaussian_length(circle) + rays - c["disc"]) < 1e-6


# --------------------------------------------------------------------------- the search
def test_optimal_partition_three_cells_is_the_simplicial_cluster():
    res = optimal_partition(3, 2, rng=0, n_starts=2)
    per = res.perimeter()
    assert abs(per.value - SIMPLEX_3_2) < 0.005 * SIMPLEX_3_2
    assert np.max(np.abs(res.cell_measures().value - 1 / 3)) < 1e-3
    np.testing.assert_allclose(res.junction_angles(), 120.0, atol=0.5)
    assert isinstance(res, OptimalPartition) and res.method == "power"
    assert res.label(np.zeros((4, 2))).shape == (4,)


@pytest.mark.parametrize("m", [4, pytest.param(5, marks=pytest.mark.slow)])
def test_optimal_partition_beats_simple_candidates(m):
    res = optimal_partition(m, 2, rng=1, n_starts=3)
    per = res.perimeter().value
    cand = candidate_perimeters(m)
    assert per <= cand["sectors"] + 1e-9 and per <= cand["disc"] + 1e-9
    assert np.max(np.abs(res.cell_measures().value - 1 / m)) < 1e-6
    assert res.start_values.shape == (3,) and 0 < res.agreement <= 1
    # the result's perimeter is the best start's objective
    assert abs(per - res.best_value) < 1e-9


def test_optimal_partition_weights_and_eps_objective():
    w = np.array([0.5, 0.3, 0.2])
    res = optimal_partition(3, 2, weights=w, rng=2, n_starts=2)
    np.testing.assert_allclose(res.cell_measures().value, w, atol=1e-6)
    e = optimal_partition(3, 2, objective="eps-boundary", eps=0.1, rng=3, n_starts=2)
    simplex = gaussiso.eps_boundary_measure(gaussiso.simplicial_cluster(3, 2), 0.1, method="exact").value
    # the eps-boundary optimum is at least as good as the simplicial cluster, and close to it
    assert e.eps_boundary_measure(0.1).value <= simplex + 1e-6
    assert e.eps_boundary_measure(0.1).value > simplex - 0.01


def test_optimal_partition_reproducible():
    a = optimal_partition(4, 2, rng=5, n_starts=2)
    b = optimal_partition(4, 2, rng=5, n_starts=2)
    np.testing.assert_array_equal(a.diagram.seeds, b.diagram.seeds)
    np.testing.assert_array_equal(a.start_values, b.start_values)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"m": 1, "d": 2}, "m must be >= 2"),
        ({"m": 3, "d": 4}, "d must be <= 3"),
        ({"m": 3, "d": 2, "objective": "area"}, "objective"),
        ({"m": 3, "d": 2, "objective": "eps-boundary"}, "eps is required"),
        ({"m": 3, "d": 2, "weights": [0.5, 0.5, 0.5]}, "weights"),
        ({"m": 3, "d": 3, "method": "mbo"}, "method='mbo'"),
        ({"m": 3, "d": 2, "n_starts": 0}, "n_starts"),
    ],
)
def test_optimal_partition_validation(kwargs, match):
    m, d = kwargs.pop("m"), kwargs.pop("d")
    with pytest.raises(ValueError, match=match):
        optimal_partition(m, d, **kwargs)


@pytest.mark.slow
def test_threshold_dynamics_reaches_the_measures_and_lowers_the_energy():
    # from a random Voronoi partition (unequal cells), threshold dynamics must reach equal measures
    # and a much lower energy than the equal-measure sectors; it finds local minima only (exact
    # sectors, a symmetric stationary configuration, do not move at all on the grid), which is why
    # optimal_partition starts it from the best power diagram
    start = gaussiso.VoronoiPartition(np.random.default_rng(3).standard_normal((5, 2)))
    sectors = gaussiso.VoronoiPartition(
        np.stack([np.cos(2 * np.pi * np.arange(5) / 5), np.sin(2 * np.pi * np.arange(5) / 5)], axis=1)
    )
    t = 0.03
    g = mbo_grid_partition(5, np.full(5, 0.2), start.label, n_grid=128, t=t)
    meas = np.bincount(g["labels"].ravel(), weights=g["weights"].ravel(), minlength=5)
    assert np.max(np.abs(meas - 0.2)) < 3e-3
    xs = g["xs"]
    X, Y = np.meshgrid(xs, xs, indexing="ij")
    pts = np.stack([X.ravel(), Y.ravel()], axis=1)
    e_sectors = _energy(sectors.label(pts).reshape(X.shape), 5, _mehler_matrix(xs, t), g["weights"], t)
    assert g["energy"] < 0.98 * e_sectors


def test_mehler_matrix_is_the_ou_semigroup():
    # P_t x = e^{-t} x and P_t x^2 = e^{-2t} x^2 + 1 - e^{-2t} (away from the grid's ends)
    xs = np.linspace(-6, 6, 601)
    k = _mehler_matrix(xs, 0.1)
    mid = np.abs(xs) < 2
    np.testing.assert_allclose((k @ xs)[mid], math.exp(-0.1) * xs[mid], atol=1e-3)
    np.testing.assert_allclose((k @ xs**2)[mid], math.exp(-0.2) * xs[mid] ** 2 + 1 - math.exp(-0.2), atol=1e-3)


def test_plot_two_and_three_dimensions():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = optimal_partition(3, 2, rng=0, n_starts=1)
    ax = res.plot(resolution=60)
    assert ax is not None
    plt.close("all")
    d = PowerDiagram(gaussiso.simplicial_cluster(4, 3).seeds, np.ones(4))
    op = OptimalPartition(4, 3, np.full(4, 0.25), "power", "perimeter", None, d, np.array([0.7]), ["cone"], 1.0, 0.0)
    axes = op.plot(resolution=40)
    assert len(axes) == 3
    plt.close("all")


# --------------------------------------------------------------------------- slow
@pytest.mark.slow
def test_optimal_partition_four_cells_in_space_is_the_simplicial_cluster():
    res = optimal_partition(4, 3, rng=0, n_starts=2)
    assert abs(res.perimeter().value - SIMPLEX_4_3) < 0.005 * SIMPLEX_4_3
    mc = res.cell_measures(n_samples=2**21, rng=1)
    assert np.all(np.abs(mc.value - 0.25) < 1e-3 + 5 * mc.stderr)


@pytest.mark.slow
@pytest.mark.parametrize("m", [6, 7, 8, 9, 10])
def test_optimal_partition_beats_candidates_large_m(m):
    res = optimal_partition(m, 2, rng=0, n_starts=4)
    cand = candidate_perimeters(m)
    per = res.perimeter().value
    assert per <= min(cand.values()) + 1e-9
    assert np.max(np.abs(res.cell_measures().value - 1 / m)) < 1e-6


def test_probe_eps_boundary_against_exact_planar():
    from gaussiso._optimal_partition import probe_eps_boundary

    rng = np.random.default_rng(14)
    p = PowerDiagram(rng.standard_normal((5, 2)), rng.standard_normal(5))
    for eps in (0.1, 0.3):
        est = probe_eps_boundary(p.label, 2, eps, n_samples=2**14, rng=15)
        exact = p.eps_boundary_measure(eps).value
        # a lower bound (probing) that is close to the exact value with 32 x 4 probes
        assert est.value < exact + 5 * est.stderr
        assert est.value > exact - 5 * est.stderr - 0.01
    with pytest.raises(ValueError, match="eps"):
        probe_eps_boundary(p.label, 2, 0.0)


@pytest.mark.slow
def test_four_cells_in_the_plane_are_stationary_five_are_not():
    # m = 4: two triple junctions with 120 degree angles and flat interfaces whose weighted
    # curvatures are potential differences: stationary among all partitions. m = 5: a central
    # quadrilateral with 90 degree corners: not stationary (bending the interfaces lowers it).
    r4 = optimal_partition(4, 2, rng=0, n_starts=3)
    np.testing.assert_allclose(r4.junction_angles(), 120.0, atol=0.5)
    assert r4.curvature_residual() < 1e-5
    r5 = optimal_partition(5, 2, rng=0, n_starts=3)
    assert np.max(np.abs(r5.junction_angles() - 120.0)) > 10.0


def test_probe_perimeter_against_exact_perimeters():
    from gaussiso import probe_perimeter, richardson_perimeter

    # a half-space: P = phi(h); a planar Voronoi partition (not a cone): the exact planar route
    half = probe_perimeter(lambda z: (z[:, 0] > 0.4).astype(int), 3, 0.05, n_samples=2**15, rng=3)
    assert half.method == "mc-probe-richardson" and half.n_samples == 2**16
    assert abs(half.value - math.exp(-0.08) / math.sqrt(2 * math.pi)) < 5 * half.stderr
    p = gaussiso.VoronoiPartition(np.random.default_rng(4).standard_normal((4, 2)))
    exact = gaussiso.gaussian_perimeter(p, method="exact").value
    est = probe_perimeter(p.label, 2, 0.1, n_samples=2**16, rng=5)
    assert abs(est.value - exact) < 5 * est.stderr + 0.01 * exact, (est, exact)
    assert est.stderr < 0.04 * exact
    # the Richardson step removes the first-order term: exact bands of the same partition
    bands = [gaussiso.eps_boundary_measure(p, e, method="exact") for e in (0.05, 0.1)]
    plain = bands[1].value / 0.2
    rich = richardson_perimeter(bands[0], bands[1], 0.1).value
    assert abs(rich - exact) < 0.2 * abs(plain - exact)
    with pytest.raises(ValueError, match="eps"):
        probe_perimeter(p.label, 2, -1.0)
    with pytest.raises(TypeError, match="half must be an Estimate"):
        richardson_perimeter(0.1, bands[1], 0.1)
    with pytest.raises(ValueError, match="scalar"):
        richardson_perimeter(gaussiso.eps_boundary_measure(p, [0.05, 0.1], method="exact"), bands[1], 0.1)
