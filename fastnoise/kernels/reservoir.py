"""K noisy repetitions of a reservoir in time (fastnoise.network.reservoir), float64 or float32.

States are held as (neurons, K): one row per neuron, the K repetitions contiguous,
so that the sparse recurrent product W r(t−1) is, per stored weight, one AXPY over
the K repetitions (vectorised) and the rows of a time step are independent
(parallel over neurons).  Time is sequential.  Per time step t and layer n:

* the input layer: x_0 = u(t) (open loop, or before the washout) or y(t−1)
  (closed loop), then Eq. 3;
* the reservoir: x̃ = W r(t−1) + W_in x_0 + b, r(t) = (1 − a) r(t−1) + a f(x̃),
  Eq. 3 on r(t) (``noise_at`` output) or on x̃ (input);
* the readout: x̃ = W_out r(t) + b_out, y = g(x̃), Eq. 3 on y or on x̃;

each followed by the mean and the unbiased variance over K of every neuron (one
pass over the row in order, shifted by its first value, accumulated in float64).  Eq. 3 is the one-normal-per-neuron form of
:mod:`.noise`.  Normals are drawn along the repetitions, the loop that vectorises:
slot v of layer n at step t (v = 0, 1: the layer's correlated ξ_c, ξ'_c; v = i + 2:
neuron i) for repetition k is, in float64 with h = ⌈K/2⌉, element k div h of the
pair of Philox counter (v, k mod h, t, n | stream << 16) (:func:`.rng.normal_pair`:
the pair goes to repetitions h apart, so the stores are contiguous, 1.5x faster
than interleaved ones), in float32 element k mod 4 of the quadruple of counter
(v, k div 4, t, …) (:func:`.rng32.normal_quad`; there the interleaved stores are
the faster ones).  Every value is a function of (seed, stream, layer,
t, k, slot) and every sum runs in a fixed order, so the results do not depend on
the thread count, and a run continued from the state it reached (R, Y) gives the
bits of an unbroken one.  Means and variances accumulate in float64.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, types
from numba.extending import overload

from ..config import JIT, JIT_PARALLEL
from .activations import TANH, activate, tanh32, tanh64
from .noise import layer_word
from .reduce import reduce_layer, reducers_read
from .rng import normal_pair
from .rng32 import normal_quad


def fill_row_normals(z, K, slot, t, word, key0, key1):
    """Normals of ``slot`` at step ``t`` for repetitions 0 … K − 1 into ``z`` (module
    docstring), in the dtype of ``z``, which must hold K + 3 values.  Numba only."""
    raise TypeError("fill_row_normals is a Numba routine: call it from an @njit function")


@njit(**JIT)
def _fill_row32(z, K, slot, t, word, key0, key1):
    for c in range((K + 3) // 4):
        z[4 * c], z[4 * c + 1], z[4 * c + 2], z[4 * c + 3] = normal_quad(
            np.uint64(slot), np.uint64(c), np.uint64(t), word, key0, key1)


@njit(**JIT)
def _fill_row64(z, K, slot, t, word, key0, key1):
    h = (K + 1) // 2
    for c in range(h):
        a, b = normal_pair(np.uint64(slot), np.uint64(c), np.uint64(t), word, key0, key1)
        z[c] = a
        z[h + c] = b


@overload(fill_row_normals, jit_options=JIT, inline="always")
def _fill_row_normals_typed(z, K, slot, t, word, key0, key1):
    if isinstance(z, types.Array) and z.dtype == types.float32:
        def fill32(z, K, slot, t, word, key0, key1):
            _fill_row32(z, K, slot, t, word, key0, key1)
        return fill32

    def fill64(z, K, slot, t, word, key0, key1):
        _fill_row64(z, K, slot, t, word, key0, key1)
    return fill64


def activate_row(code, p, buf, K, user):
    """:func:`.activations.activate` on one row, with the vectorised :func:`.activations.tanh32`
    and :func:`.activations.tanh64` for tanh (within a few ulps of ``np.tanh``).  Numba only."""
    raise TypeError("activate_row is a Numba routine: call it from an @njit function")


@njit(**JIT)
def _tanh_row32(p, buf, K):
    for k in range(K):
        buf[k] = tanh32(p * buf[k])


@njit(**JIT)
def _tanh_row64(p, buf, K):
    for k in range(K):
        buf[k] = tanh64(p * buf[k])


@overload(activate_row, jit_options=JIT, inline="always")
def _activate_row_typed(code, p, buf, K, user):
    if isinstance(buf, types.Array) and buf.dtype == types.float32:
        def act32(code, p, buf, K, user):
            if code == TANH:
                _tanh_row32(p, buf, K)
            else:
                activate(code, p, buf, K, user)
        return act32

    def act64(code, p, buf, K, user):
        if code == TANH:
            _tanh_row64(p, buf, K)
        else:
            activate(code, p, buf, K, user)
    return act64


@njit(inline="always", **JIT)
def _row_normals(z, K, slot, t, word, key0, key1, noise_in, base):
    """Normals of ``slot`` for every repetition: drawn, or read from ``noise_in[t, :, base + slot]``."""
    if noise_in.shape[0] > 0:
        for k in range(K):
            z[k] = noise_in[t, k, base + slot]
    else:
        fill_row_normals(z, K, slot, t, word, key0, key1)


@njit(inline="always", **JIT)
def _eq3_row(row, K, z, a_mu, a_au, cm, ca, has_unc):
    """Eq. 3 on one neuron's K repetitions given c_M, c_A per repetition and the normals z."""
    if has_unc:
        au2 = a_au * a_au
        for k in range(K):
            xc = row[k] * cm[k]
            m = a_mu * xc
            row[k] = xc + ca[k] + np.sqrt(m * m + au2) * z[k]
    else:
        for k in range(K):
            row[k] = row[k] * cm[k] + ca[k]


@njit(**JIT)
def _moments_row(row, K, mean, var, t, i):
    """Mean and unbiased variance of one row in one pass, in float64, shifted by its first
    value (no cancellation: the deviations from a sample are of the order of the spread)."""
    c = np.float64(row[0])
    s = 0.0
    q = 0.0
    for k in range(K):
        d = np.float64(row[k]) - c
        s += d
        q += d * d
    mean[t, i] = c + s / K
    var[t, i] = max(q - s * s / K, 0.0) / (K - 1)


@njit(inline="always", **JIT)
def _finish_row(x, out, K, z, a_mu, a_au, cm, ca, has_unc, noisy, mean, var, t, i):
    """One pass over a neuron's K values: Eq. 3 (if ``noisy``; as :func:`_eq3_row`), store
    into ``out``, and the mean and unbiased variance in float64 (shifted by the first
    value before the noise, as :func:`_moments_row`)."""
    c = np.float64(x[0])
    s = 0.0
    q = 0.0
    if noisy and has_unc:
        au2 = a_au * a_au
        for k in range(K):
            xc = x[k] * cm[k]
            m = a_mu * xc
            v = xc + ca[k] + np.sqrt(m * m + au2) * z[k]
            out[k] = v
            d = np.float64(v) - c
            s += d
            q += d * d
    elif noisy:
        for k in range(K):
            v = x[k] * cm[k] + ca[k]
            out[k] = v
            d = np.float64(v) - c
            s += d
            q += d * d
    else:
        for k in range(K):
            v = x[k]
            out[k] = v
            d = np.float64(v) - c
            s += d
            q += d * d
    mean[t, i] = c + s / K
    var[t, i] = max(q - s * s / K, 0.0) / (K - 1)


@njit(**JIT_PARALLEL)
def reservoir_kernel(u, t0, t1, closed, washout, w_in, indptr, indices, data, bias, leak,
                     code, p, w_out, b_out, code_out, p_out, at_input, amp, key0, key1, stream,
                     noise_in, user, R, Y, mean0, var0, mean1, var1, mean2, var2,
                     sample_layer, sample_neuron, samples_out, hist_lo, hist_hi, hist_out):
    """Steps t0 … t1 − 1 of K repetitions (module docstring), states carried in R, Y.

    Parameters
    ----------
    u : (T, I_in) inputs, one row per step (global step indices), in the states' dtype.
    closed, washout : closed loop (bool) and its teacher-forced steps.
    w_in (N, I_in); indptr, indices, data: W in CSR form; bias (N,); leak a (states' dtype).
    code, p / code_out, p_out : activations of the reservoir and the readout.
    w_out (I_out, N), b_out (I_out,).
    at_input : (2,) bool, Eq. 3 before the activation in the reservoir / the readout.
    amp : (3, 4) amplitudes (√(2D_MU), √(2D_AU), √(2D_MC), √(2D_AC)) per layer.
    key0, key1, stream : RNG key words and stream (uint64).
    noise_in : (T, K, Σ (I_n + 2)) given normals (layer n's at offset Σ_{m<n} (I_m + 2)),
        or shape (0, K, 0) to draw them.
    user : user activations (:func:`.activations.user_functions`).
    R : (N, K) reservoir state r(t0 − 1), replaced by r(t1 − 1).
    Y : (I_out, K) readout y(t0 − 1) (the closed loop's next input), replaced by y(t1 − 1).
    mean0 … var2 : (t1 − t0, I_n) float64 outputs, per step and neuron.
    sample_layer, sample_neuron : (S,) the (layer, neuron) of each raw sample.
    samples_out : (t1 − t0, K, S) float64, the noisy y of those neurons at every step
        (shape (0, K, 0) for none).
    hist_lo, hist_hi : (3,) histogram ranges per layer.
    hist_out : (t1 − t0, 3, bins + 2) int64 counts of every layer's noisy y per step,
        zeroed by the caller (shape (0, 3, 2) for none); both as
        :func:`.reduce.reduce_layer`, which takes them after each layer, on one thread.
    """
    N, K = R.shape
    dt = R.dtype.type
    one = dt(1.0)
    I_in = w_in.shape[1]
    I_out = w_out.shape[0]
    bases = np.array([0, I_in + 2, I_in + N + 4])
    X = np.empty((I_in, K), R.dtype)
    Rn = np.empty((N, K), R.dtype)
    cm = np.empty((3, K + 3), R.dtype)
    ca = np.empty((3, K + 3), R.dtype)
    words = np.empty(3, np.uint64)
    unc = np.empty(3, np.bool_)
    cor = np.empty(3, np.bool_)
    noisy = np.empty(3, np.bool_)
    no_argmax = np.zeros((0, 1), np.int32)
    reads = np.empty(3, np.bool_)
    for n in range(3):
        reads[n] = reducers_read(n, 3, sample_layer, hist_out, no_argmax)
        words[n] = layer_word(n, stream)
        unc[n] = amp[n, 0] != 0.0 or amp[n, 1] != 0.0
        cor[n] = amp[n, 2] != 0.0 or amp[n, 3] != 0.0
        noisy[n] = unc[n] or cor[n]
        for k in range(K):
            cm[n, k] = one
            ca[n, k] = dt(0.0)
    for t in range(t0, t1):
        tt = t - t0
        src, dst = (R, Rn) if (t - t0) % 2 == 0 else (Rn, R)    # r(t−1) and r(t)
        for n in prange(3):                         # the layers' correlated noise, per repetition
            if cor[n]:
                _row_normals(cm[n], K, 0, t, words[n], key0, key1, noise_in, bases[n])
                _row_normals(ca[n], K, 1, t, words[n], key0, key1, noise_in, bases[n])
                for k in range(K):
                    cm[n, k] = one + amp[n, 2] * cm[n, k]
                    ca[n, k] = amp[n, 3] * ca[n, k]
        # input layer
        feed = closed and t >= washout
        for l in prange(I_in):
            z = np.empty(K + 3, R.dtype)
            row = X[l]
            for k in range(K):
                row[k] = Y[l, k] if feed else u[t, l]
            if noisy[0]:
                if unc[0]:
                    _row_normals(z, K, l + 2, t, words[0], key0, key1, noise_in, bases[0])
                _eq3_row(row, K, z, amp[0, 0], amp[0, 1], cm[0], ca[0], unc[0])
            _moments_row(row, K, mean0, var0, tt, l)
        if reads[0]:
            reduce_layer(X.T, tt, 0, 0, 3, sample_layer, sample_neuron, samples_out, hist_lo,
                         hist_hi, hist_out, no_argmax)
        # reservoir
        for i in prange(N):
            acc = np.empty(K, R.dtype)
            z = np.empty(K + 3, R.dtype)
            for k in range(K):
                acc[k] = bias[i]
            for e in range(indptr[i], indptr[i + 1]):
                wij = data[e]
                j = indices[e]
                for k in range(K):
                    acc[k] += wij * src[j, k]
            for l in range(I_in):
                wil = w_in[i, l]
                for k in range(K):
                    acc[k] += wil * X[l, k]
            if noisy[1] and unc[1]:
                _row_normals(z, K, i + 2, t, words[1], key0, key1, noise_in, bases[1])
            if noisy[1] and at_input[0]:
                _eq3_row(acc, K, z, amp[1, 0], amp[1, 1], cm[1], ca[1], unc[1])
            activate_row(code, p, acc, K, user)
            if leak != one:
                for k in range(K):
                    acc[k] = (one - leak) * src[i, k] + leak * acc[k]
            _finish_row(acc, dst[i], K, z, amp[1, 0], amp[1, 1], cm[1], ca[1], unc[1],
                        noisy[1] and not at_input[0], mean1, var1, tt, i)
        if reads[1]:
            reduce_layer(dst.T, tt, 0, 1, 3, sample_layer, sample_neuron, samples_out, hist_lo,
                         hist_hi, hist_out, no_argmax)
        # readout
        for o in prange(I_out):
            acc = np.empty(K, R.dtype)
            z = np.empty(K + 3, R.dtype)
            for k in range(K):
                acc[k] = b_out[o]
            for i in range(N):
                w = w_out[o, i]
                for k in range(K):
                    acc[k] += w * dst[i, k]
            if noisy[2] and unc[2]:
                _row_normals(z, K, o + 2, t, words[2], key0, key1, noise_in, bases[2])
            if noisy[2] and at_input[1]:
                _eq3_row(acc, K, z, amp[2, 0], amp[2, 1], cm[2], ca[2], unc[2])
            activate_row(code_out, p_out, acc, K, user)
            _finish_row(acc, Y[o], K, z, amp[2, 0], amp[2, 1], cm[2], ca[2], unc[2],
                        noisy[2] and not at_input[1], mean2, var2, tt, o)
        if reads[2]:
            reduce_layer(Y.T, tt, 0, 2, 3, sample_layer, sample_neuron, samples_out, hist_lo,
                         hist_hi, hist_out, no_argmax)
    if (t1 - t0) % 2 == 1:                          # the last r(t) is in Rn
        for i in prange(N):
            for k in range(K):
                R[i, k] = Rn[i, k]
