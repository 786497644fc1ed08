"""Networks as NumPy ``.npz`` archives.

Layout (read by :func:`from_npz`, written by :func:`to_npz`)
------------------------------------------------------------
``W1, W2, ..., WL``
    Weight matrices of the L layers after the input layer, each of shape
    (I_n, I_{n−1}): fastnoise's and PyTorch's (out, in) layout, *not*
    Keras' (in, out).
``b1, ..., bL``
    Optional biases of shape (I_n,); a missing one is zero.
``weights_0, ..., weights_{L-1}`` and ``biases_0, ..., biases_{L-1}``
    The same, numbered from 0; use one naming scheme per file.  Zero-based
    ``W0, b0`` and Keras-style (in, out) matrices are refused with a message
    that names the renaming or the transpose to do.
``activations``
    Optional 1-D string array with L entries (input layer linear) or L + 1
    (input layer first).  Each entry is a fastnoise activation name,
    optionally with its parameter after a colon: ``"logistic"``,
    ``"tanh"``, ``"relu"``, ``"linear"``, ``"cubic"``,
    ``"shifted_sigmoid:4"`` (slope α), ``"logistic:2"`` (gain).  The bare
    name ``"sigmoid"`` is refused as ambiguous (logistic or the paper's
    shifted sigmoid?).  When absent, pass ``activations=`` to
    :func:`from_npz`.

No other arrays are allowed, so that a file in another layout is reported
rather than misread.  Files are read with ``allow_pickle=False``.
"""

from __future__ import annotations

import os
import re
import zipfile

import numpy as np

from ._common import ModelFileError, one_line, resolve_activation, sniff

__all__ = ["from_npz", "to_npz"]

_SCHEMES = ((re.compile(r"^W(\d+)$"), re.compile(r"^b(\d+)$"), 1, "W1, b1, W2, b2, ..."),
            (re.compile(r"^weights_(\d+)$"), re.compile(r"^biases_(\d+)$"), 0,
             "weights_0, biases_0, weights_1, ..."))


def _parse_activation(entry: str, where: str):
    name, sep, param = entry.strip().partition(":")
    if not sep:
        return resolve_activation(name, where)
    try:
        value = float(param)
    except ValueError:
        raise ModelFileError(f"activation {entry!r} for {where} has parameter {param!r}, not a number; "
                             "write e.g. 'shifted_sigmoid:4'") from None
    act = resolve_activation(name, where)
    from .. import activations as _act

    return _act.get(act.name, value)


def from_npz(path, activations=None):
    """Read a network from a ``.npz`` archive (layout in the module docstring).

    Parameters
    ----------
    path : str or path-like
    activations : sequence, optional
        Overrides the file's ``activations`` array; required when the file has
        none.  L or L + 1 entries: names (``"name:param"`` allowed) or
        :class:`~fastnoise.activations.Activation` objects.

    Returns
    -------
    Network

    Raises
    ------
    ModelFileError
        For a file that is not an ``.npz`` archive, unknown or missing arrays,
        shapes that do not chain, or missing activations.
    """
    path = os.fspath(path)
    kind = sniff(path)
    if kind != "npz":
        what = {"hdf5": "an HDF5 file", "keras": "a Keras .keras archive",
                "torch": "a PyTorch file"}.get(kind, kind.partition(":")[2])
        raise ModelFileError(f"{path} is {what}, not a NumPy .npz archive")
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except ValueError as exc:
        raise ModelFileError(f"{path} holds pickled objects ({one_line(exc)}); store plain numeric and "
                             "string arrays (np.savez with numbers and str)") from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ModelFileError(f"{path} is a damaged or truncated .npz archive ({one_line(exc)}); "
                             "write it again") from None
    return _network_from_arrays(arrays, path, activations)


def _network_from_arrays(arrays: dict, path: str, activations):
    from ..network import Network

    file_acts = arrays.pop("activations", None)
    found = None
    for wre, bre, base, shown in _SCHEMES:
        w = {int(m.group(1)): k for k in arrays if (m := wre.match(k))}
        b = {int(m.group(1)): k for k in arrays if (m := bre.match(k))}
        if w or b:
            if found is not None:
                raise ModelFileError(f"{path} mixes the naming schemes {found[3]!r} and {shown!r}; "
                                     "use one per file")
            found = (w, b, base, shown)
    if found is None or not found[0]:
        raise ModelFileError(f"{path} holds no weight arrays (W1, W2, ... or weights_0, weights_1, ...); "
                             f"found {', '.join(sorted(arrays)) or 'nothing'}; rename them W1, b1, W2, b2, ... ((out, in) "
                             "matrices, W1 the first layer after the input layer)")
    w, b, base, shown = found
    used = set(w.values()) | set(b.values())
    extra = sorted(k for k in arrays if k not in used)
    if extra:
        raise ModelFileError(f"{path} has unexpected arrays {', '.join(map(repr, extra))}; a fastnoise .npz "
                             f"holds only {shown} and 'activations'")
    L = len(w)
    expected = list(range(base, base + L))
    found_names = ", ".join(sorted(used, key=lambda k: (re.sub(r"\d+$", "", k), int(re.sub(r"^\D+", "", k)))))
    if base == 1 and 0 in w:
        renamed = ", ".join(f"{k}→{k[0]}{int(k[1:]) + 1}" for k in
                            sorted(used, key=lambda k: (k[0], int(k[1:]))))
        raise ModelFileError(
            f"{path} has {found_names}: W/b names are one-based (W1 is the first layer after the input "
            f"layer, so W0 is not a layer name); rename {renamed}, or name them weights_0, biases_0, ...")
    if sorted(w) != expected:
        missing = sorted(set(range(base, max(w) + 1)) - set(w))
        raise ModelFileError(
            f"{path} has {found_names} but lacks weight array(s) "
            f"{', '.join(_w_name(base, i) for i in missing)}; expected {_w_name(base, base)}, ..., "
            f"{_w_name(base, base + L - 1)} numbered without gaps from {base}; renumber them")
    _check_layout([arrays[w[i]] for i in expected], [arrays.get(b[i]) if i in b else None for i in expected],
                  [w[i] for i in expected], path)
    stray = sorted(set(b) - set(w))
    if stray:
        raise ModelFileError(f"{path} has bias {b[stray[0]]!r} without weight {_w_name(base, stray[0])!r}")
    ws, bs = [], []
    for i in expected:
        a = arrays[w[i]]
        if not np.issubdtype(a.dtype, np.number) or a.ndim != 2:
            raise ModelFileError(f"{w[i]!r} in {path} has shape {a.shape} and dtype {a.dtype}; expected a "
                                 "2-D numeric (out, in) matrix")
        if ws and a.shape[1] != ws[-1].shape[0]:
            prev = w[i - 1]
            raise ModelFileError(
                f"{w[i]!r} in {path} has shape {a.shape} but {prev!r} has shape {ws[-1].shape}; expected "
                f"({a.shape[0]}, {ws[-1].shape[0]}) (weights are (out, in); transpose Keras (in, out) kernels)")
        bias = arrays.get(b.get(i)) if i in b else None
        if bias is not None and (not np.issubdtype(bias.dtype, np.number) or bias.shape != (a.shape[0],)):
            raise ModelFileError(f"{b[i]!r} in {path} has shape {bias.shape}; expected ({a.shape[0]},) to match "
                                 f"{w[i]!r} of shape {a.shape}")
        for name, arr in ((w[i], a), (b.get(i), bias)):
            if arr is not None and np.iscomplexobj(arr):  # a cast would drop the imaginary part
                raise ModelFileError(f"{name!r} in {path} must be real, got {arr.dtype}")
        ws.append(a.astype(np.float64))
        bs.append(np.zeros(a.shape[0]) if bias is None else bias.astype(np.float64))
    if activations is None:
        if file_acts is None:
            raise ModelFileError(f"{path} has no 'activations' array; pass activations=[...] with {L} "
                                 f"names, one per weight layer (e.g. 'logistic', 'tanh', 'relu', 'linear')")
        if file_acts.ndim != 1 or file_acts.dtype.kind not in "US":
            raise ModelFileError(f"'activations' in {path} has dtype {file_acts.dtype} and shape "
                                 f"{file_acts.shape}; expected a 1-D string array")
        activations = [x.decode() if isinstance(x, bytes) else str(x) for x in file_acts.tolist()]
    acts = list(activations)
    if len(acts) not in (L, L + 1):
        raise ModelFileError(f"{path}: got {len(acts)} activations for {L} weight layers; give {L} (input "
                             f"layer linear) or {L + 1} (input layer first)")
    names = (["input layer"] if len(acts) == L + 1 else []) + [f"layer {_w_name(base, i)}" for i in expected]
    parsed = [_parse_activation(a, f"{nm} of {path}") if isinstance(a, str) else
              resolve_activation(a, f"{nm} of {path}") for a, nm in zip(acts, names)]
    return Network.from_layers(ws, bs, parsed)


def _check_layout(ws, bs, names, path: str) -> None:
    """Name the transpose when the matrices are stored (in, out), as Keras kernels are."""
    if any(not np.issubdtype(a.dtype, np.number) or a.ndim != 2 for a in ws):
        return                                 # reported layer by layer afterwards

    def fits(mats):
        chain = all(mats[i].shape[1] == mats[i - 1].shape[0] for i in range(1, len(mats)))
        return chain and all(b is None or b.shape == (m.shape[0],) for m, b in zip(mats, bs))

    if fits(ws) or not fits([a.T for a in ws]):
        return
    shapes = ", ".join(f"{n} {tuple(a.shape)}" for n, a in zip(names, ws))
    first = ws[0].shape
    raise ModelFileError(
        f"{path} has {shapes}: that is the (in, out) layout of Keras kernels (e.g. {names[0]} {first} = "
        f"({first[0]} in, {first[1]} out)), but a fastnoise .npz holds (out, in) matrices "
        f"({names[0]} {first[::-1]}); transpose every weight matrix (W.T) and save again")


def _w_name(base: int, i: int) -> str:
    return f"W{i}" if base == 1 else f"weights_{i}"


def to_npz(net, path, overwrite: bool = False) -> None:
    """Write a network as a ``.npz`` archive (``W1``, ``b1``, ..., ``activations``).

    Parameters
    ----------
    net : Network
    path : str or path-like
        Written exactly as given (no ``.npz`` is appended).
    overwrite : bool
        Replace an existing file; refused otherwise.

    Raises
    ------
    FileExistsError
        When ``path`` exists and ``overwrite`` is false.
    ModelFileError
        When the network has a user-defined (njit) activation, which an
        ``.npz`` cannot hold; use :meth:`Network.save` for those.
    """
    path = os.fspath(path)
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    acts = []
    for n, a in enumerate(net.activations):
        if a.is_custom:
            raise ModelFileError(f"layer {n} uses the user-defined activation {a.name!r}, which an .npz "
                                 "cannot hold; save the network with Network.save(path) instead")
        acts.append(a.name if a.name == "cubic" else f"{a.name}:{a.param!r}")
    arrays = {}
    for n in range(1, net.n_layers):
        arrays[f"W{n}"] = np.asarray(net.weights[n])
        arrays[f"b{n}"] = np.asarray(net.biases[n])
    arrays["activations"] = np.array(acts, dtype=str)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
