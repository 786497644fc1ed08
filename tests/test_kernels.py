"""The fused propagation kernel against its NumPy twin (tests/reference.py).

With ``noise_values`` supplied, :func:`fastnoise.simulate` and the twin do
the same arithmetic on the same normals; they differ only in rounding (BLAS
summation order, FMA contraction, the kernel's two-pass variance versus
NumPy's), i.e. by a few ulp, amplified at most by the layers' slopes.  So
they must agree to rtol = 1e-10, with an absolute floor of 1e-10 times the
layer's magnitude for values that are near zero only by cancellation (means
of tanh/relu layers).  A wrong slot, sign, amplitude or activation shows up
at the size of the noise itself (≥ 1e-3 here), 7 orders above that.

Covered: the four noise kinds alone and together; per-layer intensities with
noiseless layers; every built-in activation and a user ``numba.njit``
activation; the symmetric 1-20-20-1 and random dense 5-50-40-3 networks; a
non-linear input activation; the RNG path end to end against the twin fed
with twin-generated normals (rtol 1e-9); noiseless forward; the samples and
histogram reducers; block and thread invariance; finiteness.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

import fastnoise as fn
import reference as ref

RTOL = 1e-10
K = 16          # repetitions for exact comparisons (any K ≥ 2 exercises the same code)


@numba.njit
def softsign(x):
    """A user-defined activation: x / (1 + |x|)."""
    return x / (1.0 + abs(x))


ACTIVATIONS = {
    "linear_gain": fn.activations.linear(1.7),
    "shifted_sigmoid": fn.activations.shifted_sigmoid(3.0),
    "logistic": fn.activations.logistic(1.5),
    "tanh": fn.activations.tanh(0.7),
    "relu": fn.activations.relu(1.3),
    "cubic": fn.activations.cubic(),
    "elu": fn.activations.elu(0.8),
    "leaky_relu": fn.activations.leaky_relu(0.1),
    "softplus": fn.activations.softplus(1.5),
    "gelu": fn.activations.gelu(),
    "swish": fn.activations.swish(),
    "hard_sigmoid": fn.activations.hard_sigmoid(),
    "softsign": fn.activations.softsign(),
    "selu": fn.activations.selu(),
    "custom": fn.activations.custom(softsign),
}

ALL = fn.Noise(additive=1e-3, additive_correlated=5e-4, multiplicative=2e-3,
               multiplicative_correlated=1e-3)
NOISES = {
    "additive": fn.Noise(additive=2e-3),
    "additive_correlated": fn.Noise(additive_correlated=2e-3),
    "multiplicative": fn.Noise(multiplicative=2e-3),
    "multiplicative_correlated": fn.Noise(multiplicative_correlated=2e-3),
    "all": ALL,
}


def _per_layer_variants(n_layers):
    """Per-layer intensities with noiseless layers (None and Noise())."""
    mid = [fn.Noise(multiplicative_correlated=3e-3, additive_correlated=1e-3),  # correlated only
           fn.Noise(additive=1e-3, multiplicative=5e-4)]                       # uncorrelated only
    a = [None] + [mid[(n - 1) % 2] for n in range(1, n_layers - 1)] + [ALL]      # noiseless input
    b = [ALL] + [fn.Noise()] * (n_layers - 2) + [fn.Noise(additive=4e-3)]         # noiseless hidden
    c = [fn.Noise(additive_correlated=1e-3)] + [ALL] * (n_layers - 2) + [None]     # noiseless output
    return {"noiseless_input": a, "noiseless_hidden": b, "noiseless_output": c}


def _inputs(net, T, rng):
    if net.widths[0] == 1:
        return np.linspace(0.0, 1.0, T)[:, None]
    return rng.normal(0.0, 1.0, (T, net.widths[0]))


def _assert_layers_close(got, expected, samples, rtol=RTOL, what=""):
    """Compare per-layer (T, I_n) arrays; the absolute floor scales with the layer."""
    assert len(got) == len(expected)
    for n, (g, e, y) in enumerate(zip(got, expected, samples)):
        assert g.shape == e.shape, (what, n)
        assert np.all(np.isfinite(g)), (what, n)
        scale = float(np.max(np.abs(y))) if y.size else 1.0
        np.testing.assert_allclose(g, e, rtol=rtol, atol=rtol * scale, err_msg=f"{what} layer {n}")


def _assert_var_close(got, expected, samples, rtol=RTOL, what=""):
    for n, (g, e, y) in enumerate(zip(got, expected, samples)):
        assert np.all(np.isfinite(g)) and np.all(g >= 0), (what, n)
        # Floor: rtol × the layer's largest variance, or, in a layer that is
        # noiseless so far (exact variance 0), rounding-level (1e-15·|y|)².
        scale = float(np.max(np.abs(y))) if y.size else 1.0
        atol = rtol * float(np.max(e)) + (1e-15 * scale) ** 2
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, err_msg=f"{what} var layer {n}")


def _given_noise_run(net, u, noise, repeats, z, **kw):
    res = fn.simulate(net, u, noise, repeats=repeats, noise_values=z, **kw)
    mean, var, ys = ref.noisy_forward(net, u, noise, z, return_samples=True)
    return res, mean, var, ys


def _check_given(net, noise, rng, T=9, repeats=K, block=4, what=""):
    u = _inputs(net, T, rng)
    _, total = ref.slot_offsets(net.widths)
    z = rng.standard_normal((T, repeats, total))
    res, mean, var, ys = _given_noise_run(net, u, noise, repeats, z, block=block)
    _assert_layers_close(res.mean, mean, ys, what=what)
    _assert_var_close(res.var, var, ys, what=what)
    return res, ys


# --------------------------------------------------------------------------
# given noise: exact agreement
# --------------------------------------------------------------------------
@pytest.mark.parametrize("kind", list(NOISES))
@pytest.mark.parametrize("which", ["sym", "dense"])
def test_noise_kinds_match_twin(kind, which, sym_net, dense_net, np_rng):
    net = sym_net if which == "sym" else dense_net
    res, ys = _check_given(net, NOISES[kind], np_rng, what=f"{which}/{kind}")
    # the noise is really there: the noisy layers have non-zero variance
    assert all(np.max(v) > 0 for v in res.var)


@pytest.mark.parametrize("variant", ["noiseless_input", "noiseless_hidden", "noiseless_output"])
@pytest.mark.parametrize("which", ["sym", "dense"])
def test_per_layer_intensities_match_twin(variant, which, sym_net, dense_net, np_rng):
    net = sym_net if which == "sym" else dense_net
    noise = _per_layer_variants(net.n_layers)[variant]
    res, ys = _check_given(net, noise, np_rng, what=f"{which}/{variant}")
    if variant == "noiseless_input":
        # identical repetitions: exactly zero variance, mean exactly the input
        assert np.all(res.var[0] == 0.0)
        np.testing.assert_array_equal(res.mean[0], ys[0][:, 0, :])


def test_identical_repetitions_have_zero_variance(dense_net):
    """A noiseless neuron has variance exactly 0 (SNR inf), not ~(eps·y)²: the
    kernel's sums are shifted by the first repetition (fixed in 367df77)."""
    u = np.random.default_rng(1).normal(0.0, 1.0, (20, dense_net.widths[0]))
    res = fn.simulate(dense_net, u, [None, None, ALL, None], repeats=16, seed=1)
    assert np.all(res.var[0] == 0.0) and np.all(res.var[1] == 0.0)
    np.testing.assert_array_equal(res.mean[0], u)
    assert np.all(res.var[2] > 0) and np.all(res.var[3] > 0)


def test_noiseless_everywhere_matches_forward(dense_net, np_rng):
    """No noise at all: every repetition equals the noiseless forward pass."""
    u = _inputs(dense_net, 6, np_rng)
    res = fn.simulate(dense_net, u, None, repeats=4, seed=3)
    _, xs = ref.noiseless_forward(dense_net, u)
    for n in range(dense_net.n_layers):
        np.testing.assert_allclose(res.mean[n], xs[n], rtol=1e-12, atol=1e-14)
        assert np.all(res.var[n] == 0.0)  # identical repetitions


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("widths", [(1, 20, 20, 1), (5, 50, 40, 3)])
def test_every_activation_matches_twin(name, widths, np_rng):
    act = ACTIVATIONS[name]
    if widths[0] == 1:   # symmetric weights 1/I, input in [0, 1], linear output
        net = fn.symmetric(widths, activation=act)
    else:                # Gaussian weights and biases, this activation everywhere
        net = fn.random_dense(widths, activation=act, seed=11, bias_scale=0.3)
    assert any(a.name == act.name for a in net.activations)
    _check_given(net, ALL, np_rng, what=f"{name}/{widths}")


def test_mixed_activations_and_input_activation(np_rng):
    """A non-linear input activation, mixed built-ins and a user function per layer."""
    rng = np.random.default_rng(5)
    widths = [4, 12, 10, 7, 2]
    ws = [rng.normal(0, 1 / np.sqrt(widths[n - 1]), (widths[n], widths[n - 1]))
          for n in range(1, len(widths))]
    bs = [rng.normal(0, 0.2, w) for w in widths[1:]]
    acts = [fn.activations.tanh(2.0), softsign, "relu", fn.activations.shifted_sigmoid(2.0),
            fn.activations.linear(0.5)]
    net = fn.Network.from_layers(ws, bs, acts)
    assert net.activations[0].name == "tanh" and net.activations[1].is_custom
    _check_given(net, ALL, np_rng, what="mixed")
    _check_given(net, _per_layer_variants(net.n_layers)["noiseless_hidden"], np_rng, what="mixed/pl")


# --------------------------------------------------------------------------
# RNG path end to end
# --------------------------------------------------------------------------
@pytest.mark.parametrize("which,seed,stream,per_layer", [
    ("sym", 1, 0, False),
    ("dense", 2 ** 40 + 3, 7, False),
    ("dense", 123456789, 0, True),
    ("sym", 2 ** 64 - 1, 65535, True),
])
def test_rng_path_equals_twin_with_twin_normals(which, seed, stream, per_layer, sym_net, dense_net,
                                                np_rng):
    """simulate(seed, stream) == twin driven by reference_normals(seed, stream).

    The kernel draws its normals with polynomial log/sin/cos, the twin's with
    np.log/np.sin/np.cos (agreeing to ~1e-15), hence rtol 1e-9 instead of 1e-10.
    T = 10 with block = 4 checks that the counters use the global input index.
    """
    net = sym_net if which == "sym" else dense_net
    noise = _per_layer_variants(net.n_layers)["noiseless_input"] if per_layer else ALL
    T, repeats = 10, 24
    u = _inputs(net, T, np_rng)
    res = fn.simulate(net, u, noise, repeats=repeats, seed=seed, stream=stream, block=4)
    z = ref.reference_normals(seed, net.widths, T, repeats, stream=stream)
    mean, var, ys = ref.noisy_forward(net, u, noise, z, return_samples=True)
    _assert_layers_close(res.mean, mean, ys, rtol=1e-9, what="rng")
    _assert_var_close(res.var, var, ys, rtol=1e-9, what="rng")
    # and feeding the same normals through noise_values gives the same result
    res2 = fn.simulate(net, u, noise, repeats=repeats, noise_values=z, block=4)
    _assert_layers_close(res2.mean, res.mean, ys, rtol=1e-9, what="rng vs given")


def test_rng_path_depends_on_seed_and_stream(sym_net):
    u = np.linspace(0, 1, 5)
    base = fn.simulate(sym_net, u, ALL, repeats=8, seed=1)
    for kw in (dict(seed=2), dict(seed=1 + 2 ** 32), dict(seed=1, stream=1)):
        other = fn.simulate(sym_net, u, ALL, repeats=8, **kw)
        assert not np.array_equal(base.var[1], other.var[1]), kw


def test_block_and_thread_invariance(dense_net, np_rng):
    """Bitwise identical results for any block size and thread count (Convention 3)."""
    u = _inputs(dense_net, 11, np_rng)
    ref_res = fn.simulate(dense_net, u, ALL, repeats=12, seed=9)
    for kw in (dict(block=1), dict(block=3, threads=1), dict(block=64, threads=2)):
        res = fn.simulate(dense_net, u, ALL, repeats=12, seed=9, **kw)
        for n in range(dense_net.n_layers):
            np.testing.assert_array_equal(res.mean[n], ref_res.mean[n])
            np.testing.assert_array_equal(res.var[n], ref_res.var[n])
    # The counter holds the global input index: the same inputs simulated as
    # a separate run (t restarting at 0) get different noise.
    tail = fn.simulate(dense_net, u[5:], ALL, repeats=12, seed=9)
    assert not np.array_equal(tail.var[1], ref_res.var[1][5:])


# --------------------------------------------------------------------------
# noiseless forward
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_forward_matches_twin(name, np_rng):
    net = fn.random_dense([5, 50, 40, 3], activation=ACTIVATIONS[name], seed=4, bias_scale=0.3)
    u = _inputs(net, 13, np_rng)
    xt, x = fn.forward(net, u)
    ext, ex = ref.noiseless_forward(net, u)
    # same summation order as the kernel's loop; only FMA contraction differs
    _assert_layers_close(xt, ext, ext, rtol=1e-12, what="xt")
    _assert_layers_close(x, ex, ex, rtol=1e-12, what="x")
    res = fn.simulate(net, u, ALL, repeats=2, seed=1)
    _assert_layers_close(res.noiseless_xt, ext, ext, rtol=1e-12, what="sim xt")
    _assert_layers_close(res.noiseless_x, ex, ex, rtol=1e-12, what="sim x")


def test_forward_symmetric_paper_network(sym_net):
    """1-20-20-1 symmetric: every hidden neuron equals f(u) resp. f(f(u))."""
    u = np.linspace(0, 1, 21)[:, None]
    xt, x = fn.forward(sym_net, u)
    f = sym_net.activations[1]
    np.testing.assert_allclose(x[1], np.repeat(ref.activation(f, u), 20, axis=1), rtol=1e-14)
    np.testing.assert_allclose(x[3][:, 0], ref.activation(f, ref.activation(f, u[:, 0])),
                               rtol=1e-13, atol=1e-15)
    ext, ex = ref.noiseless_forward(sym_net, u)
    _assert_layers_close(x, ex, ex, rtol=1e-12)


# --------------------------------------------------------------------------
# reducers
# --------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["sym", "dense"])
def test_samples_and_histogram_reducers(which, sym_net, dense_net, np_rng):
    net = sym_net if which == "sym" else dense_net
    T, repeats = 10, 20
    u = _inputs(net, T, np_rng)
    _, total = ref.slot_offsets(net.widths)
    z = np_rng.standard_normal((T, repeats, total))
    _, _, ys = ref.noisy_forward(net, u, ALL, z, return_samples=True)
    last = net.n_layers - 1
    picks = [(0, 0), (1, 3), (2, net.widths[2] - 1), (last, net.widths[last] - 1), (1, 3)]
    # per-layer ranges cutting off ~5% on each side, so under/overflow are exercised
    ranges = [tuple(np.quantile(y, [0.05, 0.95])) for y in ys]
    ranges = [(lo, hi) if hi > lo else (lo - 1, lo + 1) for lo, hi in ranges]
    bins = 17
    res = fn.simulate(net, u, ALL, repeats=repeats, noise_values=z, block=3, samples=picks,
                      histogram={"bins": bins, "range": ranges})
    values, layers, neurons = res.samples
    assert values.shape == (T, repeats, len(picks))
    np.testing.assert_array_equal(layers, [p[0] for p in picks])
    np.testing.assert_array_equal(neurons, [p[1] for p in picks])
    for s, (n, j) in enumerate(picks):
        scale = np.abs(ys[n]).max()
        np.testing.assert_allclose(values[:, :, s], ys[n][:, :, j], rtol=RTOL, atol=RTOL * scale)
    counts, lo, hi = res.histogram
    assert counts.shape == (net.n_layers, bins + 2)
    for n, y in enumerate(ys):
        expected = ref.histogram_counts(y, ranges[n][0], ranges[n][1], bins)
        assert counts[n].sum() == y.size
        np.testing.assert_array_equal(counts[n], expected)
        assert counts[n, 0] > 0 and counts[n, -1] > 0


def test_histogram_default_range(sym_net, np_rng):
    """``{"bins": nb}`` alone bins [0, 1) in every layer."""
    T, repeats = 6, 10
    u = _inputs(sym_net, T, np_rng)
    _, total = ref.slot_offsets(sym_net.widths)
    z = np_rng.standard_normal((T, repeats, total))
    _, _, ys = ref.noisy_forward(sym_net, u, ALL, z, return_samples=True)
    res = fn.simulate(sym_net, u, ALL, repeats=repeats, noise_values=z, histogram={"bins": 8})
    for n, y in enumerate(ys):
        np.testing.assert_array_equal(res.histogram[0][n], ref.histogram_counts(y, 0.0, 1.0, 8))


# --------------------------------------------------------------------------
# NaN nowhere
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_no_nan_anywhere(name, np_rng):
    net = fn.random_dense([5, 50, 40, 3], activation=ACTIVATIONS[name], seed=8, bias_scale=0.3)
    u = _inputs(net, 70, np_rng)
    res = fn.simulate(net, u, ALL, repeats=30, seed=17, samples=[(1, 0), (3, 2)],
                      histogram={"bins": 5, "range": (-1.0, 1.0)})
    for arrays in (res.mean, res.var, res.noiseless_xt, res.noiseless_x):
        for a in arrays:
            assert np.all(np.isfinite(a))
    assert np.all(np.isfinite(res.samples[0]))
    assert res.histogram[0].sum() == 70 * 30 * sum(net.widths)
    assert all(np.all(v >= 0) for v in res.var)
