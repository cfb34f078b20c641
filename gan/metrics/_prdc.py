"""Precision, recall, density and coverage from k-nearest-neighbour balls, computed by blocks.

Definitions (Kynkaanniemi et al. 2019; Naeem et al. 2020). Let ``R_i`` be the radius of real
point ``x_i``: its distance to its k-th nearest neighbour among the reals, counted by rank with
the point itself excluded (an exact duplicate counts as a neighbour at distance 0); ``F_j`` the
same for fake point ``y_j`` among the fakes. With ``<`` (or ``<=``, by convention):

* precision = share of fakes ``y_j`` with ``d(x_i, y_j) < R_i`` for some ``i``;
* recall    = share of reals ``x_i`` with ``d(x_i, y_j) < F_j`` for some ``j``;
* density   = ``(1/k) * mean_j #{i : d(x_i, y_j) < R_i}``;
* coverage  = share of reals ``x_i`` with ``min_j d(x_i, y_j) < R_i``.

This module holds the public conventions: the function :func:`prdc`, its argument order
(``real`` first, as in the ``prdc`` package), the neighbourhood size ``k`` and the named
comparison rules :data:`CONVENTIONS`. The exact machinery (tie-exact distance comparisons,
blocking and chunking, the Numba kernels or torch route) is :mod:`gan.metrics._prdc_exact`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
import torch

from gan._util import resolve_device
from gan.metrics._prdc_exact import compute as _compute

__all__ = ["prdc", "CONVENTIONS"]


@dataclass(frozen=True)
class Convention:
    """A named set of rules for comparing distances with k-NN radii.

    Attributes
    ----------
    name : str
    squared : bool
        Radii and distances are squared Euclidean distances (the comparisons are the same
        either way; this changes only the realism score's definition, which always uses
        Euclidean ratios, and the documentation).
    strict : bool
        ``d < r`` when True, ``d <= r`` when False.
    default_k : int
        ``nearest_k`` used when none is given.
    emulate_sklearn : bool
        Reproduce scikit-learn's rounded distances exactly (the ``prdc`` package); otherwise
        distances are this module's float32 squared distances of mean-centered features.
    """

    name: str
    squared: bool
    strict: bool
    default_k: int
    emulate_sklearn: bool


#: Named conventions. ``"prdc"``: identical to ``prdc.compute_prdc`` 0.2 (Euclidean
#: distances rounded as scikit-learn rounds them, strict ``<``, k = 5).
#: ``"kynkaanniemi"``: the improved precision/recall code of Kynkaanniemi et al. (squared
#: distances in float32, ``<=``, k = 3); density and coverage use the same ``<=`` rule.
CONVENTIONS = {
    "prdc": Convention("prdc", squared=False, strict=True, default_k=5, emulate_sklearn=True),
    "kynkaanniemi": Convention("kynkaanniemi", squared=True, strict=False, default_k=3, emulate_sklearn=False),
}


# ----------------------------------------------------------------------------------------
# input handling


def _as_tensor(x, name):
    if isinstance(x, torch.Tensor):
        t = x.detach()
    else:
        try:
            arr = np.asarray(x)
        except Exception as exc:  # pragma: no cover - defensive
            raise TypeError(f"{name} must be an array of features: {exc}") from None
        if np.iscomplexobj(arr):
            raise TypeError(f"{name} must be real, got dtype {arr.dtype}")
        if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
        if arr.dtype not in (np.float32, np.float64):
            arr = arr.astype(np.float64)
        t = torch.from_numpy(np.ascontiguousarray(arr))
    if t.is_complex():
        raise TypeError(f"{name} must be real, got dtype {t.dtype}")
    if t.ndim != 2:
        raise ValueError(f"{name} must have shape (n, D), got shape {tuple(t.shape)}")
    if t.dtype not in (torch.float32, torch.float64):
        t = t.to(torch.float64)
    if t.shape[0] < 2:
        raise ValueError(f"{name} must hold at least 2 points, got {t.shape[0]}")
    if t.shape[1] < 1:
        raise ValueError(f"{name} must have at least one feature, got shape {tuple(t.shape)}")
    if not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return t


def _check_ks(nearest_k, conv, n_real, n_fake):
    single = nearest_k is None or isinstance(nearest_k, numbers.Integral)
    if nearest_k is None:
        ks = [conv.default_k]
    elif single:
        ks = [nearest_k]
    else:
        try:
            ks = list(nearest_k)
        except TypeError:
            raise TypeError(f"nearest_k must be an integer or a list of integers, got {nearest_k!r}") from None
        if not ks:
            raise ValueError("nearest_k must not be an empty list")
    out = []
    for k in ks:
        if isinstance(k, bool) or not isinstance(k, numbers.Integral):
            raise TypeError(f"nearest_k must be an integer or a list of integers, got {k!r}")
        k = int(k)
        if k < 1:
            raise ValueError(f"nearest_k must be >= 1, got {k}")
        n_min = min(n_real, n_fake)
        if k >= n_min:
            which = "real" if n_real <= n_fake else "fake"
            raise ValueError(
                f"nearest_k must be < the number of points in each set (a point's k-th neighbour "
                f"excludes itself); got nearest_k={k} with {n_min} {which} points"
            )
        out.append(k)
    return single, sorted(set(out)), out


#: Squared row norms outside ``[2**-_LOG2_SAFE, 2**_LOG2_SAFE]`` would overflow, or lose the
#: relative accuracy the error bounds assume (subnormals), in float32 squared distances.
_LOG2_SAFE = 100


def _rescale(real_t, fake_t):
    """Both sets multiplied by one power of two when their squared norms leave the float32-safe
    range; otherwise returned as they are (the numbers of ordinary inputs never change).

    All four statistics (and realism) depend only on comparisons of distances, which a common
    positive factor leaves unchanged; a power of two changes no rounding (the second tier's
    float64 and float32 roundings scale exactly), so the result is the reference's on features
    whose squared distances are representable. The reference itself overflows beyond that
    (its float32 route from squared distances of about ``3e38``, its float64 route from
    ``1e308``) and underflows at the other end, so there it is not followed.
    """
    with torch.no_grad():
        amax = 0.0
        for t in (real_t, fake_t):
            lo, hi = torch.aminmax(t)
            amax = max(amax, abs(float(lo)), abs(float(hi)))
        if amax == 0.0:
            return real_t, fake_t
        e = math.frexp(amax)[1]  # amax in [2**(e-1), 2**e)
        # amax**2 <= max squared row norm <= D * amax**2: most inputs are decided here
        lo2, hi2 = 2 * (e - 1), 2 * e + math.log2(real_t.shape[1])
        if -_LOG2_SAFE <= lo2 and hi2 <= _LOG2_SAFE - 2:
            return real_t, fake_t
        # max squared row norm, computed by chunks in a scaled space (float64 cannot overflow)
        msq = 0.0
        for t in (real_t, fake_t):
            step = max(1, (1 << 21) // t.shape[1])
            for i in range(0, t.shape[0], step):
                msq = max(msq, float((t[i : i + step].double() * 2.0**-e).square().sum(1).max()))
        log2_msq = 2 * e + math.log2(msq)
        if -_LOG2_SAFE <= log2_msq <= _LOG2_SAFE - 2:
            return real_t, fake_t
        # multiply in float64 (exact for a power of two), then back to the input dtype
        return tuple((t.double() * 2.0**-e).to(t.dtype) for t in (real_t, fake_t))


# ----------------------------------------------------------------------------------------
# public function


def prdc(real, fake, nearest_k=None, *, convention="prdc", device="auto", block_size=None, realism=False):
    """Precision, recall, density and coverage of ``fake`` against ``real`` features.

    Parameters
    ----------
    real : array_like or torch.Tensor, shape (n_real, D)
        Features of real samples.
    fake : array_like or torch.Tensor, shape (n_fake, D)
        Features of generated samples.
    nearest_k : int or list of int, optional
        Neighbourhood size ``k`` (``1 <= k < min(n_real, n_fake)``). A list computes all of
        them in one pass and returns a dict keyed by ``k``. Default: the convention's
        (5 for ``"prdc"``, 3 for ``"kynkaanniemi"``).
    convention : {"prdc", "kynkaanniemi"}, default "prdc"
        ``"prdc"``: identical to ``prdc.compute_prdc`` 0.2 (Euclidean distances with
        scikit-learn's rounding; float32 arithmetic when both inputs are float32, else float64;
        strict ``<``). ``"kynkaanniemi"``: squared distances in float32 (computed from
        mean-centered features), ``<=``; density and coverage follow the same rule.
    device : {"auto", "cpu", "cuda"} or torch.device, default "auto"
    block_size : int, optional
        Rows per block; memory is ``O(block_size * max(n_real, n_fake))``. Default: about
        ``2**22`` (CPU) or ``2**26`` (CUDA) entries per block.
    realism : bool, default False
        Also return the realism score of each fake sample,

        .. math:: \\mathrm{realism}(y) = \\max_{i:\\, R_i \\le \\operatorname{median}(R)}
                  \\frac{R_i}{\\lVert x_i - y \\rVert},

        with Euclidean radii ``R_i`` (reals whose radius exceeds the median are left out, as
        in Kynkaanniemi et al. 2019). Computed from the float32 tier (relative accuracy about
        ``D * 1e-7`` of the norms of the centered features over the distance).

    Returns
    -------
    dict
        ``{"precision", "recall", "density", "coverage"}`` as floats (and ``"realism"``, an
        ndarray of shape (n_fake,), when asked); with a list of ``k``, ``{k: that dict}``.

    Notes
    -----
    With radii :math:`R_i` (reals) and :math:`F_j` (fakes), each the distance to the k-th
    nearest other point of its own set,

    .. math::
        P = \\frac1{n_f}\\sum_j 1[\\exists i: d_{ij} < R_i],\\quad
        R = \\frac1{n_r}\\sum_i 1[\\exists j: d_{ij} < F_j],\\quad
        \\mathrm{Dens} = \\frac1{k n_f}\\sum_{i,j} 1[d_{ij} < R_i],\\quad
        \\mathrm{Cov} = \\frac1{n_r}\\sum_i 1[\\min_j d_{ij} < R_i].

    All four come from one pass over blocks of the real x fake distances; nothing of size
    ``n_real * n_fake`` is stored. The four numbers are invariant to a common positive scale
    of both sets: features whose squared norms fall outside ``[2**-100, 2**98]`` are first
    multiplied by one power of two (which changes no rounding), so huge or tiny features give
    the reference's numbers at a representable scale (the reference itself overflows or
    underflows there). NaN or infinite features are refused. See the module documentation for how exact agreement with
    the reference rounding is obtained.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(200, 8)).astype(np.float32)
    >>> out = prdc(x, x + 10.0, nearest_k=5, device="cpu")
    >>> out["precision"], out["coverage"]
    (0.0, 0.0)
    """
    if not isinstance(convention, str) or convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {sorted(CONVENTIONS)}, got {convention!r}")
    conv = CONVENTIONS[convention]
    dev = resolve_device(device)
    real_t = _as_tensor(real, "real")
    fake_t = _as_tensor(fake, "fake")
    if real_t.shape[1] != fake_t.shape[1]:
        raise ValueError(
            f"real and fake must have the same number of features, got {real_t.shape[1]} and {fake_t.shape[1]}"
        )
    if block_size is not None:
        if isinstance(block_size, bool) or not isinstance(block_size, numbers.Integral) or block_size < 1:
            raise ValueError(f"block_size must be a positive integer, got {block_size!r}")
        block_size = int(block_size)
    if not isinstance(realism, bool):
        raise TypeError(f"realism must be True or False, got {realism!r}")
    n_r, n_f = real_t.shape[0], fake_t.shape[0]
    single, ks, _ = _check_ks(nearest_k, conv, n_r, n_f)
    real_t, fake_t = _rescale(real_t, fake_t)
    with torch.no_grad():
        res = _compute(real_t, fake_t, ks, conv, dev, block_size, realism)
    return res[ks[0]] if single else res
