"""Errors, file sniffing and activation names shared by the importers."""

from __future__ import annotations

import os
import zipfile

import numpy as np

__all__ = ["ModelFileError", "sniff", "open_h5", "resolve_activation", "one_line"]

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
