"""Importing trained models (Keras .h5/.keras, PyTorch state dicts, .npz) into fastnoise.

The Keras fixtures in tests/data/models were written by real Keras 3 (see
make_keras_fixtures.py there); these tests read them without Keras.  The
PyTorch tests build and save real models at run time.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import zipfile

import h5py
import numpy as np
import pytest

import fastnoise as fn
from fastnoise.importers import (ModelFileError, from_keras, from_npz, from_torch, load_model,
                                 to_npz)

MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "models")
REF = os.path.join(MODELS, "reference.npz")


def _raises(exc_type, fn_, *args, match: str, **kwargs) -> str:
    """Call fn_ expecting exc_type whose one-line message matches ``match``."""
    with pytest.raises(exc_type, match=match) as info:
        fn_(*args, **kwargs)
    msg = str(info.value)
    assert "\n" not in msg, msg
    return msg


def _out(net, x):
    return fn.forward(net, x)[1][-1]


def _acts(net):
    return [a.name for a in net.activations]


def _rewrite_keras_config(src, dst, edit):
    """Copy a .keras archive, passing its config.json through ``edit``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "config.json":
                cfg = json.loads(data)
                edit(cfg)
                data = json.dumps(cfg).encode()
            zout.writestr(item, data)


def _layers(cfg):
    return cfg["config"]["layers"]


# -- Keras fixtures written by real Keras 3 -------------------------------------------

@pytest.mark.parametrize("name", ["seq.keras", "seq.h5", "functional.keras", "functional.h5"])
def test_keras_fixture_matches_keras_predict(name):
    ref = np.load(REF)
    net = load_model(os.path.join(MODELS, name))
    stem = name.split(".")[0]
    if stem == "seq":
        assert net.widths == (3, 4, 5, 6, 2)
        assert _acts(net) == ["linear", "logistic", "tanh", "relu", "linear"]
        assert np.all(net.biases[2] == 0)  # Dense(use_bias=False)
    else:
        assert net.widths == (3, 4, 2)
        assert _acts(net) == ["linear", "relu", "linear"]
    # Keras' torch backend computes partly in float32, even for float64 models
    np.testing.assert_allclose(_out(net, ref["x"]), ref[f"y_{stem}"], rtol=1e-6, atol=1e-6)


def test_keras_archive_and_h5_agree_exactly_with_raw_weights():
    """Kernels are transposed and chained in order: exact against the raw datasets."""
    with zipfile.ZipFile(os.path.join(MODELS, "seq.keras")) as z:
        blob = z.read("model.weights.h5")
    path = os.path.join(MODELS, "seq.keras")
    with h5py.File(io.BytesIO(blob), "r") as f:
        v = {k: [f[f"layers/{k}/vars/{i}"][()] for i in range(len(f[f"layers/{k}/vars"]))]
             for k in ("dense", "dense_1", "dense_2", "dense_3")}
    x = np.load(REF)["x"]
    h = 1 / (1 + np.exp(-(x @ v["dense"][0] + v["dense"][1])))
    h = np.tanh(h @ v["dense_1"][0])
    h = np.maximum(h @ v["dense_2"][0] + v["dense_2"][1], 0)
    h = h @ v["dense_3"][0] + v["dense_3"][1]
    for p in (path, os.path.join(MODELS, "seq.h5")):
        np.testing.assert_allclose(_out(from_keras(p), x), h, rtol=1e-12, atol=1e-13)


def test_keras_archive_without_layer_names(tmp_path):
    """Early Keras 3 archives: '_layer_checkpoint_dependencies', no 'name' attributes on 'vars'."""
    src = os.path.join(MODELS, "seq.keras")
    with zipfile.ZipFile(src) as z:
        blob = z.read("model.weights.h5")
    tmp = tmp_path / "w.h5"
    tmp.write_bytes(blob)
    with h5py.File(tmp, "a") as f:
        f.move("layers", "_layer_checkpoint_dependencies")
        for key in f["_layer_checkpoint_dependencies"]:
            del f[f"_layer_checkpoint_dependencies/{key}/vars"].attrs["name"]
    dst = tmp_path / "old.keras"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = tmp.read_bytes() if item.filename == "model.weights.h5" else zin.read(item.filename)
            zout.writestr(item, data)
    assert load_model(dst).digest() == load_model(src).digest()


def test_keras_conv_fixture_loads():
    """conv.keras (Input(4, 4, 1) → Conv2D → Flatten → Dense), once the refused example, now loads
    (the CNN tests are in tests/test_import_cnn.py)."""
    ref = np.load(REF)
    net = load_model(os.path.join(MODELS, "conv.keras"))
    assert [op.kind for op in net.ops] == ["conv2d", "flatten", "dense"] and net.input_shape == (4, 4, 1)
    np.testing.assert_allclose(_out(net, ref["x_conv"]), ref["y_conv"], rtol=1e-5, atol=1e-6)


def test_keras_unsupported_layer(tmp_path):
    dst = tmp_path / "depthwise.keras"

    def edit(cfg):
        _layers(cfg)[1]["class_name"] = "DepthwiseConv2D"

    _rewrite_keras_config(os.path.join(MODELS, "conv.keras"), dst, edit)
    _raises(ModelFileError, load_model, dst,
            match=r"^layer 'conv2d' of type DepthwiseConv2D cannot be mapped to a fastnoise network; "
                  r"supported: Dense, Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, "
                  r"GlobalMaxPooling2D, Activation, ReLU, LeakyReLU, ELU, Softmax, BatchNormalization, "
                  r"Flatten, Reshape, Dropout, SpatialDropout2D, InputLayer$")


def test_keras_unknown_activation_and_activation_map(tmp_path):
    dst = tmp_path / "softmax.keras"

    def edit(cfg):
        _layers(cfg)[-1]["config"]["activation"] = "softmax"

    _rewrite_keras_config(os.path.join(MODELS, "functional.keras"), dst, edit)
    assert _acts(load_model(dst))[-1] == "softmax"          # the readout itself
    net = load_model(dst, activation_map={"softmax": "linear"})
    assert _acts(net)[-1] == "linear"
    _raises(ModelFileError, load_model, dst, activation_map={"softmax": "sigmoid"}, match="ambiguous")


def test_keras_two_activations_on_one_layer(tmp_path):
    dst = tmp_path / "double.keras"

    def edit(cfg):
        for lay in _layers(cfg):
            if lay["config"].get("name") == "dense_1":
                lay["config"]["activation"] = "relu"

    _rewrite_keras_config(os.path.join(MODELS, "seq.keras"), dst, edit)
    _raises(ModelFileError, load_model, dst,
            match="layer 'activation' applies tanh after layer 'dense_1', which already applies relu")


def test_keras_functional_not_a_chain(tmp_path):
    dst = tmp_path / "branch.keras"

    def edit(cfg):
        lay = _layers(cfg)[-1]  # feed the output layer from both the input and the hidden layer
        args = lay["inbound_nodes"][0]["args"]
        twin = json.loads(json.dumps(args[0]))
        twin["config"]["keras_history"][0] = _layers(cfg)[0]["name"]
        lay["inbound_nodes"][0]["args"] = [[args[0], twin]]

    _rewrite_keras_config(os.path.join(MODELS, "functional.keras"), dst, edit)
    _raises(ModelFileError, load_model, dst, match="takes 2 inputs .*plain chain")


def _write_tf_keras2_h5(path, kernels, biases, acts):
    """A functional model in the tf.keras 2 legacy layout, written by hand after its spec."""
    layers = [{"class_name": "InputLayer", "name": "input_1",
               "config": {"batch_input_shape": [None, kernels[0].shape[0]], "dtype": "float32",
                          "name": "input_1"}, "inbound_nodes": []}]
    prev = "input_1"
    for i, (k, a) in enumerate(zip(kernels, acts), start=1):
        name = f"dense_{i}"
        layers.append({"class_name": "Dense", "name": name,
                       "config": {"name": name, "units": k.shape[1], "activation": a, "use_bias": True},
                       "inbound_nodes": [[[prev, 0, 0, {}]]]})
        prev = name
    cfg = {"class_name": "Functional",
           "config": {"name": "model", "layers": layers, "input_layers": [["input_1", 0, 0]],
                      "output_layers": [[prev, 0, 0]]}}
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(cfg)
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = np.array([b"input_1"] + [f"dense_{i}".encode() for i in
                                                          range(1, len(kernels) + 1)])
        g.create_group("input_1").attrs["weight_names"] = np.array([], dtype="S1")
        for i, (k, b) in enumerate(zip(kernels, biases), start=1):
            lg = g.create_group(f"dense_{i}")
            lg.attrs["weight_names"] = np.array([f"dense_{i}/kernel:0".encode(), f"dense_{i}/bias:0".encode()])
            lg.create_dataset(f"dense_{i}/kernel:0", data=k.astype(np.float32))
            lg.create_dataset(f"dense_{i}/bias:0", data=b.astype(np.float32))


def test_tf_keras2_legacy_layout(tmp_path, np_rng):
    """Hand-written after the tf.keras 2 HDF5 layout (weight names 'dense_1/kernel:0')."""
    ks = [np_rng.normal(size=(3, 5)), np_rng.normal(size=(5, 2))]
    bs = [np_rng.normal(size=5), np_rng.normal(size=2)]
    path = tmp_path / "tfk2.h5"
    _write_tf_keras2_h5(path, ks, bs, ["tanh", "sigmoid"])
    net = load_model(path)
    assert _acts(net) == ["linear", "tanh", "logistic"]
    k32 = [k.astype(np.float32).astype(float) for k in ks]
    b32 = [b.astype(np.float32).astype(float) for b in bs]
    x = np_rng.normal(size=(6, 3))
    want = 1 / (1 + np.exp(-(np.tanh(x @ k32[0] + b32[0]) @ k32[1] + b32[1])))
    np.testing.assert_allclose(_out(net, x), want, rtol=1e-12, atol=1e-14)


def test_keras_regenerated(tmp_path, monkeypatch):
    """With Keras installed: rebuild the fixtures, compare them and the committed ones with Keras."""
    monkeypatch.setenv("KERAS_BACKEND", os.environ.get("KERAS_BACKEND", "torch"))  # no TensorFlow needed
    keras = pytest.importorskip("keras")
    sys.path.insert(0, MODELS)
    try:
        import make_keras_fixtures as mk
    finally:
        sys.path.remove(MODELS)
    mk.write(str(tmp_path), keras)
    fresh = np.load(tmp_path / "reference.npz")
    committed = np.load(REF)
    for name in ("seq.keras", "seq.h5", "functional.keras", "functional.h5"):
        stem = name.split(".")[0]
        np.testing.assert_allclose(_out(load_model(tmp_path / name), fresh["x"]), fresh[f"y_{stem}"],
                                   rtol=1e-6, atol=1e-6)
        m = keras.saving.load_model(os.path.join(MODELS, name), compile=False)
        y = np.asarray(m.predict(committed["x"].astype(m.inputs[0].dtype), verbose=0), dtype=float)
        np.testing.assert_allclose(y, committed[f"y_{stem}"], rtol=1e-6, atol=1e-6)
    for stem in ("conv", "cnn"):        # the image models: fresh files against their fresh predictions
        for name in (f"{stem}.keras", f"{stem}.h5"):
            if (tmp_path / name).exists():
                np.testing.assert_allclose(_out(load_model(tmp_path / name), fresh[f"x_{stem}"]),
                                           fresh[f"y_{stem}"], rtol=1e-5, atol=1e-6)


# -- Keras: bad files ---------------------------------------------------------------------

def test_zip_named_h5_and_format_override(tmp_path):
    dst = tmp_path / "model.h5"
    shutil.copy(os.path.join(MODELS, "functional.keras"), dst)
    _raises(ModelFileError, load_model, dst,
            match=r"is a Keras 3 zip archive \(\.keras\), not what its extension \.h5 says; rename it to "
                  r"\.keras or pass format='keras'")
    assert load_model(dst, format="keras").widths == (3, 4, 2)
    _raises(ModelFileError, load_model, dst, format="torch", match="not a torch file")
    _raises(ModelFileError, load_model, dst, format="tflite", match="format='tflite' is not known")
    _raises(ModelFileError, load_model, dst, format="onnx", match=r"is a Keras 3 zip archive \(.keras\), not an onnx file")


def test_truncated_hdf5(tmp_path):
    data = open(os.path.join(MODELS, "seq.h5"), "rb").read()
    dst = tmp_path / "cut.h5"
    dst.write_bytes(data[: len(data) // 2])
    _raises(ModelFileError, load_model, dst, match=r"is a truncated HDF5 file .*save the model again")


def test_truncated_keras_archive(tmp_path):
    data = open(os.path.join(MODELS, "seq.keras"), "rb").read()
    dst = tmp_path / "cut.keras"
    dst.write_bytes(data[: len(data) - 200])
    _raises(ModelFileError, load_model, dst, match="damaged or truncated zip archive")


def test_keras_h5_missing_weights(tmp_path):
    dst = tmp_path / "noweights.h5"
    shutil.copy(os.path.join(MODELS, "seq.h5"), dst)
    with h5py.File(dst, "a") as f:
        del f["model_weights/dense_2"]
    _raises(ModelFileError, load_model, dst, match="has no weights for layer 'dense_2'")
    with h5py.File(dst, "a") as f:
        del f["model_weights"]
    _raises(ModelFileError, load_model, dst, match="no 'model_weights' group: the weights are missing")


def test_keras_weights_only_h5(tmp_path):
    dst = tmp_path / "w.h5"
    with h5py.File(dst, "w") as f:
        f.attrs["layer_names"] = np.array([b"dense"])
    _raises(ModelFileError, load_model, dst, match=r"holds Keras weights only \(model.save_weights\)")


def test_keras_archive_missing_weights(tmp_path):
    dst = tmp_path / "noweights.keras"
    with zipfile.ZipFile(os.path.join(MODELS, "seq.keras")) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            if item.filename != "model.weights.h5":
                zout.writestr(item, zin.read(item.filename))
    _raises(ModelFileError, load_model, dst, match="has no model.weights.h5: the weights are missing")


def test_hdf5_that_is_no_model(tmp_path):
    dst = tmp_path / "other.h5"
    with h5py.File(dst, "w") as f:
        f["x"] = np.arange(3)
    _raises(ModelFileError, load_model, dst, match="neither a Keras 'model_config' attribute nor")
    with h5py.File(dst, "a") as f:
        f.create_group("runs")
    _raises(ModelFileError, load_model, dst, match="is a fastnoise store; pass group=")


# -- PyTorch --------------------------------------------------------------------------

def _torch():
    return pytest.importorskip("torch")


def _torch_model(torch, bias_last=True):
    torch.manual_seed(0)
    nn = torch.nn
    return nn.Sequential(nn.Linear(3, 6), nn.Sigmoid(), nn.Linear(6, 5), nn.Tanh(),
                         nn.Linear(5, 2, bias=bias_last)).double()


def test_torch_state_dict_matches_torch(tmp_path, np_rng):
    torch = _torch()
    model = _torch_model(torch)
    path = tmp_path / "mlp.pt"
    torch.save(model.state_dict(), path)
    x = np_rng.uniform(-2, 2, (20, 3))
    with torch.no_grad():
        want = model(torch.from_numpy(x)).numpy()
    net = load_model(path, activations=["logistic", "tanh", "linear"])
    assert net.widths == (3, 6, 5, 2) and _acts(net) == ["linear", "logistic", "tanh", "linear"]
    np.testing.assert_allclose(_out(net, x), want, rtol=0, atol=1e-10)
    # the module itself (activations read from it), its state dict, torch.nn activation modules
    nn = torch.nn
    for other in (from_torch(model), from_torch(model.state_dict(), ["logistic", "tanh", "linear"]),
                  from_torch(path, [nn.Sigmoid(), nn.Tanh, nn.Identity()]),
                  from_torch(path, ["linear", "logistic", "tanh", "linear"])):
        assert other.digest() == net.digest()


def test_torch_no_bias_checkpoint_and_legacy_file(tmp_path, np_rng):
    torch = _torch()
    model = _torch_model(torch, bias_last=False)
    x = np_rng.uniform(-2, 2, (5, 3))
    with torch.no_grad():
        want = model(torch.from_numpy(x)).numpy()
    path = tmp_path / "ckpt.pth"
    torch.save({"epoch": 3, "model_state_dict": model.state_dict()}, path)
    net = load_model(path, activations=["logistic", "tanh", "linear"])
    assert np.all(net.biases[3] == 0)
    np.testing.assert_allclose(_out(net, x), want, rtol=0, atol=1e-10)
    legacy = tmp_path / "legacy.pt"
    torch.save(model.state_dict(), legacy, _use_new_zipfile_serialization=False)
    assert load_model(legacy, activations=["logistic", "tanh", "linear"]).digest() == net.digest()


def test_torch_needs_activations(tmp_path):
    torch = _torch()
    path = tmp_path / "mlp.pt"
    torch.save(_torch_model(torch).state_dict(), path)
    _raises(ModelFileError, load_model, path,
            match=r"mlp.pt is a PyTorch state dict, which holds no activations; pass "
                  r"activations=\[\.\.\.\] with 3 entries, one per Linear "
                  r"layer \('0', '2', '4'\)")
    _raises(ModelFileError, load_model, path, activations=["relu"], match="got 1 activations for the 3")
    _raises(ModelFileError, load_model, path, activations=["sigmoid", "tanh", "linear"],
            match="'sigmoid' is ambiguous here.*'logistic' or 'shifted_sigmoid'")
    _raises(ModelFileError, load_model, path, activations=["logistc", "tanh", "linear"],
            match="did you mean 'logistic'")


def test_torch_mismatched_shapes():
    torch = _torch()
    sd = {"a.weight": torch.zeros(4, 3), "a.bias": torch.zeros(4), "b.weight": torch.zeros(2, 5)}
    _raises(ModelFileError, from_torch, sd, ["relu", "linear"],
            match=r"^'b.weight' has shape \(2, 5\) but the previous layer's 'a.weight' has shape \(4, 3\)")
    sd = {"a.weight": torch.zeros(4, 3), "a.bias": torch.zeros(5)}
    _raises(ModelFileError, from_torch, sd, ["relu"], match=r"'a.bias' has shape \(5,\) but 'a.weight'")


def test_torch_unmappable_layers(tmp_path):
    torch = _torch()
    nn = torch.nn
    bn = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1))
    _raises(ModelFileError, from_torch, bn.state_dict(), ["relu", "linear"],
            match=r"'1.weight' has shape \(4,\), not a Linear layer's .*normalisation")
    assert from_torch(bn.eval()).widths == (3, 4, 1)     # a module: folded (tests/test_batchnorm.py)
    bad = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4, track_running_stats=False), nn.Linear(4, 1))
    _raises(ModelFileError, from_torch, bad, match="keeps no running statistics")
    conv = nn.Sequential(nn.Conv2d(1, 2, 3))
    _raises(ModelFileError, from_torch, conv.state_dict(), ["relu"], match=r"shape \(2, 1, 3, 3\).*convolution")
    sd = {"x.weight": torch.zeros(2, 2), "x.running_mean": torch.zeros(2)}
    _raises(ModelFileError, from_torch, sd, ["relu"], match="'x.running_mean' .* is not a Linear")


def test_torch_refuses_pickled_module(tmp_path):
    torch = _torch()
    path = tmp_path / "whole.pt"
    torch.save(_torch_model(torch), path)
    _raises(ModelFileError, load_model, path, activations=["relu", "relu", "linear"],
            match=r"pickles Python objects other than tensors .*model.state_dict\(\)")


def test_torch_bad_files(tmp_path):
    torch = _torch()
    txt = tmp_path / "notes.pt"
    txt.write_text("hello world\nthis is not a model\n")
    _raises(ModelFileError, load_model, txt, activations=["relu"],
            match=r"notes.pt is a text file starting 'hello world', not a PyTorch model file")
    path = tmp_path / "mlp.pt"
    torch.save(_torch_model(torch).state_dict(), path)
    data = path.read_bytes()
    cut = tmp_path / "cut.pt"
    cut.write_bytes(data[: len(data) // 2])
    _raises(ModelFileError, load_model, cut, activations=["relu"] * 3, match="damaged or truncated")
    h5 = tmp_path / "net.pt"
    fn.symmetric([1, 3, 1]).save(h5)
    _raises(ModelFileError, load_model, h5, match="is an HDF5 file, not what its extension .pt says; rename it to .h5 or pass "
            "format='keras' or format='fastnoise'")
    _raises(ModelFileError, from_torch, os.path.join(MODELS, "seq.h5"), ["relu"], match="not a PyTorch file")


# -- .npz ------------------------------------------------------------------------------

def test_npz_round_trip(tmp_path, np_rng):
    net = fn.Network.from_layers(
        [np_rng.normal(size=(4, 2)), np_rng.normal(size=(3, 4)), np_rng.normal(size=(1, 3))],
        [np_rng.normal(size=4), np_rng.normal(size=3), np_rng.normal(size=1)],
        [fn.activations.shifted_sigmoid(3.5), "tanh", fn.activations.logistic(2.0)])
    path = tmp_path / "net.npz"
    to_npz(net, path)
    back = load_model(path)
    assert back.digest() == net.digest()
    assert [(a.name, a.param) for a in back.activations] == [(a.name, a.param) for a in net.activations]
    x = np_rng.normal(size=(5, 2))
    np.testing.assert_array_equal(_out(back, x), _out(net, x))
    _raises(FileExistsError, to_npz, net, path, match="exists; pass overwrite=True")
    to_npz(net, path, overwrite=True)
    assert from_npz(path, activations=["relu", "relu", "linear"]).activations[1].name == "relu"


def test_npz_zero_based_layout_and_errors(tmp_path, np_rng):
    w0, w1 = np_rng.normal(size=(4, 2)), np_rng.normal(size=(1, 4))
    p = tmp_path / "a.npz"
    np.savez(p, weights_0=w0, weights_1=w1, biases_1=np.ones(1))
    _raises(ModelFileError, load_model, p, match=r"no 'activations' array; pass activations=\[\.\.\.\] with 2")
    net = load_model(p, activations=["relu", "linear"])
    x = np_rng.normal(size=(3, 2))
    np.testing.assert_allclose(_out(net, x), np.maximum(x @ w0.T, 0) @ w1.T + 1, rtol=1e-13)

    cases = [
        (dict(W1=w0, weights_1=w1), "mixes the naming schemes"),
        (dict(W1=w0, W3=w1), r"lacks weight array\(s\) W2"),
        (dict(W1=w0, W2=w1, extra=np.ones(2)), "unexpected arrays 'extra'"),
        (dict(W1=w0, W2=w0), r"'W2' .* has shape \(4, 2\) but 'W1' has shape \(4, 2\); expected \(4, 4\)"),
        (dict(W1=w0, b1=np.ones(3)), r"'b1' .* has shape \(3,\); expected \(4,\)"),
        (dict(W1=w0, activations=np.array(["sigmoid"])), "'sigmoid' is ambiguous"),
        (dict(W1=w0, activations=np.array(["tanh:x"])), "has parameter 'x', not a number"),
        (dict(b1=np.ones(2)), "no weight arrays"),
    ]
    for i, (arrays, match) in enumerate(cases):
        q = tmp_path / f"bad{i}.npz"
        np.savez(q, **arrays)
        _raises(ModelFileError, load_model, q, match=match)
    txt = tmp_path / "t.npz"
    txt.write_text("W1,b1\n")
    _raises(ModelFileError, load_model, txt, match="is a text file starting 'W1,b1', not a .npz model file")


# -- fastnoise network files and dispatch --------------------------------------------------

def test_fastnoise_network_file(tmp_path, dense_net):
    path = tmp_path / "net.h5"
    dense_net.save(path)
    assert load_model(path).digest() == dense_net.digest()
    assert load_model(path, format="fastnoise").digest() == dense_net.digest()
    other = tmp_path / "net.hdf5"
    dense_net.save(other, group="trained")
    assert load_model(other, group="trained").digest() == dense_net.digest()
    _raises(ModelFileError, load_model, path, activations=["relu"], match="activations= does not apply")
    _raises(ModelFileError, load_model, path, format="keras", match="is a fastnoise network file, not a Keras")


def test_missing_and_empty_files(tmp_path):
    _raises(FileNotFoundError, load_model, tmp_path / "nope.h5", match="no such file")
    empty = tmp_path / "empty.keras"
    empty.write_bytes(b"")
    _raises(ModelFileError, load_model, empty, match="is an empty file, not a Keras model file")
    _raises(ModelFileError, load_model, tmp_path, match="is a folder")
