"""The paper's precision bounds evaluated for a run: :func:`bounds_at_eps` and :func:`boundary_measure`.

Kept apart from :mod:`gan.analysis.report` (which computes a run's analysis) so that each stays
one job: here, which bound of :mod:`gaussiso.bounds` applies to a run's modes, Lipschitz
constant and radii, and its value (``None`` with a note where a statement's hypotheses fail).
"""

from __future__ import annotations

import math

import numpy as np

from gan._checks import check_int, check_positive_float

from .results import BoundaryMeasure, BoundsAtEps

__all__ = ["bounds_at_eps", "boundary_measure"]


def boundary_measure(m: int, d: int, eps: float) -> BoundaryMeasure | None:
    """gamma(eps-boundary of the simplicial m-cluster of R^d); ``None`` when it does not apply.

    ``None`` when ``m < 2``, ``m > d + 1`` (no simplicial cluster) or ``eps`` is infinite;
    a NaN, zero or negative ``eps``, or non-integer ``m``, ``d``, is refused (ValueError/TypeError). The method is :func:`gaussiso.eps_boundary_measure`'s ``"auto"``.

    Parameters
    ----------
    m : int
        Number of cells, ``m >= 1``.
    d : int
        Latent dimension, ``d >= 1``.
    eps : float
        Width of the boundary, ``> 0`` (``inf`` gives ``None``).

    Returns
    -------
    BoundaryMeasure or None
        The measure with its standard error and ``precision = 1 - value``.

    Examples
    --------
    >>> b = boundary_measure(3, 2, 0.1)  # three 120-degree sectors of the plane
    >>> round(b.precision, 4), b.method
    (0.8833, 'quadrature')
    >>> boundary_measure(5, 2, 0.1) is None  # no simplicial 5-cluster in the plane
    True
    """
    m = check_int(m, "m", low=1)
    d = check_int(d, "d", low=1)
    eps = check_positive_float(eps, "eps", allow_inf=True)
    if m < 2 or m > d + 1 or not math.isfinite(eps):
        return None
    import gaussiso

    est = gaussiso.eps_boundary_measure(gaussiso.simplicial_cluster(m, d), float(eps), method="auto")
    return BoundaryMeasure(
        eps=float(eps),
        value=float(est.value),
        stderr=float(est.stderr),
        method=est.method,
        precision=1.0 - float(est.value),
    )


#: The constant C of Theorem 3.7 is not explicit in the paper ("C large enough"); the report
#: evaluates the bound 1 - eps_max sqrt(m log(C m)) at C = 1 and says so.
_THEOREM_3_7_C = 1.0


def bounds_at_eps(
    m: int,
    d: int,
    d_min: float,
    d_max: float,
    lipschitz: float,
    *,
    radius: float | None = None,
    centers=None,
    weights=None,
) -> BoundsAtEps:
    """The bounds of Corollary 3.6, Theorem 3.7 and Lemma 3.5 at the widths matched to ``lipschitz``.

    ``eps_min = d_min / lipschitz`` and ``eps_max = d_max / lipschitz``; a bound outside its
    statement's hypotheses is ``None`` with a note saying why. See :class:`BoundsAtEps`.

    The point-mode fields (``corollary_3_6``, ``theorem_3_7``, ``matched``, ``matched_half``)
    treat the modes as points. A precision that counts samples within a radius ``r`` of the
    modes must be compared with the radius-aware bounds instead, computed when ``centers``
    (shape ``(m, D)``) are given, with ``radius`` (default 0) and optional ``weights`` (the
    generator's share of each mode; zero shares drop the mode): ``corollary_3_6_sharp``
    (proven), ``corollary_3_6_radii`` (eq. (4)) and ``lemma_3_5_radii``. Whether a comparison
    tests the theory depends on ``lipschitz``: only a certified upper bound of the
    generator's constant makes it one.

    Parameters
    ----------
    m : int
        Number of modes, ``m >= 1``.
    d : int
        Latent dimension, ``d >= 1``.
    d_min, d_max : float
        Smallest and largest distance between two modes, ``0 < d_min <= d_max``.
    lipschitz : float
        Lipschitz constant ``L > 0`` of the generator.
    radius : float, optional
        Radius ``r >= 0`` of every mode for the radius-aware bounds (default 0).
    centers : array_like, shape (m, D), optional
        The modes' centers; when given, the radius-aware bounds are computed.
    weights : array_like, shape (m,), optional
        The generator's share of each mode (zero shares drop the mode).

    Returns
    -------
    BoundsAtEps
        The widths and the bounds at them.

    Examples
    --------
    >>> b = bounds_at_eps(3, 2, d_min=1.0, d_max=1.0, lipschitz=5.0)
    >>> b.eps_min, round(b.corollary_3_6, 4), round(b.matched_half.precision, 4)
    (0.2, 0.9532, 0.8833)
    >>> X = [[0.0, 0.0], [1.0, 0.0], [0.5, 3 ** 0.5 / 2]]            # D = 1, discs of radius 0.1
    >>> r = bounds_at_eps(3, 2, 1.0, 1.0, 5.0, radius=0.1, centers=X)
    >>> round(r.corollary_3_6_sharp, 4), round(r.lemma_3_5_radii.eps, 4)  # gap (D - 2r)/(2L), band (D/2 - r)/L
    (0.9143, 0.08)
    """
    from gaussiso import bounds

    m = check_int(m, "m", low=1)
    d = check_int(d, "d", low=1)
    d_min = check_positive_float(d_min, "d_min")
    d_max = check_positive_float(d_max, "d_max")
    lipschitz = check_positive_float(lipschitz, "lipschitz")
    if d_min > d_max:
        raise ValueError(f"d_min must be <= d_max, got d_min={d_min} and d_max={d_max}")
    if d_min / lipschitz == 0.0:
        raise ValueError(f"d_min / lipschitz underflows to 0 (d_min={d_min}, lipschitz={lipschitz})")
    eps_min, eps_max = d_min / lipschitz, d_max / lipschitz
    vals = {}
    for key, fn, arg in (
        ("corollary_3_6", lambda e: bounds.corollary_3_6(m, e), eps_min),
        ("theorem_3_7", lambda e: bounds.theorem_3_7(m, e, _THEOREM_3_7_C), eps_max),
    ):
        try:
            vals[key], vals[key + "_note"] = float(fn(arg)), None
        except ValueError as exc:  # outside the statement's hypotheses (e.g. L below D sqrt(log m))
            vals[key], vals[key + "_note"] = None, str(exc)
    matched = boundary_measure(m, d, eps_min)
    # Lemma 3.5's proof supports eps_min / 2 only (see gaussiso.bounds): the bound
    # 1 - gamma(eps_min/2-boundary of A*) is the one a generator cannot beat
    half = None if matched is None else boundary_measure(m, d, 0.5 * eps_min)
    if centers is not None:
        vals.update(_radius_bounds(m, d, float(lipschitz), 0.0 if radius is None else float(radius), centers, weights))
    # (7) is stated for m <= d; Corollary 3.6 for m <= d + 1
    return BoundsAtEps(
        m=int(m),
        d=int(d),
        d_min=float(d_min),
        d_max=float(d_max),
        lipschitz=float(lipschitz),
        eps_min=eps_min,
        eps_max=eps_max,
        theorem_3_7_C=_THEOREM_3_7_C,
        corollary_3_6_applies=bool(m <= d + 1),
        theorem_3_7_applies=bool(m <= d),
        matched=matched,
        matched_half=half,
        **vals,
    )


def _radius_bounds(m: int, d: int, L: float, r: float, centers, weights) -> dict:
    """The radius-aware fields of :class:`BoundsAtEps` (modes = balls of radius ``r``)."""
    from gaussiso import bounds

    c = np.asarray(centers, dtype=np.float64)
    out = {"radius": r, "weights": None}
    keep = np.ones(c.shape[0], dtype=bool)
    w = None
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64)
        keep = np.isfinite(w) & (w > 0)
    if keep.sum() < 2:
        note = f"the generator reaches {int(keep.sum())} mode(s): no separation bound applies"
        return {
            **out,
            "corollary_3_6_sharp_note": note,
            "corollary_3_6_radii_note": note,
            **_lemma_radii(m, d, L, r, c),
        }
    if w is not None:  # the proof holds for any shares gamma(G^-1(S_i)) = alpha w_i; an empty mode plays no part
        w = w[keep] / w[keep].sum()
        out["weights"] = w
    k, ck = int(keep.sum()), c[keep]
    for key, fn in (("corollary_3_6_sharp", bounds.corollary_3_6_sharp), ("corollary_3_6_radii", bounds.corollary_3_6)):
        try:
            out[key], out[key + "_note"] = float(fn(k, weights=w, radii=r, centers=ck, lipschitz=L)), None
        except ValueError as exc:  # radii overlapping, or eq. (4) outside its range / below the proven bound
            out[key], out[key + "_note"] = None, str(exc)
    return {**out, **_lemma_radii(m, d, L, r, c)}


def _lemma_radii(m: int, d: int, L: float, r: float, c: np.ndarray) -> dict:
    """Lemma 3.5's radius-aware band for the simplicial cluster (all modes)."""
    if m > d + 1:
        return {"lemma_3_5_radii": None, "lemma_3_5_radii_note": f"no simplicial {m}-cluster in R^{d} (m > d + 1)"}
    dist = np.sqrt(((c[:, None, :] - c[None, :, :]) ** 2).sum(-1))
    band = float((dist[~np.eye(m, dtype=bool)].min() / 2.0 - r) / L)
    if not band > 0:
        return {
            "lemma_3_5_radii": None,
            "lemma_3_5_radii_note": f"radius {r} violates Assumption 3.1 (1): band (D_min/2 - r)/L = {band:.6g}",
        }
    return {"lemma_3_5_radii": boundary_measure(m, d, band), "lemma_3_5_radii_note": None}
