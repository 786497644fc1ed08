"""K noisy repetitions of a reservoir in time (fastnoise.network.reservoir), float64.

States are held as (neurons, K): one row per neuron, the K repetitions contiguous,
so that the sparse recurrent product W r(t−1) is, per stored weight, one AXPY over
the K repetitions (vectorised) and the rows of a time step are independent
(parallel over neurons).  Time is sequential.  Per time step t and layer n:

* the input layer: x_0 = u(t) (open loop, or before the washout) or y(t−1)
  (closed loop), then Eq. 3;
* the reservoir: x̃ = W r(t−1) + W_in x_0 + b, r(t) = (1 − a) r(t−1) + a f(x̃),
  Eq. 3 on r(t) (``noise_at`` output) or on x̃ (input);
* the readout: x̃ = W_out r(t) + b_out, y = g(x̃), Eq. 3 on y or on x̃;

each followed by the mean and the unbiased variance over K of every neuron (two
passes over the row, in order).  Eq. 3 is the one-normal-per-neuron form of
:mod:`.noise`; the normals of (layer n, step t, repetition k) are those of
:func:`.noise.fill_normals` with the step t as the input counter: slots 0, 1 the
layer's correlated ξ_c, ξ'_c, slot i + 2 neuron i.  Every value is a function of
(seed, stream, layer, t, k, neuron) and every sum runs in a fixed order, so the
results do not depend on the thread count, and a run continued from the state it
reached (R, Y) gives the bits of an unbroken one.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ..config import JIT, JIT_PARALLEL
from .activations import activate
from .noise import layer_word
from .rng import normal_pair


@njit(inline="always", **JIT)
def _normal(slot, k, t, word, key0, key1, noise_in, base):
    """Normal ``slot`` of (layer, t, k): drawn, or read from ``noise_in[t, k, base + slot]``."""
    if noise_in.shape[0] > 0:
        return noise_in[t, k, base + slot]
    a, b = normal_pair(slot // 2, np.uint64(k), np.uint64(t), word, key0, key1)
    return a if slot % 2 == 0 else b


@njit(inline="always", **JIT)
def _eq3(x, slot, k, t, word, key0, key1, noise_in, base, a_mu, a_au, cm, ca, has_unc):
    """Eq. 3 on one value given the layer's c_M, c_A (see :mod:`.noise`)."""
    xc = x * cm
    if has_unc:
        m = a_mu * xc
        return xc + ca + math.sqrt(m * m + a_au * a_au) * _normal(slot, k, t, word, key0, key1,
                                                                    noise_in, base)
    return xc + ca


@njit(**JIT)
def _moments_row(row, K, mean, var, t, i):
    s = 0.0
    for k in range(K):
        s += row[k]
    m = s / K
    q = 0.0
    for k in range(K):
        d = row[k] - m
        q += d * d
    mean[t, i] = m
    var[t, i] = q / (K - 1)


@njit(**JIT)
def _correlated(amp, n, K, t, word, key0, key1, noise_in, base, cm, ca):
    """c_M = 1 + a_MC ξ_c and c_A = a_AC ξ'_c of layer n for every repetition."""
    for k in range(K):
        if amp[n, 2] != 0.0 or amp[n, 3] != 0.0:
            cm[k] = 1.0 + amp[n, 2] * _normal(0, k, t, word, key0, key1, noise_in, base)
            ca[k] = amp[n, 3] * _normal(1, k, t, word, key0, key1, noise_in, base)
        else:
            cm[k] = 1.0
            ca[k] = 0.0


@njit(**JIT_PARALLEL)
def _reservoir_kernel(u, t0, t1, closed, washout, w_in, indptr, indices, data, bias, leak,
                      code, p, w_out, b_out, code_out, p_out, at_input, amp, key0, key1, stream,
                      noise_in, user, R, Y, mean0, var0, mean1, var1, mean2, var2):
    """Steps t0 … t1 − 1 of K repetitions (module docstring), states carried in R, Y.

    Parameters
    ----------
    u : (T, I_in) inputs, one row per step (global step indices).
    closed, washout : closed loop (bool) and its teacher-forced steps.
    w_in (N, I_in); indptr, indices, data: W in CSR form; bias (N,); leak a.
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
    mean0 … var2 : (t1 − t0, I_n) outputs, per step and neuron.
    """
    N, K = R.shape
    I_in = w_in.shape[1]
    I_out = w_out.shape[0]
    base1 = I_in + 2
    base2 = base1 + N + 2
    X = np.empty((I_in, K))
    Rn = np.empty((N, K))
    cm = np.empty((3, K))
    ca = np.empty((3, K))
    words = np.empty(3, np.uint64)
    for n in range(3):
        words[n] = layer_word(n, stream)
    bases = np.array([0, base1, base2])
    for t in range(t0, t1):
        tt = t - t0
        for n in range(3):
            _correlated(amp, n, K, t, words[n], key0, key1, noise_in, bases[n], cm[n], ca[n])
        # input layer
        feed = closed and t >= washout
        unc0 = amp[0, 0] != 0.0 or amp[0, 1] != 0.0
        for l in prange(I_in):
            for k in range(K):
                x = Y[l, k] if feed else u[t, l]
                X[l, k] = _eq3(x, l + 2, k, t, words[0], key0, key1, noise_in, 0,
                               amp[0, 0], amp[0, 1], cm[0, k], ca[0, k], unc0)
            _moments_row(X[l], K, mean0, var0, tt, l)
        # reservoir
        unc1 = amp[1, 0] != 0.0 or amp[1, 1] != 0.0
        for i in prange(N):
            acc = np.empty(K)
            for k in range(K):
                acc[k] = bias[i]
            for e in range(indptr[i], indptr[i + 1]):
                wij = data[e]
                j = indices[e]
                for k in range(K):
                    acc[k] += wij * R[j, k]
            for l in range(I_in):
                wil = w_in[i, l]
                for k in range(K):
                    acc[k] += wil * X[l, k]
            if at_input[0]:
                for k in range(K):
                    acc[k] = _eq3(acc[k], i + 2, k, t, words[1], key0, key1, noise_in, base1,
                                  amp[1, 0], amp[1, 1], cm[1, k], ca[1, k], unc1)
            activate(code, p, acc, K, user)
            for k in range(K):
                r = (1.0 - leak) * R[i, k] + leak * acc[k]
                if not at_input[0]:
                    r = _eq3(r, i + 2, k, t, words[1], key0, key1, noise_in, base1,
                             amp[1, 0], amp[1, 1], cm[1, k], ca[1, k], unc1)
                Rn[i, k] = r
            _moments_row(Rn[i], K, mean1, var1, tt, i)
        for i in prange(N):
            for k in range(K):
                R[i, k] = Rn[i, k]
        # readout
        unc2 = amp[2, 0] != 0.0 or amp[2, 1] != 0.0
        for o in prange(I_out):
            acc = np.empty(K)
            for k in range(K):
                acc[k] = b_out[o]
            for i in range(N):
                w = w_out[o, i]
                for k in range(K):
                    acc[k] += w * R[i, k]
            if at_input[1]:
                for k in range(K):
                    acc[k] = _eq3(acc[k], o + 2, k, t, words[2], key0, key1, noise_in, base2,
                                  amp[2, 0], amp[2, 1], cm[2, k], ca[2, k], unc2)
            activate(code_out, p_out, acc, K, user)
            if not at_input[1]:
                for k in range(K):
                    acc[k] = _eq3(acc[k], o + 2, k, t, words[2], key0, key1, noise_in, base2,
                                  amp[2, 0], amp[2, 1], cm[2, k], ca[2, k], unc2)
            for k in range(K):
                Y[o, k] = acc[k]
            _moments_row(Y[o], K, mean2, var2, tt, o)
