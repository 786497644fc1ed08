"""Run a fixed fastnoise workload in a fresh process (helper for the tests).

Used by ``tests/test_invariance.py`` (results with a given ``NUMBA_NUM_THREADS``)
and ``tests/test_resume.py`` (a store run that is killed with SIGKILL and
resumed).  The workloads are defined here once so that the tests and the
subprocesses run exactly the same configuration; the tests import this file
by path.

Usage::

    python sim_worker.py npz   <workload>[,<workload>...] <out.npz>
    python sim_worker.py twice <workload> <out.npz>
    python sim_worker.py store <workload> <store.h5> [--resume] [--pause-before-commit] [--slow-flush]

``store`` prints ``begin <done> <total>`` when the simulation starts and
``done <done> <total>`` after every block (flushed), so that a parent can
time a kill relative to the work.  ``--pause-before-commit`` sleeps in
``Store._commit`` (after the new store is fully written under
``<path>.partial``, before it is renamed into place) and prints
``committing`` first, so that a kill can hit that window deterministically.
``--slow-flush`` prints ``flush <i>`` and sleeps 0.25 s before every
``h5py.File.flush``: a kill then lands after a block's data (or its ``done``
flags) were handed to HDF5 but before they were flushed.
"""

from __future__ import annotations

import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import fastnoise as fn  # noqa: E402

#: all four noise kinds on
NOISE = fn.Noise(additive=1e-3, additive_correlated=2e-4, multiplicative=5e-4,
                 multiplicative_correlated=1e-4)


def workload(name: str) -> dict:
    """Keyword arguments of ``fn.simulate`` for a named workload."""
    if name == "sym":
        # the paper's symmetric network; a seed above 2**32 uses both key words
        return dict(net=fn.symmetric([1, 20, 20, 1]), inputs=np.linspace(0.0, 1.0, 97),
                    noise=NOISE, repeats=64, seed=2 ** 40 + 12345)
    if name == "dense":
        rng = np.random.default_rng(20240607)
        noise = [fn.Noise(additive=1e-3, additive_correlated=1e-4, multiplicative=2e-3,
                          multiplicative_correlated=3e-4),
                 NOISE,
                 fn.Noise(additive=4e-4, additive_correlated=5e-4, multiplicative=1e-4,
                          multiplicative_correlated=2e-4),
                 NOISE]
        return dict(net=fn.random_dense([5, 30, 20, 3], activation="tanh", seed=3,
                                        output_activation="linear"),
                    inputs=rng.uniform(-1.0, 1.0, (83, 5)), noise=noise, repeats=50, seed=987654321)
    if name == "wide":
        # wide enough for OpenBLAS to use threads for the (K x 200) @ (200 x 200) GEMMs
        return dict(net=fn.symmetric([1, 200, 200, 1]), inputs=np.linspace(0.0, 1.0, 16),
                    noise=NOISE, repeats=300, seed=5)
    if name == "kill":
        # a few seconds of work, many blocks, every optional dataset
        return dict(net=fn.symmetric([1, 200, 200, 1]), inputs=np.linspace(0.0, 1.0, 300),
                    noise=NOISE, repeats=300, seed=77, block=16,
                    samples=[(1, 0), (2, 199), (3, 0)],
                    histogram={"bins": 20, "range": (-0.5, 1.5)})
    raise SystemExit(f"unknown workload {name!r}")


def result_arrays(res) -> dict:
    """Flatten a Result into named arrays (for .npz files and comparisons)."""
    out = {}
    for n in range(res.n_layers):
        out[f"mean_{n}"] = res.mean[n]
        out[f"var_{n}"] = res.var[n]
        out[f"xt_{n}"] = res.noiseless_xt[n]
        out[f"x_{n}"] = res.noiseless_x[n]
    if res.samples is not None:
        out["samples"] = res.samples[0]
    if res.histogram is not None:
        out["hist"] = res.histogram[0]
    return out


def main(argv) -> int:
    mode, name, path = argv[:3]
    flags = set(argv[3:])
    if mode == "npz":
        import numba

        arrays = {}
        for one in name.split(","):
            for key, value in result_arrays(fn.simulate(**workload(one))).items():
                arrays[f"{one}/{key}"] = value
        np.savez(path, n_threads=numba.get_num_threads(), **arrays)
        return 0
    kw = workload(name)
    if mode == "twice":
        # the same simulation twice in one fresh process: first call vs later call
        first = result_arrays(fn.simulate(**kw))
        second = result_arrays(fn.simulate(**kw))
        np.savez(path, **{f"first/{k}": v for k, v in first.items()},
                 **{f"second/{k}": v for k, v in second.items()})
        return 0
    if mode == "store":
        if "--pause-before-commit" in flags:
            import time

            from fastnoise.io import store as _store

            commit = _store.Store._commit

            def slow_commit(self):
                if self._tmp is not None:
                    print("committing", flush=True)
                    time.sleep(30)
                commit(self)

            _store.Store._commit = slow_commit

        if "--slow-flush" in flags:
            import time

            import h5py

            flush = h5py.File.flush
            count = [0]

            def slow_flush(self):
                count[0] += 1
                print("flush", count[0], flush=True)
                time.sleep(0.25)
                flush(self)

            h5py.File.flush = slow_flush

        def progress(done, total, _first=[True]):
            print(("begin" if _first[0] else "done"), done, total, flush=True)
            _first[0] = False

        fn.simulate(**kw, store=path, resume="--resume" in flags, progress=progress, keep=False)
        print("finished", flush=True)
        return 0
    raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
