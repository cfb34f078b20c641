"""Tests of gan.analysis.lipschitz: the certified bound is exact where it should be and never
below the true operator norm (dense matrices of small layers) or the empirical estimate."""

import numpy as np
import pytest
import torch
from torch import nn

from gan.analysis.jacobian import lipschitz_estimate
from gan.analysis.lipschitz import layer_lipschitz, lipschitz_upper_bound
from gan.training.nets import MLPGenerator, MNISTGenerator, ResNetGenerator


def dense_matrix(f, in_shape):
    """The matrix of a linear map x -> f(x) (flattened), float64, by its action on the basis."""
    n = int(np.prod(in_shape))
    eye = torch.eye(n, dtype=torch.float64).reshape(n, *in_shape)
    with torch.no_grad():
        return f(eye).reshape(n, -1).T


def spectral(a):
    return float(torch.linalg.matrix_norm(a, ord=2))


def test_single_linear_is_exact():
    torch.manual_seed(0)
    lin = nn.Linear(5, 7)
    b = lipschitz_upper_bound(nn.Sequential(lin))
    assert b.value == pytest.approx(spectral(lin.weight.detach().double()), rel=1e-12)
    assert float(b) == b.value and b.to_json()["layers"][0][1] == "Linear"


def test_linear_chain_is_exact():
    torch.manual_seed(1)
    g = nn.Sequential(nn.Linear(4, 6, bias=False), nn.Linear(6, 3, bias=False)).double()
    exact = spectral(g[1].weight.detach() @ g[0].weight.detach())
    b = lipschitz_upper_bound(g).value
    assert b >= exact * (1 - 1e-12)
    # A purely affine chain from the latent is one matrix: its norm is computed exactly.
    assert b == pytest.approx(exact, rel=1e-10)
    assert b <= spectral(g[0].weight.detach()) * spectral(g[1].weight.detach())


@pytest.mark.parametrize(
    "kind",
    [
        dict(cls=nn.Conv2d, kw=dict(kernel_size=3, padding=1)),
        dict(cls=nn.Conv2d, kw=dict(kernel_size=4, stride=2, padding=1)),
        dict(cls=nn.Conv2d, kw=dict(kernel_size=3, padding=2, dilation=2, groups=2)),
        dict(cls=nn.Conv2d, kw=dict(kernel_size=3, padding=1, padding_mode="circular")),
        dict(cls=nn.ConvTranspose2d, kw=dict(kernel_size=4, stride=2, padding=1)),
        dict(cls=nn.ConvTranspose2d, kw=dict(kernel_size=3, stride=1, padding=1, groups=2)),
    ],
)
def test_convolution_bound_against_dense_norm(kind):
    """The DFT bound is >= the exact norm of the layer's matrix, and close to it."""
    torch.manual_seed(2)
    conv = kind["cls"](4, 6, bias=False, **kind["kw"]).double()
    shape = (4, 5, 6)
    exact = spectral(dense_matrix(conv, shape))
    b = layer_lipschitz(conv, shape)
    assert b >= exact * (1 - 1e-10)
    assert b <= 2.0 * exact  # not vacuous on these sizes


def test_circular_conv_is_exact():
    torch.manual_seed(3)
    conv = nn.Conv2d(3, 3, 3, padding=1, padding_mode="circular", bias=False).double()
    shape = (3, 6, 6)
    assert layer_lipschitz(conv, shape) == pytest.approx(spectral(dense_matrix(conv, shape)), rel=1e-9)


def test_upsample_and_batchnorm_exact():
    up = nn.Upsample(scale_factor=2, mode="nearest")
    assert layer_lipschitz(up, (2, 3, 3)) == pytest.approx(spectral(dense_matrix(up, (2, 3, 3))), rel=1e-12)
    bn = nn.BatchNorm2d(3).double()
    with torch.no_grad():
        bn.running_var.copy_(torch.tensor([0.5, 2.0, 4.0]))
        bn.weight.copy_(torch.tensor([1.0, -3.0, 0.5]))
    bn.eval()
    assert layer_lipschitz(bn, (3, 2, 2)) == pytest.approx(spectral(dense_matrix(bn, (3, 2, 2))), rel=1e-12)
    bn.train()
    with pytest.raises(ValueError, match="training mode"):
        layer_lipschitz(bn, (3, 2, 2))


def test_activation_rules():
    assert layer_lipschitz(nn.Sigmoid()) == 0.25
    assert layer_lipschitz(nn.LeakyReLU(0.2)) == 1.0
    assert layer_lipschitz(nn.Tanh()) == 1.0
    with pytest.raises(NotImplementedError, match="GELU"):
        layer_lipschitz(nn.GELU())
    with pytest.raises(NotImplementedError, match="bilinear"):
        layer_lipschitz(nn.Upsample(scale_factor=2, mode="bilinear"))


def _empirical(g, d, seed, dtype=torch.float32):
    z = torch.randn(400, d, generator=torch.Generator().manual_seed(seed), dtype=dtype)
    return lipschitz_estimate(g, z, delta=1e-3, seed=seed).estimate


@pytest.mark.parametrize("seed", [0, 1])
def test_mlp_generator_bound_above_empirical(seed):
    torch.manual_seed(seed)
    g = MLPGenerator(3, 2, hidden=16, depth=2).eval()
    b = lipschitz_upper_bound(g)
    assert [x[1] for x in b.layers] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert b.value >= _empirical(g, 3, seed)


def test_mnist_generator_bound_above_empirical():
    torch.manual_seed(4)
    g = MNISTGenerator(4, width=0.125).eval()
    b = lipschitz_upper_bound(g)
    assert b.value >= _empirical(g, 4, 0)
    assert any(t == "Conv2d" for _, t, _ in b.layers) and any(t == "Upsample" for _, t, _ in b.layers)


def test_optimal_generator_module_uses_its_proven_constant():
    import gaussiso
    from gan.optimal import OptimalGeneratorModule

    G = gaussiso.OptimalGenerator(gaussiso.modes.equidistant_centers(3, 2), 0.3, latent_dim=2, rule="projection")
    net = OptimalGeneratorModule.from_numpy(G, out_dtype=torch.float64)
    b = lipschitz_upper_bound(net)
    assert b.value == G.lipschitz_constant
    assert b.value >= _empirical(net, 2, 0, torch.float64) * (1 - 1e-9)


def test_refusals():
    with pytest.raises(NotImplementedError, match="SelfModulatedBatchNorm2d"):
        lipschitz_upper_bound(ResNetGenerator(4, width=0.0625))
    with pytest.raises(NotImplementedError, match="GELU"):
        lipschitz_upper_bound(nn.Sequential(nn.Linear(2, 2), nn.GELU()))
    with pytest.raises(NotImplementedError, match="supported"):
        lipschitz_upper_bound(lambda z: z)


def test_leading_affine_run_is_exact_and_tighter():
    """MNISTGenerator's fc and first convolution form one affine map of z: its exact norm (dense
    Jacobian, z -> conv(fc(z))) is used, at most the product of the two layer norms."""
    torch.manual_seed(5)
    g = MNISTGenerator(6, width=0.125).eval()
    b = lipschitz_upper_bound(g)
    name, kind, f = b.layers[0]
    assert kind == "affine run (exact)" and name == "fc+convs.0"
    fc, conv = g.fc.double(), g.convs[0].double()
    with torch.no_grad():
        eye = torch.eye(6, dtype=torch.float64)
        cols = conv((fc(eye) - fc.bias).view(6, g.c0, 7, 7)) - conv.bias.view(1, -1, 1, 1)
    assert f == pytest.approx(spectral(cols.reshape(6, -1)), rel=1e-10)
    assert f <= layer_lipschitz(fc) * layer_lipschitz(conv, (g.c0, 7, 7)) * (1 + 1e-12)
    g.float()
