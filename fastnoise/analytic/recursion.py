"""The paper's layer recursion for any network (Eqs. 5, 6, 14, 20–23).

For every input t the recursion carries, layer by layer, the expected state
of every neuron and one variance per layer:

* E(x̃_{n,i}) = Σ_j W_ij E(y_{n−1,j}) + b_i exactly (the noise has zero mean
  and is independent of the signal, Eq. 16);
* Var(x̃_n) = N_n^C + N_n^U + N_n^prev (Eq. 6), built from the weight
  statistics μ(W^n), η(W^n) and the intensities of the noise on y_{n−1};
* E(x_n) and F̂(x̃_n) = Var(x_n) per neuron from a closure
  (:mod:`fastnoise.analytic.closures`: first-order Eq. 9, Taylor order M
  Eqs. 12–13, Gauss–Hermite) under a Gaussian x̃;
* Var(y_n) from Eq. 5.

``inherit`` selects how the variance of the previous layer enters N^prev:
``"correlated"`` is Eq. 6 (states of a layer vary together, as in symmetric
networks, Eqs. 7–11 and 20–23); ``"uncorrelated"`` is Eq. 14's propagation
term I η(W)(1+σ_×²) μ(F̂), right when the inherited fluctuations of different
neurons are independent (trained networks with zero-mean weights).
"""

from __future__ import annotations

import numpy as np

from ..network import Network
from ..noise import per_layer
from .closures import transfer
from .prediction import Prediction
from .terms import (n_correlated, n_uncorrelated, output_variance, prev_factor_correlated,
                    prev_factor_uncorrelated, weight_stats)

__all__ = ["recursion", "INHERIT"]

INHERIT = ("correlated", "uncorrelated")


def recursion(net: Network, inputs, noise, closure: str = "first-order", order: int = 15,
              nodes: int = 64, inherit: str = "correlated") -> Prediction:
    """Predict every layer's mean and variance with the recursion of Eq. 6.

    Parameters
    ----------
    net : Network
    inputs : array_like, (T, I_1)
    noise : Noise or list of Noise
        Intensities of Eq. 3, global or one per layer.
    closure : {"first-order", "taylor", "gauss"}
        How F̂ (the variance of f(x̃)) and E f(x̃) are computed.
    order : int
        Taylor order M for ``closure="taylor"``.
    nodes : int
        Gauss–Hermite nodes for ``closure="gauss"``.
    inherit : {"correlated", "uncorrelated"}
        Eq. 6 or Eq. 14 form of the inherited-noise term (module docstring).

    Returns
    -------
    Prediction
        ``mean``/``var`` of y per neuron and input; ``xt_var[n]`` repeats the
        layer's single Var(x̃_n) over its neurons.
    """
    from ..simulate import validate_inputs

    if inherit not in INHERIT:
        raise ValueError(f"inherit must be one of {', '.join(INHERIT)}, got {inherit!r}")
    net.check_dense("the recursion prediction")
    net.check_noise_placement("the recursion prediction")
    net.check_elementwise("the recursion prediction")
    u = validate_inputs(net, inputs)
    noises = per_layer(noise, net)
    T = u.shape[0]
    acts = net.activations

    xt_mean = [u]
    xt_var = [np.zeros_like(u)]
    ex = acts[0](u)                        # input layer: x̃_1 = u, deterministic
    fhat = np.zeros_like(u)
    means, variances = [ex], [output_variance(noises[0], ex, fhat)]
    for n in range(1, net.n_layers):
        w, b, nz = net.weights[n], net.biases[n], noises[n - 1]
        fan_in, mu_w, eta_w = weight_stats(w)
        ey = means[-1]
        m = ey @ w.T + b
        prev = (prev_factor_correlated(fan_in, mu_w, eta_w, nz) if inherit == "correlated"
                else prev_factor_uncorrelated(fan_in, eta_w, nz))
        v = (n_correlated(fan_in, mu_w, nz, ey.mean(axis=1))
             + n_uncorrelated(fan_in, eta_w, nz, np.mean(ey * ey, axis=1))
             + prev * fhat.mean(axis=1))
        v = np.where(np.isnan(v), np.inf, v)  # after a diverged closure (inf × 0 terms)
        v = np.broadcast_to(v[:, None], m.shape)
        ex, fhat = _transfer_unique(acts[n], m, v, closure, order, nodes)
        xt_mean.append(m)
        xt_var.append(np.array(v))
        means.append(ex)
        vy = output_variance(noises[n], ex, fhat)
        variances.append(np.where(np.isinf(fhat), np.inf, vy))  # a diverged closure stays inf
    return Prediction(mean=means, var=variances, method=closure, xt_mean=xt_mean, xt_var=xt_var,
                      info={"closure": closure, "order": order if closure == "taylor" else None,
                            "nodes": nodes if closure == "gauss" else None, "inherit": inherit,
                            "n_inputs": T})


def _transfer_unique(act, m, v, closure, order, nodes):
    """``transfer`` on the distinct (mean, var) pairs only, scattered back.

    In symmetric and other structured networks many neurons share one state
    (a 200-neuron layer of the Fig. 3 network has one), so this cuts the
    closure's work by the layer width; results are identical.
    """
    with np.errstate(invalid="ignore"):  # NaN means only after a diverged closure
        key = (m + 1j * v).ravel()
    uniq, inverse = np.unique(key, return_inverse=True)
    if uniq.size > key.size // 2:
        ex, fhat = transfer(act, m, v, closure=closure, order=order, nodes=nodes)
        return np.asarray(ex, float), np.asarray(fhat, float)
    ex, fhat = transfer(act, uniq.real.copy(), uniq.imag.copy(), closure=closure, order=order,
                        nodes=nodes)
    ex, fhat = np.asarray(ex, float), np.asarray(fhat, float)
    return ex[inverse].reshape(m.shape), fhat[inverse].reshape(m.shape)
