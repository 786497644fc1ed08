"""Reservoirs from TOML run configs and the command line (simulate, predict)."""

from __future__ import annotations

import os

import numpy as np
import pytest

import fastnoise as fn
from fastnoise.runconfig import load_config, loads_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "esn_mackey_glass.toml")

DRAWN = """
repeats = 20
seed = 3
[network]
kind = "reservoir"
units = 50
matrix = "band"
bandwidth = 3
spectral_radius = 0.8
leak = 0.5
seed = 2
[inputs]
kind = "linspace"
start = 0.0
stop = 1.0
count = 40
[time]
mode = "open"
[noise]
additive = 1e-4
"""


def test_drawn_reservoir_config():
    cfg = loads_config(DRAWN)
    assert cfg.is_reservoir and isinstance(cfg.network, fn.Reservoir)
    esn = cfg.network
    assert esn.units == 50 and esn.leak == 0.5
    want = fn.reservoir(50, kind="band", bandwidth=3, spectral_radius=0.8, leak=0.5, seed=2)
    assert esn.digest() == want.digest()
    kw = cfg.simulate_kwargs()
    assert kw["mode"] == "open" and kw["washout"] == 0
    res = fn.simulate(**kw)
    assert res.mean[1].shape == (40, 50)
    assert cfg.to_dict()["network"]["kind"] == "reservoir"


def test_time_table_only_for_reservoirs():
    text = """
[network]
kind = "symmetric"
widths = [1, 5, 1]
[inputs]
kind = "linspace"
start = 0.0
stop = 1.0
count = 3
[time]
mode = "closed"
"""
    with pytest.raises(ValueError, match=r"\[time\] is for reservoirs"):
        loads_config(text)
    with pytest.raises(ValueError, match=r"mode = \"sideways\" in \[time\] must be one of"):
        loads_config(DRAWN.replace('mode = "open"', 'mode = "sideways"'))


def test_example_config_reads_the_example_reservoir():
    cfg = load_config(EXAMPLE)
    assert cfg.time == {"mode": "closed", "washout": 300}
    assert cfg.inputs.shape == (700, 1)
    from fastnoise.train.reservoir import mackey_glass

    np.testing.assert_array_equal(cfg.inputs, mackey_glass(3700)[0][3000:])


def test_simulate_and_predict_commands(tmp_path, capsys):
    from fastnoise.cli import main

    cfg = tmp_path / "esn.toml"
    cfg.write_text(DRAWN)
    out = tmp_path / "esn.h5"
    assert main(["simulate", str(cfg), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "40/40 time steps" in text
    assert main(["simulate", str(cfg), "--out", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main(["predict", str(cfg)]) == 0
    assert "reservoir-moments" in capsys.readouterr().out
    assert main(["predict", str(cfg), "--method", "density"]) == 2
    assert "a reservoir is predicted by moments" in capsys.readouterr().err
