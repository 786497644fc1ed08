"""Argument checks of a simulation: inputs, sampled neurons, labels and histogram ranges.

Each turns an argument of :func:`fastnoise.simulate` into the arrays the
kernels take, or raises with a message that names the bad value.
"""

from __future__ import annotations

import numpy as np

from ..network import Network, check_real
from ..validation import check_int

__all__ = ["validate_inputs", "sample_spec", "labels_spec", "hist_spec"]


def validate_inputs(net: Network, inputs) -> np.ndarray:
    """Return ``inputs`` as a C-contiguous (T, I_0) float64 array or raise."""
    check_real("inputs", inputs)
    try:
        u = np.array(inputs, dtype=np.float64, copy=True)
    except (TypeError, ValueError):
        raise TypeError(f"inputs must be a numeric array of shape (T, {net.widths[0]})") from None
    shape = tuple(net.input_shape)
    first = getattr(net, "input_order", "channels_last") == "channels_first"
    chw = (shape[2], shape[0], shape[1]) if first else None
    if len(shape) > 1 and u.shape[1:] == shape:          # shaped inputs (T, *input_shape)
        u = u.reshape(u.shape[0], -1)
    elif len(shape) > 1 and u.shape == shape:            # one shaped input
        u = u.reshape(1, -1)
    elif first and ((u.ndim in (3, 4) and u.shape[-3:] == chw)       # (T, C, H, W) or (C, H, W)
                    or (u.ndim in (1, 2) and u.shape[-1] == net.widths[0])):  # flattened C·H·W
        u = u.reshape(-1, *chw).transpose(0, 2, 3, 1).reshape(-1, net.widths[0])
    if u.ndim == 1 and net.widths[0] == 1:
        u = u[:, None]
    elif u.ndim == 1 and u.size == net.widths[0]:
        u = u[None, :]
    if u.ndim != 2 or u.shape[1] != net.widths[0]:
        also = f" or (T, {', '.join(map(str, shape))})" if len(shape) > 1 else ""
        also += f" or (T, {', '.join(map(str, chw))})" if first else ""
        raise ValueError(f"inputs must have shape (T, {net.widths[0]}){also} for this network's input "
                         f"layer, got {u.shape}")
    if u.shape[0] == 0:
        raise ValueError("inputs are empty; give at least one input row")
    if not np.all(np.isfinite(u)):
        bad = np.argwhere(~np.isfinite(u))[0]
        raise ValueError(f"inputs contain {u[tuple(bad)]} at row {bad[0]}, column {bad[1]}; "
                         "all inputs must be finite")
    return np.ascontiguousarray(u)


def sample_spec(net: Network, samples):
    if samples is None:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    pairs = [tuple(p) for p in samples]
    for p in pairs:
        if len(p) != 2:
            raise ValueError(f"samples must be (layer, neuron) pairs, got {p!r}")
        layer, neuron = int(p[0]), int(p[1])
        if not 0 <= layer < net.n_layers:
            raise ValueError(f"sample layer {layer} out of range 0..{net.n_layers - 1}")
        if not 0 <= neuron < net.widths[layer]:
            raise ValueError(f"sample neuron {neuron} out of range 0..{net.widths[layer] - 1} "
                             f"of layer {layer}")
    return (np.array([p[0] for p in pairs], np.int64), np.array([p[1] for p in pairs], np.int64))


def labels_spec(net: Network, labels, classify, T: int):
    """Validate ``labels``/``classify``; return (classify, labels array or None)."""
    n_out = net.widths[-1]
    if labels is not None:
        if classify is False:
            raise ValueError("labels were given with classify=False; drop one of them")
        try:
            lab = np.asarray(labels)
        except (TypeError, ValueError):
            raise TypeError("labels must be an array of T integer classes") from None
        if lab.ndim != 1 or lab.shape[0] != T:
            raise ValueError(f"labels must have shape ({T},), one class per input, got {lab.shape}")
        if not np.issubdtype(lab.dtype, np.integer):
            if not (np.issubdtype(lab.dtype, np.floating) and np.all(np.isfinite(lab))
                    and np.all(lab == np.round(lab))):
                raise ValueError(f"labels must be integer classes, got dtype {lab.dtype}")
        lab = lab.astype(np.int64)
        bad = (lab < 0) | (lab >= n_out)
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(f"labels[{i}] = {int(lab[i])} is not a class of the {n_out}-neuron "
                             f"output layer; classes are 0..{n_out - 1}")
        classify = True
    else:
        lab = None
    classify = bool(classify)
    if classify and n_out < 2:
        raise ValueError(f"classification needs an output layer of ≥ 2 neurons (one per class), "
                         f"the network has {n_out}")
    return classify, lab


def hist_spec(net: Network, histogram):
    """Normalise ``histogram`` to (lo (L,), hi (L,), n_bins) or None."""
    if histogram is None:
        return None
    if isinstance(histogram, dict):
        bins = histogram.get("bins", 100)
        rng = histogram.get("range", (0.0, 1.0))
    else:
        bins, rng = histogram
    bins = check_int("histogram bins", bins, 1)
    rng = np.asarray(rng, dtype=np.float64)
    if rng.shape == (2,):
        rng = np.tile(rng, (net.n_layers, 1))
    if rng.shape != (net.n_layers, 2) or not np.all(np.isfinite(rng)) or np.any(rng[:, 1] <= rng[:, 0]):
        raise ValueError("histogram range must be (lo, hi) with lo < hi, or one such pair per layer")
    return np.ascontiguousarray(rng[:, 0]), np.ascontiguousarray(rng[:, 1]), bins
