"""Tests of gan.analysis: labels, probes, the simplicial fit, Jacobian geometry, geodesics.

Monte Carlo tolerances are 5 binomial standard errors (fixed seeds) unless a comment derives
another one. End-to-end tests (G*_eps, CLI, trained run) are in test_analysis_runs.py.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.stats
import torch

import gaussiso
from gan.analysis import (
    OUTSIDE,
    compare_with_simplicial,
    convex_accuracy,
    curve_energy,
    fit_simplicial,
    generator_label_fn,
    geodesic,
    jacobian,
    jacobian_geometry,
    label_by_nearest_mode,
    latent_grid,
    latent_slice,
    lipschitz_estimate,
    logreg_accuracy,
    partition_stats,
    pullback_metric,
    wilson_interval,
)

# boundaries of three strips of equal Gaussian mass along z_1: Phi^{-1}(1/3), Phi^{-1}(2/3)
STRIP_CUTS = np.array([scipy.stats.norm.ppf(1 / 3), scipy.stats.norm.ppf(2 / 3)])


def strip_labels(z):
    """The parallel-strip partition of R^2 into 3 cells of mass 1/3 (convex, not simplicial)."""
    return np.digitize(np.asarray(z)[:, 0], STRIP_CUTS).astype(np.int64)


# ---------------------------------------------------------------------------------- labels
def test_label_by_nearest_mode_matches_brute_force():
    rng = np.random.default_rng(0)
    centers = rng.standard_normal((4, 3))
    x = rng.standard_normal((500, 3))
    radius = 0.8
    got = label_by_nearest_mode(x, centers, radius)
    for xi, g in zip(x, got):
        d = np.linalg.norm(centers - xi, axis=1)
        assert g == (np.argmin(d) if d.min() <= radius else OUTSIDE)
    assert np.any(got == OUTSIDE) and np.any(got >= 0)
    # torch input, and radius inf labels everything
    assert np.all(label_by_nearest_mode(torch.as_tensor(x), centers, np.inf) >= 0)


def test_label_by_nearest_mode_rejects_bad_input():
    with pytest.raises(ValueError, match="radius"):
        label_by_nearest_mode(np.zeros((2, 2)), np.zeros((1, 2)), -1.0)
    with pytest.raises(ValueError, match="centers"):
        label_by_nearest_mode(np.zeros((2, 2)), np.zeros((1, 3)), 1.0)


def test_partition_stats_exact_counts():
    lab = np.array([0, 0, 1, -1, 2, 2, 2, -1, 0, 1])
    s = partition_stats(lab, 4)
    np.testing.assert_allclose(s.cell_mass, [0.3, 0.2, 0.3, 0.0])
    np.testing.assert_allclose(s.cell_mass_stderr, np.sqrt(s.cell_mass * (1 - s.cell_mass) / 10))
    assert s.outside_mass == pytest.approx(0.2)
    assert s.outside_mass_stderr == pytest.approx(np.sqrt(0.2 * 0.8 / 10))
    np.testing.assert_allclose(s.proportions, [3 / 8, 2 / 8, 3 / 8, 0])
    assert s.min_proportion == 0 and s.max_proportion == pytest.approx(3 / 8)
    pct = 100 * np.array([3, 2, 3, 0]) / 8
    assert s.variance_to_mean == pytest.approx(pct.var() / pct.mean())
    assert s.n_empty_cells == 1
    balanced = partition_stats(np.repeat(np.arange(5), 7), 5)
    assert balanced.variance_to_mean == 0 and balanced.outside_mass == 0
    with pytest.raises(ValueError, match="labels"):
        partition_stats(np.array([0, 5]), 3)
    # 95% Wilson intervals of the cell masses, as scipy computes them
    for (lo, hi), k in zip(s.cell_mass_ci, [3, 2, 3, 0]):
        ref = scipy.stats.binomtest(k, 10).proportion_ci(confidence_level=0.95, method="wilson")
        assert lo == pytest.approx(ref.low, abs=1e-9) and hi == pytest.approx(ref.high, abs=1e-9)


def test_partition_stats_json_is_strict_and_round_trips():
    from gan.analysis import PartitionStats

    s = partition_stats(np.array([0, 0, 1, -1, 2, 2, 2, -1, 0, 1]), 4)
    back = PartitionStats.from_json(s.to_json())
    for f in ("cell_mass", "cell_mass_stderr", "cell_mass_ci", "proportions"):
        np.testing.assert_array_equal(getattr(back, f), getattr(s, f))
    assert back.n_empty_cells == 1 and back.variance_to_mean == s.variance_to_mean
    # every latent outside: the proportions are undefined, NaN in memory, null in the JSON
    empty = partition_stats(np.full(5, -1), 3)
    assert np.isnan(empty.variance_to_mean)
    text = empty.to_json()
    assert "NaN" not in text and json.loads(text)["variance_to_mean"] is None
    with pytest.raises(ValueError, match="unknown key"):
        PartitionStats.from_dict({**s.to_dict(), "extra": 1})


@pytest.mark.parametrize("k,n", [(0, 10), (3, 10), (50, 100), (999, 1000), (1000, 1000)])
def test_wilson_interval_matches_scipy(k, n):
    ref = scipy.stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    lo, hi = wilson_interval(k, n)
    assert lo == pytest.approx(ref.low, abs=1e-9) and hi == pytest.approx(ref.high, abs=1e-9)


def test_generator_label_fn_batches_like_direct_call():
    centers = np.array([[0.0, 0.0], [3.0, 0.0]])
    G = torch.nn.Linear(2, 2)
    with torch.no_grad():
        G.weight.copy_(torch.eye(2)), G.bias.zero_()
    fn = generator_label_fn(G, lambda x: label_by_nearest_mode(x, centers, 1.0), batch_size=7)
    z = np.random.default_rng(1).normal(size=(50, 2)) * 2
    np.testing.assert_array_equal(fn(z), label_by_nearest_mode(z.astype(np.float32), centers, 1.0))


# ---------------------------------------------------------------------------------- probes
@pytest.fixture(scope="module")
def gaussian_latents():
    rng = np.random.default_rng(2024)
    return rng.standard_normal((24_000, 2))


def test_logreg_and_convex_on_a_simplicial_partition(gaussian_latents):
    p = gaussiso.simplicial_cluster(3, 2, rng=5)
    z = gaussian_latents
    lab = p.label(z)
    lr = logreg_accuracy(z[:6000], lab[:6000], z[20_000:], lab[20_000:], device="cpu")
    # linearly separable cells: only latents within ~1/sqrt(n_train) of a boundary can be lost
    assert lr.accuracy > 0.98 and lr.n == 4000
    assert lr.ci[0] <= lr.accuracy <= lr.ci[1]
    cv = convex_accuracy(p.label, z, lab, n_pairs=3000, seed=1)
    assert cv.accuracy == 1.0  # convex cells: no segment can leave its cell
    assert cv.n == 3000 and set(cv.details["per_class"]) == {0, 1, 2}


def test_fit_logreg_matches_scikit_learn():
    """Independent solver: same penalised multinomial likelihood, so the same minimiser."""
    from sklearn.linear_model import LogisticRegression

    from gan.analysis import fit_logreg

    rng = np.random.default_rng(7)
    n, d, k = 4000, 3, 4
    z = rng.standard_normal((n, d))
    logits = z @ (1.5 * rng.standard_normal((d, k))) + 0.3 * rng.standard_normal(k)
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    y = (rng.random(n)[:, None] > np.cumsum(p, axis=1)).sum(axis=1)  # one multinomial draw per row
    l2 = 1e-3  # ours: mean loss + l2/2 |W|^2; sklearn: C * summed loss + |W|^2 / 2
    W, b, classes = fit_logreg(z, y, l2=l2, device="cpu", max_iter=200)
    sk = LogisticRegression(C=1.0 / (l2 * n), max_iter=5000, tol=1e-10).fit(z, y)
    np.testing.assert_array_equal(classes, sk.classes_)
    # float32 L-BFGS against float64 lbfgs: agreement to ~1e-4 seen; 2e-3 leaves room
    np.testing.assert_allclose(W, sk.coef_.T, atol=2e-3)
    np.testing.assert_allclose(b - b.mean(), sk.intercept_ - sk.intercept_.mean(), atol=2e-3)


def test_probes_on_a_non_convex_partition(gaussian_latents):
    z = gaussian_latents
    xor = lambda q: (np.sign(np.asarray(q)[:, 0]) * np.sign(np.asarray(q)[:, 1]) > 0).astype(np.int64)  # noqa
    lab = xor(z)
    lr = logreg_accuracy(z[:6000], lab[:6000], z[20_000:], lab[20_000:], device="cpu")
    # no half-plane separates opposite quadrants: accuracy stays near 1/2
    assert lr.accuracy < 0.7
    cv = convex_accuracy(xor, z, lab, n_pairs=2000, seed=2)
    # half of the same-class pairs lie in opposite quadrants and most of their segments cross
    assert cv.ci[1] < 0.9


def test_probes_ignore_outside_and_validate():
    rng = np.random.default_rng(3)
    z = rng.standard_normal((400, 2))
    lab = (z[:, 0] > 0).astype(np.int64)
    lab[::5] = OUTSIDE
    lr = logreg_accuracy(z[:300], lab[:300], z[300:], lab[300:], device="cpu")
    assert lr.n == int(np.sum(lab[300:] >= 0)) and lr.details["n_train"] == int(np.sum(lab[:300] >= 0))
    with pytest.raises(ValueError, match="ts"):
        convex_accuracy(lambda q: q[:, 0] > 0, z, lab, ts=(0.0, 0.5))
    with pytest.raises(ValueError, match="outside"):
        logreg_accuracy(z, np.full(400, -1), z, np.full(400, -1))


# ------------------------------------------------------------------------ simplicial fit
@pytest.mark.parametrize("m,d,seed", [(3, 2, 11), (3, 3, 12), (4, 5, 13), (2, 4, 14)])
def test_fit_recovers_a_rotated_simplicial_cluster(m, d, seed):
    p = gaussiso.simplicial_cluster(m, d, rng=seed)
    z = np.random.default_rng(seed).standard_normal((30_000, d))
    lab = p.label(z)
    fit = fit_simplicial(z, lab)
    # seed alignment error: class-mean directions have MC error about sqrt(d / n_class) / |mean|
    # ~ 0.02 here; 0.06 is 3x that
    assert np.max(np.linalg.norm(fit.seeds - p.seeds, axis=1)) < 0.06
    np.testing.assert_allclose(fit.rotation @ fit.rotation.T, np.eye(d), atol=1e-10)
    np.testing.assert_allclose(fit.seeds @ fit.seeds.T, np.where(np.eye(m, dtype=bool), 1.0, -1 / (m - 1)), atol=1e-10)
    cmp_ = compare_with_simplicial(z, lab, fit)
    assert cmp_["agreement"] > 0.98 and cmp_["is_simplicial"]
    assert cmp_["max_angle_deviation_deg"] < 5


def test_fit_assigns_permuted_classes_to_the_right_vertices():
    p = gaussiso.simplicial_cluster(4, 3, rng=21)
    z = np.random.default_rng(21).standard_normal((30_000, 3))
    perm = np.array([2, 0, 3, 1])  # class perm[i] lives in cell i
    lab = perm[p.label(z)]
    fit = fit_simplicial(z, lab)
    for j, c in enumerate(fit.classes):
        i = int(np.flatnonzero(perm == c)[0])
        assert np.linalg.norm(fit.seeds[j] - p.seeds[i]) < 0.06
    assert compare_with_simplicial(z, lab, fit)["agreement"] > 0.98


def test_fit_with_logreg_normals():
    p = gaussiso.simplicial_cluster(3, 2, rng=31)
    z = np.random.default_rng(31).standard_normal((20_000, 2))
    lab = p.label(z)
    lr = logreg_accuracy(z[:6000], lab[:6000], z[10_000:11_000], lab[10_000:11_000], device="cpu", l2=1e-3)
    fit = fit_simplicial(z, lab, method="logreg", logreg_weights=(lr.details["W"], lr.details["classes"]))
    assert np.max(np.linalg.norm(fit.seeds - p.seeds, axis=1)) < 0.06


def test_parallel_strips_are_flagged_non_simplicial(gaussian_latents):
    z = gaussian_latents
    lab = strip_labels(z)
    cmp_ = compare_with_simplicial(z, lab)
    assert not cmp_["is_simplicial"]
    # strips are convex and linearly separable, yet far from the simplicial cluster:
    # outer class means are antipodal (180 deg instead of 120)
    assert cmp_["agreement"] < 0.8
    assert cmp_["max_angle_deviation_deg"] > 45
    assert convex_accuracy(strip_labels, z, lab, n_pairs=600).accuracy == 1.0


def test_fit_rejects_impossible_cases():
    z = np.random.default_rng(0).standard_normal((1000, 2))
    with pytest.raises(ValueError, match="d \\+ 1"):
        fit_simplicial(z, (np.floor((np.arctan2(z[:, 1], z[:, 0]) + np.pi) / (np.pi / 2)) % 4).astype(int))
    with pytest.raises(ValueError, match="at least 2"):
        fit_simplicial(z, np.zeros(1000, dtype=int))
    with pytest.raises(ValueError, match="method"):
        fit_simplicial(z, (z[:, 0] > 0).astype(int), method="kmeans")


# ---------------------------------------------------------------------------- Jacobian
def _linear(A):
    A = torch.as_tensor(A, dtype=torch.float64)
    return lambda z: z @ A.T


@pytest.mark.parametrize("method", ["vmap", "jvp"])
@pytest.mark.parametrize("D,d", [(5, 3), (2, 2), (40, 4)])
def test_jacobian_geometry_of_a_linear_map(method, D, d):
    A = np.random.default_rng(D * 10 + d).standard_normal((D, d))
    z = torch.randn(6, d, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    G = _linear(A)
    J = jacobian(G, z, method=method, chunk_size=4)
    np.testing.assert_allclose(J.numpy(), np.broadcast_to(A, (6, D, d)), atol=1e-12)
    np.testing.assert_allclose(pullback_metric(G, z, method=method).numpy()[0], A.T @ A, atol=1e-10)
    geo = jacobian_geometry(G, z, method=method)
    sv = np.linalg.svd(A, compute_uv=False)
    np.testing.assert_allclose(geo["volume_element"], np.sqrt(np.linalg.det(A.T @ A)), rtol=1e-10)
    np.testing.assert_allclose(geo["condition_number"], sv[0] / sv[-1], rtol=1e-10)
    np.testing.assert_allclose(geo["gradient_norm"], np.linalg.norm(A), rtol=1e-10)
    np.testing.assert_allclose(geo["spectral_norm"], sv[0], rtol=1e-10)


def test_jacobian_of_a_nonlinear_map_and_of_a_module():
    def G(z):
        return torch.stack([torch.sin(z[:, 0]), z[:, 0] * z[:, 1], torch.exp(z[:, 1])], dim=1)

    z = torch.tensor([[0.3, -1.2], [2.0, 0.5]], dtype=torch.float64)
    J = jacobian(G, z)
    for zi, Ji in zip(z.numpy(), J.numpy()):
        ref = np.array([[np.cos(zi[0]), 0.0], [zi[1], zi[0]], [0.0, np.exp(zi[1])]])
        np.testing.assert_allclose(Ji, ref, atol=1e-12)
    # a module with batch norm in eval mode and image-shaped output; both methods agree
    net = (
        torch.nn.Sequential(
            torch.nn.Linear(3, 16),
            torch.nn.BatchNorm1d(16),
            torch.nn.Tanh(),
            torch.nn.Linear(16, 8),
            torch.nn.Unflatten(1, (2, 2, 2)),
        )
        .double()
        .eval()
    )
    zz = torch.randn(5, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    Jv, Jc = jacobian(net, zz, method="vmap"), jacobian(net, zz, method="jvp")
    assert Jv.shape == (5, 8, 3)
    np.testing.assert_allclose(Jv.numpy(), Jc.numpy(), atol=1e-12)
    # finite differences
    h = 1e-6
    fd = net(zz + h * torch.eye(3, dtype=torch.float64)[1]) - net(zz - h * torch.eye(3, dtype=torch.float64)[1])
    np.testing.assert_allclose(Jv[:, :, 1].numpy(), (fd / (2 * h)).reshape(5, 8).detach().numpy(), atol=1e-7)


def test_volume_element_is_zero_when_output_dim_is_smaller():
    geo = jacobian_geometry(_linear(np.ones((1, 3))), torch.zeros(2, 3, dtype=torch.float64))
    assert np.all(geo["volume_element"] == 0) and np.all(np.isinf(geo["condition_number"]))


def test_lipschitz_estimate_of_a_linear_map():
    A = np.array([[3.0, 1.0], [0.0, 0.5], [1.0, -1.0]])
    s1 = np.linalg.svd(A, compute_uv=False)[0]
    z = torch.randn(3000, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    lip = lipschitz_estimate(_linear(A), z, seed=1)
    assert lip.gradient == pytest.approx(s1, rel=1e-10)
    # 3000 uniform directions in the plane: the best is within ~pi/3000 rad of the top singular
    # vector, so the ratio is within ~(pi/3000)^2 * (1 - s2^2/s1^2) of s1
    assert s1 * (1 - 1e-5) <= lip.pairs <= s1 * (1 + 1e-12)
    assert lip.estimate == max(lip.pairs, lip.gradient)
    assert lip.n == 3000 and lip.delta == 1e-3 and lip.lipschitz_upper_bound is None
    assert type(lip).from_json(lip.to_json()) == lip
    with pytest.raises(ValueError, match="delta"):
        lipschitz_estimate(_linear(A), z, delta=0)


def test_bounds_at_eps_radius_aware_against_the_clipped_ramp():
    """Two discs of radius 0.9 at -1 and +1, L = 10: the ramp G(z) = clip(10 z, -0.1, 0.1) is
    10-Lipschitz, well balanced, and has precision P(|10 z| >= 0.1) = 2 Phi(-0.01) = 0.99202.
    The point-mode value of eq. (4) (0.96285) lies below it, so it is no bound for these modes;
    the radius-aware bounds hold, and the proven one is attained."""
    from gan.analysis import bounds_at_eps
    from gaussiso import bounds

    ramp = 2 * scipy.stats.norm.cdf(-0.01)
    b = bounds_at_eps(2, 1, 2.0, 2.0, 10.0, radius=0.9, centers=[[-1.0], [1.0]])
    assert b.corollary_3_6 == pytest.approx(1 - 0.2 * np.sqrt(np.log(2)) * np.exp(-1.5), rel=1e-12)
    assert b.corollary_3_6 < ramp - 0.02  # the point-mode value: exceeded by an honest generator
    assert b.radius == 0.9 and b.weights is None
    assert b.corollary_3_6_sharp == pytest.approx(ramp, abs=1e-12)  # attained
    assert b.corollary_3_6_sharp == pytest.approx(
        bounds.corollary_3_6_sharp(2, radii=0.9, centers=[[-1.0], [1.0]], lipschitz=10.0), rel=1e-15
    )
    # eq. (4) at the gap (D - 2r)/L = 0.02: returned only above the proven bound
    assert b.corollary_3_6_radii >= ramp - 1e-12 and b.corollary_3_6_radii_note is None
    # Lemma 3.5's band (D/2 - r)/L = 0.01 for the half-line partition: 1 - (2 Phi(0.01) - 1)
    assert b.lemma_3_5_radii.eps == pytest.approx(0.01, rel=1e-12)
    assert b.lemma_3_5_radii.precision == pytest.approx(ramp, abs=1e-12)
    # measured shares as weights: unequal shares relax the bound (the isoperimetric sum is concave)
    bw = bounds_at_eps(2, 1, 2.0, 2.0, 10.0, radius=0.9, centers=[[-1.0], [1.0]], weights=[0.7, 0.3])
    np.testing.assert_allclose(bw.weights, [0.7, 0.3])
    assert bw.corollary_3_6_sharp > b.corollary_3_6_sharp
    # a generator that reaches one mode only: no separation bound, and a note says so
    b1 = bounds_at_eps(2, 1, 2.0, 2.0, 10.0, radius=0.9, centers=[[-1.0], [1.0]], weights=[1.0, 0.0])
    assert b1.corollary_3_6_sharp is None and "1 mode" in b1.corollary_3_6_sharp_note
    # modes that touch: refused with gaussiso's reason, never a number
    bt = bounds_at_eps(2, 1, 2.0, 2.0, 10.0, radius=1.0, centers=[[-1.0], [1.0]])
    assert bt.corollary_3_6_sharp is None and "overlap" in bt.corollary_3_6_sharp_note
    assert bt.lemma_3_5_radii is None and "Assumption 3.1" in bt.lemma_3_5_radii_note
    # without centers the radius-aware fields stay empty (point-mode report)
    assert bounds_at_eps(2, 1, 2.0, 2.0, 10.0).corollary_3_6_sharp is None
    assert type(b).from_json(b.to_json()) == b


def test_latent_grid_and_slice():
    pts, xs = latent_grid(2.0, 5)
    assert pts.shape == (25, 2) and xs[0] == -2 and xs[-1] == 2
    assert np.all(pts.reshape(5, 5, 2)[1, 3] == [xs[3], xs[1]])
    z, coords, _ = latent_slice([[1.0, 1.0, 0.0], [0.0, 0.0, 2.0]], 2.0, 5)
    np.testing.assert_allclose(z, coords[:, :1] * np.array([1, 1, 0]) / np.sqrt(2) + coords[:, 1:] * [0, 0, 1])
    with pytest.raises(ValueError, match="independent"):
        latent_slice([[1.0, 0.0], [2.0, 0.0]])


# ---------------------------------------------------------------------------- geodesics
def test_geodesic_of_a_linear_map_is_the_segment():
    A = np.array([[2.0, 0.3], [0.0, 1.0], [1.0, 1.0]])
    G = _linear(A)
    z0, z1 = np.array([-1.0, 0.5]), np.array([2.0, -1.0])
    start = np.linspace(z0, z1, 12) + 0.3 * np.sin(np.linspace(0, np.pi, 12))[:, None]  # a bent start
    res = geodesic(G, z0, z1, n_nodes=12, init=start)
    np.testing.assert_allclose(res.path, res.straight, atol=1e-4)
    # straight equally spaced curve: energy = |A (z1 - z0)|^2 / K, length = |A (z1 - z0)|
    L = np.linalg.norm(A @ (z1 - z0))
    assert res.straight_length == pytest.approx(L, rel=1e-6)
    assert res.straight_energy == pytest.approx(L**2 / 11, rel=1e-6)
    assert res.energy == pytest.approx(res.straight_energy, rel=1e-6)


def test_geodesic_avoids_a_bump():
    def G(z):  # a graph surface with a tall bump at the origin
        return torch.cat([z, 3.0 * torch.exp(-(z**2).sum(dim=1, keepdim=True) / 0.5)], dim=1)

    z0, z1 = np.array([-2.0, 0.05]), np.array([2.0, 0.05])
    lab = lambda q: (np.asarray(q)[:, 0] > 0).astype(np.int64)  # noqa: E731
    res = geodesic(G, z0, z1, n_nodes=33, label_fn=lab)
    assert res.energy < 0.9 * res.straight_energy and res.length < res.straight_length
    assert np.max(np.abs(res.path[:, 1])) > 0.5  # it goes around the bump
    e, l_ = curve_energy(G, res.path)
    assert e == pytest.approx(res.energy) and l_ == pytest.approx(res.length)
    assert res.labels.shape == (33,) and res.labels[0] == 0 and res.labels[-1] == 1
    with pytest.raises(ValueError, match="n_nodes"):
        geodesic(G, z0, z1, n_nodes=2)


def test_import_gan_is_light():
    # `import gan` imports no subpackage and not torch; subpackages load on first use
    import subprocess
    import sys

    code = (
        "import sys, gan; assert 'torch' not in sys.modules and 'gan.analysis' not in sys.modules; "
        "assert set(gan.__all__) >= {'analysis', 'latents', 'metrics', 'data', 'training'}"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ----------------------------------------------------------------------------------------
# issue 11: bad input is refused before any work, with the argument named


@pytest.mark.parametrize(
    "k, n, z, match",
    [
        (5, 3, 1.96, "k must be <= n"),
        (3, 5, float("nan"), "z must be"),
        (-1, 5, 1.96, "k must hold"),
        (2.5, 5, 1.96, "k must hold"),
        (1, 0, 1.96, "n must be >= 1"),
        (1, 5, 0.0, "z must be > 0"),
        (1, 5, 1e300, "z must be a normal quantile"),
    ],
)
def test_wilson_interval_refuses_impossible_counts(k, n, z, match):
    with pytest.raises(ValueError, match=match):
        wilson_interval(k, n, z)


def test_wilson_interval_property_inside_unit_interval_and_contains_estimate():
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies

    @hypothesis.settings(max_examples=200, deadline=None)
    @hypothesis.given(st.integers(1, 10**9), st.floats(0.0, 1.0), st.floats(0.01, 40.0))
    def check(n, frac, z):
        k = int(frac * n)
        lo, hi = wilson_interval(k, n, z)
        assert 0.0 <= lo <= k / n <= hi <= 1.0

    check()


def test_label_by_nearest_mode_refuses_non_finite_latents():
    c = np.eye(2)
    with pytest.raises(ValueError, match="x must be finite"):
        label_by_nearest_mode(np.array([[np.nan, 0.0]]), c, 0.5)
    with pytest.raises(ValueError, match="centers must be finite"):
        label_by_nearest_mode(np.zeros((1, 2)), np.full((2, 2), np.inf), 0.5)
    with pytest.raises(ValueError, match="radius must be a number"):
        label_by_nearest_mode(np.zeros((1, 2)), c, float("nan"))
    with pytest.raises(TypeError, match="radius"):
        label_by_nearest_mode(np.zeros((1, 2)), c, "1")


@pytest.mark.parametrize("extent", [-1.0, 0.0, float("nan"), float("inf")])
def test_latent_grid_refuses_bad_extent(extent):
    with pytest.raises(ValueError, match="extent"):
        latent_grid(extent, 5)
    with pytest.raises(ValueError, match="extent"):
        latent_slice(np.eye(3)[:2], extent, 5)


def test_lipschitz_estimate_validates_before_the_work():
    calls = []

    def G(z):
        calls.append(1)
        return z

    z = np.zeros((4, 2))
    for kw, match in (
        (dict(quantile=2.0), "quantile must be <= 1"),
        (dict(delta=-1.0), "delta must be > 0"),
        (dict(seed=-1), "seed must be >= 0"),
        (dict(chunk_size=0), "chunk_size must be >= 1"),
    ):
        with pytest.raises(ValueError, match=match):
            lipschitz_estimate(G, z, **kw)
    assert calls == []
    with pytest.raises(ValueError, match="z must be finite"):
        lipschitz_estimate(G, np.full((2, 2), np.nan))
    with pytest.raises(ValueError, match="z of shape"):  # a latent of the wrong size for G
        jacobian(lambda z: z @ torch.ones(3, 2, dtype=z.dtype), np.zeros((2, 2)))


def test_partition_stats_and_probes_refuse_bad_labels():
    with pytest.raises(TypeError, match="labels must be integers"):
        partition_stats(np.array([0.5, 1.0]), 2)
    with pytest.raises(TypeError, match="m must be an integer"):
        partition_stats(np.array([0, 1]), 2.5)
    z = np.random.default_rng(0).normal(size=(12, 2))
    y = np.arange(12) % 3
    with pytest.raises(ValueError, match="z must be finite"):
        fit_simplicial(np.full((12, 2), np.nan), y)
    with pytest.raises(ValueError, match="labels must hold at least 2 classes"):
        fit_simplicial(z, np.zeros(12, dtype=int))
    with pytest.raises(ValueError, match="z_train and z_test must have the same number"):
        logreg_accuracy(z, y, np.zeros((12, 3)), y, device="cpu")
    with pytest.raises(ValueError, match="z_train must be finite"):
        logreg_accuracy(z * np.nan, y, z, y, device="cpu")
    with pytest.raises(TypeError, match="y_test must hold integer labels"):
        logreg_accuracy(z, y, z, y + 0.5, device="cpu")


def test_report_bounds_refuse_bad_numbers():
    from gan.analysis import boundary_measure, bounds_at_eps

    with pytest.raises(ValueError, match="eps must be a number"):
        boundary_measure(3, 2, float("nan"))
    with pytest.raises(ValueError, match="eps must be > 0"):
        boundary_measure(3, 2, -1.0)
    assert boundary_measure(5, 2, 0.1) is None  # documented: no simplicial 5-cluster in the plane
    with pytest.raises(ValueError, match="d_min must be a number"):
        bounds_at_eps(3, 2, float("nan"), 1.0, 5.0)
    with pytest.raises(TypeError, match="d must be an integer"):
        bounds_at_eps(3, "2", 1.0, 1.0, 5.0)
