"""Vectorised rejection sampling shared by the truncated priors."""

from __future__ import annotations

import math

import torch

__all__ = ["rejection_fill"]

# Largest number of candidate rows drawn in one chunk (bounds memory at large latent_dim).
_MAX_CHUNK_ELEMENTS = 1 << 24


def rejection_fill(
    n: int, generator: torch.Generator, draw, *, latent_dim: int, max_draws: int | None = None, what: str = "sampler"
):
    """Fill a batch of ``n`` accepted rows, drawing candidates in chunks.

    Parameters
    ----------
    n : int
        Number of rows wanted.
    generator : torch.Generator
        CPU generator passed to ``draw``.
    draw : callable
        ``draw(m, generator) -> (z, cluster, accepted)`` for ``m`` candidates:
        ``z`` (m, d), ``cluster`` (m,) int64, ``accepted`` (m,) bool.
    latent_dim : int
        Width of ``z`` (to size the chunks).
    max_draws : int, optional
        Candidates drawn before giving up; default ``max(10**6, 1000 n)``.
    what : str
        Name used in the error message.

    Returns
    -------
    z, cluster : torch.Tensor
        The first ``n`` accepted candidates in draw order.

    Raises
    ------
    RuntimeError
        When ``max_draws`` candidates do not yield ``n`` accepted ones (acceptance ~ 0).

    Notes
    -----
    The chunk sizes depend only on what this call has drawn so far, and surplus accepted
    rows are discarded, so the output is a function of the generator state alone (exact
    resume from :meth:`LatentSampler.get_rng_state`).
    """
    if max_draws is None:
        max_draws = max(10**6, 1000 * n)
    cap = max(1, _MAX_CHUNK_ELEMENTS // max(1, latent_dim))
    zs, cs = [], []
    got = drawn = 0
    m = min(cap, max(n, 64))
    while got < n:
        if drawn >= max_draws:
            raise RuntimeError(
                f"{what}: only {got} of {n} latents accepted after {drawn} candidates "
                f"(acceptance rate about {got / drawn:.2e}); lower tau "
                "(see gan.latents.simplicial_acceptance_rate and calibrate_tau)"
            )
        m = min(m, max_draws - drawn)
        z, c, ok = draw(m, generator)
        drawn += m
        k = int(ok.sum())
        if k:
            zs.append(z[ok])
            cs.append(c[ok])
            got += k
        # Next chunk: enough for the remainder at the rate seen so far, with a margin.
        rate = max(got, 1) / drawn
        m = min(cap, max(64, math.ceil(1.2 * (n - got) / rate) + 16))
    return torch.cat(zs)[:n], torch.cat(cs)[:n]
