"""Noise-mitigation transforms: a network in, a network with the same function out.

Each transform returns a new :class:`~fastnoise.network.Network` whose output
layer is the original one (same width, same order), so ``res.mean[-1]`` and
``res.var[-1]`` of the two compare directly; without noise it computes the
same function (up to rounding).  The transforms compose, and each appends a
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

Apply :func:`ghost` before :func:`pool`: pooling then also averages the ghost
neurons' own uncorrelated noise, which otherwise adds (Σ_i W_ji)² σ² (large in a
trained network such as network A).

Noise here is the paper's Eq. 3 placed after the activation; a ghost neuron
cannot cancel noise that passes through a nonlinearity, so :func:`ghost`
refuses layers with ``noise_at="input"``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .network import Network
from .validation import check_int

__all__ = ["pool", "ghost", "describe"]


def _hidden_layers(net: Network, layers, what: str) -> list[int]:
    """``layers`` checked: hidden layers 1 .. L−2 of ``net``, sorted, no repeats."""
    if not isinstance(net, Network):
        raise TypeError(f"{what} takes a fastnoise Network, got {type(net).__name__}")
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
                               mitigation=(*net.mitigation, record))


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
    chosen = _hidden_layers(net, layers, "pool")
    copies = check_int("copies", copies, 2)
    ws, bs = _layer_arrays(net)
    for n in chosen:
        ws[n] = np.repeat(ws[n], copies, axis=0)
        bs[n] = np.repeat(bs[n], copies)
        ws[n + 1] = np.repeat(ws[n + 1], copies, axis=1) / copies
    return _rebuild(net, ws, bs, {"kind": "pool", "layers": chosen, "copies": copies})


def ghost(net: Network, layers) -> Network:
    """Add one ghost neuron to each of the hidden ``layers``.

    The ghost neuron of layer n (its last neuron) has zero weights and bias,
    so its noiseless state is f(0) with the layer's activation f, and it
    carries the layer's noise.  Layer n + 1 reads it with the weight
    W_g[j] = −Σ_i W[j, i] over the layer's other neurons and gets
    −W_g[j]·f(0) added to its bias: the correlated additive noise of layer n
    cancels in x̃ of layer n + 1, and without noise the function is unchanged.

    Parameters
    ----------
    net : Network
    layers : int or sequence of int
        Hidden layers of ``net`` (1 … L − 2), each with its noise after the
        activation (``noise_at="output"``).

    Returns
    -------
    Network
        Each chosen layer has one more neuron; ``mitigation`` gains
        ``{"kind": "ghost", "layers": [...]}``.
    """
    chosen = _hidden_layers(net, layers, "ghost")
    for n in chosen:
        if net.noise_at[n] != "output":
            raise ValueError(f"ghost: layer {n} has noise_at='input' (noise before the activation), "
                             "which a ghost neuron cannot cancel; use it on layers with "
                             "noise_at='output'")
    ws, bs = _layer_arrays(net)
    for n in chosen:
        f0 = float(net.activations[n](np.zeros(1))[0])
        ws[n] = np.vstack([ws[n], np.zeros((1, ws[n].shape[1]))])
        bs[n] = np.append(bs[n], 0.0)
        w_g = -ws[n + 1].sum(axis=1)
        ws[n + 1] = np.hstack([ws[n + 1], w_g[:, None]])
        bs[n + 1] = bs[n + 1] - w_g * f0
    return _rebuild(net, ws, bs, {"kind": "ghost", "layers": chosen})


def describe(records: Sequence[dict]) -> str:
    """One line for a network's ``mitigation`` records, e.g. ``"pool(layers 1, 2; 4 copies), ghost(layer 1)"``."""
    parts = []
    for r in records:
        layers = r.get("layers", [])
        where = f"layer{'s' if len(layers) != 1 else ''} {', '.join(map(str, layers))}"
        extra = f"; {r['copies']} copies" if "copies" in r else ""
        parts.append(f"{r.get('kind', '?')}({where}{extra})")
    return ", ".join(parts) if parts else "none"
