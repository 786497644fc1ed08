"""Classification accuracy under noise, from the noisy-argmax reducer."""

from __future__ import annotations

import numpy as np

from .snr import layer_array as _layer

__all__ = ["accuracy"]


def layer_array(source, name):
    value = getattr(source, name, None)
    return value() if callable(value) else value


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
    pred = layer_array(source, "predicted")
    if pred is None:
        raise ValueError("this result has no recorded classes; simulate with labels=... "
                         "(or classify=True, CLI: inputs from a dataset)")
    pred = np.asarray(pred)
    done = layer_array(source, "done")
    if done is not None:
        pred = pred[np.asarray(done, bool)]
    x_last = _layer(source, "noiseless_x", source.n_layers - 1)
    if done is not None:
        x_last = x_last[np.asarray(done, bool)]
    clean = np.argmax(x_last, axis=1)
    out = {"inputs": int(pred.shape[0]), "repeats": int(pred.shape[1]),
           "agreement": float(np.mean(pred == clean[:, None])) if pred.size else float("nan")}
    labels = layer_array(source, "labels")
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
