"""Tests of VoronoiPartition and the simplicial cluster (gaussiso/_partition.py)."""

import itertools

import numpy as np
import pytest

import gaussiso
from gaussiso import VoronoiPartition, random_rotation, simplex_vertices, simplicial_cluster


@pytest.mark.parametrize("m", [2, 3, 4, 7, 12])
def test_simplex_vertices_geometry(m):
    v = simplex_vertices(m)
    assert v.shape == (m, m - 1)
    g = v @ v.T
    np.testing.assert_allclose(np.diag(g), 1.0, atol=1e-13)
    off = g[~np.eye(m, dtype=bool)]
    np.testing.assert_allclose(off, -1.0 / (m - 1), atol=1e-13)
    np.testing.assert_allclose(v.sum(axis=0), 0.0, atol=1e-12)


@pytest.mark.parametrize("m,d", [(2, 1), (3, 2), (4, 3), (4, 7), (6, 5)])
@pytest.mark.parametrize("rng", [None, 3])
def test_simplicial_cluster(m, d, rng):
    p = simplicial_cluster(m, d, rng=rng)
    assert (p.m, p.d) == (m, d) and p.is_cone
    s = p.seeds
    np.testing.assert_allclose(np.linalg.norm(s, axis=1), 1.0, atol=1e-12)
    g = s @ s.T
    np.testing.assert_allclose(g[~np.eye(m, dtype=bool)], -1.0 / (m - 1), atol=1e-12)


def test_random_rotation_orthogonal_and_seeded():
    q = random_rotation(6, 5)
    np.testing.assert_allclose(q @ q.T, np.eye(6), atol=1e-12)
    np.testing.assert_array_equal(q, random_rotation(6, 5))


def _brute_label(seeds, z):
    d2 = ((z[:, None, :] - seeds[None, :, :]) ** 2).sum(-1)
    return np.argmin(d2, axis=1)


def _brute_boundary_distance(seeds, z):
    """Independent method: explicit orthogonal projection of the point on every bisector
    hyperplane of its cell (checked to be equidistant from both seeds); the distance to the
    union of the other cells is the smallest projection length (each cell is an intersection
    of half-spaces)."""
    lab = _brute_label(seeds, z)
    out = np.empty(len(z))
    for n, (x, i) in enumerate(zip(z, lab)):
        best = np.inf
        for j in range(len(seeds)):
            if j == i:
                continue
            nrm = seeds[j] - seeds[i]
            mid = 0.5 * (seeds[i] + seeds[j])
            u = nrm / np.linalg.norm(nrm)
            dist = np.dot(mid - x, u)  # signed distance to the bisector (>= 0 inside cell i)
            proj = x + dist * u  # orthogonal projection on the bisector
            # the projection is equidistant from s_i and s_j
            assert abs(np.linalg.norm(proj - seeds[i]) - np.linalg.norm(proj - seeds[j])) < 1e-9
            best = min(best, float(np.linalg.norm(proj - x)))
        out[n] = best
    return out


def test_label_and_boundary_distance_vs_brute_force():
    rng = np.random.default_rng(0)
    seeds = rng.standard_normal((6, 4))
    p = VoronoiPartition(seeds)
    z = 1.5 * rng.standard_normal((300, 4))
    np.testing.assert_array_equal(p.label(z), _brute_label(seeds, z))
    np.testing.assert_allclose(p.boundary_distance(z), _brute_boundary_distance(seeds, z), atol=1e-12)
    assert p.label(z[0]).shape == () and np.ndim(p.boundary_distance(z[0])) == 0


def test_boundary_distance_is_distance_to_other_cells():
    """Moving by the reported distance along the best direction reaches another cell, and any
    move shorter than it (random directions) stays in the cell."""
    rng = np.random.default_rng(1)
    seeds = rng.standard_normal((5, 3))
    p = VoronoiPartition(seeds)
    z = rng.standard_normal((200, 3))
    lab = p.label(z)
    bd = p.boundary_distance(z)
    dirs = rng.standard_normal((200, 50, 3))
    dirs /= np.linalg.norm(dirs, axis=-1, keepdims=True)
    inside = z[:, None, :] + 0.999 * bd[:, None, None] * dirs
    assert np.all(p.label(inside.reshape(-1, 3)).reshape(200, 50) == lab[:, None])


def test_reduce_invariance():
    rng = np.random.default_rng(2)
    seeds = rng.standard_normal((4, 9))
    p = VoronoiPartition(seeds)
    red, basis = p.reduce()
    assert red.d == 3 and basis.shape == (9, 3)
    np.testing.assert_allclose(basis.T @ basis, np.eye(3), atol=1e-12)
    z = rng.standard_normal((500, 9))
    np.testing.assert_array_equal(p.label(z), red.label(z @ basis))
    np.testing.assert_allclose(p.boundary_distance(z), red.boundary_distance(z @ basis), atol=1e-10)
    assert red.is_cone == p.is_cone


def test_cone_detection():
    assert simplicial_cluster(3, 4, rng=1).is_cone
    assert not VoronoiPartition([[1.0, 0.0], [0.0, 2.0]]).is_cone


@pytest.mark.parametrize(
    "seeds, exc, match",
    [
        ([[1.0, 2.0]], ValueError, "m >= 2"),
        ([1.0, 2.0], ValueError, "shape"),
        ([[1.0, np.nan], [0.0, 1.0]], ValueError, "finite"),
        ([[1.0, np.inf], [0.0, 1.0]], ValueError, "finite"),
        ([[1.0, 2.0], [1.0, 2.0], [0.0, 0.0]], ValueError, "distinct"),
        (np.zeros((2, 0)), ValueError, "d >= 1"),
        ([["a", "b"], ["c", "d"]], TypeError, "real numbers"),
    ],
)
def test_partition_bad_input(seeds, exc, match):
    with pytest.raises(exc, match=match):
        VoronoiPartition(seeds)


def test_points_bad_shape():
    p = simplicial_cluster(3, 2)
    with pytest.raises(ValueError, match="shape"):
        p.label(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="finite"):
        p.boundary_distance(np.array([[np.nan, 0.0]]))


@pytest.mark.parametrize(
    "m, d, exc, match",
    [
        (5, 3, ValueError, "m <= d \\+ 1"),
        (1, 3, ValueError, "m must be >= 2"),
        (3, 0, ValueError, "d must be >= 1"),
        (3.0, 2, TypeError, "m must be an integer"),
        (3, 2.5, TypeError, "d must be an integer"),
        (True, 2, TypeError, "m must be an integer"),
    ],
)
def test_simplicial_cluster_bad_input(m, d, exc, match):
    with pytest.raises(exc, match=match):
        simplicial_cluster(m, d)


def test_every_pair_is_a_facet_of_the_simplicial_cluster():
    # Midpoint direction of two seeds lies on their common facet (equidistant, nearest).
    p = simplicial_cluster(5, 4)
    for i, j in itertools.combinations(range(5), 2):
        x = p.seeds[i] + p.seeds[j]
        assert p.boundary_distance(x) == pytest.approx(0.0, abs=1e-12)
    assert isinstance(gaussiso.VoronoiPartition, type)


def test_partition_copies_the_callers_seeds_and_reduces_once():
    a = np.array([[0.3, 0.1, 0.0], [-0.2, 0.4, 0.5], [0.1, -0.6, 0.2]])
    p = VoronoiPartition(a)
    assert a.flags.writeable  # the caller's array is left alone
    a[0, 0] = 5.0  # and changing it does not change the partition
    assert p.seeds[0, 0] == 0.3 and not p.seeds.flags.writeable
    red, basis = p.reduce()
    assert p.reduce()[0] is red and not basis.flags.writeable
    np.testing.assert_allclose(red.seeds, p.seeds @ basis, rtol=1e-15, atol=1e-15)
