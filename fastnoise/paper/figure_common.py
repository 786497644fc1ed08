"""What every figure function of :mod:`fastnoise.paper.figures` shares.

:class:`FigureData` (what a figure function returns), the figure names and
their stores, the progress sink, bringing a figure's runs up to date, quiet
predictions, and the medians, ratios and per-point tables the figures'
results are made of.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass

import numpy as np

from ..analytic import predict
from ..result import snr as _snr  # the package's one SNR (NaN where Var = 0)
from .runs import ensure_runs
from .tables import Table

__all__ = ["FIGURES", "STORES", "FigureData", "progress_sink", "finite_median", "ratio",
           "quiet_predict", "store_path", "ensure_figure_runs", "subsample", "points_table"]


#: The figures, in the order ``fastnoise paper all`` makes them.
FIGURES = ("fig3", "fig4", "fig5", "fig6")
#: Store file of each figure (Figs. 5 and 6 share the trained networks' runs).
STORES = {"fig3": "fig3.h5", "fig4": "fig4.h5", "fig5": "trained.h5", "fig6": "trained.h5"}


@dataclass
class FigureData:
    """What a figure function returns.

    Attributes
    ----------
    name : str
        ``"fig3"`` ... ``"fig6"``.
    title : str
        One line naming the figure.
    tables : dict
        ``key -> Table``; written as ``<name>_<key>.csv``.  Keys that are
        single letters are the paper's panels, the others the numbers behind
        the claims.
    results : dict
        Derived numbers (JSON-able) for the summary and the claims.
    runs : dict
        ``run name -> action`` (reused, resumed, computed, replaced).
    store : str
        File name of the store in the output folder.
    seconds : float
        Wall time of simulations and predictions.
    """

    name: str
    title: str
    tables: dict
    results: dict
    runs: dict
    store: str
    seconds: float = 0.0


class _Silent:
    """Progress sink that reports nothing (the CLI passes a progress bar)."""

    def start(self, figure: str, total: int) -> None:
        pass

    def advance(self, what: str = "") -> None:
        pass


def progress_sink(progress):
    """``progress``, or a sink that reports nothing when it is None."""
    return _Silent() if progress is None else progress


def finite_median(a) -> float:
    a = np.asarray(a, float).ravel()
    a = a[np.isfinite(a)]
    return float(np.median(a)) if a.size else float("nan")


def ratio(pred, sim) -> np.ndarray:
    """pred / sim where sim > 0 (NaN elsewhere)."""
    pred = np.asarray(pred, float)
    sim = np.asarray(sim, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sim > 0, pred / sim, np.nan)


def quiet_predict(net, inputs, noise, method, **options):
    """:func:`fastnoise.predict` with the closures' divergence warnings silenced
    (a diverged Taylor closure is reported as inf, which the tables keep)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return predict(net, inputs, noise, method=method, **options)


def store_path(out, figure: str) -> str:
    """Path of ``figure``'s store in the output folder ``out``."""
    return os.path.join(os.fspath(out), STORES[figure])


def ensure_figure_runs(prog, out, figure: str, specs, overwrite: bool):
    """Start ``figure``'s progress (one step per run, one for the rest) and
    bring its store's runs up to date (:func:`ensure_runs`)."""
    prog.start(figure, len(specs) + 1)
    return ensure_runs(store_path(out, figure), specs, overwrite,
                       on_run=lambda name, action: prog.advance(name))


def subsample(n: int, limit: int) -> np.ndarray:
    """Indices of at most ``limit`` of ``n`` items, evenly strided (deterministic)."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(np.int64))


def points_table(res, pred_vars: dict, layer: int, limit: int, series_of=None) -> tuple[Table, dict]:
    """Per (input, neuron) points of a layer: mean, var, SNR and predicted variances.

    Returns the (subsampled) table and statistics of pred/sim over all points.
    """
    mean, var = res.mean[layer], res.var[layer]
    T, I = mean.shape
    tt, ii = np.meshgrid(np.arange(T), np.arange(I), indexing="ij")
    stats = {}
    for m, pv in pred_vars.items():
        q = ratio(pv, var).ravel()
        ok = q[np.isfinite(q)]
        stats[m] = {"median": float(np.median(ok)) if ok.size else float("nan"),
                    "q10": float(np.quantile(ok, 0.1)) if ok.size else float("nan"),
                    "q90": float(np.quantile(ok, 0.9)) if ok.size else float("nan"),
                    "median_abs_error": float(np.median(np.abs(ok - 1))) if ok.size else float("nan"),
                    "points": int(ok.size)}
    keep = subsample(T * I, limit)
    cols = {"series": (np.full(T * I, "points") if series_of is None
                       else series_of(ii.ravel()))[keep],
            "input": tt.ravel()[keep], "neuron": ii.ravel()[keep],
            "mean": mean.ravel()[keep], "var": var.ravel()[keep],
            "snr": _snr(mean, var).ravel()[keep]}
    for m, pv in pred_vars.items():
        cols[f"pred_{m}_var"] = np.asarray(pv, float).ravel()[keep]
    return Table(cols), stats

