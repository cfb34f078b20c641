"""Figure 2 of Issenhuth et al. (2023): equidistant against nearly aligned modes.

Trains the ``mixture`` preset (WGAN-GP, MLPs, 2-D Gaussian latent) on three equidistant modes
(Assumption 3.1 holds) and on three nearly aligned modes (its second condition fails: the two
outer Voronoi cells do not touch), then draws, for each, the modes with their Voronoi cells and
generated samples, the latent partition, and the partition over the generator's gradient norm.
With equidistant modes the GAN's latent partition looks like a simplicial cluster (three
sectors meeting at the origin); with aligned modes it is made of two roughly parallel
boundaries.

Writes ``figure2.png`` and ``figure2.json`` (precision, cell masses, Assumption 3.1 check).

Usage::

    python examples/figure2_modes.py --out out/figure2            # 2 x 3000 steps, a few CPU minutes
    python examples/figure2_modes.py --out out/figure2 --quick    # 2 x 150 steps (CI)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import example_parser, latent_panels, mode_precision, pyplot, train_mixture  # noqa: E402


def main(argv=None) -> int:
    ap = example_parser(__doc__, "out/figure2", "generator steps per run (default 3000, quick 150)")
    args = ap.parse_args(argv)
    plt = pyplot()

    from gaussiso.modes import check_assumption_3_1

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    steps = args.steps or (150 if args.quick else 3000)
    res = 60 if args.quick else 150
    t0 = time.perf_counter()
    fig, axes = plt.subplots(2, 3, figsize=(15, 9.2))
    summary = {"steps": steps, "quick": bool(args.quick), "rows": []}
    for row, kind in enumerate(("equidistant", "aligned")):
        print(f"[figure2] training on {kind} modes ({steps} steps)", flush=True)
        run, secs = train_mixture(
            out / f"run_{kind}",
            kind=kind,
            m=3,
            dim=2,
            latent_dim=2,
            steps=steps,
            seed=args.seed,
            device=args.device,
            eval_every=0,
        )
        a31 = check_assumption_3_1(run.dataset.centers, float(run.dataset.support_radius))
        p, se, lab = mode_precision(run, n=5_000 if args.quick else 20_000)
        masses = [float(np.mean(lab == k)) for k in range(3)]
        latent_panels(run, *axes[row], resolution=res)
        axes[row, 0].set_title(f"{kind} modes (Assumption 3.1 {'holds' if bool(a31) else 'fails'})")
        summary["rows"].append(
            {
                "kind": kind,
                "centers": np.asarray(run.dataset.centers).tolist(),
                "assumption_3_1": bool(bool(a31)),
                "precision": p,
                "precision_stderr": se,
                "cell_masses": masses,
                "train_seconds": secs,
            }
        )
        print(
            f"[figure2] {kind}: precision {p:.3f} +- {se:.3f}, cell masses "
            f"{', '.join(f'{x:.3f}' for x in masses)}, Assumption 3.1 {'holds' if bool(a31) else 'fails'} "
            f"({secs:.1f} s)",
            flush=True,
        )
    fig.tight_layout()
    fig.savefig(out / "figure2.png", dpi=70 if args.quick else 90)
    plt.close(fig)
    summary["seconds"] = time.perf_counter() - t0
    (out / "figure2.json").write_text(json.dumps(summary, indent=2))
    print(f"wrote {out / 'figure2.png'} and figure2.json ({summary['seconds']:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
