"""Tests of the separation-of-variables route (gaussiso/_sov.py, _sov_kernels.py).

Monte Carlo checks use fixed seeds and tolerances derived from the reported standard errors
(5 sigma, combined in quadrature with the other estimator's) plus the quadrature error.
"""

import math

import numpy as np
import pytest
from scipy import special, stats

import gaussiso
from gaussiso import _sov
from gaussiso import _sov_kernels as SK
from gaussiso._partition import random_rotation
from gaussiso._simplex_exact import simplex_eps_boundary, simplex_perimeter
from gaussiso.testing import assert_estimate_close

EPS = np.array([1e-3, 0.05, 0.3, 1.0, 3.0])
ROUND = 1e-12  # rounding slack where the route is exact (its stderr is then ~1e-17)


def _close(est, exact, atol, nsigma=5.0):
    """``|value - exact| <= nsigma stderr + atol`` elementwise (``atol`` may be an array: a
    quadrature error bound per value)."""
    v, se = np.asarray(est.value), np.asarray(est.stderr)
    bad = np.abs(v - exact) > nsigma * se + np.asarray(atol)
    assert not np.any(bad), (v, exact, se, atol)


def _random_seeds(m, d, rng, scale=0.8, shift=0.3):
    g = np.random.default_rng(rng)
    return scale * g.standard_normal((m, d)) + shift * g.standard_normal(d)


# ----------------------------------------------------------------------------- kernels
def test_ndtri_matches_scipy():
    p = np.concatenate(
        [
            np.logspace(-300, -1, 4000),
            np.linspace(0.0, 1.0, 4001)[1:-1],
            1.0 - np.logspace(-16, -1, 2000),
            [0.5, 0.075, 0.925, 1e-300, 1.0 - 1e-16],
        ]
    )
    out = np.empty_like(p)
    SK.ndtri_array(p, out)
    ref = special.ndtri(p)
    err = np.abs(out - ref)
    assert np.all(err <= 2e-15 * np.abs(ref) + 1e-300), float(np.max(err / np.maximum(np.abs(ref), 1e-300)))
    assert SK.ndtri(0.0) == -math.inf and SK.ndtri(1.0) == math.inf
    assert math.isnan(SK.ndtri(1.5)) and math.isnan(SK.ndtri(-0.1))


def test_order_cholesky_factors_the_permuted_matrix():
    g = np.random.default_rng(3)
    A = g.standard_normal((6, 6))
    S = A @ A.T + 0.5 * np.eye(6)
    b = g.standard_normal(6)
    L, bo, perm = np.empty((6, 6)), np.empty(6), np.empty(6, dtype=np.int64)
    piv = SK.order_cholesky(S, b, L, bo, perm)
    assert sorted(perm) == list(range(6))
    np.testing.assert_allclose(L @ L.T, S[np.ix_(perm, perm)], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(bo, b[perm])
    assert np.all(np.triu(L, 1) == 0) and piv == pytest.approx(np.min(np.diag(L)))


def test_sov_integrand_is_the_mvn_cdf():
    """The SOV integral of a 4-variate CDF against scipy's (Genz's own algorithm, abseps 1e-6)."""
    g = np.random.default_rng(4)
    A = g.standard_normal((4, 4))
    S = A @ A.T + np.eye(4)
    b = g.standard_normal(4)
    L, bo, perm = np.empty((4, 4)), np.empty(4), np.empty(4, dtype=np.int64)
    SK.order_cholesky(S, b, L, bo, perm)
    U = g.random((64, 4096, 3))
    out = np.empty((64, 1, 1))
    SK.sov_sums(U, L[None], bo[None], np.zeros(1), out)
    means = out[:, 0, 0] / 4096
    ref = stats.multivariate_normal.cdf(b, np.zeros(4), S, abseps=1e-7, releps=0, rng=0)
    se = means.std(ddof=1) / 8
    assert abs(means.mean() - ref) <= 5 * se + 5e-7


# ----------------------------------------------------------------------------- exact cases
@pytest.mark.parametrize(("m", "d", "rot"), [(3, 2, None), (4, 3, 1), (5, 9, 2), (6, 5, None)])
def test_simplicial_clusters_against_quadrature(m, d, rot):
    p = gaussiso.simplicial_cluster(m, d, rng=rot)
    p = gaussiso.VoronoiPartition(2.5 * p.seeds)  # any scale: still a cone
    ex = np.array([simplex_eps_boundary(m, e) for e in EPS])
    est = gaussiso.eps_boundary_measure(p, EPS, method="sov", n_samples=2048, rng=0)
    assert est.method == "sov"
    _close(est, ex[:, 0], ex[:, 1] + ROUND)
    # the small eps keeps its relative accuracy (difference form on common points)
    assert est.stderr[0] <= 1e-2 * est.value[0] + ROUND
    per, per_err = simplex_perimeter(m)
    assert_estimate_close(
        gaussiso.gaussian_perimeter(p, method="sov", n_samples=2048, rng=0), per, atol=per_err + ROUND
    )
    cells = gaussiso.cell_measures(p, method="sov", n_samples=256, rng=0)
    assert_estimate_close(cells, np.full(m, 1.0 / m), atol=ROUND)


@pytest.mark.parametrize("offset", [0.0, 0.7, -2.0])
def test_two_cells_closed_form(offset):
    s = np.array([[offset - 0.4, 0.2, 1.0], [offset + 0.6, 0.2, 1.0]])  # bisector x = offset + 0.1
    p = gaussiso.VoronoiPartition(s)
    h = offset + 0.1
    est = gaussiso.eps_boundary_measure(p, EPS, method="sov", n_samples=64, rng=1)
    ex = special.ndtr(h + EPS) - special.ndtr(h - EPS)
    np.testing.assert_allclose(est.value, ex, rtol=1e-12, atol=1e-15)
    per = gaussiso.gaussian_perimeter(p, method="sov", n_samples=64, rng=1)
    assert per.value == pytest.approx(math.exp(-0.5 * h * h) / math.sqrt(2 * math.pi), rel=1e-13)
    cells = gaussiso.cell_measures(p, method="sov", n_samples=64, rng=1)
    np.testing.assert_allclose(cells.value, [special.ndtr(h), special.ndtr(-h)], rtol=1e-13)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_three_seeds_against_the_planar_exact_route(seed):
    """Three affinely independent seeds (not a cone) span a plane: gaussiso.planar is exact."""
    p = gaussiso.VoronoiPartition(_random_seeds(3, 5, seed))
    eps = EPS[:4]
    ex = gaussiso.eps_boundary_measure(p, eps, method="exact")
    est = gaussiso.eps_boundary_measure(p, eps, method="sov", n_samples=4096, rng=seed)
    _close(est, ex.value, ex.stderr + ROUND)
    exp_ = gaussiso.gaussian_perimeter(p, method="exact")
    # k = 2: the facet terms are 1-variate, so the perimeter is exact up to rounding
    _close(gaussiso.gaussian_perimeter(p, method="sov", rng=seed), exp_.value, exp_.stderr + ROUND)
    exc = gaussiso.cell_measures(p, method="exact")
    _close(gaussiso.cell_measures(p, method="sov", rng=seed), exc.value, exc.stderr + ROUND)


# ----------------------------------------------------------------------------- non-cone seeds
@pytest.mark.parametrize(("m", "d"), [(4, 3), (5, 6), (6, 5), (7, 6)])
def test_random_seeds_against_facet_lines(m, d):
    seeds = _random_seeds(m, d, 10 * m + d)
    p = gaussiso.VoronoiPartition(seeds)
    eps = np.array([0.02, 0.3, 1.5])
    sov = gaussiso.eps_boundary_measure(p, eps, method="sov", n_samples=4096, rng=1)
    mc = gaussiso.eps_boundary_measure(p, eps, method="mc-facet-lines", n_samples=20000, rng=2)
    assert_estimate_close(sov, mc)
    assert np.all(np.diff(sov.value) > 0)
    ps = gaussiso.gaussian_perimeter(p, method="sov", n_samples=4096, rng=1)
    pm = gaussiso.gaussian_perimeter(p, method="mc-facet-lines", n_samples=20000, rng=2)
    assert_estimate_close(ps, pm)


def test_cells_against_indicator_monte_carlo():
    seeds = _random_seeds(5, 7, 99)
    p = gaussiso.VoronoiPartition(seeds)
    cells = gaussiso.cell_measures(p, method="sov", n_samples=4096, rng=3)
    assert cells.value.sum() == pytest.approx(1.0, abs=1e-13)
    n = 400_000
    z = np.random.default_rng(4).standard_normal((n, 7))
    frac = np.bincount(p.label(z), minlength=5) / n
    ind = gaussiso.Estimate(frac, np.sqrt(frac * (1 - frac) / n), n, "indicator")
    assert_estimate_close(cells, ind)
    # the indicator has stderr ~6e-4; SOV is far more precise
    assert np.all(cells.stderr < 0.1 * ind.stderr)


def test_eps_boundary_is_monotone_and_tends_to_the_perimeter():
    p = gaussiso.VoronoiPartition(_random_seeds(6, 6, 5))
    eps = np.geomspace(1e-4, 4.0, 25)
    est = gaussiso.eps_boundary_measure(p, eps, method="sov", n_samples=2048, rng=0)
    assert np.all(np.diff(est.value) > 0)  # common random numbers: monotone curve
    per = gaussiso.gaussian_perimeter(p, method="sov", n_samples=2048, rng=0)
    # gamma(band) / (2 eps) = P + O(eps): at eps = 1e-4 the bias is far below the stderr
    ratio = est.value[0] / (2 * eps[0])
    assert abs(ratio - per.value) <= 5 * math.hypot(est.stderr[0] / (2 * eps[0]), per.stderr) + 1e-3 * per.value


def _record_forms(monkeypatch, force=None):
    """Record (or force) the pilot's choice between the control-variate form and ``1 - Y``."""
    taken = []
    choose = _sov._prefer_tail

    def spy(z_cv, z_tail, rtol):
        t = choose(z_cv, z_tail, rtol) if force is None else force
        taken.append(t)
        return t

    monkeypatch.setattr(_sov, "_prefer_tail", spy)
    return taken


@pytest.mark.parametrize("force", [False, True])
def test_both_forms_of_the_band_are_right(monkeypatch, force):
    """Control-variate form and ``1 - Y`` with each (cell, eps) in its own variable order:
    both against the quadrature values of a simplicial cluster, narrow and wide bands."""
    m = 5
    c = gaussiso.VoronoiPartition(1.3 * gaussiso.simplicial_cluster(m, 4, rng=0).seeds)
    taken = _record_forms(monkeypatch, force)
    eps = np.array([0.05, 0.5, 1.5, 3.0])
    ex = np.array([simplex_eps_boundary(m, e) for e in eps])
    est = gaussiso.eps_boundary_measure(c, eps, method="sov", n_samples=4096, rng=3)
    assert taken == [force]
    _close(est, ex[:, 0], ex[:, 1] + ROUND)
    assert np.all(est.stderr > 0) and np.all(est.stderr < 2e-3)


def test_the_pilot_takes_1_minus_y_for_wide_bands_only(monkeypatch):
    p = gaussiso.VoronoiPartition(_random_seeds(6, 9, 8))
    taken = _record_forms(monkeypatch)
    narrow = gaussiso.eps_boundary_measure(p, 0.02, method="sov", rtol=1e-3, rng=0)
    wide = gaussiso.eps_boundary_measure(p, 2.0, method="sov", rtol=1e-3, rng=0)
    assert taken == [False, True]
    for est, eps in ((narrow, 0.02), (wide, 2.0)):  # both against the facet-line estimator
        ref = gaussiso.eps_boundary_measure(p, eps, method="rqmc", rtol=1e-3, rng=1)
        assert abs(est.value - ref.value) <= 5 * math.hypot(est.stderr, ref.stderr)
        assert est.stderr <= 1e-3 * est.value


def test_both_sides_of_each_facet_agree():
    p = gaussiso.VoronoiPartition(_random_seeds(6, 8, 6))
    prob = _sov.sov_problem(p)
    val, se, _ = _sov.sov_estimate(prob, "facets", None, n_samples=4096, rtol=None, rng=0)
    pair = prob.facets()[3]
    for a in range(pair.shape[0]):
        (b,) = [i for i in range(pair.shape[0]) if i != a and tuple(pair[i]) == tuple(pair[a])]
        assert abs(val[a] - val[b]) <= 5 * math.hypot(se[a], se[b]) + 1e-14
    per = gaussiso.gaussian_perimeter(p, method="sov", n_samples=4096, rng=0)
    assert abs(per.value - val.sum() / 2) <= 5 * math.hypot(per.stderr, np.sqrt(np.sum(se**2)) / 2)


def test_invariant_under_rotation_and_latent_dimensions():
    seeds = _random_seeds(5, 4, 7)
    p = gaussiso.VoronoiPartition(seeds)
    big = np.column_stack([seeds, np.zeros((5, 3))]) @ random_rotation(7, 8).T
    q = gaussiso.VoronoiPartition(big)
    eps = np.array([0.01, 0.5])
    a = gaussiso.eps_boundary_measure(p, eps, method="sov", n_samples=2048, rng=0)
    b = gaussiso.eps_boundary_measure(q, eps, method="sov", n_samples=2048, rng=1)
    assert_estimate_close(a, b)
    # the reduced problem itself is the same up to rounding: with the same rng, same numbers
    c = gaussiso.eps_boundary_measure(q, eps, method="sov", n_samples=2048, rng=0)
    np.testing.assert_allclose(c.value, a.value, rtol=1e-9)


def test_same_seed_same_numbers_and_rtol():
    p = gaussiso.VoronoiPartition(_random_seeds(5, 5, 8))
    a = gaussiso.eps_boundary_measure(p, [0.05, 1.0], method="sov", rtol=1e-3, rng=3)
    b = gaussiso.eps_boundary_measure(p, [0.05, 1.0], method="sov", rtol=1e-3, rng=3)
    np.testing.assert_array_equal(a.value, b.value)
    assert np.all(a.stderr <= 1e-3 * a.value)
    assert a.n_samples % _sov.N_RANDOMIZATIONS == 0
    with pytest.warns(RuntimeWarning, match="rtol=1e-09 not reached within n_samples=1024"):
        gaussiso.eps_boundary_measure(p, 0.05, method="sov", rtol=1e-9, n_samples=1024, rng=0)
    est = gaussiso.eps_boundary_measure(p, 0.05, method="sov", n_samples=1000, rng=0)
    assert est.n_samples == 1024  # 32 randomizations x 32 points


def test_values_stay_in_range():
    p = gaussiso.VoronoiPartition(_random_seeds(6, 6, 9))
    est = gaussiso.eps_boundary_measure(p, [1e-6, 8.0, 40.0], method="sov", n_samples=256, rng=0)
    assert np.all((est.value >= 0) & (est.value <= 1))
    assert est.value[2] == pytest.approx(1.0, abs=1e-12)


# ----------------------------------------------------------------------------- routing and input
def test_auto_takes_sov_for_affinely_independent_seeds():
    p = gaussiso.VoronoiPartition(_random_seeds(5, 6, 11))
    assert gaussiso.eps_boundary_measure(p, 0.1, n_samples=256, rng=0).method == "sov"
    assert gaussiso.gaussian_perimeter(p, n_samples=256, rng=0).method == "sov"
    assert gaussiso.cell_measures(p, n_samples=256, rng=0).method == "sov"
    # exact routes first; more seeds than d + 1 -> rqmc / mc-lines
    assert gaussiso.eps_boundary_measure(gaussiso.simplicial_cluster(5, 6), 0.1).method == "quadrature"
    q = gaussiso.VoronoiPartition(_random_seeds(6, 3, 12))
    assert gaussiso.eps_boundary_measure(q, 0.1, n_samples=256, rng=0).method == "rqmc"
    assert gaussiso.cell_measures(q, n_samples=256, rng=0).method == "mc-lines"


def test_not_affinely_independent_is_refused():
    q = gaussiso.VoronoiPartition(_random_seeds(6, 3, 12))
    with pytest.raises(
        ValueError, match=r"method='sov'.*m = 6 seeds are not affinely independent \(they span 3 < m - 1 = 5"
    ):
        gaussiso.eps_boundary_measure(q, 0.1, method="sov")
    # nearly dependent: four seeds, the fourth 1e-5 off the plane of the others
    s = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.4, 0.4, 1e-5]])
    with pytest.raises(ValueError, match=r"smallest singular value .* < MIN_SINGULAR = 0.001"):
        gaussiso.gaussian_perimeter(gaussiso.VoronoiPartition(s), method="sov")
    assert gaussiso.eps_boundary_measure(gaussiso.VoronoiPartition(s), 0.1, n_samples=256, rng=0).method == "rqmc"
    # between MIN_SINGULAR and AUTO_MIN_SINGULAR: "sov" on request, "rqmc" through "auto"
    s = s.copy()
    s[3, 2] = 3e-3
    p = gaussiso.VoronoiPartition(s)
    prob = _sov.sov_problem(p)
    assert _sov.MIN_SINGULAR <= prob.smallest_sv < _sov.AUTO_MIN_SINGULAR
    assert gaussiso.gaussian_perimeter(p, n_samples=256, rng=0).method == "rqmc"
    sov = gaussiso.eps_boundary_measure(p, [0.02, 0.5], method="sov", n_samples=8192, rng=0)
    assert_estimate_close(
        sov, gaussiso.eps_boundary_measure(p, [0.02, 0.5], method="mc-facet-lines", n_samples=20000, rng=1)
    )
    huge = gaussiso.VoronoiPartition(_random_seeds(4, 3, 13) * 1e13)
    with pytest.raises(ValueError, match=r"norm up to .* > MAX_MC_SCALE"):
        gaussiso.cell_measures(huge, method="sov")
    with pytest.raises(ValueError, match="method must be one of"):
        gaussiso.cell_measures(q, method="sovv")


# ----------------------------------------------------------------------------- coverage
@pytest.mark.slow
def test_sov_intervals_cover_the_exact_values():
    """Over 200 replicates the 95% intervals contain the exact value 180-198 times (as for
    rqmc in test_qmc.py: with 32 randomizations the count is about Binomial(200, 0.94)).
    Three non-cone seeds have exact values through the planar route; a simplicial cluster in
    R^4 has quadrature values."""
    p = gaussiso.VoronoiPartition(_random_seeds(3, 4, 21))
    eps = np.array([0.05, 0.5, 2.0])
    ex = gaussiso.eps_boundary_measure(p, eps, method="exact").value
    hits = np.zeros(3, dtype=int)
    for r in range(200):
        lo, hi = gaussiso.eps_boundary_measure(p, eps, method="sov", n_samples=4096, rng=1000 + r).ci(0.95)
        hits += (lo <= ex) & (ex <= hi)
    assert np.all((hits >= 180) & (hits <= 198)), hits
    m = 5
    c = gaussiso.VoronoiPartition(gaussiso.simplicial_cluster(m, 4, rng=0).seeds)
    exs = np.array([simplex_eps_boundary(m, e)[0] for e in eps])
    per = simplex_perimeter(m)[0]
    hits = np.zeros(3, dtype=int)
    hp = 0
    for r in range(200):
        lo, hi = gaussiso.eps_boundary_measure(c, eps, method="sov", n_samples=4096, rng=3000 + r).ci(0.95)
        hits += (lo <= exs) & (exs <= hi)
        lo, hi = gaussiso.gaussian_perimeter(c, method="sov", n_samples=4096, rng=5000 + r).ci(0.95)
        hp += lo <= per <= hi
    assert np.all((hits >= 180) & (hits <= 198)), hits
    assert 180 <= hp <= 198, hp


@pytest.mark.slow
def test_tail_form_intervals_cover_the_exact_values(monkeypatch):
    """The same count for the ``1 - Y`` form (forced), on the same two partitions."""
    _record_forms(monkeypatch, force=True)
    p = gaussiso.VoronoiPartition(_random_seeds(3, 4, 21))
    eps = np.array([0.5, 1.0, 2.0])
    ex = gaussiso.eps_boundary_measure(p, eps, method="exact").value
    c = gaussiso.VoronoiPartition(gaussiso.simplicial_cluster(5, 4, rng=0).seeds)
    exs = np.array([simplex_eps_boundary(5, e)[0] for e in eps])
    for part, exact in ((p, ex), (c, exs)):
        hits = np.zeros(3, dtype=int)
        for r in range(200):
            lo, hi = gaussiso.eps_boundary_measure(part, eps, method="sov", n_samples=4096, rng=7000 + r).ci(0.95)
            hits += (lo <= exact) & (exact <= hi)
        assert np.all((hits >= 180) & (hits <= 198)), hits


def test_same_numbers_on_one_thread():
    import numba

    p = gaussiso.VoronoiPartition(_random_seeds(5, 5, 14))
    a = gaussiso.eps_boundary_measure(p, [0.05, 1.0], method="sov", n_samples=2048, rng=5)
    old = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        b = gaussiso.eps_boundary_measure(p, [0.05, 1.0], method="sov", n_samples=2048, rng=5)
    finally:
        numba.set_num_threads(old)
    np.testing.assert_array_equal(a.value, b.value)
    np.testing.assert_array_equal(a.stderr, b.stderr)


def test_cap_warning_points_at_the_callers_line_for_both_routes():
    # the shared rtol loop of "rqmc" and "sov" warns at the user's call, not inside the library
    rng = np.random.default_rng(0)
    cases = [
        (gaussiso.VoronoiPartition(rng.standard_normal((8, 5))), "rqmc"),
        (gaussiso.VoronoiPartition(rng.standard_normal((5, 6))), "sov"),
    ]
    for p, method in cases:
        with pytest.warns(RuntimeWarning, match="not reached") as rec:
            est = gaussiso.eps_boundary_measure(p, 0.01, method=method, rtol=1e-6, n_samples=2048, rng=0)
        assert est.method == method and rec[0].filename == __file__


def test_cached_sobol_points_and_problem():
    from scipy.stats import qmc

    ref = np.rint(qmc.Sobol(7, scramble=False, bits=30).random(256) * 2.0**30).astype(np.uint64)
    a = _sov._sobol_ints(7, 64)
    np.testing.assert_array_equal(a, ref[:64])
    np.testing.assert_array_equal(_sov._sobol_ints(7, 256), ref)  # the cache grows: same prefix
    np.testing.assert_array_equal(_sov._sobol_ints(7, 32), ref[:32])
    assert not _sov._sobol_ints(7, 32).flags.writeable
    p = gaussiso.VoronoiPartition(_random_seeds(4, 5, 3))
    first = _sov.sov_reason(p)
    assert _sov.sov_reason(p) is first  # computed once per (immutable) partition
