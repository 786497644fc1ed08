"""The ESN study (fastnoise paper esn): its verdict rules on synthetic numbers, and a --quick
run through the command line that writes every file."""

from __future__ import annotations

import json
import os

import pytest

from fastnoise.paper.claims import NOT_SUPPORTED, PARTLY, SUPPORTED
from fastnoise.paper.esn_claims import (LOST, RHO, verdict_controlled, verdict_lost, verdict_prediction,
                                        verdict_training)


def test_verdict_rules():
    assert verdict_controlled({"a": RHO, "b": 0.95})[0] == SUPPORTED
    assert verdict_controlled({"a": RHO - 0.01, "b": 0.95})[0] == PARTLY
    assert verdict_lost([0.01, LOST], 0.01)[0] == SUPPORTED
    assert verdict_lost([LOST * 0.9, 0.01], 0.01)[0] == NOT_SUPPORTED
    assert verdict_lost([1.0], LOST)[0] == NOT_SUPPORTED          # open loop lost too: no contrast
    se = 0.01
    assert verdict_training({"AU": (1.0, 0.9), "AC": (1.0, 0.5)}, se)[0] == SUPPORTED
    assert verdict_training({"AU": (1.0, 0.98), "AC": (1.0, 0.5)}, se)[0] == PARTLY
    assert verdict_prediction({"AU": 0.674 * se + 0.02, "AC": 0.0}, se)[0] == SUPPORTED
    assert verdict_prediction({"AU": 0.1, "AC": 0.0}, se)[0] == PARTLY


def test_quick_study_writes_every_file(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    from fastnoise.cli import main

    assert main(["paper", "esn", "--quick", "--quiet", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for cid in ("E1", "E2", "E3", "E4"):
        assert f"claim {cid}:" in out
    for name in ("intensity", "readouts", "matrices", "loop", "training"):
        assert os.path.getsize(tmp_path / f"esn_{name}.csv") > 0
    summary = json.loads((tmp_path / "esn.json").read_text())
    assert [c["id"] for c in summary["claims"]] == ["E1", "E2", "E3", "E4"]
    assert len(summary["plots"]) == 4 and all((tmp_path / p).exists() for p in summary["plots"])
    md = (tmp_path / "esn.md").read_text()
    assert "--quick" in md and "| E2 |" in md
