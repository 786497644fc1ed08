"""asv benchmarks of ``fn.predict``: every method on the Fig. 3 setting (W3).

The simulation of the same setting is timed in ``bench_simulate.W3``; the
script ``benchmarks/analytic_vs_simulation.py`` prints both from one run.
``setup`` runs each method once on two inputs so that JIT compilation and
caches are never timed.
"""

import fastnoise as fn

from ._common import NOISE, W3_T, w3_inputs, w3_network

METHODS = ["first-order", "taylor", "gauss", "density", "moments", "trained"]


class PredictW3:
    """Prediction time per method, 1-200-200-1, alpha = 4, T = 1000, all noise kinds."""

    params = [METHODS]
    param_names = ["method"]
    number = 1
    repeat = (3, 7, 60.0)
    warmup_time = 0.0
    timeout = 300.0

    def setup(self, method):
        self.net = w3_network()
        self.u = w3_inputs(W3_T)
        fn.predict(self.net, self.u[:16], NOISE, method=method)

    def time_predict(self, method):
        fn.predict(self.net, self.u, NOISE, method=method)
