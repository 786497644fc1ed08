"""asv benchmarks of a noisy reservoir (issue 18).

The workload of ``benchmarks/reservoir_compare.py`` (500 neurons, connectivity 0.1,
all four noise kinds, K = 300) over T = 1000 steps (``reservoir_compare.py`` times
T = 5000 against NumPy, reservoirpy and the floor in one process).  ``setup``
compiles the kernel with a short run.  Peak memory must not grow with T when the
results stream into a store (``keep=False``).
"""

import os
import tempfile

import fastnoise as fn

from .reservoir_compare import K, workload


class SimulateReservoir:
    """fn.simulate of the reservoir, float32 and float64."""

    params = (["float32", "float64"],)
    param_names = ["precision"]
    number = 1
    repeat = (3, 5, 120.0)
    warmup_time = 0.0
    timeout = 600

    def setup(self, precision):
        self.esn, self.u, self.noise = workload(1000)
        fn.simulate(self.esn, self.u[:10], self.noise, repeats=K, precision=precision)

    def time_simulate(self, precision):
        fn.simulate(self.esn, self.u, self.noise, repeats=K, seed=1, precision=precision)


class StreamReservoir:
    """Streaming into a store with keep=False: peak memory flat in T (1000 vs 4000 steps)."""

    params = ([1000, 4000],)
    param_names = ["steps"]
    number = 1
    repeat = (2, 3, 120.0)
    warmup_time = 0.0
    timeout = 600

    def setup(self, steps):
        self.esn, self.u, self.noise = workload(steps)
        fn.simulate(self.esn, self.u[:10], self.noise, repeats=K, precision="float32")
        self.dir = tempfile.mkdtemp()

    def peakmem_stream(self, steps):
        path = os.path.join(self.dir, f"r{steps}.h5")
        fn.simulate(self.esn, self.u, self.noise, repeats=K, precision="float32", store=path,
                    overwrite=True, keep=False)
