"""Build the parts of a run from its config: networks (a registry), latent sampler, MI head.

:func:`gan.runs.load_run` calls the same builders as the training loop, so a saved run is
rebuilt exactly as it was trained. Every random draw comes from a generator seeded by
:func:`gan._util.derived_seed` from the run's seed and a stream id below.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from gan._util import derived_seed, init_weights, torch_generator

from .nets import MLPCritic, MLPGenerator, MNISTCritic, MNISTGenerator, ResNetCritic, ResNetGenerator
from .presets import PRESETS

__all__ = ["NETWORKS", "build_networks", "build_sampler", "build_mi_head"]

# stream ids of derived_seed(cfg.seed, stream, ...): one independent stream per job
S_INIT, S_LATENT, S_DATA, S_INTERP, S_FIT, S_EVAL = range(6)


def _mlp_networks(cfg, latent_dim: int, data_shape: tuple, tanh: bool = False) -> tuple[nn.Module, nn.Module]:
    from gan._preflight import check_fits

    dim = math.prod(data_shape)
    h = cfg.hidden
    params = (latent_dim + dim + 2) * h + 2 * (cfg.depth - 1) * h * h + dim * h  # G and D, weights
    # weights, gradients and Adam's two moments, float32
    check_fits(16 * params, f"networks with hidden={h}, depth={cfg.depth} ({params:.3g} weights)")
    G = MLPGenerator(latent_dim, dim, cfg.hidden, cfg.depth, out_shape=data_shape, tanh=tanh)
    return G, MLPCritic(dim, cfg.hidden, cfg.depth)


def _mlp_image_networks(cfg, latent_dim: int, data_shape: tuple) -> tuple[nn.Module, nn.Module]:
    return _mlp_networks(cfg, latent_dim, data_shape, tanh=True)


def _mnist_conv_networks(cfg, latent_dim: int, data_shape: tuple) -> tuple[nn.Module, nn.Module]:
    return MNISTGenerator(latent_dim, cfg.width), MNISTCritic(cfg.width)


def _resnet_networks(cfg, latent_dim: int, data_shape: tuple) -> tuple[nn.Module, nn.Module]:
    return ResNetGenerator(latent_dim, cfg.width), ResNetCritic(cfg.width)


# the ``networks`` name of a preset -> builder(cfg, latent_dim, data_shape) -> (G, D)
NETWORKS: dict[str, Callable] = {
    "mlp": _mlp_networks,  # hidden, depth; any data shape (flattened)
    "mlp-image": _mlp_image_networks,  # the same, tanh output (images in [-1, 1])
    "mnist-conv": _mnist_conv_networks,  # Table 4, width
    "resnet": _resnet_networks,  # Table 5, width
}


def build_networks(cfg, latent_dim: int, data_shape) -> tuple[nn.Module, nn.Module]:
    """Generator and critic of ``cfg`` on CPU, initialised from the run's seed.

    Parameters
    ----------
    cfg : TrainConfig
    latent_dim : int
        The sampler's ``latent_dim``.
    data_shape : tuple of int
        Shape of one sample: ``(D,)`` for mixtures, ``(C, H, W)`` for images.

    Returns
    -------
    (torch.nn.Module, torch.nn.Module)
        ``G`` maps ``(n, latent_dim)`` to ``(n, *data_shape)``; ``D`` maps that to scores ``(n,)``.

    Examples
    --------
    >>> import torch
    >>> from gan.training import preset_config
    >>> G, D = build_networks(preset_config("mixture", seed=1), 2, (2,))
    >>> D(G(torch.zeros(5, 2))).shape
    torch.Size([5])
    """
    if cfg.preset not in PRESETS:
        raise ValueError(f"unknown preset {cfg.preset!r}; choose from {sorted(PRESETS)}")
    if isinstance(latent_dim, bool) or not isinstance(latent_dim, (int, np.integer)) or latent_dim < 1:
        raise ValueError(f"latent_dim must be an integer >= 1, got {latent_dim!r}")
    try:
        data_shape = tuple(data_shape)
    except TypeError:
        raise TypeError(f"data_shape must be a tuple of positive integers, got {data_shape!r}") from None
    if not data_shape or not all(
        isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 1 for s in data_shape
    ):
        raise ValueError(f"data_shape must be a non-empty tuple of integers >= 1, got {data_shape!r}")
    build = NETWORKS[PRESETS[cfg.preset].networks]
    # building a module draws its default initialisation from torch's global generator;
    # fork it so the caller's global state is untouched, then re-draw from the run's seed
    with torch.random.fork_rng(devices=[]):
        G, D = build(cfg, int(latent_dim), tuple(int(s) for s in data_shape))
    g = torch_generator(derived_seed(cfg.seed, S_INIT))
    init_weights(G, g)
    init_weights(D, g)
    return G, D


def build_mi_head(cfg, feature_dim: int, n_clusters: int) -> nn.Module:
    """The mutual-information head: a linear classifier of the latent cluster from critic features."""
    with torch.random.fork_rng(devices=[]):  # leave torch's global generator alone
        head = nn.Linear(feature_dim, n_clusters)
    init_weights(head, torch_generator(derived_seed(cfg.seed, S_INIT, 1)))
    return head


def build_sampler(cfg, source, dataset):
    """The latent sampler of ``cfg``, fitted when it needs data.

    Parameters
    ----------
    cfg : TrainConfig
    source, dataset
        What :func:`gan.training.data_streams.build_data` returned. Samplers that need data
        get ``cfg.fit_samples`` training samples drawn with a generator seeded by
        ``cfg.seed`` only, so every process and :func:`gan.runs.load_run` rebuild the same prior.

    Returns
    -------
    gan.latents.LatentSampler
        On CPU, its sampling stream seeded by ``cfg.seed``.
    """
    from gan.latents import make_sampler

    data_shape = (int(dataset.dim),) if dataset is not None else tuple(source.shape[1:])
    sampler = make_sampler(cfg.latent, cfg.latent_dim, seed=cfg.seed, data_shape=data_shape, **cfg.sampler_options)
    if sampler.needs_data:
        fit_rng = np.random.default_rng(derived_seed(cfg.seed, S_FIT))
        if dataset is not None:
            fit_data = torch.as_tensor(np.asarray(dataset.sample(cfg.fit_samples, fit_rng)[0], dtype=np.float32))
        else:
            idx = fit_rng.choice(source.shape[0], size=min(cfg.fit_samples, source.shape[0]), replace=False)
            fit_data = source[torch.from_numpy(np.sort(idx))]
        sampler.fit(fit_data)
    return sampler
