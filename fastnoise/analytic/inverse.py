"""f', f⁻¹ and the kinks of the activations, as the Eq. 14 recursion needs them.

Eq. 9 writes F̂ = f'(f⁻¹(E y))² Var(x̃): :func:`fprime` gives f'(x),
:func:`inverse` f⁻¹(y) with :func:`inverse_domain` the range where it exists,
and :func:`kinks` the points where f' jumps (made quadrature panel edges).
"""

from __future__ import annotations

import math

import numpy as np

from .. import activations as _acts
from ..kernels import activations as _kacts

__all__ = ["fprime", "fprime_closed", "kinks", "inverse", "inverse_domain"]


def fprime_closed(act, x: np.ndarray) -> np.ndarray:
    """Closed-form f' of the built-ins; central difference for user functions."""
    p = act.param
    if act.is_custom:
        h = 1e-5 * np.maximum(1.0, np.abs(x))
        return (act(x + h) - act(x - h)) / (2 * h)
    if act.name == "linear":
        return np.full_like(x, p)
    if act.name == "shifted_sigmoid":
        d = p * (x - 0.5)
        return 0.5 * p / (1.0 + d * d) ** 1.5
    if act.name == "logistic":
        e = np.exp(-np.abs(p * x))
        return p * e / (1.0 + e) ** 2
    if act.name == "tanh":
        return p / np.cosh(p * x) ** 2
    if act.name == "relu":
        return np.where(p * x > 0, p, 0.0)
    if act.name == "cubic":
        return 6.0 * x * (1.0 - x)
    from .jets import shifted_coefficients              # the activations added after cubic

    return shifted_coefficients(act, x, 1)[..., 1]


def fprime(act, x) -> np.ndarray:
    """f'(x) of an activation.

    Uses the exact derivatives of :func:`fastnoise.analytic.jets.derivatives`
    when that module is available (central differences for user functions),
    else closed forms.  ReLU: f'(x) = p·[p·x > 0], 0 at the kink.
    """
    x = np.asarray(x, float)
    try:
        from .jets import derivatives
    except ImportError:          # pragma: no cover - jets is part of the package
        return fprime_closed(act, x)
    return np.asarray(derivatives(act, x, 1), float)[..., 1]


def kinks(act) -> tuple[float, ...]:
    """Points where f' (or, for softsign and elu, a higher derivative) jumps."""
    if act.is_custom:
        return ()
    if act.name in ("relu", "leaky_relu", "elu", "selu", "softsign"):
        return (0.0,)
    if act.name == "hard_sigmoid" and act.param != 0:
        return tuple(sorted((-0.5 / act.param, 0.5 / act.param)))
    return ()


#: (x_min, f(x_min)): the minimum of the non-monotonic gelu and swish, whose increasing
#: branch x ≥ x_min is the one inverted
_BRANCH = {"gelu": (-0.75179152469356446, -0.16997120747990366),
           "swish": (-1.2784645427610738, -0.27846454276107380)}
_SELU_LOW = -_kacts.SELU_SCALE * _kacts.SELU_ALPHA


def inverse_domain(act) -> tuple[float, float, bool]:
    """(lo, hi, open) range of values on which f⁻¹ is defined."""
    p = act.param
    if act.is_custom or act.name in ("linear", "cubic"):
        return -math.inf, math.inf, True
    if act.name in ("shifted_sigmoid", "logistic"):
        return 0.0, 1.0, True
    if act.name == "tanh":
        return (-1.0, 1.0, True) if p != 0 else (0.0, 0.0, True)
    if act.name == "relu":
        return 0.0, math.inf, True
    if act.name == "elu":
        return (-p, math.inf, True) if p > 0 else (-math.inf, math.inf, False)
    if act.name == "leaky_relu":
        return (-math.inf, math.inf, True) if p > 0 else (0.0, math.inf, True)
    if act.name == "softplus":
        return 0.0, math.inf, True
    if act.name in ("hard_sigmoid", "softsign"):
        return (0.0, 1.0, True) if act.name == "hard_sigmoid" else (-1.0, 1.0, True)
    if act.name == "selu":
        return _SELU_LOW, math.inf, True
    if act.name in _BRANCH:
        return _BRANCH[act.name][1], math.inf, True
    raise AssertionError(act.name)


def inverse(act, y, bracket=None) -> np.ndarray:
    """f⁻¹(y) of an activation (the substitution E(x̃) = f⁻¹(E y) of Eq. 9).

    Closed forms for the built-ins; ``cubic`` takes the increasing branch
    x ∈ [0, 1] for y ∈ [0, 1] (the unique real root elsewhere), ``gelu``
    and ``swish`` (not monotonic) their increasing branch x ≥ x_min
    (−0.7518 and −1.2785), inverted numerically.  A user function is
    inverted numerically inside ``bracket`` = (lo, hi).

    Raises
    ------
    ValueError
        y outside the open range of f (e.g. logistic at y ≥ 1), ReLU at
        y ≤ 0 (every x̃ ≤ 0 gives 0, so f⁻¹ does not exist), a parameter
        that makes f constant.
    """
    y = np.asarray(y, float)
    p = act.param
    name = act.name
    if not act.is_custom and _acts.param_name(name) in ("gain", "alpha", "slope") and p == 0 \
            and name != "elu":
        raise ValueError(f"{name} activation with parameter 0 is constant; f⁻¹ (Eq. 9) does not exist")
    lo, hi, _ = inverse_domain(act)
    if name in ("elu", "leaky_relu") and not act.is_custom and p <= 0:
        raise ValueError(f"{name} with parameter {p:g} ≤ 0 is not increasing (not invertible); f⁻¹ "
                         "(Eq. 9) does not exist — use fn.predict(..., method=\"trained\"), which needs no f⁻¹")
    if name == "relu" and not act.is_custom:
        bad = y[y <= 0]
        if bad.size:
            raise ValueError(f"relu is not invertible at E(y) = {bad.flat[0]:g} ≤ 0 (every x̃ ≤ 0 gives 0); "
                             "f'(f⁻¹(E)) of Eq. 9 needs E > 0")
    else:
        bad = y[(y <= lo) | (y >= hi)]
        if bad.size:
            raise ValueError(f"E(y) = {bad.flat[0]:g} is outside the open range ({lo:g}, {hi:g}) of the "
                             f"{name} activation; f⁻¹ (Eq. 9) is undefined there")
    if act.is_custom:
        if bracket is None:
            raise ValueError(f"inverting the user activation {name!r} needs bracket=(lo, hi) of states")
        from scipy.optimize import brentq
        a, b = float(bracket[0]), float(bracket[1])
        fa, fb = float(act(a)), float(act(b))
        out = np.empty_like(y)
        for i, v in np.ndenumerate(y):
            if not min(fa, fb) <= v <= max(fa, fb):
                raise ValueError(f"E(y) = {v:g} is outside f([{a:g}, {b:g}]) = [{min(fa, fb):g}, "
                                 f"{max(fa, fb):g}] of the user activation {name!r}; cannot invert it")
            out[i] = a if v == fa else b if v == fb else brentq(lambda t: float(act(t)) - v, a, b, xtol=1e-14)
        return out
    if name == "linear":
        return y / p
    if name == "relu":
        return y / p
    if name == "logistic":
        return (np.log(y) - np.log1p(-y)) / p
    if name == "tanh":
        return np.arctanh(y) / p
    if name == "shifted_sigmoid":
        s = 2.0 * y - 1.0
        return 0.5 + s / np.sqrt((1.0 - s) * (1.0 + s)) / p
    if name == "cubic":
        # y = 1/2 + (3/2)t − 2t³ with t = x − 1/2, i.e. 4t³ − 3t = −v, v = 2y − 1
        v = 2.0 * y - 1.0
        inner = np.abs(v) <= 1
        t = np.where(inner, np.sin(np.arcsin(np.clip(v, -1, 1)) / 3.0),
                     -np.sign(v) * np.cosh(np.arccosh(np.maximum(np.abs(v), 1.0)) / 3.0))
        return 0.5 + t
    if name == "elu":
        return np.where(y > 0, y, np.log1p(np.minimum(y, 0.0) / p))
    if name == "selu":
        lam, a = _kacts.SELU_SCALE, _kacts.SELU_ALPHA
        return np.where(y > 0, y / lam, np.log1p(np.minimum(y, 0.0) / (lam * a)))
    if name == "leaky_relu":
        return np.where(y > 0, y, y / p)
    if name == "softplus":
        v = p * y                                # log(e^v − 1) = v + log(1 − e^−v)
        return (v + np.log(-np.expm1(-v))) / p
    if name == "hard_sigmoid":
        return (y - 0.5) / p
    if name == "softsign":
        return y / (1.0 - np.abs(y))
    if name in _BRANCH:
        from scipy.optimize import brentq
        x0 = _BRANCH[name][0]
        out = np.empty_like(y)
        for i, v in np.ndenumerate(y):
            hi = max(1.0, 2.0 * v)
            out[i] = brentq(lambda t: float(act(t)) - v, x0, hi, xtol=1e-15)
        return out
    raise AssertionError(name)

