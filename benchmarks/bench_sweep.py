"""asv benchmarks: sweeps on a local Dask cluster, and the client's store work.

``Sweep.time_sweep``: a 4-point sweep of a small network end to end through
a cluster started once in ``setup`` (2 workers x 1 Numba thread, or 1 x 2),
whose workers have already loaded the kernels; measures per-point overhead
(task round trip, transfer, HDF5 write) more than compute.
``Layout.time_layout``: laying out a 64-point sweep store before any task.
``Table``: ``fn.stats.sweep_table`` and ``sweep_dataset`` of a finished 200-point
sweep store (its points filled with synthetic results in ``setup``).
"""

import os
import shutil
import tempfile

SPEC = """
[base]
repeats = 50
seed = 1
network = {{ kind = "symmetric", widths = [1, 100, 100, 1], alpha = 4.0 }}
noise = {{ additive = 1e-4, additive_correlated = 1e-4, multiplicative = 1e-3, multiplicative_correlated = 1e-3 }}
inputs = {{ kind = "linspace", start = 0.0, stop = 1.0, count = 200 }}

[[axes]]
key = "network.alpha"
linspace = [1.0, 5.0, {points}]
"""


class Sweep:
    params = ["2x1", "1x2"]
    param_names = ["workers x threads"]
    number = 1
    repeat = (3, 7, 60.0)
    warmup_time = 0.0
    timeout = 600.0

    def setup(self, layout):
        from distributed import Client, LocalCluster

        from fastnoise.sweep import loads_sweep, run_sweep

        workers, self.threads = (int(v) for v in layout.split("x"))
        self.tmp = tempfile.mkdtemp(prefix="fastnoise-bench-")
        self.sweep = loads_sweep(SPEC.format(points=4))
        self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                    host="127.0.0.1", dashboard_address="127.0.0.1:0")
        self.client = Client(self.cluster)
        self.run_sweep = run_sweep
        self.i = 0
        self.time_sweep(layout)  # warm-up: every worker loads the compiled kernels

    def teardown(self, layout):
        self.client.close()
        self.cluster.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def time_sweep(self, layout):
        self.i += 1
        self.run_sweep(self.sweep, os.path.join(self.tmp, f"s{self.i}.h5"), client=self.client,
                       threads=self.threads)


class Layout:
    number = 1
    repeat = (3, 7, 60.0)
    warmup_time = 0.0

    def setup(self):
        from fastnoise.sweep import loads_sweep
        from fastnoise.sweep.runner import _create

        self.tmp = tempfile.mkdtemp(prefix="fastnoise-bench-")
        self.sweep = loads_sweep(SPEC.format(points=64))
        self.create = _create
        self.i = 0

    def teardown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def time_layout(self):
        self.i += 1
        self.create(self.sweep, os.path.join(self.tmp, f"l{self.i}.h5"), False, None, False)


class Table:
    number = 1
    repeat = (3, 7, 60.0)
    warmup_time = 0.0
    timeout = 300.0

    def setup(self):
        import numpy as np

        import fastnoise as fn
        from fastnoise.sweep import loads_sweep
        from fastnoise.sweep.runner import _create

        self.tmp = tempfile.mkdtemp(prefix="fastnoise-bench-")
        self.path = os.path.join(self.tmp, "table.h5")
        sweep = loads_sweep(SPEC.format(points=200).replace("count = 200", "count = 20"))
        _create(sweep, self.path, False, None, False)
        rng = np.random.default_rng(0)
        with fn.Store(self.path, "a") as st:
            idx = st.sweep_index()
            for i in range(sweep.n_points):
                run = idx.run(i)
                T, total = run.done.size, sum(run.widths)
                arrays = {k: rng.uniform(0.1, 1.0, (T, total)) for k in ("mean", "var", "xt", "x")}
                run.write_block(0, T, arrays)
                run.set_status("complete")
                idx.mark_done(i)
        self.open_store = fn.open_store
        self.stats = fn.stats

    def teardown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def time_sweep_table(self):
        with self.open_store(self.path) as st:
            self.stats.sweep_table(st)

    def time_sweep_dataset(self):
        with self.open_store(self.path) as st:
            self.stats.sweep_dataset(st)
