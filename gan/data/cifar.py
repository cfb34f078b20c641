"""CIFAR-10 from its python pickle batches (``cifar-10-batches-py``), with a checked download."""

from __future__ import annotations

import pickle
import tarfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

from gan.data._download import download_file

__all__ = ["CIFARData", "load_cifar10", "download_cifar10", "read_cifar_batch", "CIFAR10_CLASSES"]

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
_MD5 = "c58f30108f718f92721af3b95e74349a"  # published with the archive (also torchvision's)
_FOLDER = "cifar-10-batches-py"
_SPLITS = {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]}


class CIFARData(NamedTuple):
    """Images ``(n, 32, 32, 3)`` uint8 (HWC), labels ``(n,)`` int64, and their folder."""

    images: np.ndarray
    labels: np.ndarray
    source: str


def read_cifar_batch(path):
    """Read one pickle batch file -> (images (n, 32, 32, 3) uint8, labels (n,) int64)."""
    with open(path, "rb") as fh:
        d = pickle.load(fh, encoding="bytes")
    data = d.get(b"data", d.get("data"))
    labels = d.get(b"labels", d.get("labels"))
    if data is None or labels is None:
        raise ValueError(f"{path} is not a CIFAR-10 batch (no 'data'/'labels' entries)")
    data = np.asarray(data, dtype=np.uint8)
    if data.ndim != 2 or data.shape[1] != 3072:
        raise ValueError(f"{path}: data must have shape (n, 3072), got {data.shape}")
    labels = np.asarray(labels, dtype=np.int64)
    if labels.shape != (data.shape[0],):
        raise ValueError(f"{path}: {labels.shape[0]} labels for {data.shape[0]} images")
    # rows are 1024 red, 1024 green, then 1024 blue values, each image row-major
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


def load_cifar10(root, split="train", classes=None) -> CIFARData:
    """Load CIFAR-10 from ``root`` (the ``cifar-10-batches-py`` folder or its parent).

    Parameters
    ----------
    root : path
    split : {"train", "test"}
    classes : sequence of int, optional
        Keep only these labels (0..9).

    Returns
    -------
    CIFARData
    """
    if split not in _SPLITS:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    root = Path(root)
    folder = root / _FOLDER if (root / _FOLDER).is_dir() else root
    parts = []
    for name in _SPLITS[split]:
        p = folder / name
        if not p.exists():
            raise FileNotFoundError(f"no {name} in {folder}; call download_cifar10({str(root)!r})")
        parts.append(read_cifar_batch(p))
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    if classes is not None:
        c = np.asarray(list(classes), dtype=np.int64)
        if c.size == 0 or np.any((c < 0) | (c > 9)):
            raise ValueError(f"classes must be a non-empty list of integers in 0..9, got {classes!r}")
        keep = np.isin(labels, c)
        images, labels = images[keep], labels[keep]
    return CIFARData(images, labels, str(folder))


def download_cifar10(root) -> Path:
    """Download and extract the CIFAR-10 python archive into ``root`` (MD5-checked).

    Parameters
    ----------
    root : str or path-like
        Folder to download into; the batches land in ``root / "cifar-10-batches-py"``.

    Returns
    -------
    pathlib.Path
        ``root``.
    """
    root = Path(root)
    archive = download_file(_URL, root / "cifar-10-python.tar.gz", md5=_MD5)
    with tarfile.open(archive, "r:gz") as tar:
        members = [
            m for m in tar.getmembers() if m.isfile() and m.name.startswith(_FOLDER + "/") and ".." not in m.name
        ]
        tar.extractall(root, members=members)
    return root
