"""Mode statistics of samples from a synthetic mixture with known centers."""

from __future__ import annotations

import numpy as np

from gan._checks import as_float_array
from gaussiso.utils import check_int, check_positive_float

__all__ = ["mode_metrics"]


def mode_metrics(samples, centers, radius, *, min_count=1) -> dict:
    """Quality and balance of samples against ``m`` known mode centers.

    A sample is *high quality* when it lies within ``radius`` of its nearest center.

    Parameters
    ----------
    samples : array_like, shape (n, D)
    centers : array_like, shape (m, D)
    radius : float
        Radius of each mode's support (``> 0``), e.g. ``MixtureDataset.support_radius``
        (3 standard deviations in dimension 2).
    min_count : int, default 1
        A mode counts as covered when it has at least this many high-quality samples.

    Returns
    -------
    dict
        ``"precision"`` : float, share of high-quality samples;
        ``"precision_stderr"`` : float, its binomial standard error ``sqrt(p (1 - p) / n)``;
        ``"labels"`` : int64 ndarray (n,), nearest center of high-quality samples, -1 for the others;
        ``"nearest"`` : int64 ndarray (n,), nearest center of every sample;
        ``"counts"`` : int64 ndarray (m,), high-quality samples per mode;
        ``"modes_covered"`` : int, modes with at least ``min_count`` high-quality samples;
        ``"proportions"`` : ndarray (m,), high-quality samples of each mode among all samples
        (an estimate of :math:`G_\\sharp\\gamma(S_i)`, Definition 3.2 of Issenhuth et al.);
        ``"proportions_hq"`` : ndarray (m,), the same among high-quality samples (sums to 1;
        all zeros when there are none);
        ``"min_proportion"``, ``"max_proportion"`` : float, extremes of ``proportions_hq``;
        ``"variance_to_mean_ratio"`` : float, see Notes (NaN, undefined, when no sample is
        high quality).

    Notes
    -----
    The variance-to-mean ratio is that of the class proportions *in percent*, with the
    population variance (divisor ``m``):

    .. math:: \\mathrm{VMR} = \\frac{\\frac1m\\sum_i (100 p_i - 100/m)^2}{100/m},
              \\qquad p = \\text{proportions\\_hq}.

    This is the statistic of section 3 of Issenhuth et al. (2023), whose MNIST figures (class
    shares between 9.2% and 10.9%, ratio 0.03) fit it; it is 0 for a perfectly balanced
    generator and depends on the unit (percent), which we keep for comparability.

    Examples
    --------
    >>> import numpy as np
    >>> c = np.array([[0.0, 0.0], [2.0, 0.0]])
    >>> s = np.array([[0.1, 0.0], [2.0, 0.1], [1.0, 0.0], [1.9, 0.0]])
    >>> out = mode_metrics(s, c, 0.3)
    >>> out["precision"], out["labels"].tolist(), out["modes_covered"]
    (0.75, [0, 1, -1, 1], 2)
    """
    x = as_float_array(samples, "samples", ndim=2)
    c = as_float_array(centers, "centers", ndim=2)
    if c.shape[0] < 1:
        raise ValueError("centers must hold at least one center")
    if x.shape[1] != c.shape[1]:
        raise ValueError(f"samples and centers must have the same dimension, got {x.shape[1]} and {c.shape[1]}")
    if x.shape[0] < 1:
        raise ValueError("samples must hold at least one sample")
    radius = check_positive_float(radius, "radius")
    min_count = check_int(min_count, "min_count", low=1)
    n, m = x.shape[0], c.shape[0]
    # Nearest centers and the radius test are invariant to a common positive scale: rescale
    # by a power of two (no rounding) when squared distances could overflow float64.
    amax = max(float(np.abs(x).max()), float(np.abs(c).max()))
    if amax > 2.0**400:
        e = -np.frexp(amax)[1]
        x, c, radius = np.ldexp(x, e), np.ldexp(c, e), float(np.ldexp(radius, e))

    # squared distances by blocks of samples, to keep memory at O(block * m)
    nearest = np.empty(n, dtype=np.int64)
    dmin = np.empty(n)
    for s in range(0, n, 8192):
        blk = x[s : s + 8192]
        d2 = (
            ((blk[:, None, :] - c[None, :, :]) ** 2).sum(-1)
            if x.shape[1] <= 8
            else ((blk**2).sum(1)[:, None] - 2.0 * blk @ c.T + (c**2).sum(1)[None, :])
        )
        nearest[s : s + 8192] = d2.argmin(1)
        dmin[s : s + 8192] = np.sqrt(np.maximum(d2.min(1), 0.0))
    good = dmin <= radius
    labels = np.where(good, nearest, -1)
    counts = np.bincount(nearest[good], minlength=m).astype(np.int64)
    n_good = int(good.sum())
    p = n_good / n
    props = counts / n
    props_hq = counts / n_good if n_good else np.zeros(m)
    pct = 100.0 * props_hq
    mean_pct = pct.mean()
    vmr = float(pct.var() / mean_pct) if mean_pct > 0 else float("nan")
    return {
        "precision": p,
        "precision_stderr": float(np.sqrt(p * (1.0 - p) / n)),
        "labels": labels,
        "nearest": nearest,
        "counts": counts,
        "modes_covered": int((counts >= min_count).sum()),
        "proportions": props,
        "proportions_hq": props_hq,
        "min_proportion": float(props_hq.min()),
        "max_proportion": float(props_hq.max()),
        "variance_to_mean_ratio": vmr,
    }
