"""Command line: ``python -m gan COMMAND ...`` (``python -m gan --help`` lists the commands).

Each subcommand lives in its own module exposing ``add_arguments(parser)`` and
``run(args) -> int``, imported only when its subcommand is used. Adding a command is one
entry of :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

__all__ = ["COMMANDS", "main"]

# subcommand -> (module with add_arguments/run, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "train": ("gan.training._cli", "train a GAN (a preset, or --resume a run directory)"),
    "sample": ("gan._cli_sample", "draw samples from a trained run"),
    "analyze": ("gan.analysis._cli", "compare a run's latent partition with the simplicial optimum"),
    "optimal": ("gan.analysis._cli_optimal", "write a run directory holding the explicit G*_eps"),
    "demo": ("gan._demo", "the end-to-end demo (train, analyse, report) on CPU"),
    "sweep": ("gan.sweep._cli", "a grid of training runs from a TOML spec (Ray Tune, or serial)"),
}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="python -m gan", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_) in COMMANDS.items():
        sub.add_parser(name, help=help_, add_help=False)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        if argv and argv[0] not in ("-h", "--help"):
            parser.print_usage(sys.stderr)
            print(f"python -m gan: error: unknown command {argv[0]!r}; choose from {', '.join(COMMANDS)}",
                  file=sys.stderr)
            return 2
        parser.print_help()
        return 0 if argv else 2
    name = argv[0]
    module = importlib.import_module(COMMANDS[name][0])
    p = argparse.ArgumentParser(prog=f"python -m gan {name}", description=COMMANDS[name][1])
    module.add_arguments(p)
    args = p.parse_args(argv[1:])
    return int(module.run(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
