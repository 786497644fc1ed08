"""Jets (exact derivatives) and the F̂ closures (paper Eqs. 9, 12, 13, 24–28).

References are independent of the code under test: closed-form derivatives,
mpmath's arbitrary-precision Taylor coefficients, scipy/mpmath adaptive
quadrature and hand-expanded Gaussian moments of the cubic of Methods VII A.
Tolerances are rounding bounds (a few hundred ulps for recurrences of order
≤ 30), not fitted to the observed errors.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from numba import njit
from scipy import integrate

import fastnoise as fn
from fastnoise.analytic import closures as cl
from fastnoise.analytic import jets

A = fn.activations


@njit
def softsign(x):
    return x / (1.0 + abs(x))


@njit
def algebraic(x):  # smooth (analytic on the real line) user sigmoid
    return x / math.sqrt(1.0 + x * x)


SMOOTH = [A.shifted_sigmoid(2.0), A.shifted_sigmoid(3.0), A.shifted_sigmoid(4.0),
          A.logistic(1.0), A.logistic(3.0), A.tanh(1.0), A.tanh(2.5)]
BUILTIN = SMOOTH + [A.cubic(), A.linear(1.7), A.relu(1.3)]


def _mp_function(act):
    p = mp.mpf(act.param)
    half = mp.mpf(1) / 2
    if act.name == "shifted_sigmoid":
        return lambda x: half + p * (x - half) / (2 * mp.sqrt(1 + p ** 2 * (x - half) ** 2))
    if act.name == "logistic":
        return lambda x: 1 / (1 + mp.exp(-p * x))
    if act.name == "tanh":
        return lambda x: mp.tanh(p * x)
    raise AssertionError(act.name)


def _radius(act, x):
    """Radius of convergence of f's Taylor series at x (nearest complex pole)."""
    p = act.param
    if act.name == "shifted_sigmoid":
        return math.hypot(1.0, p * (x - 0.5)) / p
    if act.name == "logistic":
        return math.hypot(p * x, math.pi) / p
    if act.name == "tanh":
        return math.hypot(p * x, math.pi / 2) / p
    raise AssertionError(act.name)


def _quad_moments(f, mean, var, kinks=()):
    """E f(X), Var f(X) for X ~ N(mean, var) by adaptive quadrature (reference)."""
    sd = math.sqrt(var)
    pdf = lambda x: math.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))  # noqa: E731
    cuts = [-math.inf] + sorted(set(kinks) | {mean}) + [math.inf]

    def integ(g):
        return sum(integrate.quad(lambda x: g(x) * pdf(x), a, b, epsabs=0.0, epsrel=1e-13,
                                  limit=200)[0] for a, b in zip(cuts[:-1], cuts[1:]))
    ef = integ(f)
    return ef, integ(lambda x: (f(x) - ef) ** 2)


# ============================================================================ jets
def test_series_arithmetic_identities():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(5, 12))
    a[:, 0] = rng.uniform(0.5, 2.0, 5)
    b = rng.normal(size=(5, 12))
    one = np.zeros(12)
    one[0] = 1.0
    np.testing.assert_allclose(jets.series_mul(a, jets.series_reciprocal(a)), np.broadcast_to(one, a.shape),
                               atol=1e-12)
    np.testing.assert_allclose(jets.series_mul(jets.series_sqrt(a), jets.series_sqrt(a)), a,
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(jets.series_power(a, 2.5),
                               jets.series_mul(jets.series_mul(a, a), jets.series_sqrt(a)),
                               rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(jets.series_exp(jets.series_add(a, b)),
                               jets.series_mul(jets.series_exp(a), jets.series_exp(b)),
                               rtol=1e-10, atol=1e-10)
    # exp of the variable x0 + t: e^x0 / k!
    x0 = np.array([-1.0, 0.0, 2.0])
    e = jets.series_exp(jets.series_variable(x0, 8))
    fact = np.array([math.factorial(k) for k in range(9)], float)
    np.testing.assert_allclose(e, np.exp(x0)[:, None] / fact, rtol=1e-14)
    # integrating then reading the derivative back
    integ = jets.series_integrate(a, 0.7)
    np.testing.assert_allclose(integ[:, 1:] * np.arange(1, 13), a, rtol=1e-15)
    assert np.all(integ[:, 0] == 0.7)


def test_first_and_second_derivatives_match_closed_forms():
    x = np.linspace(-4.0, 5.0, 181)
    p = 2.3
    e = np.exp(-p * x)                 # cancellation-free forms of s(1−s), 1−tanh², ...
    s = 1.0 / (1.0 + e)
    d = jets.derivatives(A.logistic(p), x, 2)
    np.testing.assert_allclose(d[:, 0], s, rtol=1e-14)
    np.testing.assert_allclose(d[:, 1], p * e / (1 + e) ** 2, rtol=1e-13)          # p s(1−s)
    np.testing.assert_allclose(d[:, 2], p * p * e * (e - 1) / (1 + e) ** 3,         # p² s(1−s)(1−2s)
                               rtol=1e-12, atol=1e-15)
    t = np.tanh(p * x)
    sech2 = 1.0 / np.cosh(p * x) ** 2
    d = jets.derivatives(A.tanh(p), x, 2)
    np.testing.assert_allclose(d[:, 0], t, rtol=1e-15)
    np.testing.assert_allclose(d[:, 1], p * sech2, rtol=1e-13)                      # p(1−tanh²)
    np.testing.assert_allclose(d[:, 2], -2 * p * p * t * sech2, rtol=1e-12, atol=1e-15)
    for alpha in (2.0, 4.0):
        z = alpha * (x - 0.5)
        d = jets.derivatives(A.shifted_sigmoid(alpha), x, 2)
        np.testing.assert_allclose(d[:, 0], A.shifted_sigmoid(alpha)(x), rtol=1e-13)
        np.testing.assert_allclose(d[:, 1], alpha / (2 * (1 + z * z) ** 1.5), rtol=1e-13)
        np.testing.assert_allclose(d[:, 2], -1.5 * alpha ** 2 * z / (1 + z * z) ** 2.5, rtol=1e-12,
                                   atol=1e-15)


@pytest.mark.parametrize("act", SMOOTH[::2] + [A.logistic(3.0), A.tanh(1.0)],
                         ids=lambda a: f"{a.name}-{a.param}")
def test_derivatives_against_mpmath_order_15(act):
    mp.mp.dps = 40
    f = _mp_function(act)
    order = 15
    for x in (-1.3, 0.0, 0.31, 0.5, 0.8, 2.2):
        ref = np.array([float(mp.diff(f, mp.mpf(x), k)) for k in range(order + 1)])
        got = jets.derivatives(act, x, order)
        R = _radius(act, x)
        fact = np.array([math.factorial(k) for k in range(order + 1)], float)
        k = np.arange(order + 1)
        # coefficients scaled by R^k are O(1); compare on that scale ...
        scaled_ref = ref / fact * R ** k
        scaled_err = np.abs(got - ref) / fact * R ** k
        assert scaled_err.max() <= 1e-12 * np.abs(scaled_ref).max(), (x, scaled_err.max())
        # ... and relatively wherever a derivative is not a near-zero
        big = np.abs(scaled_ref) > 1e-6 * np.abs(scaled_ref).max()
        np.testing.assert_allclose(got[big], ref[big], rtol=1e-10)


def test_taylor_coefficients_order_30_in_saturation_and_tails():
    """Deep saturation / far tails, where naive recurrences lose digits."""
    mp.mp.dps = 60
    order = 30
    for act, x in [(A.tanh(2.5), 4.0), (A.tanh(2.5), -3.0), (A.logistic(3.0), 4.0),
                   (A.logistic(3.0), -3.0), (A.shifted_sigmoid(4.0), -3.0),
                   (A.shifted_sigmoid(2.0), 4.0), (A.tanh(1.0), 0.5)]:
        ref = np.array([float(c) for c in mp.taylor(_mp_function(act), mp.mpf(x), order)])
        got = jets.taylor_coefficients(act, x, order)
        R = _radius(act, x)
        k = np.arange(order + 1)
        sc = np.abs(ref) * R ** k
        assert (np.abs(got - ref) * R ** k).max() <= 1e-12 * sc.max(), (act, x)
        big = sc > 1e-6 * sc.max()
        np.testing.assert_allclose(got[big], ref[big], rtol=1e-10, err_msg=f"{act} at {x}")


def test_cubic_taylor_terms_of_methods_example():
    mu = np.linspace(-0.5, 1.5, 9)
    T = jets.taylor_coefficients(A.cubic(), mu, 5)
    np.testing.assert_allclose(T[:, 0], 3 * mu ** 2 - 2 * mu ** 3, rtol=1e-15)
    np.testing.assert_allclose(T[:, 1], 6 * (mu - mu ** 2), rtol=1e-15)
    np.testing.assert_allclose(T[:, 2], 3 * (1 - 2 * mu), rtol=1e-15)
    assert np.all(T[:, 3] == -2.0) and np.all(T[:, 4:] == 0.0)
    np.testing.assert_array_equal(jets.taylor_coefficients(A.cubic(), 0.5, 3), [0.5, 1.5, 0.0, -2.0])
    np.testing.assert_array_equal(jets.derivatives(A.cubic(), 0.5, 3), [0.5, 1.5, 0.0, -12.0])


def test_even_derivatives_vanish_exactly_at_inflection_points():
    for act, x in [(A.shifted_sigmoid(4.0), 0.5), (A.shifted_sigmoid(2.0), 0.5), (A.tanh(1.7), 0.0)]:
        T = jets.taylor_coefficients(act, x, 20)
        assert np.all(T[2::2] == 0.0), act
        assert np.all(T[1::2] != 0.0)
    T = jets.taylor_coefficients(A.logistic(1.0), 0.0, 20)
    assert T[0] == 0.5 and np.all(T[2::2] == 0.0)


def test_linear_relu_and_shapes():
    x = np.array([[-1.0, 0.0], [0.5, 2.0]])
    d = jets.derivatives(A.linear(1.7), x, 4)
    assert d.shape == (2, 2, 5)
    np.testing.assert_allclose(d[..., 0], 1.7 * x)
    assert np.all(d[..., 1] == 1.7) and np.all(d[..., 2:] == 0)
    d = jets.derivatives(A.relu(2.0), x, 3)
    np.testing.assert_array_equal(d[..., 0], np.maximum(2 * x, 0))
    np.testing.assert_array_equal(d[..., 1], [[0.0, 0.0], [2.0, 2.0]])   # 0 at the kink
    assert np.all(d[..., 2:] == 0)
    d = jets.derivatives(A.relu(-2.0), np.array([-1.0, 1.0]), 1)         # negative gain
    np.testing.assert_array_equal(d, [[2.0, -2.0], [0.0, 0.0]])
    assert jets.derivatives(A.tanh(), 0.3, 0).shape == (1,)


def test_high_orders_stay_finite_far_out():
    x = np.array([-400.0, -30.0, 0.0, 30.0, 400.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for act in SMOOTH:
            T = jets.taylor_coefficients(act, x, 40)
            assert np.all(np.isfinite(T)), act
    d = jets.derivatives(A.logistic(1.0), -800.0, 3)
    assert d[0] == 0.0 and np.all(np.isfinite(d))


def test_custom_activation_derivatives():
    act = A.custom(softsign)
    x = np.array([-2.0, -0.4, 0.7, 3.0])
    d = jets.derivatives(act, x, 2)
    np.testing.assert_allclose(d[:, 0], x / (1 + np.abs(x)), rtol=1e-15)
    np.testing.assert_allclose(d[:, 1], 1 / (1 + np.abs(x)) ** 2, rtol=1e-9)
    np.testing.assert_allclose(d[:, 2], -2 * np.sign(x) / (1 + np.abs(x)) ** 3, rtol=1e-6)
    with pytest.raises(ValueError, match=r"softsign.*closure=\"gauss\""):
        jets.derivatives(act, x, 3)


# ======================================================================== closures
def test_gaussian_central_moments():
    v = np.array([0.0, 0.3, 2.0])
    V = cl.gaussian_central_moments(v, 8)
    expect = np.stack([np.ones(3), 0 * v, v, 0 * v, 3 * v ** 2, 0 * v, 15 * v ** 3, 0 * v, 105 * v ** 4], -1)
    np.testing.assert_allclose(V, expect, rtol=1e-15)


@pytest.mark.parametrize("act", BUILTIN, ids=lambda a: f"{a.name}-{a.param}")
def test_first_order_equals_taylor_order_1(act):
    mean = np.linspace(-1.0, 2.0, 13)[:, None]
    var = np.array([0.0, 1e-4, 1e-2, 0.3])
    e1, v1 = cl.first_order(act, mean, var)
    et, vt = cl.taylor(act, mean, var, order=1)
    np.testing.assert_allclose(et, e1, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(vt, v1, rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(v1, jets.derivatives(act, mean, 1)[..., 1] ** 2 * var, rtol=1e-14)


def test_cubic_taylor_is_exact_and_matches_hand_expansion():
    act = A.cubic()
    v = np.array([1e-4, 1e-3, 0.02, 0.5])
    # μ = 0.5: T1 = 1.5, T2 = 0, T3 = −2 (Methods VII A); Var(T1 d + T3 d³), d ~ N(0, v):
    # T1² v + 2 T1 T3 V4 + T3² V6 = 2.25 v − 18 v² + 60 v³, and E f = f(0.5) + T2 V2 = 0.5.
    hand = 2.25 * v - 18 * v ** 2 + 60 * v ** 3
    for order in (3, 4, 15):
        e, var = cl.taylor(act, 0.5, v, order)
        np.testing.assert_allclose(var, hand, rtol=1e-13)
        np.testing.assert_allclose(e, 0.5, rtol=1e-15)
    e, var = cl.gauss(act, 0.5, v)
    np.testing.assert_allclose(var, hand, rtol=1e-12)
    # general μ (T2 ≠ 0): T1² v + T2² (V4 − V2²) + 2 T1 T3 V4 + T3² V6
    mu = 0.2
    T1, T2, T3 = 6 * (mu - mu ** 2), 3 * (1 - 2 * mu), -2.0
    hand = T1 ** 2 * v + T2 ** 2 * 2 * v ** 2 + 2 * T1 * T3 * 3 * v ** 2 + T3 ** 2 * 15 * v ** 3
    np.testing.assert_allclose(cl.taylor(act, mu, v, 3)[1], hand, rtol=1e-13)
    np.testing.assert_allclose(cl.taylor(act, mu, v, 3)[0], 3 * mu ** 2 - 2 * mu ** 3 + T2 * v, rtol=1e-14)
    # first order misses the T3 terms: too large at μ=0.5 since T1 T3 < 0
    assert cl.first_order(act, 0.5, 0.02)[1] > 1.1 * cl.taylor(act, 0.5, 0.02, 3)[1]


def test_taylor_equals_gauss_for_polynomials():
    mean = np.linspace(-1.0, 2.0, 7)[:, None]
    var = np.array([1e-6, 1e-3, 0.1, 1.0])
    for order in (3, 7, 15):
        np.testing.assert_allclose(cl.taylor(A.cubic(), mean, var, order)[1],
                                   cl.gauss(A.cubic(), mean, var)[1], rtol=1e-12)
        np.testing.assert_allclose(cl.taylor(A.cubic(), mean, var, order)[0],
                                   cl.gauss(A.cubic(), mean, var)[0], rtol=1e-12, atol=1e-15)
    for order in (1, 2, 9):
        e, v = cl.taylor(A.linear(1.7), mean, var, order)
        eg, vg = cl.gauss(A.linear(1.7), mean, var)
        np.testing.assert_allclose(v, 1.7 ** 2 * var + 0 * mean, rtol=1e-14)
        np.testing.assert_allclose(vg, v, rtol=1e-14)
        np.testing.assert_allclose(eg, e, rtol=1e-14)


def test_taylor_orders_matches_direct_taylor():
    act = A.shifted_sigmoid(3.0)
    mean = np.array([0.2, 0.5, 0.9])
    var = 2e-3
    ef, vf = cl.taylor_orders(act, mean, var, 15, return_mean=True)
    assert vf.shape == (3, 15)
    np.testing.assert_array_equal(cl.taylor_orders(act, mean, var, 15), vf)
    for M in (1, 2, 5, 8, 15):
        e, v = cl.taylor(act, mean, var, M)
        np.testing.assert_allclose(vf[:, M - 1], v, rtol=1e-13)
        np.testing.assert_allclose(ef[:, M - 1], e, rtol=1e-15)


CONVERGENT = [  # (activation, mean) with var = 1e-3: σ/R ≤ 0.13, optimal order ≥ 30
    (A.shifted_sigmoid(2.0), 0.5), (A.shifted_sigmoid(2.0), 0.2), (A.shifted_sigmoid(2.0), 0.9),
    (A.shifted_sigmoid(3.0), 0.5), (A.shifted_sigmoid(3.0), 0.3), (A.shifted_sigmoid(3.0), 0.8),
    (A.shifted_sigmoid(4.0), 0.5), (A.shifted_sigmoid(4.0), 0.2), (A.shifted_sigmoid(4.0), 0.9),
    (A.logistic(1.0), 0.0), (A.logistic(1.0), 0.7), (A.logistic(3.0), -0.4),
    (A.tanh(1.0), 0.0), (A.tanh(1.0), 0.5), (A.tanh(2.0), -0.6)]


@pytest.mark.parametrize("act,mu", CONVERGENT, ids=lambda c: getattr(c, "name", str(c)))
def test_taylor_converges_to_gauss_at_small_variance(act, mu):
    var = 1e-3
    eg, vg = cl.gauss(act, mu, var)
    ef, vf = cl.taylor_orders(act, mu, var, 16, return_mean=True)
    err = np.abs(vf - vg) / vg
    assert err[14] < 1e-6
    assert abs(ef[14] - eg) < 1e-9 * abs(eg) + 1e-15
    assert err[14] < 1e-3 * err[0]           # higher orders really do improve on Eq. (9)
    # errors fall over every pair of orders (Fig. 4d) until rounding level
    pair = np.maximum(err[0::2], err[1::2])  # orders (1,2), (3,4), ...
    above = pair > 1e-13
    assert np.all(np.diff(pair[above]) < 0), pair


@pytest.mark.parametrize("act,mu", [(A.shifted_sigmoid(2.0), 0.5), (A.shifted_sigmoid(4.0), 0.5),
                                    (A.tanh(1.5), 0.0), (A.logistic(2.0), 0.0)])
def test_taylor_orders_come_in_pairs_at_the_inflection_point(act, mu):
    vf = cl.taylor_orders(act, mu, 1e-3, 16)
    np.testing.assert_array_equal(vf[1::2], vf[0::2])   # F̂|_2k = F̂|_(2k−1)
    assert vf[2] != vf[0] and vf[4] != vf[2]             # odd orders do contribute


def test_taylor_series_is_asymptotic_at_large_variance():
    """σ/R = 0.4 for α = 4 at var = 1e-2: order 15 is worse than order 3 (module notes)."""
    act = A.shifted_sigmoid(4.0)
    vg = cl.gauss(act, 0.5, 1e-2)[1]
    vf = cl.taylor_orders(act, 0.5, 1e-2, 15)
    err = np.abs(vf - vg) / vg
    assert err[14] > 10 * err[2] and err[14] > 1.0


GAUSS_CASES = [  # (activation, mean, var, nodes); σ/d ≤ 0.4 for 64 nodes (see gauss docstring)
    (A.shifted_sigmoid(4.0), 0.5, 0.01, 64), (A.shifted_sigmoid(4.0), 0.1, 0.005, 64),
    (A.shifted_sigmoid(4.0), 0.1, 0.03, 128), (A.shifted_sigmoid(4.0), 0.5, 0.1, 300),
    (A.shifted_sigmoid(2.0), 0.8, 0.04, 64), (A.logistic(2.0), -0.3, 0.2, 64),
    (A.tanh(1.5), 0.4, 0.05, 64), (A.cubic(), 0.3, 0.5, 64), (A.linear(-0.7), 1.2, 0.3, 64),
    (A.custom(softsign), 1.0, 0.01, 64), (A.custom(softsign), -2.0, 0.04, 64),
    (A.custom(algebraic), 0.0, 0.1, 64), (A.custom(algebraic), 0.6, 1e-3, 64)]


@pytest.mark.parametrize("act,mu,var,nodes", GAUSS_CASES, ids=lambda c: getattr(c, "name", str(c)))
def test_gauss_against_adaptive_quadrature(act, mu, var, nodes):
    f = (lambda x: float(act.function(x))) if act.is_custom else (lambda x: float(act(x)))
    kinks = (0.0,) if act.is_custom else ()
    with np.errstate(over="ignore"):
        ef_ref, vf_ref = _quad_moments(f, mu, var, kinks)
    ef, vf = cl.gauss(act, mu, var, nodes=nodes)
    assert abs(ef - ef_ref) <= 1e-11 * max(abs(ef_ref), 1e-3)
    assert abs(vf - vf_ref) <= 1e-9 * vf_ref


def test_gauss_error_falls_with_nodes_for_wide_inputs():
    """σ/d = 1 for α = 4 (d = 1/α): 64 nodes are only ~1e-6 accurate, more nodes fix it."""
    act = A.shifted_sigmoid(4.0)
    ref = _quad_moments(lambda x: float(act(x)), 0.5, 1 / 16)[1]
    err = [abs(cl.gauss(act, 0.5, 1 / 16, nodes=n)[1] - ref) / ref for n in (32, 64, 128, 300)]
    assert err[0] > err[1] > err[2] > err[3] and err[3] < 1e-11 and err[1] < 1e-5


def test_relu_closed_form_against_high_precision_reference():
    """Rectified Gaussian moments vs the textbook formulas at 60 digits (no cancellation
    there), deep into the dead zone where float64 textbook formulas lose digits."""
    mp.mp.dps = 60
    for gain in (1.0, -2.0):
        act = A.relu(gain)
        for mu, var in [(0.3, 0.01), (0.0, 1.0), (-0.29, 0.01), (-0.31, 0.01), (-1.0, 0.01),
                        (-2.0, 0.01), (-3.5, 0.01), (2.0, 0.09), (50.0, 1.0)]:
            if gain < 0:
                mu = -mu
            m, s = mp.mpf(gain) * mp.mpf(mu), abs(gain) * mp.sqrt(mp.mpf(var))
            a = m / s
            e1 = s * mp.npdf(a) + m * mp.ncdf(a)
            e2 = (m * m + s * s) * mp.ncdf(a) + m * s * mp.npdf(a)
            ef, vf = cl.gauss(act, mu, var)
            assert abs(ef - float(e1)) <= 1e-13 * float(e1), (gain, mu, var)
            assert abs(vf - float(e2 - e1 ** 2)) <= 1e-12 * float(e2 - e1 ** 2), (gain, mu, var)
    # and against scipy's adaptive quadrature in the bulk
    ef_ref, vf_ref = _quad_moments(lambda x: max(1.3 * x, 0.0), 0.1, 0.04, kinks=(0.0,))
    ef, vf = cl.gauss(A.relu(1.3), 0.1, 0.04)
    assert abs(ef - ef_ref) <= 1e-12 * ef_ref and abs(vf - vf_ref) <= 1e-11 * vf_ref
    # relu's Taylor closure ignores the kink: it is the first-order one
    np.testing.assert_allclose(cl.taylor(A.relu(1.3), 0.1, 0.04, 9)[1], 1.3 ** 2 * 0.04)


def test_gauss_two_pass_keeps_tiny_variances():
    act = A.shifted_sigmoid(4.0)
    z, w = np.polynomial.hermite_e.hermegauss(64)
    w = w / w.sum()
    for mu in (0.5, 0.3):
        for var in (1e-18, 1e-16, 1e-12):
            _, vf = cl.gauss(act, mu, var)
            _, v1 = cl.first_order(act, mu, var)      # exact to O(var) relative here
            assert abs(vf - v1) <= 1e-6 * v1
            if var <= 1e-18:  # the naive one-pass E f² − (E f)² is useless here: the
                # rounding of (E f)² ≈ 0.04-0.25 (~1e-17) exceeds the variance itself
                F = act(mu + math.sqrt(var) * z)
                assert abs((F * F) @ w - (F @ w) ** 2 - v1) > 0.5 * v1


@pytest.mark.parametrize("closure", ["first-order", "taylor", "gauss"])
def test_zero_variance_gives_f_of_mean_and_no_nan(closure):
    mean = np.array([-2.0, 0.0, 0.5, 1.3])
    acts = BUILTIN + ([A.custom(softsign)] if closure != "taylor" else [])
    with np.errstate(invalid="raise", divide="raise"):
        for act in acts:
            ef, vf = cl.transfer(act, mean, 0.0, closure=closure)
            np.testing.assert_allclose(ef, jets.value(act, mean), rtol=1e-15, err_msg=act.name)
            assert np.all(vf == 0.0), act.name
            s = cl.mean_slope(act, mean, np.array([0.0, 0.0, 0.0, 0.0]))
            np.testing.assert_allclose(s, jets.derivatives(act, mean, 1)[:, 1], rtol=1e-15)


def test_mean_slope_against_stein_quadrature():
    for act, mu, var in [(A.shifted_sigmoid(4.0), 0.4, 0.02), (A.tanh(1.5), 0.3, 0.1),
                         (A.logistic(2.0), -0.5, 0.3), (A.cubic(), 0.3, 0.2),
                         (A.custom(algebraic), 0.2, 0.3), (A.relu(1.5), 0.1, 0.04),
                         (A.relu(-1.5), 0.1, 0.04)]:
        f = (lambda x: float(act.function(x))) if act.is_custom else (lambda x: float(jets.value(act, x)))
        sd = math.sqrt(var)
        pdf = lambda x: math.exp(-0.5 * ((x - mu) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))  # noqa: E731
        ref = sum(integrate.quad(lambda x: f(x) * (x - mu) * pdf(x), a, b, epsabs=0, epsrel=1e-13)[0]
                  for a, b in [(-math.inf, 0.0), (0.0, math.inf)]) / var
        got = cl.mean_slope(act, mu, var)
        assert abs(got - ref) <= 1e-10 * abs(ref), (act, got, ref)
    assert cl.mean_slope(A.linear(0.3), [0.0, 1.0], [0.0, 2.0]).tolist() == [0.3, 0.3]
    mixed = cl.mean_slope(A.tanh(), 0.2, np.array([0.0, 1e-2]))
    assert mixed[0] == jets.derivatives(A.tanh(), 0.2, 1)[1] and np.isfinite(mixed[1])


def test_mean_slope_tends_to_the_derivative_as_variance_vanishes():
    mean = np.linspace(-3.0, 3.0, 61)
    # ReLU at its kink: E f'(X) = p/2 for every var > 0, while f'(0) := 0 (jets convention)
    assert cl.mean_slope(A.relu(0.8), 0.0, 1e-14) == 0.4
    mean = mean[mean != 0.0]
    for act in SMOOTH + [A.cubic(), A.relu(0.8)]:
        s = cl.mean_slope(act, mean, 1e-14)        # E f'(X) = f'(μ) + f^(3)(μ) var/2 + ...
        d = jets.derivatives(act, mean, 3)
        np.testing.assert_allclose(s, d[:, 1], rtol=1e-10, atol=1e-14 * np.abs(d[:, 3]).max(),
                                   err_msg=act.name)


def test_broadcasting_scalars_and_chunking():
    mean = np.linspace(0.0, 1.0, 3)[:, None]
    var = np.array([0.0, 1e-4, 1e-3, 1e-2])
    for closure in cl.CLOSURES:
        ef, vf = cl.transfer("sigmoid", mean, var, closure=closure, order=5, nodes=32)
        assert ef.shape == vf.shape == (3, 4)
    ef, vf = cl.transfer(A.tanh(), 0.1, 1e-3)
    assert np.ndim(ef) == 0 and np.ndim(vf) == 0 and isinstance(float(vf), float)
    # more points than one quadrature block: same as evaluating a few alone
    n = 2 * cl._CHUNK + 7
    mu = np.linspace(-1, 1, n)
    ef, vf = cl.gauss(A.logistic(2.0), mu, 0.01)
    for i in (0, cl._CHUNK - 1, cl._CHUNK, n - 1):
        e1, v1 = cl.gauss(A.logistic(2.0), mu[i], 0.01)
        # equal up to the summation order of the BLAS matrix-vector product
        np.testing.assert_allclose([ef[i], vf[i]], [e1, v1], rtol=1e-14)


def test_transfer_validates_inputs():
    act = A.shifted_sigmoid(2.0)
    with pytest.raises(ValueError, match=r"^unknown closure 'gaus'; did you mean 'gauss'\?$"):
        cl.transfer(act, 0.5, 1e-3, closure="gaus")
    with pytest.raises(ValueError, match=r"^unknown closure 'zzz'; choose one of first-order, taylor, gauss$"):
        cl.transfer(act, 0.5, 1e-3, closure="zzz")
    with pytest.raises(ValueError, match=r"variance must be ≥ 0, got -0\.001"):
        cl.transfer(act, 0.5, [1e-3, -1e-3])
    with pytest.raises(ValueError, match=r"order must be an integer in \[1, 268\] for the taylor closure .*, got 0$"):
        cl.transfer(act, 0.5, 1e-3, closure="taylor", order=0)
    with pytest.raises(ValueError, match=r"nodes must be an integer in \[1, 1000\] for the gauss closure .*, got 0$"):
        cl.transfer(act, 0.5, 1e-3, nodes=0)
    with pytest.raises(ValueError, match=r"^nodes must be an integer ≥ 1, got 0$"):
        cl.transfer(act, 0.5, 1e-3, closure="taylor", nodes=0)  # the gauss bound applies to gauss only
    with pytest.raises(TypeError, match="order must be an integer"):
        cl.transfer(act, 0.5, 1e-3, closure="taylor", order=2.5)
    for fn_ in (lambda a: cl.transfer(a, 0.5, 1e-3, closure="taylor"),
                lambda a: cl.taylor_orders(a, 0.5, 1e-3, 4)):
        with pytest.raises(ValueError, match=r"'softsign' is user-defined.*closure=\"gauss\""):
            fn_(A.custom(softsign))
    # the alias and a user function with the other closures work
    assert cl.transfer(act, 0.5, 1e-3, closure="first_order") == cl.first_order(act, 0.5, 1e-3)
    ef, vf = cl.transfer(softsign, 1.0, 1e-3, closure="first-order")
    # f' by central differences: documented ~1e-10 relative, so ~2e-10 on f'²
    assert ef == 0.5 and abs(vf - 0.25 ** 2 * 1e-3) < 1e-9 * vf
