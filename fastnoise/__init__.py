"""fastnoise: simulate and predict noise propagation in analog neural networks.

Implements the model of Semenova, Larger & Brunner, "Understanding and
mitigating noise in trained deep neural networks", Neural Networks 146 (2022):
neurons whose outputs carry additive and multiplicative, correlated and
uncorrelated Gaussian noise (Eq. 3).
"""

from . import activations, analytic, importers, mitigation, stats
from ._version import __version__
from .analytic import Prediction, compare, predict
from .engine.execution import forward
from .importers import load_model
from .io import network_file  # registers the network file format (Network.save/load)
from .io.store import Run, Store, open_store
from .network import Network, random_dense, symmetric
from .network.reservoir import Reservoir, reservoir
from .noise import Noise
from .result import Result
from .simulate import simulate

__all__ = ["Network", "Noise", "Reservoir", "reservoir", "Prediction", "Result", "Run", "Store", "activations", "analytic",
           "compare", "forward", "importers", "load_model", "mitigation", "open_store", "predict", "random_dense", "simulate", "stats",
           "symmetric", "__version__"]
