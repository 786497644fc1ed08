"""``fn.predict``: one entry point for every analytic method."""

from __future__ import annotations

from ..network import Network
from ..validation import choice_hint
from .prediction import Prediction

__all__ = ["predict", "METHODS", "choose_method", "AUTO_MAX_COST", "AUTO_MAX_MATRIX_BYTES"]

#: method name -> one-line description (``fastnoise predict --help`` lists them)
METHODS = {
    "auto": "the default: density for symmetric networks without noise_at='input', moments "
            "otherwise (low-rank covariance past the auto limits); Prediction.method names the one that ran",
    "first-order": "Eq. 6 recursion, F̂ to first order (Eq. 9); the paper's analytic curves",
    "taylor": "Eq. 6 recursion, F̂ from the Taylor series of order M (Eqs. 12–13, 24–28)",
    "gauss": "Eq. 6 recursion, E f and F̂ by Gauss–Hermite quadrature (exact for Gaussian x̃)",
    "density": "exact density evolution of the shared layer state (symmetric networks)",
    "moments": "per-input mean vector and covariance matrix through every layer (any network, "
               "noise_at='input' and convolutional networks included)",
    "trained": "Eq. 14 with Eq. 15 integrals over a fitted state density p*(z) (trained networks)",
}


#: ``method="auto"`` propagates full covariance matrices (``moments``) only while
#: their matrix products take at most this many multiply-adds per input:
#: I_1² I_0 + Σ_{n≥2} I_n I_{n−1} (I_n + I_{n−1}) with I_n neurons in layer n
#: (input layer I_0); 1e9 is about 0.1 s per input on one core, e.g. 784-512-512-10
#: (4.8e8) runs in full, 784-1024-1024-10 (2.9e9) does not ...
AUTO_MAX_COST = 1e9
#: ... and one I_n × I_n float64 matrix, 8 I_n² bytes for the widest layer, is
#: at most this (the method holds about three per input at once; I_n ≤ 5792).
AUTO_MAX_MATRIX_BYTES = 256 * 2 ** 20


def _full_covariance_cost(widths) -> tuple[float, int]:
    """(multiply-adds per input, bytes of the largest covariance matrix) of full-covariance
    ``moments`` (the first weight layer sees a deterministic input: one product, not two)."""
    cost = sum(float(widths[n]) * widths[n - 1] * ((widths[n] + widths[n - 1]) if n > 1 else widths[n])
               for n in range(1, len(widths)))
    return cost, 8 * max(widths[1:], default=0) ** 2


def choose_method(net: Network) -> tuple[str, dict, str]:
    """The method ``method="auto"`` runs for ``net``.

    The choice depends on the network only, never on the inputs, so an
    input is predicted the same way alone or among others.

    * ``density`` when the network is symmetric (:attr:`Network.is_symmetric`:
      in every layer after the input layer all weight rows equal and the bias
      constant, as in :func:`fastnoise.symmetric`) and every layer has the
      paper's noise placement: all neurons of a layer share one state, whose
      distribution ``density`` evolves exactly.
    * ``moments`` otherwise — in particular for every network with a
      ``noise_at="input"`` layer (:attr:`Network.has_input_noise`), which
      ``moments`` is the only method to support (Eq. 3 applied to x̃ before
      the activation), symmetric or not, and every network ending in a
      ``softmax`` readout — with the full covariance matrix of every layer,
      unless that takes more than :data:`AUTO_MAX_COST` multiply-adds per
      input (I_1² I_0 + Σ_{n≥2} I_n I_{n−1} (I_n + I_{n−1})) or one layer's
      matrix more than :data:`AUTO_MAX_MATRIX_BYTES` (8 I_n² bytes); then
      ``moments`` with
      ``full_covariance=False`` (diagonal + low-rank covariance, cost
      O(T Σ_n I_n I_{n−1}); approximate from the second weight layer on for
      dense networks, see :func:`fastnoise.analytic.moments.moments`).

    Parameters
    ----------
    net : Network

    Returns
    -------
    method : str
        ``"density"`` or ``"moments"``.
    options : dict
        Options ``auto`` passes to the method (``{"full_covariance": False}``
        for the fallback, else empty).
    reason : str
        One line saying why, e.g. ``"the network is not symmetric"`` or
        ``"the network has noise_at='input' layers (only moments supports them)"``.

    Examples
    --------
    >>> import fastnoise as fn
    >>> from fastnoise.analytic.predict import choose_method
    >>> choose_method(fn.symmetric([1, 20, 1]))[0]
    'density'
    >>> choose_method(fn.random_dense([4, 20, 3]))[:2]
    ('moments', {})
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be a fastnoise Network, got {type(net).__name__}")
    if not net.is_dense:
        return "moments", {}, ("the network has convolution or pooling layers (moments, with a "
                               "factored covariance)")
    if net.has_input_noise:
        why = "the network has noise_at='input' layers (only moments supports them)"
    elif not net.elementwise:
        why = f"the output layer is a {net.activations[-1].name} readout (only moments supports it)"
    elif net.is_symmetric:
        return "density", {}, "the network is symmetric (equal weight rows, constant biases)"
    else:
        why = "the network is not symmetric"
    cost, nbytes = _full_covariance_cost(net.widths)
    if cost > AUTO_MAX_COST or nbytes > AUTO_MAX_MATRIX_BYTES:
        widest = max(net.widths[1:])
        limit = (f"{cost:.3g} multiply-adds per input > AUTO_MAX_COST {AUTO_MAX_COST:.3g}"
                 if cost > AUTO_MAX_COST
                 else f"a {widest}-neuron layer's covariance of {nbytes / 2 ** 20:.0f} MiB > "
                      f"AUTO_MAX_MATRIX_BYTES {AUTO_MAX_MATRIX_BYTES / 2 ** 20:.0f} MiB")
        return "moments", {"full_covariance": False}, (
            f"{why}; full covariances too costly ({limit}): "
            "diagonal + low-rank covariance (full_covariance=False)")
    return "moments", {}, why


def _auto(net, inputs, noise, options) -> Prediction:
    import inspect

    from ..simulate import validate_inputs

    u = validate_inputs(net, inputs)
    chosen, extra, reason = choose_method(net)
    if chosen == "density":
        from .density import density as run
    else:
        from .moments import moments as run
        if "full_covariance" in options or "order" in options:  # the caller decides
            extra = {}
            reason = reason.split(";")[0]
    params = inspect.signature(run).parameters
    for key in options:
        if key not in params or key in ("net", "inputs", "noise"):
            raise TypeError(f"option {key!r} does not apply to method {chosen!r}, which "
                            f"method='auto' chose because {reason}; pass method= explicitly")
    pred = run(net, u, noise, **extra, **options)
    pred.info["auto"] = {"method": chosen, "options": dict(extra), "reason": reason}
    return pred


def predict(net: Network, inputs, noise, method: str = "auto", **options) -> Prediction:
    """Predict the mean and variance of every neuron's noisy output.

    Parameters
    ----------
    net : Network
    inputs : array_like, (T, I_1)
    noise : Noise or list of Noise
        Intensities of Eq. 3, global or per layer.
    method : str
        One of :data:`METHODS`.  The default ``"auto"`` runs ``density`` for
        symmetric networks and ``moments`` otherwise (always for networks
        with ``noise_at="input"`` layers, which only ``moments`` supports; the
        other methods refuse them in one line), with a diagonal +
        low-rank covariance when full covariance matrices would be too
        costly (see :func:`choose_method`); the prediction's ``method`` names
        the method that ran and ``info["auto"]`` says why.
    **options
        Passed to the method (with ``"auto"``, to the method it chose; an
        option that method does not take is a TypeError): ``order`` (taylor), ``nodes`` (gauss, moments),
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

    Examples
    --------
    >>> import numpy as np, fastnoise as fn
    >>> pred = fn.predict(fn.random_dense([3, 8, 2], "relu"), np.ones((4, 3)), fn.Noise(additive=1e-4))
    >>> pred.method, pred.info["auto"]["reason"]
    ('moments', 'the network is not symmetric')
    """
    from ..network.reservoir import Reservoir

    if isinstance(net, Reservoir):                 # a reservoir in time: its own recursion
        if method not in ("auto", "moments", "reservoir-moments"):
            raise ValueError(f"method {method!r} is for feed-forward networks; a reservoir is "
                             "predicted by method='moments' (the covariance recursion in time)")
        from .reservoir import reservoir_moments

        return reservoir_moments(net, inputs, noise, **options)
    if not isinstance(net, Network):
        raise TypeError(f"net must be a fastnoise Network or Reservoir, got {type(net).__name__}")
    # noise_at="input": moments supports it; every other method refuses it itself
    if method == "auto":
        return _auto(net, inputs, noise, options)
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
        from .eq14 import trained

        return trained(net, inputs, noise, **options)
    raise ValueError(f"unknown prediction method {method!r}{choice_hint(method, METHODS)}")
