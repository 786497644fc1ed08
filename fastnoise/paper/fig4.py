"""Fig. 4: activation slope, noise accumulation with depth, Lamerey diagram, Taylor orders."""

from __future__ import annotations

import math
import time
import warnings

import numpy as np

from .. import activations as _acts
from ..analytic.compare import mc_quantiles
from ..network import symmetric
from ..noise import Noise
from ..result import snr as _snr  # the package's one SNR (NaN where Var = 0)
from .figure_common import (STORES, FigureData, ensure_figure_runs, finite_median, progress_sink,
                            quiet_predict, ratio)
from .runs import RunSpec
from .settings import Settings
from .tables import Table

__all__ = ["fig4", "fig4_specs"]


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
        As :func:`~fastnoise.paper.fig3.fig3`; the store is ``out/fig4.h5``.

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
    prog = progress_sink(progress)
    t0 = time.perf_counter()
    specs = fig4_specs(settings)
    nz = Noise(additive=s.additive)
    D = s.additive
    u = np.linspace(0.0, 1.0, s.inputs)[:, None]
    ic = s.inputs // 2
    widths_b = [1] + [s.width] * s.hidden + [1]
    widths_d = [1] + [s.width] * s.depth_hidden + [1]
    runs, actions = ensure_figure_runs(prog, out, "fig4", specs, overwrite)

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
        preds = {"first_order": quiet_predict(net, u, nz, "first-order"),
                 "taylor": quiet_predict(net, u, nz, "taylor", order=s.max_order),
                 "density": quiet_predict(net, u, nz, "density")}
        errs = {m: [] for m in preds}
        for n in range(net.n_layers):
            sim = r.var[n].mean(axis=1)
            cols = {"alpha": a, "layer": n, "paper_layer": n + 1, "u": u[:, 0], "simulated": sim}
            for m, p in preds.items():
                pv = p.var[n].mean(axis=1)
                cols[m] = pv
                errs[m].append(finite_median(np.abs(ratio(pv, sim) - 1)) if n else 0.0)
            # the plot leaves out order-M values of a diverged (asymptotic) series:
            # more than 10 × the exact density evolution, or infinite
            with np.errstate(invalid="ignore"):
                shown = cols["taylor"] <= 10.0 * cols["density"]
            cols["taylor_shown"] = np.where(shown, cols["taylor"], np.nan)
            parts.append(Table(cols))
        fig4b[f"{a:g}"] = {
            "median_abs_error": errs,
            "centre_ratio": {m: [float(ratio(p.var[n][ic].mean(), r.var[n][ic].mean()))
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
        preds = {"first_order": quiet_predict(net, half1, nz, "first-order"),
                 "taylor": quiet_predict(net, half1, nz, "taylor", order=s.max_order),
                 "gauss": quiet_predict(net, half1, nz, "gauss")}
        cols = {"alpha": a, "layer": np.arange(L), "paper_layer": np.arange(L) + 1,
                "mean_simulated": mean, "var_simulated": var, "snr_simulated": _snr(mean, var),
                "S_simulated": s_sim}
        for m, p in preds.items():
            cols[f"var_{m}"] = np.array([float(p.var[n][0, 0]) for n in range(L)])
        # exact density evolution, carried deeper (its first layers are this net's)
        an = quiet_predict(symmetric(widths_an, alpha=a), half1, nz, "density")
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

