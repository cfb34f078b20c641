"""The standard Gaussian prior."""

from __future__ import annotations

import torch

from ._base import LatentBatch, LatentSampler, register_sampler

__all__ = ["GaussianSampler"]


@register_sampler("gaussian")
class GaussianSampler(LatentSampler):
    """Standard normal latents :math:`z \\sim \\mathcal N(0, I_d)`, no clusters.

    Parameters
    ----------
    latent_dim : int
        Dimension ``d``.
    seed : int, default 0
        Seed of the private generator.

    Examples
    --------
    >>> from gan.latents import make_sampler
    >>> s = make_sampler("gaussian", 3, seed=0)
    >>> s.sample(2).z.shape
    torch.Size([2, 3])
    """

    def __init__(self, latent_dim: int, *, seed: int = 0):
        super().__init__(latent_dim, seed=seed)

    def _sample(self, n, generator):
        return LatentBatch(torch.randn(n, self.latent_dim, generator=generator), None)
