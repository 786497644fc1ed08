"""The float32 generator of ``precision="float32"`` (fastnoise.kernels.rng32).

* Exactness: the kernel's normals against the NumPy twin (the same Philox
  words and float32 uniforms, transformed with float64 np.log/np.sin/np.cos)
  within the float32 transform's error, over random and edge words; the
  branch-free ``log32``/``sincos32`` against float64 references; the counter
  layout (four normals per counter) as ``reference_normals32`` documents it.
* Statistics with fixed seeds, tolerances derived as in ``test_rng.py``:
  moments within 5 standard errors, Kolmogorov–Smirnov p > 1e-3, tail
  counts within 5 binomial standard errors, and correlations below 4/√n
  within a counter's four normals, between neighbouring counters,
  repetitions and inputs, and across seeds, layers and streams.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest
from scipy import stats

import reference as ref
from checks import assert_standard_normal_moments, assert_tail_count
from checks import assert_uncorrelated as _assert_uncorrelated
from fastnoise.kernels import rng32

F32_EPS = float(np.finfo(np.float32).eps)


@numba.njit
def _kernel_words(words):
    out = np.empty((words.shape[0], 2), dtype=np.float32)
    for r in range(words.shape[0]):
        out[r, 0], out[r, 1] = rng32.words_to_normals32(words[r, 0], words[r, 1])
    return out


@numba.njit
def _kernel_grid(n_slots, n_k, n_t, layer_word, key0, key1):
    """Normals of inputs x repetitions x counters, (n_t, n_k, n_slots, 4)."""
    out = np.empty((n_t, n_k, n_slots, 4), dtype=np.float32)
    for t in range(n_t):
        for k in range(n_k):
            for s in range(n_slots):
                out[t, k, s, 0], out[t, k, s, 1], out[t, k, s, 2], out[t, k, s, 3] = \
                    rng32.normal_quad(np.uint64(s), np.uint64(k), np.uint64(t), layer_word,
                                      key0, key1)
    return out


@numba.njit
def _log_many(u):
    out = np.empty_like(u)
    for i in range(u.size):
        out[i] = rng32.log32(u[i])
    return out


@numba.njit
def _sincos_many(a):
    s = np.empty_like(a)
    c = np.empty_like(a)
    for i in range(a.size):
        s[i], c[i] = rng32.sincos32(a[i])
    return s, c


def _assert_normals_close(got, want):
    """float32 transform error: a few ulps of r and of (cos, sin), so
    |Δz| ≤ 8 ε₃₂ (1 + |z|) with ε₃₂ = 2⁻²³ (the bound is the error budget of
    ln, √, sin/cos and the product, each a few ulps)."""
    got = np.asarray(got, dtype=np.float64)
    err = np.abs(got - want)
    bound = 8 * F32_EPS * (1.0 + np.abs(want))
    assert np.all(err <= bound), float(np.max(err / bound))


# --------------------------------------------------------------------------
# exactness
# --------------------------------------------------------------------------
def test_words_to_normals32_equals_twin_random_words(np_rng):
    words = np_rng.integers(0, 2 ** 32, (200_000, 2), dtype=np.uint64)
    got = _kernel_words(words)
    z0, z1 = ref.words_to_normals32(words[:, 0], words[:, 1])
    _assert_normals_close(got[:, 0], z0)
    _assert_normals_close(got[:, 1], z1)


def test_words_to_normals32_edge_words():
    edges = np.array([0, 1, 2, 3, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 2 ** 32 - 2, 2 ** 32 - 1,
                      2 ** 24, 2 ** 25 - 1, 0x55555555, 0xAAAAAAAA], dtype=np.uint64)
    wr, wa = np.meshgrid(edges, edges, indexing="ij")
    words = np.stack([wr.ravel(), wa.ravel()], axis=1)
    got = _kernel_words(words)
    assert np.all(np.isfinite(got))
    z0, z1 = ref.words_to_normals32(words[:, 0], words[:, 1])
    _assert_normals_close(got[:, 0], z0)
    _assert_normals_close(got[:, 1], z1)
    # the largest radius: u = 2⁻³² (w = 0 or 1), r = √(64 ln 2)
    r = np.hypot(got[:, 0].astype(np.float64), got[:, 1])
    assert abs(r.max() - math.sqrt(64 * math.log(2))) < 1e-5
    assert r.max() < 6.67


def test_log32_over_its_domain(np_rng):
    """Relative error ≤ 4 ulps on u in [2⁻³², 1] (every value the generator forms)."""
    u = np.concatenate([np.exp2(-np_rng.uniform(0, 32, 500_000)),
                        1 - np_rng.uniform(0, 1e-3, 10_000),
                        [2.0 ** -32, 0.5, 1.0, np.float32(np.sqrt(2.0)) / 2]]).astype(np.float32)
    got = _log_many(u).astype(np.float64)
    want = np.log(u.astype(np.float64))
    err = np.abs(got - want)
    assert np.all(err <= 4 * F32_EPS * np.maximum(np.abs(want), 2 ** -24)), float(err.max())
    assert got[-2] == 0.0  # ln 1


def test_sincos32_over_its_domain(np_rng):
    a = np.concatenate([np_rng.uniform(-0.5, 0.5, 500_000),
                        [-0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5]])
    a = a.astype(np.float32)
    s, c = _sincos_many(a)
    phi = 2 * np.pi * a.astype(np.float64)
    assert np.max(np.abs(s - np.sin(phi))) <= 4 * F32_EPS
    assert np.max(np.abs(c - np.cos(phi))) <= 4 * F32_EPS


def test_normal_quads_layout_matches_twin():
    seed, k, t, layer, stream = 2 ** 40 + 17, 5, 123, 2, 7
    got = rng32.normal_quads(13, k, t, layer, seed, stream)
    want = ref.normal_quads(np.arange(13), k, t, layer, seed, stream).ravel()
    _assert_normals_close(got, want)


# --------------------------------------------------------------------------
# statistics (fixed seeds)
# --------------------------------------------------------------------------
N_SLOTS, N_K, N_T = 32, 64, 128   # 262 144 counters, 1 048 576 normals


def _grid(seed=12345, layer=0, stream=0):
    k0, k1 = ref.seed_key(seed)
    return _kernel_grid(N_SLOTS, N_K, N_T, np.uint64(layer | (stream << 16)), np.uint64(k0),
                        np.uint64(k1)).astype(np.float64)


@pytest.fixture(scope="module")
def grid():
    return _grid()


def test_moments(grid):
    """Mean, variance, skewness, excess kurtosis within 5 standard errors, for
    each of the four members and for all together."""
    for z in [grid[..., m] for m in range(4)] + [grid]:
        assert_standard_normal_moments(z)


def test_kolmogorov_smirnov(grid):
    """Each member against N(0, 1); each pair's r² against χ²₂ (checks u) and its
    angle against the uniform law (checks the angle word)."""
    for m in range(4):
        assert stats.kstest(grid[..., m].ravel(), "norm").pvalue > 1e-3
    for a, b in ((0, 1), (2, 3)):
        z0, z1 = grid[..., a].ravel(), grid[..., b].ravel()
        assert stats.kstest(z0 ** 2 + z1 ** 2, "expon", args=(0, 2)).pvalue > 1e-3
        assert stats.kstest(np.arctan2(z1, z0), "uniform",
                            args=(-np.pi, 2 * np.pi)).pvalue > 1e-3


@pytest.mark.parametrize("threshold", [2.0, 3.0, 4.0])
def test_tails(grid, threshold):
    assert_tail_count(grid, threshold)


@pytest.mark.parametrize("a,b", [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)])
def test_members_of_a_counter_independent(grid, a, b):
    _assert_uncorrelated(grid[..., a], grid[..., b])
    _assert_uncorrelated(grid[..., a] ** 2, grid[..., b] ** 2)
    _assert_uncorrelated(np.abs(grid[..., a]), grid[..., b])


@pytest.mark.parametrize("axis", [2, 1, 0], ids=["counters", "repetitions", "inputs"])
def test_neighbouring_counters_uncorrelated(grid, axis):
    n = grid.shape[axis]
    lo = np.take(grid, np.arange(n - 1), axis=axis)
    hi = np.take(grid, np.arange(1, n), axis=axis)
    for m in range(4):
        _assert_uncorrelated(lo[..., m], hi[..., m])
        _assert_uncorrelated(lo[..., m], hi[..., 3 - m])
        _assert_uncorrelated(lo[..., m] ** 2, hi[..., m] ** 2)


@pytest.mark.parametrize("other", [
    dict(seed=12346), dict(seed=12345 + 2 ** 32), dict(seed=12345, layer=1),
    dict(seed=12345, stream=1), dict(seed=12345, layer=0, stream=65535),
], ids=["seed", "key-word-1", "layer", "stream", "last-stream"])
def test_streams_seeds_layers_uncorrelated(grid, other):
    z = _grid(**other)
    assert not np.array_equal(z, grid)
    for m in range(4):
        _assert_uncorrelated(grid[..., m], z[..., m])
        _assert_uncorrelated(grid[..., m] ** 2, z[..., m] ** 2)


def test_float32_and_float64_generators_differ_but_share_counters():
    """Same counter, other transform: the float32 stream is not a rounding of
    the float64 one (so the two precisions are independent samples)."""
    from fastnoise.kernels import rng

    q = rng32.normal_quads(8, 0, 0, 0, 1)
    out = np.empty((8, 2))
    rng._normal_pairs_kernel(8, np.uint64(0), np.uint64(0), np.uint64(0), np.uint64(1),
                             np.uint64(0), out[:, 0], out[:, 1])
    assert not np.allclose(q[::4], out[:, 0], atol=1e-3)


@numba.njit
def _fill(n_values, k, t, layer_word, key0, key1, z):
    rng32.fill_normals32(n_values, np.uint64(k), np.uint64(t), layer_word, key0, key1, z)


@pytest.mark.parametrize("n_values", [1, 2, 4, 31, 32, 33, 202, 786])
def test_fill_normals32_whole_blocks_within_its_buffer(n_values):
    """fill_normals32 draws whole 32-value blocks: counter c's values stay at 4c..4c+3,
    and nothing is written past normals_buffer_size(n_values)."""
    size = rng32.normals_buffer_size(n_values)
    assert size % rng32.NORMAL_BLOCK == 0 and n_values <= size < n_values + rng32.NORMAL_BLOCK
    z = np.full(size + 16, -99.0, dtype=np.float32)  # a guard band after the buffer
    layer_word, key0, key1 = np.uint64(3), np.uint64(17), np.uint64(5)
    _fill(n_values, 4, 9, layer_word, key0, key1, z)
    assert np.all(z[size:] == -99.0)
    want = _kernel_grid(size // 4, 5, 10, layer_word, key0, key1)[9, 4].ravel()
    np.testing.assert_array_equal(z[:size], want)
    np.testing.assert_array_equal(z[:n_values],
                                  rng32.normal_quads(size // 4, 4, 9, 3, 17 | (5 << 32))[:n_values])
