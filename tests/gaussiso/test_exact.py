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


@pytest.mark.parametrize("m", [2, 3, 10, 100, 10**3, 10**4, 10**6])
def test_perimeter_is_expected_maximum_and_grows_like_sqrt_log_m(m):
    r"""P(m) = E[M_m] / sqrt(2), M_m the maximum of m iid N(0, 1); sqrt(log m) growth, bounded.

    Integrating by parts (d Phi^(m-1) = (m-1) phi Phi^(m-2) dx and phi' = -x phi),
    (m-1) int phi^2 Phi^(m-2) = int phi d(Phi^(m-1)) = int x phi Phi^(m-1) = E[M_m] / m, so
    P(m) = m(m-1)/sqrt2 int phi^2 Phi^(m-2) = E[M_m] / sqrt2. E[M_m] is computed independently
    from the tails, E[M] = int_0^inf (1 - Phi^m(x)) dx - int_0^inf Phi^m(-x) dx.

    Bounds (Q = 1 - Phi):
    * upper: exp(t E[M]) <= E[exp(t M)] <= m exp(t^2/2) (Jensen, union bound); with
      t = sqrt(2 log m), E[M] <= sqrt(2 log m), i.e. P(m) <= sqrt(log m);
    * lower: M >= t 1{M >= t} - M^-, P(M >= t) = 1 - Phi(t)^m >= 1 - exp(-m Q(t)), and
      M^- <= Z_1^- 1{all Z_i < 0} gives E[M^-] <= phi(0) 2^(1-m); with Q(t) = log(m)/m,
      E[M] >= (1 - 1/m) t - phi(0) 2^(1-m).
    Since Q^{-1}(p) ~ sqrt(2 log(1/p)), both bounds over sqrt(log m) tend to 1: the ratio
    P(m)/sqrt(log m) is squeezed to 1, so the growth is sqrt(log m) with constant 1.
    """
    from scipy import integrate, special

    per, err = simplex_perimeter(m)

    def above(x):  # P(M > x) = 1 - Phi(x)^m, without cancellation
        return -special.expm1(m * special.log_ndtr(x))

    def below(x):  # P(M < -x) = Phi(-x)^m
        return math.exp(m * special.log_ndtr(-x))

    top = math.sqrt(2.0 * math.log(m))  # about where the maximum sits: split the integral there
    kw = dict(epsabs=0.0, epsrel=1e-13, limit=200)
    e_max = integrate.quad(above, 0.0, top, **kw)[0] + integrate.quad(above, top, np.inf, **kw)[0]
    e_max -= integrate.quad(below, 0.0, np.inf, epsabs=1e-300, epsrel=1e-13, limit=200)[0]
    assert per == pytest.approx(e_max / math.sqrt(2.0), rel=1e-13, abs=err)

    t = special.ndtri(1.0 - math.log(m) / m)  # Q(t) = log(m) / m
    lower = ((1.0 - 1.0 / m) * t - 2.0 ** (1 - m) / SQ2PI) / math.sqrt(2.0)
    upper = math.sqrt(math.log(m))
    assert lower <= per <= upper
    if m == 10**6:  # the window is already narrow: [0.797, 1] x sqrt(log m)
        assert lower / upper > 0.79 and per / upper > 0.9


def test_gauss_interval_accuracy():
    """Phi(a + h) - Phi(a) against mpmath (50 digits), for every width: short intervals
    (Gauss-Legendre) as well as tail differences, far in both tails.

    Tolerance: the density's relative condition number at x is x^2 (d log phi / d log x),
    so one rounding of an end point b costs about x^2 * 1.1e-16 relative; we allow four such
    roundings plus eight ulps, 4.5e-16 (8 + b^2) with b the larger |end point|. Values below
    1e-300 (near the subnormal range, below 2.2e-308, where relative accuracy ends) get an
    absolute 1e-310.
    """
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 50
    a = np.array([-40.0, -37.0, -5.0, -1.0, -1e-3, 0.0, 1e-3, 0.2, 3.0, 10.0, 37.0])
    for h in (1e-14, 1e-8, 1e-3, 0.02, 0.1, 0.5, 3.0):
        got = gauss_interval(a, h)
        # mpmath too needs the side of 0 where Phi is small (1 - 1e-300 has no 50 digits)
        ref = np.array(
            [float(mp.ncdf(mp.mpf(x) + h) - mp.ncdf(x) if x < 0 else mp.ncdf(-x) - mp.ncdf(-mp.mpf(x) - h)) for x in a]
        )
        b = np.maximum(np.abs(a), np.abs(a + h))
        tol = np.where(ref > 1e-300, 4.5e-16 * (8.0 + b * b) * ref, 1e-310)
        assert np.all(np.abs(got - ref) <= tol), (h, got, ref)
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
