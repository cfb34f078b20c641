"""Table 3 of Issenhuth et al. (2023) on MNIST: truncation methods against the baseline.

Trains, with the ``mnist`` preset (latent dimension 64):

* the baseline (Gaussian latent);
* simplicial truncation with the mutual-information head (``latent=simplicial``, 10 clusters,
  MI loss during the first 20 epochs, Appendix B.3);
* DeLiGAN (``latent=deligan``, a learnable mixture of 10 Gaussians);

and applies Jacobian-based truncation (JBT, keep 90%) to the trained baseline. Reports FID,
precision, recall, density and coverage (k = 5) in the oracle classifier's feature space
(``prdc`` conventions). The paper's Table 3 is on CIFAR-10/100 and STL-10 with TransGAN; this
is the same comparison on MNIST, at the scale given by ``--steps``.

Writes ``table3.json`` and ``table3.md``.

Usage::

    python examples/mnist/table3.py --out out/table3                  # 80k steps per model (GPU)
    python examples/mnist/table3.py --out out/table3 --quick          # tiny CPU version (CI)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _mnist_common import features, generate, metrics, mnist_parser, oracle, real_images, settings, train_run, write  # noqa: E402

MODELS = (
    ("baseline", "gaussian", {}),
    ("simplicial + MI", "simplicial", {"n_clusters": 10}),
    ("DeLiGAN", "deligan", {"n_clusters": 10}),
)


def main(argv=None) -> int:
    ap = mnist_parser(
        __doc__, "out/table3", "generator steps per model (default 80000)", "samples per side (default 10000)"
    )
    ap.add_argument("--jbt-keep", type=float, default=0.9, help="share of latents JBT keeps")
    args = ap.parse_args(argv)
    from gan.latents import jacobian_truncation

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    n_eval = args.n_eval or (300 if args.quick else 10_000)
    clf = oracle(args.quick, args.device, args.data_root)
    real = features(clf, real_images(n_eval, args.seed, args.data_root))
    rows = []
    for name, latent, opts in MODELS:
        print(f"[table3] training {name}", flush=True)
        run, secs = train_run(
            out / f"run_{latent}",
            latent=latent,
            sampler_options=opts,
            latent_dim=args.latent_dim,
            seed=args.seed,
            device=args.device,
            data_root=args.data_root,
            quick=args.quick,
            overrides=settings(args.quick, args),
        )
        with torch.no_grad():
            z = run.sampler.sample(n_eval, device=run.device).z
        rows.append(
            {"model": name, "train_seconds": secs, "steps": run.step, **metrics(real, features(clf, generate(run, z)))}
        )
        if latent == "gaussian":
            print("[table3] JBT on the baseline", flush=True)
            zj = jacobian_truncation(
                run.generator, run.sampler, n_eval, keep=args.jbt_keep, device=run.device, seed=args.seed
            ).z
            rows.append(
                {
                    "model": f"baseline + JBT (keep {args.jbt_keep:.0%})",
                    "train_seconds": 0.0,
                    "steps": run.step,
                    **metrics(real, features(clf, generate(run, zj))),
                }
            )
    md = ["| model | FID | precision | recall | density | coverage |", "|---|---|---|---|---|---|"]
    for r in rows:
        md.append(
            f"| {r['model']} | {r['fid']:.2f} | {100 * r['precision']:.1f} | {100 * r['recall']:.1f} | "
            f"{100 * r['density']:.1f} | {100 * r['coverage']:.1f} |"
        )
    res = {"quick": bool(args.quick), "n_eval": n_eval, "rows": rows, "seconds": time.perf_counter() - t0}
    write(out, "table3", res, md)
    print("\n".join(md))
    print(f"wrote {out / 'table3.md'} and table3.json ({res['seconds']:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
