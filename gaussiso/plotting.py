r"""Pictures of planar partitions and of measure curves, with matplotlib (no torch).

Importing this module imports matplotlib (``pip install matplotlib``, or
``pip install "gaussiso[plot]"``); ``import gaussiso`` never does. Nothing here chooses a
matplotlib backend. Every function draws on the axes it is given (``ax``), creates a figure
only when none is given, and returns the axes.

The geometry comes from :mod:`gaussiso.planar` (exact cells and eps-boundaries as polygons),
so what is drawn is what is measured.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")   # in a script; library code never does this
>>> import gaussiso
>>> from gaussiso.plotting import plot_partition, plot_eps_boundary
>>> p = gaussiso.simplicial_cluster(3, 2)
>>> ax = plot_partition(p, extent=3.0)
>>> ax = plot_eps_boundary(p, 0.3, ax=ax)
>>> len(ax.patches) >= 4     # three cells and the band
True
"""

from __future__ import annotations

import numpy as np

try:
    import matplotlib.pyplot as plt
    from matplotlib.patches import PathPatch
    from matplotlib.patches import Polygon as _MplPolygon
    from matplotlib.path import Path
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "gaussiso.plotting needs matplotlib: pip install matplotlib (or pip install 'gaussiso[plot]')"
    ) from exc
from shapely.geometry import MultiPolygon
from shapely.geometry.polygon import orient

from . import planar
from ._estimate import Estimate
from ._partition import check_partition
from ._validation import check_array, check_int, check_positive_float

__all__ = ["plot_partition", "plot_eps_boundary", "plot_curve", "plot_eps_curve", "plot_perimeter_vs_m"]


def _axes(ax):
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _planar(partition):
    p = check_partition(partition)
    if p.d != 2:
        raise ValueError(f"partition must be planar (d == 2) to be drawn, got d = {p.d}")
    return p


def _shapely_path(geom) -> Path:
    """A matplotlib Path of a shapely (Multi)Polygon, holes included (even-odd safe)."""
    polys = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
    verts, codes = [], []
    for poly in polys:
        if poly.is_empty:
            continue
        poly = orient(poly, sign=1.0)  # exterior counter-clockwise, holes clockwise
        for ring in [poly.exterior, *poly.interiors]:
            xy = np.asarray(ring.coords)
            verts.append(xy)
            codes.append([Path.MOVETO] + [Path.LINETO] * (len(xy) - 2) + [Path.CLOSEPOLY])
    if not verts:
        return Path(np.empty((0, 2)))
    return Path(np.concatenate(verts), np.concatenate(codes))


def plot_partition(partition, ax=None, *, extent=3.0, show_density=True, show_seeds=True, cmap="tab10", alpha=0.35):
    r"""Draw the cells of a planar Voronoi partition over the standard Gaussian density.

    Parameters
    ----------
    partition : VoronoiPartition
        With ``d == 2``.
    ax : matplotlib Axes, optional
        Drawn on when given; otherwise a new figure is created.
    extent : float, default 3.0
        The view is the square :math:`[-\mathrm{extent}, \mathrm{extent}]^2` (cells are
        clipped to it).
    show_density : bool, default True
        Shade :math:`\varphi_2(z) = e^{-|z|^2/2}/(2\pi)` in grey under the cells.
    show_seeds : bool, default True
        Mark the seeds that lie in the view.
    cmap : str, default "tab10"
        Colormap of the cells (cell ``i`` gets colour ``i``).
    alpha : float, default 0.35
        Opacity of the cells.

    Returns
    -------
    matplotlib Axes
        With one Polygon patch per non-empty cell (``gid`` ``"cell-i"``).
    """
    p = _planar(partition)
    r = check_positive_float(extent, "extent")
    ax = _axes(ax)
    if show_density:
        t = np.linspace(-r, r, 201)
        xx, yy = np.meshgrid(t, t)
        dens = np.exp(-0.5 * (xx**2 + yy**2)) / (2 * np.pi)
        ax.imshow(dens, extent=(-r, r, -r, r), origin="lower", cmap="Greys", alpha=0.6, zorder=0)
    colors = plt.get_cmap(cmap)
    for i, cell in enumerate(planar.voronoi_cells(p, radius=r)):
        if cell.is_empty:
            continue
        xy = np.asarray(cell.exterior.coords)
        ax.add_patch(
            _MplPolygon(
                xy,
                closed=True,
                facecolor=colors(i % colors.N),
                edgecolor="k",
                linewidth=1.0,
                alpha=alpha,
                zorder=1,
                gid=f"cell-{i}",
            )
        )
    if show_seeds:
        s = p.seeds
        inside = np.all(np.abs(s) <= r, axis=1)
        ax.plot(s[inside, 0], s[inside, 1], "k.", zorder=3)
    ax.set_xlim(-r, r)
    ax.set_ylim(-r, r)
    ax.set_aspect("equal")
    return ax


def plot_eps_boundary(partition, eps, ax=None, *, extent=3.0, color="crimson", alpha=0.5, label=None):
    r"""Shade the eps-boundary :math:`\partial^\varepsilon\mathcal{A}` of a planar partition.

    The band is the exact polygon of :func:`gaussiso.planar.eps_boundary` (the view square
    minus the cells' inner parallel bodies), clipped to the view.

    Parameters
    ----------
    partition : VoronoiPartition
        With ``d == 2``.
    eps : float
        ``eps > 0``.
    ax : matplotlib Axes, optional
    extent : float, default 3.0
        Half-width of the view square.
    color : default "crimson"
    alpha : float, default 0.5
    label : str, optional
        Legend label (default ``"eps-boundary, eps = ..."``).

    Returns
    -------
    matplotlib Axes
        With one PathPatch (``gid`` ``"eps-boundary"``) whose path has the band's holes.
    """
    p = _planar(partition)
    e = check_positive_float(eps, "eps")
    r = check_positive_float(extent, "extent")
    ax = _axes(ax)
    geom = planar.eps_boundary(p, e, radius=r)
    patch = PathPatch(
        _shapely_path(geom),
        facecolor=color,
        edgecolor="none",
        alpha=alpha,
        zorder=2,
        gid="eps-boundary",
        label=label if label is not None else f"eps-boundary, eps = {e:g}",
    )
    ax.add_patch(patch)
    ax.set_xlim(-r, r)
    ax.set_ylim(-r, r)
    ax.set_aspect("equal")
    return ax


def _values(y, name):
    """Values and standard errors (or None) of an array, an Estimate or a list of Estimates."""
    if isinstance(y, Estimate):
        return np.atleast_1d(np.asarray(y.value, dtype=float)), np.atleast_1d(np.asarray(y.stderr, dtype=float))
    if isinstance(y, (list, tuple)) and y and all(isinstance(e, Estimate) for e in y):
        return (np.array([float(e.value) for e in y]), np.array([float(e.stderr) for e in y]))
    return check_array(y, name, ndim=1), None


def plot_curve(x, y, ax=None, *, level=0.95, label=None, xlabel=None, ylabel=None, **kwargs):
    """Plot a curve, with a confidence band when ``y`` carries standard errors.

    Parameters
    ----------
    x : array_like, shape (n,)
    y : array_like of shape (n,), an Estimate with value of shape (n,), or a list of n scalar Estimates
        With standard errors, the band ``value ± z stderr`` (``Estimate.ci(level)``) is shaded.
    ax : matplotlib Axes, optional
    level : float, default 0.95
        Coverage of the band, in (0, 1).
    label, xlabel, ylabel : str, optional
    **kwargs
        Passed to ``ax.plot``.

    Returns
    -------
    matplotlib Axes
        The curve is ``ax.lines[-1]``; the band, when drawn, the last collection.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np, gaussiso
    >>> from gaussiso.plotting import plot_curve
    >>> eps = np.array([0.05, 0.1, 0.2])
    >>> est = [gaussiso.eps_boundary_measure(gaussiso.simplicial_cluster(3, 2), e) for e in eps]
    >>> ax = plot_curve(eps, est, xlabel="eps", label="simplicial, m = 3")
    >>> ax.lines[-1].get_ydata().round(4).tolist()
    [0.0591, 0.1167, 0.2269]
    """
    xs = check_array(x, "x", ndim=1)
    v, s = _values(y, "y")
    if v.shape != xs.shape:
        raise ValueError(f"y must have the shape of x {xs.shape}, got {v.shape}")
    ax = _axes(ax)
    (line,) = ax.plot(xs, v, label=label, **kwargs)
    if s is not None and np.any(s > 0):
        lo, hi = Estimate(v, s, 0, "").ci(level)
        ax.fill_between(xs, lo, hi, color=line.get_color(), alpha=0.25, linewidth=0)
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if label is not None:
        ax.legend()
    return ax


def plot_eps_curve(
    partition, eps, ax=None, *, method="auto", n_samples=None, rng=None, level=0.95, label=None, **kwargs
):
    r"""Plot :math:`\varepsilon \mapsto \gamma(\partial^\varepsilon\mathcal{A})` for a partition.

    Each point is :func:`gaussiso.eps_boundary_measure` (exact for simplicial clusters and
    two cells, Monte Carlo with a shaded confidence band otherwise).

    Parameters
    ----------
    partition : VoronoiPartition
        Any dimension.
    eps : array_like, shape (n,)
        Positive widths.
    ax : matplotlib Axes, optional
    method, n_samples, rng
        Passed to :func:`gaussiso.eps_boundary_measure` (one generator drives every point).
    level : float, default 0.95
        Coverage of the band.
    label : str, optional
        Default ``repr(partition)``.
    **kwargs
        Passed to ``ax.plot``.

    Returns
    -------
    matplotlib Axes
    """
    from ._measure import eps_boundary_measure  # kept out of import time
    from ._rng import as_generator

    p = check_partition(partition)
    e = check_array(eps, "eps", ndim=1)
    if np.any(e <= 0):
        raise ValueError(f"eps must be positive, got min {e.min()}")
    g = as_generator(rng) if method != "exact" else None
    est = [eps_boundary_measure(p, float(t), method=method, n_samples=n_samples, rng=g) for t in e]
    return plot_curve(
        e,
        est,
        ax,
        level=level,
        label=label if label is not None else repr(p),
        xlabel=r"$\varepsilon$",
        ylabel=r"$\gamma(\partial^\varepsilon \mathcal{A})$",
        **kwargs,
    )


def plot_perimeter_vs_m(
    m_values, ax=None, *, partition=None, method="auto", n_samples=None, rng=None, level=0.95, label=None, **kwargs
):
    r"""Plot the Gaussian perimeter of a family of partitions against the number of cells.

    Parameters
    ----------
    m_values : array_like of int, shape (n,)
        Numbers of cells, each ``>= 2``.
    ax : matplotlib Axes, optional
    partition : callable, optional
        ``m -> VoronoiPartition``; default the simplicial cluster
        ``gaussiso.simplicial_cluster(m, m - 1)`` (computed exactly).
    method, n_samples, rng
        Passed to :func:`gaussiso.gaussian_perimeter`.
    level : float, default 0.95
        Coverage of the band (Monte Carlo only).
    label : str, optional
        Default ``"simplicial cluster"`` or ``"partition(m)"``.
    **kwargs
        Passed to ``ax.plot`` (default marker ``"o"``).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from gaussiso.plotting import plot_perimeter_vs_m
    >>> ax = plot_perimeter_vs_m([2, 3, 4])
    >>> ax.lines[-1].get_ydata().round(4).tolist()   # m = 2: 1/sqrt(2 pi)
    [0.3989, 0.5984, 0.7279]
    """
    from ._measure import gaussian_perimeter
    from ._partition import simplicial_cluster
    from ._rng import as_generator

    ms = [check_int(m, "m_values", low=2) for m in np.atleast_1d(np.asarray(m_values)).tolist()]
    if not ms:
        raise ValueError("m_values must hold at least one number of cells")
    if partition is None:
        make, default = (lambda m: simplicial_cluster(m, m - 1)), "simplicial cluster"
    elif callable(partition):
        make, default = partition, "partition(m)"
    else:
        raise TypeError(f"partition must be None or a callable m -> VoronoiPartition, got {type(partition).__name__}")
    g = as_generator(rng) if method != "exact" else None
    est = [gaussian_perimeter(make(m), method=method, n_samples=n_samples, rng=g) for m in ms]
    kwargs.setdefault("marker", "o")
    return plot_curve(
        np.asarray(ms, dtype=float),
        est,
        ax,
        level=level,
        label=label if label is not None else default,
        xlabel="m (cells)",
        ylabel="Gaussian perimeter",
        **kwargs,
    )
