"""Tests of gan.optimal: the torch twin of gaussiso.OptimalGenerator and its run directories."""

import json

import numpy as np
import pytest
import torch

import gaussiso
from gan.optimal import OptimalGeneratorModule, load_run_dir
from gaussiso.modes import equidistant_centers, random_centers


def _latents(part, eps, n, seed):
    """Random latents plus points on bisectors, on the eps-boundary edge and near the apex."""
    g = np.random.default_rng(seed)
    d, S = part.d, part.seeds
    z = [g.standard_normal((n, d)), 0.05 * eps * g.standard_normal((n, d))]
    # Exactly on the bisector of seeds 0 and 1 (ties), and at distance exactly eps from it.
    w = g.standard_normal((n, d))
    nrm = (S[0] - S[1]) / np.linalg.norm(S[0] - S[1])
    mid = (S[0] + S[1]) / 2
    on = w - ((w - mid) @ nrm)[:, None] * nrm
    z += [on, on + eps * nrm, on - eps * nrm]
    z.append(S.mean(0)[None, :])
    return np.concatenate(z)


@pytest.mark.parametrize("rule", ["eq8", "projection"])
@pytest.mark.parametrize("m,d,D,radii", [(3, 2, 2, None), (5, 6, 3, 0.1), (8, 9, 8, [0.1] * 8)])
def test_twin_agrees_with_numpy(m, d, D, radii, rule):
    eps = 0.4
    part = gaussiso.simplicial_cluster(m, d, rng=2)
    G = gaussiso.OptimalGenerator(
        random_centers(m, D, rng=m), eps, latent_dim=d, partition=part, radii=radii, rule=rule
    )
    net = OptimalGeneratorModule.from_numpy(G)
    z = _latents(part, eps, 600, seed=m)
    ref = G(z)
    out = net(torch.from_numpy(z))
    assert out.dtype == torch.float32 and out.shape == (len(z), D)
    np.testing.assert_allclose(out.numpy(), ref, atol=1e-6, rtol=0)
    net64 = OptimalGeneratorModule.from_numpy(G, out_dtype=torch.float64)
    np.testing.assert_allclose(net64(torch.from_numpy(z)).numpy(), ref, atol=1e-12, rtol=0)
    np.testing.assert_allclose(net64.weights(torch.from_numpy(z)).numpy(), G.weights(z), atol=1e-12, rtol=0)
    # float32 input is accepted too.
    np.testing.assert_allclose(net(torch.from_numpy(z).float()).numpy(), G(z.astype(np.float32)), atol=1e-6)


def test_save_load_round_trip(tmp_path):
    part = gaussiso.simplicial_cluster(4, 5, rng=1)
    G = gaussiso.OptimalGenerator(
        equidistant_centers(4, 3, distance=2.0),
        0.3,
        latent_dim=5,
        partition=part,
        radii=[0.1, 0.2, 0.1, 0.3],
        rule="projection",
    )
    net = OptimalGeneratorModule.from_numpy(G)
    run = net.save_run(tmp_path / "run")
    cfg = json.loads((run / "config.json").read_text())
    for key in ("preset", "m", "latent_dim", "eps", "centers", "partition_seeds", "radii", "rule"):
        assert key in cfg
    assert cfg["preset"] == "optimal" and cfg["m"] == 4 and cfg["latent_dim"] == 5
    assert sorted(p.name for p in run.iterdir()) == ["config.json"]  # no weights file
    back = load_run_dir(run, device="cpu")
    z = torch.from_numpy(_latents(part, 0.3, 500, seed=0))
    assert torch.equal(back(z), net(z))
    assert back.lipschitz_constant == G.lipschitz_constant and back.rule == "projection"


def test_load_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_run_dir(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"preset": "wgan"}))
    with pytest.raises(ValueError, match="preset"):
        load_run_dir(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"preset": "optimal", "eps": 0.1}))
    with pytest.raises(ValueError, match="lacks"):
        load_run_dir(tmp_path)


def test_bad_input():
    G = gaussiso.OptimalGenerator(equidistant_centers(3, 2), 0.5, latent_dim=2)
    net = OptimalGeneratorModule.from_numpy(G)
    with pytest.raises(ValueError, match="shape"):
        net(torch.zeros(3, 4))
    with pytest.raises(TypeError, match="OptimalGenerator"):
        OptimalGeneratorModule.from_numpy("G")
    with pytest.raises(ValueError, match="eps"):
        OptimalGeneratorModule(G.partition.seeds, G.centers, -1.0)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu(tmp_path):
    part = gaussiso.simplicial_cluster(6, 8, rng=3)
    G = gaussiso.OptimalGenerator(random_centers(6, 4, rng=1), 0.3, latent_dim=8, partition=part)
    OptimalGeneratorModule.from_numpy(G).save_run(tmp_path)
    gpu = load_run_dir(tmp_path, device="cuda")
    z = _latents(part, 0.3, 2000, seed=1)
    np.testing.assert_allclose(gpu(torch.from_numpy(z).cuda()).cpu().numpy(), G(z), atol=1e-6)


@pytest.mark.parametrize("rule", ["eq8", "projection"])
@pytest.mark.parametrize("m,d,radii", [(3, 2, None), (4, 5, 0.2)])
def test_gradients_are_finite_on_ties_and_match_finite_differences(m, d, radii, rule):
    eps = 0.4
    part = gaussiso.simplicial_cluster(m, d)
    G = gaussiso.OptimalGenerator(
        random_centers(m, 3, rng=1), eps, latent_dim=d, partition=part, radii=radii, rule=rule
    )
    net = OptimalGeneratorModule.from_numpy(G, out_dtype=torch.float64)
    z = torch.from_numpy(_latents(part, eps, 50, seed=3))  # includes exact ties and the apex
    z.requires_grad_(True)
    out = net(z)  # row-wise map: the gradient of a column sum is that column's Jacobian row
    J = torch.stack(
        [torch.autograd.grad(out[:, k].sum(), z, retain_graph=True)[0] for k in range(out.shape[1])], dim=1
    ).detach()
    z = z.detach()
    assert torch.isfinite(J).all()
    # Spectral norms never exceed the proven Lipschitz constant.
    assert float(torch.linalg.matrix_norm(J, ord=2).max()) <= net.lipschitz_constant * (1 + 1e-9)
    # Off the ties (random latents) autograd agrees with central differences.
    zr = z[:50]
    h = 1e-6
    for k in range(d):
        e = torch.zeros(d, dtype=torch.float64)
        e[k] = h
        fd = (net(zr + e) - net(zr - e)) / (2 * h)
        np.testing.assert_allclose(J[:50, :, k].numpy(), fd.numpy(), atol=1e-5)


# ----------------------------------------------------------------------------------------
# issue 11: huge centers and non-finite latents


def test_module_refuses_centers_its_output_dtype_cannot_hold():
    c = equidistant_centers(3, 2) * 1e300
    g = gaussiso.OptimalGenerator(c, 0.5, latent_dim=2)
    with pytest.raises(ValueError, match="do not fit out_dtype torch.float32"):
        OptimalGeneratorModule.from_numpy(g)
    # in float64 the module computes what the numpy twin computes, finite
    net = OptimalGeneratorModule.from_numpy(g, out_dtype=torch.float64)
    z = np.random.default_rng(0).normal(size=(500, 2))
    out = net(torch.from_numpy(z)).numpy()
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out / 1e300, g(z) / 1e300, atol=1e-12)
    with pytest.raises(TypeError, match="out_dtype must be a torch floating dtype"):
        OptimalGeneratorModule.from_numpy(g, out_dtype=torch.int64)


def test_module_refuses_non_finite_latents():
    net = OptimalGeneratorModule.from_numpy(gaussiso.OptimalGenerator(equidistant_centers(3, 2), 0.5, latent_dim=2))
    with pytest.raises(ValueError, match="z must be finite"):
        net(torch.tensor([[float("nan"), 0.0]]))
    with pytest.raises(TypeError, match="z must be a torch.Tensor"):
        net(np.zeros((1, 2)))


def test_load_run_dir_names_a_corrupted_config(tmp_path):
    (tmp_path / "config.json").write_bytes(b"\x00\xffgarbage")
    with pytest.raises(ValueError, match="config.json is not a valid JSON"):
        load_run_dir(tmp_path)
    (tmp_path / "config.json").write_text(
        '{"preset": "optimal", "eps": "x", "centers": [[0, 0]], "partition_seeds": [[1, 0]]}'
    )
    with pytest.raises(ValueError, match="config.json: invalid optimal-generator configuration"):
        load_run_dir(tmp_path)
