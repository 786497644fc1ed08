"""Running per-neuron mean and variance over the K repetitions of one input.

Sums are shifted by the first repetition (|ȳ − shift| is of the order of
the noise, so nothing cancels, and a noiseless neuron gets exactly zero
variance).  The routines are generic in the dtype of the states:

* float64 states: :func:`accumulate_row` sums d = y − shift; the variance
  is a second pass over the K×I block held in cache,
  Σ(y − ȳ)²/(K − 1) in a fixed order (:func:`finish_moments`);
* float32 states: :func:`accumulate_row` also sums d² in float64, so the
  block need not be read again, and the variance is
  (Σd² − (Σd)²/K)/(K − 1), clipped at 0.

When the K repetitions are made in chunks (a wide layer: see
:mod:`.propagate`), the block is never whole; float64 states then take the
float32 form too: :func:`accumulate_sums` and :func:`finish_sums`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import overload

from ..config import JIT

__all__ = ["accumulate_row", "finish_moments", "accumulate_sums", "finish_sums"]


@njit(**JIT)
def _accumulate64(row, width, first, shift, acc):
    if first:
        for i in range(width):
            shift[i] = row[i]
            acc[i] = 0.0
    else:
        for i in range(width):
            acc[i] += row[i] - shift[i]


@njit(**JIT)
def _accumulate32(row, width, first, shift, acc, acc2):
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


def accumulate_row(row, width, first, shift, acc, acc2):
    """Add repetition ``row`` (I_n states) to the shifted sums (float64 arrays
    ``shift``, ``acc``, ``acc2`` of ≥ I_n values); ``first`` starts them.
    Callable from njit code only."""
    raise TypeError("accumulate_row is a Numba routine: call it from an @njit function")


@overload(accumulate_row, jit_options=JIT, inline="always")
def _accumulate_typed(row, width, first, shift, acc, acc2):
    if isinstance(row, types.Array) and row.dtype == types.float32:
        def acc32(row, width, first, shift, acc, acc2):
            _accumulate32(row, width, first, shift, acc, acc2)
        return acc32

    def acc64(row, width, first, shift, acc, acc2):
        _accumulate64(row, width, first, shift, acc)
    return acc64


@njit(**JIT)
def _finish64(y, shift, acc, mean, var):
    repeats, width = y.shape
    for i in range(width):
        acc[i] = shift[i] + acc[i] / repeats
        mean[i] = acc[i]
    for i in range(width):
        var[i] = 0.0
    for k in range(repeats):
        for i in range(width):
            d = y[k, i] - acc[i]
            var[i] += d * d
    for i in range(width):
        var[i] = var[i] / (repeats - 1)


@njit(**JIT)
def _finish32(repeats, width, shift, acc, acc2, mean, var):
    for i in range(width):
        mean[i] = shift[i] + acc[i] / repeats
        v = (acc2[i] - acc[i] * (acc[i] / repeats)) / (repeats - 1)
        var[i] = v if v > 0.0 else 0.0


def finish_moments(y, shift, acc, acc2, mean, var):
    """Mean and unbiased variance of the K repetitions ``y`` (K, I_n) into the
    float64 views ``mean`` and ``var`` (I_n,), from the sums of
    :func:`accumulate_row` (``acc`` is overwritten).  Callable from njit code only."""
    raise TypeError("finish_moments is a Numba routine: call it from an @njit function")


@overload(finish_moments, jit_options=JIT, inline="always")
def _finish_typed(y, shift, acc, acc2, mean, var):
    if isinstance(y, types.Array) and y.dtype == types.float32:
        def fin32(y, shift, acc, acc2, mean, var):
            _finish32(y.shape[0], y.shape[1], shift, acc, acc2, mean, var)
        return fin32

    def fin64(y, shift, acc, acc2, mean, var):
        _finish64(y, shift, acc, mean, var)
    return fin64


@njit(inline="always", **JIT)
def accumulate_sums(row, width, first, shift, acc, acc2):
    """:func:`accumulate_row` summing d² as well in either dtype (the moments of
    repetitions made in chunks, finished by :func:`finish_sums`)."""
    _accumulate32(row, width, first, shift, acc, acc2)


@njit(inline="always", **JIT)
def finish_sums(repeats, width, shift, acc, acc2, mean, var):
    """Mean and unbiased variance (Σd² − (Σd)²/K)/(K − 1), clipped at 0, from the sums
    of :func:`accumulate_sums` over ``repeats`` rows."""
    _finish32(repeats, width, shift, acc, acc2, mean, var)
