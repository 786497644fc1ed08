"""Sweep throughput on a local Dask cluster: points per minute by worker layout.

Every point is the paper's Fig. 3 setting (symmetric 1-200-200-1, K = 300
repetitions of T = 1000 inputs, all four noise kinds), the sweep varies the
hidden slope alpha.  For each layout (workers x Numba threads per worker) the
sweep runs ``--repeats`` times into a fresh store; the script prints the
median of

* end-to-end points/min: all points over the whole ``run_sweep`` wall time
  (store layout, cluster start, JIT cache loading, tasks, writes, shutdown);
* steady points/min: points finished after the first one, over the time
  from the first to the last (what a long sweep converges to).

Run: ``python benchmarks/sweep_scaling.py [--points 8] [--repeats 3]
[--precision float64 float32] [--plot FILE.png] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SPEC = """
config = "{fig3}"

[base]
output.precision = "{precision}"

[[axes]]
key = "network.alpha"
linspace = [1.0, 5.0, {points}]
"""


def one(sweep, workers, threads, folder, tag):
    from fastnoise.sweep import run_sweep

    stamps = []
    out = os.path.join(folder, f"{tag}.h5")
    t0 = time.perf_counter()
    summary = run_sweep(sweep, out, workers=workers, threads=threads,
                        on_point=lambda i, s: stamps.append(time.perf_counter()))
    wall = time.perf_counter() - t0
    os.remove(out)
    steady = 60.0 * (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else float("nan")
    return 60.0 * summary.computed / wall, steady, summary.compute_seconds / summary.computed


def plot(rows, path, cores) -> None:
    """Grouped bars: end-to-end and steady points/min for every layout and precision."""
    import numpy as np

    from fastnoise.report import save
    from fastnoise.report.style import SERIES, new_figure, style_context

    with style_context():
        fig, axes = new_figure(1, 1, width=6.0, height=2.8)
        ax = axes[0, 0]
        labels = [f"{w} x {t}\n{prec}" for prec, w, t, *_ in rows]
        x = np.arange(len(rows))
        for k, (col, name) in enumerate(((4, "end to end"), (5, "steady"))):
            ax.bar(x + (k - 0.5) * 0.38, [r[col] for r in rows], width=0.38, label=name,
                   color=SERIES[k])
        ax.set_xticks(x, labels)
        ax.set_ylabel("points per minute")
        ax.set_title(f"Fig. 3 points on a local Dask cluster ({cores} cores): "
                     "workers x Numba threads")
        ax.legend(loc="upper left")
        save(fig, path, formats=(os.path.splitext(path)[1].lstrip(".") or "png",))


def main(argv=None) -> int:
    import json

    from fastnoise.sweep import loads_sweep
    from fastnoise.sweep.runner import usable_cores

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=8, help="points per sweep (default 8)")
    ap.add_argument("--repeats", type=int, default=3, help="sweeps per layout (default 3)")
    ap.add_argument("--precision", choices=("float64", "float32"), nargs="+",
                    default=["float64"], help="state precision(s) of the points (default float64)")
    ap.add_argument("--plot", metavar="FILE.png",
                    help="also draw the table as a bar chart (needs matplotlib)")
    ap.add_argument("--json", metavar="PATH", help="also write the table here")
    args = ap.parse_args(argv)
    for path in (args.plot, args.json):  # refuse before minutes of work, never replace a file
        if path and os.path.exists(path):
            ap.error(f"{path} exists; give a new file name")
    cores = usable_cores()
    fig3 = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "examples", "fig3.toml")
    layouts = [(1, 1), (1, cores), (cores, 1)] if cores > 1 else [(1, 1)]
    print(f"Fig. 3 setting (1-200-200-1, K = 300, T = 1000), {args.points} points per sweep, "
          f"{args.repeats} sweeps per layout, {cores} cores")
    print(f"{'precision':>9} {'workers x threads':>18} {'end-to-end pts/min':>19} "
          f"{'steady pts/min':>15} {'s per point (task)':>19}")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for prec in args.precision:
            sweep = loads_sweep(SPEC.format(fig3=fig3, points=args.points, precision=prec))
            for w, t in layouts:
                runs = [one(sweep, w, t, folder, f"{prec}w{w}t{t}r{r}")
                        for r in range(args.repeats)]
                e2e = statistics.median(r[0] for r in runs)
                steady = statistics.median(r[1] for r in runs)
                task = statistics.median(r[2] for r in runs)
                rows.append((prec, w, t, task, e2e, steady))
                print(f"{prec:>9} {f'{w} x {t}':>18} {e2e:>19.1f} {steady:>15.1f} {task:>19.2f}",
                      flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"cores": cores, "points": args.points, "repeats": args.repeats,
                       "rows": [dict(zip(("precision", "workers", "threads", "task_seconds",
                                          "end_to_end_ppm", "steady_ppm"), r)) for r in rows]},
                      f, indent=1)
    if args.plot:
        plot(rows, args.plot, cores)
        print(f"wrote {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
