"""Input checks shared by the public API. Messages name the argument, the value and the rule.

This module depends on numpy only (no other gaussiso module), so every module may import it;
the check of a partition argument lives beside its class, in :mod:`gaussiso._partition`.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "check_int",
    "check_positive_float",
    "check_points",
    "check_array",
    "check_real_array",
    "check_bool",
    "check_choice",
    "check_n_samples",
    "check_memory",
]


def check_int(value, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int in ``[low, high]`` or raise TypeError/ValueError.

    Parameters
    ----------
    value : int
        The value to check; booleans and non-integral numbers are refused.
    name : str
        Argument name used in error messages.
    low, high : int or None
        Inclusive bounds; ``None`` for no bound.

    Returns
    -------
    int
        ``value`` as a Python int.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    v = int(value)
    if low is not None and v < low:
        raise ValueError(f"{name} must be >= {low}, got {v}")
    if high is not None and v > high:
        raise ValueError(f"{name} must be <= {high}, got {v}")
    return v


def check_positive_float(value, name: str, *, allow_zero: bool = False, allow_inf: bool = False) -> float:
    """Return ``value`` as a finite float > 0 (>= 0 with ``allow_zero``).

    Parameters
    ----------
    value : float
        The value to check; booleans, NaN and non-real values are refused.
    name : str
        Argument name used in error messages.
    allow_zero : bool
        Accept ``0``.
    allow_inf : bool
        Accept ``+inf``.

    Returns
    -------
    float
        ``value`` as a Python float.
    """
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


def _describe(x) -> str:
    if x is None:
        return "None"
    if isinstance(x, str):
        return f"str {x!r}"
    shape = getattr(x, "shape", None)
    if shape is not None:
        return f"{type(x).__name__} of shape {tuple(shape)} and dtype {getattr(x, 'dtype', '?')}"
    return type(x).__name__


def check_real_array(
    x, name: str, *, ndim: int | None = None, shape_doc: str | None = None, dtype=np.float64, finite: bool = True
) -> np.ndarray:
    """Return ``x`` as a finite float array; TypeError unless it holds real numbers.

    Refused with TypeError: None, strings (also numeric ones: ``"0.5"``), booleans, complex
    numbers (numpy would drop the imaginary part with only a warning), and objects that are
    not numbers. Refused with ValueError: a wrong number of dimensions, and NaN or inf unless
    ``finite=False`` (for callers whose own range check gives a better message).
    """
    what = f"an array of real numbers{'' if shape_doc is None else ' of shape ' + shape_doc}"
    if x is None or isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be {what}, got {_describe(x)}")
    try:
        raw = np.asarray(x)
    except (TypeError, ValueError) as exc:  # ragged nested lists
        raise TypeError(f"{name} must be {what}: {exc}") from None
    kind = raw.dtype.kind
    if kind == "O":
        flat = raw.ravel().tolist()
        if not all(isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) for v in flat):
            bad = next(v for v in flat if not isinstance(v, numbers.Real) or isinstance(v, (bool, np.bool_)))
            raise TypeError(f"{name} must be {what}, got an element {bad!r} ({type(bad).__name__})")
    elif kind not in "fiu":
        kinds = {
            "b": "booleans",
            "c": "complex numbers",
            "U": "strings",
            "S": "bytes",
            "M": "datetimes",
            "m": "timedeltas",
            "V": "structured records",
        }
        raise TypeError(f"{name} must be {what}, got {kinds.get(kind, raw.dtype)} ({_describe(raw)})")
    try:
        a = np.asarray(raw, dtype=dtype)
    except (TypeError, ValueError, OverflowError) as exc:
        raise TypeError(f"{name} must be {what}: {exc}") from None
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {a.shape}")
    if finite and not np.all(np.isfinite(a)):
        bad = a[~np.isfinite(a)].ravel()[0]
        raise ValueError(f"{name} must be finite (no NaN or inf), got {bad}")
    return a


def check_array(x, name: str, *, ndim: int | None = None, dtype=np.float64) -> np.ndarray:
    """Return ``x`` as a finite float array with the given number of dimensions.

    Same rules as :func:`check_real_array`: None, strings, booleans and complex numbers are
    refused with TypeError, NaN and inf with ValueError.

    Parameters
    ----------
    x : array_like
        The values to check.
    name : str
        Argument name used in error messages.
    ndim : int or None
        Required number of dimensions; ``None`` for any.
    dtype : numpy dtype
        dtype of the returned array.

    Returns
    -------
    ndarray
        ``x`` as a finite array of ``dtype``.
    """
    return check_real_array(x, name, ndim=ndim, dtype=dtype)


def check_bool(value, name: str) -> bool:
    """Return ``value`` if it is a real bool (``True``/``False`` or a numpy bool), else TypeError.

    Strings such as ``"yes"`` or ``"False"`` and numbers are refused: they are truthy or falsy
    by accident, not by intent.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def check_points(z, d: int, name: str = "z"):
    """Return ``(z2, single)``: ``z`` as an (n, d) float array, and whether it was one point.

    Parameters
    ----------
    z : array_like, shape (n, d) or (d,)
        Points, or one point.
    d : int
        Required dimension of each point.
    name : str
        Argument name used in error messages.

    Returns
    -------
    z2 : ndarray, shape (n, d)
        The points as a finite float array (``n = 1`` for a single point).
    single : bool
        Whether ``z`` was a single point of shape ``(d,)``.
    """
    a = check_array(z, name)
    single = a.ndim == 1
    if single:
        a = a[None, :]
    if a.ndim != 2 or a.shape[1] != d:
        raise ValueError(f"{name} must have shape (n, {d}) or ({d},), got {np.shape(z)}")
    return a, single


def check_choice(value, name: str, allowed):
    """Return ``value`` if it is one of ``allowed`` (strings, names of a registry...).

    Parameters
    ----------
    value : object
        The value to check; must be a string when every allowed value is one.
    name : str
        Argument name used in error messages.
    allowed : collection
        The accepted values (a list, set, tuple or the keys of a dict).

    Returns
    -------
    object
        ``value`` itself.
    """
    if all(isinstance(a, str) for a in allowed) and not isinstance(value, str):
        raise TypeError(f"{name} must be one of {list(allowed)} (a string), got {type(value).__name__} {value!r}")
    try:
        ok = bool(value in allowed)
    except (TypeError, ValueError):  # an unhashable value against a dict or set; an array
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {list(allowed)}, got {value!r}")
    return value


MAX_N_SAMPLES = 10**10
"""Largest ``n_samples`` a Monte Carlo estimator accepts.

At the kernels' measured rate (a few 1e6 points per second for small ``m`` on one core), 1e10
points already take hours; a larger request is refused at once rather than left to run for
days (``n_samples=10**12`` would take about a month).
"""


def check_n_samples(n_samples, name: str = "n_samples", *, cap: int = MAX_N_SAMPLES) -> int:
    """Return ``n_samples`` as an int in ``[1, cap]`` (TypeError/ValueError otherwise)."""
    n = check_int(n_samples, name, low=1)
    if n > cap:
        raise ValueError(
            f"{name} must be <= {cap:.0e} (a documented cap: at a few million points per second, "
            f"{n:.3g} points would take about {n / 3e6 / 3600:.3g} hours), got {n}"
        )
    return n


MEMORY_FRACTION = 0.5
"""Largest share of the machine's available memory one gaussiso object may ask for."""


def _available_memory() -> int | None:
    """Bytes of memory available now (Linux ``/proc/meminfo``, else sysconf), or None."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        import os

        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(nbytes: int, what: str) -> None:
    """Raise MemoryError, with the estimate, before allocating ``nbytes`` that cannot fit.

    The limit is ``MEMORY_FRACTION`` of the memory available now; where that cannot be read,
    nothing is refused.
    """
    avail = _available_memory()
    if avail is not None and nbytes > MEMORY_FRACTION * avail:
        raise MemoryError(
            f"{what} would need about {nbytes / 2**30:.3g} GiB, more than {MEMORY_FRACTION:g} x "
            f"the {avail / 2**30:.3g} GiB of memory available; use fewer points or a smaller dimension"
        )
