"""Figures of the latent geometry (matplotlib; import this module only when plotting).

Every function takes ``ax=None`` (a new figure is made when none is given) and returns the
axes. Outside / low-confidence samples (label ``-1``) are drawn in grey.

Voronoi cells of points are drawn by :mod:`gaussiso.plotting` (exact polygons); what is
specific to a generator stays here: partitions read off a latent grid of labels (any shape
of cell, not only Voronoi), the sphere of latents, and the training-progress pictures.
"""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

__all__ = [
    "OUTSIDE_COLOR",
    "class_colors",
    "plot_latent_sphere",
    "plot_modes_voronoi",
    "plot_latent_partition",
    "plot_precision_vs_dim",
    "plot_truncation_curve",
    "image_grid",
    "plot_training_progress",
]

OUTSIDE_COLOR = (0.55, 0.55, 0.55, 1.0)


def class_colors(m: int) -> np.ndarray:
    """``m`` distinct RGBA colours (tab10, then tab20, then hsv)."""
    if m <= 10:
        return np.asarray(matplotlib.colormaps["tab10"](np.arange(m)))
    if m <= 20:
        return np.asarray(matplotlib.colormaps["tab20"](np.arange(m)))
    return np.asarray(matplotlib.colormaps["hsv"](np.linspace(0, 1, m, endpoint=False)))


def _colors_for(labels: np.ndarray, m: int) -> np.ndarray:
    lab = np.asarray(labels, dtype=int)
    col = np.tile(np.asarray(OUTSIDE_COLOR), (lab.size, 1))
    pal = class_colors(max(m, 1))
    on = lab >= 0
    col[on] = pal[lab[on]]
    return col


def plot_latent_sphere(z, labels, *, m: int | None = None, ax=None, size: float = 4.0):
    """Figure 1-like: latents of R^3 projected on the unit sphere, coloured by class.

    Parameters
    ----------
    z : array_like, shape (n, 3)
    labels : array_like of int, shape (n,)
        ``-1`` (outside / low confidence) drawn in grey.
    m : int, optional
        Number of classes (defaults to ``max(labels) + 1``).
    ax : mpl_toolkits.mplot3d.axes3d.Axes3D, optional
    size : float
        Marker size.

    Returns
    -------
    Axes3D
    """
    za = np.asarray(z, dtype=float)
    if za.ndim != 2 or za.shape[1] != 3:
        raise ValueError(f"z must have shape (n, 3), got {za.shape}")
    lab = np.asarray(labels, dtype=int)
    m = int(lab.max() + 1) if m is None else int(m)
    u = za / np.linalg.norm(za, axis=1, keepdims=True)
    if ax is None:
        ax = plt.figure(figsize=(5, 5)).add_subplot(projection="3d")
    ax.scatter(u[:, 0], u[:, 1], u[:, 2], c=_colors_for(lab, m), s=size, depthshade=False)
    ax.set_box_aspect((1, 1, 1))
    ax.set_xlabel("$z_1$"), ax.set_ylabel("$z_2$"), ax.set_zlabel("$z_3$")
    ax.set_title("latents on the unit sphere, by class (grey: outside)")
    return ax


def plot_modes_voronoi(centers, *, samples=None, sample_labels=None, ax=None, margin: float = 0.5):
    """Figure 2-like (left): the modes and their Voronoi diagram in data space.

    For data of dimension ``D > 2`` everything is projected on the plane of the first two
    principal axes of the centers, and the diagram drawn is that of the projected centers
    (exact for ``D = 2``; an illustration otherwise). The cells are the exact polygons of
    :func:`gaussiso.plotting.plot_partition` (the centered centers as seeds, no Gaussian
    density: this is data space), in the class colours.

    Parameters
    ----------
    centers : array_like, shape (m, D)
    samples : array_like, shape (n, D), optional
        Generated samples to overlay.
    sample_labels : array_like of int, shape (n,), optional
        Their labels (grey for ``-1``).
    ax : matplotlib.axes.Axes, optional
    margin : float
        Relative margin around the centers.

    Returns
    -------
    matplotlib.axes.Axes
        With one Polygon patch per cell (``gid`` ``"cell-i"``) when the (projected) centers
        are at least two and distinct; otherwise the centers alone.
    """
    import gaussiso
    from gaussiso.plotting import plot_partition

    c = np.asarray(centers, dtype=float)
    m, D = c.shape
    mean = c.mean(axis=0)
    if D == 2:
        P = np.eye(2)
    else:
        _, _, vt = np.linalg.svd(c - mean, full_matrices=False)
        P = vt[:2].T if vt.shape[0] >= 2 else np.eye(D)[:, :2]
    c2 = (c - mean) @ P
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    span = np.ptp(c2, axis=0).max() if m > 1 else 1.0
    extent = float(np.abs(c2).max() + margin * span) if m > 1 else 1.0
    pal = class_colors(m)
    try:  # the projected centers as the seeds of a planar Voronoi partition, centered at 0
        part = gaussiso.VoronoiPartition(c2)
    except ValueError:  # one mode, or centers that coincide in the projection: no diagram
        part = None
    if part is not None:
        plot_partition(
            part,
            ax=ax,
            extent=extent,
            show_density=False,
            show_seeds=False,
            cmap=matplotlib.colors.ListedColormap(pal),
            alpha=0.35,
        )
    if samples is not None:
        s2 = (np.asarray(samples, dtype=float).reshape(len(samples), -1) - mean) @ P
        col = _colors_for(np.zeros(len(s2), int) if sample_labels is None else sample_labels, m)
        ax.scatter(s2[:, 0], s2[:, 1], c=col, s=3, alpha=0.6, linewidths=0)
    ax.scatter(c2[:, 0], c2[:, 1], c=pal, s=80, marker="*", edgecolors="k", zorder=3)
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_title("modes and their Voronoi cells" + ("" if D == 2 else " (PCA projection)"))
    ax.set_aspect("equal")
    return ax


def _draw_boundaries(ax, lab: np.ndarray, xs: np.ndarray, ys: np.ndarray, color="k", lw=1.0):
    # the 1/2 level set of each cell's indicator, interpolated by marching squares
    for c in np.unique(lab):
        ind = (lab == c).astype(float)
        if 0 < ind.sum() < ind.size:
            ax.contour(xs, ys, ind, levels=[0.5], colors=color, linewidths=lw)


def plot_latent_partition(
    grid_labels,
    xs,
    *,
    m: int | None = None,
    background=None,
    ax=None,
    background_label: str = r"$\|J\|_F$",
    log_background: bool = False,
    samples=None,
    sample_labels=None,
    title: str | None = None,
):
    """Figures 2 (right) and 3-like: a 2-D latent partition, optionally over a heatmap.

    Parameters
    ----------
    grid_labels : array_like of int, shape (r, r) or (r*r,)
        Labels on the grid of :func:`gan.analysis.jacobian.latent_grid` (row ``i`` is
        ``y = xs[i]``).
    xs : array_like, shape (r,)
        Grid coordinates.
    m : int, optional
        Number of classes.
    background : array_like, shape (r, r) or (r*r,), optional
        A scalar field drawn under the boundaries (e.g. the gradient norm); without one the
        cells are filled with their class colour.
    ax : matplotlib.axes.Axes, optional
    background_label : str
    log_background : bool
        Colour the background on a log scale (zeros left blank).
    samples : array_like, shape (n, 2), optional
        Latents to overlay, with ``sample_labels``.
    sample_labels : array_like of int, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    xs = np.asarray(xs, dtype=float)
    r = xs.size
    lab = np.asarray(grid_labels, dtype=int).reshape(r, r)
    m = int(lab.max() + 1) if m is None else int(m)
    ext = (xs[0], xs[-1], xs[0], xs[-1])
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 5))
    if background is not None:
        bg = np.asarray(background, dtype=float).reshape(r, r)
        norm = None
        if log_background:
            pos = bg[bg > 0]
            if pos.size:
                norm = matplotlib.colors.LogNorm(vmin=max(pos.min(), pos.max() * 1e-4), vmax=pos.max())
        im = ax.imshow(
            np.where(bg > 0, bg, np.nan) if norm is not None else bg,
            origin="lower",
            extent=ext,
            cmap="viridis",
            norm=norm,
            interpolation="nearest",
        )
        ax.figure.colorbar(im, ax=ax, label=background_label, fraction=0.046)
    else:
        pal = np.vstack([np.asarray(OUTSIDE_COLOR)[None, :], class_colors(max(m, 1))])
        ax.imshow(
            lab + 1,
            origin="lower",
            extent=ext,
            cmap=matplotlib.colors.ListedColormap(pal),
            vmin=-0.5,
            vmax=m + 0.5,
            interpolation="nearest",
        )
    _draw_boundaries(ax, lab, xs, xs, color="w" if background is not None else "k")
    if samples is not None:
        s = np.asarray(samples, dtype=float)
        ax.scatter(s[:, 0], s[:, 1], c=_colors_for(sample_labels, m), s=3, linewidths=0)
    ax.set_xlabel("$z_1$"), ax.set_ylabel("$z_2$")
    ax.set_title(title or f"latent partition ({m} classes)")
    return ax


def plot_precision_vs_dim(
    dims, precision, *, stderr=None, label: str | None = None, ax=None, ylabel: str = "precision"
):
    """Figure 5-like: precision (or density) against the latent dimension.

    Parameters
    ----------
    dims : array_like, shape (k,)
    precision : array_like, shape (k,) or (s, k)
        One curve, or ``s`` curves (one per setting, e.g. number of modes).
    stderr : array_like, same shape as ``precision``, optional
        Error bars (1 standard error).
    label : str or sequence of str, optional
        Legend entries.
    ax : matplotlib.axes.Axes, optional
    ylabel : str

    Returns
    -------
    matplotlib.axes.Axes
    """
    d = np.asarray(dims, dtype=float)
    p = np.atleast_2d(np.asarray(precision, dtype=float))
    if p.shape[1] != d.size:
        raise ValueError(f"precision must have {d.size} columns to match dims, got shape {p.shape}")
    se = None if stderr is None else np.atleast_2d(np.asarray(stderr, dtype=float))
    labels = [label] * p.shape[0] if (label is None or isinstance(label, str)) else list(label)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    for i in range(p.shape[0]):
        ax.errorbar(d, p[i], yerr=None if se is None else se[i], marker="o", capsize=2, label=labels[i])
    ax.set_xscale("log", base=2)
    ax.set_xlabel("latent dimension $d$")
    ax.set_ylabel(ylabel)
    if any(lb is not None for lb in labels):
        ax.legend()
    return ax


def plot_truncation_curve(
    thresholds,
    density,
    coverage,
    *,
    density_stderr=None,
    coverage_stderr=None,
    ax=None,
    xlabel: str = r"truncation threshold $\tau$",
):
    """Figure 8-like: density and coverage against the truncation threshold.

    Parameters
    ----------
    thresholds : array_like, shape (k,)
    density, coverage : array_like, shape (k,)
    density_stderr, coverage_stderr : array_like, shape (k,), optional
    ax : matplotlib.axes.Axes, optional
    xlabel : str

    Returns
    -------
    matplotlib.axes.Axes
    """
    t = np.asarray(thresholds, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    ax.errorbar(t, np.asarray(density, float), yerr=density_stderr, marker="o", capsize=2, label="density")
    ax.errorbar(t, np.asarray(coverage, float), yerr=coverage_stderr, marker="s", capsize=2, label="coverage")
    ax.set_xlabel(xlabel)
    ax.legend()
    return ax


# ---------------------------------------------------------------------------------------
# Training progress (the trainer's images/step_*.png and ``python -m gan sample --out x.png``)
# ---------------------------------------------------------------------------------------
def image_grid(images, *, cols: int | None = None) -> np.ndarray:
    """Tile images ``(n, C, H, W)`` in ``[-1, 1]`` into one ``(rows (H+1), cols (W+1), C)`` array in ``[0, 1]``.

    Tiles are separated by one white pixel; ``cols`` defaults to ``ceil(sqrt(n))``.

    Examples
    --------
    >>> image_grid(np.zeros((5, 1, 2, 2))).shape
    (6, 9, 1)
    """
    x = np.asarray(images, dtype=np.float32)
    if x.ndim != 4:
        raise ValueError(f"images must have shape (n, C, H, W), got {x.shape}")
    n, c, h, w = x.shape
    cols = int(np.ceil(np.sqrt(n))) if cols is None else int(cols)
    rows = int(np.ceil(n / cols))
    grid = np.ones((rows * (h + 1), cols * (w + 1), c), dtype=np.float32)
    tiles = (np.clip(x, -1, 1) + 1) / 2
    for i in range(n):
        r, q = divmod(i, cols)
        grid[r * (h + 1) : r * (h + 1) + h, q * (w + 1) : q * (w + 1) + w] = tiles[i].transpose(1, 2, 0)
    return grid


def plot_training_progress(fake, *, cluster=None, real=None, step: int | None = None, ax=None):
    """Generated samples of a run: a scatter for 2-D points, an image grid for images.

    Parameters
    ----------
    fake : array_like, shape (n, D) or (n, C, H, W)
        Generated points (the first two coordinates are drawn), or images in ``[-1, 1]``.
    cluster : array_like of int, shape (n,), optional
        Latent cluster of each point (colours the scatter).
    real : array_like, shape (k, 2), optional
        Training points, drawn in grey under the generated ones.
    step : int, optional
        Generator step, shown in the title.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new :class:`matplotlib.figure.Figure` (no pyplot state),
        saved with ``ax.figure.savefig(path)``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_training_progress(np.zeros((4, 2)), cluster=[0, 1, 2, 0], step=10)
    >>> ax.get_title()
    'step 10'
    """
    from matplotlib.figure import Figure

    fake = np.asarray(fake)
    if fake.ndim not in (2, 4) or (fake.ndim == 2 and fake.shape[1] < 2):
        raise ValueError(f"fake must have shape (n, D >= 2) or (n, C, H, W), got {fake.shape}")
    if ax is None:
        ax = Figure(figsize=(5, 5) if fake.ndim == 2 else (6, 6)).add_subplot()
    if fake.ndim == 2:
        if real is not None:
            real = np.asarray(real)
            ax.scatter(real[:, 0], real[:, 1], s=2, c="0.7", label="data")
        c = None if cluster is None else np.asarray(cluster)
        ax.scatter(fake[:, 0], fake[:, 1], s=2, c=c, cmap="tab10" if c is not None else None, label="generated")
        ax.set_aspect("equal")
        ax.legend(loc="upper right", markerscale=4)
    else:
        grid = image_grid(fake)
        gray = grid.shape[-1] == 1
        ax.imshow(grid[..., 0] if gray else grid, cmap="gray" if gray else None, vmin=0, vmax=1)
        ax.set_axis_off()
    if step is not None:
        ax.set_title(f"step {step}")
    return ax
