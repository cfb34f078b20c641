"""Random-generator handling shared by every random function (SPEC 7 style)."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["as_generator"]


def as_generator(rng, *, name: str = "rng") -> np.random.Generator:
    """Turn ``rng`` (None, an int seed, a SeedSequence or a Generator) into a Generator.

    ``None`` gives fresh OS entropy. Legacy ``RandomState`` objects are refused, because
    they would silently share global state.

    Parameters
    ----------
    rng : None, int, numpy.random.SeedSequence or numpy.random.Generator
        The seed or generator; an int must be ``>= 0``. A Generator is returned as it is.
    name : str
        Argument name used in error messages.

    Returns
    -------
    numpy.random.Generator
        The generator to draw from.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (numbers.Integral, np.random.SeedSequence)):
        if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng < 0:
            raise ValueError(f"{name} must be a non-negative integer seed, got {rng}")
        if isinstance(rng, bool):
            raise TypeError(f"{name} must be None, an int seed or a numpy Generator, got bool")
        return np.random.default_rng(rng if rng is None or isinstance(rng, np.random.SeedSequence) else int(rng))
    raise TypeError(
        f"{name} must be None, an int seed, a SeedSequence or a numpy.random.Generator, got {type(rng).__name__}"
    )
