"""Keras models: legacy HDF5 (``model.save("m.h5")``) and Keras 3 ``.keras`` zips.

Neither TensorFlow nor Keras is needed: the architecture is read from the
saved JSON configuration and the weights with h5py.

Legacy HDF5 (Keras 2 / tf.keras, and Keras 3's ``legacy_h5_format``)
    Root attribute ``model_config`` (JSON ``{"class_name", "config"}``);
    group ``model_weights`` with attribute ``layer_names`` and one group per
    layer whose attribute ``weight_names`` lists the dataset paths inside
    that group (``dense/kernel:0`` or ``sequential/dense/kernel``).
Keras 3 ``.keras``
    A zip archive with ``config.json`` (same JSON as above, plus ``module``
    keys) and ``model.weights.h5``, where layer ``k``'s variables are the
    datasets ``layers/<key>/vars/0, 1, ...`` (kernel, then bias); the group
    ``vars`` carries the layer's name as attribute ``name``, and ``<key>`` is
    the snake-cased class name made unique in layer order.
Weights-only files (``model.save_weights("m.weights.h5")``)
    Keras 3's layout of ``model.weights.h5`` above, or Keras 2's legacy
    layout (root attribute ``layer_names``).  They hold no architecture, so
    it is read from the JSON of ``model.to_json()``: passed as
    ``architecture="m.json"``, or found beside the weights under the same
    stem (``m.weights.h5`` or ``m.h5`` → ``m.json``).

Layers (:data:`SUPPORTED_LAYERS`): ``Dense``; ``Conv2D`` (channels-last; ``padding``
``"valid"``/``"same"``, any strides; ``dilation_rate`` ≠ 1, ``groups`` ≠ 1 and
``data_format="channels_first"`` are refused by name), ``MaxPooling2D``,
``AveragePooling2D`` (``"same"`` padding left out of the mean, as Keras does),
``GlobalAveragePooling2D``, ``GlobalMaxPooling2D``; ``Flatten`` (a flatten layer
after a map; Keras' (H, W, C) order is fastnoise's), ``Reshape`` to a vector;
``BatchNormalization`` over the last axis (folded exactly into the ``Dense`` or
``Conv2D`` before it, or, after an activation, into the next layer that can absorb
it); the activation layers ``Activation``, ``ReLU``, ``LeakyReLU``, ``ELU``,
``Softmax`` (given to the layer before them); ``Dropout``, ``SpatialDropout2D``
and ``InputLayer`` (no-ops).
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile

import numpy as np

from ._common import (AffineChain, CUSTOM_HINT, KERAS_ACTIVATIONS, MapChain, ModelFileError, keras_activation,
                      open_h5, one_line, resolve_activation, sniff)

__all__ = ["from_keras", "SUPPORTED_LAYERS"]

SUPPORTED_LAYERS = ("Dense", "Conv2D", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D",
                    "GlobalMaxPooling2D", "Activation", "ReLU", "LeakyReLU", "ELU", "Softmax",
                    "BatchNormalization", "Flatten", "Reshape", "Dropout", "SpatialDropout2D", "InputLayer")
_NO_OPS = ("Dropout", "SpatialDropout2D")
_POOLS = {"MaxPooling2D": "max", "AveragePooling2D": "avg", "GlobalMaxPooling2D": "max",
          "GlobalAveragePooling2D": "avg"}


def from_keras(path, activation_map: dict | None = None, architecture=None):
    """Read a Keras model file into a :class:`~fastnoise.Network`.

    Parameters
    ----------
    path : str or path-like
        A legacy Keras HDF5 file (``model.save("m.h5")``), a Keras 3
        ``.keras`` archive, or a weights-only file
        (``model.save_weights("m.weights.h5")``, Keras 3 or 2) together with
        its architecture.  The format is recognised from the content.
    activation_map : dict, optional
        Extra or overriding Keras activation names → fastnoise activations
        (names, :class:`~fastnoise.activations.Activation` objects or
        ``numba.njit`` scalar functions), e.g. ``{"softmax": "linear"}`` to
        read an output softmax's logits instead of its probabilities (the
        argmax, and so the classification, is the same) or
        ``{"mish": my_njit_mish}``.  Built in: ``linear``, ``sigmoid``
        (fastnoise ``logistic``), ``tanh``, ``relu``, ``elu``, ``selu``,
        ``gelu`` (exact), ``softplus``, ``softsign``, ``swish``/``silu``,
        ``hard_sigmoid``, ``leaky_relu`` and ``softmax`` (a readout over the
        whole output layer, accepted there only).
    architecture : str or path-like, optional
        For a weights-only file: the JSON written by ``model.to_json()``.
        Default: ``<stem>.json`` beside the weights, if present.

    Returns
    -------
    Network
        Linear input layer, then one layer per ``Dense`` layer; kernels
        (in, out) are transposed to fastnoise's (out, in).  A model with
        ``Conv2D`` or pooling layers gives a network of
        :class:`~fastnoise.network.Conv2D`, :class:`~fastnoise.network.MaxPool2D`,
        :class:`~fastnoise.network.AvgPool2D`, :class:`~fastnoise.network.Flatten`
        and :class:`~fastnoise.network.Dense` operations with ``input_shape``
        (H, W, C) (kernels in Keras' own (k_h, k_w, C_in, C_out) layout).  Keras
        ``sigmoid`` becomes ``logistic``.

    Raises
    ------
    ModelFileError
        For a damaged or foreign file, missing weights, a layer not in
        :data:`SUPPORTED_LAYERS`, an option fastnoise does not map (dilation,
        groups, channels-first data), a model that is not a plain chain of
        layers, or an activation without a fastnoise equivalent.
    """
    path = os.fspath(path)
    kind = sniff(path)
    if architecture is not None and kind != "hdf5":
        raise ModelFileError(f"architecture= applies to weights-only Keras files (.weights.h5); {path} "
                             "holds its architecture, leave architecture out")
    if kind == "hdf5":
        return _from_legacy_h5(path, activation_map, architecture)
    if kind == "keras":
        return _from_keras_zip(path, activation_map)
    what = {"torch": "a PyTorch file", "npz": "a NumPy .npz archive"}.get(kind, kind.partition(":")[2])
    raise ModelFileError(f"{path} is {what}, not a Keras model (.h5 HDF5 file or .keras zip archive)")


# -- file formats --------------------------------------------------------------------

def _decode(v) -> str:
    return v.decode("utf-8") if isinstance(v, (bytes, np.bytes_)) else str(v)


def _parse_config(text, path: str, where: str) -> dict:
    try:
        cfg = json.loads(_decode(text))
    except (ValueError, TypeError) as exc:
        raise ModelFileError(f"{where} of {path} is not valid JSON ({one_line(exc)}); save the model again") \
            from None
    if not isinstance(cfg, dict) or "class_name" not in cfg:
        raise ModelFileError(f"{where} of {path} has no 'class_name'; it is not a Keras model configuration")
    return cfg


def _architecture_beside(path: str) -> str | None:
    """``<stem>.json`` beside a weights file (``m.weights.h5``, ``m.h5`` → ``m.json``)."""
    base = os.path.basename(path)
    for suffix in (".weights.h5", ".weights.hdf5", ".h5", ".hdf5", ".hdf"):
        if base.lower().endswith(suffix):
            base = base[: -len(suffix)]
            break
    cand = os.path.join(os.path.dirname(path), base + ".json")
    return cand if os.path.isfile(cand) else None


def _read_architecture(arch, path: str) -> dict:
    arch = os.fspath(arch)
    if not os.path.isfile(arch):
        raise ModelFileError(f"architecture file {arch} for the Keras weights {path} does not exist; "
                             "write it with open('model.json', 'w').write(model.to_json())")
    with open(arch, "rb") as fh:
        return _parse_config(fh.read(), arch, "the architecture JSON")


def _weights_only(path: str, f, architecture, keras3: bool) -> dict:
    """The architecture of a weights-only file, or the one-line dead-end message naming the fix."""
    arch = architecture if architecture is not None else _architecture_beside(path)
    if arch is None:
        stem = os.path.join(os.path.dirname(path), os.path.basename(path).split(".")[0] + ".json")
        raise ModelFileError(
            f"{path} holds Keras {'3 ' if keras3 else ''}weights only (model.save_weights) and no "
            f"architecture; pass architecture='model.json' written by "
            f"open('model.json', 'w').write(model.to_json()) (in a TOML config: architecture = "
            f"\"model.json\" in [network]), put that JSON beside the weights as {stem}, or save the whole "
            "model with model.save('model.keras')")
    return _read_architecture(arch, path)


def _from_legacy_h5(path: str, activation_map, architecture=None):
    with open_h5(path) as f:
        if "model_config" not in f.attrs:
            if "layer_names" in f.attrs:
                cfg = _weights_only(path, f, architecture, keras3=False)
                return _legacy_weights(cfg, f, path, activation_map, _keras_major(f, 2))
            if "layers" in f or "_layer_checkpoint_dependencies" in f:
                cfg = _weights_only(path, f, architecture, keras3=True)
                return _keras3_weights(cfg, f, path, activation_map, where=path)
            raise ModelFileError(f"{path} is an HDF5 file without a Keras 'model_config' attribute; "
                                 "it is not a Keras model saved with model.save()")
        if architecture is not None:
            raise ModelFileError(f"architecture= applies to weights-only Keras files; {path} holds its "
                                 "architecture (model_config), leave architecture out")
        cfg = _parse_config(f.attrs["model_config"], path, "attribute model_config")
        if "model_weights" not in f:
            raise ModelFileError(f"{path} has a Keras model_config but no 'model_weights' group: the "
                                 "weights are missing; save the model with model.save() after training")
        return _legacy_weights(cfg, f["model_weights"], path, activation_map, _keras_major(f, 2))


def _keras_major(f, default: int) -> int:
    """Major Keras version that wrote a legacy HDF5 file (its ``keras_version`` attribute)."""
    v = f.attrs.get("keras_version")
    try:
        return int(_decode(v).split(".")[0]) if v is not None else default
    except ValueError:
        return default


def _legacy_weights(cfg: dict, g, path: str, activation_map, keras_major: int):
    """Network from a legacy-layout weights group ``g`` (``model_weights`` or a weights-only root)."""

    def get_weights(layer: dict, index: int):
        name = layer["name"]
        if name not in g:
            group = (g.name.rstrip("/") + "/" + name).lstrip("/")
            raise ModelFileError(f"{path} has no weights for layer {name!r} (no group {group}); the file "
                                 "is incomplete or belongs to another model, save it again")
        lg = g[name]
        names = [_decode(n) for n in lg.attrs.get("weight_names", [])]
        arrays = {}
        for wn in names:
            if wn not in lg:
                raise ModelFileError(f"{path}: weight {wn!r} of layer {name!r} is listed but missing; "
                                     "the file is incomplete, save the model again")
            key = wn.rsplit("/", 1)[-1].split(":", 1)[0]
            arrays[key] = _read(lg[wn], path)
        return list(arrays.items())

    return _build(cfg, path, get_weights, activation_map, keras_major)


def _read(ds, path: str) -> np.ndarray:
    try:
        return np.asarray(ds[()], dtype=np.float64)
    except (OSError, ValueError, TypeError) as exc:
        raise ModelFileError(f"{path}: cannot read dataset {ds.name!r} ({one_line(exc)}); "
                             "the file is damaged, save the model again") from None


def _snake(name: str) -> str:
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _from_keras_zip(path: str, activation_map):
    import h5py

    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            if "config.json" not in names:
                raise ModelFileError(f"{path} is a zip archive without config.json; it is not a Keras "
                                     "model saved with model.save('model.keras')")
            cfg = _parse_config(z.read("config.json"), path, "config.json")
            if "model.weights.h5" not in names:
                sharded = any(n.endswith(".weights.json") for n in names)
                raise ModelFileError(
                    f"{path} has no model.weights.h5: " + (
                        "its weights are sharded, which fastnoise does not read; save it again "
                        "without max_shard_size" if sharded else
                        "the weights are missing; save the model again with model.save()"))
            blob = z.read("model.weights.h5")
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise ModelFileError(f"{path} is a damaged or truncated zip archive ({one_line(exc)}); "
                             "save the model again") from None
    try:
        f = h5py.File(io.BytesIO(blob), "r")
    except OSError as exc:
        raise ModelFileError(f"model.weights.h5 in {path} is a damaged HDF5 file ({one_line(exc)}); "
                             "save the model again") from None
    with f:
        return _keras3_weights(cfg, f, path, activation_map, where=f"model.weights.h5 in {path}")


def _keras3_weights(cfg: dict, f, path: str, activation_map, where: str):
    """Network from Keras 3 weights (``model.weights.h5`` of an archive, or ``.weights.h5``)."""
    container = next((f[k] for k in ("layers", "_layer_checkpoint_dependencies") if k in f), None)
    if container is None:
        raise ModelFileError(f"{where} has no 'layers' group: the weights are "
                             "missing; save the model again with model.save()")
    by_name = {}
    for key in container:
        v = container[key].get("vars")
        if v is not None and "name" in v.attrs:
            by_name[_decode(v.attrs["name"])] = key
    # Keras names each layer's group by its snake-cased class, made unique in layer order
    # (Sequential models leave out their InputLayer).
    layers = _config_layers(cfg, path)
    if cfg["class_name"] == "Sequential":
        layers = [lay for lay in layers if lay["class_name"] != "InputLayer"]
    used: dict[str, int] = {}
    by_position = {}
    for lay in layers:
        key = _snake(lay["class_name"])
        if key in used:
            used[key] += 1
            key = f"{key}_{used[key]}"
        else:
            used[key] = 0
        by_position[lay["name"]] = key

    def get_weights(layer: dict, index: int):
        name = layer["name"]
        key = by_name.get(name) if by_name else by_position.get(name)
        if key is None or key not in container or "vars" not in container[key]:
            raise ModelFileError(f"{where} has no weights for layer {name!r}; "
                                 "the file is incomplete or belongs to another model, save it again")
        v = container[key]["vars"]
        return [(None, _read(v[k], path)) for k in sorted(v, key=lambda s: int(s) if s.isdigit() else 1 << 30)]

    return _build(cfg, path, get_weights, activation_map, 3)


# -- architecture --------------------------------------------------------------------

def _config_layers(cfg: dict, path: str) -> list[dict]:
    """Layer dicts (``class_name``, ``name``, ``config``, ...) in model order."""
    inner = cfg.get("config")
    layers = inner if isinstance(inner, list) else (inner or {}).get("layers")
    if not isinstance(layers, list):
        raise ModelFileError(f"the Keras configuration in {path} lists no layers; it is not a "
                             "Sequential or functional model")
    out = []
    for i, lay in enumerate(layers):
        if not isinstance(lay, dict) or "class_name" not in lay:
            raise ModelFileError(f"layer {i} of the Keras configuration in {path} has no class_name")
        lc = lay.get("config") or {}
        name = lay.get("name") or (lc.get("name") if isinstance(lc, dict) else None) or f"layer_{i}"
        out.append({**lay, "name": name, "config": lc if isinstance(lc, dict) else {}})
    return out


def _history_names(node) -> list[str]:
    """Names of the layers feeding one inbound node (Keras 3 or legacy layout)."""
    names: list[str] = []

    def walk(x):
        if isinstance(x, dict):
            hist = x.get("keras_history")
            if isinstance(hist, list) and hist and isinstance(hist[0], str):
                names.append(hist[0])
                return
            for v in x.values():
                walk(v)
        elif isinstance(x, (list, tuple)):
            if len(x) >= 3 and isinstance(x[0], str) and isinstance(x[1], int) and isinstance(x[2], int):
                names.append(x[0])  # legacy [name, node_index, tensor_index, kwargs]
                return
            for v in x:
                walk(v)

    walk(node)
    return names


def _endpoints(spec) -> list[str]:
    if isinstance(spec, list) and spec and isinstance(spec[0], str):
        return [spec[0]]
    if isinstance(spec, list):
        return [s[0] for s in spec if isinstance(s, list) and s and isinstance(s[0], str)]
    if isinstance(spec, dict):
        return _history_names(spec)
    return []


def _ordered_layers(cfg: dict, path: str) -> list[dict]:
    cls = cfg["class_name"]
    layers = _config_layers(cfg, path)
    if cls == "Sequential":
        return layers
    if cls not in ("Functional", "Model"):
        raise ModelFileError(f"{path} holds a Keras model of class {cls!r}; only Sequential models and "
                             "functional models that are a plain chain of layers can be imported")
    inner = cfg["config"]
    ins, outs = _endpoints(inner.get("input_layers")), _endpoints(inner.get("output_layers"))
    if len(ins) != 1 or len(outs) != 1:
        raise ModelFileError(f"functional model in {path} has {len(ins)} inputs and {len(outs)} outputs; "
                             "only a plain chain with one input and one output can be imported")
    by_name = {lay["name"]: lay for lay in layers}
    nxt: dict[str, list[str]] = {}
    for lay in layers:
        nodes = lay.get("inbound_nodes") or []
        if len(nodes) > 1:
            raise ModelFileError(f"layer {lay['name']!r} in {path} is applied {len(nodes)} times (a shared "
                                 "layer); only a plain chain of layers can be imported")
        src = _history_names(nodes)
        if len(src) > 1:
            raise ModelFileError(f"layer {lay['name']!r} of type {lay['class_name']} in {path} takes "
                                 f"{len(src)} inputs ({', '.join(src)}); only a plain chain of layers "
                                 "can be imported")
        for s in src:
            nxt.setdefault(s, []).append(lay["name"])
    chain, cur = [], ins[0]
    while True:
        if cur not in by_name:
            raise ModelFileError(f"functional model in {path} refers to unknown layer {cur!r}; "
                                 "the configuration is damaged")
        chain.append(by_name[cur])
        if cur == outs[0]:
            break
        succ = nxt.get(cur, [])
        if len(succ) != 1:
            raise ModelFileError(f"layer {cur!r} in {path} feeds {len(succ)} layers; only a plain chain "
                                 "of layers can be imported")
        cur = succ[0]
    if len(chain) != len(layers):
        extra = [lay["name"] for lay in layers if lay not in chain]
        raise ModelFileError(f"functional model in {path} has layers off the input-output chain "
                             f"({', '.join(extra)}); only a plain chain of layers can be imported")
    return chain


def _activation_name(spec) -> str:
    if spec is None:
        return "linear"
    if isinstance(spec, str):
        return spec
    if isinstance(spec, dict):
        c = spec.get("config")
        if isinstance(c, str):
            return c
        if isinstance(c, dict) and isinstance(c.get("name"), str):
            return c["name"]
        return str(spec.get("class_name", spec))
    return str(spec)


def _map_activation(spec, layer: str, activation_map, keras_major: int = 3):
    name = _activation_name(spec)
    key = name.lower()
    amap = {k.lower(): v for k, v in (activation_map or {}).items()}
    if key in amap:
        return resolve_activation(amap[key], f"Keras activation {name!r} (layer {layer!r})")
    if isinstance(spec, dict) and key == "gelu" and (spec.get("config") or {}).get("approximate"):
        raise ModelFileError(
            f"layer {layer!r} uses the tanh approximation of gelu; fastnoise's built-in 'gelu' is the exact "
            "erf form, so " + CUSTOM_HINT.format(how="activation_map={'gelu': my_function}",
                                                 toml="activation_map = { gelu = ... }"))
    act = keras_activation(key, keras_major)
    if act is not None:
        return act
    raise ModelFileError(
        f"layer {layer!r} uses Keras activation {name!r}, which is not a fastnoise built-in (built in: "
        f"{', '.join(KERAS_ACTIVATIONS)}); " + CUSTOM_HINT.format(
            how=f"activation_map={{{name!r}: my_function}}", toml=f"activation_map = {{ {key} = ... }}"))


def _named(arrays: list, names: tuple) -> list:
    """The arrays called ``names`` among a layer's (key, array) pairs: by key where the file
    names them (legacy HDF5), else by position (Keras 3 stores them in this order)."""
    if any(k is not None for k, _ in arrays):
        found = dict(arrays)
        return [found.get(n) for n in names]
    return [arrays[i][1] if i < len(arrays) else None for i in range(len(names))]


def _batchnorm(arrays: list, lc: dict, name: str, width, rank: int = 1) -> tuple:
    """(s, c) of a BatchNormalization layer over the last axis (of a vector, ``rank`` 1, or of a
    channels-last map, ``rank`` 3), from its weights and config."""
    axis = lc.get("axis", -1)
    axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
    if axis not in (-1, rank):
        what = "the features (axis -1)" if rank == 1 else "the channels of a channels-last map (axis -1 or 3)"
        raise ModelFileError(f"BatchNormalization layer {name!r} normalises axis {axis}; fastnoise folds "
                             f"a normalisation over {what} only")
    names = (("gamma",) if lc.get("scale", True) else ()) + (("beta",) if lc.get("center", True) else ()) \
        + ("moving_mean", "moving_variance")
    got = dict(zip(names, _named(arrays, names)))
    if got["moving_mean"] is None or got["moving_variance"] is None:
        raise ModelFileError(f"BatchNormalization layer {name!r} has no moving mean and variance; the "
                             "weights are missing, save the model again")
    n = got["moving_mean"].shape[0]
    if width is not None and n != width:
        raise ModelFileError(f"BatchNormalization layer {name!r} has {n} features but receives {width}")
    return AffineChain.batchnorm(got.get("gamma", np.ones(n)), got.get("beta", np.zeros(n)),
                                 got["moving_mean"], got["moving_variance"], lc.get("epsilon", 1e-3))


def _build(cfg: dict, path: str, get_weights, activation_map, keras_major: int = 3):
    from ..network import Network

    chain = _ordered_layers(cfg, path)
    ws, bs, acts, owners = [], [], [], []
    norms = AffineChain()
    input_act = None
    in_shape = None        # non-batch input shape, when known
    flat = True            # whether the tensor reaching the next layer is a vector
    width = None           # its length, when known

    model_input = None     # the model's input shape (non-batch), when all its sizes are known
    maps = None            # the convolution and pooling layers (a MapChain), once one comes

    def map_chain(name: str, cls: str) -> MapChain:
        """The MapChain that layer ``name`` of type ``cls`` (acting on a map) joins."""
        nonlocal maps
        if maps is None:
            if ws:
                raise ModelFileError(f"layer {name!r} of type {cls} follows Dense layer {owners[-1]!r}; "
                                     "fastnoise maps convolution and pooling layers before the dense layers only")
            if flat or in_shape is None or len(in_shape) != 3 \
                    or not all(isinstance(d, int) and d >= 1 for d in in_shape):
                raise ModelFileError(f"layer {name!r} of type {cls} acts on an input of shape "
                                     f"{'unknown' if in_shape is None else in_shape}; fastnoise maps 2-D "
                                     "layers on a (height, width, channels) map of known size only")
            maps = MapChain(in_shape)
        return maps

    def set_shape(shape):
        nonlocal in_shape, flat, width, model_input
        if isinstance(shape, list) and len(shape) >= 2:
            in_shape = tuple(shape[1:])
            flat = len(in_shape) == 1
            width = int(np.prod(in_shape)) if all(isinstance(d, int) for d in in_shape) else None
            if model_input is None and not ws and width is not None:
                model_input = in_shape

    def apply_activation(act, layer: str):
        nonlocal input_act
        if act.is_linear and act.param == 1.0:
            return
        if norms.pending is not None:
            raise ModelFileError(f"layer {layer!r} applies {act.name} after a BatchNormalization that follows "
                                 "an activation; fastnoise folds a normalisation into a dense layer only")
        if not acts and maps is not None and maps.activation(act, f"layer {layer!r}"):
            return
        if not acts:
            if input_act is not None:
                raise ModelFileError(f"layer {layer!r} applies {act.name} to the input, which already "
                                     f"applies {input_act.name}; a neuron has one activation")
            input_act = act
        elif acts[-1].is_linear and acts[-1].param == 1.0:
            acts[-1] = act
        else:
            raise ModelFileError(f"layer {layer!r} applies {act.name} after layer {owners[-1]!r}, which "
                                 f"already applies {acts[-1].name}; a fastnoise neuron has one activation")

    for i, lay in enumerate(chain):
        cls, name, lc = lay["class_name"], lay["name"], lay["config"]
        if cls == "InputLayer":
            set_shape(lc.get("batch_shape", lc.get("batch_input_shape")))
            continue
        if in_shape is None and not ws:
            set_shape(lc.get("batch_input_shape", lc.get("batch_shape")))
        if cls in ("Conv2D",) + tuple(_POOLS) and lc.get("data_format", "channels_last") != "channels_last":
            raise ModelFileError(f"{cls} layer {name!r} has data_format={lc.get('data_format')!r}; fastnoise "
                                 "maps channels-last models only (data_format='channels_last')")
        if cls == "Conv2D":
            chain_ = map_chain(name, cls)
            for key in ("dilation_rate", "groups"):
                if any(int(v) != 1 for v in np.atleast_1d(lc.get(key, 1))):
                    raise ModelFileError(f"Conv2D layer {name!r} has {key}={lc.get(key)}; fastnoise maps "
                                         f"{key}=1 only")
            arrays = get_weights(lay, i)
            kernel, bias = _named(arrays, ("kernel", "bias"))
            if kernel is None or kernel.ndim != 4:
                raise ModelFileError(f"{path} has no 4-D kernel for Conv2D layer {name!r} (got "
                                     f"{None if kernel is None else kernel.shape}); the weights are missing, "
                                     "save the model again")
            if len(arrays) > 1 + bool(lc.get("use_bias", True)):
                raise ModelFileError(f"Conv2D layer {name!r} has {len(arrays)} weight arrays (quantised?); "
                                     "expected a kernel and a bias; save a plain float model")
            if isinstance(lc.get("filters"), int) and kernel.shape[3] != lc["filters"]:
                raise ModelFileError(f"kernel of Conv2D layer {name!r} has shape {kernel.shape} but the layer "
                                     f"has {lc['filters']} filters; the file is inconsistent")
            if lc.get("use_bias", True) and bias is None:
                raise ModelFileError(f"{path} has no bias for Conv2D layer {name!r}; the weights are "
                                     "missing, save the model again")
            chain_.conv(kernel, bias if lc.get("use_bias", True) else None, lc.get("strides", 1),
                        str(lc.get("padding", "valid")).lower(), f"Conv2D layer {name!r}")
            apply_activation(_map_activation(lc.get("activation", "linear"), name, activation_map,
                                             keras_major), name)
            in_shape, width = chain_.shape, chain_.width
        elif cls in _POOLS:
            chain_ = map_chain(name, cls)
            if cls.startswith("Global"):
                chain_.global_pool(_POOLS[cls], f"{cls} layer {name!r}")
                if not lc.get("keepdims", False):        # a vector of the channels
                    chain_.flatten(norms, layer=False)
                    flat = True
            else:
                size = lc.get("pool_size", 2)
                strides = lc.get("strides")
                chain_.pool(_POOLS[cls], size, size if strides is None else strides,
                            str(lc.get("padding", "valid")).lower(), f"{cls} layer {name!r}")
            in_shape, width = chain_.shape, chain_.width
        elif cls == "Dense":
            if not flat:
                raise ModelFileError(f"Dense layer {name!r} acts on the last axis of a {in_shape} input; "
                                     "add a Flatten layer before it so that the network is fully connected")
            arrays = get_weights(lay, i)
            kernel, bias = _named(arrays, ("kernel", "bias"))
            count = len(arrays)
            use_bias = lc.get("use_bias", True)
            if kernel is None:
                raise ModelFileError(f"{path} has no kernel for Dense layer {name!r}; the weights are "
                                     "missing, save the model again")
            if kernel.ndim != 2:
                raise ModelFileError(f"kernel of Dense layer {name!r} has shape {kernel.shape}; expected a "
                                     "2-D (inputs, units) matrix")
            if count > 1 + bool(use_bias):
                raise ModelFileError(f"Dense layer {name!r} has {count} weight arrays (quantised or LoRA?); "
                                     "expected a kernel and a bias; save a plain float model")
            units = lc.get("units")
            if isinstance(units, int) and kernel.shape[1] != units:
                raise ModelFileError(f"kernel of Dense layer {name!r} has shape {kernel.shape} but the layer "
                                     f"has {units} units; the file is inconsistent")
            if width is not None and kernel.shape[0] != width:
                prev = f"layer {owners[-1]!r}" if owners else "the input"
                raise ModelFileError(f"kernel of Dense layer {name!r} has shape {kernel.shape} but {prev} "
                                     f"gives {width} values; the file is inconsistent")
            if not use_bias or bias is None:
                if use_bias and bias is None:
                    raise ModelFileError(f"{path} has no bias for Dense layer {name!r}; the weights are "
                                         "missing, save the model again")
                bias = np.zeros(kernel.shape[1])
            if bias.shape != (kernel.shape[1],):
                raise ModelFileError(f"bias of Dense layer {name!r} has shape {bias.shape}; expected "
                                     f"({kernel.shape[1]},)")
            w = kernel.T if maps is None or ws else maps.columns(kernel.T)
            w, bias = norms.into_next(w, bias)
            ws.append(w)
            bs.append(bias)
            owners.append(name)
            acts.append(_map_activation(lc.get("activation", "linear"), name, activation_map, keras_major))
            width, flat = kernel.shape[1], True
        elif cls == "Activation":
            apply_activation(_map_activation(lc.get("activation", "linear"), name, activation_map,
                                             keras_major), name)
        elif cls == "Softmax":
            apply_activation(_map_activation("softmax", name, activation_map), name)
        elif cls in ("ReLU", "LeakyReLU", "ELU"):
            from .. import activations as _act

            if cls == "ELU":
                act = _act.elu(float(lc.get("alpha", 1.0)))
            else:
                slope = lc.get("negative_slope", lc.get("alpha", 0.3 if cls == "LeakyReLU" else 0.0))
                if any(lc.get(k) not in (None, 0, 0.0) for k in ("max_value", "threshold")):
                    raise ModelFileError(
                        f"{cls} layer {name!r} has max_value/threshold set, which no built-in has; "
                        + CUSTOM_HINT.format(how=f"activation_map={{{name!r}: my_function}} after "
                                             "replacing the layer by Activation(name)",
                                             toml="activation_map"))
                act = _act.leaky_relu(float(slope)) if slope not in (None, 0, 0.0) else _act.relu()
            apply_activation(act, name)
        elif cls == "BatchNormalization" and not flat and not ws and (maps is not None or len(in_shape or ()) == 3):
            chain_ = map_chain(name, cls)
            scale, shift = _batchnorm(get_weights(lay, i), lc, name, chain_.shape[2], rank=3)
            chain_.batchnorm(scale, shift, f"BatchNormalization layer {name!r}")
        elif cls == "BatchNormalization":
            if not flat:
                raise ModelFileError(f"BatchNormalization layer {name!r} acts on a {in_shape} input; fastnoise "
                                     "folds it into dense layers only")
            scale, shift = _batchnorm(get_weights(lay, i), lc, name, width)
            norms.add(scale, shift, ws, bs, bool(acts) and acts[-1].is_linear and acts[-1].param == 1.0)
        elif cls == "Flatten":
            if maps is not None and not maps.flat:
                if lc.get("data_format", "channels_last") != "channels_last":
                    raise ModelFileError(f"Flatten layer {name!r} has data_format={lc.get('data_format')!r}; "
                                         "fastnoise maps channels-last models only")
                maps.flatten(norms)
                width = maps.width
            flat = True
        elif cls == "Reshape":
            target = list(lc.get("target_shape") or [])
            if maps is not None and not maps.flat:
                if len(target) == 1 and target[0] in (-1, None, maps.width):
                    maps.flatten(norms)
                    flat, width = True, maps.width
                elif tuple(target) != maps.shape:
                    raise ModelFileError(f"Reshape layer {name!r} reshapes a {maps.shape} map to {tuple(target)}; "
                                         "fastnoise maps a reshape of a map to a vector only")
            elif len(target) == 1:                          # to a vector: a flatten
                flat = True
                width = width if target[0] in (-1, None) else int(target[0])
            else:
                flat, in_shape = False, tuple(target)
        elif cls in _NO_OPS:
            continue
        else:
            raise ModelFileError(f"layer {name!r} of type {cls} cannot be mapped to a fastnoise network; "
                                 f"supported: {', '.join(SUPPORTED_LAYERS)}")
    from .. import activations as _act

    if maps is not None:
        if norms.pending is not None:
            raise ModelFileError(f"{path} ends in a BatchNormalization after the output activation, which no "
                                 "dense layer follows to absorb it; fastnoise cannot represent it")
        return maps.network(list(zip(ws, bs, acts)), input_act or _act.linear(), path)
    if not ws:
        raise ModelFileError(f"{path} has no Dense layer; a fastnoise network needs at least one")
    if norms.pending is not None:
        raise ModelFileError(f"{path} ends in a BatchNormalization after the output activation, which no "
                             "dense layer follows to absorb it; fastnoise cannot represent it")
    shaped = model_input if model_input is not None and len(model_input) > 1 else None
    return Network.from_layers(ws, bs, [input_act or _act.linear()] + acts, input_shape=shaped)
