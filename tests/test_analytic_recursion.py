"""The Eq. 6 recursion, the slope criterion / fixed point (Sec. III A), predict,
compare and the predict/compare CLI.

Statistical checks use Monte Carlo tolerances: the relative standard error of
an unbiased sample variance from K Gaussian draws is √(2/(K−1)).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import fastnoise as fn
from fastnoise.analytic import freezing as fz
from fastnoise.analytic.single import single_neuron, single_neuron_snr
from fastnoise.cli import main

ALL4 = fn.Noise(additive=1e-4, additive_correlated=2e-4, multiplicative=1e-3,
                multiplicative_correlated=5e-4)


def exact_linear_symmetric(widths, gain, u, nz):
    """Var(y) per layer of a symmetric network of linear neurons (gain g), by hand.

    All neurons of a hidden layer share x̃, so with x = g x̃ (variance V, mean
    m) the next state is x(1+s_c ξ_c)(1+s_u ξ̄) + a_u ξ̄' + a_c ξ'_c with
    ξ̄ ~ N(0, 1/I) (Eq. 3 averaged by W = 1/I).
    """
    noises = nz if isinstance(nz, list) else [nz] * len(widths)
    m, V = gain * u, 0.0                       # input layer: x = g u, exact
    out = []
    for n, width in enumerate(widths):
        nz = noises[n]
        su2, sc2 = 2 * nz.multiplicative, 2 * nz.multiplicative_correlated
        au2, ac2 = 2 * nz.additive, 2 * nz.additive_correlated
        out.append(au2 + ac2 + (su2 + sc2 + su2 * sc2) * m ** 2 + (1 + su2) * (1 + sc2) * V)
        if n + 1 == len(widths):
            break
        # x̃_{n+1} = mean over the layer's `width` neurons of y
        second = (V + m ** 2) * (1 + sc2) * (1 + su2 / width)
        V_xt = second - m ** 2 + au2 / width + ac2
        m, V = gain * m, gain ** 2 * V_xt
    return out


@pytest.mark.parametrize("closure", ["first-order", "taylor", "gauss"])
def test_linear_symmetric_network_is_exact(closure):
    widths, g = [1, 7, 5, 1], 0.8
    net = fn.symmetric(widths, activation=fn.activations.linear(g), input_activation=fn.activations.linear(g),
                       output_activation=fn.activations.linear(g))
    u = np.linspace(0.1, 1.0, 4)[:, None]
    pred = fn.predict(net, u, ALL4, method=closure)
    want = exact_linear_symmetric(widths, g, u[:, 0], ALL4)
    for n in range(len(widths)):
        np.testing.assert_allclose(pred.var[n], np.broadcast_to(want[n][:, None], pred.var[n].shape),
                                   rtol=1e-12)
        np.testing.assert_allclose(pred.mean[n][:, 0], g ** (n + 1) * u[:, 0], rtol=1e-12)


def test_per_layer_noise_with_a_noiseless_layer_is_exact():
    widths, g = [1, 6, 4, 1], 1.1
    lin = fn.activations.linear(g)
    net = fn.symmetric(widths, activation=lin, input_activation=lin, output_activation=lin)
    noises = [fn.Noise(multiplicative=2e-3), fn.Noise(),
              fn.Noise(additive_correlated=1e-3, multiplicative_correlated=1e-3), ALL4]
    u = np.array([[0.4], [0.9]])
    pred = fn.predict(net, u, noises, method="gauss")
    want = exact_linear_symmetric(widths, g, u[:, 0], noises)
    for n in range(len(widths)):
        np.testing.assert_allclose(pred.var[n][:, 0], want[n], rtol=1e-12)
    # the noiseless layer passes on exactly g² times its input's variance
    np.testing.assert_allclose(pred.var[1][:, 0], g ** 2 * pred.xt_var[1][:, 0], rtol=1e-12)


def test_linear_symmetric_network_matches_simulation():
    widths, g, K = [1, 30, 30, 1], 1.0, 4000
    net = fn.symmetric(widths, activation="linear")
    u = np.linspace(0.2, 1.0, 5)[:, None]
    res = fn.simulate(net, u, ALL4, repeats=K, seed=11)
    pred = fn.predict(net, u, ALL4, method="first-order")
    se = math.sqrt(2 / (K - 1))
    # output layer: one neuron, 5 independent inputs; 4 standard errors each
    rel = pred.var[3][:, 0] / res.var[3][:, 0] - 1
    assert np.all(np.abs(rel) < 4 * se), (rel, se)


def test_first_order_is_the_papers_symmetric_recursion():
    """Large hidden layers: Var(x̃_n) follows Eqs. 21–23 (1/I terms dropped)."""
    alpha, I = 2.0, 2000
    net = fn.symmetric([1, I, I, I, 1], alpha=alpha)
    nz = fn.Noise(additive=1e-4, additive_correlated=1e-5, multiplicative_correlated=1e-4)
    u = np.array([[0.3], [0.5], [0.8]])
    pred = fn.predict(net, u, nz, method="first-order")
    f = fn.activations.shifted_sigmoid(alpha)
    fprime = lambda z: alpha / (2 * (1 + (alpha * (z - 0.5)) ** 2) ** 1.5)  # noqa: E731
    v = nz.sigma_add2 + nz.sigma_mul2 * u[:, 0] ** 2          # Eq. 23
    np.testing.assert_allclose(pred.xt_var[1][:, 0], v, rtol=1e-12)
    m = u[:, 0]
    for n in (2, 3):
        ex = f(m)
        var_x = fprime(m) ** 2 * v                             # Eq. 9
        v = 2 * nz.additive_correlated + 2 * nz.multiplicative_correlated * ex ** 2 \
            + (1 + 2 * nz.multiplicative_correlated) * var_x     # Eq. 21
        m = ex
        np.testing.assert_allclose(pred.xt_var[n][:, 0], v, rtol=5 / I)
    np.testing.assert_allclose(pred.mean[3][:, 0], f(f(f(u[:, 0]))), rtol=1e-12)


def test_gauss_recursion_matches_simulation_where_slopes_are_gentle():
    """α = 2 symmetric network: the Gaussian closure is within MC error."""
    net = fn.symmetric([1, 100, 100, 100, 1], alpha=2.0)
    nz = fn.Noise(additive=1e-4)
    u = np.linspace(0.05, 0.95, 6)[:, None]
    K = 3000
    res = fn.simulate(net, u, nz, repeats=K, seed=5)
    pred = fn.predict(net, u, nz, method="gauss")
    se = math.sqrt(2 / (K - 1))
    rel = pred.var[4][:, 0] / res.var[4][:, 0] - 1
    assert np.all(np.abs(rel) < 4 * se), (rel, se)


def test_inherit_uncorrelated_is_eq14_propagation():
    net = fn.random_dense([3, 40, 2], activation="linear", seed=2)
    nz = fn.Noise(additive=1e-3)
    u = np.ones((1, 3))
    a = fn.predict(net, u, nz, method="first-order", inherit="uncorrelated")
    w = net.weights[2]
    # layer 2: Var(x̃) = I η(W) (2D_A^U + (1+0) Var(x_1)), linear so Var(x) = Var(x̃)
    v1 = 3 * np.mean(net.weights[1] ** 2) * 2e-3
    v2 = 40 * np.mean(w ** 2) * (2e-3 + v1)
    np.testing.assert_allclose(a.xt_var[2][0], v2, rtol=1e-12)


def test_recursion_errors():
    net = fn.symmetric([1, 4, 1])
    with pytest.raises(ValueError, match="inherit must be one of"):
        fn.predict(net, [[0.5]], fn.Noise(additive=1e-4), method="gauss", inherit="both")
    with pytest.raises(ValueError, match="did you mean 'gauss'"):
        fn.predict(net, [[0.5]], fn.Noise(additive=1e-4), method="gaus")
    with pytest.raises(TypeError, match="Network"):
        fn.predict("net", [[0.5]], fn.Noise(additive=1e-4))


# -- single neuron (Eq. 5, Fig. 3 gray dashed) ------------------------------------
def test_single_neuron_snr_limits():
    add, mul = fn.Noise(additive=1e-4), fn.Noise(multiplicative=1e-3)
    e = np.array([0.1, 0.5, 1.0])
    np.testing.assert_allclose(single_neuron_snr(add, e), e / math.sqrt(2e-4))   # slope 1/σ_+
    np.testing.assert_allclose(single_neuron_snr(mul, e), 1 / math.sqrt(2e-3))   # constant 1/σ_×
    m, v = single_neuron("shifted_sigmoid", ALL4, 0.5, 0.0)
    assert m == pytest.approx(0.5)
    assert v == pytest.approx(ALL4.sigma_add2 + ALL4.sigma_mul2 * 0.25)


# -- freezing, fixed point, Lamerey (Sec. III A, Fig. 4c) -------------------------
def test_slope_criterion():
    assert fz.freezing(fn.activations.shifted_sigmoid(1.5)).freezes
    s3 = fz.freezing(fn.activations.shifted_sigmoid(3.0))
    assert not s3.freezes and s3.max_slope == pytest.approx(1.5) and s3.at == pytest.approx(0.5)
    s2 = fz.freezing(fn.activations.shifted_sigmoid(2.0))
    assert s2.gain == pytest.approx(1.0)            # the marginal case α = 2
    lg = fz.freezing("logistic", -3, 3)
    assert lg.freezes and lg.gain == pytest.approx(1 / 16)
    with pytest.raises(ValueError, match="hi > lo"):
        fz.freezing("logistic", 1, 0)


def test_first_order_fixed_point_closed_form():
    act, nz, I = fn.activations.shifted_sigmoid(1.5), fn.Noise(additive=1e-4, additive_correlated=1e-4), 200
    s_star = fz.fixed_point(act, nz, I, closure="first-order")
    g = (1.5 / 2) ** 2
    n0 = 2e-4 + 2e-4 / I                       # N^C + N^U at the inflection point
    assert s_star == pytest.approx(n0 / (1 - g), rel=1e-12)
    assert fz.fixed_point(fn.activations.shifted_sigmoid(3.0), nz, I, closure="first-order") == math.inf


def test_gauss_fixed_point_bounds_steep_sigmoid():
    act, nz = fn.activations.shifted_sigmoid(3.0), fn.Noise(additive=1e-4)
    lam = fz.lamerey(act, nz, 200, s_start=2e-4, depth=60)
    s_star = lam.fixed_point
    assert np.isfinite(s_star) and s_star > 2e-4
    again, _ = fz.layer_map(act, nz, 200, s_star)
    assert again == pytest.approx(s_star, rel=1e-9)
    assert lam.trajectory[-1] == pytest.approx(s_star, rel=1e-3)
    assert np.all(np.diff(lam.trajectory) > 0)      # growth that slows down (Fig. 4c)
    x, y = lam.cobweb()
    assert x.size == y.size == 2 * (lam.trajectory.size - 1)


# -- compare ----------------------------------------------------------------------
def test_mc_quantiles_match_sampling():
    K = 50
    rng = np.random.default_rng(0)
    err = np.abs(rng.chisquare(K - 1, 400000) / (K - 1) - 1)
    med, p90 = fn.analytic.mc_quantiles(K)
    assert med == pytest.approx(np.median(err), rel=0.01)
    assert p90 == pytest.approx(np.quantile(err, 0.9), rel=0.01)


def test_compare_table():
    net = fn.symmetric([1, 10, 1], activation="linear")
    u = np.linspace(0.1, 1, 8)[:, None]
    nz = fn.Noise(additive=1e-3)
    res = fn.simulate(net, u, nz, repeats=40, seed=1)
    pred = fn.predict(net, u, nz, method="gauss")
    res.var = [p.copy() for p in pred.var]
    res.var[2] = 2 * pred.var[2]
    table = fn.compare(res, pred)
    assert table.layers[0].median_err == 0 and table.layers[1].p90_err == 0
    assert table.layers[2].ratio == pytest.approx(0.5) and table.layers[2].median_err == pytest.approx(0.5)
    assert "MC median" in table.to_text()
    assert json.loads(table.to_json())["layers"][2]["layer"] == 2
    assert table.to_csv().splitlines()[0].startswith("layer,")
    other = fn.predict(net, u[:3], nz, method="gauss")
    with pytest.raises(ValueError, match="predict with the simulation's inputs"):
        fn.compare(res, other)


# -- CLI --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def quick_store(tmp_path_factory):
    import os
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = tmp_path_factory.mktemp("cli") / "quick.h5"
    assert main(["simulate", os.path.join(root, "examples", "quick.toml"), "--out", str(path), "-q"]) == 0
    return os.path.join(root, "examples", "quick.toml"), path


def test_cli_predict_and_compare(quick_store, capsys):
    config, store = quick_store
    capsys.readouterr()
    assert main(["predict", config, "--method", "gauss"]) == 0
    out = capsys.readouterr().out
    assert "SNR median" in out and "method gauss" in out
    assert main(["compare", str(store), "--method", "gauss", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("layer,") and len(lines) == 1 + 4
    assert main(["compare", str(store), "--method", "first-order", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["repeats"] == 50 and len(data["layers"]) == 4


def test_cli_option_for_wrong_method(quick_store, capsys):
    config, _ = quick_store
    assert main(["predict", config, "--method", "gauss", "--order", "3"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--order applies to --method taylor" in err


def test_divergent_taylor_series_warns_and_gives_inf_not_nan():
    """α = 3, 12 hidden layers: the order-15 series blows up past float range
    in deep layers (Fig. 4 setting); the prediction says so instead of NaN."""
    net = fn.symmetric([1] + [200] * 12 + [1], alpha=3.0)
    with pytest.warns(RuntimeWarning, match="Taylor closure of order 15 diverges"):
        pred = fn.predict(net, [[0.5]], fn.Noise(additive=1e-4), method="taylor")
    last = np.array([v[0, 0] for v in pred.var])
    assert not np.isnan(last).any()
    assert np.isinf(last[-1])
