"""Named starting points of a run: dictionaries of :class:`TrainConfig` overrides.

``mixture``
    MLP generator and critic on ``make_mixture("equidistant", m=3, dim=2)`` with a 2-D
    Gaussian latent; small enough to learn the partition in a couple of CPU minutes.
``mnist``
    Table 4 of Issenhuth et al. (2023): the convolutional networks, batch 256, 2 critic
    steps, Adam lr 5e-5 (G) / 1e-4 (D), betas (0.5, 0.5), gradient penalty 10, 80k generator
    steps, latent dimension 64. ``width`` scales every channel count (``--set width=0.25``
    for a CPU run). Data: ``gan.data.load_mnist(root)`` when ``data_options.root`` is given,
    else the 5,000 offline digits.
``cifar10``
    Table 5: the ResNet with self-modulated batch norm in G, latent dimension 128, batch
    256, 2 critic steps, lr 5e-5 / 1e-4, betas (0, 0.999), 100k generator steps. Needs
    ``data_options.root``.

For samplers with latent clusters the mutual-information loss is used for the first 20
epochs on the image presets (Appendix B.3) and the first 300 steps on the mixture.
"""

from __future__ import annotations

from .config import PRESET_NAMES, TrainConfig, apply_overrides

__all__ = ["PRESETS", "preset_config"]

PRESETS: dict[str, dict] = {
    "mixture": dict(
        preset="mixture",
        steps=3000,
        batch_size=256,
        n_critic=5,
        lr_g=2e-4,
        lr_d=2e-4,
        betas=[0.5, 0.9],
        data_options={"kind": "equidistant", "m": 3, "dim": 2},
        latent="gaussian",
        latent_dim=2,
        hidden=64,
        depth=3,
        mi_steps=300,
        log_every=25,
        eval_every=250,
        image_every=1000,
        ckpt_every=500,
    ),
    "mnist": dict(
        preset="mnist",
        steps=80_000,
        batch_size=256,
        n_critic=2,
        lr_g=5e-5,
        lr_d=1e-4,
        betas=[0.5, 0.5],
        gp_weight=10.0,
        data_options={"root": None, "digits": None},
        latent="gaussian",
        latent_dim=64,
        width=1.0,
        mi_epochs=20.0,
        log_every=50,
        eval_every=0,
        image_every=2000,
        ckpt_every=2000,
    ),
    "cifar10": dict(
        preset="cifar10",
        steps=100_000,
        batch_size=256,
        n_critic=2,
        lr_g=5e-5,
        lr_d=1e-4,
        betas=[0.0, 0.999],
        gp_weight=10.0,
        data_options={"root": None},
        latent="gaussian",
        latent_dim=128,
        width=1.0,
        mi_epochs=20.0,
        log_every=50,
        eval_every=0,
        image_every=2000,
        ckpt_every=2000,
    ),
}
assert set(PRESETS) == set(PRESET_NAMES)


def preset_config(name: str, overrides=(), **changes) -> TrainConfig:
    """The config of preset ``name`` with overrides applied.

    Parameters
    ----------
    name : str
        A key of :data:`PRESETS`.
    overrides : iterable of (key, value)
        Parsed ``--set`` overrides (:func:`gan.training.config.parse_override`); dotted keys
        reach inside dict fields.
    **changes
        Further top-level settings (``steps=100``, ``seed=3``).

    Returns
    -------
    TrainConfig

    Raises
    ------
    ValueError
        Unknown preset (the message lists them), unknown key or invalid value.

    Examples
    --------
    >>> cfg = preset_config("mnist", width=0.25)
    >>> cfg.batch_size, cfg.n_critic, cfg.lr_g, cfg.lr_d, cfg.betas, cfg.latent_dim
    (256, 2, 5e-05, 0.0001, [0.5, 0.5], 64)
    """
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose from {sorted(PRESETS)}")
    d = apply_overrides(PRESETS[name], list(overrides) + list(changes.items()))
    return TrainConfig.from_dict(d)
