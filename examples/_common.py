"""Helpers shared by the GAN examples (train a mixture run, label latents, draw panels).

Not part of the packages: the examples import it from their own folder.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import numpy as np


def example_parser(doc: str, out: str, steps_help: str) -> argparse.ArgumentParser:
    """The arguments every mixture example takes: --out, --quick, --steps, --seed, --device."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--out", default=out, help="output folder (created)")
    ap.add_argument("--quick", action="store_true", help="tiny training (CI): checks the pipeline only")
    ap.add_argument("--steps", type=int, default=None, help=steps_help)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="auto")
    return ap


def pyplot():
    """matplotlib.pyplot on the file-only Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def fresh_dir(path) -> Path:
    """An empty run directory: a previous run written there by an example is replaced."""
    path = Path(path)
    if path.exists():
        if not (path / "config.json").is_file():
            raise FileExistsError(f"{path} exists and is not a run directory; choose another --out")
        shutil.rmtree(path)
    return path


def train_mixture(
    run_dir,
    *,
    kind="equidistant",
    m=3,
    dim=2,
    latent_dim=2,
    steps=3000,
    seed=0,
    quiet=True,
    data_options=None,
    **changes,
):
    """Train the ``mixture`` preset on ``make_mixture(kind, m=m, dim=dim)`` and load the run.

    Returns
    -------
    (gan.runs.Run, float)
        The loaded run and the training wall time in seconds.
    """
    from gan.runs import load_run
    from gan.training import preset_config, train

    opts = {"kind": kind, "m": m, "dim": dim}
    opts.update(data_options or {})
    cfg = preset_config(
        "mixture",
        steps=int(steps),
        seed=int(seed),
        latent_dim=int(latent_dim),
        data_options=opts,
        image_every=0,
        **changes,
    )
    run_dir = fresh_dir(run_dir)
    t0 = time.perf_counter()
    train(cfg, run_dir, quiet=quiet)
    seconds = time.perf_counter() - t0
    return load_run(run_dir, device=cfg.device), seconds


def label_fn_of(run):
    """``z -> labels`` (nearest mode within the support radius, ``-1`` outside)."""
    from gan.analysis import generator_label_fn, label_by_nearest_mode

    centers = np.asarray(run.dataset.centers, dtype=np.float64)
    radius = float(run.dataset.support_radius)
    return generator_label_fn(run.generator, lambda x: label_by_nearest_mode(x, centers, radius))


def mode_precision(run, n=20_000, seed=123):
    """Share of generated samples within the support radius of a mode, with its standard error."""
    import torch

    g = torch.Generator().manual_seed(int(seed))
    d = int(run.sampler.latent_dim)
    z = torch.randn(n, d, generator=g).to(run.device)
    lab = label_fn_of(run)(z)
    p = float(np.mean(lab >= 0))
    return p, float(np.sqrt(max(p * (1 - p), 1e-300) / n)), lab


def latent_panels(run, ax_modes, ax_part, ax_grad, *, resolution=120, extent=3.0, n_show=2000, seed=7):
    """Modes + samples + Voronoi (data space), latent partition, partition over ||J||_F."""
    import torch

    from gan.analysis import figures as F
    from gan.analysis import jacobian_geometry, latent_grid

    m = int(np.asarray(run.dataset.centers).shape[0])
    label_fn = label_fn_of(run)
    g = torch.Generator().manual_seed(int(seed))
    d = int(run.sampler.latent_dim)
    z = torch.randn(n_show, d, generator=g).to(run.device)
    with torch.no_grad():
        x = run.generator(z).detach().cpu().numpy().reshape(n_show, -1)
    F.plot_modes_voronoi(run.dataset.centers, samples=x, sample_labels=label_fn(z), ax=ax_modes)
    ax_modes.set_title("modes, Voronoi cells, samples")
    if d != 2:
        raise ValueError(f"latent_panels draws 2-D latent spaces, got latent_dim = {d}")
    grid, xs = latent_grid(extent, resolution)
    glab = label_fn(grid)
    F.plot_latent_partition(glab, xs, m=m, ax=ax_part, title="latent partition")
    if ax_grad is not None:
        gnorm = jacobian_geometry(run.generator, grid)["gradient_norm"]
        F.plot_latent_partition(glab, xs, m=m, background=gnorm, ax=ax_grad, title=r"boundaries over $\|J_G\|_F$")
    return glab, xs
