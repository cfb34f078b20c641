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
