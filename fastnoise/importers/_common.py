"""Errors, file sniffing and activation names shared by the importers."""

from __future__ import annotations

import os
import zipfile

import numpy as np

__all__ = ["ModelFileError", "sniff", "open_h5", "resolve_activation", "one_line", "AffineChain", "MapChain"]

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"


class ModelFileError(ValueError):
    """A model file is missing, damaged, of another kind, or cannot be mapped."""


def one_line(exc: BaseException) -> str:
    """First line of an exception's text (or its type name)."""
    text = str(exc).strip().splitlines()
    return text[0].strip() if text else type(exc).__name__


def _describe_bytes(head: bytes) -> str:
    """A short human description of what a file that is not a model looks like."""
    if not head:
        return "an empty file"
    sample = head[:64]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and all(c.isprintable() or c in "\r\n\t" for c in text):
        shown = text.strip().splitlines()[0][:24] if text.strip() else ""
        return f"a text file starting {shown!r}" if shown else "a text file"
    return f"a binary file starting {sample[:8]!r}"


def sniff(path) -> str:
    """Identify a model file by its content.

    Returns
    -------
    str
        ``"hdf5"``, ``"keras"`` (Keras 3 zip), ``"npz"``, ``"torch"`` (zip or
        legacy pickle written by ``torch.save``), ``"onnx"`` or
        ``"unknown:<what it looks like>"``.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ModelFileError
        When a zip archive is damaged or truncated.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    if os.path.isdir(path):
        raise ModelFileError(f"{path} is a folder; give a model file (.h5, .keras, .pt, .pth, .npz, .onnx)")
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if head.startswith(HDF5_MAGIC):
        return "hdf5"
    if head.startswith(ZIP_MAGIC) or head.startswith(EMPTY_ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as z:
                names = z.namelist()
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ModelFileError(f"{path} is a damaged or truncated zip archive ({one_line(exc)}); "
                                 "save the model again") from None
        if "config.json" in names or "model.weights.h5" in names:
            return "keras"
        if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
            return "torch"
        if names and all(n.endswith(".npy") for n in names):
            return "npz"
        if not names:
            return "unknown:an empty zip archive"
        return "unknown:a zip archive holding " + ", ".join(repr(n) for n in names[:3]) + \
            (", ..." if len(names) > 3 else "")
    if head[:1] == b"\x80" and len(head) > 1 and 2 <= head[1] <= 5:
        return "torch"  # legacy (pre-1.6) torch.save: a pickle stream
    import h5py  # an HDF5 file may start after a user block

    try:
        if h5py.is_hdf5(path):
            return "hdf5"
    except OSError:
        pass
    if _looks_like_onnx(path, head):
        return "onnx"
    return "unknown:" + _describe_bytes(head)


def _looks_like_onnx(path: str, head: bytes) -> bool:
    """An ONNX ModelProto: a protobuf whose first field is ``ir_version`` (tag 0x08) and either
    the ``.onnx`` extension (the model is parsed once, by the reader, which reports a damaged
    one) or, under another name, a graph with nodes once the ``onnx`` package parses it."""
    if not head.startswith(b"\x08"):
        return False
    if path.lower().endswith(".onnx"):
        return True
    try:
        import onnx
    except ImportError:
        return False
    try:
        model = onnx.load(path, load_external_data=False)
    except Exception:  # not a protobuf ModelProto
        return False
    return len(model.graph.node) > 0


def require_package(module: str, why: str, what: str, install: str):
    """Import and return ``module``, or raise a one-line ModelFileError: ``{why} needs {what},
    which is not installed; {install}``."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ModelFileError(f"{why} needs {what}, which is not installed; {install}") from None


class AffineChain:
    """Fold batch normalisations (inference form: y ↦ s ⊙ y + c) into a chain of dense layers.

    A normalisation right after a dense layer whose activation is still linear goes into that
    layer: W ← diag(s) W, b ← s ⊙ b + c.  One after an activation (or on the input) waits and
    goes into the next dense layer: W ← W diag(s), b ← b + W c.  Both are exact.  ``ws``,
    ``bs`` are the importer's lists of (I_out, I_in) weights and biases; ``linear_last`` (an
    argument of :meth:`add`) says whether the last layer's activation is still the identity.
    """

    def __init__(self):
        self.pending = None            # (s, c) waiting for the next dense layer

    @staticmethod
    def batchnorm(gamma, beta, mean, var, eps):
        """(s, c) of y ↦ γ (y − μ)/√(σ² + ε) + β."""
        s = np.asarray(gamma, np.float64) / np.sqrt(np.asarray(var, np.float64) + float(eps))
        return s, np.asarray(beta, np.float64) - s * np.asarray(mean, np.float64)

    def add(self, s, c, ws, bs, linear_last: bool) -> None:
        if ws and linear_last and self.pending is None:
            ws[-1] = s[:, None] * ws[-1]
            bs[-1] = s * bs[-1] + c
        elif self.pending is None:
            self.pending = (s, c)
        else:
            s0, c0 = self.pending
            self.pending = (s * s0, s * c0 + c)

    def into_next(self, w, b):
        """The next dense layer's (W, b) with the waiting normalisation folded in."""
        if self.pending is None:
            return w, b
        s, c = self.pending
        self.pending = None
        return w * s[None, :], b + w @ c


def _is_identity(act) -> bool:
    return act is None or (act.is_linear and act.param == 1.0)


class MapChain:
    """The convolution and pooling layers at the front of an imported model, over channels-last maps.

    An importer feeds the model's layers in order (:meth:`conv`, :meth:`pool`,
    :meth:`batchnorm`, :meth:`activation`) until :meth:`flatten`; the dense layers after
    it stay with the importer (:class:`AffineChain`) and :meth:`network` joins both.

    Batch normalisations (y ↦ s ⊙ y + c per channel) fold exactly: into the convolution
    before them while its activation is still the identity (K ← K·s over the output
    channels, b ← s ⊙ b + c); otherwise they wait, through pooling layers they commute with
    (average pooling; max pooling when every s > 0), and go into the next convolution when
    it has no padding (K ← K·s over the input channels, b ← b + Σ K c; with padding the
    shift would depend on the position) or, at the flatten, into the next dense layer.

    ``channels_first`` says that the model flattens its maps in (C, H, W) order (PyTorch,
    ONNX): :meth:`features` and :meth:`columns` reorder a flattened vector and the first dense
    layer's columns to fastnoise's (H, W, C) order, which is exact.
    """

    def __init__(self, input_shape, channels_first: bool = False):
        self.input_shape = tuple(int(d) for d in input_shape)
        self.shape = self.input_shape     # the current map (H, W, C)
        self.channels_first = channels_first
        self.ops: list = []
        self.pending = None               # (s, c) per channel, waiting for a layer to absorb it
        self.flat = False                 # flattened: dense layers follow
        self._perm = None

    # -- layers ------------------------------------------------------------------------
    def _op(self, cls, where: str, *args, **kwargs):
        try:
            return cls(*args, **kwargs)
        except ValueError as exc:
            raise ModelFileError(f"{where}: {one_line(exc)}") from None

    def _open(self, where: str, what: str) -> None:
        if self.flat:
            raise ModelFileError(f"{where} is a {what} after the map was flattened; fastnoise maps "
                                 "convolution and pooling layers before the dense layers only")

    def conv(self, kernel, bias, strides, padding, where: str) -> None:
        """A convolution: ``kernel`` (k_h, k_w, C_in, C_out) in Keras' layout, ``padding`` as
        :func:`fastnoise.network.geometry.pads` takes it."""
        from ..network import Conv2D

        self._open(where, "convolution")
        kernel = np.asarray(kernel, np.float64)
        bias = np.zeros(kernel.shape[-1]) if bias is None else np.asarray(bias, np.float64)
        op = self._op(Conv2D, where, kernel, bias, in_shape=self.shape, strides=strides, padding=padding)
        if self.pending is not None:
            if any(op.padding):
                raise ModelFileError(
                    f"{where} pads its input {op.padding} (top, bottom, left, right) after a batch "
                    "normalisation that follows an activation or pooling; fastnoise folds such a "
                    "normalisation into a convolution without padding only (with padding the shift "
                    "would depend on the position); move the normalisation before the activation")
            s, c = self.pending
            self.pending = None
            op = self._op(Conv2D, where, kernel * s[None, None, :, None],
                          bias + np.einsum("hwio,i->o", kernel, c), in_shape=self.shape,
                          strides=op.strides, padding=op.padding)
        self.ops.append(op)
        self.shape = op.out_shape

    def pool(self, kind: str, pool_size, strides, padding, where: str, count_pad: bool = False) -> None:
        """A pooling layer, ``kind`` ``"max"`` or ``"avg"`` (``count_pad`` as in
        :class:`~fastnoise.network.AvgPool2D`)."""
        from ..network import AvgPool2D, MaxPool2D

        self._open(where, "pooling layer")
        if kind == "max":
            op = self._op(MaxPool2D, where, pool_size, in_shape=self.shape, strides=strides, padding=padding)
        else:
            op = self._op(AvgPool2D, where, pool_size, in_shape=self.shape, strides=strides, padding=padding,
                          count_pad=bool(count_pad))
        if self.pending is not None:
            s, _ = self.pending
            if kind == "max" and not np.all(s > 0):
                raise ModelFileError(f"{where} takes the maximum after a batch normalisation with a scale ≤ 0 "
                                     "that follows an activation; fastnoise cannot move the normalisation "
                                     "past it, so it cannot be folded")
            if kind == "avg" and op.count_pad and any(op.padding):
                raise ModelFileError(f"{where} averages padded zeros after a batch normalisation that follows "
                                     "an activation; fastnoise cannot move the normalisation past it, so it "
                                     "cannot be folded")
        self.ops.append(op)
        self.shape = op.out_shape

    def global_pool(self, kind: str, where: str) -> None:
        """A global pooling layer: a pooling window over the whole map."""
        self.pool(kind, self.shape[:2], self.shape[:2], "valid", where)

    def batchnorm(self, s, c, where: str) -> None:
        """A batch normalisation over the channels, (s, c) of :meth:`AffineChain.batchnorm`."""
        self._open(where, "batch normalisation of a map")
        if len(s) != self.shape[2]:
            raise ModelFileError(f"{where} normalises {len(s)} channels but its input map {self.shape} "
                                 f"has {self.shape[2]}")
        last = self.ops[-1] if self.ops else None
        if self.pending is None and last is not None and last.kind == "conv2d" \
                and _is_identity(last.activation):
            from dataclasses import replace

            self.ops[-1] = replace(last, kernel=last.kernel * s, bias=s * last.bias + c)
        elif self.pending is None:
            self.pending = (s, c)
        else:
            s0, c0 = self.pending
            self.pending = (s * s0, s * c0 + c)

    def activation(self, act, where: str) -> bool:
        """Give the last convolution the activation ``act``; False when no layer came yet (the
        importer gives it to the input layer).  A Flatten in between is looked through."""
        if self.pending is not None:
            raise ModelFileError(f"{where} applies {act.name} after a batch normalisation that follows an "
                                 "activation or pooling; fastnoise folds a normalisation into a "
                                 "convolution or dense layer only")
        i = len(self.ops) - 1 - (1 if self.ops and self.ops[-1].kind == "flatten" else 0)
        if i < 0:
            return False
        last = self.ops[i]
        if last.kind != "conv2d":
            raise ModelFileError(f"{where} applies {act.name} after a {last.kind} layer, which has no "
                                 "activation in fastnoise; put the activation before the pooling (the same "
                                 "function for max pooling and a non-decreasing activation)")
        if not _is_identity(last.activation):
            raise ModelFileError(f"{where} applies {act.name} after a convolution that already applies "
                                 f"{last.activation.name}; a fastnoise neuron has one activation")
        if not act.elementwise:
            raise ModelFileError(f"{where} applies {act.name} to a map; fastnoise takes it as the output "
                                 "layer's readout of a dense layer only")
        from dataclasses import replace

        self.ops[i] = replace(last, activation=act)
        return True

    def flatten(self, norms: AffineChain, layer: bool = True) -> None:
        """Flatten the map: a Flatten layer (``layer``; without one the next dense layer reads
        the map flattened, as after a global pooling that gives a vector).  A waiting
        normalisation goes on, tiled over the positions, to ``norms`` and so into the next
        dense layer."""
        from ..network import Flatten

        if self.flat:
            return
        if layer:
            self.ops.append(Flatten(self.shape))
        self.flat = True
        if self.pending is not None:
            s, c = self.pending
            self.pending = None
            n = self.shape[0] * self.shape[1]
            norms.add(np.tile(s, n), np.tile(c, n), [], [], False)

    # -- the model's flattened order -----------------------------------------------------
    @property
    def width(self) -> int:
        return int(np.prod(self.shape))

    def _permutation(self) -> np.ndarray:
        """``perm[k]``: the model's flat index of fastnoise's (H, W, C) flat index k."""
        if self._perm is None:
            h, w, c = self.shape
            idx = np.arange(h * w * c)
            self._perm = (idx.reshape(c, h, w).transpose(1, 2, 0).reshape(-1) if self.channels_first
                          else idx)
        return self._perm

    def features(self, v) -> np.ndarray:
        """A vector over the flattened map in the model's order, in fastnoise's (H, W, C) order."""
        return np.asarray(v)[self._permutation()]

    def columns(self, w) -> np.ndarray:
        """The first dense layer's (I_out, H·W·C) weights with their columns in (H, W, C) order."""
        return np.asarray(w)[:, self._permutation()]

    # -- the network -------------------------------------------------------------------
    def network(self, dense: list, input_activation, where: str):
        """The :class:`~fastnoise.Network` of these layers followed by ``dense``, a list of
        (weights, bias, activation) after the flatten."""
        from ..network import Dense, Network

        if self.pending is not None:
            raise ModelFileError(f"{where} ends in a batch normalisation of a map after an activation or "
                                 "pooling, which no layer follows to absorb it; fastnoise cannot represent it")
        if dense and not self.flat:
            raise ModelFileError(f"{where} has a dense layer on a map without a flatten before it")
        try:
            ops = list(self.ops) + [Dense(w, b, a) for w, b, a in dense]
            return Network.from_ops(self.input_shape, ops, input_activation=input_activation,
                                    input_order="channels_first" if self.channels_first else "channels_last")
        except ValueError as exc:
            raise ModelFileError(f"{where}: {one_line(exc)}") from None


def open_h5(path):
    """Open an HDF5 file read-only with a one-line error for damaged files."""
    import h5py

    from ..io.errors import check_global_heaps

    path = os.fspath(path)
    check_global_heaps(path, "HDF5 model file")  # HDF5 loops forever on a damaged one
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        msg = one_line(exc)
        what = "a truncated" if "truncated" in msg.lower() else "a damaged or unreadable"
        raise ModelFileError(f"{path} is {what} HDF5 file ({msg}); save the model again") from None


# -- activations -----------------------------------------------------------------

#: Keras activation names -> (fastnoise name, parameter or None for the default).
#: Keras 3 definitions: ``elu`` α = 1, ``leaky_relu`` negative slope 0.2, ``gelu`` exact
#: (``approximate=False``), ``swish`` = ``silu``, ``hard_sigmoid`` relu6(x + 3)/6 (slope
#: 1/6; Keras 2 files use 0.2, see :func:`keras_activation`), ``selu`` with the standard
#: constants.
KERAS_ACTIVATIONS = {"linear": ("linear", None), "sigmoid": ("logistic", None),
                     "tanh": ("tanh", None), "relu": ("relu", None), "elu": ("elu", 1.0),
                     "selu": ("selu", None), "gelu": ("gelu", None), "softplus": ("softplus", 1.0),
                     "softsign": ("softsign", None), "swish": ("swish", None),
                     "silu": ("swish", None), "hard_sigmoid": ("hard_sigmoid", 1.0 / 6.0),
                     "leaky_relu": ("leaky_relu", 0.2), "softmax": ("softmax", None)}

#: Hint for an activation without a built-in equivalent: a user function, never a substitute.
CUSTOM_HINT = ("write it as a scalar function compiled with numba.njit and pass it as {how} "
               "(in a TOML config: {toml} with \"module:function\" or \"file.py:function\")")


def keras_activation(name: str, keras_major: int = 3):
    """The fastnoise Activation of a Keras activation name, or None when there is none.

    ``hard_sigmoid`` is max(0, min(1, x/6 + 1/2)) in Keras 3 but
    max(0, min(1, 0.2·x + 1/2)) in Keras 2 (tf.keras), so legacy files saved
    by Keras 2 get slope 0.2.
    """
    from .. import activations as _act

    entry = KERAS_ACTIVATIONS.get(name.lower())
    if entry is None:
        return None
    fname, param = entry
    if fname == "hard_sigmoid" and keras_major < 3:
        param = 0.2
    return _act.get(fname, param)

_AMBIGUOUS_SIGMOID = ("'sigmoid' is ambiguous here: fastnoise's 'sigmoid' is the paper's shifted "
                      "sigmoid, while Keras/PyTorch's sigmoid is fastnoise's 'logistic'; write "
                      "'logistic' or 'shifted_sigmoid'")


def resolve_activation(spec, where: str):
    """Turn a user-given activation (name or Activation) into an Activation.

    The bare name ``"sigmoid"`` is refused: fastnoise reads it as the paper's
    shifted sigmoid, the frameworks as the logistic function.
    """
    from .. import activations as _act

    if isinstance(spec, str) and spec.strip().lower() == "sigmoid":
        raise ModelFileError(f"activation {spec!r} for {where}: {_AMBIGUOUS_SIGMOID}")
    try:
        return _act.get(spec)
    except (ValueError, TypeError) as exc:
        raise ModelFileError(f"activation {spec!r} for {where}: {one_line(exc)}") from None
