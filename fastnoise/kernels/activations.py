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
from .rng32 import _i32_as_f32

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


_F = np.float32
_LOG2E = _F(1.4426950)
_LN2_HI = _F(0.693359375)  # ln 2 = _LN2_HI + _LN2_LO, _LN2_HI exact in 10 bits
_LN2_LO = _F(-2.12194440e-4)
_EXP_LO = _F(-87.0)
_EXP_HI = _F(88.0)
_EXP_C = tuple(_F(1.0 / c) for c in (5040, 720, 120, 24, 6, 2, 1, 1))


@njit(inline="always", **JIT)
def exp32(x):
    """e^x in float32, branch-free (vectorises); x is clamped to [−87, 88].

    x = n ln 2 + r with |r| ≤ ln 2 / 2 (Cody–Waite split of ln 2), e^r by its
    Taylor polynomial of degree 7 (truncation below 2⁻²⁴), 2^n by building
    the exponent bits.  Relative error a few float32 ulps.
    """
    x = _EXP_HI if x > _EXP_HI else x
    x = _EXP_LO if x < _EXP_LO else x
    n = np.floor(x * _LOG2E + _F(0.5))
    r = (x - n * _LN2_HI) - n * _LN2_LO
    p = _EXP_C[0]
    p = p * r + _EXP_C[1]
    p = p * r + _EXP_C[2]
    p = p * r + _EXP_C[3]
    p = p * r + _EXP_C[4]
    p = p * r + _EXP_C[5]
    p = p * r + _EXP_C[6]
    p = p * r + _EXP_C[7]
    return p * _i32_as_f32(np.int32((np.int32(n) + np.int32(127)) << np.int32(23)))


@njit(**JIT)
def apply_activation32(code, p, buf, n):
    """:func:`apply_activation` on a float32 ``buf`` with float32 arithmetic.

    The same functions, evaluated in single precision (eight SIMD lanes with
    AVX2); the logistic uses :func:`exp32`, tanh goes through float64
    ``np.tanh`` (accurate near 0, not vectorised).
    """
    q = _F(p)
    half = _F(0.5)
    one = _F(1.0)
    if code == LINEAR:
        if p != 1.0:
            for i in range(n):
                buf[i] = q * buf[i]
    elif code == SHIFTED_SIGMOID:
        for i in range(n):
            d = q * (buf[i] - half)
            buf[i] = half + half * d / np.sqrt(one + d * d)
    elif code == LOGISTIC:
        for i in range(n):
            buf[i] = one / (one + exp32(-q * buf[i]))
    elif code == TANH:
        for i in range(n):
            buf[i] = _F(np.tanh(p * np.float64(buf[i])))
    elif code == RELU:
        zero = _F(0.0)
        for i in range(n):
            v = q * buf[i]
            buf[i] = v if v > zero else zero
    elif code == CUBIC:
        three = _F(3.0)
        two = _F(2.0)
        for i in range(n):
            v = buf[i]
            buf[i] = v * v * (three - two * v)
    else:
        for i in range(n):
            buf[i] = np.nan


_custom_cache: dict = {}


def custom_applier(functions, builtin=None):
    """An ``apply_activation`` that also knows user-jitted scalar functions.

    ``functions[j]`` is called for code ``CUSTOM_BASE + j``; built-in codes go
    to ``builtin`` (default :func:`apply_activation`; the float32 kernel
    passes :func:`apply_activation32`).  The result is compiled once per
    tuple of functions and kept for the session (it is not cached on disk:
    user functions may live anywhere).
    """
    functions = tuple(functions)
    builtin = apply_activation if builtin is None else builtin
    key = (functions, builtin)
    if key in _custom_cache:
        return _custom_cache[key]
    lines = ["def apply_custom(code, p, buf, n):",
             "    if code < CUSTOM_BASE:",
             "        builtin(code, p, buf, n)",
             "        return"]
    scope = {"CUSTOM_BASE": CUSTOM_BASE, "builtin": builtin, "np": np}
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
    _custom_cache[key] = applier
    return applier
