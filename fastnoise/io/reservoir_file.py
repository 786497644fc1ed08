"""Reservoir files: a :class:`~fastnoise.network.reservoir.Reservoir` in an HDF5 group.

Layout of a group::

    <group>.attrs["fastnoise_object"] = "reservoir"
    <group>.attrs["config"]           = JSON: leak, activation, readout_activation
                                        (Activation.to_dict), noise_at
    <group>/w_in, <group>/w_out, <group>/bias, <group>/b_out
    <group>/w_data, <group>/w_indices, <group>/w_indptr    W in CSR form (N × N)

Written through :func:`.network_file.save_group`, like network files: never over
an existing file without ``overwrite=True``, under a temporary name renamed into
place when complete, holding the write lock.  User-defined activations are not
stored.
"""

from __future__ import annotations

import json
import os

from scipy import sparse

from .. import activations as _act
from ..network.reservoir import Reservoir
from . import network_file
from .errors import open_h5_readonly

__all__ = ["save", "load", "read_attrs", "write_group", "read_group", "is_reservoir_group",
           "is_reservoir_object"]


def save(esn: Reservoir, path, group: str = "reservoir", overwrite: bool = False,
         attrs: dict | None = None) -> None:
    """Write ``esn`` to an HDF5 file (module docstring); ``attrs`` go to the file's root."""
    network_file.save_group(path, group, lambda g: write_group(g, esn), overwrite, attrs)


def load(path, group: str = "reservoir") -> Reservoir:
    """Read a reservoir written by :func:`save`."""
    path = os.fspath(path)
    with open_h5_readonly(path, "reservoir file") as f:
        if group not in f or not is_reservoir_group(f[group]):
            raise ValueError(f"{path} holds no fastnoise reservoir in group {group!r}")
        return read_group(f[group])


def is_reservoir_object(obj) -> bool:
    """Whether ``obj`` is a :class:`~fastnoise.network.reservoir.Reservoir`."""
    return isinstance(obj, Reservoir)


def is_reservoir_group(g) -> bool:
    """Whether the HDF5 group ``g`` holds a reservoir (:func:`write_group`)."""
    tag = g.attrs.get("fastnoise_object")
    return (tag.decode() if isinstance(tag, bytes) else tag) == "reservoir"


def write_group(g, esn: Reservoir) -> None:
    """Write ``esn`` into the HDF5 group ``g`` (module docstring)."""
    for name in ("activation", "readout_activation"):
        if getattr(esn, name).is_custom:
            raise ValueError(f"{name} {getattr(esn, name).name!r} is user-defined and cannot be "
                             "stored; use a built-in activation")
    g.attrs["fastnoise_object"] = "reservoir"
    g.attrs["config"] = json.dumps({
        "leak": esn.leak, "activation": esn.activation.to_dict(),
        "readout_activation": esn.readout_activation.to_dict(), "noise_at": list(esn.noise_at)})
    csr = esn.w_csr
    for name, a in (("w_in", esn.w_in), ("w_out", esn.w_out), ("bias", esn.bias), ("b_out", esn.b_out),
                    ("w_data", csr.data), ("w_indices", csr.indices), ("w_indptr", csr.indptr)):
        g.create_dataset(name, data=a)


def read_group(g) -> Reservoir:
    """The reservoir of an HDF5 group written by :func:`write_group`."""
    cfg = json.loads(g.attrs["config"])
    n = g["w_in"].shape[0]
    w = sparse.csr_matrix((g["w_data"][()], g["w_indices"][()], g["w_indptr"][()]), shape=(n, n))
    return Reservoir(g["w_in"][()], w, g["w_out"][()], g["bias"][()], g["b_out"][()],
                     float(cfg["leak"]), _act.Activation.from_dict(cfg["activation"]),
                     _act.Activation.from_dict(cfg["readout_activation"]), tuple(cfg["noise_at"]))


def read_attrs(path) -> dict:
    """The root attributes of a reservoir file (e.g. its training report)."""
    with open_h5_readonly(os.fspath(path), "reservoir file") as f:
        return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
