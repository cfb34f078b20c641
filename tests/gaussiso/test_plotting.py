"""Tests of gaussiso.plotting on the Agg backend (chosen here, never in the library)."""

import os
import subprocess
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.patches import PathPatch, Polygon  # noqa: E402

import gaussiso  # noqa: E402
from gaussiso import planar  # noqa: E402
from gaussiso.plotting import (  # noqa: E402
    plot_curve,
    plot_eps_boundary,
    plot_eps_curve,
    plot_partition,
    plot_perimeter_vs_m,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _patches(ax, kind, gid_prefix):
    return [p for p in ax.patches if isinstance(p, kind) and (p.get_gid() or "").startswith(gid_prefix)]


def test_plot_partition_creates_axes_and_cells():
    p = gaussiso.simplicial_cluster(3, 2)
    ax = plot_partition(p, extent=2.5)
    cells = _patches(ax, Polygon, "cell-")
    assert len(cells) == 3
    assert ax.get_xlim() == (-2.5, 2.5) and ax.get_ylim() == (-2.5, 2.5)
    assert len(ax.images) == 1  # the density
    # the drawn cells are the exact cells, clipped to the view (areas add up to the square)
    areas = [planar.voronoi_cells(p, radius=2.5)[i].area for i in range(3)]
    drawn = [_area(c.get_xy()) for c in cells]
    np.testing.assert_allclose(drawn, areas, rtol=1e-12)
    np.testing.assert_allclose(sum(drawn), 25.0, rtol=1e-12)


def _area(xy):
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def test_plot_partition_uses_given_axes_without_density():
    fig, ax = plt.subplots()
    p = gaussiso.VoronoiPartition([[1.0, 0.0], [-1.0, 0.5], [0.0, 2.0], [5.0, 5.0]])
    out = plot_partition(p, ax=ax, show_density=False)
    assert out is ax and len(plt.get_fignums()) == 1
    assert len(ax.images) == 0
    assert len(_patches(ax, Polygon, "cell-")) == 4
    # the seed outside the view is not marked
    assert ax.lines[-1].get_xdata().size == 3


def test_plot_eps_boundary_band_is_the_exact_region():
    p = gaussiso.simplicial_cluster(3, 2)
    ax = plot_partition(p)
    ax = plot_eps_boundary(p, 0.3, ax=ax)
    (band,) = _patches(ax, PathPatch, "eps-boundary")
    assert "0.3" in band.get_label()
    # the path's polygons (with holes) have the area of the exact eps-boundary in the view
    geom = planar.eps_boundary(p, 0.3, radius=3.0)
    polys = band.get_path().to_polygons(closed_only=True)
    signed = sum(0.5 * (np.dot(q[:, 0], np.roll(q[:, 1], -1)) - np.dot(q[:, 1], np.roll(q[:, 0], -1))) for q in polys)
    assert signed == pytest.approx(geom.area, rel=1e-12)
    # points inside the deep interior are outside the band, points near an interface inside
    path = band.get_path()
    assert not path.contains_point((2.0 * p.seeds[0, 0], 2.0 * p.seeds[0, 1]))
    mid = 1.5 * (p.seeds[0] + p.seeds[1]) / np.linalg.norm(p.seeds[0] + p.seeds[1])
    assert path.contains_point(tuple(mid))


def test_plot_eps_boundary_two_cells():
    p = gaussiso.VoronoiPartition([[1.0, 0.0], [-1.0, 0.0]])
    ax = plot_eps_boundary(p, 0.2, extent=2.0, label="band")
    (band,) = _patches(ax, PathPatch, "eps-boundary")
    assert band.get_label() == "band"
    np.testing.assert_allclose(band.get_path().get_extents().bounds, (-0.2, -2.0, 0.4, 4.0), atol=1e-12)


def test_plot_curve_with_and_without_errors():
    x = np.array([1.0, 2.0, 3.0])
    ax = plot_curve(x, [0.1, 0.2, 0.3], xlabel="x", ylabel="y")
    assert len(ax.collections) == 0 and ax.get_xlabel() == "x"
    est = gaussiso.Estimate(np.array([0.1, 0.2, 0.3]), np.array([0.01, 0.02, 0.0]), 10, "mc")
    ax = plot_curve(x, est, ax=ax, level=0.9, label="mc")
    (band,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    ys = band.get_paths()[0].vertices[:, 1]
    lo, hi = est.ci(0.9)
    assert ys.min() == pytest.approx(lo.min()) and ys.max() == pytest.approx(hi.max())
    with pytest.raises(ValueError, match="shape of x"):
        plot_curve(x, [0.1, 0.2])


def test_plot_eps_curve_exact_and_mc():
    eps = np.array([0.05, 0.1, 0.2, 0.4])
    p = gaussiso.simplicial_cluster(3, 2)
    ax = plot_eps_curve(p, eps)
    exact = [gaussiso.eps_boundary_measure(p, e).value for e in eps]
    np.testing.assert_allclose(ax.lines[-1].get_ydata(), exact)
    # the quadrature's error bound (~1e-15) gives a band of no visible width
    (band,) = ax.collections
    assert np.ptp(band.get_paths()[0].vertices[:, 1]) == pytest.approx(np.ptp(exact), abs=1e-12)
    q = gaussiso.VoronoiPartition([[1.0, 0.0], [-1.0, 0.5], [0.0, 2.0]])
    ax = plot_eps_curve(q, eps, ax=ax, n_samples=2000, rng=0, label="mc")
    assert len(ax.lines) == 2 and len(ax.collections) == 2
    mc = [
        gaussiso.eps_boundary_measure(q, e, n_samples=2000, rng=g) for g in [np.random.default_rng(0)] for e in eps
    ]  # the same generator, in order
    np.testing.assert_array_equal(ax.lines[-1].get_ydata(), [m.value for m in mc])
    with pytest.raises(ValueError, match="eps must be positive"):
        plot_eps_curve(p, [0.1, -0.1])


def test_plot_perimeter_vs_m():
    ax = plot_perimeter_vs_m([2, 3, 5])
    np.testing.assert_allclose(ax.lines[-1].get_xdata(), [2, 3, 5])
    np.testing.assert_allclose(ax.lines[-1].get_ydata()[0], 1 / np.sqrt(2 * np.pi), rtol=1e-12)
    ax = plot_perimeter_vs_m(
        [2, 3], ax=ax, method="mc", n_samples=2000, rng=1, partition=lambda m: gaussiso.simplicial_cluster(m, m, rng=m)
    )
    assert len(ax.lines) == 2
    with pytest.raises(TypeError, match="callable"):
        plot_perimeter_vs_m([2], partition=3)
    with pytest.raises(ValueError, match="m_values"):
        plot_perimeter_vs_m([1, 2])


def test_non_planar_partition_refused():
    with pytest.raises(ValueError, match="d == 2"):
        plot_partition(gaussiso.simplicial_cluster(3, 3))
    with pytest.raises(ValueError, match="eps"):
        plot_eps_boundary(gaussiso.simplicial_cluster(3, 2), -1.0)


def test_gaussiso_does_not_import_matplotlib_and_plotting_sets_no_backend():
    code = (
        "import sys, gaussiso\n"
        "assert 'matplotlib' not in sys.modules\n"
        "import matplotlib\n"
        "import gaussiso.plotting\n"
        "print(matplotlib.rcParams['backend'])\n"
    )
    env = dict(os.environ, MPLBACKEND="svg")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "svg"
