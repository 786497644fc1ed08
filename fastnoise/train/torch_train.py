"""Training the paper's networks A, B and C with PyTorch (paper Sec. IV).

PyTorch is imported only when a function here is called; without it they
raise a one-line ImportError.

Networks
--------
A (``"mnist"``)
    784-200-200-10, logistic f(x) = 1/(1+e^{−x}) in the hidden and output
    layers, **biases held constant at 0** (never trained: the paper's
    "constant, hence not optimized bias").
B (``"fashion-mnist"``)
    Same shape and activations, biases trained.
C (``"mackey-glass"``)
    100-200-200-1, logistic hidden layers, linear output, biases trained.

Training
--------
Adam, learning rate decayed with a cosine schedule to 0 over the epochs,
mini-batches reshuffled every epoch, Glorot-uniform initial weights (Keras's
default; the paper trained with Keras) and zero initial biases.  A uses
dropout 0.2 on the hidden neurons and random shifts of the images by up to
one pixel, B dropout 0.1 (these regularise training only; the saved network
is the plain feed-forward network of Eqs. 1–2).  Classifiers
minimise the binary cross-entropy between the 10 sigmoid outputs and the
one-hot labels (so the output of the right class goes to 1 and the others to
0, as in the paper's Fig. 5a), Mackey–Glass the mean squared error.
``train(..., hidden=(20,), output="softmax")`` trains the softmax classifier
of the follow-up study (784-20-10, categorical cross-entropy) instead.

CNN (``arch="cnn"``, image tasks only)
    28×28×1 → Conv 3×3, 16 channels, ReLU (valid) → max-pool 2 → Conv 3×3,
    32 channels, ReLU → max-pool 2 → flatten (800) → dense 64 (Fashion-MNIST:
    96), ReLU → dense 10 with the logistic output (or ``output="softmax"``)
    and the same loss as the dense classifiers; biases trained, Glorot-uniform
    initial weights, mini-batches of 128, shifts by up to one pixel, dropout
    0.3 on the hidden dense neurons for Fashion-MNIST.
    Trained in NCHW by PyTorch and saved as the fastnoise operations
    :class:`~fastnoise.network.Conv2D`, :class:`~fastnoise.network.MaxPool2D`,
    :class:`~fastnoise.network.Flatten`, :class:`~fastnoise.network.Dense`
    (channels-last: the kernels are permuted to (k_h, k_w, C_in, C_out) and the
    first dense layer's columns from PyTorch's (C, H, W) flatten order to
    (H, W, C)).  Dropout, if any, acts on the hidden dense neurons only.

Training runs in float32; the result is converted to a float64
:class:`~fastnoise.Network` whose :func:`fastnoise.forward` is checked against
the float64 PyTorch forward pass.

Reproducibility: all random numbers (initialisation, shuffling, training
noise) come from one ``torch.Generator`` seeded with ``seed``;
``torch.use_deterministic_algorithms(True)`` and a fixed thread count
(``threads``) are set for the run and restored afterwards, so the same seed,
thread count and PyTorch build give bitwise the same weights.
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np

from ..network.checks import noise_places
from ..validation import check_choice, check_int
from .data import check_task, evaluate, nrmse, task_data

__all__ = ["train", "to_network", "to_cnn_network", "save", "require_torch", "defaults", "layer_count",
           "ARCHS", "DEFAULTS"]

TORCH_PIN = "torch==2.13.0"

#: network architectures :func:`train` builds
ARCHS = ("dense", "cnn")

#: architecture and training defaults: ``DEFAULTS[task]`` for the dense networks A, B, C,
#: ``DEFAULTS[(task, "cnn")]`` for the CNN of an image task (see :func:`defaults`)
DEFAULTS = {
    "mnist": dict(widths=(784, 200, 200, 10), output="logistic", train_biases=False,
                  epochs=30, batch_size=64, lr=1e-3, dropout=0.2, shift=1),
    "fashion-mnist": dict(widths=(784, 200, 200, 10), output="logistic", train_biases=True,
                          epochs=40, batch_size=64, lr=2e-3, dropout=0.1, shift=0),
    "mackey-glass": dict(widths=(100, 200, 200, 1), output="linear", train_biases=True,
                         epochs=200, batch_size=32, lr=1e-3, dropout=0.0, shift=0),
    ("mnist", "cnn"): dict(input_shape=(28, 28, 1), channels=(16, 32), kernel=3, pool=2, hidden=(64,),
                           classes=10, output="logistic", train_biases=True,
                           epochs=12, batch_size=128, lr=2e-3, dropout=0.0, shift=1),
    # 96 hidden dense neurons, dropout and shifts: Fashion-MNIST's test accuracy reaches 91 % (64, no
    # shifts: 90.9 % after 40 epochs)
    ("fashion-mnist", "cnn"): dict(input_shape=(28, 28, 1), channels=(16, 32), kernel=3, pool=2,
                                   hidden=(96,), classes=10, output="logistic", train_biases=True,
                                   epochs=40, batch_size=128, lr=2e-3, dropout=0.3, shift=1),
}


def defaults(task: str, arch: str = "dense") -> dict:
    """A copy of the :data:`DEFAULTS` entry of ``task`` and ``arch``; a one-line ValueError
    for an unknown architecture or a CNN of Mackey–Glass."""
    check_task(task)
    arch = check_choice("arch", arch, ARCHS, "architecture")
    if arch == "dense":
        return dict(DEFAULTS[task])
    if (task, arch) not in DEFAULTS:
        raise ValueError(f"arch={arch!r} needs an image task (mnist or fashion-mnist), got {task!r}; "
                         "use arch='dense'")
    return dict(DEFAULTS[(task, arch)])


def _cnn_layers(cfg: dict) -> list[tuple]:
    """The CNN's layers 1 .. N−1 as (kind, size) pairs: ("conv", C_out), ("pool", p),
    ("flatten", None), ("dense", width)."""
    layers = []
    for c in cfg["channels"]:
        layers += [("conv", int(c)), ("pool", int(cfg["pool"]))]
    layers.append(("flatten", None))
    layers += [("dense", int(h)) for h in cfg["hidden"]]
    layers.append(("dense", int(cfg["classes"])))
    return layers


def layer_count(task: str, arch: str = "dense", hidden=None) -> int:
    """Layers of the network :func:`train` builds (input layer included): what a per-layer
    noise list must match."""
    cfg = defaults(task, arch)
    if arch == "dense":
        return len(cfg["widths"]) if hidden is None else len(tuple(hidden)) + 2
    if hidden is not None:
        cfg["hidden"] = tuple(hidden)
    return len(_cnn_layers(cfg)) + 1


def require_torch():
    """Import and return torch, or raise a one-line ImportError with the fix."""
    try:
        import torch
    except ImportError:
        raise ImportError(f"training needs PyTorch; install the CPU build with "
                          f"pip install {TORCH_PIN} --index-url https://download.pytorch.org/whl/cpu") from None
    return torch


def _fmt(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "--:--"
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def _noise_list(noise, n_layers: int, quiet=()):
    """Per-layer amplitudes (a_MU, a_AU, a_MC, a_AC) or None for a noiseless layer.

    ``quiet``: layers (pooling, flatten) that one Noise given for all leaves
    noiseless, as :func:`fastnoise.noise.per_layer` does; a list is taken as it is.
    """
    from ..noise import Noise

    if noise is None:
        return [None] * n_layers
    if isinstance(noise, Noise):
        noise = [None if n in quiet else noise for n in range(n_layers)]
    noise = list(noise)
    if len(noise) != n_layers:
        raise ValueError(f"got {len(noise)} Noise entries for {n_layers} layers; give one Noise or one per layer "
                         "(input layer first, None for a noiseless layer)")
    out = []
    for i, nz in enumerate(noise):
        if nz is not None and not isinstance(nz, Noise):
            raise TypeError(f"noise[{i}] must be a fastnoise.Noise or None, got {nz!r}")
        out.append(None if nz is None or nz.is_zero else nz.amplitudes)
    return out


def _apply_noise(torch, x, amps, gen):
    """Eq. 3: y = x(1+a_MU ξ)(1+a_MC ξ_c) + a_AU ξ' + a_AC ξ'_c, fresh per sample."""
    if amps is None:
        return x
    a_mu, a_au, a_mc, a_ac = amps
    if x.dim() != 2:  # a (B, C, H, W) map: the same noise on its neurons, flattened
        return _apply_noise(torch, x.reshape(x.shape[0], -1), amps, gen).reshape(x.shape)
    b, w = x.shape
    y = x
    if a_mu:
        y = y * (1 + a_mu * torch.randn(b, w, generator=gen, dtype=x.dtype))
    if a_mc:
        y = y * (1 + a_mc * torch.randn(b, 1, generator=gen, dtype=x.dtype))
    if a_au:
        y = y + a_au * torch.randn(b, w, generator=gen, dtype=x.dtype)
    if a_ac:
        y = y + a_ac * torch.randn(b, 1, generator=gen, dtype=x.dtype)
    return y


def _forward(torch, params, u, output, noise=None, gen=None, dropout=0.0, noise_at=None, couple=None):
    """Pre-activation of the output layer and the output, optionally noisy.

    ``noise``: per-layer amplitudes (:func:`_noise_list`), input layer first.
    ``noise_at``: one placement per layer, ``"output"`` (Eq. 3 on y = f(x̃),
    the paper's model; the default) or ``"input"`` (Eq. 3 on x̃, then f), as
    ``fastnoise.simulate`` places it.  The input layer is linear, so both
    placements are the same there.  ``dropout`` > 0 (training only) zeroes
    each hidden neuron's output with that probability and scales the others by
    1/(1 − p) (inverted dropout, so the network needs no change at inference);
    the masks come from ``gen``.  ``couple``: {layer n: C} intra-layer couplings,
    y_n ← y_n Cᵀ after layer n's noise (C = V / r̄, :func:`fastnoise.mitigation.intra_layer`).
    """
    amps = noise if noise is not None else [None] * (len(params) + 1)
    places = noise_at if noise_at is not None else ["output"] * (len(params) + 1)
    y = _apply_noise(torch, u, amps[0], gen)
    n_layers = len(params)
    for n, (w, b) in enumerate(params, start=1):
        xt = y @ w.T + b
        last = n == n_layers
        if places[n] == "input":
            xt = _apply_noise(torch, xt, amps[n], gen)
        if last and output == "linear":
            x = xt
        elif last and output == "softmax":
            x = torch.softmax(xt, dim=-1)
        else:
            x = torch.sigmoid(xt)
        y = x if places[n] == "input" else _apply_noise(torch, x, amps[n], gen)
        if dropout and not last:
            keep = torch.rand(y.shape, generator=gen, dtype=y.dtype) >= dropout
            y = y * keep / (1.0 - dropout)
        if couple and n in couple:
            y = y @ couple[n].to(y.dtype).T
    return xt, y


def _cnn_forward(torch, params, u, output, input_shape, noise=None, gen=None, dropout=0.0, noise_at=None):
    """As :func:`_forward`, for the CNN: the pre-activation of the output layer and the output.

    ``params``: one (kind, weight, bias) per layer 1 .. N−1, kind ``"conv"``
    (weight (C_out, C_in, k_h, k_w)), ``"pool"`` (weight: the pool size),
    ``"flatten"`` or ``"dense"`` (weight (I_out, I_in)).  ``u``: (B, H·W·C)
    channels-last images (``input_shape`` = (H, W, C)), run as (B, C, H, W).
    ``noise``/``noise_at``: one entry per layer, input layer first, as for
    :func:`_forward` (Eq. 3 on every neuron of a layer, maps included).
    Hidden neurons are ReLU; ``dropout`` acts on the hidden dense layers.
    """
    F = torch.nn.functional
    amps = noise if noise is not None else [None] * (len(params) + 1)
    places = noise_at if noise_at is not None else ["output"] * (len(params) + 1)
    h, w_, c = input_shape
    y = _apply_noise(torch, u, amps[0], gen).reshape(len(u), h, w_, c).permute(0, 3, 1, 2)
    n_layers = len(params)
    for n, (kind, w, b) in enumerate(params, start=1):
        last = n == n_layers
        if kind == "conv":
            xt = F.conv2d(y, w, b)
        elif kind == "pool":
            xt = F.max_pool2d(y, w)
        elif kind == "flatten":
            xt = y.flatten(1)  # PyTorch's (C, H, W) order; to_cnn_network reorders the next weights
        else:
            xt = y @ w.T + b
        if places[n] == "input":
            xt = _apply_noise(torch, xt, amps[n], gen)
        if kind in ("pool", "flatten") or (last and output == "linear"):
            x = xt
        elif last and output == "softmax":
            x = torch.softmax(xt, dim=-1)
        elif last:
            x = torch.sigmoid(xt)
        else:
            x = torch.relu(xt)
        y = x if places[n] == "input" else _apply_noise(torch, x, amps[n], gen)
        if dropout and kind == "dense" and not last:
            keep = torch.rand(y.shape, generator=gen, dtype=y.dtype) >= dropout
            y = y * keep / (1.0 - dropout)
    return xt, y


def _cnn_init(torch, layers, input_shape, gen, train_biases: bool, k: int):
    """Glorot-uniform weights (Keras' fan-in/fan-out of a kernel: k_h·k_w·C), zero biases,
    drawn from ``gen`` in layer order; one (kind, weight, bias) per layer."""
    params = []
    h, w_, c = input_shape
    width = None
    for kind, size in layers:
        if kind == "conv":
            fan_in, fan_out = k * k * c, k * k * size
            limit = math.sqrt(6.0 / (fan_in + fan_out))
            w = (torch.rand(size, c, k, k, generator=gen) * 2 - 1) * limit
            b = torch.zeros(size)
            w.requires_grad_(True)
            b.requires_grad_(train_biases)
            params.append((kind, w, b))
            h, w_, c = h - k + 1, w_ - k + 1, size
        elif kind == "pool":
            params.append((kind, size, None))
            h, w_ = h // size, w_ // size
        elif kind == "flatten":
            params.append((kind, None, None))
            width = h * w_ * c
        else:
            limit = math.sqrt(6.0 / (width + size))
            w = (torch.rand(size, width, generator=gen) * 2 - 1) * limit
            b = torch.zeros(size)
            w.requires_grad_(True)
            b.requires_grad_(train_biases)
            params.append((kind, w, b))
            width = size
    return params


def to_cnn_network(params, output: str, input_shape=(28, 28, 1)):
    """A float64 :class:`~fastnoise.Network` of channels-last operations from a CNN's layers.

    Parameters
    ----------
    params : list of (kind, weight, bias)
        As PyTorch holds them (NCHW): ``("conv", (C_out, C_in, k_h, k_w), (C_out,))``,
        ``("pool", size, None)`` (max-pooling), ``("flatten", None, None)``,
        ``("dense", (I_out, I_in), (I_out,))``; hidden layers ReLU, the last one
        ``output``.
    output : {"logistic", "softmax", "linear"}
    input_shape : (H, W, C)

    The kernels become (k_h, k_w, C_in, C_out) (Keras' layout); the columns of the
    dense layer after a flatten are reordered from PyTorch's (C, H, W) flatten order
    to fastnoise's (H, W, C), so the network computes exactly the PyTorch function.
    """
    from ..network import Conv2D, Dense, Flatten, MaxPool2D, Network

    ops = []
    shape = tuple(int(s) for s in input_shape)
    flattened = None
    for i, (kind, w, b) in enumerate(params):
        act = output if i == len(params) - 1 else "relu"
        if kind == "conv":
            op = Conv2D(np.asarray(w, np.float64).transpose(2, 3, 1, 0), np.asarray(b, np.float64),
                        in_shape=shape, activation=act)
        elif kind == "pool":
            op = MaxPool2D(int(w), in_shape=shape)
        elif kind == "flatten":
            op = Flatten(shape)
            flattened = shape
        elif kind == "dense":
            w = np.asarray(w, np.float64)
            if flattened is not None:  # columns (c, h, w) -> (h, w, c)
                fh, fw, fc = flattened
                w = w.reshape(len(w), fc, fh, fw).transpose(0, 2, 3, 1).reshape(len(w), -1)
                flattened = None
            op = Dense(w, np.asarray(b, np.float64), act)
        else:
            raise ValueError(f"unknown CNN layer kind {kind!r}; expected conv, pool, flatten or dense")
        ops.append(op)
        shape = tuple(op.out_shape)
    return Network.from_ops(tuple(int(s) for s in input_shape), ops)


def cnn_conversion_error(net, params, output: str, inputs, dtype="float64") -> float:
    """Max |fastnoise.forward − PyTorch forward| of a CNN on ``inputs``; the PyTorch side in
    ``dtype`` ("float64": the conversion alone; "float32": as trained)."""
    torch = require_torch()
    from ..engine.execution import forward

    tdt = torch.float64 if dtype == "float64" else torch.float32
    tp = [(k, w if k == "pool" or w is None else torch.as_tensor(np.asarray(w)).to(tdt),
           None if b is None else torch.as_tensor(np.asarray(b)).to(tdt)) for k, w, b in params]
    with torch.no_grad():
        ref = _cnn_forward(torch, tp, torch.from_numpy(np.array(inputs, np.float64)).to(tdt), output,
                           net.input_shape)[1].to(torch.float64).numpy()
    out = forward(net, inputs)[1][-1]
    return float(np.max(np.abs(out - ref)))


def _couplings(intra_layer, widths) -> dict:
    """``train``'s ``intra_layer=(layers, matrix)`` as {layer: V / r̄} (float64), checked as
    :func:`fastnoise.mitigation.intra_layer` checks it (layers against these widths)."""
    if intra_layer is None:
        return {}
    try:
        layers, matrix = intra_layer
    except (TypeError, ValueError):
        raise TypeError(f"intra_layer must be (layers, matrix), got {intra_layer!r}") from None
    from ..mitigation import coupling, hidden_layers
    from ..network import Network

    shape_only = Network.from_layers([np.zeros((widths[n], widths[n - 1])) for n in range(1, len(widths))])
    out = {}
    for n in hidden_layers(shape_only, layers, "intra_layer"):
        v, r = coupling(matrix, widths[n], n)
        out[n] = v / r
    return out


def _shift_images(torch, x, shift: int, gen):
    """Shift each flattened 28×28 image by random (dy, dx) ∈ [−shift, shift]², zero-filled."""
    b = x.shape[0]
    side = 28
    padded = torch.nn.functional.pad(x.reshape(b, side, side), (shift, shift, shift, shift))
    off = torch.randint(0, 2 * shift + 1, (2, b), generator=gen)
    ar = torch.arange(side)
    rows = (off[0][:, None] + ar)[:, :, None]
    cols = (off[1][:, None] + ar)[:, None, :]
    return padded[torch.arange(b)[:, None, None], rows, cols].reshape(b, side * side)


def to_network(weights, biases, output: str):
    """A float64 :class:`~fastnoise.Network` from per-layer weight/bias arrays."""
    from ..network import Network

    acts = ["logistic"] * (len(weights) - 1) + [output]
    return Network.from_layers([np.asarray(w, np.float64) for w in weights],
                               [np.asarray(b, np.float64) for b in biases], acts)


def conversion_error(net, weights, biases, output: str, inputs, couple=None) -> float:
    """Max |fastnoise.forward − float64 torch forward| on ``inputs``."""
    torch = require_torch()
    from ..engine.execution import forward

    params = [(torch.from_numpy(np.array(w, np.float64)), torch.from_numpy(np.array(b, np.float64)))
              for w, b in zip(weights, biases)]
    with torch.no_grad():
        ref = _forward(torch, params, torch.from_numpy(np.array(inputs, np.float64)), output,
                       couple=couple)[1].numpy()
    out = forward(net, inputs)[1][-1]
    return float(np.max(np.abs(out - ref)))


def train(task: str, seed: int = 0, epochs: int | None = None, progress=True, validation: float = 0.1, *,
          batch_size: int | None = None, lr: float | None = None, dropout: float | None = None,
          shift: int | None = None, threads: int = 2, noise=None, noise_at="output",
          max_samples: int | None = None, stream=None, hidden=None, output: str | None = None,
          intra_layer=None, arch: str = "dense"):
    """Train network A, B or C of the paper (or a small CNN) and convert it to a Network.

    Parameters
    ----------
    task : {"mnist", "fashion-mnist", "mackey-glass"}
        Network A, B or C (see the module docstring).
    seed : int
        Seeds initialisation, shuffling, the train/validation split of the
        images and the training noise.
    epochs : int, optional
        Passes over the training set (defaults in :data:`DEFAULTS`).
    progress : bool
        Print one line per epoch on stderr: epoch, loss, validation
        accuracy or NRMSE, elapsed time and ETA.
    validation : float
        Fraction of the training data held out for validation, 0 ≤ v < 1.
    batch_size, lr : optional
        Mini-batch size and initial Adam learning rate.
    dropout : float, optional
        Dropout probability of the hidden neurons during training, 0 ≤ p < 1
        (inverted dropout: the saved network is unchanged by it).
    shift : int, optional
        Image augmentation: every training image is shifted by a random whole
        number of pixels in [−shift, shift] along each axis (zeros shifted in),
        drawn afresh every epoch.  0 disables it; ignored for Mackey–Glass.
    threads : int
        PyTorch intra-op threads during training (part of what makes the
        result bitwise reproducible).
    noise : Noise or list of Noise, optional
        Noise-aware training: Eq. 3 applied to every layer's output (input
        layer included; a list gives one Noise per layer, None for a noiseless
        layer) in the training forward pass only.  Validation, test and the
        saved network are noise-free.
    noise_at : {"output", "input"} or list of them
        Where that noise acts, as in :func:`fastnoise.simulate`: on every
        layer's output y = f(x̃) (the paper's model) or on x̃ before the
        activation; one per layer, input layer first, or one for all.
    max_samples : int, optional
        Train on the first ``max_samples`` training samples only (quick runs).
    stream : file, optional
        Where the progress goes (default ``sys.stderr``).
    hidden : sequence of int, optional
        Widths of the hidden layers instead of the task's (200, 200), e.g.
        ``(20,)`` for the 784-20-10 classifier of Semenova & Brunner, Chaos 34,
        051101 (2024).
    output : {"logistic", "softmax", "linear"}, optional
        Output activation instead of the task's.  ``"softmax"`` (classifiers
        only) trains with the categorical cross-entropy and saves a network
        whose output layer is a softmax readout.
    intra_layer : (layers, matrix), optional
        Train with intra-layer connections in place
        (:func:`fastnoise.mitigation.intra_layer`: the outputs of each hidden
        layer in ``layers`` are mixed by V / r̄ after their noise, ``matrix`` V
        an (I, I) array or ``"uniform"``); the saved network is
        ``intra_layer(plain, layers, matrix)`` of the trained weights, so its
        function is the trained one and its ``mitigation`` records the
        coupling.  Dense networks only.
    arch : {"dense", "cnn"}
        ``"dense"``: network A, B or C.  ``"cnn"`` (mnist and fashion-mnist
        only): the small convolutional network of the module docstring,
        defaults in ``DEFAULTS[(task, "cnn")]``; ``hidden`` then gives the
        widths of its hidden dense layers, ``noise`` one Noise for all (Eq. 3
        on the input, convolution and dense neurons, none on pooling and
        flatten, as :func:`fastnoise.simulate` does) or one per layer of the
        saved network (8 by default).

    Returns
    -------
    net : Network
        The trained network, float64.
    report : dict
        task, arch, seed, epochs, hyper-parameters, ``test_accuracy`` or
        ``test_nrmse`` (measured with :func:`fastnoise.forward` on the
        converted network), ``val_curve`` (one value per epoch),
        ``loss_curve``, ``conversion_max_abs_diff``, ``wall_time_s``,
        ``torch_version``.
    """
    check_task(task)
    cfg = defaults(task, arch)
    cnn = arch == "cnn"
    if cnn and intra_layer is not None:
        raise ValueError("intra_layer works with arch='dense' only; drop it for arch='cnn'")
    torch = require_torch()
    epochs = cfg["epochs"] if epochs is None else epochs
    batch_size = cfg["batch_size"] if batch_size is None else batch_size
    lr = cfg["lr"] if lr is None else lr
    dropout = cfg["dropout"] if dropout is None else dropout
    if not (isinstance(dropout, (int, float)) and 0 <= dropout < 1):
        raise ValueError(f"dropout must be a probability in [0, 1), got {dropout!r}")
    shift = cfg["shift"] if shift is None else shift
    shift = check_int("shift", shift, 0, 8, "pixels")
    if task == "mackey-glass":
        shift = 0
    seed = check_int("seed", seed, 0)
    epochs, batch_size = check_int("epochs", epochs, 1), check_int("batch_size", batch_size, 1)
    threads = check_int("threads", threads, 1)
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    if max_samples is not None:
        max_samples = check_int("max_samples", max_samples, 1)
    classify = task != "mackey-glass"
    if hidden is not None:
        try:
            hidden = tuple(check_int("hidden width", h, 1) for h in hidden)
        except TypeError:
            raise TypeError(f"hidden must be a sequence of layer widths, got {hidden!r}") from None
        if cnn:
            cfg["hidden"] = hidden
        else:
            cfg["widths"] = (cfg["widths"][0], *hidden, cfg["widths"][-1])
    if output is not None:
        cfg["output"] = check_choice("output", output, ("logistic", "softmax", "linear"))
        if cfg["output"] == "softmax" and not classify:
            raise ValueError("output='softmax' needs a classification task (mnist or fashion-mnist), "
                             f"got {task!r}")
    if cnn:
        layers = _cnn_layers(cfg)
        n_layers = len(layers) + 1
        quiet = [n for n, (kind, _) in enumerate(layers, start=1) if kind in ("pool", "flatten")]
    else:
        n_layers, quiet = len(cfg["widths"]), ()
    amps = _noise_list(noise, n_layers, quiet)
    places = list(noise_places(noise_at, n_layers))
    couple_np = {} if cnn else _couplings(intra_layer, cfg["widths"])
    noisy = any(a is not None for a in amps)
    stream = sys.stderr if stream is None else stream
    t_start = time.perf_counter()

    u_tr, y_tr = task_data(task, "train", validation=validation, seed=seed)
    if max_samples is not None:
        u_tr, y_tr = u_tr[:max_samples], y_tr[:max_samples]
    u_va, y_va = task_data(task, "val", validation=validation, seed=seed) if validation > 0 else (None, None)
    output = cfg["output"]

    old_threads = torch.get_num_threads()
    old_det = torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(int(threads))
    torch.use_deterministic_algorithms(True)
    try:
        gen = torch.Generator().manual_seed(int(seed))
        if cnn:
            n_classes = cfg["classes"]
            params = _cnn_init(torch, layers, cfg["input_shape"], gen, cfg["train_biases"], cfg["kernel"])
            trainable = [p for _, w, b in params for p in (w, b) if isinstance(p, torch.Tensor) and p.requires_grad]

            def run_forward(x, noisy_amps=None, drop=0.0):
                return _cnn_forward(torch, params, x, output, cfg["input_shape"], noisy_amps, gen, drop,
                                    places)
        else:
            widths = cfg["widths"]
            n_classes = widths[-1]
            params = []
            for n in range(1, len(widths)):
                fan_in, fan_out = widths[n - 1], widths[n]
                limit = math.sqrt(6.0 / (fan_in + fan_out))
                w = (torch.rand(fan_out, fan_in, generator=gen) * 2 - 1) * limit
                b = torch.zeros(fan_out)
                w.requires_grad_(True)
                b.requires_grad_(cfg["train_biases"])
                params.append((w, b))
            # in the training dtype once, not converted in every forward pass
            couple = {n: torch.from_numpy(c).to(torch.float32) for n, c in couple_np.items()} or None
            trainable = [p for wb in params for p in wb if p.requires_grad]

            def run_forward(x, noisy_amps=None, drop=0.0):
                return _forward(torch, params, x, output, noisy_amps, gen, drop, places, couple)
        opt = torch.optim.Adam(trainable, lr=lr)
        steps_per_epoch = math.ceil(len(y_tr) / batch_size)
        total_steps = epochs * steps_per_epoch
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, total_steps) / total_steps)))

        x_all = torch.from_numpy(np.array(u_tr, dtype=np.float32))
        if classify:
            t_all = torch.nn.functional.one_hot(torch.from_numpy(np.array(y_tr)), n_classes).to(torch.float32)
        else:
            t_all = torch.from_numpy(np.array(y_tr, dtype=np.float32))[:, None]
        x_va = None if u_va is None else torch.from_numpy(np.array(u_va, dtype=np.float32))

        def loss_fn(xt, y, t):
            if not classify:
                return torch.mean((y - t) ** 2)
            if output == "softmax":  # categorical cross-entropy
                if amps[-1] is None or places[-1] == "input":  # stable form on the logits
                    return torch.nn.functional.cross_entropy(xt, t)
                return -torch.mean(torch.sum(t * torch.log(y.clamp(1e-7, 1.0)), dim=1))
            if amps[-1] is None or places[-1] == "input":  # stable form on the pre-activation
                return torch.nn.functional.binary_cross_entropy_with_logits(xt, t)
            return torch.nn.functional.binary_cross_entropy(y.clamp(1e-7, 1 - 1e-7), t)

        def validate():
            if x_va is None:
                return float("nan")
            with torch.no_grad():
                if cnn:  # in pieces: the convolution maps of 6000 images are large
                    out = np.concatenate([run_forward(x_va[i:i + 1000])[1].numpy()
                                          for i in range(0, len(x_va), 1000)])
                else:
                    out = run_forward(x_va)[1].numpy()
            if classify:
                return float(np.mean(np.argmax(out, axis=1) == y_va))
            return nrmse(out[:, 0], y_va)

        loss_curve, val_curve = [], []
        t_train = time.perf_counter()
        for epoch in range(1, epochs + 1):
            perm = torch.randperm(len(y_tr), generator=gen)
            total, count = 0.0, 0
            for i in range(0, len(y_tr), batch_size):
                idx = perm[i:i + batch_size]
                xb = x_all[idx] if not shift else _shift_images(torch, x_all[idx], shift, gen)
                xt, y = run_forward(xb, amps if noisy else None, dropout)
                loss = loss_fn(xt, y, t_all[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                total += float(loss.detach()) * len(idx)
                count += len(idx)
            loss_curve.append(total / count)
            val_curve.append(validate())
            if progress:
                elapsed = time.perf_counter() - t_train
                eta = elapsed / epoch * (epochs - epoch)
                what = ("no validation" if x_va is None else f"val acc {100 * val_curve[-1]:.2f}%" if classify
                        else f"val NRMSE {val_curve[-1]:.4f}")
                stream.write(f"train {task}: epoch {epoch}/{epochs} | loss {loss_curve[-1]:.5f} | {what} | "
                             f"elapsed {_fmt(elapsed)} | ETA {_fmt(eta)}\n")
                stream.flush()
        if cnn:
            cnn_params = [(k, w if k == "pool" or w is None else w.detach().to(torch.float64).numpy().copy(),
                           None if b is None else b.detach().to(torch.float64).numpy().copy())
                          for k, w, b in params]
        else:
            weights = [w.detach().to(torch.float64).numpy().copy() for w, _ in params]
            biases = [b.detach().to(torch.float64).numpy().copy() for _, b in params]
    finally:
        torch.set_num_threads(old_threads)
        torch.use_deterministic_algorithms(old_det)

    u_te, y_te = task_data(task, "test")
    extra = {}
    if cnn:
        net = to_cnn_network(cnn_params, output, cfg["input_shape"])
        diff = cnn_conversion_error(net, cnn_params, output, u_te[:256])
        # the float32 model as trained against the float64 network: rounding only
        extra["conversion_max_abs_diff_float32"] = cnn_conversion_error(net, cnn_params, output, u_te[:256],
                                                                        "float32")
    else:
        net = to_network(weights, biases, output)
        if couple_np:
            from ..mitigation import intra_layer as _intra_layer

            net = _intra_layer(net, sorted(couple_np), intra_layer[1])
        diff = conversion_error(net, weights, biases, output, u_te[:256],
                                {n: torch.from_numpy(c) for n, c in couple_np.items()})
    if not diff <= 1e-10:
        raise RuntimeError(f"the converted network differs from the PyTorch model by {diff:.3g} (> 1e-10)")
    quality = evaluate(net, task, "test")
    if cnn:
        kinds = {"conv": f"conv{cfg['kernel']}x{cfg['kernel']}x", "pool": "maxpool", "flatten": "flatten",
                 "dense": "dense"}
        architecture = "-".join(kinds[k] + ("" if v is None else str(v)) for k, v in layers)
        arch_report = {
            "network": "CNN", "architecture": architecture, "input_shape": list(cfg["input_shape"]),
            "channels": list(cfg["channels"]), "kernel": int(cfg["kernel"]), "pool": int(cfg["pool"]),
            "hidden": list(cfg["hidden"]), "shapes": [list(sh) for sh in net.shapes],
            "widths": list(net.widths), "ops": [op.kind for op in net.ops], "hidden_activation": "relu"}
    else:
        arch_report = {"network": {"mnist": "A", "fashion-mnist": "B", "mackey-glass": "C"}[task],
                       "widths": list(cfg["widths"]), "hidden_activation": "logistic"}
    report = {
        "task": task, "arch": arch, "network": arch_report.pop("network"),
        "seed": int(seed), "epochs": int(epochs), "batch_size": int(batch_size), "lr": float(lr),
        "dropout": float(dropout), "shift": int(shift),
        "schedule": "cosine", "optimizer": "Adam", "threads": int(threads), "validation": float(validation),
        **arch_report, "output_activation": output,
        "biases_trained": bool(cfg["train_biases"]),
        "loss": ("categorical cross-entropy" if output == "softmax" else "binary cross-entropy (one-hot)")
                if classify else "mean squared error",
        "n_train": int(len(y_tr)), "n_val": 0 if y_va is None else int(len(y_va)),
        "n_test": quality["count"],
        "loss_curve": [float(v) for v in loss_curve],
        "val_curve": [float(v) if v == v else None for v in val_curve],  # None: no validation set
        "val_metric": "accuracy" if classify else "nrmse",
        "conversion_max_abs_diff": diff, **extra,
        "noise": None if noise is None else (
            [None if nz is None else nz.to_dict() for nz in noise] if isinstance(noise, (list, tuple))
            else noise.to_dict()),
        "noise_at": places if noisy else None,
        "intra_layer": None if not couple_np else {"layers": sorted(couple_np),
                                                    "matrix": intra_layer[1] if isinstance(intra_layer[1], str)
                                                    else "given"},
        "max_samples": max_samples,
        "wall_time_s": round(time.perf_counter() - t_start, 3),
        "torch_version": torch.__version__,
    }
    from .._version import __version__

    report["fastnoise_version"] = __version__
    if classify:
        report["test_accuracy"] = quality["accuracy"]
    else:
        report["test_nrmse"] = quality["nrmse"]
    return net, report


def save(net, report: dict, path, overwrite: bool = False) -> None:
    """Save a trained network (:meth:`Network.save`) with its report as JSON attribute ``training``."""
    import json

    net.save(path, overwrite=overwrite, attrs={"training": json.dumps(report)})
