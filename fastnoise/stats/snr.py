"""SNR per neuron and input (Eq. 4), layer summaries and binned SNR curves."""

from __future__ import annotations

import numpy as np

from ..result import layer_array
from ..result import snr as _moment_snr


def _n_layers(source) -> int:
    return source.n_layers


def snr(source, n: int) -> np.ndarray:
    """(T, I_n) array of E(y)/√Var(y) for layer n (Eq. 4); NaN where Var is 0 or unknown.

    ``source`` is a Result, a Prediction or a store Run; the same values as
    ``source.snr(n)`` (:func:`fastnoise.result.snr`).
    """
    return _moment_snr(layer_array(source, "mean", n), layer_array(source, "var", n))


def layer_summary(source) -> list[dict]:
    """One dict per layer: width, mean of y, mean variance, min/median/max SNR.

    NaN entries (inputs not yet computed in an interrupted run) are ignored.
    """
    rows = []
    for n in range(_n_layers(source)):
        mean = layer_array(source, "mean", n)
        var = layer_array(source, "var", n)
        s = _moment_snr(mean, var)
        finite = s[np.isfinite(s)]
        rows.append({
            "layer": n,
            "width": int(mean.shape[1]),
            "mean_y": float(np.nanmean(mean)) if np.isfinite(mean).any() else float("nan"),
            "mean_var": float(np.nanmean(var)) if np.isfinite(var).any() else float("nan"),
            "snr_min": float(finite.min()) if finite.size else float("nan"),
            "snr_median": float(np.median(finite)) if finite.size else float("nan"),
            "snr_max": float(finite.max()) if finite.size else float("nan"),
        })
    return rows


def summary_table(source) -> str:
    """The layer summary as an aligned text table."""
    rows = layer_summary(source)
    head = f"{'layer':>5} {'width':>6} {'mean y':>11} {'mean var':>11} {'SNR min':>10} {'SNR median':>11} {'SNR max':>10}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['layer']:>5} {r['width']:>6} {r['mean_y']:>11.4g} {r['mean_var']:>11.4g} "
                     f"{r['snr_min']:>10.4g} {r['snr_median']:>11.4g} {r['snr_max']:>10.4g}")
    return "\n".join(lines)


def snr_curve(source, n: int, bins: int | np.ndarray = 50, range=None):
    """Binned SNR against mean output (Fig. 3 style) for layer n.

    Every (input, neuron) pair contributes the point (E(y), SNR(y)); points are
    grouped into bins of E(y).

    Returns
    -------
    dict with ``centers``, ``snr_median``, ``snr_mean``, ``snr_q10``,
    ``snr_q90`` and ``count`` (one entry per bin; NaN for empty bins).
    """
    mean = np.asarray(layer_array(source, "mean", n)).ravel()
    s = snr(source, n).ravel()
    ok = np.isfinite(mean) & np.isfinite(s)
    mean, s = mean[ok], s[ok]
    if np.ndim(bins) == 0:
        lo, hi = (mean.min(), mean.max()) if range is None else range
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, int(bins) + 1)
    else:
        edges = np.asarray(bins, dtype=float)
    idx = np.clip(np.searchsorted(edges, mean, side="right") - 1, 0, len(edges) - 2)
    nb = len(edges) - 1
    out = {k: np.full(nb, np.nan) for k in ("snr_median", "snr_mean", "snr_q10", "snr_q90")}
    count = np.bincount(idx, minlength=nb)
    for b in np.nonzero(count)[0]:
        v = s[idx == b]
        out["snr_median"][b] = np.median(v)
        out["snr_mean"][b] = v.mean()
        out["snr_q10"][b], out["snr_q90"][b] = np.quantile(v, [0.1, 0.9])
    out["centers"] = 0.5 * (edges[:-1] + edges[1:])
    out["edges"] = edges
    out["count"] = count
    return out
