"""The Ray Tune backend: one Tune trial per sweep trial, in Ray worker processes (reused between trials).

Each Tune trial trains an ordinary run directory under ``DIR/runs`` (shared storage when
the cluster has several nodes). It reports the logged metrics to Tune while it trains and,
each time the run writes its own checkpoint, registers a small marker checkpoint (the run
directory and the step) with Tune: copying the run directory at every report would cost more
than the training of a small run. When Tune restores a trial (a retry after a failure), the
trainable finds the run's own checkpoint and calls ``train(..., resume=True)``.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

# at most one metrics report per this many seconds between checkpoints: each report is a
# round trip to the driver
_REPORT_PERIOD = 1.0


def _tune_trainable(config: dict) -> None:
    """The Tune function trainable (runs in a Ray worker)."""
    from ray import tune

    from ._spec import Trial
    from ._trial import _scalars, run_trial

    spec = config["trial"]
    trial = Trial(spec["name"], spec["params"], spec["config"])
    run_dir = Path(spec["run_dir"])
    restored = tune.get_checkpoint()
    if restored is not None:  # Tune restores: the run directory's own checkpoint is the state
        with restored.as_directory() as d:
            marker = json.loads((Path(d) / "marker.json").read_text())
        if Path(marker["run_dir"]) != run_dir:
            raise RuntimeError(f"Tune restored a checkpoint of {marker['run_dir']!r} into trial {trial.name!r}")
    ckpt_every, steps = int(trial.config["ckpt_every"]), int(trial.config["steps"])
    last = [0.0]

    def callback(step: int, record) -> None:
        metrics = {"step": step, **_scalars(record or {})}
        metrics.pop("time", None)
        if (ckpt_every and step % ckpt_every == 0) or step == steps:
            with tempfile.TemporaryDirectory() as d:
                (Path(d) / "marker.json").write_text(json.dumps({"run_dir": str(run_dir), "step": step}))
                tune.report(metrics, checkpoint=tune.Checkpoint.from_directory(d))
            last[0] = time.monotonic()
        elif record is not None and time.monotonic() - last[0] >= _REPORT_PERIOD:
            tune.report(metrics)
            last[0] = time.monotonic()

    status = run_trial(trial, run_dir, spec["after"], threads=spec["threads"], callback=callback)
    tune.report({"step": status["step"], "done_trial": 1, **_scalars(status["metrics"])})


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use (taskset, cgroups)
    except AttributeError:
        return os.cpu_count() or 1


def run_ray(
    trials,
    run_dirs,
    after: dict,
    *,
    name: str,
    storage: Path,
    address=None,
    max_concurrent=None,
    cpu=None,
    gpu=0,
    retries: int = 0,
    quiet: bool = False,
    log=print,
) -> dict:
    """Run ``trials`` as Tune trials; returns ``{"seconds_startup", "seconds_fit", "cpus", ...}``."""
    import ray
    from ray import tune

    t0 = time.perf_counter()
    started = False
    if not ray.is_initialized():
        kwargs = {"include_dashboard": False, "log_to_driver": False, "logging_level": "ERROR"}
        if address:
            ray.init(address=address, **kwargs)
        else:
            ray.init(num_cpus=_cores(), **kwargs)
        started = True
    t_start = time.perf_counter() - t0
    try:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        n = len(trials)
        want = min(n, max_concurrent or cpus)
        per_cpu = cpu if cpu is not None else max(1, cpus // max(1, want))
        threads = max(1, int(per_cpu))
        concurrent = max(1, min(want, int(cpus // per_cpu) if per_cpu else want))
        if not quiet:
            log(
                f"[sweep] Ray {ray.__version__}: {n} trial(s) on {cpus} CPU(s) "
                f"({'cluster ' + str(address) if address else 'local'}), up to {concurrent} at a time, "
                f"{per_cpu:g} CPU and {threads} torch thread(s) each; Ray started in {t_start:.1f} s"
            )
        items = [
            {
                "name": t.name,
                "params": t.params,
                "config": t.config,
                "run_dir": str(Path(d).resolve()),
                "after": after,
                "threads": threads,
            }
            for t, d in zip(trials, run_dirs)
        ]
        trainable = tune.with_resources(_tune_trainable, {"cpu": per_cpu, "gpu": gpu})
        tuner = tune.Tuner(
            trainable,
            param_space={"trial": tune.grid_search(items)},
            tune_config=tune.TuneConfig(
                max_concurrent_trials=concurrent,
                # a finished trial's worker runs the next one: torch and gan stay imported
                reuse_actors=True,
                trial_name_creator=lambda t: t.config["trial"]["name"],
                trial_dirname_creator=lambda t: t.config["trial"]["name"],
            ),
            run_config=tune.RunConfig(
                name=name,
                storage_path=str(Path(storage).resolve()),
                failure_config=tune.FailureConfig(max_failures=retries),
                checkpoint_config=tune.CheckpointConfig(num_to_keep=1),
                verbose=0,
            ),
        )
        t1 = time.perf_counter()
        # Tune's newer console output prints its banners even at verbose=0; the older one is
        # silent at 0, and the sweep prints its own progress lines
        old = os.environ.get("RAY_AIR_NEW_OUTPUT")
        os.environ["RAY_AIR_NEW_OUTPUT"] = "0"
        try:
            grid = tuner.fit()
        finally:
            if old is None:
                os.environ.pop("RAY_AIR_NEW_OUTPUT", None)
            else:
                os.environ["RAY_AIR_NEW_OUTPUT"] = old
        t_fit = time.perf_counter() - t1
        errors = {}
        for r in grid:
            if r.error is not None:
                errors[r.config["trial"]["name"]] = f"{type(r.error).__name__}: {r.error}"
        return {
            "backend": "ray",
            "ray_version": ray.__version__,
            "seconds_startup": t_start,
            "seconds_fit": t_fit,
            "cpus": cpus,
            "concurrent": concurrent,
            "cpu_per_trial": per_cpu,
            "threads_per_trial": threads,
            "tune_errors": errors,
        }
    finally:
        if started:
            ray.shutdown()
