"""``fastnoise paper cnn`` (issue 17.6): the claim rules on synthetic numbers, the quick study
end to end (files agree with each other, every claim gets a verdict, exact identities hold),
and the mean-pooling twin of a network."""

from __future__ import annotations

import json

import numpy as np
import pytest

import fastnoise as fn
from checks import run_cli
from fastnoise.paper import cnn_claims as cc
from fastnoise.paper.claims import NOT_EVALUATED, NOT_SUPPORTED, PARTLY, SUPPORTED
from fastnoise.paper.cnn_study import mean_pooling
from fastnoise.paper.tables import read_csv

VERDICTS = {SUPPORTED, PARTLY, NOT_SUPPORTED, NOT_EVALUATED}


def test_verdict_rules_on_synthetic_numbers():
    assert cc.verdict_more({"AU": 3.0, "AC": 5.0}, {"AU": 1.0, "AC": 2.0})[0] == SUPPORTED
    assert cc.verdict_more({"AU": 3.0, "AC": 1.0}, {"AU": 1.0, "AC": 2.0})[0] == PARTLY
    assert cc.verdict_more({"AU": 0.5}, {"AU": 1.0})[0] == NOT_SUPPORTED
    assert cc.verdict_pooling({"a": 0.25, "b": 0.5})[0] == SUPPORTED           # a halving counts
    assert cc.verdict_pooling({"a": 0.25, "b": 0.6}) == (PARTLY, "ratio ≤ 0.5 in 1 of 2 cases (not: b)")
    assert cc.verdict_pooling({"a": 0.9})[0] == NOT_SUPPORTED
    assert cc.verdict_max_multiplicative({"p2": (2.0, 3.0), "p4": (2.0, 2.5)})[0] == SUPPORTED
    assert cc.verdict_max_multiplicative({"p2": (2.0, 1.5), "p4": (2.0, 2.5)})[0] == PARTLY
    assert cc.verdict_formula({"x": 0.01, "y": 0.02}, 0.05)[0] == SUPPORTED
    assert cc.verdict_formula({"x": 0.01, "y": 0.2}, 0.05)[0] == PARTLY
    assert cc.verdict_prediction({"AU": (0.05, 0.2), "MU": (0.02, 0.1)})[0] == SUPPORTED
    assert cc.verdict_prediction({"AU": (0.15, 0.2), "MU": (0.02, 0.1)})[0] == PARTLY
    assert cc.verdict_prediction({"AU": (0.05, 0.4)})[0] == NOT_SUPPORTED
    assert cc.verdict_accuracy({"AU": (0.10, 0.02, 0.005), "AC": None})[0] == SUPPORTED
    assert cc.verdict_accuracy({"AU": (0.10, 0.09, 0.005)})[0] == NOT_SUPPORTED    # within 3 s.e.
    assert cc.verdict_accuracy({"AU": None})[0] == NOT_EVALUATED


def test_mean_pooling_twin():
    from test_conv import small_cnn

    net = small_cnn()
    twin = mean_pooling(net)
    assert [op.kind for op in twin.ops] == [op.kind.replace("maxpool2d", "avgpool2d") for op in net.ops]
    assert twin.ops[0] is net.ops[0] and twin.widths == net.widths


@pytest.mark.slow
def test_quick_study_end_to_end(tmp_path, capsys):
    out = tmp_path / "c"
    code, stdout, _ = run_cli(capsys, "paper", "cnn", "--quick", "--out", str(out), "--quiet")
    assert code == 0
    lines = stdout.splitlines()
    assert [ln.split(":")[0] for ln in lines if ln.startswith("claim ")] == [f"claim K{i}" for i in range(1, 8)]
    summary = json.loads((out / "cnn.json").read_text())
    assert {c["verdict"] for c in summary["claims"]} <= VERDICTS
    for name, info in summary["tables"].items():                      # CSV and JSON agree
        assert read_csv(out / info["file"]).summary() == {k: v for k, v in info.items() if k != "file"}
    assert sorted(summary["plots"]) == ["cnn_accuracy.png", "cnn_layers.png", "cnn_pooling.png",
                                        "cnn_prediction.png"]
    md = (out / "cnn.md").read_text()
    assert "| K1 |" in md and "--quick: small settings" in md
    assert f"Made by `fastnoise paper cnn --out {out} --quick`" in md
    # exact identities the study relies on: mean pooling of 2×2 independent additive noise
    # on the convolution alone quarters it (up to Monte Carlo error), correlated additive
    # noise passes a mean pooling unchanged
    pool = read_csv(out / "cnn_pooling.csv")
    first = pool.where("network", "CNN-mean").where("pool_layer", 2)
    assert abs(float(first.where("kind", "AU")["ratio"][0]) - 0.25) < 0.25 * 4 * np.sqrt(2 / (20 * 60))
    assert abs(float(first.where("kind", "AC")["ratio"][0]) - 1.0) < 1e-6
    layers = read_csv(out / "cnn_layers.csv")
    inp = layers.where("network", "dense").where("kind", "AU").where("layer", 0)
    assert abs(float(inp["var_over_2D"][0]) - 1.0) < 4 * np.sqrt(2 / 20)  # the input layer's own noise
    acc = read_csv(out / "cnn_accuracy.csv")
    assert np.all((acc["accuracy"] >= 0) & (acc["accuracy"] <= 1))
    assert set(acc["network"]) == {"CNN-max", "CNN-mean", "dense"}


def test_missing_cnn_file_is_one_line(tmp_path, capsys):
    code, _, err = run_cli(capsys, "paper", "cnn", "--quick", "--out", str(tmp_path / "o"), "--quiet",
                           "--networks", str(tmp_path))
    assert code != 0
    assert "cnn_mnist.h5: no such file" in err and len(err.strip().splitlines()) == 1
