"""Monte Carlo simulation of noisy networks: validating wrapper of the kernels.

:func:`simulate` runs K noisy repetitions of every input through a
:class:`~fastnoise.Network`, reduces them on the fly to per-neuron, per-input
mean and variance of every layer's output y (paper Eqs. 1–4), optionally
streams them into an HDF5 store, and returns a :class:`Result`.

The engine's parts live in :mod:`fastnoise.engine` (arguments, threads,
provenance, planning, execution, finite, runs); this module puts them together
in :func:`simulate` and re-exports the names that were always imported from
here (``fastnoise.simulate.plan``, ``.execute``, ``.RNG_VERSION``, ...).
"""

from __future__ import annotations

import os
from typing import Callable

import numpy as np

from .engine.arguments import hist_spec, sample_spec, validate_inputs
from .engine.execution import Collector, execute, forward, progress_reporter
from .engine.finite import FiniteCheck, NonFiniteWarning
from .engine.planning import Plan, plan
from .engine.provenance import MAX_SEED, NUMERICS_VERSION, RNG_VERSION, RNG_VERSION_F32, config_diff
from .engine.runs import check_resources, open_run, reusable_run, reuse_run, stored_run, verify_stored
from .engine.threads import thread_limit
from .network import Network
from .network.reservoir import Reservoir
from .result import Result  # re-exported: fn.simulate returns it
from .validation import check_int

__all__ = ["simulate", "plan", "execute", "forward", "Plan", "Result", "validate_inputs",
           "NonFiniteWarning",
           # re-exported from fastnoise.engine for the imports of before the split
           "Collector", "MAX_SEED", "NUMERICS_VERSION", "RNG_VERSION", "RNG_VERSION_F32",
           "config_diff", "hist_spec", "reusable_run", "sample_spec", "stored_run",
           "thread_limit", "verify_stored"]


def simulate(net: Network, inputs, noise=None, repeats: int = 300, seed: int = 1, store=None, *,
             run: str | None = None, overwrite: bool = False, resume: bool = False,
             block: int | None = None, threads: int | None = None, samples=None,
             histogram=None, progress: bool | Callable | None = False, stream: int = 0,
             noise_values: np.ndarray | None = None, keep: bool = True, labels=None,
             classify: bool | None = None, precision: str = "float64", mode: str | None = None,
             washout: int | None = None, state=None) -> Result:
    """Simulate K noisy repetitions of every input and reduce them per neuron.

    Parameters
    ----------
    net : Network
    inputs : array_like, (T, I_0)
        One input vector per row (1-D is accepted for a one-neuron input).
    noise : Noise, list of Noise, or None
        Intensities of Eq. 3, for all layers or one entry per layer (None
        entries are noiseless layers).
    repeats : int
        K ≥ 2 repetitions of each input.
    seed : int
        Key of the counter-based RNG, 0 ≤ seed < 2**64.  Same seed, same
        results, bit for bit, whatever ``threads``, ``block`` or resumption.
    store : path or Store, optional
        Stream the results into this HDF5 store; an open
        :class:`~fastnoise.Store` gets a new run.  An existing path is never
        written without ``overwrite`` (replace it once the new run is complete:
        a run killed before leaves the old file as it was) or ``resume``
        (complete the run it holds).  Without either, a path that already holds
        this exact run, complete, is read back instead of recomputed (the same
        bits); any other existing file is refused.  One process writes a path
        at a time: a second one is refused (:class:`~fastnoise.io.errors.StoreBusyError`).
    run : str, optional
        Run name inside the store (default ``run0``, ``run1``, ...).
    block : int, optional
        Inputs per kernel call and store write (default 64).
    threads : int, optional
        Numba threads (default: all).
    samples : list of (layer, neuron), optional
        Keep the raw K samples of these neurons for every input.
    histogram : dict, optional
        ``{"bins": nb, "range": (lo, hi) or [(lo, hi)] * L}``: per-layer
        histogram of y over all neurons, repetitions and inputs.
    progress : bool or callable
        True prints a progress bar to stderr; a callable gets (done, total).
    stream : int
        RNG stream number (0..65535), for independent runs with one seed.
    noise_values : ndarray, optional
        (T, K, Σ (I_n+2)) standard normals to use instead of the RNG, per
        layer ``(ξ_c, ξ'_c, z_0, ..., z_{I_n−1})`` (see
        :mod:`fastnoise.kernels.propagate`; for testing).
    keep : bool
        Keep results in memory (set False for store-only runs of huge T).
    labels : array_like of int, optional
        (T,) true class of every input: turns on the classification reducer
        (the argmax of the noisy output layer in every repetition) so that
        :meth:`Result.accuracy` reports accuracy under noise.
    classify : bool, optional
        Record the noisy argmax without labels (agreement with the noiseless
        prediction only).
    mode, washout, state : optional, reservoirs only
        For a :class:`~fastnoise.Reservoir` (inputs: one row per time step): ``"open"``
        (teacher forcing, the default) or ``"closed"`` (after ``washout`` steps the
        readout is fed back as the input), and the (N,) initial state (zeros).
        A reservoir's store labels its rows ``time`` and is resumable from the last
        complete block of steps (:func:`fastnoise.engine.recurrent.simulate_reservoir`).
    precision : {"float64", "float32"}
        ``"float32"``, the fast mode: every layer's states are float32
        (float32 GEMMs for Eq. 1, activation and Eq. 3 noise in float32,
        normals from a float32 generator drawing four per Philox counter,
        see :mod:`fastnoise.kernels.rng32`), means and variances accumulate
        in float64.  Rounding adds relative errors of ~1e-7 to the states,
        negligible against noise amplitudes √(2D) ≫ 1e-6 (D ≫ 1e-12): at
        D ≥ 1e-8 under 1e-3 of the noise variance.  Another random stream
        than float64, so the two agree statistically, not bit for bit.

    Returns
    -------
    Result
    """
    if threads is not None:
        threads = check_int("threads", threads, 1)
    if isinstance(net, Reservoir):
        return _simulate_reservoir(net, inputs, noise, repeats, seed, store=store, samples=samples,
                                   histogram=histogram, labels=labels, classify=classify,
                                   precision=precision, block=block, threads=threads,
                                   noise_values=noise_values, stream=stream, mode=mode or "open",
                                   washout=washout or 0, state=state, run=run,
                                   overwrite=overwrite, resume=resume, keep=keep)
    for name, value in (("mode", mode), ("washout", washout), ("state", state)):
        if value is not None:
            raise ValueError(f"{name}= is for reservoirs (fastnoise.Reservoir); a feed-forward "
                             "network takes independent inputs")
    pl = plan(net, inputs, noise, repeats, seed, block=block, samples=samples,
              histogram=histogram, stream=stream, noise_values=noise_values, labels=labels,
              classify=classify, precision=precision)
    if isinstance(store, (str, os.PathLike)) and not (overwrite or resume) and os.path.exists(store):
        return reuse_run(os.fspath(store), run, pl, keep)
    check_resources(pl, store, keep, resume, threads)  # before any file is created
    store_obj, run_obj, own_store = open_run(store, run, pl, overwrite, resume)
    try:
        T = pl.n_inputs
        todo = np.ones(T, dtype=bool) if run_obj is None else ~run_obj.done
        sink = Collector(pl) if keep else None
        finite = FiniteCheck(pl)
        writers = [w for w in (None if run_obj is None else run_obj.write_block,
                               None if sink is None else sink.write) if w is not None]
        reporter = progress_reporter(progress, T)
        if reporter is not None:
            reporter.begin(int(T - todo.sum()))
        execute(pl, todo, writers + [finite.write], threads=threads, reporter=reporter, into=sink)
        if run_obj is not None and not todo.all():  # resumed: what an earlier process wrote
            finite.add_stored(run_obj, ~todo)
        finite.warn(run_obj)
        if run_obj is not None:
            run_obj.set_status("complete")
            if keep and not todo.all():  # resumed: fill in what an earlier process wrote
                res = run_obj.to_result()
                res.config = pl.config
                return res
        return None if sink is None else sink.result()
    except BaseException:
        if own_store and store_obj is not None:
            store_obj.discard()  # a replacing store never replaces; one in place keeps its done inputs
            own_store = False
        raise
    finally:
        if own_store and store_obj is not None:
            store_obj.close()
            verify_stored(store_obj.path, run_obj.name, pl.config)


def _simulate_reservoir(esn, inputs, noise, repeats, seed, *, store, samples, histogram, labels,
                        classify, precision, block, threads, noise_values, stream, mode, washout,
                        state, run, overwrite, resume, keep) -> Result:
    """fn.simulate for a :class:`~fastnoise.network.reservoir.Reservoir`
    (:func:`fastnoise.engine.recurrent.simulate_reservoir`)."""
    from .engine.recurrent import simulate_reservoir

    for name, value in (("labels", labels is not None), ("classify", bool(classify))):
        if value:
            raise ValueError(f"{name}= classifies independent inputs; a reservoir's rows are "
                             f"time steps: simulate it without {name}=")
    return simulate_reservoir(esn, inputs, noise, repeats, seed, mode=mode, washout=washout,
                              state=state, block=block, threads=threads, noise_values=noise_values,
                              stream=stream, precision=precision, store=store, run=run,
                              overwrite=overwrite, resume=resume, keep=keep, samples=samples,
                              histogram=histogram)
