"""gan: WGAN-GP training with structured latents, metrics and latent-geometry analysis.

``import gan`` is light: it imports neither torch nor any subpackage. A subpackage is
imported the first time it is used, as ``gan.metrics`` (module ``__getattr__``, PEP 562) or
with an ordinary ``import gan.metrics`` / ``from gan.metrics import prdc``.

==================  ===========================================================================
``gan.data``        synthetic Gaussian mixtures, MNIST, CIFAR-10
``gan.latents``     latent priors (registry ``SAMPLERS``, ``make_sampler``) and post-hoc truncations
``gan.training``    ``TrainConfig``, presets, ``train`` (WGAN-GP), checkpoints
``gan.metrics``     precision/recall/density/coverage, FID, mode statistics (registry ``METRICS``)
``gan.analysis``    latent geometry: labels, probes, simplicial fit, Lipschitz, bounds, ``analyze_run``
``gan.optimal``     the explicit optimal generator :math:`G^*_\\varepsilon` as a torch module
``gan.runs``        ``load_run``: generator, prior and data of a run directory
``gan.classifier``  the MNIST oracle classifier of the image analyses
==================  ===========================================================================

The command line is ``python -m gan`` (``train``, ``analyze``, ``optimal``, ``demo``, ...).

Examples
--------
>>> import gan
>>> gan.__version__
'0.1.0'
>>> sorted(gan.__all__)[:3]
['analysis', 'classifier', 'data']
"""

import importlib

__version__ = "0.1.0"

_SUBMODULES = ("data", "latents", "training", "metrics", "analysis", "optimal", "runs", "classifier")

__all__ = list(_SUBMODULES)


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
