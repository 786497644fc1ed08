"""Neuron activation functions (paper Eq. 2) with their kernel codes.

Built-in activations are identified by a name and one parameter; they run
inside the fused kernels without a function call.  Any scalar function
compiled with ``numba.njit`` can be used as well (:func:`custom`).

Examples
--------
>>> import fastnoise as fn
>>> fn.activations.get("shifted_sigmoid", alpha=4.0)(0.5)
0.5
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .kernels import activations as _k

__all__ = ["Activation", "get", "linear", "shifted_sigmoid", "logistic", "tanh",
           "relu", "cubic", "custom", "NAMES"]

#: name -> (kernel code, name of its parameter, default parameter)
_BUILTIN = {
    "linear": (_k.LINEAR, "gain", 1.0),
    "shifted_sigmoid": (_k.SHIFTED_SIGMOID, "alpha", 4.0),
    "logistic": (_k.LOGISTIC, "gain", 1.0),
    "tanh": (_k.TANH, "gain", 1.0),
    "relu": (_k.RELU, "gain", 1.0),
    "cubic": (_k.CUBIC, None, 0.0),
}
_ALIASES = {"sigmoid": "shifted_sigmoid", "identity": "linear"}
NAMES = tuple(_BUILTIN)


@dataclass(frozen=True)
class Activation:
    """An activation function f and its single parameter.

    Attributes
    ----------
    name : str
        One of :data:`NAMES`, or the name given to a user function.
    param : float
        Gain of ``linear``/``logistic``/``tanh``/``relu``, slope α of the
        shifted sigmoid; unused by ``cubic`` and user functions.
    function : callable or None
        The numba-jitted scalar function of a user-defined activation.
    """

    name: str
    param: float = 1.0
    function: Callable | None = field(default=None, compare=False, repr=False)

    @property
    def is_custom(self) -> bool:
        return self.function is not None

    @property
    def code(self) -> int:
        """Kernel code of a built-in activation (user ones get theirs per run)."""
        if self.is_custom:
            raise ValueError(f"activation {self.name!r} is user-defined and has no fixed code")
        return _BUILTIN[self.name][0]

    @property
    def is_linear(self) -> bool:
        return self.name == "linear"

    def __call__(self, x):
        """Evaluate f on a scalar or array with NumPy (reference implementation)."""
        x = np.asarray(x, dtype=float)
        p = self.param
        if self.is_custom:
            return np.vectorize(self.function, otypes=[float])(x)
        if self.name == "linear":
            return p * x
        if self.name == "shifted_sigmoid":
            d = p * (x - 0.5)
            return 0.5 + 0.5 * d / np.sqrt(1.0 + d * d)
        if self.name == "logistic":
            return 1.0 / (1.0 + np.exp(-p * x))
        if self.name == "tanh":
            return np.tanh(p * x)
        if self.name == "relu":
            return np.maximum(p * x, 0.0)
        if self.name == "cubic":
            return x * x * (3.0 - 2.0 * x)
        raise AssertionError(self.name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able description; user functions are stored by name only."""
        return {"name": self.name, "param": float(self.param), "custom": self.is_custom}

    @classmethod
    def from_dict(cls, d: dict, custom: dict | None = None) -> "Activation":
        if d.get("custom"):
            fns = custom or {}
            if d["name"] not in fns:
                raise ValueError(
                    f"activation {d['name']!r} is user-defined; pass custom={{{d['name']!r}: "
                    "<njit function>} to load it")
            return Activation(d["name"], float(d.get("param", 0.0)), fns[d["name"]])
        return get(d["name"], float(d.get("param", _BUILTIN.get(d["name"], (0, 0, 1.0))[2])))


def _closest(name: str, choices) -> str:
    hit = difflib.get_close_matches(name, list(choices), n=1)
    return f"; did you mean {hit[0]!r}?" if hit else f"; choose one of {', '.join(choices)}"


def get(spec, param: float | None = None, **kwargs) -> Activation:
    """Build an :class:`Activation` from a name, an Activation or a jitted function.

    Parameters
    ----------
    spec : str, Activation, dict or numba dispatcher
        A built-in name (``"linear"``, ``"shifted_sigmoid"`` (alias
        ``"sigmoid"``), ``"logistic"``, ``"tanh"``, ``"relu"``, ``"cubic"``),
        an Activation, a dict from :meth:`Activation.to_dict`, or a scalar
        function compiled with ``numba.njit``.
    param : float, optional
        Gain or slope; also accepted as keyword ``alpha=`` or ``gain=``.
    """
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, dict):
        return Activation.from_dict(spec)
    if kwargs:
        if len(kwargs) > 1 or next(iter(kwargs)) not in ("alpha", "gain"):
            raise TypeError(f"unexpected activation arguments {sorted(kwargs)}; use alpha= or gain=")
        param = next(iter(kwargs.values()))
    if callable(spec) and not isinstance(spec, str):
        return custom(spec)
    if not isinstance(spec, str):
        raise TypeError(f"activation must be a name, an Activation or an njit function, got {spec!r}")
    name = _ALIASES.get(spec.lower(), spec.lower())
    if name not in _BUILTIN:
        raise ValueError(f"unknown activation {spec!r}{_closest(name, NAMES + tuple(_ALIASES))}")
    code, pname, default = _BUILTIN[name]
    value = default if param is None else float(param)
    if not math.isfinite(value):
        raise ValueError(f"activation {name} parameter must be finite, got {value}")
    return Activation(name, value)


def linear(gain: float = 1.0) -> Activation:
    """f(x) = gain·x."""
    return get("linear", gain)


def shifted_sigmoid(alpha: float = 4.0) -> Activation:
    """The paper's sigmoid with inflection at 1/2 and slope α (Sec. II A)."""
    return get("shifted_sigmoid", alpha)


def logistic(gain: float = 1.0) -> Activation:
    """f(x) = 1/(1+exp(−gain·x))."""
    return get("logistic", gain)


def tanh(gain: float = 1.0) -> Activation:
    """f(x) = tanh(gain·x)."""
    return get("tanh", gain)


def relu(gain: float = 1.0) -> Activation:
    """f(x) = max(0, gain·x)."""
    return get("relu", gain)


def cubic() -> Activation:
    """f(x) = 3x² − 2x³ (paper, Methods VII A)."""
    return get("cubic")


def custom(function, name: str | None = None) -> Activation:
    """Wrap a scalar ``float -> float`` function compiled with ``numba.njit``."""
    if not hasattr(function, "py_func"):
        raise TypeError(
            f"a user activation must be compiled with numba.njit, got {function!r}; "
            "decorate it with @numba.njit")
    return Activation(name or function.__name__, 0.0, function)
