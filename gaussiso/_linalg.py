"""Small dense linear-algebra helpers shared by gaussiso's private modules."""

from __future__ import annotations

import numpy as np

__all__ = ["pairwise_distances"]


def pairwise_distances(a, b=None) -> np.ndarray:
    r"""Euclidean distances :math:`\|a_i - b_j\|` between the rows of two arrays.

    The differences are formed first and then squared and summed (no
    :math:`|a|^2 + |b|^2 - 2 a\cdot b` expansion), so nearly equal rows keep their digits: the
    seed-distinctness checks and the bisector offsets rely on it. Inputs are trusted
    (finite float arrays); memory is ``O(n_a n_b k)``, fine for seeds and centers.

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
    b = a if b is None else np.asarray(b, dtype=float)
    diff = a[:, None, :] - b[None, :, :]
    return np.sqrt(np.sum(diff * diff, axis=-1))
