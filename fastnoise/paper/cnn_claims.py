"""The convolutional-network claims, each judged on the study's numbers by an explicit rule.

Sources (facts cited; read with the project's ``search`` tool, which gives the
abstract of [KS25a] and nothing of [KS25b] beyond what issue 17 summarises):

* [KS25a] Kolesnikov & Semenova, "Impact of internal noise on convolutional
  neural networks", arXiv 2505.06611 (2025);
* [KS25b] their companion paper on internal noise in convolutional networks,
  as summarised in issue 17 (additive noise accumulates more with convolutional
  layers; max or mean pooling right after a convolution strongly reduces
  additive noise; max pooling is less robust to uncorrelated multiplicative
  noise).

Every ``verdict_*`` takes plain numbers (tested on synthetic ones) and returns
``(verdict, reason)``; :func:`evaluate` feeds it the tables of
:func:`fastnoise.paper.cnn_study.study`.  Thresholds were fixed from the
wording before the numbers were looked at: "strongly reduces" is at least a
halving of the variance; a variance formula holds when the median relative
error over neurons is within 4 Monte Carlo standard errors plus 1 %; an
analytic assessment of the output noise (the output layer's variance summed
over its neurons, per image) agrees when its median relative error is within
10 % (issue 17's target) and its 90th percentile within 10 % plus two Monte
Carlo standard errors.  (Per-neuron variances of saturated logistic outputs,
~1e-12, are left out of that sum's judgement by their size, as they should be.)
"""

from __future__ import annotations

import math

import numpy as np

from .claims import NOT_EVALUATED, NOT_SUPPORTED, PARTLY, SUPPORTED, Claim, count_verdict

__all__ = ["evaluate", "verdict_more", "verdict_pooling", "verdict_max_multiplicative",
           "verdict_formula", "verdict_prediction", "verdict_accuracy", "STRONG", "MIN_DROP", "SE_MULT"]

#: pooled / unpooled variance at or below which a reduction counts as strong
STRONG = 0.5
#: accuracy drop (fraction) below which a comparison is not judged
MIN_DROP = 0.02
#: standard errors by which one accuracy drop must exceed another
SE_MULT = 3.0


def verdict_more(cnn: dict, dense: dict):
    """Noise accumulated before the readout (variance / 2D) is larger in the CNN, per kind."""
    kinds = [k for k in cnn if k in dense]
    held = sum(cnn[k] > dense[k] for k in kinds)
    return count_verdict(held, len(kinds), "larger in the CNN")


def verdict_pooling(ratios: dict, strong: float = STRONG):
    """Every pooled/unpooled variance ratio (name -> ratio) is ≤ ``strong``."""
    held = sum(r <= strong for r in ratios.values())
    verdict, reason = count_verdict(held, len(ratios), f"ratio ≤ {strong:g}")
    bad = [k for k, r in ratios.items() if r > strong]
    return verdict, reason + (f" (not: {', '.join(bad)})" if bad and held else "")


def verdict_max_multiplicative(pairs: dict):
    """Max pooling's disadvantage over mean pooling is larger under multiplicative than under
    additive uncorrelated noise: per pooling layer, (r_max/r_mean)_MU > (r_max/r_mean)_AU."""
    held = sum(mu > au for au, mu in pairs.values())
    return count_verdict(held, len(pairs), "max/mean ratio larger under MU than AU")


def verdict_formula(errors: dict, tolerance: float):
    """The median relative error of a variance formula (place -> error) is ≤ ``tolerance``."""
    held = sum(e <= tolerance for e in errors.values())
    return count_verdict(held, len(errors), f"median error ≤ {100 * tolerance:.1f} %")


def verdict_prediction(stats: dict, within: float = 0.10, p90: float = 0.25):
    """Per kind: (median, 90th percentile) over images of |predicted/simulated − 1| of the
    summed output variance: median ≤ ``within`` and 90th percentile ≤ ``p90``."""
    good = [k for k, (m, q) in stats.items() if m <= within and q <= p90]
    if stats and len(good) == len(stats):
        return SUPPORTED, f"median ≤ {100 * within:g} % and 90th percentile ≤ {100 * p90:.0f} % for every kind"
    if good:
        return PARTLY, f"holds for {', '.join(good)}, not for {', '.join(k for k in stats if k not in good)}"
    return NOT_SUPPORTED, "holds for no kind"


def verdict_accuracy(drops: dict):
    """kind -> (CNN drop, dense drop, se) at the smallest grid intensity where either loses ≥
    MIN_DROP, or None: the CNN loses more."""
    judged = {k: v for k, v in drops.items() if v is not None}
    if not judged:
        return NOT_EVALUATED, f"neither network loses ≥ {100 * MIN_DROP:g} points on the grid"
    held = sum(c > d + SE_MULT * se for c, d, se in judged.values())
    return count_verdict(held, len(judged), "the CNN loses more")


def _last_hidden(t, network, kind):
    rows = t.select(network=network, kind=kind)
    n = int(rows["layer"].max()) - 1
    return float(rows.select(layer=n)["var_over_2D"][0])


def evaluate(tables: dict, results: dict) -> list:
    """The claim table of the study."""
    layers, pooling, matrix = tables["layers"], tables["pooling"], tables["matrix"]
    acc, pred = tables["accuracy"], tables["prediction"]
    claims = []

    cnn = {k: _last_hidden(layers, "CNN-max", k) for k in ("AU", "AC")}
    dense = {k: _last_hidden(layers, "dense", k) for k in ("AU", "AC")}
    v, r = verdict_more(cnn, dense)
    claims.append(Claim("K1", "Additive noise accumulates more in a network with convolutional layers "
                        "than in a dense one [KS25b]", "cnn_layers",
                        "variance / 2D at the last hidden layer: " + "; ".join(
                            f"{k} CNN {cnn[k]:.3g}, dense {dense[k]:.3g}" for k in cnn),
                        "CNN > dense for AU and AC (Fig. 3 intensities, noise on every layer)", v, r,
                        {"cnn": cnn, "dense": dense}))

    ratios = {f"{n} pool layer {int(p)}": float(x) for n, p, x in
              zip(pooling.select(kind="AU")["network"], pooling.select(kind="AU")["pool_layer"],
                  pooling.select(kind="AU")["ratio"])}
    v, r = verdict_pooling(ratios)
    claims.append(Claim("K2", "Max or mean pooling right after a convolution strongly reduces additive "
                        "noise [KS25b]", "cnn_pooling",
                        "; ".join(f"{k}: {x:.2f}" for k, x in ratios.items()),
                        f"Var(pool)/Var(conv) ≤ {STRONG:g} with AU noise on that convolution only", v, r,
                        ratios))

    pairs = {}
    for p in sorted(set(pooling["pool_layer"].tolist())):
        def ratio(net, kind):
            return float(pooling.select(network=net, kind=kind, pool_layer=p)["ratio"][0])
        pairs[f"pool layer {int(p)}"] = (ratio("CNN-max", "AU") / ratio("CNN-mean", "AU"),
                                         ratio("CNN-max", "MU") / ratio("CNN-mean", "MU"))
    v, r = verdict_max_multiplicative(pairs)
    claims.append(Claim("K3", "Max pooling is less robust to uncorrelated multiplicative noise [KS25b]",
                        "cnn_pooling", "; ".join(f"{k}: max/mean {a:.2f} (AU), {b:.2f} (MU)"
                                                  for k, (a, b) in pairs.items()),
                        "(r_max/r_mean) under MU > under AU at every pooling layer", v, r,
                        {k: list(x) for k, x in pairs.items()}))

    tol = 4 * results["matrix"]["rel_se"] + 0.01
    for cid, kind, term, what in (("K4", "AC", "mu_term", "the mean of the next connection matrix "
                                   "governs correlated additive noise (2D I²μ² per neuron)"),
                                  ("K5", "AU", "eta_term", "the mean of its square governs "
                                   "uncorrelated additive noise (2D Iη per neuron)")):
        errors = {}
        for place in sorted(set(matrix["place"].tolist())):
            rows = matrix.select(place=place, kind=kind)
            keep = rows[term] > 1e-3 * rows[term].max()
            errors[place] = float(np.median(np.abs(rows["var"][keep] / rows[term][keep] - 1)))
        v, r = verdict_formula(errors, tol)
        claims.append(Claim(cid, f"Propagation through a layer: {what} [KS25a]", "cnn_matrix",
                            "median relative error: " + "; ".join(f"{k} {100 * e:.2f} %"
                                                                  for k, e in errors.items()),
                            f"median |Var/formula − 1| ≤ {100 * tol:.1f} % (4 Monte Carlo s.e. + 1 %)",
                            v, r, errors))

    stats = {}
    for kind in sorted(set(pred["kind"].tolist())):
        rows = pred.select(kind=kind)
        images = sorted(set(rows["image"].tolist()))
        sp = np.array([rows.select(image=t)["predicted"].sum() for t in images])
        ss = np.array([rows.select(image=t)["simulated"].sum() for t in images])
        err = np.abs(sp / ss - 1)
        stats[kind] = (float(np.median(err)), float(np.quantile(err, 0.9)))
    p90 = 0.10 + 2 * math.sqrt(2.0 / results["prediction"]["repeats"])
    v, r = verdict_prediction(stats, p90=p90)
    claims.append(Claim("K6", "An analytic assessment of the output noise agrees closely with simulation "
                        "[KS25a] (here: fn.predict, moments with the factored covariance)", "cnn_prediction",
                        "|predicted/simulated − 1| of the summed output variance per image, median and "
                        "90th percentile: " + "; ".join(
                            f"{k} {100 * m:.1f} %, {100 * q:.1f} %"
                            for k, (m, q) in stats.items()),
                        f"median ≤ 10 % and 90th percentile ≤ {100 * p90:.0f} % (10 % + 2 Monte Carlo "
                        "s.e.) for every kind", v, r,
                        {k: {"median": m, "p90": q} for k, (m, q) in stats.items()}))

    drops = {}
    for kind in ("AU", "AC"):
        found = None
        for D in sorted(set(acc.select(kind=kind)["D"].tolist())):
            c = acc.select(network="CNN-max", kind=kind, D=D)
            d = acc.select(network="dense", kind=kind, D=D)
            dc = float(c["noiseless"][0] - c["accuracy"][0])
            dd = float(d["noiseless"][0] - d["accuracy"][0])
            if max(dc, dd) >= MIN_DROP:
                found = (dc, dd, float(math.hypot(c["se"][0], d["se"][0])))
                break
        drops[kind] = found
    v, r = verdict_accuracy(drops)
    claims.append(Claim("K7", "Consequence of K1: under additive noise the CNN loses more accuracy than "
                        "a dense network of similar accuracy", "cnn_accuracy",
                        "; ".join(f"{k}: CNN −{100 * x[0]:.1f}, dense −{100 * x[1]:.1f} points"
                                  for k, x in drops.items() if x) or "no drop on the grid",
                        f"CNN drop > dense drop + {SE_MULT:g} s.e. at the smallest grid intensity where "
                        f"either loses ≥ {100 * MIN_DROP:g} points (the onset; at the largest both are "
                        "near chance)", v, r,
                        {k: (list(x) if x else None) for k, x in drops.items()}))
    return claims
