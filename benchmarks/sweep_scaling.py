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

Run: ``python benchmarks/sweep_scaling.py [--points 8] [--repeats 3] [--precision float32]``.
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


def main(argv=None) -> int:
    from fastnoise.sweep import loads_sweep
    from fastnoise.sweep.runner import usable_cores

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=8, help="points per sweep (default 8)")
    ap.add_argument("--repeats", type=int, default=3, help="sweeps per layout (default 3)")
    ap.add_argument("--precision", choices=("float64", "float32"), default="float64",
                    help="state precision of every point (default float64)")
    args = ap.parse_args(argv)
    cores = usable_cores()
    fig3 = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "examples", "fig3.toml")
    sweep = loads_sweep(SPEC.format(fig3=fig3, points=args.points, precision=args.precision))
    layouts = [(1, 1), (1, cores), (cores, 1)] if cores > 1 else [(1, 1)]
    print(f"Fig. 3 setting (1-200-200-1, K = 300, T = 1000, {args.precision}), "
          f"{args.points} points per sweep, "
          f"{args.repeats} sweeps per layout, {cores} cores")
    print(f"{'workers x threads':>18} {'end-to-end pts/min':>19} {'steady pts/min':>15} "
          f"{'s per point (task)':>19}")
    with tempfile.TemporaryDirectory() as folder:
        for w, t in layouts:
            runs = [one(sweep, w, t, folder, f"w{w}t{t}r{r}") for r in range(args.repeats)]
            e2e = statistics.median(r[0] for r in runs)
            steady = statistics.median(r[1] for r in runs)
            task = statistics.median(r[2] for r in runs)
            print(f"{f'{w} x {t}':>18} {e2e:>19.1f} {steady:>15.1f} {task:>19.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
