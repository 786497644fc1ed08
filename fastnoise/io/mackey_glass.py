"""The Mackey–Glass delay differential equation (paper Sec. IV, network C).

dx/dt = β x(t−τ) / (1 + x(t−τ)^n) − γ x(t),  with x(t) = x0 for t ≤ 0.

With the defaults τ = 17, β = 0.2, γ = 0.1, n = 10 the solution is chaotic
(Mackey & Glass, Science 197, 287 (1977)); after the transient it stays in
about [0.2, 1.4].

Integrator
----------
Classical fourth-order Runge–Kutta with a fixed step h such that τ/h is an
integer m, so the delayed argument t−τ of every stage lies on the grid or
half-way between two grid points.  Grid values x_{k−m}, x_{k−m+1} are used as
they are; the half-step value x(t_k + h/2 − τ) is the cubic Hermite
interpolant built from the grid values and the derivatives
F(x_j, x_{j−m}) at both ends of the interval, which is O(h⁴) accurate.  The
derivative discontinuities of the solution (at t = 0, τ, 2τ, …, from the
constant history) fall on grid points, so no step straddles one and the
global error is O(h⁴): halving h divides it by about 16 (tested).  This is the
"method of steps" with RK4 and a Hermite dense output.

Examples
--------
>>> from fastnoise.io.mackey_glass import series, windows
>>> x = series(1200)
>>> inputs, targets = windows(x, width=100)
>>> inputs.shape, targets.shape
((1100, 100), (1100,))
"""

from __future__ import annotations

import math

import numpy as np

from ..validation import check_int

__all__ = ["series", "windows", "integrate"]


def _ratio(name: str, value: float, h: float) -> int:
    """``value / h`` as an int, or a one-line ValueError."""
    q = value / h
    m = int(round(q))
    if m < 1 or abs(q - m) > 1e-9 * max(1.0, q):
        raise ValueError(f"{name} = {value!r} must be a positive integer multiple of the integration step "
                         f"h = {h!r}; choose h = {name}/k for an integer k")
    return m


def _check_params(tau, beta, gamma, n, h, x0) -> tuple:
    vals = {}
    for name, v in (("tau", tau), ("beta", beta), ("gamma", gamma), ("n", n), ("h", h), ("x0", x0)):
        try:
            v = float(v)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be a number, got {v!r}") from None
        if not math.isfinite(v):
            raise ValueError(f"{name} must be finite, got {v!r}")
        vals[name] = v
    for name in ("tau", "h"):
        if vals[name] <= 0:
            raise ValueError(f"{name} must be > 0, got {vals[name]!r}")
    for name in ("beta", "gamma", "n"):
        if vals[name] < 0:
            raise ValueError(f"{name} must be ≥ 0, got {vals[name]!r}")
    if vals["x0"] < 0:
        raise ValueError(f"x0 must be ≥ 0 (x^n of a negative delayed value is undefined for non-integer n), "
                         f"got {vals['x0']!r}")
    return tuple(vals[k] for k in ("tau", "beta", "gamma", "n", "h", "x0"))


def integrate(t_end: float, tau: float = 17.0, beta: float = 0.2, gamma: float = 0.1, n: float = 10.0,
              h: float = 0.1, x0: float = 1.2) -> np.ndarray:
    """Solve the Mackey–Glass equation on the grid t = 0, h, …, t_end.

    Parameters
    ----------
    t_end : float
        Final time, an integer multiple of ``h``.
    tau, beta, gamma, n : float
        Delay τ > 0 (an integer multiple of ``h``), production β, decay γ and
        exponent n of dx/dt = β x(t−τ)/(1 + x(t−τ)^n) − γ x.
    h : float
        Integration step of the fourth-order Runge–Kutta scheme (global error
        O(h⁴); see the module docstring).
    x0 : float
        Constant history x(t) = x0 for t ≤ 0.

    Returns
    -------
    ndarray, (t_end/h + 1,) float64
        x(k h) for k = 0 … t_end/h.
    """
    tau, beta, gamma, n, h, x0 = _check_params(tau, beta, gamma, n, h, x0)
    m = _ratio("tau", tau, h)
    steps = 0 if float(t_end) == 0 else _ratio("t_end", float(t_end), h)
    # x[j + m] holds x((j) h) for j ≥ −m; d[j + m] the right derivative there.
    x = np.empty(steps + m + 1)
    d = np.zeros(steps + m + 1)
    x[:m + 1] = x0

    def prod(z):
        return beta * z / (1.0 + z ** n)

    half_h = 0.5 * h
    eighth_h = 0.125 * h
    xs = x.tolist()  # plain floats: a scalar loop is far faster on lists
    ds = d.tolist()
    xk = x0
    ds[m] = prod(x0) - gamma * x0  # right derivative at t = 0
    for k in range(m, m + steps):
        za, zb = xs[k - m], xs[k - m + 1]
        if k >= 2 * m:  # delayed interval at t ≥ 0: one-sided derivatives inside it
            da, db = ds[k - m], ds[k - m + 1]
        else:  # delayed interval inside the constant history
            da = db = 0.0
        zh = 0.5 * (za + zb) + eighth_h * (da - db)  # cubic Hermite at the midpoint
        pa, ph, pb = prod(za), prod(zh), prod(zb)
        k1 = pa - gamma * xk
        k2 = ph - gamma * (xk + half_h * k1)
        k3 = ph - gamma * (xk + half_h * k2)
        k4 = pb - gamma * (xk + h * k3)
        xk = xk + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        xs[k + 1] = xk
        ds[k + 1] = prod(xs[k + 1 - m]) - gamma * xk
    return np.array(xs[m:], dtype=np.float64)


def series(length: int, dt: float = 1.0, tau: float = 17.0, beta: float = 0.2, gamma: float = 0.1,
           n: float = 10.0, h: float = 0.1, x0: float = 1.2, discard: float = 1000.0) -> np.ndarray:
    """A Mackey–Glass time series sampled every ``dt`` after a transient.

    Parameters
    ----------
    length : int
        Number of samples ≥ 1.
    dt : float
        Sampling interval, an integer multiple of ``h``.
    tau, beta, gamma, n : float
        Equation parameters (defaults: the chaotic τ = 17 regime).
    h : float
        Integration step (RK4, global error O(h⁴)); τ and ``dt`` must be
        integer multiples of it.
    x0 : float
        Constant history x(t) = x0 for t ≤ 0.
    discard : float
        Transient (time units, a multiple of ``dt``, ≥ 0) integrated and
        dropped before the first sample.

    Returns
    -------
    ndarray, (length,) float64
        x(discard + i·dt) for i = 0 … length−1.  Deterministic: the same
        arguments give bitwise the same series.
    """
    length = check_int("length", length, 1)
    tau, beta, gamma, n, h, x0 = _check_params(tau, beta, gamma, n, h, x0)
    try:
        dt, discard = float(dt), float(discard)
    except (TypeError, ValueError):
        raise TypeError(f"dt and discard must be numbers, got {dt!r} and {discard!r}") from None
    if not (math.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be a finite number > 0, got {dt!r}")
    if not (math.isfinite(discard) and discard >= 0):
        raise ValueError(f"discard must be a finite number ≥ 0, got {discard!r}")
    every = _ratio("dt", dt, h)
    skip = 0 if discard == 0 else _ratio("discard", discard, dt) * every
    t_end = (skip + (int(length) - 1) * every) * h
    x = integrate(t_end, tau=tau, beta=beta, gamma=gamma, n=n, h=h, x0=x0)
    return np.ascontiguousarray(x[skip::every][:length])


def windows(series, width: int = 100, horizon: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Sliding windows for one-step (or ``horizon``-step) prediction.

    Parameters
    ----------
    series : array_like, (L,)
    width : int
        Points per input window (the paper uses 100).
    horizon : int
        How far ahead the target lies (1: the next point).

    Returns
    -------
    inputs : ndarray, (N, width) float64
        ``inputs[i] = series[i : i + width]``.
    targets : ndarray, (N,) float64
        ``targets[i] = series[i + width + horizon − 1]``; N = L − width − horizon + 1.
    """
    s = np.asarray(series, dtype=np.float64)
    if s.ndim != 1:
        raise ValueError(f"series must be 1-D, got shape {s.shape}")
    width, horizon = check_int("width", width, 1), check_int("horizon", horizon, 1)
    count = s.size - width - horizon + 1
    if count < 1:
        raise ValueError(f"series of {s.size} points is too short for width {width} and horizon {horizon}; "
                         f"give at least {width + horizon} points")
    inputs = np.lib.stride_tricks.sliding_window_view(s, width)[:count].copy()
    targets = s[width + horizon - 1:width + horizon - 1 + count].copy()
    return inputs, targets
