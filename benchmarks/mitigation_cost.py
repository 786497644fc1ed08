"""What a mitigation costs in simulation time, against its floor.

Pooling multiplies the hidden layer's neurons by ``copies`` (and adds a ghost): the
simulation then does ``copies`` times the hidden layer's work.  This script times, in one
process and interleaved (median of ``--rounds``), ``fn.simulate`` of the study's
classifier shape (784-20-10, logistic hidden layer, softmax readout; all four noise
kinds on the hidden and output layers; T inputs, K repetitions) plain and with ghost +
pool×c, and the floor of the same work: the float64 GEMMs of the noisy layers
(K×I_1·I_1×I_2 per input, the shared first layer's W x once per input) and the
counter-based normals the kernels draw (I_n + 2 per noisy layer, repetition and
input), timed with NumPy's GEMM and fastnoise's own generator (the helpers of
``compare.py``).  It prints each time
and the ratios mitigated / plain and mitigated / floor; it also prints the softmax
readout against a logistic one.

Run: python benchmarks/mitigation_cost.py [--inputs 1000] [--repeats 32] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import fastnoise as fn
from fastnoise.paper.mitigation_study import strategy_network

try:
    from ._common import NOISE, first_noisy, normals_per_layer, own_normals, shared_gemm_shapes, warm_up
except ImportError:                              # run as a script
    from _common import NOISE, first_noisy, normals_per_layer, own_normals, shared_gemm_shapes, warm_up


def _floor(net, u, K, noise) -> float:
    """Seconds of the work the simulation of ``net`` cannot avoid: its GEMMs (one row per input
    for the shared noiseless prefix, K rows after the first noisy layer, float64, NumPy's
    BLAS) and fastnoise's own counter-based normals (``_common.own_normals``)."""
    widths, T = net.widths, u.shape[0]
    mats = [np.ascontiguousarray(w.T) for w in net.weights[1:]]
    t0 = time.perf_counter()
    for (m, k, n), b in zip(shared_gemm_shapes(widths, K, first_noisy(noise, len(widths))), mats):
        a = np.ones((m, k))                      # one GEMM per weight layer, in layer order
        for _ in range(T):
            a @ b
    gemm = time.perf_counter() - t0
    counts = np.array(normals_per_layer(widths, noise), dtype=np.int64)
    t0 = time.perf_counter()
    own_normals(counts, K, T, np.zeros(1), np.empty(T))
    return gemm + time.perf_counter() - t0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--inputs", type=int, default=1000)
    p.add_argument("--repeats", type=int, default=32)
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args(argv)
    T, K = args.inputs, args.repeats
    u = np.random.default_rng(0).uniform(0.0, 1.0, (T, 784))
    noise = [None, NOISE, NOISE]
    base = fn.random_dense([784, 20, 10], activation="logistic", output_activation="softmax", seed=0)
    nets = {"plain": base, "logistic readout": fn.random_dense([784, 20, 10], activation="logistic", seed=0)}
    for c in (4, 32):
        nets[f"ghost+pool x{c}"] = strategy_network(base, "ghost+pool", c)
    for net in nets.values():
        warm_up(net, noise, repeats=K)
    times = {name: [] for name in nets}
    floors = {name: [] for name in nets}
    for net in nets.values():
        _floor(net, u[:2], K, noise)             # compile the generator
    for _ in range(args.rounds):
        for name, net in nets.items():
            t0 = time.perf_counter()
            fn.simulate(net, u, noise, repeats=K, seed=1)
            times[name].append(time.perf_counter() - t0)
            floors[name].append(_floor(net, u, K, noise))
    med = {k: statistics.median(v) for k, v in times.items()}
    flo = {k: statistics.median(v) for k, v in floors.items()}
    print(f"784-20-10 softmax classifier, T = {T}, K = {K}, medians of {args.rounds} interleaved rounds")
    print(f"{'network':<20}{'widths':<16}{'simulate s':>12}{'floor s':>10}{'/ plain':>9}{'/ floor':>9}")
    for name, net in nets.items():
        print(f"{name:<20}{'-'.join(map(str, net.widths)):<16}{med[name]:>12.3f}{flo[name]:>10.3f}"
              f"{med[name] / med['plain']:>9.2f}{med[name] / flo[name]:>9.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
