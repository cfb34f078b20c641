r"""Jacobian geometry of a generator: pull-back metric, volume element, conditioning.

For :math:`G : \mathbb{R}^d \to \mathbb{R}^D` with Jacobian :math:`J(z)` (shape (D, d)), the
pull-back metric is :math:`M(z) = J^\top J` (seed 002). With :math:`\sigma_1 \ge \dots \ge
\sigma_d` the singular values of :math:`J`,

.. math::

    \sqrt{\det M} = \prod_i \sigma_i, \qquad \kappa = \sigma_1 / \sigma_d, \qquad
    \|J\|_F = \Big(\sum_i \sigma_i^2\Big)^{1/2}, \qquad \|J\|_2 = \sigma_1 .

Jacobians are computed with ``torch.func`` (``vmap`` of ``jacfwd`` when ``d <= D``, of
``jacrev`` otherwise) in chunks; modules that ``vmap`` cannot trace fall back to ``d`` batched
Jacobian-vector products (valid for any generator whose samples do not interact within a batch,
e.g. batch norm in eval mode).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from gan._checks import as_float_array, check_callable, check_int, check_positive_float, check_real, probe_generator

from .results import LipschitzEstimate

__all__ = [
    "jacobian",
    "pullback_metric",
    "jacobian_geometry",
    "lipschitz_estimate",
    "latent_grid",
    "latent_slice",
]


def _flat(G: Callable) -> Callable:
    def f(z):
        out = G(z)
        return out.reshape(out.shape[0], -1)

    return f


def _jacobian_vmap(G, z: torch.Tensor, mode: str) -> torch.Tensor:
    def single(zi):
        return G(zi.unsqueeze(0)).reshape(-1)

    jf = torch.func.jacfwd(single) if mode == "fwd" else torch.func.jacrev(single)
    return torch.func.vmap(jf)(z)


def _jacobian_columns(G, z: torch.Tensor) -> torch.Tensor:
    f = _flat(G)
    cols = []
    for k in range(z.shape[1]):
        e = torch.zeros_like(z)
        e[:, k] = 1.0
        _, jv = torch.func.jvp(f, (z,), (e,))
        cols.append(jv)
    return torch.stack(cols, dim=-1)


def jacobian(G: Callable, z, *, chunk_size: int = 512, method: str = "auto") -> torch.Tensor:
    """Jacobians of ``G`` at a batch of latents.

    Parameters
    ----------
    G : callable
        Maps a tensor of shape (n, d) to outputs of shape (n, ...) (flattened to (n, D)).
        Samples must not interact within a batch (eval mode).
    z : array_like or torch.Tensor, shape (n, d)
        Evaluated on ``z``'s device (on the generator's device when ``z`` is not a tensor and
        ``G`` has parameters).
    chunk_size : int
        Latents per ``vmap`` call.
    method : {"auto", "vmap", "jvp"}
        ``"vmap"``: ``torch.func.vmap`` of ``jacfwd``/``jacrev``; ``"jvp"``: one batched
        Jacobian-vector product per latent coordinate; ``"auto"``: ``vmap``, falling back to
        ``jvp`` if tracing fails.

    Returns
    -------
    torch.Tensor, shape (n, D, d)
    """
    zt = _to_tensor(G, z)
    chunk_size = check_int(chunk_size, "chunk_size", low=1)
    if method not in ("auto", "vmap", "jvp"):
        raise ValueError(f"method must be 'auto', 'vmap' or 'jvp', got {method!r}")
    with torch.no_grad():
        D = _flat(G)(zt[:1]).shape[1]
    mode = "fwd" if zt.shape[1] <= D else "rev"
    out = []
    use_vmap = method != "jvp"
    for start in range(0, zt.shape[0], int(chunk_size)):
        zc = zt[start : start + chunk_size].detach()
        if use_vmap:
            try:
                out.append(_jacobian_vmap(G, zc, mode).detach())
                continue
            except Exception:  # e.g. data-dependent control flow inside G
                if method == "vmap":
                    raise
                use_vmap = False
        out.append(_jacobian_columns(G, zc).detach())
    return torch.cat(out, dim=0)


def _device_dtype(G):
    """Device and dtype of a module's parameters; (None, float64) for plain functions."""
    try:
        p = next(G.parameters())
        return p.device, p.dtype
    except (AttributeError, StopIteration):
        return None, (torch.float32 if isinstance(G, torch.nn.Module) else torch.float64)


def _to_tensor(G, z, name: str = "z", *, probe: bool = True) -> torch.Tensor:
    """``z`` as a tensor for ``G``: tensors keep their device and floating dtype; arrays take
    the module's parameter device and dtype (float64 for plain functions)."""
    check_callable(G, "G")
    if isinstance(z, torch.Tensor):
        if z.is_complex():
            raise TypeError(f"{name} must be real, got dtype {z.dtype}")
        t = z.float() if z.dtype not in (torch.float32, torch.float64) else z
    else:
        device, dtype = _device_dtype(G)
        t = torch.as_tensor(as_float_array(z, name, finite=False), dtype=dtype, device=device)
    if t.ndim != 2 or t.shape[0] < 1 or t.shape[1] < 1:
        raise ValueError(f"{name} must have shape (n, d) with n, d >= 1, got {tuple(t.shape)}")
    if not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    if probe:
        probe_generator(G, t[:1], name)
    return t


def pullback_metric(G: Callable, z, **kwargs) -> torch.Tensor:
    """Pull-back metric :math:`J^T J` at each latent.

    Parameters
    ----------
    G, z, **kwargs
        See :func:`jacobian`.

    Returns
    -------
    torch.Tensor, shape (n, d, d)
    """
    J = jacobian(G, z, **kwargs)
    return J.transpose(1, 2) @ J


def jacobian_geometry(G: Callable, z, **kwargs) -> dict:
    """Singular values and derived quantities of the Jacobian at each latent.

    Parameters
    ----------
    G, z, **kwargs
        See :func:`jacobian`.

    Returns
    -------
    dict of ndarray (float64)
        ``singular_values`` (n, min(D, d)), descending; ``volume_element`` (n,):
        :math:`\\sqrt{\\det J^T J}` as the product of the ``d`` singular values (0 when
        ``D < d``); ``condition_number`` (n,): :math:`\\sigma_1/\\sigma_d` (``inf`` when
        :math:`\\sigma_d \\le 10\\,\\epsilon\\max(D, d)\\,\\sigma_1`, with :math:`\\epsilon` the
        machine epsilon of the Jacobian's dtype: rank deficient up to rounding);
        ``gradient_norm`` (n,): Frobenius norm; ``spectral_norm`` (n,).
    """
    J = jacobian(G, z, **kwargs)
    # singular values below this share of the largest are rounding noise of J's dtype
    rtol = 10.0 * torch.finfo(J.dtype).eps * max(J.shape[1], J.shape[2])
    J = J.double()
    sv = torch.linalg.svdvals(J).cpu().numpy()
    n, D, d = J.shape
    if D >= d:
        vol = np.prod(sv, axis=1)
        smin = sv[:, -1]
    else:
        vol = np.zeros(n)
        smin = np.zeros(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        singular = smin <= rtol * sv[:, 0]
        cond = np.where(singular, np.inf, sv[:, 0] / np.where(singular, 1.0, smin))
    return {
        "singular_values": sv,
        "volume_element": vol,
        "condition_number": cond,
        "gradient_norm": np.sqrt(np.sum(sv**2, axis=1)),
        "spectral_norm": sv[:, 0].copy(),
    }


def lipschitz_estimate(
    G: Callable, z, *, delta: float = 1e-3, seed: int = 0, quantile: float = 0.99, chunk_size: int = 512
) -> LipschitzEstimate:
    r"""Empirical Lipschitz constant of ``G`` around given latents, two ways.

    Both are lower bounds of the true constant :math:`L` (maxima over finitely many points).

    * pairs: :math:`\max_k \|G(z_k + \delta u_k) - G(z_k)\| / \delta` with :math:`u_k`
      uniform random unit vectors (a finite-difference directional derivative; near kinks it
      also sees the jump of the derivative);
    * gradient: :math:`\max_k \|J(z_k)\|_2`, the largest singular value of the Jacobian.

    Parameters
    ----------
    G : callable
        Generator, (n, d) -> (n, ...).
    z : array_like or torch.Tensor, shape (n, d)
    delta : float
        Pair distance ``> 0``.
    seed : int
        Seed of the directions (private torch.Generator).
    quantile : float
        Also report this quantile of the ratios (robust to a few outliers).
    chunk_size : int

    Returns
    -------
    LipschitzEstimate
        ``pairs`` (max ratio), ``pairs_quantile``, ``gradient`` (max spectral norm),
        ``gradient_quantile``, ``estimate`` (the larger of ``pairs`` and ``gradient``),
        ``n``, ``delta``, ``quantile``; ``lipschitz_upper_bound`` is ``None`` (not certified here).

    Examples
    --------
    >>> import torch
    >>> A = torch.tensor([[2.0, 0.0], [0.0, 0.5]], dtype=torch.float64)
    >>> z = torch.randn(100, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> lip = lipschitz_estimate(lambda x: x @ A.T, z)
    >>> round(lip.gradient, 9), lip.estimate <= 2.0 + 1e-9, lip.lipschitz_upper_bound
    (2.0, True, None)
    """
    delta = check_positive_float(delta, "delta")
    seed = check_int(seed, "seed", low=0)
    quantile = check_real(quantile, "quantile", low=0.0, high=1.0)
    chunk_size = check_int(chunk_size, "chunk_size", low=1)
    zt = _to_tensor(G, z)
    g = torch.Generator(device="cpu").manual_seed(int(seed))
    u = torch.randn(zt.shape, generator=g, dtype=zt.dtype).to(zt.device)
    u = u / u.norm(dim=1, keepdim=True)
    ratios = []
    f = _flat(G)
    with torch.no_grad():
        for s in range(0, zt.shape[0], chunk_size):
            a = zt[s : s + chunk_size]
            b = a + float(delta) * u[s : s + chunk_size]
            ratios.append(((f(b).double() - f(a).double()).norm(dim=1) / float(delta)).cpu().numpy())
    ratios = np.concatenate(ratios)
    if not np.all(np.isfinite(ratios)):
        raise ValueError(f"G is not finite at z + delta * u for delta={delta} (too large for G's range?)")
    spec = jacobian_geometry(G, zt, chunk_size=chunk_size)["spectral_norm"]
    return LipschitzEstimate(
        estimate=float(max(ratios.max(), spec.max())),
        pairs=float(ratios.max()),
        pairs_quantile=float(np.quantile(ratios, quantile)),
        gradient=float(spec.max()),
        gradient_quantile=float(np.quantile(spec, quantile)),
        n=int(zt.shape[0]),
        delta=float(delta),
        quantile=float(quantile),
    )


def latent_grid(extent: float = 3.0, resolution: int = 200):
    """A square grid of the plane.

    Parameters
    ----------
    extent : float
        The grid covers ``[-extent, extent]^2`` (finite, ``> 0``).
    resolution : int
        Points per side (``>= 2``).

    Returns
    -------
    points : ndarray, shape (resolution**2, 2)
        Row-major: ``points.reshape(resolution, resolution, 2)[i, j] = (x_j, y_i)``.
    xs : ndarray, shape (resolution,)
    """
    extent = check_positive_float(extent, "extent")
    resolution = check_int(resolution, "resolution", low=2)
    xs = np.linspace(-extent, extent, resolution)
    X, Y = np.meshgrid(xs, xs)
    return np.column_stack([X.ravel(), Y.ravel()]), xs


def latent_slice(basis, extent: float = 3.0, resolution: int = 200, *, origin=None):
    """A 2-D grid on the plane ``origin + span(basis)`` of the latent space.

    Parameters
    ----------
    basis : array_like, shape (2, d)
        Two directions (orthonormalised here by QR).
    extent, resolution
        See :func:`latent_grid`.
    origin : array_like, shape (d,), optional
        Defaults to the origin.

    Returns
    -------
    z : ndarray, shape (resolution**2, d)
    coords : ndarray, shape (resolution**2, 2)
        The grid coordinates in the orthonormalised basis.
    xs : ndarray, shape (resolution,)
    """
    B = as_float_array(basis, "basis")
    if B.ndim != 2 or B.shape[0] != 2:
        raise ValueError(f"basis must have shape (2, d), got {B.shape}")
    extent = check_positive_float(extent, "extent")
    resolution = check_int(resolution, "resolution", low=2)
    if origin is not None:
        origin = as_float_array(origin, "origin")
        if origin.shape != (B.shape[1],):
            raise ValueError(f"origin must have shape ({B.shape[1]},) to match basis, got {origin.shape}")
    q, r = np.linalg.qr(B.T)
    if np.min(np.abs(np.diag(r))) < 1e-12:
        raise ValueError("basis must hold two linearly independent directions")
    q = q * np.sign(np.diag(r))[None, :]
    coords, xs = latent_grid(extent, resolution)
    o = np.zeros(B.shape[1]) if origin is None else np.asarray(origin, dtype=float)
    return o[None, :] + coords @ q.T, coords, xs
