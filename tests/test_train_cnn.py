"""``train(task, arch="cnn")`` and ``fastnoise train --arch cnn`` (issue 17, item 4), and the
CNNs shipped in ``examples/networks/``.

The torch tests skip without PyTorch; the checks of the shipped files need only
NumPy/Numba (the accuracy re-check skips when MNIST cannot be found).
"""

import argparse
import json
import os

import h5py
import numpy as np
import pytest

import fastnoise as fn
from fastnoise.cli import train as traincli
from fastnoise.network import Conv2D, Dense, Flatten, MaxPool2D
from fastnoise.train import task_data

from checks import ROOT, data_or_skip, shared_data_env

EXAMPLES = os.path.join(ROOT, "examples", "networks")
#: task: (file, the accuracy its report must claim, hidden dense width)
SHIPPED = {"mnist": ("cnn_mnist.h5", 0.990, 64), "fashion-mnist": ("cnn_fashion.h5", 0.91, 96)}

KINDS = [Conv2D, MaxPool2D, Conv2D, MaxPool2D, Flatten, Dense, Dense]
SHAPES = ((28, 28, 1), (26, 26, 16), (13, 13, 16), (11, 11, 32), (5, 5, 32), (800,), (64,), (10,))
ACTS = ["linear", "relu", "linear", "relu", "linear", "linear", "relu", "logistic"]


@pytest.fixture(scope="module", autouse=True)
def _data_dir():
    """Point FASTNOISE_DATA at the shared data folder for this module only (when unset)."""
    yield from shared_data_env()


def _report(path):
    with h5py.File(path, "r") as f:
        return json.loads(f.attrs["training"])


def _parse(argv):
    p = argparse.ArgumentParser(prog="fastnoise")
    traincli.add_parser(p.add_subparsers(dest="command"))
    return p.parse_args(argv)


# -- shipped example networks (no torch needed) --------------------------------------

@pytest.mark.parametrize("task", sorted(SHIPPED))
def test_shipped_cnn_loads_and_claims_its_accuracy(task):
    name, bound, hidden = SHIPPED[task]
    path = os.path.join(EXAMPLES, name)
    assert os.path.getsize(path) < 1_000_000
    net = fn.Network.load(path)
    assert [type(op) for op in net.ops] == KINDS and net.shapes == SHAPES[:6] + ((hidden,), (10,))
    assert [a.name for a in net.activations] == ACTS
    r = _report(path)
    assert (r["task"], r["arch"], r["network"]) == (task, "cnn", "CNN")
    assert r["widths"] == list(net.widths) and r["ops"] == [op.kind for op in net.ops]
    assert r["n_test"] == 10000 and r["test_accuracy"] >= bound, r["test_accuracy"]
    assert r["max_samples"] is None and r["noise"] is None and len(r["val_curve"]) == r["epochs"]
    # made with the defaults (the README's command)
    from fastnoise.train import DEFAULTS

    cfg = DEFAULTS[(task, "cnn")]
    assert (r["epochs"], r["hidden"], r["dropout"], r["shift"], r["seed"]) == \
        (cfg["epochs"], [hidden], cfg["dropout"], cfg["shift"], 0)
    assert r["conversion_max_abs_diff"] <= 1e-10 and r["conversion_max_abs_diff_float32"] < 1e-5


def test_shipped_mnist_cnn_accuracy_on_2000_test_images():
    """fastnoise.forward of the shipped file on the first 2000 MNIST test images, 500 at a time
    (forward keeps every layer: ~20 000 numbers per image)."""
    data_or_skip("mnist")
    net = fn.Network.load(os.path.join(EXAMPLES, SHIPPED["mnist"][0]))
    u, y = task_data("mnist", "test")
    u, y = u[:2000], y[:2000]
    out = np.concatenate([fn.forward(net, u[i:i + 500])[1][-1] for i in range(0, 2000, 500)])
    accuracy = np.mean(np.argmax(out, axis=1) == y)
    assert accuracy >= 0.985, accuracy


# -- training (torch) -------------------------------------------------------------------

@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


QUICK = dict(seed=0, epochs=1, max_samples=2000, progress=False, arch="cnn")


@pytest.fixture(scope="module")
def quick_cnn(torch):
    data_or_skip("mnist")
    from fastnoise.train import train

    return train("mnist", **QUICK)


def test_quick_cnn_architecture_and_report(quick_cnn, torch):
    net, r = quick_cnn
    assert [type(op) for op in net.ops] == KINDS
    assert net.shapes == SHAPES and net.widths == (784, 10816, 2704, 3872, 800, 800, 64, 10)
    assert [a.name for a in net.activations] == ACTS
    assert net.ops[0].kernel.shape == (3, 3, 1, 16) and net.ops[2].kernel.shape == (3, 3, 16, 32)
    assert net.ops[5].weights.shape == (64, 800) and net.ops[6].weights.shape == (10, 64)
    assert net.ops[1].pool_size == (2, 2) and net.quiet_layers == (2, 4, 5)
    assert r["conversion_max_abs_diff"] <= 1e-10                 # float64 PyTorch vs fastnoise
    assert r["conversion_max_abs_diff_float32"] < 1e-5           # the float32 model as trained
    assert (r["task"], r["arch"], r["network"], r["seed"], r["epochs"]) == ("mnist", "cnn", "CNN", 0, 1)
    assert (r["batch_size"], r["optimizer"], r["schedule"], r["shift"]) == (128, "Adam", "cosine", 1)
    assert r["architecture"] == "conv3x3x16-maxpool2-conv3x3x32-maxpool2-flatten-dense64-dense10"
    assert r["shapes"] == [list(s) for s in SHAPES] and r["biases_trained"] is True
    assert r["loss"] == "binary cross-entropy (one-hot)" and r["output_activation"] == "logistic"
    assert r["n_train"] == 2000 and r["n_val"] == 6000 and r["n_test"] == 10000
    assert r["torch_version"] == torch.__version__ and 0 <= r["test_accuracy"] <= 1
    json.dumps(r)


def test_quick_cnn_saves_and_loads(quick_cnn, tmp_path):
    from fastnoise.train import evaluate, save

    net, r = quick_cnn
    save(net, r, tmp_path / "cnn.h5")
    back = fn.Network.load(tmp_path / "cnn.h5")
    assert back.digest() == net.digest() and back.shapes == net.shapes
    assert _report(tmp_path / "cnn.h5") == json.loads(json.dumps(r))
    u = task_data("mnist", "test")[0][:300]
    assert np.array_equal(fn.forward(back, u)[1][-1], fn.forward(net, u)[1][-1])
    # the stored accuracy is what the loaded network gives (evaluate runs it in pieces)
    assert evaluate(back, "mnist")["accuracy"] == r["test_accuracy"]


def test_cnn_training_is_bitwise_reproducible(quick_cnn):
    from fastnoise.train import train

    net, r = train("mnist", **QUICK)
    assert net.digest() == quick_cnn[0].digest()
    assert r["loss_curve"] == quick_cnn[1]["loss_curve"]


def test_conversion_is_exact(torch):
    """to_cnn_network of random NCHW parameters: fastnoise.forward reproduces the float64
    PyTorch forward pass (kernels permuted, the dense columns reordered CHW → HWC), for
    either output."""
    from fastnoise.train.torch_train import _cnn_forward, to_cnn_network

    rng = np.random.default_rng(1)
    params = [("conv", rng.normal(0, 0.4, (4, 2, 3, 3)), rng.normal(0, 0.1, 4)), ("pool", 2, None),
              ("conv", rng.normal(0, 0.3, (5, 4, 3, 3)), rng.normal(0, 0.1, 5)), ("pool", 2, None),
              ("flatten", None, None),
              ("dense", rng.normal(0, 0.3, (7, 5 * 2 * 3)), rng.normal(0, 0.1, 7)),
              ("dense", rng.normal(0, 0.5, (3, 7)), rng.normal(0, 0.1, 3))]
    shape = (14, 18, 2)                                   # non-square, two input channels
    u = rng.uniform(0, 1, (20, 14 * 18 * 2))
    tp = [(k, w if k == "pool" or w is None else torch.tensor(w), None if b is None else torch.tensor(b))
          for k, w, b in params]
    for output in ("logistic", "softmax", "linear"):
        net = to_cnn_network(params, output, shape)
        assert net.shapes[4:6] == ((2, 3, 5), (30,))
        with torch.no_grad():
            ref = _cnn_forward(torch, tp, torch.tensor(u), output, shape)[1].numpy()
        np.testing.assert_allclose(fn.forward(net, u)[1][-1], ref, rtol=0, atol=1e-12)
    # without the column reordering the function would differ: the test can see it
    bad = [p if p[0] != "dense" or p[1].shape[1] != 30 else ("dense", p[1][:, ::-1], p[2]) for p in params]
    assert not np.allclose(fn.forward(to_cnn_network(bad, "linear", shape), u)[1][-1],
                           fn.forward(to_cnn_network(params, "linear", shape), u)[1][-1])


@pytest.mark.parametrize("kwargs, match", [
    (dict(task="mackey-glass", arch="cnn"), "arch='cnn' needs an image task"),
    (dict(task="mnist", arch="resnet"), "unknown architecture 'resnet'; choose one of dense, cnn"),
    (dict(task="mnist", arch="cnn", intra_layer=([1], "uniform")), "intra_layer works with arch='dense'"),
    (dict(task="mnist", arch="cnn", noise=[fn.Noise(additive=1e-3)] * 4), "got 4 Noise entries for 8 layers"),
    (dict(task="mnist", arch="cnn", noise_at=["input"] * 4), "noise_at must be"),
])
def test_cnn_refusals_one_line(torch, kwargs, match):
    from fastnoise.train import train

    with pytest.raises(ValueError, match=match) as info:
        train(progress=False, epochs=1, max_samples=10, **kwargs)
    assert "\n" not in str(info.value)


def test_layer_count_and_defaults():
    from fastnoise.train import DEFAULTS, defaults, layer_count

    assert layer_count("mnist", "cnn") == 8 and layer_count("fashion-mnist", "cnn", (32, 16)) == 9
    assert layer_count("mnist") == 4 and layer_count("mnist", "dense", (20,)) == 3
    assert defaults("mnist") == DEFAULTS["mnist"] and defaults("mnist", "cnn") == DEFAULTS[("mnist", "cnn")]
    for task, (_, _, hidden) in SHIPPED.items():
        cfg = defaults(task, "cnn")
        assert cfg["batch_size"] == 128 and cfg["channels"] == (16, 32) and cfg["hidden"] == (hidden,)


# -- noise-aware CNN training ---------------------------------------------------------------

_ALL_KINDS = fn.Noise(additive=4e-3, additive_correlated=1e-3, multiplicative=4e-3,
                      multiplicative_correlated=1e-3)


@pytest.mark.parametrize("noise_at", ["output", "input"])
def test_cnn_training_forward_noise_agrees_with_simulate(torch, noise_at):
    """The CNN training forward pass injects fastnoise's noise: one Noise for all layers
    acts on the input, convolution and dense neurons and not on pooling and flatten (as
    fn.simulate places it); mean and variance of every output over K = 20000 noisy passes
    agree with fn.simulate within 5 standard errors of their difference."""
    from fastnoise.train.torch_train import _cnn_forward, _noise_list, to_cnn_network

    rng = np.random.default_rng(3)
    shape = (8, 8, 1)
    params = [("conv", rng.normal(0, 0.6, (3, 1, 3, 3)), rng.normal(0, 0.2, 3)), ("pool", 2, None),
              ("flatten", None, None), ("dense", rng.normal(0, 0.4, (6, 27)), rng.normal(0, 0.2, 6)),
              ("dense", rng.normal(0, 0.6, (3, 6)), rng.normal(0, 0.2, 3))]
    net = to_cnn_network(params, "logistic", shape).with_noise_at(noise_at)
    u = rng.uniform(0, 1, 64)
    K = 20000
    quiet = net.quiet_layers
    assert quiet == (2, 3)
    amps = _noise_list(_ALL_KINDS, net.n_layers, quiet)
    assert [a is None for a in amps] == [False, False, True, True, False, False]
    tp = [(k, w if k == "pool" or w is None else torch.tensor(w), None if b is None else torch.tensor(b))
          for k, w, b in params]
    with torch.no_grad():
        _, y = _cnn_forward(torch, tp, torch.tensor(np.tile(u, (K, 1))), "logistic", shape, amps,
                            torch.Generator().manual_seed(7), 0.0, list(net.noise_at))
    a = y.numpy()
    b = fn.simulate(net, u[None, :], _ALL_KINDS, repeats=K, seed=3,
                    samples=[(5, i) for i in range(3)]).samples[0][0]
    m1, m2 = a.mean(axis=0), b.mean(axis=0)
    v1, v2 = a.var(axis=0, ddof=1), b.var(axis=0, ddof=1)
    f1, f2 = ((a - m1) ** 4).mean(axis=0), ((b - m2) ** 4).mean(axis=0)
    assert np.all(np.abs(m1 - m2) < 5 * np.sqrt((v1 + v2) / K))
    assert np.all(np.abs(v1 - v2) < 5 * np.sqrt((f1 - v1 ** 2 + f2 - v2 ** 2) / K))
    assert np.all(v1 > 0)


def test_noise_aware_cnn_training(quick_cnn):
    from fastnoise.train import train

    noise = fn.Noise(additive=1e-2, multiplicative=1e-2)
    net, r = train("mnist", noise=noise, **QUICK)
    assert net.digest() != quick_cnn[0].digest()
    assert r["noise"] == noise.to_dict() and r["noise_at"] == ["output"] * 8
    assert r["conversion_max_abs_diff"] <= 1e-10 and quick_cnn[1]["noise_at"] is None


# -- command line -----------------------------------------------------------------------------

def test_cli_arch_option(tmp_path, monkeypatch, capsys):
    import fastnoise.train as tr

    assert _parse(["train", "mnist", "--out", "x.h5"]).arch == "dense"
    a = _parse(["train", "fashion-mnist", "--arch", "cnn", "--out", "x.h5"])
    assert a.arch == "cnn"
    with pytest.raises(SystemExit):
        _parse(["train", "mnist", "--arch", "rnn", "--out", "x.h5"])
    # refused for Mackey–Glass before anything is written
    with pytest.raises(ValueError, match="arch='cnn' needs an image task") as info:
        traincli.run(_parse(["train", "mackey-glass", "--arch", "cnn", "--out", str(tmp_path / "c.h5")]))
    assert "\n" not in str(info.value) and not (tmp_path / "c.h5").exists()
    with pytest.raises(ValueError, match="--intra-layer works with --arch dense only"):
        traincli.run(_parse(["train", "mnist", "--arch", "cnn", "--intra-layer", "uniform",
                             "--out", str(tmp_path / "c.h5")]))
    # a per-layer --train-noise counts the CNN's 8 layers
    eight = ["none", "additive=1e-3", "none", "additive=1e-3", "none", "none", "additive=1e-3", "none"]
    a = _parse(["train", "mnist", "--arch", "cnn", "--out", "x.h5"] + sum((["--train-noise", s] for s in eight), []))
    assert len(traincli._train_noise(a)) == 8
    a = _parse(["train", "mnist", "--arch", "cnn", "--out", "x.h5", "--train-noise", "none",
                "--train-noise", "additive=1e-3", "--train-noise", "none", "--train-noise", "none"])
    with pytest.raises(ValueError, match="given 4 times; give it once .* or 8 times"):
        traincli._train_noise(a)
    # run hands arch to train() and names the architecture
    seen = {}
    net = fn.random_dense([784, 5, 10], seed=0)
    report = {"task": "mnist", "arch": "cnn", "widths": [784, 5, 10], "test_accuracy": 0.991, "n_test": 10000,
              "epochs": 8, "seed": 0, "wall_time_s": 1.0,
              "architecture": "conv3x3x16-maxpool2-conv3x3x32-maxpool2-flatten-dense64-dense10"}
    monkeypatch.setattr(tr, "require_torch", lambda: None)
    monkeypatch.setattr(tr, "train", lambda *a, **k: (seen.update(k), (net, report))[1])
    assert traincli.run(_parse(["train", "mnist", "--arch", "cnn", "--out", str(tmp_path / "m.h5")])) == 0
    assert seen["arch"] == "cnn"
    line = capsys.readouterr().out
    assert "network CNN (mnist, conv3x3x16-maxpool2-conv3x3x32-maxpool2-flatten-dense64-dense10): " \
           "test accuracy 99.10% on 10000 images" in line
