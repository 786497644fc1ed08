"""asv benchmarks of mitigated networks and the softmax readout.

The study's classifier shape (784-20-10, logistic hidden layer) with a softmax or a
logistic readout, plain and with ghost + pool on its hidden layer; all four noise kinds
on the hidden and output layers.  ``setup`` compiles the kernels with a two-input run.
"""

import numpy as np

import fastnoise as fn
from fastnoise.paper.mitigation_study import strategy_network

from ._common import NOISE, warm_up

T = 1000
K = 32


def classifier(output: str = "softmax"):
    """A 784-20-10 classifier with random weights (the study's shape)."""
    return fn.random_dense([784, 20, 10], activation="logistic", output_activation=output, seed=0)


def noise():
    return [None, NOISE, NOISE]


class Mitigated:
    """fn.simulate of the classifier under each strategy (ghost + pool: ``copies`` copies)."""

    params = (["none", "pool", "ghost+pool"], [4, 32])
    param_names = ["strategy", "copies"]
    number = 1
    repeat = (3, 7, 60.0)
    warmup_time = 0.0

    def setup(self, strategy, copies):
        self.net = strategy_network(classifier(), strategy, copies)
        self.u = np.random.default_rng(0).uniform(0.0, 1.0, (T, 784))
        warm_up(self.net, noise(), repeats=K)

    def time_simulate(self, strategy, copies):
        fn.simulate(self.net, self.u, noise(), repeats=K, seed=1)


class Readout:
    """The softmax readout against a logistic one (the row routine's cost)."""

    params = (["softmax", "logistic"],)
    param_names = ["output"]
    number = 1
    repeat = (3, 7, 60.0)
    warmup_time = 0.0

    def setup(self, output):
        self.net = classifier(output)
        self.u = np.random.default_rng(0).uniform(0.0, 1.0, (T, 784))
        warm_up(self.net, noise(), repeats=K)

    def time_simulate(self, output):
        fn.simulate(self.net, self.u, noise(), repeats=K, seed=1)
