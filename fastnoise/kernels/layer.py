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
from .moments import accumulate_row
from .noise import (apply_noise, draw_normals, given_noise, layer_has_noise, layer_noise,
                    noise_given_normals, normals_size)
from .program import NOISE_INPUT

__all__ = ["noisy_rows", "shared_states", "noisy_activation", "dense_step"]


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
               noise_in, b, base, z, shift, acc, acc2, activated=False):
    """Finish layer ``n``'s block ``y`` (K, I_n) of x̃ − b in place and sum its moments.

    ``bias`` is the layer's bias (length I_n, or empty for none).  Row k is
    repetition k of global input ``t``.  Per row as :func:`noisy_activation`,
    with the layer's amplitudes read once (no shared array is handed to a
    routine per row: their reference counts would be contended between threads).
    ``activated``: the rows hold f(x̃) already (a shared noiseless prefix,
    see :func:`shared_states`); only the noise remains.
    """
    repeats, width = y.shape
    has_bias = bias.shape[0] > 0
    a_mu, a_au, a_mc, a_ac, has_unc, n_values, word = layer_noise(amp, n, width, stream)
    given = noise_in.shape[0] > 0
    for k in range(repeats):
        row = y[k]
        if has_bias:
            for i in range(width):
                row[i] += bias[i]
        if n_values > 0:
            if given:
                given_noise(noise_in, b, k, base, width, z)
            else:
                draw_normals(n_values, np.uint64(k), np.uint64(t), word, key0, key1, z)
        if place == NOISE_INPUT and n_values > 0:
            noise_given_normals(row, width, z, n_values, a_mu, a_au, a_mc, a_ac, has_unc)
        if not activated:
            activate(code, param, row, width, user)
        if place != NOISE_INPUT and n_values > 0:
            noise_given_normals(row, width, z, n_values, a_mu, a_au, a_mc, a_ac, has_unc)
        accumulate_row(row, width, k == 0, shift, acc, acc2)


@njit(inline="always", **JIT)
def shared_states(y, bias, code, param, place, user, noisy):
    """Finish the one computed row of a layer whose x̃ is the same in every repetition
    (its input is noiseless) and copy it to all K rows of ``y``; return whether the
    rows hold f(x̃) already.

    Row 0 holds x̃ − b.  The bias is added, and f applied unless the layer's noise
    comes before f (``noise_at="input"`` of a noisy layer): the same elementwise
    arithmetic every row would do, done once.
    """
    repeats, width = y.shape
    row = y[0]
    for i in range(bias.shape[0]):
        row[i] += bias[i]
    activated = not (noisy and place == NOISE_INPUT)
    if activated:
        activate(code, param, row, width, user)
    for k in range(1, repeats):
        for i in range(width):
            y[k, i] = row[i]
    return activated


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
