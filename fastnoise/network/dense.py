"""A fully connected layer (paper Eqs. 1–2): x̃ = W y + b, x = f(x̃)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import activations as _act
from ..kernels.program import OP_DENSE
from .base import Operation, register
from .checks import check_finite, check_noise_place, check_real, frozen

__all__ = ["Dense"]


@register
@dataclass(frozen=True, eq=False)
class Dense(Operation):
    """A dense layer of ``I_out`` neurons fed by ``I_in`` inputs.

    Parameters
    ----------
    weights : array_like
        (I_out, I_in).
    bias : array_like, optional
        (I_out,); zeros when omitted.
    activation : optional
        Name, :class:`~fastnoise.activations.Activation` or ``numba.njit``
        function; default linear.
    noise_at : {"output", "input"}
        Eq. 3 on the output y (the paper's model) or on x̃ before the
        activation.

    The arrays are copied and made read-only (the packed kernel arrays and
    :meth:`Network.digest` stay in step with them).
    """

    kind = "dense"
    kernel_entry = "dense_states"
    kernel_code = OP_DENSE

    weights: np.ndarray
    bias: np.ndarray | None = None
    activation: object = "linear"
    noise_at: str = "output"

    def __post_init__(self):
        check_real("Dense weights", self.weights)
        w = frozen(self.weights)
        if w.ndim != 2:
            raise ValueError(f"Dense weights must be a 2-D array (I_out, I_in), got shape {w.shape}")
        check_finite("Dense weights", w)
        if self.bias is None:
            b = np.zeros(w.shape[0])
            b.setflags(write=False)
        else:
            check_real("Dense bias", self.bias)
            b = frozen(np.asarray(self.bias).reshape(-1))
            if b.shape != (w.shape[0],):
                raise ValueError(f"Dense bias has {b.size} entries but the layer has {w.shape[0]} neurons")
            check_finite("Dense bias", b)
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "bias", b)
        object.__setattr__(self, "activation", _act.get(self.activation))
        check_noise_place("noise_at", self.noise_at)

    def __repr__(self) -> str:
        return (f"Dense({self.weights.shape[1]} -> {self.weights.shape[0]}, {self.activation.name}, "
                f"noise_at={self.noise_at!r})")

    # -- shape inference -------------------------------------------------------
    @property
    def in_shape(self) -> tuple[int, ...]:
        return (int(self.weights.shape[1]),)

    @property
    def out_shape(self) -> tuple[int, ...]:
        return (int(self.weights.shape[0]),)

    def validate(self, in_shape) -> None:
        """Accept any input of I_in values: a dense layer reads its input flattened in
        row-major order (Keras' ``Flatten`` of a channels-last image, or a model's own
        memory order)."""
        in_shape = tuple(int(s) for s in in_shape)
        size = int(np.prod(in_shape, dtype=np.int64))
        if size != self.in_shape[0]:
            raise ValueError(f"{self.kind} operation takes inputs of shape {tuple(self.in_shape)}, but the "
                             f"previous layer has shape {in_shape}")

    # -- parameters and their file form ----------------------------------------
    def params(self) -> dict[str, np.ndarray]:
        """``{"W": weights, "b": bias}`` (stored as ``W{n}``, ``b{n}`` for layer n)."""
        return {"W": self.weights, "b": self.bias}

    def attrs(self) -> dict:
        return {"kind": self.kind, "activation": self.activation.to_dict(), "noise_at": self.noise_at}

    @classmethod
    def from_params(cls, attrs: dict, params: dict, custom: dict | None = None) -> "Dense":
        if attrs.get("kind", cls.kind) != cls.kind:
            raise ValueError(f"attributes describe a {attrs.get('kind')!r} operation, not {cls.kind!r}")
        missing = sorted({"W", "b"} - set(params))
        if missing:
            raise ValueError(f"Dense parameters {', '.join(missing)} missing")
        act = attrs.get("activation", "linear")
        act = _act.Activation.from_dict(act, custom) if isinstance(act, dict) else act
        return cls(params["W"], params["b"], act, attrs.get("noise_at", "output"))

    # -- kernel entry and analytic rule ----------------------------------------
    def pack(self) -> dict[str, np.ndarray]:
        """Transposed, flattened weights (the ``w_flat`` layout of ``dense_states``) and bias."""
        return {"wt": np.ascontiguousarray(self.weights.T).ravel(), "b": self.bias}

    def linear_moments(self, mean, cov):
        """E x̃ = W m + b and Cov x̃ = W C Wᵀ."""
        W = self.weights
        return np.asarray(mean) @ W.T + self.bias, W @ np.asarray(cov) @ W.T
