"""gan: WGAN-GP training with structured latents, metrics and latent-geometry analysis.

Subpackages are imported on demand (``gan.metrics``, ``gan.data``, ``gan.latents``,
``gan.training``, ``gan.analysis``) so that ``import gan`` stays light.
"""

__version__ = "0.1.0"
