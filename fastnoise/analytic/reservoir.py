"""Moments of a noisy reservoir in time: the covariance recursion through the Jacobian.

For :class:`fastnoise.network.reservoir.Reservoir` (its module docstring has the
model) this carries, from step to step, the mean m_r and the full covariance P of
the reservoir state r(t), and in closed loop also the readout's mean m_y, its
covariance V and its covariance with the state, Q = Cov(y, r).  Per step t:

1. **input layer**: x_0 = u(t) (deterministic), or in closed loop after the washout
   x_0 = y(t−1), with Cov x_0 = V and Cov(x_0, r(t−1)) = Q; then Eq. 3;
2. **states** s = W r(t−1) + W_in x_0 + b (exact):
   E s = W m_r + W_in E x_0 + b, S = W P Wᵀ + W_in C_0 W_inᵀ + W Qᵀ W_inᵀ + W_in Q Wᵀ,
   Cov(s, r(t−1)) = W P + W_in Q; Eq. 3 on s for ``noise_at="input"``;
3. **activation** (Gaussian closure, as :mod:`.moments`): E f and Var f by Gauss–Hermite
   quadrature per neuron, the cross-covariances through the effective gains
   g = E f'(s): Cov f = G S G off the diagonal, Var f on it, Cov(f, r(t−1)) = G Cov(s, r(t−1));
4. **leak**: r(t) = (1 − a) r(t−1) + a f, so
   P ← (1 − a)² P + a² Cov f + a(1 − a) (Cov(f, r(t−1)) + Cov(f, r(t−1))ᵀ);
5. **Eq. 3** on r(t) (exact in the second moments: with c = E y, Cov y = (1 + σ_c²) C +
   diag((1 + σ_c²) σ_u² (C_ii + m_i²) + a_u²) + σ_c² m mᵀ + a_c² 11ᵀ, as in :mod:`.moments`);
6. **readout** y = g(W_out r(t) + b_out) and its noise, the same way, with
   Q = G_out W_out P.

For a linear reservoir and readout every step is exact in the second moments (the
recursion is the exact one; noise of any kind).  With a nonlinearity the errors are
the closure's: Gaussian states and first order in the cross-covariances (statistical
linearisation); they grow when the noise moves the states across the curvature of
f, and in closed loop, where the readout's noise re-enters as input, they compound
over time.  Cost per step: two sparse-by-dense products of W with the N × N
covariance (2 nnz(W) N multiply-adds) and O(N²) for the rest.
"""

from __future__ import annotations

import numpy as np

from ..noise import Noise, per_layer
from .closures import gauss, mean_slope
from .prediction import Prediction

__all__ = ["reservoir_moments", "moment_steps", "eq3_covariance"]


def eq3_covariance(cov: np.ndarray, mean: np.ndarray, noise: Noise) -> np.ndarray:
    """Covariance of Eq. 3's output y for an input of mean ``mean`` and covariance ``cov``
    (exact; one correlated noise for the whole layer)."""
    su2, sc2, au2, ac2 = noise.variances
    if not (su2 or sc2 or au2 or ac2):
        return cov
    out = (1.0 + sc2) * cov
    out[np.diag_indices_from(out)] += (1.0 + sc2) * su2 * (np.diag(cov) + mean * mean) + au2
    if sc2:
        out += sc2 * np.outer(mean, mean)
    if ac2:
        out += ac2
    return out


def _activation(act, mean, cov, nodes):
    """E f, Cov f and the gains g of an elementwise activation of a Gaussian vector."""
    var = np.maximum(np.diag(cov), 0.0)
    mf, vf = gauss(act, mean, var, nodes)
    g = mean_slope(act, mean, var, nodes)
    cf = g[:, None] * cov * g[None, :]
    cf[np.diag_indices_from(cf)] = vf
    return mf, cf, g


def moment_steps(esn, inputs, noise, *, mode: str = "open", washout: int = 0, state=None,
                 nodes: int = 64):
    """The recursion of the module docstring, one step at a time.

    Yields, for t = 0 … T − 1, a dict with the input layer's ``m_x``, ``c_x``, the
    reservoir's mean ``m_r`` and full covariance ``P``, and the readout's ``m_y`` and ``V``
    (arrays owned by the generator: copy what you keep).  Arguments as
    :func:`reservoir_moments`.
    """
    u = esn.check_inputs(inputs, mode, washout)
    noises = [nz or Noise() for nz in per_layer(noise, 3)]
    N, I_out = esn.units, esn.widths[2]
    W, w_in, a = esn.w_csr, esn.w_in, esn.leak
    at_input = [p == "input" for p in esn.noise_at]
    m_r = esn.initial_state(state).copy()
    P = np.zeros((N, N))
    m_y, V, Q = np.zeros(I_out), np.zeros((I_out, I_out)), np.zeros((I_out, N))
    for t in range(u.shape[0]):
        closed = mode == "closed" and t >= washout
        m_x = m_y.copy() if closed else u[t]
        c_x = eq3_covariance(V.copy() if closed else np.zeros((m_x.size, m_x.size)), m_x, noises[0])
        c_xr = Q if closed else np.zeros((m_x.size, N))
        # states s = W r + W_in x_0 + b
        m_s = W @ m_r + w_in @ m_x + esn.bias
        wp = np.asarray(W @ P)                                    # W P
        c_sr = wp + w_in @ c_xr                                   # Cov(s, r(t−1))
        cross = np.asarray(W @ (w_in @ c_xr).T)                   # W Qᵀ W_inᵀ
        S = np.asarray(W @ wp.T) + w_in @ c_x @ w_in.T + cross + cross.T
        if at_input[0]:
            S = eq3_covariance(S, m_s, noises[1])
        m_f, c_f, g = _activation(esn.activation, m_s, S, nodes)
        c_fr = g[:, None] * c_sr
        m_r = (1.0 - a) * m_r + a * m_f
        P = (1.0 - a) ** 2 * P + a * a * c_f + a * (1.0 - a) * (c_fr + c_fr.T)
        if not at_input[0]:
            P = eq3_covariance(P, m_r, noises[1])
        P = 0.5 * (P + P.T)
        # readout
        m_o = esn.w_out @ m_r + esn.b_out
        c_or = esn.w_out @ P
        S_o = c_or @ esn.w_out.T
        if at_input[1]:
            S_o = eq3_covariance(S_o, m_o, noises[2])
        m_y, V, g_o = _activation(esn.readout_activation, m_o, S_o, nodes)
        Q = g_o[:, None] * c_or
        if not at_input[1]:
            V = eq3_covariance(V, m_y, noises[2])
        yield {"m_x": m_x, "c_x": c_x, "m_r": m_r, "P": P, "m_y": m_y, "V": V}


def reservoir_moments(esn, inputs, noise, *, mode: str = "open", washout: int = 0, state=None,
                      nodes: int = 64) -> Prediction:
    """Predicted mean and variance of every neuron of a noisy reservoir at every step.

    Parameters
    ----------
    esn : Reservoir
    inputs : array_like, (T, I_in)
        One row per time step (in closed loop only the first ``washout`` rows are read).
    noise : Noise or list of three Noise
        Eq. 3 on the input layer, the reservoir and the readout.
    mode, washout, state
        As :func:`fastnoise.engine.recurrent.simulate_reservoir`.
    nodes : int
        Gauss–Hermite nodes of the closure.

    Returns
    -------
    Prediction
        ``mean[n]``, ``var[n]`` of shape (T, I_n), layers input, reservoir, readout
        (method ``"reservoir-moments"``).
    """
    T = esn.check_inputs(inputs, mode, washout).shape[0]
    mean = [np.empty((T, w)) for w in esn.widths]
    var = [np.empty((T, w)) for w in esn.widths]
    steps = moment_steps(esn, inputs, noise, mode=mode, washout=washout, state=state, nodes=nodes)
    for t, st in enumerate(steps):
        for n, (m, c) in enumerate(((st["m_x"], st["c_x"]), (st["m_r"], st["P"]), (st["m_y"], st["V"]))):
            mean[n][t], var[n][t] = m, np.diag(c)
    info = {"closure": "Gaussian: Gauss–Hermite moment matching, statistical linearisation",
            "mode": mode, "washout": int(washout)}
    return Prediction(mean=mean, var=var, method="reservoir-moments", info=info)
