"""Density-evolution transition of the shared layer state (symmetric networks).

In a network whose weight matrices have identical rows (e.g. the paper's
symmetric W^n_ij = 1/I_{n−1}) and constant biases, every neuron of a layer
after the input layer shares the internal state x̃_n, a scalar Markov chain.
Given the source layer's noiseless outputs x_j — through S1 = Σ_j w_j x_j and
S2 = Σ_j w_j² x_j² — the next state is (paper Eqs. 1, 3, 18–19)

    x̃ − b = (1 + s_c ξ_c)·A + B,
    A ~ N(S1, s_u² S2),  B ~ N(0, a2),  a2 = a_u² Σw_j² + a_c² (Σw_j)²,

with s = √(2D_M), a = √(2D_A) of the *source* layer's noise, ξ_c, A, B
independent.  It is Gaussian given ξ_c (mean S1(1 + s_c ξ_c), variance
(1 + s_c ξ_c)² s_u² S2 + a2) and also given A (mean A, variance s_c² A² + a2).
The kernel integrates over whichever of the two makes the Gaussian-mixture
integrand smoother, with a Gauss–Hermite rule sized from that smoothness;
when s_u = 0 or s_c = 0 the transition is one Gaussian.

Each Gaussian component is integrated exactly over the cells of the target
grid (uniform cells of width h from lo): for every cell the kernel adds the
mass and the first three moments about the cell centre,
M_j = ∫_cell (z − c)^j N(z; m, s²) dz, j = 0..3.  From these the wrapper
builds the two-point Gauss quadrature of each cell's measure, which makes
E g(x̃) exact to O(h⁴) for smooth g whatever the component widths (narrow
and zero-width components included: nothing is snapped to cell centres).
Mass is conserved exactly: what falls outside the grid is returned as lost.

Kernels are dumb: no validation, no raising (see :mod:`fastnoise.analytic.density`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ..config import JIT, JIT_PARALLEL

_SQRT1_2 = 0.7071067811865476
_INV_SQRT_2PI = 0.3989422804014327

#: Gauss–Hermite rule sizes and the largest smoothness ratio r (spread of the
#: component means per unit of the integrated normal, over the component sd)
#: each handles with a mixture-CDF error below 1e-9, measured against the
#: closed form E Φ(a + rζ) = Φ(a/√(1+r²)) (docs/density.md).
GH_SIZES = np.array([2, 3, 4, 6, 8, 12, 16, 24, 32], dtype=np.int64)
GH_RMAX = np.array([0.012, 0.06, 0.13, 0.30, 0.46, 0.73, 0.95, 1.3, np.inf])


def gh_tables():
    """Nodes and probability weights (rows zero-padded) of the rules in GH_SIZES."""
    from numpy.polynomial.hermite_e import hermegauss

    qmax = int(GH_SIZES.max())
    x = np.zeros((GH_SIZES.size, qmax))
    w = np.zeros((GH_SIZES.size, qmax))
    for i, q in enumerate(GH_SIZES):
        xi, wi = hermegauss(int(q))
        x[i, :q] = xi
        w[i, :q] = wi / wi.sum()
    return x, w


@njit(**JIT)
def _phi_cdf(x):
    """Standard normal CDF Φ(x)."""
    return 0.5 * math.erfc(-x * _SQRT1_2)


@njit(**JIT)
def _add_moments(cell, w, d, s, j0, j1, j2, j3):
    """Add w·∫(z − c)^k over a cell, k = 0..3, given the standardised partial
    moments j_k = ∫ x^k φ(x) dx over it and d = m − c (z = m + s x)."""
    cell[0] += w * j0
    cell[1] += w * (d * j0 + s * j1)
    cell[2] += w * (d * d * j0 + 2.0 * d * s * j1 + s * s * j2)
    cell[3] += w * (d * d * d * j0 + 3.0 * d * d * s * j1 + 3.0 * d * s * s * j2 + s * s * s * j3)


@njit(**JIT)
def _deposit(mom, m, s, w, lo, h, G, tail, smooth):
    """Add w·N(m, s²) to the cell moments ``mom`` (G, 4); return the lost mass.

    The density is taken as zero beyond m ± tail·s (CDF error Φ(−tail)), so
    the deposited and lost masses add up to ``w`` exactly.  A component of
    zero width is a point mass.  A narrow one (h/s > smooth) gets the exact
    partial moments from Φ and φ at every cell edge.  A wide one (h/s ≤ smooth,
    more than 1/smooth cells per sd) gets them from the quadratic through the
    density at the edges and centre of each cell (evaluated by the recurrence
    φ(x+η) = φ(x)·exp(−xη − η²/2), multiplications only), rescaled so that the
    cells' total is the exact CDF difference over them.
    """
    if not (s > 0.0):
        pos = (m - lo) / h
        if pos >= 0.0 and pos < G:
            i = int(pos)
            d = m - (lo + (i + 0.5) * h)
            mom[i, 0] += w
            mom[i, 1] += w * d
            mom[i, 2] += w * d * d
            mom[i, 3] += w * d * d * d
            return 0.0
        return w
    c = (m - lo) / h                   # component mean in cell units
    r = tail * s / h                   # tail half-width in cell units
    xlo = c - r
    xhi = c + r
    if not (xhi > 0.0 and xlo < G):   # wholly outside (or NaN)
        return w
    i0 = int(math.floor(xlo)) if xlo > 0.0 else 0
    i1 = int(math.floor(xhi)) if xhi < G else G - 1
    hs = h / s
    f_lo = _phi_cdf((i0 - c) * hs) if i0 > xlo else 0.0
    if hs > smooth:
        # exact partial moments; beyond ±tail the density counts as zero
        if i0 > xlo:
            a = (i0 - c) * hs
            pa = _INV_SQRT_2PI * math.exp(-0.5 * a * a)
        else:
            a = 0.0
            pa = 0.0
        fa = f_lo
        for i in range(i0, i1 + 1):
            j = i + 1
            if j < xhi:
                bb = (j - c) * hs
                pb = _INV_SQRT_2PI * math.exp(-0.5 * bb * bb)
                fb = _phi_cdf(bb)
            else:
                bb = 0.0
                pb = 0.0
                fb = 1.0
            j0 = fb - fa
            j1 = pa - pb
            j2 = j0 + a * pa - bb * pb
            j3 = (a * a + 2.0) * pa - (bb * bb + 2.0) * pb
            d = m - (lo + (i + 0.5) * h)
            _add_moments(mom[i], w, d, s, j0, j1, j2, j3)
            a, pa, fa = bb, pb, fb
        return w * (f_lo + 1.0 - fa)
    f_hi = _phi_cdf((i1 + 1 - c) * hs) if i1 + 1 < xhi else 1.0
    eta = 0.5 * hs                     # half a cell in standard deviations
    x0 = (i0 - c) * hs
    decay = math.exp(-eta * eta)
    # pass 1: total Simpson mass (unnormalised density values)
    g = math.exp(-0.5 * x0 * x0)
    rho = math.exp(-x0 * eta - 0.5 * eta * eta)
    total = 0.0
    for i in range(i0, i1 + 1):
        g_mid = g * rho
        rho *= decay
        g_end = g_mid * rho
        rho *= decay
        total += g + 4.0 * g_mid + g_end
        g = g_end
    if not (total > 0.0):
        return w * (f_lo + 1.0 - f_hi)
    scale = w * (f_hi - f_lo) * 6.0 / (total * h)
    # pass 2: moments of the quadratic through (edge, centre, edge) of each cell
    g = math.exp(-0.5 * x0 * x0)
    rho = math.exp(-x0 * eta - 0.5 * eta * eta)
    h2 = h * h
    for i in range(i0, i1 + 1):
        g_mid = g * rho
        rho *= decay
        g_end = g_mid * rho
        rho *= decay
        cell = mom[i]
        cell[0] += scale * h * (g + 4.0 * g_mid + g_end) / 6.0
        cell[1] += scale * h2 * (g_end - g) / 12.0
        cell[2] += scale * h2 * h * (g_mid / 12.0 + (g + g_end - 2.0 * g_mid) / 40.0)
        cell[3] += scale * h2 * h2 * (g_end - g) / 80.0
        g = g_end
    return w * (f_lo + 1.0 - f_hi)


@njit(**JIT_PARALLEL)
def density_kernel(p, s1, s2, b, a2, s_u, s_c, lo, h, gh_x, gh_w, gh_n, gh_rmax,
                    tail, smooth, out, lost):
    """One layer transition of the distribution of the shared state x̃ (Eqs. 1, 3, 19).

    Parameters
    ----------
    p : (T, S) masses of the source atoms (the previous layer's state).
    s1, s2 : (T, S) Σ_j w_j x_j and Σ_j w_j² x_j² of each atom.
    b : bias of the target layer.
    a2 : a_u² Σw² + a_c² (Σw)², the additive variance.
    s_u, s_c : √(2D_M^U), √(2D_M^C) of the source layer.
    lo, h : (T,) target grid origin and cell width.
    gh_x, gh_w, gh_n, gh_rmax : Gauss–Hermite tables (``gh_tables``, GH_SIZES, GH_RMAX).
    tail : components are cut at ±tail standard deviations.
    smooth : components with h/s ≤ smooth take the quadratic-interpolation path
        (see ``_deposit``).
    out : (T, G, 4) cell moments M_0..M_3 about the cell centres (overwritten).
    lost : (T,) mass that fell outside the target grid (overwritten).
    """
    T = p.shape[0]
    S = p.shape[1]
    G = out.shape[1]
    n_levels = gh_n.shape[0]
    mixed = s_u > 0.0 and s_c > 0.0
    for t in prange(T):
        mom = out[t]
        for i in range(G):
            for j in range(4):
                mom[i, j] = 0.0
        lt = 0.0
        lo_t = lo[t]
        h_t = h[t]
        for k in range(S):
            pk = p[t, k]
            if pk == 0.0:
                continue
            S1 = s1[t, k]
            S2 = s2[t, k]
            if mixed and S2 > 0.0:
                d_c = s_c * abs(S1)                       # mean shift per unit ξ_c
                var_c = s_u * s_u * S2 + a2               # component variance at ξ_c = 0
                d_a = s_u * math.sqrt(S2)                 # mean shift per unit of A's normal
                var_a = s_c * s_c * S1 * S1 + a2          # component variance at A = S1
                # smoothness r: how fast the standardised component CDF moves per unit of
                # the integrated normal — the mean shift plus the sd change (at ~3 sd)
                sd_c = math.sqrt(var_c)
                r_c = (d_c + 3.0 * s_c * s_u * s_u * S2 / sd_c) / sd_c
                if var_a > 0.0:
                    sd_a = math.sqrt(var_a)
                    r_a = d_a * (1.0 + 3.0 * s_c * s_c * abs(S1) / sd_a) / sd_a
                else:
                    r_a = np.inf
                on_c = r_c <= r_a
                r = r_c if on_c else r_a
                lev = 0
                while lev < n_levels - 1 and r > gh_rmax[lev]:
                    lev += 1
                for q in range(gh_n[lev]):
                    z = gh_x[lev, q]
                    wq = gh_w[lev, q] * pk
                    if on_c:
                        g = 1.0 + s_c * z
                        m = b + g * S1
                        v = g * g * s_u * s_u * S2 + a2
                    else:
                        A = S1 + d_a * z
                        m = b + A
                        v = s_c * s_c * A * A + a2
                    lt += _deposit(mom, m, math.sqrt(v), wq, lo_t, h_t, G, tail, smooth)
            else:
                m = b + S1
                v = s_c * s_c * S1 * S1 + s_u * s_u * S2 + a2
                lt += _deposit(mom, m, math.sqrt(v), pk, lo_t, h_t, G, tail, smooth)
        lost[t] = lt
