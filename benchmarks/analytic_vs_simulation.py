"""Prediction time of every analytic method next to the simulation, one run.

Fig. 3 setting (1-200-200-1, alpha = 4, T = 1000, all four noise kinds;
K = 300 for the simulation).  Medians of ``--repeats`` timings after a
warm-up call of each; ratios are simulation time / prediction time.

    python benchmarks/analytic_vs_simulation.py --repeats 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import fastnoise as fn  # noqa: E402
from benchmarks._common import NOISE, W3_K, W3_T, w3_inputs, w3_network  # noqa: E402
from benchmarks.bench_analytic import METHODS  # noqa: E402


def _median_time(fn_, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn_()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5, help="timings per entry (median reported)")
    args = p.parse_args(argv)
    net, u = w3_network(), w3_inputs(W3_T)
    fn.simulate(net, u[:2], NOISE, repeats=W3_K, seed=1)
    sim = _median_time(lambda: fn.simulate(net, u, NOISE, repeats=W3_K, seed=1), args.repeats)
    print(f"Fig. 3 setting, T = {W3_T}; medians of {args.repeats}")
    print(f"{'method':<12} {'seconds':>9} {'simulation / method':>20}")
    print(f"{'simulation':<12} {sim:>9.3f} {1.0:>20.1f}")
    for m in METHODS:
        fn.predict(net, u[:16], NOISE, method=m)
        t = _median_time(lambda: fn.predict(net, u, NOISE, method=m), args.repeats)
        print(f"{m:<12} {t:>9.4f} {sim / t:>20.1f}")


if __name__ == "__main__":
    main()
