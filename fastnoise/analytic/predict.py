"""``fn.predict``: one entry point for every analytic method."""

from __future__ import annotations

import difflib

from ..network import Network
from .prediction import Prediction

__all__ = ["predict", "METHODS"]

#: method name -> one-line description (``fastnoise predict --help`` lists them)
METHODS = {
    "first-order": "Eq. 6 recursion, F̂ to first order (Eq. 9); the paper's analytic curves",
    "taylor": "Eq. 6 recursion, F̂ from the Taylor series of order M (Eqs. 12–13, 24–28)",
    "gauss": "Eq. 6 recursion, E f and F̂ by Gauss–Hermite quadrature (exact for Gaussian x̃)",
    "density": "exact density evolution of the shared layer state (symmetric networks)",
    "moments": "per-input mean vector and covariance matrix through every layer (any network)",
    "trained": "Eq. 14 with Eq. 15 integrals over a fitted state density p*(z) (trained networks)",
}


def predict(net: Network, inputs, noise, method: str = "gauss", **options) -> Prediction:
    """Predict the mean and variance of every neuron's noisy output.

    Parameters
    ----------
    net : Network
    inputs : array_like, (T, I_1)
    noise : Noise or list of Noise
        Intensities of Eq. 3, global or per layer.
    method : str
        One of :data:`METHODS`.
    **options
        Passed to the method: ``order`` (taylor), ``nodes`` (gauss, moments),
        ``inherit`` (first-order/taylor/gauss: "correlated" Eq. 6 or
        "uncorrelated" Eq. 14), ``cells`` (density), ``density`` (trained:
        "uniform", "normal" or "quartic"), ...

    Returns
    -------
    Prediction
        ``mean[n]``, ``var[n]`` of shape (T, I_n) like a simulation Result.
        For ``first-order``/``taylor``/``gauss`` every neuron gets its own mean
        but Var(x̃_n) is one number per layer and input (Eq. 6 works with
        layer statistics); ``trained`` evaluates the SNR-vs-mean curve of
        Eq. 14 at each neuron's noiseless mean.
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be a fastnoise Network, got {type(net).__name__}")
    if method in ("first-order", "taylor", "gauss"):
        from .recursion import recursion

        return recursion(net, inputs, noise, closure=method, **options)
    if method == "density":
        from .density import density

        return density(net, inputs, noise, **options)
    if method == "moments":
        from .moments import moments

        return moments(net, inputs, noise, **options)
    if method == "trained":
        from .trained import trained

        return trained(net, inputs, noise, **options)
    hit = difflib.get_close_matches(str(method), list(METHODS), n=1)
    hint = f"; did you mean {hit[0]!r}?" if hit else f"; choose one of {', '.join(METHODS)}"
    raise ValueError(f"unknown prediction method {method!r}{hint}")
