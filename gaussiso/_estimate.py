"""The result object of every estimator in gaussiso."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from scipy import special

from ._validation import check_real_array

__all__ = ["Estimate"]


@dataclass(frozen=True)
class Estimate:
    """An estimate with its standard error.

    Attributes
    ----------
    value : float or ndarray
        The estimate (a vector for per-cell quantities).
    stderr : float or ndarray
        Its standard error, same shape as ``value``. Zero for closed forms; for quadratures,
        a bound on the numerical error; for Monte Carlo, the estimated standard deviation of
        ``value``.
    n_samples : int
        Number of independent Monte Carlo draws behind the estimate (0 for exact methods).
    method : str
        How it was computed, e.g. ``"exact"``, ``"quadrature"``, ``"mc"``, ``"mc-lines"``.

    Construction checks the fields: ``value`` real and finite (scalar or array), ``stderr``
    real, ``>= 0`` (``inf`` allowed), scalar or shaped like ``value``, ``n_samples`` an int
    ``>= 0``, ``method`` a string (TypeError / ValueError otherwise).
    """

    value: float | np.ndarray
    stderr: float | np.ndarray
    n_samples: int
    method: str

    def __post_init__(self):
        # Checked once here, so that no Estimate carries a NaN, a string or a negative error
        # that would surface later as a wrong interval (TypeError / ValueError naming the field).
        v = check_real_array(self.value, "Estimate value", finite=False)
        if not np.all(np.isfinite(v)):
            raise ValueError(f"Estimate value must be finite (no NaN or inf), got {self.value!r}")
        s = check_real_array(self.stderr, "Estimate stderr", finite=False)
        if np.any(np.isnan(s)) or np.any(s < 0):
            raise ValueError(f"Estimate stderr must be >= 0 (inf allowed, NaN not), got {self.stderr!r}")
        if s.ndim != 0 and s.shape != v.shape:
            raise ValueError(f"Estimate stderr must be a scalar or have the shape of value {v.shape}, got {s.shape}")
        n = self.n_samples
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral):
            raise TypeError(f"Estimate n_samples must be an integer, got {type(n).__name__} {n!r}")
        if n < 0:
            raise ValueError(f"Estimate n_samples must be >= 0, got {n}")
        if not isinstance(self.method, str):
            raise TypeError(f"Estimate method must be a string, got {type(self.method).__name__} {self.method!r}")

    def ci(self, level: float = 0.95):
        r"""Normal confidence interval :math:`\mathrm{value} \pm z\,\mathrm{stderr}`.

        Parameters
        ----------
        level : float, default 0.95
            Coverage, ``0 < level < 1``; :math:`z = \Phi^{-1}((1 + \mathrm{level})/2)`
            (1.96 for 0.95).

        Returns
        -------
        (lo, hi) : floats, or ndarrays shaped like ``value``

        Examples
        --------
        >>> from gaussiso import Estimate
        >>> lo, hi = Estimate(0.5, 0.01, 1000, "mc").ci(0.95)
        >>> round(lo, 6), round(hi, 6)
        (0.4804, 0.5196)
        """
        if isinstance(level, bool) or not isinstance(level, numbers.Real):
            raise TypeError(f"level must be a real number in (0, 1), got {type(level).__name__}")
        if not 0.0 < level < 1.0:  # also refuses nan
            raise ValueError(f"level must be a number in the open interval (0, 1), got {level!r}")
        z = float(special.ndtri(0.5 + 0.5 * float(level)))
        v = np.asarray(self.value, dtype=float)
        s = np.asarray(self.stderr, dtype=float)
        lo, hi = v - z * s, v + z * s
        if lo.ndim == 0:
            return float(lo), float(hi)
        return lo, hi

    @property
    def rel_stderr(self):
        """``stderr / |value|`` (inf where value is 0 and stderr is not)."""
        v = np.abs(np.asarray(self.value, dtype=float))
        s = np.asarray(self.stderr, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(v > 0, s / np.where(v > 0, v, 1.0), np.where(s > 0, np.inf, 0.0))
        return float(r) if r.ndim == 0 else r

    def __float__(self) -> float:
        if np.ndim(self.value) != 0:
            raise TypeError("this Estimate holds a vector; index .value instead")
        return float(self.value)

    def __repr__(self) -> str:
        v, s = self.value, self.stderr
        if np.ndim(v) == 0:
            body = f"{float(v):.10g} ± {float(s):.2g}"
        else:
            # values to 6 significant digits, errors to 2 (as the scalar form), so that errors
            # of 8e-4 print as 0.0008 rather than as 0. in a fixed-point array format
            vals = np.array2string(np.asarray(v, dtype=float), formatter={"float_kind": "{:.6g}".format})
            errs = np.array2string(np.asarray(s, dtype=float), formatter={"float_kind": "{:.2g}".format})
            body = f"{vals} ± {errs}"
        return f"Estimate({body}, n_samples={self.n_samples}, method={self.method!r})"
