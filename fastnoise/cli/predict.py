"""``fastnoise predict``: predict every layer's noise analytically from a TOML config.

Examples
--------
::

    fastnoise predict examples/fig3.toml          # method auto: density here (symmetric)
    fastnoise predict examples/fig3.toml --method taylor --order 5 --format csv
"""

from __future__ import annotations

import json
import time

from .common import add_method_options, jsonable, method_options

__all__ = ["add_parser", "run"]


def add_parser(subparsers):
    """Add the ``predict`` command to ``subparsers``; its ``func`` default is :func:`run`."""
    from ..analytic.predict import METHODS

    methods = "; ".join(f"{k}: {v}" for k, v in METHODS.items())
    pr = subparsers.add_parser(
        "predict", help="predict every layer's noise analytically from a TOML config",
        description="Predict mean, variance and SNR of every layer for the network, inputs and "
                    "noise of a TOML run config, without simulating (milliseconds to seconds). "
                    f"Methods — {methods}.")
    pr.add_argument("config", metavar="CONFIG.toml", help="TOML run config (as for simulate)")
    add_method_options(pr, METHODS)
    pr.set_defaults(func=run)
    return pr


def run(args) -> int:
    """Run the ``predict`` command."""
    from ..analytic import predict
    from ..runconfig import load_config
    from ..stats import layer_summary, summary_table

    cfg = load_config(args.config)
    method, opts, note = method_options(args, cfg.network, cfg.time)
    start = time.perf_counter()
    pred = predict(cfg.network, cfg.inputs, cfg.noise, method=method, **opts)
    wall = time.perf_counter() - start
    rows = layer_summary(pred)
    if args.format == "json":
        print(json.dumps(jsonable({"method": pred.method, "requested": args.method, "note": note,
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
              f"{'-'.join(map(str, cfg.network.widths))}, {cfg.inputs.shape[0]} "
              f"{'time steps' if cfg.is_reservoir else 'inputs'}")
        print(summary_table(pred))
        print(f"wall time: {wall:.3f} s")
    return 0
