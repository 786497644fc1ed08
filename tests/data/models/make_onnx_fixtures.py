"""Write the ONNX and PyTorch fixtures of ``tests/test_onnx.py`` and ``tests/test_import_cnn.py``
beside this script.

Models written by the real libraries: PyTorch's ONNX exporter (``torch.onnx.export``, the
TorchScript-based one, which needs no extra package) and the ``onnx`` package's graph
helpers (for operators and layouts PyTorch does not emit: MatMul + Add, Flatten,
LeakyRelu, HardSigmoid, a Softmax over another axis, Conv with ``auto_pad=SAME_UPPER``
and asymmetric ``pads``, a Reshape of a map).  Inputs and the onnxruntime outputs they
give are saved beside them in ``onnx_reference.npz`` (``<file>:x``, ``<file>:y``).

torch_cnn.onnx, torch_cnn.pt
    :func:`torch_cnn`, a float32 ``nn.Sequential`` on (2, 10, 10) images: Conv2d →
    BatchNorm2d → ReLU → MaxPool2d → Conv2d(stride 2, padding 1) → Tanh →
    AvgPool2d(padding 1, count_include_pad) → Flatten → Dropout → Linear → Softmax,
    exported without constant folding (so the BatchNormalization node stays) and as a
    state dict (``torch.save(model.state_dict())``); ``torch_cnn.pt:y`` is PyTorch's own
    output for ``torch_cnn.onnx:x``.
onnx_conv.onnx
    Helper-built CNN on (3, 7, 7): Conv(SAME_UPPER, stride 2) → BatchNormalization →
    LeakyRelu → MaxPool(pads t, l, b, r = 1, 0, 0, 1) → Conv(pads 0, 1, 1, 0) → Sigmoid →
    AveragePool(pads, count_include_pad=0) → Reshape(0, −1) → MatMul → Add → Tanh.

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
#: sizes of torch_cnn's input, (channels, height, width)
TORCH_CNN_INPUT = (2, 10, 10)


def torch_cnn(seed: int = 0):
    """The architecture of ``torch_cnn.pt`` (with seed 0 and :func:`_set_batchnorm`, its weights)."""
    torch.manual_seed(seed)
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(2, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 3, 3, stride=2, padding=1), nn.Tanh(),
                         nn.AvgPool2d(2, stride=1, padding=1), nn.Flatten(), nn.Dropout(0.2),
                         nn.Linear(27, 5), nn.Softmax(dim=-1))


def _set_batchnorm(model, images):
    """Running statistics near those of the convolution before the BatchNorm2d (a live relu)."""
    g = torch.Generator().manual_seed(1)
    bn = model[1]
    with torch.no_grad():
        h = model[0](images)
        n = bn.num_features
        bn.running_mean.copy_(h.mean((0, 2, 3)) + 0.1 * torch.randn(n, generator=g))
        bn.running_var.copy_(h.var((0, 2, 3)) * (0.5 + torch.rand(n, generator=g)))
        bn.weight.copy_(0.5 + 1.5 * torch.rand(n, generator=g))
        bn.bias.copy_(0.3 * torch.randn(n, generator=g))
    return model.eval()


def _torch_models():
    torch.manual_seed(0)
    mlp = torch.nn.Sequential(torch.nn.Linear(6, 12), torch.nn.Tanh(), torch.nn.Linear(12, 8), torch.nn.ReLU(),
                              torch.nn.Linear(8, 4), torch.nn.Softmax(dim=-1))
    img = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 10), torch.nn.Sigmoid(),
                              torch.nn.Dropout(0.2), torch.nn.Linear(10, 3))
    return {"torch_mlp.onnx": (mlp, torch.zeros(1, 6)), "torch_image.onnx": (img, torch.zeros(1, 1, 4, 4))}


def _helper_cnn(rng):
    """onnx_conv.onnx (see the module docstring): (n, 3, 7, 7) → (n, 4)."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3, 7, 7])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 4])
    inits = {"k1": rng.normal(0, 0.4, (4, 3, 3, 3)), "c1": rng.normal(0, 0.1, 4),
             "gamma": rng.uniform(0.5, 2.0, 4), "beta": rng.normal(0, 0.3, 4),
             "mean": rng.normal(0, 0.3, 4), "var": rng.uniform(0.3, 2.0, 4),
             "k2": rng.normal(0, 0.4, (2, 4, 2, 2)), "c2": rng.normal(0, 0.1, 2),
             "w": rng.normal(0, 0.5, (18, 4)), "b": rng.normal(0, 0.2, 4)}
    tensors = [numpy_helper.from_array(a.astype(np.float32), k) for k, a in inits.items()]
    tensors.append(numpy_helper.from_array(np.array([0, -1], np.int64), "flat"))
    nodes = [
        helper.make_node("Conv", ["x", "k1", "c1"], ["h1"], name="conv1", auto_pad="SAME_UPPER", strides=[2, 2]),
        helper.make_node("BatchNormalization", ["h1", "gamma", "beta", "mean", "var"], ["h2"], name="bn",
                         epsilon=1e-3),
        helper.make_node("LeakyRelu", ["h2"], ["h3"], name="leaky", alpha=0.1),
        helper.make_node("MaxPool", ["h3"], ["h4"], name="maxpool", kernel_shape=[3, 3], pads=[1, 0, 0, 1]),
        helper.make_node("Conv", ["h4", "k2", "c2"], ["h5"], name="conv2", pads=[0, 1, 1, 0]),
        helper.make_node("Sigmoid", ["h5"], ["h6"], name="sigmoid"),
        helper.make_node("AveragePool", ["h6"], ["h7"], name="avgpool", kernel_shape=[2, 2], pads=[1, 1, 0, 0],
                         count_include_pad=0),
        helper.make_node("Reshape", ["h7", "flat"], ["h8"], name="reshape"),
        helper.make_node("MatMul", ["h8", "w"], ["h9"], name="mm"),
        helper.make_node("Add", ["h9", "b"], ["h10"], name="add"),
        helper.make_node("Tanh", ["h10"], ["y"], name="tanh"),
    ]
    model = helper.make_model(helper.make_graph(nodes, "cnn", [x], [y], tensors),
                              opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model, full_check=True)
    return model


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
    return {"onnx_matmul.onnx": matmul, "onnx_gemm.onnx": gemm, "onnx_conv.onnx": _helper_cnn(rng)}


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
    cnn = _set_batchnorm(torch_cnn(), torch.rand(32, 2, 10, 10, generator=torch.Generator().manual_seed(2)))
    torch.save(cnn.state_dict(), os.path.join(OUT, "torch_cnn.pt"))
    torch.onnx.export(cnn, (torch.zeros(1, 2, 10, 10),), os.path.join(OUT, "torch_cnn.onnx"), dynamo=False,
                      do_constant_folding=False, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "n"}, "y": {0: "n"}})
    for name in ("torch_mlp.onnx", "torch_image.onnx", "onnx_matmul.onnx", "onnx_gemm.onnx",
                 "torch_cnn.onnx", "onnx_conv.onnx"):
        sess = ort.InferenceSession(os.path.join(OUT, name), providers=["CPUExecutionProvider"])
        shape = [d if isinstance(d, int) else 9 for d in sess.get_inputs()[0].shape]
        x = rng.uniform(-1, 1, shape).astype(np.float32)
        ref[name + ":x"] = x
        ref[name + ":y"] = sess.run(None, {sess.get_inputs()[0].name: x})[0]
    with torch.no_grad():
        ref["torch_cnn.pt:y"] = cnn(torch.from_numpy(ref["torch_cnn.onnx:x"])).numpy()
    np.savez(os.path.join(OUT, "onnx_reference.npz"), **ref)


if __name__ == "__main__":
    main()
