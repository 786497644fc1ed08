"""A plain, idiomatic PyTorch (CPU) implementation of the noisy simulation (peer).

What a PyTorch user who cares about speed would write: a block of inputs
times the K repetitions as one batch of (block x K) rows, Eq. 1 as one
``torch.addmm`` per layer (bias + rows @ W^T) into a preallocated buffer, the
activation in place, then Eq. 3 (paper)

    y = x (1 + √(2D_M^U) ξ) (1 + √(2D_M^C) ξ_c) + √(2D_A^U) ξ' + √(2D_A^C) ξ'_c

with ``torch.randn(..., generator=gen, out=buf)`` from one seeded
``torch.Generator`` into preallocated buffers: two normals per neuron (ξ, ξ'),
as the equation reads, and two per layer (ξ_c, ξ'_c) shared by its neurons,
fresh for every repetition and input; a term whose amplitude is 0 is skipped
(no normals drawn for it).  Noise is given per layer, the input layer
included (x = u).

The shared prefix: while no layer so far is noisy (e.g. a noiseless input
layer), every repetition holds the same states, so those layers are computed
once per input, a (block x I_n) batch, and so is x̃ of the first noisy layer
(its linear map acts on noiseless states); f(x̃) is expanded to the
(block x K) rows there (``copy_`` from an ``expand``ed view), and only the
noisy layers run on block x K rows.  A noiseless layer's mean is its state,
its variance exactly 0.

Mean and unbiased variance over K in two passes: ``torch.mean`` over the K
axis, then Σ(y − ȳ)²/(K − 1) with ``torch.sub(..., out=)``, ``square_``,
``sum`` (``torch.var_mean`` over the middle axis of the (block, K, I) view was
about 20x slower on this machine).  Everything runs under
``torch.inference_mode`` with ``torch.set_num_threads(threads)`` (restored
afterwards).

float32 by default, the dtype a PyTorch user picks for speed (fastnoise's
default is float64; ``compare.py`` times fastnoise both ways); float64 on
request (PyTorch's float64 ``randn`` is much slower than its float32 one).
The statistics agree with fastnoise's within Monte Carlo error
(``tests/test_bench_impls.py``); the random numbers of course differ.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

#: Activations with a PyTorch version (fastnoise's built-ins; not user functions).
ACTIVATIONS = ("linear", "shifted_sigmoid", "logistic", "tanh", "relu", "cubic")


def torch_dtype(dtype):
    import torch

    if isinstance(dtype, torch.dtype):
        dt = dtype
    else:
        dt = {"float32": torch.float32, "float64": torch.float64}.get(np.dtype(dtype).name)
    if dt not in (torch.float32, torch.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
    return dt


@contextmanager
def torch_threads(threads):
    """``torch.set_num_threads(threads)`` for the ``with`` block (restored afterwards); None
    leaves PyTorch's setting as it is."""
    import torch

    old = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(int(threads))
    try:
        yield
    finally:
        torch.set_num_threads(old)


def activate_(act, x, tmp):
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


def noise_(x, amps, gen, xi, xc, xc2):
    """Eq. 3 in place on the (r x I) rows ``x``; terms whose amplitude is 0 are skipped.

    x (1 + a_mu ξ) (1 + a_mc ξ_c) + a_au ξ' + a_ac ξ'_c, ξ and ξ' into the
    (r x I) buffer ``xi``, ξ_c and ξ'_c into the (r x 1) buffers ``xc``, ``xc2``.
    """
    import torch

    a_mu, a_au, a_mc, a_ac = amps
    r, dt = x.shape[0], x.dtype
    if a_mu:
        x.mul_(torch.randn(x.shape, generator=gen, dtype=dt, out=xi).mul_(a_mu).add_(1.0))
    if a_mc:
        x.mul_(torch.randn((r, 1), generator=gen, dtype=dt, out=xc).mul_(a_mc).add_(1.0))
    if a_au:
        x.add_(torch.randn(x.shape, generator=gen, dtype=dt, out=xi), alpha=a_au)
    if a_ac:
        x.add_(torch.randn((r, 1), generator=gen, dtype=dt, out=xc2), alpha=a_ac)
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

    dt = torch_dtype(dtype)
    L = net.n_layers
    noises = per_layer(noise, L)
    amps = [tuple(float(a) for a in nz.amplitudes) for nz in noises]  # (√2D_M^U, √2D_A^U, √2D_M^C, √2D_A^C)
    # layers 0..first-1 are noiseless and x̃ of layer `first` is the same in every
    # repetition: computed once per input, expanded to the K repetitions there
    first = next((n for n in range(L) if any(amps[n])), L)
    for act in net.activations:
        if act.is_custom or act.name not in ACTIVATIONS:
            raise ValueError(f"no PyTorch version of activation {act.name!r}")
    u_np = np.asarray(inputs, dtype=np.float64).reshape(len(inputs), -1)
    T, K, widths = u_np.shape[0], int(repeats), list(net.widths)
    block = max(1, min(int(block), T))
    rows = block * K
    means = [np.empty((T, w)) for w in widths]
    vars_ = [np.empty((T, w)) for w in widths]

    with torch_threads(threads), torch.inference_mode():
        gen = torch.Generator().manual_seed(int(seed))
        u = torch.tensor(u_np, dtype=dt)
        # W^T and b of every layer (copies: fastnoise's arrays are read-only)
        wt = [None] + [torch.tensor(np.array(w.T), dtype=dt) for w in net.weights[1:]]
        b = [None] + [torch.tensor(np.array(bb), dtype=dt) for bb in net.biases[1:]]
        # the shared prefix, layers 0..first: one row per input (block x I_n)
        s = [torch.empty(block, widths[n], dtype=dt) for n in range(min(first + 1, L))]
        s_tmp = [torch.empty(block, widths[n], dtype=dt) for n in range(min(first + 1, L))]
        # the noisy layers first..L-1: (block x K) rows; y, ξ/ξ' and scratch
        # per layer, ξ_c and ξ'_c per row, the means (block x 1 x I_n)
        noisy = range(first, L)
        y = {n: torch.empty(rows, widths[n], dtype=dt) for n in noisy}
        xi = {n: torch.empty(rows, widths[n], dtype=dt) for n in noisy}
        tmp = {n: torch.empty(rows, widths[n], dtype=dt) for n in noisy}
        mbuf = {n: torch.empty(block, 1, widths[n], dtype=dt) for n in noisy}
        xc = torch.empty(rows, 1, dtype=dt)
        xc2 = torch.empty(rows, 1, dtype=dt)
        for t0 in range(0, T, block):
            B = min(block, T - t0)
            r = B * K
            for n in range(L):
                if n <= first:  # same in every repetition: once per input
                    xs = s[n][:B]
                    if n == 0:
                        xs.copy_(u[t0:t0 + B])
                    else:   # Eq. 1 for the B inputs
                        torch.addmm(b[n], s[n - 1][:B], wt[n], out=xs)
                    activate_(net.activations[n], xs, s_tmp[n][:B])
                    if n < first:  # noiseless: y = f(x̃) in every repetition
                        means[n][t0:t0 + B] = xs.numpy()
                        vars_[n][t0:t0 + B] = 0.0
                        continue
                    x = y[n][:r]   # the first noisy layer: expand to the K repetitions
                    x.view(B, K, -1).copy_(xs[:, None, :])
                else:  # Eq. 1 for all (B x K) rows at once
                    x = y[n][:r]
                    torch.addmm(b[n], y[n - 1][:r], wt[n], out=x)
                    activate_(net.activations[n], x, tmp[n][:r])
                noise_(x, amps[n], gen, xi[n][:r], xc[:r], xc2[:r])
                # mean and unbiased variance over K, two passes (torch.var_mean
                # over the middle axis is ~20x slower here)
                xv = x.view(B, K, -1)
                m = torch.mean(xv, dim=1, keepdim=True, out=mbuf[n][:B])
                d = torch.sub(xv, m, out=tmp[n][:r].view(B, K, -1)).square_()
                means[n][t0:t0 + B] = m[:, 0].numpy()
                vars_[n][t0:t0 + B] = d.sum(dim=1).div_(K - 1).numpy()
    return means, vars_
