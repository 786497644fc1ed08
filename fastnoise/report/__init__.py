"""The report stage: publication figures of simulations and predictions.

:mod:`fastnoise.report.plots` draws the paper's figures from plain arrays
(``fig_snr_mean``, ``fig_snr_panels``, ``fig_var_depth``, ``fig_activation``,
``fig_lamerey``, ``fig_order_error``, ``fig_histograms``, ``fig_hidden_snr``,
``fig_xy``) and writes them with :func:`save`; :mod:`fastnoise.report.runs`
builds figures from a store's runs (used by ``fastnoise plot``).

matplotlib is optional (``pip install 'fastnoise[plot]'``) and imported only
when a figure is drawn.
"""

from .plots import (fig_activation, fig_hidden_snr, fig_histograms, fig_lamerey,
                    fig_order_error, fig_snr_mean, fig_snr_panels, fig_var_depth, fig_xy, save,
                    staircase)
from .runs import histogram_figure, snr_mean_figure, sweep_figure, var_depth_figure

__all__ = ["fig_activation", "fig_hidden_snr", "fig_histograms", "fig_lamerey",
           "fig_order_error", "fig_snr_mean", "fig_snr_panels", "fig_var_depth", "fig_xy",
           "histogram_figure", "save", "snr_mean_figure", "staircase", "sweep_figure",
           "var_depth_figure"]
