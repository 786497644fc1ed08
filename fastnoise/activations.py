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

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .kernels import activations as _k
from .validation import choice_hint

__all__ = ["Activation", "get", "linear", "shifted_sigmoid", "logistic", "tanh",
           "relu", "cubic", "elu", "leaky_relu", "softplus", "gelu", "swish", "silu",
           "hard_sigmoid", "softsign", "selu", "softmax", "custom", "load_function", "param_name", "NAMES"]

#: name -> (kernel code, name of its parameter, default parameter)
_BUILTIN = {
    "linear": (_k.LINEAR, "gain", 1.0),
    "shifted_sigmoid": (_k.SHIFTED_SIGMOID, "alpha", 4.0),
    "logistic": (_k.LOGISTIC, "gain", 1.0),
    "tanh": (_k.TANH, "gain", 1.0),
    "relu": (_k.RELU, "gain", 1.0),
    "cubic": (_k.CUBIC, None, 0.0),
    "elu": (_k.ELU, "alpha", 1.0),
    "leaky_relu": (_k.LEAKY_RELU, "negative_slope", 0.01),
    "softplus": (_k.SOFTPLUS, "beta", 1.0),
    "gelu": (_k.GELU, None, 0.0),
    "swish": (_k.SWISH, None, 0.0),
    "hard_sigmoid": (_k.HARD_SIGMOID, "slope", 1.0 / 6.0),
    "softsign": (_k.SOFTSIGN, None, 0.0),
    "selu": (_k.SELU, None, 0.0),
    "softmax": (_k.SOFTMAX, "gain", 1.0),
}
_ALIASES = {"sigmoid": "shifted_sigmoid", "identity": "linear", "silu": "swish"}
#: names added after cubic: they take no parameter but their own (none for gelu, swish,
#: softsign, selu), and softplus needs β > 0
_STRICT = ("elu", "leaky_relu", "softplus", "gelu", "swish", "hard_sigmoid", "softsign", "selu")
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
        shifted sigmoid, α of ``elu``, the negative slope of
        ``leaky_relu``, β of ``softplus``, the slope of ``hard_sigmoid``;
        unused (0) by ``cubic``, ``gelu``, ``swish``, ``softsign``, ``selu``
        and user functions (see :func:`param_name`).
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

    @property
    def elementwise(self) -> bool:
        """False for ``softmax``, which maps a whole layer's states to probabilities
        (allowed as the output layer's activation only); True for every other."""
        return self.is_custom or self.name != "softmax"

    def __call__(self, x):
        """Evaluate f on a scalar or array with NumPy (reference implementation).

        Elementwise, except ``softmax``: over the last axis (a layer's neurons)."""
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
        if self.name == "elu":
            return np.where(x > 0, x, p * np.expm1(np.minimum(x, 0.0)))
        if self.name == "leaky_relu":
            return np.where(x > 0, x, p * x)
        if self.name == "softplus":
            v = p * x
            return (np.log1p(np.exp(-np.abs(v))) + np.maximum(v, 0.0)) / p
        if self.name == "gelu":
            from scipy.special import ndtr

            return x * ndtr(x)
        if self.name == "swish":
            from scipy.special import expit

            return x * expit(x)
        if self.name == "hard_sigmoid":
            return np.clip(p * x + 0.5, 0.0, 1.0)
        if self.name == "softsign":
            return x / (1.0 + np.abs(x))
        if self.name == "softmax":  # over the last axis: one layer's neurons
            v = p * x
            e = np.exp(v - np.max(v, axis=-1, keepdims=True))
            return e / np.sum(e, axis=-1, keepdims=True)
        if self.name == "selu":
            return _k.SELU_SCALE * np.where(x > 0, x, _k.SELU_ALPHA * np.expm1(np.minimum(x, 0.0)))
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


def get(spec, param: float | None = None, **kwargs) -> Activation:
    """Build an :class:`Activation` from a name, an Activation or a jitted function.

    Parameters
    ----------
    spec : str, Activation, dict or numba dispatcher
        A built-in name (``"linear"``, ``"shifted_sigmoid"`` (alias
        ``"sigmoid"``), ``"logistic"``, ``"tanh"``, ``"relu"``, ``"cubic"``,
        ``"elu"``, ``"leaky_relu"``, ``"softplus"``, ``"gelu"``,
        ``"swish"`` (alias ``"silu"``), ``"hard_sigmoid"``, ``"softsign"``,
        ``"selu"``, ``"softmax"`` (output layers only)), an Activation, a dict from :meth:`Activation.to_dict`,
        or a scalar function compiled with ``numba.njit``.
    param : float, optional
        The activation's parameter (:func:`param_name`); also accepted as a
        keyword: ``alpha=``, ``gain=``, ``negative_slope=``, ``beta=`` or
        ``slope=``.

    Raises
    ------
    ValueError
        For an unknown name, a non-finite parameter, a parameter given to an
        activation that has none (``gelu``, ``swish``, ``softsign``,
        ``selu``), or softplus β ≤ 0.
    """
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, dict):
        return Activation.from_dict(spec)
    if kwargs:
        if len(kwargs) > 1 or next(iter(kwargs)) not in _PARAM_KEYWORDS:
            raise TypeError(f"unexpected activation arguments {sorted(kwargs)}; use one of "
                            f"{', '.join(k + '=' for k in _PARAM_KEYWORDS)}")
        param = next(iter(kwargs.values()))
    if callable(spec) and not isinstance(spec, str):
        return custom(spec)
    if not isinstance(spec, str):
        raise TypeError(f"activation must be a name, an Activation or an njit function, got {spec!r}")
    name = _ALIASES.get(spec.lower(), spec.lower())
    if name not in _BUILTIN:
        raise ValueError(f"unknown activation {spec!r}{choice_hint(name, NAMES + tuple(_ALIASES))}")
    code, pname, default = _BUILTIN[name]
    value = default if param is None else float(param)
    if not math.isfinite(value):
        raise ValueError(f"activation {name} parameter must be finite, got {value}")
    if name in _STRICT:
        if pname is None and value != default:
            raise ValueError(f"activation {name} takes no parameter, got {value!r}; leave it out")
        if name == "softplus" and not value > 0:
            raise ValueError(f"softplus β must be > 0, got {value!r}")
    return Activation(name, value)


_PARAM_KEYWORDS = ("alpha", "gain", "negative_slope", "beta", "slope")


def param_name(name) -> str | None:
    """Name of a built-in activation's parameter, or None when it has none.

    ``"gain"`` (linear, logistic, tanh, relu, softmax), ``"alpha"`` (shifted_sigmoid,
    elu), ``"negative_slope"`` (leaky_relu), ``"beta"`` (softplus),
    ``"slope"`` (hard_sigmoid); None for cubic, gelu, swish, softsign, selu.
    """
    key = name.name if isinstance(name, Activation) else str(name).lower()
    key = _ALIASES.get(key, key)
    if key not in _BUILTIN:
        raise ValueError(f"unknown activation {name!r}{choice_hint(key, NAMES + tuple(_ALIASES))}")
    return _BUILTIN[key][1]


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


def elu(alpha: float = 1.0) -> Activation:
    """f(x) = x for x > 0, α(eˣ − 1) otherwise (Keras ``elu``, ``torch.nn.ELU``)."""
    return get("elu", alpha)


def leaky_relu(negative_slope: float = 0.01) -> Activation:
    """f(x) = x for x > 0, negative_slope·x otherwise.

    The default 0.01 is PyTorch's ``nn.LeakyReLU``; Keras' activation
    ``"leaky_relu"`` uses 0.2 and its ``LeakyReLU`` layer 0.3 (the importers
    read the value from the model).
    """
    return get("leaky_relu", negative_slope)


def softplus(beta: float = 1.0) -> Activation:
    """f(x) = log(1 + exp(β·x)) / β, β > 0 (``torch.nn.Softplus(beta)``; Keras: β = 1).

    Evaluated as (log1p(exp(−|βx|)) + max(βx, 0)) / β at every x: PyTorch's
    switch to the identity above ``threshold=20`` differs from it by less than
    2.1e-9/β.
    """
    return get("softplus", beta)


def gelu() -> Activation:
    """f(x) = x·Φ(x) = x(1 + erf(x/√2))/2, the exact (erf) GELU.

    This is Keras' default (``approximate=False``) and PyTorch's default
    (``approximate="none"``); the tanh approximation is not a built-in (use a
    :func:`custom` activation for it).
    """
    return get("gelu")


def swish() -> Activation:
    """f(x) = x/(1 + e^(−x)) = x·logistic(x); alias ``silu`` (Keras, ``torch.nn.SiLU``)."""
    return get("swish")


silu = swish


def hard_sigmoid(slope: float = 1.0 / 6.0) -> Activation:
    """f(x) = min(max(slope·x + 1/2, 0), 1).

    slope = 1/6 (the default) is Keras 3's and PyTorch's ``Hardsigmoid``
    (relu6(x + 3)/6); Keras 2 / tf.keras used slope = 0.2.
    """
    return get("hard_sigmoid", slope)


def softsign() -> Activation:
    """f(x) = x / (1 + |x|)."""
    return get("softsign")


def selu() -> Activation:
    """f(x) = λx for x > 0, λa(eˣ − 1) otherwise, λ = 1.0507009873554805,
    a = 1.6732632423543772 (Klambauer et al. 2017; Keras, ``torch.nn.SELU``)."""
    return get("selu")


def softmax(gain: float = 1.0) -> Activation:
    """f(x)_i = exp(gain·x_i) / Σ_j exp(gain·x_j) over the layer: the classifier readout of
    Semenova & Brunner, Chaos 34, 051101 (2024).  Not elementwise, so it is accepted as the
    output layer's activation only (:attr:`Activation.elementwise`)."""
    return get("softmax", gain)


def load_function(ref: str, base_dir=None) -> Activation:
    """A user activation named ``"module:function"`` or ``"file.py:function"`` (TOML configs).

    Parameters
    ----------
    ref : str
        ``"package.module:function"`` imports the module (from ``sys.path``);
        ``"path/to/file.py:function"`` loads the file, a relative path
        starting at ``base_dir``.  The function must be a scalar
        ``float -> float`` function compiled with ``numba.njit``.
    base_dir : str, optional
        Where relative ``.py`` paths start (a config file's folder).

    Returns
    -------
    Activation
        A user activation named after the function.

    Raises
    ------
    ValueError
        For a malformed reference, a module or file that cannot be imported,
        a missing name, or a function not compiled with ``numba.njit``.
    """
    import importlib
    import importlib.util
    import os

    if not isinstance(ref, str) or ":" not in ref:
        raise ValueError(f'a function reference must be "module:function" or "file.py:function", got {ref!r}')
    where, _, attr = ref.rpartition(":")
    if not where or not attr.isidentifier():
        raise ValueError(f'a function reference must be "module:function" or "file.py:function", got {ref!r}')
    try:
        if where.endswith(".py"):
            path = os.path.expanduser(where)
            if not os.path.isabs(path) and base_dir is not None:
                path = os.path.join(base_dir, path)
            if not os.path.isfile(path):
                raise ValueError(f"{ref!r}: no such file {path} (relative paths start at the config "
                                 "file's folder)")
            spec = importlib.util.spec_from_file_location(
                "fastnoise_user_" + os.path.splitext(os.path.basename(path))[0], path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        else:
            module = importlib.import_module(where)
    except ValueError:
        raise
    except Exception as exc:  # noqa: BLE001 - user code: report any import failure on one line
        text = " ".join(str(exc).split()) or type(exc).__name__
        raise ValueError(f"{ref!r}: cannot import {where} ({type(exc).__name__}: {text})") from None
    if not hasattr(module, attr):
        raise ValueError(f"{ref!r}: {where} has no name {attr!r}")
    try:
        return custom(getattr(module, attr))
    except TypeError as exc:
        raise ValueError(f"{ref!r}: {exc}") from None


def custom(function, name: str | None = None) -> Activation:
    """Wrap a scalar ``float -> float`` function compiled with ``numba.njit``."""
    if not hasattr(function, "py_func"):
        raise TypeError(
            f"a user activation must be compiled with numba.njit, got {function!r}; "
            "decorate it with @numba.njit")
    return Activation(name or function.__name__, 0.0, function)
