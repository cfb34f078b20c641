"""Table 1 of Issenhuth et al. (2023), MNIST row: precision, LogReg and Convex accuracy at d = 64.

Trains the ``mnist`` preset (Table 4 networks and settings, Gaussian latent of dimension 64),
then measures, with the oracle MNIST classifier of :mod:`gan.classifier`:

* precision, recall, density, coverage (k = 5) and FID in the classifier's feature space, in
  the ``prdc`` convention, and also in the argument order of the paper's own evaluation
  script (``paper_order``: precision and recall swapped, see docs/theory);
* LogReg accuracy (multinomial logistic regression from z to the classifier's label of G(z))
  and Convex accuracy (segments between same-label latents keep the label at t = 1/4, 1/2,
  3/4), through :func:`gan.analysis.analyze_generator`.

Writes ``table1.json`` and ``table1.md``. See examples/mnist/README.md for run times.

Usage::

    python examples/mnist/table1.py --out out/table1                   # the paper's 80k steps (GPU)
    python examples/mnist/table1.py --out out/table1 --steps 5000      # shorter
    python examples/mnist/table1.py --out out/table1 --quick           # 15 tiny steps on CPU (CI)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _mnist_common import features, generate, metrics, mnist_parser, oracle, real_images, settings, train_run, write  # noqa: E402

PAPER = {"precision": 93.2, "logreg_accuracy": 90.4, "convex_accuracy": 98.7}


def main(argv=None) -> int:
    ap = mnist_parser(
        __doc__, "out/table1", "generator steps (default 80000)", "samples per side for the metrics (default 10000)"
    )
    args = ap.parse_args(argv)
    from gan.analysis import analyze_generator, label_by_classifier

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    n_eval = args.n_eval or (300 if args.quick else 10_000)
    print("[table1] oracle classifier", flush=True)
    clf = oracle(args.quick, args.device, args.data_root)
    print("[table1] training the mnist preset", flush=True)
    run, secs = train_run(
        out / "run",
        latent_dim=args.latent_dim,
        seed=args.seed,
        device=args.device,
        data_root=args.data_root,
        quick=args.quick,
        overrides=settings(args.quick, args),
    )
    print(f"[table1] trained in {secs:.1f} s; metrics on {n_eval} samples", flush=True)
    g = torch.Generator().manual_seed(args.seed + 1)
    z = torch.randn(n_eval, args.latent_dim, generator=g)
    fake = features(clf, generate(run, z))
    real = features(clf, real_images(n_eval, args.seed, args.data_root))
    met = metrics(real, fake)
    sizes = (
        dict(n_samples=600, n_train=600, n_test=300, n_pairs=100, n_lipschitz=50)
        if args.quick
        else dict(n_samples=10_000, n_train=100_000, n_test=10_000, n_pairs=10_000, n_lipschitz=500)
    )
    ana = analyze_generator(
        run.generator,
        latent_dim=args.latent_dim,
        labeller=lambda x: label_by_classifier(x, clf, 0.0),
        seed=args.seed,
        device=run.device,
        **sizes,
    )
    res = {
        "quick": bool(args.quick),
        "steps": run.step,
        "train_seconds": secs,
        "n_eval": n_eval,
        "metrics": met,
        "logreg_accuracy": ana.logreg.accuracy,
        "logreg_accuracy_stderr": ana.logreg.stderr,
        "convex_accuracy": ana.convex.accuracy,
        "convex_accuracy_stderr": ana.convex.stderr,
        "paper": PAPER,
        "seconds": time.perf_counter() - t0,
    }
    md = [
        "| | precision | recall | density | coverage | FID | LogReg acc | Convex acc |",
        "|---|---|---|---|---|---|---|---|",
        f"| ours, prdc order ({run.step} steps) | {100 * met['precision']:.1f} | {100 * met['recall']:.1f} | "
        f"{100 * met['density']:.1f} | {100 * met['coverage']:.1f} | {met['fid']:.2f} | "
        f"{100 * ana.logreg.accuracy:.1f} | {100 * ana.convex.accuracy:.1f} |",
        f"| ours, paper's (fake, real) order | {100 * met['paper_order']['precision']:.1f} | "
        f"{100 * met['paper_order']['recall']:.1f} | | | | | |",
        f"| paper, Table 1 | {PAPER['precision']} | | | | | {PAPER['logreg_accuracy']} | {PAPER['convex_accuracy']} |",
    ]
    write(out, "table1", res, md)
    print("\n".join(md))
    print(f"wrote {out / 'table1.md'} and table1.json ({res['seconds']:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
