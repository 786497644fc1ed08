"""Noise terms of the layer recursion (paper Eqs. 5, 6, 14, 20–23).

Small pure functions shared by every recursion-type method; all take the
noise intensities of the *previous* layer's outputs, because the noise a
layer's internal state x̃_n receives is the noise on y_{n−1} (Eq. 3).
"""

from __future__ import annotations

import numpy as np

from ..noise import Noise

__all__ = ["weight_stats", "output_variance", "n_correlated", "n_uncorrelated",
           "prev_factor_correlated", "prev_factor_uncorrelated"]


def weight_stats(w: np.ndarray) -> tuple[int, float, float]:
    """(I_{n−1}, μ(W), η(W)): fan-in, mean and mean square of a weight matrix.

    The paper's μ(W^n) and η(W^n) (Methods VII A, below Eq. 19).
    """
    w = np.asarray(w, dtype=float)
    return int(w.shape[1]), float(w.mean()), float(np.mean(w * w))


def output_variance(noise: Noise, mean_x, var_x):
    """Var(y) of a neuron from E(x) and Var(x) (Eq. 5 / Eq. 17).

    Var(y) = σ_+² + σ_×² E(x)² + (1 + σ_×²) Var(x); exact for a neuron whose
    noise is independent of its noiseless output x.
    """
    m = np.asarray(mean_x, dtype=float)
    return noise.sigma_add2 + noise.sigma_mul2 * m * m + (1.0 + noise.sigma_mul2) * np.asarray(var_x, float)


def n_correlated(fan_in: int, mu_w: float, noise: Noise, mu_ey):
    """N_n^C = I² μ²(W) (2D_A^C + 2D_M^C μ²(E y_{n−1})) (Eq. 6)."""
    mu_ey = np.asarray(mu_ey, dtype=float)
    return fan_in ** 2 * mu_w ** 2 * (2 * noise.additive_correlated
                                      + 2 * noise.multiplicative_correlated * mu_ey ** 2)


def n_uncorrelated(fan_in: int, eta_w: float, noise: Noise, eta_ey):
    """N_n^U = I η(W) (2D_A^U + 2D_M^U (1 + 2D_M^C) η(E y_{n−1})) (Eq. 6)."""
    eta_ey = np.asarray(eta_ey, dtype=float)
    return fan_in * eta_w * (2 * noise.additive + 2 * noise.multiplicative
                             * (1 + 2 * noise.multiplicative_correlated) * eta_ey)


def prev_factor_correlated(fan_in: int, mu_w: float, eta_w: float, noise: Noise) -> float:
    """Gain of μ(F̂(x̃_{n−1})) in N_n^prev of Eq. 6, noise inherited fully correlated.

    (I² μ²(W) + 2D_M^U I η(W)) (1 + 2D_M^C): the product form of Eq. 6 with the
    division by μ²(W) multiplied out, so that μ(W) = 0 is allowed.
    """
    return (fan_in ** 2 * mu_w ** 2 + 2 * noise.multiplicative * fan_in * eta_w) \
        * (1 + 2 * noise.multiplicative_correlated)


def prev_factor_uncorrelated(fan_in: int, eta_w: float, noise: Noise) -> float:
    """Gain of the previous layer's variance when it is uncorrelated across
    neurons (Eq. 14): I η(W) (1 + σ_×²)."""
    return fan_in * eta_w * (1 + noise.sigma_mul2)
