"""Small dense linear-algebra helpers shared by gaussiso's private modules."""

from __future__ import annotations

import numpy as np

from ._validation import check_memory

__all__ = ["pairwise_distances"]

#: Up to this many ``n_a * n_b * k`` products the differences are formed explicitly.
_EXPLICIT_MAX = 2**24
#: Pairs whose Gram-formula squared distance is below this share of the squared norms (of the
#: centered rows) are recomputed from explicit differences (cancellation).
_RECOMPUTE_RATIO = 0.25


def pairwise_distances(a, b=None) -> np.ndarray:
    r"""Euclidean distances :math:`\|a_i - b_j\|` between the rows of two arrays.

    Small inputs (``n_a n_b k <= 2**24``): the differences are formed first and then squared
    and summed (no :math:`|a|^2 + |b|^2 - 2 a\cdot b` expansion), so nearly equal rows keep
    their digits: the seed-distinctness checks and the bisector offsets rely on it. Larger
    inputs (e.g. 3000 seeds in dimension 3000, where the differences alone would take
    ``8 n_a n_b k`` = 216 GB): the rows are centered on their common mean, the squared distances
    come from the Gram matrix (memory ``O(n_a n_b)``), and every pair whose squared distance is
    below a quarter of the squared norms of its two centered rows (where the expansion cancels)
    is recomputed from its explicit difference; the others keep a relative error of a few
    ``k^{1/2}`` ulps. Inputs are trusted (finite float arrays); the memory needed is checked
    before anything is allocated (MemoryError with the estimate).

    Parameters
    ----------
    a : ndarray, shape (n_a, k)
    b : ndarray, shape (n_b, k), optional
        Defaults to ``a`` (the symmetric matrix with a zero diagonal).

    Returns
    -------
    ndarray, shape (n_a, n_b)
    """
    a = np.asarray(a, dtype=float)
    same = b is None
    b = a if same else np.asarray(b, dtype=float)
    na, nb, k = a.shape[0], b.shape[0], a.shape[1]
    # Scale by a power of two (exact) so that squares neither overflow (|x| > 1e154) nor
    # underflow (|x| < 1e-154): the distances of seeds at 1e200 or 1e-200 keep their digits.
    top = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)))
    if top > 0.0 and not (2.0**-500 < top < 2.0**500):
        p2 = 2.0 ** np.frexp(top)[1]
        return p2 * pairwise_distances(a / p2, None if same else b / p2)
    if na * nb * k <= _EXPLICIT_MAX:
        diff = a[:, None, :] - b[None, :, :]
        return np.sqrt(np.sum(diff * diff, axis=-1))
    check_memory(8 * (3 * na * nb + 2 * (na + nb) * k), f"the {na} x {nb} pairwise distances in dimension {k}")
    mu = (a.sum(axis=0) + (0.0 if same else b.sum(axis=0))) / (na + (0 if same else nb))
    ac = a - mu
    bc = ac if same else b - mu
    sa = np.einsum("ij,ij->i", ac, ac)
    sb = sa if same else np.einsum("ij,ij->i", bc, bc)
    scale = sa[:, None] + sb[None, :]
    d2 = ac @ bc.T
    d2 *= -2.0
    d2 += scale
    bad = d2 < _RECOMPUTE_RATIO * scale
    ii, jj = np.nonzero(bad)
    del scale, bad
    step = max(1, _EXPLICIT_MAX // max(k, 1))
    for s in range(0, ii.size, step):
        i, j = ii[s : s + step], jj[s : s + step]
        diff = a[i] - b[j]
        d2[i, j] = np.einsum("ij,ij->i", diff, diff)
    np.maximum(d2, 0.0, out=d2)
    np.sqrt(d2, out=d2)
    if same:
        np.fill_diagonal(d2, 0.0)
    return d2
