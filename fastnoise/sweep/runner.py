"""Run a sweep on Dask distributed and stream finished points into one store.

One Dask task per point (:func:`fastnoise.sweep.task.run_point`); the client
lays out the whole store first, keeps a bounded number of tasks in flight,
and writes every finished point itself, so that workers never touch HDF5 and
a killed client or worker loses at most the points in flight.
"""

from __future__ import annotations

import collections
import logging
import os
import sys
import time
from dataclasses import dataclass

import numpy as np

from ..io.errors import StoreError
from ..validation import check_choice, check_int
from .spec import Sweep

__all__ = ["run_sweep", "SweepError", "SweepSummary", "default_layout", "point_name"]


class SweepError(RuntimeError):
    """A point failed on a worker (the store keeps every finished point)."""


@dataclass
class SweepSummary:
    """What :func:`run_sweep` did."""

    path: str
    n_points: int
    already_done: int
    computed: int
    wall: float
    workers: int
    threads: int | None
    compute_seconds: float

    @property
    def points_per_minute(self) -> float:
        return 60.0 * self.computed / self.wall if self.wall > 0 else float("nan")


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def default_layout(workers: int | None = None, threads: int | None = None) -> tuple[int, int]:
    """(workers, Numba threads per worker) for a local cluster on this machine.

    Measured on the 2-core machine (Fig. 3 setting, see README): one worker
    per core with one Numba thread each beats one worker with all threads,
    because a point's kernels, its transfer and its HDF5 write then overlap
    with another point's kernels.  Never more threads in all than cores.
    """
    cores = usable_cores()
    if workers is None:
        workers = max(1, cores if threads is None else cores // threads)
    if threads is None:
        threads = max(1, cores // workers)
    return workers, threads


def point_name(i: int, n_points: int) -> str:
    return f"p{i:0{max(5, len(str(n_points - 1)))}d}"


def _point_attrs(params: dict) -> dict:
    import json

    out = {}
    for k, v in params.items():
        if isinstance(v, (bool, int, float, str)):
            out[k] = v
        else:
            try:
                arr = np.asarray(v)
                out[k] = arr if arr.dtype.kind in "biuf" else json.dumps(v)
            except (ValueError, TypeError):
                out[k] = json.dumps(v)
    return out


#: Sweeps of at least this many points show a progress bar while the store is laid out
#: (about 20 ms per point).
_LAYOUT_BAR_FROM = 200


def _plans(sweep: Sweep):
    from ..io.store import config_hash
    from .task import point_plan

    for i in range(sweep.n_points):
        cfg = sweep.point_config(i)
        pl = point_plan(cfg.simulate_kwargs(), f"point {i} ({sweep.describe(i)})")
        yield i, cfg, pl, config_hash(pl.config)


def check_sweep_resources(sweep: Sweep, path: str, threads: int | None = None) -> int:
    """Refuse a sweep a point of which cannot fit in memory, or whose store cannot fit on disk.

    A point's whole results live on its worker and again on the client (2 copies).
    Returns the estimated store size in bytes.
    """
    from ..resources import check_disk, check_plan, estimate

    disk, parts = 0, {}
    threads = threads if threads is not None else default_layout()[1]
    for i, _cfg, pl, _h in _plans(sweep):
        check_plan(pl, keep=True, store=None, threads=threads, copies=2,
                   what=f"sweep point {i} ({sweep.describe(i)})", keep_lever="the number of inputs")
        for what, nbytes, lower in estimate(pl, keep=False, store=True).disk_parts:
            key = what.split(":")[0]
            old = parts.get(key, (key, 0, lower))
            parts[key] = (key, old[1] + nbytes, lower)
            disk += nbytes
    check_disk(f"this sweep ({sweep.n_points} points)", disk, list(parts.values()), path)
    return disk


def _create(sweep: Sweep, path: str, replace: bool, predict: dict | None, progress) -> list[str]:
    """Lay out ``sweep`` in a new store at ``path`` (replacing a file there if ``replace``);
    the store appears at ``path`` complete, in one rename, or not at all."""
    from ..io.store import Store

    with Store(path, "w" if replace else "x") as st:
        return _lay_out(sweep, st, predict, progress)


def _lay_out(sweep: Sweep, st, predict: dict | None, progress) -> list[str]:
    """Lay out every point of ``sweep`` and its index in the new store ``st``."""
    from ..io.sweep_index import create_sweep_index

    names, hashes = [], []
    P = sweep.n_points
    bar = _bar(progress, P, "points laid out") if P >= _LAYOUT_BAR_FROM else None
    for i, _cfg, pl, h in _plans(sweep):
        name = point_name(i, P)
        run = pl.create_run(st, name, commit=False)
        run.group.attrs["sweep_point"] = i
        for k, v in _point_attrs(sweep.params[i]).items():
            run.group.attrs[k] = v
        if predict is not None:
            run.create_prediction(predict["method"], predict.get("options"))
        names.append(name)
        hashes.append(h)
        if bar is not None:
            bar.update(1)
    create_sweep_index(st, _spec(sweep), sweep.keys, sweep.params, names, hashes, predict)
    return hashes


def _verify_sweep(out: str, n_points: int) -> None:
    """Success is reported only for a sweep whose points are all in the file at ``out``."""
    from ..io.store import Store

    with Store(out, "r") as st:
        done = st.sweep_index().done if st.is_sweep else None
    if done is None or done.size != n_points or not done.all():
        raise SweepError(f"{out} does not hold the finished sweep after writing it; was the file "
                         "replaced or changed by another program? Run again with --resume")


def _spec(sweep: Sweep) -> dict:
    d = sweep.to_dict()
    d.pop("source", None)
    return d


def _check_resumable(sweep: Sweep, st, predict: dict | None) -> list[str]:
    from ..engine.provenance import config_diff

    if not st.is_sweep:
        raise StoreError(f"{st.path} is not a sweep store; give a new --out, or --overwrite")
    idx = st.sweep_index()
    stored = idx.spec
    stored.pop("source", None)
    if stored != _spec(sweep):
        raise StoreError(f"{st.path} holds a different sweep ({config_diff(stored, _spec(sweep))}); "
                         "resume with the same spec, or start a new store")
    if idx.predict != predict:
        def text(p):
            return "without --predict" if p is None else f"--predict {p['method']} {p['options'] or ''}".rstrip()
        raise StoreError(f"{st.path} was swept {text(idx.predict)}, now {text(predict)}; "
                         "resume with the same --predict, or start a new store")
    hashes = []
    stored_hashes = idx.config_hashes
    for i, _cfg, pl, h in _plans(sweep):
        if h != stored_hashes[i]:
            run = idx.run(i)
            raise StoreError(f"point {i} ({sweep.describe(i)}) of {st.path} was made with a "
                             f"different configuration ({config_diff(run.config, pl.config)}); "
                             "resume with the same spec and data, or start a new store")
        hashes.append(h)
    return hashes


def _stored_sweep(sweep: Sweep, out: str, predict: dict | None, resume: bool) -> tuple[list, int]:
    """(point config hashes, points still to do) of this sweep in the existing store ``out``.

    With ``resume`` a different sweep is refused as such.  Without it (neither
    --resume nor --overwrite) ``out`` is used only if it holds this very sweep,
    complete, so that a documented command can be run twice; anything else is
    refused with the flag that fits.
    """
    from ..io.store import Store

    try:
        with Store(out, "r") as st:
            hashes = _check_resumable(sweep, st, predict)
            pending = int((~st.sweep_index().done).sum())
    except (StoreError, OSError) as exc:
        if resume:
            raise
        raise FileExistsError(f"{out} exists and does not hold this sweep ({exc}); pass "
                              "--overwrite to replace it, or choose another --out") from None
    if pending and not resume:
        raise FileExistsError(f"{out} holds this sweep unfinished ({pending} of {sweep.n_points} "
                              "points to go); pass --resume to complete it, or --overwrite to "
                              "start again")
    return hashes, pending


def _bar(progress, total, label):
    from ..progress import Progress

    if progress is True:
        return Progress(total, label=label)
    return None


def _connect(scheduler, workers, threads, dashboard, client):
    """(client, cluster or None, n_workers, numba threads per task)."""
    from distributed import Client, LocalCluster

    if client is not None:
        n = len(client.scheduler_info(n_workers=-1).get("workers", {})) or 1
        return client, None, n, threads
    if scheduler is not None:
        if os.path.isfile(scheduler):  # a scheduler file written by 'dask scheduler --scheduler-file'
            c = Client(scheduler_file=scheduler, timeout="30s")
        else:  # tcp://, tls:// (security from Dask's config), ...
            c = Client(scheduler, timeout="30s")
        try:
            c.wait_for_workers(1, timeout=120)
        except BaseException:
            c.close()
            raise
        n = len(c.scheduler_info(n_workers=-1).get("workers", {})) or 1
        return c, None, n, threads
    workers, threads = default_layout(workers, threads)
    # Worker logs are silenced below CRITICAL: at shutdown a worker's last heartbeat can race
    # the closing scheduler and log a harmless traceback (dask/distributed#7105).  Nothing is
    # lost: a point that fails, or whose workers keep dying, raises through its future.
    # every listening socket on the loopback interface: the scheduler, the workers, and
    # the HTTP endpoints (the dashboard itself only with ``dashboard``), on free ports
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address="127.0.0.1:0",
                           scheduler_kwargs={"dashboard": bool(dashboard)},
                           silence_logs=logging.CRITICAL, death_timeout=60)
    try:
        c = Client(cluster)
    except BaseException:
        cluster.close()
        raise
    if dashboard:
        print(f"Dask dashboard: {cluster.dashboard_link}", file=sys.stderr)
    return c, cluster, workers, threads


def run_sweep(sweep: Sweep, out, *, scheduler: str | None = None, workers: int | None = None,
              threads: int | None = None, resume: bool = False, overwrite: bool = False,
              predict: str | None = None, predict_options: dict | None = None,
              progress: bool = False, dashboard: bool = False, client=None,
              on_point=None) -> SweepSummary:
    """Simulate every point of ``sweep`` on Dask and write them into the store ``out``.

    Parameters
    ----------
    sweep : Sweep
        From :func:`fastnoise.sweep.load_sweep`.
    out : path
        The sweep store.  An existing file is refused unless ``resume``
        (complete it: finished points are skipped) or ``overwrite``.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``,
        ``tls://...`` with Dask's security settings) or a scheduler file.
        Default: a local cluster bound to 127.0.0.1.
    workers, threads : int, optional
        Local cluster size and Numba threads per point (defaults: see
        :func:`default_layout`; with ``scheduler`` or ``client``, the threads
        default to each worker's Dask thread count, ``dask worker --nthreads``).
        ``workers`` is refused with ``scheduler`` or ``client``.
    predict : str, optional
        Also evaluate :func:`fastnoise.predict` with this method for every
        point (``"auto"``: density for symmetric networks, moments otherwise,
        chosen per point); stored in each point's ``prediction`` group, whose
        ``method`` attribute names the method that ran.
    predict_options : dict, optional
        Options of the method (``order``, ``nodes``, ...).
    progress : bool
        Print a progress bar over points to stderr.
    dashboard : bool
        Serve the local cluster's dashboard on 127.0.0.1 (a free port);
        refused with ``scheduler`` or ``client``.
    client : distributed.Client, optional
        Use this client instead of creating one.
    on_point : callable, optional
        Called as ``on_point(i, seconds)`` after point ``i`` is written.

    Returns
    -------
    SweepSummary
    """
    from ..io.lock import write_lock

    out = os.fspath(out)
    if resume and overwrite:
        raise ValueError("resume and overwrite exclude each other; choose one")
    if os.path.isdir(out):
        raise IsADirectoryError(f"--out {out} is a folder; give a file name such as "
                                f"{os.path.join(out, 'sweep.h5')}")
    threads = None if threads is None else check_int("threads", threads, 1)
    workers = None if workers is None else check_int("workers", workers, 1)
    if workers is not None and (scheduler is not None or client is not None):
        raise ValueError("--workers sizes the local cluster only; with --scheduler start the "
                         "workers yourself ('dask worker ADDRESS --nworkers N --nthreads 1')")
    if dashboard and (scheduler is not None or client is not None):
        raise ValueError("--dashboard serves the local cluster's dashboard; a running scheduler "
                         "serves its own (see its --dashboard-address)")
    pred = None if predict is None else {"method": str(predict), "options": dict(predict_options or {})}
    if pred is not None:
        from ..analytic.predict import METHODS

        check_choice("predict", pred["method"], METHODS, what="prediction method")
    exists = os.path.exists(out)
    lock = write_lock(out)  # one sweep writes ``out``: from the first read to the last point
    try:
        return _run_locked(sweep, out, exists, resume, overwrite, scheduler, workers, threads, pred,
                           progress, dashboard, client, on_point)
    finally:
        lock.release()


def _run_locked(sweep, out, exists, resume, overwrite, scheduler, workers, threads, pred, progress,
                dashboard, client, on_point) -> SweepSummary:
    """:func:`run_sweep` once ``out``'s write lock is held."""
    from distributed import as_completed

    from ..io.store import Store
    from .task import point_payload, run_point

    start = time.perf_counter()
    P = sweep.n_points
    if exists and not overwrite:  # resumed, or without flags reused as it is when complete
        hashes, pending = _stored_sweep(sweep, out, pred, resume)
    else:
        hashes, pending = None, P
    if not pending:
        if progress:
            _bar(progress, P, "points").begin(P)
        return SweepSummary(out, P, P, 0, time.perf_counter() - start, 0, threads, 0.0)
    if hashes is None:  # every point fits in memory, the whole store on disk: before any file
        check_sweep_resources(sweep, out, threads)
    # connect first: a wrong address or missing certificate fails before any file is written
    cl, cluster, n_workers, task_threads = _connect(scheduler, workers, threads, dashboard, client)
    st, ok = None, False
    try:
        if hashes is None:
            # a new store appears once laid out (resumable from then on); a replacing one is
            # built beside the old file and replaces it only when every point is written
            st = Store(out, "w" if exists else "x")
            hashes = _lay_out(sweep, st, pred, progress)
            if not exists:
                st.commit()
        else:
            st = Store(out, "a")
        idx = st.sweep_index()
        todo = collections.deque(int(i) for i in np.flatnonzero(~idx.done))
        already = P - len(todo)
        bar = _bar(progress, P, "points")
        if bar is not None:
            bar.begin(already)
        computed, compute_s, used_threads = 0, 0.0, set()
        in_flight = max(2, 2 * n_workers)
        keys: dict = {}
        queue = as_completed()

        def submit(i):
            cfg = sweep.point_config(i)
            payload = point_payload(cfg, hashes[i], i, task_threads, pred)
            fut = cl.submit(run_point, payload, key=f"fastnoise-{point_name(i, P)}-{hashes[i]}",
                            pure=False)
            keys[fut.key] = i
            queue.add(fut)

        for _ in range(min(in_flight, len(todo))):
            submit(todo.popleft())
        for fut in queue:
            i = keys.pop(fut.key)
            # result() waits: a finished point whose worker died before the client fetched it
            # is "lost" here and recomputed by Dask; an error or cancellation raises
            try:
                res = fut.result()
            except Exception as exc:
                kept = (f"{out} is unchanged (the replacing sweep is discarded)" if not st.in_place
                        else f"finished points are kept in {out}")
                raise SweepError(f"point {i} ({sweep.describe(i)}) failed on a worker: "
                                 f"{type(exc).__name__}: {exc}; {kept}") from None
            fut.release()
            del fut
            run = idx.run(i)
            if res["prediction"] is not None:
                run.write_prediction(*res["prediction"])
            if "rows" in res:                   # a reservoir: per layer, rows = time steps
                run.write_results(0, run.done.size, **res["rows"])
            else:
                run.write_block(0, run.done.size, res["arrays"])
            run.set_status("complete")
            idx.mark_done(i)
            computed += 1
            compute_s += res["seconds"]
            used_threads.add(res.get("threads"))
            if bar is not None:
                bar.update(1)
            if on_point is not None:
                on_point(i, res["seconds"])
            del res
            if todo:
                submit(todo.popleft())
        if task_threads is None and len(used_threads) == 1:  # chosen on the workers
            task_threads = used_threads.pop()
        ok = True
        return SweepSummary(out, P, already, computed, time.perf_counter() - start, n_workers,
                            task_threads, compute_s)
    finally:
        if st is not None:
            if ok:
                st.close()
                _verify_sweep(out, P)
            else:
                st.discard()  # a replacing store never replaces; one in place keeps its points
        if client is None:
            cl.close()
        if cluster is not None:
            cluster.close()
