"""Noise in trained networks: Eq. 14 with the Eq. 15 integrals over p*_n(z).

The paper (Sec. IV, Methods VII B) treats a trained network through layer
statistics only.  For every layer n ≥ 2 one scalar S_n ≈ Var(x̃_n) is carried
(Eq. 14, written here with the previous layer's noise, the noise on y_{n−1}
that drives x̃_n; 0-based layer index below, input layer 0):

    S_n = I²μ²(W^n)·[2D_A^C + 2D_M^C μ²(E y_{n−1})]                      (N_n^C)
        + I η(W^n)·[2D_A^U + 2D_M^U(1 + 2D_M^C) η(E y_{n−1})]           (N_n^U)
        + I η(W^n)(1 + σ_×²)·η(f'_{n−1}(f⁻¹_{n−1}(E y_{n−1})))·S_{n−1}   (N_n^prev)

with I = I_{n−1}, the D's and σ_×² those of the noise on y_{n−1} (Eq. 3), and
the neuron averages replaced by integrals over the state density p*_{n−1}(z)
of x̃_{n−1}, pooled over all neurons and inputs of that layer (Eq. 15):

    μ(E y) = ∫ f(z) p*(z) dz,  η(E y) = ∫ f(z)² p*(z) dz,  η(f'(f⁻¹(E y))) = ∫ f'(z)² p*(z) dz.

The recursion starts from S_0 = Var(x̃_1) = 0 (the input layer's state is the
input itself), so the first step gives S_1 = N^C + N^U over the input layer's
noise.  For one input neuron with unit weight this is the paper's
S_2 = σ_+² + σ_×²·u², averaged over inputs (the paper writes μ²(u); the
uncorrelated multiplicative part averages u², i.e. η(u), which is what Eq. 8
averaged over inputs gives); ``initial="paper"`` uses the paper's
σ_+² + σ_×² μ²(u) literally.  The input layer's p* is the empirical
distribution of the inputs (known exactly, never fitted).

The output variance of a neuron of layer n whose noiseless output is E follows
from Eq. 5 with the first-order F̂ of Eq. 9:

    Var(y) = σ_+² + σ_×² E² + (1 + σ_×²)·f'_n(f⁻¹_n(E))²·S_n,

with layer n's own noise; this is the analytic SNR-vs-mean curve of
Figs. 5 and 6 (:func:`snr_curve`, :func:`curve_variance`).  :func:`trained` evaluates it at every
neuron's noiseless output, taking f'(x̃) at the noiseless state x̃ (the same
as f'(f⁻¹(x)) for invertible f, and defined for ReLU at x̃ ≤ 0, where it is 0).

Assumptions of Eq. 14 (where it can fail): the fluctuations that different
neurons of layer n−1 inherit are uncorrelated (no I²μ²(W)·μ(F̂) term as in
Eq. 6 — right for zero-mean weights and uncorrelated noise, wrong when
correlated noise D^C is propagated through weights with μ(W) ≠ 0); the weights
are independent of the states, so Σ_j W_ij² f'(x̃_j)² ≈ I η(W) η(f'); one S_n
serves every neuron and input; F̂ is first order (Eq. 9).  For the paper's
symmetric networks (μ(W) = 1/I) the dropped term dominates: use the Eq. 6
recursion there (``fn.predict(..., method="first-order")``).

Accuracy.  Eq. 14 describes a layer, not a neuron: neuron i really inherits
Σ_j W_ij² Var(y_{n−1,j}), which for random weights deviates from
I η(W) × (pooled mean) by a relative sd of about √((3(1 + CV²) − 1)/I_{n−1})
(CV: spread of Var(y_{n−1}) over neurons) — about 10 % per neuron for
I_{n−1} = 200 — times the inherited fraction of Var(y).  Layer-level
statistics (the median over neurons and inputs of predicted/simulated
variance) average this out; ``tests/test_analytic_trained.py`` derives the
tolerance and measures 1–3 % on random trained-like networks.

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

import difflib
import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
from numpy.polynomial import Polynomial
from numpy.polynomial import hermite_e as _he

from .. import activations as _acts
from ..kernels import activations as _kacts
from ..network import Network
from ..noise import per_layer
from ..result import snr as moment_snr
from .prediction import Prediction
from .terms import n_correlated, n_uncorrelated, output_variance, prev_factor_uncorrelated, weight_stats

__all__ = ["KINDS", "StateDensity", "Eq14", "fit_state_density", "state_densities",
           "layer_integrals", "eq14", "snr_curve", "curve_variance", "trained", "fprime", "inverse"]

#: Valid state-density kinds.
KINDS = ("uniform", "normal", "quartic", "empirical")
#: Initial values of the recursion: general Eq. 14 step from S = 0, or the paper's S_2.
INITIAL = ("eq14", "paper")

_PANEL = 0.5        # panel width of the composite Gauss–Legendre rule, in sd units
_GL_NODES = 20      # Gauss–Legendre nodes per panel
_NORMAL_TAIL = 12.0  # the normal density is integrated over mean ± 12 sd (tail mass 4e−33)
_GL_X, _GL_W = np.polynomial.legendre.leggauss(_GL_NODES)


def _check_kind(kind) -> str:
    if not isinstance(kind, str) or kind not in KINDS:
        hit = difflib.get_close_matches(str(kind), KINDS, n=1)
        hint = f"; did you mean {hit[0]!r}?" if hit else ""
        raise ValueError(f"unknown state-density kind {kind!r}{hint}; valid kinds: {', '.join(KINDS)}")
    return kind


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


# -- activations: f', f⁻¹, kinks ---------------------------------------------------------

def _fprime_closed(act, x: np.ndarray) -> np.ndarray:
    """Closed-form f' of the built-ins; central difference for user functions."""
    p = act.param
    if act.is_custom:
        h = 1e-5 * np.maximum(1.0, np.abs(x))
        return (act(x + h) - act(x - h)) / (2 * h)
    if act.name == "linear":
        return np.full_like(x, p)
    if act.name == "shifted_sigmoid":
        d = p * (x - 0.5)
        return 0.5 * p / (1.0 + d * d) ** 1.5
    if act.name == "logistic":
        e = np.exp(-np.abs(p * x))
        return p * e / (1.0 + e) ** 2
    if act.name == "tanh":
        return p / np.cosh(p * x) ** 2
    if act.name == "relu":
        return np.where(p * x > 0, p, 0.0)
    if act.name == "cubic":
        return 6.0 * x * (1.0 - x)
    from .jets import shifted_coefficients              # the activations added after cubic

    return shifted_coefficients(act, x, 1)[..., 1]


def fprime(act, x) -> np.ndarray:
    """f'(x) of an activation.

    Uses the exact derivatives of :func:`fastnoise.analytic.jets.derivatives`
    when that module is available (central differences for user functions),
    else closed forms.  ReLU: f'(x) = p·[p·x > 0], 0 at the kink.
    """
    x = np.asarray(x, float)
    try:
        from .jets import derivatives
    except ImportError:          # pragma: no cover - jets is part of the package
        return _fprime_closed(act, x)
    return np.asarray(derivatives(act, x, 1), float)[..., 1]


def _kinks(act) -> tuple[float, ...]:
    """Points where f' (or, for softsign and elu, a higher derivative) jumps."""
    if act.is_custom:
        return ()
    if act.name in ("relu", "leaky_relu", "elu", "selu", "softsign"):
        return (0.0,)
    if act.name == "hard_sigmoid" and act.param != 0:
        return tuple(sorted((-0.5 / act.param, 0.5 / act.param)))
    return ()


#: (x_min, f(x_min)): the minimum of the non-monotonic gelu and swish, whose increasing
#: branch x ≥ x_min is the one inverted
_BRANCH = {"gelu": (-0.75179152469356446, -0.16997120747990366),
           "swish": (-1.2784645427610738, -0.27846454276107380)}
_SELU_LOW = -_kacts.SELU_SCALE * _kacts.SELU_ALPHA


def inverse_domain(act) -> tuple[float, float, bool]:
    """(lo, hi, open) range of values on which f⁻¹ is defined."""
    p = act.param
    if act.is_custom or act.name in ("linear", "cubic"):
        return -math.inf, math.inf, True
    if act.name in ("shifted_sigmoid", "logistic"):
        return 0.0, 1.0, True
    if act.name == "tanh":
        return (-1.0, 1.0, True) if p != 0 else (0.0, 0.0, True)
    if act.name == "relu":
        return 0.0, math.inf, True
    if act.name == "elu":
        return (-p, math.inf, True) if p > 0 else (-math.inf, math.inf, False)
    if act.name == "leaky_relu":
        return (-math.inf, math.inf, True) if p > 0 else (0.0, math.inf, True)
    if act.name == "softplus":
        return 0.0, math.inf, True
    if act.name in ("hard_sigmoid", "softsign"):
        return (0.0, 1.0, True) if act.name == "hard_sigmoid" else (-1.0, 1.0, True)
    if act.name == "selu":
        return _SELU_LOW, math.inf, True
    if act.name in _BRANCH:
        return _BRANCH[act.name][1], math.inf, True
    raise AssertionError(act.name)


def inverse(act, y, bracket=None) -> np.ndarray:
    """f⁻¹(y) of an activation (the substitution E(x̃) = f⁻¹(E y) of Eq. 9).

    Closed forms for the built-ins; ``cubic`` takes the increasing branch
    x ∈ [0, 1] for y ∈ [0, 1] (the unique real root elsewhere), ``gelu``
    and ``swish`` (not monotonic) their increasing branch x ≥ x_min
    (−0.7518 and −1.2785), inverted numerically.  A user function is
    inverted numerically inside ``bracket`` = (lo, hi).

    Raises
    ------
    ValueError
        y outside the open range of f (e.g. logistic at y ≥ 1), ReLU at
        y ≤ 0 (every x̃ ≤ 0 gives 0, so f⁻¹ does not exist), a parameter
        that makes f constant.
    """
    y = np.asarray(y, float)
    p = act.param
    name = act.name
    if not act.is_custom and _acts.param_name(name) in ("gain", "alpha", "slope") and p == 0 \
            and name != "elu":
        raise ValueError(f"{name} activation with parameter 0 is constant; f⁻¹ (Eq. 9) does not exist")
    lo, hi, _ = inverse_domain(act)
    if name in ("elu", "leaky_relu") and not act.is_custom and p <= 0:
        raise ValueError(f"{name} with parameter {p:g} ≤ 0 is not increasing (not invertible); f⁻¹ "
                         "(Eq. 9) does not exist — use fn.predict(..., method=\"trained\"), which needs no f⁻¹")
    if name == "relu" and not act.is_custom:
        bad = y[y <= 0]
        if bad.size:
            raise ValueError(f"relu is not invertible at E(y) = {bad.flat[0]:g} ≤ 0 (every x̃ ≤ 0 gives 0); "
                             "f'(f⁻¹(E)) of Eq. 9 needs E > 0")
    else:
        bad = y[(y <= lo) | (y >= hi)]
        if bad.size:
            raise ValueError(f"E(y) = {bad.flat[0]:g} is outside the open range ({lo:g}, {hi:g}) of the "
                             f"{name} activation; f⁻¹ (Eq. 9) is undefined there")
    if act.is_custom:
        if bracket is None:
            raise ValueError(f"inverting the user activation {name!r} needs bracket=(lo, hi) of states")
        from scipy.optimize import brentq
        a, b = float(bracket[0]), float(bracket[1])
        fa, fb = float(act(a)), float(act(b))
        out = np.empty_like(y)
        for i, v in np.ndenumerate(y):
            if not min(fa, fb) <= v <= max(fa, fb):
                raise ValueError(f"E(y) = {v:g} is outside f([{a:g}, {b:g}]) = [{min(fa, fb):g}, "
                                 f"{max(fa, fb):g}] of the user activation {name!r}; cannot invert it")
            out[i] = a if v == fa else b if v == fb else brentq(lambda t: float(act(t)) - v, a, b, xtol=1e-14)
        return out
    if name == "linear":
        return y / p
    if name == "relu":
        return y / p
    if name == "logistic":
        return (np.log(y) - np.log1p(-y)) / p
    if name == "tanh":
        return np.arctanh(y) / p
    if name == "shifted_sigmoid":
        s = 2.0 * y - 1.0
        return 0.5 + s / np.sqrt((1.0 - s) * (1.0 + s)) / p
    if name == "cubic":
        # y = 1/2 + (3/2)t − 2t³ with t = x − 1/2, i.e. 4t³ − 3t = −v, v = 2y − 1
        v = 2.0 * y - 1.0
        inner = np.abs(v) <= 1
        t = np.where(inner, np.sin(np.arcsin(np.clip(v, -1, 1)) / 3.0),
                     -np.sign(v) * np.cosh(np.arccosh(np.maximum(np.abs(v), 1.0)) / 3.0))
        return 0.5 + t
    if name == "elu":
        return np.where(y > 0, y, np.log1p(np.minimum(y, 0.0) / p))
    if name == "selu":
        lam, a = _kacts.SELU_SCALE, _kacts.SELU_ALPHA
        return np.where(y > 0, y / lam, np.log1p(np.minimum(y, 0.0) / (lam * a)))
    if name == "leaky_relu":
        return np.where(y > 0, y, y / p)
    if name == "softplus":
        v = p * y                                # log(e^v − 1) = v + log(1 − e^−v)
        return (v + np.log(-np.expm1(-v))) / p
    if name == "hard_sigmoid":
        return (y - 0.5) / p
    if name == "softsign":
        return y / (1.0 - np.abs(y))
    if name in _BRANCH:
        from scipy.optimize import brentq
        x0 = _BRANCH[name][0]
        out = np.empty_like(y)
        for i, v in np.ndenumerate(y):
            hi = max(1.0, 2.0 * v)
            out[i] = brentq(lambda t: float(act(t)) - v, x0, hi, xtol=1e-15)
        return out
    raise AssertionError(name)


# -- Eq. 15 and Eq. 14 -------------------------------------------------------------------

def layer_integrals(act, density: StateDensity) -> tuple[float, float, float]:
    """The three integrals of Eq. 15 for one layer.

    Returns
    -------
    (μ(E y), η(E y), η(f'(f⁻¹(E y))))
        ∫ f p*, ∫ f² p*, ∫ f'² p*.
    """
    kinks = _kinks(act)
    z, w = density.quadrature(kinks)
    f = np.asarray(act(z), float)
    fp = fprime(act, z)
    return float(f @ w), float((f * f) @ w), float((fp * fp) @ w)


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


@dataclass
class Eq14:
    """The terms of the Eq. 14 recursion, one entry per layer (input layer first).

    Attributes
    ----------
    S : list of float
        S_n ≈ Var(x̃_n); S[0] = 0 (the input layer's state is the input).
    n_c, n_u, n_prev : list of float
        The three terms of S_n (0 for the input layer).
    mu_ey, eta_ey, eta_fprime : list of float
        The Eq. 15 integrals of each layer's own density and activation.
    densities : list of StateDensity
    initial : str
    """

    S: list
    n_c: list
    n_u: list
    n_prev: list
    mu_ey: list
    eta_ey: list
    eta_fprime: list
    densities: list
    initial: str = "eq14"
    states: list | None = field(default=None, repr=False)
    outputs: list | None = field(default=None, repr=False)


def eq14(net: Network, inputs, noise, density="quartic", initial: str = "eq14") -> Eq14:
    """Run the Eq. 14 recursion of S_n with the Eq. 15 integrals.

    Parameters
    ----------
    net : Network
    inputs : array_like, (T, I_1)
    noise : Noise or list of Noise
        Eq. 3 intensities, global or one per layer (input layer first).  The
        noise of layer n−1 (on y_{n−1}) enters S_n.
    density : str or list of StateDensity
        A kind from :data:`KINDS`, or one density per layer (index 0 the
        inputs) to use as given.
    initial : {"eq14", "paper"}
        ``"eq14"``: S_2 from Eq. 14 with S_1 = 0, N^C + N^U of the input
        layer's noise and weight statistics; ``"paper"``:
        S_2 = σ_+² + σ_×² μ²(u) as printed (right for one input neuron
        with unit weight and μ² read as η).

    Returns
    -------
    Eq14
    """
    from ..simulate import forward, validate_inputs

    if initial not in INITIAL:
        raise ValueError(f"initial must be one of {', '.join(INITIAL)}, got {initial!r}")
    if net.n_layers < 2:
        raise ValueError("method 'trained' fits the state densities of the layers after the input "
                         "layer, and this network has only the input layer; use method=\"moments\"")
    u = validate_inputs(net, inputs)
    noises = per_layer(noise, net.n_layers)
    xt, x = forward(net, u)
    if isinstance(density, str):
        dens = state_densities(net, u, density, states=xt)
    else:
        dens = list(density)
        if len(dens) != net.n_layers or not all(isinstance(d, StateDensity) for d in dens):
            raise ValueError(f"density must be a kind ({', '.join(KINDS)}) or a list of "
                             f"{net.n_layers} StateDensity objects, input layer first")
    acts = net.activations
    ints = [layer_integrals(acts[n], dens[n]) for n in range(net.n_layers)]
    S, nc, nu, npv = [0.0], [0.0], [0.0], [0.0]
    for n in range(1, net.n_layers):
        nz = noises[n - 1]
        fan_in, mu_w, eta_w = weight_stats(net.weights[n])
        mu_ey, eta_ey, eta_fp = ints[n - 1]
        if n == 1 and initial == "paper":
            c, un, pv = nz.sigma_add2 + nz.sigma_mul2 * mu_ey ** 2, 0.0, 0.0
        else:
            c = float(n_correlated(fan_in, mu_w, nz, mu_ey))
            un = float(n_uncorrelated(fan_in, eta_w, nz, eta_ey))
            pv = prev_factor_uncorrelated(fan_in, eta_w, nz) * eta_fp * S[-1]
        nc.append(c)
        nu.append(un)
        npv.append(pv)
        S.append(c + un + pv)
    return Eq14(S=S, n_c=nc, n_u=nu, n_prev=npv, mu_ey=[i[0] for i in ints],
                eta_ey=[i[1] for i in ints], eta_fprime=[i[2] for i in ints], densities=dens,
                initial=initial, states=xt, outputs=x)


def _check_layer(net: Network, layer) -> int:
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)):
        raise TypeError(f"layer must be an integer, got {layer!r}")
    n = int(layer)
    if n < 0:
        n += net.n_layers
    if not 0 <= n < net.n_layers:
        raise ValueError(f"layer {layer} is out of range for a network of {net.n_layers} layers "
                         f"(0 = input layer .. {net.n_layers - 1} = output layer)")
    return n


def snr_curve(net: Network, inputs, noise, layer: int, density="quartic", means=None,
              points: int = 200, initial: str = "eq14"):
    """Predicted SNR as a function of a neuron's mean output (Figs. 5, 6).

    Var(y) = σ_+² + σ_×² E² + (1 + σ_×²) f'(f⁻¹(E))² S_n (Eqs. 5, 9, 14),
    SNR = E/√Var(y) (Eq. 4), with layer n's own noise.  For the input layer
    S = 0, so Var(y) = σ_+² + σ_×² E².

    Parameters
    ----------
    net, inputs, noise
        As for :func:`eq14`.
    layer : int
        Layer index, input layer 0 (negative counts from the output).
    density : str or list of StateDensity
        State-density kind (:data:`KINDS`) or densities.
    means : array_like, optional
        Mean outputs E at which to evaluate the curve.  Default: ``points``
        values evenly spread over the observed range of the layer's noiseless
        outputs, kept inside the open range where f⁻¹ exists (ReLU: E > 0).
    points : int
        Grid size of the default ``means``.
    initial : str
        See :func:`eq14`.

    Returns
    -------
    means, snr : ndarray
        Same shape.  Also :func:`curve_variance` for Var(y) itself.
    """
    means, var = curve_variance(net, inputs, noise, layer, density, means, points, initial)
    return means, moment_snr(means, var)


def curve_variance(net: Network, inputs, noise, layer: int, density="quartic", means=None,
                   points: int = 200, initial: str = "eq14"):
    """(means, Var(y)) of the SNR curve of :func:`snr_curve`."""
    n = _check_layer(net, layer)
    terms = eq14(net, inputs, noise, density, initial)
    act = net.activations[n]
    nz = per_layer(noise, net.n_layers)[n]
    xt, x = terms.states[n], terms.outputs[n]
    if means is None:
        lo, hi = float(x.min()), float(x.max())
        ilo, ihi, _ = inverse_domain(act)
        if n > 0:
            # keep the grid strictly inside the image of f (f⁻¹ exists there)
            eps = 1e-9 * max(1.0, abs(lo), abs(hi))
            if lo <= ilo:
                lo = float(x[x > ilo].min()) if np.any(x > ilo) else ilo + eps
            if hi >= ihi:
                hi = float(x[x < ihi].max()) if np.any(x < ihi) else ihi - eps
        means = np.linspace(lo, hi, int(points))
    else:
        means = np.asarray(means, float)
    if n == 0:
        fhat = np.zeros_like(means)
    else:
        bracket = (float(xt.min()), float(xt.max())) if act.is_custom else None
        z = inverse(act, means, bracket=bracket)
        fp = fprime(act, z)
        fhat = fp * fp * terms.S[n]
    return means, output_variance(nz, means, fhat)


def trained(net: Network, inputs, noise, density="quartic", initial: str = "eq14") -> Prediction:
    """Per-neuron, per-input prediction from Eq. 14 (``fn.predict(..., method="trained")``).

    mean = the noiseless output x_{n,i}^t (Eq. 16 with E x ≈ f(E x̃));
    var = σ_+² + σ_×² x² + (1 + σ_×²) f'(x̃)² S_n with x̃ the noiseless state
    (Eqs. 5, 9, 14); the input layer gets σ_+² + σ_×² u² (exact).

    Parameters
    ----------
    net, inputs, noise, density, initial
        As for :func:`eq14`.

    Returns
    -------
    Prediction
        ``method="trained"``; ``xt_mean`` the noiseless states, ``xt_var``
        S_n repeated over neurons and inputs; ``info`` holds the density kind,
        S_n, the three terms and the Eq. 15 integrals per layer, and a
        summary (:meth:`StateDensity.summary`) of each fitted density; the
        density objects themselves come from :func:`eq14` or
        :func:`state_densities`.
    """
    terms = eq14(net, inputs, noise, density, initial)
    noises = per_layer(noise, net.n_layers)
    means, variances, xt_var = [], [], []
    for n in range(net.n_layers):
        xt, x = terms.states[n], terms.outputs[n]
        if n == 0:
            fhat = np.zeros_like(x)
        else:
            fp = fprime(net.activations[n], xt)
            fhat = fp * fp * terms.S[n]
        means.append(x)
        variances.append(np.asarray(output_variance(noises[n], x, fhat), float))
        xt_var.append(np.full_like(x, terms.S[n]))
    kind = density if isinstance(density, str) else "given"
    return Prediction(mean=means, var=variances, method="trained", xt_mean=terms.states,
                      xt_var=xt_var,
                      info={"density": kind, "initial": initial, "S": terms.S, "n_c": terms.n_c,
                            "n_u": terms.n_u, "n_prev": terms.n_prev, "mu_ey": terms.mu_ey,
                            "eta_ey": terms.eta_ey, "eta_fprime": terms.eta_fprime,
                            "densities": [d.summary() for d in terms.densities]})
