"""A plain, idiomatic PyTorch (CPU) implementation of the noisy simulation (peer).

What a PyTorch user would write: blocks of inputs times K repetitions as one
batch, ``torch.matmul`` for Eq. 1, the activation, then Eq. 3 with
``torch.randn`` from a seeded generator (two normals per neuron, as the
equation reads, and one per layer for the correlated terms), in
``torch.inference_mode``.  float32 by default, the dtype a PyTorch user
would pick for speed; float64 on request.  Statistics agree with fastnoise's
within Monte Carlo error; the random numbers of course differ.
"""

from __future__ import annotations

import numpy as np


def _activation(act, x):
    import torch

    name, p = act.name, float(act.param)
    if name == "linear":
        return x * p
    if name == "shifted_sigmoid":
        z = x - 0.5
        return 0.5 + p * z / (2.0 * torch.sqrt(1.0 + (p * z) ** 2))
    if name == "logistic":
        return torch.sigmoid(p * x)
    if name == "tanh":
        return torch.tanh(p * x)
    if name == "relu":
        return torch.relu(p * x)
    if name == "cubic":
        return 3.0 * x ** 2 - 2.0 * x ** 3
    raise ValueError(f"no PyTorch version of activation {name!r}")


def simulate_torch(net, inputs, noise, repeats, seed=1, block=16, dtype="float32", threads=None):
    """Per-layer mean and unbiased variance, each a list of (T, I_n) float64 arrays."""
    import torch

    from fastnoise.noise import per_layer

    dt = {"float32": torch.float32, "float64": torch.float64}[dtype]
    if threads is not None:
        torch.set_num_threads(int(threads))
    gen = torch.Generator().manual_seed(int(seed))
    noises = per_layer(noise, net.n_layers)
    u = torch.as_tensor(np.asarray(inputs, dtype=np.float64).reshape(len(inputs), -1), dtype=dt)
    T = u.shape[0]
    weights = [None] + [torch.tensor(np.array(w.T), dtype=dt) for w in net.weights[1:]]
    biases = [None] + [torch.tensor(np.array(b), dtype=dt) for b in net.biases[1:]]
    means = [np.empty((T, w)) for w in net.widths]
    vars_ = [np.empty((T, w)) for w in net.widths]
    with torch.inference_mode():
        for t0 in range(0, T, block):
            ub = u[t0:t0 + block]
            B = ub.shape[0]
            y = ub[:, None, :].expand(B, repeats, ub.shape[1])
            for n in range(net.n_layers):
                xt = y if n == 0 else torch.matmul(y, weights[n]) + biases[n]
                x = _activation(net.activations[n], xt)
                a_mu, a_au, a_mc, a_ac = noises[n].amplitudes
                shape, shared = x.shape, (B, repeats, 1)
                y = (x * (1 + a_mu * torch.randn(shape, generator=gen, dtype=dt))
                     * (1 + a_mc * torch.randn(shared, generator=gen, dtype=dt))
                     + a_au * torch.randn(shape, generator=gen, dtype=dt)
                     + a_ac * torch.randn(shared, generator=gen, dtype=dt))
                means[n][t0:t0 + B] = y.mean(dim=1).double().numpy()
                vars_[n][t0:t0 + B] = y.var(dim=1, unbiased=True).double().numpy()
    return means, vars_
