"""Tests of the Estimate result object: confidence intervals and printing."""

import numpy as np
import pytest
from scipy.stats import norm

import gaussiso
from gaussiso import Estimate


@pytest.mark.parametrize("level", [0.5, 0.9, 0.95, 0.99, 1 - 1e-9])
def test_ci_scalar_matches_norm_ppf(level):
    est = Estimate(0.3, 0.02, 1000, "mc")
    z = norm.ppf(0.5 + level / 2)
    lo, hi = est.ci(level)
    assert isinstance(lo, float) and isinstance(hi, float)
    assert lo == pytest.approx(0.3 - z * 0.02, rel=1e-13)
    assert hi == pytest.approx(0.3 + z * 0.02, rel=1e-13)


def test_ci_default_is_95_percent_and_arrays_work():
    est = Estimate(np.array([0.2, 0.5]), np.array([0.01, 0.0]), 100, "mc")
    lo, hi = est.ci()
    np.testing.assert_allclose(lo, [0.2 - 1.959963984540054 * 0.01, 0.5], rtol=1e-14)
    np.testing.assert_allclose(hi, [0.2 + 1.959963984540054 * 0.01, 0.5], rtol=1e-14)
    # an exact value has a zero-width interval
    assert Estimate(0.25, 0.0, 0, "exact").ci(0.99) == (0.25, 0.25)


@pytest.mark.parametrize("level", [-1, 0, 1, 1.5, float("nan"), 1.96])
def test_ci_refuses_levels_outside_unit_interval(level):
    with pytest.raises(ValueError, match=r"level must be a number in the open interval \(0, 1\)"):
        Estimate(0.3, 0.02, 1000, "mc").ci(level)


@pytest.mark.parametrize("level", [True, "0.95", None])
def test_ci_refuses_non_numbers(level):
    with pytest.raises(TypeError, match="level must be a real number"):
        Estimate(0.3, 0.02, 1000, "mc").ci(level)


def test_repr_scalar():
    assert repr(Estimate(0.1167474473, 2.0123e-05, 100000, "mc")) == (
        "Estimate(0.1167474473 ± 2e-05, n_samples=100000, method='mc')"
    )


def test_repr_array_keeps_significant_digits_of_small_errors():
    """Errors of ~8e-4 used to print as ``± [0. 0. 0. 0.]``; now two significant digits, as
    in the scalar form."""
    p = gaussiso.VoronoiPartition([[1.0, 0.0], [-1.0, 0.2], [0.0, 2.0], [0.3, -1.5]])
    est = gaussiso.cell_measures(p, method="mc", n_samples=40_000, rng=0)
    assert np.all((est.stderr > 1e-4) & (est.stderr < 2e-3))
    r = repr(est)
    errs = r.split("±")[1].split("]")[0]
    assert "0." in errs and "[0. 0. 0. 0." not in r
    for s in est.stderr:
        assert f"{s:.2g}" in errs
    for v in est.value:
        assert f"{v:.6g}" in r
    # tiny and mixed magnitudes survive too
    r = repr(Estimate(np.array([1e-9, 0.5]), np.array([3.3e-12, 0.0]), 5, "mc"))
    assert r == "Estimate([1e-09 0.5] ± [3.3e-12 0], n_samples=5, method='mc')"
