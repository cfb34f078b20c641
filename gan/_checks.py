"""Input checks of the ``gan`` library functions (private).

They complement :mod:`gaussiso.utils` (``check_int``, ``check_positive_float``,
``check_array``, ...) with what the torch side needs: arrays given as tensors, real numbers
in a range, callables. Every message names the argument, the value and the rule.
"""

from __future__ import annotations

import numbers

import numpy as np

from gaussiso.utils import check_int, check_positive_float

__all__ = [
    "check_int",
    "check_positive_float",
    "check_real",
    "check_callable",
    "as_float_array",
    "as_labels",
    "check_seed",
]


def check_real(value, name: str, *, low=None, high=None, low_open: bool = False, high_open: bool = False) -> float:
    """Return ``value`` as a finite float in the interval ``[low, high]`` (ends open on request)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    v = float(value)
    if not np.isfinite(v):
        raise ValueError(f"{name} must be a finite number, got {v}")
    if low is not None and (v < low or (low_open and v == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {v}")
    if high is not None and (v > high or (high_open and v == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {v}")
    return v


def check_callable(value, name: str):
    """Return ``value`` if it is callable."""
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {type(value).__name__} {value!r}")
    return value


def check_seed(value, name: str = "seed") -> int:
    """Return ``value`` as a non-negative integer seed."""
    return check_int(value, name, low=0)


def as_float_array(x, name: str, *, ndim=None, min_rows: int = 0, finite: bool = True) -> np.ndarray:
    """``x`` (array_like or torch.Tensor) as a float64 ndarray with ``ndim`` dimensions
    (an int or a tuple of allowed ones), at least ``min_rows`` rows, and finite entries."""
    if x is None or isinstance(x, (str, bytes, dict)):
        raise TypeError(f"{name} must be a numeric array, got {type(x).__name__} {x!r}")
    try:
        import torch

        if isinstance(x, torch.Tensor):
            if x.is_complex():
                raise TypeError(f"{name} must be real, got dtype {x.dtype}")
            x = x.detach().cpu().double().numpy()
    except ImportError:  # pragma: no cover - torch is a dependency of gan
        pass
    raw = np.asarray(x) if not isinstance(x, np.ndarray) else x
    if raw.dtype == object or raw.dtype.kind in "USVMmc":
        raise TypeError(f"{name} must be a real numeric array, got dtype {raw.dtype}")
    a = np.asarray(raw, dtype=np.float64)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if a.ndim not in allowed:
            want = " or ".join(str(k) for k in allowed)
            raise ValueError(f"{name} must have {want} dimension(s), got shape {a.shape}")
    if a.ndim >= 1 and a.shape[0] < min_rows:
        raise ValueError(f"{name} must hold at least {min_rows} rows, got shape {a.shape}")
    if finite and not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return a


def as_labels(x, name: str, *, low: int = -1) -> np.ndarray:
    """``x`` as a 1-D int64 array of labels ``>= low`` (integer-valued floats are accepted)."""
    if x is None or isinstance(x, (str, bytes, dict)):
        raise TypeError(f"{name} must be an array of integer labels, got {type(x).__name__} {x!r}")
    try:
        import torch

        if isinstance(x, torch.Tensor):
            x = x.detach().cpu().numpy()
    except ImportError:  # pragma: no cover
        pass
    a = np.asarray(x)
    if a.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of labels, got shape {a.shape}")
    if a.dtype.kind == "b" or a.dtype.kind not in "iuf":
        if a.size or a.dtype.kind == "b":
            raise TypeError(f"{name} must hold integer labels, got dtype {a.dtype}")
    if a.dtype.kind == "f":
        if not (np.all(np.isfinite(a)) and np.all(a == np.round(a))):
            raise TypeError(f"{name} must hold integer labels, got non-integer values of dtype {a.dtype}")
    a = a.astype(np.int64)
    if a.size and a.min() < low:
        raise ValueError(f"{name} must hold labels >= {low}, got {int(a.min())}")
    return a


def probe_generator(G, z1, name: str = "z", gname: str = "G") -> None:
    """Evaluate ``G`` on one latent ``z1`` (shape (1, d)) so that a latent of the wrong size
    gives an error naming the argument, not a shape error from inside the generator."""
    import torch

    try:
        with torch.no_grad():
            out = G(z1)
    except (RuntimeError, IndexError) as exc:
        raise ValueError(
            f"{gname} cannot be evaluated at {name} of shape (n, {z1.shape[1]}) (a latent of the wrong size?): {exc}"
        ) from None
    if not isinstance(out, torch.Tensor) or out.ndim < 1 or out.shape[0] != 1:
        raise TypeError(
            f"{gname} must map {name} of shape (n, d) to a tensor of shape (n, ...), got "
            f"{type(out).__name__} {tuple(getattr(out, 'shape', ()))}"
        )


def as_latent_tensor(z, name: str = "z"):
    """``z`` as a real floating torch.Tensor of shape (n, d), n, d >= 1, with finite entries."""
    import torch

    if not isinstance(z, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape (n, d), got {type(z).__name__}")
    if not z.is_floating_point():
        raise TypeError(f"{name} must be a real floating tensor, got dtype {z.dtype}")
    if z.ndim != 2 or z.shape[0] < 1 or z.shape[1] < 1:
        raise ValueError(f"{name} must have shape (n, d) with n, d >= 1, got {tuple(z.shape)}")
    if not bool(torch.isfinite(z).all()):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return z
