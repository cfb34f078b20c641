"""Tests of gan.metrics: prdc against the ``prdc`` package (exact equality), FID against
independent float64 routes, streaming statistics, and mode metrics on hand-made samples."""

import contextlib
import io

import numpy as np
import prdc as prdc_package
import pytest
import scipy.linalg
import torch

from gan.metrics import FeatureStats, fid, frechet_distance, mode_metrics, prdc

KEYS = ("precision", "recall", "density", "coverage")


def reference(real, fake, k):
    with contextlib.redirect_stdout(io.StringIO()):  # the package prints the sizes
        return prdc_package.compute_prdc(real, fake, k)


def feature_set(name):
    rng = np.random.default_rng(sum(map(ord, name)))
    if name == "gauss32":
        r = rng.normal(size=(300, 16))
        f = rng.normal(size=(250, 16)) * 1.2 + 0.1
        return r.astype(np.float32), f.astype(np.float32)
    if name == "gauss64_offset":
        # float64 path; a large common offset exercises the centring of the fast tier
        r = rng.normal(size=(250, 24)) + 40.0
        f = rng.normal(size=(300, 24)) * 0.9 + 40.2
        return r, f
    if name == "duplicates32":
        r = rng.normal(size=(300, 8)).astype(np.float32)
        f = rng.normal(size=(260, 8)).astype(np.float32)
        r[10:14] = r[0]  # 5 copies: radius 0 for k <= 4
        r[50:52] = r[40]  # 3 copies
        f[5:7] = f[0]
        f[20] = r[40]  # a fake equal to a duplicated real
        f[21] = r[100]  # and to a single real
        return r, f
    if name == "clusters32":
        c = rng.normal(size=(6, 32)) * 4.0
        r = c[rng.integers(0, 6, 300)] + 0.3 * rng.normal(size=(300, 32))
        f = c[rng.integers(0, 4, 260)] + 0.35 * rng.normal(size=(260, 32))
        return r.astype(np.float32), f.astype(np.float32)
    if name == "lattice32":
        # values rounded to 0.1 in float32: many mathematically tied distances, decided by
        # scikit-learn's float64 -> float32 rounding
        r = np.round(rng.normal(size=(300, 3)), 1).astype(np.float32)
        f = np.round(rng.normal(size=(280, 3)) * 1.1, 1).astype(np.float32)
        return r, f
    if name == "dyadic64":
        # multiples of 1/4 in float64: exact ties, computed without rounding
        r = np.round(rng.normal(size=(300, 2)) * 4) / 4
        f = np.round(rng.normal(size=(250, 2)) * 4) / 4
        return r, f
    raise KeyError(name)


SETS = ["gauss32", "gauss64_offset", "duplicates32", "clusters32", "lattice32", "dyadic64"]


@pytest.mark.parametrize("cpu_kernel", [True, False], ids=["numba", "torch"])
@pytest.mark.parametrize("name", SETS)
def test_prdc_equals_reference_package(name, cpu_kernel, monkeypatch):
    # cpu_kernel=False runs the torch route (the one CUDA takes) on the CPU
    import gan.metrics._prdc_exact as impl

    monkeypatch.setattr(impl, "CPU_KERNEL", cpu_kernel)
    real, fake = feature_set(name)
    ks = [1, 3, 5]
    ours = prdc(real, fake, ks, device="cpu", block_size=37)  # blocks much smaller than N
    for k in ks:
        ref = reference(real, fake, k)
        for key in KEYS:
            assert ours[k][key] == ref[key], (name, k, key, ours[k][key], ref[key])


def test_prdc_identical_inputs_and_default_blocks():
    real, _ = feature_set("gauss32")
    ours = prdc(real, real, device="cpu")
    ref = reference(real, real, 5)
    for key in KEYS:
        assert ours[key] == ref[key]
    assert ours["precision"] == ours["recall"] == ours["coverage"] == 1.0


def test_prdc_several_k_equal_separate_calls_and_block_invariance():
    real, fake = feature_set("clusters32")
    together = prdc(real[:200], fake[:150], [2, 7], device="cpu")
    for k in (2, 7):
        for bs in (5, 64, None):
            alone = prdc(real[:200], fake[:150], k, device="cpu", block_size=bs)
            assert alone == together[k]


def test_prdc_torch_input_and_mixed_dtypes():
    real, fake = feature_set("gauss32")
    a = prdc(torch.from_numpy(real), torch.from_numpy(fake), 4, device="cpu")
    assert a == prdc(real, fake, 4, device="cpu")
    # float32 with float64: scikit-learn computes in float64
    ref = reference(real, fake.astype(np.float64), 4)
    ours = prdc(real, fake.astype(np.float64), 4, device="cpu")
    assert all(ours[k] == ref[k] for k in KEYS)


def _brute(real, fake, k, strict, squared):
    real, fake = real.astype(np.float64), fake.astype(np.float64)
    d = lambda a, b: ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)  # noqa: E731
    drr, dff, drf = d(real, real), d(fake, fake), d(real, fake)
    if not squared:
        drr, dff, drf = np.sqrt(drr), np.sqrt(dff), np.sqrt(drf)
    rr = np.sort(drr, 1)[:, k]
    rf = np.sort(dff, 1)[:, k]
    lt = (lambda a, b: a < b) if strict else (lambda a, b: a <= b)
    inside_real = lt(drf, rr[:, None])
    return (
        {
            "precision": inside_real.any(0).mean(),
            "recall": lt(drf, rf[None, :]).any(1).mean(),
            "density": inside_real.sum(0).mean() / k,
            "coverage": inside_real.any(1).mean(),
        },
        rr,
        drf,
    )


@pytest.mark.parametrize("cpu_kernel", [True, False], ids=["numba", "torch"])
def test_kynkaanniemi_convention_matches_definition(cpu_kernel, monkeypatch):
    import gan.metrics._prdc_exact as impl

    monkeypatch.setattr(impl, "CPU_KERNEL", cpu_kernel)
    real, fake = feature_set("clusters32")
    ours = prdc(real, fake, convention="kynkaanniemi", device="cpu", block_size=50)
    ref, _, _ = _brute(real, fake, 3, strict=False, squared=True)  # k = 3 by default
    for key in KEYS:
        assert ours[key] == pytest.approx(ref[key], abs=1e-12)


@pytest.mark.parametrize("cpu_kernel", [True, False], ids=["numba", "torch"])
def test_realism_score_matches_brute_force(cpu_kernel, monkeypatch):
    import gan.metrics._prdc_exact as impl

    monkeypatch.setattr(impl, "CPU_KERNEL", cpu_kernel)
    real, fake = feature_set("gauss32")
    ours = prdc(real, fake, 5, device="cpu", block_size=29, realism=True)
    _, radii, drf = _brute(real, fake, 5, strict=True, squared=False)
    keep = radii <= np.median(radii)
    expected = (radii[keep, None] / drf[keep]).max(0)
    assert ours["realism"].shape == (fake.shape[0],)
    # the realism score comes from the float32 tier
    np.testing.assert_allclose(ours["realism"], expected, rtol=2e-5)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(nearest_k=250), ValueError, "nearest_k must be <"),
        (dict(nearest_k=0), ValueError, "nearest_k must be >= 1"),
        (dict(nearest_k=2.5), TypeError, "nearest_k"),
        (dict(convention="nope"), ValueError, "convention must be one of"),
        (dict(block_size=0), ValueError, "block_size"),
        (dict(device="tpu"), ValueError, "device"),
    ],
)
def test_prdc_rejects_bad_arguments(kwargs, exc, match):
    real, fake = feature_set("gauss32")
    with pytest.raises(exc, match=match):
        prdc(real, fake, **kwargs)


def test_prdc_rejects_bad_features():
    real, fake = feature_set("gauss32")
    bad = real.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="real must be finite"):
        prdc(bad, fake, device="cpu")
    with pytest.raises(ValueError, match="same number of features"):
        prdc(real, fake[:, :5], device="cpu")
    with pytest.raises(ValueError, match=r"shape \(n, D\)"):
        prdc(real[0], fake, device="cpu")


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("name", ["gauss32", "duplicates32", "gauss64_offset"])
def test_prdc_cuda_equals_reference(name):
    real, fake = feature_set(name)
    ours = prdc(real, fake, [1, 5], device="cuda", block_size=41)
    for k in (1, 5):
        ref = reference(real, fake, k)
        assert all(ours[k][key] == ref[key] for key in KEYS)


# ---------------------------------------------------------------------------------------- FID


def _fid_sqrtm(x, y):
    m1, m2 = x.mean(0), y.mean(0)
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1 @ s2)
    return float(((m1 - m2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean).real)


def test_fid_matches_sqrtm_route_when_well_conditioned():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2000, 12))
    y = rng.normal(size=(1500, 12)) @ rng.normal(size=(12, 12)) * 0.4 + 0.3
    assert fid(x, y) == pytest.approx(_fid_sqrtm(x, y), rel=1e-10)


def test_fid_with_fewer_samples_than_features():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(40, 100))
    y = rng.normal(size=(60, 100)) * 1.3 + 0.2
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    # independent route: eigenvalues of the (non-symmetric) product S1 S2 are real, >= 0
    ev = np.linalg.eigvals(s1 @ s2).real
    tr = np.sqrt(np.clip(ev, 0, None)).sum()
    expected = ((x.mean(0) - y.mean(0)) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr
    value = fid(x, y)
    assert np.isfinite(value)
    assert value == pytest.approx(expected, rel=1e-6)
    assert abs(fid(x, x)) < 1e-8
    shift = rng.normal(size=100)
    assert fid(x, x + shift) == pytest.approx(shift @ shift, rel=1e-10)


def test_frechet_distance_closed_form_for_diagonal_covariances():
    rng = np.random.default_rng(5)
    a, b = rng.uniform(0.1, 2, 7), rng.uniform(0.1, 2, 7)
    mu = rng.normal(size=7)
    expected = mu @ mu + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()
    assert frechet_distance(mu, np.diag(a), np.zeros(7), np.diag(b)) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match="sigma1"):
        frechet_distance(mu, np.eye(6), mu, np.eye(7))


def test_feature_stats_merged_equal_whole():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(1000, 9)) * 3 + 1e4  # large offset: the shifted sums keep precision
    whole = FeatureStats().update(x)
    a = FeatureStats().update(x[:100]).update(x[100:450])
    b = FeatureStats().update(torch.from_numpy(x[450:]))
    a.merge(b)
    assert a.count == whole.count == 1000
    np.testing.assert_allclose(a.mean, x.mean(0), rtol=1e-14)
    np.testing.assert_allclose(a.cov, np.cov(x, rowvar=False), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a.cov, whole.cov, rtol=1e-10)
    assert fid(a, whole) == pytest.approx(0.0, abs=1e-8)
    with pytest.raises(ValueError, match="features"):
        a.update(np.ones((3, 4)))


# -------------------------------------------------------------------------------- mode metrics


def test_mode_metrics_on_hand_made_samples():
    centers = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    samples = np.array(
        [
            [0.1, 0.0],
            [0.0, -0.2],
            [4.0, 0.3],
            [3.9, 0.0],
            [4.2, 0.1],
            [4.0, -0.1],  # 2 at 0, 4 at 1
            [2.0, 2.0],
            [1.0, 0.0],  # outside (distance 2.83 and 1.0 > 0.5)
        ]
    )
    out = mode_metrics(samples, centers, 0.5)
    assert out["labels"].tolist() == [0, 0, 1, 1, 1, 1, -1, -1]
    assert out["precision"] == 6 / 8
    assert out["precision_stderr"] == pytest.approx(np.sqrt(0.75 * 0.25 / 8))
    assert out["modes_covered"] == 2
    assert out["counts"].tolist() == [2, 4, 0]
    np.testing.assert_allclose(out["proportions"], [2 / 8, 4 / 8, 0])
    np.testing.assert_allclose(out["proportions_hq"], [1 / 3, 2 / 3, 0])
    assert out["min_proportion"] == 0.0 and out["max_proportion"] == pytest.approx(2 / 3)
    pct = np.array([100 / 3, 200 / 3, 0.0])
    assert out["variance_to_mean_ratio"] == pytest.approx(pct.var() / pct.mean())
    assert mode_metrics(samples, centers, 0.5, min_count=3)["modes_covered"] == 1


def test_mode_metrics_balanced_and_paper_scale():
    # perfectly balanced -> ratio 0; shares 9.2%..10.9% as in the paper give a ratio ~0.03
    centers = np.eye(10) * 10
    counts = np.array([92, 109, 100, 98, 101, 103, 99, 97, 100, 101])
    samples = np.repeat(centers, counts, axis=0)
    out = mode_metrics(samples, centers, 1.0)
    assert out["min_proportion"] == pytest.approx(0.092) and out["max_proportion"] == pytest.approx(0.109)
    assert 0.01 < out["variance_to_mean_ratio"] < 0.05
    even = mode_metrics(np.repeat(centers, 5, axis=0), centers, 1.0)
    assert even["variance_to_mean_ratio"] == 0.0
    with pytest.raises(ValueError, match="radius"):
        mode_metrics(samples, centers, -1.0)
    with pytest.raises(ValueError, match="same dimension"):
        mode_metrics(samples[:, :3], centers, 1.0)


# ---------------------------------------------------------------------------------------
# registry


def test_compute_metrics_merges_the_registered_metrics():
    from gan.metrics import METRICS, compute_metrics, fid, prdc

    rng = np.random.default_rng(5)
    real = rng.normal(size=(400, 6)).astype(np.float32)
    fake = (rng.normal(size=(300, 6)) * 1.2 + 0.3).astype(np.float32)
    assert {"prdc", "ipr", "fid"} <= set(METRICS)
    out = compute_metrics(real, fake, ("prdc", "ipr", "fid"), nearest_k=4, device="cpu")
    p = prdc(real, fake, 4, device="cpu")
    q = prdc(real, fake, 4, convention="kynkaanniemi", device="cpu")
    assert out == {**p, **{"ipr_" + k: v for k, v in q.items()}, "fid": fid(real, fake)}
    assert compute_metrics(real, fake, "fid") == {"fid": fid(real, fake)}


def test_compute_metrics_rejects_bad_names_and_options():
    from gan.metrics import compute_metrics

    x = np.random.default_rng(0).normal(size=(50, 3)).astype(np.float32)
    with pytest.raises(ValueError, match="unknown metric"):
        compute_metrics(x, x, ("prdc", "nope"))
    with pytest.raises(TypeError, match="nearest_k"):
        compute_metrics(x, x, ("fid",), nearest_k=3)


def test_register_metric():
    from gan.metrics import METRICS, compute_metrics, register_metric

    @register_metric("test_mean_gap")
    def _gap(real, fake):
        return {"mean_gap": float(np.abs(np.mean(real) - np.mean(fake)))}

    try:
        x = np.zeros((10, 2))
        assert compute_metrics(x, x + 2.0, ["test_mean_gap"]) == {"mean_gap": 2.0}
        with pytest.raises(ValueError, match="already registered"):
            register_metric("test_mean_gap", _gap)
        with pytest.raises(ValueError, match="already produced"):
            compute_metrics(x, x, ["test_mean_gap", "test_mean_gap"])
    finally:
        METRICS.pop("test_mean_gap")


# ---------------------------------------------------------------------------------------
# Numba kernels of the CPU route against numpy


@pytest.mark.parametrize("strict,clamp", [(True, False), (True, True), (False, True)])
def test_compare_block_kernel_matches_numpy(strict, clamp):
    from gan.metrics._prdc_kernels import compare_block, compare_block_reference

    rng = np.random.default_rng(3)
    q = np.round(rng.normal(1.0, 1.0, size=(53, 71)), 1).astype(np.float32)  # many exact ties
    lo1 = np.round(rng.uniform(0, 2, 53), 1).astype(np.float32)
    lo2 = np.round(rng.uniform(0, 2, 71), 1).astype(np.float32)
    hi1 = (lo1 + np.float32(0.1)).astype(np.float32)
    hi2 = (lo2 + np.float32(0.1)).astype(np.float32)
    counts_ref, cov_ref, rec_ref, u1_ref, u2_ref = compare_block_reference(q, lo1, hi1, lo2, hi2, strict, clamp)
    for n_chunks in (1, 4, 53):
        part = np.zeros((n_chunks, 71), np.int64)
        cov = np.zeros(53, bool)
        rec = np.zeros(53, bool)
        u1, u2 = np.zeros(53, bool), np.zeros(53, bool)
        compare_block(q, lo1, hi1, lo2, hi2, strict, clamp, n_chunks, part, cov, rec, u1, u2)
        np.testing.assert_array_equal(part.sum(0), counts_ref)
        for a, b in [(cov, cov_ref), (rec, rec_ref), (u1, u1_ref), (u2, u2_ref)]:
            np.testing.assert_array_equal(a, b)


def test_merge_kernels_give_the_smallest_entries():
    from gan.metrics._prdc_kernels import merge_smallest_cols, merge_smallest_rows

    rng = np.random.default_rng(4)
    full = np.round(rng.normal(size=(40, 90)), 1).astype(np.float32)  # ties included
    kk = 6
    vals = np.full((40, kk), np.inf, np.float32)
    idx = np.zeros((40, kk), np.int64)
    for j0 in range(0, 90, 25):  # tiles of columns fed one after the other
        merge_smallest_rows(np.ascontiguousarray(full[:, j0 : j0 + 25]), j0, vals, idx)
    np.testing.assert_array_equal(vals, np.sort(full, axis=1)[:, :kk])
    np.testing.assert_array_equal(np.take_along_axis(full, idx, 1), vals)  # indices point at them
    # columns: the buffers of the transposed matrix
    vals_c = np.full((90, kk), np.inf, np.float32)
    idx_c = np.zeros((90, kk), np.int64)
    for i0 in range(0, 40, 15):
        merge_smallest_cols(np.ascontiguousarray(full[i0 : i0 + 15]), i0, 3, vals_c, idx_c)
    np.testing.assert_array_equal(vals_c, np.sort(full.T, axis=1)[:, :kk])
    np.testing.assert_array_equal(np.take_along_axis(full.T, idx_c, 1), vals_c)


# ----------------------------------------------------------------------------------------
# issue 11: huge or tiny features, non-covariances, overflowing statistics


def _ref(x, y, k):
    with contextlib.redirect_stdout(io.StringIO()):
        return prdc_package.compute_prdc(x, y, k)


def _agree(ours, ref):
    assert {k: ours[k] for k in ref} == {k: float(v) for k, v in ref.items()}


@pytest.mark.parametrize("scale", [1e19, 1e50, 1e-30, 1e150])
def test_prdc_huge_and_tiny_float64_features_agree_with_reference(scale):
    # the reference's float64 route is exact at these scales; ours used to overflow float32
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(120, 6)), rng.normal(size=(100, 6)) + 0.3
    _agree(prdc(x * scale, y * scale, 5, device="cpu"), _ref(x * scale, y * scale, 5))


@pytest.mark.parametrize("e", [70, 100, -110])
def test_prdc_float32_power_of_two_scales_give_the_unit_scale_numbers(e):
    # beyond float32's range of squared distances the reference itself overflows (or
    # underflows to ties at 0); the statistics are invariant to a common scale, and a power
    # of two changes no rounding, so the answer is the reference's at unit scale
    rng = np.random.default_rng(2)
    x = rng.normal(size=(150, 4)).astype(np.float32)
    y = (rng.normal(size=(130, 4)) + 0.2).astype(np.float32)
    xs, ys = np.ldexp(x, e), np.ldexp(y, e)
    assert np.isfinite(xs).all() and np.array_equal(np.ldexp(xs, -e), x)
    _agree(prdc(xs, ys, 5, device="cpu"), _ref(x, y, 5))
    got = prdc(xs, ys, 3, device="cpu", convention="kynkaanniemi", realism=True)
    want = prdc(x, y, 3, device="cpu", convention="kynkaanniemi", realism=True)
    assert {k: got[k] for k in ("precision", "recall", "density", "coverage")} == {
        k: want[k] for k in ("precision", "recall", "density", "coverage")
    }
    np.testing.assert_allclose(got["realism"], want["realism"], rtol=1e-5)


def test_prdc_scale_invariance_property():
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies

    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(60, 3)), rng.normal(size=(50, 3)) + 0.5
    base = prdc(x, y, 4, device="cpu")
    assert base == {k: float(v) for k, v in _ref(x, y, 4).items()}

    @hypothesis.settings(max_examples=25, deadline=None)
    @hypothesis.given(st.integers(-900, 900))
    def check(e):
        assert prdc(np.ldexp(x, e), np.ldexp(y, e), 4, device="cpu") == base

    check()


def test_prdc_refuses_non_finite_features():
    x = np.zeros((10, 2))
    x[3, 1] = np.inf
    with pytest.raises(ValueError, match="real must be finite"):
        prdc(x, np.ones((10, 2)), 3, device="cpu")
    with pytest.raises(ValueError, match="fake must be finite"):
        prdc(np.ones((10, 2)), x * np.nan, 3, device="cpu")


@pytest.mark.parametrize(
    "bad, what",
    [
        (np.array([[1.0, 2.0], [0.0, 1.0]]), "symmetric"),
        (-np.eye(2), "positive semi-definite"),
        (np.array([[1.0, 2.0], [2.0, 1.0]]), "positive semi-definite"),
    ],
)
def test_frechet_distance_refuses_non_covariances(bad, what):
    with pytest.raises(ValueError, match=f"sigma1 must be {what}"):
        frechet_distance(np.zeros(2), bad, np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match=f"sigma2 must be {what}"):
        frechet_distance(np.zeros(2), np.eye(2), np.zeros(2), bad)


def test_frechet_distance_accepts_rounding_asymmetry_and_singular_covariances():
    rng = np.random.default_rng(4)
    a = rng.normal(size=(3, 5))
    s = a.T @ a  # rank 3 of 5: eigenvalues at rounding level, some slightly negative
    s[0, 1] += 1e-14
    d = frechet_distance(np.zeros(5), s, np.zeros(5), s)
    assert abs(d) < 1e-9 * np.trace(s)


def test_feature_stats_and_fid_refuse_overflowing_features():
    x = np.random.default_rng(5).normal(size=(20, 3)) * 1e300
    with pytest.raises(ValueError, match="batch.*overflow"):
        FeatureStats().update(x)
    with pytest.raises(ValueError, match="real_features"):
        fid(x, x / 1e300)


def test_mode_metrics_at_huge_scale_equals_unit_scale():
    rng = np.random.default_rng(6)
    c = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    s = c[rng.integers(0, 3, 200)] + rng.normal(scale=0.4, size=(200, 2))
    want = mode_metrics(s, c, 1.0)
    got = mode_metrics(np.ldexp(s, 900), np.ldexp(c, 900), np.ldexp(1.0, 900))
    assert got["precision"] == want["precision"] and np.array_equal(got["labels"], want["labels"])
    assert got["variance_to_mean_ratio"] == want["variance_to_mean_ratio"]
