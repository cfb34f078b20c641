"""The WGAN-GP training loop.

One flat loop (:func:`train`): ``n_critic`` critic steps, then one generator step, with the
loss (:class:`~gan.training.WGANGPLoss`) and the latent prior (a
:class:`gan.latents.LatentSampler`) injected. Everything random comes from private
generators built from the run's seed, and their states go into every checkpoint, so a run
that is killed and resumed ends with the same weights, bit for bit on CPU, as one that ran
straight through.

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

import contextlib
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from gan import _rundir as layout
from gan._util import derived_seed, resolve_device, torch_generator
from gan.errors import CorruptRunError

from . import _tensorboard as tb
from . import distributed as tdist
from .builders import S_DATA, S_EVAL, S_INTERP, S_LATENT, build_mi_head, build_networks, build_sampler
from .checkpoint import load_checkpoint, save_checkpoint
from .config import TrainConfig, run_config
from .data_streams import build_data, open_stream
from .loss import WGANGPLoss

__all__ = ["train", "TrainResult"]


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
    The run directory (:mod:`gan._rundir`) receives ``config.json`` (resolved settings),
    ``metrics.jsonl`` (one JSON object per logged step), ``checkpoint.pt`` (atomic; plus
    ``checkpoint_<step>.pt`` snapshots if asked), ``images/step_<step>.png`` (progress from
    a fixed latent batch) and, when ``tensorboard`` is installed, ``tb/`` (the same metrics
    as scalars, and sample grids of image runs).

    Examples
    --------
    >>> import tempfile
    >>> from gan.training import preset_config
    >>> cfg = preset_config("mixture", steps=2, batch_size=8, hidden=8, device="cpu", image_every=0, eval_every=0)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     result = train(cfg, Path(tmp) / "run", quiet=True)
    >>> result.step, sorted(result.last_metrics)[:3]
    (2, ['gp', 'loss_d', 'loss_g'])
    """
    cfg = config if isinstance(config, TrainConfig) else TrainConfig.from_dict(config)
    cfg = TrainConfig.from_dict(cfg.to_dict())  # a private, validated copy
    run_dir = Path(run_dir)

    device = resolve_device(cfg.device)  # resolved once, here
    if resume:
        run_config(run_dir)  # a run directory, and its config.json readable and valid
    elif not tdist.launched_by_torchrun() or os.environ.get("RANK", "0") == "0":
        layout.check_new_run_dir(run_dir)  # before the lock file is created (checked again under it)
    info, device = tdist.setup(device)
    try:
        # one process at a time per run directory (rank 0 holds the lock for the whole job)
        with layout.lock_run(run_dir) if info.is_main else contextlib.nullcontext():
            return _train(cfg, run_dir, device, info, resume=resume, quiet=quiet, loss=loss, callback=callback)
    finally:
        tdist.teardown(info)


def _train(cfg, run_dir, device, info, *, resume, quiet, loss, callback) -> TrainResult:
    ckpt = _checked_checkpoint(cfg, run_dir, resume, info)
    loss = loss if loss is not None else WGANGPLoss(cfg.gp_weight)
    rank = info.rank
    if device.type == "cuda" and cfg.tf32:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True

    # data and latent prior: the same construction on every rank, each rank its own streams
    source, dataset = build_data(cfg)
    data, data_shape = open_stream(source, dataset, np.random.default_rng(derived_seed(cfg.seed, S_DATA, rank)))
    sampler = build_sampler(cfg, source, dataset)
    if rank > 0:
        sampler.set_rng_state(torch_generator(derived_seed(cfg.seed, S_LATENT, rank)).get_state())
    interp_gen = torch_generator(derived_seed(cfg.seed, S_INTERP, rank))

    # networks, the mutual-information head (samplers with clusters), optimisers
    G, D = build_networks(cfg, sampler.latent_dim, data_shape)
    use_mi = sampler.n_clusters is not None and cfg.mi_weight > 0
    mi_head = build_mi_head(cfg, D.feature_dim, sampler.n_clusters) if use_mi else None
    mi_steps = _mi_steps(cfg, data, info)
    image_like = len(data_shape) == 3
    memory_format = torch.channels_last if (cfg.channels_last and image_like) else torch.contiguous_format
    G.to(device=device, memory_format=memory_format)
    D.to(device=device, memory_format=memory_format)
    sampler.to(device)
    if mi_head is not None:
        mi_head.to(device)
    g_params = list(G.parameters()) + [p for p in sampler.parameters() if p.requires_grad]
    d_params = list(D.parameters()) + (list(mi_head.parameters()) if mi_head is not None else [])
    # one fused kernel per step instead of a dozen elementwise ops per tensor (same update)
    fused = device.type in ("cpu", "cuda")
    opt_g = torch.optim.Adam(g_params, lr=cfg.lr_g, betas=tuple(cfg.betas), fused=fused)
    opt_d = torch.optim.Adam(d_params, lr=cfg.lr_d, betas=tuple(cfg.betas), fused=fused)
    d_only = [p for p in D.parameters() if p.requires_grad]
    d_params_grad = [p for p in d_params if p.requires_grad]
    modules = {"generator": G, "critic": D, "mi_head": mi_head, "sampler": sampler, "opt_g": opt_g, "opt_d": opt_d}
    streams = _Streams(sampler, interp_gen, data)

    step = 0
    if ckpt is not None:
        step = _restore(ckpt, modules, streams, info, run_dir / layout.CHECKPOINT_NAME)
    else:
        tdist.broadcast_module(G, info)  # equal already (same seed); cheap insurance
        tdist.broadcast_module(D, info)
    g_forward = torch.compile(G) if cfg.compile else G

    # the run directory (rank 0 only); metrics and events after the checkpoint are dropped
    writer = None
    if info.is_main:
        run_dir.mkdir(parents=True, exist_ok=True)
        resolved = {"device": str(device), "latent_dim": int(sampler.latent_dim), "data_shape": list(data_shape),
                    "n_clusters": sampler.n_clusters, "mi_steps": mi_steps if use_mi else 0,
                    "world_size": info.world_size}  # fmt: skip
        layout.write_config(run_dir, {**cfg.to_dict(), "resolved": resolved})
        if resume:
            layout.truncate_metrics(run_dir, step)
        writer = tb.open_writer(run_dir, step if resume else None)
    ev = _Evaluator(cfg, run_dir, dataset, sampler, G, device, writer)
    bar = _progress_bar(cfg, step, info, quiet)
    B = cfg.batch_size
    last: dict = {}
    t0 = time.perf_counter()
    if step == 0 and info.is_main and cfg.image_every:
        ev.progress_image(0)

    ran_any = step < cfg.steps
    try:
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
                loss_d, mi_d = parts["loss"], None
                if mi_on:
                    # the head learns which latent cluster produced each fake sample
                    mi_d = F.cross_entropy(mi_head(parts["fake_features"]), batch.cluster)
                    loss_d = loss_d + cfg.mi_weight * mi_d
                opt_d.zero_grad(set_to_none=True)
                # only the critic's (and MI head's) gradients: not the interpolates' own, which
                # would cost one more first-layer product over the whole batch
                loss_d.backward(inputs=d_params_grad if mi_on else d_only)
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
            extra = sampler.generator_loss(batch, fake, g_forward)  # the prior's own term, if any
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

            # logging, evaluation, images (rank 0 writes); checkpoints (every rank joins)
            record = None
            if info.is_main and _due(step, cfg.log_every, cfg.steps):
                record = _losses_record(step, loss_d, loss_g, parts, mi_d, mi_g, extra, time.perf_counter() - t0)
            if info.is_main and _due(step, cfg.eval_every, cfg.steps):
                metrics = ev.mode_metrics()
                if metrics:
                    record = {**(record or {"step": step}), **metrics}
            if record is not None:
                _log(run_dir, record, writer, bar)
                last = record
            if info.is_main and cfg.image_every and step % cfg.image_every == 0:
                ev.progress_image(step)
            if (cfg.ckpt_every and step % cfg.ckpt_every == 0) or step == cfg.steps:
                _save(cfg, run_dir, step, modules, streams, data_shape, info)
            if bar is not None:
                bar.update(1)
            if callback is not None:
                callback(step, record)
    finally:
        if bar is not None:
            bar.close()
        if writer is not None:
            writer.close()

    if not ran_any and ckpt is None:
        _save(cfg, run_dir, step, modules, streams, data_shape, info)  # steps=0: still leave a loadable run
    seconds = time.perf_counter() - t0
    G.eval()
    return TrainResult(run_dir, step, G, D, sampler, last, seconds)


# ---------------------------------------------------------------------------------------
# Helpers of the loop, in the order it uses them
# ---------------------------------------------------------------------------------------
def _read_checkpoint(path: Path) -> dict:
    return layout.check_checkpoint(load_checkpoint(path), path)


def _checked_checkpoint(cfg: TrainConfig, run_dir: Path, resume: bool, info) -> dict | None:
    """Refuse to overwrite a run (rank 0 checks); on resume every rank gets the checkpoint.

    A run resumed before its first checkpoint (it died early) has none: it starts again
    from step 0 with its saved settings, which gives the numbers of a fresh run.
    """
    ckpt = None
    path = run_dir / layout.CHECKPOINT_NAME
    if info.is_main:
        if resume:
            if path.exists():
                ckpt = _read_checkpoint(path)
                layout.check_resumable(ckpt, cfg.to_dict(), run_dir)
            else:
                layout.check_same_settings(run_config(run_dir).to_dict(), cfg.to_dict(), run_dir)
        else:
            layout.check_new_run_dir(run_dir)
    tdist.barrier(info)
    if resume and not info.is_main and path.exists():
        ckpt = _read_checkpoint(path)
    return ckpt


def _mi_steps(cfg: TrainConfig, data, info) -> int:
    """Generator steps with the mutual-information loss; ``mi_epochs`` counts real batches read."""
    if cfg.mi_epochs is None:
        return cfg.mi_steps
    steps_per_epoch = data.n_train / (cfg.batch_size * cfg.n_critic * info.world_size)
    return int(math.ceil(cfg.mi_epochs * steps_per_epoch))


@dataclass
class _Streams:
    """The random streams of this process that a checkpoint must carry."""

    sampler: object
    interp: torch.Generator
    data: object

    def state(self) -> dict:
        return {
            "sampler": self.sampler.get_rng_state(),
            "interp": self.interp.get_state(),
            "data": self.data.state_dict(),
        }

    def load(self, state: dict) -> None:
        self.sampler.set_rng_state(state["sampler"])
        self.interp.set_state(state["interp"])
        self.data.load_state_dict(state["data"])


def _restore(ckpt: dict, modules: dict, streams: _Streams, info, path: Path) -> int:
    """Load weights, optimisers and this rank's streams; return the checkpoint's step."""
    rngs = ckpt["rng"]
    if len(rngs) != info.world_size:
        raise ValueError(
            f"the checkpoint holds {len(rngs)} process streams; resume with as many processes, not {info.world_size}"
        )
    try:
        for key, module in modules.items():
            if module is not None:
                if ckpt[key] is None:
                    raise KeyError(f"no state for {key!r}")
                module.load_state_dict(ckpt[key])
        streams.load(rngs[info.rank])
    except (RuntimeError, KeyError, TypeError, ValueError, IndexError) as exc:
        reason = " ".join(str(exc).split())[:300]
        raise CorruptRunError(
            path, f"does not fit the run's networks and streams: {type(exc).__name__}: {reason}"
        ) from exc
    return int(ckpt["step"])


def _save(cfg: TrainConfig, run_dir: Path, step: int, modules: dict, streams: _Streams, data_shape, info) -> None:
    """Write ``checkpoint.pt`` (and a snapshot when due); every rank sends its streams to rank 0."""
    rngs = tdist.all_gather_object(streams.state(), info)
    if not info.is_main:
        return
    state = {
        "format": layout.FORMAT_VERSION,
        "step": step,
        "config": cfg.to_dict(),
        "latent_dim": int(modules["sampler"].latent_dim),
        "data_shape": list(data_shape),
        **{key: (m.state_dict() if m is not None else None) for key, m in modules.items()},
        "rng": rngs,
    }
    save_checkpoint(state, run_dir / layout.CHECKPOINT_NAME)
    if cfg.snapshot_every and step % cfg.snapshot_every == 0:
        save_checkpoint(state, layout.snapshot_path(run_dir, step))


def _progress_bar(cfg: TrainConfig, step: int, info, quiet: bool):
    """A tqdm bar on rank 0 in a terminal, else ``None``."""
    if quiet or not info.is_main or not sys.stderr.isatty():
        return None
    from tqdm.auto import tqdm

    return tqdm(total=cfg.steps, initial=step, desc="train", dynamic_ncols=True)


def _due(step: int, every: int, last: int) -> bool:
    """A periodic action at ``step`` (``every = 0``: never), always at the last step."""
    return bool(every) and (step % every == 0 or step == last)


def _losses_record(step, loss_d, loss_g, parts, mi_d, mi_g, extra, seconds) -> dict:
    """The metrics line of a step: losses, Wasserstein estimate, penalty, optional terms."""
    record = {
        "step": step,
        "loss_d": float(loss_d.detach()),
        "loss_g": float(loss_g.detach()),
        "wdist": float(parts["wdist"]),
        "gp": float(parts["gp"]),
        "time": round(seconds, 3),
    }
    if mi_d is not None:
        record["mi_d"], record["mi_g"] = float(mi_d.detach()), float(mi_g.detach())
    if extra is not None:
        record["sampler_loss"] = float(extra.detach())
    return record


def _log(run_dir: Path, record: dict, writer, bar) -> None:
    """One metrics line to ``metrics.jsonl``, TensorBoard and the progress bar."""
    layout.append_metrics(run_dir, record)
    tb.log_record(writer, record)
    if bar is not None:
        bar.set_postfix({k: f"{v:.3g}" for k, v in record.items() if k in ("wdist", "gp", "eval/precision")})


class _Evaluator:
    """Evaluation on fixed latents: mode metrics (mixtures) and progress images.

    The latents come from a fixed sampler state that is swapped in and out, so evaluation
    neither draws from nor depends on the training streams.
    """

    def __init__(self, cfg: TrainConfig, run_dir: Path, dataset, sampler, G: nn.Module, device, writer):
        self.cfg, self.run_dir, self.dataset, self.sampler, self.G, self.device = (
            cfg,
            run_dir,
            dataset,
            sampler,
            G,
            device,
        )
        self.writer = writer
        self.state = torch_generator(derived_seed(cfg.seed, S_EVAL)).get_state()

    @torch.no_grad()
    def samples(self, n: int):
        """``n`` generated samples (float32 numpy) and their latent clusters (or ``None``)."""
        saved = self.sampler.get_rng_state()
        self.sampler.set_rng_state(self.state)
        batch = self.sampler.sample(n, device=self.device)
        self.sampler.set_rng_state(saved)
        self.G.eval()
        fake = self.G(batch.z)
        self.G.train()
        return fake.float().cpu().numpy(), None if batch.cluster is None else batch.cluster.cpu().numpy()

    def mode_metrics(self) -> dict:
        """``eval/...`` mode metrics of a mixture run (empty for images)."""
        if self.dataset is None:
            return {}
        from gan.metrics import mode_metrics

        fake, _ = self.samples(self.cfg.eval_samples)
        m = mode_metrics(fake, np.asarray(self.dataset.centers), getattr(self.dataset, "support_radius", None))
        out = {}
        for k, v in m.items():  # scalars and per-mode arrays; per-sample arrays stay out of the log
            if np.ndim(v) == 0:
                out[f"eval/{k}"] = float(v)
            elif np.size(v) <= self.dataset.m:
                out[f"eval/{k}"] = np.asarray(v).tolist()
        return out

    def progress_image(self, step: int) -> None:
        """``images/step_<step>.png`` (and a TensorBoard sample grid for images)."""
        from gan.analysis.figures import plot_training_progress

        fake, cluster = self.samples(1000 if self.dataset is not None else 64)
        real = None
        if self.dataset is not None:
            real_rng = np.random.default_rng(derived_seed(self.cfg.seed, S_EVAL, 1))
            real = np.asarray(self.dataset.sample(1000, real_rng)[0])
        path = layout.image_path(self.run_dir, step)
        path.parent.mkdir(parents=True, exist_ok=True)
        ax = plot_training_progress(fake, cluster=cluster, real=real, step=step)
        ax.figure.savefig(path, dpi=100, bbox_inches="tight")
        tb.log_samples(self.writer, fake, step)
