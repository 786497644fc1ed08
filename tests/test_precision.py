"""precision="float32": float32 states, float32 normals, float64 statistics.

The float32 specialisation of the kernel (kernels/propagate.py with float32 weights) is checked three ways:

* against its NumPy twin (``reference.noisy_forward(dtype=np.float32)``) on
  the same normals: both compute Eqs. 1–3 in float32, so the noisy states
  differ only by rounding, a few float32 ulps per operation accumulated over
  a layer's fan-in; the bound on |Δy| is ``(I_{n−1} + 16)·ε₃₂·(1 + max|y|)``
  per layer, summed over the layers so far.  Means then differ by at most
  max|Δy| and variances by at most 2σ·2max|Δy| + (2max|Δy|)² (Cauchy–Schwarz
  on the centred samples), which is what the tests assert — with the
  measured |Δy|, not a tuned tolerance;
* its drawn normals are the documented stream (``reference_normals32``);
* against float64 statistically: independent samples of the same model, so
  mean differences are z-scores and variance ratios have known spread.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest
from scipy import stats

import fastnoise as fn
import reference as ref

NOISE = fn.Noise(additive=1e-4, additive_correlated=1e-4, multiplicative=1e-3,
                 multiplicative_correlated=1e-3)
EPS32 = float(np.finfo(np.float32).eps)


@numba.njit
def softsign(x):
    return x / (1.0 + abs(x))


NETS = {
    "symmetric": fn.symmetric([1, 60, 60, 1], alpha=4.0),
    "dense_logistic": fn.random_dense([30, 40, 20, 5], activation="logistic", seed=2),
    "dense_mixed": fn.Network.from_layers(
        [np.random.default_rng(3).normal(0, 0.2, (25, 12)),
         np.random.default_rng(4).normal(0, 0.2, (6, 25))],
        [np.full(25, 0.1), np.zeros(6)],
        [fn.activations.tanh(0.8), fn.activations.custom(softsign), fn.activations.relu(1.2)]),
    "dense_new_activations": fn.Network.from_layers(
        [np.random.default_rng(5).normal(0, 0.4, (n, m)) for n, m in
         [(12, 8), (12, 12), (12, 12), (12, 12), (12, 12), (12, 12), (12, 12), (12, 12), (4, 12)]],
        None, ["linear", fn.activations.elu(0.8), fn.activations.leaky_relu(0.1), fn.activations.softplus(1.5),
               "gelu", "swish", "hard_sigmoid", "softsign", "selu", "linear"]),
    # noise before the activation (noise_at="input"): the same bounds, the
    # activations being as Lipschitz as on the output placement
    "dense_logistic_input": fn.random_dense([30, 40, 20, 5], activation="logistic", seed=2,
                                            noise_at="input"),
    "dense_mixed_input": fn.Network.from_layers(
        [np.random.default_rng(3).normal(0, 0.2, (25, 12)),
         np.random.default_rng(4).normal(0, 0.2, (6, 25))],
        [np.full(25, 0.1), np.zeros(6)],
        [fn.activations.tanh(0.8), fn.activations.custom(softsign), fn.activations.relu(1.2)],
        noise_at=["input", "output", "input"]),
    "cubic": fn.Network.from_layers([np.full((20, 3), 1 / 3), np.full((2, 20), 1 / 20)],
                                    None, ["linear", "cubic", "shifted_sigmoid"]),
}


def _inputs(net, T, rng):
    if net.widths[0] == 1:
        return np.linspace(0.0, 1.0, T)[:, None]
    return rng.uniform(0.0, 1.0, (T, net.widths[0]))


def _all_samples(net):
    return [(n, i) for n in range(net.n_layers) for i in range(net.widths[n])]


def _check_against_twin(net, res, u, z):
    """The derived bounds of the module docstring, layer by layer."""
    _, _, ys = ref.noisy_forward(net, u, NOISE, z, return_samples=True, dtype=np.float32)
    got = res.samples[0]  # (T, K, S) with S = every neuron, layer by layer
    off = 0
    budget = 0.0
    for n, w in enumerate(net.widths):
        y_twin = ys[n].astype(np.float64)               # (T, K, I_n)
        y_kern = got[:, :, off:off + w]
        off += w
        dy = np.abs(y_kern - y_twin)
        fan_in = net.widths[n - 1] if n else 1
        budget += (fan_in + 16) * EPS32 * (1.0 + float(np.max(np.abs(y_twin))))
        assert dy.max() <= budget, (n, dy.max(), budget)
        d = dy.max(axis=1)                                # (T, I_n) per input and neuron
        mean_t = y_twin.mean(axis=1)
        var_t = y_twin.var(axis=1, ddof=1)
        # (+ float64 rounding of the sums, relative to the states, where Δy = 0)
        rounding = 1e-15 * np.abs(y_twin).max(axis=1)
        assert np.all(np.abs(res.mean[n] - mean_t) <= d + rounding), n
        bound = 2 * np.sqrt(var_t) * 2 * d + (2 * d) ** 2
        # the kernel accumulates in float64 in another order: add float64 rounding
        bound += 1e-12 * var_t + rounding ** 2
        assert np.all(np.abs(res.var[n] - var_t) <= bound), n


@pytest.mark.parametrize("name", list(NETS))
def test_float32_kernel_equals_twin_given_normals(name, np_rng):
    net = NETS[name]
    T, K = 11, 40
    u = _inputs(net, T, np_rng)
    _, total = ref.slot_offsets(net.widths)
    z = np_rng.standard_normal((T, K, total))
    res = fn.simulate(net, u, NOISE, repeats=K, noise_values=z, precision="float32",
                      samples=_all_samples(net), block=4)
    _check_against_twin(net, res, u, z)


@pytest.mark.parametrize("seed,stream", [(7, 0), (2 ** 40 + 3, 5)])
def test_float32_draws_the_documented_stream(seed, stream, np_rng):
    net = NETS["dense_logistic"]
    T, K = 6, 12
    u = _inputs(net, T, np_rng)
    res = fn.simulate(net, u, NOISE, repeats=K, seed=seed, stream=stream, precision="float32",
                      samples=_all_samples(net), block=4)
    z = ref.reference_normals32(seed, net.widths, T, K, stream=stream)
    _check_against_twin(net, res, u, z)
    # and not the float64 stream
    z64 = ref.reference_normals(seed, net.widths, T, K, stream=stream)
    _, _, ys = ref.noisy_forward(net, u, NOISE, z64, return_samples=True, dtype=np.float32)
    assert np.max(np.abs(res.samples[0][:, :, -5:] - ys[-1])) > 1e-3


def test_float32_agrees_with_float64_statistically():
    """Independent samples of one model: per input, the output neuron's mean
    difference over its standard error is N(0, 1) and log(var32/var64) has
    standard deviation √(2/(K−1))·√(2 + excess kurtosis terms) ≈ √(4/(K−1))
    for near-Gaussian y.  Over T independent inputs, Σz²/T lies below the
    χ²_T/T 99.9 % quantile and the mean log ratio within 5 standard errors."""
    net = fn.symmetric([1, 100, 100, 1], alpha=4.0)
    T, K = 60, 400
    u = np.linspace(0.0, 1.0, T)
    r64 = fn.simulate(net, u, NOISE, repeats=K, seed=3)
    r32 = fn.simulate(net, u, NOISE, repeats=K, seed=3, precision="float32")
    for n in range(net.n_layers):
        m64, m32 = r64.mean[n][:, 0], r32.mean[n][:, 0]
        v64, v32 = r64.var[n][:, 0], r32.var[n][:, 0]
        z = (m32 - m64) / np.sqrt((v32 + v64) / K)
        assert np.mean(z ** 2) < stats.chi2.ppf(0.999, T) / T, n
        lr = np.log(v32 / v64)
        assert abs(lr.mean()) < 5 * math.sqrt(4 / (K - 1) / T), n


def test_float32_is_deterministic_across_threads_and_blocks():
    net = fn.symmetric([1, 50, 50, 1], alpha=3.0)
    u = np.linspace(0, 1, 37)
    a = fn.simulate(net, u, NOISE, repeats=50, seed=9, precision="float32", threads=1, block=5)
    b = fn.simulate(net, u, NOISE, repeats=50, seed=9, precision="float32", threads=2, block=64)
    for n in range(net.n_layers):
        assert a.var[n].tobytes() == b.var[n].tobytes()
        assert a.mean[n].tobytes() == b.mean[n].tobytes()


def test_float32_noiseless_neuron_has_zero_variance():
    net = fn.symmetric([1, 8, 1], alpha=2.0)
    r = fn.simulate(net, np.linspace(0, 1, 5), [None, fn.Noise(), fn.Noise(additive=1e-4)],
                    repeats=20, precision="float32")
    assert np.all(r.var[0] == 0.0) and np.all(r.var[1] == 0.0) and np.all(r.var[2] > 0.0)


def test_float32_resume_equals_uninterrupted(tmp_path):
    net = fn.symmetric([1, 30, 30, 1], alpha=4.0)
    u = np.linspace(0, 1, 40)

    class Stop(Exception):
        pass

    def stop_after_one_block(done, total):
        if done >= 8:
            raise Stop

    ref_res = fn.simulate(net, u, NOISE, repeats=30, seed=4, precision="float32", block=8)
    path = tmp_path / "r.h5"
    with pytest.raises(Stop):
        fn.simulate(net, u, NOISE, repeats=30, seed=4, precision="float32", block=8,
                    store=path, progress=stop_after_one_block)
    res = fn.simulate(net, u, NOISE, repeats=30, seed=4, precision="float32", block=8,
                      store=path, resume=True)
    for n in range(net.n_layers):
        assert res.var[n].tobytes() == ref_res.var[n].tobytes()


def test_precision_is_recorded_and_validated(tmp_path):
    net = fn.symmetric([1, 10, 1], alpha=2.0)
    u = np.linspace(0, 1, 8)
    r = fn.simulate(net, u, NOISE, repeats=10, precision="float32", store=tmp_path / "a.h5")
    assert r.config["precision"] == "float32"
    from fastnoise.simulate import RNG_VERSION, RNG_VERSION_F32

    assert r.config["rng"] == RNG_VERSION_F32
    r64 = fn.simulate(net, u, NOISE, repeats=10)
    assert "precision" not in r64.config and r64.config["rng"] == RNG_VERSION  # float64 keeps its hash
    with pytest.raises(Exception, match="precision: stored \"float32\", now null"):
        fn.simulate(net, u, NOISE, repeats=10, store=tmp_path / "a.h5", resume=True)
    with pytest.raises(ValueError, match=r"precision must be 'float64' or 'float32'.*got 'half'"):
        fn.simulate(net, u, NOISE, repeats=10, precision="half")
    from fastnoise.runconfig import loads_config

    base = ('[network]\nkind = "symmetric"\nwidths = [1, 4, 1]\nalpha = 2.0\n'
            '[inputs]\nkind = "linspace"\nstart = 0.0\nstop = 1.0\ncount = 3\n')
    assert loads_config(base + '[output]\nprecision = "float32"\n').precision == "float32"
    assert loads_config(base).simulate_kwargs()["precision"] == "float64"
    with pytest.raises(ValueError, match=r'precision = "f16" in \[output\] must be "float64" or '
                                         r'"float32"'):
        loads_config(base + '[output]\nprecision = "f16"\n')
