"""``moments`` (and ``method="auto"``) for networks with ``noise_at="input"`` layers.

With ``noise_at="input"`` a layer applies Eq. 3 to its internal state before the
activation, x̃' = x̃(1 + a_MU ξ_i)(1 + a_MC ξ_c) + a_AU ξ'_i + a_AC ξ'_c, then
y = x = f(x̃'), and adds no noise to y.  The predictions are checked against a
plain NumPy Monte Carlo twin written here (independent of ``fn.simulate`` and its
kernels), with tolerances from the Monte Carlo standard error.
"""

import numpy as np
import pytest
from scipy import integrate, stats

import fastnoise as fn
from fastnoise.analytic.moments import moments
from fastnoise.analytic.predict import choose_method

# Tolerances (derived, not tuned).  Monte Carlo: 5 standard errors, the variance's from
# the samples' fourth central moment, i.e. ≈ 5 √(2/K) ≈ 2.2 % of Var y at K = 1e5.
# Closure: ``moments`` assumes x̃' Gaussian.  Its leading error with input noise comes
# from multiplicative noise on an already noisy state: x̃' = x̃(1 + a ξ) has third cumulant
# κ3 ≈ 6 E x̃ Var x̃ (a_MU² + a_MC²), which shifts Var f(x̃') by ≈ f' f'' κ3, a relative
# error ≤ |f''/f'| · 6 |E x̃| (a_MU² + a_MC²) ≤ 12 |E x̃| (a_MU² + a_MC²) for tanh
# (|f''/f'| = 2|tanh| ≤ 2).  At D_M = 1e-4/5e-5 this was 0.7 % (measured: 10 standard
# errors of a K = 4e6 run at E x̃ = −2.2), so the multiplicative intensities are 1e-5
# here (≈ 0.1 %, far below the Monte Carlo tolerance); CLOSURE_GAIN adds twice that
# bound per neuron (``_closure_allowance``).  At K = 4e6 the tanh cases then agree to
# ≤ 3.3 standard errors (rms 1.0–1.3 per layer), i.e. ≤ 0.5 of one at K = 1e5.
# ReLU has no such bound (f''/f' is a kink): a neuron whose x̃' sits 1.5–2.5 standard
# deviations below 0 sees the tail of a skewed x̃ (a sum of rectified outputs), which the
# closure misses by 5–10 % of its small variance, independently of D; measured 13
# standard errors at K = 4e6, i.e. ≈ 0.7 at the K = 1e4 the ReLU case therefore uses.
NOISE = fn.Noise(additive=1e-4, additive_correlated=5e-5, multiplicative=1e-5,
                 multiplicative_correlated=1e-5)
N_SE = 5.0
CLOSURE_GAIN = 2 * 12.0

NETS = {
    "tanh-mixed": dict(widths=[4, 6, 5, 3], activation="tanh", seed=3,
                       noise_at=["output", "input", "input", "output"], repeats=100_000),
    "tanh-all-input": dict(widths=[4, 6, 5, 3], activation="tanh", seed=4, noise_at="input",
                           repeats=100_000),
    "relu-mixed": dict(widths=[4, 6, 5, 3], activation="relu", seed=5,
                       noise_at=["input", "output", "input", "input"], repeats=10_000),
}


def _net(name, noise_at=None):
    kw = dict(NETS[name])
    kw.pop("repeats")
    if noise_at is not None:
        kw["noise_at"] = noise_at
    return fn.random_dense(kw.pop("widths"), kw.pop("activation"), seed=kw.pop("seed"), **kw)


def _inputs(net, T=4, seed=0):
    return np.random.default_rng(seed).normal(0.0, 1.0, (T, net.widths[0]))


# -- the NumPy twin ---------------------------------------------------------------------
def _f(act, x):
    """The activation, written out (not the package's code), gain p."""
    p = act.param
    if act.is_linear:
        return p * x
    if act.name == "tanh":
        return np.tanh(p * x)
    if act.name == "relu":
        return np.maximum(p * x, 0.0)
    raise NotImplementedError(act.name)


def _eq3(v, nz, rng):
    """Eq. 3 on the (K, T, I) array v: independent ξ per neuron, shared ξ_c per (k, t)."""
    Kk, T, I = v.shape
    a_mu, a_mc = np.sqrt(2 * nz.multiplicative), np.sqrt(2 * nz.multiplicative_correlated)
    a_au, a_ac = np.sqrt(2 * nz.additive), np.sqrt(2 * nz.additive_correlated)
    return (v * (1.0 + a_mu * rng.standard_normal((Kk, T, I)))
            * (1.0 + a_mc * rng.standard_normal((Kk, T, 1)))
            + a_au * rng.standard_normal((Kk, T, I)) + a_ac * rng.standard_normal((Kk, T, 1)))


def _monte_carlo(net, u, noise, repeats, seed):
    """Per layer: sample mean and variance of y over ``repeats`` noise draws per input, their
    standard errors (the variance's from the samples' fourth central moment), and E z² of
    the activation's argument z (x̃' or x̃)."""
    rng = np.random.default_rng(seed)
    noises = [noise] * net.n_layers if isinstance(noise, fn.Noise) else list(noise)
    out = []
    y = None
    for n in range(net.n_layers):
        if n == 0:
            xt = np.broadcast_to(u, (repeats, *u.shape)).copy()           # x̃_1 = u
        else:
            xt = y @ net.weights[n].T + net.biases[n]                     # Eq. 1
        if net.noise_at[n] == "input":
            z = _eq3(xt, noises[n], rng)
            y = _f(net.activations[n], z)                                 # f(Eq3(x̃)), y = x
        else:
            z = xt
            y = _eq3(_f(net.activations[n], z), noises[n], rng)           # Eq3(f(x̃))
        mean = y.mean(axis=0)
        dev = y - mean
        var = (dev * dev).sum(axis=0) / (repeats - 1)
        m4 = (dev ** 4).mean(axis=0)
        se_var = np.sqrt(np.maximum(m4 - var * var * (repeats - 3) / (repeats - 1), 0.0) / repeats)
        out.append(dict(mean=mean, var=var, se_var=se_var, z2=(z * z).mean(axis=0)))
    return out


def _closure_allowance(noise, xt_mean):
    """CLOSURE_GAIN |E x̃| (a_MU² + a_MC²): twice the closure's leading relative error in
    Var y (see the top of this file)."""
    return CLOSURE_GAIN * np.abs(xt_mean) * 2 * (noise.multiplicative + noise.multiplicative_correlated)


def _se_var_closure(act, noise, xt_mean, xt_var, repeats):
    """Standard error of a K-sample variance of y = f(x̃') under the prediction's own model
    of a noise_at="input" neuron: x̃' Gaussian with Eq. 3's moments (written out here).

    The sample's fourth moment understates it for a ReLU that is active in only a few of
    the K draws (a rare event); the check uses the larger of the two, as for the mean."""
    su2, sc2 = 2 * noise.multiplicative, 2 * noise.multiplicative_correlated
    vz = (xt_var + xt_mean ** 2) * (1 + su2) * (1 + sc2) - xt_mean ** 2 + 2 * noise.additive \
        + 2 * noise.additive_correlated
    out = np.zeros_like(xt_mean)
    for idx in np.ndindex(xt_mean.shape):
        mu, sd = xt_mean[idx], np.sqrt(max(vz[idx], 0.0))
        if sd == 0.0:
            continue
        lo, hi = mu - 12 * sd, mu + 12 * sd
        pts = [0.0] if lo < 0.0 < hi else None

        def moment(g):
            return integrate.quad(lambda x: g(_f(act, x)) * stats.norm.pdf(x, mu, sd), lo, hi, points=pts,
                                  epsabs=0.0, epsrel=1e-10, limit=200)[0]

        m1 = moment(lambda y: y)
        m2 = moment(lambda y: (y - m1) ** 2)
        m4 = moment(lambda y: (y - m1) ** 4)
        out[idx] = np.sqrt(max(m4 - m2 * m2, 0.0) / repeats)
    return out


def _check_against_mc(net, u, noise, pred, repeats, seed, mc=None):
    """Assert agreement; return the Monte Carlo moments and the worst errors in standard errors.

    Mean: 5 standard errors √(Var/K), Var taken as the larger of the sample's and the
    prediction's (the standard error under either distribution).  Variance: 5 standard
    errors, the larger of the samples' (from their fourth moment) and, for noise_at="input"
    layers, the prediction's model's (``_se_var_closure``), plus the closure allowance.
    A neuron whose K samples are all equal (a ReLU whose noisy state never left the
    flat part) tells only that f(z) moved with probability p ≲ 3/K (rule of three);
    as f(z) ≠ f(z_0) needs z > 0 there, |E y − y_0| ≤ p E[z | z > 0] and
    Var y ≤ p E[z² | z > 0] ≤ 2 p E z² (Gaussian z of mean ≤ 0), which is checked instead.
    """
    noises = [noise] * net.n_layers if isinstance(noise, fn.Noise) else list(noise)
    if mc is None:
        mc = _monte_carlo(net, u, noises, repeats, seed)
    worst_mean = worst_var = 0.0
    for n, s in enumerate(mc):
        const = s["var"] == 0.0
        se_var = s["se_var"]
        if net.noise_at[n] == "input":
            se_var = np.maximum(se_var, _se_var_closure(net.activations[n], noises[n], pred.xt_mean[n],
                                                        pred.xt_var[n], repeats))
        se_mean = np.sqrt(np.maximum(s["var"], pred.var[n]) / repeats)
        err_mean = np.abs(pred.mean[n] - s["mean"])
        err_var = np.abs(pred.var[n] - s["var"])
        closure = _closure_allowance(noises[n], pred.xt_mean[n]) * s["var"]
        tol_mean = np.where(const, 3.0 / repeats * np.sqrt(2.0 * s["z2"]), N_SE * se_mean)
        tol_var = np.where(const, 3.0 / repeats * 2.0 * s["z2"], N_SE * se_var + closure)
        assert np.all(err_mean <= tol_mean), (n, err_mean / tol_mean)
        assert np.all(err_var <= tol_var), (n, err_var / tol_var)
        live = ~const
        if np.any(live):
            worst_mean = max(worst_mean, float(np.max(err_mean[live] / se_mean[live])))
            worst_var = max(worst_var, float(np.max(err_var[live] / se_var[live])))
    return mc, (worst_mean, worst_var)


def _simulated(net, u, noise, repeats, seed):
    """The moments of ``_monte_carlo`` from ``fn.simulate``'s raw samples of every neuron."""
    every = [(n, i) for n in range(net.n_layers) for i in range(net.widths[n])]
    res = fn.simulate(net, u, noise, repeats=repeats, seed=seed, samples=every)
    ys = np.moveaxis(res.samples[0], 1, 0)                       # (K, T, S)
    out, off = [], 0
    for n, w in enumerate(net.widths):
        y = ys[:, :, off:off + w]
        off += w
        mean = y.mean(axis=0)
        dev = y - mean
        var = (dev * dev).sum(axis=0) / (repeats - 1)
        m4 = (dev ** 4).mean(axis=0)
        se_var = np.sqrt(np.maximum(m4 - var * var * (repeats - 3) / (repeats - 1), 0.0) / repeats)
        np.testing.assert_allclose(var, res.var[n], rtol=1e-9)    # the kernel's own moments
        out.append(dict(mean=mean, var=var, se_var=se_var, z2=np.zeros_like(mean)))
    return out


# -- (a) against the twin --------------------------------------------------------------
@pytest.mark.parametrize("name", list(NETS))
def test_moments_with_input_noise_match_the_numpy_twin(name):
    net = _net(name)
    assert net.has_input_noise
    u = _inputs(net)
    pred = moments(net, u, NOISE)
    mc, _ = _check_against_mc(net, u, NOISE, pred, NETS[name]["repeats"], seed=11)
    # the test tells the placements apart: the paper's placement predicts variances that
    # miss the twin by many tolerances in some layer after the first input-noise layer
    other = moments(_net(name, noise_at="output"), u, NOISE)
    gap = 0.0
    for n, s in enumerate(mc):
        live = s["var"] > 0
        tol = N_SE * s["se_var"] + _closure_allowance(NOISE, pred.xt_mean[n]) * s["var"]
        gap = max(gap, float(np.max(np.abs(other.var[n] - s["var"])[live] / tol[live], initial=0.0)))
    assert gap > 10.0, gap


def test_per_layer_noise_and_order_options():
    """One Noise per layer (one of them None) and the Mehler series: the twin still agrees."""
    net = _net("tanh-mixed")
    u = _inputs(net, T=3, seed=1)
    noises = [fn.Noise(additive=1e-4), fn.Noise(multiplicative=2e-5, additive_correlated=1e-4),
              None, fn.Noise(multiplicative_correlated=2e-5, additive=5e-5)]
    twin = [nz if nz is not None else fn.Noise() for nz in noises]
    for order in (1, 3):
        _check_against_mc(net, u, twin, moments(net, u, noises, order=order), NETS["tanh-mixed"]["repeats"],
                          seed=12)


def test_linear_network_with_input_noise_is_exact():
    """Linear activations: every step is exact, so the prediction is Eq. 3's covariance
    on u, through W, and Eq. 3's covariance again, written out here (to rounding)."""
    net = fn.Network.from_layers([np.array([[0.5, -1.0], [2.0, 0.25]])], [np.array([0.1, -0.2])],
                                 ["linear"], noise_at=["input", "input"])
    u = np.array([[1.0, -2.0], [0.3, 0.7]])
    nz = fn.Noise(additive=1e-3, additive_correlated=2e-3, multiplicative=3e-3, multiplicative_correlated=4e-3)
    su2, sc2, au2, ac2 = 6e-3, 8e-3, 2e-3, 4e-3
    pred = moments(net, u, nz)
    C0 = (np.einsum("ti,tj->tij", u, u) * (1 + sc2) * (1 + su2 * np.eye(2)) - np.einsum("ti,tj->tij", u, u)
          + au2 * np.eye(2) + ac2)
    np.testing.assert_allclose(pred.var[0], np.diagonal(C0, axis1=1, axis2=2), rtol=1e-13)
    W, b = net.weights[1], net.biases[1]
    mt = u @ W.T + b
    Ct = np.einsum("ik,tkl,jl->tij", W, C0, W)
    C1 = ((Ct + np.einsum("ti,tj->tij", mt, mt)) * (1 + sc2) * (1 + su2 * np.eye(2))
          - np.einsum("ti,tj->tij", mt, mt) + au2 * np.eye(2) + ac2)
    np.testing.assert_allclose(pred.mean[1], mt, rtol=1e-13)
    np.testing.assert_allclose(pred.var[1], np.diagonal(C1, axis1=1, axis2=2), rtol=1e-12)
    np.testing.assert_allclose(pred.xt_var[1], np.diagonal(Ct, axis1=1, axis2=2), rtol=1e-12)


def test_low_rank_form_with_input_noise():
    """full_covariance=False coincides with the full form where its low rank is exact: one
    weight layer, and symmetric networks (every W diag(d) Wᵀ is then rank one)."""
    for net in (fn.random_dense([4, 6], "tanh", seed=7, noise_at="input"),
                fn.symmetric([1, 5, 5, 1], alpha=2.0, noise_at=["input", "output", "input", "input"])):
        u = _inputs(net, T=3, seed=2)
        full, low = moments(net, u, NOISE), moments(net, u, NOISE, full_covariance=False)
        for a, b in zip(full.mean + full.var + full.xt_var, low.mean + low.var + low.xt_var):
            np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-15)
        assert low.info["rank"][0] > 0 and net.noise_at[0] == "input"


# -- (b) the paper's placement is unchanged --------------------------------------------------
@pytest.mark.parametrize("kw", [{}, {"order": 2}, {"full_covariance": False}])
def test_all_output_placement_is_bitwise_the_plain_network(kw):
    plain = fn.random_dense([4, 6, 5, 3], "tanh", seed=3)
    listed = fn.random_dense([4, 6, 5, 3], "tanh", seed=3, noise_at=["output"] * 4)
    u = _inputs(plain)
    p, q = moments(plain, u, NOISE, **kw), moments(listed, u, NOISE, **kw)
    for a, b in zip(p.mean + p.var + p.xt_mean + p.xt_var, q.mean + q.var + q.xt_mean + q.xt_var):
        assert a.tobytes() == b.tobytes()


# -- (c) auto --------------------------------------------------------------------------------
def test_auto_picks_moments_for_input_noise():
    for net in (_net("tanh-mixed"), fn.symmetric([1, 5, 5, 1], noise_at="input")):
        u = _inputs(net, T=2)
        pred = fn.predict(net, u, NOISE)
        assert pred.method == "moments" and pred.info["auto"]["method"] == "moments"
        assert "noise_at='input'" in pred.info["auto"]["reason"]
        ref = moments(net, u, NOISE)
        for a, b in zip(pred.mean + pred.var, ref.mean + ref.var):
            assert a.tobytes() == b.tobytes()
    # the symmetric network with the paper's placement still goes to density
    assert choose_method(fn.symmetric([1, 5, 5, 1]))[0] == "density"
    # past the auto limits: the low-rank form, which supports input noise too
    big = fn.random_dense([3, 6000, 2], "tanh", noise_at=["output", "input", "output"])
    method, options, reason = choose_method(big)
    assert (method, options) == ("moments", {"full_covariance": False})
    assert reason.startswith("the network has noise_at='input' layers") and "too costly" in reason


# -- (d) the other methods refuse, in one line -----------------------------------------------
@pytest.mark.parametrize("method", ["density", "first-order", "taylor", "gauss", "trained"])
def test_other_methods_refuse_input_noise_in_one_line(method):
    net = fn.symmetric([1, 5, 5, 1], noise_at=["output", "input", "output", "output"])
    with pytest.raises(ValueError, match=r"noise_at='input' \(layer 1\) is not implemented yet") as err:
        fn.predict(net, np.ones((2, 1)), NOISE, method=method)
    assert "\n" not in str(err.value)


# -- (a') against fn.simulate ------------------------------------------------------------
@pytest.mark.parametrize("name", ["tanh-mixed", "tanh-all-input"])
def test_moments_with_input_noise_match_simulate(name):
    """The same tolerances against the simulator's own Monte Carlo (its kernels, its
    generator): moments predicts what fn.simulate measures, layer by layer."""
    net = _net(name)
    u = _inputs(net)
    repeats = NETS[name]["repeats"]
    pred = moments(net, u, NOISE)
    mc = _simulated(net, u, NOISE, repeats, seed=5)
    assert all(np.all(s["var"] > 0) for s in mc)  # tanh: no constant neuron
    _check_against_mc(net, u, NOISE, pred, repeats, seed=None, mc=mc)
