"""``fastnoise compare``: compare an analytic prediction with a simulated store.

Examples
--------
::

    fastnoise compare fig3.h5 --method gauss --format csv
"""

from __future__ import annotations

import time

from .common import add_method_options, method_options

__all__ = ["add_parser", "run"]


def add_parser(subparsers):
    """Add the ``compare`` command to ``subparsers``; its ``func`` default is :func:`run`."""
    from ..analytic.predict import METHODS

    methods = "; ".join(f"{k}: {v}" for k, v in METHODS.items())
    cm = subparsers.add_parser(
        "compare", help="compare an analytic prediction with a simulated store",
        description="Predict the run held by a store with an analytic method and print, per "
                    "layer, the median and 90th-percentile relative error of the predicted "
                    "variance next to the errors a perfect prediction would show from Monte "
                    f"Carlo sampling alone. Methods — {methods}.")
    cm.add_argument("store", metavar="STORE.h5", help="a store written by 'fastnoise simulate'")
    cm.add_argument("--run", metavar="NAME", help="run to compare (default: the last)")
    add_method_options(cm, METHODS)
    cm.set_defaults(func=run)
    return cm


def run(args) -> int:
    """Run the ``compare`` command."""
    from ..analytic import compare, predict
    from ..io.store import Store
    from ..noise import Noise

    if args.method != "auto":       # a misplaced option is a usage error before any reading
        method_options(args)
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
        time_cfg = {k: run.config[k] for k in ("mode", "washout") if k in run.config}
    method, opts, note = method_options(args, net, time_cfg)
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
