"""Fig. 3: output SNR against output mean of the symmetric network, six noise settings."""

from __future__ import annotations

import time

import numpy as np

from ..analytic.compare import mc_quantiles
from ..network import symmetric
from ..noise import Noise
from ..result import snr as _snr  # the package's one SNR (NaN where Var = 0)
from .figure_common import (STORES, FigureData, ensure_figure_runs, finite_median, progress_sink,
                            quiet_predict, ratio)
from .runs import RunSpec
from .settings import Settings
from .tables import Table

__all__ = ["fig3", "fig3_noises", "fig3_specs"]


def fig3_noises(s) -> dict:
    """Panel -> (title, Noise): uncorrelated (a–c) and correlated (d–f) noise of Fig. 3.

    The caption gives D_A^U = D_A^C = 1e-4 and D_M^U = D_M^C = 1e-3; the
    bottom row uses the correlated kinds alone at the intensities of the top
    row, so that each column compares correlated with uncorrelated noise of
    equal amplitude (Sec. III).
    """
    a, m = s.additive, s.multiplicative
    return {
        "a": ("uncorrelated additive", Noise(additive=a)),
        "b": ("uncorrelated multiplicative", Noise(multiplicative=m)),
        "c": ("uncorrelated mixed", Noise(additive=a, multiplicative=m)),
        "d": ("correlated additive", Noise(additive_correlated=a)),
        "e": ("correlated multiplicative", Noise(multiplicative_correlated=m)),
        "f": ("correlated mixed", Noise(additive_correlated=a, multiplicative_correlated=m)),
    }


def fig3_specs(settings: Settings) -> list:
    """The runs of Fig. 3: each panel's noise with shifted-sigmoid and with linear hidden neurons."""
    s = settings.fig3
    u = np.linspace(0.0, 1.0, s.inputs)[:, None]
    widths = [1, s.width, s.width, 1]
    net = symmetric(widths, alpha=s.alpha)
    lin = symmetric(widths, activation="linear")
    noises = fig3_noises(s)
    specs = [RunSpec(key, net, u, nz, s.repeats, s.seed, stream=i)
             for i, (key, (_, nz)) in enumerate(noises.items())]
    specs += [RunSpec(f"linear_{key}", lin, u, nz, s.repeats, s.seed, stream=len(noises) + i)
              for i, (key, (_, nz)) in enumerate(noises.items())]
    return specs


def fig3(out, settings: Settings | None = None, *, overwrite: bool = False,
         progress=None) -> FigureData:
    """Fig. 3: output SNR against output mean of the symmetric network, six noise settings.

    Simulates the 1-I-I-1 symmetric network (W = 1/I, shifted sigmoid of
    slope α in the hidden layers, Sec. III) for each panel's noise, and the
    same network with linear hidden neurons (the paper's "linear FNN", gray
    in Fig. 3, and the reference of claim 5).  Curves: the single neuron
    (Eq. 5 with a noiseless input) and the network prediction of the
    first-order recursion (Eqs. 6, 9, 10).

    Parameters
    ----------
    out : path
        Output folder; the runs go to ``out/fig3.h5``.
    settings : Settings, optional
        Default :meth:`Settings.full`.
    overwrite : bool
        Replace stored runs made with other settings.
    progress : object, optional
        Has ``start(figure, total)`` and ``advance(what)``.

    Returns
    -------
    FigureData
        Tables ``a``–``f`` (series ``network``, ``linear network``,
        ``prediction``, ``single neuron``); results per panel and the
        correlated/uncorrelated variance ratios of claim 5.
    """
    from ..analytic.single import single_neuron_snr
    from ..analytic.terms import output_variance

    settings = settings or Settings.full()
    s = settings.fig3
    prog = progress_sink(progress)
    t0 = time.perf_counter()
    specs = fig3_specs(settings)
    net, u = specs[0].net, specs[0].inputs
    widths = list(net.widths)
    noises = fig3_noises(s)
    results, actions = ensure_figure_runs(prog, out, "fig3", specs, overwrite)
    out_layer = net.n_layers - 1
    mc_med = mc_quantiles(s.repeats)[0]
    tables, panels = {}, {}
    grid = np.linspace(0.0, 1.0, 201)
    for key, (title, nz) in noises.items():
        r, rl = results[key], results[f"linear_{key}"]
        first = quiet_predict(net, u, nz, "first-order")
        gauss = quiet_predict(net, u, nz, "gauss")
        mean, var = r.mean[out_layer][:, 0], r.var[out_layer][:, 0]
        lmean, lvar = rl.mean[out_layer][:, 0], rl.var[out_layer][:, 0]
        pm, pv = first.mean[out_layer][:, 0], first.var[out_layer][:, 0]
        order = np.argsort(pm, kind="stable")
        single_var = np.broadcast_to(output_variance(nz, grid, 0.0), grid.shape)
        tables[key] = Table.concat([
            Table({"series": "network", "u": u[:, 0], "mean": mean, "var": var,
                   "snr": _snr(mean, var), "pred_first_order_var": pv,
                   "pred_gauss_var": gauss.var[out_layer][:, 0]}),
            Table({"series": "linear network", "u": u[:, 0], "mean": lmean, "var": lvar,
                   "snr": _snr(lmean, lvar)}),
            Table({"series": "prediction", "u": u[order, 0], "mean": pm[order], "var": pv[order],
                   "snr": _snr(pm[order], pv[order])}),
            Table({"series": "single neuron", "mean": grid, "var": single_var,
                   "snr": single_neuron_snr(nz, grid)}),
        ])
        ratio_first = ratio(pv, var)
        ratio_gauss = ratio(gauss.var[out_layer][:, 0], var)
        panels[key] = {
            "title": title, "noise": nz.to_dict(),
            "snr_median_network": finite_median(_snr(mean, var)),
            "snr_median_linear": finite_median(_snr(lmean, lvar)),
            "var_ratio_first_order_median": finite_median(ratio_first),
            "var_abs_error_first_order_median": finite_median(np.abs(ratio_first - 1)),
            "var_ratio_gauss_median": finite_median(ratio_gauss),
            "var_abs_error_gauss_median": finite_median(np.abs(ratio_gauss - 1)),
        }
    corr = {}
    for kind, (ku, kc) in {"additive": ("a", "d"), "multiplicative": ("b", "e"),
                           "mixed": ("c", "f")}.items():
        ratios = {}
        for label, prefix in (("nonlinear", ""), ("linear", "linear_")):
            vu = results[prefix + ku].var[out_layer][:, 0]
            vc = results[prefix + kc].var[out_layer][:, 0]
            ratios[label] = finite_median(ratio(vc, vu))
        corr[kind] = {"var_ratio_corr_uncorr_nonlinear": ratios["nonlinear"],
                      "var_ratio_corr_uncorr_linear": ratios["linear"]}
    prog.advance("predictions")
    res = {"alpha": s.alpha, "widths": widths, "repeats": s.repeats, "inputs": s.inputs,
           "mc_median_abs_error": mc_med, "panels": panels, "correlated_vs_uncorrelated": corr}
    return FigureData("fig3", "Fig. 3: output SNR of the symmetric network, six noise settings",
                      tables, res, actions, STORES["fig3"], time.perf_counter() - t0)

