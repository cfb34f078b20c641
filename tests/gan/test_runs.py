"""Tests of gan.runs.load_run on the explicit optimal generator's run directories.

(Trained runs are loaded in tests/gan/test_training.py::test_cli_train_resume_sample_and_load_run.)
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import gaussiso
from gan.runs import load_run


def test_load_run_of_an_optimal_generator(tmp_path):
    from gan.optimal import OptimalGeneratorModule

    centers = gaussiso.modes.equidistant_centers(3, 2, distance=2.0)
    net = OptimalGeneratorModule.from_numpy(gaussiso.OptimalGenerator(centers, 0.5, latent_dim=2))
    net.save_run(tmp_path / "opt")
    run = load_run(tmp_path / "opt", device="cpu")
    assert run.config["preset"] == "optimal" and run.step == 0 and run.device == torch.device("cpu")
    assert run.sampler.latent_dim == 2 and run.sampler.n_clusters is None
    np.testing.assert_allclose(run.dataset.centers, centers)
    assert run.dataset.support_radius == pytest.approx(2e-6)
    z = run.sampler.sample(500, device=run.device).z
    x = run.generator(z).detach().numpy()
    assert x.shape == (500, 2)
    # G* sends every latent farther than eps from the cell boundaries onto a centre, which
    # the Dirac dataset's support radius counts as a hit
    from gaussiso._partition import VoronoiPartition

    deep = VoronoiPartition(net.seeds.numpy()).boundary_distance(z.numpy().astype(np.float64)) > 0.5
    assert deep.sum() > 50
    d = np.linalg.norm(x[:, None] - centers[None], axis=-1).min(1)
    assert np.all(d[deep] < run.dataset.support_radius)


def test_load_run_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="config.json"):
        load_run(tmp_path / "missing")
