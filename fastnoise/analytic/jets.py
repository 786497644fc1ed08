"""Exact derivatives of activations of any order by Taylor-mode arithmetic.

A *jet* (truncated power series) of order M at a point x0 is the array of
Taylor coefficients ``c[..., k] = g^(k)(x0) / k!``, k = 0..M, of a function g;
the leading axes index many expansion points at once.  Sums, products,
reciprocals, real powers and exponentials of jets follow from the classical
O(M²) recurrences (Knuth, TAOCP vol. 2, 4.7), vectorised here over the
expansion points.  They give the paper's Taylor terms
T_m = f^(m)(μ)/m! (Eq. 24) exactly, to rounding, for every built-in
activation, without finite differences and without forming factorials.

How each built-in is expanded (p is the activation's parameter; every
expansion is done for the unit-parameter function in y = p·x, whose k-th
coefficient is then multiplied by p^k):

* ``linear``, ``cubic``: polynomials, written down directly.
* ``shifted_sigmoid``: with z = p(x − 1/2), f = 1/2 + z / (2√(1+z²)) and
  f' = (1+z²)^(−3/2) / 2; the jet of f' comes from the real-power recurrence
  applied to the quadratic 1 + z², and f is its integral (integrating a jet
  divides by k and is free of the cancellation that differentiating
  z·(1+z²)^(−1/2) would suffer far from the inflection point).
* ``tanh``: u = 1 − tanh(|y|) obeys the Riccati equation u' = −2u + u²,
  whose jet follows from one Cauchy product per order; started from
  u_0 = 2e^(−2|y|)/(1+e^(−2|y|)) it keeps full relative accuracy deep in
  saturation.
* ``logistic``: s(y) = (1 + tanh(y/2)) / 2.
* ``relu``: f = max(p·x, 0), f' = p·[p·x > 0] — at the kink p·x = 0 the
  derivative is taken as 0 — and all higher derivatives are 0 (the Dirac mass
  of f'' at the kink is ignored: a Taylor expansion cannot see it).
* ``leaky_relu``, ``hard_sigmoid``: piecewise linear, like ``relu`` (at a
  kink the branch the kernel takes: x ≤ 0 for leaky_relu, slope 0 at the
  clipping points of hard_sigmoid).
* ``elu``, ``selu``: x > 0 is linear; x ≤ 0 is a·(e^x − 1), whose
  coefficients are a·e^(x0)/k!.
* ``softsign``: x/(1+x) = 1 − 1/(1+x) for x > 0 and −1 + 1/(1−x) for x ≤ 0,
  geometric series in t (f'' jumps at 0: the x ≤ 0 branch is used there).
* ``softplus``: f' is the logistic in β·x, so f is the integral of its jet.
* ``swish``: the jet product (x0 + t)·s(x0 + t) with the logistic jet s.
* ``gelu`` (exact erf form): Φ' = φ = exp(−x²/2)/√(2π) is the exponential
  of a quadratic jet, Φ its integral, and gelu the product (x0 + t)·Φ.

Every built-in therefore supports every order, so every closure (``taylor``
included) and every prediction method accepts every built-in; at kinks the
Taylor closure sees one branch only (use ``gauss``, as for ``relu``).

User-defined activations have no exact derivatives: orders 0..2 are offered
by central differences (documented accuracy ~1e-10 for f', ~1e-7 for f''),
higher orders raise ``ValueError``.

Examples
--------
>>> import fastnoise as fn
>>> from fastnoise.analytic.jets import taylor_coefficients
>>> taylor_coefficients(fn.activations.cubic(), 0.5, 3)   # T_m of Methods VII A
array([ 0.5,  1.5,  0. , -2. ])
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from .. import activations as _acts
from ..kernels import activations as _k
from ..validation import check_int

__all__ = ["derivatives", "taylor_coefficients", "value", "series_add", "series_mul",
           "series_reciprocal", "series_power", "series_exp", "series_sqrt",
           "series_integrate", "series_constant", "series_variable"]


# --------------------------------------------------------------------- jet arithmetic
def _as_jet(a) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    if a.ndim == 0:
        raise ValueError("a jet needs a last axis of Taylor coefficients, got a scalar")
    return a


def series_constant(c, order: int) -> np.ndarray:
    """Jet of the constant ``c`` (array of expansion points allowed)."""
    c = np.asarray(c, dtype=float)
    out = np.zeros(c.shape + (order + 1,))
    out[..., 0] = c
    return out


def series_variable(x0, order: int, step=1.0) -> np.ndarray:
    """Jet of ``t ↦ x0 + step·t`` (the independent variable)."""
    x0, step = np.broadcast_arrays(np.asarray(x0, float), np.asarray(step, float))
    out = np.zeros(x0.shape + (order + 1,))
    out[..., 0] = x0
    if order >= 1:
        out[..., 1] = step
    return out


def series_add(a, b) -> np.ndarray:
    """Sum of two jets (coefficient-wise)."""
    return _as_jet(a) + _as_jet(b)


def series_mul(a, b) -> np.ndarray:
    """Product of two jets: the truncated Cauchy product c_k = Σ_j a_j b_(k−j)."""
    a, b = np.broadcast_arrays(_as_jet(a), _as_jet(b))
    M = a.shape[-1]
    out = np.empty(a.shape)
    for k in range(M):
        out[..., k] = np.einsum("...j,...j->...", a[..., :k + 1], b[..., k::-1])
    return out


def series_reciprocal(a) -> np.ndarray:
    """Jet of 1/a (a_0 ≠ 0): b_k = −(Σ_(j=1..k) a_j b_(k−j)) / a_0."""
    a = _as_jet(a)
    M = a.shape[-1]
    out = np.empty(a.shape)
    inv = 1.0 / a[..., 0]
    out[..., 0] = inv
    for k in range(1, M):
        s = np.einsum("...j,...j->...", a[..., 1:k + 1], out[..., k - 1::-1])
        out[..., k] = -s * inv
    return out


def series_power(a, r: float) -> np.ndarray:
    """Jet of a**r for a real exponent r (a_0 > 0 unless r is an integer).

    Uses k a_0 b_k = Σ_(j=1..k) ((r+1) j − k) a_j b_(k−j), which follows from
    a·b' = r·a'·b.
    """
    a = _as_jet(a)
    M = a.shape[-1]
    out = np.empty(a.shape)
    out[..., 0] = a[..., 0] ** r
    inv = 1.0 / a[..., 0]
    for k in range(1, M):
        j = np.arange(1, k + 1)
        wts = (r + 1.0) * j - k
        s = np.einsum("...j,j,...j->...", a[..., 1:k + 1], wts, out[..., k - 1::-1])
        out[..., k] = s * inv / k
    return out


def series_sqrt(a) -> np.ndarray:
    """Jet of √a (a_0 > 0)."""
    return series_power(a, 0.5)


def series_exp(a) -> np.ndarray:
    """Jet of exp(a): k b_k = Σ_(j=1..k) j a_j b_(k−j)."""
    a = _as_jet(a)
    M = a.shape[-1]
    out = np.empty(a.shape)
    out[..., 0] = np.exp(a[..., 0])
    for k in range(1, M):
        j = np.arange(1, k + 1, dtype=float)
        s = np.einsum("...j,j,...j->...", a[..., 1:k + 1], j, out[..., k - 1::-1])
        out[..., k] = s / k
    return out


def series_integrate(a, c0) -> np.ndarray:
    """Jet of the antiderivative of ``a`` taking the value ``c0`` at t = 0.

    The result has one more coefficient than ``a``.
    """
    a = _as_jet(a)
    out = np.empty(a.shape[:-1] + (a.shape[-1] + 1,))
    out[..., 0] = c0
    out[..., 1:] = a / np.arange(1, a.shape[-1] + 1)
    return out


# --------------------------------------------------------------- activation values
def _check_order(order) -> int:
    return check_int("derivative order", order, 0)


def _sech2(y):
    """sech²(y) without overflow: 4 e^(−2|y|) / (1 + e^(−2|y|))²."""
    e = np.exp(-2.0 * np.abs(y))
    return 4.0 * e / (1.0 + e) ** 2


def _shifted_sigmoid_unit(z):
    """1/2 + z/(2√(1+z²)), accurate in relative terms for z ≪ 0 too."""
    # (sq + z)/(2 sq) with sq = √(1+z²); for z < 0, sq + z = 1/(sq + |z|) (no cancellation)
    z = np.asarray(z, float)
    sq = np.hypot(1.0, z)
    w = sq + np.abs(z)
    r = 0.5 / sq
    return np.where(z >= 0, r * w, r / w)


def value(act, x) -> np.ndarray:
    """f(x) for an activation, evaluated accurately (float array).

    Equal to ``act(x)`` up to rounding; for the shifted sigmoid far below its
    inflection point and for the logistic at large negative ``p·x`` it keeps
    full relative accuracy where the textbook formulas lose it.
    """
    act = _acts.get(act)
    x = np.asarray(x, dtype=float)
    if act.is_custom:
        return np.asarray(act(x), dtype=float)
    p = float(act.param)
    if act.name == "shifted_sigmoid":
        return _shifted_sigmoid_unit(p * (x - 0.5))
    if act.name == "logistic":
        return special.expit(p * x)
    return np.asarray(act(x), dtype=float)


# ------------------------------------------------------------------- unit jets
def _scale_powers(h, order):
    """h^k for k = 0..order along a new last axis (0^0 = 1)."""
    h = np.asarray(h, float)
    return np.power(h[..., None], np.arange(order + 1))


def _tanh_unit(y0, order):
    """Jet (step 1) of tanh at y0.

    With a = |y0| and u = 1 − tanh, u' = −(1 − tanh²) = −2u + u², so
    (k+1) u_(k+1) = −2 u_k + Σ_j u_j u_(k−j), started from
    u_0 = 2e^(−2a)/(1 + e^(−2a)) (no cancellation in saturation, where the
    alternative sech² = cosh^(−2) power recurrence loses up to 8 digits at
    order 30).  Negative points use tanh(−y) = −tanh(y).
    """
    y0 = np.asarray(y0, float)
    a = np.abs(y0)
    e = np.exp(-2.0 * a)
    u = np.zeros(y0.shape + (order + 1,))
    u[..., 0] = 2.0 * e / (1.0 + e)
    for k in range(order):
        conv = np.einsum("...j,...j->...", u[..., :k + 1], u[..., k::-1])
        u[..., k + 1] = (conv - 2.0 * u[..., k]) / (k + 1)
    out = 0.0 - u                      # (0.0 − u: no −0.0 for vanishing terms)
    out[..., 0] = np.tanh(a)
    sign = np.where(np.arange(order + 1) % 2 == 0, -1.0, 1.0)       # −(−1)^k
    return np.where((y0 < 0)[..., None], out * sign, out)


def _shifted_sigmoid_unit_jet(z0, order):
    """Jet (step 1) of g(z) = 1/2 + z/(2√(1+z²)) at z0."""
    z0 = np.asarray(z0, float)
    out = np.zeros(z0.shape + (order + 1,))
    out[..., 0] = _shifted_sigmoid_unit(z0)
    if order == 0:
        return out
    sq = np.hypot(1.0, z0)
    u = 1.0 / sq
    # (1 + (z0+t)²) / (1 + z0²) = 1 + 2 z0 u² t + u² t²
    q = np.zeros(z0.shape + (order,))
    q[..., 0] = 1.0
    if order >= 2:
        q[..., 1] = 2.0 * (z0 * u) * u
    if order >= 3:
        q[..., 2] = u * u
    d = series_power(q, -1.5) * (0.5 * u ** 3)[..., None]   # jet of g' = (1+z²)^(-3/2)/2
    out[..., 1:] = d / np.arange(1, order + 1)
    return out


def shifted_coefficients(act, x, order, step=1.0):
    """Taylor coefficients of t ↦ f(x + step·t), shape x.shape + (order+1,)."""
    x, step = np.broadcast_arrays(np.asarray(x, float), np.asarray(step, float))
    if act.is_custom:
        if order > 2:
            raise ValueError(
                f"activation {act.name!r} is user-defined: exact derivatives of order {order} are "
                "unavailable (only orders ≤ 2, by central differences); use closure=\"gauss\"")
        return _custom_coefficients(act, x, order) * _scale_powers(step, order)
    p = float(act.param)
    name = act.name
    out = np.zeros(x.shape + (order + 1,))
    if name == "linear":
        out[..., 0] = p * x
        if order >= 1:
            out[..., 1] = p * step
        return out
    if name == "cubic":
        poly = [x * x * (3.0 - 2.0 * x), 6.0 * x * (1.0 - x), 3.0 - 6.0 * x, np.full(x.shape, -2.0)]
        for k in range(min(order, 3) + 1):
            out[..., k] = poly[k] * step ** k
        return out
    if name == "relu":
        out[..., 0] = np.maximum(p * x, 0.0)
        if order >= 1:
            out[..., 1] = np.where(p * x > 0.0, p, 0.0) * step
        return out
    if name == "shifted_sigmoid":
        return _shifted_sigmoid_unit_jet(p * (x - 0.5), order) * _scale_powers(p * step, order)
    if name == "tanh":
        return _tanh_unit(p * x, order) * _scale_powers(p * step, order)
    if name == "logistic":
        # s(y) = 1/2 + tanh(y/2)/2
        jet = 0.5 * _tanh_unit(0.5 * p * x, order) * _scale_powers(0.5 * p * step, order)
        jet[..., 0] = special.expit(p * x)
        return jet
    if name in _MORE:
        return _MORE[name](x, p, order) * _scale_powers(step, order)
    raise ValueError(f"no derivatives for activation {name!r}")


# unit-step jets (coefficients of t ↦ f(x + t)) of the activations added after cubic
def _exp_branch(x, a, order):
    """Jet of a·(e^(x+t) − 1): a·expm1(x), then a·e^x/k!."""
    out = np.zeros(x.shape + (order + 1,))
    out[..., 0] = a * np.expm1(x)
    c = a * np.exp(x)
    for k in range(1, order + 1):
        c = c / k
        out[..., k] = c
    return out


def _piecewise(x, right, left, order, at):
    """Jet of ``right`` where x > at, else of ``left`` (each a function of (x, order))."""
    pos = x > at
    xr = np.where(pos, x, at + 1.0)                    # keep each branch in its own domain
    xl = np.where(pos, at, x)
    return np.where(pos[..., None], right(xr, order), left(xl, order))


def _line(x, slope, order, intercept=0.0):
    out = np.zeros(x.shape + (order + 1,))
    out[..., 0] = intercept + slope * x
    if order >= 1:
        out[..., 1] = slope
    return out


def _elu_jet(x, p, order, scale=1.0):
    return _piecewise(x, lambda z, m: _line(z, scale, m),
                      lambda z, m: _exp_branch(z, scale * p, m), order, 0.0)


def _leaky_relu_jet(x, p, order):
    return _piecewise(x, lambda z, m: _line(z, 1.0, m), lambda z, m: _line(z, p, m), order, 0.0)


def _hard_sigmoid_jet(x, p, order):
    z = p * x + 0.5
    out = np.zeros(x.shape + (order + 1,))
    out[..., 0] = np.clip(z, 0.0, 1.0)
    if order >= 1:
        out[..., 1] = np.where((z > 0.0) & (z < 1.0), p, 0.0)
    return out


def _softsign_jet(x, p, order):
    def right(z, m):          # 1 − 1/(1+z+t): c_k = (−1)^(k+1)/(1+z)^(k+1)
        out = np.zeros(z.shape + (m + 1,))
        out[..., 0] = z / (1.0 + z)
        r = 1.0 / (1.0 + z)
        c = -r                                         # the t⁰ coefficient of −1/(1+z+t)
        for k in range(1, m + 1):
            c = -c * r
            out[..., k] = c
        return out

    def left(z, m):           # −1 + 1/(1−z−t): c_k = 1/(1−z)^(k+1)
        out = np.zeros(z.shape + (m + 1,))
        out[..., 0] = z / (1.0 - z)
        r = 1.0 / (1.0 - z)
        c = r
        for k in range(1, m + 1):
            c = c * r
            out[..., k] = c
        return out

    return _piecewise(x, right, left, order, 0.0)


def _logistic_unit(y0, order, step=1.0):
    """Jet of t ↦ s(y0 + step·t), s the logistic function."""
    jet = 0.5 * _tanh_unit(0.5 * y0, order) * _scale_powers(0.5 * step, order)
    jet[..., 0] = special.expit(y0)
    return jet


def _softplus_jet(x, p, order):
    f0 = (np.log1p(np.exp(-np.abs(p * x))) + np.maximum(p * x, 0.0)) / p
    if order == 0:
        return f0[..., None]
    return series_integrate(_logistic_unit(p * x, order - 1, p), f0)


def _swish_jet(x, p, order):
    return series_mul(series_variable(x, order), _logistic_unit(x, order))


def _gelu_jet(x, p, order):
    phi0 = np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
    if order == 0:
        return (x * special.ndtr(x))[..., None]
    # φ(x+t) = φ(x)·exp(−x t − t²/2), Φ its integral from Φ(x), gelu = (x + t)·Φ
    q = np.zeros(x.shape + (order,))
    if order >= 2:
        q[..., 1] = -x
    if order >= 3:
        q[..., 2] = -0.5
    phi = series_exp(q) * phi0[..., None]
    Phi = series_integrate(phi, special.ndtr(x))
    out = series_mul(series_variable(x, order), Phi)
    out[..., 0] = x * special.ndtr(x)
    return out


def _selu_jet(x, p, order):
    return _elu_jet(x, _k.SELU_ALPHA, order, scale=_k.SELU_SCALE)


_MORE = {"elu": _elu_jet, "leaky_relu": _leaky_relu_jet, "hard_sigmoid": _hard_sigmoid_jet,
         "softsign": _softsign_jet, "softplus": _softplus_jet, "swish": _swish_jet,
         "gelu": _gelu_jet, "selu": _selu_jet}


def first_derivative(act, x):
    """f'(x) of a built-in activation from closed forms (fast path, same values
    as ``derivatives(act, x, 1)[..., 1]`` to rounding)."""
    x = np.asarray(x, float)
    p = float(act.param)
    name = act.name
    if name == "shifted_sigmoid":
        z = p * (x - 0.5)
        u = 1.0 / np.hypot(1.0, z)
        return (0.5 * p) * u * u * u
    if name == "tanh":
        return p * _sech2(p * x)
    if name == "logistic":
        return (0.25 * p) * _sech2(0.5 * p * x)
    if name == "cubic":
        return 6.0 * x * (1.0 - x)
    return shifted_coefficients(act, x, 1)[..., 1]


def _custom_coefficients(act, x, order):
    """f, f', f''/2 of a user function by central differences (orders ≤ 2)."""
    f = lambda z: np.asarray(act(z), dtype=float)  # noqa: E731
    out = np.zeros(x.shape + (order + 1,))
    f0 = f(x)
    out[..., 0] = f0
    scale = np.maximum(1.0, np.abs(x))
    eps = np.finfo(float).eps
    if order >= 1:
        h = eps ** (1 / 3) * scale
        xp, xm = x + h, x - h
        out[..., 1] = (f(xp) - f(xm)) / (xp - xm)
    if order >= 2:
        h = eps ** (1 / 4) * scale
        xp, xm = x + h, x - h
        out[..., 2] = 0.5 * (f(xp) - 2.0 * f0 + f(xm)) / (0.5 * (xp - xm)) ** 2
    return out


# -------------------------------------------------------------------------- public
def taylor_coefficients(act, x, order: int) -> np.ndarray:
    """Taylor coefficients T_m = f^(m)(x)/m!, m = 0..order (paper Eq. 24).

    Computed directly as jet coefficients, so no factorial is formed and
    high orders stay accurate.

    Parameters
    ----------
    act : Activation, name or njit function
        A built-in activation (any order) or a user one (order ≤ 2, central
        differences).
    x : array_like
        Expansion points μ.
    order : int
        Highest order M ≥ 0.

    Returns
    -------
    ndarray
        Shape ``np.shape(x) + (order+1,)``; ``[..., m]`` is T_m.

    Raises
    ------
    ValueError
        For a user-defined activation and ``order > 2``.
    """
    order = _check_order(order)
    return shifted_coefficients(_acts.get(act), x, order)


def derivatives(act, x, order: int) -> np.ndarray:
    """Derivatives f^(m)(x), m = 0..order, exact to rounding for built-ins.

    Parameters
    ----------
    act : Activation, name or njit function
        A built-in activation, or a user one for ``order ≤ 2`` (then f' and
        f'' are central differences, accurate to about 1e-10 and 1e-7
        relative for smooth functions of order-one curvature).
    x : array_like
        Points at which to differentiate.
    order : int
        Highest derivative order (≥ 0).  Orders up to a few hundred work;
        m! overflows float64 beyond 170, so use :func:`taylor_coefficients`
        for very high orders.

    Returns
    -------
    ndarray
        Shape ``np.shape(x) + (order+1,)``; ``[..., m]`` is f^(m)(x).

    Notes
    -----
    ReLU: f'(x) = p·[p·x > 0] (0 at the kink) and f^(m) = 0 for m ≥ 2.

    Examples
    --------
    >>> import fastnoise as fn
    >>> derivatives(fn.activations.tanh(), 0.0, 3)
    array([ 0.,  1.,  0., -2.])
    """
    order = _check_order(order)
    coef = shifted_coefficients(_acts.get(act), x, order)
    fact = np.array([float(math.factorial(k)) for k in range(order + 1)])
    return coef * fact
