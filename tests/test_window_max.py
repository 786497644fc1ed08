"""The cubature of a max-pooling window (fastnoise.kernels.window_max).

* Its NumPy twin: the same points, the same formulas, vectorised; equal to rounding.
* Against Monte Carlo: one window of four correlated ReLU neurons with every kind of
  noise.  E M and Var M within 5 Monte Carlo s.e. plus the cubature's own error, and
  the Stein weights reproduce Cov(M, s_j) = Σ_i E[∂M/∂s_i] Cov(s_i, s_j).
"""

from __future__ import annotations

import numpy as np
import pytest

from fastnoise.analytic.maps import cubature_points
from fastnoise.kernels.activations import RELU, TANH, user_functions
from fastnoise.kernels.window_max import window_max

_F = {RELU: lambda x: np.maximum(x, 0.0), TANH: np.tanh}


def _twin(mu, lmat, count, points, code, su2, sc2, au2):
    """window_max in NumPy, one window at a time, all points at once."""
    R, k = mu.shape
    S = points.shape[0]
    f = _F[code]
    out = (np.zeros(R), np.zeros(R), np.zeros((R, k)), np.zeros(R), np.zeros((R, k)))
    for r in range(R):
        kr = count[r]
        pts = points[r % S]
        s = mu[r, :kr] + pts[:, :kr] @ lmat[r, :kr, :kr].T
        h = 1e-5 * (1.0 + np.abs(s))
        a = f(s)
        fprime = (f(s + h) - f(s - h)) / ((s + h) - (s - h))
        cm = 1.0 + np.sqrt(sc2) * pts[:, 2 * k]
        sd = np.sqrt(cm[:, None] ** 2 * su2 * a * a + au2)
        eps = pts[:, k:k + kr]
        y = cm[:, None] * a + sd * eps
        jb = np.argmax(y, axis=1)
        q = np.arange(len(y))
        M, aj, ej, sj, fj = y[q, jb], a[q, jb], eps[q, jb], sd[q, jb], fprime[q, jb]
        safe = np.where(sj > 0, sj, 1.0)
        ds = fj * (cm + np.where(sj > 0, cm * cm * su2 * aj * ej / safe, 0.0))
        dxi = np.sqrt(sc2) * (aj + np.where(sj > 0, cm * su2 * aj * aj * ej / safe, 0.0))
        out[0][r], out[1][r], out[3][r] = M.mean(), (M * M).mean(), dxi.mean()
        for j in range(kr):
            out[2][r, j] = ds[jb == j].sum() / len(y)
            out[4][r, j] = np.mean(jb == j)
    return out


def _run(mu, lmat, count, points, code, su2, sc2, au2):
    R, k = mu.shape
    out = (np.empty(R), np.empty(R), np.empty((R, k)), np.empty(R), np.empty((R, k)))
    window_max(mu, lmat, count, points, code, 1.0, user_functions(), su2, sc2, au2, *out)
    return out


def _windows(R, k, seed):
    rng = np.random.default_rng(seed)
    mu = rng.normal(0.2, 0.5, (R, k))
    a = rng.normal(0, 0.3, (R, k, k))
    count = rng.integers(1, k + 1, R)
    count[0] = k
    return mu, np.ascontiguousarray(a), count


@pytest.mark.parametrize("code", [RELU, TANH])
@pytest.mark.parametrize("noise", [(0.0, 0.0, 0.0), (2e-2, 0.0, 0.0), (0.0, 2e-2, 0.0),
                                   (0.0, 0.0, 2e-2), (2e-2, 3e-2, 1e-2)],
                         ids=["none", "MU", "MC", "AU", "all"])
def test_window_max_equals_its_numpy_twin(code, noise):
    mu, lmat, count = _windows(37, 4, 5)
    points = cubature_points(9, n=256, sets=3)
    got = _run(mu, lmat, count, points, code, *noise)
    want = _twin(mu, lmat, count, points, code, *noise)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12)


def test_window_max_against_monte_carlo():
    """Four correlated ReLU neurons near threshold, with MU, MC and AU noise at large
    intensities (the regime where a Gaussian maximum fails)."""
    rng = np.random.default_rng(11)
    k = 4
    mu = np.array([[0.1, -0.2, 0.3, 0.0]])
    b = rng.normal(0, 0.3, (k, k))
    cov = b @ b.T + 0.05 * np.eye(k)
    lmat = np.linalg.cholesky(cov)[None]
    su2, sc2, au2 = 0.04, 0.02, 0.01
    # the same window 16 times: each copy takes one of the 16 point sets, as windows do
    R = 16
    out = _run(np.repeat(mu, R, 0), np.ascontiguousarray(np.repeat(lmat, R, 0)), np.full(R, k),
               cubature_points(2 * k + 1), RELU, su2, sc2, au2)
    var_c = np.mean(out[1] - out[0] ** 2)
    m1, ds, dxi, prob = (np.mean(o, axis=0, keepdims=True) for o in (out[0], out[2], out[3], out[4]))
    N = 2_000_000
    s = mu[0] + rng.standard_normal((N, k)) @ lmat[0].T
    xc = np.sqrt(sc2) * rng.standard_normal(N)
    y = (np.maximum(s, 0) * (1 + np.sqrt(su2) * rng.standard_normal((N, k))) * (1 + xc)[:, None]
         + np.sqrt(au2) * rng.standard_normal((N, k)))
    M = y.max(axis=1)
    var_mc = M.var()
    se_mean, se_var = np.sqrt(var_mc / N), var_mc * np.sqrt(2.0 / N)
    # the cubature's own error: over the 16 sets, Var M has a relative s.d. of 1.2 % per
    # set (measured), 0.3 % for their mean; allowed: 1 %
    assert abs(m1[0] - M.mean()) < 5 * se_mean + 2e-3 * np.sqrt(var_mc)
    assert abs(var_c - var_mc) < 5 * se_var + 0.01 * var_mc
    assert abs(prob.sum() - 1.0) < 1e-12
    np.testing.assert_allclose(prob[0], np.bincount(y.argmax(axis=1), minlength=k) / N, atol=0.01)
    # Stein: Cov(M, s) = Cov(s) E ∂M/∂s and Cov(M, ξ_c) = σ_c² E ∂M/∂ξ_c / σ_c
    cov_ms = ((M - M.mean())[:, None] * (s - s.mean(0))).mean(0)
    np.testing.assert_allclose(cov @ ds[0], cov_ms, rtol=0.02, atol=0.02 * np.sqrt(var_mc * cov.max()))
    cov_mx = ((M - M.mean()) * xc).mean()
    np.testing.assert_allclose(np.sqrt(sc2) * dxi[0], cov_mx, rtol=0.03,
                               atol=5 * np.sqrt(var_mc * sc2 / N))
