"""``run_sweep``: check the spec, skip finished trials, run the rest (Ray or serial), tabulate."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from gan._util import atomic_write_json

from ._results import collect, plot_sweep, write_results
from ._spec import SweepSpec, check_int, load_spec
from ._trial import is_done, run_trial

_BACKENDS = ("auto", "ray", "serial")


def ray_available() -> bool:
    """Whether Ray Tune can be imported (the ``sweep`` extra)."""
    try:
        import ray  # noqa: F401
        from ray import tune  # noqa: F401
    except ImportError:
        return False
    return True


def run_sweep(
    spec,
    out,
    *,
    backend: str = "auto",
    address: str | None = None,
    max_concurrent: int | None = None,
    retries: int | None = None,
    resume: bool = True,
    quiet: bool = False,
):
    """Run the trials of a sweep that are not finished yet and write the result table.

    Parameters
    ----------
    spec : SweepSpec, path-like, str or dict
        The specification (:func:`load_spec` is applied to anything but a
        :class:`SweepSpec`).
    out : path-like
        Sweep directory: ``runs/<trial>/`` (ordinary run directories, plus ``trial.json``),
        ``sweep.json`` (the spec), ``results.{json,csv,md}``, the spec's plots, and
        ``tune/`` (Tune's experiment state) with the Ray backend.
    backend : {"auto", "ray", "serial"}
        ``"auto"``: Ray Tune when installed, else the trials one after another in this
        process (a message says so). ``"serial"`` forces the in-process loop.
    address : str, optional
        ``"auto"`` or ``"HOST:PORT"``: join an existing Ray cluster (``DIR`` must then be on
        storage every node sees). Default: start Ray locally with this machine's cores.
    max_concurrent : int, optional
        At most this many trials at once (default: the spec's ``[run] max_concurrent``, else
        as many as the CPUs allow).
    retries : int, optional
        Retries of a failed trial, each resuming from the run's last checkpoint (default:
        the spec's ``[run] retries``, else 0).
    resume : bool
        ``True`` (default): trials already finished with the same settings are kept, the
        others resume from their checkpoints. ``False``: refuse a directory that already
        holds a sweep.
    quiet : bool
        Print nothing.

    Returns
    -------
    SweepResult
        The table; ``result.failed`` lists the trials that ended in an error (the others
        ran regardless).

    Raises
    ------
    ValueError
        A bad spec (before anything runs), an unknown backend, a directory holding another
        sweep, or ``resume=False`` on a directory holding a sweep.

    Examples
    --------
    >>> import tempfile
    >>> spec = {"preset": "mixture", "grid": {"seed": [0, 1]},
    ...         "set": {"steps": 2, "n_critic": 1, "batch_size": 16, "hidden": 8, "eval_every": 2,
    ...                 "eval_samples": 100, "image_every": 0, "device": "cpu"}}
    >>> with tempfile.TemporaryDirectory() as d:
    ...     res = run_sweep(spec, d, backend="serial", quiet=True)
    ...     [r["status"] for r in res.rows], res.aggregate[0]["n"]
    (['done', 'done'], 2)
    """
    if backend not in _BACKENDS:
        raise ValueError(f"backend must be one of {list(_BACKENDS)}, got {backend!r}")
    spec = spec if isinstance(spec, SweepSpec) else load_spec(spec)
    max_concurrent = spec.run["max_concurrent"] if max_concurrent is None else max_concurrent
    if max_concurrent is not None:
        check_int(max_concurrent, "max_concurrent", 1)
    retries = spec.run["retries"] if retries is None else retries
    check_int(retries, "retries", 0)
    log = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))

    use_ray = backend == "ray" or (backend == "auto" and ray_available())
    if backend == "ray" and not ray_available():
        raise ImportError("backend='ray' needs Ray Tune: pip install 'gaussiso[sweep]'")
    if address and not use_ray:
        raise ValueError(f"address={address!r} needs the Ray backend (Ray installed, not serial)")

    out = Path(out)
    record = out / "sweep.json"
    if record.is_file():
        old = json.loads(record.read_text())
        if not resume:
            raise ValueError(
                f"{str(out)!r} already holds sweep {old.get('name')!r}; rerun with resume "
                f"(the default) to finish it, or choose another directory"
            )
        if old.get("name") != spec.name:
            raise ValueError(
                f"{str(out)!r} holds sweep {old.get('name')!r}, not {spec.name!r}; choose another directory"
            )
    elif out.exists() and any(out.iterdir()):
        raise ValueError(f"{str(out)!r} exists, is not empty and holds no sweep; choose another directory")
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(record, spec.to_dict())

    trials = spec.trials()
    todo = [t for t in trials if not is_done(out / "runs" / t.name, t, spec.after)]
    skipped = len(trials) - len(todo)
    log(f"[sweep] {spec.name}: {len(trials)} trial(s), {skipped} already done, {len(todo)} to run")
    if not use_ray and backend == "auto":
        log(
            "[sweep] Ray is not installed (pip install 'gaussiso[sweep]'): running the trials one after "
            "another in this process"
        )

    t0 = time.perf_counter()
    info: dict = {"backend": "ray" if use_ray else "serial"}
    if todo:
        dirs = [out / "runs" / t.name for t in todo]
        if use_ray:
            from ._ray import run_ray

            info.update(
                run_ray(
                    todo,
                    dirs,
                    spec.after,
                    name=f"{spec.name}-{time.strftime('%Y%m%d-%H%M%S')}",
                    storage=out / "tune",
                    address=address,
                    max_concurrent=max_concurrent,
                    cpu=spec.resources["cpu"],
                    gpu=spec.resources["gpu"],
                    retries=retries,
                    quiet=quiet,
                    log=log,
                )
            )
        else:
            _run_serial(todo, dirs, spec, retries=retries, log=log)
    info.update({"ran": len(todo), "skipped": skipped, "seconds": time.perf_counter() - t0})
    res = collect(spec, out, info)
    info["failed"] = len(res.failed)
    write_results(res)
    _write_plots(res, spec)
    for r in res.failed:
        log(f"[sweep] FAILED {r['trial']} (attempts {r['attempts']}): {r['error']}")
    log(
        f"[sweep] {sum(r['status'] == 'done' for r in res.rows)}/{len(res.rows)} done, {len(res.failed)} failed "
        f"({info['seconds']:.1f} s); wrote {out / 'results.md'}"
    )
    return res


def _run_serial(trials, dirs, spec: SweepSpec, *, retries: int, log) -> None:
    threads = spec.resources["cpu"]
    for i, (t, d) in enumerate(zip(trials, dirs), 1):
        for attempt in range(retries + 1):
            log(f"[sweep] ({i}/{len(trials)}) {t.name}" + (f" retry {attempt}" if attempt else ""))
            try:
                run_trial(t, d, spec.after, threads=int(threads) if threads else None)
                break
            except Exception as e:  # recorded in trial.json; the other trials go on
                log(f"[sweep]   {t.name} failed: {type(e).__name__}: {e}")


def _write_plots(res, spec) -> None:
    if not spec.plot or not any(r["status"] == "done" for r in res.rows):
        return
    import matplotlib.pyplot as plt

    for p in spec.plot:
        if p["metric"] not in res.metrics:
            print(f"[sweep] plot skipped: metric {p['metric']!r} not in the results {res.metrics}", file=sys.stderr)
            continue
        ax = plot_sweep(res, p["metric"], p["x"], by=p.get("by"))
        ax.figure.tight_layout()
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{p['metric']}_vs_{p['x']}")
        ax.figure.savefig(res.out / f"plot_{safe}.png", dpi=100)
        plt.close(ax.figure)
