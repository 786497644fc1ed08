"""Simulation of a reservoir (fastnoise.network.reservoir) in time: the validating
wrapper around :func:`fastnoise.kernels.reservoir.reservoir_kernel`.

Time runs in blocks of ``block`` steps; the kernel carries the K states from one
block to the next, so a block's results never depend on how time was cut (nor on
the thread count).  With a store, every block is written as it finishes (rows
labelled ``time``), followed by a checkpoint of the K states and only then by its
``done`` flags: memory stays constant in T with ``keep=False``, and a run killed at
any moment resumes (``resume=True``) from its last complete block, bit for bit.
"""

from __future__ import annotations

import os

import numpy as np

from ..noise import Noise, per_layer
from ..result import Result
from ..validation import check_choice, check_int
from .provenance import digest
from .threads import thread_limit

__all__ = ["simulate_reservoir", "DEFAULT_BLOCK"]

#: Time steps per kernel call (and per store write).
DEFAULT_BLOCK = 256


def _kernel_activation(act):
    from ..kernels.activations import CUSTOM_BASE

    return (CUSTOM_BASE, 0.0) if act.is_custom else (act.code, float(act.param))


def _open_run(store, run, config, esn, u, dt, overwrite, resume):
    """(store object to close or None, Run or None) for the options of :func:`simulate_reservoir`."""
    from ..io.store import Store, config_hash

    if store is None:
        return None, None
    if isinstance(store, Store):
        return None, store.create_run(run or store.next_run_name(), config, esn, u, checkpoint=dt)
    path = os.fspath(store)
    if resume:
        if not os.path.exists(path):
            raise FileNotFoundError(f"{path}: no such store to resume; drop resume=True to create it")
        st = Store(path, "a")
        try:
            names = st.runs()
            name = run or (names[0] if len(names) == 1 else None)
            if name is None or name not in names:
                raise ValueError(f"{path} holds runs {names}; name the one to resume with run=")
            r = st.run(name)
            if r.config_hash != config_hash(config):
                raise ValueError(f"run {name!r} of {path} was made with other settings; resume "
                                 "with the same reservoir, inputs, noise, repeats, seed, mode and "
                                 "precision, or write a new store")
            return st, r
        except BaseException:
            st.close()
            raise
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it or resume=True "
                              "to complete the run it holds")
    st = Store(path, "w" if overwrite else "x")
    try:
        return st, st.create_run(run or "run0", config, esn, u, checkpoint=dt)
    except BaseException:
        st.discard()
        raise


def simulate_reservoir(res, inputs, noise=None, repeats: int = 300, seed: int = 1, *,
                       mode: str = "open", washout: int = 0, state=None, block: int | None = None,
                       threads: int | None = None, noise_values=None, stream: int = 0,
                       precision: str = "float64", store=None, run: str | None = None,
                       overwrite: bool = False, resume: bool = False, keep: bool = True) -> Result:
    """K noisy repetitions of a reservoir driven by ``inputs`` (T, I_in), one row per step.

    Parameters
    ----------
    res : Reservoir
    inputs : array_like, (T, I_in)
    noise : Noise or list of three Noise (input, reservoir, readout), optional
    repeats : int
        K ≥ 2.
    seed : int
        0 ≤ seed < 2**64; same seed, same bits, whatever ``threads``, ``block`` or resumption.
    mode : {"open", "closed"}
        Teacher forcing, or the readout fed back as the input after ``washout`` steps.
    state : array_like, optional
        (N,) initial reservoir state (zeros).
    block, threads : int, optional
        Steps per kernel call and store write (default 256) and Numba threads.
    noise_values : ndarray, optional
        (T, K, Σ (I_n + 2)) standard normals to use instead of the RNG (tests).
    precision : {"float64", "float32"}
        The states' dtype (and the weights', rounded); float32 draws its normals four
        per Philox counter (another stream than float64).  Means and variances are
        accumulated in float64 either way.
    store : path or Store, optional
        Stream the results into this HDF5 store (rows labelled ``time``).  An existing
        path is refused without ``overwrite`` (replace it once the new run is complete)
        or ``resume`` (complete the run it holds, from its last checkpoint).
    run : str, optional
        Run name in the store.
    keep : bool
        Keep the results in memory (False: memory constant in T, the store holds them).

    Returns
    -------
    Result or None
        ``mean[n]``, ``var[n]`` of shape (T, I_n): per time step, over the K repetitions
        (None with ``keep=False``).
    """
    from ..kernels import seed_words
    from ..kernels.activations import user_functions
    from ..kernels.reservoir import reservoir_kernel

    K = check_int("repeats", repeats, 2)
    check_choice("precision", precision, ("float64", "float32"))
    dt = np.float32 if precision == "float32" else np.float64
    check_choice("mode", mode, ("open", "closed"))
    u = res.check_inputs(inputs, mode, washout)
    T = u.shape[0]
    block = DEFAULT_BLOCK if block is None else check_int("block", block, 1)
    seed = check_int("seed", seed, 0, 2 ** 64 - 1)
    key0, key1 = seed_words(seed)
    stream = check_int("stream", stream, 0, 2 ** 16 - 1)
    noises = [nz or Noise() for nz in per_layer(noise, 3)]
    amp = np.array([nz.amplitudes for nz in noises], dtype=dt)
    widths = res.widths
    if noise_values is None:
        given = np.zeros((0, K, 0), dt)
    else:
        if store is not None:
            raise ValueError("noise_values= is for tests; simulate without a store")
        given = np.ascontiguousarray(noise_values, dtype=dt)
        need = (T, K, sum(w + 2 for w in widths))
        if given.shape != need:
            raise ValueError(f"noise_values must have shape {need}, got {given.shape}")
    r0 = res.initial_state(state)
    customs = tuple(a.function for a in res.activations[1:] if a.is_custom)
    user = user_functions(customs, dt)
    code, p = _kernel_activation(res.activation)
    code_out, p_out = _kernel_activation(res.readout_activation)
    p, p_out = dt(p), dt(p_out)
    if res.activation.is_custom and res.readout_activation.is_custom:
        code_out += 1
    at_input = np.array([place == "input" for place in res.noise_at])
    csr = res.w_csr
    config = {"model": "reservoir", "network": {"widths": list(widths), "sha256": res.digest()},
              "repeats": K, "seed": seed, "stream": stream, "mode": mode, "washout": int(washout),
              "n_inputs": T, "inputs_sha256": digest(u), "state_sha256": digest(r0),
              "precision": precision, "noise": [nz.to_dict() for nz in noises]}
    st, run_obj = _open_run(store, run, config, res, u, dt, overwrite, resume)
    try:
        start, R, Y = 0, None, None
        if run_obj is not None and resume:
            done = run_obj.done
            start = int(np.argmin(done)) if not done.all() else T
            if done[start:].any():
                raise ValueError(f"run {run_obj.name!r}: its done flags are not a prefix of time")
            if start > 0:
                cp = run_obj.checkpoint(start)
                if cp is None:
                    raise ValueError(f"run {run_obj.name!r} has {start} steps done but no "
                                     "checkpoint of them; simulate it anew (overwrite=True)")
                R, Y = (np.ascontiguousarray(a, dtype=dt) for a in cp)
        if R is None:
            R = np.ascontiguousarray(np.repeat(r0[:, None], K, axis=1), dtype=dt)
            Y = np.zeros((widths[2], K), dt)
        # the noiseless trajectory, carried block by block like the noisy one
        if start > 0:
            nl_r, nl_y = run_obj.noiseless_x(1)[start - 1], run_obj.noiseless_x(2)[start - 1]
        else:
            nl_r, nl_y = r0, np.zeros(widths[2])
        ud = np.ascontiguousarray(u, dtype=dt)
        w_in, data, bias = (np.ascontiguousarray(a, dtype=dt) for a in (res.w_in, csr.data, res.bias))
        w_out, b_out = (np.ascontiguousarray(a, dtype=dt) for a in (res.w_out, res.b_out))
        if keep:
            mean = [np.full((T, w), np.nan) for w in widths]
            var = [np.full((T, w), np.nan) for w in widths]
            xts = [np.full((T, w), np.nan) for w in widths]
            xs = [np.full((T, w), np.nan) for w in widths]
        with thread_limit(threads):
            for t0 in range(start, T, block):
                t1 = min(T, t0 + block)
                bm = [np.empty((t1 - t0, w)) for w in widths]
                bv = [np.empty((t1 - t0, w)) for w in widths]
                reservoir_kernel(ud, t0, t1, mode == "closed", int(washout), w_in, csr.indptr,
                                  csr.indices, data, bias, dt(res.leak), code, p, w_out, b_out,
                                  code_out, p_out, at_input, amp, key0, key1, np.uint64(stream),
                                  given, user, R, Y, bm[0], bv[0], bm[1], bv[1], bm[2], bv[2])
                bxt, bx, nl_r, nl_y = res.run_steps(u, t0, t1, mode, washout, nl_r, nl_y)
                if run_obj is not None:
                    run_obj.write_results(t0, t1, bm, bv, bxt, bx,
                                          checkpoint=(R, Y))
                if keep:
                    for n in range(3):
                        mean[n][t0:t1], var[n][t0:t1] = bm[n], bv[n]
                        xts[n][t0:t1], xs[n][t0:t1] = bxt[n], bx[n]
        if run_obj is not None:
            run_obj.set_status("complete")
            if keep and start > 0:                      # resumed: what an earlier process wrote
                res_obj = run_obj.to_result()
                res_obj.config = config
                return res_obj
    except BaseException:
        if st is not None and not resume:
            st.discard()
            st = None
        raise
    finally:
        if st is not None:
            st.close()
    if not keep:
        return None
    return Result(mean=mean, var=var, noiseless_xt=xts, noiseless_x=xs, config=config)
