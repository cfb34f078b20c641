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
One unscrambled Sobol sequence of the reduced dimension :math:`k`
(:class:`scipy.stats.qmc.Sobol`, 30 bits) is shared; each of ``R`` (default 32) independent
randomizations applies its own linear matrix scrambling (a random unit-lower-triangular
binary matrix per coordinate, which keeps the net structure) and random digital shift, and
adds a uniform jitter below :math:`2^{-30}`, so that every point is exactly uniform on
:math:`[0, 1)^k`; the inverse normal CDF maps it to a standard Gaussian point :math:`g`. Each
point is used as the ``c`` standard Gaussian points :math:`\pm Q_j g` for ``c/2`` Haar
rotations :math:`Q_j` drawn per randomization (``c = 32`` by default: averaging over
rotations smooths the facet-line value, which RQMC alone barely helps since it has kinks
everywhere; fewer copies when the pilot shows that even the smallest run would be more than
enough). Each randomization's mean over its :math:`N` points is therefore an unbiased
estimate, the ``R`` means are independent, and the reported value and standard error are
their mean and :math:`\mathrm{sd}/\sqrt R`. With ``rtol``, after a first run of
:math:`N = 8` points per randomization: if adding at most ``R`` randomizations is projected
to reach the target (variance of a randomization's mean held fixed), they are added;
otherwise :math:`N` doubles (the first :math:`2N` points of a Sobol sequence extend its first
:math:`N`, nothing is recomputed), until the worst relative standard error is at most
``rtol`` or the cap on the points is reached (RuntimeWarning).

``n_samples`` counts the Gaussian points (each evaluated ``c`` times), pilot excluded.
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
N_PILOT = 1024
"""Independent Gaussian points of the pilot that fits the control-variate coefficients."""
_MIN_LOG2 = 3  # at least 2**3 points per randomization
_MAX_CHUNK = 2**16  # points per kernel call
_COPIES = 32  # each point used as Q_c g and -Q_c g for 16 Haar rotations Q_c per randomization


def _kernel_call(Sr, coef, H, phih, full, eps, P, first=None, n_rot=None, pairs=False):
    n = P.shape[0]
    ne = eps.shape[0]
    ob = np.empty((n, ne))
    oc = np.empty(n)
    op = np.empty(n)
    if first is None:
        first, n_rot = np.zeros(n, dtype=np.int64), Sr.shape[0]
    kern = QK.facet_split_kernel_parallel if n * n_rot >= 4 * QK._CHUNK else QK.facet_split_kernel
    kern(Sr, first, n_rot, pairs, coef, H, phih, full, eps, P, ob, oc, op)
    return ob, oc, op


def _fit_beta(x, c):
    """Regression coefficients of the columns of ``x`` (n, w) on ``c`` (n,)."""
    cc = c - c.mean()
    vc = float(cc @ cc)
    if not vc > 0.0:
        return np.zeros(x.shape[1])
    return (cc @ (x - x.mean(axis=0))) / vc


def _beta(x, c):
    """Regression coefficients of the columns of ``x`` on ``c``, clipped to [0, 1]."""
    return np.clip(_fit_beta(x, c), 0.0, 1.0)


def _lms_rows(g, count, k):
    """Random unit-lower-triangular binary matrices, (count, k) of them, as row masks (count, k, 30).

    Row ``b`` (output bit ``29 - b``) has a one on the diagonal (input bit ``29 - b``) and
    random bits on the more significant input bits only.
    """
    b = np.arange(30, dtype=np.uint64)
    diag = np.uint64(1) << (np.uint64(29) - b)
    above = np.uint64(2**30 - 1) ^ ((diag << np.uint64(1)) - np.uint64(1))  # bits > 29 - b
    rnd = g.integers(0, 2**30, size=(count, k, 30), dtype=np.uint64)
    return (rnd & above) | diag


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
        rot = _haar(g, count * max(1, copies // 2), k).reshape(count, max(1, copies // 2), k, k)
        sq = np.einsum("mk,crkl->crml", S, rot)  # (count, copies / 2, m, k)
        if copies > 1:
            sq = np.stack([sq, -sq], axis=2).reshape(count, copies, *S.shape)
        return [cls(rows[c], shift[c], sq[c], g) for c in range(count)]

    def points(self, X):
        u = np.empty(X.shape)
        QK.scramble_uniform(X, self.rows, self.shift, self.g.random(X.shape), u)
        return np.ascontiguousarray(special.ndtri(np.clip(u, 1e-300, 1.0 - 2.0**-53)))


def rqmc_facet(p: VoronoiPartition, eps, *, perimeter: bool, n_samples: int, rtol, rng, n_rand: int = N_RANDOMIZATIONS):
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
    xb, xc, xp = _kernel_call(Sr, coef, H, phih, full, eps_k, g.standard_normal((N_PILOT, k)))
    zp = columns(xb, xp)
    beta = _beta(zp, xc)
    copies = _COPIES
    if rtol is not None:
        # Rotated copies per point: as many as useful. The pilot's variance of Z gives the
        # number of evaluations plain Monte Carlo would need; when even the smallest run
        # (R x 2**_MIN_LOG2 points) would overshoot it twice with 32 copies, take fewer.
        zc = zp - (xc[:, None] - 1.0) * beta[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            need = np.max(zc.var(axis=0, ddof=1) / (rtol * np.abs(zc.mean(axis=0))) ** 2)
        if np.isfinite(need):
            fit = need / (2 * n_rand * 2**_MIN_LOG2)
            copies = int(min(_COPIES, max(2, 2 ** int(np.floor(np.log2(max(fit, 1.0)))))))

    width = ne + int(perimeter)
    base = qmc.Sobol(k, scramble=False, bits=30)
    X = np.empty((0, k), dtype=np.uint64)  # the unscrambled points so far, times 2**30
    rands: list = []
    sums: list = []

    def run(rzs, Xpart):
        """Sums of Z over the points Xpart for each randomization in rzs, in one kernel call
        per chunk (so that small N still fills the threads)."""
        tot = np.zeros((len(rzs), width))
        n = Xpart.shape[0]
        if n == 0:
            return tot
        per = max(1, _MAX_CHUNK // n)  # randomizations per call
        for a in range(0, len(rzs), per):
            group = rzs[a : a + per]
            for start in range(0, n, _MAX_CHUNK):
                Xc = Xpart[start : start + _MAX_CHUNK]
                P = np.concatenate([rz.points(Xc) for rz in group])
                Sr = np.ascontiguousarray(np.concatenate([rz.Sr for rz in group]))
                nr = group[0].Sr.shape[0]
                first = np.repeat(np.arange(len(group), dtype=np.int64) * nr, Xc.shape[0])
                ob, oc, op = _kernel_call(Sr, coef, H, phih, full, eps_k, P, first, nr, nr % 2 == 0)
                z = columns(ob, op) - (oc[:, None] - 1.0) * beta[None, :]
                tot[a : a + len(group)] += z.reshape(len(group), Xc.shape[0], width).sum(axis=1)
        return tot

    def grow_points(n_new):  # the next n_new points of the sequence, for every randomization
        nonlocal X
        Xn = np.ascontiguousarray(np.rint(base.random(n_new) * 2.0**30).astype(np.uint64))
        X = np.concatenate([X, Xn])
        add = run(rands, Xn)
        for r in range(len(rands)):
            sums[r] += add[r]

    def grow_rands(count):  # new randomizations over all the points so far
        new = _Randomization.draw(S, g, count, copies)
        rands.extend(new)
        sums.extend(list(run(new, X)))

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
        val, se = grow_to_rtol(stats, lambda: (X.shape[0], len(rands)), grow_points, grow_rands, rtol, n_samples)
    if ne:
        val[:ne] = np.clip(val[:ne], 0.0, 1.0)
    return val, se, X.shape[0] * len(rands)


def grow_to_rtol(stats, size, grow_points, grow_rands, rtol, n_samples):
    """Grow a randomized-QMC estimate until its worst relative standard error is ``<= rtol``.

    ``stats()`` gives ``(value, stderr)`` arrays, ``size()`` the points per randomization
    ``N`` and the randomizations ``R``; ``grow_points(N)`` doubles the points of every
    randomization (the first ``2N`` Sobol points extend the first ``N``), ``grow_rands(k)``
    adds ``k`` randomizations. When at most ``R`` more randomizations are projected to reach
    the target they are added (cheaper than doubling ``N``), else ``N`` doubles; at the cap of
    ``n_samples`` points a RuntimeWarning says so. Shared by ``"rqmc"`` and ``"sov"``.
    """
    while True:
        val, se = stats()
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(np.abs(val) > 0, se / np.abs(val), np.where(se > 0, np.inf, 0.0))
        worst = float(np.max(rel)) if rel.size else 0.0
        if worst <= rtol:
            return val, se
        n, r = size()
        n_tot = n * r
        # randomizations needed at this N if the variance of a randomization's mean stays
        r_need = r * (worst / rtol) ** 2 * 1.1 if np.isfinite(worst) else np.inf
        if r_need <= 2 * r:
            add = min(int(np.ceil(r_need)) - r, (n_samples - n_tot) // n)
            if add < 1:
                _warn_cap(rtol, n_samples, worst)
                return val, se
            grow_rands(add)
        else:
            if 2 * n_tot > n_samples:
                _warn_cap(rtol, n_samples, worst)
                return val, se
            grow_points(n)


def _warn_cap(rtol, cap, worst):
    # stacklevel: _warn_cap, grow_to_rtol, the route's function, the public function, its caller
    warnings.warn(
        f"rtol={rtol} not reached within n_samples={cap} points (relative standard error "
        f"{worst:.3g}); pass a larger n_samples or a larger rtol",
        RuntimeWarning,
        stacklevel=5,
    )
