"""Shared pieces of the figure functions: series checking and drawing helpers."""

from __future__ import annotations

import math

import numpy as np

from .style import curve_style, point_style, readable_log_axis

SNR_LABEL = r"$\mathrm{SNR}$"
VAR_LABEL = r"$\mathrm{Var}(y)$"
#: Above this many points a scatter series is rasterised in vector output
#: (a PDF of 10^5 vector markers is slow to open and adds nothing).
RASTER_ABOVE = 5000
_PANEL_KEYS = {"points", "curves", "title", "xlabel", "ylabel", "logy"}


# -- input checking ------------------------------------------------------------------

def as_series(value, what: str, label) -> tuple[np.ndarray, np.ndarray, dict]:
    """``(x, y)`` or ``(x, y, props)`` as two flat float arrays and a dict."""
    if not isinstance(value, (tuple, list)) or len(value) not in (2, 3):
        raise TypeError(f"{what} {label!r} must be a tuple (x, y) or (x, y, props), got "
                        f"{type(value).__name__}"
                        + (f" of length {len(value)}" if isinstance(value, (tuple, list)) else ""))
    x = np.asarray(value[0], dtype=float).ravel()
    y = np.asarray(value[1], dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"{what} {label!r}: x has {x.size} values but y has {y.size}; "
                         "give arrays of one size")
    props = dict(value[2]) if len(value) == 3 and value[2] is not None else {}
    return x, y, props


def as_mapping(value, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"{what} must be a dict label -> series, got {type(value).__name__}")
    return value


def check_panel(panel, i: int) -> dict:
    if not isinstance(panel, dict):
        raise TypeError(f"panel {i} must be a dict with keys 'points', 'curves', 'title', got "
                        f"{type(panel).__name__}")
    unknown = set(panel) - _PANEL_KEYS
    if unknown:
        raise ValueError(f"panel {i} has unknown key(s) {', '.join(sorted(map(repr, unknown)))}; "
                         f"allowed: {', '.join(sorted(_PANEL_KEYS))}")
    return panel


# -- drawing helpers -----------------------------------------------------------------

def _scatter(ax, x, y, label, style, props):
    n = x.size
    kw = {"s": 3.0 if n > 2000 else 6.0, "marker": "o", "linewidths": 0,
          "alpha": 0.5 if n > 2000 else 0.85, "rasterized": n > RASTER_ABOVE, "zorder": 2}
    kw.update(style)
    kw.update(props)
    return ax.scatter(x, y, label=label, **kw)


def plot_line(ax, x, y, label, style, props):
    kw = {"zorder": 3}
    kw.update(style)
    kw.update(props)
    return ax.plot(x, y, label=label, **kw)[0]


def add_legend(ax, many_points: bool = False, **kw):
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    # "best" tests every data point against every location: slow for 10^5 points
    kw.setdefault("loc", "lower center" if many_points else "best")
    kw.setdefault("markerscale", 2.0)
    return ax.legend(handles, labels, **kw)


def draw_snr(ax, points, curves, *, title, xlabel, ylabel, logy, legend=True):
    """Scatter ``points`` and draw ``curves`` on ``ax``; return the labels drawn."""
    points = as_mapping(points, "points")
    curves = as_mapping(curves, "curves")
    labels = []
    total = 0
    for i, (label, value) in enumerate(points.items()):
        x, y, props = as_series(value, "points", label)
        _scatter(ax, x, y, label, point_style(label, i), props)
        labels.append(label)
        total += x.size
    for i, (label, value) in enumerate(curves.items()):
        x, y, props = as_series(value, "curves", label)
        plot_line(ax, x, y, label, curve_style(label, i), props)
        labels.append(label)
    if logy:
        log_axis(ax, "y")
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if legend:
        add_legend(ax, many_points=total > RASTER_ABOVE)
    return labels


def draw_hist(ax, hist: dict, i: int, *, xlabel, ylabel):
    if not isinstance(hist, dict) or "edges" not in hist or "counts" not in hist:
        raise TypeError(f"histogram {i} must be a dict with keys 'edges', 'counts' and optionally "
                        "'title', 'curves', 'label'")
    edges = np.asarray(hist["edges"], dtype=float).ravel()
    counts = np.asarray(hist["counts"], dtype=float).ravel()
    if edges.size != counts.size + 1:
        raise ValueError(f"histogram {i}: {edges.size} edges for {counts.size} counts; give one "
                         "edge more than counts")
    ax.stairs(counts, edges, fill=True, facecolor="#56B4E9", alpha=0.45, edgecolor="none",
              label=hist.get("label", "simulated"))
    for j, (label, value) in enumerate(as_mapping(hist.get("curves"), "curves").items()):
        x, y, props = as_series(value, "curves", label)
        plot_line(ax, x, y, label, curve_style(label, j), props)
    if hist.get("title"):
        ax.set_title(hist["title"])
    ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)


def log_axis(ax, which: str):
    """Logarithmic x or y axis; non-positive values are masked, labels plain numbers."""
    if which == "x":
        ax.set_xscale("log", nonpositive="mask")
        readable_log_axis(ax.xaxis)
    else:
        ax.set_yscale("log", nonpositive="mask")
        readable_log_axis(ax.yaxis)


def remove_unused(axes, used: int):
    for ax in axes.ravel()[used:]:
        ax.remove()


def subplot_grid(n: int, ncols: int) -> tuple[int, int]:
    if n < 1:
        raise ValueError("no panels to draw; give at least one")
    if ncols < 1:
        raise ValueError(f"ncols must be ≥ 1, got {ncols}")
    ncols = min(ncols, n)
    return math.ceil(n / ncols), ncols
