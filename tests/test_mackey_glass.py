"""Mackey–Glass series: integrator order, attractor, determinism, windows, errors."""

import math

import numpy as np
import pytest

from fastnoise.io.mackey_glass import integrate, series, windows


def test_first_delay_interval_is_exact():
    # for 0 ≤ t ≤ τ the delayed value is the constant history x0, so
    # x(t) = P/γ + (x0 − P/γ) e^{−γt} with P = β x0 / (1 + x0^n)
    x0, beta, gamma, n, tau = 1.2, 0.2, 0.1, 10.0, 17.0
    x = integrate(tau, h=0.1)
    t = np.arange(x.size) * 0.1
    p = beta * x0 / (1 + x0 ** n)
    exact = p / gamma + (x0 - p / gamma) * np.exp(-gamma * t)
    # RK4 on a linear ODE: error ~ (γh)^5/120 per step
    np.testing.assert_allclose(x, exact, rtol=0, atol=1e-10)


def test_step_halving_converges_at_fourth_order():
    # horizon of 200 time units: long enough to cross many delay intervals,
    # short enough that chaos has not amplified the differences
    t_end = 200.0
    h_ref = 0.1 / 32
    ref = integrate(t_end, h=h_ref)
    errors = []
    for h in (0.1, 0.05, 0.025):
        x = integrate(t_end, h=h)
        stride = int(round(h / h_ref))
        errors.append(np.max(np.abs(x - ref[::stride])))
    ratios = [errors[i] / errors[i + 1] for i in range(len(errors) - 1)]
    # order 4: halving h divides the error by 2^4 = 16
    for r in ratios:
        assert 12 < r < 20, (errors, ratios)
    orders = [math.log2(r) for r in ratios]
    assert all(abs(p - 4) < 0.4 for p in orders), orders


def test_attractor_range_tau17():
    x = series(5000, discard=1000.0)
    assert x.shape == (5000,) and x.dtype == np.float64
    assert 0.2 < x.min() < 0.5
    assert 1.2 < x.max() < 1.4
    assert 0.15 < x.std() < 0.3


def test_deterministic_and_sampling_consistent():
    a = series(300, dt=1.0, discard=100.0)
    b = series(300, dt=1.0, discard=100.0)
    assert a.tobytes() == b.tobytes()
    # the same grid sampled every 2 time units
    c = series(150, dt=2.0, discard=100.0)
    np.testing.assert_array_equal(c, a[::2])
    full = integrate(100.0 + 299.0, h=0.1)
    np.testing.assert_array_equal(a, full[1000::10])


def test_windows_shapes_and_alignment():
    s = np.arange(250, dtype=float)
    inputs, targets = windows(s, width=100)
    assert inputs.shape == (150, 100) and targets.shape == (150,)
    np.testing.assert_array_equal(inputs[0], s[:100])
    np.testing.assert_array_equal(inputs[-1], s[149:249])
    assert targets[0] == 100 and targets[-1] == 249
    np.testing.assert_array_equal(targets, inputs[:, -1] + 1)
    inputs[0, 0] = -1  # a copy, not a view into s
    assert s[0] == 0
    i2, t2 = windows(s, width=10, horizon=3)
    assert i2.shape == (238, 10) and t2[0] == 12


@pytest.mark.parametrize("kwargs, match", [
    (dict(length=0), "length must be an integer ≥ 1, got 0"),
    (dict(length=10, tau=17.05), "tau = 17.05 must be a positive integer multiple"),
    (dict(length=10, dt=0.15), "dt = 0.15 must be a positive integer multiple"),
    (dict(length=10, dt=-1.0), "dt must be a finite number > 0"),
    (dict(length=10, tau=0.0), "tau must be > 0"),
    (dict(length=10, beta=float("nan")), "beta must be finite"),
    (dict(length=10, gamma=-0.1), "gamma must be ≥ 0"),
    (dict(length=10, x0=-1.0), "x0 must be ≥ 0"),
    (dict(length=10, discard=0.5), "discard = 0.5 must be a positive integer multiple"),
])
def test_bad_parameters_one_line(kwargs, match):
    with pytest.raises(ValueError, match=match) as info:
        series(**kwargs)
    assert "\n" not in str(info.value)


def test_windows_errors():
    with pytest.raises(ValueError, match="too short"):
        windows(np.zeros(50), width=100)
    with pytest.raises(ValueError, match="width must be an integer ≥ 1"):
        windows(np.zeros(50), width=0)
    with pytest.raises(ValueError, match="must be 1-D"):
        windows(np.zeros((5, 5)), width=2)
