"""Feed-forward networks: an input shape plus an ordered tuple of operations (paper Eqs. 1–2).

Layer 0 is the input layer (paper layer 1): its state is the input u^t and it
has no weights.  Layer n ≥ 1 is ``ops[n - 1]``; for a :class:`~.dense.Dense`
operation it computes x̃_n = W^n y_{n−1} + b_n and x_n = f_n(x̃_n), where
``weights[n]`` has shape (I_n, I_{n−1}).

The file form (HDF5) is written and read by :mod:`fastnoise.io.network_file`,
which sits above this package; :meth:`Network.save` and friends reach it
through :func:`use_file_format` (see ``docs/architecture.md``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

import numpy as np

from .. import activations as _act
from ..kernels import program as prog
from ..kernels.activations import CUSTOM_BASE
from ..resources import check_allocation
from .base import Operation, shape_size
from .checks import check_finite, check_noise_place, check_real, noise_places
from .dense import Dense

__all__ = ["Network", "symmetric", "random_dense", "use_file_format"]


#: Weights (biases) of a layer that differ by less than this times the largest
#: |weight| (|bias|) count as equal (:attr:`Network.is_symmetric`; the same
#: tolerance as the ``density`` method's check).
EQUAL_RTOL = 1e-12

#: The module that writes and reads network files (set by
#: :mod:`fastnoise.io.network_file` when it is imported, which ``import
#: fastnoise`` does); it provides ``save``, ``load``, ``write_group`` and
#: ``read_group``.
_file_format = None


def use_file_format(module) -> None:
    """Route :meth:`Network.save`, :meth:`~Network.load`, :meth:`~Network.write_group` and
    :meth:`~Network.read_group` to ``module`` (dependency inversion: the network
    package sits below ``fastnoise.io`` and never imports it)."""
    global _file_format
    for name in ("save", "load", "write_group", "read_group"):
        if not callable(getattr(module, name, None)):
            raise TypeError(f"a network file format needs a function {name}(), "
                            f"{getattr(module, '__name__', module)!r} has none")
    _file_format = module


def _files():
    if _file_format is None:  # only when fastnoise.network is loaded without fastnoise/__init__
        raise RuntimeError("network files need fastnoise.io.network_file; import fastnoise first")
    return _file_format


@dataclass(frozen=True, eq=False)
class Network:
    """A feed-forward network: an input shape and an ordered tuple of operations.

    Use :meth:`from_layers`, :meth:`from_ops`, :func:`symmetric` or
    :func:`random_dense` to build one.

    Attributes
    ----------
    input_shape : tuple of int
        Shape of one input (``(I_1,)``).
    ops : tuple of Operation
        Layers 1 .. N−1 (paper layers 2 .. N).
    input_activation : Activation
        Activation of the input layer (linear by default, as in the paper).
    input_noise_at : str
        Where the input layer's noise is applied.
    mitigation : tuple of dict
        The noise-mitigation transforms that made this network from a plain
        one, in order (``fastnoise.mitigation``: e.g. ``{"kind": "pool",
        "layers": [1], "copies": 4}``); empty for a plain network.
    input_order : {"channels_last", "channels_first"}
        The memory order of a flattened input image of shape ``input_shape``
        = (H, W, C): ``"channels_last"`` (H, W, C, Keras') or
        ``"channels_first"`` (C, H, W, a PyTorch or ONNX model's own).  The
        network's maps are channels-last either way; inputs given flattened are
        read in this order (and shaped ones as (T, H, W, C), or (T, C, H, W)
        for a channels-first network).

    Derived (the layout the kernels and the analytic code read): ``widths``,
    ``weights`` (``weights[0]`` is None; ``weights[n]`` is (I_n, I_{n−1})
    float64), ``biases`` (same layout), ``activations`` (one per layer, the
    input layer's first), ``noise_at`` (one per layer), ``input_width``,
    ``n_layers``, ``packed``.
    """

    input_shape: tuple
    ops: tuple
    input_activation: object = None
    input_noise_at: str = "output"
    mitigation: tuple = ()
    input_order: str = "channels_last"

    def __post_init__(self):
        shape = tuple(int(s) for s in np.atleast_1d(self.input_shape))
        if not shape or min(shape) < 1:
            raise ValueError(f"input_shape must list sizes ≥ 1, got {self.input_shape!r}")
        object.__setattr__(self, "input_shape", shape)
        if self.input_order not in ("channels_last", "channels_first"):
            raise ValueError(f"input_order must be 'channels_last' or 'channels_first', "
                             f"got {self.input_order!r}")
        if self.input_order == "channels_first" and len(shape) != 3:
            raise ValueError(f"input_order='channels_first' needs an image input_shape (H, W, C), "
                             f"got {shape}")
        object.__setattr__(self, "ops", tuple(self.ops))
        object.__setattr__(self, "input_activation", _act.get(
            "linear" if self.input_activation is None else self.input_activation))
        check_noise_place("input_noise_at", self.input_noise_at)
        object.__setattr__(self, "mitigation", _mitigation_records(self.mitigation))
        for n, op in enumerate(self.ops, start=1):
            if not isinstance(op, Operation):
                raise TypeError(f"ops[{n - 1}] must be a fastnoise layer operation, got {type(op).__name__}")
            try:
                op.validate(shape)
            except ValueError as exc:
                raise ValueError(f"layer {n}: {exc}") from None
            shape = tuple(op.out_shape)
        for n, act in enumerate(self.activations):
            if not act.elementwise and n != len(self.ops):
                where = "the input layer" if n == 0 else f"layer {n} of 0..{len(self.ops)}"
                raise ValueError(f"{act.name} acts on a whole layer and is accepted as the output "
                                 f"layer's activation only, but {where} has it; use an elementwise "
                                 "activation there")

    @classmethod
    def from_ops(cls, input_shape, ops: Sequence[Operation], input_activation="linear",
                 input_noise_at: str = "output", mitigation=(),
                 input_order: str = "channels_last") -> "Network":
        """A network from an input shape and operations, checking that their shapes chain
        (``input_order`` as in the class docstring)."""
        return cls(input_shape, tuple(ops), input_activation, input_noise_at, mitigation,
                   input_order)

    @classmethod
    def from_layers(cls, weights: Sequence, biases: Sequence | None = None,
                    activations: Sequence | None = None, input_width: int | None = None,
                    input_activation="linear", noise_at="output", mitigation=(),
                    input_shape=None) -> "Network":
        """Build a network of :class:`~.dense.Dense` operations from per-layer arrays.

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
        noise_at : str or sequence of str
            ``"output"`` (Eq. 3 on y, the paper's model), ``"input"`` (Eq. 3
            on x̃ before the activation) or one of them per layer, input layer
            first.
        mitigation : sequence of dict, optional
            The transforms that made this network (see :attr:`mitigation`);
            :mod:`fastnoise.mitigation` sets it.
        input_shape : sequence of int, optional
            Shape of one input when it is not a vector, e.g. (28, 28, 1) for a
            channels-last image: its size must be I_1, the first dense layer reads
            it flattened in row-major order, and ``fn.forward``/``simulate``/
            ``predict`` accept inputs shaped (T, *input_shape) as well as
            flattened (T, I_1).
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
            check_finite(f"weights[{n}]", a)
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
                check_finite(f"biases[{n}]", b)
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
        places = noise_places(noise_at, len(mats) + 1)
        for a in (*mats, *bs):  # immutable: packed arrays and digest() stay in step
            a.setflags(write=False)
        ops = tuple(Dense(w, b, f, p) for w, b, f, p in zip(mats, bs, acts[1:], places[1:]))
        shape = (widths[0],)
        if input_shape is not None:
            shape = tuple(int(d) for d in np.atleast_1d(input_shape))
            if int(np.prod(shape, dtype=np.int64)) != widths[0]:
                raise ValueError(f"input_shape {shape} holds {int(np.prod(shape))} values but the input "
                                 f"layer has {widths[0]} neurons")
        return cls(shape, ops, acts[0], places[0], mitigation)

    # -- layers (the layout the kernels and the analytic code read) -------------
    @cached_property
    def weights(self) -> tuple:
        """``weights[0]`` is None; ``weights[n]`` is (I_n, I_{n−1}) float64 (read-only) for a
        dense layer, None for other operations (see :attr:`is_dense`)."""
        return (None, *(op.weights if isinstance(op, Dense) else None for op in self.ops))

    @cached_property
    def biases(self) -> tuple:
        """``biases[0]`` is None; ``biases[n]`` is (I_n,) float64 (read-only) for a dense
        layer, None for other operations."""
        return (None, *(op.bias if isinstance(op, Dense) else None for op in self.ops))

    @property
    def is_dense(self) -> bool:
        """Whether every layer after the input layer is a :class:`~.dense.Dense` operation."""
        return all(isinstance(op, Dense) for op in self.ops)

    def check_dense(self, what: str) -> None:
        """Refuse a network with convolution, pooling or flatten layers for ``what``, a
        method written for dense layers (one line naming the first such layer)."""
        for n, op in enumerate(self.ops, start=1):
            if not isinstance(op, Dense):
                raise ValueError(f"{what} takes dense layers only, but layer {n} is {op.kind}; "
                                 "simulate it (fn.simulate) or predict it with method='moments'")

    @cached_property
    def shapes(self) -> tuple[tuple[int, ...], ...]:
        """The shape of each layer's neurons, input layer first (a map is (H, W, C))."""
        return (self.input_shape, *(tuple(op.out_shape) for op in self.ops))

    @cached_property
    def noise_groups(self) -> tuple[int, ...]:
        """Groups with their own correlated noise per layer, input layer first (1: the
        whole layer; a ``Conv2D(correlated="channel")``: its channels)."""
        return (1, *(op.noise_groups for op in self.ops))

    @cached_property
    def quiet_layers(self) -> tuple[int, ...]:
        """Layers a single Noise for the whole network leaves noiseless (pooling, flatten)."""
        return tuple(n for n, op in enumerate(self.ops, start=1) if not op.noisy_by_default)

    @cached_property
    def activations(self) -> tuple:
        """One :class:`~fastnoise.activations.Activation` per layer, the input layer's first."""
        return (self.input_activation, *(op.activation for op in self.ops))

    @cached_property
    def noise_at(self) -> tuple[str, ...]:
        """Where each layer's noise is applied (``"output"`` or ``"input"``), input layer first."""
        return (self.input_noise_at, *(op.noise_at for op in self.ops))

    @property
    def has_input_noise(self) -> bool:
        """Whether some layer applies its noise before the activation (``noise_at="input"``)."""
        return "input" in self.noise_at

    def check_noise_placement(self, what: str) -> None:
        """Refuse ``noise_at="input"`` for ``what`` until the kernels and analytic rules support it."""
        if self.has_input_noise:
            layers = [n for n, p in enumerate(self.noise_at) if p == "input"]
            raise ValueError(  # a ValueError: the CLI reports it in one line, status 2
                f"{what} of noise_at='input' (layer{'s' if len(layers) > 1 else ''} "
                f"{', '.join(map(str, layers))}) is not implemented yet; use noise_at='output'")

    @property
    def elementwise(self) -> bool:
        """Whether every activation acts neuron by neuron (False with a ``softmax`` readout)."""
        return all(a.elementwise for a in self.activations)

    def check_elementwise(self, what: str) -> None:
        """Refuse a layer-wide activation (``softmax``) for ``what``, a method that
        treats neurons one at a time; ``moments`` handles it."""
        if not self.elementwise:
            raise ValueError(f"{what} treats neurons one at a time and cannot take the output "
                             f"layer's {self.activations[-1].name}; use method='moments' (or 'auto')")

    def with_noise_at(self, noise_at) -> "Network":
        """This network with the Eq. 3 noise placed as ``noise_at`` (``"output"``,
        ``"input"`` or one per layer, input layer first); weights and activations shared."""
        from dataclasses import replace

        places = noise_places(noise_at, self.n_layers)
        ops = tuple(op if op.noise_at == p else replace(op, noise_at=p)
                    for op, p in zip(self.ops, places[1:]))
        return type(self)(self.input_shape, ops, self.input_activation, places[0], self.mitigation,
                          self.input_order)

    def with_correlated(self, mode: str) -> "Network":
        """This network with every convolution's correlated noise shared by the whole layer
        (``"layer"``, the paper's model) or drawn per output channel (``"channel"``)."""
        from dataclasses import replace

        if mode not in ("layer", "channel"):
            raise ValueError(f"correlated must be 'layer' or 'channel', got {mode!r}")
        if self.is_dense:
            raise ValueError("correlated='channel' applies to convolution layers; this network has none")
        ops = tuple(replace(op, correlated=mode) if getattr(op, "correlated", mode) != mode else op
                    for op in self.ops)
        return type(self)(self.input_shape, ops, self.input_activation, self.input_noise_at,
                          self.mitigation, self.input_order)

    # -- shape ---------------------------------------------------------------
    @property
    def input_width(self) -> int:
        """I_1, the number of input neurons."""
        return shape_size(self.input_shape)

    @cached_property
    def widths(self) -> tuple[int, ...]:
        """Neurons per layer, input layer first."""
        return (self.input_width, *(op.out_size for op in self.ops))

    @cached_property
    def offsets(self) -> tuple[int, ...]:
        """First column of each layer in the (…, ΣI_n) arrays of all layers' neurons."""
        return tuple(int(o) for o in np.concatenate([[0], np.cumsum(self.widths)[:-1]]))

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
        if not self.is_dense:
            return False
        for W, b in zip(self.weights[1:], self.biases[1:]):
            scale = float(np.max(np.abs(W))) if W.size else 0.0
            if np.any(np.abs(W - W[0]) > EQUAL_RTOL * scale):
                return False
            bscale = float(np.max(np.abs(b))) if b.size else 0.0
            if np.any(np.abs(b - b[0]) > EQUAL_RTOL * bscale):
                return False
        return True

    @property
    def n_layers(self) -> int:
        return 1 + len(self.ops)

    def __repr__(self) -> str:
        acts = ", ".join(f"{a.name}" + (f"({a.param:g})" if not a.is_custom and _act.param_name(a.name) else "")
                         for a in self.activations)
        extra = f", noise_at={list(self.noise_at)}" if self.has_input_noise else ""
        return f"Network(widths={list(self.widths)}, activations=[{acts}]{extra})"

    # -- kernel packing ------------------------------------------------------
    @cached_property
    def packed(self) -> dict:
        """What the kernels read (:mod:`fastnoise.kernels.program`): the operation
        ``program``, ``act_param``, the flat weights and biases in float64 and
        float32, ``n_normals`` (normals per repetition, Σ(I_n + 2G_n), G_n the noise groups), ``total``
        (ΣI_n) and the user activation functions ``customs``."""
        widths = np.array(self.widths, dtype=np.int64)
        L = len(widths)
        w_off = np.zeros(L, np.int64)
        b_off = np.zeros(L, np.int64)
        wt_parts, b_parts = [], []
        pos = bpos = 0
        program = np.zeros((L, prog.N_FIELDS), np.int64)
        for n, op in enumerate(self.ops, start=1):
            part = op.pack()
            w_off[n] = pos
            wt_parts.append(np.asarray(part["wt"], np.float64))
            pos += part["wt"].size
            if part.get("b") is None:
                b_off[n] = -1
            else:
                b_off[n] = bpos
                b_parts.append(np.asarray(part["b"], np.float64))
                bpos += widths[n]
            for name, value in part.get("geometry", {}).items():
                program[n, prog.GEOMETRY[name]] = value
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
        w_flat = np.concatenate(wt_parts) if wt_parts else np.zeros(0)
        b_flat = np.concatenate(b_parts) if b_parts else np.zeros(0)
        program[:, prog.OP] = [prog.OP_INPUT] + [op.kernel_code for op in self.ops]
        program[:, prog.WIDTH] = widths
        program[1:, prog.IN_WIDTH] = widths[:-1]
        program[:, prog.W_OFF] = w_off
        program[:, prog.B_OFF] = b_off
        program[0, prog.B_OFF] = -1  # the input layer has no bias
        program[:, prog.ACT] = codes
        program[:, prog.NOISE_AT] = [prog.NOISE_INPUT if p == "input" else prog.NOISE_OUTPUT
                                     for p in self.noise_at]
        program[:, prog.OUT_OFF] = self.offsets
        slots = widths + 2 * np.array(self.noise_groups, np.int64)   # I_n + 2 G_n normals per layer
        program[:, prog.NS_OFF] = np.concatenate([[0], np.cumsum(slots)[:-1]])
        return dict(program=program, act_param=params, w_flat=w_flat,
                    w_flat32=w_flat.astype(np.float32), b_flat=b_flat,
                    b_flat32=b_flat.astype(np.float32), n_normals=int(np.sum(slots)),
                    total=int(widths.sum()), customs=tuple(customs))

    def digest(self) -> str:
        """SHA-256 of the widths, weights, biases and activations (and noise places)."""
        return self._sha256

    @cached_property
    def _sha256(self) -> str:  # the network is immutable: hashed once
        import hashlib

        h = hashlib.sha256(json.dumps(self.to_config(), sort_keys=True).encode())
        for op in self.ops:
            for array in op.params().values():
                h.update(np.ascontiguousarray(array, np.float64).reshape(-1).view(np.uint8))
        return h.hexdigest()

    # -- serialisation -------------------------------------------------------
    def to_config(self) -> dict:
        """JSON-able description without the weights (widths, activations).

        ``noise_at`` (one per layer) is included only when some layer has
        ``"input"``, ``mitigation`` only when the network was made by a
        mitigation transform, ``input_shape`` only when an input is not a
        vector, and ``layers`` (each operation's ``attrs()``) only when some
        layer is not dense, so that the configs, digests and files of other networks stay
        as they were.
        """
        cfg = {"widths": list(self.widths), "activations": [a.to_dict() for a in self.activations]}
        if not self.is_dense:  # each operation's description, as its file group is read back
            cfg["layers"] = [op.attrs() for op in self.ops]
        if len(self.input_shape) > 1:
            cfg["input_shape"] = list(self.input_shape)
        if self.input_order != "channels_last":
            cfg["input_order"] = self.input_order
        if self.has_input_noise:
            cfg["noise_at"] = list(self.noise_at)
        if self.mitigation:
            cfg["mitigation"] = [dict(r) for r in self.mitigation]
        return cfg

    def save(self, path, group: str = "network", overwrite: bool = False,
             attrs: dict | None = None) -> None:
        """Write the network to an HDF5 file (``<group>/W{n}``, ``<group>/b{n}``).

        Never replaces an existing file unless ``overwrite=True``, never leaves a
        half-written one, and refuses a second writer: see
        :func:`fastnoise.io.network_file.save`, which this calls.
        """
        _files().save(self, path, group=group, overwrite=overwrite, attrs=attrs)

    def write_group(self, g) -> None:
        """Store the network into an open h5py group (:func:`fastnoise.io.network_file.write_group`)."""
        _files().write_group(g, self)

    @classmethod
    def load(cls, path, group: str = "network", custom: dict | None = None) -> "Network":
        """Read a network written by :meth:`save` (or found in a store).

        Same as :func:`fastnoise.io.network_file.load`.
        """
        return _files().load(path, group=group, custom=custom)

    @classmethod
    def read_group(cls, g, custom: dict | None = None) -> "Network":
        """Read a network stored by :meth:`write_group` (:func:`fastnoise.io.network_file.read_group`).

        A damaged group raises :class:`~fastnoise.io.errors.StoreError` (a
        ``ValueError``), one line naming the file and what is wrong.
        """
        return _files().read_group(g, custom=custom)


def _mitigation_records(records) -> tuple:
    """The ``mitigation`` field checked and copied: a tuple of JSON-able dicts, each
    with a ``kind``."""
    try:
        out = tuple(json.loads(json.dumps(dict(r))) for r in records)
    except (TypeError, ValueError):
        raise ValueError(f"mitigation must be a sequence of JSON-able dicts, got {records!r}") from None
    for r in out:
        if not isinstance(r.get("kind"), str):
            raise ValueError(f"mitigation record {r!r} has no 'kind'")
    return out


def _check_weight_memory(widths: list) -> None:
    """Refuse widths whose weight matrices cannot fit in memory, before allocating them."""
    n = sum(a * b for a, b in zip(widths[1:], widths[:-1]))
    # the matrices, their float64 copy in from_layers and the packed (transposed) float64
    # and float32 copies of :attr:`Network.packed`
    check_allocation(n * 8 * 3 + n * 4, f"the weights of widths {widths} ({n:.3g} values, "
                     "in 3 float64 copies and 1 float32 while built and packed)", "the layer widths")


def symmetric(widths: Sequence[int], alpha: float = 4.0, activation=None,
              input_activation="linear", output_activation="linear", noise_at="output") -> Network:
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
    noise_at : str or sequence of str
        ``"output"`` (the paper's model), ``"input"`` or one per layer, input
        layer first (see :meth:`Network.from_layers`).
    """
    widths = [int(w) for w in widths]
    if len(widths) < 2 or min(widths) < 1:
        raise ValueError(f"widths must list at least two layers of ≥ 1 neuron, got {widths}")
    _check_weight_memory(widths)
    hidden = _act.shifted_sigmoid(alpha) if activation is None else _act.get(activation)
    acts = [input_activation] + [hidden] * (len(widths) - 2) + [output_activation]
    ws = [np.full((widths[n], widths[n - 1]), 1.0 / widths[n - 1]) for n in range(1, len(widths))]
    return Network.from_layers(ws, None, acts, noise_at=noise_at)


def random_dense(widths: Sequence[int], activation="logistic", seed: int = 0,
                 weight_scale: float | None = None, bias_scale: float = 0.1,
                 output_activation=None, noise_at="output") -> Network:
    """A dense network with Gaussian weights N(0, scale²/I_{n−1}) and biases.

    Handy for tests and benchmarks of trained-like networks.  ``noise_at`` as in
    :meth:`Network.from_layers`.
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
    return Network.from_layers(ws, bs, acts, noise_at=noise_at)
