"""Figure 3 of Issenhuth et al. (2023): m > d + 1, where no simplicial cluster exists.

Trains the ``mixture`` preset with a 2-D Gaussian latent on ``m`` equidistant modes of
``R^m`` (``m = 4, 5, 6`` by default), so ``m > d + 1 = 3``: the multi-bubble theorem says
nothing and the optimal partition of the plane into ``m`` cells is unknown. The figure shows the
partition each GAN finds. For reference the script also prints the Gaussian perimeter of the
``m``-sector partition of the plane (equal cones, ``m / (2 sqrt(2 pi))``) against the
simplicial cluster that exists in dimension ``m - 1``, and puts each GAN's latent partition
(probed eps-boundaries; its perimeter extrapolated from them) beside the best partitions that
:func:`gaussiso.optimal_partition` finds: into ``m`` cells of equal measure, and into cells of
the GAN's own measures (the like-for-like comparison: a GAN's cells are rarely of equal
measure, and a partition into unequal cells can have a smaller perimeter).

Writes ``figure3.png`` and ``figure3.json``.

Usage::

    python examples/figure3_partitions.py --out out/figure3              # 3 x 4000 steps
    python examples/figure3_partitions.py --out out/figure3 --quick      # m = 4 only, 150 steps (CI)
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import example_parser, label_fn_of, mode_precision, pyplot, train_mixture  # noqa: E402


def _beside_optimum(run, m, args):
    """The GAN's latent partition (nearest mode, no support radius) beside optimal partitions.

    Two optima: the equal-measure one (the question of Figure 3), and the one with the GAN's
    own cell measures (weights), which is the like-for-like comparison when the GAN's cells
    are not of equal measure. The GAN's eps-boundaries are probed (a lower bound up to their
    standard error: probes miss thin slivers); its perimeter is the Richardson extrapolation
    ``2 r(eps / 2) - r(eps)`` of ``r(eps) = gamma(eps-boundary) / (2 eps)`` at eps = 0.05,
    which removes the first-order term of ``r`` (a plain ``r(0.05)`` is off by O(eps)).
    """
    from gan.analysis import generator_label_fn, label_by_nearest_mode
    from gaussiso._optimal_partition import optimal_partition, probe_eps_boundary, richardson_perimeter

    centers = np.asarray(run.dataset.centers, dtype=np.float64)
    gan_label = generator_label_fn(run.generator, lambda x: label_by_nearest_mode(x, centers, np.inf))
    n_starts = 3 if args.quick else 6
    n = 2**12 if args.quick else 2**16
    rng = np.random.default_rng(args.seed)
    # the GAN's latent cell measures (every latent has a nearest mode)
    z = rng.standard_normal((n, 2))
    masses = np.bincount(np.asarray(gan_label(z)), minlength=m) / n
    kept = masses[masses >= 0.005]
    opt = optimal_partition(m, 2, rng=args.seed, n_starts=n_starts)
    opt_w = None
    if len(kept) >= 2:
        opt_w = optimal_partition(len(kept), 2, weights=kept / kept.sum(), rng=args.seed, n_starts=n_starts)
    out = {
        "gan_latent_cell_measures": masses.tolist(),
        "gan_effective_cells": int(len(kept)),
        "optimum_perimeter": float(opt.perimeter().value),
        "optimum_same_measures_perimeter": None if opt_w is None else float(opt_w.perimeter().value),
    }
    probes = {}
    for i, eps in enumerate((0.025, 0.05, 0.1, 0.2)):
        est = probe_eps_boundary(gan_label, 2, eps, n_samples=n, rng=np.random.default_rng([args.seed, i]))
        probes[eps] = est
        out[f"gan_eps_{eps}"], out[f"gan_eps_{eps}_err"] = float(est.value), float(est.stderr)
        out[f"optimum_eps_{eps}"] = float(opt.eps_boundary_measure(eps).value)
        if opt_w is not None:
            out[f"optimum_same_measures_eps_{eps}"] = float(opt_w.eps_boundary_measure(eps).value)
    per = richardson_perimeter(probes[0.025], probes[0.05], 0.05)  # independent probe draws
    out["gan_perimeter_extrapolated"], out["gan_perimeter_extrapolated_err"] = float(per.value), float(per.stderr)
    out["gan_perimeter"] = per
    return out


def main(argv=None) -> int:
    ap = example_parser(__doc__, "out/figure3", "generator steps per run (default 4000, quick 150)")
    ap.add_argument("--modes", type=int, nargs="+", default=None, help="numbers of modes (default 4 5 6)")
    args = ap.parse_args(argv)
    plt = pyplot()

    import gaussiso
    from gan.analysis import figures as F
    from gan.analysis import latent_grid

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    modes = args.modes or ([4] if args.quick else [4, 5, 6])
    steps = args.steps or (150 if args.quick else 4000)
    res = 60 if args.quick else 160
    t0 = time.perf_counter()
    fig, axes = plt.subplots(1, len(modes), figsize=(5.2 * len(modes), 4.8), squeeze=False)
    rows = []
    for ax, m in zip(axes[0], modes):
        print(f"[figure3] training on {m} equidistant modes of R^{m}, 2-D latent ({steps} steps)", flush=True)
        run, secs = train_mixture(
            out / f"run_m{m}",
            kind="equidistant",
            m=m,
            dim=m,
            latent_dim=2,
            steps=steps,
            seed=args.seed,
            device=args.device,
            eval_every=0,
        )
        p, se, lab = mode_precision(run, n=5_000 if args.quick else 20_000)
        masses = [float(np.mean(lab == k)) for k in range(m)]
        grid, xs = latent_grid(3.0, res)
        glab = label_fn_of(run)(grid)
        F.plot_latent_partition(glab, xs, m=m, ax=ax, title=f"m = {m} modes, d = 2 (precision {p:.2f})")
        sectors = m / (2.0 * math.sqrt(2.0 * math.pi))
        opt = _beside_optimum(run, m, args)
        simplicial = float(gaussiso.gaussian_perimeter(gaussiso.simplicial_cluster(m, m - 1), method="exact").value)
        rows.append(
            {
                "m": m,
                "precision": p,
                "precision_stderr": se,
                "cell_masses": masses,
                "train_seconds": secs,
                "perimeter_m_sectors_plane": sectors,
                "perimeter_simplicial_dim_m_minus_1": simplicial,
                **{k: v for k, v in opt.items() if k != "gan_perimeter"},
            }
        )
        print(
            f"[figure3] m = {m}: precision {p:.3f} +- {se:.3f}; cell masses "
            f"{', '.join(f'{x:.3f}' for x in masses)}; perimeter of m equal sectors {sectors:.4f}, "
            f"of the simplicial cluster in R^{m - 1} {simplicial:.4f} ({secs:.1f} s)",
            flush=True,
        )
        same = opt["optimum_same_measures_perimeter"]
        print(
            f"[figure3] m = {m}: GAN latent cell measures "
            f"{', '.join(f'{x:.3f}' for x in opt['gan_latent_cell_measures'])}; perimeter: GAN "
            f"{opt['gan_perimeter'].value:.4f} +- {opt['gan_perimeter'].stderr:.4f} (probes, extrapolated to eps -> 0), optimum with the GAN's cell measures "
            f"{'-' if same is None else f'{same:.4f}'}, equal-measure optimum {opt['optimum_perimeter']:.4f}",
            flush=True,
        )
        print(
            f"[figure3] m = {m}: eps-boundary at eps = 0.1: GAN {opt['gan_eps_0.1']:.4f} +- "
            f"{opt['gan_eps_0.1_err']:.4f} (a lower bound: probes), optimum with its measures "
            f"{opt.get('optimum_same_measures_eps_0.1', float('nan')):.4f}, equal-measure optimum "
            f"{opt['optimum_eps_0.1']:.4f}",
            flush=True,
        )
    fig.tight_layout()
    fig.savefig(out / "figure3.png", dpi=70 if args.quick else 90)
    plt.close(fig)
    summary = {"steps": steps, "quick": bool(args.quick), "rows": rows, "seconds": time.perf_counter() - t0}
    (out / "figure3.json").write_text(json.dumps(summary, indent=2))
    print(f"wrote {out / 'figure3.png'} and figure3.json ({summary['seconds']:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
