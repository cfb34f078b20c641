"""Command line: ``python -m gan COMMAND ...`` (``python -m gan --help`` lists the commands).

Each subcommand lives in its own module exposing ``add_arguments(parser)`` and
``run(args) -> int``, imported only when its subcommand is used. Adding a command is one
entry of :data:`COMMANDS`.

Errors: a bad input ends with one line ``python -m gan COMMAND: error: MESSAGE`` on stderr
and exit status 2, never a traceback. That covers argparse's own errors and the exceptions
of :data:`gan.errors.USER_ERRORS` that a command raises (bad values, missing or corrupted
run files, a run in use, a read-only directory, a request too large to fit), a
``SystemExit`` with a message, and running out of memory. The checks that can be made
before a command's work (:data:`gan._preflight.PREFLIGHT`) are made here, and a command
that writes into an existing run holds that run's lock. Any other
exception is a bug and keeps its traceback; ``GAN_TRACEBACK=1`` shows the traceback of the
user errors too.
"""

from __future__ import annotations

import argparse
import importlib
import os
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
    "classifier": ("gan._cli_classifier", "train the MNIST classifier (features, labels) or show the cached one"),
}


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (and exit status 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {_one_line(message)} (see --help)\n")


def _one_line(text) -> str:
    return " ".join(str(text).split())


def report_error(prog: str, exc) -> int:
    """Print ``exc`` (an exception or a message) as one line ``prog: error: ...`` on stderr; return the exit status 2."""
    msg = exc if isinstance(exc, str) else (str(exc) or type(exc).__name__)
    if isinstance(exc, OSError) and exc.filename is not None and str(exc.filename) not in msg:
        msg = f"{msg}: {exc.filename}"
    print(f"{prog}: error: {_one_line(msg)}", file=sys.stderr)
    return 2


def main(argv=None) -> int:
    """Run ``python -m gan ARGV``; returns the exit status (2 for every input error)."""
    from gan import _preflight
    from gan.errors import USER_ERRORS

    argv = sys.argv[1:] if argv is None else list(argv)
    parser = _Parser(prog="python -m gan", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_) in COMMANDS.items():
        sub.add_parser(name, help=help_, add_help=False)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        if argv and argv[0] not in ("-h", "--help"):
            print(
                f"python -m gan: error: unknown command {argv[0]!r}; choose from {', '.join(COMMANDS)} (see --help)",
                file=sys.stderr,
            )
            return 2
        parser.print_help()
        return 0 if argv else 2
    name = argv[0]
    module = importlib.import_module(COMMANDS[name][0])
    prog = f"python -m gan {name}"
    p = _Parser(prog=prog, description=COMMANDS[name][1])
    module.add_arguments(p)
    args = p.parse_args(argv[1:])
    try:
        if name in _preflight.PREFLIGHT:  # outputs writable, inputs runs, sizes that fit: before any work
            _preflight.PREFLIGHT[name](args)
        if name in _preflight.LOCKED_RUN:  # a command writing into an existing run holds its lock
            return int(_preflight.call_locked(getattr(args, _preflight.LOCKED_RUN[name]), module.run, args) or 0)
        return int(module.run(args) or 0)
    except USER_ERRORS as exc:
        if os.environ.get("GAN_TRACEBACK"):
            raise
        return report_error(prog, exc)
    except SystemExit as exc:  # a command that exits with a message: the same one line, status 2
        if not isinstance(exc.code, str):
            raise
        msg = exc.code[len(prog) + 2 :] if exc.code.startswith(f"{prog}: ") else exc.code
        return report_error(prog, msg)
    except (MemoryError, RuntimeError) as exc:
        if _out_of_memory(exc) and not os.environ.get("GAN_TRACEBACK"):
            return report_error(prog, f"not enough memory: {exc}")
        raise


def _out_of_memory(exc: BaseException) -> bool:
    """numpy's MemoryError, torch's CPU allocator failure or CUDA out-of-memory error."""
    return (
        isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryError" or "can't allocate memory" in str(exc)
    )


if __name__ == "__main__":
    raise SystemExit(main())
