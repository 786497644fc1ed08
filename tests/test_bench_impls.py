"""The benchmark peers (benchmarks/numpy_impl.py, benchmarks/torch_impl.py) simulate the
same model as fastnoise.

With all noise off they must reproduce the noiseless forward pass; with noise,
their per-neuron means and variances must agree with fastnoise's within
Monte Carlo error.  Two independent means of K samples differ by
N(0, (σ₁² + σ₂²)/K); two independent unbiased variances of K (nearly)
Gaussian samples each have relative errors √(2/(K−1)), so their ratio's log
has standard deviation ≈ √(2 · 2/(K−1)) = 2/√(K−1).  Every neuron and input
must lie within a Bonferroni-corrected 1e-3 normal quantile (z ≈ 4.5 here).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import fastnoise as fn
from benchmarks.numpy_impl import simulate_numpy

NOISE = fn.Noise(additive=1e-4, additive_correlated=1e-4, multiplicative=1e-3,
                 multiplicative_correlated=1e-3)
NETS = {"symmetric": fn.symmetric([1, 30, 30, 1], alpha=4.0),
        "dense": fn.random_dense([6, 20, 10, 3], activation="logistic", seed=4)}


def _peers():
    out = {"numpy": lambda net, u, nz, K: simulate_numpy(net, u, nz, K, seed=3)}
    try:
        from benchmarks.torch_impl import simulate_torch
        import torch  # noqa: F401
    except ImportError:
        return out
    out["torch32"] = lambda net, u, nz, K: simulate_torch(net, u, nz, K, seed=3, block=4)
    out["torch64"] = lambda net, u, nz, K: simulate_torch(net, u, nz, K, seed=3, block=4,
                                                          dtype="float64")
    return out


PEERS = _peers()


@pytest.mark.parametrize("peer", sorted(PEERS))
@pytest.mark.parametrize("name", sorted(NETS))
def test_noiseless_peer_equals_forward(peer, name):
    net = NETS[name]
    u = np.random.default_rng(1).uniform(0, 1, (7, net.widths[0]))
    means, vars_ = PEERS[peer](net, u, fn.Noise(), 3)  # 7 inputs: blocks of 4 and 3
    _, x = fn.forward(net, u)
    rtol = 1e-5 if peer == "torch32" else 1e-12
    for n in range(net.n_layers):
        np.testing.assert_allclose(means[n], x[n], rtol=rtol, atol=rtol)
        assert np.all(vars_[n] <= rtol ** 2)  # K identical values: zero up to rounding


def _assert_moments_agree(res, means, vars_, K, layers):
    """Means and variances of ``layers`` within Monte Carlo error (see the module doc)."""
    z_mean = np.concatenate([((means[n] - res.mean[n]) / np.sqrt((vars_[n] + res.var[n]) / K))
                             .ravel() for n in layers])
    r = np.concatenate([(vars_[n] / res.var[n]).ravel() for n in layers])
    z_var = np.log(r) / (2.0 / np.sqrt(K - 1))
    bound = stats.norm.ppf(1 - 1e-3 / (2 * r.size))
    assert np.max(np.abs(z_mean)) < bound, f"mean: worst z {np.max(np.abs(z_mean)):.2f} > {bound:.2f}"
    assert np.max(np.abs(z_var)) < bound, f"variance: worst z {np.max(np.abs(z_var)):.2f} > {bound:.2f}"


@pytest.mark.parametrize("peer", sorted(PEERS))
@pytest.mark.parametrize("name", sorted(NETS))
def test_peer_moments_agree_with_fastnoise(peer, name):
    net = NETS[name]
    K = 2000
    u = np.random.default_rng(2).uniform(0, 1, (6, net.widths[0]))
    res = fn.simulate(net, u, NOISE, repeats=K, seed=11)
    means, vars_ = PEERS[peer](net, u, NOISE, K)
    for n in range(net.n_layers):
        assert means[n].shape == vars_[n].shape == res.mean[n].shape == (6, net.widths[n])
    _assert_moments_agree(res, means, vars_, K, range(net.n_layers))


#: The A100 noise (additive after every activation) and all four kinds.
ADDITIVE = fn.Noise(additive=1e-4)


@pytest.mark.parametrize("peer", ["torch32", "torch64"])
@pytest.mark.parametrize("first,layer_noise", [(1, ADDITIVE), (1, NOISE), (2, NOISE)],
                         ids=["in0-additive", "in0-all", "in01-all"])
def test_torch_shared_prefix_moments_agree_with_fastnoise(peer, first, layer_noise):
    """The PyTorch peer's shared prefix (noiseless layers and the first noisy
    layer's x̃ once per input, expanded to the K repetitions there) simulates
    fastnoise's model: noiseless layers are the forward pass with zero
    variance, the noisy ones agree within Monte Carlo error."""
    if peer not in PEERS:
        pytest.skip("torch is not importable")
    net = NETS["dense"]
    noise = [fn.Noise() if n < first else layer_noise for n in range(net.n_layers)]
    K = 2000
    u = np.random.default_rng(12).uniform(0, 1, (7, net.widths[0]))  # blocks of 4 and 3
    res = fn.simulate(net, u, noise, repeats=K, seed=13)
    means, vars_ = PEERS[peer](net, u, noise, K)
    _, x = fn.forward(net, u)
    rtol = 1e-5 if peer == "torch32" else 1e-12
    for n in range(first):
        np.testing.assert_allclose(means[n], x[n], rtol=rtol, atol=rtol)
        assert np.all(vars_[n] == 0.0) and np.all(res.var[n] == 0.0)
    _assert_moments_agree(res, means, vars_, K, range(first, net.n_layers))


def test_torch_shared_prefix_block_and_prefix_shapes():
    """The shared prefix keeps every block size's result within rounding of the
    noiseless forward pass; _common's counts follow fastnoise's prefix."""
    pytest.importorskip("torch")
    from benchmarks import _common as c
    from benchmarks.torch_impl import simulate_torch

    net = NETS["dense"]
    u = np.random.default_rng(14).uniform(0, 1, (5, net.widths[0]))
    noise = [fn.Noise(), fn.Noise(), ADDITIVE, ADDITIVE]
    for block in (1, 2, 5, 16):
        means, vars_ = simulate_torch(net, u, noise, 30, seed=2, block=block, dtype="float64")
        _, x = fn.forward(net, u)
        for n in range(2):
            np.testing.assert_allclose(means[n], x[n], rtol=1e-12, atol=1e-12)
            assert np.all(vars_[n] == 0.0)
        assert np.all(vars_[2] > 0.0) and np.all(vars_[3] > 0.0)
    assert c.first_noisy(noise, 4) == 2 and c.first_noisy(fn.Noise(), 4) == 4
    assert c.first_noisy(NOISE, 4) == 0
    assert c.shared_gemm_shapes([6, 20, 10, 3], 30, 2) == [(1, 6, 20), (1, 20, 10), (30, 10, 3)]
    assert c.noisy_normals([6, 20, 10, 3], noise, 30, 5) == (12 + 5) * 30 * 5
    assert c.noisy_normals([6, 20, 10, 3], fn.Noise(additive_correlated=1e-3), 2, 1) == 4 * 2 * 2
    assert c.noisy_normals(c.WA_WIDTHS, c.a100_noise("A100"), c.A100_K, c.A100_T) == 120_200_000
    assert c.noisy_normals(c.WA_WIDTHS, c.a100_noise("A100in0"), c.A100_K, c.A100_T) == 41_600_000
    # A100's additive input noise is drawn in layer 1's space: 202 normals instead of 786
    assert c.projected_input(c.wa_network(), c.wa_inputs(2), c.a100_noise("A100"), c.A100_K)
    assert not c.projected_input(c.wa_network(), c.wa_inputs(2), c.a100_noise("A100in0"), c.A100_K)
    assert c.noisy_normals(c.WA_WIDTHS, c.a100_noise("A100"), c.A100_K, c.A100_T,
                           projected=True) == 61_800_000
    assert c.shared_gemm_shapes([6, 4, 3], 30, 0, projected=True) == [(1, 6, 4), (30, 5, 4), (30, 4, 3)]


def test_own_normals_floor_draws_fastnoises_normals():
    """The floor's (e) draws with fastnoise's generator: its checksum is the sum over
    layers and repetitions of each block's first normal, as fill_normals(32) give it."""
    from benchmarks import _common as c
    from fastnoise.kernels import fill_normals, fill_normals32, normals_size

    counts = np.array([0, 7, 3], np.int64)
    for dt, fill in ((np.float64, fill_normals), (np.float32, fill_normals32)):
        out = np.empty(4)
        c.own_normals(counts, 5, 4, np.zeros(1, dt), out)
        want = np.zeros(4)
        z = np.zeros(normals_size(7), dt)
        for t in range(4):
            for n in (1, 2):
                for k in range(5):
                    fill(int(counts[n]), np.uint64(k), np.uint64(t), np.uint64(n), np.uint64(1),
                         np.uint64(0), z)
                    want[t] += float(z[0])
        np.testing.assert_array_equal(out, want)
        assert np.all(out != 0.0)


@pytest.mark.parametrize("name", ["A100in0", "A100"])
def test_compare_shared_workload_runs(capsys, name, tmp_path):
    """compare.py's A100-style measurement and report on a small network, one round;
    with a noisy input (A100) the floor follows fastnoise's projected input noise."""
    from benchmarks import compare

    net = fn.random_dense([12, 8, 6, 3], activation="logistic", seed=3)
    u = np.random.default_rng(15).uniform(0, 1, (6, 12))
    noise = [fn.Noise() if name == "A100in0" else ADDITIVE, ADDITIVE, ADDITIVE, ADDITIVE]
    w = compare._SharedWorkload(name, net, u, noise, 20)
    if name == "A100in0":
        assert not w.projected and w.shapes == [(1, 12, 8), (20, 8, 6), (20, 6, 3)]
        assert sum(w.normal_counts) == w.n_normals == (8 + 2 + 6 + 2 + 3 + 2) * 20 * 6
    else:
        assert w.projected and w.shapes == [(1, 12, 8), (20, 9, 8), (20, 8, 6), (20, 6, 3)]
        assert sum(w.normal_counts) == w.n_normals == (10 + 8 + 2 + 6 + 2 + 3 + 2) * 20 * 6
    r = compare._run_shared(w, 1, log=lambda s: None)
    assert r["var_ratio_fastnoise_over_torch"] == {} or all(
        (v["layer0"] == "both 0") == (name == "A100in0")
        for v in r["var_ratio_fastnoise_over_torch"].values())
    text = "\n".join(compare._format_shared(name, r))
    assert "floor float32 = (c) + (d)" in text and "own floor float32 = (c) + (e)" in text
    assert "fastnoise32/own_floor_float32" in text and "(e) fastnoise's generator, float32" in text
    png = tmp_path / "perf.png"
    compare.plot({name: r}, str(png), "title")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    n_targets = len(compare.TARGETS[name])
    assert text.count(" -> PASS") + text.count(" -> FAIL") == n_targets


@pytest.mark.parametrize("name", sorted(NETS))
def test_peers_are_reproducible_and_seeded(name):
    net = NETS[name]
    u = np.random.default_rng(5).uniform(0, 1, (3, net.widths[0]))
    for peer in PEERS:
        a, b = PEERS[peer](net, u, NOISE, 50), PEERS[peer](net, u, NOISE, 50)
        for n in range(net.n_layers):
            np.testing.assert_array_equal(a[0][n], b[0][n])
            np.testing.assert_array_equal(a[1][n], b[1][n])


def test_torch_options():
    torch = pytest.importorskip("torch")
    from benchmarks.torch_impl import simulate_torch

    net = NETS["dense"]
    u = np.random.default_rng(6).uniform(0, 1, (5, net.widths[0]))
    before = torch.get_num_threads()
    a = simulate_torch(net, u, NOISE, 40, seed=2, dtype=torch.float64, threads=1)
    assert torch.get_num_threads() == before  # restored
    b = simulate_torch(net, u, NOISE, 40, seed=2, dtype=np.float64)
    for n in range(net.n_layers):
        np.testing.assert_array_equal(a[0][n], b[0][n])
        assert a[1][n].dtype == np.float64
    # the block size changes only how the normals are consumed, not the model
    c = simulate_torch(net, u, fn.Noise(), 3, block=2)
    d = simulate_torch(net, u, fn.Noise(), 3, block=16)
    for n in range(net.n_layers):
        np.testing.assert_allclose(c[0][n], d[0][n], rtol=1e-6)
    with pytest.raises(ValueError, match="dtype"):
        simulate_torch(net, u, NOISE, 4, dtype="float16")


def test_torch_per_layer_noise_and_all_activations():
    pytest.importorskip("torch")
    from benchmarks.torch_impl import ACTIVATIONS, simulate_torch

    rng = np.random.default_rng(8)
    for act in ACTIVATIONS:
        net = fn.random_dense([2, 5, 3], activation=act, seed=1)
        u = rng.uniform(0, 1, (4, 2))
        means, _ = simulate_torch(net, u, fn.Noise(), 2, dtype="float64")
        _, x = fn.forward(net, u)
        for n in range(net.n_layers):
            np.testing.assert_allclose(means[n], x[n], rtol=1e-12, atol=1e-12, err_msg=act)
    # noise on the input layer only: the hidden/output variances follow from it
    net = fn.random_dense([2, 5, 3], activation="linear", seed=1)
    noises = [fn.Noise(additive=1e-2), fn.Noise(), fn.Noise()]
    _, v = simulate_torch(net, rng.uniform(0, 1, (2, 2)), noises, 4000, dtype="float64")
    np.testing.assert_allclose(v[0], 2e-2, rtol=0.15)
    w1 = np.asarray(net.weights[1])
    np.testing.assert_allclose(v[1], np.broadcast_to(2e-2 * (w1 ** 2).sum(axis=1), v[1].shape),
                               rtol=0.15)


def test_sweep_scaling_plot_and_refusal(tmp_path, capsys):
    """benchmarks/sweep_scaling.py: the bar chart, and no existing file replaced."""
    pytest.importorskip("matplotlib")
    from benchmarks import sweep_scaling

    rows = [("float64", 1, 1, 2.3, 22.9, 27.2), ("float64", 2, 1, 2.7, 36.2, 53.6)]
    out = tmp_path / "scaling.png"
    sweep_scaling.plot(rows, str(out), 2)
    assert out.read_bytes().startswith(b"\x89PNG")
    for flag in ("--plot", "--json"):  # refused before any sweep runs
        with pytest.raises(SystemExit) as exc:
            sweep_scaling.main([flag, str(out)])
        assert exc.value.code == 2
        assert f"{out} exists" in capsys.readouterr().err
    assert out.read_bytes().startswith(b"\x89PNG")


# -- the convolutional peer (benchmarks/torch_cnn_impl.py, issue 17) --------------------
@pytest.mark.parametrize("count_pad", [False, True])
def test_torch_cnn_peer_noiseless_equals_forward(count_pad):
    pytest.importorskip("torch")
    from benchmarks.torch_cnn_impl import simulate_torch_cnn
    from test_conv import small_cnn

    net = small_cnn(count_pad=count_pad)
    u = np.random.default_rng(1).uniform(0, 1, (5, 64))
    means, vars_ = simulate_torch_cnn(net, u, fn.Noise(), 3, block=2, dtype="float64")
    _, x = fn.forward(net, u)
    for n in range(net.n_layers):
        np.testing.assert_allclose(means[n], x[n], rtol=1e-12, atol=1e-12)
        assert np.all(vars_[n] <= 1e-24)


def test_torch_cnn_peer_moments_agree_with_fastnoise():
    pytest.importorskip("torch")
    from benchmarks.torch_cnn_impl import simulate_torch_cnn
    from test_conv import small_cnn

    net = small_cnn()
    K = 2000
    u = np.random.default_rng(2).uniform(0, 1, (4, 64))
    res = fn.simulate(net, u, NOISE, repeats=K, seed=11)
    means, vars_ = simulate_torch_cnn(net, u, NOISE, K, seed=3, block=3, dtype="float64")
    layers = range(net.n_layers)
    for n in layers:   # a ReLU neuron that never fires has no variance in either
        both = (res.var[n] == 0) & (vars_[n] == 0)
        res.var[n][both] = vars_[n][both] = 1.0
    _assert_moments_agree(res, means, vars_, K, layers)


def test_cnn_compare_runs(capsys, tmp_path):
    pytest.importorskip("torch")
    from benchmarks import cnn_compare

    out = tmp_path / "cnn.json"
    assert cnn_compare.main(["--random", "--T", "3", "--K", "4", "--repeats", "1",
                             "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "torch_float32/fastnoise_float32" in text and "floor (GEMMs + own normals" in text
    import json

    got = json.load(open(out))
    assert got["K"] == 4 and set(got["medians_s"]) >= {"fastnoise_float32", "torch_float32",
                                                       "gemms_float32", "own_normals_float32"}


def test_compare_cnn_workload_dispatches(monkeypatch, tmp_path):
    from benchmarks import cnn_compare, compare

    seen = []
    monkeypatch.setattr(cnn_compare, "main", lambda argv: seen.append(argv) or 0)
    assert compare.main(["--workloads", "cnn", "--quick", "--repeats", "2",
                         "--json", str(tmp_path / "r.json")]) == 0
    assert seen == [["--repeats", "2", "--T", "200", "--json", str(tmp_path / "r_cnn.json")]]
