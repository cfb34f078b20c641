"""Post-hoc truncations of a trained generator: JBT and polarity sampling."""

from __future__ import annotations

import math
import numbers
import warnings
from contextlib import contextmanager

import torch

from gan._checks import as_latent_tensor, probe_generator
from gaussiso.utils import check_int, check_positive_float

from ._base import LatentBatch, LatentSampler, resolve_device

__all__ = ["jacobian_score", "jacobian_truncation", "jacobian_log_volume", "polarity_sampling"]


#: Most candidate latents the post-hoc samplers draw in one call.
_MAX_CANDIDATES = 10**8
ESS_WARN_FRACTION = 0.05
"""polarity_sampling warns below this effective sample size per latent asked."""


@contextmanager
def _eval_mode(module: torch.nn.Module):
    """Evaluate in eval mode (batch-norm statistics must not depend on the batch), then restore."""
    was_training = module.training
    module.eval()
    try:
        yield
    finally:
        module.train(was_training)


def _generator_device(generator: torch.nn.Module, device) -> torch.device:
    if device is not None:
        return resolve_device(device)
    for p in generator.parameters():
        return p.device
    return torch.device("cpu")


def _check_generator(generator):
    if not isinstance(generator, torch.nn.Module):
        raise TypeError(f"generator must be a torch.nn.Module, got {type(generator).__name__}")


def _check_sampler(sampler):
    if not isinstance(sampler, LatentSampler):
        raise TypeError(f"sampler must be a LatentSampler, got {type(sampler).__name__}")


def jacobian_score(
    generator: torch.nn.Module,
    z: torch.Tensor,
    *,
    n_perturb: int = 10,
    delta: float = 1e-3,
    batch_size: int = 256,
    seed: int = 0,
) -> torch.Tensor:
    """Finite-difference estimate of :math:`\\lVert J_G(z) \\rVert_F^2` for each latent.

    .. math:: s(z) = \\frac{1}{K} \\sum_{k=1}^K \\frac{\\lVert G(z + \\delta v_k) - G(z) \\rVert^2}{\\delta^2},
              \\qquad v_k \\sim N(0, I_d),

    an unbiased (Hutchinson) estimate of :math:`\\operatorname{tr} J^\\top J` up to the
    finite-difference error, since :math:`E\\lVert J v \\rVert^2 = \\lVert J \\rVert_F^2`.

    Parameters
    ----------
    generator : torch.nn.Module
        Maps (m, d) latents to (m, ...) samples; evaluated in eval mode without gradients
        (its mode is restored afterwards).
    z : torch.Tensor, shape (m, d)
    n_perturb : int, default 10
        Number ``K`` of random directions per latent.
    delta : float, default 1e-3
        Step size of the finite differences, in ``[1e-30, 1e30]``.
    batch_size : int, default 256
    seed : int, default 0
        Seeds the directions (a private CPU generator; same seed, same scores).

    Returns
    -------
    torch.Tensor, shape (m,), float32, on ``z``'s device
    """
    _check_generator(generator)
    z = as_latent_tensor(z, "z")
    n_perturb = check_int(n_perturb, "n_perturb", low=1)
    delta = check_positive_float(delta, "delta")
    if not 1e-30 <= delta <= 1e30:
        raise ValueError(f"delta must be a finite-difference step in [1e-30, 1e30], got {delta}")
    batch_size = check_int(batch_size, "batch_size", low=1)
    seed = check_int(seed, "seed", low=0)
    with _eval_mode(generator):
        probe_generator(generator, z[:1], "z", "generator")
    g = torch.Generator(device="cpu")
    g.manual_seed(seed)
    z = z.detach()
    out = torch.empty(z.shape[0], dtype=torch.float32, device=z.device)
    with _eval_mode(generator), torch.no_grad():
        for s in range(0, z.shape[0], batch_size):
            zb = z[s : s + batch_size]
            b = zb.shape[0]
            v = torch.randn(n_perturb, b, z.shape[1], generator=g).to(zb.device, zb.dtype)
            base = generator(zb).reshape(b, -1)
            moved = generator((zb.unsqueeze(0) + delta * v).reshape(n_perturb * b, -1)).reshape(n_perturb, b, -1)
            sq = ((moved - base.unsqueeze(0)) / delta).square().sum(dim=2)
            out[s : s + b] = sq.mean(dim=0).float()
    if not bool(torch.isfinite(out).all()):
        raise ValueError(
            f"the generator is not finite at z + delta * v for delta={delta} (or its scores overflow float32)"
        )
    return out


def jacobian_truncation(
    generator: torch.nn.Module,
    sampler: LatentSampler,
    n: int,
    keep: float = 0.9,
    *,
    n_perturb: int = 10,
    delta: float = 1e-3,
    batch_size: int = 256,
    device=None,
    seed: int = 0,
) -> LatentBatch:
    """Jacobian-based truncation (JBT): keep the latents where the generator is least stretched.

    Draws ``m = ceil(n / keep)`` candidates from ``sampler``, scores them with
    :func:`jacobian_score` and returns the ``n`` lowest-scoring ones, in draw order. Latents
    with a large Jacobian sit where the generator crosses between modes, so they tend to
    produce off-manifold samples.

    Parameters
    ----------
    generator : torch.nn.Module
    sampler : LatentSampler
        Source of candidates (its generator state advances).
    n : int
        Number of latents returned.
    keep : float, default 0.9
        Share of candidates kept, in ``(0, 1]``.
    n_perturb, delta, batch_size, seed
        As in :func:`jacobian_score`.
    device : optional
        Where to evaluate; default the generator's device.

    Returns
    -------
    LatentBatch
        ``n`` latents (detached) and their clusters.

    Examples
    --------
    >>> import torch
    >>> from gan.latents import make_sampler, jacobian_truncation
    >>> G = torch.nn.Linear(4, 6)
    >>> jacobian_truncation(G, make_sampler("gaussian", 4), 10, keep=0.5).z.shape
    torch.Size([10, 4])
    """
    _check_generator(generator)
    _check_sampler(sampler)
    n = check_int(n, "n", low=1)
    if isinstance(keep, bool) or not isinstance(keep, numbers.Real):
        raise TypeError(f"keep must be a share in (0, 1], got {type(keep).__name__} {keep!r}")
    if not 0.0 < float(keep) <= 1.0:
        raise ValueError(f"keep must be a share in (0, 1], got {keep!r}")
    dev = _generator_device(generator, device)
    m = math.ceil(n / float(keep) - 1e-9)
    if m > _MAX_CANDIDATES:
        raise ValueError(f"keep={keep} would draw {m} candidates for n={n} (at most {_MAX_CANDIDATES})")
    batch = sampler.sample(m, device=dev)
    z = batch.z.detach()
    scores = jacobian_score(generator, z, n_perturb=n_perturb, delta=delta, batch_size=batch_size, seed=seed)
    idx = torch.sort(torch.argsort(scores, stable=True)[:n]).values
    return LatentBatch(z[idx], None if batch.cluster is None else batch.cluster[idx])


def _batched_jacobian(generator: torch.nn.Module, z: torch.Tensor) -> torch.Tensor:
    """Exact Jacobians, shape (b, D, d), of a row-wise generator at the rows of ``z``.

    Uses the double-backward identity :math:`J v = \\partial_u \\langle J^\\top u, v \\rangle`:
    one backward pass builds :math:`J^\\top u` as a (linear) function of a dummy cotangent
    ``u``, then one more backward pass per latent coordinate gives a column of ``J`` for
    the whole batch. This needs only first-order autograd formulas of the generator's ops
    (no forward-mode rules) and ``d + 1`` passes instead of ``D``.
    """
    b, d = z.shape
    with torch.enable_grad():
        zz = z.detach().clone().requires_grad_(True)
        out = generator(zz).reshape(b, -1)
        u = torch.zeros_like(out, requires_grad=True)
        (jt_u,) = torch.autograd.grad(out, zz, u, create_graph=True, allow_unused=True)
        if jt_u is None or not jt_u.requires_grad:  # G does not depend on z (or is constant)
            return torch.zeros(b, out.shape[1], d, dtype=out.dtype, device=out.device)
        cols = []
        for j in range(d):
            v = torch.zeros_like(zz)
            v[:, j] = 1.0
            (col,) = torch.autograd.grad(jt_u, u, v, retain_graph=j < d - 1, allow_unused=True)
            cols.append(torch.zeros_like(out) if col is None else col)
    return torch.stack(cols, dim=2).detach()


def jacobian_log_volume(
    generator: torch.nn.Module, z: torch.Tensor, *, top_k: int | None = None, batch_size: int = 64
) -> torch.Tensor:
    """Sum of the logs of the ``top_k`` largest singular values of :math:`J_G(z)`.

    With ``top_k = None`` (all ``min(D, d)`` values) this is
    :math:`\\tfrac12 \\log\\det J^\\top J`, the log volume element of the pull-back metric.
    ``J`` is computed exactly by autograd (``d + 1`` backward passes per batch), with the
    generator in eval mode (its mode is restored afterwards).

    Parameters
    ----------
    generator : torch.nn.Module
        Maps (m, d) latents to (m, ...) samples, row by row.
    z : torch.Tensor, shape (m, d)
    top_k : int, optional
        Number of singular values kept, ``1 <= top_k <= min(D, d)``.
    batch_size : int, default 64

    Returns
    -------
    torch.Tensor, shape (m,), float64, on ``z``'s device (``-inf`` where a kept singular
    value is 0)

    Examples
    --------
    >>> import torch
    >>> from gan.latents import jacobian_log_volume
    >>> G = torch.nn.Linear(2, 3, bias=False)
    >>> with torch.no_grad():
    ...     _ = G.weight.copy_(torch.tensor([[2.0, 0.0], [0.0, 3.0], [0.0, 0.0]]))
    >>> jacobian_log_volume(G, torch.zeros(1, 2)).exp()  # 2 * 3
    tensor([6.], dtype=torch.float64)
    """
    _check_generator(generator)
    z = as_latent_tensor(z, "z")
    batch_size = check_int(batch_size, "batch_size", low=1)
    if top_k is not None:
        check_int(top_k, "top_k", low=1)
    with _eval_mode(generator):
        probe_generator(generator, z[:1], "z", "generator")
    outs = []
    with _eval_mode(generator):
        for s in range(0, z.shape[0], batch_size):
            J = _batched_jacobian(generator, z[s : s + batch_size])  # (b, D, d)
            sv = torch.linalg.svdvals(J.double())  # descending
            k = sv.shape[1] if top_k is None else check_int(top_k, "top_k", low=1, high=sv.shape[1])
            outs.append(torch.log(sv[:, :k]).sum(dim=1))
    return torch.cat(outs)


def polarity_sampling(
    generator: torch.nn.Module,
    sampler: LatentSampler,
    n: int,
    rho: float,
    *,
    top_k: int | None = None,
    n_candidates: int | None = None,
    batch_size: int = 64,
    device=None,
    seed: int = 0,
) -> LatentBatch:
    """Polarity sampling: resample latents with weights :math:`\\big(\\prod_{k \\le K} \\sigma_k(J_G(z))\\big)^{\\rho}`.

    Draws ``n_candidates`` latents from ``sampler``, computes :func:`jacobian_log_volume`
    and draws ``n`` of them with replacement, with probabilities proportional to
    :math:`\\exp(\\rho \\cdot \\text{log volume})`. :math:`\\rho < 0` favours latents where the
    generator contracts (quality, modes), :math:`\\rho > 0` where it expands (diversity);
    :math:`\\rho = 0` is uniform resampling of the candidates.

    Parameters
    ----------
    generator : torch.nn.Module
    sampler : LatentSampler
    n : int
        Number of latents returned.
    rho : float
        Polarity.
    top_k : int, optional
        Number of top singular values in the product (default: all).
    n_candidates : int, optional
        Pool size (default ``4 n``).
    batch_size : int, default 64
    device : optional
        Where to evaluate; default the generator's device.
    seed : int, default 0
        Seeds the resampling.

    Returns
    -------
    LatentBatch

    Warns
    -----
    RuntimeWarning
        When the weights' effective sample size :math:`1 / \\sum_i w_i^2` (normalised weights)
        is below ``ESS_WARN_FRACTION = 0.05`` times ``min(n, n_candidates)``: the draws then
        repeat a few candidates (with 64 singular values and :math:`|\\rho| = 1` the log
        volumes of a trained generator spread over tens of nats, and one candidate can take
        all the weight).
    """
    _check_generator(generator)
    _check_sampler(sampler)
    n = check_int(n, "n", low=1)
    if isinstance(rho, bool) or not isinstance(rho, numbers.Real) or not math.isfinite(float(rho)):
        raise ValueError(f"rho must be a finite real number, got {rho!r}")
    m = 4 * n if n_candidates is None else check_int(n_candidates, "n_candidates", low=1)
    seed = check_int(seed, "seed", low=0)
    dev = _generator_device(generator, device)
    batch = sampler.sample(m, device=dev)
    z = batch.z.detach()
    if float(rho) == 0.0:
        logw = torch.zeros(m, dtype=torch.float64)
    else:
        logw = float(rho) * jacobian_log_volume(generator, z, top_k=top_k, batch_size=batch_size).cpu()
        if torch.isnan(logw).any() or (logw == math.inf).any() or not torch.isfinite(logw).any():
            raise ValueError(
                "polarity weights are not finite: some Jacobians are singular (log volume -inf); "
                "use rho > 0 or a smaller top_k"
            )
    w = torch.softmax(logw, dim=0)
    ess = float(1.0 / torch.sum(w.double() ** 2))
    if ess < ESS_WARN_FRACTION * min(n, m):
        warnings.warn(
            f"polarity weights are degenerate: effective sample size {ess:.3g} of {m} candidates "
            f"for {n} latents, so the latents returned repeat a few candidates (rho = {float(rho):g}, "
            f"top_k = {top_k}); a smaller |rho| or top_k, or more candidates, spreads them",
            RuntimeWarning,
            stacklevel=2,
        )
    g = torch.Generator(device="cpu")
    g.manual_seed(seed)
    idx = torch.multinomial(w, n, replacement=True, generator=g).to(z.device)
    return LatentBatch(z[idx], None if batch.cluster is None else batch.cluster[idx])
