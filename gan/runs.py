"""Load a run directory written by ``python -m gan train`` (or ``python -m gan optimal``).

The directory's layout (file names, the checks before writing, metrics truncation on
resume) is in :mod:`gan._rundir`, shared with the trainer; its names are re-exported here.
This module is the reader: it imports :mod:`gan.training` (to rebuild the networks), and
nothing in :mod:`gan.training` imports it.

>>> run = load_run("runs/mix")                      # doctest: +SKIP
>>> z = run.sampler.sample(1000, device=run.device).z  # doctest: +SKIP
>>> x = run.generator(z)                             # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gan._rundir import (
    CHECKPOINT_NAME,
    CONFIG_NAME,
    METRICS_NAME,
    check_checkpoint,
    read_config,
    read_metrics,
    snapshot_path,
)
from gan._util import resolve_device
from gan.errors import CorruptRunError
from gan.training.builders import build_networks, build_sampler
from gan.training.checkpoint import load_checkpoint
from gan.training.config import run_config
from gan.training.data_streams import build_data

__all__ = ["Run", "load_run", "read_metrics", "CONFIG_NAME", "CHECKPOINT_NAME", "METRICS_NAME"]


@dataclass
class Run:
    """A trained (or explicit) generator with what is needed to use it.

    Attributes
    ----------
    run_dir : Path
    config : dict
        The run's ``config.json``.
    generator : torch.nn.Module
        In eval mode, on ``device``; ``generator(z)`` maps ``z`` of shape
        ``(n, sampler.latent_dim)`` to samples ``(n, D)`` or ``(n, C, H, W)``.
    sampler : gan.latents.LatentSampler
        The run's latent prior (for ``preset == "optimal"``, a standard Gaussian of the
        latent dimension), on ``device``.
    dataset : gan.data.MixtureDataset or None
        The training mixture; for ``"optimal"`` runs, the mixture of the config's centers
        with ``std = 0`` (Dirac modes); ``None`` for image runs.
    step : int
        Generator steps of the loaded checkpoint (0 for ``"optimal"`` runs).
    device : torch.device
    """

    run_dir: Path
    config: dict
    generator: object
    sampler: object
    dataset: object
    step: int
    device: object


def _dirac_mixture(config: dict):
    """A :class:`MixtureDataset` of Dirac modes at ``config["centers"]``."""
    import numpy as np

    from gan import data as gdata

    centers = np.asarray(config["centers"], dtype=float)
    if centers.ndim != 2 or centers.shape[0] < 2:
        raise ValueError(f"config 'centers' must be an (m >= 2, D) array, got shape {centers.shape}")
    gaps = np.linalg.norm(centers[:, None] - centers[None], axis=-1)
    min_gap = float(gaps[~np.eye(len(centers), dtype=bool)].min())
    radius = 1e-6 * min_gap
    try:
        return gdata.MixtureDataset(centers, std=0.0, support_radius=radius, name="optimal")
    except ValueError:
        # MixtureDataset asks for std > 0: a standard deviation a thousand times below the
        # support radius is a Dirac mode for every purpose here
        return gdata.MixtureDataset(centers, std=1e-3 * radius, support_radius=radius, name="optimal")


def load_run(run_dir, *, device="auto", checkpoint="last") -> Run:
    """Load the generator, latent prior and data of a run directory.

    Parameters
    ----------
    run_dir : str or Path
        A directory holding ``config.json`` (and ``checkpoint.pt`` for trained runs).
    device : str or torch.device, default "auto"
        Where to put the networks (resolved once).
    checkpoint : "last" or int or path, default "last"
        ``"last"``: ``checkpoint.pt``; an int ``k``: the snapshot ``checkpoint_<k>.pt``;
        a path: that file.

    Returns
    -------
    Run

    Raises
    ------
    FileNotFoundError
        No ``config.json`` or no such checkpoint.
    gan.errors.CorruptRunError
        ``config.json`` or the checkpoint cannot be read back or does not fit the run
        (truncated, empty, not JSON, missing keys, wrong types); the message names the file.
    """
    run_dir = Path(run_dir)
    dev = resolve_device(device)
    if not (checkpoint == "last" or isinstance(checkpoint, (str, Path, int)) and not isinstance(checkpoint, bool)):
        raise TypeError(f"checkpoint must be 'last', an int step or a path, got {checkpoint!r}")
    if isinstance(checkpoint, int) and checkpoint < 0:
        raise ValueError(f"checkpoint must be a step >= 0, got {checkpoint}")
    config = read_config(run_dir)  # FileNotFoundError / CorruptRunError naming the file
    cfg_path = run_dir / CONFIG_NAME

    if config.get("preset") == "optimal":
        from gan.latents import make_sampler
        from gan.optimal import load_run_dir

        try:
            generator = load_run_dir(run_dir, dev)
            latent_dim = int(config.get("latent_dim") or generator.latent_dim)
            seed = int(config.get("seed", 0))
            dataset = _dirac_mixture(config)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            raise CorruptRunError(
                cfg_path, f"not a valid optimal-generator config: {' '.join(str(exc).split())}"
            ) from None
        generator.eval()
        sampler = make_sampler("gaussian", latent_dim, seed=seed).to(dev)
        return Run(run_dir, config, generator, sampler, dataset, 0, dev)

    cfg = run_config(run_dir)
    if checkpoint == "last":
        path = run_dir / CHECKPOINT_NAME
        if not path.is_file():
            raise FileNotFoundError(
                f"{str(run_dir)!r} holds no {CHECKPOINT_NAME}: the run has not reached its first checkpoint "
                f"(continue it with: python -m gan train --resume {run_dir})"
            )
    elif isinstance(checkpoint, int) or str(checkpoint).isdigit():
        path = snapshot_path(run_dir, int(checkpoint))
    else:
        path = Path(checkpoint)
    ckpt = check_checkpoint(load_checkpoint(path), path)
    source, dataset = build_data(cfg)
    try:
        sampler = build_sampler(cfg, source, dataset)
        sampler.load_state_dict(ckpt["sampler"])
        G, _ = build_networks(cfg, sampler.latent_dim, tuple(ckpt["data_shape"]))
        G.load_state_dict(ckpt["generator"])
    except (RuntimeError, KeyError, TypeError, ValueError, IndexError) as exc:
        reason = " ".join(str(exc).split())[:300]
        raise CorruptRunError(path, f"does not fit the run's config: {type(exc).__name__}: {reason}") from exc
    G.to(dev).eval()
    sampler.to(dev)
    for p in list(G.parameters()) + list(sampler.parameters()):
        p.requires_grad_(False)
    del source
    return Run(run_dir, config, G, sampler, dataset, int(ckpt["step"]), dev)
