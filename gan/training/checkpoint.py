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
    """Load a checkpoint written by :func:`save_checkpoint` (tensors on ``map_location``)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {str(path)!r}")
    return torch.load(path, map_location=map_location, weights_only=True)
