"""``fastnoise paper mitigation`` (issue 16.6): the quick study end to end, and the claim rules.

The verdict functions are checked on synthetic numbers (their thresholds are part of the
claim table); the quick study checks the files, their agreement with each other, the
reuse of trained networks, and that every claim gets a verdict.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import fastnoise as fn
from checks import run_cli
from fastnoise.paper import mitigation_claims as mc
from fastnoise.paper.claims import NOT_EVALUATED, NOT_SUPPORTED, PARTLY, SUPPORTED
from fastnoise.mitigation import CANCELLED, output_snr_gain
from fastnoise.paper.mitigation_study import (QUICK, noise_list,
                                              strategy_network, total_steps)
from fastnoise.paper.tables import read_csv

VERDICTS = {SUPPORTED, PARTLY, NOT_SUPPORTED, NOT_EVALUATED}


def test_verdict_rules_on_synthetic_numbers():
    assert mc.verdict_gain(4.2, {"AU": 3.0})[0] == SUPPORTED
    assert mc.verdict_gain(3.0, {"AU": 5.0, "MC": 1.0}) == (
        PARTLY, "gain 3.00 < 4 with the mixed noise; ≥ 4 for AU alone")
    assert mc.verdict_gain(3.0, {"AU": 2.0})[0] == NOT_SUPPORTED
    assert mc.verdict_gain(float("nan"), {})[0] == NOT_EVALUATED

    assert mc.verdict_restored({"AU": (0.95, 0.85, 0.945), "AC": None})[0] == SUPPORTED
    assert mc.verdict_restored({"AU": (0.95, 0.85, 0.945), "MC": (0.95, 0.85, 0.90)})[0] == PARTLY
    assert mc.verdict_restored({"AU": (0.95, 0.85, 0.93)})[0] == NOT_SUPPORTED
    assert mc.verdict_restored({"AU": None})[0] == NOT_EVALUATED

    se = 0.001
    assert mc.verdict_less_harmful([(0.01, 0.05, se), (0.001, 0.01, se)], "x") == (SUPPORTED, "x in all 1 comparisons")
    assert mc.verdict_less_harmful([(0.048, 0.05, se), (0.01, 0.05, se)], "x")[0] == PARTLY  # 0.048 > 0.05 − 3 s.e.
    assert mc.verdict_less_harmful([(0.06, 0.05, se), (0.07, 0.05, se), (0.0, 0.05, se)], "x")[0] == NOT_SUPPORTED
    assert mc.verdict_less_harmful([(0.0, 0.01, se)], "x")[0] == NOT_EVALUATED

    assert mc.verdict_training({"AU": (0.02, 0.001), "MC": (0.01, 0.001)})[0] == SUPPORTED
    assert mc.verdict_training({"AU": (0.02, 0.001), "MC": (0.002, 0.001)})[0] == PARTLY
    assert mc.verdict_training({"AU": (-0.02, 0.001)})[0] == NOT_SUPPORTED
    assert mc.verdict_mc_training({"AU": (0.02, 0.0), "MC": (0.002, 0.0)})[0] == SUPPORTED
    assert mc.verdict_mc_training({"AU": (0.005, 0.0), "MC": (0.002, 0.0)})[0] == PARTLY
    assert mc.verdict_mc_training({"AU": (0.02, 0.0), "MC": (0.05, 0.0)})[0] == NOT_SUPPORTED

    assert mc.verdict_prediction([(2.0, 2.1), (4.0, 3.7)])[0] == SUPPORTED
    assert mc.verdict_prediction([(2.0, 2.5)])[0] == NOT_SUPPORTED
    assert mc.verdict_prediction([(math.inf, math.inf), (2.0, 2.1)])[0] == SUPPORTED
    assert mc.verdict_prediction([(math.inf, 3.0)])[0] == NOT_SUPPORTED


def test_gain_noise_and_strategy_helpers():
    assert output_snr_gain(np.full((3, 2), 4.0), np.full((3, 2), 1.0)) == pytest.approx(2.0)
    assert output_snr_gain([[1.0, 7.0]], [[1.0, 1.0]]) == pytest.approx(2.0)     # sums, not per neuron
    assert output_snr_gain(np.ones((3, 2)), np.full((3, 2), 0.5 * CANCELLED)) == math.inf
    nz = noise_list("MC", 0.1, "hidden", 4)
    assert nz[0] is None and nz[3] is None and nz[1] == nz[2] == fn.Noise(multiplicative_correlated=0.1)
    assert noise_list("AU", 0.1, "layer2", 4)[2] == fn.Noise(additive=0.1)
    assert [n is None for n in noise_list("AC", 0.1, "hidden+output", 3)] == [True, False, False]
    net = fn.random_dense([5, 6, 4, 3], seed=1)
    assert strategy_network(net, "ghost+pool", 3).widths == (5, 21, 15, 3)
    assert strategy_network(net, "none", 3) is net
    assert total_steps(QUICK) > 0


def test_quick_study_end_to_end(tmp_path, capsys):
    out = tmp_path / "m"
    code, stdout, _ = run_cli(capsys, "paper", "mitigation", "--quick", "--out", str(out), "--quiet")
    assert code == 0
    lines = stdout.splitlines()
    assert [ln.split(":")[0] for ln in lines if ln.startswith("claim ")] == [f"claim M{i}" for i in range(1, 12)]
    summary = json.loads((out / "mitigation.json").read_text())
    assert {c["verdict"] for c in summary["claims"]} <= VERDICTS
    assert summary["results"]["seconds"]["training_networks"] > 0
    for name, info in summary["tables"].items():                      # CSV and JSON agree
        assert read_csv(out / info["file"]).summary() == {k: v for k, v in info.items() if k != "file"}
    assert sorted(summary["plots"]) == ["mitigation_accuracy.png", "mitigation_placement.png",
                                        "mitigation_snr_gain.png", "mitigation_training.png"]
    md = (out / "mitigation.md").read_text()
    assert "| M1 | [S22]" in md and "--quick: small settings" in md
    assert f"Made by `fastnoise paper mitigation --out {out} --quick`" in md
    acc = read_csv(out / "mitigation_accuracy.csv")
    assert set(acc["strategy"]) == {"none", "pool", "ghost", "ghost+pool"}
    assert np.all((acc["accuracy"] >= 0) & (acc["accuracy"] <= 1))
    snr = read_csv(out / "mitigation_snr.csv")
    ac = snr.where("kind", "AC").where("strategy", "ghost")         # a ghost cancels it exactly
    assert np.all(np.isinf(ac["snr_gain"])) and np.all(np.isinf(ac["predicted_snr_gain"]))
    trained = fn.Network.load(out / "networks" / "S.h5")
    assert trained.widths == (784, 20, 10) and trained.activations[-1].name == "softmax"
    # a second run reuses the trained networks (same recipes) and writes no plots with --no-plots
    code, _, _ = run_cli(capsys, "paper", "mitigation", "--quick", "--out", str(out), "--quiet", "--no-plots")
    assert code == 0
    again = json.loads((out / "mitigation.json").read_text())
    assert "training_networks" not in again["results"]["seconds"] and again["plots"] == []
    assert read_csv(out / "mitigation_accuracy.csv").summary() == acc.summary()     # deterministic


def test_networks_trained_otherwise_are_not_replaced(tmp_path, capsys):
    """A network file in DIR/networks without this study's recipe is refused, one line, and
    left as it is; --overwrite retrains it."""
    folder = tmp_path / "networks"
    folder.mkdir()
    mine = fn.random_dense([784, 20, 10], seed=3)
    mine.save(folder / "S.h5")
    before = (folder / "S.h5").read_bytes()
    code, _, err = run_cli(capsys, "paper", "mitigation", "--quick", "--out", str(tmp_path), "--quiet")
    assert code != 0 and "trained with other settings" in err and "--overwrite" in err
    assert len(err.strip().splitlines()) == 1 and (folder / "S.h5").read_bytes() == before
    code, _, _ = run_cli(capsys, "paper", "mitigation", "--quick", "--out", str(tmp_path), "--quiet",
                         "--no-plots", "--overwrite")
    assert code == 0 and (folder / "S.h5").read_bytes() != before
    assert fn.Network.load(folder / "S.h5").activations[-1].name == "softmax"
