"""Simplicial cluster truncation (seed 000, section 3.3 and appendix B.3) and its linear variant.

Two acceptance rules are implemented:

``max_dot`` (section 3.3 of the paper)
    accept ``z ~ N(0, I_d)`` when :math:`\\max_i z \\cdot u_i > \\tau` for unit centers
    :math:`u_i`; the rejected set is a neighbourhood of the cells' common boundaries.
``softmax`` (appendix B.3, as in the authors' released code)
    accept when :math:`\\max_i \\operatorname{softmax}_i(\\sqrt d\\, \\hat z \\cdot u_i) > \\tau`
    with :math:`\\hat z = z / \\lVert z \\rVert`, i.e. a softmax of scaled cosines (equal, up to a
    constant, to a softmax of :math:`-\\lVert \\hat z - \\sqrt d\\, u_i \\rVert^2 / 2`).

Centers are either ``"simplex"`` (a simplicial cluster: ``n`` unit vectors with pairwise
inner product :math:`-1/(n-1)`, randomly rotated, from :func:`gaussiso.simplicial_cluster`)
or ``"orthogonal"`` (``n`` distinct random coordinate axes :math:`e_k`, as released).
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import scipy.stats as st
import torch
from scipy.integrate import cumulative_simpson
from scipy.interpolate import CubicSpline
from scipy.optimize import brentq

from gaussiso import Estimate, simplex_vertices, simplicial_cluster
from gaussiso.utils import as_generator, check_choice, check_int

from ._base import LatentBatch, LatentSampler, register_sampler
from ._rejection import rejection_fill

__all__ = [
    "SimplicialSampler",
    "LinearSampler",
    "simplicial_acceptance_rate",
    "calibrate_tau",
]

_RULES = ("max_dot", "softmax")
_CENTERS = ("simplex", "orthogonal")


# ---------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------
def _check_tau(tau, rule: str) -> float:
    if isinstance(tau, bool) or not isinstance(tau, numbers.Real):
        raise TypeError(f"tau must be a real number, got {type(tau).__name__} {tau!r}")
    tau = float(tau)
    if not math.isfinite(tau):
        raise ValueError(f"tau must be finite, got {tau}")
    if rule == "softmax" and not 0.0 <= tau < 1.0:
        raise ValueError(f"tau must be in [0, 1) for rule='softmax' (a probability threshold), got {tau}")
    return tau


def _check_clusters(n_clusters, latent_dim, centers) -> tuple[int, int]:
    d = check_int(latent_dim, "latent_dim", low=1)
    n = check_int(n_clusters, "n_clusters", low=2)
    if centers == "simplex" and n > d + 1:
        raise ValueError(
            f"n_clusters = {n} simplex centers need latent_dim >= n_clusters - 1 = {n - 1}, got latent_dim = {d} "
            "(a simplicial cluster has at most d + 1 cells)"
        )
    if centers == "orthogonal" and n > d:
        raise ValueError(f"n_clusters = {n} orthogonal centers need latent_dim >= n_clusters, got latent_dim = {d}")
    return n, d


# ---------------------------------------------------------------------------------------
# exact acceptance rates
# ---------------------------------------------------------------------------------------
def _max_deviation_cdf(n: int, *, x_max: float = 12.0, h: float = 1e-3):
    """CDF of :math:`\\max_i (Y_i - \\bar Y)` for ``n`` iid N(0, 1), on a grid.

    Recursion on ``k``: with :math:`D_i = Y_i - \\bar Y` (k variables), :math:`D_1 \\sim
    N(0, (k-1)/k)`, and given :math:`D_1 = x` the other deviations are
    :math:`E_j - x/(k-1)` where ``E`` are the deviations of ``k - 1`` iid normals from their
    own mean, independent of :math:`D_1`. Splitting on which :math:`D_i` is largest,

    .. math:: G_k(c) = k \\int_0^c f_{N(0,(k-1)/k)}(x)\\, G_{k-1}\\!\\left(\\tfrac{k x}{k-1}\\right) dx,
              \\qquad G_2(c) = 2\\Phi(\\sqrt 2 c) - 1 .

    Returns the grid ``x`` and ``G_n(x)`` (cumulative Simpson, cubic-spline interpolation).
    """
    x = np.linspace(0.0, x_max, int(round(x_max / h)) + 1)
    g = 2.0 * st.norm.cdf(np.sqrt(2.0) * x) - 1.0
    for k in range(3, n + 1):
        spline = CubicSpline(x, g)
        arg = k * x / (k - 1)
        prev = np.where(arg <= x_max, spline(np.minimum(arg, x_max)), 1.0)
        dens = st.norm.pdf(x, scale=math.sqrt((k - 1) / k))
        g = k * cumulative_simpson(dens * prev, x=x, initial=0.0)
    return x, g


def _simplex_max_dot_rate(tau: float, n: int, h: float = 1e-3) -> float:
    """P(max_i z.u_i > tau) for unit simplex centers (independent of d >= n - 1)."""
    if tau <= 0.0:  # sum_i z.u_i = 0, so the max is >= 0
        return 1.0
    # z.u_i = sqrt(n/(n-1)) (Y_i - Ybar) in distribution (same covariance, rank n - 1).
    c = tau * math.sqrt((n - 1) / n)
    if n == 2:
        return float(2.0 * st.norm.sf(tau))
    x, g = _max_deviation_cdf(n, h=h)
    if c >= x[-1]:
        return float(max(0.0, 1.0 - g[-1]))
    return float(1.0 - CubicSpline(x, g)(c))


def _orthogonal_max_dot_rate(tau: float, n: int) -> float:
    """P(max of n iid N(0, 1) > tau) = 1 - Phi(tau)^n (computed without cancellation)."""
    return float(-np.expm1(n * st.norm.logcdf(tau)))


# ---------------------------------------------------------------------------------------
# Monte Carlo scores (numpy, reduced coordinates)
# ---------------------------------------------------------------------------------------
def _mc_scores(rng: np.random.Generator, m: int, n: int, d: int, rule: str, centers: str) -> np.ndarray:
    """Scores of ``m`` draws of z ~ N(0, I_d): max_i z.u_i or the max softmax probability.

    Only the coordinates of z in the span of the centers matter, plus ``||z||`` for the
    softmax rule; the rest of ``||z||^2`` is one chi-square draw.
    """
    if centers == "orthogonal":
        basis = np.eye(n)  # centers = first n axes of an n-dim span
    else:
        basis = simplex_vertices(n)  # (n, n - 1), unit rows
    k = basis.shape[1]
    y = rng.standard_normal((m, k))
    dots = y @ basis.T
    if rule == "max_dot":
        return dots.max(axis=1)
    rest = rng.chisquare(d - k, size=m) if d > k else np.zeros(m)
    norm = np.sqrt(np.einsum("ij,ij->i", y, y) + rest)
    logits = math.sqrt(d) * dots / norm[:, None]
    logits -= logits.max(axis=1, keepdims=True)
    return 1.0 / np.exp(logits).sum(axis=1)  # softmax at the argmax: 1 / sum_j exp(l_j - l_max)


def _mc_score_sample(n_samples, n, d, rule, centers, rng) -> np.ndarray:
    g = as_generator(rng)
    chunk = max(1, (1 << 22) // max(n, 1))
    out = np.empty(n_samples)
    for s in range(0, n_samples, chunk):
        e = min(n_samples, s + chunk)
        out[s:e] = _mc_scores(g, e - s, n, d, rule, centers)
    return out


def simplicial_acceptance_rate(
    tau,
    n_clusters: int,
    latent_dim: int,
    *,
    rule: str = "max_dot",
    centers: str = "simplex",
    method: str = "auto",
    n_samples: int = 1_000_000,
    seed=0,
) -> Estimate:
    """Acceptance rate of the simplicial truncation, :math:`P_{z \\sim N(0, I_d)}(\\text{accept } z)`.

    Parameters
    ----------
    tau : float
        Threshold (any real for ``max_dot``, in ``[0, 1)`` for ``softmax``).
    n_clusters : int
        Number of centers ``n >= 2`` (``n <= d + 1`` for simplex, ``n <= d`` for orthogonal).
    latent_dim : int
        Dimension ``d``.
    rule : {"max_dot", "softmax"}
        Acceptance rule (see the module docstring).
    centers : {"simplex", "orthogonal"}
        Centre configuration. The rate does not depend on their orientation.
    method : {"auto", "exact", "mc"}
        ``"auto"``: exact where available (rule ``max_dot``), Monte Carlo otherwise.
    n_samples : int
        Monte Carlo draws.
    seed : None, int or numpy.random.Generator
        Monte Carlo randomness.

    Returns
    -------
    Estimate
        ``method`` is ``"exact"`` (orthogonal, max_dot:
        :math:`1 - \\Phi(\\tau)^n`), ``"quadrature"`` (simplex, max_dot: a recursion of 1-D
        integrals for the maximum of the deviations of ``n`` iid normals from their mean,
        since :math:`(z \\cdot u_i)_i \\overset{d}{=} \\sqrt{n/(n-1)}\\,(Y_i - \\bar Y)_i`; the
        stderr is the difference with a grid twice as coarse) or ``"mc"`` (binomial stderr).

    Notes
    -----
    Measured with this function (``method="mc"``, 10**6 draws, seed 0) for the released
    code's settings (softmax rule, orthogonal centers): CIFAR ``n = 10, d = 64,
    tau = 0.135``: 0.99989 +- 0.00001, so that truncation rejects almost nothing; STL-10
    ``n = 100, d = 128``: ``tau = 0.08`` 0.3866 +- 0.0005 (training), ``tau = 0.2``
    0.01055 +- 0.0001 (test). With simplex centers instead: 0.99995, 0.3953 and 0.01098.

    Examples
    --------
    >>> from gan.latents import simplicial_acceptance_rate
    >>> r = simplicial_acceptance_rate(0.135, 10, 64, rule="softmax", centers="orthogonal", n_samples=200_000)
    >>> r.value > 0.999
    True
    >>> round(simplicial_acceptance_rate(1.0, 10, 64, centers="orthogonal").value, 6)  # 1 - Phi(1)^10
    0.822279
    """
    rule = check_choice(rule, "rule", _RULES)
    centers = check_choice(centers, "centers", _CENTERS)
    method = check_choice(method, "method", ("auto", "exact", "mc"))
    tau = _check_tau(tau, rule)
    n, d = _check_clusters(n_clusters, latent_dim, centers)
    if method == "exact" and rule != "max_dot":
        raise ValueError("method='exact' is only available for rule='max_dot'; use method='mc' or 'auto'")
    if method in ("auto", "exact") and rule == "max_dot":
        if centers == "orthogonal":
            return Estimate(_orthogonal_max_dot_rate(tau, n), 0.0, 0, "exact")
        fine = _simplex_max_dot_rate(tau, n, h=1e-3)
        coarse = _simplex_max_dot_rate(tau, n, h=2e-3)
        return Estimate(fine, abs(fine - coarse) + 1e-15, 0, "quadrature")
    n_samples = check_int(n_samples, "n_samples", low=1)
    scores = _mc_score_sample(n_samples, n, d, rule, centers, seed)
    p = float(np.mean(scores > tau))
    return Estimate(p, math.sqrt(p * (1.0 - p) / n_samples), n_samples, "mc")


def calibrate_tau(
    target_rate: float,
    n_clusters: int,
    latent_dim: int,
    *,
    rule: str = "max_dot",
    centers: str = "simplex",
    method: str = "auto",
    n_samples: int = 1_000_000,
    seed=0,
) -> float:
    """Threshold ``tau`` whose acceptance rate is ``target_rate``.

    Parameters
    ----------
    target_rate : float
        Wanted acceptance rate, in ``(0, 1)``.
    n_clusters, latent_dim, rule, centers, method, n_samples, seed
        As in :func:`simplicial_acceptance_rate`.

    Returns
    -------
    float
        For rule ``max_dot`` (method ``"auto"``/``"exact"``): the root of the exact rate
        (Brent's method, absolute tolerance 1e-10). Otherwise the empirical
        ``1 - target_rate`` quantile of the Monte Carlo scores, so that the Monte Carlo rate
        at ``tau`` equals ``target_rate`` up to one draw in ``n_samples``.

    Examples
    --------
    >>> from gan.latents import calibrate_tau, simplicial_acceptance_rate
    >>> tau = calibrate_tau(0.5, 10, 64)
    >>> round(simplicial_acceptance_rate(tau, 10, 64).value, 6)
    0.5
    """
    if isinstance(target_rate, bool) or not isinstance(target_rate, numbers.Real) or not 0.0 < float(target_rate) < 1.0:
        raise ValueError(f"target_rate must be a number in (0, 1), got {target_rate!r}")
    target = float(target_rate)
    rule = check_choice(rule, "rule", _RULES)
    centers = check_choice(centers, "centers", _CENTERS)
    method = check_choice(method, "method", ("auto", "exact", "mc"))
    n, d = _check_clusters(n_clusters, latent_dim, centers)
    if method == "exact" and rule != "max_dot":
        raise ValueError("method='exact' is only available for rule='max_dot'; use method='mc' or 'auto'")
    if method in ("auto", "exact") and rule == "max_dot":
        if centers == "orthogonal":
            # 1 - Phi(tau)^n = target  <=>  tau = Phi^{-1}((1 - target)^(1/n))
            return float(st.norm.ppf((1.0 - target) ** (1.0 / n)))
        x, g = _max_deviation_cdf(n) if n > 2 else (None, None)

        def rate(t):
            if t <= 0:
                return 1.0
            if n == 2:
                return 2.0 * st.norm.sf(t)
            c = t * math.sqrt((n - 1) / n)
            return 1.0 - float(CubicSpline(x, g)(min(c, x[-1])))

        hi = 1.0
        while rate(hi) > target:
            hi *= 2.0
            if hi > 1e3:
                raise ValueError(f"target_rate {target} is too small to calibrate")
        return float(brentq(lambda t: rate(t) - target, 1e-12, hi, xtol=1e-10))
    n_samples = check_int(n_samples, "n_samples", low=1)
    scores = _mc_score_sample(n_samples, n, d, rule, centers, seed)
    tau = float(np.quantile(scores, 1.0 - target))
    if rule == "softmax" and tau < 1.0 / n:
        raise ValueError(
            f"target_rate {target} is not reachable with rule='softmax': every tau < 1/n_clusters = {1.0 / n:.4g} "
            "accepts everything"
        )
    return tau


# ---------------------------------------------------------------------------------------
# samplers
# ---------------------------------------------------------------------------------------
@register_sampler("simplicial")
class SimplicialSampler(LatentSampler):
    """Gaussian latents truncated to the inside of the cells of a simplicial cluster.

    Draws :math:`z \\sim N(0, I_d)` and keeps it when its score exceeds ``tau`` (rule
    ``max_dot``: :math:`\\max_i z \\cdot u_i`; rule ``softmax``: the largest softmax
    probability of the scaled cosines :math:`\\sqrt d\\, \\hat z \\cdot u_i`); rejected
    draws are replaced by fresh ones until the batch fills. ``cluster`` is the cell
    :math:`\\arg\\max_i z \\cdot u_i`.

    Parameters
    ----------
    latent_dim : int
        Dimension ``d``.
    seed : int, default 0
        Seeds the centers (their random rotation / axes) and the draws.
    n_clusters : int, default 10
        Number of centers (``2 <= n <= d + 1`` for simplex, ``n <= d`` for orthogonal).
    tau : float, default 1.0
        Threshold. Use :func:`calibrate_tau` to choose it from an acceptance rate.
    rule : {"max_dot", "softmax"}, default "max_dot"
        ``"softmax"`` with ``centers="orthogonal"`` reproduces the authors' released code.
    centers : {"simplex", "orthogonal"}, default "simplex"
    max_draws : int, optional
        Candidates drawn per call before raising (default ``max(10**6, 1000 n)``).

    Attributes
    ----------
    centers : torch.Tensor, shape (n_clusters, latent_dim)
        Unit centers (buffer, saved in ``state_dict``).

    Notes
    -----
    Acceptance rates (see :func:`simplicial_acceptance_rate`): the defaults accept
    0.90305 of Gaussian draws (n = 10, exact by quadrature). The released CIFAR setting
    ``rule="softmax", centers="orthogonal", n_clusters=10, latent_dim=64, tau=0.135``
    accepts 0.99989 of draws, i.e. it truncates almost nothing; the STL-10 setting
    (``n = 100, d = 128``) accepts 0.387 at ``tau = 0.08`` and 0.0106 at ``tau = 0.2``.

    Examples
    --------
    >>> from gan.latents import make_sampler
    >>> s = make_sampler("simplicial", 16, n_clusters=4, tau=0.5, seed=0)
    >>> b = s.sample(5)
    >>> tuple(b.z.shape), b.cluster.dtype
    ((5, 16), torch.int64)
    >>> bool(((b.z @ s.centers.T).max(dim=1).values > 0.5).all())
    True
    """

    def __init__(
        self,
        latent_dim: int,
        *,
        seed: int = 0,
        n_clusters: int = 10,
        tau: float = 1.0,
        rule: str = "max_dot",
        centers: str = "simplex",
        max_draws: int | None = None,
    ):
        super().__init__(latent_dim, seed=seed)
        self.rule = check_choice(rule, "rule", _RULES)
        self.center_kind = check_choice(centers, "centers", _CENTERS)
        self.tau = _check_tau(tau, self.rule)
        n, d = _check_clusters(n_clusters, self.latent_dim, self.center_kind)
        self.n_clusters = n
        self.max_draws = None if max_draws is None else check_int(max_draws, "max_draws", low=1)
        rng = self._init_rng()
        if self.center_kind == "simplex":
            u = simplicial_cluster(n, d, rng=rng).seeds
        else:
            u = np.zeros((n, d))
            u[np.arange(n), rng.choice(d, size=n, replace=False)] = 1.0
        self.register_buffer("centers", torch.tensor(np.array(u), dtype=torch.float32))

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # checkpoints written before the rename centres -> centers (0.1.0 development) load too
        old = prefix + "centres"
        if old in state_dict and prefix + "centers" not in state_dict:
            state_dict[prefix + "centers"] = state_dict.pop(old)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def scores(self, z: torch.Tensor) -> torch.Tensor:
        """Acceptance scores of ``z`` (shape (m, d)) -> (m,): max dot product or max softmax probability."""
        u = self.centers.to(z.device, z.dtype)
        dots = z @ u.T
        if self.rule == "max_dot":
            return dots.max(dim=1).values
        cos = dots / z.norm(dim=1, keepdim=True).clamp_min(torch.finfo(z.dtype).tiny)
        return torch.softmax(math.sqrt(self.latent_dim) * cos, dim=1).max(dim=1).values

    def _draw(self, m, generator):
        z = torch.randn(m, self.latent_dim, generator=generator)
        u = self.centers.cpu()
        cluster = (z @ u.T).argmax(dim=1)
        return z, cluster, self.scores(z) > self.tau

    def _sample(self, n, generator):
        z, c = rejection_fill(
            n,
            generator,
            self._draw,
            latent_dim=self.latent_dim,
            max_draws=self.max_draws,
            what=f"simplicial sampler (tau={self.tau}, rule={self.rule!r})",
        )
        return LatentBatch(z, c)

    def acceptance_rate(self, **kwargs) -> Estimate:
        """:func:`simplicial_acceptance_rate` at this sampler's settings (kwargs: method, n_samples, seed)."""
        return simplicial_acceptance_rate(
            self.tau, self.n_clusters, self.latent_dim, rule=self.rule, centers=self.center_kind, **kwargs
        )

    def extra_repr(self) -> str:
        return super().extra_repr() + f", tau={self.tau}, rule={self.rule!r}, centers={self.center_kind!r}"


@register_sampler("linear")
class LinearSampler(LatentSampler):
    """Gaussian latents truncated by a fixed random linear softmax classifier.

    Keeps :math:`z \\sim N(0, I_d)` when :math:`\\max_i \\operatorname{softmax}(W z + b)_i > \\tau`
    for an untrained ``W`` (shape ``(n_clusters, d)``) and ``b``, drawn once from the seed with
    the default initialisation of an untrained :class:`torch.nn.Linear`
    (:math:`U(-1/\\sqrt d, 1/\\sqrt d)`); ``cluster`` is the argmax class. This is the "linear"
    variant of the released code (``tau = 0.23`` there).

    Parameters
    ----------
    latent_dim : int
    seed : int, default 0
    n_clusters : int, default 10
        Number of classes, ``>= 2``.
    tau : float, default 0.23
        Probability threshold in ``[0, 1)``.
    max_draws : int, optional
        As in :class:`SimplicialSampler`.

    Examples
    --------
    >>> from gan.latents import make_sampler
    >>> s = make_sampler("linear", 8, n_clusters=3, tau=0.5)
    >>> b = s.sample(4)
    >>> bool((torch.softmax(b.z @ s.weight.T + s.bias, 1).max(1).values > 0.5).all())
    True
    """

    def __init__(
        self, latent_dim: int, *, seed: int = 0, n_clusters: int = 10, tau: float = 0.23, max_draws: int | None = None
    ):
        super().__init__(latent_dim, seed=seed)
        self.n_clusters = check_int(n_clusters, "n_clusters", low=2)
        self.tau = _check_tau(tau, "softmax")
        self.max_draws = None if max_draws is None else check_int(max_draws, "max_draws", low=1)
        g = self._init_generator()
        bound = 1.0 / math.sqrt(self.latent_dim)
        w = (torch.rand(self.n_clusters, self.latent_dim, generator=g) * 2 - 1) * bound
        b = (torch.rand(self.n_clusters, generator=g) * 2 - 1) * bound
        self.register_buffer("weight", w)
        self.register_buffer("bias", b)

    def _draw(self, m, generator):
        z = torch.randn(m, self.latent_dim, generator=generator)
        p = torch.softmax(z @ self.weight.cpu().T + self.bias.cpu(), dim=1)
        best, cluster = p.max(dim=1)
        return z, cluster, best > self.tau

    def _sample(self, n, generator):
        z, c = rejection_fill(
            n,
            generator,
            self._draw,
            latent_dim=self.latent_dim,
            max_draws=self.max_draws,
            what=f"linear sampler (tau={self.tau})",
        )
        return LatentBatch(z, c)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", tau={self.tau}"
