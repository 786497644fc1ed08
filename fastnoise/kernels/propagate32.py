"""Fused noisy propagation in single precision (``precision="float32"``).

The same model and reducers as :mod:`.propagate` (paper Eqs. 1–3, one
normal per neuron for the two uncorrelated terms), with the states of every
layer held in float32:

* x̃ = W^n y_{n−1} + b_n (Eq. 1) as one float32 GEMM ``Y (K×I_{n−1}) ·
  W^nᵀ`` per input and layer, written straight into the layer's buffer;
* the activation (Eq. 2) and the noise (Eq. 3) in float32, with the float32
  normals of :mod:`.rng32` (four per Philox counter);
* means and unbiased variances accumulated in float64 in the same pass
  (sums of d and d² with d = y − y_first), so that the only float32 errors are the
  roundings of the states themselves: relative 2⁻²⁴ per operation, against
  noise amplitudes √(2D) that are 1e-2…1e-5 for D = 1e-4…1e-10.

Everything else (determinism for any thread count or block size, the
optional reducers, given normals ``noise_in``) is as in the float64 kernel;
samples and histograms see the float32 states widened to float64.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..config import JIT, JIT_PARALLEL
from .activations import apply_activation32
from .propagate import (correlated_row, given_noise, internal_states, layer_noise, noise_row,
                        reduce_layer)
from .rng32 import NORMAL_BLOCK, fill_normals32


@njit(**JIT)
def _accumulate32(row, width, first, shift, acc, acc2):
    """Shifted float64 sums of d = y − y_first and d² (one pass over the states).

    With the first repetition as the shift, |ȳ − shift| is of the order of
    the noise, so Σd² − (Σd)²/K loses no more than a few bits of float64, and
    a noiseless neuron gets exactly zero variance.
    """
    if first:
        for i in range(width):
            shift[i] = np.float64(row[i])
            acc[i] = 0.0
            acc2[i] = 0.0
    else:
        for i in range(width):
            d = np.float64(row[i]) - shift[i]
            acc[i] += d
            acc2[i] += d * d


@njit(**JIT_PARALLEL)
def simulate_block_kernel32(inputs, t_index, widths, w_off, w_flat32, b_off, b_flat32,
                            act_code, act_param, amp32, repeats, key0, key1, stream,
                            noise_in, ns_off, out_off, mean_out, var_out,
                            sample_layer, sample_neuron, samples_out,
                            hist_lo, hist_hi, hist_out, argmax_out):
    """Simulate ``repeats`` noisy repetitions of each input row, in float32.

    Arguments as :func:`.propagate.simulate_block_kernel`, except that the
    weights ``w_flat32``, biases ``b_flat32`` and noise amplitudes ``amp32``
    are float32, and that drawn normals come from :mod:`.rng32` (given ones,
    ``noise_in``, are rounded to float32).  Outputs are float64.
    """
    n_inputs = inputs.shape[0]
    n_layers = widths.shape[0]
    max_w = 0
    for n in range(n_layers):
        max_w = max(max_w, widths[n])
    given = noise_in.shape[0] > 0
    one = np.float32(1.0)
    for b in prange(n_inputs):
        t = np.uint64(t_index[b])
        buf_a = np.empty(repeats * max_w, dtype=np.float32)
        buf_b = np.empty(repeats * max_w, dtype=np.float32)
        z = np.zeros(max_w + 2 + NORMAL_BLOCK, dtype=np.float32)  # I_n + 2, whole blocks
        acc = np.empty(max_w)
        acc2 = np.empty(max_w)
        shift = np.empty(max_w)
        for n in range(n_layers):
            width = widths[n]
            cur = buf_b if n % 2 == 0 else buf_a
            prev = buf_a if n % 2 == 0 else buf_b
            y = cur[: repeats * width].reshape((repeats, width))
            # x̃ (Eq. 1): u^t rounded to float32, or one float32 GEMM
            internal_states(y, prev, inputs, b, n, widths, w_off, w_flat32)
            a_mu, a_au, a_mc, a_ac, has_unc, n_values, layer_word = layer_noise(
                amp32, n, width, stream)
            bo = b_off[n]
            code = act_code[n]
            param = act_param[n]
            for k in range(repeats):
                row = y[k]
                if n > 0:
                    for i in range(width):
                        row[i] += b_flat32[bo + i]
                apply_activation32(code, param, row, width)
                if n_values > 0:
                    if given:  # rounded to float32
                        given_noise(noise_in, b, k, ns_off[n], width, z)
                    else:
                        fill_normals32(n_values, np.uint64(k), t, layer_word, key0, key1, z)
                    cm = one + a_mc * z[0]
                    ca = a_ac * z[1]
                    if has_unc:
                        noise_row(row, width, z, a_mu, a_au, cm, ca)
                    else:
                        correlated_row(row, width, cm, ca)
                _accumulate32(row, width, k == 0, shift, acc, acc2)
            # mean and unbiased variance from the shifted sums, in float64.
            o = out_off[n]
            for i in range(width):
                mean_out[b, o + i] = shift[i] + acc[i] / repeats
                v = (acc2[i] - acc[i] * (acc[i] / repeats)) / (repeats - 1)
                var_out[b, o + i] = v if v > 0.0 else 0.0
            reduce_layer(y, b, n, n_layers, sample_layer, sample_neuron, samples_out,
                         hist_lo, hist_hi, hist_out, argmax_out)
