"""Benchmark: Gaussian measure of the eps-boundary of a non-cone Voronoi partition.

Case: 10 seeds ~ 0.6 N(0, I_64) (fixed seed), so the cells are not cones. For each eps the
script times, in one run,

(a) plain vectorised numpy Monte Carlo in R^64: draw z ~ N(0, I), find the nearest seed, take
    the distance to the bisectors, average the indicator ``dist < eps``;
(b) ``gaussiso.eps_boundary_measure(..., method="mc")`` (facet lines in the reduced space,
    Numba kernel),

both to the same target relative standard error (1e-3 by default). The numpy baseline is timed
on ``--numpy-probe`` samples and its time extrapolated to the n needed (linear in n; the table
says so) unless ``--numpy-full`` is given. Run::

    NUMBA_CACHE_DIR=.numba_cache python benchmarks/bench_eps_boundary.py
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import gaussiso


def numpy_indicator(seeds, eps, n, rng, batch=100_000):
    """Plain Monte Carlo in R^d: returns (mean, stderr, seconds)."""
    m, d = seeds.shape
    sq = np.einsum("ij,ij->i", seeds, seeds)
    pd = np.sqrt(np.sum((seeds[:, None, :] - seeds[None, :, :]) ** 2, axis=-1))
    hits = 0
    t0 = time.perf_counter()
    done = 0
    while done < n:
        b = min(batch, n - done)
        z = rng.standard_normal((b, d))
        sc = sq[None, :] - 2.0 * z @ seeds.T  # |z - s_i|^2 - |z|^2
        lab = np.argmin(sc, axis=1)
        own = sc[np.arange(b), lab][:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            dist = (sc - own) / (2.0 * pd[lab])
        dist[np.arange(b), lab] = np.inf
        hits += int(np.count_nonzero(dist.min(axis=1) < eps))
        done += b
    sec = time.perf_counter() - t0
    p = hits / n
    return p, np.sqrt(p * (1 - p) / n), sec


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eps", type=float, nargs="+", default=[0.01, 0.05, 0.3])
    ap.add_argument("--rtol", type=float, default=1e-3)
    ap.add_argument("--numpy-probe", type=int, default=400_000)
    ap.add_argument("--numpy-full", action="store_true", help="run the numpy baseline to the target")
    args = ap.parse_args(argv)

    rng = np.random.default_rng(20230)
    seeds = 0.6 * rng.standard_normal((10, 64))
    part = gaussiso.VoronoiPartition(seeds)
    # Compile / load the kernels outside the timings.
    gaussiso.eps_boundary_measure(part, 0.05, method="mc", n_samples=5000, rng=0)

    import numba

    print(f"case: m=10 seeds ~ 0.6 N(0, I_64), is_cone={part.is_cone}; target rel. stderr {args.rtol:g}; "
          f"numba threads {numba.get_num_threads()}, cpus {os.cpu_count()}")
    hdr = (f"{'eps':>5} | {'method':<26} | {'n_samples':>11} | {'value +- stderr':>24} | "
           f"{'wall s':>8} | {'speed-up':>8}")
    print(hdr)
    print("-" * len(hdr))
    for eps in args.eps:
        t0 = time.perf_counter()
        est = gaussiso.eps_boundary_measure(part, eps, method="mc", rtol=args.rtol, rng=1)
        t_ours = time.perf_counter() - t0

        probe = args.numpy_probe
        p, se, sec = numpy_indicator(seeds, eps, probe, np.random.default_rng(2))
        n_need = int(np.ceil((1 - p) / (p * args.rtol**2)))
        if args.numpy_full:
            p, se, t_np = numpy_indicator(seeds, eps, n_need, np.random.default_rng(3))
            label = "numpy indicator (run)"
            n_np = n_need
        else:
            t_np = sec * n_need / probe
            se = np.sqrt(p * (1 - p) / n_need)
            label = "numpy indicator (extrap.)"
            n_np = n_need
        print(f"{eps:5g} | {label:<26} | {n_np:11d} | {p:11.6f} +- {se:9.2e} | {t_np:8.2f} | {1.0:8.1f}")
        print(f"{eps:5g} | {'gaussiso ' + est.method:<26} | {est.n_samples:11d} | "
              f"{est.value:11.6f} +- {est.stderr:9.2e} | {t_ours:8.2f} | {t_np / t_ours:8.1f}")
    if not args.numpy_full:
        print(f"(numpy times: measured on {args.numpy_probe} samples, scaled linearly to the n needed; "
              f"its value +- stderr: probe mean, stderr at the n needed)")


if __name__ == "__main__":
    main()
