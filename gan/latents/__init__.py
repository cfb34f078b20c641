"""Pluggable latent priors for the WGAN-GP trainer.

Every sampler is a :class:`LatentSampler` registered in :data:`SAMPLERS` under its name and
built with :func:`make_sampler`; ``sampler.sample(n)`` returns a :class:`LatentBatch`
``(z, cluster)``.

==============================  ===========================================================
``make_sampler``                build a registered sampler by name
``SAMPLERS``                    registry: name -> class ("gaussian", "simplicial", "linear",
                                "gmm", "deligan", "clustergan", "bourgan")
``register_sampler``            add a sampler class to the registry
``LatentSampler``               base class: public ``sample(n)``, subclass ``_sample``
``LatentBatch``                 ``(z, cluster)`` named tuple
``GaussianSampler``             standard Gaussian
``SimplicialSampler``           Gaussian truncated to the cores of a simplicial cluster
``LinearSampler``               Gaussian truncated by a random linear softmax classifier
``GMMSampler``                  fixed Gaussian mixture
``DeLiGANSampler``              learnable Gaussian mixture (DeLiGAN)
``ClusterGANSampler``           one-hot + Gaussian (ClusterGAN)
``BourGANSampler``              mixture on a Bourgain embedding of the data (BourGAN)
``simplicial_acceptance_rate``  acceptance rate of the simplicial truncation (exact or MC)
``calibrate_tau``               the threshold giving a target acceptance rate
``bourgain_embedding``          Bourgain embedding of a finite metric space
``jacobian_truncation``         post-hoc truncation by Jacobian volume (JBT)
``jacobian_score``              finite-difference ``|J_G(z)|_F^2`` per latent
``jacobian_log_volume``         log-volume element of the generator at latents
``polarity_sampling``           polarity-weighted resampling of latents
==============================  ===========================================================
"""

from ._base import SAMPLERS, LatentBatch, LatentSampler, make_sampler, register_sampler
from ._bourgan import BourGANSampler, bourgain_embedding
from ._clustergan import ClusterGANSampler
from ._gaussian import GaussianSampler
from ._mixture import DeLiGANSampler, GMMSampler
from ._posthoc import jacobian_log_volume, jacobian_score, jacobian_truncation, polarity_sampling
from ._simplicial import LinearSampler, SimplicialSampler, calibrate_tau, simplicial_acceptance_rate

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
