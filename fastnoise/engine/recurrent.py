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
from dataclasses import dataclass, field

import numpy as np

from ..noise import Noise, per_layer
from ..result import Result
from ..validation import check_choice, check_int
from .provenance import digest
from .threads import thread_limit

__all__ = ["simulate_reservoir", "reservoir_plan", "execute_reservoir", "ReservoirPlan", "RowCollector",
           "DEFAULT_BLOCK"]

#: Time steps per kernel call (and per store write).
DEFAULT_BLOCK = 256


def _kernel_activation(act):
    from ..kernels.activations import CUSTOM_BASE

    return (CUSTOM_BASE, 0.0) if act.is_custom else (act.code, float(act.param))


def _open_run(store, run, pl, overwrite, resume):
    """(store object to close or None, Run or None) for the options of :func:`simulate_reservoir`."""
    from ..io.store import Store, config_hash

    if store is None:
        return None, None
    if isinstance(store, Store):
        return None, pl.create_run(store, run or store.next_run_name())
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
            if r.config_hash != config_hash(pl.config):
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
        return st, pl.create_run(st, run or "run0")
    except BaseException:
        st.discard()
        raise


@dataclass(frozen=True)
class ReservoirPlan:
    """The validated arguments of one reservoir run (the reservoir's :class:`Plan`).

    Built by :func:`reservoir_plan`; :func:`execute_reservoir` runs it.  ``config``
    is the JSON-able description a store records and hashes, so the same plan built
    on a sweep's client and on a Dask worker has the same hash.  The attributes
    :mod:`fastnoise.resources` reads of a feed-forward plan (``n_inputs``,
    ``repeats``, ``net.widths``, ``block``, ``precision``, ``s_layer``, ``hist``;
    never ``classify``: a reservoir's rows are time steps, not inputs to classify)
    are here too, so a sweep sizes a reservoir point like any other.
    """

    net: object
    u: np.ndarray
    noises: list
    repeats: int
    seed: int
    stream: int
    mode: str
    washout: int
    state: np.ndarray
    block: int
    precision: str
    config: dict
    s_layer: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    s_neuron: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    hist: tuple | None = None
    classify: bool = False

    @property
    def n_inputs(self) -> int:
        """Time steps T."""
        return int(self.u.shape[0])

    @property
    def dtype(self):
        return np.float32 if self.precision == "float32" else np.float64

    def create_run(self, store, name: str, commit: bool = True):
        """Lay out this run in ``store`` (rows labelled ``time``, two checkpoint slots)."""
        samples = (self.s_layer, self.s_neuron) if len(self.s_layer) else None
        return store.create_run(name, self.config, self.net, self.u, samples=samples,
                                hist=self.hist, commit=commit, checkpoint=self.dtype)

    def predict_options(self) -> dict:
        """What :func:`fastnoise.predict` needs beside the network, inputs and noise."""
        return {"mode": self.mode, "washout": self.washout, "state": self.state}


class RowCollector:
    """Gathers a reservoir run's blocks in memory, in the layout a store's Run takes them.

    Passed to :func:`execute_reservoir` in place of a store's Run (a sweep's worker, which
    never touches HDF5); :attr:`rows` are then the keyword arguments of
    :meth:`fastnoise.io.store.Run.write_results` for the whole run (rows 0 … T − 1).
    """

    def __init__(self, pl: ReservoirPlan):
        T, K, S = pl.n_inputs, pl.repeats, len(pl.s_layer)
        widths = pl.net.widths
        self.rows = {kind: [np.full((T, w), np.nan) for w in widths]
                     for kind in ("mean", "var", "xt", "x")}
        self.rows["samples"] = np.full((T, K, S), np.nan) if S else None
        self.rows["hist"] = (np.zeros((T, 3, int(pl.hist[2]) + 2), np.int64)
                             if pl.hist is not None else None)

    def write_results(self, start, stop, mean, var, xt, x, checkpoint=None, samples=None,
                      hist=None) -> None:
        for kind, arrays in (("mean", mean), ("var", var), ("xt", xt), ("x", x)):
            for n, a in enumerate(arrays):
                self.rows[kind][n][start:stop] = a
        if samples is not None:
            self.rows["samples"][start:stop] = samples
        if hist is not None:
            self.rows["hist"][start:stop] = hist

    def set_status(self, status: str) -> None:
        pass


def reservoir_plan(res, inputs, noise=None, repeats: int = 300, seed: int = 1, *,
                   mode: str = "open", washout: int = 0, state=None, block: int | None = None,
                   stream: int = 0, precision: str = "float64", samples=None,
                   histogram=None) -> ReservoirPlan:
    """Validate the arguments of :func:`simulate_reservoir` (same meaning) into a
    :class:`ReservoirPlan`."""
    from ..network.reservoir import Reservoir
    from .arguments import hist_spec, sample_spec

    if not isinstance(res, Reservoir):
        raise TypeError(f"res must be a fastnoise Reservoir (see fn.reservoir), got "
                        f"{type(res).__name__}")
    K = check_int("repeats", repeats, 2)
    check_choice("precision", precision, ("float64", "float32"))
    check_choice("mode", mode, ("open", "closed"))
    u = res.check_inputs(inputs, mode, washout)
    block = DEFAULT_BLOCK if block is None else check_int("block", block, 1)
    seed = check_int("seed", seed, 0, 2 ** 64 - 1)
    stream = check_int("stream", stream, 0, 2 ** 16 - 1)
    noises = [nz or Noise() for nz in per_layer(noise, 3)]
    r0 = res.initial_state(state)
    config = {"model": "reservoir", "network": {"widths": list(res.widths), "sha256": res.digest()},
              "repeats": K, "seed": seed, "stream": stream, "mode": mode, "washout": int(washout),
              "n_inputs": int(u.shape[0]), "inputs_sha256": digest(u), "state_sha256": digest(r0),
              "precision": precision, "noise": [nz.to_dict() for nz in noises]}
    s_layer, s_neuron = sample_spec(res, samples)
    hist = hist_spec(res, histogram)
    if len(s_layer):                    # only when asked: plain runs keep their config hash
        config["samples"] = [[int(a), int(b)] for a, b in zip(s_layer, s_neuron)]
    if hist is not None:
        config["histogram"] = {"bins": int(hist[2]), "lo": hist[0].tolist(), "hi": hist[1].tolist()}
    return ReservoirPlan(net=res, u=u, noises=noises, repeats=K, seed=seed, stream=stream,
                         mode=mode, washout=int(washout), state=r0, block=block,
                         precision=precision, config=config, s_layer=s_layer, s_neuron=s_neuron,
                         hist=hist)


def simulate_reservoir(res, inputs, noise=None, repeats: int = 300, seed: int = 1, *,
                       mode: str = "open", washout: int = 0, state=None, block: int | None = None,
                       threads: int | None = None, noise_values=None, stream: int = 0,
                       precision: str = "float64", store=None, run: str | None = None,
                       overwrite: bool = False, resume: bool = False, keep: bool = True,
                       samples=None, histogram=None) -> Result:
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
    samples : list of (layer, neuron), optional
        Keep the K raw noisy outputs y of these neurons at every step ((T, K, S) in
        ``Result.samples``; in the store, rows labelled ``time``).
    histogram : dict or (bins, range), optional
        Count every layer's noisy outputs at every step into ``bins`` bins over
        ``range`` (one (lo, hi) for all layers or one per layer), plus under- and
        overflow, as for feed-forward networks; ``Result.histogram`` sums them over
        time, the store keeps them per step.

    Returns
    -------
    Result or None
        ``mean[n]``, ``var[n]`` of shape (T, I_n): per time step, over the K repetitions
        (None with ``keep=False``).
    """
    pl = reservoir_plan(res, inputs, noise, repeats, seed, mode=mode, washout=washout, state=state,
                        block=block, stream=stream, precision=precision, samples=samples,
                        histogram=histogram)
    if noise_values is not None and store is not None:
        raise ValueError("noise_values= is for tests; simulate without a store")
    st, run_obj = _open_run(store, run, pl, overwrite, resume)
    try:
        return execute_reservoir(pl, run_obj, resume=resume, threads=threads,
                                 noise_values=noise_values, keep=keep)
    except BaseException:
        if st is not None and not resume:
            st.discard()
            st = None
        raise
    finally:
        if st is not None:
            st.close()


def execute_reservoir(pl: ReservoirPlan, run_obj=None, *, resume: bool = False,
                      threads: int | None = None, noise_values=None, keep: bool = True):
    """Run ``pl`` block by block: write each block into ``run_obj`` (a store's Run, or
    None) and, with ``keep``, return the whole :class:`~fastnoise.result.Result`.

    With ``resume`` the run starts after the last block ``run_obj`` marks done, from its
    checkpoint.  Nothing here opens or closes a file (:func:`simulate_reservoir` and the
    sweep runner do).
    """
    from ..kernels import seed_words
    from ..kernels.activations import user_functions
    from ..kernels.reservoir import reservoir_kernel

    res, u, K, T, block = pl.net, pl.u, pl.repeats, pl.n_inputs, pl.block
    mode, washout, dt, config, r0 = pl.mode, pl.washout, pl.dtype, pl.config, pl.state
    key0, key1 = seed_words(pl.seed)
    stream = pl.stream
    amp = np.array([nz.amplitudes for nz in pl.noises], dtype=dt)
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
    S = len(pl.s_layer)
    if pl.hist is None:
        hist_lo = hist_hi = np.zeros(3)
        bins = 0
    else:
        hist_lo, hist_hi, bins = pl.hist
    kept = RowCollector(pl) if keep else None   # the whole run in memory, as a store takes it
    sinks = [sink for sink in (run_obj, kept) if sink is not None]
    with thread_limit(threads):
        for t0 in range(start, T, block):
            t1 = min(T, t0 + block)
            bm = [np.empty((t1 - t0, w)) for w in widths]
            bv = [np.empty((t1 - t0, w)) for w in widths]
            bs = np.empty((t1 - t0 if S else 0, K, S))
            bh = np.zeros((t1 - t0 if bins else 0, 3, bins + 2), np.int64)
            reservoir_kernel(ud, t0, t1, mode == "closed", int(washout), w_in, csr.indptr,
                             csr.indices, data, bias, dt(res.leak), code, p, w_out, b_out,
                             code_out, p_out, at_input, amp, key0, key1, np.uint64(stream),
                             given, user, R, Y, bm[0], bv[0], bm[1], bv[1], bm[2], bv[2],
                             pl.s_layer, pl.s_neuron, bs, hist_lo, hist_hi, bh)
            bxt, bx, nl_r, nl_y = res.run_steps(u, t0, t1, mode, washout, nl_r, nl_y)
            for sink in sinks:
                sink.write_results(t0, t1, bm, bv, bxt, bx, checkpoint=(R, Y),
                                   samples=bs if S else None, hist=bh if bins else None)
    if run_obj is not None:
        run_obj.set_status("complete")
        if keep and start > 0:                      # resumed: what an earlier process wrote
            res_obj = run_obj.to_result()
            res_obj.config = config
            return res_obj
    if not keep:
        return None
    rows = kept.rows
    return Result(mean=rows["mean"], var=rows["var"], noiseless_xt=rows["xt"], noiseless_x=rows["x"],
                  config=config,
                  samples=None if rows["samples"] is None else (rows["samples"], pl.s_layer, pl.s_neuron),
                  histogram=None if rows["hist"] is None else (rows["hist"].sum(axis=0), hist_lo, hist_hi))
