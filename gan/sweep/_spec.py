"""Sweep specifications: parse a TOML file (or a dict), check it, expand it into trials.

Everything that can be refused is refused here, before any training starts: unknown
sections or keys, unknown presets, empty or non-list grids, values of the wrong type
(each trial's full :class:`~gan.training.TrainConfig` is built and validated), duplicate
trial names.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["SweepSpec", "Trial", "load_spec"]

_TOP_KEYS = {"name", "preset", "set", "grid", "variants", "after", "resources", "run", "plot"}
_AFTER_KEYS = {"metrics", "analyze"}
_RESOURCE_KEYS = {"cpu", "gpu"}
_RUN_KEYS = {"retries", "max_concurrent"}
_PLOT_KEYS = {"metric", "x", "by"}


@dataclass(frozen=True)
class Trial:
    """One run of a sweep.

    Attributes
    ----------
    name : str
        Directory name of the run under ``DIR/runs`` (the variant name and the swept values).
    params : dict
        The swept values of this trial: ``variant`` (when the spec has variants) and each grid
        key (dotted keys reach inside dict settings).
    config : dict
        The complete, validated :class:`~gan.training.TrainConfig` settings.
    """

    name: str
    params: dict
    config: dict


@dataclass
class SweepSpec:
    """A checked sweep specification.

    Attributes
    ----------
    name : str
        Name of the sweep (default: the file's stem).
    preset : str
        Preset every trial starts from (:data:`gan.training.PRESETS`).
    set : dict
        Settings fixed for all trials (nested dicts for dict settings).
    grid : dict
        ``key -> list of values``; the trials are the product of all lists (keys in order).
    variants : list of dict
        Settings applied on top of ``set`` (each may carry a ``name``); the trials are
        ``variants x grid``. Empty means one unnamed variant.
    after : dict
        What to compute after each run: ``metrics`` (bool, default True: the scalars of the
        last metrics line), ``analyze`` (False, True or a dict of keyword arguments of
        :func:`gan.analysis.analyze_run`).
    resources : dict
        Per trial: ``cpu`` (default ``None``: the cores divided among the concurrent
        trials) and ``gpu`` (default 0; a fraction shares a GPU).
    run : dict
        ``retries`` (default 0) and ``max_concurrent`` (default ``None``: as many as fit).
    plot : list of dict
        Figures written with the table: each has ``metric``, ``x`` (a swept key) and
        optionally ``by`` (a swept key drawn as separate lines).
    """

    name: str
    preset: str
    set: dict = field(default_factory=dict)
    grid: dict = field(default_factory=dict)
    variants: list = field(default_factory=list)
    after: dict = field(default_factory=dict)
    resources: dict = field(default_factory=dict)
    run: dict = field(default_factory=dict)
    plot: list = field(default_factory=list)

    def trials(self) -> list[Trial]:
        """The trials, variants outermost then grid keys in order (last key fastest)."""
        return _expand(self)

    def swept_keys(self) -> list[str]:
        """``variant`` (if any) then the grid keys."""
        return (["variant"] if self.variants else []) + list(self.grid)

    def to_dict(self) -> dict:
        """The specification as plain data (what ``sweep.json`` records)."""
        return {"name": self.name, "preset": self.preset, "set": self.set, "grid": self.grid,
                "variants": self.variants, "after": self.after, "resources": self.resources,
                "run": self.run, "plot": self.plot}


def load_spec(source, *, name: str | None = None, overrides=()) -> SweepSpec:
    """Read and check a sweep specification.

    Parameters
    ----------
    source : path-like, str or dict
        A TOML file, TOML text (a string holding a newline) or the parsed dictionary.
        Sections: ``preset`` (required), ``name``, ``[set]``, ``[grid]``, ``[[variants]]``,
        ``[after]``, ``[resources]``, ``[run]``, ``[[plot]]``; see :doc:`/sweeps`.
    name : str, optional
        Name of the sweep (default: ``name`` in the spec, else the file's stem, else
        ``"sweep"``).
    overrides : iterable of str or (key, value)
        ``key=value`` settings added to ``[set]`` (as ``gan train --set``: the text is
        converted to the key's type, dotted keys reach inside dict settings).

    Returns
    -------
    SweepSpec

    Raises
    ------
    ValueError
        An unknown section or key, an unknown preset, an empty grid list, a value that the
        trial's config refuses, duplicate trial names; the message names the key.

    Examples
    --------
    >>> spec = load_spec({"preset": "mixture", "set": {"steps": 10},
    ...                   "grid": {"latent_dim": [2, 3], "seed": [0, 1]}})
    >>> [t.name for t in spec.trials()]
    ['latent_dim=2,seed=0', 'latent_dim=2,seed=1', 'latent_dim=3,seed=0', 'latent_dim=3,seed=1']
    >>> load_spec({"preset": "mixture", "grid": {"latnt_dim": [2]}})
    Traceback (most recent call last):
    ...
    ValueError: sweep spec [grid]: unknown config key 'latnt_dim'; valid keys: ...
    """
    default_name = "sweep"
    if isinstance(source, dict):
        data = copy.deepcopy(source)
    else:
        tomllib = _toml()
        if isinstance(source, str) and "\n" in source:
            text = source
        else:
            path = Path(source)
            if not path.is_file():
                raise FileNotFoundError(f"sweep spec {str(path)!r} does not exist")
            text = path.read_text()
            default_name = path.stem
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise ValueError(f"sweep spec is not valid TOML: {e}") from None
    if overrides:
        from gan.training import parse_override

        if not isinstance(data.get("set", {}), dict):
            raise ValueError(f"sweep spec: [set] must be a dict, got {data['set']!r}")
        data.setdefault("set", {})
        for item in overrides:
            key, value = parse_override(item) if isinstance(item, str) else item
            data["set"] = _merge(data["set"], {key: value})
    return _check(data, name or data.get("name") or default_name)


def _toml():
    try:
        import tomllib  # Python >= 3.11
    except ImportError:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib


# ---------------------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------------------
def _fields():
    from gan.training import TrainConfig

    return TrainConfig.field_names()


def _check_keys(section: str, d: dict, allowed) -> None:
    unknown = sorted(set(d) - set(allowed))
    if unknown:
        raise ValueError(f"sweep spec {section}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")


def _check_config_keys(section: str, d: dict) -> None:
    """Top-level keys of a settings table must be TrainConfig fields."""
    names = _fields()
    for k in d:
        top = k.split(".", 1)[0]
        if top not in names:
            raise ValueError(f"sweep spec {section}: unknown config key {top!r}; valid keys: {names}")


def _flatten_grid(d: dict, prefix: str = "") -> dict:
    """``{a: {b: [..]}}`` -> ``{"a.b": [..]}``; a list is a leaf (the values of the key)."""
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            if not v:
                raise ValueError(f"sweep spec [grid]: {key!r} is an empty table")
            out.update(_flatten_grid(v, key + "."))
        else:
            out[key] = v
    return out


def _check(data: dict, name: str) -> SweepSpec:
    from gan.training import PRESETS

    if not isinstance(data, dict):
        raise TypeError(f"sweep spec must be a table, got {type(data).__name__}")
    _check_keys("(top level)", data, _TOP_KEYS)
    if "preset" not in data:
        raise ValueError(f"sweep spec: 'preset' is required; choose from {sorted(PRESETS)}")
    preset = data["preset"]
    if preset not in PRESETS:
        raise ValueError(f"sweep spec: unknown preset {preset!r}; choose from {sorted(PRESETS)}")
    if not isinstance(name, str) or not name:
        raise ValueError(f"sweep spec: 'name' must be a non-empty string, got {name!r}")

    def table(key, default):
        v = data.get(key, default)
        if not isinstance(v, type(default)):
            raise ValueError(f"sweep spec: [{key}] must be a {type(default).__name__}, got {v!r}")
        return v

    fixed = table("set", {})
    _check_config_keys("[set]", fixed)

    grid = _flatten_grid(table("grid", {}))
    _check_config_keys("[grid]", grid)
    for k, v in grid.items():
        if not isinstance(v, list):
            raise ValueError(f"sweep spec [grid]: {k!r} must be a list of values, got {v!r}")
        if not v:
            raise ValueError(f"sweep spec [grid]: {k!r} is an empty list (no trial would run)")
        if len({json.dumps(x, sort_keys=True) for x in v}) != len(v):
            raise ValueError(f"sweep spec [grid]: {k!r} repeats a value: {v!r}")

    variants = table("variants", [])
    seen = set()
    for i, v in enumerate(variants):
        if not isinstance(v, dict):
            raise ValueError(f"sweep spec [[variants]] #{i}: must be a table, got {v!r}")
        vname = v.get("name", f"v{i}")
        if not isinstance(vname, str) or not vname or not _SAFE.fullmatch(vname):
            raise ValueError(f"sweep spec [[variants]] #{i}: name must be letters, digits, '-', '_' or '.', "
                             f"got {vname!r}")
        if vname in seen:
            raise ValueError(f"sweep spec [[variants]]: duplicate name {vname!r}")
        seen.add(vname)
        _check_config_keys(f"[[variants]] {vname!r}", {k: x for k, x in v.items() if k != "name"})

    after = {"metrics": True, "analyze": False}
    after.update(table("after", {}))
    _check_keys("[after]", after, _AFTER_KEYS)
    if not isinstance(after["metrics"], bool):
        raise ValueError(f"sweep spec [after]: 'metrics' must be true or false, got {after['metrics']!r}")
    if not isinstance(after["analyze"], (bool, dict)):
        raise ValueError(f"sweep spec [after]: 'analyze' must be true, false or a table of options of "
                         f"gan.analysis.analyze_run, got {after['analyze']!r}")
    if isinstance(after["analyze"], dict):
        import inspect

        from gan.analysis import analyze_run

        allowed = set(inspect.signature(analyze_run).parameters) - {"run_dir", "checkpoint"}
        _check_keys("[after.analyze]", after["analyze"], allowed)

    resources = {"cpu": None, "gpu": 0}
    resources.update(table("resources", {}))
    _check_keys("[resources]", resources, _RESOURCE_KEYS)
    for k in ("cpu", "gpu"):
        v = resources[k]
        if v is None and k == "cpu":
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0 or (
                k == "cpu" and v <= 0):
            raise ValueError(f"sweep spec [resources]: {k!r} must be a number {'> 0' if k == 'cpu' else '>= 0'}, "
                             f"got {v!r}")

    run = {"retries": 0, "max_concurrent": None}
    run.update(table("run", {}))
    _check_keys("[run]", run, _RUN_KEYS)
    check_int(run["retries"], "[run] 'retries'", 0)
    if run["max_concurrent"] is not None:
        check_int(run["max_concurrent"], "[run] 'max_concurrent'", 1)

    plots = table("plot", [])
    swept = (["variant"] if variants else []) + list(grid)
    for i, p in enumerate(plots):
        if not isinstance(p, dict):
            raise ValueError(f"sweep spec [[plot]] #{i}: must be a table, got {p!r}")
        _check_keys(f"[[plot]] #{i}", p, _PLOT_KEYS)
        for k in ("metric", "x"):
            if not isinstance(p.get(k), str):
                raise ValueError(f"sweep spec [[plot]] #{i}: {k!r} is required (a string), got {p.get(k)!r}")
        for k in ("x", "by"):
            if p.get(k) is not None and (p[k] not in swept or p[k] == "seed"):
                raise ValueError(f"sweep spec [[plot]] #{i}: {k} = {p[k]!r} is not a swept key other than seed "
                                 f"(seeds are averaged); swept: {swept}")

    spec = SweepSpec(name=name, preset=preset, set=fixed, grid=grid, variants=variants, after=after,
                     resources=resources, run=run, plot=plots)
    spec.trials()  # builds and validates every trial's config
    return spec


def check_int(v, what: str, low: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < low:
        raise ValueError(f"{what} must be an integer >= {low}, got {v!r}")
    return v


# ---------------------------------------------------------------------------------------
# expansion
# ---------------------------------------------------------------------------------------
_SAFE = re.compile(r"[A-Za-z0-9_.\-]+")


def _merge(base: dict, changes: dict) -> dict:
    """Deep-merge ``changes`` into a copy of ``base``; dotted keys reach inside dicts."""
    out = copy.deepcopy(base)
    for k, v in changes.items():
        parts = k.split(".")
        node = out
        for p in parts[:-1]:
            if not isinstance(node.get(p), dict):
                node[p] = {}
            node = node[p]
        last = parts[-1]
        if isinstance(v, dict) and isinstance(node.get(last), dict):
            node[last] = _merge(node[last], v)
        else:
            node[last] = copy.deepcopy(v)
    return out


def _fmt(v) -> str:
    if isinstance(v, float):
        text = f"{v:g}"
    elif isinstance(v, (str, int)) and not isinstance(v, bool):
        text = str(v)
    else:
        text = json.dumps(v, sort_keys=True, separators=(",", ":"))
    if not _SAFE.fullmatch(text) or len(text) > 40:
        text = "h" + hashlib.sha1(text.encode()).hexdigest()[:8]
    return text


def _expand(spec: SweepSpec) -> list[Trial]:
    from gan.training import PRESETS, TrainConfig

    variants = spec.variants or [{}]
    keys = list(spec.grid)
    trials, names = [], set()
    for i, variant in enumerate(variants):
        vname = variant.get("name", f"v{i}") if spec.variants else None
        vset = {k: x for k, x in variant.items() if k != "name"}
        for values in itertools.product(*(spec.grid[k] for k in keys)):
            params = ({"variant": vname} if vname is not None else {}) | dict(zip(keys, values))
            base = {"preset": spec.preset, **PRESETS[spec.preset].settings}
            d = _merge(_merge(_merge(base, spec.set), vset), dict(zip(keys, values)))
            label = ",".join(f"{k}={_fmt(v)}" for k, v in params.items() if k != "variant")
            tname = "-".join(x for x in (vname, label) if x) or "run"
            where = f"trial {tname!r}"
            if d.get("preset") != spec.preset:
                raise ValueError(f"sweep spec, {where}: 'preset' is set by the top-level key, not by "
                                 f"[set]/[grid]/[[variants]]")
            try:
                cfg = TrainConfig.from_dict(d)
            except (TypeError, ValueError) as e:
                raise ValueError(f"sweep spec, {where}: {e}") from None
            if tname in names:
                raise ValueError(f"sweep spec: two trials are named {tname!r}; give the variants distinct names")
            names.add(tname)
            trials.append(Trial(tname, params, cfg.to_dict()))
    return trials
