"""Labelling generated samples, and statistics of the latent partition they induce.

A generator ``G`` and a labelling of its outputs define a partition of the latent space:
``z`` belongs to cell ``i`` when ``G(z)`` is labelled ``i``. Mixtures are labelled by their
nearest mode, with the label ``-1`` ("outside") for outputs farther than the support radius
from every mode; images by a classifier, with ``-1`` for predictions whose confidence is below
a threshold.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from gan._checks import as_float_array, check_callable, check_int, check_positive_float, check_real

from .results import PartitionStats

__all__ = [
    "OUTSIDE",
    "label_by_nearest_mode",
    "label_by_classifier",
    "generator_label_fn",
    "partition_stats",
    "wilson_interval",
]

#: The label of samples that belong to no mode (off-support, or low classifier confidence).
OUTSIDE = -1


def _as_2d_float64(x, name: str) -> np.ndarray:
    a = as_float_array(x, name, finite=False)
    if a.ndim < 2:
        raise ValueError(f"{name} must have shape (n, D), got shape {a.shape}")
    a = a.reshape(a.shape[0], int(np.prod(a.shape[1:])))
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return a


def label_by_nearest_mode(x, centers, radius: float) -> np.ndarray:
    r"""Index of the nearest mode of each sample, ``-1`` when it is off the support.

    .. math::

        \ell(x) = \begin{cases} \arg\min_i \|x - X_i\| & \text{if } \min_i \|x - X_i\| \le r,\\
        -1 & \text{otherwise.} \end{cases}

    Parameters
    ----------
    x : array_like or torch.Tensor, shape (n, D)
        Samples (images are flattened).
    centers : array_like, shape (m, D)
        Mode centers :math:`X_i`.
    radius : float
        Support radius ``r >= 0`` (``inf`` labels every sample by its nearest mode).

    Returns
    -------
    ndarray of int64, shape (n,)

    Examples
    --------
    >>> label_by_nearest_mode([[0.1, 0.0], [5.0, 5.0]], [[0.0, 0.0], [1.0, 0.0]], 0.5)
    array([ 0, -1])
    """
    a = _as_2d_float64(x, "x")
    c = _as_2d_float64(centers, "centers")
    if c.shape[1] != a.shape[1]:
        raise ValueError(f"centers must have shape (m, {a.shape[1]}) to match x, got {c.shape}")
    if c.shape[0] < 1:
        raise ValueError(f"centers must hold at least one center, got shape {c.shape}")
    r = check_positive_float(radius, "radius", allow_zero=True, allow_inf=True)
    # float64 and an explicit difference: no cancellation near the centers
    d2 = np.empty((a.shape[0], c.shape[0]))
    for i in range(c.shape[0]):
        diff = a - c[i]
        d2[:, i] = np.einsum("ij,ij->i", diff, diff)
    lab = np.argmin(d2, axis=1).astype(np.int64)
    lab[np.sqrt(d2[np.arange(a.shape[0]), lab]) > r] = OUTSIDE
    return lab


def label_by_classifier(x, classifier, threshold: float = 0.8, *, batch_size: int = 4096) -> np.ndarray:
    """Classifier labels, ``-1`` where the confidence is below ``threshold``.

    Parameters
    ----------
    x : torch.Tensor, shape (n, ...)
        Images.
    classifier : object
        Has ``predict(x) -> (labels, confidence)`` (``gan.classifier``'s interface).
    threshold : float
        Confidence threshold in ``[0, 1]`` (seed 000 used 0.8 on CIFAR).
    batch_size : int

    Returns
    -------
    ndarray of int64, shape (n,)
    """
    if not isinstance(x, (torch.Tensor, np.ndarray)):
        raise TypeError(f"x must be a torch.Tensor or ndarray of images, got {type(x).__name__}")
    t = check_real(threshold, "threshold", low=0.0, high=1.0)
    batch_size = check_int(batch_size, "batch_size", low=1)
    if not callable(getattr(classifier, "predict", None)):
        raise TypeError(f"classifier must have a predict(x) method, got {type(classifier).__name__}")
    out = []
    for start in range(0, len(x), int(batch_size)):
        lab, conf = classifier.predict(x[start : start + batch_size])
        lab = np.asarray(lab.detach().cpu() if isinstance(lab, torch.Tensor) else lab, dtype=np.int64)
        conf = np.asarray(conf.detach().cpu() if isinstance(conf, torch.Tensor) else conf, dtype=float)
        lab = lab.copy()
        lab[conf < t] = OUTSIDE
        out.append(lab)
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def generator_label_fn(
    generator, labeller: Callable[[torch.Tensor], np.ndarray], *, batch_size: int = 8192
) -> Callable:
    """The latent label function ``z -> labeller(G(z))``, evaluated in batches without gradients.

    Parameters
    ----------
    generator : callable
        ``torch`` module or function mapping ``z`` of shape (n, d) to samples.
    labeller : callable
        Maps a batch of samples (torch.Tensor) to int labels (``-1`` = outside).
    batch_size : int

    Returns
    -------
    callable
        ``label_fn(z)`` for ``z`` a torch.Tensor or ndarray of shape (n, d); returns an int64
        ndarray of shape (n,). The tensor is moved to the generator's device when it has
        parameters.
    """
    check_callable(generator, "generator")
    check_callable(labeller, "labeller")
    batch_size = check_int(batch_size, "batch_size", low=1)
    try:
        device = next(generator.parameters()).device  # type: ignore[attr-defined]
    except (AttributeError, StopIteration):
        device = None

    def label_fn(z) -> np.ndarray:
        zt = torch.as_tensor(z, dtype=torch.float32)
        if device is not None:
            zt = zt.to(device)
        out = []
        with torch.no_grad():
            for start in range(0, zt.shape[0], batch_size):
                out.append(np.asarray(labeller(generator(zt[start : start + batch_size])), dtype=np.int64))
        return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)

    return label_fn


def _counts(x, name):
    """Counts (non-negative integer values) as a float array."""
    a = as_float_array(x, name)
    if np.any(a < 0) or np.any(a != np.round(a)):
        raise ValueError(f"{name} must hold non-negative integer counts, got {x!r}")
    return a


def wilson_interval(k, n, z: float = 1.959963984540054):
    r"""Wilson score interval of a binomial proportion ``k / n``.

    .. math::

        \frac{\hat p + \frac{z^2}{2n} \pm z\sqrt{\frac{\hat p(1-\hat p)}{n} + \frac{z^2}{4n^2}}}
        {1 + z^2/n}

    Parameters
    ----------
    k, n : int or array_like
        Successes and trials: non-negative integer counts, ``n >= 1`` and ``k <= n``.
    z : float
        Normal quantile (1.96 for 95%), in ``(0, 1000]``.

    Returns
    -------
    lo : float or ndarray
        Lower end of the interval (an array of the broadcast shape of ``k`` and ``n`` for
        array inputs).
    hi : float or ndarray
        Upper end of the interval, same shape.

    Examples
    --------
    >>> lo, hi = wilson_interval(50, 100)
    >>> round(lo, 4), round(hi, 4)
    (0.4038, 0.5962)
    """
    k = _counts(k, "k")
    n = _counts(n, "n")
    if np.any(n < 1):
        raise ValueError(f"n must be >= 1, got {n}")
    if np.any(k > n):
        raise ValueError(f"k must be <= n (successes among n trials), got k={k} and n={n}")
    z = check_positive_float(z, "z")
    if z > 1e3:  # z * z would lose everything (and overflow beyond 1e154); 40 is p ~ 1e-350
        raise ValueError(f"z must be a normal quantile <= 1000, got {z}")
    p = k / n
    den = 1.0 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    lo, hi = np.clip(mid - half, 0, 1), np.clip(mid + half, 0, 1)
    # exact ends (the formula gives them analytically, rounding does not)
    lo, hi = np.where(k == 0, 0.0, lo), np.where(k == n, 1.0, hi)
    if lo.ndim == 0:
        return float(lo), float(hi)
    return lo, hi


def partition_stats(labels, m: int) -> PartitionStats:
    r"""Masses of the latent cells, off-support mass and balance of a labelled latent sample.

    Parameters
    ----------
    labels : array_like of int, shape (n,)
        Labels in ``{-1, 0, ..., m - 1}`` of ``n`` i.i.d. latents (``-1`` = outside).
    m : int
        Number of modes.

    Returns
    -------
    PartitionStats
        ``n``; ``cell_mass`` (m,) and ``cell_mass_stderr`` (m,): share of all latents in each
        cell, binomial standard error :math:`\sqrt{p(1-p)/n}`; ``cell_mass_ci`` (m, 2), their
        95% Wilson intervals; ``outside_mass`` and
        ``outside_mass_stderr``; ``proportions`` (m,): share of each class among on-support
        latents (the class proportions of the generated distribution); ``min_proportion``,
        ``max_proportion``; ``variance_to_mean``: variance over mean of the proportions in
        percent (the paper's balance statistic, 0 for a perfectly balanced generator);
        ``n_empty_cells``.
    """
    if isinstance(labels, torch.Tensor):
        labels = labels.detach().cpu().numpy()
    if labels is None or isinstance(labels, (str, bytes)):
        raise TypeError(f"labels must be an array of integer labels, got {type(labels).__name__} {labels!r}")
    lab = np.asarray(labels)
    if lab.ndim != 1 or lab.size == 0:
        raise ValueError(f"labels must be a non-empty 1-D array, got shape {lab.shape}")
    if lab.dtype.kind not in "iu":
        if lab.dtype.kind == "f" and np.all(np.isfinite(lab)) and np.all(lab == np.round(lab)):
            lab = lab.astype(np.int64)
        else:
            raise TypeError(f"labels must be integers, got dtype {lab.dtype}")
    m = check_int(m, "m", low=1)
    if lab.min() < OUTSIDE or lab.max() >= m:
        raise ValueError(f"labels must lie in [-1, {m - 1}], got range [{lab.min()}, {lab.max()}]")
    n = lab.size
    counts = np.bincount(lab[lab >= 0], minlength=m).astype(float)
    mass = counts / n
    n_out = int(np.sum(lab == OUTSIDE))
    p_out = n_out / n
    n_on = n - n_out
    props = counts / n_on if n_on > 0 else np.full(m, np.nan)
    pct = 100.0 * props
    lo, hi = wilson_interval(counts, n)
    return PartitionStats(
        n=int(n),
        cell_mass=mass,
        cell_mass_stderr=np.sqrt(mass * (1 - mass) / n),
        cell_mass_ci=np.column_stack([lo, hi]),
        outside_mass=float(p_out),
        outside_mass_stderr=float(np.sqrt(p_out * (1 - p_out) / n)),
        proportions=props,
        min_proportion=float(np.min(props)),
        max_proportion=float(np.max(props)),
        variance_to_mean=float(np.var(pct) / np.mean(pct)) if n_on > 0 else float("nan"),
        n_empty_cells=int(np.sum(counts == 0)),
    )
