"""Image-shaped inputs (issue 17, API): a network may record the shape of one input; the
first dense layer reads it flattened in row-major order, and ``fn.forward``, ``fn.simulate``
and ``fn.predict`` accept inputs shaped (T, *input_shape) as well as flattened.  Imported
Keras models (channels-last) and ONNX models (their own order) record it; network files,
stores and mitigation transforms keep it; vector-input networks are unchanged."""

from __future__ import annotations

import os

import numpy as np
import pytest

import fastnoise as fn
from fastnoise.importers import load_model

MODELS = os.path.join(os.path.dirname(__file__), "data", "models")


def _net():
    rng = np.random.default_rng(0)
    return fn.Network.from_layers([rng.normal(0, 0.3, (5, 12)), rng.normal(0, 0.5, (3, 5))], None,
                                  ["tanh", "linear"], input_shape=(2, 3, 2))


def test_shaped_and_flat_inputs_agree(tmp_path):
    net = _net()
    assert net.input_shape == (2, 3, 2) and net.widths == (12, 5, 3)
    x = np.random.default_rng(1).uniform(size=(4, 2, 3, 2))
    flat = x.reshape(4, -1)
    for a, b in zip(fn.forward(net, x)[1], fn.forward(net, flat)[1]):
        assert np.array_equal(a, b)
    nz = fn.Noise(additive=1e-3, multiplicative=1e-3)
    r1 = fn.simulate(net, x, nz, repeats=20, seed=2)
    r2 = fn.simulate(net, flat, nz, repeats=20, seed=2)
    assert all(np.array_equal(a, b) for a, b in zip(r1.var, r2.var))
    assert np.array_equal(fn.predict(net, x, nz).var[-1], fn.predict(net, flat, nz).var[-1])
    assert fn.forward(net, x[0])[1][-1].shape == (1, 3)                 # one shaped input
    with pytest.raises(ValueError, match=r"inputs must have shape \(T, 12\) or \(T, 2, 3, 2\)"):
        fn.forward(net, np.ones((4, 3, 2, 2)))
    # kept by files, stores and transforms; vector networks' configs are as before
    net.save(tmp_path / "n.h5")
    back = fn.Network.load(tmp_path / "n.h5")
    assert back.input_shape == (2, 3, 2) and back.digest() == net.digest()
    with fn.open_store(tmp_path / "s.h5", "w") as st:
        res = fn.simulate(net, x, nz, repeats=4, seed=1, store=st)
    assert fn.mitigation.pool(net, 1, 2).input_shape == (2, 3, 2)
    assert "input_shape" not in fn.random_dense([12, 5, 3]).to_config()
    assert res.mean[-1].shape == (4, 3)


def test_input_shape_errors():
    with pytest.raises(ValueError, match=r"input_shape \(2, 3\) holds 6 values but the input layer has 12"):
        fn.Network.from_layers([np.ones((2, 12))], input_shape=(2, 3))
    from fastnoise.network import Dense, Network

    with pytest.raises(ValueError, match=r"dense operation takes inputs of shape \(12,\), but the previous layer has shape \(5, 2\)"):
        Network.from_ops((5, 2), [Dense(np.ones((2, 12)))])


def test_imported_models_record_their_input_shape(tmp_path):
    net = load_model(os.path.join(MODELS, "torch_image.onnx"))             # NCHW, its own order
    assert net.input_shape == (1, 4, 4)
    ref = np.load(os.path.join(MODELS, "onnx_reference.npz"))
    x = ref["torch_image.onnx:x"].astype(np.float64)
    np.testing.assert_allclose(fn.forward(net, x)[1][-1], ref["torch_image.onnx:y"], rtol=1e-5, atol=1e-6)
    assert load_model(os.path.join(MODELS, "torch_mlp.onnx")).input_shape == (6,)
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    L = keras.layers
    m = keras.Sequential([keras.Input((4, 4, 2), dtype="float64"), L.Flatten(dtype="float64"),
                          L.Dense(3, activation="tanh", dtype="float64")])
    m.save(tmp_path / "img.keras")
    xs = np.random.default_rng(3).uniform(size=(5, 4, 4, 2))                 # channels-last, as Keras
    net = load_model(tmp_path / "img.keras")
    assert net.input_shape == (4, 4, 2)
    np.testing.assert_allclose(fn.forward(net, xs)[1][-1], np.asarray(m.predict(xs, verbose=0), float),
                               rtol=1e-6, atol=1e-6)
