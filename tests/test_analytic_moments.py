"""Per-input mean/covariance propagation (fastnoise.analytic.moments).

Monte-Carlo tolerances are derived, never tuned: for K repetitions of a
Gaussian output, (K−1)·s²/σ² ~ χ²_{K−1}, i.e. a relative standard error of
≈ √(2/(K−1)).  Every comparison against a simulation checks

* each of the N per-neuron, per-input variance ratios against the two-sided
  χ²_{K−1} interval at family-wise level α (Bonferroni: α/N per entry), and
* the average standardised error: for one input the mean z over its entries
  has standard deviation ≤ 1 whatever the correlations between neurons (they
  share correlated noise), and inputs are independent, so the grand mean over
  T inputs has standard deviation ≤ 1/√T; it must lie within the two-sided
  normal α-quantile of that.  This is where a systematic bias of the
  prediction shows.

At the small noise levels used (D ≤ 1e-3) the outputs are Gaussian to a very
good approximation (the non-Gaussian products of noise terms are O(D) smaller)
and the Gaussian-closure error of the prediction is O(D) relative, far below
the Monte-Carlo error √(2/(K−1)) ≈ 2–3 %.
"""

from __future__ import annotations

import math

import numpy as np
import numba
import pytest
from scipy import integrate, stats

import fastnoise as fn
from fastnoise.analytic.moments import _gauss_moments, _relu_nonlinearity, moments
from fastnoise.analytic.prediction import Prediction
from fastnoise.analytic.terms import output_variance

ALPHA = 1e-3            # family-wise false-alarm probability of each MC check


def mc_check(pred_var, sim_var, K, alpha=ALPHA, kurtosis=None):
    """Assert simulated variances agree with predicted ones within MC error.

    pred_var, sim_var: lists of (T, I_n) arrays (layers to compare).
    kurtosis: optional list like sim_var of the outputs' sample kurtosis κ;
    then each ratio is checked against the normal interval of the sample
    variance's standard error √((κ − (K−3)/(K−1))/K) instead of the χ²
    interval, which holds for Gaussian outputs only (κ = 3).
    Returns the standardised errors z (for reporting).
    """
    p = np.concatenate([np.asarray(v).reshape(np.shape(v)[0], -1) for v in pred_var], axis=1)
    s = np.concatenate([np.asarray(v).reshape(np.shape(v)[0], -1) for v in sim_var], axis=1)
    assert np.all(p > 0), "every compared entry must carry noise"
    T, n = p.shape
    N = p.size
    dof = K - 1
    r = s / p
    lo = stats.chi2.ppf(alpha / (2 * N), dof) / dof
    hi = stats.chi2.ppf(1 - alpha / (2 * N), dof) / dof
    if kurtosis is not None:
        kap = np.concatenate([np.asarray(v).reshape(np.shape(v)[0], -1) for v in kurtosis], axis=1)
        se = np.sqrt(np.maximum(kap - (K - 3) / (K - 1), 1e-12) / K)
        q = stats.norm.ppf(1 - alpha / (2 * N))
        lo, hi = 1.0 - q * se, 1.0 + q * se
    worst = np.unravel_index(np.argmax(np.abs(np.log(r))), r.shape)
    lo_w = lo if np.ndim(lo) == 0 else lo[worst]
    hi_w = hi if np.ndim(hi) == 0 else hi[worst]
    assert np.all((r >= lo) & (r <= hi)), (
        f"sim/pred variance ratio {r[worst]:.4f} at {worst} outside the MC interval "
        f"[{lo_w:.4f}, {hi_w:.4f}] (K={K}, N={N})")
    z = (r - 1.0) / np.sqrt(2.0 / dof)
    zbar = z.mean(axis=1).mean()
    bound = stats.norm.ppf(1 - alpha / 2) / np.sqrt(T)
    assert abs(zbar) <= bound, f"mean standardised error {zbar:.3f} exceeds {bound:.3f} (bias)"
    return z


def hand_linear(net, u, noises):
    """Exact Var y of a linear network from raw second moments (plain NumPy, per input).

    E[y yᵀ] = E[x xᵀ] ⊙ (11ᵀ + σ_u² I)(1 + σ_c²) + a_u² I + a_c² 11ᵀ  (Eq. 3),
    E[x̃ x̃ᵀ] = W E[y yᵀ] Wᵀ + W m bᵀ + b mᵀ Wᵀ + b bᵀ,  x = p x̃.
    """
    out = [np.empty((u.shape[0], w)) for w in net.widths]
    for t in range(u.shape[0]):
        m = net.activations[0].param * u[t]
        S = np.outer(m, m)
        for n in range(net.n_layers):
            nz = noises[n]
            I = len(m)
            su2, sc2 = 2 * nz.multiplicative, 2 * nz.multiplicative_correlated
            au2, ac2 = 2 * nz.additive, 2 * nz.additive_correlated
            Sy = S * (np.ones((I, I)) + su2 * np.eye(I)) * (1 + sc2) + au2 * np.eye(I) + ac2
            out[n][t] = np.diag(Sy) - m * m
            if n + 1 < net.n_layers:
                W, b, p = net.weights[n + 1], net.biases[n + 1], net.activations[n + 1].param
                Wm = W @ m
                S = p * p * (W @ Sy @ W.T + np.outer(Wm, b) + np.outer(b, Wm) + np.outer(b, b))
                m = p * (Wm + b)
    return out


def _inputs(T, I, seed):
    return np.random.default_rng(seed).normal(0.0, 1.0, (T, I))


ALL4 = dict(additive=1e-3, additive_correlated=1e-3, multiplicative=1e-3, multiplicative_correlated=1e-3)


# --------------------------------------------------------------------------
# exact parts
# --------------------------------------------------------------------------
def test_prediction_fields_and_noiseless_limit():
    net = fn.random_dense([4, 7, 5, 2], activation="tanh", seed=1)
    u = _inputs(6, 4, 0)
    p = moments(net, u, None)
    assert isinstance(p, Prediction) and p.method == "moments"
    assert [a.shape for a in p.mean] == [(6, w) for w in net.widths]
    assert [a.shape for a in p.xt_var] == [(6, w) for w in net.widths]
    xt, x = fn.forward(net, u)
    for n in range(net.n_layers):
        assert np.all(p.var[n] == 0) and np.all(p.xt_var[n] == 0)
        np.testing.assert_allclose(p.mean[n], x[n], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(p.xt_mean[n], xt[n], rtol=1e-12, atol=1e-12)
    assert p.info["nodes"] == 32 and p.info["full_covariance"] is True


def test_input_layer_is_eq5():
    net = fn.random_dense([6, 3], activation="logistic", seed=2)
    u = _inputs(5, 6, 1)
    nz = fn.Noise(2e-3, 3e-3, 5e-3, 7e-3)
    p = moments(net, u, nz)
    np.testing.assert_array_equal(p.xt_mean[0], u)
    np.testing.assert_allclose(p.var[0], output_variance(nz, u, 0.0), rtol=1e-13)


@pytest.mark.parametrize("full", [True, False])
def test_linear_network_equals_hand_computation(full):
    # large, layer-dependent noise of all four kinds: the propagation is exact for linear nets
    net = fn.random_dense([6, 9, 8, 7, 3], activation=fn.activations.linear(0.8), seed=5, bias_scale=0.5)
    u = _inputs(7, 6, 2)
    noises = [fn.Noise(0.01, 0.02, 0.03, 0.04), fn.Noise(0.05, 0.0, 0.02, 0.0),
              None, fn.Noise(0.0, 0.03, 0.0, 0.06), fn.Noise(0.01, 0.01, 0.01, 0.01)]
    ref = hand_linear(net, u, fn.noise.per_layer(noises, net.n_layers))
    p = moments(net, u, noises, full_covariance=full)
    layers = range(net.n_layers) if full else range(2)     # low-rank: exact through the first weight layer
    for n in layers:
        np.testing.assert_allclose(p.var[n], ref[n], rtol=1e-11, atol=1e-15)
    if not full:  # and not beyond it for a generic dense net (see test_lowrank_vs_full)
        assert np.max(np.abs(p.var[3] / ref[3] - 1)) > 0.01


def test_linear_network_matches_simulation():
    K, T = 4000, 10
    net = fn.random_dense([5, 30, 20, 4], activation="linear", seed=7, bias_scale=0.3)
    u = _inputs(T, 5, 3)
    nz = fn.Noise(**ALL4)
    p = moments(net, u, nz)
    r = fn.simulate(net, u, nz, repeats=K, seed=11)
    mc_check(p.var, r.var, K)
    ref = hand_linear(net, u, fn.noise.per_layer(nz, net.n_layers))
    for n in range(net.n_layers):
        np.testing.assert_allclose(p.var[n], ref[n], rtol=1e-11)


# --------------------------------------------------------------------------
# nonlinear networks against simulation
# --------------------------------------------------------------------------
NOISE_CASES = {
    "additive": dict(additive=1e-3),
    "additive_correlated": dict(additive_correlated=1e-3),
    "multiplicative": dict(multiplicative=1e-3),
    "multiplicative_correlated": dict(multiplicative_correlated=1e-3),
    "all": dict(additive=1e-4, additive_correlated=3e-4, multiplicative=1e-3, multiplicative_correlated=3e-4),
}


@pytest.mark.parametrize("activation", ["logistic", "tanh"])
@pytest.mark.parametrize("case", list(NOISE_CASES))
def test_dense_nonlinear_matches_simulation(activation, case):
    K, T = 3000, 12
    net = fn.random_dense([5, 50, 40, 3], activation=activation, seed=3, bias_scale=0.3)
    u = _inputs(T, 5, 4)
    nz = fn.Noise(**NOISE_CASES[case])
    p = moments(net, u, nz)
    r = fn.simulate(net, u, nz, repeats=K, seed=100 + len(case))
    mc_check(p.var, r.var, K)
    # means: the noise shifts them by O(D); the MC error of a mean is √(var/K)
    for n in range(net.n_layers):
        zmean = (r.mean[n] - p.mean[n]) / np.sqrt(p.var[n] / K)
        assert np.max(np.abs(zmean)) < stats.norm.ppf(1 - ALPHA / (2 * zmean.size))


@pytest.mark.parametrize("case", ["additive", "all"])
def test_dense_relu_matches_simulation(case):
    # closed-form ReLU moments; additive noise keeps dead neurons' outputs noisy.  Outputs
    # of neurons near the kink are far from Gaussian (kurtosis up to ~8), so the sample
    # variance's error is taken from the measured kurtosis, not from χ².
    K, T = 3000, 12
    net = fn.random_dense([5, 50, 40, 3], activation="relu", seed=3, bias_scale=0.3)
    u = _inputs(T, 5, 4)
    nz = fn.Noise(**NOISE_CASES[case])
    p = moments(net, u, nz)
    picks = [(n, i) for n in range(net.n_layers) for i in range(net.widths[n])]
    r = fn.simulate(net, u, nz, repeats=K, seed=200 + len(case), samples=picks)
    y = r.samples[0]                                           # (T, K, Σ I_n)
    c = y - y.mean(axis=1, keepdims=True)
    kap = np.mean(c ** 4, axis=1) / np.mean(c ** 2, axis=1) ** 2
    offs = np.cumsum([0] + list(net.widths))
    mc_check(p.var, r.var, K, kurtosis=[kap[:, offs[n]:offs[n + 1]] for n in range(net.n_layers)])


def test_symmetric_network_matches_simulation():
    K, T = 3000, 11
    net = fn.symmetric([1, 50, 50, 1], alpha=2.0)
    u = np.linspace(0.0, 1.0, T)[:, None] + 0.05  # avoid u = 0 (no multiplicative noise there)
    nz = fn.Noise(**ALL4)
    p = moments(net, u, nz)
    r = fn.simulate(net, u, nz, repeats=K, seed=21)
    mc_check(p.var, r.var, K)
    # low-rank form is exact for symmetric nets (all rows of W equal)
    q = moments(net, u, nz, full_covariance=False)
    for n in range(net.n_layers):
        np.testing.assert_allclose(q.var[n], p.var[n], rtol=1e-10)


# --------------------------------------------------------------------------
# full covariance versus diagonal + low rank
# --------------------------------------------------------------------------
def test_lowrank_vs_full_on_dense_net():
    """Dense nets turn uncorrelated noise into correlated noise: layer n's neurons
    share layer n−1's fluctuations through different weight combinations.  The
    low-rank form keeps only the common mode of it, so from the second weight layer
    on its variances differ from the full ones — and the simulation sides with
    the full covariance."""
    K, T = 4000, 10
    net = fn.random_dense([5, 50, 40, 30], activation="linear", seed=3, bias_scale=0.3)
    u = _inputs(T, 5, 6)
    nz = fn.Noise(additive=1e-3, multiplicative=1e-3)     # uncorrelated kinds only
    full = moments(net, u, nz)
    low = moments(net, u, nz, full_covariance=False)
    for n in (0, 1):                                       # identical through the first weight layer
        np.testing.assert_allclose(low.var[n], full.var[n], rtol=1e-12)
    se = np.sqrt(2.0 / (K - 1))
    dev = np.abs(low.var[2] / full.var[2] - 1)
    assert np.median(dev) > 3 * se, np.median(dev)          # a difference a simulation resolves
    r = fn.simulate(net, u, nz, repeats=K, seed=31)
    mc_check(full.var, r.var, K)
    z_low = (r.var[2] / low.var[2] - 1) / se
    assert np.mean(z_low ** 2) > 9.0                         # ≈ 1 if the low-rank form were right


def test_lowrank_correlated_noise_only_is_exact_per_layer_rank():
    # correlated noise alone adds rank-one terms that the low-rank form carries exactly
    net = fn.random_dense([5, 20, 15, 4], activation="linear", seed=8)
    u = _inputs(4, 5, 7)
    nz = fn.Noise(additive_correlated=1e-3, multiplicative_correlated=2e-3)
    full = moments(net, u, nz)
    low = moments(net, u, nz, full_covariance=False)
    for n in range(net.n_layers):
        np.testing.assert_allclose(low.var[n], full.var[n], rtol=1e-10)
    assert low.info["rank"][1] == 3                        # σ_c m, a_c 1, common mode


# --------------------------------------------------------------------------
# building blocks and options
# --------------------------------------------------------------------------
@pytest.mark.parametrize("p,mu,var", [(1.0, 0.3, 0.04), (1.0, -0.5, 0.09), (2.0, 5.0, 1e-4),
                                      (-1.5, 0.2, 0.3), (1.0, -6.0, 0.01), (0.7, 0.0, 0.0)])
def test_relu_closed_form(p, mu, var):
    m, v, coeffs = _relu_nonlinearity(p, np.array([mu]), np.array([var]), order=4)
    g = coeffs[0]
    if var == 0:
        assert m[0] == max(p * mu, 0) and v[0] == 0
        return
    s = np.sqrt(var)
    pdf = lambda x: stats.norm.pdf(x, mu, s)
    f = lambda x: max(p * x, 0.0)
    kink = 0.0
    opts = dict(points=[kink], limit=200, epsabs=1e-14, epsrel=1e-12)
    lo, hi = mu - 12 * s, mu + 12 * s
    e1 = integrate.quad(lambda x: f(x) * pdf(x), lo, hi, **opts)[0] if lo < kink < hi else \
        integrate.quad(lambda x: f(x) * pdf(x), lo, hi, epsabs=1e-14)[0]
    e2 = integrate.quad(lambda x: (f(x) - e1) ** 2 * pdf(x), lo, hi, **opts)[0] if lo < kink < hi else \
        integrate.quad(lambda x: (f(x) - e1) ** 2 * pdf(x), lo, hi, epsabs=1e-14)[0]
    np.testing.assert_allclose(m[0], e1, rtol=1e-8, atol=1e-14)
    np.testing.assert_allclose(v[0], e2, rtol=1e-6, atol=1e-16)
    np.testing.assert_allclose(g[0], p * stats.norm.sf(0.0, p * mu, abs(p) * s), rtol=1e-10)
    for k in (2, 3, 4):  # E f^(k) = E[f(X) He_k(Z)] / s^k; 0 when the kink is > 12 s away
        hek = lambda x: np.polynomial.hermite_e.hermeval((x - mu) / s, [0] * k + [1])
        ek = integrate.quad(lambda x: f(x) * hek(x) * pdf(x), lo, hi, **opts)[0] if lo < kink < hi else 0.0
        np.testing.assert_allclose(coeffs[k - 1][0] * s ** k, ek, rtol=1e-6, atol=1e-12)


def test_gauss_moments_and_stein_gain():
    z, w = np.polynomial.hermite_e.hermegauss(32)
    w = w / w.sum()
    mu = np.array([0.3, -1.0, 2.0, 0.5])
    var = np.array([0.25, 1e-4, 0.0, 1e-16])
    m, v, (g,) = _gauss_moments(np.tanh, mu, var, z, w)
    for i in range(2):                                     # against adaptive quadrature
        s = np.sqrt(var[i])
        pdf = lambda x: stats.norm.pdf(x, mu[i], s)
        e1 = integrate.quad(lambda x: np.tanh(x) * pdf(x), mu[i] - 12 * s, mu[i] + 12 * s, epsabs=1e-15)[0]
        e2 = integrate.quad(lambda x: (np.tanh(x) - e1) ** 2 * pdf(x), mu[i] - 12 * s, mu[i] + 12 * s,
                            epsabs=1e-17)[0]
        d1 = integrate.quad(lambda x: np.cosh(x) ** -2 * pdf(x), mu[i] - 12 * s, mu[i] + 12 * s, epsabs=1e-15)[0]
        np.testing.assert_allclose([m[i], v[i], g[i]], [e1, e2, d1], rtol=1e-9)
    # (near-)zero variance: the noiseless slope
    np.testing.assert_allclose(g[2:], np.cosh(mu[2:]) ** -2, rtol=1e-8)
    assert v[2] == 0 and m[2] == np.tanh(2.0)


def test_custom_activation_equals_builtin():
    @numba.njit
    def my_logistic(x):
        return 1.0 / (1.0 + np.exp(-x))

    base = fn.random_dense([4, 12, 6], activation="logistic", seed=9)
    custom = fn.Network.from_layers(base.weights, base.biases, [my_logistic, my_logistic])
    u = _inputs(3, 4, 8)
    nz = fn.Noise(**ALL4)
    a, b = moments(base, u, nz), moments(custom, u, nz)
    for n in range(base.n_layers):
        np.testing.assert_allclose(b.var[n], a.var[n], rtol=1e-9)
        np.testing.assert_allclose(b.mean[n], a.mean[n], rtol=1e-12)


@pytest.mark.parametrize("full", [True, False])
def test_block_size_does_not_matter(full):
    net = fn.random_dense([3, 10, 8, 2], activation="tanh", seed=4)
    u = _inputs(9, 3, 9)
    nz = fn.Noise(**ALL4)
    a = moments(net, u, nz, full_covariance=full)
    b = moments(net, u, nz, full_covariance=full, block=2)
    for n in range(net.n_layers):
        np.testing.assert_allclose(b.var[n], a.var[n], rtol=1e-12)


def test_noiseless_input_layer_uses_slope():
    # noise only after the first hidden layer: x̃ of layer 1 is deterministic (variance 0)
    net = fn.random_dense([3, 10, 8, 2], activation="logistic", seed=4)
    u = _inputs(4, 3, 10)
    noises = [None, fn.Noise(additive=1e-3), fn.Noise(additive=1e-3), None]
    p = moments(net, u, noises)
    assert np.all(p.var[0] == 0) and np.all(p.xt_var[1] == 0)
    np.testing.assert_allclose(p.var[1], 2e-3, rtol=1e-13)
    assert np.all(np.isfinite(p.var[3])) and np.all(p.var[3] > 0)


@pytest.mark.parametrize("order", [1, 2, 3, 8])
def test_mehler_series_for_identical_neurons(order):
    """Two hidden neurons with the same Gaussian input X (input-layer noise only):
    Var(f(X) + f(X)) = 4 Var f.  The prediction is 2 Var f + 2 Σ_{k≤order} b_k²
    with b_k = E[f(X) He_k(Z)]/√k! (Mehler); checked against adaptive quadrature."""
    D, u0 = 0.05, 0.4
    net = fn.Network.from_layers([[[1.0], [1.0]], [[1.0, 1.0]]], None, ["tanh", "linear"])
    p = moments(net, [[u0]], [fn.Noise(additive=D), None, None], order=order)
    s = np.sqrt(2 * D)
    pdf = lambda x: stats.norm.pdf(x, u0, s)
    lo, hi = u0 - 12 * s, u0 + 12 * s
    ef = integrate.quad(lambda x: np.tanh(x) * pdf(x), lo, hi, epsabs=1e-15)[0]
    vf = integrate.quad(lambda x: (np.tanh(x) - ef) ** 2 * pdf(x), lo, hi, epsabs=1e-16)[0]
    b2 = sum(integrate.quad(lambda x: np.tanh(x) * np.polynomial.hermite_e.hermeval((x - u0) / s, [0] * k + [1])
                            * pdf(x), lo, hi, epsabs=1e-16)[0] ** 2 / math.factorial(k)
             for k in range(1, order + 1))
    np.testing.assert_allclose(p.var[2][0, 0], 2 * vf + 2 * b2, rtol=1e-9)
    assert p.var[2][0, 0] <= 4 * vf * (1 + 1e-12)
    if order == 8:                                          # the series converges to the exact 4 Var f
        assert abs(p.var[2][0, 0] / (4 * vf) - 1) < 1e-6


def test_higher_order_is_negligible_at_small_noise():
    # the Mehler terms beyond the first are O(Cov²): at D = 1e-3 they must stay far
    # below the Monte-Carlo resolution of the simulation tests (1/3 of √(2/(K−1)),
    # K = 3000), so those tests check the closure, not the choice of order
    K = 3000
    net = fn.random_dense([5, 30, 20, 3], activation="tanh", seed=3, bias_scale=0.3)
    u = _inputs(5, 5, 12)
    nz = fn.Noise(**ALL4)
    a, b = moments(net, u, nz), moments(net, u, nz, order=3)
    for n in range(2):                                     # identical before any cross-covariance matters
        np.testing.assert_allclose(b.var[n], a.var[n], rtol=1e-13)
    for n in range(2, net.n_layers):
        np.testing.assert_allclose(b.var[n], a.var[n], rtol=np.sqrt(2.0 / (K - 1)) / 3)
    assert b.info["order"] == 3 and a.info["order"] == 1


@pytest.mark.parametrize("kwargs,exc,word", [
    (dict(nodes=-3), ValueError, "-3"), (dict(nodes=1), ValueError, "1"),
    (dict(order=0), ValueError, "0"), (dict(order=9), ValueError, "9"),
    (dict(order=2, full_covariance=False), ValueError, "full_covariance"),
    (dict(order=4, nodes=4), ValueError, "nodes=4"),
    (dict(nodes=2.5), TypeError, "2.5"), (dict(full_covariance="yes"), TypeError, "yes"),
    (dict(block=0), ValueError, "0"),
])
def test_bad_arguments(kwargs, exc, word):
    net = fn.random_dense([2, 3], seed=0)
    with pytest.raises(exc, match=word) as info:
        moments(net, np.zeros((2, 2)), fn.Noise(additive=1e-3), **kwargs)
    assert "\n" not in str(info.value)


def test_bad_inputs_and_noise():
    net = fn.random_dense([2, 3], seed=0)
    with pytest.raises(ValueError, match=r"\(T, 2\)"):
        moments(net, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="per-layer"):
        moments(net, np.zeros((4, 2)), [fn.Noise()] * 3)
    with pytest.raises(TypeError, match="Network"):
        moments("net", np.zeros((4, 2)))
