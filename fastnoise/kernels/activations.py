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
6     elu                 x for x > 0, p·(eˣ − 1) otherwise (α = p)
7     leaky_relu          x for x > 0, p·x otherwise (negative slope p)
8     softplus            log(1 + exp(p·x)) / p (β = p > 0)
9     gelu                x·Φ(x) = x·erfc(−x/√2)/2 (exact erf form)
10    swish (silu)        x / (1 + exp(−x))
11    hard_sigmoid        min(max(p·x + 1/2, 0), 1) (slope p; 1/6 in
                          Keras 3 and PyTorch, 0.2 in Keras 2)
12    softsign            x / (1 + |x|)
13    selu                λ·x for x > 0, λ·a·(eˣ − 1) otherwise
                          (λ = 1.0507009873554805, a = 1.6732632423543772)
14    softmax             exp(p·x_i) / Σ_j exp(p·x_j) over the whole row
                          (the layer's neurons; gain p): a readout, not
                          elementwise
≥100  user-defined        the (code−100)-th user function
====  ==================  ===========================================
"""

from __future__ import annotations

import math

import numpy as np
from numba import cfunc, njit, types
from numba.extending import overload

from ..config import CACHE, JIT
from .rng import bitcast
from .rng32 import i32_as_f32

LINEAR, SHIFTED_SIGMOID, LOGISTIC, TANH, RELU, CUBIC = 0, 1, 2, 3, 4, 5
ELU, LEAKY_RELU, SOFTPLUS, GELU, SWISH, HARD_SIGMOID, SOFTSIGN, SELU = 6, 7, 8, 9, 10, 11, 12, 13
SOFTMAX = 14
#: SELU's constants λ and a (Klambauer et al. 2017; the values of PyTorch and Keras)
SELU_SCALE = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717
_SQRT_HALF = 0.7071067811865476
CUSTOM_BASE = 100
#: Options of the placeholder first-class functions (cached; no fastmath needed).
_CFUNC = dict(cache=CACHE)


@njit(**JIT)
def softmax_row(p, buf, n):
    """Replace ``buf[:n]`` by softmax(p·buf[:n]) (code 14), float64 or float32 ``buf``.

    In float64 arithmetic whatever the dtype of ``buf``: shifted by the row's
    maximum (so no exponential overflows), e_i = exp(p·x_i − max) stored in ``buf``
    (rounded to its dtype), their unrounded sum S accumulated in index order,
    then each stored e_i / S rounded to the dtype.
    A NaN anywhere in the row makes the whole row NaN.
    """
    top = -np.inf
    bad = False
    for i in range(n):
        v = p * np.float64(buf[i])
        if v != v:
            bad = True
        elif v > top:
            top = v
    if bad:
        for i in range(n):
            buf[i] = np.nan
        return
    total = 0.0
    for i in range(n):
        e = np.exp(p * np.float64(buf[i]) - top)
        total += e
        buf[i] = e
    for i in range(n):
        buf[i] = np.float64(buf[i]) / total


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
    elif code >= ELU and code <= SELU:
        _apply_more(code, p, buf, n)
    elif code == SOFTMAX:
        softmax_row(p, buf, n)
    else:
        for i in range(n):
            buf[i] = np.nan


@njit(**JIT)
def _apply_more(code, p, buf, n):
    """Codes 6..13 of :func:`apply_activation` (float64 or float32 ``buf``; the
    transcendental functions are evaluated in float64 and rounded back)."""
    if code == ELU:
        for i in range(n):
            v = np.float64(buf[i])
            buf[i] = v if v > 0.0 else p * np.expm1(v)
    elif code == LEAKY_RELU:
        for i in range(n):
            v = np.float64(buf[i])
            buf[i] = v if v > 0.0 else p * v
    elif code == SOFTPLUS:
        for i in range(n):
            v = p * np.float64(buf[i])
            buf[i] = (np.log1p(np.exp(-abs(v))) + (v if v > 0.0 else 0.0)) / p
    elif code == GELU:
        for i in range(n):
            v = np.float64(buf[i])
            buf[i] = 0.5 * v * math.erfc(-v * _SQRT_HALF)
    elif code == SWISH:
        for i in range(n):
            v = np.float64(buf[i])
            buf[i] = v / (1.0 + np.exp(-v))
    elif code == HARD_SIGMOID:
        for i in range(n):
            v = p * np.float64(buf[i]) + 0.5
            buf[i] = 0.0 if v < 0.0 else (1.0 if v > 1.0 else v)
    elif code == SOFTSIGN:
        for i in range(n):
            v = np.float64(buf[i])
            buf[i] = v / (1.0 + abs(v))
    elif code == SELU:
        for i in range(n):
            v = np.float64(buf[i])
            buf[i] = SELU_SCALE * v if v > 0.0 else (SELU_SCALE * SELU_ALPHA) * np.expm1(v)
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
    return p * i32_as_f32(np.int32((np.int32(n) + np.int32(127)) << np.int32(23)))


_TANH_C = tuple(_F(c) for c in (-1.0 / 3.0, 2.0 / 15.0, -17.0 / 315.0, 62.0 / 2835.0))


@njit(inline="always", **JIT)
def tanh32(x):
    """tanh x in float32, branch-free (vectorises, unlike the float64 ``np.tanh`` call).

    |x| < 0.25: the odd Taylor polynomial to x⁹ (truncation below 3·10⁻⁹ relative);
    otherwise 1 − 2/(e^{2|x|} + 1) with :func:`exp32` (cancellation costs at most a
    factor 3 there).  Relative error a few float32 ulps.
    """
    a = abs(x)
    x2 = x * x
    small = x + x * x2 * (_TANH_C[0] + x2 * (_TANH_C[1] + x2 * (_TANH_C[2] + x2 * _TANH_C[3])))
    big = _F(1.0) - _F(2.0) / (exp32(_F(2.0) * a) + _F(1.0))
    big = big if x >= _F(0.0) else -big
    return small if a < _F(0.25) else big


_TANH64_C = (-0.3333333333333333, 0.13333333333333333, -0.05396825396825397, 0.021869488536155203, -0.008863235529902197, 0.003592128036572481, -0.0014558343870513183, 0.000590027440945586, -0.00023912911424355248, 9.691537956929451e-05, -3.927832388331683e-05)
_EXP64_C = tuple(1.0 / math.factorial(k) for k in range(13, -1, -1))
_LN2_HI64 = 0.6931471803691238      # ln 2 = _LN2_HI64 + _LN2_LO64, the high part exact in 32 bits
_LN2_LO64 = 1.9082149292705877e-10
_u64_as_f64 = bitcast(types.uint64, types.float64, "_u64_as_f64")


@njit(inline="always", **JIT)
def exp64(x):
    """e^x in float64 for 0 ≤ x ≤ 50, branch-free (vectorises, unlike ``np.exp``).

    x = n ln 2 + r, |r| ≤ ln 2 / 2 (Cody–Waite), e^r by its Taylor polynomial of
    degree 13 (truncation below 10⁻¹⁷), 2^n from the exponent bits.  About one ulp.
    """
    x = 50.0 if x > 50.0 else x
    n = np.floor(x * 1.4426950408889634 + 0.5)
    r = (x - n * _LN2_HI64) - n * _LN2_LO64
    p = _EXP64_C[0]
    for c in _EXP64_C[1:]:
        p = p * r + c
    return p * _u64_as_f64(np.uint64(np.int64(n) + 1023) << np.uint64(52))


@njit(inline="always", **JIT)
def tanh64(x):
    """tanh x in float64, branch-free (vectorises, unlike ``np.tanh``).

    |x| < 0.3: the odd Taylor polynomial to x²³ (truncation below 10⁻¹⁷ relative);
    otherwise 1 − 2/(e^{2|x|} + 1) with :func:`exp64` (cancellation costs at most a
    factor 2.4 there).  Relative error a few ulps.
    """
    a = abs(x)
    x2 = x * x
    q = _TANH64_C[-1]
    for c in _TANH64_C[-2::-1]:
        q = q * x2 + c
    small = x + x * x2 * q
    big = 1.0 - 2.0 / (exp64(2.0 * a) + 1.0)
    big = big if x >= 0.0 else -big
    return small if a < 0.3 else big


@njit(**JIT)
def apply_activation32(code, p, buf, n):
    """:func:`apply_activation` on a float32 ``buf`` with float32 arithmetic.

    The same functions, evaluated in single precision (eight SIMD lanes with
    AVX2); the logistic uses :func:`exp32`, tanh goes through float64
    ``np.tanh`` (accurate near 0, not vectorised), and so do codes 6..13
    (elu ... selu: float64 arithmetic, rounded to float32 on store).
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
    elif code >= ELU and code <= SELU:
        _apply_more(code, p, buf, n)
    elif code == SOFTMAX:
        softmax_row(p, buf, n)
    else:
        for i in range(n):
            buf[i] = np.nan


def activate(code, p, buf, n, user):
    """Replace ``buf[:n]`` by ``f(buf[:n])``: a built-in ``code`` or a user function.

    Built-in codes go to :func:`apply_activation` (float64 ``buf``) or
    :func:`apply_activation32` (float32 ``buf``); code ``CUSTOM_BASE + j``
    evaluates ``user(j, x)``, the first-class function of
    :func:`user_functions` (in the dtype of ``buf``).  Callable from njit code only.
    """
    raise TypeError("activate is a Numba routine: call it from an @njit function")


@overload(activate, jit_options=JIT, inline="always")
def _activate_typed(code, p, buf, n, user):
    builtin = (apply_activation32 if isinstance(buf, types.Array) and buf.dtype == types.float32
               else apply_activation)

    def impl(code, p, buf, n, user):
        if code >= CUSTOM_BASE:
            j = code - CUSTOM_BASE
            for i in range(n):
                buf[i] = user(j, buf[i])
        else:
            builtin(code, p, buf, n)
    return impl


@njit(**JIT)
def apply_row(code, p, buf, n, user):
    """:func:`activate` callable from Python (the analytic code evaluates user functions with it)."""
    activate(code, p, buf, n, user)


@cfunc(types.float64(types.int64, types.float64), **_CFUNC)
def _no_user64(j, x):  # the user function of a network without user activations (never called)
    return np.nan


@cfunc(types.float32(types.int64, types.float32), **_CFUNC)
def _no_user32(j, x):
    return np.float32(np.nan)


_user_cache: dict = {}


def user_functions(functions=(), dtype=np.float64):
    """The user activations ``functions`` as one first-class Numba function ``user(j, x)``.

    The kernels take user activations as an argument of Numba's first-class
    function type (a ``numba.cfunc`` of signature ``dtype(int64, dtype)``):
    ``user(j, x)`` is ``functions[j](x)``.  The kernels, compiled once for
    that function type, stay cached on disk whatever the user functions are;
    only this small wrapper is compiled per session and tuple of functions
    (the ``numba.njit`` user functions keep their own options).  With no
    ``functions`` it is a placeholder that no code calls.
    """
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise ValueError(f"user activations run in float64 or float32, not {dtype}")
    f32 = dtype == np.dtype(np.float32)
    functions = tuple(functions)
    if not functions:
        return _no_user32 if f32 else _no_user64
    key = (functions, f32)
    if key not in _user_cache:
        ty = types.float32 if f32 else types.float64
        _user_cache[key] = cfunc(ty(types.int64, ty), cache=False)(_select(functions).py_func)
    return _user_cache[key]


def _select(functions):
    """An njit ``select(j, x) = functions[j](x)``, built as a chain of closures
    (``functions[0]`` or the chain of the rest)."""
    first = functions[0]
    if len(functions) == 1:
        def select(j, x):
            return first(x)
    else:
        rest = _select(functions[1:])

        def select(j, x):
            return first(x) if j == 0 else rest(j - 1, x)
    return njit(cache=False)(select)
