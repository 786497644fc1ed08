"""Predictions for convolutional networks (issue 17, item 5): ``moments`` with the
factored covariance of fastnoise.analytic.maps.

* Without max pooling the factored form drops nothing: it equals the full-covariance
  ``moments`` of the same network written with dense layers (each operation's
  equivalent matrix), to rounding, for linear and nonlinear activations and every
  noise kind and placement.
* Max pooling (the cubature maximum of kernels.window_max) against Monte Carlo, with tolerances from the
  Monte Carlo error of a variance (relative s.e. √(2/K) per neuron).
* Methods for dense networks refuse a CNN in one line; ``auto`` picks moments.
"""

from __future__ import annotations

import numpy as np
import pytest

import fastnoise as fn
from fastnoise.network import AvgPool2D, Conv2D, Dense, Flatten, Network
from test_conv import NOISE, small_cnn


def _no_max_cnn(act="tanh", noise_at="output"):
    rng = np.random.default_rng(4)
    c1 = Conv2D(rng.normal(0, 0.4, (3, 3, 1, 3)), rng.normal(0, 0.1, 3), in_shape=(7, 7, 1),
                activation=act, noise_at=noise_at)
    a1 = AvgPool2D(2, in_shape=c1.out_shape, padding="same")
    c2 = Conv2D(rng.normal(0, 0.4, (2, 2, 3, 2)), rng.normal(0, 0.1, 2), in_shape=a1.out_shape,
                strides=1, padding="same", activation=act, noise_at=noise_at)
    fl = Flatten(c2.out_shape)
    d = Dense(rng.normal(0, 0.4, (4, fl.out_size)), rng.normal(0, 0.1, 4), "logistic", noise_at=noise_at)
    return Network.from_ops((7, 7, 1), [c1, a1, c2, fl, d])


def _dense_twin(net):
    """The same network with every operation as a dense layer (its equivalent matrix)."""
    ws, bs = [], []
    for op in net.ops:
        ws.append(op.weights if op.kind == "dense" else op.matrix())
        bs.append(op.bias if op.kind == "dense" else
                  (np.tile(op.bias, op.out_size // op.bias.size) if op.kind == "conv2d" else np.zeros(op.out_size)))
    return Network.from_layers(ws, bs, list(net.activations), noise_at=list(net.noise_at))


@pytest.mark.parametrize("act", ["linear", "tanh", "relu"])
@pytest.mark.parametrize("noise_at", ["output", "input"])
def test_factored_equals_full_covariance_without_max_pooling(act, noise_at):
    net = _no_max_cnn(act, noise_at)
    twin = _dense_twin(net)
    u = np.random.default_rng(5).uniform(0, 1, (3, 49))
    for n in range(net.n_layers):   # the twin computes the same function
        np.testing.assert_allclose(fn.forward(net, u)[1][n], fn.forward(twin, u)[1][n], atol=1e-13)
    noises = [NOISE] * net.n_layers            # noise on the mean-pooling layer too
    p = fn.predict(net, u, noises, method="moments")
    q = fn.predict(twin, u, noises, method="moments", full_covariance=True)
    assert p.info["covariance"].startswith("factored")
    for n in range(net.n_layers):
        np.testing.assert_allclose(p.mean[n], q.mean[n], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(p.var[n], q.var[n], rtol=1e-8, atol=1e-16)
        np.testing.assert_allclose(p.xt_var[n], q.xt_var[n], rtol=1e-8, atol=1e-16)


@pytest.mark.slow
@pytest.mark.parametrize("noise", [NOISE, fn.Noise(additive=1e-3), fn.Noise(multiplicative=1e-3),
                                   fn.Noise(additive_correlated=1e-3, multiplicative_correlated=1e-3)],
                         ids=["all", "AU", "MU", "AC+MC"])
def test_max_pooling_cnn_against_monte_carlo(noise):
    net = small_cnn()
    u = np.random.default_rng(1).uniform(0, 1, (4, 64))
    K = 20000
    p = fn.predict(net, u, noise)
    assert p.method == "moments" and "convolution" in p.info["auto"]["reason"]
    r = fn.simulate(net, u, noise, repeats=K, seed=3)
    se = np.sqrt(2.0 / K)             # relative s.e. of one sample variance
    for n in range(net.n_layers):
        total_p, total_r = p.var[n].sum(axis=1), r.var[n].sum(axis=1)
        # summed over a layer's neurons the s.e. is at most se (fully correlated neurons);
        # 5 s.e. for the Monte Carlo, plus 2 % for the closures (the ReLU, the maximum)
        np.testing.assert_allclose(total_p, total_r, rtol=5 * se + 0.02)
    np.testing.assert_allclose(p.mean[-1], r.mean[-1], atol=5 * np.sqrt(r.var[-1].max() / K) + 1e-4)


def test_dense_only_methods_refuse_cnn():
    net = small_cnn()
    u = np.random.default_rng(1).uniform(0, 1, (2, 64))
    for method in ("first-order", "density", "trained"):
        with pytest.raises(ValueError, match=r"takes dense layers only, but layer 1 is conv2d"):
            fn.predict(net, u, NOISE, method=method)
    with pytest.raises(ValueError, match=r"pool takes dense layers only"):
        fn.mitigation.pool(net, 1, 2)
    with pytest.raises(ValueError, match=r"order=2 is for dense networks"):
        fn.predict(net, u, NOISE, method="moments", order=2)


@pytest.mark.slow
def test_correlated_per_channel_prediction_against_monte_carlo():
    net = small_cnn().with_correlated("channel")
    u = np.random.default_rng(1).uniform(0, 1, (4, 64))
    noise = fn.Noise(additive_correlated=1e-3, multiplicative_correlated=1e-3, additive=1e-4)
    K = 20000
    p = fn.predict(net, u, noise)
    r = fn.simulate(net, u, noise, repeats=K, seed=3)
    for n in range(net.n_layers):     # as for the layer-wide noise: 5 s.e. plus 2 % for the closures
        np.testing.assert_allclose(p.var[n].sum(axis=1), r.var[n].sum(axis=1), rtol=5 * np.sqrt(2 / K) + 0.02)


def test_prediction_does_not_depend_on_the_thread_count():
    import numba

    net = small_cnn()
    u = np.random.default_rng(3).uniform(0, 1, (5, 64))
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = fn.predict(net, u, NOISE, method="moments")
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = fn.predict(net, u, NOISE, method="moments")
    finally:
        numba.set_num_threads(old)
    for a, b in zip(one.var + one.mean, two.var + two.mean):
        assert np.array_equal(a, b)
