"""W3 speed of this checkout against an earlier commit, measured side by side.

Run from the repository root (a script, not a test)::

    python benchmarks/before_after.py [--ref 767c6fb] [--rounds 7] [--quick]
                                      [--workloads W3,WA] [--precision float64,float32]

It checks out ``--ref`` into a temporary git worktree and then, round by
round, times ``fn.simulate`` of the same workload in a fresh subprocess of
each tree: old, new, new, old, ... (the order alternates so that drift in
machine load hits both alike).  Every subprocess compiles (or loads) its
kernels and runs one warm-up first, then times the run three times and
reports the minimum.  The table gives the median over the rounds of those
minima and the ratio new/old (below 1: the new code is faster).

Workloads as in ``benchmarks/compare.py``: W3 is the paper's Fig. 3 setting
(1-200-200-1, K = 300, T = 1000, all four noise kinds), WA the 784-200-200-10
logistic network with the same noise; A100 is that network at K = 100 with
additive noise (D = 1e-4) after every activation, A100in0 the same with a
noiseless input layer (the speed issue's settings).  ``--quick`` uses T = 200.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: What one subprocess runs: build the workload, warm up, time three runs.
_CHILD = r"""
import json, sys, time
import numpy as np
import fastnoise as fn
name, T, precision = sys.argv[1], int(sys.argv[2]), sys.argv[3]
noise = fn.Noise(additive=1e-4, additive_correlated=1e-4, multiplicative=1e-3,
                 multiplicative_correlated=1e-3)
repeats = 300
if name == "W3":
    net = fn.symmetric([1, 200, 200, 1], alpha=4.0)
    u = np.linspace(0.0, 1.0, T)[:, None]
else:
    net = fn.random_dense([784, 200, 200, 10], activation="logistic", seed=0)
    u = np.random.default_rng(0).uniform(0.0, 1.0, (T, 784))
if name in ("A100", "A100in0"):  # network A's shape, K = 100, additive noise after each activation
    repeats = 100
    noise = [fn.Noise() if name == "A100in0" else fn.Noise(additive=1e-4)] + [fn.Noise(additive=1e-4)] * 3
kw = dict(repeats=repeats, seed=1)
if precision != "float64":
    kw["precision"] = precision
fn.simulate(net, u[:50], noise, **kw)  # compile or load the kernels
times = []
for _ in range(3):
    t0 = time.perf_counter()
    fn.simulate(net, u, noise, **kw)
    times.append(time.perf_counter() - t0)
print(json.dumps({"fastnoise": fn.__file__, "min": min(times)}))
"""


def _time(tree: str, name: str, T: int, precision: str) -> float:
    env = dict(os.environ, PYTHONPATH=tree)
    out = subprocess.run([sys.executable, "-c", _CHILD, name, str(T), precision], cwd=tree, env=env,
                         capture_output=True, text=True, check=True).stdout
    rec = json.loads(out.strip().splitlines()[-1])
    if not rec["fastnoise"].startswith(os.path.realpath(tree)) and not rec["fastnoise"].startswith(tree):
        raise RuntimeError(f"the subprocess imported {rec['fastnoise']}, not the tree {tree}")
    return rec["min"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ref", default="767c6fb", help="the earlier commit (default 767c6fb)")
    ap.add_argument("--rounds", type=int, default=7, help="interleaved rounds (median; default 7)")
    ap.add_argument("--quick", action="store_true", help="T = 200 inputs instead of 1000")
    ap.add_argument("--workloads", default="W3",
                    help="comma-separated subset of W3,WA,A100,A100in0 (default W3)")
    ap.add_argument("--precision", default="float64,float32",
                    help="comma-separated precisions (default float64,float32)")
    args = ap.parse_args(argv)
    T = 200 if args.quick else 1000
    with tempfile.TemporaryDirectory(prefix="fastnoise-before-") as tmp:
        old = os.path.join(tmp, "old")
        subprocess.run(["git", "worktree", "add", "--detach", "-q", old, args.ref], cwd=ROOT, check=True)
        try:
            rows = []
            for name in args.workloads.split(","):
                for precision in args.precision.split(","):
                    t_old, t_new = [], []
                    for r in range(args.rounds):
                        pair = [(old, t_old), (ROOT, t_new)]
                        for tree, acc in (pair if r % 2 == 0 else pair[::-1]):
                            acc.append(_time(tree, name, T, precision))
                    m_old, m_new = statistics.median(t_old), statistics.median(t_new)
                    rows.append((name, precision, m_old, m_new, m_new / m_old, min(t_old), min(t_new)))
                    print(f"{name} {precision}: old {m_old:.3f} s, new {m_new:.3f} s (medians of "
                          f"{args.rounds}), new/old {m_new / m_old:.3f}", flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", old], cwd=ROOT, check=False)
    print(f"\nT = {T}, K = 300 (A100*: 100), ref {args.ref}; median (min) of {args.rounds} interleaved rounds, "
          "each the minimum of 3 timed runs in a fresh process")
    print("| workload | precision | old s | new s | new/old |")
    print("|---|---|---:|---:|---:|")
    for name, precision, m_old, m_new, ratio, n_old, n_new in rows:
        print(f"| {name} | {precision} | {m_old:.3f} ({n_old:.3f}) | {m_new:.3f} ({n_new:.3f}) | {ratio:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
