"""Gaussian-mixture priors: a fixed mixture (``gmm``) and DeLiGAN's learnable one (``deligan``)."""

from __future__ import annotations

import numbers

import numpy as np
import torch

from gan._checks import as_float_array
from gaussiso.utils import check_int, check_positive_float

from ._base import LatentBatch, LatentSampler, register_sampler

__all__ = ["GMMSampler", "DeLiGANSampler"]


#: Latents are float32: parameters beyond this would overflow it once multiplied or added.
_F32_SAFE = 1e30


def _as_matrix(value, name, shape):
    arr = as_float_array(value, name)
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
    if arr.size and float(np.abs(arr).max()) > _F32_SAFE:
        raise ValueError(
            f"{name} must be at most {_F32_SAFE:g} in magnitude (float32 latents), got {float(np.abs(arr).max()):.3g}"
        )
    return torch.as_tensor(arr, dtype=torch.float32)


@register_sampler("gmm")
class GMMSampler(LatentSampler):
    """Fixed Gaussian mixture prior.

    .. math:: c \\sim \\text{Categorical}(w), \\qquad z = \\mu_c + s_c \\odot \\varepsilon,
              \\quad \\varepsilon \\sim N(0, I_d)

    Parameters
    ----------
    latent_dim : int
    seed : int, default 0
        Seeds the default means and the draws.
    n_clusters : int, default 10
        Number of components ``K``.
    means : array_like, shape (K, d), optional
        Component means; default ``U(-1, 1)`` entries drawn from the seed.
    scales : float or array_like, shape (K,) or (K, d), default 0.2
        Component standard deviations (positive).
    weights : array_like, shape (K,), optional
        Mixture weights (non-negative, normalised here); default uniform.

    Examples
    --------
    >>> from gan.latents import make_sampler
    >>> s = make_sampler("gmm", 2, n_clusters=3, means=[[0, 0], [5, 0], [0, 5]], scales=0.1)
    >>> b = s.sample(4)
    >>> bool(((b.z - s.means[b.cluster]).abs() < 1).all())
    True
    """

    def __init__(self, latent_dim: int, *, seed: int = 0, n_clusters: int = 10, means=None, scales=0.2, weights=None):
        super().__init__(latent_dim, seed=seed)
        k = self.n_clusters = check_int(n_clusters, "n_clusters", low=1)
        d = self.latent_dim
        if means is None:
            mu = torch.rand(k, d, generator=self._init_generator()) * 2 - 1
        else:
            mu = _as_matrix(means, "means", (k, d))
        if isinstance(scales, numbers.Real) and not isinstance(scales, bool):
            sd = _as_matrix(np.full((k, d), check_positive_float(scales, "scales")), "scales", (k, d))
        else:
            arr = as_float_array(scales, "scales")
            if arr.shape == (k,):
                arr = np.repeat(arr[:, None], d, axis=1)
            sd = _as_matrix(arr, "scales", (k, d))
            if not (sd > 0).all():
                raise ValueError("scales must be > 0")
        if weights is None:
            w = torch.full((k,), 1.0 / k, dtype=torch.float64)
        else:
            w = torch.as_tensor(as_float_array(weights, "weights"))
            if tuple(w.shape) != (k,) or not torch.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
                raise ValueError(
                    f"weights must be {k} non-negative finite numbers with a positive sum, got {weights!r}"
                )
            w = w / w.sum()
        self.register_buffer("means", mu)
        self.register_buffer("scales", sd)
        self.register_buffer("weights", w)

    def _sample(self, n, generator):
        c = torch.multinomial(self.weights.cpu(), n, replacement=True, generator=generator)
        eps = torch.randn(n, self.latent_dim, generator=generator)
        z = self.means.cpu()[c] + self.scales.cpu()[c] * eps
        return LatentBatch(z, c)


@register_sampler("deligan")
class DeLiGANSampler(LatentSampler):
    """DeLiGAN's learnable Gaussian mixture prior (Gurumurthy et al., 2017).

    Each row picks a component ``c`` uniformly and returns
    :math:`z = \\mu_c + \\sigma_c \\odot \\varepsilon` with learnable
    :math:`\\mu \\in \\mathbb R^{K \\times d}` (initialised ``U(-1, 1)``) and
    :math:`\\sigma \\in \\mathbb R^{K \\times d}` (initialised ``sigma_init``). ``z`` carries the
    gradient to both, so the generator's optimiser (which receives ``sampler.parameters()``)
    trains them. Without a penalty the sigmas shrink to zero (the generator prefers
    deterministic codes), so :meth:`generator_loss` adds

    .. math:: \\lambda \\sum_{c, j} (1 - \\sigma_{c j})^2

    pulling every sigma towards 1 (DeLiGAN's regulariser; ``lambda = sigma_weight``).

    Parameters
    ----------
    latent_dim : int
    seed : int, default 0
        Seeds the initial means and the draws.
    n_clusters : int, default 10
        Number of components ``K``.
    sigma_init : float, default 0.2
        Initial sigma (DeLiGAN's MNIST value).
    sigma_weight : float, default 1.0
        Weight ``lambda`` of the sigma regulariser (``0`` disables it).

    Examples
    --------
    >>> from gan.latents import make_sampler
    >>> s = make_sampler("deligan", 4, n_clusters=2)
    >>> b = s.sample(3)
    >>> b.z.requires_grad, [tuple(p.shape) for p in s.parameters()]
    (True, [(2, 4), (2, 4)])
    """

    def __init__(
        self,
        latent_dim: int,
        *,
        seed: int = 0,
        n_clusters: int = 10,
        sigma_init: float = 0.2,
        sigma_weight: float = 1.0,
    ):
        super().__init__(latent_dim, seed=seed)
        k = self.n_clusters = check_int(n_clusters, "n_clusters", low=1)
        self.sigma_weight = check_positive_float(sigma_weight, "sigma_weight", allow_zero=True)
        sigma_init = check_positive_float(sigma_init, "sigma_init")
        if sigma_init > _F32_SAFE:
            raise ValueError(f"sigma_init must be at most {_F32_SAFE:g} (float32 latents), got {sigma_init:g}")
        mu = torch.rand(k, self.latent_dim, generator=self._init_generator()) * 2 - 1
        self.mu = torch.nn.Parameter(mu)
        self.sigma = torch.nn.Parameter(torch.full((k, self.latent_dim), sigma_init))

    def _sample(self, n, generator):
        c = torch.randint(self.n_clusters, (n,), generator=generator)
        eps = torch.randn(n, self.latent_dim, generator=generator)
        dev = self.mu.device
        c_dev = c.to(dev)
        z = self.mu[c_dev] + self.sigma[c_dev] * eps.to(dev)
        return LatentBatch(z, c)

    def generator_loss(self, batch, fake, generator):
        """``sigma_weight * sum((1 - sigma)^2)`` (``None`` when the weight is 0)."""
        if self.sigma_weight == 0:
            return None
        return self.sigma_weight * (1.0 - self.sigma).square().sum()
