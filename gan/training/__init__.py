"""WGAN-GP training with pluggable latent priors.

Usage
-----
Command line::

    # a 2-D mixture of 3 equidistant Gaussians, MLPs, a couple of CPU minutes
    python -m gan train --preset mixture --out runs/mix
    # Table 4 of Issenhuth et al. (2023) on MNIST, reduced width for a CPU
    python -m gan train --preset mnist --out runs/mnist --set width=0.25 --steps 2000
    # a structured prior with options (dotted keys reach inside dict settings)
    python -m gan train --preset mixture --out runs/simp --set latent=simplicial \\
        --set sampler_options.n_clusters=3
    # continue a run (killed or finished) up to 6000 generator steps in total
    python -m gan train --resume runs/mix --steps 6000
    # data parallel, one process per GPU (NCCL) or per CPU process (Gloo)
    torchrun --nproc_per_node 2 -m gan train --preset mnist --out runs/mnist-ddp
    # samples of a trained run
    python -m gan sample runs/mix --n 2000 --out mix.png

Python::

    from gan.training import preset_config, train
    from gan.runs import load_run

    cfg = preset_config("mixture", steps=1500, seed=1)
    result = train(cfg, "runs/mix")
    run = load_run("runs/mix")
    x = run.generator(run.sampler.sample(1000, device=run.device).z)

A run directory (:mod:`gan._rundir`) holds ``config.json`` (the resolved settings),
``metrics.jsonl`` (one JSON object per logged step: ``step``, ``loss_d``, ``loss_g``,
``wdist`` the Wasserstein estimate, ``gp``, ``mi_d``/``mi_g`` while the
mutual-information loss is on, ``eval/...`` mode metrics for mixtures; strict JSON, a non-finite number is ``null``;
read it with :func:`gan.runs.read_metrics`), ``checkpoint.pt``
(written atomically; networks, sampler, optimisers, step and every random stream, so a
resumed run equals an uninterrupted one bit for bit on CPU), ``images/step_*.png``
(progress on fixed latents) and ``tb/`` (TensorBoard events, when it is installed).
One process at a time may train or resume a run (an OS lock on ``run_dir/.lock``; a second
one is refused naming the holder); a run that died before its first checkpoint is
continued by ``--resume`` from step 0; a corrupted ``config.json`` or checkpoint is
reported naming the file (:class:`gan.errors.CorruptRunError`).

Under ``torchrun`` each process draws its own real and latent batches (streams derived
from the seed and the rank), gradients are averaged across processes after each backward
pass, and only rank 0 writes files. ``batch_size`` is per process.

Modules: :mod:`~gan.training.config` (settings), :mod:`~gan.training.presets` (the
registry of presets), :mod:`~gan.training.data_streams` (training data),
:mod:`~gan.training.nets` and :mod:`~gan.training.builders` (networks, prior),
:mod:`~gan.training.loss` (WGAN-GP), :mod:`~gan.training.loop` (the loop),
:mod:`~gan.training.checkpoint`, :mod:`~gan.training.distributed`.
"""

from .builders import build_networks, build_sampler
from .checkpoint import load_checkpoint, save_checkpoint
from .config import TrainConfig, apply_overrides, parse_override, preset_config
from .data_streams import build_data
from .loop import TrainResult, train
from .loss import WGANGPLoss, gradient_penalty
from .presets import PRESETS, Preset

__all__ = [
    "TrainConfig",
    "preset_config",
    "parse_override",
    "apply_overrides",
    "PRESETS",
    "Preset",
    "train",
    "TrainResult",
    "WGANGPLoss",
    "gradient_penalty",
    "build_data",
    "build_networks",
    "build_sampler",
    "save_checkpoint",
    "load_checkpoint",
]
