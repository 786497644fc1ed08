"""Counter-based RNG (fastnoise.kernels.rng): exactness and statistics.

* Philox4x32-10 against Random123's known-answer vectors, for the numba
  kernel and for both NumPy twins, and kernel == twin on random counters.
* Box–Muller normals of the kernel against the NumPy twin (np.log/np.sin/
  np.cos) to ~1e-14, and the branch-free ``log_unit``/``sincos_turn``
  against high-precision references over their domains.
* Statistics of the normals with fixed seeds: moments against their sampling
  errors, Kolmogorov–Smirnov, tails, and absence of correlation within a pair,
  between neighbouring neurons, repetitions, inputs, layers, streams and seeds.

Every statistical tolerance is derived, not tuned: a moment must lie within
5 standard errors of its expectation (two-sided probability 6e-7 for a
correct generator), a sample correlation of independent variables within
4/√n (its standard deviation is 1/√n; probability 6e-5).  The seeds are fixed,
so a test either always passes or always fails.
"""

from __future__ import annotations

import math

import mpmath
import numba
import numpy as np
import pytest
from scipy import stats

import reference as ref
from checks import assert_standard_normal_moments, assert_tail_count
from checks import assert_uncorrelated as _assert_uncorrelated
from fastnoise.kernels import rng

EPS = np.finfo(np.float64).eps

# Random123 kat_vectors, philox4x32_10: (counter, key, expected output)
KAT = [
    ((0x00000000, 0x00000000, 0x00000000, 0x00000000), (0x00000000, 0x00000000),
     (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF),
     (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


# --------------------------------------------------------------------------
# small jitted drivers of the kernel's device functions
# --------------------------------------------------------------------------
@numba.njit
def _kernel_normals(counters, key0, key1):
    """normal_pair for rows of (slot, k, t, layer_word) counters."""
    out = np.empty((counters.shape[0], 2))
    for r in range(counters.shape[0]):
        out[r, 0], out[r, 1] = rng.normal_pair(counters[r, 0], counters[r, 1], counters[r, 2],
                                               counters[r, 3], key0, key1)
    return out


@numba.njit
def _kernel_words_to_normals(words):
    out = np.empty((words.shape[0], 2))
    for r in range(words.shape[0]):
        out[r, 0], out[r, 1] = rng.words_to_normals(words[r, 0], words[r, 1], words[r, 2])
    return out


@numba.njit
def _kernel_grid(n_slots, n_k, n_t, layer_word, key0, key1):
    """Normals of slots x repetitions x inputs, (n_t, n_k, n_slots, 2)."""
    out = np.empty((n_t, n_k, n_slots, 2))
    for t in range(n_t):
        for k in range(n_k):
            for s in range(n_slots):
                out[t, k, s, 0], out[t, k, s, 1] = rng.normal_pair(
                    np.uint64(s), np.uint64(k), np.uint64(t), layer_word, key0, key1)
    return out


@numba.njit
def _log_unit_many(u):
    out = np.empty_like(u)
    for i in range(u.size):
        out[i] = rng.log_unit(u[i])
    return out


@numba.njit
def _sincos_many(a):
    s = np.empty_like(a)
    c = np.empty_like(a)
    for i in range(a.size):
        s[i], c[i] = rng.sincos_turn(a[i])
    return s, c


def _u64(x):
    return np.uint64(x)


# --------------------------------------------------------------------------
# Philox4x32-10: known answers and kernel == twin
# --------------------------------------------------------------------------
@pytest.mark.parametrize("ctr,key,expected", KAT)
def test_philox_kat_kernel(ctr, key, expected):
    counters = np.array([ctr], dtype=np.uint64)
    out = np.zeros((1, 4), dtype=np.uint64)
    rng._philox_kernel(counters, _u64(key[0]), _u64(key[1]), out)
    assert [int(v) for v in out[0]] == list(expected)


@pytest.mark.parametrize("ctr,key,expected", KAT)
def test_philox_kat_numpy_twin(ctr, key, expected):
    assert [int(v) for v in ref.philox4x32_10(ctr, key)] == list(expected)
    assert ref.philox_scalar(ctr, key) == list(expected)


def test_philox_kernel_equals_twin_on_random_counters(np_rng):
    n = 4096
    counters = np_rng.integers(0, 2 ** 32, size=(n, 4), dtype=np.uint64)
    keys = np_rng.integers(0, 2 ** 32, size=(8, 2), dtype=np.uint64)
    for k0, k1 in keys:
        out = np.zeros((n, 4), dtype=np.uint64)
        rng._philox_kernel(counters, _u64(k0), _u64(k1), out)
        expected = ref.philox4x32_10(counters, np.array([k0, k1], dtype=np.uint64))
        np.testing.assert_array_equal(out, expected)
        assert np.all(out < 2 ** 32)
    # and the pure-Python twin agrees with the vectorised one
    for r in range(16):
        assert ref.philox_scalar(counters[r], keys[0]) == [int(v) for v in
                                                            ref.philox4x32_10(counters[r], keys[0])]


# --------------------------------------------------------------------------
# words -> normals: kernel == NumPy twin
# --------------------------------------------------------------------------
def _assert_normals_close(got, expected):
    # |z| <= √(2·52·ln 2) ≈ 8.5; np.log/np.cos/np.sin and the kernel's
    # polynomials are each accurate to ~1 ulp, so 1e-14 leaves a wide margin
    # while catching any wrong bit pattern, sign, quadrant or swapped pair.
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-14)


def test_normals_kernel_equals_twin_random_counters(np_rng):
    n = 200_000
    counters = np_rng.integers(0, 2 ** 32, size=(n, 4), dtype=np.uint64)
    for seed in (0, 1, 0xDEADBEEF, 2 ** 32 + 7, 2 ** 64 - 1):
        k0, k1 = ref.seed_key(seed)
        got = _kernel_normals(counters, _u64(k0), _u64(k1))
        words = ref.philox4x32_10(counters, np.array([k0, k1], dtype=np.uint64))
        z0, z1 = ref.words_to_normals(words[:, 0], words[:, 1], words[:, 2])
        _assert_normals_close(got, np.stack([z0, z1], axis=1))


def test_words_to_normals_edge_words(np_rng):
    top = 0xFFFFFFFF
    words = np.array([
        [0, 0, 0],                     # u1 = 1 -> r = 0
        [top, top, 0],                 # overlapping bits 20-31 of (w0 << 20) ^ w1 cancel
        [top, 0xFFFFF, 0],             # all 52 mantissa bits set: u1 = 2**-52, largest r
        [top, 0, 0x80000000],          # a = -1/2
        [top, 0, 0x7FFFFFFF],          # a just below +1/2
        [12345, 678, 0x40000000],      # a = +1/4
        [12345, 678, 0xC0000000],      # a = -1/4
        [12345, 678, 0x20000000],      # a = +1/8
        [0xABCDEF, 0x123456, 0xDEADBEEF],
    ], dtype=np.uint64)
    words = np.concatenate([words, np_rng.integers(0, 2 ** 32, size=(10_000, 3), dtype=np.uint64)])
    got = _kernel_words_to_normals(words)
    z0, z1 = ref.words_to_normals(words[:, 0], words[:, 1], words[:, 2])
    _assert_normals_close(got, np.stack([z0, z1], axis=1))
    assert got[0, 0] == 0.0 and got[0, 1] == 0.0
    # the largest radius: u1 = 2**-52, r = √(2·52 ln 2), at angle 0
    np.testing.assert_allclose(got[2, 0], math.sqrt(2 * 52 * math.log(2)), rtol=1e-15)
    assert got[2, 1] == 0.0


def test_uniform_words_cover_their_ranges():
    u1, a = ref.words_to_uniforms(np.array([0, 0xFFFFFFFF]), np.array([0, 0xFFFFF]),
                                  np.array([0x80000000, 0x7FFFFFFF]))
    assert u1[0] == 1.0 and u1[1] == 2.0 ** -52
    assert a[0] == -0.5 and 0.5 - 2 ** -32 == a[1]


def test_normal_pairs_kernel_slot_layout():
    """_normal_pairs_kernel fills slot s with the pair of counter (s, k, t, layer word)."""
    n_slots = 33
    for seed, k, t, layer, stream in [(1, 0, 0, 0, 0), (99, 5, 1234, 3, 0), (2 ** 40 + 5, 299, 7, 1, 65535)]:
        k0, k1 = ref.seed_key(seed)
        word = np.uint64(layer | (stream << 16))
        zm, za = np.zeros(n_slots), np.zeros(n_slots)
        rng._normal_pairs_kernel(n_slots, _u64(k), _u64(t), word, _u64(k0), _u64(k1), zm, za)
        em, ea = ref.normal_pairs(np.arange(n_slots), k, t, layer, seed, stream)
        _assert_normals_close(zm, em)
        _assert_normals_close(za, ea)


def test_reference_normals_layout_matches_kernel_draws():
    """reference_normals (used to drive the twin) holds the kernel's draws in order."""
    from fastnoise.kernels.noise import fill_normals as _fill_noise

    widths = [2, 3]
    seed, stream, T, K = 77, 5, 3, 4
    z = ref.reference_normals(seed, widths, T, K, stream=stream, t0=10)
    offs, total = ref.slot_offsets(widths)
    assert z.shape == (T, K, total) and total == (2 + 2) + (3 + 2)
    k0, k1 = ref.seed_key(seed)
    for n, w in enumerate(widths):
        for t in range(T):
            for k in range(K):
                got = np.full(w + 4, np.nan)
                _fill_noise(w + 2, _u64(k), _u64(10 + t), np.uint64(n | (stream << 16)),
                            _u64(k0), _u64(k1), got)
                _assert_normals_close(z[t, k, offs[n]: offs[n] + w + 2], got[: w + 2])
                # value v is element v % 2 of counter v // 2's pair
                pm, pa = ref.normal_pairs(np.arange((w + 3) // 2), k, 10 + t, n, seed, stream)
                _assert_normals_close(got[0: w + 2: 2], pm[: (w + 3) // 2])
                _assert_normals_close(got[1: w + 2: 2], pa[: (w + 2) // 2])


# --------------------------------------------------------------------------
# log_unit and sincos_turn accuracy
# --------------------------------------------------------------------------
def test_log_unit_accuracy_over_normal_floats(np_rng):
    """Relative error < 1e-15 (the documented bound) on normal floats in (0, 1]."""
    tiny = np.finfo(np.float64).tiny
    u = np.concatenate([
        np_rng.random(300_000),                                   # uniform
        2.0 ** -np_rng.uniform(0, 1022, 100_000),                 # log-uniform down to tiny
        1.0 - np_rng.random(50_000) * 1e-8,                       # just below 1
        (2.0 ** 52 - np_rng.integers(0, 2 ** 52, 50_000)) * 2.0 ** -52,  # the kernel's u1 grid
        [1.0, np.nextafter(1.0, 0.0), 0.5, 2.0 ** -52, tiny, math.sqrt(0.5),
         np.nextafter(math.sqrt(0.5), 0.0), np.nextafter(math.sqrt(0.5), 1.0)],
    ])
    u = u[(u >= tiny) & (u <= 1.0)]
    got = _log_unit_many(u)
    exact = np.log(u.astype(np.longdouble))  # 64-bit mantissa: error ~1e-19
    nz = exact != 0
    rel = np.abs((got[nz] - exact[nz]) / exact[nz]).astype(np.float64)
    assert rel.max() < 1e-15, (rel.max(), u[nz][np.argmax(rel)])
    assert np.all(got[~nz] == 0.0)  # log 1 = 0 exactly


def test_log_unit_domain_edges():
    """log_unit's documented domain is the normal floats [2**-1022, 1]; the
    generator only ever passes u1 >= 2**-52 (52-bit uniforms)."""
    u = np.array([2.0 ** -1022, 2.0 ** -52, 2.0 ** -52 * 3, 0.5, 1.0 - 2.0 ** -52])
    np.testing.assert_allclose(_log_unit_many(u), np.log(u), rtol=1e-15)


def test_sincos_turn_accuracy_over_domain(np_rng):
    """(sin 2πa, cos 2πa) on [-1/2, 1/2]: abs. error ≤ 2 ulp(1) everywhere (1e6
    points, long-double reference) and relative error < 1e-15 (mpmath
    sinpi/cospi, exact at the zeros) on points that probe every quadrant and the
    neighbourhoods of the zeros, where relative accuracy is hardest."""
    a = np.concatenate([np_rng.uniform(-0.5, 0.5, 1_000_000), np.linspace(-0.5, 0.5, 4097)])
    s, c = _sincos_many(a)
    two_pi = 2 * np.longdouble("3.14159265358979323846264338327950288")
    al = a.astype(np.longdouble)
    assert np.abs(s - np.sin(two_pi * al)).max() <= 2 * EPS
    assert np.abs(c - np.cos(two_pi * al)).max() <= 2 * EPS

    mpmath.mp.prec = 113
    b = np.concatenate([
        np_rng.uniform(-0.5, 0.5, 4000),
        *[z - np.sign(z + 0.1) * 2.0 ** -np_rng.uniform(1, 45, 600)
          for z in (-0.5, -0.25, 0.0, 0.25, 0.5)],          # approach every zero of sin/cos
        [-0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5 - 2 ** -32],
    ])
    b = b[(b >= -0.5) & (b <= 0.5)]
    s, c = _sincos_many(b)
    es = np.array([float(mpmath.sinpi(2 * mpmath.mpf(float(x)))) for x in b])
    ec = np.array([float(mpmath.cospi(2 * mpmath.mpf(float(x)))) for x in b])
    for got, exact in ((s, es), (c, ec)):
        zero = exact == 0.0
        assert np.all(got[zero] == 0.0)
        rel = np.abs(got[~zero] - exact[~zero]) / np.abs(exact[~zero])
        assert rel.max() < 1e-15, (rel.max(), b[~zero][np.argmax(rel)])


# --------------------------------------------------------------------------
# statistics of the kernel's normals (fixed seeds)
# --------------------------------------------------------------------------
N_SLOTS, N_K, N_T = 64, 64, 128          # 524 288 pairs, 1 048 576 normals


@pytest.fixture(scope="module")
def grid():
    """Normals of (t, k, slot, pair member) for layer 0, stream 0, seed 12345."""
    k0, k1 = ref.seed_key(12345)
    return _kernel_grid(N_SLOTS, N_K, N_T, np.uint64(0), _u64(k0), _u64(k1))


def _grid(seed, layer=0, stream=0):
    k0, k1 = ref.seed_key(seed)
    return _kernel_grid(N_SLOTS, N_K, N_T, np.uint64(layer | (stream << 16)), _u64(k0), _u64(k1))


def test_grid_equals_twin_sample(grid):
    """Spot check: the grid is indeed the documented counter layout."""
    t, k, s = np.meshgrid(np.arange(0, N_T, 17), np.arange(0, N_K, 13), np.arange(N_SLOTS),
                          indexing="ij")
    z0, z1 = ref.normal_pairs(s, k, t, 0, 12345)
    _assert_normals_close(grid[::17, ::13, :, 0], z0)
    _assert_normals_close(grid[::17, ::13, :, 1], z1)


def test_moments(grid):
    """Mean, variance, skewness and excess kurtosis within 5 standard errors.

    For n iid N(0, 1) draws the standard errors are 1/√n (mean), √(2/(n−1))
    (variance), √(6/n) (skewness) and √(24/n) (excess kurtosis), to leading
    order in 1/n.
    """
    for z in (grid[..., 0], grid[..., 1], grid):
        assert_standard_normal_moments(z)


def test_kolmogorov_smirnov(grid):
    """KS tests of both members of the pair against N(0, 1), and of
    r² = z0² + z1² against χ²₂ (exponential with mean 2), which checks u1.

    With a correct generator the p-value is uniform on (0, 1), so a fixed-seed
    threshold p > 1e-3 fails with probability 1e-3 *once*, when the seed is
    chosen; being deterministic it then either always passes or always fails.
    A biased generator drives p towards 0 at n ≈ 1e6 (the KS distance would
    have to stay below ~2e-3).
    """
    z0, z1 = grid[..., 0].ravel(), grid[..., 1].ravel()
    assert stats.kstest(z0, "norm").pvalue > 1e-3
    assert stats.kstest(z1, "norm").pvalue > 1e-3
    assert stats.kstest(z0 ** 2 + z1 ** 2, "expon", args=(0, 2)).pvalue > 1e-3
    # the angle: uniform on (-π, π]
    assert stats.kstest(np.arctan2(z1, z0), "uniform", args=(-np.pi, 2 * np.pi)).pvalue > 1e-3


@pytest.mark.parametrize("threshold", [2.0, 3.0, 4.0])
def test_tails(grid, threshold):
    """P(|z| > c) matches 2Φ(−c) within 5 binomial standard errors (KS is weak in tails)."""
    assert_tail_count(grid, threshold)


def test_pair_members_independent(grid):
    z0, z1 = grid[..., 0], grid[..., 1]
    _assert_uncorrelated(z0, z1)
    _assert_uncorrelated(z0 ** 2, z1 ** 2)   # dependence invisible to linear correlation
    _assert_uncorrelated(np.abs(z0), z1)


@pytest.mark.parametrize("axis,name", [(2, "neighbouring neuron slots"), (1, "repetitions k"),
                                       (0, "inputs t")])
def test_neighbouring_counters_uncorrelated(grid, axis, name):
    n = grid.shape[axis]
    lo = np.take(grid, np.arange(n - 1), axis=axis)
    hi = np.take(grid, np.arange(1, n), axis=axis)
    for m in (0, 1):
        _assert_uncorrelated(lo[..., m], hi[..., m])
        _assert_uncorrelated(lo[..., m], hi[..., 1 - m])
        _assert_uncorrelated(lo[..., m] ** 2, hi[..., m] ** 2)


@pytest.mark.parametrize("other", [
    dict(seed=12346),                  # neighbouring seed (key word 0)
    dict(seed=12345 + 2 ** 32),        # key word 1 only
    dict(seed=12345, layer=1),         # next layer
    dict(seed=12345, stream=1),        # next stream
    dict(seed=12345, layer=0, stream=65535),
])
def test_streams_seeds_layers_uncorrelated(grid, other):
    z = _grid(**other)
    assert not np.array_equal(z, grid)
    for m in (0, 1):
        _assert_uncorrelated(grid[..., m], z[..., m])
        _assert_uncorrelated(grid[..., m] ** 2, z[..., m] ** 2)
