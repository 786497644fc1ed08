"""The ``fastnoise train`` command: train the paper's network A, B or C, or a small CNN.

Examples
--------
::

    fastnoise train mnist --out A.h5
    fastnoise train fashion-mnist --out B.h5 --seed 1 --epochs 10
    fastnoise train mackey-glass --out C.h5 --overwrite --quiet
    fastnoise train mnist --arch cnn --out cnn_mnist.h5
    fastnoise train mnist --out A_noisy.h5 --train-noise additive=1e-3,multiplicative=1e-3
    fastnoise train mnist --out A_in.h5 --train-noise none --train-noise additive=1e-3 \
        --train-noise additive=1e-3 --train-noise none --train-noise-at input

Errors are raised as one-line exceptions (ValueError, FileExistsError,
FileNotFoundError, ImportError) for the caller, :func:`fastnoise.cli.app.main`, to print.
"""

from __future__ import annotations

import argparse
import os

__all__ = ["add_parser", "run"]

_TASKS = ("mnist", "fashion-mnist", "mackey-glass")
_NAMES = {"mnist": "A", "fashion-mnist": "B", "mackey-glass": "C"}


def _int_at_least(low: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer ≥ {low}, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"expected an integer ≥ {low}, got {value}")
        return value
    return parse


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1), got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1), got {value}")
    return value


def _noise_spec(text: str):
    """One ``--train-noise`` value: ``none`` or ``key=value[,key=value...]`` with the
    keys of :class:`fastnoise.Noise`; returns a Noise or None."""
    from ..noise import FIELDS, Noise
    from ..validation import did_you_mean

    text = text.strip()
    if text.lower() in ("none", ""):
        return None
    values = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep:
            raise argparse.ArgumentTypeError(f"expected key=value, got {part!r} "
                                             f"(keys: {', '.join(FIELDS)}; or 'none')")
        if key not in FIELDS:
            hint = did_you_mean(key, FIELDS) or f"; keys: {', '.join(FIELDS)}"
            raise argparse.ArgumentTypeError(f"unknown noise key {key!r}{hint}")
        try:
            values[key] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{key}={value!r} is not a number") from None
    try:
        return Noise(**values)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(" ".join(str(exc).split())) from None


def _places(text: str):
    """``--train-noise-at``: ``output``, ``input`` or a comma list of them, one per layer."""
    parts = [p.strip() for p in text.split(",")]
    for p in parts:
        if p not in ("output", "input"):
            raise argparse.ArgumentTypeError(f"expected output or input (or a comma list of them, one "
                                             f"per layer), got {p!r}")
    return parts[0] if len(parts) == 1 else parts


def _widths(text: str) -> tuple[int, ...]:
    parse = _int_at_least(1)
    return tuple(parse(p.strip()) for p in text.split(","))


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``train`` command to an argparse sub-parser collection; return its parser."""
    from ..train.torch_train import DEFAULTS

    epochs = ", ".join(f"{t} {DEFAULTS[t]['epochs']}" for t in _TASKS)
    cnn_epochs = ", ".join(f"{t} {DEFAULTS[(t, 'cnn')]['epochs']}" for t in _TASKS if (t, "cnn") in DEFAULTS)
    t = subparsers.add_parser(
        "train", help="train the paper's network A (mnist), B (fashion-mnist) or C (mackey-glass), or a small "
                 "CNN (--arch cnn)",
        description="Train one of the paper's networks with PyTorch (pip install torch==2.13.0) and "
                    "save it as a fastnoise network file: A, MNIST 784-200-200-10 with logistic "
                    "neurons and constant zero biases; B, Fashion-MNIST, same shape, biases trained; "
                    "C, one-step Mackey–Glass prediction 100-200-200-1 with a linear output. With "
                    "--arch cnn (mnist, fashion-mnist): a small CNN, conv 3×3×16 ReLU, max-pool 2, "
                    "conv 3×3×32 ReLU, max-pool 2, flatten, dense 64 (fashion-mnist 96) ReLU, dense 10. With "
                    "--arch esn (mackey-glass): a 300-neuron tanh reservoir (leak 0.5, spectral radius "
                    "0.95) whose linear readout is fitted by ridge regression, saved as a reservoir file "
                    "(fastnoise.io.reservoir_file). Prints "
                    "the noise-free test accuracy (A, B, CNN) or NRMSE (C, ESN) measured on the saved network.",
        epilog=f"Default epochs: {epochs}; --arch cnn: {cnn_epochs}. The same seed, thread count and "
               "PyTorch build give "
               "bitwise the same network. Image data: set FASTNOISE_DATA to the folder holding "
               "mnist/ and fashion-mnist/.")
    t.add_argument("task", choices=_TASKS, metavar="TASK", help="mnist, fashion-mnist or mackey-glass")
    t.add_argument("--out", "-o", metavar="NET.h5", required=True,
                   help="network file to write; an existing file is never replaced without --overwrite")
    t.add_argument("--arch", choices=("dense", "cnn", "esn"), default="dense",
                   help="network architecture: dense (the paper's A, B, C; default), cnn (a small "
                        "convolutional network; mnist and fashion-mnist only) or esn (an echo-state "
                        "reservoir with a ridge readout, mackey-glass only; SciPy, no PyTorch; "
                        "--train-noise gives the noise-aware readout)")
    t.add_argument("--seed", type=_int_at_least(0), default=0, metavar="S", help="random seed (default 0)")
    t.add_argument("--epochs", type=_int_at_least(1), metavar="E", help="training epochs (default per task)")
    t.add_argument("--validation", type=_fraction, default=0.1, metavar="V",
                   help="fraction of the training data held out for validation (default 0.1)")
    t.add_argument("--threads", "-j", type=_int_at_least(1), default=2, metavar="N",
                   help="PyTorch threads (default 2; part of what makes a run reproducible)")
    t.add_argument("--train-noise", type=_noise_spec, action="append", metavar="SPEC",
                   help="noise-aware training: the paper's Eq. 3 noise in the training forward pass, "
                        "e.g. additive=1e-3,multiplicative_correlated=1e-4 (keys additive, "
                        "additive_correlated, multiplicative, multiplicative_correlated) or none; "
                        "once for every layer, or once per layer, input layer first (4 times for the task's "
                        "widths, 2 + the number of --hidden widths otherwise; --arch cnn: once for the "
                        "input, convolution and dense layers, none on pooling and flatten, or 8 times, "
                        "7 + the number of --hidden widths)")
    t.add_argument("--train-noise-at", type=_places, default="output", metavar="PLACE",
                   help="where that noise acts: output (on y = f(x̃), the paper's model; default) or "
                        "input (on x̃ before the activation), or a comma list, one per layer")
    t.add_argument("--hidden", type=_widths, metavar="W[,W...]",
                   help="hidden layer widths instead of the task's 200,200, e.g. 20 for a 784-20-10 "
                        "classifier (--arch cnn: the dense layers after the flatten, default 64, fashion-mnist 96)")
    t.add_argument("--output", choices=("logistic", "softmax", "linear"), metavar="F",
                   help="output activation instead of the task's: logistic, softmax (classifiers: "
                        "trained with the categorical cross-entropy, saved with a softmax readout) "
                        "or linear")
    t.add_argument("--intra-layer", metavar="V", dest="intra_layer",
                   help="train with intra-layer connections in place on every hidden layer "
                        "(fastnoise.mitigation.intra_layer: y' = V y / mean row sum of V after the "
                        "noise): 'uniform' (all ones) or a .npy file holding the square matrix V; "
                        "--arch dense only")
    t.add_argument("--overwrite", action="store_true", help="replace an existing NET.h5")
    t.add_argument("--quiet", "-q", action="store_true", help="no per-epoch progress on stderr")
    t.set_defaults(func=run)
    return t


def _train_noise(args):
    """The ``--train-noise`` values as :func:`fastnoise.train.train` takes them."""
    given = getattr(args, "train_noise", None)
    if not given:
        return None
    if len(given) == 1:
        return given[0]
    from ..train.torch_train import layer_count

    n_layers = layer_count(args.task, getattr(args, "arch", "dense"), getattr(args, "hidden", None))
    if len(given) != n_layers:
        raise ValueError(f"--train-noise given {len(given)} times; give it once (every layer) or "
                         f"{n_layers} times (one per layer of {args.task}, input layer first)")
    return list(given)


def _intra_layer(args):
    """``--intra-layer`` as ``train``'s ``intra_layer=(hidden layers, matrix)``, or None."""
    spec = getattr(args, "intra_layer", None)
    if spec is None:
        return None
    if getattr(args, "arch", "dense") != "dense":
        raise ValueError(f"--intra-layer works with --arch dense only, got --arch {args.arch}")
    from ..train.torch_train import DEFAULTS

    hidden = args.hidden if args.hidden is not None else DEFAULTS[args.task]["widths"][1:-1]
    layers = list(range(1, len(hidden) + 1))
    if spec == "uniform":
        return layers, "uniform"
    if not os.path.isfile(spec):
        raise FileNotFoundError(f"--intra-layer {spec}: no such file; give 'uniform' or a .npy file")
    import numpy as np

    try:
        matrix = np.load(spec, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise ValueError(f"--intra-layer {spec}: not a .npy array ({exc})") from None
    return layers, matrix


def run(args) -> int:
    """Train, save and print the measured quality; return the exit status (0)."""
    from ..train import require_torch, save, train

    out = os.fspath(args.out)
    arch = getattr(args, "arch", "dense")
    if arch == "esn":
        return _run_esn(args, out)
    if arch != "dense":
        from ..train.torch_train import defaults

        defaults(args.task, arch)  # one line for mackey-glass, before anything else
    noise = _train_noise(args)
    if os.path.exists(out) and not args.overwrite:
        raise FileExistsError(f"{out} exists; pass --overwrite to replace it")
    folder = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"folder {folder} of --out does not exist; create it first")
    couple = _intra_layer(args)
    require_torch()
    from ..io.lock import write_lock

    with write_lock(out):  # from the start: a second training into the same --out is refused now
        if os.path.exists(out) and not args.overwrite:
            raise FileExistsError(f"{out} exists; pass --overwrite to replace it")
        net, report = train(args.task, seed=args.seed, epochs=args.epochs, progress=not args.quiet,
                            validation=args.validation, threads=args.threads, noise=noise,
                            noise_at=args.train_noise_at, hidden=args.hidden, output=args.output,
                            intra_layer=couple, arch=arch)
        save(net, report, out, overwrite=args.overwrite)  # written aside, renamed when complete
    if "test_accuracy" in report:
        quality = f"test accuracy {100 * report['test_accuracy']:.2f}% on {report['n_test']} images"
    else:
        quality = f"test NRMSE {report['test_nrmse']:.4f} on {report['n_test']} windows"
    trained = "" if not report.get("noise") else " with training noise"
    custom = args.hidden is not None or args.output is not None or args.intra_layer is not None
    if arch == "cnn":
        name, shape = "CNN" + (" (custom)" if custom else ""), report.get("architecture", "cnn")
    else:
        name, shape = "(custom)" if custom else _NAMES[args.task], "-".join(map(str, report["widths"]))
    print(f"network {name} ({args.task}, {shape}): {quality} "
          f"(noise-free, fastnoise.forward); {report['epochs']} epochs{trained}, seed {report['seed']}, "
          f"{report['wall_time_s']:.0f} s; saved to {out}")
    return 0


def _run_esn(args, out: str) -> int:
    """``--arch esn``: the Mackey–Glass reservoir (fastnoise.train.reservoir)."""
    import json

    from ..io import reservoir_file
    from ..train.reservoir import train_mackey_glass

    if args.task != "mackey-glass":
        raise ValueError(f"--arch esn is for mackey-glass, got {args.task}")
    given = getattr(args, "train_noise", None) or []
    if len(given) > 1:
        raise ValueError("--arch esn takes one --train-noise (on every layer of the reservoir)")
    noise = given[0] if given else None
    if os.path.exists(out) and not args.overwrite:
        raise FileExistsError(f"{out} exists; pass --overwrite to replace it")
    esn, report = train_mackey_glass(noise=noise, seed=args.seed)
    reservoir_file.save(esn, out, overwrite=args.overwrite, attrs={"training": json.dumps(report)})
    trained = "" if noise is None else " (noise-aware readout)"
    print(f"reservoir ESN (mackey-glass, {esn.units} neurons){trained}: one-step test NRMSE "
          f"{report['nrmse_one_step']:.2e}, closed loop {report['recipe']['closed_steps']} steps "
          f"{report['nrmse_closed_loop']:.3f} (noise-free); seed {args.seed}, "
          f"{report['wall_time_s']:.1f} s; saved to {out}")
    return 0


def _main(argv=None) -> int:
    """Stand-alone entry: ``python -m fastnoise.cli.train train TASK --out NET.h5 ...``."""
    import sys

    parser = argparse.ArgumentParser(prog="python -m fastnoise.cli.train")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, FileExistsError, FileNotFoundError, ImportError) as exc:
        print(f"fastnoise: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main())
