"""Reproduce the paper's Figs. 3–6 and judge its claims (``fastnoise paper``).

Semenova, Larger & Brunner, "Understanding and mitigating noise in trained
deep neural networks", Neural Networks 146 (2022).

* :mod:`~fastnoise.paper.figures` — one function per figure: simulate (into
  reusable stores), predict, and return the numbers of every panel (one
  module per figure, :mod:`~fastnoise.paper.fig3` ... :mod:`~fastnoise.paper.fig6`,
  sharing :mod:`~fastnoise.paper.figure_common` and
  :mod:`~fastnoise.paper.trained_networks`);
* :mod:`~fastnoise.paper.claims` — the paper's claims, each with a numeric
  criterion and a verdict;
* :mod:`~fastnoise.paper.report` — CSV, JSON, PNG/PDF and the ``paper.md``
  report with the claim table;
* :mod:`~fastnoise.paper.settings` — full and quick sizes.

Examples
--------
>>> from fastnoise.paper import make                     # doctest: +SKIP
>>> make(["fig3"], "out", quick=True)                     # doctest: +SKIP
"""

from ..validation import check_choice
from .claims import Claim, evaluate
from .figures import FIGURES, FigureData, fig3, fig4, fig5, fig6
from .report import load_summaries, write_figure, write_report
from .settings import Fig3Settings, Fig4Settings, Settings, TrainedSettings

__all__ = ["FIGURES", "Claim", "Fig3Settings", "Fig4Settings", "FigureData", "Settings",
           "TrainedSettings", "check", "evaluate", "fig3", "fig4", "fig5", "fig6",
           "load_summaries", "make", "write_figure", "write_report"]


def check(names, out, settings: Settings, *, overwrite: bool = False, networks=None,
          data=None) -> dict:
    """Check every figure's store before computing anything.

    Builds each figure's runs (loading the datasets it needs) and compares
    them with the stores in ``out``.

    Returns
    -------
    dict
        ``figure -> {run name -> action}``.

    Raises
    ------
    StoreError
        A stored run was made with other settings and ``overwrite`` is False.
    FileNotFoundError
        A dataset or trained network is missing.
    """
    import os

    from .figures import STORES, specs
    from .runs import plan_actions

    out = os.fspath(out)
    return {n: plan_actions(os.path.join(out, STORES[n]), specs(n, settings, networks, data),
                            overwrite) for n in names}


def make(names, out, *, quick: bool = False, settings: Settings | None = None,
         overwrite: bool = False, networks=None, data=None, plots: bool = True,
         progress=None, command: str | None = None, on_figure=None):
    """Make figures ``names`` in folder ``out`` and rebuild its report.

    Parameters
    ----------
    names : list of str
        Among :data:`FIGURES`.
    out : path
        Output folder (created when missing).
    quick : bool
        Use :meth:`Settings.quick_settings` (ignored when ``settings`` is given).
    settings : Settings, optional
    overwrite : bool
        Replace stored runs made with other settings.
    networks, data : path, optional
        Folders of the trained networks and of the MNIST / Fashion-MNIST files.
    plots : bool
        Draw PNG and PDF files (needs matplotlib).
    progress : object, optional
        ``start(figure, total)`` / ``advance(what)`` progress sink.
    command : str, optional
        The command line, quoted in the report.
    on_figure : callable, optional
        Called with each figure's summary dict when it is written.

    Returns
    -------
    (summaries, claims)
        ``figure -> summary dict`` of the figures made, and the claims.
    """
    import os

    from . import figures as _fig

    names = list(dict.fromkeys(names))
    for name in names:
        check_choice("figure", name, FIGURES)
    if settings is None:
        settings = Settings.quick_settings() if quick else Settings.full()
    if plots:
        from ..report.style import require_matplotlib

        require_matplotlib()
    out = os.fspath(out)
    if os.path.exists(out) and not os.path.isdir(out):
        raise NotADirectoryError(f"--out {out} is a file; give a folder for the figures")
    os.makedirs(out, exist_ok=True)
    from ..io.lock import write_lock

    with write_lock(os.path.join(out, ".paper")):  # one `paper` process per folder
        check(names, out, settings, overwrite=overwrite, networks=networks, data=data)
        done = {}
        for name in names:
            fn = _fig.FIGURE_FUNCTIONS[name]
            kw = {"networks": networks, "data": data} if name in ("fig5", "fig6") else {}
            data_ = fn(out, settings, overwrite=overwrite, progress=progress, **kw)
            done[name] = write_figure(data_, out, settings, plots=plots)
            if on_figure is not None:
                on_figure(done[name])
        claims = write_report(out, command)
    return done, claims
