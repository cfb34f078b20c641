"""BourGAN's prior: a Gaussian mixture centered on a Bourgain embedding of the data (seed 003)."""

from __future__ import annotations

import math

import numpy as np
import torch

from gan._checks import as_float_array, check_real
from gaussiso.utils import as_generator, check_int, check_positive_float

from ._base import LatentBatch, LatentSampler, register_sampler

__all__ = ["BourGANSampler", "bourgain_embedding"]


def bourgain_embedding(dist: np.ndarray, n_coords: int, *, p: float = 0.5, rng: np.random.Generator) -> np.ndarray:
    """Bourgain embedding of a finite metric space into :math:`\\ell_2`.

    Coordinate ``t`` is the distance to the nearest point of a random subset
    :math:`S_t` that keeps each point with probability :math:`p^{j+1}`, where the scale
    :math:`j = t \\bmod J` cycles through :math:`J = \\lceil \\log_2 n \\rceil` scales; the vector
    is divided by :math:`\\sqrt{k}` (``k = n_coords``). Each coordinate is 1-Lipschitz, so the
    map never expands distances: :math:`\\lVert f(x) - f(y) \\rVert \\le d(x, y)`; Bourgain's
    theorem bounds the contraction by :math:`O(\\log n)` with high probability. An empty
    subset is redrawn (subsets are drawn conditionally on being non-empty).

    Parameters
    ----------
    dist : ndarray, shape (n, n)
        Symmetric distance matrix.
    n_coords : int
        Embedding dimension ``k``.
    p : float
        Base keep probability, in ``(0, 1]``.
    rng : numpy.random.Generator or int

    Returns
    -------
    ndarray, shape (n, k)
    """
    dist = as_float_array(dist, "dist", ndim=2)
    n = dist.shape[0]
    if n < 1 or dist.shape != (n, n):
        raise ValueError(f"dist must be a square (n, n) matrix with n >= 1, got shape {dist.shape}")
    if np.any(dist < 0):
        raise ValueError(f"dist must hold distances >= 0, got minimum {float(dist.min())}")
    scale = float(dist.max())
    if float(np.abs(dist - dist.T).max()) > 1e-6 * scale:
        raise ValueError("dist must be a symmetric distance matrix")
    n_coords = check_int(n_coords, "n_coords", low=1)
    p = check_real(p, "p", low=0.0, high=1.0, low_open=True)
    rng = as_generator(rng)
    n_scales = max(1, math.ceil(math.log2(n))) if n > 1 else 1
    out = np.empty((n, n_coords))
    for t in range(n_coords):
        q = p ** (t % n_scales + 1)
        if -math.expm1(n * math.log1p(-q) if q < 1 else -math.inf) < 0.01:
            # an empty subset is likely: draw the size conditionally on >= 1 (by inversion),
            # then the subset, instead of rejection (which would take about 1 / P(non-empty))
            keep = np.zeros(n, dtype=bool)
            keep[rng.choice(n, _binomial_at_least_one(n, q, rng), replace=False)] = True
        else:
            keep = rng.random(n) < q
            while not keep.any():
                keep = rng.random(n) < q
        out[:, t] = dist[:, keep].min(axis=1)
    return out / math.sqrt(n_coords)


def _binomial_at_least_one(n: int, q: float, rng) -> int:
    """A draw of Binomial(n, q) conditioned on being >= 1 (inversion of the truncated cdf)."""
    from scipy import stats

    p0 = stats.binom.pmf(0, n, q)
    u = p0 + (1.0 - p0) * rng.random()
    return int(min(n, max(1, stats.binom.ppf(u, n, q))))


@register_sampler("bourgan")
class BourGANSampler(LatentSampler):
    """BourGAN prior: a random embedded data point plus small Gaussian noise.

    :meth:`fit` draws ``n`` data points (``n = min(n_points, len(data))``), computes their
    Euclidean distances (on flattened samples) and a Bourgain embedding
    :func:`bourgain_embedding` with ``latent_dim = 5 ceil(log2 n)`` coordinates (five
    subsets per scale). Sampling picks an embedded point uniformly (its index is
    ``cluster``) and adds :math:`N(0, \\sigma^2 I)`, ``sigma = 0.01``. :meth:`generator_loss`
    pairs the first and second halves of the batch and adds BourGAN's distance-preserving
    term

    .. math:: \\alpha \\operatorname{mean}\\Big[\\big(\\log\\lVert G(z_1) - G(z_2)\\rVert
              - \\log(\\beta \\lVert z_1 - z_2 \\rVert)\\big)^2\\Big], \\qquad \\alpha = 0.1,

    where :math:`\\beta` (default) is the ratio of the mean pairwise data distance to the mean
    pairwise embedded distance over the fitted points, so that the term asks ``G`` to undo
    the embedding's overall scale and not only its shape.

    Parameters
    ----------
    latent_dim : int or None, default None
        ``None``: ``5 ceil(log2 n)``, set by :meth:`fit` (``latent_dim`` is ``None`` until
        then, so build the generator after fitting). An int fixes the number of embedding
        coordinates instead (spread over the scales in turn).
    seed : int, default 0
        Seeds the subsample, the subsets and the draws.
    n_points : int, default 2048
        Largest number of data points embedded.
    sigma : float, default 0.01
        Noise standard deviation around an embedded point.
    alpha : float, default 0.1
        Weight of the distance-preserving term (0 disables it).
    beta : float, optional
        Scale factor in the loss; default: the data-to-embedding distance ratio.
    p : float, default 0.5
        Base keep probability of the random subsets.

    Examples
    --------
    >>> import torch
    >>> from gan.latents import make_sampler
    >>> s = make_sampler("bourgan", None, seed=0).fit(torch.randn(100, 3))
    >>> s.latent_dim, s.n_clusters, tuple(s.sample(4).z.shape)
    (35, 100, (4, 35))
    """

    needs_data = True

    def __init__(
        self,
        latent_dim: int | None = None,
        *,
        seed: int = 0,
        n_points: int = 2048,
        sigma: float = 0.01,
        alpha: float = 0.1,
        beta: float | None = None,
        p: float = 0.5,
    ):
        super().__init__(1 if latent_dim is None else latent_dim, seed=seed)
        self.requested_dim = None if latent_dim is None else self.latent_dim
        self.latent_dim = self.requested_dim
        self.n_points = check_int(n_points, "n_points", low=2)
        self.sigma = check_positive_float(sigma, "sigma", allow_zero=True)
        self.alpha = check_positive_float(alpha, "alpha", allow_zero=True)
        self.beta_option = None if beta is None else check_positive_float(beta, "beta")
        self.p = check_positive_float(p, "p")
        if not self.p < 1:
            raise ValueError(f"p must be in (0, 1), got {p}")
        self.beta = self.beta_option
        self.register_buffer("embedding", torch.empty(0))
        self.register_buffer("data_index", torch.empty(0, dtype=torch.int64))

    @property
    def fitted(self) -> bool:
        return self.embedding.numel() > 0

    def fit(self, data: torch.Tensor) -> BourGANSampler:
        """Embed a subsample of ``data`` (shape ``(N, ...)``, ``N >= 2``); returns ``self``."""
        x = torch.as_tensor(data)
        if x.ndim < 2 or x.shape[0] < 2:
            raise ValueError(f"data must have shape (N, ...) with N >= 2, got {tuple(x.shape)}")
        x = x.detach().reshape(x.shape[0], -1).to("cpu", torch.float64)
        if not torch.isfinite(x).all():
            raise ValueError("data must be finite")
        rng = self._init_rng(1)
        n = min(self.n_points, x.shape[0])
        idx = np.sort(rng.choice(x.shape[0], size=n, replace=False))
        pts = x[torch.as_tensor(idx)]
        dist = torch.cdist(pts, pts).numpy()
        k = self.requested_dim if self.requested_dim is not None else 5 * math.ceil(math.log2(n))
        emb = bourgain_embedding(dist, k, p=self.p, rng=rng)
        iu = np.triu_indices(n, 1)
        edist = np.linalg.norm(emb[iu[0]] - emb[iu[1]], axis=1)
        if self.beta_option is None:
            self.beta = float(dist[iu].mean() / max(edist.mean(), 1e-300))
        self.latent_dim = k
        self.n_clusters = n
        self.embedding = torch.as_tensor(emb, dtype=torch.float32, device=self.embedding.device)
        self.data_index = torch.as_tensor(idx, dtype=torch.int64, device=self.data_index.device)
        return self

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # Resize the empty buffers so that a fitted sampler's state_dict loads into a fresh one.
        for name in ("embedding", "data_index"):
            key = prefix + name
            if key in state_dict:
                setattr(self, name, torch.empty_like(state_dict[key], device=getattr(self, name).device))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        if self.fitted:
            self.latent_dim, self.n_clusters = self.embedding.shape[1], self.embedding.shape[0]

    def _sample(self, n, generator):
        if not self.fitted:
            raise RuntimeError("the bourgan sampler must be fitted to data first: call sampler.fit(data)")
        emb = self.embedding.cpu()
        c = torch.randint(emb.shape[0], (n,), generator=generator)
        z = emb[c] + self.sigma * torch.randn(n, emb.shape[1], generator=generator)
        return LatentBatch(z, c)

    def generator_loss(self, batch, fake, generator):
        """Distance-preserving term on pairs (row i, row i + n//2); ``None`` for n < 2 or alpha = 0."""
        m = fake.shape[0] // 2
        if m == 0 or self.alpha == 0:
            return None
        if self.beta is None:
            raise RuntimeError("the bourgan sampler must be fitted to data first: call sampler.fit(data)")
        f = fake.reshape(fake.shape[0], -1)
        z = batch.z.to(f.device, f.dtype)
        tiny = torch.finfo(f.dtype).tiny
        dg = (f[:m] - f[m : 2 * m]).norm(dim=1).clamp_min(tiny)
        dz = (z[:m] - z[m : 2 * m]).norm(dim=1).clamp_min(tiny)
        return self.alpha * (torch.log(dg) - torch.log(self.beta * dz)).square().mean()
