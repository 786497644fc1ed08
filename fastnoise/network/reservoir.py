"""Echo-state networks (reservoirs): a recurrent layer driven in time, and its readout.

A :class:`Reservoir` has three layers, listed as for a feed-forward network: the
input u(t) (I_in neurons), the reservoir r(t) (N neurons) and the readout y(t)
(I_out neurons).  One row of the inputs is one time step; the reservoir starts
from a given state (zeros by default) and steps, with leak rate a,

    r(t) = (1 − a) r(t−1) + a f(W r(t−1) + W_in x_0(t) + b),      (leaky ESN)
    y(t) = g(W_out r(t) + b_out),

where x_0(t) is the (noisy) input layer.  With a = 1 this is the reservoir step
of reservoirpy 0.4 (``Reservoir._step``), and W may be sparse.  Eq. 3 noise acts
on each layer at every time step (on u(t), on r(t) after the leaky update, on
y(t)); ``noise_at="input"`` moves the reservoir's or the readout's noise onto its
state before the activation (W r + W_in x_0 + b, or W_out r + b_out).

Two modes: ``"open"`` (teacher forcing: x_0(t) is the input row t) and
``"closed"`` (after ``washout`` steps of teacher forcing, the input layer takes the
previous step's readout y(t−1), so a trained reservoir generates its own input;
I_out = I_in).

:func:`reservoir` builds one: uniform, normal or band recurrent matrices of a
given connectivity, scaled to a spectral radius, and input weights scaled by an
input scaling.  :meth:`Reservoir.run` is the noiseless trajectory in NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from .. import activations as _act
from ..validation import check_choice, check_int
from .checks import check_finite, check_noise_place, check_real

__all__ = ["Reservoir", "reservoir", "spectral_radius_of", "MODES", "MATRIX_KINDS"]

MODES = ("open", "closed")
MATRIX_KINDS = ("uniform", "normal", "band")


def _array(name: str, value, shape: tuple) -> np.ndarray:
    check_real(name, value)
    a = np.array(value, dtype=np.float64)
    if a.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {a.shape}")
    check_finite(name, a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Reservoir:
    """A reservoir with its readout (module docstring).

    Parameters
    ----------
    w_in : array_like or scipy.sparse matrix
        (N, I_in) input weights (kept dense).
    w : array_like or scipy.sparse matrix
        (N, N) recurrent weights; kept in CSR form (``w_csr``).
    w_out : array_like
        (I_out, N) readout weights.
    bias, b_out : array_like, optional
        (N,) and (I_out,); zeros when omitted.
    leak : float
        Leak rate a in (0, 1].
    activation, readout_activation : optional
        Activation names or :class:`~fastnoise.activations.Activation` (default
        tanh and linear).
    noise_at : tuple of str
        Where Eq. 3 acts in the reservoir and in the readout: ``"output"`` (on
        r(t), on y(t)) or ``"input"`` (on the state before the activation).
    """

    w_in: np.ndarray
    w: object
    w_out: np.ndarray
    bias: np.ndarray | None = None
    b_out: np.ndarray | None = None
    leak: float = 1.0
    activation: object = "tanh"
    readout_activation: object = "linear"
    noise_at: tuple = ("output", "output")
    w_csr: sparse.csr_matrix = field(init=False, repr=False)

    def __post_init__(self):
        w_in = self.w_in.toarray() if sparse.issparse(self.w_in) else self.w_in   # reservoirpy's Win
        check_real("w_in", w_in)
        w_in = np.asarray(w_in, dtype=np.float64)
        if w_in.ndim != 2:
            raise ValueError(f"w_in must be a 2-D (N, I_in) array, got shape {w_in.shape}")
        n, i_in = w_in.shape
        set_ = object.__setattr__
        set_(self, "w_in", _array("w_in", w_in, (n, i_in)))
        if sparse.issparse(self.w):
            csr = sparse.csr_matrix(self.w, dtype=np.float64)
            if csr.shape != (n, n):
                raise ValueError(f"w must have shape {(n, n)}, got {csr.shape}")
            check_finite("w", csr.data)
        else:
            csr = sparse.csr_matrix(_array("w", self.w, (n, n)))
        csr.sort_indices()
        for a in (csr.data, csr.indices, csr.indptr):
            a.setflags(write=False)
        set_(self, "w_csr", csr)
        set_(self, "w", csr)
        w_out = self.w_out.toarray() if sparse.issparse(self.w_out) else self.w_out
        check_real("w_out", w_out)
        w_out = np.asarray(w_out, dtype=np.float64)
        if w_out.ndim != 2 or w_out.shape[1] != n:
            raise ValueError(f"w_out must have shape (I_out, {n}), got {w_out.shape}")
        set_(self, "w_out", _array("w_out", w_out, w_out.shape))
        set_(self, "bias", _array("bias", np.zeros(n) if self.bias is None else
                                  np.broadcast_to(np.asarray(self.bias, float), (n,)), (n,)))
        set_(self, "b_out", _array("b_out", np.zeros(w_out.shape[0]) if self.b_out is None else
                                   np.broadcast_to(np.asarray(self.b_out, float), (w_out.shape[0],)),
                                   (w_out.shape[0],)))
        leak = float(self.leak)
        if not 0.0 < leak <= 1.0:
            raise ValueError(f"leak must be in (0, 1], got {self.leak}")
        set_(self, "leak", leak)
        for name in ("activation", "readout_activation"):
            act = _act.get(getattr(self, name))
            if not act.elementwise:
                raise ValueError(f"{name} must be elementwise, got {act.name!r}")
            set_(self, name, act)
        places = tuple(self.noise_at) if not isinstance(self.noise_at, str) else (self.noise_at,) * 2
        if len(places) != 2:
            raise ValueError(f"noise_at must give the reservoir's and the readout's place, got {self.noise_at!r}")
        for p in places:
            check_noise_place("noise_at", p)
        set_(self, "noise_at", places)

    # -- layout, as for a Network -------------------------------------------------
    @property
    def units(self) -> int:
        return self.w_in.shape[0]

    @property
    def n_layers(self) -> int:
        return 3

    @property
    def widths(self) -> tuple:
        return (self.w_in.shape[1], self.units, self.w_out.shape[0])

    @property
    def activations(self) -> list:
        return [_act.get("linear"), self.activation, self.readout_activation]

    @property
    def quiet_layers(self) -> tuple:
        return ()

    def initial_state(self, state=None) -> np.ndarray:
        """The (N,) starting state: zeros, or ``state`` checked."""
        if state is None:
            return np.zeros(self.units)
        return _array("state", state, (self.units,))

    def check_inputs(self, u, mode: str = "open", washout: int = 0) -> np.ndarray:
        """(T, I_in) float64 inputs; checks the mode and the washout."""
        check_choice("mode", mode, MODES)
        check_real("inputs", u)
        u = np.asarray(u, dtype=np.float64)
        if u.ndim == 1 and self.widths[0] == 1:
            u = u[:, None]
        if u.ndim != 2 or u.shape[1] != self.widths[0]:
            raise ValueError(f"inputs must have shape (T, {self.widths[0]}): one row per time step, "
                             f"got {u.shape}")
        check_finite("inputs", u)
        check_int("washout", washout, 0, u.shape[0])
        if mode == "closed" and self.widths[2] != self.widths[0]:
            raise ValueError(f"closed loop feeds the readout back as the input: it needs I_out = I_in, "
                             f"got {self.widths[2]} outputs and {self.widths[0]} inputs")
        return u

    def run(self, u, mode: str = "open", washout: int = 0, state=None) -> tuple[list, list]:
        """Noiseless trajectory in NumPy: (x̃, x), one (T, I_n) array per layer.

        In closed loop the input rows after ``washout`` are not read (only their count).
        """
        u = self.check_inputs(u, mode, washout)
        xt, x, _, _ = self.run_steps(u, 0, u.shape[0], mode, washout, self.initial_state(state),
                                     np.zeros(self.widths[2]))
        return xt, x

    def run_steps(self, u, start: int, stop: int, mode: str, washout: int, r, y):
        """Steps ``start`` … ``stop`` − 1 of the noiseless trajectory from the state r(start − 1)
        and readout y(start − 1) (checked inputs ``u``, global step indices).  Returns
        (x̃, x) lists of (stop − start, I_n) arrays and the final (r, y)."""
        n = stop - start
        xt = [np.empty((n, w)) for w in self.widths]
        x = [np.empty((n, w)) for w in self.widths]
        a = self.leak
        r = np.array(r, dtype=np.float64)
        y = np.array(y, dtype=np.float64)
        for i, t in enumerate(range(start, stop)):
            x0 = y if (mode == "closed" and t >= washout) else u[t]
            xt[0][i] = x[0][i] = x0
            s = self.w_csr @ r + self.w_in @ x0 + self.bias
            xt[1][i] = s
            r = (1.0 - a) * r + a * self.activation(s)
            x[1][i] = r
            s_out = self.w_out @ r + self.b_out
            xt[2][i] = s_out
            y = self.readout_activation(s_out)
            x[2][i] = y
        return xt, x, r, y

    def to_config(self) -> dict:
        """JSON-able description (widths, activations, leak, noise places; no weights)."""
        return {"kind": "reservoir", "widths": list(self.widths),
                "activations": [a.to_dict() for a in self.activations], "leak": self.leak,
                "noise_at": list(self.noise_at)}

    def digest(self) -> str:
        """SHA-256 of the weights and settings (the provenance of stored runs)."""
        import hashlib
        import json

        h = hashlib.sha256()
        for a in (self.w_in, self.w_csr.data, self.w_csr.indices, self.w_csr.indptr, self.w_out,
                  self.bias, self.b_out):
            h.update(np.ascontiguousarray(a).tobytes())
        h.update(json.dumps([self.leak, self.activation.to_dict(), self.readout_activation.to_dict(),
                             list(self.noise_at)], sort_keys=True).encode())
        return h.hexdigest()

    @classmethod
    def from_reservoirpy(cls, model, noise_at=("output", "output")) -> "Reservoir":
        """Convert a trained reservoirpy 0.4 ``Reservoir >> Ridge`` model (or a lone
        ``Reservoir`` node, with a zero readout of one neuron).

        Reads the initialised matrices (W, Win with its input scaling, bias, leak rate
        lr, activation; Ridge's Wout and bias: y = x Wout + bias); reservoirpy is not
        imported.  Refused with one line: other node kinds, feedback connections, a
        per-neuron leak rate, an activation other than tanh, sigmoid, relu, identity.
        """
        nodes = list(getattr(model, "nodes", [model]))
        res = [n for n in nodes if hasattr(n, "W") and hasattr(n, "Win")]
        ridge = [n for n in nodes if hasattr(n, "Wout")]
        other = [type(n).__name__ for n in nodes if n not in res and n not in ridge]
        if len(res) != 1 or len(ridge) > 1 or other:
            raise ValueError("from_reservoirpy takes a Reservoir node or a Reservoir >> Ridge model, got "
                             f"nodes {[type(n).__name__ for n in nodes]}")
        node = res[0]
        if not getattr(node, "initialized", True) or getattr(node, "W", None) is None:
            raise ValueError("the reservoirpy Reservoir is not initialised; run or fit the model first")
        if getattr(model, "edges", None) and any(e[1] != 0 for e in model.edges):
            raise ValueError("the reservoirpy model has feedback connections; only Reservoir >> Ridge "
                             "converts")
        lr = np.asarray(node.lr, dtype=float)
        if lr.size != 1:
            raise ValueError("the reservoirpy Reservoir has a per-neuron leak rate; fastnoise takes one")
        fname = getattr(node.activation, "__name__", repr(node.activation))
        names = {"tanh": "tanh", "sigmoid": "logistic", "relu": "relu", "identity": "linear"}
        if fname not in names:
            raise ValueError(f"reservoirpy activation {fname!r} has no fastnoise counterpart; "
                             f"use one of {', '.join(names)}")
        n = node.W.shape[0]
        if ridge:
            if getattr(ridge[0], "Wout", None) is None:
                raise ValueError("the reservoirpy Ridge readout is not fitted; fit the model first")
            w_out = np.asarray(ridge[0].Wout, dtype=float).T
            b_out = np.broadcast_to(np.asarray(ridge[0].bias, dtype=float), (w_out.shape[0],))
        else:
            w_out, b_out = np.zeros((1, n)), None
        return cls(node.Win, node.W, w_out, np.broadcast_to(np.asarray(node.bias, float), (n,)),
                   b_out, float(lr), names[fname], "linear", noise_at)

    def with_readout(self, w_out, b_out=None) -> "Reservoir":
        """The same reservoir with another readout (e.g. a trained one)."""
        return Reservoir(self.w_in, self.w_csr, w_out, self.bias, b_out, self.leak, self.activation,
                         self.readout_activation, self.noise_at)


def spectral_radius_of(w) -> float:
    """max |λ| of a square matrix (dense eigenvalues up to 3000 neurons, ARPACK above,
    started from a fixed vector so that the result is reproducible)."""
    n = w.shape[0]
    if n <= 3000:
        dense = w.toarray() if sparse.issparse(w) else np.asarray(w)
        return float(np.max(np.abs(np.linalg.eigvals(dense)))) if n else 0.0
    from scipy.sparse.linalg import eigs

    vals = eigs(sparse.csr_matrix(w), k=1, which="LM", v0=np.ones(n), return_eigenvectors=False)
    return float(np.abs(vals[0]))


def _recurrent(units: int, kind: str, connectivity: float, bandwidth, rng) -> sparse.csr_matrix:
    if kind == "band":
        width = int(bandwidth) if bandwidth is not None else max(1, int(round(connectivity * units / 2)))
        check_int("bandwidth", width, 0, units - 1)
        offsets = [d for d in range(-width, width + 1)]
        diags = [rng.uniform(-1.0, 1.0, units - abs(d)) for d in offsets]
        return sparse.diags(diags, offsets, shape=(units, units), format="csr")
    if not 0.0 < connectivity <= 1.0:
        raise ValueError(f"connectivity must be in (0, 1], got {connectivity}")
    mask = rng.random((units, units)) < connectivity
    values = rng.uniform(-1.0, 1.0, (units, units)) if kind == "uniform" else rng.standard_normal((units, units))
    return sparse.csr_matrix(np.where(mask, values, 0.0))


def reservoir(units: int, inputs: int = 1, outputs: int = 1, *, kind: str = "uniform",
              connectivity: float = 0.1, bandwidth: int | None = None, spectral_radius: float = 0.9,
              input_scaling: float = 1.0, input_connectivity: float = 1.0, leak: float = 1.0,
              activation="tanh", bias: float = 0.0, readout_activation="linear",
              noise_at=("output", "output"), seed: int = 0) -> Reservoir:
    """Build a random reservoir (readout zero until trained).

    Parameters
    ----------
    units, inputs, outputs : int
        N, I_in, I_out.
    kind : {"uniform", "normal", "band"}
        Recurrent weights: uniform in [−1, 1] or standard normal on a random
        fraction ``connectivity`` of the entries, or uniform on the band
        |i − j| ≤ ``bandwidth`` (default: the band holding about that fraction).
    spectral_radius : float
        W is scaled so that max |λ(W)| equals this (0 leaves W as drawn).
    input_scaling, input_connectivity : float
        W_in uniform in [−input_scaling, input_scaling] on that fraction of entries.
    leak, activation, bias, readout_activation, noise_at
        As :class:`Reservoir`.
    seed : int
        NumPy generator seed of the draws.
    """
    units = check_int("units", units, 1)
    inputs = check_int("inputs", inputs, 1)
    outputs = check_int("outputs", outputs, 1)
    check_choice("kind", kind, MATRIX_KINDS, "recurrent matrix kind")
    if not 0.0 < input_connectivity <= 1.0:
        raise ValueError(f"input_connectivity must be in (0, 1], got {input_connectivity}")
    rng = np.random.default_rng(check_int("seed", seed, 0))
    w = _recurrent(units, kind, float(connectivity), bandwidth, rng)
    if spectral_radius:
        rho = spectral_radius_of(w)
        if rho > 0:
            w = w * (float(spectral_radius) / rho)
    w_in = rng.uniform(-1.0, 1.0, (units, inputs)) * float(input_scaling)
    if input_connectivity < 1.0:
        w_in = np.where(rng.random((units, inputs)) < input_connectivity, w_in, 0.0)
    return Reservoir(w_in, w, np.zeros((outputs, units)), np.full(units, float(bias)), None, leak,
                     activation, readout_activation, noise_at)
