"""A plain, idiomatic PyTorch (CPU) implementation of the noisy simulation (peer).

What a PyTorch user who cares about speed would write: a block of inputs
times the K repetitions as one batch of (block x K) rows, Eq. 1 as one
``torch.addmm`` per layer (bias + rows @ W^T) into a preallocated buffer, the
activation in place, then Eq. 3 (paper)

    y = x (1 + √(2D_M^U) ξ) (1 + √(2D_M^C) ξ_c) + √(2D_A^U) ξ' + √(2D_A^C) ξ'_c

with ``torch.randn(..., generator=gen, out=buf)`` from one seeded
``torch.Generator`` into preallocated buffers: two normals per neuron (ξ, ξ'),
as the equation reads, and two per layer (ξ_c, ξ'_c) shared by its neurons,
fresh for every repetition and input.  The input layer is noisy too (x = u).
Mean and unbiased variance over K come from ``torch.var_mean``.  Everything
runs under ``torch.inference_mode`` with ``torch.set_num_threads(threads)``
(restored afterwards).

float32 by default, the dtype a PyTorch user picks for speed (fastnoise's
default is float64; ``compare.py`` times fastnoise both ways); float64 on
request.  The statistics agree with fastnoise's within Monte Carlo error
(``tests/test_bench_impls.py``); the random numbers of course differ.
"""

from __future__ import annotations

import numpy as np

#: Activations with a PyTorch version (fastnoise's built-ins; not user functions).
ACTIVATIONS = ("linear", "shifted_sigmoid", "logistic", "tanh", "relu", "cubic")


def _torch_dtype(dtype):
    import torch

    if isinstance(dtype, torch.dtype):
        dt = dtype
    else:
        dt = {"float32": torch.float32, "float64": torch.float64}.get(np.dtype(dtype).name)
    if dt not in (torch.float32, torch.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
    return dt


def _activate_(act, x, tmp):
    """f(x) in place on ``x`` (``tmp``: scratch of x's shape); the same f as fastnoise's."""
    name, p = act.name, float(act.param)
    if act.is_custom or name not in ACTIVATIONS:
        raise ValueError(f"no PyTorch version of activation {name!r}")
    if name == "linear":
        if p != 1.0:
            x.mul_(p)
    elif name == "shifted_sigmoid":  # 0.5 + 0.5 d / √(1 + d²), d = α (x − 0.5)
        d = x.sub_(0.5).mul_(p)
        d.mul_(tmp.copy_(d).square_().add_(1.0).rsqrt_()).mul_(0.5).add_(0.5)
    elif name == "logistic":
        x.mul_(p).sigmoid_()
    elif name == "tanh":
        x.mul_(p).tanh_()
    elif name == "relu":
        x.mul_(p).relu_()
    elif name == "cubic":  # x² (3 − 2x)
        tmp.copy_(x).square_()
        x.mul_(-2.0).add_(3.0).mul_(tmp)
    return x


def simulate_torch(net, inputs, noise, repeats, seed=1, block=16, dtype="float32",
                   threads=None):
    """Noisy simulation of ``net`` with PyTorch on the CPU.

    Parameters
    ----------
    net, inputs, noise, repeats, seed, block
        As :func:`benchmarks.numpy_impl.simulate_numpy`: a fastnoise
        ``Network``, (T, I_0) inputs, a ``Noise`` (or one per layer), K, the
        generator's seed, inputs per batch.
    dtype : ``"float32"`` (default), ``"float64"`` or a torch dtype
        Precision of the whole computation.
    threads : int, optional
        ``torch.set_num_threads`` for the call (restored afterwards); default:
        PyTorch's current setting.

    Returns
    -------
    means, vars_ : lists of (T, I_n) float64 arrays, input layer first
        Mean and unbiased variance over the K repetitions of every neuron's
        noisy output y, for every input.
    """
    import torch

    from fastnoise.noise import per_layer

    dt = _torch_dtype(dtype)
    noises = per_layer(noise, net.n_layers)
    amps = [nz.amplitudes for nz in noises]  # (√2D_M^U, √2D_A^U, √2D_M^C, √2D_A^C)
    for act in net.activations:
        if act.is_custom or act.name not in ACTIVATIONS:
            raise ValueError(f"no PyTorch version of activation {act.name!r}")
    u_np = np.asarray(inputs, dtype=np.float64).reshape(len(inputs), -1)
    T, K, widths = u_np.shape[0], int(repeats), list(net.widths)
    block = max(1, min(int(block), T))
    rows = block * K
    means = [np.empty((T, w)) for w in widths]
    vars_ = [np.empty((T, w)) for w in widths]

    old_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(int(threads))
    try:
        with torch.inference_mode():
            gen = torch.Generator().manual_seed(int(seed))
            u = torch.tensor(u_np, dtype=dt)
            # W^T and b of every layer (copies: fastnoise's arrays are read-only)
            wt = [None] + [torch.tensor(np.array(w.T), dtype=dt) for w in net.weights[1:]]
            b = [None] + [torch.tensor(np.array(bb), dtype=dt) for bb in net.biases[1:]]
            # per layer: y (rows x I_n), ξ', scratch; per layer and row: ξ_c, ξ'_c
            y = [torch.empty(rows, w, dtype=dt) for w in widths]
            xi = [torch.empty(rows, w, dtype=dt) for w in widths]
            tmp = [torch.empty(rows, w, dtype=dt) for w in widths]
            xc = torch.empty(rows, 1, dtype=dt)
            xc2 = torch.empty(rows, 1, dtype=dt)
            for t0 in range(0, T, block):
                B = min(block, T - t0)
                r = B * K
                for n in range(net.n_layers):
                    x = y[n][:r]
                    if n == 0:  # the K repetitions of each input, then f
                        x.view(B, K, -1).copy_(u[t0:t0 + B, None, :].expand(B, K, widths[0]))
                    else:       # Eq. 1 for all (block x K) rows at once
                        torch.addmm(b[n], y[n - 1][:r], wt[n], out=x)
                    _activate_(net.activations[n], x, tmp[n][:r])
                    a_mu, a_au, a_mc, a_ac = amps[n]
                    # Eq. 3, in place: x (1 + a_mu ξ) (1 + a_mc ξ_c) + a_au ξ' + a_ac ξ'_c
                    e = torch.randn(x.shape, generator=gen, dtype=dt, out=xi[n][:r])
                    x.mul_(e.mul_(a_mu).add_(1.0))
                    x.mul_(torch.randn((r, 1), generator=gen, dtype=dt, out=xc[:r])
                           .mul_(a_mc).add_(1.0))
                    x.add_(torch.randn(x.shape, generator=gen, dtype=dt, out=xi[n][:r]),
                           alpha=a_au)
                    x.add_(torch.randn((r, 1), generator=gen, dtype=dt, out=xc2[:r]),
                           alpha=a_ac)
                    var, mean = torch.var_mean(x.view(B, K, -1), dim=1, correction=1)
                    means[n][t0:t0 + B] = mean.numpy()
                    vars_[n][t0:t0 + B] = var.numpy()
    finally:
        torch.set_num_threads(old_threads)
    return means, vars_
