"""Monte Carlo simulation of noisy networks: validating wrapper of the kernels.

:func:`simulate` runs K noisy repetitions of every input through a
:class:`~fastnoise.Network`, reduces them on the fly to per-neuron, per-input
mean and variance of every layer's output y (paper Eqs. 1–4), optionally
streams them into an HDF5 store, and returns a :class:`Result`.
"""

from __future__ import annotations

import math
import os
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from . import config as _cfg
from .network import Network, check_real
from .noise import Noise, per_layer
from .resources import check_plan, check_sizes
from .result import Result  # re-exported: fn.simulate returns it
from .validation import check_int

__all__ = ["simulate", "plan", "execute", "forward", "Plan", "Result", "validate_inputs",
           "NonFiniteWarning"]

MAX_SEED = 2 ** 64

#: Identifies the random stream (Philox4x32-10 counters, float64 Box–Muller);
#: stored with every run so that a change of generator can never be mixed
#: into a resumed run silently.
RNG_VERSION = "philox4x32-10/box-muller-f64/one-normal-per-neuron/v2"
#: The stream of ``precision="float32"`` runs: four float32 normals per
#: Philox counter (kernels/rng32).
RNG_VERSION_F32 = "philox4x32-10/box-muller-f32-quad/one-normal-per-neuron/v1"
#: Version of the kernels' floating-point arithmetic; bumped whenever a change
#: alters result bits (stored in every run's config, so that a resume never
#: mixes blocks computed by different arithmetic).  v2: no FMA contraction;
#: v3: uncorrelated noise drawn as one normal per neuron (see kernels/propagate).
NUMERICS_VERSION = 3


def validate_inputs(net: Network, inputs) -> np.ndarray:
    """Return ``inputs`` as a C-contiguous (T, I_0) float64 array or raise."""
    check_real("inputs", inputs)
    try:
        u = np.array(inputs, dtype=np.float64, copy=True)
    except (TypeError, ValueError):
        raise TypeError(f"inputs must be a numeric array of shape (T, {net.widths[0]})") from None
    if u.ndim == 1 and net.widths[0] == 1:
        u = u[:, None]
    elif u.ndim == 1 and u.size == net.widths[0]:
        u = u[None, :]
    if u.ndim != 2 or u.shape[1] != net.widths[0]:
        raise ValueError(f"inputs must have shape (T, {net.widths[0]}) for this network's input layer, "
                         f"got {u.shape}")
    if u.shape[0] == 0:
        raise ValueError("inputs are empty; give at least one input row")
    if not np.all(np.isfinite(u)):
        bad = np.argwhere(~np.isfinite(u))[0]
        raise ValueError(f"inputs contain {u[tuple(bad)]} at row {bad[0]}, column {bad[1]}; "
                         "all inputs must be finite")
    return np.ascontiguousarray(u)


def sample_spec(net: Network, samples):
    if samples is None:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    pairs = [tuple(p) for p in samples]
    for p in pairs:
        if len(p) != 2:
            raise ValueError(f"samples must be (layer, neuron) pairs, got {p!r}")
        layer, neuron = int(p[0]), int(p[1])
        if not 0 <= layer < net.n_layers:
            raise ValueError(f"sample layer {layer} out of range 0..{net.n_layers - 1}")
        if not 0 <= neuron < net.widths[layer]:
            raise ValueError(f"sample neuron {neuron} out of range 0..{net.widths[layer] - 1} "
                             f"of layer {layer}")
    return (np.array([p[0] for p in pairs], np.int64), np.array([p[1] for p in pairs], np.int64))


def _labels_spec(net: Network, labels, classify, T: int):
    """Validate ``labels``/``classify``; return (classify, labels array or None)."""
    n_out = net.widths[-1]
    if labels is not None:
        if classify is False:
            raise ValueError("labels were given with classify=False; drop one of them")
        try:
            lab = np.asarray(labels)
        except (TypeError, ValueError):
            raise TypeError("labels must be an array of T integer classes") from None
        if lab.ndim != 1 or lab.shape[0] != T:
            raise ValueError(f"labels must have shape ({T},), one class per input, got {lab.shape}")
        if not np.issubdtype(lab.dtype, np.integer):
            if not (np.issubdtype(lab.dtype, np.floating) and np.all(np.isfinite(lab))
                    and np.all(lab == np.round(lab))):
                raise ValueError(f"labels must be integer classes, got dtype {lab.dtype}")
        lab = lab.astype(np.int64)
        bad = (lab < 0) | (lab >= n_out)
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(f"labels[{i}] = {int(lab[i])} is not a class of the {n_out}-neuron "
                             f"output layer; classes are 0..{n_out - 1}")
        classify = True
    else:
        lab = None
    classify = bool(classify)
    if classify and n_out < 2:
        raise ValueError(f"classification needs an output layer of ≥ 2 neurons (one per class), "
                         f"the network has {n_out}")
    return classify, lab


def hist_spec(net: Network, histogram):
    """Normalise ``histogram`` to (lo (L,), hi (L,), n_bins) or None."""
    if histogram is None:
        return None
    if isinstance(histogram, dict):
        bins = histogram.get("bins", 100)
        rng = histogram.get("range", (0.0, 1.0))
    else:
        bins, rng = histogram
    bins = check_int("histogram bins", bins, 1)
    rng = np.asarray(rng, dtype=np.float64)
    if rng.shape == (2,):
        rng = np.tile(rng, (net.n_layers, 1))
    if rng.shape != (net.n_layers, 2) or not np.all(np.isfinite(rng)) or np.any(rng[:, 1] <= rng[:, 0]):
        raise ValueError("histogram range must be (lo, hi) with lo < hi, or one such pair per layer")
    return np.ascontiguousarray(rng[:, 0]), np.ascontiguousarray(rng[:, 1]), bins


@contextmanager
def thread_limit(threads):
    """Run with ``threads`` Numba threads and single-threaded BLAS."""
    import numba
    # np.dot inside the kernels calls scipy's BLAS: load it before limiting
    # thread pools, or the first call in a process runs a threaded GEMM whose
    # summation order (and last bits) differ from later calls.
    import scipy.linalg.cython_blas  # noqa: F401
    from threadpoolctl import threadpool_limits

    old = numba.get_num_threads()
    if threads is not None:
        threads = check_int("threads", threads, 1)
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            yield
    finally:
        numba.set_num_threads(old)


def _user_functions(net: Network, precision: str = "float64") -> tuple:
    """The user activations of ``net`` as the kernels take them (first-class functions)."""
    from .kernels.activations import user_functions

    return user_functions(net.packed["customs"], np.float32 if precision == "float32" else np.float64)


def forward(net: Network, inputs, threads: int | None = None):
    """Noiseless forward pass.

    Returns
    -------
    xt, x : list of ndarray
        Internal states x̃ (Eq. 1) and outputs x = f(x̃) (Eq. 2), (T, I_n) each.
    """
    u = validate_inputs(net, inputs)
    p = net.packed
    xt = np.empty((u.shape[0], p["total"]))
    x = np.empty_like(xt)
    from .kernels.propagate import forward_kernel

    with thread_limit(threads):
        forward_kernel(u, p["program"], p["act_param"], p["w_flat"], p["b_flat"],
                       _user_functions(net), xt, x)
    return _split(xt, net), _split(x, net)


def _split(flat, net: Network):
    """The (T, ΣI_n) columns of ``flat`` as one (T, I_n) array per layer."""
    return [flat[:, o:o + w].copy() for o, w in zip(net.offsets, net.widths)]


@dataclass
class Plan:
    """A validated simulation: everything :func:`simulate` needs but the store.

    Made by :func:`plan`; :attr:`config` is what a store records (and what a
    resume must match).  Sweeps make the plan of a point where the store is
    written and again where it is computed, and both give the same config.
    """

    net: Network
    u: np.ndarray
    repeats: int
    seed: int
    stream: int
    block: int
    noises: list
    s_layer: np.ndarray
    s_neuron: np.ndarray
    hist: Any
    classify: bool
    labels: np.ndarray | None
    noise_values: np.ndarray | None
    config: dict
    precision: str = "float64"

    @property
    def n_inputs(self) -> int:
        return int(self.u.shape[0])

    def create_run(self, store, name: str, commit: bool = True):
        """Lay out this simulation's run ``name`` in an open :class:`~fastnoise.Store`."""
        samples = (self.s_layer, self.s_neuron) if len(self.s_layer) else None
        classes = (True, self.labels) if self.classify else None
        return store.create_run(name, self.config, self.net, self.u, samples, self.hist, classes,
                                commit=commit)


def plan(net: Network, inputs, noise=None, repeats: int = 300, seed: int = 1, *,
         block: int | None = None, samples=None, histogram=None, stream: int = 0,
         noise_values: np.ndarray | None = None, labels=None, classify: bool | None = None,
         precision: str = "float64") -> Plan:
    """Validate the arguments of :func:`simulate` (same meaning) into a :class:`Plan`."""
    if precision not in ("float64", "float32"):
        raise ValueError(f"precision must be 'float64' or 'float32' (single-precision states), "
                         f"got {precision!r}")
    if not isinstance(net, Network):
        raise TypeError(f"net must be a fastnoise Network (see fn.symmetric, Network.from_layers), "
                        f"got {type(net).__name__}")
    u = validate_inputs(net, inputs)
    T = u.shape[0]
    repeats = check_int("repeats", repeats, 2)
    check_sizes(T, repeats, net.widths)
    seed = check_int("seed", seed, 0, below=MAX_SEED)
    stream = check_int("stream", stream, 0, below=2 ** 16)
    block = _cfg.DEFAULT_BLOCK if block is None else check_int("block", block, 1)
    noises = per_layer(noise, net.n_layers)
    s_layer, s_neuron = sample_spec(net, samples)
    hist = hist_spec(net, histogram)
    classify, lab = _labels_spec(net, labels, classify, T)
    if precision == "float32":  # the kernel's amplitudes are float32
        if max(max(nz.amplitudes) for nz in noises) > float(np.finfo(np.float32).max):
            raise ValueError(f"noise intensities up to {max(max(nz.to_dict().values()) for nz in noises):g} "
                             "overflow float32 (amplitude √(2D) above 3.4e38); precision='float32' "
                             "takes intensities ≤ 5.8e76, use precision='float64'")
    n_slots = net.packed["n_normals"]
    if noise_values is not None:
        noise_values = np.ascontiguousarray(noise_values, dtype=np.float64)
        if noise_values.shape != (T, repeats, n_slots):
            raise ValueError(f"noise_values must have shape {(T, repeats, n_slots)}, got {noise_values.shape}")
    config = {
        "network": dict(net.to_config(), sha256=net.digest()),
        "inputs_sha256": _digest(u),
        "noise": [nz.to_dict() for nz in noises],
        "repeats": repeats, "seed": seed, "stream": stream, "n_inputs": T,
        "samples": [[int(a), int(b)] for a, b in zip(s_layer, s_neuron)],
        "histogram": None if hist is None else {"bins": hist[2], "lo": hist[0].tolist(),
                                                "hi": hist[1].tolist()},
        "noise_values": noise_values is not None,
        "rng": RNG_VERSION_F32 if precision == "float32" else RNG_VERSION,
        "numerics": NUMERICS_VERSION,
    }
    if classify:  # only then, so that other runs keep their config (and hash)
        config["classify"] = True
        config["labels_sha256"] = None if lab is None else _digest(lab)
    if precision != "float64":  # likewise
        config["precision"] = precision
    return Plan(net=net, u=u, repeats=repeats, seed=seed, stream=stream, block=block,
                noises=noises, s_layer=s_layer, s_neuron=s_neuron, hist=hist, classify=classify,
                labels=lab, noise_values=noise_values, config=config, precision=precision)


def simulate(net: Network, inputs, noise=None, repeats: int = 300, seed: int = 1, store=None, *,
             run: str | None = None, overwrite: bool = False, resume: bool = False,
             block: int | None = None, threads: int | None = None, samples=None,
             histogram=None, progress: bool | Callable | None = False, stream: int = 0,
             noise_values: np.ndarray | None = None, keep: bool = True, labels=None,
             classify: bool | None = None, precision: str = "float64") -> Result:
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
    pl = plan(net, inputs, noise, repeats, seed, block=block, samples=samples,
              histogram=histogram, stream=stream, noise_values=noise_values, labels=labels,
              classify=classify, precision=precision)
    if isinstance(store, (str, os.PathLike)) and not (overwrite or resume) and os.path.exists(store):
        return _reuse(os.fspath(store), run, pl, keep)
    _check_resources(pl, store, keep, resume, threads)  # before any file is created
    store_obj, run_obj, own_store = _open_run(store, run, pl, overwrite, resume)
    try:
        T = pl.n_inputs
        todo = np.ones(T, dtype=bool) if run_obj is None else ~run_obj.done
        sink = Collector(pl) if keep else None
        finite = _FiniteCheck(pl)
        writers = [w for w in (None if run_obj is None else run_obj.write_block,
                               None if sink is None else sink.write) if w is not None]
        reporter = _reporter(progress, T)
        if reporter is not None:
            reporter.begin(int(T - todo.sum()))
        execute(pl, todo, writers + [finite.write], threads=threads, reporter=reporter)
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


class NonFiniteWarning(RuntimeWarning):
    """A simulation gave NaN or infinite means or variances (from finite inputs,
    weights and intensities: the arithmetic overflowed).  ``fastnoise simulate``
    fails on it unless ``--allow-nonfinite``."""


class _FiniteCheck:
    """A writer of :func:`execute` that counts non-finite means and variances per layer."""

    def __init__(self, pl: Plan):
        self.pl = pl
        self.off = np.asarray(pl.net.offsets, dtype=np.intp)
        self.bad = np.zeros((2, len(self.off)), dtype=np.int64)  # (mean, var) x layer
        self.n = 0

    def write(self, start, stop, arrays):
        self.n += stop - start
        for j, key in enumerate(("mean", "var")):
            bad = ~np.isfinite(arrays[key])
            if bad.any():
                self.bad[j] += np.add.reduceat(bad.sum(axis=0), self.off)

    def add_stored(self, run, rows) -> None:
        """Count the rows ``rows`` of a store's run too."""
        self.n += int(rows.sum())
        for n in range(len(self.off)):
            for j, values in enumerate((run.mean(n), run.var(n))):
                self.bad[j, n] += int((~np.isfinite(values[rows])).sum())

    def warn(self, run=None) -> None:
        if not self.bad.any():
            return
        import warnings

        total = self.n * int(self.pl.net.packed["total"])
        layer = int(np.flatnonzero(self.bad.sum(axis=0))[0])
        counts = {"mean": self.bad[0].tolist(), "var": self.bad[1].tolist()}
        if run is not None:  # the store says so too
            import json

            run.group.attrs["nonfinite"] = json.dumps(counts)
        warnings.warn(f"{int(self.bad[0].sum())} of {total} means and {int(self.bad[1].sum())} of "
                      f"{total} variances are not finite (layer {layer} first): noise intensities, "
                      f"inputs or weights too large for {self.pl.precision} arithmetic?",
                      NonFiniteWarning, stacklevel=3)


def stored_run(path, config: dict, name: str | None = None):
    """The run of ``config`` in the store at ``path``: ``(name, complete)``, or ``(None, False)``.

    With ``name``, only that run is looked at; otherwise the last run whose
    configuration equals ``config`` (same :func:`~fastnoise.io.store.config_hash`).
    """
    from .io.store import Store, config_hash

    h = config_hash(config)
    with Store(path, "r") as st:
        names = st.runs()
        candidates = [name] if name is not None else names[::-1]
        for nm in candidates:
            if nm in names:
                r = st.run(nm)
                if r.config_hash == h:
                    return nm, r.status == "complete" and bool(r.done.all())
    return None, False


def reusable_run(path, config: dict, run: str | None = None, *, label: str | None = None,
                 overwrite: str = "overwrite=True", resume: str = "resume=True") -> str:
    """The name of the complete run of ``config`` in the existing store at ``path``.

    For ``simulate`` into an existing path without overwrite or resume: such a
    run is read back as it is (the same bits a recomputation would give).

    Raises
    ------
    FileExistsError
        ``path`` is not a readable store, holds no run of ``config``, or holds it
        unfinished; the message names the fix with the ``overwrite``/``resume``
        spellings given (Python arguments by default, CLI flags from the CLI).
    """
    from .io.errors import StoreError
    from .io.lock import refuse_if_written

    label = label or str(path)
    refuse_if_written(path)  # a store being written is busy, not unreadable
    try:
        name, complete = stored_run(path, config, run)
    except StoreError as exc:
        raise FileExistsError(f"{label} exists and is not a fastnoise store we can read ({exc}); "
                              f"pass {overwrite} to replace it, or choose another path") from None
    if name is None:
        raise FileExistsError(f"{label} exists and holds no run of this configuration; pass "
                              f"{overwrite} to replace it, or choose another path")
    if not complete:
        raise FileExistsError(f"{label} holds this run ({name!r}) unfinished; pass {resume} to "
                              f"complete it, or {overwrite} to start again")
    return name


def _reuse(path: str, run: str | None, pl: Plan, keep: bool):
    """``simulate`` into an existing store without overwrite/resume (see :func:`reusable_run`)."""
    from .io.store import Store

    name = reusable_run(path, pl.config, run)
    if not keep:
        return None
    with Store(path, "r") as st:
        res = st.run(name).to_result()
    res.config = pl.config
    return res


def verify_stored(path, name: str, config: dict) -> None:
    """Check that the file at ``path`` now holds run ``name`` of ``config``, complete.

    Called after a run is written and its store closed, so that success is
    never reported for results that are not in the store (a file replaced or
    removed behind the run's back).

    Raises
    ------
    StoreError
        The run is missing, differs, or is not complete.
    """
    from .io.errors import StoreError

    try:
        found, complete = stored_run(path, config, name)
    except (OSError, ValueError) as exc:
        raise StoreError(f"the results of run {name!r} could not be read back from {path} "
                         f"({exc}); was the file changed by another program?") from None
    if found is None or not complete:
        raise StoreError(f"{path} does not hold the finished run {name!r} after writing it; was "
                         "the file replaced or changed by another program? Run again")


def _check_resources(pl: Plan, store, keep: bool, resume: bool, threads) -> None:
    """Refuse a run whose memory (or new store) cannot fit, before a store is opened."""
    if store is None:
        path = None
    elif isinstance(store, (str, os.PathLike)):
        path = os.fspath(store)
        if resume and os.path.exists(path):
            path = None  # its datasets are on disk already
    else:
        path = store.path  # an open Store: a new run grows it
    check_plan(pl, keep=keep, store=path, threads=threads)


def execute(pl: Plan, todo: np.ndarray, writers, threads: int | None = None, reporter=None) -> None:
    """Compute the blocks of ``pl`` holding pending inputs; hand each to ``writers``.

    Every writer is called as ``writer(start, stop, arrays)`` with the
    per-block arrays of :meth:`fastnoise.Run.write_block`.  Blocks are
    aligned to multiples of ``pl.block`` whatever ``todo`` is, so results are
    bitwise the same for a fresh, a resumed or a remote computation.
    """
    from .kernels import seed_words
    from .kernels.propagate import forward_kernel, simulate_block_kernel

    net, p = pl.net, pl.net.packed
    repeats, hist, n_layers = pl.repeats, pl.hist, net.n_layers
    amp = np.array([nz.amplitudes for nz in pl.noises], dtype=np.float64)
    total = p["total"]
    f32 = pl.precision == "float32"
    if f32:  # float32 states, weights and amplitudes (means and variances stay float64)
        w_flat, b_flat, amp = p["w_flat32"], p["b_flat32"], amp.astype(np.float32)
    else:
        w_flat, b_flat = p["w_flat"], p["b_flat"]
    user, user64 = _user_functions(net, pl.precision), _user_functions(net)
    key0, key1 = seed_words(pl.seed)
    empty_noise = np.zeros((0, repeats, p["n_normals"]))
    n_samp = len(pl.s_layer)
    with thread_limit(threads):
        for start, stop in _blocks(todo, pl.block):
            B = stop - start
            ub = pl.u[start:stop]
            arrays = {
                "mean": np.empty((B, total)), "var": np.empty((B, total)),
                "xt": np.empty((B, total)), "x": np.empty((B, total)),
                "samples": np.empty((B, repeats, n_samp)),
                "hist": np.zeros((B, n_layers, (hist[2] + 2) if hist else 2), np.int64),
                "argmax": np.zeros((B if pl.classify else 0, repeats), np.int32),
            }
            nv = empty_noise if pl.noise_values is None else pl.noise_values[start:stop]
            simulate_block_kernel(
                ub, np.arange(start, stop, dtype=np.int64), p["program"], p["act_param"], w_flat,
                b_flat, amp, user, repeats, key0, key1, np.uint64(pl.stream), nv,
                arrays["mean"], arrays["var"], pl.s_layer, pl.s_neuron, arrays["samples"],
                hist[0] if hist else np.zeros(n_layers), hist[1] if hist else np.ones(n_layers),
                arrays["hist"], arrays["argmax"])
            forward_kernel(ub, p["program"], p["act_param"], p["w_flat"], p["b_flat"], user64,
                           arrays["xt"], arrays["x"])
            for write in writers:
                write(start, stop, arrays)
            if reporter is not None:  # a partly done block counts only its pending inputs
                reporter.update(int(todo[start:stop].sum()))


class Collector:
    """Gathers the blocks of :func:`execute` into whole (T, ...) arrays."""

    def __init__(self, pl: Plan):
        T, total, K = pl.n_inputs, pl.net.packed["total"], pl.repeats
        self.pl = pl
        self.arrays = {
            "mean": np.full((T, total), np.nan), "var": np.full((T, total), np.nan),
            "xt": np.full((T, total), np.nan), "x": np.full((T, total), np.nan),
            "samples": np.full((T, K, len(pl.s_layer)), np.nan),
            "hist": np.zeros((T, pl.net.n_layers, (pl.hist[2] + 2) if pl.hist else 2), np.int64),
            "argmax": np.full((T if pl.classify else 0, K), -1, np.int32),
        }

    def write(self, start, stop, arrays):
        for k, v in arrays.items():
            if len(self.arrays[k]):
                self.arrays[k][start:stop] = v

    def result(self) -> Result:
        pl, a = self.pl, self.arrays
        hist = pl.hist
        return Result(
            mean=_split(a["mean"], pl.net), var=_split(a["var"], pl.net),
            noiseless_xt=_split(a["xt"], pl.net), noiseless_x=_split(a["x"], pl.net), config=pl.config,
            samples=(a["samples"], pl.s_layer, pl.s_neuron) if len(pl.s_layer) else None,
            histogram=None if hist is None else (a["hist"].sum(axis=0), hist[0], hist[1]),
            done=np.ones(pl.n_inputs, bool), predicted=a["argmax"] if pl.classify else None,
            labels=pl.labels)


def config_diff(stored: dict, new: dict, limit: int = 3) -> str:
    """'key: stored -> new' for the first ``limit`` differing config entries."""
    import json

    new = json.loads(json.dumps(new))  # same types as the stored JSON

    def walk(a, b, prefix):
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b)):
                yield from walk(a.get(k), b.get(k), f"{prefix}.{k}" if prefix else k)
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b)):
                yield from walk(x, y, f"{prefix}[{i}]")
        elif a != b:
            def short(v):
                t = json.dumps(v)
                return t if len(t) <= 24 else t[:21] + "..."
            yield f"{prefix}: stored {short(a)}, now {short(b)}"

    diffs = list(walk(stored, new, ""))
    if not diffs:
        return "format differs"
    more = f", and {len(diffs) - limit} more" if len(diffs) > limit else ""
    return "; ".join(diffs[:limit]) + more


def _digest(*arrays) -> str:
    import hashlib

    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _blocks(todo: np.ndarray, block: int):
    """Consecutive (start, stop) ranges of at most ``block`` pending inputs,
    aligned to multiples of ``block`` so that resumed runs write the same ranges."""
    T = todo.size
    for start in range(0, T, block):
        stop = min(start + block, T)
        if not todo[start:stop].any():
            continue
        # a partly done aligned block is recomputed whole (its inputs are
        # deterministic, so rewriting them is harmless)
        yield start, stop


def _reporter(progress, total):
    from .progress import Progress

    if progress is True:
        return Progress(total)
    if callable(progress):
        class _Callback:
            def __init__(self):
                self.done = 0

            def begin(self, already):
                self.done = already
                progress(self.done, total)

            def update(self, n):
                self.done += n
                progress(self.done, total)

        return _Callback()
    return None


def _open_run(store, run, pl: Plan, overwrite, resume):
    """Return (store, run, whether we opened the store) for ``simulate``."""
    from .io.errors import StoreError
    from .io.store import Store, config_hash

    if store is None:
        return None, None, False
    if isinstance(store, Store):
        st, own = store, False
    else:
        path = os.fspath(store)
        exists = os.path.exists(path)
        if exists and resume:
            st = Store(path, "a")
        elif exists and not overwrite:
            raise FileExistsError(f"{path} exists; pass overwrite=True to replace it "
                                  "or resume=True to complete the run it holds")
        else:
            st = Store(path, "w" if exists else "x")
        own = True
    try:
        if resume and st.runs():
            name = run or st.runs()[-1]
            r = st.run(name)
            if r.config_hash != config_hash(pl.config):
                raise StoreError(f"run {name!r} in {st.path} was made with a different configuration "
                                 f"({config_diff(r.config, pl.config)}); resume with the same config, "
                                 "or start a new store")
            return st, r, own
        name = run or st.next_run_name()
        return st, pl.create_run(st, name), own
    except BaseException:
        if own:
            st.discard()  # a store that failed while being laid out never appears
        raise
