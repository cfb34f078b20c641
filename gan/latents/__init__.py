"""Pluggable latent priors for the WGAN-GP trainer (issue 5).

Every sampler is a :class:`LatentSampler` registered in :data:`SAMPLERS` under its name
and built with :func:`make_sampler`; ``sampler.sample(n)`` returns a :class:`LatentBatch`
``(z, cluster)``.

Registered samplers: ``gaussian``, ``simplicial``, ``linear``, ``gmm``, ``deligan``,
``clustergan``, ``bourgan``. Post-hoc truncations of a trained generator:
:func:`jacobian_truncation` (JBT) and :func:`polarity_sampling`.
"""

from ._base import SAMPLERS, LatentBatch, LatentSampler, make_sampler, register_sampler
from ._gaussian import GaussianSampler
from ._simplicial import LinearSampler, SimplicialSampler, calibrate_tau, simplicial_acceptance_rate
from ._mixture import DeLiGANSampler, GMMSampler
from ._clustergan import ClusterGANSampler
from ._bourgan import BourGANSampler, bourgain_embedding
from ._posthoc import jacobian_log_volume, jacobian_score, jacobian_truncation, polarity_sampling

__all__ = [
    "LatentSampler",
    "LatentBatch",
    "SAMPLERS",
    "register_sampler",
    "make_sampler",
    "simplicial_acceptance_rate",
    "calibrate_tau",
    "jacobian_truncation",
    "jacobian_score",
    "polarity_sampling",
    "jacobian_log_volume",
    "bourgain_embedding",
    "GaussianSampler",
    "SimplicialSampler",
    "LinearSampler",
    "GMMSampler",
    "DeLiGANSampler",
    "ClusterGANSampler",
    "BourGANSampler",
]
