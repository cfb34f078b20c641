"""``python -m gan optimal``: write a run directory holding the explicit optimal generator G*_eps.

The directory (``config.json`` with ``"preset": "optimal"``, written by
:meth:`gan.optimal.OptimalGeneratorModule.save_run`) loads with :func:`gan.runs.load_run`, so
``python -m gan analyze DIR`` runs on it like on a trained generator.
"""

from __future__ import annotations

import sys


def add_arguments(parser) -> None:
    parser.add_argument("--modes", "-m", type=int, required=True, help="number of modes m >= 2")
    parser.add_argument("--latent-dim", type=int, required=True, help="latent dimension d >= m - 1")
    parser.add_argument("--eps", type=float, required=True, help="width eps > 0 of the boundary layer")
    parser.add_argument("--out", required=True, help="run directory to write")
    parser.add_argument("--distance", type=float, default=1.0, help="distance between the modes (default 1)")
    parser.add_argument("--dim", type=int, default=None, help="data dimension D >= m - 1 (default max(2, m - 1))")
    parser.add_argument("--seed", type=int, default=0, help="seed of the centers (and of --rotate)")
    parser.add_argument(
        "--rotate", action="store_true", help="use a Haar-random rotation of the simplicial cluster (seeded by --seed)"
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing")


def build_optimal(
    modes: int, latent_dim: int, eps: float, *, distance: float = 1.0, dim=None, seed: int = 0, rotate: bool = False
):
    """The numpy G*_eps of the CLI: equidistant centers, the (optionally rotated) simplicial cluster.

    Returns
    -------
    gaussiso.OptimalGenerator
    """
    import gaussiso
    from gaussiso import modes as modes_mod

    m, d = int(modes), int(latent_dim)
    if m < 2:
        raise ValueError(f"--modes must be >= 2, got {m}")
    if m > d + 1:
        raise ValueError(f"--modes must be <= latent_dim + 1 = {d + 1} (a simplicial cluster needs it), got {m}")
    if not eps > 0:
        raise ValueError(f"--eps must be > 0, got {eps}")
    D = max(2, m - 1) if dim is None else int(dim)
    centers = modes_mod.equidistant_centers(m, D, distance=float(distance), rng=seed)
    partition = gaussiso.simplicial_cluster(m, d, rng=seed) if rotate else None
    return gaussiso.OptimalGenerator(centers, float(eps), latent_dim=d, partition=partition)


def run(args) -> int:
    from gan.optimal import OptimalGeneratorModule

    try:
        g = build_optimal(
            args.modes,
            args.latent_dim,
            args.eps,
            distance=args.distance,
            dim=args.dim,
            seed=args.seed,
            rotate=args.rotate,
        )
    except ValueError as exc:
        print(f"python -m gan optimal: error: {exc}", file=sys.stderr)
        return 2
    OptimalGeneratorModule.from_numpy(g).save_run(args.out)
    if not args.quiet:
        print(f"wrote G*_eps (m={args.modes}, d={args.latent_dim}, eps={args.eps}) to {args.out}")
    return 0
