"""Importing convolutional networks (issue 17, item 3): Keras, PyTorch and ONNX models with
convolution, pooling, flatten and batch-normalisation layers.

The fixtures in tests/data/models were written by the real libraries
(``make_keras_fixtures.py``, ``make_onnx_fixtures.py`` there) with the libraries' own outputs
beside them; the models refused here are built with the real libraries at run time.  Float32
models match their library to float32 precision; float64 PyTorch models and float64 copies of
the ONNX models (the ``onnx`` reference evaluator) match to rounding, which shows that batch
normalisations are folded exactly and that the channels-first flatten order is reordered
exactly.
"""

from __future__ import annotations

import io
import os
import sys
import zipfile

import h5py
import numpy as np
import pytest

import fastnoise as fn
from checks import double_onnx
from fastnoise.importers import ModelFileError, from_torch, load_model

MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "models")


def _out(net, x):
    return fn.forward(net, x)[1][-1]


def _raises(fn_, *args, match: str, **kwargs) -> str:
    """Call ``fn_`` expecting a one-line ModelFileError matching ``match``."""
    with pytest.raises(ModelFileError, match=match) as info:
        fn_(*args, **kwargs)
    msg = str(info.value)
    assert "\n" not in msg, msg
    return msg


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def _fixture_script(name: str):
    sys.path.insert(0, MODELS)
    try:
        return __import__(name)
    finally:
        sys.path.remove(MODELS)


# -- Keras ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["cnn.keras", "cnn.h5"])
def test_keras_cnn_matches_keras_predict(name):
    ref = np.load(os.path.join(MODELS, "reference.npz"))
    net = load_model(os.path.join(MODELS, name))
    assert [op.kind for op in net.ops] == ["conv2d", "maxpool2d", "conv2d", "avgpool2d", "flatten", "dense"]
    assert net.input_shape == (11, 11, 2) and net.input_order == "channels_last"
    assert net.shapes[1:] == ((9, 9, 4), (5, 5, 4), (3, 3, 3), (3, 3, 3), (27,), (5,))
    assert [a.name for a in net.activations] == ["linear", "relu", "linear", "tanh", "linear", "linear", "softmax"]
    assert net.ops[1].padding == (0, 1, 0, 1) and net.ops[2].padding == (1, 1, 1, 1)
    assert net.ops[3].padding == (0, 1, 0, 1) and not net.ops[3].count_pad   # Keras leaves padding out
    x = ref["x_cnn"]                                     # (T, H, W, C), Keras' own order
    for given in (x, x.reshape(len(x), -1)):
        np.testing.assert_allclose(_out(net, given), ref["y_cnn"], rtol=1e-5, atol=2e-6)


def test_keras_cnn_batchnorm_folded_exactly_into_the_conv():
    """The folded kernel and bias against the raw weights of the archive."""
    with zipfile.ZipFile(os.path.join(MODELS, "cnn.keras")) as z, \
            h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as f:
        k, b = (f[f"layers/conv2d/vars/{i}"][()].astype(float) for i in range(2))
        gamma, beta, mean, var = (f[f"layers/batch_normalization/vars/{i}"][()].astype(float) for i in range(4))
    s = gamma / np.sqrt(var + 1e-3)
    conv = load_model(os.path.join(MODELS, "cnn.keras")).ops[0]
    np.testing.assert_allclose(conv.kernel, k * s, rtol=1e-15, atol=0)
    np.testing.assert_allclose(conv.bias, s * (b - mean) + beta, rtol=1e-14, atol=1e-15)
    assert load_model(os.path.join(MODELS, "cnn.h5")).digest() == load_model(os.path.join(MODELS, "cnn.keras")).digest()


def _keras_model(keras, layers, shape=(8, 8, 2), seed=3, bn_stats=True):
    """A float32 Keras Sequential with nonzero biases and live batch-normalisation statistics."""
    keras.utils.set_random_seed(seed)
    m = keras.Sequential([keras.Input(shape)] + layers)
    rng = np.random.default_rng(seed)
    for layer in m.layers:
        if bn_stats and type(layer).__name__ == "BatchNormalization":
            n = layer.get_weights()[0].shape[0]
            layer.set_weights([rng.uniform(0.5, 2.0, n), rng.normal(0, 0.3, n), rng.normal(0, 0.2, n),
                               rng.uniform(0.2, 1.0, n)])
        elif type(layer).__name__ in ("Conv2D", "Dense"):
            k, b = layer.get_weights()
            layer.set_weights([k, rng.normal(0, 0.2, b.shape).astype(b.dtype)])
    return m


def test_keras_batchnorm_after_an_activation(tmp_path):
    """Conv2D(relu) → BatchNormalization → MaxPooling2D: the normalisation waits and goes into the
    next Conv2D without padding, or into the Dense layer after the Flatten."""
    keras = _keras()
    L = keras.layers
    x = np.random.default_rng(5).uniform(-1, 1, (6, 8, 8, 2)).astype("float32")
    for tail in ([L.Flatten(), L.Dense(4, activation="softmax")],
                 [L.Conv2D(3, 2, activation="tanh"), L.GlobalAveragePooling2D(), L.Dense(2)]):
        m = _keras_model(keras, [L.Conv2D(4, 3, activation="relu"), L.BatchNormalization(), L.MaxPooling2D(2)]
                         + tail)
        m.save(tmp_path / "m.keras")
        net = load_model(tmp_path / "m.keras")
        np.testing.assert_allclose(_out(net, x.astype(float)), m.predict(x, verbose=0), rtol=1e-5, atol=2e-6)
    m = _keras_model(keras, [L.Conv2D(4, 3, activation="relu", name="c1"), L.BatchNormalization(),
                             L.MaxPooling2D(2), L.Conv2D(3, 3, padding="same", name="c2"), L.Flatten(), L.Dense(2)])
    m.save(tmp_path / "padded.keras")
    _raises(load_model, tmp_path / "padded.keras",
            match=r"^Conv2D layer 'c2' pads its input \(1, 1, 1, 1\) .* after a batch normalisation that "
                  r"follows an activation or pooling; .*without padding only")


def test_keras_global_pooling_and_activation_layers(tmp_path):
    keras = _keras()
    L = keras.layers
    m = _keras_model(keras, [L.Conv2D(4, 3, padding="same"), L.ReLU(), L.AveragePooling2D(2, padding="same"),
                             L.Conv2D(3, 2), L.Activation("sigmoid"), L.GlobalMaxPooling2D(), L.Dense(2)],
                     shape=(7, 7, 1))
    m.save(tmp_path / "g.keras")
    net = load_model(tmp_path / "g.keras")
    assert [op.kind for op in net.ops] == ["conv2d", "avgpool2d", "conv2d", "maxpool2d", "dense"]
    assert [a.name for a in net.activations][1:4] == ["relu", "linear", "logistic"]
    x = np.random.default_rng(6).uniform(-1, 1, (5, 7, 7, 1)).astype("float32")
    np.testing.assert_allclose(_out(net, x.astype(float)), m.predict(x, verbose=0), rtol=1e-5, atol=2e-6)


def test_keras_refusals_name_the_layer(tmp_path):
    keras = _keras()
    L = keras.layers
    cases = [
        ([L.Conv2D(2, 3, dilation_rate=2, name="dil")], r"^Conv2D layer 'dil' has dilation_rate=\[2, 2\]; "
                                                        r"fastnoise maps dilation_rate=1 only$"),
        ([L.Conv2D(2, 3, groups=2, name="grp")], r"^Conv2D layer 'grp' has groups=2; fastnoise maps groups=1 only$"),
        ([L.Conv2D(2, 3, data_format="channels_first", name="cf")],
         r"^Conv2D layer 'cf' has data_format='channels_first'; fastnoise maps channels-last models only"),
        ([L.Conv2D(2, 3, name="c"), L.MaxPooling2D(2), L.Activation("relu", name="late")],
         r"^layer 'late' applies relu after a maxpool2d layer, which has no activation in fastnoise; put the "
         r"activation before the pooling"),
        ([L.Conv2D(2, 3, name="c"), L.Dense(3, name="d")], r"^Dense layer 'd' acts on the last axis .*add a Flatten"),
        ([L.Conv2D(2, 3, activation="softmax", name="sm")], r"^layer 'sm' applies softmax to a map"),
    ]
    for layers, match in cases:
        first = layers[0].get_config().get("data_format") == "channels_first"
        m = _keras_model(keras, layers, shape=(2, 6, 6) if first else (6, 6, 2), bn_stats=False)
        m.save(tmp_path / "bad.keras")
        _raises(load_model, tmp_path / "bad.keras", match=match)
    _raises(load_model, os.path.join(MODELS, "cnn.keras"), input_shape=(2, 11, 11),
            match="input_shape= does not apply to .*cnn.keras, a keras model file, which records its input shape")


# -- PyTorch ----------------------------------------------------------------------------

def _torch():
    return pytest.importorskip("torch")


def test_torch_state_dict_cnn_matches_torch():
    torch = _torch()
    mk = _fixture_script("make_onnx_fixtures")
    ref = np.load(os.path.join(MODELS, "onnx_reference.npz"))
    path = os.path.join(MODELS, "torch_cnn.pt")
    net = load_model(path, architecture=mk.torch_cnn(seed=9), input_shape=mk.TORCH_CNN_INPUT)
    assert net.input_shape == (10, 10, 2) and net.input_order == "channels_first"
    assert [op.kind for op in net.ops] == ["conv2d", "maxpool2d", "conv2d", "avgpool2d", "flatten", "dense"]
    assert net.ops[3].count_pad and net.ops[3].padding == (1, 1, 1, 1)      # count_include_pad=True
    x = ref["torch_cnn.onnx:x"].astype(float)                               # (T, C, H, W), PyTorch's order
    y = ref["torch_cnn.pt:y"]
    for given in (x, x.reshape(len(x), -1), x.transpose(0, 2, 3, 1)):
        np.testing.assert_allclose(_out(net, given), y, rtol=1e-5, atol=2e-6)
    # in float64 the same model matches PyTorch to rounding: folding and reordering are exact
    m64 = mk.torch_cnn()
    m64.load_state_dict(torch.load(path, weights_only=True))
    m64 = m64.double().eval()
    with torch.no_grad():
        want = m64(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(_out(net, x), want, rtol=1e-12, atol=1e-14)
    _raises(load_model, path, architecture=mk.torch_cnn(),
            match=r"^module '0' \(Conv2d\) acts on an image, whose size the model does not record; pass "
                  r"input_shape=\(channels, height, width\)")


def _randomise(torch, model, seed=0):
    """Random batch-normalisation statistics and nonzero biases, in float64, eval mode."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                n = m.num_features
                m.weight.copy_(0.5 + 1.5 * torch.rand(n, generator=g))
                m.bias.copy_(0.3 * torch.randn(n, generator=g))
                m.running_mean.copy_(0.2 * torch.randn(n, generator=g))
                m.running_var.copy_(0.3 + torch.rand(n, generator=g))
    return model.double().eval()


@pytest.mark.parametrize("case", ["conv-bn-relu", "relu-bn-pool-dense", "relu-bn-conv", "input-bn",
                                  "flatten-bn1d", "adaptive"])
def test_torch_batchnorm_folds_exactly(case):
    torch = _torch()
    nn = torch.nn
    torch.manual_seed(1)
    body = {
        "conv-bn-relu": [nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(36, 3)],
        "relu-bn-pool-dense": [nn.Conv2d(2, 4, 3), nn.ReLU(), nn.BatchNorm2d(4), nn.AvgPool2d(2, padding=1,
                               count_include_pad=False), nn.MaxPool2d(2, stride=1), nn.Flatten(), nn.Linear(16, 3)],
        "relu-bn-conv": [nn.Conv2d(2, 4, 3, stride=2), nn.Tanh(), nn.BatchNorm2d(4), nn.Conv2d(4, 3, 2),
                         nn.Sigmoid(), nn.Flatten(), nn.Linear(12, 3)],
        "input-bn": [nn.BatchNorm2d(2), nn.Conv2d(2, 3, 3), nn.ELU(), nn.Flatten(), nn.Linear(75, 2)],
        "flatten-bn1d": [nn.Conv2d(2, 3, 3, stride=2, padding="valid"), nn.ReLU(), nn.Flatten(), nn.BatchNorm1d(27),
                         nn.Linear(27, 4), nn.Softmax(dim=-1)],
        "adaptive": [nn.Conv2d(2, 5, 3, padding="same"), nn.BatchNorm2d(5), nn.LeakyReLU(0.1),
                     nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(5, 2)],
    }[case]
    model = _randomise(torch, nn.Sequential(*body))
    x = np.random.default_rng(2).uniform(-1, 1, (5, 2, 7, 7))
    with torch.no_grad():
        want = model(torch.from_numpy(x)).numpy()
    net = from_torch(model, input_shape=(2, 7, 7))
    assert not any(op.kind == "batchnorm" for op in net.ops)
    np.testing.assert_allclose(_out(net, x), want, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(_out(net, x.reshape(5, -1)), want, rtol=1e-12, atol=1e-13)


def test_torch_refusals_name_the_module():
    torch = _torch()
    nn = torch.nn
    cases = [
        ([nn.Conv2d(1, 2, 3, dilation=2)],
         r"^module '0' \(Conv2d\) has dilation=\(2, 2\); fastnoise maps dilation=1 only$"),
        ([nn.Conv2d(2, 2, 3, groups=2)], r"^module '0' \(Conv2d\) has groups=2; fastnoise maps groups=1 only$"),
        ([nn.Conv2d(1, 2, 3, padding=1, padding_mode="reflect")],
         r"^module '0' \(Conv2d\) has padding_mode='reflect'; fastnoise maps padding_mode='zeros' only$"),
        ([nn.Conv2d(1, 2, 3), nn.MaxPool2d(2, ceil_mode=True)],
         r"^module '1' \(MaxPool2d\) has ceil_mode=True; fastnoise's pooling rounds the output size down"),
        ([nn.Conv2d(1, 2, 3), nn.MaxPool2d(2, dilation=2)],
         r"^module '1' \(MaxPool2d\) has dilation=2; fastnoise maps dilation=1 only$"),
        ([nn.Conv2d(1, 2, 3), nn.AvgPool2d(2, ceil_mode=True)], r"^module '1' \(AvgPool2d\) has ceil_mode=True"),
        ([nn.Conv2d(1, 2, 3), nn.AvgPool2d(2, divisor_override=3)],
         r"^module '1' \(AvgPool2d\) has divisor_override=3; fastnoise averages over the window"),
        ([nn.Conv2d(1, 2, 3), nn.AdaptiveAvgPool2d(2)], r"^module '1' \(AdaptiveAvgPool2d\) has output_size=2; "),
        ([nn.Conv2d(1, 2, 3), nn.Linear(6, 2)],
         r"^module '1' \(Linear\) acts on the last axis of a map; add nn.Flatten"),
        ([nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Conv2d(2, 2, 1)],
         r"^module '2' \(Conv2d\) is a convolution after the map was flattened"),
        ([nn.Conv2d(1, 2, 3), nn.Flatten(2)], r"^module '1' \(Flatten\) flattens dims 2..-1"),
        ([nn.Conv2d(1, 2, 3), nn.ReLU(), nn.BatchNorm2d(2), nn.Conv2d(2, 2, 3, padding=1)],
         r"^module '3' \(Conv2d\) pads its input \(1, 1, 1, 1\) \(top, bottom, left, right\) after a batch "
         r"normalisation"),
        ([nn.Linear(8, 8), nn.Unflatten(1, (2, 2, 2)), nn.Conv2d(2, 1, 1)], r"^module '1' of type Unflatten"),
    ]
    for layers, match in cases:
        shape = (layers[0].in_channels, 8, 8) if isinstance(layers[0], nn.Conv2d) else (8,)
        _raises(from_torch, nn.Sequential(*layers).eval(), input_shape=shape, match=match)
    _raises(from_torch, nn.Sequential(nn.Conv2d(1, 2, 3)), input_shape=(1, 28),
            match=r"^module '0' \(Conv2d\) acts on an image but input_shape is \(1, 28\); give "
                  r"\(channels, height, width\)$")
    _raises(from_torch, nn.Sequential(nn.Conv2d(1, 2, 3)), input_shape="1x28x28", match="^input_shape must be")


def test_torch_dense_model_with_an_input_shape(tmp_path):
    torch = _torch()
    nn = torch.nn
    m = nn.Sequential(nn.Flatten(), nn.Linear(12, 3), nn.Tanh()).double().eval()
    net = from_torch(m, input_shape=(3, 2, 2))
    assert net.is_dense and net.input_shape == (3, 2, 2)        # a vector read in the model's own order
    x = np.random.default_rng(0).normal(size=(4, 3, 2, 2))
    with torch.no_grad():
        np.testing.assert_allclose(_out(net, x), m(torch.from_numpy(x)).numpy(), rtol=1e-12, atol=1e-14)
    torch.save(m.state_dict(), tmp_path / "d.pt")
    assert load_model(tmp_path / "d.pt", activations=["tanh"], input_shape=(3, 2, 2)).input_shape == (3, 2, 2)
    _raises(load_model, tmp_path / "d.pt", activations=["tanh"], input_shape=(3, 2, 3),
            match=r"input_shape \(3, 2, 3\) holds 18 values but the input layer has 12")


# -- ONNX -------------------------------------------------------------------------------

def _onnx():
    onnx = pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    return onnx


@pytest.mark.parametrize("name", ["torch_cnn.onnx", "onnx_conv.onnx"])
def test_onnx_cnn_matches_onnxruntime_and_the_reference_evaluator(name):
    onnx = _onnx()
    import onnxruntime as ort
    from onnx.reference import ReferenceEvaluator

    path = os.path.join(MODELS, name)
    ref = np.load(os.path.join(MODELS, "onnx_reference.npz"))
    net = load_model(path)
    assert net.input_order == "channels_first"
    x = ref[name + ":x"]                                                    # (T, C, H, W)
    for given in (x, x.reshape(len(x), -1), x.transpose(0, 2, 3, 1)):
        np.testing.assert_allclose(_out(net, given.astype(float)), ref[name + ":y"], rtol=1e-5, atol=2e-6)
    y64 = ReferenceEvaluator(double_onnx(path)).run(None, {"x": x.astype(np.float64)})[0]
    np.testing.assert_allclose(_out(net, x.astype(float)), y64, rtol=1e-12, atol=1e-13)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])     # the stored outputs, live
    np.testing.assert_allclose(sess.run(None, {"x": x})[0], ref[name + ":y"], rtol=1e-6, atol=1e-7)


def test_onnx_cnn_layers():
    _onnx()
    net = load_model(os.path.join(MODELS, "torch_cnn.onnx"))
    assert [op.kind for op in net.ops] == ["conv2d", "maxpool2d", "conv2d", "avgpool2d", "flatten", "dense"]
    assert net.input_shape == (10, 10, 2) and net.ops[3].count_pad
    net = load_model(os.path.join(MODELS, "onnx_conv.onnx"))
    assert net.input_shape == (7, 7, 3)
    conv1, pool1, conv2, pool2 = net.ops[:4]
    assert conv1.padding == (1, 1, 1, 1) and conv1.strides == (2, 2)      # SAME_UPPER
    assert pool1.padding == (1, 0, 0, 1)                                  # ONNX pads [t, l, b, r] = [1, 0, 0, 1]
    assert conv2.padding == (0, 1, 1, 0) and pool2.padding == (1, 0, 1, 0) and not pool2.count_pad
    assert [a.name for a in net.activations] == ["linear", "leaky_relu", "linear", "logistic", "linear", "linear",
                                                 "tanh"]


def _onnx_file(onnx, tmp_path, nodes, inits, in_shape, out_shape, name="m.onnx"):
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", *in_shape])],
                              [helper.make_tensor_value_info(nodes[-1].output[0], TensorProto.FLOAT,
                                                             ["n", *out_shape])],
                              [numpy_helper.from_array(np.asarray(a, np.float32), k) for k, a in inits.items()])
    path = tmp_path / name
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def test_onnx_refusals_name_the_node(tmp_path):
    onnx = _onnx()
    from onnx import helper

    k = np.ones((2, 1, 3, 3))
    conv = lambda **kw: helper.make_node("Conv", ["x", "k"], ["h"], name="conv", **kw)   # noqa: E731
    cases = [
        ([conv(auto_pad="SAME_LOWER")],
         r"node 'conv' \(Conv\) has auto_pad=SAME_LOWER .*NOTSET, VALID and SAME_UPPER only$"),
        ([conv(dilations=[2, 2])], r"node 'conv' \(Conv\) has dilations=\[2, 2\]; fastnoise maps dilations=1 only$"),
        ([helper.make_node("Conv", ["x", "k2"], ["h"], name="conv", group=2)],
         r"node 'conv' \(Conv\) has group=2; fastnoise maps group=1 only$"),
        ([conv(), helper.make_node("MaxPool", ["h"], ["p"], name="pool", kernel_shape=[2, 2], ceil_mode=1)],
         r"node 'pool' \(MaxPool\) has ceil_mode=1"),
        ([conv(), helper.make_node("MaxPool", ["h"], ["p"], name="pool", kernel_shape=[2, 2], storage_order=1)],
         r"node 'pool' \(MaxPool\) has storage_order=1"),
        ([conv(), helper.make_node("LpPool", ["h"], ["p"], name="lp", kernel_shape=[2, 2])],
         r"node 'lp' \(LpPool\) is not supported; supported: Gemm, MatMul, Add, Conv, MaxPool"),
        ([conv(), helper.make_node("Relu", ["h"], ["r"], name="relu"),
          helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2]),
          helper.make_node("Sigmoid", ["p"], ["s"], name="late")],
         r"node 'late' \(Sigmoid\) applies logistic after a maxpool2d layer"),
    ]
    for nodes, match in cases:
        path = _onnx_file(onnx, tmp_path, nodes, {"k": k, "k2": np.ones((2, 1, 3, 3))},
                          [2 if "group" in str(nodes[0]) else 1, 6, 6], [2, 4, 4])
        _raises(load_model, path, match=match)
    # a whole torch export with dilation: refused with the exported node's name
    torch = pytest.importorskip("torch")
    path = tmp_path / "dil.onnx"
    torch.onnx.export(torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3, dilation=2)).eval(), (torch.zeros(1, 1, 8, 8),),
                      path, dynamo=False, input_names=["x"], output_names=["y"])
    _raises(load_model, path, match=r"node '/0/Conv' \(Conv\) has dilations=\[2, 2\]")


def test_onnx_global_pool_and_batchnorm_on_the_flattened_map(tmp_path):
    onnx = _onnx()
    import onnxruntime as ort
    from onnx import helper

    rng = np.random.default_rng(3)
    inits = {"k": rng.normal(0, 0.5, (3, 2, 3, 3)), "b": rng.normal(0, 0.2, 3),
             "g": rng.uniform(0.5, 2, 12), "be": rng.normal(0, 0.3, 12), "m": rng.normal(0, 0.3, 12),
             "v": rng.uniform(0.3, 2, 12), "w": rng.normal(0, 0.5, (5, 12)), "c": rng.normal(0, 0.2, 5),
             "w2": rng.normal(0, 0.5, (2, 3))}
    nodes = [helper.make_node("Conv", ["x", "k", "b"], ["h"], name="conv", strides=[2, 2]),
             helper.make_node("Relu", ["h"], ["r"], name="relu"),
             helper.make_node("Flatten", ["r"], ["f"], name="flat"),
             helper.make_node("BatchNormalization", ["f", "g", "be", "m", "v"], ["n"], name="bn"),
             helper.make_node("Gemm", ["n", "w", "c"], ["y"], name="gemm", transB=1)]
    path = _onnx_file(onnx, tmp_path, nodes, inits, [2, 5, 5], [5])
    x = rng.uniform(-1, 1, (4, 2, 5, 5)).astype(np.float32)
    want = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    np.testing.assert_allclose(_out(load_model(path), x.astype(float)), want, rtol=1e-5, atol=2e-6)
    nodes = [helper.make_node("Conv", ["x", "k", "b"], ["h"], name="conv", auto_pad="VALID"),
             helper.make_node("GlobalAveragePool", ["h"], ["p"], name="gap"),
             helper.make_node("Flatten", ["p"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "w2"], ["y"], name="gemm", transB=1)]
    path = _onnx_file(onnx, tmp_path, nodes, inits, [2, 5, 5], [2], name="gap.onnx")
    net = load_model(path)
    assert [op.kind for op in net.ops] == ["conv2d", "avgpool2d", "flatten", "dense"]
    want = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    np.testing.assert_allclose(_out(net, x.astype(float)), want, rtol=1e-5, atol=2e-6)
