"""``fastnoise sweep``: run a sweep spec on Dask into one resumable store.

Examples
--------
::

    fastnoise sweep examples/sweep_small.toml --out sweep.h5
    fastnoise sweep examples/sweep_small.toml --out sweep.h5 --resume     # after a crash
    fastnoise sweep spec.toml --out s.h5 --workers 2 --threads 1 --predict      # method auto
    fastnoise sweep spec.toml --out s.h5 --scheduler tcp://10.0.0.5:8786
    fastnoise sweep spec.toml --out s.h5 --dry-run                        # list the points
"""

from __future__ import annotations

import argparse
import math
import os

from .common import Interrupted, positive_int

__all__ = ["add_parser", "run", "sweep_text"]

_MAX_ROWS = 20


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``sweep`` command to ``subparsers``; its ``func`` default is :func:`run`."""
    from ..analytic.predict import METHODS
    from ..sweep.runner import default_layout, usable_cores

    w, t = default_layout()
    s = subparsers.add_parser(
        "sweep", help="run a sweep (a base config and axes) on Dask into one HDF5 store",
        description="Simulate every point of a sweep spec (a base run config plus axes over any "
                    "of its fields, combined as a product or zipped; see examples/sweep_small.toml) "
                    "as one Dask task per point, and write each finished point into STORE.h5 as "
                    "its own run, with its parameter values as attributes and an index of all "
                    "points under /sweep. Only this client writes the store. Read it with "
                    "fastnoise.stats.sweep_table(path) or 'fastnoise info STORE.h5'.",
        epilog=f"Without --scheduler a local Dask cluster listens on 127.0.0.1 only; on this "
               f"machine ({usable_cores()} cores) it defaults to {w} worker(s) x {t} Numba "
               "thread(s). Results are bitwise identical for any --workers, --threads or "
               "scheduler (on machines of one CPU kind). A killed sweep keeps every finished "
               "point: rerun the command with --resume.")
    s.add_argument("spec", metavar="SWEEP.toml", help="sweep spec")
    s.add_argument("--out", "-o", metavar="STORE.h5",
                   help="the sweep store (required unless --dry-run); an existing file is never "
                        "replaced without --overwrite")
    mode = s.add_mutually_exclusive_group()
    mode.add_argument("--resume", action="store_true",
                      help="complete the sweep held by STORE.h5 (same spec): finished points "
                           "are skipped; starts a new store when the file does not exist")
    mode.add_argument("--overwrite", action="store_true", help="replace an existing STORE.h5")
    s.add_argument("--scheduler", metavar="ADDRESS",
                   help="a running Dask scheduler: tcp://HOST:PORT, tls://HOST:PORT (TLS "
                        "certificates from Dask's configuration, distributed.comm.tls.*) or a "
                        "scheduler JSON file; default: a local cluster on 127.0.0.1")
    s.add_argument("--workers", "-w", type=positive_int, metavar="N",
                   help=f"local cluster: worker processes (default {w} here: cores / --threads)")
    s.add_argument("--threads", "-j", type=positive_int, metavar="N",
                   help=f"Numba threads per point (default {t} here: cores / workers; with "
                        "--scheduler: each worker's Dask thread count, 'dask worker --nthreads')")
    s.add_argument("--predict", nargs="?", const="auto", choices=list(METHODS), metavar="METHOD",
                   help="also predict every point analytically with fastnoise.predict (method "
                        f"one of {', '.join(METHODS)}; default auto: density for symmetric "
                        "networks, moments otherwise, per point) and store it beside the "
                        "simulation")
    s.add_argument("--order", type=positive_int, metavar="M", help="Taylor order for --predict taylor")
    s.add_argument("--nodes", type=positive_int, metavar="N",
                   help="Gauss–Hermite nodes for --predict gauss/moments")
    s.add_argument("--dashboard", action="store_true",
                   help="serve the local cluster's Dask dashboard on 127.0.0.1 (a free port)")
    s.add_argument("--dry-run", action="store_true",
                   help="validate the spec and list its points; simulate nothing")
    s.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    s.set_defaults(func=run)
    return s


def _value(v) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, list):
        return "[" + ",".join(_value(x) for x in v) + "]"
    return str(v)


def _f(v) -> str:
    return "nan" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{v:.4g}"


def sweep_text(store, limit: int = _MAX_ROWS) -> str:
    """A sweep store described in a few lines: axes, progress, output-layer table."""
    from ..stats import layer_summary

    idx = store.sweep_index()
    done = idx.done
    params = idx.params()
    lines = [f"sweep: {int(done.sum())}/{idx.n_points} points done"
             + ("" if done.all() else " (incomplete; 'fastnoise sweep SPEC --out STORE --resume' "
                                      "completes it)")]
    for name, keys in idx.dims:
        n = len({repr(p[keys[0]]) for p in params})
        zipped = "" if keys == [name] else f": {', '.join(keys)}"
        lines.append(f"  dimension {name} [{n}]{zipped}")
    pred = idx.predict
    if pred:
        lines.append(f"  prediction   {pred['method']} {pred.get('options') or ''}".rstrip())
    keys = idx.keys
    head = ["point"] + keys + ["out mean var", "out SNR median"] + (["predicted var"] if pred else [])
    rows = []
    for i in range(idx.n_points):
        if len(rows) >= limit:
            break
        run = idx.run(i)
        row = [run.name] + [_value(params[i][k]) for k in keys]
        if done[i]:
            last = layer_summary(run)[-1]
            row += [_f(last["mean_var"]), _f(last["snr_median"])]
            if pred:
                p = run.prediction()
                row.append(_f(float(p[1][-1].mean())) if p else "nan")
        else:
            row += ["-", "-"] + (["-"] if pred else [])
        rows.append(row)
    widths = [max(len(h), *(len(r[j]) for r in rows)) if rows else len(h) for j, h in enumerate(head)]
    lines.append("  " + "  ".join(h.rjust(w) for h, w in zip(head, widths)))
    for r in rows:
        lines.append("  " + "  ".join(c.rjust(w) for c, w in zip(r, widths)))
    if idx.n_points > limit:
        lines.append(f"  ... {idx.n_points - limit} more points "
                     "(fastnoise.stats.sweep_table(path) has them all)")
    return "\n".join(lines)


def run(args) -> int:
    """Run the ``sweep`` command."""
    import time

    from ..io.store import Store
    from ..sweep import load_sweep, run_sweep

    sweep = load_sweep(args.spec)
    if args.dry_run:
        print(f"{args.spec}: {sweep.n_points} points; dimensions "
              + (" x ".join(f"{name}[{n}] ({', '.join(keys)})"
                            for (name, keys), n in zip(sweep.dims, sweep.shape)) or "none"))
        for i in range(min(sweep.n_points, _MAX_ROWS)):
            print(f"  {i:>5}  {sweep.describe(i)}")
        if sweep.n_points > _MAX_ROWS:
            print(f"  ... {sweep.n_points - _MAX_ROWS} more")
        return 0
    out = args.out
    if out is None:
        raise ValueError("give the store to write with --out STORE.h5 (or list the points with "
                         "--dry-run)")
    folder = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"--out {out}: folder {folder} does not exist; create it first")
    options = {k: v for k, v in (("order", args.order), ("nodes", args.nodes)) if v is not None}
    if options and args.predict is None:
        raise ValueError("--order/--nodes set options of --predict; add --predict METHOD")
    t0 = time.perf_counter()
    replacing = args.overwrite and os.path.exists(out)
    try:
        summary = run_sweep(sweep, out, scheduler=args.scheduler, workers=args.workers,
                            threads=args.threads, resume=args.resume, overwrite=args.overwrite,
                            predict=args.predict, predict_options=options,
                            progress=not args.quiet, dashboard=args.dashboard)
    except KeyboardInterrupt:
        if replacing:
            raise Interrupted(f"{out} is unchanged (the replacing sweep was discarded)") from None
        raise Interrupted(f"finished points are saved in {out}; run 'fastnoise sweep "
                           f"{args.spec} --out {out} --resume' to continue") from None
    wall = time.perf_counter() - t0
    with Store(out, "r") as store:
        print(sweep_text(store))
    where = (f"scheduler {args.scheduler}" if args.scheduler
             else f"{summary.workers} local worker(s)")
    if summary.threads is not None:
        where += f" x {summary.threads} Numba thread(s)"
    if summary.computed:
        print(f"computed {summary.computed} point(s) ({summary.already_done} done before) on "
              f"{where}: {summary.points_per_minute:.1f} points/min")
    else:
        print(f"nothing to compute: all {summary.n_points} points were done")
    print(f"store: {out}")
    print(f"wall time: {wall:.2f} s")
    return 0
