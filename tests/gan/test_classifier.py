"""Tests of gan.classifier: a tiny training run on real digits, shapes, seeding, caching."""

import numpy as np
import pytest
import torch

from gan.classifier import (MNISTClassifier, evaluate_accuracy, load_classifier, load_or_train,
                            save_classifier, train_classifier)
from gan.data import load_mnist_offline, to_tensor


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
    p = save_classifier(tiny_model, tmp_path / "m.pt", heldout_accuracy=0.5)
    loaded = load_classifier(p, device="cpu")
    x = to_tensor(digits[0][:5])
    torch.testing.assert_close(loaded(x), tiny_model(x))
    # load_or_train finds a cached file by name and does not train
    save_classifier(tiny_model, tmp_path / "mnist_classifier_mlxtend5k_e1_s0.pt")
    cached = load_or_train(tmp_path, epochs=1, seed=0, device="cpu")
    torch.testing.assert_close(cached(x), tiny_model(x))
    assert isinstance(cached, MNISTClassifier)
