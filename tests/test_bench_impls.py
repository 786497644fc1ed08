"""The benchmark peers (benchmarks/numpy_impl.py, benchmarks/torch_impl.py) simulate the
same model as fastnoise.

With all noise off they must reproduce the noiseless forward pass; with noise,
their per-neuron variances must agree with fastnoise's within Monte Carlo
error: two independent unbiased variances of K Gaussian samples each have
relative errors √(2/(K−1)), so their ratio's log has standard deviation
≈ 2/√(K−1); every ratio must lie within a Bonferroni-corrected 1e-3 normal
quantile of that.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import fastnoise as fn
from benchmarks.numpy_impl import simulate_numpy

NOISE = fn.Noise(additive=1e-4, additive_correlated=1e-4, multiplicative=1e-3,
                 multiplicative_correlated=1e-3)
NETS = {"symmetric": fn.symmetric([1, 30, 30, 1], alpha=4.0),
        "dense": fn.random_dense([6, 20, 10, 3], activation="logistic", seed=4)}


def _peers():
    out = {"numpy": lambda net, u, nz, K: simulate_numpy(net, u, nz, K, seed=3)}
    try:
        from benchmarks.torch_impl import simulate_torch
        import torch  # noqa: F401
    except ImportError:
        return out
    out["torch32"] = lambda net, u, nz, K: simulate_torch(net, u, nz, K, seed=3)
    out["torch64"] = lambda net, u, nz, K: simulate_torch(net, u, nz, K, seed=3, dtype="float64")
    return out


PEERS = _peers()


@pytest.mark.parametrize("peer", sorted(PEERS))
@pytest.mark.parametrize("name", sorted(NETS))
def test_noiseless_peer_equals_forward(peer, name):
    net = NETS[name]
    u = np.random.default_rng(1).uniform(0, 1, (7, net.widths[0]))
    means, vars_ = PEERS[peer](net, u, fn.Noise(), 3)
    _, x = fn.forward(net, u)
    rtol = 1e-5 if peer == "torch32" else 1e-12
    for n in range(net.n_layers):
        np.testing.assert_allclose(means[n], x[n], rtol=rtol, atol=rtol)
        assert np.all(vars_[n] <= rtol ** 2)  # K identical values: zero up to rounding


@pytest.mark.parametrize("peer", sorted(PEERS))
@pytest.mark.parametrize("name", sorted(NETS))
def test_peer_variances_agree_with_fastnoise(peer, name):
    net = NETS[name]
    K = 2000
    u = np.random.default_rng(2).uniform(0, 1, (6, net.widths[0]))
    res = fn.simulate(net, u, NOISE, repeats=K, seed=11)
    _, vars_ = PEERS[peer](net, u, NOISE, K)
    r = np.concatenate([(vars_[n] / res.var[n]).ravel() for n in range(net.n_layers)])
    z = np.log(r) / (2.0 / np.sqrt(K - 1))
    bound = stats.norm.ppf(1 - 1e-3 / (2 * r.size))
    assert np.max(np.abs(z)) < bound, f"worst z {np.max(np.abs(z)):.2f} > {bound:.2f}"
