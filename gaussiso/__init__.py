"""gaussiso: Gaussian isoperimetry for the latent space of push-forward generative models.

The public API is listed in ``__all__``; the work lives in private modules, each of which
imports what it needs from the private module that defines it (never from this package), so
the import order below does not matter. Importing gaussiso needs only numpy, scipy, numba and
shapely (no torch, no matplotlib).

Public modules: :mod:`gaussiso.planar` (exact 2-D geometry), :mod:`gaussiso.bounds`
(the paper's precision bounds), :mod:`gaussiso.modes` (mode layouts and Assumption 3.1) and
:mod:`gaussiso.utils` (input checks and rng handling for packages built on gaussiso).
"""

import os as _os

from . import _numba_cache

# Before any kernel is compiled: a writable Numba cache even when this package directory and
# HOME are read-only (see gaussiso._numba_cache).
_numba_cache.setup(_os.path.dirname(_os.path.abspath(__file__)))

from . import bounds, modes, planar, utils  # noqa: E402
from ._estimate import Estimate  # noqa: E402
from ._generator import OptimalGenerator  # noqa: E402
from ._measure import cell_measures, eps_boundary_measure, gaussian_perimeter, isoperimetric_profile  # noqa: E402
from ._optimal_partition import (  # noqa: E402
    OptimalPartition,
    candidate_perimeters,
    optimal_partition,
    probe_eps_boundary,
    probe_perimeter,
    richardson_perimeter,
)
from ._partition import VoronoiPartition, random_rotation, simplex_vertices, simplicial_cluster  # noqa: E402
from ._power_diagram import PowerDiagram  # noqa: E402

__all__ = [
    # results
    "Estimate",
    # partitions
    "VoronoiPartition",
    "simplicial_cluster",
    "simplex_vertices",
    "random_rotation",
    # Gaussian measures of partitions
    "eps_boundary_measure",
    "cell_measures",
    "gaussian_perimeter",
    "isoperimetric_profile",
    # numerically optimal partitions (m > d + 1 included)
    "optimal_partition",
    "OptimalPartition",
    "PowerDiagram",
    "candidate_perimeters",
    "probe_eps_boundary",
    "probe_perimeter",
    "richardson_perimeter",
    # the optimal generator G*_eps
    "OptimalGenerator",
    # modules
    "bounds",
    "modes",
    "planar",
    "utils",
]

__version__ = "0.1.0"
