"""A single noisy neuron (paper Eq. 5) and its SNR-vs-mean curve (Fig. 3)."""

from __future__ import annotations

import numpy as np

from ..activations import Activation, get
from ..noise import Noise
from ..result import snr
from .closures import transfer
from .terms import output_variance

__all__ = ["single_neuron", "single_neuron_snr"]


def single_neuron(activation, noise: Noise, mean_xt, var_xt=0.0, closure: str = "gauss",
                  order: int = 15, nodes: int = 64):
    """Mean and variance of one neuron's noisy output y (Eq. 5).

    Parameters
    ----------
    activation : Activation or str
    noise : Noise
        Intensities of the noise on this neuron's output.
    mean_xt, var_xt : array_like
        E(x̃) and Var(x̃) of the neuron's internal state (x̃ Gaussian).
    closure : {"first-order", "taylor", "gauss"}
        How F̂(x̃) = Var f(x̃) is computed (Eq. 9, Eqs. 12–13, quadrature).

    Returns
    -------
    mean, var : ndarray
        E(y) = E f(x̃) and Var(y) = σ_+² + σ_×² E(y)² + (1 + σ_×²) F̂(x̃).
    """
    act = activation if isinstance(activation, Activation) else get(activation)
    ex, fhat = transfer(act, np.asarray(mean_xt, float), np.asarray(var_xt, float),
                        closure=closure, order=order, nodes=nodes)
    return np.asarray(ex), np.asarray(output_variance(noise, ex, fhat))


def single_neuron_snr(noise: Noise, means) -> np.ndarray:
    """SNR of a neuron with a noiseless input, as a function of its mean output.

    E(y)/√(σ_+² + σ_×² E(y)²): the gray dashed curves of Fig. 3 (identical for
    a linear network and a single nonlinear neuron, Sec. II B).  Additive
    noise alone gives a line of slope 1/σ_+, multiplicative alone the
    constant 1/σ_×.
    """
    e = np.asarray(means, dtype=float)
    return snr(e, output_variance(noise, e, 0.0))
