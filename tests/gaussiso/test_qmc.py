"""Tests of the randomized QMC facet-line estimator (gaussiso/_qmc.py, _qmc_kernels.py).

Monte Carlo checks use fixed seeds and a 5-standard-error tolerance (assert_estimate_close).
"""

import math

import numpy as np
import pytest
from scipy import stats
from scipy.stats import qmc

import gaussiso
from gaussiso import _kernels as K
from gaussiso import _qmc
from gaussiso import _qmc_kernels as QK
from gaussiso._simplex_exact import simplex_eps_boundary, simplex_perimeter
from gaussiso.testing import assert_estimate_close

NONCONE = 0.7 * np.random.default_rng(11).standard_normal((5, 6))  # 5 seeds in R^6, no cone
EPS = np.array([0.02, 0.3, 1.5])


def _sobol_ints(k, log2n):
    u = qmc.Sobol(k, scramble=False, bits=30).random_base2(log2n)
    return np.ascontiguousarray(np.rint(u * 2.0**30).astype(np.uint64))


# ----------------------------------------------------------------------------- scrambling
def test_scrambling_keeps_the_net_and_is_uniform():
    k, log2n = 5, 8
    X = _sobol_ints(k, log2n)
    g = np.random.default_rng(0)
    rz = _qmc._Randomization.draw(np.eye(3, k), g, 1, 2)[0]
    u = np.empty(X.shape)
    QK.scramble_uniform(X, rz.rows, rz.shift, g.random(X.shape), u)
    n = X.shape[0]
    # Every one-dimensional projection of the first 2^j Sobol points is a (0, j, 1)-net: one
    # point per interval [i/n, (i+1)/n). Scrambling must keep that.
    for j in range(k):
        assert np.array_equal(np.sort(np.floor(u[:, j] * n)), np.arange(n))
    # The same two-dimensional balance for the first pair of coordinates (a (0, 8, 2)-net):
    cells = np.floor(u[:, 0] * 16) * 16 + np.floor(u[:, 1] * 16)
    assert np.array_equal(np.sort(cells), np.arange(256))
    # Any fixed point (here the first, 0 before scrambling) is uniform over randomizations.
    first = []
    for rz in _qmc._Randomization.draw(np.eye(3, k), g, 400, 2):
        out = np.empty((1, k))
        QK.scramble_uniform(X[:1], rz.rows, rz.shift, g.random((1, k)), out)
        first.append(out[0])
    first = np.array(first).ravel()
    assert stats.kstest(first, "uniform").pvalue > 1e-3


def _scramble_reference(X, rows, shift, jitter):
    """Pure-numpy reference of scramble_uniform: output bit 29 - b = parity(x & rows[:, b])."""
    y = np.zeros(X.shape, dtype=np.uint64)
    for b in range(30):
        par = np.bitwise_count(X & rows[None, :, b]).astype(np.uint64) & np.uint64(1)
        y |= par << np.uint64(29 - b)
    return ((y ^ shift[None, :]).astype(float) + jitter) * 2.0**-30


def test_scramble_kernel_matches_numpy_reference():
    X = _sobol_ints(4, 6)
    g = np.random.default_rng(1)
    rz = _qmc._Randomization.draw(np.eye(2, 4), g, 1, 2)[0]
    jit = g.random(X.shape)
    out = np.empty(X.shape)
    QK.scramble_uniform(X, rz.rows, rz.shift, jit, out)
    np.testing.assert_array_equal(out, _scramble_reference(X, rz.rows, rz.shift, jit))
    # The matrices are unit lower triangular: row b holds bit 29 - b and higher bits only.
    for b in range(30):
        assert np.all((rz.rows[:, b] >> np.uint64(29 - b)) & np.uint64(1) == 1)
        assert np.all(rz.rows[:, b] < np.uint64(1) << np.uint64(30))
        assert np.all(rz.rows[:, b] & ((np.uint64(1) << np.uint64(29 - b)) - np.uint64(1)) == 0)


def test_split_kernel_matches_facet_kernel_and_cell_part_sums_to_one():
    S = gaussiso.VoronoiPartition(NONCONE).reduce()[0].seeds.copy()
    coef, H = K.facet_coefficients(S)
    eps = np.array([0.1, 0.7])
    phih, full = K.facet_tables(H, eps)
    P = np.random.default_rng(3).standard_normal((4000, S.shape[1]))
    Sr = np.ascontiguousarray(S[None])
    ref_e, ref_p = np.empty((4000, 2)), np.empty(4000)
    K.facet_kernel(Sr, coef, H, phih, full, eps, P, ref_e, ref_p)
    ob, oc, op = _qmc._kernel_call(Sr, coef, H, phih, full, eps, P)
    np.testing.assert_allclose(ob, ref_e, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(op, ref_p, rtol=1e-13, atol=1e-15)
    # The cell part C has mean exactly 1 and bounds every band part (Y = C - X >= 0).
    assert abs(oc.mean() - 1.0) <= 5 * oc.std() / math.sqrt(4000)
    assert np.all(ob >= 0) and np.all(oc[:, None] - ob >= -1e-15)
    # It is the band part of an infinitely wide band.
    big = np.array([1e3])
    ob2, oc2, _ = _qmc._kernel_call(Sr, coef, H, phih, K.facet_tables(H, big)[1], big, P)
    np.testing.assert_allclose(ob2[:, 0], oc2, rtol=1e-12, atol=1e-15)


# ----------------------------------------------------------------------------- estimates
@pytest.mark.parametrize("m, d", [(3, 2), (4, 3), (6, 7)])
def test_rqmc_matches_exact_simplicial(m, d):
    p = gaussiso.simplicial_cluster(m, d, rng=m)
    est = gaussiso.eps_boundary_measure(p, EPS, method="rqmc", n_samples=8192, rng=1)
    assert est.method == "rqmc" and est.value.shape == (3,) and np.all(est.stderr > 0)
    exact = [simplex_eps_boundary(m, e)[0] for e in EPS]
    assert_estimate_close(est, exact)
    per = gaussiso.gaussian_perimeter(p, method="rqmc", n_samples=8192, rng=2)
    assert_estimate_close(per, simplex_perimeter(m)[0])


def test_rqmc_agrees_with_plain_mc_on_a_noncone_partition():
    p = gaussiso.VoronoiPartition(NONCONE)
    a = gaussiso.eps_boundary_measure(p, EPS, method="rqmc", n_samples=8192, rng=4)
    b = gaussiso.eps_boundary_measure(p, EPS, method="mc", n_samples=20000, rng=5)
    assert_estimate_close(a, b)
    c = gaussiso.gaussian_perimeter(p, method="rqmc", n_samples=8192, rng=6)
    d = gaussiso.gaussian_perimeter(p, method="mc", n_samples=20000, rng=7)
    assert_estimate_close(c, d)


def test_rqmc_is_reproducible_and_counts_points():
    p = gaussiso.VoronoiPartition(NONCONE)
    a = gaussiso.eps_boundary_measure(p, 0.2, method="rqmc", n_samples=3000, rng=9)
    b = gaussiso.eps_boundary_measure(p, 0.2, method="rqmc", n_samples=3000, rng=np.random.default_rng(9))
    assert a == b
    # 32 randomizations of a power of two >= 3000 / 32 points each.
    assert a.n_samples == 32 * 128


def test_rqmc_rtol_is_met_and_the_cap_warns():
    p = gaussiso.VoronoiPartition(NONCONE)
    est = gaussiso.eps_boundary_measure(p, [0.05, 0.8], method="rqmc", rtol=3e-3, rng=0)
    assert np.all(est.stderr <= 3e-3 * est.value)
    per = gaussiso.gaussian_perimeter(p, method="rqmc", rtol=3e-3, rng=0)
    assert per.stderr <= 3e-3 * per.value
    with pytest.warns(RuntimeWarning, match="not reached"):
        gaussiso.eps_boundary_measure(p, 0.05, method="rqmc", rtol=1e-5, n_samples=4096, rng=0)


def test_rqmc_stays_in_unit_interval_for_wide_and_thin_bands():
    # A wide band holds nearly all of the mass: the estimate is 1 minus a nonnegative one.
    p = gaussiso.VoronoiPartition(NONCONE)
    est = gaussiso.eps_boundary_measure(p, [1e-6, 10.0, 50.0], method="rqmc", n_samples=2048, rng=0)
    assert np.all((est.value >= 0) & (est.value <= 1))
    assert est.value[1] > 0.999 and est.value[0] < 1e-4


def test_rqmc_refuses_too_many_cells():
    p = gaussiso.VoronoiPartition(np.random.default_rng(0).standard_normal((130, 3)))
    with pytest.raises(ValueError, match=r"method='rqmc' needs m <= 128 cells.*m = 130"):
        gaussiso.eps_boundary_measure(p, 0.1, method="rqmc")


# ----------------------------------------------------------------------------- coverage
def _coverage(fn, exact, reps):
    hits = 0
    for r in range(reps):
        est = fn(r)
        lo, hi = est.ci(0.95)
        hits += (lo <= exact) & (exact <= hi)
    return hits


@pytest.mark.slow
def test_rqmc_intervals_cover_the_exact_values():
    """Over 200 independent replicates, the 95% intervals contain the exact value 180-198 times.

    With R = 32 randomizations the standardized error is close to Student t with 31 degrees
    of freedom, so the normal 95% interval covers with probability about 0.941: the count is
    about Binomial(200, 0.94), mean 188, sd 3.4. The window [180, 198] fails with probability
    below 1% for an honest stderr (lower end 2.4 sd below the mean; the upper end only fails
    for a grossly inflated stderr) and catches a stderr 20% too small (coverage 0.88, mean
    count 176).
    """
    m, d = 4, 3
    p = gaussiso.simplicial_cluster(m, d, rng=0)
    eps = np.array([0.05, 0.5, 2.0])
    exact = np.array([simplex_eps_boundary(m, e)[0] for e in eps])
    hits = _coverage(
        lambda r: gaussiso.eps_boundary_measure(p, eps, method="rqmc", n_samples=256, rng=1000 + r), exact, 200
    )
    assert np.all((hits >= 180) & (hits <= 198)), hits
    per = simplex_perimeter(m)[0]
    hp = _coverage(lambda r: gaussiso.gaussian_perimeter(p, method="rqmc", n_samples=256, rng=5000 + r), per, 200)
    assert 180 <= hp <= 198, hp
