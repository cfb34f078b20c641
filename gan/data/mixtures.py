"""Gaussian mixtures with known modes, the synthetic targets of the GAN experiments.

Registry (``make_mixture(name, **kw)``), defaults chosen so that a small MLP GAN learns them on
a CPU in minutes: neighbouring modes 2 apart with standard deviation 0.05 (the scale of the
common grid-of-25 benchmark), so the modes are clearly disconnected (support radius 0.15
against a half-distance of 1, part 1 of Assumption 3.1) while the data stay of order 1, the
scale at which default initialisations and learning rates work.

=================  =========================================================================
``equidistant``    ``m`` = 3 equidistant modes (a regular simplex) in ``dim`` = 2, distance 2
``aligned``        3 nearly aligned modes (Figure 2, row 2): spacing 2 along a line, the middle
                   one raised by 0.5, so Assumption 3.1 (part 2) fails
``ring8``          8 modes on the unit circle at angles ``2 pi k / 8``, std 0.01
``grid25``         25 modes at ``{-4, -2, 0, 2, 4}^2``, std 0.05
``gaussians100``   100 equidistant modes in dimension 100 (distance 2, std 0.05)
=================  =========================================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gan._checks import as_float_array
from gaussiso.modes import aligned_centers, equidistant_centers
from gaussiso.utils import as_generator, check_int, check_positive_float

__all__ = ["MixtureDataset", "make_mixture", "MIXTURES"]

# Mass of a 2-D standard Gaussian within radius 3: 1 - exp(-9/2). The default support radius
# keeps this mass in every dimension, so it is exactly 3 std in dimension 2.
_SUPPORT_MASS = 1.0 - math.exp(-4.5)


@dataclass(frozen=True, eq=False)
class MixtureDataset:
    """A mixture of isotropic Gaussians ``sum_i w_i N(c_i, std^2 I)``.

    Parameters
    ----------
    centers : array_like, shape (m, D)
    std : float
        Common standard deviation ``> 0``.
    weights : array_like, shape (m,), optional
        Mode probabilities (normalised here); uniform by default.
    name : str, default "custom"
    support_radius : float, optional
        Radius around each center counted as the mode's support by the mode metrics.
        Default ``std * sqrt(chi2_D.ppf(1 - exp(-4.5)))``: the radius holding the same mass
        as 3 std in dimension 2 (exactly ``3 * std`` when ``D = 2``).

    Examples
    --------
    >>> ds = make_mixture("ring8")
    >>> x, y = ds.sample(4, rng=0)
    >>> x.shape, x.dtype, y.dtype, ds.m, ds.dim
    ((4, 2), dtype('float32'), dtype('int64'), 8, 2)
    """

    centers: np.ndarray
    std: float
    weights: np.ndarray | None = None
    name: str = "custom"
    support_radius: float | None = None

    def __post_init__(self):
        c = as_float_array(self.centers, "centers", ndim=2)
        if c.shape[0] < 1 or c.shape[1] < 1:
            raise ValueError(f"centers must have shape (m, D) with m, D >= 1, got {c.shape}")
        std = check_positive_float(self.std, "std")
        if self.weights is None:
            w = np.full(c.shape[0], 1.0 / c.shape[0])
        else:
            w = as_float_array(self.weights, "weights", ndim=1)
            if w.shape[0] != c.shape[0]:
                raise ValueError(f"weights must have shape ({c.shape[0]},), got {w.shape}")
            if np.any(w < 0) or w.sum() <= 0:
                raise ValueError("weights must be >= 0 with a positive sum")
            w = w / w.sum()
        if self.support_radius is None:
            from scipy.stats import chi2

            r = std * math.sqrt(chi2.ppf(_SUPPORT_MASS, c.shape[1]))
        else:
            r = check_positive_float(self.support_radius, "support_radius")
        c.setflags(write=False)
        w.setflags(write=False)
        object.__setattr__(self, "centers", c)
        object.__setattr__(self, "std", std)
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "support_radius", float(r))
        object.__setattr__(self, "name", str(self.name))

    @property
    def m(self) -> int:
        """Number of modes."""
        return self.centers.shape[0]

    @property
    def dim(self) -> int:
        """Dimension of the data."""
        return self.centers.shape[1]

    def sample(self, n, rng=None):
        """Draw ``n`` points.

        Parameters
        ----------
        n : int
        rng : None, int or numpy.random.Generator

        Returns
        -------
        x : ndarray, shape (n, D), float32
        labels : ndarray, shape (n,), int64
            The mode each point was drawn from.
        """
        n = check_int(n, "n", low=0)
        g = as_generator(rng)
        labels = g.choice(self.m, size=n, p=self.weights).astype(np.int64)
        x = self.centers[labels] + self.std * g.standard_normal((n, self.dim))
        return x.astype(np.float32), labels

    def __repr__(self):
        return (
            f"MixtureDataset(name={self.name!r}, m={self.m}, dim={self.dim}, std={self.std}, "
            f"support_radius={self.support_radius:.4g})"
        )


def _equidistant(m=3, dim=2, *, distance=2.0, std=0.05, rng=None):
    c = equidistant_centers(m, dim, distance=distance, rng=rng)
    return MixtureDataset(c, std, name="equidistant")


def _aligned(m=3, dim=2, *, distance=2.0, spread=0.5, std=0.05, rng=None):
    c = aligned_centers(m, dim, spread=spread, distance=distance, rng=rng)
    return MixtureDataset(c, std, name="aligned")


def _ring8(m=8, *, radius=1.0, std=0.01):
    m = check_int(m, "m", low=2)
    radius = check_positive_float(radius, "radius")
    # m distinct angles 2 pi k / m, k = 0..m-1 (linspace(0, 2 pi, m) would repeat the first)
    t = 2.0 * np.pi * np.arange(m) / m
    c = radius * np.stack([np.cos(t), np.sin(t)], axis=1)
    return MixtureDataset(c, std, name="ring8")


def _grid25(*, side=5, spacing=2.0, std=0.05):
    side = check_int(side, "side", low=1)
    spacing = check_positive_float(spacing, "spacing")
    g = (np.arange(side) - (side - 1) / 2.0) * spacing
    xx, yy = np.meshgrid(g, g, indexing="ij")
    c = np.stack([xx.ravel(), yy.ravel()], axis=1)
    return MixtureDataset(c, std, name="grid25")


def _gaussians100(m=100, dim=100, *, distance=2.0, std=0.05, rng=None):
    c = equidistant_centers(m, dim, distance=distance, rng=rng)
    return MixtureDataset(c, std, name="gaussians100")


#: name -> factory(**kw) -> MixtureDataset
MIXTURES = {
    "equidistant": _equidistant,
    "aligned": _aligned,
    "ring8": _ring8,
    "grid25": _grid25,
    "gaussians100": _gaussians100,
}


def make_mixture(name, **kw) -> MixtureDataset:
    """Build a registered mixture; keyword arguments override its defaults.

    Parameters
    ----------
    name : {"equidistant", "aligned", "ring8", "grid25", "gaussians100"}
    **kw
        ``equidistant``: ``m=3, dim=2, distance=2.0, std=0.05, rng=None`` (rng: random
        rotation); ``aligned``: ``m=3, dim=2, distance=2.0, spread=0.5, std=0.05, rng=None``;
        ``ring8``: ``m=8, radius=1.0, std=0.01``; ``grid25``: ``side=5, spacing=2.0, std=0.05``;
        ``gaussians100``: ``m=100, dim=100, distance=2.0, std=0.05, rng=None``.

    Returns
    -------
    MixtureDataset

    Examples
    --------
    >>> make_mixture("grid25").centers[:2].tolist()
    [[-4.0, -4.0], [-4.0, -2.0]]
    """
    if not isinstance(name, str) or name not in MIXTURES:
        raise ValueError(f"name must be one of {sorted(MIXTURES)}, got {name!r}")
    try:
        return MIXTURES[name](**kw)
    except TypeError as exc:
        raise TypeError(f"make_mixture({name!r}): {exc}") from None
