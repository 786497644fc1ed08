"""One layer of K noisy repetitions: bias, activation and noise row by row.

After :func:`.ops.op_states` has put x̃ − b of every repetition into a
(K, I_n) block, :func:`noisy_rows` finishes it one row (repetition) at a
time while the row is in L1 cache:

* ``noise_at="output"`` (paper Eqs. 2–3): x̃ += b, x = f(x̃), y = Eq. 3 on x;
* ``noise_at="input"``: x̃ += b, x̃ ← Eq. 3 on x̃, y = x = f(x̃);

and adds the row to the running moments (:mod:`.moments`).  Generic in the
dtype of the block (float64 or float32 kernels share it).

:func:`dense_step` is one dense layer of K repetitions from plain arrays, the
public building block of ``docs/kernels.md``; the simulator runs the same
routines through its program.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..config import JIT
from .activations import activate
from .moments import accumulate_row, accumulate_sums
from .noise import (apply_noise, draw_normals, given_noise, layer_has_noise, layer_noise,
                    layer_word, noise_given_normals, noise_given_normals_groups, normals_size)
from .program import NOISE_INPUT

__all__ = ["noisy_rows", "shared_row", "copy_row", "shared_states", "constant_moments",
           "exact_additive_moments", "projected_states", "noisy_activation", "dense_step"]


@njit(**JIT)
def noisy_activation(row, width, code, param, place, user, amp, n, k, t, stream, key0, key1,
                     noise_in, b, base, z):
    """x = f(x̃) with layer ``n``'s Eq. 3 noise after f (``place`` 0, ``"output"``)
    or before it (``place`` 1, ``"input"``), in place on one row of x̃.

    ``code``/``param``: the activation (:func:`.activations.activate`; ``user``
    the user function of :func:`.activations.user_functions`); the other arguments as
    :func:`.noise.apply_noise`.
    """
    if place == NOISE_INPUT:
        apply_noise(row, width, amp, n, k, t, stream, key0, key1, noise_in, b, base, z)
        activate(code, param, row, width, user)
    else:
        activate(code, param, row, width, user)
        apply_noise(row, width, amp, n, k, t, stream, key0, key1, noise_in, b, base, z)


@njit(inline="always", **JIT)
def noisy_rows(y, n, t, bias, code, param, place, user, amp, stream, key0, key1,
               noise_in, b, base, z, shift, acc, acc2, activated=False, k0=0, squares=False,
               groups=1):
    """Finish layer ``n``'s block ``y`` (R, I_n) of x̃ − b in place and sum its moments.

    ``bias`` is the layer's bias (length I_n, or empty for none).  Row k is
    repetition ``k0`` + k of global input ``t``; ``squares``: sum d² too
    (:func:`.moments.accumulate_sums`, for repetitions made in chunks); ``groups``:
    correlated noise per channel of a map (:func:`.noise.noise_given_normals_groups`)
    when above 1.  Per row as :func:`noisy_activation`,
    with the layer's amplitudes read once (no shared array is handed to a
    routine per row: their reference counts would be contended between threads).
    ``activated``: the rows hold f(x̃) already (a shared noiseless prefix,
    see :func:`shared_states`); only the noise remains.
    """
    repeats, width = y.shape
    has_bias = bias.shape[0] > 0
    a_mu, a_au, a_mc, a_ac, has_unc, n_values, word = layer_noise(amp, n, width, stream)
    if groups > 1 and n_values > 0:
        n_values += 2 * (groups - 1)
    given = noise_in.shape[0] > 0
    for kr in range(repeats):
        row = y[kr]
        k = k0 + kr
        if has_bias:
            for i in range(width):
                row[i] += bias[i]
        if n_values > 0:
            if given:
                given_noise(noise_in, b, k, base, width + 2 * (groups - 1), z)
            else:
                draw_normals(n_values, np.uint64(k), np.uint64(t), word, key0, key1, z)
        if place == NOISE_INPUT and n_values > 0:
            if groups > 1:
                noise_given_normals_groups(row, width, z, n_values, groups, a_mu, a_au, a_mc, a_ac,
                                           has_unc)
            else:
                noise_given_normals(row, width, z, n_values, a_mu, a_au, a_mc, a_ac, has_unc)
        if not activated:
            activate(code, param, row, width, user)
        if place != NOISE_INPUT and n_values > 0:
            if groups > 1:
                noise_given_normals_groups(row, width, z, n_values, groups, a_mu, a_au, a_mc, a_ac,
                                           has_unc)
            else:
                noise_given_normals(row, width, z, n_values, a_mu, a_au, a_mc, a_ac, has_unc)
        if squares:
            accumulate_sums(row, width, k == 0, shift, acc, acc2)
        else:
            accumulate_row(row, width, k == 0, shift, acc, acc2)


@njit(inline="always", **JIT)
def shared_row(y, bias, code, param, place, user, noisy):
    """Finish the one computed row of a layer whose x̃ is the same in every repetition
    (its input is noiseless); return whether it holds f(x̃) already.

    Row 0 of ``y`` holds x̃ − b.  The bias is added, and f applied unless the
    layer's noise comes before f (``noise_at="input"`` of a noisy layer): the
    same elementwise arithmetic every row would do, done once.
    """
    row = y[0]
    for i in range(bias.shape[0]):
        row[i] += bias[i]
    activated = not (noisy and place == NOISE_INPUT)
    if activated:
        activate(code, param, row, y.shape[1], user)
    return activated


@njit(inline="always", **JIT)
def copy_row(y):
    """Copy row 0 of ``y`` (K, I_n) to the other K − 1 rows."""
    repeats, width = y.shape
    for k in range(1, repeats):
        for i in range(width):
            y[k, i] = y[0, i]


@njit(inline="always", **JIT)
def shared_states(y, bias, code, param, place, user, noisy):
    """:func:`shared_row`, then :func:`copy_row`: all K rows hold the finished
    shared state; return whether they hold f(x̃) already."""
    activated = shared_row(y, bias, code, param, place, user, noisy)
    copy_row(y)
    return activated


@njit(inline="always", **JIT)
def constant_moments(row, mean, var):
    """Moments of K copies of a finite ``row`` without making them: mean = row,
    variance 0, the bits :func:`.moments.finish_moments` gives for identical rows
    (including −0 → +0).  Returns False, writing nothing, if an entry is not finite
    (there the general path's NaN propagation must be kept)."""
    width = mean.shape[0]
    for i in range(width):
        if not np.isfinite(row[i]):
            return False
    for i in range(width):
        mean[i] = np.float64(row[i]) + 0.0
        var[i] = 0.0
    return True


@njit(inline="always", **JIT)
def exact_additive_moments(row, amp, n, mean, var):
    """The exact moments of layer ``n`` with purely additive noise on the state
    ``row``, not sampled (:mod:`.projection`): mean = row, variance a_AU² + a_AC²."""
    v = np.float64(amp[n, 1]) ** 2 + np.float64(amp[n, 3]) ** 2
    for i in range(mean.shape[0]):
        mean[i] = np.float64(row[i]) + 0.0
        var[i] = v


@njit(**JIT)
def projected_states(y, bias, zs, m, amp, t, stream, key0, key1, z, keep, k0=0):
    """x̃ of layer 1 in every repetition when the input layer's additive noise is
    drawn in layer 1's space (:mod:`.projection`).

    Row 0 of ``y`` (R, I_1) holds W x_0 from the noiseless input state.  Per
    repetition k (row k − ``k0``), the I_1 + 2 normals of layer 0's counters (t, k) give
    ``zs[k] = (a_AU z_0, …, a_AU z_{I_1−1}, a_AC ξ'_c)`` (z_i is value i + 2,
    ξ'_c value 1, as in :mod:`.noise`); then x̃ = zs·M + (W x_0 + b), one GEMM.
    ``zs``: scratch (K, I_1 + 1); ``keep``: float64 scratch of I_1 values.
    """
    repeats, width = y.shape
    row = y[0]
    for i in range(width):
        keep[i] = row[i] + bias[i] if bias.shape[0] > 0 else row[i]
    a_au = amp[0, 1]
    a_ac = amp[0, 3]
    word = layer_word(0, stream)
    for k in range(repeats):
        draw_normals(width + 2, np.uint64(k0 + k), np.uint64(t), word, key0, key1, z)
        zrow = zs[k]
        for i in range(width):
            zrow[i] = a_au * z[i + 2]
        zrow[width] = a_ac * z[1]
    np.dot(zs, m, y)
    for k in range(repeats):
        yrow = y[k]
        for i in range(width):
            yrow[i] += keep[i]


@njit(**JIT)
def dense_step(prev, wt, bias, code, param, place, user, amp, n, t, stream, key0, key1, y,
               shared=False):
    """One dense layer for K repetitions of one input: y = noisy f(W y_prev + b).

    Parameters
    ----------
    prev : (K, I_in) states of the previous layer (float64 or float32).
    wt : (I_in, I_out) the transposed weights Wᵀ, same dtype.
    bias : (I_out,) same dtype.
    code, param : activation code and parameter (:mod:`.activations`).
    place : 0 for Eq. 3 noise after the activation, 1 before it.
    user : the user activations as one first-class function
        (``fastnoise.kernels.user_functions()`` when there are none).
    amp : (L, 4) noise amplitudes of every layer, same dtype; row ``n`` is used.
    n, t : layer index and global input index (RNG counter words).
    stream, key0, key1 : uint64 stream and seed words (``seed_words(seed)``).
    y : (K, I_out) output, same dtype.
    shared : bool
        Every row of ``prev`` is the same (no layer before this one is noisy):
        x̃ is computed once from ``prev[0]`` and copied, as the simulator does.

    Gives the same bits as the simulator's layer ``n`` for input ``t`` when
    fed the same ``prev`` (and ``shared`` where the simulator shares).
    """
    repeats, width = y.shape
    z = np.zeros(normals_size(width), dtype=y.dtype)
    shift = np.empty(width)
    acc = np.empty(width)
    acc2 = np.empty(width)
    no_given = np.zeros((0, repeats, width + 2))
    activated = False
    if shared:
        np.dot(prev[:1], wt, y[:1])
        activated = shared_states(y, bias, code, param, place, user, layer_has_noise(amp, n))
        bias = bias[:0]
    else:
        np.dot(prev, wt, y)
    noisy_rows(y, n, t, bias, code, param, place, user, amp, stream, key0, key1,
               no_given, 0, 0, z, shift, acc, acc2, activated)
