"""Benchmark: Gaussian measure of the eps-boundary (and perimeter) of non-cone Voronoi partitions.

Case A: 10 seeds ~ 0.6 N(0, I_64) (fixed seed): affinely independent, not a cone. Case B:
40 seeds ~ 0.6 N(0, I_8): more seeds than d + 1, so not affinely independent. For each eps
the script times, in one run and to the same target relative standard error (1e-3 by
default),

(a) plain vectorised numpy Monte Carlo in R^d: draw z ~ N(0, I), find the nearest seed, take
    the distance to the bisectors, average the indicator ``dist < eps``;
(b) ``gaussiso.eps_boundary_measure(..., method="mc")``: the facet-line estimator on
    independent Gaussian points of the reduced space ("current lines", Numba kernel);
(c) ``method="rqmc"``: the same facet lines with the control variate of mean 1 and
    randomized QMC points (32 scrambled Sobol sequences); what ``"auto"`` takes in case B;
(d) case A only, ``method="sov"``: each cell is a simplicial cone, its measure a 9-variate
    normal CDF computed by separation of variables at randomized QMC points
    (:mod:`gaussiso._sov`); what ``"auto"`` takes in case A.

The perimeter row compares the estimators on ``gaussian_perimeter`` with, as the numpy
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


CASES = {
    "A": ("10 seeds ~ 0.6 N(0, I_64), affinely independent", 10, 64, ("mc", "rqmc", "sov")),
    "B": ("40 seeds ~ 0.6 N(0, I_8), not affinely independent", 40, 8, ("mc", "rqmc")),
}


def run_case(name, args):
    title, m, d, methods = CASES[name]
    rng = np.random.default_rng(20230)
    seeds = 0.6 * rng.standard_normal((m, d))
    part = gaussiso.VoronoiPartition(seeds)
    # Compile / load the kernels outside the timings.
    for meth in methods:
        gaussiso.eps_boundary_measure(part, 0.05, method=meth, n_samples=5000, rng=0)
        gaussiso.gaussian_perimeter(part, method=meth, n_samples=5000, rng=0)
    auto = gaussiso.eps_boundary_measure(part, 0.05, n_samples=5000, rng=0).method

    import numba

    print(
        f"\ncase {name}: {title}; is_cone={part.is_cone}, reduced dim {part.reduce()[0].d}; "
        f'"auto" takes "{auto}"; target rel. stderr {args.rtol:g}; numba threads '
        f"{numba.get_num_threads()}, cpus {os.cpu_count()}; load {os.getloadavg()[0]:.2f}"
    )
    names = {"mc": "current lines (mc)", "rqmc": "RQMC", "sov": "SOV"}
    hdr = f"{'eps':>5} | {'numpy indicator':>24} {'s':>7} | " + " | ".join(
        f"{names[mt]:>24} {'s':>7}" for mt in methods
    )
    hdr += " | " + " ".join(f"{mt + '/np':>8}" for mt in methods)
    if "sov" in methods:
        hdr += f" {'sov/rqmc':>8}"
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
        line = f"{label} | {_fmt(p, se):>24} {t_np:7.3f}"
        times = {}
        for meth in methods:
            t0 = time.perf_counter()
            est = f(meth)
            times[meth] = time.perf_counter() - t0
            line += f" | {_fmt(est.value, est.stderr):>24} {times[meth]:7.3f}"
        line += " | " + " ".join(f"{t_np / times[mt]:8.1f}" for mt in methods)
        if "sov" in methods:
            line += f" {times['rqmc'] / times['sov']:8.1f}"
        print(line, flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eps", type=float, nargs="+", default=[0.01, 0.05, 0.3, 1.0])
    ap.add_argument("--rtol", type=float, default=1e-3)
    ap.add_argument("--numpy-probe", type=int, default=400_000)
    ap.add_argument("--numpy-full", action="store_true", help="run the numpy baseline to the target")
    ap.add_argument("--no-perimeter", action="store_true")
    ap.add_argument("--cases", nargs="+", choices=sorted(CASES), default=sorted(CASES))
    args = ap.parse_args(argv)
    for name in args.cases:
        run_case(name, args)
    if not args.numpy_full:
        print(
            f"(numpy times: measured on {args.numpy_probe} samples, scaled linearly to the n needed; "
            f"its value +- stderr: probe mean, stderr at the n needed)"
        )
    print("(perimeter row: numpy is gamma(0.01-band)/0.02, biased by O(eps); the other estimators are unbiased)")
    print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
