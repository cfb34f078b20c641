"""Tests of gaussiso.OptimalGenerator (G*_eps, eq. (8) of Issenhuth et al. 2023)."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import ndtr

import gaussiso
from gaussiso._generator import _cone_distances
from gaussiso.modes import equidistant_centers, random_centers
from gaussiso.testing import assert_estimate_close

_X = np.linspace(-12.0, 12.0, 4801)  # trapezoid rule: exponentially accurate for these smooth integrands
_PHI = np.exp(-(_X**2) / 2) / np.sqrt(2 * np.pi)


def boundary_measure_closed_form(m, eps):
    """gamma(eps-boundary of the simplicial m-cluster) = m int phi(x) [Phi(x)^(m-1) - Phi(x - sqrt2 eps)^(m-1)] dx."""
    f = _PHI * (ndtr(_X) ** (m - 1) - ndtr(_X - np.sqrt(2) * eps) ** (m - 1))
    return m * np.trapezoid(f, _X)


def exact_boundary(partition, eps):
    """The core's exact value when it is there, checked against the closed form."""
    ref = boundary_measure_closed_form(partition.m, eps)
    if hasattr(gaussiso, "eps_boundary_measure"):
        core = float(gaussiso.eps_boundary_measure(partition, eps, method="exact").value)
        assert core == pytest.approx(ref, abs=1e-9)
    return ref


CASES = [(2, 1, 0.3), (3, 2, 0.5), (4, 6, 0.2), (5, 4, 0.8)]


@pytest.mark.parametrize("rule", ["eq8", "projection"])
@pytest.mark.parametrize("m,d,eps", CASES)
def test_precision_equals_one_minus_boundary_measure(m, d, eps, rule):
    part = gaussiso.simplicial_cluster(m, d, rng=m)
    X = equidistant_centers(m, m + 1, distance=2.0, rng=7)
    G = gaussiso.OptimalGenerator(X, eps, latent_dim=d, partition=part, rule=rule)
    est = G.precision(60_000, rng=11)
    exact = 1.0 - exact_boundary(part, eps)
    # 5 binomial standard errors.
    assert_estimate_close(est, exact, nsigma=5)

    # Pointwise: on a mode <=> at distance >= eps from the other cells (up to 1e-9 at the edge).
    z = np.random.default_rng(3).standard_normal((10_000, d))
    on = G.on_mode(G(z)) >= 0
    bd = part.boundary_distance(z)
    clear = np.abs(bd - eps) > 1e-9
    np.testing.assert_array_equal(on[clear], (bd >= eps)[clear])
    # ... and on the right mode, exactly.
    lab = part.label(z)
    deep = bd >= eps
    np.testing.assert_array_equal(G(z[deep]), X[lab[deep]])


@pytest.mark.parametrize("rule", ["eq8", "projection"])
def test_well_balanced(rule):
    m, d, eps = 4, 5, 0.4
    X = equidistant_centers(m, 3)
    G = gaussiso.OptimalGenerator(X, eps, latent_dim=d, partition=gaussiso.simplicial_cluster(m, d, rng=5), rule=rule)
    n = 120_000
    z = np.random.default_rng(8).standard_normal((n, d))
    k = G.on_mode(G(z))
    counts = np.bincount(k[k >= 0], minlength=m)
    p = (1.0 - boundary_measure_closed_form(m, eps)) / m
    # Each count is Binomial(n, p): 5 standard deviations.
    assert np.all(np.abs(counts - n * p) <= 5 * np.sqrt(n * p * (1 - p))), counts


def _close_pairs(part, eps, rng, n=1500):
    """Close pairs of latent points: generic, near the apex, near the eps-boundary edges, straddling bisectors."""
    d = part.d
    g = np.random.default_rng(rng)
    groups = [g.standard_normal((n, d)), 0.05 * eps * g.standard_normal((n, d)), 2 * eps * g.standard_normal((n, d))]
    # Points pushed onto the level set {boundary distance = eps} and onto the bisectors.
    z = g.standard_normal((n, d))
    for target in (eps, 0.0, 0.5 * eps):
        zz = z.copy()
        for _ in range(3):  # a few Newton steps along the numeric gradient of the boundary distance
            h = 1e-6
            b = part.boundary_distance(zz)
            grad = np.stack([(part.boundary_distance(zz + h * e) - b) / h for e in np.eye(d)], 1)
            nrm = np.maximum((grad**2).sum(1), 1e-12)
            zz = zz - ((b - target) / nrm)[:, None] * grad
        groups.append(zz)
    z = np.concatenate(groups)
    v = g.standard_normal(z.shape)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    steps = np.concatenate([np.full(len(z) // 2, 1e-4 * eps), g.uniform(0.01, 1.0, len(z) - len(z) // 2) * eps])
    return z, z + steps[:, None] * v


@pytest.mark.parametrize("rule", ["eq8", "projection"])
@pytest.mark.parametrize("m,d", [(3, 2), (4, 3), (6, 8)])
def test_lipschitz_and_convex_hull(m, d, rule):
    eps = 0.3
    part = gaussiso.simplicial_cluster(m, d, rng=1)
    for X in (equidistant_centers(m, m, distance=1.5), random_centers(m, 4, rng=m)):
        G = gaussiso.OptimalGenerator(X, eps, latent_dim=d, partition=part, rule=rule)
        z1, z2 = _close_pairs(part, eps, rng=m + d)
        ratio = np.linalg.norm(G(z1) - G(z2), axis=1) / np.linalg.norm(z1 - z2, axis=1)
        assert ratio.max() <= G.lipschitz_constant * (1 + 1e-9)
        assert ratio.max() <= G.lipschitz_bound * (1 + 1e-9)
        # Image in the convex hull of the centres: weights in the simplex, G = w @ X.
        w = G.weights(z1)
        assert np.all(w >= 0) and np.allclose(w.sum(1), 1.0, atol=1e-12)
        np.testing.assert_allclose(G(z1), w @ X, atol=1e-12)


def test_projection_rule_constant_is_attained():
    """For equidistant modes the projection rule's constant D/(2 eps) is reached (not vacuous)."""
    m, d, eps, D = 4, 3, 0.25, 2.0
    G = gaussiso.OptimalGenerator(equidistant_centers(m, 3, distance=D), eps, latent_dim=d, rule="projection")
    assert G.lipschitz_constant == pytest.approx(D / (2 * eps))
    # On a bisector far from the other cells, crossing it orthogonally.
    s = G.partition.seeds
    mid = 5.0 * (s[0] + s[1]) / 2
    n = (s[0] - s[1]) / np.linalg.norm(s[0] - s[1])
    h = 1e-5
    ratio = np.linalg.norm(G(mid + h * n) - G(mid - h * n)) / (2 * h)
    assert ratio == pytest.approx(D / (2 * eps), rel=1e-6)


def test_eq8_exceeds_paper_constant_for_large_m():
    """Documented caveat: eq. (8)'s Lipschitz constant grows like m D / (4 eps) > 2 D sqrt(m) / eps."""
    m, eps = 80, 0.3
    X = np.eye(m) / np.sqrt(2.0)  # equidistant, D = 1
    G = gaussiso.OptimalGenerator(X, eps, latent_dim=m - 1)
    # A point of cell 0 at distance just under eps from every other cell, moved away from them.
    y = np.zeros(m)
    y[0] = 1.0
    y -= y.mean()
    A = G._coords
    base = np.linalg.lstsq(A, y, rcond=None)[0]
    u = base / np.linalg.norm(base)
    z0 = base * ((1 - 5e-5) * eps * np.sqrt(2.0) / (y[0] - y[1]))
    h = 1e-7
    ratio = np.linalg.norm(G(z0 + h * u) - G(z0)) / h
    assert ratio > G.lipschitz_bound
    assert ratio <= G.lipschitz_constant


def _bruteforce_cone_distance(y, j):
    """Distance from y to {y_j >= y_k for all k}: minimum over the candidate projections
    (raise y_j and lower a subset T to a common level), keeping the feasible ones."""
    m = len(y)
    others = [k for k in range(m) if k != j]
    best = np.inf
    for r in range(len(others) + 1):
        for T in itertools.combinations(others, r):
            t = (y[j] + sum(y[k] for k in T)) / (r + 1)
            yy = y.copy()
            yy[j] = t
            for k in T:
                yy[k] = t
            if np.all(yy[j] >= yy - 1e-12):
                best = min(best, np.linalg.norm(yy - y))
    return best


def test_cone_distances_against_bruteforce():
    g = np.random.default_rng(0)
    for m in (2, 3, 5):
        y = g.standard_normal((30, m))
        d = _cone_distances(y)
        ref = np.array([[_bruteforce_cone_distance(row, j) for j in range(m)] for row in y])
        np.testing.assert_allclose(d, ref, atol=1e-12)


def test_cone_distance_matches_partition_geometry():
    """d(z, A_j) from the simplex coordinates equals a direct projection onto the cell in R^d."""
    from scipy.optimize import minimize

    m, d = 4, 5
    part = gaussiso.simplicial_cluster(m, d, rng=4)
    G = gaussiso.OptimalGenerator(equidistant_centers(m, 3), 0.5, latent_dim=d, partition=part)
    S = part.seeds
    z = np.random.default_rng(1).standard_normal((4, d))
    dist = _cone_distances(G.simplex_coordinates(z))
    for zi, di in zip(z, dist):
        for j in range(m):
            cons = [
                {"type": "ineq", "fun": (lambda x, k=k: np.sum((x - S[k]) ** 2) - np.sum((x - S[j]) ** 2))}  # noqa: B023
                for k in range(m)
                if k != j
            ]
            res = minimize(
                lambda x: np.sum((x - zi) ** 2),  # noqa: B023
                S[j] * 2.0,
                constraints=cons,
                method="SLSQP",
                options={"ftol": 1e-15, "maxiter": 500},
            )
            assert np.sqrt(res.fun) == pytest.approx(di[j], abs=1e-6)


def test_eq8_literal_double_sum():
    """The implemented weights equal eq. (8)'s double sum over pairs in N_z (Dirac modes, X_ij = X_i)."""
    m, d, eps = 4, 3, 0.6
    part = gaussiso.simplicial_cluster(m, d)
    X = random_centers(m, 2, rng=3)
    G = gaussiso.OptimalGenerator(X, eps, latent_dim=d, partition=part)
    z = np.random.default_rng(2).standard_normal((200, d)) * 0.7
    y = G.simplex_coordinates(z)
    dist = np.array([[_bruteforce_cone_distance(row, j) for j in range(m)] for row in y])
    own = part.label(z)
    depth = part.boundary_distance(z)
    sd = dist.copy()
    sd[np.arange(len(z)), own] = -depth
    f = np.maximum(eps - sd, 0.0)  # d(z, (A_j^eps)^c) for convex A_j
    out = G(z)
    for k in range(len(z)):
        N = [j for j in range(m) if sd[k, j] < eps]
        if len(N) == 1:
            ref = X[N[0]]
        else:
            num = sum(f[k, i] * X[i] for i in N for j in N if j != i)
            den = sum(f[k, j] for i in N for j in N if j != i)
            ref = num / den
        np.testing.assert_allclose(out[k], ref, atol=1e-12)


@pytest.mark.parametrize("rule", ["eq8", "projection"])
def test_associated_and_symmetric(rule):
    """Equidistant modes: G(z) is nearest to the centre of z's cell; the apex maps to the centroid."""
    m, d = 5, 4
    part = gaussiso.simplicial_cluster(m, d, rng=2)
    X = equidistant_centers(m, 6, rng=3)
    G = gaussiso.OptimalGenerator(X, 0.7, latent_dim=d, partition=part, rule=rule)
    z = np.random.default_rng(4).standard_normal((5000, d))
    out = G(z)
    near = np.argmin(((out[:, None] - X[None]) ** 2).sum(-1), axis=1)
    np.testing.assert_array_equal(near, part.label(z))
    apex = part.seeds.mean(0)
    np.testing.assert_allclose(G(apex), X.mean(0), atol=1e-12)


def test_spheres():
    m, d, eps = 3, 3, 0.4
    X = equidistant_centers(m, 4, distance=2.0)
    part = gaussiso.simplicial_cluster(m, d)
    G = gaussiso.OptimalGenerator(X, eps, latent_dim=d, radii=[0.2, 0.3, 0.25], partition=part)
    z = np.random.default_rng(0).standard_normal((40_000, d))
    out = G(z)
    lab, bd = part.label(z), part.boundary_distance(z)
    deep = bd >= eps
    # Deep points lie exactly on their sphere.
    np.testing.assert_allclose(np.linalg.norm(out[deep] - X[lab[deep]], axis=1), G.radii[lab[deep]], atol=1e-12)
    est = G.precision(60_000, rng=1)
    exact = 1.0 - boundary_measure_closed_form(m, eps)
    assert_estimate_close(est, exact, nsigma=5)  # binomial standard errors
    z1, z2 = _close_pairs(part, eps, rng=9, n=1000)
    ratio = np.linalg.norm(G(z1) - G(z2), axis=1) / np.linalg.norm(z1 - z2, axis=1)
    assert ratio.max() <= G.lipschitz_constant * (1 + 1e-9)


def test_reproducible_and_shapes():
    G = gaussiso.OptimalGenerator(equidistant_centers(3, 2), 0.5, latent_dim=4)
    assert G.precision(1000, rng=5) == G.precision(1000, rng=5)
    assert G(np.zeros(4)).shape == (2,)
    assert G(np.zeros((7, 4))).shape == (7, 2)
    assert G.weights(np.zeros((7, 4))).shape == (7, 3)
    assert "OptimalGenerator(m=3" in repr(G)


def test_bad_input():
    X = equidistant_centers(3, 2)
    with pytest.raises(ValueError, match="m <= latent_dim"):
        gaussiso.OptimalGenerator(equidistant_centers(4, 3), 0.5, latent_dim=2)
    for bad in (0.0, -1.0, np.nan, np.inf):
        with pytest.raises(ValueError, match="eps"):
            gaussiso.OptimalGenerator(X, bad, latent_dim=2)
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="centers"):
        gaussiso.OptimalGenerator(Xn, 0.5, latent_dim=2)
    with pytest.raises(ValueError, match="coincide"):
        gaussiso.OptimalGenerator(np.array([[0.0, 0], [0, 0], [1, 1]]), 0.5, latent_dim=2)
    with pytest.raises(ValueError, match="simplicial"):
        gaussiso.OptimalGenerator(
            X, 0.5, latent_dim=2, partition=gaussiso.VoronoiPartition([[1.0, 0], [0, 1], [-3, -3]])
        )
    with pytest.raises(ValueError, match="partition must have"):
        gaussiso.OptimalGenerator(X, 0.5, latent_dim=3, partition=gaussiso.simplicial_cluster(3, 2))
    with pytest.raises(TypeError, match="partition"):
        gaussiso.OptimalGenerator(X, 0.5, latent_dim=2, partition="simplex")
    with pytest.raises(ValueError, match="radii"):
        gaussiso.OptimalGenerator(X, 0.5, latent_dim=2, radii=[-0.1, 0.1, 0.1])
    with pytest.raises(ValueError, match="rule"):
        gaussiso.OptimalGenerator(X, 0.5, latent_dim=2, rule="softmax")
    with pytest.raises(ValueError, match="m >= 2"):
        gaussiso.OptimalGenerator(X[:1], 0.5, latent_dim=2)
    G = gaussiso.OptimalGenerator(X, 0.5, latent_dim=2)
    with pytest.raises(ValueError, match="shape"):
        G(np.zeros((3, 5)))


# ---------------------------------------------------------------- property-based


@settings(max_examples=15)  # cost: 300 generator evaluations per example
@given(
    seed=st.integers(0, 2**31 - 1),
    m=st.integers(2, 6),
    extra=st.integers(0, 3),
    eps=st.floats(0.05, 2.0),
    rule=st.sampled_from(["eq8", "projection"]),
)
def test_properties(seed, m, extra, eps, rule):
    """Random rotated clusters and random centres: deep points map exactly to their centre,
    weights lie in the simplex, and close pairs respect the proven Lipschitz constant."""
    g = np.random.default_rng(seed)
    d = m - 1 + extra
    part = gaussiso.simplicial_cluster(m, d, rng=g)
    X = random_centers(m, int(g.integers(1, 5)), rng=g)
    G = gaussiso.OptimalGenerator(X, eps, latent_dim=d, partition=part, rule=rule)
    z = g.standard_normal((300, d)) * g.uniform(0.1, 3.0)
    out, w = G(z), G.weights(z)
    deep = part.boundary_distance(z) >= eps
    np.testing.assert_array_equal(out[deep], X[part.label(z)[deep]])
    assert np.all(w >= 0) and np.allclose(w.sum(1), 1.0, atol=1e-12)
    assert np.all(w[~deep].max(1) < 1.0)
    v = g.standard_normal(z.shape)
    v *= (eps * g.uniform(1e-4, 1.0, len(z)) / np.linalg.norm(v, axis=1))[:, None]
    ratio = np.linalg.norm(G(z + v) - out, axis=1) / np.linalg.norm(v, axis=1)
    assert ratio.max() <= G.lipschitz_constant * (1 + 1e-9)
