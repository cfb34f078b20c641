r"""A torch twin of :class:`gaussiso.OptimalGenerator` (the explicit :math:`G^*_\varepsilon`).

The module holds the partition seeds, the mode centers and radii as float64 buffers and
evaluates the same formulas as the numpy class (see :mod:`gaussiso._generator` for the
mathematics), in float64, returning float32 by default. A run directory written by
:meth:`OptimalGeneratorModule.save_run` holds only ``config.json``: the generator is a closed
form, so :func:`load_run_dir` rebuilds it from the configuration alone.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import torch
from torch import nn

import gaussiso
from gan._checks import as_float_array
from gan._util import atomic_write_json, resolve_device

__all__ = ["OptimalGeneratorModule", "load_run_dir"]

_RULES = ("eq8", "projection")


def _cone_distances(y: torch.Tensor) -> torch.Tensor:
    """Distance of each row of ``y`` (n, m) to every cone ``{y_j >= y_k}`` (water filling)."""
    n, m = y.shape
    order = torch.argsort(-y, dim=1, stable=True)
    s = torch.gather(y, 1, order)
    cs = torch.cumsum(s, dim=1)
    out = torch.zeros_like(y)
    rows = torch.arange(n, device=y.device)
    for p in range(1, m):
        yj = s[:, p]
        r = torch.arange(1, p + 1, device=y.device, dtype=y.dtype)
        t = (yj[:, None] + cs[:, :p]) / (r + 1.0)
        valid = (t >= s[:, 1 : p + 1]).to(torch.uint8)
        k = torch.argmax(valid, dim=1)
        tt = t[rows, k]
        keep = torch.arange(p, device=y.device)[None, :] <= k[:, None]
        sq = torch.where(keep, (s[:, :p] - tt[:, None]) ** 2, torch.zeros((), dtype=y.dtype, device=y.device))
        dist2 = (tt - yj) ** 2 + sq.sum(dim=1)
        # On the cone (ties such as an interface) the distance is 0 and sqrt has an infinite
        # derivative there; 0 is a valid subgradient (the distance is minimal), so autograd
        # gets that instead of inf * 0 = NaN.
        pos = dist2 > 0
        out[rows, order[:, p]] = torch.where(pos, torch.sqrt(torch.where(pos, dist2, torch.ones_like(dist2))), dist2)
    return out


def _project_simplex(v: torch.Tensor) -> torch.Tensor:
    n, m = v.shape
    u = torch.sort(v, dim=1, descending=True).values
    css = torch.cumsum(u, dim=1) - 1.0
    k = torch.arange(1, m + 1, device=v.device, dtype=v.dtype)
    cond = (u - css / k > 0).to(torch.uint8)
    rho = m - 1 - torch.argmax(torch.flip(cond, dims=[1]), dim=1)
    tau = css[torch.arange(n, device=v.device), rho] / (rho.to(v.dtype) + 1.0)
    return torch.clamp(v - tau[:, None], min=0.0)


class OptimalGeneratorModule(nn.Module):
    r"""Torch version of :class:`gaussiso.OptimalGenerator`; agrees with it to 1e-6 or better.

    Parameters
    ----------
    seeds : array_like, shape (m, latent_dim)
        Seeds of the simplicial cluster (equidistant).
    centers : array_like, shape (m, D)
        Mode centers.
    eps : float
        Boundary width ``> 0``.
    radii : array_like of shape (m,), optional
        Sphere radii (zeros: Dirac modes).
    rule : {"eq8", "projection"}
        Weight rule, as in :class:`gaussiso.OptimalGenerator`.
    out_dtype : torch.dtype, default torch.float32
        dtype of :meth:`forward`'s output; the computation runs in float64. Centers (plus
        radii) too large for it (above a quarter of its largest value) are refused.

    Examples
    --------
    >>> import torch, gaussiso
    >>> from gan.optimal import OptimalGeneratorModule
    >>> G = gaussiso.OptimalGenerator(gaussiso.modes.equidistant_centers(3, 2), 0.5, latent_dim=2)
    >>> net = OptimalGeneratorModule.from_numpy(G)
    >>> net(torch.zeros(4, 2)).shape
    torch.Size([4, 2])
    """

    def __init__(self, seeds, centers, eps, radii=None, rule="eq8", out_dtype=torch.float32):
        super().__init__()
        if not (isinstance(out_dtype, torch.dtype) and out_dtype.is_floating_point):
            raise TypeError(f"out_dtype must be a torch floating dtype, got {out_dtype!r}")
        # Validation and the derived constants come from the numpy class (one source of truth).
        part = gaussiso.VoronoiPartition(as_float_array(seeds, "seeds", ndim=2, finite=False))
        centers = as_float_array(centers, "centers", finite=False)
        radii = None if radii is None else as_float_array(radii, "radii", finite=False)
        self._numpy = gaussiso.OptimalGenerator(centers, eps, latent_dim=part.d, partition=part, radii=radii, rule=rule)
        g = self._numpy
        # every output lies within max|center| + max radius of the origin (a convex combination
        # of centers plus a point of a sphere): refuse what out_dtype cannot hold (inf, NaN)
        bound = float(np.abs(g.centers).max()) + float(np.max(g.radii, initial=0.0))
        limit = float(torch.finfo(out_dtype).max)
        if not bound < limit / 4:
            raise ValueError(
                f"centers and radii of magnitude up to {bound:.3g} do not fit out_dtype {out_dtype} "
                f"(largest value {limit:.3g}); use out_dtype=torch.float64 or rescale the centers"
            )
        self.rule = g.rule
        self.eps = g.eps
        self.out_dtype = out_dtype
        self.register_buffer("seeds", torch.tensor(np.array(part.seeds, dtype=np.float64)))
        self.register_buffer("centers", torch.tensor(np.array(g.centers, dtype=np.float64)))
        self.register_buffer("radii", torch.tensor(np.array(g.radii, dtype=np.float64)))
        self.register_buffer("_center", torch.tensor(np.array(g._center, dtype=np.float64)))
        self.register_buffer("_coords", torch.tensor(np.array(g._coords, dtype=np.float64)))

    @classmethod
    def from_numpy(cls, gen, out_dtype=torch.float32) -> OptimalGeneratorModule:
        """Build the twin of a :class:`gaussiso.OptimalGenerator`."""
        if not isinstance(gen, gaussiso.OptimalGenerator):
            raise TypeError(f"gen must be a gaussiso.OptimalGenerator, got {type(gen).__name__}")
        return cls(gen.partition.seeds, gen.centers, gen.eps, radii=gen.radii, rule=gen.rule, out_dtype=out_dtype)

    def to_numpy(self) -> gaussiso.OptimalGenerator:
        """The numpy :class:`gaussiso.OptimalGenerator` with the same parameters."""
        return self._numpy

    @property
    def m(self) -> int:
        return int(self.centers.shape[0])

    @property
    def latent_dim(self) -> int:
        return int(self.seeds.shape[1])

    @property
    def output_dim(self) -> int:
        return int(self.centers.shape[1])

    @property
    def lipschitz_bound(self) -> float:
        """The paper's constant ``2 D_max sqrt(m) / eps``."""
        return self._numpy.lipschitz_bound

    @property
    def lipschitz_constant(self) -> float:
        """A proven Lipschitz constant of the map (see :class:`gaussiso.OptimalGenerator`)."""
        return self._numpy.lipschitz_constant

    def weights(self, z: torch.Tensor) -> torch.Tensor:
        """Barycentric weights, shape (n, m), float64; exactly ``e_i`` on deep interiors."""
        w, _, _ = self._weights(self._coordinates(z))
        return w

    def _coordinates(self, z):
        if not isinstance(z, torch.Tensor):
            raise TypeError(f"z must be a torch.Tensor, got {type(z).__name__}")
        if z.is_complex() or z.dtype == torch.bool:
            raise TypeError(f"z must be a real tensor, got dtype {z.dtype}")
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (n, {self.latent_dim}), got {tuple(z.shape)}")
        if not bool(torch.isfinite(z).all()):
            raise ValueError("z must be finite (no NaN or inf)")
        z = z.to(device=self.seeds.device, dtype=torch.float64)
        return (z - self._center) @ self._coords.T, z

    def _weights(self, yz):
        y, z = yz
        n, m = y.shape
        rows = torch.arange(n, device=y.device)
        own = torch.argmax(y, dim=1)
        gaps = y[rows, own][:, None] - y
        gaps[rows, own] = math.inf
        depth = gaps.min(dim=1).values / math.sqrt(2.0)
        interior = depth >= self.eps
        if self.rule == "eq8":
            f = torch.clamp(self.eps - _cone_distances(y), min=0.0)
            f[rows, own] = self.eps + depth
            w = f / f.sum(dim=1, keepdim=True)
        else:
            w = _project_simplex(y / (math.sqrt(2.0) * self.eps))
        w = torch.where(interior[:, None], torch.nn.functional.one_hot(own, m).to(w.dtype), w)
        return w, own, (interior, z)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Evaluate :math:`G^*_\\varepsilon` on a batch ``z`` of shape (n, latent_dim)."""
        w, own, (interior, z64) = self._weights(self._coordinates(z))
        g = w @ self.centers
        g = torch.where(interior[:, None], self.centers[own], g)
        if bool(torch.any(self.radii > 0)):
            D = self.output_dim
            k = min(self.latent_dim, D - 1)
            sig = torch.zeros(z64.shape[0], D, dtype=torch.float64, device=z64.device)
            if k == 0:
                sig[:, 0] = 1.0
            else:
                q = z64[:, :k]
                r = torch.linalg.norm(q, dim=1)
                sinc = torch.where(r > 0, torch.sin(r) / torch.where(r > 0, r, torch.ones_like(r)), torch.ones_like(r))
                sig[:, 0] = torch.cos(r)
                sig[:, 1 : k + 1] = q * sinc[:, None]
            g = g + (w @ self.radii)[:, None] * sig
        return g.to(self.out_dtype)

    # ------------------------------------------------------------------ run directories
    def config(self) -> dict:
        """The JSON-serialisable configuration that :func:`load_run_dir` reads."""
        return {
            "preset": "optimal",
            "m": self.m,
            "latent_dim": self.latent_dim,
            "output_dim": self.output_dim,
            "eps": float(self.eps),
            "rule": self.rule,
            "centers": self.centers.cpu().tolist(),
            "partition_seeds": self.seeds.cpu().tolist(),
            "radii": self.radii.cpu().tolist(),
            "lipschitz_bound": float(self.lipschitz_bound),
            "lipschitz_constant": float(self.lipschitz_constant),
        }

    def save_run(self, run_dir) -> Path:
        """Write ``run_dir/config.json`` (atomically); returns the run directory.

        The generator is a closed form: no weights file is needed to rebuild it.
        """
        run_dir = Path(run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_json(run_dir / "config.json", self.config())
        return run_dir


def load_run_dir(run_dir, device="auto", out_dtype=torch.float32) -> OptimalGeneratorModule:
    """Rebuild an :class:`OptimalGeneratorModule` from ``run_dir/config.json`` alone.

    Parameters
    ----------
    run_dir : str or Path
        A directory written by :meth:`OptimalGeneratorModule.save_run`.
    device : {"auto", "cpu", "cuda", "cuda:N"} or torch.device
    out_dtype : torch.dtype, default torch.float32

    Returns
    -------
    OptimalGeneratorModule
    """
    path = Path(run_dir) / "config.json"
    if not path.is_file():
        raise FileNotFoundError(f"no config.json in run directory {str(run_dir)!r}")
    try:
        cfg = json.loads(path.read_text())
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"{path} is not a valid JSON configuration: {exc}") from None
    if not isinstance(cfg, dict):
        raise ValueError(f"{path} must hold a JSON object, got {type(cfg).__name__}")
    if cfg.get("preset") != "optimal":
        raise ValueError(f"{path} is not an optimal-generator run (preset = {cfg.get('preset')!r})")
    missing = [k for k in ("eps", "centers", "partition_seeds") if k not in cfg]
    if missing:
        raise ValueError(f"{path} lacks the key(s) {missing}")
    try:
        net = OptimalGeneratorModule(
            cfg["partition_seeds"],
            cfg["centers"],
            cfg["eps"],
            radii=cfg.get("radii"),
            rule=cfg.get("rule", "eq8"),
            out_dtype=out_dtype,
        )
    except (TypeError, ValueError) as exc:
        if "out_dtype" in str(exc):
            raise
        raise ValueError(f"{path}: invalid optimal-generator configuration: {exc}") from None
    if cfg.get("m", net.m) != net.m or cfg.get("latent_dim", net.latent_dim) != net.latent_dim:
        raise ValueError(f"{path}: m / latent_dim do not match the stored centers and seeds")
    return net.to(resolve_device(device))
