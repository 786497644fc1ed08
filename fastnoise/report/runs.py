"""Figures of stored simulations: the data behind ``fastnoise plot``.

Each function reads a run of a store (a :class:`fastnoise.Run`, or for
:func:`snr_mean_figure` and :func:`var_depth_figure` also an in-memory
:class:`fastnoise.Result`) or a sweep store, turns it into plain arrays with
:mod:`fastnoise.stats`, and draws them with :mod:`fastnoise.report.plots`.

>>> with fn.Store("fig3.h5") as st:                              # doctest: +SKIP
...     save(snr_mean_figure(st.run()), "fig3_snr")
"""

from __future__ import annotations

import os

import numpy as np

from ..result import layer_array
from ..result import snr as _snr  # the package's one SNR (NaN where Var = 0)
from ..validation import check_int, choice_hint
from .plots import VAR_LABEL, fig_histograms, fig_snr_mean, fig_var_depth, fig_xy
from .style import SERIES

__all__ = ["snr_mean_figure", "var_depth_figure", "histogram_figure", "sweep_figure",
           "SWEEP_COLUMNS"]

#: Axis labels of the numeric columns of :func:`fastnoise.stats.sweep_table`.
SWEEP_COLUMNS = {
    "mean_y": r"mean $E(y)$",
    "mean_var": r"mean $\mathrm{Var}(y)$",
    "snr_min": r"minimum $\mathrm{SNR}$",
    "snr_median": r"median $\mathrm{SNR}$",
    "snr_max": r"maximum $\mathrm{SNR}$",
    "accuracy": "accuracy under noise",
    "noiseless_accuracy": "noiseless accuracy",
    "var_ratio": r"predicted / simulated $\mathrm{Var}(y)$",
    "pred_mean_y": r"predicted mean $E(y)$",
    "pred_mean_var": r"predicted mean $\mathrm{Var}(y)$",
    "pred_snr_median": r"predicted median $\mathrm{SNR}$",
}


# -- reading a run or a result ---------------------------------------------------------

def _name(source) -> str:
    return getattr(source, "name", None) or "result"


def _n_layers(source) -> int:
    return int(source.n_layers)


def _layer(source, kind: str, n: int) -> np.ndarray:
    return np.asarray(layer_array(source, kind, n), dtype=float)


def _check_layer(source, n: int, what: str = "layer") -> int:
    L = _n_layers(source)
    n = check_int(what, n)
    if not 0 <= n < L:
        raise ValueError(f"{what} {n} out of range: {_name(source)} has layers 0..{L - 1} (input "
                         "layer 0); choose one of them")
    return n


def _stored_prediction(source):
    pred = getattr(source, "prediction", None)
    return pred() if callable(pred) else None


def _noise(source, n: int):
    from ..noise import Noise

    noises = (getattr(source, "config", None) or {}).get("noise")
    if not noises or n >= len(noises) or not noises[n]:
        return None
    noise = Noise.from_dict(noises[n])
    return None if noise.is_zero else noise


def _inputs_axis(source, T: int):
    """Abscissa of per-input plots: u itself for one input neuron, else the index t."""
    u = getattr(source, "inputs", None)
    if u is not None:
        u = np.asarray(u, dtype=float)
        if u.ndim == 2 and u.shape[1] == 1 and u.shape[0] == T:
            return u[:, 0], r"input $u$"
    return np.arange(T, dtype=float), r"input index $t$"


def _scalar_inputs(source) -> bool:
    """Whether the inputs are one number each (a scan such as Fig. 3's), so that a
    one-neuron layer's prediction is a curve; images or time windows give points."""
    u = getattr(source, "inputs", None)
    return u is None or np.ndim(u) < 2 or np.shape(u)[1] == 1


# -- figures of a run --------------------------------------------------------------------

def snr_mean_figure(source, layer: int | None = None, *, single_neuron: bool = True,
                    prediction: bool = True, title: str | None = None, logy: bool = True):
    """SNR against mean output of one layer of a run (Fig. 3 style).

    Parameters
    ----------
    source : fastnoise.Run or fastnoise.Result
    layer : int, optional
        Layer n (input layer 0; default the output layer).
    single_neuron : bool
        Add the SNR of a single neuron with the layer's noise
        (:func:`fastnoise.analytic.single.single_neuron_snr`), gray dashed.
    prediction : bool
        Add the run's stored analytic prediction, if it has one: a line
        for a one-neuron layer driven by scalar inputs, points otherwise.
    title : str, optional
        Default: run name and layer.
    logy : bool

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ..analytic.single import single_neuron_snr

    n = _n_layers(source) - 1 if layer is None else _check_layer(source, layer)
    mean = _layer(source, "mean", n)
    snr = _snr(mean, _layer(source, "var", n))
    ok = np.isfinite(mean) & np.isfinite(snr)
    if not ok.any():
        raise ValueError(f"{_name(source)} has no finished inputs with a finite SNR in layer {n}; "
                         "complete the run (fastnoise simulate ... --resume) or pick another layer")
    points = {"simulated": (mean[ok], snr[ok])}
    curves = {}
    stored = _stored_prediction(source) if prediction else None
    if stored is not None:
        pm, pv, method = np.asarray(stored[0][n], float), np.asarray(stored[1][n], float), stored[2]
        ps = _snr(pm, pv)
        good = np.isfinite(pm) & np.isfinite(ps)
        label = f"prediction ({method})"
        if good.any() and pm.shape[1] == 1 and _scalar_inputs(source):
            order = np.argsort(pm[good])
            curves[label] = (pm[good][order], ps[good][order])
        elif good.any():
            points[label] = (pm[good], ps[good])
    noise = _noise(source, n) if single_neuron else None
    if noise is not None:
        lo, hi = float(mean[ok].min()), float(mean[ok].max())
        x = np.linspace(lo, hi, 400) if hi > lo else np.array([lo])
        curves["single neuron"] = (x, single_neuron_snr(noise, x))
    if title is None:
        title = f"{_name(source)}, layer {n}"
    return fig_snr_mean(points, curves, title=title, logy=logy)


def var_depth_figure(source, layers=None, *, logy: bool = False, prediction: bool = True):
    """Per-layer variance against input (Fig. 4b style) of a run.

    A layer of several neurons shows the mean of its neurons' variances.

    Parameters
    ----------
    source : fastnoise.Run or fastnoise.Result
    layers : list of int, optional
        Layers to show (default: all but the input layer, at most six).
    logy : bool
    prediction : bool
        Add the run's stored analytic prediction, if any.

    Returns
    -------
    matplotlib.figure.Figure
    """
    L = _n_layers(source)
    if layers is not None:
        layers = [_check_layer(source, n) for n in layers]
    elif L > 1:
        first = 1
        picks = np.round(np.linspace(first, L - 1, min(6, L - first))).astype(int)
        layers = sorted(set(picks.tolist()))
    else:
        layers = [0]
    var = [np.nanmean(_layer(source, "var", n), axis=1) if n in layers else None for n in range(L)]
    T = next(v.size for v in var if v is not None)
    u, xlabel = _inputs_axis(source, T)
    if all(not np.isfinite(var[n]).any() for n in layers):
        raise ValueError(f"{_name(source)} has no finished inputs; complete the run first")
    row = {"title": _name(source), "inputs": u,
           "simulated": [v if v is not None else np.full(T, np.nan) for v in var]}
    stored = _stored_prediction(source) if prediction else None
    if stored is not None:
        row["predicted"] = {f"prediction ({stored[2]})": [
            np.nanmean(np.asarray(stored[1][n], float), axis=1) if n in layers else None
            for n in range(L)]}
    several = any(_layer(source, "mean", n).shape[1] > 1 for n in layers)
    ylabel = r"neuron mean of $\mathrm{Var}(y)$" if several else VAR_LABEL
    return fig_var_depth([row], layers=layers, xlabel=xlabel, ylabel=ylabel, logy=logy)


def histogram_figure(run, layers=None, *, ncols: int = 3):
    """The stored per-layer histograms of y of a run, as densities.

    Counts are divided by all samples of the layer (under- and overflow
    included) and the bin width, so the area shown is the fraction of
    samples inside the histogram's range; the panel title gives the rest.

    Parameters
    ----------
    run : fastnoise.Run or fastnoise.Result
        Simulated with ``histogram=...`` (config ``[output] histogram``).
    layers : list of int, optional
        Default: all but the input layer.
    ncols : int

    Returns
    -------
    matplotlib.figure.Figure
    """
    hist = getattr(run, "histogram", None)
    hist = hist() if callable(hist) else hist  # a Run's method, a Result's attribute
    if hist is None:
        raise ValueError(f"{_name(run)} has no histograms; simulate with one (config: [output] "
                         "histogram = { bins = 50, range = [0.0, 1.0] }; Python: "
                         "simulate(..., histogram={'bins': 50, 'range': (0, 1)}))")
    counts, lo, hi = (np.asarray(a, dtype=float) for a in hist)
    L = counts.shape[0]
    if layers is None:
        layers = list(range(1, L)) if L > 1 else [0]
    else:
        layers = [_check_layer(run, n) for n in layers]
    panels = []
    for n in layers:
        nb = counts.shape[1] - 2
        edges = np.linspace(lo[n], hi[n], nb + 1)
        total = counts[n].sum()
        inner = counts[n, 1:-1]
        density = inner / (total * np.diff(edges)) if total > 0 else np.zeros(nb)
        outside = 1.0 - inner.sum() / total if total > 0 else 0.0
        title = f"layer {n}" + (f" ({outside:.1%} outside)" if outside > 0 else "")
        panels.append({"title": title, "edges": edges, "counts": density,
                       "label": r"simulated $y$"})
    return fig_histograms(panels, ncols=ncols, xlabel=r"$y$")


# -- a sweep -------------------------------------------------------------------------------

def _spans_decades(values) -> bool:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return v.size > 1 and bool((v > 0).all()) and v.max() / v.min() >= 100.0


def _value_text(v) -> str:
    return f"{v:.4g}" if isinstance(v, (float, np.floating)) else str(v)


def sweep_figure(store, x: str | None = None, y: str = "snr_median", layer: int | None = None,
                 *, prediction: bool = True, logx: bool | None = None, logy: bool | None = None):
    """A column of a sweep's table against a swept key, one line per other key value.

    Parameters
    ----------
    store : fastnoise.Store or path
        A sweep store (``fastnoise sweep``).
    x : str, optional
        Swept key on the abscissa (default the first axis of the sweep).
    y : str
        Numeric column of :func:`fastnoise.stats.sweep_table`, e.g.
        ``snr_median``, ``mean_var``, ``accuracy`` (see :data:`SWEEP_COLUMNS`).
    layer : int, optional
        Layer of the rows to plot (default: each point's output layer).
    prediction : bool
        Also draw ``pred_<y>`` dashed when the sweep stored a prediction.
    logx, logy : bool, optional
        Default: logarithmic when the values are positive and span at least
        two decades.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ..io.store import Store
    from ..stats.sweep import sweep_table

    st = store if isinstance(store, Store) else Store(os.fspath(store), "r")
    try:
        if not st.is_sweep:
            raise ValueError(f"{st.path} holds no sweep; plot a sweep store written by "
                             "'fastnoise sweep', or use another kind for a simulate store")
        keys = st.sweep_index().keys
        df = sweep_table(st, prediction=prediction)
    finally:
        if st is not store:
            st.close()
    x = keys[0] if x is None else x
    if x not in keys:
        raise ValueError(f"x {x!r} is not a swept key of this sweep{choice_hint(x, keys)}")
    numeric = [c for c in df.columns
               if c not in ("point", "done", "width", "layer", *keys) and df[c].dtype.kind in "fiu"]
    if y not in numeric:
        raise ValueError(f"y {y!r} is not a numeric column of the sweep table{choice_hint(y, numeric)}")
    df = df[df["done"]]
    if df.empty:
        raise ValueError(f"{st.path}: no point of the sweep is finished; complete it with "
                         "'fastnoise sweep SPEC --out STORE --resume'")
    if layer is None:
        df = df[df["layer"] == df.groupby("point")["layer"].transform("max")]
        where = "output layer"
    else:
        df = df[df["layer"] == layer]
        if df.empty:
            raise ValueError(f"no finished point of the sweep has a layer {layer}; choose a layer "
                             "every point has")
        where = f"layer {layer}"
    others = [k for k in keys if k != x]
    numeric_x = df[x].dtype.kind in "fiu"
    categories = None
    if not numeric_x:
        categories = list(dict.fromkeys(df.sort_values("point")[x]))
        position = {c: i for i, c in enumerate(categories)}
    pred_col = f"pred_{y}" if f"pred_{y}" in df.columns and prediction else None
    method = df["pred_method"].iloc[0] if pred_col else None
    series = {}
    groups = df.groupby(others, sort=True) if others else [((), df)]
    for i, (values, group) in enumerate(groups):
        values = values if isinstance(values, tuple) else (values,)
        label = ", ".join(f"{k} = {_value_text(v)}" for k, v in zip(others, values)) or "simulated"
        group = group.sort_values(x) if numeric_x else group.sort_values("point")
        if numeric_x:
            xs = group[x].to_numpy(float)
        else:
            xs = np.array([position[c] for c in group[x]], dtype=float)
        color = SERIES[i % len(SERIES)]
        series[label] = (xs, group[y].to_numpy(float), {"color": color})
        if pred_col is not None and np.isfinite(group[pred_col].to_numpy(float)).any():
            plabel = f"{label}, predicted" if others else f"predicted ({method})"
            series[plabel] = (xs, group[pred_col].to_numpy(float),
                              {"color": color, "linestyle": "--", "marker": "none",
                               "in_legend": not others})
    ys = np.concatenate([v[1] for v in series.values()])
    if logx is None:
        logx = numeric_x and _spans_decades(df[x].to_numpy(float))
    if logy is None:
        logy = _spans_decades(ys)
    # with several groups, one legend entry explains every dashed line
    styles = ({"simulated": {"marker": "o"}, f"predicted ({method})": {"linestyle": "--"}}
              if pred_col is not None and others else None)
    return fig_xy(series, xlabel=x, ylabel=SWEEP_COLUMNS.get(y, y), logx=logx, logy=logy,
                  title=f"{os.path.basename(st.path)}: {where}", categories=categories,
                  styles=styles)
