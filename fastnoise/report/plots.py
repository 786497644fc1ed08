"""Publication figures from plain arrays (paper Figs. 3–6) and :func:`save`.

Every ``fig_*`` function takes NumPy arrays and dicts, never a store, and
returns a :class:`matplotlib.figure.Figure` built without ``pyplot`` (no
window opens, the user's backend is untouched).  A series is a tuple
``(x, y)``, or ``(x, y, props)`` where ``props`` is a dict of matplotlib
properties that override the house style for that series.  Arrays of any
shape are flattened, so ``(res.mean[3], res.snr(3))`` is a valid series.

Colours follow :mod:`fastnoise.report.style`: simulated points in the
colour-blind-safe Okabe–Ito palette, curves styled after their label
("single neuron" gray and dashed, "prediction" black, "uniform p*" red,
"normal p*" green, ...).

Examples
--------
>>> res = fn.simulate(net, u, noise, repeats=300)                 # doctest: +SKIP
>>> fig = fig_snr_mean({"network (simulated)": (res.mean[3], res.snr(3))})  # doctest: +SKIP
>>> save(fig, "fig3a")                        # fig3a.png and fig3a.pdf  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from ._draw import (RASTER_ABOVE, SNR_LABEL, VAR_LABEL, draw_hist, draw_snr, subplot_grid, add_legend,
                    plot_line, log_axis, as_mapping, check_panel, remove_unused, as_series)
from ._save import save
from .style import (COLUMN, GRAY, PAGE, SERIES, axes_or_new, curve_style, letters as _letters,
                    new_figure, panel_letter, styled)

__all__ = ["fig_snr_mean", "fig_snr_panels", "fig_var_depth", "fig_activation", "fig_lamerey",
           "fig_order_error", "fig_histograms", "fig_hidden_snr", "fig_xy", "save", "staircase",
           "SNR_LABEL", "VAR_LABEL"]

# -- figures -------------------------------------------------------------------------

@styled
def fig_snr_mean(points, curves=None, *, title=None, xlabel=r"mean $E(y)$", ylabel=SNR_LABEL,
                 logy=True, ax=None, legend=True):
    """SNR against mean output (paper Figs. 3 and 5).

    Parameters
    ----------
    points : dict
        ``label -> (mean, snr)`` scatter series, e.g.
        ``{"network (simulated)": (res.mean[3], res.snr(3))}`` or one
        series per class (``"digit 5"``, ``"other digits"``).
    curves : dict, optional
        ``label -> (x, snr)`` lines drawn in the order given (sort ``x``
        first), e.g. ``"single neuron"`` (gray, dashed) and
        ``"prediction"`` (black).
    title, xlabel, ylabel : str, optional
        Axes texts (mathtext allowed).
    logy : bool
        Logarithmic SNR axis; non-positive SNR values are masked.
    ax : matplotlib.axes.Axes, optional
        Draw into this axes instead of a new one-column figure.
    legend : bool
        Add a legend of the labelled series.

    Returns
    -------
    matplotlib.figure.Figure
        The new figure, or ``ax.figure``.
    """
    ax = axes_or_new(ax)
    draw_snr(ax, points, curves, title=title, xlabel=xlabel, ylabel=ylabel, logy=logy,
              legend=legend)
    return ax.figure


@styled
def fig_snr_panels(panels, *, ncols=3, sharey=True, letters=True, legend="auto", width=None,
                   height=None):
    """A grid of SNR-vs-mean panels (Fig. 3 a–f, Fig. 5 a–c).

    Parameters
    ----------
    panels : list of dict
        One dict per panel with keys ``points``, ``curves`` and ``title``
        as for :func:`fig_snr_mean`, and optionally ``xlabel``, ``ylabel``,
        ``logy`` (default True).  Filled row by row.
    ncols : int
        Panels per row.
    sharey : bool
        One SNR axis for all panels (labelled on the first column only).
    letters : bool
        Label the panels (a), (b), ... in reading order.
    legend : {"auto", "all", "first", "none"}
        ``"auto"``: a legend in each panel that shows a label no earlier
        panel has shown (one legend for Fig. 3, one per panel for Fig. 5).
    width, height : float, optional
        Figure size in inches (default: page width, 2.15 inches per row).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if legend not in ("auto", "all", "first", "none"):
        raise ValueError(f"legend must be 'auto', 'all', 'first' or 'none', got {legend!r}")
    panels = list(panels)
    nrows, ncols = subplot_grid(len(panels), ncols)
    fig, axes = new_figure(nrows, ncols, sharey=sharey, width=width, height=height)
    tags = _letters(len(panels))
    shown: set = set()
    for i, panel in enumerate(panels):
        panel = check_panel(panel, i)
        ax = axes.ravel()[i]
        ylabel = panel.get("ylabel", SNR_LABEL) if (not sharey or i % ncols == 0) else None
        labels = draw_snr(ax, panel.get("points"), panel.get("curves"), title=panel.get("title"),
                           xlabel=panel.get("xlabel", r"mean $E(y)$"), ylabel=ylabel,
                           logy=panel.get("logy", True), legend=False)
        many = sum(np.size(v[0]) for v in as_mapping(panel.get("points"), "points").values())
        show = (legend == "all" or (legend == "first" and i == 0)
                or (legend == "auto" and not set(labels) <= shown))
        if show:
            add_legend(ax, many_points=many > RASTER_ABOVE)
        shown.update(labels)
        if letters:
            panel_letter(ax, tags[i])
    remove_unused(axes, len(panels))
    return fig


def _layer_picks(n_layers: int, layers, max_columns: int) -> list[int]:
    if layers is not None:
        picks = [int(j) for j in layers]
        bad = [j for j in picks if not 0 <= j < n_layers]
        if bad:
            raise ValueError(f"layers {bad} out of range; the rows hold layers 0..{n_layers - 1}")
        return picks
    if n_layers <= max_columns:
        return list(range(n_layers))
    return sorted(set(np.round(np.linspace(0, n_layers - 1, max_columns)).astype(int).tolist()))


@styled
def fig_var_depth(rows, *, layers=None, xlabel=r"input $u$", ylabel=VAR_LABEL, logy=False,
                  max_columns=6, letters=False):
    """Variance against input, one column per layer, one row per setting (Fig. 4b).

    Parameters
    ----------
    rows : list of dict
        One dict per row, with keys

        ``title``
            Row name, e.g. ``"α = 2"`` (written beside the row's y label).
        ``inputs``
            (T,) abscissa shared by the row's layers.
        ``simulated``
            List over layers of (T,) variances, drawn as points.
        ``predicted`` (optional)
            ``label -> list over layers of (T,) arrays`` (an entry may be
            None), drawn as lines.
        ``layer_names`` (optional)
            Names of the layers in the column titles (default 0, 1, ...).
    layers : list of int, optional
        Which list positions to show (default all, or ``max_columns``
        evenly spaced ones including the first and last).
    xlabel, ylabel : str
    logy : bool
        Logarithmic variance axis.
    max_columns : int
        Column limit when ``layers`` is not given.
    letters : bool
        Label the panels (a), (b), ...

    Returns
    -------
    matplotlib.figure.Figure
    """
    rows = list(rows)
    if not rows:
        raise ValueError("no rows to draw; give at least one")
    for r, row in enumerate(rows):
        if not isinstance(row, dict) or "inputs" not in row or "simulated" not in row:
            raise TypeError(f"row {r} must be a dict with keys 'inputs' and 'simulated' (and "
                            "optionally 'title', 'predicted', 'layer_names')")
    n_layers = min(len(row["simulated"]) for row in rows)
    picks = _layer_picks(n_layers, layers, max_columns)
    fig, axes = new_figure(len(rows), len(picks), sharex=True, sharey="row", width=PAGE,
                           height=0.5 + 1.55 * len(rows))
    tags = _letters(len(rows) * len(picks))
    for r, row in enumerate(rows):
        u = np.asarray(row["inputs"], dtype=float).ravel()
        names = row.get("layer_names") or list(range(len(row["simulated"])))
        predicted = as_mapping(row.get("predicted"), f"row {r} 'predicted'")
        for c, j in enumerate(picks):
            ax = axes[r, c]
            sim = np.asarray(row["simulated"][j], dtype=float).ravel()
            if sim.shape != u.shape:
                raise ValueError(f"row {r}, layer {names[j]}: {sim.size} simulated variances for "
                                 f"{u.size} inputs; give one per input")
            ax.plot(u, sim, linestyle="none", marker="o", markersize=1.6, color="#56B4E9",
                    label="simulated", zorder=2, rasterized=u.size > RASTER_ABOVE)
            for i, (label, per_layer) in enumerate(predicted.items()):
                if per_layer is None or j >= len(per_layer) or per_layer[j] is None:
                    continue
                plot_line(ax, u, np.asarray(per_layer[j], dtype=float).ravel(), label,
                      curve_style(label, i), {})
            if logy:
                log_axis(ax, "y")
            if r == 0:
                ax.set_title(f"layer {names[j]}")
            if r == len(rows) - 1:
                ax.set_xlabel(xlabel)
            if c == 0:
                title = row.get("title")
                ax.set_ylabel(f"{title}\n{ylabel}" if title else ylabel)
            if letters:
                panel_letter(ax, tags[r * len(picks) + c])
    # one legend for all panels, below them: inside a panel it covered the data, and a legend
    # that overflows its panel pushes the next column away under constrained layout
    handles, labels = axes[0, 0].get_legend_handles_labels()
    if handles:
        fig.set_figheight(fig.get_figheight() + 0.3)
        fig.legend(handles, labels, loc="outside lower center", ncols=len(handles),
                   markerscale=2.5)
    return fig


@styled
def fig_activation(curves, *, xlabel=r"$\tilde{x}$", ax=None):
    """Activation functions (solid) and their derivatives (dashed) (Fig. 4a).

    Parameters
    ----------
    curves : dict
        ``label -> (x, f(x), f'(x))``; ``f'`` may be None (not drawn).
    xlabel : str
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.lines import Line2D

    curves = as_mapping(curves, "curves")
    ax = axes_or_new(ax)
    any_derivative = False
    for i, (label, value) in enumerate(curves.items()):
        if not isinstance(value, (tuple, list)) or len(value) not in (2, 3):
            raise TypeError(f"curve {label!r} must be a tuple (x, f(x), f'(x)), got "
                            f"{type(value).__name__}")
        color = SERIES[i % len(SERIES)]
        x, f, _ = as_series(value[:2], "curve", label)
        ax.plot(x, f, color=color, label=label)
        if len(value) == 3 and value[2] is not None:
            x, df, _ = as_series((value[0], value[2]), "derivative", label)
            ax.plot(x, df, color=color, linestyle="--", label="_nolegend_")
            any_derivative = True
    ax.set_xlabel(xlabel)
    ax.set_ylabel(r"$f(\tilde{x})$, $f'(\tilde{x})$" if any_derivative else r"$f(\tilde{x})$")
    handles, labels = ax.get_legend_handles_labels()
    if any_derivative:
        handles += [Line2D([], [], color=GRAY, label=r"$f$"),
                    Line2D([], [], color=GRAY, linestyle="--", label=r"$f'$")]
        labels += [r"$f$", r"$f'$"]
    if handles:
        ax.legend(handles, labels, loc="best")
    return ax.figure


def staircase(s_prev, s_next) -> tuple[np.ndarray, np.ndarray]:
    """The cobweb path of iterates ``(S_{n-1}, S_n)``.

    For each pair the path runs from the diagonal point (S_{n-1}, S_{n-1})
    up to (S_{n-1}, S_n) and across to the diagonal (S_n, S_n).

    Returns
    -------
    x, y : ndarray
        3 vertices per pair.
    """
    a = np.asarray(s_prev, dtype=float).ravel()
    b = np.asarray(s_next, dtype=float).ravel()
    x = np.column_stack([a, a, b]).ravel()
    y = np.column_stack([a, b, b]).ravel()
    return x, y


@styled
def fig_lamerey(series, *, log=False, xlabel=r"$S_{n-1}$", ylabel=r"$S_n$", ax=None):
    """Lamerey (cobweb) diagram of the variance recursion S_n = F(S_{n-1}) (Fig. 4c).

    Parameters
    ----------
    series : dict
        ``label -> (s_prev, s_next)``: the iterates of one setting (e.g.
        ``"α = 2.5"``), drawn as points with their staircase.
    log : bool
        Logarithmic axes.
    xlabel, ylabel : str
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        Its axes hold the diagonal first, then per series the staircase
        and the points.
    """
    series = as_mapping(series, "series")
    ax = axes_or_new(ax, width=COLUMN, height=COLUMN * 0.85)
    data = [(label,) + as_series(v, "series", label)[:2] for label, v in series.items()]
    values = np.concatenate([np.concatenate([a, b]) for _, a, b in data]) if data else np.zeros(0)
    values = values[np.isfinite(values) & ((values > 0) if log else True)]
    if values.size:
        lo, hi = float(values.min()), float(values.max())
        if log:
            lo, hi = lo / 1.5, hi * 1.5
        else:
            pad = 0.05 * (hi - lo or abs(hi) or 1.0)
            lo, hi = min(lo - pad, 0.0) if lo >= 0 else lo - pad, hi + pad
    else:
        lo, hi = (1e-6, 1.0) if log else (0.0, 1.0)
    ax.plot([lo, hi], [lo, hi], color=GRAY, linewidth=0.8, linestyle=":",
            label=r"$S_n = S_{n-1}$", zorder=1)
    for i, (label, a, b) in enumerate(data):
        color = SERIES[i % len(SERIES)]
        sx, sy = staircase(a, b)
        ax.plot(sx, sy, color=color, linewidth=0.7, label="_nolegend_", zorder=2)
        ax.plot(a, b, linestyle="none", marker="o", color=color, label=label, zorder=3)
    if log:
        log_axis(ax, "x")
        log_axis(ax, "y")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    add_legend(ax, loc="lower right", markerscale=1.0)
    return ax.figure


@styled
def fig_order_error(orders, errors, *, logy=True, xlabel=r"Taylor order $M$",
                    ylabel="relative error", ax=None):
    """Error of the order-M approximation against M (Fig. 4d).

    Parameters
    ----------
    orders : array_like
        The orders M.
    errors : dict or array_like
        ``label -> errors`` (one per order), or one unlabelled array.
    logy : bool
    xlabel, ylabel : str
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.ticker import MaxNLocator

    if not isinstance(errors, dict):
        errors = {"_nolegend_": errors}
    m = np.asarray(orders, dtype=float).ravel()
    ax = axes_or_new(ax)
    for i, (label, err) in enumerate(errors.items()):
        x, y, props = as_series((m, err), "errors", label)
        kw = {"marker": "o", "color": SERIES[i % len(SERIES)]}
        kw.update(props)
        ax.plot(x, y, label=label, **kw)
    if logy:
        log_axis(ax, "y")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    add_legend(ax, markerscale=1.0)
    return ax.figure


@styled
def fig_histograms(histograms, *, ncols=3, letters=False, xlabel=r"$\tilde{x}_n$",
                   ylabel="density"):
    """Histograms (as densities) with overlaid density curves (Fig. 6 d–f).

    Parameters
    ----------
    histograms : list of dict
        One dict per panel: ``edges`` (nb+1,), ``counts`` (nb,) drawn as a
        filled step histogram, and optionally ``title``, ``label`` (of
        the histogram, default ``"simulated"``) and ``curves``
        (``label -> (x, pdf)``).
    ncols : int
    letters : bool
    xlabel, ylabel : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    histograms = list(histograms)
    nrows, ncols = subplot_grid(len(histograms), ncols)
    fig, axes = new_figure(nrows, ncols)
    tags = _letters(len(histograms))
    for i, hist in enumerate(histograms):
        ax = axes.ravel()[i]
        draw_hist(ax, hist, i, xlabel=xlabel, ylabel=ylabel if i % ncols == 0 else None)
        if letters:
            panel_letter(ax, tags[i])
    add_legend(axes[0, 0])
    remove_unused(axes, len(histograms))
    return fig


@styled
def fig_hidden_snr(panels, histograms, *, letters=True, xlabel_hist=r"$\tilde{x}_n$"):
    """SNR of hidden and output layers over the state densities (Fig. 6).

    Parameters
    ----------
    panels : list of dict
        Top row (a–c), as for :func:`fig_snr_panels`; curves named
        ``"uniform p*"``, ``"normal p*"``, ``"g(x̃) p*"`` are drawn red,
        green and black.  The SNR axes are shared.
    histograms : list of dict
        Bottom row (d–f), as for :func:`fig_histograms`.
    letters : bool
        Label the panels (a), (b), ... top row first.
    xlabel_hist : str
        Abscissa of the histograms.

    Returns
    -------
    matplotlib.figure.Figure
        Axes in order: the SNR panels, then the histograms.
    """
    panels, histograms = list(panels), list(histograms)
    ncols = max(len(panels), len(histograms))
    if ncols == 0:
        raise ValueError("no panels to draw; give at least one SNR panel or histogram")
    fig, axes = new_figure(2, ncols, width=min(PAGE, 2.45 * ncols), height=4.4)
    tags = _letters(len(panels) + len(histograms))
    shown: set = set()
    for i, panel in enumerate(panels):
        panel = check_panel(panel, i)
        ax = axes[0, i]
        if i:
            ax.sharey(axes[0, 0])
        labels = draw_snr(ax, panel.get("points"), panel.get("curves"), title=panel.get("title"),
                           xlabel=panel.get("xlabel", r"mean $E(y)$"),
                           ylabel=panel.get("ylabel", SNR_LABEL) if i == 0 else None,
                           logy=panel.get("logy", True), legend=False)
        if not set(labels) <= shown:
            many = sum(np.size(v[0]) for v in as_mapping(panel.get("points"), "points").values())
            add_legend(ax, many_points=many > RASTER_ABOVE)
        shown.update(labels)
        if letters:
            panel_letter(ax, tags[i])
    for i, hist in enumerate(histograms):
        ax = axes[1, i]
        draw_hist(ax, hist, i, xlabel=xlabel_hist, ylabel="density" if i == 0 else None)
        if letters:
            panel_letter(ax, tags[len(panels) + i])
    if histograms:
        add_legend(axes[1, 0])
    for ax in axes[0, len(panels):]:
        ax.remove()
    for ax in axes[1, len(histograms):]:
        ax.remove()
    return fig


@styled
def fig_xy(series, *, xlabel, ylabel, logx=False, logy=False, title=None, categories=None,
           styles=None, ax=None):
    """Lines with markers, one per labelled series (sweep plots).

    Parameters
    ----------
    series : dict
        ``label -> (x, y)`` or ``(x, y, props)``; ``props`` may hold
        ``in_legend=False`` to keep a series out of the legend (one whose
        colour and line style the legend already explains).
    xlabel, ylabel, title : str
    logx, logy : bool
    categories : list of str, optional
        Tick labels for x = 0, 1, ... (a swept value that is not a number).
    styles : dict, optional
        ``label -> line props``: extra legend entries that explain a line
        style (such as dashed = predicted) once for all series.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.lines import Line2D

    series = {label: as_series(value, "series", label)
              for label, value in as_mapping(series, "series").items()}
    entries = len(styles or {}) + sum(bool(p.get("in_legend", True)) for _, _, p in series.values())
    outside = entries > 3  # more than a few entries would cover the lines: beside the axes
    ax = axes_or_new(ax, **({"width": PAGE} if outside and ax is None else {}))
    handles = []
    for i, (label, (x, y, props)) in enumerate(series.items()):
        kw = {"marker": "o", "color": SERIES[i % len(SERIES)]}
        kw.update(props)
        shown = kw.pop("in_legend", True)
        (line,) = ax.plot(x, y, label=label, **kw)
        if shown:
            handles.append(line)
    for label, props in (styles or {}).items():
        handles.append(Line2D([], [], label=label, **{"color": "0.3", **props}))
    if logx:
        log_axis(ax, "x")
    if logy:
        log_axis(ax, "y")
    if categories is not None:
        ax.set_xticks(range(len(categories)), [str(c) for c in categories])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if handles:
        where = ({"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "borderaxespad": 0.0}
                 if outside else {"loc": "best"})
        ax.legend(handles=handles, markerscale=1.0, **where)
    return ax.figure
