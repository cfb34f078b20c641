"""The result object of every estimator in gaussiso."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import numpy as np

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
    """

    value: Union[float, np.ndarray]
    stderr: Union[float, np.ndarray]
    n_samples: int
    method: str

    def ci(self, z: float = 1.959963984540054):
        """Normal confidence interval ``(value - z*stderr, value + z*stderr)``."""
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
            body = f"{np.array2string(np.asarray(v), precision=6)} ± {np.array2string(np.asarray(s), precision=2)}"
        return f"Estimate({body}, n_samples={self.n_samples}, method={self.method!r})"
