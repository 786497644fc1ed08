"""Moments of networks with convolution and pooling layers (``moments`` for CNNs).

The full covariance of a feature map is out of reach (a 26×26×16 map has
10,816 neurons: an 0.9 GB matrix per input), and the diagonal + low-rank form
of :mod:`.moments` drops exactly what matters in a CNN: neighbouring neurons
read overlapping windows, so they share most of their inherited noise, and a
pooling window or the next convolution adds them up.  This module keeps the
covariance *in factored form*:

    Cov(s_n) = Σ_k J_k J_kᵀ,

one factor J_k per noise source k, with one column per independent normal of
that source: the uncorrelated noise of a layer m (I_m columns, diag √e_m), its
two correlated normals (one column each, √(2D_M^C) E x_m and √(2D_A^C) 1),
and the residual variance a nonlinearity adds beyond its linearisation (one
column per neuron).  Factors are carried forward exactly by every linear map
(a convolution or mean pooling as a sparse matrix, a dense layer, flatten) and
by the effective gains of the nonlinearities; their supports stay local (a
receptive field), so the factors of a map are sparse.  Per layer:

* **linear step** (Eq. 1, exact): E s = M E y + b, J_k ← M J_k;
* **Eq. 3 noise** (exact): with m = E x and C = Cov x, Cov y = (1 + σ_c²) C +
  diag(e) + σ_c² m mᵀ + a_c² 11ᵀ, e = (1 + σ_c²) σ_u² (C_ii + m_i²) + a_u²
  (σ² = 2D_M, a² = 2D_A; :mod:`.moments`, step 2): every J_k is scaled by
  √(1 + σ_c²) and three sources are added.  With correlated noise per channel
  (``Conv2D(correlated="channel")``) the correlated terms are one column per
  channel, and (1 + σ_c²) C is kept on the diagonal only (second order off it);
* **activation** (Gaussian closure, as :mod:`.moments`): E f and Var f by
  Gauss–Hermite quadrature per neuron, J_k ← diag(g) J_k with the effective
  gain g = E f'(s̃), and the residual Var f − g² Var s̃ as a new independent
  source (so each neuron's variance is the quadrature one);
* **max pooling** of an activated layer (the usual CNN): the window's values are
  y_j = f(s̃_j)(1 + ξ_j)(1 + ξ_c) + ζ_j + ζ_c with s̃ jointly normal (the closure,
  its window covariance from the factors), so E max and E max² are taken by
  cubature over s̃, the uncorrelated noise and ξ_c (1024 scrambled Sobol points
  in 2k + 1 dimensions, 16 point sets; :mod:`fastnoise.kernels.window_max`), ζ_c
  exactly (it shifts the maximum).  The factor rows are Stein's lemma's:
  Cov(max, Z) = Σ_j E[∂max/∂s̃_j] Cov(s̃_j, Z) + E[∂max/∂ξ_c] Cov(ξ_c, Z), so
  the rectification (a ReLU value can only win when its state is above
  threshold) is kept in the covariances the next layer sums; each input
  neuron's own sources enter with P(value j is the maximum), and the rest of
  the variance is a new source.  A Gaussian maximum of the rectified values
  (Clark's moment matching, C. E. Clark, Operations Research 9, 145 (1961))
  under-predicts the output variance of the Fashion-MNIST CNN by up to 18 %
  (docs/cnn.md); it serves only a max pooling of a max pooling (:func:`clark_max`);
* a ``softmax`` readout uses the cubature of :mod:`.softmax` on the full
  covariance of its (few) logits, Σ J_k J_kᵀ.

Within this scheme nothing is dropped: neighbouring and channel
cross-covariances, correlated noise and the noise inherited from every earlier
layer all stay.  The approximations are the closures' (Gaussian states, first
order in the cross-covariances through a nonlinearity and a maximum, the
cubature's error: a relative s.d. of about 1 % per window's variance, which
averages out over the windows).  The cost per input is that of multiplying the sparse factors by
each layer's matrix: a few tens of millions of multiply-adds for an MNIST CNN
(dense layers after the maps take the factors from sparse to dense).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import sparse
from scipy.special import ndtr

from ..noise import Noise
from .softmax import softmax_moments

__all__ = ["map_moments", "linear_operator", "clark_max"]

_SQRT_2PI = math.sqrt(2.0 * math.pi)


def linear_operator(op):
    """The layer's linear map as a sparse (I_out, I_in) matrix and its bias, or None
    for a max pooling layer.  Dense weights stay a dense array."""
    kind = op.kind
    if kind == "dense":
        return np.asarray(op.weights), np.asarray(op.bias)
    if kind == "flatten":
        return sparse.identity(op.out_size, format="csr"), np.zeros(op.out_size)
    if kind == "conv2d":
        (h, w, c), (ho, wo, co) = op.in_shape, op.out_shape
        kh, kw = op.kernel.shape[:2]
        i, j, di, dj = np.meshgrid(np.arange(ho), np.arange(wo), np.arange(kh), np.arange(kw),
                                   indexing="ij")
        ii = i * op.strides[0] - op.padding[0] + di
        jj = j * op.strides[1] - op.padding[2] + dj
        ok = (ii >= 0) & (ii < h) & (jj >= 0) & (jj < w)
        i, j, di, dj, ii, jj = (a[ok] for a in (i, j, di, dj, ii, jj))
        ci, oc = np.meshgrid(np.arange(c), np.arange(co), indexing="ij")
        rows = ((i * wo + j)[:, None, None] * co + oc[None])                     # (P, c, co)
        cols = ((ii * w + jj)[:, None, None] * c + ci[None])
        vals = op.kernel[di, dj]                                                  # (P, c, co)
        m = sparse.csr_matrix((vals.ravel(), (rows.ravel(), cols.ravel())),
                              shape=(ho * wo * co, h * w * c))
        return m, np.tile(op.bias, ho * wo)
    if kind == "avgpool2d":
        windows = op.windows()
        full = op.pool_size[0] * op.pool_size[1]
        rows = np.repeat(np.arange(len(windows)), [len(x) for x in windows])
        cols = np.concatenate([np.asarray(x, np.int64) for x in windows])
        vals = np.concatenate([np.full(len(x), 1.0 / (full if op.count_pad else len(x))) for x in windows])
        m = sparse.csr_matrix((vals, (rows, cols)), shape=(op.out_size, int(np.prod(op.in_shape))))
        return m, np.zeros(op.out_size)
    if kind == "maxpool2d":
        return None
    raise ValueError(f"moments has no rule for {kind} layers")


def _windows_array(op) -> np.ndarray:
    """(I_out, k) flat input indices of every max-pooling window, −1 past its end."""
    windows = op.windows()
    k = max(len(x) for x in windows)
    out = np.full((len(windows), k), -1, np.int64)
    for r, x in enumerate(windows):
        out[r, : len(x)] = x
    return out


# -- the factors ----------------------------------------------------------------
class _Factors:
    """Cov = Σ_k J_k J_kᵀ over sparse (CSR) and dense factors of one input's layer."""

    def __init__(self, width: int):
        self.width = width
        self.parts: list = []

    def copy(self) -> "_Factors":
        """An independent copy (``rows_scaled`` changes sparse factors in place)."""
        out = _Factors(self.width)
        out.parts = [p.copy() for p in self.parts]
        return out

    def add(self, j) -> None:
        if j.shape[1] == 0:
            return
        self.parts.append(j)

    def add_diagonal(self, scale: np.ndarray) -> None:
        """An independent source per neuron with standard deviation ``scale``."""
        nz = scale > 0
        if np.any(nz):
            idx = np.flatnonzero(nz)
            self.add(sparse.csr_matrix((scale[idx], (idx, np.arange(idx.size))),
                                       shape=(self.width, idx.size)))

    def add_column(self, col: np.ndarray) -> None:
        if np.any(col):
            self.add(np.asarray(col, np.float64).reshape(-1, 1))

    def scale(self, factor: float) -> None:
        if factor != 1.0:
            self.parts = [p * factor for p in self.parts]

    def left(self, m, width: int) -> "_Factors":
        """M J_k for every factor (M sparse or dense, (width, self.width))."""
        out = _Factors(width)
        dense_m = isinstance(m, np.ndarray)
        for p in self.parts:
            if dense_m:
                out.parts.append(np.asarray((p.T @ m.T).T) if sparse.issparse(p) else m @ p)
            else:
                out.parts.append((m @ p).tocsr() if sparse.issparse(p) else np.asarray(m @ p))
        out._merge()
        return out

    def rows_scaled(self, g: np.ndarray) -> None:
        """diag(g) J_k (a sparse factor's stored values scaled in place)."""
        for i, p in enumerate(self.parts):
            if sparse.issparse(p):
                p.data *= np.repeat(g, np.diff(p.indptr))
            else:
                self.parts[i] = p * g[:, None]

    def _merge(self) -> None:
        """Dense factors are concatenated into one (fewer, larger products)."""
        dense = [p for p in self.parts if not sparse.issparse(p)]
        if len(dense) > 1:
            self.parts = [p for p in self.parts if sparse.issparse(p)] + [np.hstack(dense)]

    def variances(self) -> np.ndarray:
        v = np.zeros(self.width)
        for p in self.parts:
            v += np.asarray(p.multiply(p).sum(axis=1)).ravel() if sparse.issparse(p) else \
                np.einsum("ij,ij->i", p, p)
        return v

    def pair_covariances(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Cov(s_a, s_b) for index arrays a, b of equal length."""
        c = np.zeros(a.size)
        for p in self.parts:
            pa, pb = p[a], p[b]
            c += np.asarray(pa.multiply(pb).sum(axis=1)).ravel() if sparse.issparse(p) else \
                np.einsum("ij,ij->i", pa, pb)
        return c

    def covariance(self) -> np.ndarray:
        c = np.zeros((self.width, self.width))
        for p in self.parts:
            c += (p @ p.T).toarray() if sparse.issparse(p) else p @ p.T
        return c


# -- max pooling ----------------------------------------------------------------
def clark_max(mean: np.ndarray, cov: np.ndarray):
    """Moments of max(X_1, …, X_k) for Gaussian X by Clark's recursion, vectorised over rows.

    ``mean`` (R, k), ``cov`` (R, k, k); a column whose mean is NaN is skipped (a window
    shorter than k).  Returns (E max, Var max, weights (R, k)): the weight of X_j is,
    to first order, P(X_j is the maximum), and Σ_j w_j = 1.
    """
    R, k = mean.shape
    mu = mean[:, 0].copy()
    c_rest = cov[:, 0, :].copy()                  # Cov(M, X_j) for every j
    var = cov[:, 0, 0].copy()
    w = np.zeros((R, k))
    w[:, 0] = 1.0
    for j in range(1, k):
        present = ~np.isnan(mean[:, j])
        m2 = np.where(present, mean[:, j], 0.0)
        v2 = cov[:, j, j]
        a2 = np.maximum(var + v2 - 2.0 * c_rest[:, j], 0.0)
        a = np.sqrt(a2)
        pos = a > 1e-300
        alpha = np.where(pos, (mu - m2) / np.where(pos, a, 1.0), np.where(mu >= m2, np.inf, -np.inf))
        p1 = ndtr(alpha)
        p2 = 1.0 - p1
        phi = np.where(pos, np.exp(-0.5 * np.where(pos, alpha, 0.0) ** 2) / _SQRT_2PI, 0.0)
        new_mu = mu * p1 + m2 * p2 + a * phi
        second = (mu * mu + var) * p1 + (m2 * m2 + v2) * p2 + (mu + m2) * a * phi
        new_var = np.maximum(second - new_mu * new_mu, 0.0)
        new_c = p1[:, None] * c_rest + p2[:, None] * cov[:, j, :]
        new_w = w * p1[:, None]
        new_w[:, j] += p2
        keep = present
        mu = np.where(keep, new_mu, mu)
        var = np.where(keep, new_var, var)
        c_rest = np.where(keep[:, None], new_c, c_rest)
        w = np.where(keep[:, None], new_w, w)
    return mu, var, w


def _window_covariance(valid, idx, var, factors: _Factors) -> np.ndarray:
    """(R, k, k) covariances of the values of every window (flat indices ``idx``, ``valid``
    where a window has a value): ``var`` on the diagonal, the pairs from the factors; zero
    rows and columns past a window's end."""
    R, k = idx.shape
    cov = np.zeros((R, k, k))
    for a in range(k):
        cov[:, a, a] = np.where(valid[:, a], var[idx[:, a]], 0.0)
    pairs = [(a, b) for a in range(k) for b in range(a + 1, k)]
    if pairs and factors.parts:
        both = factors.pair_covariances(np.concatenate([idx[:, a] for a, _ in pairs]),
                                        np.concatenate([idx[:, b] for _, b in pairs]))
        for (a, b), c in zip(pairs, both.reshape(len(pairs), R)):
            cov[:, a, b] = cov[:, b, a] = np.where(valid[:, a] & valid[:, b], c, 0.0)
    return cov


def _max_pool(windows, m_prev, v_prev, factors: _Factors):
    """E, Var and factors of a max-pooling layer from its input's mean, variances and factors."""
    R, k = windows.shape
    valid = windows >= 0
    idx = np.where(valid, windows, 0)
    mean = np.where(valid, m_prev[idx], np.nan)
    cov = _window_covariance(valid, idx, v_prev, factors)
    mu, var, w = clark_max(mean, cov)
    w = np.where(valid, w, 0.0)
    p = sparse.csr_matrix((w.ravel(), (np.repeat(np.arange(R), k), idx.ravel())),
                          shape=(R, m_prev.size))
    out = factors.left(p, R)
    lin = out.variances()
    out.add_diagonal(np.sqrt(np.maximum(var - lin, 0.0)))
    return mu, var, out


class _PreActivation:
    """A layer's state s̃ before its activation (mean, variances, factors), the
    activation's effective gains, and the noise added after it (None: at its input)."""

    def __init__(self, mu, var, gain, factors, act, noise, groups):
        self.mu, self.var, self.gain, self.factors = mu, var, gain, factors
        self.act, self.noise, self.groups = act, noise, groups


#: Cubature points of :func:`_max_pool_cubature`: sets of scrambled Sobol points
#: mapped to standard normals; window r uses set r mod CUBATURE_SETS.
CUBATURE_POINTS = 1024
CUBATURE_SETS = 16
_points_cache: dict = {}


def cubature_points(dim: int, n: int = CUBATURE_POINTS, sets: int = CUBATURE_SETS) -> np.ndarray:
    """(sets, n, dim) standard normal points: scrambled Sobol sequences (fixed seeds)."""
    key = (dim, n, sets)
    if key not in _points_cache:
        from scipy.stats import qmc
        from scipy.special import ndtri

        pts = np.stack([qmc.Sobol(dim, scramble=True, seed=1000 + i).random(n) for i in range(sets)])
        _points_cache[key] = np.ascontiguousarray(ndtri(np.clip(pts, 1e-12, 1.0 - 1e-12)))
    return _points_cache[key]


def _activation_code(act):
    """(code, parameter, user function) of ``act`` for the kernels."""
    from ..kernels.activations import CUSTOM_BASE, user_functions

    if act.is_custom:
        return CUSTOM_BASE, 0.0, user_functions((act.function,))
    return act.code, float(act.param), user_functions()


def _max_pool_cubature(windows, pre: _PreActivation, m_prev, v_prev):
    """E, Var and factors of a max-pooling layer whose input is an activated layer:
    the window's maximum by cubature over the states before the activation
    (:mod:`fastnoise.kernels.window_max`), its covariances by Stein's lemma."""
    from ..kernels.window_max import window_max

    R, k = windows.shape
    valid = windows >= 0
    idx = np.where(valid, windows, 0)
    count = valid.sum(axis=1).astype(np.int64)
    nz = pre.noise if pre.noise is not None else Noise()
    su2, sc2, au2, ac2 = nz.variances
    # covariance of s̃ in each window, and its square root V √Λ
    cov = _window_covariance(valid, idx, pre.var, pre.factors)
    evals, evecs = np.linalg.eigh(cov)
    lmat = np.ascontiguousarray(evecs * np.sqrt(np.maximum(evals, 0.0))[:, None, :])
    mu = np.ascontiguousarray(np.where(valid, pre.mu[idx], 0.0))
    code, param, user = _activation_code(pre.act)
    m1, m2, dxi = np.empty(R), np.empty(R), np.empty(R)
    ds, prob = np.empty((R, k)), np.empty((R, k))
    window_max(mu, lmat, count, cubature_points(2 * k + 1), code, param, user,
               su2, sc2, au2, m1, m2, ds, dxi, prob)
    mean = m1
    var = np.maximum(m2 - m1 * m1, 0.0) + ac2
    rows = np.repeat(np.arange(R), k)
    # the states' sources, weighted by E ∂M/∂s̃_j
    w = sparse.csr_matrix((np.where(valid, ds, 0.0).ravel(), (rows, idx.ravel())),
                          shape=(R, m_prev.size))
    out = pre.factors.left(w, R)
    # each input neuron's own sources (activation residual, uncorrelated noise), by P(j is max)
    per_channel = pre.groups > 1
    linear = (1.0 if per_channel else 1.0 + sc2) * pre.gain ** 2 * pre.var
    own = np.maximum(v_prev - linear - sc2 * m_prev ** 2 - ac2, 0.0)
    p_own = sparse.csr_matrix((np.where(valid, prob * np.sqrt(own[idx]), 0.0).ravel(),
                               (rows, idx.ravel())), shape=(R, m_prev.size))
    out.add(p_own)
    # the common noise of the input layer (one source per layer or per channel)
    chan = idx[:, 0] % pre.groups
    for g in range(pre.groups):
        mask = chan == g
        if sc2:
            out.add_column(np.where(mask, dxi, 0.0))
        if ac2:
            out.add_column(np.where(mask, math.sqrt(ac2), 0.0))
    out.add_diagonal(np.sqrt(np.maximum(var - out.variances(), 0.0)))
    return mean, var, out


# -- one input ------------------------------------------------------------------
def _add_noise(nz: Noise, m: np.ndarray, var: np.ndarray, factors: _Factors, groups: int = 1) -> np.ndarray:
    """Eq. 3 on a state of mean m, variances var and the given factors; returns the noisy
    state's variances.

    One group (the whole layer shares ξ_c, ξ'_c): exact in the second moments.  G groups
    (per channel, neuron i in group i mod G): the correlated terms are one column per
    group, and (1 + σ_c²) C is kept on the diagonal only (an extra independent source of
    variance σ_c² C_ii): the dropped σ_c² C_ij between neurons of one channel is of
    second order in the noise.
    """
    su2, sc2, au2, ac2 = nz.variances
    if not (su2 or sc2 or au2 or ac2):
        return var
    e = (1.0 + sc2) * su2 * (var + m * m) + au2
    if groups == 1:
        factors.scale(math.sqrt(1.0 + sc2))
        factors.add_diagonal(np.sqrt(e))
        if sc2:
            factors.add_column(math.sqrt(sc2) * m)
        if ac2:
            factors.add_column(np.full(m.size, math.sqrt(ac2)))
    else:
        factors.add_diagonal(np.sqrt(e + sc2 * var))
        chan = np.arange(m.size) % groups
        for g in range(groups):
            mask = chan == g
            if sc2:
                factors.add_column(np.where(mask, math.sqrt(sc2) * m, 0.0))
            if ac2:
                factors.add_column(np.where(mask, math.sqrt(ac2), 0.0))
    return (1.0 + sc2) * var + e + sc2 * m * m + ac2


def map_moments(net, u: np.ndarray, noises, closure, threads: int | None = None) -> dict:
    """Per-input moments of a network with convolution or pooling layers (module docstring).

    ``closure(n, mu, var)`` returns (E f, Var f, E f') of layer n's activation for
    Gaussian states, elementwise (:func:`fastnoise.analytic.moments.moments` passes its
    Gauss–Hermite closure).  Inputs are
    independent: they are split over ``threads`` Python threads (default: Numba's thread
    count; the sparse products release the GIL in part), each input computed alone, so
    the result does not depend on the split.  Returns the lists ``mean``, ``var``,
    ``xt_mean``, ``xt_var`` of (T, I_n) arrays.
    """
    from concurrent.futures import ThreadPoolExecutor

    import numba

    T = u.shape[0]
    ops = [None] + [linear_operator(op) for op in net.ops]
    windows = [None] + [_windows_array(op) if op.kind == "maxpool2d" else None for op in net.ops]
    out = {k: [np.empty((T, w)) for w in net.widths] for k in ("mean", "var", "xt_mean", "xt_var")}
    threads = max(1, min(T, numba.get_num_threads() if threads is None else int(threads)))
    bounds = np.linspace(0, T, threads + 1).astype(int)
    if threads == 1:
        _inputs(net, u, 0, T, noises, closure, ops, windows, out)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda i: _inputs(net, u, bounds[i], bounds[i + 1], noises, closure, ops,
                                            windows, out), range(threads)))
    return out


def _inputs(net, u, start, stop, noises, closure, ops, windows, out) -> None:
    """:func:`map_moments` of inputs ``start`` … ``stop`` − 1, into ``out``."""
    L = net.n_layers
    at_input = [p == "input" for p in net.noise_at]
    for t in range(start, stop):
        m_prev = v_prev = factors = None         # the previous layer's E y, Var y and factors
        pre = None                               # the previous layer's state before its activation
        for n in range(L):
            width = net.widths[n]
            if n == 0:
                mu = u[t].astype(np.float64)
                factors = _Factors(width)
            elif ops[n] is None:                                    # max pooling: no x̃ of its own
                if pre is None:
                    mu, vx, factors = _max_pool(windows[n], m_prev, v_prev, factors)
                else:
                    mu, vx, factors = _max_pool_cubature(windows[n], pre, m_prev, v_prev)
                out["xt_mean"][n][t], out["xt_var"][n][t] = mu, vx
                out["mean"][n][t] = mu
                out["var"][n][t] = v_prev = _add_noise(noises[n], mu, vx, factors)
                m_prev, pre = mu, None
                continue
            else:
                mat, bias = ops[n]
                mu = mat @ m_prev + bias
                factors = factors.left(mat, width)
            vt = factors.variances()
            out["xt_mean"][n][t], out["xt_var"][n][t] = mu, vt
            if at_input[n]:
                vt = _add_noise(noises[n], mu, vt, factors, net.noise_groups[n])
            act = net.activations[n]
            pooled = n + 1 < L and ops[n + 1] is None and act.elementwise
            if act.elementwise:
                before = factors.copy() if pooled else None
                mx, vx, g = closure(n, mu, vt)
                if pooled:
                    pre = _PreActivation(mu, vt, g, before, act, None if at_input[n] else noises[n],
                                         net.noise_groups[n])
                factors.rows_scaled(g)
                factors.add_diagonal(np.sqrt(np.maximum(vx - g * g * vt, 0.0)))
            else:                                                   # softmax readout
                pm, pv, pc = softmax_moments(act.param, mu[None], factors.covariance()[None])
                mx, vx = pm[0], pv[0]
                factors = _Factors(width)
                evals, evecs = np.linalg.eigh(pc[0])
                factors.add(evecs * np.sqrt(np.maximum(evals, 0.0)))
            out["mean"][n][t] = mx
            v_prev = vx if at_input[n] else _add_noise(noises[n], mx, vx, factors, net.noise_groups[n])
            out["var"][n][t] = v_prev
            m_prev = mx
