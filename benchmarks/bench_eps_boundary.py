"""Benchmark: Gaussian measure of the eps-boundary (and perimeter) of a non-cone Voronoi partition.

Case: 10 seeds ~ 0.6 N(0, I_64) (fixed seed), so the cells are not cones. For each eps the
script times, in one run and to the same target relative standard error (1e-3 by default),

(a) plain vectorised numpy Monte Carlo in R^64: draw z ~ N(0, I), find the nearest seed, take
    the distance to the bisectors, average the indicator ``dist < eps``;
(b) ``gaussiso.eps_boundary_measure(..., method="mc")``: the facet-line estimator on
    independent Gaussian points of the reduced space ("current lines", Numba kernel);
(c) ``method="rqmc"`` (what ``"auto"`` takes for this partition): the same facet lines with
    the control variate of mean 1 and randomized QMC points (32 scrambled Sobol sequences).

The perimeter row compares (b) and (c) on ``gaussian_perimeter`` with, as the numpy
reference, the indicator estimate of ``gamma(eps-band) / (2 eps)`` at eps = 0.01 (biased by
O(eps), only a time reference). The numpy baseline is timed on ``--numpy-probe`` samples and
its time extrapolated to the n needed (linear in n; the table says so) unless
``--numpy-full`` is given. Run::

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


def _fmt(v, se):
    return f"{v:.6f} +- {se:.1e}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eps", type=float, nargs="+", default=[0.01, 0.05, 0.3, 1.0])
    ap.add_argument("--rtol", type=float, default=1e-3)
    ap.add_argument("--numpy-probe", type=int, default=400_000)
    ap.add_argument("--numpy-full", action="store_true", help="run the numpy baseline to the target")
    ap.add_argument("--no-perimeter", action="store_true")
    args = ap.parse_args(argv)

    rng = np.random.default_rng(20230)
    seeds = 0.6 * rng.standard_normal((10, 64))
    part = gaussiso.VoronoiPartition(seeds)
    # Compile / load the kernels outside the timings.
    gaussiso.eps_boundary_measure(part, 0.05, method="mc", n_samples=5000, rng=0)
    gaussiso.eps_boundary_measure(part, 0.05, method="rqmc", n_samples=5000, rng=0)

    import numba

    print(
        f"case: m=10 seeds ~ 0.6 N(0, I_64), is_cone={part.is_cone}; target rel. stderr {args.rtol:g}; "
        f"numba threads {numba.get_num_threads()}, cpus {os.cpu_count()}; load {os.getloadavg()[0]:.2f}"
    )
    hdr = (
        f"{'eps':>5} | {'numpy indicator':>24} {'s':>7} | {'current lines (mc)':>24} {'s':>7} | "
        f"{'RQMC':>24} {'s':>7} | {'mc/np':>6} {'rqmc/np':>8} {'rqmc/mc':>8}"
    )
    print(hdr)
    print("-" * len(hdr))

    def numpy_row(eps, scale):
        probe = args.numpy_probe
        p, se, sec = numpy_indicator(seeds, eps, probe, np.random.default_rng(2))
        n_need = int(np.ceil((1 - p) / (p * args.rtol**2)))
        if args.numpy_full:
            p, se, t_np = numpy_indicator(seeds, eps, n_need, np.random.default_rng(3))
        else:
            t_np = sec * n_need / probe
            se = np.sqrt(p * (1 - p) / n_need)
        return p / scale, se / scale, t_np

    rows = [(e, "eps") for e in args.eps] + ([(0.01, "perimeter")] if not args.no_perimeter else [])
    for eps, kind in rows:
        if kind == "eps":
            f = lambda meth: gaussiso.eps_boundary_measure(part, eps, method=meth, rtol=args.rtol, rng=1)  # noqa: E731, B023
            p, se, t_np = numpy_row(eps, 1.0)
            label = f"{eps:5g}"
        else:
            f = lambda meth: gaussiso.gaussian_perimeter(part, method=meth, rtol=args.rtol, rng=1)  # noqa: E731
            p, se, t_np = numpy_row(eps, 2.0 * eps)
            label = "perim"
        t0 = time.perf_counter()
        mc = f("mc")
        t_mc = time.perf_counter() - t0
        t0 = time.perf_counter()
        rq = f("rqmc")
        t_rq = time.perf_counter() - t0
        print(
            f"{label} | {_fmt(p, se):>24} {t_np:7.3f} | {_fmt(mc.value, mc.stderr):>24} {t_mc:7.3f} | "
            f"{_fmt(rq.value, rq.stderr):>24} {t_rq:7.3f} | {t_np / t_mc:6.1f} {t_np / t_rq:8.1f} "
            f"{t_mc / t_rq:8.1f}"
        )
    if not args.numpy_full:
        print(
            f"(numpy times: measured on {args.numpy_probe} samples, scaled linearly to the n needed; "
            f"its value +- stderr: probe mean, stderr at the n needed)"
        )
    print("(perimeter row: numpy is gamma(0.01-band)/0.02, biased by O(eps); mc and rqmc are unbiased)")
    print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
