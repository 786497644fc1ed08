"""Reservoirs (issue 18, first steps): the model, the kernel and its NumPy twin.

* The kernel equals a plain NumPy twin given the same normals, open and closed loop,
  noise at output and input, leaky and not.
* Bitwise the same for any thread count and any cut of time into blocks.
* Noiseless, the K repetitions equal the NumPy trajectory (:meth:`Reservoir.run`),
  and that equals reservoirpy's own run of the same matrices.
* A linear reservoir with uncorrelated additive noise against the exact covariance
  recursion Σ(t) = W Σ(t−1) Wᵀ + 2D I, within 5 Monte Carlo s.e.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

import fastnoise as fn
from fastnoise.engine.recurrent import simulate_reservoir

ALL = fn.Noise(additive=1e-3, multiplicative=2e-3, additive_correlated=5e-4,
               multiplicative_correlated=1e-3)


def _eq3(x, z, amp):
    """Eq. 3 on a (K, I) block with normals z (K, I + 2), the kernel's one-normal form."""
    a_mu, a_au, a_mc, a_ac = amp
    cm = 1.0 + a_mc * z[:, :1]
    ca = a_ac * z[:, 1:2]
    xc = x * cm
    if a_mu or a_au:
        return xc + ca + np.sqrt((a_mu * xc) ** 2 + a_au ** 2) * z[:, 2:]
    return xc + ca


def _twin(esn, u, noises, z, mode="open", washout=0, values=None):
    """Mean and variance per layer and step, in NumPy, with the normals z (T, K, Σ(I_n + 2));
    ``values``, a list, receives each step's noisy outputs of the three layers, (K, I_n) each."""
    T, K, _ = z.shape
    widths = esn.widths
    bases = np.cumsum([0] + [w + 2 for w in widths])
    amps = [nz.amplitudes for nz in noises]
    W = esn.w_csr.toarray()
    r = np.zeros((K, esn.units))
    y = np.zeros((K, widths[2]))
    mean = [np.empty((T, w)) for w in widths]
    var = [np.empty((T, w)) for w in widths]

    def zs(t, n):
        return z[t, :, bases[n]:bases[n + 1]]
    for t in range(T):
        x0 = y if (mode == "closed" and t >= washout) else np.broadcast_to(u[t], (K, widths[0]))
        x0 = _eq3(x0, zs(t, 0), amps[0])
        s = r @ W.T + x0 @ esn.w_in.T + esn.bias
        if esn.noise_at[0] == "input":
            s = _eq3(s, zs(t, 1), amps[1])
        r = (1 - esn.leak) * r + esn.leak * esn.activation(s)
        if esn.noise_at[0] == "output":
            r = _eq3(r, zs(t, 1), amps[1])
        s = r @ esn.w_out.T + esn.b_out
        if esn.noise_at[1] == "input":
            s = _eq3(s, zs(t, 2), amps[2])
        y = esn.readout_activation(s)
        if esn.noise_at[1] == "output":
            y = _eq3(y, zs(t, 2), amps[2])
        for n, v in enumerate((x0, r, y)):
            mean[n][t], var[n][t] = v.mean(axis=0), v.var(axis=0, ddof=1)
        if values is not None:
            values.append((x0.copy(), r.copy(), y.copy()))
    return mean, var


def _esn(units=30, inputs=2, outputs=2, leak=1.0, noise_at=("output", "output"), kind="uniform"):
    esn = fn.reservoir(units, inputs, outputs, kind=kind, leak=leak, noise_at=noise_at, seed=7,
                       bias=0.1, input_scaling=0.5)
    rng = np.random.default_rng(2)
    return esn.with_readout(rng.normal(0, 0.3, (outputs, units)), rng.normal(0, 0.1, outputs))


@pytest.mark.parametrize("mode", ["open", "closed"])
@pytest.mark.parametrize("leak, noise_at", [(1.0, ("output", "output")), (0.3, ("input", "input")),
                                            (0.6, ("output", "input"))])
def test_kernel_equals_numpy_twin(mode, leak, noise_at):
    esn = _esn(leak=leak, noise_at=noise_at)
    T, K = 40, 6
    u = np.random.default_rng(0).uniform(-1, 1, (T, 2))
    z = np.random.default_rng(1).standard_normal((T, K, sum(w + 2 for w in esn.widths)))
    noises = [ALL, fn.Noise(additive=2e-3, multiplicative_correlated=1e-3), ALL]
    got = simulate_reservoir(esn, u, noises, K, mode=mode, washout=10, noise_values=z, block=7)
    mean, var = _twin(esn, u, noises, z, mode, washout=10)
    for n in range(3):
        np.testing.assert_allclose(got.mean[n], mean[n], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(got.var[n], var[n], rtol=1e-8, atol=1e-15)


@pytest.mark.parametrize("mode", ["open", "closed"])
def test_samples_and_histograms_equal_the_twin(mode):
    """Raw samples and per-step histograms of every layer: the twin's values, binned as
    tests/reference.histogram_counts."""
    from reference import histogram_counts

    esn = _esn(noise_at=("output", "input"))
    T, K = 30, 5
    u = np.random.default_rng(0).uniform(-1, 1, (T, 2))
    z = np.random.default_rng(1).standard_normal((T, K, sum(w + 2 for w in esn.widths)))
    pairs = [(0, 1), (1, 0), (1, 29), (2, 1)]
    ranges = [(-1.2, 1.2), (-0.8, 0.8), (-1.0, 1.5)]
    got = simulate_reservoir(esn, u, ALL, K, mode=mode, washout=10, noise_values=z, block=7,
                             samples=pairs, histogram={"bins": 9, "range": ranges})
    values = []
    _twin(esn, u, [ALL] * 3, z, mode, washout=10, values=values)
    want = np.stack([np.stack([values[t][n][:, i] for n, i in pairs], axis=1) for t in range(T)])
    np.testing.assert_allclose(got.samples[0], want, rtol=1e-12, atol=1e-14)
    assert got.samples[0].shape == (T, K, 4)
    counts, lo, hi = got.histogram
    assert np.array_equal(lo, [r[0] for r in ranges]) and np.array_equal(hi, [r[1] for r in ranges])
    for n in range(3):
        expect = sum(histogram_counts(values[t][n], *ranges[n], 9) for t in range(T))
        assert np.array_equal(counts[n], expect), n
        assert counts[n][0] > 0 or counts[n][-1] > 0 or n == 1   # the ranges cut some values
    with pytest.raises(ValueError, match="sample layer 3 out of range 0..2"):
        simulate_reservoir(esn, u, ALL, K, samples=[(3, 0)])
    with pytest.raises(ValueError, match="labels= classifies independent inputs"):
        fn.simulate(esn, u, ALL, K, labels=np.zeros(T, int))


def test_bitwise_the_same_for_any_thread_count_and_block():
    import numba

    esn = _esn(units=40)
    u = np.random.default_rng(0).uniform(-1, 1, (50, 2))
    extra = dict(samples=[(1, 5), (2, 1)], histogram=(20, (-1.0, 1.0)))
    runs = [simulate_reservoir(esn, u, ALL, 9, seed=5, threads=1, block=50, **extra),
            simulate_reservoir(esn, u, ALL, 9, seed=5, threads=min(2, numba.config.NUMBA_NUM_THREADS),
                               block=3, **extra),
            fn.simulate(esn, u, ALL, 9, seed=5, block=17, **extra)]
    for other in runs[1:]:
        for a, b in zip(runs[0].mean + runs[0].var, other.mean + other.var):
            assert np.array_equal(a, b)
        assert np.array_equal(runs[0].samples[0], other.samples[0])
        assert np.array_equal(runs[0].histogram[0], other.histogram[0])
    another = simulate_reservoir(esn, u, ALL, 9, seed=6)
    assert not np.array_equal(another.var[1], runs[0].var[1])


@pytest.mark.parametrize("kind", ["uniform", "normal", "band"])
def test_noiseless_repetitions_follow_the_trajectory(kind):
    esn = _esn(kind=kind, leak=0.5)
    u = np.random.default_rng(0).uniform(-1, 1, (30, 2))
    res = fn.simulate(esn, u, None, repeats=3)
    xt, x = fn.forward(esn, u)
    for n in range(3):
        np.testing.assert_allclose(res.mean[n], x[n], rtol=0, atol=1e-13)
        assert np.all(res.var[n] <= 1e-28)


def test_closed_loop_feeds_the_readout_back():
    esn = _esn(inputs=2, outputs=2)
    u = np.random.default_rng(0).uniform(-1, 1, (20, 2))
    _, x = esn.run(u, mode="closed", washout=5)
    np.testing.assert_array_equal(x[0][:5], u[:5])
    np.testing.assert_array_equal(x[0][6:], x[2][5:-1])
    with pytest.raises(ValueError, match="closed loop feeds the readout back"):
        _esn(inputs=2, outputs=1).run(u, mode="closed")


def test_band_matrix_and_spectral_radius():
    esn = fn.reservoir(50, kind="band", bandwidth=2, spectral_radius=0.8, seed=1)
    w = esn.w_csr.toarray()
    i, j = np.nonzero(w)
    assert np.all(np.abs(i - j) <= 2)
    assert abs(np.max(np.abs(np.linalg.eigvals(w))) - 0.8) < 1e-10
    dense = fn.reservoir(200, connectivity=0.1, seed=1)
    assert 0.07 < dense.w_csr.nnz / 200 ** 2 < 0.13


def test_bad_arguments_are_refused_in_one_line():
    esn = _esn()
    with pytest.raises(ValueError, match=r"inputs must have shape \(T, 2\)"):
        fn.simulate(esn, np.ones((5, 3)), ALL, 4)
    with pytest.raises(ValueError, match="leak must be in"):
        fn.reservoir(10, leak=0.0)
    with pytest.raises(ValueError, match="classify= classifies independent inputs"):
        fn.simulate(esn, np.ones((5, 2)), ALL, 4, classify=True)
    with pytest.raises(ValueError, match="mode= is for reservoirs"):
        fn.simulate(fn.random_dense([2, 3, 1]), np.ones((3, 2)), ALL, 4, mode="closed")


def test_noiseless_run_equals_reservoirpy():
    from reservoirpy.nodes import Reservoir as RpyReservoir   # a test extra: never skipped

    node = RpyReservoir(units=60, lr=0.4, sr=0.9, input_scaling=0.7, rc_connectivity=0.1, bias=0.0,
                        seed=3)
    u = np.random.default_rng(0).uniform(-1, 1, (80, 1))
    states = node.run(u)
    w = node.W if sparse.issparse(node.W) else np.asarray(node.W)
    esn = fn.Reservoir(node.Win, w, np.zeros((1, 60)), np.broadcast_to(node.bias, 60),
                       leak=0.4, activation="tanh")
    _, x = fn.forward(esn, u)
    np.testing.assert_allclose(x[1], states, rtol=0, atol=1e-13)
    res = fn.simulate(esn, u, None, repeats=2)
    np.testing.assert_allclose(res.mean[1], states, rtol=0, atol=1e-13)


def test_linear_reservoir_against_the_covariance_recursion():
    esn = fn.reservoir(20, activation="linear", spectral_radius=0.8, seed=4)
    T, K, D = 30, 20000, 1e-3
    u = np.random.default_rng(0).uniform(-1, 1, (T, 1))
    noise = [fn.Noise(), fn.Noise(additive=D), fn.Noise()]
    res = fn.simulate(esn, u, noise, repeats=K, seed=2)
    W = esn.w_csr.toarray()
    cov = np.zeros((20, 20))
    want = []
    for _ in range(T):
        cov = W @ cov @ W.T + 2 * D * np.eye(20)
        want.append(np.diag(cov))
    want = np.array(want)
    # the s.e. of a sample variance is √(2/(K−1)) of it
    np.testing.assert_allclose(res.var[1], want, rtol=5 * np.sqrt(2 / (K - 1)))
    np.testing.assert_allclose(res.mean[1], fn.forward(esn, u)[1][1],
                               atol=5 * np.sqrt(want.max() / K))


def test_float32_kernel_against_the_twin():
    """float32 states (the vectorised tanh32, float32 Eq. 3) against the float64 twin with the
    same normals: agreement to float32 rounding, a few 1e-6 of the values' scale."""
    esn = _esn(leak=0.7)
    T, K = 30, 8
    u = np.random.default_rng(0).uniform(-1, 1, (T, 2))
    z = np.random.default_rng(1).standard_normal((T, K, sum(w + 2 for w in esn.widths)))
    z = z.astype(np.float32).astype(np.float64)
    got = simulate_reservoir(esn, u, ALL, K, noise_values=z, precision="float32")
    mean, var = _twin(esn, u, [ALL] * 3, z)
    for n in range(3):
        scale = np.abs(mean[n]).max()
        np.testing.assert_allclose(got.mean[n], mean[n], rtol=0, atol=2e-5 * scale)
        np.testing.assert_allclose(got.var[n], var[n], rtol=1e-3, atol=1e-9 * scale ** 2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_vectorised_tanh_against_numpy(dtype):
    from numba import njit

    from fastnoise.kernels.activations import tanh32, tanh64

    f = tanh32 if dtype == np.float32 else tanh64

    @njit
    def run(x, out):
        for i in range(x.size):
            out[i] = f(x[i])
    x = np.concatenate([np.linspace(-30, 30, 100001), np.logspace(-12, 1.5, 5000),
                        -np.logspace(-12, 1.5, 5000), [0.0, 0.25, 0.3]]).astype(dtype)
    out = np.empty_like(x)
    run(x, out)
    ref = np.tanh(x.astype(np.float64))
    rel = np.abs(out - ref) / np.maximum(np.abs(ref), np.finfo(dtype).tiny)
    assert rel.max() < 4 * np.finfo(dtype).eps          # measured: 2.4 (float32), 1.9 (float64) eps


def _readout_esn(act, leak, scale=0.2):
    esn = fn.reservoir(40, 1, 1, activation=act, leak=leak, seed=3, bias=0.2, spectral_radius=0.8)
    return esn.with_readout(np.random.default_rng(1).normal(0, scale, (1, 40)), [0.1])


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["open", "closed"])
@pytest.mark.parametrize("leak", [1.0, 0.4])
def test_linear_reservoir_prediction_is_exact(mode, leak):
    """Linear reservoir and readout: the covariance recursion is exact for every noise kind, so
    the prediction matches the simulation within its Monte Carlo error.  The neurons of a step
    share most of their noise (the correlated kinds, the fed-back input), so the error of a
    step's variance is that of one sample variance, √(2/(K−1)): 5 s.e. per value.  The readout
    is small enough for a stable loop (an unstable linear loop grows heavy-tailed values whose
    sample variance has a larger error than a Gaussian's)."""
    esn = _readout_esn("linear", leak, scale=0.05)
    u = np.sin(0.3 * np.arange(60))[:, None]
    K = 20000
    p = fn.predict(esn, u, ALL, mode=mode, washout=20)
    s = simulate_reservoir(esn, u, ALL, K, mode=mode, washout=20, seed=3)
    for n in range(3):
        np.testing.assert_allclose(p.var[n], s.var[n], rtol=5 * np.sqrt(2 / (K - 1)), atol=1e-15)
        np.testing.assert_allclose(p.mean[n], s.mean[n], rtol=0,
                                   atol=5 * np.sqrt(s.var[n].max() / K) + 1e-15)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["open", "closed"])
def test_tanh_reservoir_prediction_at_small_noise(mode):
    """tanh: the closure's error vanishes with the noise; at 1 % of the intensities of
    ALL the prediction is within the Monte Carlo error (5 s.e.) plus 1 %."""
    esn = _readout_esn("tanh", 1.0)
    u = np.sin(0.3 * np.arange(60))[:, None]
    small = fn.Noise(**{k: 0.01 * v for k, v in ALL.to_dict().items()})
    K = 20000
    p = fn.predict(esn, u, small, mode=mode, washout=20)
    s = simulate_reservoir(esn, u, small, K, mode=mode, washout=20, seed=3)
    for n in range(3):
        np.testing.assert_allclose(p.var[n], s.var[n], rtol=5 * np.sqrt(2 / (K - 1)) + 0.01)


def test_from_reservoirpy_converts_a_trained_model():
    from reservoirpy.nodes import Reservoir as RpyReservoir
    from reservoirpy.nodes import Ridge

    u = np.sin(0.1 * np.arange(400))[:, None]
    target = np.roll(u, -1, axis=0)
    model = RpyReservoir(units=50, lr=0.5, sr=0.9, seed=2) >> Ridge(ridge=1e-6)
    model.fit(u[:300], target[:300], warmup=50)
    for node in model.nodes:                 # run from the zero state, as fastnoise does
        node.reset()
    want = model.run(u)
    esn = fn.Reservoir.from_reservoirpy(model)
    _, x = fn.forward(esn, u)
    np.testing.assert_allclose(x[2], want, rtol=0, atol=1e-12)
    odd = RpyReservoir(units=5, activation=np.sin, seed=1)
    odd.run(u[:2])
    with pytest.raises(ValueError, match="reservoirpy activation 'sin' has no fastnoise counterpart"):
        fn.Reservoir.from_reservoirpy(odd)
