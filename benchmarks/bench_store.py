"""asv benchmarks: ``fn.simulate`` of W3 with and without an HDF5 store.

``memory``: results kept in memory only (``store=None``); ``store``: also
streamed to an HDF5 file block by block; ``store_only``: streamed with
``keep=False``.  The store path is reused with ``overwrite=True``, as a user
re-running a script would; the file lives in a temporary directory removed in
``teardown``.
"""

import os
import shutil
import tempfile

import fastnoise as fn

from ._common import NOISE, W3_K, W3_T, w3_inputs, w3_network, warm_up


class Store:
    params = ["memory", "store", "store_only"]
    param_names = ["mode"]
    number = 1
    repeat = (3, 7, 60.0)
    warmup_time = 0.0
    timeout = 600.0

    def setup(self, mode):
        self.net = w3_network()
        self.u = w3_inputs(W3_T)
        self.tmp = tempfile.mkdtemp(prefix="fastnoise-bench-")
        self.path = os.path.join(self.tmp, "w3.h5")
        warm_up(self.net)
        if mode != "memory":  # also import h5py and open/close a store once
            warm_up(self.net, store=self.path, overwrite=True)

    def teardown(self, mode):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def time_simulate(self, mode):
        if mode == "memory":
            fn.simulate(self.net, self.u, NOISE, repeats=W3_K, seed=1)
        else:
            fn.simulate(self.net, self.u, NOISE, repeats=W3_K, seed=1, store=self.path,
                        overwrite=True, keep=(mode == "store"))
