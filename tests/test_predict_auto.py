"""``fn.predict``'s default ``method="auto"`` (issue 14.5) and a network of only the
input layer (issue 14.7)."""

import importlib
import json
import os

import numpy as np
import pytest

import fastnoise as fn
from fastnoise.analytic.density import density
from fastnoise.analytic.moments import moments
from fastnoise.cli import main

predict_mod = importlib.import_module("fastnoise.analytic.predict")   # the module, not the function
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NET_A = os.path.join(ROOT, "fastnoise", "paper", "networks", "A.h5")
NOISE = fn.Noise(additive=1e-4, additive_correlated=1e-4, multiplicative=1e-3,
                 multiplicative_correlated=1e-3)


def _same(p, q):
    for a, b in zip(p.mean + p.var, q.mean + q.var):
        np.testing.assert_array_equal(a, b)


# -- which networks are symmetric ---------------------------------------------------
def test_is_symmetric_matches_what_density_accepts():
    sym = [fn.symmetric([1, 20, 20, 1]), fn.symmetric([3, 7, 5], activation="relu"),
           fn.Network.from_layers([np.tile([[0.3, -2.0]], (4, 1))], [np.full(4, 0.5)], ["tanh"]),
           fn.Network.from_layers([], input_width=3)]
    other = [fn.random_dense([4, 6, 3]), fn.Network.load(NET_A),
             fn.Network.from_layers([np.ones((3, 2))], [np.array([0.0, 0.0, 1e-3])])]
    u = {3: np.ones((2, 3)), 1: np.ones((2, 1)), 2: np.ones((2, 2)), 4: np.ones((2, 4)),
         784: np.zeros((2, 784))}
    for net in sym:
        assert net.is_symmetric, net
        density(net, u[net.widths[0]], NOISE)              # accepted
    for net in other:
        assert not net.is_symmetric, net
        with pytest.raises(ValueError, match="symmetric"):
            density(net, u[net.widths[0]], NOISE)


# -- the choice ---------------------------------------------------------------------
def test_auto_is_the_default_and_picks_density_for_symmetric_networks():
    net = fn.symmetric([1, 20, 20, 1], alpha=4.0)
    u = np.linspace(0.0, 1.0, 7)[:, None]
    pred = fn.predict(net, u, NOISE)
    assert pred.method == "density"
    assert "symmetric" in pred.info["auto"]["reason"] and pred.info["auto"]["method"] == "density"
    _same(pred, fn.predict(net, u, NOISE, method="density"))
    assert fn.predict(net, u, NOISE, method="auto", grid=64).info["grid"] == 64   # options pass on


@pytest.mark.parametrize("which", ["random_dense", "A"])
def test_auto_picks_full_moments_for_other_networks(which):
    if which == "A":
        net = fn.Network.load(NET_A)
        u = np.random.default_rng(0).uniform(0.0, 1.0, (3, 784))
    else:
        net = fn.random_dense([5, 30, 20, 4], "relu", seed=2)
        u = np.random.default_rng(0).normal(size=(6, 5))
    pred = fn.predict(net, u, NOISE)
    assert pred.method == "moments" and pred.info["full_covariance"] is True
    assert pred.info["auto"] == {"method": "moments", "options": {},
                                 "reason": "the network is not symmetric"}
    _same(pred, moments(net, u, NOISE))


def test_auto_option_for_the_other_method_is_one_clear_error():
    with pytest.raises(TypeError, match="option 'nodes' does not apply to method 'density'.*symmetric"):
        fn.predict(fn.symmetric([1, 5, 1]), [[0.5]], NOISE, nodes=16)
    with pytest.raises(TypeError, match="option 'grid' does not apply to method 'moments'"):
        fn.predict(fn.random_dense([2, 5, 1]), [[0.5, 0.1]], NOISE, grid=64)


@pytest.mark.parametrize("limit", ["AUTO_MAX_COST", "AUTO_MAX_MATRIX_BYTES"])
def test_auto_falls_back_to_low_rank_moments_for_too_wide_layers(monkeypatch, limit):
    net = fn.random_dense([6, 40, 30, 3], "tanh", seed=1)
    u = np.random.default_rng(1).normal(size=(5, 6))
    # the documented limits: 40²·6 + 30·40·70 + 3·30·33 = 96570 multiply-adds per
    # input, and 8·40² = 12800 bytes for the widest layer's covariance
    assert predict_mod._full_covariance_cost(net.widths) == (96570.0, 12800)
    assert fn.predict(net, u, NOISE).info["full_covariance"] is True
    monkeypatch.setattr(predict_mod, limit, 12799 if limit == "AUTO_MAX_MATRIX_BYTES" else 96569)
    pred = fn.predict(net, u, NOISE)
    assert pred.method == "moments" and pred.info["full_covariance"] is False
    auto = pred.info["auto"]
    assert auto["options"] == {"full_covariance": False}
    assert limit in auto["reason"] and "low-rank" in auto["reason"]
    _same(pred, moments(net, u, NOISE, full_covariance=False))
    # an explicit choice of the caller wins over the fallback
    assert fn.predict(net, u, NOISE, full_covariance=True).info["full_covariance"] is True
    assert "auto" not in fn.predict(net, u, NOISE, method="moments").info


def test_auto_on_a_relu_mnist_network_is_within_monte_carlo_error_where_gauss_is_not():
    """A He-initialised ReLU network shaped like a trained MNIST classifier on real
    MNIST test images: the layer-statistics recursion (``gauss``, the old default)
    misses the output variance by a factor ~3; ``auto`` (here full ``moments``) is
    within Monte Carlo error of a simulation."""
    from fastnoise.io.datasets import load

    try:
        images, _ = load("mnist", "test")
    except (FileNotFoundError, OSError) as exc:
        pytest.skip(f"MNIST not available: {exc}")
    u = images[:20].reshape(20, -1).astype(np.float64) / 255.0
    net = fn.random_dense([784, 128, 64, 10], "relu", seed=3, weight_scale=np.sqrt(2.0),
                          output_activation="linear")
    noise = fn.Noise(additive=1e-3, additive_correlated=1e-3, multiplicative=1e-3,
                     multiplicative_correlated=1e-3)
    K = 1000
    sim = fn.simulate(net, u, noise, repeats=K, seed=5)
    se = np.sqrt(2.0 / (K - 1))      # relative standard error of a sample variance
    auto = fn.predict(net, u, noise)
    gauss = fn.predict(net, u, noise, method="gauss")
    assert auto.method == "moments"
    out = len(net.widths) - 1
    rel = auto.var[out] / sim.var[out] - 1.0
    # each of the 200 output variances within 5 standard errors, their mean within 3
    assert np.max(np.abs(rel)) < 5 * se, np.max(np.abs(rel)) / se
    assert abs(auto.var[out].mean() / sim.var[out].mean() - 1.0) < 3 * se
    # gauss: the mean output variance is off by far more than sampling explains (×0.33)
    ratio = gauss.var[out].mean() / sim.var[out].mean()
    assert abs(ratio - 1.0) > 10 * se and not 0.5 < ratio < 2.0, ratio


# -- the command line ---------------------------------------------------------------
def test_cli_predict_without_method_says_which_ran(capsys, tmp_path):
    quick = os.path.join(ROOT, "examples", "quick.toml")
    assert main(["predict", quick]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("prediction: method density (chosen by --method auto: the network "
                            "is symmetric"), first
    cfg = tmp_path / "dense.toml"
    np.save(tmp_path / "u.npy", np.random.default_rng(0).normal(size=(4, 3)))
    fn.random_dense([3, 10, 2], "relu").save(tmp_path / "net.h5")
    cfg.write_text('repeats = 10\nseed = 1\n[network]\nkind = "file"\npath = "net.h5"\n'
                   '[noise]\nadditive = 1e-4\n[inputs]\nkind = "npy"\npath = "u.npy"\n')
    assert main(["predict", str(cfg), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["method"] == "moments" and data["requested"] == "auto"
    assert "not symmetric" in data["note"]
    assert main(["predict", str(cfg), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("moments,")
    assert main(["predict", quick, "--nodes", "8"]) == 2
    err = capsys.readouterr().err
    assert "--nodes applies to --method gauss or moments, not density (chosen by --method auto" in err


def test_cli_predict_reports_the_low_rank_fallback(capsys, monkeypatch):
    monkeypatch.setattr(predict_mod, "AUTO_MAX_COST", 1.0)
    assert main(["predict", os.path.join(ROOT, "examples", "quick.toml")]) == 0   # symmetric
    assert "method density" in capsys.readouterr().out
    cfg = os.path.join(ROOT, "examples", "netC_mackey_glass.toml")
    assert main(["predict", cfg]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("prediction: method moments, full_covariance=False (chosen by "
                            "--method auto: the network is not symmetric; full covariances too "
                            "costly"), first
    assert "AUTO_MAX_COST" in first


# -- issue 14.7: a network of only the input layer -----------------------------------
def test_network_of_only_the_input_layer(tmp_path):
    net = fn.Network.from_layers([], input_width=3)
    assert net.widths == (3,) and net.n_layers == 1 and net.is_symmetric
    assert repr(net) == "Network(widths=[3], activations=[linear(1)])"
    u = np.arange(12.0).reshape(4, 3)
    xt, x = fn.forward(net, u)
    np.testing.assert_array_equal(x[0], u)
    noise = fn.Noise(additive=1e-2, multiplicative=1e-2)
    res = fn.simulate(net, u, noise, repeats=400, seed=1)
    exact = 2e-2 + 2e-2 * u * u                                # Eq. 5 on the input layer
    for method in ("auto", "density", "moments", "gauss", "first-order", "taylor"):
        pred = fn.predict(net, u, noise, method=method)
        np.testing.assert_allclose(pred.var[0], exact, rtol=1e-12, err_msg=method)
    assert fn.predict(net, u, noise).method == "density"
    assert np.all(np.abs(res.var[0] / exact - 1) < 5 * np.sqrt(2 / 399))
    with pytest.raises(ValueError, match="only the input layer; use method=\"moments\""):
        fn.predict(net, u, noise, method="trained")
    net.save(tmp_path / "n.h5")
    back = fn.Network.load(tmp_path / "n.h5")
    assert back.widths == (3,) and back.digest() == net.digest()


def test_input_width_is_checked():
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="input_width must be an integer"):
            fn.Network.from_layers([], input_width=bad)
    with pytest.raises(ValueError, match="input_width is 4 but weights\\[1\\] has shape \\(2, 3\\)"):
        fn.Network.from_layers([np.ones((2, 3))], input_width=4)
    assert fn.Network.from_layers([np.ones((2, 3))], input_width=3).widths == (3, 2)


# -- sweeps: --predict defaults to auto, each point records the method that ran ----------
def test_sweep_predict_auto_records_the_method_that_ran(tmp_path):
    from distributed import Client

    import fastnoise.sweep as sw
    from fastnoise.cli.app import build_parser

    args = build_parser().parse_args(["sweep", "spec.toml", "--out", "s.h5", "--predict"])
    assert args.predict == "auto"
    spec = sw.loads_sweep(f"""config = "{os.path.join(ROOT, 'examples', 'quick.toml')}"
[base]
repeats = 5
inputs = {{ kind = "linspace", start = 0.0, stop = 1.0, count = 4 }}
[[axes]]
key = "network.alpha"
values = [1.0, 4.0]
""", base_dir=ROOT)
    path = str(tmp_path / "s.h5")
    with Client(processes=False, n_workers=1, threads_per_worker=1,
                dashboard_address="127.0.0.1:0") as client:
        sw.run_sweep(spec, path, predict="auto", client=client)
    with fn.open_store(path) as st:
        assert st.sweep_index().predict == {"method": "auto", "options": {}}
        for i in range(2):
            run = st.sweep_index().run(i)
            mean, var, method = run.prediction()
            assert method == "density"
            net, u = run.network(), run.inputs
            _same(fn.predict(net, u, [fn.Noise.from_dict(d) for d in run.config["noise"]]),
                  type("P", (), {"mean": mean, "var": var})())
    assert (fn.stats.sweep_table(path)["pred_method"] == "density").all()
