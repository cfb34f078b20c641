"""The WGAN-GP objective: the loss object the training loop is given, and its gradient penalty.

The loop (:func:`gan.training.train`) calls only :meth:`WGANGPLoss.critic_loss` and
:meth:`WGANGPLoss.generator_loss`, so another objective with the same two methods can be
passed as ``train(..., loss=...)``.
"""

from __future__ import annotations

import torch

__all__ = ["WGANGPLoss", "gradient_penalty"]


def _analytic(critic) -> bool:
    """Whether ``critic`` computes its own input gradients (``input_gradient(x)``)."""
    return callable(getattr(critic, "input_gradient", None))


def gradient_penalty(critic, x_hat: torch.Tensor, scores: torch.Tensor | None = None) -> torch.Tensor:
    """Gulrajani et al.'s penalty :math:`\\mathbb E[(\\lVert \\nabla_x D(\\hat x) \\rVert_2 - 1)^2]`.

    Parameters
    ----------
    critic : callable
        Maps a batch ``(n, ...)`` to scores ``(n,)``; samples must not interact (no batch norm).
        A critic with an ``input_gradient(x)`` method (:class:`gan.training.nets.MLPCritic`)
        gives the gradients itself when ``scores`` is not given; otherwise autograd's double
        backward does.
    x_hat : torch.Tensor, shape (n, ...)
        Points where the gradient is taken; must require grad when ``scores`` is given.
    scores : torch.Tensor, shape (n,), optional
        ``critic(x_hat)`` when already computed (the trainer evaluates real, fake and
        interpolated points in one forward pass).

    Returns
    -------
    torch.Tensor, shape ()
        The penalty, differentiable with respect to the critic's parameters.

    Notes
    -----
    Because the samples do not interact, the gradient of ``scores.sum()`` with respect to
    ``x_hat`` holds each sample's own gradient. The norm is
    :math:`\\sqrt{\\lVert g\\rVert^2 + 10^{-12}}`, so the penalty stays differentiable at a
    zero gradient; the shift is below float32 resolution elsewhere.

    Raises
    ------
    TypeError
        ``critic`` not callable, ``x_hat`` or ``scores`` not a tensor.
    ValueError
        ``x_hat`` not floating point or without a batch dimension, ``scores`` of another
        shape than ``(n,)``, or given while ``x_hat`` does not require grad.
    """
    if not callable(critic):
        raise TypeError(f"critic must be callable, got {type(critic).__name__}")
    if not isinstance(x_hat, torch.Tensor):
        raise TypeError(f"x_hat must be a torch.Tensor, got {type(x_hat).__name__}")
    if x_hat.dim() < 1 or x_hat.shape[0] < 1 or not x_hat.is_floating_point():
        raise ValueError(
            f"x_hat must be a floating-point tensor of shape (n >= 1, ...), got {x_hat.dtype} {tuple(x_hat.shape)}"
        )
    if scores is not None:
        if not isinstance(scores, torch.Tensor):
            raise TypeError(f"scores must be a torch.Tensor or None, got {type(scores).__name__}")
        if tuple(scores.shape) != (x_hat.shape[0],):
            raise ValueError(
                f"scores must have shape ({x_hat.shape[0]},) like x_hat's batch, got {tuple(scores.shape)}"
            )
        if not x_hat.requires_grad:
            raise ValueError("x_hat must require grad when scores are given (scores = critic(x_hat))")
    if scores is None and _analytic(critic):
        grad = critic.input_gradient(x_hat)
    else:
        if scores is None:
            x_hat = x_hat.detach().requires_grad_(True)
            scores = critic(x_hat)
            if not isinstance(scores, torch.Tensor) or tuple(scores.shape) != (x_hat.shape[0],):
                got = tuple(scores.shape) if isinstance(scores, torch.Tensor) else type(scores).__name__
                raise ValueError(f"critic(x_hat) must return scores of shape ({x_hat.shape[0]},), got {got}")
        (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    norm = torch.sqrt(grad.flatten(1).pow(2).sum(1) + 1e-12)
    return (norm - 1.0).pow(2).mean()


class WGANGPLoss:
    """The WGAN-GP objective (Gulrajani et al., 2017).

    Critic: :math:`\\mathbb E[D(G(z))] - \\mathbb E[D(x)] + \\lambda\\,
    \\mathbb E[(\\lVert\\nabla D(\\hat x)\\rVert - 1)^2]` with
    :math:`\\hat x = t x + (1 - t) G(z)`, :math:`t \\sim U(0, 1)` per sample.
    Generator: :math:`-\\mathbb E[D(G(z))]`.

    Parameters
    ----------
    gp_weight : float, default 10
        :math:`\\lambda`.
    """

    def __init__(self, gp_weight: float = 10.0):
        self.gp_weight = float(gp_weight)

    def critic_loss(self, critic, real, fake, t):
        """Critic loss and its parts.

        Parameters
        ----------
        critic : module with ``forward_features(x) -> (scores (n,), features (n, f))``
        real, fake : torch.Tensor, shape (n, ...)
            A real batch and a generated one (detached).
        t : torch.Tensor, shape (n,)
            Interpolation weights in ``[0, 1]``.

        Returns
        -------
        dict
            ``loss`` (to minimise), ``wdist`` (the Wasserstein estimate
            :math:`\\mathbb E D(x) - \\mathbb E D(G(z))`, detached), ``gp`` (detached) and
            ``fake_features`` (the critic's features of ``fake``, for the MI head).
        """
        n = real.shape[0]
        t = t.view(n, *([1] * (real.dim() - 1))).to(real.dtype)
        x_hat = t * real + (1 - t) * fake
        # real and fake in one forward pass (the critic has no batch statistics, so this equals
        # two passes); the interpolates in their own pass, so that the penalty's double
        # backward runs through an n-sample graph and not a 3n-sample one
        scores, features = critic.forward_features(torch.cat([real, fake]))
        d_real, d_fake = scores[:n], scores[n:]
        gp = gradient_penalty(critic, x_hat)
        wdist = d_real.mean() - d_fake.mean()
        return {
            "loss": -wdist + self.gp_weight * gp,
            "wdist": wdist.detach(),
            "gp": gp.detach(),
            "fake_features": features[n : 2 * n],
        }

    def generator_loss(self, critic, fake):
        """``(loss, features)``: :math:`-\\mathbb E D(G(z))` and the critic's features of ``fake``."""
        scores, features = critic.forward_features(fake)
        return -scores.mean(), features
