"""The ``fastnoise`` command line: the parser of every command, :func:`main` and
the CLI-wide exception guard.

Examples
--------
::

    fastnoise simulate examples/fig3.toml --out fig3.h5
    fastnoise simulate examples/fig3.toml --out fig3.h5 --resume    # after an interruption
    fastnoise sweep examples/sweep_small.toml --out sweep.h5
    fastnoise info fig3.h5
    fastnoise info fig3.h5 --run run0 --json
    fastnoise predict examples/fig3.toml          # method auto: density here (symmetric)
    fastnoise compare fig3.h5 --method gauss --format csv
    fastnoise plot fig3.h5 --kind snr-mean --out fig3_snr.pdf

Every error is one line on stderr, ``fastnoise: error: <message>``, with exit
status 2; an interrupted simulation exits with status 1; an unexpected error
(a bug) is one ``fastnoise: internal error: ...`` line saying where to report
it, exit status 3.  ``fastnoise --debug COMMAND ...`` (or
``FASTNOISE_TRACEBACK=1``) prints the traceback first.

Each command lives in its own module of :mod:`fastnoise.cli` (``simulate``,
``info``, ``predict``, ``compare``, ``sweep``, ``data``, ``train``, ``plot``,
``paper``) with ``add_parser(subparsers)`` and ``run(args)``; what they share is
in :mod:`fastnoise.cli.common`.
"""

from __future__ import annotations

import argparse
import os
import sys

from .._version import __version__
from ..runconfig import one_line
from .common import PROG, Interrupted, Parser, UsageError, error

__all__ = ["main", "build_parser", "COMMANDS", "REPORT_TO", "INTERNAL_ERROR"]

#: The commands, in the order of ``fastnoise --help``; each names its module in this package.
COMMANDS = ("simulate", "info", "predict", "compare", "sweep", "data", "train", "plot", "paper")


def build_parser() -> argparse.ArgumentParser:
    """The ``fastnoise`` argument parser, every command's ``add_parser`` applied in turn."""
    p = Parser(
        prog=PROG,
        description="Simulate noise propagation through deep neural networks of analog neurons "
                    "(Semenova, Larger & Brunner, Neural Networks 146, 2022) and inspect the "
                    "HDF5 stores the simulations write.",
        epilog="Run 'fastnoise COMMAND --help' for the options of a command. Errors are printed "
               "as one line and exit with status 2 (1 when interrupted, 3 for an internal "
               "error); --debug adds the traceback.")
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    p.add_argument("--debug", action="store_true",
                   help="print the traceback of an error before its one-line message (as "
                        "FASTNOISE_TRACEBACK=1 does)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    from . import compare, data, info, paper, plot, predict, simulate, sweep, train

    for command in (simulate, info, predict, compare, sweep, data, train, plot, paper):
        command.add_parser(sub)
    return p


# -- entry point -----------------------------------------------------------------

#: Where an internal error is to be reported (no public tracker is named in pyproject.toml).
REPORT_TO = ("the fastnoise maintainers, with the command and the output of "
             "'fastnoise --debug COMMAND ...'")
#: Exit status of an unexpected exception (a bug), distinct from 2 (an error the user can fix).
INTERNAL_ERROR = 3

#: Errors whose message is meant for the user: one line, exit status 2.
_EXPECTED = (FileExistsError, FileNotFoundError, ValueError, TypeError, OSError, ImportError)


def _debug_requested(argv) -> bool:
    if os.environ.get("FASTNOISE_TRACEBACK", "0").lower() not in ("0", "", "false", "no"):
        return True
    for arg in argv:  # global option: before the command
        if arg == "--debug":
            return True
        if not arg.startswith("-"):
            return False
    return False


def main(argv=None) -> int:
    """Run the ``fastnoise`` command; return the exit status.

    Every failure is one line on stderr: ``fastnoise: error: ...`` (status 2)
    for errors the user can fix, ``fastnoise: internal error: ...`` (status 3)
    for anything unexpected, ``fastnoise: interrupted`` (status 1).  With
    ``--debug`` (or ``FASTNOISE_TRACEBACK=1``) the traceback comes first.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).
    """
    argv = sys.argv[1:] if argv is None else [os.fspath(a) for a in argv]
    debug = _debug_requested(argv)
    try:
        return _main(argv)
    except Interrupted as exc:
        _report(exc, debug)
        error(str(exc), "interrupted")
        return 1
    except KeyboardInterrupt as exc:
        _report(exc, debug)
        error("", "interrupted")
        return 1
    except BrokenPipeError:  # e.g. 'fastnoise info STORE.h5 --json | head'
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes stdout
        return 1
    except SystemExit as exc:  # a command that exits itself
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        _report(exc, debug)
        error(one_line(exc))
        return 2
    except Exception as exc:  # noqa: BLE001 - the CLI-wide guard: never a bare traceback
        from ..io.errors import StoreError
        from ..sweep.runner import SweepError

        _report(exc, debug)
        if isinstance(exc, (UsageError, StoreError, SweepError) + _EXPECTED):
            error(one_line(exc))
            return 2
        if isinstance(exc, ArithmeticError):  # e.g. a prediction from weights of 1e300
            error(f"arithmetic overflow ({type(exc).__name__}: {one_line(exc)}): values in the "
                  "network, inputs or noise intensities are too large for float64; check them")
            return 2
        error(f"{type(exc).__name__}: {one_line(exc)}; please report it to {REPORT_TO} "
              "(rerun with --debug for the traceback)", "internal error")
        return INTERNAL_ERROR


def _main(argv) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else 0
    if args.command is None:
        raise UsageError("choose a command: simulate, sweep, info, predict, compare, plot, data, "
                         "train or paper (see 'fastnoise --help')")
    return args.func(args)


def _report(exc: BaseException, debug: bool) -> None:
    if debug:
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
