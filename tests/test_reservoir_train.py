"""Reservoir readouts (fastnoise.train.reservoir), reservoir files and the example reservoir."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import fastnoise as fn
from fastnoise.io import reservoir_file
from fastnoise.train.data import nrmse
from fastnoise.train.reservoir import MACKEY_GLASS, mackey_glass, ridge_readout

EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples",
                       "networks", "esn_mackey_glass.h5")


def test_ridge_recovers_a_linear_readout_of_the_states():
    esn = fn.reservoir(60, 1, 1, leak=0.6, seed=2)
    u = np.sin(0.2 * np.arange(400))[:, None] + 0.1 * np.random.default_rng(0).standard_normal((400, 1))
    _, x = esn.run(u)
    w = np.random.default_rng(1).normal(0, 1, (1, 60))
    target = x[1] @ w.T + 0.3
    fitted = ridge_readout(esn, u, target, ridge=1e-12, washout=50)
    _, y = fitted.run(u)
    np.testing.assert_allclose(y[2][50:], target[50:], atol=1e-6)


def test_noise_aware_readout_has_the_smaller_expected_error_under_noise():
    """Trained on the expected normal equations over the noise, the readout's expected squared
    error under that noise (from a simulation: bias² + variance) is below the plain readout's."""
    cfg = dict(MACKEY_GLASS, units=80)
    u, y = mackey_glass(1200)
    esn = fn.reservoir(cfg["units"], 1, 1, spectral_radius=cfg["spectral_radius"], leak=cfg["leak"],
                       input_scaling=cfg["input_scaling"], seed=0)
    noise = fn.Noise(additive=1e-5, multiplicative=1e-4)
    plain = ridge_readout(esn, u[:800], y[:800], ridge=1e-8, washout=100)
    aware = ridge_readout(esn, u[:800], y[:800], ridge=1e-8, washout=100, noise=noise)
    quiet_readout = [noise, noise, fn.Noise()]
    errors = []
    for readout in (plain, aware):
        res = fn.simulate(readout, u[800:], quiet_readout, repeats=400, seed=1)
        errors.append(np.mean((res.mean[2][:, 0] - y[800:, 0]) ** 2 + res.var[2][:, 0]))
    assert errors[1] < 0.9 * errors[0]


def test_reservoir_file_round_trip_and_overwrite(tmp_path):
    esn = fn.reservoir(30, 2, 1, kind="band", leak=0.7, activation="logistic", seed=1,
                       noise_at=("input", "output"))
    path = tmp_path / "r.h5"
    reservoir_file.save(esn, path, attrs={"note": "x"})
    back = reservoir_file.load(path)
    u = np.random.default_rng(0).uniform(-1, 1, (20, 2))
    for a, b in zip(esn.run(u)[1], back.run(u)[1]):
        assert np.array_equal(a, b)
    assert back.noise_at == ("input", "output") and back.leak == 0.7
    assert reservoir_file.read_attrs(path)["note"] == "x"
    with pytest.raises(FileExistsError, match="pass overwrite=True"):
        reservoir_file.save(esn, path)
    with pytest.raises(ValueError, match="holds no fastnoise reservoir"):
        reservoir_file.load(path, group="network")


def test_example_reservoir_meets_its_recorded_recipe():
    esn = reservoir_file.load(EXAMPLE)
    report = json.loads(reservoir_file.read_attrs(EXAMPLE)["training"])
    assert report["recipe"] == MACKEY_GLASS and report["nrmse_one_step"] < 1e-3
    n_train, n_test = MACKEY_GLASS["train"], MACKEY_GLASS["test"]
    u, y = mackey_glass(n_train + n_test)
    _, x = fn.forward(esn, u)
    assert nrmse(x[2][n_train:, 0], y[n_train:, 0]) == pytest.approx(report["nrmse_one_step"], rel=1e-9)


def test_train_command_esn(tmp_path, capsys):
    from fastnoise.cli import main

    out = tmp_path / "esn.h5"
    assert main(["train", "mackey-glass", "--arch", "esn", "--out", str(out)]) == 0
    assert "one-step test NRMSE" in capsys.readouterr().out
    assert main(["train", "mnist", "--arch", "esn", "--out", str(tmp_path / "x.h5")]) == 2
    assert "--arch esn is for mackey-glass" in capsys.readouterr().err
