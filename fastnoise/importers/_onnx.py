"""ONNX models of dense and convolutional layers: any framework that exports ONNX.

The graph must be one chain from its input to its output: each node reads the
previous node's output (and initializers).  Mapped operators:

=====================  ==========================================================
Gemm                   a dense layer: W = α·B' ᵀ (B' = B or Bᵀ by ``transB``),
                       b = β·C; ``transA`` must be 0
MatMul (+ Add)         a dense layer W = Bᵀ from an initializer B (I_in, I_out);
                       an Add of an initializer right after it is its bias
Conv                   a convolution of an NCHW map (weight (C_out, C_in, k_h,
                       k_w) from an initializer); ``pads`` (ONNX order top, left,
                       bottom, right), ``strides``, ``auto_pad`` NOTSET, VALID or
                       SAME_UPPER; SAME_LOWER, ``dilations`` ≠ 1 and ``group`` ≠ 1
                       are refused
MaxPool, AveragePool   pooling (``count_include_pad`` kept; ``ceil_mode``,
                       ``dilations`` ≠ 1, ``storage_order`` and a used Indices
                       output refused)
GlobalAveragePool,     a pooling window over the whole map
GlobalMaxPool
BatchNormalization     folded into the dense layer or convolution before it (per
                       channel), or, after an activation, into the next one,
                       exactly
Relu, Sigmoid, Tanh,   the activation of the dense layer or convolution before
Softmax, LeakyRelu,    them (Sigmoid is fastnoise's ``logistic``; Softmax over
Elu, Selu, Softplus,   the last axis of a dense layer only, as the output
Softsign, HardSigmoid, layer's readout)
Gelu
Flatten, Reshape to    identity on a flattened input (the model's own memory
(N, −1)                order, e.g. C·H·W for an NCHW image); after a map, a
                       flatten layer, and the next Gemm/MatMul has its columns
                       reordered from C·H·W to fastnoise's H·W·C (exact)
Identity, Dropout      identity
Constant               a tensor that later nodes read like an initializer
=====================  ==========================================================

A model with Conv or pooling nodes becomes a network with ``input_shape``
(H, W, C) from the graph input (N, C, H, W) and ``input_order="channels_first"``:
inputs given flattened are read in the model's own C·H·W order (or shaped
(T, C, H, W), or (T, H, W, C)); its maps are channels-last inside.

Anything else is refused with a one-line error naming the operator and the
node.  ONNX is read with the ``onnx`` package (``pip install onnx``), imported
only here; ``onnxruntime`` is the reference in the tests.
"""

from __future__ import annotations

import math
import os

import numpy as np

from ._common import AffineChain, MapChain, ModelFileError, one_line, require_package

__all__ = ["from_onnx", "ONNX_OPERATORS"]

#: activation operators -> fastnoise name (parameters read from the node's attributes)
_ACTIVATIONS = {"Relu": "relu", "Sigmoid": "logistic", "Tanh": "tanh", "Softmax": "softmax",
                "LeakyRelu": "leaky_relu", "Elu": "elu", "Selu": "selu", "Softplus": "softplus",
                "Softsign": "softsign", "HardSigmoid": "hard_sigmoid", "Gelu": "gelu"}
_IDENTITY = ("Flatten", "Reshape", "Identity", "Dropout")
_POOLS = {"MaxPool": "max", "AveragePool": "avg", "GlobalMaxPool": "max", "GlobalAveragePool": "avg"}
#: every operator :func:`from_onnx` maps
ONNX_OPERATORS = ("Gemm", "MatMul", "Add", "Conv") + tuple(_POOLS) + ("BatchNormalization",) \
    + tuple(_ACTIVATIONS) + _IDENTITY


def _require_onnx(path: str):
    return require_package("onnx", f"reading {path}", "the onnx package", "pip install onnx")


def _where(node) -> str:
    return f"node {node.name!r} ({node.op_type})" if node.name else f"a {node.op_type} node"


def _attrs(onnx, node) -> dict:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _activation(onnx, node, rank: int, opset: int):
    """The fastnoise Activation of an activation node, or ModelFileError."""
    from .. import activations as _act

    a = _attrs(onnx, node)
    kind = node.op_type
    if kind == "Softmax":
        axis = int(a.get("axis", -1 if opset >= 13 else 1))
        if axis not in (-1, rank - 1):
            raise ModelFileError(f"{_where(node)} takes the softmax over axis {axis}, not over a layer's "
                                 "neurons (the last axis); fastnoise's softmax readout does the latter")
        return _act.softmax()
    if kind == "LeakyRelu":
        return _act.leaky_relu(float(a.get("alpha", 0.01)))
    if kind == "Elu":
        return _act.elu(float(a.get("alpha", 1.0)))
    if kind == "Selu":
        alpha, gamma = float(a.get("alpha", 1.67326319217681884765625)), float(a.get("gamma", 1.05070102214813232421875))
        if not (math.isclose(alpha, 1.6732632423543772, rel_tol=1e-6)
                and math.isclose(gamma, 1.0507009873554805, rel_tol=1e-6)):
            raise ModelFileError(f"{_where(node)} has alpha={alpha}, gamma={gamma}; fastnoise's selu has "
                                 "the standard constants only")
        return _act.selu()
    if kind == "HardSigmoid":
        alpha, beta = float(a.get("alpha", 0.2)), float(a.get("beta", 0.5))
        if beta != 0.5:
            raise ModelFileError(f"{_where(node)} has beta={beta}; fastnoise's hard_sigmoid is "
                                 "min(max(slope·x + 0.5, 0), 1), beta = 0.5 only")
        return _act.hard_sigmoid(alpha)
    if kind == "Gelu" and a.get("approximate", b"none") not in (b"none", "none"):
        raise ModelFileError(f"{_where(node)} is the tanh approximation of gelu; fastnoise's gelu is the "
                             "exact erf form")
    return _act.get(_ACTIVATIONS[kind])


def _window(node, a: dict, path: str, n_kernel: tuple | None = None):
    """(strides, padding) of a Conv or pooling node in :class:`~fastnoise.network.Conv2D`'s terms,
    after refusing what fastnoise does not map (one line naming the node)."""
    where = f"{path}: {_where(node)}"
    if any(int(d) != 1 for d in a.get("dilations", [1])):
        raise ModelFileError(f"{where} has dilations={list(a['dilations'])}; fastnoise maps dilations=1 only")
    auto = a.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else str(auto)
    if auto == "SAME_LOWER":
        raise ModelFileError(f"{where} has auto_pad=SAME_LOWER (the odd padding at the top and left); "
                             "fastnoise maps NOTSET, VALID and SAME_UPPER only")
    if auto not in ("NOTSET", "VALID", "SAME_UPPER"):
        raise ModelFileError(f"{where} has auto_pad={auto!r}; expected NOTSET, VALID or SAME_UPPER")
    strides = tuple(int(v) for v in a.get("strides", [1, 1]))
    if auto == "NOTSET":
        p = [int(v) for v in a.get("pads", [0, 0, 0, 0])]
        if len(p) != 4:
            raise ModelFileError(f"{where} has pads={p}; a 2-D window has four (top, left, bottom, right)")
        padding = (p[0], p[2], p[1], p[3])            # ONNX [t, l, b, r] -> (t, b, l, r)
    else:
        padding = "valid" if auto == "VALID" else "same"
    return strides, padding


def from_onnx(path):
    """Read an ONNX model of dense and convolutional layers into a :class:`~fastnoise.Network`.

    Parameters
    ----------
    path : str or path-like
        An ``.onnx`` file (e.g. ``torch.onnx.export``); see the module
        docstring for the operators it may hold.

    Returns
    -------
    Network
        float64 weights; the input layer is linear, each dense layer or
        convolution has the activation that follows it (linear if none does).
        A model with Conv or pooling nodes has ``input_shape`` (H, W, C) and
        ``input_order="channels_first"`` (inputs read in its own N·C·H·W
        order).

    Raises
    ------
    ModelFileError
        For a damaged file, a graph that is not one chain, weights that are not
        initializers, or an unsupported operator or attribute (named with its
        node).
    """
    path = os.fspath(path)
    onnx = _require_onnx(path)
    from onnx import numpy_helper

    try:
        model = onnx.load(path)
    except Exception as exc:  # protobuf's DecodeError and friends: one line
        raise ModelFileError(f"{path} is not a readable ONNX model ({one_line(exc)})") from None
    graph = model.graph
    opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=13)
    init = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    inputs = [i for i in graph.input if i.name not in init]
    if len(inputs) != 1:
        raise ModelFileError(f"{path} has {len(inputs)} graph inputs; a fastnoise network takes one")
    dims = [d.dim_value if d.HasField("dim_value") else None
            for d in inputs[0].type.tensor_type.shape.dim]
    if len(dims) < 2 or any(d is None or d < 1 for d in dims[1:]):
        raise ModelFileError(f"{path}: input {inputs[0].name!r} has shape {dims}; expected (batch, features…) "
                             "with known feature sizes")
    width = int(np.prod(dims[1:]))
    current = inputs[0].name
    rank = 2
    ws, bs, acts = [], [], []
    norms = AffineChain()
    pending_matmul = False
    maps = None                   # the convolution and pooling layers (a MapChain), once one comes

    def map_chain(node) -> MapChain:
        nonlocal maps, rank
        if maps is None:
            if ws:
                raise ModelFileError(f"{path}: {_where(node)} follows a dense layer; fastnoise maps convolution "
                                     "and pooling layers before the dense layers only")
            if len(dims) != 4:
                raise ModelFileError(f"{path}: {_where(node)} acts on the input {inputs[0].name!r} of shape {dims}; "
                                     "fastnoise maps 2-D layers on an (N, C, H, W) input only")
            maps = MapChain((dims[2], dims[3], dims[1]), channels_first=True)
            rank = 4
        return maps

    def dense_columns(w, node):
        """A dense layer's weights, reordered when it reads a flattened map."""
        if maps is None or ws:
            return w
        if not maps.flat:
            raise ModelFileError(f"{path}: {_where(node)} reads a map that is not flattened; add a Flatten "
                                 "before it")
        if w.shape[1] != maps.width:
            raise ModelFileError(f"{path}: {_where(node)} takes {w.shape[1]} inputs but the flattened map "
                                 f"{maps.shape} before it has {maps.width} values")
        return maps.columns(w)

    for node in graph.node:
        data = [n for n in node.input if n and n not in init]
        if node.op_type == "Constant":                # a constant tensor (e.g. a Reshape's shape)
            value = _attrs(onnx, node).get("value")
            if value is None or not hasattr(value, "dims"):
                raise ModelFileError(f"{path}: {_where(node)} holds no tensor value; fastnoise reads "
                                     "constants given as tensors only")
            init[node.output[0]] = numpy_helper.to_array(value)
            continue
        if data != [current]:
            raise ModelFileError(f"{path}: {_where(node)} does not read the previous node's output alone; "
                                 "fastnoise reads a graph that is one chain of layers")
        kind = node.op_type
        where = f"{path}: {_where(node)}"
        if kind == "Conv":
            chain = map_chain(node)
            a = _attrs(onnx, node)
            if int(a.get("group", 1)) != 1:
                raise ModelFileError(f"{where} has group={a['group']}; fastnoise maps group=1 only")
            k = init.get(node.input[1])
            if k is None or np.ndim(k) != 4:
                raise ModelFileError(f"{where} must take 4-D weights (C_out, C_in, k_h, k_w) from an initializer")
            if "kernel_shape" in a and tuple(a["kernel_shape"]) != tuple(np.shape(k)[2:]):
                raise ModelFileError(f"{where} has kernel_shape={list(a['kernel_shape'])} but weights of shape "
                                     f"{list(np.shape(k))}; the model is inconsistent")
            bias = init.get(node.input[2]) if len(node.input) > 2 and node.input[2] else None
            if len(node.input) > 2 and node.input[2] and bias is None:
                raise ModelFileError(f"{where} takes its bias from a computed tensor, not an initializer")
            strides, padding = _window(node, a, path)
            chain.conv(np.asarray(k, np.float64).transpose(2, 3, 1, 0), bias, strides, padding, where)
        elif kind in _POOLS:
            chain = map_chain(node)
            a = _attrs(onnx, node)
            if len(node.output) > 1 and node.output[1]:
                raise ModelFileError(f"{where} also outputs the indices of the maxima; fastnoise maps the "
                                     "pooled values only")
            if int(a.get("ceil_mode", 0)):
                raise ModelFileError(f"{where} has ceil_mode=1; fastnoise's pooling rounds the output size "
                                     "down (ceil_mode=0) only")
            if int(a.get("storage_order", 0)):
                raise ModelFileError(f"{where} has storage_order={a['storage_order']}; fastnoise maps "
                                     "storage_order=0 only")
            if kind.startswith("Global"):
                chain.global_pool(_POOLS[kind], where)
            else:
                if "kernel_shape" not in a:
                    raise ModelFileError(f"{where} has no kernel_shape")
                strides, padding = _window(node, a, path)
                chain.pool(_POOLS[kind], tuple(a["kernel_shape"]), strides, padding, where,
                           count_pad=bool(int(a.get("count_include_pad", 0))))
        elif kind == "Gemm":
            a = _attrs(onnx, node)
            if int(a.get("transA", 0)):
                raise ModelFileError(f"{path}: {_where(node)} has transA=1, which a dense layer does not")
            b = init.get(node.input[1])
            if b is None:
                raise ModelFileError(f"{path}: {_where(node)} takes its weights from a computed tensor, "
                                     "not an initializer")
            b = np.asarray(b, np.float64)
            w = dense_columns((b if int(a.get("transB", 0)) else b.T) * float(a.get("alpha", 1.0)), node)
            c = init.get(node.input[2]) if len(node.input) > 2 and node.input[2] else None
            bias = (np.zeros(w.shape[0]) if c is None
                    else np.broadcast_to(np.asarray(c, np.float64) * float(a.get("beta", 1.0)), (w.shape[0],)))
            w, bias = norms.into_next(w, np.array(bias))
            ws.append(w)
            bs.append(bias)
            acts.append(None)
            pending_matmul = False
        elif kind == "MatMul":
            b = init.get(node.input[1])
            if b is None or np.ndim(b) != 2:
                raise ModelFileError(f"{path}: {_where(node)} must multiply by a 2-D initializer")
            w, bias = norms.into_next(dense_columns(np.asarray(b, np.float64).T, node), np.zeros(b.shape[1]))
            ws.append(w)
            bs.append(bias)
            acts.append(None)
            pending_matmul = True
        elif kind == "Add":
            c = init.get(node.input[1]) if node.input[1] in init else init.get(node.input[0])
            if not pending_matmul or c is None:
                raise ModelFileError(f"{path}: {_where(node)} is not the bias of a MatMul; fastnoise maps "
                                     "an Add of an initializer right after a MatMul only")
            bs[-1] = bs[-1] + np.broadcast_to(np.asarray(c, np.float64).reshape(-1), bs[-1].shape)
            pending_matmul = False
        elif kind == "BatchNormalization":
            arrays = [init.get(n) for n in node.input[1:5]]
            if any(a is None for a in arrays):
                raise ModelFileError(f"{path}: {_where(node)} takes its scale, bias, mean or variance from a "
                                     "computed tensor, not an initializer")
            if int(_attrs(onnx, node).get("training_mode", 0)):
                raise ModelFileError(f"{path}: {_where(node)} is in training mode; export the model in eval mode")
            s_, c_ = AffineChain.batchnorm(*arrays, float(_attrs(onnx, node).get("epsilon", 1e-5)))
            if not ws and (maps is not None or len(dims) == 4):
                if maps is None or not maps.flat:         # over the channels of a map
                    map_chain(node).batchnorm(s_, c_, where)
                    current = node.output[0]
                    continue
                if len(s_) != maps.width:
                    raise ModelFileError(f"{where} normalises {len(s_)} features but the flattened map "
                                         f"{maps.shape} has {maps.width}")
                s_, c_ = maps.features(s_), maps.features(c_)   # on the flattened map, C·H·W order
            # after a MatMul without its Add yet the layer is still linear: fold into it; an Add
            # that follows still adds to the (now normalised) layer's bias, which is exact
            norms.add(s_, c_, ws, bs, bool(ws) and acts[-1] is None)
        elif kind in _ACTIVATIONS:
            if norms.pending is not None:
                raise ModelFileError(f"{path}: {_where(node)} follows a BatchNormalization that follows an "
                                     "activation; fastnoise folds a normalisation into a dense layer only")
            if not ws and maps is not None and maps.activation(_activation(onnx, node, rank, opset), where):
                current = node.output[0]
                continue
            if not ws:
                raise ModelFileError(f"{path}: {_where(node)} acts on the input before any dense layer; "
                                     "fastnoise's input layer is linear")
            if acts[-1] is not None:
                raise ModelFileError(f"{path}: {_where(node)} follows another activation; a fastnoise "
                                     "neuron has one activation")
            acts[-1] = _activation(onnx, node, rank, opset)
            pending_matmul = False
        elif kind in ("Flatten", "Reshape") and maps is not None and not maps.flat:
            if kind == "Flatten" and int(_attrs(onnx, node).get("axis", 1)) != 1:
                raise ModelFileError(f"{where} flattens from axis {_attrs(onnx, node).get('axis')}; fastnoise "
                                     "maps axis=1 only")
            shape = init.get(node.input[1]) if kind == "Reshape" else None
            if kind == "Reshape" and (shape is None or len(shape) != 2 or int(shape[1]) not in (-1, maps.width)):
                raise ModelFileError(f"{where} reshapes a map to {None if shape is None else list(shape)}; "
                                     "fastnoise maps a reshape to (batch, -1) only")
            maps.flatten(norms)
            rank = 2
        elif kind in _IDENTITY:
            if kind == "Reshape":
                shape = init.get(node.input[1])
                n_in = ws[-1].shape[0] if ws else maps.width if maps is not None else width
                if shape is None or len(shape) != 2 or int(shape[1]) not in (-1, n_in):
                    raise ModelFileError(f"{path}: {_where(node)} reshapes to {None if shape is None else list(shape)}; "
                                         "fastnoise maps a reshape to (batch, -1) only")
            if kind == "Flatten" and int(_attrs(onnx, node).get("axis", 1)) != 1:
                raise ModelFileError(f"{path}: {_where(node)} flattens from axis "
                                     f"{_attrs(onnx, node).get('axis')}; fastnoise maps axis=1 only")
        else:
            raise ModelFileError(f"{path}: {_where(node)} is not supported; supported: {', '.join(ONNX_OPERATORS)}")
        current = node.output[0]
    if not ws and maps is None:
        raise ModelFileError(f"{path} has no Gemm, MatMul or Conv node; a fastnoise network needs a dense layer "
                             "or convolution")
    if norms.pending is not None:
        raise ModelFileError(f"{path} ends in a BatchNormalization after the output activation, which no "
                             "dense layer follows to absorb it")
    if [o.name for o in graph.output] != [current]:
        raise ModelFileError(f"{path}: the graph's output is not the end of its chain of nodes")
    if maps is not None:
        return maps.network([(w, b, "linear" if a is None else a) for w, b, a in zip(ws, bs, acts)],
                            "linear", path)
    if ws[0].shape[1] != width:
        raise ModelFileError(f"{path}: the first dense layer takes {ws[0].shape[1]} inputs but the graph "
                             f"input has {width} features")
    from ..network import Network

    try:
        return Network.from_layers(ws, bs, ["linear" if a is None else a for a in acts],
                                   input_shape=dims[1:] if len(dims) > 2 else None)
    except ValueError as exc:
        raise ModelFileError(f"{path}: {one_line(exc)}") from None
