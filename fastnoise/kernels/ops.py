"""One routine per operation code of the program (:mod:`.program`).

:func:`op_states` computes a layer's internal states x̃ (without bias, which
the row loop of :mod:`.layer` adds) for all K repetitions of one input;
:func:`op_forward` computes them noiselessly for one input, in float64.
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
    """Noiseless x̃ = W x_{n−1} + b of one input (bias first, then the inputs in order)."""
    width = xt.shape[0]
    for i in range(width):
        xt[i] = bias[i]
    for j in range(x_prev.shape[0]):
        v = x_prev[j]
        for i in range(width):
            xt[i] += v * wt[j, i]


@njit(**JIT)
def op_forward(program, n, xt, x_prev, inputs, b, w_flat, b_flat):
    """Noiseless x̃ of layer ``n`` for input ``b`` into ``xt`` (I_n,), float64."""
    code = program[n, OP]
    if code == OP_INPUT:
        for i in range(xt.shape[0]):
            xt[i] = inputs[b, i]
    elif code == OP_DENSE:
        wp = program[n, IN_WIDTH]
        width = program[n, WIDTH]
        o = program[n, W_OFF]
        bo = program[n, B_OFF]
        dense_forward(xt, x_prev, w_flat[o: o + wp * width].reshape((wp, width)),
                      b_flat[bo: bo + width])
    else:
        xt[:] = np.nan
