"""Tests of gaussiso.bounds (Lemma 3.5, Corollary 3.6, Theorem 3.7, Tanielian et al. 2020)."""

import numpy as np
import pytest
from scipy.special import ndtr
from scipy.stats import norm

import gaussiso
from gaussiso import bounds
from gaussiso.modes import equidistant_centers
from gaussiso.testing import assert_estimate_close

needs_core = pytest.mark.skipif(
    not hasattr(gaussiso, "eps_boundary_measure"), reason="gaussiso.eps_boundary_measure not available yet"
)


_X = np.linspace(-12.0, 12.0, 4801)  # trapezoid rule: exponentially accurate for these smooth integrands
_PHI = np.exp(-_X**2 / 2) / np.sqrt(2 * np.pi)


def boundary_measure_closed_form(m, eps):
    """gamma(eps-boundary of the simplicial m-cluster) = m int phi(x) [Phi(x)^(m-1) - Phi(x - sqrt2 eps)^(m-1)] dx."""
    f = _PHI * (ndtr(_X) ** (m - 1) - ndtr(_X - np.sqrt(2) * eps) ** (m - 1))
    return m * np.trapezoid(f, _X)


def boundary_slope(m):
    """d gamma(eps-boundary) / d eps at 0 = sqrt2 m (m-1) int phi^2 Phi^(m-2)."""
    return np.sqrt(2) * m * (m - 1) * np.trapezoid(_PHI**2 * ndtr(_X) ** (m - 2), _X)


# ---------------------------------------------------------------- hand-computed values
def test_eps_min_max_hand():
    X = [[0.0, 0.0], [3.0, 0.0], [0.0, 4.0]]
    assert bounds.eps_min(X, 2.0) == 1.5
    assert bounds.eps_max(X, 2.0) == 2.5
    with pytest.raises(ValueError, match="lipschitz"):
        bounds.eps_min(X, 0.0)
    with pytest.raises(ValueError, match="centers"):
        bounds.eps_max([[0.0, 1.0]], 1.0)
    with pytest.raises(ValueError, match="centers"):
        bounds.eps_max([[0.0, np.nan], [1.0, 1.0]], 1.0)


def test_corollary_3_6_hand():
    e = 0.1
    assert bounds.corollary_3_6(10, e) == pytest.approx(1 - e * np.sqrt(np.log(10)) * np.exp(-1.5), abs=1e-15)
    # Equal weights give the unweighted form.
    assert bounds.corollary_3_6(7, e, np.full(7, 1 / 7)) == pytest.approx(bounds.corollary_3_6(7, e), abs=1e-14)
    w = [0.1, 0.2, 0.7]
    ref = 1 - 3 * e * 0.1 * np.sqrt(np.log(10)) * np.exp(-1.5)
    assert bounds.corollary_3_6(3, e, w) == pytest.approx(ref, abs=1e-15)


def test_corollary_3_6_sharp_hand():
    e = 0.3
    # m = 2: t = 0, 1 - 2 (Phi(e) - 1/2) = 2 - 2 Phi(e).
    assert bounds.corollary_3_6_sharp(2, e) == pytest.approx(2 - 2 * norm.cdf(e), abs=1e-14)
    t = norm.ppf(1 - 1 / 5)
    assert bounds.corollary_3_6_sharp(5, e) == pytest.approx(1 - 5 * (norm.cdf(t + e) - norm.cdf(t)), abs=1e-13)
    w = np.array([0.1, 0.3, 0.6])
    ref = 1 - sum(norm.cdf(norm.ppf(1 - wi) + e) - (1 - wi) for wi in w)
    assert bounds.corollary_3_6_sharp(3, e, w) == pytest.approx(ref, abs=1e-13)
    s = np.sqrt(np.log(10))
    assert bounds.corollary_3_6_sharp(10, e, form="proof") == pytest.approx(
        1 - e * s * np.exp(-e * s - e * e / 2), abs=1e-15)
    s = np.sqrt(np.log(1 / 0.1))
    assert bounds.corollary_3_6_sharp(3, e, w, form="proof") == pytest.approx(
        1 - 3 * 0.1 * e * s * np.exp(-e * s - e * e / 2), abs=1e-15)
    # No cancellation for tiny eps in the far tail.
    assert 1 - bounds.corollary_3_6_sharp(10**6, 1e-12) == pytest.approx(
        10**6 * 1e-12 * norm.pdf(norm.ppf(1 - 1e-6)), rel=1e-6)


def test_theorem_3_7_and_tanielian_hand():
    assert bounds.theorem_3_7(4, 0.01, 10.0) == pytest.approx(1 - 0.01 * np.sqrt(4 * np.log(40)), abs=1e-15)
    assert bounds.tanielian_2020(100, 0.2) == pytest.approx(
        np.exp(-0.2**2 / 8) * np.exp(-0.2 * np.sqrt(np.log(100) / 2)), abs=1e-15)


# ---------------------------------------------------------------- relations that hold
def test_isoperimetric_below_relaxed_and_proof_forms():
    """On the admissible range eps sqrt(log m) <= 1: isoperimetric <= relaxed for all m; <= 'proof' for m >= 3."""
    for m in [2, 3, 4, 5, 10, 31, 32, 100, 1000]:
        for e in np.linspace(1e-4, 1 / np.sqrt(np.log(m)), 60):
            iso = bounds.corollary_3_6_sharp(m, e)
            assert iso <= bounds.corollary_3_6(m, e) + 1e-15
            if m >= 3:
                assert iso <= bounds.corollary_3_6_sharp(m, e, form="proof") + 1e-15


def test_proof_form_exceeds_relaxed_for_m2():
    """Documented slip: for m = 2 the proof's intermediate form is above the stated bound near the edge."""
    e = 1 / np.sqrt(np.log(2))
    assert bounds.corollary_3_6_sharp(2, e, form="proof") > bounds.corollary_3_6(2, e)


@pytest.mark.parametrize("m", [2, 3, 5, 8])
def test_simplicial_cluster_obeys_isoperimetric_form(m):
    """Borell / Sudakov-Tsirelson: any partition into m cells of measure 1/m has
    gamma(eps-boundary) >= m [Phi(t + eps) - Phi(t)]; equality for m = 2 (half-spaces)."""
    for e in [0.01, 0.1, 0.5, 1.0, 2.0]:
        prec = 1 - boundary_measure_closed_form(m, e)
        sharp = bounds.corollary_3_6_sharp(m, e)
        if m == 2:
            assert prec == pytest.approx(sharp, abs=1e-12)
        else:
            assert prec < sharp


@pytest.mark.parametrize("m", [3, 4, 6])
def test_theorem_3_7_with_explicit_C(m):
    """Eq. (7) for G*_{eps*}, eps* = 2 sqrt(m) eps_max (the proof's choice), holds with
    C_m = exp(4 kappa_m^2) / m, kappa_m = d gamma(boundary)/d eps at 0, and fails for smaller C
    at small eps_max (gamma(boundary)/eps is largest at eps -> 0)."""
    kappa = boundary_slope(m)
    C = np.exp(4 * kappa**2) / m
    for emax in np.geomspace(1e-4, 0.3, 25):
        prec = 1 - boundary_measure_closed_form(m, 2 * np.sqrt(m) * emax)
        assert prec >= bounds.theorem_3_7(m, emax, C) - 1e-12
    emax = 1e-4
    prec = 1 - boundary_measure_closed_form(m, 2 * np.sqrt(m) * emax)
    assert prec < bounds.theorem_3_7(m, emax, C * np.exp(-1.0))


@needs_core
def test_lemma_3_5_matches_closed_form():
    p = gaussiso.simplicial_cluster(4, 5, rng=1)
    est = bounds.lemma_3_5(p, 0.4, method="exact")
    assert float(est.value) == pytest.approx(1 - boundary_measure_closed_form(4, 0.4), abs=1e-9)
    est2 = bounds.lemma_3_5(p, 0.8, method="exact", corrected=True)
    assert float(est2.value) == pytest.approx(float(est.value), abs=1e-12)


@needs_core
@pytest.mark.parametrize("rule", ["eq8", "projection"])
@pytest.mark.parametrize("m,d", [(3, 2), (4, 4)])
def test_optimal_generator_against_lemma_3_5(m, d, rule):
    """G*_eps is in G_L with L = its proven constant: its precision obeys the corrected Lemma 3.5
    (equality for the projection rule with equidistant modes); the lemma as stated fails."""
    eps = 0.3
    X = equidistant_centers(m, m, distance=1.0)
    part = gaussiso.simplicial_cluster(m, d)
    G = gaussiso.OptimalGenerator(X, eps, latent_dim=d, partition=part, rule=rule)
    prec = float(G.exact_precision().value)
    e_min = bounds.eps_min(X, G.lipschitz_constant)
    corrected = float(bounds.lemma_3_5(part, e_min, method="exact", corrected=True).value)
    assert prec <= corrected + 1e-12
    # Cross-check the exact precision with Monte Carlo (5 standard errors).
    mc = G.precision(40_000, rng=2)
    assert_estimate_close(mc, prec, nsigma=5)
    if rule == "projection":
        assert prec == pytest.approx(corrected, abs=1e-12)
        assert prec > float(bounds.lemma_3_5(part, e_min, method="exact").value)
    # And the isoperimetric (partition-free) version at eps_min / 2.
    assert prec <= bounds.corollary_3_6_sharp(m, e_min / 2) + 1e-12


def test_projection_generator_violates_uncorrected_sharp_bound():
    """Closed-form version of the counterexample to Lemma 3.5 as stated (no core needed):
    precision 1 - gamma(boundary_eps) > 1 - m[Phi(t + 2 eps) - Phi(t)] for L = D / (2 eps)."""
    for m in (3, 5, 10):
        eps = 0.2
        G = gaussiso.OptimalGenerator(equidistant_centers(m, m), eps, latent_dim=m - 1, rule="projection")
        e_min = bounds.eps_min(G.centers, G.lipschitz_constant)
        assert e_min == pytest.approx(2 * eps)
        prec = 1 - boundary_measure_closed_form(m, eps)
        assert prec > bounds.corollary_3_6_sharp(m, e_min)
        assert prec <= bounds.corollary_3_6_sharp(m, e_min / 2)


# ---------------------------------------------------------------- bad input
def test_bad_input():
    with pytest.raises(ValueError, match="sum to 1"):
        bounds.corollary_3_6(3, 0.1, [0.2, 0.2, 0.2])
    with pytest.raises(ValueError, match="> 0"):
        bounds.corollary_3_6(3, 0.1, [0.5, 0.6, -0.1])
    with pytest.raises(ValueError, match="shape"):
        bounds.corollary_3_6(3, 0.1, [0.5, 0.5])
    with pytest.raises(ValueError, match="sum to 1"):
        bounds.corollary_3_6_sharp(3, 0.1, [0.2, 0.2, 0.2])
    with pytest.raises(ValueError, match="eps_min"):
        bounds.corollary_3_6(3, 0.0)
    with pytest.raises(ValueError, match="eps_min"):
        bounds.corollary_3_6(3, np.nan)
    with pytest.raises(ValueError, match="sqrt"):
        bounds.corollary_3_6(10, 1.0)  # eps sqrt(log 10) = 1.52 > 1
    with pytest.raises(ValueError, match="m must be >= 2"):
        bounds.corollary_3_6(1, 0.1)
    with pytest.raises(ValueError, match="form"):
        bounds.corollary_3_6_sharp(3, 0.1, form="tight")
    with pytest.raises(ValueError, match="C \\* m > 1"):
        bounds.theorem_3_7(3, 0.1, 0.2)
    with pytest.raises(ValueError, match="C must be > 0"):
        bounds.theorem_3_7(3, 0.1, -1.0)
    with pytest.raises(ValueError, match="eps_max"):
        bounds.theorem_3_7(3, -0.1, 10.0)
    with pytest.raises(ValueError, match="eps_min"):
        bounds.tanielian_2020(3, 0.0)
    with pytest.raises(TypeError, match="m must be an integer"):
        bounds.tanielian_2020(3.5, 0.1)
    with pytest.raises(TypeError, match="partition"):
        bounds.lemma_3_5("cluster", 0.1)
