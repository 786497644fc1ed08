"""One routine per operation code of the program (:mod:`.program`).

:func:`op_states` computes a layer's internal states x̃ (without bias, which
the row loop of :mod:`.layer` adds) for all K repetitions of one input;
:func:`op_forward` computes them noiselessly for a group of inputs, in float64.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..config import JIT
from .program import B_OFF, IN_WIDTH, OP, OP_DENSE, OP_INPUT, W_OFF, WIDTH

__all__ = ["input_states", "dense_states", "op_states", "dense_forward", "op_forward"]


@njit(**JIT)
def input_states(y, inputs, b):
    """x̃ = u^t of the input layer for every repetition: ``y[k] = inputs[b]``
    (rounded to the dtype of ``y``)."""
    repeats, width = y.shape
    for k in range(repeats):
        for i in range(width):
            y[k, i] = inputs[b, i]


@njit(**JIT)
def dense_states(y, prev, wt):
    """x̃ − b = Y_{n−1} Wᵀ (paper Eq. 1) for all K repetitions: one GEMM
    ``prev (K, I_{n−1}) · wt (I_{n−1}, I_n)`` into ``y`` (K, I_n), in their dtype."""
    np.dot(prev, wt, y)


@njit(**JIT)
def op_states(program, n, y, prev_flat, inputs, b, w_flat):
    """x̃ (without bias) of layer ``n`` for all repetitions of input ``b``, into ``y``.

    ``prev_flat`` holds the previous layer's states (K·I_{n−1} values, row
    major); ``w_flat`` every operation's weights (see :mod:`.program`).
    """
    code = program[n, OP]
    if code == OP_INPUT:
        input_states(y, inputs, b)
    elif code == OP_DENSE:
        repeats = y.shape[0]
        wp = program[n, IN_WIDTH]
        width = program[n, WIDTH]
        o = program[n, W_OFF]
        dense_states(y, prev_flat[: repeats * wp].reshape((repeats, wp)),
                     w_flat[o: o + wp * width].reshape((wp, width)))
    else:  # unknown code: the wrapper never builds one
        y[:] = np.nan


@njit(**JIT)
def dense_forward(xt, x_prev, wt, bias):
    """Noiseless x̃ = W x_{n−1} + b of a group of inputs (rows of ``xt`` and ``x_prev``).

    Every entry is summed in the same order, bias first, then the inputs
    j = 0, 1, … in turn; the group shares each row of Wᵀ while it is in cache.
    """
    rows, width = xt.shape
    n_in = x_prev.shape[1]
    for r in range(rows):
        for i in range(width):
            xt[r, i] = bias[i]
    j = 0
    while j + 4 <= n_in:  # four inputs per pass over a row, still added one at a time
        w0, w1, w2, w3 = wt[j], wt[j + 1], wt[j + 2], wt[j + 3]
        for r in range(rows):
            v0, v1, v2, v3 = x_prev[r, j], x_prev[r, j + 1], x_prev[r, j + 2], x_prev[r, j + 3]
            row = xt[r]
            for i in range(width):
                row[i] = (((row[i] + v0 * w0[i]) + v1 * w1[i]) + v2 * w2[i]) + v3 * w3[i]
        j += 4
    for q in range(j, n_in):
        w_row = wt[q]
        for r in range(rows):
            v = x_prev[r, q]
            row = xt[r]
            for i in range(width):
                row[i] += v * w_row[i]


@njit(**JIT)
def op_forward(program, n, xt, x_prev, inputs, first, w_flat, b_flat):
    """Noiseless x̃ of layer ``n`` for the inputs ``first``, ``first`` + 1, … (one row
    of ``xt`` (G, I_n) each; ``x_prev`` (G, I_{n−1}) their previous layer), float64."""
    code = program[n, OP]
    if code == OP_INPUT:
        for r in range(xt.shape[0]):
            for i in range(xt.shape[1]):
                xt[r, i] = inputs[first + r, i]
    elif code == OP_DENSE:
        wp = program[n, IN_WIDTH]
        width = program[n, WIDTH]
        o = program[n, W_OFF]
        bo = program[n, B_OFF]
        dense_forward(xt, x_prev, w_flat[o: o + wp * width].reshape((wp, width)),
                      b_flat[bo: bo + width])
    else:
        xt[:] = np.nan
