"""The echo-state-network study (``fastnoise paper esn``): noise in a trained reservoir.

Reservoirs of the Mackey–Glass recipe (:data:`fastnoise.train.reservoir.MACKEY_GLASS`:
tanh, leak 0.5, spectral radius 0.95, ridge readout of one-step prediction), driven
by the test part of the series (after the training steps), noise on every layer.
Five measurements, each a table:

1. **intensity** — each noise kind alone at a grid of intensities D, open loop:
   the readout's variance over the noise (mean over the test steps), its variance
   / 2D, the output SNR (RMS of the noiseless readout / √Var) and the NRMSE of the
   noisy readout against the target (√(bias² + Var) over the steps, divided by the
   target's s.d.); and ``fn.predict``'s variance beside the simulated one;
2. **readouts** — one reservoir, readouts of chosen mean and mean square (random
   readouts w = μ + σ z of several μ, σ, and the trained one): the readout's
   variance under AC and under AU noise beside N²·mean(w)² and N·mean(w²);
3. **matrices** — uniform and band recurrent matrices of several connectivities,
   each trained: variance / 2D under AU and AC noise, and the readout's statistics;
4. **loop** — open against closed loop (the readout fed back after a teacher-
   forced washout, closed at several points of the series) at tiny intensities: the
   readout's s.d. at the end against the target's s.d.;
5. **training** — plain against noise-aware ridge readouts (:mod:`fastnoise.train.reservoir`)
   of a smaller reservoir: the expected squared error under the noise they were
   trained for, per kind.

:mod:`.esn_claims` judges the published findings on these numbers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .tables import Table

__all__ = ["Settings", "FULL", "QUICK", "KINDS", "study", "total_steps"]

KINDS = ("AU", "AC", "MU", "MC")
_FIELDS = {"AU": "additive", "AC": "additive_correlated", "MU": "multiplicative",
           "MC": "multiplicative_correlated"}


@dataclass(frozen=True)
class Settings:
    """Sizes of the study: repeats K; test steps after a washout; the intensity grid; the
    closed-loop intensities and steps; the connectivities; the reservoir of the readout
    training comparison (units, training steps) and its intensity."""

    repeats: int = 300
    washout: int = 200
    steps: int = 600
    grid: tuple = (1e-10, 1e-8, 1e-6, 1e-4)
    loop_grid: tuple = (1e-20, 1e-16, 1e-12)
    closings: tuple = (200, 250, 300, 350, 400, 450, 500)
    closed_steps: int = 800
    connectivities: tuple = (0.02, 0.1, 0.5)
    readouts: int = 9
    train_units: int = 100
    train_steps: int = 1500
    train_D: float = 1e-6
    quick: bool = False


FULL = Settings()
QUICK = Settings(repeats=60, washout=100, steps=150, grid=(1e-8, 1e-4), loop_grid=(1e-20,),
                 closings=(200, 250), closed_steps=300, connectivities=(0.1, 0.5), readouts=4, train_units=40,
                 train_steps=600, quick=True)


def kind_noise(kind: str, D: float):
    import fastnoise as fn

    return fn.Noise(**{_FIELDS[kind]: float(D)})


def total_steps(s: Settings) -> int:
    """Simulations and predictions the study runs (the progress bar's total)."""
    return (len(KINDS) * len(s.grid) + len(KINDS) + 2 * (s.readouts + 1)
            + 4 * len(s.connectivities) + len(s.loop_grid) * (1 + len(s.closings)) + 2 * len(KINDS))


def _tick(progress):
    if progress is not None:
        progress.update(1)


def _recipe_reservoir(units: int, kind: str = "uniform", connectivity: float = 0.1, seed: int = 0):
    import fastnoise as fn
    from ..train.reservoir import MACKEY_GLASS as R

    return fn.reservoir(units, 1, 1, kind=kind, connectivity=connectivity,
                        spectral_radius=R["spectral_radius"], input_scaling=R["input_scaling"],
                        leak=R["leak"], seed=seed)


def _trained(esn, n_train: int, noise=None):
    from ..train.reservoir import MACKEY_GLASS as R
    from ..train.reservoir import mackey_glass, ridge_readout

    u, y = mackey_glass(n_train)
    return ridge_readout(esn, u, y, ridge=R["ridge"], washout=R["washout"], noise=noise)


def _errors(res, target, washout):
    """(mean readout variance, output SNR, NRMSE) over the steps after the washout."""
    m, v = res.mean[2][washout:, 0], res.var[2][washout:, 0]
    x = res.noiseless_x[2][washout:, 0]
    t = target[washout:, 0]
    var = float(np.mean(v))
    snr = float(np.sqrt(np.mean(x * x) / var)) if var > 0 else float("inf")
    nrmse = float(np.sqrt(np.mean((m - t) ** 2 + v)) / np.std(t))
    return var, snr, nrmse


def study(settings: Settings = FULL, esn_path: str | None = None, progress=None) -> dict:
    """Run the study; returns {"tables": {name: Table}, "results": {...}}."""
    import fastnoise as fn
    from ..io import reservoir_file
    from ..train.reservoir import MACKEY_GLASS as R
    from ..train.reservoir import mackey_glass
    from .cnn_study import CNN_FILE

    t0 = time.perf_counter()
    s = settings
    K = s.repeats
    path = esn_path or CNN_FILE.replace("cnn_mnist.h5", "esn_mackey_glass.h5")
    esn = reservoir_file.load(path)
    n0 = R["train"]
    u_all, y_all = mackey_glass(n0 + max(s.washout + s.steps, max(s.closings) + s.closed_steps))
    u, y = u_all[n0:n0 + s.washout + s.steps], y_all[n0:n0 + s.washout + s.steps]
    results = {"network": {"path": path, "units": esn.units}, "settings": {"repeats": K}}

    # 1. intensity grid, open loop, and the prediction at the grid's second intensity
    rows = {k: [] for k in ("kind", "D", "var", "var_over_2D", "snr", "nrmse", "predicted_var",
                            "pred_median_err")}
    for kind in KINDS:
        for D in s.grid:
            res = fn.simulate(esn, u, kind_noise(kind, D), repeats=K, seed=1)
            var, snr, nrmse = _errors(res, y, s.washout)
            pred = err = np.nan
            if D == s.grid[min(1, len(s.grid) - 1)]:
                p = fn.predict(esn, u, kind_noise(kind, D))
                pv = p.var[2][s.washout:, 0]
                pred = float(np.mean(pv))
                err = float(np.median(np.abs(pv / res.var[2][s.washout:, 0] - 1.0)))
                _tick(progress)
            for key, val in zip(rows, (kind, D, var, var / (2 * D), snr, nrmse, pred, err)):
                rows[key].append(val)
            _tick(progress)
    intensity = Table(rows)

    # 2. readouts of chosen mean and mean square on the trained reservoir
    D = s.grid[min(1, len(s.grid) - 1)]
    rng = np.random.default_rng(7)
    w_trained = esn.w_out[0]
    scale = float(np.sqrt(np.mean(w_trained ** 2)))
    specs = [("trained", w_trained)]
    for i in range(s.readouts):
        mu = scale * (0.0, 0.02, 0.1, 0.3)[i % 4] * (1 if i % 2 else -1)
        sigma = scale * (1.0, 0.3, 0.1)[i % 3]
        specs.append((f"random {i}", mu + sigma * rng.standard_normal(esn.units)))
    rows = {k: [] for k in ("readout", "mean_w", "mean_w2", "N2_mean2", "N_mean_sq", "var_AC", "var_AU")}
    for name, w in specs:
        e = esn.with_readout(w[None])
        var = {}
        for kind in ("AC", "AU"):
            noise = [kind_noise(kind, D), kind_noise(kind, D), fn.Noise()]  # the readout's own: out
            var[kind] = float(np.mean(fn.simulate(e, u, noise, repeats=K, seed=2).var[2][s.washout:, 0]))
            _tick(progress)
        n = esn.units
        for key, val in zip(rows, (name, float(w.mean()), float(np.mean(w * w)), n * n * float(w.mean()) ** 2,
                                   n * float(np.mean(w * w)), var["AC"], var["AU"])):
            rows[key].append(val)
    readouts = Table(rows)

    # 3. uniform and band matrices of several connectivities, each trained
    rows = {k: [] for k in ("matrix", "connectivity", "nrmse_noiseless", "var_over_2D_AU",
                            "var_over_2D_AC", "N2_mean2", "N_mean_sq")}
    for kind in ("uniform", "band"):
        for c in s.connectivities:
            e = _trained(_recipe_reservoir(esn.units, kind, c), n0)
            _, x = e.run(u)
            nrmse0 = float(np.sqrt(np.mean((x[2][s.washout:, 0] - y[s.washout:, 0]) ** 2))
                           / np.std(y[s.washout:, 0]))
            v = {}
            for nk in ("AU", "AC"):
                res = fn.simulate(e, u, kind_noise(nk, D), repeats=K, seed=3)
                v[nk] = float(np.mean(res.var[2][s.washout:, 0])) / (2 * D)
                _tick(progress)
            w = e.w_out[0]
            for key, val in zip(rows, (kind, c, nrmse0, v["AU"], v["AC"],
                                       esn.units ** 2 * float(w.mean()) ** 2,
                                       esn.units * float(np.mean(w * w)))):
                rows[key].append(val)
    matrices = Table(rows)

    # 4. open against closed loop at tiny intensities (AU on every layer), closed at several points
    rows = {k: [] for k in ("mode", "D", "closing", "sd_end", "signal_sd", "sd_over_signal")}
    for D_loop in s.loop_grid:
        for mode, closings in (("open", (max(s.closings),)), ("closed", s.closings)):
            for w in closings:
                n_loop = w + s.closed_steps
                u_loop, y_loop = u_all[n0:n0 + n_loop], y_all[n0:n0 + n_loop]
                res = fn.simulate(esn, u_loop, kind_noise("AU", D_loop), repeats=K, seed=4, mode=mode,
                                  washout=w)
                sd_end = float(np.sqrt(np.mean(res.var[2][-20:, 0])))
                signal_sd = float(np.std(y_loop[w:, 0]))
                for key, val in zip(rows, (mode, D_loop, w, sd_end, signal_sd, sd_end / signal_sd)):
                    rows[key].append(val)
                _tick(progress)
    loop = Table(rows)

    # 5. plain against noise-aware readouts of a smaller reservoir
    small = _recipe_reservoir(s.train_units)
    u_t, y_t = mackey_glass(s.train_steps + s.washout + s.steps)
    u_test, y_test = u_t[s.train_steps:], y_t[s.train_steps:]
    plain = _trained(small, s.train_steps)
    rows = {k: [] for k in ("kind", "D", "readout", "mse", "bias2", "var")}
    for kind in KINDS:
        noise = kind_noise(kind, s.train_D)
        aware = _trained(small, s.train_steps, noise=[noise, noise, fn.Noise()])
        for name, e in (("plain", plain), ("noise-aware", aware)):
            res = fn.simulate(e, u_test, [noise, noise, fn.Noise()], repeats=K, seed=5)
            b2 = float(np.mean((res.mean[2][s.washout:, 0] - y_test[s.washout:, 0]) ** 2))
            v = float(np.mean(res.var[2][s.washout:, 0]))
            for key, val in zip(rows, (kind, s.train_D, name, b2 + v, b2, v)):
                rows[key].append(val)
        _tick(progress)
        _tick(progress)
    training = Table(rows)

    results["seconds"] = time.perf_counter() - t0
    results["rel_se"] = float(np.sqrt(2.0 / K))
    return {"tables": {"intensity": intensity, "readouts": readouts, "matrices": matrices,
                       "loop": loop, "training": training}, "results": results}
