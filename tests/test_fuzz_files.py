"""Damaged stores, network files and configs give one line, never a traceback (issue 13, item 2).

Every reader is run in this process through ``fastnoise.cli.main`` on a few
hundred corrupted copies (fixed seeds) of one small store and of one network
file (.h5 and .npz).  The rule for each command on each copy:

* no traceback, and a failure is exactly one stderr line that names the file,
  with exit status 2 (3, an internal error, would be a bug in a reader);
* exit status 0 only when the output is the original's (the corruption hit
  bytes nobody reads: free space, padding, appended garbage), or when the
  corruption flipped raw data bytes only (not metadata, not the done flags):
  results (means, variances, noiseless states, samples) carry no checksum,
  HDF5 offers none for the store's contiguous datasets and a digest would cost
  a full read at every ``info``, so such a change is undetectable by design;
  inputs and weights (SHA-256s in the run config), histogram totals and
  negative variances are checked by the commands that read them.  Everything
  structural is detected.
"""

import faulthandler
import importlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import h5py
import numpy as np
import pytest

import fastnoise as fn
from fastnoise.cli import main

ROOT = Path(fn.__file__).resolve().parent.parent  # the fastnoise under test, for subprocesses



@pytest.fixture(autouse=True)
def _no_hang():
    """A reader stuck inside HDF5 (it holds the GIL) ends the run with a dump, not a hung CI."""
    faulthandler.dump_traceback_later(240, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("fuzz")
    net = fn.random_dense([2, 3, 2], activation="logistic", seed=0)
    u = np.linspace(0.0, 1.0, 8).reshape(4, 2)
    store = d / "store.h5"
    fn.simulate(net, u, fn.Noise(additive=1e-3), repeats=4, seed=1, store=store,
                samples=[(1, 0), (2, 1)], histogram=(4, (0.0, 1.0)), keep=False)
    net.save(d / "net.h5")
    from fastnoise.importers._npz import to_npz

    to_npz(net, d / "net.npz")
    return d


def call(capsys, *argv):
    code = main([os.fspath(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _strip(text):  # wall times differ from run to run
    return "\n".join(ln for ln in text.splitlines() if "wall time" not in ln)


def check(capsys, argv, path, original=None, may_differ=False):
    """Run ``fastnoise ARGV``: a one-line error naming ``path``, or the original's output."""
    code, out, err = call(capsys, *argv)
    where = f"fastnoise {' '.join(map(str, argv))}"
    assert "Traceback" not in err, (where, err)
    if code == 0:
        assert err == "", (where, err)
        if original is not None and not may_differ:
            assert _strip(out.replace(str(path), "ORIG")) == original, (where, out)
        return code
    lines = err.strip().splitlines()
    assert code == 2, (where, code, err)
    assert len(lines) == 1 and lines[0].startswith("fastnoise: error: "), (where, err)
    assert str(path) in lines[0], (where, err)
    assert lines[0].isprintable(), (where, err)
    return code


# -- byte-level corruption ------------------------------------------------------

def _data_mask(path):
    """True on the raw data bytes of every dataset (the rest is HDF5 metadata)."""
    mask = np.zeros(os.path.getsize(path), bool)
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and obj.id.get_offset() is not None:
                off = obj.id.get_offset()
                mask[off:off + obj.id.get_storage_size()] = True
        f.visititems(visit)
    return mask


def _unchecked_mask(path):
    """Raw data bytes that a command may pass over unchecked: all datasets but ``done``
    (see the module doc; inputs, weights and histogram counts are checked by the commands
    that read them, which test_structurally_damaged_store_gives_one_line covers)."""
    mask = _data_mask(path)
    with h5py.File(path, "r") as f:
        ds = f["runs/run0/done"]
        mask[ds.id.get_offset():ds.id.get_offset() + ds.id.get_storage_size()] = False
    return mask


KINDS = ("flip_meta", "flip_data", "truncate", "zero_page", "append")


def corrupt(raw, data, rng, kind):
    b = bytearray(raw)
    if kind in ("flip_meta", "flip_data"):
        where = np.flatnonzero(data if kind == "flip_data" else ~data)
        for i in rng.choice(where, size=int(rng.integers(1, 4))):
            b[i] ^= int(rng.integers(1, 256))
    elif kind == "truncate":
        del b[int(rng.integers(0, len(b))):]
    elif kind == "zero_page":
        page = int(rng.choice([16, 512, 4096]))
        start = int(rng.integers(0, max(1, len(b) // page))) * page
        b[start:start + page] = bytes(len(b[start:start + page]))
    else:
        b += rng.bytes(int(rng.integers(1, 5000)))
    return bytes(b)


def _changed_only_floats(raw, new, floats):
    if len(raw) != len(new):
        return False
    diff = np.frombuffer(raw, np.uint8) != np.frombuffer(new, np.uint8)
    return bool(diff.any()) and bool(floats[diff].all())


def test_byte_corrupted_stores_give_one_line(capsys, files, tmp_path):
    """200 corrupted stores x info, info --json, compare: one line naming the file, or the
    original output (~20 s)."""
    src = files / "store.h5"
    raw = src.read_bytes()
    data, floats = _data_mask(src), _unchecked_mask(src)
    commands = (["info"], ["info", "--json"], ["compare"])
    original = {}
    for cmd in commands:
        code, out, _ = call(capsys, cmd[0], src, *cmd[1:])
        assert code == 0
        original[tuple(cmd)] = _strip(out.replace(str(src), "ORIG"))
    rng = np.random.default_rng(20261202)
    failures = 0
    for i in range(200):
        kind = KINDS[i % len(KINDS)]
        new = corrupt(raw, data, rng, kind)
        path = tmp_path / f"c{i}_{kind}.h5"
        path.write_bytes(new)
        may_differ = _changed_only_floats(raw, new, floats)
        for cmd in commands:
            failures += check(capsys, [cmd[0], path, *cmd[1:]], path, original[tuple(cmd)],
                              may_differ) != 0
        path.unlink()
    assert failures > 150  # the corruption is real: most copies are refused
    for i, content in enumerate(NOT_HDF5):  # and files that are no HDF5 at all
        path = tmp_path / f"not_hdf5_{i}.h5"
        path.write_bytes(content)
        for argv in (["info", path], ["info", path, "--json"], ["compare", path],
                     ["plot", path, "--out", tmp_path / "p.png"]):
            assert check(capsys, argv, path) == 2, argv


NOT_HDF5 = [b"", b"hello, not a store\n", bytes(range(256)) * 12, b"\x89HDF\r\n\x1a\n" + bytes(600),
            "caf\u00e9\xff".encode("latin-1")]


def test_byte_corrupted_network_files_give_one_line(capsys, files, tmp_path):
    """150 corrupted .h5 and .npz network files read through a config by 'predict', and
    damaged TOML configs."""
    rng = np.random.default_rng(7)
    failures = 0
    for ext in ("h5", "npz"):
        src = files / f"net.{ext}"
        raw = src.read_bytes()
        data = _data_mask(src) if ext == "h5" else np.zeros(len(raw), bool)
        net_path = tmp_path / f"damaged.{ext}"
        cfg = _config(tmp_path, net_path.name, f"net_{ext}.toml")
        net_path.write_bytes(raw)
        code, out, err = call(capsys, "predict", cfg)
        assert code == 0, err
        original = _strip(out)
        for i in range(75):
            # no raw weight flips: a network file's weights carry no checksum, and a weight of
            # 1e300 is a (finite) network that the analytic methods cannot handle
            kind = ("flip_meta", "truncate", "zero_page", "append")[i % 4]
            net_path.write_bytes(corrupt(raw, data, rng, kind))
            code, out, err = call(capsys, "predict", cfg)
            assert "Traceback" not in err
            if code == 0:
                assert err == "" and _strip(out) == original, (kind, out)
                continue
            failures += 1
            lines = err.strip().splitlines()
            assert code == 2 and len(lines) == 1, (kind, code, err)
            assert str(net_path) in lines[0] and lines[0].isprintable(), (kind, err)
    assert failures > 80
    for i, text in enumerate(BAD_CONFIGS):  # configs: syntax, types, encoding
        cfg = tmp_path / f"bad{i}.toml"
        cfg.write_bytes(text)
        for argv in (["predict", cfg], ["simulate", cfg, "--out", tmp_path / "o.h5"]):
            assert check(capsys, argv, cfg) == 2, (text, argv)


BAD_CONFIGS = [b'repeats = 4\nseed = \n', b'repeats = "four"\nseed = 1\n', b'repeats = 4\xff\xfe\n',
               b'[network\nkind = "file"\n', b'\x00\x01\x02']


# -- structural damage made with h5py ---------------------------------------------

def _set_attr(obj, name, value):
    if name in obj.attrs:
        del obj.attrs[name]
    obj.attrs[name] = value


def _replace(g, name, data):
    del g[name]
    g[name] = data


DAMAGE = {
    "no-runs-group": lambda f: f.__delitem__("runs"),
    "runs-is-dataset": lambda f: (f.__delitem__("runs"), f.create_dataset("runs", data=[1])),
    "format-version-text": lambda f: _set_attr(f, "format_version", "one"),
    "version-not-utf8": lambda f: _set_attr(f, "fastnoise_version", np.bytes_(b"0.1\xff\xfe")),
    "no-config": lambda f: f["runs/run0"].attrs.__delitem__("config"),
    "config-cut": lambda f: _set_attr(f["runs/run0"], "config", f["runs/run0"].attrs["config"][:906]),
    "config-not-utf8": lambda f: _set_attr(f["runs/run0"], "config", np.bytes_(b'{"a": "\xff"}')),
    "config-widths-text": lambda f: _set_attr(f["runs/run0"], "config", json.dumps(
        dict(json.loads(f["runs/run0"].attrs["config"]), network={"widths": "2-3-2"}))),
    "config-noise-text": lambda f: _set_attr(f["runs/run0"], "config", json.dumps(
        dict(json.loads(f["runs/run0"].attrs["config"]), noise=[{"additive": "x"}] * 3))),
    "config-array": lambda f: _set_attr(f["runs/run0"], "config", "[1, 2]"),
    "status-garbage": lambda f: _set_attr(f["runs/run0"], "status", np.bytes_(b"\x00\xffrun")),
    "created-not-utf8": lambda f: _set_attr(f["runs/run0"], "created", np.bytes_(b"2026-\xff\xfe")),
    "no-done": lambda f: f["runs/run0"].__delitem__("done"),
    "done-7": lambda f: f["runs/run0/done"].__setitem__(1, 7),
    "done-2d": lambda f: _replace(f["runs/run0"], "done", np.ones((4, 2), np.uint8)),
    "no-mean": lambda f: f["runs/run0"].__delitem__("mean_2"),
    "mean-shape": lambda f: _replace(f["runs/run0"], "mean_1", np.zeros((4, 5))),
    "var-strings": lambda f: _replace(f["runs/run0"], "var_0", np.array([b"ab"] * 8).reshape(4, 2)),
    "var-negative": lambda f: f["runs/run0/var_1"].__setitem__((2, 1), -0.5),
    "mean-is-group": lambda f: (f["runs/run0"].__delitem__("mean_0"),
                                f["runs/run0"].create_group("mean_0")),
    "inputs-changed": lambda f: f["runs/run0/inputs"].__setitem__((0, 0), 0.125),
    "hist-counts": lambda f: f["runs/run0/hist"].__setitem__((0, 1, 2), 99),
    "no-network": lambda f: f["runs/run0"].__delitem__("network"),
    "network-no-W2": lambda f: f["runs/run0/network"].__delitem__("W2"),
    "network-W1-shape": lambda f: _replace(f["runs/run0/network"], "W1", np.zeros((2, 2))),
    "network-weights-changed": lambda f: f["runs/run0/network/W1"].__setitem__((0, 0), 3.0),
    "network-config-json": lambda f: _set_attr(f["runs/run0/network"], "config", "{widths"),
    "samples-neuron": lambda f: f["runs/run0/sample_neuron"].__setitem__(0, 99),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_structurally_damaged_store_gives_one_line(capsys, files, tmp_path, damage):
    """Each command fails with one line naming the file, or (damage in what it does not read)
    prints exactly the original's output; info or compare notices every damage."""
    path = tmp_path / f"{damage}.h5"
    shutil.copy(files / "store.h5", path)
    with h5py.File(path, "r+") as f:
        DAMAGE[damage](f)
    for cmd in (["info"], ["info", "--json"], ["compare"]):
        check(capsys, [cmd[0], path, *cmd[1:]], path, _original(capsys, files, cmd))
    errors = [call(capsys, cmd, path)[2] for cmd in ("info", "compare")]
    assert any("damaged store" in e or "not a fastnoise store" in e for e in errors), errors


_ORIGINAL = {}


def _original(capsys, files, cmd):
    """The output of ``cmd`` on the undamaged store, its path replaced by ORIG."""
    key = (str(files), tuple(cmd))
    if key not in _ORIGINAL:
        src = files / "store.h5"
        code, out, _ = call(capsys, cmd[0], src, *cmd[1:])
        assert code == 0
        _ORIGINAL[key] = _strip(out.replace(str(src), "ORIG"))
    return _ORIGINAL[key]


def _env():
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))


def test_damaged_global_heap_does_not_hang(files, tmp_path):
    """HDF5 2.0 loops forever (holding the GIL) on a global heap collection whose object list
    is damaged; the store is refused before HDF5 reads it.  In a subprocess, so that the old
    code's hang fails this test instead of stopping the suite."""
    raw = bytearray((files / "store.h5").read_bytes())
    at = raw.find(b"GCOL\x01")
    assert at > 0
    off, start = 16, at + 16
    while int.from_bytes(raw[start:start + 2], "little") != 3:  # the third object: the config
        size = int.from_bytes(raw[start + 8:start + 16], "little")
        start += 16 + (size + 7) // 8 * 8
    end = start + 16 + (int.from_bytes(raw[start + 8:start + 16], "little") + 7) // 8 * 8
    raw[end:end + 16] = bytes(16)  # the next object's header
    path = tmp_path / "heap.h5"
    path.write_bytes(bytes(raw))
    for argv in (["info", path], ["compare", path]):
        try:
            proc = subprocess.run([sys.executable, "-m", "fastnoise", *map(str, argv)], cwd=tmp_path,
                                  env=_env(), capture_output=True, text=True, timeout=90)
        except subprocess.TimeoutExpired:
            pytest.fail(f"fastnoise {argv[0]} hung on a damaged global heap")
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and str(path) in lines[0] and "global heap" in lines[0], proc.stderr
    with pytest.raises(fn.io.errors.StoreError, match="damaged store"):
        fn.Store(path)


# -- network files and configs ------------------------------------------------------

def _config(tmp_path, net_name, name="c.toml"):
    cfg = tmp_path / name
    cfg.write_text(f'repeats = 4\nseed = 1\n[network]\nkind = "file"\npath = "{net_name}"\n'
                   '[noise]\nadditive = 1e-3\n[inputs]\nkind = "uniform"\ncount = 2\nseed = 0\n')
    return cfg


NETWORK_DAMAGE = {
    "no-W1": lambda g: g.__delitem__("W1"),
    "W2-shape": lambda g: _replace(g, "W2", np.zeros((5, 5))),
    "b1-strings": lambda g: _replace(g, "b1", np.array([b"x", b"y", b"z"])),
    "config-json": lambda g: _set_attr(g, "config", '{"widths": [2, 3'),
    "config-not-utf8": lambda g: _set_attr(g, "config", np.bytes_(b'{"widths": "\xff"}')),
    "config-widths": lambda g: _set_attr(g, "config", json.dumps({"widths": [2, "3", 2],
                                                                  "activations": [{}] * 3})),
    "object-garbage": lambda g: _set_attr(g, "fastnoise_object", np.bytes_(b"net\xffwork")),
    "nan-weight": lambda g: g["W1"].__setitem__((0, 0), np.nan),
}


@pytest.mark.parametrize("damage", list(NETWORK_DAMAGE))
def test_damaged_network_file_gives_one_line(capsys, files, tmp_path, damage):
    path = tmp_path / "net.h5"
    shutil.copy(files / "net.h5", path)
    with h5py.File(path, "r+") as f:
        NETWORK_DAMAGE[damage](f["network"])
    cfg = _config(tmp_path, "net.h5")
    for argv in (["predict", cfg], ["simulate", cfg, "--out", tmp_path / "o.h5", "-q"]):
        assert check(capsys, argv, path) == 2, argv
    assert not (tmp_path / "o.h5").exists()
    with pytest.raises(ValueError) as info:
        fn.Network.load(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_resume_on_damaged_store_gives_one_line(capsys, files, tmp_path):
    path = tmp_path / "r.h5"
    shutil.copy(files / "store.h5", path)
    with h5py.File(path, "r+") as f:
        _set_attr(f["runs/run0"], "config", "{not json")
    cfg = tmp_path / "r.toml"
    cfg.write_text('repeats = 4\nseed = 1\n[network]\nkind = "symmetric"\nwidths = [2, 3, 2]\n'
                   '[inputs]\nkind = "uniform"\ncount = 2\nseed = 0\n')
    before = path.read_bytes()
    assert check(capsys, ["simulate", cfg, "--out", path, "--resume", "-q"], path) == 2
    assert path.read_bytes() == before


# -- lock and permission problems (issue 13, item 10) ----------------------------------

def test_store_open_for_writing_is_reported_as_locked(capsys, files, tmp_path):
    path = tmp_path / "busy.h5"
    shutil.copy(files / "store.h5", path)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import h5py, sys, time; f = h5py.File(sys.argv[1], 'r+'); "
                               "print('open', flush=True); time.sleep(60)", str(path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        code, _, err = call(capsys, "info", path)
    finally:
        holder.kill()
        holder.wait()
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert str(path) in err and "open for writing" in err and "not a readable" not in err


def test_permission_denied_is_reported_as_such(capsys, files, tmp_path, monkeypatch):
    path = tmp_path / "private.h5"
    shutil.copy(files / "store.h5", path)

    def denied(name, mode="r", *args, **kwargs):  # what h5py raises (root ignores chmod)
        raise PermissionError(13, f"Unable to synchronously open file (unable to open file: name = "
                                  f"'{name}', errno = 13, error message = 'Permission denied', "
                                  "flags = 0, o_flags = 0)")

    monkeypatch.setattr(h5py, "File", denied)
    code, _, err = call(capsys, "info", path)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert str(path) in err and "permission denied" in err and "not a readable" not in err


# -- the CLI-wide guard ----------------------------------------------------------------

def _boom(args):
    raise KeyError("unexpected")


def _info_runs(monkeypatch, func):
    """Make ``fastnoise info`` call ``func(args)`` instead of its own command."""
    cli = importlib.import_module("fastnoise.cli.app")
    parser = cli.build_parser

    def patched():
        p = parser()
        p._subparsers._group_actions[0].choices["info"].set_defaults(func=func)
        return p

    monkeypatch.setattr(cli, "build_parser", patched)


def test_unexpected_exception_is_one_internal_error_line(capsys, monkeypatch, files):
    _info_runs(monkeypatch, _boom)
    code, out, err = call(capsys, "info", files / "store.h5")
    lines = err.strip().splitlines()
    assert code == 3 and len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("fastnoise: internal error: KeyError")
    assert "report" in lines[0] and "--debug" in lines[0]
    code, out, err = call(capsys, "--debug", "info", files / "store.h5")
    assert code == 3 and "Traceback" in err and "_boom" in err
    assert err.strip().splitlines()[-1] == lines[0]


_SITE = """
import importlib
cli = importlib.import_module("fastnoise.cli.app")
_parser = cli.build_parser
def _boom(args):
    raise RuntimeError("a bug\\nover two lines")
def patched():
    p = _parser()
    p._subparsers._group_actions[0].choices["info"].set_defaults(func=_boom)
    return p
cli.build_parser = patched
"""


def test_guard_end_to_end(files, tmp_path):
    """The real entry points: a damaged store, an internal error, --debug."""
    damaged = tmp_path / "d.h5"
    damaged.write_bytes(files.joinpath("store.h5").read_bytes()[:5000])
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(textwrap.dedent(_SITE))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), str(ROOT)]))
    exe = shutil.which("fastnoise")
    runs = [([sys.executable, "-m", "fastnoise", "info", str(damaged)], _env(), 2),
            ([sys.executable, "-m", "fastnoise", "info", str(files / "store.h5")], env, 3)]
    if exe:
        runs.append(([exe, "compare", str(damaged)], _env(), 2))
    for cmd, e, want in runs:
        proc = subprocess.run(cmd, cwd=tmp_path, env=e, capture_output=True, text=True, timeout=120)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == want and len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert (str(damaged) in lines[0]) if want == 2 else ("internal error: RuntimeError: a bug over two lines" in lines[0])
    proc = subprocess.run([sys.executable, "-m", "fastnoise", "--debug", "info", str(damaged)],
                          cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("fastnoise: error: ")


def test_arithmetic_overflow_is_one_error_line(capsys, monkeypatch, files):
    """An overflow inside a computation (a prediction from weights of 1e300) is the user's
    data, not a bug: one error line, status 2, not an 'internal error'."""
    def _overflow(args):
        raise OverflowError("math range error")

    _info_runs(monkeypatch, _overflow)
    code, out, err = call(capsys, "info", files / "store.h5")
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("fastnoise: error: arithmetic overflow") and "internal" not in lines[0]
