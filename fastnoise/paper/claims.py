"""The paper's claims, each judged on measured numbers by an explicit criterion.

Every claim has a pure ``verdict_*`` function that takes plain numbers and
returns ``(verdict, reason)``, with the thresholds as keyword arguments, so
that the logic can be tested on synthetic numbers; :func:`evaluate` feeds
them the ``results`` of the figure summaries (``figN.json``) and returns one
:class:`Claim` per row of the report's table.  Verdicts are
:data:`SUPPORTED`, :data:`PARTLY`, :data:`NOT_SUPPORTED`, or
:data:`NOT_EVALUATED` when the figure holding the data has not been made.

Thresholds were fixed from the paper's wording and the Monte Carlo errors of
the default settings before the numbers were looked at; they are printed in
the table next to each verdict.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

__all__ = ["Claim", "evaluate", "SUPPORTED", "PARTLY", "NOT_SUPPORTED", "NOT_EVALUATED",
           "verdict_bounded", "verdict_bifurcation", "verdict_saturation", "verdict_orders",
           "verdict_correlated", "verdict_trained", "verdict_densities", "count_verdict"]

SUPPORTED = "supported"
PARTLY = "partly"
NOT_SUPPORTED = "not supported"
NOT_EVALUATED = "not evaluated"


def count_verdict(held: int, total: int, what: str):
    """(verdict, reason) of a claim that holds case by case: supported in all ``total``
    cases, partly in some, not supported in none; not evaluated with no case."""
    if total == 0:
        return NOT_EVALUATED, "nothing to judge"
    if held == total:
        return SUPPORTED, f"{what} in all {total} cases"
    if held:
        return PARTLY, f"{what} in {held} of {total} cases"
    return NOT_SUPPORTED, f"{what} in none of {total} cases"


@dataclass
class Claim:
    """One row of the claim table.

    Attributes
    ----------
    id : str
        "1" ... "6", "6b".
    claim : str
        The paper's statement, paraphrased, with where it is made.
    figure : str
        Figure whose data judge it.
    measured : str
        The measured numbers, in words.
    criterion : str
        The numeric rule that gives the verdict.
    verdict : str
    reason : str
        Which part of the criterion held or failed.
    numbers : dict
        The numbers the verdict was computed from.
    """

    id: str
    claim: str
    figure: str
    measured: str = ""
    criterion: str = ""
    verdict: str = NOT_EVALUATED
    reason: str = ""
    numbers: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def _f(v, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    if isinstance(v, int):
        return str(v)
    return f"{v:.{digits}g}"


def _alpha_key(a) -> str:
    return f"{float(a):g}"


# ------------------------------------------------------------------------ verdict rules

def verdict_bounded(rows: dict, *, converge_tol: float = 1e-2, floor_tol: float = 0.95,
                    flat_tol: float = 0.05, depth_hidden: int = 24) -> tuple[str, str]:
    """Claim 1: the SNR does not degrade without bound as layers are added.

    Parameters
    ----------
    rows : dict
        ``alpha -> {"rel_change": relative change of the exact S_n over the
        last layers of the deep prediction, "snr_limit": SNR at the deepest
        predicted layer, "snr_last": simulated SNR at the last simulated
        layer, "snr_last_minus5": five layers earlier, "n95": layers the
        prediction needs to cover 95 % of its way to S* (None if S decreases)}``.

    Rule: (A) for every α the predicted S_n converges (rel_change <
    ``converge_tol``) to a positive SNR floor; (B) the simulated SNR never
    falls below ``floor_tol`` × that floor; (C) where the prediction reaches
    95 % of S* at least 5 layers before the last simulated one, the simulated
    SNR changes by less than ``flat_tol`` over those 5 layers.  All three:
    supported; (A) only with (B) or (C) failing: partly; (A) failing: not
    supported.
    """
    if not rows:
        return NOT_EVALUATED, "no depth data"
    not_conv = [a for a, r in rows.items()
                if not (r["rel_change"] is not None and r["rel_change"] < converge_tol
                        and r["snr_limit"] is not None and r["snr_limit"] > 0)]
    below = [a for a, r in rows.items()
             if r["snr_limit"] is not None and r["snr_last"] is not None
             and r["snr_last"] < floor_tol * r["snr_limit"]]
    moving = [a for a, r in rows.items()
              if r["n95"] is not None and r["n95"] <= depth_hidden - 5
              and r["snr_last_minus5"] is not None
              and abs(r["snr_last"] / r["snr_last_minus5"] - 1) >= flat_tol]
    if not_conv:
        return NOT_SUPPORTED, f"predicted S_n still changing for α = {', '.join(map(str, not_conv))}"
    if below or moving:
        parts = []
        if below:
            parts.append(f"simulated SNR below the predicted floor for α = {', '.join(map(str, below))}")
        if moving:
            parts.append(f"simulated SNR still changing for α = {', '.join(map(str, moving))}")
        return PARTLY, "; ".join(parts)
    return SUPPORTED, "floor exists for every α and the simulation settles on it"


def verdict_bifurcation(ratios: dict, *, threshold: float = 1.1,
                        near: float = 0.1) -> tuple[str, str]:
    """Claim 2: noise accumulation bifurcates at α = 2.

    Parameters
    ----------
    ratios : dict
        ``alpha -> Var(y) of hidden layer 12 / Var(y) of hidden layer 1``
        (simulated, at u = 0.5).

    Rule: every α ≤ 2 has ratio ≤ ``threshold`` and every α > 2 has ratio >
    ``threshold``: supported; the only exceptions within ``near`` of 2:
    partly; otherwise not supported.
    """
    if not ratios:
        return NOT_EVALUATED, "no depth data"
    wrong = [float(a) for a, r in ratios.items()
             if (float(a) <= 2 and not r <= threshold) or (float(a) > 2 and not r > threshold)]
    if not wrong:
        return SUPPORTED, f"all α ≤ 2 at ≤ {threshold:g}, all α > 2 above"
    far = [a for a in wrong if abs(a - 2) > near + 1e-12]
    text = f"on the wrong side: α = {', '.join(f'{a:g}' for a in wrong)}"
    return (PARTLY if not far else NOT_SUPPORTED), text


def _monotone(values, increasing: bool, strict: bool) -> bool:
    if any(v is None for v in values):
        return False
    pairs = list(zip(values, values[1:]))
    if increasing:
        return all((b > a) if strict else (b >= a) for a, b in pairs)
    return all((b < a) if strict else (b <= a) for a, b in pairs)


def verdict_saturation(rows: dict, *, depth_hidden: int = 24, tol: float = 0.1) -> tuple[str, str]:
    """Claim 3: for α > 2 noise saturates at a level that grows with α, in fewer layers.

    Parameters
    ----------
    rows : dict
        ``alpha (> 2) -> {"S_star": fixed point of the exact S_n,
        "n95": layers to 95 % of it (prediction), "sim_over_star": simulated
        S at the last simulated layer / S*, "n95_sim": the same depth
        measured on the simulation (None if not reached)}``.

    Rule: (A, prediction) S* strictly increases and n95 does not increase
    with α; (B, simulation) for every α whose n95 ≤ depth_hidden − 5 the
    simulated S is within ``tol`` of S* at the last layer, and their n95_sim
    do not increase with α.  Both: supported; one: partly; neither: not
    supported.
    """
    if not rows:
        return NOT_EVALUATED, "no depth data for α > 2"
    alphas = sorted(rows, key=float)
    a_ok = (_monotone([rows[a]["S_star"] for a in alphas], True, True)
            and _monotone([rows[a]["n95"] for a in alphas], False, False))
    settled = [a for a in alphas if rows[a]["n95"] is not None and rows[a]["n95"] <= depth_hidden - 5]
    b_ok = bool(settled) and all(
        rows[a]["sim_over_star"] is not None and abs(rows[a]["sim_over_star"] - 1) <= tol
        for a in settled) and _monotone([rows[a]["n95_sim"] for a in settled], False, False)
    if a_ok and b_ok:
        return SUPPORTED, "prediction and simulation both saturate as stated"
    if a_ok or b_ok:
        return PARTLY, ("prediction as stated, simulation not" if a_ok
                        else "simulation as stated, prediction not")
    return NOT_SUPPORTED, "neither prediction nor simulation saturate as stated"


def verdict_orders(first: list, taylor: list, layer: int, *, grow: float = 2.0,
                   floor: float = 0.1) -> tuple[str, str]:
    """Claim 4: the first-order error grows with depth (α = 3); higher orders reduce it.

    Parameters
    ----------
    first, taylor : list of float
        |predicted/simulated − 1| of Var(y) at u = 0.5 in hidden layers
        1, 2, ..., first order and Taylor order M.
    layer : int
        The deep layer judged (1-based hidden layer, 12 in Fig. 4b).

    Rule: (A) first[layer] > ``grow`` × first[1] and > ``floor``; (B)
    taylor[layer] < first[layer].  A and B: supported; A, and the Taylor
    error below the first-order one in some shallower layer but not at
    ``layer``: partly; otherwise not supported.
    """
    if not first or len(first) < layer:
        return NOT_EVALUATED, "no error data"
    e1, eh = first[0], first[layer - 1]
    th = taylor[layer - 1]
    grows = eh > grow * e1 and eh > floor
    if not grows:
        return NOT_SUPPORTED, f"first-order error {eh:.3g} at layer {layer} vs {e1:.3g} at layer 1"
    if th is not None and math.isfinite(th) and th < eh:
        return SUPPORTED, "first-order error grows, order M reduces it"
    better = [n + 1 for n in range(layer) if taylor[n] is not None and math.isfinite(taylor[n])
              and taylor[n] < first[n]]
    if better:
        at = "diverged" if th is None or not math.isfinite(th) else f"error {_f(th)}"
        return PARTLY, (f"order M better than first order up to hidden layer {max(better)}, "
                        f"not at layer {layer} ({at})")
    return NOT_SUPPORTED, "order M never better than first order"


def verdict_correlated(tests: dict, *, factor: float = 0.5) -> tuple[str, str]:
    """Claim 5: nonlinearity suppresses (decorrelates) correlated noise.

    Parameters
    ----------
    tests : dict
        ``name -> (value with nonlinear neurons, value with linear neurons)``,
        each value an excess that decorrelation should shrink: the variance
        ratio correlated/uncorrelated minus 1, or the mean |correlation|
        between output neurons under correlated noise.

    Rule: a test passes when nonlinear ≤ ``factor`` × linear.  All pass:
    supported; some: partly; none: not supported.
    """
    if not tests:
        return NOT_EVALUATED, "no data"
    passed = [k for k, (nl, li) in tests.items()
              if nl is not None and li is not None and nl <= factor * li]
    failed = [k for k in tests if k not in passed]
    if not failed:
        return SUPPORTED, "every test passes"
    if passed:
        return PARTLY, f"passes: {', '.join(passed)}; fails: {', '.join(failed)}"
    return NOT_SUPPORTED, f"fails: {', '.join(failed)}"


def verdict_trained(ratios: dict, *, low: float = 0.8, high: float = 1.25) -> tuple[str, str]:
    """Claim 6: the analytic curves match the trained networks.

    Parameters
    ----------
    ratios : dict
        ``network -> median over (input, output neuron) of predicted /
        simulated Var(y)`` (Eq. 14).

    Rule: a network matches when low ≤ ratio ≤ high.  All: supported; some:
    partly; none: not supported.
    """
    if not ratios:
        return NOT_EVALUATED, "no data"
    ok = [k for k, r in ratios.items() if r is not None and low <= r <= high]
    bad = [k for k in ratios if k not in ok]
    if not bad:
        return SUPPORTED, "every network within the band"
    if ok:
        return PARTLY, f"within: {', '.join(ok)}; outside: {', '.join(bad)}"
    return NOT_SUPPORTED, "no network within the band"


def verdict_densities(errors: dict, *, tol: float = 0.01) -> tuple[str, str]:
    """Claim 6b: g(x̃) of Eq. 29 agrees best; uniform and normal p* do worse.

    Parameters
    ----------
    errors : dict
        ``layer -> {"uniform": e, "normal": e, "quartic": e}`` with e =
        |median predicted/simulated Var(y) − 1|.

    Rule: g(x̃) is worse than the better of the others by more than ``tol``
    in some layer: not supported; otherwise better by more than ``tol`` in
    at least one layer: supported; otherwise (within ``tol`` everywhere):
    partly.
    """
    if not errors:
        return NOT_EVALUATED, "no data"
    worse, better = [], []
    for layer, e in errors.items():
        other = min(e["uniform"], e["normal"])
        if e["quartic"] > other + tol:
            worse.append(layer)
        elif e["quartic"] < other - tol:
            better.append(layer)
    if worse:
        return NOT_SUPPORTED, f"g(x̃) worse in layer(s) {', '.join(map(str, worse))}"
    if better:
        return SUPPORTED, f"g(x̃) clearly better in layer(s) {', '.join(map(str, better))}"
    return PARTLY, "all three approximations agree to within the tolerance"


# ---------------------------------------------------------------------- from summaries

def _claim1(fig4: dict) -> Claim:
    c = Claim("1", "The SNR does not worsen without bound as layers are added: the output SNR "
                   "has a lower limit set by the activation's nonlinearity (Sec. III A, V)", "fig4")
    depth = fig4["depth"]
    H = fig4["depth_hidden"]
    rows = {}
    for k, d in depth.items():
        rows[k] = {"rel_change": d["S_density_rel_change_last"], "snr_limit": d["snr_limit_density"],
                   "snr_last": d["snr_simulated_last"],
                   "snr_last_minus5": d["snr_simulated_last_minus5"], "n95": d["n95_density"]}
    c.verdict, c.reason = verdict_bounded(rows, depth_hidden=H)
    c.numbers = rows
    parts = [f"α={k}: SNR {_f(r['snr_last'])} (sim, layer {H}), floor {_f(r['snr_limit'])}"
             for k, r in rows.items()]
    c.measured = (f"u = 0.5 (largest variance), D_A^U = {fig4['additive']:g}. "
                  + "; ".join(parts) + f". Exact S_n carried to {fig4['analytic_depth']} layers.")
    c.criterion = ("exact S_n converges (<1 % change over its last 10 layers) for every α; simulated "
                   "SNR ≥ 0.95 × floor; where the prediction settles ≥ 5 layers before the last "
                   "simulated one, simulated SNR changes < 5 % over those 5 layers")
    return c


def _claim2(fig4: dict) -> Claim:
    c = Claim("2", "Noise accumulation bifurcates at α = 2 (slope f'(0.5) = α/2 = 1): no growth for "
                   "α ≤ 2, growth for α > 2 (Sec. III A, Fig. 4b)", "fig4")
    h = fig4["hidden"]
    ratios = {k: d["var_ratio_layer_hidden_vs_first"] for k, d in fig4["depth"].items()}
    c.verdict, c.reason = verdict_bifurcation(ratios)
    c.numbers = ratios
    c.measured = (f"Var(y) hidden layer {h} / hidden layer 1 at u = 0.5: "
                  + ", ".join(f"α={k}: {_f(r)}" for k, r in ratios.items()))
    c.criterion = "ratio ≤ 1.1 for every α ≤ 2 and > 1.1 for every α > 2 (partly: only α within 0.1 of 2 wrong)"
    return c


def _claim3(fig4: dict) -> Claim:
    c = Claim("3", "For α > 2 accumulation stops at a limit; the larger α, the larger the limit "
                   "S* and the fewer layers to reach it (Sec. III A, Fig. 4c)", "fig4")
    rows = {k: {"S_star": d["S_star_density"], "n95": d["n95_density"],
                "sim_over_star": d["S_simulated_last_over_star"], "n95_sim": d["n95_simulated"]}
            for k, d in fig4["depth"].items() if float(k) > 2}
    H = fig4["depth_hidden"]
    c.verdict, c.reason = verdict_saturation(rows, depth_hidden=H)
    c.numbers = rows
    def sim_n95(r):
        settled = r["n95"] is not None and r["n95"] <= H - 5
        return _f(r["n95_sim"]) if settled else f"(not settled in {H})"

    c.measured = ("S* (exact density evolution), layers to 95 % of it (prediction / simulation), "
                  f"simulated S at layer {H} / S*: "
                  + "; ".join(f"α={k}: S*={_f(r['S_star'])}, n95={_f(r['n95'])}/{sim_n95(r)}, "
                              f"{_f(r['sim_over_star'])}" for k, r in rows.items()))
    c.criterion = ("prediction: S* strictly increasing and n95 non-increasing in α; simulation: "
                   f"S at layer {H} within 10 % of S* and n95 non-increasing for α with n95 ≤ {H - 5}; "
                   "both: supported, one: partly")
    return c


def _claim4(fig4: dict) -> Claim:
    c = Claim("4", "At α = 3 the first-order prediction's error grows with depth; higher Taylor "
                   "orders (M = 15) reduce it (Sec. III B, Fig. 4b, d)", "fig4")
    a = _alpha_key(fig4.get("order_alpha", 3.0))
    h = fig4["hidden"]
    M = fig4["max_order"]
    if a not in fig4["depth"]:
        c.reason = f"no depth run at α = {a}"
        return c
    err = fig4["depth"][a]["abs_error_vs_simulation"]
    first, taylor, gauss = err["first_order"], err["taylor"], err["gauss"]
    c.verdict, c.reason = verdict_orders(first, taylor, h)
    pairs = {k: v["pairs_equal"] for k, v in fig4.get("orders", {}).items()}
    c.numbers = {"first_order": first, "taylor": taylor, "gauss": gauss, "layer": h, "order": M,
                 "fig4d_pairs_equal": pairs}
    c.measured = (f"|pred/sim − 1| of Var(y) at u = 0.5, α = {a}: first order {_f(first[0])} (layer 1), "
                  f"{_f(first[h // 2 - 1])} (layer {h // 2}), {_f(first[h - 1])} (layer {h}); order "
                  f"{M}: {_f(taylor[0])}, {_f(taylor[h // 2 - 1])}, {_f(taylor[h - 1])}; Gauss–Hermite "
                  f"(all orders, Gaussian x̃): {_f(gauss[h - 1])} at layer {h}. Fig. 4d: errors of "
                  f"orders 2k−1 and 2k equal: {'yes' if pairs and all(pairs.values()) else 'no'}")
    c.criterion = (f"first-order error at layer {h} > 2 × layer 1 and > 10 %; order-{M} error "
                   f"below it at layer {h} (partly: only in shallower layers)")
    return c


def _claim5(fig3: dict | None, fig5: dict | None) -> Claim:
    c = Claim("5", "Nonlinearity (with the weight statistics) keeps correlated noise from "
                   "accumulating: only slight differences from uncorrelated noise of equal "
                   "intensity (Sec. III, Fig. 3 d–f; Sec. V)", "fig3, fig5")
    tests, measured = {}, []
    if fig3 is not None:
        for kind, r in fig3["correlated_vs_uncorrelated"].items():
            nl, li = r["var_ratio_corr_uncorr_nonlinear"], r["var_ratio_corr_uncorr_linear"]
            tests[f"symmetric {kind}"] = (nl - 1, li - 1)
            measured.append(f"symmetric {kind}: Var_corr/Var_uncorr {_f(nl)} (α = "
                            f"{fig3['alpha']:g}) vs {_f(li)} (linear)")
    if fig5 is not None:
        a = fig5["claim5_network_A"]
        nl, li = a["logistic"]["var_ratio_corr_uncorr"], a["linear"]["var_ratio_corr_uncorr"]
        tests["network A variance"] = (nl - 1, li - 1)
        cl, cli = (a["logistic"]["mean_abs_corr_output_corr_noise"],
                   a["linear"]["mean_abs_corr_output_corr_noise"])
        tests["network A correlation"] = (cl, cli)
        measured.append(f"network A: Var_corr/Var_uncorr {_f(nl)} (logistic) vs {_f(li)} (linear); "
                        f"mean |corr| of output neurons under correlated noise {_f(cl)} vs {_f(cli)}")
    if not tests:
        return c
    c.verdict, c.reason = verdict_correlated(tests)
    if fig3 is None or fig5 is None:
        c.reason += f" (only {'fig3' if fig3 is not None else 'fig5'} available)"
    c.numbers = {k: list(v) for k, v in tests.items()}
    c.measured = "; ".join(measured) + " (medians over inputs and output neurons)"
    c.criterion = ("excess over uncorrelated noise (variance ratio − 1, or output |corr|) with "
                   "nonlinear neurons ≤ 0.5 × that with linear neurons; all tests: supported, "
                   "some: partly, none: not supported")
    return c


def _claim6(fig5: dict) -> Claim:
    c = Claim("6", "The analytic curves (Eqs. 14, 15 with p* from weight statistics) agree with "
                   "the trained networks A, B and C (Sec. IV, Fig. 5)", "fig5")
    nets = fig5["networks"]
    ratios = {k: v["var_ratio"]["eq14"]["median"] for k, v in nets.items()}
    c.verdict, c.reason = verdict_trained(ratios)
    c.numbers = {k: {"eq14": ratios[k], "moments": v["var_ratio"]["moments"]["median"],
                     "points": v["var_ratio"]["eq14"]["points"]} for k, v in nets.items()}
    c.measured = ("median predicted/simulated output Var(y), Eq. 14 with g(x̃): "
                  + ", ".join(f"{k} {_f(ratios[k])}" for k in ratios)
                  + "; beyond the paper, full covariance propagation: "
                  + ", ".join(f"{k} {_f(v['var_ratio']['moments']['median'])}" for k, v in nets.items()))
    c.criterion = "0.8 ≤ ratio ≤ 1.25 for each network; all: supported, some: partly, none: not supported"
    return c


def _claim6b(fig6: dict) -> Claim:
    c = Claim("6b", "For network A, p* approximated by g(x̃) (Eq. 29) agrees best; uniform and "
                    "normal p* agree less well (Methods VII B, Fig. 6)", "fig6")
    errors = {}
    for layer, d in fig6["layers"].items():
        errors[str(d["paper_layer"])] = {k: abs(d["var_ratio"][k]["median"] - 1)
                                         for k in ("uniform", "normal", "quartic")}
    c.verdict, c.reason = verdict_densities(errors)
    c.numbers = errors
    c.measured = ("|median pred/sim Var(y) − 1| uniform / normal / g(x̃): "
                  + "; ".join(f"layer {k}: {_f(e['uniform'])} / {_f(e['normal'])} / {_f(e['quartic'])}"
                              for k, e in errors.items()))
    c.criterion = ("g(x̃) worse than the best other by > 0.01 in a layer: not supported; else better "
                   "by > 0.01 in some layer: supported; else partly")
    return c


def evaluate(summaries: dict) -> list:
    """Judge every claim on the figure summaries at hand.

    Parameters
    ----------
    summaries : dict
        ``"fig3" -> summary dict`` (the content of ``fig3.json``), ...;
        missing figures leave their claims :data:`NOT_EVALUATED`.

    Returns
    -------
    list of Claim
    """
    res = {k: v["results"] for k, v in summaries.items() if v is not None}
    out = []
    f4 = res.get("fig4")
    for fn, cid, text in ((_claim1, "1", "SNR bounded with depth"),
                          (_claim2, "2", "bifurcation at α = 2"),
                          (_claim3, "3", "saturation for α > 2"),
                          (_claim4, "4", "higher Taylor orders")):
        out.append(fn(f4) if f4 is not None else
                   Claim(cid, text, "fig4", reason="run 'fastnoise paper fig4'"))
    if "fig3" in res or "fig5" in res:
        out.append(_claim5(res.get("fig3"), res.get("fig5")))
    else:
        out.append(Claim("5", "correlated noise", "fig3, fig5", reason="run 'fastnoise paper fig3'"))
    out.append(_claim6(res["fig5"]) if "fig5" in res else
               Claim("6", "trained networks", "fig5", reason="run 'fastnoise paper fig5'"))
    out.append(_claim6b(res["fig6"]) if "fig6" in res else
               Claim("6b", "state densities", "fig6", reason="run 'fastnoise paper fig6'"))
    return out
