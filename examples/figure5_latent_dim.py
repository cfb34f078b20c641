"""Figure 5 of Issenhuth et al. (2023), on Gaussian mixtures: precision against latent dimension.

For ``m`` equidistant modes (in ``R^m``), trains the ``mixture`` preset with latent dimension
``d`` in a range and measures the precision (share of generated samples within the support
radius of a mode, with its standard error on 20,000 samples). The theory predicts that
precision improves while ``d + 1 < m`` (no simplicial cluster fits) and saturates once a
simplicial cluster exists; the exact precision of the optimal generator at the same Lipschitz
constant is not plotted (the trained GANs' constants differ).

Writes ``figure5.png`` and ``figure5.json``.

Usage::

    python examples/figure5_latent_dim.py --out out/figure5               # m = 4, 8; d = 1..16
    python examples/figure5_latent_dim.py --out out/figure5 --quick       # m = 4; d = 1, 3; 120 steps
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import example_parser, mode_precision, pyplot, train_mixture  # noqa: E402


def main(argv=None) -> int:
    ap = example_parser(__doc__, "out/figure5", "generator steps per run (default 3000, quick 120)")
    ap.add_argument("--modes", type=int, nargs="+", default=None, help="numbers of modes (default 4 8)")
    ap.add_argument("--dims", type=int, nargs="+", default=None, help="latent dimensions (default 1 2 4 8 16)")
    args = ap.parse_args(argv)
    plt = pyplot()

    from gan.analysis import figures as F

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    modes = args.modes or ([4] if args.quick else [4, 8])
    dims = args.dims or ([1, 3] if args.quick else [1, 2, 4, 8, 16])
    steps = args.steps or (120 if args.quick else 3000)
    n_eval = 5_000 if args.quick else 20_000
    t0 = time.perf_counter()
    prec = np.zeros((len(modes), len(dims)))
    se = np.zeros_like(prec)
    rows = []
    for i, m in enumerate(modes):
        for j, d in enumerate(dims):
            print(f"[figure5] m = {m} modes, latent dimension d = {d} ({steps} steps)", flush=True)
            run, secs = train_mixture(out / f"run_m{m}_d{d}", kind="equidistant", m=m, dim=m, latent_dim=d,
                                      steps=steps, seed=args.seed, device=args.device, eval_every=0)
            prec[i, j], se[i, j], _ = mode_precision(run, n=n_eval)
            rows.append({"m": m, "latent_dim": d, "precision": prec[i, j], "precision_stderr": se[i, j],
                         "simplicial_exists": m <= d + 1, "train_seconds": secs})
            print(f"[figure5]   precision {prec[i, j]:.3f} +- {se[i, j]:.3f} ({secs:.1f} s)", flush=True)
    ax = F.plot_precision_vs_dim(dims, prec, stderr=se, label=[f"{m} modes" for m in modes])
    ax.set_title(f"WGAN-GP on equidistant mixtures ({steps} steps)")
    ax.figure.tight_layout()
    ax.figure.savefig(out / "figure5.png", dpi=80 if args.quick else 100)
    plt.close(ax.figure)
    summary = {"steps": steps, "quick": bool(args.quick), "rows": rows, "seconds": time.perf_counter() - t0}
    (out / "figure5.json").write_text(json.dumps(summary, indent=2))
    print(f"\n{'m':>3} {'d':>3} {'precision':>10} {'stderr':>7}")
    for r in rows:
        print(f"{r['m']:>3} {r['latent_dim']:>3} {r['precision']:>10.3f} {r['precision_stderr']:>7.3f}")
    print(f"wrote {out / 'figure5.png'} and figure5.json ({summary['seconds']:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
