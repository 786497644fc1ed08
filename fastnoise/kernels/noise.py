"""The noise of paper Eq. 3 applied to one row of states, in either precision.

A row is the I_n states of one layer for one input t and one repetition k.
Its noise needs a block of I_n + 2 standard normals ``(ξ_c, ξ'_c, z_0, ...,
z_{I_n−1})``: the layer's two correlated normals first, then one normal per
neuron.  Given the shared ξ_c, ξ'_c the two uncorrelated terms
a_MU·x·c_M·ξ_i + a_AU·ξ'_i are exactly N(0, (a_MU x c_M)² + a_AU²), so

    y = x·c_M + c_A + √((a_MU·x·c_M)² + a_AU²)·z_i,
    c_M = 1 + a_MC ξ_c,  c_A = a_AC ξ'_c,

has the distribution of Eq. 3 with one normal per neuron instead of two.
Amplitudes arrive as ``amp[n] = (√(2D_M^U), √(2D_A^U), √(2D_M^C), √(2D_A^C))``.

The routines are generic in the dtype of the row: float64 rows draw from
:mod:`.rng` (two normals per Philox counter, value v is element v mod 2 of
counter v div 2), float32 rows from :mod:`.rng32` (four per counter, whole
blocks of :data:`~.rng32.NORMAL_BLOCK`).  Every value is a function of
(seed, stream, layer, t, k, v) alone: the determinism contract of
``docs/kernels.md``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import overload

from ..config import JIT
from .rng import normal_pair
from .rng32 import NORMAL_BLOCK, fill_normals32

__all__ = ["fill_normals", "fill_normals32", "draw_normals", "normals_size", "layer_word",
           "layer_has_noise", "layer_noise", "given_noise", "noise_row", "correlated_row", "noise_given_normals",
           "noise_given_normals_groups", "apply_noise"]


@njit(**JIT)
def fill_normals(n_values, k, t, layer_word, key0, key1, z):
    """Float64 normals ``z[0..n_values)`` of one (layer, t, k): counter c fills 2c, 2c+1.

    ``z`` must hold ``n_values + 1`` values (an odd count draws one more).
    """
    for c in range((n_values + 1) // 2):
        z[2 * c], z[2 * c + 1] = normal_pair(c, k, t, layer_word, key0, key1)


def draw_normals(n_values, k, t, layer_word, key0, key1, z):
    """Normals ``z[0..n_values)`` of one (layer, t, k) in the dtype of ``z``.

    float64 ``z``: :func:`fill_normals`; float32 ``z``:
    :func:`~.rng32.fill_normals32`.  ``z`` must hold
    :func:`normals_size` (``n_values``) values.  Callable from njit code only.
    """
    raise TypeError("draw_normals is a Numba routine: call it from an @njit function")


@overload(draw_normals, jit_options=JIT, inline="always")
def _draw_normals_typed(n_values, k, t, layer_word, key0, key1, z):
    if isinstance(z, types.Array) and z.dtype == types.float32:
        def draw32(n_values, k, t, layer_word, key0, key1, z):
            fill_normals32(n_values, k, t, layer_word, key0, key1, z)
        return draw32

    def draw64(n_values, k, t, layer_word, key0, key1, z):
        fill_normals(n_values, k, t, layer_word, key0, key1, z)
    return draw64


@njit(**JIT)
def normals_size(max_width):
    """Length of a normals buffer for layers of up to ``max_width`` neurons (either dtype)."""
    return max_width + 2 + NORMAL_BLOCK


@njit(inline="always", **JIT)
def layer_word(n, stream):
    """The RNG counter word of layer ``n`` in stream ``stream`` (uint64)."""
    return np.uint64(n) | (np.uint64(stream) << np.uint64(16))


@njit(inline="always", **JIT)
def layer_noise(amp, n, width, stream):
    """Layer ``n``'s amplitudes, whether it has uncorrelated noise, how many
    normals one repetition needs (I_n + 2, 2 or 0) and its RNG counter word."""
    a_mu = amp[n, 0]
    a_au = amp[n, 1]
    a_mc = amp[n, 2]
    a_ac = amp[n, 3]
    has_unc = a_mu != 0.0 or a_au != 0.0
    has_cor = a_mc != 0.0 or a_ac != 0.0
    n_values = width + 2 if has_unc else (2 if has_cor else 0)
    return a_mu, a_au, a_mc, a_ac, has_unc, n_values, layer_word(n, stream)


@njit(inline="always", **JIT)
def layer_has_noise(amp, n):
    """Whether layer ``n`` has any noise (a nonzero amplitude in ``amp[n]``)."""
    return amp[n, 0] != 0.0 or amp[n, 1] != 0.0 or amp[n, 2] != 0.0 or amp[n, 3] != 0.0


@njit(**JIT)
def given_noise(noise_in, b, k, base, width, z):
    """Copy the given normals of (input b, repetition k) of one layer into ``z``
    (rounded to the dtype of ``z``)."""
    for v in range(width + 2):
        z[v] = noise_in[b, k, base + v]


@njit(**JIT)
def noise_row(row, width, z, amp_mu, amp_au, cm, ca):
    """y = x·c_M + c_A + √((a_MU x c_M)² + a_AU²)·z_i in place (Eq. 3, one normal per neuron).

    In the dtype of its arguments; ``z[i + 2]`` is neuron i's normal.
    """
    au2 = amp_au * amp_au
    for i in range(width):
        xc = row[i] * cm
        m = amp_mu * xc
        row[i] = xc + ca + np.sqrt(m * m + au2) * z[i + 2]


@njit(**JIT)
def correlated_row(row, width, cm, ca):
    """y = x·c_M + c_A in place: a layer with correlated noise only."""
    for i in range(width):
        row[i] = row[i] * cm + ca


@njit(**JIT)
def noise_given_normals(row, width, z, n_values, a_mu, a_au, a_mc, a_ac, has_unc):
    """Eq. 3 on one row, in place, with the layer's normals already in ``z``
    (``n_values`` of them: I_n + 2, or 2 for correlated noise only, or 0 for none).

    The amplitudes and ``n_values`` come from :func:`layer_noise`, once per layer.
    """
    if n_values == 0:
        return
    cm = z.dtype.type(1.0) + a_mc * z[0]
    ca = a_ac * z[1]
    if has_unc:
        noise_row(row, width, z, a_mu, a_au, cm, ca)
    else:
        correlated_row(row, width, cm, ca)


@njit(**JIT)
def noise_given_normals_groups(row, width, z, n_values, groups, a_mu, a_au, a_mc, a_ac, has_unc):
    """:func:`noise_given_normals` with correlated noise per group of neurons (per channel
    of a channels-last map: neuron i is in group i mod ``groups``).

    The layer's normals are ``(ξ_c[0..G), ξ'_c[0..G), z_0, …, z_{I−1})``: ``n_values`` is
    I + 2G, or 2G for correlated noise only.  With G = 1 this is :func:`noise_given_normals`.
    """
    if n_values == 0:
        return
    one = z.dtype.type(1.0)
    au2 = a_au * a_au
    for i in range(width):
        g = i % groups
        cm = one + a_mc * z[g]
        ca = a_ac * z[groups + g]
        xc = row[i] * cm
        if has_unc:
            m = a_mu * xc
            row[i] = xc + ca + np.sqrt(m * m + au2) * z[2 * groups + i]
        else:
            row[i] = xc + ca


@njit(**JIT)
def apply_noise(row, width, amp, n, k, t, stream, key0, key1, noise_in, b, base, z):
    """Eq. 3 noise of layer ``n`` on one row (input t, repetition k), in place.

    Parameters
    ----------
    row : (≥ width,) float64 or float32
        The states the noise acts on: x = f(x̃) for ``noise_at="output"``,
        x̃ for ``noise_at="input"`` (the caller applies the activation after).
    amp : (L, 4) amplitudes, same dtype as ``row``.
    n, k, t : layer, repetition, global input index (counter words).
    stream, key0, key1 : uint64 stream number and key words of the seed.
    noise_in : (B, K, NS) given normals, or shape (0, K, NS) to draw them;
        ``b`` is the row of ``noise_in`` and ``base`` the offset of the
        layer's I_n + 2 normals in its last axis.
    z : scratch of :func:`normals_size` values, same dtype as ``row``.
    """
    a_mu, a_au, a_mc, a_ac, has_unc, n_values, word = layer_noise(amp, n, width, stream)
    if n_values == 0:
        return
    if noise_in.shape[0] > 0:
        given_noise(noise_in, b, k, base, width, z)
    else:
        draw_normals(n_values, np.uint64(k), np.uint64(t), word, key0, key1, z)
    noise_given_normals(row, width, z, n_values, a_mu, a_au, a_mc, a_ac, has_unc)
