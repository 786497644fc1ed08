"""The softmax readout (issue 16.1): kernel, NumPy twin, network rules, prediction, importers.

* the kernel row routine against the textbook twin (``reference.activation``) and
  ``torch.softmax``, in float64 and float32, NaN rows included;
* the simulator with given normals against ``reference.noisy_forward`` for every noise
  kind, both placements (Eq. 3 on the probabilities, or on the logits before the softmax);
* the cubature rule of :mod:`fastnoise.analytic.softmax` integrates every monomial of
  degree ≤ 5 (≤ 3) exactly, and its E p, Cov p match a large NumPy Monte Carlo;
* ``fn.predict`` (moments) against ``fn.simulate`` where x̃ of the readout is exactly
  Gaussian (linear hidden layer, additive noise): within 5 Monte Carlo standard errors
  computed from the raw samples;
* a softmax anywhere but the output layer is refused, and the per-neuron methods refuse it.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import fastnoise as fn
import reference as ref
from fastnoise.analytic.softmax import cubature, softmax_moments
from fastnoise.kernels import activations as kact
from test_kernels import NOISES

RTOL = 1e-12
ULP32 = 2.0 ** -23


def _net(place="output", gain=1.0, hidden="tanh"):
    rng = np.random.default_rng(7)
    return fn.Network.from_layers([rng.normal(0, 0.5, (9, 5)), rng.normal(0, 0.8, (4, 9))],
                                  [rng.normal(0, 0.2, 9), rng.normal(0, 0.2, 4)],
                                  [hidden, fn.activations.softmax(gain)], noise_at=place)


# --------------------------------------------------------------------------
# the row routine
# --------------------------------------------------------------------------
@pytest.mark.parametrize("gain", [1.0, 2.5, -0.7])
def test_kernel_matches_twin_and_torch(gain):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = np.vstack([rng.normal(0, 3, (50, 6)), [[700.0, -700.0, 0.0, 1.0, 1.0, 699.0]],
                   np.full((1, 6), -3.0), [[1e-300, -1e-300, 0, 0, 0, 0]]])
    want = ref.activation(fn.activations.softmax(gain), x)
    torch_p = torch.softmax(gain * torch.tensor(x, dtype=torch.float64), dim=-1).numpy()
    np.testing.assert_allclose(torch_p, want, rtol=1e-14, atol=1e-300)
    net = fn.Network.from_layers([np.eye(6)], None, ["linear", fn.activations.softmax(gain)])
    got = fn.forward(net, x)[1][-1]
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=1e-300)
    np.testing.assert_allclose(fn.activations.softmax(gain)(x), want, rtol=RTOL, atol=1e-300)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, rtol=1e-14)
    # float32: exp and the sum in float64, two roundings to float32 (e_i, then e_i / S)
    x32 = x.astype(np.float32).astype(np.float64)
    res = fn.simulate(net, x32, None, repeats=2, seed=1, precision="float32")
    np.testing.assert_allclose(res.mean[-1], ref.activation(fn.activations.softmax(gain), x32),
                               rtol=2.5 * ULP32, atol=1e-37)


def test_nan_anywhere_makes_the_row_nan():
    for dtype in (np.float64, np.float32):
        buf = np.array([0.5, np.nan, -1.0, 2.0], dtype=dtype)
        kact.apply_row(kact.SOFTMAX, 1.0, buf, 4, kact.user_functions((), dtype))
        assert np.all(np.isnan(buf))
        buf = np.array([np.inf, 0.0], dtype=dtype)                       # +inf − max = NaN too
        kact.apply_row(kact.SOFTMAX, 1.0, buf, 2, kact.user_functions((), dtype))
        assert np.isnan(buf[0])


# --------------------------------------------------------------------------
# simulator with given normals against the twin
# --------------------------------------------------------------------------
@pytest.mark.parametrize("place", ["output", "input"])
@pytest.mark.parametrize("kind", list(NOISES))
def test_simulate_matches_twin_given_normals(kind, place, np_rng):
    net = _net(place, gain=1.7)
    u = np_rng.normal(0, 1, (6, 5))
    _, total = ref.slot_offsets(net.widths)
    z = np_rng.standard_normal((6, 16, total))
    res = fn.simulate(net, u, NOISES[kind], repeats=16, noise_values=z, block=4)
    mean, var, ys = ref.noisy_forward(net, u, NOISES[kind], z, return_samples=True)
    for n in range(net.n_layers):
        scale = float(np.max(np.abs(ys[n])))
        np.testing.assert_allclose(res.mean[n], mean[n], rtol=RTOL, atol=RTOL * scale)
        np.testing.assert_allclose(res.var[n], var[n], rtol=1e-10, atol=1e-10 * float(np.max(var[n])))
    if place == "input":                                # noise on the logits: still probabilities
        assert np.all(ys[-1] >= 0) and np.allclose(ys[-1].sum(axis=-1), 1.0, rtol=1e-14)
    # float32: the same normals rounded to float32; the two softmax roundings are the
    # only difference from the float32 twin (which also evaluates exp in float32), so each
    # y differs by at most δ = 4 ulp(1), its variance by at most 2δσ + δ²
    r32 = fn.simulate(net, u, NOISES[kind], repeats=16, noise_values=z, block=4, precision="float32")
    m32, v32, y32 = ref.noisy_forward(net, u, NOISES[kind], z, return_samples=True, dtype=np.float32)
    delta = 4 * ULP32 * max(1.0, float(np.max(np.abs(y32[-1]))))
    np.testing.assert_array_less(np.abs(r32.mean[-1] - m32[-1]), delta * 1.0001)
    sd = np.sqrt(v32[-1])
    np.testing.assert_array_less(np.abs(r32.var[-1] - v32[-1]), (2 * delta * sd + delta ** 2) * 16 / 15 + 1e-30)


# --------------------------------------------------------------------------
# the analytic rule
# --------------------------------------------------------------------------
def _gauss_moment(alpha) -> float:
    """E Π z_i^α_i for z ~ N(0, I): Π (α_i − 1)!! over even α_i, 0 if one is odd."""
    out = 1.0
    for a in alpha:
        if a % 2:
            return 0.0
        out *= math.prod(range(a - 1, 0, -2)) if a else 1.0
    return out


@pytest.mark.parametrize("width", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("degree", [3, 5])
def test_cubature_is_exact_to_its_degree(width, degree):
    z, w = cubature(width, degree)
    assert len(w) == (2 * width * width + 1 if degree == 5 else 2 * width)
    for d in range(degree + 1):
        for combo in itertools.combinations_with_replacement(range(width), d):
            alpha = np.bincount(np.array(combo, dtype=int), minlength=width) if combo else np.zeros(width, int)
            got = float(np.sum(w * np.prod(z ** alpha, axis=1)))
            assert got == pytest.approx(_gauss_moment(alpha), abs=1e-12), (alpha, degree)
    if degree == 5 and width >= 2:     # not exact beyond: z_1^6 has E = 15
        alpha = np.zeros(width, int)
        alpha[0] = 6
        assert abs(float(np.sum(w * z[:, 0] ** 6)) - 15.0) > 1.0


def test_softmax_moments_against_monte_carlo():
    """Degree 5 against 10⁶ samples at logit standard deviations ≤ 0.2 (where its O(C³)
    error is far below the Monte Carlo error), within 5 standard errors."""
    rng = np.random.default_rng(3)
    n, N = 5, 1_000_000
    mean = rng.normal(0, 1, (2, n))
    A = rng.normal(0, 0.05, (2, n, n))
    cov = A @ np.swapaxes(A, 1, 2)
    assert np.sqrt(np.max(np.diagonal(cov, axis1=1, axis2=2))) < 0.2
    m, v, C = softmax_moments(1.3, mean, cov)
    for b in range(2):
        x = rng.multivariate_normal(mean[b], cov[b], size=N)
        p = ref.activation(fn.activations.softmax(1.3), x)
        pm, pv = p.mean(axis=0), p.var(axis=0, ddof=1)
        dev = p - pm
        m4 = (dev ** 4).mean(axis=0)
        np.testing.assert_array_less(np.abs(m[b] - pm), 5 * np.sqrt(pv / N))
        np.testing.assert_array_less(np.abs(v[b] - pv), 5 * np.sqrt((m4 - pv ** 2) / N))
        pc = dev.T @ dev / (N - 1)
        se_c = np.sqrt(((dev[:, :, None] * dev[:, None, :]) ** 2).mean(axis=0) - pc ** 2) / math.sqrt(N)
        off = ~np.eye(n, dtype=bool)
        np.testing.assert_array_less(np.abs(C[b] - pc)[off], 5 * se_c[off])
    # a deterministic state: softmax(μ) exactly, no variance
    m0, v0, C0 = softmax_moments(1.3, mean, np.zeros((2, n, n)))
    np.testing.assert_allclose(m0, ref.activation(fn.activations.softmax(1.3), mean), rtol=1e-14)
    assert not np.any(v0) and not np.any(C0)
    # a shift common to all states changes nothing: correlated additive noise drops out
    m1, v1, _ = softmax_moments(1.3, mean, cov + 0.3)
    np.testing.assert_allclose(m1, m, rtol=1e-12)
    np.testing.assert_allclose(v1, v, rtol=1e-10)


def test_degree_3_is_first_order():
    """The degree-3 rule's variance error falls as C² (halving the noise scale divides it by
    ≈ 4), measured against degree 5, whose error falls as C³."""
    rng = np.random.default_rng(4)
    mean = rng.normal(0, 1, (1, 6))
    A = rng.normal(0, 1, (1, 6, 6))
    errs = []
    for s in (0.04, 0.02):
        cov = (s * A) @ np.swapaxes(s * A, 1, 2)
        v3 = softmax_moments(1.0, mean, cov, degree=3)[1]
        v5 = softmax_moments(1.0, mean, cov, degree=5)[1]
        errs.append(np.max(np.abs(v3 / v5 - 1)))
    assert 3.0 < errs[0] / errs[1] < 5.0, errs


@pytest.mark.parametrize("place", ["output", "input"])
def test_predict_matches_simulate_where_the_logits_are_gaussian(place):
    net = _net(place, gain=1.5, hidden="linear")
    # linear hidden layer + additive noise: x̃ of the readout is exactly Gaussian; the readout's
    # own noise only where it acts on the logits (after the softmax it would just add 2D)
    nz = fn.Noise(additive=2e-3, additive_correlated=1e-3)
    noise = [nz, nz, nz if place == "input" else None]
    u = np.random.default_rng(2).normal(0, 1, (3, 5))
    K = 40000
    res = fn.simulate(net, u, noise, repeats=K, seed=5, samples=[(2, i) for i in range(4)])
    pred = fn.predict(net, u, noise)
    assert pred.method == "moments"
    values = np.asarray(res.samples[0])                                 # (T, K, 4)
    for i in range(4):
        s = values[:, :, i]
        sm, sv = s.mean(axis=1), s.var(axis=1, ddof=1)
        m4 = ((s - sm[:, None]) ** 4).mean(axis=1)
        np.testing.assert_array_less(np.abs(pred.mean[-1][:, i] - sm), 5 * np.sqrt(sv / K))
        np.testing.assert_array_less(np.abs(pred.var[-1][:, i] - sv), 5 * np.sqrt((m4 - sv ** 2) / K))
    one = fn.Network.from_layers([net.weights[2]], [net.biases[2]], ["linear", net.activations[2]],
                                 noise_at=place)        # one weight layer: the low-rank form is exact
    u1 = np.random.default_rng(3).normal(0, 1, (3, 9))
    full = fn.predict(one, u1, nz, method="moments")
    low = fn.predict(one, u1, nz, method="moments", full_covariance=False)
    np.testing.assert_allclose(low.mean[-1], full.mean[-1], rtol=1e-12)
    np.testing.assert_allclose(low.var[-1], full.var[-1], rtol=1e-9)


# --------------------------------------------------------------------------
# network rules and the other methods
# --------------------------------------------------------------------------
def test_softmax_only_as_the_output_layer(tmp_path):
    w = [np.ones((3, 2)), np.ones((2, 3))]
    with pytest.raises(ValueError, match=r"softmax acts on a whole layer and is accepted as the output "
                                         r"layer's activation only, but layer 1 of 0..2 has it"):
        fn.Network.from_layers(w, None, ["softmax", "linear"])
    with pytest.raises(ValueError, match="but the input layer has it"):
        fn.Network.from_layers(w, None, ["softmax", "tanh", "softmax"])
    net = fn.Network.from_layers(w, None, ["tanh", "softmax"])
    assert not net.elementwise and fn.random_dense([2, 3]).elementwise
    net.save(tmp_path / "n.h5")
    back = fn.Network.load(tmp_path / "n.h5")
    assert back.activations[-1] == net.activations[-1] and back.digest() == net.digest()


@pytest.mark.parametrize("method", ["density", "first-order", "taylor", "gauss", "trained"])
def test_per_neuron_methods_refuse_a_softmax(method):
    net = fn.Network.from_layers([np.ones((3, 1)) / 3, np.ones((2, 3)) / 3], None, ["logistic", "softmax"])
    assert net.is_symmetric                                  # auto would take density, but for the softmax
    assert fn.predict(net, [[0.3]], fn.Noise(additive=1e-4)).method == "moments"
    with pytest.raises(ValueError, match=r"cannot take the output layer's softmax; use method='moments'"):
        fn.predict(net, [[0.3]], fn.Noise(additive=1e-4), method=method)


def test_torch_sequential_softmax_imports():
    torch = pytest.importorskip("torch")
    from fastnoise.importers import ModelFileError, from_torch

    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3),
                            torch.nn.Softmax(dim=-1)).double()
    net = from_torch(m)
    assert net.activations[-1].name == "softmax"
    x = np.random.default_rng(0).normal(size=(5, 4))
    with torch.no_grad():
        want = m(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(fn.forward(net, x)[1][-1], want, rtol=1e-13)
    bad = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Softmax(dim=0))
    with pytest.raises(ModelFileError, match=r"Softmax\(dim=0\).*does not act over a layer's neurons"):
        from_torch(bad)
    with pytest.raises(ModelFileError, match="LogSoftmax.*log-probabilities"):
        from_torch(torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.LogSoftmax(dim=1)))
