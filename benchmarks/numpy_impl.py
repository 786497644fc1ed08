"""A plain, idiomatic NumPy implementation of the noisy simulation (baseline).

Vectorised over the K repetitions and blocks of inputs; the normals come from
NumPy's default generator (PCG64 + ziggurat).  Used by the benchmarks as the
"what a user would write" reference; its statistics agree with fastnoise's
within Monte Carlo error, its random numbers of course differ.
"""

from __future__ import annotations

import numpy as np


def simulate_numpy(net, inputs, noise, repeats, seed=1, block=16):
    """Per-layer mean and unbiased variance, each a list of (T, I_n) arrays."""
    from fastnoise.noise import per_layer

    rng = np.random.default_rng(seed)
    noises = per_layer(noise, net.n_layers)
    u = np.asarray(inputs, dtype=np.float64).reshape(len(inputs), -1)
    T = u.shape[0]
    means = [np.empty((T, w)) for w in net.widths]
    vars_ = [np.empty((T, w)) for w in net.widths]
    for t0 in range(0, T, block):
        ub = u[t0:t0 + block]
        B = ub.shape[0]
        y = np.broadcast_to(ub[:, None, :], (B, repeats, ub.shape[1]))
        for n in range(net.n_layers):
            xt = y if n == 0 else y @ net.weights[n].T + net.biases[n]
            x = net.activations[n](xt)
            a_mu, a_au, a_mc, a_ac = noises[n].amplitudes
            y = (x * (1 + a_mu * rng.standard_normal(x.shape))
                 * (1 + a_mc * rng.standard_normal((B, repeats, 1)))
                 + a_au * rng.standard_normal(x.shape) + a_ac * rng.standard_normal((B, repeats, 1)))
            means[n][t0:t0 + B] = y.mean(axis=1)
            vars_[n][t0:t0 + B] = y.var(axis=1, ddof=1)
    return means, vars_
