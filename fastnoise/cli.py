"""The ``fastnoise`` command line: run TOML configs into HDF5 stores, inspect stores.

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
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import warnings

from ._version import __version__
from .clicommon import Interrupted, positive_int
from .runconfig import one_line

__all__ = ["main"]

PROG = "fastnoise"
_NOISE_SHORT = (("additive", "D_A^U"), ("additive_correlated", "D_A^C"),
                ("multiplicative", "D_M^U"), ("multiplicative_correlated", "D_M^C"))


class _UsageError(Exception):
    """A command-line usage error (reported like every other error)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line instead of usage + message
        raise _UsageError(f"{message} (see '{self.prog} --help')")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
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

    s = sub.add_parser(
        "simulate", help="run a TOML config and stream the results into an HDF5 store",
        description="Run the K noisy repetitions of every input described by a TOML run config "
                    "(network, inputs, noise, repeats, seed; see examples/*.toml), stream "
                    "per-neuron means and variances into an HDF5 store, and print a per-layer "
                    "summary (mean output, variance, SNR).",
        epilog="Results depend only on the config (and seed), never on --threads or --block. "
               "An interrupted run keeps every completed block; rerun the same command with "
               "--resume to compute only what is missing.")
    s.add_argument("config", metavar="CONFIG.toml", help="TOML run config")
    s.add_argument("--out", "-o", metavar="STORE.h5", required=True,
                   help="HDF5 store to write; an existing file is never replaced without "
                        "--overwrite")
    mode = s.add_mutually_exclusive_group()
    mode.add_argument("--resume", action="store_true",
                      help="complete the run held by an existing STORE.h5 (made with the same "
                           "config); starts a new store when the file does not exist")
    mode.add_argument("--overwrite", action="store_true",
                      help="replace an existing STORE.h5")
    s.add_argument("--threads", "-j", type=positive_int, metavar="N",
                   help="Numba threads (default: all cores)")
    s.add_argument("--block", type=positive_int, metavar="B",
                   help="inputs per kernel call and store write (default: [output] block of the "
                        "config, else 64); smaller blocks report progress and save more often")
    s.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    s.add_argument("--allow-nonfinite", action="store_true",
                   help="accept NaN or infinite means and variances (arithmetic overflow from huge "
                        "noise intensities, inputs or weights); without it such a run fails, "
                        "its results kept in STORE.h5")
    s.set_defaults(func=_cmd_simulate)

    i = sub.add_parser(
        "info", help="describe the runs of an HDF5 store",
        description="List the runs of a fastnoise store: status, inputs done, repeats, seed, "
                    "widths, noise per layer, the fastnoise version that wrote it, creation time "
                    "and a per-layer summary table (mean output, variance, SNR).")
    i.add_argument("store", metavar="STORE.h5", help="a store written by 'fastnoise simulate' or "
                                                     "fastnoise.simulate(..., store=...)")
    i.add_argument("--run", metavar="NAME", help="only this run (default: all runs)")
    i.add_argument("--json", action="store_true", help="print machine-readable JSON instead")
    i.set_defaults(func=_cmd_info)

    from .analytic.predict import METHODS

    methods = "; ".join(f"{k}: {v}" for k, v in METHODS.items())
    pr = sub.add_parser(
        "predict", help="predict every layer's noise analytically from a TOML config",
        description="Predict mean, variance and SNR of every layer for the network, inputs and "
                    "noise of a TOML run config, without simulating (milliseconds to seconds). "
                    f"Methods — {methods}.")
    pr.add_argument("config", metavar="CONFIG.toml", help="TOML run config (as for simulate)")
    cm = sub.add_parser(
        "compare", help="compare an analytic prediction with a simulated store",
        description="Predict the run held by a store with an analytic method and print, per "
                    "layer, the median and 90th-percentile relative error of the predicted "
                    "variance next to the errors a perfect prediction would show from Monte "
                    f"Carlo sampling alone. Methods — {methods}.")
    cm.add_argument("store", metavar="STORE.h5", help="a store written by 'fastnoise simulate'")
    cm.add_argument("--run", metavar="NAME", help="run to compare (default: the last)")
    for q in (pr, cm):
        q.add_argument("--method", "-m", default="auto", choices=list(METHODS), metavar="METHOD",
                       help=f"one of {', '.join(METHODS)} (default auto: density for symmetric "
                            "networks, moments otherwise; the output names the method that ran)")
        q.add_argument("--order", type=positive_int, metavar="M",
                       help="Taylor order for --method taylor, 1..268 (default 15)")
        q.add_argument("--nodes", type=positive_int, metavar="N",
                       help="Gauss–Hermite nodes for gauss (1..1000, default 64) or moments "
                            "(2..150, default 32)")
        q.add_argument("--inherit", choices=["correlated", "uncorrelated"],
                       help="first-order/taylor/gauss: inherited noise as in Eq. 6 (correlated, "
                            "default) or Eq. 14 (uncorrelated)")
        q.add_argument("--density", choices=["uniform", "normal", "quartic"],
                       help="state density p*(z) for --method trained (default quartic)")
        q.add_argument("--format", choices=["table", "csv", "json"], default="table",
                       help="output format (default table)")
    pr.set_defaults(func=_cmd_predict)
    cm.set_defaults(func=_cmd_compare)

    from . import datacli, papercli, plotcli, sweepcli, traincli

    sweepcli.add_parser(sub)
    datacli.add_parser(sub)
    traincli.add_parser(sub)
    plotcli.add_parser(sub)
    papercli.add_parser(sub)
    return p


def _method_options(args, net=None) -> tuple[str, dict, str]:
    """(method to run, its options, a note on why ``auto`` chose it or "")."""
    method, opts, note = args.method, {}, ""
    if method == "auto":
        from .analytic.predict import choose_method

        method, opts, reason = choose_method(net)
        note = f"chosen by --method auto: {reason}"
    name = method if not note else f"{method} ({note})"
    if args.order is not None:
        if method != "taylor":
            raise _UsageError(f"--order applies to --method taylor, not {name}")
        opts["order"] = args.order
    if args.nodes is not None:
        if method not in ("gauss", "moments"):
            raise _UsageError(f"--nodes applies to --method gauss or moments, not {name}")
        opts["nodes"] = args.nodes
    if args.inherit is not None:
        if method not in ("first-order", "taylor", "gauss"):
            raise _UsageError(f"--inherit applies to first-order/taylor/gauss, not {name}")
        opts["inherit"] = args.inherit
    if args.density is not None:
        if method != "trained":
            raise _UsageError(f"--density applies to --method trained, not {name}")
        opts["density"] = args.density
    return method, opts, note


def _cmd_predict(args) -> int:
    from .analytic import predict
    from .runconfig import load_config
    from .stats import layer_summary, summary_table

    cfg = load_config(args.config)
    method, opts, note = _method_options(args, cfg.network)
    start = time.perf_counter()
    pred = predict(cfg.network, cfg.inputs, cfg.noise, method=method, **opts)
    wall = time.perf_counter() - start
    rows = layer_summary(pred)
    if args.format == "json":
        print(json.dumps(_jsonable({"method": pred.method, "requested": args.method, "note": note,
                                    "options": opts, "seconds": wall, "layers": rows}), indent=2))
    elif args.format == "csv":
        keys = list(rows[0])
        print(",".join(["method"] + keys))
        for r in rows:
            print(",".join([pred.method] + [repr(r[k]) if isinstance(r[k], float) else str(r[k])
                                            for k in keys]))
    else:
        extra = "".join(f", {k}={v}" for k, v in opts.items())
        print(f"prediction: method {pred.method}{extra}{f' ({note})' if note else ''}, network "
              f"{'-'.join(map(str, cfg.network.widths))}, {cfg.inputs.shape[0]} inputs")
        print(summary_table(pred))
        print(f"wall time: {wall:.3f} s")
    return 0


def _cmd_compare(args) -> int:
    from .analytic import compare, predict
    from .io.store import Store
    from .noise import Noise

    if args.method != "auto":       # a misplaced option is a usage error before any reading
        _method_options(args)
    with Store(args.store, "r") as store:
        run = store.run(args.run)
        if not run.done.all():
            raise ValueError(f"run {run.name!r} in {args.store} is incomplete "
                             f"({int(run.done.sum())}/{run.done.size} inputs); finish it with "
                             "'fastnoise simulate CONFIG --out STORE --resume' first")
        res = run.to_result()
        net = run.network()
        inputs = run.inputs
        noise = [Noise.from_dict(d) for d in run.config["noise"]]
    method, opts, note = _method_options(args, net)
    start = time.perf_counter()
    pred = predict(net, inputs, noise, method=method, **opts)
    wall = time.perf_counter() - start
    table = compare(res, pred)
    if args.format == "json":
        print(table.to_json())
    elif args.format == "csv":
        print(table.to_csv(), end="")
    else:
        if note:
            extra = "".join(f", {k}={v}" for k, v in opts.items())
            print(f"method {pred.method}{extra}: {note}")
        print(table.to_text())
        print(f"prediction wall time: {wall:.3f} s")
    return 0


# -- simulate --------------------------------------------------------------------

def _cmd_simulate(args) -> int:
    from .io.store import Store
    from .runconfig import load_config
    from .simulate import NonFiniteWarning, simulate
    from .stats import summary_table

    cfg = load_config(args.config)
    out = args.out
    if os.path.isdir(out):
        raise IsADirectoryError(f"--out {out} is a folder; give a file name such as "
                                f"{os.path.join(out, 'run.h5')}")
    folder = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"--out {out}: folder {folder} does not exist; create it first")
    kwargs = cfg.simulate_kwargs()
    if args.block is not None:
        kwargs["block"] = args.block
    start = time.perf_counter()
    reused, existed = False, os.path.exists(out)
    if existed and not (args.resume or args.overwrite):
        # an identical complete run is reused as it is; anything else is never touched
        from .simulate import plan, reusable_run

        name = reusable_run(out, plan(**kwargs).config, label=f"--out {out}",
                            overwrite="--overwrite", resume="--resume")
        reused = True
        print(f"{out} already holds this run, complete: nothing to compute "
              "(--overwrite recomputes it)")
    try:
        if not reused:
            with warnings.catch_warnings():  # reported below from the store, as one line
                warnings.simplefilter("ignore", NonFiniteWarning)
                simulate(**kwargs, store=out, resume=args.resume, overwrite=args.overwrite,
                         threads=args.threads, progress=not args.quiet, keep=False)
    except KeyboardInterrupt:
        if args.overwrite and existed:
            raise Interrupted(f"{out} is unchanged (the replacing run was discarded)") from None
        raise Interrupted(f"completed blocks are saved in {out}; run "
                           f"'fastnoise simulate {args.config} --out {out} --resume' to continue")
    wall = time.perf_counter() - start
    with Store(out, "r") as store:
        run = store.run(name if reused else None)
        nonfinite = run.group.attrs.get("nonfinite")
        if nonfinite is not None and not args.allow_nonfinite:
            counts = json.loads(nonfinite)
            layer = next(n for n, (a, b) in enumerate(zip(counts["mean"], counts["var"])) if a or b)
            total = int(run.done.size) * sum(run.widths)
            raise ValueError(f"{sum(counts['mean'])} of {total} means and {sum(counts['var'])} of "
                             f"{total} variances of run {run.name} are not finite (layer {layer} first): noise intensities, "
                             "inputs or weights too large? The results are kept in "
                             f"{out}; pass --allow-nonfinite to accept them")
        done = run.done
        print(f"run {run.name}: {run.status}, {int(done.sum())}/{done.size} inputs, "
              f"network {'-'.join(map(str, run.widths))}, {cfg.repeats} repeats, seed {cfg.seed}")
        print(summary_table(run))
        acc = _accuracy_info(run)
        if acc is not None:
            print(_accuracy_text(acc))
    print(f"store: {out}")
    print(f"wall time: {wall:.2f} s")
    return 0


# -- info ------------------------------------------------------------------------

def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _run_info(run) -> dict:
    cfg = run.config
    done = run.done
    return {
        "name": run.name,
        "status": run.status,
        "inputs_done": int(done.sum()),
        "inputs_total": int(done.size),
        "repeats": cfg.get("repeats"),
        "seed": cfg.get("seed"),
        "stream": cfg.get("stream", 0),
        "widths": run.widths,
        "activations": cfg["network"].get("activations"),
        "noise": cfg.get("noise"),
        "samples": cfg.get("samples") or None,
        "histogram": cfg.get("histogram"),
        "fastnoise_version": run.text("fastnoise_version", "unknown"),
        "created": run.text("created", "unknown"),
        "config_hash": run.config_hash,
        "accuracy": _accuracy_info(run),
    }


def _accuracy_info(run) -> dict | None:
    from .stats import accuracy

    if "predicted" not in run.group or not run.done.any():
        return None
    acc = accuracy(run)
    acc.pop("per_input_correct", None)
    return acc


def _accuracy_text(acc: dict) -> str:
    """One line on classification under noise, from :func:`_accuracy_info`."""
    if acc["accuracy_mean"] is None:
        return (f"classes: noisy argmax equals the noiseless one in {acc['agreement']:.2%} of "
                f"{acc['inputs']} inputs x {acc['repeats']} repetitions")
    return (f"accuracy under noise: {acc['accuracy_mean']:.2%} ± {acc['accuracy_std']:.2%} over "
            f"{acc['repeats']} repetitions (min {acc['accuracy_min']:.2%}, max "
            f"{acc['accuracy_max']:.2%}); noiseless {acc['noiseless_accuracy']:.2%}; noisy class = "
            f"noiseless class in {acc['agreement']:.2%} of {acc['inputs']} inputs x repetitions")


def _jsonable(value):
    """NaN and inf become null, so that the output is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _noise_text(noise: dict) -> str:
    parts = [f"{short}={noise[key]:g}" for key, short in _NOISE_SHORT if noise.get(key)]
    return ", ".join(parts) if parts else "none"


def _activation_text(act: dict) -> str:
    if act.get("custom") or act.get("name") == "cubic":
        return act.get("name", "?")
    return f"{act.get('name', '?')}({act.get('param', 0.0):g})"


def _print_run(info: dict, table: str) -> None:
    state = info["status"]
    if info["inputs_done"] < info["inputs_total"]:
        state += " (incomplete; 'fastnoise simulate CONFIG --out STORE --resume' completes it)"
    print(f"run {info['name']}: {state}")
    print(f"  inputs       {info['inputs_done']}/{info['inputs_total']} done")
    print(f"  repeats      {info['repeats']}")
    print(f"  seed         {info['seed']} (stream {info['stream']})")
    print(f"  widths       {'-'.join(map(str, info['widths']))}")
    if info["activations"]:
        print(f"  activations  {', '.join(_activation_text(a) for a in info['activations'])}")
    noise = info["noise"] or []
    if noise and all(nz == noise[0] for nz in noise):
        print(f"  noise        every layer: {_noise_text(noise[0])}")
    else:
        print("  noise")
        for n, nz in enumerate(noise):
            print(f"    layer {n}: {_noise_text(nz)}")
    if info["samples"]:
        print(f"  samples      {info['samples']} (layer, neuron)")
    if info["histogram"]:
        print(f"  histogram    {info['histogram']['bins']} bins per layer")
    print(f"  written by   fastnoise {info['fastnoise_version']}, created {info['created']}")
    print("  " + table.replace("\n", "\n  "))
    if info.get("accuracy"):
        print("  " + _accuracy_text(info["accuracy"]))


def _cmd_info(args) -> int:
    from .io.store import Store
    from .stats import layer_summary, summary_table

    with Store(args.store, "r") as store:
        names = [args.run] if args.run else store.runs()
        runs = [store.run(name) for name in names]
        header = {"path": os.path.abspath(args.store),
                  "format_version": store.format_version,
                  "fastnoise_version": store.text("fastnoise_version", "unknown")}
        if store.is_sweep:
            idx = store.sweep_index()
            header["sweep"] = {"points": idx.n_points, "done": int(idx.done.sum()),
                               "dims": idx.dims, "predict": idx.predict}
        if args.json:
            infos = [dict(_run_info(r), summary=layer_summary(r)) for r in runs]
            print(json.dumps(_jsonable(dict(header, runs=infos)), indent=2))
            return 0
        print(f"{args.store}: fastnoise store, format {header['format_version']}, written by "
              f"fastnoise {header['fastnoise_version']}, {len(store.runs())} run(s)")
        if store.is_sweep and not args.run:  # a run per point: summarise, 'info --run' details one
            from .sweepcli import sweep_text

            print(sweep_text(store))
            return 0
        for r in runs:
            _print_run(_run_info(r), summary_table(r))
    return 0


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
        _error(str(exc), "interrupted")
        return 1
    except KeyboardInterrupt as exc:
        _report(exc, debug)
        _error("", "interrupted")
        return 1
    except BrokenPipeError:  # e.g. 'fastnoise info STORE.h5 --json | head'
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes stdout
        return 1
    except SystemExit as exc:  # a command that exits itself
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        _report(exc, debug)
        _error(one_line(exc))
        return 2
    except Exception as exc:  # noqa: BLE001 - the CLI-wide guard: never a bare traceback
        from .io.errors import StoreError
        from .sweep.runner import SweepError

        _report(exc, debug)
        if isinstance(exc, (_UsageError, StoreError, SweepError) + _EXPECTED):
            _error(one_line(exc))
            return 2
        if isinstance(exc, ArithmeticError):  # e.g. a prediction from weights of 1e300
            _error(f"arithmetic overflow ({type(exc).__name__}: {one_line(exc)}): values in the "
                   "network, inputs or noise intensities are too large for float64; check them")
            return 2
        _error(f"{type(exc).__name__}: {one_line(exc)}; please report it to {REPORT_TO} "
               "(rerun with --debug for the traceback)", "internal error")
        return INTERNAL_ERROR


def _main(argv) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else 0
    if args.command is None:
        raise _UsageError("choose a command: simulate, sweep, info, predict, compare, plot, data, "
                          "train or paper (see 'fastnoise --help')")
    return args.func(args)


def _report(exc: BaseException, debug: bool) -> None:
    if debug:
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)


def _error(message: str, label: str = "error") -> None:
    from .io.errors import safe_text

    if getattr(sys.stderr, "isatty", lambda: False)():
        sys.stderr.write("\n")  # end a progress line drawn in place
    message = safe_text(message, limit=4000, ascii_only=False)  # one line, no raw bytes
    print(f"{PROG}: {label}" + (f": {message}" if message else ""), file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
