"""A plain PyTorch (CPU) peer of the noisy simulation of a convolutional network.

What a PyTorch user who cares about speed would write for the same noise model
(paper Eq. 3 on every neuron of every layer; pooling and flatten layers
noiseless unless given noise): a block of inputs times the K repetitions as one
batch of (block·K) maps in PyTorch's NCHW layout, ``F.conv2d`` (after ``F.pad``
for the padding), ``F.max_pool2d``/``F.avg_pool2d``, ``torch.addmm`` for dense
layers, the activation in place, then

    y = x (1 + √(2D_M^U) ξ) (1 + √(2D_M^C) ξ_c) + √(2D_A^U) ξ' + √(2D_A^C) ξ'_c

with ``torch.randn(..., generator=gen, out=buf)``: two normals per neuron and
two per layer and repetition, as the equation reads (terms with amplitude 0
skipped).  Mean and unbiased variance over K in two passes, as
:mod:`benchmarks.torch_impl`; results are returned flattened channels-last,
like fastnoise's.  float32 by default.  Runs under ``torch.inference_mode``
with ``torch.set_num_threads(threads)``.  The statistics agree with
fastnoise's within Monte Carlo error (``tests/test_bench_impls.py``).
"""

from __future__ import annotations

import numpy as np

from .torch_impl import activate_, noise_, torch_dtype, torch_threads

__all__ = ["simulate_torch_cnn"]


def _layer(torch, F, op, x, B, K):
    """x̃ of operation ``op`` for the (B·K, ...) batch ``x`` (NCHW maps or rows)."""
    kind = op.kind
    if kind == "conv2d":
        pt, pb, pl, pr = op.padding
        if any(op.padding):
            x = F.pad(x, (pl, pr, pt, pb))
        return F.conv2d(x, op._torch_w, op._torch_b, stride=op.strides)
    if kind in ("maxpool2d", "avgpool2d"):
        pt, pb, pl, pr = op.padding
        if kind == "maxpool2d":
            if any(op.padding):
                x = F.pad(x, (pl, pr, pt, pb), value=float("-inf"))
            return F.max_pool2d(x, op.pool_size, op.strides)
        if not any(op.padding):
            return F.avg_pool2d(x, op.pool_size, op.strides)
        s = F.avg_pool2d(F.pad(x, (pl, pr, pt, pb)), op.pool_size, op.strides, divisor_override=1)
        if op.count_pad:
            return s / (op.pool_size[0] * op.pool_size[1])
        ones = F.pad(torch.ones_like(x[:1, :1]), (pl, pr, pt, pb))
        return s / F.avg_pool2d(ones, op.pool_size, op.strides, divisor_override=1)
    if kind == "flatten":  # NCHW -> channels-last rows, the order fastnoise's dense layers read
        return x.permute(0, 2, 3, 1).reshape(x.shape[0], -1) if x.dim() == 4 else x
    if kind == "dense":
        if x.dim() == 4:
            x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)
        return torch.addmm(op._torch_b, x, op._torch_w)
    raise ValueError(f"no PyTorch version of a {kind} layer")


def simulate_torch_cnn(net, inputs, noise, repeats, seed=1, block=8, dtype="float32", threads=None):
    """Noisy simulation of a convolutional fastnoise ``Network`` with PyTorch on the CPU.

    Parameters
    ----------
    net : fastnoise.Network
        Conv2D, MaxPool2D, AvgPool2D, Flatten and Dense layers; the input an image
        (H, W, C) flattened channels-last (or a vector).
    inputs : (T, I_0) array
    noise : Noise or list of Noise
        As for :func:`fastnoise.simulate` (one Noise leaves pooling and flatten noiseless).
    repeats, seed, block, dtype, threads
        K, the generator's seed, inputs per batch, precision, torch threads.

    Returns
    -------
    means, vars_ : lists of (T, I_n) float64 arrays, input layer first, channels-last.
    """
    import torch
    import torch.nn.functional as F

    from fastnoise.noise import per_layer

    dt = torch_dtype(dtype)
    if any(g > 1 for g in net.noise_groups):
        raise ValueError("the PyTorch peer draws one correlated noise per layer; "
                         "correlated='channel' layers are not implemented there")
    noises = per_layer(noise, net)
    amps = [tuple(float(a) for a in nz.amplitudes) for nz in noises]
    u_np = np.asarray(inputs, dtype=np.float64).reshape(len(inputs), -1)
    T, K, widths = u_np.shape[0], int(repeats), list(net.widths)
    shape0 = net.input_shape
    block = max(1, min(int(block), T))
    means = [np.empty((T, w)) for w in widths]
    vars_ = [np.empty((T, w)) for w in widths]

    class _Op:  # the operation plus its torch parameters (fastnoise's arrays are read-only)
        def __init__(self, op):
            self.__dict__.update({k: getattr(op, k) for k in ("kind", "padding", "strides",
                                                             "pool_size", "count_pad")
                                  if hasattr(op, k)})
            if op.kind == "conv2d":
                self._torch_w = torch.tensor(np.array(op.kernel.transpose(3, 2, 0, 1)), dtype=dt)
                self._torch_b = torch.tensor(np.array(op.bias), dtype=dt)
            elif op.kind == "dense":
                self._torch_w = torch.tensor(np.array(op.weights.T), dtype=dt)
                self._torch_b = torch.tensor(np.array(op.bias), dtype=dt)

    ops = [_Op(op) for op in net.ops]
    with torch_threads(threads), torch.inference_mode():
        gen = torch.Generator().manual_seed(int(seed))
        u = torch.tensor(u_np, dtype=dt)
        for t0 in range(0, T, block):
            B = min(block, T - t0)
            r = B * K
            x = u[t0:t0 + B].repeat_interleave(K, dim=0)
            if len(shape0) == 3:
                x = x.view(r, *shape0).permute(0, 3, 1, 2).contiguous()
            for n in range(net.n_layers):
                if n > 0:
                    x = _layer(torch, F, ops[n - 1], x, B, K).contiguous()
                    activate_(net.activations[n], x, torch.empty_like(x))
                flat = x.view(r, -1)
                if any(amps[n]):
                    noise_(flat, amps[n], gen, torch.empty_like(flat),
                            torch.empty(r, 1, dtype=dt), torch.empty(r, 1, dtype=dt))
                rows = flat if x.dim() != 4 else x.permute(0, 2, 3, 1).reshape(r, -1)
                xv = rows.view(B, K, -1)
                m = xv.mean(dim=1, keepdim=True)
                means[n][t0:t0 + B] = m[:, 0].numpy()
                vars_[n][t0:t0 + B] = (xv - m).square_().sum(dim=1).div_(K - 1).numpy()
    return means, vars_
