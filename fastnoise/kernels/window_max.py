"""Moments of the maximum over a pooling window of noisy neurons, by cubature.

The values of one window are those of a layer P with an elementwise activation f
and Eq. 3 noise at its output::

    y_j = f(s_j)(1 + ξ_j)(1 + ξ_c) + ζ_j + ζ_c,   s ~ N(μ, L Lᵀ),

with independent ξ_j ~ N(0, σ_u²), ζ_j ~ N(0, a_u²) and a common ξ_c ~ N(0, σ_c²)
(ζ_c shifts the maximum and is added by the caller).  Given s and ξ_c the y_j
are independent normals of mean (1 + ξ_c) f(s_j) and variance
(1 + ξ_c)² σ_u² f(s_j)² + a_u², so each cubature point is (z, ε, ζ): s = μ + L z,
y_j = (1 + σ_c ζ) f(s_j) + √v_j ε_j, with 2k + 1 standard normal coordinates.

:func:`window_max` returns, per window, E M and E M² of M = max_j y_j, and the
Stein weights E ∂M/∂s_j and E ∂M/∂ζ (for jointly normal (s, ζ, Z),
Cov(M, Z) = Σ_j E[∂M/∂s_j] Cov(s_j, Z) + E[∂M/∂ζ] Cov(ζ, Z)), and the
probability that each value is the maximum.  f' is a central difference.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..config import JIT
from .activations import activate


@njit(**JIT)
def window_max(mu, lmat, count, points, code, p, user, su2, sc2, au2,
               out_m1, out_m2, out_ds, out_dxi, out_prob):
    """Cubature moments of the maximum of every window (module docstring).

    mu (R, k) window means of s; lmat (R, k, k) with Cov s = L Lᵀ; count (R,)
    values in each window (the first count[r] columns); points (S, N, 2k + 1)
    standard normal cubature points, window r uses set r mod S with weights 1/N;
    code, p, user: the activation (:func:`.activations.activate`); su2, sc2, au2:
    σ_u², σ_c², a_u² of the layer's output noise.  Writes E M, E M², E ∂M/∂s_j,
    E ∂M/∂ζ and P(j is the maximum) into out_m1, out_m2 (R,), out_ds (R, k),
    out_dxi (R,), out_prob (R, k).
    """
    R, k = mu.shape
    S, N, _ = points.shape
    s = np.empty(k)
    a = np.empty(k)
    hi = np.empty(k)
    lo = np.empty(k)
    step = np.empty(k)
    sig_c = math.sqrt(sc2)
    for r in range(R):
        kr = count[r]
        pts = points[r % S]
        m1 = 0.0
        m2 = 0.0
        dxi = 0.0
        for j in range(k):
            out_ds[r, j] = 0.0
            out_prob[r, j] = 0.0
        for q in range(N):
            for j in range(kr):
                acc = mu[r, j]
                for i in range(kr):
                    acc += lmat[r, j, i] * pts[q, i]
                s[j] = acc
                a[j] = acc
                h = 1e-5 * (1.0 + abs(acc))
                step[j] = 2.0 * h
                hi[j] = acc + h
                lo[j] = acc - h
            activate(code, p, a, kr, user)
            activate(code, p, hi, kr, user)
            activate(code, p, lo, kr, user)
            cm = 1.0 + sig_c * pts[q, 2 * k]
            best = -np.inf
            jb = 0
            sdb = 0.0
            for j in range(kr):
                sd = math.sqrt(cm * cm * su2 * a[j] * a[j] + au2)
                y = cm * a[j] + sd * pts[q, k + j]
                if y > best:
                    best = y
                    jb = j
                    sdb = sd
            m1 += best
            m2 += best * best
            aj = a[jb]
            eps = pts[q, k + jb]
            fprime = (hi[jb] - lo[jb]) / step[jb]
            if sdb > 0.0:
                out_ds[r, jb] += fprime * (cm + cm * cm * su2 * aj * eps / sdb)
                dxi += sig_c * (aj + cm * su2 * aj * aj * eps / sdb)
            else:
                out_ds[r, jb] += fprime * cm
                dxi += sig_c * aj
            out_prob[r, jb] += 1.0
        out_m1[r] = m1 / N
        out_m2[r] = m2 / N
        out_dxi[r] = dxi / N
        for j in range(k):
            out_ds[r, j] /= N
            out_prob[r, j] /= N
