"""One routine per operation code of the program (:mod:`.program`).

:func:`op_states` computes a layer's internal states x̃ (without bias, which
the row loop of :mod:`.layer` adds) for all K repetitions of one input;
:func:`op_forward` computes them noiselessly for a group of inputs, in float64.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..config import JIT
from .program import (B_OFF, G_C, G_CO, G_H, G_HO, G_KH, G_KW, G_MODE, G_PL, G_PT, G_SH, G_SW, G_W,
                      G_WO, IN_WIDTH, OP, OP_CONV2D, OP_DENSE, OP_FLATTEN, OP_INPUT, OP_POOL2D,
                      POOL_AVG, POOL_MAX, SCRATCH, W_OFF, WIDTH)

__all__ = ["input_states", "dense_states", "im2col", "conv_states", "pool_rows", "copy_rows",
           "op_states", "dense_forward", "conv_forward", "op_forward"]


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
def im2col(patches, x, h, w, c, ho, wo, kh, kw, sh, sw, pt, pl):
    """The patches of a channels-last map for a convolution as a GEMM.

    ``x`` (R, h·w·c) holds R maps; row (r·ho + i)·wo + j of ``patches``
    (R·ho·wo, kh·kw·c) receives the window of output position (i, j) of map
    r, in (row, column, channel) order, zeros where it lies in the padding.
    """
    rows = x.shape[0]
    for r in range(rows):
        xr = x[r]
        for i in range(ho):
            for j in range(wo):
                p = patches[(r * ho + i) * wo + j]
                q = 0
                for di in range(kh):
                    ii = i * sh - pt + di
                    for dj in range(kw):
                        jj = j * sw - pl + dj
                        if 0 <= ii < h and 0 <= jj < w:
                            src = (ii * w + jj) * c
                            for ch in range(c):
                                p[q + ch] = xr[src + ch]
                        else:
                            for ch in range(c):
                                p[q + ch] = 0.0
                        q += c


@njit(**JIT)
def conv_states(y, prev, kmat, scratch, g):
    """x̃ − b of a 2-D convolution for the R rows of ``prev`` (R, h·w·c) into ``y``
    (R, ho·wo·co): :func:`im2col` into ``scratch``, then one GEMM with the kernel
    ``kmat`` (kh·kw·c, co), all in the dtype of ``y``.

    ``g``: the geometry (h, w, c, ho, wo, co, kh, kw, sh, sw, pt, pl).
    """
    rows = y.shape[0]
    h, w, c, ho, wo, co, kh, kw, sh, sw, pt, pl = g
    kk = kh * kw * c
    patches = scratch[: rows * ho * wo * kk].reshape((rows * ho * wo, kk))
    im2col(patches, prev, h, w, c, ho, wo, kh, kw, sh, sw, pt, pl)
    np.dot(patches, kmat, y.reshape((rows * ho * wo, co)))


@njit(**JIT)
def pool_rows(y, x, g, mode):
    """Max or mean pooling of the R channels-last maps ``x`` (R, h·w·c) into ``y``
    (R, ho·wo·c), in the dtype of ``y``; every value is reduced in window order.

    ``mode``: :data:`.program.POOL_MAX` (NaN propagates), :data:`.program.POOL_AVG`
    (padding counts as zeros) or :data:`.program.POOL_AVG_VALID` (mean of the
    values inside the map).  ``g`` as :func:`conv_states`.
    """
    rows = y.shape[0]
    h, w, c, ho, wo, co, kh, kw, sh, sw, pt, pl = g
    for r in range(rows):
        xr = x[r]
        yr = y[r]
        for i in range(ho):
            for j in range(wo):
                out = (i * wo + j) * c
                count = 0
                for di in range(kh):
                    ii = i * sh - pt + di
                    if ii < 0 or ii >= h:
                        continue
                    for dj in range(kw):
                        jj = j * sw - pl + dj
                        if jj < 0 or jj >= w:
                            continue
                        src = (ii * w + jj) * c
                        if count == 0:
                            for ch in range(c):
                                yr[out + ch] = xr[src + ch]
                        elif mode == POOL_MAX:
                            for ch in range(c):
                                v = xr[src + ch]
                                m = yr[out + ch]
                                if v > m or v != v:
                                    if m == m:
                                        yr[out + ch] = v
                        else:
                            for ch in range(c):
                                yr[out + ch] += xr[src + ch]
                        count += 1
                if mode != POOL_MAX:  # (a max ignores the padding: it never wins)
                    div = kh * kw if mode == POOL_AVG else count
                    for ch in range(c):
                        yr[out + ch] = yr[out + ch] / div


@njit(**JIT)
def copy_rows(y, x):
    """y = x, row by row (a flatten: the values stay, only the shape changes)."""
    rows, width = y.shape
    for r in range(rows):
        for i in range(width):
            y[r, i] = x[r, i]


@njit(**JIT)
def geometry(program, n):
    """The geometry columns of layer ``n`` as the tuple :func:`conv_states` takes."""
    return (program[n, G_H], program[n, G_W], program[n, G_C], program[n, G_HO], program[n, G_WO],
            program[n, G_CO], program[n, G_KH], program[n, G_KW], program[n, G_SH], program[n, G_SW],
            program[n, G_PT], program[n, G_PL])


@njit(**JIT)
def op_states(program, n, y, prev_flat, inputs, b, w_flat, scratch):
    """x̃ (without bias) of layer ``n`` for all repetitions of input ``b``, into ``y``.

    ``prev_flat`` holds the previous layer's states (R·I_{n−1} values, row
    major, R = rows of ``y``); ``w_flat`` every operation's weights (see
    :mod:`.program`); ``scratch`` at least R·``program[n, SCRATCH]`` values.
    """
    code = program[n, OP]
    rows = y.shape[0]
    wp = program[n, IN_WIDTH]
    width = program[n, WIDTH]
    o = program[n, W_OFF]
    prev = prev_flat[: rows * wp].reshape((rows, wp))
    if code == OP_INPUT:
        input_states(y, inputs, b)
    elif code == OP_DENSE:
        dense_states(y, prev, w_flat[o: o + wp * width].reshape((wp, width)))
    elif code == OP_CONV2D:
        g = geometry(program, n)
        kk = g[6] * g[7] * g[2]
        conv_states(y, prev, w_flat[o: o + kk * g[5]].reshape((kk, g[5])), scratch, g)
    elif code == OP_POOL2D:
        pool_rows(y, prev, geometry(program, n), program[n, G_MODE])
    elif code == OP_FLATTEN:
        copy_rows(y, prev)
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
def conv_forward(xt, x_prev, kmat, bias, g):
    """Noiseless x̃ of a 2-D convolution for a group of inputs, float64: every entry
    is its bias plus the window's products added in (row, column, channel) order,
    the padding skipped (the same order however the inputs are grouped)."""
    rows = xt.shape[0]
    h, w, c, ho, wo, co, kh, kw, sh, sw, pt, pl = g
    for r in range(rows):
        xr = x_prev[r]
        out_r = xt[r]
        for i in range(ho):
            for j in range(wo):
                out = (i * wo + j) * co
                for q in range(co):
                    out_r[out + q] = bias[q]
                for di in range(kh):
                    ii = i * sh - pt + di
                    if ii < 0 or ii >= h:
                        continue
                    for dj in range(kw):
                        jj = j * sw - pl + dj
                        if jj < 0 or jj >= w:
                            continue
                        src = (ii * w + jj) * c
                        krow = (di * kw + dj) * c
                        for ch in range(c):
                            v = xr[src + ch]
                            wrow = kmat[krow + ch]
                            for q in range(co):
                                out_r[out + q] += v * wrow[q]


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
    elif code == OP_CONV2D:
        g = geometry(program, n)
        kk = g[6] * g[7] * g[2]
        o = program[n, W_OFF]
        bo = program[n, B_OFF]
        conv_forward(xt, x_prev, w_flat[o: o + kk * g[5]].reshape((kk, g[5])),
                     b_flat[bo: bo + g[5]], g)
    elif code == OP_POOL2D:
        pool_rows(xt, x_prev, geometry(program, n), program[n, G_MODE])
    elif code == OP_FLATTEN:
        copy_rows(xt, x_prev)
    else:
        xt[:] = np.nan
