"""Shared test configuration.

Torch's intra-op thread pool oversubscribes small CI machines (2 cores shared with Numba and
BLAS), which makes the tiny networks trained in the tests an order of magnitude slower. One
thread is the fastest setting for those sizes; it changes no result.
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

try:  # torch is optional: the gaussiso tests run without it
    import torch
except ImportError:  # pragma: no cover - depends on the environment
    torch = None
else:
    torch.set_num_threads(1)

# One hypothesis profile for the whole suite (STYLE.md): the same examples on every run
# (derandomize, no example database), no per-example deadline (Numba compiles on first use),
# and a modest number of examples; tests that are costly per example lower max_examples.
try:
    from hypothesis import settings
except ImportError:  # pragma: no cover - hypothesis comes with the test extra
    settings = None
else:
    settings.register_profile("gaussiso", derandomize=True, database=None, deadline=None, max_examples=20)
    settings.load_profile("gaussiso")
