"""Benchmark: gan.metrics.prdc against prdc.compute_prdc (the ``prdc`` package, 0.2).

For each size N x D (real and fake sets of N float32 features each, nearest_k = 5) both run in
a fresh subprocess; we report wall time, peak resident-memory growth over the process's peak
after imports, data generation and a small warm-up call (``ru_maxrss``; tracemalloc would not
see torch or BLAS buffers), the peak CUDA memory when on a GPU, and whether the four numbers
are identical.

    python benchmarks/bench_prdc.py                       # 10000x64 and 10000x2048, CPU
    python benchmarks/bench_prdc.py --device cuda --sizes 10000x2048 50000x2048

The reference is skipped above --max-reference-n (it stores three N x N float32 matrices).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np


def make_features(n, dim, seed):
    """Clustered float32 features (20 clusters on a 16-d subspace plus isotropic noise); the
    fakes cover 14 of the clusters, slightly shifted, so all four metrics are informative."""
    rng = np.random.default_rng(seed)
    basis = rng.standard_normal((16, dim), dtype=np.float32) / 4.0
    centers = rng.standard_normal((20, 16), dtype=np.float32) * 3.0

    def draw(m, n_clusters, shift):
        lab = rng.integers(0, n_clusters, m)
        z = centers[lab] + shift + rng.standard_normal((m, 16), dtype=np.float32)
        x = z @ basis
        x += 0.3 * rng.standard_normal((m, dim), dtype=np.float32)
        return x

    return draw(n, 20, 0.0), draw(n, 14, 0.2)


def _maxrss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def worker(args):
    real, fake = make_features(args.n, args.dim, seed=0)
    small_r, small_f = make_features(200, args.dim, seed=1)
    if args.worker == "ours":
        import torch

        from gan.metrics import prdc

        def run(r, f, block_size=None):
            return prdc(r, f, args.k, device=args.device, block_size=block_size)

        # warm-up: thread pools, allocator, and (small blocks: several tiles) every Numba
        # kernel, so that no compilation or cache load falls inside the timed call
        run(small_r, small_f, block_size=16)
        if torch.cuda.is_available():
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
    else:
        import prdc as prdc_package

        def run(r, f):
            with contextlib.redirect_stdout(io.StringIO()):
                return prdc_package.compute_prdc(r, f, args.k)

        run(small_r, small_f)
    base = _maxrss_mb()
    t0 = time.perf_counter()
    out = run(real, fake)
    if args.worker == "ours" and args.device != "cpu":
        import torch

        if torch.cuda.is_available():
            torch.cuda.synchronize()
    wall = time.perf_counter() - t0
    res = {"wall_s": wall, "rss_growth_mb": _maxrss_mb() - base, "metrics": {k: float(v) for k, v in out.items()}}
    if args.worker == "ours" and args.device != "cpu":
        import torch

        if torch.cuda.is_available():
            res["cuda_peak_mb"] = torch.cuda.max_memory_allocated() / 2**20
    print("RESULT " + json.dumps(res))


def spawn(which, n, dim, k, device):
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--worker",
        which,
        "--n",
        str(n),
        "--dim",
        str(dim),
        "--k",
        str(k),
        "--device",
        device,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{which} {n}x{dim} failed:\n{proc.stderr[-3000:]}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="auto")
    p.add_argument("--sizes", nargs="+", default=["10000x64", "10000x2048"])
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--max-reference-n", type=int, default=20000)
    p.add_argument("--worker", choices=["ours", "reference"], help=argparse.SUPPRESS)
    p.add_argument("--n", type=int, help=argparse.SUPPRESS)
    p.add_argument("--dim", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        return worker(args)
    if args.device == "auto":
        import torch

        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    import torch

    print(f"device {args.device}, torch threads {torch.get_num_threads()}, cpus {os.cpu_count()}, nearest_k {args.k}")
    head = (
        f"{'size':>12} | {'ours s':>8} {'prdc s':>8} {'speed-up':>8} | {'ours MB':>8} "
        f"{'prdc MB':>8} {'ratio':>6} | {'cuda MB':>8} | identical"
    )
    print(head)
    print("-" * len(head))
    for size in args.sizes:
        n, dim = (int(v) for v in size.lower().split("x"))
        ours = spawn("ours", n, dim, args.k, args.device)
        ref = spawn("reference", n, dim, args.k, "cpu") if n <= args.max_reference_n else None
        cuda_mb = f"{ours['cuda_peak_mb']:8.0f}" if "cuda_peak_mb" in ours else f"{'-':>8}"
        if ref is None:
            print(
                f"{size:>12} | {ours['wall_s']:8.2f} {'-':>8} {'-':>8} | {ours['rss_growth_mb']:8.0f} "
                f"{'-':>8} {'-':>6} | {cuda_mb} | (reference skipped)"
            )
        else:
            same = all(ours["metrics"][k] == ref["metrics"][k] for k in ref["metrics"])
            print(
                f"{size:>12} | {ours['wall_s']:8.2f} {ref['wall_s']:8.2f} "
                f"{ref['wall_s'] / ours['wall_s']:7.1f}x | {ours['rss_growth_mb']:8.0f} "
                f"{ref['rss_growth_mb']:8.0f} {ours['rss_growth_mb'] / max(ref['rss_growth_mb'], 1e-9):6.3f} | "
                f"{cuda_mb} | {same}"
            )
        print(f"{'':>12}   ours {ours['metrics']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
