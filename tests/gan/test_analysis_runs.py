"""End-to-end tests of gan.analysis: G*_eps (direct and through the CLI), parallel strips, a
short trained mixture run, and the figures.

Monte Carlo comparisons use 5 binomial standard errors with fixed seeds.
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
import torch

import gaussiso
from gan.analysis import AGREEMENT_THRESHOLD, ANGLE_THRESHOLD_DEG, analyze_generator
from gan.cli import main as gan_main

SMALL = dict(n_samples=20_000, n_train=4_000, n_test=2_000, n_pairs=900, n_lipschitz=400, grid_resolution=48)
SMALL_CLI = [
    "--n-samples",
    "20000",
    "--n-train",
    "4000",
    "--n-test",
    "2000",
    "--n-pairs",
    "900",
    "--n-lipschitz",
    "400",
    "--grid-resolution",
    "48",
]


def _optimal(m=3, d=2, eps=0.1, rotate_seed=None):
    X = gaussiso.modes.equidistant_centers(m, max(2, m - 1))
    part = None if rotate_seed is None else gaussiso.simplicial_cluster(m, d, rng=rotate_seed)
    return gaussiso.OptimalGenerator(X, eps, latent_dim=d, partition=part)


def _module(G):
    from gan.optimal import OptimalGeneratorModule

    return OptimalGeneratorModule.from_numpy(G)


def _support_radius(X):
    gaps = np.linalg.norm(X[:, None] - X[None], axis=-1)
    return 1e-6 * gaps[~np.eye(len(X), dtype=bool)].min()  # as gan.runs does for Dirac modes


@pytest.fixture(scope="module")
def optimal_direct():
    G = _optimal()
    res = analyze_generator(
        _module(G),
        latent_dim=2,
        centers=G.centers,
        support_radius=_support_radius(G.centers),
        device="cpu",
        seed=3,
        config_eps=G.eps,
        **SMALL,
    )
    return G, res


def test_optimal_generator_probes_are_near_one(optimal_direct):
    G, res = optimal_direct
    # G*_eps has convex, simplicial cells with exact labels: the probes can only miss on the
    # boundary layer, which is labelled -1 and dropped, so all three reach ~1
    assert res.logreg.accuracy > 0.98
    assert res.convex.accuracy > 0.98
    assert res.simplicial.agreement > 0.98 and res.is_simplicial is True
    assert res.simplicial.max_angle_deviation_deg < 5


def test_optimal_generator_precision_matches_the_exact_boundary_measure(optimal_direct):
    G, res = optimal_direct
    exact = G.exact_precision()
    assert abs(res.precision.value - float(exact.value)) < 5 * res.precision.stderr + float(exact.stderr)
    assert res.config_optimum.precision == pytest.approx(float(exact.value), abs=1e-12)
    assert res.config_eps == G.eps


def test_optimal_generator_lipschitz_and_bounds(optimal_direct):
    G, res = optimal_direct
    lip = res.lipschitz
    # empirical values are lower bounds of a proven Lipschitz constant of the implemented map
    assert 0 < lip.gradient <= G.lipschitz_constant * (1 + 1e-6)
    assert 0 < lip.pairs <= G.lipschitz_constant * (1 + 1e-6)
    # between the deep interiors (2 eps apart) the map moves by D: some local slope is >= D/(2 eps);
    # 400 Gaussian latents put ~12% in the boundary layer where the slope is about that
    assert res.lipschitz.estimate >= 0.9 * 1.0 / (2 * G.eps)
    assert res.lipschitz.estimate == max(lip.pairs, lip.gradient)
    from gaussiso import bounds

    assert res.bounds.eps_min == pytest.approx(res.bounds.d_min / res.lipschitz.estimate, rel=1e-12)
    assert res.bounds.corollary_3_6 == pytest.approx(bounds.corollary_3_6(3, res.bounds.eps_min), rel=1e-12)
    assert res.bounds.theorem_3_7 == pytest.approx(
        bounds.theorem_3_7(3, res.bounds.d_max / res.lipschitz.estimate, res.bounds.theorem_3_7_C), rel=1e-12
    )
    gamma = gaussiso.eps_boundary_measure(gaussiso.simplicial_cluster(3, 2), res.bounds.eps_min, method="exact")
    assert res.bounds.matched.value == pytest.approx(float(gamma.value), rel=1e-9)
    assert res.bounds.matched.precision == pytest.approx(1 - float(gamma.value), rel=1e-9)
    # the certified constant of G*_eps is its proven one; the bounds at it are the tests
    assert res.lipschitz.lipschitz_upper_bound == pytest.approx(float(G.lipschitz_constant), rel=1e-12)
    _check_certified_bounds(res, G.centers)
    # at its proven constant L, G*_eps (point modes) has precision 1 - gamma(eps-boundary), with
    # eps = D / (2 L) only for the projection rule; eq. (8)'s constant is larger, so Lemma 3.5's
    # radius-aware band at L is narrower than eps and its bound lies above the precision
    lem = res.bounds_certified.lemma_3_5_radii
    assert lem.eps <= G.eps * (1 + 1e-9)
    assert res.precision.value <= lem.precision + 5 * res.precision.stderr


def test_rotated_optimal_generator_gives_back_its_rotation(tmp_path):
    G = _optimal(m=3, d=3, eps=0.1, rotate_seed=17)
    res = analyze_generator(
        _module(G),
        latent_dim=3,
        centers=G.centers,
        support_radius=_support_radius(G.centers),
        device="cpu",
        seed=4,
        figures_dir=tmp_path,
        **SMALL,
    )
    # latent dimension 3: the sphere, and the partition on the plane of two fitted seeds
    assert set(res.figures) == {
        "modes.png",
        "latent_sphere.png",
        "latent_slice_partition.png",
        "latent_slice_gradient_norm.png",
    }
    for name in res.figures:
        _check_png(tmp_path / name)
    seeds = np.asarray(res.simplicial.seeds)
    true = G.partition.seeds / np.linalg.norm(G.partition.seeds, axis=1, keepdims=True)
    assert res.simplicial.classes.tolist() == [0, 1, 2]
    # class-mean directions from ~3,500 latents per class: error ~ sqrt(d/n)/|mean| ~ 0.03
    assert np.max(np.linalg.norm(seeds - true, axis=1)) < 0.08
    assert res.is_simplicial


def test_certified_bound_of_a_network_and_the_theory_test():
    """A fixed two-layer ReLU network that reaches all three modes: its certified constant is the
    product of its layers' exact norms, the bounds at it are recomputable, and the precision
    stays below the proven bound (a theorem), whatever the network."""
    X = gaussiso.modes.equidistant_centers(3, 2, distance=2.0)
    g = torch.Generator().manual_seed(11)
    net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=g))
    res = analyze_generator(
        net, latent_dim=2, centers=X, support_radius=0.5, device="cpu", seed=7, **{**SMALL, "n_lipschitz": 200}
    )
    w1, w2 = (net[i].weight.detach().double() for i in (0, 2))
    prod = float(torch.linalg.matrix_norm(w1, 2) * torch.linalg.matrix_norm(w2, 2))
    assert res.lipschitz.lipschitz_upper_bound == pytest.approx(prod, rel=1e-12)
    assert res.partition.n_empty_cells == 0 and res.precision.value > 0.01  # every mode reached
    _check_certified_bounds(res, X)
    assert res.theory_test()["lipschitz_upper_bound"] == res.lipschitz.lipschitz_upper_bound
    assert res.theory_test()["radius"] == 0.5


class _Strips(torch.nn.Module):
    """z -> mode floor-based on z_1 only: three parallel strips of Gaussian mass 1/3 each."""

    def __init__(self, centers):
        super().__init__()
        self.register_buffer("centers", torch.as_tensor(centers, dtype=torch.float32))
        self.cut = 0.4307272992954576  # Phi^{-1}(2/3): strips of equal Gaussian mass

    def forward(self, z):
        return self.centers[(z[:, 0] > -self.cut).long() + (z[:, 0] > self.cut).long()]


def test_parallel_strips_are_reported_non_simplicial():
    X = gaussiso.modes.equidistant_centers(3, 2)
    res = analyze_generator(
        _Strips(X), latent_dim=2, centers=X, support_radius=0.1, device="cpu", seed=5, **{**SMALL, "n_lipschitz": 200}
    )
    assert res.is_simplicial is False
    assert res.simplicial.agreement < 0.8  # about 0.63
    assert res.simplicial.max_angle_deviation_deg > 45  # outer classes antipodal: 180 vs 120
    assert res.convex.accuracy == 1.0  # convex cells ...
    assert res.logreg.accuracy > 0.98  # ... and linearly separable, but not simplicial
    assert abs(res.partition.proportions[0] - 1 / 3) < 5 * math.sqrt(2 / 9 / 20_000)
    # no certified Lipschitz bound for an unknown module (a step function): None, with the reason
    assert res.lipschitz.lipschitz_upper_bound is None
    assert (
        "no certified bound" in res.lipschitz.lipschitz_upper_bound_note
        and "_Strips" in res.lipschitz.lipschitz_upper_bound_note
    )
    assert res.bounds_certified is None and res.theory_test() is None
    assert res.headline()["lipschitz_upper_bound"] is None


class _SoftmaxClassifier:
    """A stand-in for gan.classifier: softmax of 4 x the first 3 output coordinates."""

    n_classes = 3

    def predict(self, x):
        p = torch.softmax(4.0 * x[:, :3], dim=1)
        conf, lab = p.max(dim=1)
        return lab, conf


def test_classifier_labelling_path():
    from gan.analysis import label_by_classifier

    x = torch.tensor([[3.0, 0.0, 0.0], [0.1, 0.0, 0.0], [0.0, 0.0, 2.0]])
    np.testing.assert_array_equal(label_by_classifier(x, _SoftmaxClassifier(), 0.8, batch_size=2), [0, -1, 2])
    np.testing.assert_array_equal(label_by_classifier(x, _SoftmaxClassifier(), 0.0), [0, 0, 2])
    with pytest.raises(ValueError, match="threshold"):
        label_by_classifier(x, _SoftmaxClassifier(), 1.5)
    # an "image" generator: the latent itself, labelled by the classifier (cells = argmax cones)
    clf = _SoftmaxClassifier()

    def labeller(xb):
        return label_by_classifier(xb, clf, 0.5)

    labeller.n_classes = 3
    res = analyze_generator(
        torch.nn.Identity(),
        latent_dim=3,
        labeller=labeller,
        device="cpu",
        seed=6,
        **{**SMALL, "n_samples": 5000, "n_lipschitz": 100},
    )
    assert res.precision is None and res.labelling == "classifier" and res.m == 3
    assert 0 < res.confident_share < 1
    # argmax cells of (z1, z2, z3) are the simplicial cluster of seeds e_i - mean(e): convex cones
    assert res.convex.accuracy == 1.0 and res.logreg.accuracy > 0.97
    assert res.is_simplicial is True
    assert res.lipschitz.gradient == pytest.approx(1.0, rel=1e-6)  # the identity
    # float32 differences over delta = 1e-3: relative rounding ~ 1e-7 * |z| / 1e-3
    assert res.lipschitz.pairs == pytest.approx(1.0, rel=1e-3)
    assert res.bounds is None and res.eps_matched is None and res.bounds_certified is None


def _read_analysis_json(path):
    """analysis.json as a RunAnalysis, after checking that it is strict JSON (no NaN/Infinity)
    and that reading and writing it back gives the same text."""
    from gan.analysis import RunAnalysis

    text = path.read_text()

    def no_constant(name):
        raise AssertionError(f"analysis.json holds a bare {name}")

    json.loads(text, parse_constant=no_constant)
    res = RunAnalysis.from_json(text)
    assert res.to_json() == text
    return res


def _check_certified_bounds(res, centers):
    """The certified Lipschitz upper bound, the bounds at it, and the radius-aware bounds at both constants."""
    from gaussiso import bounds

    lip, part = res.lipschitz, res.partition
    ub = lip.lipschitz_upper_bound
    # an upper bound of L can never be below a maximum of Jacobian norms or of difference
    # quotients (lower bounds); the quotients are float32 differences over delta = 1e-3, whose
    # relative rounding reaches ~1e-4 (1.3e-4 seen for G*_eps at L = 0.5)
    assert ub is not None and lip.lipschitz_upper_bound_note
    assert ub >= lip.gradient * (1 - 1e-6) and ub >= lip.pairs * (1 - 1e-3)
    cert = res.bounds_certified
    assert cert.lipschitz == ub and cert.eps_min == pytest.approx(cert.d_min / ub, rel=1e-12)
    assert (cert.d_min, cert.d_max) == (res.bounds.d_min, res.bounds.d_max)
    c = np.asarray(centers, dtype=float)
    w = np.asarray(part.proportions, dtype=float)
    keep = np.isfinite(w) & (w > 0)
    for b in (res.bounds, cert):
        assert b.radius == res.support_radius
        if keep.sum() < 2:
            assert b.corollary_3_6_sharp is None and "mode" in b.corollary_3_6_sharp_note
            continue
        np.testing.assert_allclose(b.weights, w[keep] / w[keep].sum(), rtol=1e-12)
        # recomputed from gaussiso with the support radius, the centers and the measured shares
        want = bounds.corollary_3_6_sharp(
            int(keep.sum()), weights=b.weights, radii=res.support_radius, centers=c[keep], lipschitz=b.lipschitz
        )
        assert b.corollary_3_6_sharp == pytest.approx(want, rel=1e-12)
    if keep.sum() >= 2:
        # the bounds increase with L: the one at the upper bound is the larger
        assert cert.corollary_3_6_sharp >= res.bounds.corollary_3_6_sharp - 1e-12
        test = res.theory_test()
        # a theorem: an L-Lipschitz generator cannot beat the proven bound at any L' >= L
        assert test["verdict"] == "consistent", test
        assert res.headline()["theory_test"] == "consistent"
        assert res.headline()["lipschitz_upper_bound"] == ub


def _check_analysis_json(res, m, d):
    """Types and ranges of every number of analysis.json, and their internal consistency.

    Probe values may be null only when too few latents are on the support (then a note says
    why); the simplicial fit only when fewer than 2 classes (or more than d + 1) are present."""
    part = res.partition
    on_support = part.outside_mass < 1.0
    n_classes = m - part.n_empty_cells
    shares = {
        "precision": res.precision,
        "logreg_accuracy": res.logreg,
        "convex_accuracy": res.convex,
        "simplicial_agreement": res.simplicial,
    }
    for key, r in shares.items():
        v = r.value if key == "precision" else (r.agreement if key == "simplicial_agreement" else r.accuracy)
        se = r.agreement_stderr if key == "simplicial_agreement" else r.stderr
        if v is None:
            assert key != "precision", key
            if key == "simplicial_agreement":
                assert n_classes < 2 or n_classes > d + 1
            else:
                assert part.outside_mass > 1 - 1e-3, key  # (almost) nothing labelled
            continue
        assert isinstance(v, float) and 0.0 <= v <= 1.0, key
        assert isinstance(se, float) and 0.0 <= se <= 0.5 + 1e-12, key
    for key in ("precision", "logreg_accuracy", "convex_accuracy"):
        r = shares[key]
        v = r.value if key == "precision" else r.accuracy
        if v is not None:
            lo, hi = r.ci
            assert 0.0 <= lo <= v <= hi <= 1.0, key
        else:
            assert r.note, key
    assert res.precision.value == pytest.approx(1 - part.outside_mass, abs=1e-12)
    assert res.precision.stderr == pytest.approx(math.sqrt(res.precision.value * (1 - res.precision.value) / part.n))
    assert sum(part.cell_mass) + part.outside_mass == pytest.approx(1.0, abs=1e-9)
    assert len(part.cell_mass) == len(part.cell_mass_stderr) == len(part.cell_mass_ci) == m
    for p, s, (lo, hi) in zip(part.cell_mass, part.cell_mass_stderr, part.cell_mass_ci):
        assert s == pytest.approx(math.sqrt(p * (1 - p) / part.n), rel=1e-9)
        assert 0.0 <= lo <= p <= hi <= 1.0
    if on_support:
        assert part.min_proportion <= 1 / m <= part.max_proportion
        assert part.variance_to_mean >= 0
    simp = res.simplicial
    if res.simplicial.agreement is not None:
        assert isinstance(res.is_simplicial, bool)
        assert res.is_simplicial == (
            res.simplicial.agreement >= AGREEMENT_THRESHOLD and simp.max_angle_deviation_deg <= ANGLE_THRESHOLD_DEG
        )
        k = len(simp.classes)
        assert simp.reference_angle_deg == pytest.approx(math.degrees(math.acos(-1 / (k - 1))))
        geo = res.geodesic
        assert geo.energy <= geo.straight_energy * (1 + 1e-6)
        assert len(geo.labels) == len(geo.straight_labels) == 24
    else:
        assert res.is_simplicial is None and simp.status.startswith("not applicable")
    assert res.bounds is not None
    lip = res.lipschitz
    assert res.lipschitz.estimate == max(lip.pairs, lip.gradient) > 0
    assert lip.pairs_quantile <= lip.pairs and lip.gradient_quantile <= lip.gradient
    assert res.bounds.eps_min == pytest.approx(res.bounds.d_min / res.lipschitz.estimate, rel=1e-12)
    from gaussiso import bounds

    if res.bounds.corollary_3_6 is not None:
        assert res.bounds.corollary_3_6 == pytest.approx(bounds.corollary_3_6(m, res.bounds.eps_min), rel=1e-12)
    else:
        assert "eps_min" in res.bounds.corollary_3_6_note  # outside the corollary's hypothesis
    if res.bounds.theorem_3_7 is not None:
        assert res.bounds.theorem_3_7 == pytest.approx(
            bounds.theorem_3_7(m, res.bounds.d_max / res.lipschitz.estimate, res.bounds.theorem_3_7_C), rel=1e-12
        )
    assert res.bounds.theorem_3_7_applies == (m <= d) and res.bounds.corollary_3_6_applies == (m <= d + 1)
    if m <= d + 1:
        gamma = gaussiso.eps_boundary_measure(gaussiso.simplicial_cluster(m, d), res.bounds.eps_min, method="auto")
        assert res.bounds.matched.value == pytest.approx(float(gamma.value), rel=1e-9)
        assert res.bounds.matched.precision == pytest.approx(1 - float(gamma.value), rel=1e-9)
        lemma = bounds.lemma_3_5(gaussiso.simplicial_cluster(m, d), res.bounds.eps_min, corrected=True)
        assert res.bounds.matched_half.precision == pytest.approx(float(lemma.value), rel=1e-9)
        assert res.bounds.matched_half.precision >= res.bounds.matched.precision
    jac = res.jacobian
    assert {f.name for f in dataclasses.fields(jac)} == {
        "volume_element",
        "condition_number",
        "gradient_norm",
        "spectral_norm",
    }
    assert jac.gradient_norm.q05 <= jac.gradient_norm.median <= jac.gradient_norm.q95
    assert jac.spectral_norm.q95 <= lip.gradient + 1e-9
    assert jac.spectral_norm.q95 <= jac.gradient_norm.q95 + 1e-9  # |J|_2 <= |J|_F
    assert res.latent_dim == d and res.m == m


def _check_png(path):
    with open(path, "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n", path


def test_cli_optimal_then_analyze(tmp_path):
    out = tmp_path / "gstar"
    assert (
        gan_main(
            [
                "optimal",
                "--modes",
                "3",
                "--latent-dim",
                "2",
                "--eps",
                "0.1",
                "--out",
                str(out),
                "--rotate",
                "--seed",
                "9",
                "--quiet",
            ]
        )
        == 0
    )
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["preset"] == "optimal" and cfg["m"] == 3 and cfg["eps"] == 0.1
    assert gan_main(["analyze", str(out), "--device", "cpu", "--seed", "1", "--quiet", *SMALL_CLI]) == 0
    res = _read_analysis_json(out / "analysis.json")
    _check_analysis_json(res, 3, 2)
    _check_certified_bounds(res, cfg["centers"])
    # G*_eps: the certified constant is its proven one
    G0 = gaussiso.OptimalGenerator(
        np.asarray(cfg["centers"]),
        0.1,
        latent_dim=2,
        rule=cfg["rule"],
        partition=gaussiso.VoronoiPartition(np.asarray(cfg["partition_seeds"])),
    )
    assert res.lipschitz.lipschitz_upper_bound == pytest.approx(float(G0.lipschitz_constant), rel=1e-12)
    assert res.preset == "optimal" and res.config["eps"] == 0.1
    true = np.asarray(cfg["partition_seeds"])
    true = true / np.linalg.norm(true, axis=1, keepdims=True)
    assert np.max(np.linalg.norm(np.asarray(res.simplicial.seeds) - true, axis=1)) < 0.08
    G = gaussiso.OptimalGenerator(
        np.asarray(cfg["centers"]),
        0.1,
        latent_dim=2,
        partition=gaussiso.VoronoiPartition(np.asarray(cfg["partition_seeds"])),
    )
    exact = float(G.exact_precision().value)
    assert abs(res.precision.value - exact) < 5 * res.precision.stderr
    assert res.config_optimum.precision == pytest.approx(exact, abs=1e-12)
    for name in ("modes.png", "latent_partition.png", "latent_gradient_norm.png"):
        assert name in res.figures
        _check_png(out / name)
    # bad input: a clear message and status 2
    assert (
        gan_main(
            ["optimal", "--modes", "5", "--latent-dim", "2", "--eps", "0.1", "--out", str(tmp_path / "bad"), "--quiet"]
        )
        == 2
    )
    assert gan_main(["analyze", str(out), "--n-samples", "0", "--quiet"]) == 2


def test_short_trained_mixture_run_end_to_end(tmp_path):
    from gan.runs import load_run

    out = tmp_path / "mix"
    # a few steps only (the suite's time budget): the partition need not be learned yet, the
    # analysis must still be complete and consistent (probes may be null when every sample is
    # off the support)
    assert (
        gan_main(
            [
                "train",
                "--preset",
                "mixture",
                "--out",
                str(out),
                "--steps",
                "40",
                "--device",
                "cpu",
                "--set",
                "eval_every=0",
                "--set",
                "image_every=0",
                "--quiet",
            ]
        )
        == 0
    )
    assert gan_main(["analyze", str(out), "--device", "cpu", "--quiet", *SMALL_CLI]) == 0
    res = _read_analysis_json(out / "analysis.json")
    run = load_run(out, device="cpu")
    m = len(run.dataset.centers)
    _check_analysis_json(res, m, run.sampler.latent_dim)
    _check_certified_bounds(res, run.dataset.centers)
    # the MLP's certified bound is the product of its layers' exact norms
    from gan.analysis import lipschitz_upper_bound

    assert res.lipschitz.lipschitz_upper_bound == pytest.approx(lipschitz_upper_bound(run.generator).value, rel=1e-12)
    assert res.preset == "mixture" and res.step == run.step
    # the run's latent prior and data, under the keys TrainConfig writes
    assert res.config["latent"] == run.config["latent"] == "gaussian"
    assert res.config["sampler_options"] == run.config["sampler_options"]
    assert res.config["data_options"] == run.config["data_options"]
    # the precision is recomputable from the same latents (Gaussian prior: seed 0 of the analysis)
    z = torch.randn(20_000, run.sampler.latent_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        x = run.generator(z).numpy()
    d = np.linalg.norm(x[:, None, :] - np.asarray(run.dataset.centers)[None], axis=-1)
    assert res.precision.value == pytest.approx(float(np.mean(d.min(axis=1) <= run.dataset.support_radius)), abs=1e-4)
    try:
        from gan.metrics import mode_metrics
    except ImportError:
        mode_metrics = None
    if mode_metrics is not None:
        assert res.precision.value == pytest.approx(
            float(mode_metrics(x, run.dataset.centers, run.dataset.support_radius)["precision"]), abs=1e-4
        )
    for name in res.figures:
        _check_png(out / name)
    assert "modes.png" in res.figures


# ------------------------------------------------------------------------------- figures
def test_figures_return_axes_and_save(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gan.analysis import figures as F
    from gan.analysis import latent_grid

    rng = np.random.default_rng(0)
    z3 = rng.standard_normal((300, 3))
    lab3 = gaussiso.simplicial_cluster(4, 3).label(z3)
    lab3[::10] = -1
    ax = F.plot_latent_sphere(z3, lab3)
    ax.figure.savefig(tmp_path / "sphere.png")
    pts, xs = latent_grid(3.0, 40)
    # Figure 3-like: a 2-D latent partitioned into m = 5 > 3 angular sectors
    sectors = (np.floor((np.arctan2(pts[:, 1], pts[:, 0]) + np.pi) / (2 * np.pi / 5)) % 5).astype(int)
    fig, axes = plt.subplots(1, 2)
    assert F.plot_latent_partition(sectors, xs, m=5, ax=axes[0]) is axes[0]
    assert (
        F.plot_latent_partition(
            sectors, xs, m=5, background=np.hypot(pts[:, 0], pts[:, 1]), ax=axes[1], log_background=True
        )
        is axes[1]
    )
    fig.savefig(tmp_path / "partition.png")
    ax = F.plot_modes_voronoi(
        rng.standard_normal((4, 5)), samples=rng.standard_normal((50, 5)), sample_labels=rng.integers(-1, 4, 50)
    )
    ax.figure.savefig(tmp_path / "modes.png")
    # the cells are gaussiso.plotting's exact polygons: for 3 equidistant modes of the plane,
    # three 120-degree sectors about the centroid, which tile the view square
    X = gaussiso.modes.equidistant_centers(3, 2, distance=2.0) + np.array([5.0, -1.0])
    ax = F.plot_modes_voronoi(X)
    cells = [p for p in ax.patches if str(p.get_gid()).startswith("cell-")]
    assert len(cells) == 3
    lo, hi = ax.get_xlim()
    area = sum(
        0.5 * abs(np.dot(v[:-1, 0], v[1:, 1]) - np.dot(v[1:, 0], v[:-1, 1]))
        for v in (np.asarray(c.get_xy()) for c in cells)
    )
    assert area == pytest.approx((hi - lo) ** 2, rel=1e-9)
    assert len(F.plot_modes_voronoi(np.zeros((1, 2))).patches) == 0  # one mode: no diagram
    ax = F.plot_precision_vs_dim(
        [2, 4, 8, 16],
        [[0.5, 0.7, 0.8, 0.8], [0.4, 0.6, 0.7, 0.7]],
        stderr=np.full((2, 4), 0.01),
        label=["m=10", "m=20"],
    )
    assert len(ax.get_legend().get_texts()) == 2
    ax = F.plot_truncation_curve([0.1, 0.2, 0.3], [0.9, 1.0, 1.1], [0.8, 0.7, 0.6])
    ax.figure.savefig(tmp_path / "trunc.png")
    for name in ("sphere.png", "partition.png", "modes.png", "trunc.png"):
        _check_png(tmp_path / name)
    plt.close("all")
    with pytest.raises(ValueError, match="columns"):
        F.plot_precision_vs_dim([2, 4], [0.1, 0.2, 0.3])


def test_analysis_package_does_not_import_matplotlib():
    # static check (a subprocess would pay the torch import again): no module of gan.analysis
    # other than figures.py imports matplotlib at module level
    import ast
    import pathlib

    import gan.analysis

    folder = pathlib.Path(gan.analysis.__file__).parent
    for path in folder.glob("*.py"):
        if path.name == "figures.py":
            continue
        for node in ast.parse(path.read_text()).body:
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "matplotlib" or n.endswith("figures") for n in names), path


# ---------------------------------------------------------------------------------- CUDA
@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_analysis_on_cuda_matches_cpu():
    from gan.analysis import geodesic, jacobian_geometry

    G = _optimal()
    kw = dict(latent_dim=2, centers=G.centers, support_radius=_support_radius(G.centers), seed=3, **SMALL)
    cpu = analyze_generator(_module(G), device="cpu", **kw)
    gpu = analyze_generator(_module(G), device="cuda", **kw)
    assert gpu.device.startswith("cuda")
    # same latents (drawn on the CPU, then moved), float64 G*: labels agree but for rounding
    # exactly on a cell edge
    assert abs(gpu.precision.value - cpu.precision.value) <= 1e-3
    assert gpu.logreg.accuracy > 0.98 and gpu.convex.accuracy > 0.98 and gpu.is_simplicial
    assert gpu.lipschitz.gradient == pytest.approx(cpu.lipschitz.gradient, rel=1e-4)
    net = torch.nn.Sequential(torch.nn.Linear(3, 32), torch.nn.Tanh(), torch.nn.Linear(32, 5)).double()
    z = torch.randn(64, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    a = jacobian_geometry(net, z)
    b = jacobian_geometry(net.cuda(), z.cuda())
    np.testing.assert_allclose(a["volume_element"], b["volume_element"], rtol=1e-9)
    res = geodesic(net, np.zeros(3), np.ones(3), n_nodes=12)
    assert res.energy <= res.straight_energy * (1 + 1e-9)
