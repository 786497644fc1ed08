"""asv benchmarks of a convolutional network (issue 17).

The MNIST CNN of ``benchmarks/cnn_compare.py`` (28×28×1 → conv 3×3×16 relu → max 2 →
conv 3×3×32 relu → max 2 → flatten → dense 64 relu → dense 10) with random weights of
its architecture (timings do not depend on the values), all four noise kinds on the
input, convolution and dense layers, uniform random images.  ``setup`` compiles the
kernels with a two-input run.  ``cnn_compare.py`` times the same against PyTorch and
the floor in one process.
"""

import numpy as np

import fastnoise as fn

from ._common import NOISE
from .cnn_compare import cnn_network

T = 100


class SimulateCNN:
    """fn.simulate of the CNN, float32 and float64; K = 100 and 1000 (the peak memory
    must not grow with K: the repetitions are made in chunks)."""

    params = (["float32", "float64"], [100, 1000])
    param_names = ["precision", "repeats"]
    number = 1
    repeat = (3, 5, 120.0)
    warmup_time = 0.0
    timeout = 600

    def setup(self, precision, repeats):
        self.net = cnn_network(random=True)[0]
        self.u = np.random.default_rng(0).uniform(0.0, 1.0, (T, 784))
        fn.simulate(self.net, self.u[:2], NOISE, repeats=2, precision=precision)

    def time_simulate(self, precision, repeats):
        fn.simulate(self.net, self.u, NOISE, repeats=repeats, seed=1, precision=precision)

    def peakmem_simulate(self, precision, repeats):
        fn.simulate(self.net, self.u, NOISE, repeats=repeats, seed=1, precision=precision)


class PredictCNN:
    """fn.predict (moments, factored covariance) of the CNN for 10 inputs."""

    number = 1
    repeat = (2, 3, 120.0)
    warmup_time = 0.0
    timeout = 600

    def setup(self):
        self.net = cnn_network(random=True)[0]
        self.u = np.random.default_rng(0).uniform(0.0, 1.0, (10, 784))

    def time_predict(self):
        fn.predict(self.net, self.u, NOISE, method="moments")
