"""Mean and variance of f(X) for Gaussian X: the paper's operator F̂.

For an activation f and X ~ Normal(μ, v) every function here returns
``(E f(X), Var f(X))``; Var f(X) is the operator F̂ of Sec. III (Eqs. 9, 12,
13) and Methods VII A (Eqs. 24–28).  Three closures:

``first-order``
    Eq. (9): E f = f(μ), F̂ = f'(μ)² v.
``taylor``
    Eqs. (24)–(27) with the Gaussian central moments V_m: the exact mean and
    variance of the order-M Taylor polynomial of f at μ.
``gauss``
    Gauss–Hermite quadrature of the true E f(X) and Var f(X) (closed forms
    for ``linear``, ``relu`` and ``leaky_relu``; at the kinks of ``elu``,
    ``selu``, ``softsign`` and ``hard_sigmoid`` quadrature converges
    slowly: about 1e-3 relative with 200 nodes).

:func:`transfer` validates its inputs and dispatches by name.

Notes
-----
For Gaussian X the Taylor closure is an *asymptotic* series: with a radius of
convergence R of f at μ (set by the nearest complex singularity, e.g.
√(1+α²(μ−1/2)²)/α for the shifted sigmoid), the m-th term behaves like
(σ/R)^m √((2m−1)!!), so it decreases until M ≈ R²/(2v) and then grows
without bound.  Order 15 is before that
turning point only if v ≲ R²/30: for α = 4 at the inflection point
(R = 1/4) that is v ≲ 2e-3, and at v = 1e-2 the order-15 variance is off by
orders of magnitude.  ``gauss`` has no such limit and is the default.

Eq. (28) of the paper carries a sign typo (−2T_M Σ ...); the recurrent form
used by :func:`taylor_orders` is Eq. (13) with +2T_M Σ_i T_i (V_(M+i) − V_M V_i).
"""

from __future__ import annotations

from functools import lru_cache
import math

import numpy as np
from scipy import special

from .. import activations as _acts
from ..validation import check_int, choice_hint
from .jets import shifted_coefficients, first_derivative, value

__all__ = ["CLOSURES", "transfer", "first_order", "taylor", "taylor_orders", "gauss",
           "mean_slope", "gaussian_central_moments", "relu_moments"]

#: Valid closure names for :func:`transfer`.
CLOSURES = ("first-order", "taylor", "gauss")
_ALIASES = {"first_order": "first-order", "firstorder": "first-order", "first": "first-order",
            "gauss-hermite": "gauss", "gauss_hermite": "gauss"}
_CHUNK = 1 << 14          # expansion points per quadrature block (× nodes values)


# ----------------------------------------------------------------------- helpers
def _activation(act):
    return _acts.get(act)


def _prep(mean, var):
    """Broadcast (mean, var) to float arrays; var must be ≥ 0 (NaN passes)."""
    mean, var = np.broadcast_arrays(np.asarray(mean, dtype=float), np.asarray(var, dtype=float))
    if np.any(var < 0):
        raise ValueError(f"variance must be ≥ 0, got {float(np.min(var))!r}")
    return mean, var


def _out(a):
    """0-d arrays become NumPy scalars, other arrays pass through."""
    a = np.asarray(a, dtype=float)
    return a[()] if a.ndim == 0 else a


def _max_taylor_order() -> int:
    """Highest M whose scale √μ_(2M) = √((2M−1)!!) is finite in float64."""
    def log_mu(k):
        h = k // 2
        return math.lgamma(k + 1) - h * math.log(2.0) - math.lgamma(h + 1)

    limit = math.log(np.finfo(np.float64).max)
    m = 1
    while 0.5 * log_mu(2 * (m + 1)) < limit:
        m += 1
    return m


#: Highest Taylor order the closure can compute: above it the scale √μ_(2M) of the
#: order-M term overflows float64, so every term with a variance > 0 is infinite (268).
MAX_TAYLOR_ORDER = _max_taylor_order()
_WHY_ORDER = (f"for the taylor closure (above {MAX_TAYLOR_ORDER} the Gaussian moment scale "
              "√μ_2M of the order-M term overflows float64, so every term is infinite; the paper "
              "uses 15)")
#: Most Gauss–Hermite nodes of the gauss closure: 1000 nodes integrate polynomials of
#: degree < 2000 exactly; more cost time and memory (_CHUNK × nodes values per block)
#: without gaining accuracy in float64.
MAX_NODES = 1000
_WHY_NODES = (f"for the gauss closure ({MAX_NODES} Gauss–Hermite nodes integrate polynomials of "
              "degree < 2000 exactly; more cost time and memory without gaining accuracy — for "
              "very wide inputs use method 'density')")


def _no_custom(act, closure):
    if act.is_custom:
        raise ValueError(
            f"activation {act.name!r} is user-defined and has no exact derivatives for the "
            f"{closure} closure; use closure=\"gauss\"")


@lru_cache(maxsize=16)
def _hermite(nodes: int):
    """Probabilists' Gauss–Hermite nodes and weights normalised to sum 1.

    NumPy's ``hermegauss`` up to 150 nodes (beyond, its weights overflow),
    SciPy's asymptotic ``roots_hermitenorm`` above.
    """
    if nodes <= 150:
        z, w = np.polynomial.hermite_e.hermegauss(nodes)
    else:
        z, w = special.roots_hermitenorm(nodes)
    return z, w / w.sum()


@lru_cache(maxsize=4)
def _laguerre(alpha: int, n: int = 64):
    v, w = special.roots_genlaguerre(n, alpha)
    return v, w


@lru_cache(maxsize=8)
def _normalised_moments(order: int):
    """Scaled Gaussian moment tables for the Taylor closure.

    With μ_k = E Z^k ((k−1)!! for even k, 0 for odd k), returns
    ``root[m] = √μ_(2m)``, ``mean_w[m] = μ_m / √μ_(2m)`` and
    ``rho[m, i] = (μ_(m+i) − μ_m μ_i) / √(μ_(2m) μ_(2i))`` for m, i = 1..order,
    all built from logarithms so that no factorial overflows.
    """
    def log_mu(k):  # log μ_k for even k ≥ 0
        h = k // 2
        return math.lgamma(k + 1) - h * math.log(2.0) - math.lgamma(h + 1)

    m = np.arange(1, order + 1)
    log_root = np.array([0.5 * log_mu(2 * k) for k in m])
    root = np.exp(log_root)
    mean_w = np.array([math.exp(log_mu(k) - lr) if k % 2 == 0 else 0.0
                       for k, lr in zip(m, log_root)])
    rho = np.zeros((order, order))
    for a, k in enumerate(m):
        for b, i in enumerate(m):
            if (k + i) % 2:
                continue
            r = math.exp(log_mu(k + i) - log_root[a] - log_root[b])
            if k % 2 == 0:
                r -= math.exp(log_mu(k) + log_mu(i) - log_root[a] - log_root[b])
            rho[a, b] = r
    return root, mean_w, rho


def _scaled_terms(act, mean, var, order):
    """b_m = T_m σ^m √μ_(2m) (m = 1..order) and f(μ)."""
    sd = np.sqrt(var)
    a = shifted_coefficients(act, mean, order, sd)            # T_m σ^m
    root, mean_w, rho = _normalised_moments(order)
    with np.errstate(invalid="ignore", over="ignore"):
        b = a[..., 1:] * root
    return a[..., 0], b, mean_w, rho


# ----------------------------------------------------------------------- closures
def gaussian_central_moments(var, order: int) -> np.ndarray:
    """Central moments V_m = E (X − μ)^m of a Gaussian, m = 0..order.

    V_0 = 1, V_odd = 0 and V_2k = (2k − 1)!! var^k (paper, Methods VII A).

    Parameters
    ----------
    var : array_like
        Variance(s), ≥ 0.
    order : int
        Highest moment order (≥ 0).

    Returns
    -------
    ndarray
        Shape ``np.shape(var) + (order+1,)``.
    """
    order = check_int("order", order, 0)
    var = np.asarray(var, dtype=float)
    if np.any(var < 0):
        raise ValueError(f"variance must be ≥ 0, got {float(np.min(var))!r}")
    out = np.zeros(var.shape + (order + 1,))
    out[..., 0] = 1.0
    for k in range(2, order + 1, 2):
        out[..., k] = out[..., k - 2] * (k - 1) * var
    return out


def first_order(act, mean, var):
    """First-order closure, paper Eq. (9): E f = f(μ), F̂ = f'(μ)² v.

    Parameters
    ----------
    act : Activation or name
        Built-in or user activation (a user one's f' is a central
        difference, see :func:`fastnoise.analytic.jets.derivatives`).
    mean, var : array_like
        Mean μ and variance v ≥ 0 of the Gaussian input (broadcast).

    Returns
    -------
    (ndarray, ndarray)
        E f(X) and Var f(X).  ReLU at its kink has f' = 0.
    """
    act = _activation(act)
    mean, var = _prep(mean, var)
    c = shifted_coefficients(act, mean, 1)
    return _out(c[..., 0]), _out(c[..., 1] ** 2 * var)


def taylor(act, mean, var, order: int = 15):
    """Order-M Taylor closure, paper Eqs. (24)–(27) (equivalently Eq. 12).

    E f = f(μ) + Σ_(m=1..M) T_m V_m and
    F̂|_M = Σ_(m,i=1..M) T_m T_i (V_(m+i) − V_m V_i), with T_m = f^(m)(μ)/m!
    from exact Taylor-mode derivatives and the Gaussian V_m.  This is the
    exact mean and variance of the M-th Taylor polynomial of f at μ, so it is
    never negative.  It is evaluated in the scaled form
    b_m = T_m σ^m √μ_(2m), F̂ = bᵀ ρ b with ρ_(mi) = (μ_(m+i) − μ_m μ_i)/
    √(μ_(2m) μ_(2i)) (μ_k the standard normal moments), which never forms a
    factorial or a large power.

    Parameters
    ----------
    act : Activation or name
        A built-in activation (user ones raise ``ValueError``).  For ``relu``
        the expansion ignores the kink (equal to first order); use ``gauss``.
    mean, var : array_like
        Mean μ and variance v ≥ 0 of the Gaussian input (broadcast).
    order : int
        Taylor order M ≥ 1 (the paper uses 15).  See the module notes on the
        asymptotic nature of the series.

    Returns
    -------
    (ndarray, ndarray)
        E f(X) and F̂|_M.
    """
    act = _activation(act)
    order = check_int("order", order, 1, MAX_TAYLOR_ORDER, _WHY_ORDER)
    _no_custom(act, "taylor")
    mean, var = _prep(mean, var)
    with np.errstate(over="ignore", invalid="ignore"):
        f0, b, mean_w, rho = _scaled_terms(act, mean, var, order)
        ef = f0 + b @ mean_w
        vf = np.einsum("...m,mi,...i->...", b, rho, b)
    bad = ~np.isfinite(vf)
    if np.any(bad):  # the asymptotic series has blown past float range: say so, never NaN
        import warnings

        warnings.warn(f"Taylor closure of order {order} diverges for {int(np.sum(bad))} of "
                      f"{np.size(vf)} (mean, var) pairs (var up to {float(np.nanmax(var)):.3g}); "
                      "their variance is set to inf — use closure 'gauss' or method 'density'",
                      RuntimeWarning, stacklevel=2)
        vf = np.where(bad, np.inf, vf)
        ef = np.where(np.isfinite(ef), ef, np.nan)
    return _out(ef), _out(np.maximum(vf, 0.0))


def taylor_orders(act, mean, var, max_order: int, return_mean: bool = False):
    """Taylor closure of every order M = 1..max_order, by recurrent Eq. (13).

    F̂|_M = F̂|_(M−1) + T_M² (V_(2M) − V_M²) + 2 T_M Σ_(i<M) T_i (V_(M+i) − V_M V_i),
    so a convergence study (paper Fig. 4d) costs no more than the highest
    order.

    Parameters
    ----------
    act : Activation or name
        A built-in activation.
    mean, var : array_like
        Mean and variance ≥ 0 of the Gaussian input (broadcast).
    max_order : int
        Highest order (≥ 1).
    return_mean : bool
        Also return E f(X)|_M of every order.

    Returns
    -------
    ndarray or (ndarray, ndarray)
        Shape ``broadcast(mean, var).shape + (max_order,)``; ``[..., M−1]`` is
        F̂|_M (and, first, E f|_M when ``return_mean``).
    """
    act = _activation(act)
    max_order = check_int("max_order", max_order, 1, MAX_TAYLOR_ORDER, _WHY_ORDER)
    _no_custom(act, "taylor")
    mean, var = _prep(mean, var)
    f0, b, mean_w, rho = _scaled_terms(act, mean, var, max_order)
    tri = 2.0 * np.tril(rho, -1) + np.diag(np.diag(rho))
    inc = b * np.einsum("mi,...i->...m", tri, b)      # b_M (ρ_MM b_M + 2 Σ_(i<M) ρ_Mi b_i)
    vf = np.maximum(np.cumsum(inc, axis=-1), 0.0)
    if return_mean:
        ef = f0[..., None] + np.cumsum(b * mean_w, axis=-1)
        return ef, vf
    return vf


def relu_moments(gain, mean, var):
    """Mean and variance of max(pX, 0), X ~ N(μ, v), to full relative accuracy.

    With Y = pX ~ N(m, s²), a = m/s: for a ≥ −3 the textbook rectified-Gaussian
    formulas (Φ, φ) are used; below, E Y⁺ = s φ(a) J1 and Var = s² φ(a)
    (J2 − φ(a) J1²) with J_k = ∫_0^∞ u^k e^(−|a|u − u²/2) du from generalised
    Gauss–Laguerre quadrature, which avoids the cancellation of the textbook
    form deep in the dead zone.
    """
    m = np.asarray(gain * mean, dtype=float)
    s = np.asarray(abs(gain) * np.sqrt(var), dtype=float)
    shape = m.shape
    m, s = m.reshape(-1), s.reshape(-1)
    ef = np.maximum(m, 0.0)
    vf = np.zeros(m.shape)
    pos = s > 0
    if np.any(pos):
        mm, ss = m[pos], s[pos]
        a = mm / ss
        e1 = np.empty(a.shape)
        v1 = np.empty(a.shape)
        hi = a >= -3.0
        ah = a[hi]
        Phi, Q, phi = special.ndtr(ah), special.ndtr(-ah), np.exp(-0.5 * ah * ah) / math.sqrt(2 * math.pi)
        e1[hi] = phi + ah * Phi
        v1[hi] = ah * ah * Phi * Q + Phi + ah * phi * (Q - Phi) - phi * phi
        lo = ~hi
        if np.any(lo):
            x = -a[lo]
            phi = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
            g = lambda alpha: (lambda v, w: np.exp(-0.5 * (v[None, :] / x[:, None]) ** 2) @ w)(  # noqa: E731
                *_laguerre(alpha))
            j1 = g(1) / x ** 2
            j2 = g(2) / x ** 3
            e1[lo] = phi * j1
            v1[lo] = phi * (j2 - phi * j1 * j1)
        ef[pos] = ss * e1
        vf[pos] = ss * ss * np.maximum(v1, 0.0)
    nan = np.isnan(m) | np.isnan(s)
    if np.any(nan):
        ef[nan] = np.nan
        vf[nan] = np.nan
    return ef.reshape(shape), vf.reshape(shape)


def gauss(act, mean, var, nodes: int = 64):
    """Gaussian closure: E f(X) and Var f(X) by Gauss–Hermite quadrature.

    With probabilists' nodes z_j and normalised weights w_j,
    E f = Σ_j w_j f(μ + σ z_j) and Var f = Σ_j w_j (f(μ + σ z_j) − E f)²
    (two passes on the increments f(μ + σ z_j) − f(μ), so a tiny variance
    is not lost to cancellation as in E f² − (E f)², and v = 0 gives
    exactly (f(μ), 0)).  ``linear`` (gain² v) and ``relu`` (rectified Gaussian)
    use closed forms; quadrature converges slowly at a kink.

    Parameters
    ----------
    act : Activation, name or njit function
        Any activation, user-defined ones included.
    mean, var : array_like
        Mean μ and variance v ≥ 0 of the Gaussian input (broadcast).
    nodes : int
        Number of quadrature nodes (exact for polynomials f of degree
        < nodes, and for f² of degree < 2·nodes).  Smooth sigmoids converge
        geometrically as long as σ is small against the distance d of f's
        complex singularities from the real axis (d = 1/α at the shifted
        sigmoid, at any μ).  Relative error of Var f for the shifted sigmoid
        with 64 nodes: ~1e-14 for σ/d ≤ 0.4, ~1e-11 at 0.57, ~4e-9 at 0.7,
        ~1e-6 at 1.0, ~2e-5 at 1.3; with 128 nodes ~1e-9 at 1.0; with 300
        nodes ~1e-11 at 1.3.  Raise ``nodes`` for wide inputs (above 150
        nodes SciPy's ``roots_hermitenorm`` supplies them).

    Returns
    -------
    (ndarray, ndarray)
        E f(X) and Var f(X) (paper's F̂ without any expansion).
    """
    act = _activation(act)
    nodes = check_int("nodes", nodes, 1, MAX_NODES, _WHY_NODES)
    mean, var = _prep(mean, var)
    p = float(act.param)
    if not act.is_custom and act.name == "linear":
        return _out(p * mean), _out(p * p * var)
    if not act.is_custom and act.name == "relu":
        ef, vf = relu_moments(p, mean, var)
        return _out(ef), _out(vf)
    if not act.is_custom and act.name == "leaky_relu":
        # f = (1 − p)·X⁺ + p·X with Cov(X⁺, X) = v·Φ(μ/σ) (Stein's identity)
        e1, v1 = relu_moments(1.0, mean, var)
        with np.errstate(divide="ignore", invalid="ignore"):
            phi = np.where(var > 0, special.ndtr(mean / np.sqrt(var)), (mean > 0).astype(float))
        q = 1.0 - p
        ef = q * e1 + p * mean
        vf = q * q * v1 + p * p * var + 2.0 * p * q * var * phi
        return _out(ef), _out(np.maximum(vf, 0.0))
    z, w = _hermite(nodes)
    shape = mean.shape
    mu, sd = mean.ravel(), np.sqrt(var).ravel()
    ef = np.empty(mu.shape)
    vf = np.empty(mu.shape)
    for lo in range(0, mu.size, _CHUNK):
        sl = slice(lo, lo + _CHUNK)
        f0 = value(act, mu[sl])
        D = value(act, mu[sl, None] + sd[sl, None] * z) - f0[:, None]   # f(μ+σz) − f(μ)
        d = D @ w
        ef[sl] = f0 + d
        vf[sl] = ((D - d[:, None]) ** 2) @ w
    return _out(ef.reshape(shape)), _out(vf.reshape(shape))


def mean_slope(act, mean, var, nodes: int = 64):
    """E f'(X) for X ~ N(μ, v): the statistical-linearisation gain.

    By Stein's identity E f'(X) = E[f(X)(X − μ)] / v = Cov(f(X), X) / Var X.
    User activations use exactly that, with the Gauss–Hermite nodes of
    :func:`gauss` (and the mean subtracted first); built-in ones integrate
    their exact derivative f' over the same nodes (the same quantity for
    smooth f, without dividing by σ); ``linear`` and ``relu`` are closed
    forms (p and p·Φ(pμ/(|p|σ))).  Where v = 0 the result is f'(μ) (ReLU:
    0 at its kink).

    Parameters
    ----------
    act : Activation, name or njit function
    mean, var : array_like
        Mean and variance ≥ 0 of the Gaussian input (broadcast).
    nodes : int
        Gauss–Hermite nodes.

    Returns
    -------
    ndarray
        E f'(X), shape ``broadcast(mean, var).shape``.

    Notes
    -----
    For user activations at tiny σ, Stein's quotient carries a rounding error
    of about 1e-16·|f|/σ.
    """
    act = _activation(act)
    nodes = check_int("nodes", nodes, 1, MAX_NODES, _WHY_NODES)
    mean, var = _prep(mean, var)
    p = float(act.param)
    if not act.is_custom and act.name == "linear":
        return _out(np.full(mean.shape, p))
    slope0 = shifted_coefficients(act, mean, 1)[..., 1]          # f'(μ), used where v = 0
    if not act.is_custom and act.name == "relu":
        with np.errstate(divide="ignore", invalid="ignore"):
            a = p * mean / (abs(p) * np.sqrt(var))
        return _out(np.where(var > 0, p * special.ndtr(a), slope0))
    z, w = _hermite(nodes)
    shape = mean.shape
    mu, sd = mean.ravel(), np.sqrt(var).ravel()
    out = np.empty(mu.shape)
    for lo in range(0, mu.size, _CHUNK):
        sl = slice(lo, lo + _CHUNK)
        X = mu[sl, None] + sd[sl, None] * z
        if act.is_custom:
            F = value(act, X)
            cov = (F - (F @ w)[:, None]) @ (w * z)          # E[(f − E f) Z]
            with np.errstate(divide="ignore", invalid="ignore"):
                out[sl] = cov / sd[sl]
        else:
            out[sl] = first_derivative(act, X) @ w
    out = out.reshape(shape)
    return _out(np.where(var > 0, out, slope0))


def transfer(act, mean, var, closure: str = "gauss", order: int = 15, nodes: int = 64):
    """E f(X) and F̂ = Var f(X) for X ~ N(mean, var) with the chosen closure.

    Parameters
    ----------
    act : Activation, name or njit function
        The activation f.
    mean, var : array_like
        Mean and variance of the Gaussian input x̃ (broadcast); var ≥ 0.
    closure : {"first-order", "taylor", "gauss"}
        ``"first-order"``: Eq. (9); ``"taylor"``: Eqs. (24)–(27) of order
        ``order`` (built-in activations only); ``"gauss"``: Gauss–Hermite
        quadrature with ``nodes`` nodes (closed forms for linear and relu).
    order : int
        Taylor order M ≥ 1 (only used by ``"taylor"``).
    nodes : int
        Quadrature nodes ≥ 1 (only used by ``"gauss"``).

    Returns
    -------
    (ndarray, ndarray)
        E f(X) and Var f(X), of the broadcast shape (NumPy scalars for
        scalar input).  var = 0 gives (f(mean), 0).

    Raises
    ------
    ValueError
        For an unknown closure, a negative variance, order < 1, nodes < 1, or
        a user-defined activation with ``closure="taylor"``.

    Examples
    --------
    >>> import fastnoise as fn
    >>> [float(v) for v in transfer(fn.activations.linear(2.0), 0.3, 1e-3)]
    [0.6, 0.004]
    """
    if not isinstance(closure, str):
        raise TypeError(f"closure must be a string, one of {', '.join(map(repr, CLOSURES))}; "
                        f"got {closure!r}")
    name = _ALIASES.get(closure.lower(), closure.lower())
    if name not in CLOSURES:
        raise ValueError(f"unknown closure {closure!r}{choice_hint(name, CLOSURES)}")
    if name == "taylor":
        order = check_int("order", order, 1, MAX_TAYLOR_ORDER, _WHY_ORDER)
    else:
        order = check_int("order", order, 1)
    if name == "gauss":
        nodes = check_int("nodes", nodes, 1, MAX_NODES, _WHY_NODES)
    else:
        nodes = check_int("nodes", nodes, 1)
    act = _activation(act)
    mean, var = _prep(mean, var)
    if name == "first-order":
        return first_order(act, mean, var)
    if name == "taylor":
        return taylor(act, mean, var, order)
    return gauss(act, mean, var, nodes)
