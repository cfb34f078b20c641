"""One home for the small helpers every part of ``gan`` needs.

- :func:`resolve_device`: the user-facing ``device`` argument, resolved once.
- :func:`derived_seed`: independent, reproducible seeds for the streams of a run.
- :func:`atomic_write_bytes`, :func:`atomic_write_text`, :func:`atomic_write_json`,
  :func:`atomic_torch_save`: write a file so that a crash leaves either the old file or the
  new one, never a truncated one (temporary file in the same directory, fsync, rename).
- :func:`init_weights`: PyTorch's default initialisation drawn from a private generator.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

__all__ = [
    "resolve_device",
    "derived_seed",
    "torch_generator",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_write_json",
    "atomic_torch_save",
    "init_weights",
]


# ---------------------------------------------------------------------------------------
# Devices
# ---------------------------------------------------------------------------------------
def resolve_device(device="auto") -> torch.device:
    """Return the :class:`torch.device` meant by ``device``.

    Parameters
    ----------
    device : {"auto", "cpu", "cuda", "cuda:N"} or torch.device, default "auto"
        ``"auto"`` means CUDA when it is available, else the CPU.

    Returns
    -------
    torch.device

    Raises
    ------
    TypeError
        If ``device`` is neither a string nor a :class:`torch.device`.
    ValueError
        If the string names no device, or names CUDA on a machine without it.

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if isinstance(device, torch.device):
        dev = device
    elif isinstance(device, str):
        if device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        try:
            dev = torch.device(device)
        except RuntimeError:
            raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}") from None
    else:
        raise TypeError(f"device must be a string or torch.device, got {type(device).__name__} {device!r}")
    if dev.type not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}")
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {device!r} was asked for but CUDA is not available")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(f"device {device!r}: only {torch.cuda.device_count()} CUDA device(s) are visible")
    return dev


# ---------------------------------------------------------------------------------------
# Seeds
# ---------------------------------------------------------------------------------------
def derived_seed(seed: int, *keys: int) -> int:
    """A 63-bit seed for the stream named by ``keys`` of a run seeded ``seed``.

    ``numpy.random.SeedSequence([seed, *keys])`` makes the streams independent; the same
    arguments always give the same seed.

    Examples
    --------
    >>> derived_seed(0, 1) == derived_seed(0, 1) != derived_seed(0, 2)
    True
    """
    state = np.random.SeedSequence([int(seed), *(int(k) for k in keys)]).generate_state(1, dtype=np.uint64)[0]
    return int(state) & 0x7FFF_FFFF_FFFF_FFFF


def torch_generator(seed: int) -> torch.Generator:
    """A CPU :class:`torch.Generator` seeded with ``seed``."""
    g = torch.Generator(device="cpu")
    g.manual_seed(int(seed))
    return g


# ---------------------------------------------------------------------------------------
# Atomic writes
# ---------------------------------------------------------------------------------------
def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # platforms without directory file descriptors
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path, write, *, verify=None) -> Path:
    """Call ``write(f)`` on a binary temporary file, then rename it over ``path``.

    The temporary file lives in ``path``'s directory (created if needed), is flushed and
    fsynced before :func:`os.replace`, which is atomic on POSIX; on any error it is removed
    and ``path`` is left untouched. ``verify(tmp_path)``, when given, is called on the
    complete temporary file before the rename; an exception it raises aborts the write.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if verify is not None:
            verify(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(path.parent)  # make the rename itself durable
    return path


def atomic_write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    return atomic_write(path, lambda f: f.write(data))


def atomic_write_text(path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path, obj, *, indent: int = 2, sort_keys: bool = False) -> Path:
    """Write ``obj`` as strict JSON (no bare NaN or inf) to ``path`` atomically, with a final newline."""
    return atomic_write_text(path, json.dumps(obj, indent=indent, sort_keys=sort_keys, allow_nan=False) + "\n")


def atomic_torch_save(obj, path) -> Path:
    """:func:`torch.save` ``obj`` to ``path`` atomically."""
    return atomic_write(path, lambda f: torch.save(obj, f))


# ---------------------------------------------------------------------------------------
# Initialisation
# ---------------------------------------------------------------------------------------
@torch.no_grad()
def init_weights(module: nn.Module, generator: torch.Generator) -> nn.Module:
    """Re-draw the weights of every linear/convolutional layer from ``generator``.

    Uses PyTorch's default scheme (Kaiming-uniform weights with ``a = sqrt(5)``, biases
    uniform in :math:`\\pm 1/\\sqrt{\\text{fan\\_in}}`), but from a private generator so the
    initialisation depends on the seed only. Batch-norm layers are reset to ``(1, 0)``.

    Parameters
    ----------
    module : torch.nn.Module
        The network, on CPU (the draws happen on CPU).
    generator : torch.Generator
        A CPU generator.

    Returns
    -------
    torch.nn.Module
        ``module``, modified in place.
    """
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=generator)
            if m.bias is not None:
                fan_in = m.weight[0].numel()
                bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
                nn.init.uniform_(m.bias, -bound, bound, generator=generator)
        elif isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.reset_parameters()
    return module
