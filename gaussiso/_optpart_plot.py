"""Plots of :class:`gaussiso._optimal_partition.OptimalPartition` (matplotlib imported here only)."""

from __future__ import annotations

import numpy as np

__all__ = ["plot_partition"]


def plot_partition(result, ax=None, *, half_width=3.0, resolution=400, title=None):
    """Cells over the Gaussian density (2-D), or three slices ``z3 = -1, 0, 1`` (3-D).

    For 3-D a list of three axes may be given; otherwise a new figure with three panels is made.
    Returns the axes (a list of three for 3-D).
    """
    import matplotlib.pyplot as plt

    xs = np.linspace(-half_width, half_width, resolution)
    X, Y = np.meshgrid(xs, xs)
    dens = np.exp(-0.5 * (X * X + Y * Y))
    cmap = plt.get_cmap("tab10" if result.m <= 10 else "tab20")
    if result.d == 2:
        if ax is None:
            _, ax = plt.subplots(figsize=(4.2, 4.2))
        _panel(ax, result, np.stack([X.ravel(), Y.ravel()], axis=1), X.shape, dens, cmap, xs)
        ax.set_title(title or f"m = {result.m}, d = 2 ({result.method})")
        return ax
    if ax is None:
        _, ax = plt.subplots(1, 3, figsize=(11, 3.8))
    for a, h in zip(ax, (-1.0, 0.0, 1.0)):
        pts = np.stack([X.ravel(), Y.ravel(), np.full(X.size, h)], axis=1)
        _panel(a, result, pts, X.shape, dens, cmap, xs)
        a.set_title(f"z3 = {h:g}" if title is None else f"{title}, z3 = {h:g}", fontsize=9)
    return ax


def _panel(ax, result, pts, shape, dens, cmap, xs):
    lab = result.label(pts).reshape(shape)
    rgb = np.asarray(cmap(lab % cmap.N))[..., :3]
    shade = 0.35 + 0.65 * dens[..., None]
    ax.imshow(rgb * shade, origin="lower", extent=(xs[0], xs[-1], xs[0], xs[-1]), interpolation="nearest")
    # interfaces: where the label changes
    edge = np.zeros(shape, dtype=bool)
    edge[:, 1:] |= lab[:, 1:] != lab[:, :-1]
    edge[1:, :] |= lab[1:, :] != lab[:-1, :]
    ax.contour(xs, xs, edge.astype(float), levels=[0.5], colors="k", linewidths=0.6)
    for r in (1.0, 2.0):
        t = np.linspace(0, 2 * np.pi, 200)
        ax.plot(r * np.cos(t), r * np.sin(t), ":", color="w", lw=0.6)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect("equal")
