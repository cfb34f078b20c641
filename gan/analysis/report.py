"""``analyze_run``: the latent-geometry report of a run directory (``analysis.json`` + figures).

The result is a :class:`~gan.analysis.RunAnalysis` (typed, frozen; ``to_json`` writes the file).

What is computed, for a run with ``m`` modes and latent dimension ``d`` (all Monte Carlo
numbers with their standard error or 95% interval):

* labels of ``n_samples`` latents (nearest mode within the support radius for mixtures, ``-1``
  outside; classifier with a confidence threshold for images), the precision (share on the
  support), the cell masses and the balance of the partition;
* LogReg and Convex accuracies (:mod:`gan.analysis.probes`);
* the fitted simplicial cluster, its agreement with the learned labels on fresh latents, the
  angles of the class directions and the verdict ``is_simplicial``
  (:mod:`gan.analysis.optimum`);
* the empirical Lipschitz constant ``L_est`` (finite-difference pairs and Jacobian spectral
  norms, the larger of the two: :class:`~gan.analysis.LipschitzEstimate`), and at the matched
  ``eps_min = D_min / L_est`` (Lemma 3.5's :math:`\\varepsilon_{\\min}` with ``L = L_est``) the
  bounds of :class:`~gan.analysis.BoundsAtEps`: Corollary 3.6 (at :math:`\\varepsilon_{\\min}`),
  Theorem 3.7 (at :math:`\\varepsilon_{\\max} = D_{\\max} / L_{est}`), and the exact Gaussian
  measure of the ``eps``-boundary of the simplicial cluster :math:`\\mathcal{A}^*` at
  ``eps_min`` (``matched``: Lemma 3.5's bound at the optimum as stated) and at ``eps_min / 2``
  (``matched_half``: the radius its proof supports, see :mod:`gaussiso.bounds`);
* a certified upper bound ``L_up`` of the Lipschitz constant
  (:func:`~gan.analysis.lipschitz_upper_bound`: product of exact per-layer norms, or the
  proven constant of :math:`G^*_\\varepsilon`; ``None`` with the reason, e.g. for the CIFAR
  ResNet) and the same bounds at ``L_up`` (``bounds_certified``). For mixtures both sets also
  hold the radius-aware bounds (modes = balls of the support radius, weights = the measured
  mode shares), which are the right comparison for a precision that counts samples within
  that radius. Which comparison tests the theory: a precision above the proven
  ``corollary_3_6_sharp`` at ``L_up`` would contradict it (:meth:`RunAnalysis.theory_test`);
  a precision above any bound at ``L_est`` (a lower bound of ``L``, hence too small a bound)
  is no evidence;
* Jacobian statistics (volume element, condition number, gradient norm) and a geodesic between
  two class directions;
* for the ``optimal`` preset (the explicit :math:`G^*_\\varepsilon`), the exact precision
  ``1 - gamma(eps-boundary)`` at the configured ``eps``, to compare with the measured one.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import torch

from .geodesics import geodesic
from .jacobian import jacobian_geometry, latent_grid, latent_slice, lipschitz_estimate
from .labels import (
    OUTSIDE,
    generator_label_fn,
    label_by_classifier,
    label_by_nearest_mode,
    partition_stats,
    wilson_interval,
)
from .lipschitz import lipschitz_upper_bound
from .optimum import AGREEMENT_THRESHOLD, ANGLE_THRESHOLD_DEG, compare_with_simplicial, fit_simplicial
from .probes import convex_accuracy, logreg_accuracy
from .results import (
    GeodesicSummary,
    JacobianSummary,
    LipschitzEstimate,
    ProbeSummary,
    RunAnalysis,
    Share,
    SimplicialSummary,
    ValueSummary,
)
from .theory import boundary_measure, bounds_at_eps

__all__ = ["analyze_run", "analyze_generator"]


def _draw_latents(sampler, latent_dim: int, n: int, seed: int, device) -> torch.Tensor:
    """Gaussian latents from a private generator, or the run's own (non-Gaussian) sampler."""
    from gan.latents import GaussianSampler

    if sampler is None or isinstance(sampler, GaussianSampler):
        g = torch.Generator(device="cpu").manual_seed(int(seed))
        return torch.randn(n, latent_dim, generator=g).to(device)
    with torch.no_grad():
        return sampler.sample(n, device=device).z.detach()


def _with_upper_bound(lip: LipschitzEstimate, generator, latent_dim: int) -> LipschitzEstimate:
    """``lip`` with the certified upper bound of :func:`lipschitz_upper_bound` (or why there is none)."""
    if not isinstance(generator, torch.nn.Module):
        return dataclasses.replace(lip, lipschitz_upper_bound_note="not a torch.nn.Module: no layers to bound")
    try:
        ub = lipschitz_upper_bound(generator, latent_dim=latent_dim)
    except (NotImplementedError, ValueError) as exc:  # e.g. the ResNet's self-modulated batch norm
        return dataclasses.replace(lip, lipschitz_upper_bound_note=f"no certified bound: {exc}")
    return dataclasses.replace(lip, lipschitz_upper_bound=float(ub.value), lipschitz_upper_bound_note=ub.method)


def _check_sizes(**sizes) -> None:
    for name, v in sizes.items():
        low = 2 if name == "grid_resolution" else 1
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {v!r}")


def _probes(label_fn, z_tr, y_tr, z_te, y_te, z_np, lab_all, n_pairs, seed, dev):
    """LogReg (its ProbeResult kept for the fit of its normals) and Convex accuracy."""
    lr = None
    try:
        lr = logreg_accuracy(z_tr, y_tr, z_te, y_te, device=dev)
        logreg = ProbeSummary(lr.accuracy, lr.stderr, tuple(lr.ci), lr.n, n_train=int(lr.details["n_train"]))
    except ValueError as exc:  # e.g. every latent off the support
        logreg = ProbeSummary(None, None, None, 0, note=str(exc), n_train=0)
    try:
        cv = convex_accuracy(label_fn, z_np, lab_all, n_pairs=int(n_pairs), seed=seed + 3)
        convex = ProbeSummary(cv.accuracy, cv.stderr, tuple(cv.ci), cv.n, per_class=dict(cv.details["per_class"]))
    except ValueError as exc:
        convex = ProbeSummary(None, None, None, 0, note=str(exc), per_class={})
    return lr, logreg, convex


def _simplicial(z_tr, y_tr, z_np, lab_all, lr):
    """Simplicial fit on the training latents, agreement on the analysis latents."""
    fit = None
    thresholds = dict(agreement_threshold=AGREEMENT_THRESHOLD, angle_threshold_deg=ANGLE_THRESHOLD_DEG)
    try:
        fit = fit_simplicial(z_tr.detach().cpu().double().numpy(), y_tr)
        cmp_ = compare_with_simplicial(z_np, lab_all, fit)
        by_normals = None
        if lr is not None and lr.details["classes"].size >= 2:
            logreg_fit = fit_simplicial(
                z_tr.detach().cpu().numpy(),
                y_tr,
                method="logreg",
                logreg_weights=(lr.details["W"], lr.details["classes"]),
            )
            by_normals = compare_with_simplicial(z_np, lab_all, logreg_fit)["agreement"]
        simp = SimplicialSummary(status="fitted", **thresholds, **cmp_, agreement_logreg_normals=by_normals)
    except ValueError as exc:
        simp = SimplicialSummary(status=f"not applicable: {exc}", **thresholds)
    return fit, simp


def analyze_generator(
    generator,
    *,
    latent_dim: int,
    centers=None,
    support_radius: float | None = None,
    labeller=None,
    sampler=None,
    n_samples: int = 50_000,
    n_train: int = 100_000,
    n_test: int = 10_000,
    n_pairs: int = 10_000,
    n_lipschitz: int = 2_000,
    grid_resolution: int = 120,
    seed: int = 0,
    device="auto",
    figures_dir=None,
    config_eps: float | None = None,
) -> RunAnalysis:
    """The analysis of :func:`analyze_run` for a generator given directly.

    Parameters
    ----------
    generator : torch.nn.Module or callable
        ``(n, latent_dim) -> (n, ...)``, in eval mode.
    latent_dim : int
    centers : array_like, shape (m, D), optional
        Mode centers (mixtures): labels by nearest mode within ``support_radius``.
    support_radius : float, optional
        Needed with ``centers``.
    labeller : callable, optional
        ``samples -> labels`` (``-1`` = outside) when there are no centers (images); ``m`` is
        its attribute ``n_classes`` when present, else ``max(label) + 1`` over the drawn latents.
    sampler : gan.latents.LatentSampler, optional
        The run's latent prior; ``None`` or a :class:`gan.latents.GaussianSampler`: standard
        Gaussian latents from ``seed`` (a private ``torch.Generator``). Other priors are drawn
        with their own seeded stream (their run seed), and ``seed`` then only seeds the pair draws.
    n_samples : int
        Latents for the precision, the partition statistics and the agreement.
    n_train, n_test : int
        LogReg training and test latents.
    n_pairs : int
        Convex-accuracy segments.
    n_lipschitz : int
        Latents for the Lipschitz and Jacobian statistics.
    grid_resolution : int
        Points per side of the 2-D latent grid of the figures.
    seed : int
    device : str
    figures_dir : path-like, optional
        Write PNG figures there (``None``: no figures).
    config_eps : float, optional
        The ``eps`` of an explicit :math:`G^*_\\varepsilon`; adds its exact precision.

    Returns
    -------
    RunAnalysis
        Without the run fields (``run_dir``, ``preset``, ``step``, ``config``).
    """
    from gan._util import resolve_device

    _check_sizes(
        latent_dim=latent_dim,
        n_samples=n_samples,
        n_train=n_train,
        n_test=n_test,
        n_pairs=n_pairs,
        n_lipschitz=n_lipschitz,
        grid_resolution=grid_resolution,
    )
    dev = resolve_device(device)
    if hasattr(generator, "to"):
        generator = generator.to(dev).eval()
    if centers is not None:
        c = np.asarray(centers, dtype=np.float64)
        if support_radius is None:
            raise ValueError("support_radius is needed with centers")
        radius = float(support_radius)
        m = int(c.shape[0])
        base_labeller = lambda x: label_by_nearest_mode(x, c, radius)  # noqa: E731
        labelling = "nearest_mode"
    elif labeller is not None:
        base_labeller, c, radius, m, labelling = labeller, None, None, None, "classifier"
    else:
        raise ValueError("give centers (mixtures) or a labeller (images)")
    label_fn = generator_label_fn(generator, base_labeller)
    d = int(latent_dim)

    # --- labels, precision, partition ----------------------------------------------------
    z_all = _draw_latents(sampler, d, int(n_samples), seed, dev)
    lab_all = label_fn(z_all)
    if m is None:
        m = int(getattr(labeller, "n_classes", 0) or max(lab_all.max(), 0) + 1)
    stats = partition_stats(lab_all, m)
    on = int(np.sum(lab_all != OUTSIDE))
    precision = confident = None
    if labelling == "nearest_mode":
        precision = Share(
            on / lab_all.size, stats.outside_mass_stderr, wilson_interval(on, lab_all.size), int(lab_all.size)
        )
    else:  # the precision needs real data features; see gan.metrics.prdc
        confident = on / lab_all.size
    z_np = z_all.detach().cpu().double().numpy()

    # --- probes, then the simplicial fit (on the training latents) ---------------------------
    z_tr = _draw_latents(sampler, d, int(n_train), seed + 1, dev)
    z_te = _draw_latents(sampler, d, int(n_test), seed + 2, dev)
    y_tr, y_te = label_fn(z_tr), label_fn(z_te)
    lr, logreg, convex = _probes(label_fn, z_tr, y_tr, z_te, y_te, z_np, lab_all, n_pairs, seed, dev)
    fit, simp = _simplicial(z_tr, y_tr, z_np, lab_all, lr)

    # --- Lipschitz constant, matched eps, bounds --------------------------------------------
    z_l = z_all[: int(n_lipschitz)]
    lip = _with_upper_bound(lipschitz_estimate(generator, z_l, seed=seed + 4), generator, d)
    geo = jacobian_geometry(generator, z_l)
    jac = JacobianSummary(**{key: ValueSummary.of(v) for key, v in geo.items() if key != "singular_values"})
    d_min = d_max = bnds = bnds_cert = config_optimum = None
    if c is not None and m >= 2:
        diff = c[:, None, :] - c[None, :, :]
        dist = np.sqrt((diff**2).sum(-1))
        iu = np.triu_indices(m, 1)
        d_min, d_max = float(dist[iu].min()), float(dist[iu].max())
        if config_eps is not None:  # the explicit G*_eps: its exact precision
            config_optimum = boundary_measure(m, d, float(config_eps))
        # the radius-aware bounds use the generator's measured share of each mode as weights
        # (NaN when no sample is on the support: then no mode is reached and no bound is given)
        w = stats.proportions if labelling == "nearest_mode" else None
        geometry = dict(radius=radius, centers=c, weights=w)
        if lip.estimate > 0:  # else a generator constant around every sampled latent
            bnds = bounds_at_eps(m, d, d_min, d_max, lip.estimate, **geometry)
        ub = lip.lipschitz_upper_bound
        if ub is not None and ub > 0 and math.isfinite(ub):
            bnds_cert = bounds_at_eps(m, d, d_min, d_max, ub, **geometry)

    # --- a geodesic between two class directions -------------------------------------------
    geod = None
    if fit is not None:
        z0, z1 = 2.0 * fit.seeds[0], 2.0 * fit.seeds[1]
        gd = geodesic(generator, z0, z1, n_nodes=24, max_iter=60, label_fn=label_fn)
        geod = GeodesicSummary(
            z0=z0,
            z1=z1,
            energy=gd.energy,
            length=gd.length,
            straight_energy=gd.straight_energy,
            straight_length=gd.straight_length,
            labels=gd.labels,
            straight_labels=gd.straight_labels,
        )

    # --- figures ----------------------------------------------------------------------------
    written = ()
    if figures_dir is not None:
        written = tuple(
            _figures(Path(figures_dir), generator, label_fn, z_np, lab_all, m, d, c, fit, int(grid_resolution), dev)
        )
    return RunAnalysis(
        latent_dim=d,
        m=m,
        labelling=labelling,
        support_radius=radius,
        seed=int(seed),
        device=str(dev),
        n_samples=int(n_samples),
        precision=precision,
        confident_share=confident,
        partition=stats,
        logreg=logreg,
        convex=convex,
        simplicial=simp,
        lipschitz=lip,
        jacobian=jac,
        d_min=d_min,
        d_max=d_max,
        bounds=bnds,
        bounds_certified=bnds_cert,
        config_eps=None if config_eps is None or c is None or m < 2 else float(config_eps),
        config_optimum=config_optimum,
        geodesic=geod,
        figures=written,
    )


def _figures(folder: Path, generator, label_fn, z_np, lab_all, m, d, centers, fit, res, dev) -> list:
    # Figure objects without pyplot: no backend is selected or changed, nothing to close
    from matplotlib.figure import Figure

    from . import figures as F

    folder.mkdir(parents=True, exist_ok=True)
    written = []

    def new_ax(projection=None, size=(5.5, 5)):
        return Figure(figsize=size).add_subplot(projection=projection)

    def save(ax, name):
        ax.figure.tight_layout()
        ax.figure.savefig(folder / name, dpi=110)
        written.append(name)

    show = min(3000, z_np.shape[0])
    if centers is not None:
        with torch.no_grad():
            xs = generator(torch.as_tensor(z_np[:show], dtype=torch.float32, device=dev))
        save(
            F.plot_modes_voronoi(
                centers,
                samples=xs.detach().cpu().numpy().reshape(show, -1),
                sample_labels=lab_all[:show],
                ax=new_ax(size=(5, 5)),
            ),
            "modes.png",
        )
    if d == 3:
        save(F.plot_latent_sphere(z_np[:show], lab_all[:show], m=m, ax=new_ax("3d", (5, 5))), "latent_sphere.png")
    if d == 2:
        grid, xs_ = latent_grid(3.0, res)
        grid_z, coords = grid, grid
        name = "latent"
    else:
        basis = fit.seeds[:2] if fit is not None else np.eye(d)[:2]
        grid_z, coords, xs_ = latent_slice(basis, 3.0, res)
        name = "latent_slice"
    glab = label_fn(grid_z)
    gnorm = jacobian_geometry(generator, grid_z)["gradient_norm"]
    save(
        F.plot_latent_partition(
            glab, xs_, m=m, ax=new_ax(), title=f"latent partition ({m} modes)" + ("" if d == 2 else ", 2-D slice")
        ),
        f"{name}_partition.png",
    )
    save(
        F.plot_latent_partition(
            glab, xs_, m=m, background=gnorm, ax=new_ax(), title="cell boundaries over the gradient norm"
        ),
        f"{name}_gradient_norm.png",
    )
    return written


def _run_centers(run):
    ds = getattr(run, "dataset", None)
    if ds is None or getattr(ds, "centers", None) is None:
        return None, None
    return np.asarray(ds.centers, dtype=np.float64), float(ds.support_radius)


def _image_labeller(run, threshold: float, classifier_path=None):
    """Classifier labels of generated images, ``-1`` below the confidence threshold."""
    from gan import classifier as clf_mod

    if classifier_path is not None:
        clf = clf_mod.load_classifier(classifier_path, device=run.device)
    else:  # the cached oracle (trained once on the run's MNIST data when absent)
        root = (run.config.get("data_options") or {}).get("root")
        clf = clf_mod.load_or_train(data_root=root, device=run.device)

    def labeller(x):
        return label_by_classifier(x, clf, threshold)

    labeller.n_classes = int(getattr(clf, "n_classes", 10))
    return labeller


def analyze_run(
    run_dir,
    *,
    device="auto",
    n_samples: int = 50_000,
    seed: int = 0,
    figures: bool = True,
    n_train: int = 100_000,
    n_test: int = 10_000,
    n_pairs: int = 10_000,
    n_lipschitz: int = 2_000,
    grid_resolution: int = 120,
    confidence_threshold: float = 0.8,
    classifier_path=None,
    checkpoint="last",
) -> RunAnalysis:
    """Analyse the latent geometry of a run and write ``analysis.json`` (+ PNGs) into it.

    Parameters
    ----------
    run_dir : path-like
        A training run directory, or one written by ``python -m gan optimal``.
    device : str
        ``"auto"``: CUDA when available.
    n_samples : int
        Latents for precision, partition statistics and agreement.
    seed : int
        Seed of every latent draw of the analysis.
    figures : bool
        Write the PNG figures.
    n_train, n_test, n_pairs, n_lipschitz, grid_resolution
        See :func:`analyze_generator`.
    confidence_threshold : float
        Image runs: classifier confidence below it labels a sample ``-1`` (0.8 as in the paper's
        CIFAR code; 0 keeps every prediction, as its MNIST code did).
    classifier_path : path-like, optional
        Image runs: weights for :func:`gan.classifier.load_classifier`; default the cached
        oracle of :func:`gan.classifier.load_or_train`.
    checkpoint : str or int
        Passed to :func:`gan.runs.load_run`.

    Returns
    -------
    RunAnalysis
        Also written, as strict JSON (:meth:`RunAnalysis.to_json`), to ``run_dir/analysis.json``
        (read it back with :meth:`RunAnalysis.from_json`). Main fields: ``precision``,
        ``logreg`` / ``convex`` (accuracy, stderr, Wilson ci), ``simplicial`` (agreement,
        angles, ``is_simplicial``), ``lipschitz`` (``estimate`` = max of ``pairs`` and
        ``gradient``), ``bounds`` (``eps_min`` = D_min / L_est, Corollary 3.6, Theorem 3.7,
        the exact ``matched`` and ``matched_half`` boundary measures), ``partition``,
        ``jacobian``, ``geodesic``, ``config``, ``figures``. Numbers that do not apply (e.g.
        the simplicial fit when ``m > d + 1``) are ``None`` (``null`` in the file).
    """
    from gan._util import atomic_write_text
    from gan.runs import load_run

    run_dir = Path(run_dir)
    run = load_run(run_dir, device=device, checkpoint=checkpoint)
    cfg = dict(run.config)
    preset = cfg.get("preset")
    centers, radius = _run_centers(run)
    labeller = None if centers is not None else _image_labeller(run, confidence_threshold, classifier_path)
    latent_dim = int(getattr(run.sampler, "latent_dim", None) or cfg.get("latent_dim"))
    res = analyze_generator(
        run.generator,
        latent_dim=latent_dim,
        centers=centers,
        support_radius=radius,
        labeller=labeller,
        sampler=getattr(run, "sampler", None),
        n_samples=n_samples,
        n_train=n_train,
        n_test=n_test,
        n_pairs=n_pairs,
        n_lipschitz=n_lipschitz,
        grid_resolution=grid_resolution,
        seed=seed,
        device=run.device,
        figures_dir=run_dir if figures else None,
        config_eps=cfg.get("eps") if preset == "optimal" else None,
    )
    step = getattr(run, "step", None)
    res = dataclasses.replace(
        res,
        run_dir=str(run_dir),
        preset=preset,
        step=None if step is None else int(step),
        config={k: cfg[k] for k in _CONFIG_KEYS if k in cfg},
    )
    atomic_write_text(run_dir / "analysis.json", res.to_json())
    return res


#: The settings that define a run, as its config.json spells them: TrainConfig's (trained
#: runs: preset, data, latent prior and its options, sizes) and OptimalGeneratorModule.config's
#: (``optimal`` runs: m, eps, rule, the proven Lipschitz constant).
_CONFIG_KEYS = (
    "preset",
    "seed",
    "steps",
    "batch_size",
    "data_options",
    "latent",
    "latent_dim",
    "sampler_options",
    "width",
    "hidden",
    "depth",
    "mi_weight",
    "m",
    "output_dim",
    "eps",
    "rule",
    "lipschitz_bound",
    "lipschitz_constant",
)
