"""A noisy reservoir: fastnoise against NumPy and reservoirpy, with the floor of the work, one run.

Issue 18's workload: a 500-neuron reservoir with reservoirpy's default recurrent
connectivity (0.1, spectral radius 0.9, tanh, leak 1), one input (a sine), a
linear readout of one neuron, K = 300 repetitions, T = 5000 steps, all four noise
kinds (Fig. 3 intensities) on every layer.  Timed, interleaved, ``--repeats``
times each (the median is printed, and each ratio is a ratio of medians):

* fastnoise float32 and float64 (``fn.simulate``);
* a vectorised NumPy float64 implementation of the same model: the K
  repetitions as the columns of one (N, K) array, ``scipy.sparse`` W, Eq. 3 with
  NumPy's PCG64 normals, per-step means and variances;
* reservoirpy 0.4 run K times (its own noiseless model: the loop a reservoirpy
  user writes), measured on ``--rpy-runs`` runs and scaled to K;
* the floor: the sparse products alone (W r over K repetitions and T steps, a
  Numba loop like fastnoise's, no activation, noise or moments), and the K·I·T
  = 7.5e8 normals alone (fastnoise's counter-based generator, float32 and float64);
* for the floor's product, two other ways to compute the same float32 products, to
  show that it is the fastest at hand: ``scipy.sparse`` (CSR @ dense) and a dense
  BLAS GEMM of the whole W (NumPy's, on all cores).

    python benchmarks/reservoir_compare.py --repeats 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

UNITS, K, T = 500, 300, 5000
FIG3 = dict(additive=1e-4, additive_correlated=1e-4, multiplicative=1e-3, multiplicative_correlated=1e-3)


def workload(steps: int = T):
    import fastnoise as fn

    esn = fn.reservoir(UNITS, 1, 1, connectivity=0.1, spectral_radius=0.9, seed=1)
    esn = esn.with_readout(np.random.default_rng(0).normal(0, 0.05, (1, UNITS)))
    u = np.sin(0.05 * np.arange(steps))[:, None]
    return esn, u, fn.Noise(**FIG3)


def numpy_reservoir(esn, u, noise, repeats: int, seed: int = 0):
    """The same model, vectorised over the K repetitions, in NumPy float64."""
    rng = np.random.default_rng(seed)
    a_mu, a_au, a_mc, a_ac = noise.amplitudes
    W, w_in, bias = esn.w_csr, esn.w_in, esn.bias[:, None]
    w_out, b_out = esn.w_out, esn.b_out[:, None]
    steps = u.shape[0]
    r = np.zeros((esn.units, repeats))
    out = [np.empty((steps, w, 2)) for w in esn.widths]

    def eq3(x):
        cm = 1.0 + a_mc * rng.standard_normal(repeats)
        ca = a_ac * rng.standard_normal(repeats)
        xc = x * cm
        return xc + ca + np.sqrt((a_mu * xc) ** 2 + a_au ** 2) * rng.standard_normal(x.shape)

    for t in range(steps):
        x0 = eq3(np.broadcast_to(u[t][:, None], (u.shape[1], repeats)))
        r = eq3(np.tanh(W @ r + w_in @ x0 + bias))
        y = eq3(w_out @ r + b_out)
        for n, v in enumerate((x0, r, y)):
            out[n][t, :, 0] = v.mean(axis=1)
            out[n][t, :, 1] = v.var(axis=1, ddof=1)
    return out


def reservoirpy_runs(u, runs: int) -> float:
    """Seconds of ``runs`` reservoirpy runs of the noiseless reservoir (reset between runs)."""
    from reservoirpy.nodes import Reservoir

    node = Reservoir(units=UNITS, sr=0.9, rc_connectivity=0.1, seed=1)
    node.run(u[:10])
    t0 = time.perf_counter()
    for _ in range(runs):
        node.reset()
        node.run(u)
    return time.perf_counter() - t0


def _floors():
    from numba import njit, prange

    from fastnoise.config import JIT_PARALLEL
    from fastnoise.kernels.reservoir import fill_row_normals

    @njit(**JIT_PARALLEL)
    def products(indptr, indices, data, R, Rn, steps):
        N, K = R.shape
        for _ in range(steps):
            for i in prange(N):
                acc = np.zeros(K, R.dtype)
                for e in range(indptr[i], indptr[i + 1]):
                    w = data[e]
                    j = indices[e]
                    for k in range(K):
                        acc[k] += w * R[j, k]
                for k in range(K):
                    Rn[i, k] = acc[k] * R.dtype.type(0.5)
            for i in prange(N):
                for k in range(K):
                    R[i, k] = Rn[i, k]

    @njit(**JIT_PARALLEL)
    def normals(z, N, steps, key0, key1):
        total = 0.0
        for t in range(steps):
            for i in prange(N):
                fill_row_normals(z[i], z.shape[1] - 3, i + 2, t, np.uint64(1), key0, key1)
            total += z[0, 0]
        return total

    return products, normals


def main(argv=None) -> int:
    import fastnoise as fn

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="timings of each entry (median)")
    ap.add_argument("--steps", type=int, default=T, help=f"T (default {T})")
    ap.add_argument("--rpy-runs", type=int, default=30, help="reservoirpy runs timed (scaled to K)")
    args = ap.parse_args(argv)
    esn, u, noise = workload(args.steps)
    steps = u.shape[0]
    products, normals = _floors()
    csr = esn.w_csr
    sizes = (UNITS + 2) + (1 + 2) * 2                     # normals per step and repetition, all layers

    def run_fn(precision):
        return lambda: fn.simulate(esn, u, noise, repeats=K, seed=1, precision=precision)

    def run_numpy():
        return numpy_reservoir(esn, u, noise, K)

    def run_products(dt):
        R = np.random.default_rng(0).uniform(-1, 1, (UNITS, K)).astype(dt)
        args_ = (csr.indptr, csr.indices, csr.data.astype(dt), R, np.empty_like(R))
        return lambda: products(*args_, steps)

    def run_other_product(kind):
        R = np.random.default_rng(0).uniform(-1, 1, (UNITS, K)).astype(np.float32)
        W = csr.astype(np.float32)
        if kind == "dense":
            W = W.toarray()

        def go():
            for _ in range(steps):
                W @ R
        return go

    def run_normals(dt):
        z = np.empty((sizes, K + 3), dt)
        return lambda: normals(z, sizes, steps, np.uint64(1), np.uint64(0))

    entries = {"fastnoise float32": run_fn("float32"), "fastnoise float64": run_fn("float64"),
               "NumPy float64": run_numpy,
               "floor: sparse products float32": run_products(np.float32),
               "floor: sparse products float64": run_products(np.float64),
               "floor: normals float32": run_normals(np.float32),
               "floor: normals float64": run_normals(np.float64),
               "products float32, scipy.sparse": run_other_product("sparse"),
               "products float32, dense BLAS": run_other_product("dense")}
    # warm-up (compilation) on a short piece
    fn.simulate(esn, u[:20], noise, repeats=K, precision="float32")
    fn.simulate(esn, u[:20], noise, repeats=K)
    for name in ("floor: sparse products float32", "floor: sparse products float64",
                 "floor: normals float32", "floor: normals float64"):
        entries[name]()
    times = {name: [] for name in entries}
    rpy = []
    for _ in range(args.repeats):
        for name, f in entries.items():
            t0 = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - t0)
        rpy.append(reservoirpy_runs(u, args.rpy_runs) * K / args.rpy_runs)
    med = {name: statistics.median(v) for name, v in times.items()}
    med["reservoirpy × K (noiseless)"] = statistics.median(rpy)
    print(f"reservoir N = {UNITS}, connectivity 0.1, K = {K}, T = {steps}, all four noise kinds; "
          f"medians of {args.repeats} interleaved runs")
    for name, s in med.items():
        print(f"  {name:32s} {s:8.2f} s")
    for prec in ("float32", "float64"):
        mine = med[f"fastnoise {prec}"]
        floor = med[f"floor: sparse products {prec}"] + med[f"floor: normals {prec}"]
        print(f"fastnoise {prec}: {med['NumPy float64'] / mine:.1f}x NumPy float64, "
              f"{med['reservoirpy × K (noiseless)'] / mine:.1f}x reservoirpy × K; "
              f"floor {floor:.2f} s (products + normals), fastnoise at {mine / floor:.2f}x its floor; "
              f"reservoirpy × K / floor = {med['reservoirpy × K (noiseless)'] / floor:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
