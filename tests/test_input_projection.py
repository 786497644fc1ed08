"""Additive input noise drawn in layer 1's space (``kernels/projection.py``).

x̃_1 = W (x_0 + a_AU ξ' + a_AC ξ'_c) + b has the law of
(W x_0 + b) + a_AU C z + a_AC ξ'_c W1 with C Cᵀ = W Wᵀ; the kernel samples
the latter when layer 1 is narrower than the input.  Checked here:

* the factor M = [Cᵀ; sᵀ] against NumPy's Cholesky, and its refusal of a
  W of deficient rank;
* exactly when the shortcut is taken (config: numerics 5 and
  ``input_noise = "projected"``) and when not;
* a NumPy twin of layer 1's states from the same normals, both precisions;
* statistics: layer 1's sample covariance against a_AU² W Wᵀ + a_AC² s sᵀ,
  every layer's moments against the exact linear-network moments, with
  tolerances from the Monte Carlo error; layer 0's moments are exact;
* determinism for any thread count and block size, and across a resume.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import fastnoise as fn
import reference as ref
from checks import Interrupt, run_cli
from fastnoise.engine.planning import plan
from fastnoise.engine.provenance import NUMERICS_PROJECTED_INPUT
from fastnoise.kernels.projection import gram_factor

ADD = fn.Noise(additive=2e-3, additive_correlated=5e-4)


def _w(rows, cols, seed=0):
    return np.random.default_rng(seed).normal(size=(rows, cols)) / np.sqrt(cols)


def test_gram_factor_matches_numpy():
    W = _w(6, 15)
    m = np.empty((7, 6))
    assert gram_factor(np.ascontiguousarray(W.T), m)
    np.testing.assert_allclose(m[:6], np.linalg.cholesky(W @ W.T).T, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(m[6], W.sum(axis=1), rtol=1e-13)


@pytest.mark.parametrize("change", ["duplicate row", "zero row", "wider than input"])
def test_gram_factor_refuses_deficient_rank(change):
    W = _w(6, 15)
    if change == "duplicate row":
        W[3] = W[1]
    elif change == "zero row":
        W[2] = 0.0
    else:
        W = _w(20, 15)
    m = np.empty((W.shape[0] + 1, W.shape[0]))
    assert not gram_factor(np.ascontiguousarray(W.T), m)


def _net(widths=(15, 6, 4), activation="linear", seed=1, **kw):
    return fn.random_dense(list(widths), activation=activation, seed=seed, **kw)


def _projected(net, noise, **kw):
    cfg = plan(net, np.zeros((2, net.widths[0])), noise, repeats=3, **kw).config
    used = cfg.get("input_noise") == "projected"
    assert used == (cfg["numerics"] == NUMERICS_PROJECTED_INPUT)
    return used


@pytest.mark.parametrize("first, kw, used", [
    (fn.Noise(additive=1e-3), {}, True),
    (ADD, {}, True),
    (ADD, {"precision": "float32"}, True),
    (ADD, {"samples": [(1, 0), (2, 1)]}, True),
    (fn.Noise(additive_correlated=1e-3), {}, False),  # no uncorrelated part: 2 normals already
    (fn.Noise(additive=1e-3, multiplicative=1e-4), {}, False),
    (fn.Noise(additive=1e-3, multiplicative_correlated=1e-4), {}, False),
    (fn.Noise(), {}, False),
    (ADD, {"samples": [(0, 3)]}, False),  # layer 0's noisy states are asked for
    (ADD, {"histogram": {"bins": 4, "range": (0, 1)}}, False),
])
def test_when_the_input_noise_is_projected(first, kw, used):
    net = _net()
    assert _projected(net, [first, fn.Noise(additive=1e-3), fn.Noise()], **kw) == used


def test_not_projected_when_widening_singular_or_noise_before_f():
    noise = [ADD, fn.Noise(), fn.Noise()]
    assert not _projected(_net((4, 6, 3)), noise)
    W1 = _w(6, 15)
    W1[4] = W1[0]
    singular = fn.Network.from_layers([None, W1, _w(3, 6)], [None, np.zeros(6), np.zeros(3)],
                                      ["linear"] * 3)
    assert not _projected(singular, noise)
    assert not _projected(_net().with_noise_at(["input", "output", "output"]), noise)
    z = np.zeros((2, 3, sum(w + 2 for w in (15, 6, 4))))
    assert not _projected(_net(), noise, noise_values=z)


@pytest.mark.parametrize("precision, rtol", [("float64", 1e-12), ("float32", 2e-5)])
def test_layer1_states_match_the_numpy_twin(precision, rtol, np_rng):
    """Layer 1 (noiseless, linear) holds x̃_1 = a_AU z C ᵀ + a_AC ξ'_c s + W x_0 + b, with
    z and ξ'_c values 2.. and 1 of layer 0's normals (its counters, as without the shortcut)."""
    net = _net()
    T, K, seed = 5, 7, 9
    u = np_rng.uniform(size=(T, 15))
    noise = [ADD, fn.Noise(), fn.Noise(additive=1e-3)]
    res = fn.simulate(net, u, noise, repeats=K, seed=seed, precision=precision,
                      samples=[(1, i) for i in range(6)])
    assert res.config["input_noise"] == "projected"
    normals = (ref.reference_normals32 if precision == "float32" else ref.reference_normals)(
        seed, net.widths, T, K)
    W, b = net.weights[1], net.biases[1]
    a_mu, a_au, a_mc, a_ac = ref.amplitudes(ADD)
    C = np.linalg.cholesky(W @ W.T)
    z, xi_c = normals[:, :, 2:2 + 6], normals[:, :, 1:2]
    want = a_au * z @ C.T + a_ac * xi_c * W.sum(axis=1) + (u @ W.T + b)[:, None, :]
    got = res.samples[0]
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * float(np.abs(want).max()))
    # layer 0: exact moments, not estimates
    np.testing.assert_array_equal(res.mean[0], u.astype(np.float32) if precision == "float32" else u)
    np.testing.assert_allclose(res.var[0], a_au ** 2 + a_ac ** 2,
                               rtol=1e-6 if precision == "float32" else 1e-15)


@pytest.mark.parametrize("precision", ["float64", "float32"])
def test_projected_statistics_are_exact_in_law(precision, np_rng):
    """Linear network, noise on every layer: the sample covariance of layer 1 and every
    layer's mean and variance agree with the exact moments within 5 Monte Carlo
    standard errors (Wishart: Var Ŝ_ij = (Σ_ii Σ_jj + Σ_ij²)/(K − 1))."""
    net = _net(activation="linear", seed=4)
    noise = [ADD, fn.Noise(additive=1e-3, additive_correlated=2e-4), fn.Noise(additive=5e-4)]
    T, K = 3, 20000
    u = np_rng.uniform(size=(T, 15))
    res = fn.simulate(net, u, noise, repeats=K, seed=3, precision=precision,
                      samples=[(1, i) for i in range(6)])
    assert res.config["input_noise"] == "projected"
    for t in range(T):
        means, covs = ref.linear_moments(net, u[t], noise)
        s = res.samples[0][t]
        S = np.cov(s, rowvar=False)
        cov1 = covs[1]
        se = np.sqrt((np.outer(np.diag(cov1), np.diag(cov1)) + cov1 ** 2) / (K - 1))
        assert np.max(np.abs(S - cov1) / se) < 5.0
        for n in range(1, net.n_layers):
            var = np.diag(covs[n])
            assert np.max(np.abs(res.mean[n][t] - means[n]) / np.sqrt(var / K)) < 5.0
            assert np.max(np.abs(res.var[n][t] - var) / (var * np.sqrt(2.0 / (K - 1)))) < 5.0


def test_projected_bitwise_any_threads_and_block(np_rng):
    net = _net((30, 10, 10, 3), activation="tanh", seed=2)
    u = np_rng.normal(size=(11, 30))
    noise = [ADD, fn.Noise(additive=1e-3, multiplicative=1e-3)] + [fn.Noise(additive=1e-3)] * 2
    for precision in ("float64", "float32"):
        runs = [fn.simulate(net, u, noise, repeats=10, seed=5, threads=t, block=b, precision=precision)
                for t, b in ((1, 64), (2, 3), (2, 5))]
        assert runs[0].config["input_noise"] == "projected"
        for r in runs[1:]:
            for n in range(net.n_layers):
                assert np.array_equal(r.mean[n], runs[0].mean[n]) and np.array_equal(r.var[n], runs[0].var[n])


@pytest.mark.parametrize("precision", ["float64", "float32"])
def test_projected_run_resumes_bitwise(tmp_path, precision, np_rng):
    net = _net((30, 10, 4), activation="logistic", seed=6)
    u = np_rng.uniform(size=(10, 30))
    noise = [ADD, fn.Noise(additive=1e-3), fn.Noise(additive=1e-3)]
    kw = dict(repeats=8, seed=2, precision=precision)
    whole = fn.simulate(net, u, noise, **kw)
    path = tmp_path / "s.h5"
    with pytest.raises(KeyboardInterrupt):
        fn.simulate(net, u, noise, store=path, block=4, progress=Interrupt(4), **kw)
    res = fn.simulate(net, u, noise, store=path, block=3, resume=True, **kw)
    for n in range(net.n_layers):
        assert np.array_equal(res.mean[n], whole.mean[n]) and np.array_equal(res.var[n], whole.var[n])
    with fn.Store(path) as st:
        cfg = st.run().config
        assert cfg["input_noise"] == "projected" and cfg["numerics"] == NUMERICS_PROJECTED_INPUT


def test_info_says_the_input_noise_was_projected(tmp_path, capsys, np_rng):
    path = tmp_path / "s.h5"
    fn.simulate(_net(), np_rng.uniform(size=(3, 15)), [ADD, fn.Noise(), fn.Noise()], repeats=4,
                store=path)
    code, out, _ = run_cli(capsys, "info", str(path))
    assert code == 0 and "input noise  drawn in layer 1's space" in out
    code, out, _ = run_cli(capsys, "info", str(path), "--json")
    assert json.loads(out)["runs"][0]["input_noise"] == "projected"
