"""Latent geometry of generators: the learned partition against the simplicial optimum.

Labels (:mod:`~gan.analysis.labels`), probes (LogReg and Convex accuracy,
:mod:`~gan.analysis.probes`), the fitted simplicial cluster (:mod:`~gan.analysis.optimum`),
Jacobian geometry and geodesics (:mod:`~gan.analysis.jacobian`,
:mod:`~gan.analysis.geodesics`) and the run report :func:`analyze_run`. Figures live in
:mod:`gan.analysis.figures`, imported on demand (this package does not import matplotlib).
"""

from .geodesics import GeodesicResult, curve_energy, geodesic
from .jacobian import jacobian, jacobian_geometry, latent_grid, latent_slice, lipschitz_estimate, pullback_metric
from .labels import (OUTSIDE, generator_label_fn, label_by_classifier, label_by_nearest_mode, partition_stats,
                     wilson_interval)
from .optimum import (AGREEMENT_THRESHOLD, ANGLE_THRESHOLD_DEG, SimplicialFit, class_directions,
                      compare_with_simplicial, fit_simplicial)
from .probes import ProbeResult, convex_accuracy, fit_logreg, logreg_accuracy
from .report import analyze_generator, analyze_run

__all__ = [
    "OUTSIDE",
    "label_by_nearest_mode",
    "label_by_classifier",
    "generator_label_fn",
    "partition_stats",
    "wilson_interval",
    "ProbeResult",
    "fit_logreg",
    "logreg_accuracy",
    "convex_accuracy",
    "AGREEMENT_THRESHOLD",
    "ANGLE_THRESHOLD_DEG",
    "SimplicialFit",
    "class_directions",
    "fit_simplicial",
    "compare_with_simplicial",
    "jacobian",
    "pullback_metric",
    "jacobian_geometry",
    "lipschitz_estimate",
    "latent_grid",
    "latent_slice",
    "GeodesicResult",
    "curve_energy",
    "geodesic",
    "analyze_generator",
    "analyze_run",
]
