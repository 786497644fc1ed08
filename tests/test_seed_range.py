"""The seed range is what the RNG accepts, [0, 2**64), in docstrings, errors and configs
(issue 13.10): the Philox key is the seed's two 32-bit halves."""

from __future__ import annotations

import numpy as np
import pytest

import fastnoise as fn
from fastnoise import runconfig
from fastnoise.simulate import simulate
from fastnoise.cli import main

CONFIG = """\
repeats = 4
seed = {seed}

[network]
kind = "symmetric"
widths = [1, 3, 1]

[noise]
additive = 1e-3

[inputs]
kind = "linspace"
count = 3
"""


def test_docstrings_state_the_accepted_range_and_the_largest_seed_runs(tmp_path):
    for doc in (runconfig.__doc__, simulate.__doc__):
        assert "2**64" in doc and "2**63" not in doc
    cfg = tmp_path / "run.toml"
    cfg.write_text(CONFIG.format(seed=2 ** 64 - 1))
    assert main(["simulate", str(cfg), "--out", str(tmp_path / "a.h5"), "-q"]) == 0
    with fn.Store(tmp_path / "a.h5") as st:
        assert st.run().config["seed"] == 2 ** 64 - 1
    # the high key word matters: 2**64 - 1 and 2**32 - 1 are different streams
    net = fn.symmetric([1, 3, 1])
    a = fn.simulate(net, [0.5], fn.Noise(additive=1e-3), repeats=4, seed=2 ** 64 - 1)
    b = fn.simulate(net, [0.5], fn.Noise(additive=1e-3), repeats=4, seed=2 ** 32 - 1)
    assert not np.array_equal(a.var[1], b.var[1])


@pytest.mark.parametrize("seed", [2 ** 64, -1])
def test_seed_out_of_range_names_the_range(tmp_path, capsys, seed):
    cfg = tmp_path / "run.toml"
    cfg.write_text(CONFIG.format(seed=seed))
    assert main(["simulate", str(cfg), "--out", str(tmp_path / "a.h5"), "-q"]) == 2
    err = capsys.readouterr().err
    assert f"seed = {seed} in [top level] must be in [0, 2**64)" in err
    with pytest.raises(ValueError, match=rf"seed must be an integer in \[0, 2\*\*64\), got {seed}"):
        fn.simulate(fn.symmetric([1, 3, 1]), [0.5], seed=seed)
