"""Flatten: a map becomes a vector of the same values (row-major, channels last)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import activations as _act
from ..kernels.program import OP_FLATTEN
from .base import Operation, register, shape_size
from .checks import check_noise_place

__all__ = ["Flatten"]


@register
@dataclass(frozen=True, eq=False)
class Flatten(Operation):
    """The input map (H, W, C) as a vector of H·W·C neurons, in the same order.

    A layer of its own (its neurons are the map's, so it is noiseless unless a
    per-layer noise list gives it noise).  A dense layer reads a map flattened
    anyway; this operation is kept where a model has one, so that layers
    count as in the model.  A channels-first model's flatten order is
    handled by its importer, which reorders the next dense layer's columns.
    """

    kind = "flatten"
    kernel_entry = "copy_rows"
    kernel_code = OP_FLATTEN
    noisy_by_default = False

    in_shape: tuple = None
    noise_at: str = "output"

    def __post_init__(self):
        if self.in_shape is None:
            raise ValueError("Flatten needs in_shape, the shape of its input")
        shape = tuple(int(s) for s in np.atleast_1d(self.in_shape))
        if not shape or min(shape) < 1:
            raise ValueError(f"Flatten in_shape must list sizes ≥ 1, got {self.in_shape!r}")
        object.__setattr__(self, "in_shape", shape)
        check_noise_place("noise_at", self.noise_at)

    @property
    def activation(self):
        """Linear: the values pass unchanged."""
        return _act.linear()

    def __repr__(self) -> str:
        return f"Flatten({self.in_shape} -> {self.out_shape})"

    @property
    def out_shape(self) -> tuple[int, ...]:
        return (shape_size(self.in_shape),)

    def validate(self, in_shape) -> None:
        """Accept any input of the same size (a vector or a map)."""
        in_shape = tuple(int(s) for s in in_shape)
        if shape_size(in_shape) != shape_size(self.in_shape):
            raise ValueError(f"flatten operation takes inputs of shape {self.in_shape}, but the "
                             f"previous layer has shape {in_shape}")

    def params(self) -> dict[str, np.ndarray]:
        return {}

    def attrs(self) -> dict:
        return {"kind": self.kind, "in_shape": list(self.in_shape), "noise_at": self.noise_at}

    @classmethod
    def from_params(cls, attrs: dict, params: dict, custom: dict | None = None) -> "Flatten":
        if attrs.get("kind") != cls.kind:
            raise ValueError(f"attributes describe a {attrs.get('kind')!r} operation, not {cls.kind!r}")
        return cls(tuple(attrs["in_shape"]), attrs.get("noise_at", "output"))

    def pack(self) -> dict[str, np.ndarray]:
        return {"wt": np.zeros(0)}

    def matrix(self) -> np.ndarray:
        """The identity (I, I)."""
        return np.eye(self.out_size)

    def linear_moments(self, mean, cov):
        """Unchanged."""
        return np.asarray(mean), np.asarray(cov)
