"""Peak memory of a reservoir run streamed into a store: flat in T.

The workload of ``benchmarks/reservoir_compare.py`` (500 neurons, K = 300, all four
noise kinds, float32) streamed into a store with ``keep=False``, one T per process
so that each peak is that T's (ru_maxrss of the whole process)::

    python benchmarks/reservoir_memory.py --steps 1000
    python benchmarks/reservoir_memory.py --steps 20000
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(argv=None) -> int:
    import fastnoise as fn
    from benchmarks.reservoir_compare import K, workload

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=5000, help="T (default 5000)")
    ap.add_argument("--precision", choices=("float32", "float64"), default="float32")
    args = ap.parse_args(argv)
    esn, u, noise = workload(args.steps)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "r.h5")
        t0 = time.perf_counter()
        fn.simulate(esn, u, noise, repeats=K, seed=1, precision=args.precision, store=path, keep=False)
        wall = time.perf_counter() - t0
        size = os.path.getsize(path)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"T = {args.steps}, K = {K}, {args.precision}: {wall:.2f} s, store {size / 1e6:.1f} MB, "
          f"peak RSS {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
