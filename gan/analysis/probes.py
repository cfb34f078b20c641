"""Probes of the latent partition: linear separability (LogReg accuracy) and convexity.

Seed 000, section 4.1: a generator whose latent partition is a simplicial cluster has convex,
linearly separable cells, so (i) a multinomial logistic regression from ``z`` to the label of
``G(z)`` is accurate, and (ii) the label is constant along segments joining two latents of the
same class. Both accuracies are binomial proportions and come with Wilson intervals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from gan._checks import as_float_array, as_labels, check_callable, check_int, check_positive_float
from gan._util import resolve_device
from gaussiso.utils import as_generator

from .labels import OUTSIDE, wilson_interval

__all__ = ["ProbeResult", "fit_logreg", "logreg_accuracy", "convex_accuracy"]


@dataclass(frozen=True)
class ProbeResult:
    """A probe accuracy with its binomial uncertainty.

    Attributes
    ----------
    accuracy : float
        Share of successes.
    stderr : float
        Binomial standard error :math:`\\sqrt{a(1-a)/n}`.
    ci : tuple of float
        95% Wilson score interval.
    n : int
        Number of trials (test latents, or segments).
    details : dict
        Probe-specific extras (per-class accuracies, the fitted weights, ...).
    """

    accuracy: float
    stderr: float
    ci: tuple
    n: int
    details: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_successes(cls, successes: np.ndarray, **details) -> ProbeResult:
        s = np.asarray(successes, dtype=bool)
        n = int(s.size)
        if n == 0:
            raise ValueError("no trials: cannot estimate an accuracy from 0 samples")
        a = float(s.mean())
        return cls(a, float(np.sqrt(a * (1 - a) / n)), wilson_interval(int(s.sum()), n), n, details)


def _as_tensor(z, device) -> torch.Tensor:
    return torch.as_tensor(
        np.asarray(z.detach().cpu() if isinstance(z, torch.Tensor) else z), dtype=torch.float32, device=device
    )


def fit_logreg(z, labels, *, l2: float = 1e-6, max_iter: int = 100, device="auto"):
    r"""Multinomial logistic regression from latents to labels, full-batch L-BFGS.

    Minimises the mean cross-entropy of :math:`\mathrm{softmax}(z W + b)` plus
    :math:`\frac{\lambda}{2}\|W\|_F^2` (``l2``, tiny by default: the problem is often separable
    and the unregularised optimum is at infinity). Deterministic: zero initialisation.

    Parameters
    ----------
    z : array_like or torch.Tensor, shape (n, d)
    labels : array_like of int, shape (n,)
        Class labels ``>= 0`` (filter out ``-1`` first).
    l2 : float
        Ridge penalty in ``[0, 1e6]``. The fit runs in float32: latents beyond ``1e30`` in
        magnitude are refused.
    max_iter : int
        L-BFGS iterations.
    device : str or torch.device
        ``"auto"``: CUDA when available.

    Returns
    -------
    W : ndarray, shape (d, k)
    b : ndarray, shape (k,)
    classes : ndarray of int, shape (k,)
        Column ``j`` of ``W`` scores class ``classes[j]``.
    """
    lab = as_labels(labels, "labels", low=0)
    if lab.size == 0:
        raise ValueError("labels must hold at least one label")
    l2 = check_positive_float(l2, "l2", allow_zero=True)
    if l2 > 1e6:
        raise ValueError(f"l2 must be <= 1e6 (beyond, W is 0 up to float32 rounding), got {l2}")
    max_iter = check_int(max_iter, "max_iter", low=1)
    dev = resolve_device("auto" if device is None else device)
    za = as_float_array(z, "z", ndim=2)
    if za.shape[0] != lab.size or za.shape[1] < 1:
        raise ValueError(f"z must have shape ({lab.size}, d) to match labels, got {za.shape}")
    if za.size and float(np.abs(za).max()) > 1e30:
        raise ValueError(
            f"z must fit the float32 fit (|z| <= 1e30), got magnitude {float(np.abs(za).max()):.3g}; "
            "rescale the latents"
        )
    x = _as_tensor(za, dev)
    classes, y = np.unique(lab, return_inverse=True)
    k = classes.size
    yt = torch.as_tensor(y, device=dev)
    d = x.shape[1]
    W = torch.zeros(d, k, device=dev, dtype=torch.float32, requires_grad=True)
    b = torch.zeros(k, device=dev, dtype=torch.float32, requires_grad=True)
    if k >= 2:
        opt = torch.optim.LBFGS(
            [W, b],
            lr=1.0,
            max_iter=int(max_iter),
            history_size=20,
            tolerance_grad=1e-9,
            tolerance_change=1e-12,
            line_search_fn="strong_wolfe",
        )

        def closure():
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(x @ W + b, yt)
            if l2 > 0:
                loss = loss + 0.5 * float(l2) * (W * W).sum()
            loss.backward()
            return loss

        opt.step(closure)
    return W.detach().cpu().double().numpy(), b.detach().cpu().double().numpy(), classes


def logreg_accuracy(
    z_train, y_train, z_test, y_test, *, l2: float = 1e-6, max_iter: int = 100, device="auto"
) -> ProbeResult:
    """LogReg accuracy of seed 000: test accuracy of a multinomial logistic regression ``z -> y``.

    Latents labelled ``-1`` (outside / low confidence) are dropped from both sets, as in the
    paper's code. A test label absent from the training labels counts as an error.

    Parameters
    ----------
    z_train : array_like, shape (n_train, d)
    y_train : array_like of int, shape (n_train,)
    z_test : array_like, shape (n_test, d)
    y_test : array_like of int, shape (n_test,)
    l2, max_iter, device
        See :func:`fit_logreg`.

    Returns
    -------
    ProbeResult
        ``details``: ``W``, ``b``, ``classes``, ``n_train``.
    """
    ytr = as_labels(y_train, "y_train")
    yte = as_labels(y_test, "y_test")
    ztr = as_float_array(z_train, "z_train", ndim=2)
    zte = as_float_array(z_test, "z_test", ndim=2)
    if ztr.shape[0] != ytr.size:
        raise ValueError(f"z_train must have shape ({ytr.size}, d) to match y_train, got {ztr.shape}")
    if zte.shape[0] != yte.size:
        raise ValueError(f"z_test must have shape ({yte.size}, d) to match y_test, got {zte.shape}")
    if ztr.shape[1] != zte.shape[1] or ztr.shape[1] < 1:
        raise ValueError(
            f"z_train and z_test must have the same number d >= 1 of columns, got {ztr.shape} and {zte.shape}"
        )
    for nm, arr in (("z_train", ztr), ("z_test", zte)):
        if arr.size and float(np.abs(arr).max()) > 1e30:
            raise ValueError(
                f"{nm} must fit the float32 fit (|z| <= 1e30), got magnitude {float(np.abs(arr).max()):.3g}"
            )
    keep_tr, keep_te = ytr != OUTSIDE, yte != OUTSIDE
    if keep_tr.sum() == 0 or keep_te.sum() == 0:
        raise ValueError("no labelled latent (all are outside): LogReg accuracy is undefined")
    W, b, classes = fit_logreg(ztr[keep_tr], ytr[keep_tr], l2=l2, max_iter=max_iter, device=device)
    scores = zte[keep_te] @ W + b
    pred = classes[np.argmax(scores, axis=1)]
    return ProbeResult.from_successes(pred == yte[keep_te], W=W, b=b, classes=classes, n_train=int(keep_tr.sum()))


def convex_accuracy(
    label_fn: Callable, z, labels, *, n_pairs: int = 10_000, ts: Sequence[float] = (0.25, 0.5, 0.75), seed: int = 0
) -> ProbeResult:
    r"""Convex accuracy of seed 000: share of same-class segments whose interior keeps the class.

    For each class ``c`` (labels ``>= 0`` with at least two latents), ``n_pairs // k`` pairs
    ``(z_a, z_b)`` of distinct latents of class ``c`` are drawn uniformly (``k`` classes), and
    the segment counts as convex when :math:`\ell((1-t) z_a + t z_b) = c` for every ``t`` in
    ``ts``. Equal pairs per class: the accuracy is the mean of the per-class accuracies.

    Parameters
    ----------
    label_fn : callable
        ``label_fn(z)`` -> int labels of shape (n,), for ``z`` an ndarray of shape (n, d).
    z : array_like, shape (n, d)
        Latents, with their ``labels`` (shape (n,)) under ``label_fn``.
    labels : array_like of int, shape (n,)
    n_pairs : int
        Total number of segments (at least one per class).
    ts : sequence of float
        Interpolation points in ``(0, 1)``.
    seed : int
        Seed of the pair draw (numpy Generator).

    Returns
    -------
    ProbeResult
        ``details``: ``per_class`` accuracy (dict class -> float), ``ts``.
    """
    check_callable(label_fn, "label_fn")
    za = as_float_array(z, "z", ndim=2)
    lab = as_labels(labels, "labels")
    if za.shape[0] != lab.size:
        raise ValueError(f"z must have shape ({lab.size}, d) to match labels, got {za.shape}")
    ts = as_float_array(ts, "ts")
    if ts.ndim != 1 or ts.size == 0 or np.any(ts <= 0) or np.any(ts >= 1):
        raise ValueError(f"ts must be a non-empty list of numbers in (0, 1), got {ts!r}")
    n_pairs = check_int(n_pairs, "n_pairs", low=1)
    rng = as_generator(seed, name="seed")
    classes = [c for c in np.unique(lab[lab >= 0]) if np.sum(lab == c) >= 2]
    if not classes:
        raise ValueError("no class holds two latents: Convex accuracy is undefined")
    per = max(1, int(n_pairs) // len(classes))
    ends_a, ends_b, pair_cls = [], [], []
    for c in classes:
        idx = np.flatnonzero(lab == c)
        i = rng.integers(0, idx.size, per)
        j = (i + rng.integers(1, idx.size, per)) % idx.size  # j != i, uniform over the others
        ends_a.append(za[idx[i]])
        ends_b.append(za[idx[j]])
        pair_cls.append(np.full(per, c))
    a, bb, pc = np.concatenate(ends_a), np.concatenate(ends_b), np.concatenate(pair_cls)
    ok = np.ones(pc.size, dtype=bool)
    for t in ts:
        ok &= np.asarray(label_fn((1 - t) * a + t * bb)) == pc
    per_class = {int(c): float(ok[pc == c].mean()) for c in classes}
    return ProbeResult.from_successes(ok, per_class=per_class, ts=ts.tolist())
