"""Simulate a fixed reservoir workload into a store, slowly, for tests/test_reservoir_store.py.

Usage::

    python reservoir_worker.py <store.h5> fresh|resume

Prints ``flush`` (flushed) before every HDF5 flush and sleeps 20 ms there, so that
the parent can kill the process at a chosen point of the write sequence (between
a block's data, its checkpoint and its ``done`` flags); prints ``end`` when done.
"""

from __future__ import annotations

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

import fastnoise as fn  # noqa: E402


def workload():
    esn = fn.reservoir(40, 1, 1, leak=0.7, seed=4).with_readout(
        np.random.default_rng(0).normal(0, 0.2, (1, 40)), [0.05])
    u = np.sin(0.15 * np.arange(240))[:, None]
    noise = fn.Noise(additive=1e-4, multiplicative=1e-3, additive_correlated=1e-4,
                     multiplicative_correlated=1e-3)
    return dict(net=esn, inputs=u, noise=noise, repeats=16, seed=5, block=8, mode="closed",
                washout=100, samples=[(1, 3), (2, 0)],
                histogram={"bins": 12, "range": (-1.0, 1.0)})


def main() -> int:
    import h5py

    path, how = sys.argv[1], sys.argv[2]
    flush = h5py.File.flush

    def slow_flush(self):
        print("flush", flush=True)
        time.sleep(0.02)
        flush(self)
    h5py.File.flush = slow_flush
    fn.simulate(**workload(), store=path, resume=how == "resume", keep=False)
    print("end", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
