"""Bad input to the Python API: one-line errors that name the value and the fix.

Design doc, convention 8: ``ValueError: additive intensity must be ≥ 0, got
-1e-4``.  Every case below checks the exception type, that the message is a
single line, that it names the offending value, and that it says what to do.
Store-related refusals must also leave the file on disk byte-identical.
"""

from __future__ import annotations

import hashlib
import math
import os

import h5py
import numpy as np
import pytest

import fastnoise as fn
from fastnoise.io.errors import StoreError
from checks import leftovers  # noqa: E402

NET = fn.symmetric([1, 3, 1])
DENSE = fn.random_dense([5, 4, 2], seed=1)
U = np.linspace(0.0, 1.0, 4)
U5 = np.random.default_rng(0).uniform(size=(3, 5))


def one_line(exc_info, *needles) -> str:
    msg = str(exc_info.value)
    assert msg.strip(), "empty message"
    assert "\n" not in msg, f"multi-line message: {msg!r}"
    for needle in needles:
        assert needle in msg, f"{needle!r} not in {msg!r}"
    return msg


def with_nan(a, index, value=np.nan):
    a = np.array(a, dtype=float)
    a[index] = value
    return a


W1 = np.full((3, 1), 0.5)
W2 = np.full((1, 3), 0.25)

#: (id, call, exception type, substrings the message must contain: value, fix)
CASES = [
    # noise intensities
    ("noise-negative", lambda: fn.Noise(additive=-1e-4), ValueError,
     ["additive", "-0.0001", "≥ 0"]),
    ("noise-negative-correlated", lambda: fn.Noise(multiplicative_correlated=-2.0), ValueError,
     ["multiplicative correlated", "-2.0", "≥ 0"]),
    ("noise-nan", lambda: fn.Noise(multiplicative=float("nan")), ValueError,
     ["multiplicative", "nan", "finite"]),
    ("noise-inf", lambda: fn.Noise(additive_correlated=math.inf), ValueError,
     ["additive correlated", "inf", "finite"]),
    ("noise-not-a-number", lambda: fn.Noise(additive="lots"), TypeError,
     ["additive", "'lots'", "number"]),
    ("noise-dict-negative", lambda: fn.simulate(NET, U, {"additive": -1.0}), ValueError,
     ["additive", "-1.0", "≥ 0"]),
    ("noise-dict-typo", lambda: fn.simulate(NET, U, {"additve": 1e-3}), ValueError,
     ["'additve'", "did you mean 'additive'"]),
    ("noise-list-nan", lambda: fn.simulate(NET, U, [None, {"additive": float("nan")}, None]),
     ValueError, ["additive", "nan"]),
    ("noise-wrong-type", lambda: fn.simulate(NET, U, 0.1), TypeError,
     ["0.1", "Noise"]),
    # per-layer noise list of the wrong length
    ("noise-list-short", lambda: fn.simulate(NET, U, [fn.Noise(1e-3)] * 2), ValueError,
     ["2 per-layer", "3 layers", "one Noise (or None) per layer"]),
    ("noise-list-long", lambda: fn.simulate(NET, U, [None] * 4), ValueError,
     ["4 per-layer", "3 layers", "one Noise (or None) per layer"]),
    # non-finite weights, biases, inputs
    ("weights-nan", lambda: fn.Network.from_layers([with_nan(W1, (2, 0)), W2]), ValueError,
     ["weights[1]", "nan", "(2, 0)", "finite"]),
    ("weights-inf", lambda: fn.Network.from_layers([W1, with_nan(W2, (0, 1), np.inf)]), ValueError,
     ["weights[2]", "inf", "(0, 1)", "finite"]),
    ("weights-neg-inf", lambda: fn.Network.from_layers([with_nan(W1, (0, 0), -np.inf), W2]),
     ValueError, ["weights[1]", "-inf", "finite"]),
    ("biases-nan", lambda: fn.Network.from_layers([W1, W2], [with_nan(np.zeros(3), 1), None]),
     ValueError, ["biases[1]", "nan", "(1,)", "finite"]),
    ("biases-inf", lambda: fn.Network.from_layers([W1, W2], [None, [np.inf]]), ValueError,
     ["biases[2]", "inf", "finite"]),
    ("inputs-nan", lambda: fn.simulate(NET, [0.1, 0.2, np.nan]), ValueError,
     ["nan", "row 2", "finite"]),
    ("inputs-inf-2d", lambda: fn.simulate(DENSE, with_nan(U5, (1, 3), -np.inf)), ValueError,
     ["-inf", "row 1", "column 3", "finite"]),
    ("forward-inputs-nan", lambda: fn.forward(NET, [np.nan]), ValueError,
     ["nan", "finite"]),
    ("inputs-not-numeric", lambda: fn.simulate(NET, ["a", "b"]), TypeError,
     ["inputs", "(T, 1)"]),
    ("inputs-empty", lambda: fn.simulate(NET, np.zeros((0, 1))), ValueError,
     ["empty", "at least one"]),
    # shapes
    ("layer-shape-mismatch", lambda: fn.Network.from_layers([np.ones((3, 2)), np.ones((1, 4))]),
     ValueError, ["weights[2]", "(1, 4)", "3 neurons", "expected (1, 3)"]),
    ("weights-not-2d", lambda: fn.Network.from_layers([np.ones(3)]), ValueError,
     ["weights[1]", "(3,)", "2-D"]),
    ("bias-wrong-length", lambda: fn.Network.from_layers([np.ones((3, 2))], [np.ones(4)]), ValueError,
     ["biases[1]", "4 entries", "3 neurons"]),
    ("bias-count", lambda: fn.Network.from_layers([np.ones((3, 2))], [np.ones(3), np.ones(1)]),
     ValueError, ["2 bias vectors", "1 weight layers"]),
    ("activation-count", lambda: fn.Network.from_layers([np.ones((3, 2))], None, ["tanh"] * 3),
     ValueError, ["3 activations", "give 1", "or 2"]),
    ("input-width-2d", lambda: fn.simulate(DENSE, np.ones((4, 3))), ValueError,
     ["(T, 5)", "(4, 3)"]),
    ("input-width-1d", lambda: fn.simulate(DENSE, np.ones(3)), ValueError,
     ["(T, 5)", "(3,)"]),
    ("input-width-forward", lambda: fn.forward(DENSE, np.ones((2, 6))), ValueError,
     ["(T, 5)", "(2, 6)"]),
    ("symmetric-widths", lambda: fn.symmetric([1, 0, 1]), ValueError,
     ["[1, 0, 1]", "≥ 1 neuron"]),
    # repeats, seed and other integers
    ("repeats-1", lambda: fn.simulate(NET, U, repeats=1), ValueError, ["repeats", "≥ 2", "got 1"]),
    ("repeats-0", lambda: fn.simulate(NET, U, repeats=0), ValueError, ["repeats", "≥ 2", "got 0"]),
    ("repeats-float", lambda: fn.simulate(NET, U, repeats=10.0), TypeError,
     ["repeats", "integer", "10.0"]),
    ("seed-float", lambda: fn.simulate(NET, U, seed=1.5), TypeError, ["seed", "integer", "1.5"]),
    ("seed-str", lambda: fn.simulate(NET, U, seed="7"), TypeError, ["seed", "integer", "'7'"]),
    ("seed-none", lambda: fn.simulate(NET, U, seed=None), TypeError, ["seed", "integer", "None"]),
    ("seed-bool", lambda: fn.simulate(NET, U, seed=True), TypeError, ["seed", "integer", "True"]),
    ("seed-negative", lambda: fn.simulate(NET, U, seed=-1), ValueError,
     ["seed", "integer in [0, 2**64)", "got -1"]),
    ("seed-too-large", lambda: fn.simulate(NET, U, seed=2 ** 64), ValueError,
     ["seed", "integer in [0, 2**64)", "got 18446744073709551616"]),
    ("stream-range", lambda: fn.simulate(NET, U, stream=2 ** 16), ValueError,
     ["stream", "65536"]),
    ("block-0", lambda: fn.simulate(NET, U, block=0), ValueError, ["block", "≥ 1", "got 0"]),
    ("threads-0", lambda: fn.simulate(NET, U, threads=0), ValueError, ["threads", "≥ 1", "got 0"]),
    ("net-not-network", lambda: fn.simulate("net", U), TypeError, ["Network", "str", "fn.symmetric"]),
    # activations
    ("activation-typo", lambda: fn.activations.get("tanhh"), ValueError,
     ["'tanhh'", "did you mean 'tanh'?"]),
    ("activation-typo-in-network", lambda: fn.Network.from_layers([W1, W2], None, ["relux", "linear"]),
     ValueError, ["'relux'", "did you mean 'relu'?"]),
    ("activation-typo-symmetric", lambda: fn.symmetric([1, 3, 1], activation="logistc"), ValueError,
     ["'logistc'", "did you mean 'logistic'?"]),
    ("activation-unknown", lambda: fn.activations.get("zzzz"), ValueError,
     ["'zzzz'", "choose one of", "tanh"]),
    ("activation-param-nan", lambda: fn.activations.get("tanh", float("nan")), ValueError,
     ["tanh", "nan", "finite"]),
    ("activation-not-jitted", lambda: fn.activations.custom(lambda x: x), TypeError,
     ["numba.njit"]),
    # samples and histograms
    ("sample-layer", lambda: fn.simulate(NET, U, samples=[(3, 0)]), ValueError,
     ["layer 3", "0..2"]),
    ("sample-neuron", lambda: fn.simulate(NET, U, samples=[(1, 3)]), ValueError,
     ["neuron 3", "0..2", "layer 1"]),
    ("histogram-range", lambda: fn.simulate(NET, U, histogram={"bins": 4, "range": (1.0, 0.0)}),
     ValueError, ["histogram range", "lo < hi"]),
]


@pytest.mark.parametrize("call, exc, needles", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_gives_one_line_error(call, exc, needles):
    with pytest.raises(exc) as info:
        call()
    one_line(info, *needles)


def test_activation_alias_typo_gets_suggestion():
    with pytest.raises(ValueError) as info:
        fn.activations.get("sigmoyd")
    one_line(info, "'sigmoyd'", "did you mean 'sigmoid'?")


def test_network_arrays_cannot_be_changed_behind_its_back():
    net = fn.random_dense([2, 3, 1], seed=0)
    try:
        net.weights[1][0, 0] = np.nan
        net.biases[2][0] = np.inf
    except ValueError:  # read-only arrays: the NaN never gets in
        return
    with pytest.raises(ValueError) as info:
        fn.simulate(net, np.ones((2, 2)), repeats=2)
    one_line(info, "nan", "finite")


# -- stores ----------------------------------------------------------------------
def sha256(path) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


@pytest.fixture
def store_path(tmp_path):
    path = tmp_path / "existing.h5"
    fn.simulate(NET, U, fn.Noise(additive=1e-3), repeats=3, store=path)
    return path


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "notes.h5"
    path.write_text("not an HDF5 file\n" * 10)
    return path


@pytest.fixture
def foreign_h5(tmp_path):
    path = tmp_path / "foreign.h5"
    with h5py.File(path, "w") as f:
        f["data"] = np.arange(10.0)
        f.attrs["creator"] = "someone else"
    return path


@pytest.mark.parametrize("which", ["store_path", "text_file", "foreign_h5"])
def test_existing_path_without_overwrite_or_resume(request, which):
    path = request.getfixturevalue(which)
    digest, mtime = sha256(path), os.stat(path).st_mtime_ns
    with pytest.raises(FileExistsError) as info:  # another run than the one it holds
        fn.simulate(NET, U, fn.Noise(additive=1e-3), repeats=4, store=path)
    one_line(info, str(path), "overwrite=True")
    assert sha256(path) == digest and os.stat(path).st_mtime_ns == mtime
    assert not leftovers(path)
    # Store(path, "x") refuses as well
    with pytest.raises(FileExistsError) as info:
        fn.Store(path, "x")
    one_line(info, str(path), "overwrite")
    assert sha256(path) == digest


def test_identical_complete_run_is_read_back_untouched(store_path):
    """The documented first commands can be run twice: a path holding this exact run,
    complete, is read back (the same bits), never written (issue 13, item 7)."""
    digest, mtime = sha256(store_path), os.stat(store_path).st_mtime_ns
    again = fn.simulate(NET, U, fn.Noise(additive=1e-3), repeats=3, store=store_path)
    fresh = fn.simulate(NET, U, fn.Noise(additive=1e-3), repeats=3)
    for n in range(NET.n_layers):
        np.testing.assert_array_equal(again.mean[n], fresh.mean[n])
        np.testing.assert_array_equal(again.var[n], fresh.var[n])
    assert sha256(store_path) == digest and os.stat(store_path).st_mtime_ns == mtime
    assert not leftovers(store_path)


def test_not_hdf5_file_as_store(text_file):
    digest = sha256(text_file)
    for mode in ("r", "a"):
        with pytest.raises(StoreError) as info:
            fn.Store(text_file, mode)
        one_line(info, str(text_file), "not a readable HDF5 file", "check the path")
    with pytest.raises(StoreError) as info:
        fn.simulate(NET, U, repeats=3, store=text_file, resume=True)
    one_line(info, str(text_file), "not a readable HDF5 file")
    assert sha256(text_file) == digest
    assert not leftovers(text_file)


def test_foreign_hdf5_file_as_store(foreign_h5):
    digest = sha256(foreign_h5)
    for mode in ("r", "a"):
        with pytest.raises(StoreError) as info:
            fn.Store(foreign_h5, mode)
        one_line(info, str(foreign_h5), "not a fastnoise store", "give a store written by fastnoise")
    with pytest.raises(StoreError) as info:
        fn.simulate(NET, U, repeats=3, store=foreign_h5, resume=True)
    one_line(info, str(foreign_h5), "not a fastnoise store")
    assert sha256(foreign_h5) == digest


def test_newer_store_format_is_refused(store_path):
    with h5py.File(store_path, "r+") as f:
        f.attrs["format_version"] = 99
    with pytest.raises(StoreError) as info:
        fn.Store(store_path)
    one_line(info, "format 99", "upgrade fastnoise")


def test_missing_file_and_bad_mode(tmp_path):
    missing = tmp_path / "nope.h5"
    with pytest.raises(FileNotFoundError) as info:
        fn.Store(missing)
    one_line(info, str(missing), "no such file")
    with pytest.raises(FileNotFoundError) as info:
        fn.Network.load(missing)
    one_line(info, str(missing))
    with pytest.raises(ValueError) as info:
        fn.Store(missing, "rw")
    one_line(info, "'rw'", "'r', 'a', 'x' or 'w'")
    assert not missing.exists() and not leftovers(missing)


def test_reading_a_missing_run(store_path, tmp_path):
    with fn.Store(store_path) as s:
        with pytest.raises(StoreError) as info:
            s.run("run7")
        one_line(info, "'run7'", "runs: run0")
        with pytest.raises(IndexError) as info:
            s.run().var(3)
        one_line(info, "layer 3", "0..2")
    empty = tmp_path / "empty.h5"
    with fn.Store(empty, "x"):
        pass
    with fn.Store(empty) as s:
        with pytest.raises(StoreError) as info:
            s.run()
        one_line(info, str(empty), "no runs")


def test_network_load_from_wrong_group(store_path):
    with pytest.raises(ValueError) as info:
        fn.Network.load(store_path, group="model")
    one_line(info, "'model'", "not a fastnoise network file")


def test_bad_argument_creates_no_store(tmp_path):
    path = tmp_path / "never.h5"
    with pytest.raises(ValueError) as info:
        fn.simulate(NET, U, repeats=3, store=path, threads=0)
    one_line(info, "threads", "got 0")
    assert not path.exists() and not leftovers(path)


@pytest.mark.parametrize("kwargs", [dict(repeats=1), dict(seed=-1), dict(block=0),
                                    dict(samples=[(9, 0)]), dict(noise=[None])],
                         ids=["repeats", "seed", "block", "samples", "noise"])
def test_validation_happens_before_the_store_is_created(tmp_path, kwargs):
    path = tmp_path / "never.h5"
    with pytest.raises((ValueError, TypeError)):
        fn.simulate(NET, U, store=path, **kwargs)
    assert not path.exists() and not leftovers(path)
