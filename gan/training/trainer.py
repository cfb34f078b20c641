"""The WGAN-GP training loop.

One flat loop (:func:`train`): ``n_critic`` critic steps, then one generator step, with the
loss (:class:`WGANGPLoss`) and the latent prior (a :class:`gan.latents.LatentSampler`)
injected. Everything random comes from private generators built from the run's seed, and
their states go into every checkpoint, so a run that is killed and resumed ends with the
same weights, bit for bit on CPU, as one that ran straight through.

Random streams of a run with seed ``s`` (process ``r`` of a torchrun job):

========================  =========================================  ================
stream                    generator                                   depends on rank
========================  =========================================  ================
initial weights           CPU ``torch.Generator``                     no
latents                   the sampler's CPU generator                 yes (r > 0)
real batches              ``numpy.random.Generator``                  yes
interpolation ``t``       CPU ``torch.Generator``                     yes
data handed to ``fit``    ``numpy.random.Generator``                  no
evaluation latents        a fixed sampler state, restored after use   no
========================  =========================================  ================

Per-step draws happen on CPU and are then moved, so a CPU run and a GPU run see the same
latents, real batches and interpolation weights.
"""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import distributed as tdist
from gan._util import atomic_write_bytes, derived_seed, resolve_device
from gan._util import torch_generator as _torch_generator

from .checkpoint import load_checkpoint, save_checkpoint
from .config import TrainConfig
from .nets import (
    MLPCritic,
    MLPGenerator,
    MNISTCritic,
    MNISTGenerator,
    ResNetCritic,
    ResNetGenerator,
    init_weights,
)

__all__ = [
    "WGANGPLoss",
    "gradient_penalty",
    "train",
    "TrainResult",
    "build_data",
    "build_sampler",
    "build_networks",
    "derived_seed",
    "CHECKPOINT_NAME",
    "resolve_device",
]

CHECKPOINT_NAME = "checkpoint.pt"
CONFIG_NAME = "config.json"
METRICS_NAME = "metrics.jsonl"
FORMAT_VERSION = 1

# settings that may change between a run and its resumption without changing the numbers
_RESUMABLE_CHANGES = {
    "steps", "device", "log_every", "eval_every", "image_every", "ckpt_every", "snapshot_every",
    "eval_samples", "compile", "tf32", "channels_last",
}  # fmt: skip

# stream ids of derived_seed
_S_INIT, _S_LATENT, _S_DATA, _S_INTERP, _S_FIT, _S_EVAL = range(6)


# ---------------------------------------------------------------------------------------
# Loss
# ---------------------------------------------------------------------------------------
def gradient_penalty(critic, x_hat: torch.Tensor, scores: torch.Tensor | None = None) -> torch.Tensor:
    """Gulrajani et al.'s penalty :math:`\\mathbb E[(\\lVert \\nabla_x D(\\hat x) \\rVert_2 - 1)^2]`.

    Parameters
    ----------
    critic : callable
        Maps a batch ``(n, ...)`` to scores ``(n,)``; samples must not interact (no batch norm).
    x_hat : torch.Tensor, shape (n, ...)
        Points where the gradient is taken; must require grad when ``scores`` is given.
    scores : torch.Tensor, shape (n,), optional
        ``critic(x_hat)`` when already computed (the trainer evaluates real, fake and
        interpolated points in one forward pass).

    Returns
    -------
    torch.Tensor, shape ()
        The penalty, differentiable with respect to the critic's parameters.

    Notes
    -----
    Because the samples do not interact, the gradient of ``scores.sum()`` with respect to
    ``x_hat`` holds each sample's own gradient. The norm is
    :math:`\\sqrt{\\lVert g\\rVert^2 + 10^{-12}}`, so the penalty stays differentiable at a
    zero gradient; the shift is below float32 resolution elsewhere.
    """
    if scores is None:
        x_hat = x_hat.detach().requires_grad_(True)
        scores = critic(x_hat)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    norm = torch.sqrt(grad.flatten(1).pow(2).sum(1) + 1e-12)
    return (norm - 1.0).pow(2).mean()


class WGANGPLoss:
    """The WGAN-GP objective (Gulrajani et al., 2017).

    Critic: :math:`\\mathbb E[D(G(z))] - \\mathbb E[D(x)] + \\lambda\\,
    \\mathbb E[(\\lVert\\nabla D(\\hat x)\\rVert - 1)^2]` with
    :math:`\\hat x = t x + (1 - t) G(z)`, :math:`t \\sim U(0, 1)` per sample.
    Generator: :math:`-\\mathbb E[D(G(z))]`.

    Parameters
    ----------
    gp_weight : float, default 10
        :math:`\\lambda`.
    """

    def __init__(self, gp_weight: float = 10.0):
        self.gp_weight = float(gp_weight)

    def critic_loss(self, critic, real, fake, t):
        """Critic loss and its parts.

        Parameters
        ----------
        critic : module with ``forward_features(x) -> (scores (n,), features (n, f))``
        real, fake : torch.Tensor, shape (n, ...)
            A real batch and a generated one (detached).
        t : torch.Tensor, shape (n,)
            Interpolation weights in ``[0, 1]``.

        Returns
        -------
        dict
            ``loss`` (to minimise), ``wdist`` (the Wasserstein estimate
            :math:`\\mathbb E D(x) - \\mathbb E D(G(z))`, detached), ``gp`` (detached) and
            ``fake_features`` (the critic's features of ``fake``, for the MI head).
        """
        n = real.shape[0]
        t = t.view(n, *([1] * (real.dim() - 1))).to(real.dtype)
        x_hat = (t * real + (1 - t) * fake).requires_grad_(True)
        # real and fake in one forward pass (the critic has no batch statistics, so this equals
        # two passes); the interpolates in their own pass, so that the penalty's double
        # backward runs through an n-sample graph and not a 3n-sample one
        scores, features = critic.forward_features(torch.cat([real, fake]))
        d_real, d_fake = scores[:n], scores[n:]
        d_hat = critic(x_hat)
        gp = gradient_penalty(critic, x_hat, d_hat)
        wdist = d_real.mean() - d_fake.mean()
        return {
            "loss": -wdist + self.gp_weight * gp,
            "wdist": wdist.detach(),
            "gp": gp.detach(),
            "fake_features": features[n : 2 * n],
        }

    def generator_loss(self, critic, fake):
        """``(loss, features)``: :math:`-\\mathbb E D(G(z))` and the critic's features of ``fake``."""
        scores, features = critic.forward_features(fake)
        return -scores.mean(), features


# ---------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------
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


def _to_unit_range(images: np.ndarray) -> torch.Tensor:
    """uint8 images ``(n, H, W)`` or ``(n, H, W, C)`` -> float32 ``(n, C, H, W)`` in [-1, 1]."""
    x = torch.from_numpy(np.ascontiguousarray(images)).float().div_(127.5).sub_(1.0)
    if x.dim() == 3:
        return x.unsqueeze(1)
    if x.dim() == 4 and x.shape[-1] in (1, 3):
        return x.permute(0, 3, 1, 2).contiguous()
    return x


def build_data(cfg: TrainConfig):
    """The training data of ``cfg``.

    Returns
    -------
    (source, dataset)
        ``source`` is a :class:`gan.data.MixtureDataset` (mixture preset) or a float32
        image tensor ``(n, C, H, W)`` in ``[-1, 1]``; ``dataset`` is the mixture or ``None``.
    """
    opts = dict(cfg.data_options)
    if cfg.preset == "mixture":
        from gan.data import make_mixture

        ds = make_mixture(opts.pop("kind", "equidistant"), **opts)
        return ds, ds
    if cfg.preset == "mnist":
        from gan import data as gdata

        unknown = sorted(set(opts) - {"root", "digits", "split"})
        if unknown:
            raise ValueError(f"unknown data_options {unknown} for preset 'mnist'; valid: ['digits', 'root', 'split']")
        if opts.get("root") is None:
            loaded = gdata.load_mnist_offline(digits=opts.get("digits"))
        else:
            loaded = gdata.load_mnist(opts["root"], opts.get("split", "train"), digits=opts.get("digits"))
        return _to_unit_range(loaded[0]), None
    if cfg.preset == "cifar10":
        from gan import data as gdata

        unknown = sorted(set(opts) - {"root", "split", "classes"})
        if unknown:
            raise ValueError(f"unknown data_options {unknown} for preset 'cifar10'; valid: ['classes', 'root', 'split']")
        if opts.get("root") is None:
            raise ValueError("the cifar10 preset needs data_options.root (a directory holding CIFAR-10)")
        loaded = gdata.load_cifar10(opts["root"], opts.get("split", "train"), classes=opts.get("classes"))
        return _to_unit_range(loaded[0]), None
    raise ValueError(f"unknown preset {cfg.preset!r}")


def build_sampler(cfg: TrainConfig, source, dataset):
    """The latent sampler of ``cfg``, fitted when it needs data.

    Parameters
    ----------
    cfg : TrainConfig
    source, dataset
        What :func:`build_data` returned. Samplers that need data get ``cfg.fit_samples``
        training samples drawn with a generator seeded by ``cfg.seed`` only, so every process
        and :func:`gan.runs.load_run` rebuild the same prior.

    Returns
    -------
    gan.latents.LatentSampler
        On CPU, its sampling stream seeded by ``cfg.seed``.
    """
    from gan.latents import make_sampler

    data_shape = (int(dataset.dim),) if dataset is not None else tuple(source.shape[1:])
    sampler = make_sampler(cfg.latent, cfg.latent_dim, seed=cfg.seed, data_shape=data_shape, **cfg.sampler_options)
    if sampler.needs_data:
        fit_rng = np.random.default_rng(derived_seed(cfg.seed, _S_FIT))
        if dataset is not None:
            fit_data = torch.as_tensor(np.asarray(dataset.sample(cfg.fit_samples, fit_rng)[0], dtype=np.float32))
        else:
            idx = fit_rng.choice(source.shape[0], size=min(cfg.fit_samples, source.shape[0]), replace=False)
            fit_data = source[torch.from_numpy(np.sort(idx))]
        sampler.fit(fit_data)
    return sampler


def build_networks(cfg: TrainConfig, latent_dim: int, data_shape) -> tuple[nn.Module, nn.Module]:
    """Generator and critic of ``cfg`` on CPU, initialised from the run's seed.

    Parameters
    ----------
    cfg : TrainConfig
    latent_dim : int
        The sampler's ``latent_dim``.
    data_shape : tuple of int
        Shape of one sample: ``(D,)`` for mixtures, ``(C, H, W)`` for images.
    """
    # building a module draws its default initialisation from torch's global generator;
    # fork it so the caller's global state is untouched, then re-draw from the run's seed
    with torch.random.fork_rng(devices=[]):
        if cfg.preset == "mixture":
            (dim,) = data_shape
            G = MLPGenerator(latent_dim, dim, cfg.hidden, cfg.depth)
            D = MLPCritic(dim, cfg.hidden, cfg.depth)
        elif cfg.preset == "mnist":
            G, D = MNISTGenerator(latent_dim, cfg.width), MNISTCritic(cfg.width)
        elif cfg.preset == "cifar10":
            G, D = ResNetGenerator(latent_dim, cfg.width), ResNetCritic(cfg.width)
        else:
            raise ValueError(f"unknown preset {cfg.preset!r}")
    g = _torch_generator(derived_seed(cfg.seed, _S_INIT))
    init_weights(G, g)
    init_weights(D, g)
    return G, D


# ---------------------------------------------------------------------------------------
# Run directory helpers
# ---------------------------------------------------------------------------------------
def _write_json(path: Path, obj) -> None:
    atomic_write_bytes(path, (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode())


def _truncate_metrics(path: Path, step: int) -> None:
    """Drop metric lines after ``step`` (written by a run killed after its last checkpoint)."""
    if not path.exists():
        return
    keep = []
    for line in path.read_text().splitlines():
        try:
            if json.loads(line).get("step", 0) <= step:
                keep.append(line)
        except json.JSONDecodeError:  # a line cut by the kill
            continue
    atomic_write_bytes(path, "".join(s + "\n" for s in keep).encode())


def _plot_progress(path: Path, fake: np.ndarray, cluster, real: np.ndarray | None, step: int) -> None:
    """Save a progress figure: a scatter for 2-D data, an image grid otherwise."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    if fake.ndim == 2:
        fig, ax = plt.subplots(figsize=(5, 5))
        if real is not None:
            ax.scatter(real[:, 0], real[:, 1], s=2, c="0.7", label="data")
        c = None if cluster is None else np.asarray(cluster)
        ax.scatter(fake[:, 0], fake[:, 1], s=2, c=c, cmap="tab10" if c is not None else None, label="generated")
        ax.set_aspect("equal")
        ax.set_title(f"step {step}")
        ax.legend(loc="upper right", markerscale=4)
    else:
        n = fake.shape[0]
        cols = int(math.ceil(math.sqrt(n)))
        rows = int(math.ceil(n / cols))
        c, h, w = fake.shape[1:]
        grid = np.ones((rows * (h + 1), cols * (w + 1), c), dtype=np.float32)
        imgs = (np.clip(fake, -1, 1) + 1) / 2
        for i in range(n):
            r, q = divmod(i, cols)
            grid[r * (h + 1) : r * (h + 1) + h, q * (w + 1) : q * (w + 1) + w] = imgs[i].transpose(1, 2, 0)
        fig, ax = plt.subplots(figsize=(6, 6))
        ax.imshow(grid[..., 0] if c == 1 else grid, cmap="gray" if c == 1 else None, vmin=0, vmax=1)
        ax.set_axis_off()
        ax.set_title(f"step {step}")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


@dataclass
class TrainResult:
    """What :func:`train` returns.

    Attributes
    ----------
    run_dir : Path
    step : int
        Generator steps done.
    generator, critic : torch.nn.Module
        The trained networks (on the run's device).
    sampler : gan.latents.LatentSampler
    last_metrics : dict
        The last metrics line written (empty if none).
    seconds : float
        Wall time of the training loop in this call.
    """

    run_dir: Path
    step: int
    generator: nn.Module
    critic: nn.Module
    sampler: object
    last_metrics: dict
    seconds: float


# ---------------------------------------------------------------------------------------
# The loop
# ---------------------------------------------------------------------------------------
def train(config, run_dir, *, resume: bool = False, quiet: bool = False, loss=None, callback=None) -> TrainResult:
    """Train a WGAN-GP and write its run directory.

    Parameters
    ----------
    config : TrainConfig or dict
        The settings (a dict goes through :meth:`TrainConfig.from_dict`).
    run_dir : str or Path
        Output directory. A new run needs it absent or empty; ``resume=True`` needs the
        ``checkpoint.pt`` of an earlier run there and continues from it up to
        ``config.steps`` generator steps in total.
    resume : bool, default False
        Continue the run in ``run_dir``.
    quiet : bool, default False
        No progress bar (it is also off when stderr is not a terminal, and on ranks > 0).
    loss : WGANGPLoss, optional
        The loss object (default ``WGANGPLoss(config.gp_weight)``).
    callback : callable, optional
        Called as ``callback(step, metrics)`` after each generator step (``metrics`` is the
        dict logged at that step, or ``None``); an exception it raises stops training (tests
        use it to simulate a crash).

    Returns
    -------
    TrainResult

    Notes
    -----
    The run directory receives ``config.json`` (resolved settings), ``metrics.jsonl`` (one
    JSON object per logged step), ``checkpoint.pt`` (atomic; plus ``checkpoint_<step>.pt`` snapshots if asked),
    ``images/step_<step>.png`` (progress from a fixed latent batch).
    """
    cfg = config if isinstance(config, TrainConfig) else TrainConfig.from_dict(config)
    cfg = TrainConfig.from_dict(cfg.to_dict())  # a private, validated copy
    run_dir = Path(run_dir)

    device = resolve_device(cfg.device)  # resolved once, here
    info, device = tdist.setup(device)
    try:
        return _train(cfg, run_dir, device, info, resume=resume, quiet=quiet, loss=loss, callback=callback)
    finally:
        tdist.teardown(info)


def _check_run_dir(run_dir: Path, resume: bool, cfg: TrainConfig) -> dict | None:
    """Refuse to overwrite a run; on resume return the checkpoint."""
    ckpt_path = run_dir / CHECKPOINT_NAME
    if not resume:
        if run_dir.exists() and (not run_dir.is_dir() or any(run_dir.iterdir())):
            raise FileExistsError(
                f"run directory {str(run_dir)!r} exists and is not empty; pick a new --out or "
                f"continue it with --resume {run_dir}"
            )
        return None
    ckpt = load_checkpoint(ckpt_path)
    if ckpt.get("format") != FORMAT_VERSION:
        raise ValueError(f"{ckpt_path} has checkpoint format {ckpt.get('format')!r}, expected {FORMAT_VERSION}")
    old = ckpt["config"]
    changed = sorted(k for k in set(old) | set(cfg.to_dict()) if old.get(k) != cfg.to_dict().get(k) and k not in _RESUMABLE_CHANGES)
    if changed:
        raise ValueError(f"cannot resume {str(run_dir)!r} with different settings {changed}; only {sorted(_RESUMABLE_CHANGES)} may change")
    if ckpt["step"] > cfg.steps:
        raise ValueError(f"the checkpoint is at step {ckpt['step']}, beyond steps={cfg.steps}")
    return ckpt


def _train(cfg, run_dir, device, info, *, resume, quiet, loss, callback) -> TrainResult:
    ckpt = None
    if info.is_main:
        ckpt = _check_run_dir(run_dir, resume, cfg)
    tdist.barrier(info)
    if resume and not info.is_main:
        ckpt = load_checkpoint(run_dir / CHECKPOINT_NAME)
    loss = loss if loss is not None else WGANGPLoss(cfg.gp_weight)
    rank = info.rank

    if device.type == "cuda" and cfg.tf32:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True

    # -- data --------------------------------------------------------------------------
    source, dataset = build_data(cfg)
    data_rng = np.random.default_rng(derived_seed(cfg.seed, _S_DATA, rank))
    if dataset is not None:
        data = MixtureStream(dataset, data_rng)
        data_shape = (int(dataset.dim),)
    else:
        data = TensorStream(source, data_rng)
        data_shape = tuple(source.shape[1:])

    # -- latent prior (same construction on every rank, its own sampling stream per rank) --
    sampler = build_sampler(cfg, source, dataset)
    if rank > 0:
        sampler.set_rng_state(_torch_generator(derived_seed(cfg.seed, _S_LATENT, rank)).get_state())
    eval_state = _torch_generator(derived_seed(cfg.seed, _S_EVAL)).get_state()

    # -- networks and optimisers -------------------------------------------------------------
    G, D = build_networks(cfg, sampler.latent_dim, data_shape)
    use_mi = sampler.n_clusters is not None and cfg.mi_weight > 0
    mi_head = None
    if use_mi:
        mi_head = nn.Linear(D.feature_dim, sampler.n_clusters)
        init_weights(mi_head, _torch_generator(derived_seed(cfg.seed, _S_INIT, 1)))
    if cfg.mi_epochs is not None:
        steps_per_epoch = data.n_train / (cfg.batch_size * cfg.n_critic * info.world_size)
        mi_steps = int(math.ceil(cfg.mi_epochs * steps_per_epoch))
    else:
        mi_steps = cfg.mi_steps

    memory_format = torch.channels_last if (cfg.channels_last and len(data_shape) == 3) else torch.contiguous_format
    G.to(device=device, memory_format=memory_format)
    D.to(device=device, memory_format=memory_format)
    sampler.to(device)
    if mi_head is not None:
        mi_head.to(device)

    g_params = list(G.parameters()) + [p for p in sampler.parameters() if p.requires_grad]
    d_params = list(D.parameters()) + (list(mi_head.parameters()) if mi_head is not None else [])
    betas = tuple(cfg.betas)
    opt_g = torch.optim.Adam(g_params, lr=cfg.lr_g, betas=betas)
    opt_d = torch.optim.Adam(d_params, lr=cfg.lr_d, betas=betas)
    interp_gen = _torch_generator(derived_seed(cfg.seed, _S_INTERP, rank))

    step = 0
    if ckpt is not None:
        G.load_state_dict(ckpt["generator"])
        D.load_state_dict(ckpt["critic"])
        sampler.load_state_dict(ckpt["sampler"])
        if mi_head is not None:
            mi_head.load_state_dict(ckpt["mi_head"])
        opt_g.load_state_dict(ckpt["opt_g"])
        opt_d.load_state_dict(ckpt["opt_d"])
        rngs = ckpt["rng"]
        if len(rngs) != info.world_size:
            raise ValueError(f"the checkpoint holds {len(rngs)} process streams; resume with as many processes, not {info.world_size}")
        mine = rngs[rank]
        sampler.set_rng_state(mine["sampler"])
        interp_gen.set_state(mine["interp"])
        data.load_state_dict(mine["data"])
        step = int(ckpt["step"])
    else:
        tdist.broadcast_module(G, info)  # equal already (same seed); cheap insurance
        tdist.broadcast_module(D, info)

    g_forward = torch.compile(G) if cfg.compile else G

    # -- run directory -----------------------------------------------------------------------
    metrics_path = run_dir / METRICS_NAME
    if info.is_main:
        run_dir.mkdir(parents=True, exist_ok=True)
        resolved = cfg.to_dict()
        resolved["resolved"] = {
            "device": str(device),
            "latent_dim": int(sampler.latent_dim),
            "data_shape": list(data_shape),
            "n_clusters": sampler.n_clusters,
            "mi_steps": mi_steps if use_mi else 0,
            "world_size": info.world_size,
        }
        _write_json(run_dir / CONFIG_NAME, resolved)
        if resume:
            _truncate_metrics(metrics_path, step)

    def current_rng_states() -> dict:
        return {"sampler": sampler.get_rng_state(), "interp": interp_gen.get_state(), "data": data.state_dict()}

    def save(step: int) -> None:
        rngs = tdist.all_gather_object(current_rng_states(), info)  # every rank's streams
        if not info.is_main:
            return
        state = {
            "format": FORMAT_VERSION,
            "step": step,
            "config": cfg.to_dict(),
            "latent_dim": int(sampler.latent_dim),
            "data_shape": list(data_shape),
            "generator": G.state_dict(),
            "critic": D.state_dict(),
            "mi_head": mi_head.state_dict() if mi_head is not None else None,
            "sampler": sampler.state_dict(),
            "opt_g": opt_g.state_dict(),
            "opt_d": opt_d.state_dict(),
            "rng": rngs,
        }
        save_checkpoint(state, run_dir / CHECKPOINT_NAME)
        if cfg.snapshot_every and step % cfg.snapshot_every == 0:
            save_checkpoint(state, run_dir / f"checkpoint_{step:07d}.pt")

    @torch.no_grad()
    def eval_batch(n: int):
        """Generated samples from the fixed evaluation latents (training streams untouched)."""
        saved = sampler.get_rng_state()
        sampler.set_rng_state(eval_state)
        batch = sampler.sample(n, device=device)
        sampler.set_rng_state(saved)
        G.eval()
        fake = G(batch.z)
        G.train()
        return fake.float().cpu().numpy(), None if batch.cluster is None else batch.cluster.cpu().numpy()

    def evaluate() -> dict:
        if dataset is None:
            return {}
        from gan.metrics import mode_metrics

        fake, _ = eval_batch(cfg.eval_samples)
        radius = getattr(dataset, "support_radius", None)
        m = mode_metrics(fake, np.asarray(dataset.centers), radius)
        out = {}
        for k, v in m.items():  # scalars and per-mode arrays; per-sample arrays stay out of the log
            if np.ndim(v) == 0:
                out[f"eval/{k}"] = float(v)
            elif np.size(v) <= dataset.m:
                out[f"eval/{k}"] = np.asarray(v).tolist()
        return out

    def progress_image(step: int) -> None:
        n = 1000 if dataset is not None else 64
        fake, cluster = eval_batch(n)
        real = None
        if dataset is not None:
            real = np.asarray(dataset.sample(1000, np.random.default_rng(derived_seed(cfg.seed, _S_EVAL, 1)))[0])
        _plot_progress(run_dir / "images" / f"step_{step:07d}.png", fake, cluster, real, step)

    # -- training --------------------------------------------------------------------------
    show_bar = info.is_main and not quiet and sys.stderr.isatty()
    bar = None
    if show_bar:
        from tqdm.auto import tqdm

        bar = tqdm(total=cfg.steps, initial=step, desc="train", dynamic_ncols=True)
    B = cfg.batch_size
    last: dict = {}
    t0 = time.perf_counter()
    if step == 0 and info.is_main and cfg.image_every:
        progress_image(0)

    ran_any = step < cfg.steps
    while step < cfg.steps:
        mi_on = use_mi and step < mi_steps

        # critic: n_critic steps, each on a fresh real batch and fresh latents
        for _ in range(cfg.n_critic):
            real = data.next(B).to(device, non_blocking=True)
            if memory_format is torch.channels_last:
                real = real.contiguous(memory_format=memory_format)
            with torch.no_grad():
                batch = sampler.sample(B, device=device)
                fake = g_forward(batch.z)
            # interpolation weights drawn on CPU so every device sees the same numbers
            t = torch.rand(B, generator=interp_gen).to(device, non_blocking=True)
            parts = loss.critic_loss(D, real, fake, t)
            loss_d = parts["loss"]
            mi_d = None
            if mi_on:
                # the head learns which latent cluster produced each fake sample
                mi_d = F.cross_entropy(mi_head(parts["fake_features"]), batch.cluster)
                loss_d = loss_d + cfg.mi_weight * mi_d
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            tdist.average_gradients(d_params, info)
            opt_d.step()

        # generator: one step against the frozen critic (no critic gradients needed)
        for p in d_params:
            p.requires_grad_(False)
        batch = sampler.sample(B, device=device)
        fake = g_forward(batch.z)
        loss_g, feats = loss.generator_loss(D, fake)
        mi_g = None
        if mi_on:
            # make each latent cluster recognisable from its samples (Appendix B.3)
            mi_g = F.cross_entropy(mi_head(feats), batch.cluster)
            loss_g = loss_g + cfg.mi_weight * mi_g
        extra = sampler.generator_loss(batch, fake, g_forward)
        if extra is not None:
            loss_g = loss_g + extra
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        tdist.average_gradients(g_params, info)
        opt_g.step()
        for p in d_params:
            p.requires_grad_(True)
        if info.enabled:
            tdist.broadcast_module(G, info, buffers_only=True)  # batch-norm statistics
        step += 1

        # logging, evaluation, images, checkpoints (rank 0 writes; all ranks join the save)
        record = None
        if info.is_main and cfg.log_every and (step % cfg.log_every == 0 or step == cfg.steps):
            record = {
                "step": step,
                "loss_d": float(loss_d.detach()),
                "loss_g": float(loss_g.detach()),
                "wdist": float(parts["wdist"]),
                "gp": float(parts["gp"]),
                "time": round(time.perf_counter() - t0, 3),
            }
            if mi_d is not None:
                record["mi_d"], record["mi_g"] = float(mi_d.detach()), float(mi_g.detach())
            if extra is not None:
                record["sampler_loss"] = float(extra.detach())
        if info.is_main and cfg.eval_every and (step % cfg.eval_every == 0 or step == cfg.steps):
            ev = evaluate()
            if ev:
                record = record or {"step": step}
                record.update(ev)
        if record is not None:
            with open(metrics_path, "a") as f:
                f.write(json.dumps(record) + "\n")
            last = record
            if bar is not None:
                bar.set_postfix({k: f"{v:.3g}" for k, v in record.items() if k in ("wdist", "gp", "eval/precision")})
        if info.is_main and cfg.image_every and step % cfg.image_every == 0:
            progress_image(step)
        if (cfg.ckpt_every and step % cfg.ckpt_every == 0) or step == cfg.steps:
            save(step)
        if bar is not None:
            bar.update(1)
        if callback is not None:
            callback(step, record)

    if bar is not None:
        bar.close()
    if not ran_any and ckpt is None:
        save(step)  # steps=0: still leave a loadable run
    seconds = time.perf_counter() - t0
    G.eval()
    return TrainResult(run_dir, step, G, D, sampler, last, seconds)
