"""The HDF5 store: layout, attributes, xarray access, networks, multiple runs."""

from __future__ import annotations

import json
import os

import h5py
import numba
import numpy as np
import pytest

import fastnoise as fn
from fastnoise.io.errors import StoreError
from fastnoise.io.store import FORMAT, FORMAT_VERSION, config_hash
from checks import leftovers  # noqa: E402

NOISE = fn.Noise(additive=1e-3, additive_correlated=2e-4, multiplicative=5e-4,
                 multiplicative_correlated=1e-4)
SEED = 2 ** 64 - 3  # needs all 64 bits of the uint64 seed attribute
SAMPLES = [(0, 0), (1, 7), (2, 3), (3, 1)]
HIST = {"bins": 10, "range": [(-1.0, 2.0), (0.0, 1.0), (-0.5, 1.5), (-2.0, 2.0)]}


def bitwise(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def assert_results_equal(r1, r2):
    assert r1.n_layers == r2.n_layers
    for n in range(r1.n_layers):
        for name in ("mean", "var", "noiseless_xt", "noiseless_x"):
            assert bitwise(getattr(r1, name)[n], getattr(r2, name)[n]), f"{name}[{n}]"
    assert (r1.samples is None) == (r2.samples is None)
    if r1.samples is not None:
        for a, b in zip(r1.samples, r2.samples):
            assert bitwise(a, b)
    assert (r1.histogram is None) == (r2.histogram is None)
    if r1.histogram is not None:
        for a, b in zip(r1.histogram, r2.histogram):
            assert bitwise(a, b)


@pytest.fixture(scope="module")
def net():
    return fn.random_dense([3, 12, 8, 2], activation="tanh", seed=11)


@pytest.fixture(scope="module")
def inputs():
    return np.random.default_rng(5).uniform(-1, 1, (37, 3))


@pytest.fixture(scope="module")
def stored(tmp_path_factory, net, inputs):
    """One complete run with samples and histograms: (path, in-memory Result)."""
    path = tmp_path_factory.mktemp("store") / "s.h5"
    res = fn.simulate(net, inputs, NOISE, repeats=24, seed=SEED, store=path, block=10,
                      samples=SAMPLES, histogram=HIST)
    return path, res


# -- layout and attributes -------------------------------------------------------
def test_root_attributes(stored):
    path, _ = stored
    assert not leftovers(path)
    with h5py.File(path, "r") as f:
        assert f.attrs["fastnoise_format"] == FORMAT == "fastnoise-store"
        assert int(f.attrs["format_version"]) == FORMAT_VERSION == 1
        assert f.attrs["fastnoise_version"] == fn.__version__
        assert list(f["runs"].keys()) == ["run0"]


def test_run_attributes(stored, net, inputs):
    path, res = stored
    with h5py.File(path, "r") as f:
        g = f["runs/run0"]
        config = json.loads(g.attrs["config"])
        assert config == json.loads(json.dumps(res.config))
        assert g.attrs["config_hash"] == config_hash(config)
        assert g.attrs["seed"].dtype == np.uint64 and int(g.attrs["seed"]) == SEED
        assert int(g.attrs["stream"]) == 0
        assert g.attrs["fastnoise_version"] == fn.__version__
        assert int(g.attrs["format_version"]) == FORMAT_VERSION
        status = g.attrs["status"]
        assert (status.decode() if isinstance(status, bytes) else status).strip() == "complete"
        assert isinstance(g.attrs["created"], str) and len(g.attrs["created"]) >= 19
    # the configuration says what produced the run
    assert config["seed"] == SEED and config["repeats"] == 24 and config["n_inputs"] == 37
    assert config["network"]["widths"] == [3, 12, 8, 2]
    assert config["network"]["sha256"] == net.digest()
    assert config["noise"] == [NOISE.to_dict()] * 4
    assert config["samples"] == [list(p) for p in SAMPLES]
    assert config["histogram"]["bins"] == 10


def test_datasets_shapes_dims_and_values(stored, net, inputs):
    path, res = stored
    T, K, L = 37, 24, 4
    widths = net.widths
    with h5py.File(path, "r") as f:
        g = f["runs/run0"]

        def dims(name):
            return tuple(g[name].dims[i].keys()[0] for i in range(g[name].ndim))

        assert bitwise(g["inputs"][()], inputs) and dims("inputs") == ("input", "neuron_0")
        for n, w in enumerate(widths):
            for kind, values in (("mean", res.mean), ("var", res.var), ("xt", res.noiseless_xt),
                                 ("x", res.noiseless_x)):
                ds = g[f"{kind}_{n}"]
                assert ds.shape == (T, w) and ds.dtype == np.float64
                assert dims(f"{kind}_{n}") == ("input", f"neuron_{n}")
                assert bitwise(ds[()], values[n]), f"{kind}_{n}"
            assert bitwise(g[f"neuron_{n}"][()], np.arange(w))
        assert bitwise(g["done"][()], np.ones(T, np.uint8)) and dims("done") == ("input",)
        assert bitwise(g["input"][()], np.arange(T))
        assert g["samples"].shape == (T, K, len(SAMPLES))
        assert dims("samples") == ("input", "repeat", "sample")
        assert bitwise(g["samples"][()], res.samples[0])
        assert bitwise(g["sample_layer"][()], np.array([p[0] for p in SAMPLES], np.int64))
        assert bitwise(g["sample_neuron"][()], np.array([p[1] for p in SAMPLES], np.int64))
        assert g["hist"].shape == (T, L, 12) and dims("hist") == ("input", "layer", "bin")
        assert bitwise(g["hist"][()].sum(axis=0), res.histogram[0])
        assert bitwise(g["hist_lo"][()], np.array([r[0] for r in HIST["range"]]))
        assert bitwise(g["hist_hi"][()], np.array([r[1] for r in HIST["range"]]))
        # the stored network is the one simulated
        assert fn.Network.read_group(g["network"]).digest() == net.digest()


def test_datasets_follow_the_crash_safety_design(stored):
    """Contiguous, uncompressed, allocated at creation, no modification times."""
    path, _ = stored
    with h5py.File(path, "r") as f:
        seen = []

        def check(name, obj):
            if isinstance(obj, h5py.Dataset) and not name.startswith("network"):
                seen.append(name)
                assert obj.chunks is None, name
                assert obj.compression is None, name
                assert obj.id.get_offset() is not None, f"{name} not allocated"
                assert h5py.h5o.get_info(obj.id).mtime == 0, f"{name} records a modification time"

        f["runs/run0"].visititems(check)
        assert "done" in seen and "var_3" in seen and "hist" in seen


def test_samples_and_histogram_contents(stored, net):
    path, res = stored
    values, layer, neuron = res.samples
    K = 24
    # sampled neurons' sample mean is the stored mean of that neuron (fixed-order sums
    # differ only by rounding, so compare to a rounding-level tolerance)
    for s, (n, i) in enumerate(SAMPLES):
        np.testing.assert_allclose(values[:, :, s].mean(axis=1), res.mean[n][:, i], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(values[:, :, s].var(axis=1, ddof=1), res.var[n][:, i], rtol=1e-9,
                                   atol=1e-18)
    counts, lo, hi = res.histogram
    assert counts.dtype == np.int64
    # every y of every neuron, repetition and input is counted once
    np.testing.assert_array_equal(counts.sum(axis=1), 37 * K * np.array(net.widths))
    with fn.Store(path) as s:
        got = s.run().histogram()
        assert all(bitwise(a, b) for a, b in zip(got, res.histogram))
        got = s.run().samples()
        assert all(bitwise(a, b) for a, b in zip(got, res.samples))


def test_run_to_result_equals_memory(stored):
    path, res = stored
    with fn.Store(path) as s:
        run = s.run()
        assert run.status == "complete" and run.done.all()
        assert run.widths == [3, 12, 8, 2] and run.n_layers == 4
        back = run.to_result()
        assert back.config == json.loads(json.dumps(res.config))
        assert_results_equal(back, res)
        assert bitwise(run.var(2), res.var[2]) and bitwise(run.mean(0), res.mean[0])
        assert "run0" in repr(run) and "37/37" in repr(run)


def test_xarray_open_dataset(stored, net):
    xr = pytest.importorskip("xarray")
    path, res = stored
    with xr.open_dataset(path, group="runs/run0", engine="h5netcdf") as ds:
        for n, w in enumerate(net.widths):
            for kind, values in (("mean", res.mean), ("var", res.var), ("xt", res.noiseless_xt),
                                 ("x", res.noiseless_x)):
                da = ds[f"{kind}_{n}"]
                assert da.dims == ("input", f"neuron_{n}")
                assert bitwise(da.values, values[n])
            np.testing.assert_array_equal(ds[f"neuron_{n}"].values, np.arange(w))
        np.testing.assert_array_equal(ds["input"].values, np.arange(37))
        assert ds["inputs"].dims == ("input", "neuron_0")
        assert ds["done"].dims == ("input",)
        assert ds["samples"].dims == ("input", "repeat", "sample")
        assert bitwise(ds["samples"].values, res.samples[0])
        assert ds["hist"].dims == ("input", "layer", "bin")
        assert bitwise(ds["hist"].values.sum(axis=0), res.histogram[0])
        # labelled selection works
        np.testing.assert_array_equal(ds["var_1"].sel(input=5, neuron_1=7).values, res.var[1][5, 7])
        assert json.loads(ds.attrs["config"])["seed"] == SEED
        assert str(ds.attrs["status"]).strip() == "complete"


# -- networks --------------------------------------------------------------------
def _mixed_net():
    rng = np.random.default_rng(2)
    widths = [2, 5, 4, 4, 3, 3, 2]
    ws = [rng.normal(size=(widths[n], widths[n - 1])) / 3 for n in range(1, len(widths))]
    bs = [rng.normal(size=widths[n]) / 7 for n in range(1, len(widths))]
    acts = [fn.activations.shifted_sigmoid(3.3), fn.activations.logistic(0.7), fn.activations.tanh(1.9),
            fn.activations.relu(0.5), fn.activations.cubic(), fn.activations.linear(2.0)]
    return fn.Network.from_layers(ws, bs, acts, input_activation=fn.activations.linear(0.25))


def _check_same_network(a, b):
    assert a.widths == b.widths
    assert a.activations == b.activations
    for n in range(1, a.n_layers):
        assert bitwise(a.weights[n], b.weights[n]) and bitwise(a.biases[n], b.biases[n])
    assert a.digest() == b.digest()


def test_network_save_load_round_trip(tmp_path):
    net = _mixed_net()
    path = tmp_path / "net.h5"
    net.save(path)
    back = fn.Network.load(path)
    _check_same_network(net, back)
    u = np.random.default_rng(0).uniform(0, 1, (9, 2))
    assert_results_equal(fn.simulate(net, u, NOISE, repeats=5, seed=4),
                         fn.simulate(back, u, NOISE, repeats=5, seed=4))
    # another group name, and overwrite protection
    net.save(tmp_path / "net2.h5", group="model")
    _check_same_network(net, fn.Network.load(tmp_path / "net2.h5", group="model"))
    digest = open(path, "rb").read()
    with pytest.raises(FileExistsError) as info:
        fn.symmetric([1, 2, 1]).save(path)
    assert "overwrite=True" in str(info.value) and "\n" not in str(info.value)
    assert open(path, "rb").read() == digest
    fn.symmetric([1, 2, 1]).save(path, overwrite=True)
    assert fn.Network.load(path).widths == (1, 2, 1)


def test_network_from_store_round_trip(stored, net):
    path, _ = stored
    with fn.Store(path) as s:
        _check_same_network(net, s.run().network())
    _check_same_network(net, fn.Network.load(path, group="runs/run0/network"))


@numba.njit
def softsign(x):
    return x / (1.0 + abs(x))


def test_custom_activation_needs_custom_argument(tmp_path):
    net = fn.Network.from_layers([np.full((3, 1), 0.5), np.full((1, 3), 0.2)], None, ["tanh", softsign])
    path = tmp_path / "custom.h5"
    net.save(path)
    with pytest.raises(ValueError) as info:
        fn.Network.load(path)
    msg = str(info.value)
    assert "\n" not in msg and "'softsign'" in msg and "custom=" in msg
    back = fn.Network.load(path, custom={"softsign": softsign})
    _check_same_network(net, back)
    assert back.activations[2].function is softsign
    # the same through a store's run (written directly: simulating a user
    # activation would compile a kernel for it, which takes a while)
    store = tmp_path / "custom_store.h5"
    with fn.Store(store, "x") as s:
        s.create_run("run0", {"repeats": 2, "seed": 0}, net, np.zeros((3, 1)))
    with fn.Store(store) as s:
        with pytest.raises(ValueError, match="custom="):
            s.run().network()
        _check_same_network(net, s.run().network(custom={"softsign": softsign}))


def test_custom_activation_hint_is_valid_python(tmp_path):
    net = fn.Network.from_layers([np.full((3, 1), 0.5)], None, [softsign])
    path = tmp_path / "custom.h5"
    net.save(path)
    with pytest.raises(ValueError) as info:
        fn.Network.load(path)
    assert "custom={'softsign': <njit function>} " in str(info.value)


# -- several runs in one store ----------------------------------------------------
def test_multiple_runs_in_one_store(tmp_path, net, inputs):
    path = tmp_path / "multi.h5"
    with fn.Store(path, "a") as s:
        r0 = fn.simulate(net, inputs, NOISE, repeats=6, seed=1, store=s)
        r1 = fn.simulate(net, inputs, NOISE, repeats=6, seed=2, store=s)
        r2 = fn.simulate(net, inputs[:5], fn.Noise(additive=1e-2), repeats=3, seed=1, store=s,
                         run="custom name", samples=[(3, 1)])
        assert s.runs() == ["run0", "run1", "custom name"]
        assert s.run().name == "custom name"  # default: the last one
        assert "runs=['run0', 'run1', 'custom name']" in repr(s)
        # a store object stays usable by the caller
        assert s.file.id.valid
        with pytest.raises(FileExistsError, match="custom name"):
            fn.simulate(net, inputs, NOISE, repeats=6, store=s, run="custom name")
    assert not leftovers(path)
    with fn.Store(path) as s:
        assert s.runs() == ["run0", "run1", "custom name"]
        for name, res in (("run0", r0), ("run1", r1), ("custom name", r2)):
            run = s.run(name)
            assert run.status == "complete"
            assert_results_equal(run.to_result(), res)
        assert s.run("run1").config["seed"] == 2
        assert s.run("custom name").samples() is not None and s.run("run0").samples() is None
    assert not np.array_equal(r0.var[2], r1.var[2])
    # appending to an existing store later
    with fn.Store(path, "a") as s:
        fn.simulate(net, inputs, NOISE, repeats=6, seed=3, store=s)
        assert s.runs() == ["run0", "run1", "custom name", "run2"]
    with fn.open_store(path) as s:
        assert s.run("run2").done.all()
        assert_results_equal(s.run("run0").to_result(), r0)


def test_store_modes(tmp_path, net, inputs):
    path = tmp_path / "modes.h5"
    with fn.Store(path, "x") as s:
        assert s.runs() == []
        fn.simulate(net, inputs[:4], NOISE, repeats=3, store=s)
    with fn.Store(path, "w") as s:  # explicit overwrite: empty again
        assert s.runs() == []
    with fn.Store(path) as s:
        assert s.runs() == []
        with pytest.raises(StoreError, match="read-only"):
            fn.simulate(net, inputs[:4], NOISE, repeats=3, store=s)
    # overwrite=True through simulate replaces the file
    fn.simulate(net, inputs[:4], NOISE, repeats=3, seed=9, store=path, overwrite=True)
    with fn.Store(path) as s:
        assert s.runs() == ["run0"] and s.run().config["seed"] == 9


def test_store_failing_while_built_never_appears(tmp_path, net, inputs):
    """An exception inside ``with Store(...)`` before the new store is in place discards it."""
    path = tmp_path / "new.h5"
    with pytest.raises(RuntimeError, match="boom"):
        with fn.Store(path, "x") as s:
            s.create_run("r", {"repeats": 3, "seed": 1, "network": {"widths": list(net.widths)}},
                         net, inputs[:4], commit=False)
            raise RuntimeError("boom")
    assert not path.exists() and not leftovers(path)
    # "w" over an existing store: the old file stays as it was
    fn.simulate(net, inputs[:4], NOISE, repeats=3, seed=5, store=path)
    before = path.read_bytes()
    with pytest.raises(RuntimeError, match="boom"):
        with fn.Store(path, "w"):
            raise RuntimeError("boom")
    assert path.read_bytes() == before and not leftovers(path)
    # a store already in place is closed as usual: its runs stay
    with pytest.raises(RuntimeError, match="boom"):
        with fn.Store(path, "a") as s:
            fn.simulate(net, inputs[:4], NOISE, repeats=3, seed=6, store=s)
            raise RuntimeError("boom")
    with fn.Store(path) as s:
        assert s.runs() == ["run0", "run1"] and s.run("run1").status == "complete"
    # discard() of a store in place is close(): nothing is deleted
    s = fn.Store(path, "a")
    s.discard()
    assert path.exists() and not s.file.id.valid
