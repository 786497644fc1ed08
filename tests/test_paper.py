"""``fastnoise paper``: figures, stores reused or refused, CSV/JSON consistency, claims.

Figures are made with tiny settings through the Python API (and Fig. 3 once
through the command line with ``--quick``); the claim verdicts are tested on
synthetic numbers.  The trained-network figures need the MNIST and
Fashion-MNIST test sets (``$FASTNOISE_DATA``, else ``../shared/data`` beside
the repository) and skip without them.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import importlib

import numpy as np
import pytest

from fastnoise.cli import main
from fastnoise.io.errors import StoreError
from fastnoise.paper import claims as C
from fastnoise.paper import make
from fastnoise.paper.settings import Fig3Settings, Fig4Settings, Settings, TrainedSettings
from fastnoise.paper.tables import Table, read_csv

REPO = Path(__file__).resolve().parent.parent
fsim = importlib.import_module("fastnoise.simulate")    # the module (fastnoise.simulate is the function)

TINY = Settings(
    fig3=Fig3Settings(repeats=12, inputs=15, width=6),
    fig4=Fig4Settings(repeats=12, inputs=9, hidden=6, width=6, alphas_b=(2.0, 3.0),
                      depth_alphas=(1.5, 2.0, 2.5, 3.0), lamerey_alphas=(2.0, 3.0),
                      depth_hidden=8, depth_repeats=150, depth_copies=1, analytic_depth=12,
                      order_layers=(2, 4), max_order=6),
    trained=TrainedSettings(repeats=8, count_a=6, count_b=6, count_c=6, claim5_count=4,
                            hist_bins=10, max_points=300),
    quick=True)


@pytest.fixture
def counter(monkeypatch):
    """Counts the calls of fastnoise.simulate.simulate (what ensure_runs computes with)."""
    calls = []
    real = fsim.simulate

    def counting(*args, **kwargs):
        calls.append(kwargs.get("run"))
        return real(*args, **kwargs)

    monkeypatch.setattr(fsim, "simulate", counting)
    return calls


@pytest.fixture(scope="module")
def data_dir():
    env = os.environ.get("FASTNOISE_DATA")
    root = Path(env) if env else REPO.parent / "shared" / "data"
    if not (root / "mnist").is_dir() or not (root / "fashion-mnist").is_dir():
        pytest.skip("MNIST / Fashion-MNIST not available (set FASTNOISE_DATA)")
    return root


def _summary(out, name):
    with open(out / f"{name}.json", encoding="utf-8") as f:
        return json.load(f)


def _check_tables(out, summary):
    """Every CSV exists and its row count and column sums equal the JSON's."""
    for key, info in summary["tables"].items():
        t = read_csv(out / info["csv"])
        assert t.n_rows == info["rows"] and list(t.columns) == info["columns"]
        for col, total in info["sums"].items():
            x = t[col].astype(float)
            assert math.isclose(math.fsum(x[np.isfinite(x)].tolist()), total,
                                rel_tol=1e-12, abs_tol=1e-300), (key, col)
            assert int((~np.isfinite(x)).sum()) == info["nonfinite"][col]


# -------------------------------------------------------------------------- verdict rules

def test_verdict_bifurcation_on_synthetic_numbers():
    good = {"1.5": 0.5, "2": 1.02, "2.5": 3.0, "3": 30.0}
    assert C.verdict_bifurcation(good)[0] == C.SUPPORTED
    assert C.verdict_bifurcation(dict(good, **{"2": 1.3}))[0] == C.PARTLY       # only α = 2 off
    assert C.verdict_bifurcation(dict(good, **{"3": 0.9}))[0] == C.NOT_SUPPORTED
    assert C.verdict_bifurcation({})[0] == C.NOT_EVALUATED


def test_verdict_bounded_on_synthetic_numbers():
    row = {"rel_change": 1e-4, "snr_limit": 2.0, "snr_last": 2.01, "snr_last_minus5": 2.02,
           "n95": 5}
    assert C.verdict_bounded({"3": row}, depth_hidden=24)[0] == C.SUPPORTED
    assert C.verdict_bounded({"3": dict(row, rel_change=0.2)})[0] == C.NOT_SUPPORTED
    assert C.verdict_bounded({"3": dict(row, snr_last=1.0)})[0] == C.PARTLY     # below the floor
    assert C.verdict_bounded({"3": dict(row, snr_last_minus5=3.0)})[0] == C.PARTLY  # still falling
    # a slowly settling α (n95 beyond the simulated depth) is not required to be flat
    assert C.verdict_bounded({"2.1": dict(row, n95=60, snr_last_minus5=3.0)},
                             depth_hidden=24)[0] == C.SUPPORTED


def test_verdict_saturation_on_synthetic_numbers():
    rows = {"2.5": {"S_star": 0.05, "n95": 18, "sim_over_star": 1.0, "n95_sim": 17},
            "3": {"S_star": 0.1, "n95": 10, "sim_over_star": 1.02, "n95_sim": 10},
            "4": {"S_star": 0.2, "n95": 6, "sim_over_star": 0.97, "n95_sim": 6}}
    assert C.verdict_saturation(rows, depth_hidden=24)[0] == C.SUPPORTED
    bad_sim = {k: dict(v, sim_over_star=0.5) for k, v in rows.items()}
    assert C.verdict_saturation(bad_sim, depth_hidden=24)[0] == C.PARTLY
    both = {k: dict(v, sim_over_star=0.5, S_star=1.0 / v["S_star"]) for k, v in rows.items()}
    assert C.verdict_saturation(both, depth_hidden=24)[0] == C.NOT_SUPPORTED


def test_verdict_orders_on_synthetic_numbers():
    first = [0.01, 0.02, 0.05, 0.2, 0.5, 1.0]
    assert C.verdict_orders(first, [0.005] * 6, 6)[0] == C.SUPPORTED
    assert C.verdict_orders(first, [0.005, 0.01, None, None, None, None], 6)[0] == C.PARTLY
    assert C.verdict_orders([0.01] * 6, [0.0] * 6, 6)[0] == C.NOT_SUPPORTED        # no growth
    assert C.verdict_orders(first, [1.0] * 6, 6)[0] == C.NOT_SUPPORTED


def test_verdict_correlated_trained_and_densities_on_synthetic_numbers():
    assert C.verdict_correlated({"x": (0.1, 1.0), "y": (0.2, 1.0)})[0] == C.SUPPORTED
    assert C.verdict_correlated({"x": (0.1, 1.0), "y": (0.9, 1.0)})[0] == C.PARTLY
    assert C.verdict_correlated({"x": (0.9, 1.0)})[0] == C.NOT_SUPPORTED
    assert C.verdict_trained({"A": 1.0, "B": 0.9, "C": 1.2})[0] == C.SUPPORTED
    assert C.verdict_trained({"A": 1.0, "B": 0.9, "C": 0.4})[0] == C.PARTLY
    assert C.verdict_trained({"A": 0.5, "B": 2.0})[0] == C.NOT_SUPPORTED
    e = {"2": {"uniform": 0.05, "normal": 0.04, "quartic": 0.01}}
    assert C.verdict_densities(e)[0] == C.SUPPORTED
    assert C.verdict_densities({"2": {"uniform": 0.05, "normal": 0.04, "quartic": 0.045}})[0] \
        == C.PARTLY
    assert C.verdict_densities({"2": {"uniform": 0.01, "normal": 0.04, "quartic": 0.05}})[0] \
        == C.NOT_SUPPORTED


def test_table_csv_round_trip_and_summary(tmp_path):
    t = Table.concat([Table({"series": "a", "x": np.array([0.1, np.nan, 1 / 3])}),
                      Table({"series": "b", "y": np.array([np.inf, 2.0])})])
    t.to_csv(tmp_path / "t.csv")
    back = read_csv(tmp_path / "t.csv")
    assert back["series"].tolist() == ["a", "a", "a", "b", "b"]
    np.testing.assert_array_equal(back["x"][:3], t["x"][:3])           # repr: exact floats
    s = t.summary()
    assert s["rows"] == 5 and s["nonfinite"] == {"x": 3, "y": 4}
    assert s["sums"]["x"] == 0.1 + 1 / 3 and s["sums"]["y"] == 2.0


# ------------------------------------------------------------------------------ figures

def test_fig3_files_numbers_reuse_and_refusal(tmp_path, counter):
    pytest.importorskip("matplotlib")
    out = tmp_path / "out"
    make(["fig3"], out, settings=TINY)
    assert len(counter) == 12                                   # six panels, two networks
    for f in ["fig3.h5", "fig3.json", "fig3.png", "fig3.pdf", "claims.json", "paper.md"] + \
             [f"fig3_{k}.csv" for k in "abcdef"]:
        assert (out / f).is_file(), f
    s = _summary(out, "fig3")
    assert set(s["runs"].values()) == {"computed"}
    _check_tables(out, s)
    # the JSON's derived numbers are those of the CSV
    for key in "abcdef":
        t = read_csv(out / f"fig3_{key}.csv").where("series", "network")
        p = s["results"]["panels"][key]
        snr = t["snr"][np.isfinite(t["snr"])]
        assert math.isclose(p["snr_median_network"], float(np.median(snr)), rel_tol=1e-12)
        q = t["pred_first_order_var"] / t["var"]
        assert math.isclose(p["var_ratio_first_order_median"],
                            float(np.median(q[np.isfinite(q)])), rel_tol=1e-12)
    # a second call reuses every run: nothing simulated, the store file untouched
    store = out / "fig3.h5"
    stamp = store.stat().st_mtime_ns
    make(["fig3"], out, settings=TINY, plots=False)
    assert len(counter) == 12 and store.stat().st_mtime_ns == stamp
    assert set(_summary(out, "fig3")["runs"].values()) == {"reused"}
    # other settings are refused before anything is computed ...
    changed = TINY.with_(fig3=Fig3Settings(repeats=13, inputs=15, width=6))
    with pytest.raises(StoreError, match="--overwrite") as err:
        make(["fig3"], out, settings=changed)
    assert "\n" not in str(err.value) and "repeats" in str(err.value)
    assert len(counter) == 12 and store.stat().st_mtime_ns == stamp
    # ... and replaced with overwrite
    make(["fig3"], out, settings=changed, overwrite=True, plots=False)
    assert set(_summary(out, "fig3")["runs"].values()) == {"replaced"}
    assert len(counter) == 24


def test_fig4_panels_and_claims_from_the_numbers(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "out"
    done, claims = make(["fig4"], out, settings=TINY)
    s = _summary(out, "fig4")
    assert {"fig4a.png", "fig4b.png", "fig4c.png", "fig4d.png", "fig4d.pdf"} <= set(s["plots"])
    _check_tables(out, s)
    res = s["results"]
    # panel (d): every second Taylor order adds nothing at the inflection point x̃ = 0.5
    d = read_csv(out / "fig4_d.csv")
    for hl, o in res["orders"].items():
        rel = d.where("hidden_layer", float(hl))["rel_error"]
        np.testing.assert_array_equal(rel, np.array(o["rel_error"], float))
        assert o["pairs_equal"]
    # the bifurcation ratios in the JSON are those of the depth table
    dep = read_csv(out / "fig4_depth.csv")
    for a, row in res["depth"].items():
        v = dep.where("alpha", float(a)).where("layer", float(TINY.fig4.hidden))["var_simulated"]
        v1 = dep.where("alpha", float(a)).where("layer", 1.0)["var_simulated"]
        assert math.isclose(row["var_ratio_layer_hidden_vs_first"], float(v[0] / v1[0]),
                            rel_tol=1e-12)
    # claims 1–4 are judged on these numbers, and the report shows them
    by_id = {c.id: c for c in claims}
    ratios = {a: r["var_ratio_layer_hidden_vs_first"] for a, r in res["depth"].items()}
    assert by_id["2"].verdict == C.verdict_bifurcation(ratios)[0]
    for cid in "1234":
        assert by_id[cid].verdict in (C.SUPPORTED, C.PARTLY, C.NOT_SUPPORTED)
    for cid in ("5", "6", "6b"):
        assert by_id[cid].verdict == C.NOT_EVALUATED
    report = (out / "paper.md").read_text(encoding="utf-8")
    assert "| # | Claim (paper) | Measured | Criterion | Verdict |" in report
    for cid in ("1", "2", "3", "4", "5", "6", "6b"):
        line = next(ln for ln in report.splitlines() if ln.startswith(f"| {cid} |"))
        assert f"**{by_id[cid].verdict}**" in line
    stored = json.loads((out / "claims.json").read_text())["claims"]
    assert [c["verdict"] for c in stored] == [c.verdict for c in claims]


def test_fig5_fig6_share_network_a_and_match_their_tables(tmp_path, data_dir, counter):
    pytest.importorskip("matplotlib")
    out = tmp_path / "out"
    make(["fig5"], out, settings=TINY, data=data_dir)
    assert len(counter) == 7                     # A, B, C and the four claim-5 runs of A
    make(["fig6"], out, settings=TINY, data=data_dir)
    assert len(counter) == 7                     # Fig. 6 reuses network A's run
    s5, s6 = _summary(out, "fig5"), _summary(out, "fig6")
    assert s6["runs"] == {"A": "reused"} and s6["store"] == s5["store"] == "trained.h5"
    for s in (s5, s6):
        _check_tables(out, s)
        assert {f"{s['figure']}.png", f"{s['figure']}.pdf"} <= set(s["plots"])
    for key, name in zip("abc", "ABC"):
        t = read_csv(out / f"fig5_{key}.csv")
        pts = Table({k: v[t["series"] != "prediction"] for k, v in t.columns.items()})
        q = pts["pred_eq14_var"] / pts["var"]
        want = s5["results"]["networks"][name]["var_ratio"]["eq14"]["median"]
        assert math.isclose(want, float(np.median(q[np.isfinite(q)])), rel_tol=1e-12)
    hist = read_csv(out / "fig6_d.csv").where("series", "histogram")
    width = hist["x_hi"] - hist["x_lo"]
    assert math.isclose(float(np.sum(hist["density"] * width)), 1.0, rel_tol=1e-9)
    claims = {c["id"]: c for c in json.loads((out / "claims.json").read_text())["claims"]}
    ratios = {k: v["eq14"] for k, v in claims["6"]["numbers"].items()}
    assert claims["6"]["verdict"] == C.verdict_trained(ratios)[0]
    assert claims["6b"]["verdict"] == C.verdict_densities(claims["6b"]["numbers"])[0]


def test_missing_datasets_fail_with_one_actionable_line(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("FASTNOISE_DATA", str(tmp_path / "nothing"))
    for var in ("XDG_CACHE_HOME", "KERAS_HOME", "TORCH_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    code = main(["paper", "fig5", "--out", str(tmp_path / "out"), "--quick", "--no-plots"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("fastnoise: error: ")
    assert "network A needs the MNIST" in err[0] and "FASTNOISE_DATA" in err[0]
    assert not (tmp_path / "out" / "trained.h5").exists()
    code = main(["paper", "fig6", "--out", str(tmp_path / "out"), "--networks", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "--networks" in err[0]


def test_cli_quick_fig3_then_refusal(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["paper", "fig3", "--out", str(out), "--quick", "--quiet", "--no-plots"]) == 0
    text = capsys.readouterr().out
    assert "fig3: done in" in text and "12 computed" in text and "paper.md" in text
    assert _summary(out, "fig3")["quick"] is True and _summary(out, "fig3")["plots"] == []
    assert "Quick settings" in (out / "paper.md").read_text(encoding="utf-8")
    code = main(["paper", "fig3", "--out", str(out), "--quiet"])          # full ≠ quick
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "--overwrite" in err[0]


def test_interrupted_run_is_resumed_not_recomputed(tmp_path, counter):
    import h5py

    import fastnoise as fn
    from fastnoise.paper.runs import RunSpec, ensure_runs

    net = fn.symmetric([1, 4, 4, 1], alpha=3.0)
    spec = RunSpec("r", net, np.linspace(0, 1, 10)[:, None], fn.Noise(additive=1e-4), 6)
    path = tmp_path / "s.h5"
    first, actions = ensure_runs(path, [spec])
    assert actions == {"r": "computed"}
    with h5py.File(path, "r+") as f:                # as if killed after the first inputs
        f["runs/r/done"][5:] = 0
    again, actions = ensure_runs(path, [spec])
    assert actions == {"r": "resumed"} and len(counter) == 2
    np.testing.assert_array_equal(again["r"].var[3], first["r"].var[3])
    _, actions = ensure_runs(path, [spec])
    assert actions == {"r": "reused"} and len(counter) == 2
