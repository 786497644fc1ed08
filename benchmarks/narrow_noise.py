"""Does sampling a noisy input layer in the next layer's narrower space pay?

A noisy input layer of I_0 neurons feeding a dense layer of I_1 < I_0 neurons:
the simulator draws I_0 (+2) normals per repetition and multiplies the K×I_0
noisy inputs by W (I_1×I_0).  Algebra gives the same distribution of x̃_1 with
fewer flops.  For uncorrelated noise (Eq. 3 with D_M^C = D_A^C = 0) the noisy input is
y_0 = u + s ⊙ ξ with s_i = √(2D_M^U u_i² + 2D_A^U), so

    x̃_1 = W u + b + W (s ⊙ ξ)  ~  W u + b + L z,   L Lᵀ = W diag(s²) Wᵀ,

with z of I_1 normals.  L is one Cholesky factor per input; with additive
noise only, s is constant and L is one factor per network.

This script runs both ways in float32 with NumPy/BLAS, interleaved, and
prints the times: one BLAS thread, network A's first layer (784 → 200), K = 100.
The variants are

* ``direct``: K×I_0 normals, then a (K×I_0)·(I_0×I_1) GEMM per input;
* ``narrow-additive``: K×I_1 normals, then a (K×I_1)·(I_1×I_1) GEMM per input
  (L once per network);
* ``narrow-multiplicative``: the same plus one Cholesky factor of an
  I_1×I_1 matrix per input (W diag(s²) Wᵀ: an I_1×I_0×I_1 product and a
  factorisation).

It also checks that the two ways give the same covariance of x̃_1 (to Monte
Carlo error).  It is a measurement for the speed issue's item 3, not a change
to the simulator.  Sampling in the narrow space does not produce the input
layer's own noisy states (its samples and histograms), so the simulator would
use it only when nothing asks for them.

Run: python benchmarks/narrow_noise.py [--inputs 200] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--inputs", type=int, default=200, help="inputs T (default 200)")
    ap.add_argument("--repeats", type=int, default=100, help="K (default 100)")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    args = ap.parse_args(argv)
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    I0, I1, K, T = 784, 200, args.repeats, args.inputs
    W = (rng.normal(size=(I1, I0)) / np.sqrt(I0)).astype(np.float32)
    Wt = np.ascontiguousarray(W.T)
    u = rng.uniform(0, 1, (T, I0)).astype(np.float32)
    a_add, a_mul = np.float32(np.sqrt(2e-4)), np.float32(np.sqrt(2e-3))
    L_add = np.linalg.cholesky((W.astype(np.float64) @ W.T.astype(np.float64))).astype(np.float32)
    L_add_t = np.ascontiguousarray(L_add.T)
    gen = np.random.default_rng(1)

    def direct():
        out = np.empty((K, I1), np.float32)
        for t in range(T):
            y0 = u[t] + a_add * gen.standard_normal((K, I0), dtype=np.float32)
            np.dot(y0, Wt, out)
        return out

    def narrow_additive():
        out = np.empty((K, I1), np.float32)
        wu = u @ Wt
        for t in range(T):
            z = gen.standard_normal((K, I1), dtype=np.float32)
            np.dot(z, L_add_t, out)
            out *= a_add
            out += wu[t]
        return out

    def narrow_multiplicative():
        out = np.empty((K, I1), np.float32)
        wu = u @ Wt
        for t in range(T):
            s2 = (a_mul * u[t]) ** 2 + a_add ** 2
            L = np.linalg.cholesky((W * s2) @ Wt)
            z = gen.standard_normal((K, I1), dtype=np.float32)
            np.dot(z, L.T, out)
            out += wu[t]
        return out

    # the same distribution: covariance of x̃_1 for one input, both ways
    big = 20000
    y0 = u[0] + a_add * gen.standard_normal((big, I0), dtype=np.float32)
    c_direct = np.cov((y0 @ Wt).astype(np.float64), rowvar=False)
    x_narrow = (gen.standard_normal((big, I1), dtype=np.float32) @ L_add_t) * a_add
    c_narrow = np.cov(x_narrow.astype(np.float64), rowvar=False)
    exact = (a_add ** 2) * (W.astype(np.float64) @ W.T.astype(np.float64))
    se = np.sqrt((exact ** 2 + np.outer(np.diag(exact), np.diag(exact))) / (big - 1))
    print(f"covariance of x̃_1, |direct − exact| / se max {np.max(np.abs(c_direct - exact) / se):.2f}, "
          f"|narrow − exact| / se max {np.max(np.abs(c_narrow - exact) / se):.2f} "
          f"(max over {I1 * I1} entries of ~N(0, 1) z-scores)")

    fns = {"direct": direct, "narrow-additive": narrow_additive, "narrow-multiplicative": narrow_multiplicative}
    times = {k: [] for k in fns}
    with threadpool_limits(1, user_api="blas"):
        for f in fns.values():
            f()  # warm up
        for r in range(args.rounds):
            order = list(fns) if r % 2 == 0 else list(fns)[::-1]
            for k in order:
                t0 = time.perf_counter()
                fns[k]()
                times[k].append(time.perf_counter() - t0)
    base = statistics.median(times["direct"])
    print(f"T = {T}, K = {K}, {I0} -> {I1}, float32, one BLAS thread; median (min) of {args.rounds} interleaved rounds")
    print("| variant | s | vs direct |")
    print("|---|---:|---:|")
    for k, v in times.items():
        m = statistics.median(v)
        print(f"| {k} | {m:.3f} ({min(v):.3f}) | {m / base:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
