"""Fig. 5: output SNR of the trained networks A, B and C with the analytic curve (and claim 5's runs)."""

from __future__ import annotations

import time

import numpy as np

from ..analytic.compare import mc_quantiles
from ..result import snr as _snr  # the package's one SNR (NaN where Var = 0)
from .figure_common import (STORES, FigureData, ensure_figure_runs, finite_median, points_table,
                            progress_sink, quiet_predict, ratio)
from .settings import Settings
from .tables import Table
from .trained_networks import TRAINED_NETWORKS, curve_grid, trained_specs

__all__ = ["fig5", "fig5_specs"]


def fig5_specs(settings: Settings, networks=None, data=None) -> list:
    """The runs of Fig. 5: networks A, B, C and the four network-A runs of claim 5."""
    return trained_specs(settings, networks, data)


def fig5(out, settings: Settings | None = None, *, overwrite: bool = False, progress=None,
         networks=None, data=None) -> FigureData:
    """Fig. 5: output SNR of the trained networks A, B and C with the analytic curve.

    A: MNIST digits (784-200-200-10, logistic, constant biases) on the test
    images of digit 5, the class neuron apart from the nine others; B:
    Fashion-MNIST (biases trained) on test pullovers; C: one-step Mackey–Glass
    prediction (100-200-200-1, linear output).  Noise: all four kinds at the
    Fig. 3 intensities.  Curve: Eq. 14 with the Eq. 15 integrals over the
    fitted g(x̃) of Eq. 29 (:func:`fastnoise.analytic.eq14.snr_curve`).
    The per-point predicted variances of Eq. 14 and, beyond the paper, of the
    full mean/covariance propagation (``method="moments"``) are compared
    with the simulation (claim 6).  Also runs network A under correlated only
    and uncorrelated only noise, with its logistic and with linear neurons,
    keeping the raw samples of the output neurons (claim 5).

    Parameters
    ----------
    out, settings, overwrite, progress
        As :func:`~fastnoise.paper.fig3.fig3`; the store is ``out/trained.h5``.
    networks : path, optional
        Folder with A.h5, B.h5, C.h5 (default :func:`~fastnoise.paper.trained_networks.default_networks`).
    data : path, optional
        Folder of the MNIST / Fashion-MNIST files (default: ``$FASTNOISE_DATA``
        and the other places :func:`fastnoise.io.datasets.load` searches).
    """
    from ..analytic.eq14 import curve_variance

    settings = settings or Settings.full()
    t = settings.trained
    prog = progress_sink(progress)
    t0 = time.perf_counter()
    specs = fig5_specs(settings, networks, data)
    runs, actions = ensure_figure_runs(prog, out, "fig5", specs, overwrite)
    by_name = {sp.name: sp for sp in specs}
    mc_med = mc_quantiles(t.repeats)[0]
    tables, nets = {}, {}
    for key, name in zip("abc", ("A", "B", "C")):
        sp, r = by_name[name], runs[name]
        net, u, nz = sp.net, sp.inputs, sp.noise
        out_layer = net.n_layers - 1
        eq14 = quiet_predict(net, u, nz, "trained", density="quartic")
        mom = quiet_predict(net, u, nz, "moments")
        cls = TRAINED_NETWORKS[name][1]
        label = TRAINED_NETWORKS[name][2]

        def series_of(neuron, cls=cls, label=label):
            if cls is None:
                return np.full(neuron.shape, label)
            return np.where(neuron == cls, f"{label} neuron", "other neurons")

        pts, stats = points_table(r, {"eq14": eq14.var[out_layer], "moments": mom.var[out_layer]},
                            out_layer, t.max_points, series_of)
        cm = curve_grid(net, r.noiseless_x[out_layer], out_layer)
        _, cvar = curve_variance(net, u, nz, out_layer, density="quartic", means=cm)
        tables[key] = Table.concat([pts, Table({"series": "prediction", "mean": cm, "var": cvar,
                                                "snr": _snr(cm, cvar)})])
        info = {"network": name, "task": TRAINED_NETWORKS[name][3], "widths": list(net.widths),
                "inputs": int(u.shape[0]), "repeats": t.repeats,
                "var_ratio": stats, "mc_median_abs_error": mc_med,
                "snr_median": finite_median(_snr(r.mean[out_layer], r.var[out_layer])),
                "eq14_S": [float(v) for v in eq14.info["S"]]}
        if r.predicted is not None and r.labels is not None:
            from ..stats import accuracy

            acc = accuracy(r)
            acc.pop("per_input_correct", None)
            info["accuracy"] = acc
        nets[name] = info
    # claim 5 on network A: correlated versus uncorrelated noise, logistic versus linear
    c5 = {}
    for act_name in ("logistic", "linear"):
        rc, ru = runs[f"A_corr_{act_name}"], runs[f"A_uncorr_{act_name}"]
        L = len(rc.var) - 1
        samples = rc.samples[0]                         # (T, K, S)
        S = samples.shape[2]
        iu = np.triu_indices(S, 1)
        corr = []
        for tt in range(samples.shape[0]):
            with np.errstate(divide="ignore", invalid="ignore"):
                c = np.corrcoef(samples[tt].T)
            corr.append(np.abs(c[iu]))
        corr = np.concatenate(corr) if corr else np.zeros(0)
        c5[act_name] = {
            "var_ratio_corr_uncorr": finite_median(ratio(rc.var[L], ru.var[L])),
            "mean_abs_corr_output_corr_noise": float(np.nanmean(corr)) if corr.size else None,
        }
    prog.advance("predictions")
    res = {"networks": nets, "claim5_network_A": c5, "claim5_inputs": t.claim5_count}
    return FigureData("fig5", "Fig. 5: output SNR of the trained networks A, B, C",
                      tables, res, actions, STORES["fig5"], time.perf_counter() - t0)

