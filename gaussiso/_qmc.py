r"""Randomized quasi-Monte Carlo (RQMC) facet-line estimator with a control variate.

What it estimates
-----------------
For a Voronoi partition reduced to its span :math:`\mathbb{R}^k` and a standard Gaussian
point :math:`g` of that space, the facet lines of :mod:`gaussiso._kernels` give, per point,
the eps-band part :math:`X_\varepsilon(g)`, the interior part :math:`Y_\varepsilon(g)` and
the cell part :math:`C(g) = X_\varepsilon(g) + Y_\varepsilon(g)` (see
:mod:`gaussiso._qmc_kernels`), with

.. math:: E[X_\varepsilon] = \gamma(\partial^\varepsilon), \qquad E[C] = 1,

and the facet term :math:`F(g)` of mean the Gaussian perimeter.

Control variate
---------------
:math:`C` has the known mean 1 and is strongly correlated with :math:`X_\varepsilon` (and
with :math:`F`): the estimator averages

.. math:: Z_\varepsilon(g) = X_\varepsilon(g) - \beta_\varepsilon\,(C(g) - 1)
          = (1 - \beta_\varepsilon) X_\varepsilon(g) + \beta_\varepsilon (1 - Y_\varepsilon(g)),

with :math:`\beta_\varepsilon \in [0, 1]` the regression coefficient of :math:`X_\varepsilon`
on :math:`C`, fitted on a separate pilot sample of independent Gaussian points that is not
used in the value; given the pilot, :math:`\beta` is a constant, so :math:`Z` is unbiased.
For a wide band (most of the mass within eps of an interface) :math:`\beta \to 1` and the
estimator is :math:`1 - \bar Y`: one minus a nonnegative estimate of the complement, so at
most 1; for a thin band :math:`\beta \to 0` and it is :math:`\bar X \ge 0`. The value is
finally clipped to :math:`[0, 1]` in the rare case the combination leaves it (clipping moves
an out-of-range value towards the true value, which lies in :math:`[0, 1]`, so it never
increases the error and the interval ``value +- z stderr`` still contains the true value
whenever the unclipped one did). The perimeter uses the same control variate.

Randomized QMC
--------------
Each of ``R`` (default 32) independent randomizations uses its own scrambled Sobol sequence
(:class:`scipy.stats.qmc.Sobol`: linear matrix scrambling and a random digital shift, 30
bits) with a uniform jitter below :math:`2^{-30}` added to each coordinate, so every point is
exactly uniform on :math:`[0, 1)^k`; the inverse normal CDF maps it to a standard Gaussian,
and a Haar rotation of the reduced space, drawn per randomization, orients the sequence. Each
randomization's mean over its :math:`N` points is therefore an unbiased estimate, the ``R``
means are independent, and the reported value and standard error are their mean and
:math:`\mathrm{sd}/\sqrt R`. With ``rtol``, :math:`N` doubles (the first :math:`2N` points of
a Sobol sequence extend its first :math:`N`, so nothing is recomputed) until the worst
relative standard error is at most ``rtol``.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import special
from scipy.stats import qmc

from . import _kernels as K
from . import _qmc_kernels as QK
from ._partition import VoronoiPartition, random_rotation
from ._rng import as_generator

__all__ = ["rqmc_facet", "N_RANDOMIZATIONS", "N_PILOT"]

N_RANDOMIZATIONS = 32
"""Independent randomizations behind every RQMC estimate (their spread gives the stderr)."""
N_PILOT = 2048
"""Independent Gaussian points of the pilot that fits the control-variate coefficients."""
_MIN_LOG2 = 6  # at least 2**6 points per randomization
_MAX_CHUNK = 2**16  # points per kernel call
_COPIES = 2  # each point used as g and -g (rotated): antithetic pairs


def _kernel_call(Sr, coef, H, phih, full, eps, P):
    n = P.shape[0]
    ne = eps.shape[0]
    ob = np.empty((n, ne))
    oi = np.empty((n, ne))
    op = np.empty(n)
    kern = QK.facet_split_kernel_parallel if n >= 4 * QK._CHUNK else QK.facet_split_kernel
    kern(Sr, coef, H, phih, full, eps, P, ob, oi, op)
    return ob, oi, op


def _beta(x, c):
    """Regression coefficients of the columns of ``x`` on ``c``, clipped to [0, 1]."""
    cc = c - c.mean()
    vc = float(cc @ cc)
    if not vc > 0.0:
        return np.zeros(x.shape[1])
    b = (cc @ (x - x.mean(axis=0))) / vc
    return np.clip(b, 0.0, 1.0)


def _lms_rows(g, count, k):
    """Random unit-lower-triangular binary matrices, (count, k) of them, as row masks (count, k, 30)."""
    bits = g.integers(0, 2, size=(count, k, 30, 30), dtype=np.uint8)
    bits &= np.tril(np.ones((30, 30), dtype=np.uint8), -1)
    bits[..., np.arange(30), np.arange(30)] = 1
    weights = np.uint64(1) << (np.uint64(29) - np.arange(30, dtype=np.uint64))  # column c: bit 29 - c
    return (bits.astype(np.uint64) * weights).sum(axis=-1, dtype=np.uint64)


def _haar(g, count, k):
    """``count`` Haar-distributed orthogonal (k, k) matrices."""
    q, r = np.linalg.qr(g.standard_normal((count, k, k)))
    return q * np.sign(np.diagonal(r, axis1=1, axis2=2))[:, None, :]


class _Randomization:
    """One independent randomization: scrambling matrices, digital shift, rotated copies."""

    def __init__(self, rows, shift, Sr, g):
        self.rows = np.ascontiguousarray(rows)
        self.shift = np.ascontiguousarray(shift)
        self.Sr = np.ascontiguousarray(Sr)
        self.g = g

    @classmethod
    def draw(cls, S, g, count, copies):
        k = S.shape[1]
        rows = _lms_rows(g, count, k)
        shift = g.integers(0, 2**30, size=(count, k), dtype=np.uint64)
        rot = _haar(g, count * (copies // 2), k).reshape(count, copies // 2, k, k)
        out = []
        for c in range(count):
            sq = np.einsum("mk,rkl->rml", S, rot[c])
            Sr = np.stack([x for q in sq for x in (q, -q)])
            out.append(cls(rows[c], shift[c], Sr, g))
        return out

    def points(self, X):
        u = np.empty(X.shape)
        QK.scramble_uniform(X, self.rows, self.shift, self.g.random(X.shape), u)
        return np.ascontiguousarray(special.ndtri(np.clip(u, 1e-300, 1.0 - 2.0**-53)))


def rqmc_facet(p: VoronoiPartition, eps, *, perimeter: bool, n_samples: int, rtol, rng,
               n_rand: int = N_RANDOMIZATIONS):
    """RQMC facet-line estimates of the eps-boundary measures (and the perimeter).

    Parameters
    ----------
    p : VoronoiPartition
    eps : ndarray, shape (ne,)
        Widths (validated by the caller); ``ne`` may be 0.
    perimeter : bool
        Also estimate the Gaussian perimeter (the last column).
    n_samples : int
        Without ``rtol``: total number of points (``R`` times a power of two, rounded up).
        With ``rtol``: the cap on the total.
    rtol : float or None
    rng : seed or Generator
    n_rand : int
        Number of independent randomizations ``R``.

    Returns
    -------
    value, stderr : ndarray, shape (ne + perimeter,)
    n_total : int
        Points used in the value (pilot excluded).
    """
    g = as_generator(rng)
    red, _ = p.reduce()
    S = np.array(red.seeds, dtype=float)
    m, k = S.shape
    eps = np.asarray(eps, dtype=float).reshape(-1)
    ne = eps.shape[0]
    coef, H = K.facet_coefficients(S)
    # The kernel needs one width to return the cell part C = X + Y: a dummy one if none.
    eps_k = eps if ne else np.ones(1)
    phih, full = K.facet_tables(H, eps_k)

    def columns(ob, op):
        parts = [ob[:, :ne]]
        if perimeter:
            parts.append(op[:, None])
        return np.column_stack(parts)

    # Pilot: independent Gaussian points, used only to fit the control-variate coefficients.
    Sr = np.ascontiguousarray((S @ random_rotation(k, g))[None])
    xb, xi, xp = _kernel_call(Sr, coef, H, phih, full, eps_k, g.standard_normal((N_PILOT, k)))
    beta = _beta(columns(xb, xp), xb[:, 0] + xi[:, 0])

    width = ne + int(perimeter)
    base = qmc.Sobol(k, scramble=False, bits=30)
    X = np.empty((0, k), dtype=np.uint64)  # the unscrambled points so far, times 2**30
    rands = []
    sums = []

    def run(rz, Xpart):
        tot = np.zeros(width)
        for start in range(0, Xpart.shape[0], _MAX_CHUNK):
            P = rz.points(Xpart[start:start + _MAX_CHUNK])
            ob, oi, op = _kernel_call(rz.Sr, coef, H, phih, full, eps_k, P)
            z = columns(ob, op) - (ob[:, :1] + oi[:, :1] - 1.0) * beta[None, :]
            tot += z.sum(axis=0)
        return tot

    def grow_points(n_new):  # the next n_new points of the sequence, for every randomization
        nonlocal X
        Xn = np.ascontiguousarray(np.rint(base.random(n_new) * 2.0**30).astype(np.uint64))
        X = np.concatenate([X, Xn])
        for r, rz in enumerate(rands):
            sums[r] += run(rz, Xn)

    def grow_rands(count):  # new randomizations over all the points so far
        for rz in _Randomization.draw(S, g, count, _COPIES):
            rands.append(rz)
            sums.append(run(rz, X))

    def stats():
        means = np.array(sums) / X.shape[0]
        return means.mean(axis=0), means.std(axis=0, ddof=1) / np.sqrt(len(rands))

    if rtol is None:
        per = max(2**_MIN_LOG2, -(-n_samples // n_rand))
        grow_rands(n_rand)
        grow_points(1 << int(np.ceil(np.log2(per))))
        val, se = stats()
    else:
        grow_rands(n_rand)
        grow_points(2**_MIN_LOG2)
        while True:
            val, se = stats()
            with np.errstate(divide="ignore", invalid="ignore"):
                rel = np.where(np.abs(val) > 0, se / np.abs(val), np.where(se > 0, np.inf, 0.0))
            worst = float(np.max(rel)) if rel.size else 0.0
            if worst <= rtol:
                break
            n_tot = X.shape[0] * len(rands)
            # Randomizations needed at this N if the variance of a randomization's mean stays.
            r_need = len(rands) * (worst / rtol) ** 2 * 1.1 if np.isfinite(worst) else np.inf
            if r_need <= 2 * len(rands):
                add = int(np.ceil(r_need)) - len(rands)
                if n_tot + add * X.shape[0] > n_samples:
                    add = (n_samples - n_tot) // X.shape[0]
                if add < 1:
                    _warn_cap(rtol, n_samples, worst)
                    break
                grow_rands(add)
            else:
                if 2 * n_tot > n_samples:
                    _warn_cap(rtol, n_samples, worst)
                    break
                grow_points(X.shape[0])  # 2 N points per randomization: the net extends
    if ne:
        val[:ne] = np.clip(val[:ne], 0.0, 1.0)
    return val, se, X.shape[0] * len(rands)


def _warn_cap(rtol, cap, worst):
    warnings.warn(
        f"rtol={rtol} not reached within n_samples={cap} points (relative standard error "
        f"{worst:.3g}); pass a larger n_samples or a larger rtol",
        RuntimeWarning,
        stacklevel=5,
    )
