"""Counter-based float32 normals: Philox4x32-10 and a float32 Box–Muller, four per counter.

The generator of ``precision="float32"`` runs.  Every normal is, as in
:mod:`.rng`, a pure function of a 128-bit counter and the 64-bit key (the
Philox4x32-10 bijection of Salmon et al., SC'11), so results never depend on
threads, blocks or resumption.  It differs from the float64 generator in how
the four 32-bit words of one Philox call become normals:

* words ``(w0, w1)`` and ``(w2, w3)`` each give one Box–Muller pair, so one
  call yields four normals (the float64 generator spends three words on two);
* the transform runs in float32, with branch-free polynomials for ln, sin and
  cos (relative error of a few float32 ulps), so LLVM vectorises it eight
  lanes wide with AVX2;
* the radius uses ``u = (fl(⌊w/2⌋) + ½)·2⁻³¹`` in float32 arithmetic
  (fl: rounding to float32), in [2⁻³², 1], so ``|z| ≤ √(64 ln 2) ≈ 6.66``.  The mass a standard normal
  puts beyond that, 3e-11, is missing: far below what any moment estimated
  from fewer than 10¹⁰ draws can resolve.

Value ``v`` of a layer's block of normals is element ``v mod 4`` of the
normals of counter ``(v div 4, k, t, layer | stream << 16)``: ``(r cos φ,
r sin φ)`` of the first pair, then of the second.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.core import types

from ..config import JIT
from .rng import bitcast, philox4x32

_F = np.float32
_SQRT2 = _F(1.4142135)
_LN2 = _F(0.6931472)
_TWO_PI = _F(6.2831855)
_TWO_M31 = _F(2.0 ** -31)
_TWO_M32 = _F(2.0 ** -32)
_HALF = _F(0.5)
_ONE = _F(1.0)
_EXP_SHIFT = np.int32(23)
_EXP_BIAS = np.int32(127)
_MANT_MASK = np.int32(0x7FFFFF)
_ONE_BITS = np.int32(0x3F800000)
_U1 = np.uint64(1)

# Odd series of ln((1+s)/(1−s)) = 2s(1 + s²/3 + s⁴/5 + ...), |s| ≤ 0.1716;
# Taylor coefficients of sin and cos on [−π/4, π/4], each truncated where the
# next term is below 2⁻²⁶ of the result.
_L = tuple(_F(1.0 / c) for c in (9, 7, 5, 3))
_S = (_F(1 / 362880), _F(-1 / 5040), _F(1 / 120), _F(-1 / 6))
_C = (_F(-1 / 3628800), _F(1 / 40320), _F(-1 / 720), _F(1 / 24), _F(-0.5))


_f32_as_i32 = bitcast(types.float32, types.int32, "_f32_as_i32")
i32_as_f32 = bitcast(types.int32, types.float32, "i32_as_f32")


@njit(inline="always", **JIT)
def log32(u):
    """Natural logarithm of a normal float32 ``u`` in (0, 1], branch-free."""
    bits = _f32_as_i32(u)
    e = _F(np.int32((bits >> _EXP_SHIFT) - _EXP_BIAS))
    m = i32_as_f32(np.int32((bits & _MANT_MASK) | _ONE_BITS))  # in [1, 2)
    big = m > _SQRT2
    m = _HALF * m if big else m
    e = e + _ONE if big else e
    s = (m - _ONE) / (m + _ONE)
    s2 = s * s
    p = _L[0]
    p = p * s2 + _L[1]
    p = p * s2 + _L[2]
    p = p * s2 + _L[3]
    p = p * s2 + _ONE
    return e * _LN2 + _F(2.0) * s * p


@njit(inline="always", **JIT)
def sincos32(a):
    """``(sin 2πa, cos 2πa)`` in float32 for ``a`` in [−0.5, 0.5], branch-free."""
    q = np.floor(_F(4.0) * a + _HALF)  # quadrant in {-2, ..., 2}
    x = _TWO_PI * (a - _F(0.25) * q)  # in [-pi/4, pi/4]
    x2 = x * x
    s = _S[0]
    s = s * x2 + _S[1]
    s = s * x2 + _S[2]
    s = s * x2 + _S[3]
    s = x + x * x2 * s
    c = _C[0]
    c = c * x2 + _C[1]
    c = c * x2 + _C[2]
    c = c * x2 + _C[3]
    c = c * x2 + _C[4]
    c = _ONE + x2 * c
    qi = np.int32(q) & np.int32(3)
    odd = (qi & np.int32(1)) == np.int32(1)
    sin_v = c if odd else s
    cos_v = s if odd else c
    sin_v = -sin_v if qi >= np.int32(2) else sin_v
    cos_v = -cos_v if (qi == np.int32(1) or qi == np.int32(2)) else cos_v
    return sin_v, cos_v


@njit(inline="always", **JIT)
def words_to_normals32(w_radius, w_angle):
    """Two independent float32 standard normals from two 32-bit words (Box–Muller)."""
    u = (_F(np.int32(w_radius >> _U1)) + _HALF) * _TWO_M31  # in (0, 1]
    a = _F(np.int32(np.uint32(w_angle))) * _TWO_M32  # in [-0.5, 0.5]
    r = np.sqrt(_F(-2.0) * log32(u))
    s, c = sincos32(a)
    return r * c, r * s


@njit(inline="always", **JIT)
def normal_quad(slot, k, t, layer_word, key0, key1):
    """The four float32 normals owned by one counter (see module docstring)."""
    w0, w1, w2, w3 = philox4x32(np.uint64(slot), np.uint64(k), np.uint64(t), layer_word,
                                key0, key1)
    z0, z1 = words_to_normals32(w0, w1)
    z2, z3 = words_to_normals32(w2, w3)
    return z0, z1, z2, z3


#: :func:`fill_normals32` draws whole blocks of this many values (8 counters): LLVM
#: vectorises the counter loop 8 lanes wide, and a scalar remainder of up to 7 counters
#: (scalar ln and sin/cos) cost as much as the vector part for a 200-neuron layer.  The
#: values past ``n_values`` are drawn and left unused; every counter's values stay the same.
NORMAL_BLOCK = 32


def normals_buffer_size(n_values: int) -> int:
    """Length of a ``z`` buffer that :func:`fill_normals32` may fill for ``n_values``."""
    return -(-int(n_values) // NORMAL_BLOCK) * NORMAL_BLOCK


@njit(inline="always", **JIT)
def fill_normals32(n_values, k, t, layer_word, key0, key1, z):
    """Normals ``z[0..n_values)`` of one (layer, t, k).

    Fills ``z`` up to the next multiple of :data:`NORMAL_BLOCK` (see there), so
    ``z`` must hold :func:`normals_buffer_size` (``n_values``) values.
    """
    for c in range((n_values + NORMAL_BLOCK - 1) // NORMAL_BLOCK * (NORMAL_BLOCK // 4)):
        z[4 * c], z[4 * c + 1], z[4 * c + 2], z[4 * c + 3] = normal_quad(
            c, k, t, layer_word, key0, key1)


@njit(**JIT)
def _normal_quads_kernel(n_slots, k, t, layer_word, key0, key1, out):
    """``out[4c:4c+4]`` = the normals of counters c = 0..n_slots−1 (tests, benchmarks)."""
    for c in range(n_slots):
        out[4 * c], out[4 * c + 1], out[4 * c + 2], out[4 * c + 3] = normal_quad(
            c, k, t, layer_word, key0, key1)


def normal_quads(n_slots: int, k: int, t: int, layer: int, seed: int, stream: int = 0):
    """The ``4·n_slots`` float32 normals of counters 0..n_slots−1 of one (layer, t, k).

    A convenience for tests and benchmarks; the simulator draws them inside
    its kernel.
    """
    out = np.empty(4 * int(n_slots), dtype=np.float32)
    layer_word = np.uint64(int(layer) | (int(stream) << 16))
    _normal_quads_kernel(int(n_slots), np.uint64(k), np.uint64(t), layer_word,
                         np.uint64(seed & 0xFFFFFFFF), np.uint64(seed >> 32), out)
    return out
