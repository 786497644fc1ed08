"""A 2-D convolution layer over channels-last maps: x̃ = K ⋆ y + b, x = f(x̃)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import activations as _act
from ..kernels.program import OP_CONV2D
from .base import Operation, register
from .checks import check_finite, check_noise_place, check_real, frozen
from .geometry import check_map_shape, out_size, pads, pair

__all__ = ["Conv2D"]


@register
@dataclass(frozen=True, eq=False)
class Conv2D(Operation):
    """A convolution of a (H, W, C_in) channels-last map into (H', W', C_out) neurons.

    Every output neuron is its own analog neuron with the noise of Eq. 3:
    x̃[i, j, o] = b[o] + Σ_{di, dj, c} K[di, dj, c, o] · y[i·s_h − p_t + di,
    j·s_w − p_l + dj, c] (zero outside the map), x = f(x̃).

    Parameters
    ----------
    kernel : array_like
        (k_h, k_w, C_in, C_out), Keras' layout (a PyTorch or ONNX weight
        (C_out, C_in, k_h, k_w) is ``w.transpose(2, 3, 1, 0)``).
    bias : array_like, optional
        (C_out,); zeros when omitted.
    in_shape : (H, W, C_in)
        Shape of the input map.
    strides : int or (int, int)
    padding : "valid", "same" or integers
        See :func:`.geometry.pads`; stored as (top, bottom, left, right).
    activation, noise_at
        As for :class:`~.dense.Dense`.
    correlated : {"layer", "channel"}
        Whether the correlated noise of Eq. 3 (ξ_c, ξ'_c) is shared by the whole
        layer (the paper's model) or drawn per output channel (each feature map
        its own).

    Dilation and groups are not supported (importers refuse them by name).
    Flattened, the output map is in (row, column, channel) order.
    """

    kind = "conv2d"
    kernel_entry = "conv_states"
    kernel_code = OP_CONV2D

    kernel: np.ndarray
    bias: np.ndarray | None = None
    in_shape: tuple = None
    strides: tuple = (1, 1)
    padding: object = "valid"
    activation: object = "linear"
    noise_at: str = "output"
    correlated: str = "layer"

    def __post_init__(self):
        check_real("Conv2D kernel", self.kernel)
        k = frozen(self.kernel)
        if k.ndim != 4:
            raise ValueError(f"Conv2D kernel must be 4-D (k_h, k_w, C_in, C_out), got shape {k.shape}")
        check_finite("Conv2D kernel", k)
        if self.in_shape is None:
            raise ValueError("Conv2D needs in_shape=(height, width, channels) of its input map")
        shape = check_map_shape("Conv2D in_shape", self.in_shape)
        if shape[2] != k.shape[2]:
            raise ValueError(f"Conv2D kernel takes {k.shape[2]} input channels (shape {k.shape}) but "
                             f"in_shape {shape} has {shape[2]}")
        if self.bias is None:
            b = np.zeros(k.shape[3])
            b.setflags(write=False)
        else:
            check_real("Conv2D bias", self.bias)
            b = frozen(np.asarray(self.bias).reshape(-1))
            if b.shape != (k.shape[3],):
                raise ValueError(f"Conv2D bias has {b.size} entries but the kernel has {k.shape[3]} "
                                 "output channels")
            check_finite("Conv2D bias", b)
        strides = pair("Conv2D strides", self.strides)
        padding = pads(self.padding, shape[:2], k.shape[:2], strides)
        out_size(shape[:2], k.shape[:2], strides, padding, "Conv2D")
        for name, value in (("kernel", k), ("bias", b), ("in_shape", shape), ("strides", strides),
                            ("padding", padding), ("activation", _act.get(self.activation))):
            object.__setattr__(self, name, value)
        check_noise_place("noise_at", self.noise_at)
        if self.correlated not in ("layer", "channel"):
            raise ValueError(f"Conv2D correlated must be 'layer' (one correlated noise for the whole "
                             f"layer) or 'channel' (one per output channel), got {self.correlated!r}")

    @property
    def noise_groups(self) -> int:
        """1, or C_out with ``correlated="channel"`` (neuron i in channel i mod C_out)."""
        return int(self.kernel.shape[3]) if self.correlated == "channel" else 1

    def __repr__(self) -> str:
        kh, kw, ci, co = self.kernel.shape
        return (f"Conv2D({self.in_shape} -> {self.out_shape}, {kh}×{kw}, stride {self.strides}, "
                f"{self.activation.name}, noise_at={self.noise_at!r})")

    # -- shape inference -------------------------------------------------------
    @property
    def out_shape(self) -> tuple[int, ...]:
        h, w = out_size(self.in_shape[:2], self.kernel.shape[:2], self.strides, self.padding, "Conv2D")
        return (h, w, int(self.kernel.shape[3]))

    # -- parameters and their file form ----------------------------------------
    def params(self) -> dict[str, np.ndarray]:
        """``{"K": kernel, "b": bias}``."""
        return {"K": self.kernel, "b": self.bias}

    def attrs(self) -> dict:
        return {"kind": self.kind, "in_shape": list(self.in_shape), "strides": list(self.strides),
                "padding": list(self.padding), "activation": self.activation.to_dict(),
                "noise_at": self.noise_at, "correlated": self.correlated}

    @classmethod
    def from_params(cls, attrs: dict, params: dict, custom: dict | None = None) -> "Conv2D":
        if attrs.get("kind") != cls.kind:
            raise ValueError(f"attributes describe a {attrs.get('kind')!r} operation, not {cls.kind!r}")
        missing = sorted({"K", "b"} - set(params))
        if missing:
            raise ValueError(f"Conv2D parameters {', '.join(missing)} missing")
        act = attrs.get("activation", "linear")
        act = _act.Activation.from_dict(act, custom) if isinstance(act, dict) else act
        return cls(params["K"], params["b"], tuple(attrs["in_shape"]), tuple(attrs["strides"]),
                   tuple(attrs["padding"]), act, attrs.get("noise_at", "output"),
                   attrs.get("correlated", "layer"))

    # -- kernel entry and analytic rule ----------------------------------------
    def geometry(self) -> dict[str, int]:
        """The program's geometry columns (:data:`fastnoise.kernels.program.GEOMETRY`)."""
        (h, w, c), (ho, wo, co) = self.in_shape, self.out_shape
        kh, kw = self.kernel.shape[:2]
        return {"h": h, "w": w, "c": c, "ho": ho, "wo": wo, "co": co, "kh": kh, "kw": kw,
                "sh": self.strides[0], "sw": self.strides[1], "pt": self.padding[0],
                "pl": self.padding[2], "scratch": ho * wo * kh * kw * c,
                "noise_groups": self.noise_groups}

    def pack(self) -> dict[str, np.ndarray]:
        """The kernel as a (k_h·k_w·C_in, C_out) matrix (the ``conv_states`` GEMM), the
        bias of every output neuron (repeated per position) and the geometry."""
        ho, wo, _ = self.out_shape
        return {"wt": np.ascontiguousarray(self.kernel).ravel(), "b": np.tile(self.bias, ho * wo),
                "geometry": self.geometry()}

    def matrix(self) -> np.ndarray:
        """The equivalent dense weights, (I_out, I_in): x̃ = M y + b (flattened maps)."""
        (h, w, c), (ho, wo, co) = self.in_shape, self.out_shape
        kh, kw = self.kernel.shape[:2]
        m = np.zeros((ho, wo, co, h, w, c))
        for i in range(ho):
            for j in range(wo):
                for di in range(kh):
                    ii = i * self.strides[0] - self.padding[0] + di
                    if not 0 <= ii < h:
                        continue
                    for dj in range(kw):
                        jj = j * self.strides[1] - self.padding[2] + dj
                        if 0 <= jj < w:
                            m[i, j, :, ii, jj, :] = self.kernel[di, dj].T
        return m.reshape(ho * wo * co, h * w * c)

    def linear_moments(self, mean, cov):
        """E x̃ = M m + b and Cov x̃ = M C Mᵀ with M = :meth:`matrix`."""
        M = self.matrix()
        return np.asarray(mean) @ M.T + np.tile(self.bias, self.out_size // self.bias.size), \
            M @ np.asarray(cov) @ M.T
