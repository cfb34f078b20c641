"""Exact two-dimensional Gaussian geometry (the mathematics behind :mod:`gaussiso.planar`).

Everything here trusts its inputs; :mod:`gaussiso.planar` validates them.

Measures of polygons
--------------------
Let ``g(h, t)`` be the standard Gaussian measure of the right triangle with vertices the
origin, ``F = (h, 0)`` and ``(h, t)`` (``h >= 0``; signed: odd in ``t``). In polar coordinates
around the origin the ray at angle ``phi`` (measured from ``OF``) leaves the triangle at
radius ``h / cos(phi)``, and the 2-D Gaussian gives mass ``(1 - exp(-r^2/2)) / (2 pi)`` per
radian to the segment ``[0, r]`` of a ray, so with ``a = t / h``

    g(h, t) = arctan(a) / (2 pi) - (1 / 2 pi) int_0^arctan(a) exp(-h^2 / (2 cos^2 phi)) dphi
            = arctan(a) / (2 pi) - T(h, a),

where ``T`` is Owen's T function (substitute ``x = tan phi`` in its definition). For
``|a| > 1`` we use instead the rectangle identity (the rectangle ``[0, h] x [0, t]`` is the
union of the two right triangles cut by its diagonal)

    g(h, t) = (Phi(h) - 1/2) (Phi(t) - 1/2) - g(t, h),          t > 0,

so Owen's T is only ever called with ``|a| <= 1``, where it is accurate to a few ulps, and
``t = +-inf`` (a ray) is exact: ``g(h, inf) = (Phi(h) - 1/2) / 2``.

The triangle with vertices ``O, A, B`` has signed measure ``sign(A x B) (g(h, t_B) - g(h,
t_A))`` where ``h`` is the distance from ``O`` to the line ``AB`` and ``t_A < t_B`` are the
coordinates of ``A, B`` along it, measured from the foot of the perpendicular. Summing over the
edges of every ring (exterior counter-clockwise, holes clockwise) gives the measure of a
polygon with holes: the fan from the origin counts every point by its winding number.

The cross product ``A x B`` is evaluated with an error-free product (Dekker's splitting) so that
``h`` keeps full relative accuracy even for edges with huge endpoints passing near the origin.

Gaussian length of a segment
----------------------------
On the line at distance ``h`` from the origin, parametrised by arc length ``t`` from the foot,
the 2-D density factorises, ``phi_2 = phi(h) phi(t)``, so a segment from ``t_A`` to ``t_B`` has
Gaussian length ``phi(h) (Phi(t_B) - Phi(t_A))``; a whole line through the origin has
``phi(0) = 1 / sqrt(2 pi)``.

Voronoi cells
-------------
Cell ``i`` is ``{z : n_ij . z <= c_ij for all j != i}`` with ``n_ij = (s_j - s_i) / |s_j - s_i|``
and ``c_ij = n_ij . (s_i + s_j) / 2`` (the signed distance of the bisector from the origin).
We clip the box ``[-R, R]^2`` by these half-planes (Sutherland-Hodgman on a convex polygon),
remembering which constraint produced every edge: an edge produced by ``j`` is exactly the
interface between cells ``i`` and ``j``. The eps-interior of cell ``i`` (points at distance
``>= eps`` from every other cell) is the same intersection with ``c_ij`` replaced by
``c_ij - eps``: the inner parallel body of a convex polygon is bounded by straight lines (arcs
only appear on the outside of convex sets, which Definition 3.4 never uses), so the
eps-boundary is computed exactly, with no arc approximation.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erf, ndtr, owens_t

__all__: list[str] = []

_TWO_PI = 2.0 * math.pi
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SPLIT = 134217729.0  # 2^27 + 1, Dekker's splitter for float64

# Default half-width of the clipping box: the Gaussian mass outside [-10, 10]^2 is 3.0e-23.
DEFAULT_RADIUS = 10.0


# --------------------------------------------------------------------------- 1-D helpers
def _phi(x):
    """Standard normal density."""
    x = np.asarray(x, dtype=float)
    return _INV_SQRT_2PI * np.exp(-0.5 * x * x)


def _ndtr_diff(a, b):
    """``Phi(b) - Phi(a)`` for ``a <= b``, without cancellation in either tail."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    # In the upper tail use Phi(b) - Phi(a) = Phi(-a) - Phi(-b).
    upper = a > 0
    return np.where(upper, ndtr(-a) - ndtr(-b), ndtr(b) - ndtr(a))


def _half_erf(x):
    """``Phi(x) - 1/2`` accurately near 0 (``erf(x / sqrt 2) / 2``)."""
    return 0.5 * erf(np.asarray(x, dtype=float) / math.sqrt(2.0))


def box_tail_mass(radius: float) -> float:
    """Gaussian mass outside the square ``[-R, R]^2``: ``1 - (1 - 2 Q)^2 = 4 Q (1 - Q)``."""
    q = float(ndtr(-radius))
    return 4.0 * q * (1.0 - q)


def line_tail_length(radius: float) -> float:
    """Bound on the Gaussian length of the part of a straight line outside ``[-R, R]^2``.

    Outside the square every point has ``|z| > R``. A line at distance ``h < R`` from the origin
    has Gaussian length ``phi(h) 2 Q(c)`` there, ``c^2 = R^2 - h^2``, and ``2 Q(c) <=
    exp(-c^2 / 2)`` gives ``<= exp(-R^2 / 2) / sqrt(2 pi)``; for ``h >= R`` the whole line has
    ``phi(h) <=`` the same bound.
    """
    return _INV_SQRT_2PI * math.exp(-0.5 * radius * radius)


# --------------------------------------------------------------------------- triangles
def _g_small_slope(h, t):
    """``g(h, t)`` for ``h > 0`` and ``|t| <= h`` (Owen's T with ``|a| <= 1``)."""
    a = t / h
    return np.arctan(a) / _TWO_PI - owens_t(h, a)


def right_triangle_measure(h, t):
    """Signed Gaussian measure ``g(h, t)`` of the triangle ``O, (h, 0), (h, t)``; ``h >= 0``.

    Vectorised over broadcast ``h`` and ``t``; ``t`` may be ``+-inf`` (a ray).
    """
    h, t = np.broadcast_arrays(np.asarray(h, dtype=float), np.asarray(t, dtype=float))
    out = np.zeros(h.shape)
    pos = h > 0
    at = np.abs(t)
    small = pos & (at <= h)
    big = pos & (at > h)
    if np.any(small):
        out[small] = _g_small_slope(h[small], t[small])
    if np.any(big):
        hb, tb = h[big], at[big]
        fin = np.isfinite(tb)
        val = np.empty(hb.shape)
        # Ray: the half-strip {0 < x < h, y > 0}.
        val[~fin] = 0.5 * _half_erf(hb[~fin])
        hf, tf = hb[fin], tb[fin]
        val[fin] = _half_erf(hf) * _half_erf(tf) - _g_small_slope(tf, hf)
        out[big] = np.sign(t[big]) * val
    return out


def _two_product(a, b):
    """Error-free product: ``a * b = p + e`` exactly (Dekker; no fma needed)."""
    p = a * b
    c = _SPLIT * a
    ah = c - (c - a)
    al = a - ah
    c = _SPLIT * b
    bh = c - (c - b)
    bl = b - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


def cross_accurate(ax, ay, bx, by):
    """``ax * by - ay * bx`` with (nearly) full relative accuracy, vectorised."""
    p1, e1 = _two_product(ax, by)
    p2, e2 = _two_product(ay, bx)
    s = p1 - p2
    # TwoSum of p1 and -p2.
    bv = s - p1
    err = (p1 - (s - bv)) + (-p2 - bv)
    return s + (err + (e1 - e2))


def _edge_geometry(a, b):
    """Foot distance ``h >= 0``, coordinates ``t_a <= t_b`` and orientation sign of edges."""
    d = b - a
    length = np.hypot(d[:, 0], d[:, 1])
    ok = length > 0
    cr = cross_accurate(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.abs(cr) / length
        ux, uy = d[:, 0] / length, d[:, 1] / length
    ta = a[:, 0] * ux + a[:, 1] * uy
    tb = ta + length
    return ok, h, ta, tb, np.sign(cr)


def fan_measure(a, b):
    """Sum of the signed Gaussian measures of the triangles ``(O, a_k, b_k)``.

    Parameters
    ----------
    a, b : ndarray, shape (n, 2)
    """
    if a.shape[0] == 0:
        return 0.0
    ok, h, ta, tb, sg = _edge_geometry(a, b)
    ok &= sg != 0
    if not np.any(ok):
        return 0.0
    h, ta, tb, sg = h[ok], ta[ok], tb[ok], sg[ok]
    g = right_triangle_measure(np.concatenate([h, h]), np.concatenate([tb, ta]))
    k = h.shape[0]
    vals = sg * (g[:k] - g[k:])
    return math.fsum(vals.tolist())


def ring_measure(coords) -> float:
    """Signed Gaussian measure enclosed by a closed ring (positive when counter-clockwise)."""
    c = np.asarray(coords, dtype=float)[:, :2]
    if c.shape[0] < 3:
        return 0.0
    if np.any(c[0] != c[-1]):
        c = np.vstack([c, c[:1]])
    return fan_measure(c[:-1], c[1:])


def polygon_measure(poly) -> float:
    """Gaussian measure of a valid shapely Polygon (holes allowed)."""
    if poly.is_empty:
        return 0.0
    total = abs(ring_measure(poly.exterior.coords))
    for hole in poly.interiors:
        total -= abs(ring_measure(hole.coords))
    return total


def segment_lengths(a, b) -> np.ndarray:
    """Gaussian length ``phi(h) (Phi(t_b) - Phi(t_a))`` of each segment ``[a_k, b_k]``."""
    if a.shape[0] == 0:
        return np.zeros(0)
    ok, h, ta, tb, _ = _edge_geometry(a, b)
    out = np.zeros(a.shape[0])
    out[ok] = _phi(h[ok]) * _ndtr_diff(ta[ok], tb[ok])
    return out


# --------------------------------------------------------------------------- Voronoi cells
def _clip(verts, labels, n, c, label):
    """Clip a convex polygon (vertices ccw, ``labels[k]`` = label of edge k -> k+1) by ``n.z <= c``."""
    k = verts.shape[0]
    if k == 0:
        return verts, labels
    f = verts @ n - c
    if np.all(f <= 0.0):  # the constraint does not cut (the common case)
        return verts, labels
    out_v, out_l = [], []
    for e in range(k):
        e2 = (e + 1) % k
        fp, fq = f[e], f[e2]
        p_in, q_in = fp <= 0.0, fq <= 0.0
        if p_in:
            out_v.append(verts[e])
            out_l.append(labels[e])
        if p_in != q_in:
            w = fp / (fp - fq)
            pt = verts[e] + w * (verts[e2] - verts[e])
            out_v.append(pt)
            out_l.append(label if p_in else labels[e])
    if len(out_v) < 3:
        return np.zeros((0, 2)), np.zeros(0, dtype=np.int64)
    v = np.array(out_v)
    lab = np.array(out_l, dtype=np.int64)
    # Drop vertices whose outgoing edge has zero length (duplicates from exact hits).
    nxt = np.roll(v, -1, axis=0)
    keep = np.any(v != nxt, axis=1)
    v, lab = v[keep], lab[keep]
    if v.shape[0] < 3:
        return np.zeros((0, 2)), np.zeros(0, dtype=np.int64)
    return v, lab


def cell_polygon(normals: np.ndarray, offsets: np.ndarray, i: int, radius: float, eps: float = 0.0):
    """Vertices (ccw) and edge labels of ``{z in box : dist(z, other cells) >= eps}`` for cell i.

    ``normals[i, j]`` is the unit vector ``(s_j - s_i)/|s_j - s_i|`` and ``offsets[i, j]`` the
    signed distance ``(|s_j|^2 - |s_i|^2)/(2 |s_j - s_i|)`` of their bisector from the origin
    (:meth:`VoronoiPartition._bisector_offsets`, exactly 0 for a cone and free of overflow for
    huge seeds). Edge label ``j >= 0``: the edge lies on the bisector of seeds ``i`` and ``j``;
    ``-1``: on the box. ``eps = 0`` gives the (clipped) cell itself.
    """
    r = radius
    v = np.array([[-r, -r], [r, -r], [r, r], [-r, r]], dtype=float)
    lab = np.full(4, -1, dtype=np.int64)
    for j in range(normals.shape[0]):
        if j == i:
            continue
        c = float(offsets[i, j]) - eps
        v, lab = _clip(v, lab, normals[i, j], c, j)
        if v.shape[0] == 0:
            break
    return v, lab


def closed(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edge endpoint arrays ``(a, b)`` of a closed polygon given by its vertices."""
    return v, np.roll(v, -1, axis=0)
