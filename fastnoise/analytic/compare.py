"""Put a prediction next to a simulation: per-layer errors and the Monte Carlo floor."""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import asdict, dataclass

import numpy as np

from .prediction import Prediction

__all__ = ["LayerComparison", "Comparison", "compare", "mc_quantiles"]


def mc_quantiles(repeats: int, qs=(0.5, 0.9)) -> tuple[float, ...]:
    """Quantiles of |s²/σ² − 1| for an unbiased sample variance of K Gaussian draws.

    (K−1) s²/σ² is χ²_{K−1}; the quantiles of its absolute relative error are
    what a perfect prediction would show against a simulation with K
    repetitions (≈ 0.674 and 1.645 × √(2/(K−1)) for large K).
    """
    from scipy import optimize, stats

    k = repeats - 1
    chi = stats.chi2(k)

    def cdf_abs(e):  # P(|X/k − 1| ≤ e)
        return chi.cdf(k * (1 + e)) - chi.cdf(max(k * (1 - e), 0.0))

    out = []
    for q in qs:
        hi = 1.0
        while cdf_abs(hi) < q:
            hi *= 2
        out.append(float(optimize.brentq(lambda e: cdf_abs(e) - q, 0.0, hi, xtol=1e-12)))
    return tuple(out)


@dataclass
class LayerComparison:
    """Errors of the predicted variance of one layer.

    Attributes
    ----------
    layer : int
        Layer index, input layer 0.
    n : int
        Number of (input, neuron) pairs compared (those with simulated var > 0).
    sim_var, pred_var : float
        Mean over neurons and inputs of the simulated and predicted Var(y).
    ratio : float
        pred_var / sim_var of those means.
    median_err, p90_err : float
        Median and 90th percentile of |pred/sim − 1| over the pairs.
    mc_median, mc_p90 : float
        The same quantiles expected from Monte Carlo error alone (K repetitions).
    """

    layer: int
    n: int
    sim_var: float
    pred_var: float
    ratio: float
    median_err: float
    p90_err: float
    mc_median: float
    mc_p90: float


@dataclass
class Comparison:
    """Per-layer table of :func:`compare`."""

    method: str
    repeats: int
    layers: list

    def to_text(self) -> str:
        head = (f"{'layer':>5} {'sim var':>11} {'pred var':>11} {'ratio':>7} "
                f"{'median err':>10} {'p90 err':>8} {'MC median':>9} {'MC p90':>7}")
        lines = [f"method {self.method}, K = {self.repeats} (MC columns: error of a perfect prediction)",
                 head]
        for r in self.layers:
            lines.append(f"{r.layer:>5} {r.sim_var:>11.4g} {r.pred_var:>11.4g} {r.ratio:>7.3f} "
                         f"{r.median_err:>10.2%} {r.p90_err:>8.2%} {r.mc_median:>9.2%} {r.mc_p90:>7.2%}")
        return "\n".join(lines)

    def to_dicts(self) -> list[dict]:
        return [dict(asdict(r), method=self.method, repeats=self.repeats) for r in self.layers]

    def to_csv(self) -> str:
        rows = self.to_dicts()
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["layer"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        return buf.getvalue()

    def to_json(self) -> str:
        return json.dumps({"method": self.method, "repeats": self.repeats, "layers": self.to_dicts()},
                          indent=2)

    def __str__(self) -> str:
        return self.to_text()


def _as_result(source):
    """A simulation Result from a Result, a Run, or a store path."""
    from ..io.store import Run, Store
    from ..result import Result

    if isinstance(source, Result):
        return source
    if isinstance(source, Run):
        return source.to_result()
    if isinstance(source, (str, os.PathLike)):
        with Store(source) as st:
            return st.run().to_result()
    raise TypeError(f"compare needs a simulation Result, a store Run or a store path, "
                    f"got {type(source).__name__}")


def compare(simulation, prediction) -> Comparison:
    """Per-layer errors of a prediction's variance against a simulation.

    Parameters
    ----------
    simulation : Result, Run, or path to a store (its last run)
    prediction : Prediction
        Made for the same network, inputs and noise (see :func:`fastnoise.predict`).

    Returns
    -------
    Comparison
        One :class:`LayerComparison` per layer; print it for a table, or use
        ``to_csv()`` / ``to_json()``.
    """
    res = _as_result(simulation)
    if not isinstance(prediction, Prediction):
        raise TypeError(f"prediction must be a Prediction from fn.predict, got {type(prediction).__name__}")
    if len(prediction.var) != len(res.var):
        raise ValueError(f"prediction has {len(prediction.var)} layers but the simulation has "
                         f"{len(res.var)}; predict for the simulation's network")
    K = int(res.config.get("repeats", 0))
    if K < 2:
        raise ValueError("the simulation's config does not record its repeats (K ≥ 2)")
    mc_med, mc_p90 = mc_quantiles(K)
    rows = []
    for n, (sv, pv) in enumerate(zip(res.var, prediction.var)):
        sv, pv = np.asarray(sv, float), np.asarray(pv, float)
        if sv.shape != pv.shape:
            raise ValueError(f"layer {n}: prediction shape {pv.shape} differs from the simulation's "
                             f"{sv.shape}; predict with the simulation's inputs")
        ok = np.isfinite(sv) & np.isfinite(pv) & (sv > 0)
        if not ok.any():
            rows.append(LayerComparison(n, 0, float(np.nanmean(sv)), float(np.nanmean(pv)),
                                        float("nan"), float("nan"), float("nan"), mc_med, mc_p90))
            continue
        err = np.abs(pv[ok] / sv[ok] - 1.0)
        s_mean, p_mean = float(sv[ok].mean()), float(pv[ok].mean())
        rows.append(LayerComparison(n, int(ok.sum()), s_mean, p_mean, p_mean / s_mean,
                                    float(np.median(err)), float(np.quantile(err, 0.9)),
                                    mc_med, mc_p90))
    return Comparison(method=prediction.method, repeats=K, layers=rows)
