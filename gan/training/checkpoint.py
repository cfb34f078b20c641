"""Atomic checkpoint files.

A checkpoint is a plain dictionary saved with :func:`torch.save`. It is written to a
temporary file in the destination directory, flushed and fsynced, then renamed over the
destination with :func:`os.replace`, which is atomic on POSIX: a crash at any point leaves
either the previous checkpoint or the new one, never a truncated file.
"""

from __future__ import annotations

from pathlib import Path

import torch

from gan._util import atomic_torch_save
from gan.errors import CorruptRunError

__all__ = ["save_checkpoint", "load_checkpoint"]


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
    return atomic_torch_save(state, path)


def load_checkpoint(path, map_location="cpu") -> dict:
    """Load a checkpoint written by :func:`save_checkpoint` (tensors on ``map_location``).

    Parameters
    ----------
    path : str or path-like
        The checkpoint file.
    map_location : str, torch.device or callable
        Where to put the tensors, as for :func:`torch.load`.

    Returns
    -------
    dict
        The saved state (read with ``weights_only=True``).

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    gan.errors.CorruptRunError
        The file cannot be read back as a dictionary (empty, truncated, random bytes, not
        a checkpoint); the message names the file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {str(path)!r}")
    if path.stat().st_size == 0:
        raise CorruptRunError(path, "empty file")
    with open(path, "rb") as f:  # opening errors (permissions) are not corruption: they propagate
        try:
            state = torch.load(f, map_location=map_location, weights_only=True)
        except Exception as exc:  # whatever the reader trips on (even OSError), the bytes are bad
            reason = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise CorruptRunError(path, f"cannot be read as a checkpoint: {type(exc).__name__}: {reason}") from exc
    if not isinstance(state, dict):
        raise CorruptRunError(path, f"holds a {type(state).__name__}, not a checkpoint dictionary")
    return state
