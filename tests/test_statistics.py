"""Statistical agreement of the RNG-driven simulation with exact theory.

No ``noise_values`` here: the kernel draws its own normals.  Every tolerance
is derived from Monte Carlo error, never tuned (DESIGN.md, Convention 6):

* For K iid samples with variance σ² and fourth central moment μ4, the
  unbiased sample variance s² has E s² = σ² and, exactly,

      Var s² = μ4/K − σ⁴ (K−3) / (K (K−1)),

  which for Gaussian samples (μ4 = 3σ⁴) is 2σ⁴/(K−1), i.e. a relative
  standard deviation √(2/(K−1)).  The sample mean has Var ȳ = σ²/K.
* Inputs t get independent noise (distinct counters), so a per-input
  standardised statistic z_t with E z_t = 0 and Var z_t ≤ 1 averages over T
  inputs to z̄ with standard deviation ≤ 1/√T; by the central limit theorem
  (z_t has skewness ≈ √(8/(K−1)) ≈ 0.2, z̄ has 0.2/√T) z̄ is close to normal.
  A test passes if |z̄| < 5/√T: a correct kernel fails it with probability
  ≈ 6e-7, once, for the fixed seed chosen.
* Where the exact Var s² is not available (non-Gaussian outputs of deep
  networks), the standard error of z̄ is estimated from the spread of the T
  independent z_t, standard CLT practice; the same 5-SE rule applies.

With K = 200 and T = 300 the 5-SE band on a pooled relative variance is
5·√(2/(199·300)) ≈ 2.9 %: tight enough to catch a missing factor such as
(1 + 2D_M^C) or a lost correlated term at the intensities used (≥ 2 %).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import fastnoise as fn
import reference as ref

FIVE = 5.0      # standard errors allowed

NOISES = {
    "additive": fn.Noise(additive=4e-3),
    "additive_correlated": fn.Noise(additive=1e-3, additive_correlated=3e-3),
    "multiplicative": fn.Noise(multiplicative=1e-2),
    "multiplicative_correlated": fn.Noise(multiplicative_correlated=1e-2, additive=1e-4),
    "all": fn.Noise(additive=2e-3, additive_correlated=1e-3, multiplicative=1e-2,
                    multiplicative_correlated=5e-3),
}


def _assert_pooled(z, sd_bound=None, what=""):
    """|mean of z| < 5 standard errors.

    ``z`` holds one standardised statistic per independent input.  With
    ``sd_bound`` (a proven bound on the standard deviation of each z_t) the
    standard error is sd_bound/√T; otherwise it is estimated from z.
    """
    z = np.asarray(z, dtype=np.float64)
    T = z.size
    se = (sd_bound if sd_bound is not None else z.std(ddof=1)) / math.sqrt(T)
    assert abs(z.mean()) < FIVE * se, f"{what}: mean {z.mean():.3g}, 5 SE = {FIVE * se:.3g}"


# --------------------------------------------------------------------------
# 1. the input layer: Eq. 5 with a linear neuron
# --------------------------------------------------------------------------
@pytest.mark.parametrize("kind", list(NOISES))
def test_input_layer_variance_eq5(kind, sym_net):
    """Var y = σ_+² + σ_×² u² for the (linear, unit gain) input neuron (Eq. 5 / Eq. 8).

    One input neuron per input: the T per-input sample variances are
    independent.  Each is standardised with its exact standard deviation
    (μ4 of y = u(1+aξ)(1+cζ) + bη + dθ in closed form, reference.py), so
    z_t = (s²_t − σ²_t)/sd_t has mean 0 and variance 1, and their average
    must be within 5/√T of 0.  For the purely additive (Gaussian) case this
    is sd_t = σ²_t √(2/(K−1)) exactly.
    """
    noise = NOISES[kind]
    T, K = 300, 200
    u = np.linspace(-1.0, 1.0, T)          # T even: u = 0 is not hit exactly
    res = fn.simulate(sym_net, u, noise, repeats=K, seed=2024)
    s2 = res.var[0][:, 0]
    sigma2 = noise.sigma_add2 + noise.sigma_mul2 * u ** 2
    assert np.all(sigma2 > 0)
    mu4 = ref.y_fourth_central_moment(u, noise)
    sd = np.sqrt(mu4 / K - sigma2 ** 2 * (K - 3) / (K * (K - 1)))
    if kind == "additive":
        np.testing.assert_allclose(sd, sigma2 * math.sqrt(2 / (K - 1)), rtol=1e-12)
    _assert_pooled((s2 - sigma2) / sd, sd_bound=1.0, what=f"{kind} variance")
    # the spread of the standardised variances is consistent with μ4: the
    # mean of z² is 1 within 5 SE (estimated from the z², T independent)
    z = (s2 - sigma2) / sd
    _assert_pooled(z ** 2 - 1.0, what=f"{kind} spread of s²")
    # and E y = u: (ȳ − u)/√(σ²/K) has mean 0, variance 1
    _assert_pooled((res.mean[0][:, 0] - u) / np.sqrt(sigma2 / K), sd_bound=1.0, what=f"{kind} mean")


# --------------------------------------------------------------------------
# 2. linear networks: exact propagation of mean and covariance
# --------------------------------------------------------------------------
def _linear_net():
    rng = np.random.default_rng(42)
    widths = [3, 8, 6, 2]
    ws = [rng.normal(0, 1 / math.sqrt(widths[n - 1]), (widths[n], widths[n - 1]))
          for n in range(1, len(widths))]
    bs = [rng.normal(0, 0.3, w) for w in widths[1:]]
    acts = [fn.activations.linear(1.2), fn.activations.linear(0.9), fn.activations.linear(1.5),
            fn.activations.linear(1.0)]
    return fn.Network.from_layers(ws, bs, acts)


LINEAR_CASES = {
    "additive_only": [fn.Noise(additive=3e-3, additive_correlated=2e-3)] * 4,
    "all_kinds": [NOISES["all"]] * 4,
    "per_layer": [fn.Noise(multiplicative=1e-2), None,
                  fn.Noise(multiplicative_correlated=2e-2, additive_correlated=1e-3),
                  fn.Noise(additive=1e-3)],
}


@pytest.mark.parametrize("case", list(LINEAR_CASES))
def test_linear_network_exact_moments(case):
    """Mean, variance and covariance of y in every layer of a linear network.

    Linear layers propagate moments exactly: x = g(W y + b) has mean g(Wμ+b)
    and covariance g² W Σ Wᵀ; Eq. 3 then adds, with S = Σ_x + μμᵀ,
    Cov y = (1+a_MC²)(S + a_MU² diag S) − μμᵀ + a_AU² I + a_AC² 11ᵀ
    (reference.linear_moments; the correlated kinds are rank-one terms).

    Per input t and neuron i, z = (s² − σ²)/(σ² √(2/(K−1))) and
    (ȳ − μ)/√(σ²/K); for the cross-covariance of neurons 0 and 1 (raw
    samples reducer) z = (c − Σ01)/√((Σ00 Σ11 + Σ01²)/(K−1)), the Gaussian
    standard deviation of a sample covariance.  Per input, z is averaged over
    the layer's neurons.

    * additive noise only: y is exactly Gaussian, every z has variance 1
      (Wishart moments: Var s² = 2σ⁴/(K−1), Var c = (Σ00Σ11 + Σ01²)/(K−1)), so the average over correlated neurons has
      variance ≤ 1 and the proven bound 1/√T is the standard error.
    * with multiplicative noise y is not Gaussian: the standard error is
      estimated from the T independent per-input averages.
    """
    net = _linear_net()
    noise = LINEAR_CASES[case]
    gaussian = case == "additive_only"
    T, K = 300, 200
    u = np.random.default_rng(7).normal(0.0, 1.0, (T, 3))
    picks = [(n, j) for n in range(net.n_layers) for j in (0, 1)]
    res = fn.simulate(net, u, noise, repeats=K, seed=99, samples=picks)
    moments = [ref.linear_moments(net, u[t], noise) for t in range(T)]
    bound = 1.0 if gaussian else None
    for n in range(net.n_layers):
        mu = np.array([m[0][n] for m in moments])                     # (T, I_n)
        cov = np.array([m[1][n] for m in moments])                    # (T, I_n, I_n)
        var = np.einsum("tii->ti", cov)
        if np.all(var == 0):
            # noiseless so far: every repetition is the noiseless forward pass
            np.testing.assert_allclose(res.mean[n], mu, rtol=1e-12, atol=1e-12)
            continue
        z_var = (res.var[n] - var) / (var * math.sqrt(2 / (K - 1)))
        z_mean = (res.mean[n] - mu) / np.sqrt(var / K)
        _assert_pooled(z_var.mean(axis=1), sd_bound=bound, what=f"{case} layer {n} variance")
        _assert_pooled(z_mean.mean(axis=1), sd_bound=bound, what=f"{case} layer {n} mean")
        if not gaussian:
            # the estimated SE must not be inflated far beyond the Gaussian value
            assert z_var.mean(axis=1).std(ddof=1) < 2.0
        # cross-covariance of neurons 0 and 1 from the raw samples
        s0 = picks.index((n, 0))
        y0, y1 = res.samples[0][:, :, s0], res.samples[0][:, :, s0 + 1]
        c = np.einsum("tk,tk->t", y0 - y0.mean(axis=1, keepdims=True),
                      y1 - y1.mean(axis=1, keepdims=True)) / (K - 1)
        sd_c = np.sqrt((cov[:, 0, 0] * cov[:, 1, 1] + cov[:, 0, 1] ** 2) / (K - 1))
        _assert_pooled((c - cov[:, 0, 1]) / sd_c, sd_bound=bound,
                       what=f"{case} layer {n} covariance")
        # the raw samples are consistent with the reduced moments
        np.testing.assert_allclose(y0.var(axis=1, ddof=1), res.var[n][:, 0], rtol=1e-10)


def test_linear_network_correlated_terms_matter():
    """Guard against a vacuous test: dropping the rank-one (correlated) terms
    from the prediction must be detected by the same 5-SE rule."""
    net = _linear_net()
    full = [fn.Noise(additive=1e-3, additive_correlated=4e-3, multiplicative_correlated=2e-2)] * 4
    uncorrelated_only = [fn.Noise(additive=1e-3)] * 4
    T, K = 300, 200
    u = np.random.default_rng(7).normal(0.0, 1.0, (T, 3))
    res = fn.simulate(net, u, full, repeats=K, seed=5)
    n = net.n_layers - 1
    wrong = np.array([np.diag(ref.linear_moments(net, u[t], uncorrelated_only)[1][n])
                      for t in range(T)])
    z = ((res.var[n] - wrong) / (wrong * math.sqrt(2 / (K - 1)))).mean(axis=1)
    assert abs(z.mean()) > FIVE * z.std(ddof=1) / math.sqrt(T)


# --------------------------------------------------------------------------
# 3. nonlinear networks: kernel RNG vs the NumPy twin with NumPy normals
# --------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["sym", "dense"])
def test_nonlinear_network_matches_twin_with_numpy_normals(which, sym_net, dense_net):
    """Per layer, the neuron-averaged variance (and mean) from ``simulate``
    equals the one from the twin fed with ``numpy.random`` normals, within MC error.

    The two runs are independent; for each input t the difference d_t of the
    neuron-averaged sample variances has mean 0 if both sample the same
    distribution, and the d_t are independent over t.  The standard error of
    their average is estimated from their spread (5-SE rule).
    """
    net = sym_net if which == "sym" else dense_net
    noise = NOISES["all"]
    T, K = 150, 200
    if net.widths[0] == 1:
        u = np.linspace(0.0, 1.0, T)[:, None]
    else:
        u = np.random.default_rng(3).normal(0.0, 1.0, (T, net.widths[0]))
    res = fn.simulate(net, u, noise, repeats=K, seed=31337)
    _, total = ref.slot_offsets(net.widths)
    z = np.random.default_rng(31337).standard_normal((T, K, total))
    mean_t, var_t = ref.noisy_forward(net, u, noise, z)
    for n in range(net.n_layers):
        d_var = res.var[n].mean(axis=1) - var_t[n].mean(axis=1)
        d_mean = res.mean[n].mean(axis=1) - mean_t[n].mean(axis=1)
        _assert_pooled(d_var, what=f"{which} layer {n} variance")
        _assert_pooled(d_mean, what=f"{which} layer {n} mean")
        # and the comparison is meaningful: the 5-SE band is a small fraction
        # of the variance itself
        se = d_var.std(ddof=1) / math.sqrt(T)
        assert FIVE * se < 0.1 * var_t[n].mean()
