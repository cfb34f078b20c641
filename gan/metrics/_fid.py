"""Frechet distance between Gaussian fits of two feature sets (FID when the features are a
classifier's), with streaming statistics.

The trace term uses :math:`\\operatorname{tr}\\sqrt{\\Sigma_1\\Sigma_2} =
\\operatorname{tr}\\sqrt{\\Sigma_1^{1/2}\\Sigma_2\\Sigma_1^{1/2}}`: the matrix under the root is
symmetric positive semi-definite, so its eigenvalues (clipped at 0 against rounding) are real
and the result is finite also for singular covariances (fewer samples than features).
"""

from __future__ import annotations

import numpy as np

from gan._checks import as_float_array

__all__ = ["FeatureStats", "frechet_distance", "fid"]


def _as_features(x, name) -> np.ndarray:
    try:
        import torch

        if isinstance(x, torch.Tensor):
            x = x.detach().cpu().double().numpy()
    except ImportError:  # pragma: no cover - torch is a dependency of gan
        pass
    a = as_float_array(x, name, finite=False)
    if a.ndim != 2:
        raise ValueError(f"{name} must have shape (n, D), got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return a


class FeatureStats:
    """Running count, sum and sum of outer products of feature vectors, in float64.

    Sums are kept relative to a shift (the mean of the first batch) so that features with a
    large common offset lose no precision. Statistics built from batches, or merged from
    several ``FeatureStats``, equal those of the whole set up to float64 rounding.

    Parameters
    ----------
    dim : int, optional
        Feature dimension; fixed by the first batch when omitted.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(100, 3))
    >>> s = FeatureStats().update(x[:40]).update(x[40:])
    >>> bool(np.allclose(s.cov, np.cov(x, rowvar=False)))
    True
    """

    def __init__(self, dim: int | None = None):
        if dim is not None and (isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1):
            raise ValueError(f"dim must be a positive integer, got {dim!r}")
        self.dim = None if dim is None else int(dim)
        self.count = 0
        self._shift = None
        self._sum = None  # sum of (x - shift)
        self._outer = None  # sum of (x - shift)(x - shift)^T

    def _init(self, dim, shift):
        self.dim = dim
        self._shift = shift
        self._sum = np.zeros(dim)
        self._outer = np.zeros((dim, dim))

    def update(self, batch) -> FeatureStats:
        """Add a batch of features, shape (n, D) (numpy or torch); returns ``self``."""
        x = _as_features(batch, "batch")
        if self.dim is not None and x.shape[1] != self.dim:
            raise ValueError(f"batch must have {self.dim} features, got shape {x.shape}")
        if x.shape[0] == 0:
            return self
        if self._shift is None:
            self._init(x.shape[1], x.mean(axis=0))
        y = x - self._shift
        with np.errstate(over="ignore", invalid="ignore"):
            s, o = y.sum(axis=0), y.T @ y
            ok = np.all(np.isfinite(o)) and np.all(np.isfinite(self._outer + o))
        if not ok:
            raise ValueError(
                f"batch: the sums of products of features of magnitude up to {np.abs(x).max():.3g} "
                "overflow float64; rescale the features"
            )
        self.count += x.shape[0]
        self._sum += s
        self._outer += o
        return self

    def merge(self, other: FeatureStats) -> FeatureStats:
        """Add the statistics of ``other`` (left unchanged) into ``self``; returns ``self``."""
        if not isinstance(other, FeatureStats):
            raise TypeError(f"other must be a FeatureStats, got {type(other).__name__}")
        if other.count == 0:
            return self
        if self.dim is not None and other.dim != self.dim:
            raise ValueError(f"cannot merge statistics of dimension {other.dim} into {self.dim}")
        if self._shift is None:
            self._init(other.dim, other._shift.copy())
        # re-express other's sums around self's shift: x - s1 = (x - s2) + (s2 - s1)
        t = other._shift - self._shift
        n = other.count
        self._outer += other._outer + np.outer(t, other._sum) + np.outer(other._sum, t) + n * np.outer(t, t)
        self._sum += other._sum + n * t
        self.count += n
        return self

    @property
    def mean(self) -> np.ndarray:
        """Mean feature, shape (D,)."""
        if self.count == 0:
            raise ValueError("FeatureStats is empty: call update() first")
        return self._shift + self._sum / self.count

    @property
    def cov(self) -> np.ndarray:
        """Unbiased covariance (divisor ``count - 1``), shape (D, D)."""
        if self.count < 2:
            raise ValueError(f"the covariance needs at least 2 samples, got {self.count}")
        m = self._sum / self.count
        c = (self._outer - self.count * np.outer(m, m)) / (self.count - 1)
        return 0.5 * (c + c.T)

    def __repr__(self):
        return f"FeatureStats(dim={self.dim}, count={self.count})"


#: Relative tolerance of the symmetry and positive semi-definiteness checks of a covariance.
_COV_RTOL = 1e-8


def _check_mean_cov(mu, sigma, name):
    mu = as_float_array(mu, f"mu{name}", ndim=1, finite=False)
    sigma = as_float_array(sigma, f"sigma{name}", ndim=2, finite=False)
    if mu.size < 1:
        raise ValueError(f"mu{name} must hold at least one coordinate, got shape {mu.shape}")
    if sigma.shape != (mu.size, mu.size):
        raise ValueError(
            f"sigma{name} must have shape ({mu.size}, {mu.size}) to match mu{name} of shape "
            f"{mu.shape}, got {sigma.shape}"
        )
    if not np.all(np.isfinite(mu)):
        raise ValueError(f"mu{name} must be finite (no NaN or inf)")
    if not np.all(np.isfinite(sigma)):
        raise ValueError(f"sigma{name} must be finite (no NaN or inf)")
    scale = float(np.abs(sigma).max())
    asym = float(np.abs(sigma - sigma.T).max())
    if asym > _COV_RTOL * scale:
        raise ValueError(
            f"sigma{name} must be symmetric (a covariance), got max |S - S^T| = {asym:.3g} "
            f"against max |S| = {scale:.3g}"
        )
    w_min = float(np.linalg.eigvalsh(0.5 * (sigma + sigma.T))[0]) if scale > 0 else 0.0
    if w_min < -_COV_RTOL * mu.size * scale:
        raise ValueError(
            f"sigma{name} must be positive semi-definite (a covariance), got smallest "
            f"eigenvalue {w_min:.3g} against max |S| = {scale:.3g}"
        )
    return mu, sigma


def _clip_eigenvalues(w):
    # Eigenvalues below D * eps * max|w| are rounding noise of a (near-)singular matrix: set
    # them to 0, otherwise their square roots (about sqrt(eps) each) pile up in the trace.
    tol = w.size * np.finfo(np.float64).eps * max(float(np.abs(w).max(initial=0.0)), 0.0)
    return np.where(w > tol, w, 0.0)


def _psd_sqrt(s):
    w, v = np.linalg.eigh(0.5 * (s + s.T))
    return (v * np.sqrt(_clip_eigenvalues(w))) @ v.T


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Frechet (2-Wasserstein) distance squared between two Gaussians.

    .. math::
        \\lVert\\mu_1-\\mu_2\\rVert^2 + \\operatorname{tr}\\Sigma_1 + \\operatorname{tr}\\Sigma_2
        - 2\\operatorname{tr}\\bigl(\\Sigma_1^{1/2}\\Sigma_2\\Sigma_1^{1/2}\\bigr)^{1/2}

    Parameters
    ----------
    mu1, mu2 : array_like, shape (D,)
    sigma1, sigma2 : array_like, shape (D, D)
        Symmetric positive semi-definite covariances (singular ones are fine). Asymmetry
        beyond ``1e-8 max|S|`` or an eigenvalue below ``-1e-8 D max|S|`` is refused
        (ValueError): such a matrix is no covariance and the formula would be meaningless.

    Returns
    -------
    float
        Computed in float64; it can be a rounding-size negative number (about ``-1e-12``
        times the traces) when the two Gaussians coincide.

    Examples
    --------
    >>> import numpy as np
    >>> round(frechet_distance(np.zeros(2), np.eye(2), np.ones(2), 4 * np.eye(2)), 12)
    4.0
    """
    mu1, sigma1 = _check_mean_cov(mu1, sigma1, "1")
    mu2, sigma2 = _check_mean_cov(mu2, sigma2, "2")
    if mu1.shape != mu2.shape:
        raise ValueError(f"mu1 and mu2 must have the same shape, got {mu1.shape} and {mu2.shape}")
    r1 = _psd_sqrt(sigma1)
    m = r1 @ (0.5 * (sigma2 + sigma2.T)) @ r1
    w = np.linalg.eigvalsh(0.5 * (m + m.T))
    tr_sqrt = float(np.sqrt(_clip_eigenvalues(w)).sum())
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * tr_sqrt)


def fid(real_features, fake_features) -> float:
    """Frechet distance between Gaussian fits of two feature sets.

    Parameters
    ----------
    real_features, fake_features : array_like, torch.Tensor or FeatureStats
        Features, shape (n, D) (at least 2 rows each), or their accumulated statistics.

    Returns
    -------
    float
        :func:`frechet_distance` of the means and unbiased covariances.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(500, 4))
    >>> abs(fid(x, x)) < 1e-10
    True
    """
    stats = []
    for name, f in (("real_features", real_features), ("fake_features", fake_features)):
        if not isinstance(f, FeatureStats):
            a = _as_features(f, name)
            if a.shape[0] < 2:
                raise ValueError(f"{name} needs at least 2 samples, got {a.shape[0]}")
            try:
                f = FeatureStats().update(a)
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
        elif f.count < 2:
            raise ValueError(f"{name} needs at least 2 samples, got a FeatureStats of {f.count}")
        stats.append(f)
    s1, s2 = stats
    if s1.dim != s2.dim:
        raise ValueError(
            f"real_features and fake_features must have the same number of features, got {s1.dim} and {s2.dim}"
        )
    return frechet_distance(s1.mean, s1.cov, s2.mean, s2.cov)
