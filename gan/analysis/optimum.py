r"""The simplicial cluster closest to a learned latent partition, and how far the two are.

Fit. Each class ``i`` gets a direction :math:`v_i` (the unit mean of its latents, or the
centered logistic-regression normal). For a simplicial cluster with seeds :math:`u_i` both are
proportional to :math:`u_i`: the cell :math:`A_i` and the Gaussian are invariant under the
orthogonal maps that permute the other seeds, whose only common fixed directions in the span of
the seeds are the multiples of :math:`u_i`. The nearest regular simplex is then found by
orthogonal Procrustes,

.. math::

    Q^\star = \arg\min_{Q \in O(d)} \sum_i \|Q s_i - v_i\|^2, \qquad \hat u_i = Q^\star s_i,

with :math:`s_i` the canonical seeds of :func:`gaussiso.simplicial_cluster`. No separate
assignment of classes to vertices is needed: every permutation of the vertices of a regular
simplex is itself an orthogonal map, so minimising over :math:`O(d)` already minimises over all
assignments.

Compare. ``agreement`` is the share of on-support latents whose learned label equals their
label under the fitted simplicial partition; ``max_angle_deviation_deg`` compares the pairwise
angles of the :math:`v_i` with :math:`\arccos(-1/(m-1))`. The verdict ``is_simplicial`` is
``agreement >= AGREEMENT_THRESHOLD and max_angle_deviation_deg <= ANGLE_THRESHOLD_DEG``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gan._checks import as_float_array, as_labels, check_int
from gaussiso import VoronoiPartition, simplicial_cluster

from .labels import OUTSIDE

__all__ = [
    "AGREEMENT_THRESHOLD",
    "ANGLE_THRESHOLD_DEG",
    "SimplicialFit",
    "class_directions",
    "fit_simplicial",
    "compare_with_simplicial",
]

#: ``is_simplicial`` needs at least this agreement. In the plane, each of the ``m`` boundary
#: rays of a cone partition turned by an angle ``theta`` moves a Gaussian mass ``theta / (2 pi)``,
#: so 0.9 tolerates boundaries off by about ``0.2 pi / m`` (12 degrees for m = 3) on top of the
#: Monte Carlo error of the fit; the parallel-strip partition of R^2 into 3 cells of equal mass
#: reaches about 0.63.
AGREEMENT_THRESHOLD = 0.9
#: ``is_simplicial`` needs every pairwise angle of the class directions within this many
#: degrees of ``arccos(-1/(m-1))``.
ANGLE_THRESHOLD_DEG = 20.0


@dataclass(frozen=True)
class SimplicialFit:
    """The simplicial cluster fitted to a labelled latent sample.

    Attributes
    ----------
    classes : ndarray of int, shape (k,)
        The classes fitted (labels present with at least ``min_count`` latents).
    directions : ndarray, shape (k, d)
        Unit class directions :math:`v_i`, row ``j`` for ``classes[j]``.
    seeds : ndarray, shape (k, d)
        Fitted simplicial seeds :math:`\\hat u_i = Q^\\star s_i` (unit norm, pairwise inner
        product ``-1/(k-1)``), row ``j`` for ``classes[j]``.
    rotation : ndarray, shape (d, d)
        :math:`Q^\\star`, orthogonal, with ``seeds = canonical_seeds @ rotation.T``.
    residual : float
        Root-mean-square distance :math:`\\sqrt{\\frac1k\\sum_i \\|\\hat u_i - v_i\\|^2}`.
    angles_deg : ndarray, shape (k, k)
        Pairwise angles between the class directions (degrees; 0 on the diagonal).
    method : str
        ``"means"`` or ``"logreg"``.
    extra : dict
        Free-form additional information (empty unless a caller fills it; not in the repr).
    """

    classes: np.ndarray
    directions: np.ndarray
    seeds: np.ndarray
    rotation: np.ndarray
    residual: float
    angles_deg: np.ndarray
    method: str
    extra: dict = field(default_factory=dict, repr=False)

    @property
    def partition(self) -> VoronoiPartition:
        """The fitted simplicial cluster (cell ``j`` is class ``classes[j]``)."""
        return VoronoiPartition(self.seeds)

    def label(self, z) -> np.ndarray:
        """Labels (original class values) of latents under the fitted simplicial cluster."""
        return self.classes[self.partition.label(np.asarray(z, dtype=float))]


def class_directions(z, labels, *, method: str = "means", min_count: int = 2, logreg_weights=None):
    """Unit direction of each class in latent space.

    Parameters
    ----------
    z : array_like, shape (n, d)
    labels : array_like of int, shape (n,)
        ``-1`` (outside) is ignored.
    method : {"means", "logreg"}
        ``"means"``: normalised class mean. ``"logreg"``: column of ``W`` minus the mean column
        (the score differences ``(w_i - w_j) . z`` are what the classifier uses), normalised.
    min_count : int
        Classes with fewer latents are left out.
    logreg_weights : tuple (W, classes), optional
        Needed for ``method="logreg"``: ``W`` of shape (d, k) and its ``classes``.

    Returns
    -------
    classes : ndarray of int, shape (k,)
    directions : ndarray, shape (k, d)
    """
    za = as_float_array(z, "z", ndim=2)
    lab = as_labels(labels, "labels")
    if za.shape[0] != lab.size or za.shape[1] < 1:
        raise ValueError(f"z must have shape ({lab.size}, d) to match labels, got {za.shape}")
    min_count = check_int(min_count, "min_count", low=1)
    if method == "means":
        classes = np.array([c for c in np.unique(lab[lab != OUTSIDE]) if np.sum(lab == c) >= min_count], dtype=np.int64)
        dirs = np.array([za[lab == c].mean(axis=0) for c in classes]).reshape(len(classes), za.shape[1])
    elif method == "logreg":
        if logreg_weights is None:
            raise ValueError("method='logreg' needs logreg_weights=(W, classes)")
        try:
            W, classes = logreg_weights
        except (TypeError, ValueError):
            raise TypeError(
                f"logreg_weights must be a pair (W, classes), got {type(logreg_weights).__name__}"
            ) from None
        W = as_float_array(W, "logreg_weights W", ndim=2)
        classes = as_labels(classes, "logreg_weights classes", low=0)
        if W.shape != (za.shape[1], classes.size):
            raise ValueError(f"logreg_weights W must have shape ({za.shape[1]}, {classes.size}), got {W.shape}")
        dirs = (W - W.mean(axis=1, keepdims=True)).T
    else:
        raise ValueError(f"method must be 'means' or 'logreg', got {method!r}")
    norms = np.linalg.norm(dirs, axis=1, keepdims=True)
    dirs = dirs / np.where(norms > 0, norms, 1.0)
    return classes, dirs


def _pairwise_angles_deg(v: np.ndarray) -> np.ndarray:
    g = np.clip(v @ v.T, -1.0, 1.0)
    a = np.degrees(np.arccos(g))
    np.fill_diagonal(a, 0.0)
    return a


def fit_simplicial(z, labels, *, method: str = "means", min_count: int = 2, logreg_weights=None) -> SimplicialFit:
    """Fit the simplicial cluster nearest to a labelled latent sample (orthogonal Procrustes).

    Parameters
    ----------
    z : array_like, shape (n, d)
    labels : array_like of int, shape (n,)
        Learned labels (``-1`` = outside, ignored).
    method, min_count, logreg_weights
        See :func:`class_directions`.

    Returns
    -------
    SimplicialFit

    Raises
    ------
    ValueError
        Fewer than 2 classes, or more than ``d + 1`` (no simplicial cluster exists then).

    Examples
    --------
    >>> import numpy as np, gaussiso
    >>> p = gaussiso.simplicial_cluster(3, 2, rng=1)
    >>> z = np.random.default_rng(0).standard_normal((4000, 2))
    >>> fit = fit_simplicial(z, p.label(z))
    >>> bool(np.abs(fit.seeds - p.seeds).max() < 0.1)
    True
    """
    classes, v = class_directions(z, labels, method=method, min_count=min_count, logreg_weights=logreg_weights)
    k, d = v.shape
    if k < 2:
        raise ValueError(
            f"labels must hold at least 2 classes (with min_count={min_count} latents each) to fit "
            f"a simplicial cluster, got {k}"
        )
    if k > d + 1:
        raise ValueError(
            f"labels hold {k} classes: no simplicial cluster of {k} cells exists in dimension "
            f"d = {d} of z (needs k <= d + 1)"
        )
    s = simplicial_cluster(k, d).seeds  # canonical (k, d)
    # min ||s Q^T - v||_F over orthogonal Q: Q^T = U V^T with s^T v = U S V^T
    u_, _, vt = np.linalg.svd(s.T @ v)
    qt = u_ @ vt
    seeds = s @ qt
    seeds /= np.linalg.norm(seeds, axis=1, keepdims=True)
    residual = float(np.sqrt(np.mean(np.sum((seeds - v) ** 2, axis=1))))
    return SimplicialFit(classes, v, seeds, qt.T, residual, _pairwise_angles_deg(v), method)


def compare_with_simplicial(z, labels, fit: SimplicialFit | None = None, **fit_kwargs) -> dict:
    """Agreement and angles between a learned partition and its fitted simplicial cluster.

    Parameters
    ----------
    z : array_like, shape (n, d)
        Latents (ideally not those used for the fit).
    labels : array_like of int, shape (n,)
        Their learned labels (``-1`` = outside: excluded from the agreement).
    fit : SimplicialFit, optional
        Fitted on other latents; fitted on ``(z, labels)`` when omitted.
    **fit_kwargs
        Passed to :func:`fit_simplicial`.

    Returns
    -------
    dict
        ``agreement`` (share of on-support latents of fitted classes labelled alike),
        ``agreement_stderr`` (binomial), ``n``, ``reference_angle_deg``
        (:math:`\\arccos(-1/(k-1))`), ``angles_deg`` (k, k), ``max_angle_deviation_deg``,
        ``mean_angle_deviation_deg``, ``residual``, ``is_simplicial`` (see the module
        thresholds), ``classes``, ``seeds``, ``directions``.
    """
    za = as_float_array(z, "z", ndim=2)
    lab = as_labels(labels, "labels")
    if za.shape[0] != lab.size:
        raise ValueError(f"z must have shape ({lab.size}, d) to match labels, got {za.shape}")
    if fit is None:
        fit = fit_simplicial(za, lab, **fit_kwargs)
    elif not isinstance(fit, SimplicialFit):
        raise TypeError(f"fit must be a SimplicialFit, got {type(fit).__name__}")
    elif fit.seeds.shape[1] != za.shape[1]:
        raise ValueError(f"z must have {fit.seeds.shape[1]} columns to match fit, got shape {za.shape}")
    k = fit.classes.size
    keep = np.isin(lab, fit.classes)
    n = int(keep.sum())
    if n == 0:
        raise ValueError("no latent carries a fitted class: agreement is undefined")
    agree = fit.label(za[keep]) == lab[keep]
    a = float(agree.mean())
    ref = float(np.degrees(np.arccos(-1.0 / (k - 1))))
    iu = np.triu_indices(k, 1)
    dev = np.abs(fit.angles_deg[iu] - ref)
    max_dev = float(dev.max())
    return {
        "agreement": a,
        "agreement_stderr": float(np.sqrt(a * (1 - a) / n)),
        "n": n,
        "reference_angle_deg": ref,
        "angles_deg": fit.angles_deg,
        "max_angle_deviation_deg": max_dev,
        "mean_angle_deviation_deg": float(dev.mean()),
        "residual": fit.residual,
        "is_simplicial": bool(a >= AGREEMENT_THRESHOLD and max_dev <= ANGLE_THRESHOLD_DEG),
        "classes": fit.classes,
        "seeds": fit.seeds,
        "directions": fit.directions,
        "method": fit.method,
    }
