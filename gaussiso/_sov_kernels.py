r"""Numba kernels of the separation-of-variables (SOV) route for multivariate normal CDFs.

A problem is a lower-triangular Cholesky factor :math:`L` (q x q, positive diagonal) and upper
limits :math:`b`: its value is :math:`P(LZ \le b)` for :math:`Z \sim N(0, I_q)`. Genz's
transformation (Genz 1992) writes it as the integral over :math:`w \in [0, 1]^{q-1}` of

.. math:: f(w) = \prod_{j=1}^{q} e_j, \quad
          e_j = \Phi\Big(\big(b_j - \textstyle\sum_{l<j} L_{jl} y_l\big)/L_{jj}\Big), \quad
          y_j = \Phi^{-1}(w_j e_j),

so :math:`f(w)` at a uniform :math:`w` is an unbiased estimate of the probability, in
:math:`[0, 1]`. :math:`\Phi` comes from ``math.erfc`` and :math:`\Phi^{-1}` from Wichura's
algorithm AS241 (``PPND16``, relative accuracy about 1e-16), written out here.

The kernels draw nothing: the caller passes the uniform points.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

__all__ = ["ndtri", "ndtr", "order_cholesky", "sov_sums"]

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


# Wichura (1988), Algorithm AS241, PPND16: rational approximations on three ranges, with the
# coefficients of the paper from the highest degree down (module-level tuples are constants to
# Numba; the loop is Horner's scheme, unrolled by the compiler).
_CENTRAL_NUM = (
    2.5090809287301226727e3,
    3.3430575583588128105e4,
    6.7265770927008700853e4,
    4.5921953931549871457e4,
    1.3731693765509461125e4,
    1.9715909503065514427e3,
    1.3314166789178437745e2,
    3.3871328727963666080e0,
)
_CENTRAL_DEN = (
    5.2264952788528545610e3,
    2.8729085735721942674e4,
    3.9307895800092710610e4,
    2.1213794301586595867e4,
    5.3941960214247511077e3,
    6.8718700749205790830e2,
    4.2313330701600911252e1,
    1.0,
)
_INTERMEDIATE_NUM = (
    7.74545014278341407640e-4,
    2.27238449892691845833e-2,
    2.41780725177450611770e-1,
    1.27045825245236838258e0,
    3.64784832476320460504e0,
    5.76949722146069140550e0,
    4.63033784615654529590e0,
    1.42343711074968357734e0,
)
_INTERMEDIATE_DEN = (
    1.05075007164441684324e-9,
    5.47593808499534494600e-4,
    1.51986665636164571966e-2,
    1.48103976427480074590e-1,
    6.89767334985100004550e-1,
    1.67638483018380384940e0,
    2.05319162663775882187e0,
    1.0,
)
_FAR_NUM = (
    2.01033439929228813265e-7,
    2.71155556874348757815e-5,
    1.24266094738807843860e-3,
    2.65321895265761230930e-2,
    2.96560571828504891230e-1,
    1.78482653991729133580e0,
    5.46378491116411436990e0,
    6.65790464350110377720e0,
)
_FAR_DEN = (
    2.04426310338993978564e-15,
    1.42151175831644588870e-7,
    1.84631831751005468180e-5,
    7.86869131145613259100e-4,
    1.48753612908506148525e-2,
    1.36929880922735805310e-1,
    5.99832206555887937690e-1,
    1.0,
)


@njit(cache=True)
def _horner(c, r):
    acc = c[0]
    for k in range(1, len(c)):
        acc = acc * r + c[k]
    return acc


@njit(cache=True)
def ndtri(p):
    """Inverse standard normal CDF (AS241); ``-inf`` at 0, ``inf`` at 1, NaN outside."""
    if not (0.0 <= p <= 1.0):
        return math.nan
    q = p - 0.5
    if abs(q) <= 0.425:
        r2 = 0.180625 - q * q
        return q * _horner(_CENTRAL_NUM, r2) / _horner(_CENTRAL_DEN, r2)
    r = p if q < 0.0 else 1.0 - p
    if r <= 0.0:
        return -math.inf if q < 0.0 else math.inf
    r = math.sqrt(-math.log(r))
    if r <= 5.0:
        r -= 1.6
        x = _horner(_INTERMEDIATE_NUM, r) / _horner(_INTERMEDIATE_DEN, r)
    else:
        r -= 5.0
        x = _horner(_FAR_NUM, r) / _horner(_FAR_DEN, r)
    return -x if q < 0.0 else x


@njit(cache=True)
def ndtr(x):
    """Standard normal CDF through ``erfc`` (full relative accuracy in the lower tail)."""
    return 0.5 * math.erfc(-x * _SQRT_HALF)


@njit(cache=True)
def ndtri_array(p, out):
    """Elementwise :func:`ndtri` (for the tests)."""
    for i in range(p.shape[0]):
        out[i] = ndtri(p[i])


@njit(cache=True)
def _trunc_mean(a):
    """E[Z | Z <= a] for Z ~ N(0, 1): -phi(a)/Phi(a) (about a for a -> -inf)."""
    c = ndtr(a)
    if c < 1e-300:
        return a
    return -math.exp(-0.5 * a * a) / math.sqrt(2.0 * math.pi) / c


@njit(cache=True)
def order_cholesky(S, b, L, bo, perm):
    """Cholesky factor of ``S`` with Genz-Bretz variable reordering for the limits ``b``.

    At step ``j`` the remaining variable of smallest conditional probability
    :math:`\\Phi(\\text{conditional limit})` goes first, its conditioning value being the
    mean of the truncated normal. Writes the factor of ``S[perm][:, perm]`` into ``L``
    (q x q, lower), the permuted limits into ``bo`` and the order into ``perm``. Returns the
    smallest pivot (conditional standard deviation): ``<= 0`` means ``S`` is singular.
    """
    q = S.shape[0]
    A = S.copy()
    bb = b.copy()
    for i in range(q):
        perm[i] = i
        for j in range(q):
            L[i, j] = 0.0
    y = np.zeros(q)
    smallest = math.inf
    for j in range(q):
        best = -1
        bestp = math.inf
        for i in range(j, q):
            v = A[i, i]
            for l in range(j):
                v -= L[i, l] * L[i, l]
            if v <= 0.0:
                continue
            s = bb[i]
            for l in range(j):
                s -= L[i, l] * y[l]
            pr = ndtr(s / math.sqrt(v))
            if best < 0 or pr < bestp:
                best = i
                bestp = pr
        if best < 0:
            return 0.0
        if best != j:  # swap variables j and best
            for c in range(q):
                t = A[j, c]
                A[j, c] = A[best, c]
                A[best, c] = t
            for c in range(q):
                t = A[c, j]
                A[c, j] = A[c, best]
                A[c, best] = t
            t = bb[j]
            bb[j] = bb[best]
            bb[best] = t
            ti = perm[j]
            perm[j] = perm[best]
            perm[best] = ti
            for l in range(j):
                t = L[j, l]
                L[j, l] = L[best, l]
                L[best, l] = t
        v = A[j, j]
        for l in range(j):
            v -= L[j, l] * L[j, l]
        d = math.sqrt(v)
        smallest = min(smallest, d)
        L[j, j] = d
        for i in range(j + 1, q):
            s = A[i, j]
            for l in range(j):
                s -= L[i, l] * L[j, l]
            L[i, j] = s / d
        s = bb[j]
        for l in range(j):
            s -= L[j, l] * y[l]
        y[j] = _trunc_mean(s / d)
    for i in range(q):
        bo[i] = bb[i]
    return smallest


@njit(cache=True)
def _sov_value(L, b, shift, w, y):
    """:math:`f(w)` for the limits ``b - shift``; ``y`` is workspace of length q."""
    q = L.shape[0]
    f = 1.0
    for j in range(q):
        s = b[j] - shift
        for l in range(j):
            s -= L[j, l] * y[l]
        e = ndtr(s / L[j, j])
        f *= e
        if f == 0.0:
            return 0.0
        if j < q - 1:
            y[j] = ndtri(w[j] * e)
    return f


@njit(cache=True)
def _sums_one(U, L, b, shifts, out, r, y):
    """The sums of :func:`sov_sums` for randomization ``r`` (workspace ``y``)."""
    N = U.shape[1]
    P = L.shape[0]
    ne = shifts.shape[0]
    for p in range(P):
        for e in range(ne):
            out[r, p, e] = 0.0
    for n in range(N):
        u = U[r, n]
        for p in range(P):
            for e in range(ne):
                out[r, p, e] += _sov_value(L[p], b[p], shifts[e], u, y)


@njit(cache=True, parallel=True)
def sov_sums(U, L, b, shifts, out):
    """Sums over points of the SOV integrands, per randomization, problem and shift.

    ``U`` (R, N, qw) uniforms in (0, 1), ``qw >= q - 1`` (only the first ``q - 1``
    coordinates are used); ``L`` (P, q, q) and ``b`` (P, q): the problems; ``shifts`` (ne,):
    every limit of every problem is lowered by ``shifts[e]``. ``out`` (R, P, ne) receives
    :math:`\\sum_n f_p(U_{rn}; b_p - \\text{shifts}_e)`. Parallel over the randomizations.
    """
    R = U.shape[0]
    q = L.shape[1]
    for r in prange(R):
        _sums_one(U, L, b, shifts, out, r, np.empty(max(q, 1)))


@njit(cache=True)
def sov_sums_serial(U, L, b, shifts, out):
    """:func:`sov_sums` in the calling thread: for small calls (the pilot), where waking the
    thread pool costs more than the work, and much more on a loaded machine."""
    R = U.shape[0]
    q = L.shape[1]
    y = np.empty(max(q, 1))
    for r in range(R):
        _sums_one(U, L, b, shifts, out, r, y)


@njit(cache=True)
def _sov_slope(L, b, w, y, dy):
    """:math:`d f(w; b - t) / dt` at ``t = 0`` (forward-mode derivative of the SOV integrand
    under a common shift of all the limits); ``y``, ``dy`` are workspace of length q."""
    q = L.shape[0]
    f = 1.0
    df = 0.0
    for j in range(q):
        s = b[j]
        ds = -1.0
        for l in range(j):
            s -= L[j, l] * y[l]
            ds -= L[j, l] * dy[l]
        s /= L[j, j]
        ds /= L[j, j]
        e = ndtr(s)
        de = math.exp(-0.5 * s * s) * _INV_SQRT_2PI * ds
        df = df * e + f * de
        f *= e
        if f == 0.0:
            return df
        if j < q - 1:
            u = w[j] * e
            yj = ndtri(u)
            y[j] = yj
            dens = math.exp(-0.5 * yj * yj) * _INV_SQRT_2PI
            dy[j] = w[j] * de / dens if dens > 0.0 else 0.0
    return df


@njit(cache=True, parallel=True)
def sov_slope_sums(U, L, b, out):
    """Sums over points of :func:`_sov_slope`, per randomization and problem: ``out`` (R, P)."""
    R, N = U.shape[0], U.shape[1]
    P, q = L.shape[0], L.shape[1]
    for r in prange(R):
        y = np.empty(q)
        dy = np.empty(q)
        for p in range(P):
            out[r, p] = 0.0
        for n in range(N):
            for p in range(P):
                out[r, p] += _sov_slope(L[p], b[p], U[r, n], y, dy)
