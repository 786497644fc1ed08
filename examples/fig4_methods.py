"""Every analytic method against simulation in the paper's Fig. 4 setting.

Symmetric network 1 + 12 hidden layers of 200 + 1, shifted sigmoid α = 2 and
α = 3, uncorrelated additive noise D_A^U = 1e-4 (Fig. 4b).  Prints, per
layer, the median |relative error| of the predicted variance of every
neuron and input, next to the error a perfect prediction would show from
Monte Carlo sampling alone; the ratio predicted / simulated variance at the
input u = 0.5, where the variance is largest and grows with depth for α > 2
(the curve of Fig. 4b); and the time each method took.

    python examples/fig4_methods.py                  # markdown tables
    python examples/fig4_methods.py --repeats 1000 --inputs 50
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import fastnoise as fn

METHODS = ("first-order", "taylor", "gauss", "density", "moments", "trained")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=1000, help="K repetitions (default 1000)")
    p.add_argument("--inputs", type=int, default=51,
                   help="T inputs on [0, 1] (default 51; odd T includes u = 0.5)")
    p.add_argument("--hidden", type=int, default=12, help="hidden layers (default 12)")
    p.add_argument("--width", type=int, default=200, help="neurons per hidden layer (default 200)")
    p.add_argument("--alphas", type=float, nargs="+", default=[2.0, 3.0])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(fn.analytic.METHODS))
    args = p.parse_args(argv)

    noise = fn.Noise(additive=1e-4)
    u = np.linspace(0.0, 1.0, args.inputs)[:, None]
    widths = [1] + [args.width] * args.hidden + [1]
    methods = tuple(args.methods)
    for alpha in args.alphas:
        net = fn.symmetric(widths, alpha=alpha)
        t0 = time.perf_counter()
        res = fn.simulate(net, u, noise, repeats=args.repeats, seed=args.seed)
        t_sim = time.perf_counter() - t0
        tables, times, centre = {}, {}, {}
        ic = int(np.argmin(np.abs(u[:, 0] - 0.5)))
        failed = {}
        for m in list(methods):
            try:
                fn.predict(net, u[:16], noise, method=m)     # compile / warm up
                t0 = time.perf_counter()
                pred = fn.predict(net, u, noise, method=m)
            except (ValueError, RuntimeError) as exc:      # e.g. a p*(z) fit that cannot work here
                failed[m] = str(exc)
                continue
            times[m] = time.perf_counter() - t0
            tables[m] = fn.compare(res, pred)
            centre[m] = [float(pred.var[n][ic].mean() / res.var[n][ic].mean())
                         for n in range(net.n_layers)]
        ok = [m for m in methods if m not in failed]
        mc = tables[ok[0]].layers[0].mc_median
        print(f"\n### α = {alpha:g}: median |Var_pred / Var_sim − 1| per layer "
              f"(K = {args.repeats}, T = {args.inputs}; a perfect prediction: {mc:.1%})\n")
        print("| layer | sim var (mean) | " + " | ".join(methods) + " |")
        print("|---:|---:|" + "---:|" * len(methods))
        for n in range(1, net.n_layers):
            row = [f"{tables[m].layers[n].median_err:.1%}" if m in tables else "failed" for m in methods]
            print(f"| {n + 1} | {tables[ok[0]].layers[n].sim_var:.3g} | " + " | ".join(row) + " |")
        se = np.sqrt(2 / (args.repeats - 1))
        print(f"\nPredicted / simulated Var(y) at u = {u[ic, 0]:.3g} (MC standard error ≈ {se:.1%}):\n")
        print("| layer | sim var | " + " | ".join(methods) + " |")
        print("|---:|---:|" + "---:|" * len(methods))
        for n in range(1, net.n_layers):
            print(f"| {n + 1} | {res.var[n][ic].mean():.3g} | "
                  + " | ".join(f"{centre[m][n]:.3g}" if m in centre else "failed" for m in methods)
                  + " |")
        print("\n| | simulation | " + " | ".join(methods) + " |")
        print("|---|---:|" + "---:|" * len(methods))
        print(f"| time (s) | {t_sim:.2f} | "
              + " | ".join(f"{times[m]:.3f}" if m in times else "—" for m in methods) + " |")
        for m, why in failed.items():
            print(f"\n{m} failed: {why}")


if __name__ == "__main__":
    main()
