r"""Certified Lipschitz upper bounds of the project's generators.

:func:`gan.analysis.lipschitz_estimate` maximises finite differences and Jacobian norms over
sampled latents, so it is a *lower* bound of the Lipschitz constant :math:`L` of ``G``. A
precision bound evaluated at a lower estimate of ``L`` is evaluated at too small an ``L``, i.e.
it is smaller than the bound that actually applies; a GAN that exceeds it has not contradicted
the theory. :func:`lipschitz_upper_bound` gives an upper bound of ``L`` instead, so bounds
evaluated at it are proven for the network.

Method: the generator is read as a chain :math:`G = f_k \circ \dots \circ f_1` of layers and
:math:`L \le \prod_i \operatorname{Lip}(f_i)` (Euclidean norms on inputs and flattened outputs).
The leading run of affine layers (e.g. ``MNISTGenerator``'s ``fc`` and first convolution, or a
purely linear network) is one affine map of the latent; its exact norm, the largest singular
value of its ``(out, latent_dim)`` matrix built from the images of the basis vectors, replaces
their product (latent dimension up to 1024). The other layers:

* ``nn.Linear``: :math:`\sigma_{\max}(W)`, by SVD in float64 (exact).
* ``nn.Conv2d`` / ``nn.ConvTranspose2d`` (zero padding, any stride, dilation, groups): the layer
  is a zero-padded (possibly strided, possibly zero-inserted) restriction of a convolution on
  :math:`\mathbb{Z}^2`; on inputs of the layer's actual spatial size it coincides with the
  circular convolution on an :math:`N_h \times N_w` torus large enough that nothing wraps
  (:math:`N = n + k_{\text{eff}} - 1`), composed with an isometric embedding and a coordinate
  restriction or subsampling (norm :math:`\le 1`). The circular convolution is block-diagonalised
  by the 2-D DFT, so its norm is exactly :math:`\max_\omega \sigma_{\max}(\hat K(\omega))` over the
  :math:`N_h N_w` frequencies, each :math:`\hat K(\omega)` a ``c_out x c_in`` matrix. This is an
  upper bound of the layer's norm (not a power-iteration estimate, which would be a lower one).
* ``nn.Upsample`` (nearest, integer factors :math:`s_h, s_w`): :math:`\sqrt{s_h s_w}` (exact).
* ``nn.BatchNorm1d/2d`` in eval mode: the diagonal affine map, :math:`\max_c |\gamma_c| /
  \sqrt{v_c + \epsilon}` (exact); in training mode the map depends on the batch and is refused.
* ReLU, LeakyReLU (slope :math:`a`: :math:`\max(1, |a|)`), Tanh, Identity, Flatten, Unflatten,
  Dropout in eval mode: 1; Sigmoid: 1/4.

Supported generators: ``MLPGenerator``, ``MNISTGenerator`` (Table 4), any ``nn.Sequential`` of
the layers above, and ``OptimalGeneratorModule`` (its proven constant). ``ResNetGenerator`` is
refused: its self-modulated batch norm multiplies features by an affine function of ``z``, so
no product of layer norms bounds it (and it is not globally Lipschitz before the final tanh's
saturation is accounted for). Any other layer type raises ``NotImplementedError`` naming it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from gan._checks import check_int

__all__ = ["LipschitzBound", "lipschitz_upper_bound", "layer_lipschitz"]

_ONE = (nn.ReLU, nn.Tanh, nn.Identity, nn.Flatten, nn.Unflatten)


@dataclass(frozen=True)
class LipschitzBound:
    """A certified upper bound of a generator's Lipschitz constant.

    Attributes
    ----------
    value : float
        :math:`\\prod_i` of the layer factors (Euclidean norms, flattened outputs).
    layers : tuple of (str, str, float)
        ``(name, type, factor)`` for each layer of the chain, in order.
    method : str
        How the bound was obtained.
    """

    value: float
    layers: tuple
    method: str

    def __float__(self) -> float:
        return float(self.value)

    def to_json(self) -> dict:
        d = asdict(self)
        d["layers"] = [list(x) for x in self.layers]
        return d


def _dense_groups(weight: torch.Tensor, groups: int, transposed: bool) -> torch.Tensor:
    """The (c_out, c_in, kh, kw) kernel of the map, block-diagonal over groups, float64."""
    w = weight.detach().to("cpu", torch.float64)
    if transposed:  # ConvTranspose2d weight: (c_in, c_out / groups, kh, kw)
        c_in, cog, kh, kw = w.shape
        cig = c_in // groups
        out = torch.zeros(cog * groups, c_in, kh, kw, dtype=torch.float64)
        for g in range(groups):
            out[g * cog : (g + 1) * cog, g * cig : (g + 1) * cig] = w[g * cig : (g + 1) * cig].transpose(0, 1)
        return out
    c_out, cig, kh, kw = w.shape
    cog = c_out // groups
    out = torch.zeros(c_out, cig * groups, kh, kw, dtype=torch.float64)
    for g in range(groups):
        out[g * cog : (g + 1) * cog, g * cig : (g + 1) * cig] = w[g * cog : (g + 1) * cog]
    return out


def _conv_bound(layer, in_hw) -> float:
    """max over DFT frequencies of sigma_max(K_hat(omega)) on a torus on which nothing wraps."""
    if getattr(layer, "padding_mode", "zeros") not in ("zeros", "circular"):
        raise NotImplementedError(f"{type(layer).__name__} with padding_mode={layer.padding_mode!r} is not supported")
    transposed = isinstance(layer, nn.ConvTranspose2d)
    k = _dense_groups(layer.weight, layer.groups, transposed)
    dh, dw = layer.dilation
    if dh > 1 or dw > 1:  # the dilated kernel, zeros inserted
        c_out, c_in, kh, kw = k.shape
        kd = torch.zeros(c_out, c_in, (kh - 1) * dh + 1, (kw - 1) * dw + 1, dtype=torch.float64)
        kd[:, :, ::dh, ::dw] = k
        k = kd
    kh, kw = k.shape[-2:]
    h, w = in_hw
    if transposed:  # zero insertion by the stride, an isometry, before a full convolution
        sh, sw = layer.stride
        h, w = sh * (h - 1) + 1, sw * (w - 1) + 1
    if getattr(layer, "padding_mode", "zeros") == "circular":
        nh, nw = h, w  # circular padding: the layer is itself (a restriction of) the torus map
    else:
        nh, nw = h + kh - 1, w + kw - 1
    nh, nw = max(nh, kh), max(nw, kw)
    khat = torch.fft.fft2(k, s=(nh, nw))  # (c_out, c_in, nh, nw)
    sym = khat.permute(2, 3, 0, 1).reshape(nh * nw, k.shape[0], k.shape[1])
    return float(torch.linalg.matrix_norm(sym, ord=2).max())


def layer_lipschitz(layer: nn.Module, in_shape=None) -> float:
    """Certified Lipschitz constant of one layer (see the module docstring for the rules).

    Parameters
    ----------
    layer : torch.nn.Module
    in_shape : tuple of int, optional
        The layer's input shape without the batch axis; needed for convolutions
        (``(C, H, W)``).

    Returns
    -------
    float

    Raises
    ------
    NotImplementedError
        For a layer type with no rule (named in the message).
    ValueError
        For batch norm in training mode, or a convolution without its input shape.

    Examples
    --------
    >>> import torch
    >>> from gan.analysis.lipschitz import layer_lipschitz
    >>> lin = torch.nn.Linear(2, 2, bias=False)
    >>> with torch.no_grad():
    ...     _ = lin.weight.copy_(torch.tensor([[3.0, 0.0], [0.0, -5.0]]))
    >>> layer_lipschitz(lin)
    5.0
    """
    if not isinstance(layer, nn.Module):
        raise TypeError(f"layer must be a torch.nn.Module, got {type(layer).__name__}")
    if isinstance(layer, nn.Linear):
        w = layer.weight.detach().to("cpu", torch.float64)
        return float(torch.linalg.matrix_norm(w, ord=2))
    if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d)):
        if in_shape is None or len(in_shape) != 3:
            raise ValueError(f"{type(layer).__name__} needs its input shape (C, H, W), got {in_shape!r}")
        return _conv_bound(layer, in_shape[1:])
    if isinstance(layer, nn.Upsample):
        if layer.mode != "nearest":
            raise NotImplementedError(f"nn.Upsample with mode={layer.mode!r} is not supported (only 'nearest')")
        sf = layer.scale_factor
        sf = (sf, sf) if not isinstance(sf, (tuple, list)) else tuple(sf)
        if sf is None or any(float(s) != int(s) or s < 1 for s in sf):
            raise NotImplementedError(f"nn.Upsample needs integer scale factors, got {layer.scale_factor!r}")
        return float(np.sqrt(np.prod([int(s) for s in sf])))
    if isinstance(layer, (nn.BatchNorm1d, nn.BatchNorm2d)):
        if layer.training or not layer.track_running_stats or layer.running_var is None:
            raise ValueError(f"{type(layer).__name__} is a map of the batch in training mode; call generator.eval()")
        scale = 1.0 / torch.sqrt(layer.running_var.detach().to("cpu", torch.float64) + layer.eps)
        if layer.affine:
            scale = scale * layer.weight.detach().to("cpu", torch.float64).abs()
        return float(scale.max())
    if isinstance(layer, nn.LeakyReLU):
        return float(max(1.0, abs(layer.negative_slope)))
    if isinstance(layer, nn.Sigmoid):
        return 0.25
    if isinstance(layer, nn.Dropout):
        if layer.training and layer.p > 0:
            raise ValueError("nn.Dropout in training mode is random; call generator.eval()")
        return 1.0
    if isinstance(layer, _ONE):
        return 1.0
    raise NotImplementedError(f"no Lipschitz rule for layer type {type(layer).__name__}")


_AFFINE = (
    nn.Linear,
    nn.Conv2d,
    nn.ConvTranspose2d,
    nn.Upsample,
    nn.BatchNorm1d,
    nn.BatchNorm2d,
    nn.Identity,
    nn.Flatten,
    nn.Unflatten,
)
_MAX_EXACT_IN = 1024


def _needs_train_refusal(layer):
    if isinstance(layer, nn.Upsample) and layer.mode != "nearest":
        return True  # not handled here; layer_lipschitz names it
    return isinstance(layer, (nn.BatchNorm1d, nn.BatchNorm2d)) and (layer.training or layer.running_var is None)


def _leading_run_norm(run, shapes, d):
    """Exact operator norm of the affine map formed by the first layers (applied to the latent).

    Between layers the input is reshaped to the shape recorded in the forward pass (the chain
    reshapes only, e.g. ``MNISTGenerator``'s view after ``fc``: an isometry). The layers are
    evaluated on float64 copies; the images of the basis vectors minus the image of 0 are the
    columns of the linear part.
    """
    import copy

    x = torch.cat([torch.zeros(1, d, dtype=torch.float64), torch.eye(d, dtype=torch.float64)])
    with torch.no_grad():
        for l in run:
            x = copy.deepcopy(l).to("cpu", torch.float64)(x.reshape(x.shape[0], *shapes[id(l)]))
    A = (x[1:] - x[:1]).reshape(d, -1)
    return float(torch.linalg.matrix_norm(A, ord=2))


def _chain(generator):
    """The generator as a list of (name, layer) applied in order, or raise."""
    from ..training.nets import MLPGenerator, MNISTGenerator, ResNetGenerator

    if isinstance(generator, ResNetGenerator):
        raise NotImplementedError(
            "ResNetGenerator: SelfModulatedBatchNorm2d multiplies features by an affine function of z, "
            "so no product of layer norms bounds it; no certified bound is implemented"
        )
    if isinstance(generator, MLPGenerator):
        return [(f"net.{n}", l) for n, l in generator.net.named_children()]
    if isinstance(generator, MNISTGenerator):  # fc, a reshape (an isometry), then the convolutions
        return [("fc", generator.fc)] + [(f"convs.{n}", l) for n, l in generator.convs.named_children()]
    if isinstance(generator, nn.Sequential):
        out = []
        for n, l in generator.named_children():
            if isinstance(l, nn.Sequential):
                out += [(f"{n}.{a}", b) for a, b in _chain(l)]
            else:
                out.append((n, l))
        return out
    raise NotImplementedError(
        f"no certified Lipschitz bound for {type(generator).__name__}; supported: MLPGenerator, MNISTGenerator, "
        "OptimalGeneratorModule and nn.Sequential of supported layers"
    )


def lipschitz_upper_bound(generator, *, latent_dim: int | None = None) -> LipschitzBound:
    r"""Certified upper bound of the Lipschitz constant of a generator (Euclidean norms).

    Parameters
    ----------
    generator : torch.nn.Module
        ``MLPGenerator``, ``MNISTGenerator``, an ``nn.Sequential`` of supported layers, or an
        ``OptimalGeneratorModule``. Must be in eval mode if it holds batch norm or dropout.
    latent_dim : int, optional
        Input width; read from ``generator.latent_dim`` or the first ``nn.Linear`` if omitted.
        Used for one forward pass (on zeros) that records each layer's input shape.

    Returns
    -------
    LipschitzBound
        ``value`` :math:`\ge L` (up to float64 rounding, relative :math:`\sim 10^{-15}` per
        layer), with the factor of every layer.

    Raises
    ------
    NotImplementedError
        For an unsupported generator or layer (named).
    ValueError
        For batch norm or dropout in training mode.

    Examples
    --------
    >>> import torch
    >>> from gan.analysis.lipschitz import lipschitz_upper_bound
    >>> g = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    >>> b = lipschitz_upper_bound(g)
    >>> w1, w2 = g[0].weight.detach().double(), g[2].weight.detach().double()
    >>> bool(abs(b.value - torch.linalg.matrix_norm(w1, 2) * torch.linalg.matrix_norm(w2, 2)) < 1e-12)
    True
    """
    from ..optimal import OptimalGeneratorModule

    if not callable(generator):
        raise TypeError(f"generator must be a torch.nn.Module, got {type(generator).__name__}")
    if latent_dim is not None:
        latent_dim = check_int(latent_dim, "latent_dim", low=1)
    if isinstance(generator, OptimalGeneratorModule):
        L = float(generator.lipschitz_constant)
        return LipschitzBound(
            L,
            (("G*_eps", "OptimalGeneratorModule", L),),
            "proven constant of the explicit generator (gaussiso.OptimalGenerator)",
        )
    chain = _chain(generator)
    if latent_dim is None:
        latent_dim = getattr(generator, "latent_dim", None)
    if latent_dim is None:
        lin = next((l for _, l in chain if isinstance(l, nn.Linear)), None)
        if lin is None:
            raise ValueError("latent_dim is needed (no generator.latent_dim and no leading nn.Linear)")
        latent_dim = lin.in_features
    # Record every layer's input shape with one forward pass.
    shapes: dict[int, tuple] = {}

    def record(mod, inp):  # returns None: the input passes unchanged
        shapes.setdefault(id(mod), tuple(inp[0].shape[1:]))

    hooks = [l.register_forward_pre_hook(record) for _, l in chain]
    try:
        p = next(generator.parameters(), None)
        dev = p.device if p is not None else torch.device("cpu")
        dt = p.dtype if p is not None else torch.float32
        with torch.no_grad():
            generator(torch.zeros(1, int(latent_dim), device=dev, dtype=dt))
    finally:
        for h in hooks:
            h.remove()
    for name, l in chain:
        if id(l) not in shapes:
            raise NotImplementedError(f"layer {name} ({type(l).__name__}) is not on the forward path as a chain")
    layers, value = [], 1.0
    # The leading run of affine layers is one affine map of the latent: its exact norm (SVD of its
    # (out, latent_dim) matrix) replaces the product of its layers' norms, and is never larger.
    run = 0
    while run < len(chain) and isinstance(chain[run][1], _AFFINE) and not _needs_train_refusal(chain[run][1]):
        run += 1
    if run >= 2 and int(latent_dim) <= _MAX_EXACT_IN:
        f = _leading_run_norm([l for _, l in chain[:run]], shapes, int(latent_dim))
        layers.append(("+".join(n for n, _ in chain[:run]), "affine run (exact)", f))
        value *= f
    else:
        run = 0
    for name, l in chain[run:]:
        f = layer_lipschitz(l, shapes[id(l)])
        layers.append((name, type(l).__name__, f))
        value *= f
    return LipschitzBound(
        float(value),
        tuple(layers),
        "product of per-layer operator norms (exact SVD; "
        "convolutions by the DFT symbol of the non-wrapping circular extension)",
    )
