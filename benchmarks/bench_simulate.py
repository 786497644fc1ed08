"""asv benchmarks of ``fn.simulate``: the Fig. 3 workload W3, its scaling, WA and A100.

Every ``setup`` compiles (or loads from Numba's cache) the kernels with a
two-input run, so that JIT compilation is never part of a timing.  The
scaling grids vary one size at a time around W3 with T = 200 inputs (instead
of 1000) to keep a full ``asv run`` short; times scale linearly in T.
"""

import numba
import numpy as np

import fastnoise as fn

from ._common import (A100_K, NOISE, W3_K, W3_T, a100_noise, w3_inputs, w3_network, wa_inputs,
                      wa_network, warm_up)

#: Inputs per run in the scaling grids.
T_SCALING = 200


def _threads(value):
    return numba.config.NUMBA_NUM_THREADS if value == "all" else int(value)


class _Timed:
    """asv settings shared by the simulate benchmarks: one call per sample, the
    kernels compiled in ``setup`` (no asv warm-up), up to 10 minutes."""

    number = 1
    repeat = (3, 7, 60.0)
    warmup_time = 0.0
    timeout = 600.0


class W3(_Timed):
    """Fig. 3: 1-200-200-1, alpha = 4, K = 300, T = 1000, all four noise kinds."""

    params = [1, "all"]
    param_names = ["threads"]

    def setup(self, threads):
        self.net = w3_network()
        self.u = w3_inputs(W3_T)
        self.threads = _threads(threads)
        warm_up(self.net, repeats=W3_K, threads=self.threads)

    def time_simulate(self, threads):
        fn.simulate(self.net, self.u, NOISE, repeats=W3_K, seed=1, threads=self.threads)

    def peakmem_simulate(self, threads):
        fn.simulate(self.net, self.u, NOISE, repeats=W3_K, seed=1, threads=self.threads)


class Precision(_Timed):
    """W3 and WA (T = 200) with float64 and float32 matrix products, all threads."""

    params = (["W3", "WA"], ["float64", "float32"])
    param_names = ["workload", "precision"]

    def setup(self, workload, precision):
        if workload == "W3":
            self.net, self.u = w3_network(), w3_inputs(W3_T)
        else:
            self.net, self.u = wa_network(), wa_inputs(T_SCALING)
        fn.simulate(self.net, self.u[:2], NOISE, repeats=W3_K, precision=precision)  # JIT

    def time_simulate(self, workload, precision):
        fn.simulate(self.net, self.u, NOISE, repeats=W3_K, seed=1, precision=precision)


class WA(_Timed):
    """784-200-200-10 with logistic hidden and output layers, K = 300, T = 200."""


    def setup(self):
        self.net = wa_network()
        self.u = wa_inputs(T_SCALING)
        warm_up(self.net)

    def time_simulate(self):
        fn.simulate(self.net, self.u, NOISE, repeats=W3_K, seed=1)


class A100(_Timed):
    """Network A's shape (784-200-200-10, logistic), K = 100, T = 200, additive
    noise D_A^U = 1e-4 after every activation: on every layer ("A100") or with a
    noiseless input layer ("A100in0": the shared prefix computed once per input);
    float64 and float32, all threads (compare.py's A100 workloads at T = 200)."""

    params = (["A100in0", "A100"], ["float64", "float32"])
    param_names = ["workload", "precision"]

    def setup(self, workload, precision):
        self.net, self.u = wa_network(), wa_inputs(T_SCALING)
        self.noise = a100_noise(workload)
        warm_up(self.net, self.noise, repeats=A100_K, precision=precision)

    def time_simulate(self, workload, precision):
        fn.simulate(self.net, self.u, self.noise, repeats=A100_K, seed=1, precision=precision)


class _Scaling(_Timed):
    repeat = (2, 5, 30.0)
    repeats = W3_K
    T = T_SCALING

    def _prepare(self, width=200, hidden=2):
        self.net = w3_network(width=width, hidden=hidden)
        self.u = w3_inputs(self.T)
        warm_up(self.net)

    def _run(self):
        fn.simulate(self.net, self.u, NOISE, repeats=self.repeats, seed=1)


class ScalingK(_Scaling):
    """W3 network, T = 200, varying the repetitions K."""

    params = [30, 100, 300, 1000]
    param_names = ["K"]

    def setup(self, K):
        self.repeats = K
        self._prepare()

    def time_simulate(self, K):
        self._run()


class ScalingT(_Scaling):
    """W3 network, K = 300, varying the number of inputs T."""

    params = [100, 300, 1000]
    param_names = ["T"]

    def setup(self, T):
        self.T = T
        self._prepare()

    def time_simulate(self, T):
        self._run()


class ScalingDepth(_Scaling):
    """1-200-...-200-1 with 1, 2 or 4 hidden layers, K = 300, T = 200."""

    params = [1, 2, 4]
    param_names = ["hidden_layers"]

    def setup(self, hidden):
        self._prepare(hidden=hidden)

    def time_simulate(self, hidden):
        self._run()


class ScalingWidth(_Scaling):
    """1-I-I-1 with hidden width I, K = 300, T = 200."""

    params = [50, 200, 800]
    param_names = ["width"]

    def setup(self, width):
        self._prepare(width=width)

    def time_simulate(self, width):
        self._run()
