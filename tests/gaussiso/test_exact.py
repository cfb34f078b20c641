"""Exact values for the simplicial cluster (gaussiso/_simplex_exact.py) against closed forms,
mpmath and multivariate-normal orthant probabilities."""

import math

import numpy as np
import pytest
from scipy import stats

import gaussiso
from gaussiso._simplex_exact import gauss_interval, simplex_eps_boundary, simplex_perimeter

SQ2PI = math.sqrt(2.0 * math.pi)


@pytest.mark.parametrize("eps", [1e-12, 1e-6, 0.01, 0.3, 1.0, 4.0, 40.0])
def test_halfspace_eps_boundary(eps):
    v, err = simplex_eps_boundary(2, eps)
    ref = math.erf(eps / math.sqrt(2.0))  # 2 Phi(eps) - 1 without cancellation
    assert abs(v - ref) <= 1e-14 * ref + 1e-300
    assert err < 1e-12


@pytest.mark.parametrize(
    "m, ref",
    [
        (2, 1.0 / SQ2PI),
        (3, 3.0 / (2.0 * SQ2PI)),
        (4, (1.5 + 3.0 * math.asin(1.0 / 3.0) / math.pi) / SQ2PI),
    ],
)
def test_perimeter_closed_forms(m, ref):
    v, err = simplex_perimeter(m)
    assert abs(v - ref) < 1e-13
    assert err < 1e-12


@pytest.mark.parametrize("m, eps", [(3, 0.1), (4, 0.5)])
def test_eps_boundary_vs_orthant_probabilities(m, eps):
    """1 - gamma = m P(Z_1 - Z_j >= sqrt(2) eps for all j): an (m-1)-dim normal orthant."""
    delta = math.sqrt(2.0) * eps
    cov = np.ones((m - 1, m - 1)) + np.eye(m - 1)  # Cov(Z_1 - Z_j, Z_1 - Z_k)
    orth = stats.multivariate_normal.cdf(
        -delta * np.ones(m - 1), mean=np.zeros(m - 1), cov=cov, abseps=1e-9, releps=1e-9
    )
    v, _ = simplex_eps_boundary(m, eps)
    assert abs(v - (1.0 - m * orth)) < 1e-6


def test_quadrature_vs_mpmath():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 20

    def ref_eps(m, eps):
        d = mp.sqrt(2) * eps
        f = lambda x: m * mp.npdf(x) * (mp.ncdf(x) ** (m - 1) - mp.ncdf(x - d) ** (m - 1))  # noqa: E731
        return mp.quad(f, [-mp.inf, -4, 0, 2, 3, 4, 6, mp.inf])

    def ref_perim(m):
        f = lambda x: mp.npdf(x) ** 2 * mp.ncdf(x) ** (m - 2)  # noqa: E731
        return m * (m - 1) / mp.sqrt(2) * mp.quad(f, [-mp.inf, -4, 0, 2, 3, 4, 6, mp.inf])

    for m, eps in [(3, 0.1), (10, 0.05), (10, 1e-6), (50, 0.3), (4, 2.0)]:
        v, err = simplex_eps_boundary(m, eps)
        r = float(ref_eps(m, mp.mpf(eps)))
        assert abs(v - r) <= err + 1e-15 * r, (m, eps)
        assert err < 1e-10 * max(r, 1e-300) + 1e-14
    for m in (5, 30):
        v, err = simplex_perimeter(m)
        r = float(ref_perim(m))
        assert abs(v - r) <= err + 1e-15 and err < 1e-11


@pytest.mark.parametrize("m", [10, 100, 1000])
def test_large_m_stable_and_consistent(m):
    per, _ = simplex_perimeter(m)
    eps = np.array([1e-10, 1e-7, 1e-3, 0.05, 0.5, 3.0, 30.0])
    vals = np.array([simplex_eps_boundary(m, e)[0] for e in eps])
    assert np.all(np.isfinite(vals)) and np.all((vals >= 0) & (vals <= 1))
    assert np.all(np.diff(vals) > 0) or vals[-1] == 1.0
    # gamma(eps) / (2 eps) -> perimeter, with error O(eps)
    assert vals[0] / (2e-10) == pytest.approx(per, rel=1e-8)
    assert vals[1] / (2e-7) == pytest.approx(per, rel=1e-5)
    assert vals[-1] == pytest.approx(1.0, abs=1e-12)


def test_perimeter_grows_like_sqrt_log_m():
    # P(m) ~ m(m-1)/sqrt2 int phi^2 Phi^(m-2): increasing in m
    p = [simplex_perimeter(m)[0] for m in (2, 3, 5, 10, 100, 1000)]
    assert np.all(np.diff(p) > 0)


def test_gauss_interval_accuracy():
    a = np.array([-40.0, -5.0, -1e-3, 0.0, 3.0, 10.0, 37.0])
    for h in (1e-14, 1e-8, 1e-3, 0.5, 3.0):
        got = gauss_interval(a, h)
        # reference on the side of 0 where it does not cancel
        lower = stats.norm.cdf(a + h) - stats.norm.cdf(a)
        ref = np.where(a + h <= 0, lower, stats.norm.sf(a) - stats.norm.sf(a + h))
        big = h > 1e-3
        ok = np.where(big, np.isclose(got, ref, rtol=1e-9, atol=0), True)
        assert np.all(ok)
        # small widths: compare with the midpoint density times the width
        mid = stats.norm.pdf(a + h / 2) * h
        if h <= 1e-8:
            np.testing.assert_allclose(got, mid, rtol=1e-10, atol=0)
    assert gauss_interval(0.0, 0.0) == 0.0
    assert gauss_interval(-np.inf, np.inf) == 1.0


# ----------------------------------------------------------------------------- public API
@pytest.mark.parametrize("m, d", [(3, 2), (3, 5), (4, 3), (6, 9)])
def test_public_exact_invariances(m, d):
    """Rotation, scaling (cones) and extra ambient dimensions leave the exact values unchanged."""
    base = gaussiso.eps_boundary_measure(gaussiso.simplicial_cluster(m, m - 1), 0.2)
    assert base.method == "quadrature" and base.n_samples == 0
    p = gaussiso.simplicial_cluster(m, d, rng=7)
    for scale in (1.0, 0.01, 250.0):
        q = gaussiso.VoronoiPartition(scale * p.seeds)
        e = gaussiso.eps_boundary_measure(q, 0.2, method="exact")
        assert e.value == pytest.approx(base.value, abs=1e-13)
        per = gaussiso.gaussian_perimeter(q, method="exact")
        assert per.value == pytest.approx(simplex_perimeter(m)[0], abs=1e-13)
        np.testing.assert_allclose(gaussiso.cell_measures(q, method="exact").value, 1.0 / m)


def test_public_exact_shifted_simplex_is_still_exact():
    # Equal norms + equal pairwise distances but centroid off the origin: same cones.
    v = gaussiso.simplex_vertices(3)
    seeds = np.hstack([v, np.full((3, 1), 2.0)])  # lifted: norms equal, equidistant
    p = gaussiso.VoronoiPartition(seeds)
    e = gaussiso.eps_boundary_measure(p, 0.1)
    assert e.method == "quadrature"
    assert e.value == pytest.approx(simplex_eps_boundary(3, 0.1)[0], abs=1e-13)


@pytest.mark.parametrize("h", [-1.3, 0.0, 0.7])
def test_public_two_cells_exact(h):
    # seeds +-a e1 shifted so that the bisector is {z_1 = h}
    p = gaussiso.VoronoiPartition([[h - 1.0, 0.0, 0.0], [h + 1.0, 0.0, 0.0]])
    eps = 0.25
    e = gaussiso.eps_boundary_measure(p, eps)
    assert e.method == "exact"
    assert e.value == pytest.approx(stats.norm.cdf(h + eps) - stats.norm.cdf(h - eps), rel=1e-13)
    c = gaussiso.cell_measures(p)
    np.testing.assert_allclose(c.value, [stats.norm.cdf(h), stats.norm.sf(h)], rtol=1e-13)
    per = gaussiso.gaussian_perimeter(p)
    assert per.value == pytest.approx(stats.norm.pdf(h), rel=1e-13)


def test_public_exact_refuses_non_simplicial():
    # (seeds spanning 3 dimensions: in 2 or fewer the planar exact route applies)
    p = gaussiso.VoronoiPartition([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [-1.0, -1.0, 0.0], [0.0, 0.0, 2.0]])
    with pytest.raises(ValueError, match="same norm"):
        gaussiso.eps_boundary_measure(p, 0.1, method="exact")
    c = gaussiso.VoronoiPartition([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])  # cone
    with pytest.raises(ValueError, match="equidistant"):
        gaussiso.gaussian_perimeter(c, method="exact")
    with pytest.raises(ValueError, match="simplicial"):
        gaussiso.cell_measures(c, method="exact")
