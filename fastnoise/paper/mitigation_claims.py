"""The published mitigation claims, each judged on the study's numbers by an explicit rule.

Sources (facts and numbers cited, read with the project's ``search`` tool):

* [S22] Semenova & Brunner, Chaos 32, 061106 (2022), arXiv 2204.09461;
* [S24] Semenova & Brunner, Chaos 34, 051101 (2024), arXiv 2411.04354;
* [K26] Kolesnikov & Semenova, Chaos, Solitons & Fractals 206 (2026), arXiv 2504.13778;
* [M26] Maksimov, Moskvitin & Semenova, arXiv 2604.08117 (2026).

Every ``verdict_*`` function takes plain numbers (so its logic is tested on
synthetic ones) and returns ``(verdict, reason)``; :func:`evaluate` feeds it
the tables of :func:`fastnoise.paper.mitigation_study.study`.  Accuracy
differences count only where they exceed :data:`MIN_DROP` (two accuracy
points, far above the Monte Carlo error of the default settings: the standard
errors of the accuracy differences in the default run's table are ≤ 0.4 points)
and comparisons are made beyond :data:`SE_MULT` standard errors.
"""

from __future__ import annotations

import math

from .claims import NOT_EVALUATED, NOT_SUPPORTED, PARTLY, SUPPORTED, Claim

__all__ = ["evaluate", "verdict_gain", "verdict_restored", "verdict_less_harmful", "verdict_training",
           "verdict_mc_training", "verdict_prediction", "MIN_DROP", "SE_MULT"]

#: accuracy drop (fraction) below which a comparison is not judged
MIN_DROP = 0.02
#: standard errors by which one accuracy must exceed another
SE_MULT = 3.0


def verdict_gain(gain_all: float, gains_by_kind: dict, target: float = 4.0):
    """Combined strategies give ≥ ``target``-fold output SNR gain ([S22]); ``gain_all`` with the
    mixed noise, ``gains_by_kind`` with each kind alone."""
    if not math.isfinite(gain_all):
        return NOT_EVALUATED, "no gain measured"
    if gain_all >= target:
        return SUPPORTED, f"gain {gain_all:.2f} ≥ {target:g} with the mixed noise"
    good = [k for k, g in gains_by_kind.items() if g >= target]
    if good:
        return PARTLY, (f"gain {gain_all:.2f} < {target:g} with the mixed noise; ≥ {target:g} for "
                        f"{', '.join(good)} alone")
    return NOT_SUPPORTED, f"gain {gain_all:.2f} < {target:g}, and for every kind alone"


def verdict_restored(cases: dict, lost: float = 0.05, within: float = 0.01):
    """Accuracy restored to within ``within`` of noiseless where the plain network loses
    ≥ ``lost`` ([S22]).  ``cases``: kind -> (noiseless, plain, mitigated) at the smallest
    grid intensity where the plain network loses ≥ ``lost``, or None if it never does."""
    judged = {k: v for k, v in cases.items() if v is not None}
    if not judged:
        return NOT_EVALUATED, f"the plain network never loses ≥ {100 * lost:g} points on the grid"
    ok = [k for k, (clean, _, mit) in judged.items() if clean - mit <= within]
    if len(ok) == len(judged):
        return SUPPORTED, f"restored within {100 * within:g} point for {', '.join(ok)}"
    if ok:
        return PARTLY, (f"restored for {', '.join(ok)}, not for "
                        f"{', '.join(k for k in judged if k not in ok)}")
    return NOT_SUPPORTED, f"not restored for {', '.join(judged)}"


def verdict_less_harmful(pairs, what: str):
    """``what`` is less harmful: in every pair (drop_less, drop_more, se) where the larger
    drop is ≥ :data:`MIN_DROP`, drop_less < drop_more − SE_MULT·se."""
    judged = [(a, b, se) for a, b, se in pairs if max(a, b) >= MIN_DROP]
    if not judged:
        return NOT_EVALUATED, f"no accuracy drop ≥ {100 * MIN_DROP:g} points on the grid"
    held = sum(a < b - SE_MULT * se for a, b, se in judged)
    if held == len(judged):
        return SUPPORTED, f"{what} in all {held} comparisons"
    if 2 * held >= len(judged):
        return PARTLY, f"{what} in {held} of {len(judged)} comparisons"
    return NOT_SUPPORTED, f"{what} in only {held} of {len(judged)} comparisons"


def verdict_training(gains: dict):
    """Noise-aware training raises accuracy at the same test noise ([K26]); ``gains``: kind ->
    (accuracy gain, its standard error) at D_test = D_train, the largest training level."""
    up = [k for k, (g, se) in gains.items() if g > SE_MULT * se and g > 0]
    if not gains:
        return NOT_EVALUATED, "no training grid"
    if len(up) == len(gains):
        return SUPPORTED, f"accuracy raised for {', '.join(up)}"
    if up:
        return PARTLY, f"raised for {', '.join(up)} only"
    return NOT_SUPPORTED, "not raised for any kind"


def verdict_mc_training(gains: dict, small: float = 0.01):
    """Only multiplicative correlated training noise has almost no effect ([K26]): its gain
    below ``small`` while every other kind's is at least ``small``."""
    if "MC" not in gains:
        return NOT_EVALUATED, "no MC training"
    mc = gains["MC"][0]
    others = {k: g for k, (g, _) in gains.items() if k != "MC"}
    if abs(mc) < small and all(g >= small for g in others.values()):
        return SUPPORTED, f"MC gain {100 * mc:+.2f} points, others ≥ {100 * small:g}"
    if abs(mc) < small:
        return PARTLY, (f"MC gain {100 * mc:+.2f} points, but also < {100 * small:g} for "
                        f"{', '.join(k for k, g in others.items() if g < small)}")
    return NOT_SUPPORTED, f"MC gain {100 * mc:+.2f} points"


def verdict_prediction(pairs, rtol: float = 0.1):
    """Predicted SNR gains within ``rtol`` of the simulated ones (pairs of (simulated, predicted))."""
    exact = sum(1 for s, p in pairs if math.isinf(s) and math.isinf(p))
    if any(math.isinf(s) != math.isinf(p) for s, p in pairs):
        return NOT_SUPPORTED, "an exact cancellation is simulated but not predicted, or the reverse"
    pairs = [(s, p) for s, p in pairs if math.isfinite(s) and math.isfinite(p)]
    if not pairs:
        return NOT_EVALUATED, "no finite gains"
    worst = max(abs(p / s - 1.0) for s, p in pairs)
    if exact:
        verdict = SUPPORTED if worst <= rtol else NOT_SUPPORTED
        return verdict, (f"largest relative difference {100 * worst:.1f} % over {len(pairs)} gains; "
                         f"{exact} exact cancellations predicted as such")
    verdict = SUPPORTED if worst <= rtol else NOT_SUPPORTED
    return verdict, f"largest relative difference {100 * worst:.1f} % over {len(pairs)} gains"


# ------------------------------------------------------------------------------ evaluation
def _acc(t, **where):
    r = t.select(**where)
    if len(r["accuracy"]) != 1:
        raise KeyError(f"expected one row for {where}, got {len(r['accuracy'])}")
    return float(r["accuracy"][0]), float(r["accuracy_std"][0]), float(r["noiseless"][0])


def evaluate(tables: dict, settings: dict) -> list:
    """One :class:`~fastnoise.paper.claims.Claim` per published claim, from the study's tables."""
    K = settings["repeats"]
    Ds = list(settings["intensities"])
    kinds = ("AU", "AC", "MU", "MC")
    acc = tables["accuracy"]
    claims = []

    def se(*stds):
        return math.sqrt(sum(s * s for s in stds) / K)

    # 1. SNR gain of the combination [S22]
    snr = tables["snr"]
    gain = {k: float(snr.select(network="S", kind=k, strategy="ghost+pool")["snr_gain"][0])
            for k in kinds + ("targeted", "all")}
    copies = int(settings["copies"])
    v, why = verdict_gain(gain["targeted"], {k: gain[k] for k in kinds})
    claims.append(Claim("M1", "[S22] ghost neurons + pooling give a 4-fold output SNR gain on a trained "
                        "MNIST classifier", "snr",
                        measured=f"S, noise D = {settings['snr_intensity']:g} on the hidden layer, ghost + "
                                 f"pool×{copies}: gain {_gain_text(gain['targeted'])} with AU+AC+MU, "
                                 f"{_gain_text(gain['all'])} with all four kinds; alone "
                        + ", ".join(f"{k} {_gain_text(gain[k])}" for k in kinds),
                        criterion="output-layer SNR gain ≥ 4 with AU, AC and MU together (the kinds the "
                                  "strategies act on; neither removes MC)", verdict=v, reason=why,
                        numbers=gain))

    # 2. accuracy restored [S22]
    cases = {}
    for k in kinds:
        cases[k] = None
        for D in Ds:
            plain, _, clean = _acc(acc, strategy="none", noise_at="output", noise_on="hidden", kind=k, D=D)
            if clean - plain >= 0.05:
                mit, _, _ = _acc(acc, strategy="ghost+pool", noise_at="output", noise_on="hidden", kind=k, D=D)
                cases[k] = (clean, plain, mit, D)
                break
    v, why = verdict_restored({k: c[:3] if c else None for k, c in cases.items()})
    claims.append(Claim("M2", "[S22] the combined strategies restore the accuracy (92.07 % → 97.49 % "
                        "in the paper)", "accuracy",
                        measured="; ".join(f"{k}: D={c[3]:g} {100 * c[1]:.2f} % → {100 * c[2]:.2f} % "
                                           f"(noiseless {100 * c[0]:.2f} %)" if c else f"{k}: no 5-point loss"
                                           for k, c in cases.items()),
                        criterion="noise on the hidden layer; at the smallest D losing ≥ 5 points, "
                                  "ghost+pool within 1 point of noiseless", verdict=v, reason=why,
                        numbers={k: list(c) if c else None for k, c in cases.items()}))

    # 3. hidden vs output [S24]
    lay = tables["layers"]
    pairs = []
    for k in kinds:
        for D in Ds:
            ah, sh, clean = _acc(lay, noise_on="hidden", kind=k, D=D)
            ao, so, _ = _acc(lay, noise_on="output", kind=k, D=D)
            pairs.append((clean - ao, clean - ah, se(sh, so)))   # output's drop is the smaller one
    v, why = verdict_less_harmful(pairs, "output-layer noise cost less than hidden-layer noise")
    claims.append(Claim("M3", "[S24] noise in the hidden layer degrades accuracy more than noise in the "
                        "output layer", "layers", measured=_drops_text(pairs),
                        criterion=f"every comparison with a drop ≥ {100 * MIN_DROP:g} points, beyond "
                                  f"{SE_MULT:g} s.e.", verdict=v, reason=why))

    # 4. before vs after the activation [M26]
    pairs, additive = [], []
    for k in kinds:
        for D in Ds:
            ai, si, clean = _acc(acc, strategy="none", noise_at="input", noise_on="hidden+output", kind=k, D=D)
            ao, so, _ = _acc(acc, strategy="none", noise_at="output", noise_on="hidden+output", kind=k, D=D)
            pairs.append((clean - ai, clean - ao, se(si, so)))
            if k in ("AU", "AC"):
                additive.append(pairs[-1])
    v, why = verdict_less_harmful(pairs, "noise before f cost less")
    claims.append(Claim("M4", "[M26] noise before the activation is less harmful than after it", "accuracy",
                        measured=_drops_text(pairs) + "; additive kinds only: "
                        + verdict_less_harmful(additive, "noise before f cost less")[1],
                        criterion=f"every comparison with a drop ≥ {100 * MIN_DROP:g} points, beyond "
                                  f"{SE_MULT:g} s.e.", verdict=v, reason=why))

    # 5. after f: multiplicative less harmful than additive [M26]
    pairs = []
    for mk, ak in (("MU", "AU"), ("MC", "AC")):
        for D in Ds:
            am, sm, clean = _acc(acc, strategy="none", noise_at="output", noise_on="hidden+output", kind=mk, D=D)
            aa, sa, _ = _acc(acc, strategy="none", noise_at="output", noise_on="hidden+output", kind=ak, D=D)
            pairs.append((clean - am, clean - aa, se(sm, sa)))
    v, why = verdict_less_harmful(pairs, "multiplicative cost less than additive")
    claims.append(Claim("M5", "[M26] after the activation, multiplicative noise is less harmful than "
                        "additive noise of the same intensity", "accuracy", measured=_drops_text(pairs),
                        criterion="MU vs AU and MC vs AC at equal D", verdict=v, reason=why))

    # 6. earlier hidden layers matter more [M26]
    dep = tables["depth"]
    pairs = []
    for k in kinds:
        for D in Ds:
            a1, s1, clean = _acc(dep, hidden_layer=1, kind=k, D=D)
            a2, s2, _ = _acc(dep, hidden_layer=2, kind=k, D=D)
            pairs.append((clean - a2, clean - a1, se(s1, s2)))
    v, why = verdict_less_harmful(pairs, "the second hidden layer's noise cost less")
    claims.append(Claim("M6", "[M26] earlier hidden layers contribute more to the degradation", "depth",
                        measured="network A: " + _drops_text(pairs),
                        criterion="noise on hidden layer 1 only vs layer 2 only", verdict=v, reason=why))

    # 7. pooling helps in both placements [M26]
    pairs = []
    for place in ("output", "input"):
        for k in kinds:
            for D in Ds:
                ap, sp, clean = _acc(acc, strategy="pool", noise_at=place, noise_on="hidden+output", kind=k, D=D)
                an, sn, _ = _acc(acc, strategy="none", noise_at=place, noise_on="hidden+output", kind=k, D=D)
                if k in ("AU", "MU"):              # pooling averages uncorrelated noise only
                    pairs.append((clean - ap, clean - an, se(sp, sn)))
    v, why = verdict_less_harmful(pairs, "pooling reduced the loss")
    claims.append(Claim("M7", "[M26] pooling helps with the noise before and after the activation", "accuracy",
                        measured=_drops_text(pairs),
                        criterion="uncorrelated kinds (AU, MU), both placements", verdict=v, reason=why))

    # 8, 9. noise-aware training [K26]
    tr = tables["training"]
    level = max(settings["train_levels"])
    gains = {}
    for k in kinds:
        a1, s1, _ = _acc(tr, kind=k, D_train=level, D_test=level)
        a0, s0, _ = _acc(tr, kind=k, D_train=0.0, D_test=level)
        gains[k] = (a1 - a0, se(s1, s0))
    v, why = verdict_training(gains)
    text = ", ".join(f"{k} {100 * g:+.2f} ± {100 * s:.2f}" for k, (g, s) in gains.items())
    claims.append(Claim("M8", "[K26] training with internal noise raises the accuracy at the same test noise",
                        "training", measured=f"S, noise on the hidden layer; accuracy change at D_train = D_test "
                                             f"= {level:g} (points): {text}",
                        criterion=f"gain > {SE_MULT:g} s.e. for every kind", verdict=v, reason=why,
                        numbers={k: list(g) for k, g in gains.items()}))
    v, why = verdict_mc_training(gains)
    claims.append(Claim("M9", "[K26] only multiplicative correlated training noise has almost no effect",
                        "training", measured=text, criterion="|MC gain| < 1 point, every other ≥ 1 point",
                        verdict=v, reason=why))

    # 10, 11. predictions (fastnoise's own claim: predicted gains within 10 % of the simulated)
    for cid, name in (("M10", "S"), ("M11", "A")):
        r = snr.select(network=name)
        pairs = list(zip(r["snr_gain"].tolist(), r["predicted_snr_gain"].tolist()))
        v, why = verdict_prediction(pairs)
        worst = max(((k, st, p / s_ - 1.0) for k, st, s_, p in zip(r["kind"], r["strategy"], r["snr_gain"],
                                                                   r["predicted_snr_gain"])
                     if math.isfinite(s_) and math.isfinite(p)), key=lambda x: abs(x[2]), default=None)
        claims.append(Claim(cid, f"fastnoise: predicted SNR gains (fn.predict, moments) within 10 % of the "
                            f"simulated ones, network {name}", "snr",
                            measured=why + (f"; worst: {worst[0]} {worst[1]} {100 * worst[2]:+.1f} %" if worst else ""),
                            criterion="|predicted / simulated − 1| ≤ 0.1 for every kind and strategy",
                            verdict=v, reason=why))
    return claims


def _gain_text(g: float) -> str:
    return "∞ (exact cancellation)" if math.isinf(g) else f"{g:.2f}"


def _drops_text(pairs) -> str:
    judged = [(a, b) for a, b, _ in pairs if max(a, b) >= MIN_DROP]
    if not judged:
        return "no drop ≥ 2 points"
    return (f"{len(judged)} comparisons; accuracy drops (points) "
            + ", ".join(f"{100 * a:.1f} vs {100 * b:.1f}" for a, b in judged[:6])
            + (" …" if len(judged) > 6 else ""))
