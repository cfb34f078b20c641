"""Property-based tests (hypothesis, through gaussiso.testing) of the measures, kernels and bounds.

The hypothesis profile (derandomized, no database, no deadline) is set in tests/conftest.py;
``max_examples`` is lowered here only where an example is costly.
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import gaussiso
from gaussiso import _kernels as K
from gaussiso import _reference as R
from gaussiso import bounds
from gaussiso._simplex_exact import simplex_eps_boundary, simplex_perimeter
from gaussiso.testing import (
    assert_bound_holds,
    assert_estimate_close,
    assert_in_unit_interval,
    lipschitz_generators,
    seeds,
    simplicial_clusters,
    voronoi_partitions,
)

# generic and cone seeds, any scale in [0.2, 3], 1..5 dimensions
PARTITIONS = voronoi_partitions(m=st.integers(2, 6), d=st.integers(1, 5), kind=("generic", "cone"))


@settings(max_examples=15)  # cost: two kernels and two references per example
@given(PARTITIONS, seeds())
def test_kernels_agree_and_are_consistent(p, seed):
    S = p.seeds
    m, k = S.shape
    rng = np.random.default_rng(seed)
    P = rng.standard_normal((200, k))
    eps = np.array([1e-4, 0.02, 0.2, 1.0, 5.0])
    coef, H = K.facet_coefficients(S)
    phih, full = K.facet_tables(H, eps)
    fe, fp = np.empty((200, 5)), np.empty(200)
    K.facet_kernel(S[None], coef, H, phih, full, eps, P, fe, fp)
    re, rp = R.facet_reference(S, eps, P)
    np.testing.assert_allclose(fe, re, atol=1e-12)
    np.testing.assert_allclose(fp, rp, atol=1e-12)
    sq = np.einsum("ij,ij->i", S, S)
    D = np.sqrt(((S[:, None] - S[None]) ** 2).sum(-1))
    le, lc, lp = np.empty((200, 5)), np.empty((200, m)), np.empty(200)
    K.lines_kernel(S, sq, D, K.interface_weights(S), eps, P, le, lc, lp, True)
    re, rc, rp = R.lines_reference(S, eps, P)
    np.testing.assert_allclose(le, re, atol=1e-12)
    np.testing.assert_allclose(lc, rc, atol=1e-12)
    # per-point values: measures in [0, 1], monotone in eps, cells sum to 1
    for x in (fe, le):
        assert np.all(x >= -1e-15)
        assert np.all(np.diff(x, axis=1) >= -1e-13)
    assert np.all(le <= 1 + 1e-12)
    np.testing.assert_allclose(lc.sum(axis=1), 1.0, atol=1e-12)
    assert np.all(fp >= 0) and np.all(lp >= 0)


@settings(max_examples=15)  # cost: 6000 Monte Carlo points per example
@given(voronoi_partitions(m=st.integers(2, 6), d=st.integers(1, 5)), seeds())
def test_mc_estimators_agree(p, rseed):
    """The two independent unbiased estimators agree within 5 combined standard errors, also
    on near-degenerate seeds (a nearly coincident pair, or seeds squeezed near a line)."""
    a = gaussiso.eps_boundary_measure(p, 0.1, method="mc-facet-lines", n_samples=3000, rng=rseed)
    b = gaussiso.eps_boundary_measure(p, 0.1, method="mc-lines", n_samples=3000, rng=rseed + 1)
    assert_estimate_close(a, b, nsigma=5, atol=1e-12)  # 5 sigma of hypot(a.stderr, b.stderr)
    assert_in_unit_interval(a)
    assert_in_unit_interval(b)


@settings(max_examples=15)  # cost: one quadrature and 4000 Monte Carlo points per example
@given(
    simplicial_clusters(m=st.integers(2, 6), extra_dims=st.integers(0, 3), scale=st.floats(0.1, 10.0)),
    st.floats(0.01, 1.0),
    seeds(),
)
def test_simplicial_exact_is_rotation_and_scale_invariant(p, eps, seed):
    """The exact value (computed from the seeds' geometry) matches Monte Carlo on the
    rotated, scaled, embedded cluster within 5 standard errors."""
    exact = gaussiso.eps_boundary_measure(p, eps, method="exact")
    assert exact.stderr < 1e-10
    mc = gaussiso.eps_boundary_measure(p, eps, method="mc", n_samples=4000, rng=seed)
    # 5 sigma; 1e-14 for rounding where Monte Carlo is exact (two cells in d = 1: stderr ~1e-18)
    assert_estimate_close(mc, exact, nsigma=5, atol=1e-14)


@given(st.integers(2, 60), st.floats(1e-8, 20.0))
def test_simplex_exact_properties(m, eps):
    v, err = simplex_eps_boundary(m, eps)
    assert_in_unit_interval(v)
    assert err < 1e-10
    v2, _ = simplex_eps_boundary(m, 1.1 * eps)
    assert_bound_holds(v2, v, side="lower", atol=1e-14)  # monotone in eps
    per, _ = simplex_perimeter(m)
    # concave-type bound: gamma(eps) <= 2 eps P (the boundary layer of cones shrinks inwards)
    assert_bound_holds(v, 2 * eps * per, side="upper", rtol=1e-9)


@given(st.floats(1e-9, 1.0 - 1e-9))
def test_profile_symmetric(v):
    a = gaussiso.isoperimetric_profile(v)
    b = gaussiso.isoperimetric_profile(1.0 - v)
    assert a == pytest.approx(b, rel=1e-6, abs=1e-300)
    assert_bound_holds(a, 1.0 / np.sqrt(2 * np.pi), side="upper", atol=1e-15)
    assert_bound_holds(a, 0.0, side="lower")


@settings(max_examples=10)  # cost: 20000 generator evaluations per example
@given(lipschitz_generators(), seeds())
def test_generators_precision_and_lipschitz(gen, seed):
    """Monte Carlo precision of each explicit generator matches its exact precision (5
    binomial standard errors), and no pair of close points beats its Lipschitz constant."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((20_000, gen.latent_dim))
    x = gen(z)
    hit = gen.on_mode(x) >= 0
    p = hit.mean()
    mc = gaussiso.Estimate(p, np.sqrt(p * (1 - p) / len(z)), len(z), "mc")
    # 5 sigma, plus 1e-9 for the quadrature behind the exact value
    assert_estimate_close(mc, gen.exact_precision, nsigma=5, atol=1e-9)
    v = rng.standard_normal(z[:2000].shape)
    v *= (gen.eps * rng.uniform(1e-4, 1.0, 2000) / np.linalg.norm(v, axis=1))[:, None]
    ratio = np.linalg.norm(gen(z[:2000] + v) - x[:2000], axis=1) / np.linalg.norm(v, axis=1)
    assert_bound_holds(ratio.max(), gen.lipschitz, side="upper", rtol=1e-9)


@given(lipschitz_generators())
def test_lemma_3_5_corrected_bounds_the_precision(gen):
    """Lemma 3.5 with eps_min / 2 (the version its proof supports) bounds the exact precision
    of every explicit generator whose modes satisfy Assumption 3.1; the ramp and the
    projection rule with equidistant modes (exact Lipschitz constants) attain it."""
    assume(gaussiso.modes.check_assumption_3_1(gen.centers, gen.radii))
    e = bounds.eps_min(gen.centers, gen.lipschitz)
    bound = bounds.lemma_3_5(gen.partition, e, corrected=True, method="exact")
    assert_bound_holds(gen.exact_precision, bound.value, side="upper", atol=1e-9)
    if gen.lipschitz_is_exact:
        assert_estimate_close(bound, gen.exact_precision, atol=1e-9)
