"""The paper's Figs. 3–6: simulate, predict, and return the numbers of every panel.

Each ``figN`` function makes sure the simulations it needs are in its store in
the output folder (reusing identical runs, see :mod:`fastnoise.paper.runs`),
computes the analytic predictions, and returns a :class:`FigureData`: one
:class:`~fastnoise.paper.tables.Table` per panel (what the CSV files hold and
what is plotted) and a ``results`` dict of the derived numbers the claims of
:mod:`fastnoise.paper.claims` are judged on.  Nothing here draws or writes
anything but the stores; :mod:`fastnoise.paper.report` does that.

Layer numbers: the package counts layers from 0 (the input layer); tables
carry both that ``layer`` and the paper's ``paper_layer`` = layer + 1.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .. import activations as _acts
from ..analytic import predict
from ..analytic.compare import mc_quantiles
from ..network import Network, symmetric
from ..noise import Noise
from ..result import snr as _snr  # the package's one SNR (NaN where Var = 0)
from .runs import RunSpec, ensure_runs
from .settings import Settings
from .tables import Table

__all__ = ["FigureData", "FIGURES", "STORES", "fig3", "fig4", "fig5", "fig6", "default_networks",
           "specs", "trained_specs"]

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


def _progress(progress):
    return _Silent() if progress is None else progress


def _finite_median(a) -> float:
    a = np.asarray(a, float).ravel()
    a = a[np.isfinite(a)]
    return float(np.median(a)) if a.size else float("nan")


def _ratio(pred, sim) -> np.ndarray:
    """pred / sim where sim > 0 (NaN elsewhere)."""
    pred = np.asarray(pred, float)
    sim = np.asarray(sim, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sim > 0, pred / sim, np.nan)


def _quiet_predict(net, inputs, noise, method, **options):
    """:func:`fastnoise.predict` with the closures' divergence warnings silenced
    (a diverged Taylor closure is reported as inf, which the tables keep)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return predict(net, inputs, noise, method=method, **options)


def _store(out, figure: str) -> str:
    return os.path.join(os.fspath(out), STORES[figure])


def _ensure_runs(prog, out, figure: str, specs, overwrite: bool):
    """Start ``figure``'s progress (one step per run, one for the rest) and
    bring its store's runs up to date (:func:`ensure_runs`)."""
    prog.start(figure, len(specs) + 1)
    return ensure_runs(_store(out, figure), specs, overwrite,
                       on_run=lambda name, action: prog.advance(name))


# ==================================================================================== Fig. 3

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
    prog = _progress(progress)
    t0 = time.perf_counter()
    specs = fig3_specs(settings)
    net, u = specs[0].net, specs[0].inputs
    widths = list(net.widths)
    noises = fig3_noises(s)
    results, actions = _ensure_runs(prog, out, "fig3", specs, overwrite)
    out_layer = net.n_layers - 1
    mc_med = mc_quantiles(s.repeats)[0]
    tables, panels = {}, {}
    grid = np.linspace(0.0, 1.0, 201)
    for key, (title, nz) in noises.items():
        r, rl = results[key], results[f"linear_{key}"]
        first = _quiet_predict(net, u, nz, "first-order")
        gauss = _quiet_predict(net, u, nz, "gauss")
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
        ratio_first = _ratio(pv, var)
        ratio_gauss = _ratio(gauss.var[out_layer][:, 0], var)
        panels[key] = {
            "title": title, "noise": nz.to_dict(),
            "snr_median_network": _finite_median(_snr(mean, var)),
            "snr_median_linear": _finite_median(_snr(lmean, lvar)),
            "var_ratio_first_order_median": _finite_median(ratio_first),
            "var_abs_error_first_order_median": _finite_median(np.abs(ratio_first - 1)),
            "var_ratio_gauss_median": _finite_median(ratio_gauss),
            "var_abs_error_gauss_median": _finite_median(np.abs(ratio_gauss - 1)),
        }
    corr = {}
    for kind, (ku, kc) in {"additive": ("a", "d"), "multiplicative": ("b", "e"),
                           "mixed": ("c", "f")}.items():
        ratios = {}
        for label, prefix in (("nonlinear", ""), ("linear", "linear_")):
            vu = results[prefix + ku].var[out_layer][:, 0]
            vc = results[prefix + kc].var[out_layer][:, 0]
            ratios[label] = _finite_median(_ratio(vc, vu))
        corr[kind] = {"var_ratio_corr_uncorr_nonlinear": ratios["nonlinear"],
                      "var_ratio_corr_uncorr_linear": ratios["linear"]}
    prog.advance("predictions")
    res = {"alpha": s.alpha, "widths": widths, "repeats": s.repeats, "inputs": s.inputs,
           "mc_median_abs_error": mc_med, "panels": panels, "correlated_vs_uncorrelated": corr}
    return FigureData("fig3", "Fig. 3: output SNR of the symmetric network, six noise settings",
                      tables, res, actions, STORES["fig3"], time.perf_counter() - t0)


# ==================================================================================== Fig. 4

def _s_from_var(var_y: np.ndarray, widths, d_add: float) -> np.ndarray:
    """S_n = Var(x̃_n) of every hidden layer from the simulated Var(y_{n−1}).

    With uncorrelated additive noise only, every neuron of layer n−1 of a
    symmetric network shares x_{n−1} and y_{n−1,j} = x_{n−1} + ε_j, so
    x̃_n = mean_j y_{n−1,j} has Var(x̃_n) = Var(y_{n−1}) − 2D(1 − 1/I_{n−1})
    exactly (Eqs. 18–21).  Entry n of the result is S_n (NaN for n = 0).
    """
    s = np.full(len(widths), np.nan)
    for n in range(1, len(widths)):
        s[n] = var_y[n - 1] - 2.0 * d_add * (1.0 - 1.0 / widths[n - 1])
    return s


def _n95(s: np.ndarray, limit: float) -> int | None:
    """First index (into ``s``) where S has covered 95 % of the way from s[0] to ``limit``."""
    s = np.asarray(s, float)
    if not np.isfinite(limit) or limit <= s[0]:
        return None
    hit = np.flatnonzero(s - s[0] >= 0.95 * (limit - s[0]))
    return int(hit[0]) if hit.size else None


def _pooled(res, n: int) -> float:
    """Mean of Var(y) over the neurons and the identical inputs of layer n."""
    return float(np.mean(res.var[n]))


def fig4_specs(settings: Settings) -> list:
    """The runs of Fig. 4: panel (b) for each α, and the depth runs at u = 0.5."""
    s = settings.fig4
    if s.inputs % 2 == 0:
        raise ValueError(f"fig4 inputs must be odd so that u = 0.5 is one of them, got {s.inputs}")
    if not set(s.lamerey_alphas) <= set(s.depth_alphas):
        raise ValueError(f"lamerey_alphas {s.lamerey_alphas} must be among depth_alphas "
                         f"{s.depth_alphas}")
    if s.depth_hidden < max(s.hidden, 6):
        raise ValueError(f"depth_hidden ({s.depth_hidden}) must be ≥ hidden ({s.hidden}) and ≥ 6")
    nz = Noise(additive=s.additive)
    u = np.linspace(0.0, 1.0, s.inputs)[:, None]
    widths_b = [1] + [s.width] * s.hidden + [1]
    widths_d = [1] + [s.width] * s.depth_hidden + [1]
    specs = [RunSpec(f"b_alpha{a:g}", symmetric(widths_b, alpha=a), u, nz, s.repeats, s.seed,
                     stream=i) for i, a in enumerate(s.alphas_b)]
    half = np.full((s.depth_copies, 1), 0.5)
    specs += [RunSpec(f"depth_alpha{a:g}", symmetric(widths_d, alpha=a), half, nz,
                      s.depth_repeats, s.seed, stream=len(s.alphas_b) + i)
              for i, a in enumerate(s.depth_alphas)]
    return specs


def fig4(out, settings: Settings | None = None, *, overwrite: bool = False,
         progress=None) -> FigureData:
    """Fig. 4: slope of the activation, variance with depth, Lamerey diagram, Taylor orders.

    Panels: (a) the shifted sigmoid and its derivative for the α of panel
    (b); (b) Var(y) against the input in every layer of a network with 12
    hidden layers, simulated and predicted to first order (Eq. 9), to Taylor
    order M (Eqs. 12–13) and by exact density evolution; (c) Lamerey diagram
    of S_n = Var(x̃_n) (Eq. 11) from depth runs at u = 0.5, where x̃ = 0.5 in
    every layer and the variance is largest; (d) relative error of F̂|_M
    (Eq. 12) at x̃ = 0.5 against the exact Var f(x̃) for Gaussian x̃, at the
    simulated variance of a few layers (α = 3).  Noise: D_A^U only (caption).

    The depth runs (one input u = 0.5 in ``depth_copies`` copies, many
    repetitions, ``depth_hidden`` hidden layers, several α) are the data of
    claims 1–4; the exact density evolution is carried to ``analytic_depth``
    hidden layers for the fixed points S*.

    Parameters
    ----------
    out, settings, overwrite, progress
        As :func:`fig3`; the store is ``out/fig4.h5``.

    Returns
    -------
    FigureData
        Tables ``a``–``d`` (the panels), ``depth`` (every layer of the depth
        runs with every method's prediction) and ``density`` (the exact S_n
        to ``analytic_depth`` layers); results per α of the depth runs.
    """
    from ..analytic.closures import gauss as gauss_closure
    from ..analytic.closures import taylor_orders
    from ..analytic.jets import derivatives

    settings = settings or Settings.full()
    s = settings.fig4
    prog = _progress(progress)
    t0 = time.perf_counter()
    specs = fig4_specs(settings)
    nz = Noise(additive=s.additive)
    D = s.additive
    u = np.linspace(0.0, 1.0, s.inputs)[:, None]
    ic = s.inputs // 2
    widths_b = [1] + [s.width] * s.hidden + [1]
    widths_d = [1] + [s.width] * s.depth_hidden + [1]
    runs, actions = _ensure_runs(prog, out, "fig4", specs, overwrite)

    # (a) activation and slope
    x = np.linspace(-0.25, 1.25, 301)
    parts = []
    for a in s.alphas_b:
        act = _acts.shifted_sigmoid(a)
        d = derivatives(act, x, 1)
        parts.append(Table({"alpha": a, "x": x, "f": d[:, 0], "fprime": d[:, 1]}))
    tab_a = Table.concat(parts)

    # (b) variance in every layer
    parts, fig4b = [], {}
    for a in s.alphas_b:
        net = symmetric(widths_b, alpha=a)
        r = runs[f"b_alpha{a:g}"]
        preds = {"first_order": _quiet_predict(net, u, nz, "first-order"),
                 "taylor": _quiet_predict(net, u, nz, "taylor", order=s.max_order),
                 "density": _quiet_predict(net, u, nz, "density")}
        errs = {m: [] for m in preds}
        for n in range(net.n_layers):
            sim = r.var[n].mean(axis=1)
            cols = {"alpha": a, "layer": n, "paper_layer": n + 1, "u": u[:, 0], "simulated": sim}
            for m, p in preds.items():
                pv = p.var[n].mean(axis=1)
                cols[m] = pv
                errs[m].append(_finite_median(np.abs(_ratio(pv, sim) - 1)) if n else 0.0)
            # the plot leaves out order-M values of a diverged (asymptotic) series:
            # more than 10 × the exact density evolution, or infinite
            with np.errstate(invalid="ignore"):
                shown = cols["taylor"] <= 10.0 * cols["density"]
            cols["taylor_shown"] = np.where(shown, cols["taylor"], np.nan)
            parts.append(Table(cols))
        fig4b[f"{a:g}"] = {
            "median_abs_error": errs,
            "centre_ratio": {m: [float(_ratio(p.var[n][ic].mean(), r.var[n][ic].mean()))
                                 for n in range(net.n_layers)] for m, p in preds.items()},
            "centre_var_simulated": [float(r.var[n][ic].mean()) for n in range(net.n_layers)],
        }
    tab_b = Table.concat(parts)

    # depth runs: simulated S_n, SNR, and every method's prediction at u = 0.5
    depth, parts, dens_parts = {}, [], []
    half1 = np.full((1, 1), 0.5)
    widths_an = [1] + [s.width] * s.analytic_depth + [1]
    for a in s.depth_alphas:
        net = symmetric(widths_d, alpha=a)
        r = runs[f"depth_alpha{a:g}"]
        L = net.n_layers
        var = np.array([_pooled(r, n) for n in range(L)])
        mean = np.array([float(np.mean(r.mean[n])) for n in range(L)])
        s_sim = _s_from_var(var, widths_d, D)
        preds = {"first_order": _quiet_predict(net, half1, nz, "first-order"),
                 "taylor": _quiet_predict(net, half1, nz, "taylor", order=s.max_order),
                 "gauss": _quiet_predict(net, half1, nz, "gauss")}
        cols = {"alpha": a, "layer": np.arange(L), "paper_layer": np.arange(L) + 1,
                "mean_simulated": mean, "var_simulated": var, "snr_simulated": _snr(mean, var),
                "S_simulated": s_sim}
        for m, p in preds.items():
            cols[f"var_{m}"] = np.array([float(p.var[n][0, 0]) for n in range(L)])
        # exact density evolution, carried deeper (its first layers are this net's)
        an = _quiet_predict(symmetric(widths_an, alpha=a), half1, nz, "density")
        an_var = np.array([float(an.var[n][0, 0]) for n in range(len(widths_an))])
        an_mean = np.array([float(an.mean[n][0, 0]) for n in range(len(widths_an))])
        an_s = np.array([float(an.xt_var[n][0, 0]) for n in range(len(widths_an))])
        keep = min(L - 1, len(widths_an) - 1)        # hidden layers shared with the depth net
        cols["var_density"] = np.concatenate([an_var[:keep], np.full(L - keep, np.nan)])
        cols["S_density"] = np.concatenate([an_s[:keep], np.full(L - keep, np.nan)])
        parts.append(Table(cols))
        hid = np.arange(1, len(widths_an) - 1)       # hidden layers of the analytic net
        dens_parts.append(Table({"alpha": a, "layer": hid, "paper_layer": hid + 1,
                                 "S_density": an_s[hid], "var_density": an_var[hid],
                                 "snr_density": _snr(an_mean[hid], an_var[hid])}))
        H = s.depth_hidden
        s_star = float(an_s[hid[-1]])
        tail = max(1, min(10, len(hid) - 1))
        h_sim = np.arange(1, H + 1)
        lim_sim = float(np.mean(s_sim[H - 2:H + 1]))   # last three hidden layers
        depth[f"{a:g}"] = {
            "alpha": a,
            "slope_at_half": a / 2.0,
            "var_ratio_layer_hidden_vs_first": float(var[s.hidden] / var[1]),
            "snr_simulated": [float(v) for v in _snr(mean, var)[1:H + 1]],
            "S_simulated": [float(v) for v in s_sim[1:H + 1]],
            "S_density": [float(v) for v in an_s[1:H + 1]],
            "var_simulated": [float(v) for v in var[1:H + 1]],
            "S_star_density": s_star,
            "S_density_rel_change_last": float(abs(an_s[hid[-1]] / an_s[hid[-1 - tail]] - 1)),
            "S_density_rel_change_layers": tail,
            "snr_limit_density": float(_snr(an_mean[hid[-1]], an_var[hid[-1]])),
            "n95_density": _n95(an_s[hid], s_star),
            "n95_simulated": _n95(s_sim[h_sim], lim_sim),
            "S_simulated_last_over_star": float(s_sim[H] / s_star) if s_star > 0 else None,
            "snr_simulated_last": float(_snr(mean[H], var[H])),
            "snr_simulated_last_minus5": float(_snr(mean[H - 5], var[H - 5])) if H > 5 else None,
            "single_neuron_snr": float(0.5 / math.sqrt(2 * D)),
        }
        # errors of each method against the simulation at u = 0.5, hidden layers
        err = {}
        for m in ("first_order", "taylor", "gauss"):
            err[m] = [float(abs(cols[f"var_{m}"][n] / var[n] - 1)) for n in range(1, H + 1)]
        err["density"] = [float(abs(cols["var_density"][n] / var[n] - 1))
                          for n in range(1, min(H, keep - 1) + 1)]
        depth[f"{a:g}"]["abs_error_vs_simulation"] = err
    tab_depth = Table.concat(parts)
    tab_dens = Table.concat(dens_parts)

    # (c) Lamerey diagram from the simulated S_n
    parts = []
    for a in s.lamerey_alphas:
        d = depth[f"{a:g}"]
        sp = np.array(d["S_simulated"])
        sd = np.array(d["S_density"])
        n = np.arange(2, len(sp) + 1)
        parts.append(Table({"alpha": a, "hidden_layer": n, "S_prev": sp[:-1], "S_next": sp[1:],
                            "S_prev_density": sd[:-1], "S_next_density": sd[1:]}))
    tab_c = Table.concat(parts)

    # (d) error of F̂|_M at x̃ = 0.5 against the exact Var f(x̃) (α = 3 or the nearest > 2)
    a_d = 3.0 if 3.0 in s.depth_alphas else min((a for a in s.depth_alphas if a > 2),
                                                 default=max(s.depth_alphas))
    act = _acts.shifted_sigmoid(a_d)
    s_sim_d = np.array(depth[f"{a_d:g}"]["S_simulated"])
    parts, orders_res = [], {}
    M = np.arange(1, s.max_order + 1)
    for hl in s.order_layers:
        if not 1 <= hl <= len(s_sim_d):
            raise ValueError(f"order_layers entry {hl} must be a hidden layer 1..{len(s_sim_d)}")
        v = float(max(s_sim_d[hl - 1], 0.0))
        exact = float(gauss_closure(act, 0.5, v, nodes=200)[1])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            approx = np.asarray(taylor_orders(act, 0.5, v, s.max_order), float)
        rel = np.abs(approx / exact - 1.0)
        parts.append(Table({"hidden_layer": hl, "var_xt": v, "order": M, "fhat_taylor": approx,
                            "fhat_exact": exact, "rel_error": rel}))
        pairs = [(k, k + 1) for k in range(1, s.max_order, 2)]   # (1,2), (3,4), ...
        orders_res[str(hl)] = {
            "var_xt": v, "rel_error": [float(e) for e in rel],
            "pairs_equal": bool(all(np.isclose(rel[i - 1], rel[j - 1], rtol=1e-6, atol=1e-15)
                                    for i, j in pairs)),
            "best_order": int(M[np.nanargmin(rel)]) if np.isfinite(rel).any() else None,
            "monotone_non_increasing": bool(np.all(np.diff(rel) <= 1e-12 * np.maximum(rel[:-1], 1e-300))),
        }
    tab_d = Table.concat(parts)
    prog.advance("predictions")
    res = {"additive": D, "alphas_b": list(s.alphas_b), "hidden": s.hidden, "width": s.width,
           "repeats": s.repeats, "depth_repeats": s.depth_repeats * s.depth_copies,
           "depth_hidden": s.depth_hidden, "analytic_depth": s.analytic_depth,
           "mc_median_abs_error": mc_quantiles(s.repeats)[0],
           "mc_se_depth": math.sqrt(2.0 / (s.depth_repeats * s.depth_copies - 1)),
           "fig4b": fig4b, "depth": depth, "order_alpha": a_d, "orders": orders_res,
           "max_order": s.max_order}
    tables = {"a": tab_a, "b": tab_b, "c": tab_c, "d": tab_d, "depth": tab_depth,
              "density": tab_dens}
    return FigureData("fig4", "Fig. 4: activation slope, noise accumulation with depth, "
                      "Lamerey diagram, Taylor orders", tables, res, actions, STORES["fig4"],
                      time.perf_counter() - t0)


# ============================================================================ Figs. 5 and 6

def default_networks() -> Path:
    """The folder of the paper's trained networks A.h5, B.h5 and C.h5 shipped inside the
    package (``fastnoise/paper/networks``, package data), so found from any directory."""
    return Path(__file__).resolve().parent / "networks"


def _network_file(networks, name: str) -> str:
    folder = Path(networks) if networks is not None else default_networks()
    path = folder / f"{name}.h5"
    if not path.is_file():
        raise FileNotFoundError(
            f"trained network {name} not found at {path}; pass --networks DIR (API networks=) "
            "with the folder holding A.h5, B.h5 and C.h5 (fastnoise/paper/networks of the "
            "installed package), or train them with 'fastnoise train'")
    return str(path)


_TRAINED = {
    "A": ("mnist", 5, "digit 5", "MNIST test images of digit 5"),
    "B": ("fashion-mnist", 2, "pullover", "Fashion-MNIST test pullovers"),
    "C": ("mackey-glass", None, "output", "Mackey–Glass windows"),
}


def _trained_config(name: str, count, repeats: int, seed: int, noise: dict, networks, data):
    """Network, inputs and labels of a trained network via the run-config parser."""
    from ..runconfig import parse_config

    dataset, label, _, what = _TRAINED[name]
    if dataset == "mackey-glass":
        inputs = {"kind": "mackey-glass", "count": int(count)}
    else:
        inputs = {"kind": "dataset", "name": dataset, "split": "test", "label": label}
        if count is not None:
            inputs["count"] = int(count)
        if data is not None:
            inputs["path"] = os.fspath(data)
    doc = {"repeats": repeats, "seed": seed, "noise": noise, "inputs": inputs,
           "network": {"kind": "file", "path": _network_file(networks, name)}}
    try:
        return parse_config(doc)
    except FileNotFoundError as exc:
        if dataset == "mackey-glass":
            raise
        from ..runconfig import one_line

        raise FileNotFoundError(f"network {name} needs the {what}: {one_line(exc)}") from None


def trained_specs(settings: Settings, networks=None, data=None, which=("A", "B", "C"),
                  claim5: bool = True) -> list:
    """The runs of the trained networks (Figs. 5, 6, claim 5) as :class:`RunSpec`."""
    t = settings.trained
    full = {"additive": t.additive, "additive_correlated": t.additive,
            "multiplicative": t.multiplicative, "multiplicative_correlated": t.multiplicative}
    counts = {"A": t.count_a, "B": t.count_b, "C": t.count_c}
    specs = []
    for i, name in enumerate(("A", "B", "C")):
        if name not in which:
            continue
        cfg = _trained_config(name, counts[name], t.repeats, t.seed, full, networks, data)
        specs.append(RunSpec(name, cfg.network, cfg.inputs, cfg.noise, t.repeats, t.seed,
                             stream=i, labels=cfg.labels))
    if claim5:
        cfg = _trained_config("A", t.claim5_count, t.repeats, t.seed, full, networks, data)
        net = cfg.network
        lin = Network.from_layers(net.weights, net.biases,
                                  ["linear"] * (net.n_layers - 1))
        out = net.n_layers - 1
        corr = Noise(additive_correlated=t.additive, multiplicative_correlated=t.multiplicative)
        unc = Noise(additive=t.additive, multiplicative=t.multiplicative)
        samples = [(out, j) for j in range(net.widths[out])]
        k = 3
        for act_name, nn in (("logistic", net), ("linear", lin)):
            for kind, nz in (("corr", corr), ("uncorr", unc)):
                specs.append(RunSpec(f"A_{kind}_{act_name}", nn, cfg.inputs, nz, t.repeats,
                                     t.seed, stream=k, samples=samples))
                k += 1
    return specs


def fig5_specs(settings: Settings, networks=None, data=None) -> list:
    """The runs of Fig. 5: networks A, B, C and the four network-A runs of claim 5."""
    return trained_specs(settings, networks, data)


def fig6_specs(settings: Settings, networks=None, data=None) -> list:
    """The run of Fig. 6: network A, the same run as in Fig. 5."""
    return trained_specs(settings, networks, data, which=("A",), claim5=False)


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
    raise ValueError(f"unknown figure {name!r}; choose one of {', '.join(FIGURES)}")


def _subsample(n: int, limit: int) -> np.ndarray:
    """Indices of at most ``limit`` of ``n`` items, evenly strided (deterministic)."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(np.int64))


def _pairs(res, pred_vars: dict, layer: int, limit: int, series_of=None) -> tuple[Table, dict]:
    """Per (input, neuron) points of a layer: mean, var, SNR and predicted variances.

    Returns the (subsampled) table and statistics of pred/sim over all points.
    """
    mean, var = res.mean[layer], res.var[layer]
    T, I = mean.shape
    tt, ii = np.meshgrid(np.arange(T), np.arange(I), indexing="ij")
    stats = {}
    for m, pv in pred_vars.items():
        q = _ratio(pv, var).ravel()
        ok = q[np.isfinite(q)]
        stats[m] = {"median": float(np.median(ok)) if ok.size else float("nan"),
                    "q10": float(np.quantile(ok, 0.1)) if ok.size else float("nan"),
                    "q90": float(np.quantile(ok, 0.9)) if ok.size else float("nan"),
                    "median_abs_error": float(np.median(np.abs(ok - 1))) if ok.size else float("nan"),
                    "points": int(ok.size)}
    keep = _subsample(T * I, limit)
    cols = {"series": (np.full(T * I, "points") if series_of is None
                       else series_of(ii.ravel()))[keep],
            "input": tt.ravel()[keep], "neuron": ii.ravel()[keep],
            "mean": mean.ravel()[keep], "var": var.ravel()[keep],
            "snr": _snr(mean, var).ravel()[keep]}
    for m, pv in pred_vars.items():
        cols[f"pred_{m}_var"] = np.asarray(pv, float).ravel()[keep]
    return Table(cols), stats


def fig5(out, settings: Settings | None = None, *, overwrite: bool = False, progress=None,
         networks=None, data=None) -> FigureData:
    """Fig. 5: output SNR of the trained networks A, B and C with the analytic curve.

    A: MNIST digits (784-200-200-10, logistic, constant biases) on the test
    images of digit 5, the class neuron apart from the nine others; B:
    Fashion-MNIST (biases trained) on test pullovers; C: one-step Mackey–Glass
    prediction (100-200-200-1, linear output).  Noise: all four kinds at the
    Fig. 3 intensities.  Curve: Eq. 14 with the Eq. 15 integrals over the
    fitted g(x̃) of Eq. 29 (:func:`fastnoise.analytic.trained.snr_curve`).
    The per-point predicted variances of Eq. 14 and, beyond the paper, of the
    full mean/covariance propagation (``method="moments"``) are compared
    with the simulation (claim 6).  Also runs network A under correlated only
    and uncorrelated only noise, with its logistic and with linear neurons,
    keeping the raw samples of the output neurons (claim 5).

    Parameters
    ----------
    out, settings, overwrite, progress
        As :func:`fig3`; the store is ``out/trained.h5``.
    networks : path, optional
        Folder with A.h5, B.h5, C.h5 (default :func:`default_networks`).
    data : path, optional
        Folder of the MNIST / Fashion-MNIST files (default: ``$FASTNOISE_DATA``
        and the other places :func:`fastnoise.io.datasets.load` searches).
    """
    from ..analytic.trained import curve_variance

    settings = settings or Settings.full()
    t = settings.trained
    prog = _progress(progress)
    t0 = time.perf_counter()
    specs = fig5_specs(settings, networks, data)
    runs, actions = _ensure_runs(prog, out, "fig5", specs, overwrite)
    by_name = {sp.name: sp for sp in specs}
    mc_med = mc_quantiles(t.repeats)[0]
    tables, nets = {}, {}
    for key, name in zip("abc", ("A", "B", "C")):
        sp, r = by_name[name], runs[name]
        net, u, nz = sp.net, sp.inputs, sp.noise
        out_layer = net.n_layers - 1
        eq14 = _quiet_predict(net, u, nz, "trained", density="quartic")
        mom = _quiet_predict(net, u, nz, "moments")
        cls = _TRAINED[name][1]
        label = _TRAINED[name][2]

        def series_of(neuron, cls=cls, label=label):
            if cls is None:
                return np.full(neuron.shape, label)
            return np.where(neuron == cls, f"{label} neuron", "other neurons")

        pts, stats = _pairs(r, {"eq14": eq14.var[out_layer], "moments": mom.var[out_layer]},
                            out_layer, t.max_points, series_of)
        cm = _curve_grid(net, r.noiseless_x[out_layer], out_layer)
        _, cvar = curve_variance(net, u, nz, out_layer, density="quartic", means=cm)
        tables[key] = Table.concat([pts, Table({"series": "prediction", "mean": cm, "var": cvar,
                                                "snr": _snr(cm, cvar)})])
        info = {"network": name, "task": _TRAINED[name][3], "widths": list(net.widths),
                "inputs": int(u.shape[0]), "repeats": t.repeats,
                "var_ratio": stats, "mc_median_abs_error": mc_med,
                "snr_median": _finite_median(_snr(r.mean[out_layer], r.var[out_layer])),
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
            "var_ratio_corr_uncorr": _finite_median(_ratio(rc.var[L], ru.var[L])),
            "mean_abs_corr_output_corr_noise": float(np.nanmean(corr)) if corr.size else None,
        }
    prog.advance("predictions")
    res = {"networks": nets, "claim5_network_A": c5, "claim5_inputs": t.claim5_count}
    return FigureData("fig5", "Fig. 5: output SNR of the trained networks A, B, C",
                      tables, res, actions, STORES["fig5"], time.perf_counter() - t0)


def _curve_grid(net: Network, x, layer: int, points: int = 200, q: float = 0.01) -> np.ndarray:
    """Mean outputs at which to draw an Eq. 14 curve: from the ``q`` quantile to the
    largest of the layer's noiseless outputs ``x``, inside the image of f (where f⁻¹
    exists).  Starting at a low quantile rather than the minimum keeps the curve to
    the range of the simulated points instead of running down to SNR ≈ 0."""
    from ..analytic.trained import inverse_domain

    x = np.asarray(x, float).ravel()
    lo_f, hi_f, _ = inverse_domain(net.activations[layer])
    inside = x[(x > lo_f) & (x < hi_f)] if layer > 0 else x
    if inside.size == 0:
        inside = x
    lo, hi = float(np.quantile(inside, q)), float(inside.max())
    if hi <= lo:
        hi = lo + max(abs(lo), 1.0) * 1e-6
    return np.linspace(lo, hi, points)


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
        As :func:`fig5`; the run is network A's in ``out/trained.h5``.

    Returns
    -------
    FigureData
        Tables ``a``–``c`` (points and the three curves per layer) and
        ``d``–``f`` (histogram and fitted densities per layer).
    """
    from ..analytic.trained import curve_variance, fit_state_density

    settings = settings or Settings.full()
    t = settings.trained
    prog = _progress(progress)
    t0 = time.perf_counter()
    specs = fig6_specs(settings, networks, data)
    runs, actions = _ensure_runs(prog, out, "fig6", specs, overwrite)
    sp, r = specs[0], runs["A"]
    net, u, nz = sp.net, sp.inputs, sp.noise
    kinds = tuple(DENSITY_LABELS)
    preds = {k: _quiet_predict(net, u, nz, "trained", density=k) for k in kinds}
    tables, layers = {}, {}
    for key, n in zip("abc", range(1, net.n_layers)):
        pts, stats = _pairs(r, {k: preds[k].var[n] for k in kinds}, n, t.max_points)
        pts.columns["series"] = np.full(pts.n_rows, "simulated")
        curves = []
        grid = _curve_grid(net, r.noiseless_x[n], n)
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


#: name -> function
FIGURE_FUNCTIONS: dict[str, Callable] = {"fig3": fig3, "fig4": fig4, "fig5": fig5, "fig6": fig6}
