"""Checks the commands make before any work: outputs writable, inputs runs, sizes that fit.

A command that fails only at its final write loses all the work before it; these checks
move every failure that can be foreseen to the start. Each raises one of the classes of
:data:`gan.errors.USER_ERRORS`, which :func:`gan.cli.main` prints as one line.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from gan import _rundir as layout
from gan.errors import ResourceError, RunDirError

__all__ = ["physical_memory", "check_fits", "check_sample_size", "check_analyze", "check_optimal_out",
           "check_demo_out", "call_locked", "PREFLIGHT", "LOCKED_RUN"]  # fmt: skip


def physical_memory() -> int | None:
    """Bytes of physical memory of this machine (``None`` when unknown)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def check_fits(need: int, what: str, available: int | None = None) -> int:
    """Refuse a request whose estimated memory ``need`` (bytes) exceeds half of the machine's.

    Parameters
    ----------
    need : int
        Estimated bytes.
    what : str
        The request, for the message (``"--n 1000000000000"``).
    available : int, optional
        Bytes of memory (default :func:`physical_memory`).

    Returns
    -------
    int
        ``need``.

    Raises
    ------
    gan.errors.ResourceError
        Naming the request, the estimate and the memory.

    Examples
    --------
    >>> check_fits(10, "--n 1", available=2**30)
    10
    """
    avail = physical_memory() if available is None else available
    if avail is not None and need > avail // 2:
        raise ResourceError(
            f"{what} needs about {need / 2**30:.3g} GiB, more than half of the {avail / 2**30:.3g} GiB "
            f"of memory of this machine; ask for less"
        )
    return need


def check_sample_size(n: int, latent_dim: int, sample_shape, available: int | None = None, *, what=None) -> int:
    """Refuse ``n`` generated samples that cannot fit; return the estimated bytes.

    The estimate counts float32 latents and samples twice (the network's output and its
    numpy copy): ``8 n (latent_dim + prod(sample_shape))`` bytes.
    """
    need = 8 * int(n) * (int(latent_dim) + math.prod(int(s) for s in sample_shape))
    return check_fits(need, what or f"--n {n}", available)


def _run_sizes(config: dict) -> tuple[int, list]:
    """``(latent_dim, sample_shape)`` of a run's config (training or optimal run)."""
    resolved = config.get("resolved") or {}
    latent_dim = resolved.get("latent_dim") or config.get("latent_dim") or 1
    shape = resolved.get("data_shape")
    if not shape:
        centers = config.get("centers")
        dim = len(centers[0]) if isinstance(centers, list) and centers and isinstance(centers[0], list) else 1
        shape = [dim]
    return int(latent_dim), [int(s) for s in shape]


def check_analyze(args) -> None:
    """``python -m gan analyze``: a run directory, writable, and sample sizes that fit.

    Raises
    ------
    FileNotFoundError
        Not a run directory (no ``config.json``).
    gan.errors.CorruptRunError
        Unreadable ``config.json``.
    PermissionError
        The run directory is read-only (``analysis.json`` and the figures go there).
    gan.errors.ResourceError
        ``--n-*`` too large for this machine's memory.
    """
    config = layout.read_config(args.run_dir)
    layout.check_writable(args.run_dir)
    latent_dim, shape = _run_sizes(config)
    for name in ("n_samples", "n_train", "n_test", "n_pairs", "n_lipschitz"):
        n = getattr(args, name, None)
        if n is not None:
            # float64 copies of the latents and samples, twice
            check_sample_size(2 * n, latent_dim, shape, what=f"--{name.replace('_', '-')} {n}")
    res = getattr(args, "grid_resolution", None)
    if res is not None and not getattr(args, "no_figures", False):  # the grid is drawn for the figures only
        check_sample_size(2 * res * res, latent_dim, shape, what=f"--grid-resolution {res}")


def check_optimal_out(out, modes: int, latent_dim: int, dim=None) -> None:
    """``python -m gan optimal --out``: not a file, not another run, writable; sizes that fit.

    Raises
    ------
    FileExistsError
        ``out`` is a file, or a non-empty directory that is not an ``optimal`` run.
    PermissionError
        ``out`` cannot be written.
    gan.errors.ResourceError
        ``modes x latent_dim`` (the cluster's seeds) or ``modes x dim`` too large.
    """
    out = Path(out)
    layout.check_writable(out)
    if not layout.is_free(out):
        try:
            preset = layout.read_config(out).get("preset")
        except (FileNotFoundError, RunDirError):
            preset = None
        if preset != "optimal":
            raise FileExistsError(
                f"--out {str(out)!r} is a non-empty directory and not an optimal run; choose a new one"
            )
    m, d = int(modes), int(latent_dim)
    D = max(2, m - 1) if dim is None else int(dim)
    check_fits(8 * m * (d + D) * 4, f"--modes {m} with --latent-dim {d} and --dim {D}")


def check_demo_out(out) -> None:
    """``python -m gan demo --out``: a directory that can be written (not an existing file)."""
    layout.check_writable(out)


def call_locked(run_dir, fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` while holding the lock of the existing run ``run_dir``.

    Raises
    ------
    gan.errors.RunLockedError
        Another process uses the run (training, resuming, analysing it).
    """
    with layout.lock_run(run_dir, create=False):
        return fn(*args, **kwargs)


#: command -> check of its parsed arguments, run by :func:`gan.cli.main` before the command
PREFLIGHT = {
    "analyze": check_analyze,
    "optimal": lambda args: check_optimal_out(args.out, args.modes, args.latent_dim, args.dim),
    "demo": lambda args: check_demo_out(args.out),
}

#: command -> the argument naming the existing run it writes into; :func:`gan.cli.main`
#: holds that run's lock while the command runs (``train`` takes its own lock)
LOCKED_RUN = {"analyze": "run_dir"}
