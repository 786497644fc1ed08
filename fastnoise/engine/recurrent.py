"""Simulation of a reservoir (fastnoise.network.reservoir) in time: the validating
wrapper around :func:`fastnoise.kernels.reservoir._reservoir_kernel`.

Time runs in blocks of ``block`` steps; the kernel carries the K states from one
block to the next, so a block's results never depend on how time was cut (nor on
the thread count).  Results are kept in memory, one (T, I_n) array per layer.
"""

from __future__ import annotations

import numpy as np

from ..noise import Noise, per_layer
from ..result import Result
from ..validation import check_choice, check_int
from .threads import thread_limit

__all__ = ["simulate_reservoir", "DEFAULT_BLOCK"]

#: Time steps per kernel call.
DEFAULT_BLOCK = 256


def _kernel_activation(act):
    from ..kernels.activations import CUSTOM_BASE

    return (CUSTOM_BASE, 0.0) if act.is_custom else (act.code, float(act.param))


def simulate_reservoir(res, inputs, noise=None, repeats: int = 300, seed: int = 1, *,
                       mode: str = "open", washout: int = 0, state=None, block: int | None = None,
                       threads: int | None = None, noise_values=None, stream: int = 0,
                       precision: str = "float64") -> Result:
    """K noisy repetitions of a reservoir driven by ``inputs`` (T, I_in), one row per step.

    Parameters
    ----------
    res : Reservoir
    inputs : array_like, (T, I_in)
    noise : Noise or list of three Noise (input, reservoir, readout), optional
    repeats : int
        K ≥ 2.
    seed : int
        0 ≤ seed < 2**64; same seed, same bits, whatever ``threads`` or ``block``.
    mode : {"open", "closed"}
        Teacher forcing, or the readout fed back as the input after ``washout`` steps.
    state : array_like, optional
        (N,) initial reservoir state (zeros).
    block, threads : int, optional
        Steps per kernel call (default 256) and Numba threads.
    noise_values : ndarray, optional
        (T, K, Σ (I_n + 2)) standard normals to use instead of the RNG (tests).
    precision : {"float64", "float32"}
        The states' dtype (and the weights', rounded); float32 draws its normals four
        per Philox counter (another stream than float64).  Means and variances are
        accumulated in float64 either way.

    Returns
    -------
    Result
        ``mean[n]``, ``var[n]`` of shape (T, I_n): per time step, over the K repetitions.
    """
    from ..kernels import seed_words
    from ..kernels.activations import user_functions
    from ..kernels.reservoir import _reservoir_kernel

    K = check_int("repeats", repeats, 2)
    check_choice("precision", precision, ("float64", "float32"))
    dt = np.float32 if precision == "float32" else np.float64
    check_choice("mode", mode, ("open", "closed"))
    u = res.check_inputs(inputs, mode, washout)
    T = u.shape[0]
    block = DEFAULT_BLOCK if block is None else check_int("block", block, 1)
    key0, key1 = seed_words(check_int("seed", seed, 0, 2 ** 64 - 1))
    stream = check_int("stream", stream, 0, 2 ** 16 - 1)
    noises = per_layer(noise, 3)
    amp = np.array([(nz or Noise()).amplitudes for nz in noises], dtype=dt)
    widths = res.widths
    if noise_values is None:
        given = np.zeros((0, K, 0), dt)
    else:
        given = np.ascontiguousarray(noise_values, dtype=dt)
        need = (T, K, sum(w + 2 for w in widths))
        if given.shape != need:
            raise ValueError(f"noise_values must have shape {need}, got {given.shape}")
    customs = tuple(a.function for a in res.activations[1:] if a.is_custom)
    user = user_functions(customs, dt)
    code, p = _kernel_activation(res.activation)
    code_out, p_out = _kernel_activation(res.readout_activation)
    p, p_out = dt(p), dt(p_out)
    if res.activation.is_custom and res.readout_activation.is_custom:
        code_out += 1
    at_input = np.array([place == "input" for place in res.noise_at])
    csr = res.w_csr
    R = np.ascontiguousarray(np.repeat(res.initial_state(state)[:, None], K, axis=1), dtype=dt)
    Y = np.zeros((widths[2], K), dt)
    ud = np.ascontiguousarray(u, dtype=dt)
    w_in, data, bias = (np.ascontiguousarray(a, dtype=dt) for a in (res.w_in, csr.data, res.bias))
    w_out, b_out = (np.ascontiguousarray(a, dtype=dt) for a in (res.w_out, res.b_out))
    mean = [np.empty((T, w)) for w in widths]
    var = [np.empty((T, w)) for w in widths]
    with thread_limit(threads):
        for t0 in range(0, T, block):
            t1 = min(T, t0 + block)
            out = [a[t0:t1] for pair in zip(mean, var) for a in pair]
            _reservoir_kernel(ud, t0, t1, mode == "closed", int(washout), w_in, csr.indptr,
                              csr.indices, data, bias, dt(res.leak), code, p, w_out, b_out,
                              code_out, p_out, at_input, amp, key0, key1, np.uint64(stream),
                              given, user, R, Y, *out)
    xt, x = res.run(u, mode, washout, state)
    config = {"model": "reservoir", "widths": list(widths), "repeats": K, "seed": int(seed),
              "mode": mode, "washout": int(washout), "steps": T, "precision": precision,
              "noise": [(nz or Noise()).to_dict() for nz in noises]}
    return Result(mean=mean, var=var, noiseless_xt=xt, noiseless_x=x, config=config)
