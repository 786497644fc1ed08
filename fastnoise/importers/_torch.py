"""PyTorch: state dicts of stacked ``nn.Linear`` layers, and ``nn.Sequential`` modules.

A state dict stores no activations, so they are given separately
(``activations=``), or it is read with the ``nn.Sequential`` it was saved from
(``architecture=``).  A module maps these layers:

========================================  ========================================
``Linear``                                a dense layer
``Conv2d``                                a convolution (weight (C_out, C_in, k_h,
                                          k_w) → kernel ``w.permute(2, 3, 1, 0)``);
                                          ``padding`` integers, ``"same"`` or
                                          ``"valid"``; dilation, groups and a
                                          ``padding_mode`` other than ``"zeros"``
                                          are refused
``MaxPool2d``, ``AvgPool2d``              pooling (``count_include_pad`` kept;
                                          ``ceil_mode``, dilation and
                                          ``divisor_override`` refused)
``AdaptiveAvgPool2d(1)``,                 global pooling
``AdaptiveMaxPool2d(1)``
``BatchNorm1d``, ``BatchNorm2d``          folded exactly into the layer before
                                          (per channel for a convolution) or,
                                          after an activation, into the next one
``Flatten``                               a flatten layer after a map (the next
                                          ``Linear`` layer's columns reordered from
                                          C·H·W to fastnoise's H·W·C); identity on
                                          a vector
``Dropout``, ``Dropout2d``, ``Identity``  identity (inference)
activation modules                        the activation of the layer before them
========================================  ========================================

A model with convolution or pooling layers needs ``input_shape=(C, H, W)``, the
shape of one input (a state dict does not record it).  Files are
read with ``torch.load(path, weights_only=True, map_location="cpu")``, which
never runs arbitrary pickled code; PyTorch is imported only here, and only
when a file or module is actually read.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np

from ._common import (AffineChain, CUSTOM_HINT, MapChain, ModelFileError, one_line, require_package,
                      resolve_activation, sniff)

__all__ = ["from_torch", "load_state_dict"]

_WRAPPER_KEYS = ("state_dict", "model_state_dict", "model")
#: torch.nn activation class -> (fastnoise name, attribute holding its parameter or None)
_TORCH_ACTIVATIONS = {"Sigmoid": ("logistic", None), "Tanh": ("tanh", None), "ReLU": ("relu", None),
                      "Identity": ("linear", None), "ELU": ("elu", "alpha"),
                      "LeakyReLU": ("leaky_relu", "negative_slope"), "Softplus": ("softplus", "beta"),
                      "GELU": ("gelu", None), "SiLU": ("swish", None), "Hardsigmoid": ("hard_sigmoid", None),
                      "SELU": ("selu", None), "Softsign": ("softsign", None), "Softmax": ("softmax", None)}
_TORCH_NO_OPS = ("Dropout", "Dropout2d", "Identity", "Flatten")
_MAP_MODULES = ("Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "BatchNorm2d")
_SUPPORTED_MODULES = ("Linear, " + ", ".join(_MAP_MODULES[:5]) + ", " + ", ".join(_TORCH_ACTIVATIONS)
                      + ", BatchNorm1d, BatchNorm2d, Dropout, Dropout2d, Flatten")


def _require_torch(why: str):
    return require_package("torch", why, "PyTorch", "pip install torch (CPU wheels suffice)")


def load_state_dict(path) -> dict:
    """Read a state dict saved with ``torch.save(model.state_dict(), path)``.

    Only tensors and plain containers are unpickled (``weights_only=True``).
    A checkpoint dict holding the state dict under ``state_dict``,
    ``model_state_dict`` or ``model`` is unwrapped.

    Raises
    ------
    ModelFileError
        For a file that is not a PyTorch file, is damaged, pickles arbitrary
        objects (e.g. a whole ``nn.Module``), or holds no state dict.
    """
    path = os.fspath(path)
    kind = sniff(path)
    if kind != "torch":
        what = {"hdf5": "an HDF5 file", "keras": "a Keras .keras archive",
                "npz": "a NumPy .npz archive"}.get(kind, kind.partition(":")[2])
        raise ModelFileError(f"{path} is {what}, not a PyTorch file written by torch.save")
    torch = _require_torch(f"reading {path}")
    import pickle

    try:
        obj = torch.load(path, weights_only=True, map_location="cpu")
    except pickle.UnpicklingError:
        raise ModelFileError(
            f"{path} pickles Python objects other than tensors (a whole model?), which fastnoise "
            "will not unpickle; save torch.save(model.state_dict(), path) instead") from None
    except (RuntimeError, EOFError, OSError, ValueError, KeyError) as exc:
        raise ModelFileError(f"{path} is a damaged or truncated PyTorch file ({one_line(exc)}); "
                             "save the state dict again") from None
    return _unwrap(obj, path)


def _is_array(v) -> bool:
    return hasattr(v, "shape") and hasattr(v, "dtype")


def _unwrap(obj, where: str) -> dict:
    if not isinstance(obj, Mapping):
        raise ModelFileError(f"{where} holds a {type(obj).__name__}, not a state dict; save "
                             "model.state_dict()")
    if obj and all(_is_array(v) for v in obj.values()):
        return dict(obj)
    for key in _WRAPPER_KEYS:
        inner = obj.get(key)
        if isinstance(inner, Mapping) and inner and all(_is_array(v) for v in inner.values()):
            return dict(inner)
    keys = ", ".join(repr(k) for k in list(obj)[:5]) + (", ..." if len(obj) > 5 else "")
    raise ModelFileError(f"{where} holds a dict ({keys or 'empty'}) that is not a state dict of tensors; "
                         f"save model.state_dict() or put it under one of {', '.join(_WRAPPER_KEYS)}")


def _to_numpy(key: str, v) -> np.ndarray:
    if hasattr(v, "detach"):
        if not v.is_floating_point():
            raise ModelFileError(f"state dict entry {key!r} holds {v.dtype} values, not weights; "
                                 "fastnoise maps only nn.Linear weights and biases")
        v = v.detach().to("cpu")
        if str(v.dtype) in ("torch.bfloat16", "torch.float16"):
            v = v.float()
        v = v.numpy()
    a = np.asarray(v)
    if not np.issubdtype(a.dtype, np.floating):
        raise ModelFileError(f"state dict entry {key!r} holds {a.dtype} values, not weights; "
                             "fastnoise maps only nn.Linear weights and biases")
    return a.astype(np.float64)


def _loaded(architecture, sd: Mapping, where: str):
    """A copy of the module ``architecture`` holding the state dict ``sd``, in eval mode."""
    import copy

    torch = _require_torch(f"reading {where} with an architecture")
    if not isinstance(architecture, torch.nn.Module):
        raise TypeError(f"architecture must be a torch.nn.Module (an nn.Sequential), got "
                        f"{type(architecture).__name__}")
    module = copy.deepcopy(architecture)
    tensors = {str(k): (v if isinstance(v, torch.Tensor) else torch.as_tensor(np.asarray(v)))
               for k, v in sd.items()}
    try:
        module.load_state_dict(tensors, strict=True)
    except RuntimeError as exc:
        raise ModelFileError(f"the state dict of {where} does not fit the given architecture "
                             f"({one_line(exc)})") from None
    return module.eval()


def _layers_from_state_dict(sd: Mapping, where: str):
    """(prefixes, weights, biases) of the Linear layers, in key order."""
    layers: dict[str, dict] = {}
    for key, value in sd.items():
        key = str(key)
        prefix, _, suffix = key.rpartition(".")
        if suffix not in ("weight", "bias"):
            raise ModelFileError(
                f"state dict entry {key!r} of {where} is not a Linear layer's weight or bias (a "
                "normalisation or other layer?); fastnoise maps stacks of nn.Linear layers, or pass "
                "architecture=<the nn.Sequential it was saved from>")
        a = _to_numpy(key, value)
        if suffix == "weight" and a.ndim != 2:
            kind = "a normalisation layer?" if a.ndim == 1 else "a convolution?" if a.ndim > 2 else "a scalar"
            raise ModelFileError(f"state dict entry {key!r} has shape {tuple(a.shape)}, not a Linear layer's "
                                 f"(out, in) matrix ({kind}); fastnoise maps stacks of nn.Linear layers, or "
                                 "pass architecture=<the nn.Sequential it was saved from>")
        if suffix == "bias" and a.ndim != 1:
            raise ModelFileError(f"state dict entry {key!r} has shape {tuple(a.shape)}; a Linear bias is 1-D")
        layers.setdefault(prefix, {})[suffix] = (key, a)
    if not layers:
        raise ModelFileError(f"{where} holds an empty state dict: the weights are missing")
    prefixes, ws, bs = [], [], []
    prev = None
    for prefix, parts in layers.items():
        if "weight" not in parts:
            raise ModelFileError(f"state dict of {where} has {parts['bias'][0]!r} but no "
                                 f"'{prefix + '.' if prefix else ''}weight'; the weights are missing")
        wkey, w = parts["weight"]
        if prev is not None and w.shape[1] != prev[1].shape[0]:
            raise ModelFileError(
                f"{wkey!r} has shape {tuple(w.shape)} but the previous layer's {prev[0]!r} has shape "
                f"{tuple(prev[1].shape)}; consecutive Linear layers must chain ((out, {prev[1].shape[0]}) "
                "expected), so this is not a plain stack of Linear layers")
        if "bias" in parts:
            bkey, b = parts["bias"]
            if b.shape != (w.shape[0],):
                raise ModelFileError(f"{bkey!r} has shape {tuple(b.shape)} but {wkey!r} has shape "
                                     f"{tuple(w.shape)}; expected a bias of shape ({w.shape[0]},)")
        else:
            b = np.zeros(w.shape[0])
        prefixes.append(prefix)
        ws.append(w)
        bs.append(b)
        prev = (wkey, w)
    return prefixes, ws, bs


def _activation_of(a, where: str):
    """A fastnoise Activation from a name, Activation, njit function or torch.nn activation module/class.

    Module parameters are read from the instance (a class gets PyTorch's defaults):
    ``ELU(alpha)``, ``LeakyReLU(negative_slope)``, ``Softplus(beta)`` (its ``threshold``
    switch to the identity is not mimicked: < 2.1e-9/β apart), ``GELU()`` only with
    ``approximate="none"`` (the exact erf form).
    """
    cls = a if isinstance(a, type) else type(a)
    if cls.__module__.startswith("torch.nn"):
        entry = _TORCH_ACTIVATIONS.get(cls.__name__)
        if entry is None:
            raise ModelFileError(
                f"torch.nn.{cls.__name__} for {where} is not a fastnoise built-in (built in: "
                f"{', '.join(_TORCH_ACTIVATIONS)}); "
                + CUSTOM_HINT.format(how="that entry of activations=[...]", toml="activations = [...]"))
        name, attr = entry
        if isinstance(a, type):
            a = a()
        if name == "gelu" and getattr(a, "approximate", "none") != "none":
            raise ModelFileError(
                f"torch.nn.GELU(approximate={a.approximate!r}) for {where} is the tanh approximation; "
                "fastnoise's built-in 'gelu' is the exact erf form, so "
                + CUSTOM_HINT.format(how="that entry of activations=[...]", toml="activations = [...]"))
        if name == "softmax" and getattr(a, "dim", None) not in (None, -1, 1):
            raise ModelFileError(f"torch.nn.Softmax(dim={a.dim}) for {where} does not act over a layer's "
                                 "neurons (dim=-1 or 1); a fastnoise softmax readout does")
        if attr is None:
            return resolve_activation(name, where)
        from .. import activations as _act

        try:
            return _act.get(name, float(getattr(a, attr)))
        except (ValueError, TypeError) as exc:
            raise ModelFileError(f"torch.nn.{cls.__name__} for {where}: {one_line(exc)}") from None
    return resolve_activation(a, where)


def _activations_for(activations, prefixes, where: str):
    n = len(prefixes)
    shown = ", ".join(repr(p) for p in prefixes)
    if activations is None:
        example = ", ".join(["'logistic'"] * (n - 1) + ["'linear'"])
        raise ModelFileError(
            f"{where} is a PyTorch state dict, which holds no activations; pass activations=[...] "
            f"with {n} entries, one per Linear layer ({shown}), e.g. activations=[{example}] "
            "(torch.nn.Sigmoid is 'logistic')")
    if isinstance(activations, str) or not hasattr(activations, "__len__"):
        raise ModelFileError(f"activations must be a list with {n} entries, one per Linear layer "
                             f"({shown}), got {activations!r}")
    acts = list(activations)
    if len(acts) not in (n, n + 1):
        raise ModelFileError(f"got {len(acts)} activations for the {n} Linear layers ({shown}) of {where}; "
                             f"give {n} (input layer linear) or {n + 1} (input layer first)")
    names = (["input layer"] if len(acts) == n + 1 else []) + [f"layer {p!r}" for p in prefixes]
    return [_activation_of(a, f"{nm} of {where}") for a, nm in zip(acts, names)]


def _image_shape(input_shape) -> tuple | None:
    """``input_shape`` (channels, height, width) of one input, checked, or None."""
    if input_shape is None:
        return None
    try:
        shape = tuple(int(d) for d in input_shape)
        ok = all(float(d) == int(d) for d in input_shape)
    except (TypeError, ValueError):
        shape, ok = (), False
    if not ok or not shape or min(shape) < 1:
        raise ModelFileError(f"input_shape must be the shape of one input, e.g. (channels, height, width) = "
                             f"(1, 28, 28), got {input_shape!r}")
    return shape


def _ones(value) -> bool:
    """Whether a module's int-or-tuple attribute is 1 everywhere."""
    return all(int(v) == 1 for v in np.atleast_1d(value))


def _check_pool(m, name: str, cls: str) -> None:
    if getattr(m, "ceil_mode", False):
        raise ModelFileError(f"module {name!r} ({cls}) has ceil_mode=True; fastnoise's pooling rounds the "
                             "output size down (ceil_mode=False) only")
    if not _ones(getattr(m, "dilation", 1)):
        raise ModelFileError(f"module {name!r} ({cls}) has dilation={m.dilation}; fastnoise maps dilation=1 only")
    if getattr(m, "return_indices", False):
        raise ModelFileError(f"module {name!r} ({cls}) returns indices (return_indices=True); fastnoise maps "
                             "the pooled values only")
    if getattr(m, "divisor_override", None) is not None:
        raise ModelFileError(f"module {name!r} ({cls}) has divisor_override={m.divisor_override}; fastnoise "
                             "averages over the window (divisor_override=None) only")


def _from_sequential(module, where: str, input_shape=None):
    """The Network of an nn.Sequential (nested Sequentials allowed); ``input_shape`` is
    (C, H, W) of one input, needed when the module has convolution or pooling layers."""
    torch = _require_torch("reading a torch module")
    from .. import activations as _act
    from ..network import Network

    shape = _image_shape(input_shape)
    for name, m in module.named_modules():
        if list(m.children()) and not isinstance(m, torch.nn.Sequential):
            raise ModelFileError(
                f"module {name or 'the model'!r} of type {type(m).__name__} is not an nn.Sequential, so the "
                "order of its layers is unknown; pass activations=[...] to read its state dict")
    ws, bs, acts, owners = [], [], [], []
    input_act = None
    norms = AffineChain()
    maps = None                     # the convolution and pooling layers (a MapChain), once one comes

    def numpy(t):
        return t.detach().to("cpu").double().numpy()

    def map_chain(name: str, cls: str) -> MapChain:
        nonlocal maps
        if maps is None:
            if ws:
                raise ModelFileError(f"module {name!r} ({cls}) follows Linear layer {owners[-1]!r}; fastnoise "
                                     "maps convolution and pooling layers before the dense layers only")
            if shape is None:
                raise ModelFileError(f"module {name!r} ({cls}) acts on an image, whose size the model does not "
                                     "record; pass input_shape=(channels, height, width) of one input, e.g. "
                                     "input_shape=(1, 28, 28)")
            if len(shape) != 3:
                raise ModelFileError(f"module {name!r} ({cls}) acts on an image but input_shape is {shape}; "
                                     "give (channels, height, width)")
            maps = MapChain((shape[1], shape[2], shape[0]), channels_first=True)
        return maps

    def batchnorm(m, name: str, cls: str):
        if m.running_mean is None or m.running_var is None:
            raise ModelFileError(f"module {name!r} ({cls}) keeps no running statistics "
                                 "(track_running_stats=False); its inference form is not a fixed map")
        n = m.num_features
        gamma = numpy(m.weight) if m.weight is not None else np.ones(n)
        beta = numpy(m.bias) if m.bias is not None else np.zeros(n)
        return AffineChain.batchnorm(gamma, beta, numpy(m.running_mean), numpy(m.running_var), m.eps)

    for name, m in module.named_modules():
        if list(m.children()):
            continue
        cls = type(m).__name__
        here = f"module {name!r} ({cls})"
        if isinstance(m, torch.nn.Conv2d):
            chain = map_chain(name, cls)
            for key, ok in (("dilation", _ones(m.dilation)), ("groups", m.groups == 1),
                            ("padding_mode", m.padding_mode == "zeros")):
                if not ok:
                    raise ModelFileError(f"{here} has {key}={getattr(m, key)!r}; fastnoise maps "
                                         f"{key}={'zeros' if key == 'padding_mode' else 1!r} only")
            chain.conv(numpy(m.weight).transpose(2, 3, 1, 0), None if m.bias is None else numpy(m.bias),
                       tuple(m.stride), m.padding, here)
        elif isinstance(m, (torch.nn.MaxPool2d, torch.nn.AvgPool2d)):
            chain = map_chain(name, cls)
            _check_pool(m, name, cls)
            chain.pool("max" if isinstance(m, torch.nn.MaxPool2d) else "avg", m.kernel_size,
                       m.kernel_size if m.stride is None else m.stride, m.padding, here,
                       count_pad=getattr(m, "count_include_pad", False))
        elif isinstance(m, (torch.nn.AdaptiveAvgPool2d, torch.nn.AdaptiveMaxPool2d)):
            chain = map_chain(name, cls)
            if any(v not in (1, None) for v in np.atleast_1d(np.array(m.output_size, dtype=object))):
                raise ModelFileError(f"{here} has output_size={m.output_size}; fastnoise maps a global "
                                     "pooling (output_size=1) only")
            if getattr(m, "return_indices", False):
                raise ModelFileError(f"{here} returns indices (return_indices=True); fastnoise maps the "
                                     "pooled values only")
            chain.global_pool("max" if "Max" in cls else "avg", here)
        elif isinstance(m, torch.nn.BatchNorm2d):
            map_chain(name, cls).batchnorm(*batchnorm(m, name, cls), here)
        elif isinstance(m, torch.nn.Flatten) and maps is not None and not maps.flat:
            if m.start_dim != 1 or m.end_dim != -1:
                raise ModelFileError(f"{here} flattens dims {m.start_dim}..{m.end_dim}; fastnoise maps "
                                     "nn.Flatten() (start_dim=1, end_dim=-1) of a map only")
            maps.flatten(norms)
        elif isinstance(m, torch.nn.Linear):
            w = numpy(m.weight)
            if maps is not None and not ws:
                if not maps.flat:
                    raise ModelFileError(f"{here} acts on the last axis of a map; add nn.Flatten() before "
                                         "it so that the layer is fully connected")
                if w.shape[1] != maps.width:
                    raise ModelFileError(f"'{name}.weight' has shape {tuple(w.shape)} but the flattened map "
                                         f"{maps.shape} before it has {maps.width} values")
                w = maps.columns(w)
            if ws and w.shape[1] != ws[-1].shape[0]:
                raise ModelFileError(f"'{name}.weight' has shape {tuple(w.shape)} but the previous layer's "
                                     f"'{owners[-1]}.weight' has shape {tuple(ws[-1].shape)}; consecutive "
                                     "Linear layers must chain")
            w, b = norms.into_next(w, np.zeros(w.shape[0]) if m.bias is None else numpy(m.bias))
            ws.append(w)
            bs.append(b)
            acts.append(None)
            owners.append(name)
        elif isinstance(m, torch.nn.BatchNorm1d):
            s, c = batchnorm(m, name, cls)
            if maps is not None and not ws:          # on the flattened map, in the model's C·H·W order
                if len(s) != maps.width:
                    raise ModelFileError(f"{here} normalises {len(s)} features but the flattened map "
                                         f"{maps.shape} has {maps.width}")
                s, c = maps.features(s), maps.features(c)
            norms.add(s, c, ws, bs, bool(ws) and acts[-1] is None)
        elif cls in _TORCH_ACTIVATIONS and cls != "Identity" and type(m).__module__.startswith("torch.nn"):
            if norms.pending is not None:
                raise ModelFileError(f"module {name!r} ({cls}) follows a BatchNorm1d that follows an "
                                     "activation; fastnoise folds a normalisation into a Linear layer only")
            act = _activation_of(m, f"module {name!r}")
            if not ws and maps is not None and maps.activation(act, here):
                pass
            elif not ws:
                if input_act is not None:
                    raise ModelFileError(f"module {name!r} ({cls}) follows another activation on the input; "
                                         "a fastnoise neuron has one activation")
                input_act = act
            elif acts[-1] is None:
                acts[-1] = act
            else:
                raise ModelFileError(f"module {name!r} ({cls}) follows another activation after Linear "
                                     f"layer {owners[-1]!r}; a fastnoise neuron has one activation")
        elif cls in _TORCH_NO_OPS:
            continue
        elif cls == "LogSoftmax":
            raise ModelFileError(f"module {name!r} (LogSoftmax) gives log-probabilities, which fastnoise has no "
                                 "readout for; replace it by nn.Softmax(dim=-1) (probabilities) or leave it out "
                                 "(logits): the argmax, and so the classification, is the same")
        elif not any(True for _ in m.parameters()):
            raise ModelFileError(f"module {name!r} of type {cls} is not a fastnoise built-in (supported: "
                                 f"{_SUPPORTED_MODULES}); " + CUSTOM_HINT.format(
                                     how="its entry of activations=[...] (one per Linear layer)",
                                     toml="activations = [...]"))
        else:
            raise ModelFileError(f"module {name!r} of type {cls} cannot be mapped to a fastnoise network; "
                                 f"supported: {_SUPPORTED_MODULES}")
    if not ws and maps is None:
        raise ModelFileError(f"{where} has no nn.Linear layer; a fastnoise network needs at least one")
    if norms.pending is not None:
        raise ModelFileError(f"{where} ends in a BatchNorm1d after the output activation, which no Linear "
                             "layer follows to absorb it; fastnoise cannot represent it")
    if maps is not None:
        return maps.network([(w, b, a or _act.linear()) for w, b, a in zip(ws, bs, acts)],
                            input_act or _act.linear(), where)
    try:
        return Network.from_layers(ws, bs, [input_act or _act.linear()] + [a or _act.linear() for a in acts],
                                   input_shape=shape)
    except ValueError as exc:
        raise ModelFileError(f"{where}: {one_line(exc)}") from None


def from_torch(state_dict_or_path, activations=None, architecture=None, input_shape=None):
    """Build a :class:`~fastnoise.Network` from PyTorch layers.

    A state dict alone maps a stack of ``nn.Linear`` layers; with its
    ``nn.Sequential`` (``architecture=``, or a module given directly) the
    modules ``Linear``, ``Conv2d``, ``MaxPool2d``, ``AvgPool2d``,
    ``AdaptiveAvgPool2d(1)``/``AdaptiveMaxPool2d(1)`` (global pooling),
    ``BatchNorm1d``/``BatchNorm2d`` (folded exactly into the layer before
    them, or, after an activation, into the next one), ``Flatten``,
    ``Dropout``/``Dropout2d`` (identity) and the activation modules are
    mapped.  Refused by name: ``dilation`` ≠ 1, ``groups`` ≠ 1,
    ``padding_mode`` ≠ ``"zeros"``, ``ceil_mode=True``,
    ``divisor_override``.

    Parameters
    ----------
    state_dict_or_path : str, path-like, mapping or torch.nn.Module
        A file written by ``torch.save(model.state_dict(), path)`` (read with
        ``weights_only=True``: no arbitrary unpickling), a state dict (a
        mapping of tensors or arrays), or a module.  The Linear layers are the
        ``<prefix>.weight`` / ``<prefix>.bias`` pairs in key order; a missing
        bias (``bias=False``) is zero.
    activations : sequence, optional
        One per Linear layer (input layer linear) or one per layer including
        the input layer: fastnoise names (``"logistic"`` for
        ``torch.nn.Sigmoid``, ``"tanh"``, ``"relu"``, ``"linear"``,
        ``"elu"``, ``"gelu"``, ``"swish"``, ...; see
        :func:`fastnoise.activations.get`),
        :class:`~fastnoise.activations.Activation` objects, ``numba.njit``
        scalar functions (for activations without a built-in), or
        ``torch.nn`` activation modules (``Sigmoid``, ``Tanh``, ``ReLU``,
        ``Identity``, ``ELU``, ``LeakyReLU``, ``Softplus``, ``GELU``,
        ``SiLU``, ``Hardsigmoid``, ``SELU``, ``Softsign``, with their
        parameters).  Required for a state dict; for an ``nn.Sequential``
        module they are read from the module when omitted.  The bare name
        ``"sigmoid"`` is refused as ambiguous.
    architecture : torch.nn.Module, optional
        For a state dict (file or mapping): the ``nn.Sequential`` it was saved
        from, e.g. ``nn.Sequential(nn.Linear(784, 200), nn.BatchNorm1d(200),
        nn.ReLU(), nn.Linear(200, 10))``.  A copy of it is loaded with the state
        dict (``load_state_dict``, strict), put in eval mode and read like a
        module: its activations and batch normalisations come from it.
    input_shape : (channels, height, width), optional
        The shape of one input, in PyTorch's channels-first order; required
        for a model with convolution or pooling layers (a state dict does not
        record the image size), e.g. ``input_shape=(1, 28, 28)``.  Such a
        network has ``input_shape`` (height, width, channels) and
        ``input_order="channels_first"``: inputs given flattened are read in
        the model's own C·H·W order (or shaped (T, C, H, W), or (T, H, W, C)),
        its maps are channels-last inside, and the ``Linear`` layer after the
        ``nn.Flatten`` has its columns reordered from C·H·W to H·W·C (exact),
        so that outputs match PyTorch's.  For a dense model it is recorded as
        the input shape (read in row-major order).

    Returns
    -------
    Network

    Raises
    ------
    ModelFileError
        For a file that is not a state dict, entries that are not Linear
        weights, layers whose shapes do not chain, missing activations, a
        convolutional model without ``input_shape``, or an option fastnoise
        does not map (named with its module).
    """
    if hasattr(state_dict_or_path, "state_dict") and hasattr(state_dict_or_path, "named_modules"):
        module = state_dict_or_path
        where = f"the {type(module).__name__} module"
        if activations is None:
            return _from_sequential(module, where, input_shape)
        sd = dict(module.state_dict())
    elif isinstance(state_dict_or_path, Mapping):
        where = "the given state dict"
        sd = _unwrap(state_dict_or_path, where)
    elif isinstance(state_dict_or_path, (str, bytes, os.PathLike)):
        where = os.fspath(state_dict_or_path)
        sd = load_state_dict(state_dict_or_path)
    else:
        raise TypeError(f"from_torch takes a file path, a state dict or a torch module, "
                        f"got {type(state_dict_or_path).__name__}")
    if architecture is not None:
        if activations is not None:
            raise ModelFileError("give activations= or architecture=, not both: the architecture's "
                                 "modules hold the activations")
        return _from_sequential(_loaded(architecture, sd, where), where, input_shape)
    prefixes, ws, bs = _layers_from_state_dict(sd, where)
    acts = _activations_for(activations, prefixes, where)
    from ..network import Network

    try:
        return Network.from_layers(ws, bs, acts, input_shape=_image_shape(input_shape))
    except ValueError as exc:
        raise ModelFileError(f"{where}: {one_line(exc)}") from None
