"""Inputs per batch (``block``) of the PyTorch peer: which is fastest here?

Run from the repository root (a script, not a test)::

    python benchmarks/torch_block_sweep.py [--workloads A100in0,A100] [--blocks 4,8,16,32,64,128]
                                           [--dtypes float32,float64] [--rounds 5] [--T 1000]

For each workload and dtype it times ``simulate_torch`` (threads = Numba's
thread count, as compare.py) with every block size, interleaved round by
round (the order rotates from round to round), and prints the median and
minimum per block and their ratio to the best median.  compare.py's
``TORCH_BLOCK`` holds the winners.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

if __name__ == "__main__":  # run as a file: make the checkout importable
    _ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if _ROOT not in sys.path:
        sys.path.insert(0, _ROOT)


def main(argv=None) -> int:
    import numba
    import numpy as np

    from benchmarks import _common as c
    from benchmarks.torch_impl import simulate_torch

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workloads", default="A100in0,A100")
    ap.add_argument("--blocks", default="4,8,16,32,64,128")
    ap.add_argument("--dtypes", default="float32,float64")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--T", type=int, default=c.A100_T, help="inputs (default 1000)")
    args = ap.parse_args(argv)
    blocks = [int(b) for b in args.blocks.split(",")]
    threads = numba.get_num_threads()
    print(f"T={args.T}, threads={threads}, medians (min) of {args.rounds} interleaved rounds")
    for name in args.workloads.split(","):
        net, noise, K = c.wa_network(), c.a100_noise(name), c.A100_K
        u = c.wa_inputs(args.T)
        for dt in args.dtypes.split(","):
            simulate_torch(net, u[:8], noise, K, dtype=dt, threads=threads)  # warm up
            t = {b: [] for b in blocks}
            for r in range(args.rounds):
                order = blocks[r % len(blocks):] + blocks[:r % len(blocks)]
                for b in order:
                    t0 = time.perf_counter()
                    simulate_torch(net, u, noise, K, seed=1, block=b, dtype=dt, threads=threads)
                    t[b].append(time.perf_counter() - t0)
            med = {b: float(np.median(v)) for b, v in t.items()}
            best = min(med, key=med.get)
            print(f"{name} {dt}: best block {best}")
            for b in blocks:
                print(f"  block {b:4d}: {med[b]:.3f} s ({min(t[b]):.3f})  /best {med[b] / med[best]:.2f}")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
