"""Reservoir runs in stores: rows labelled ``time``, results equal to an in-memory run, and
SIGKILL at chosen points of the write sequence followed by ``resume=True``: the store stays
readable, its done rows are already the final bits, and the completed run equals an
unbroken one bit for bit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import fastnoise as fn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORKER = os.path.join(HERE, "scripts", "reservoir_worker.py")
sys.path.insert(0, os.path.join(HERE, "scripts"))
import reservoir_worker  # noqa: E402


def _reference():
    return fn.simulate(**reservoir_worker.workload())


def _same(result, ref, done=None):
    for name in ("mean", "var", "noiseless_x", "noiseless_xt"):
        for a, b in zip(getattr(result, name), getattr(ref, name)):
            if done is None:
                assert np.array_equal(a, b), name
            else:
                assert np.array_equal(a[done], b[done]), name
    rows = slice(None) if done is None else done
    assert np.array_equal(result.samples[0][rows], ref.samples[0][rows])      # raw samples
    assert np.array_equal(result.samples[1], [1, 2]) and np.array_equal(result.samples[2], [3, 0])
    if done is None:                    # histograms summed over time: only a whole run's
        assert np.array_equal(result.histogram[0], ref.histogram[0])


def test_store_holds_the_in_memory_bits_with_time_labelled(tmp_path):
    ref = _reference()
    got = fn.simulate(**reservoir_worker.workload(), store=tmp_path / "r.h5")
    _same(got, ref)
    with fn.open_store(tmp_path / "r.h5") as st:
        run = st.run("run0")
        _same(run.to_result(), ref)
        assert list(run.group["var_1"].dims[0].keys()) == ["time"]
        assert [list(d.keys()) for d in run.group["samples"].dims] == [["time"], ["repeat"], ["sample"]]
        assert [list(d.keys()) for d in run.group["hist"].dims] == [["time"], ["layer"], ["bin"]]
        # every step counts each layer's K × I_n values once
        per_step = run.group["hist"][()].sum(axis=2)
        assert np.array_equal(per_step, np.tile([16, 16 * 40, 16], (240, 1)))
        assert run.network().digest() == reservoir_worker.workload()["net"].digest()
    with pytest.raises(FileExistsError, match="overwrite=True"):
        fn.simulate(**reservoir_worker.workload(), store=tmp_path / "r.h5")
    with pytest.raises(ValueError, match="other settings"):
        fn.simulate(**dict(reservoir_worker.workload(), seed=6), store=tmp_path / "r.h5", resume=True)


def _run_worker(path, how, kill_at):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.Popen([sys.executable, WORKER, str(path), how], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    seen = 0
    for line in p.stdout:
        if line.startswith("flush"):
            seen += 1
            if seen == kill_at:
                os.kill(p.pid, signal.SIGKILL)
                break
    p.wait(timeout=120)
    p.stdout.close()
    err = p.stderr.read()
    p.stderr.close()
    return p.returncode, err


@pytest.mark.slow
def test_sigkill_then_resume_gives_the_unbroken_bits(tmp_path):
    ref = _reference()
    path = tmp_path / "r.h5"
    done_before = 0
    kills = 0
    partial = []
    # four flushes per block (results, checkpoint data, checkpoint step, done flags): the kill
    # points fall in every phase (mod 4), each process getting a few blocks further
    for kill_at in (2, 6, 11, 16, 21, 9, 8, 13):
        how = "resume" if path.exists() else "fresh"
        rc, err = _run_worker(path, how, kill_at)
        if rc == 0:
            break
        assert rc == -signal.SIGKILL, err
        kills += 1
        if not path.exists():
            continue
        with fn.open_store(path) as st:                    # readable after any kill
            run = st.run("run0")
            done = run.done
            k = int(done.sum())
            assert not done[k:].any(), "done flags are a prefix of time"
            assert k >= done_before
            done_before = k
            partial.append(k)
            _same(run.to_result(), ref, done)
    assert kills >= 6 and sum(0 < k < 240 for k in partial) >= 3, partial
    rc, err = _run_worker(path, "resume" if path.exists() else "fresh", kill_at=10 ** 9)
    assert rc == 0, err
    with fn.open_store(path) as st:
        run = st.run("run0")
        assert run.done.all() and run.status == "complete"
        _same(run.to_result(), ref)


def test_compare_reads_a_reservoir_store(tmp_path):
    kw = reservoir_worker.workload()
    kw.update(mode="open", repeats=2000)
    path = tmp_path / "r.h5"
    fn.simulate(**kw, store=path, keep=False)
    pred = fn.predict(kw["net"], kw["inputs"], kw["noise"], mode="open")
    with fn.open_store(path) as st:                      # the inputs match their recorded digest
        np.testing.assert_array_equal(st.run().inputs, kw["inputs"])
    table = fn.compare(str(path), pred)
    assert table.method == "reservoir-moments" and table.repeats == 2000
    for row in table.layers:        # the total over steps: within 5 s.e. plus the closure's 2 %
        assert abs(row.ratio - 1) < 5 * np.sqrt(2 / 2000) + 0.02, row


def test_compare_command_on_a_reservoir_store(tmp_path, capsys):
    from fastnoise.cli import main

    kw = dict(reservoir_worker.workload(), repeats=200)
    path = tmp_path / "r.h5"
    fn.simulate(**kw, store=path, keep=False)
    assert main(["compare", str(path)]) == 0
    out = capsys.readouterr().out
    assert "reservoir-moments" in out
