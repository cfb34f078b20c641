"""Typed results of the latent-geometry analysis (frozen dataclasses with strict JSON).

Each result says what it is and how it was obtained; the run report :class:`RunAnalysis`
nests them instead of repeating keys flat and nested. ``to_dict`` gives plain Python (arrays
as lists, non-finite floats as ``None``), ``to_json`` strict JSON (no bare ``NaN``), and
``from_dict`` / ``from_json`` read it back (arrays come back as ndarrays; a number stored as
``None`` because it was not finite comes back as ``None``).

=========================  ===================================================================
:class:`Share`             a binomial proportion with standard error and 95% Wilson interval
:class:`PartitionStats`    cell masses (with Wilson intervals), off-support mass, balance
:class:`LipschitzEstimate` the empirical Lipschitz constant and how it was obtained
:class:`BoundaryMeasure`   exact gamma(eps-boundary of the simplicial cluster) at one eps
:class:`BoundsAtEps`       the paper's bounds at the eps matched to a Lipschitz constant
:class:`ProbeSummary`      a LogReg or Convex accuracy, or why it is undefined
:class:`SimplicialSummary` agreement and angles of the fitted simplicial cluster
:class:`ValueSummary`      mean, median and quantiles of a per-latent quantity
:class:`JacobianSummary`   ``ValueSummary`` of the Jacobian statistics
:class:`GeodesicSummary`   a geodesic between two class directions against the segment
:class:`RunAnalysis`       the whole analysis of a run (``analysis.json``)
=========================  ===================================================================
"""

from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "to_plain",
    "Share",
    "PartitionStats",
    "LipschitzEstimate",
    "BoundaryMeasure",
    "BoundsAtEps",
    "ProbeSummary",
    "SimplicialSummary",
    "ValueSummary",
    "JacobianSummary",
    "GeodesicSummary",
    "RunAnalysis",
]


def to_plain(x):
    """JSON-ready Python: dataclasses -> dicts, arrays -> lists, non-finite floats -> None."""
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return {f.name: to_plain(getattr(x, f.name)) for f in dataclasses.fields(x)}
    if isinstance(x, dict):
        return {str(k): to_plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [to_plain(v) for v in x]
    if isinstance(x, np.ndarray):
        return to_plain(x.tolist())
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        v = float(x)
        return v if math.isfinite(v) else None
    if hasattr(x, "detach"):  # a torch tensor, without importing torch here
        return to_plain(x.detach().cpu().numpy())
    return x


def _strip_optional(tp):
    """``Optional[X]`` / ``X | None`` -> ``X``."""
    origin = typing.get_origin(tp)
    if origin is typing.Union or (hasattr(types, "UnionType") and isinstance(tp, types.UnionType)):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return args[0] if len(args) == 1 else tp
    return tp


def _revive(tp, v):
    if v is None:
        return None
    tp = _strip_optional(tp)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return tp.from_dict(v)
    if tp is np.ndarray:
        return np.asarray(v)
    if typing.get_origin(tp) is tuple or tp is tuple:
        return tuple(v)
    return v


class _JSONResult:
    """``to_dict`` / ``to_json`` / ``from_dict`` / ``from_json`` for the dataclasses below."""

    def to_dict(self) -> dict:
        """Plain Python: nested dicts, arrays as lists, non-finite floats as ``None``."""
        return to_plain(self)

    def to_json(self, indent: int | None = 2) -> str:
        """Strict JSON (``allow_nan=False``: a non-finite number is written ``null``)."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    @classmethod
    def from_dict(cls, data: dict):
        """Build from :meth:`to_dict`'s output (unknown keys are an error)."""
        hints = typing.get_type_hints(cls)
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown key(s) for {cls.__name__}: {sorted(unknown)}")
        return cls(**{k: _revive(hints[k], v) for k, v in data.items()})

    @classmethod
    def from_json(cls, text: str):
        """Inverse of :meth:`to_json`."""
        return cls.from_dict(json.loads(text))


@dataclass(frozen=True)
class Share(_JSONResult):
    """A binomial proportion ``k / n`` with its standard error and 95% Wilson interval.

    Attributes
    ----------
    value : float
        The proportion :math:`p = k / n`.
    stderr : float
        Binomial standard error :math:`\\sqrt{p(1-p)/n}`.
    ci : tuple of float
        ``(low, high)``, the 95% Wilson score interval.
    n : int
        Number of trials.
    """

    value: float
    stderr: float
    ci: tuple
    n: int


@dataclass(frozen=True)
class PartitionStats(_JSONResult):
    """Masses of the latent cells of ``n`` i.i.d. labelled latents (labels ``-1`` = outside).

    Attributes
    ----------
    n : int
    cell_mass, cell_mass_stderr : ndarray, shape (m,)
        Share of all latents in each cell and its binomial standard error.
    cell_mass_ci : ndarray, shape (m, 2)
        95% Wilson interval of each cell mass.
    outside_mass, outside_mass_stderr : float
        Share of latents labelled ``-1`` (off the support) and its standard error.
    proportions : ndarray, shape (m,)
        Share of each class among on-support latents (NaN when none is on the support).
    min_proportion, max_proportion : float
    variance_to_mean : float
        Variance over mean of the proportions in percent (the paper's balance statistic, 0
        for a perfectly balanced generator; NaN when no latent is on the support).
    n_empty_cells : int
    """

    n: int
    cell_mass: np.ndarray
    cell_mass_stderr: np.ndarray
    cell_mass_ci: np.ndarray
    outside_mass: float
    outside_mass_stderr: float
    proportions: np.ndarray
    min_proportion: float | None
    max_proportion: float | None
    variance_to_mean: float | None
    n_empty_cells: int

    @property
    def m(self) -> int:
        return int(np.size(self.cell_mass))


@dataclass(frozen=True)
class LipschitzEstimate(_JSONResult):
    """The empirical Lipschitz constant of a generator around given latents, and how it was obtained.

    Both empirical numbers are maxima over finitely many points, hence lower bounds of the
    true constant :math:`L`.

    Attributes
    ----------
    estimate : float
        ``max(pairs, gradient)``: the number used as ``L_est``.
    pairs, pairs_quantile : float
        Largest (and ``quantile``-th) finite-difference ratio
        :math:`\\|G(z + \\delta u) - G(z)\\| / \\delta` over random unit directions ``u``.
    gradient, gradient_quantile : float
        Largest (and ``quantile``-th) Jacobian spectral norm :math:`\\|J(z)\\|_2`.
    n : int
        Number of latents.
    delta : float
        Pair distance.
    quantile : float
        The quantile reported beside the maxima.
    method : str
        How ``estimate`` was obtained, in words.
    lipschitz_upper_bound : float or None
        A certified upper bound of :math:`L` (:func:`gan.analysis.lipschitz_upper_bound`: the
        product of exact per-layer operator norms, or the proven constant of
        :math:`G^*_\\varepsilon`); ``None`` when none is known.
    lipschitz_upper_bound_note : str or None
        How the upper bound was obtained, or why there is none (e.g. the CIFAR ResNet, whose
        self-modulated batch norm no product of layer norms bounds).
    """

    estimate: float
    pairs: float
    pairs_quantile: float
    gradient: float
    gradient_quantile: float
    n: int
    delta: float
    quantile: float
    method: str = "max of finite-difference ratios and Jacobian spectral norms (a lower bound of L)"
    lipschitz_upper_bound: float | None = None
    lipschitz_upper_bound_note: str | None = None


@dataclass(frozen=True)
class BoundaryMeasure(_JSONResult):
    """Gaussian measure of the ``eps``-boundary of the simplicial ``m``-cluster of ``R^d``.

    Attributes
    ----------
    eps : float
        The width :math:`\\varepsilon > 0` of the boundary band.
    value : float
        :math:`\\gamma(\\partial^\\varepsilon \\mathcal{A}^*)`, the Gaussian measure of the band.
    stderr : float
        Standard error of ``value`` (0 when computed exactly).
    method : str
        How ``value`` was computed, as :func:`gaussiso.eps_boundary_measure` reports it
        (e.g. ``"quadrature"``).
    precision : float
        ``1 - value``: the precision of the optimal generator :math:`G^*_\\varepsilon`.
    """

    eps: float
    value: float
    stderr: float
    method: str
    precision: float


@dataclass(frozen=True)
class BoundsAtEps(_JSONResult):
    """The paper's bounds for ``m`` modes at the widths matched to a Lipschitz constant.

    Attributes
    ----------
    m, d : int
        Number of modes and latent dimension.
    d_min, d_max : float
        Smallest and largest distance between two modes.
    lipschitz : float
        The Lipschitz constant ``L`` the widths are matched to.
    eps_min, eps_max : float
        ``d_min / L`` (Lemma 3.5's :math:`\\varepsilon_{\\min}`) and ``d_max / L``.
    corollary_3_6, corollary_3_6_note
        Upper bound of eq. (4) at ``eps_min``, or ``None`` and why (outside its hypotheses).
    theorem_3_7, theorem_3_7_note
        Eq. (7) at ``eps_max`` with ``C = theorem_3_7_C``, or ``None`` and why.
    theorem_3_7_C : float
        The constant ``C`` used (not explicit in the paper).
    eps_rule : str
        How ``eps_min`` and ``eps_max`` were obtained from the distances and ``lipschitz``.
    corollary_3_6_applies, theorem_3_7_applies : bool
        ``m <= d + 1`` and ``m <= d``, the dimension conditions of the statements.
    matched : BoundaryMeasure or None
        :math:`\\gamma(\\partial^{\\varepsilon_{\\min}} \\mathcal{A}^*)`; its ``precision`` is
        Lemma 3.5's bound at the optimum as stated (``None`` when ``m > d + 1``).
    matched_half : BoundaryMeasure or None
        The same at ``eps_min / 2``, the band Lemma 3.5's proof supports for point modes (see
        :mod:`gaussiso.bounds`): a proven bound for generators *associated with*
        :math:`\\mathcal{A}^*`, attained by the projection-rule :math:`G^*_\\varepsilon`. It is
        no bound for a generator associated with another partition: whether :math:`\\mathcal{A}^*`
        has the least :math:`\\varepsilon`-boundary measure at finite :math:`\\varepsilon` is
        open for ``m >= 3``.
    radius : float or None
        The modes' radius ``r`` (the support radius within which a sample counts as on a mode)
        used by the radius-aware bounds below; ``None`` when they were not computed.
    weights : ndarray, shape (k,), or None
        The mode shares used by the radius-aware Corollary 3.6 bounds (the generator's measured
        share of each mode among on-support samples; modes it never reaches are left out), or
        ``None`` for equal weights.
    corollary_3_6_sharp, corollary_3_6_sharp_note
        The proven bound :func:`gaussiso.bounds.corollary_3_6_sharp` with ``radii=radius``,
        the mode centers and ``lipschitz``: the largest :math:`\\alpha` with
        :math:`\\sum_i \\Phi(\\Phi^{-1}(\\alpha w_i) + \\delta_C) \\le 1`,
        :math:`\\delta_C = \\min_{i \\ne j}(D_{ij} - 2r)/(2L)`. With ``w`` the measured shares its
        proof needs only that ``G`` is ``L``-Lipschitz; ``None`` and why when refused.
        **This is the bound whose violation would contradict the theory, when ``lipschitz`` is a
        certified upper bound of the generator's constant.**
    corollary_3_6_radii, corollary_3_6_radii_note
        Eq. (4) (:func:`gaussiso.bounds.corollary_3_6`) with the same radii, centers, weights and
        ``lipschitz``, returned only where it relaxes the proven bound; else ``None`` and why.
    lemma_3_5_radii : BoundaryMeasure or None
        :math:`\\gamma(\\partial^{\\delta_L}\\mathcal{A}^*)` at Lemma 3.5's radius-aware band
        :math:`\\delta_L = \\min_{i \\ne j}(D_{ij}/2 - r)/L` (:func:`gaussiso.bounds.lemma_3_5`
        with ``radii``): its ``precision`` bounds generators associated with
        :math:`\\mathcal{A}^*` (not other partitions, see ``matched_half``).
    lemma_3_5_radii_note : str or None
        Why ``lemma_3_5_radii`` is ``None`` (``m > d + 1``, or radii violating Assumption 3.1).
    """

    m: int
    d: int
    d_min: float
    d_max: float
    lipschitz: float
    eps_min: float
    eps_max: float
    corollary_3_6: float | None
    corollary_3_6_note: str | None
    theorem_3_7: float | None
    theorem_3_7_note: str | None
    theorem_3_7_C: float
    corollary_3_6_applies: bool
    theorem_3_7_applies: bool
    matched: BoundaryMeasure | None = None
    matched_half: BoundaryMeasure | None = None
    eps_rule: str = "eps_min = d_min / L (Lemma 3.5's eps_min), eps_max = d_max / L"
    radius: float | None = None
    weights: np.ndarray | None = None
    corollary_3_6_sharp: float | None = None
    corollary_3_6_sharp_note: str | None = None
    corollary_3_6_radii: float | None = None
    corollary_3_6_radii_note: str | None = None
    lemma_3_5_radii: BoundaryMeasure | None = None
    lemma_3_5_radii_note: str | None = None


@dataclass(frozen=True)
class ProbeSummary(_JSONResult):
    """A probe accuracy (LogReg or Convex) with its uncertainty, or ``None`` values and a ``note``.

    Attributes
    ----------
    accuracy : float or None
        Share of correct test latents (LogReg) or convex segments (Convex); ``None`` when
        the probe is undefined.
    stderr : float or None
        Binomial standard error :math:`\\sqrt{a(1-a)/n}` of ``accuracy``.
    ci : tuple of float or None
        ``(low, high)``, the 95% Wilson interval of ``accuracy``.
    n : int
        Number of trials: on-support test latents (LogReg) or segments (Convex); 0 when
        undefined.
    note : str or None
        Why the probe is undefined (e.g. every latent off the support); ``None`` otherwise.
    n_train : int or None
        LogReg: number of on-support training latents; ``None`` for Convex.
    per_class : dict or None
        Convex: accuracy of each class (class -> float; keys are strings after JSON);
        ``None`` for LogReg.
    """

    accuracy: float | None
    stderr: float | None
    ci: tuple | None
    n: int
    note: str | None = None
    n_train: int | None = None
    per_class: dict | None = None


@dataclass(frozen=True)
class SimplicialSummary(_JSONResult):
    """The fitted simplicial cluster against the learned partition (see :mod:`gan.analysis.optimum`).

    The cluster is fitted on the training latents and compared on the analysis latents
    (:func:`gan.analysis.fit_simplicial`, :func:`gan.analysis.compare_with_simplicial`); ``k``
    is the number of fitted classes and ``d`` the latent dimension.

    Attributes
    ----------
    status : str
        ``"fitted"``, or ``"not applicable: <why>"`` (then every field below the thresholds is
        ``None``).
    agreement_threshold : float
        Least ``agreement`` for ``is_simplicial``.
    angle_threshold_deg : float
        Largest ``max_angle_deviation_deg`` for ``is_simplicial``.
    agreement : float or None
        Share of on-support latents of fitted classes that the fitted cluster labels like the
        generator.
    agreement_stderr : float or None
        Binomial standard error of ``agreement``.
    n : int or None
        Number of latents behind ``agreement``.
    is_simplicial : bool or None
        ``agreement >= agreement_threshold`` and
        ``max_angle_deviation_deg <= angle_threshold_deg``.
    reference_angle_deg : float or None
        :math:`\\arccos(-1/(k-1))` in degrees, the angle between two seeds of a regular simplex.
    angles_deg : ndarray, shape (k, k), or None
        Pairwise angles between the class directions (degrees; 0 on the diagonal).
    max_angle_deviation_deg, mean_angle_deviation_deg : float or None
        Largest and mean ``|angle - reference_angle_deg|`` over the pairs of classes.
    residual : float or None
        Root-mean-square distance between the fitted seeds and the class directions.
    classes : ndarray of int, shape (k,), or None
        The fitted classes (row ``j`` of the arrays below is ``classes[j]``).
    seeds : ndarray, shape (k, d), or None
        Unit seeds of the fitted simplicial cluster.
    directions : ndarray, shape (k, d), or None
        Unit class directions the seeds are fitted to.
    method : str or None
        How the class directions were obtained: ``"means"`` (class means).
    agreement_logreg_normals : float or None
        ``agreement`` of the cluster fitted to the LogReg probe's normals
        (``method="logreg"``) instead; ``None`` without a LogReg fit.
    """

    status: str
    agreement_threshold: float
    angle_threshold_deg: float
    agreement: float | None = None
    agreement_stderr: float | None = None
    n: int | None = None
    is_simplicial: bool | None = None
    reference_angle_deg: float | None = None
    angles_deg: np.ndarray | None = None
    max_angle_deviation_deg: float | None = None
    mean_angle_deviation_deg: float | None = None
    residual: float | None = None
    classes: np.ndarray | None = None
    seeds: np.ndarray | None = None
    directions: np.ndarray | None = None
    method: str | None = None
    agreement_logreg_normals: float | None = None


@dataclass(frozen=True)
class ValueSummary(_JSONResult):
    """Mean, median, 5% and 95% quantiles over the finite values, and their share.

    Attributes
    ----------
    mean, median : float or None
        Mean and median of the finite values (``None`` when none is finite).
    q05, q95 : float or None
        Their 5% and 95% quantiles.
    finite_share : float
        Share of the values that are finite (in ``[0, 1]``).
    """

    mean: float | None
    median: float | None
    q05: float | None
    q95: float | None
    finite_share: float

    @classmethod
    def of(cls, v) -> ValueSummary:
        v = np.asarray(v, dtype=float)
        fin = v[np.isfinite(v)]
        if fin.size == 0:
            return cls(None, None, None, None, 0.0)
        return cls(
            float(fin.mean()),
            float(np.median(fin)),
            float(np.quantile(fin, 0.05)),
            float(np.quantile(fin, 0.95)),
            fin.size / v.size,
        )


@dataclass(frozen=True)
class JacobianSummary(_JSONResult):
    """Summaries of :func:`gan.analysis.jacobian_geometry` over the analysis latents.

    Attributes
    ----------
    volume_element : ValueSummary
        :math:`\\sqrt{\\det J^T J}`, the product of the ``d`` singular values of the Jacobian.
    condition_number : ValueSummary
        :math:`\\sigma_1 / \\sigma_d` (``inf`` where the Jacobian is rank deficient, counted
        out of ``finite_share``).
    gradient_norm : ValueSummary
        Frobenius norm of the Jacobian.
    spectral_norm : ValueSummary
        Largest singular value :math:`\\sigma_1 = \\|J\\|_2`.
    """

    volume_element: ValueSummary
    condition_number: ValueSummary
    gradient_norm: ValueSummary
    spectral_norm: ValueSummary


@dataclass(frozen=True)
class GeodesicSummary(_JSONResult):
    """A geodesic between ``z0`` and ``z1`` (two class directions) against the straight segment.

    See :func:`gan.analysis.geodesic`; ``K + 1`` nodes on each curve.

    Attributes
    ----------
    z0, z1 : ndarray, shape (d,)
        End points: twice the first two fitted simplicial seeds.
    energy, length : float
        Image energy :math:`E` and length :math:`\\ell` of the geodesic.
    straight_energy, straight_length : float
        The same for the straight segment.
    labels, straight_labels : ndarray of int, shape (K + 1,), or None
        Labels of the nodes along the geodesic and along the segment.
    """

    z0: np.ndarray
    z1: np.ndarray
    energy: float
    length: float
    straight_energy: float
    straight_length: float
    labels: np.ndarray | None
    straight_labels: np.ndarray | None


@dataclass(frozen=True)
class RunAnalysis(_JSONResult):
    """The latent-geometry analysis of one generator (the content of ``analysis.json``).

    Attributes
    ----------
    latent_dim, m : int
        Latent dimension ``d`` and number of modes (classes).
    labelling : {"nearest_mode", "classifier"}
    support_radius : float or None
        Mixtures: the radius around a mode that counts as on the support.
    seed : int
    device : str
    n_samples : int
        Latents of the precision, the partition and the agreement.
    precision : Share or None
        Share of samples on the support (mixtures; ``None`` for images).
    confident_share : float or None
        Images: share of samples the classifier labels above its threshold.
    partition : PartitionStats
    logreg, convex : ProbeSummary
    simplicial : SimplicialSummary
    lipschitz : LipschitzEstimate
    jacobian : JacobianSummary
    d_min, d_max : float or None
        Smallest and largest mode distance (mixtures with ``m >= 2``).
    bounds : BoundsAtEps or None
        The bounds at ``L = lipschitz.estimate`` (``None`` for images, or when
        ``L_est = 0``). The estimate is a *lower* bound of the true constant and the upper
        bounds increase with ``L``, so a precision above these is **no evidence** against the
        theory.
    bounds_certified : BoundsAtEps or None
        The same bounds at ``L = lipschitz.lipschitz_upper_bound``, a certified *upper* bound of
        the constant (``None`` when there is none). A precision above
        ``bounds_certified.corollary_3_6_sharp`` (the radius-aware proven bound, beyond
        sampling error) would contradict the theory: this is the comparison that tests it.
    config_eps : float or None
        The ``eps`` of an explicit :math:`G^*_\\varepsilon` (``python -m gan optimal`` runs).
    config_optimum : BoundaryMeasure or None
        The exact boundary measure at ``config_eps``: ``precision`` is what
        :math:`G^*_\\varepsilon` must measure.
    geodesic : GeodesicSummary or None
    figures : tuple of str
        PNG files written beside ``analysis.json``.
    run_dir, preset, step, config
        Where the generator came from (``analyze_run``); ``config`` holds the settings that
        define the run (preset, data, latent prior, sizes).
    figure_error : str or None
        Set by callers that retried without figures.
    """

    latent_dim: int
    m: int
    labelling: str
    support_radius: float | None
    seed: int
    device: str
    n_samples: int
    precision: Share | None
    confident_share: float | None
    partition: PartitionStats
    logreg: ProbeSummary
    convex: ProbeSummary
    simplicial: SimplicialSummary
    lipschitz: LipschitzEstimate
    jacobian: JacobianSummary
    d_min: float | None = None
    d_max: float | None = None
    bounds: BoundsAtEps | None = None
    bounds_certified: BoundsAtEps | None = None
    config_eps: float | None = None
    config_optimum: BoundaryMeasure | None = None
    geodesic: GeodesicSummary | None = None
    figures: tuple = ()
    run_dir: str | None = None
    preset: str | None = None
    step: int | None = None
    config: dict = field(default_factory=dict)
    figure_error: str | None = None

    @property
    def is_simplicial(self) -> bool | None:
        """The verdict of :attr:`simplicial` (``None`` when the fit does not apply)."""
        return self.simplicial.is_simplicial

    @property
    def eps_matched(self) -> float | None:
        """``d_min / L_est`` (``None`` without bounds)."""
        return None if self.bounds is None else self.bounds.eps_min

    def theory_test(self) -> dict | None:
        """The comparison that tests the theory, or ``None`` when it cannot be made.

        The measured precision against the proven radius-aware Corollary 3.6 bound at the
        certified upper bound of ``L`` (``bounds_certified.corollary_3_6_sharp``). ``verdict``
        is ``"contradiction"`` when the precision exceeds the bound by more than 5 standard
        errors, ``"consistent"`` otherwise. (The bounds at the empirical estimate,
        ``bounds``, are never a test: see :attr:`bounds`.)
        """
        b, p = self.bounds_certified, self.precision
        if b is None or p is None or b.corollary_3_6_sharp is None:
            return None
        excess = (
            (p.value - b.corollary_3_6_sharp) / p.stderr
            if p.stderr > 0
            else (math.inf if p.value > b.corollary_3_6_sharp else -math.inf)
        )
        return {
            "precision": p.value,
            "precision_stderr": p.stderr,
            "bound": b.corollary_3_6_sharp,
            "lipschitz_upper_bound": b.lipschitz,
            "radius": b.radius,
            "z": excess if math.isfinite(excess) else None,
            "verdict": "contradiction" if excess > 5.0 else "consistent",
        }

    def headline(self) -> dict:
        """The main numbers, flat and JSON-ready (what ``python -m gan analyze`` prints).

        ``*_at_estimate`` values use the empirical Lipschitz estimate (no test of the theory),
        ``*_at_upper_bound`` the certified upper bound (a test: see :meth:`theory_test`).
        """
        b, c, p = self.bounds, self.bounds_certified, self.precision
        matched = None if b is None else b.matched
        test = self.theory_test()
        return to_plain(
            {
                "precision": None if p is None else p.value,
                "logreg_accuracy": self.logreg.accuracy,
                "convex_accuracy": self.convex.accuracy,
                "simplicial_agreement": self.simplicial.agreement,
                "is_simplicial": self.is_simplicial,
                "lipschitz_estimate": self.lipschitz.estimate,
                "lipschitz_upper_bound": self.lipschitz.lipschitz_upper_bound,
                "eps_matched": self.eps_matched,
                "gamma_eps_boundary_matched": None if matched is None else matched.value,
                "corollary_3_6_bound": None if b is None else b.corollary_3_6,
                "theorem_3_7_bound": None if b is None else b.theorem_3_7,
                "corollary_3_6_sharp_at_estimate": None if b is None else b.corollary_3_6_sharp,
                "corollary_3_6_sharp_at_upper_bound": None if c is None else c.corollary_3_6_sharp,
                "theory_test": None if test is None else test["verdict"],
            }
        )
