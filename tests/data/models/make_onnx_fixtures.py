"""Write the ONNX fixtures of ``tests/test_onnx.py`` beside this script.

Models written by the real libraries: PyTorch's ONNX exporter (``torch.onnx.export``, the
TorchScript-based one, which needs no extra package) and the ``onnx`` package's graph
helpers (for operators and layouts PyTorch does not emit: MatMul + Add, Flatten,
LeakyRelu, HardSigmoid, a Softmax over another axis, an unsupported Conv).  Inputs and
the onnxruntime outputs they give are saved beside them in ``onnx_reference.npz``.

Run: python tests/data/models/make_onnx_fixtures.py
"""

from __future__ import annotations

import os

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.dirname(os.path.abspath(__file__))


def _torch_models():
    torch.manual_seed(0)
    mlp = torch.nn.Sequential(torch.nn.Linear(6, 12), torch.nn.Tanh(), torch.nn.Linear(12, 8), torch.nn.ReLU(),
                              torch.nn.Linear(8, 4), torch.nn.Softmax(dim=-1))
    img = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 10), torch.nn.Sigmoid(),
                              torch.nn.Dropout(0.2), torch.nn.Linear(10, 3))
    return {"torch_mlp.onnx": (mlp, torch.zeros(1, 6)), "torch_image.onnx": (img, torch.zeros(1, 1, 4, 4))}


def _helper_model(name, nodes, inits, in_shape, out_width, opset=17):
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", *in_shape])],
        [helper.make_tensor_value_info(nodes[-1].output[0], TensorProto.FLOAT, ["n", out_width])],
        [numpy_helper.from_array(a.astype(np.float32), k) for k, a in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    onnx.checker.check_model(model)
    return model


def _helper_models():
    rng = np.random.default_rng(1)
    w1, b1 = rng.normal(0, 0.5, (5, 7)), rng.normal(0, 0.2, 7)
    w2, b2 = rng.normal(0, 0.5, (7, 3)), rng.normal(0, 0.2, 3)
    matmul = _helper_model("matmul", [
        helper.make_node("MatMul", ["x", "w1"], ["h"], name="mm1"),
        helper.make_node("Add", ["h", "b1"], ["hb"], name="add1"),
        helper.make_node("LeakyRelu", ["hb"], ["a"], name="leaky", alpha=0.1),
        helper.make_node("MatMul", ["a", "w2"], ["o"], name="mm2"),
        helper.make_node("Add", ["o", "b2"], ["ob"], name="add2"),
        helper.make_node("HardSigmoid", ["ob"], ["y"], name="hs", alpha=0.25, beta=0.5),
    ], {"w1": w1, "b1": b1, "w2": w2, "b2": b2}, [5], 3)
    gemm = _helper_model("gemm", [
        helper.make_node("Flatten", ["x"], ["f"], name="flat", axis=1),
        helper.make_node("Gemm", ["f", "w", "c"], ["g"], name="gemm", alpha=0.5, beta=2.0, transB=0),
        helper.make_node("Elu", ["g"], ["y"], name="elu", alpha=0.7),
    ], {"w": rng.normal(0, 0.5, (6, 4)), "c": rng.normal(0, 0.2, 4)}, [2, 3], 4)
    conv = _helper_model("conv", [
        helper.make_node("Conv", ["x", "k"], ["y"], name="conv1"),
    ], {"k": rng.normal(0, 0.5, (2, 1, 3, 3))}, [1, 5, 5], 2)
    return {"onnx_matmul.onnx": matmul, "onnx_gemm.onnx": gemm, "onnx_conv.onnx": conv}


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(2)
    ref = {}
    for name, (model, example) in _torch_models().items():
        path = os.path.join(OUT, name)
        model.eval()
        torch.onnx.export(model, (example,), path, dynamo=False, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "n"}, "y": {0: "n"}})
    for name, model in _helper_models().items():
        onnx.save(model, os.path.join(OUT, name))
    for name in ("torch_mlp.onnx", "torch_image.onnx", "onnx_matmul.onnx", "onnx_gemm.onnx"):
        sess = ort.InferenceSession(os.path.join(OUT, name), providers=["CPUExecutionProvider"])
        shape = [d if isinstance(d, int) else 9 for d in sess.get_inputs()[0].shape]
        x = rng.uniform(-1, 1, shape).astype(np.float32)
        ref[name + ":x"] = x
        ref[name + ":y"] = sess.run(None, {sess.get_inputs()[0].name: x})[0]
    np.savez(os.path.join(OUT, "onnx_reference.npz"), **ref)


if __name__ == "__main__":
    main()
