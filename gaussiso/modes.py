r"""Mode configurations of the target distribution, and a check of Assumption 3.1.

Assumption 3.1 of Issenhuth et al. (2023): the target consists of ``m`` spheres of centers
:math:`X_i` and radii :math:`r_i` with

1. small radii: :math:`r_i < \min_{j \ne i} \|X_i - X_j\|/2` for every ``i``;
2. complete Voronoi dual graph: for every pair :math:`i \ne j`,
   :math:`\min_{k \ne i, j} \|(X_i + X_j)/2 - X_k\| > \|X_i - X_j\|/2`, i.e. no third center
   lies in the closed ball with diameter :math:`[X_i, X_j]` (then the midpoint is strictly
   closer to :math:`X_i, X_j` than to any other center, and cells ``i`` and ``j`` share a face).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._linalg import pairwise_distances
from ._partition import random_rotation, simplex_vertices
from ._rng import as_generator
from ._validation import check_array, check_int, check_memory, check_positive_float

__all__ = [
    "equidistant_centers",
    "aligned_centers",
    "random_centers",
    "check_assumption_3_1",
    "Assumption31Result",
]


def _rotate(points, rng):
    if rng is None:
        return points
    return points @ random_rotation(points.shape[1], rng).T


def equidistant_centers(m, dim, *, distance=1.0, rng=None) -> np.ndarray:
    """``m`` equidistant centers (a regular simplex) in ``R^dim``, centered at the origin.

    Parameters
    ----------
    m : int
        Number of modes, ``2 <= m <= dim + 1``.
    dim : int
        Output dimension, ``dim >= 1``.
    distance : float, default 1.0
        Common pairwise distance ``> 0``.
    rng : None, int or numpy.random.Generator
        ``None``: canonical placement in the first ``m - 1`` coordinates; otherwise a
        Haar-random rotation of it.

    Returns
    -------
    ndarray, shape (m, dim)

    Examples
    --------
    >>> import numpy as np
    >>> from gaussiso.modes import equidistant_centers
    >>> X = equidistant_centers(3, 2, distance=2.0)
    >>> np.allclose([np.linalg.norm(X[0] - X[1]), np.linalg.norm(X[1] - X[2])], 2.0)
    True
    """
    dim = check_int(dim, "dim", low=1)
    m = check_int(m, "m", low=2)
    if m > dim + 1:
        raise ValueError(f"m equidistant points need m <= dim + 1: got m = {m}, dim = {dim}")
    distance = check_positive_float(distance, "distance")
    check_memory(8 * (8 * m * m + 2 * m * dim), f"equidistant_centers(m={m}, dim={dim})")
    v = simplex_vertices(m)  # unit vectors, pairwise distance sqrt(2m/(m-1))
    out = np.zeros((m, dim))
    out[:, : m - 1] = v * (distance / np.sqrt(2.0 * m / (m - 1)))
    return _rotate(out, rng)


def aligned_centers(m=3, dim=2, *, spread=0.1, distance=1.0, rng=None) -> np.ndarray:
    """Nearly aligned centers, as in row 2 of Figure 2 of Issenhuth et al. (2023).

    Centre ``k`` is :math:`(k - (m-1)/2)\\,\\mathrm{distance}\\; e_1 + \\mathrm{spread}\\,
    \\sigma_k\\, e_2` with :math:`\\sigma_k = 1` for odd ``k`` and ``0`` for even ``k`` (a
    zig-zag). With ``spread < distance`` the outer pair of any three consecutive centers has
    the middle one inside its diametral ball, so part 2 of Assumption 3.1 fails.

    Parameters
    ----------
    m : int, default 3
        Number of modes, ``m >= 2``.
    dim : int, default 2
        Output dimension (``>= 2`` when ``spread > 0``).
    spread : float, default 0.1
        Perpendicular offset ``>= 0``.
    distance : float, default 1.0
        Spacing along the line ``> 0``.
    rng : None, int or numpy.random.Generator
        ``None``: canonical; otherwise a Haar-random rotation.

    Returns
    -------
    ndarray, shape (m, dim)

    Examples
    --------
    >>> from gaussiso.modes import aligned_centers, check_assumption_3_1
    >>> bool(check_assumption_3_1(aligned_centers(), 0.0))
    False
    """
    m = check_int(m, "m", low=2)
    dim = check_int(dim, "dim", low=1)
    spread = check_positive_float(spread, "spread", allow_zero=True)
    distance = check_positive_float(distance, "distance")
    if spread > 0 and dim < 2:
        raise ValueError(f"spread > 0 needs dim >= 2, got dim = {dim}")
    check_memory(8 * 2 * m * dim, f"aligned_centers(m={m}, dim={dim})")
    out = np.zeros((m, dim))
    k = np.arange(m)
    out[:, 0] = (k - (m - 1) / 2.0) * distance
    if dim >= 2:
        out[:, 1] = spread * (k % 2)
    return _rotate(out, rng)


def random_centers(m, dim, *, scale=1.0, rng=None) -> np.ndarray:
    """``m`` centers drawn i.i.d. from :math:`N(0, \\mathrm{scale}^2 I_{dim})`.

    Parameters
    ----------
    m, dim : int
        ``m >= 2``, ``dim >= 1``.
    scale : float, default 1.0
    rng : None, int or numpy.random.Generator

    Returns
    -------
    ndarray, shape (m, dim)

    Examples
    --------
    >>> from gaussiso.modes import random_centers
    >>> random_centers(4, 3, rng=0).shape
    (4, 3)
    """
    m = check_int(m, "m", low=2)
    dim = check_int(dim, "dim", low=1)
    scale = check_positive_float(scale, "scale")
    check_memory(8 * 2 * m * dim, f"random_centers(m={m}, dim={dim})")
    return scale * as_generator(rng).standard_normal((m, dim))


@dataclass(frozen=True)
class Assumption31Result:
    """Outcome of :func:`check_assumption_3_1`; ``bool(result)`` is true iff both parts hold.

    Attributes
    ----------
    small_radius : bool
        Part 1 holds for every mode.
    complete_dual_graph : bool
        Part 2 holds for every pair.
    radius_violations : tuple of int
        Modes ``i`` with :math:`r_i \\ge \\min_j \\|X_i - X_j\\|/2`.
    pair_violations : tuple of (int, int, int)
        Triples ``(i, j, k)``, ``i < j``: center ``k`` is the nearest other center to the
        midpoint of ``i, j`` and lies within :math:`\\|X_i - X_j\\|/2` of it.
    radius_margin : ndarray, shape (m,)
        :math:`\\min_j \\|X_i - X_j\\|/2 - r_i` (part 1 holds iff all > 0).
    """

    small_radius: bool
    complete_dual_graph: bool
    radius_violations: tuple = ()
    pair_violations: tuple = ()
    radius_margin: np.ndarray | None = field(default=None, repr=False, compare=False)

    def __bool__(self) -> bool:
        return self.small_radius and self.complete_dual_graph


def check_assumption_3_1(centers, radii=0.0) -> Assumption31Result:
    """Check both parts of Assumption 3.1 (see the module docstring).

    Parameters
    ----------
    centers : array_like, shape (m, D)
        Distinct finite centers, ``m >= 2``.
    radii : float or array_like of shape (m,), default 0.0
        Non-negative radii (0 for Dirac modes).

    Returns
    -------
    Assumption31Result

    Examples
    --------
    >>> from gaussiso.modes import equidistant_centers, check_assumption_3_1
    >>> res = check_assumption_3_1(equidistant_centers(4, 3), 0.6)
    >>> bool(res), res.radius_violations
    (False, (0, 1, 2, 3))
    """
    X = check_array(centers, "centers", ndim=2)
    m = X.shape[0]
    if m < 2:
        raise ValueError(f"centers must hold at least 2 modes, got m = {m}")
    r = check_array(radii, "radii")
    if r.ndim == 0:
        r = np.full(m, float(r))
    if r.shape != (m,):
        raise ValueError(f"radii must be a scalar or have shape ({m},), got {r.shape}")
    if np.any(r < 0):
        raise ValueError(f"radii must be >= 0, got min {r.min()}")
    dist = pairwise_distances(X)
    off = dist + np.diag(np.full(m, np.inf))
    # Relative to the configuration's scale: centers at 1e-200 are distinct, not "coincident".
    if np.min(off) <= 1e-12 * float(np.max(np.abs(X))):
        a, b = (int(x) for x in np.unravel_index(np.argmin(off), off.shape))
        raise ValueError(f"centers must be distinct: centers {min(a, b)} and {max(a, b)} coincide")
    margin = off.min(axis=1) / 2.0 - r
    rad_bad = tuple(int(i) for i in np.flatnonzero(margin <= 0))
    pairs = []
    for i in range(m):
        for j in range(i + 1, m):
            if m == 2:
                continue
            mid = 0.5 * (X[i] + X[j])
            dk = pairwise_distances(mid[None, :], X)[0]  # scaled: no overflow at 1e200
            dk[[i, j]] = np.inf
            k = int(np.argmin(dk))
            if not dk[k] > dist[i, j] / 2.0:
                pairs.append((i, j, k))
    return Assumption31Result(
        small_radius=not rad_bad,
        complete_dual_graph=not pairs,
        radius_violations=rad_bad,
        pair_violations=tuple(pairs),
        radius_margin=margin,
    )
