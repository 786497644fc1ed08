"""Network files: a :class:`~fastnoise.network.Network` in an HDF5 group.

Layout of a group (unchanged since the first release, so old files read)::

    <group>.attrs["fastnoise_object"] = "network"
    <group>.attrs["config"]           = JSON of Network.to_config()
                                        (widths, activations; noise_at only
                                        when some layer has "input";
                                        mitigation only for a network made
                                        by fastnoise.mitigation)
    <group>/W{n}, <group>/b{n}        layer n's Operation.params() ("W", "b")

A network with a layer that is not dense (convolution, pooling, flatten) also
has ``layers`` in its config, each operation's ``attrs()`` (its kind first),
and stores each operation's ``params()`` by name and layer (``K{n}`` for a
convolution kernel); it is read back through
:data:`fastnoise.network.OPERATIONS`.

The network package sits below ``fastnoise.io`` and never imports it; this
module registers itself with :func:`fastnoise.network.use_file_format` when
imported (``import fastnoise`` does), so :meth:`Network.save`,
:meth:`Network.load`, :meth:`Network.write_group` and
:meth:`Network.read_group` keep working as thin methods.  Both spellings are
public: ``net.save(path)`` and ``fastnoise.io.network_file.save(net, path)``.
"""

from __future__ import annotations

import json
import os
import sys

import h5py

from .. import activations as _act
from ..network import OPERATIONS, Network, noise_places, use_file_format
from .errors import damaged, open_h5_readonly, reading, safe_text
from .lock import partial_path, remove_stale_partials, write_lock

__all__ = ["save", "save_group", "load", "write_group", "read_group"]


def save(net: Network, path, group: str = "network", overwrite: bool = False,
         attrs: dict | None = None) -> None:
    """Write ``net`` to an HDF5 file (``<group>/W{n}``, ``<group>/b{n}``).

    Refuses to touch an existing file unless ``overwrite=True``.  The file
    is written under a temporary name and renamed into place when
    complete, so ``path`` never holds a half-written network (an
    overwritten file stays as it was until then), while holding the write
    lock of :mod:`fastnoise.io.lock` (a second writer is refused).
    ``attrs`` are extra attributes of the file's root (strings or numbers).
    """
    save_group(path, group, lambda g: write_group(g, net), overwrite, attrs)


def save_group(path, group: str, write, overwrite: bool = False, attrs: dict | None = None) -> None:
    """Write one object into the HDF5 group ``group`` of a new file: ``write(g)`` fills the
    group, ``attrs`` go to the file's root.  The safe-writing rules of :func:`save` (no
    existing file touched without ``overwrite``, a temporary name renamed into place when
    complete, the write lock held); :mod:`.reservoir_file` saves through it too."""
    path = os.fspath(path)
    with write_lock(path):
        if os.path.exists(path) and not overwrite:
            raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
        remove_stale_partials(path)  # left by killed writers; we hold the lock
        tmp = partial_path(path)
        try:
            with h5py.File(tmp, "w") as f:
                write(f.create_group(group))
                for k, v in (attrs or {}).items():
                    f.attrs[k] = v
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise


def write_group(g, net: Network) -> None:
    """Store ``net`` into an open h5py group: its config and each operation's parameters."""
    g.attrs["fastnoise_object"] = "network"
    g.attrs["config"] = json.dumps(net.to_config())
    for n, op in enumerate(net.ops, start=1):
        for name, array in op.params().items():
            g.create_dataset(f"{name}{n}", data=array)


def load(path, group: str = "network", custom: dict | None = None) -> Network:
    """Read a network written by :func:`save` (or found in a store)."""
    with open_h5_readonly(path, kind="network file") as f:
        with reading(path, kind="network file", where="/"):
            found = group in f
        if not found:
            raise ValueError(f"{path} has no group {group!r}; it is not a fastnoise network file")
        return read_group(f[group], custom=custom)


def read_group(g, custom: dict | None = None) -> Network:
    """Read a network stored by :func:`write_group`.

    A damaged group raises :class:`~fastnoise.io.errors.StoreError` (a
    ``ValueError``), one line naming the file and what is wrong.
    """
    path = g.file.filename
    kind = "store" if g.name.startswith("/runs/") else "network file"
    with reading(path, kind, where=g.name):
        tag = g.attrs.get("fastnoise_object")
        text = g.attrs.get("config")
    if isinstance(tag, bytes):
        tag = tag.decode("utf-8", errors="replace")
    if tag != "network":
        if tag is None:
            raise ValueError(f"HDF5 group {g.name!r} of {path} does not hold a fastnoise network")
        raise damaged(path, f"attribute 'fastnoise_object' of {g.name} is "
                            f"{safe_text(repr(tag), 40)}, not 'network'", kind)
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        cfg = json.loads(text)
        widths = cfg["widths"]
        acts = cfg["activations"]
        if (not isinstance(widths, list) or len(widths) < 1 or not isinstance(acts, list)
                or len(acts) != len(widths) or not all(isinstance(a, dict) for a in acts)
                or not all(isinstance(w, int) and not isinstance(w, bool) and 1 <= w <= 2**31
                           for w in widths)):
            raise ValueError("widths/activations do not match")
        places = noise_places(cfg.get("noise_at", "output"), len(widths))
        mitigation = cfg.get("mitigation", [])
        if not isinstance(mitigation, list):
            raise ValueError("mitigation is not a list")
        input_shape = cfg.get("input_shape")
        if input_shape is not None and (not isinstance(input_shape, list) or not all(
                isinstance(d, int) and not isinstance(d, bool) and d >= 1 for d in input_shape)):
            raise ValueError("input_shape is not a list of sizes")
    except (TypeError, ValueError, KeyError) as exc:
        raise damaged(path, f"attribute 'config' of {g.name} is not a network description "
                            f"({type(exc).__name__}: {safe_text(exc, 80)})", kind) from None
    if "layers" in cfg:
        return _read_ops(g, path, kind, cfg, widths, acts, places, mitigation, input_shape, custom)
    L = len(widths)
    arrays = []
    for n in range(1, L):
        for name, shape in ((f"W{n}", (widths[n], widths[n - 1])), (f"b{n}", (widths[n],))):
            where = f"{g.name}/{name}"
            with reading(path, kind, where=where):
                ds = g.get(name)
                if not isinstance(ds, h5py.Dataset):
                    raise damaged(path, f"dataset {where} missing" if ds is None
                                  else f"{where} is not a dataset", kind)
                if ds.shape != shape or ds.dtype.kind not in "fiu":
                    raise damaged(path, f"{where} has shape {ds.shape} and dtype {ds.dtype}, "
                                        f"expected {shape} float", kind)
                arrays.append(ds[()])
    ws, bs = arrays[0::2], arrays[1::2]
    try:
        acts = [_act.Activation.from_dict(a, custom) for a in acts]
    except (KeyError, TypeError) as exc:
        raise damaged(path, f"activation of {g.name} unreadable ({type(exc).__name__}: "
                            f"{safe_text(exc, 60)})", kind) from None
    except ValueError as exc:
        raise ValueError(f"{path}: {' '.join(str(exc).split())}") from None
    try:
        return Network.from_layers(ws, bs, acts, input_width=widths[0], noise_at=list(places),
                                   mitigation=mitigation, input_shape=input_shape)
    except ValueError as exc:  # e.g. non-finite weights: never saved, so a damaged file
        raise damaged(path, f"{g.name}: {safe_text(exc, 120)}", kind) from None


def _read_ops(g, path, kind, cfg, widths, acts, places, mitigation, input_shape, custom) -> Network:
    """The operations of a network with ``layers`` in its config, each rebuilt by its kind."""
    layers = cfg["layers"]
    if not isinstance(layers, list) or len(layers) != len(widths) - 1 or not all(
            isinstance(a, dict) and a.get("kind") in OPERATIONS for a in layers):
        raise damaged(path, f"attribute 'config' of {g.name} lists layers that are not known "
                            "operations", kind)
    ops = []
    for n, attrs in enumerate(layers, start=1):
        params = {}
        for name in [k[: -len(str(n))] for k in g.keys() if k.endswith(str(n))
                     and k[: -len(str(n))].isalpha()]:
            where = f"{g.name}/{name}{n}"
            with reading(path, kind, where=where):
                ds = g.get(f"{name}{n}")
                if not isinstance(ds, h5py.Dataset) or ds.dtype.kind not in "fiu":
                    raise damaged(path, f"{where} is not a numeric dataset", kind)
                params[name] = ds[()]
        try:
            ops.append(OPERATIONS[attrs["kind"]].from_params(attrs, params, custom))
        except (KeyError, TypeError) as exc:
            raise damaged(path, f"layer {n} of {g.name} unreadable ({type(exc).__name__}: "
                                f"{safe_text(exc, 60)})", kind) from None
        except ValueError as exc:
            raise damaged(path, f"layer {n} of {g.name}: {safe_text(exc, 120)}", kind) from None
    try:
        first = _act.Activation.from_dict(acts[0], custom)
        order = cfg.get("input_order", "channels_last")
        net = Network.from_ops(input_shape or [widths[0]], ops, first, places[0], mitigation,
                               order if isinstance(order, str) else repr(order))
    except ValueError as exc:
        raise damaged(path, f"{g.name}: {safe_text(exc, 120)}", kind) from None
    if list(net.widths) != widths:
        raise damaged(path, f"{g.name}: its layers give widths {list(net.widths)}, its config "
                            f"{widths}", kind)
    return net


use_file_format(sys.modules[__name__])
