"""Training of networks A, B, C (PyTorch) and the quality of the shipped networks.

The torch tests skip without PyTorch; the checks of the shipped networks in
``fastnoise/paper/networks/`` need only NumPy/Numba and always run (they skip only
when the MNIST/Fashion-MNIST files cannot be found).
"""

import argparse
import json
import os
import sys

import h5py
import numpy as np
import pytest

import fastnoise as fn
from fastnoise.cli import train as traincli
from fastnoise.train import evaluate

from checks import ROOT, data_or_skip, shared_data_env

NETS = os.path.join(ROOT, "fastnoise", "paper", "networks")


@pytest.fixture(scope="module", autouse=True)
def _data_dir():
    """Point FASTNOISE_DATA at the shared data folder for this module only (when unset)."""
    yield from shared_data_env()


# -- shipped networks (no torch needed) ---------------------------------------

@pytest.mark.parametrize("name, task, metric, bound", [
    ("A", "mnist", "accuracy", 0.98),
    ("B", "fashion-mnist", "accuracy", 0.89),
    ("C", "mackey-glass", "nrmse", 0.03),
])
def test_shipped_network_quality(name, task, metric, bound):
    data_or_skip(task)
    net = fn.Network.load(os.path.join(NETS, f"{name}.h5"))
    q = evaluate(net, task, "test")
    if metric == "accuracy":
        assert q["count"] == 10000
        assert q["accuracy"] >= bound, q
    else:
        assert q["count"] == 2000
        assert q["nrmse"] <= bound, q
    with h5py.File(os.path.join(NETS, f"{name}.h5"), "r") as f:
        report = json.loads(f.attrs["training"])
    assert report["task"] == task
    # the report's number is what forward() measures today
    key = "test_accuracy" if metric == "accuracy" else "test_nrmse"
    assert report[key] == pytest.approx(q[metric], abs=1e-12)


def test_shipped_network_shapes_and_constant_biases():
    a = fn.Network.load(os.path.join(NETS, "A.h5"))
    b = fn.Network.load(os.path.join(NETS, "B.h5"))
    c = fn.Network.load(os.path.join(NETS, "C.h5"))
    assert a.widths == b.widths == (784, 200, 200, 10)
    assert c.widths == (100, 200, 200, 1)
    assert [x.name for x in a.activations] == ["linear", "logistic", "logistic", "logistic"]
    assert [x.name for x in c.activations] == ["linear", "logistic", "logistic", "linear"]
    assert all(np.all(a.biases[n] == 0) for n in range(1, 4))  # network A: constant (zero) biases
    assert all(np.std(b.biases[n]) > 0 for n in range(1, 4))  # network B: trained biases
    for name in "ABC":
        assert os.path.getsize(os.path.join(NETS, f"{name}.h5")) < 2_000_000


# -- training (torch) ----------------------------------------------------------

@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


@pytest.fixture(scope="module")
def tiny_mnist(torch):
    data_or_skip("mnist")
    from fastnoise.train import train

    return [train("mnist", seed=3, epochs=1, max_samples=300, progress=False) for _ in range(2)]


def test_tiny_training_is_bitwise_deterministic(tiny_mnist):
    (n1, r1), (n2, r2) = tiny_mnist
    for k in range(1, 4):
        assert n1.weights[k].tobytes() == n2.weights[k].tobytes()
        assert n1.biases[k].tobytes() == n2.biases[k].tobytes()
    assert n1.digest() == n2.digest()
    assert r1["loss_curve"] == r2["loss_curve"] and r1["val_curve"] == r2["val_curve"]


def test_mnist_biases_stay_constant(tiny_mnist):
    net, report = tiny_mnist[0]
    assert report["biases_trained"] is False
    for k in range(1, 4):
        assert np.all(net.biases[k] == 0.0)


def test_report_contents(tiny_mnist, torch):
    net, r = tiny_mnist[0]
    assert r["task"] == "mnist" and r["network"] == "A" and r["seed"] == 3 and r["epochs"] == 1
    assert r["arch"] == "dense" and r["widths"] == [784, 200, 200, 10]
    assert r["n_train"] == 300 and r["n_val"] == 6000 and r["n_test"] == 10000
    assert len(r["val_curve"]) == len(r["loss_curve"]) == 1
    assert 0.0 <= r["test_accuracy"] <= 1.0  # 300 samples, 1 epoch: barely trained
    assert r["torch_version"] == torch.__version__
    assert r["conversion_max_abs_diff"] <= 1e-10
    assert r["wall_time_s"] > 0
    json.dumps(r)  # JSON-able


def test_other_seed_other_weights(torch, tiny_mnist):
    from fastnoise.train import train

    net, _ = train("mnist", seed=4, epochs=1, max_samples=300, progress=False, validation=0.0)
    assert net.weights[1].tobytes() != tiny_mnist[0][0].weights[1].tobytes()


def test_conversion_reproduces_torch_outputs(torch):
    from fastnoise.train.torch_train import _forward, to_network

    rng = np.random.default_rng(0)
    widths = [100, 200, 200, 1]
    ws = [rng.normal(0, 1 / np.sqrt(widths[n - 1]), (widths[n], widths[n - 1])) for n in (1, 2, 3)]
    bs = [rng.normal(0, 0.3, widths[n]) for n in (1, 2, 3)]
    u = rng.uniform(0.2, 1.4, (64, 100))
    for output in ("linear", "logistic"):
        net = to_network(ws, bs, output)
        params = [(torch.as_tensor(w), torch.as_tensor(b)) for w, b in zip(ws, bs)]
        ref = _forward(torch, params, torch.as_tensor(u), output)[1].numpy()
        out = fn.forward(net, u)[1][-1]
        np.testing.assert_allclose(out, ref, rtol=0, atol=1e-10)


def test_mackey_glass_tiny_run(torch):
    from fastnoise.train import train

    net, r = train("mackey-glass", seed=0, epochs=1, max_samples=200, progress=False)
    assert net.widths == (100, 200, 200, 1)
    assert net.activations[-1].name == "linear"
    assert r["n_train"] == 200 and r["n_val"] == 1000 and r["n_test"] == 2000
    assert np.isfinite(r["test_nrmse"]) and r["conversion_max_abs_diff"] <= 1e-10


def test_noise_aware_training(torch):
    from fastnoise.train import train

    kw = dict(seed=0, epochs=1, max_samples=200, progress=False)
    noise = fn.Noise(additive=1e-3, multiplicative=1e-3, additive_correlated=1e-4,
                     multiplicative_correlated=1e-4)
    n1, r1 = train("mackey-glass", noise=noise, **kw)
    n2, _ = train("mackey-glass", noise=noise, **kw)
    n0, _ = train("mackey-glass", **kw)
    assert n1.digest() == n2.digest()
    assert n1.digest() != n0.digest()
    assert r1["noise"]["additive"] == 1e-3
    with pytest.raises(ValueError, match="got 2 Noise entries for 4 layers"):
        train("mackey-glass", noise=[noise, noise], **kw)


def test_progress_lines(torch, capsys):
    from fastnoise.train import train

    train("mackey-glass", seed=0, epochs=2, max_samples=100, progress=True)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2
    assert err[1].startswith("train mackey-glass: epoch 2/2 | loss ")
    assert "val NRMSE" in err[1] and "ETA" in err[1]


@pytest.mark.parametrize("kwargs, match", [
    (dict(task="mnis"), "unknown task 'mnis'; did you mean 'mnist'"),
    (dict(task="mnist", epochs=0), "epochs must be an integer ≥ 1"),
    (dict(task="mnist", validation=1.0), "validation must be a fraction"),
    (dict(task="mnist", dropout=1.0), "dropout must be a probability"),
    (dict(task="mnist", lr=-1.0), "lr must be a finite number > 0"),
])
def test_bad_arguments_one_line(torch, kwargs, match):
    from fastnoise.train import train

    with pytest.raises(ValueError, match=match) as info:
        train(progress=False, **kwargs)
    assert "\n" not in str(info.value)


def test_missing_torch_one_line_import_error(monkeypatch):
    from fastnoise.train import train

    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"pip install torch==2\.13\.0") as info:
        train("mnist")
    assert "\n" not in str(info.value)


# -- command line ------------------------------------------------------------------

def _parse(argv):
    p = argparse.ArgumentParser(prog="fastnoise")
    traincli.add_parser(p.add_subparsers(dest="command"))
    return p.parse_args(argv)


def test_cli_parses_and_defaults():
    a = _parse(["train", "mnist", "--out", "x.h5"])
    assert (a.task, a.out, a.seed, a.epochs, a.overwrite, a.quiet, a.threads, a.arch) == \
        ("mnist", "x.h5", 0, None, False, False, 2, "dense")
    assert a.func is traincli.run
    with pytest.raises(SystemExit):
        _parse(["train", "cifar", "--out", "x.h5"])


def test_cli_never_overwrites(tmp_path):
    out = tmp_path / "A.h5"
    out.write_bytes(b"precious")
    with pytest.raises(FileExistsError, match="exists; pass --overwrite") as info:
        traincli.run(_parse(["train", "mnist", "--out", str(out)]))
    assert "\n" not in str(info.value)
    assert out.read_bytes() == b"precious"
    with pytest.raises(FileNotFoundError, match="does not exist; create it first"):
        traincli.run(_parse(["train", "mnist", "--out", str(tmp_path / "no" / "A.h5")]))


def test_cli_run_saves_and_prints(tmp_path, monkeypatch, capsys):
    import fastnoise.train as tr

    net = fn.random_dense([100, 5, 1], seed=0, output_activation="linear")
    report = {"task": "mackey-glass", "widths": [100, 5, 1], "test_nrmse": 0.0123, "n_test": 2000,
              "epochs": 3, "seed": 7, "wall_time_s": 1.0}
    monkeypatch.setattr(tr, "require_torch", lambda: None)
    monkeypatch.setattr(tr, "train", lambda *a, **k: (net, report))
    out = tmp_path / "C.h5"
    assert traincli.run(_parse(["train", "mackey-glass", "--out", str(out), "--seed", "7"])) == 0
    line = capsys.readouterr().out
    assert "network C (mackey-glass, 100-5-1): test NRMSE 0.0123 on 2000 windows" in line
    assert fn.Network.load(str(out)).digest() == net.digest()
    with h5py.File(out, "r") as f:
        assert json.loads(f.attrs["training"])["seed"] == 7
    # --overwrite replaces
    assert traincli.run(_parse(["train", "mackey-glass", "--out", str(out), "--overwrite"])) == 0


# -- noise-aware training: the PyTorch noisy forward is fastnoise's Eq. 3 -----------

_ALL_KINDS = fn.Noise(additive=4e-3, additive_correlated=1e-3, multiplicative=4e-3,
                      multiplicative_correlated=1e-3)


@pytest.mark.parametrize("noise_at", ["output", "input", ["output", "input", "output", "input"]])
def test_training_forward_noise_agrees_with_simulate(torch, noise_at):
    """The noise the training forward pass injects has fastnoise's statistics: mean and
    variance of every output neuron over K = 20000 noisy passes of one input agree with
    fn.simulate within 5 standard errors of their difference (from each side's fourth
    moment), all four noise kinds, either placement."""
    from fastnoise.train.torch_train import _forward, _noise_list

    net = fn.random_dense([6, 12, 8, 3], activation="logistic", seed=5, noise_at=noise_at)
    u = np.random.default_rng(2).uniform(0, 1, 6)
    K = 20000
    noise = [_ALL_KINDS, _ALL_KINDS, fn.Noise(additive=2e-3, multiplicative_correlated=2e-3), _ALL_KINDS]
    params = [(torch.tensor(net.weights[n]), torch.tensor(net.biases[n])) for n in range(1, 4)]
    gen = torch.Generator().manual_seed(7)
    with torch.no_grad():
        _, y = _forward(torch, params, torch.tensor(np.tile(u, (K, 1))), "logistic",
                        _noise_list(noise, 4), gen, 0.0, list(net.noise_at))
    a = y.numpy()
    res = fn.simulate(net, u[None, :], noise, repeats=K, seed=3, samples=[(3, i) for i in range(3)])
    b = res.samples[0][0]

    def stats(s):
        m, v = s.mean(axis=0), s.var(axis=0, ddof=1)
        m4 = ((s - m) ** 4).mean(axis=0)
        return m, v, v / len(s), (m4 - v ** 2) / len(s)

    ma, va, sma, sva = stats(a)
    mb, vb, smb, svb = stats(b)
    assert np.all(np.abs(ma - mb) < 5 * np.sqrt(sma + smb))
    assert np.all(np.abs(va - vb) < 5 * np.sqrt(sva + svb))
    assert np.all(va > 0)


def test_noise_aware_training_either_placement(torch):
    from fastnoise.train import train

    kw = dict(seed=0, epochs=1, max_samples=200, progress=False,
              noise=fn.Noise(additive=1e-2, multiplicative=1e-2))
    n_out, r_out = train("mackey-glass", **kw)
    n_in, r_in = train("mackey-glass", noise_at="input", **kw)
    # (the input and linear output layers: the same either way, so they are left as they are)
    n_mix, _ = train("mackey-glass", noise_at=["output", "output", "input", "output"], **kw)
    assert len({n_out.digest(), n_in.digest(), n_mix.digest()}) == 3
    assert r_out["noise_at"] == ["output"] * 4 and r_in["noise_at"] == ["input"] * 4
    assert train("mackey-glass", seed=0, epochs=1, max_samples=200, progress=False)[1]["noise_at"] is None
    with pytest.raises(ValueError, match="noise_at must be") as info:
        train("mackey-glass", noise_at=["input"], **kw)
    assert "\n" not in str(info.value)


def test_cli_train_noise_options(tmp_path, monkeypatch, capsys):
    import fastnoise.train as tr

    a = _parse(["train", "mnist", "--out", "x.h5", "--train-noise",
                "additive=1e-3,multiplicative_correlated=1e-4", "--train-noise-at", "input"])
    assert a.train_noise == [fn.Noise(additive=1e-3, multiplicative_correlated=1e-4)]
    assert a.train_noise_at == "input"
    a = _parse(["train", "mnist", "--out", "x.h5"] + sum((["--train-noise", s] for s in
               ("none", "additive=1e-3", "additive=1e-3", "none")), []) +
               ["--train-noise-at", "output,input,input,output"])
    assert traincli._train_noise(a) == [None, fn.Noise(additive=1e-3), fn.Noise(additive=1e-3), None]
    assert a.train_noise_at == ["output", "input", "input", "output"]
    for bad, words in (("additiv=1e-3", "did you mean 'additive'"), ("additive", "expected key=value"),
                       ("additive=x", "is not a number"), ("additive=-1", "additive")):
        with pytest.raises(SystemExit):
            _parse(["train", "mnist", "--out", "x.h5", "--train-noise", bad])
        assert words in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _parse(["train", "mnist", "--out", "x.h5", "--train-noise-at", "before"])
    two = _parse(["train", "mnist", "--out", str(tmp_path / "x.h5"), "--train-noise", "none",
                  "--train-noise", "additive=1e-3"])
    with pytest.raises(ValueError, match="given 2 times; give it once") as info:
        traincli.run(two)
    assert "\n" not in str(info.value) and not (tmp_path / "x.h5").exists()
    # run hands them to train()
    seen = {}
    net = fn.random_dense([100, 5, 1], seed=0, output_activation="linear")
    report = {"task": "mackey-glass", "widths": [100, 5, 1], "test_nrmse": 0.01, "n_test": 2000,
              "epochs": 1, "seed": 0, "wall_time_s": 1.0, "noise": {"additive": 1e-3}}
    monkeypatch.setattr(tr, "require_torch", lambda: None)
    monkeypatch.setattr(tr, "train", lambda *a, **k: (seen.update(k), (net, report))[1])
    assert traincli.run(_parse(["train", "mackey-glass", "--out", str(tmp_path / "C.h5"),
                                "--train-noise", "additive=1e-3", "--train-noise-at", "input"])) == 0
    assert seen["noise"] == fn.Noise(additive=1e-3) and seen["noise_at"] == "input"
    assert "1 epochs with training noise" in capsys.readouterr().out


def test_softmax_classifier_training(torch):
    """hidden=/output="softmax" train the 784-20-10 softmax classifier (categorical
    cross-entropy); the saved network ends in a softmax readout that reproduces the
    float64 PyTorch forward pass, and the CLI passes --hidden/--output through."""
    from fastnoise.train import train
    from fastnoise.train.torch_train import _forward

    net, r = train("mnist", seed=0, epochs=2, max_samples=2000, progress=False, hidden=(20,),
                   output="softmax", dropout=0.0, shift=0, lr=5e-3)
    assert net.widths == (784, 20, 10) and net.activations[-1].name == "softmax"
    assert r["loss"] == "categorical cross-entropy" and r["output_activation"] == "softmax"
    assert r["conversion_max_abs_diff"] <= 1e-10 and r["test_accuracy"] > 0.5     # it learns (chance: 0.1)
    params = [(torch.tensor(net.weights[n]), torch.tensor(net.biases[n])) for n in (1, 2)]
    u = np.random.default_rng(0).uniform(0, 1, (8, 784))
    with torch.no_grad():
        ref = _forward(torch, params, torch.tensor(u), "softmax")[1].numpy()
    np.testing.assert_allclose(fn.forward(net, u)[1][-1], ref, rtol=1e-12)
    with pytest.raises(ValueError, match="output='softmax' needs a classification task"):
        train("mackey-glass", epochs=1, max_samples=50, progress=False, output="softmax")
    with pytest.raises(ValueError, match="unknown output 'tanh'; choose one of logistic, softmax, linear"):
        train("mnist", epochs=1, max_samples=50, progress=False, output="tanh")
    a = _parse(["train", "mnist", "--out", "x.h5", "--hidden", "20", "--output", "softmax",
                "--train-noise", "none", "--train-noise", "additive=1e-3", "--train-noise", "none"])
    assert a.hidden == (20,) and a.output == "softmax"
    assert traincli._train_noise(a) == [None, fn.Noise(additive=1e-3), None]    # 3 layers now


def test_training_forward_softmax_noise_agrees_with_simulate(torch):
    """As the test above, for a softmax readout with noise on its logits (input) or on its
    probabilities (output)."""
    from fastnoise.train.torch_train import _forward, _noise_list

    rng = np.random.default_rng(4)
    for place in ("output", "input"):
        net = fn.Network.from_layers([rng.normal(0, 0.5, (10, 6)), rng.normal(0, 0.8, (4, 10))], None,
                                     ["logistic", "softmax"], noise_at=place)
        u = rng.uniform(0, 1, 6)
        K = 20000
        params = [(torch.tensor(net.weights[n]), torch.tensor(net.biases[n])) for n in (1, 2)]
        with torch.no_grad():
            _, y = _forward(torch, params, torch.tensor(np.tile(u, (K, 1))), "softmax",
                            _noise_list(_ALL_KINDS, 3), torch.Generator().manual_seed(7), 0.0,
                            list(net.noise_at))
        a = y.numpy()
        b = fn.simulate(net, u[None, :], _ALL_KINDS, repeats=K, seed=3,
                        samples=[(2, i) for i in range(4)]).samples[0][0]
        m1, m2 = a.mean(axis=0), b.mean(axis=0)
        v1, v2 = a.var(axis=0, ddof=1), b.var(axis=0, ddof=1)
        f1, f2 = ((a - m1) ** 4).mean(axis=0), ((b - m2) ** 4).mean(axis=0)
        assert np.all(np.abs(m1 - m2) < 5 * np.sqrt((v1 + v2) / K))
        assert np.all(np.abs(v1 - v2) < 5 * np.sqrt((f1 - v1 ** 2 + f2 - v2 ** 2) / K))


def test_training_with_an_intra_layer_coupling(torch):
    """intra_layer=(layers, matrix) trains with y' = V y / r̄ in the forward pass; the saved
    network is intra_layer() of the trained weights: it reproduces the coupled float64
    PyTorch forward pass and records the coupling."""
    from fastnoise.mitigation import intra_layer
    from fastnoise.train import train

    v = np.eye(20) + 0.1                                         # self + a little of every other
    net, r = train("mnist", seed=0, epochs=1, max_samples=1000, progress=False, hidden=(20,),
                   output="softmax", dropout=0.0, shift=0, lr=5e-3, intra_layer=([1], v))
    assert net.mitigation[-1]["kind"] == "intra_layer" and net.mitigation[-1]["layers"] == [1]
    assert r["intra_layer"] == {"layers": [1], "matrix": "given"} and r["conversion_max_abs_diff"] <= 1e-10
    plain, _ = train("mnist", seed=0, epochs=1, max_samples=1000, progress=False, hidden=(20,),
                     output="softmax", dropout=0.0, shift=0, lr=5e-3)
    assert plain.digest() != net.digest()
    # folding by hand: the same transform applied to a network gives the same weights layout
    assert intra_layer(plain, 1, v).widths == net.widths
    with pytest.raises(ValueError, match="layer 2 is the output layer"):
        train("mnist", epochs=1, max_samples=50, progress=False, hidden=(20,), intra_layer=([2], v))
    with pytest.raises(ValueError, match="the matrix is 3 × 3 but layer 1 has 20 neurons"):
        train("mnist", epochs=1, max_samples=50, progress=False, hidden=(20,), intra_layer=([1], np.eye(3)))


def test_cli_intra_layer_option(tmp_path, monkeypatch, capsys):
    import fastnoise.train as tr

    np.save(tmp_path / "v.npy", np.eye(200) + 0.01)
    a = _parse(["train", "mnist", "--out", str(tmp_path / "x.h5"), "--intra-layer", str(tmp_path / "v.npy")])
    layers, v = traincli._intra_layer(a)
    assert layers == [1, 2] and v.shape == (200, 200)
    a = _parse(["train", "mnist", "--out", "x.h5", "--hidden", "20", "--intra-layer", "uniform"])
    assert traincli._intra_layer(a) == ([1], "uniform")
    bad = _parse(["train", "mnist", "--out", str(tmp_path / "y.h5"), "--intra-layer", str(tmp_path / "no.npy")])
    with pytest.raises(FileNotFoundError, match="no such file; give 'uniform' or a .npy file"):
        traincli.run(bad)
    assert not (tmp_path / "y.h5").exists()
    seen = {}
    net = fn.random_dense([784, 20, 10], seed=0)
    report = {"task": "mnist", "widths": [784, 20, 10], "test_accuracy": 0.9, "n_test": 10000,
              "epochs": 1, "seed": 0, "wall_time_s": 1.0}
    monkeypatch.setattr(tr, "require_torch", lambda: None)
    monkeypatch.setattr(tr, "train", lambda *a, **k: (seen.update(k), (net, report))[1])
    assert traincli.run(_parse(["train", "mnist", "--out", str(tmp_path / "z.h5"), "--hidden", "20",
                                "--intra-layer", "uniform"])) == 0
    assert seen["intra_layer"] == ([1], "uniform") and "network (custom)" in capsys.readouterr().out
