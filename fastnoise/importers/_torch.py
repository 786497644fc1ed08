"""PyTorch: state dicts of stacked ``nn.Linear`` layers, and ``nn.Sequential`` modules.

A state dict stores no activations, so they are given separately.  Files are
read with ``torch.load(path, weights_only=True, map_location="cpu")``, which
never runs arbitrary pickled code; PyTorch is imported only here, and only
when a file or module is actually read.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np

from ._common import AffineChain, CUSTOM_HINT, ModelFileError, one_line, require_package, resolve_activation, sniff

__all__ = ["from_torch", "load_state_dict"]

_WRAPPER_KEYS = ("state_dict", "model_state_dict", "model")
#: torch.nn activation class -> (fastnoise name, attribute holding its parameter or None)
_TORCH_ACTIVATIONS = {"Sigmoid": ("logistic", None), "Tanh": ("tanh", None), "ReLU": ("relu", None),
                      "Identity": ("linear", None), "ELU": ("elu", "alpha"),
                      "LeakyReLU": ("leaky_relu", "negative_slope"), "Softplus": ("softplus", "beta"),
                      "GELU": ("gelu", None), "SiLU": ("swish", None), "Hardsigmoid": ("hard_sigmoid", None),
                      "SELU": ("selu", None), "Softsign": ("softsign", None), "Softmax": ("softmax", None)}
_TORCH_NO_OPS = ("Dropout", "Identity", "Flatten")
_SUPPORTED_MODULES = "Linear, " + ", ".join(_TORCH_ACTIVATIONS) + ", BatchNorm1d, Dropout, Flatten"


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


def _from_sequential(module, where: str):
    """Weights, biases and activations of an nn.Sequential (nested Sequentials allowed)."""
    torch = _require_torch("reading a torch module")
    for name, m in module.named_modules():
        if list(m.children()) and not isinstance(m, torch.nn.Sequential):
            raise ModelFileError(
                f"module {name or 'the model'!r} of type {type(m).__name__} is not an nn.Sequential, so the "
                "order of its layers is unknown; pass activations=[...] to read its state dict")
    ws, bs, acts, owners = [], [], [], []
    input_act = None
    norms = AffineChain()

    def numpy(t):
        return t.detach().to("cpu").double().numpy()

    for name, m in module.named_modules():
        if list(m.children()):
            continue
        cls = type(m).__name__
        if isinstance(m, torch.nn.Linear):
            w = numpy(m.weight)
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
            if m.running_mean is None or m.running_var is None:
                raise ModelFileError(f"module {name!r} (BatchNorm1d) keeps no running statistics "
                                     "(track_running_stats=False); its inference form is not a fixed map")
            n = m.num_features
            gamma = numpy(m.weight) if m.weight is not None else np.ones(n)
            beta = numpy(m.bias) if m.bias is not None else np.zeros(n)
            s, c = AffineChain.batchnorm(gamma, beta, numpy(m.running_mean), numpy(m.running_var), m.eps)
            norms.add(s, c, ws, bs, bool(ws) and acts[-1] is None)
        elif cls in _TORCH_ACTIVATIONS and cls != "Identity" and type(m).__module__.startswith("torch.nn"):
            if norms.pending is not None:
                raise ModelFileError(f"module {name!r} ({cls}) follows a BatchNorm1d that follows an "
                                     "activation; fastnoise folds a normalisation into a Linear layer only")
            act = _activation_of(m, f"module {name!r}")
            if not ws:
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
            raise ModelFileError(f"module {name!r} of type {cls} cannot be mapped to a fully connected "
                                 f"fastnoise network; supported: {_SUPPORTED_MODULES}")
    if not ws:
        raise ModelFileError(f"{where} has no nn.Linear layer; a fastnoise network needs at least one")
    if norms.pending is not None:
        raise ModelFileError(f"{where} ends in a BatchNorm1d after the output activation, which no Linear "
                             "layer follows to absorb it; fastnoise cannot represent it")
    from .. import activations as _act

    return ws, bs, [input_act or _act.linear()] + [a or _act.linear() for a in acts]


def from_torch(state_dict_or_path, activations=None, architecture=None):
    """Build a :class:`~fastnoise.Network` from PyTorch ``nn.Linear`` layers.

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

    Returns
    -------
    Network

    Raises
    ------
    ModelFileError
        For a file that is not a state dict, entries that are not Linear
        weights, layers whose shapes do not chain, or missing activations.
    """
    if hasattr(state_dict_or_path, "state_dict") and hasattr(state_dict_or_path, "named_modules"):
        module = state_dict_or_path
        where = f"the {type(module).__name__} module"
        if activations is None:
            ws, bs, acts = _from_sequential(module, where)
            from ..network import Network

            return Network.from_layers(ws, bs, acts)
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
        return from_torch(_loaded(architecture, sd, where))
    prefixes, ws, bs = _layers_from_state_dict(sd, where)
    acts = _activations_for(activations, prefixes, where)
    from ..network import Network

    return Network.from_layers(ws, bs, acts)
