"""Sweep specs in TOML: a base run config and axes over any of its fields.

A sweep spec names a base run config (the TOML of ``fastnoise simulate``)
and the axes to vary::

    config = "fig3.toml"           # base run config, relative to this file
    combine = "product"            # "product" (default) or "zip"

    [base]                         # optional: set or override base fields
    repeats = 100
    inputs = { kind = "linspace", start = 0.0, stop = 1.0, count = 200 }

    [[axes]]
    key = "network.alpha"          # a dotted path into the run config
    values = [1.0, 2.0, 4.0]       # explicit values (numbers, strings, lists)

    [[axes]]
    key = "noise.additive"
    logspace = [-6, -3, 4]         # 10**-6 .. 10**-3, 4 values (10**e, e evenly spaced)
    # linspace = [0.0, 1e-3, 5]    # start, stop, count (numpy.linspace)

    [[axes]]
    key = "network.widths"         # whole lists are values too
    values = [[1, 50, 1], [1, 50, 50, 1], [1, 50, 50, 50, 1]]
    group = "depth"                # axes sharing a group are zipped

With ``combine = "product"`` every group of axes (an axis on its own, or the
axes that share a ``group``, zipped element by element) is one dimension,
and the points are the Cartesian product of the dimensions in the order
they first appear, the last varying fastest.  ``combine = "zip"`` zips all
axes into one dimension, ``point``.  List elements are addressed by their
index, e.g. ``noise.layers.2.additive``.

Relative paths inside the configs start at the folder of ``config`` (or of
the sweep file when there is no ``config``).  Every point is validated as a
run config before anything is simulated; an error names the point and its
parameter values.
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
from dataclasses import dataclass, field

import numpy as np

from ..runconfig import TOP_KEYS as _RUN_KEYS
from ..runconfig import check_keys, one_line, show_value, parse_config, read_text

#: The run-config sections a sweep takes: all of a run config's ([time] for reservoirs).
TOP_KEYS = _RUN_KEYS
from ..validation import check_int

try:  # Python ≥ 3.11
    import tomllib as _toml
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as _toml

__all__ = ["Axis", "Sweep", "load_sweep", "loads_sweep", "parse_sweep"]

_SWEEP_KEYS = ("config", "base", "combine", "axes")
_AXIS_KEYS = ("key", "values", "linspace", "logspace", "group")
_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(\.([A-Za-z_][A-Za-z0-9_-]*|[0-9]+))*$")


@dataclass
class Axis:
    """One swept config field.

    Attributes
    ----------
    key : str
        Dotted path into the run config (``"noise.additive"``).
    values : list
        Its values, JSON-able (numbers, strings, booleans or lists).
    group : str
        Name of the dimension it belongs to (axes of one group are zipped).
    """

    key: str
    values: list
    group: str


@dataclass
class Sweep:
    """A validated sweep: base config, axes, and the resulting points.

    Attributes
    ----------
    base : dict
        The base run config (parsed TOML, ``[base]`` merged in).
    base_dir : str
        Where relative paths inside the configs start.
    axes : list of Axis
    dims : list of (str, list of str)
        The sweep's dimensions: name and the axis keys zipped along it.
    combine : str
        ``"product"`` or ``"zip"``.
    params : list of dict
        Per point, axis key -> value (the point's coordinates).
    path : str or None
        The TOML file it came from.
    """

    base: dict
    base_dir: str
    axes: list
    dims: list
    combine: str
    params: list = field(default_factory=list)
    path: str | None = None

    @property
    def n_points(self) -> int:
        return len(self.params)

    @property
    def keys(self) -> list[str]:
        return [a.key for a in self.axes]

    @property
    def shape(self) -> tuple[int, ...]:
        """Length of every dimension (their product is the number of points)."""
        by_key = {a.key: a for a in self.axes}
        return tuple(len(by_key[keys[0]].values) for _, keys in self.dims)

    def point_data(self, i: int) -> dict:
        """The run config (parsed-TOML dict) of point ``i``."""
        data = copy.deepcopy(self.base)
        for key, value in self.params[i].items():
            _assign(data, key, copy.deepcopy(value))
        return data

    def point_config(self, i: int):
        """Point ``i`` as a validated :class:`~fastnoise.runconfig.RunConfig`."""
        try:
            return parse_config(self.point_data(i), self.base_dir)
        except (ValueError, TypeError, FileNotFoundError) as exc:
            raise type(exc)(f"sweep point {i} ({self.describe(i)}): {one_line(exc)}") from None

    def describe(self, i: int) -> str:
        """``key = value, ...`` of point ``i``."""
        return ", ".join(f"{k} = {show_value(v)}" for k, v in self.params[i].items())

    def to_dict(self) -> dict:
        """JSON-able description (what a sweep store records)."""
        return {"combine": self.combine,
                "axes": [{"key": a.key, "values": a.values, "group": a.group} for a in self.axes],
                "dims": [[name, keys] for name, keys in self.dims],
                "source": self.path}

    def __repr__(self) -> str:
        dims = " x ".join(f"{name}[{n}]" for (name, _), n in zip(self.dims, self.shape))
        return f"Sweep({self.n_points} points: {dims or 'a single point'}, path={self.path!r})"


# -- parsing -----------------------------------------------------------------------

def _where(i: int, key=None) -> str:
    return f"[[axes]] #{i + 1}" + (f" ({key})" if key else "")


def _count(value, name: str, where: str) -> int:
    try:
        return check_int(f"{name} count", value, 1)
    except (TypeError, ValueError):  # said in TOML's words, naming the table
        raise ValueError(f"{name} count {show_value(value)} in {where} must be an integer ≥ 1") from None


def _range(spec, name: str, where: str, example: str):
    if (not isinstance(spec, list) or len(spec) != 3
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in spec[:2])):
        raise ValueError(f"{name} = {show_value(spec)} in {where} must be [start, stop, count], "
                         f"e.g. {name} = {example}")
    start, stop = float(spec[0]), float(spec[1])
    if not (math.isfinite(start) and math.isfinite(stop)):
        raise ValueError(f"{name} = {show_value(spec)} in {where} must have finite start and stop")
    return start, stop, _count(spec[2], name, where)


def _axis_values(table: dict, key: str, where: str) -> list:
    given = [k for k in ("values", "linspace", "logspace") if k in table]
    if len(given) != 1:
        raise ValueError(f"{where} needs exactly one of values, linspace or logspace, got "
                         f"{', '.join(given) if given else 'none'}; e.g. values = [1.0, 2.0]")
    kind = given[0]
    if kind == "values":
        values = table["values"]
        if not isinstance(values, list) or not values:
            raise ValueError(f"values = {show_value(values)} in {where} must be a non-empty list, "
                             "e.g. values = [1.0, 2.0, 4.0]")
        return copy.deepcopy(values)
    if kind == "linspace":
        start, stop, n = _range(table["linspace"], "linspace", where, "[0.0, 1e-3, 5]")
        return [float(v) for v in np.linspace(start, stop, n)]
    start, stop, n = _range(table["logspace"], "logspace", where, "[-6, -3, 4] (10**-6 .. 10**-3)")
    # Python's correctly rounded scalar pow, not numpy.logspace's vectorised one, which
    # gives 9.999999999999999e-06 for 10**-5 on some CPUs: the same values on every machine
    return [10.0 ** float(e) for e in np.linspace(start, stop, n)]


def _split_key(key: str) -> list:
    return [int(p) if p.isdigit() else p for p in key.split(".")]


def _assign(data: dict, key: str, value) -> None:
    """Set the dotted ``key`` of ``data``, creating tables on the way."""
    parts = _split_key(key)
    node = data
    for depth, part in enumerate(parts[:-1]):
        nxt = parts[depth + 1]
        here = ".".join(map(str, parts[:depth + 1]))
        if isinstance(part, int):
            if not isinstance(node, list) or not -len(node) <= part < len(node):
                raise ValueError(f"sweep key {key!r}: {here} does not exist in the base config "
                                 "(list index out of range)")
            node = node[part]
            continue
        if not isinstance(node, dict):
            raise ValueError(f"sweep key {key!r}: {here} is not a table in the base config")
        if part not in node:
            node[part] = [] if isinstance(nxt, int) else {}
        node = node[part]
    last = parts[-1]
    if isinstance(last, int):
        if not isinstance(node, list) or not -len(node) <= last < len(node):
            raise ValueError(f"sweep key {key!r}: element {last} does not exist in the base config")
        node[last] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise ValueError(f"sweep key {key!r}: its parent is not a table in the base config")


def _merge(into: dict, extra: dict) -> dict:
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        else:
            into[k] = copy.deepcopy(v)
    return into


def _read_toml(path: str, what: str) -> dict:
    try:
        return _toml.loads(read_text(path, what))
    except _toml.TOMLDecodeError as exc:
        raise ValueError(f"{path}: invalid TOML: {one_line(exc)}") from None


def parse_sweep(data: dict, base_dir: str | None = None, validate: bool = True) -> Sweep:
    """Validate a parsed sweep TOML document into a :class:`Sweep`.

    Parameters
    ----------
    data : dict
        The parsed TOML (see the module docstring for its keys).
    base_dir : str, optional
        The sweep file's folder: where ``config`` and relative paths start.
    validate : bool
        Parse every point as a run config now (default), so that a bad value
        fails before anything runs.
    """
    if not isinstance(data, dict):
        raise TypeError(f"a sweep spec must be a dict (parsed TOML), got {type(data).__name__}")
    base_dir = os.path.abspath(base_dir or os.getcwd())
    check_keys(data, _SWEEP_KEYS, "[top level]")
    base: dict = {}
    cfg_dir = base_dir
    if "config" in data:
        rel = data["config"]
        if not isinstance(rel, str) or not rel:
            raise ValueError(f"config = {show_value(rel)} must be the path of a TOML run config, "
                             'e.g. config = "fig3.toml"')
        path = rel if os.path.isabs(rel) else os.path.join(base_dir, rel)
        base = _read_toml(path, "run config")
        cfg_dir = os.path.dirname(os.path.abspath(path))
    if "base" in data:
        if not isinstance(data["base"], dict):
            raise ValueError("base must be a table of run-config fields, e.g. [base] repeats = 100")
        stray = [k for k in data["base"] if k in _SWEEP_KEYS and k not in TOP_KEYS]
        if stray:
            raise ValueError(f"{stray[0]!r} is a top-level sweep key but sits in [base]; in TOML, "
                             "keys after a [table] header belong to it: move it above [base]")
        check_keys(data["base"], TOP_KEYS, "[base]")
        _merge(base, data["base"])
    if not base:
        raise ValueError('a sweep needs a base run config: config = "run.toml" and/or a [base] table')
    combine = data.get("combine", "product")
    if combine not in ("product", "zip"):
        raise ValueError(f"combine = {show_value(combine)} must be \"product\" or \"zip\"")
    raw_axes = data.get("axes", [])
    if not isinstance(raw_axes, list) or not all(isinstance(a, dict) for a in raw_axes):
        raise ValueError("axes must be an array of tables: [[axes]] key = ..., values = [...]")
    axes: list[Axis] = []
    for i, table in enumerate(raw_axes):
        check_keys(table, _AXIS_KEYS, _where(i))
        key = table.get("key")
        if not isinstance(key, str) or not _KEY_RE.match(key):
            raise ValueError(f"key = {show_value(key)} in {_where(i)} must be a dotted config path, "
                             'e.g. key = "noise.additive"')
        top = key.split(".")[0]
        if top not in TOP_KEYS:
            raise ValueError(f"key = {show_value(key)} in {_where(i)} must start with one of "
                             f"{', '.join(TOP_KEYS)}")
        if any(a.key == key for a in axes):
            raise ValueError(f"key {key!r} is swept twice; give every key one [[axes]] table")
        values = _axis_values(table, key, _where(i, key))
        group = table.get("group", key)
        if not isinstance(group, str) or not group:
            raise ValueError(f"group = {show_value(group)} in {_where(i, key)} must be a name")
        if "group" in table and group in ("layer", "point", "run", "done"):
            raise ValueError(f"group = {show_value(group)} in {_where(i, key)} is a reserved name "
                             "(layer, point, run, done); choose another")
        if combine == "zip":
            group = "point"
        axes.append(Axis(key=key, values=values, group=group))
    for a in axes:
        if a.group != a.key and any(b.key == a.group and b.group != a.group for b in axes):
            raise ValueError(f"group {a.group!r} of {a.key!r} is also a swept key of another "
                             "dimension; choose a group name that is not a key")
    dims: list = []
    for a in axes:
        for name, keys in dims:
            if name == a.group:
                keys.append(a.key)
                break
        else:
            dims.append((a.group, [a.key]))
    by_key = {a.key: a for a in axes}
    for name, keys in dims:
        lengths = {k: len(by_key[k].values) for k in keys}
        if len(set(lengths.values())) > 1:
            what = "combine = \"zip\"" if combine == "zip" else f"group {name!r}"
            raise ValueError(f"the axes zipped by {what} must have equal lengths, got "
                             + ", ".join(f"{k}: {n}" for k, n in lengths.items()))
    sweep = Sweep(base=base, base_dir=cfg_dir, axes=axes, dims=dims, combine=combine)
    sweep.params = _points(sweep)
    for key in sweep.keys:  # a key must lead somewhere in every point
        probe = copy.deepcopy(base)
        _assign(probe, key, by_key[key].values[0])
    if validate:
        for i in range(sweep.n_points):
            sweep.point_config(i)
    return sweep


def _points(sweep: Sweep) -> list[dict]:
    by_key = {a.key: a for a in sweep.axes}
    shape = sweep.shape
    params = []
    for idx in np.ndindex(*shape) if shape else [()]:
        p = {}
        for (name, keys), j in zip(sweep.dims, idx):
            for k in keys:
                p[k] = by_key[k].values[j]
        params.append(p)
    return params


def loads_sweep(text: str, base_dir: str | None = None, validate: bool = True) -> Sweep:
    """Parse sweep TOML text (see :func:`parse_sweep`)."""
    try:
        data = _toml.loads(text)
    except _toml.TOMLDecodeError as exc:
        raise ValueError(f"invalid TOML: {one_line(exc)}") from None
    return parse_sweep(data, base_dir, validate)


def load_sweep(path, validate: bool = True) -> Sweep:
    """Read and validate a sweep spec TOML file.

    Errors are one line and start with the file name, e.g.
    ``sweep.toml: sweep point 1 (repeats = 1): repeats = 1 in [top level] must be ≥ 2 ...``.
    """
    path = os.fspath(path)
    data = _read_toml(path, "sweep spec")
    try:
        sweep = parse_sweep(data, os.path.dirname(os.path.abspath(path)), validate)
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"{path}: {exc}") from None
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"{path}: {exc}") from None
    sweep.path = os.path.abspath(path)
    return sweep


def params_json(params: dict) -> str:
    """Canonical JSON of a point's parameters."""
    return json.dumps(params, sort_keys=True)
