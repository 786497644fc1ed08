"""Sweeps over reservoirs: noise, matrix and time settings as axes, points stored in time.

Every point of a reservoir sweep must be bitwise the run ``fn.simulate`` makes of
the same config, with its rows labelled ``time``; a sweep broken off after some
points resumes to the same store; predictions use the point's own mode and washout.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import fastnoise as fn
from fastnoise.sweep import load_sweep, run_sweep

pytest.importorskip("distributed")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

BASE = """
repeats = 16
seed = 4

[network]
kind = "reservoir"
units = 24
matrix = "uniform"
connectivity = 0.3
spectral_radius = 0.8
leak = 0.7
seed = 2

[inputs]
kind = "linspace"
start = -0.5
stop = 0.5
count = 40

[time]
mode = "open"
washout = 15

[noise]
additive = 1e-4
multiplicative_correlated = 1e-4

[output]
block = 16
"""

SPEC = """
config = "base.toml"

[[axes]]
key = "noise.additive"
logspace = [-6, -4, 2]

[[axes]]
key = "network.spectral_radius"
values = [0.5, 0.95]

[[axes]]
key = "time.mode"
values = ["open", "closed"]
"""


@pytest.fixture(scope="module")
def spec_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("esn_sweep")
    (d / "base.toml").write_text(BASE)
    (d / "spec.toml").write_text(SPEC)
    return d


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address="127.0.0.1:0") as cluster, Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def reference(spec_dir, client):
    """The sweep once, uninterrupted, with predictions."""
    out = spec_dir / "reference.h5"
    summary = run_sweep(load_sweep(spec_dir / "spec.toml"), out, client=client, threads=1,
                        predict="auto")
    assert summary.computed == 8 and summary.already_done == 0
    return out


def test_points_equal_simulate_in_time(spec_dir, reference):
    sweep = load_sweep(spec_dir / "spec.toml")
    modes = set()
    with fn.Store(reference) as st:
        idx = st.sweep_index()
        assert idx.done.all() and idx.n_points == 8
        for i in range(sweep.n_points):
            cfg = sweep.point_config(i)
            assert cfg.is_reservoir
            res = fn.simulate(**cfg.simulate_kwargs(), threads=2)
            run = idx.run(i)
            assert run.status == "complete"
            assert "time" in run.group and "input" not in run.group
            assert run.config_hash == fn.io.store.config_hash(res.config)
            assert run.config["mode"] == sweep.params[i]["time.mode"]
            for n in range(3):
                for kind in ("mean", "var", "noiseless_xt", "noiseless_x"):
                    assert getattr(run, kind)(n).tobytes() == getattr(res, kind)[n].tobytes()
            modes.add(run.config["mode"])
            # the prediction was made with the point's own time settings
            mean, var, method = run.prediction()
            want = fn.predict(cfg.network, cfg.inputs, cfg.noise, **cfg.time)
            assert method == want.method
            for n in range(3):
                np.testing.assert_allclose(var[n], want.var[n], rtol=1e-12, atol=0)
    assert modes == {"open", "closed"}


def test_swept_values_change_the_runs(reference):
    """Each axis acts: more noise, more variance; another radius, another trajectory."""
    with fn.Store(reference) as st:
        idx = st.sweep_index()
        params = idx.params()
        runs = [idx.run(i) for i in range(idx.n_points)]
        by = {(p["noise.additive"], p["network.spectral_radius"], p["time.mode"]): r
              for p, r in zip(params, runs)}
        for rho in (0.5, 0.95):
            for mode in ("open", "closed"):
                lo, hi = by[(1e-6, rho, mode)], by[(1e-4, rho, mode)]
                assert hi.var(1).mean() > 10 * lo.var(1).mean()
        assert not np.array_equal(by[(1e-6, 0.5, "open")].noiseless_x(1),
                                  by[(1e-6, 0.95, "open")].noiseless_x(1))
        closed, opened = by[(1e-6, 0.5, "closed")], by[(1e-6, 0.5, "open")]
        assert np.array_equal(closed.noiseless_x(1)[:15], opened.noiseless_x(1)[:15])
        assert not np.array_equal(closed.noiseless_x(1)[15:], opened.noiseless_x(1)[15:])


def test_table_has_three_layers_per_point(reference):
    pytest.importorskip("pandas")
    df = fn.stats.sweep_table(reference)
    assert len(df) == 8 * 3
    assert sorted(set(df.layer)) == [0, 1, 2]
    assert set(df["time.mode"]) == {"open", "closed"}
    assert np.isfinite(df.var_ratio).all() and np.isfinite(df.snr_median).all()


def test_broken_off_sweep_resumes_to_the_same_store(spec_dir, reference, client, tmp_path):
    """A client stopped after two points keeps them; --resume finishes the rest bitwise."""
    from test_sweep_dask import assert_same_store

    out = tmp_path / "broken.h5"

    class Stop(Exception):
        pass

    def stop_after_two(i, seconds):
        stop_after_two.n += 1
        if stop_after_two.n == 2:
            raise Stop

    stop_after_two.n = 0
    sweep = load_sweep(spec_dir / "spec.toml")
    with pytest.raises(Stop):
        run_sweep(sweep, out, client=client, threads=1, predict="auto", on_point=stop_after_two)
    with fn.Store(out) as st:
        assert st.sweep_index().done.sum() == 2
    summary = run_sweep(sweep, out, client=client, threads=1, predict="auto", resume=True)
    assert summary.already_done == 2 and summary.computed == 6
    assert_same_store(reference, out)


def test_points_keep_samples_and_histograms(client, tmp_path):
    """[output] samples and histogram of a reservoir sweep: per point, those of fn.simulate."""
    (tmp_path / "base.toml").write_text(
        BASE + 'samples = [[1, 0], [2, 0]]\nhistogram = { bins = 6, range = [-1.0, 1.0] }\n')
    (tmp_path / "spec.toml").write_text(SPEC)
    sweep = load_sweep(tmp_path / "spec.toml")
    out = tmp_path / "s.h5"
    run_sweep(sweep, out, client=client, threads=1)
    with fn.Store(out) as st:
        idx = st.sweep_index()
        for i in (0, 7):
            res = fn.simulate(**sweep.point_config(i).simulate_kwargs())
            run = idx.run(i)
            samples, layer, neuron = run.samples()
            assert samples.shape == (40, 16, 2) and list(layer) == [1, 2] and list(neuron) == [0, 0]
            assert samples.tobytes() == res.samples[0].tobytes()
            assert np.array_equal(run.histogram()[0], res.histogram[0])


def test_cli_sweep_of_a_reservoir(spec_dir, reference, tmp_path):
    """'fastnoise sweep' on a reservoir spec: the same store as the Python call."""
    from test_sweep_dask import assert_same_store

    out = tmp_path / "cli.h5"
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, "-m", "fastnoise.cli", "sweep", str(spec_dir / "spec.toml"),
                        "--out", str(out), "--workers", "1", "--threads", "1", "--predict",
                        "--quiet"], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert_same_store(reference, out)
