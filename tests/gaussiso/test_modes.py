"""Tests of gaussiso.modes (mode configurations and Assumption 3.1)."""

import numpy as np
import pytest

from gaussiso.modes import (
    aligned_centers,
    check_assumption_3_1,
    equidistant_centers,
    random_centers,
)


def _pdist(X):
    d = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))
    return d[~np.eye(len(X), dtype=bool)]


@pytest.mark.parametrize("m,dim", [(2, 1), (3, 2), (4, 3), (5, 9)])
def test_equidistant(m, dim):
    for rng in (None, 3):
        X = equidistant_centers(m, dim, distance=2.5, rng=rng)
        assert X.shape == (m, dim)
        np.testing.assert_allclose(_pdist(X), 2.5, rtol=1e-13)
        np.testing.assert_allclose(X.mean(0), 0.0, atol=1e-13)
    np.testing.assert_array_equal(equidistant_centers(m, dim, rng=4), equidistant_centers(m, dim, rng=4))
    assert check_assumption_3_1(equidistant_centers(m, dim), 0.0)
    assert check_assumption_3_1(equidistant_centers(m, dim), 0.49)


def test_equidistant_bad_input():
    with pytest.raises(ValueError, match="m <= dim \\+ 1"):
        equidistant_centers(4, 2)
    with pytest.raises(ValueError, match="distance"):
        equidistant_centers(3, 2, distance=0.0)
    with pytest.raises(ValueError, match="m must be >= 2"):
        equidistant_centers(1, 2)


def test_aligned_fails_part_2():
    X = aligned_centers(3, 2, spread=0.1)
    np.testing.assert_allclose(X, [[-1.0, 0.0], [0.0, 0.1], [1.0, 0.0]])
    res = check_assumption_3_1(X, 0.0)
    assert not res
    assert res.small_radius and not res.complete_dual_graph
    assert res.pair_violations == ((0, 2, 1),)
    # More modes: every (k, k+2) pair is blocked by k+1.
    res = check_assumption_3_1(aligned_centers(5, 3, spread=0.2, rng=1), 0.1)
    assert {(i, j) for i, j, _ in res.pair_violations} >= {(0, 2), (1, 3), (2, 4)}
    # A large spread restores the assumption for m = 3 (middle mode outside the diametral ball).
    assert check_assumption_3_1(aligned_centers(3, 2, spread=1.5), 0.0)


def test_big_radii_fail_part_1():
    X = equidistant_centers(4, 3, distance=1.0)
    res = check_assumption_3_1(X, [0.1, 0.5, 0.2, 0.7])
    assert not res
    assert res.complete_dual_graph and not res.small_radius
    assert res.radius_violations == (1, 3)  # r_i >= D/2 = 0.5 (equality fails: strict inequality)
    np.testing.assert_allclose(res.radius_margin, [0.4, 0.0, 0.3, -0.2], atol=1e-14)


def test_two_modes_part_2_vacuous():
    assert check_assumption_3_1([[0.0], [1.0]], 0.2)


def test_random_centers():
    a = random_centers(6, 4, scale=2.0, rng=0)
    assert a.shape == (6, 4)
    np.testing.assert_array_equal(a, random_centers(6, 4, scale=2.0, rng=0))
    np.testing.assert_array_equal(a, 2.0 * np.random.default_rng(0).standard_normal((6, 4)))


def test_check_bad_input():
    X = equidistant_centers(3, 2)
    with pytest.raises(ValueError, match="finite"):
        check_assumption_3_1(np.array([[np.nan, 0.0], [1.0, 1.0]]), 0.0)
    with pytest.raises(ValueError, match="coincide"):
        check_assumption_3_1(np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]]), 0.0)
    with pytest.raises(ValueError, match="radii"):
        check_assumption_3_1(X, [0.1, 0.2])
    with pytest.raises(ValueError, match="radii"):
        check_assumption_3_1(X, -0.1)
    with pytest.raises(ValueError, match="spread > 0 needs dim >= 2"):
        aligned_centers(3, 1)
