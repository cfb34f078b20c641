r"""Exact one-dimensional quadratures for the simplicial m-cluster.

Reduction to the maximum of m Gaussians
---------------------------------------
Let :math:`Z = (Z_1, \dots, Z_m)` be standard Gaussian in :math:`\mathbb{R}^m` and
:math:`H = \{x : \sum_i x_i = 0\}`. The centered basis vectors
:math:`v_i = e_i - \tfrac1m \mathbf 1` lie in :math:`H`, have equal norms and pairwise equal
distances :math:`\|v_i - v_j\| = \sqrt 2`, so (after scaling and a rotation of :math:`H` onto
:math:`\mathbb{R}^{m-1}`) they are the seeds of the simplicial cluster. The orthogonal
projection :math:`P Z` of :math:`Z` on :math:`H` is standard Gaussian in :math:`H`, and since
the seeds have equal norms, the nearest seed to :math:`P Z` is the one with the largest inner
product, :math:`\langle P Z, v_i\rangle = Z_i - \bar Z`. Hence

.. math:: P Z \in A_i \iff Z_i = \max_j Z_j .

Extra ambient dimensions do not matter (the cells are cylinders over the span of the seeds and
the Gaussian is a product measure), so everything below holds in any :math:`d \ge m - 1`.

The bisector of cells :math:`i` and :math:`j` is :math:`\{x \in H: x_i = x_j\}`, whose unit
normal inside :math:`H` is :math:`(e_i - e_j)/\sqrt 2`. For :math:`P Z \in A_i` the distance to
that hyperplane is :math:`(Z_i - Z_j)/\sqrt 2`, and because a cell is an intersection of
half-spaces, the distance to the union of the other cells is the smallest of these,

.. math:: \mathrm{dist}(P Z, \cup_{j\ne i} A_j) = (Z_{(1)} - Z_{(2)})/\sqrt 2,

with :math:`Z_{(1)} \ge Z_{(2)}` the two largest coordinates. Write :math:`\delta = \sqrt2
\varepsilon`. Conditioning on the value :math:`x` of the maximum (attained by any of the
:math:`m` coordinates, each with density :math:`\varphi(x)`),

.. math::

    \gamma(\partial^\varepsilon) = P(Z_{(1)} - Z_{(2)} < \delta)
    = 1 - m \int \varphi(x)\, \Phi(x - \delta)^{m-1} \, dx
    = m \int \varphi(x) \left[\Phi(x)^{m-1} - \Phi(x - \delta)^{m-1}\right] dx ,

the last form using :math:`m \int \varphi \Phi^{m-1} = 1`; it avoids the cancellation
``1 - (something close to 1)`` for small :math:`\varepsilon`. The bracket is evaluated as
:math:`\Phi(x)^{m-1}\,(1 - e^{-(m-1)\Delta(x)})` with
:math:`\Delta(x) = \log\Phi(x) - \log\Phi(x-\delta) = \log(1 + [\Phi(x)-\Phi(x-\delta)]
/ \Phi(x-\delta))`, and the difference of :math:`\Phi` values is computed without cancellation
(Gauss-Legendre on short intervals, tail functions otherwise).

Differentiating at :math:`\delta = 0` gives
:math:`d\gamma/d\delta = m(m-1)\int \varphi^2 \Phi^{m-2}`, so with the convention of this
package (perimeter :math:`= \lim \gamma(\partial^\varepsilon)/(2\varepsilon)`, each interface
counted once; a hyperplane through the origin has :math:`1/\sqrt{2\pi}`)

.. math:: P_\gamma = \frac{m(m-1)}{\sqrt 2} \int \varphi(x)^2\, \Phi(x)^{m-2}\, dx .

Checks: :math:`m = 2` gives :math:`\gamma = 2\Phi(\varepsilon) - 1` and
:math:`P_\gamma = 1/\sqrt{2\pi}`; :math:`m = 3` gives :math:`P_\gamma = 3/(2\sqrt{2\pi})`;
:math:`m = 4` gives :math:`(3/2 + 3\arcsin(1/3)/\pi)/\sqrt{2\pi}`.

Numerics
--------
The integrands are smooth and concentrated near the maximum of :math:`m` Gaussians (about
:math:`\sqrt{2\log m}`), so they are integrated on a finite interval whose discarded tails are
below :math:`10^{-30}` of the integrand's scale, split into panels around the peak, with two
composite 20-point Gauss-Legendre rules (4 and 8 sub-panels per panel). The finer value is
returned; the error bound is the difference of the two plus a rounding allowance. The tests
check both against mpmath, closed forms and multivariate-normal orthant probabilities.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

__all__ = ["simplex_eps_boundary", "simplex_perimeter", "gauss_interval"]

_SQRT2 = math.sqrt(2.0)
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_GL_X, _GL_W = np.polynomial.legendre.leggauss(6)
_GL20_X, _GL20_W = np.polynomial.legendre.leggauss(20)


def gauss_interval(a, h):
    r"""Gaussian measure :math:`\Phi(a + h) - \Phi(a)` of ``[a, a + h]`` without cancellation.

    Vectorised, ``h >= 0`` (0 is returned where ``h <= 0``). The width is passed on its own so
    that a tiny ``h`` is not lost in rounding ``a + h``. Short intervals
    (``h (max(|a|, |a + h|) + 1) < 1/4``) use 6-point Gauss-Legendre on the density (relative
    error below 1e-15); the others use the upper tail when ``a >= 0``, the lower tail when
    ``a + h <= 0``, and the direct difference when the interval straddles 0.
    """
    a = np.asarray(a, dtype=float)
    h = np.asarray(h, dtype=float)
    a, h = np.broadcast_arrays(a, h)
    out = np.zeros(a.shape)
    ok = h > 0
    with np.errstate(invalid="ignore", over="ignore"):
        b = np.where(np.isinf(h), np.inf, a + h)  # also for a = -inf, h = inf
        big = np.maximum(np.abs(a), np.abs(b))
        short = ok & np.isfinite(h) & (h * (big + 1.0) < 0.25)
    if np.any(short):
        r = 0.5 * h[short]
        c = a[short] + r
        x = c[:, None] + r[:, None] * _GL_X[None, :]
        out[short] = r * (np.exp(-0.5 * x * x - _LOG_SQRT_2PI) @ _GL_W)
    rest = ok & ~short
    up = rest & (a >= 0)
    low = rest & (b <= 0) & ~up
    mid = rest & ~up & ~low
    out[up] = 0.5 * (special.erfc(a[up] / _SQRT2) - special.erfc(b[up] / _SQRT2))
    out[low] = 0.5 * (special.erfc(-b[low] / _SQRT2) - special.erfc(-a[low] / _SQRT2))
    out[mid] = 1.0 - 0.5 * special.erfc(b[mid] / _SQRT2) - 0.5 * special.erfc(-a[mid] / _SQRT2)
    return out


def _log_phi(x):
    return -0.5 * x * x - _LOG_SQRT_2PI


def _eps_integrand(x, m: int, delta: float):
    x = np.asarray(x, dtype=float)
    lc_x = special.log_ndtr(x)
    lc_s = special.log_ndtr(x - delta)
    c_s = np.exp(lc_s)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        diff = gauss_interval(x - delta, np.full(x.shape, delta))
        dlt = np.where(c_s > 1e-300, np.log1p(diff / np.where(c_s > 1e-300, c_s, 1.0)), lc_x - lc_s)
    bracket = -np.expm1(-(m - 1) * dlt)
    return m * np.exp(_log_phi(x) + (m - 1) * lc_x) * bracket


def _perim_integrand(x, m: int):
    x = np.asarray(x, dtype=float)
    return np.exp(2.0 * _log_phi(x) + (m - 2) * special.log_ndtr(x))


def _panels(m: int):
    """Break points: a finite range holding all but 1e-30 of the mass, split near the peak."""
    top = math.sqrt(2.0 * math.log(m)) if m > 1 else 0.0
    lo, hi = -13.0, top + 13.0
    pts = [lo]
    peak = float(special.ndtri(1.0 - 1.0 / (m + 1.0)))  # near the mode of the max of m
    for off in (-6.0, -4.0, -3.0, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0):
        p = peak + off
        if lo < p < hi:
            pts.append(p)
    pts.append(hi)
    return np.unique(np.array(pts))


def _gl_composite(f, edges, n_sub: int):
    a, b = edges[:-1], edges[1:]
    t = np.linspace(0.0, 1.0, n_sub + 1)
    sub = a[:, None] + (b - a)[:, None] * t[None, :]  # (panels, n_sub + 1)
    c = 0.5 * (sub[:, :-1] + sub[:, 1:]).ravel()
    r = 0.5 * np.diff(sub, axis=1).ravel()
    x = c[:, None] + r[:, None] * _GL20_X[None, :]
    vals = f(x.ravel()).reshape(x.shape)
    return float(np.sum((vals @ _GL20_W) * r)), float(np.sum((np.abs(vals) @ _GL20_W) * r))


def _integrate(f, m: int):
    """Integrate ``f`` with two composite 20-point Gauss-Legendre rules (4 and 8 sub-panels).

    Returns the finer value and ``|coarse - fine|`` plus a rounding allowance as its error.
    """
    edges = _panels(m)
    coarse, _ = _gl_composite(f, edges, 4)
    fine, absint = _gl_composite(f, edges, 8)
    return fine, abs(fine - coarse) + 64.0 * np.finfo(float).eps * absint


def simplex_eps_boundary(m: int, eps: float):
    r"""Gaussian measure of the eps-boundary of the simplicial m-cluster (any :math:`d \ge m-1`).

    Returns ``(value, error_bound)``; see the module docstring for the formula.
    """
    delta = _SQRT2 * float(eps)
    v, e = _integrate(lambda x: _eps_integrand(x, m, delta), m)
    return min(max(v, 0.0), 1.0), e


def simplex_perimeter(m: int):
    r"""Gaussian perimeter :math:`\frac{m(m-1)}{\sqrt2}\int\varphi^2\Phi^{m-2}` of the simplicial m-cluster.

    Returns ``(value, error_bound)``.
    """
    v, e = _integrate(lambda x: _perim_integrand(x, m), m)
    c = m * (m - 1) / _SQRT2
    return c * v, c * e
