"""Optional reducers on a layer's noisy states: raw samples, histograms, argmax."""

from __future__ import annotations

import numpy as np
from numba import njit

from ..config import JIT

__all__ = ["reduce_layer", "reducers_read"]


@njit(**JIT)
def reduce_layer(y, b, k0, n, n_layers, sample_layer, sample_neuron, samples_out,
                 hist_lo, hist_hi, hist_out, argmax_out):
    """The optional reducers on layer ``n``'s noisy states ``y`` (R, I_n) of input ``b``:
    its repetitions ``k0`` … ``k0`` + R − 1.

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
                samples_out[b, k0 + k, s] = np.float64(y[k, j])
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
            argmax_out[b, k0 + k] = best


@njit(**JIT)
def reducers_read(n, n_layers, sample_layer, hist_out, argmax_out):
    """Whether any reducer of :func:`reduce_layer` reads layer ``n``'s K rows."""
    for s in range(sample_layer.shape[0]):
        if sample_layer[s] == n:
            return True
    if hist_out.shape[2] > 2:
        return True
    return n == n_layers - 1 and argmax_out.shape[0] > 0
