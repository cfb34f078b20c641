"""Wall time of a sweep of mixture runs: the plain serial loop against ``gan sweep`` on Ray Tune.

The sweep is the ``mixture`` preset with latent dimensions x seeds (default 4 x 3 = 12 trials
of 1,000 generator steps), run in one invocation three ways:

1. the plain serial loop of the example scripts: ``train(cfg, run_dir)`` for each trial in
   this process (torch using all the cores given);
2. ``run_sweep(..., backend="ray")``: Ray started locally with those cores, one trial per
   core in its own worker process, one torch thread each (wall time includes Ray's start);
3. the same with 1-step trials, which measures what Ray costs per trial (worker start,
   imports, reports, Tune's bookkeeping): ``(wall - start) * concurrency / trials``.

The final precisions of loop and sweep are compared (equal up to the summation order that the
number of torch threads changes).

Usage::

    python benchmarks/bench_sweep.py                   # 12 x 1000 steps, minutes on 2 cores
    python benchmarks/bench_sweep.py --quick           # 4 x 50 steps
    taskset -c 0,1 python benchmarks/bench_sweep.py    # on 2 cores of a larger machine
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dims", type=int, nargs="+", default=[1, 2, 3, 8])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument(
        "--loop-threads",
        type=int,
        default=None,
        help="torch threads of the serial loop (default: the cores; 1 is faster on a busy machine)",
    )
    ap.add_argument("--quick", action="store_true", help="2 dims x 2 seeds x 50 steps")
    args = ap.parse_args(argv)
    if args.quick:
        args.dims, args.seeds, args.steps = [2, 3], 2, 50

    import torch

    from gan.sweep import load_spec, run_sweep
    from gan.training import TrainConfig, train

    cores = len(os.sched_getaffinity(0))
    spec_d = {
        "name": "bench",
        "preset": "mixture",
        "set": {"steps": args.steps, "image_every": 0, "eval_every": args.steps, "eval_samples": 5000, "device": "cpu"},
        "grid": {"latent_dim": args.dims, "seed": list(range(args.seeds))},
    }
    spec = load_spec(spec_d)
    trials = spec.trials()
    n = len(trials)
    load0 = os.getloadavg()
    print(
        f"# {n} mixture trials x {args.steps} steps; {cores} core(s) ({platform.processor() or platform.machine()}), "
        f"torch {torch.__version__}, load average at start {load0[0]:.2f}"
    )
    tmp = Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    try:
        # 1. the plain serial loop
        loop_threads = args.loop_threads or cores
        torch.set_num_threads(loop_threads)
        t0 = time.perf_counter()
        loop = {}
        for t in trials:
            res = train(TrainConfig.from_dict(t.config), tmp / "loop" / t.name, quiet=True)
            loop[t.name] = res.last_metrics.get("eval/precision")
        t_loop = time.perf_counter() - t0

        # 2. the sweep on Ray
        t0 = time.perf_counter()
        ray_res = run_sweep(spec, tmp / "ray", backend="ray", quiet=True)
        t_ray = time.perf_counter() - t0
        info = ray_res.run
        diff = max(abs(r["eval/precision"] - loop[r["trial"]]) for r in ray_res.rows)

        # 3. Ray's cost per trial: the same sweep with 1-step trials
        spec1 = load_spec(
            {**spec_d, "name": "bench1", "set": {**spec_d["set"], "steps": 1, "eval_every": 1, "eval_samples": 100}}
        )
        t0 = time.perf_counter()
        r1 = run_sweep(spec1, tmp / "ray1", backend="ray", quiet=True)
        t_ray1 = time.perf_counter() - t0
        i1 = r1.run
        per_trial = (t_ray1 - i1["seconds_startup"]) * i1["concurrent"] / n
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    load1 = os.getloadavg()

    print()
    print(f"| {'way':<44} | {'wall s':>7} | {'speed-up':>8} |")
    print(f"|{'-' * 46}|{'-' * 9}|{'-' * 10}|")
    print(f"| {'plain serial loop (torch ' + str(loop_threads) + ' thread(s))':<44} | {t_loop:7.1f} | {1.0:8.2f} |")
    label = f"gan sweep on Ray ({info['concurrent']} x {info['threads_per_trial']} thread)"
    print(f"| {label:<44} | {t_ray:7.1f} | {t_loop / t_ray:8.2f} |")
    print(f"| {'  of which Ray start':<44} | {info['seconds_startup']:7.1f} | {'':>8} |")
    print(f"| {'gan sweep on Ray, 1-step trials':<44} | {t_ray1:7.1f} | {'':>8} |")
    print()
    print(
        f"Ray {info['ray_version']}: start {info['seconds_startup']:.1f} s (then {i1['seconds_startup']:.1f} s); "
        f"cost per trial {per_trial:.2f} s (worker, imports, reports; 1-step sweep)"
    )
    print(
        f"largest difference of the final eval/precision between loop and sweep: {diff:.3g} "
        f"(torch threads per run: {loop_threads} in the loop, {info['threads_per_trial']} in the sweep)"
    )
    print(f"load average (1 min) at start {load0[0]:.2f}, at end {load1[0]:.2f}: other processes shared the cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
