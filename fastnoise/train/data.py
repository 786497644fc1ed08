"""Data of the paper's three trained networks and their noise-free quality.

Torch-free: the shipped networks under ``fastnoise/paper/networks/`` can be checked
with :func:`evaluate` without PyTorch.

Tasks (paper Sec. IV)
---------------------
``"mnist"`` (network A), ``"fashion-mnist"`` (network B)
    :func:`fastnoise.io.datasets.load` (set ``FASTNOISE_DATA`` or see there
    where the files are searched); 28×28 images flattened to 784 inputs,
    scaled to [0, 1] by :func:`fastnoise.io.datasets.digits` (pixel/255);
    labels 0–9.  Quality: accuracy of the argmax of the 10 outputs.
``"mackey-glass"`` (network C)
    :func:`fastnoise.io.mackey_glass.series` with its defaults (τ = 17,
    dt = 1, h = 0.1, x0 = 1.2, 1000 time units discarded), 12 100 samples
    cut into 12 000 windows of 100 points, the target being the next point.
    Chronological split: windows 0–9 999 for training and validation (the
    validation set is the last ``validation`` fraction of them), windows
    10 000–11 999 for testing.  Quality: NRMSE = RMSE / std(targets).
"""

from __future__ import annotations

import functools

import numpy as np

from ..validation import check_choice

__all__ = ["TASKS", "MG_WIDTH", "MG_TRAIN", "MG_TEST", "task_data", "evaluate", "outputs", "nrmse"]

TASKS = ("mnist", "fashion-mnist", "mackey-glass")
MG_WIDTH = 100  #: points per Mackey–Glass input window
MG_TRAIN = 10_000  #: windows used for training + validation (the first ones)
MG_TEST = 2_000  #: windows used for testing (the following ones)


def check_task(task) -> str:
    return check_choice("task", task, TASKS)


@functools.lru_cache(maxsize=4)
def _load_images(name: str, split: str):
    """(images uint8 (N, 28, 28), labels uint8 (N,)) of MNIST or Fashion-MNIST (cached, read-only)."""
    images, labels = _read_images(name, split)
    images, labels = np.array(images, np.uint8), np.array(labels, np.uint8)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def _read_images(name: str, split: str):
    from ..io import datasets

    return datasets.load(name, split=split)


@functools.lru_cache(maxsize=1)
def _mackey_glass_windows():
    from ..io.mackey_glass import series, windows

    u, y = windows(series(MG_TRAIN + MG_TEST + MG_WIDTH), MG_WIDTH)
    u.setflags(write=False)
    y.setflags(write=False)
    return u, y


def task_data(task: str, split: str, validation: float = 0.1, seed: int = 0):
    """Inputs and targets of a task's split.

    Parameters
    ----------
    task : {"mnist", "fashion-mnist", "mackey-glass"}
    split : {"train", "val", "test"}
        ``"train"`` excludes the validation part.
    validation : float
        Fraction of the training data held out for validation, 0 ≤ v < 1.
        Images: a random subset drawn with ``seed``; Mackey–Glass: the last
        windows before the test part (chronological).
    seed : int
        Seed of the image train/validation split.

    Returns
    -------
    inputs : ndarray, (N, I_1) float64
        Images scaled to [0, 1] and flattened, or Mackey–Glass windows.
    targets : ndarray, (N,)
        Labels (int64) or next values (float64).
    """
    check_task(task)
    if split not in ("train", "val", "test"):
        raise ValueError(f"split must be 'train', 'val' or 'test', got {split!r}")
    if not (isinstance(validation, (int, float)) and 0 <= validation < 1):
        raise ValueError(f"validation must be a fraction in [0, 1), got {validation!r}")
    if task == "mackey-glass":
        u, y = _mackey_glass_windows()
        if split == "test":
            return u[MG_TRAIN:], y[MG_TRAIN:]
        n_val = int(round(validation * MG_TRAIN))
        cut = MG_TRAIN - n_val
        sl = slice(0, cut) if split == "train" else slice(cut, MG_TRAIN)
        return u[sl], y[sl]
    images, labels = _load_images(task, "test" if split == "test" else "train")
    images = images.reshape(len(images), -1)
    if split != "test":
        perm = np.random.default_rng(seed).permutation(len(labels))
        n_val = int(round(validation * len(labels)))
        idx = np.sort(perm[n_val:] if split == "train" else perm[:n_val])
        images, labels = images[idx], labels[idx]
    from ..io.datasets import digits

    return digits(images), np.asarray(labels, dtype=np.int64)


def nrmse(prediction, target) -> float:
    """Root-mean-square error divided by the standard deviation of the targets."""
    p = np.asarray(prediction, dtype=np.float64).reshape(-1)
    t = np.asarray(target, dtype=np.float64).reshape(-1)
    return float(np.sqrt(np.mean((p - t) ** 2)) / np.std(t))


def outputs(net, inputs, chunk: int = 500):
    """The noise-free outputs of the last layer, :func:`fastnoise.forward` (float64).

    A network with convolution maps (not :attr:`~fastnoise.Network.is_dense`)
    runs ``chunk`` inputs at a time: :func:`fastnoise.forward` keeps every
    layer's states, 20 000 numbers per input for the CNN of
    :func:`fastnoise.train.train`.  Each input's outputs are computed on their
    own either way.
    """
    from ..engine.execution import forward

    if getattr(net, "is_dense", True) or len(inputs) <= chunk:
        return forward(net, inputs)[1][-1]
    return np.concatenate([forward(net, inputs[i:i + chunk])[1][-1] for i in range(0, len(inputs), chunk)])


def evaluate(net, task: str, split: str = "test", validation: float = 0.1, seed: int = 0) -> dict:
    """Noise-free quality of a :class:`~fastnoise.Network` on a task.

    Uses :func:`fastnoise.forward` (float64).

    Returns
    -------
    dict
        ``{"accuracy": float}`` for the image tasks (argmax of the outputs),
        ``{"nrmse": float}`` for Mackey–Glass; plus ``"count"``.
    """
    inputs, targets = task_data(task, split, validation=validation, seed=seed)
    out = outputs(net, inputs)
    if task == "mackey-glass":
        return {"nrmse": nrmse(out[:, 0], targets), "count": int(len(targets))}
    return {"accuracy": float(np.mean(np.argmax(out, axis=1) == targets)), "count": int(len(targets))}
