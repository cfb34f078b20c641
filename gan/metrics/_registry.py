"""Metrics of a (real, fake) pair of feature sets, registered by name.

Each entry maps ``(real, fake, **options)`` to a dict of named floats whose keys are unique
across the registry, so that :func:`compute_metrics` can merge the results of several
metrics into one flat record (the shape the trainer logs and the examples write).
"""

from __future__ import annotations

from collections.abc import Callable

from gan.metrics._fid import fid
from gan.metrics._prdc import prdc

#: name -> function ``(real, fake, **options) -> dict[str, float]``
METRICS: dict[str, Callable[..., dict]] = {}


def register_metric(name: str, fn: Callable[..., dict] | None = None):
    """Register ``fn`` under ``name`` (usable as a decorator).

    Parameters
    ----------
    name : str
        The key users pass to :func:`compute_metrics`; must be new.
    fn : callable, optional
        ``fn(real, fake, **options) -> dict[str, float]``.

    Raises
    ------
    ValueError
        ``name`` is already registered or not a non-empty string.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, got {name!r}")
    if name in METRICS:
        raise ValueError(f"a metric named {name!r} is already registered")

    def deco(f):
        if not callable(f):
            raise TypeError(f"the metric {name!r} must be callable, got {type(f).__name__}")
        METRICS[name] = f
        return f

    return deco if fn is None else deco(fn)


def _floats(d: dict, prefix: str = "") -> dict:
    return {prefix + k: float(v) for k, v in d.items()}


@register_metric("prdc")
def _prdc_metric(real, fake, *, nearest_k=5, device="auto"):
    """precision, recall, density, coverage as the ``prdc`` package defines them."""
    return _floats(prdc(real, fake, nearest_k, convention="prdc", device=device))


@register_metric("ipr")
def _ipr_metric(real, fake, *, nearest_k=3, device="auto"):
    """The improved precision/recall conventions of Kynkaanniemi et al. (``ipr_`` keys)."""
    return _floats(prdc(real, fake, nearest_k, convention="kynkaanniemi", device=device), "ipr_")


@register_metric("fid")
def _fid_metric(real, fake):
    """Frechet distance of the Gaussian fits (key ``fid``)."""
    return {"fid": float(fid(real, fake))}


def compute_metrics(real, fake, metrics=("prdc", "fid"), **options) -> dict:
    """Several registered metrics of one pair of feature sets, merged into one dict.

    Parameters
    ----------
    real, fake : array_like or torch.Tensor, shape (n_real, D) and (n_fake, D)
        Features of real and generated samples.
    metrics : sequence of str, default ("prdc", "fid")
        Names in :data:`METRICS` ("prdc", "ipr", "fid", and any registered later).
    **options
        Passed to every metric that accepts them (for example ``nearest_k``, ``device``);
        an option no requested metric accepts is an error.

    Returns
    -------
    dict
        ``{key: float}``, e.g. ``precision``, ``recall``, ``density``, ``coverage``, ``fid``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(300, 4)).astype(np.float32)
    >>> out = compute_metrics(x, x + 100.0, ("prdc", "fid"), device="cpu")
    >>> out["precision"], round(out["fid"])
    (0.0, 40000)
    """
    import inspect

    if isinstance(metrics, str):
        metrics = (metrics,)
    if not isinstance(metrics, (list, tuple)) or not metrics:
        raise TypeError(f"metrics must be a metric name or a non-empty list of names, got {metrics!r}")
    unknown = [m for m in metrics if not isinstance(m, str) or m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; registered: {sorted(METRICS)}")
    used = set()
    out = {}
    for name in metrics:
        fn = METRICS[name]
        params = inspect.signature(fn).parameters
        kw = {k: v for k, v in options.items() if k in params}
        used.update(kw)
        res = fn(real, fake, **kw)
        clash = set(res) & set(out)
        if clash:
            raise ValueError(f"metric {name!r} returns keys already produced: {sorted(clash)}")
        out.update(res)
    extra = set(options) - used
    if extra:
        raise TypeError(f"option(s) {sorted(extra)} are accepted by none of the metrics {list(metrics)}")
    return out
