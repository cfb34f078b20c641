"""Sweeps: grids of training runs from a TOML spec, on Ray Tune or in-process.

Usage
-----
Command line::

    # 4 latent dimensions x 3 seeds of the mixture preset, in parallel on this machine's cores
    python -m gan sweep examples/sweeps/latent_dim.toml --out sweeps/latent
    # the same on an existing Ray cluster (DIR on storage every node sees)
    python -m gan sweep examples/sweeps/latent_dim.toml --out /shared/latent --address auto
    # rerun after an interruption: finished trials are kept, the others resume
    python -m gan sweep examples/sweeps/latent_dim.toml --out sweeps/latent

A spec names a preset, fixed settings, a grid and optionally variants (settings that
do not form a product, e.g. options of one sampler), what to compute after each run, the
resources of a trial and the plots to draw::

    preset = "mixture"
    [set]
    steps = 2000
    [grid]
    latent_dim = [2, 3, 8]
    seed = [0, 1, 2]
    [[plot]]
    metric = "eval/precision"
    x = "latent_dim"

Python::

    from gan.sweep import load_spec, run_sweep, plot_sweep

    res = run_sweep(load_spec("examples/sweeps/latent_dim.toml"), "sweeps/latent")
    res.aggregate          # mean and 95 % interval over seeds of every metric
    plot_sweep(res, "eval/precision", "latent_dim")

Each trial is an ordinary run directory ``DIR/runs/<trial>`` (``gan sample``, ``gan
analyze`` and :func:`gan.runs.load_run` read it) plus ``trial.json`` (its status, metrics and
error). ``DIR/results.{json,csv,md}`` hold the table. Ray is the optional extra ``sweep``;
without it the trials run one after another in this process, with the same files.
"""

from ._results import SweepResult, load_results, plot_sweep, t_interval
from ._run import ray_available, run_sweep
from ._spec import SweepSpec, Trial, load_spec

__all__ = [
    "SweepSpec",
    "Trial",
    "load_spec",
    "run_sweep",
    "SweepResult",
    "load_results",
    "plot_sweep",
    "t_interval",
    "ray_available",
]
