"""Fused noisy propagation of K repetitions of a block of inputs.

For every input ``t`` of a block and every layer ``n`` the kernel computes,
for all K repetitions at once,

* the internal state x̃ = W^n y_{n−1} + b_n (paper Eq. 1) as one small matrix
  product ``Y_{n−1} (K×I_{n−1}) · W^nᵀ`` through BLAS; in the input layer
  x̃ = u^t;
* the activation x = f_n(x̃) (Eq. 2);
* the noisy output (Eq. 3)
  y = x·(1+√(2D_M^U)ξ_i)(1+√(2D_M^C)ξ_c) + √(2D_A^U)ξ'_i + √(2D_A^C)ξ'_c,
  drawn as y = x·c_M + c_A + √((a_MU·x·c_M)² + a_AU²)·z_i with
  c_M = 1 + a_MC ξ_c, c_A = a_AC ξ'_c and one standard normal z_i per neuron:
  given the layer's shared ξ_c, ξ'_c, the two independent uncorrelated terms
  a_MU·x·c_M·ξ_i + a_AU·ξ'_i are exactly N(0, (a_MU x c_M)² + a_AU²), so one
  normal per neuron gives the same distribution as two, at half the cost;
* the mean over k (sums shifted by the first repetition) and the unbiased
  variance Σ(y−ȳ)²/(K−1) by a second pass over the K×I_n block held in
  cache (float64, fixed order; exactly 0 for a noiseless neuron).

Inputs are independent, so the ``prange`` over the inputs of a block and the
counter-based normals (:mod:`.rng`) make every number a function of the input
index alone: results are bitwise identical for any thread count or block size.
BLAS must run single-threaded inside the parallel region (the wrapper uses
threadpoolctl).

Noise amplitudes arrive as ``amp[n] = (√(2D_M^U), √(2D_A^U), √(2D_M^C),
√(2D_A^C))``.  The normals of one (layer, t, k) are a block of I_n + 2 values
``(ξ_c, ξ'_c, z_0, ..., z_{I_n−1})``; value v is element v mod 2 of the
normal pair of counter v div 2 (:func:`.rng.normal_pair`).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..config import JIT, JIT_PARALLEL
from .activations import apply_activation
from .rng import normal_pair


@njit(**JIT)
def _fill_noise(n_values, k, t, layer_word, key0, key1, z):
    """Counter-based normals z[0..n_values) of one (layer, t, k): pair c fills 2c, 2c+1."""
    for c in range((n_values + 1) // 2):
        z[2 * c], z[2 * c + 1] = normal_pair(c, k, t, layer_word, key0, key1)


@njit(**JIT)
def internal_states(y, prev, inputs, b, n, widths, w_off, w_flat):
    """x̃ of layer ``n`` for all K repetitions of input ``b``, into ``y`` (K, I_n).

    The input layer takes x̃ = u^t; layer n ≥ 1 is one GEMM
    ``Y_{n−1} (K×I_{n−1}) · W^nᵀ`` (Eq. 1, biases added row by row later),
    in the dtype of ``y``, ``prev`` and ``w_flat`` (both kernels use it).
    """
    repeats, width = y.shape
    if n == 0:
        for k in range(repeats):
            for i in range(width):
                y[k, i] = inputs[b, i]
    else:
        wp = widths[n - 1]
        y_prev = prev[: repeats * wp].reshape((repeats, wp))
        w_t = w_flat[w_off[n]: w_off[n] + wp * width].reshape((wp, width))
        np.dot(y_prev, w_t, y)


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
    layer_word = np.uint64(n) | (stream << np.uint64(16))
    return a_mu, a_au, a_mc, a_ac, has_unc, n_values, layer_word


@njit(**JIT)
def given_noise(noise_in, b, k, base, width, z):
    """Copy the given normals of (input b, repetition k) of one layer into ``z``."""
    for v in range(width + 2):
        z[v] = noise_in[b, k, base + v]


@njit(**JIT)
def noise_row(row, width, z, amp_mu, amp_au, cm, ca):
    """y = x·c_M + c_A + √((a_MU x c_M)² + a_AU²)·z_i in place (Eq. 3, one normal per neuron).

    In the dtype of its arguments (float64, or float32 in the float32 kernel).
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
def _accumulate(row, width, first, shift, acc):
    """Shifted sums: the first repetition is the shift, later ones add y − shift.

    Shifting by a sample keeps the sums small (no cancellation) and makes the
    variance of a constant neuron exactly zero.
    """
    if first:
        for i in range(width):
            shift[i] = row[i]
            acc[i] = 0.0
    else:
        for i in range(width):
            acc[i] += row[i] - shift[i]


@njit(**JIT)
def reduce_layer(y, b, n, n_layers, sample_layer, sample_neuron, samples_out,
                 hist_lo, hist_hi, hist_out, argmax_out):
    """The optional reducers on layer ``n``'s noisy states ``y`` (K, I_n) of input ``b``.

    Raw samples of the chosen neurons (widened to float64), the per-layer
    histogram (under- and overflow in the first and last bin, NaN counted as
    overflow), and in the output layer the argmax of every repetition (first
    index on ties; NaN never wins).  Shared by the float64 and float32 kernels.
    """
    repeats, width = y.shape
    for s in range(sample_layer.shape[0]):
        if sample_layer[s] == n:
            j = sample_neuron[s]
            for k in range(repeats):
                samples_out[b, k, s] = np.float64(y[k, j])
    n_hist = hist_out.shape[2] - 2
    if n_hist > 0:
        lo = hist_lo[n]
        scale = n_hist / (hist_hi[n] - lo)
        for k in range(repeats):
            for i in range(width):
                pos = (np.float64(y[k, i]) - lo) * scale
                if pos < 0.0:
                    idx = 0
                elif not pos < n_hist:  # also NaN: counted as overflow
                    idx = n_hist + 1
                else:
                    idx = np.int64(pos) + 1
                hist_out[b, n, idx] += 1
    if n == n_layers - 1 and argmax_out.shape[0] > 0:
        for k in range(repeats):
            best = 0
            top = y[k, 0]
            for i in range(1, width):
                if y[k, i] > top or (top != top and y[k, i] == y[k, i]):
                    best = i
                    top = y[k, i]
            argmax_out[b, k] = best


@njit(**JIT_PARALLEL)
def simulate_block_kernel(inputs, t_index, widths, w_off, w_flat, b_off, b_flat,
                           act_code, act_param, amp, repeats, key0, key1, stream,
                           noise_in, ns_off, out_off, mean_out, var_out,
                           sample_layer, sample_neuron, samples_out,
                           hist_lo, hist_hi, hist_out, argmax_out):
    """Simulate ``repeats`` noisy repetitions of each input row of a block.

    Parameters (all arrays C-contiguous; shapes with B inputs, L layers)
    ----------
    inputs : (B, I_0) float64, the input-layer states u^t.
    t_index : (B,) int64, global index of each input (RNG counter).
    widths : (L,) int64, neurons per layer.
    w_off, w_flat : offsets and flat storage of W^nᵀ (I_{n−1}, I_n), n ≥ 1.
    b_off, b_flat : offsets and flat storage of the biases, n ≥ 1.
    act_code, act_param : (L,) activation code and parameter per layer.
    amp : (L, 4) noise amplitudes (see module docstring).
    repeats : int, K ≥ 2.
    key0, key1, stream : uint64 RNG key words and stream number.
    noise_in : (B, K, NS) given normals, or shape (0, K, NS) to draw them.
    ns_off : (L,) offset of layer n's I_n+2 normals (ξ_c, ξ'_c, z_0, ...)
        in the last axis of ``noise_in``.
    out_off : (L,) offset of layer n in the last axis of the outputs.
    mean_out, var_out : (B, ΣI_n) float64 outputs.
    sample_layer, sample_neuron, samples_out : raw-sample reducer,
        samples_out (B, K, S) receives y of the S chosen neurons.
    hist_lo, hist_hi, hist_out : histogram reducer, hist_out (B, L, nb+2)
        counts y in nb equal bins of [lo, hi) per layer, plus under- and
        overflow in the first and last bin (NaN counts as overflow); nb = 0
        disables it.
    argmax_out : (B, K) int32 classification reducer: index of the largest
        output-layer y in each repetition (first one on ties; NaN never
        wins); shape (0, K) disables it.
    """
    n_inputs = inputs.shape[0]
    n_layers = widths.shape[0]
    max_w = 0
    for n in range(n_layers):
        max_w = max(max_w, widths[n])
    given = noise_in.shape[0] > 0
    for b in prange(n_inputs):
        t = np.uint64(t_index[b])
        buf_a = np.empty(repeats * max_w)
        buf_b = np.empty(repeats * max_w)
        z = np.zeros(max_w + 3)
        acc = np.empty(max_w)
        shift = np.empty(max_w)
        prev = buf_a
        for n in range(n_layers):
            width = widths[n]
            cur = buf_b if n % 2 == 0 else buf_a
            prev = buf_a if n % 2 == 0 else buf_b
            y = cur[: repeats * width].reshape((repeats, width))
            # internal states x̃ (Eq. 1): one GEMM for all K repetitions.
            internal_states(y, prev, inputs, b, n, widths, w_off, w_flat)
            a_mu, a_au, a_mc, a_ac, has_unc, n_values, layer_word = layer_noise(
                amp, n, width, stream)
            bo = b_off[n]
            code = act_code[n]
            param = act_param[n]
            # row by row (in L1): bias, activation (Eq. 2), noise (Eq. 3), sum.
            for k in range(repeats):
                row = y[k]
                if n > 0:
                    for i in range(width):
                        row[i] += b_flat[bo + i]
                apply_activation(code, param, row, width)
                if n_values > 0:
                    if given:
                        given_noise(noise_in, b, k, ns_off[n], width, z)
                    else:
                        _fill_noise(n_values, np.uint64(k), t, layer_word, key0, key1, z)
                    cm = 1.0 + a_mc * z[0]
                    ca = a_ac * z[1]
                    if has_unc:
                        noise_row(row, width, z, a_mu, a_au, cm, ca)
                    else:
                        correlated_row(row, width, cm, ca)
                _accumulate(row, width, k == 0, shift, acc)
            # second pass: unbiased variance about the mean.
            o = out_off[n]
            for i in range(width):
                acc[i] = shift[i] + acc[i] / repeats
                mean_out[b, o + i] = acc[i]
            for i in range(width):
                var_out[b, o + i] = 0.0
            for k in range(repeats):
                for i in range(width):
                    d = y[k, i] - acc[i]
                    var_out[b, o + i] += d * d
            for i in range(width):
                var_out[b, o + i] = var_out[b, o + i] / (repeats - 1)
            reduce_layer(y, b, n, n_layers, sample_layer, sample_neuron, samples_out,
                         hist_lo, hist_hi, hist_out, argmax_out)


@njit(**JIT_PARALLEL)
def forward_kernel(inputs, widths, w_off, w_flat, b_off, b_flat, act_code,
                    act_param, out_off, xt_out, x_out):
    """Noiseless forward pass: x̃ (Eq. 1) and x = f(x̃) (Eq. 2) of every layer.

    ``xt_out`` and ``x_out`` are (T, ΣI_n); layer n occupies columns
    ``out_off[n]: out_off[n] + widths[n]``.
    """
    n_inputs = inputs.shape[0]
    n_layers = widths.shape[0]
    for b in prange(n_inputs):
        for n in range(n_layers):
            width = widths[n]
            o = out_off[n]
            if n == 0:
                for i in range(width):
                    xt_out[b, o + i] = inputs[b, i]
            else:
                wp = widths[n - 1]
                op = out_off[n - 1]
                w_t = w_flat[w_off[n]: w_off[n] + wp * width].reshape((wp, width))
                for i in range(width):
                    xt_out[b, o + i] = b_flat[b_off[n] + i]
                for j in range(wp):
                    v = x_out[b, op + j]
                    for i in range(width):
                        xt_out[b, o + i] += v * w_t[j, i]
            for i in range(width):
                x_out[b, o + i] = xt_out[b, o + i]
            apply_activation(act_code[n], act_param[n], x_out[b, o:o + width], width)


def with_applier(kernel, applier, name: str = "apply_activation"):
    """Recompile ``kernel`` with ``applier`` in place of its global ``name`` (user functions)."""
    import types as _types

    py = kernel.py_func
    scope = dict(py.__globals__)
    scope[name] = applier
    clone = _types.FunctionType(py.__code__, scope, py.__name__, py.__defaults__,
                                py.__closure__)
    opts = dict(JIT_PARALLEL, cache=False)
    return njit(**opts)(clone)

