"""Command line: ``python -m gan {train,sample,analyze,optimal,demo} ...``.

Each subcommand lives in its own module exposing ``add_arguments(parser)`` and
``run(args) -> int``; they are imported only when their subcommand is used.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# subcommand -> (module, one-line help)
_COMMANDS = {
    "train": ("gan.training._cli", "train a GAN (a preset, or --resume a run directory)"),
    "sample": ("gan.training._cli_sample", "draw samples from a trained run"),
    "analyze": ("gan.analysis._cli", "compare a run's latent partition with the simplicial optimum"),
    "optimal": ("gan.analysis._cli_optimal", "write a run directory holding the explicit G*_eps"),
    "demo": ("gan._demo", "the end-to-end demo (train, analyse, report) on CPU"),
    "classifier": ("gan._cli_classifier", "train the MNIST classifier (features, labels) or show the cached one"),
}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="python -m gan", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_) in _COMMANDS.items():
        sub.add_parser(name, help=help_, add_help=False)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in _COMMANDS:
        if argv and argv[0] not in ("-h", "--help"):
            parser.print_usage(sys.stderr)
            print(f"python -m gan: error: unknown command {argv[0]!r}; choose from {', '.join(_COMMANDS)}",
                  file=sys.stderr)
            return 2
        parser.print_help()
        return 0 if argv else 2
    name = argv[0]
    module = importlib.import_module(_COMMANDS[name][0])
    p = argparse.ArgumentParser(prog=f"python -m gan {name}", description=_COMMANDS[name][1])
    module.add_arguments(p)
    args = p.parse_args(argv[1:])
    return int(module.run(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
