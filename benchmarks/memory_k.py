"""Peak memory and time of W3 (or the MNIST CNN) at a large K: memory must not grow with K.

Run: ``python benchmarks/memory_k.py [--repeats 10000] [--precision float32]`` (the performance
issue asks for W3 with K = 10,000 under 300 MB RSS).  Prints the wall time,
the time per unit of K·T relative to K = 300, and the peak resident set size
of the whole process (interpreter, Numba and results included).

``--cnn`` runs the MNIST CNN of ``benchmarks/cnn_compare.py`` instead (T = 1000 MNIST
test images, all four noise kinds) at K = ``--repeats`` only, one K per process so
that the peak is that K's: issue 17 asks for K = 100 and K = 1000 within 1.3x::

    python benchmarks/memory_k.py --cnn --repeats 100 --precision float32
    python benchmarks/memory_k.py --cnn --repeats 1000 --precision float32
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(argv=None) -> int:
    import numpy as np

    import fastnoise as fn

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=10000, help="K (default 10000)")
    ap.add_argument("--precision", choices=("float64", "float32"), default="float64",
                    help="fn.simulate precision (default float64)")
    ap.add_argument("--cnn", action="store_true", help="the MNIST CNN at K = --repeats alone")
    args = ap.parse_args(argv)
    if args.cnn:
        return _cnn(args.repeats, args.precision)
    net = fn.symmetric(widths=[1, 200, 200, 1], alpha=4.0)
    u = np.linspace(0.0, 1.0, 1000)[:, None]
    noise = fn.Noise(1e-4, 1e-4, 1e-3, 1e-3)
    prec = args.precision
    fn.simulate(net, u[:4], noise, repeats=300, precision=prec)  # compile / load the kernels
    t = time.perf_counter()
    fn.simulate(net, u, noise, repeats=300, seed=1, precision=prec)
    base = time.perf_counter() - t
    t = time.perf_counter()
    fn.simulate(net, u, noise, repeats=args.repeats, seed=1, precision=prec)
    wall = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"W3 ({prec}) K=300: {base:.2f} s; K={args.repeats}: {wall:.2f} s "
          f"({wall / base:.1f}x the time for {args.repeats / 300:.1f}x the work); "
          f"peak RSS {rss:.0f} MB")
    return 0


def _cnn(repeats: int, precision: str) -> int:
    import fastnoise as fn
    from benchmarks._common import NOISE
    from benchmarks.cnn_compare import cnn_network, mnist_inputs

    net, source = cnn_network()
    u, what = mnist_inputs(1000)
    fn.simulate(net, u[:2], NOISE, repeats=2, precision=precision)  # compile / load the kernels
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    res = fn.simulate(net, u, NOISE, repeats=repeats, seed=1, precision=precision)
    wall = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results = sum(a.nbytes for a in (*res.mean, *res.var, *res.noiseless_xt, *res.noiseless_x)) / 2 ** 20
    print(f"CNN ({source}, {what}, {precision}) K={repeats}, T={len(u)}: {wall:.2f} s; "
          f"peak RSS {rss:.0f} MB (before the run {before:.0f} MB; the results alone {results:.0f} MB; "
          f"repetitions made {res.config.get('repetition_chunk', repeats)} at a time)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
