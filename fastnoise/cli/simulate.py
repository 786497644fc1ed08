"""``fastnoise simulate``: run a TOML config and stream the results into an HDF5 store.

Examples
--------
::

    fastnoise simulate examples/fig3.toml --out fig3.h5
    fastnoise simulate examples/fig3.toml --out fig3.h5 --resume    # after an interruption
"""

from __future__ import annotations

import json
import os
import time
import warnings

from .common import Interrupted, accuracy_info, accuracy_text, positive_int

__all__ = ["add_parser", "run"]


def add_parser(subparsers):
    """Add the ``simulate`` command to ``subparsers``; its ``func`` default is :func:`run`."""
    s = subparsers.add_parser(
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
    s.set_defaults(func=run)
    return s


def run(args) -> int:
    """Run the ``simulate`` command."""
    from ..io.store import Store
    from ..runconfig import load_config
    from ..engine.finite import NonFiniteWarning
    from ..simulate import simulate
    from ..stats import summary_table

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
    existed = os.path.exists(out)
    if existed and not (args.resume or args.overwrite) and cfg.is_reservoir:
        raise FileExistsError(f"--out {out} exists; pass --overwrite to replace it or --resume to "
                              "complete the run it holds")
    if existed and not (args.resume or args.overwrite):
        # an identical complete run is reused as it is; anything else is never touched
        from ..engine.planning import plan
        from ..engine.runs import reusable_run

        name = reusable_run(out, plan(**kwargs).config, label=f"--out {out}",
                            overwrite="--overwrite", resume="--resume")
        print(f"{out} already holds this run, complete: nothing to compute "
              "(--overwrite recomputes it)")
    else:
        name = None  # the run just written: the store's last
        try:
            with warnings.catch_warnings():  # reported below from the store, as one line
                warnings.simplefilter("ignore", NonFiniteWarning)
                simulate(**kwargs, store=out, resume=args.resume, overwrite=args.overwrite,
                         threads=args.threads, progress=not args.quiet, keep=False)
        except KeyboardInterrupt:
            if args.overwrite and existed:
                raise Interrupted(f"{out} is unchanged (the replacing run was discarded)") from None
            raise Interrupted(f"completed blocks are saved in {out}; run "
                              f"'fastnoise simulate {args.config} --out {out} --resume' to "
                              "continue") from None
    wall = time.perf_counter() - start
    with Store(out, "r") as store:
        run = store.run(name)
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
        rows = "time steps" if cfg.is_reservoir else "inputs"
        print(f"run {run.name}: {run.status}, {int(done.sum())}/{done.size} {rows}, "
              f"network {'-'.join(map(str, run.widths))}, {cfg.repeats} repeats, seed {cfg.seed}")
        print(summary_table(run))
        acc = accuracy_info(run)
        if acc is not None:
            print(accuracy_text(acc))
    print(f"store: {out}")
    print(f"wall time: {wall:.2f} s")
    return 0
