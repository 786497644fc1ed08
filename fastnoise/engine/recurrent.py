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
                       threads: int | None = None, noise_values=None, stream: int = 0) -> Result:
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

    Returns
    -------
    Result
        ``mean[n]``, ``var[n]`` of shape (T, I_n): per time step, over the K repetitions.
    """
    from ..kernels import seed_words
    from ..kernels.activations import user_functions
    from ..kernels.reservoir import _reservoir_kernel

    K = check_int("repeats", repeats, 2)
    check_choice("mode", mode, ("open", "closed"))
    u = res.check_inputs(inputs, mode, washout)
    T = u.shape[0]
    block = DEFAULT_BLOCK if block is None else check_int("block", block, 1)
    key0, key1 = seed_words(check_int("seed", seed, 0, 2 ** 64 - 1))
    stream = check_int("stream", stream, 0, 2 ** 16 - 1)
    noises = per_layer(noise, 3)
    amp = np.array([(nz or Noise()).amplitudes for nz in noises], dtype=np.float64)
    widths = res.widths
    if noise_values is None:
        given = np.zeros((0, K, 0))
    else:
        given = np.ascontiguousarray(noise_values, dtype=np.float64)
        need = (T, K, sum(w + 2 for w in widths))
        if given.shape != need:
            raise ValueError(f"noise_values must have shape {need}, got {given.shape}")
    customs = tuple(a.function for a in res.activations[1:] if a.is_custom)
    user = user_functions(customs)
    code, p = _kernel_activation(res.activation)
    code_out, p_out = _kernel_activation(res.readout_activation)
    if res.activation.is_custom and res.readout_activation.is_custom:
        code_out += 1
    at_input = np.array([place == "input" for place in res.noise_at])
    csr = res.w_csr
    R = np.ascontiguousarray(np.repeat(res.initial_state(state)[:, None], K, axis=1))
    Y = np.zeros((widths[2], K))
    mean = [np.empty((T, w)) for w in widths]
    var = [np.empty((T, w)) for w in widths]
    with thread_limit(threads):
        for t0 in range(0, T, block):
            t1 = min(T, t0 + block)
            out = [a[t0:t1] for pair in zip(mean, var) for a in pair]
            _reservoir_kernel(u, t0, t1, mode == "closed", int(washout), res.w_in, csr.indptr,
                              csr.indices, csr.data, res.bias, res.leak, code, p, res.w_out,
                              res.b_out, code_out, p_out, at_input, amp, key0, key1,
                              np.uint64(stream), given, user, R, Y, *out)
    xt, x = res.run(u, mode, washout, state)
    config = {"model": "reservoir", "widths": list(widths), "repeats": K, "seed": int(seed),
              "mode": mode, "washout": int(washout), "steps": T,
              "noise": [(nz or Noise()).to_dict() for nz in noises]}
    return Result(mean=mean, var=var, noiseless_xt=xt, noiseless_x=x, config=config)
