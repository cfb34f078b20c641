"""gaussiso: Gaussian isoperimetry for the latent space of push-forward generative models.

The public API is listed in ``__all__``; the work lives in private modules. Importing
gaussiso needs only numpy, scipy, numba and shapely (no torch, no matplotlib).
"""

from ._estimate import Estimate
from ._partition import VoronoiPartition, simplicial_cluster, simplex_vertices, random_rotation

__all__ = [
    "Estimate",
    "VoronoiPartition",
    "simplicial_cluster",
    "simplex_vertices",
    "random_rotation",
]

from ._measure import cell_measures, eps_boundary_measure, gaussian_perimeter, isoperimetric_profile

__all__ += ["eps_boundary_measure", "cell_measures", "gaussian_perimeter", "isoperimetric_profile"]
from . import planar

__all__ += ["planar"]
# bounds, modes, optimal generator (issue 3)
from . import bounds, modes
from ._generator import OptimalGenerator

__all__ += ["bounds", "modes", "OptimalGenerator"]

__version__ = "0.1.0"
