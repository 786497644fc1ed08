"""Fully connected feed-forward networks (paper Eqs. 1–2).

Layer 0 is the input layer (paper layer 1): its state is the input u^t and it
has no weights.  Layer n ≥ 1 computes x̃_n = W^n y_{n−1} + b_n and
x_n = f_n(x̃_n), where ``weights[n]`` has shape (I_n, I_{n−1}).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Sequence

import numpy as np

from . import activations as _act
from .kernels.activations import CUSTOM_BASE
from .resources import check_allocation

__all__ = ["Network", "symmetric", "random_dense", "check_real"]


#: Weights (biases) of a layer that differ by less than this times the largest
#: |weight| (|bias|) count as equal (:attr:`Network.is_symmetric`; the same
#: tolerance as the ``density`` method's check).
_EQUAL_RTOL = 1e-12


def check_real(name: str, value) -> None:
    """Refuse complex values (casting them to float64 would drop the imaginary part)."""
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if kind is None and isinstance(value, (list, tuple)):
        kind = np.asarray(value).dtype.kind if _has_complex(value) else None
    if kind == "c" or isinstance(value, (complex, np.complexfloating)):
        dtype = getattr(value, "dtype", None)
        dtype = np.asarray(value).dtype if dtype is None else dtype
        raise TypeError(f"{name} must be real, got {dtype}")


def _has_complex(seq) -> bool:
    for v in seq:
        if isinstance(v, (complex, np.complexfloating)):
            return True
        if getattr(getattr(v, "dtype", None), "kind", None) == "c":
            return True
        if isinstance(v, (list, tuple)) and _has_complex(v):
            return True
    return False


def _check_finite(name: str, a: np.ndarray) -> None:
    if not np.all(np.isfinite(a)):
        bad = np.argwhere(~np.isfinite(a))[0]
        raise ValueError(f"{name} contains {a[tuple(bad)]} at index {tuple(int(i) for i in bad)}; "
                         "all weights and biases must be finite")


@dataclass(frozen=True, eq=False)
class Network:
    """A feed-forward network: widths, weights, biases and activations.

    Use :meth:`from_layers` or :func:`symmetric` to build one.

    Attributes
    ----------
    weights : tuple
        ``weights[0]`` is None; ``weights[n]`` is (I_n, I_{n−1}) float64.
    biases : tuple
        ``biases[0]`` is None; ``biases[n]`` is (I_n,) float64.
    activations : tuple of Activation
        One per layer, the input layer's first (linear by default).
    input_width : int or None
        I_1, recorded by :meth:`from_layers` (needed for a network of only
        the input layer, whose width no weight matrix gives).
    """

    weights: tuple
    biases: tuple
    activations: tuple
    input_width: int | None = field(default=None, repr=False)

    @classmethod
    def from_layers(cls, weights: Sequence, biases: Sequence | None = None,
                    activations: Sequence | None = None, input_width: int | None = None,
                    input_activation="linear") -> "Network":
        """Build a network from per-layer arrays.

        Parameters
        ----------
        weights : sequence of array_like
            ``weights[n]`` of shape (I_n, I_{n−1}) for each layer after the
            input layer; a leading ``None`` for the input layer is accepted.
        biases : sequence of array_like, optional
            Same layout, shape (I_n,); zeros when omitted (a leading None is
            accepted).
        activations : sequence, optional
            One per non-input layer, or one per layer including the input
            layer.  Names, :class:`~fastnoise.activations.Activation` objects or
            ``numba.njit`` functions.  Default: linear.
        input_width : int, optional
            Only needed for a network without weight layers (then it has
            one layer, the input layer: ``widths == (input_width,)``); when
            given with weights it must match their second dimension.
        input_activation : optional
            Activation of the input layer when ``activations`` has one entry
            per non-input layer (default linear, as in the paper).
        """
        ws = list(weights)
        if ws and ws[0] is None:
            ws = ws[1:]
        mats = []
        for n, w in enumerate(ws, start=1):
            check_real(f"weights[{n}]", w)
            a = np.array(w, dtype=np.float64, copy=True)
            if a.ndim != 2:
                raise ValueError(f"weights[{n}] must be a 2-D array (I_{n}, I_{n - 1}), got shape {a.shape}")
            _check_finite(f"weights[{n}]", a)
            mats.append(a)
        if not mats and input_width is None:
            raise ValueError("a network needs at least one weight matrix or an input_width")
        if input_width is not None:
            if isinstance(input_width, bool) or not isinstance(input_width, (int, np.integer)) \
                    or input_width < 1:
                raise ValueError(f"input_width must be an integer ≥ 1, got {input_width!r}")
            if mats and mats[0].shape[1] != input_width:
                raise ValueError(f"input_width is {input_width} but weights[1] has shape "
                                 f"{mats[0].shape}, i.e. {mats[0].shape[1]} inputs")
        widths = [mats[0].shape[1] if mats else int(input_width)] + [m.shape[0] for m in mats]
        for n, m in enumerate(mats, start=1):
            if m.shape[1] != widths[n - 1]:
                raise ValueError(
                    f"weights[{n}] has shape {m.shape} but layer {n - 1} has {widths[n - 1]} neurons; "
                    f"expected ({widths[n]}, {widths[n - 1]})")
        if biases is None:
            bs = [np.zeros(w) for w in widths[1:]]
        else:
            bs = list(biases)
            if len(bs) == len(mats) + 1 and bs[0] is None:
                bs = bs[1:]
            if len(bs) != len(mats):
                raise ValueError(f"got {len(bs)} bias vectors for {len(mats)} weight layers")
            for n, b in enumerate(bs, start=1):
                check_real(f"biases[{n}]", b)
            bs = [np.zeros(widths[n]) if b is None else np.array(b, dtype=np.float64, copy=True).reshape(-1)
                  for n, b in enumerate(bs, start=1)]
            for n, b in enumerate(bs, start=1):
                if b.shape != (widths[n],):
                    raise ValueError(f"biases[{n}] has {b.size} entries but layer {n} has {widths[n]} neurons")
                _check_finite(f"biases[{n}]", b)
        if activations is None:
            acts = [_act.get(input_activation)] + [_act.linear() for _ in mats]
        else:
            acts = list(activations)
            if len(acts) == len(mats):
                acts = [input_activation] + acts
            if len(acts) != len(mats) + 1:
                raise ValueError(f"got {len(activations)} activations for {len(mats) + 1} layers; "
                                 f"give {len(mats)} (input layer linear) or {len(mats) + 1}")
            acts = [_act.get(a) for a in acts]
        for a in (*mats, *bs):  # immutable: packed arrays and digest() stay in step
            a.setflags(write=False)
        return cls((None, *mats), (None, *bs), tuple(acts), widths[0])

    # -- shape ---------------------------------------------------------------
    @cached_property
    def widths(self) -> tuple[int, ...]:
        """Neurons per layer, input layer first."""
        if len(self.weights) > 1:
            first = self.weights[1].shape[1]
        elif self.input_width is not None:
            first = int(self.input_width)
        else:
            raise ValueError("network without weight layers has no recorded input width")
        return (first,) + tuple(w.shape[0] for w in self.weights[1:])

    @cached_property
    def is_symmetric(self) -> bool:
        """Whether all neurons of every layer after the input layer share one state.

        True when in every layer n ≥ 1 all rows of ``weights[n]`` are equal
        and ``biases[n]`` is constant (each to within 1e-12 of its largest
        magnitude), as in :func:`symmetric` (W^n_ij = 1/I_{n−1}, b = 0,
        paper Sec. III).  Such networks are what the ``density`` prediction
        method takes, and what ``fn.predict``'s default ``method="auto"``
        predicts with it.  A network of only the input layer is symmetric.
        """
        for W, b in zip(self.weights[1:], self.biases[1:]):
            scale = float(np.max(np.abs(W))) if W.size else 0.0
            if np.any(np.abs(W - W[0]) > _EQUAL_RTOL * scale):
                return False
            bscale = float(np.max(np.abs(b))) if b.size else 0.0
            if np.any(np.abs(b - b[0]) > _EQUAL_RTOL * bscale):
                return False
        return True

    @property
    def n_layers(self) -> int:
        return len(self.activations)

    def __repr__(self) -> str:
        acts = ", ".join(f"{a.name}" + (f"({a.param:g})" if not a.is_custom and _act.param_name(a.name) else "")
                         for a in self.activations)
        return f"Network(widths={list(self.widths)}, activations=[{acts}])"

    # -- kernel packing ------------------------------------------------------
    @cached_property
    def packed(self) -> dict:
        """Flat, C-contiguous arrays in the layout the kernels expect."""
        widths = np.array(self.widths, dtype=np.int64)
        L = len(widths)
        w_off = np.zeros(L, np.int64)
        b_off = np.zeros(L, np.int64)
        wt_parts, b_parts = [], []
        pos = bpos = 0
        for n in range(1, L):
            w_off[n] = pos
            b_off[n] = bpos
            wt_parts.append(np.ascontiguousarray(self.weights[n].T).ravel())
            b_parts.append(self.biases[n])
            pos += self.weights[n].size
            bpos += widths[n]
        customs = []
        codes = np.zeros(L, np.int64)
        params = np.zeros(L, np.float64)
        for n, a in enumerate(self.activations):
            if a.is_custom:
                if a.function not in customs:
                    customs.append(a.function)
                codes[n] = CUSTOM_BASE + customs.index(a.function)
            else:
                codes[n] = a.code
            params[n] = a.param
        out_off = np.concatenate([[0], np.cumsum(widths)[:-1]]).astype(np.int64)
        w_flat = np.concatenate(wt_parts) if wt_parts else np.zeros(0)
        b_flat = np.concatenate(b_parts) if b_parts else np.zeros(0)
        return dict(
            widths=widths, w_off=w_off, b_off=b_off, w_flat=w_flat,
            w_flat32=w_flat.astype(np.float32), b_flat=b_flat,
            b_flat32=b_flat.astype(np.float32),
            act_code=codes, act_param=params, out_off=out_off,
            total=int(widths.sum()), customs=tuple(customs))

    def digest(self) -> str:
        """SHA-256 of the widths, weights, biases and activations."""
        import hashlib

        h = hashlib.sha256(json.dumps(self.to_config(), sort_keys=True).encode())
        for n in range(1, self.n_layers):
            h.update(np.ascontiguousarray(self.weights[n]).tobytes())
            h.update(np.ascontiguousarray(self.biases[n]).tobytes())
        return h.hexdigest()

    # -- serialisation -------------------------------------------------------
    def to_config(self) -> dict:
        """JSON-able description without the weights (widths, activations)."""
        return {"widths": list(self.widths), "activations": [a.to_dict() for a in self.activations]}

    def save(self, path, group: str = "network", overwrite: bool = False,
             attrs: dict | None = None) -> None:
        """Write the network to an HDF5 file (``<group>/W{n}``, ``<group>/b{n}``).

        Refuses to touch an existing file unless ``overwrite=True``.  The file
        is written under a temporary name and renamed into place when
        complete, so ``path`` never holds a half-written network (an
        overwritten file stays as it was until then), while holding the write
        lock of :mod:`fastnoise.io.lock` (a second writer is refused).
        ``attrs`` are extra attributes of the file's root (strings or numbers).
        """
        import os
        import secrets

        import h5py

        from .io.lock import write_lock

        path = os.fspath(path)
        with write_lock(path):
            if os.path.exists(path) and not overwrite:
                raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
            tmp = f"{path}.{os.getpid()}-{secrets.token_hex(4)}.partial"
            try:
                with h5py.File(tmp, "w") as f:
                    self.write_group(f.create_group(group))
                    for k, v in (attrs or {}).items():
                        f.attrs[k] = v
                os.replace(tmp, path)
            except BaseException:
                if os.path.exists(tmp):
                    os.remove(tmp)
                raise

    def write_group(self, g) -> None:
        """Store the network into an open h5py group."""
        g.attrs["fastnoise_object"] = "network"
        g.attrs["config"] = json.dumps(self.to_config())
        for n in range(1, self.n_layers):
            g.create_dataset(f"W{n}", data=self.weights[n])
            g.create_dataset(f"b{n}", data=self.biases[n])

    @classmethod
    def load(cls, path, group: str = "network", custom: dict | None = None) -> "Network":
        """Read a network written by :meth:`save` (or found in a store)."""
        import h5py

        from .io.errors import open_h5_readonly, reading

        with open_h5_readonly(path, kind="network file") as f:
            with reading(path, kind="network file", where="/"):
                found = group in f
            if not found:
                raise ValueError(f"{path} has no group {group!r}; it is not a fastnoise network file")
            return cls.read_group(f[group], custom=custom)

    @classmethod
    def read_group(cls, g, custom: dict | None = None) -> "Network":
        """Read a network stored by :meth:`write_group`.

        A damaged group raises :class:`~fastnoise.io.errors.StoreError` (a
        ``ValueError``), one line naming the file and what is wrong.
        """
        import h5py

        from .io.errors import damaged, reading, safe_text

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
        except (TypeError, ValueError, KeyError) as exc:
            raise damaged(path, f"attribute 'config' of {g.name} is not a network description "
                                f"({type(exc).__name__}: {safe_text(exc, 80)})", kind) from None
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
            return cls.from_layers(ws, bs, acts, input_width=widths[0])
        except ValueError as exc:  # e.g. non-finite weights: never saved, so a damaged file
            raise damaged(path, f"{g.name}: {safe_text(exc, 120)}", kind) from None


def _check_weight_memory(widths: list) -> None:
    """Refuse widths whose weight matrices cannot fit in memory, before allocating them."""
    n = sum(a * b for a, b in zip(widths[1:], widths[:-1]))
    # the matrices, their float64 copy in from_layers and the packed (transposed) float64
    # and float32 copies of :attr:`Network.packed`
    check_allocation(n * 8 * 3 + n * 4, f"the weights of widths {widths} ({n:.3g} values, "
                     "in 3 float64 copies and 1 float32 while built and packed)", "the layer widths")


def symmetric(widths: Sequence[int], alpha: float = 4.0, activation=None,
              input_activation="linear", output_activation="linear") -> Network:
    """The paper's symmetric network: W^n_ij = 1/I_{n−1}, b = 0 (Sec. III).

    Parameters
    ----------
    widths : sequence of int
        Neurons per layer, input layer first, e.g. ``[1, 200, 200, 1]``.
    alpha : float
        Slope of the shifted sigmoid in the hidden layers.
    activation : optional
        Hidden-layer activation instead of the shifted sigmoid.
    input_activation, output_activation : optional
        Default linear, as in the paper.
    """
    widths = [int(w) for w in widths]
    if len(widths) < 2 or min(widths) < 1:
        raise ValueError(f"widths must list at least two layers of ≥ 1 neuron, got {widths}")
    _check_weight_memory(widths)
    hidden = _act.shifted_sigmoid(alpha) if activation is None else _act.get(activation)
    acts = [input_activation] + [hidden] * (len(widths) - 2) + [output_activation]
    ws = [np.full((widths[n], widths[n - 1]), 1.0 / widths[n - 1]) for n in range(1, len(widths))]
    return Network.from_layers(ws, None, acts)


def random_dense(widths: Sequence[int], activation="logistic", seed: int = 0,
                 weight_scale: float | None = None, bias_scale: float = 0.1,
                 output_activation=None) -> Network:
    """A dense network with Gaussian weights N(0, scale²/I_{n−1}) and biases.

    Handy for tests and benchmarks of trained-like networks.
    """
    _check_weight_memory([int(w) for w in widths])
    rng = np.random.default_rng(seed)
    ws, bs = [], []
    for n in range(1, len(widths)):
        scale = 1.0 if weight_scale is None else weight_scale
        ws.append(rng.normal(0.0, scale / np.sqrt(widths[n - 1]), (widths[n], widths[n - 1])))
        bs.append(rng.normal(0.0, bias_scale, widths[n]))
    acts = [activation] * (len(widths) - 1)
    if output_activation is not None:
        acts[-1] = output_activation
    return Network.from_layers(ws, bs, acts)
