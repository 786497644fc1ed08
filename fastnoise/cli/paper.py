"""``fastnoise paper``: reproduce the paper's Figs. 3–6 and judge its claims; the mitigation study.

Examples
--------
::

    fastnoise paper fig3 --out paper/
    fastnoise paper all --out paper/                  # about 3 minutes on two cores
    fastnoise paper all --out quick/ --quick          # seconds, for a first look
    fastnoise paper fig5 --out paper/ --data ~/datasets --networks my_networks/
    fastnoise paper mitigation --out mitigation/     # the mitigation study, ~5 minutes
"""

from __future__ import annotations

import os
import sys
import time

__all__ = ["add_parser", "run"]


def add_parser(subparsers):
    """Add the ``paper`` command to ``subparsers``; its ``func`` default is :func:`run`."""
    from ..paper.figures import FIGURES

    p = subparsers.add_parser(
        "paper", help="reproduce the paper's Figs. 3–6 (CSV, JSON, PNG/PDF) and judge its claims",
        description="Simulate and predict what the paper's Figs. 3–6 show (Semenova, Larger & "
                    "Brunner, Neural Networks 146, 2022), and write into DIR: one CSV per panel, "
                    "a JSON summary and PNG+PDF plots per figure, and paper.md, a report that "
                    "sets each claim of the paper beside the measured numbers with a verdict "
                    "from an explicit criterion. Fig. 3: symmetric network, six noise settings; "
                    "Fig. 4: activation slope, variance with depth, Lamerey diagram, Taylor "
                    "orders; Fig. 5: trained networks A, B, C; Fig. 6: hidden layers of A and "
                    "the state densities p*.",
        epilog="Simulations go to HDF5 stores in DIR (fig3.h5, fig4.h5, trained.h5). A run "
               "already there with the same configuration is reused (the results would be "
               "identical bit for bit), an interrupted one is resumed, and one made with other "
               "settings is refused unless --overwrite. CSV, JSON, plots and paper.md are "
               "rewritten on every call. Figs. 5 and 6 need the MNIST and Fashion-MNIST test "
               "sets ($FASTNOISE_DATA or --data; 'fastnoise data fetch mnist') and the trained "
               "networks (shipped with fastnoise, or --networks).")
    p.add_argument("figure", choices=list(FIGURES) + ["all", "mitigation", "cnn", "esn"], metavar="FIGURE",
                   help=f"one of {', '.join(FIGURES)}, or all; or mitigation: the noise-mitigation "
                        "study of the follow-up papers (trains a 784-20-10 softmax classifier and "
                        "noise-aware variants, runs the accuracy and SNR grids, judges the published "
                        "mitigation claims in DIR/mitigation.md; about 5 minutes on two cores, "
                        "--quick about 15 s); or cnn: the convolutional-network study (the MNIST "
                        "CNN of examples/networks, its mean-pooling twin and network A: noise "
                        "through the layers, pooling, the next connection matrix, accuracy and "
                        "predictions; claims in DIR/cnn.md; a few minutes, --quick about 15 s); or "
                        "esn: the echo-state-network study (the Mackey–Glass reservoir of "
                        "examples/networks: noise kinds and intensities, readout statistics, uniform "
                        "and band matrices, open and closed loop, noise-aware readouts; claims in "
                        "DIR/esn.md)")
    p.add_argument("--out", "-o", metavar="DIR", required=True,
                   help="output folder (created when missing)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace stored runs made with other settings (mitigation: networks in "
                        "DIR/networks trained with other settings)")
    p.add_argument("--quick", action="store_true",
                   help="small settings (few repetitions, inputs and neurons): seconds per "
                        "figure, noisy numbers, verdicts not meaningful")
    p.add_argument("--data", metavar="DIR",
                   help="folder with the MNIST / Fashion-MNIST files (default: $FASTNOISE_DATA "
                        "and the usual caches)")
    p.add_argument("--networks", metavar="DIR",
                   help="folder with the trained networks A.h5, B.h5, C.h5 (default: the "
                        "paper's networks shipped with fastnoise, fastnoise/paper/networks); for "
                        "cnn, the folder with cnn_mnist.h5, for esn the one with esn_mackey_glass.h5 "
                        "(default: examples/networks of the repository)")
    p.add_argument("--no-plots", action="store_true",
                   help="write CSV, JSON and paper.md only (no matplotlib needed)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
    return p


class _Bar:
    """A progress bar per figure, counting its runs and its prediction step."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.bar = None

    def start(self, figure: str, total: int) -> None:
        from ..progress import Progress

        if self.quiet:
            return
        self.bar = Progress(total, label="steps", interval=5.0)
        print(f"{figure}: {total - 1} run(s) to reuse or compute, then predictions",
              file=sys.stderr)
        self.bar.begin(0)

    def advance(self, what: str = "") -> None:
        if self.bar is not None:
            self.bar.update(1)


def _figure_line(summary: dict) -> str:
    runs = summary["runs"]
    counts = {a: sum(v == a for v in runs.values()) for a in dict.fromkeys(runs.values())}
    secs = summary["seconds"]
    total = secs["simulate_and_predict"] + secs["plot"]
    files = len(summary["tables"]) + len(summary["plots"]) + 1
    return (f"{summary['figure']}: done in {total:.1f} s; {len(runs)} run(s) ("
            + ", ".join(f"{v} {k}" for k, v in counts.items())
            + f") in {summary['store']}; {files} files written")


def run(args) -> int:
    """Run the ``paper`` command."""
    from ..paper import make
    from ..paper.figures import FIGURES

    names = list(FIGURES) if args.figure == "all" else [args.figure]
    for opt in ("data", "networks"):
        value = getattr(args, opt)
        if value is not None and not os.path.isdir(value):
            raise FileNotFoundError(f"--{opt} {value}: no such folder")
    start = time.perf_counter()
    command = _command(args)
    if args.figure == "mitigation":
        return _mitigation(args, command, start)
    if args.figure == "cnn":
        return _cnn(args, command, start)
    if args.figure == "esn":
        return _esn(args, command, start)
    _, claims = make(names, args.out, quick=args.quick, overwrite=args.overwrite,
                     networks=args.networks, data=args.data, plots=not args.no_plots,
                     progress=_Bar(args.quiet), command=command,
                     on_figure=lambda s: print(_figure_line(s), flush=True))
    for c in claims:
        print(f"claim {c.id}: {c.verdict}" + (f" ({c.reason})" if c.reason else ""))
    print(f"report: {os.path.join(args.out, 'paper.md')}")
    print(f"wall time: {time.perf_counter() - start:.1f} s")
    return 0


def _command(args) -> str:
    """The command line that reproduces this run (from the parsed options, not sys.argv,
    which is another program's when ``main`` is called in-process)."""
    parts = [f"fastnoise paper {args.figure} --out", args.out]
    for flag in ("quick", "overwrite", "no_plots"):
        if getattr(args, flag):
            parts.append("--" + flag.replace("_", "-"))
    for opt in ("data", "networks"):
        if getattr(args, opt) is not None:
            parts += [f"--{opt}", getattr(args, opt)]
    return " ".join(map(str, parts))


def _verdicts(claims, report: str, start: float) -> int:
    """Print each claim's verdict, the report's path and the wall time."""
    for c in claims:
        print(f"claim {c.id}: {c.verdict}" + (f" ({c.reason})" if c.reason else ""))
    print(f"report: {report}")
    print(f"wall time: {time.perf_counter() - start:.1f} s")
    return 0


def _study(args, command, start, name: str, module, write_study, banner: str, run) -> int:
    """Run one study of :mod:`fastnoise.paper` (``module``: its ``*_study`` module, with
    FULL, QUICK and total_steps): settings, progress bar, output folder, ``run(settings,
    bar)`` for its data, then ``write_study`` (its report) and the verdicts."""
    from ..progress import Progress

    settings = module.QUICK if args.quick else module.FULL
    bar = None
    if not args.quiet:
        bar = Progress(module.total_steps(settings), label="steps", interval=5.0)
        print(banner, file=sys.stderr)
        bar.begin(0)
    os.makedirs(args.out, exist_ok=True)
    data = run(settings, bar)
    claims = write_study(data, args.out, settings, plots=not args.no_plots, command=command)
    return _verdicts(claims, os.path.join(args.out, f"{name}.md"), start)


def _require_plots(args) -> None:
    if not args.no_plots:
        from ..report.style import require_matplotlib

        require_matplotlib()


def _cnn(args, command, start) -> int:
    """``fastnoise paper cnn``: the study of :mod:`fastnoise.paper.cnn_study`."""
    from ..paper import cnn_report, cnn_study

    _require_plots(args)
    if args.data is not None:
        os.environ["FASTNOISE_DATA"] = os.path.abspath(args.data)
    cnn = os.path.join(args.networks, "cnn_mnist.h5") if args.networks else cnn_study.CNN_FILE
    return _study(args, command, start, "cnn", cnn_study, cnn_report.write_study,
                  f"cnn: {cnn} and network A; layers, pooling, matrices, accuracy and predictions",
                  lambda settings, bar: cnn_study.study(args.out, settings, cnn_path=cnn, progress=bar))


def _esn(args, command, start) -> int:
    """``fastnoise paper esn``: the study of :mod:`fastnoise.paper.esn_study`."""
    from ..paper import esn_report, esn_study

    _require_plots(args)
    path = os.path.join(args.networks, "esn_mackey_glass.h5") if args.networks else None
    return _study(args, command, start, "esn", esn_study, esn_report.write_study,
                  "esn: the Mackey–Glass reservoir; intensities, readouts, matrices, loops, training",
                  lambda settings, bar: esn_study.study(settings, esn_path=path, progress=bar))


def _mitigation(args, command, start) -> int:
    """``fastnoise paper mitigation``: the study of :mod:`fastnoise.paper.mitigation_study`."""
    from ..paper import mitigation_report, mitigation_study
    from ..train import require_torch

    require_torch()
    _require_plots(args)
    if args.data is not None:
        os.environ["FASTNOISE_DATA"] = os.path.abspath(args.data)
    return _study(args, command, start, "mitigation", mitigation_study, mitigation_report.write_study,
                  "mitigation: training the softmax classifier, then the accuracy, SNR and training grids",
                  lambda settings, bar: mitigation_study.study(args.out, settings, networks=args.networks,
                                                               progress=bar, overwrite=args.overwrite))
