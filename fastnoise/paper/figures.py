"""The paper's Figs. 3–6: simulate, predict, and return the numbers of every panel.

Each ``figN`` function makes sure the simulations it needs are in its store in
the output folder (reusing identical runs, see :mod:`fastnoise.paper.runs`),
computes the analytic predictions, and returns a :class:`FigureData`: one
:class:`~fastnoise.paper.tables.Table` per panel (what the CSV files hold and
what is plotted) and a ``results`` dict of the derived numbers the claims of
:mod:`fastnoise.paper.claims` are judged on.  Nothing here draws or writes
anything but the stores; :mod:`fastnoise.paper.report` does that.

The figures live one per module (:mod:`~fastnoise.paper.fig3` ...
:mod:`~fastnoise.paper.fig6`); what they share is in
:mod:`~fastnoise.paper.figure_common` and, for the trained networks A, B, C,
:mod:`~fastnoise.paper.trained_networks`.  This module maps figure names to
their functions and runs.

Layer numbers: the package counts layers from 0 (the input layer); tables
carry both that ``layer`` and the paper's ``paper_layer`` = layer + 1.
"""

from __future__ import annotations

from typing import Callable

from ..validation import choice_hint
from .fig3 import fig3, fig3_specs
from .fig4 import fig4, fig4_specs
from .fig5 import fig5, fig5_specs
from .fig6 import DENSITY_LABELS, fig6, fig6_specs
from .figure_common import FIGURES, STORES, FigureData
from .settings import Settings
from .trained_networks import default_networks, trained_specs

__all__ = ["FigureData", "FIGURES", "FIGURE_FUNCTIONS", "STORES", "DENSITY_LABELS", "fig3", "fig4",
           "fig5", "fig6", "default_networks", "specs", "trained_specs"]


def specs(name: str, settings: Settings, networks=None, data=None) -> list:
    """The :class:`RunSpec` list of figure ``name`` (to check a store before computing)."""
    if name == "fig3":
        return fig3_specs(settings)
    if name == "fig4":
        return fig4_specs(settings)
    if name == "fig5":
        return fig5_specs(settings, networks, data)
    if name == "fig6":
        return fig6_specs(settings, networks, data)
    raise ValueError(f"unknown figure {name!r}{choice_hint(name, FIGURES)}")


#: name -> function
FIGURE_FUNCTIONS: dict[str, Callable] = {"fig3": fig3, "fig4": fig4, "fig5": fig5, "fig6": fig6}
