"""Exact density evolution for symmetric networks (fastnoise.analytic.density).

Statistical comparisons with :func:`fastnoise.simulate` use tolerances derived
from Monte Carlo error: for neuron 0 of every layer and every input, the
standard error of the unbiased sample variance s² of K repetitions is
√((m4 − s⁴(K−3)/(K−1))/K), with m4 the sample fourth central moment (so heavy
tails near an unstable fixed point widen it as they should), and that of the
sample mean √(s²/K).  Each case passes if every z-score is below 4.5 and the
mean squared z-score of the variances is below 2 (a systematic bias of one
standard error in every comparison would double it).  The sample means of one
input in successive layers are nearly one random variable (every layer
propagates the same repetitions), so their mean squared z-score has about T
degrees of freedom, not L·T: it must stay below the 99.9 % quantile of χ²_T/T
(5.4 for T = 3, 2.0 only from T ≈ 60 on).  Seeds are fixed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import fastnoise as fn
from fastnoise.analytic.density import density
from fastnoise.kernels.density import GH_RMAX, GH_SIZES, density_kernel, _deposit, gh_tables

FIG3 = dict(additive=1e-4, additive_correlated=1e-4, multiplicative=1e-3,
            multiplicative_correlated=1e-3)
KINDS = ("additive", "additive_correlated", "multiplicative", "multiplicative_correlated")
Z_MAX = 4.5
Z2_MEAN_MAX = 2.0


# -- helpers ---------------------------------------------------------------------------------

def _simulate(net, u, noise, K, seed):
    """Simulation with the raw samples of neuron 0 of every layer."""
    return fn.simulate(net, u, noise, repeats=K, seed=seed,
                       samples=[(n, 0) for n in range(net.n_layers)])


def _zscores(pred, res):
    """z-scores of the predicted mean and variance of neuron 0, every layer and input."""
    y = res.samples[0]                                  # (T, K, L)
    K = y.shape[1]
    zs_var, zs_mean = [], []
    for n in range(res.n_layers):
        s2 = res.var[n][:, 0]
        c = y[:, :, n] - y[:, :, n].mean(axis=1, keepdims=True)
        m4 = np.mean(c ** 4, axis=1)
        se_var = np.sqrt(np.maximum(m4 - s2 ** 2 * (K - 3) / (K - 1), 0.0) / K)
        se_mean = np.sqrt(s2 / K)
        live = s2 > 0
        assert np.all(pred.var[n][~live, 0] == 0.0)       # noiseless neurons: exactly zero
        zs_var.append((pred.var[n][live, 0] - s2[live]) / se_var[live])
        zs_mean.append((pred.mean[n][live, 0] - res.mean[n][live, 0]) / se_mean[live])
    return np.concatenate(zs_var), np.concatenate(zs_mean)


def _assert_agrees(pred, res, label=""):
    from scipy.stats import chi2

    zv, zm = _zscores(pred, res)
    T = res.mean[0].shape[0]
    z2_mean_max = {"variance": Z2_MEAN_MAX,
                   "mean": max(Z2_MEAN_MAX, chi2.ppf(0.999, T) / T)}  # see module docstring
    print(f"{label}: variance max|z| {np.max(np.abs(zv)):.2f} mean z² {np.mean(zv ** 2):.2f}; "
          f"mean max|z| {np.max(np.abs(zm)):.2f} mean z² {np.mean(zm ** 2):.2f}")
    for name, z in (("variance", zv), ("mean", zm)):
        assert np.max(np.abs(z)) < Z_MAX, f"{label}: {name} |z| up to {np.max(np.abs(z)):.2f}"
        assert np.mean(z ** 2) < z2_mean_max[name], f"{label}: {name} mean z² {np.mean(z ** 2):.2f}"


def _first_order_additive(u, alpha, width, depth, D):
    """The paper's first-order recursion (Eqs. 5, 6, 9–10) for uncorrelated additive noise D
    in a symmetric 1-[width]*depth-1 network; returns Var(y_n) per layer (list, index = layer)."""
    f = fn.activations.shifted_sigmoid(alpha)

    def fprime(z):
        d = alpha * (z - 0.5)
        return 0.5 * alpha / (1.0 + d * d) ** 1.5

    E, S = u.copy(), np.full_like(u, 2 * D)            # E x̃_2 = u, Var x̃_2 = σ_+² (Eq. 23)
    out = [np.full_like(u, 2 * D)]                     # input layer, linear
    for _ in range(depth):
        out.append(2 * D + fprime(E) ** 2 * S)         # Eq. 5 with F̂ = f'(E)² Var x̃ (Eq. 9)
        S = 2 * D / width + fprime(E) ** 2 * S         # Eq. 6: N^U + N^prev
        E = f(E)
    out.append(2 * D + S)                              # linear output layer
    return out


# -- kernel --------------------------------------------------------------------------------

def test_gauss_hermite_table_meets_its_tolerance():
    """Each rule in GH_SIZES integrates E Φ(a + rζ) to < 2e-9 for r up to its GH_RMAX."""
    from scipy.special import ndtr

    x, w = gh_tables()
    a = np.linspace(-12, 12, 4001)
    for lev, q in enumerate(GH_SIZES[:-1]):
        r = GH_RMAX[lev]
        approx = (w[lev, :q] * ndtr(a[:, None] - r * x[lev, :q])).sum(axis=1)
        exact = ndtr(a / np.sqrt(1 + r * r))
        assert np.max(np.abs(approx - exact)) < 2e-9, (q, r)


def test_quadrature_choice_matches_largest_rule():
    """The mixture over ξ_c (or over A) with the adaptively chosen rule gives the same
    distribution as the largest rule, over a wide range of kernels."""
    rng = np.random.default_rng(7)
    gx, gw = gh_tables()
    G = 256
    worst = 0.0
    for _ in range(400):
        s_u, s_c = 10 ** rng.uniform(-3, -1, 2)
        S1 = rng.uniform(-2, 2)
        S2 = S1 * S1 / 10 ** rng.uniform(0, 3) * rng.uniform(0.5, 1.5)
        a2 = 10 ** rng.uniform(-10, -2) * (rng.random() < 0.8)
        sd = np.sqrt((1 + s_c ** 2) * s_u ** 2 * S2 + s_c ** 2 * S1 ** 2 + a2)
        lo, h = np.array([S1 - 12 * sd]), np.array([24 * sd / G])
        cdfs = []
        for rmax in (GH_RMAX, np.zeros_like(GH_RMAX)):
            mom, lost = np.empty((1, G, 4)), np.empty(1)
            density_kernel(np.ones((1, 1)), np.array([[S1]]), np.array([[S2]]), 0.0, a2, s_u,
                            s_c, lo, h, gx, gw, GH_SIZES, rmax, 8.0, 0.5, mom, lost)
            cdfs.append(np.cumsum(mom[0, :, 0]))
        worst = max(worst, np.max(np.abs(cdfs[0] - cdfs[1])))
    assert worst < 1e-8


def test_deposit_conserves_mass_and_moments():
    """Deposited + lost mass is the component's mass; inside the grid the deposited cell
    moments give the Gaussian's mean, variance and third central moment (point masses,
    narrow components on the exact path, wide ones, h/s ≤ _SMOOTH, interpolated)."""
    from fastnoise.analytic.density import _SMOOTH as smooth

    G, h = 64, 1.0
    centres = (np.arange(G) + 0.5) * h
    for s in [0.0, 0.05, 0.4, 1.0, 1.9, 2.1, 2.5, 6.0]:
        for m in [30.1, 31.77, 32.5, -3.0, 2.0, 63.2, 70.0]:
            mom = np.zeros((G, 4))
            lost = _deposit(mom, m, s, 0.7, 0.0, h, G, 8.0, smooth)
            assert abs(mom[:, 0].sum() + lost - 0.7) < 1e-13
            assert np.all(mom[:, 0] >= -1e-17)
            if 8 * s + 1 < m < G - 8 * s - 1:            # wholly inside
                M = [np.sum(sum(math.comb(k, j) * mom[:, j] * centres ** (k - j)
                                for j in range(k + 1))) / 0.7 for k in range(4)]
                mean = M[1]
                var = M[2] - mean ** 2
                k3 = M[3] - 3 * mean * M[2] + 2 * mean ** 3
                assert lost < 1e-15
                assert abs(mean - m) < 1e-10 * max(1.0, s)
                assert abs(var - s * s) < 1e-9 * max(1.0, s * s)
                assert abs(k3) < 1e-8 * max(1.0, s ** 3)


def test_kernel_conserves_mass_with_grid_too_narrow():
    rng = np.random.default_rng(3)
    gx, gw = gh_tables()
    T, S, G = 5, 40, 100
    p = rng.random((T, S))
    p /= p.sum(axis=1, keepdims=True)
    x = rng.uniform(0, 1, (T, S))
    s1, s2 = x.copy(), x * x / 50
    mom, lost = np.empty((T, G, 4)), np.empty(T)
    lo, h = np.full(T, 0.3), np.full(T, 0.4 / G)         # cuts away a good part of the mass
    density_kernel(p, s1, s2, 0.0, 1e-4, 0.05, 0.05, lo, h, gx, gw, GH_SIZES, GH_RMAX,
                    8.0, 0.5, mom, lost)
    np.testing.assert_allclose(mom[..., 0].sum(axis=1) + lost, 1.0, rtol=0, atol=1e-13)
    assert np.all(lost > 0.1)


# -- exactness where closed forms exist --------------------------------------------------------

def test_noiseless_network_is_the_forward_pass():
    net = fn.symmetric([1, 30, 30, 30, 1], alpha=4.0)
    u = np.linspace(0, 1, 7)
    pred = density(net, u, None)
    _, x = fn.forward(net, u)
    for n in range(net.n_layers):
        np.testing.assert_allclose(pred.mean[n], x[n], rtol=0, atol=1e-11)
        assert np.all(pred.var[n] == 0.0)


def test_linear_network_matches_closed_form():
    """With linear neurons the moments have a closed form (Eqs. 17–20 made exact for
    identical rows): Var x̃' = (1+s_c²)(W1² + s_u² W2)(μ² + ν) − W1² μ² + a_u² W2 + a_c² W1²."""
    rng = np.random.default_rng(11)
    widths = [3, 7, 5, 4]
    gains = [1.0, 0.8, 1.3, 0.6]
    ws = [np.tile(rng.normal(0.4, 0.3, widths[n - 1]), (widths[n], 1)) for n in range(1, 4)]
    bs = [np.full(widths[n], rng.normal()) for n in range(1, 4)]
    net = fn.Network.from_layers(ws, bs, [fn.activations.linear(g) for g in gains])
    noise = [fn.Noise(2e-3, 1e-3, 5e-3, 4e-3), fn.Noise(1e-3, 0, 2e-2, 1e-2),
             fn.Noise(0, 2e-3, 1e-2, 0), fn.Noise(1e-3, 1e-3, 1e-3, 1e-3)]
    u = rng.uniform(-1, 1, (6, 3))
    pred = density(net, u, noise, grid=64)

    x0 = gains[0] * u
    np.testing.assert_allclose(pred.mean[0], x0, rtol=1e-15)
    np.testing.assert_allclose(pred.var[0], noise[0].sigma_add2 + noise[0].sigma_mul2 * x0 ** 2,
                               rtol=1e-13)
    for n in range(1, 4):
        s_u, a_u, s_c, a_c = noise[n - 1].amplitudes
        w, b = ws[n - 1][0], bs[n - 1][0]
        W1, W2 = w.sum(), w @ w
        if n == 1:
            S1, S2 = x0 @ w, (x0 * x0) @ (w * w)
            var_xt = s_c ** 2 * S1 ** 2 + s_u ** 2 * (1 + s_c ** 2) * S2
            mean_xt = S1 + b
        else:
            mu, nu = mean_x, var_x
            var_xt = (1 + s_c ** 2) * (W1 ** 2 + s_u ** 2 * W2) * (mu ** 2 + nu) - W1 ** 2 * mu ** 2
            mean_xt = W1 * mu + b
        var_xt = var_xt + a_u ** 2 * W2 + a_c ** 2 * W1 ** 2
        mean_x, var_x = gains[n] * mean_xt, gains[n] ** 2 * var_xt
        var_y = noise[n].sigma_add2 + noise[n].sigma_mul2 * mean_x ** 2 \
            + (1 + noise[n].sigma_mul2) * var_x
        np.testing.assert_allclose(pred.xt_mean[n][:, 0], mean_xt, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(pred.xt_var[n][:, 0], var_xt, rtol=1e-10)
        np.testing.assert_allclose(pred.mean[n][:, 0], mean_x, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(pred.var[n][:, 0], var_y, rtol=1e-8)
        assert np.all(pred.var[n] == pred.var[n][:, :1])      # neurons share the state


# -- Monte Carlo ----------------------------------------------------------------------------

@pytest.mark.parametrize("kinds", [(k,) for k in KINDS] + [KINDS],
                         ids=list(KINDS) + ["all"])
def test_fig3_network_agrees_with_simulation(kinds):
    """The paper's 1-200-200-1 network, α = 4, each noise kind alone and all four (Fig. 3)."""
    net = fn.symmetric([1, 200, 200, 1], alpha=4.0)
    noise = fn.Noise(**{k: FIG3[k] for k in kinds})
    u = np.linspace(0, 1, 8)
    pred = density(net, u, noise)
    res = _simulate(net, u, noise, K=3000, seed=101)
    _assert_agrees(pred, res, f"fig3 {kinds}")
    assert pred.info["max_lost_mass"] < 1e-12


DEEP_U = np.array([0.0, 0.15, 0.3, 0.5, 0.7, 0.85, 1.0])


@pytest.mark.parametrize("alpha", [2.0, 3.0, 4.0])
def test_deep_network_all_noise_agrees_with_simulation(alpha):
    """1 + 12 hidden layers of 50 + 1 (14 layers), all four noise kinds."""
    net = fn.symmetric([1] + [50] * 12 + [1], alpha=alpha)
    noise = fn.Noise(**FIG3)
    pred = density(net, DEEP_U, noise)
    res = _simulate(net, DEEP_U, noise, K=3000, seed=int(alpha * 10))
    _assert_agrees(pred, res, f"deep α={alpha}")


@pytest.mark.parametrize("kind", KINDS)
def test_deep_network_single_noise_kind_agrees_with_simulation(kind):
    net = fn.symmetric([1] + [50] * 12 + [1], alpha=3.0)
    noise = fn.Noise(**{kind: 10 * FIG3[kind]})
    pred = density(net, DEEP_U, noise)
    res = _simulate(net, DEEP_U, noise, K=3000, seed=7)
    _assert_agrees(pred, res, f"deep {kind}")


def test_first_order_fails_where_density_holds():
    """α = 3, 12 hidden layers of 200, D_A^U = 1e-4 (Fig. 4): at the inflection point the
    first-order closure (Eqs. 9–11, S_n = f'(E)² S_{n−1}) grows geometrically while the
    noise saturates; it misses the simulated variance by thousands of standard errors,
    the density evolution stays within a few."""
    alpha, width, depth, D = 3.0, 200, 12, 1e-4
    net = fn.symmetric([1] + [width] * depth + [1], alpha=alpha)
    noise = fn.Noise(additive=D)
    u = np.array([0.42, 0.5, 0.58])
    pred = density(net, u, noise)
    res = _simulate(net, u, noise, K=4000, seed=2022)
    _assert_agrees(pred, res, "fig4 α=3")

    first = _first_order_additive(u, alpha, width, depth, D)
    y = res.samples[0]
    K = y.shape[1]
    z_first = []
    for n in range(net.n_layers):
        s2 = res.var[n][:, 0]
        c = y[:, :, n] - y[:, :, n].mean(axis=1, keepdims=True)
        se = np.sqrt((np.mean(c ** 4, axis=1) - s2 ** 2 * (K - 3) / (K - 1)) / K)
        z_first.append((first[n] - s2) / se)
    z_first = np.array(z_first)                        # (L, T)
    assert np.max(np.abs(z_first)) > 1000
    # at u = 1/2 the output variance is overestimated many times over
    out = net.n_layers - 1
    assert first[out][1] / res.var[out][1, 0] > 10
    assert abs(pred.var[out][1, 0] / res.var[out][1, 0] - 1) < 0.05


def test_far_mode_probability_agrees_with_simulation():
    """Near the unstable fixed point a small fraction of the repetitions escapes to the far
    focusing point (heavy tails, kurtosis ~250); the density evolution predicts that
    fraction: P(y > 1/2) = Σ p Φ((f(z) − 1/2)/σ_+) for uncorrelated additive noise."""
    from scipy.special import ndtr

    alpha, D = 3.0, 1e-4
    net = fn.symmetric([1] + [200] * 12 + [1], alpha=alpha)
    noise = fn.Noise(additive=D)
    u = np.array([0.46, 0.54])
    pred = density(net, u, noise, keep_density=True)
    z, p = pred.info["density"][12]
    x = fn.activations.shifted_sigmoid(alpha)(z)
    prob_high = np.sum(p * ndtr((x - 0.5) / np.sqrt(2 * D)), axis=1)
    far = np.minimum(prob_high, 1 - prob_high)
    assert np.all((far > 1e-3) & (far < 1e-2))
    K = 6000
    res = fn.simulate(net, u, noise, repeats=K, seed=5, samples=[(12, j) for j in range(4)])
    frac = np.mean(res.samples[0] > 0.5, axis=(1, 2))
    # the 4 neurons share x, so their indicators are positively correlated: at most the
    # binomial variance of K independent draws
    se = np.sqrt(prob_high * (1 - prob_high) / K)
    assert np.all(np.abs(frac - prob_high) < Z_MAX * se)


def test_per_layer_noise_with_noiseless_layers():
    net = fn.symmetric([1, 50, 50, 50, 1], alpha=3.0)
    noise = [None, fn.Noise(**FIG3), None, fn.Noise(additive=1e-4, multiplicative=1e-3),
             fn.Noise(additive_correlated=1e-4)]
    u = np.linspace(0, 1, 8)
    pred = density(net, u, noise)
    assert np.all(pred.var[0] == 0.0)                       # noiseless input layer
    # a noiseless layer passes its state's spread on unchanged: Var y = Var x (Eq. 5)
    res = _simulate(net, u, noise, K=3000, seed=17)
    _assert_agrees(pred, res, "per-layer noise")
    assert np.all(pred.var[2] > 0)


@pytest.mark.parametrize("noise", [fn.Noise(multiplicative=1e-2), fn.Noise(1e-3, 1e-3, 1e-2, 1e-2)],
                         ids=["mult", "all"])
def test_general_symmetric_network_agrees_with_simulation(noise):
    """Identical but non-constant weight rows, constant nonzero biases, three different
    inputs, tanh, logistic and cubic activations."""
    rng = np.random.default_rng(5)
    ws = [np.tile([0.3, -0.5, 0.9], (15, 1)), np.tile(rng.normal(0, 0.3, 15), (12, 1)),
          np.full((10, 12), 0.1), np.full((2, 10), 0.12)]
    bs = [np.full(15, 0.2), np.full(12, -0.1), np.full(10, 0.3), np.full(2, 0.1)]
    acts = ["linear", "tanh", "logistic", "cubic", "linear"]
    net = fn.Network.from_layers(ws, bs, acts)
    u = rng.uniform(-1, 1, (6, 3))
    pred = density(net, u, noise)
    res = _simulate(net, u, noise, K=3000, seed=9)
    _assert_agrees(pred, res, "general symmetric")
    for n in range(1, net.n_layers):
        assert np.all(pred.var[n] == pred.var[n][:, :1])


def test_user_defined_activation():
    """A user function (numba.njit) is evaluated on the grid like a built-in one."""
    import numba

    @numba.njit
    def my_tanh(z):
        return np.tanh(1.7 * z)

    net_builtin = fn.symmetric([1, 30, 30, 1], activation=fn.activations.tanh(1.7))
    net_custom = fn.symmetric([1, 30, 30, 1], activation=fn.activations.custom(my_tanh))
    u = np.linspace(-1, 1, 5)
    a = density(net_builtin, u, fn.Noise(**FIG3))
    b = density(net_custom, u, fn.Noise(**FIG3))
    for n in range(4):
        np.testing.assert_allclose(b.var[n], a.var[n], rtol=1e-12)
        np.testing.assert_allclose(b.mean[n], a.mean[n], rtol=1e-12, atol=1e-15)


# -- numerics --------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["deep-a4-all", "fig4-a3"])
def test_grid_refinement_changes_far_less_than_mc_error(case):
    if case == "deep-a4-all":
        net, noise = fn.symmetric([1] + [50] * 12 + [1], alpha=4.0), fn.Noise(**FIG3)
    else:
        net, noise = fn.symmetric([1] + [200] * 12 + [1], alpha=3.0), fn.Noise(additive=1e-4)
    u = np.linspace(0, 1, 11)
    fine = density(net, u, noise, grid=1024)
    mc_err = np.sqrt(2 / (4000 - 1))                        # a variance from K = 4000
    for grid, tol in [(128, 1e-3), (256, 1e-4)]:
        pred = density(net, u, noise, grid=grid)
        for n in range(net.n_layers):
            rel = np.max(np.abs(pred.var[n] / fine.var[n] - 1))
            assert rel < tol < mc_err / 10, (grid, n, rel)
            sd = np.sqrt(fine.var[n])
            assert np.max(np.abs(pred.mean[n] - fine.mean[n]) / sd) < tol


def test_atoms_match_exact_moments_and_mass_is_kept():
    net = fn.symmetric([1] + [50] * 6 + [1], alpha=4.0)
    u = np.linspace(0, 1, 9)
    pred = density(net, u, fn.Noise(**FIG3), keep_density=True)
    assert pred.info["density"][0] is None
    assert pred.info["lost_mass"].shape == (9, net.n_layers)
    assert pred.info["max_lost_mass"] < 1e-12
    for n in range(1, net.n_layers):
        z, p = pred.info["density"][n]
        assert z.shape == p.shape == (9, 2 * pred.info["grid"])
        assert np.all(p >= 0)
        np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-13)
        mean = np.sum(p * z, axis=1)
        var = np.sum(p * (z - mean[:, None]) ** 2, axis=1)
        sd = np.sqrt(pred.xt_var[n][:, 0])
        np.testing.assert_allclose(mean, pred.xt_mean[n][:, 0], rtol=0, atol=1e-9 * sd.max())
        np.testing.assert_allclose(var, pred.xt_var[n][:, 0], rtol=1e-7)


def test_results_do_not_depend_on_input_blocks(monkeypatch):
    import fastnoise.analytic.density as mod

    net = fn.symmetric([1, 40, 40, 1], alpha=4.0)
    u = np.linspace(0, 1, 11)
    a = density(net, u, fn.Noise(**FIG3), grid=64, keep_density=True)
    monkeypatch.setattr(mod, "_BLOCK", 4)
    b = density(net, u, fn.Noise(**FIG3), grid=64, keep_density=True)
    for n in range(net.n_layers):
        assert np.array_equal(a.var[n], b.var[n]) and np.array_equal(a.xt_var[n], b.xt_var[n])
    assert np.array_equal(a.info["lost_mass"], b.info["lost_mass"])
    for n in range(1, net.n_layers):
        assert all(np.array_equal(s, t) for s, t in zip(a.info["density"][n], b.info["density"][n]))


def test_results_do_not_depend_on_threads():
    net = fn.symmetric([1, 40, 40, 1], alpha=4.0)
    u = np.linspace(0, 1, 13)
    a = density(net, u, fn.Noise(**FIG3), threads=1)
    b = density(net, u, fn.Noise(**FIG3))
    for n in range(net.n_layers):
        assert np.array_equal(a.var[n], b.var[n]) and np.array_equal(a.mean[n], b.mean[n])


# -- API and errors ----------------------------------------------------------------------------

def test_prediction_shapes_and_info():
    net = fn.symmetric([2, 20, 10, 1], alpha=4.0)
    u = np.random.default_rng(0).uniform(0, 1, (5, 2))
    pred = density(net, u, fn.Noise(additive=1e-4))
    assert pred.method == "density" and pred.n_layers == 4
    for n, w in enumerate(net.widths):
        assert pred.mean[n].shape == pred.var[n].shape == (5, w)
        assert pred.xt_mean[n].shape == pred.xt_var[n].shape == (5, w)
    assert pred.info["grid"] == 256
    np.testing.assert_array_equal(pred.xt_mean[0], u)
    assert np.all(pred.xt_var[0] == 0)


def test_non_symmetric_network_is_refused():
    net = fn.random_dense([3, 10, 5, 1], seed=1)
    with pytest.raises(ValueError, match=r'layer 1 .*method="moments"') as e:
        density(net, np.zeros((2, 3)), fn.Noise(additive=1e-4))
    assert "\n" not in str(e.value)
    ws = [np.full((4, 1), 0.5), np.full((3, 4), 0.25)]
    net = fn.Network.from_layers(ws, [np.zeros(4), np.array([0.0, 0.1, 0.0])])
    with pytest.raises(ValueError, match=r'biases\[2\].*layer 2 .*method="moments"') as e:
        density(net, np.zeros(2), fn.Noise(additive=1e-4))
    assert "\n" not in str(e.value)


def test_argument_errors():
    net = fn.symmetric([1, 10, 1])
    with pytest.raises(ValueError, match="shape"):
        density(net, np.zeros((3, 2)), None)
    with pytest.raises(ValueError, match=r"^grid must be an integer in \[16, 8192\] cells \(.*\), got 8$"):
        density(net, [0.5], None, grid=8)
    with pytest.raises(TypeError, match="integer"):
        density(net, [0.5], None, grid=100.5)
    with pytest.raises(ValueError, match="once"):
        density(net, [0.5], None, grid=64, cells=128)
    with pytest.raises(ValueError, match="width"):
        density(net, [0.5], None, width=1.0)
    with pytest.raises(TypeError, match="Network"):
        density("net", [0.5], None)


def test_predict_dispatches_to_density():
    from fastnoise.analytic.predict import predict

    net = fn.symmetric([1, 20, 20, 1], alpha=4.0)
    u = np.linspace(0, 1, 4)
    a = predict(net, u, fn.Noise(**FIG3), method="density", cells=128)
    b = density(net, u, fn.Noise(**FIG3), grid=128)
    for n in range(net.n_layers):
        np.testing.assert_array_equal(a.var[n], b.var[n])
