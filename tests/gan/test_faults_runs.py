"""Faults: bad settings, bad command lines, corrupted or busy run directories (issue 11).

Every bad input must end in a clear error naming what is wrong (on the command line: one
line on stderr, exit status 2, no traceback), never in a wrong result or a lost run.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gan import _rundir as layout
from gan.cli import main
from gan.errors import CorruptRunError, ResourceError, RunLockedError
from gan.runs import load_run, read_metrics
from gan.training import build_networks, gradient_penalty, load_checkpoint, preset_config, train
from gan.training.config import run_config

TINY = dict(device="cpu", batch_size=8, hidden=8, depth=1, log_every=1, eval_every=0, image_every=0, ckpt_every=0)
ROOT = Path(__file__).resolve().parents[2]


def tiny(**changes):
    return preset_config("mixture", **{**TINY, "steps": 2, **changes})


@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    """A finished two-step run (never modified by the tests: they copy it)."""
    run_dir = tmp_path_factory.mktemp("good") / "run"
    train(tiny(), run_dir, quiet=True)
    return run_dir


def copy_run(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True)
    for p in src.iterdir():
        if p.is_file() and p.name != layout.LOCK_NAME:
            (dst / p.name).write_bytes(p.read_bytes())
    return dst


# ---------------------------------------------------------------------------------------
# 1. Settings refused when the config is built, naming the key, the value, the choices
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "changes, match",
    [
        (dict(latent="bogus"), r"latent must be one of \[.*'gaussian'.*\], got 'bogus'"),
        (dict(device="tpu"), r"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got 'tpu'"),
        (dict(device="cuda:x"), r"device must be .* got 'cuda:x'"),
        (dict(data_options={"kind": "nope"}), r"data_options.kind must be one of \[.*'ring8'.*\], got 'nope'"),
        (
            dict(data_options={"kind": "ring8", "dim": 3}),
            r"unknown data_options \['dim'\].*ring8.*valid: \['kind', 'm', 'radius', 'std'\]",
        ),
        (
            dict(sampler_options={"foo": 1}),
            r"unknown sampler_options \['foo'\] for latent 'gaussian'; valid options: \[\]",
        ),
        (dict(latent="linear", sampler_options={"tau": 0.1, "foo": 1}), r"unknown sampler_options \['foo'\].*'tau'"),
        (dict(latent_dim=None), r"latent_dim must be an integer >= 1 for latent 'gaussian', got None"),
        (dict(latent_dim=0), r"latent_dim must be an integer >= 1, got 0"),
        (dict(batch_size=10**12), r"batch_size must be <= 1048576, got 1000000000000"),
        (dict(eval_samples=10**9), r"eval_samples must be <= 1048576"),
    ],
)
def test_bad_settings_are_refused_at_config_time(changes, match):
    with pytest.raises(ValueError, match=match):
        preset_config("mixture", **changes)


def test_image_data_options_are_checked_at_config_time():
    with pytest.raises(ValueError, match=r"unknown data_options \['kind'\] for data 'mnist'"):
        preset_config("mnist", data_options={"kind": "equidistant"})


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=12))
def test_device_strings_are_refused_unless_well_formed(text):
    import re

    ok = re.fullmatch(r"auto|cpu|cuda(:[0-9]+)?", text) is not None
    if ok:
        assert preset_config("mixture", device=text).device == text
    else:
        with pytest.raises(ValueError, match="device must be"):
            preset_config("mixture", device=text)


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=12))
def test_latent_names_are_refused_unless_registered(text):
    from gan.latents import SAMPLERS

    if text in SAMPLERS:
        return
    with pytest.raises(ValueError, match=r"latent must be one of"):
        preset_config("mixture", latent=text)


def test_the_only_sampler_without_a_latent_dim_is_accepted():
    assert preset_config("mixture", latent="bourgan", latent_dim=None).latent_dim is None


@pytest.mark.parametrize("latent_dim", [0, -1, 2.5, True, None, "2"])
def test_build_networks_refuses_a_bad_latent_dim(latent_dim):
    with pytest.raises(ValueError, match="latent_dim must be an integer >= 1"):
        build_networks(tiny(), latent_dim, (2,))


@pytest.mark.parametrize("shape", [(), (0,), (2, -1), ("a",)])
def test_build_networks_refuses_a_bad_data_shape(shape):
    with pytest.raises(ValueError, match="data_shape"):
        build_networks(tiny(), 2, shape)


def test_gradient_penalty_refuses_bad_input():
    critic = torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Flatten(0))
    x = torch.randn(4, 2)
    assert gradient_penalty(critic, x).shape == ()  # the good call works
    with pytest.raises(TypeError, match="critic must be callable"):
        gradient_penalty(None, x)
    with pytest.raises(TypeError, match="x_hat must be a torch.Tensor, got ndarray"):
        gradient_penalty(critic, np.zeros((4, 2)))
    with pytest.raises(TypeError, match="x_hat must be a torch.Tensor, got list"):
        gradient_penalty(critic, [[0.0, 1.0]])
    with pytest.raises(ValueError, match="floating-point"):
        gradient_penalty(critic, torch.zeros(4, 2, dtype=torch.long))
    with pytest.raises(TypeError, match="scores must be a torch.Tensor"):
        gradient_penalty(critic, x.requires_grad_(True), scores=[1.0])
    with pytest.raises(ValueError, match=r"scores must have shape \(4,\)"):
        xr = torch.randn(4, 2, requires_grad=True)
        gradient_penalty(critic, xr, critic(xr)[:2])
    with pytest.raises(ValueError, match=r"critic\(x_hat\) must return scores of shape \(4,\)"):
        gradient_penalty(torch.nn.Linear(2, 3), torch.randn(4, 2))


# ---------------------------------------------------------------------------------------
# 2. Command line: one line on stderr, exit status 2, no traceback
# ---------------------------------------------------------------------------------------
def run_main(argv, capsys) -> tuple[int, str]:
    try:
        rc = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse
        rc = exc.code
    return rc, capsys.readouterr().err


def assert_one_line_error(rc, err, *needles):
    assert rc == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and ": error: " in lines[0], err
    for needle in needles:
        assert needle in err, (needle, err)


@pytest.fixture
def cli_world(good_run, tmp_path):
    """Paths for the bad command lines."""
    w = {"run": copy_run(good_run, tmp_path / "run"), "file": tmp_path / "a_file.txt", "empty": tmp_path / "empty"}
    w["file"].write_text("x")
    w["empty"].mkdir()
    w["bad_cfg"] = copy_run(good_run, tmp_path / "bad_cfg")
    (w["bad_cfg"] / "config.json").write_text('{"preset": "mixture", "steps": ')
    w["bad_ckpt"] = copy_run(good_run, tmp_path / "bad_ckpt")
    (w["bad_ckpt"] / "checkpoint.pt").write_bytes(os.urandom(300))
    w["out"] = tmp_path / "out"
    return w


BAD_LINES = [
    (["train", "--preset", "mixture", "--out", "{out}", "--set", "sampler_options.foo=1"], ["'foo'"]),
    (["train", "--preset", "mixture", "--out", "{out}", "--set", "latent=bogus"], ["'bogus'"]),
    (["train", "--preset", "mixture", "--out", "{out}", "--set", "device=tpu"], ["'tpu'"]),
    (["train", "--preset", "mixture", "--out", "{out}", "--set", "data_options.kind=nope"], ["'nope'"]),
    (["train", "--preset", "mixture", "--out", "{out}", "--set", "batch_size=1000000000000"], ["batch_size"]),
    (["train", "--preset", "mixture", "--out", "{out}", "--set", "latent_dim=0"], ["latent_dim"]),
    (["train", "--preset", "mixture", "--out", "{out}", "--steps", "1e12"], ["--steps", "1e12"]),
    (["train", "--preset", "mixture", "--out", "{file}"], ["a_file.txt"]),
    (["train", "--preset", "mixture", "--out", "{run}"], ["not empty"]),
    (["train", "--preset", "mixture", "--out", "{file}/sub"], ["a_file.txt"]),
    (["train", "--preset", "nope", "--out", "{out}"], ["nope"]),
    (["train"], ["--preset"]),
    (["train", "--resume", "{empty}"], ["config.json"]),
    (["train", "--resume", "{file}"], ["config.json"]),
    (["train", "--resume", "{bad_cfg}"], ["bad_cfg/config.json", "corrupted"]),
    (["train", "--resume", "{bad_ckpt}"], ["bad_ckpt/checkpoint.pt", "corrupted"]),
    (["train", "--resume", "{run}", "--set", "lr_g=0.5"], ["different settings"]),
    (["sample", "{run}", "--out", "{out}/x.npy", "--checkpoint", "abc"], ["--checkpoint", "'abc'"]),
    (["sample", "{run}", "--out", "{out}/x.npy", "--checkpoint", "7"], ["checkpoint_0000007.pt"]),
    (["sample", "{run}", "--out", "{out}/x.npy", "--n", "1e12"], ["--n", "1e12"]),
    (["sample", "{run}", "--out", "{out}/x.npy", "--n", "1000000000000"], ["--n 1000000000000", "GiB"]),
    (["sample", "{run}", "--out", "{out}/x.txt"], [".npy or .png"]),
    (["sample", "{run}", "--out", "{file}/x.npy"], ["a_file.txt"]),
    (["sample", "{empty}", "--out", "{out}/x.npy"], ["config.json"]),
    (["sample", "{bad_cfg}", "--out", "{out}/x.npy"], ["bad_cfg/config.json"]),
    (["sample", "{bad_ckpt}", "--out", "{out}/x.npy"], ["bad_ckpt/checkpoint.pt"]),
    (["sample", "{run}", "--out", "{out}/x.npy", "--device", "tpu"], ["'tpu'"]),
    (["analyze", "{empty}"], ["config.json"]),
    (["analyze", "{file}"], ["config.json"]),
    (["analyze", "{out}"], ["config.json"]),
    (["analyze", "{bad_cfg}"], ["bad_cfg/config.json"]),
    (["analyze", "{run}", "--n-samples", "1e12"], ["--n-samples"]),
    (["analyze", "{run}", "--n-samples", "1000000000000"], ["--n-samples 1000000000000", "GiB"]),
    (["analyze", "{run}", "--grid-resolution", "10000000"], ["--grid-resolution", "GiB"]),
    (["optimal", "-m", "3", "--latent-dim", "2", "--eps", "0.1", "--out", "{file}"], ["a_file.txt"]),
    (["optimal", "-m", "3", "--latent-dim", "2", "--eps", "0.1", "--out", "{run}"], ["not an optimal run"]),
    (["optimal", "-m", "1000000000000", "--latent-dim", "1000000000000", "--eps", "0.1", "--out", "{out}"], ["GiB"]),
    (["optimal", "-m", "3", "--latent-dim", "2", "--eps", "-1", "--out", "{out}"], ["--eps"]),
    (["demo", "--out", "{file}"], ["a_file.txt"]),
    (["demo", "--out", "{out}", "--steps", "0"], ["--steps must be >= 1"]),
    (["sample", "{run}", "--out", "{out}/x.npy", "--seed", "-1"], ["--seed"]),
    (["train", "--preset", "mixture", "--out", "{out}", "--set", "hidden=100000000"], ["hidden=100000000", "GiB"]),
    (
        [
            "train",
            "--preset",
            "mixture",
            "--out",
            "{out}",
            "--set",
            "data_options.m=1000000",
            "--set",
            "data_options.dim=1000000",
        ],
        ["not enough memory"],
    ),
    (["train", "--preset", "mixture", "--out", "{out}", "--set", "steps=1e12"], ["'1e12'", "steps"]),
    (
        [
            "train",
            "--preset",
            "mixture",
            "--out",
            "{out}",
            "--set",
            "latent=simplicial",
            "--set",
            "sampler_options.n_clusters=abc",
        ],
        ["n_clusters"],
    ),
    (["train", "--resume", "{run}", "--steps", "1"], ["beyond steps=1"]),
    (["train", "--resume", "{run}", "--preset", "mixture"], ["--resume"]),
    (["analyze", "{run}", "--checkpoint", "abc", "--no-figures", "--quiet"], ["'abc'"]),
    (["analyze", "{run}", "--device", "tpu"], ["'tpu'"]),
    (["nope"], ["unknown command"]),
]


@pytest.mark.parametrize(
    "argv, needles", BAD_LINES, ids=[" ".join(a[:2]) + f"-{i}" for i, (a, _) in enumerate(BAD_LINES)]
)
def test_every_bad_command_line_is_one_line_and_status_2(argv, needles, cli_world, capsys):
    argv = [a.format(**{k: str(v) for k, v in cli_world.items()}) for a in argv]
    rc, err = run_main(argv, capsys)
    assert_one_line_error(rc, err, *needles)
    assert not (cli_world["out"] / "x.npy").exists()
    if argv[0] != "train" or "--resume" not in argv:
        assert layout.is_free(cli_world["out"]) or argv[0] == "demo"  # nothing written by a refused command


@pytest.mark.parametrize("command", ["train", "sample", "analyze", "optimal", "demo"])
def test_read_only_outputs_are_refused_before_any_work(command, cli_world, capsys, monkeypatch):
    """As root every directory is writable, so the read-only answer of the OS is simulated."""
    ro = cli_world["empty"]
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == ro else real_access(p, mode, **kw))
    run = cli_world["run"]
    if command == "analyze":
        ro = run
    argv = {
        "train": ["train", "--preset", "mixture", "--out", ro / "new"],
        "sample": ["sample", run, "--out", ro / "x.npy"],
        "analyze": ["analyze", run],
        "optimal": ["optimal", "-m", "3", "--latent-dim", "2", "--eps", "0.1", "--out", ro / "g"],
        "demo": ["demo", "--out", ro / "demo", "--quick"],
    }[command]
    t0 = time.perf_counter()
    rc, err = run_main(argv, capsys)
    assert_one_line_error(rc, err, "not writable", str(ro))
    assert time.perf_counter() - t0 < 5.0  # refused up front, not after the work
    assert not (ro / "new").exists() and not (run / "analysis.json").exists()


def test_a_genuine_bug_keeps_its_traceback(monkeypatch, tmp_path):
    from gan.training import loop

    def broken(*a, **k):
        raise KeyError("a bug")

    monkeypatch.setattr(loop, "_train", broken)
    with pytest.raises(KeyError, match="a bug"):
        main(["train", "--preset", "mixture", "--out", str(tmp_path / "r"), "--set", "device=cpu"])


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["sample", "{run}", "--out", "{out}/x.npy", "--checkpoint", "abc"], "'abc'"),
        pytest.param(["analyze", "{empty}"], "config.json", marks=pytest.mark.slow),
    ],
)
def test_bad_command_lines_in_a_real_process(argv, needle, cli_world):
    argv = [a.format(**{k: str(v) for k, v in cli_world.items()}) for a in argv]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "gan", *argv], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1 and needle in r.stderr, r.stderr


# ---------------------------------------------------------------------------------------
# 3. Run directories: lock, resume before the first checkpoint, corruption, metrics
# ---------------------------------------------------------------------------------------
HOLDER = "import sys, time; from gan._rundir import lock_run\nwith lock_run(sys.argv[1]):\n    print('locked', flush=True); time.sleep(120)\n"


@pytest.fixture
def held(tmp_path, good_run):
    """A run directory locked by a second, real process (killed with SIGKILL at the end)."""
    run_dir = copy_run(good_run, tmp_path / "held")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.Popen([sys.executable, "-c", HOLDER, str(run_dir)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert p.stdout.readline().strip() == "locked"
        yield run_dir, p
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
        p.wait(timeout=30)
        p.stdout.close()


def test_a_run_in_use_is_refused_naming_the_holder(held, capsys):
    run_dir, p = held
    cfg = run_config(run_dir).replace(steps=4)
    with pytest.raises(RunLockedError, match=rf"in use by process {p.pid} on host .+ since \d{{4}}-"):
        train(cfg, run_dir, resume=True, quiet=True)
    rc, err = run_main(["train", "--resume", run_dir, "--steps", "4"], capsys)
    assert_one_line_error(rc, err, f"process {p.pid}")
    rc, err = run_main(["analyze", run_dir, "--no-figures", "--quiet"], capsys)
    assert_one_line_error(rc, err, f"process {p.pid}")
    assert load_checkpoint(run_dir / "checkpoint.pt")["step"] == 2  # untouched
    assert not (run_dir / "analysis.json").exists()
    # a killed holder leaves no stale lock: the run continues at once
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    assert train(cfg, run_dir, resume=True, quiet=True).step == 4


def test_a_new_run_into_a_directory_in_use_is_refused(tmp_path):
    empty = tmp_path / "fresh"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(empty)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert layout.is_free(empty)  # the lock file alone does not make it a run
        with pytest.raises(RunLockedError, match=f"process {holder.pid}"):
            train(tiny(), empty, quiet=True)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        holder.stdout.close()
    assert train(tiny(), empty, quiet=True).step == 2  # free again


def _flat_state(path):
    ckpt = load_checkpoint(path)
    return {k: v for k, v in ckpt.items() if k not in ("config",)}


def test_a_run_killed_before_its_first_checkpoint_resumes_from_step_0(tmp_path, capsys):
    cfg = tiny(steps=4, ckpt_every=0)

    def crash(step, metrics):
        if step == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(cfg, tmp_path / "died", quiet=True, callback=crash)
    died = tmp_path / "died"
    assert (died / "config.json").is_file() and not (died / "checkpoint.pt").exists()
    assert len(read_metrics(died)) == 3
    with pytest.raises(FileNotFoundError, match="has not reached its first checkpoint.*--resume"):
        load_run(died)
    rc, err = run_main(["train", "--resume", died, "--quiet"], capsys)
    assert rc == 0, err
    train(cfg, tmp_path / "fresh", quiet=True)
    from tests.gan.test_training import state_equal

    assert state_equal(_flat_state(died / "checkpoint.pt"), _flat_state(tmp_path / "fresh" / "checkpoint.pt"))
    strip = [{k: v for k, v in r.items() if k != "time"} for r in read_metrics(died)]
    assert strip == [{k: v for k, v in r.items() if k != "time"} for r in read_metrics(tmp_path / "fresh")]


def test_a_new_run_into_a_non_empty_directory_leaves_no_lock_file(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not empty"):
        train(tiny(), tmp_path, quiet=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_resume_before_the_first_checkpoint_still_refuses_changed_settings(tmp_path):
    run_dir = tmp_path / "r"
    run_dir.mkdir()
    layout.write_config(run_dir, {**tiny().to_dict(), "resolved": {}})
    with pytest.raises(ValueError, match=r"different settings \['lr_g'\]"):
        train(tiny(lr_g=0.5), run_dir, resume=True, quiet=True)


def _torch_bytes(obj) -> bytes:
    import io

    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def _corrupt_checkpoint(good: bytes, kind: str) -> bytes:
    ckpt = torch.load(__import__("io").BytesIO(good), weights_only=True)
    if kind == "empty":
        return b""
    if kind == "truncated":
        return good[: len(good) // 2]
    if kind == "random":
        return np.random.default_rng(0).bytes(len(good))
    if kind == "not_a_dict":
        return _torch_bytes([1, 2, 3])
    if kind == "missing_keys":
        return _torch_bytes({k: v for k, v in ckpt.items() if k != "generator"})
    if kind == "wrong_type":
        return _torch_bytes({**ckpt, "step": "two"})
    if kind == "wrong_shapes":  # a generator of another width
        G, _ = build_networks(tiny(hidden=5), 2, (2,))
        return _torch_bytes({**ckpt, "generator": G.state_dict()})
    if kind == "wrong_state_keys":
        return _torch_bytes({**ckpt, "sampler": {"nope": torch.zeros(1)}, "generator": {"x": torch.zeros(2)}})
    raise AssertionError(kind)


CKPT_KINDS = [
    "empty",
    "truncated",
    "random",
    "not_a_dict",
    "missing_keys",
    "wrong_type",
    "wrong_shapes",
    "wrong_state_keys",
]
CONFIG_KINDS = {
    "empty": b"",
    "truncated": b'{"preset": "mixture", "ste',
    "random": bytes(range(200, 256)) * 3,
    "list": b"[1, 2]",
    "wrong_keys": b'{"preset": "mixture", "nope": 1}',
    "wrong_types": b'{"preset": "mixture", "steps": "many"}',
    "unknown_preset": b'{"preset": "svhn"}',
}


@pytest.mark.parametrize("kind", CKPT_KINDS)
def test_a_corrupted_checkpoint_is_named_everywhere(kind, good_run, tmp_path, capsys):
    run_dir = copy_run(good_run, tmp_path / "r")
    path = run_dir / "checkpoint.pt"
    path.write_bytes(_corrupt_checkpoint(path.read_bytes(), kind))
    with pytest.raises(CorruptRunError, match=str(path)):
        load_run(run_dir)
    with pytest.raises(CorruptRunError, match=str(path)):
        train(run_config(run_dir).replace(steps=4), run_dir, resume=True, quiet=True)
    for argv in (["train", "--resume", run_dir, "--steps", "4"], ["sample", run_dir, "--out", tmp_path / "x.npy"],
                 ["analyze", run_dir, "--no-figures", "--quiet"]):  # fmt: skip
        rc, err = run_main(argv, capsys)
        assert_one_line_error(rc, err, str(path), "corrupted")


@pytest.mark.parametrize("kind", sorted(CONFIG_KINDS))
def test_a_corrupted_config_is_named_everywhere(kind, good_run, tmp_path, capsys):
    run_dir = copy_run(good_run, tmp_path / "r")
    path = run_dir / "config.json"
    path.write_bytes(CONFIG_KINDS[kind])
    with pytest.raises(CorruptRunError, match=str(path)):
        load_run(run_dir)
    with pytest.raises(CorruptRunError, match=str(path)):
        train(tiny(steps=4), run_dir, resume=True, quiet=True)
    for argv in (["train", "--resume", run_dir, "--steps", "4"], ["sample", run_dir, "--out", tmp_path / "x.npy"],
                 ["analyze", run_dir, "--no-figures", "--quiet"]):  # fmt: skip
        rc, err = run_main(argv, capsys)
        assert_one_line_error(rc, err, str(path), "corrupted")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400))
def test_arbitrary_checkpoint_bytes_are_read_or_refused_naming_the_file(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("ck") / "checkpoint.pt"
    path.write_bytes(data)
    with pytest.raises(CorruptRunError, match=str(path)):
        layout.check_checkpoint(load_checkpoint(path), path)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.binary(max_size=200),
        st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=5), max_size=4).map(
            lambda d: json.dumps({"preset": "mixture", **d}).encode()
        ),
    )
)
def test_arbitrary_config_bytes_give_a_config_or_name_the_file(tmp_path_factory, data):
    run_dir = tmp_path_factory.mktemp("cfg")
    (run_dir / "config.json").write_bytes(data)
    try:
        cfg = run_config(run_dir)
    except CorruptRunError as exc:
        assert str(run_dir / "config.json") in str(exc)
    else:  # accepted only when it is a valid config
        from gan.training import PRESETS

        assert cfg.to_dict() == run_config(run_dir).to_dict() and cfg.preset in PRESETS


def test_metrics_are_strict_json_with_null_for_non_finite_numbers(tmp_path):
    layout.append_metrics(tmp_path, {"step": 1, "loss_d": float("nan"), "x": [1.0, float("inf")], "y": -float("inf")})
    line = (tmp_path / "metrics.jsonl").read_text()

    def refuse(name):
        raise AssertionError(f"bare {name} in metrics.jsonl")

    assert json.loads(line, parse_constant=refuse) == {"step": 1, "loss_d": None, "x": [1.0, None], "y": None}
    assert read_metrics(tmp_path) == [{"step": 1, "loss_d": None, "x": [1.0, None], "y": None}]


def test_a_garbage_metrics_line_is_reported_not_dropped(good_run, tmp_path):
    run_dir = copy_run(good_run, tmp_path / "r")
    path = run_dir / "metrics.jsonl"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], "garbage {", *lines[1:]]) + "\n")
    with pytest.warns(UserWarning, match=rf"{path}: 1 malformed line\(s\) \(line 2\)"):
        assert [r["step"] for r in read_metrics(run_dir)] == [1, 2]
    with pytest.raises(CorruptRunError, match=rf"{path}.*line 2"):
        read_metrics(run_dir, on_error="raise")
    with pytest.raises(CorruptRunError, match=rf"{path}.*line 2 is not a metrics record"):
        train(run_config(run_dir).replace(steps=4), run_dir, resume=True, quiet=True)
    assert path.read_text().count("garbage") == 1  # nothing rewritten


def test_a_metrics_line_cut_by_a_kill_is_dropped_with_a_warning_on_resume(good_run, tmp_path):
    run_dir = copy_run(good_run, tmp_path / "r")
    path = run_dir / "metrics.jsonl"
    path.write_text(path.read_text() + '{"step": 3, "loss_d": 0.1')  # no newline: cut mid-write
    with pytest.warns(UserWarning, match=rf"{path}: dropped line 3, cut short"):
        train(run_config(run_dir).replace(steps=4), run_dir, resume=True, quiet=True)
    assert [r["step"] for r in read_metrics(run_dir)] == [1, 2, 3, 4]


def test_sample_size_estimate_refuses_what_cannot_fit():
    from gan._preflight import check_sample_size

    assert check_sample_size(1000, 2, (2,), available=2**30) == 8 * 1000 * 4
    with pytest.raises(
        ResourceError, match=r"--n 1000000000000 needs about 2.98e\+04 GiB, more than half of the 1 GiB"
    ):
        check_sample_size(10**12, 2, (2,), available=2**30)
    assert math.isclose(8 * 10**12 * 4 / 2**30, 2.98e4, rel_tol=1e-3)


@pytest.mark.slow
def test_a_training_process_holds_its_run_until_killed_then_the_run_resumes(tmp_path, capsys):
    """A real ``python -m gan train`` process: a second trainer is refused, and after ``kill -9``
    (before its first checkpoint) ``--resume`` continues the run from step 0."""
    run_dir = tmp_path / "live"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = ["train", "--preset", "mixture", "--out", str(run_dir), "--steps", "100000", "--quiet",
            "--set", "device=cpu", "--set", "hidden=8", "--set", "batch_size=8", "--set", "ckpt_every=0",
            "--set", "eval_every=0", "--set", "image_every=0", "--set", "log_every=1"]  # fmt: skip
    p = subprocess.Popen([sys.executable, "-m", "gan", *argv], env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (run_dir / "metrics.jsonl").exists():
            assert p.poll() is None and time.monotonic() < deadline, (
                p.stderr.read() if p.poll() is not None else "slow start"
            )
            time.sleep(0.2)
        rc, err = run_main(["train", "--resume", run_dir, "--steps", "3"], capsys)
        assert_one_line_error(rc, err, f"process {p.pid}")
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=30)
        p.stderr.close()
    assert not (run_dir / "checkpoint.pt").exists()
    rc, err = run_main(["train", "--resume", run_dir, "--steps", "3", "--quiet"], capsys)
    assert rc == 0, err
    assert load_checkpoint(run_dir / "checkpoint.pt")["step"] == 3
    assert [r["step"] for r in read_metrics(run_dir)] == [1, 2, 3]
