"""Pieces shared by the command modules of :mod:`fastnoise.cli`: the parser class
whose errors are one line, argument types, the exception a Ctrl-C'd command
raises, the one-line error output, and helpers more than one command prints with."""

from __future__ import annotations

import argparse
import math
import sys

__all__ = ["PROG", "UsageError", "Parser", "Interrupted", "positive_int", "error", "jsonable",
           "add_method_options", "method_options", "accuracy_info", "accuracy_text"]

PROG = "fastnoise"


class UsageError(Exception):
    """A command-line usage error (reported like every other error)."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line naming its ``--help``."""

    def error(self, message):  # one line instead of usage + message
        raise UsageError(f"{message} (see '{self.prog} --help')")


class Interrupted(Exception):
    """A simulation stopped by Ctrl-C (exit status 1)."""


def positive_int(text: str) -> int:
    """argparse type: an integer ≥ 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def error(message: str, label: str = "error") -> None:
    """Print ``fastnoise: <label>: <message>`` as one line on stderr."""
    from ..io.errors import safe_text

    if getattr(sys.stderr, "isatty", lambda: False)():
        sys.stderr.write("\n")  # end a progress line drawn in place
    message = safe_text(message, limit=4000, ascii_only=False)  # one line, no raw bytes
    print(f"{PROG}: {label}" + (f": {message}" if message else ""), file=sys.stderr)


def jsonable(value):
    """NaN and inf become null, so that the output is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


# -- the analytic method options of predict and compare --------------------------

def add_method_options(parser, methods) -> None:
    """Add ``--method``, ``--order``, ``--nodes``, ``--inherit``, ``--density`` and
    ``--format`` to the parser of ``predict`` or ``compare``."""
    parser.add_argument("--method", "-m", default="auto", choices=list(methods), metavar="METHOD",
                        help=f"one of {', '.join(methods)} (default auto: density for symmetric "
                             "networks, moments otherwise; the output names the method that ran)")
    parser.add_argument("--order", type=positive_int, metavar="M",
                        help="Taylor order for --method taylor, 1..268 (default 15)")
    parser.add_argument("--nodes", type=positive_int, metavar="N",
                        help="Gauss–Hermite nodes for gauss (1..1000, default 64) or moments "
                             "(2..150, default 32)")
    parser.add_argument("--inherit", choices=["correlated", "uncorrelated"],
                        help="first-order/taylor/gauss: inherited noise as in Eq. 6 (correlated, "
                             "default) or Eq. 14 (uncorrelated)")
    parser.add_argument("--density", choices=["uniform", "normal", "quartic"],
                        help="state density p*(z) for --method trained (default quartic)")
    parser.add_argument("--format", choices=["table", "csv", "json"], default="table",
                        help="output format (default table)")


def method_options(args, net=None, time: dict | None = None) -> tuple[str, dict, str]:
    """(method to run, its options, a note on why ``auto`` chose it or "").

    For a reservoir ``time`` holds its ``mode`` and ``washout`` (added to the options)."""
    from ..network.reservoir import Reservoir

    if isinstance(net, Reservoir):
        return _reservoir_options(args, time or {})
    method, opts, note = args.method, {}, ""
    if method == "auto":
        from ..analytic.predict import choose_method

        method, opts, reason = choose_method(net)
        note = f"chosen by --method auto: {reason}"
    name = method if not note else f"{method} ({note})"
    if args.order is not None:
        if method != "taylor":
            raise UsageError(f"--order applies to --method taylor, not {name}")
        opts["order"] = args.order
    if args.nodes is not None:
        if method not in ("gauss", "moments"):
            raise UsageError(f"--nodes applies to --method gauss or moments, not {name}")
        opts["nodes"] = args.nodes
    if args.inherit is not None:
        if method not in ("first-order", "taylor", "gauss"):
            raise UsageError(f"--inherit applies to first-order/taylor/gauss, not {name}")
        opts["inherit"] = args.inherit
    if args.density is not None:
        if method != "trained":
            raise UsageError(f"--density applies to --method trained, not {name}")
        opts["density"] = args.density
    return method, opts, note


def _reservoir_options(args, time: dict) -> tuple[str, dict, str]:
    """A reservoir is predicted by the covariance recursion in time (``moments``)."""
    if args.method not in ("auto", "moments"):
        raise UsageError(f"--method {args.method} is for feed-forward networks; a reservoir is "
                         "predicted by moments (the covariance recursion in time)")
    for flag, value in (("--order", args.order), ("--inherit", args.inherit), ("--density", args.density)):
        if value is not None:
            raise UsageError(f"{flag} does not apply to a reservoir")
    note = "chosen by --method auto: a reservoir" if args.method == "auto" else ""
    opts = {"nodes": args.nodes} if args.nodes is not None else {}
    opts.update({k: time[k] for k in ("mode", "washout") if k in time})
    return "moments", opts, note


# -- classification under noise (simulate and info) ------------------------------

def accuracy_info(run) -> dict | None:
    """The accuracy record of a stored run that kept its predicted classes, else None."""
    from ..stats import accuracy

    if "predicted" not in run.group or not run.done.any():
        return None
    acc = accuracy(run)
    acc.pop("per_input_correct", None)
    return acc


def accuracy_text(acc: dict) -> str:
    """One line on classification under noise, from :func:`accuracy_info`."""
    if acc["accuracy_mean"] is None:
        return (f"classes: noisy argmax equals the noiseless one in {acc['agreement']:.2%} of "
                f"{acc['inputs']} inputs x {acc['repeats']} repetitions")
    return (f"accuracy under noise: {acc['accuracy_mean']:.2%} ± {acc['accuracy_std']:.2%} over "
            f"{acc['repeats']} repetitions (min {acc['accuracy_min']:.2%}, max "
            f"{acc['accuracy_max']:.2%}); noiseless {acc['noiseless_accuracy']:.2%}; noisy class = "
            f"noiseless class in {acc['agreement']:.2%} of {acc['inputs']} inputs x repetitions")
