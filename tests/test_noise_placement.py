"""Noise before the activation (``noise_at="input"``) in the simulator.

With ``noise_at="input"`` a layer applies the Eq. 3 noise to its internal
state x̃ and outputs y = x = f(noisy x̃).  Checked three ways:

* exactly against the NumPy twin (``reference.noisy_forward``) on given
  normals, for every noise kind and activation, both placements mixed;
* statistically against Gauss–Hermite quadrature: for one noisy layer fed a
  noiseless input, x̃ is known, the noisy x̃ is Gaussian and E f, Var f are
  integrals computed to ~1e-14; the Monte Carlo means and variances must lie
  within 5 standard errors (computed from the exact second and fourth
  moments), and the two placements must differ by far more than that;
* determinism (threads, blocks, resume) and provenance (the store records
  the placement).
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

import fastnoise as fn
import reference as ref
from checks import Interrupt
from test_kernels import ALL, NOISES  # the noise kinds the output placement is tested with

RTOL = 1e-10
K = 16


@numba.njit
def softsign(x):
    return x / (1.0 + abs(x))


ACTIVATIONS = ["linear", fn.activations.shifted_sigmoid(3.0), fn.activations.logistic(1.5),
               fn.activations.tanh(0.7), fn.activations.relu(1.3), "cubic", fn.activations.elu(0.8),
               fn.activations.leaky_relu(0.1), fn.activations.softplus(1.5), "gelu", "swish",
               "hard_sigmoid", "softsign", "selu", fn.activations.custom(softsign)]


def _nets():
    return {
        "sym_input": fn.symmetric([1, 20, 20, 1], alpha=4.0, noise_at="input"),
        "dense_mixed": fn.random_dense([5, 50, 40, 3], activation="logistic", seed=3, bias_scale=0.3,
                                       noise_at=["input", "output", "input", "input"]),
        "dense_input": fn.random_dense([4, 12, 6], activation="tanh", seed=5, noise_at="input"),
    }


def _inputs(net, T, rng):
    if net.widths[0] == 1:
        return np.linspace(0.0, 1.0, T)[:, None]
    return rng.normal(0.0, 1.0, (T, net.widths[0]))


def _check_given(net, noise, rng, T=7, repeats=K, **kw):
    u = _inputs(net, T, rng)
    _, total = ref.slot_offsets(net.widths)
    z = rng.standard_normal((T, repeats, total))
    res = fn.simulate(net, u, noise, repeats=repeats, noise_values=z, block=3, **kw)
    mean, var, ys = ref.noisy_forward(net, u, noise, z, return_samples=True)
    for n, (y, m, v) in enumerate(zip(ys, mean, var)):
        scale = float(np.max(np.abs(y)))
        np.testing.assert_allclose(res.mean[n], m, rtol=RTOL, atol=RTOL * scale, err_msg=f"mean {n}")
        np.testing.assert_allclose(res.var[n], v, rtol=RTOL, atol=RTOL * float(np.max(v)) + (1e-15 * scale) ** 2,
                                   err_msg=f"var {n}")
    return res, ys


@pytest.mark.parametrize("kind", list(NOISES))
@pytest.mark.parametrize("which", ["sym_input", "dense_mixed", "dense_input"])
def test_input_noise_matches_twin(kind, which, np_rng):
    net = _nets()[which]
    res, ys = _check_given(net, NOISES[kind], np_rng)
    assert all(np.max(v) > 0 for v in res.var)


@pytest.mark.parametrize("act", ACTIVATIONS, ids=lambda a: a if isinstance(a, str) else a.name)
def test_input_noise_every_activation_matches_twin(act, np_rng):
    rng = np.random.default_rng(11)
    ws = [rng.normal(0, 0.6, (6, 3)), rng.normal(0, 0.4, (5, 6))]
    net = fn.Network.from_layers(ws, [rng.normal(0, 0.2, 6), rng.normal(0, 0.2, 5)],
                                 ["linear", act, act], noise_at="input")
    _check_given(net, ALL, np_rng)


def test_placements_give_different_bits_and_output_is_the_paper(np_rng):
    """The same normals through both placements: different results, and
    an explicit all-"output" network is the network without ``noise_at``."""
    out = fn.random_dense([4, 12, 6], activation="tanh", seed=5)
    inp = fn.random_dense([4, 12, 6], activation="tanh", seed=5, noise_at="input")
    explicit = fn.random_dense([4, 12, 6], activation="tanh", seed=5, noise_at="output")
    u = _inputs(out, 5, np_rng)
    a, b, c = (fn.simulate(net, u, ALL, repeats=20, seed=4) for net in (out, inp, explicit))
    assert not np.array_equal(a.var[-1], b.var[-1])
    for n in range(out.n_layers):
        assert np.array_equal(a.mean[n], c.mean[n]) and np.array_equal(a.var[n], c.var[n])
    # the noiseless pass does not depend on where the noise would go
    for n in range(out.n_layers):
        assert np.array_equal(a.noiseless_x[n], b.noiseless_x[n])


# --------------------------------------------------------------------------
# statistics: Gauss–Hermite quadrature of one noisy layer
# --------------------------------------------------------------------------
_GH_X, _GH_W = np.polynomial.hermite_e.hermegauss(120)  # ∫ g(z) φ(z) dz = Σ w g(x) / √(2π)
_GH_W = _GH_W / np.sqrt(2.0 * np.pi)


def _gaussian_moments(f, mu, sd):
    """E, Var and fourth central moment of f(X), X ~ N(mu, sd²), by quadrature."""
    v = f(mu[..., None] + sd[..., None] * _GH_X)
    m = v @ _GH_W
    c = v - m[..., None]
    return m, (c ** 2) @ _GH_W, (c ** 4) @ _GH_W


def _one_layer_net(noise_at):
    w = np.array([[0.5], [1.0], [2.0], [-1.5]])
    b = np.array([0.1, -0.2, 0.3, 0.0])
    return fn.Network.from_layers([w], [b], ["linear", fn.activations.tanh(1.0)],
                                  noise_at=["output", noise_at])


@pytest.mark.parametrize("noise, sd_of", [
    # uncorrelated additive and multiplicative: x̃' ~ N(x̃, (a_MU x̃)² + a_AU²)
    (fn.Noise(additive=0.02, multiplicative=0.01),
     lambda xt: np.sqrt(0.02 * xt ** 2 + 0.04)),
    # correlated only: per neuron the same Gaussian marginal, (a_MC x̃)² + a_AC²
    (fn.Noise(additive_correlated=0.03, multiplicative_correlated=0.005),
     lambda xt: np.sqrt(0.01 * xt ** 2 + 0.06)),
], ids=["uncorrelated", "correlated"])
def test_input_noise_statistics_match_quadrature(noise, sd_of):
    u = np.array([[0.3], [0.8], [-0.5]])
    repeats = 20000
    net = _one_layer_net("input")
    res = fn.simulate(net, u, [fn.Noise(), noise], repeats=repeats, seed=9)
    xt = u @ net.weights[1].T + net.biases[1]               # noiseless x̃, (T, 4)
    m, v, m4 = _gaussian_moments(np.tanh, xt, sd_of(xt))
    se_mean = np.sqrt(v / repeats)
    se_var = np.sqrt((m4 - v ** 2 * (repeats - 3) / (repeats - 1)) / repeats)
    z_mean = (res.mean[1] - m) / se_mean
    z_var = (res.var[1] - v) / se_var
    assert np.max(np.abs(z_mean)) < 5, z_mean
    assert np.max(np.abs(z_var)) < 5, z_var
    # the paper's placement is a different model: noise after tanh has variance
    # (a_M x)² + a_A² with x = tanh(x̃), for the saturated neurons far outside these error bars
    out = fn.simulate(_one_layer_net("output"), u, [fn.Noise(), noise], repeats=repeats, seed=9)
    v_out = sd_of(np.tanh(xt)) ** 2
    se_out = v_out * np.sqrt(2.0 / (repeats - 1))  # y is Gaussian given x there
    assert np.max(np.abs(out.var[1] - v_out) / se_out) < 5
    assert np.max(np.abs(v_out - v) / np.maximum(se_var, se_out)) > 20


# --------------------------------------------------------------------------
# determinism and provenance
# --------------------------------------------------------------------------
def test_input_noise_bitwise_any_threads_and_block(np_rng):
    net = _nets()["dense_mixed"]
    u = _inputs(net, 9, np_rng)
    runs = [fn.simulate(net, u, ALL, repeats=12, seed=5, threads=t, block=b)
            for t, b in ((1, 64), (2, 2), (2, 5))]
    for r in runs[1:]:
        for n in range(net.n_layers):
            assert np.array_equal(r.mean[n], runs[0].mean[n])
            assert np.array_equal(r.var[n], runs[0].var[n])


@pytest.mark.parametrize("precision", ["float64", "float32"])
def test_input_noise_recorded_in_store_and_resumed(tmp_path, precision, np_rng):
    net = _nets()["dense_mixed"]
    u = _inputs(net, 10, np_rng)
    path = tmp_path / "s.h5"
    kw = dict(repeats=8, seed=2, precision=precision)
    whole = fn.simulate(net, u, ALL, **kw)
    with pytest.raises(KeyboardInterrupt):
        fn.simulate(net, u, ALL, store=path, block=4, progress=Interrupt(4), **kw)
    res = fn.simulate(net, u, ALL, store=path, block=3, resume=True, **kw)
    for n in range(net.n_layers):
        assert np.array_equal(res.mean[n], whole.mean[n]) and np.array_equal(res.var[n], whole.var[n])
    with fn.Store(path) as st:
        run = st.run()
        assert run.config["network"]["noise_at"] == ["input", "output", "input", "input"]
        back = run.network()
        assert back.noise_at == net.noise_at and back.digest() == net.digest()


# --------------------------------------------------------------------------
# TOML configs and sweeps
# --------------------------------------------------------------------------
_BASE = """repeats = 6
seed = 3
[network]
kind = "symmetric"
widths = [1, 8, 8, 1]
{extra}
[noise]
additive = 1e-3
multiplicative = 1e-3
[inputs]
kind = "linspace"
start = 0.0
stop = 1.0
count = 5
"""


@pytest.mark.parametrize("value, places", [
    ('"input"', ("input",) * 4),
    ('["output", "input", "input", "output"]', ("output", "input", "input", "output")),
    ('"output"', ("output",) * 4),
])
def test_toml_config_noise_at(value, places):
    from fastnoise.runconfig import loads_config

    cfg = loads_config(_BASE.format(extra=f"noise_at = {value}"))
    assert cfg.network.noise_at == places
    plain = loads_config(_BASE.format(extra=""))
    res = fn.simulate(cfg.network, cfg.inputs, cfg.noise, repeats=cfg.repeats, seed=cfg.seed)
    ref_net = plain.network.with_noise_at(list(places))
    same = fn.simulate(ref_net, plain.inputs, plain.noise, repeats=plain.repeats, seed=plain.seed)
    assert np.array_equal(res.var[-1], same.var[-1])


@pytest.mark.parametrize("value, message", [
    ('"inpt"', r"noise_at = \"inpt\" in \[network\]: noise_at must be one of 'output', 'input'"),
    ('["input"]', r"noise_at = \[\"input\"\] in \[network\]: .*list of one per layer \(4, input layer first\)"),
])
def test_toml_config_noise_at_errors(value, message):
    from fastnoise.runconfig import loads_config

    with pytest.raises(ValueError, match=message):
        loads_config(_BASE.format(extra=f"noise_at = {value}"))


def test_sweep_over_noise_placement(tmp_path):
    """A sweep axis over ``network.noise_at``: each point's store run holds its
    placement, and equals fn.simulate of that network."""
    from distributed import Client

    import fastnoise.sweep as sw

    (tmp_path / "base.toml").write_text(_BASE.format(extra=""))
    spec = sw.loads_sweep('config = "base.toml"\n[[axes]]\nkey = "network.noise_at"\n'
                          'values = ["output", "input", ["output", "input", "output", "input"]]\n',
                          base_dir=str(tmp_path))
    path = str(tmp_path / "s.h5")
    with Client(processes=False, n_workers=1, threads_per_worker=1,
                dashboard_address="127.0.0.1:0") as client:
        sw.run_sweep(spec, path, client=client)
    expect = [("output",) * 4, ("input",) * 4, ("output", "input", "output", "input")]
    with fn.open_store(path) as st:
        idx = st.sweep_index()
        for i, places in enumerate(expect):
            run = idx.run(i)
            net = run.network()
            assert net.noise_at == places
            res = fn.simulate(net, run.inputs, [fn.Noise.from_dict(d) for d in run.config["noise"]],
                              repeats=6, seed=3)
            assert np.array_equal(run.var(3), res.var[3])


def test_cli_simulate_and_info_show_the_placement(tmp_path, capsys):
    from fastnoise.cli.app import main

    cfg = tmp_path / "c.toml"
    cfg.write_text(_BASE.format(extra='noise_at = ["output", "input", "input", "output"]'))
    assert main(["simulate", str(cfg), "--out", str(tmp_path / "o.h5"), "-q"]) in (0, None)
    capsys.readouterr()
    assert main(["info", str(tmp_path / "o.h5")]) in (0, None)
    out = capsys.readouterr().out
    assert "noise at     output, input, input, output" in out
