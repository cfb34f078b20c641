"""Input checks shared by the public API. Messages name the argument, the value and the rule.

This module depends on numpy only (no other gaussiso module), so every module may import it;
the check of a partition argument lives beside its class, in :mod:`gaussiso._partition`.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["check_int", "check_positive_float", "check_points", "check_array", "check_choice"]


def check_int(value, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int in ``[low, high]`` or raise TypeError/ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    v = int(value)
    if low is not None and v < low:
        raise ValueError(f"{name} must be >= {low}, got {v}")
    if high is not None and v > high:
        raise ValueError(f"{name} must be <= {high}, got {v}")
    return v


def check_positive_float(value, name: str, *, allow_zero: bool = False, allow_inf: bool = False) -> float:
    """Return ``value`` as a finite float > 0 (>= 0 with ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    v = float(value)
    if np.isnan(v):
        raise ValueError(f"{name} must be a number, got NaN")
    if np.isinf(v) and not allow_inf:
        raise ValueError(f"{name} must be finite, got {v}")
    if v < 0 or (v == 0 and not allow_zero):
        rule = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {rule}, got {v}")
    return v


def check_array(x, name: str, *, ndim: int | None = None, dtype=np.float64) -> np.ndarray:
    """Return ``x`` as a finite float array with the given number of dimensions."""
    try:
        a = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric array: {exc}") from None
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return a


def check_points(z, d: int, name: str = "z"):
    """Return ``(z2, single)``: ``z`` as an (n, d) float array, and whether it was one point."""
    a = check_array(z, name)
    single = a.ndim == 1
    if single:
        a = a[None, :]
    if a.ndim != 2 or a.shape[1] != d:
        raise ValueError(f"{name} must have shape (n, {d}) or ({d},), got {np.shape(z)}")
    return a, single


def check_choice(value, name: str, allowed):
    """Return ``value`` if it is one of ``allowed`` (strings, names of a registry...)."""
    try:
        ok = value in allowed
    except TypeError:  # an unhashable value against a dict or set
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {list(allowed)}, got {value!r}")
    return value

