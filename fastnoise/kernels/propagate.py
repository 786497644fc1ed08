"""Fused noisy propagation of K repetitions of a block of inputs.

For every input ``t`` of a block and every layer ``n`` of the program
(:mod:`.program`) the kernel computes, for all K repetitions at once,

* the internal state x̃ (paper Eq. 1) by the layer's operation routine
  (:func:`.ops.op_states`; a dense layer is one small matrix product
  ``Y_{n−1} (K×I_{n−1}) · W^nᵀ`` through BLAS; the input layer takes u^t).
  While no layer so far is noisy, every repetition has the same x̃: it is
  computed once (one row) and copied to the K rows, with its bias and, unless
  the noise comes before f, its activation (:func:`.layer.shared_row`).
  A noiseless layer no reducer reads is never copied: its moments are its
  state and 0 (:func:`.layer.constant_moments`).  Under
  :data:`.program.NOISE_PROJECTED` the input layer's additive noise is drawn
  in layer 1's space (:mod:`.projection`, :func:`.layer.projected_states`)
  and the input layer's moments are the exact ones;
* row by row (:func:`.layer.noisy_rows`): the bias, the activation x = f(x̃)
  (Eq. 2) and the noise of Eq. 3 (:mod:`.noise`, one normal per neuron),
  after the activation (``noise_at="output"``) or before it (``"input"``);
* the mean over k and the unbiased variance Σ(y−ȳ)²/(K−1) (:mod:`.moments`);
* the optional reducers (:mod:`.reduce`).

One kernel serves both precisions: the dtype of ``w_flat`` (float64 or
float32) sets the dtype of the states, the amplitudes, the normals
(:mod:`.rng` or :mod:`.rng32`) and the activation arithmetic; means and
variances are float64 either way.

Inputs are independent, so the ``prange`` over the inputs of a block and the
counter-based normals make every number a function of the input index alone:
results are bitwise identical for any thread count or block size.  BLAS must
run single-threaded inside the parallel region (the wrapper uses
threadpoolctl).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..config import JIT, JIT_PARALLEL
from .activations import activate
from .layer import (constant_moments, copy_row, exact_additive_moments, noisy_rows, projected_states,
                    shared_row)
from .moments import finish_moments, finish_sums
from .noise import layer_has_noise, normals_size
from .ops import op_forward, op_states
from .program import (ACT, B_OFF, IN_WIDTH, NOISE_AT, NOISE_GROUPS, NOISE_PROJECTED, NS_OFF, OUT_OFF,
                      SCRATCH, W_OFF, WIDTH)
from .reduce import reduce_layer, reducers_read

__all__ = ["simulate_block_kernel", "forward_kernel", "FORWARD_GROUP"]


@njit(**JIT)
def column_max(program, col):
    """The largest entry of one column of the program over its layers (the widest layer
    for :data:`.program.WIDTH`: the buffers' row length; the most scratch per repetition
    for :data:`.program.SCRATCH`)."""
    most = 0
    for n in range(program.shape[0]):
        most = max(most, program[n, col])
    return most


@njit(**JIT)
def max_normals(program):
    """The most normals one repetition of a layer needs: I_n + 2·(noise groups)."""
    most = 0
    for n in range(program.shape[0]):
        most = max(most, program[n, WIDTH] + 2 * max(program[n, NOISE_GROUPS] - 1, 0))
    return most


@njit(**JIT_PARALLEL)
def simulate_block_kernel(inputs, t_index, program, act_param, w_flat, b_flat, amp, user,
                          repeats, key0, key1, stream, noise_in, mean_out, var_out,
                          sample_layer, sample_neuron, samples_out,
                          hist_lo, hist_hi, hist_out, argmax_out, chunk):
    """Simulate ``repeats`` noisy repetitions of each input row of a block.

    Parameters (all arrays C-contiguous; shapes with B inputs, L layers)
    ----------
    inputs : (B, I_0) float64, the input-layer states u^t.
    t_index : (B,) int64, global index of each input (RNG counter).
    program : (L, N_FIELDS) int64, the operation program (:mod:`.program`).
    act_param : (L,) float64 activation parameter per layer.
    w_flat, b_flat : every operation's weights and biases, flat; their dtype
        (float64 or float32) is the precision of the states.
    amp : (L, 4) noise amplitudes in the same dtype (see :mod:`.noise`).
    user : the user activations as one first-class function (:func:`.activations.user_functions`).
    repeats : int, K ≥ 2.
    key0, key1, stream : uint64 RNG key words and stream number.
    noise_in : (B, K, NS) given normals, or shape (0, K, NS) to draw them.
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
    chunk : int, repetitions made at a time (1 ≤ chunk ≤ K).  With
        ``chunk < repeats`` the whole network is run for repetitions
        0 … chunk − 1, then the next chunk, and so on, and the moments are
        summed with squares (:func:`.moments.accumulate_sums`): the scratch
        memory is chunk·max I_n per thread whatever K.  The wrapper sets it
        from the network and K alone (:func:`fastnoise.engine.execution`),
        so a result never depends on thread count or block size.
    """
    n_inputs = inputs.shape[0]
    n_layers = program.shape[0]
    max_w = column_max(program, WIDTH)
    total = 0
    for n in range(n_layers):
        total += program[n, WIDTH]
    dt = w_flat.dtype
    streamed = chunk < repeats
    for b in prange(n_inputs):
        t = t_index[b]
        buf_a = np.empty(chunk * max_w, dtype=dt)
        buf_b = np.empty(chunk * max_w, dtype=dt)
        scratch = np.empty(chunk * column_max(program, SCRATCH), dtype=dt)
        z = np.zeros(normals_size(max_normals(program)), dtype=dt)
        shift = np.empty(total)  # each layer's running sums, at its OUT_OFF
        acc = np.empty(total)
        acc2 = np.empty(total)
        keep = np.empty(max_w)
        for k0 in range(0, repeats, chunk):
            rows = min(chunk, repeats - k0)
            last = k0 + rows == repeats
            same = True  # every repetition holds the same states so far (a noiseless prefix)
            project = False  # layer 0's additive noise is to be drawn in layer 1's space
            for n in range(n_layers):
                width = program[n, WIDTH]
                cur = buf_b if n % 2 == 0 else buf_a
                prev = buf_a if n % 2 == 0 else buf_b
                y = cur[: rows * width].reshape((rows, width))
                bo = program[n, B_OFF]
                bias = b_flat[bo: bo + width] if bo >= 0 else b_flat[:0]
                code, param, place = program[n, ACT], act_param[n], program[n, NOISE_AT]
                noisy = layer_has_noise(amp, n)
                o = program[n, OUT_OFF]
                if project:  # layer 1 after a projected input layer (see .projection)
                    op_states(program, n, y[:1], prev, inputs, b, w_flat, scratch)
                    mo = program[0, W_OFF]
                    projected_states(y, bias, prev[: rows * (width + 1)].reshape((rows, width + 1)),
                                     w_flat[mo: mo + (width + 1) * width].reshape((width + 1, width)),
                                     amp, t, stream, key0, key1, z, keep, k0)
                    bias = b_flat[:0]
                    activated = False
                    project = False
                    same = False
                elif same:  # x̃ from a noiseless input: computed once, copied to the rows
                    op_states(program, n, y[:1], prev, inputs, b, w_flat, scratch)
                    activated = shared_row(y, bias, code, param, place, user, noisy)
                    if place == NOISE_PROJECTED:  # the input layer: its moments are exact
                        exact_additive_moments(y[0], amp, n, mean_out[b, o: o + width],
                                               var_out[b, o: o + width])
                        project = True
                        continue
                    if not noisy and not reducers_read(n, n_layers, sample_layer, hist_out,
                                                       argmax_out):
                        # a noiseless layer read by nobody but the next one (from row 0):
                        # its moments without the copies
                        if constant_moments(y[0], mean_out[b, o: o + width],
                                            var_out[b, o: o + width]):
                            continue
                    copy_row(y)
                    bias = b_flat[:0]
                    same = not noisy
                else:
                    op_states(program, n, y, prev, inputs, b, w_flat, scratch)
                    activated = False
                sh, ac, ac2 = shift[o: o + width], acc[o: o + width], acc2[o: o + width]
                noisy_rows(y, n, t, bias, code, param, place, user, amp, stream, key0, key1,
                           noise_in, b, program[n, NS_OFF], z, sh, ac, ac2, activated, k0, streamed,
                           max(program[n, NOISE_GROUPS], 1))
                if streamed:
                    if last:
                        finish_sums(repeats, width, sh, ac, ac2, mean_out[b, o: o + width],
                                    var_out[b, o: o + width])
                else:
                    finish_moments(y, sh, ac, ac2, mean_out[b, o: o + width],
                                   var_out[b, o: o + width])
                reduce_layer(y, b, k0, n, n_layers, sample_layer, sample_neuron, samples_out,
                             hist_lo, hist_hi, hist_out, argmax_out)


#: Inputs per group of :func:`forward_kernel` (they share each row of Wᵀ in cache).
FORWARD_GROUP = 8


@njit(**JIT_PARALLEL)
def forward_kernel(inputs, program, act_param, w_flat, b_flat, user, xt_out, x_out):
    """Noiseless forward pass: x̃ (Eq. 1) and x = f(x̃) (Eq. 2) of every layer, float64.

    ``xt_out`` and ``x_out`` are (T, ΣI_n); layer n occupies the columns
    ``program[n, OUT_OFF]`` + range(I_n).  Inputs go in groups of
    :data:`FORWARD_GROUP`; each value is summed in a fixed order
    (:func:`.ops.dense_forward`), so the grouping never changes a bit.
    """
    n_inputs = inputs.shape[0]
    n_layers = program.shape[0]
    max_w = column_max(program, WIDTH)
    for g in prange((n_inputs + FORWARD_GROUP - 1) // FORWARD_GROUP):
        lo = g * FORWARD_GROUP
        rows = min(lo + FORWARD_GROUP, n_inputs) - lo
        buf_a = np.empty(rows * max_w)  # C-contiguous scratch: the loops vectorise
        buf_b = np.empty(rows * max_w)
        for n in range(n_layers):
            width = program[n, WIDTH]
            o = program[n, OUT_OFF]
            cur = (buf_b if n % 2 == 0 else buf_a)[: rows * width].reshape((rows, width))
            prev = buf_a if n % 2 == 0 else buf_b
            wp = program[n, IN_WIDTH]
            op_forward(program, n, cur, prev[: rows * wp].reshape((rows, wp)), inputs, lo,
                       w_flat, b_flat)
            for r in range(rows):
                row = cur[r]
                for i in range(width):
                    xt_out[lo + r, o + i] = row[i]
                activate(program[n, ACT], act_param[n], row, width, user)
                for i in range(width):
                    x_out[lo + r, o + i] = row[i]
