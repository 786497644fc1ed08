"""TOML run configs: every section, every input kind, every bad input."""

import json
import os
import textwrap
from pathlib import Path

import numpy as np
import pytest

import fastnoise as fn
from fastnoise.runconfig import RunConfig, load_config, loads_config

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

BASE = """
repeats = 10
seed = 3
[network]
kind = "symmetric"
widths = [1, 4, 1]
[inputs]
kind = "linspace"
count = 5
"""


def write(tmp_path, text, name="run.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def config(tmp_path, text):
    return load_config(write(tmp_path, text))


def error(tmp_path, text, exc=ValueError):
    with pytest.raises(exc) as info:
        config(tmp_path, text)
    message = str(info.value)
    assert "\n" not in message
    return message


# -- the examples ----------------------------------------------------------------

def test_fig3_example_is_the_paper_setting():
    cfg = load_config(EXAMPLES / "fig3.toml")
    assert cfg.network.widths == (1, 200, 200, 1)
    assert [a.name for a in cfg.network.activations] == ["linear", "shifted_sigmoid",
                                                         "shifted_sigmoid", "linear"]
    assert cfg.network.activations[1].param == 4.0
    np.testing.assert_array_equal(cfg.network.weights[2], np.full((200, 200), 1 / 200))
    assert cfg.repeats == 300 and cfg.seed == 1
    assert cfg.noise == fn.Noise(1e-4, 1e-4, 1e-3, 1e-3)
    np.testing.assert_array_equal(cfg.inputs, np.linspace(0, 1, 1000)[:, None])


def test_quick_and_per_layer_examples():
    quick = load_config(EXAMPLES / "quick.toml")
    assert quick.network.widths == (1, 20, 20, 1)
    assert quick.repeats == 50 and quick.inputs.shape == (100, 1)
    assert quick.samples == [[3, 0]] and quick.histogram["bins"] == 50 and quick.block == 32

    per = load_config(EXAMPLES / "per_layer.toml")
    assert isinstance(per.noise, list) and len(per.noise) == per.network.n_layers
    assert per.noise[0].is_zero and not any(nz.is_zero for nz in per.noise[1:])


# -- sections --------------------------------------------------------------------

def test_defaults_and_linspace(tmp_path):
    cfg = config(tmp_path, """
        [network]
        kind = "symmetric"
        widths = [2, 3, 1]
        [inputs]
        kind = "linspace"
        start = -1
        stop = 1
        count = 5
    """)
    assert cfg.repeats == 300 and cfg.seed == 1 and cfg.block is None
    assert cfg.noise == fn.Noise() and cfg.samples is None and cfg.histogram is None
    values = np.linspace(-1, 1, 5)
    np.testing.assert_array_equal(cfg.inputs, np.stack([values, values], axis=1))


def test_uniform_inputs_are_seeded(tmp_path):
    text = BASE.replace('kind = "linspace"', 'kind = "uniform"\nlow = 2.0\nhigh = 3.0\nseed = 9')
    text = text.replace("widths = [1, 4, 1]", "widths = [3, 4, 1]")
    a = config(tmp_path, text)
    b = config(tmp_path, text)
    assert a.inputs.shape == (5, 3)
    assert np.all((a.inputs >= 2) & (a.inputs < 3))
    np.testing.assert_array_equal(a.inputs, b.inputs)
    c = config(tmp_path, text.replace("seed = 9", "seed = 10"))
    assert not np.array_equal(a.inputs, c.inputs)


@pytest.mark.parametrize("shape", [(7,), (7, 1)])
def test_npy_inputs_relative_to_the_config(tmp_path, monkeypatch, shape):
    data = np.arange(7.0).reshape(shape) / 7
    (tmp_path / "sub").mkdir()
    np.save(tmp_path / "sub" / "u.npy", data)
    write(tmp_path / "sub", BASE.replace('kind = "linspace"\ncount = 5', 'kind = "npy"\npath = "u.npy"'))
    monkeypatch.chdir(tmp_path)  # not the config's folder
    cfg = load_config("sub/run.toml")
    np.testing.assert_array_equal(cfg.inputs, data.reshape(7, 1))
    assert cfg.to_dict()["inputs"]["path"] == str(tmp_path / "sub" / "u.npy")


def test_file_network(tmp_path):
    net = fn.random_dense([2, 3, 1], seed=4)
    net.save(tmp_path / "net.h5")
    np.save(tmp_path / "u.npy", np.ones((4, 2)))
    cfg = config(tmp_path, """
        [network]
        kind = "file"
        path = "net.h5"
        [inputs]
        kind = "npy"
        path = "u.npy"
    """)
    assert cfg.network.digest() == net.digest()
    assert cfg.inputs.shape == (4, 2)


def test_file_network_from_a_store_group(tmp_path):
    net = fn.random_dense([1, 3, 1], seed=2)
    fn.simulate(net, np.zeros((2, 1)), repeats=2, store=tmp_path / "s.h5")
    cfg = config(tmp_path, """
        [network]
        kind = "file"
        path = "s.h5"
        group = "runs/run0/network"
        [inputs]
        kind = "linspace"
        count = 2
    """)
    assert cfg.network.digest() == net.digest()


def test_hidden_activation_and_parameters(tmp_path):
    cfg = config(tmp_path, BASE.replace("widths = [1, 4, 1]",
                                        'widths = [1, 4, 1]\nactivation = "tanh"\ngain = 2.5'))
    assert cfg.network.activations[1].name == "tanh" and cfg.network.activations[1].param == 2.5
    cfg = config(tmp_path, BASE.replace("widths = [1, 4, 1]", "widths = [1, 4, 1]\nalpha = 2"))
    assert cfg.network.activations[1].name == "shifted_sigmoid"
    assert cfg.network.activations[1].param == 2.0


def test_per_layer_noise(tmp_path):
    cfg = config(tmp_path, BASE + """
        [[noise.layers]]
        [[noise.layers]]
        additive = 1e-3
        multiplicative_correlated = 2e-3
        [[noise.layers]]
        multiplicative = 1e-4
    """)
    assert cfg.noise == [fn.Noise(), fn.Noise(additive=1e-3, multiplicative_correlated=2e-3),
                         fn.Noise(multiplicative=1e-4)]
    assert cfg.to_dict()["noise"]["layers"][1]["additive"] == 1e-3


def test_output_section_and_to_dict(tmp_path):
    cfg = config(tmp_path, BASE + """
        [noise]
        additive = 1e-4
        [output]
        samples = [[2, 0], [1, 3]]
        histogram = { bins = 10, range = [-1, 2] }
        block = 2
    """)
    assert cfg.samples == [[2, 0], [1, 3]] and cfg.block == 2
    assert cfg.histogram == {"bins": 10, "range": [-1, 2]}
    d = cfg.to_dict()
    json.dumps(d)  # JSON-able
    assert d["repeats"] == 10 and d["seed"] == 3 and d["noise"]["additive"] == 1e-4
    assert d["network"]["widths"] == [1, 4, 1] and d["network"]["sha256"] == cfg.network.digest()
    assert d["inputs"] == {"kind": "linspace", "start": 0.0, "stop": 1.0, "count": 5, "shape": [5, 1]}
    assert d["source"] == str(tmp_path / "run.toml")
    assert isinstance(cfg, RunConfig) and "repeats=10" in repr(cfg)


def test_simulate_kwargs_run(tmp_path):
    cfg = config(tmp_path, BASE + "[noise]\nadditive = 1e-2\n[output]\nsamples = [[2, 0]]\n")
    res = fn.simulate(**cfg.simulate_kwargs())
    assert res.var[2].shape == (5, 1) and np.all(res.var[2] > 0)
    assert res.samples[0].shape == (5, 10, 1)


def test_loads_config_without_a_file():
    cfg = loads_config(BASE)
    assert cfg.path is None and cfg.inputs.shape == (5, 1)


# -- bad inputs --------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("repeat = 3\n" + BASE.replace("repeats = 10\n", ""),
     "unknown key 'repeat' in [top level]; did you mean 'repeats'?"),
    (BASE.replace("widths", "width"), "unknown key 'width' in [network]; did you mean 'widths'?"),
    (BASE + "[noise]\nadditiv = 1e-4\n", "unknown key 'additiv' in [noise]; did you mean 'additive'?"),
    (BASE + "[[noise.layers]]\n[[noise.layers]]\nmultiplicatve = 1\n[[noise.layers]]\n",
     "unknown key 'multiplicatve' in [[noise.layers]] #1 (layer 1); did you mean 'multiplicative'?"),
    (BASE.replace("count", "cont"), "unknown key 'cont' in [inputs]; did you mean 'count'?"),
    (BASE + "[output]\nsample = [[0, 0]]\n", "unknown key 'sample' in [output]; did you mean 'samples'?"),
    (BASE + "[output]\nhistogram = {bin = 3}\n",
     "unknown key 'bin' in [output.histogram]; did you mean 'bins'?"),
    ("zzz = 1\n" + BASE, "unknown key 'zzz' in [top level]; valid keys: repeats, seed, network"),
])
def test_unknown_keys_name_the_table_and_the_closest_key(tmp_path, text, expected):
    assert expected in error(tmp_path, text)


@pytest.mark.parametrize("noise, words", [
    ("additive = -1e-4", ["[noise]: additive intensity", "≥ 0, got -0.0001", "use 0"]),
    ("multiplicative = nan", ["[noise]: multiplicative intensity", "finite", "got nan"]),
    ("additive_correlated = inf", ["additive correlated intensity", "finite", "got inf"]),
    ('additive = "big"', ['additive = "big"', "must be a number"]),
    ("additive = true", ["additive = true", "must be a number"]),
])
def test_bad_noise_intensities(tmp_path, noise, words):
    message = error(tmp_path, BASE + f"[noise]\n{noise}\n")
    for word in words:
        assert word in message


@pytest.mark.parametrize("change, words", [
    (("repeats = 10", "repeats = 1"), ["repeats = 1", "≥ 2"]),
    (("repeats = 10", "repeats = 0"), ["repeats = 0", "≥ 2"]),
    (("repeats = 10", "repeats = 10.0"), ["repeats = 10.0", "integer"]),
    (("repeats = 10", "repeats = true"), ["repeats = true", "integer"]),
    (("seed = 3", "seed = -1"), ["seed = -1", "in [0,"]),
    (("[1, 4, 1]", "[1]"), ["widths = [1]", "at least two"]),
    (("[1, 4, 1]", "[1, 0, 1]"), ["widths = [1, 0, 1]", "≥ 1"]),
    (("[1, 4, 1]", '"1-4-1"'), ['widths = "1-4-1"']),
    (('kind = "symmetric"', 'kind = "symetric"'), ['did you mean "symmetric"?']),
    (('kind = "symmetric"\n', ""), ['[network] needs kind = "symmetric" or "file"']),
    (('kind = "linspace"', 'kind = "random"'), ['kind = "random" in [inputs]']),
    (("count = 5", "count = 0"), ["count = 0", "≥ 1"]),
    (("count = 5", "count = 5\nstart = nan"), ["start = nan", "finite"]),
    (("count = 5", "count = 5\npath = 'u.npy'"), ["'path'", 'kind = "npy"']),
    (("widths = [1, 4, 1]", "widths = [1, 4, 1]\nactivation = 'tanhh'"),
     ["activation = \"tanhh\"", "did you mean 'tanh'"]),
    (("widths = [1, 4, 1]", "widths = [1, 4, 1]\nactivation = 'relu'\nalpha = 2"),
     ['does not apply to activation = "relu"', "gain"]),
    (("widths = [1, 4, 1]", "widths = [1, 4, 1]\nalpha = inf"), ["alpha = inf", "finite"]),
])
def test_bad_values(tmp_path, change, words):
    assert change[0] in BASE
    message = error(tmp_path, BASE.replace(*change))
    for word in words:
        assert word in message


@pytest.mark.parametrize("extra, words", [
    ("[[noise.layers]]\n[[noise.layers]]\n", ["2 tables", "3 layers", "one per layer"]),
    ("[noise]\nadditive = 1e-4\nlayers = [{}, {}, {}]\n", ["not both"]),
    ("[output]\nsamples = [[3, 0]]\n", ["samples = [[3, 0]]", "out of range", "widths [1, 4, 1]"]),
    ("[output]\nsamples = [3, 0]\n", ["[layer, neuron]"]),
    ("[output]\nblock = 0\n", ["block = 0", "≥ 1"]),
    ("[output]\nhistogram = {range = [1, 0]}\n", ["lo < hi"]),
    ("[output]\nhistogram = {bins = 'ten'}\n", ['bins = "ten"', "integer"]),
])
def test_bad_sections(tmp_path, extra, words):
    message = error(tmp_path, BASE + extra)
    for word in words:
        assert word in message


def test_missing_tables(tmp_path):
    assert "missing [network]" in error(tmp_path, "repeats = 3\n[inputs]\nkind='linspace'\ncount=2\n")
    assert "missing [inputs]" in error(tmp_path, BASE.split("[inputs]")[0])
    message = error(tmp_path, "network = 3\n[inputs]\nkind='linspace'\ncount=2\n")
    assert "network = 3 in [top level] must be a table" in message


def test_npy_shape_mismatch_with_a_file_network(tmp_path):
    fn.random_dense([3, 2, 1], seed=0).save(tmp_path / "net.h5")
    np.save(tmp_path / "u.npy", np.zeros((10, 2)))
    message = error(tmp_path, """
        [network]
        kind = "file"
        path = "net.h5"
        [inputs]
        kind = "npy"
        path = "u.npy"
    """)
    assert 'path = "u.npy"' in message and "(T, 3)" in message and "(10, 2)" in message
    np.save(tmp_path / "u.npy", np.zeros(10))
    assert "1-D array" in error(tmp_path, (tmp_path / "run.toml").read_text())


def test_nan_in_npy_inputs(tmp_path):
    u = np.linspace(0, 1, 6)[:, None]
    u[4, 0] = np.nan
    np.save(tmp_path / "u.npy", u)
    message = error(tmp_path, BASE.replace('kind = "linspace"\ncount = 5', 'kind = "npy"\npath = "u.npy"'))
    assert "nan at row 4" in message and "finite" in message


@pytest.mark.parametrize("content, words", [
    (b"not numpy", ["cannot read it as a .npy array"]),
    (None, ["holds <U1 values"]),
])
def test_unreadable_npy(tmp_path, content, words):
    if content is None:
        np.save(tmp_path / "u.npy", np.array(["a", "b"]))
    else:
        (tmp_path / "u.npy").write_bytes(content)
    message = error(tmp_path, BASE.replace('kind = "linspace"\ncount = 5', 'kind = "npy"\npath = "u.npy"'))
    for word in words:
        assert word in message


def test_missing_files(tmp_path):
    message = error(tmp_path, BASE.replace('kind = "linspace"\ncount = 5', 'kind = "npy"\npath = "no.npy"'),
                    FileNotFoundError)
    assert 'path = "no.npy" in [inputs]: no such file' in message
    assert str(tmp_path / "no.npy") in message
    message = error(tmp_path, '[network]\nkind = "file"\npath = "net.h5"\n'
                              '[inputs]\nkind = "linspace"\ncount = 2\n', FileNotFoundError)
    assert 'path = "net.h5" in [network]: no such file' in message
    with pytest.raises(FileNotFoundError, match="no such config file"):
        load_config(tmp_path / "absent.toml")


def test_file_network_that_is_not_a_network(tmp_path):
    (tmp_path / "net.h5").write_text("text")
    text = '[network]\nkind = "file"\npath = "net.h5"\n[inputs]\nkind = "linspace"\ncount = 2\n'
    assert "is a text file starting 'text', not a HDF5 model file" in error(tmp_path, text)
    import h5py
    with h5py.File(tmp_path / "net.h5", "w") as f:
        f["x"] = 1
    assert "nor a fastnoise network group 'network'; it is not a model file" in error(tmp_path, text)


def test_invalid_toml_names_the_file(tmp_path):
    message = error(tmp_path, "repeats = \n")
    assert message.startswith(str(tmp_path / "run.toml")) and "invalid TOML" in message
    (tmp_path / "run.toml").write_bytes(b"\xff\xfe")
    with pytest.raises(ValueError, match="not a UTF-8 text file"):
        load_config(tmp_path / "run.toml")


def test_error_starts_with_the_file_name(tmp_path):
    message = error(tmp_path, "repeat = 3\n")
    assert message.startswith(os.fspath(tmp_path / "run.toml") + ": unknown key 'repeat'")
