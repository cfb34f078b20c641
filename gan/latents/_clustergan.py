"""ClusterGAN's mixed discrete-continuous prior with its encoder (Mukherjee et al., 2019; seed 001)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from gaussiso.utils import check_int, check_positive_float

from ._base import LatentBatch, LatentSampler, register_sampler

__all__ = ["ClusterGANSampler"]


def _init_module(module: nn.Module, generator: torch.Generator) -> None:
    """Re-initialise Linear/Conv layers like torch's defaults, but from ``generator``."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=generator)
            if m.bias is not None:
                fan_in = m.weight[0].numel()
                bound = 1.0 / math.sqrt(fan_in)
                nn.init.uniform_(m.bias, -bound, bound, generator=generator)


class _Encoder(nn.Module):
    """Maps data to ``(z_n_hat, logits)``: a small CNN for images, an MLP otherwise."""

    def __init__(self, data_shape: tuple[int, ...], cont_dim: int, n_clusters: int, width: int):
        super().__init__()
        self.cont_dim = cont_dim
        out = cont_dim + n_clusters
        if len(data_shape) == 3 and min(data_shape[1:]) >= 8:
            c, h, w = data_shape
            # Two stride-2 convolutions then a fully connected layer, as in ClusterGAN's encoder.
            self.body = nn.Sequential(
                nn.Conv2d(c, width, 4, 2, 1),
                nn.LeakyReLU(0.2),
                nn.Conv2d(width, 2 * width, 4, 2, 1),
                nn.LeakyReLU(0.2),
                nn.Flatten(),
                nn.Linear(2 * width * (h // 4) * (w // 4), 1024),
                nn.LeakyReLU(0.2),
                nn.Linear(1024, out),
            )
            self.kind = "cnn"
        else:
            flat = math.prod(data_shape)
            self.body = nn.Sequential(
                nn.Flatten(),
                nn.Linear(flat, 4 * width),
                nn.LeakyReLU(0.2),
                nn.Linear(4 * width, 4 * width),
                nn.LeakyReLU(0.2),
                nn.Linear(4 * width, out),
            )
            self.kind = "mlp"

    def forward(self, x):
        h = self.body(x)
        return h[:, : self.cont_dim], h[:, self.cont_dim :]


@register_sampler("clustergan")
class ClusterGANSampler(LatentSampler):
    """ClusterGAN prior :math:`z = [\\sigma_n \\varepsilon, \\text{one\\_hot}(c)]` and encoder loss.

    ``c`` is uniform on ``{0, ..., K-1}`` and :math:`\\varepsilon \\sim N(0, I_{d_n})`, so
    ``latent_dim = d_n + K`` where ``d_n`` is the requested (continuous) dimension. The
    sampler owns an encoder :math:`E(x) = (\\hat z_n, \\ell)` trained jointly with the
    generator through :meth:`generator_loss`:

    .. math:: \\beta_n \\operatorname{mean}\\big((z_n - \\hat z_n)^2\\big)
              + \\beta_c \\operatorname{CE}(\\ell, c),

    evaluated on generated samples only (the mean is over batch and coordinates and
    the cross-entropy is averaged over the batch, as in the official code; beta_n = beta_c =
    10 there). The encoder is a small CNN (two 4x4 stride-2 convolutions, a 1024-unit layer)
    for ``(C, H, W)`` data with ``H, W >= 8``, an MLP otherwise; its weights are initialised
    from ``seed``.

    Parameters
    ----------
    latent_dim : int
        Continuous dimension ``d_n`` (ClusterGAN's MNIST value: 30).
    seed : int, default 0
    data_shape : tuple of int
        Shape of one data sample (the encoder's input); required.
    n_clusters : int, default 10
        Number of one-hot classes ``K``.
    sigma_n : float, default 0.1
        Scale of the continuous part (official code 0.1; popular ports use 0.75).
    beta_n, beta_c : float, default 10.0
        Loss weights.
    width : int, default 64
        Width of the encoder's first layer.

    Examples
    --------
    >>> from gan.latents import make_sampler
    >>> s = make_sampler("clustergan", 5, n_clusters=3, data_shape=(2,))
    >>> b = s.sample(4)
    >>> s.latent_dim, bool((b.z[:, 5:].argmax(1) == b.cluster).all())
    (8, True)
    """

    def __init__(
        self,
        latent_dim: int,
        *,
        seed: int = 0,
        data_shape: tuple | None = None,
        n_clusters: int = 10,
        sigma_n: float = 0.1,
        beta_n: float = 10.0,
        beta_c: float = 10.0,
        width: int = 64,
    ):
        super().__init__(latent_dim, seed=seed)
        if data_shape is None:
            raise ValueError("clustergan needs data_shape (the shape of one data sample) to build its encoder")
        try:
            shape = tuple(check_int(s, "data_shape entries", low=1) for s in data_shape)
        except TypeError:
            raise TypeError(f"data_shape must be a tuple of positive ints, got {data_shape!r}") from None
        if not shape:
            raise ValueError("data_shape must not be empty")
        self.data_shape = shape
        self.cont_dim = self.latent_dim
        self.n_clusters = check_int(n_clusters, "n_clusters", low=2)
        self.latent_dim = self.cont_dim + self.n_clusters
        self.sigma_n = check_positive_float(sigma_n, "sigma_n")
        self.beta_n = check_positive_float(beta_n, "beta_n", allow_zero=True)
        self.beta_c = check_positive_float(beta_c, "beta_c", allow_zero=True)
        width = check_int(width, "width", low=1)
        self.encoder = _Encoder(shape, self.cont_dim, self.n_clusters, width)
        _init_module(self.encoder, self._init_generator())

    def _sample(self, n, generator):
        c = torch.randint(self.n_clusters, (n,), generator=generator)
        zn = self.sigma_n * torch.randn(n, self.cont_dim, generator=generator)
        z = torch.cat([zn, F.one_hot(c, self.n_clusters).to(zn.dtype)], dim=1)
        return LatentBatch(z, c)

    def encode(self, x: torch.Tensor):
        """Encoder output ``(z_n_hat, logits)`` of data ``x`` (shape ``(m, *data_shape)``)."""
        if tuple(x.shape[1:]) != self.data_shape:
            raise ValueError(f"x must have shape (m, {', '.join(map(str, self.data_shape))}), got {tuple(x.shape)}")
        return self.encoder(x)

    def generator_loss(self, batch, fake, generator):
        zn_hat, logits = self.encode(fake)
        zn = batch.z[:, : self.cont_dim].to(zn_hat.device, zn_hat.dtype)
        c = batch.cluster.to(logits.device)
        return self.beta_n * F.mse_loss(zn_hat, zn) + self.beta_c * F.cross_entropy(logits, c)
