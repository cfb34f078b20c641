"""Tests of gan.sweep: spec checks, the serial backend, resume, failures, results, Ray."""

from __future__ import annotations

import json
import math
import sys

import numpy as np
import pytest
from scipy import stats

from gan.sweep import load_results, load_spec, plot_sweep, run_sweep, t_interval
from gan.sweep._trial import read_status

# a few milliseconds per step on one core
TINY = {
    "steps": 6,
    "n_critic": 1,
    "batch_size": 16,
    "hidden": 8,
    "depth": 1,
    "log_every": 2,
    "eval_every": 3,
    "eval_samples": 200,
    "image_every": 0,
    "ckpt_every": 2,
    "device": "cpu",
    "mi_steps": 0,
}


def tiny_spec(**extra):
    d = {"name": "t", "preset": "mixture", "set": dict(TINY), "grid": {"latent_dim": [2, 3], "seed": [0, 1]}}
    d.update(extra)
    return d


# ---------------------------------------------------------------------------------------
# spec
# ---------------------------------------------------------------------------------------
def test_spec_toml_expands_product_and_variants(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("""
preset = "mixture"
[set]
steps = 10
data_options.m = 4
[grid]
seed = [0, 1]
[grid.data_options]
dim = [4, 5]
[[variants]]
name = "gauss"
[[variants]]
name = "simp"
latent = "simplicial"
sampler_options = {n_clusters = 4}
""")
    spec = load_spec(path)
    assert spec.name == "s"
    trials = spec.trials()
    assert len(trials) == 2 * 2 * 2
    assert spec.swept_keys() == ["variant", "seed", "data_options.dim"]
    t = trials[-1]
    assert t.name == "simp-seed=1,data_options.dim=5"
    assert t.params == {"variant": "simp", "seed": 1, "data_options.dim": 5}
    c = t.config
    assert (c["steps"], c["seed"], c["latent"], c["sampler_options"]) == (10, 1, "simplicial", {"n_clusters": 4})
    # dict settings are merged key by key over the preset's
    assert c["data_options"] == {"kind": "equidistant", "m": 4, "dim": 5}
    assert trials[0].config["latent"] == "gaussian"


@pytest.mark.parametrize(
    "bad, match",
    [
        ({"preset": "mixtur"}, "unknown preset 'mixtur'"),
        ({"grid": {"latnt_dim": [2]}}, r"\[grid\]: unknown config key 'latnt_dim'"),
        ({"set": {"stepz": 3}}, r"\[set\]: unknown config key 'stepz'"),
        ({"grid": {"seed": []}}, r"'seed' is an empty list"),
        ({"grid": {"seed": 3}}, r"'seed' must be a list of values"),
        ({"grid": {"latent_dim": ["two"]}}, r"trial 'latent_dim=two'.*latent_dim must be an integer"),
        ({"set": {"steps": 2.5}}, r"steps must be an integer >= 0, got 2.5"),
        ({"grid": {"seed": [0, 0]}}, r"'seed' repeats a value"),
        ({"grd": {}}, r"unknown key\(s\) \['grd'\]"),
        ({"after": {"analyse": True}}, r"\[after\]: unknown key\(s\) \['analyse'\]"),
        ({"after": {"analyze": {"n_sample": 5}}}, r"\[after.analyze\]: unknown key\(s\) \['n_sample'\]"),
        ({"resources": {"cpu": 0}}, r"'cpu' must be a number > 0"),
        ({"run": {"retries": -1}}, r"'retries' must be an integer >= 0"),
        ({"plot": [{"metric": "wdist", "x": "width"}]}, r"x = 'width' is not a swept key"),
        ({"variants": [{"name": "a"}, {"name": "a"}]}, "duplicate name 'a'"),
        ({"set": {"preset": "mnist"}}, "'preset' is set by the top-level key"),
    ],
)
def test_spec_errors_name_the_key(bad, match, tmp_path):
    d = {"preset": "mixture", "set": {"steps": 3}, "grid": {"seed": [0]}}
    d.update(bad)
    with pytest.raises(ValueError, match=match):
        load_spec(d)


def test_spec_error_refused_before_anything_runs(tmp_path, capsys):
    from gan.cli import main

    spec = tmp_path / "bad.toml"
    spec.write_text('preset = "mixture"\n[grid]\nlatent_dimm = [2, 3]\n')
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out)]) == 2
    assert "latent_dimm" in capsys.readouterr().err
    assert not out.exists()
    spec.write_text("preset = \n")
    assert main(["sweep", str(spec), "--out", str(out)]) == 2
    assert "not valid TOML" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------
def test_t_interval_matches_scipy():
    x = np.array([0.3, 0.5, 0.45, 0.61])
    m, lo, hi = t_interval(x)
    ref = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert m == pytest.approx(x.mean(), rel=1e-14)
    assert (lo, hi) == pytest.approx(ref, rel=1e-12)
    assert math.isnan(t_interval([1.0])[1])


# ---------------------------------------------------------------------------------------
# serial backend (no Ray): outputs, resume, failures
# ---------------------------------------------------------------------------------------
def _no_ray(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError


def test_serial_fallback_without_ray(tmp_path, monkeypatch, capsys):
    _no_ray(monkeypatch)
    spec = tiny_spec(plot=[{"metric": "eval/precision", "x": "latent_dim"}])
    res = run_sweep(spec, tmp_path / "sw")
    assert "Ray is not installed" in capsys.readouterr().out
    with pytest.raises(ImportError, match="needs Ray Tune"):
        run_sweep(spec, tmp_path / "other", backend="ray")
    with pytest.raises(ValueError, match="needs the Ray backend"):
        run_sweep(spec, tmp_path / "other", address="auto")
    assert not (tmp_path / "other").exists()
    assert res.run["backend"] == "serial" and res.run["ran"] == 4
    assert [r["status"] for r in res.rows] == ["done"] * 4
    out = tmp_path / "sw"
    for name in ("results.json", "results.csv", "results.md", "sweep.json", "plot_eval_precision_vs_latent_dim.png"):
        assert (out / name).is_file(), name
    # every trial is an ordinary run directory that gan.runs loads
    from gan.runs import load_run

    run = load_run(out / "runs" / "latent_dim=3,seed=1", device="cpu")
    assert run.sampler.latent_dim == 3 and run.config["seed"] == 1
    # rows carry the last logged metrics; aggregates are the t-interval over the two seeds
    row = res.rows[0]
    last = json.loads((out / "runs" / row["trial"] / "metrics.jsonl").read_text().splitlines()[-1])
    assert row["eval/precision"] == last["eval/precision"] and row["wdist"] == last["wdist"]
    agg = next(a for a in res.aggregate if a["latent_dim"] == 3)
    vals = [r["wdist"] for r in res.rows if r["latent_dim"] == 3]
    assert agg["n"] == 2
    assert (agg["wdist"], agg["wdist.ci_low"], agg["wdist.ci_high"]) == pytest.approx(t_interval(vals))
    back = load_results(out)
    assert back.rows == res.rows and back.metrics == res.metrics
    assert "Mean and 95 % interval" in (out / "results.md").read_text()
    ax = plot_sweep(out, "wdist", "latent_dim")
    assert len(ax.lines) >= 1


def test_rerun_trains_nothing_and_new_keys_run_only_what_is_missing(tmp_path, monkeypatch):
    import gan.training

    calls = []
    real = gan.training.train

    def counting(cfg, run_dir, **kw):
        calls.append((run_dir.name, kw["resume"]))
        return real(cfg, run_dir, **kw)

    monkeypatch.setattr(gan.training, "train", counting)
    spec = tiny_spec(grid={"seed": [0, 1]})
    run_sweep(spec, tmp_path / "sw", backend="serial", quiet=True)
    assert len(calls) == 2
    mtime = (tmp_path / "sw" / "runs" / "seed=0" / "checkpoint.pt").stat().st_mtime_ns
    res = run_sweep(spec, tmp_path / "sw", backend="serial", quiet=True)
    assert len(calls) == 2 and res.run["skipped"] == 2 and res.run["ran"] == 0
    spec["grid"]["seed"] = [0, 1, 2]
    res = run_sweep(spec, tmp_path / "sw", backend="serial", quiet=True)
    assert calls[2:] == [("seed=2", False)] and len(res.rows) == 3
    assert (tmp_path / "sw" / "runs" / "seed=0" / "checkpoint.pt").stat().st_mtime_ns == mtime
    with pytest.raises(ValueError, match="already holds sweep 't'"):
        run_sweep(spec, tmp_path / "sw", backend="serial", resume=False, quiet=True)
    with pytest.raises(ValueError, match="holds sweep 't', not 'other'"):
        run_sweep(dict(spec, name="other"), tmp_path / "sw", backend="serial", quiet=True)


def test_resume_after_interruption_equals_uninterrupted(tmp_path, monkeypatch):
    """A Ctrl-C in the second trial stops the sweep; the rerun resumes it from its checkpoint."""
    import gan.training

    real = gan.training.train
    calls = []

    def interrupted(cfg, run_dir, **kw):
        calls.append((run_dir.name, kw["resume"]))
        cb = kw["callback"]

        def stop(step, record):
            if run_dir.name == "seed=1" and step == 3:
                raise KeyboardInterrupt
            if cb is not None:
                cb(step, record)

        return real(cfg, run_dir, **{**kw, "callback": stop})

    spec = tiny_spec(grid={"seed": [0, 1, 2]})
    monkeypatch.setattr(gan.training, "train", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(spec, tmp_path / "sw", backend="serial", quiet=True)
    assert read_status(tmp_path / "sw" / "runs" / "seed=1") is None  # not finished, not failed
    assert not (tmp_path / "sw" / "runs" / "seed=2").exists()
    monkeypatch.setattr(gan.training, "train", real)
    monkeypatch.setattr(
        gan.training, "train", lambda c, d, **kw: (calls.append((d.name, kw["resume"])), real(c, d, **kw))[1]
    )
    res = run_sweep(spec, tmp_path / "sw", backend="serial", quiet=True)
    assert calls == [("seed=0", False), ("seed=1", False), ("seed=1", True), ("seed=2", False)]
    assert [r["status"] for r in res.rows] == ["done"] * 3
    # the resumed run equals an uninterrupted one (the trainer's bit-for-bit resume on CPU)
    ref = run_sweep(dict(spec, grid={"seed": [1]}), tmp_path / "ref", backend="serial", quiet=True)
    a = {k: v for k, v in res.rows[1].items() if k not in ("seconds",)}
    b = {k: v for k, v in ref.rows[0].items() if k not in ("seconds",)}
    assert a == b


def test_failed_trial_is_reported_and_others_run(tmp_path, monkeypatch, capsys):
    import gan.training
    from gan.cli import main

    # An invalid setting is refused when the spec is read (test_spec_errors_name_the_key): make
    # the "bad" variant valid but fail while it trains.
    real = gan.training.train

    def fails_for_bad(cfg, run_dir, **kw):
        if cfg.lr_g == 0.000123:
            raise RuntimeError("nonsense: this trial always fails")
        return real(cfg, run_dir, **kw)

    monkeypatch.setattr(gan.training, "train", fails_for_bad)
    spec = tmp_path / "f.toml"
    lines = [f"{k} = {json.dumps(v)}" for k, v in TINY.items()]
    spec.write_text(
        'preset = "mixture"\n[set]\n' + "\n".join(lines) + "\n[grid]\nseed = [0]\n"
        '[[variants]]\nname = "ok"\n[[variants]]\nname = "bad"\nlr_g = 0.000123\n'
        "[run]\nretries = 1\n"
    )
    out = tmp_path / "sw"
    assert main(["sweep", str(spec), "--out", str(out), "--serial"]) == 1
    text = capsys.readouterr().out
    assert "FAILED bad-seed=0 (attempts 2)" in text and "nonsense" in text
    res = load_results(out)
    assert [r["status"] for r in res.rows] == ["done", "error"]
    assert "nonsense" in res.rows[1]["error"]
    assert "bad-seed=0" in (out / "results.md").read_text().split("## Failed trials")[1]
    st = read_status(out / "runs" / "bad-seed=0")
    assert st["attempts"] == 2 and "Traceback" in st["traceback"]
    # a rerun retries only the failed trial
    assert main(["sweep", str(spec), "--out", str(out), "--serial", "--retries", "0"]) == 1
    assert "1 already done, 1 to run" in capsys.readouterr().out


def test_retry_resumes_from_the_checkpoint(tmp_path, monkeypatch):
    import gan.training

    real = gan.training.train
    seen = []

    def flaky(cfg, run_dir, **kw):
        seen.append(kw["resume"])

        def boom(step, record):
            if len(seen) == 1 and step == 5:
                raise RuntimeError("node lost")

        return real(cfg, run_dir, **{**kw, "callback": boom})

    monkeypatch.setattr(gan.training, "train", flaky)
    res = run_sweep(tiny_spec(grid={"seed": [0]}), tmp_path / "sw", backend="serial", retries=1, quiet=True)
    assert seen == [False, True]
    assert res.rows[0]["status"] == "done" and res.rows[0]["attempts"] == 2 and res.rows[0]["step"] == TINY["steps"]


def test_a_trial_held_by_another_process_is_left_alone(tmp_path):
    """A second sweep process reaching a trial that the first is running (its directory has
    no checkpoint yet) must not empty that directory nor write its status."""
    from gan._rundir import lock_run
    from gan.errors import RunLockedError
    from gan.sweep._spec import load_spec
    from gan.sweep._trial import run_trial

    trial = load_spec(tiny_spec(grid={"seed": [0]})).trials()[0]
    run_dir = tmp_path / "runs" / trial.name
    run_dir.mkdir(parents=True)
    (run_dir / "metrics.jsonl").write_text('{"step": 2}\n')  # the other process's work so far
    with lock_run(run_dir):  # another open file description: as another process
        with pytest.raises(RunLockedError, match="in use by process"):
            run_trial(trial, run_dir, {"metrics": True})
    assert (run_dir / "metrics.jsonl").read_text() == '{"step": 2}\n'
    assert read_status(run_dir) is None
    # once released, a leftover without a checkpoint is cleared and the trial runs
    st = run_trial(trial, run_dir, {"metrics": True})
    assert st["status"] == "done" and st["step"] == TINY["steps"]


def test_cli_check_lists_trials(tmp_path, capsys):
    from gan.cli import main

    spec = tmp_path / "s.toml"
    spec.write_text('preset = "mixture"\n[grid]\nlatent_dim = [2, 3]\nseed = [0, 1, 2]\n')
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--check"]) == 0
    out = capsys.readouterr().out
    assert "latent_dim=3,seed=2" in out and "6 trial(s)" in out
    assert not (tmp_path / "o").exists()


# ---------------------------------------------------------------------------------------
# Ray
# ---------------------------------------------------------------------------------------
# Loaded by every Ray worker (through PYTHONPATH): the first attempt of trial seed=1 dies at
# step 5, after its checkpoint at step 4, so that Tune has to restore it.
_FAIL_ONCE = """
import os, pathlib
import gan.training

_real = gan.training.train


def train(cfg, run_dir, **kw):
    flag = pathlib.Path(os.environ["GAN_SWEEP_TEST_FLAG"])
    if run_dir.name != "seed=1" or flag.exists():
        return _real(cfg, run_dir, **kw)
    cb = kw["callback"]

    def dies(step, record):
        cb(step, record)
        if step == 5:
            flag.write_text("failed once")
            raise RuntimeError("worker lost")

    return _real(cfg, run_dir, **{**kw, "callback": dies})


gan.training.train = train
"""


@pytest.mark.slow
def test_two_trial_sweep_through_ray(tmp_path, monkeypatch):
    pytest.importorskip("ray.tune")
    import os

    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(_FAIL_ONCE)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(hook), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("GAN_SWEEP_TEST_FLAG", str(tmp_path / "flag"))
    spec = tiny_spec(grid={"seed": [0, 1]})
    spec["set"]["steps"] = 8
    res = run_sweep(spec, tmp_path / "sw", backend="ray", max_concurrent=2, retries=1, quiet=True)
    assert (tmp_path / "flag").is_file()  # the hook ran in a worker
    assert res.run["backend"] == "ray" and res.run["concurrent"] == 2 and res.run["threads_per_trial"] == 1
    assert [r["status"] for r in res.rows] == ["done", "done"]
    assert [r["attempts"] for r in res.rows] == [1, 2]
    st = read_status(tmp_path / "sw" / "runs" / "seed=1")
    assert st["resumed"] is True  # Tune restored the trial, which resumed its run from step 4
    # the same numbers as the serial loop (deterministic on CPU; the resumed run bit for bit)
    monkeypatch.delenv("GAN_SWEEP_TEST_FLAG")
    ref = run_sweep(spec, tmp_path / "ref", backend="serial", quiet=True)
    strip = lambda r: {k: v for k, v in r.items() if k not in ("seconds", "attempts")}  # noqa: E731
    assert [strip(r) for r in res.rows] == [strip(r) for r in ref.rows]
    # Tune holds the run's checkpoints (markers naming the run directory)
    markers = sorted((tmp_path / "sw" / "tune").glob("*/seed=1/checkpoint_*/marker.json"))
    assert markers and json.loads(markers[-1].read_text())["step"] == 8
    # a rerun starts no trial
    again = run_sweep(spec, tmp_path / "sw", backend="ray", quiet=True)
    assert again.run["ran"] == 0 and again.run["skipped"] == 2
