"""Atomic checkpoint files.

A checkpoint is a plain dictionary saved with :func:`torch.save`. It is written to a
temporary file in the destination directory, flushed and fsynced, then renamed over the
destination with :func:`os.replace`, which is atomic on POSIX: a crash at any point leaves
either the previous checkpoint or the new one, never a truncated file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch

__all__ = ["save_checkpoint", "load_checkpoint", "atomic_write_bytes"]


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_write(path, write) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        # the destination is untouched; do not leave the partial temporary file behind
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(path.parent)  # make the rename itself durable
    return path


def atomic_write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename)."""
    return _atomic_write(path, lambda f: f.write(data))


def save_checkpoint(state: dict, path) -> Path:
    """Save the dictionary ``state`` to ``path`` atomically.

    Parameters
    ----------
    state : dict
        Tensors, numbers, strings, lists and dicts of those (what ``torch.load`` accepts with
        ``weights_only=True``).
    path : str or Path
        Destination file; its directory is created if needed.

    Returns
    -------
    Path
        ``path``.
    """
    if not isinstance(state, dict):
        raise TypeError(f"state must be a dict, got {type(state).__name__}")
    return _atomic_write(path, lambda f: torch.save(state, f))


def load_checkpoint(path, map_location="cpu") -> dict:
    """Load a checkpoint written by :func:`save_checkpoint` (tensors on ``map_location``)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {str(path)!r}")
    return torch.load(path, map_location=map_location, weights_only=True)
