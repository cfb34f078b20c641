"""Base class, batch type and registry shared by every latent sampler.

A sampler is a :class:`torch.nn.Module` so that learnable priors (DeLiGAN's mixture,
ClusterGAN's encoder) expose their parameters to the generator's optimiser through
``sampler.parameters()`` and travel with ``sampler.to(device)`` and ``state_dict()``.
All randomness comes from the sampler's own CPU :class:`torch.Generator`, seeded from
``seed``; nothing touches torch's global generator.
"""

from __future__ import annotations

import inspect
from typing import NamedTuple

import numpy as np
import torch

from gan._util import derived_seed, resolve_device
from gaussiso.utils import check_int

__all__ = [
    "LatentBatch",
    "LatentSampler",
    "SAMPLERS",
    "register_sampler",
    "make_sampler",
    "resolve_device",
]


class LatentBatch(NamedTuple):
    """A batch of latents with their cluster index.

    Attributes
    ----------
    z : torch.Tensor, shape (n, latent_dim), float32
        The latent codes, on the requested device.
    cluster : torch.Tensor, shape (n,), int64, or None
        The latent cluster of each row (simplicial cell, mixture component, one-hot class),
        or ``None`` for samplers without clusters.
    """

    z: torch.Tensor
    cluster: torch.Tensor | None


class LatentSampler(torch.nn.Module):
    """Base class of the latent priors of the GAN trainer.

    Subclasses implement :meth:`_sample`; seeding, validation and device handling live
    here. Subclasses that need construction-time randomness (centers, random weights,
    initial parameters) take it from :meth:`_init_generator` / :meth:`_init_rng`, a stream
    independent of the sampling stream, so that the latents drawn depend only on ``seed``.

    Parameters
    ----------
    latent_dim : int
        Width of the latent vector the generator takes, ``>= 1``.
    seed : int, default 0
        Non-negative seed of the sampler's private generators.
    **options
        Sampler-specific options; an unknown one raises :class:`TypeError`.

    Attributes
    ----------
    name : str
        Registry key (set by :func:`register_sampler`).
    latent_dim : int
        Width of ``z``. It may differ from the requested value where the method fixes it
        (``clustergan``: continuous part + ``n_clusters``; ``bourgan``: chosen by :meth:`fit`).
    n_clusters : int or None
        Number of discrete latent clusters (for a mutual-information head), or ``None``.
    needs_data : bool
        ``True`` when the trainer must call :meth:`fit` on training data first.
    """

    name: str = ""
    needs_data: bool = False

    def __init__(self, latent_dim: int, *, seed: int = 0, **options):
        super().__init__()
        if options:
            raise TypeError(
                f"unknown option(s) {sorted(options)} for latent sampler {self.name or type(self).__name__!r}"
            )
        self.latent_dim = check_int(latent_dim, "latent_dim", low=1)
        self.seed = check_int(seed, "seed", low=0)
        self.n_clusters: int | None = None
        self._generator = torch.Generator(device="cpu")
        self._generator.manual_seed(derived_seed(self.seed, 1))
        # Empty, non-persistent buffer: follows sampler.to(device), so every sampler knows
        # the device it was moved to (even without parameters or buffers of its own).
        self.register_buffer("_device_anchor", torch.empty(0), persistent=False)

    # -- randomness ---------------------------------------------------------------------
    def _init_generator(self, stream: int = 0) -> torch.Generator:
        """A fresh CPU torch generator for construction-time draws (``stream`` separates uses)."""
        g = torch.Generator(device="cpu")
        g.manual_seed(derived_seed(self.seed, 1000 + stream))
        return g

    def _init_rng(self, stream: int = 0) -> np.random.Generator:
        """A fresh numpy generator for construction-time draws (for numpy-side helpers)."""
        return np.random.default_rng(np.random.SeedSequence([self.seed, 2000 + stream]))

    def get_rng_state(self) -> torch.Tensor:
        """The state of the sampling generator (a uint8 tensor), for exact resume."""
        return self._generator.get_state()

    def set_rng_state(self, state) -> None:
        """Restore a state returned by :meth:`get_rng_state`."""
        if not isinstance(state, torch.Tensor) or state.dtype != torch.uint8:
            raise TypeError(f"state must be the uint8 tensor returned by get_rng_state, got {type(state).__name__}")
        self._generator.set_state(state.cpu())

    # -- devices ------------------------------------------------------------------------
    def _module_device(self) -> torch.device:
        """Device the sampler was moved to with ``.to()`` (CPU by default)."""
        return self._device_anchor.device

    # -- public API ---------------------------------------------------------------------
    def sample(self, n: int, *, device=None) -> LatentBatch:
        """Draw ``n`` latents.

        Parameters
        ----------
        n : int
            Number of latents, ``>= 1``.
        device : None, str or torch.device
            Where to put the batch; ``None``: the sampler's device (where ``sampler.to()``
            moved it, CPU by default); ``"auto"`` picks CUDA when present. The draws are
            made on the CPU whatever the device, so they do not depend on it.

        Returns
        -------
        LatentBatch
            ``z`` of shape ``(n, latent_dim)``, float32, and ``cluster`` of shape ``(n,)``,
            int64, or ``None``. For learnable samplers ``z`` carries the autograd graph to the
            sampler's parameters.
        """
        n = check_int(n, "n", low=1)
        dev = self._module_device() if device is None else resolve_device(device)
        z, cluster = self._sample(n, self._generator)
        z = z.to(device=dev, dtype=torch.float32)
        if cluster is not None:
            cluster = cluster.to(device=dev, dtype=torch.int64)
        return LatentBatch(z, cluster)

    def _sample(self, n: int, generator: torch.Generator) -> LatentBatch:
        """Draw ``n`` latents with ``generator`` (CPU); implemented by subclasses."""
        raise NotImplementedError

    def generator_loss(self, batch: LatentBatch, fake: torch.Tensor, generator: torch.nn.Module):
        """Extra term the trainer adds to the generator loss (``None`` when there is none).

        Parameters
        ----------
        batch : LatentBatch
            The latents that produced ``fake``.
        fake : torch.Tensor, shape (n, ...)
            ``generator(batch.z)``.
        generator : torch.nn.Module
            The generator (some methods evaluate it on further latents).
        """
        return None

    def fit(self, data: torch.Tensor) -> LatentSampler:
        """Adapt the prior to training data (no-op unless ``needs_data``); returns ``self``."""
        return self

    def extra_repr(self) -> str:
        return f"name={self.name!r}, latent_dim={self.latent_dim}, n_clusters={self.n_clusters}, seed={self.seed}"


SAMPLERS: dict[str, type[LatentSampler]] = {}


def register_sampler(name: str):
    """Class decorator registering a :class:`LatentSampler` subclass under ``name``.

    Parameters
    ----------
    name : str
        Non-empty registry key (the ``latent`` setting of a training config); a name already
        taken by another class is refused.

    Returns
    -------
    callable
        The decorator; it sets ``cls.name``, adds ``cls`` to ``SAMPLERS`` and returns ``cls``.

    Examples
    --------
    >>> import torch
    >>> from gan.latents import LatentSampler, register_sampler, SAMPLERS
    >>> @register_sampler("_doc_uniform")
    ... class Uniform(LatentSampler):
    ...     def _sample(self, n, generator):
    ...         return torch.rand(n, self.latent_dim, generator=generator), None
    >>> SAMPLERS["_doc_uniform"] is Uniform
    True
    >>> del SAMPLERS["_doc_uniform"]
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, got {name!r}")

    def decorate(cls):
        if not (isinstance(cls, type) and issubclass(cls, LatentSampler)):
            raise TypeError(f"register_sampler needs a LatentSampler subclass, got {cls!r}")
        if name in SAMPLERS and SAMPLERS[name] is not cls:
            raise ValueError(f"a latent sampler named {name!r} is already registered ({SAMPLERS[name].__name__})")
        cls.name = name
        SAMPLERS[name] = cls
        return cls

    return decorate


def _options_of(cls) -> tuple[list[str], bool]:
    """Keyword options accepted by ``cls.__init__`` (besides latent_dim/seed)."""
    sig = inspect.signature(cls.__init__)
    names, takes_data_shape = [], False
    for p in list(sig.parameters.values())[1:]:
        if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) or p.name in ("latent_dim", "seed"):
            continue
        if p.name == "data_shape":
            takes_data_shape = True
            continue
        names.append(p.name)
    return names, takes_data_shape


def make_sampler(
    name: str, latent_dim: int | None, *, seed: int = 0, data_shape: tuple | None = None, **options
) -> LatentSampler:
    """Build the registered sampler ``name``.

    Parameters
    ----------
    name : str
        A key of :data:`SAMPLERS`.
    latent_dim : int or None
        Requested latent width (``None`` allowed for ``bourgan``, which picks it in ``fit``).
    seed : int, default 0
        Seed of the sampler's private generators.
    data_shape : tuple of int, optional
        Shape of one data sample, passed to samplers that need it (``clustergan``'s
        encoder); ignored by the others.
    **options
        Sampler-specific options (see each sampler's docstring).

    Returns
    -------
    LatentSampler

    Raises
    ------
    ValueError
        Unknown ``name`` (the message lists :data:`SAMPLERS`).
    TypeError
        An option the sampler does not accept (the message names it and lists the valid ones).

    Examples
    --------
    >>> from gan.latents import make_sampler
    >>> s = make_sampler("gaussian", 8, seed=1)
    >>> b = s.sample(4)
    >>> tuple(b.z.shape), b.z.dtype, b.cluster
    ((4, 8), torch.float32, None)
    """
    if not isinstance(name, str) or name not in SAMPLERS:
        raise ValueError(
            f"unknown latent sampler {name!r}: name must be one of the registered samplers {sorted(SAMPLERS)}"
        )
    cls = SAMPLERS[name]
    allowed, takes_data_shape = _options_of(cls)
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise TypeError(f"unknown option(s) {unknown} for latent sampler {name!r}; valid options: {allowed}")
    if takes_data_shape:
        options["data_shape"] = data_shape
    return cls(latent_dim, seed=seed, **options)
