"""Tests of the public measures (gaussiso/_measure.py) and the Numba kernels (_kernels.py).

Monte Carlo checks use fixed seeds and a 5-standard-error tolerance (combined stderr when
two estimates are compared).
"""

import math
import warnings

import numba
import numpy as np
import pytest
from scipy import stats

import gaussiso
from gaussiso import _kernels as K
from gaussiso import _reference as R
from gaussiso._simplex_exact import simplex_eps_boundary, simplex_perimeter
from gaussiso.testing import assert_estimate_close

SQ2PI = math.sqrt(2.0 * math.pi)
NONCONE = 0.7 * np.random.default_rng(11).standard_normal((5, 6))  # 5 seeds in R^6, no cone


def _within(est, ref, ref_se=0.0, z=5.0):
    se = math.hypot(float(est.stderr), float(ref_se))
    # (+1e-12: some estimators are exact for simple partitions, with a zero stderr)
    assert abs(float(est.value) - ref) <= z * se + 1e-12, (est, ref, ref_se)


def _brute(seeds, eps, n, seed):
    """Plain indicator Monte Carlo in R^d with VoronoiPartition.boundary_distance."""
    p = gaussiso.VoronoiPartition(seeds)
    z = np.random.default_rng(seed).standard_normal((n, p.d))
    x = p.boundary_distance(z) < eps
    return x.mean(), x.std() / math.sqrt(n)


# ----------------------------------------------------------------------------- kernels
@pytest.mark.parametrize("m, k", [(2, 1), (3, 2), (5, 4), (6, 3), (4, 1)])
def test_kernels_match_numpy_references(m, k):
    rng = np.random.default_rng(m * 10 + k)
    S = rng.standard_normal((m, k))
    if k == 1:
        S[:, 0] = np.sort(S[:, 0])  # collinear seeds: parallel bisectors
    eps = np.array([1e-3, 0.05, 0.4, 3.0])
    P = rng.standard_normal((700, k))
    # facet lines
    coef, H = K.facet_coefficients(S)
    phih, full = K.facet_tables(H, eps)
    oe, op = np.empty((700, 4)), np.empty(700)
    K.facet_kernel(S[None], coef, H, phih, full, eps, P, oe, op)
    re, rp = R.facet_reference(S, eps, P)
    np.testing.assert_allclose(oe, re, atol=1e-13)
    np.testing.assert_allclose(op, rp, atol=1e-13)
    oe2, op2 = np.empty_like(oe), np.empty_like(op)
    K.facet_kernel_parallel(S[None], coef, H, phih, full, eps, P, oe2, op2)
    np.testing.assert_array_equal(oe2, oe)
    np.testing.assert_array_equal(op2, op)
    # no eps (a perimeter call): the eps work is skipped, the perimeter is the same
    none = np.empty(0)
    phih0, full0 = K.facet_tables(H, none)
    oe0, op0 = np.empty((700, 0)), np.empty(700)
    K.facet_kernel(S[None], coef, H, phih0, full0, none, P, oe0, op0)
    np.testing.assert_array_equal(op0, op)
    # a stack of rotated seeds = the average over the rotated points Q g
    Q = gaussiso.random_rotation(k, 1)
    Sr = np.ascontiguousarray(np.stack([S, -S, S @ Q]))
    oe3, op3 = np.empty_like(oe), np.empty_like(op)
    K.facet_kernel(Sr, coef, H, phih, full, eps, P, oe3, op3)
    parts = [R.facet_reference(S, eps, x) for x in (P, -P, P @ Q.T)]
    np.testing.assert_allclose(oe3, sum(x[0] for x in parts) / 3, atol=1e-13)
    np.testing.assert_allclose(op3, sum(x[1] for x in parts) / 3, atol=1e-13)
    # axis lines
    sq = np.einsum("ij,ij->i", S, S)
    D = np.sqrt(((S[:, None] - S[None]) ** 2).sum(-1))
    W = K.interface_weights(S)
    le, lc, lp = np.empty((700, 4)), np.empty((700, m)), np.empty(700)
    K.lines_kernel(S, sq, D, W, eps, P, le, lc, lp, True)
    re, rc, rp = R.lines_reference(S, eps, P)
    np.testing.assert_allclose(le, re, atol=1e-13)
    np.testing.assert_allclose(lc, rc, atol=1e-13)
    np.testing.assert_allclose(lp, rp, atol=1e-13)
    np.testing.assert_allclose(lc.sum(axis=1), 1.0, atol=1e-13)
    le2, lc2, lp2 = np.empty_like(le), np.empty_like(lc), np.empty_like(lp)
    K.lines_kernel_parallel(S, sq, D, W, eps, P, le2, lc2, lp2, True)
    np.testing.assert_array_equal(le2, le)
    np.testing.assert_array_equal(lc2, lc)
    np.testing.assert_array_equal(lp2, lp)
    le0, lc0, lp0 = np.empty((700, 0)), np.empty_like(lc), np.empty_like(lp)
    K.lines_kernel(S, sq, D, W, none, P, le0, lc0, lp0, True)
    np.testing.assert_array_equal(lc0, lc)
    np.testing.assert_array_equal(lp0, lp)


# ----------------------------------------------------------------------------- vs exact
@pytest.mark.parametrize("method", ["mc-facet-lines", "mc-lines"])
@pytest.mark.parametrize("m, d, eps", [(3, 2, 0.05), (4, 3, 0.3), (5, 7, 0.1), (4, 3, 2.0)])
def test_mc_eps_boundary_vs_exact(method, m, d, eps):
    p = gaussiso.simplicial_cluster(m, d, rng=m + d)
    est = gaussiso.eps_boundary_measure(p, eps, method=method, n_samples=20000, rng=5)
    assert est.method == method and est.n_samples == 20000 and est.stderr > 0
    _within(est, simplex_eps_boundary(m, eps)[0])


@pytest.mark.parametrize("method", ["mc-facet-lines", "mc-lines"])
@pytest.mark.parametrize("m, d", [(3, 2), (4, 3), (4, 6), (6, 5)])
def test_mc_perimeter_vs_exact(method, m, d):
    p = gaussiso.simplicial_cluster(m, d, rng=1)
    est = gaussiso.gaussian_perimeter(p, method=method, n_samples=20000, rng=2)
    ref = {3: 3 / (2 * SQ2PI), 4: (1.5 + 3 * math.asin(1 / 3) / math.pi) / SQ2PI}.get(m)
    if ref is None:
        ref = simplex_perimeter(m)[0]
    _within(est, ref)


@pytest.mark.parametrize("method", ["mc-facet-lines", "mc-lines"])
def test_mc_halfspace_is_exact(method):
    # One interface: every line crosses it once, orthogonally for the facet lines.
    p = gaussiso.VoronoiPartition([[0.3, -1.0, 0.0], [0.3, 1.0, 0.0]])
    per = gaussiso.gaussian_perimeter(p, method=method, n_samples=2000, rng=0)
    assert per.value == pytest.approx(1 / SQ2PI, rel=1e-12)
    e = gaussiso.eps_boundary_measure(p, 0.2, method=method, n_samples=2000, rng=0)
    assert e.value == pytest.approx(math.erf(0.2 / math.sqrt(2)), rel=1e-12)
    assert e.stderr < 1e-12


def test_mc_cells_vs_exact():
    p = gaussiso.simplicial_cluster(5, 6, rng=3)
    est = gaussiso.cell_measures(p, method="mc", n_samples=10000, rng=4)
    assert est.method == "mc-lines" and est.value.shape == (5,)
    assert est.value.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(np.abs(est.value - 0.2) <= 5 * est.stderr)


def test_cells_two_halfspaces_mc():
    h = 0.4
    p = gaussiso.VoronoiPartition([[h - 1.0, 0.0], [h + 1.0, 0.0]])
    est = gaussiso.cell_measures(p, method="mc", n_samples=3000, rng=0)
    np.testing.assert_allclose(est.value, [stats.norm.cdf(h), stats.norm.sf(h)], atol=1e-12)


# ----------------------------------------------------------------------------- non-cone
@pytest.mark.parametrize("eps", [0.05, 0.5])
def test_noncone_eps_boundary_vs_brute_force(eps):
    p = gaussiso.VoronoiPartition(NONCONE)
    assert not p.is_cone
    ref, ref_se = _brute(NONCONE, eps, 200_000, seed=9)
    for method in ("mc", "mc-lines"):
        est = gaussiso.eps_boundary_measure(p, eps, method=method, n_samples=20000, rng=1)
        _within(est, ref, ref_se)


def test_noncone_cells_vs_brute_force():
    p = gaussiso.VoronoiPartition(NONCONE)
    z = np.random.default_rng(8).standard_normal((200_000, 6))
    lab = p.label(z)
    freq = np.bincount(lab, minlength=5) / len(z)
    fse = np.sqrt(freq * (1 - freq) / len(z))
    est = gaussiso.cell_measures(p, n_samples=20000, rng=2)
    assert np.all(np.abs(est.value - freq) <= 5 * np.hypot(est.stderr, fse))


def test_noncone_perimeter_two_estimators_and_small_eps():
    """Two independent unbiased perimeter estimators agree, and gamma(eps)/(2 eps) -> P."""
    p = gaussiso.VoronoiPartition(NONCONE)
    a = gaussiso.gaussian_perimeter(p, method="mc-facet-lines", n_samples=30000, rng=3)
    b = gaussiso.gaussian_perimeter(p, method="mc-lines", n_samples=30000, rng=4)
    _within(a, b.value, b.stderr)
    eps = 1e-4
    e = gaussiso.eps_boundary_measure(p, eps, method="mc", n_samples=30000, rng=3)
    # same points (same rng): ratio equals the perimeter up to O(eps) corrections
    assert e.value / (2 * eps) == pytest.approx(a.value, rel=1e-3)


def test_collinear_seeds():
    seeds = np.array([[0.0, 0.0], [1.0, 0.0], [2.5, 0.0]])  # parallel bisectors x=0.5, 1.75
    p = gaussiso.VoronoiPartition(seeds)
    per = gaussiso.gaussian_perimeter(p, n_samples=500, rng=0)
    assert per.value == pytest.approx(stats.norm.pdf(0.5) + stats.norm.pdf(1.75), rel=1e-12)
    eps = 0.1
    e = gaussiso.eps_boundary_measure(p, eps, n_samples=500, rng=0)
    ref = sum(stats.norm.cdf(c + eps) - stats.norm.cdf(c - eps) for c in (0.5, 1.75))
    assert e.value == pytest.approx(ref, rel=1e-12)


# ----------------------------------------------------------------------------- invariances
def test_invariance_rotation_dimension_scale_mc():
    """Rotating, embedding in more dimensions and scaling a cone partition gives the same
    distribution: estimates agree within combined standard errors."""
    seeds = NONCONE / np.linalg.norm(NONCONE, axis=1, keepdims=True)  # a cone, not simplicial
    base = gaussiso.eps_boundary_measure(gaussiso.VoronoiPartition(seeds), 0.1, method="mc", n_samples=20000, rng=1)
    rot = gaussiso.random_rotation(9, 4)
    big = np.hstack([seeds, np.zeros((5, 3))]) @ rot.T
    for s, r in ((big, 2), (7.5 * big, 3)):
        est = gaussiso.eps_boundary_measure(gaussiso.VoronoiPartition(s), 0.1, method="mc", n_samples=20000, rng=r)
        _within(est, base.value, base.stderr)


# ----------------------------------------------------------------------------- reproducibility
def test_reproducible_and_thread_independent():
    p = gaussiso.VoronoiPartition(NONCONE)
    kw = dict(method="mc", n_samples=5000, rng=123)
    a = gaussiso.eps_boundary_measure(p, 0.1, **kw)
    b = gaussiso.eps_boundary_measure(p, 0.1, **kw)
    assert (a.value, a.stderr) == (b.value, b.stderr)
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        c = gaussiso.eps_boundary_measure(p, 0.1, **kw)
        cc = gaussiso.cell_measures(p, n_samples=5000, rng=5)
    finally:
        numba.set_num_threads(old)
    assert (a.value, a.stderr) == (c.value, c.stderr)
    np.testing.assert_array_equal(cc.value, gaussiso.cell_measures(p, n_samples=5000, rng=5).value)
    g1 = np.random.default_rng(7)
    g2 = np.random.default_rng(7)
    assert (
        gaussiso.gaussian_perimeter(p, method="mc", n_samples=2000, rng=g1).value
        == gaussiso.gaussian_perimeter(p, method="mc", n_samples=2000, rng=g2).value
    )


# ----------------------------------------------------------------------------- rtol
def test_rtol_reached():
    p = gaussiso.VoronoiPartition(NONCONE)
    est = gaussiso.eps_boundary_measure(p, 0.1, method="mc", rtol=0.02, rng=0)
    assert est.rel_stderr <= 0.02 and est.n_samples >= 4096


def test_rtol_cap_warns_and_unreachable_raises():
    p = gaussiso.VoronoiPartition(NONCONE)
    # the pilot is the first 4096 points; ask for a bit less than it reached, so that the
    # projected need (about 2x the pilot) exceeds the cap of 5000 but not 4x the cap
    pilot = gaussiso.eps_boundary_measure(p, 0.1, method="mc", n_samples=4096, rng=0)
    with pytest.warns(RuntimeWarning, match="not reached"):
        gaussiso.eps_boundary_measure(p, 0.1, method="mc", rtol=0.7 * pilot.rel_stderr, n_samples=5000, rng=0)
    with pytest.raises(ValueError, match="out of reach"):
        gaussiso.eps_boundary_measure(p, 0.1, method="mc", rtol=1e-6, n_samples=5000, rng=0)


# ----------------------------------------------------------------------------- auto / exact
def test_auto_uses_exact_when_possible():
    p = gaussiso.simplicial_cluster(4, 4, rng=0)
    assert gaussiso.eps_boundary_measure(p, 0.1).method == "quadrature"
    assert gaussiso.gaussian_perimeter(p).method == "quadrature"
    assert gaussiso.cell_measures(p).method == "exact"
    q = gaussiso.VoronoiPartition(NONCONE)  # affinely independent seeds: the SOV route
    assert gaussiso.eps_boundary_measure(q, 0.1, n_samples=300, rng=0).method == "sov"
    r = gaussiso.VoronoiPartition(np.random.default_rng(11).standard_normal((8, 5)))  # m > d + 1
    assert gaussiso.eps_boundary_measure(r, 0.1, n_samples=300, rng=0).method == "rqmc"


# ----------------------------------------------------------------------------- validation
@pytest.mark.parametrize("eps", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_eps(eps):
    with pytest.raises(ValueError, match="eps"):
        gaussiso.eps_boundary_measure(gaussiso.simplicial_cluster(3, 2), eps)


def test_bad_inputs():
    p = gaussiso.simplicial_cluster(3, 2)
    with pytest.raises(TypeError, match="eps"):
        gaussiso.eps_boundary_measure(p, "0.1")
    with pytest.raises(TypeError, match="VoronoiPartition"):
        gaussiso.eps_boundary_measure(np.eye(3), 0.1)
    with pytest.raises(TypeError, match="VoronoiPartition"):
        gaussiso.cell_measures([[1, 0], [0, 1]])
    with pytest.raises(TypeError, match="VoronoiPartition"):
        gaussiso.gaussian_perimeter(None)
    for f, args in (
        (gaussiso.eps_boundary_measure, (p, 0.1)),
        (gaussiso.cell_measures, (p,)),
        (gaussiso.gaussian_perimeter, (p,)),
    ):
        with pytest.raises(ValueError, match=r"method must be one of \['auto', 'exact', 'mc'"):
            f(*args, method="quadrature")
        with pytest.raises(ValueError, match="n_samples must be >= 1"):
            f(*args, method="mc", n_samples=0)
        with pytest.raises(TypeError, match="n_samples must be an integer"):
            f(*args, method="mc", n_samples=10.5)
        with pytest.raises(ValueError, match="rtol"):
            f(*args, method="mc", rtol=1.5)
        with pytest.raises(TypeError, match="rng"):
            f(*args, method="mc", n_samples=10, rng="seed")


# ----------------------------------------------------------------------------- profile
def test_isoperimetric_profile():
    v = np.array([0.0, 1e-300, 0.1, 0.5, 0.9, 1.0])
    out = gaussiso.isoperimetric_profile(v)
    ref = stats.norm.pdf(stats.norm.ppf(v))
    ref[[0, -1]] = 0.0
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=0)
    assert gaussiso.isoperimetric_profile(0.5) == pytest.approx(1 / SQ2PI, rel=1e-15)
    assert isinstance(gaussiso.isoperimetric_profile(0.3), float)
    assert gaussiso.isoperimetric_profile([[0.2, 0.8]]).shape == (1, 2)
    # the half-space of measure v has this perimeter
    h = stats.norm.ppf(0.3)
    half = gaussiso.VoronoiPartition([[h - 1.0, 0.0], [h + 1.0, 0.0]])
    assert gaussiso.gaussian_perimeter(half).value == pytest.approx(gaussiso.isoperimetric_profile(0.3), rel=1e-12)
    for bad in (-0.1, 1.5, float("nan"), [0.2, 2.0]):
        with pytest.raises(ValueError, match="v must be in"):
            gaussiso.isoperimetric_profile(bad)
    with pytest.raises(TypeError):
        gaussiso.isoperimetric_profile("x")
    with pytest.raises(TypeError):
        gaussiso.isoperimetric_profile(True)


def test_no_warnings_default_path():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gaussiso.eps_boundary_measure(gaussiso.VoronoiPartition(NONCONE), 0.05, n_samples=2000, rng=0)


# ----------------------------------------------------------------------------- eps arrays
def test_eps_array_exact_routes_match_scalar_calls():
    eps = [0.05, 0.4, 2.0]
    half = gaussiso.VoronoiPartition([[1.0, 0.5, 0.0], [-0.5, 0.2, 0.1]])
    simp = gaussiso.simplicial_cluster(4, 5, rng=2)
    plane = gaussiso.VoronoiPartition([[1.0, 0.0], [-1.0, 0.3], [0.2, 1.5], [0.4, -0.9]])
    for p in (half, simp, plane):
        arr = gaussiso.eps_boundary_measure(p, np.array(eps))
        assert arr.value.shape == arr.stderr.shape == (3,)
        for i, e in enumerate(eps):
            one = gaussiso.eps_boundary_measure(p, e)
            assert arr.method == one.method
            assert arr.value[i] == pytest.approx(one.value, abs=1e-15)
            assert arr.stderr[i] == pytest.approx(one.stderr, abs=1e-15)


@pytest.mark.parametrize("method", ["mc", "mc-lines", "rqmc"])
def test_eps_array_monte_carlo_uses_the_same_points_for_every_eps(method):
    p = gaussiso.VoronoiPartition(NONCONE)
    eps = [0.03, 0.3, 1.2]
    arr = gaussiso.eps_boundary_measure(p, eps, method=method, n_samples=4096, rng=3)
    assert arr.value.shape == (3,) and np.all(np.diff(arr.value) > 0)
    if method != "rqmc":  # rqmc fits one control-variate coefficient per eps on the pilot
        for i, e in enumerate(eps):
            one = gaussiso.eps_boundary_measure(p, e, method=method, n_samples=4096, rng=3)
            assert arr.value[i] == pytest.approx(one.value, rel=1e-12)
            assert arr.stderr[i] == pytest.approx(one.stderr, rel=1e-9)
    brute = [_brute(NONCONE, e, 100_000, 8) for e in eps]
    assert_estimate_close(
        arr, gaussiso.Estimate(np.array([b[0] for b in brute]), np.array([b[1] for b in brute]), 100_000, "mc")
    )


@pytest.mark.parametrize(
    "eps, exc, match",
    [
        ([0.1, -1.0], ValueError, r"eps\[1\] = -1.0"),
        ([0.1, 0.2, float("nan")], ValueError, r"eps\[2\] = nan"),
        (np.array([np.inf]), ValueError, r"eps\[0\] = inf"),
        ([0.0], ValueError, r"eps\[0\] = 0.0"),
        ([], ValueError, "eps must be a scalar or a non-empty 1-D array"),
        ([[0.1, 0.2]], ValueError, r"eps must be a scalar or a non-empty 1-D array, got shape \(1, 2\)"),
        (["a"], TypeError, "eps"),
        (True, TypeError, "eps"),
    ],
)
def test_bad_eps_arrays(eps, exc, match):
    with pytest.raises(exc, match=match):
        gaussiso.eps_boundary_measure(gaussiso.simplicial_cluster(3, 2), eps)


# ----------------------------------------------------------------------------- [0, 1] range
def test_monte_carlo_eps_boundary_stays_in_unit_interval():
    # Issue 11: a very wide band (all the mass) used to come out above 1 with plain "mc".
    p = gaussiso.VoronoiPartition(NONCONE)
    for method in ("mc", "mc-facet-lines", "mc-lines", "rqmc", "auto"):
        for seed in range(3):
            est = gaussiso.eps_boundary_measure(p, [1e-6, 10.0], method=method, n_samples=2000, rng=seed)
            assert np.all((est.value >= 0.0) & (est.value <= 1.0)), (method, est)
            assert est.value[1] > 0.99


# ----------------------------------------------------------------------------- auto routes
def test_auto_takes_the_planar_exact_route_in_reduced_dimension_two_or_less():
    from gaussiso import planar

    flat = np.array([[1.0, 0.0], [-1.0, 0.3], [0.2, 1.5], [0.4, -0.9]])
    p2 = gaussiso.VoronoiPartition(flat)
    est = gaussiso.eps_boundary_measure(p2, 0.3)
    assert est.method == "exact"
    # (the route works on the partition rotated into its span: equal up to rounding)
    assert est.value == pytest.approx(planar.eps_boundary_measure(p2, 0.3).value, abs=1e-12)
    assert gaussiso.gaussian_perimeter(p2).value == pytest.approx(planar.perimeter(p2).value, abs=1e-12)
    np.testing.assert_allclose(gaussiso.cell_measures(p2).value, planar.cell_measures(p2).value, atol=1e-12)
    # The same plane, rotated and shifted orthogonally into R^5: same exact values.
    from gaussiso._partition import random_rotation

    q = random_rotation(5, 1)
    emb = np.column_stack([flat, np.zeros((4, 3))]) + np.array([0, 0, 0.7, -0.2, 0.1])
    p5 = gaussiso.VoronoiPartition(emb @ q)
    e5 = gaussiso.eps_boundary_measure(p5, [0.1, 0.3])
    assert e5.method == "exact"
    assert e5.value[1] == pytest.approx(est.value, abs=1e-12)
    assert gaussiso.gaussian_perimeter(p5).value == pytest.approx(planar.perimeter(p2).value, abs=1e-12)
    assert gaussiso.eps_boundary_measure(p5, 0.1, method="exact").method == "exact"
    # Collinear seeds (reduced dimension 1) in R^3, three cells: exact too, and right.
    col = gaussiso.VoronoiPartition(np.outer([-1.0, 0.2, 1.3], [0.6, 0.0, 0.8]) + [0.0, 0.5, 0.0])
    ec = gaussiso.eps_boundary_measure(col, 0.2)
    assert ec.method == "exact"
    mc = gaussiso.eps_boundary_measure(col, 0.2, method="mc-lines", n_samples=20000, rng=0)
    assert_estimate_close(mc, ec)
    # Reduced dimension 3 or more, not simplicial, affinely independent seeds: the SOV route.
    assert gaussiso.gaussian_perimeter(gaussiso.VoronoiPartition(NONCONE), n_samples=2048, rng=0).method == "sov"
