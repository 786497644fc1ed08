"""What a Dask worker runs for one sweep point: a plain function of arrays.

The client sends the point's network, inputs, noise and options (never a
file path, so workers need no shared file system) and the hash of the run
config it laid out in the store.  The worker rebuilds the same
:class:`~fastnoise.simulate.Plan`, refuses to compute if its config hash
differs (a different fastnoise version or random stream on the worker would
otherwise mix results silently), runs the kernels and returns whole arrays;
the client alone writes HDF5.
"""

from __future__ import annotations

import threading

import numpy as np

__all__ = ["point_payload", "point_plan", "run_point"]

#: One point at a time per worker process: every point already uses all the
#: Numba threads it is given, and Numba's thread pools are process-wide.
_LOCK = threading.Lock()


def point_payload(cfg, config_hash: str, index: int, threads: int | None,
                  predict: dict | None) -> dict:
    """The picklable description of point ``index`` built from its RunConfig."""
    kw = cfg.simulate_kwargs()
    return {"index": int(index), "plan": kw, "config_hash": config_hash, "threads": threads,
            "predict": predict}


def point_plan(kwargs: dict, what: str):
    """The plan of one point from its :meth:`RunConfig.simulate_kwargs`: a feed-forward
    :class:`~fastnoise.simulate.Plan`, or a
    :class:`~fastnoise.engine.recurrent.ReservoirPlan` for a reservoir."""
    from ..network.reservoir import Reservoir
    from ..simulate import plan  # through fastnoise.simulate, where tests replace it

    if not isinstance(kwargs["net"], Reservoir):
        return plan(**kwargs)
    from ..engine.recurrent import reservoir_plan

    kw = dict(kwargs)
    if kw.pop("labels", None) is not None:
        raise ValueError(f"{what}: labelled inputs classify independent inputs; a reservoir's "
                         "rows are time steps: use inputs without labels")
    return reservoir_plan(kw.pop("net"), kw.pop("inputs"), **kw)


def run_point(payload: dict) -> dict:
    """Simulate (and optionally predict) one point; return its arrays.

    Returns
    -------
    dict
        ``index``; ``arrays``: the whole-run arrays of
        :meth:`fastnoise.Run.write_block`, or for a reservoir ``rows``: the keyword
        arguments of :meth:`fastnoise.Run.write_results` (per-layer lists, samples, hist);
        ``prediction``: (mean, var, method) lists
        or None; ``seconds``: compute time; ``threads``: the Numba threads
        used (the payload's, else the worker's Dask thread count).
    """
    import time

    from ..io.store import config_hash
    from ..engine.execution import Collector, execute
    from ..engine.recurrent import ReservoirPlan, RowCollector, execute_reservoir
    from ..engine.threads import thread_limit

    threads = payload["threads"]
    if threads is None:
        threads = _worker_threads()
    with _LOCK:
        t0 = time.perf_counter()
        pl = point_plan(payload["plan"], f"point {payload['index']}")
        got = config_hash(pl.config)
        if got != payload["config_hash"]:
            from .._version import __version__

            raise RuntimeError(
                f"point {payload['index']}: this worker's run config hash {got} differs from the "
                f"client's {payload['config_hash']}; run the same fastnoise version "
                f"(this worker has {__version__}) on the client and every worker")
        out = {"index": payload["index"]}
        if isinstance(pl, ReservoirPlan):
            rows = RowCollector(pl)
            execute_reservoir(pl, rows, threads=threads, keep=False)
            out["rows"] = rows.rows
        else:
            sink = Collector(pl)
            execute(pl, np.ones(pl.n_inputs, dtype=bool), [sink.write], threads=threads, into=sink)
            out["arrays"] = sink.arrays
        prediction = None
        if payload["predict"]:
            from ..analytic.predict import predict

            opts = dict(payload["predict"].get("options") or {})
            if isinstance(pl, ReservoirPlan):   # its time settings, as simulated
                opts.update(pl.predict_options())
            with thread_limit(threads):  # single-threaded BLAS: the same bits everywhere
                pred = predict(pl.net, pl.u, pl.noises, method=payload["predict"]["method"], **opts)
            prediction = ([np.asarray(m, dtype=np.float64) for m in pred.mean],
                          [np.asarray(v, dtype=np.float64) for v in pred.var], _ran(pred))
        out.update(prediction=prediction, seconds=time.perf_counter() - t0, threads=threads)
        return out


def _ran(pred) -> str:
    """The method that made ``pred``; for ``auto``'s low-rank fallback, with that option."""
    opts = pred.info.get("auto", {}).get("options") or {}
    return pred.method + "".join(f" {k}={v}" for k, v in sorted(opts.items()))


def _worker_threads() -> int | None:
    """Numba threads for a point when the client did not choose: the Dask worker's thread
    count (``dask worker --nthreads``), so that ``--nworkers N --nthreads 1`` on an N-core
    machine runs N single-threaded points instead of N points of N threads each.  None
    (Numba's default, all cores) outside a worker."""
    try:
        from distributed import get_worker

        n = get_worker().state.nthreads
    except (ImportError, ValueError, AttributeError):
        return None
    return int(n) if n else None
