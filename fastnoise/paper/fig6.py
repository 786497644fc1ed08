"""Fig. 6: SNR in the hidden and output layers of network A and the state densities p*."""

from __future__ import annotations

import time

import numpy as np

from ..analytic.compare import mc_quantiles
from ..result import snr as _snr  # the package's one SNR (NaN where Var = 0)
from .figure_common import (STORES, FigureData, ensure_figure_runs, points_table, progress_sink,
                            quiet_predict)
from .settings import Settings
from .tables import Table
from .trained_networks import curve_grid, trained_specs

__all__ = ["DENSITY_LABELS", "fig6", "fig6_specs"]


def fig6_specs(settings: Settings, networks=None, data=None) -> list:
    """The run of Fig. 6: network A, the same run as in Fig. 5."""
    return trained_specs(settings, networks, data, which=("A",), claim5=False)


#: Labels of the three state densities p*(z) of Fig. 6 (Methods VII B).
DENSITY_LABELS = {"uniform": "uniform p*", "normal": "normal p*", "quartic": "g(x̃) p*"}


def fig6(out, settings: Settings | None = None, *, overwrite: bool = False, progress=None,
         networks=None, data=None) -> FigureData:
    """Fig. 6: SNR in the hidden and output layers of network A and the state densities.

    Panels (a–c): SNR against mean of every neuron of the paper's layers 2,
    3, 4 (the two hidden layers and the output), with the Eq. 14 curves for
    the three approximations of p*(z): uniform, normal and g(x̃) of Eq. 29.
    Panels (d–f): histograms of the noiseless states x̃ of those layers
    (pooled over neurons and inputs) with the three fitted densities.  Uses
    network A's run of Fig. 5 (``trained.h5``, reused when present).

    Parameters
    ----------
    out, settings, overwrite, progress, networks, data
        As :func:`~fastnoise.paper.fig5.fig5`; the run is network A's in ``out/trained.h5``.

    Returns
    -------
    FigureData
        Tables ``a``–``c`` (points and the three curves per layer) and
        ``d``–``f`` (histogram and fitted densities per layer).
    """
    from ..analytic.eq14 import curve_variance
    from ..analytic.state_density import fit_state_density

    settings = settings or Settings.full()
    t = settings.trained
    prog = progress_sink(progress)
    t0 = time.perf_counter()
    specs = fig6_specs(settings, networks, data)
    runs, actions = ensure_figure_runs(prog, out, "fig6", specs, overwrite)
    sp, r = specs[0], runs["A"]
    net, u, nz = sp.net, sp.inputs, sp.noise
    kinds = tuple(DENSITY_LABELS)
    preds = {k: quiet_predict(net, u, nz, "trained", density=k) for k in kinds}
    tables, layers = {}, {}
    for key, n in zip("abc", range(1, net.n_layers)):
        pts, stats = points_table(r, {k: preds[k].var[n] for k in kinds}, n, t.max_points)
        pts.columns["series"] = np.full(pts.n_rows, "simulated")
        curves = []
        grid = curve_grid(net, r.noiseless_x[n], n)
        for k in kinds:
            cm, cv = curve_variance(net, u, nz, n, density=k, means=grid)
            curves.append(Table({"series": DENSITY_LABELS[k], "mean": cm, "var": cv,
                                 "snr": _snr(cm, cv)}))
        tables[key] = Table.concat([pts] + curves)
        layers[str(n)] = {"paper_layer": n + 1, "var_ratio": stats}
    for key, n in zip("def", range(1, net.n_layers)):
        xt = np.asarray(r.noiseless_xt[n], float).ravel()
        lo, hi = float(xt.min()), float(xt.max())
        if hi <= lo:
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, t.hist_bins + 1)
        counts, _ = np.histogram(xt, bins=edges)
        dens = counts / (xt.size * np.diff(edges))
        parts = [Table({"series": "histogram", "x": 0.5 * (edges[:-1] + edges[1:]),
                        "x_lo": edges[:-1], "x_hi": edges[1:], "density": dens})]
        fits = {}
        grid = np.linspace(lo, hi, 300)
        for k in kinds:
            d = fit_state_density(r.noiseless_xt[n], k)   # as Eq. 14 fits p*_n
            fits[k] = d.summary()
            pdf = d.pdf(grid) if not d.is_point_mass else np.full(grid.shape, np.nan)
            parts.append(Table({"series": DENSITY_LABELS[k], "x": grid, "density": pdf}))
        tables[key] = Table.concat(parts)
        layers[str(n)]["densities"] = fits
        layers[str(n)]["states"] = int(xt.size)
    prog.advance("predictions")
    res = {"network": "A", "inputs": int(u.shape[0]), "repeats": t.repeats, "layers": layers,
           "mc_median_abs_error": mc_quantiles(t.repeats)[0]}
    return FigureData("fig6", "Fig. 6: hidden and output SNR of network A, state densities p*",
                      tables, res, actions, STORES["fig6"], time.perf_counter() - t0)

