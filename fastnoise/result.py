"""The result types' common ground: per-layer moments, the one SNR, accuracy.

A leaf of the package (it imports nothing from fastnoise), so that every layer
can use it: the engine builds :class:`Result`, ``io`` reads a stored run back
into one, ``stats`` and ``analytic`` (whose :class:`~fastnoise.Prediction`
derives from :class:`Moments`) compute the SNR with :func:`snr`.

**SNR semantics** (Eq. 4, everywhere in the package: ``Result.snr``,
``Prediction.snr``, :func:`fastnoise.stats.snr`, the summary and sweep tables,
the figures): SNR = E(y)/√Var(y) where that quotient is finite, and **NaN**
elsewhere — a noiseless neuron (Var = 0) has no finite SNR, nor has an input
not yet computed (NaN moments); an infinite variance (a diverged closure)
gives 0.  Tables and curves skip the NaN entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Moments", "Result", "snr", "layer_array", "accuracy"]


def snr(mean, var) -> np.ndarray:
    """E(y)/√Var(y) elementwise; NaN where that is not finite (Var = 0, NaN moments)."""
    mean, var = np.asarray(mean), np.asarray(var)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = mean / np.sqrt(var)
    return np.where(np.isfinite(out), out, np.nan)


def layer_array(source, kind: str, n: int) -> np.ndarray:
    """``source.<kind>`` of layer n, for a :class:`Moments` (lists) or a store Run (methods)."""
    value = getattr(source, kind)
    return value(n) if callable(value) else value[n]


def _attribute(source, name):
    value = getattr(source, name, None)
    return value() if callable(value) else value


@dataclass
class Moments:
    """Mean and variance of every layer's output y, input layer first.

    ``mean[n]`` and ``var[n]`` are (T, I_n) arrays.  The base of
    :class:`Result` (simulated) and :class:`~fastnoise.Prediction` (predicted).
    """

    mean: list
    var: list

    @property
    def n_layers(self) -> int:
        return len(self.mean)

    def snr(self, n: int) -> np.ndarray:
        """SNR = E(y)/√Var(y) of every neuron and input of layer n (Eq. 4); NaN
        where Var is 0 or a moment is unknown (see the module docstring)."""
        return snr(self.mean[n], self.var[n])


@dataclass
class Result(Moments):
    """Per-layer statistics of a simulation, input layer first.

    Attributes
    ----------
    mean, var : list of ndarray
        ``mean[n]``, ``var[n]`` have shape (T, I_n): mean and unbiased
        variance (over K repetitions) of the noisy output y of layer n.
    noiseless_xt, noiseless_x : list of ndarray
        The noiseless internal state x̃ and activation x, shape (T, I_n).
    config : dict
        What produced it (network shape, noise, repeats, seed, ...).
    samples : tuple or None
        ``(values (T, K, S), layer (S,), neuron (S,))`` when requested.
    histogram : tuple or None
        ``(counts (L, nb+2), lo (L,), hi (L,))``: counts of y per layer over
        all neurons, repetitions and inputs; bin 0 and bin nb+1 hold under-
        and overflow.
    predicted : ndarray or None
        (T, K) int32: the class (index of the largest output y) the noisy
        network chose in each repetition, when classifying.
    labels : ndarray or None
        (T,) int64 true classes, when given.
    """

    noiseless_xt: list
    noiseless_x: list
    config: dict = field(default_factory=dict)
    samples: Any = None
    histogram: Any = None
    done: np.ndarray | None = None
    predicted: np.ndarray | None = None
    labels: np.ndarray | None = None

    def accuracy(self) -> dict:
        """Classification under noise (see :func:`fastnoise.stats.accuracy`)."""
        return accuracy(self)

    def __repr__(self) -> str:
        shapes = [m.shape for m in self.mean]
        return f"Result(layers={self.n_layers}, shapes={shapes}, repeats={self.config.get('repeats')})"


def accuracy(source) -> dict:
    """Accuracy of a noisy classifier over repetitions and inputs.

    Parameters
    ----------
    source : Result or store Run
        Made with ``labels=`` (or ``classify=True``) so that the class the
        noisy network chose in every repetition was recorded.

    Returns
    -------
    dict
        ``accuracy_mean``, ``accuracy_std``, ``accuracy_min``,
        ``accuracy_max``: over the K repetitions, of the fraction of inputs
        classified correctly in that repetition; ``noiseless_accuracy``: of
        the noiseless network; ``agreement``: fraction of (input,
        repetition) pairs whose noisy class equals the noiseless one;
        ``per_input_correct``: (T,) fraction of repetitions that got input t
        right; ``inputs``, ``repeats``.  Accuracy entries are None without
        labels.
    """
    pred = _attribute(source, "predicted")
    if pred is None:
        raise ValueError("this result has no recorded classes; simulate with labels=... "
                         "(or classify=True, CLI: inputs from a dataset)")
    pred = np.asarray(pred)
    done = _attribute(source, "done")
    if done is not None:
        pred = pred[np.asarray(done, bool)]
    x_last = layer_array(source, "noiseless_x", source.n_layers - 1)
    if done is not None:
        x_last = x_last[np.asarray(done, bool)]
    clean = np.argmax(x_last, axis=1)
    out = {"inputs": int(pred.shape[0]), "repeats": int(pred.shape[1]),
           "agreement": float(np.mean(pred == clean[:, None])) if pred.size else float("nan")}
    labels = _attribute(source, "labels")
    if labels is None:
        out.update(accuracy_mean=None, accuracy_std=None, accuracy_min=None, accuracy_max=None,
                   noiseless_accuracy=None, per_input_correct=None)
        return out
    labels = np.asarray(labels)
    if done is not None:
        labels = labels[np.asarray(done, bool)]
    correct = pred == labels[:, None]                  # (T, K)
    per_rep = correct.mean(axis=0)                     # accuracy of each repetition
    out.update(accuracy_mean=float(per_rep.mean()), accuracy_std=float(per_rep.std(ddof=1)),
               accuracy_min=float(per_rep.min()), accuracy_max=float(per_rep.max()),
               noiseless_accuracy=float(np.mean(clean == labels)),
               per_input_correct=correct.mean(axis=1))
    return out
