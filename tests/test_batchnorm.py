"""BatchNormalization folded into dense layers (issue 17.3, dense part), exactly.

Inference-time batch normalisation is an affine map per feature, y ↦ γ(y − μ)/√(σ² + ε) + β.
Right after a dense layer whose activation is still to come it folds into that layer; after
an activation (or on the input) into the next dense layer.  References: real Keras 3 models
(PyTorch backend; float64 layers, compared at Keras' float32-level tolerance 1e-6 as in
``test_import_configs``), PyTorch ``nn.Sequential`` modules and ONNX models exported from
them (float64 references to rounding).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import fastnoise as fn
from fastnoise.importers import ModelFileError, from_torch, load_model


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def _set_bn(layer, n, seed):
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.uniform(0.5, 2.0, n), rng.normal(0, 0.5, n), rng.normal(0, 0.5, n),
                       rng.uniform(0.2, 3.0, n)])


@pytest.fixture(scope="module")
def keras_bn(tmp_path_factory):
    keras = _keras()
    L = keras.layers
    d = tmp_path_factory.mktemp("bn")
    keras.utils.set_random_seed(5)
    init = keras.initializers.RandomNormal(stddev=0.6, seed=1)
    m = keras.Sequential([keras.Input((5,), dtype="float64"),
                          L.BatchNormalization(dtype="float64", epsilon=1e-3),          # on the input
                          L.Dense(7, kernel_initializer=init, dtype="float64"),
                          L.BatchNormalization(dtype="float64"),                        # before f
                          L.Activation("tanh", dtype="float64"),
                          L.Dense(6, activation="relu", kernel_initializer=init, dtype="float64"),
                          L.BatchNormalization(dtype="float64", epsilon=0.01),          # after f
                          L.Dense(3, activation="softmax", kernel_initializer=init, dtype="float64")])
    for k, layer in enumerate(lay for lay in m.layers if isinstance(lay, L.BatchNormalization)):
        _set_bn(layer, layer.get_weights()[0].shape[0], k)
    x = np.random.default_rng(1).normal(size=(9, 5))
    y = np.asarray(m.predict(x, verbose=0), dtype=float)
    m.save(d / "bn.keras")
    m.save(d / "bn.h5")
    return d, x, y


@pytest.mark.parametrize("name", ["bn.keras", "bn.h5"])
def test_keras_batchnorm_folds_exactly(keras_bn, name):
    d, x, y = keras_bn
    net = load_model(d / name)
    assert net.widths == (5, 7, 6, 3)
    assert [a.name for a in net.activations] == ["linear", "tanh", "relu", "softmax"]
    np.testing.assert_allclose(fn.forward(net, x)[1][-1], y, rtol=1e-6, atol=1e-6)


def test_keras_batchnorm_that_cannot_be_folded(tmp_path):
    keras = _keras()
    L = keras.layers
    m = keras.Sequential([keras.Input((4,)), L.Dense(3, activation="tanh"), L.BatchNormalization()])
    m.save(tmp_path / "end.keras")
    with pytest.raises(ModelFileError, match="ends in a BatchNormalization after the output activation"):
        load_model(tmp_path / "end.keras")
    m = keras.Sequential([keras.Input((4,)), L.Dense(3, activation="tanh"), L.BatchNormalization(),
                          L.Activation("relu"), L.Dense(2)])
    m.save(tmp_path / "between.keras")
    with pytest.raises(ModelFileError, match="applies relu after a BatchNormalization that follows an activation"):
        load_model(tmp_path / "between.keras")


def _torch_bn_model(torch):
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.BatchNorm1d(5), torch.nn.Linear(5, 7), torch.nn.BatchNorm1d(7),
                            torch.nn.Tanh(), torch.nn.Linear(7, 6), torch.nn.ReLU(), torch.nn.BatchNorm1d(6),
                            torch.nn.Linear(6, 3)).double()
    g = torch.Generator().manual_seed(1)
    for mod in m:
        if isinstance(mod, torch.nn.BatchNorm1d):
            n = mod.num_features
            mod.weight.data = torch.rand(n, generator=g, dtype=torch.float64) + 0.5
            mod.bias.data = torch.randn(n, generator=g, dtype=torch.float64) * 0.5
            mod.running_mean = torch.randn(n, generator=g, dtype=torch.float64) * 0.5
            mod.running_var = torch.rand(n, generator=g, dtype=torch.float64) * 2 + 0.2
    return m.eval()


def test_torch_sequential_batchnorm_folds_exactly():
    torch = pytest.importorskip("torch")
    m = _torch_bn_model(torch)
    net = from_torch(m)
    assert net.widths == (5, 7, 6, 3) and [a.name for a in net.activations] == ["linear", "tanh", "relu", "linear"]
    x = np.random.default_rng(2).normal(size=(8, 5))
    with torch.no_grad():
        want = m(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(fn.forward(net, x)[1][-1], want, rtol=1e-12, atol=1e-13)


def test_onnx_batchnorm_folds_exactly(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    m = _torch_bn_model(torch).float()
    path = tmp_path / "bn.onnx"
    torch.onnx.export(m, (torch.zeros(2, 5),), path, dynamo=False, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "n"}, "y": {0: "n"}}, do_constant_folding=False)
    import onnx

    assert "BatchNormalization" in [n.op_type for n in onnx.load(path).graph.node]
    net = load_model(path)
    x = np.random.default_rng(3).normal(size=(8, 5)).astype(np.float32)
    want = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    np.testing.assert_allclose(fn.forward(net, x.astype(np.float64))[1][-1], want, rtol=1e-5, atol=1e-5)


def test_keras_reshape_to_a_vector(tmp_path):
    """Reshape((-1,)) or Reshape((n,)) of an image is a flatten; a Dense after a reshape to an
    image is refused as before."""
    keras = _keras()
    L = keras.layers
    m = keras.Sequential([keras.Input((4, 4, 1), dtype="float64"), L.Reshape((16,), dtype="float64"),
                          L.Dense(3, activation="tanh", dtype="float64")])
    m.save(tmp_path / "r.keras")
    x = np.random.default_rng(0).uniform(size=(5, 4, 4, 1))
    net = load_model(tmp_path / "r.keras")
    np.testing.assert_allclose(fn.forward(net, x.reshape(5, -1))[1][-1],
                               np.asarray(m.predict(x, verbose=0), float), rtol=1e-6, atol=1e-6)
    m = keras.Sequential([keras.Input((16,)), L.Reshape((4, 4)), L.Dense(2)])
    m.save(tmp_path / "img.keras")
    with pytest.raises(ModelFileError, match="add a Flatten layer before it"):
        load_model(tmp_path / "img.keras")


def test_torch_state_dict_with_an_architecture(tmp_path):
    """A state dict carries no architecture: given the nn.Sequential it was saved from, its
    activations and batch normalisations are read from that (loaded strictly, eval mode)."""
    torch = pytest.importorskip("torch")
    m = _torch_bn_model(torch)
    path = tmp_path / "bn.pt"
    torch.save(m.state_dict(), path)
    nn = torch.nn
    skeleton = nn.Sequential(nn.BatchNorm1d(5), nn.Linear(5, 7), nn.BatchNorm1d(7), nn.Tanh(), nn.Linear(7, 6),
                             nn.ReLU(), nn.BatchNorm1d(6), nn.Linear(6, 3)).double()
    net = load_model(path, architecture=skeleton)
    x = np.random.default_rng(5).normal(size=(6, 5))
    with torch.no_grad():
        want = m(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(fn.forward(net, x)[1][-1], want, rtol=1e-12, atol=1e-13)
    assert skeleton.training                              # the given module is left as it was
    with pytest.raises(ModelFileError, match=r"not a Linear layer's \(out, in\) matrix .*architecture="):
        load_model(path, activations=["tanh", "relu", "linear"])      # no architecture: refused
    wrong = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 3))
    with pytest.raises(ModelFileError, match="does not fit the given architecture") as info:
        load_model(path, architecture=wrong)
    assert "\n" not in str(info.value)
    with pytest.raises(ModelFileError, match="give activations= or architecture=, not both"):
        from_torch(path, ["tanh"], architecture=skeleton)


def test_onnx_batchnorm_between_matmul_and_add(tmp_path):
    """MatMul → BatchNormalization → Add → Relu → MatMul: the normalisation folds into the
    MatMul's layer and the Add after it into that layer's bias (exact, float64 reference)."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    from onnx.reference import ReferenceEvaluator

    rng = np.random.default_rng(0)
    arrays = {"w1": rng.normal(size=(4, 5)), "g": rng.uniform(0.5, 2, 5), "b": rng.normal(size=5),
              "m": rng.normal(size=5), "v": rng.uniform(0.5, 2, 5), "c": rng.normal(size=5),
              "w2": rng.normal(size=(5, 2))}
    nodes = [helper.make_node("MatMul", ["x", "w1"], ["h"], name="mm1"),
             helper.make_node("BatchNormalization", ["h", "g", "b", "m", "v"], ["hb"], name="bn"),
             helper.make_node("Add", ["hb", "c"], ["hc"], name="add"),
             helper.make_node("Relu", ["hc"], ["a"], name="relu"),
             helper.make_node("MatMul", ["a", "w2"], ["y"], name="mm2")]
    graph = helper.make_graph(nodes, "bn_matmul", [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["n", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["n", 2])],
                              [numpy_helper.from_array(a, k) for k, a in arrays.items()])
    path = tmp_path / "bn_matmul.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    net = load_model(path)
    assert net.widths == (4, 5, 2) and [a.name for a in net.activations] == ["linear", "relu", "linear"]
    x = rng.normal(size=(6, 4))
    want = ReferenceEvaluator(str(path)).run(None, {"x": x})[0]
    np.testing.assert_allclose(fn.forward(net, x)[1][-1], want, rtol=1e-12, atol=1e-13)
