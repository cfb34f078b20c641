"""Tests of the testing kit itself: strategies produce what they promise, assertions fail
when they should, with the numbers in the message."""

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import ndtr

import gaussiso
from gaussiso import Estimate
from gaussiso.modes import check_assumption_3_1
from gaussiso.testing import (
    assert_bound_holds,
    assert_estimate_close,
    assert_in_unit_interval,
    lipschitz_generators,
    mode_configurations,
    rotations,
    simplicial_clusters,
    voronoi_partitions,
)


# ---------------------------------------------------------------- strategies
@given(rotations(st.integers(1, 6)))
def test_rotations_are_orthogonal(q):
    np.testing.assert_allclose(q @ q.T, np.eye(len(q)), atol=1e-12)


def test_rotations_are_haar():
    """The first column of a Haar rotation is uniform on the sphere: in d = 3 its first
    coordinate is uniform on [-1, 1] (mean 0, mean square 1/3); 5 standard errors over the
    distinct matrices the strategy draws."""
    vals = set()

    @settings(max_examples=400)
    @given(rotations(3))
    def collect(q):
        vals.add(float(q[0, 0]))

    collect()
    x = np.array(sorted(vals))
    assert len(x) >= 300
    for y, mean in ((x, 0.0), (x**2, 1 / 3)):
        assert_estimate_close(Estimate(y.mean(), y.std() / np.sqrt(len(y)), len(y), "mc"), mean)


@given(simplicial_clusters(m=st.integers(2, 6), extra_dims=st.integers(0, 3), scale=st.floats(0.1, 10.0)))
def test_simplicial_clusters_are_simplicial(p):
    assert p.is_cone and 2 <= p.m <= p.d + 1 <= p.m + 3
    S = p.seeds
    dist = np.linalg.norm(S[:, None] - S[None], axis=-1)[~np.eye(p.m, dtype=bool)]
    np.testing.assert_allclose(dist, dist[0], rtol=1e-10)  # equidistant
    np.testing.assert_allclose(S.sum(axis=0), 0.0, atol=1e-9 * dist[0])  # centred
    np.testing.assert_allclose(gaussiso.cell_measures(p).value, 1.0 / p.m)


def test_simplicial_clusters_options():
    @given(simplicial_clusters(m=4, extra_dims=0, rotate=False, scale=2.0))
    def check(p):
        assert (p.m, p.d) == (4, 3)
        np.testing.assert_allclose(p.seeds, 2.0 * gaussiso.simplex_vertices(4))

    check()


@given(voronoi_partitions(kind="cone"))
def test_voronoi_cone(p):
    assert p.is_cone


@given(voronoi_partitions(m=st.integers(3, 6), d=st.integers(2, 4), kind="generic"))
def test_voronoi_generic(p):
    assert 3 <= p.m <= 6 and 2 <= p.d <= 4 and not p.is_cone


@given(voronoi_partitions(m=st.integers(3, 6), d=st.integers(1, 4), kind="near_degenerate"))
def test_voronoi_near_degenerate(p):
    """Either a pair of seeds much closer than the others, or seeds close to a line."""
    S = p.seeds
    dist = np.linalg.norm(S[:, None] - S[None], axis=-1)
    close = dist[~np.eye(p.m, dtype=bool)].min() <= 0.011 * np.ptp(S, axis=0).max() + 1e-300
    sv = np.linalg.svd(S - S.mean(axis=0), compute_uv=False)
    thin = p.d >= 2 and sv[1] <= 0.011 * sv[0]
    assert close or thin


@given(mode_configurations(satisfying=True))
def test_mode_configurations_satisfying(cfg):
    assert cfg.satisfies and cfg.violated == ""
    assert cfg.m <= cfg.dim + 1
    assert bool(check_assumption_3_1(cfg.centers, cfg.radii))


@given(mode_configurations(m=st.integers(2, 6), satisfying=False))
def test_mode_configurations_violating(cfg):
    res = check_assumption_3_1(cfg.centers, cfg.radii)
    assert not cfg.satisfies and not bool(res)
    # the part built to fail does fail
    assert not getattr(res, cfg.violated)


@given(mode_configurations())
def test_mode_configurations_either(cfg):
    assert bool(check_assumption_3_1(cfg.centers, cfg.radii)) == cfg.satisfies


def test_mode_configurations_draw_both_kinds():
    kinds = set()

    @given(mode_configurations(m=st.integers(2, 5)))
    def collect(cfg):
        kinds.add(cfg.violated)

    collect()
    assert kinds == {"", "small_radius", "complete_dual_graph"}


@given(lipschitz_generators(kind="ramp"))
def test_ramp_is_what_it_says(gen):
    """The ramp's precision is 2 Q(a/L), its modes are the two ends, its partition the two
    half-spaces, and its eps-boundary measure is 1 - precision."""
    assert gen.kind == "ramp" and gen.m == 2 and gen.lipschitz_is_exact
    assert gen.exact_precision == pytest.approx(2 * ndtr(-gen.eps), rel=1e-14)
    b = gaussiso.eps_boundary_measure(gen.partition, gen.eps, method="exact")
    assert_estimate_close(b, 1.0 - gen.exact_precision, atol=1e-15)
    # two points at latent distance 2 eps across the interface map to the two modes: the
    # Lipschitz constant cannot be smaller than |X_0 - X_1| / (2 eps) = L
    u = gen.partition.seeds[0]
    x = gen(np.vstack([gen.eps * u, -gen.eps * u]))
    np.testing.assert_allclose(x, gen.centers, atol=1e-12)
    assert np.linalg.norm(x[0] - x[1]) / (2 * gen.eps) == pytest.approx(gen.lipschitz, rel=1e-12)


@given(lipschitz_generators(kind="optimal"))
def test_optimal_generators_match_the_library(gen):
    G = gen.generator
    assert isinstance(G, gaussiso.OptimalGenerator)
    assert gen.lipschitz == G.lipschitz_constant and gen.partition is G.partition
    assert gen.exact_precision == pytest.approx(
        1 - gaussiso.eps_boundary_measure(G.partition, gen.eps, method="exact").value, abs=1e-15
    )
    if gen.lipschitz_is_exact:  # projection rule, equidistant modes: D / (2 eps)
        D = np.linalg.norm(gen.centers[0] - gen.centers[1])
        assert gen.lipschitz == pytest.approx(D / (2 * gen.eps), rel=1e-9)


def _draw(strategy):
    @settings(max_examples=1)
    @given(strategy)
    def run(x):
        pass

    run()


def test_bad_arguments():
    with pytest.raises(ValueError, match="kind"):
        _draw(voronoi_partitions(kind="spiky"))
    with pytest.raises(TypeError, match="m must be a number or a hypothesis strategy"):
        _draw(simplicial_clusters(m="3"))
    with pytest.raises(ValueError, match="m must be an integer >= 2"):
        _draw(simplicial_clusters(m=1))
    with pytest.raises(TypeError, match="satisfying"):
        _draw(mode_configurations(satisfying="yes"))


# ---------------------------------------------------------------- assertions
def test_assert_estimate_close_scalar():
    assert_estimate_close(Estimate(0.5 + 4.9e-3, 1e-3, 100, "mc"), 0.5)
    with pytest.raises(AssertionError) as info:
        assert_estimate_close(Estimate(0.5 + 5.1e-3, 1e-3, 100, "mc"), 0.5)
    msg = str(info.value)
    for s in ("value  = 0.5051", "exact  = 0.5", "stderr = 0.001", "z      = 5.1", "5 sigma"):
        assert s in msg, msg
    # nsigma is honoured; an exact method (stderr 0) needs atol
    assert_estimate_close(Estimate(0.5 + 5.1e-3, 1e-3, 100, "mc"), 0.5, nsigma=6)
    with pytest.raises(AssertionError, match="z      = inf"):
        assert_estimate_close(Estimate(0.3, 0.0, 0, "exact"), 0.3 + 1e-13)
    assert_estimate_close(Estimate(0.3, 0.0, 0, "exact"), 0.3 + 1e-13, atol=1e-12)


def test_assert_estimate_close_array_and_two_estimates():
    est = Estimate(np.array([0.25, 0.26, 0.24, 0.25]), np.full(4, 1e-3), 10, "mc")
    with pytest.raises(AssertionError) as info:
        assert_estimate_close(est, 0.25)
    msg = str(info.value)
    assert "2 of 4 elements fail" in msg and "at (1,)" in msg and "at (2,)" in msg
    assert "z = 10" in msg
    assert_estimate_close(est, np.array([0.25, 0.26, 0.24, 0.25]))
    # two estimates: standard errors combine in quadrature (hypot(3, 4) = 5)
    a, b = Estimate(1.0, 3e-3, 10, "mc"), Estimate(1.024, 4e-3, 10, "mc")
    assert_estimate_close(a, b)
    with pytest.raises(AssertionError):
        assert_estimate_close(a, Estimate(1.026, 4e-3, 10, "mc"))
    with pytest.raises(ValueError, match="broadcast"):
        assert_estimate_close(est, [0.25, 0.25])
    with pytest.raises(TypeError, match="Estimate"):
        assert_estimate_close(0.25, 0.25)
    with pytest.raises(ValueError, match="nsigma"):
        assert_estimate_close(est, 0.25, nsigma=-1)


def test_assert_bound_holds():
    assert_bound_holds(1.0, 1.0, side="upper")
    assert_bound_holds(1.0, 1.0, side="lower")
    with pytest.raises(AssertionError) as info:
        assert_bound_holds(1.2, 1.0, side="upper")
    msg = str(info.value)
    assert "upper bound violated" in msg and "value  = 1.2" in msg and "bound  = 1" in msg
    assert "margin = -0.2" in msg and "bound - value" in msg
    with pytest.raises(AssertionError, match="value - bound"):
        assert_bound_holds(0.8, 1.0, side="lower")
    assert_bound_holds(1.0 + 1e-10, 1.0, side="upper", rtol=1e-9)
    # an Estimate within nsigma standard errors of the bound does not refute it
    assert_bound_holds(Estimate(1.04, 0.01, 10, "mc"), 1.0, side="upper")
    with pytest.raises(AssertionError, match="stderr"):
        assert_bound_holds(Estimate(1.06, 0.01, 10, "mc"), 1.0, side="upper")
    with pytest.raises(AssertionError, match="1 of 3 elements"):
        assert_bound_holds([0.1, 0.5, 0.9], [1.0, 0.4, 1.0], side="upper")
    with pytest.raises(ValueError, match="side"):
        assert_bound_holds(1.0, 1.0, side="below")
    with pytest.raises(TypeError):
        assert_bound_holds(1.0, 1.0)  # the direction must be said


def test_assert_in_unit_interval():
    assert_in_unit_interval(np.array([0.0, 1.0]))
    assert_in_unit_interval(Estimate(np.array([0.2, 0.8]), np.zeros(2), 0, "exact"))
    with pytest.raises(AssertionError, match=r"at \(0,\): -0.1"):
        assert_in_unit_interval([-0.1, 0.5])
    assert_in_unit_interval(1 + 1e-13, atol=1e-12)


# ---------------------------------------------------------------- optional dependency
_BLOCK = textwrap.dedent("""
    import sys
    class Block:
        def find_spec(self, name, path=None, target=None):
            if name == "hypothesis" or name.startswith("hypothesis."):
                raise ImportError("hypothesis hidden for this test")
    sys.meta_path.insert(0, Block())
""")


def _run(code):
    env = dict(os.environ)
    return subprocess.run(
        [sys.executable, "-c", _BLOCK + textwrap.dedent(code)], env=env, capture_output=True, text=True, timeout=120
    )


def test_import_without_hypothesis():
    """``import gaussiso`` works without hypothesis (and never imports it);
    ``import gaussiso.testing`` says what to install."""
    r = _run("""
        import gaussiso
        assert "hypothesis" not in sys.modules
        try:
            import gaussiso.testing
        except ImportError as e:
            print("MSG:", e)
        else:
            raise SystemExit("gaussiso.testing imported without hypothesis")
    """)
    assert r.returncode == 0, r.stderr
    assert "pip install hypothesis" in r.stdout


# ---------------------------------------------------------------- docs/testing.md
_DOC = Path(__file__).resolve().parents[2] / "docs" / "testing.md"


def _doc_namespace():
    """Execute the python blocks of docs/testing.md (except the profile, set in conftest)."""
    blocks = re.findall(r"```python\n(.*?)```", _DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 4, "docs/testing.md lost its examples"
    ns = {"__name__": "docs_testing_md"}
    for code in blocks:
        if "register_profile" in code:
            continue
        exec(compile(code, str(_DOC), "exec"), ns)
    return ns


_DOC_TESTS = sorted(k for k in _doc_namespace() if k.startswith("test_"))


def test_docs_page_has_its_tests():
    assert set(_DOC_TESTS) >= {
        "test_the_naive_conjecture_is_false",
        "test_eps_boundary_is_at_least_the_isoperimetric_bound",
        "test_two_half_planes_attain_it",
        "test_monte_carlo_agrees_with_the_quadrature",
    }


@pytest.mark.parametrize("name", _DOC_TESTS)
def test_docs_testing_md(name):
    _doc_namespace()[name]()
