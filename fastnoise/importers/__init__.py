"""Import trained models into :class:`fastnoise.Network`.

Supported files, recognised by their content (the extension is checked
against it):

========================  ==============  =====================================
file                      extension       reader
========================  ==============  =====================================
Keras legacy HDF5         .h5, .hdf5      :func:`from_keras` (no TensorFlow)
Keras 3 archive           .keras          :func:`from_keras` (zipfile + h5py)
Keras weights + JSON      .weights.h5     :func:`from_keras` with ``architecture=``
PyTorch state dict        .pt, .pth       :func:`from_torch` (``weights_only``)
NumPy archive             .npz            :func:`from_npz` / :func:`to_npz`
ONNX model                .onnx           :func:`from_onnx` (the ``onnx`` package)
fastnoise network         .h5, .hdf5      :meth:`fastnoise.Network.load`
========================  ==============  =====================================

A plain chain of layers maps onto a fastnoise network: Keras ``Dense``
layers (with their activation, or a following ``Activation``/``ReLU``/
``LeakyReLU``/``ELU``/``Softmax`` layer), ``Conv2D``, ``MaxPooling2D``,
``AveragePooling2D``, ``GlobalAveragePooling2D``, ``GlobalMaxPooling2D``
(channels-last), ``InputLayer``, ``Flatten``, ``Reshape`` to a vector and
``Dropout``/``SpatialDropout2D`` (identity at inference) (:data:`SUPPORTED_LAYERS`);
PyTorch ``nn.Linear`` stacks, and ``nn.Sequential`` modules with ``Conv2d``,
``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool2d(1)``, ``AdaptiveMaxPool2d(1)``,
``Flatten`` and ``Dropout2d`` as well (an image model needs
``input_shape=(C, H, W)``); ONNX chains of ``Gemm`` or ``MatMul`` + ``Add``,
``Conv``, ``MaxPool``, ``AveragePool``, ``GlobalAveragePool``,
``GlobalMaxPool`` and activation operators (:data:`ONNX_OPERATORS`), from any
framework that exports ONNX.  Dilation, groups, ``ceil_mode``, a padding mode
other than zeros and ONNX ``SAME_LOWER`` are refused by name.  Convolutional
networks are channels-last inside (maps (H, W, C)); a PyTorch or ONNX model
keeps its channels-first input order (``Network.input_order``), and the
dense layer after its flatten has its columns reordered from C·H·W to H·W·C,
exactly.  Batch normalisation (Keras ``BatchNormalization``, PyTorch
``BatchNorm1d``/``BatchNorm2d``, ONNX ``BatchNormalization``; inference form)
is folded exactly into the dense layer or convolution (per channel) before it,
or, after an activation, into the next layer that can absorb it (a dense
layer, or a convolution without padding; others are refused).
Keras/PyTorch ``sigmoid`` is fastnoise's ``logistic``; fastnoise's own name
``"sigmoid"`` means the paper's shifted sigmoid, so the importers refuse
that bare name as ambiguous.

Activations with a built-in equivalent: linear, sigmoid, tanh, relu, elu,
leaky_relu, softplus, gelu (exact erf form), swish/silu, hard_sigmoid
(Keras 3/PyTorch x/6 + 1/2; Keras 2 files 0.2x + 1/2), softsign, selu, and
softmax as the output layer's readout.
Any other one is given as a ``numba.njit`` scalar function
(``activation_map={"mish": my_mish}`` for Keras, ``activations=[...]`` for
PyTorch and ``.npz``).  To study an output softmax's logits instead of its
probabilities, map it to ``"linear"`` (``activation_map={"softmax": "linear"}``):
the argmax, and so the class, is the same.

Examples
--------
>>> import fastnoise as fn
>>> from fastnoise.importers import load_model
>>> net = load_model("mnist.keras")                                # doctest: +SKIP
>>> net = load_model("mlp.pt", activations=["relu", "linear"])     # doctest: +SKIP
"""

from __future__ import annotations

import os

from ..validation import choice_hint
from ._common import ModelFileError, sniff
from ._keras import SUPPORTED_LAYERS, from_keras
from ._npz import from_npz, to_npz
from ._onnx import ONNX_OPERATORS, from_onnx
from ._torch import from_torch, load_state_dict

__all__ = ["load_model", "from_keras", "from_torch", "from_npz", "from_onnx", "to_npz", "load_state_dict",
           "ModelFileError", "SUPPORTED_LAYERS", "ONNX_OPERATORS", "FORMATS"]

#: Accepted values of ``load_model(format=...)``.
FORMATS = ("keras", "torch", "npz", "onnx", "fastnoise")

#: extension -> content kinds it may hold
_EXTENSIONS = {".h5": ("hdf5",), ".hdf5": ("hdf5",), ".hdf": ("hdf5",), ".keras": ("keras",),
               ".pt": ("torch",), ".pth": ("torch",), ".npz": ("npz",), ".onnx": ("onnx",)}
#: format -> content kinds it may hold
_FORMAT_KINDS = {"keras": ("hdf5", "keras"), "torch": ("torch",), "npz": ("npz",), "onnx": ("onnx",),
                 "fastnoise": ("hdf5",)}
_KIND_WORDS = {"hdf5": "an HDF5 file", "keras": "a Keras 3 zip archive (.keras)",
               "torch": "a PyTorch file (.pt)", "npz": "a NumPy .npz archive", "onnx": "an ONNX model (.onnx)"}
_KIND_EXT = {"keras": ".keras", "torch": ".pt", "npz": ".npz", "hdf5": ".h5", "onnx": ".onnx"}
_KIND_FORMAT = {"keras": "format='keras'", "torch": "format='torch'", "npz": "format='npz'", "onnx": "format='onnx'",
                "hdf5": "format='keras' or format='fastnoise'"}


def _hdf5_kind(path: str, group: str) -> str:
    from ..io.errors import reading
    from ._common import open_h5

    with open_h5(path) as f, reading(path, "HDF5 model file"):  # h5py errors: one line
        if "model_config" in f.attrs:
            return "keras"
        g = f.get(group)
        if g is not None and g.attrs.get("fastnoise_object") == "network":
            return "fastnoise"
        if "layer_names" in f.attrs or "layers" in f:
            return "keras"  # weights-only Keras files: from_keras explains what is missing
        if "runs" in f and group == "network":
            raise ModelFileError(f"{path} is a fastnoise store; pass group='runs/<run>/network' to "
                                 "load the network of one of its runs")
        raise ModelFileError(f"{path} is an HDF5 file with neither a Keras 'model_config' attribute nor "
                             f"a fastnoise network group {group!r}; it is not a model file")


def load_model(path, format: str | None = None, *, activations=None, activation_map=None,
               group: str = "network", custom: dict | None = None, architecture=None, input_shape=None):
    """Read a trained model file into a :class:`~fastnoise.Network`.

    Parameters
    ----------
    path : str or path-like
        A Keras ``.h5`` or ``.keras`` model, a PyTorch state dict
        (``.pt``/``.pth``), an ``.npz`` archive (layout in
        :mod:`fastnoise.importers._npz`), an ONNX model (``.onnx``) or a fastnoise network file
        (:meth:`Network.save`).  The kind is read from the content; a known
        extension that disagrees with it is an error unless ``format`` is
        given.
    format : {"keras", "torch", "npz", "onnx", "fastnoise"}, optional
        Insist on one kind (and accept any extension).
    activations : sequence, optional
        For PyTorch state dicts (required) and ``.npz`` files (overrides the
        file's): one per weight layer, or one per layer input layer first.
    activation_map : dict, optional
        For Keras models: extra activation names → fastnoise activations
        (names, Activations or ``numba.njit`` functions), e.g.
        ``{"softmax": "linear"}`` (see :func:`from_keras`).
    group, custom : optional
        For fastnoise files: the HDF5 group and user activations, as in
        :meth:`Network.load`.
    architecture : str, path-like or torch.nn.Module, optional
        For Keras weights-only files (``model.save_weights``): the JSON of
        ``model.to_json()``; default ``<stem>.json`` beside the weights.  For
        PyTorch state dicts: the ``nn.Sequential`` they were saved from (its
        activations and batch normalisations are read from it; see
        :func:`from_torch`).
    input_shape : (channels, height, width), optional
        For PyTorch state dicts: the shape of one input, required for a model
        with convolution or pooling layers (see :func:`from_torch`).  Keras
        and ONNX files record their input shape.

    Returns
    -------
    Network

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ModelFileError
        (a ``ValueError``) for files of another kind than their extension or
        ``format`` says, damaged or truncated files, missing weights, and
        models that cannot be mapped; the message is one line naming the
        problem and the fix.
    """
    path = os.fspath(path)
    if format is not None and format not in FORMATS:
        raise ModelFileError(f"format={format!r} is not known{choice_hint(format, FORMATS)}")
    kind = sniff(path)
    ext = os.path.splitext(path)[1].lower()
    if kind.startswith("unknown:"):
        expected = format or {".h5": "HDF5", ".hdf5": "HDF5", ".hdf": "HDF5", ".keras": "Keras",
                              ".pt": "PyTorch", ".pth": "PyTorch", ".npz": ".npz", ".onnx": "ONNX"}.get(ext)
        what = kind.partition(":")[2]
        raise ModelFileError(f"{path} is {what}, not " + (f"a {expected} model file" if expected else
                             "a model file (Keras .h5/.keras, PyTorch .pt/.pth, .npz, ONNX .onnx or fastnoise .h5)"))
    if format is not None:
        if kind not in _FORMAT_KINDS[format]:
            raise ModelFileError(f"{path} is {_KIND_WORDS[kind]}, not {'an' if format[0] in 'aeio' else 'a'} "
                                 f"{format} file; pass "
                                 f"{_KIND_FORMAT[kind]} or leave format out")
    elif ext in _EXTENSIONS and kind not in _EXTENSIONS[ext]:
        raise ModelFileError(f"{path} is {_KIND_WORDS[kind]}, not what its extension {ext} says; rename it "
                             f"to {_KIND_EXT[kind]} or pass {_KIND_FORMAT[kind]}")
    if kind == "hdf5":
        kind = _hdf5_kind(path, group) if format != "fastnoise" else "fastnoise"
        if format == "keras" and kind == "fastnoise":
            raise ModelFileError(f"{path} is a fastnoise network file, not a Keras model; "
                                 "pass format='fastnoise' or leave format out")
    given = {"activations": activations, "activation_map": activation_map,
             "custom": custom, "architecture": architecture, "input_shape": input_shape}
    allowed = {"keras": ("activation_map", "architecture"), "torch": ("activations", "architecture", "input_shape"),
               "npz": ("activations",), "onnx": (), "fastnoise": ("custom",)}[kind]
    for name, value in given.items():
        if value is not None and name not in allowed:
            if name == "activations" and kind == "keras":
                raise ModelFileError(f"activations= does not apply to {path}, a Keras model file, whose "
                                     "activations are stored in it; map a Keras activation with "
                                     "activation_map={'softmax': 'linear'} (or another name) instead")
            if name == "input_shape":
                why = "which records its input shape" if kind != "npz" else "whose format ignores it"
                raise ModelFileError(f"input_shape= does not apply to {path}, a {kind} model file, {why}; "
                                     "leave it out")
            raise ModelFileError(f"{name}= does not apply to {path}, a {kind} model file, whose "
                                 f"{'activations are stored in it' if name == 'activations' else 'format ignores it'}; "
                                 "leave it out")
    if kind == "keras":
        return from_keras(path, activation_map=activation_map, architecture=architecture)
    if kind == "torch":
        return from_torch(path, activations, architecture=architecture, input_shape=input_shape)
    if kind == "npz":
        return from_npz(path, activations)
    if kind == "onnx":
        return from_onnx(path)
    from ..io import network_file

    try:
        return network_file.load(path, group=group, custom=custom)
    except KeyError as exc:
        raise ModelFileError(f"{path}: the fastnoise network group {group!r} is incomplete "
                             f"({exc}); save the network again") from None
