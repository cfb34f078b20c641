r"""Precision bounds of Issenhuth et al. (2023), Sections 3.1-3.3 and Appendix A.

Notation. The target has ``m`` modes with centres :math:`X_1, \dots, X_m`; a generator is
``L``-Lipschitz from :math:`(\mathbb{R}^d, \gamma)`, :math:`\gamma = N(0, I_d)`;

.. math::

    \varepsilon_{\min} = \min_{i \ne j} \|X_i - X_j\| / L, \qquad
    \varepsilon_{\max} = \max_{i \ne j} \|X_i - X_j\| / L .

The precision :math:`\alpha_G` is the share of generated samples lying on the target.
:math:`\partial^\varepsilon\mathcal{A}` is the :math:`\varepsilon`-boundary of a partition
(Definition 3.4): the points of each cell at distance :math:`< \varepsilon` from the union of
the other cells.

Two slips in the paper, documented where they matter:

* Lemma 3.5's proof (A.1) finds, for :math:`z` in the boundary region, a point :math:`z'` of
  another cell with :math:`\|z - z'\| < \varepsilon_{\min}/2`; that needs
  :math:`z \in \partial^{\varepsilon_{\min}/2}\mathcal{A}`. The statement with
  :math:`\varepsilon_{\min}` is false: :class:`gaussiso.OptimalGenerator` with
  ``rule="projection"`` and equidistant modes is :math:`D/(2\varepsilon)`-Lipschitz
  (:math:`\varepsilon_{\min} = 2\varepsilon`) and has precision
  :math:`1 - \gamma(\partial^\varepsilon\mathcal{A}^*) > 1 - \gamma(\partial^{2\varepsilon}
  \mathcal{A}^*)`. :func:`lemma_3_5` takes ``corrected=True`` for the proven version.
* Corollary 3.6's proof (A.2) uses both :math:`t \ge \sqrt{\log m}` and
  :math:`t \le \sqrt{\log m}` for :math:`t = \Phi^{-1}(1 - 1/m)`; see
  :func:`corollary_3_6_sharp` for what the argument does establish.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

from ._estimate import Estimate
from ._partition import check_partition
from ._validation import check_array, check_int, check_positive_float

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


def _check_weights(weights, m):
    w = check_array(weights, "weights", ndim=1)
    if w.shape != (m,):
        raise ValueError(f"weights must have shape ({m},) (one per mode), got {w.shape}")
    if np.any(w <= 0):
        raise ValueError(f"weights must be > 0, got min {w.min()}")
    if abs(w.sum() - 1.0) > 1e-9:
        raise ValueError(f"weights must sum to 1, got sum {w.sum()!r}")
    return w


def _pairwise(centers):
    X = check_array(centers, "centers", ndim=2)
    m = X.shape[0]
    if m < 2:
        raise ValueError(f"centers must hold at least 2 modes, got m = {m}")
    d = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))
    return d[~np.eye(m, dtype=bool)]


def eps_min(centers, lipschitz) -> float:
    r""":math:`\varepsilon_{\min} = \min_{i\ne j}\|X_i - X_j\|/L`.

    Parameters
    ----------
    centers : array_like, shape (m, D)
        Mode centres, ``m >= 2``, finite.
    lipschitz : float
        Lipschitz constant ``L > 0`` of the generator.

    Returns
    -------
    float
        ``0`` when two centres coincide.

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


def lemma_3_5(partition, eps_min, *, corrected=False, method="auto", n_samples=None, rtol=None,
              rng=None) -> Estimate:
    r"""Lemma 3.5: upper bound on the precision of any generator associated with a partition.

    .. math:: \alpha_G \le 1 - \gamma(\partial^{\varepsilon_{\min}} \mathcal{A}).

    Conditions: Assumption 3.1 (see :func:`gaussiso.modes.check_assumption_3_1`), ``G``
    ``L``-Lipschitz with :math:`\varepsilon_{\min} = \min_{i\ne j}\|X_i - X_j\|/L`, and ``G``
    associated with :math:`\mathcal{A}` (Definition 3.3: every point of cell ``i`` is mapped
    closest to mode ``i``). As stated, the lemma is false by a factor 2 (module docstring);
    the proof establishes it with :math:`\varepsilon_{\min}/2`, used when ``corrected=True``.

    Parameters
    ----------
    partition : VoronoiPartition
        The partition :math:`\mathcal{A}` of the latent space.
    eps_min : float
        :math:`\varepsilon_{\min} > 0` (see :func:`eps_min`).
    corrected : bool, default False
        Use :math:`\partial^{\varepsilon_{\min}/2}` (the version the proof supports).
    method, n_samples, rtol, rng
        Passed to :func:`gaussiso.eps_boundary_measure` (``"exact"`` for simplicial clusters).

    Returns
    -------
    Estimate
        :math:`1 - \gamma(\partial^{\varepsilon}\mathcal{A})`, with the standard error of the
        boundary measure.

    Examples
    --------
    >>> import gaussiso
    >>> from gaussiso.bounds import lemma_3_5
    >>> p = gaussiso.simplicial_cluster(2, 1)
    >>> round(float(lemma_3_5(p, 0.5, method="exact").value), 10)   # 2 - 2 Phi(0.5)
    0.6170750775
    """
    check_partition(partition)
    e = check_positive_float(eps_min, "eps_min")
    if corrected:
        e = e / 2.0
    from ._measure import eps_boundary_measure

    b = eps_boundary_measure(partition, e, method=method, n_samples=n_samples, rtol=rtol, rng=rng)
    return Estimate(1.0 - np.asarray(b.value, dtype=float)[()], b.stderr, b.n_samples, b.method)


def _check_m_eps(m, eps, name):
    m = check_int(m, "m", low=2)
    eps = check_positive_float(eps, name)
    return m, eps


def corollary_3_6(m, eps_min, weights=None) -> float:
    r"""Corollary 3.6: precision upper bound for well-balanced generators.

    .. math:: \alpha_G \le 1 - \varepsilon_{\min}\sqrt{\log m}\; e^{-3/2};

    with mode weights :math:`w_i > 0`, :math:`\sum_i w_i = 1` (Section 3.3, "modes of unequal
    measure"),

    .. math:: \alpha_G \le 1 - m\, \varepsilon_{\min}\, w_{\min}\sqrt{\log(1/w_{\min})}\; e^{-3/2}

    (equal weights :math:`w_i = 1/m` give the first form).

    Conditions: Assumption 3.1, :math:`m \le d + 1` (latent dimension ``d``), ``G``
    well balanced and ``L``-Lipschitz with :math:`L \ge D\sqrt{\log(1/w_{\min})}`, i.e.
    :math:`\varepsilon_{\min}\sqrt{\log(1/w_{\min})} \le 1` (the proof's last step; checked).
    The bound inherits Lemma 3.5's factor-2 slip; pass ``eps_min / 2`` for the version the
    proofs support.

    Parameters
    ----------
    m : int
        Number of modes, ``m >= 2``.
    eps_min : float
        :math:`\varepsilon_{\min} > 0`.
    weights : array_like, shape (m,), optional
        Mode weights, positive, summing to 1.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If :math:`\varepsilon_{\min}\sqrt{\log(1/w_{\min})} > 1`.

    Examples
    --------
    >>> import numpy as np
    >>> from gaussiso.bounds import corollary_3_6
    >>> bool(np.isclose(corollary_3_6(10, 0.1), 1 - 0.1 * np.sqrt(np.log(10)) * np.exp(-1.5)))
    True
    """
    m, e = _check_m_eps(m, eps_min, "eps_min")
    if weights is None:
        lw = np.log(m)
        scale = 1.0
    else:
        w = _check_weights(weights, m)
        wmin = float(w.min())
        lw = np.log(1.0 / wmin)
        scale = m * wmin
    if e * np.sqrt(lw) > 1.0 + 1e-12:
        raise ValueError(
            f"corollary_3_6 needs eps_min * sqrt(log(1/w_min)) <= 1 (L >= D sqrt(log(1/w_min))), "
            f"got eps_min = {e} and sqrt(log(1/w_min)) = {np.sqrt(lw):.6g}"
        )
    return float(1.0 - scale * e * np.sqrt(lw) * _E32)


def corollary_3_6_sharp(m, eps_min, weights=None, *, form="isoperimetric") -> float:
    r"""The sharper forms behind Corollary 3.6 (Appendix A.2).

    ``form="isoperimetric"`` (the first line of the proof, and the rigorous one): cell ``i``
    has measure :math:`w_i` (``1/m`` by default) and by the Gaussian isoperimetric inequality
    (Borell; Sudakov and Tsirel'son) the :math:`\varepsilon`-extension of its complement gains
    at least the mass a half-space of measure :math:`1 - w_i` gains, so

    .. math::

        \alpha_G \le 1 - \sum_{i=1}^m \big[\Phi(t_i + \varepsilon) - \Phi(t_i)\big],
        \qquad t_i = \Phi^{-1}(1 - w_i),

    with :math:`\varepsilon = \varepsilon_{\min}`; for equal weights,
    :math:`1 - m[\Phi(t + \varepsilon) - \Phi(t)]`, :math:`t = \Phi^{-1}(1 - 1/m)`.
    (The paper's weighted proof replaces every :math:`w_i` by :math:`w_{\min}`; we keep the
    per-cell terms, which is what the inequality gives.)

    ``form="proof"`` (the last line before the :math:`e^{-3/2}` step):

    .. math::

        \alpha_G \le 1 - m\,w_{\min}\,\varepsilon\sqrt{\log(1/w_{\min})}\;
        e^{-\varepsilon\sqrt{\log(1/w_{\min})} - \varepsilon^2/2},

    i.e. :math:`1 - \varepsilon\sqrt{\log m}\, e^{-\varepsilon\sqrt{\log m} - \varepsilon^2/2}`
    for equal weights. Its derivation from the isoperimetric form needs
    :math:`\varphi(t) \ge \sqrt{\log m}/m` (false for ``m = 2``, true for ``m >= 3``) and
    :math:`t \le \sqrt{\log m}` (true only for ``m <= 31``), with
    :math:`t = \Phi^{-1}(1 - 1/m)`; the paper states :math:`\sqrt{\log m} \le t`, which
    contradicts the second. Numerically (tests/gaussiso/test_bounds.py) the isoperimetric
    form lies below this one for every ``m >= 3`` checked, and below :func:`corollary_3_6`
    for every ``m >= 2``; this form exceeds :func:`corollary_3_6` for ``m = 2`` near
    :math:`\varepsilon\sqrt{\log 2} = 1` (where :math:`\varepsilon^2/2 > 1/2`).

    Conditions as in :func:`corollary_3_6` (Assumption 3.1, well balanced, ``m <= d + 1``);
    no condition on :math:`\varepsilon` for the isoperimetric form.

    Parameters
    ----------
    m : int
        ``m >= 2``.
    eps_min : float
        ``> 0``.
    weights : array_like, shape (m,), optional
        Positive, summing to 1.
    form : {"isoperimetric", "proof"}

    Returns
    -------
    float

    Examples
    --------
    >>> from scipy.stats import norm
    >>> from gaussiso.bounds import corollary_3_6_sharp
    >>> bool(abs(corollary_3_6_sharp(2, 0.3) - (2 - 2 * norm.cdf(0.3))) < 1e-14)
    True
    """
    m, e = _check_m_eps(m, eps_min, "eps_min")
    w = np.full(m, 1.0 / m) if weights is None else _check_weights(weights, m)
    if form == "isoperimetric":
        t = ndtri(1.0 - w)
        # Phi(t + e) - Phi(t) without cancellation in the upper tail: Phi(-t) - Phi(-t - e).
        gain = np.where(t >= 0, ndtr(-t) - ndtr(-t - e), ndtr(t + e) - ndtr(t))
        return float(1.0 - gain.sum())
    if form == "proof":
        wmin = float(w.min())
        s = np.sqrt(np.log(1.0 / wmin))
        return float(1.0 - m * wmin * e * s * np.exp(-e * s - e * e / 2.0))
    raise ValueError(f"form must be 'isoperimetric' or 'proof', got {form!r}")


def theorem_3_7(m, eps_max, C) -> float:
    r"""Theorem 3.7, eq. (7): precision lower bound of the optimal generator :math:`G^*`.

    .. math:: \alpha_{G^*} \ge 1 - \varepsilon_{\max}\sqrt{m \log(C m)} .

    Conditions: Assumption 3.1, **m <= d** (latent dimension ``d``; the theorem's first part
    allows ``m <= d + 1`` but (7) needs ``m <= d``), modes of equal measure, ``C`` "large
    enough" (from Schechtman 2012, Proposition 1; the paper gives no value), and
    :math:`L \ge D\sqrt m\sqrt{\pi\log(Cm)}`. Here we require ``C > 0`` and ``C m > 1`` so the
    logarithm is positive. The value may be negative (then the bound is void). Note that
    the proof's last lines give :math:`1 - 2\sqrt{\pi}\,\varepsilon_{\max}\sqrt{m\log(Cm)}`
    (with :math:`\varepsilon^* = 2\sqrt m\,\varepsilon_{\max}`), weaker than (7) by
    :math:`2\sqrt\pi`; this function returns (7) as stated.

    Parameters
    ----------
    m : int
        ``m >= 2``.
    eps_max : float
        :math:`\varepsilon_{\max} > 0`.
    C : float
        ``C > 0`` with ``C * m > 1``.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from gaussiso.bounds import theorem_3_7
    >>> bool(np.isclose(theorem_3_7(4, 0.01, 10.0), 1 - 0.01 * np.sqrt(4 * np.log(40))))
    True
    """
    m, e = _check_m_eps(m, eps_max, "eps_max")
    C = check_positive_float(C, "C")
    if C * m <= 1.0:
        raise ValueError(f"theorem_3_7 needs C * m > 1 (log(C m) > 0), got C = {C}, m = {m}")
    return float(1.0 - e * np.sqrt(m * np.log(C * m)))


def tanielian_2020(m, eps_min) -> float:
    r"""Tanielian et al. (2020, Theorem 3), as quoted in eq. (5): asymptotic upper bound.

    .. math::

        \alpha_G \le e^{-\varepsilon_{\min}^2/8}\; e^{-\varepsilon_{\min}\sqrt{\log(m)/2}}
        \qquad (m \to \infty).

    The bound is asymptotic in the number of modes ``m``; for small ``m`` it is only
    indicative (no finite-``m`` constant is given).

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
    m, e = _check_m_eps(m, eps_min, "eps_min")
    return float(np.exp(-e * e / 8.0) * np.exp(-e * np.sqrt(np.log(m) / 2.0)))
