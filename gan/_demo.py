"""``python -m gan demo``: train two small GANs, compare them with the simplicial optimum, report.

What it does, on CPU in a few minutes (``--quick``: well under a minute):

1. trains the ``mixture`` preset (WGAN-GP, MLPs) on 3 equidistant modes of the plane with a
   2-D Gaussian latent, and on 4 equidistant modes of ``R^3`` with a 3-D latent (in both,
   ``m = d + 1``: the simplicial cluster exists and is optimal by the Milman-Neeman theorem);
2. analyses each trained generator with :func:`gan.analysis.analyze_run`: precision, LogReg and
   Convex accuracy, agreement of the latent partition with the fitted simplicial cluster, the
   empirical Lipschitz constant ``L`` (a lower bound of the true constant) and a certified
   upper bound of it (product of exact per-layer norms), and the bounds of Corollary 3.6 and
   Theorem 3.7 at both: the radius-aware proven bound at the certified constant is the test
   of the theory, the bounds at the empirical one are not;
3. builds, for each, the explicit optimal generator :math:`G^*_\\varepsilon` on the same modes
   (what ``python -m gan optimal`` writes) at two widths matched to the GAN's ``L``:
   ``eps = D / L`` (eq. (8), Lemma 3.5's :math:`\\varepsilon_{\\min}` as printed) and
   ``eps = D / (2 L)`` with ``rule="projection"``, which is exactly ``L``-Lipschitz and attains
   the proven Lemma 3.5 bound for the simplicial cluster (whether it is optimal among all
   ``L``-Lipschitz well-balanced generators is open for ``m >= 3``), and analyses them the same
   way;
4. writes ``OUT/report.md`` (Markdown, figures embedded by relative path),
   ``OUT/summary.json``, and prints the summary table and the table of the comparisons that
   test the theory (the writing lives in :mod:`gan._demo_report`; this module only runs the
   experiments).

Runs live in ``OUT/runs/<name>``; running the demo again replaces them.
"""

from __future__ import annotations

import dataclasses
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
    False: dict(n_samples=20_000, n_train=20_000, n_test=5_000, n_pairs=3_000, n_lipschitz=1_000, grid_resolution=120),
    True: dict(n_samples=4_000, n_train=3_000, n_test=1_000, n_pairs=500, n_lipschitz=300, grid_resolution=50),
}


def add_arguments(parser) -> None:
    parser.add_argument("--out", default="demo_out", help="output folder (default demo_out)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a version in well under a minute (tiny training; checks the pipeline, not the science)",
    )
    parser.add_argument(
        "--steps", type=int, default=None, help="generator steps per GAN (default 2000; 60 with --quick)"
    )
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

    cfg = preset_config(
        "mixture",
        steps=steps,
        seed=seed,
        latent_dim=latent_dim,
        device=device,
        data_options={"kind": "equidistant", "m": m, "dim": dim},
        eval_every=max(steps // 4, 1),
        image_every=0,
        ckpt_every=steps,
        log_every=max(steps // 40, 1),
    )
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


def run(args) -> int:
    from gan import _demo_report as report
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
        _stage(
            f"stage {k}/{n_stages}: analysing {name} (precision, LogReg/Convex accuracy, simplicial fit, "
            f"Lipschitz constant, bounds)"
        )
        t0 = time.perf_counter()
        a = analyze_run(run_dir, device=args.device, seed=args.seed, **sizes)
        _stage(f"analysed {name} in {time.perf_counter() - t0:.1f} s")
        L, D = a.lipschitz.estimate, a.d_min
        rows.append(report.row(f"GAN {name}", "gan", m, d, a, eps=a.eps_matched, lip=L, thm_ok=m <= d))
        training_png = report.plot_training(run_dir, name)
        details[name] = {"train_seconds": secs, "analysis": a}

        k += 1
        opt_runs = []
        if L is None or D is None or not (L > 0):
            _stage(f"stage {k}/{n_stages}: no Lipschitz estimate for {name}; skipping G*_eps")
        else:
            _stage(
                f"stage {k}/{n_stages}: G*_eps for {name}: eq. (8) at eps = D/L = {D / L:.4f}, "
                f"projection rule at eps = D/(2L) = {D / (2 * L):.4f}"
            )
            for tag, eps, rule in (("eq8", D / L, "eq8"), ("proj", D / (2 * L), "projection")):
                oname = f"opt_{name}_{tag}"
                odir = _optimal(run_dir, oname, eps, rule, d, runs)
                t0 = time.perf_counter()
                try:
                    ao = analyze_run(odir, device=args.device, seed=args.seed, **sizes)
                except Exception as exc:  # e.g. a non-finite Jacobian on the figure grid
                    _stage(
                        f"analysis of {oname} failed with figures ({type(exc).__name__}: {exc}); "
                        f"retrying without figures"
                    )
                    ao = analyze_run(odir, device=args.device, seed=args.seed, figures=False, **sizes)
                    ao = dataclasses.replace(ao, figure_error=f"{type(exc).__name__}: {exc}")
                _stage(f"analysed {oname} in {time.perf_counter() - t0:.1f} s")
                label = f"G* {name} ({rule}, ε=D/{'L' if tag == 'eq8' else '2L'})"
                rows.append(report.row(label, "optimal", m, d, ao, eps=eps, lip=ao.lipschitz.estimate, thm_ok=m <= d))
                opt_runs.append((oname, ao))
                details[oname] = {"analysis": ao, "eps": eps, "rule": rule}
        sections.append(
            report.experiment_section(
                name,
                m,
                dim,
                d,
                steps,
                secs,
                a,
                n_lipschitz=sizes["n_lipschitz"],
                training_png=training_png,
                optimal_runs=opt_runs,
            )
        )

    total = time.perf_counter() - t_start
    table = report.write_report(
        out,
        quick=quick,
        steps=steps,
        seed=args.seed,
        seconds=total,
        rows=rows,
        sections=sections,
        details=details,
        experiments=EXPERIMENTS,
    )
    print()
    print("\n".join(table))
    print()
    print("\n".join(report.theory_table(rows)))
    print()
    _stage(f"done in {total:.0f} s: {out / 'report.md'}, {out / 'summary.json'}")
    return 0
