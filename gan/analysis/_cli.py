"""``python -m gan analyze DIR``: write ``analysis.json`` and figures into a run directory."""

from __future__ import annotations

import json
import sys


def add_arguments(parser) -> None:
    parser.add_argument("run_dir", metavar="DIR", help="run directory (training run or `optimal` output)")
    parser.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto (default)")
    parser.add_argument(
        "--n-samples",
        type=int,
        default=50_000,
        help="latents for precision, partition statistics and agreement (default 50000)",
    )
    parser.add_argument("--n-train", type=int, default=100_000, help="LogReg training latents (default 100000)")
    parser.add_argument("--n-test", type=int, default=10_000, help="LogReg test latents (default 10000)")
    parser.add_argument("--n-pairs", type=int, default=10_000, help="Convex-accuracy segments (default 10000)")
    parser.add_argument(
        "--n-lipschitz",
        type=int,
        default=2_000,
        help="latents for the Lipschitz and Jacobian statistics (default 2000)",
    )
    parser.add_argument(
        "--grid-resolution",
        type=int,
        default=120,
        help="points per side of the latent grid of the figures (default 120)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the analysis latents (default 0)")
    parser.add_argument(
        "--confidence-threshold",
        type=float,
        default=0.8,
        help="image runs: classifier confidence below it labels a sample outside (default 0.8)",
    )
    parser.add_argument(
        "--classifier",
        default=None,
        metavar="PATH",
        help="image runs: classifier weights (default: the cached MNIST oracle)",
    )
    parser.add_argument("--checkpoint", default="last", help="checkpoint to load (default: last)")
    parser.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    parser.add_argument("--quiet", action="store_true", help="print nothing")


def run(args) -> int:
    from .report import analyze_run

    for name in ("n_samples", "n_train", "n_test", "n_pairs", "n_lipschitz", "grid_resolution"):
        if getattr(args, name) < 1:
            print(
                f"python -m gan analyze: error: --{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}",
                file=sys.stderr,
            )
            return 2
    if not 0.0 <= args.confidence_threshold <= 1.0:
        print(
            f"python -m gan analyze: error: --confidence-threshold must lie in [0, 1], got {args.confidence_threshold}",
            file=sys.stderr,
        )
        return 2
    ckpt = int(args.checkpoint) if str(args.checkpoint).isdigit() else args.checkpoint
    res = analyze_run(
        args.run_dir,
        device=args.device,
        n_samples=args.n_samples,
        seed=args.seed,
        figures=not args.no_figures,
        n_train=args.n_train,
        n_test=args.n_test,
        n_pairs=args.n_pairs,
        n_lipschitz=args.n_lipschitz,
        grid_resolution=args.grid_resolution,
        confidence_threshold=args.confidence_threshold,
        classifier_path=args.classifier,
        checkpoint=ckpt,
    )
    if not args.quiet:
        print(json.dumps(res.headline(), indent=2))
        print(f"wrote {args.run_dir}/analysis.json" + (f" and {len(res.figures)} figures" if res.figures else ""))
    return 0
