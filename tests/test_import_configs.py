"""Issue 13.9: real third-party models from Python and from TOML configs.

Keras references come from real Keras 3 (PyTorch backend, no TensorFlow): the models
are built, saved and run with ``model.predict`` here; PyTorch references from the
modules themselves.  Keras' torch backend computes some float64 layers in float32
(observed: ~1e-7 per layer), so Keras comparisons use the float32-level tolerance of
``test_keras_regenerated`` (1e-6).
"""

from __future__ import annotations

import inspect
import os

import numpy as np
import pytest

import fastnoise as fn
from fastnoise.importers import ModelFileError, from_torch, load_model
from fastnoise.runconfig import _NETWORK_KEYS, loads_config

MISH = '''
import math
import numba


@numba.njit
def mish(x):
    return x * math.tanh(math.log1p(math.exp(x)))
'''


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.fixture(scope="module")
def keras_models(tmp_path_factory):
    """A Dense classifier with every Keras activation fastnoise maps, ending in softmax."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    d = tmp_path_factory.mktemp("keras")
    L = keras.layers
    keras.utils.set_random_seed(3)

    def dense(n, act=None):
        return L.Dense(n, activation=act, dtype="float64",
                       kernel_initializer=keras.initializers.RandomNormal(stddev=0.6, seed=n),
                       bias_initializer=keras.initializers.RandomNormal(stddev=0.3, seed=n + 1))

    m = keras.Sequential([keras.Input((5,), dtype="float64"), dense(7, "elu"), dense(6, "selu"),
                          dense(6, "gelu"), dense(5, "swish"), dense(5, "softplus"), dense(4, "softsign"),
                          dense(4, "hard_sigmoid"), dense(4, "leaky_relu"), dense(4),
                          L.LeakyReLU(0.1, dtype="float64"), dense(3), L.ELU(0.7, dtype="float64"),
                          dense(3, "softmax")])
    x = np.random.default_rng(1).normal(size=(9, 5)) * 1.5
    y = np.asarray(m.predict(x, verbose=0), dtype=float)
    m.save(d / "m.keras")
    m.save(d / "m.h5")
    m.save_weights(d / "m.weights.h5")
    (d / "m.json").write_text(m.to_json())
    os.makedirs(d / "w", exist_ok=True)
    m.save_weights(d / "w" / "lone.weights.h5")             # no JSON beside it
    mish = keras.Sequential([keras.Input((5,), dtype="float64"), dense(4, "mish"), dense(2)])
    mish.save(d / "mish.keras")
    y_mish = np.asarray(mish.predict(x, verbose=0), dtype=float)
    (d / "acts.py").write_text(MISH)
    return {"dir": d, "x": x, "y": y, "y_mish": y_mish}


@pytest.mark.parametrize("name", ["m.keras", "m.h5", "m.weights.h5"])
def test_keras_softmax_classifier_matches_predict(keras_models, name):
    net = load_model(keras_models["dir"] / name, activation_map={"softmax": "linear"})
    assert [a.name for a in net.activations] == ["linear", "elu", "selu", "gelu", "swish", "softplus",
                                                 "softsign", "hard_sigmoid", "leaky_relu", "leaky_relu",
                                                 "elu", "linear"]
    assert net.activations[-4].param == 0.2 and net.activations[-3].param == 0.1   # Keras' slopes
    z = fn.forward(net, keras_models["x"])[1][-1]
    np.testing.assert_allclose(_softmax(z), keras_models["y"], rtol=1e-6, atol=1e-6)
    # without the map the readout is the softmax itself: the model's probabilities
    probs = load_model(keras_models["dir"] / name)
    assert probs.activations[-1].name == "softmax"
    np.testing.assert_allclose(fn.forward(probs, keras_models["x"])[1][-1], keras_models["y"],
                               rtol=1e-6, atol=1e-6)


def test_keras_weights_only_with_architecture(keras_models, tmp_path):
    d = keras_models["dir"]
    net = load_model(d / "w" / "lone.weights.h5", architecture=d / "m.json", activation_map={"softmax": "linear"})
    np.testing.assert_allclose(_softmax(fn.forward(net, keras_models["x"])[1][-1]), keras_models["y"],
                               rtol=1e-6, atol=1e-6)
    with pytest.raises(ModelFileError, match=r"holds Keras 3 weights only \(model.save_weights\) and no "
                                             r"architecture; pass architecture='model.json' written by "
                                             r"open\('model.json', 'w'\).write\(model.to_json\(\)\)") as info:
        load_model(d / "w" / "lone.weights.h5")
    assert "lone.json" in str(info.value) and "\n" not in str(info.value)


def test_keras_softmax_and_weights_only_from_a_config(keras_models):
    d = keras_models["dir"]
    for extra in ('path = "m.keras"', 'path = "w/lone.weights.h5"\narchitecture = "m.json"'):
        cfg = loads_config(f'[network]\nkind = "file"\n{extra}\nactivation_map = {{ softmax = "linear" }}\n'
                           '[inputs]\nkind = "uniform"\ncount = 3\n', str(d))
        z = fn.forward(cfg.network, keras_models["x"])[1][-1]
        np.testing.assert_allclose(_softmax(z), keras_models["y"], rtol=1e-6, atol=1e-6)
        assert cfg.spec["network"]["activation_map"] == {"softmax": "linear"}
    assert cfg.spec["network"]["architecture"] == os.path.join(str(d), "m.json")
    cfg = loads_config('[network]\nkind = "file"\npath = "m.keras"\n[inputs]\nkind = "uniform"\ncount = 3\n',
                       str(d))
    np.testing.assert_allclose(fn.forward(cfg.network, keras_models["x"])[1][-1], keras_models["y"],
                               rtol=1e-6, atol=1e-6)


def test_unsupported_activation_hints_at_a_custom_function(keras_models):
    d = keras_models["dir"]
    with pytest.raises(ModelFileError) as info:
        load_model(d / "mish.keras")
    msg = str(info.value)
    assert "'mish', which is not a fastnoise built-in" in msg and "numba.njit" in msg
    assert "activation_map={'mish': my_function}" in msg and "'linear'" not in msg
    cfg = loads_config('[network]\nkind = "file"\npath = "mish.keras"\n'
                       'activation_map = { mish = "acts.py:mish" }\n[inputs]\nkind = "uniform"\ncount = 3\n',
                       str(d))
    assert cfg.network.activations[1].is_custom
    np.testing.assert_allclose(fn.forward(cfg.network, keras_models["x"])[1][-1], keras_models["y_mish"],
                               rtol=1e-6, atol=1e-6)


def test_every_load_model_option_is_a_network_key():
    params = [p for p in inspect.signature(load_model).parameters if p != "path"]
    assert set(params) <= set(_NETWORK_KEYS["file"]), set(params) - set(_NETWORK_KEYS["file"])


def test_torch_activation_modules_with_parameters(tmp_path):
    torch = pytest.importorskip("torch")
    nn = torch.nn
    torch.manual_seed(0)
    mods = [nn.ELU(0.5), nn.LeakyReLU(0.05), nn.Softplus(beta=2.0), nn.GELU(), nn.SiLU(), nn.Hardsigmoid(),
            nn.SELU(), nn.Softsign()]
    layers = []
    for m in mods:
        layers += [nn.Linear(4, 4), m]
    seq = nn.Sequential(*layers, nn.Linear(4, 2)).double()
    x = np.random.default_rng(2).normal(size=(7, 4)) * 2
    want = seq(torch.tensor(x)).detach().numpy()
    net = from_torch(seq)
    assert [(a.name, a.param) for a in net.activations[1:-1]] == [
        ("elu", 0.5), ("leaky_relu", 0.05), ("softplus", 2.0), ("gelu", 0.0), ("swish", 0.0),
        ("hard_sigmoid", 1 / 6), ("selu", 0.0), ("softsign", 0.0)]
    np.testing.assert_allclose(fn.forward(net, x)[1][-1], want, rtol=1e-12, atol=1e-12)
    # a state dict with activations given as torch classes / instances, from a config as names
    path = tmp_path / "mlp.pt"
    torch.save(seq.state_dict(), path)
    net2 = load_model(path, activations=mods[:3] + [type(m) for m in mods[3:]] + ["linear"])
    np.testing.assert_allclose(fn.forward(net2, x)[1][-1], want, rtol=1e-12, atol=1e-12)
    acts = '["elu:0.5", "leaky_relu:0.05", "softplus:2", "gelu", "silu", "hard_sigmoid", "selu", "softsign", "linear"]'
    cfg = loads_config(f'[network]\nkind = "file"\npath = "mlp.pt"\nformat = "torch"\nactivations = {acts}\n'
                       '[inputs]\nkind = "uniform"\ncount = 2\n', str(tmp_path))
    np.testing.assert_allclose(fn.forward(cfg.network, x)[1][-1], want, rtol=1e-12, atol=1e-12)
    with pytest.raises(ModelFileError, match=r"GELU\(approximate='tanh'\).*exact erf form.*numba.njit"):
        from_torch(nn.Sequential(nn.Linear(2, 2), nn.GELU(approximate="tanh")))
    with pytest.raises(ModelFileError, match=r"type Mish is not a fastnoise built-in.*numba.njit"):
        from_torch(nn.Sequential(nn.Linear(2, 2), nn.Mish()))


def test_npz_messages_name_the_layout_and_the_fix(tmp_path):
    rng = np.random.default_rng(0)
    p = tmp_path / "zero.npz"
    np.savez(p, W0=rng.normal(size=(8, 6)), b0=np.zeros(8), W1=rng.normal(size=(2, 8)), b1=np.zeros(2))
    with pytest.raises(ModelFileError, match=r"has W0, W1, b0, b1: W/b names are one-based \(W1 is the first "
                                             r"layer.*rename W0→W1, W1→W2, b0→b1, b1→b2"):
        load_model(p, activations=["relu", "linear"])
    q = tmp_path / "inout.npz"
    np.savez(q, W1=rng.normal(size=(784, 128)), b1=np.zeros(128), W2=rng.normal(size=(128, 10)))
    with pytest.raises(ModelFileError, match=r"W1 \(784, 128\), W2 \(128, 10\): that is the \(in, out\) "
                                             r"layout.*holds \(out, in\) matrices \(W1 \(128, 784\)\); transpose"):
        load_model(q, activations=["relu", "linear"])


def test_symmetric_network_with_new_activation_parameters():
    cfg = loads_config('[network]\nkind = "symmetric"\nwidths = [1, 5, 1]\nactivation = "elu"\nalpha = 0.5\n'
                       '[inputs]\nkind = "linspace"\ncount = 3\n')
    assert (cfg.network.activations[1].name, cfg.network.activations[1].param) == ("elu", 0.5)
    cfg = loads_config('[network]\nkind = "symmetric"\nwidths = [1, 5, 1]\nactivation = "leaky_relu"\n'
                       'negative_slope = 0.2\n[inputs]\nkind = "linspace"\ncount = 3\n')
    assert cfg.network.activations[1].param == 0.2 and cfg.spec["network"]["negative_slope"] == 0.2
    with pytest.raises(ValueError, match=r'gain in \[network\] does not apply to activation = "gelu"; it has '
                                         r"no parameter"):
        loads_config('[network]\nkind = "symmetric"\nwidths = [1, 5, 1]\nactivation = "gelu"\ngain = 2.0\n'
                     '[inputs]\nkind = "linspace"\ncount = 3\n')
