"""Generator and critic networks of the presets.

* :class:`MLPGenerator` / :class:`MLPCritic`: fully connected networks for the Gaussian
  mixtures (the paper only says "MLP networks"; width and depth are configurable); images
  are flattened on the way in and reshaped (after a ``tanh``) on the way out, which makes the
  fast CPU preset ``mnist-mlp``.
* :class:`MNISTGenerator` / :class:`MNISTCritic`: the convolutional networks of Table 4 of
  Issenhuth et al. (2023), with a ``width`` multiplier on every channel count
  (``width=1`` is the paper's network).
* :class:`ResNetGenerator` / :class:`ResNetCritic`: the CIFAR ResNet of Table 5, with
  self-modulated batch normalisation in the generator (Chen et al., 2018).

Every critic returns ``(score, features)`` from :meth:`forward_features`: the scalar score
of shape ``(n,)`` and the penultimate features of shape ``(n, feature_dim)``, on which the
trainer's mutual-information head (a linear classifier of the latent cluster) sits.
``forward`` returns the score alone.

Weights are initialised by :func:`gan._util.init_weights` from a private
:class:`torch.Generator` (see :func:`gan.training.build_networks`), so the same seed gives
the same network without touching torch's global generator.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "MLPGenerator",
    "MLPCritic",
    "MNISTGenerator",
    "MNISTCritic",
    "ResNetGenerator",
    "ResNetCritic",
    "SelfModulatedBatchNorm2d",
    "scaled",
]

_LRELU = 0.2  # leaky ReLU slope of Table 4


def scaled(channels: int, width: float) -> int:
    """Channel count ``channels * width`` rounded, at least 1."""
    return max(1, int(round(channels * width)))


# ---------------------------------------------------------------------------------------
# Mixtures of Gaussians: MLPs
# ---------------------------------------------------------------------------------------
def _mlp(d_in: int, hidden: int, depth: int, act) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for i in range(depth):
        layers += [nn.Linear(d_in if i == 0 else hidden, hidden), act()]
    return layers


class MLPGenerator(nn.Module):
    """Fully connected generator :math:`\\mathbb R^{d} \\to \\mathbb R^{D}`.

    Parameters
    ----------
    latent_dim : int
        Input width ``d``.
    data_dim : int
        Output width ``D``.
    hidden : int, default 128
        Width of the hidden layers.
    depth : int, default 3
        Number of hidden layers (ReLU); the output layer is linear.
    out_shape : tuple of int, optional
        Shape of one sample when it is not a vector (``(C, H, W)`` with
        ``C * H * W == data_dim``); the output is reshaped to ``(n, *out_shape)``.
    tanh : bool, default False
        End with ``tanh`` (images in ``[-1, 1]``) instead of a linear output layer.
    """

    def __init__(
        self, latent_dim: int, data_dim: int, hidden: int = 128, depth: int = 3, out_shape=None, tanh: bool = False
    ):
        super().__init__()
        self.latent_dim, self.data_dim = int(latent_dim), int(data_dim)
        self.out_shape = None if out_shape is None or len(out_shape) == 1 else tuple(int(s) for s in out_shape)
        if self.out_shape is not None and math.prod(self.out_shape) != self.data_dim:
            raise ValueError(f"out_shape {self.out_shape} does not hold data_dim={self.data_dim} values")
        out = [nn.Linear(hidden, data_dim)] + ([nn.Tanh()] if tanh else [])
        self.net = nn.Sequential(*_mlp(latent_dim, hidden, depth, nn.ReLU), *out)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Map ``z`` of shape ``(n, d)`` to samples of shape ``(n, D)`` (or ``(n, *out_shape)``)."""
        x = self.net(z)
        return x if self.out_shape is None else x.view(-1, *self.out_shape)


class MLPCritic(nn.Module):
    """Fully connected WGAN critic :math:`\\mathbb R^{D} \\to \\mathbb R`.

    Parameters
    ----------
    data_dim : int
        Input width ``D``.
    hidden : int, default 128
        Width of the hidden layers (= ``feature_dim``).
    depth : int, default 3
        Number of hidden layers (leaky ReLU, slope 0.2).
    """

    def __init__(self, data_dim: int, hidden: int = 128, depth: int = 3):
        super().__init__()
        self.feature_dim = int(hidden)
        self.body = nn.Sequential(*_mlp(data_dim, hidden, depth, lambda: nn.LeakyReLU(_LRELU)))
        self.head = nn.Linear(hidden, 1)

    def forward_features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Score of shape ``(n,)`` and penultimate features of shape ``(n, hidden)``.

        ``x`` has shape ``(n, D)``, or ``(n, ...)`` with ``D`` values per sample (flattened).
        """
        h = self.body(x.flatten(1))
        return self.head(h).squeeze(1), h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Score of shape ``(n,)``."""
        return self.forward_features(x)[0]

    def input_gradient(self, x: torch.Tensor) -> torch.Tensor:
        """Each sample's gradient :math:`\\nabla_x D(x)`, differentiable in the weights.

        Parameters
        ----------
        x : torch.Tensor, shape (n, D) or (n, ...)
            Points; they need not require grad.

        Returns
        -------
        torch.Tensor, shape like ``x``
            :math:`W_1^\\top (m_1 \\odot W_2^\\top (m_2 \\odot \\dots w_{\\mathrm{head}}))`, where
            :math:`m_k \\in \\{0.2, 1\\}` is the leaky ReLU's slope at layer ``k``'s
            pre-activation (1 where it is positive, as torch's own derivative). A body whose
            layers were replaced by others than ``Linear`` / ``LeakyReLU`` gets autograd's
            gradient instead.

        Notes
        -----
        The leaky ReLU is piecewise linear, so the gradient depends on ``x`` only through the
        slopes, and its derivative in the weights has no term through the activations.
        ``torch.autograd.grad(D(x).sum(), x, create_graph=True)`` gives the same tensor and
        graph values but also propagates zeros through the forward pass (the double backward
        of ``leaky_relu``): here the slopes come from a forward pass without a graph, which
        saves about a third of the matrix products of a gradient-penalty step. Same numbers
        to float rounding (a test compares both ways).
        """
        pairs = list(zip(self.body[0::2], self.body[1::2], strict=False))
        piecewise_linear = len(self.body) == 2 * len(pairs) and all(
            isinstance(lin, nn.Linear) and type(act) is nn.LeakyReLU for lin, act in pairs
        )
        if not piecewise_linear:  # a body changed by hand: autograd's double backward
            x = x.detach().requires_grad_(True)
            (grad,) = torch.autograd.grad(self(x).sum(), x, create_graph=True)
            return grad
        with torch.no_grad():
            slopes = []
            h = x.flatten(1)
            for lin, act in pairs:
                pre = F.linear(h, lin.weight, lin.bias)
                slopes.append(torch.full_like(pre, act.negative_slope).masked_fill_(pre > 0, 1.0))
                h = act(pre)
        g = self.head.weight.expand(x.shape[0], -1)
        for (lin, _), slope in zip(reversed(pairs), reversed(slopes), strict=True):
            g = (g * slope) @ lin.weight
        return g.view_as(x)


# ---------------------------------------------------------------------------------------
# MNIST: Table 4
# ---------------------------------------------------------------------------------------
def _conv3(c_in: int, c_out: int) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, 3, stride=1, padding=1)


class MNISTGenerator(nn.Module):
    """The MNIST generator of Table 4 (``width=1``), 28 x 28 x 1 images in ``[-1, 1]``.

    ``z -> FC(7*7*128) -> conv3(64) -> conv3(64) -> up x2 -> conv3(32) -> conv3(32) -> up x2
    -> conv3(16) -> conv3(1) -> tanh``, leaky ReLU (slope 0.2) after every convolution but the
    last. The table lists the second up-sampling as "14 x 14 x 32"; the next convolution
    outputs 28 x 28, so it is read as 28 x 28 x 32. The table gives no activation after the
    fully connected layer and none is used. Channel counts are multiplied by ``width``.

    Parameters
    ----------
    latent_dim : int
        Input width (64 in the paper).
    width : float, default 1.0
        Channel multiplier.
    """

    def __init__(self, latent_dim: int, width: float = 1.0):
        super().__init__()
        self.latent_dim = int(latent_dim)
        c128, c64, c32, c16 = (scaled(c, width) for c in (128, 64, 32, 16))
        self.c0 = c128
        self.fc = nn.Linear(latent_dim, 7 * 7 * c128)
        act = lambda: nn.LeakyReLU(_LRELU)  # noqa: E731
        self.convs = nn.Sequential(
            _conv3(c128, c64), act(), _conv3(c64, c64), act(),
            nn.Upsample(scale_factor=2, mode="nearest"),
            _conv3(c64, c32), act(), _conv3(c32, c32), act(),
            nn.Upsample(scale_factor=2, mode="nearest"),
            _conv3(c32, c16), act(), _conv3(c16, 1), nn.Tanh(),
        )  # fmt: skip

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Map ``z`` of shape ``(n, d)`` to images of shape ``(n, 1, 28, 28)``."""
        return self.convs(self.fc(z).view(-1, self.c0, 7, 7))


class MNISTCritic(nn.Module):
    """The MNIST critic of Table 4 (``width=1``).

    ``x -> conv4 s2 (512) -> conv3 (512) -> conv4 s2 (512) -> conv3 (512) -> FC(1)``, leaky
    ReLU (slope 0.2) after every convolution, padding 1 (28 -> 14 -> 7). The penultimate
    features are the flattened 7 x 7 x 512 map.

    Parameters
    ----------
    width : float, default 1.0
        Channel multiplier.
    """

    def __init__(self, width: float = 1.0):
        super().__init__()
        c = scaled(512, width)
        act = lambda: nn.LeakyReLU(_LRELU)  # noqa: E731
        self.body = nn.Sequential(
            nn.Conv2d(1, c, 4, stride=2, padding=1), act(),
            _conv3(c, c), act(),
            nn.Conv2d(c, c, 4, stride=2, padding=1), act(),
            _conv3(c, c), act(),
            nn.Flatten(),
        )  # fmt: skip
        self.feature_dim = 7 * 7 * c
        self.head = nn.Linear(self.feature_dim, 1)

    def forward_features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Score ``(n,)`` and flattened features ``(n, 7*7*512*width)`` of images ``(n, 1, 28, 28)``."""
        h = self.body(x)
        return self.head(h).squeeze(1), h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Score of shape ``(n,)``."""
        return self.forward_features(x)[0]


# ---------------------------------------------------------------------------------------
# CIFAR-10: Table 5
# ---------------------------------------------------------------------------------------
class SelfModulatedBatchNorm2d(nn.Module):
    """Batch normalisation whose scale and shift are functions of the latent ``z``.

    Self-modulation (Chen et al., 2018): :math:`y = \\gamma(z) \\hat x + \\beta(z)` with
    :math:`\\hat x` the batch-normalised input (no learned affine of its own) and
    :math:`\\gamma(z) = 1 + W_\\gamma h(z)`, :math:`\\beta(z) = W_\\beta h(z)`,
    :math:`h(z) = \\mathrm{ReLU}(W_h z)` a one-hidden-layer MLP.

    Parameters
    ----------
    channels : int
        Number of feature maps.
    latent_dim : int
        Width of ``z``.
    hidden : int, default 32
        Width of the modulation MLP's hidden layer.
    """

    def __init__(self, channels: int, latent_dim: int, hidden: int = 32):
        super().__init__()
        self.bn = nn.BatchNorm2d(channels, affine=False)
        self.mlp = nn.Sequential(nn.Linear(latent_dim, hidden), nn.ReLU())
        self.gamma = nn.Linear(hidden, channels)
        self.beta = nn.Linear(hidden, channels)

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        h = self.mlp(z)
        g = 1.0 + self.gamma(h)
        b = self.beta(h)
        return self.bn(x) * g[:, :, None, None] + b[:, :, None, None]


class _GenBlock(nn.Module):
    """Pre-activation residual block ``x + conv(relu(smbn(conv(relu(smbn(x))))))``."""

    def __init__(self, c: int, latent_dim: int):
        super().__init__()
        self.bn1 = SelfModulatedBatchNorm2d(c, latent_dim)
        self.conv1 = _conv3(c, c)
        self.bn2 = SelfModulatedBatchNorm2d(c, latent_dim)
        self.conv2 = _conv3(c, c)

    def forward(self, x, z):
        h = self.conv1(F.relu(self.bn1(x, z)))
        h = self.conv2(F.relu(self.bn2(h, z)))
        return x + h


class ResNetGenerator(nn.Module):
    """The CIFAR generator of Table 5 (``width=1``): 32 x 32 x 3 images in ``[-1, 1]``.

    ``z -> FC(4*4*128) -> [ResBlock -> up x2] x 3 -> ReLU -> conv3(3) -> tanh``; every
    residual block has two 3 x 3 convolutions, each preceded by self-modulated batch norm and
    ReLU. The ReLU before the output convolution (the blocks end on a residual sum) is this
    implementation's reading of the table.

    Parameters
    ----------
    latent_dim : int
        Input width (128 in Table 5).
    width : float, default 1.0
        Channel multiplier (128 channels at ``width=1``).
    """

    def __init__(self, latent_dim: int, width: float = 1.0):
        super().__init__()
        self.latent_dim = int(latent_dim)
        c = self.c0 = scaled(128, width)
        self.fc = nn.Linear(latent_dim, 4 * 4 * c)
        self.blocks = nn.ModuleList(_GenBlock(c, latent_dim) for _ in range(3))
        self.out = _conv3(c, 3)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Map ``z`` of shape ``(n, d)`` to images of shape ``(n, 3, 32, 32)``."""
        h = self.fc(z).view(-1, self.c0, 4, 4)
        for block in self.blocks:
            h = F.interpolate(block(h, z), scale_factor=2, mode="nearest")
        return torch.tanh(self.out(F.relu(h)))


class _CriticBlock(nn.Module):
    """Residual block ``shortcut(x) + conv(relu(conv(relu(x))))``, optional 2 x 2 average pool after.

    The first block of the critic skips the leading ReLU (its input is the image) and has a
    1 x 1 shortcut convolution, since it changes the channel count.
    """

    def __init__(self, c_in: int, c_out: int, pool: bool, first: bool = False):
        super().__init__()
        self.first, self.pool = first, pool
        self.conv1 = _conv3(c_in, c_out)
        self.conv2 = _conv3(c_out, c_out)
        self.shortcut = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else None

    def forward(self, x):
        h = x if self.first else F.relu(x)
        h = self.conv2(F.relu(self.conv1(h)))
        s = x if self.shortcut is None else self.shortcut(x)
        out = s + h
        return F.avg_pool2d(out, 2) if self.pool else out


class ResNetCritic(nn.Module):
    """The CIFAR critic of Table 5 (``width=1``), no normalisation (WGAN-GP).

    ``x -> ResBlock(256) -> avgpool -> ResBlock -> avgpool -> ResBlock -> ResBlock -> ReLU ->
    spatial mean -> FC(1)``; the penultimate features are the 256 pooled channels. Table 5
    writes the 2 x 2 average pools with stride "1 x 1" but halves the resolution, so stride 2
    is used.

    Parameters
    ----------
    width : float, default 1.0
        Channel multiplier (256 channels at ``width=1``).
    """

    def __init__(self, width: float = 1.0):
        super().__init__()
        c = self.feature_dim = scaled(256, width)
        self.blocks = nn.Sequential(
            _CriticBlock(3, c, pool=True, first=True),
            _CriticBlock(c, c, pool=True),
            _CriticBlock(c, c, pool=False),
            _CriticBlock(c, c, pool=False),
        )
        self.head = nn.Linear(c, 1)

    def forward_features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Score ``(n,)`` and pooled features ``(n, 256*width)`` of images ``(n, 3, 32, 32)``."""
        h = F.relu(self.blocks(x)).mean(dim=(2, 3))
        return self.head(h).squeeze(1), h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Score of shape ``(n,)``."""
        return self.forward_features(x)[0]
