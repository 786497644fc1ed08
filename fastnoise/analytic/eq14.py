"""Noise in trained networks: Eq. 14 with the Eq. 15 integrals over p*_n(z).

The paper (Sec. IV, Methods VII B) treats a trained network through layer
statistics only.  For every layer n ≥ 2 one scalar S_n ≈ Var(x̃_n) is carried
(Eq. 14, written here with the previous layer's noise, the noise on y_{n−1}
that drives x̃_n; 0-based layer index below, input layer 0):

    S_n = I²μ²(W^n)·[2D_A^C + 2D_M^C μ²(E y_{n−1})]                      (N_n^C)
        + I η(W^n)·[2D_A^U + 2D_M^U(1 + 2D_M^C) η(E y_{n−1})]           (N_n^U)
        + I η(W^n)(1 + σ_×²)·η(f'_{n−1}(f⁻¹_{n−1}(E y_{n−1})))·S_{n−1}   (N_n^prev)

with I = I_{n−1}, the D's and σ_×² those of the noise on y_{n−1} (Eq. 3), and
the neuron averages replaced by integrals over the state density p*_{n−1}(z)
of x̃_{n−1}, pooled over all neurons and inputs of that layer (Eq. 15):

    μ(E y) = ∫ f(z) p*(z) dz,  η(E y) = ∫ f(z)² p*(z) dz,  η(f'(f⁻¹(E y))) = ∫ f'(z)² p*(z) dz.

The recursion starts from S_0 = Var(x̃_1) = 0 (the input layer's state is the
input itself), so the first step gives S_1 = N^C + N^U over the input layer's
noise.  For one input neuron with unit weight this is the paper's
S_2 = σ_+² + σ_×²·u², averaged over inputs (the paper writes μ²(u); the
uncorrelated multiplicative part averages u², i.e. η(u), which is what Eq. 8
averaged over inputs gives); ``initial="paper"`` uses the paper's
σ_+² + σ_×² μ²(u) literally.  The input layer's p* is the empirical
distribution of the inputs (known exactly, never fitted).

The output variance of a neuron of layer n whose noiseless output is E follows
from Eq. 5 with the first-order F̂ of Eq. 9:

    Var(y) = σ_+² + σ_×² E² + (1 + σ_×²)·f'_n(f⁻¹_n(E))²·S_n,

with layer n's own noise; this is the analytic SNR-vs-mean curve of
Figs. 5 and 6 (:func:`snr_curve`, :func:`curve_variance`).  :func:`trained` evaluates it at every
neuron's noiseless output, taking f'(x̃) at the noiseless state x̃ (the same
as f'(f⁻¹(x)) for invertible f, and defined for ReLU at x̃ ≤ 0, where it is 0).

Assumptions of Eq. 14 (where it can fail): the fluctuations that different
neurons of layer n−1 inherit are uncorrelated (no I²μ²(W)·μ(F̂) term as in
Eq. 6 — right for zero-mean weights and uncorrelated noise, wrong when
correlated noise D^C is propagated through weights with μ(W) ≠ 0); the weights
are independent of the states, so Σ_j W_ij² f'(x̃_j)² ≈ I η(W) η(f'); one S_n
serves every neuron and input; F̂ is first order (Eq. 9).  For the paper's
symmetric networks (μ(W) = 1/I) the dropped term dominates: use the Eq. 6
recursion there (``fn.predict(..., method="first-order")``).

Accuracy.  Eq. 14 describes a layer, not a neuron: neuron i really inherits
Σ_j W_ij² Var(y_{n−1,j}), which for random weights deviates from
I η(W) × (pooled mean) by a relative sd of about √((3(1 + CV²) − 1)/I_{n−1})
(CV: spread of Var(y_{n−1}) over neurons) — about 10 % per neuron for
I_{n−1} = 200 — times the inherited fraction of Var(y).  Layer-level
statistics (the median over neurons and inputs of predicted/simulated
variance) average this out; ``tests/test_analytic_trained.py`` derives the
tolerance and measures 1–3 % on random trained-like networks.

State densities p*_n: :mod:`fastnoise.analytic.state_density`; f' and f⁻¹:
:mod:`fastnoise.analytic.inverse`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..network import Network
from ..noise import per_layer
from ..result import snr as moment_snr
from ..validation import check_int
from .inverse import fprime, inverse, inverse_domain, kinks
from .prediction import Prediction
from .state_density import KINDS, StateDensity, state_densities
from .terms import n_correlated, n_uncorrelated, output_variance, prev_factor_uncorrelated, weight_stats

__all__ = ["INITIAL", "Eq14", "layer_integrals", "eq14", "snr_curve", "curve_variance", "trained"]

#: Initial values of the recursion: general Eq. 14 step from S = 0, or the paper's S_2.
INITIAL = ("eq14", "paper")


# -- Eq. 15 and Eq. 14 -------------------------------------------------------------------

def layer_integrals(act, density: StateDensity) -> tuple[float, float, float]:
    """The three integrals of Eq. 15 for one layer.

    Returns
    -------
    (μ(E y), η(E y), η(f'(f⁻¹(E y))))
        ∫ f p*, ∫ f² p*, ∫ f'² p*.
    """
    z, w = density.quadrature(kinks(act))
    f = np.asarray(act(z), float)
    fp = fprime(act, z)
    return float(f @ w), float((f * f) @ w), float((fp * fp) @ w)



@dataclass
class Eq14:
    """The terms of the Eq. 14 recursion, one entry per layer (input layer first).

    Attributes
    ----------
    S : list of float
        S_n ≈ Var(x̃_n); S[0] = 0 (the input layer's state is the input).
    n_c, n_u, n_prev : list of float
        The three terms of S_n (0 for the input layer).
    mu_ey, eta_ey, eta_fprime : list of float
        The Eq. 15 integrals of each layer's own density and activation.
    densities : list of StateDensity
    initial : str
    """

    S: list
    n_c: list
    n_u: list
    n_prev: list
    mu_ey: list
    eta_ey: list
    eta_fprime: list
    densities: list
    initial: str = "eq14"
    states: list | None = field(default=None, repr=False)
    outputs: list | None = field(default=None, repr=False)


def eq14(net: Network, inputs, noise, density="quartic", initial: str = "eq14") -> Eq14:
    """Run the Eq. 14 recursion of S_n with the Eq. 15 integrals.

    Parameters
    ----------
    net : Network
    inputs : array_like, (T, I_1)
    noise : Noise or list of Noise
        Eq. 3 intensities, global or one per layer (input layer first).  The
        noise of layer n−1 (on y_{n−1}) enters S_n.
    density : str or list of StateDensity
        A kind from :data:`KINDS`, or one density per layer (index 0 the
        inputs) to use as given.
    initial : {"eq14", "paper"}
        ``"eq14"``: S_2 from Eq. 14 with S_1 = 0, N^C + N^U of the input
        layer's noise and weight statistics; ``"paper"``:
        S_2 = σ_+² + σ_×² μ²(u) as printed (right for one input neuron
        with unit weight and μ² read as η).

    Returns
    -------
    Eq14
    """
    from ..simulate import forward, validate_inputs

    if initial not in INITIAL:
        raise ValueError(f"initial must be one of {', '.join(INITIAL)}, got {initial!r}")
    if net.n_layers < 2:
        raise ValueError("method 'trained' fits the state densities of the layers after the input "
                         "layer, and this network has only the input layer; use method=\"moments\"")
    net.check_dense("method 'trained' (Eq. 14)")
    net.check_noise_placement("method 'trained' (Eq. 14)")
    net.check_elementwise("method 'trained' (Eq. 14)")
    u = validate_inputs(net, inputs)
    noises = per_layer(noise, net)
    xt, x = forward(net, u)
    if isinstance(density, str):
        dens = state_densities(net, u, density, states=xt)
    else:
        dens = list(density)
        if len(dens) != net.n_layers or not all(isinstance(d, StateDensity) for d in dens):
            raise ValueError(f"density must be a kind ({', '.join(KINDS)}) or a list of "
                             f"{net.n_layers} StateDensity objects, input layer first")
    acts = net.activations
    ints = [layer_integrals(acts[n], dens[n]) for n in range(net.n_layers)]
    S, nc, nu, npv = [0.0], [0.0], [0.0], [0.0]
    for n in range(1, net.n_layers):
        nz = noises[n - 1]
        fan_in, mu_w, eta_w = weight_stats(net.weights[n])
        mu_ey, eta_ey, eta_fp = ints[n - 1]
        if n == 1 and initial == "paper":
            c, un, pv = float(output_variance(nz, mu_ey, 0.0)), 0.0, 0.0   # Eq. 5 at E = μ(u)
        else:
            c = float(n_correlated(fan_in, mu_w, nz, mu_ey))
            un = float(n_uncorrelated(fan_in, eta_w, nz, eta_ey))
            pv = prev_factor_uncorrelated(fan_in, eta_w, nz) * eta_fp * S[-1]
        nc.append(c)
        nu.append(un)
        npv.append(pv)
        S.append(c + un + pv)
    return Eq14(S=S, n_c=nc, n_u=nu, n_prev=npv, mu_ey=[i[0] for i in ints],
                eta_ey=[i[1] for i in ints], eta_fprime=[i[2] for i in ints], densities=dens,
                initial=initial, states=xt, outputs=x)


def _check_layer(net: Network, layer) -> int:
    n = check_int("layer", layer)
    if n < 0:
        n += net.n_layers
    if not 0 <= n < net.n_layers:
        raise ValueError(f"layer {layer} is out of range for a network of {net.n_layers} layers "
                         f"(0 = input layer .. {net.n_layers - 1} = output layer)")
    net.check_dense(f"the SNR curve of layer {n}")
    if not net.activations[n].elementwise:
        net.check_elementwise(f"the SNR curve of layer {n}")
    return n


def snr_curve(net: Network, inputs, noise, layer: int, density="quartic", means=None,
              points: int = 200, initial: str = "eq14"):
    """Predicted SNR as a function of a neuron's mean output (Figs. 5, 6).

    Var(y) = σ_+² + σ_×² E² + (1 + σ_×²) f'(f⁻¹(E))² S_n (Eqs. 5, 9, 14),
    SNR = E/√Var(y) (Eq. 4), with layer n's own noise.  For the input layer
    S = 0, so Var(y) = σ_+² + σ_×² E².

    Parameters
    ----------
    net, inputs, noise
        As for :func:`eq14`.
    layer : int
        Layer index, input layer 0 (negative counts from the output).
    density : str or list of StateDensity
        State-density kind (:data:`KINDS`) or densities.
    means : array_like, optional
        Mean outputs E at which to evaluate the curve.  Default: ``points``
        values evenly spread over the observed range of the layer's noiseless
        outputs, kept inside the open range where f⁻¹ exists (ReLU: E > 0).
    points : int
        Grid size of the default ``means``.
    initial : str
        See :func:`eq14`.

    Returns
    -------
    means, snr : ndarray
        Same shape.  Also :func:`curve_variance` for Var(y) itself.
    """
    means, var = curve_variance(net, inputs, noise, layer, density, means, points, initial)
    return means, moment_snr(means, var)


def curve_variance(net: Network, inputs, noise, layer: int, density="quartic", means=None,
                   points: int = 200, initial: str = "eq14"):
    """(means, Var(y)) of the SNR curve of :func:`snr_curve`."""
    n = _check_layer(net, layer)
    terms = eq14(net, inputs, noise, density, initial)
    act = net.activations[n]
    nz = per_layer(noise, net)[n]
    xt, x = terms.states[n], terms.outputs[n]
    if means is None:
        lo, hi = float(x.min()), float(x.max())
        ilo, ihi, _ = inverse_domain(act)
        if n > 0:
            # keep the grid strictly inside the image of f (f⁻¹ exists there)
            eps = 1e-9 * max(1.0, abs(lo), abs(hi))
            if lo <= ilo:
                lo = float(x[x > ilo].min()) if np.any(x > ilo) else ilo + eps
            if hi >= ihi:
                hi = float(x[x < ihi].max()) if np.any(x < ihi) else ihi - eps
        means = np.linspace(lo, hi, int(points))
    else:
        means = np.asarray(means, float)
    if n == 0:
        fhat = np.zeros_like(means)
    else:
        bracket = (float(xt.min()), float(xt.max())) if act.is_custom else None
        z = inverse(act, means, bracket=bracket)
        fp = fprime(act, z)
        fhat = fp * fp * terms.S[n]
    return means, output_variance(nz, means, fhat)


def trained(net: Network, inputs, noise, density="quartic", initial: str = "eq14") -> Prediction:
    """Per-neuron, per-input prediction from Eq. 14 (``fn.predict(..., method="trained")``).

    mean = the noiseless output x_{n,i}^t (Eq. 16 with E x ≈ f(E x̃));
    var = σ_+² + σ_×² x² + (1 + σ_×²) f'(x̃)² S_n with x̃ the noiseless state
    (Eqs. 5, 9, 14); the input layer gets σ_+² + σ_×² u² (exact).

    Parameters
    ----------
    net, inputs, noise, density, initial
        As for :func:`eq14`.

    Returns
    -------
    Prediction
        ``method="trained"``; ``xt_mean`` the noiseless states, ``xt_var``
        S_n repeated over neurons and inputs; ``info`` holds the density kind,
        S_n, the three terms and the Eq. 15 integrals per layer, and a
        summary (:meth:`StateDensity.summary`) of each fitted density; the
        density objects themselves come from :func:`eq14` or
        :func:`state_densities`.
    """
    terms = eq14(net, inputs, noise, density, initial)
    noises = per_layer(noise, net)
    means, variances, xt_var = [], [], []
    for n in range(net.n_layers):
        xt, x = terms.states[n], terms.outputs[n]
        if n == 0:
            fhat = np.zeros_like(x)
        else:
            fp = fprime(net.activations[n], xt)
            fhat = fp * fp * terms.S[n]
        means.append(x)
        variances.append(np.asarray(output_variance(noises[n], x, fhat), float))
        xt_var.append(np.full_like(x, terms.S[n]))
    kind = density if isinstance(density, str) else "given"
    return Prediction(mean=means, var=variances, method="trained", xt_mean=terms.states,
                      xt_var=xt_var,
                      info={"density": kind, "initial": initial, "S": terms.S, "n_c": terms.n_c,
                            "n_u": terms.n_u, "n_prev": terms.n_prev, "mu_ey": terms.mu_ey,
                            "eta_ey": terms.eta_ey, "eta_fprime": terms.eta_fprime,
                            "densities": [d.summary() for d in terms.densities]})
