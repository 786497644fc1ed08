"""2-D pooling over channels-last maps: the maximum or the mean of each window."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import activations as _act
from ..kernels.program import OP_POOL2D, POOL_AVG, POOL_AVG_VALID, POOL_MAX
from .base import Operation, register
from .checks import check_noise_place
from .geometry import check_map_shape, out_size, pads, pair

__all__ = ["MaxPool2D", "AvgPool2D"]


@dataclass(frozen=True, eq=False)
class _Pool2D(Operation):
    """Shared by :class:`MaxPool2D` and :class:`AvgPool2D` (see there)."""

    kernel_entry = "pool_rows"
    kernel_code = OP_POOL2D
    #: A network's one Noise for all layers leaves pooling layers noiseless.
    noisy_by_default = False

    pool_size: tuple = (2, 2)
    in_shape: tuple = None
    strides: tuple = None
    padding: object = "valid"
    noise_at: str = "output"

    def __post_init__(self):
        name = type(self).__name__
        window = pair(f"{name} pool_size", self.pool_size)
        if self.in_shape is None:
            raise ValueError(f"{name} needs in_shape=(height, width, channels) of its input map")
        shape = check_map_shape(f"{name} in_shape", self.in_shape)
        strides = window if self.strides is None else pair(f"{name} strides", self.strides)
        padding = pads(self.padding, shape[:2], window, strides)
        if max(padding[:2]) >= window[0] or max(padding[2:]) >= window[1]:
            raise ValueError(f"{name}: padding {padding} leaves a {window[0]}×{window[1]} window "
                             "without a value of the map")
        out_size(shape[:2], window, strides, padding, name)
        for key, value in (("pool_size", window), ("in_shape", shape), ("strides", strides),
                           ("padding", padding)):
            object.__setattr__(self, key, value)
        check_noise_place("noise_at", self.noise_at)

    @property
    def activation(self):
        """Pooling has no activation of its own (linear)."""
        return _act.linear()

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.in_shape} -> {self.out_shape}, "
                f"{self.pool_size[0]}×{self.pool_size[1]}, stride {self.strides})")

    @property
    def out_shape(self) -> tuple[int, ...]:
        h, w = out_size(self.in_shape[:2], self.pool_size, self.strides, self.padding, self.kind)
        return (h, w, self.in_shape[2])

    def params(self) -> dict[str, np.ndarray]:
        return {}

    def attrs(self) -> dict:
        return {"kind": self.kind, "pool_size": list(self.pool_size), "in_shape": list(self.in_shape),
                "strides": list(self.strides), "padding": list(self.padding),
                "noise_at": self.noise_at}

    @classmethod
    def _args(cls, attrs: dict) -> dict:
        if attrs.get("kind") != cls.kind:
            raise ValueError(f"attributes describe a {attrs.get('kind')!r} operation, not {cls.kind!r}")
        return dict(pool_size=tuple(attrs["pool_size"]), in_shape=tuple(attrs["in_shape"]),
                    strides=tuple(attrs["strides"]), padding=tuple(attrs["padding"]),
                    noise_at=attrs.get("noise_at", "output"))

    @classmethod
    def from_params(cls, attrs: dict, params: dict, custom: dict | None = None):
        return cls(**cls._args(attrs))

    def _mode(self) -> int:
        raise NotImplementedError

    def pack(self) -> dict[str, np.ndarray]:
        """No weights; the geometry and the pooling mode."""
        (h, w, c), (ho, wo, _) = self.in_shape, self.out_shape
        return {"wt": np.zeros(0), "geometry": {
            "h": h, "w": w, "c": c, "ho": ho, "wo": wo, "co": c, "kh": self.pool_size[0],
            "kw": self.pool_size[1], "sh": self.strides[0], "sw": self.strides[1],
            "pt": self.padding[0], "pl": self.padding[2], "mode": self._mode()}}

    def windows(self):
        """For every output neuron (flattened), the flat indices of its window's inputs."""
        (h, w, c), (ho, wo, _) = self.in_shape, self.out_shape
        out = []
        for i in range(ho):
            for j in range(wo):
                for ch in range(c):
                    idx = []
                    for di in range(self.pool_size[0]):
                        ii = i * self.strides[0] - self.padding[0] + di
                        for dj in range(self.pool_size[1]):
                            jj = j * self.strides[1] - self.padding[2] + dj
                            if 0 <= ii < h and 0 <= jj < w:
                                idx.append((ii * w + jj) * c + ch)
                    out.append(idx)
        return out


@register
@dataclass(frozen=True, eq=False)
class MaxPool2D(_Pool2D):
    """The largest value of each ``pool_size`` window (per channel) of a channels-last map.

    Parameters
    ----------
    pool_size : int or (int, int)
    in_shape : (H, W, C)
    strides : int or (int, int), optional
        Default ``pool_size``.
    padding : "valid", "same" or integers
        Padded positions never win.
    noise_at : str
        Where Eq. 3 acts if this layer is given noise (it has none unless a
        per-layer noise list gives it some).

    Not linear: :meth:`linear_moments` refuses (the analytic methods treat it
    themselves).
    """

    kind = "maxpool2d"

    def _mode(self) -> int:
        return POOL_MAX

    def linear_moments(self, mean, cov):
        raise ValueError("max pooling is not linear; its moments need the maximum's closure "
                         "(fastnoise.analytic), not linear_moments")


@register
@dataclass(frozen=True, eq=False)
class AvgPool2D(_Pool2D):
    """The mean of each ``pool_size`` window (per channel) of a channels-last map.

    Parameters as :class:`MaxPool2D`, and

    count_pad : bool
        Whether padded positions count as zeros in the mean (PyTorch's default
        ``count_include_pad=True``) or are left out (Keras, ONNX's default).
    """

    kind = "avgpool2d"
    count_pad: bool = False

    def _mode(self) -> int:
        return POOL_AVG if self.count_pad else POOL_AVG_VALID

    def attrs(self) -> dict:
        return dict(super().attrs(), count_pad=bool(self.count_pad))

    @classmethod
    def from_params(cls, attrs: dict, params: dict, custom: dict | None = None):
        return cls(**cls._args(attrs), count_pad=bool(attrs.get("count_pad", False)))

    def matrix(self) -> np.ndarray:
        """The equivalent dense weights, (I_out, I_in)."""
        m = np.zeros((self.out_size, int(np.prod(self.in_shape))))
        for o, idx in enumerate(self.windows()):
            m[o, idx] = 1.0 / (self.pool_size[0] * self.pool_size[1] if self.count_pad else len(idx))
        return m

    def linear_moments(self, mean, cov):
        """E x̃ = M m and Cov x̃ = M C Mᵀ with M = :meth:`matrix`."""
        M = self.matrix()
        return np.asarray(mean) @ M.T, M @ np.asarray(cov) @ M.T
