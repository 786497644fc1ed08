"""Run configs with dataset and Mackey–Glass inputs, and the example configs of
networks A, B and C (CI sets FASTNOISE_DATA; a missing dataset fails there)."""

from __future__ import annotations

import os

import numpy as np
import pytest

import fastnoise as fn
from fastnoise.runconfig import load_config, loads_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")


@pytest.fixture(autouse=True)
def _data(monkeypatch):
    if "FASTNOISE_DATA" not in os.environ:
        sibling = os.path.join(os.path.dirname(ROOT), "shared", "data")
        if not os.path.isdir(sibling):
            pytest.skip("no datasets: set FASTNOISE_DATA")
        monkeypatch.setenv("FASTNOISE_DATA", sibling)


def test_network_a_config_selects_the_test_fives():
    cfg = load_config(os.path.join(EXAMPLES, "netA_digit5.toml"))
    assert cfg.inputs.shape == (892, 784) and cfg.network.widths == (784, 200, 200, 10)
    assert np.all(cfg.labels == 5) and 0.0 <= cfg.inputs.min() and cfg.inputs.max() <= 1.0
    assert cfg.simulate_kwargs()["labels"] is cfg.labels


def test_network_b_config_selects_1000_pullovers():
    cfg = load_config(os.path.join(EXAMPLES, "netB_pullover.toml"))
    assert cfg.inputs.shape == (1000, 784) and np.all(cfg.labels == 2)


def test_network_c_config_uses_the_test_windows():
    from fastnoise.train.data import task_data

    cfg = load_config(os.path.join(EXAMPLES, "netC_mackey_glass.toml"))
    u_test, _ = task_data("mackey-glass", "test")
    assert cfg.labels is None
    np.testing.assert_array_equal(cfg.inputs, u_test[:1000])


def test_network_sweep_example_zips_network_dataset_and_class():
    """examples/sweep_networks.toml: A with MNIST fives, B with Fashion-MNIST pullovers."""
    from fastnoise.sweep import load_sweep

    sweep = load_sweep(os.path.join(EXAMPLES, "sweep_networks.toml"))
    assert sweep.n_points == 6 and tuple(sweep.shape) == (2, 3)
    expected = {"A": (load_config(os.path.join(EXAMPLES, "netA_digit5.toml")), 5),
                "B": (load_config(os.path.join(EXAMPLES, "netB_pullover.toml")), 2)}
    for i in range(sweep.n_points):
        cfg = sweep.point_config(i)
        ref, label = expected["AB"[i // 3]]
        assert cfg.inputs.shape == (200, 784) and np.all(cfg.labels == label)
        np.testing.assert_array_equal(cfg.inputs, ref.inputs[:200])
        for w, w_ref in zip(cfg.network.weights[1:], ref.network.weights[1:]):
            np.testing.assert_array_equal(w, w_ref)
        assert cfg.noise.additive == [1e-4, 1e-3, 1e-2][i % 3] and cfg.repeats == 50


def test_dataset_inputs_run_with_accuracy(tmp_path):
    text = f'''
repeats = 4
[network]
kind = "file"
path = "{os.path.join(EXAMPLES, '..', 'fastnoise', 'paper', 'networks', 'A.h5')}"
[noise]
additive = 1e-4
[inputs]
kind = "dataset"
name = "mnist"
split = "test"
count = 12
start = 3
'''
    cfg = loads_config(text)
    assert cfg.inputs.shape == (12, 784) and cfg.labels.shape == (12,)
    res = fn.simulate(**cfg.simulate_kwargs())
    acc = res.accuracy()
    assert acc["inputs"] == 12 and acc["repeats"] == 4 and acc["noiseless_accuracy"] > 0.8


@pytest.mark.parametrize("inputs, match", [
    ('kind = "dataset"\nname = "mnst"', "did you mean 'mnist'"),
    ('kind = "dataset"\nname = "mnist"\nsplit = "val"', 'must be "train" or "test"'),
    ('kind = "dataset"\nname = "mnist"\nlabel = 5\ncount = 1000', "only 892"),
    ('kind = "mackey-glass"\ncount = 10\nwidth = 50', "differs from the network's 100"),
])
def test_bad_dataset_inputs(inputs, match):
    net = "A.h5" if "dataset" in inputs else "C.h5"
    text = (f'[network]\nkind = "file"\npath = "{os.path.join(EXAMPLES, "..", "fastnoise", "paper", "networks", net)}"\n'
            f"[inputs]\n{inputs}\n")
    with pytest.raises(ValueError, match=match):
        loads_config(text)


def _dataset_config(inputs: str, net: str = "A.h5") -> str:
    return (f'[network]\nkind = "file"\npath = "{os.path.join(EXAMPLES, "..", "fastnoise", "paper", "networks", net)}"\n'
            f"[inputs]\n{inputs}\n")


@pytest.mark.parametrize("name, label", [("mnist", 9), ("fashion-mnist", 9), ("mnist", 0)])
def test_dataset_label_accepts_every_class_0_to_9(name, label):
    """Issue 13.3: label = 9 (digit 9, ankle boots) was refused as outside [0, 9)."""
    cfg = loads_config(_dataset_config(f'kind = "dataset"\nname = "{name}"\nlabel = {label}\ncount = 5'))
    assert cfg.inputs.shape == (5, 784) and np.all(cfg.labels == label)
    assert cfg.spec["inputs"]["label"] == label


@pytest.mark.parametrize("label", [10, -1])
def test_dataset_label_outside_0_to_9_is_refused(label):
    with pytest.raises(ValueError, match=r"label = -?\d+ in \[inputs\] must be in \[0, 10\)"):
        loads_config(_dataset_config(f'kind = "dataset"\nname = "mnist"\nlabel = {label}'))


def test_sweep_over_dataset_label_reaches_9(tmp_path):
    """Issue 13.3 in sweeps: an axis over inputs.label may include 9."""
    from fastnoise.sweep import loads_sweep

    net = os.path.join(EXAMPLES, "..", "fastnoise", "paper", "networks", "A.h5")
    sweep = loads_sweep(f'''
[base]
network = {{ kind = "file", path = "{net}" }}
inputs = {{ kind = "dataset", name = "mnist", count = 3 }}
[[axes]]
key = "inputs.label"
values = [8, 9]
''', str(tmp_path))
    assert [int(sweep.point_config(i).labels[0]) for i in range(2)] == [8, 9]


def test_dataset_inputs_scale_mean_std():
    """Issue 13.9: torchvision-style Normalize(mean, std) inputs from a config, recorded in the spec."""
    plain = loads_config(_dataset_config('kind = "dataset"\nname = "mnist"\ncount = 4'))
    cfg = loads_config(_dataset_config('kind = "dataset"\nname = "mnist"\ncount = 4\n'
                                       "mean = 0.1307\nstd = 0.3081"))
    np.testing.assert_array_equal(cfg.inputs, (plain.inputs - 0.1307) / 0.3081)
    assert cfg.spec["inputs"]["mean"] == 0.1307 and cfg.spec["inputs"]["std"] == 0.3081
    assert cfg.to_dict()["inputs"]["scale"] == 1.0 and "mean" not in plain.spec["inputs"]
    cfg = loads_config(_dataset_config('kind = "dataset"\nname = "mnist"\ncount = 4\nscale = 255.0'))
    np.testing.assert_array_equal(cfg.inputs, plain.inputs * 255.0)
    with pytest.raises(ValueError, match=r"std = 0.0 in \[inputs\] must be > 0"):
        loads_config(_dataset_config('kind = "dataset"\nname = "mnist"\nstd = 0.0'))


def test_sweep_base_network_with_load_model_options(tmp_path):
    """Sweeps take the same [network] options (here format and activations of a state dict)."""
    torch = pytest.importorskip("torch")
    from fastnoise.sweep import loads_sweep

    torch.manual_seed(0)
    seq = torch.nn.Sequential(torch.nn.Linear(784, 5), torch.nn.ELU(0.5), torch.nn.Linear(5, 10)).double()
    torch.save(seq.state_dict(), tmp_path / "mlp.pt")
    sweep = loads_sweep('''
[base]
network = { kind = "file", path = "mlp.pt", format = "torch", activations = ["elu:0.5", "linear"] }
inputs = { kind = "dataset", name = "mnist", count = 3, mean = 0.1307, std = 0.3081 }
[[axes]]
key = "inputs.label"
values = [3, 9]
''', str(tmp_path))
    cfg = sweep.point_config(1)
    want = seq(torch.tensor(cfg.inputs)).detach().numpy()
    np.testing.assert_allclose(fn.forward(cfg.network, cfg.inputs)[1][-1], want, rtol=1e-12, atol=1e-12)
    assert np.all(cfg.labels == 9) and cfg.spec["network"]["activations"] == ["elu:0.5", "linear"]
