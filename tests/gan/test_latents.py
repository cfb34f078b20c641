"""Tests of gan.latents: the latent samplers, their acceptance rates and post-hoc truncations.

Monte Carlo checks use fixed seeds and 5-sigma tolerances from the reported standard errors.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import scipy.stats as st
import torch

from gan.latents import (
    SAMPLERS,
    LatentBatch,
    LatentSampler,
    bourgain_embedding,
    calibrate_tau,
    jacobian_log_volume,
    jacobian_score,
    jacobian_truncation,
    make_sampler,
    polarity_sampling,
    simplicial_acceptance_rate,
)

# name -> (latent_dim, options); small settings so every sampler draws quickly.
CONFIGS = {
    "gaussian": (6, {}),
    "simplicial": (6, {"n_clusters": 4, "tau": 0.5}),
    "simplicial_softmax": (8, {"n_clusters": 5, "tau": 0.3, "rule": "softmax", "centers": "orthogonal"}),
    "linear": (6, {"n_clusters": 3, "tau": 0.4}),
    "gmm": (6, {"n_clusters": 3}),
    "deligan": (6, {"n_clusters": 3}),
    "clustergan": (5, {"n_clusters": 3, "data_shape": (4,)}),
    "bourgan": (None, {}),
}


def build(key, seed=0):
    dim, opts = CONFIGS[key]
    name = "simplicial" if key.startswith("simplicial") else key
    s = make_sampler(name, dim, seed=seed, **opts)
    if s.needs_data:
        s.fit(torch.as_tensor(np.random.default_rng(1).standard_normal((40, 3))))
    return s


def test_registry_lists_every_sampler():
    assert set(SAMPLERS) >= {"gaussian", "simplicial", "linear", "gmm", "deligan", "clustergan", "bourgan"}
    for name, cls in SAMPLERS.items():
        assert issubclass(cls, LatentSampler) and cls.name == name


@pytest.mark.parametrize("key", sorted(CONFIGS))
def test_shapes_dtypes_reproducibility_and_resume(key):
    s = build(key)
    b = s.sample(7)
    assert isinstance(b, LatentBatch)
    assert b.z.shape == (7, s.latent_dim) and b.z.dtype == torch.float32
    if s.n_clusters is None:
        assert b.cluster is None
    else:
        assert b.cluster.shape == (7,) and b.cluster.dtype == torch.int64
        assert 0 <= int(b.cluster.min()) and int(b.cluster.max()) < s.n_clusters
    # same seed -> identical draws, different seed -> different draws
    assert torch.equal(build(key).sample(7).z, b.z)
    assert not torch.equal(build(key, seed=1).sample(7).z, b.z)
    # saving and restoring the generator state continues identically
    state = s.get_rng_state()
    first = s.sample(5)
    s.set_rng_state(state)
    again = s.sample(5)
    assert torch.equal(first.z, again.z)
    assert (first.cluster is None) or torch.equal(first.cluster, again.cluster)
    assert torch.isfinite(b.z).all()


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="unknown latent sampler 'nope'.*gaussian"):
        make_sampler("nope", 4)
    with pytest.raises(TypeError, match="bogus"):
        make_sampler("gaussian", 4, bogus=1)
    with pytest.raises(ValueError, match="n must be >= 1"):
        make_sampler("gaussian", 4).sample(0)
    with pytest.raises(TypeError, match="n must be an integer"):
        make_sampler("gaussian", 4).sample(2.5)
    with pytest.raises(ValueError, match=r"tau must be in \[0, 1\)"):
        make_sampler("simplicial", 8, rule="softmax", tau=1.2)
    with pytest.raises(ValueError, match=r"tau must be in \[0, 1\)"):
        make_sampler("linear", 8, tau=-0.1)
    with pytest.raises(ValueError, match="n_clusters = 10 simplex centers need latent_dim >= n_clusters - 1 = 9"):
        make_sampler("simplicial", 8, n_clusters=10)
    with pytest.raises(ValueError, match="orthogonal centers need latent_dim >= n_clusters"):
        make_sampler("simplicial", 8, n_clusters=9, centers="orthogonal")
    with pytest.raises(ValueError, match="rule must be one of"):
        make_sampler("simplicial", 8, rule="max")
    with pytest.raises(ValueError, match="latent_dim must be >= 1"):
        make_sampler("gaussian", 0)
    with pytest.raises(ValueError, match="clustergan needs data_shape"):
        make_sampler("clustergan", 4)
    with pytest.raises(ValueError, match="weights must be 3"):
        make_sampler("gmm", 2, n_clusters=3, weights=[1, 2])
    with pytest.raises(RuntimeError, match="fit"):
        make_sampler("bourgan", None).sample(3)
    with pytest.raises(ValueError, match="target_rate"):
        calibrate_tau(1.5, 10, 64)


def test_hopeless_threshold_raises_instead_of_looping():
    s = make_sampler("simplicial", 4, n_clusters=3, tau=8.0, max_draws=20_000)
    with pytest.raises(RuntimeError, match="acceptance rate about"):
        s.sample(4)


# --- acceptance rates ----------------------------------------------------------------------


@pytest.mark.parametrize("tau", [-0.5, 0.3, 1.7])
def test_orthogonal_max_dot_rate_is_one_minus_phi_power_n(tau):
    exact = simplicial_acceptance_rate(tau, 7, 12, centers="orthogonal")
    assert exact.method == "exact"
    assert exact.value == pytest.approx(1 - st.norm.cdf(tau) ** 7, rel=1e-12)
    mc = simplicial_acceptance_rate(tau, 7, 12, centers="orthogonal", method="mc", n_samples=100_000, seed=3)
    assert abs(mc.value - exact.value) < 5 * mc.stderr + 1e-12


def test_simplex_max_dot_quadrature_matches_closed_form_and_monte_carlo():
    # n = 2: the centers are u and -u, so the max is |z.u| and the rate is 2(1 - Phi(tau)).
    r2 = simplicial_acceptance_rate(0.8, 2, 5)
    assert r2.value == pytest.approx(2 * st.norm.sf(0.8), rel=1e-12)
    for n, tau in [(3, 0.6), (10, 1.0), (10, 1.6)]:
        q = simplicial_acceptance_rate(tau, n, 16)
        assert q.method == "quadrature" and q.stderr < 1e-8
        mc = simplicial_acceptance_rate(tau, n, 16, method="mc", n_samples=200_000, seed=n)
        assert abs(mc.value - q.value) < 5 * mc.stderr, (n, tau, q, mc)
    # non-positive thresholds accept everything (the dot products sum to zero)
    assert simplicial_acceptance_rate(0.0, 5, 8).value == 1.0


def test_sampler_scores_follow_the_exact_rate():
    # The sampler's own (randomly rotated) centers give the rotation-invariant exact rate.
    s = make_sampler("simplicial", 12, n_clusters=6, tau=0.9, seed=4)
    z = torch.randn(100_000, 12, generator=torch.Generator().manual_seed(0))
    p = float((s.scores(z) > 0.9).double().mean())
    exact = s.acceptance_rate().value
    assert abs(p - exact) < 5 * math.sqrt(exact * (1 - exact) / z.shape[0])
    b = s.sample(2000)
    assert bool((s.scores(b.z) > 0.9).all())
    assert torch.equal(b.cluster, (b.z @ s.centers.T).argmax(1))
    # the cells have equal Gaussian measure and the truncation is symmetric: uniform clusters
    counts = torch.bincount(b.cluster, minlength=6).double()
    sd = math.sqrt(2000 * (1 / 6) * (5 / 6))
    assert ((counts - 2000 / 6).abs() < 5 * sd).all()


def test_simplicial_state_dict_with_the_old_buffer_name_loads():
    # checkpoints written before the rename centres -> centers still load, to the same centers
    s = make_sampler("simplicial", 6, n_clusters=4, seed=1)
    old = {("centres" if k == "centers" else k): v for k, v in s.state_dict().items()}
    assert "centres" in old
    t = make_sampler("simplicial", 6, n_clusters=4, seed=2)
    t.load_state_dict(old)
    assert torch.equal(t.centers, s.centers)


def test_released_cifar_softmax_setting_accepts_almost_everything():
    # n = 10, d = 64, tau = 0.135 (softmax of scaled cosines, axis centers): about 99.99 %.
    r = simplicial_acceptance_rate(0.135, 10, 64, rule="softmax", centers="orthogonal", n_samples=200_000, seed=0)
    assert r.method == "mc" and r.value - 5 * r.stderr > 0.999
    # the torch scoring of the sampler agrees with the numpy Monte Carlo
    s = make_sampler("simplicial", 64, n_clusters=10, tau=0.135, rule="softmax", centers="orthogonal")
    z = torch.randn(50_000, 64, generator=torch.Generator().manual_seed(1))
    p = float((s.scores(z) > 0.135).double().mean())
    assert abs(p - r.value) < 5 * math.hypot(r.stderr, math.sqrt(p * (1 - p) / 50_000) + 1e-5)


def test_softmax_rule_torch_and_numpy_agree_at_a_selective_threshold():
    r = simplicial_acceptance_rate(0.4, 5, 8, rule="softmax", centers="simplex", n_samples=100_000, seed=2)
    s = make_sampler("simplicial", 8, n_clusters=5, tau=0.4, rule="softmax", seed=9)
    z = torch.randn(100_000, 8, generator=torch.Generator().manual_seed(5))
    p = float((s.scores(z) > 0.4).double().mean())
    assert abs(p - r.value) < 5 * math.hypot(r.stderr, math.sqrt(p * (1 - p) / 100_000))


@pytest.mark.parametrize("centers,n", [("simplex", 10), ("simplex", 2), ("orthogonal", 10)])
def test_calibrate_tau_exact(centers, n):
    tau = calibrate_tau(0.3, n, 16, centers=centers)
    assert simplicial_acceptance_rate(tau, n, 16, centers=centers).value == pytest.approx(0.3, abs=1e-8)


def test_calibrate_tau_monte_carlo_softmax():
    tau = calibrate_tau(0.25, 10, 16, rule="softmax", n_samples=100_000, seed=0)
    check = simplicial_acceptance_rate(tau, 10, 16, rule="softmax", n_samples=100_000, seed=1)
    # two independent Monte Carlo errors (calibration and check)
    assert abs(check.value - 0.25) < 5 * math.sqrt(2) * check.stderr


# --- mixtures and cluster frequencies --------------------------------------------------------


def _within_5_sigma(counts, probs):
    counts = np.asarray(counts, dtype=float)
    n = counts.sum()
    sd = np.sqrt(n * probs * (1 - probs))
    return np.all(np.abs(counts - n * probs) < 5 * sd)


def test_gmm_weights_and_components():
    w = np.array([0.5, 0.3, 0.2])
    s = make_sampler("gmm", 2, n_clusters=3, weights=w, means=[[0, 0], [3, 0], [0, 3]], scales=[0.5, 1.0, 2.0], seed=2)
    b = s.sample(20_000)
    assert _within_5_sigma(torch.bincount(b.cluster, minlength=3).numpy(), w)
    eps = (b.z - s.means[b.cluster]) / s.scales[b.cluster]
    m = eps.shape[0]
    assert (eps.mean(0).abs() < 5 / math.sqrt(m)).all()
    assert ((eps.var(0) - 1).abs() < 5 * math.sqrt(2 / m)).all()


def test_deligan_clusters_and_gradients():
    s = make_sampler("deligan", 4, n_clusters=5, sigma_init=0.2, sigma_weight=0.5)
    b = s.sample(10_000)
    assert _within_5_sigma(torch.bincount(b.cluster, minlength=5).numpy(), np.full(5, 0.2))
    assert ((s.mu >= -1) & (s.mu <= 1)).all() and torch.all(s.sigma == 0.2)
    loss = s.generator_loss(b, None, None)
    assert float(loss.detach()) == pytest.approx(0.5 * 5 * 4 * 0.8**2, rel=1e-6)
    (loss + b.z.square().sum()).backward()
    assert s.mu.grad is not None and s.mu.grad.abs().sum() > 0
    assert s.sigma.grad is not None and s.sigma.grad.abs().sum() > 0
    assert {n for n, _ in s.named_parameters()} == {"mu", "sigma"}


@pytest.mark.parametrize("data_shape,kind", [((6,), "mlp"), ((1, 16, 16), "cnn")])
def test_clustergan_prior_and_encoder_loss(data_shape, kind):
    s = make_sampler("clustergan", 3, n_clusters=4, data_shape=data_shape, sigma_n=0.1, seed=1)
    assert s.latent_dim == 7 and s.encoder.kind == kind
    b = s.sample(8000)
    assert torch.equal(b.z[:, 3:], torch.nn.functional.one_hot(b.cluster, 4).float())
    assert _within_5_sigma(torch.bincount(b.cluster, minlength=4).numpy(), np.full(4, 0.25))
    # the continuous part has standard deviation sigma_n
    v = b.z[:, :3].var(0) / 0.1**2
    assert ((v - 1).abs() < 5 * math.sqrt(2 / 8000)).all()
    G = torch.nn.Sequential(torch.nn.Linear(7, math.prod(data_shape)), torch.nn.Unflatten(1, data_shape))
    small = s.sample(16)
    loss = s.generator_loss(small, G(small.z), G)
    assert loss.ndim == 0 and float(loss.detach()) > 0
    loss.backward()
    assert all(p.grad is not None for p in s.encoder.parameters())
    assert G[0].weight.grad is not None
    # beta weights scale the two terms
    zn_hat, logits = s.encode(G(small.z))
    expect = 10 * torch.nn.functional.mse_loss(zn_hat, small.z[:, :3]) + 10 * torch.nn.functional.cross_entropy(
        logits, small.cluster
    )
    assert float(loss.detach()) == pytest.approx(float(expect.detach()), rel=1e-5)


# --- bourgan ------------------------------------------------------------------------------


def test_bourgan_dimension_and_distortion():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((100, 5)) * np.array([1, 1, 1, 5, 5])
    s = make_sampler("bourgan", None, seed=3).fit(torch.as_tensor(x))
    assert s.needs_data and s.latent_dim == 5 * math.ceil(math.log2(100)) == 35 and s.n_clusters == 100
    emb = s.embedding.double().numpy()
    pts = x[s.data_index.numpy()]
    iu = np.triu_indices(100, 1)
    d = np.linalg.norm(pts[iu[0]] - pts[iu[1]], axis=1)
    e = np.linalg.norm(emb[iu[0]] - emb[iu[1]], axis=1)
    assert np.all(e <= d * (1 + 1e-5))  # 1-Lipschitz coordinates / sqrt(k): never expands
    assert np.max(d / e) <= 2 * math.ceil(math.log2(100))  # Bourgain: O(log n) contraction
    assert s.beta == pytest.approx(d.mean() / e.mean(), rel=1e-5)
    # a subsample when the data set is larger than n_points
    s2 = make_sampler("bourgan", None, n_points=40).fit(torch.as_tensor(x))
    assert s2.latent_dim == 5 * 6 and s2.embedding.shape == (40, 30)
    # samples are embedded points plus N(0, 0.01^2 I) noise
    b = s.sample(500)
    noise = b.z - s.embedding[b.cluster]
    assert abs(float(noise.std()) - 0.01) < 5 * 0.01 / math.sqrt(2 * noise.numel())


def test_bourgain_embedding_on_a_line_is_non_expansive():
    pts = np.arange(16.0)
    dist = np.abs(pts[:, None] - pts[None])
    emb = bourgain_embedding(dist, 20, rng=np.random.default_rng(0))
    ed = np.linalg.norm(emb[:, None] - emb[None], axis=2)
    assert np.all(ed <= dist + 1e-12) and np.all(ed[~np.eye(16, dtype=bool)] > 0)


def test_bourgan_loss_vanishes_for_the_matching_scale():
    s = make_sampler("bourgan", None, seed=0).fit(torch.randn(64, 3, generator=torch.Generator().manual_seed(0)))
    b = s.sample(64)
    assert float(s.generator_loss(b, s.beta * b.z, None)) == pytest.approx(0.0, abs=1e-8)
    lz = s.generator_loss(b, 2 * s.beta * b.z, None)
    assert float(lz) == pytest.approx(0.1 * math.log(2) ** 2, rel=1e-4)
    # state_dict round trip into a fresh sampler
    t = make_sampler("bourgan", None, seed=0)
    t.load_state_dict(s.state_dict())
    assert t.latent_dim == s.latent_dim and torch.equal(t.embedding, s.embedding)


# --- post-hoc truncations --------------------------------------------------------------------


class _TwoGains(torch.nn.Module):
    """G(z) = gain(z) * z with gain 1 where z_0 < 0 and 3 where z_0 > 0 (J = gain * I)."""

    def forward(self, z):
        return z * (1 + 2 * (z[:, :1] > 0).to(z.dtype))


def test_jacobian_score_estimates_the_frobenius_norm():
    A = torch.randn(5, 3, generator=torch.Generator().manual_seed(0))
    G = torch.nn.Linear(3, 5, bias=True)
    with torch.no_grad():
        G.weight.copy_(A)
    z = torch.randn(2000, 3, generator=torch.Generator().manual_seed(1))
    sc = jacobian_score(G, z, n_perturb=10, seed=0)
    M = (A.T @ A).double()
    fro2 = float(torch.trace(M))
    # each score is a mean of 10 draws of v^T M v, variance 2 tr(M^2) / 10
    se = math.sqrt(2 * float(torch.trace(M @ M)) / 10 / 2000)
    assert abs(float(sc.double().mean()) - fro2) < 5 * se
    assert torch.equal(sc, jacobian_score(G, z, n_perturb=10, seed=0))


def test_jbt_keeps_exactly_the_lowest_scores():
    G = _TwoGains()
    out = jacobian_truncation(G, make_sampler("gaussian", 4, seed=5), 60, keep=0.3, seed=2)
    cand = make_sampler("gaussian", 4, seed=5).sample(200).z
    sc = jacobian_score(G, cand, seed=2)
    idx = torch.sort(torch.argsort(sc, stable=True)[:60]).values
    assert torch.equal(out.z, cand[idx])
    assert sc[idx].max() <= sc[~torch.isin(torch.arange(200), idx)].min()
    assert bool((out.z[:, 0] < 0).all())  # the gain-1 half scores 9x lower
    with pytest.raises(ValueError, match="keep must be"):
        jacobian_truncation(G, make_sampler("gaussian", 4), 5, keep=0.0)


def test_jacobian_log_volume_of_a_linear_map():
    A = torch.randn(6, 4, generator=torch.Generator().manual_seed(2))
    G = torch.nn.Linear(4, 6)
    with torch.no_grad():
        G.weight.copy_(A)
    z = torch.randn(3, 4)
    sv = torch.linalg.svdvals(A.double())
    assert torch.allclose(jacobian_log_volume(G, z), torch.log(sv).sum().expand(3), atol=1e-5)
    assert torch.allclose(jacobian_log_volume(G, z, top_k=2), torch.log(sv[:2]).sum().expand(3), atol=1e-5)


@pytest.mark.parametrize("rho", [0.0, 0.5])
def test_polarity_sampling_weights(rho):
    # d = 2: log volume = 2 log gain, weight = gain^(2 rho): 1 on z_0 < 0, 9^rho on z_0 > 0.
    G = _TwoGains()
    n, m = 4000, 2000
    out = polarity_sampling(G, make_sampler("gaussian", 2, seed=7), n, rho, n_candidates=m, seed=1)
    cand = make_sampler("gaussian", 2, seed=7).sample(m).z
    pos = (cand[:, 0] > 0).double()
    w = torch.where(pos > 0, 9.0**rho, 1.0)
    p = float((w * pos).sum() / w.sum())
    share = float((out.z[:, 0] > 0).double().mean())
    assert abs(share - p) < 5 * math.sqrt(p * (1 - p) / n)
    assert torch.isin(out.z[:, 0], cand[:, 0]).all()


def test_polarity_sampling_warns_when_one_candidate_takes_the_weight():
    # an expanding map z -> exp(3 z_0) z: log volume 6 z_0 + log|1 + 3 z_0|, spread over tens
    # of nats; with rho = -2 a handful of candidates take all the weight
    class Expand(torch.nn.Module):
        def forward(self, z):
            return torch.exp(3.0 * z[:, :1]) * z

    with pytest.warns(RuntimeWarning, match=r"effective sample size .* of 400 candidates for 200 latents"):
        out = polarity_sampling(Expand(), make_sampler("gaussian", 2, seed=3), 200, -2.0, n_candidates=400)
    assert len(torch.unique(out.z[:, 0])) < 25  # 200 draws from an effective size below 10
    with warnings.catch_warnings():  # balanced weights: no warning
        warnings.simplefilter("error")
        polarity_sampling(_TwoGains(), make_sampler("gaussian", 2, seed=7), 200, 0.5, n_candidates=400)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("key", sorted(CONFIGS))
def test_cuda_draws_equal_cpu_draws(key):
    cpu = build(key).sample(9)
    s = build(key).to("cuda")
    gpu = s.sample(9)
    assert gpu.z.device.type == "cuda"
    assert torch.allclose(gpu.z.cpu(), cpu.z, atol=1e-6)
    # an explicit device works for a sampler left on the CPU too
    other = build(key).sample(9, device="cuda")
    assert other.z.device.type == "cuda" and torch.allclose(other.z.cpu(), cpu.z, atol=1e-6)
    if s.needs_data or key in ("clustergan", "deligan"):
        loss = s.generator_loss(
            gpu, torch.zeros(9, *(s.data_shape if key == "clustergan" else (3,)), device="cuda"), None
        )
        assert loss is None or loss.device.type == "cuda"


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_posthoc_truncations_match_cpu():
    G = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 5)).double()
    s_cpu, s_gpu = make_sampler("gaussian", 3, seed=2), make_sampler("gaussian", 3, seed=2)
    z = s_cpu.sample(50).z.double()
    lv_cpu = jacobian_log_volume(G, z)
    lv_gpu = jacobian_log_volume(G.cuda(), z.cuda())
    assert lv_gpu.device.type == "cuda" and torch.allclose(lv_gpu.cpu(), lv_cpu, atol=1e-8)
    out = jacobian_truncation(torch.nn.Linear(3, 5).cuda(), s_gpu, 10, keep=0.5)
    assert out.z.device.type == "cuda" and out.z.shape == (10, 3)


# ----------------------------------------------------------------------------------------
# issue 11: bad input to the Bourgain embedding and the post-hoc samplers


def _line_metric(n):
    x = np.arange(float(n))
    return np.abs(x[:, None] - x[None, :])


@pytest.mark.parametrize(
    "dist, match",
    [
        (np.full((3, 3), np.nan), "dist must be finite"),
        (None, "dist must be a numeric array"),
        (np.zeros((2, 3)), "dist must be a square"),
        (-_line_metric(3), "dist must hold distances >= 0"),
        (np.triu(_line_metric(3)), "dist must be a symmetric"),
    ],
)
def test_bourgain_embedding_refuses_bad_metrics(dist, match):
    with pytest.raises((TypeError, ValueError), match=match):
        bourgain_embedding(dist, 3, rng=0)


def test_bourgain_embedding_tiny_keep_probability_terminates_and_contracts():
    # with p = 1e-9 almost every subset is empty: the old rejection loop ran for ever
    d = _line_metric(6)
    f = bourgain_embedding(d, 8, p=1e-9, rng=np.random.default_rng(0))
    assert np.isfinite(f).all()
    fd = np.linalg.norm(f[:, None, :] - f[None, :, :], axis=2)
    assert np.all(fd <= d + 1e-12)  # never expands distances
    # every coordinate is the distance to a non-empty subset: some point has coordinate 0
    assert np.all((f == 0).any(axis=0))
    with pytest.raises(ValueError, match="p must be > 0"):
        bourgain_embedding(d, 3, p=0.0, rng=0)
    with pytest.raises(ValueError, match="n_coords must be >= 1"):
        bourgain_embedding(d, 0, rng=0)


def test_posthoc_samplers_refuse_bad_generators_and_latents():
    G = torch.nn.Linear(2, 3)
    with pytest.raises(TypeError, match="generator must be a torch.nn.Module"):
        jacobian_score(None, torch.zeros(2, 2))
    with pytest.raises(TypeError, match="z must be a torch.Tensor"):
        jacobian_score(G, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="z must be finite"):
        jacobian_log_volume(G, torch.full((2, 2), float("nan")))
    with pytest.raises(ValueError, match="z of shape"):
        jacobian_score(G, torch.zeros(2, 5))
    with pytest.raises(ValueError, match="delta must be a finite-difference step"):
        jacobian_score(G, torch.zeros(2, 2), delta=1e-300)
    with pytest.raises(ValueError, match="keep=1e-300 would draw"):
        jacobian_truncation(G, make_sampler("gaussian", 2), 4, keep=1e-300)
    with pytest.raises(ValueError, match="name must be one of the registered samplers"):
        make_sampler(["gaussian"], 2)
