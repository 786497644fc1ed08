"""Counter-based random numbers: Philox4x32-10 and a vectorisable Box–Muller.

Every standard normal drawn by fastnoise is a pure function of a 128-bit
counter and a 64-bit key (Salmon et al., "Parallel random numbers: as easy as
1, 2, 3", SC'11, the Philox4x32-10 bijection).  The simulator uses the counter
``(neuron + 1, repetition k, input t, layer | stream << 16)`` and the seed as
key, so a draw never depends on the thread that computes it, on the block of
inputs it belongs to, or on whether a run was resumed.  Neuron slot 0 of each
(layer, t, k) holds the layer's correlated noise.

One Philox call gives four 32-bit words.  Words 0–1 give a 52-bit uniform
``u1`` in (0, 1], word 2 a 32-bit angle; Box–Muller then yields two
independent standard normals ``r cos φ`` and ``r sin φ`` with
``r = sqrt(-2 ln u1)``, ``φ = 2π u2``.  ``ln``, ``sin`` and ``cos`` are
evaluated with branch-free polynomials (relative error below 1e-15) so that
LLVM vectorises loops over neurons without a vector math library.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.core import types
from numba.extending import intrinsic

from ..config import JIT

# Philox4x32 multipliers and Weyl key increments (Salmon et al. 2011).
_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint32(0x9E3779B9)
_W1 = np.uint32(0xBB67AE85)
_MASK32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)

_EXP_MASK = np.uint64(0x7FF)
_MANT_MASK = np.uint64(0x000FFFFFFFFFFFFF)
_ONE_BITS = np.uint64(0x3FF0000000000000)
_SHIFT52 = np.uint64(52)
_SHIFT20 = np.uint64(20)
_MAGIC_BITS = np.uint64(0x4330000000000000)  # 2**52 as a float64
_MAGIC_OFFSET = 2.0 ** 52 + 1023.0
_LN2 = 0.6931471805599453
_SQRT2 = 1.4142135623730951
_TWO_PI = 6.283185307179586
_TWO_M32 = 2.0 ** -32


def bitcast(src, dst, name: str):
    """A Numba intrinsic that reinterprets the bits of a ``src`` value as ``dst``.

    No conversion: the same bits read as another type of the same width (used
    to build floats from integer bit patterns and back, branch-free).
    """
    def cast(typingctx, value):
        if value != src:
            return None

        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], context.get_value_type(dst))

        return dst(src), codegen

    cast.__name__ = cast.__qualname__ = name
    return intrinsic(cast)


_u64_as_f64 = bitcast(types.uint64, types.float64, "_u64_as_f64")
_f64_as_u64 = bitcast(types.float64, types.uint64, "_f64_as_u64")


@njit(inline="always", **JIT)
def philox4x32(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10: map a 128-bit counter under a 64-bit key to 128 bits.

    All arguments and results are uint32 values held in uint64 integers.
    """
    for _ in range(10):
        p0 = _M0 * c0
        p1 = _M1 * c2
        hi0 = p0 >> _SHIFT32
        lo0 = p0 & _MASK32
        hi1 = p1 >> _SHIFT32
        lo1 = p1 & _MASK32
        c0 = hi1 ^ c1 ^ k0
        c1 = lo1
        c2 = hi0 ^ c3 ^ k1
        c3 = lo0
        k0 = (k0 + np.uint64(_W0)) & _MASK32
        k1 = (k1 + np.uint64(_W1)) & _MASK32
    return c0, c1, c2, c3


@njit(inline="always", **JIT)
def log_unit(u):
    """Natural logarithm of a normal float ``u`` in [2**-1022, 1], branch-free.

    Relative error below 1e-15.  Subnormal inputs are outside the domain (the
    generator only passes u ≥ 2**-52).
    """
    bits = _f64_as_u64(u)
    # exponent as a float without an int64 -> float64 conversion (none in AVX2)
    e = _u64_as_f64(((bits >> _SHIFT52) & _EXP_MASK) | _MAGIC_BITS) - _MAGIC_OFFSET
    m = _u64_as_f64((bits & _MANT_MASK) | _ONE_BITS)  # in [1, 2)
    big = m > _SQRT2
    m = 0.5 * m if big else m
    e = e + 1.0 if big else e
    s = (m - 1.0) / (m + 1.0)  # |s| <= 0.1716
    s2 = s * s
    p = 1.0 / 21.0
    p = p * s2 + 1.0 / 19.0
    p = p * s2 + 1.0 / 17.0
    p = p * s2 + 1.0 / 15.0
    p = p * s2 + 1.0 / 13.0
    p = p * s2 + 1.0 / 11.0
    p = p * s2 + 1.0 / 9.0
    p = p * s2 + 1.0 / 7.0
    p = p * s2 + 1.0 / 5.0
    p = p * s2 + 1.0 / 3.0
    p = p * s2 + 1.0
    return e * _LN2 + 2.0 * s * p


@njit(inline="always", **JIT)
def sincos_turn(a):
    """``(sin 2πa, cos 2πa)`` for ``a`` in [-0.5, 0.5], branch-free."""
    q = np.floor(4.0 * a + 0.5)  # quadrant in {-2, ..., 2}
    x = _TWO_PI * (a - 0.25 * q)  # in [-pi/4, pi/4]
    x2 = x * x
    # Taylor series, truncated where the next term is below 1e-17.
    s = -1.0 / 1307674368000.0  # -1/15!
    s = s * x2 + 1.0 / 6227020800.0
    s = s * x2 - 1.0 / 39916800.0
    s = s * x2 + 1.0 / 362880.0
    s = s * x2 - 1.0 / 5040.0
    s = s * x2 + 1.0 / 120.0
    s = s * x2 - 1.0 / 6.0
    s = x + x * x2 * s
    c = 1.0 / 20922789888000.0  # 1/16!
    c = c * x2 - 1.0 / 87178291200.0
    c = c * x2 + 1.0 / 479001600.0
    c = c * x2 - 1.0 / 3628800.0
    c = c * x2 + 1.0 / 40320.0
    c = c * x2 - 1.0 / 720.0
    c = c * x2 + 1.0 / 24.0
    c = c * x2 - 0.5
    c = 1.0 + x2 * c
    qi = np.int64(q) & 3
    odd = (qi & 1) == 1
    sin_v = c if odd else s
    cos_v = s if odd else c
    sin_v = -sin_v if qi >= 2 else sin_v
    cos_v = -cos_v if (qi == 1 or qi == 2) else cos_v
    return sin_v, cos_v


@njit(inline="always", **JIT)
def words_to_normals(w0, w1, w2):
    """Two independent standard normals from three 32-bit words (Box–Muller)."""
    mant = ((w0 << _SHIFT20) ^ w1) & _MANT_MASK
    u1 = 2.0 - _u64_as_f64(mant | _ONE_BITS)  # in (0, 1]
    a = np.float64(np.int32(np.uint32(w2))) * _TWO_M32  # in [-0.5, 0.5)
    r = np.sqrt(-2.0 * log_unit(u1))
    s, c = sincos_turn(a)
    return r * c, r * s


@njit(inline="always", **JIT)
def normal_pair(neuron_slot, k, t, layer_word, key0, key1):
    """The two normals owned by one counter (see module docstring)."""
    w0, w1, w2, _ = philox4x32(np.uint64(neuron_slot), np.uint64(k), np.uint64(t),
                               layer_word, key0, key1)
    return words_to_normals(w0, w1, w2)


@njit(**JIT)
def _philox_kernel(counters, key0, key1, out):
    """Apply Philox4x32-10 to rows of ``counters`` (n, 4) -> ``out`` (n, 4)."""
    for r in range(counters.shape[0]):
        a, b, c, d = philox4x32(counters[r, 0], counters[r, 1], counters[r, 2],
                                counters[r, 3], key0, key1)
        out[r, 0] = a
        out[r, 1] = b
        out[r, 2] = c
        out[r, 3] = d


@njit(**JIT)
def _normal_pairs_kernel(n_slots, k, t, layer_word, key0, key1, z_mult, z_add):
    """Fill ``z_mult[i], z_add[i]`` with the normals of neuron slots 0..n-1."""
    for i in range(n_slots):
        z_mult[i], z_add[i] = normal_pair(i, k, t, layer_word, key0, key1)
