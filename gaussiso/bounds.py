r"""Precision bounds of Issenhuth et al. (2023), Sections 3.1-3.3 and Appendix A, in the forms
that their proofs (repaired where needed) establish.

Notation. The target has ``m`` modes :math:`S_i`, closed balls (or spheres) of center
:math:`X_i` and radius :math:`r_i \ge 0`; :math:`D_{ij} = \|X_i - X_j\|`. A generator ``G`` is
``L``-Lipschitz from :math:`(\mathbb{R}^d, \gamma)`, :math:`\gamma = N(0, I_d)`;

.. math::

    \varepsilon_{\min} = \min_{i \ne j} D_{ij} / L, \qquad
    \varepsilon_{\max} = \max_{i \ne j} D_{ij} / L .

The precision :math:`\alpha_G = \gamma(G^{-1}(\cup_i S_i))` is the share of generated samples
on the target. :math:`\partial^\varepsilon\mathcal{A}` is the :math:`\varepsilon`-boundary of a
partition (Definition 3.4).

Every function here returns only a number that is proven under the conditions its docstring
states, and raises ``ValueError`` otherwise. What the paper prints and what holds
(derivations in ``docs/theory.md``):

* Lemma 3.5 as printed (band :math:`\varepsilon_{\min}`) is false; its proof gives the band
  :math:`\delta_L = \min_{i \ne j}(D_{ij}/2 - r_i)/L`, which is :math:`\varepsilon_{\min}/2` for
  point modes only (:func:`lemma_3_5`).
* Corollary 3.6: Gaussian isoperimetry applied to the preimages of the modes, which are
  :math:`2\delta_C`-separated with :math:`\delta_C = \min_{i\ne j}(D_{ij} - r_i - r_j)/(2L)`,
  gives :math:`\alpha_G \le m\,\Phi(\Phi^{-1}(1/m) - \delta_C)` for every well-balanced ``G``
  (:func:`corollary_3_6_sharp`). Equation (4) is returned (:func:`corollary_3_6`) at
  :math:`2\delta_C` in place of :math:`\varepsilon_{\min}`, and only after checking that it lies
  above that proven bound; with :math:`\varepsilon_{\min}` itself it is false for modes of
  positive radius.
* Theorem 3.7's (7): :func:`theorem_3_7` returns it only where an explicit ``L``-Lipschitz,
  well-balanced generator associated with the simplicial cluster (the projection rule of
  :class:`gaussiso.OptimalGenerator`) reaches it, checked by exact quadrature.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy.optimize import brentq
from scipy.special import ndtr, ndtri

from ._estimate import Estimate
from ._partition import check_partition
from ._validation import check_array, check_bool, check_choice, check_int, check_memory, check_positive_float

__all__ = [
    "lemma_3_5",
    "corollary_3_6",
    "corollary_3_6_sharp",
    "theorem_3_7",
    "tanielian_2020",
    "eps_min",
    "eps_max",
]

_E32 = np.exp(-1.5)
#: Slack for comparing a relaxed form with the proven bound it must dominate (rounding only).
_CERT_TOL = 1e-12


def _check_weights(weights, m):
    w = check_array(weights, "weights", ndim=1)
    if w.shape != (m,):
        raise ValueError(f"weights must have shape ({m},) (one per mode), got {w.shape}")
    if np.any(w <= 0):
        raise ValueError(f"weights must be > 0, got min {w.min()}")
    if abs(w.sum() - 1.0) > 1e-9:
        raise ValueError(f"weights must sum to 1, got sum {w.sum()!r}")
    return w


def _distance_matrix(centers):
    X = check_array(centers, "centers", ndim=2)
    m = X.shape[0]
    if m < 2:
        raise ValueError(f"centers must hold at least 2 modes, got m = {m}")
    return np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))


def _pairwise(centers):
    d = _distance_matrix(centers)
    return d[~np.eye(d.shape[0], dtype=bool)]


def _check_radii(radii, m):
    if isinstance(radii, numbers.Real) and not isinstance(radii, bool):
        return np.full(m, check_positive_float(radii, "radii", allow_zero=True))
    r = check_array(radii, "radii", ndim=1)
    if r.shape != (m,):
        raise ValueError(f"radii must be a scalar or have shape ({m},) (one per mode), got {r.shape}")
    if np.any(r < 0):
        raise ValueError(f"radii must be >= 0, got min {r.min()}")
    return r


def _geometry(m, eps_min, radii, centers, lipschitz):
    """Resolve (D matrix or None, D_min, L or None, radii) from what the caller gave.

    Returns ``(dist, d_min_over_L, L, r)``: ``dist`` the (m, m) center distances (None without
    ``centers``), ``d_min_over_L`` = eps_min, ``L`` (None when not needed and not given).
    """
    r = _check_radii(radii, m)
    L = None if lipschitz is None else check_positive_float(lipschitz, "lipschitz")
    e = None if eps_min is None else check_positive_float(eps_min, "eps_min")
    dist = None
    if centers is not None:
        dist = _distance_matrix(centers)
        if dist.shape[0] != m:
            raise ValueError(f"centers must hold m = {m} modes, got {dist.shape[0]}")
        d_min = float(dist[~np.eye(m, dtype=bool)].min())
        if d_min <= 0:
            raise ValueError("centers must be distinct (two coincide)")
        if L is None:
            if e is None:
                raise ValueError("with centers, give lipschitz (or eps_min, from which L = D_min / eps_min)")
            L = d_min / e
        if e is not None and abs(e - d_min / L) > 1e-9 * max(e, 1e-300):
            raise ValueError(f"eps_min = {e} disagrees with min distance / lipschitz = {d_min / L}")
        e = d_min / L
    if e is None:
        raise ValueError("give eps_min, or centers and lipschitz")
    if np.any(r > 0) and L is None:
        raise ValueError(
            "modes of positive radius need the Lipschitz constant: the bound depends on r / L, "
            "not on eps_min alone; pass lipschitz= (and centers= for per-pair distances)"
        )
    return dist, e, L, r


def _lemma_band(m, eps_min, radii, centers, lipschitz):
    r"""Half-band :math:`\delta_L = \min_{i \ne j} (D_{ij}/2 - r_i)/L` (proof of Lemma 3.5)."""
    dist, e, L, r = _geometry(m, eps_min, radii, centers, lipschitz)
    if not np.any(r > 0):
        return e / 2.0
    if dist is not None:
        off = ~np.eye(m, dtype=bool)
        delta = float(((dist / 2.0 - r[:, None])[off]).min() / L)
    else:  # D_ij >= D_min = eps_min L and r_i <= r_max
        delta = e / 2.0 - float(r.max()) / L
    if not delta > 0:
        raise ValueError(
            f"radii violate Assumption 3.1 (1), r_i < min_j D_ij / 2 (half-band "
            f"min (D_ij/2 - r_i)/L = {delta:.6g} <= 0): no band is forced off the data"
        )
    return delta


def _separation(m, eps_min, radii, centers, lipschitz):
    r"""Half-gap :math:`\delta_C = \min_{i \ne j} (D_{ij} - r_i - r_j)/(2L)` between mode preimages."""
    dist, e, L, r = _geometry(m, eps_min, radii, centers, lipschitz)
    if not np.any(r > 0):
        return e / 2.0
    if dist is not None:
        off = ~np.eye(m, dtype=bool)
        delta = float(((dist - r[:, None] - r[None, :])[off]).min() / (2.0 * L))
    else:  # D_ij >= D_min and r_i + r_j <= the two largest radii
        top2 = np.sort(r)[-2:].sum()
        delta = (e - float(top2) / L) / 2.0
    if not delta > 0:
        raise ValueError(
            f"radii make two modes touch or overlap (min (D_ij - r_i - r_j) / (2L) = {delta:.6g} "
            f"<= 0): the modes must be disjoint, r_i + r_j < D_ij"
        )
    return delta


def _iso_bound(delta, w):
    r"""Largest :math:`\alpha` with :math:`\sum_i \Phi(\Phi^{-1}(\alpha w_i) + \delta) \le 1`."""
    m = w.size
    if np.allclose(w, 1.0 / m, rtol=0, atol=1e-15):
        # m Phi(Phi^-1(1/m) - delta) = 1 - m [Phi(t + delta) - Phi(t)], t = Phi^-1(1 - 1/m),
        # written without cancellation in the upper tail.
        t = ndtri(1.0 - 1.0 / m)
        gain = ndtr(-t) - ndtr(-t - delta) if t >= 0 else ndtr(t + delta) - ndtr(t)
        # the exact value is >= 0; a rounding-negative result (delta -> inf) reads as 0
        return float(max(0.0, 1.0 - m * gain))

    def excess(a):
        return float(np.sum(ndtr(ndtri(a * w) + delta))) - 1.0

    root = brentq(excess, 1e-300, 1.0, xtol=1e-15, rtol=1e-15)
    return float(min(1.0, root + 1e-14))  # round up: the bound is the root's upper end


def eps_min(centers, lipschitz) -> float:
    r""":math:`\varepsilon_{\min} = \min_{i\ne j}\|X_i - X_j\|/L`.

    Parameters
    ----------
    centers : array_like, shape (m, D)
        Mode centers, ``m >= 2``, finite.
    lipschitz : float
        Lipschitz constant ``L > 0`` of the generator.

    Returns
    -------
    float
        ``0`` when two centers coincide.

    Examples
    --------
    >>> from gaussiso.bounds import eps_min
    >>> eps_min([[0.0, 0.0], [3.0, 0.0], [0.0, 4.0]], 2.0)
    1.5
    """
    L = check_positive_float(lipschitz, "lipschitz")
    return float(_pairwise(centers).min() / L)


def eps_max(centers, lipschitz) -> float:
    r""":math:`\varepsilon_{\max} = \max_{i\ne j}\|X_i - X_j\|/L`.

    Parameters
    ----------
    centers : array_like, shape (m, D)
    lipschitz : float
        ``L > 0``.

    Returns
    -------
    float

    Examples
    --------
    >>> from gaussiso.bounds import eps_max
    >>> eps_max([[0.0, 0.0], [3.0, 0.0], [0.0, 4.0]], 2.0)
    2.5
    """
    L = check_positive_float(lipschitz, "lipschitz")
    return float(_pairwise(centers).max() / L)


def lemma_3_5(
    partition,
    eps_min=None,
    *,
    radii=0.0,
    centers=None,
    lipschitz=None,
    corrected=True,
    method="auto",
    n_samples=None,
    rtol=None,
    rng=None,
) -> Estimate:
    r"""Lemma 3.5, as its proof establishes it: precision bound of a generator associated with a partition.

    .. math::

        \alpha_G \le 1 - \gamma(\partial^{\delta}\mathcal{A}), \qquad
        \delta = \min_{i \ne j} \frac{D_{ij}/2 - r_i}{L}
        \quad(= \varepsilon_{\min}/2 \text{ for point modes}).

    Proof: a point ``z`` of cell ``i`` at distance :math:`< \delta` from a point ``z'`` of cell
    ``j`` has :math:`\|G(z) - G(z')\| < L\delta \le D_{ij}/2 - r_i`; :math:`G(z')` is at least
    as close to :math:`X_j` as to :math:`X_i`, hence at distance :math:`\ge D_{ij}/2 - r_i` from
    the ball :math:`S_i`, so :math:`G(z) \notin S_i`; and :math:`G(z)` lies in no other mode, since
    :math:`G(z)` is closest to :math:`X_i` and each :math:`S_k` lies strictly inside the Voronoi
    cell of :math:`X_k`. The bound is attained (``tests/gaussiso/test_bounds.py``: the clipped
    ramp :math:`G(z) = (\mathrm{clip}(Lz_1, -(1-r), 1-r), 0)` on two discs).

    Conditions: ``G`` ``L``-Lipschitz and associated with :math:`\mathcal{A}` (Definition 3.3:
    every point of cell ``i`` is mapped closest to :math:`X_i`), modes are balls or spheres with
    :math:`r_i < D_{ij}/2` for all :math:`j \ne i` (Assumption 3.1 (1); refused otherwise).
    Neither condition (2) of Assumption 3.1 nor well-balancedness is needed.

    The statement as printed, with :math:`\partial^{\varepsilon_{\min}}`, is false (the
    projection-rule :class:`gaussiso.OptimalGenerator` exceeds it) and is refused
    (``corrected=False``); :func:`gaussiso.eps_boundary_measure` gives its value.

    Parameters
    ----------
    partition : VoronoiPartition
        The partition :math:`\mathcal{A}` associated with ``G``.
    eps_min : float, optional
        :math:`\varepsilon_{\min} = D_{\min}/L > 0` (see :func:`eps_min`). Enough for point modes.
    radii : float or array_like of shape (m,), default 0
        Mode radii :math:`r_i \ge 0`. When positive, ``lipschitz`` is required; with
        ``centers`` the per-pair half-band is used, without them the smaller
        :math:`\varepsilon_{\min}/2 - r_{\max}/L`.
    centers : array_like, shape (m, D), optional
        Mode centers (then ``eps_min`` is derived, or checked if also given).
    lipschitz : float, optional
        ``L > 0``.
    corrected : bool, default True
        ``False`` (the printed statement) raises ``ValueError``.
    method, n_samples, rtol, rng
        Passed to :func:`gaussiso.eps_boundary_measure` (``"exact"`` for simplicial clusters).

    Returns
    -------
    Estimate
        :math:`1 - \gamma(\partial^{\delta}\mathcal{A})`, with the standard error of the boundary
        measure.

    Raises
    ------
    ValueError
        ``corrected=False``; radii violating Assumption 3.1 (1); positive radii without
        ``lipschitz``; inconsistent ``eps_min`` and ``centers``/``lipschitz``.

    Examples
    --------
    >>> import gaussiso
    >>> from gaussiso.bounds import lemma_3_5
    >>> p = gaussiso.simplicial_cluster(2, 1)
    >>> round(float(lemma_3_5(p, 1.0, method="exact").value), 10)   # 2 - 2 Phi(1/2)
    0.6170750775
    >>> round(float(lemma_3_5(p, radii=0.5, centers=[[-1.0, 0.0], [1.0, 0.0]], lipschitz=10.0,
    ...                       method="exact").value), 5)              # 2 - 2 Phi(0.05)
    0.96012
    """
    check_partition(partition)
    if not check_bool(corrected, "corrected"):
        raise ValueError(
            "Lemma 3.5 as printed (band eps_min) is false: the projection-rule OptimalGenerator "
            "exceeds it. Use corrected=True (the band its proof supports), or "
            "gaussiso.eps_boundary_measure(partition, eps_min) for the printed value"
        )
    delta = _lemma_band(partition.m, eps_min, radii, centers, lipschitz)
    from ._measure import eps_boundary_measure

    b = eps_boundary_measure(partition, delta, method=method, n_samples=n_samples, rtol=rtol, rng=rng)
    return Estimate(1.0 - np.asarray(b.value, dtype=float)[()], b.stderr, b.n_samples, b.method)


def _check_m(m):
    m = check_int(m, "m", low=2)
    check_memory(4 * 8 * m, f"a bound for m = {m} modes (per-mode weight arrays)")
    return m


def corollary_3_6_sharp(
    m, eps_min=None, weights=None, *, form="isoperimetric", radii=0.0, centers=None, lipschitz=None
) -> float:
    r"""The proven upper bound behind Corollary 3.6, and the proof's intermediate form.

    ``form="isoperimetric"`` (proven). Let :math:`M_i = G^{-1}(S_i)`. Two points of
    :math:`M_i` and :math:`M_j` map into :math:`S_i` and :math:`S_j`, at least
    :math:`D_{ij} - r_i - r_j` apart, so :math:`d(M_i, M_j) \ge 2\delta` with

    .. math:: \delta = \min_{i \ne j} \frac{D_{ij} - r_i - r_j}{2L}
              \quad(= \varepsilon_{\min}/2 \text{ for point modes}),

    and the open :math:`\delta`-neighbourhoods :math:`M_i^\delta` are pairwise disjoint. A
    well-balanced ``G`` has :math:`\gamma(M_i) = \alpha_G w_i` (:math:`w_i = 1/m` for modes of
    equal mass), and by the Gaussian isoperimetric inequality (Borell; Sudakov and Tsirel'son)
    :math:`\gamma(M_i^\delta) \ge \Phi(\Phi^{-1}(\alpha_G w_i) + \delta)`. Summing,

    .. math:: \sum_i \Phi\big(\Phi^{-1}(\alpha_G w_i) + \delta\big) \le 1,

    and the function returns the largest :math:`\alpha` allowed: for equal weights, in closed
    form, :math:`m\,\Phi(\Phi^{-1}(1/m) - \delta) = 1 - m[\Phi(t + \delta) - \Phi(t)]`,
    :math:`t = \Phi^{-1}(1 - 1/m)`. No partition, no ``m <= d + 1`` and no condition (2) of
    Assumption 3.1 is used. For ``m = 2`` point modes the clipped ramp attains it.

    ``form="proof"``: the last line of Appendix A.2 before the :math:`e^{-3/2}` step,

    .. math::

        1 - m\,w_{\min}\,\varepsilon\sqrt{\log(1/w_{\min})}\;
        e^{-\varepsilon\sqrt{\log(1/w_{\min})} - \varepsilon^2/2}, \qquad \varepsilon = 2\delta,

    whose derivation needs :math:`\varphi(t) \ge \sqrt{\log m}/m` and :math:`t \le \sqrt{\log m}`
    (the latter false for ``m >= 32``). It is returned only when it is at least the proven
    isoperimetric value for this input (checked), otherwise ``ValueError``.

    Conditions: ``G`` ``L``-Lipschitz and well balanced, :math:`G_\sharp\gamma(S_i) =
    \alpha_G w_i`; modes disjoint, :math:`r_i + r_j < D_{ij}` (refused otherwise).

    Parameters
    ----------
    m : int
        ``m >= 2``.
    eps_min : float, optional
        :math:`\varepsilon_{\min} = D_{\min}/L > 0`; enough for point modes.
    weights : array_like, shape (m,), optional
        Mode weights, positive, summing to 1 (default equal).
    form : {"isoperimetric", "proof"}
    radii : float or array_like of shape (m,), default 0
        Mode radii; positive radii need ``lipschitz`` (and ``centers`` for per-pair gaps,
        otherwise the two largest radii and :math:`D_{\min}` are used).
    centers : array_like, shape (m, D), optional
    lipschitz : float, optional

    Returns
    -------
    float

    Examples
    --------
    >>> from scipy.stats import norm
    >>> from gaussiso.bounds import corollary_3_6_sharp
    >>> bool(abs(corollary_3_6_sharp(2, 0.6) - 2 * norm.cdf(-0.3)) < 1e-14)
    True
    >>> round(corollary_3_6_sharp(2, radii=0.9, centers=[[-1.0], [1.0]], lipschitz=10.0), 5)
    0.99202
    """
    m = _check_m(m)
    w = np.full(m, 1.0 / m) if weights is None else _check_weights(weights, m)
    form = check_choice(form, "form", ("isoperimetric", "proof"))
    delta = _separation(m, eps_min, radii, centers, lipschitz)
    iso = _iso_bound(delta, w)
    if form == "isoperimetric":
        return iso
    e = 2.0 * delta
    wmin = float(w.min())
    s = np.sqrt(np.log(1.0 / wmin))
    val = float(1.0 - m * wmin * e * s * np.exp(-e * s - e * e / 2.0))
    if val < iso - _CERT_TOL:
        raise ValueError(
            f"the proof's intermediate form of Corollary 3.6 ({val:.6g}) lies below the proven "
            f"isoperimetric bound ({iso:.6g}) here, so it is not established for m = {m}, "
            f"eps = {e:.6g}; use form='isoperimetric'"
        )
    return val


def corollary_3_6(m, eps_min=None, weights=None, *, radii=0.0, centers=None, lipschitz=None) -> float:
    r"""Corollary 3.6, eq. (4): precision upper bound for well-balanced generators.

    .. math:: \alpha_G \le 1 - \varepsilon\sqrt{\log m}\; e^{-3/2};

    with mode weights :math:`w_i > 0`, :math:`\sum_i w_i = 1` (Section 3.3),

    .. math:: \alpha_G \le 1 - m\, \varepsilon\, w_{\min}\sqrt{\log(1/w_{\min})}\; e^{-3/2},

    where :math:`\varepsilon = \min_{i\ne j}(D_{ij} - r_i - r_j)/L` (the gap between modes over
    ``L``), which is :math:`\varepsilon_{\min}` for point modes. With :math:`\varepsilon_{\min}`
    itself the bound is false for modes of positive radius (two discs of radius 0.9 at
    distance 2, ``L = 10``: precision 0.99202 against 0.96285).

    Proven here per input: the value is returned only when it is at least the proven bound
    :func:`corollary_3_6_sharp` (``form="isoperimetric"``) for the same input, which it relaxes
    (checked; the paper's chain of inequalities has gaps: it uses both
    :math:`t \ge \sqrt{\log m}`, false for ``m <= 31``, and :math:`t \le \sqrt{\log m}`, false for
    ``m >= 32``, :math:`t = \Phi^{-1}(1 - 1/m)`).

    Conditions: ``G`` ``L``-Lipschitz and well balanced (:math:`G_\sharp\gamma(S_i) = \alpha_G
    w_i`), modes disjoint (:math:`r_i + r_j < D_{ij}`), and the paper's
    :math:`\varepsilon\sqrt{\log(1/w_{\min})} \le 1`. No ``m <= d + 1`` is needed.

    Parameters
    ----------
    m : int
        Number of modes, ``m >= 2``.
    eps_min : float, optional
        :math:`\varepsilon_{\min} > 0`; enough for point modes.
    weights : array_like, shape (m,), optional
        Mode weights, positive, summing to 1.
    radii, centers, lipschitz
        As in :func:`corollary_3_6_sharp`.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If :math:`\varepsilon\sqrt{\log(1/w_{\min})} > 1`, if the value falls below the proven
        bound, or for invalid radii.

    Examples
    --------
    >>> import numpy as np
    >>> from gaussiso.bounds import corollary_3_6
    >>> bool(np.isclose(corollary_3_6(10, 0.1), 1 - 0.1 * np.sqrt(np.log(10)) * np.exp(-1.5)))
    True
    """
    m = _check_m(m)
    w = np.full(m, 1.0 / m) if weights is None else _check_weights(weights, m)
    delta = _separation(m, eps_min, radii, centers, lipschitz)
    e = 2.0 * delta
    wmin = float(w.min())
    lw = np.log(1.0 / wmin)
    scale = 1.0 if weights is None else m * wmin
    if e * np.sqrt(lw) > 1.0 + 1e-12:
        raise ValueError(
            f"corollary_3_6 needs eps * sqrt(log(1/w_min)) <= 1 (L >= D sqrt(log(1/w_min))), "
            f"got eps_min = {e} and sqrt(log(1/w_min)) = {np.sqrt(lw):.6g}"
        )
    val = float(1.0 - scale * e * np.sqrt(lw) * _E32)
    iso = _iso_bound(delta, w)
    if val < iso - _CERT_TOL:
        raise ValueError(
            f"eq. (4) ({val:.6g}) lies below the proven isoperimetric bound ({iso:.6g}) for m = {m}, "
            f"eps = {e:.6g}: it is not established here; use corollary_3_6_sharp"
        )
    return val


def _simplicial_boundary(m, eps):
    """gamma(eps-boundary of the simplicial m-cluster), exact quadrature, and its stderr."""
    from ._measure import eps_boundary_measure
    from ._partition import simplicial_cluster

    b = eps_boundary_measure(simplicial_cluster(m, m - 1), eps, method="exact")
    return float(b.value), float(b.stderr)


def theorem_3_7(m, eps_max, C=1.0, *, radii=0.0, centers=None) -> float:
    r"""Theorem 3.7, eq. (7): lower bound on the best precision of an optimal generator.

    .. math:: \alpha_{G^*} \ge 1 - \varepsilon_{\max} \sqrt{m \log(C m)} .

    Which ``C``. The paper gives none ("C large enough", from Schechtman 2012, Proposition 1,
    whose step as printed, :math:`\gamma(A_i^{\varepsilon}) \le \varepsilon\sqrt{\pi\log(Cm)}/m`,
    is vacuous since :math:`\gamma(A_i^\varepsilon) \ge 1/m`; it should concern
    :math:`A_i^\varepsilon \setminus A_i`). The default ``C = 1`` is the value the analysis
    reports use; any ``C > 1/m`` may be passed, and the value is returned only where it is
    *proven*: the projection-rule generator :class:`gaussiso.OptimalGenerator` with
    :math:`\varepsilon = \varepsilon_{\max}/2` is ``L``-Lipschitz for equidistant point modes at
    distance :math:`D = L\varepsilon_{\max}`, well balanced, associated with the simplicial cluster,
    and its precision is exactly :math:`1 - \gamma(\partial^{\varepsilon_{\max}/2}\mathcal{A}^*)`;
    the function computes that by quadrature and raises ``ValueError`` when (7) exceeds it. The
    paper's own witness :math:`G^*_{\varepsilon^*}` (eq. (8), :math:`\varepsilon^* =
    2\sqrt m\,\varepsilon_{\max}`) does not satisfy (7) with ``C = 1`` (``m = 4``,
    :math:`\varepsilon_{\max} = 0.01`: 0.943 against 0.976), and its claimed Lipschitz constant
    fails for ``m > 64``; it is not the witness used here.

    Conditions: equidistant point modes (``radii`` must be 0: no proven form for positive radii;
    ``centers``, if given, must be equidistant), ``m <= d + 1`` (the paper states (7) for
    ``m <= d``), ``C > 0`` with ``C m > 1``.

    Parameters
    ----------
    m : int
        ``m >= 2``.
    eps_max : float
        :math:`\varepsilon_{\max} = D/L > 0`.
    C : float, default 1.0
        ``C > 0`` with ``C * m > 1``.
    radii : float or array_like, default 0
        Must be 0.
    centers : array_like, shape (m, D), optional
        If given, checked to be equidistant.

    Returns
    -------
    float
        (7); it may be negative (a void bound).

    Examples
    --------
    >>> import numpy as np
    >>> from gaussiso.bounds import theorem_3_7
    >>> bool(np.isclose(theorem_3_7(4, 0.01, 10.0), 1 - 0.01 * np.sqrt(4 * np.log(40))))
    True
    """
    m = _check_m(m)
    e = check_positive_float(eps_max, "eps_max")
    C = check_positive_float(C, "C")
    if C * m <= 1.0:
        raise ValueError(f"theorem_3_7 needs C * m > 1 (log(C m) > 0), got C = {C}, m = {m}")
    if np.any(_check_radii(radii, m) > 0):
        raise ValueError("theorem_3_7 has no proven form for modes of positive radius; radii must be 0")
    if centers is not None:
        dist = _distance_matrix(centers)
        if dist.shape[0] != m:
            raise ValueError(f"centers must hold m = {m} modes, got {dist.shape[0]}")
        off = dist[~np.eye(m, dtype=bool)]
        if off.max() - off.min() > 1e-9 * off.max():
            raise ValueError(
                f"theorem_3_7 is certified for equidistant modes only; center distances range over "
                f"[{off.min():.6g}, {off.max():.6g}]"
            )
    val = float(1.0 - e * np.sqrt(m * np.log(C * m)))
    boundary, err = _simplicial_boundary(m, e / 2.0)
    reached = 1.0 - boundary
    if val > reached - 10.0 * err - _CERT_TOL:
        raise ValueError(
            f"eq. (7) with C = {C} ({val:.6g}) is not established for m = {m}, eps_max = {e}: "
            f"the L-Lipschitz projection generator reaches precision {reached:.6g} only; "
            f"pass a smaller C or use 1 - gamma(boundary at eps_max/2) directly"
        )
    return val


def tanielian_2020(m, eps_min) -> float:
    r"""Tanielian et al. (2020, Theorem 3), as quoted in eq. (5): asymptotic upper bound.

    .. math::

        \alpha_G \le e^{-\varepsilon_{\min}^2/8}\; e^{-\varepsilon_{\min}\sqrt{\log(m)/2}}
        \qquad (m \to \infty).

    Not a proven bound at any finite ``m``: the statement is asymptotic in the number of modes
    and gives no finite-``m`` constant, so the value is an indicative curve only (the reports
    label it so) and is never compared with a precision as a test of the theory.

    Parameters
    ----------
    m : int
        ``m >= 2``.
    eps_min : float
        ``> 0``.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from gaussiso.bounds import tanielian_2020
    >>> bool(np.isclose(tanielian_2020(100, 0.2), np.exp(-0.005 - 0.2 * np.sqrt(np.log(100) / 2))))
    True
    """
    m = _check_m(m)
    e = check_positive_float(eps_min, "eps_min")
    return float(np.exp(-e * e / 8.0) * np.exp(-e * np.sqrt(np.log(m) / 2.0)))
