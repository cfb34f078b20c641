"""Numerically optimal equal-measure partitions of the Gaussian plane and space (m > d + 1).

For each ``m`` the script runs :func:`gaussiso._optimal_partition.optimal_partition` (power
diagrams, several starts), re-measures the best partition with the library's estimators (exact
in the plane; in 3-D exact facet perimeters and Monte Carlo measures with standard errors) and
compares it with two simple candidates: ``m`` equal sectors and a central disc of measure ``1/m``
with ``m - 1`` half-lines. In the plane it also runs threshold dynamics (curved interfaces
allowed) from the best power diagram and the eps-boundary objective.

Writes ``optimal_partitions_d{2,3}.json``, ``optimal_partitions_d2.png``,
``optimal_partitions_d3.png`` and ``optimal_partitions.md`` (the tables) under ``--out``.

Usage::

    python examples/optimal_partitions.py --out docs/_static            # d = 2, m = 3..10 and d = 3, m = 4..10
    python examples/optimal_partitions.py --out out/optpart --quick     # d = 2, m = 3..5 (< 1 minute)
    python examples/optimal_partitions.py --out out/optpart --parts d3  # only the 3-D table
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import pyplot

EPS = (0.05, 0.1, 0.2)


def disc_partition_eps(m, eps, n=2**20, seed=0):
    """Monte Carlo eps-boundary measure of 'central disc of measure 1/m + (m - 1) half-lines'."""
    g = np.random.default_rng(seed)
    z = g.standard_normal((n, 2))
    r0 = math.sqrt(-2.0 * math.log1p(-1.0 / m))
    rad = np.hypot(z[:, 0], z[:, 1])
    ang = np.arctan2(z[:, 1], z[:, 0]) % (2 * math.pi)
    width = 2 * math.pi / (m - 1)
    inside = rad < r0
    # outer points: distance to the disc and to the two rays bounding their sector
    k = np.floor(ang / width)
    dist = rad - r0
    for a in (k * width, (k + 1) * width):
        u = np.stack([np.cos(a), np.sin(a)], axis=1)
        t = np.maximum(np.einsum("ij,ij->i", z, u), r0)
        p = t[:, None] * u
        dist = np.minimum(dist, np.hypot(*(z - p).T))
    dist = np.where(inside, r0 - rad, dist)
    hit = dist < eps
    p = hit.mean()
    return float(p), float(math.sqrt(p * (1 - p) / n))


def run_d2(ms, n_starts, quick, seed):
    import gaussiso
    from gaussiso import planar
    from gaussiso._optimal_partition import (
        _energy,
        _mehler_matrix,
        candidate_perimeters,
        mbo_grid_partition,
        optimal_partition,
    )

    rows, results = [], {}
    for m in ms:
        t0 = time.perf_counter()
        res = optimal_partition(m, 2, rng=seed, n_starts=n_starts)
        secs = time.perf_counter() - t0
        per = res.perimeter()
        meas = res.cell_measures()
        cand = candidate_perimeters(m)
        a = 2 * np.pi * np.arange(m) / m
        sectors = gaussiso.VoronoiPartition(np.stack([np.cos(a), np.sin(a)], axis=1))
        row = {
            "m": m,
            "d": 2,
            "perimeter": float(per.value),
            "perimeter_err": float(per.stderr),
            "method": per.method,
            "max_measure_error": float(np.max(np.abs(meas.value - 1 / m))),
            "start_values": [None if not np.isfinite(v) else float(v) for v in res.start_values],
            "start_kinds": res.start_kinds,
            "agreement": res.agreement,
            "seconds": secs,
            "sectors": cand["sectors"],
            "disc": cand["disc"],
            "seeds": res.diagram.seeds.tolist(),
            "offsets": res.diagram.offsets.tolist(),
        }
        for e in EPS:
            row[f"eps_{e}"] = float(res.eps_boundary_measure(e).value)
            row[f"eps_{e}_sectors"] = float(planar.eps_boundary_measure(sectors, e).value)
            row[f"eps_{e}_disc"], row[f"eps_{e}_disc_err"] = disc_partition_eps(m, e, n=2**18 if quick else 2**20)
        # central cells: cells whose closure avoids the clipping square
        cells = res.diagram.cells()
        ang = res.junction_angles()
        row["junction_angle_max_dev_deg"] = float(np.max(np.abs(ang - 120.0))) if ang.size else 0.0
        row["curvature_cycle_residual"] = res.curvature_residual()
        row["n_bounded_cells"] = int(sum(1 for c in cells if not c.is_empty and max(map(abs, c.bounds)) < 9.99))
        # eps-boundary objective at eps = 0.1 (what precision depends on)
        if not quick or m <= 4:
            r_eps = optimal_partition(m, 2, objective="eps-boundary", eps=0.1, rng=seed, n_starts=max(2, n_starts // 2))
            row["eps_0.1_optimised"] = float(r_eps.eps_boundary_measure(0.1).value)
            row["perimeter_of_eps_optimum"] = float(r_eps.perimeter().value)
        # threshold dynamics from the best power diagram; energies on the same grid and t
        if m >= 4:
            mb = {}
            for n_grid, t in ((192, 0.02), (256, 0.01)) if quick else ((256, 0.02), (256, 0.01), (512, 0.01)):
                g = mbo_grid_partition(m, res.weights, res.diagram.label, n_grid=n_grid, t=t)
                xs = g["xs"]
                X, Y = np.meshgrid(xs, xs, indexing="ij")
                lab = res.diagram.label(np.stack([X.ravel(), Y.ravel()], axis=1)).reshape(X.shape)
                e_pd = _energy(lab, m, _mehler_matrix(xs, t), g["weights"], t)
                mmeas = np.bincount(g["labels"].ravel(), weights=g["weights"].ravel(), minlength=m)
                mb[f"n{n_grid}_t{t}"] = {
                    "energy_mbo": g["energy"],
                    "energy_power": e_pd,
                    "relative_gain": (e_pd - g["energy"]) / e_pd,
                    "mbo_max_measure_error": float(np.max(np.abs(mmeas - 1 / m))),
                }
                results[(m, "mbo")] = g
            row["mbo"] = mb
        rows.append(row)
        results[m] = res
        print(
            f"[d=2] m = {m}: perimeter {row['perimeter']:.6f} (sectors {cand['sectors']:.6f}, disc "
            f"{cand['disc']:.6f}); starts {np.round(res.start_values, 5).tolist()}; {secs:.1f} s",
            flush=True,
        )
    return rows, results


def run_d3(ms, n_starts, quick, seed, d2_rows, out=None, maxiter=None):
    from gaussiso._optimal_partition import candidate_perimeters, optimal_partition

    best2 = {r["m"]: r["perimeter"] for r in d2_rows}
    rows, results = [], {}
    for m in ms:
        t0 = time.perf_counter()
        res = optimal_partition(m, 3, rng=seed, n_starts=n_starts, maxiter=maxiter or 300, n_slices=24)
        secs = time.perf_counter() - t0
        per = res.perimeter()
        per_mc = res.diagram.perimeter(method="mc", n_samples=2**15 if quick else 2**17, rng=seed + 1)
        meas = res.cell_measures(n_samples=2**18 if quick else 2**21, rng=seed + 2)
        row = {
            "m": m,
            "d": 3,
            "perimeter": float(per.value),
            "perimeter_method": per.method,
            "perimeter_mc": float(per_mc.value),
            "perimeter_mc_err": float(per_mc.stderr),
            "max_measure_error": float(np.max(np.abs(meas.value - 1 / m))),
            "measure_stderr": float(np.max(meas.stderr)),
            "start_values": [None if not np.isfinite(v) else float(v) for v in res.start_values],
            "start_kinds": res.start_kinds,
            "agreement": res.agreement,
            "seconds": secs,
            "sectors": candidate_perimeters(m)["sectors"],
            "d2_optimum_times_line": best2.get(m),
            "seeds": res.diagram.seeds.tolist(),
            "offsets": res.diagram.offsets.tolist(),
        }
        for e in EPS:
            est = res.eps_boundary_measure(e, n_samples=2**18 if quick else 2**20, rng=seed + 3)
            row[f"eps_{e}"], row[f"eps_{e}_err"] = float(est.value), float(est.stderr)
        rows.append(row)
        results[m] = res
        if out is not None:  # after every m: the 3-D searches are long
            (out / "optimal_partitions_d3.json").write_text(json.dumps(rows, indent=1))
        print(
            f"[d=3] m = {m}: perimeter {row['perimeter']:.6f} (MC {per_mc.value:.4f} +- {per_mc.stderr:.4f}); "
            f"starts {np.round(res.start_values, 5).tolist()}; {secs:.1f} s",
            flush=True,
        )
    return rows, results


def _stationary(r):
    dev, res = r.get("junction_angle_max_dev_deg"), r.get("curvature_cycle_residual")
    if dev is None or res is None:
        return "?"
    return "yes" if dev < 0.5 and res < 1e-5 else "no: bend the interfaces"


def table_md(rows2, rows3):
    out = []
    if rows2:
        out += [
            "| m | perimeter (optimum found) | m sectors | disc + rays | starts agreeing | bounded cells "
            "| max junction angle - 120 deg | stationary among all partitions "
            "| eps = 0.05 | eps = 0.1 | eps = 0.2 | sectors, eps = 0.1 | disc, eps = 0.1 | seconds |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in rows2:
            out.append(
                f"| {r['m']} | {r['perimeter']:.6f} | {r['sectors']:.6f} | {r['disc']:.6f} | "
                f"{r['agreement']:.2f} | {r['n_bounded_cells']} | {r.get('junction_angle_max_dev_deg', float('nan')):.1f} | "
                f"{_stationary(r)} | "
                f"{r['eps_0.05']:.5f} | {r['eps_0.1']:.5f} | "
                f"{r['eps_0.2']:.5f} | {r['eps_0.1_sectors']:.5f} | {r['eps_0.1_disc']:.5f} "
                f"± {r['eps_0.1_disc_err']:.5f} | {r['seconds']:.1f} |"
            )
        out += [
            "",
            "| m | eps = 0.1: perimeter optimum | eps = 0.1: eps-boundary optimum | perimeter of the eps optimum |",
            "|---|---|---|---|",
        ]
        for r in rows2:
            if "eps_0.1_optimised" in r:
                out.append(
                    f"| {r['m']} | {r['eps_0.1']:.5f} | {r['eps_0.1_optimised']:.5f} | "
                    f"{r['perimeter_of_eps_optimum']:.6f} |"
                )
        out += [
            "",
            "| m | grid, t | heat-content energy, power diagram | after threshold dynamics | relative gain "
            "| MBO measure error |",
            "|---|---|---|---|---|---|",
        ]
        for r in rows2:
            for k, v in r.get("mbo", {}).items():
                out.append(
                    f"| {r['m']} | {k} | {v['energy_power']:.5f} | {v['energy_mbo']:.5f} | "
                    f"{100 * v['relative_gain']:.2f} % | {v['mbo_max_measure_error']:.1e} |"
                )
    best2 = {r["m"]: r["perimeter"] for r in rows2}
    for r in rows3:
        if r.get("d2_optimum_times_line") is None:
            r["d2_optimum_times_line"] = best2.get(r["m"])
    if rows3:
        out += [
            "",
            "| m | perimeter (exact facets) | Monte Carlo | m sectors x R | 2-D optimum x R | starts agreeing "
            "| max measure error (MC) | bounded cells | max interface distance to 0 | eps = 0.05 | eps = 0.1 | eps = 0.2 "
            "| seconds |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in rows3:
            d2 = "" if r["d2_optimum_times_line"] is None else f"{r['d2_optimum_times_line']:.6f}"
            out.append(
                f"| {r['m']} | {r['perimeter']:.6f} | {r['perimeter_mc']:.4f} ± {r['perimeter_mc_err']:.4f} | "
                f"{r['sectors']:.6f} | {d2} | {r['agreement']:.2f} | {r['max_measure_error']:.1e} "
                f"(se {r['measure_stderr']:.1e}) | {r.get('n_bounded_cells', '?')} | {r.get('max_interface_offset', float('nan')):.3f} | "
                f"{r['eps_0.05']:.4f} | {r['eps_0.1']:.4f} | "
                f"{r['eps_0.2']:.4f} | {r['seconds']:.0f} |"
            )
    return "\n".join(out) + "\n"


def _rebuild(row):
    from gaussiso._optimal_partition import OptimalPartition
    from gaussiso._power_diagram import PowerDiagram

    m, d = row["m"], row["d"]
    vals = np.array([np.nan if v is None else v for v in row["start_values"]])
    return OptimalPartition(
        m,
        d,
        np.full(m, 1.0 / m),
        "power",
        "perimeter",
        None,
        PowerDiagram(row["seeds"], row["offsets"]),
        vals,
        row["start_kinds"],
        row["agreement"],
        row["seconds"],
    )


def assemble(out, plt):
    """Tables and pictures from optimal_partitions_d{2,3}.json (stationarity checks recomputed)."""
    rows2, rows3 = [], []
    if (out / "optimal_partitions_d2.json").is_file():
        rows2 = json.loads((out / "optimal_partitions_d2.json").read_text())
        for r in rows2:
            res = _rebuild(r)
            ang = res.junction_angles()
            r["junction_angle_max_dev_deg"] = float(np.max(np.abs(ang - 120.0))) if ang.size else 0.0
            r["curvature_cycle_residual"] = res.curvature_residual()
        (out / "optimal_partitions_d2.json").write_text(json.dumps(rows2, indent=1))
    if (out / "optimal_partitions_d3.json").is_file():
        rows3 = json.loads((out / "optimal_partitions_d3.json").read_text())
        from gaussiso._power_diagram import facet_areas

        for r in rows3:
            _, _, c, area = facet_areas(np.array(r["seeds"]), np.array(r["offsets"]))
            r["max_interface_offset"] = float(np.max(np.abs(c[area > 1e-9]))) if np.any(area > 1e-9) else 0.0
            # a power cell is unbounded iff its seed lies on the boundary of the seeds' convex hull
            from scipy.spatial import ConvexHull

            r["n_bounded_cells"] = int(r["m"] - len(ConvexHull(np.array(r["seeds"])).vertices))
        show = [r for r in rows3 if r["m"] in (4, 5, 6, 7, 8, 10)]
        if show:
            fig, axes = plt.subplots(len(show), 3, figsize=(8.4, 2.9 * len(show)), squeeze=False)
            for row_axes, r in zip(axes, show):
                _rebuild(r).plot(ax=list(row_axes), title=f"m = {r['m']}", resolution=250)
            fig.tight_layout()
            fig.savefig(out / "optimal_partitions_d3.png", dpi=75)
            plt.close(fig)
    (out / "optimal_partitions.md").write_text(table_md(rows2, rows3))
    print(table_md(rows2, rows3))
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out/optimal_partitions")
    ap.add_argument("--quick", action="store_true", help="d = 2, m = 3..5, fewer starts (< 1 minute)")
    ap.add_argument("--parts", nargs="+", default=None, choices=["d2", "d3"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ms3", type=int, nargs="+", default=None, help="values of m for d = 3 (default 4..10)")
    ap.add_argument("--starts3", type=int, default=3, help="starts per m for d = 3 (default 3)")
    ap.add_argument("--maxiter3", type=int, default=300, help="SLSQP iterations per start for d = 3 (default 300)")
    ap.add_argument(
        "--assemble",
        action="store_true",
        help="only rebuild the tables and pictures from the JSON files already in --out",
    )
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.assemble:
        return assemble(out, pyplot())
    parts = args.parts or (["d2"] if args.quick else ["d2", "d3"])
    plt = pyplot()
    t0 = time.perf_counter()
    rows2, rows3, res2, res3 = [], [], {}, {}
    if "d2" in parts:
        ms = [3, 4, 5] if args.quick else list(range(3, 11))
        rows2, res2 = run_d2(ms, 3 if args.quick else 6, args.quick, args.seed)
        (out / "optimal_partitions_d2.json").write_text(json.dumps(rows2, indent=1))
        cols = 4
        ms2 = [m for m in ms if m in res2]
        nrow = math.ceil(len(ms2) / cols)
        fig, axes = plt.subplots(nrow, cols, figsize=(3.2 * cols, 3.3 * nrow), squeeze=False)
        for ax, m in zip(axes.ravel(), ms2):
            res2[m].plot(ax=ax, title=f"m = {m}: {res2[m].perimeter().value:.4f}")
        for ax in axes.ravel()[len(ms2) :]:
            ax.axis("off")
        fig.tight_layout()
        fig.savefig(out / "optimal_partitions_d2.png", dpi=80)
        plt.close(fig)
        mbo = [k for k in res2 if isinstance(k, tuple)]
        if mbo:
            from gaussiso._optimal_partition import OptimalPartition

            fig, axes = plt.subplots(1, len(mbo), figsize=(3.2 * len(mbo), 3.4), squeeze=False)
            for ax, key in zip(axes[0], mbo):
                g = res2[key]
                r = res2[key[0]]
                op = OptimalPartition(
                    r.m,
                    2,
                    r.weights,
                    "mbo",
                    "perimeter",
                    None,
                    None,
                    r.start_values,
                    r.start_kinds,
                    r.agreement,
                    0.0,
                    _grid=g,
                )
                op.plot(ax=ax, title=f"m = {key[0]}: threshold dynamics")
            fig.tight_layout()
            fig.savefig(out / "optimal_partitions_mbo.png", dpi=80)
            plt.close(fig)
    if "d3" in parts:
        if not rows2:
            p = out / "optimal_partitions_d2.json"
            rows2_ref = json.loads(p.read_text()) if p.is_file() else []
        else:
            rows2_ref = rows2
        ms = args.ms3 or ([4] if args.quick else list(range(4, 11)))
        rows3, res3 = run_d3(
            ms, 2 if args.quick else args.starts3, args.quick, args.seed, rows2_ref, out, args.maxiter3
        )
        (out / "optimal_partitions_d3.json").write_text(json.dumps(rows3, indent=1))
        show = [m for m in (4, 5, 6, 8, 10) if m in res3] or list(res3)[:1]
        fig, axes = plt.subplots(len(show), 3, figsize=(8.4, 2.9 * len(show)), squeeze=False)
        for row_axes, m in zip(axes, show):
            res3[m].plot(ax=list(row_axes), title=f"m = {m}")
        fig.tight_layout()
        fig.savefig(out / "optimal_partitions_d3.png", dpi=75)
        plt.close(fig)
    if not rows2 and (out / "optimal_partitions_d2.json").is_file():
        rows2 = json.loads((out / "optimal_partitions_d2.json").read_text())
    if not rows3 and (out / "optimal_partitions_d3.json").is_file():
        rows3 = json.loads((out / "optimal_partitions_d3.json").read_text())
        from gaussiso._power_diagram import facet_areas

        for r in rows3:
            _, _, c, area = facet_areas(np.array(r["seeds"]), np.array(r["offsets"]))
            r["max_interface_offset"] = float(np.max(np.abs(c[area > 1e-9]))) if np.any(area > 1e-9) else 0.0
            # a power cell is unbounded iff its seed lies on the boundary of the seeds' convex hull
            from scipy.spatial import ConvexHull

            r["n_bounded_cells"] = int(r["m"] - len(ConvexHull(np.array(r["seeds"])).vertices))
    (out / "optimal_partitions.md").write_text(table_md(rows2, rows3))
    print(table_md(rows2, rows3))
    print(f"wrote {out} ({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
