"""Input checks and random-generator handling, for packages built on gaussiso.

These are the helpers gaussiso's own public functions use to validate their arguments; they
are documented and kept stable so that downstream code (``gan``, users' own estimators) gives
the same messages for the same mistakes. Each raises :class:`TypeError` for a wrong kind of
value and :class:`ValueError` for a value out of range, naming the argument and what is allowed.

Examples
--------
>>> from gaussiso.utils import check_int, as_generator
>>> check_int(3, "m", low=2)
3
>>> bool(as_generator(0).integers(10) == as_generator(0).integers(10))
True
"""

from ._rng import as_generator
from ._validation import check_array, check_choice, check_int, check_points, check_positive_float

__all__ = ["as_generator", "check_array", "check_choice", "check_int", "check_points", "check_positive_float"]
