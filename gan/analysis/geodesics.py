r"""Geodesics of the pull-back metric of a generator (seed 002).

A discrete curve :math:`c_0 = z_0, c_1, \dots, c_K = z_1` in latent space has image energy and
length

.. math::

    E(c) = \sum_{k=0}^{K-1} \|G(c_{k+1}) - G(c_k)\|^2, \qquad
    \ell(c) = \sum_{k=0}^{K-1} \|G(c_{k+1}) - G(c_k)\| .

Minimising :math:`E` over the interior nodes (end points fixed) gives a discrete geodesic of
the metric :math:`J^\top J`: by Cauchy-Schwarz :math:`\ell^2 \le K E` with equality for
constant-speed curves, so the minimiser of the energy also minimises the length among curves
with ``K`` segments (up to the discretisation). L-BFGS with a strong Wolfe line search, started
from the straight line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from gan._checks import as_float_array, check_callable, check_int

from .jacobian import _device_dtype, _to_tensor

__all__ = ["GeodesicResult", "curve_energy", "geodesic"]


@dataclass(frozen=True)
class GeodesicResult:
    """A discrete geodesic and the straight line between the same latents.

    Attributes
    ----------
    path : ndarray, shape (K + 1, d)
        Geodesic nodes, ``path[0] = z0``, ``path[-1] = z1``.
    straight : ndarray, shape (K + 1, d)
        Equally spaced nodes of the segment.
    energy, length : float
        :math:`E` and :math:`\\ell` of the geodesic.
    straight_energy, straight_length : float
        The same for the segment.
    labels, straight_labels : ndarray of int or None, shape (K + 1,)
        Labels along both paths (when a ``label_fn`` was given).
    n_iter : int
        L-BFGS function evaluations.
    """

    path: np.ndarray
    straight: np.ndarray
    energy: float
    length: float
    straight_energy: float
    straight_length: float
    labels: np.ndarray | None
    straight_labels: np.ndarray | None
    n_iter: int


def _energy_length(G, nodes: torch.Tensor):
    x = G(nodes)
    x = x.reshape(x.shape[0], -1)
    steps = x[1:] - x[:-1]
    sq = (steps * steps).sum(dim=1)
    return sq.sum(), sq.sqrt().sum()


def curve_energy(G: Callable, nodes) -> tuple:
    """Image energy and length of a discrete latent curve.

    Parameters
    ----------
    G : callable
        (n, d) -> (n, ...).
    nodes : array_like or torch.Tensor, shape (K + 1, d)
        The curve's nodes :math:`z_0, \\dots, z_K`.

    Returns
    -------
    energy : float
        :math:`\\sum_k \\|G(z_{k+1}) - G(z_k)\\|^2` (outputs flattened).
    length : float
        :math:`\\sum_k \\|G(z_{k+1}) - G(z_k)\\|`.
    """
    t = _to_tensor(G, nodes, "nodes")
    with torch.no_grad():
        e, l_ = _energy_length(G, t)
    return float(e), float(l_)


def geodesic(
    G: Callable, z0, z1, *, n_nodes: int = 32, max_iter: int = 200, label_fn: Callable | None = None, init=None
) -> GeodesicResult:
    """Discrete geodesic between two latents under the pull-back metric of ``G``.

    Parameters
    ----------
    G : callable
        Differentiable generator, (n, d) -> (n, ...). Nodes are optimised in the dtype and on
        the device of a module's parameters (float64 for plain functions).
    z0, z1 : array_like, shape (d,)
        End points.
    n_nodes : int
        Number of nodes ``K + 1 >= 3`` (end points included).
    max_iter : int
        L-BFGS iterations.
    label_fn : callable, optional
        ``label_fn(z) -> labels`` for ``z`` of shape (n, d); labels are returned along both
        paths.
    init : array_like, shape (n_nodes, d), optional
        Starting curve (its end points are replaced by ``z0``, ``z1``); the segment by default.

    Returns
    -------
    GeodesicResult
    """
    check_callable(G, "G")
    a = as_float_array(z0, "z0", ndim=(1, 2)).ravel()
    b = as_float_array(z1, "z1", ndim=(1, 2)).ravel()
    if a.size < 1:
        raise ValueError(f"z0 must hold at least one coordinate, got shape {np.shape(z0)}")
    if a.shape != b.shape:
        raise ValueError(f"z0 and z1 must have the same shape, got {a.shape} and {b.shape}")
    K1 = check_int(n_nodes, "n_nodes", low=3, high=100_000)
    max_iter = check_int(max_iter, "max_iter", low=0)
    if label_fn is not None:
        check_callable(label_fn, "label_fn")
    _to_tensor(G, a[None, :], "z0")  # a latent of the wrong size fails here, naming z0
    ts = np.linspace(0.0, 1.0, K1)[:, None]
    straight = (1 - ts) * a[None, :] + ts * b[None, :]
    start = straight if init is None else as_float_array(init, "init")
    if start.shape != straight.shape:
        raise ValueError(f"init must have shape {straight.shape}, got {start.shape}")
    start = start.copy()
    start[0], start[-1] = a, b
    dev, dtype = _device_dtype(G)
    ends0 = torch.as_tensor(a[None, :], dtype=dtype, device=dev)
    ends1 = torch.as_tensor(b[None, :], dtype=dtype, device=dev)
    inner = torch.tensor(start[1:-1], dtype=dtype, device=dev, requires_grad=True)
    opt = torch.optim.LBFGS(
        [inner],
        lr=1.0,
        max_iter=int(max_iter),
        history_size=20,
        tolerance_grad=1e-10,
        tolerance_change=1e-14,
        line_search_fn="strong_wolfe",
    )

    def closure():
        opt.zero_grad()
        e, _ = _energy_length(G, torch.cat([ends0, inner, ends1], dim=0))
        e.backward()
        return e

    e_start, _ = curve_energy(G, start)
    with torch.enable_grad():
        differentiable = _energy_length(G, torch.cat([ends0, inner, ends1], dim=0))[0].requires_grad
    n_eval = 0
    if max_iter > 0 and differentiable:  # a piecewise-constant G has no gradient: keep the start
        opt.step(closure)
        n_eval = int(opt.state[opt._params[0]].get("func_evals", 0))
    path = np.vstack([a, inner.detach().cpu().double().numpy(), b])
    e, l_ = curve_energy(G, path)
    if not e <= e_start:  # never return a curve worse than the start (L-BFGS can overshoot)
        path, (e, l_) = start.copy(), curve_energy(G, start)
    se, sl = curve_energy(G, straight)
    return GeodesicResult(
        path=path,
        straight=straight,
        energy=e,
        length=l_,
        straight_energy=se,
        straight_length=sl,
        labels=None if label_fn is None else np.asarray(label_fn(path)),
        straight_labels=None if label_fn is None else np.asarray(label_fn(straight)),
        n_iter=n_eval,
    )
