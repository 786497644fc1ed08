"""Convolution, pooling and flatten layers (issue 17, items 1–2): the kernels against
their NumPy twins (tests/reference.py) with given normals, in both precisions; bitwise
determinism for any thread count, block size and repetition chunk; the default noise of
pooling and flatten layers; shapes, errors and the network file form."""

from __future__ import annotations

import numpy as np
import pytest

import fastnoise as fn
from fastnoise import config as _cfg
from fastnoise.network import AvgPool2D, Conv2D, Dense, Flatten, MaxPool2D, Network

import reference as ref

NOISE = fn.Noise(additive=1e-3, multiplicative=2e-3, additive_correlated=1e-4,
                 multiplicative_correlated=2e-4)


def small_cnn(noise_at="output", count_pad=False):
    """8×8×1 → conv 3×3×4 tanh (valid) → max 2×2 → conv 3×3×3 relu (same, stride 2)
    → mean 2×2 (same) → flatten → dense 5: every geometry branch of the kernels."""
    rng = np.random.default_rng(0)
    c1 = Conv2D(rng.normal(0, 0.3, (3, 3, 1, 4)), rng.normal(0, 0.1, 4), in_shape=(8, 8, 1),
                activation="tanh", noise_at=noise_at)
    p1 = MaxPool2D(2, in_shape=c1.out_shape)
    c2 = Conv2D(rng.normal(0, 0.3, (3, 3, 4, 3)), rng.normal(0, 0.1, 3), in_shape=p1.out_shape,
                padding="same", strides=2, activation="relu", noise_at=noise_at)
    a1 = AvgPool2D(2, in_shape=c2.out_shape, padding="same", count_pad=count_pad)
    fl = Flatten(a1.out_shape)
    d = Dense(rng.normal(0, 0.3, (5, fl.out_size)), rng.normal(0, 0.1, 5), "logistic",
              noise_at=noise_at)
    return Network.from_ops((8, 8, 1), [c1, p1, c2, a1, fl, d])


def _inputs(T=6, seed=1):
    return np.random.default_rng(seed).uniform(0, 1, (T, 64))


def test_shapes_and_quiet_layers():
    net = small_cnn()
    assert net.shapes == ((8, 8, 1), (6, 6, 4), (3, 3, 4), (2, 2, 3), (1, 1, 3), (3,), (5,))
    assert net.widths == (64, 144, 36, 12, 3, 3, 5)
    assert net.quiet_layers == (2, 4, 5) and not net.is_dense and not net.is_symmetric
    noises = fn.noise.per_layer(NOISE, net)
    assert [nz.is_zero for nz in noises] == [False, False, True, False, True, True, False]
    given = [NOISE] * net.n_layers        # a per-layer list is taken as it is
    assert all(not nz.is_zero for nz in fn.noise.per_layer(given, net))


@pytest.mark.parametrize("count_pad", [False, True])
def test_forward_matches_twin(count_pad):
    net = small_cnn(count_pad=count_pad)
    u = _inputs()
    xts, xs = ref.noiseless_forward(net, u)
    fxt, fx = fn.forward(net, u)
    for n in range(net.n_layers):
        np.testing.assert_allclose(fxt[n], xts[n], rtol=0, atol=1e-13)
        np.testing.assert_allclose(fx[n], xs[n], rtol=0, atol=1e-13)


@pytest.mark.parametrize("noise_at", ["output", "input"])
@pytest.mark.parametrize("precision,tol", [("float64", 1e-12), ("float32", 2e-5)])
def test_simulate_matches_twin_with_given_normals(noise_at, precision, tol):
    net = small_cnn(noise_at=noise_at)
    u = _inputs()
    K = 12
    nv = np.random.default_rng(2).normal(size=(len(u), K, net.packed["n_normals"]))
    noises = fn.noise.per_layer(NOISE, net)
    res = fn.simulate(net, u, NOISE, repeats=K, noise_values=nv, precision=precision)
    dtype = np.float32 if precision == "float32" else np.float64
    mean, var = ref.noisy_forward(net, u, noises, nv, dtype=dtype)
    for n in range(net.n_layers):
        scale = max(np.abs(mean[n]).max(), 1e-3)
        np.testing.assert_allclose(res.mean[n], mean[n], rtol=0, atol=tol * scale)
        np.testing.assert_allclose(res.var[n], var[n], rtol=tol * 50 if precision == "float32" else tol,
                                   atol=tol * var[n].max() * 10)


def test_bitwise_for_threads_blocks_and_chunks(monkeypatch):
    net = small_cnn()
    u = _inputs(T=9)
    kw = dict(repeats=24, seed=5, samples=[(1, 7), (6, 2)], classify=True)
    base = fn.simulate(net, u, NOISE, threads=1, block=9, **kw)
    again = fn.simulate(net, u, NOISE, threads=2, block=2, **kw)
    for a, b in zip(base.var, again.var):
        assert np.array_equal(a, b)
    assert np.array_equal(base.samples[0], again.samples[0])
    # repetitions in chunks (a small budget forces chunks of 5 of the 144-wide layer):
    # the same normals, so the same samples and argmax bit for bit; the moments summed with
    # squares agree with the two-pass ones to rounding, and for any thread count exactly
    monkeypatch.setattr(_cfg, "REPEAT_BUDGET", 144 * 5)
    c1 = fn.simulate(net, u, NOISE, threads=1, block=9, **kw)
    c2 = fn.simulate(net, u, NOISE, threads=2, block=4, **kw)
    assert c1.config["repetition_chunk"] == 5 and "repetition_chunk" not in base.config
    assert np.array_equal(c1.samples[0], base.samples[0])
    assert np.array_equal(c1.predicted, base.predicted)
    for n in range(net.n_layers):
        assert np.array_equal(c1.mean[n], c2.mean[n]) and np.array_equal(c1.var[n], c2.var[n])
        np.testing.assert_allclose(c1.mean[n], base.mean[n], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(c1.var[n], base.var[n], rtol=1e-9, atol=1e-18)


def test_chunked_float32_matches_twin(monkeypatch):
    monkeypatch.setattr(_cfg, "REPEAT_BUDGET", 144 * 3)
    net = small_cnn()
    u = _inputs()
    K = 10
    nv = np.random.default_rng(3).normal(size=(len(u), K, net.packed["n_normals"]))
    res = fn.simulate(net, u, NOISE, repeats=K, noise_values=nv, precision="float32")
    assert res.config["repetition_chunk"] == 3
    mean, var = ref.noisy_forward(net, u, fn.noise.per_layer(NOISE, net), nv, dtype=np.float32)
    for n in range(net.n_layers):
        np.testing.assert_allclose(res.mean[n], mean[n], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(res.var[n], var[n], rtol=1e-3, atol=1e-3 * var[n].max())


def test_shaped_inputs_and_results():
    net = small_cnn()
    x = _inputs().reshape(-1, 8, 8, 1)
    r1 = fn.simulate(net, x, NOISE, repeats=6, seed=1)
    r2 = fn.simulate(net, x.reshape(len(x), -1), NOISE, repeats=6, seed=1)
    assert all(np.array_equal(a, b) for a, b in zip(r1.var, r2.var))
    assert r1.mean[1].shape == (6, 144)


def test_network_file_round_trip(tmp_path):
    net = small_cnn(count_pad=True)
    net.save(tmp_path / "cnn.h5")
    back = fn.Network.load(tmp_path / "cnn.h5")
    assert back.digest() == net.digest() and back.shapes == net.shapes
    assert [type(op) for op in back.ops] == [type(op) for op in net.ops]
    assert back.ops[3].count_pad and back.ops[2].padding == net.ops[2].padding
    u = _inputs()
    for a, b in zip(fn.forward(back, u)[1], fn.forward(net, u)[1]):
        assert np.array_equal(a, b)
    # dense networks keep their old config (no "layers")
    assert "layers" not in fn.random_dense([4, 3, 2]).to_config()
    assert "layers" in net.to_config()


def test_same_padding_and_output_sizes():
    k = np.zeros((3, 3, 1, 2))
    assert Conv2D(k, in_shape=(28, 28, 1)).out_shape == (26, 26, 2)
    assert Conv2D(k, in_shape=(28, 28, 1), padding="same").out_shape == (28, 28, 2)
    c = Conv2D(k, in_shape=(7, 8, 1), padding="same", strides=2)
    assert c.out_shape == (4, 4, 2) and c.padding == (1, 1, 0, 1)   # odd pad right, as Keras
    assert Conv2D(np.zeros((5, 5, 1, 1)), in_shape=(6, 6, 1), padding=2).padding == (2, 2, 2, 2)
    assert MaxPool2D(2, in_shape=(5, 5, 3)).out_shape == (2, 2, 3)
    assert MaxPool2D(2, in_shape=(5, 5, 3), padding="same").out_shape == (3, 3, 3)
    assert MaxPool2D((3, 2), strides=1, in_shape=(5, 5, 3)).out_shape == (3, 4, 3)


@pytest.mark.parametrize("build,match", [
    (lambda: Conv2D(np.zeros((3, 3, 2, 4)), in_shape=(8, 8, 1)), r"kernel takes 2 input channels"),
    (lambda: Conv2D(np.zeros((3, 3, 1)), in_shape=(8, 8, 1)), r"kernel must be 4-D"),
    (lambda: Conv2D(np.zeros((3, 3, 1, 2))), r"needs in_shape"),
    (lambda: Conv2D(np.zeros((9, 9, 1, 2)), in_shape=(8, 8, 1)), r"9×9 window does not fit"),
    (lambda: Conv2D(np.zeros((3, 3, 1, 2)), in_shape=(8, 8, 1), padding="full"), r"padding must be"),
    (lambda: Conv2D(np.zeros((3, 3, 1, 2)), np.zeros(3), in_shape=(8, 8, 1)), r"bias has 3 entries"),
    (lambda: Conv2D(np.full((3, 3, 1, 2), np.nan), in_shape=(8, 8, 1)), r"contains nan"),
    (lambda: MaxPool2D(0, in_shape=(4, 4, 1)), r"pool_size must be an integer ≥ 1"),
    (lambda: MaxPool2D(2, in_shape=(4, 4)), r"in_shape must be \(height, width, channels\)"),
    (lambda: MaxPool2D(2, in_shape=(4, 4, 1), padding=2), r"without a value of the map"),
    (lambda: Network.from_ops((8, 8, 1), [MaxPool2D(2, in_shape=(8, 8, 2))]),
     r"layer 1: maxpool2d operation takes inputs of shape \(8, 8, 2\)"),
])
def test_errors(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_dense_only_methods_refuse_with_one_line():
    net = small_cnn()
    with pytest.raises(ValueError, match=r"takes dense layers only, but layer 1 is conv2d"):
        net.check_dense("this method")


def test_store_labels_feature_maps_for_xarray(tmp_path):
    xr = pytest.importorskip("xarray")
    net = small_cnn()
    u = _inputs()
    with fn.open_store(tmp_path / "s.h5", "w") as st:
        res = fn.simulate(net, u, NOISE, repeats=4, seed=1, store=st)
    with xr.open_dataset(tmp_path / "s.h5", group="runs/run0", engine="h5netcdf") as ds:
        var = ds["var_1"]                                  # the first convolution's map, (6, 6, 4)
        assert var.dims == ("input", "neuron_1")
        assert set(var.coords) >= {"row_1", "col_1", "channel_1"}
        assert ds["var_1"].attrs["map_shape"].tolist() == [6, 6, 4]
        maps = var.set_index(neuron_1=["row_1", "col_1", "channel_1"]).unstack("neuron_1")
        assert maps.dims == ("input", "row_1", "col_1", "channel_1")
        np.testing.assert_array_equal(maps.values, res.var[1].reshape(-1, 6, 6, 4))
        assert "row_5" not in ds and "row_0" in ds          # a flatten layer is a vector


def test_sweep_over_a_cnn(tmp_path):
    from fastnoise.sweep.runner import run_sweep
    from fastnoise.sweep.spec import loads_sweep

    small_cnn().save(tmp_path / "cnn.h5")
    (tmp_path / "base.toml").write_text(
        'repeats = 4\nseed = 1\n[network]\nkind = "file"\npath = "cnn.h5"\n'
        '[noise]\nadditive = 1e-3\n[inputs]\nkind = "uniform"\ncount = 3\n')
    sweep = loads_sweep('config = "base.toml"\n[[axes]]\nkey = "noise.additive"\nvalues = [1e-4, 1e-3]\n',
                        base_dir=tmp_path)
    summary = run_sweep(sweep, tmp_path / "sw.h5", progress=False, workers=1)
    table = fn.stats.sweep_table(tmp_path / "sw.h5")
    assert len(table) >= 2 and summary is not None
    with fn.open_store(tmp_path / "sw.h5") as st:       # each point's run keeps the network
        nets = [st.run(name).network() for name in st.runs()]
    assert all(n.digest() == small_cnn().digest() for n in nets)


def _per_channel(net):
    return net.with_correlated("channel")


@pytest.mark.parametrize("precision,tol", [("float64", 1e-12), ("float32", 2e-5)])
def test_correlated_noise_per_channel_matches_twin(precision, tol):
    net = _per_channel(small_cnn())
    assert net.noise_groups == (1, 4, 1, 3, 1, 1, 1)
    assert net.packed["n_normals"] == sum(net.widths) + 2 * sum(net.noise_groups)
    u = _inputs()
    K = 10
    nv = np.random.default_rng(6).normal(size=(len(u), K, net.packed["n_normals"]))
    res = fn.simulate(net, u, NOISE, repeats=K, noise_values=nv, precision=precision)
    dtype = np.float32 if precision == "float32" else np.float64
    mean, var = ref.noisy_forward(net, u, fn.noise.per_layer(NOISE, net), nv, dtype=dtype)
    for n in range(net.n_layers):
        np.testing.assert_allclose(res.mean[n], mean[n], rtol=0, atol=tol * max(np.abs(mean[n]).max(), 1e-3))
        np.testing.assert_allclose(res.var[n], var[n], rtol=tol * 50, atol=tol * var[n].max() * 10)


def test_correlated_per_channel_is_independent_between_channels():
    """Only correlated additive noise on the first convolution: within a channel the
    neurons move together (correlation 1), across channels independently (≈ 0)."""
    net = _per_channel(small_cnn())
    noise = [fn.Noise()] + [fn.Noise(additive_correlated=1e-3)] + [fn.Noise()] * 5
    K = 4000
    res = fn.simulate(net, _inputs(T=1), noise, repeats=K, seed=2, samples=[(1, 0), (1, 4), (1, 1)])
    s = res.samples[0][0]                          # neurons 0, 4: channel 0; neuron 1: channel 1
    assert np.corrcoef(s[:, 0], s[:, 1])[0, 1] > 0.999
    assert abs(np.corrcoef(s[:, 0], s[:, 2])[0, 1]) < 4 / np.sqrt(K)


def test_correlated_per_channel_in_files_and_configs(tmp_path):
    net = _per_channel(small_cnn())
    net.save(tmp_path / "c.h5")
    back = fn.Network.load(tmp_path / "c.h5")
    assert back.noise_groups == net.noise_groups and back.digest() == net.digest()
    assert small_cnn().digest() != net.digest()
    (tmp_path / "r.toml").write_text('repeats = 4\n[network]\nkind = "file"\npath = "c.h5"\n'
                                     'correlated = "layer"\n[noise]\nadditive_correlated = 1e-3\n'
                                     '[inputs]\nkind = "uniform"\ncount = 2\n')
    from fastnoise.runconfig import load_config

    cfg = load_config(tmp_path / "r.toml")
    assert cfg.network.noise_groups == (1,) * 7 and cfg.network.digest() == small_cnn().digest()
    with pytest.raises(ValueError, match=r"correlated must be 'layer' or 'channel'"):
        net.with_correlated("neuron")
    with pytest.raises(ValueError, match=r"applies to convolution layers"):
        fn.random_dense([3, 2]).with_correlated("channel")
