"""Numba kernels: dumb, fast, never raising, never touching files.

Public code calls the fused kernels through the validating wrappers in
:mod:`fastnoise.simulate` (``simulate``, ``forward``).  The routines listed
in ``__all__`` are a stable API for users' own ``@numba.njit`` code (a device
model, a custom layer, a training loop): they give the same bits as the
simulator, under the determinism contract of ``docs/kernels.md``.

Draws
    :func:`seed_words`, :func:`layer_word`, :func:`normal_pair`,
    :func:`fill_normals` (float64), :func:`fill_normals32` (float32),
    :func:`draw_normals` (either, by the buffer's dtype), :func:`normals_size`.
Noise (paper Eq. 3)
    :func:`apply_noise` (one row), :func:`noisy_activation` (activation and
    noise in either placement, :data:`NOISE_OUTPUT` / :data:`NOISE_INPUT`),
    :func:`layer_has_noise`.
Layers
    :func:`dense_step` (one dense layer for K repetitions), :func:`activate`,
    :func:`user_functions`.
Moments
    :func:`accumulate_row`, :func:`finish_moments`.
"""

from __future__ import annotations

from .activations import activate, user_functions
from .layer import dense_step, noisy_activation
from .moments import accumulate_row, finish_moments
from .noise import (apply_noise, draw_normals, fill_normals, fill_normals32, layer_has_noise, layer_word,
                    normals_size)
from .program import NOISE_INPUT, NOISE_OUTPUT
from .rng import normal_pair

__all__ = ["seed_words", "layer_word", "normal_pair", "fill_normals", "fill_normals32", "draw_normals",
           "normals_size", "layer_has_noise", "apply_noise", "noisy_activation", "NOISE_OUTPUT", "NOISE_INPUT",
           "dense_step", "activate", "user_functions", "accumulate_row", "finish_moments"]


def seed_words(seed: int):
    """The two uint64 key words of a seed 0 ≤ seed < 2**64 (as ``fn.simulate`` splits it)."""
    import numpy as np

    seed = int(seed)
    if not 0 <= seed < 2 ** 64:
        raise ValueError(f"seed must be in [0, 2**64), got {seed}")
    return np.uint64(seed & 0xFFFFFFFF), np.uint64(seed >> 32)
