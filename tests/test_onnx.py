"""ONNX import (issue 17.3, dense part): models written by PyTorch's exporter and by the
``onnx`` package's helpers (``tests/data/models/make_onnx_fixtures.py``).

References: the ``onnx`` package's reference evaluator on a float64 copy of each model
(fastnoise's float64 forward pass must match it to rounding), and onnxruntime on the model
as written (float32: a few float32 ulps per layer).
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

import fastnoise as fn
from checks import double_onnx
from fastnoise.importers import ModelFileError, load_model

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

MODELS = os.path.join(os.path.dirname(__file__), "data", "models")
DENSE = ["torch_mlp.onnx", "torch_image.onnx", "onnx_matmul.onnx", "onnx_gemm.onnx"]


@pytest.mark.parametrize("name", DENSE)
def test_dense_models_match_the_references(name):
    from onnx.reference import ReferenceEvaluator

    path = os.path.join(MODELS, name)
    net = load_model(path)
    ref = np.load(os.path.join(MODELS, "onnx_reference.npz"))
    x = ref[name + ":x"]
    flat = x.reshape(len(x), -1).astype(np.float64)
    out = fn.forward(net, flat)[1][-1]
    y64 = ReferenceEvaluator(double_onnx(path)).run(None, {"x": x.astype(np.float64)})[0]
    np.testing.assert_allclose(out, y64, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(out, ref[name + ":y"], rtol=1e-5, atol=1e-6)      # onnxruntime, float32
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])         # and live
    np.testing.assert_allclose(sess.run(None, {"x": x})[0], ref[name + ":y"], rtol=1e-6, atol=1e-7)


def test_mapped_layers_and_activations():
    acts = lambda p: [(a.name, a.param) for a in load_model(os.path.join(MODELS, p)).activations]  # noqa: E731
    assert acts("torch_mlp.onnx") == [("linear", 1.0), ("tanh", 1.0), ("relu", 1.0), ("softmax", 1.0)]
    assert acts("torch_image.onnx") == [("linear", 1.0), ("logistic", 1.0), ("linear", 1.0)]
    assert [a for a, _ in acts("onnx_matmul.onnx")] == ["linear", "leaky_relu", "hard_sigmoid"]
    assert acts("onnx_matmul.onnx")[1][1] == pytest.approx(0.1) and acts("onnx_matmul.onnx")[2][1] == 0.25
    assert load_model(os.path.join(MODELS, "torch_image.onnx")).widths == (16, 10, 3)   # NCHW flattened


def test_unsupported_and_damaged_files_one_line(tmp_path):
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("LRN", ["x"], ["y"], name="norm1", size=3)], "lrn",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 2, 5, 5])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 2, 5, 5])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), tmp_path / "lrn.onnx")
    with pytest.raises(ModelFileError) as info:
        load_model(tmp_path / "lrn.onnx")
    msg = str(info.value)
    assert "node 'norm1' (LRN) is not supported; supported: Gemm, MatMul, Add, Conv" in msg and "\n" not in msg
    bad = tmp_path / "cut.onnx"
    bad.write_bytes(open(os.path.join(MODELS, "torch_mlp.onnx"), "rb").read()[:200])
    with pytest.raises(ModelFileError) as info:
        load_model(bad)
    assert "\n" not in str(info.value)
    renamed = tmp_path / "m.pt"
    shutil.copy(os.path.join(MODELS, "torch_mlp.onnx"), renamed)
    with pytest.raises(ModelFileError, match=r"is an ONNX model \(.onnx\), not what its extension .pt says"):
        load_model(renamed)
    assert load_model(renamed, format="onnx").widths == (6, 12, 8, 4)
    with pytest.raises(ModelFileError, match="activations= does not apply"):
        load_model(os.path.join(MODELS, "torch_mlp.onnx"), activations=["relu"] * 3)


def test_graphs_that_are_not_one_chain_are_refused(tmp_path):
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.ones((3, 3), np.float32), "w")
    nodes = [helper.make_node("MatMul", ["x", "w"], ["a"], name="left"),
             helper.make_node("Relu", ["x"], ["b"], name="right"),
             helper.make_node("Add", ["a", "b"], ["y"], name="join")]
    graph = helper.make_graph(nodes, "branch", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])], [w])
    path = tmp_path / "branch.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    with pytest.raises(ModelFileError, match=r"node 'right' \(Relu\) does not read the previous node's output alone; fastnoise reads a graph that is one chain"):
        load_model(path)


def test_simulate_and_toml_on_an_onnx_model(tmp_path):
    from fastnoise.runconfig import loads_config

    net = load_model(os.path.join(MODELS, "torch_mlp.onnx"))
    res = fn.simulate(net, np.random.default_rng(0).uniform(size=(3, 6)), fn.Noise(additive=1e-3),
                      repeats=50, seed=1)
    assert res.mean[-1].shape == (3, 4) and np.allclose(res.mean[-1].sum(axis=1), 1.0, atol=0.05)
    cfg = loads_config(f'[network]\nkind = "file"\npath = "torch_mlp.onnx"\nformat = "onnx"\n'
                       '[inputs]\nkind = "uniform"\ncount = 3\n', MODELS)
    assert cfg.network.digest() == net.digest()


def test_reshape_with_a_constant_shape(tmp_path):
    """A Reshape whose target shape comes from a Constant node (as exporters write it)."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(4)
    w = rng.normal(size=(12, 3)).astype(np.float32)
    nodes = [helper.make_node("Constant", [], ["shape"], name="c",
                              value=numpy_helper.from_array(np.array([-1, 12], np.int64))),
             helper.make_node("Reshape", ["x", "shape"], ["f"], name="flat"),
             helper.make_node("MatMul", ["f", "w"], ["y"], name="mm")]
    graph = helper.make_graph(nodes, "reshape", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])],
                              [numpy_helper.from_array(w, "w")])
    path = tmp_path / "reshape.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    net = load_model(path)
    x = rng.normal(size=(5, 3, 4)).astype(np.float32)
    want = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    np.testing.assert_allclose(fn.forward(net, x.reshape(5, -1).astype(np.float64))[1][-1], want, rtol=1e-5,
                               atol=1e-5)
