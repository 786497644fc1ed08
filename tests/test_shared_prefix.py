"""A network's noiseless prefix is computed once per input, not K times.

While no layer so far is noisy every repetition has the same states, so the
kernel computes them (and the next layer's x̃) from one row and copies it to
the K rows.  Checked here:

* the results still equal the NumPy twin on given normals (any placement,
  both precisions' statistics as before);
* a noiseless layer has exactly zero variance in both precisions (with K
  separate rows a float32 GEMM could round identical rows differently);
* the run records numerics v4 exactly when the sharing changes bits (a layer
  with more than one input computed from a noiseless one), v3 otherwise;
* determinism for any thread count and block size.
"""

from __future__ import annotations

import numpy as np
import pytest

import fastnoise as fn
import reference as ref
from fastnoise.engine.planning import plan
from fastnoise.engine.provenance import NUMERICS_SHARED_PREFIX, NUMERICS_VERSION

NOISY = fn.Noise(additive=1e-3, multiplicative=1e-3, additive_correlated=5e-4)


def _noise(net, first_noisy):
    return [fn.Noise() if n < first_noisy else NOISY for n in range(net.n_layers)]


@pytest.mark.parametrize("first_noisy", [1, 2, 3])
@pytest.mark.parametrize("noise_at", ["output", "input"])
def test_shared_prefix_matches_the_twin(first_noisy, noise_at, np_rng):
    net = fn.random_dense([7, 20, 12, 3], activation="tanh", seed=2, noise_at=noise_at)
    u = np_rng.normal(size=(6, 7))
    noise = _noise(net, first_noisy)
    _, total = ref.slot_offsets(net.widths)
    z = np_rng.standard_normal((6, 12, total))
    res = fn.simulate(net, u, noise, repeats=12, noise_values=z, block=4)
    mean, var, ys = ref.noisy_forward(net, u, noise, z, return_samples=True)
    for n in range(net.n_layers):
        scale = float(np.max(np.abs(ys[n])))
        np.testing.assert_allclose(res.mean[n], mean[n], rtol=1e-10, atol=1e-10 * scale)
        np.testing.assert_allclose(res.var[n], var[n], rtol=1e-10, atol=1e-10 * float(np.max(var[n])) + 1e-30)
        if n < first_noisy:
            assert np.all(res.var[n] == 0.0)


@pytest.mark.parametrize("precision", ["float64", "float32"])
def test_noiseless_layers_have_exactly_zero_variance(precision, np_rng):
    net = fn.random_dense([30, 40, 20, 5], activation="logistic", seed=2)
    u = np_rng.uniform(size=(9, 30))
    res = fn.simulate(net, u, _noise(net, 3), repeats=50, seed=4, precision=precision,
                      samples=[(1, 0), (2, 3)], histogram={"bins": 10, "range": (0, 1)})
    for n in range(3):
        assert np.all(res.var[n] == 0.0), n
    assert np.all(res.var[3] > 0.0)
    # every repetition of a noiseless layer is the noiseless state (samples keep K rows)
    s = res.samples[0]
    assert np.all(s[:, :, 0] == s[:, :1, 0]) and np.all(s[:, :, 1] == s[:, :1, 1])
    np.testing.assert_allclose(s[:, 0, 0], res.noiseless_x[1][:, 0], rtol=1e-6 if precision == "float32" else 1e-13)


@pytest.mark.parametrize("widths, first_noisy, version", [
    ([1, 200, 200, 1], 0, NUMERICS_VERSION),   # Fig. 3: noise from the input layer on
    ([1, 50, 50, 1], 1, NUMERICS_VERSION),     # noiseless input of width 1: one product, same bits
    ([1, 50, 50, 1], 2, NUMERICS_SHARED_PREFIX),  # layer 2 sums 50 noiseless inputs
    ([5, 8, 3], 1, NUMERICS_SHARED_PREFIX),
    ([5, 8, 3], 0, NUMERICS_VERSION),
])
def test_numerics_version_records_the_sharing(widths, first_noisy, version):
    net = fn.symmetric(widths)
    pl = plan(net, np.zeros((2, widths[0])), _noise(net, first_noisy), repeats=3)
    assert pl.config["numerics"] == version


def test_noiseless_network_records_the_sharing():
    net = fn.symmetric([3, 4, 2])
    res = fn.simulate(net, np.ones((2, 3)), None, repeats=3)
    assert res.config["numerics"] == NUMERICS_SHARED_PREFIX and all(np.all(v == 0) for v in res.var)


def test_shared_prefix_bitwise_any_threads_and_block(np_rng):
    net = fn.random_dense([16, 24, 24, 4], activation="tanh", seed=3)
    u = np_rng.normal(size=(11, 16))
    runs = [fn.simulate(net, u, _noise(net, 2), repeats=10, seed=5, threads=t, block=b,
                        precision=p) for p in ("float64", "float32") for t, b in ((1, 64), (2, 3))]
    for a, b in ((runs[0], runs[1]), (runs[2], runs[3])):
        for n in range(net.n_layers):
            assert np.array_equal(a.mean[n], b.mean[n]) and np.array_equal(a.var[n], b.var[n])
