"""Figure 5 of Issenhuth et al. (2023), on Gaussian mixtures: precision against latent dimension.

For ``m`` equidistant modes (in ``R^m``), trains the ``mixture`` preset with latent dimension
``d`` in a range and measures the precision (share of generated samples within the support
radius of a mode, with its standard error on 20,000 samples). The theory predicts that
precision improves while ``d + 1 < m`` (no simplicial cluster fits) and saturates once a
simplicial cluster exists; the exact precision of the optimal generator at the same Lipschitz
constant is not plotted (the trained GANs' constants differ).

The runs are the sweep ``examples/sweeps/figure5.toml`` (``python -m gan sweep`` runs it
alone): this script adjusts it to the command line, runs it with :func:`gan.sweep.run_sweep`
into ``OUT/sweep`` (on Ray Tune when installed, in parallel on the cores; rerunning resumes
and retrains nothing finished), and draws the figure from the sweep's table.

Writes ``figure5.png`` and ``figure5.json``.

Usage::

    python examples/figure5_latent_dim.py --out out/figure5               # m = 4, 8; d = 1..16
    python examples/figure5_latent_dim.py --out out/figure5 --quick       # m = 4; d = 1, 3; 120 steps
    python -m gan sweep examples/sweeps/figure5.toml --out out/figure5-sweep   # the runs only
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import example_parser, pyplot  # noqa: E402

SPEC = Path(__file__).resolve().parent / "sweeps" / "figure5.toml"


def main(argv=None) -> int:
    ap = example_parser(__doc__, "out/figure5", "generator steps per run (default 3000, quick 120)")
    ap.add_argument("--modes", type=int, nargs="+", default=None, help="numbers of modes (default 4 8)")
    ap.add_argument("--dims", type=int, nargs="+", default=None, help="latent dimensions (default 1 2 4 8 16)")
    ap.add_argument("--serial", action="store_true", help="run the trials in this process, without Ray")
    args = ap.parse_args(argv)
    plt = pyplot()

    from gan.analysis import figures as F
    from gan.sweep import load_spec, run_sweep

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    spec = load_spec(SPEC).to_dict()  # plain tables, adjusted below
    modes = args.modes or ([4] if args.quick else [v["data_options"]["m"] for v in spec["variants"]])
    dims = args.dims or ([1, 3] if args.quick else spec["grid"]["latent_dim"])
    steps = args.steps or (120 if args.quick else spec["set"]["steps"])
    spec["variants"] = [{"name": f"m{m}", "data_options": {"m": m, "dim": m}} for m in modes]
    spec["grid"] = {"latent_dim": dims, "seed": [args.seed]}
    spec["set"].update(steps=steps, eval_every=steps, device=args.device)
    if args.quick:
        spec["set"]["eval_samples"] = 5_000
    t0 = time.perf_counter()
    res = run_sweep(spec, out / "sweep", backend="serial" if args.serial else "auto")
    if res.failed:
        print(f"[figure5] {len(res.failed)} run(s) failed; see {out / 'sweep' / 'results.md'}", file=sys.stderr)
        return 1

    prec = np.zeros((len(modes), len(dims)))
    se = np.zeros_like(prec)
    rows = []
    by = {(r["variant"], r["latent_dim"]): r for r in res.rows}
    for i, m in enumerate(modes):
        for j, d in enumerate(dims):
            r = by[(f"m{m}", d)]
            prec[i, j], se[i, j] = r["eval/precision"], r["eval/precision_stderr"]
            rows.append(
                {
                    "m": m,
                    "latent_dim": d,
                    "precision": prec[i, j],
                    "precision_stderr": se[i, j],
                    "simplicial_exists": m <= d + 1,
                    "train_seconds": r["seconds"],
                    "run_dir": str(out / "sweep" / "runs" / r["trial"]),
                }
            )
    ax = F.plot_precision_vs_dim(dims, prec, stderr=se, label=[f"{m} modes" for m in modes])
    ax.set_title(f"WGAN-GP on equidistant mixtures ({steps} steps)")
    ax.figure.tight_layout()
    ax.figure.savefig(out / "figure5.png", dpi=80 if args.quick else 100)
    plt.close(ax.figure)
    summary = {
        "steps": steps,
        "quick": bool(args.quick),
        "backend": res.run.get("backend"),
        "rows": rows,
        "seconds": time.perf_counter() - t0,
    }
    (out / "figure5.json").write_text(json.dumps(summary, indent=2))
    print(f"\n{'m':>3} {'d':>3} {'precision':>10} {'stderr':>7}")
    for r in rows:
        print(f"{r['m']:>3} {r['latent_dim']:>3} {r['precision']:>10.3f} {r['precision_stderr']:>7.3f}")
    print(f"wrote {out / 'figure5.png'} and figure5.json ({summary['seconds']:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
