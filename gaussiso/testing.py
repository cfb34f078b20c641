r"""A property-based testing kit: hypothesis strategies and assertions for gaussiso.

A conjecture about Gaussian partitions becomes a test in a few lines: draw partitions,
mode configurations or generators with the strategies below, compute with gaussiso, and
compare with :func:`assert_estimate_close` (tolerance from the reported standard error) or
:func:`assert_bound_holds` (a one-sided inequality, its direction spelled out).

Every strategy draws an integer seed and builds its arrays from a
``numpy.random.Generator`` seeded with it, so a failing example is reproduced exactly by
hypothesis (and shrinks to a small seed). Arguments that size an object (``m``, ``d``, ...)
take an int or a hypothesis strategy of ints.

This module needs hypothesis (``pip install hypothesis``, or ``pip install
"gaussiso[testing]"``); ``import gaussiso`` never imports it. The assertions themselves need
only numpy.

Examples
--------
>>> from hypothesis import given, settings
>>> import gaussiso
>>> from gaussiso.testing import simplicial_clusters, assert_estimate_close
>>> @settings(max_examples=5, derandomize=True, database=None, deadline=None)
... @given(simplicial_clusters(m=3, extra_dims=1))
... def test_cells_have_equal_measure(p):
...     est = gaussiso.cell_measures(p, method="mc", n_samples=4000, rng=0)
...     assert_estimate_close(est, 1 / 3)   # 5 standard errors, per cell
>>> test_cells_have_equal_measure()
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

try:
    from hypothesis import strategies as st
    from hypothesis.strategies import SearchStrategy
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "gaussiso.testing needs the hypothesis package: pip install hypothesis (or pip install 'gaussiso[testing]')"
    ) from exc

from scipy.special import ndtr

from ._estimate import Estimate
from ._generator import OptimalGenerator
from ._partition import VoronoiPartition, random_rotation, simplex_vertices, simplicial_cluster
from ._validation import check_choice, check_positive_float
from .modes import equidistant_centers

__all__ = [
    "seeds",
    "rotations",
    "simplicial_clusters",
    "voronoi_partitions",
    "mode_configurations",
    "ModeConfiguration",
    "lipschitz_generators",
    "LipschitzGenerator",
    "assert_estimate_close",
    "assert_bound_holds",
    "assert_in_unit_interval",
]

_MAX_SEED = 2**63 - 1


def _strategy(x, name):
    """An int (or float) becomes ``st.just(x)``; a strategy passes through."""
    if isinstance(x, SearchStrategy):
        return x
    if isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool):
        return st.just(x)
    raise TypeError(f"{name} must be a number or a hypothesis strategy, got {type(x).__name__}")


def _draw_int(draw, x, name, low):
    v = draw(_strategy(x, name))
    if int(v) != v or v < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {v!r}")
    return int(v)


def seeds():
    """Strategy for a seed of ``numpy.random.default_rng`` (an int in ``[0, 2**63 - 1]``)."""
    return st.integers(0, _MAX_SEED)


# ---------------------------------------------------------------------- geometry
@st.composite
def rotations(draw, d):
    """Strategy for a Haar-random orthogonal ``(d, d)`` matrix, built from a drawn seed.

    Parameters
    ----------
    d : int or strategy of int
        Dimension, ``>= 1``.

    Returns
    -------
    strategy of ndarray, shape (d, d)
        ``gaussiso.random_rotation(d, rng=seed)``: orthogonal, determinant ``+1`` or ``-1``.
    """
    n = _draw_int(draw, d, "d", 1)
    return random_rotation(n, rng=draw(seeds()))


@st.composite
def simplicial_clusters(draw, m=st.integers(2, 5), *, extra_dims=st.integers(0, 2), rotate=True, scale=1.0):
    r"""Strategy for simplicial clusters: Voronoi cells of ``m`` equidistant seeds.

    The seeds are the ``m`` unit vectors of :func:`gaussiso.simplex_vertices` in the first
    ``m - 1`` coordinates of :math:`\mathbb{R}^d`, ``d = m - 1 + extra_dims``, multiplied by
    ``scale`` (the cells are cones, so the partition does not change) and, with ``rotate``,
    turned by a Haar-random rotation.

    Parameters
    ----------
    m : int or strategy of int, default ``integers(2, 5)``
        Number of cells, ``>= 2``.
    extra_dims : int or strategy of int, default ``integers(0, 2)``
        Dimensions beyond the seeds' span (``d - (m - 1)``), ``>= 0``.
    rotate : bool, default True
        Apply a random rotation (drawn from a seed).
    scale : float or strategy of float, default 1.0
        Norm of the seeds, ``> 0``.

    Returns
    -------
    strategy of VoronoiPartition
        With ``is_cone`` true and cells of Gaussian measure ``1/m`` each.
    """
    mm = _draw_int(draw, m, "m", 2)
    d = mm - 1 + _draw_int(draw, extra_dims, "extra_dims", 0)
    s = check_positive_float(draw(_strategy(scale, "scale")), "scale")
    seeds_ = np.zeros((mm, d))
    seeds_[:, : mm - 1] = s * simplex_vertices(mm)
    if rotate:
        seeds_ = seeds_ @ random_rotation(d, rng=draw(seeds())).T
    return VoronoiPartition(seeds_)


_KINDS = ("generic", "cone", "near_degenerate")


@st.composite
def voronoi_partitions(draw, m=st.integers(2, 6), d=st.integers(1, 4), *, kind=_KINDS):
    r"""Strategy for Voronoi partitions of :math:`\mathbb{R}^d` with ``m`` cells.

    Parameters
    ----------
    m : int or strategy of int, default ``integers(2, 6)``
        Number of cells, ``>= 2``.
    d : int or strategy of int, default ``integers(1, 4)``
        Dimension, ``>= 1``.
    kind : str or tuple of str, default all three
        Which seeds to draw (a tuple: one of them, drawn):

        ``"generic"``
            i.i.d. Gaussian seeds times a scale in ``[0.2, 3]``, plus a Gaussian shift
            (cells are not cones).
        ``"cone"``
            seeds uniform on a sphere of radius in ``[0.2, 3]`` (every cell a convex cone,
            ``is_cone`` true). In ``d = 1`` only two points share a norm, so ``m`` is 2.
        ``"near_degenerate"``
            generic seeds with one pair brought within a relative distance in
            ``[1e-6, 1e-2]`` of each other, or (when ``d >= 2``) all seeds squeezed to
            within ``1e-4..1e-2`` of a line: thin cells and nearly parallel bisectors.

    Returns
    -------
    strategy of VoronoiPartition
    """
    kinds = (kind,) if isinstance(kind, str) else tuple(kind)
    if not kinds:
        raise ValueError("kind must name at least one of " + ", ".join(map(repr, _KINDS)))
    for k in kinds:
        check_choice(k, "kind", _KINDS)
    k = draw(st.sampled_from(kinds))
    mm = _draw_int(draw, m, "m", 2)
    dd = _draw_int(draw, d, "d", 1)
    g = np.random.default_rng(draw(seeds()))
    scale = g.uniform(0.2, 3.0)
    if k == "cone":
        if dd == 1:
            mm = 2
        u = g.standard_normal((mm, dd))
        u /= np.linalg.norm(u, axis=1, keepdims=True)
        if dd == 1:
            u = np.array([[1.0], [-1.0]])
        return VoronoiPartition(scale * u)
    S = g.standard_normal((mm, dd)) * scale + g.standard_normal(dd)
    if k == "near_degenerate":
        if dd >= 2 and mm >= 3 and g.random() < 0.5:
            # squeeze onto a random line through the centroid
            u = g.standard_normal(dd)
            u /= np.linalg.norm(u)
            c = S.mean(axis=0)
            along = (S - c) @ u
            S = c + np.outer(along, u) + (S - c - np.outer(along, u)) * 10 ** g.uniform(-4, -2)
        else:
            i, j = g.choice(mm, size=2, replace=False)
            v = g.standard_normal(dd)
            S[j] = S[i] + scale * 10 ** g.uniform(-6, -2) * v / np.linalg.norm(v)
    return VoronoiPartition(S)


# ---------------------------------------------------------------------- modes
@dataclass(frozen=True)
class ModeConfiguration:
    """A target of ``m`` spherical modes, with whether it satisfies Assumption 3.1.

    Attributes
    ----------
    centers : ndarray, shape (m, dim)
    radii : ndarray, shape (m,)
        Zero for Dirac modes.
    satisfies : bool
        What the construction guarantees for :func:`gaussiso.modes.check_assumption_3_1`.
    violated : str
        ``""`` when it satisfies; otherwise ``"small_radius"`` or ``"complete_dual_graph"``,
        the part of the assumption built to fail.
    """

    centers: np.ndarray
    radii: np.ndarray
    satisfies: bool
    violated: str = ""

    @property
    def m(self) -> int:
        return self.centers.shape[0]

    @property
    def dim(self) -> int:
        return self.centers.shape[1]


@st.composite
def mode_configurations(draw, m=st.integers(2, 5), dim=st.integers(1, 4), *, satisfying=None):
    r"""Strategy for mode configurations that satisfy, or violate, Assumption 3.1.

    Satisfying ones are jittered regular simplices: ``m`` equidistant centers at distance
    ``a``, each moved by less than ``0.05 a``, randomly rotated and translated, with radii in
    ``[0, 0.4 a)``. For the regular simplex the midpoint of an edge is
    :math:`\sqrt3\, a/2` from the other vertices against :math:`a/2` for the half edge; the
    jitter changes these by at most ``0.15 a``, so both parts of the assumption hold with a
    margin. They need ``m <= dim + 1``: ``dim`` is raised to ``m - 1`` when smaller.

    Violating ones break one part: ``"small_radius"`` (jittered equidistant centers as above,
    ``dim`` raised likewise, one radius in ``[a/2, 2a]``) or, for ``m >= 3``, ``"complete_dual_graph"`` (a center put within half
    the pair's half-distance of the midpoint of two others; small radii).

    Parameters
    ----------
    m : int or strategy of int, default ``integers(2, 5)``
    dim : int or strategy of int, default ``integers(1, 4)``
    satisfying : None or bool, default None
        ``True``: only satisfying configurations; ``False``: only violating ones; ``None``:
        either.

    Returns
    -------
    strategy of ModeConfiguration
    """
    if satisfying is None:
        satisfying = draw(st.booleans())
    if not isinstance(satisfying, (bool, np.bool_)):
        raise TypeError(f"satisfying must be None, True or False, got {satisfying!r}")
    mm = _draw_int(draw, m, "m", 2)
    dd = _draw_int(draw, dim, "dim", 1)
    g = np.random.default_rng(draw(seeds()))
    a = 10 ** g.uniform(-1, 1)
    if satisfying or mm == 2 or g.random() < 0.5:
        dd = max(dd, mm - 1)
        X = equidistant_centers(mm, dd, distance=a, rng=g)
        jit = g.standard_normal((mm, dd))
        jit *= (0.0499 * a * g.random(mm) / np.linalg.norm(jit, axis=1))[:, None]
        X = X + jit + g.standard_normal(dd) * a
        r = 0.4 * a * g.random(mm)
        if satisfying:
            return ModeConfiguration(X, r, True)
        r[g.integers(mm)] = a * g.uniform(0.5, 2.0)
        return ModeConfiguration(X, r, False, "small_radius")
    # dual-graph violation: center k near the midpoint of i and j
    X = g.standard_normal((mm, dd)) * a
    i, j, k = g.choice(mm, size=3, replace=False)
    half = 0.5 * np.linalg.norm(X[i] - X[j])
    v = g.standard_normal(dd)
    X[k] = 0.5 * (X[i] + X[j]) + half * g.uniform(0.1, 0.5) * v / np.linalg.norm(v)
    dist = np.linalg.norm(X[:, None] - X[None], axis=-1) + np.diag(np.full(mm, np.inf))
    r = 0.4 * dist.min(axis=1) / 2 * g.random(mm)
    return ModeConfiguration(X, r, False, "complete_dual_graph")


# ---------------------------------------------------------------------- generators
@dataclass(frozen=True)
class LipschitzGenerator:
    r"""An explicit generator :math:`G: \mathbb{R}^d \to \mathbb{R}^D` with what is known about it.

    Attributes
    ----------
    generator : callable
        Maps an array of shape (n, latent_dim) to one of shape (n, output_dim).
    lipschitz : float
        A proven Lipschitz constant of ``generator``.
    lipschitz_is_exact : bool
        ``lipschitz`` is the smallest Lipschitz constant (no smaller one holds).
    latent_dim : int
    centers : ndarray, shape (m, output_dim)
        The modes' centers.
    radii : ndarray, shape (m,)
        The modes' radii (zeros: Dirac modes).
    partition : VoronoiPartition
        The latent partition whose cell ``i`` maps to mode ``i`` outside its eps-boundary.
    eps : float
        Width of that boundary layer.
    exact_precision : float or None
        Share of :math:`G(z)`, :math:`z \sim N(0, I_d)`, lying on a mode, where known in
        closed form or by quadrature (``1 - gamma(eps-boundary)``); else None.
    kind : str
        ``"optimal"`` (:class:`gaussiso.OptimalGenerator`) or ``"ramp"``.
    """

    generator: Callable = field(repr=False)
    lipschitz: float
    lipschitz_is_exact: bool
    latent_dim: int
    centers: np.ndarray = field(repr=False)
    radii: np.ndarray = field(repr=False)
    partition: VoronoiPartition
    eps: float
    exact_precision: float | None
    kind: str

    def __call__(self, z):
        return self.generator(z)

    @property
    def m(self) -> int:
        return self.centers.shape[0]

    @property
    def output_dim(self) -> int:
        return self.centers.shape[1]

    def on_mode(self, x, *, atol=1e-9) -> np.ndarray:
        """Index of the mode each output lies on (within ``atol`` times ``max(1, max|X|)``), or -1."""
        x = np.asarray(x, dtype=float).reshape(-1, self.output_dim)
        tol = atol * max(1.0, float(np.max(np.abs(self.centers))))
        gap = np.abs(np.linalg.norm(x[:, None] - self.centers[None], axis=-1) - self.radii)
        k = np.argmin(gap, axis=1)
        return np.where(gap[np.arange(len(k)), k] <= tol, k, -1)


class _Ramp:
    """``z -> c + clip(L <u, z>, -a, a) v`` (picklable, unlike a closure)."""

    def __init__(self, u, v, c, L, a):
        self.u, self.v, self.c, self.L, self.a = u, v, c, L, a

    def __call__(self, z):
        t = np.clip(self.L * (np.asarray(z, dtype=float) @ self.u), -self.a, self.a)
        return self.c + t[..., None] * self.v


@st.composite
def lipschitz_generators(
    draw, kind=("optimal", "ramp"), *, m=st.integers(2, 4), extra_dims=st.integers(0, 2), eps=st.floats(0.05, 1.0)
):
    r"""Strategy for explicit generators with a known Lipschitz constant and partition.

    ``"optimal"``
        :class:`gaussiso.OptimalGenerator` on a randomly rotated simplicial cluster of
        :math:`\mathbb{R}^d` (``d = m - 1 + extra_dims``), Dirac modes at the vertices of a
        regular simplex (edge in ``[0.1, 10]``, rotated and shifted) or at Gaussian points;
        ``rule`` ``"eq8"`` or ``"projection"``. ``lipschitz`` is ``lipschitz_constant``, exact
        for ``"projection"`` with equidistant modes (:math:`D/(2\varepsilon)`);
        ``exact_precision`` is ``1 - gamma(eps-boundary)`` by quadrature.
    ``"ramp"``
        :math:`G(z) = c + \mathrm{clip}(L\langle u, z\rangle, -a, a)\, v` with ``u``, ``v``
        unit vectors (latent and output), :math:`L \in [0.2, 5]`: exactly ``L``-Lipschitz,
        modes :math:`c \pm a v`, partition the half-spaces :math:`\pm\langle u, z\rangle \ge
        0`, ``eps = a / L`` and precision :math:`P(|z_1| \ge a/L) = 2Q(a/L)`.

    Parameters
    ----------
    kind : str or tuple of str, default both
    m : int or strategy of int, default ``integers(2, 4)``
        Modes of the ``"optimal"`` kind (a ramp has 2).
    extra_dims : int or strategy of int, default ``integers(0, 2)``
        Latent dimensions beyond ``m - 1`` (beyond 1 for a ramp).
    eps : float or strategy of float, default ``floats(0.05, 1.0)``
        Boundary width (for a ramp, ``a / L``).

    Returns
    -------
    strategy of LipschitzGenerator
    """
    kinds = (kind,) if isinstance(kind, str) else tuple(kind)
    for k in kinds:
        check_choice(k, "kind", ("optimal", "ramp"))
    k = draw(st.sampled_from(kinds))
    e = check_positive_float(draw(_strategy(eps, "eps")), "eps")
    g = np.random.default_rng(draw(seeds()))
    if k == "ramp":
        d = 1 + _draw_int(draw, extra_dims, "extra_dims", 0)
        D = int(g.integers(1, 4))
        u = random_rotation(d, rng=g)[0]
        v = random_rotation(D, rng=g)[0]
        c = g.standard_normal(D)
        L = float(g.uniform(0.2, 5.0))
        a = L * e
        gen = _Ramp(u, v, c, L, a)
        centers = np.vstack([c + a * v, c - a * v])
        part = VoronoiPartition(np.vstack([u, -u]))
        prec = float(2.0 * ndtr(-e))
        return LipschitzGenerator(gen, L, True, d, centers, np.zeros(2), part, e, prec, "ramp")
    mm = _draw_int(draw, m, "m", 2)
    d = mm - 1 + _draw_int(draw, extra_dims, "extra_dims", 0)
    rule = ["eq8", "projection"][int(g.integers(2))]
    equi = bool(g.random() < 0.5)
    D = int(g.integers(1, 4)) if not equi else max(mm - 1, int(g.integers(1, 4)))
    if equi:
        X = equidistant_centers(mm, D, distance=10 ** g.uniform(-1, 1), rng=g) + g.standard_normal(D)
    else:
        X = g.standard_normal((mm, D)) * 10 ** g.uniform(-1, 1)
    part = simplicial_cluster(mm, d, rng=g)
    G = OptimalGenerator(X, e, latent_dim=d, partition=part, rule=rule)
    prec = float(G.exact_precision().value)
    return LipschitzGenerator(
        G, float(G.lipschitz_constant), equi and rule == "projection", d, G.centers, G.radii, part, e, prec, "optimal"
    )


# ---------------------------------------------------------------------- assertions
def _fmt(x):
    return np.array2string(
        np.asarray(x, dtype=float), formatter={"float_kind": lambda t: f"{t:.10g}"}, max_line_width=100, threshold=20
    )


def assert_estimate_close(estimate, exact, nsigma=5.0, *, atol=0.0, err_msg=""):
    r"""Assert that an Estimate is within ``nsigma`` standard errors of an exact value.

    Passes when :math:`|\mathrm{value} - \mathrm{exact}| \le n_\sigma\, s + \mathrm{atol}`
    elementwise, where ``s`` is ``estimate.stderr`` (combined in quadrature with
    ``exact.stderr`` when ``exact`` is itself an Estimate, e.g. a second independent method).

    Parameters
    ----------
    estimate : Estimate
        Scalar or array ``value``.
    exact : float, array_like or Estimate
        Broadcastable to ``estimate.value``.
    nsigma : float, default 5.0
        ``> 0``.
    atol : float, default 0.0
        Extra absolute slack, ``>= 0`` (e.g. rounding of a closed form, when ``stderr`` is 0).
    err_msg : str
        Prepended to the failure message.

    Raises
    ------
    AssertionError
        With the value, the exact value, the standard error and the z-score of every element
        that fails (the first 10).

    Examples
    --------
    >>> from gaussiso import Estimate
    >>> from gaussiso.testing import assert_estimate_close
    >>> assert_estimate_close(Estimate(0.51, 0.004, 10_000, "mc"), 0.5)
    >>> assert_estimate_close(Estimate(0.53, 0.004, 10_000, "mc"), 0.5)
    Traceback (most recent call last):
    ...
    AssertionError: Estimate not within 5 sigma (+ atol 0) of the exact value
      value  = 0.53
      exact  = 0.5
      diff   = 0.03
      stderr = 0.004
      z      = 7.5 (|value - exact| / stderr)
    """
    if not isinstance(estimate, Estimate):
        raise TypeError(f"estimate must be a gaussiso.Estimate, got {type(estimate).__name__}")
    nsigma = check_positive_float(nsigma, "nsigma")
    atol = check_positive_float(atol, "atol", allow_zero=True)
    v = np.asarray(estimate.value, dtype=float)
    s = np.asarray(estimate.stderr, dtype=float)
    if isinstance(exact, Estimate):
        x = np.asarray(exact.value, dtype=float)
        s = np.hypot(s, np.asarray(exact.stderr, dtype=float))
    else:
        x = np.asarray(exact, dtype=float)
    try:
        v, x, s = np.broadcast_arrays(v, x, s)
    except ValueError:
        raise ValueError(
            f"exact (shape {np.shape(x)}) does not broadcast to estimate.value (shape {v.shape})"
        ) from None
    diff = np.abs(v - x)
    ok = diff <= nsigma * s + atol
    if np.all(ok):
        return
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(s > 0, diff / np.where(s > 0, s, 1.0), np.where(diff > 0, np.inf, 0.0))
    head = f"{err_msg}\n" if err_msg else ""
    head += f"Estimate not within {nsigma:g} sigma (+ atol {atol:g}) of the exact value"
    if v.ndim == 0:
        raise AssertionError(
            f"{head}\n  value  = {_fmt(v)}\n  exact  = {_fmt(x)}\n  diff   = {float(v - x):.3g}\n"
            f"  stderr = {_fmt(s)}\n  z      = {float(z):.3g} (|value - exact| / stderr)"
        )
    bad = np.argwhere(~ok)
    lines = [f"{head}: {len(bad)} of {v.size} elements fail"]
    for idx in bad[:10]:
        t = tuple(int(i) for i in idx)
        lines.append(f"  at {t}: value = {v[t]:.10g}, exact = {x[t]:.10g}, stderr = {s[t]:.3g}, z = {z[t]:.3g}")
    lines.append(f"  value  = {_fmt(v)}\n  exact  = {_fmt(x)}\n  stderr = {_fmt(s)}")
    raise AssertionError("\n".join(lines))


def assert_bound_holds(value, bound, *, side, nsigma=5.0, rtol=0.0, atol=0.0, err_msg=""):
    r"""Assert a one-sided inequality between a computed value and a bound.

    ``side="upper"``: ``bound`` is an upper bound, the test passes when
    :math:`\mathrm{value} \le \mathrm{bound} + \mathrm{tol}`; ``side="lower"``: a lower bound,
    :math:`\mathrm{value} \ge \mathrm{bound} - \mathrm{tol}`. The tolerance is
    :math:`\mathrm{tol} = \mathrm{atol} + \mathrm{rtol}\,|\mathrm{bound}| + n_\sigma s`, with
    ``s`` the standard error when ``value`` is an Estimate (a Monte Carlo value cannot refute
    a bound it is within ``nsigma`` standard errors of), else 0.

    Parameters
    ----------
    value : float, array_like or Estimate
    bound : float or array_like
        Broadcastable to ``value``.
    side : {"upper", "lower"}
        Which side of ``value`` the bound is on (no default: say it).
    nsigma : float, default 5.0
    rtol, atol : float, default 0.0
        Non-negative slack.
    err_msg : str
        Prepended to the failure message.

    Raises
    ------
    AssertionError
        Printing the value, the bound, the margin (``bound - value`` for an upper bound,
        ``value - bound`` for a lower one; negative means violated) and the tolerance.

    Examples
    --------
    >>> import gaussiso
    >>> from gaussiso import bounds
    >>> from gaussiso.testing import assert_bound_holds
    >>> assert_bound_holds(0.4, 0.5, side="upper")
    >>> assert_bound_holds(0.6, 0.5, side="upper")
    Traceback (most recent call last):
    ...
    AssertionError: upper bound violated: value <= bound fails
      value  = 0.6
      bound  = 0.5
      margin = -0.1 (bound - value; negative: violated), tolerance 0
    """
    side = check_choice(side, "side", ("upper", "lower"))
    nsigma = check_positive_float(nsigma, "nsigma")
    rtol = check_positive_float(rtol, "rtol", allow_zero=True)
    atol = check_positive_float(atol, "atol", allow_zero=True)
    if isinstance(value, Estimate):
        v = np.asarray(value.value, dtype=float)
        s = np.asarray(value.stderr, dtype=float)
    else:
        v = np.asarray(value, dtype=float)
        s = np.zeros_like(v)
    b = np.asarray(bound, dtype=float)
    v, b, s = np.broadcast_arrays(v, b, s)
    margin = b - v if side == "upper" else v - b
    tol = atol + rtol * np.abs(b) + nsigma * s
    ok = margin >= -tol
    if np.all(ok):
        return
    rel = "value <= bound" if side == "upper" else "value >= bound"
    what = "bound - value" if side == "upper" else "value - bound"
    head = f"{err_msg}\n" if err_msg else ""
    msg = (
        f"{head}{side} bound violated: {rel} fails"
        + ("" if v.ndim == 0 else f" at {int(np.sum(~ok))} of {v.size} elements")
        + f"\n  value  = {_fmt(v)}\n  bound  = {_fmt(b)}\n"
        f"  margin = {_fmt(margin)} ({what}; negative: violated), tolerance {_fmt(tol)}"
    )
    if isinstance(value, Estimate):
        msg += f"\n  stderr = {_fmt(s)} (nsigma = {nsigma:g})"
    raise AssertionError(msg)


def assert_in_unit_interval(x, *, atol=0.0, err_msg=""):
    """Assert that every entry of ``x`` (or of an Estimate's value) lies in ``[-atol, 1 + atol]``.

    NaN counts as outside; the message lists up to ten offending entries with their indices.

    Parameters
    ----------
    x : array_like or Estimate
        Values (probabilities, measures) to check.
    atol : float
        Absolute tolerance, ``>= 0``.
    err_msg : str
        Text put before the failure message.

    Raises
    ------
    AssertionError
        If some entry lies outside ``[-atol, 1 + atol]``.

    Examples
    --------
    >>> from gaussiso.testing import assert_in_unit_interval
    >>> assert_in_unit_interval([0.0, 0.5, 1.0])
    >>> assert_in_unit_interval([0.5, 1.2])
    Traceback (most recent call last):
    ...
    AssertionError: values outside [0, 1] (atol 0): 1 of 2
      at (1,): 1.2
    """
    atol = check_positive_float(atol, "atol", allow_zero=True)
    v = np.asarray(x.value if isinstance(x, Estimate) else x, dtype=float)
    bad = ~((v >= -atol) & (v <= 1.0 + atol))
    if not np.any(bad):
        return
    head = f"{err_msg}\n" if err_msg else ""
    lines = [f"{head}values outside [0, 1] (atol {atol:g}): {int(bad.sum())} of {v.size}"]
    for idx in np.argwhere(np.atleast_1d(bad))[:10]:
        t = tuple(int(i) for i in idx)
        lines.append(f"  at {t}: {np.atleast_1d(v)[t]:.10g}")
    raise AssertionError("\n".join(lines))
