"""Ridge-regression readouts for reservoirs, plain or noise-aware, and the Mackey–Glass task.

:func:`ridge_readout` fits W_out, b_out of a linear readout by ridge regression on
the reservoir states of a teacher-forced (open-loop) run, after a washout:

* plain: on the noiseless states r(t) (what reservoirpy's ``Ridge`` does);
* noise-aware (``noise`` given): on the *expected* normal equations over the
  noise, Σ_t E[r̂ r̂ᵀ] = Σ_t (m_t m_tᵀ + P_t) with r̂ = (r, 1), from the covariance
  recursion of :mod:`fastnoise.analytic.reservoir` — the readout that minimises the
  expected squared error of the noisy reservoir, as if trained on infinitely many
  noisy repetitions (the noise covariance acts as a data-dependent regulariser).

:func:`mackey_glass` gives the one-step prediction task on the existing generator
(:mod:`fastnoise.io.mackey_glass`), :func:`train_mackey_glass` the recipe of the
example reservoir (``examples/networks/esn_mackey_glass.h5``).  Needs SciPy only.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import linalg

from ..validation import check_int

__all__ = ["ridge_readout", "mackey_glass", "train_mackey_glass", "MACKEY_GLASS"]

#: The recipe of :func:`train_mackey_glass` (the example reservoir).
MACKEY_GLASS = {"units": 300, "connectivity": 0.1, "spectral_radius": 0.95, "input_scaling": 0.5,
                "leak": 0.5, "bias": 0.0, "activation": "tanh", "seed": 0, "train": 3000,
                "test": 1000, "washout": 200, "ridge": 1e-8, "closed_steps": 200}


def _solve(A: np.ndarray, B: np.ndarray, ridge: float, n_units: int) -> np.ndarray:
    """Solve (A + ridge·diag(1, …, 1, 0)) X = B (the bias column is not penalised)."""
    reg = np.full(A.shape[0], float(ridge))
    reg[n_units:] = 0.0
    return linalg.solve(A + np.diag(reg), B, assume_a="sym")


def ridge_readout(esn, inputs, targets, *, ridge: float = 1e-8, washout: int = 100, noise=None,
                  nodes: int = 64):
    """The reservoir with a linear readout fitted to ``targets`` (module docstring).

    Parameters
    ----------
    esn : Reservoir
    inputs : array_like, (T, I_in)
    targets : array_like, (T, I_out)
        The readout's wanted output at every step.
    ridge : float
        Tikhonov penalty on W_out (not on b_out).
    washout : int
        Leading steps left out of the fit.
    noise : Noise or list of three, optional
        Fit the noise-aware readout of this noise (the readout's own noise does not
        change it: it is independent of the states).

    Returns
    -------
    Reservoir
        ``esn`` with the fitted W_out, b_out (and a linear readout activation).
    """
    from ..network.reservoir import Reservoir

    u = esn.check_inputs(inputs)
    T = u.shape[0]
    y = np.asarray(targets, dtype=np.float64).reshape(T, -1)
    washout = check_int("washout", washout, 0, T - 1)
    N = esn.units
    if noise is None:
        _, x = esn.run(u)
        R = np.hstack([x[1][washout:], np.ones((T - washout, 1))])
        A, B = R.T @ R, R.T @ y[washout:]
    else:
        from ..analytic.reservoir import moment_steps

        A = np.zeros((N + 1, N + 1))
        B = np.zeros((N + 1, y.shape[1]))
        for t, st in enumerate(moment_steps(esn, u, noise, nodes=nodes)):
            if t < washout:
                continue
            m = np.append(st["m_r"], 1.0)
            A += np.outer(m, m)
            A[:N, :N] += st["P"]
            B += np.outer(m, y[t])
    X = _solve(A, B, ridge, N)
    return Reservoir(esn.w_in, esn.w_csr, X[:N].T, esn.bias, X[N], esn.leak, esn.activation,
                     "linear", esn.noise_at)


def mackey_glass(length: int, horizon: int = 1):
    """(inputs (T, 1), targets (T, 1)): the Mackey–Glass series (τ = 17, sampled every 1),
    scaled to [−1, 1] by its range over the first ``length`` + ``horizon`` points, and
    the same series ``horizon`` steps ahead."""
    from ..io.mackey_glass import series

    x = series(check_int("length", length, 2) + check_int("horizon", horizon, 1))
    x = 2.0 * (x - x.min()) / (x.max() - x.min()) - 1.0
    return x[:-horizon, None], x[horizon:, None]


def train_mackey_glass(noise=None, **overrides):
    """Train the example reservoir on one-step Mackey–Glass prediction.

    The recipe is :data:`MACKEY_GLASS` (``overrides`` replace entries).  Returns
    (Reservoir, report): the report holds the recipe, the noiseless test NRMSE of
    one-step prediction (teacher forcing over the ``test`` steps after ``train``), the
    NRMSE of ``closed_steps`` steps of closed-loop generation right after training,
    and the wall time.
    """
    from ..network.reservoir import reservoir
    from .data import nrmse

    cfg = {**MACKEY_GLASS, **overrides}
    t0 = time.perf_counter()
    n_train, n_test = int(cfg["train"]), int(cfg["test"])
    u, y = mackey_glass(n_train + n_test)
    esn = reservoir(cfg["units"], 1, 1, connectivity=cfg["connectivity"],
                    spectral_radius=cfg["spectral_radius"], input_scaling=cfg["input_scaling"],
                    leak=cfg["leak"], activation=cfg["activation"], bias=cfg["bias"], seed=cfg["seed"])
    esn = ridge_readout(esn, u[:n_train], y[:n_train], ridge=cfg["ridge"], washout=cfg["washout"],
                        noise=noise)
    _, x = esn.run(u)
    one_step = nrmse(x[2][n_train:, 0], y[n_train:, 0])
    steps = int(cfg["closed_steps"])
    closed_in = np.vstack([u[:n_train], np.zeros((steps, 1))])
    _, xc = esn.run(closed_in, mode="closed", washout=n_train)
    generated = xc[2][n_train - 1:n_train - 1 + steps, 0]          # y(t) predicts u(t + 1)
    closed = nrmse(generated, y[n_train - 1:n_train - 1 + steps, 0])
    report = {"recipe": cfg, "noise_aware": None if noise is None else noise.to_dict(),
              "nrmse_one_step": one_step, "nrmse_closed_loop": closed,
              "wall_time_s": time.perf_counter() - t0}
    return esn, report
