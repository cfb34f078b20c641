"""``python -m gan sweep SPEC --out DIR``: run a sweep of training runs (Ray Tune or serial)."""

from __future__ import annotations

import sys


def add_arguments(parser) -> None:
    parser.add_argument("spec", metavar="SPEC", help="sweep specification (TOML); see docs/sweeps.md")
    parser.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="sweep directory; rerunning on the same DIR runs only what is missing",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="overrides",
        help="add a fixed setting to the spec's [set] (repeatable; as `gan train --set`)",
    )
    parser.add_argument(
        "--address",
        default=None,
        metavar="auto|HOST:PORT",
        help="join an existing Ray cluster (default: start Ray locally)",
    )
    parser.add_argument(
        "--max-concurrent",
        type=int,
        default=None,
        metavar="N",
        help="at most N trials at once (default: as many as the CPUs allow)",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=None,
        metavar="N",
        help="retries of a failed trial, from its last checkpoint (default: the spec's, else 0)",
    )
    parser.add_argument(
        "--serial", action="store_true", help="run the trials one after another in this process, without Ray"
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="finish the sweep in DIR (the default behaviour; with it DIR must hold that sweep)",
    )
    parser.add_argument("--check", action="store_true", help="check the spec and list the trials; run nothing")
    parser.add_argument("--quiet", action="store_true", help="print nothing but errors")


def run(args) -> int:
    from pathlib import Path

    from . import load_spec, run_sweep

    prog = "python -m gan sweep"
    try:
        spec = load_spec(args.spec, overrides=args.overrides)
    except (OSError, ValueError, TypeError) as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 2
    if args.check:
        for t in spec.trials():
            print(t.name)
        print(f"{len(spec.trials())} trial(s); spec OK")
        return 0
    if args.resume and not (Path(args.out) / "sweep.json").is_file():
        print(f"{prog}: error: --resume: {args.out!r} holds no sweep", file=sys.stderr)
        return 2
    for name in ("max_concurrent", "retries"):
        v = getattr(args, name)
        if v is not None and v < (1 if name == "max_concurrent" else 0):
            print(
                f"{prog}: error: --{name.replace('_', '-')} must be >= {1 if name == 'max_concurrent' else 0}, got {v}",
                file=sys.stderr,
            )
            return 2
    try:
        res = run_sweep(
            spec,
            args.out,
            backend="serial" if args.serial else "auto",
            address=args.address,
            max_concurrent=args.max_concurrent,
            retries=args.retries,
            quiet=args.quiet,
        )
    except (ValueError, ImportError) as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 2
    return 1 if res.failed else 0
