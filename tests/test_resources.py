"""Sizes that cannot fit are refused before anything is allocated or written (issue 13.4).

Every refusal is one line that gives the estimate and what is available, and a
refused start leaves no file, so that the corrected rerun with the same --out
succeeds.  Available memory is pinned to 16 GB so that the messages do not
depend on the machine.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import fastnoise as fn
from fastnoise.cli import main
from fastnoise.simulate import plan

try:
    from fastnoise import resources
except ImportError:  # fastnoise before issue 13.4: every test below fails on its own assertion
    resources = None
if resources is not None and os.path.dirname(resources.__file__) != os.path.dirname(fn.__file__):
    resources = None  # an editable install's module beside an older checkout on PYTHONPATH

GB = 10 ** 9

BASE = """\
repeats = {repeats}
seed = 1

[network]
kind = "symmetric"
widths = {widths}

[noise]
additive = 1e-4
multiplicative = 1e-3

[inputs]
kind = "linspace"
count = {count}
{output}"""

GOOD = dict(repeats="20", widths="[1, 5, 5, 1]", count="10", output="")


@pytest.fixture
def sixteen_gb(monkeypatch):
    if resources is not None:
        monkeypatch.setattr(resources, "available_memory", lambda: 16 * GB)


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


# (case, config fields, fragments of the one-line error)
CASES = [
    ("repeats-1e9-float", dict(repeats="1e9"), ["repeats = 1e9", "write repeats = 1000000000"]),
    ("repeats-1e9", dict(repeats="1000000000"),
     ["needs about", "of memory", "noise buffers", "16 GB available", "lower repeats"]),
    ("repeats-2**63-1", dict(repeats=str(2 ** 63 - 1)), ["repeats", "2**32", str(2 ** 63 - 1)]),
    ("widths-1e8", dict(widths="[1, 100000000, 100000000, 1]"),
     ["weights of widths [1, 100000000, 100000000, 1]", "need about", "PB of memory",
      "16 GB available", "lower the layer widths"]),
    ("bins-1e12-float", dict(output="[output]\nhistogram = { bins = 1e12, range = [0.0, 1.0] }\n"),
     ["bins = 1e12", "write bins = 1000000000000"]),
    ("bins-1e12", dict(output="[output]\nhistogram = { bins = 1000000000000, range = [0.0, 1.0] }\n"),
     ["needs about", "histograms", "16 GB available", "lower histogram bins"]),
    ("count-1e14-float", dict(count="1e14"), ["count = 1e14", "write count = 100000000000000"]),
    ("count-1e14", dict(count="100000000000000"),
     ["count = 100000000000000", "need about", "PB of memory", "16 GB available", "lower count"]),
]


@pytest.mark.parametrize("case, fields, fragments", CASES, ids=[c[0] for c in CASES])
def test_cli_refuses_what_cannot_fit_and_leaves_no_file(tmp_path, capsys, sixteen_gb, case,
                                                        fields, fragments):
    cfg = tmp_path / "run.toml"
    cfg.write_text(BASE.format(**dict(GOOD, **fields)))
    out = tmp_path / "run.h5"
    rc = main(["simulate", str(cfg), "--out", str(out), "-q"])
    err = capsys.readouterr().err
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fastnoise: error: "), err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert _files(tmp_path) == ["run.toml"]  # no store, no .partial, no lock
    cfg.write_text(BASE.format(**GOOD))  # the corrected rerun with the same --out succeeds
    assert main(["simulate", str(cfg), "--out", str(out), "-q"]) == 0
    assert out.exists()


def test_simulate_refuses_before_creating_a_store(tmp_path, sixteen_gb):
    net = fn.symmetric([1, 5, 5, 1])
    store = tmp_path / "s.h5"
    with pytest.raises(MemoryError, match=r"needs about .* of memory .*16 GB available — lower "
                                          r"repeats"):
        fn.simulate(net, np.linspace(0, 1, 4), fn.Noise(additive=1e-4), repeats=10 ** 9,
                    store=store)
    assert _files(tmp_path) == []
    with pytest.raises(ValueError, match=r"needs about"):  # also a ValueError (the CLI's one line)
        fn.simulate(net, np.linspace(0, 1, 4), repeats=10 ** 9)


def test_results_kept_in_memory_count_only_without_a_store(tmp_path, monkeypatch):
    """10⁶ inputs of a 2-2000-1 network: 2 × 4 arrays of 64 GB kept in memory are refused;
    written to a store (keep=False) the run needs only its blocks."""
    net = fn.symmetric([1, 2000, 1])
    u = np.zeros((10 ** 6, 1))
    pl = plan(net, u, repeats=2)
    assert resources is not None
    monkeypatch.setattr(resources, "available_memory", lambda: 16 * GB)
    with pytest.raises(MemoryError, match=r"results in memory: 2 × 4 arrays of 1000000 inputs × "
                                          r"2002 neurons.*lower the number of inputs"):
        resources.check_plan(pl, keep=True)
    est = resources.check_plan(pl, keep=False)
    assert est.memory < GB


def test_store_larger_than_the_free_disk_is_refused(tmp_path, monkeypatch):
    assert resources is not None
    monkeypatch.setattr(resources, "free_disk", lambda path: 10 ** 6)
    net = fn.symmetric([1, 5, 5, 1])
    with pytest.raises(OSError, match=r"needs about .* on disk .*1 MB free in .* — lower the number "
                                      r"of inputs, or write it elsewhere"):
        fn.simulate(net, np.linspace(0, 1, 20_000), repeats=2, store=tmp_path / "s.h5", keep=False)
    assert _files(tmp_path) == []


def test_estimate_never_overflows():
    assert resources is not None
    net = fn.symmetric([1, 5, 1])
    pl = plan(net, np.zeros((3, 1)), repeats=10)
    pl.repeats = 2 ** 63 - 1  # sizes are Python integers
    est = resources.estimate(pl, keep=True, store=True)
    assert est.memory > 2 ** 64 and est.disk > 0
    assert resources.format_bytes(est.memory).endswith("ZB")
    assert resources.format_bytes(2.4e12) == "2.4 TB"
    assert resources.format_bytes(999) == "999 bytes"


def test_sweep_refuses_a_point_or_store_that_cannot_fit(tmp_path, capsys, sixteen_gb, monkeypatch):
    (tmp_path / "base.toml").write_text(BASE.format(**GOOD))
    spec = tmp_path / "sweep.toml"
    spec.write_text('config = "base.toml"\n[[axes]]\nkey = "repeats"\nvalues = [20, 1000000000]\n')
    out = tmp_path / "sweep.h5"
    rc = main(["sweep", str(spec), "--out", str(out), "-q"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1, err
    assert "sweep point 1 (repeats = 1000000000) needs about" in err[0]
    assert "16 GB available" in err[0]
    assert _files(tmp_path) == ["base.toml", "sweep.toml"]
    # the whole store against the free space (each point fits)
    monkeypatch.setattr(resources, "free_disk", lambda path: 10 ** 5)
    spec.write_text('config = "base.toml"\n[[axes]]\nkey = "seed"\nvalues = [1, 2, 3]\n')
    rc = main(["sweep", str(spec), "--out", str(out), "-q"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1, err
    assert "the store of this sweep (3 points) needs about" in err[0] and "100 kB free" in err[0]
    assert _files(tmp_path) == ["base.toml", "sweep.toml"]


def test_counter_limits():
    net = fn.symmetric([1, 3, 1])
    with pytest.raises(ValueError, match=r"repeats must be an integer in \[2, 2\*\*32\), got 4294967296"):
        plan(net, [0.5], repeats=2 ** 32)
