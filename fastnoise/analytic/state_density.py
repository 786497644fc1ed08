"""State densities p*_n(z) of a trained network's layers (paper Eqs. 15, 29).

The Eq. 14 recursion (:mod:`fastnoise.analytic.eq14`) replaces the averages over
a layer's neurons by integrals over the distribution p*_n of its states x̃,
pooled over all neurons and inputs of that layer (Eq. 15).  This module fits
p*_n to the noiseless states and integrates against it.

State densities p*_n (Methods VII B; :func:`fit_state_density`):

* ``"uniform"``: moment-matched, on mean ± √3·sd (the observed range would
  let a single outlying state set the width);
* ``"normal"``: moment-matched N(mean, sd²) (its maximum-likelihood fit);
* ``"quartic"``: g(z) = exp(c4 z⁴ + c3 z³ + c2 z² + c1 z + c0) of Eq. 29 on the
  observed range of the states, fitted by maximum likelihood.  On a bounded
  support this is a regular exponential family with sufficient statistics
  z, z², z³, z⁴, so the log-likelihood is strictly concave, the MLE exists
  and is unique as soon as the sample has five distinct values, and it is the
  member whose first four moments equal the sample's (equivalently the
  maximum-entropy density with those moments).  It is found by damped Newton
  steps on the log-partition function A(θ) = log ∫ exp(θ·T(s)) ds, computed by
  composite Gauss–Legendre quadrature, in the standardised variable
  s = (z − mean)/sd and the probabilists' Hermite basis T = (He_1..He_4)(s)
  (nearly orthogonal for near-normal states, so the Newton matrix
  Cov(T) is well conditioned); the coefficients c_k in z follow by
  expanding the polynomial.  The paper does not say how it fits g;
  a bounded support is needed because on the whole real line the
  maximum-entropy problem with four moments has no solution for some
  moment values (c4 → 0 with c3 ≠ 0).
* ``"empirical"``: the sample itself (p* a sum of point masses): Eq. 15 with
  the exact pooled state distribution, the limit every fit approximates —
  useful to separate the density-fit error from Eq. 14's own error.

Uniform and normal are members of the Eq. 29 family as well (c3 = c4 = 0),
so all three smooth kinds share one representation and one quadrature.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np
from numpy.polynomial import Polynomial
from numpy.polynomial import hermite_e as _he

from ..network import Network
from ..validation import check_choice

__all__ = ["KINDS", "StateDensity", "fit_state_density", "state_densities"]

#: Valid state-density kinds.
KINDS = ("uniform", "normal", "quartic", "empirical")

_PANEL = 0.5        # panel width of the composite Gauss–Legendre rule, in sd units
_GL_NODES = 20      # Gauss–Legendre nodes per panel
_NORMAL_TAIL = 12.0  # the normal density is integrated over mean ± 12 sd (tail mass 4e−33)
_GL_X, _GL_W = np.polynomial.legendre.leggauss(_GL_NODES)


def _check_kind(kind) -> str:
    return check_choice("kind", kind, KINDS, what="state-density kind")


def _panels(lo: float, hi: float, points=()) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of composite Gauss–Legendre on [lo, hi] (standardised units).

    Panels are at most ``_PANEL`` wide; ``points`` inside (lo, hi) become panel
    edges, so that kinks of the integrand (ReLU at 0) fall between panels.
    """
    n = max(1, int(math.ceil((hi - lo) / _PANEL)))
    edges = np.linspace(lo, hi, n + 1)
    extra = [p for p in points if lo < p < hi]
    if extra:
        edges = np.unique(np.concatenate([edges, extra]))
    a, b = edges[:-1, None], edges[1:, None]
    half = 0.5 * (b - a)
    x = (a + half * (1.0 + _GL_X)).ravel()
    w = (half * _GL_W).ravel()
    return x, w


def _he_basis(s: np.ndarray) -> np.ndarray:
    """(He_1, He_2, He_3, He_4)(s), shape s.shape + (4,)."""
    s2 = s * s
    return np.stack([s, s2 - 1.0, s * (s2 - 3.0), s2 * s2 - 6.0 * s2 + 3.0], axis=-1)


def _logsumexp(a: np.ndarray) -> float:
    m = float(np.max(a))
    return m + math.log(float(np.sum(np.exp(a - m))))


class StateDensity:
    """An approximation p*(z) of the distribution of a layer's states x̃ (Eq. 15).

    Build it with :func:`fit_state_density`.  Smooth kinds are stored as
    p(z) = exp(θ·He(s) − A)/scale with s = (z − loc)/scale on a support
    [lower, upper]: an Eq. 29 density written in the Hermite basis of the
    standardised variable.

    Attributes
    ----------
    kind : str
        ``"uniform"``, ``"normal"``, ``"quartic"`` or ``"empirical"``.
    n_samples : int
        Number of states the fit used.
    loc, scale : float
        Mean and standard deviation (ddof 0) of those states.
    support : tuple of float
        Where p > 0: (lower, upper); (−inf, inf) for ``normal``.  A constant
        sample gives a point mass, support (loc, loc).
    theta : ndarray or None
        (4,) coefficients of He_1..He_4 of the standardised variable.
    log_partition : float or None
        A(θ) of the standardised density.
    """

    def __init__(self, kind: str, samples: np.ndarray, theta=None, log_partition=None,
                 s_range=None, keep_samples: bool = False, point_mass: bool = False):
        self.kind = kind
        z = np.asarray(samples, float).ravel()
        self.n_samples = int(z.size)
        self.loc = float(z[0]) if point_mass and np.all(z == z[0]) else float(z.mean())
        self.scale = 0.0 if point_mass else float(z.std())
        self.theta = None if theta is None else np.asarray(theta, float)
        self.log_partition = None if log_partition is None else float(log_partition)
        self._s_range = s_range              # integration range in standardised units
        self._samples = z.copy() if keep_samples else None
        self._cache: dict = {}
        if self.is_point_mass:
            self.support = (self.loc, self.loc)
        elif kind == "empirical":
            self.support = (float(z.min()), float(z.max()))
        elif kind == "normal":
            self.support = (-math.inf, math.inf)
        else:
            self.support = (self.loc + self.scale * s_range[0], self.loc + self.scale * s_range[1])

    # -- basic properties -------------------------------------------------------------
    @property
    def is_point_mass(self) -> bool:
        """True for a constant sample (all states equal): p* is a Dirac mass at ``loc``."""
        return self.scale == 0.0

    @property
    def coefficients(self) -> np.ndarray | None:
        """(c0, c1, c2, c3, c4) of Eq. 29, p(z) = exp(Σ c_k z^k) on the support.

        Index k is the power of z.  Defined for every smooth kind (uniform:
        c0 = −log(width), normal: c3 = c4 = 0); None for ``empirical`` and a
        point mass.  Far from the origin relative to the width (|loc| ≫
        scale) the c_k in z are large and cancel; :attr:`theta` is the
        well-conditioned form.
        """
        if self.theta is None or self.is_point_mass:
            return None
        a = _he.herme2poly(np.concatenate([[0.0], self.theta]))     # power series in s
        a = np.pad(a, (0, 5 - a.size))
        c = Polynomial(a)(Polynomial([-self.loc / self.scale, 1.0 / self.scale])).coef
        c = np.pad(c, (0, 5 - c.size))
        c[0] -= self.log_partition + math.log(self.scale)
        return c

    def summary(self) -> dict:
        """JSON-able description: kind, n, loc, scale, support, coefficients (c0..c4 or None)."""
        c = self.coefficients
        return {"kind": self.kind, "n_samples": self.n_samples, "loc": self.loc, "scale": self.scale,
                "support": [float(self.support[0]), float(self.support[1])],
                "coefficients": None if c is None else [float(v) for v in c]}

    def __repr__(self) -> str:
        return (f"StateDensity(kind={self.kind!r}, n={self.n_samples}, loc={self.loc:.4g}, "
                f"scale={self.scale:.4g}, support=({self.support[0]:.4g}, {self.support[1]:.4g}))")

    # -- evaluation -------------------------------------------------------------------
    def pdf(self, z) -> np.ndarray:
        """p*(z), zero outside the support."""
        if self.kind == "empirical":
            raise ValueError("an empirical state density is a sum of point masses and has no pdf; "
                             "use kind='quartic', 'normal' or 'uniform' for a density")
        if self.is_point_mass:
            raise ValueError(f"the states are all equal to {self.loc:g}: p* is a point mass, no pdf")
        z = np.asarray(z, float)
        s = (z - self.loc) / self.scale
        inside = (s >= self._s_range[0]) & (s <= self._s_range[1])
        if self.kind == "normal":
            inside = np.ones_like(inside)
        logp = _he_basis(s) @ self.theta - self.log_partition
        with np.errstate(over="ignore", under="ignore"):
            return np.where(inside, np.exp(np.where(inside, logp, -np.inf)), 0.0) / self.scale

    def quadrature(self, points: Sequence[float] = ()) -> tuple[np.ndarray, np.ndarray]:
        """Nodes z_k and weights w_k with Σ w_k g(z_k) ≈ ∫ g(z) p*(z) dz.

        Composite Gauss–Legendre (20 nodes per panel ≤ 0.5 sd) over the
        support (the normal over mean ± 12 sd); ``points`` (in z) are made
        panel edges — pass the kinks of the integrand.  The empirical kind
        returns its samples with weights 1/n.
        """
        if self.kind == "empirical":
            z = self._samples
            return z, np.full(z.size, 1.0 / z.size)
        if self.is_point_mass:
            return np.array([self.loc]), np.array([1.0])
        key = tuple(sorted(float(p) for p in points))
        if key not in self._cache:
            sp = [(p - self.loc) / self.scale for p in key]
            s, w = _panels(self._s_range[0], self._s_range[1], sp)
            logp = _he_basis(s) @ self.theta - self.log_partition
            w = w * np.exp(logp)
            w /= w.sum()        # exact normalisation on the rule (removes quadrature drift)
            self._cache[key] = (self.loc + self.scale * s, w)
        return self._cache[key]

    def expect(self, fn: Callable, points: Sequence[float] = ()) -> float:
        """∫ fn(z) p*(z) dz by quadrature; ``fn`` must accept arrays."""
        z, w = self.quadrature(points)
        return float(np.dot(np.asarray(fn(z), float) * np.ones_like(z), w))

    def moments(self, order: int = 4) -> np.ndarray:
        """Raw moments E z^k, k = 1..order, of p*."""
        z, w = self.quadrature()
        return np.array([np.dot(z ** k, w) for k in range(1, order + 1)])


def fit_state_density(samples, kind: str = "quartic", support=None, tol: float = 1e-12,
                      max_iter: int = 200) -> StateDensity:
    """Fit a state density p*(z) to noiseless states (Methods VII B, Eq. 29).

    Parameters
    ----------
    samples : array_like
        States x̃ of a layer, any shape (pooled).
    kind : {"uniform", "normal", "quartic", "empirical"}
        See the module docstring.
    support : (float, float), optional
        Quartic only: the interval on which g lives (must contain every
        sample).  Default: the observed range [min, max].
    tol : float
        Quartic only: Newton stops when the Hermite moments of the fit match
        the sample's to within ``tol`` relative (standardised units,
        relative to 1 + |sample moment|).
    max_iter : int
        Quartic only: Newton iteration limit.

    Returns
    -------
    StateDensity

    Raises
    ------
    ValueError
        Unknown kind, empty or non-finite samples, a quartic fit to fewer than
        five distinct values (its MLE does not exist).
    """
    kind = _check_kind(kind)
    z = np.asarray(samples, float).ravel()
    if z.size == 0:
        raise ValueError("cannot fit a state density to an empty sample")
    if not np.all(np.isfinite(z)):
        raise ValueError(f"state samples contain {z[~np.isfinite(z)][0]}; all states must be finite")
    m, sd = float(z.mean()), float(z.std())
    if sd == 0.0 or sd <= 1e-14 * abs(m):
        return StateDensity(kind, z, point_mass=True)
    if kind == "empirical":
        return StateDensity(kind, z, keep_samples=True)
    if kind == "normal":
        theta = np.array([0.0, -0.5, 0.0, 0.0])                 # −s²/2 = −He_2/2 − 1/2
        A = 0.5 * math.log(2 * math.pi) + 0.5                   # ∫ exp(−He_2/2) ds = √(2π e)
        return StateDensity(kind, z, theta, A, (-_NORMAL_TAIL, _NORMAL_TAIL))
    if kind == "uniform":
        r = math.sqrt(3.0)
        return StateDensity(kind, z, np.zeros(4), math.log(2 * r), (-r, r))
    # quartic
    if np.unique(z).size < 5:
        raise ValueError(f"a quartic state density needs at least 5 distinct state values, got "
                         f"{np.unique(z).size}; use kind='normal', 'uniform' or 'empirical'")
    s = (z - m) / sd
    if support is None:
        lo, hi = float(s.min()), float(s.max())
    else:
        lo, hi = ((float(support[0]) - m) / sd, (float(support[1]) - m) / sd)
        if not (lo <= s.min() and hi >= s.max()):
            raise ValueError(f"support {tuple(support)} must contain every sample "
                             f"(observed range [{z.min():g}, {z.max():g}])")
    theta, A = _fit_quartic(_he_basis(s).mean(axis=0), lo, hi, tol, max_iter)
    return StateDensity(kind, z, theta, A, (lo, hi))


def _fit_quartic(tbar: np.ndarray, lo: float, hi: float, tol: float, max_iter: int):
    """MLE θ of p(s) ∝ exp(θ·He(s)) on [lo, hi] given the sample means ``tbar`` of He(s).

    Damped Newton on the concave log-likelihood L(θ) = θ·t̄ − A(θ):
    ∇L = t̄ − E_θ He, ∇²L = −Cov_θ He.
    """
    s, w = _panels(lo, hi)
    logw = np.log(w)
    H = _he_basis(s)

    def state(theta):
        a = H @ theta + logw
        A = _logsumexp(a)
        p = np.exp(a - A)
        mean = p @ H
        return A, p, mean

    scale = 1.0 + np.abs(tbar)          # relative tolerance for heavy-tailed samples (large He_4)
    theta = np.array([0.0, -0.5, 0.0, 0.0])
    A, p, mean = state(theta)
    L = theta @ tbar - A
    for _ in range(max_iter):
        grad = tbar - mean
        if np.max(np.abs(grad) / scale) <= tol:
            return theta, A
        d = H - mean
        cov = (d * p[:, None]).T @ d
        try:
            step = np.linalg.solve(cov, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(cov, grad, rcond=None)[0]
        t = 1.0
        slope = grad @ step
        while True:
            new = theta + t * step
            A_new, p_new, mean_new = state(new)
            L_new = new @ tbar - A_new
            if np.isfinite(L_new) and L_new >= L + 1e-4 * t * slope - 1e-15 * abs(L):
                break
            t *= 0.5
            if t < 1e-12:
                if np.max(np.abs(grad) / scale) <= 1e-8:     # at the limit of float precision
                    return theta, A
                raise RuntimeError(
                    f"quartic state-density fit stalled (moment mismatch {np.max(np.abs(grad)):.3g}); "
                    "the sample may be nearly degenerate — use kind='normal' or 'empirical'")
        theta, A, p, mean, L = new, A_new, p_new, mean_new, L_new
    grad = tbar - mean
    if np.max(np.abs(grad) / scale) <= max(tol, 1e-8):
        return theta, A
    raise RuntimeError(f"quartic state-density fit did not converge in {max_iter} Newton steps "
                       f"(moment mismatch {np.max(np.abs(grad)):.3g})")



def state_densities(net: Network, inputs, kind: str = "quartic", states=None) -> list:
    """Fitted state densities p*_n of every layer (Methods VII B).

    Parameters
    ----------
    net : Network
    inputs : array_like, (T, I_1)
    kind : str
        One of :data:`KINDS`, used for layers n ≥ 2 (index ≥ 1).
    states : list of ndarray, optional
        The noiseless x̃ of :func:`fastnoise.forward`, if already computed.

    Returns
    -------
    list of StateDensity
        One per layer, input layer first; index 0 is the empirical
        distribution of the inputs (x̃_1 = u is known exactly, never fitted),
        index n ≥ 1 pools all T × I_n states of that layer.
    """
    kind = _check_kind(kind)
    if states is None:
        from ..simulate import forward
        states, _ = forward(net, inputs)
    return [fit_state_density(states[0], "empirical")] + \
           [fit_state_density(xt, kind) for xt in states[1:]]
