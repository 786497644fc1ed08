"""The kernel calls of a simulation: the noiseless :func:`forward` pass, and
:func:`execute`, which computes a :class:`~fastnoise.engine.planning.Plan` block
by block and hands each block to writers (a :class:`Collector`, a store's run,
the finite check), reporting progress through :func:`progress_reporter`'s object."""

from __future__ import annotations

import numpy as np

from ..network import Network
from ..result import Result
from .arguments import validate_inputs
from .planning import Plan
from .projection import projected_program
from .threads import thread_limit

__all__ = ["forward", "execute", "Collector", "progress_reporter"]


def _user_functions(net: Network, precision: str = "float64") -> tuple:
    """The user activations of ``net`` as the kernels take them (first-class functions)."""
    from ..kernels.activations import user_functions

    return user_functions(net.packed["customs"], np.float32 if precision == "float32" else np.float64)


def forward(net: Network, inputs, threads: int | None = None):
    """Noiseless forward pass.

    Returns
    -------
    xt, x : list of ndarray
        Internal states x̃ (Eq. 1) and outputs x = f(x̃) (Eq. 2), (T, I_n) each.
    """
    if not isinstance(net, Network):           # a Reservoir: its trajectory in time, open loop
        return net.run(inputs)
    u = validate_inputs(net, inputs)
    p = net.packed
    xt = np.empty((u.shape[0], p["total"]))
    x = np.empty_like(xt)
    from ..kernels.propagate import forward_kernel

    with thread_limit(threads):
        forward_kernel(u, p["program"], p["act_param"], p["w_flat"], p["b_flat"],
                       _user_functions(net), xt, x)
    return _split(xt, net), _split(x, net)


def _split(flat, net: Network):
    """The (T, ΣI_n) columns of ``flat`` as one (T, I_n) array per layer."""
    return [flat[:, o:o + w].copy() for o, w in zip(net.offsets, net.widths)]


def _columns(flat, net: Network):
    """As :func:`_split`, as views of ``flat`` (a collector hands its arrays over)."""
    return [flat[:, o:o + w] for o, w in zip(net.offsets, net.widths)]


def execute(pl: Plan, todo: np.ndarray, writers, threads: int | None = None, reporter=None,
            into: "Collector | None" = None) -> None:
    """Compute the blocks of ``pl`` holding pending inputs; hand each to ``writers``.

    Every writer is called as ``writer(start, stop, arrays)`` with the
    per-block arrays of :meth:`fastnoise.Run.write_block`.  Blocks are
    aligned to multiples of ``pl.block`` whatever ``todo`` is, so results are
    bitwise the same for a fresh, a resumed or a remote computation.
    ``into``: a :class:`Collector` the kernels write their moments and
    noiseless states into directly (:meth:`Collector.block`) instead of
    block arrays it would copy; it may also be one of ``writers``.
    """
    from ..kernels import seed_words
    from ..kernels.propagate import forward_kernel, simulate_block_kernel

    net, p = pl.net, pl.net.packed
    repeats, hist, n_layers = pl.repeats, pl.hist, net.n_layers
    amp = pl.amplitudes
    total = p["total"]
    if pl.precision == "float32":  # float32 states, weights and amplitudes (means and variances stay float64)
        w_flat, b_flat = p["w_flat32"], p["b_flat32"]
    else:
        w_flat, b_flat = p["w_flat"], p["b_flat"]
    program = p["program"]
    if pl.projection is not None:  # input noise drawn in layer 1's space (.projection)
        program, w_flat = projected_program(program, w_flat, pl.projection)
    user, user64 = _user_functions(net, pl.precision), _user_functions(net)
    key0, key1 = seed_words(pl.seed)
    empty_noise = np.zeros((0, repeats, p["n_normals"]))
    n_samp = len(pl.s_layer)
    with thread_limit(threads):
        for start, stop in _blocks(todo, pl.block):
            B = stop - start
            ub = pl.u[start:stop]
            direct = into.block(start, stop) if into is not None else {
                "mean": np.empty((B, total)), "var": np.empty((B, total)),
                "xt": np.empty((B, total)), "x": np.empty((B, total))}
            arrays = {
                **direct,
                "samples": np.empty((B, repeats, n_samp)),
                "hist": np.zeros((B, n_layers, (hist[2] + 2) if hist else 2), np.int64),
                "argmax": np.zeros((B if pl.classify else 0, repeats), np.int32),
            }
            nv = empty_noise if pl.noise_values is None else pl.noise_values[start:stop]
            simulate_block_kernel(
                ub, np.arange(start, stop, dtype=np.int64), program, p["act_param"], w_flat,
                b_flat, amp, user, repeats, key0, key1, np.uint64(pl.stream), nv,
                arrays["mean"], arrays["var"], pl.s_layer, pl.s_neuron, arrays["samples"],
                hist[0] if hist else np.zeros(n_layers), hist[1] if hist else np.ones(n_layers),
                arrays["hist"], arrays["argmax"], pl.chunk or repeats)
            forward_kernel(ub, p["program"], p["act_param"], p["w_flat"], p["b_flat"], user64,
                           arrays["xt"], arrays["x"])
            for write in writers:
                write(start, stop, arrays)
            if reporter is not None:  # a partly done block counts only its pending inputs
                reporter.update(int(todo[start:stop].sum()))


class Collector:
    """Gathers the blocks of :func:`execute` into whole (T, ...) arrays.

    Its (T, ΣI_n) arrays are allocated without a fill: :meth:`result` is for a
    run whose every input went through :meth:`write` (a resumed run reads its
    result back from the store instead).  It gives each layer a view of its
    columns (no copy).
    """

    def __init__(self, pl: Plan):
        T, total, K = pl.n_inputs, pl.net.packed["total"], pl.repeats
        self.pl = pl
        self.arrays = {
            "mean": np.empty((T, total)), "var": np.empty((T, total)),
            "xt": np.empty((T, total)), "x": np.empty((T, total)),
            "samples": np.full((T, K, len(pl.s_layer)), np.nan),
            "hist": np.zeros((T, pl.net.n_layers, (pl.hist[2] + 2) if pl.hist else 2), np.int64),
            "argmax": np.full((T if pl.classify else 0, K), -1, np.int32),
        }

    #: the per-block arrays :func:`execute` may compute straight into (see :meth:`block`)
    IN_PLACE = ("mean", "var", "xt", "x")

    def block(self, start, stop) -> dict:
        """Views of rows start:stop of the (T, ΣI_n) arrays, for :func:`execute` to
        compute into (C-contiguous, as the kernels want); :meth:`write` then skips them."""
        return {k: self.arrays[k][start:stop] for k in self.IN_PLACE}

    def write(self, start, stop, arrays):
        for k, v in arrays.items():
            dest = self.arrays[k]
            if len(dest) and not (k in self.IN_PLACE and v.base is dest):
                dest[start:stop] = v

    def result(self) -> Result:
        pl, a = self.pl, self.arrays
        hist = pl.hist
        return Result(
            mean=_columns(a["mean"], pl.net), var=_columns(a["var"], pl.net),
            noiseless_xt=_columns(a["xt"], pl.net), noiseless_x=_columns(a["x"], pl.net),
            config=pl.config,
            samples=(a["samples"], pl.s_layer, pl.s_neuron) if len(pl.s_layer) else None,
            histogram=None if hist is None else (a["hist"].sum(axis=0), hist[0], hist[1]),
            done=np.ones(pl.n_inputs, bool), predicted=a["argmax"] if pl.classify else None,
            labels=pl.labels)


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


def progress_reporter(progress, total):
    """What :func:`execute` reports progress to: for ``progress`` True a bar on stderr
    (:class:`fastnoise.progress.Progress`), for a callable an object that calls it with
    (done, total); otherwise None."""
    from ..progress import Progress

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
