"""Tests of gaussiso.bounds: every bound against the exact precision of explicit generators.

The generators (all exactly L-Lipschitz, with precision known in closed form):

* ``ramp``: two modes (balls of radius r at distance D), ``G(z) = clip(L z_1, -(D/2 - r), D/2 - r)``
  along the axis of the centres. Associated with the half-space partition, well balanced,
  precision ``2 Phi(-(D/2 - r)/L)``.
* ``staircase``: m collinear modes at spacing D, a monotone 1-D map of z_1 that is flat on the
  modes' latent intervals (equal masses p) and climbs with slope L across the gaps. Well balanced,
  precision ``m p``.
* ``shrunk projection``: m equidistant balls; the projection-rule ``OptimalGenerator`` on the
  points of the balls nearest the centroid, ``eps = D' / (2L)``. Associated with the simplicial
  cluster, well balanced, precision ``1 - gamma(eps-boundary)`` exactly (the simplex of anchor
  points touches ball k only at its anchor).
* ``G*_eps`` (``OptimalGenerator``, both rules) for point modes.
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq
from scipy.special import ndtr, ndtri
from scipy.stats import norm

import gaussiso
from gaussiso import bounds
from gaussiso.modes import equidistant_centers
from gaussiso.testing import assert_estimate_close

SETTINGS = settings(derandomize=True, database=None, deadline=None, max_examples=40)

_X = np.linspace(-12.0, 12.0, 4801)  # trapezoid rule: exponentially accurate for these smooth integrands
_PHI = np.exp(-(_X**2) / 2) / np.sqrt(2 * np.pi)


def boundary_measure_closed_form(m, eps):
    """gamma(eps-boundary of the simplicial m-cluster) = m int phi(x) [Phi(x)^(m-1) - Phi(x - sqrt2 eps)^(m-1)] dx."""
    f = _PHI * (ndtr(_X) ** (m - 1) - ndtr(_X - np.sqrt(2) * eps) ** (m - 1))
    return m * np.trapezoid(f, _X)


# ---------------------------------------------------------------- explicit generators
def ramp_precision(D, r, L):
    return 2 * ndtr(-(D / 2 - r) / L)


def ramp(z, D, r, L):
    """Two modes at (+-D/2, 0); returns points in R^2."""
    x = np.clip(L * z[:, 0], -(D / 2 - r), D / 2 - r)
    return np.stack([x, np.zeros_like(x)], axis=1)


def staircase(m, D, r, L):
    """Breakpoints of the staircase and its precision m p, or None if it cannot be built.

    Mode k (centre k D, interval [kD - r, kD + r]) owns the latent interval [b_k, a_k]; across a
    gap G climbs from kD + r to (k+1)D - r with slope L, taking g = (D - 2r)/L. Inside a middle
    mode G climbs by 2r, so that interval needs length >= 2r/L.
    """
    g = (D - 2 * r) / L

    def last_mass(p):
        b = -np.inf
        for _ in range(m - 1):
            a = ndtri(min(ndtr(b) + p, 1.0))  # ndtr(-inf) = 0; a gap beyond +inf stays there
            b = a + g
        return (1 - ndtr(b)) - p

    if last_mass(1e-12) <= 0:  # gaps too wide for equal masses above 1e-12
        return None
    p = brentq(last_mass, 1e-12, 1.0 / m, xtol=1e-16)
    b, pieces = -np.inf, []
    for _ in range(m - 1):
        a = ndtri(ndtr(b) + p)
        pieces.append((b, a))
        b = a + g
    pieces.append((b, np.inf))
    if any(a - b < 2 * r / L for b, a in pieces[1:-1]):
        return None
    return pieces, m * p


def staircase_eval(z1, pieces, D, r, L):
    """G(z_1) for the staircase (linear inside middle modes, slope 2r/(a - b) <= L)."""
    out = np.empty_like(z1)
    for k, (b, a) in enumerate(pieces):
        lo, hi = k * D - r, k * D + r
        inside = (z1 >= b) & (z1 <= a)
        if k == 0:
            out[inside] = hi
        elif k == len(pieces) - 1:
            out[inside] = lo
        else:
            out[inside] = lo + (z1[inside] - b) * (hi - lo) / (a - b)
        if k < len(pieces) - 1:
            nb = pieces[k + 1][0]
            gap = (z1 > a) & (z1 < nb)
            out[gap] = hi + L * (z1[gap] - a)
    return out


def shrunk_projection(m, D, r, L):
    """Projection G* on the balls' anchor points nearest the centroid; returns (G, centres, eps)."""
    X = equidistant_centers(m, m, distance=D)
    c = X.mean(axis=0)
    rho = np.linalg.norm(X[0] - c)
    Y = c + (X - c) * (1 - r / rho)
    d_prime = np.linalg.norm(Y[0] - Y[1])
    eps = d_prime / (2 * L)
    G = gaussiso.OptimalGenerator(Y, eps, latent_dim=m - 1, rule="projection")
    assert G.lipschitz_constant == pytest.approx(L, rel=1e-9)
    return G, X, eps


def on_balls(x, centers, r):
    return (np.linalg.norm(x[:, None, :] - centers[None], axis=2) <= r + 1e-12).any(axis=1)


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
    assert bounds.corollary_3_6(7, e, np.full(7, 1 / 7)) == pytest.approx(bounds.corollary_3_6(7, e), abs=1e-14)
    w = [0.1, 0.2, 0.7]
    ref = 1 - 3 * e * 0.1 * np.sqrt(np.log(10)) * np.exp(-1.5)
    assert bounds.corollary_3_6(3, e, w) == pytest.approx(ref, abs=1e-15)
    # Positive radii: eq. (4) at the gap (D - 2r)/L, not at eps_min.
    got = bounds.corollary_3_6(2, radii=0.9, centers=[[-1.0, 0.0], [1.0, 0.0]], lipschitz=10.0)
    assert got == pytest.approx(1 - 0.02 * np.sqrt(np.log(2)) * np.exp(-1.5), abs=1e-15)
    # Without centres: the two largest radii and D_min.
    got = bounds.corollary_3_6(3, 0.2, radii=[0.1, 0.3, 0.2], lipschitz=10.0)
    assert got == pytest.approx(1 - (0.2 - 0.5 / 10) * np.sqrt(np.log(3)) * np.exp(-1.5), abs=1e-15)


def test_corollary_3_6_sharp_hand():
    e = 0.3  # eps_min; the proven half-gap is e / 2
    assert bounds.corollary_3_6_sharp(2, e) == pytest.approx(2 * norm.cdf(-e / 2), abs=1e-14)
    assert bounds.corollary_3_6_sharp(5, e) == pytest.approx(5 * norm.cdf(norm.ppf(1 / 5) - e / 2), abs=1e-13)
    # Unequal weights: the largest alpha with sum_i Phi(Phi^-1(alpha w_i) + e/2) = 1.
    w = np.array([0.1, 0.3, 0.6])
    a = bounds.corollary_3_6_sharp(3, e, w)
    assert np.sum(norm.cdf(norm.ppf(a * w) + e / 2)) == pytest.approx(1.0, abs=1e-12)
    assert a < 1
    # No cancellation for tiny eps in the far tail.
    assert 1 - bounds.corollary_3_6_sharp(10**6, 2e-12) == pytest.approx(
        10**6 * 1e-12 * norm.pdf(norm.ppf(1 - 1e-6)), rel=1e-6
    )


def test_theorem_3_7_and_tanielian_hand():
    assert bounds.theorem_3_7(4, 0.01, 10.0) == pytest.approx(1 - 0.01 * np.sqrt(4 * np.log(40)), abs=1e-15)
    assert bounds.theorem_3_7(4, 0.01) == pytest.approx(1 - 0.01 * np.sqrt(4 * np.log(4)), abs=1e-15)
    assert bounds.tanielian_2020(100, 0.2) == pytest.approx(
        np.exp(-(0.2**2) / 8) * np.exp(-0.2 * np.sqrt(np.log(100) / 2)), abs=1e-15
    )


# ---------------------------------------------------------------- the audit's counterexamples
def test_lemma_3_5_positive_radius_counterexample():
    """Discs r = 0.5 at (+-1, 0), L = 10: the ramp has precision 1 - (2 Phi(0.05) - 1) = 0.96012,
    above the eps_min/2 band (0.92034) that holds for point modes only; the radius-aware band
    (D/2 - r)/L = 0.05 gives exactly the ramp's precision."""
    D, r, L = 2.0, 0.5, 10.0
    prec = ramp_precision(D, r, L)
    assert round(prec, 5) == 0.96012
    half_plane = gaussiso.simplicial_cluster(2, 2)
    point_band = float(bounds.lemma_3_5(half_plane, D / L, method="exact").value)
    assert round(point_band, 5) == 0.92034 and prec > point_band
    X = [[-1.0, 0.0], [1.0, 0.0]]
    proven = float(bounds.lemma_3_5(half_plane, radii=r, centers=X, lipschitz=L, method="exact").value)
    assert proven == pytest.approx(prec, abs=1e-12)
    # Monte Carlo of the ramp itself, with a sampling tolerance.
    z = np.random.default_rng(0).standard_normal((200_000, 2))
    hit = on_balls(ramp(z, D, r, L), np.asarray(X), r)
    se = np.sqrt(prec * (1 - prec) / z.shape[0])
    assert abs(hit.mean() - prec) <= 5 * se
    # Positive radii without the Lipschitz constant are refused, never answered with eps_min / 2.
    with pytest.raises(ValueError, match="lipschitz"):
        bounds.lemma_3_5(half_plane, D / L, radii=r)


def test_corollary_3_6_positive_radius_counterexample():
    """m = 2, D = 2, r = 0.9, L = 10: the ramp's precision 0.99202 exceeds eq. (4) at eps_min (0.96285)."""
    D, r, L = 2.0, 0.9, 10.0
    prec = ramp_precision(D, r, L)
    assert round(prec, 5) == 0.99202
    printed = 1 - (D / L) * np.sqrt(np.log(2)) * np.exp(-1.5)
    assert round(printed, 5) == 0.96285 and prec > printed
    X = [[-1.0, 0.0], [1.0, 0.0]]
    assert bounds.corollary_3_6_sharp(2, radii=r, centers=X, lipschitz=L) == pytest.approx(prec, abs=1e-14)
    assert bounds.corollary_3_6(2, radii=r, centers=X, lipschitz=L) >= prec
    with pytest.raises(ValueError, match="lipschitz"):
        bounds.corollary_3_6(2, D / L, radii=r)


def test_corollary_3_6_proof_steps():
    """t = Phi^-1(1 - 1/m): sqrt(log m) <= t fails for m = 2..31, t <= sqrt(log m) fails for m >= 32."""
    for m in range(2, 200):
        t = norm.ppf(1 - 1 / m)
        s = np.sqrt(np.log(m))
        assert (t < s) == (m <= 31)


def test_proof_form_refused_where_false():
    """The proof's intermediate form at eps_min is false for m = 2 (the point-mode ramp beats it);
    it is refused there, and returned only where it dominates the proven bound."""
    D, L = 1.0, 5.0
    prec = ramp_precision(D, 0.0, L)
    s = np.sqrt(np.log(2))
    proof_form = 1 - (D / L) * s * np.exp(-(D / L) * s - (D / L) ** 2 / 2)
    assert prec > proof_form
    with pytest.raises(ValueError, match="intermediate form"):
        bounds.corollary_3_6_sharp(2, D / L, form="proof")
    e = 1 / s  # edge of the admissible range: here the form is above the proven bound
    assert bounds.corollary_3_6_sharp(2, e, form="proof") >= bounds.corollary_3_6_sharp(2, e)


def test_theorem_3_7_counterexample_and_witness():
    """m = 4, eps_max = 0.01, C = 1: (7) = 0.976 fails for the paper's G*_{eps*} (eq. 8,
    eps* = 2 sqrt(m) eps_max: 0.943) but holds for the projection generator (0.993)."""
    m, emax = 4, 0.01
    seven = bounds.theorem_3_7(m, emax, 1.0)
    assert round(seven, 3) == 0.976
    X = equidistant_centers(m, m, distance=1.0)
    G8 = gaussiso.OptimalGenerator(X, 2 * np.sqrt(m) * emax, latent_dim=m, rule="eq8")
    p8 = float(G8.exact_precision().value)
    assert round(p8, 3) == 0.943 and p8 < seven
    Gp = gaussiso.OptimalGenerator(X, emax / 2, latent_dim=m, rule="projection")
    assert Gp.lipschitz_constant == pytest.approx(1.0 / emax)
    pp = float(Gp.exact_precision().value)
    assert round(pp, 3) == 0.993 and pp >= seven
    # A C so small that (7) would exceed the witness is refused.
    with pytest.raises(ValueError, match="not established"):
        bounds.theorem_3_7(m, emax, 0.2501)
    with pytest.raises(ValueError, match="positive radius"):
        bounds.theorem_3_7(m, emax, radii=0.1)
    with pytest.raises(ValueError, match="equidistant"):
        bounds.theorem_3_7(3, emax, centers=[[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]])


def test_demo_gap_is_open():
    """The demo's settings: the proven upper bound (0.855, 0.860) against the projection generator
    (0.841). Optimality of G*_eps for m >= 3 is open; the gap is real for these bounds."""
    for m, e, upper in [(3, 0.2746, 0.855), (4, 0.2287, 0.860)]:
        ub = bounds.corollary_3_6_sharp(m, e)
        reached = 1 - boundary_measure_closed_form(m, e / 2)
        assert round(ub, 3) == upper and round(reached, 3) == 0.841 and reached < ub


def test_lemma_3_5_as_printed_refused():
    p = gaussiso.simplicial_cluster(3, 2)
    with pytest.raises(ValueError, match="as printed"):
        bounds.lemma_3_5(p, 0.2, corrected=False)


def test_lemma_3_5_matches_closed_form():
    p = gaussiso.simplicial_cluster(4, 5, rng=1)
    est = bounds.lemma_3_5(p, 0.8, method="exact")
    assert float(est.value) == pytest.approx(1 - boundary_measure_closed_form(4, 0.4), abs=1e-9)
    X = equidistant_centers(4, 4, distance=2.0)
    est2 = bounds.lemma_3_5(p, radii=0.3, centers=X, lipschitz=5.0, method="exact")
    assert float(est2.value) == pytest.approx(1 - boundary_measure_closed_form(4, (1.0 - 0.3) / 5.0), abs=1e-9)
    # eps_min and centres must agree.
    with pytest.raises(ValueError, match="disagrees"):
        bounds.lemma_3_5(p, 0.3, centers=X, lipschitz=5.0)


@pytest.mark.parametrize("rule", ["eq8", "projection"])
@pytest.mark.parametrize("m,d", [(3, 2), (4, 4)])
def test_optimal_generator_against_bounds(m, d, rule):
    """G*_eps (point modes) with L = its proven constant obeys the lemma and the corollary
    (equality in the lemma for the projection rule with equidistant modes)."""
    eps = 0.3
    X = equidistant_centers(m, m, distance=1.0)
    part = gaussiso.simplicial_cluster(m, d)
    G = gaussiso.OptimalGenerator(X, eps, latent_dim=d, partition=part, rule=rule)
    prec = float(G.exact_precision().value)
    e_min = bounds.eps_min(X, G.lipschitz_constant)
    lemma = float(bounds.lemma_3_5(part, e_min, method="exact").value)
    assert prec <= lemma + 1e-12
    mc = G.precision(40_000, rng=2)
    assert_estimate_close(mc, prec, nsigma=5)
    if rule == "projection":
        assert prec == pytest.approx(lemma, abs=1e-12)
        # The printed statement (band eps_min) is exceeded.
        assert prec > 1 - float(gaussiso.eps_boundary_measure(part, e_min, method="exact").value)
    assert prec <= bounds.corollary_3_6_sharp(m, e_min) + 1e-12
    try:
        assert prec <= bounds.corollary_3_6(m, e_min) + 1e-12
    except ValueError as exc:
        assert "sqrt(log" in str(exc)


@pytest.mark.parametrize("rule", ["eq8", "projection"])
def test_optimal_generator_spheres_against_corollary(rule):
    """G*_eps with sphere modes (well balanced, L = lipschitz_constant): the radius-aware corollary holds."""
    m, eps, r = 3, 0.25, 0.15
    X = equidistant_centers(m, m, distance=1.0)
    G = gaussiso.OptimalGenerator(X, eps, latent_dim=2, radii=r, rule=rule)
    prec = float(G.exact_precision().value)
    mc = G.precision(20_000, rng=3)
    assert abs(mc.value - prec) <= 5 * max(mc.stderr, 1e-3)
    L = G.lipschitz_constant
    assert prec <= bounds.corollary_3_6_sharp(m, radii=r, centers=X, lipschitz=L) + 1e-12
    assert prec <= bounds.corollary_3_6(m, radii=r, centers=X, lipschitz=L) + 1e-12


def test_staircase_monte_carlo():
    """The staircase generator's closed-form precision, checked by sampling it."""
    m, D, r, L = 3, 2.0, 0.3, 4.0
    pieces, prec = staircase(m, D, r, L)
    z1 = np.random.default_rng(5).standard_normal(200_000)
    x = staircase_eval(z1, pieces, D, r, L)
    hit = (np.abs(x[:, None] - D * np.arange(m)[None]) <= r + 1e-12).any(axis=1)
    assert abs(hit.mean() - prec) <= 5 * np.sqrt(prec * (1 - prec) / z1.size)
    # Lipschitz: slopes between consecutive sorted samples never exceed L.
    zs = np.sort(z1)
    xs = staircase_eval(zs, pieces, D, r, L)
    assert np.all(np.abs(np.diff(xs)) <= L * np.diff(zs) + 1e-9)


def test_shrunk_projection_monte_carlo():
    m, D, r, L = 3, 1.0, 0.2, 3.0
    G, X, eps = shrunk_projection(m, D, r, L)
    z = np.random.default_rng(7).standard_normal((60_000, m - 1))
    hit = on_balls(G(z), X, r)
    prec = 1 - boundary_measure_closed_form(m, eps)
    assert abs(hit.mean() - prec) <= 5 * np.sqrt(prec * (1 - prec) / z.shape[0])
    # Associated with the simplicial cluster: each latent is mapped closest to its cell's centre.
    lab = G.partition.label(z)
    near = np.argmin(np.linalg.norm(G(z)[:, None] - X[None], axis=2), axis=1)
    assert np.mean(lab == near) > 0.999


# ---------------------------------------------------------------- property: every bound, every generator
def _check_upper(prec, fn):
    try:
        assert prec <= fn() + 1e-12
    except ValueError as exc:  # refused: must be one of the stated reasons, never a wrong number
        assert any(k in str(exc) for k in ("sqrt(log", "intermediate form")), str(exc)


@SETTINGS
@given(m=st.integers(2, 5), D=st.floats(0.3, 5.0), rho=st.floats(0.0, 0.95), L=st.floats(0.3, 60.0))
def test_bounds_hold_for_explicit_generators(m, D, rho, L):
    """For each (m, D, r = rho D/2, L): every upper bound lies above the precision of the
    staircase and shrunk-projection generators, and (7) below the projection witness's."""
    r = rho * D / 2
    # Staircase (collinear modes; needs no partition and no Assumption 3.1 (2)).
    built = staircase(m, D, r, L)
    centers_line = D * np.arange(m, dtype=float)[:, None]
    if built is not None:
        _, prec = built
        _check_upper(prec, lambda: bounds.corollary_3_6_sharp(m, radii=r, centers=centers_line, lipschitz=L))
        _check_upper(prec, lambda: bounds.corollary_3_6(m, radii=r, centers=centers_line, lipschitz=L))
        _check_upper(
            prec, lambda: bounds.corollary_3_6_sharp(m, radii=r, centers=centers_line, lipschitz=L, form="proof")
        )
        if m == 2:  # the ramp attains the isoperimetric bound
            assert prec == pytest.approx(
                bounds.corollary_3_6_sharp(2, radii=r, centers=centers_line, lipschitz=L), abs=1e-12
            )
    # Shrunk projection on equidistant balls (associated with the simplicial cluster).
    assume(r < D / 2 * 0.999)
    X = equidistant_centers(m, m, distance=D)
    c = X.mean(axis=0)
    dprime = D * (1 - r / np.linalg.norm(X[0] - c))
    eps = dprime / (2 * L)
    prec = 1 - boundary_measure_closed_form(m, eps)
    part = gaussiso.simplicial_cluster(m, m - 1)
    lemma = float(bounds.lemma_3_5(part, radii=r, centers=X, lipschitz=L, method="exact").value)
    assert prec <= lemma + 1e-9
    _check_upper(prec, lambda: bounds.corollary_3_6_sharp(m, radii=r, centers=X, lipschitz=L))
    _check_upper(prec, lambda: bounds.corollary_3_6(m, radii=r, centers=X, lipschitz=L))
    if r == 0.0 or m == 2:
        assert prec == pytest.approx(lemma, abs=1e-9)
    # G*_eps with point modes, both rules, eps chosen so that its proven constant is L.
    for rule, eps_rule in (("eq8", (m - 1) * D / L), ("projection", D / (2 * L))):
        G = gaussiso.OptimalGenerator(X, eps_rule, latent_dim=m - 1, partition=part, rule=rule)
        assert G.lipschitz_constant == pytest.approx(L, rel=1e-9)
        p_rule = 1 - boundary_measure_closed_form(m, eps_rule)
        assert p_rule <= float(bounds.lemma_3_5(part, D / L, method="exact").value) + 1e-9
        _check_upper(p_rule, lambda: bounds.corollary_3_6_sharp(m, D / L))
        _check_upper(p_rule, lambda: bounds.corollary_3_6(m, D / L))
    # Theorem 3.7 (point modes): whenever returned, it lies below the L-Lipschitz witness.
    p0 = 1 - boundary_measure_closed_form(m, D / (2 * L))
    for C in (1.0, 10.0):
        try:
            assert bounds.theorem_3_7(m, D / L, C) <= p0 + 1e-9
        except ValueError as exc:
            assert "not established" in str(exc)


def test_eq4_never_refused_for_point_modes_on_its_range():
    """Eq. (4) dominates the proven isoperimetric bound on eps sqrt(log m) <= 1 for these m."""
    for m in [2, 3, 4, 5, 10, 31, 32, 100, 1000, 10**6]:
        for e in np.linspace(1e-6, 1 / np.sqrt(np.log(m)), 50):
            assert bounds.corollary_3_6(m, e) >= bounds.corollary_3_6_sharp(m, e)


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
    with pytest.raises(ValueError, match="radii"):
        bounds.corollary_3_6_sharp(2, radii=-0.1, centers=[[0.0], [1.0]], lipschitz=1.0)
    with pytest.raises(ValueError, match="radii"):
        bounds.corollary_3_6_sharp(2, radii=[0.1, 0.2, 0.3], centers=[[0.0], [1.0]], lipschitz=1.0)
    with pytest.raises(ValueError, match="disjoint"):
        bounds.corollary_3_6_sharp(2, radii=0.5, centers=[[0.0], [1.0]], lipschitz=1.0)
    with pytest.raises(ValueError, match="Assumption 3.1"):
        bounds.lemma_3_5(gaussiso.simplicial_cluster(2, 1), radii=[0.6, 0.1], centers=[[0.0], [1.0]], lipschitz=1.0)
    with pytest.raises(ValueError, match="eps_min, or centers"):
        bounds.corollary_3_6(3)
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


def test_theorem_3_7_with_C1_not_refused_on_a_grid():
    """The reports' C = 1 is certified (below the projection witness) on this grid."""
    for m in (2, 3, 4, 8, 20):
        for e in np.geomspace(1e-4, 3.0, 8):
            val = bounds.theorem_3_7(m, e, 1.0)
            assert val <= 1 - boundary_measure_closed_form(m, e / 2) + 1e-9


def test_bound_inputs_at_the_edges():
    """Huge separations give a bound in [0, 1]; an array `form` and an m that cannot fit are refused."""
    from gaussiso.bounds import corollary_3_6, corollary_3_6_sharp, theorem_3_7

    for m in (2, 3, 10, 1000):
        v = corollary_3_6_sharp(m, 1e300)
        assert 0.0 <= v < 1e-12
    with pytest.raises(TypeError, match="form"):
        corollary_3_6_sharp(3, 0.5, form=np.array(["isoperimetric"]))
    with pytest.raises(MemoryError, match="m = 1000000000000"):
        corollary_3_6(10**12, 0.5)
    with pytest.raises(MemoryError, match="GiB"):
        theorem_3_7(10**12, 0.1)
