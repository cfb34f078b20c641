"""``python -m gan sample RUN_DIR --n N --out FILE.npy|FILE.png``: draw from a trained run.

``.npy`` holds the samples, float32 of shape ``(n, D)`` or ``(n, C, H, W)`` in ``[-1, 1]``;
``.png`` is a scatter plot (the first two coordinates; 2-D data with the training data in
grey) or an image grid (:func:`gan.analysis.figures.plot_training_progress`).
The latents come from a fresh copy of the run's sampler seeded with ``--seed``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_arguments", "run", "sample_run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m gan sample``."""
    parser.add_argument("run_dir", type=Path, help="a run directory")
    parser.add_argument("--n", type=int, default=1000, help="number of samples (default 1000)")
    parser.add_argument("--out", type=Path, required=True, help="output file, .npy or .png")
    parser.add_argument("--seed", type=int, default=0, help="seed of the latents (default 0)")
    parser.add_argument("--device", default="auto", help="auto (default), cpu, cuda, cuda:N")
    parser.add_argument("--checkpoint", default="last", help="'last' (default), a snapshot step or a checkpoint file")


def sample_run(run, n: int, seed: int = 0):
    """``n`` samples of a loaded run and their latent clusters.

    Parameters
    ----------
    run : gan.runs.Run
    n : int
    seed : int
        Seed of the latents (the sampler's stream is set from it and restored afterwards).

    Returns
    -------
    (samples, cluster) : (ndarray float32, ndarray int64 or None)
    """
    import torch

    from gan._util import derived_seed, torch_generator

    saved = run.sampler.get_rng_state()
    run.sampler.set_rng_state(torch_generator(derived_seed(seed, 99)).get_state())
    try:
        with torch.no_grad():
            batch = run.sampler.sample(n, device=run.device)
            x = run.generator(batch.z)
    finally:
        run.sampler.set_rng_state(saved)
    cluster = None if batch.cluster is None else batch.cluster.cpu().numpy()
    return x.float().cpu().numpy(), cluster


def run(args) -> int:
    """Run ``python -m gan sample``; returns the exit status."""
    import numpy as np

    from gan._preflight import check_sample_size
    from gan._rundir import check_writable
    from gan.analysis.figures import plot_training_progress
    from gan.runs import load_run

    def fail(msg):
        print(f"python -m gan sample: error: {msg}", file=sys.stderr)
        return 2

    if args.n < 1:
        return fail(f"--n must be >= 1, got {args.n}")
    if args.seed < 0:
        return fail(f"--seed must be >= 0, got {args.seed}")
    suffix = args.out.suffix.lower()
    if suffix not in (".npy", ".png"):
        return fail(f"--out must end in .npy or .png, got {str(args.out)!r}")
    if args.out.is_dir():
        return fail(f"--out {str(args.out)!r} is a directory; give a file name ending in .npy or .png")
    check_writable(args.out.parent)  # before the work
    ck = str(args.checkpoint)
    checkpoint = "last" if ck == "last" else int(ck) if ck.isdigit() else Path(ck)
    if isinstance(checkpoint, Path) and not checkpoint.is_file():
        return fail(f"--checkpoint must be 'last', a snapshot step or a checkpoint file, got {ck!r}")
    # FileNotFoundError / CorruptRunError go to gan.cli, which prints them in one line
    r = load_run(args.run_dir, device=args.device, checkpoint=checkpoint)
    shape = r.config.get("resolved", {}).get("data_shape") or [getattr(r.dataset, "dim", 1)]
    check_sample_size(args.n, r.sampler.latent_dim, shape)
    x, cluster = sample_run(r, args.n, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".npy":
        np.save(args.out, x)
    else:
        real = None
        if r.dataset is not None and x.ndim == 2 and x.shape[1] == 2:
            real = np.asarray(r.dataset.sample(min(args.n, 2000), np.random.default_rng(args.seed))[0])
        ax = plot_training_progress(x, cluster=cluster, real=real, step=r.step)
        ax.figure.savefig(args.out, dpi=100, bbox_inches="tight")
    print(f"wrote {args.n} samples to {args.out}")
    return 0
