"""Property-based tests (hypothesis) of the measures and kernels."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gaussiso
from gaussiso import _kernels as K
from gaussiso._simplex_exact import simplex_eps_boundary, simplex_perimeter

SETTINGS = settings(derandomize=True, database=None, deadline=None, max_examples=15)


@st.composite
def seeds_strategy(draw):
    m = draw(st.integers(2, 6))
    k = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, k)) * draw(st.sampled_from([0.3, 1.0, 3.0])), seed


@SETTINGS
@given(seeds_strategy())
def test_kernels_agree_and_are_consistent(data):
    S, seed = data
    m, k = S.shape
    rng = np.random.default_rng(seed + 1)
    P = rng.standard_normal((200, k))
    eps = np.array([1e-4, 0.02, 0.2, 1.0, 5.0])
    coef, H = K.facet_coefficients(S)
    phih, full = K.facet_tables(H, eps)
    fe, fp = np.empty((200, 5)), np.empty(200)
    K.facet_kernel(S[None], coef, H, phih, full, eps, P, fe, fp)
    re, rp = K.facet_reference(S, eps, P)
    np.testing.assert_allclose(fe, re, atol=1e-12)
    np.testing.assert_allclose(fp, rp, atol=1e-12)
    sq = np.einsum("ij,ij->i", S, S)
    D = np.sqrt(((S[:, None] - S[None]) ** 2).sum(-1))
    le, lc, lp = np.empty((200, 5)), np.empty((200, m)), np.empty(200)
    K.lines_kernel(S, sq, D, K.interface_weights(S), eps, P, le, lc, lp, True)
    re, rc, rp = K.lines_reference(S, eps, P)
    np.testing.assert_allclose(le, re, atol=1e-12)
    np.testing.assert_allclose(lc, rc, atol=1e-12)
    # per-point values: measures in [0, 1], monotone in eps, cells sum to 1
    for x in (fe, le):
        assert np.all(x >= -1e-15)
        assert np.all(np.diff(x, axis=1) >= -1e-13)
    assert np.all(le <= 1 + 1e-12)
    np.testing.assert_allclose(lc.sum(axis=1), 1.0, atol=1e-12)
    assert np.all(fp >= 0) and np.all(lp >= 0)


@SETTINGS
@given(seeds_strategy(), st.integers(0, 2**31 - 1))
def test_mc_estimators_agree(data, rseed):
    """The two independent unbiased estimators agree within 5 combined standard errors."""
    S, _ = data
    p = gaussiso.VoronoiPartition(S)
    a = gaussiso.eps_boundary_measure(p, 0.1, method="mc-facet-lines", n_samples=3000, rng=rseed)
    b = gaussiso.eps_boundary_measure(p, 0.1, method="mc-lines", n_samples=3000, rng=rseed + 1)
    assert abs(a.value - b.value) <= 5 * np.hypot(a.stderr, b.stderr) + 1e-12
    assert 0 <= a.value <= 1 and 0 <= b.value <= 1


@SETTINGS
@given(st.integers(2, 60), st.floats(1e-8, 20.0))
def test_simplex_exact_properties(m, eps):
    v, err = simplex_eps_boundary(m, eps)
    assert 0 <= v <= 1 and err < 1e-10
    v2, _ = simplex_eps_boundary(m, 1.1 * eps)
    assert v2 >= v - 1e-14
    per, _ = simplex_perimeter(m)
    # concave-type bound: gamma(eps) <= 2 eps P (the boundary layer of cones shrinks inwards)
    assert v <= 2 * eps * per * (1 + 1e-9)


@SETTINGS
@given(st.floats(1e-9, 1.0 - 1e-9))
def test_profile_symmetric(v):
    a = gaussiso.isoperimetric_profile(v)
    b = gaussiso.isoperimetric_profile(1.0 - v)
    assert a == pytest.approx(b, rel=1e-6, abs=1e-300)
    assert 0.0 <= a <= 1.0 / np.sqrt(2 * np.pi) + 1e-15
