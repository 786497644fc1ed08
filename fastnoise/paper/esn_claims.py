"""The echo-state-network claims, each judged on the study's numbers by an explicit rule.

Sources (facts cited; the project's ``search`` tool gives their abstracts):

* [S24] N. Semenova, "Impact of white Gaussian internal noise on analog echo-state
  neural networks", arXiv 2405.07670 (Chaos, Solitons & Fractals): the propagation
  of noise in the reservoir is mainly controlled by the mean and the mean square of
  the output connection matrix (more correlated or more uncorrelated noise
  accumulates depending on them); under some conditions noise of intensity 10⁻²⁰
  is enough to lose the useful signal completely (a self-closed network);
* [KS25] Kolesnikov & Semenova, arXiv 2504.13778 (Chaos, Solitons & Fractals 206,
  2026): readouts trained on noisy states (as issue 18 summarises it).

Thresholds were fixed from the wording before the numbers were looked at:
"controlled by" is a Spearman rank correlation of at least 0.8 between the
readout's variance and the statistic over the readouts studied; "completely lose
the useful signal" is a readout s.d. over the repetitions of at least half the
target's s.d.; noise-aware training "helps" when its expected squared error is
below the plain readout's by more than 3 Monte Carlo s.e. of a variance (and the
bias part is deterministic); fastnoise's prediction "agrees" when the median over the steps of its relative
error is within that of a perfect prediction (0.674 Monte Carlo s.e.) plus 2 %; a
noise "destroys the signal" somewhere when closing the loop at some point of the
series makes the readout's s.d. at least half the target's.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .claims import NOT_EVALUATED, NOT_SUPPORTED, SUPPORTED, Claim, count_verdict

__all__ = ["evaluate", "verdict_controlled", "verdict_lost", "verdict_training", "verdict_prediction",
           "RHO", "LOST"]

#: Spearman correlation from which a statistic "controls" the variance
RHO = 0.8
#: readout s.d. / target s.d. from which the signal counts as lost
LOST = 0.5


def verdict_controlled(rhos: dict):
    """Each noise kind's readout variance follows its statistic (Spearman ρ ≥ RHO)."""
    return count_verdict(sum(r >= RHO for r in rhos.values()), len(rhos), f"ρ ≥ {RHO:g}")


def verdict_lost(closed_ratios, open_ratio: float):
    """Closing the loop somewhere loses the signal (s.d. ≥ LOST × signal) where open loop
    does not ("there are conditions under which")."""
    closed_ratios = [float(r) for r in closed_ratios]
    if not closed_ratios:
        return NOT_EVALUATED, "no closed-loop run at that intensity"
    lost = sum(r >= LOST for r in closed_ratios)
    if open_ratio >= LOST:
        return NOT_SUPPORTED, f"the open loop loses the signal too (s.d./signal {open_ratio:.2g})"
    if lost:
        return SUPPORTED, f"signal lost for {lost} of {len(closed_ratios)} closing points"
    return NOT_SUPPORTED, f"signal kept at all {len(closed_ratios)} closing points"


def verdict_training(pairs: dict, rel_se: float):
    """Noise-aware readouts have the smaller expected squared error, per kind."""
    held = sum(aware < plain * (1 - 3 * rel_se) for plain, aware in pairs.values())
    return count_verdict(held, len(pairs), "smaller error with the noise-aware readout")


def verdict_prediction(errors: dict, rel_se: float):
    """Median over steps of |predicted/simulated − 1| of the readout variance within that of a
    perfect prediction (0.674 Monte Carlo s.e.) plus 2 %, per kind."""
    tol = 0.674 * rel_se + 0.02
    return count_verdict(sum(e <= tol for e in errors.values()), len(errors),
                  f"median error ≤ {100 * tol:.1f} %")


def evaluate(tables: dict, results: dict) -> list:
    """The claim table of the study."""
    claims = []
    ro = tables["readouts"]
    rhos = {"AC ~ N²·mean(w)²": float(stats.spearmanr(ro["var_AC"], ro["N2_mean2"])[0]),
            "AU ~ N·mean(w²)": float(stats.spearmanr(ro["var_AU"], ro["N_mean_sq"])[0])}
    v, r = verdict_controlled(rhos)
    claims.append(Claim("E1", "Noise accumulation in the reservoir is governed by the output matrix: its "
                        "mean for correlated noise, its mean square for uncorrelated noise [S24]",
                        "esn_readouts", "Spearman ρ over {} readouts: ".format(ro.n_rows)
                        + "; ".join(f"{k} {x:.2f}" for k, x in rhos.items()),
                        f"ρ ≥ {RHO:g} for both (one reservoir, readouts of chosen mean and mean square, "
                        "readout's own noise off)", v, r, rhos))

    lp = tables["loop"]
    tiny = float(np.min(lp["D"]))
    closed = lp.select(mode="closed", D=tiny)
    o = float(lp.select(mode="open", D=tiny)["sd_over_signal"][0])
    c = closed["sd_over_signal"]
    v, r = verdict_lost(c, o)
    claims.append(Claim("E2", f"In a self-closed network noise as weak as D = {tiny:g} can destroy the useful "
                        "signal completely [S24]", "esn_loop",
                        "readout s.d. / target s.d. at the end, closed loop per closing step: " + ", ".join(
                            f"{int(w)}: {x:.2g}" for w, x in zip(closed["closing"], c))
                        + f"; open loop {o:.2g}",
                        f"≥ {LOST:g} for some closing point, < {LOST:g} in open loop (AU on every layer, "
                        "the trained Mackey–Glass reservoir)", v, r,
                        {"closed": [float(x) for x in c], "open": o, "D": tiny}))

    tr = tables["training"]
    pairs = {k: (float(tr.select(kind=k, readout="plain")["mse"][0]),
                 float(tr.select(kind=k, readout="noise-aware")["mse"][0]))
             for k in sorted(set(tr["kind"].tolist()))}
    v, r = verdict_training(pairs, results["rel_se"])
    claims.append(Claim("E3", "Training the readout on noisy states reduces the output error of a noisy "
                        "reservoir [KS25]", "esn_training",
                        "expected squared error plain → noise-aware: " + "; ".join(
                            f"{k} {a:.3g} → {b:.3g}" for k, (a, b) in pairs.items()),
                        "noise-aware < plain by more than 3 Monte Carlo s.e., for every kind "
                        "(noise on the input and reservoir neurons)", v, r,
                        {k: list(x) for k, x in pairs.items()}))

    it = tables["intensity"]
    ok = np.isfinite(it["pred_median_err"])
    errors = {str(k): float(e) for k, e in zip(it["kind"][ok], it["pred_median_err"][ok])}
    v, r = verdict_prediction(errors, results["rel_se"])
    claims.append(Claim("E4", "fastnoise's covariance recursion predicts the readout's variance in open loop "
                        "(this project's claim)", "esn_intensity",
                        "median over steps of |predicted/simulated − 1|: " + "; ".join(
                            f"{k} {100 * x:.1f} %" for k, x in errors.items()),
                        "≤ a perfect prediction's median Monte Carlo error (0.674·√(2/K)) + 2 %, every kind",
                        v, r, errors))
    return claims
