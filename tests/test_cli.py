"""The ``fastnoise`` command line, run in-process (and once as ``python -m fastnoise``)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

import fastnoise as fn
from checks import assert_one_line_error
from checks import run_cli as run

ROOT = Path(__file__).resolve().parent.parent

TINY = """
repeats = 8
seed = 2
[network]
kind = "symmetric"
widths = [1, 5, 5, 1]
[noise]
additive = 1e-4
multiplicative = 1e-3
[inputs]
kind = "linspace"
count = 20
"""


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    return path


# -- simulate --------------------------------------------------------------------

def test_simulate_writes_a_complete_store(capsys, tmp_path, tiny):
    out_path = tmp_path / "out.h5"
    code, out, err = run(capsys, "simulate", tiny, "--out", out_path, "--quiet")
    assert code == 0, err
    assert err == ""
    assert "run run0: complete, 20/20 inputs, network 1-5-5-1, 8 repeats, seed 2" in out
    assert "SNR median" in out and f"store: {out_path}" in out and "wall time:" in out
    with fn.Store(out_path) as store:
        r = store.run()
        assert r.status == "complete" and r.done.all()
        expected = fn.simulate(fn.symmetric([1, 5, 5, 1]), np.linspace(0, 1, 20),
                               fn.Noise(additive=1e-4, multiplicative=1e-3), repeats=8, seed=2)
        np.testing.assert_array_equal(r.var(3), expected.var[3])


def test_progress_goes_to_stderr(capsys, tmp_path, tiny):
    code, out, err = run(capsys, "simulate", tiny, "--out", tmp_path / "o.h5")
    assert code == 0
    assert "20/20 inputs" in err and "ETA" in err
    assert "ETA" not in out


def test_block_and_threads_do_not_change_results(capsys, tmp_path, tiny):
    assert run(capsys, "simulate", tiny, "--out", tmp_path / "a.h5", "-q")[0] == 0
    assert run(capsys, "simulate", tiny, "--out", tmp_path / "b.h5", "-q",
               "--block", "3", "--threads", "1")[0] == 0
    with fn.Store(tmp_path / "a.h5") as a, fn.Store(tmp_path / "b.h5") as b:
        for n in range(4):
            np.testing.assert_array_equal(a.run().var(n), b.run().var(n))


def test_existing_out_is_left_byte_for_byte_unchanged(capsys, tmp_path, tiny):
    out_path = tmp_path / "out.h5"
    out_path.write_bytes(b"precious data, not a store")
    before = out_path.read_bytes()
    code, out, err = run(capsys, "simulate", tiny, "--out", out_path)
    assert_one_line_error(code, err, str(out_path), "exists", "--overwrite")
    assert "ETA" not in err  # refused before the progress bar starts
    assert out_path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.h5", "tiny.toml"]


def test_existing_store_is_left_unchanged_too(capsys, tmp_path, tiny):
    out_path = tmp_path / "out.h5"
    assert run(capsys, "simulate", tiny, "--out", out_path, "-q")[0] == 0
    before = out_path.read_bytes()
    other = tmp_path / "other.toml"
    other.write_text(tiny.read_text().replace("seed = 2", "seed = 3"))
    code, _, err = run(capsys, "simulate", other, "--out", out_path, "-q")
    assert_one_line_error(code, err, "exists", "--overwrite")
    assert out_path.read_bytes() == before


def test_documented_command_runs_twice(capsys, tmp_path, tiny):
    """The README's main job, run a second time, reuses the identical complete run
    as it is (issue 13, item 7); the file is not written."""
    out_path = tmp_path / "out.h5"
    code, first, err = run(capsys, "simulate", tiny, "--out", out_path, "-q")
    assert code == 0, err
    before, mtime = out_path.read_bytes(), out_path.stat().st_mtime_ns
    code, second, err = run(capsys, "simulate", tiny, "--out", out_path, "-q")
    assert code == 0, err
    assert "already holds this run, complete" in second
    table = lambda text: [ln for ln in text.splitlines() if not ln.startswith(("wall time", out_path.name))]
    assert table(second)[1:] == table(first)  # the same summary, read from the store
    assert out_path.read_bytes() == before and out_path.stat().st_mtime_ns == mtime


def test_overwrite_replaces(capsys, tmp_path, tiny):
    out_path = tmp_path / "out.h5"
    out_path.write_bytes(b"old")
    code, _, err = run(capsys, "simulate", tiny, "--out", out_path, "-q", "--overwrite")
    assert code == 0, err
    with fn.Store(out_path) as store:
        assert store.runs() == ["run0"] and store.run().status == "complete"


def test_resume_starts_a_missing_store_and_completes_a_partial_one(capsys, tmp_path, tiny):
    out_path = tmp_path / "out.h5"
    code, out, err = run(capsys, "simulate", tiny, "--out", out_path, "-q", "--resume")
    assert code == 0, err
    with fn.Store(out_path) as store:
        full = store.run().var(2)
    # forget half of the inputs, as an interrupted run would
    with h5py.File(out_path, "r+") as f:
        f["runs/run0/done"][10:] = 0
        f["runs/run0/var_2"][10:] = np.nan
        f["runs/run0"].attrs["status"] = np.bytes_(b"running".ljust(16))
    code, out, err = run(capsys, "info", out_path)
    assert code == 0 and "10/20 done" in out and "incomplete" in out
    code, out, err = run(capsys, "simulate", tiny, "--out", out_path, "-q", "--resume")
    assert code == 0, err
    assert "complete, 20/20 inputs" in out
    with fn.Store(out_path) as store:
        np.testing.assert_array_equal(store.run().var(2), full)


def test_resume_with_another_config_is_refused(capsys, tmp_path, tiny):
    out_path = tmp_path / "out.h5"
    assert run(capsys, "simulate", tiny, "--out", out_path, "-q")[0] == 0
    tiny.write_text(TINY.replace("seed = 2", "seed = 3"))
    code, _, err = run(capsys, "simulate", tiny, "--out", out_path, "-q", "--resume")
    assert_one_line_error(code, err, "different configuration")


def test_keyboard_interrupt_exits_1_and_mentions_resume(capsys, tmp_path, tiny, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sys.modules["fastnoise.simulate"], "simulate", interrupted)
    code, _, err = run(capsys, "simulate", tiny, "--out", tmp_path / "o.h5", "-q")
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and "--resume" in err and "Traceback" not in err


# -- errors: one line, exit 2, no traceback ------------------------------------------

def bad_config(tmp_path, text):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, words", [
    ("repeat = 3\n" + TINY, ["unknown key 'repeat' in [top level]; did you mean 'repeats'?"]),
    (TINY.replace("additive = 1e-4", "additive = -1e-4"), ["additive", "≥ 0, got -0.0001"]),
    (TINY.replace("additive = 1e-4", "additive = nan"), ["additive", "finite", "got nan"]),
    (TINY.replace("repeats = 8", "repeats = 1"), ["repeats = 1", "≥ 2"]),
    (TINY.replace('kind = "linspace"\ncount = 20', 'kind = "npy"\npath = "missing.npy"'),
     ["missing.npy", "no such file"]),
    ("repeats = [\n", ["invalid TOML"]),
])
def test_config_errors(capsys, tmp_path, text, words):
    code, out, err = run(capsys, "simulate", bad_config(tmp_path, text), "--out", tmp_path / "o.h5")
    assert_one_line_error(code, err, "bad.toml", *words)
    assert out == "" and not (tmp_path / "o.h5").exists()


def test_npy_inputs_that_do_not_fit_a_file_network(capsys, tmp_path):
    fn.random_dense([2, 3, 1], seed=1).save(tmp_path / "net.h5")
    np.save(tmp_path / "u.npy", np.zeros((5, 3)))
    text = '[network]\nkind = "file"\npath = "net.h5"\n[inputs]\nkind = "npy"\npath = "u.npy"\n'
    code, _, err = run(capsys, "simulate", bad_config(tmp_path, text), "--out", tmp_path / "o.h5")
    assert_one_line_error(code, err, "u.npy", "(T, 2)", "(5, 3)")
    u = np.zeros((5, 2))
    u[2, 1] = np.nan
    np.save(tmp_path / "u.npy", u)
    code, _, err = run(capsys, "simulate", bad_config(tmp_path, text), "--out", tmp_path / "o.h5")
    assert_one_line_error(code, err, "nan at row 2, column 1")


def test_missing_files(capsys, tmp_path, tiny):
    code, _, err = run(capsys, "simulate", tmp_path / "nope.toml", "--out", tmp_path / "o.h5")
    assert_one_line_error(code, err, "nope.toml", "no such config file")
    code, _, err = run(capsys, "simulate", tiny, "--out", tmp_path / "no" / "o.h5")
    assert_one_line_error(code, err, "does not exist")
    code, _, err = run(capsys, "info", tmp_path / "nope.h5")
    assert_one_line_error(code, err, "nope.h5", "no such file")


def test_info_on_files_that_are_not_stores(capsys, tmp_path, tiny):
    code, _, err = run(capsys, "info", tiny)
    assert_one_line_error(code, err, "tiny.toml", "not a readable HDF5 file")
    with h5py.File(tmp_path / "plain.h5", "w") as f:
        f["x"] = np.arange(3)
    code, _, err = run(capsys, "info", tmp_path / "plain.h5")
    assert_one_line_error(code, err, "plain.h5", "not a fastnoise store")


def test_usage_errors_are_one_line_too(capsys, tmp_path, tiny):
    code, _, err = run(capsys, "simulate", tiny)
    assert_one_line_error(code, err, "--out")
    code, _, err = run(capsys, "simulate", tiny, "--out", tmp_path / "o.h5", "--resume", "--overwrite")
    assert_one_line_error(code, err, "not allowed")
    code, _, err = run(capsys, "simulate", tiny, "--out", tmp_path / "o.h5", "--threads", "0")
    assert_one_line_error(code, err, "--threads", "positive integer")
    code, _, err = run(capsys)
    assert_one_line_error(code, err, "choose a command")
    code, _, err = run(capsys, "frobnicate")
    assert_one_line_error(code, err, "frobnicate")


# -- info, version, help -------------------------------------------------------------

@pytest.fixture
def store(capsys, tmp_path, tiny):
    text = TINY.replace("[noise]\nadditive = 1e-4\nmultiplicative = 1e-3\n",
                        "[[noise.layers]]\n[[noise.layers]]\nadditive = 1e-4\n"
                        "[[noise.layers]]\nmultiplicative = 1e-3\n[[noise.layers]]\n")
    tiny.write_text(text + "[output]\nsamples = [[3, 0]]\nhistogram = {bins = 5}\n")
    path = tmp_path / "s.h5"
    assert run(capsys, "simulate", tiny, "--out", path, "-q")[0] == 0
    return path


def test_info_text(capsys, store):
    code, out, err = run(capsys, "info", store)
    assert code == 0, err
    for text in ("run run0: complete", "20/20 done", "repeats      8", "seed         2",
                 "widths       1-5-5-1", "layer 0: none", "layer 1: D_A^U=0.0001",
                 "layer 2: D_M^U=0.001", f"fastnoise {fn.__version__}", "created",
                 "SNR median", "samples      [[3, 0]]", "5 bins"):
        assert text in out, text


def test_info_json(capsys, store):
    code, out, err = run(capsys, "info", store, "--run", "run0", "--json")
    assert code == 0, err
    data = json.loads(out)
    (r,) = data["runs"]
    assert r["name"] == "run0" and r["status"] == "complete"
    assert (r["inputs_done"], r["inputs_total"], r["repeats"], r["seed"]) == (20, 20, 8, 2)
    assert r["widths"] == [1, 5, 5, 1] and r["fastnoise_version"] == fn.__version__
    assert r["noise"][1]["additive"] == 1e-4 and r["noise"][0]["additive"] == 0
    assert [row["layer"] for row in r["summary"]] == [0, 1, 2, 3]
    assert r["created"] and data["format_version"] == 1


def test_info_unknown_run(capsys, store):
    code, _, err = run(capsys, "info", store, "--run", "run9")
    assert_one_line_error(code, err, "no run 'run9'", "run0")


def test_version_and_help(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"fastnoise {fn.__version__}"
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "simulate" in out and "info" in out
    code, out, _ = run(capsys, "simulate", "--help")
    assert code == 0 and "--overwrite" in out and "--resume" in out


# -- the real command ----------------------------------------------------------------

def test_python_m_fastnoise_runs_the_quick_example(tmp_path):
    out_path = tmp_path / "quick.h5"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    proc = subprocess.run(
        [sys.executable, "-m", "fastnoise", "simulate", str(ROOT / "examples" / "quick.toml"),
         "--out", str(out_path)], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "100/100" in proc.stderr
    with fn.Store(out_path) as store:
        assert store.run().status == "complete" and store.run().done.all()
