"""Per-input propagation of the mean vector and covariance matrix (beyond the paper).

The paper (Secs. II–III, Methods VII A) predicts *layer-averaged* noise
levels.  This module predicts, for every input u^t separately, the mean and
the variance of every neuron's noisy output y_{n,i} (Eq. 3) of any network,
by propagating the mean vector and the covariance matrix of the neurons'
states layer by layer:

1. **Input layer.**  x̃_1 = u is deterministic (mean u, covariance 0) and
   x_1 = f_1(u).
2. **Noise step (Eq. 3, exact).**  With m = E x and C = Cov(x), and x
   independent of the noise of its own layer,

   E y = m,
   Cov(y_i, y_j) = (C_ij + m_i m_j)(1 + δ_ij σ_u²)(1 + σ_c²) − m_i m_j
                   + δ_ij a_u² + a_c²,

   with σ_u² = 2D_M^U, σ_c² = 2D_M^C, a_u² = 2D_A^U, a_c² = 2D_A^C.  On the
   diagonal this is Eq. 5: Var y = σ_+² + σ_×² m² + (1 + σ_×²) Var x.
   Equivalently Cov(y) = (1+σ_c²) C + diag(e) + σ_c² m mᵀ + a_c² 11ᵀ with
   e_i = (1+σ_c²) σ_u² (C_ii + m_i²) + a_u²: the correlated kinds are rank-one
   terms.
3. **Linear step (Eq. 1, exact).**  E x̃ = W m_y + b, Cov(x̃) = W Cov(y) Wᵀ.
4. **Nonlinearity (Eq. 2, Gaussian closure).**  (A ``softmax`` output layer
   acts on the whole vector x̃ instead: :mod:`.softmax` integrates it over the
   same Gaussian x̃ with a cubature rule.)  x̃ is assumed Gaussian.  Per
   neuron, E f and Var f by Gauss–Hermite quadrature (``nodes`` points,
   two-pass variance; closed forms for ReLU; exact for linear neurons).
   Cross-covariances by statistical linearisation,
   Cov(x_i, x_j) ≈ g_i g_j Cov(x̃_i, x̃_j) for i ≠ j, with the effective gain
   g_i = E f'(x̃_i) = E[f(X)(X − μ)]/Var X (Stein's identity, same quadrature;
   a central difference at the mean when Var X is negligible).  With
   ``order=K > 1`` the Mehler (Hermite) series of a Gaussian pair is summed
   to K terms instead,
   Cov(x_i, x_j) ≈ Σ_{k=1..K} E f^(k)(x̃_i) E f^(k)(x̃_j) Cov(x̃_i, x̃_j)^k / k!,
   E f^(k)(X) = E[f(X) He_k(Z)]/s^k; this matters when neurons are strongly
   correlated *and* f is curved over the noise width (e.g. neurons fed by
   the same single input), where the first term underestimates the
   covariance (it tends to Var f as the correlation tends to 1 only for
   K → ∞).  Every truncation keeps the covariance positive semi-definite.

**Where the noise goes (``net.noise_at``).**  The steps above are the paper's
placement, ``noise_at="output"`` (Eq. 3 on y).  A layer with ``noise_at="input"``
applies the same Eq. 3 to its internal state instead: x̃' = x̃(1 + a_MU ξ_i)
(1 + a_MC ξ_c) + a_AU ξ'_i + a_AC ξ'_c, x = f(x̃'), y = x.  Its x̃ (from step 3,
or u in the input layer) is independent of its own noise, so step 2's formula
applies to (E x̃, Cov x̃) unchanged (mean kept, Cov(x̃') = (1+σ_c²) C̃ + diag(ẽ)
+ σ_c² μ̃ μ̃ᵀ + a_c² 11ᵀ), step 4 then acts on x̃', and no noise is added to y
(Var y = Var x).  ``xt_mean``/``xt_var`` still report x̃ of Eq. 1, before that
noise.  The low-rank form below handles it the same way (the noise on x̃ adds
its diagonal and its rank-one columns before the gains).

Steps 2 and 3 are exact, so linear networks are predicted exactly.  For
nonlinear networks the error is that of the Gaussian closure: it vanishes as
the noise does (to first order it is the linear-response prediction) and
grows with the curvature of f over the noise width.  It is small where x̃ is
a sum of many comparable contributions (dense networks: central limit), and
largest where x̃ is a curved function of few noise sources, e.g. the
paper's symmetric networks, whose hidden neurons all see one input: with a
steep sigmoid (α = 4) at D = 1e-3 the second hidden layer's x̃ has skewness
≈ 0.8 and its variance is underestimated by up to ~13 % for some inputs
(≈ 4 % on average); higher-order cumulants, not covariances, would be needed
there.

``full_covariance=False`` replaces the I_n × I_n matrix by a
*diagonal + low-rank* one, C ≈ diag(d) + U Uᵀ, where U collects one column
per correlated noise source (a_c 1 and σ_c m of every layer, carried forward
exactly by W and by the gains g) and one column per layer for the *common
mode* of the inherited uncorrelated noise: W diag(d) Wᵀ is replaced by its
diagonal plus the exact covariance carried by the sum 1ᵀε of the previous
layer's uncorrelated fluctuations ε, c cᵀ with c = W d / √(Σd).  Variances
stay exact through the first weight layer; from the second weight layer on,
the cross-covariances that uncorrelated noise acquires through *different*
combinations of shared inputs (the part of W diag(d) Wᵀ off the diagonal and
orthogonal to the common mode) are dropped.  It coincides with the full
form (order 1) for the paper's symmetric networks (every row of W equal; that
part is then zero), when the only noise is correlated noise, and for networks
with a single weight layer (a ``softmax`` readout, which needs the cross-covariances
of its states, gets them exactly from the last weight layer: W diag(d) Wᵀ in
full there); for generic dense networks it misses part of the
"inherited correlated noise" and may be off by tens of per cent in deep
layers (see ``tests/test_analytic_moments.py``).  Its cost is
O(T Σ I_n I_{n−1} r) with r ≤ 3 per layer, against O(T Σ I_n² I_{n−1}) for
the full matrix.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr

from ..network import Network
from ..noise import Noise, per_layer
from ..validation import check_int
from .closures import relu_moments
from .prediction import Prediction
from .softmax import softmax_moments
from .terms import output_variance

__all__ = ["moments"]

#: Memory (bytes) for one block of per-input covariance matrices; inputs are
#: processed in blocks so that the peak memory is a few times this.
_BLOCK_BYTES = 32 * 2 ** 20
_SQRT_2PI = math.sqrt(2.0 * math.pi)
#: Most Gauss–Hermite nodes: numpy's ``hermegauss`` weights overflow above (NaN results).
_MAX_NODES = 150
#: Highest order of the Mehler series for cross-covariances.
_MAX_ORDER = 8
#: No noise: the noise on y of a layer whose noise is on x̃ (noise_at="input").
_NO_NOISE = Noise()


# --------------------------------------------------------------------------
# nonlinearity: E f, Var f and gain g = E f' of a Gaussian input, per neuron
# --------------------------------------------------------------------------
class _Evaluator:
    """Evaluate one layer's activation on arrays (NumPy, or Numba for user functions)."""

    def __init__(self, act):
        self.act = act
        self._applier = None
        if act.is_custom:
            from ..kernels.activations import CUSTOM_BASE, apply_row, user_functions

            user = user_functions((act.function,))
            self._applier = lambda code, p, buf, n: apply_row(code, p, buf, n, user)
            self._code = CUSTOM_BASE

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if self._applier is None:
            return np.asarray(self.act(x), dtype=np.float64)
        buf = np.array(x, dtype=np.float64, order="C", copy=True).reshape(-1)
        self._applier(self._code, 0.0, buf, buf.size)
        return buf.reshape(np.shape(x))


def _relu_nonlinearity(p: float, mu: np.ndarray, var: np.ndarray, order: int = 1):
    """f(x) = max(p·x, 0), x ~ N(mu, var): E f and Var f (the closed form
    :func:`~fastnoise.analytic.closures.relu_moments`) and
    [E f', E f'', ..., E f^(order)]."""
    mean, v = relu_moments(p, mu, var)
    mz = p * mu
    sz = abs(p) * np.sqrt(var)
    pos = sz > 0
    a = np.where(pos, mz / np.where(pos, sz, 1.0), 0.0)
    Phi = ndtr(a)
    phi = np.exp(-0.5 * a * a) / _SQRT_2PI
    step = np.where(mz > 0, 1.0, np.where(mz < 0, 0.0, 0.5))
    coeffs = [p * np.where(pos, Phi, step)]
    # E f^(k) = p^k E δ^(k−2)(z) = p^k He_{k−2}(−a) φ(a) / s_z^{k−1}
    big = sz >= _small_scale(mz)
    for k in range(2, order + 1):
        he = np.polynomial.hermite_e.hermeval(-a, [0] * (k - 2) + [1])
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ak = p ** k * he * phi / np.where(big, sz, 1.0) ** (k - 1)
        coeffs.append(np.where(big, ak, 0.0))
    return mean, v, coeffs


def _small_scale(mu):
    """Below this standard deviation, derivatives come from finite differences (~ eps^(1/3))."""
    return 6e-6 * np.maximum(1.0, np.abs(mu))


def _gauss_moments(f, mu: np.ndarray, var: np.ndarray, z: np.ndarray, w: np.ndarray, order: int = 1):
    """E f(X), Var f(X) and [E f'(X), ..., E f^(order)(X)] for X ~ N(mu, var), by quadrature.

    z, w: probabilists' Gauss–Hermite nodes and weights normalised to sum 1.
    E f^(k)(X) = E[f(X) He_k(Z)] / s^k with X = mu + s Z (Stein's identity,
    applied k times); at negligible s, E f' is a central difference at mu and
    the higher ones are set to 0 (they multiply Cov^k ≤ s^{2k} anyway).
    """
    s = np.sqrt(var)
    F = f(mu[..., None] + s[..., None] * z)
    mean = F @ w
    dev = F - mean[..., None]
    v = (dev * dev) @ w                                      # two-pass variance
    zero = s == 0                                            # deterministic: exact f(μ), no rounding residue
    if np.any(zero):
        mean = np.where(zero, F[..., 0], mean)
        v = np.where(zero, 0.0, v)
    h = _small_scale(mu)
    small = s < h
    sd = np.where(small, 1.0, s)
    coeffs = []
    for k in range(1, order + 1):
        hek = np.polynomial.hermite_e.hermeval(z, [0] * k + [1])
        with np.errstate(over="ignore", invalid="ignore"):
            coeffs.append(np.where(small, 0.0, (dev @ (w * hek)) / sd ** k))
    if np.any(small):                                        # Stein is ill-conditioned: central difference
        ms, hs = mu[small], h[small]
        coeffs[0][small] = (f(ms + hs) - f(ms - hs)) / (2.0 * hs)
    return mean, v, coeffs


def _nonlinearity(act, ev, mu, var, z, w, order=1):
    """(E x, Var x, [E f', ..., E f^(order)]) of x = f(x̃) for Gaussian x̃ ~ N(mu, var)."""
    var = np.maximum(var, 0.0)
    if act.is_linear:
        p = act.param
        return p * mu, p * p * var, [np.full_like(mu, p)] + [np.zeros_like(mu)] * (order - 1)
    if act.name == "relu" and not act.is_custom:
        return _relu_nonlinearity(act.param, mu, var, order)
    return _gauss_moments(ev, mu, var, z, w, order)


# --------------------------------------------------------------------------
# one block of inputs
# --------------------------------------------------------------------------
def _eq3_full(noise, m, cdiag, C):
    """Eq. 3 on a state of mean m and covariance C, split as S + σ_c² m mᵀ + a_c² 11ᵀ (exact).

    S = (1+σ_c²) C + diag(e) with e_i = (1+σ_c²) σ_u² (C_ii + m_i²) + a_u² (``cdiag``
    holds C_ii) is formed in C's place, so C is overwritten; C None stands for a
    deterministic state (then S = diag(e) and None is returned in S's place).  The
    rank-one terms are left to the caller: noise on x̃ adds them as they are, noise on
    y adds them after the next weight layer, as σ_c² (Wm)(Wm)ᵀ and a_c² (W1)(W1)ᵀ.

    Returns
    -------
    S, e, sc2, ac2 : (B, I, I) array or None, (B, I) array, float, float
    """
    su2, sc2, au2, ac2 = noise.variances
    e = (1.0 + sc2) * su2 * (cdiag + m * m) + au2       # (B, I)
    if C is not None:
        if sc2:
            C *= 1.0 + sc2
        idx = np.arange(C.shape[-1])
        C[:, idx, idx] += e
    return C, e, sc2, ac2


def _noisy_state_full(noise, mu, Ct, vt):
    """noise_at="input": Eq. 3 on x̃ (mean mu, covariance Ct, variances vt) → (Cov x̃', Var x̃').

    The mean is unchanged (E x̃' = mu); Ct is overwritten."""
    S, _, sc2, ac2 = _eq3_full(noise, mu, vt, Ct)
    if sc2:
        S += sc2 * mu[:, :, None] * mu[:, None, :]
    if ac2:
        S += ac2
    idx = np.arange(S.shape[-1])
    return S, np.maximum(S[:, idx, idx], 0.0)


def _closure_full(act, ev, mu, Ct, vt, z, w, order):
    """x = f(x̃) for Gaussian x̃ (mean mu, covariance Ct, variances vt): (E x, Var x, Cov x).

    Cov x is formed in Ct's place."""
    m, vx, a = _nonlinearity(act, ev, mu, vt, z, w, order)
    # off the diagonal: Mehler series Σ_k a_k a_kᵀ ⊙ C̃^k / k! (order 1 = statistical
    # linearisation), evaluated by Horner; on the diagonal: the quadrature variance
    R = None
    for k in range(order, 1, -1):
        if np.any(a[k - 1]):
            Ak = a[k - 1] / math.sqrt(math.factorial(k))
            term = Ak[:, :, None] * Ak[:, None, :]
            if R is None:
                R = term
            else:
                R += term
                del term
        if R is not None:
            R *= Ct
    g = a[0]
    if R is None:
        Ct *= g[:, :, None]
        Ct *= g[:, None, :]
    else:
        R += g[:, :, None] * g[:, None, :]
        Ct *= R
        del R
    idx = np.arange(Ct.shape[-1])
    Ct[:, idx, idx] = vx
    return m, vx, Ct


def _record_input_layer(out: dict, u, mean, var) -> None:
    """Append the input layer's block: x̃ = u exactly (no variance), and E y, Var y."""
    out["xt_mean"][0].append(u)
    out["xt_var"][0].append(np.zeros_like(u))
    out["mean"][0].append(mean)
    out["var"][0].append(var)


def _block_full(net, evs, noises, u, z, w, out, order=1):
    """Full-covariance propagation of a block of inputs u (B, I_1) into ``out`` lists.

    ``noises[n]`` is applied where ``net.noise_at[n]`` says: on y (folded into the
    next weight layer) or on x̃ (before the activation, and then none on y).
    """
    B = u.shape[0]
    at_input = [p == "input" for p in net.noise_at]
    y_noises = [_NO_NOISE if inp else nz for nz, inp in zip(noises, at_input)]
    act0 = net.activations[0]
    if at_input[0]:                                         # x̃_1 = u deterministic, then Eq. 3 on it
        Ct, vt = _noisy_state_full(noises[0], u, np.zeros((B, u.shape[1], u.shape[1])), np.zeros_like(u))
        m, cdiag, C = _closure_full(act0, evs[0], u, Ct, vt, z, w, order)
    else:
        m, cdiag, _ = _nonlinearity(act0, evs[0], u, np.zeros_like(u), z, w)
        C = None                                            # Cov(x) = 0 in the input layer
    _record_input_layer(out, u, m, output_variance(y_noises[0], m, cdiag))
    for n in range(1, net.n_layers):
        W, b = net.weights[n], net.biases[n]
        In, Ip = W.shape
        # noise step on layer n−1 folded into the linear step of layer n:
        # W Cov(y) Wᵀ = W[(1+σ_c²) C + diag(e)] Wᵀ + σ_c² (Wm)(Wm)ᵀ + a_c² (W1)(W1)ᵀ
        S, e, sc2, ac2 = _eq3_full(y_noises[n - 1], m, cdiag, C)   # S in C's place
        del C
        Wm = m @ W.T                                        # (B, In)
        # batched products as single large GEMMs over (input, row) pairs
        if S is None:                                       # W diag(e) Wᵀ
            A = W[None, :, :] * e[:, None, :]
            Ct = (A.reshape(B * In, Ip) @ W.T).reshape(B, In, In)
            del A
        else:
            P = (S.reshape(B * Ip, Ip) @ W.T).reshape(B, Ip, In)           # S Wᵀ
            del S
            P = np.ascontiguousarray(P.transpose(0, 2, 1))                 # W S (S symmetric)
            Ct = (P.reshape(B * In, Ip) @ W.T).reshape(B, In, In)          # W S Wᵀ
            del P
        if sc2:
            Ct += sc2 * Wm[:, :, None] * Wm[:, None, :]
        if ac2:
            w1 = W.sum(axis=1)
            Ct += ac2 * np.outer(w1, w1)[None]
        mu = Wm + b
        idx = np.arange(In)
        vt = np.maximum(Ct[:, idx, idx], 0.0)
        out["xt_mean"][n].append(mu)
        out["xt_var"][n].append(vt)                         # x̃ of Eq. 1, before its own noise
        if at_input[n]:
            Ct, vt = _noisy_state_full(noises[n], mu, Ct, vt)
        act = net.activations[n]
        if act.elementwise:
            m, vx, C = _closure_full(act, evs[n], mu, Ct, vt, z, w, order)
        else:                                               # softmax readout (output layer)
            m, vx, C = softmax_moments(act.param, mu, Ct)
        cdiag = vx
        out["mean"][n].append(m)
        out["var"][n].append(output_variance(y_noises[n], m, cdiag))


def _eq3_lowrank(noise, m, d, U):
    """Eq. 3 on a state of mean m and covariance diag(d) + U Uᵀ (exact).

    Returns (dy, cols): the noisy state's covariance is diag(dy) + Σ_c c cᵀ over the
    columns of the (B, I, r_c) arrays in ``cols``: U √(1+σ_c²), σ_c m and a_c 1.
    """
    B = m.shape[0]
    su2, sc2, au2, ac2 = noise.variances
    cdiag = d + np.einsum("bir,bir->bi", U, U)
    dy = (1.0 + sc2) * d + (1.0 + sc2) * su2 * (cdiag + m * m) + au2
    cols = [U * math.sqrt(1.0 + sc2)] if U.shape[2] else []
    if sc2:
        cols.append(math.sqrt(sc2) * m[:, :, None])
    if ac2:
        cols.append(np.full((B, m.shape[1], 1), math.sqrt(ac2)))
    return dy, cols


def _closure_lowrank(noise, act, ev, mu, dt, Ut, z, w):
    """x = f(x̃) for Gaussian x̃ of mean mu and covariance diag(dt) + Ut Utᵀ, after Eq. 3
    on x̃ when ``noise`` is given (noise_at="input"): (E x, Var x, d, U) with
    Cov x ≈ diag(d) + U Uᵀ."""
    if noise is not None:
        dt, cols = _eq3_lowrank(noise, mu, dt, Ut)
        Ut = np.concatenate(cols, axis=2) if cols else Ut
    vt = dt + np.einsum("bir,bir->bi", Ut, Ut)
    m, vx, a = _nonlinearity(act, ev, mu, vt, z, w)
    U = Ut * a[0][:, :, None]
    d = np.maximum(vx - np.einsum("bir,bir->bi", U, U), 0.0)
    return m, vx, d, U


def _block_lowrank(net, evs, noises, u, z, w, out, ranks):
    """Diagonal + low-rank propagation: Cov(x) ≈ diag(d) + U Uᵀ, U (B, I, r)."""
    B = u.shape[0]
    at_input = [p == "input" for p in net.noise_at]
    y_noises = [_NO_NOISE if inp else nz for nz, inp in zip(noises, at_input)]
    if at_input[0]:
        m, cdiag, d, U = _closure_lowrank(noises[0], net.activations[0], evs[0], u, np.zeros_like(u),
                                          np.zeros((B, u.shape[1], 0)), z, w)
        ranks[0] = U.shape[2]
    else:
        m, d, _ = _nonlinearity(net.activations[0], evs[0], u, np.zeros_like(u), z, w)
        cdiag = d
        U = np.zeros((B, u.shape[1], 0))
    _record_input_layer(out, u, m, output_variance(y_noises[0], m, cdiag))
    for n in range(1, net.n_layers):
        W, b = net.weights[n], net.biases[n]
        # noise step: Cov(y) = diag(dy) + Uy Uyᵀ (exact)
        dy, cols = _eq3_lowrank(y_noises[n - 1], m, d, U)
        # linear step: W Uy exact; W diag(dy) Wᵀ → diagonal + common mode c cᵀ
        Wm = m @ W.T
        WU = [np.matmul(W, c) for c in cols]
        Wd = dy @ W.T                                       # W d  (B, In)
        tot = dy.sum(axis=1)                                # 1ᵀ d
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(tot[:, None] > 0, Wd / np.sqrt(np.where(tot > 0, tot, 1.0))[:, None], 0.0)
        dt = np.maximum(dy @ (W * W).T - c * c, 0.0)
        Ut = np.concatenate(WU + [c[:, :, None]], axis=2)
        mu = Wm + b
        out["xt_mean"][n].append(mu)
        out["xt_var"][n].append(dt + np.einsum("bir,bir->bi", Ut, Ut))   # before x̃'s own noise
        act = net.activations[n]
        if act.elementwise:
            m, vx, d, U = _closure_lowrank(noises[n] if at_input[n] else None, act, evs[n],
                                           mu, dt, Ut, z, w)
        else:                  # softmax readout: its full covariance, W diag(dy) Wᵀ + Σ (W u)(W u)ᵀ
            Ct = np.einsum("ij,bj,kj->bik", W, dy, W)
            for wu in WU:
                Ct += np.einsum("bir,bjr->bij", wu, wu)
            idx = np.arange(Ct.shape[-1])
            if at_input[n]:
                Ct, _ = _noisy_state_full(noises[n], mu, Ct, np.maximum(Ct[:, idx, idx], 0.0))
            m, vx, _ = softmax_moments(act.param, mu, Ct)
            d, U = vx, np.zeros((B, vx.shape[1], 0))
        ranks[n] = U.shape[2]
        out["mean"][n].append(m)
        out["var"][n].append(output_variance(y_noises[n], m, vx))


def _maps(net, u, noises, nodes: int, order: int, full_covariance) -> Prediction:
    """:func:`moments` of a network with convolution or pooling layers (:mod:`.maps`)."""
    from .maps import map_moments

    if order != 1:
        raise ValueError(f"order={order} is for dense networks; a network with {net.ops[0].kind} "
                         "layers is predicted to first order in the cross-covariances (order=1)")
    z, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / w.sum()
    evs = [_Evaluator(a) for a in net.activations]

    def closure(n, mu, var):
        m, v, a = _nonlinearity(net.activations[n], evs[n], mu, var, z, w)
        return m, v, a[0]

    out = map_moments(net, u, noises, closure)
    info = {"nodes": nodes, "full_covariance": bool(full_covariance), "order": 1,
            "closure": "Gaussian: Gauss–Hermite moment matching, statistical linearisation; "
                       "max pooling by cubature over the window's states (Stein covariances)",
            "covariance": "factored, one factor per noise source (fastnoise.analytic.maps)"}
    return Prediction(mean=out["mean"], var=out["var"], method="moments", xt_mean=out["xt_mean"],
                      xt_var=out["xt_var"], info=info)


# --------------------------------------------------------------------------
# public entry point
# --------------------------------------------------------------------------
def moments(net: Network, inputs, noise=None, nodes: int = 32, full_covariance: bool = True,
            *, order: int = 1, block: int | None = None) -> Prediction:
    """Predict E y and Var y of every neuron and input by moment propagation.

    Propagates, for each input separately, the mean vector and the covariance
    matrix of every layer through the noise (Eq. 3, exact), the weights
    (Eq. 1, exact) and the activations (Eq. 2, Gaussian closure:
    Gauss–Hermite moment matching on the diagonal, statistical linearisation
    or a Mehler series off it).  Exact for linear networks; for nonlinear ones accurate to
    leading order in the noise.

    Every layer's noise goes where ``net.noise_at`` says: ``"output"`` (Eq. 3
    on y, the paper's model) or ``"input"`` (Eq. 3 on x̃, before the
    activation; no noise on y).  This is the only analytic method that
    supports ``"input"``.

    Parameters
    ----------
    net : Network
    inputs : array_like, (T, I_1)
        One input vector per row (1-D accepted for a one-neuron input layer).
    noise : Noise, list of Noise, or None
        Intensities of Eq. 3, for all layers or one per layer (input first).
    nodes : int
        Gauss–Hermite nodes per neuron for E f, Var f and E f' (≥ 2).
    full_covariance : bool
        True: the full I_n × I_n covariance of every layer.  False: a
        diagonal + low-rank approximation (correlated noise and the common
        mode of inherited noise kept exactly, the remaining cross-covariances
        dropped); much cheaper, exact for symmetric networks, approximate for
        dense ones from the second weight layer on.
    order : int
        Terms of the Mehler series for cross-covariances through a
        nonlinearity: 1 (default) is statistical linearisation; up to 8.
        Each extra order costs a few elementwise passes over the covariance
        matrices (order 2 about doubles the run time of a 200-wide network).
        Needs ``full_covariance=True`` when above 1.
    block : int, optional
        Inputs per block (memory bound); by default chosen so that one block
        of covariance matrices takes about 32 MiB.  Results do not depend on it
        beyond floating-point rounding.

    Returns
    -------
    Prediction
        ``mean``, ``var`` (of y), ``xt_mean``, ``xt_var`` (of x̃ of Eq. 1,
        before a ``noise_at="input"`` layer's own noise; the input layer's x̃
        is u with variance 0), one (T, I_n) array per layer;
        ``method="moments"``; ``info`` holds ``nodes``, ``full_covariance``,
        ``order``, ``block`` and ``closure`` (and ``rank`` per layer for the
        low-rank form).
    """
    from ..simulate import validate_inputs

    if not isinstance(net, Network):
        raise TypeError(f"net must be a fastnoise Network, got {type(net).__name__}")
    nodes = check_int("nodes", nodes, 2, _MAX_NODES,
                      f"Gauss–Hermite nodes (numpy's hermegauss weights overflow above {_MAX_NODES})")
    if not isinstance(full_covariance, (bool, np.bool_)):
        raise TypeError(f"full_covariance must be True or False, got {full_covariance!r}")
    order = check_int("order", order, 1, _MAX_ORDER, "(1 = statistical linearisation)")
    if order >= nodes:
        raise ValueError(f"order {order} needs more than {order} Gauss–Hermite nodes, got nodes={nodes}")
    if order > 1 and not full_covariance:
        raise ValueError(f"order={order} needs full_covariance=True; the low-rank form is first order")
    u = validate_inputs(net, inputs)
    noises = per_layer(noise, net)
    if not net.is_dense:
        return _maps(net, u, noises, int(nodes), order, full_covariance)
    T = u.shape[0]
    widths = net.widths
    if block is None:
        if full_covariance:
            per_input = max((max(widths[n] ** 2, widths[n] * widths[n - 1]) for n in range(1, len(widths))),
                            default=1)
        else:
            per_input = 3 * net.n_layers * max(widths)
        per_input = 8 * max(per_input, 2 * max(widths) * nodes)
        block = int(max(1, min(T, _BLOCK_BYTES // max(per_input, 1))))
    else:
        block = check_int("block", block, 1)

    z, w = np.polynomial.hermite_e.hermegauss(int(nodes))
    w = w / w.sum()
    evs = [_Evaluator(a) for a in net.activations]
    L = net.n_layers
    out = {k: [[] for _ in range(L)] for k in ("mean", "var", "xt_mean", "xt_var")}
    ranks = [0] * L
    for start in range(0, T, block):
        ub = u[start:start + block]
        if full_covariance:
            _block_full(net, evs, noises, ub, z, w, out, order)
        else:
            _block_lowrank(net, evs, noises, ub, z, w, out, ranks)
    cat = {k: [np.concatenate(v, axis=0) for v in out[k]] for k in out}
    info = {"nodes": int(nodes), "full_covariance": bool(full_covariance), "block": block,
            "order": int(order),
            "closure": "Gaussian: Gauss–Hermite moment matching, "
                       + ("statistical linearisation" if order == 1 else f"Mehler series to order {order}")}
    if not full_covariance:
        info["rank"] = ranks
    return Prediction(mean=cat["mean"], var=cat["var"], method="moments",
                      xt_mean=cat["xt_mean"], xt_var=cat["xt_var"], info=info)
