r"""The explicit generator :math:`G^*_\varepsilon` of Issenhuth et al. (2023), eq. (8).

Geometry used throughout
------------------------
Let the partition be the Voronoi diagram of ``m`` equidistant seeds :math:`s_1, \dots, s_m`
(a regular simplex of side :math:`a`, centroid :math:`c`), in latent dimension ``d >= m - 1``.
The linear map

.. math:: y_j(z) = \frac{\sqrt 2}{a}\, \langle z - c,\; s_j - c \rangle, \qquad j = 1, \dots, m,

sends :math:`\mathbb{R}^d` onto the hyperplane :math:`H = \{y \in \mathbb{R}^m : \sum_j y_j = 0\}`,
is an isometry on the span of the seed differences and kills the orthogonal complement. In these
coordinates the cell :math:`A_j` is :math:`C_j = \{y : y_j \ge y_k\ \forall k\}`; the bisector
distance between cells :math:`i` and :math:`k` is :math:`(y_i - y_k)/\sqrt 2`, and since
:math:`C_j` is invariant under :math:`y \mapsto y + t\mathbf 1`, the Euclidean distance from
:math:`z` to the cone :math:`A_j` equals the distance from :math:`y` to :math:`C_j` in
:math:`\mathbb{R}^m`. That distance has a closed form ("water filling"): raise :math:`y_j` and
lower the ``r`` coordinates above it to a common level
:math:`t = (y_j + \sum_{l \le r} y_{(l)})/(r + 1)`, with ``r`` the first count such that
:math:`t \ge y_{(r+1)}`; then :math:`d(z, A_j)^2 = (t - y_j)^2 + \sum_{l\le r}(y_{(l)} - t)^2`.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._estimate import Estimate
from ._linalg import pairwise_distances
from ._measure import eps_boundary_measure
from ._partition import check_partition, simplicial_cluster
from ._rng import as_generator
from ._validation import check_array, check_choice, check_int, check_n_samples, check_points, check_positive_float

__all__ = ["OptimalGenerator"]

_RULES = ("eq8", "projection")
_CHUNK = 1 << 14


# ---------------------------------------------------------------------- pure maths (trusted inputs)
def _simplex_coords(z, center, diffs_scaled):
    """``y = (z - c) @ diffs_scaled.T`` with ``diffs_scaled = sqrt(2) (s_j - c) / a``."""
    return (z - center) @ diffs_scaled.T


def _cone_distances(y):
    """Distance from each row of ``y`` (n, m) to every cone ``C_j = {y_j >= y_k}``; (n, m)."""
    n, m = y.shape
    order = np.argsort(-y, axis=1, kind="stable")
    s = np.take_along_axis(y, order, axis=1)  # descending
    cs = np.cumsum(s, axis=1)
    out = np.zeros((n, m))
    rows = np.arange(n)
    for p in range(1, m):  # sorted position p; the top entry (p = 0) is inside its own cone
        yj = s[:, p]
        r = np.arange(1, p + 1)
        t = (yj[:, None] + cs[:, :p]) / (r + 1.0)  # candidate levels, (n, p)
        valid = t >= s[:, 1 : p + 1]  # level not below the next coordinate (s[p] = y_j: always)
        k = np.argmax(valid, axis=1)
        tt = t[rows, k]
        keep = np.arange(p)[None, :] <= k[:, None]
        d2 = (tt - yj) ** 2 + np.sum(np.where(keep, (s[:, :p] - tt[:, None]) ** 2, 0.0), axis=1)
        out[rows, order[:, p]] = np.sqrt(d2)
    return out


def _depth(y, own):
    """Distance from the point to the complement of its own cell: min bisector distance."""
    n = y.shape[0]
    g = y[np.arange(n), own][:, None] - y
    g[np.arange(n), own] = np.inf
    return g.min(axis=1) / np.sqrt(2.0)


def _project_simplex(v):
    """Euclidean projection of each row of ``v`` (n, m) onto the probability simplex."""
    n, m = v.shape
    u = -np.sort(-v, axis=1)
    css = np.cumsum(u, axis=1) - 1.0
    k = np.arange(1, m + 1)
    cond = u - css / k > 0
    rho = m - 1 - np.argmax(cond[:, ::-1], axis=1)
    tau = css[np.arange(n), rho] / (rho + 1.0)
    return np.maximum(v - tau[:, None], 0.0)


def _weights(y, eps, rule):
    """Barycentric weights (n, m) and the own-cell index (n,); rows of deep points are exact e_i."""
    n, m = y.shape
    own = np.argmax(y, axis=1)
    depth = _depth(y, own)
    interior = depth >= eps
    if rule == "eq8":
        f = np.maximum(eps - _cone_distances(y), 0.0)
        f[np.arange(n), own] = eps + depth
        w = f / f.sum(axis=1, keepdims=True)
    else:
        w = _project_simplex(y / (np.sqrt(2.0) * eps))
    # Deep points: exactly e_own (no rounding of 1 - 0 sums).
    w[interior] = 0.0
    w[interior, own[interior]] = 1.0
    return w, own, interior


def _sphere_points(z, out_dim):
    """Unit vectors ``exp_p(q)`` on S^{D-1}: pole p = e_1, tangent q = first k coords of z.

    The exponential map of the unit sphere is 1-Lipschitz, so ``z -> _sphere_points(z)`` is too.
    """
    n = z.shape[0]
    out = np.zeros((n, out_dim))
    k = min(z.shape[1], out_dim - 1)
    if k == 0:
        out[:, 0] = 1.0
        return out
    q = z[:, :k]
    r = np.linalg.norm(q, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sinc = np.where(r > 0, np.sin(r) / np.where(r > 0, r, 1.0), 1.0)
    out[:, 0] = np.cos(r)
    out[:, 1 : k + 1] = q * sinc[:, None]
    return out


# ---------------------------------------------------------------------- public class
class OptimalGenerator:
    r"""The explicit generator :math:`G^*_\varepsilon` (eq. (8) of Issenhuth et al., 2023).

    A map :math:`G: \mathbb{R}^d \to \mathbb{R}^D` associated with a simplicial cluster
    :math:`\mathcal{A}^* = (A_1, \dots, A_m)` of the latent space (Voronoi cells of ``m``
    equidistant seeds): it sends the *deep interior* of cell ``i``,
    :math:`\{z \in A_i : d(z, \cup_{j\ne i} A_j) \ge \varepsilon\}`, exactly onto mode ``i``
    and the :math:`\varepsilon`-boundary :math:`\partial^\varepsilon\mathcal{A}^*` (Definition 3.4)
    to convex combinations of the modes, continuously and Lipschitz. With Dirac modes its
    precision (share of samples exactly on a mode) is therefore
    :math:`1 - \gamma(\partial^\varepsilon \mathcal{A}^*)`, and it is well balanced (the cells are
    congruent and the map commutes with the simplex symmetries when the centers do).

    Two weight rules are implemented, both giving :math:`G(z) = \sum_j w_j(z)\, X_j` with
    :math:`w(z)` in the probability simplex and :math:`w(z) = e_i` exactly on the deep interior
    of cell ``i`` (and :math:`w_i(z) < 1` on the :math:`\varepsilon`-boundary of cell ``i``):

    ``rule="eq8"`` (default, the paper's formula)
        With :math:`A_j^\varepsilon = \{z : d(z, A_j) < \varepsilon\}` the open
        :math:`\varepsilon`-extension of cell ``j`` and
        :math:`N_z = \{j : z \in A_j^\varepsilon\}`,

        .. math::

            w_j(z) = \frac{f_j(z)}{\sum_k f_k(z)}, \qquad
            f_j(z) = d\big(z, (A_j^\varepsilon)^c\big) = \max\big(0,\ \varepsilon - \mathrm{sd}_j(z)\big),

        where :math:`\mathrm{sd}_j` is the signed distance to the convex cell :math:`A_j`
        (:math:`d(z, A_j)` outside, :math:`-d(z, A_j^c)` inside); the identity
        :math:`d(z, (A^\varepsilon)^c) = \varepsilon - \mathrm{sd}_A(z)` holds for every convex
        ``A`` (support functions). For Dirac modes (:math:`X_{ij} = X_i`), the double sum of
        eq. (8) over pairs :math:`i \ne j` in :math:`N_z` reduces to exactly this (each
        :math:`f_i` appears :math:`|N_z| - 1` times in numerator and denominator). Each
        :math:`f_j` is 1-Lipschitz and :math:`\sum_k f_k \ge \varepsilon` (own cell), so
        :math:`\|\nabla G\| \le D_{\max}\sum_{j \in N_z}(1 - w_j)/\varepsilon`, a proven
        constant ``lipschitz_constant`` :math:`= (m - 1) D_{\max}/\varepsilon`.
    ``rule="projection"``
        :math:`w(z) = \Pi_\Delta\big(y(z)/(\sqrt 2\,\varepsilon)\big)`, the Euclidean
        projection onto the probability simplex of the scaled simplex coordinates
        :math:`y_j(z) = \sqrt 2 \langle z - c, s_j - c\rangle / a` (bisector distances are
        :math:`(y_i - y_k)/\sqrt 2`). :math:`\Pi_\Delta(v) = e_i` exactly when
        :math:`v_i - v_k \ge 1` for all ``k``, i.e. on the deep interior. Since
        :math:`\Pi_\Delta` is 1-Lipschitz, :math:`z \mapsto y` is an isometry on the seed span
        and :math:`\sum_j (w_j - w'_j) = 0`,
        ``lipschitz_constant`` :math:`= \sigma_{\max}(X - \bar X)/(\sqrt 2\,\varepsilon)`,
        which is :math:`D/(2\varepsilon)` for equidistant modes at distance ``D``: the smallest
        constant any map sending the two deep interiors (``2 eps`` apart) to modes ``D`` apart
        can have.

    Caveat on the paper's constant: Appendix A.3 claims that eq. (8) is
    :math:`2 D_{\max}\sqrt m/\varepsilon`-Lipschitz (``lipschitz_bound``). For equidistant modes
    the Lipschitz constant of eq. (8) is at least :math:`m D/(4\varepsilon)`: at a point of cell
    ``i`` at distance just under ``eps`` from all other cells, moving along the axis of cell
    ``i`` changes all ``m - 1`` small weights at once while :math:`\sum_k f_k \approx
    2\varepsilon`. That exceeds the paper's constant for ``m > 64`` (checked at ``m = 80`` in
    the tests). ``rule="projection"`` satisfies it for every ``m``.

    Spherical modes (``radii``). Mode ``i`` is the sphere of center :math:`X_i` and radius
    :math:`r_i`. The anchor of mode ``j`` becomes :math:`p_j(z) = X_j + r_j\,\sigma(z)`, where
    :math:`\sigma(z) = \cos\|q\|\, e_1 + \sin\|q\|\, q/\|q\|` is the exponential map of the
    unit sphere at the pole :math:`e_1` applied to the tangent vector
    :math:`q = (0, z_1, \dots, z_k, 0, \dots)`, :math:`k = \min(d, D - 1)`; it is
    1-Lipschitz. The deep interior of cell ``i`` maps onto a ``k``-dimensional great sphere of
    :math:`S_i` (all of it when ``D - 1 <= d``; a single point when ``D = 1``), the boundary to
    :math:`\sum_j w_j(z) p_j(z)`. Then
    ``lipschitz_constant`` gains the term :math:`r_{\max}` and uses the anchor spread (see
    :attr:`lipschitz_constant`). This replaces the paper's :math:`X_{ij}` points, whose
    construction (constant along rays, continuity at cell edges) is not fully specified.

    Parameters
    ----------
    centers : array_like, shape (m, D)
        Distinct finite mode centers :math:`X_1, \dots, X_m`, ``m >= 2``.
    eps : float
        Width :math:`\varepsilon > 0` of the boundary region.
    latent_dim : int
        Latent dimension ``d`` with ``m <= d + 1``.
    partition : VoronoiPartition, optional
        A simplicial cluster of :math:`\mathbb{R}^d` with ``m`` cells (equidistant seeds,
        possibly rotated, scaled or translated). Default
        ``gaussiso.simplicial_cluster(m, latent_dim)``.
    radii : None, float or array_like of shape (m,), optional
        ``None`` (default): Dirac modes. Otherwise the non-negative sphere radii.
    rule : {"eq8", "projection"}, default "eq8"
        The weight rule (see above).

    Attributes
    ----------
    partition : VoronoiPartition
    centers : ndarray, shape (m, D)
    eps : float
    m, latent_dim, output_dim : int
    radii : ndarray, shape (m,)
        Zeros for Dirac modes.
    rule : str
    lipschitz_bound : float
        The paper's constant :math:`2 D_{\max}\sqrt m/\varepsilon`,
        :math:`D_{\max} = \max_{i\ne j}\|X_i - X_j\|`.
    lipschitz_constant : float
        A proven Lipschitz constant of the implemented map (see the rules above).

    Examples
    --------
    >>> import numpy as np, gaussiso
    >>> X = gaussiso.modes.equidistant_centers(3, 2)
    >>> G = gaussiso.OptimalGenerator(X, 0.5, latent_dim=2)
    >>> z = np.array([[10.0, 0.0], [0.0, 0.0]])
    >>> out = G(z)
    >>> bool(np.all(out[0] == X[G.partition.label(z[0])]))   # deep interior -> its center
    True
    >>> np.allclose(out[1], X.mean(axis=0))                   # the apex -> the centroid
    True
    """

    def __init__(self, centers, eps, *, latent_dim, partition=None, radii=None, rule="eq8"):
        X = check_array(centers, "centers")
        if X.ndim != 2:
            raise ValueError(f"centers must have shape (m, D), got {X.shape}")
        m, D = X.shape
        if m < 2:
            raise ValueError(f"centers must hold at least 2 modes (m >= 2), got m = {m}")
        if D < 1:
            raise ValueError(f"centers must have output dimension D >= 1, got shape {X.shape}")
        scale = float(np.max(np.abs(X)))
        if not (1e-300 <= scale <= 1e300):
            raise ValueError(
                f"centers must have coordinates of largest magnitude in [1e-300, 1e300] (where "
                f"distances between modes and the Lipschitz constants stay finite), got {scale:.3g}"
            )
        dist = pairwise_distances(X)  # scaled internally: no overflow at 1e300
        off = dist + np.diag(np.full(m, np.inf))
        if np.min(off) <= 1e-12 * scale:  # relative: centers at 1e-200 are not "coincident"
            i, j = np.unravel_index(np.argmin(off), off.shape)
            raise ValueError(
                f"centers must be distinct: centers {min(i, j)} and {max(i, j)} coincide (distance "
                f"{np.min(off):.3g} <= 1e-12 x the largest coordinate {scale:.3g})"
            )
        self.eps = check_positive_float(eps, "eps")
        self.latent_dim = check_int(latent_dim, "latent_dim", low=1)
        if m > self.latent_dim + 1:
            raise ValueError(
                f"G*_eps needs a simplicial cluster, so m <= latent_dim + 1: got m = {m} modes "
                f"and latent_dim = {self.latent_dim}"
            )
        self.rule = check_choice(rule, "rule", _RULES)

        if partition is None:
            partition = simplicial_cluster(m, self.latent_dim)
        check_partition(partition)
        if partition.m != m or partition.d != self.latent_dim:
            raise ValueError(
                f"partition must have m = {m} cells in dimension latent_dim = {self.latent_dim}, "
                f"got m = {partition.m}, d = {partition.d}"
            )
        # Seeds over their largest norm (partition._t, partition._tdist): no overflow or
        # underflow for seeds at 1e300 or 1e-300; the geometry is scale-covariant.
        T, c = partition._t, partition._scale
        sd_off = partition._tdist[~np.eye(m, dtype=bool)]
        a = float(sd_off.mean())
        if np.max(np.abs(sd_off - a)) > 1e-8 * a:
            raise ValueError(
                "partition must be a simplicial cluster (equidistant seeds); its seed distances "
                f"range over [{c * sd_off.min():.6g}, {c * sd_off.max():.6g}]"
            )
        self.partition = partition
        if 1e-100 <= c <= 1e100:
            # The plain formulas (bit for bit as for any ordinary scale: exact ties stay ties).
            S = partition.seeds
            sd = pairwise_distances(S)
            a_s = float(sd[~np.eye(m, dtype=bool)].mean())
            self._center = S.mean(axis=0)
            self._coords = np.sqrt(2.0) * (S - self._center) / a_s  # (m, d)
        else:
            tc = T.mean(axis=0)
            self._center = c * tc
            self._coords = np.sqrt(2.0) * (T - tc) / a  # (m, d), scale-free
        if partition.is_cone and c > 1e8:
            # For a cone (seeds of equal norm) the centroid is orthogonal to the seed
            # differences, so <c, s_j - c> is the same for all j and shifts every y_j alike,
            # which leaves the weights unchanged; dropping it keeps z - c from losing z in the
            # rounding (about 1e-16 |s|) of the centroid of huge seeds.
            self._center = np.zeros(T.shape[1])

        if radii is None:
            r = np.zeros(m)
        elif isinstance(radii, numbers.Real) and not isinstance(radii, bool):
            r = np.full(m, check_positive_float(radii, "radii", allow_zero=True))
        else:
            r = check_array(radii, "radii", ndim=1)
            if r.shape != (m,):
                raise ValueError(f"radii must be a scalar or have shape ({m},), got {r.shape}")
            if np.any(r < 0):
                raise ValueError(f"radii must be >= 0, got min {r.min()}")
        self.radii = r
        self.radii.setflags(write=False)
        self._spheres = bool(np.any(r > 0))
        self.centers = X
        self.centers.setflags(write=False)

        d_max = float(dist.max())
        self._size = max(scale, float(r.max()), d_max)
        self.lipschitz_bound = 2.0 * d_max * np.sqrt(m) / self.eps
        r_max = float(r.max())
        if rule == "eq8":
            spread = float(np.max(dist + np.abs(r[:, None] - r[None, :])))
            base = (m - 1) * spread / self.eps
        else:
            sig = float(np.linalg.svd(X - X.mean(axis=0), compute_uv=False)[0])
            base = (sig + float(np.linalg.norm(r - r.mean()))) / (np.sqrt(2.0) * self.eps)
        self.lipschitz_constant = base + r_max

    # ------------------------------------------------------------------ attributes
    @property
    def m(self) -> int:
        return self.centers.shape[0]

    @property
    def output_dim(self) -> int:
        return self.centers.shape[1]

    def __repr__(self) -> str:
        kind = "spheres" if self._spheres else "Dirac"
        return (
            f"OptimalGenerator(m={self.m}, latent_dim={self.latent_dim}, output_dim={self.output_dim}, "
            f"eps={self.eps:g}, rule={self.rule!r}, modes={kind})"
        )

    # ------------------------------------------------------------------ evaluation
    def simplex_coordinates(self, z) -> np.ndarray:
        r"""The coordinates :math:`y_j(z) = \sqrt2\langle z - c, s_j - c\rangle/a`, shape (n, m)."""
        a, single = check_points(z, self.latent_dim)
        y = _simplex_coords(a, self._center, self._coords)
        return y[0] if single else y

    def weights(self, z) -> np.ndarray:
        """Barycentric weights of the modes (rows in the probability simplex).

        Parameters
        ----------
        z : array_like, shape (n, latent_dim) or (latent_dim,)

        Returns
        -------
        ndarray, shape (n, m) (or (m,))
            Exactly the unit vector ``e_i`` on the deep interior of cell ``i``.
        """
        a, single = check_points(z, self.latent_dim)
        w = np.empty((a.shape[0], self.m))
        for s in range(0, a.shape[0], _CHUNK):
            y = _simplex_coords(a[s : s + _CHUNK], self._center, self._coords)
            w[s : s + _CHUNK] = _weights(y, self.eps, self.rule)[0]
        return w[0] if single else w

    def __call__(self, z) -> np.ndarray:
        """Evaluate the generator.

        Parameters
        ----------
        z : array_like, shape (n, latent_dim) or (latent_dim,)

        Returns
        -------
        ndarray, shape (n, output_dim) (or (output_dim,))
        """
        a, single = check_points(z, self.latent_dim)
        out = np.empty((a.shape[0], self.output_dim))
        for s in range(0, a.shape[0], _CHUNK):
            zz = a[s : s + _CHUNK]
            y = _simplex_coords(zz, self._center, self._coords)
            w, own, interior = _weights(y, self.eps, self.rule)
            g = w @ self.centers
            g[interior] = self.centers[own[interior]]
            if self._spheres:
                sig = _sphere_points(zz, self.output_dim)
                g += (w @ self.radii)[:, None] * sig
            out[s : s + _CHUNK] = g
        return out[0] if single else out

    def on_mode(self, x, *, atol=1e-9) -> np.ndarray:
        """Index of the mode each output lies on (within ``atol``), or -1.

        Parameters
        ----------
        x : array_like, shape (n, output_dim)
        atol : float
            Tolerance ``>= 0`` (finite; NaN, negative and non-real values are refused),
            relative to the size of the configuration,
            ``max(max |X|, max radii, max_{i,j} |X_i - X_j|)``, so that it means the same at
            every scale (modes at 1e-200 are not all "within 1e-9" of each other).

        Returns
        -------
        ndarray of int64, shape (n,)
        """
        x, _ = check_points(x, self.output_dim, "x")
        atol = check_positive_float(atol, "atol", allow_zero=True)
        tol = atol * self._size
        dist = pairwise_distances(x, self.centers)
        gap = np.abs(dist - self.radii[None, :])
        k = np.argmin(gap, axis=1)
        return np.where(gap[np.arange(len(k)), k] <= tol, k, -1).astype(np.int64)

    def precision(self, n_samples=100_000, rng=None) -> Estimate:
        """Monte Carlo precision: share of ``G(z)``, ``z ~ N(0, I)``, lying on a mode.

        Parameters
        ----------
        n_samples : int
            ``1 <= n_samples <= 1e10`` (``gaussiso._validation.MAX_N_SAMPLES``).
        rng : None, int or numpy.random.Generator

        Returns
        -------
        Estimate
            Binomial standard error :math:`\\sqrt{p(1-p)/n}`.
        """
        n = check_n_samples(n_samples)
        g = as_generator(rng)
        # In chunks (the same numbers as one draw of shape (n, d): rows come in order), so that
        # memory stays bounded whatever n.
        hits = 0
        for s in range(0, n, _CHUNK):
            z = g.standard_normal((min(_CHUNK, n - s), self.latent_dim))
            hits += int(np.count_nonzero(self.on_mode(self(z)) >= 0))
        p = hits / n
        return Estimate(p, float(np.sqrt(p * (1 - p) / n)), n, "mc")

    def exact_precision(self) -> Estimate:
        r""":math:`1 - \gamma(\partial^\varepsilon \mathcal{A}^*)` by the exact quadrature.

        Equal to the precision of the generator (Dirac modes, or spheres up to a null set).
        """
        b = eps_boundary_measure(self.partition, self.eps, method="exact")
        return Estimate(1.0 - float(b.value), float(b.stderr), 0, b.method)
