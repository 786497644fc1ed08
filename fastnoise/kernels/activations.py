"""Activation functions applied in place to a buffer of internal states.

Codes (see :mod:`fastnoise.activations` for the public names):

====  ==================  ===========================================
code  name                f(x), parameter p
====  ==================  ===========================================
0     linear              p·x  (gain p)
1     shifted sigmoid     1/2 + p(x−1/2) / (2√(1+p²(x−1/2)²)), slope α=p
                          (paper, Sec. II A)
2     logistic            1 / (1 + exp(−p·x))
3     tanh                tanh(p·x)
4     relu                max(0, p·x)
5     cubic               3x² − 2x³ (paper, Methods VII A)
≥100  user-defined        the (code−100)-th user function
====  ==================  ===========================================
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..config import JIT

LINEAR, SHIFTED_SIGMOID, LOGISTIC, TANH, RELU, CUBIC = 0, 1, 2, 3, 4, 5
CUSTOM_BASE = 100


@njit(**JIT)
def apply_activation(code, p, buf, n):
    """Replace ``buf[:n]`` by ``f(buf[:n])`` for a built-in activation ``code``."""
    if code == LINEAR:
        if p != 1.0:
            for i in range(n):
                buf[i] = p * buf[i]
    elif code == SHIFTED_SIGMOID:
        for i in range(n):
            d = p * (buf[i] - 0.5)
            buf[i] = 0.5 + 0.5 * d / np.sqrt(1.0 + d * d)
    elif code == LOGISTIC:
        for i in range(n):
            buf[i] = 1.0 / (1.0 + np.exp(-p * buf[i]))
    elif code == TANH:
        for i in range(n):
            buf[i] = np.tanh(p * buf[i])
    elif code == RELU:
        for i in range(n):
            v = p * buf[i]
            buf[i] = v if v > 0.0 else 0.0
    elif code == CUBIC:
        for i in range(n):
            v = buf[i]
            buf[i] = v * v * (3.0 - 2.0 * v)
    else:
        for i in range(n):
            buf[i] = np.nan


_custom_cache: dict = {}


def custom_applier(functions):
    """An ``apply_activation`` that also knows user-jitted scalar functions.

    ``functions[j]`` is called for code ``CUSTOM_BASE + j``.  The result is
    compiled once per tuple of functions and kept for the session (it is not
    cached on disk: user functions may live anywhere).
    """
    functions = tuple(functions)
    if functions in _custom_cache:
        return _custom_cache[functions]
    lines = ["def apply_custom(code, p, buf, n):",
             "    if code < CUSTOM_BASE:",
             "        builtin(code, p, buf, n)",
             "        return"]
    scope = {"CUSTOM_BASE": CUSTOM_BASE, "builtin": apply_activation, "np": np}
    for j, fn in enumerate(functions):
        scope[f"user_{j}"] = fn
        lines += [f"    if code == {CUSTOM_BASE + j}:",
                  "        for i in range(n):",
                  f"            buf[i] = user_{j}(buf[i])",
                  "        return"]
    lines += ["    for i in range(n):", "        buf[i] = np.nan"]
    exec("\n".join(lines), scope)  # noqa: S102 - generated from a fixed template
    opts = dict(JIT, cache=False)
    applier = njit(**opts)(scope["apply_custom"])
    _custom_cache[functions] = applier
    return applier
