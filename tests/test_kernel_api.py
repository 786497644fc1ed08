"""The public kernel API (fastnoise.kernels.__all__) inside a user's @numba.njit code.

``examples/own_kernel.py`` is a user-style njit simulation built from the
public routines; it must give the bits of ``fn.simulate`` for every layer,
both noise placements, both precisions and every noise kind.
"""

from __future__ import annotations

import importlib.util
import os

import numba
import numpy as np
import pytest

import fastnoise as fn
from fastnoise import kernels as fk

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _example():
    spec = importlib.util.spec_from_file_location("own_kernel", os.path.join(ROOT, "examples", "own_kernel.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


EXAMPLE = _example()
ALL = fn.Noise(additive=1e-3, additive_correlated=5e-4, multiplicative=2e-3,
               multiplicative_correlated=1e-3)


@pytest.mark.parametrize("precision", ["float64", "float32"])
@pytest.mark.parametrize("noise_at", ["output", "input", ["input", "output", "input", "output"]],
                         ids=["output", "input", "mixed"])
@pytest.mark.parametrize("noise", [ALL, fn.Noise(additive=1e-3), fn.Noise(multiplicative_correlated=1e-3),
                                   [fn.Noise(), fn.Noise(additive=1e-3), fn.Noise(), ALL]],
                         ids=["all", "additive", "correlated", "per-layer"])
def test_user_njit_function_equals_simulate_bitwise(precision, noise_at, noise):
    net = fn.random_dense([3, 16, 8, 2], activation="tanh", seed=1, noise_at=noise_at)
    u = np.random.default_rng(0).uniform(-1, 1, (6, 3))
    dtype = np.float32 if precision == "float32" else np.float64
    mean, var = EXAMPLE.run(net, u, noise, repeats=30, seed=2 ** 40 + 7, stream=3, dtype=dtype)
    res = fn.simulate(net, u, noise, repeats=30, seed=2 ** 40 + 7, stream=3, precision=precision, block=4)
    for n, o in enumerate(net.offsets):
        w = net.widths[n]
        assert np.array_equal(mean[:, o:o + w], res.mean[n]), n
        assert np.array_equal(var[:, o:o + w], res.var[n]), n


def test_public_names_are_documented_and_callable():
    doc = open(os.path.join(ROOT, "docs", "kernels.md"), encoding="utf-8").read()
    for name in fk.__all__:
        assert getattr(fk, name) is not None
        assert f"`{name}" in doc, f"{name} is not documented in docs/kernels.md"


def test_draws_are_the_documented_stream():
    """fill_normals gives counter c's pair at 2c, 2c+1; draw_normals picks the
    generator by dtype; both are functions of (seed, stream, layer, t, k) only."""
    from fastnoise.kernels import rng

    key0, key1 = fk.seed_words(123)

    @numba.njit
    def draws(n_values, k, t, word, key0, key1, z64, z32):
        fk.fill_normals(n_values, k, t, word, key0, key1, z64)
        fk.draw_normals(n_values, k, t, word, key0, key1, z32)

    @numba.njit
    def word(n, stream):
        return fk.layer_word(n, stream)

    z64 = np.zeros(fk.normals_size(9))
    z32 = np.zeros(fk.normals_size(9), np.float32)
    w = np.uint64(word(2, 5))
    assert w == 2 | (5 << 16)
    draws(11, np.uint64(4), np.uint64(8), w, key0, key1, z64, z32)
    for c in range(6):
        a, b = rng.normal_pair(c, np.uint64(4), np.uint64(8), w, key0, key1)
        assert (z64[2 * c], z64[2 * c + 1]) == (a, b)
    from fastnoise.kernels import rng32

    q = rng32.normal_quads(3, 4, 8, 2, 123, stream=5)
    assert np.array_equal(z32[:12], q)
    with pytest.raises(ValueError, match="seed must be in"):
        fk.seed_words(-1)
    with pytest.raises(TypeError, match="call it from an @njit function"):
        fk.draw_normals(1, 0, 0, 0, 0, 0, z64)
