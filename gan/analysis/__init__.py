"""Latent geometry of generators: the learned partition against the simplicial optimum.

Figures live in :mod:`gan.analysis.figures`, imported on demand (this package does not
import matplotlib).

=============================  =================================================================
**run report**
``analyze_run``                analyse a run directory, write ``analysis.json`` (+ figures)
``analyze_generator``          the same for a generator given directly -> ``RunAnalysis``
``bounds_at_eps``              Corollary 3.6 / Theorem 3.7 / Lemma 3.5 at ``eps = D / L`` (radius-aware too)
``boundary_measure``           exact gamma(eps-boundary of the simplicial cluster)
**results**                    frozen dataclasses, ``to_json`` / ``from_json``
``RunAnalysis``                the whole analysis of a run
``LipschitzEstimate``          empirical Lipschitz constant and how it was obtained
``BoundsAtEps``                the bounds at the widths matched to a Lipschitz constant
``BoundaryMeasure``            gamma(eps-boundary of A*) at one eps, and 1 - it
``PartitionStats``             cell masses with Wilson intervals, off-support mass, balance
``Share``                      a proportion with stderr and Wilson interval
``ProbeSummary``               LogReg / Convex accuracy (or why undefined)
``SimplicialSummary``          agreement and angles against the fitted simplicial cluster
``JacobianSummary``            summaries of the Jacobian statistics (``ValueSummary``)
``GeodesicSummary``            a geodesic between two class directions vs the segment
**labels**
``OUTSIDE``                    the label ``-1`` of off-support samples
``label_by_nearest_mode``      nearest mode within a radius (mixtures)
``label_by_classifier``        classifier prediction above a confidence (images)
``generator_label_fn``         latents -> labels of the generated samples
``partition_stats``            labels -> ``PartitionStats``
``wilson_interval``            Wilson score interval of ``k / n``
**probes, simplicial fit**
``fit_logreg``                 multinomial logistic regression on latents
``logreg_accuracy``            LogReg accuracy (Table 1) -> ``ProbeResult``
``convex_accuracy``            Convex accuracy (Table 1) -> ``ProbeResult``
``ProbeResult``                a probe accuracy with its details
``fit_simplicial``             the simplicial cluster fitted to labelled latents
``compare_with_simplicial``    agreement and angles of a fit
``class_directions``           unit class-mean directions
``SimplicialFit``              the fitted seeds, rotation and angles
``AGREEMENT_THRESHOLD``        ``is_simplicial`` needs agreement at least this ...
``ANGLE_THRESHOLD_DEG``        ... and angles within this of the simplex's
**Jacobian geometry**
``jacobian``                   batched Jacobians ``(n, D, d)``
``pullback_metric``            ``J^T J``
``jacobian_geometry``          volume element, condition number, gradient and spectral norms
``lipschitz_estimate``         -> ``LipschitzEstimate`` (empirical: a lower bound of L)
``lipschitz_upper_bound``      -> ``LipschitzBound`` (certified upper bound of L, per layer)
``LipschitzBound``             a certified Lipschitz upper bound and its layer factors
``latent_grid``                a square 2-D grid
``latent_slice``               a 2-D slice of a d-D latent space
``geodesic``                   discrete geodesic -> ``GeodesicResult``
``curve_energy``               energy of a discrete curve
``GeodesicResult``             geodesic nodes, energy, length, labels
=============================  =================================================================
"""

from .geodesics import GeodesicResult, curve_energy, geodesic
from .jacobian import jacobian, jacobian_geometry, latent_grid, latent_slice, lipschitz_estimate, pullback_metric
from .labels import (
    OUTSIDE,
    generator_label_fn,
    label_by_classifier,
    label_by_nearest_mode,
    partition_stats,
    wilson_interval,
)
from .lipschitz import LipschitzBound, lipschitz_upper_bound
from .optimum import (
    AGREEMENT_THRESHOLD,
    ANGLE_THRESHOLD_DEG,
    SimplicialFit,
    class_directions,
    compare_with_simplicial,
    fit_simplicial,
)
from .probes import ProbeResult, convex_accuracy, fit_logreg, logreg_accuracy
from .report import analyze_generator, analyze_run
from .results import (
    BoundaryMeasure,
    BoundsAtEps,
    GeodesicSummary,
    JacobianSummary,
    LipschitzEstimate,
    PartitionStats,
    ProbeSummary,
    RunAnalysis,
    Share,
    SimplicialSummary,
    ValueSummary,
)
from .theory import boundary_measure, bounds_at_eps

__all__ = [
    # run report
    "analyze_run",
    "analyze_generator",
    "bounds_at_eps",
    "boundary_measure",
    # results
    "RunAnalysis",
    "LipschitzEstimate",
    "BoundsAtEps",
    "BoundaryMeasure",
    "PartitionStats",
    "Share",
    "ProbeSummary",
    "SimplicialSummary",
    "JacobianSummary",
    "ValueSummary",
    "GeodesicSummary",
    # labels
    "OUTSIDE",
    "label_by_nearest_mode",
    "label_by_classifier",
    "generator_label_fn",
    "partition_stats",
    "wilson_interval",
    # probes and the simplicial fit
    "fit_logreg",
    "logreg_accuracy",
    "convex_accuracy",
    "ProbeResult",
    "fit_simplicial",
    "compare_with_simplicial",
    "class_directions",
    "SimplicialFit",
    "AGREEMENT_THRESHOLD",
    "ANGLE_THRESHOLD_DEG",
    # Jacobian geometry
    "jacobian",
    "pullback_metric",
    "jacobian_geometry",
    "lipschitz_estimate",
    "lipschitz_upper_bound",
    "LipschitzBound",
    "latent_grid",
    "latent_slice",
    "geodesic",
    "curve_energy",
    "GeodesicResult",
]
