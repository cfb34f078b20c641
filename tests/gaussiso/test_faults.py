"""The failures of a hostile audit (issue 11), one class per test group.

Nothing silently wrong: huge and tiny seed scales give the right geometry and measures or a
clear error; unbounded work is refused before it starts, with the estimate; bad arguments get
a TypeError/ValueError naming the argument; ``import gaussiso`` works with a read-only
package directory and home.
"""

import math
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Polygon

import gaussiso
from gaussiso import Estimate, OptimalGenerator, VoronoiPartition, _numba_cache, _validation, bounds, modes, planar
from gaussiso._linalg import pairwise_distances
from gaussiso.testing import simplicial_clusters, voronoi_partitions

# Powers of ten spanning the accepted seed norms [1e-300, 1e300] (seeds have norm <= ~3).
_EXPONENTS = st.integers(-299, 299)


# ----------------------------------------------------------------------------- seed scales
@given(
    p=simplicial_clusters(m=st.integers(2, 5), extra_dims=st.integers(0, 2)),
    k=_EXPONENTS,
    seed=st.integers(0, 2**32 - 1),
)
def test_scaled_cone_same_cells(p, k, seed):
    """A cone's cells do not depend on the scale: same labels, distances and measures."""
    q = VoronoiPartition(p.seeds * 10.0**k)
    assert q.is_cone
    z = np.random.default_rng(seed).standard_normal((64, p.d))
    np.testing.assert_array_equal(q.label(z), p.label(z))
    np.testing.assert_allclose(q.boundary_distance(z), p.boundary_distance(z), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gaussiso.cell_measures(q).value, 1.0 / p.m, rtol=1e-13)
    for f, args in ((gaussiso.eps_boundary_measure, (0.1,)), (gaussiso.gaussian_perimeter, ())):
        exact = f(p, *args)
        assert f(q, *args).value == pytest.approx(exact.value, rel=1e-12)
        mc = f(q, *args, method="mc", n_samples=2000, rng=seed)
        # 5 standard errors of the Monte Carlo estimate, plus the quadrature's own bound
        assert abs(mc.value - exact.value) <= 5 * mc.stderr + exact.stderr + 1e-12


@settings(max_examples=10)
@given(k=_EXPONENTS, seed=st.integers(0, 2**32 - 1))
def test_scaled_cone_monte_carlo_cells(k, seed):
    p = gaussiso.simplicial_cluster(4, 3, rng=seed)
    est = gaussiso.cell_measures(VoronoiPartition(p.seeds * 10.0**k), method="mc", n_samples=2000, rng=seed)
    assert np.all(np.abs(est.value - 0.25) <= 5 * est.stderr)  # 5 sigma per cell


@given(
    p=voronoi_partitions(m=st.integers(2, 5), d=st.integers(1, 3)),
    k=st.integers(-299, 299),
    seed=st.integers(0, 2**32 - 1),
)
def test_scaled_partition_covariant(p, k, seed):
    """Vor(c s) = c Vor(s): labels of c z and distances c * dist, at every representable scale."""
    c = 10.0**k
    if np.max(np.linalg.norm(p.seeds, axis=1)) * c > 1e300:
        return
    q = VoronoiPartition(p.seeds * c)
    assert q.is_cone == p.is_cone
    z = np.random.default_rng(seed).standard_normal((64, p.d))
    np.testing.assert_array_equal(q.label(z * c), p.label(z))
    # Scaling rounds the seeds (relative 1e-16); a distance to a bisector divides by |s_i - s_j|,
    # so near-degenerate seeds amplify that by cond = max |s| / min |s_i - s_j| (times |z|).
    sep = min(np.linalg.norm(a - b) for i, a in enumerate(p.seeds) for b in p.seeds[i + 1 :])
    cond = np.max(np.linalg.norm(p.seeds, axis=1)) / sep * max(1.0, float(np.abs(z).max()))
    np.testing.assert_allclose(
        q.boundary_distance(z * c) / c, p.boundary_distance(z), rtol=1e-9 + 1e-14 * cond, atol=1e-12
    )


@pytest.mark.parametrize("scale", [1e-200, 1e-20, 1.0, 1e6, 4e11])
def test_scaled_non_cone_measures_agree_with_planar(scale):
    # seeds 0 and 1 have equal norms (their bisector passes through the origin), seed 2 not
    p = VoronoiPartition(np.array([[1.0, 0.0], [-0.6, 0.8], [0.2, 2.0]]) * scale)
    exact = planar.cell_measures(p)
    assert exact.value.sum() == pytest.approx(1.0, abs=1e-13)
    mc = gaussiso.cell_measures(p, method="mc", n_samples=4000, rng=0)  # auto would take the planar route
    assert np.all(np.abs(mc.value - exact.value) <= 5 * mc.stderr + exact.stderr)  # 5 sigma
    if scale >= 1e6:  # the bisectors off the origin are out of the Gaussian's reach; seeds 0
        # and 1 have equal norms up to rounding, which shifts their bisector by ~1e-16 scale
        np.testing.assert_allclose(exact.value, [0.5, 0.5, 0.0], atol=1e-15 * scale + 1e-13)


@pytest.mark.parametrize("scale", [1e-250, 1.0, 1e200, 1e299])
def test_two_cells_exact_at_every_scale(scale):
    p = VoronoiPartition(np.array([[1.0, 0.0], [-1.0, 0.5]]) * scale)
    for f in (gaussiso.cell_measures, planar.cell_measures):
        v = f(p).value
        assert np.all(np.isfinite(v)) and v.sum() == pytest.approx(1.0, abs=1e-13)
    np.testing.assert_allclose(gaussiso.cell_measures(p).value, planar.cell_measures(p).value, atol=1e-13)
    b = gaussiso.eps_boundary_measure(p, 0.1).value
    assert math.isfinite(b) and b == pytest.approx(planar.eps_boundary_measure(p, 0.1).value, abs=1e-13)


def test_non_cone_monte_carlo_refused_above_1e12():
    p = VoronoiPartition(np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0]]) * 1e200)
    for f in (gaussiso.cell_measures, gaussiso.gaussian_perimeter):
        with pytest.raises(ValueError, match=r"Monte Carlo estimators need seed norms <= 1e\+12"):
            f(p, method="mc")  # "auto" takes the exact planar route in the plane
    with pytest.raises(ValueError, match="Monte Carlo"):
        gaussiso.eps_boundary_measure(VoronoiPartition(p.seeds * 1e-180), 0.1, method="mc")  # norm 2e20
    np.testing.assert_allclose(gaussiso.cell_measures(p).value, [0.5, 0.5, 0.0], atol=1e-13)
    np.testing.assert_allclose(planar.cell_measures(p).value, [0.5, 0.5, 0.0], atol=1e-13)


def test_seed_scale_limits_and_relative_coincidence():
    base = gaussiso.simplicial_cluster(3, 2).seeds
    assert VoronoiPartition(base * 1e-200).is_cone  # tiny seeds do not "coincide"
    with pytest.raises(ValueError, match=r"largest norm in \[1e-300, 1e\+300\]"):
        VoronoiPartition(base * 1e305)
    with pytest.raises(ValueError, match="coincide"):
        VoronoiPartition([[1e-200, 0.0], [1e-200 * (1 + 1e-14), 0.0]])
    with pytest.raises(ValueError, match="coincide"):
        VoronoiPartition(np.zeros((2, 2)))


@settings(max_examples=10)
@given(k=st.integers(-290, 290))
def test_generator_scale_covariant(k):
    """Centres scaled by c give outputs scaled by c; a scaled (cone) partition changes nothing."""
    c = 10.0**k
    X = modes.equidistant_centers(3, 2)
    z = np.random.default_rng(0).standard_normal((50, 2))
    G1 = OptimalGenerator(X, 0.5, latent_dim=2)
    Gc = OptimalGenerator(X * c, 0.5, latent_dim=2)
    np.testing.assert_allclose(Gc(z) / c, G1(z), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(Gc.on_mode(Gc(z)), G1.on_mode(G1(z)))
    P = VoronoiPartition(gaussiso.simplicial_cluster(3, 2).seeds * c)
    np.testing.assert_allclose(OptimalGenerator(X, 0.5, latent_dim=2, partition=P)(z), G1(z), rtol=1e-10, atol=1e-12)
    assert bool(modes.check_assumption_3_1(X * c))


# ----------------------------------------------------------------------------- unbounded work
@pytest.mark.parametrize("f", [gaussiso.eps_boundary_measure, gaussiso.cell_measures, gaussiso.gaussian_perimeter])
def test_huge_n_samples_refused_at_once(f):
    p = gaussiso.VoronoiPartition([[1.0, 0.0], [-1.0, 0.3], [0.2, 2.0]])
    args = (0.1,) if f is gaussiso.eps_boundary_measure else ()
    with pytest.raises(ValueError, match=r"n_samples must be <= 1e\+10.*hours"):
        f(p, *args, method="mc", n_samples=10**12)
    with pytest.raises(ValueError, match="n_samples must be <="):
        OptimalGenerator(modes.equidistant_centers(3, 2), 0.5, latent_dim=2).precision(10**12)


def test_memory_refused_before_allocation(monkeypatch):
    monkeypatch.setattr(_validation, "_available_memory", lambda: 2**30)  # 1 GiB available
    with pytest.raises(MemoryError, match=r"simplicial_cluster\(m=3000, d=3000\) would need about .* GiB"):
        gaussiso.simplicial_cluster(3000, 3000)
    with pytest.raises(MemoryError, match="pairwise distances"):
        pairwise_distances(np.zeros((20000, 10)))


def test_large_pairwise_distances_keep_their_digits():
    """The Gram path (big inputs) agrees with explicit differences, near-duplicates included."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((300, 200)) + 50.0  # far from the origin: centring matters
    a[1] = a[0] + 1e-9 * rng.standard_normal(200)  # a near-duplicate pair
    d = pairwise_distances(a)
    assert 300 * 300 * 200 > 2**24  # the Gram path was taken
    ref = np.sqrt(((a[:, None, :] - a[None, :, :]) ** 2).sum(-1))
    np.testing.assert_allclose(d, ref, rtol=1e-13, atol=0)
    assert d[0, 1] == pytest.approx(np.linalg.norm(a[0] - a[1]), rel=1e-12)


# ----------------------------------------------------------------------------- bad arguments
P3 = gaussiso.simplicial_cluster(3, 2)
G3 = OptimalGenerator(modes.equidistant_centers(3, 2), 0.5, latent_dim=2)

BAD_CALLS = [
    (lambda: VoronoiPartition(None), TypeError, r"seeds must be an array of real numbers of shape \(m, d\), got None"),
    (lambda: VoronoiPartition([[1 + 1j, 0], [0, 1]]), TypeError, "seeds must be .* got complex numbers"),
    (lambda: VoronoiPartition("[[1, 0], [0, 1]]"), TypeError, "seeds must be"),
    (lambda: VoronoiPartition([[True, False], [False, True]]), TypeError, "seeds must be .*booleans"),
    (lambda: gaussiso.isoperimetric_profile("0.5"), TypeError, "v must be an array of real numbers, got str"),
    (lambda: gaussiso.isoperimetric_profile(0.5 + 0j), TypeError, "v must be"),
    (lambda: bounds.lemma_3_5(P3, 0.5, corrected="yes"), TypeError, "corrected must be True or False"),
    (lambda: bounds.lemma_3_5(P3, 0.5, corrected=1), TypeError, "corrected must be True or False"),
    (lambda: planar.gaussian_length(LineString([(0, 0, 0), (1, 0, 5)])), ValueError, "geom must be a 2-D geometry"),
    (
        lambda: planar.gaussian_measure_polygon(Polygon([(0, 0, 1), (1, 0, 1), (1, 1, 1)])),
        ValueError,
        "poly must be a 2-D",
    ),
    (lambda: Estimate("x", 0.1, 10, "mc"), TypeError, "Estimate value must be"),
    (lambda: Estimate(float("nan"), 0.1, 10, "mc"), ValueError, "Estimate value must be finite"),
    (lambda: Estimate(0.5, -0.1, 10, "mc"), ValueError, "Estimate stderr must be >= 0"),
    (lambda: Estimate(0.5, 0.1, 1.5, "mc"), TypeError, "Estimate n_samples must be an integer"),
    (lambda: Estimate(np.zeros(3), np.zeros(2), 10, "mc"), ValueError, "shape of value"),
    (lambda: Estimate(0.5, 0.1, 10, None), TypeError, "Estimate method must be a string"),
    (lambda: G3.on_mode([[0.0, 0.0]], atol=-1), ValueError, "atol must be >= 0"),
    (lambda: G3.on_mode([[0.0, 0.0]], atol=float("nan")), ValueError, "atol must be a number, got NaN"),
    (lambda: G3.on_mode([[0.0, 0.0]], atol="1e-9"), TypeError, "atol must be a real number"),
    (
        lambda: OptimalGenerator(modes.equidistant_centers(3, 2) * 1e305, 0.5, latent_dim=2),
        ValueError,
        "centers must have coordinates",
    ),
    (lambda: gaussiso.cell_measures(P3, method=np.array(["mc", "exact"])), TypeError, "method must be one of"),
    (
        lambda: OptimalGenerator(modes.equidistant_centers(3, 2), 0.5, latent_dim=2, rule=["eq8"]),
        TypeError,
        "rule must be one of",
    ),
    (lambda: planar.cell_measures(P3, radius=1e50), ValueError, "radius must be <="),
]


@pytest.mark.parametrize("call, exc, match", BAD_CALLS)
def test_bad_call_clear_error(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


_BAD_VALUES = st.sampled_from(
    [None, float("nan"), float("inf"), -1.0, "0.5", True, 1 + 2j, object(), [[1.0, float("nan")]], np.array([1 + 1j])]
)
_TARGETS = {
    "seeds": lambda v: VoronoiPartition(v),
    "z": lambda v: P3.label(v),
    "eps": lambda v: gaussiso.eps_boundary_measure(P3, v),
    "v": lambda v: gaussiso.isoperimetric_profile(v),
    "centers": lambda v: OptimalGenerator(v, 0.5, latent_dim=2),
    "atol": lambda v: G3.on_mode([[0.0, 0.0]], atol=v),
    "radius": lambda v: planar.cell_measures(P3, radius=v),
    "geom": lambda v: planar.gaussian_length(v),
    "level": lambda v: Estimate(0.5, 0.1, 10, "mc").ci(v),
    "corrected": lambda v: bounds.lemma_3_5(P3, 0.5, corrected=v),
    "radii": lambda v: modes.check_assumption_3_1(modes.equidistant_centers(3, 2), v),
}


@given(name=st.sampled_from(sorted(_TARGETS)), value=_BAD_VALUES)
def test_bad_values_fuzz(name, value):
    """Every bad value is refused with TypeError/ValueError naming the argument, never a NaN."""
    if name in ("radius", "level", "corrected", "eps", "atol") and isinstance(value, list):
        value = value[0]  # a list for a scalar argument: also refused, checked with a NaN inside
    if name in ("v", "radii") and value in (-1.0,):
        pass  # out of range: refused too
    if name == "v" and value is True:
        value = np.True_
    if name == "corrected" and value is True:
        return  # the one valid value
    if name == "geom" and isinstance(value, float) and value == -1.0:
        value = [[-1.0, 0.0]]  # a wrong shape for a segment array
    with pytest.raises((TypeError, ValueError)) as info:
        _TARGETS[name](value)
    assert name in str(info.value)


# ----------------------------------------------------------------------------- installation
def test_cache_dir_choice_with_access_mocked(tmp_path):
    pkg = str(tmp_path / "site" / "gaussiso")
    env = {"HOME": str(tmp_path / "home")}
    nothing = lambda path, mode: False  # noqa: E731 - nothing is writable
    everything = lambda path, mode: True  # noqa: E731
    assert _numba_cache.choose_cache_dir(pkg, {**env, "NUMBA_CACHE_DIR": "/x"}, access=nothing) is None
    assert _numba_cache.choose_cache_dir(pkg, env, access=everything) is None
    got = _numba_cache.choose_cache_dir(pkg, env, access=nothing, tmpdir=str(tmp_path))
    assert got.startswith(str(tmp_path)) and "gaussiso-numba-cache" in got
    # only the user-wide cache writable: Numba's default is kept
    home_only = lambda path, mode: str(path).startswith(str(tmp_path))  # noqa: E731
    assert _numba_cache.choose_cache_dir("/nonexistent-root/gaussiso", env, access=home_only) is None


def _nobody_available():
    return (
        hasattr(os, "geteuid")
        and os.geteuid() == 0
        and shutil.which("setpriv") is not None
        and sys.platform.startswith("linux")
    )


@pytest.mark.slow
@pytest.mark.skipif(not _nobody_available(), reason="needs root and setpriv to run as nobody")
def test_import_with_read_only_package_and_home(tmp_path):
    """As user nobody: the package in a root-owned directory, HOME unwritable, no NUMBA_CACHE_DIR."""
    import tempfile

    root = tempfile.mkdtemp(prefix="gaussiso-ro-", dir="/tmp")  # pytest's tmp_path is 0700
    os.chmod(root, 0o755)
    from pathlib import Path

    root = Path(root)
    shutil.copytree(os.path.dirname(gaussiso.__file__), root / "gaussiso", ignore=shutil.ignore_patterns("__pycache__"))
    for dirpath, _dirnames, filenames in os.walk(root):
        os.chmod(dirpath, 0o755)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o644)
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "PYTHONPATH": str(root)}
    code = (
        "import gaussiso, numpy as np; "
        "p = gaussiso.VoronoiPartition([[1.0, 0.0], [-1.0, 0.2], [0.0, 2.0]]); "
        "e = gaussiso.cell_measures(p, n_samples=1000, rng=0); print(round(float(e.value.sum()), 12))"
    )
    out = subprocess.run(
        ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", sys.executable, "-c", code],
        env=env,
        cwd="/",
        capture_output=True,
        text=True,
        timeout=600,
    )
    shutil.rmtree(root, ignore_errors=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "1.0"


@pytest.mark.parametrize(
    "call",
    [
        lambda: modes.equidistant_centers(3, 10**12),
        lambda: modes.aligned_centers(10**12, 2),
        lambda: modes.random_centers(3, 10**12),
        lambda: OptimalGenerator(modes.equidistant_centers(3, 2), 0.5, latent_dim=10**12),
    ],
)
def test_mode_layouts_refuse_what_cannot_fit(call):
    with pytest.raises(MemoryError, match=r"\(m=\d+, (dim|d)=\d+\) would need about .* GiB"):
        call()
