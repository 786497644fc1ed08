"""Analytic predictions of noise propagation (paper Secs. II–IV, Methods VII).

Reads only :class:`~fastnoise.Network`, :class:`~fastnoise.Noise` and inputs;
never runs a simulation.  Entry points: :func:`predict` (every method) and
:func:`compare` (a prediction against a simulation).
"""

from .compare import Comparison, compare, mc_quantiles
from .predict import METHODS, predict
from .prediction import Prediction

__all__ = ["METHODS", "Comparison", "Prediction", "compare", "mc_quantiles", "predict"]
