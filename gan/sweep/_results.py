"""The results of a sweep: a row per trial, rows aggregated over seeds, files and plots."""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from gan._util import atomic_write_json, atomic_write_text

from ._trial import read_status

__all__ = ["SweepResult", "load_results", "plot_sweep", "t_interval"]


@dataclass
class SweepResult:
    """What :func:`run_sweep` returns and ``DIR/results.json`` holds.

    Attributes
    ----------
    out : Path
        The sweep directory.
    name : str
        Name of the sweep.
    swept : list of str
        The swept keys (``variant``, then the grid keys; ``seed`` among them when swept).
    rows : list of dict
        One per trial, in the spec's order: ``trial``, ``status`` (``done``, ``error`` or
        ``missing``), the swept values, ``seed``, the metrics (the last logged value of each
        scalar, ``analyze/...`` when analysed), ``seconds`` (training and after-run work of the
        last attempt), ``attempts`` and ``error``.
    aggregate : list of dict
        One per combination of the swept keys other than ``seed``: those values, ``n`` (the
        finished trials in it) and for each metric its mean and the 95 % Student-t interval
        over the seeds (``<metric>.ci_low``, ``<metric>.ci_high``; NaN when ``n < 2``).
    run : dict
        How the trials ran: backend, counts, timings (``ran``, ``skipped``, ``failed``).
    metrics : list of str
        Names of the metrics in the rows, in order of appearance.
    """

    out: Path
    name: str
    swept: list
    rows: list
    aggregate: list
    run: dict = field(default_factory=dict)
    metrics: list = field(default_factory=list)

    @property
    def failed(self) -> list:
        """Rows of the trials that ended in an error."""
        return [r for r in self.rows if r["status"] == "error"]

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "swept": self.swept,
            "metrics": self.metrics,
            "rows": self.rows,
            "aggregate": self.aggregate,
            "run": self.run,
        }


def t_interval(values, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided Student-t confidence interval of ``values``.

    .. math:: \\bar x \\pm t_{n-1,\\,(1+c)/2}\\, s / \\sqrt{n}

    Parameters
    ----------
    values : iterable of float
        The sample, e.g. one metric over the seeds of a sweep.
    confidence : float
        Confidence level :math:`c`, in ``(0, 1)``.

    Returns
    -------
    mean : float
        The sample mean (NaN for no values).
    low, high : float
        The ends of the interval (NaN for fewer than two values).

    Examples
    --------
    >>> m, lo, hi = t_interval([1.0, 2.0, 3.0])
    >>> m, round(lo, 4), round(hi, 4)
    (2.0, -0.4841, 4.4841)
    """
    from scipy import stats

    x = [float(v) for v in values]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = sum(x) / n
    if n < 2:
        return mean, math.nan, math.nan
    sd = math.sqrt(sum((v - mean) ** 2 for v in x) / (n - 1))
    h = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return mean, mean - h, mean + h


def _metric_names(rows) -> list:
    names: list = []
    for r in rows:
        for k in r.get("_metrics", ()):
            if k not in names:
                names.append(k)
    return names


def collect(spec, out: Path, run_info: dict | None = None) -> SweepResult:
    """Build the result table from the trials' ``trial.json`` files."""
    swept = spec.swept_keys()
    rows = []
    for t in spec.trials():
        st = read_status(out / "runs" / t.name) or {}
        status = st.get("status", "missing")
        if status == "done" and st.get("config") != t.config:
            status = "missing"  # finished with other settings (the spec changed since)
        row = {"trial": t.name, "status": status, **t.params, "seed": t.config["seed"]}
        metrics = dict(st.get("metrics", {})) if status == "done" else {}
        row["step"] = metrics.pop("step", st.get("step"))
        row.update(metrics)
        row["_metrics"] = list(metrics)
        row.update(
            {
                "seconds": st.get("seconds") if status != "missing" else None,
                "attempts": st.get("attempts", 0),
                "error": st.get("error") if status == "error" else None,
            }
        )
        rows.append(row)
    names = _metric_names(rows)
    for r in rows:
        del r["_metrics"]
    group_keys = [k for k in swept if k != "seed"]
    groups: dict = {}
    for r in rows:
        groups.setdefault(json.dumps([r[k] for k in group_keys]), []).append(r)
    aggregate = []
    for members in groups.values():
        done = [r for r in members if r["status"] == "done"]
        agg = {k: members[0][k] for k in group_keys}
        agg["n"] = len(done)
        for m in names:
            vals = [r[m] for r in done if isinstance(r.get(m), (int, float))]
            mean, lo, hi = t_interval(vals)
            agg[m], agg[f"{m}.ci_low"], agg[f"{m}.ci_high"] = mean, lo, hi
        aggregate.append(agg)
    return SweepResult(Path(out), spec.name, swept, rows, aggregate, dict(run_info or {}), names)


# ---------------------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------------------
def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return "nan" if math.isnan(v) else f"{v:.4g}"
    if isinstance(v, (list, dict)):
        return json.dumps(v, separators=(",", ":"))
    return str(v)


def _json_safe(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_json_safe(v) for v in obj]
    return obj


def write_results(res: SweepResult) -> list[Path]:
    """Write ``results.json``, ``results.csv`` and ``results.md`` into the sweep directory."""
    out = res.out
    atomic_write_json(out / "results.json", _json_safe(res.to_dict()))
    metrics = res.metrics
    ci = [c for m in metrics for c in (f"{m}.ci_low", f"{m}.ci_high")]
    cols = ["row", "trial", "status", *res.swept, "seed", "n", "step", *metrics, *ci, "seconds", "attempts", "error"]
    cols = list(dict.fromkeys(cols))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in res.rows:
        w.writerow({k: _cell(v) if not isinstance(v, float) else repr(v) for k, v in ({"row": "trial"} | r).items()})
    for a in res.aggregate:
        w.writerow({k: _cell(v) if not isinstance(v, float) else repr(v) for k, v in ({"row": "mean"} | a).items()})
    atomic_write_text(out / "results.csv", buf.getvalue())

    lines = [f"# Sweep `{res.name}`", ""]
    n_done = sum(r["status"] == "done" for r in res.rows)
    lines.append(
        f"{len(res.rows)} trials: {n_done} done, {len(res.failed)} failed, "
        f"{len(res.rows) - n_done - len(res.failed)} missing."
    )
    lines += ["", "## Trials", ""]
    head = ["trial", "status", *res.swept, "seed", "step", *metrics, "seconds"]
    head = list(dict.fromkeys(head))
    lines += [_md_row(head), _md_row(["---"] * len(head))]
    lines += [_md_row([_cell(r.get(k)) for k in head]) for r in res.rows]
    group_keys = [k for k in res.swept if k != "seed"]
    lines += ["", "## Mean and 95 % interval over seeds (Student t)", ""]
    head = [*group_keys, "n", *metrics]
    lines += [_md_row(head), _md_row(["---"] * len(head))]
    for a in res.aggregate:
        cells = [_cell(a[k]) for k in group_keys] + [str(a["n"])]
        for m in metrics:
            mean, lo, hi = a[m], a[f"{m}.ci_low"], a[f"{m}.ci_high"]
            cells.append(_cell(mean) if math.isnan(lo) else f"{mean:.4g} [{lo:.4g}, {hi:.4g}]")
        lines.append(_md_row(cells))
    if res.failed:
        lines += ["", "## Failed trials", ""]
        lines += [f"- `{r['trial']}`: {r['error']}" for r in res.failed]
    atomic_write_text(out / "results.md", "\n".join(lines) + "\n")
    return [out / "results.json", out / "results.csv", out / "results.md"]


def _md_row(cells) -> str:
    return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"


def load_results(out) -> SweepResult:
    """Read ``DIR/results.json`` written by :func:`run_sweep`.

    Parameters
    ----------
    out : path-like
        The sweep directory.

    Returns
    -------
    SweepResult
    """
    out = Path(out)
    d = json.loads((out / "results.json").read_text())
    nan = float("nan")
    fix = [
        {k: (nan if v is None and k.endswith((".ci_low", ".ci_high")) else v) for k, v in a.items()}
        for a in d["aggregate"]
    ]
    return SweepResult(out, d["name"], d["swept"], d["rows"], fix, d.get("run", {}), d.get("metrics", []))


# ---------------------------------------------------------------------------------------
# plot
# ---------------------------------------------------------------------------------------
def plot_sweep(result, metric: str, x: str, *, by: str | None = None, ax=None):
    """Plot a metric against a swept key: the mean over seeds with its 95 % interval.

    Parameters
    ----------
    result : SweepResult or path-like
        A result, or a sweep directory holding ``results.json``.
    metric : str
        A metric of the rows (``eval/precision``, ``analyze/precision``, ``wdist``...).
    x : str
        A swept key other than ``seed`` (numeric values are placed on a numeric axis, others in order).
    by : str, optional
        A swept key drawn as separate lines; by default one line per combination of the swept
        keys other than ``x`` and ``seed``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        ``x`` or ``by`` not swept, or ``metric`` absent from the results.
    """
    res = result if isinstance(result, SweepResult) else load_results(result)
    if x not in res.swept or x == "seed":
        raise ValueError(f"x must be a swept key other than seed {[k for k in res.swept if k != 'seed']}, got {x!r}")
    if by is not None and by not in res.swept:
        raise ValueError(f"by must be a swept key {res.swept}, got {by!r}")
    if metric not in res.metrics and not any(metric in a for a in res.aggregate):
        raise ValueError(f"metric {metric!r} is not in the results; available: {res.metrics}")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(5.5, 4))
    line_keys = [by] if by else [k for k in res.swept if k not in (x, "seed")]
    lines: dict = {}
    for a in res.aggregate:
        if a.get("n", 0) and isinstance(a.get(metric), (int, float)) and not math.isnan(a[metric]):
            label = ", ".join(f"{k}={_cell(a[k])}" for k in line_keys)
            lines.setdefault(label, []).append(a)
    xs_all = [a[x] for a in res.aggregate]
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in xs_all)
    order = list(dict.fromkeys(map(_cell, xs_all)))  # categorical axis: the spec's order
    for label, pts in lines.items():
        pts = sorted(pts, key=lambda a: a[x] if numeric else order.index(_cell(a[x])))
        xv = [a[x] if numeric else order.index(_cell(a[x])) for a in pts]
        mean = [a[metric] for a in pts]
        lo = [a.get(f"{metric}.ci_low", math.nan) for a in pts]
        hi = [a.get(f"{metric}.ci_high", math.nan) for a in pts]
        yerr = [
            [m - l if not math.isnan(l) else 0.0 for m, l in zip(mean, lo)],
            [h - m if not math.isnan(h) else 0.0 for m, h in zip(mean, hi)],
        ]
        ax.errorbar(xv, mean, yerr=yerr, marker="o", capsize=3, label=label or None)
    if not numeric:
        ax.set_xticks(range(len(order)), order)
    ax.set_xlabel(x)
    ax.set_ylabel(metric)
    ax.set_title(f"{res.name}: mean and 95 % interval over seeds", fontsize=9)
    if any(lines) and any(label for label in lines):
        ax.legend(fontsize=8)
    return ax
