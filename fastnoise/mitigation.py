"""Noise-mitigation transforms: a network in, a network that carries less noise out.

Each transform returns a new :class:`~fastnoise.network.Network` whose output
layer is the original one (same width, same order), so ``res.mean[-1]`` and
``res.var[-1]`` of the two compare directly; without noise :func:`pool` and
:func:`ghost` compute the same function (up to rounding), :func:`intra_layer`
only where the coupled neurons share one state (see there).  The transforms compose, and each appends a
record to the result's ``mitigation`` (stored with every run and in network
files).  ``layers`` are layer indices of the network as passed in (input layer
0); the layer count never changes, so indices stay valid across transforms
and a per-layer noise list applies unchanged.

The strategies follow Semenova & Brunner, Chaos 32, 061106 (2022)
(arXiv 2204.09461), and their classification setting, Chaos 34, 051101
(2024) (arXiv 2411.04354):

* :func:`pool`: every neuron of a hidden layer is built ``copies`` times
  (same weights and bias, each copy with its own uncorrelated noise), and the
  next layer reads their average (its weights divided by ``copies``).  With
  uncorrelated noise of variance σ² on each copy, the average carries σ²/copies.
* :func:`ghost`: a hidden layer gets one extra neuron that receives no input
  (zero weights and bias, so its state is f(0)) but the layer's correlated
  noise; the next layer reads it with weight W_g = −Σ_i W_ji, which cancels the
  correlated additive term Σ_i W_ji a_AC ξ'_c of the layer's neurons.  The
  constant −W_g f(0) it also brings is added back to the next layer's bias.

* :func:`intra_layer`: the neurons of a hidden layer are coupled within the
  layer by a matrix V (after their noise), y' = V y / r̄ with r̄ the mean row
  sum of V, and the next layer reads y'.  Uncorrelated noise of variance σ²
  on y reaches y'_i with σ² Σ_j V_ij² / r̄², a signal common to the layer
  passes unchanged; :func:`suppresses_uncorrelated` states the criterion.

Apply :func:`ghost` before :func:`pool`: pooling then also averages the ghost
neurons' own uncorrelated noise, which otherwise adds (Σ_i W_ji)² σ² (large in a
trained network such as network A).

Noise here is the paper's Eq. 3 placed after the activation.  For a layer
whose noise acts before the activation (``noise_at="input"``) the correlated
term passes through the nonlinearity, and :func:`ghost` weighs its ghost by the
neurons' mean slopes over given inputs: the cancellation is then first-order
and on average, not exact.
"""

from __future__ import annotations

import math
from typing import NamedTuple, Sequence

import numpy as np

from .network import Network
from .validation import check_int

__all__ = ["pool", "ghost", "intra_layer", "suppresses_uncorrelated", "Suppression", "snr_gain",
           "output_snr_gain", "CANCELLED", "describe", "coupling", "hidden_layers"]

#: mitigated / plain variance below which the noise counts as cancelled (float64 rounding
#: of sums of ~10³ terms leaves ~10⁻²⁶ of the plain variance)
CANCELLED = 1e-20


def hidden_layers(net: Network, layers, what: str) -> list[int]:
    """``layers`` checked: hidden layers 1 .. L−2 of ``net``, sorted, no repeats."""
    if not isinstance(net, Network):
        raise TypeError(f"{what} takes a fastnoise Network, got {type(net).__name__}")
    net.check_dense(what)
    if isinstance(layers, (int, np.integer)) and not isinstance(layers, bool):
        layers = [layers]
    try:
        out = sorted({int(check_int("layers", n, 0)) for n in layers})
    except TypeError:
        raise TypeError(f"layers must be a layer index or a list of them, got {layers!r}") from None
    if not out:
        raise ValueError(f"{what}: layers is empty; give hidden layers 1..{net.n_layers - 2}")
    last = net.n_layers - 1
    for n in out:
        if n == 0:
            raise ValueError(f"{what}: layer 0 is the input layer; its neurons are the inputs "
                             f"themselves, so only hidden layers 1..{last - 1} can be transformed")
        if n >= last:
            where = "the output layer" if n == last else "beyond the output layer"
            raise ValueError(f"{what}: layer {n} is {where} (the network has layers 0..{last}); "
                             f"the output layer stays as it is, give hidden layers 1..{last - 1}")
    return out


def _layer_arrays(net: Network) -> tuple[list, list]:
    """Writable copies of ``net``'s weights and biases (``[None, W1, W2, ...]``)."""
    return ([None] + [np.array(w) for w in net.weights[1:]],
            [None] + [np.array(b) for b in net.biases[1:]])


def _rebuild(net: Network, weights, biases, record: dict) -> Network:
    return Network.from_layers(weights, biases, list(net.activations), noise_at=list(net.noise_at),
                               mitigation=(*net.mitigation, record), input_shape=net.input_shape)


def pool(net: Network, layers, copies: int) -> Network:
    """Pool ``copies`` copies of every neuron of the hidden ``layers``.

    Neuron i of layer n becomes neurons i·copies … i·copies + copies − 1 (same
    weights and bias); layer n + 1 reads each copy with its weight divided by
    ``copies``.  Each copy draws its own uncorrelated noise, so their average
    carries 1/copies of the uncorrelated variance; correlated noise, shared by
    the whole layer, is not reduced.

    Parameters
    ----------
    net : Network
    layers : int or sequence of int
        Hidden layers of ``net`` (1 … L − 2).
    copies : int
        Copies per neuron, ≥ 2.

    Returns
    -------
    Network
        Layer n has ``copies`` times the neurons; every other width, the
        activations and the noise placement are unchanged; ``mitigation``
        gains ``{"kind": "pool", "layers": [...], "copies": copies}``.
    """
    chosen = hidden_layers(net, layers, "pool")
    copies = check_int("copies", copies, 2)
    ws, bs = _layer_arrays(net)
    for n in chosen:
        ws[n] = np.repeat(ws[n], copies, axis=0)
        bs[n] = np.repeat(bs[n], copies)
        ws[n + 1] = np.repeat(ws[n + 1], copies, axis=1) / copies
    return _rebuild(net, ws, bs, {"kind": "pool", "layers": chosen, "copies": copies})


def ghost(net: Network, layers, inputs=None) -> Network:
    """Add one ghost neuron to each of the hidden ``layers``.

    The ghost neuron of layer n (its last neuron) has zero weights and bias,
    so its noiseless state is f(0) with the layer's activation f, and it
    carries the layer's noise.  Layer n + 1 reads it with the weight
    W_g[j] = −Σ_i W[j, i] over the layer's other neurons and gets
    −W_g[j]·f(0) added to its bias: the correlated additive noise of layer n
    cancels in x̃ of layer n + 1, and without noise the function is unchanged.

    A layer whose noise acts before its activation (``noise_at="input"``)
    passes the shared term a ξ'_c through f: neuron i carries
    f(x̃_i + a ξ'_c) ≈ f(x̃_i) + f'(x̃_i) a ξ'_c and the ghost
    f(a ξ'_c) ≈ f(0) + f'(0) a ξ'_c.  There the ghost's weight is
    W_g[j] = −Σ_i W[j, i] s_i / f'(0), with s_i the mean slope f'(x̃_i) of
    neuron i over ``inputs`` (noiseless): the term cancels to first order in
    the noise on average over those inputs, not exactly (the slopes vary
    from input to input).  Such layers need ``inputs``.

    Parameters
    ----------
    net : Network
    layers : int or sequence of int
        Hidden layers of ``net`` (1 … L − 2).
    inputs : array_like (T, I_0), optional
        Representative inputs, for layers with ``noise_at="input"`` only.

    Returns
    -------
    Network
        Each chosen layer has one more neuron; ``mitigation`` gains
        ``{"kind": "ghost", "layers": [...]}`` (with ``"slopes_from": T`` when
        slopes were averaged over T inputs).
    """
    chosen = hidden_layers(net, layers, "ghost")
    before = [n for n in chosen if net.noise_at[n] != "output"]
    inputs = inputs if before else None        # slopes are needed (and recorded) only there
    slopes = {}
    if before:
        if inputs is None:
            raise ValueError(f"ghost: layer {before[0]} has noise_at='input' (noise before the activation); "
                             "its ghost weight needs the neurons' mean slopes f'(x̃): pass inputs= "
                             "(representative inputs), or use layers with noise_at='output'")
        from .analytic.inverse import fprime
        from .simulate import forward

        xt, _ = forward(net, inputs)
        for n in before:
            act = net.activations[n]
            g0 = float(fprime(act, np.zeros(1))[0])
            if not abs(g0) > 0.0:
                raise ValueError(f"ghost: layer {n}'s activation {act.name} has slope 0 at 0, so a ghost "
                                 "neuron fed nothing cannot carry its noise before the activation")
            slopes[n] = np.mean(fprime(act, xt[n]), axis=0) / g0
    ws, bs = _layer_arrays(net)
    for n in chosen:
        f0 = float(net.activations[n](np.zeros(1))[0])
        ws[n] = np.vstack([ws[n], np.zeros((1, ws[n].shape[1]))])
        bs[n] = np.append(bs[n], 0.0)
        w_next = ws[n + 1] if n not in slopes else ws[n + 1] * slopes[n][None, :]
        w_g = -w_next.sum(axis=1)
        ws[n + 1] = np.hstack([ws[n + 1], w_g[:, None]])
        bs[n + 1] = bs[n + 1] - w_g * f0
    record = {"kind": "ghost", "layers": chosen}
    if slopes:
        record["slopes_from"] = int(np.atleast_2d(np.asarray(inputs)).shape[0])
    return _rebuild(net, ws, bs, record)


class Suppression(NamedTuple):
    """What :func:`suppresses_uncorrelated` reports for an intra-layer matrix V (I × I)."""

    #: whether I²μ²(V) > Iη(V): uncorrelated noise is reduced relative to a common signal
    suppresses: bool
    #: I² μ²(V), the squared mean row sum (how a signal common to the layer, or
    #: correlated noise, passes; the paper's N^C factor of Eq. 6)
    squared_mean: float
    #: I η(V), the mean over rows of Σ_j V_ij² (how uncorrelated noise passes; the
    #: paper's N^U factor of Eq. 6)
    mean_square: float
    #: Iη / (I²μ²): the factor by which one pass multiplies the variance of
    #: uncorrelated noise relative to a common signal (k passes: its k-th power)
    factor: float


def suppresses_uncorrelated(matrix) -> Suppression:
    """Does an intra-layer connection matrix suppress uncorrelated noise?

    The criterion of Semenova & Brunner, Chaos 32, 061106 (2022), read with
    the normalisation of the noise terms of Eq. 6 of Semenova, Larger &
    Brunner (2022): through a matrix V of I × I connections, a signal or
    noise common to all I neurons is carried with the factor I² μ²(V) (the
    "squared mean": μ the mean of all entries, so this is the squared mean
    row sum), while noise independent from neuron to neuron is carried with
    I η(V) (the "mean of the square": η the mean of the squared entries).
    The matrix suppresses uncorrelated noise when I² μ²(V) > I η(V).  (The
    plain squared mean μ² of the entries never exceeds their mean square η,
    so without the factors I² and I the inequality could not hold.)

    Parameters
    ----------
    matrix : array_like, (I, I)

    Returns
    -------
    Suppression
        ``(suppresses, squared_mean, mean_square, factor)``; ``factor`` is
        inf when the mean row sum is 0.

    Examples
    --------
    >>> import numpy as np, fastnoise as fn
    >>> fn.mitigation.suppresses_uncorrelated(np.ones((4, 4))).factor     # averaging 4 neurons
    0.25
    >>> fn.mitigation.suppresses_uncorrelated(np.eye(4)).suppresses       # no coupling
    False
    """
    v = _square_matrix(matrix, "suppresses_uncorrelated")
    n = v.shape[0]
    squared_mean = float((np.sum(v) / n) ** 2)       # I² μ²(V), as the squared mean row sum
    mean_square = float(np.sum(v * v) / n)           # I η(V)
    factor = mean_square / squared_mean if squared_mean > 0 else float("inf")
    return Suppression(bool(squared_mean > mean_square), squared_mean, mean_square, factor)


def _square_matrix(matrix, what: str) -> np.ndarray:
    try:
        v = np.array(matrix, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{what}: the matrix must be a real 2-D array, got {type(matrix).__name__}") from None
    if v.ndim != 2 or v.shape[0] != v.shape[1] or v.shape[0] < 1:
        raise ValueError(f"{what}: the matrix must be square (I, I), got shape {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{what}: the matrix has non-finite entries")
    return v


def intra_layer(net: Network, layers, matrix) -> Network:
    """Couple the neurons of each of the hidden ``layers`` within the layer.

    The outputs y of layer n (after their Eq. 3 noise) are mixed by the
    connections V, y' = V y / r̄, r̄ = mean row sum of V, and layer n + 1
    reads y': its weights become W V / r̄.  Uncorrelated noise on y reaches
    y'_i with variance σ² Σ_j V_ij² / r̄², so relative to a signal common to
    the layer it is multiplied by :func:`suppresses_uncorrelated`'s
    ``factor`` (on average over the neurons; < 1 when the criterion holds).

    How the function changes: a state common to the layer passes
    unchanged, so the network computes exactly the same function when all
    neurons of each coupled layer carry the same noiseless state (the
    paper's symmetric networks, :func:`fastnoise.symmetric`) and every row of
    V sums to r̄.  In a trained network the neurons differ, and the coupling
    mixes their signals as much as their noise: the noiseless output
    changes by W (V/r̄ − I) x_n, so the network is a different one, to be
    retrained (``fastnoise train``) with the coupling in place.  A
    compensation by W V⁻¹ instead would restore the function but also undo
    the coupling's effect on the noise exactly (W V⁻¹ V (x + ξ) = W (x + ξ)),
    so it is not offered.

    Parameters
    ----------
    net : Network
    layers : int or sequence of int
        Hidden layers of ``net`` (1 … L − 2).
    matrix : array_like (I_n, I_n) or "uniform"
        The connections V, the same for every listed layer (their widths
        must then agree); ``"uniform"``: all ones, i.e. every neuron reads the
        layer's average (one per layer, whatever its width).

    Returns
    -------
    Network
        Same widths; ``mitigation`` gains ``{"kind": "intra_layer", "layers":
        [...], "factor": [...]}`` with each layer's ``factor``.
    """
    chosen = hidden_layers(net, layers, "intra_layer")
    ws, bs = _layer_arrays(net)
    factors = []
    for n in chosen:
        v, r = coupling(matrix, net.widths[n], n)
        ws[n + 1] = ws[n + 1] @ (v / r)
        factors.append(suppresses_uncorrelated(v).factor)
    return _rebuild(net, ws, bs, {"kind": "intra_layer", "layers": chosen, "factor": factors})


def coupling(matrix, width: int, layer: int) -> tuple[np.ndarray, float]:
    """The intra-layer matrix V of :func:`intra_layer` for layer ``layer`` of ``width`` neurons,
    checked, and its mean row sum r̄ (nonzero): the coupling is y' = V y / r̄.

    ``matrix`` is an (I, I) array or ``"uniform"`` (all ones).  Also used by
    ``fastnoise.train`` to train with the coupling in place.
    """
    if isinstance(matrix, str):
        if matrix != "uniform":
            raise ValueError(f"intra_layer: matrix must be an (I, I) array or 'uniform', got {matrix!r}")
        v = np.ones((width, width))
    else:
        v = _square_matrix(matrix, "intra_layer")
        if v.shape[0] != width:
            raise ValueError(f"intra_layer: the matrix is {v.shape[0]} × {v.shape[0]} but layer {layer} has "
                             f"{width} neurons")
    r = float(np.mean(v.sum(axis=1)))
    if not r != 0.0:
        raise ValueError(f"intra_layer: the rows of the matrix for layer {layer} sum to 0 on average, so a "
                         "signal common to the layer would not pass; give a matrix with a nonzero "
                         "mean row sum")
    return v, r


def output_snr_gain(var_plain, var_mit) -> float:
    """The output layer's SNR gain, √(Σ Var y plain / Σ Var y mitigated) over all inputs and
    output neurons (SNR = E y / √Var y, the paper's Eq. 4; both networks compute the same
    function, so the means cancel).

    Sums, not a median of per-neuron ratios: a sum of many unbiased sample variances is
    close to its expectation, while the median of per-neuron ratios of sample variances is
    biased when outputs are heavy-tailed (a saturated logistic neuron's noise is close to
    log-normal, and the median of its sample variance lies below the variance).
    With network A that bias alone put simulated and predicted gains 31 % apart; with sums
    they agree within a few per cent.  inf when the mitigated variance is below
    :data:`CANCELLED` times the plain one: the noise cancels exactly (a ghost neuron and
    correlated additive noise) and only rounding is left.
    """
    plain = float(np.sum(var_plain))
    mit = float(np.sum(var_mit))
    if mit <= CANCELLED * plain:
        return float("inf")
    return math.sqrt(plain / mit) if plain > 0 else float("nan")


def snr_gain(plain: Network, mitigated: Network, inputs, noise, *, repeats: int | None = None,
             seed: int = 1) -> float:
    """The output SNR gain of ``mitigated`` over ``plain`` (:func:`output_snr_gain`).

    Predicted by default: ``fn.predict(method="moments")`` with full covariance
    matrices for both networks (two predictions made alike; ``method="auto"``
    could take the low-rank form for a wide pooled network only).  With
    ``repeats`` = K, simulated instead (``fn.simulate``, the same seed for both).

    Parameters
    ----------
    plain, mitigated : Network
        The network and its transform (same output layer).
    inputs : array_like (T, I_0)
    noise : Noise or list of Noise
        One per layer applies to both: the transforms keep the layer count.
    repeats : int, optional
        Simulate with K repetitions instead of predicting.
    seed : int

    Examples
    --------
    >>> import fastnoise as fn, numpy as np
    >>> net = fn.random_dense([4, 10, 3], activation="linear", seed=0)
    >>> noise = [None, fn.Noise(additive=1e-3), None]
    >>> round(fn.mitigation.snr_gain(net, fn.mitigation.pool(net, 1, 4), np.ones((2, 4)), noise), 6)
    2.0
    """
    if not isinstance(mitigated, Network) or mitigated.widths[-1] != plain.widths[-1]:
        raise ValueError("snr_gain: mitigated must be a Network with the plain network's output layer")
    if repeats is None:
        from .analytic.predict import predict

        a = predict(plain, inputs, noise, method="moments")
        b = predict(mitigated, inputs, noise, method="moments")
    else:
        from .simulate import simulate

        a = simulate(plain, inputs, noise, repeats=repeats, seed=seed)
        b = simulate(mitigated, inputs, noise, repeats=repeats, seed=seed)
    return output_snr_gain(a.var[-1], b.var[-1])


def describe(records: Sequence[dict]) -> str:
    """One line for a network's ``mitigation`` records, e.g. ``"pool(layers 1, 2; 4 copies), ghost(layer 1)"``."""
    parts = []
    for r in records:
        layers = r.get("layers", [])
        where = f"layer{'s' if len(layers) != 1 else ''} {', '.join(map(str, layers))}"
        extra = f"; {r['copies']} copies" if "copies" in r else ""
        parts.append(f"{r.get('kind', '?')}({where}{extra})")
    return ", ".join(parts) if parts else "none"
