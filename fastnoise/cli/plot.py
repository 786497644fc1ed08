"""``fastnoise plot``: draw a figure of any store (simulate or sweep) into a PNG or PDF.

Examples
--------
::

    fastnoise plot fig3.h5                                  # SNR vs mean, output layer
    fastnoise plot fig3.h5 --kind snr-mean --layer 2 --out fig3_layer2.pdf
    fastnoise plot fig3.h5 --kind var-depth
    fastnoise plot quick.h5 --kind histogram --layer 3
    fastnoise plot sweep.h5 --kind sweep --x network.alpha --y mean_var
"""

from __future__ import annotations

import os

__all__ = ["add_parser", "run", "KINDS"]

#: The kinds of figure, and what each shows.
KINDS = {
    "snr-mean": "SNR against mean output of a layer (default the output layer), with the "
                "single-neuron curve and the run's stored prediction if any (Fig. 3 style)",
    "var-depth": "variance against input for each layer (or --layer), with the stored "
                 "prediction if any (Fig. 4b style)",
    "histogram": "the run's stored histograms of y per layer (or --layer)",
    "sweep": "a sweep store: a column of its table (--y) against a swept key (--x), one line "
             "per value of the other keys, output layer unless --layer",
}
_FORMATS = ("png", "pdf", "svg")


def add_parser(subparsers):
    """Add the ``plot`` command to ``subparsers``; its ``func`` default is :func:`run`."""
    from ..report.runs import SWEEP_COLUMNS

    kinds = "; ".join(f"{k}: {v}" for k, v in KINDS.items())
    p = subparsers.add_parser(
        "plot",
        help="draw a figure of a store (SNR vs mean, variance vs depth, histograms, sweeps)",
        description=f"Draw one figure of a fastnoise store and write it as PNG, PDF or SVG "
                    f"(needs matplotlib: pip install 'fastnoise[plot]'). Kinds — {kinds}.",
        epilog="The format follows the suffix of --out (.png at 200 dpi, .pdf, .svg). An "
               "existing file is never replaced without --overwrite. For a sweep store, "
               "snr-mean/var-depth/histogram draw one point: name its run with --run "
               "(see 'fastnoise info STORE.h5').")
    p.add_argument("store", metavar="STORE.h5", help="a store written by 'fastnoise simulate' or "
                                                     "'fastnoise sweep'")
    p.add_argument("--kind", "-k", default="snr-mean", choices=list(KINDS), metavar="KIND",
                   help=f"one of {', '.join(KINDS)} (default snr-mean)")
    p.add_argument("--run", metavar="NAME", help="run to draw (default: the last run)")
    p.add_argument("--layer", "-l", type=int, metavar="N",
                   help="layer (input layer 0): snr-mean default the output layer; var-depth and "
                        "histogram default all but the input layer; sweep default each point's "
                        "output layer")
    p.add_argument("--x", metavar="KEY",
                   help="sweep: swept key on the abscissa (default the first)")
    p.add_argument("--y", metavar="COLUMN", default="snr_median",
                   help=f"sweep: table column to draw, one of {', '.join(SWEEP_COLUMNS)} "
                        "(default snr_median)")
    p.add_argument("--out", "-o", metavar="FILE.png",
                   help="figure to write, .png, .pdf or .svg (default: beside the store, "
                        "<store stem>_<kind>.png)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    p.set_defaults(func=run)
    return p


def default_output(store: str, kind: str) -> str:
    """``<store folder>/<store stem>_<kind>.png``."""
    stem = os.path.splitext(os.path.abspath(store))[0]
    return f"{stem}_{kind}.png"


def _output(args) -> tuple[str, str]:
    out = args.out or default_output(args.store, args.kind)
    ext = os.path.splitext(out)[1].lower().lstrip(".")
    if ext not in _FORMATS:
        raise ValueError(f"--out {out}: unknown figure format {('.' + ext) if ext else '(none)'}; "
                         "end the name with .png, .pdf or .svg")
    folder = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"--out {out}: folder {folder} does not exist; create it first")
    if os.path.exists(out) and not args.overwrite:
        raise FileExistsError(f"{out} exists; add --overwrite to replace it, or choose another "
                              "--out")
    return out, ext


def _figure(store, args):
    from ..report import runs as figures

    if args.kind == "sweep":
        if args.run:
            raise ValueError("--run does not apply to --kind sweep (it draws every point); drop it")
        return figures.sweep_figure(store, x=args.x, y=args.y, layer=args.layer)
    if args.x is not None or args.y != "snr_median":
        raise ValueError(f"--x/--y apply to --kind sweep only, not {args.kind}")
    run = store.run(args.run)
    layers = None if args.layer is None else [args.layer]
    if args.kind == "snr-mean":
        return figures.snr_mean_figure(run, args.layer)
    if args.kind == "var-depth":
        return figures.var_depth_figure(run, layers)
    return figures.histogram_figure(run, layers)


def run(args) -> int:
    """Run the ``plot`` command."""
    from ..io.store import Store
    from ..report.plots import save
    from ..report.style import require_matplotlib

    require_matplotlib()  # fail before reading anything
    out, ext = _output(args)
    with Store(args.store, "r") as store:
        fig = _figure(store, args)
    written = save(fig, out, formats=(ext,), overwrite=args.overwrite)
    for path in written:
        print(f"wrote {path}")
    return 0
