"""Hostile inputs to the public functions of gan.metrics, gan.analysis, gan.latents,
gan.data.mixtures and gan.optimal (issue 11: nothing silently wrong).

Every call with one bad argument must either raise a TypeError/ValueError whose message names
that argument, or return a result free of NaN (the correctness of such results at extreme
scales is checked against exact values in the per-module tests). An IndexError,
AttributeError, RuntimeError, a LinAlgError or a silent NaN fails the test.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import gan.analysis as A
import gan.latents as L
import gan.metrics as M
from gan.analysis.lipschitz import layer_lipschitz, lipschitz_upper_bound
from gan.data.mixtures import MixtureDataset, make_mixture
from gan.optimal import OptimalGeneratorModule

_R = np.random.default_rng(0)
X2 = _R.normal(size=(30, 2))
Y2 = _R.normal(size=(25, 2)) + 0.2
LAB = np.arange(30) % 3
_LIN = torch.nn.Linear(2, 3).double()
_LIN32 = torch.nn.Linear(2, 3)


def G(z):
    return z @ torch.tensor([[1.0, 0.5, 0.0], [0.0, 1.0, 2.0]], dtype=z.dtype)


class _Clf:
    def predict(self, x):
        x = torch.as_tensor(x)
        return torch.zeros(len(x), dtype=torch.int64), torch.ones(len(x))


def _stats_cov(s):
    return s.cov if s.count >= 2 else s.count


def _seeds3():
    import gaussiso

    return gaussiso.simplicial_cluster(3, 2).seeds


def _centers3():
    import gaussiso

    return gaussiso.modes.equidistant_centers(3, 2)


# (label, function, valid keyword arguments): each argument is replaced in turn by each bad
# value of its kind. Positional-only use is avoided: every argument is passed by name.
CASES = [
    (
        "prdc",
        lambda real, fake, nearest_k: M.prdc(real, fake, nearest_k, device="cpu"),
        dict(real=X2, fake=Y2, nearest_k=3),
    ),
    (
        "prdc.opts",
        lambda block_size, realism, convention: M.prdc(
            X2, Y2, 3, device="cpu", block_size=block_size, realism=realism, convention=convention
        ),
        dict(block_size=7, realism=False, convention="prdc"),
    ),
    ("fid", M.fid, dict(real_features=X2, fake_features=Y2)),
    (
        "frechet_distance",
        M.frechet_distance,
        dict(mu1=np.zeros(2), sigma1=np.eye(2), mu2=np.ones(2), sigma2=2 * np.eye(2)),
    ),
    ("FeatureStats", lambda dim: M.FeatureStats(dim), dict(dim=2)),
    ("FeatureStats.update", lambda batch: _stats_cov(M.FeatureStats().update(batch)), dict(batch=X2)),
    ("mode_metrics", M.mode_metrics, dict(samples=X2, centers=X2[:3], radius=0.5, min_count=1)),
    (
        "compute_metrics",
        lambda real, fake, metrics: M.compute_metrics(real, fake, metrics, device="cpu", nearest_k=3),
        dict(real=X2, fake=Y2, metrics=("prdc", "fid")),
    ),
    ("label_by_nearest_mode", A.label_by_nearest_mode, dict(x=X2, centers=X2[:3], radius=0.5)),
    (
        "label_by_classifier",
        A.label_by_classifier,
        dict(x=torch.zeros(4, 2), classifier=_Clf(), threshold=0.5, batch_size=2),
    ),
    (
        "generator_label_fn",
        lambda generator, labeller, batch_size: A.generator_label_fn(generator, labeller, batch_size=batch_size)(
            np.zeros((3, 2))
        ),
        dict(generator=G, labeller=lambda x: np.zeros(len(x)), batch_size=2),
    ),
    ("partition_stats", A.partition_stats, dict(labels=LAB, m=3)),
    ("wilson_interval", A.wilson_interval, dict(k=3, n=5, z=1.96)),
    (
        "fit_logreg",
        lambda z, labels, l2, max_iter: A.fit_logreg(z, labels, l2=l2, max_iter=max_iter, device="cpu"),
        dict(z=X2, labels=LAB, l2=1e-3, max_iter=5),
    ),
    (
        "logreg_accuracy",
        lambda z_train, y_train, z_test, y_test: A.logreg_accuracy(
            z_train, y_train, z_test, y_test, max_iter=5, device="cpu"
        ),
        dict(z_train=X2, y_train=LAB, z_test=X2, y_test=LAB),
    ),
    (
        "convex_accuracy",
        lambda label_fn, z, labels, n_pairs, ts, seed: A.convex_accuracy(
            label_fn, z, labels, n_pairs=n_pairs, ts=ts, seed=seed
        ),
        dict(label_fn=lambda z: np.zeros(len(z), dtype=int), z=X2, labels=LAB, n_pairs=20, ts=(0.5,), seed=0),
    ),
    (
        "fit_simplicial",
        lambda z, labels, min_count: A.fit_simplicial(z, labels, min_count=min_count),
        dict(z=X2, labels=LAB, min_count=2),
    ),
    (
        "class_directions",
        lambda z, labels, min_count: A.class_directions(z, labels, min_count=min_count),
        dict(z=X2, labels=LAB, min_count=2),
    ),
    ("compare_with_simplicial", lambda z, labels: A.compare_with_simplicial(z, labels), dict(z=X2, labels=LAB)),
    ("jacobian", lambda G, z, chunk_size: A.jacobian(G, z, chunk_size=chunk_size), dict(G=G, z=X2[:4], chunk_size=2)),
    ("jacobian_geometry", lambda G, z: A.jacobian_geometry(G, z), dict(G=G, z=X2[:4])),
    ("pullback_metric", lambda G, z: A.pullback_metric(G, z), dict(G=G, z=X2[:4])),
    (
        "lipschitz_estimate",
        lambda G, z, delta, seed, quantile, chunk_size: A.lipschitz_estimate(
            G, z, delta=delta, seed=seed, quantile=quantile, chunk_size=chunk_size
        ),
        dict(G=G, z=X2[:5], delta=1e-3, seed=0, quantile=0.9, chunk_size=4),
    ),
    ("latent_grid", A.latent_grid, dict(extent=2.0, resolution=5)),
    (
        "latent_slice",
        lambda basis, extent, resolution, origin: A.latent_slice(basis, extent, resolution, origin=origin),
        dict(basis=np.eye(3)[:2], extent=1.0, resolution=4, origin=np.zeros(3)),
    ),
    (
        "geodesic",
        lambda G, z0, z1, n_nodes, max_iter: A.geodesic(G, z0, z1, n_nodes=n_nodes, max_iter=max_iter),
        dict(G=G, z0=np.zeros(2), z1=np.ones(2), n_nodes=5, max_iter=3),
    ),
    ("curve_energy", A.curve_energy, dict(G=G, nodes=np.linspace(0, 1, 10).reshape(5, 2))),
    ("bounds_at_eps", A.bounds_at_eps, dict(m=3, d=2, d_min=1.0, d_max=1.0, lipschitz=10.0)),
    ("boundary_measure", A.boundary_measure, dict(m=3, d=2, eps=0.1)),
    (
        "lipschitz_upper_bound",
        lambda generator, latent_dim: lipschitz_upper_bound(generator, latent_dim=latent_dim),
        dict(generator=torch.nn.Sequential(_LIN32), latent_dim=2),
    ),
    ("layer_lipschitz", layer_lipschitz, dict(layer=_LIN32)),
    (
        "make_sampler",
        lambda name, latent_dim, seed: L.make_sampler(name, latent_dim, seed=seed).sample(4).z,
        dict(name="gaussian", latent_dim=2, seed=0),
    ),
    ("sampler.sample", lambda n: L.make_sampler("gaussian", 2).sample(n).z, dict(n=4)),
    (
        "simplicial sampler",
        lambda n_clusters, tau, max_draws: (
            L.make_sampler("simplicial", 3, n_clusters=n_clusters, tau=tau, max_draws=max_draws).sample(4).z
        ),
        dict(n_clusters=3, tau=0.5, max_draws=10_000),
    ),
    (
        "linear sampler",
        lambda n_clusters, tau: L.make_sampler("linear", 3, n_clusters=n_clusters, tau=tau).sample(4).z,
        dict(n_clusters=3, tau=0.2),
    ),
    (
        "gmm sampler",
        lambda n_clusters, means, scales, weights: (
            L.make_sampler("gmm", 2, n_clusters=n_clusters, means=means, scales=scales, weights=weights).sample(4).z
        ),
        dict(n_clusters=3, means=X2[:3], scales=0.2, weights=np.ones(3)),
    ),
    (
        "deligan sampler",
        lambda n_clusters, sigma_init, sigma_weight: (
            L.make_sampler("deligan", 2, n_clusters=n_clusters, sigma_init=sigma_init, sigma_weight=sigma_weight)
            .sample(4)
            .z
        ),
        dict(n_clusters=3, sigma_init=0.2, sigma_weight=1.0),
    ),
    (
        "clustergan sampler",
        lambda n_clusters, sigma_n, width: (
            L.make_sampler("clustergan", 4, data_shape=(2,), n_clusters=n_clusters, sigma_n=sigma_n, width=width)
            .sample(4)
            .z
        ),
        dict(n_clusters=3, sigma_n=0.1, width=8),
    ),
    (
        "simplicial_acceptance_rate",
        lambda tau, n_clusters, latent_dim, n_samples, seed: L.simplicial_acceptance_rate(
            tau, n_clusters, latent_dim, n_samples=n_samples, seed=seed, method="mc"
        ),
        dict(tau=0.1, n_clusters=3, latent_dim=2, n_samples=1000, seed=0),
    ),
    (
        "calibrate_tau",
        lambda target_rate, n_clusters, latent_dim: L.calibrate_tau(target_rate, n_clusters, latent_dim),
        dict(target_rate=0.5, n_clusters=3, latent_dim=2),
    ),
    (
        "bourgain_embedding",
        L.bourgain_embedding,
        dict(dist=np.abs(np.arange(6.0)[:, None] - np.arange(6.0)), n_coords=3, p=0.5, rng=0),
    ),
    (
        "jacobian_score",
        lambda generator, z, n_perturb, delta, batch_size: L.jacobian_score(
            generator, z, n_perturb=n_perturb, delta=delta, batch_size=batch_size
        ),
        dict(generator=_LIN32, z=torch.zeros(4, 2), n_perturb=2, delta=1e-3, batch_size=2),
    ),
    (
        "jacobian_log_volume",
        lambda generator, z, top_k, batch_size: L.jacobian_log_volume(generator, z, top_k=top_k, batch_size=batch_size),
        dict(generator=_LIN32, z=torch.zeros(4, 2), top_k=2, batch_size=2),
    ),
    (
        "jacobian_truncation",
        lambda generator, sampler, n, keep: L.jacobian_truncation(generator, sampler, n, keep).z,
        dict(generator=_LIN32, sampler=L.make_sampler("gaussian", 2), n=4, keep=0.5),
    ),
    (
        "polarity_sampling",
        lambda generator, sampler, n, rho: L.polarity_sampling(generator, sampler, n, rho).z,
        dict(generator=_LIN32, sampler=L.make_sampler("gaussian", 2), n=4, rho=0.5),
    ),
    (
        "MixtureDataset",
        lambda centers, std, weights, support_radius: MixtureDataset(
            centers, std, weights, support_radius=support_radius
        ).sample(3, rng=0)[0],
        dict(centers=X2[:3], std=0.1, weights=np.ones(3), support_radius=0.3),
    ),
    ("make_mixture", lambda name, m: make_mixture(name, m=m).sample(3, rng=0)[0], dict(name="equidistant", m=3)),
    ("MixtureDataset.sample", lambda n, rng: make_mixture("ring8").sample(n, rng=rng)[0], dict(n=3, rng=0)),
    (
        "OptimalGeneratorModule",
        lambda seeds, centers, eps, radii: OptimalGeneratorModule(seeds, centers, eps, radii=radii)(torch.zeros(2, 2)),
        dict(seeds=_seeds3(), centers=_centers3(), eps=0.2, radii=np.zeros(3)),
    ),
    (
        "OptimalGeneratorModule.forward",
        lambda z: OptimalGeneratorModule(_seeds3(), _centers3(), 0.2)(z),
        dict(z=torch.zeros(2, 2)),
    ),
]

# The names of arguments holding arrays (the others are scalars or objects).
_ARRAYS = {
    "real",
    "fake",
    "real_features",
    "fake_features",
    "mu1",
    "sigma1",
    "mu2",
    "sigma2",
    "batch",
    "samples",
    "centers",
    "x",
    "labels",
    "z",
    "z_train",
    "y_train",
    "z_test",
    "y_test",
    "basis",
    "origin",
    "z0",
    "z1",
    "nodes",
    "dist",
    "seeds",
    "weights",
    "radii",
    "k",
    "n",
    "means",
}


def _bad_arrays(good):
    a = np.asarray(good.detach() if isinstance(good, torch.Tensor) else good, dtype=float)
    out = [
        None,
        "abc",
        {"a": 1},
        np.full(a.shape, np.nan),
        np.full(a.shape, np.inf),
        a.astype(complex) * 1j,
        np.zeros((0,) + a.shape[1:]),
        a.reshape(-1)[:1] if a.ndim else np.zeros(3),
        np.zeros(a.shape + (2,)),
        a * 1e300,
        a * 1e-300,
        -a,
        np.zeros(a.shape),
        np.full(a.shape, "x", dtype=object),
    ]
    if a.ndim == 2:
        out.append(np.zeros((a.shape[0], a.shape[1] + 1)))
        out.append(np.zeros((a.shape[0], 0)))
    if isinstance(good, torch.Tensor):
        out = [
            torch.as_tensor(v, dtype=good.dtype) if isinstance(v, np.ndarray) and v.dtype.kind == "f" else v
            for v in out
        ]
    return out


_BAD_SCALARS = [None, "1", float("nan"), float("inf"), -float("inf"), -1, 0, True, 1e300, 1e-300, 2.5, [1, 2], -1e300]


def _bad_values(name, good):
    if name in _ARRAYS and not np.isscalar(good):
        return _bad_arrays(good)
    if callable(good) or hasattr(good, "parameters"):
        return [None, "abc", 3, np.zeros(2)]
    return list(_BAD_SCALARS)


def _params():
    for label, fn, kw in CASES:
        for name, good in kw.items():
            for i, bad in enumerate(_bad_values(name, good)):
                yield pytest.param(fn, kw, name, bad, id=f"{label}-{name}-{i}")


def _nan_free(x, seen=0):
    """True when no float in ``x`` (arrays, tensors, dicts, tuples, dataclasses) is NaN."""
    if seen > 6:
        return True
    if isinstance(x, torch.Tensor):
        return not bool(torch.isnan(x.detach().double() if x.is_floating_point() else x.double()).any())
    if isinstance(x, np.ndarray):
        return x.dtype.kind not in "fc" or not bool(np.isnan(x).any())
    if isinstance(x, float):
        return not math.isnan(x)
    if isinstance(x, dict):
        return all(_nan_free(v, seen + 1) for v in x.values())
    if isinstance(x, (tuple, list)):
        return all(_nan_free(v, seen + 1) for v in x)
    if hasattr(x, "__dataclass_fields__"):
        return all(_nan_free(getattr(x, f), seen + 1) for f in x.__dataclass_fields__)
    return True


@pytest.mark.parametrize("fn,kw,name,bad", list(_params()))
def test_bad_argument_is_refused_or_answered(fn, kw, name, bad):
    args = dict(kw)
    args[name] = bad
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", np.exceptions.ComplexWarning)  # a dropped imaginary part is silent
            out = fn(**args)
    except (TypeError, ValueError) as exc:
        msg = str(exc)
        assert name in msg or name.rstrip("s") in msg, f"message does not name {name!r}: {msg}"
        return
    except RuntimeError as exc:
        # the one RuntimeError by design: a rejection sampler that accepts (almost) nothing
        # stops after its draw budget, naming the parameter and the acceptance rate
        msg = str(exc)
        assert "accepted after" in msg and name in msg, msg
        return
    if not _nan_free(out):
        # only the documented undefined entries may be NaN
        assert (
            isinstance(out, dict)
            and (
                np.isnan(out["variance_to_mean_ratio"])
                and out["precision"] == 0.0
                and _nan_free({k: v for k, v in out.items() if k != "variance_to_mean_ratio"})
            )
            or (hasattr(out, "proportions") and out.outside_mass == 1.0)
        ), f"NaN returned for {name}={bad!r}"


def test_harness_size():
    # the harness must stay a real audit: hundreds of bad calls
    assert len(list(_params())) > 500


@pytest.mark.slow  # reruns the whole table (the parametrized test above already checks each call)
def test_counts_of_the_audit():
    """Tally of the table (printed with -s): every bad call is refused with the argument named
    or answered without NaN; this records how many of each."""
    clear = answered = 0
    for p in _params():
        fn, kw, name, bad = p.values
        args = dict(kw)
        args[name] = bad
        try:
            with np.errstate(all="ignore"):
                fn(**args)
            answered += 1
        except (TypeError, ValueError, RuntimeError):  # RuntimeError: see above, a rejection budget
            clear += 1
    print(f"bad calls: {clear + answered}, clear errors: {clear}, answered: {answered}")
    assert clear > 1000


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(m=0), "m must be"),
        (dict(std=-1.0), "std must be"),
        (dict(std=float("nan")), "std must be"),
        (dict(dim="2"), "dim must be"),
        (dict(bogus=1), "bogus"),
    ],
)
def test_make_mixture_refuses_bad_options(kw, match):
    with pytest.raises((TypeError, ValueError), match=match):
        make_mixture("equidistant", **kw)


def test_mixture_dataset_refuses_bad_weights_and_sizes():
    with pytest.raises(ValueError, match="weights must be >= 0"):
        MixtureDataset(np.eye(2), 0.1, weights=[1.0, -1.0])
    with pytest.raises(ValueError, match="weights must be finite"):
        MixtureDataset(np.eye(2), 0.1, weights=[1.0, np.nan])
    with pytest.raises(ValueError, match="n must be >= 0"):
        make_mixture("ring8").sample(-1, rng=0)
    with pytest.raises(TypeError, match="n must be an integer"):
        make_mixture("ring8").sample(2.5, rng=0)
