"""``python -m gan demo``: train two small GANs, compare them with the simplicial optimum, report.

What it does, on CPU in a few minutes (``--quick``: well under a minute):

1. trains the ``mixture`` preset (WGAN-GP, MLPs) on 3 equidistant modes of the plane with a
   2-D Gaussian latent, and on 4 equidistant modes of ``R^3`` with a 3-D latent (in both,
   ``m = d + 1``: the simplicial cluster exists and is optimal by the Milman-Neeman theorem);
2. analyses each trained generator with :func:`gan.analysis.analyze_run`: precision, LogReg and
   Convex accuracy, agreement of the latent partition with the fitted simplicial cluster, the
   empirical Lipschitz constant ``L``, the bounds of Corollary 3.6 and Theorem 3.7 at
   ``eps = D / L``;
3. builds, for each, the explicit optimal generator :math:`G^*_\\varepsilon` on the same modes
   (what ``python -m gan optimal`` writes) at two widths matched to the GAN's ``L``:
   ``eps = D / L`` (eq. (8), Lemma 3.5's :math:`\\varepsilon_{\\min}` as printed) and
   ``eps = D / (2 L)`` with ``rule="projection"``, which is exactly ``L``-Lipschitz, and analyses
   them the same way;
4. writes ``OUT/report.md`` (Markdown, figures embedded by relative path),
   ``OUT/summary.json``, and prints the summary table.

Runs live in ``OUT/runs/<name>``; running the demo again replaces them.
"""

from __future__ import annotations

import json
import math
import shutil
import sys
import time
from pathlib import Path

__all__ = ["add_arguments", "run", "EXPERIMENTS"]

#: (name, number of modes, data dimension, latent dimension)
EXPERIMENTS = (
    ("mix3_d2", 3, 2, 2),
    ("mix4_d3", 4, 3, 3),
)

# analysis sizes: (full, quick)
_ANALYSIS = {
    False: dict(n_samples=20_000, n_train=20_000, n_test=5_000, n_pairs=3_000, n_lipschitz=1_000,
                grid_resolution=120),
    True: dict(n_samples=4_000, n_train=3_000, n_test=1_000, n_pairs=500, n_lipschitz=300, grid_resolution=50),
}


def add_arguments(parser) -> None:
    parser.add_argument("--out", default="demo_out", help="output folder (default demo_out)")
    parser.add_argument("--quick", action="store_true",
                        help="a version in well under a minute (tiny training; checks the pipeline, not the science)")
    parser.add_argument("--steps", type=int, default=None,
                        help="generator steps per GAN (default 2000; 60 with --quick)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the training runs and of the analysis")
    parser.add_argument("--device", default="auto", help='"auto" (CUDA when available), "cpu", "cuda"...')


def _stage(msg: str) -> None:
    print(f"[demo {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _clear_run_dir(path: Path) -> None:
    """Remove a run directory an earlier demo wrote (never anything else)."""
    if path.exists():
        if not (path / "config.json").is_file():
            raise SystemExit(f"python -m gan demo: {path} exists and is not a run directory; choose another --out")
        shutil.rmtree(path)


def _progress_callback(total: int, every: int):
    """Step lines when the trainer's progress bar is off (stderr not a terminal)."""
    if sys.stderr.isatty():
        return None
    t0 = time.perf_counter()

    def cb(step, metrics):
        if step % every == 0 or step == total:
            w = "" if not metrics or "wdist" not in metrics else f"  W-distance estimate {metrics['wdist']:.3g}"
            print(f"    step {step}/{total}  ({time.perf_counter() - t0:.0f} s){w}", flush=True)

    return cb


def _train(name, m, dim, latent_dim, steps, seed, device, runs: Path):
    from gan.training import preset_config, train

    cfg = preset_config("mixture", steps=steps, seed=seed, latent_dim=latent_dim, device=device,
                        data_options={"kind": "equidistant", "m": m, "dim": dim},
                        eval_every=max(steps // 4, 1), image_every=0, ckpt_every=steps, log_every=max(steps // 40, 1))
    run_dir = runs / name
    _clear_run_dir(run_dir)
    _stage(f"training {name}: {m} equidistant modes in R^{dim}, {latent_dim}-D Gaussian latent, {steps} steps")
    res = train(cfg, run_dir, callback=_progress_callback(steps, max(steps // 5, 1)))
    _stage(f"trained {name} in {res.seconds:.1f} s")
    return run_dir, res.seconds


def _optimal(run_dir: Path, name: str, eps: float, rule: str, latent_dim: int, runs: Path) -> Path:
    """Write the G*_eps of the trained run's own modes as a run directory (``gan optimal``)."""
    import numpy as np

    import gaussiso
    from gan.optimal import OptimalGeneratorModule
    from gan.runs import load_run

    src = load_run(run_dir, device="cpu")
    centers = np.asarray(src.dataset.centers, dtype=np.float64)
    g = gaussiso.OptimalGenerator(centers, float(eps), latent_dim=latent_dim, rule=rule)
    out = runs / name
    _clear_run_dir(out)
    OptimalGeneratorModule.from_numpy(g).save_run(out)
    return out


def _fmt(x, nd=3):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{x:.{nd}f}"


def _pm(x, se, nd=3):
    if x is None:
        return "n/a"
    return f"{x:.{nd}f} ± {se:.{nd}f}" if se is not None else f"{x:.{nd}f}"


def _row(label, kind, m, d, a, *, eps, lip, thm_ok):
    return {
        "run": label, "kind": kind, "m": m, "latent_dim": d,
        "precision": a.get("precision"), "precision_stderr": a.get("precision_stderr"),
        "logreg_accuracy": a.get("logreg_accuracy"), "logreg_accuracy_stderr": a.get("logreg_accuracy_stderr"),
        "convex_accuracy": a.get("convex_accuracy"), "convex_accuracy_stderr": a.get("convex_accuracy_stderr"),
        "simplicial_agreement": a.get("simplicial_agreement"),
        "simplicial_agreement_stderr": a.get("simplicial_agreement_stderr"),
        "is_simplicial": a.get("is_simplicial"),
        "lipschitz_estimate": a.get("lipschitz_estimate"),
        "lipschitz_used": lip, "eps": eps,
        "corollary_3_6_bound": a.get("corollary_3_6_bound"),
        "theorem_3_7_bound": a.get("theorem_3_7_bound") if thm_ok else None,
        "exact_optimal_precision": (a.get("expected_precision_config") if kind == "optimal"
                                    else a.get("optimal_precision_matched")),
    }


def _table(rows) -> list[str]:
    head = ("run", "m", "d", "precision", "LogReg acc", "Convex acc", "agree A*", "L est", "eps",
            "Cor3.6 ≤", "Thm3.7 ≥", "exact 1-γ(∂^ε A*)")
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for r in rows:
        lines.append("| " + " | ".join([
            r["run"], str(r["m"]), str(r["latent_dim"]),
            _pm(r["precision"], r["precision_stderr"]),
            _pm(r["logreg_accuracy"], r["logreg_accuracy_stderr"]),
            _pm(r["convex_accuracy"], r["convex_accuracy_stderr"]),
            _pm(r["simplicial_agreement"], r["simplicial_agreement_stderr"]),
            _fmt(r["lipschitz_estimate"], 2), _fmt(r["eps"], 4),
            _fmt(r["corollary_3_6_bound"]), _fmt(r["theorem_3_7_bound"]), _fmt(r["exact_optimal_precision"]),
        ]) + " |")
    return lines


def _plot_training(run_dir: Path, name: str) -> str | None:
    """Wasserstein estimate and mode precision over training, from metrics.jsonl."""
    path = run_dir / "metrics.jsonl"
    if not path.is_file():
        return None
    recs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    w = [(r["step"], r["wdist"]) for r in recs if "wdist" in r]
    p = [(r["step"], r["eval/precision"]) for r in recs if "eval/precision" in r]
    if not w:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(*zip(*w), color="C0", lw=1)
    ax.set_xlabel("generator step")
    ax.set_ylabel("Wasserstein estimate", color="C0")
    if p:
        ax2 = ax.twinx()
        ax2.plot(*zip(*p), "o-", color="C3")
        ax2.set_ylabel("mode precision", color="C3")
        ax2.set_ylim(0, 1)
    ax.set_title(f"training of {name}")
    fig.tight_layout()
    fig.savefig(run_dir / "training.png", dpi=90)
    plt.close(fig)
    return "training.png"


def run(args) -> int:
    from gan.analysis import analyze_run

    t_start = time.perf_counter()
    out = Path(args.out)
    runs = out / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    quick = bool(args.quick)
    steps = args.steps if args.steps is not None else (60 if quick else 2000)
    if steps < 1:
        raise SystemExit(f"python -m gan demo: --steps must be >= 1, got {steps}")
    sizes = _ANALYSIS[quick]
    _stage(f"output in {out.resolve()}  ({'quick' if quick else 'full'} version, {steps} steps per GAN)")

    rows, sections, details = [], [], {}
    n_stages = 3 * len(EXPERIMENTS)
    k = 0
    for name, m, dim, d in EXPERIMENTS:
        k += 1
        _stage(f"stage {k}/{n_stages}")
        run_dir, secs = _train(name, m, dim, d, steps, args.seed, args.device, runs)

        k += 1
        _stage(f"stage {k}/{n_stages}: analysing {name} (precision, LogReg/Convex accuracy, simplicial fit, "
               f"Lipschitz constant, bounds)")
        t0 = time.perf_counter()
        a = analyze_run(run_dir, device=args.device, seed=args.seed, **sizes)
        _stage(f"analysed {name} in {time.perf_counter() - t0:.1f} s")
        L = a.get("lipschitz_estimate")
        D = a.get("d_min")
        rows.append(_row(f"GAN {name}", "gan", m, d, a, eps=a.get("eps_matched"), lip=L, thm_ok=m <= d))
        training_png = _plot_training(run_dir, name)
        details[name] = {"train_seconds": secs, "analysis": a}

        k += 1
        opt_rows = []
        if L is None or D is None or not (L > 0):
            _stage(f"stage {k}/{n_stages}: no Lipschitz estimate for {name}; skipping G*_eps")
        else:
            _stage(f"stage {k}/{n_stages}: G*_eps for {name}: eq. (8) at eps = D/L = {D / L:.4f}, "
                   f"projection rule at eps = D/(2L) = {D / (2 * L):.4f}")
            for tag, eps, rule in (("eq8", D / L, "eq8"), ("proj", D / (2 * L), "projection")):
                oname = f"opt_{name}_{tag}"
                odir = _optimal(run_dir, oname, eps, rule, d, runs)
                t0 = time.perf_counter()
                try:
                    ao = analyze_run(odir, device=args.device, seed=args.seed, **sizes)
                except Exception as exc:  # e.g. a non-finite Jacobian on the figure grid
                    _stage(f"analysis of {oname} failed with figures ({type(exc).__name__}: {exc}); "
                           f"retrying without figures")
                    ao = analyze_run(odir, device=args.device, seed=args.seed, figures=False, **sizes)
                    ao["figure_error"] = f"{type(exc).__name__}: {exc}"
                _stage(f"analysed {oname} in {time.perf_counter() - t0:.1f} s")
                label = f"G* {name} ({rule}, ε=D/{'L' if tag == 'eq8' else '2L'})"
                r = _row(label, "optimal", m, d, ao, eps=eps, lip=ao.get("lipschitz_estimate"), thm_ok=m <= d)
                rows.append(r)
                opt_rows.append((oname, odir, ao))
                details[oname] = {"analysis": ao, "eps": eps, "rule": rule}

        # report section for this experiment
        rel = Path("runs") / name
        sec = [f"## {name}: {m} equidistant modes in R^{dim}, {d}-D latent", ""]
        sec.append(f"Trained {steps} generator steps in {secs:.1f} s. "
                   f"Precision {_pm(a.get('precision'), a.get('precision_stderr'))}, LogReg accuracy "
                   f"{_pm(a.get('logreg_accuracy'), a.get('logreg_accuracy_stderr'))}, Convex accuracy "
                   f"{_pm(a.get('convex_accuracy'), a.get('convex_accuracy_stderr'))}; agreement of the latent "
                   f"partition with the fitted simplicial cluster "
                   f"{_pm(a.get('simplicial_agreement'), a.get('simplicial_agreement_stderr'))} "
                   f"(verdict `is_simplicial = {a.get('is_simplicial')}`).")
        sec.append("")
        cells = a.get("partition", {})
        if isinstance(cells, dict) and cells.get("cell_mass") is not None:
            sec.append(f"Latent cell masses (share of all latents; 1/m = {1 / m:.3f} is balanced): "
                       f"{', '.join(_fmt(x) for x in cells['cell_mass'])}; off-support mass "
                       f"{_fmt(cells.get('outside_mass'))}.")
            sec.append("")
        if L:
            sec.append(f"Empirical Lipschitz constant L ≈ {L:.2f} (a lower bound: a maximum over "
                       f"{sizes['n_lipschitz']} latents), mode distance D = {D:.3f}, so ε = D/L = {D / L:.4f}.")
            sec.append("")
        figs = [f for f in (a.get("figures") or [])]
        if training_png:
            figs = [training_png] + figs
        for f in figs:
            sec.append(f"![{name} {f}]({(rel / f).as_posix()})")
        sec.append("")
        for oname, odir, ao in opt_rows:
            for f in (ao.get("figures") or []):
                if "gradient" in f or "partition" in f:
                    sec.append(f"![{oname} {f}]({(Path('runs') / oname / f).as_posix()})")
        sec.append("")
        sections.append(sec)

    # ------------------------------------------------------------------------------ report
    table = _table(rows)
    total = time.perf_counter() - t_start
    summary = {"quick": quick, "steps": steps, "seed": args.seed, "seconds": total, "rows": rows,
               "experiments": [dict(zip(("name", "m", "dim", "latent_dim"), e)) for e in EXPERIMENTS],
               "details": details}
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=_json_default))
    md = ["# gaussiso demo: trained GANs against the simplicial optimum", ""]
    md.append(f"{'Quick version (a pipeline check; the GANs are barely trained). ' if quick else ''}"
              f"{steps} generator steps per GAN, seed {args.seed}, total {total:.0f} s.")
    md += ["", "## Summary", ""] + table + [""]
    md += [
        "Columns: precision = share of samples within the support radius of a mode (for G*, of a Dirac "
        "mode); LogReg / Convex accuracy as in Table 1 of Issenhuth et al. (2023); *agree A\\** = share of "
        "latents that the fitted simplicial cluster puts in the same cell as the generator; *L est* = "
        "empirical Lipschitz constant; *eps* = ε used for the bounds (GAN rows: D/L) or the width of G*; "
        "*Cor3.6 ≤* = upper bound of eq. (4) at ε_min = D/L (as printed in the paper); *Thm3.7 ≥* = "
        "eq. (7) with C = 1 (needs m ≤ d, hence n/a when m = d + 1); *exact* = 1 - γ(∂^ε A*) computed "
        "exactly, the precision G*_ε must have. G* with the projection rule at ε = D/(2L) is exactly "
        "L-Lipschitz, so its precision is the best a generator of the GAN's Lipschitz constant can "
        "reach on these modes (corrected Lemma 3.5).",
        "",
    ]
    for sec in sections:
        md += sec
    (out / "report.md").write_text("\n".join(md) + "\n")

    print()
    print("\n".join(table))
    print()
    _stage(f"done in {total:.0f} s: {out / 'report.md'}, {out / 'summary.json'}")
    return 0


def _json_default(x):
    try:
        import numpy as np

        if isinstance(x, np.generic):
            return x.item()
        if isinstance(x, np.ndarray):
            return x.tolist()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(x, Path):
        return str(x)
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")
