"""Noise in the example echo-state network, open and closed loop: simulation against prediction.

The Mackey–Glass reservoir of examples/networks (``fastnoise train mackey-glass --arch
esn``) with additive uncorrelated noise of intensity D on its input, reservoir and
readout neurons, K = 500 repetitions, 700 steps of the test series:

* open loop (teacher forcing): the readout's variance over time for three D, from
  ``fn.simulate`` and from ``fn.predict`` (the covariance recursion in time);
* closed loop (the readout fed back as the next input after a washout of 300 steps):
  the readout's variance grows by orders of magnitude per hundred steps until it
  fills the attractor, however small D is; the prediction follows the growth while
  the spread is small and fails once it is not (the linearisation's limit);
* the closed loop's raw samples (``samples=[(2, 0)]``): a few repetitions of the
  readout at the largest D against the noiseless trajectory, each leaving it in turn.

Writes ``reservoir_noise.png`` (default: docs/figures/) and prints the numbers::

    python examples/reservoir_noise.py [--out docs/figures/reservoir_noise.png]
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import fastnoise as fn
from fastnoise.io import reservoir_file
from fastnoise.train.reservoir import mackey_glass

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WASHOUT = 300


def run(intensities, mode, esn, u, repeats):
    """{D: (simulated var, predicted var)} of the readout, per step, and the last run's
    Result (with the readout's raw samples)."""
    out = {}
    for D in intensities:
        noise = fn.Noise(additive=D)
        sim = fn.simulate(esn, u, noise, repeats=repeats, mode=mode, washout=WASHOUT, seed=1,
                          samples=[(2, 0)])
        pred = fn.predict(esn, u, noise, mode=mode, washout=WASHOUT)
        out[D] = (sim.var[2][:, 0], pred.var[2][:, 0])
    return out, sim


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(HERE, "docs", "figures", "reservoir_noise.png"))
    ap.add_argument("--repeats", type=int, default=500)
    args = ap.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    esn = reservoir_file.load(os.path.join(HERE, "examples", "networks", "esn_mackey_glass.h5"))
    u = mackey_glass(3700)[0][3000:]                    # the test steps after the training ones
    t = np.arange(len(u))
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.8))
    for ax, mode, intensities in ((axes[0], "open", (1e-8, 1e-6, 1e-4)),
                                  (axes[1], "closed", (1e-16, 1e-12, 1e-8))):
        res, last = run(intensities, mode, esn, u, args.repeats)
        for (D, (sim, pred)), color in zip(res.items(), ("C0", "C1", "C2")):
            ax.semilogy(t, sim, color=color, lw=1.2, label=f"D = {D:g}, simulated")
            ax.semilogy(t, pred, color=color, lw=1.0, ls="--", label=f"D = {D:g}, predicted")
            late = slice(len(u) - 100, len(u))
            print(f"{mode:6s} D = {D:7.0e}: readout Var at the end {sim[-1]:.3e} (simulated), "
                  f"{pred[-1]:.3e} (predicted); median predicted/simulated over the last 100 "
                  f"steps {np.median(pred[late] / sim[late]):.3f}")
        if mode == "closed":
            ax.axvline(WASHOUT, color="0.5", lw=0.8)
            ax.text(WASHOUT + 5, ax.get_ylim()[0] * 10, "loop closed", color="0.4", fontsize=8)
        ax.set_xlabel("time step")
        ax.set_ylabel("Var of the readout")
        ax.set_title(f"{mode} loop")
        ax.legend(fontsize=7, ncol=1)
    ax = axes[2]                                        # the closed loop's raw samples
    y = last.samples[0][:, :, 0]                        # (T, K) readout of every repetition
    for k in range(8):
        ax.plot(t, y[:, k], lw=0.6, alpha=0.8)
    ax.plot(t, last.noiseless_x[2][:, 0], color="k", lw=1.4, label="noiseless")
    ax.plot(t[1:], u[1:, 0], color="0.5", lw=1.0, ls=":", label="the series (target)")
    ax.axvline(WASHOUT, color="0.5", lw=0.8)
    ax.set_xlim(WASHOUT - 50, len(u))
    ax.set_xlabel("time step")
    ax.set_ylabel("readout y")
    ax.set_title(f"closed loop, D = {intensities[-1]:g}: 8 of the {args.repeats} repetitions")
    ax.legend(fontsize=7)
    gone = np.argmax(np.abs(y - last.noiseless_x[2][:, :1]) > 1.0, axis=0)
    print(f"closed D = {intensities[-1]:g}: a repetition leaves the noiseless readout by 1 "
          f"after {np.median(gone[gone > 0]) - WASHOUT:.0f} closed-loop steps (median over "
          f"{int((gone > 0).sum())} of {args.repeats} repetitions)")
    fig.suptitle("Mackey–Glass reservoir (300 tanh neurons), additive noise on every layer, "
                 f"K = {args.repeats}", fontsize=10)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
