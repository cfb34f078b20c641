"""Evaluation metrics: precision/recall/density/coverage, FID, and mode statistics.

Features -> statistics -> numbers; sums accumulate in float64.

======================  ========================================================================
``prdc``                precision, recall, density, coverage (exactly as the ``prdc`` package)
``CONVENTIONS``         the named comparison rules of ``prdc`` ("prdc", "kynkaanniemi")
``fid``                 Frechet distance between Gaussian fits of two feature sets
``frechet_distance``    the same from means and covariances
``FeatureStats``        streaming float64 mean and covariance, mergeable
``mode_metrics``        quality, coverage and balance of samples of a synthetic mixture
``METRICS``             registry: name -> ``(real, fake, **options) -> dict`` ("prdc", "ipr", "fid")
``compute_metrics``     several registered metrics of one pair, merged into one dict
``register_metric``     add a metric to the registry
======================  ========================================================================
"""

from gan.metrics._fid import FeatureStats, fid, frechet_distance
from gan.metrics._modes import mode_metrics
from gan.metrics._prdc import CONVENTIONS, prdc
from gan.metrics._registry import METRICS, compute_metrics, register_metric

__all__ = [
    "prdc",
    "CONVENTIONS",
    "fid",
    "frechet_distance",
    "FeatureStats",
    "mode_metrics",
    "METRICS",
    "compute_metrics",
    "register_metric",
]
