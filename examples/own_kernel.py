"""fastnoise's kernels inside your own Numba code.

A user-written ``@numba.njit`` loop that propagates K noisy repetitions of
every input through a dense network with fastnoise's building blocks
(``fastnoise.kernels``): the same counter-based normals, the same Eq. 3
noise (here before the activation in the hidden layer), the same moment
accumulators.  The loop is where a device model or a custom layer would go.
It prints the output variance next to ``fn.simulate``'s: the bits are the same.

Run: python examples/own_kernel.py
"""

from __future__ import annotations

import numba
import numpy as np

import fastnoise as fn
from fastnoise import kernels as fk


@numba.njit
def my_simulation(u, wts, biases, codes, params, places, amp, user, repeats, key0, key1, stream,
                  mean, var):
    """Mean and variance of every layer's output y, (T, ΣI_n), for K repetitions of each input."""
    n_layers = len(codes)
    for t in range(u.shape[0]):
        # layer 0, the input layer: x̃ = u^t for every repetition, then its noise
        width = u.shape[1]
        y = np.empty((repeats, width), dtype=amp.dtype)
        z = np.zeros(fk.normals_size(width), dtype=amp.dtype)
        shift, acc, acc2 = np.empty(width), np.empty(width), np.empty(width)
        no_given = np.zeros((0, repeats, 1))
        for k in range(repeats):
            y[k] = u[t]
            fk.noisy_activation(y[k], width, codes[0], params[0], places[0], user, amp, 0, k, t,
                                stream, key0, key1, no_given, 0, 0, z)
            fk.accumulate_row(y[k], width, k == 0, shift, acc, acc2)
        fk.finish_moments(y, shift, acc, acc2, mean[t, :width], var[t, :width])
        off = width
        # the dense layers: one call each for all K repetitions; while no layer so far
        # is noisy, the rows are all the same and x̃ is computed once (shared)
        shared = not fk.layer_has_noise(amp, 0)
        for n in range(1, n_layers):
            wt = wts[n - 1]
            width = wt.shape[1]
            y_next = np.empty((repeats, width), dtype=amp.dtype)
            fk.dense_step(y, wt, biases[n - 1], codes[n], params[n], places[n], user, amp, n, t,
                          stream, key0, key1, y_next, shared)
            shared = shared and not fk.layer_has_noise(amp, n)
            y = y_next
            shift, acc, acc2 = np.empty(width), np.empty(width), np.empty(width)
            for k in range(repeats):
                fk.accumulate_row(y[k], width, k == 0, shift, acc, acc2)
            fk.finish_moments(y, shift, acc, acc2, mean[t, off:off + width], var[t, off:off + width])
            off += width


def run(net, u, noise, repeats, seed, stream=0, dtype=np.float64):
    """Call :func:`my_simulation` with ``net``'s arrays in ``dtype`` (float64 or float32:
    the states, weights and amplitudes; the moments are float64)."""
    wts = numba.typed.List([np.ascontiguousarray(w.T, dtype=dtype) for w in net.weights[1:]])
    biases = numba.typed.List([np.asarray(b, dtype=dtype) for b in net.biases[1:]])
    codes = np.array([a.code for a in net.activations])
    params = np.array([a.param for a in net.activations])
    places = np.array([fk.NOISE_INPUT if p == "input" else fk.NOISE_OUTPUT for p in net.noise_at])
    amp = np.array([nz.amplitudes for nz in fn.noise.per_layer(noise, net.n_layers)], dtype=dtype)
    key0, key1 = fk.seed_words(seed)
    total = sum(net.widths)
    mean, var = np.empty((len(u), total)), np.empty((len(u), total))
    my_simulation(u, wts, biases, codes, params, places, amp, fk.user_functions((), dtype), repeats,
                  key0, key1, np.uint64(stream), mean, var)
    return mean, var


def main():
    net = fn.random_dense([3, 16, 8, 2], activation="tanh", seed=1,
                          noise_at=["output", "input", "output", "output"])
    u = np.random.default_rng(0).uniform(-1, 1, (5, 3))
    noise = fn.Noise(additive=1e-3, multiplicative=1e-3)
    mean, var = run(net, u, noise, repeats=200, seed=7)
    res = fn.simulate(net, u, noise, repeats=200, seed=7)
    out = sum(net.widths[:-1])
    print("output variance, own kernel :", var[:, out])
    print("output variance, fn.simulate:", res.var[-1][:, 0])
    print("bitwise identical:", np.array_equal(var[:, out:], res.var[-1])
          and np.array_equal(mean[:, out:], res.mean[-1]))


if __name__ == "__main__":
    main()
