"""Run configurations in TOML: network, inputs, noise, repetitions and outputs.

A run config describes one call of :func:`fastnoise.simulate`::

    repeats = 300                  # K ≥ 2 noisy repetitions of every input
    seed = 1                       # RNG key, 0 ≤ seed < 2**64

    [network]
    kind = "symmetric"             # W^n_ij = 1/I_{n−1}, b = 0 (paper Sec. III)
    widths = [1, 200, 200, 1]      # input layer first
    alpha = 4.0                    # slope of the hidden shifted sigmoid
    # activation = "tanh"          # other hidden activation (fastnoise.activations.NAMES)
    # gain = 1.0                   # its parameter (every activation but shifted_sigmoid and cubic)
    # -- or --
    # kind = "file"                # every option of fastnoise.load_model:
    # path = "net.h5"              # Network.save, Keras .h5/.keras/.weights.h5, PyTorch .pt, .npz;
    #                              # relative to this file's folder
    # format = "keras"             # insist on "keras", "torch", "npz", "onnx" or "fastnoise"
    # activations = ["relu", "linear"]          # .pt (required) and .npz: one per layer
    # activation_map = { softmax = "linear" }   # Keras: study an output softmax's logits
    # architecture = "model.json"  # Keras weights-only file: model.to_json() (default: <stem>.json)
    # group = "network"            # HDF5 group holding it (e.g. "runs/run0/network" of a store)
    # input_shape = [1, 28, 28]    # PyTorch .pt: the shape of one input in the model's own order
    # correlated = "channel"       # convolutions: correlated noise per output channel, not per layer
    # noise_at = "input"           # either kind: Eq. 3 noise on x̃ before the activation
    #                              # ("output", the paper's, is the default) or one per layer,
    #                              # input layer first: ["output", "input", "input", "output"]
    # custom = { mish = "acts.py:mish" }        # fastnoise files: user activations by name
    #   an activation is a built-in name ("elu"), "name:param" ("leaky_relu:0.2") or a
    #   numba.njit function "module:function" / "file.py:function" (relative to this file)

    [noise]                        # intensities D of Eq. 3, the same in every layer
    additive = 1e-4                # D_A^U
    additive_correlated = 1e-4     # D_A^C
    multiplicative = 1e-3          # D_M^U
    multiplicative_correlated = 1e-3  # D_M^C
    # -- or one [[noise.layers]] table per layer, input layer first;
    #    an empty table is a noiseless layer

    [inputs]
    kind = "linspace"              # start, stop, count: evenly spaced values
    # kind = "uniform"             # low, high, count, seed: uniform random values
    # kind = "npy"                 # path: a (T, I_0) array saved with numpy.save
    # kind = "dataset"             # name ("mnist" | "fashion-mnist"), split ("test"),
    #                              # label (only this class, 0..9), count, start: images
    #                              # scaled to [0, 1]; their labels turn on accuracy;
    #                              # scale, mean, std (1, 0, 1): inputs (x·scale − mean)/std,
    #                              # e.g. mean = 0.1307, std = 0.3081 for torchvision's
    #                              # Normalize((0.1307,), (0.3081,)) on MNIST
    # kind = "mackey-glass"        # count, start (10000: network C's test windows),
    #                              # width (100): windows of the series
    start = 0.0
    stop = 1.0
    count = 1000

    [[mitigation]]                 # optional, one table per transform, applied in order
    kind = "ghost"                 # fastnoise.mitigation.ghost: one ghost neuron per layer
    layers = [1]                   #   cancels its correlated additive noise (hidden layers)
    [[mitigation]]
    kind = "pool"                  # fastnoise.mitigation.pool: copies of every neuron,
    layers = [1]                   #   averaged by the next layer (after ghost: the
    copies = 4                     #   ghost's own noise is averaged too)
    # [[mitigation]]               # fastnoise.mitigation.intra_layer: couple a layer's
    # kind = "intra_layer"         #   neurons, y' = V y / (mean row sum of V); matrix is
    # layers = [2]                 #   "uniform" (all ones) or an array of rows
    # matrix = "uniform"

    [output]                       # optional
    samples = [[3, 0]]             # keep the raw K samples of these (layer, neuron)
    histogram = { bins = 100, range = [0.0, 1.0] }   # per-layer histogram of y
    block = 64                     # inputs per kernel call and store write
    precision = "float64"          # or "float32": single-precision states, about 2x faster

Inputs are a (T, I_0) array: ``linspace`` gives every input neuron of row t
the same value, ``uniform`` draws every entry independently.

:func:`load_config` validates everything before any simulation starts; every
problem is a one-line :class:`ValueError` (or :class:`FileNotFoundError`) that
names the table, the key, the bad value and the fix, e.g.
``unknown key 'repeat' in [top level]; did you mean 'repeats'?``.
"""

from __future__ import annotations

import copy
import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import activations as _act
from .engine.arguments import hist_spec, sample_spec, validate_inputs
from .engine.provenance import MAX_SEED
from .network import Network, symmetric
from .noise import FIELDS as NOISE_KEYS
from .noise import Noise
from .resources import check_allocation
# sweep.spec imports check_keys from here
from .validation import check_int, check_keys, choice_hint, did_you_mean, show_bound

try:  # Python ≥ 3.11
    import tomllib as _toml
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as _toml

__all__ = ["RunConfig", "load_config", "loads_config", "parse_config"]

TOP = "[top level]"
TOP_KEYS = ("repeats", "seed", "network", "noise", "inputs", "output", "mitigation", "time")
_NETWORK_KEYS = {"symmetric": ("kind", "widths", "alpha", "activation", "gain", "negative_slope", "beta",
                               "slope", "noise_at"),
                 "file": ("kind", "path", "format", "group", "activations", "activation_map", "custom",
                          "architecture", "input_shape", "noise_at", "correlated"),
                 "reservoir": ("kind", "units", "inputs", "outputs", "matrix", "connectivity", "bandwidth",
                               "spectral_radius", "input_scaling", "leak", "activation", "bias",
                               "readout_activation", "noise_at", "seed"),
                 "reservoir-file": ("kind", "path", "group", "noise_at")}
_INPUT_KEYS = {"linspace": ("kind", "start", "stop", "count"),
               "uniform": ("kind", "low", "high", "count", "seed"),
               "npy": ("kind", "path"),
               "dataset": ("kind", "name", "split", "label", "count", "start", "path", "scale", "mean",
                           "std"),
               "mackey-glass": ("kind", "count", "start", "width", "seed"),
               "mackey-glass-series": ("kind", "count", "start")}
_TIME_KEYS = ("mode", "washout")
_OUTPUT_KEYS = ("samples", "histogram", "block", "precision")
_MITIGATION_KEYS = {"pool": ("kind", "layers", "copies"), "ghost": ("kind", "layers"),
                    "intra_layer": ("kind", "layers", "matrix")}
_HIST_KEYS = ("bins", "range")


# -- small validation helpers ---------------------------------------------------

def show_value(value) -> str:
    """A value as it would be written in TOML (for error messages)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {show_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(show_value(v) for v in value) + "]"
    return repr(value)


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _table(parent: dict, key: str, where: str, required: bool = True) -> dict | None:
    value = parent.get(key)
    if value is None:
        if required:
            raise ValueError(f"missing [{key}] table; add one (see examples/quick.toml)")
        return None
    if not isinstance(value, dict):
        raise ValueError(f"{key} = {show_value(value)} in {where} must be a table; "
                         f"write it as a [{key}] section")
    return value


def _kind(table: dict, kinds, where: str) -> str:
    choices = " or ".join(f'"{k}"' for k in kinds)
    if "kind" not in table:
        raise ValueError(f"{where} needs kind = {choices}")
    kind = table["kind"]
    if not isinstance(kind, str) or kind not in kinds:
        hint = did_you_mean(kind, kinds, quote=show_value) or f"; choose {choices}"
        raise ValueError(f"kind = {show_value(kind)} in {where} is not a known kind{hint}")
    return kind


def _check_kind_keys(table: dict, kind: str, by_kind: dict, where: str) -> None:
    """Unknown keys against all kinds (with a suggestion), then keys of another kind."""
    check_keys(table, sorted({k for keys in by_kind.values() for k in keys}), where)
    for key in table:
        if key not in by_kind[kind]:
            owners = " or ".join(f'"{k}"' for k, keys in by_kind.items() if key in keys)
            raise ValueError(f"key {key!r} in {where} only applies to kind = {owners}, "
                             f'not kind = "{kind}"; remove it')


def _require(table: dict, key: str, where: str, example: str):
    if key not in table:
        raise ValueError(f"{where} needs {key} = ..., e.g. {key} = {example}")
    return table[key]


def _int(value, key: str, where: str, low: int, high: int | None = None, why: str = "") -> int:
    """``value`` as an integer in the half-open range [low, high) (``high`` is exclusive:
    ten class labels 0..9 are ``low=0, high=10``).  :func:`~fastnoise.validation.check_int`
    decides; the messages are said in TOML's words (``count = 1.5 in [inputs] ...``)."""
    try:
        return check_int(key, value, low, below=high)
    except ValueError:
        rng = f"≥ {low}" if high is None else f"in [{low}, {show_bound(high)})"
        raise ValueError(f"{key} = {value} in {where} must be {rng}{why}") from None
    except TypeError:
        pass
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        # 1e9 is a float in TOML: show the integer to write
        mant, exp = f"{value:.15e}".split("e")
        text = (f"{mant.rstrip('0').rstrip('.')}e{int(exp)}" if abs(value) >= 1e6
                else repr(value))
        raise ValueError(f"{key} = {text} in {where} must be an integer (TOML reads {text} "
                         f"as a float); write {key} = {int(value)}")
    raise ValueError(f"{key} = {show_value(value)} in {where} must be an integer, e.g. {key} = {max(low, 1)}")


def _check_inputs_memory(count: int, width: int, where: str, values: int | None = None) -> None:
    """Refuse ``count`` inputs of ``width`` neurons (``values`` floats in all) that cannot fit."""
    n = count * width if values is None else values
    check_allocation(2 * 8 * n, f"count = {count} in {where}: {count} inputs × {width} neurons "
                                "(2 float64 copies while built)", "count")


def _float(value, key: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{key} = {show_value(value)} in {where} must be a number, e.g. {key} = 1.0")
    if not math.isfinite(value):
        raise ValueError(f"{key} = {show_value(value)} in {where} must be a finite number")
    return float(value)


def _str(value, key: str, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f'{key} = {show_value(value)} in {where} must be a non-empty string, e.g. {key} = "..."')
    return value


def _resolve(path: str, base_dir: str | None) -> str:
    path = os.path.expanduser(path)
    if not os.path.isabs(path) and base_dir is not None:
        path = os.path.join(base_dir, path)
    return os.path.normpath(path)


# -- sections ------------------------------------------------------------------

def _parse_reservoir(table: dict, kind: str, base_dir: str | None):
    """A reservoir: drawn by :func:`fastnoise.reservoir` or read from a reservoir file."""
    from .network.reservoir import reservoir

    where = "[network]"
    places = table.get("noise_at", ["output", "output"])
    if isinstance(places, str):
        places = [places, places]
    if not (isinstance(places, list) and len(places) == 2 and all(isinstance(p, str) for p in places)):
        raise ValueError(f"noise_at = {show_value(places)} in {where} must give the reservoir's and "
                         'the readout\'s place, e.g. noise_at = ["output", "output"]')
    if kind == "reservoir-file":
        from .io import reservoir_file

        rel = _str(_require(table, "path", where, '"esn.h5"'), "path", where)
        path = _resolve(rel, base_dir)
        if not os.path.isfile(path):
            raise FileNotFoundError(f'path = "{rel}" in {where}: no such file {path}; give a '
                                    "reservoir file (fastnoise.io.reservoir_file.save)")
        group = _str(table.get("group", "reservoir"), "group", where)
        try:
            esn = reservoir_file.load(path, group)
        except (ValueError, OSError, KeyError) as exc:
            raise ValueError(f'path = "{rel}" in {where}: {one_line(exc)}') from None
        if "noise_at" in table:
            esn = type(esn)(esn.w_in, esn.w_csr, esn.w_out, esn.bias, esn.b_out, esn.leak,
                            esn.activation, esn.readout_activation, tuple(places))
        return esn, {"kind": kind, "path": path, "group": group, "noise_at": list(esn.noise_at)}
    units = _int(_require(table, "units", where, "500"), "units", where, 1)
    opts = dict(inputs=_int(table.get("inputs", 1), "inputs", where, 1),
                outputs=_int(table.get("outputs", 1), "outputs", where, 1),
                kind=_str(table.get("matrix", "uniform"), "matrix", where),
                connectivity=_float(table.get("connectivity", 0.1), "connectivity", where),
                spectral_radius=_float(table.get("spectral_radius", 0.9), "spectral_radius", where),
                input_scaling=_float(table.get("input_scaling", 1.0), "input_scaling", where),
                leak=_float(table.get("leak", 1.0), "leak", where),
                activation=_str(table.get("activation", "tanh"), "activation", where),
                bias=_float(table.get("bias", 0.0), "bias", where),
                readout_activation=_str(table.get("readout_activation", "linear"),
                                        "readout_activation", where),
                noise_at=tuple(places), seed=_int(table.get("seed", 0), "seed", where, 0))
    if "bandwidth" in table:
        opts["bandwidth"] = _int(table["bandwidth"], "bandwidth", where, 0)
    try:
        esn = reservoir(units, **opts)
    except ValueError as exc:
        raise ValueError(f"{where}: {one_line(exc)}") from None
    spec = {k: (list(v) if isinstance(v, tuple) else v) for k, v in opts.items() if k != "kind"}
    return esn, {"kind": kind, "units": units, "matrix": opts["kind"], **spec}


def _parse_network(table: dict, base_dir: str | None) -> tuple[Network, dict]:
    where = "[network]"
    kind = _kind(table, _NETWORK_KEYS, where)
    _check_kind_keys(table, kind, _NETWORK_KEYS, where)
    if kind in ("reservoir", "reservoir-file"):
        return _parse_reservoir(table, kind, base_dir)
    if kind == "file":
        rel = _str(_require(table, "path", where, '"net.h5"'), "path", where)
        group = _str(table.get("group", "network"), "group", where)
        path = _resolve(rel, base_dir)
        if not os.path.isfile(path):
            raise FileNotFoundError(f'path = "{rel}" in {where}: no such file {path}; '
                                    "give a network written by Network.save "
                                    "(relative paths start at the config file's folder)")
        acts = table.get("activations")
        if acts is not None and (not isinstance(acts, list)
                                 or not all(isinstance(a, str) for a in acts)):
            raise ValueError(f"activations = {show_value(acts)} in {where} must be a list of names, "
                             'e.g. ["logistic", "logistic", "linear"]')
        options = {}
        if "format" in table:
            fmt = _str(table["format"], "format", where)
            from .importers import FORMATS

            if fmt not in FORMATS:
                raise ValueError(f"format = {show_value(fmt)} in {where} must be one of "
                                 f"{', '.join(show_value(f) for f in FORMATS)}")
            options["format"] = fmt
        if acts is not None:
            options["activations"] = [_activation_entry(a, "activations", where, base_dir) for a in acts]
        for key, example in (("activation_map", '{ softmax = "linear" }'),
                             ("custom", '{ mish = "acts.py:mish" }')):
            if key in table:
                amap = table[key]
                if not isinstance(amap, dict) or not all(isinstance(v, str) for v in amap.values()):
                    raise ValueError(f"{key} = {show_value(amap)} in {where} must be a table of names to "
                                     f"activations, e.g. {key} = {example}")
                options[key] = {k: _activation_entry(v, f"{key}.{k}", where, base_dir,
                                                     custom_only=key == "custom")
                                for k, v in amap.items()}
        arch = None
        if "architecture" in table:
            arel = _str(table["architecture"], "architecture", where)
            arch = _resolve(arel, base_dir)
            if not os.path.isfile(arch):
                raise FileNotFoundError(f'architecture = "{arel}" in {where}: no such file {arch}; give '
                                        "the JSON of model.to_json() (relative paths start at the config "
                                        "file's folder)")
            options["architecture"] = arch
        if "input_shape" in table:
            shape = table["input_shape"]
            if (not isinstance(shape, list) or not shape
                    or any(isinstance(d, bool) or not isinstance(d, int) or d < 1 for d in shape)):
                raise ValueError(f"input_shape = {show_value(shape)} in {where} must list sizes ≥ 1 "
                                 "in the model's own order, e.g. input_shape = [1, 28, 28]")
            options["input_shape"] = tuple(shape)
        from .importers import load_model

        try:  # fastnoise networks, Keras .h5/.keras/.weights.h5, PyTorch state dicts, .npz
            net = load_model(path, group=group, **options)
        except (ValueError, TypeError, OSError, KeyError, ImportError) as exc:
            raise ValueError(f'path = "{rel}" in {where}: {one_line(exc)}') from None
        spec = {"kind": kind, "path": path, "group": group}
        for key in ("format", "activations", "activation_map", "custom", "input_shape"):
            if key in table:
                spec[key] = copy.deepcopy(table[key])
        if arch is not None:
            spec["architecture"] = arch
        return _place_noise(net, table, spec, where), spec

    widths = _require(table, "widths", where, "[1, 200, 200, 1]")
    if (not isinstance(widths, list) or len(widths) < 2
            or any(isinstance(w, bool) or not isinstance(w, int) or w < 1 for w in widths)):
        raise ValueError(f"widths = {show_value(widths)} in {where} must list at least two layer widths "
                         "≥ 1, input layer first, e.g. widths = [1, 200, 200, 1]")
    activation = _str(table.get("activation", "shifted_sigmoid"), "activation", where)
    if ":" in activation:                     # "name:param" or a user "module:function"
        hidden = _activation_entry(activation, "activation", where, base_dir)
    else:
        try:
            hidden = _act.get(activation)
        except ValueError as exc:
            raise ValueError(f"activation = {show_value(activation)} in {where}: {one_line(exc)}") from None
    param_key = None if hidden.is_custom else _act.param_name(hidden.name)
    for key in ("alpha", "gain", "negative_slope", "beta", "slope"):
        if key in table and key != param_key:
            use = f"use {param_key} = ..." if param_key else "it has no parameter"
            raise ValueError(f"{key} in {where} does not apply to activation = \"{hidden.name}\"; "
                             f"{use}, or remove {key}")
    spec = {"kind": kind, "widths": list(widths), "activation": activation if hidden.is_custom else hidden.name}
    if param_key is not None:
        param = _float(table.get(param_key, hidden.param), param_key, where)
        try:
            hidden = _act.get(hidden.name, param)
        except ValueError as exc:
            raise ValueError(f"{param_key} = {param!r} in {where}: {one_line(exc)}") from None
        spec[param_key] = param
    return _place_noise(symmetric(widths, activation=hidden), table, spec, where), spec


def _place_noise(net: Network, table: dict, spec: dict, where: str) -> Network:
    """``net`` with the ``noise_at`` and ``correlated`` of ``table`` (if given; recorded in
    ``spec``)."""
    if "correlated" in table:
        value = table["correlated"]
        try:
            net = net.with_correlated(value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"correlated = {show_value(value)} in {where}: {one_line(exc)}") from None
        spec["correlated"] = value
    if "noise_at" not in table:
        return net
    value = table["noise_at"]
    try:
        net = net.with_noise_at(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"noise_at = {show_value(value)} in {where}: {one_line(exc)}") from None
    spec["noise_at"] = copy.deepcopy(value)
    return net


def _activation_entry(text: str, key: str, where: str, base_dir: str | None, custom_only: bool = False):
    """An activation written in a config: a built-in name, ``"name:param"`` (a number after
    the colon), or a numba.njit function ``"module:function"`` / ``"file.py:function"``."""
    head, sep, tail = text.rpartition(":")
    if not sep:
        if custom_only:
            raise ValueError(f'{key} = {show_value(text)} in {where} must name a numba.njit function, '
                             'e.g. "acts.py:mish" or "package.module:mish"')
        return text                          # a name: the importer checks it (and refuses "sigmoid")
    try:
        param = float(tail)
    except ValueError:
        param = None
    if param is not None and not custom_only:
        try:
            return _act.get(head, param)
        except ValueError as exc:
            raise ValueError(f"{key} = {show_value(text)} in {where}: {one_line(exc)}") from None
    try:
        return _act.load_function(text, base_dir)
    except ValueError as exc:
        raise ValueError(f"{key} = {show_value(text)} in {where}: {one_line(exc)}") from None


def _parse_noise_table(table: dict, where: str, allow_layers: bool) -> Noise:
    valid = NOISE_KEYS + (("layers",) if allow_layers else ())
    check_keys(table, valid, where)
    values = {}
    for key in NOISE_KEYS:
        if key in table:
            value = table[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{key} = {show_value(value)} in {where} must be a number ≥ 0 "
                                 f"(a noise intensity D), e.g. {key} = 1e-4")
            values[key] = value
    try:
        return Noise(**values)
    except ValueError as exc:
        raise ValueError(f"{where}: {one_line(exc)}; use 0 for no noise of that kind") from None


def _parse_noise(table: dict | None, n_layers: int):
    where = "[noise]"
    if table is None:
        return Noise(), {}
    if "layers" not in table:
        noise = _parse_noise_table(table, where, allow_layers=True)
        return noise, noise.to_dict()
    extra = [k for k in table if k != "layers"]
    check_keys(table, NOISE_KEYS + ("layers",), where)
    if extra:
        raise ValueError(f"{where} has both {extra[0]} and [[noise.layers]]; give either global "
                         "intensities or one [[noise.layers]] table per layer, not both")
    layers = table["layers"]
    if not isinstance(layers, list) or not all(isinstance(t, dict) for t in layers):
        raise ValueError(f"layers = {show_value(layers)} in {where} must be an array of tables; "
                         "write one [[noise.layers]] section per layer")
    if len(layers) != n_layers:
        raise ValueError(f"[[noise.layers]] has {len(layers)} tables but the network has {n_layers} "
                         "layers; give one per layer, input layer first (an empty table is a "
                         "noiseless layer)")
    noises = [_parse_noise_table(t, f"[[noise.layers]] #{i} (layer {i})", allow_layers=False)
              for i, t in enumerate(layers)]
    return noises, {"layers": [nz.to_dict() for nz in noises]}


def _parse_inputs(table: dict, net: Network, base_dir: str | None):
    """(inputs (T, I_0), normalised spec, labels (T,) or None)."""
    where = "[inputs]"
    kind = _kind(table, _INPUT_KEYS, where)
    _check_kind_keys(table, kind, _INPUT_KEYS, where)
    width = net.widths[0]
    if kind == "dataset":
        return _parse_dataset_inputs(table, net, base_dir)
    if kind == "mackey-glass":
        return _parse_mackey_glass_inputs(table, net)
    if kind == "mackey-glass-series":
        from .train.reservoir import mackey_glass

        if width != 1:
            raise ValueError(f'kind = "mackey-glass-series" in {where} is one input per step; the '
                             f"network has {width} input neurons")
        count = _int(_require(table, "count", where, "1000"), "count", where, 1)
        start = _int(table.get("start", 0), "start", where, 0)
        _check_inputs_memory(count, 1, where, values=8 * (start + count))
        inputs = np.ascontiguousarray(mackey_glass(start + count)[0][start:])
        return inputs, {"kind": kind, "count": count, "start": start, "shape": list(inputs.shape)}, None
    if kind == "npy":
        rel = _str(_require(table, "path", where, '"inputs.npy"'), "path", where)
        path = _resolve(rel, base_dir)
        what = f'path = "{rel}" in {where}'
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{what}: no such file {path} "
                                    "(relative paths start at the config file's folder)")
        try:
            arr = np.load(path, allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            raise ValueError(f"{what}: cannot read it as a .npy array ({one_line(exc)}); "
                             "save the inputs with numpy.save") from None
        if not isinstance(arr, np.ndarray):
            arr.close()
            raise ValueError(f"{what} is an .npz archive; save one (T, {width}) array with numpy.save")
        if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
            raise ValueError(f"{what} holds {arr.dtype} values; inputs must be real numbers")
        if arr.ndim == 1 and width != 1:
            raise ValueError(f"{what} holds a 1-D array of {arr.size} values but the network's input "
                             f"layer has {width} neurons; give a (T, {width}) array")
        try:
            inputs = validate_inputs(net, arr)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{what}: {one_line(exc)}") from None
        return inputs, {"kind": kind, "path": path, "shape": list(inputs.shape)}, None

    count = _int(_require(table, "count", where, "1000"), "count", where, 1)
    _check_inputs_memory(count, width, where)
    if kind == "linspace":
        start = _float(table.get("start", 0.0), "start", where)
        stop = _float(table.get("stop", 1.0), "stop", where)
        values = np.linspace(start, stop, count)
        inputs = np.ascontiguousarray(np.repeat(values[:, None], width, axis=1))
        spec = {"kind": kind, "start": start, "stop": stop, "count": count}
    else:
        low = _float(table.get("low", 0.0), "low", where)
        high = _float(table.get("high", 1.0), "high", where)
        if not high > low:
            raise ValueError(f"high = {high!r} in {where} must be greater than low = {low!r}")
        seed = _int(table.get("seed", 0), "seed", where, 0, MAX_SEED)
        inputs = np.random.default_rng(seed).uniform(low, high, (count, width))
        spec = {"kind": kind, "low": low, "high": high, "count": count, "seed": seed}
    spec["shape"] = list(inputs.shape)
    return inputs, spec, None


def _parse_dataset_inputs(table: dict, net: Network, base_dir: str | None):
    """Images of MNIST or Fashion-MNIST (scaled to [0, 1]) and their labels."""
    from .io import datasets

    where = "[inputs]"
    name = _str(_require(table, "name", where, '"mnist"'), "name", where)
    if name not in datasets.NAMES:
        raise ValueError(f"name = {show_value(name)} in {where} is not a known dataset"
                         f"{choice_hint(name, datasets.NAMES)}")
    split = _str(table.get("split", "test"), "split", where)
    if split not in ("train", "test"):
        raise ValueError(f'split = {show_value(split)} in {where} must be "train" or "test"')
    label = table.get("label")
    if label is not None:
        label = _int(label, "label", where, 0, 10, why=" (a class label 0..9)")
    start = _int(table.get("start", 0), "start", where, 0)
    count = _int(table["count"], "count", where, 1) if "count" in table else None
    path = _resolve(_str(table["path"], "path", where), base_dir) if "path" in table else None
    images, labels = datasets.load(name, split=split, path=path)
    images, labels = datasets.select(images, labels, label=label, count=count, start=start)
    if len(labels) == 0:
        raise ValueError(f"[inputs] selects no image of {name} {split} (label {label}, start {start})")
    inputs = datasets.digits(images)
    if inputs.shape[1] != net.widths[0]:
        raise ValueError(f"{name} images have {inputs.shape[1]} pixels but the network's input layer "
                         f"has {net.widths[0]} neurons; use a 784-input network")
    scale = _float(table.get("scale", 1.0), "scale", where)
    mean = _float(table.get("mean", 0.0), "mean", where)
    std = _float(table.get("std", 1.0), "std", where)
    if not std > 0:
        raise ValueError(f"std = {std!r} in {where} must be > 0 (inputs are (x·scale − mean)/std)")
    if (scale, mean, std) != (1.0, 0.0, 1.0):
        inputs = (inputs * scale - mean) / std
    spec = {"kind": "dataset", "name": name, "split": split, "label": label, "start": start,
            "count": int(len(labels)), "shape": list(inputs.shape)}
    if (scale, mean, std) != (1.0, 0.0, 1.0):      # recorded when used (older specs stay equal)
        spec.update(scale=scale, mean=mean, std=std)
    return inputs, spec, np.asarray(labels, np.int64)


def _parse_mackey_glass_inputs(table: dict, net: Network):
    """Windows of the Mackey–Glass series (network C's task)."""
    from .io import mackey_glass

    where = "[inputs]"
    width = _int(table.get("width", net.widths[0]), "width", where, 1)
    if width != net.widths[0]:
        raise ValueError(f"width = {width} in {where} differs from the network's {net.widths[0]} "
                         "input neurons")
    from .train.data import MG_TRAIN  # network C's test windows start there

    count = _int(_require(table, "count", where, "1000"), "count", where, 1)
    start = _int(table.get("start", MG_TRAIN), "start", where, 0)
    _check_inputs_memory(count, width, where, values=count * width + 4 * (start + count + width))
    series = mackey_glass.series(start + count + width)
    inputs, targets = mackey_glass.windows(series, width)
    inputs = np.ascontiguousarray(inputs[start:start + count])
    spec = {"kind": "mackey-glass", "width": width, "start": start, "count": count,
            "shape": list(inputs.shape)}
    return inputs, spec, None


def _parse_output(table: dict | None, net: Network) -> dict:
    where = "[output]"
    out = {"samples": None, "histogram": None, "block": None, "precision": "float64"}
    if table is None:
        return out
    check_keys(table, _OUTPUT_KEYS, where)
    if "precision" in table:
        if table["precision"] not in ("float64", "float32"):
            raise ValueError(f"precision = {show_value(table['precision'])} in {where} must be "
                             '"float64" or "float32" (single-precision states, about 2x faster)')
        out["precision"] = table["precision"]
    if "block" in table:
        out["block"] = _int(table["block"], "block", where, 1)
    if "samples" in table:
        samples = table["samples"]
        ok = isinstance(samples, list) and all(
            isinstance(p, list) and len(p) == 2
            and all(isinstance(i, int) and not isinstance(i, bool) for i in p) for p in samples)
        if not ok:
            raise ValueError(f"samples = {show_value(samples)} in {where} must be a list of "
                             "[layer, neuron] integer pairs, e.g. samples = [[3, 0]]")
        try:
            sample_spec(net, samples)
        except ValueError as exc:
            raise ValueError(f"samples = {show_value(samples)} in {where}: {one_line(exc)} "
                             f"(this network has widths {list(net.widths)})") from None
        out["samples"] = [list(p) for p in samples]
    if "histogram" in table:
        hwhere = "[output.histogram]"
        hist = _table(table, "histogram", where)
        check_keys(hist, _HIST_KEYS, hwhere)
        bins = _int(hist.get("bins", 100), "bins", hwhere, 1)
        rng = hist.get("range", [0.0, 1.0])
        flat = rng if not (isinstance(rng, list) and rng and isinstance(rng[0], list)) else sum(rng, [])
        if not isinstance(rng, list) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in flat):
            raise ValueError(f"range = {show_value(rng)} in {hwhere} must be [lo, hi] or one [lo, hi] "
                             "per layer")
        try:
            hist_spec(net, {"bins": bins, "range": rng})
        except ValueError as exc:
            raise ValueError(f"range = {show_value(rng)} in {hwhere}: {one_line(exc)}") from None
        out["histogram"] = {"bins": bins, "range": rng}
    return out


# -- public API ----------------------------------------------------------------

@dataclass
class RunConfig:
    """A validated run configuration, ready for :func:`fastnoise.simulate`.

    Attributes
    ----------
    network : Network
    inputs : ndarray, (T, I_0)
    noise : Noise or list of Noise
        One Noise for every layer, or one per layer (input layer first).
    repeats : int
        K ≥ 2 repetitions of every input.
    seed : int
    block : int or None
        Inputs per kernel call (None: the library default).
    samples : list of [layer, neuron] or None
    histogram : dict or None
        ``{"bins": nb, "range": [lo, hi] or [[lo, hi], ...]}``.
    path : str or None
        The TOML file it was read from.
    spec : dict
        The normalised sections (defaults filled in, paths made absolute).
    """

    network: Network
    inputs: np.ndarray
    noise: Any
    repeats: int = 300
    seed: int = 1
    block: int | None = None
    samples: list | None = None
    histogram: dict | None = None
    path: str | None = None
    spec: dict = field(default_factory=dict)
    labels: np.ndarray | None = None
    precision: str = "float64"
    time: dict | None = None

    @property
    def is_reservoir(self) -> bool:
        return self.time is not None

    def simulate_kwargs(self) -> dict:
        """Keyword arguments of :func:`fastnoise.simulate` for this config."""
        kw = dict(net=self.network, inputs=self.inputs, noise=self.noise, repeats=self.repeats,
                  seed=self.seed, block=self.block, samples=self.samples,
                  histogram=self.histogram, labels=self.labels, precision=self.precision)
        if self.time is not None:
            kw.update(self.time)
        return kw

    def to_dict(self) -> dict:
        """JSON-able description: the config's sections, normalised.

        Paths are absolute, defaults are filled in, and the network carries
        its widths, activations and SHA-256 digest.
        """
        net = dict(self.spec.get("network", {}), **self.network.to_config(),
                   sha256=self.network.digest())
        extra = {} if self.time is None else {"time": dict(self.time)}
        return {
            **extra,
            "source": self.path,
            "repeats": self.repeats,
            "seed": self.seed,
            "network": net,
            "noise": self.spec.get("noise", {}),
            "inputs": dict(self.spec.get("inputs", {})),
            "output": {"samples": self.samples, "histogram": self.histogram, "block": self.block,
                       "precision": self.precision},
        }

    def __repr__(self) -> str:
        return (f"RunConfig(widths={list(self.network.widths)}, inputs={self.inputs.shape}, "
                f"repeats={self.repeats}, seed={self.seed}, path={self.path!r})")


def parse_config(data: dict, base_dir: str | None = None) -> RunConfig:
    """Validate a parsed TOML document (a dict) into a :class:`RunConfig`.

    ``base_dir`` is where relative ``path`` entries start (default: the
    current directory).
    """
    if not isinstance(data, dict):
        raise TypeError(f"a run config must be a dict (parsed TOML), got {type(data).__name__}")
    check_keys(data, TOP_KEYS, TOP)
    repeats = _int(data.get("repeats", 300), "repeats", TOP, 2,
                   why=" (a variance needs K ≥ 2 repetitions; the paper uses 300)")
    seed = _int(data.get("seed", 1), "seed", TOP, 0, MAX_SEED)
    net, net_spec = _parse_network(_table(data, "network", TOP), base_dir)
    time_spec = _parse_time(_table(data, "time", TOP, required=False), net)
    if time_spec is not None and data.get("mitigation"):
        raise ValueError("[mitigation] transforms feed-forward networks; remove it for a reservoir")
    # the inputs first: a ghost on a layer with its noise before f weighs itself by the mean
    # slopes over them (mitigation never changes the input layer, so they fit both networks)
    inputs, input_spec, labels = _parse_inputs(_table(data, "inputs", TOP), net, base_dir)
    net, mitigation_spec = _apply_mitigation(net, data.get("mitigation"), inputs)
    noise, noise_spec = _parse_noise(_table(data, "noise", TOP, required=False), net.n_layers)
    out = _parse_output(_table(data, "output", TOP, required=False), net)
    return RunConfig(network=net, inputs=inputs, noise=noise, repeats=repeats, seed=seed,
                     block=out["block"], samples=out["samples"], histogram=out["histogram"],
                     spec={"network": net_spec, "noise": noise_spec, "inputs": input_spec,
                           **({"mitigation": mitigation_spec} if mitigation_spec else {})},
                     labels=labels, precision=out["precision"], time=time_spec)


def _parse_time(table: dict | None, net) -> dict | None:
    """[time] of a reservoir: mode ("open" or "closed") and washout; None for other networks."""
    from .network.reservoir import MODES, Reservoir

    if not isinstance(net, Reservoir):
        if table is not None:
            raise ValueError("[time] is for reservoirs ([network] kind = \"reservoir\" or "
                             "\"reservoir-file\"); remove it")
        return None
    table = table or {}
    check_keys(table, _TIME_KEYS, "[time]")
    mode = _str(table.get("mode", "open"), "mode", "[time]")
    if mode not in MODES:
        raise ValueError(f"mode = {show_value(mode)} in [time] must be one of "
                         f"{', '.join(show_value(m) for m in MODES)}")
    return {"mode": mode, "washout": _int(table.get("washout", 0), "washout", "[time]", 0)}


def _apply_mitigation(net: Network, tables, inputs=None) -> tuple[Network, list]:
    """``net`` transformed by the ``[[mitigation]]`` tables in order, and their spec; a
    ``ghost`` on a layer with ``noise_at="input"`` takes its slopes over ``inputs``."""
    from . import mitigation

    if tables is None:
        return net, []
    if isinstance(tables, dict):
        tables = [tables]
    if not isinstance(tables, list):
        raise ValueError(f"mitigation = {show_value(tables)}: give one [[mitigation]] table per "
                         'transform, e.g. kind = "pool", layers = [1], copies = 4')
    spec = []
    for i, table in enumerate(tables):
        where = f"[[mitigation]] #{i + 1}"
        if not isinstance(table, dict):
            raise ValueError(f"{where} is {show_value(table)}, not a table")
        kind = _kind(table, tuple(_MITIGATION_KEYS), where)
        _check_kind_keys(table, kind, _MITIGATION_KEYS, where)
        layers = _require(table, "layers", where, "[1]")
        copies = _int(_require(table, "copies", where, "4"), "copies", where, 2) if kind == "pool" else None
        matrix = _require(table, "matrix", where, '"uniform"') if kind == "intra_layer" else None
        try:
            if kind == "pool":
                net = mitigation.pool(net, layers, copies)
            elif kind == "ghost":
                net = mitigation.ghost(net, layers, inputs=inputs)
            else:
                net = mitigation.intra_layer(net, layers, matrix)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where}: {one_line(exc)}") from None
        spec.append(copy.deepcopy(table))
    return net, spec


def loads_config(text: str, base_dir: str | None = None) -> RunConfig:
    """Parse TOML text into a :class:`RunConfig` (see :func:`parse_config`)."""
    try:
        data = _toml.loads(text)
    except _toml.TOMLDecodeError as exc:
        raise ValueError(f"invalid TOML: {one_line(exc)}") from None
    return parse_config(data, base_dir)


def read_text(path: str, what: str) -> str:
    """The UTF-8 text of the TOML file ``path`` (a ``what``), or a one-line error."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such {what} file")
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path} is a folder; give a TOML {what} file")
    with open(path, "rb") as f:
        raw = f.read()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a UTF-8 text file; give a TOML {what}") from None


def load_config(path) -> RunConfig:
    """Read and validate a TOML run config.

    Parameters
    ----------
    path : str or path-like
        The TOML file; relative paths inside it start at its folder.

    Returns
    -------
    RunConfig

    Raises
    ------
    FileNotFoundError
        The config, or a file it names, does not exist.
    ValueError
        Invalid TOML or an invalid setting; the message starts with the file
        name and names the key, its table and the fix.
    """
    path = os.fspath(path)
    text = read_text(path, "config")
    base_dir = os.path.dirname(os.path.abspath(path))
    try:
        cfg = loads_config(text, base_dir)
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"{path}: {exc}") from None
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    cfg.path = os.path.abspath(path)
    return cfg
