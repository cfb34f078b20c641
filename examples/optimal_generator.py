"""The explicit optimal generator G*_eps (Issenhuth et al. 2023, eq. (8) and Figure 7).

Writes two figures to ``--out`` (default ``examples_out/``):

``optimal_generator_fig7.png``
    m = 3 modes, 2-D latent space: the simplicial cluster with its eps-boundary shaded, and
    the image of G*_eps (the triangle spanned by the modes) with mapped Gaussian samples.
``optimal_generator_bounds.png``
    Precision against the Lipschitz constant L (equidistant modes at distance D = 1): the exact
    precision 1 - gamma(eps-boundary) of G*_eps for
    * ``rule="projection"`` with eps = D / (2 L) (its Lipschitz constant is exactly L),
    * eq. (8) with the paper's eps* = 2 sqrt(m) D / L (Lipschitz <= L by the paper's constant),
    against the Corollary 3.6 upper bound (eps_min = D / L, drawn where L >= D sqrt(log m)),
    the isoperimetric upper bound at eps_min / 2 (what the proofs support), and the
    Theorem 3.7 lower bound with C = C_m = exp(4 kappa_m^2) / m, kappa_m = d gamma / d eps at
    eps = 0: the smallest C for which (7) holds for G*_{eps*} at every L.

Run: ``python examples/optimal_generator.py [--out DIR] [--quick]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.special import ndtr  # noqa: E402

import gaussiso  # noqa: E402
from gaussiso import bounds  # noqa: E402
from gaussiso.modes import equidistant_centers  # noqa: E402

_X = np.linspace(-12.0, 12.0, 4801)
_PHI = np.exp(-(_X**2) / 2) / np.sqrt(2 * np.pi)


def boundary_measure(m: int, eps: float) -> float:
    """gamma(eps-boundary) of the simplicial m-cluster: the core's exact value, else the 1-D closed form."""
    if hasattr(gaussiso, "eps_boundary_measure"):
        return float(gaussiso.eps_boundary_measure(gaussiso.simplicial_cluster(m, m - 1), eps, method="exact").value)
    f = _PHI * (ndtr(_X) ** (m - 1) - ndtr(_X - np.sqrt(2) * eps) ** (m - 1))
    return float(m * np.trapezoid(f, _X))


def boundary_slope(m: int) -> float:
    """d gamma(eps-boundary)/d eps at 0 = sqrt2 m (m-1) int phi^2 Phi^(m-2)."""
    return float(np.sqrt(2) * m * (m - 1) * np.trapezoid(_PHI**2 * ndtr(_X) ** (m - 2), _X))


def figure_7(out: Path, quick: bool) -> Path:
    m, eps = 3, 0.35
    X = equidistant_centers(m, 2, distance=2.0)
    G = gaussiso.OptimalGenerator(X, eps, latent_dim=2)
    part = G.partition
    colours = np.array(["tab:blue", "tab:orange", "tab:green"])

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4.8))
    n_grid = 200 if quick else 500
    g = np.linspace(-2.5, 2.5, n_grid)
    zz = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
    lab = part.label(zz).reshape(n_grid, n_grid)
    band = (part.boundary_distance(zz) < eps).reshape(n_grid, n_grid)
    ax1.contourf(g, g, lab, levels=[-0.5, 0.5, 1.5, 2.5], colors=list(colours), alpha=0.25)
    ax1.contourf(g, g, band.astype(float), levels=[0.5, 1.5], colors=["0.35"], alpha=0.45)
    ax1.set_title(rf"latent $\mathbb{{R}}^2$: simplicial cluster, $\partial^\varepsilon$ shaded ($\varepsilon$={eps})")
    ax1.set_aspect("equal")

    n = 1500 if quick else 5000
    z = np.random.default_rng(0).standard_normal((n, 2))
    ax1.scatter(z[:, 0], z[:, 1], s=2, c=colours[part.label(z)], alpha=0.6)
    ax1.set_xlim(-2.5, 2.5)
    ax1.set_ylim(-2.5, 2.5)

    y = G(z)
    on = G.on_mode(y) >= 0
    tri = np.vstack([X, X[:1]])
    ax2.fill(tri[:, 0], tri[:, 1], color="0.9", zorder=0)
    ax2.plot(tri[:, 0], tri[:, 1], color="0.5", lw=1)
    ax2.scatter(y[~on, 0], y[~on, 1], s=3, c="0.3", alpha=0.6, label="from the eps-boundary")
    ax2.scatter(X[:, 0], X[:, 1], s=120, c=colours, edgecolors="k", zorder=3, label="modes (on-mode samples)")
    se = np.sqrt(on.mean() * (1 - on.mean()) / n)
    ax2.set_title(
        f"output: image of G*_eps; precision {on.mean():.3f} ± {se:.3f} (MC, n={n})\n"
        f"exact 1 - gamma(eps-boundary) = {1 - boundary_measure(m, eps):.4f}",
        fontsize=10,
    )
    ax2.set_aspect("equal")
    ax2.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    path = out / "optimal_generator_fig7.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def figure_bounds(out: Path, quick: bool) -> Path:
    D = 1.0
    ms = (3, 10) if not quick else (3,)
    fig, axes = plt.subplots(1, len(ms), figsize=(6 * len(ms), 4.5), squeeze=False)
    for ax, m in zip(axes[0], ms):
        L = np.geomspace(0.6, 60.0, 25 if quick else 60)
        kappa = boundary_slope(m)
        C = np.exp(4 * kappa**2) / m
        proj = [1 - boundary_measure(m, D / (2 * l)) for l in L]
        paper = [1 - boundary_measure(m, 2 * np.sqrt(m) * D / l) for l in L]
        ok = L >= D * np.sqrt(np.log(m))
        cor = [bounds.corollary_3_6(m, D / l) for l in L[ok]]
        iso = [bounds.corollary_3_6_sharp(m, D / l) for l in L]  # proven: half-gap eps_min / 2
        thm = [bounds.theorem_3_7(m, D / l, C) for l in L]
        ax.semilogx(L, proj, "C0-", lw=2, label="G*_eps, projection rule, eps = D/(2L)")
        ax.semilogx(L, paper, "C1-", lw=2, label="G*_eps*, eq. (8), eps* = 2 sqrt(m) D/L")
        ax.semilogx(L[ok], cor, "C3--", label="Cor. 3.6 upper bound (eps_min = D/L)")
        ax.semilogx(L, iso, "C2:", lw=2, label="isoperimetric upper bound at eps_min/2")
        ax.semilogx(L, thm, "C4-.", label=f"Thm 3.7 lower bound, C = {C:.3g}")
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("Lipschitz constant L (D = 1)")
        ax.set_ylabel("precision")
        ax.set_title(f"m = {m} equidistant modes")
        ax.legend(fontsize=7, loc="lower right")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    path = out / "optimal_generator_bounds.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("examples_out"), help="output folder")
    parser.add_argument("--quick", action="store_true", help="coarser grids, for CI")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for p in (figure_7(args.out, args.quick), figure_bounds(args.out, args.quick)):
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
