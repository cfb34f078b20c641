"""``python -m gan train``: start a run from a preset, or resume one.

Examples
--------
``python -m gan train --preset mixture --out runs/mix``
``python -m gan train --preset mnist --out runs/mnist --set width=0.25 --set batch_size=64 --steps 500``
``python -m gan train --resume runs/mix --steps 6000``
``torchrun --nproc_per_node 2 -m gan train --preset mnist --out runs/mnist-ddp``
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m gan train``."""
    from .presets import PRESETS

    parser.add_argument("--preset", choices=sorted(PRESETS), help="starting configuration")
    parser.add_argument("--out", type=Path, help="new run directory (absent or empty)")
    parser.add_argument("--resume", type=Path, metavar="DIR", help="continue the run in DIR from its last checkpoint")
    parser.add_argument("--steps", type=int, help="generator steps in total")
    parser.add_argument("--device", help="auto (default), cpu, cuda, cuda:N")
    parser.add_argument("--seed", type=int, help="seed of every random stream")
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
        help="override a config key (repeatable), e.g. --set lr_g=1e-4 --set sampler_options.tau=0.1",
    )  # fmt: skip
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _fail(msg: str) -> int:
    print(f"python -m gan train: error: {msg}", file=sys.stderr)
    return 2


def run(args) -> int:
    """Run ``python -m gan train``; returns the exit status (2 on a usage error)."""
    from gan._rundir import check_writable, is_free

    from .config import TrainConfig, apply_overrides, parse_override, preset_config, run_config
    from .loop import train

    if args.steps is not None and args.steps < 0:
        return _fail(f"--steps must be >= 0, got {args.steps}")
    try:
        overrides = [parse_override(item) for item in args.overrides]
    except ValueError as exc:
        return _fail(str(exc))
    for flag in ("steps", "device", "seed"):
        if getattr(args, flag) is not None:
            overrides.append((flag, getattr(args, flag)))

    if args.resume is not None:
        if args.preset is not None or args.out is not None:
            return _fail("--resume continues an existing run; do not combine it with --preset or --out")
        run_dir = args.resume
        saved = run_config(run_dir).to_dict()  # FileNotFoundError / CorruptRunError naming the file
        try:
            cfg = TrainConfig.from_dict(apply_overrides(saved, overrides))
        except ValueError as exc:
            return _fail(str(exc))
        resume = True
    else:
        if args.preset is None or args.out is None:
            return _fail("give --preset NAME --out DIR for a new run, or --resume DIR")
        run_dir = args.out
        # under torchrun only rank 0 checks: the others may start after it created the directory
        if os.environ.get("RANK", "0") == "0" and not is_free(run_dir):
            return _fail(
                f"--out {str(run_dir)!r} exists and is not empty; choose a new directory or continue it with --resume"
            )
        try:
            cfg = preset_config(args.preset, overrides)
        except ValueError as exc:
            return _fail(str(exc))
        check_writable(run_dir)  # before building anything
        resume = False
    # errors of the run directory (corrupted, locked, read-only...) are reported by gan.cli
    result = train(cfg, run_dir, resume=resume, quiet=args.quiet)
    if not args.quiet:
        summary = {k: v for k, v in result.last_metrics.items() if isinstance(v, (int, float))}
        print(f"run {run_dir}: step {result.step}, {result.seconds:.1f} s; last metrics {json.dumps(summary)}")
    return 0
