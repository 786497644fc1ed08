"""Additive input noise sampled in the next layer's space (an exact shortcut).

When the input layer's noise is purely additive, y_0 = x_0 + a_AU ξ' + a_AC ξ'_c
with ξ' ~ N(0, I_{I_0}) and ξ'_c ~ N(0, 1) (paper Eq. 3 with D_M = 0), the
dense layer after it receives

    x̃_1 = W y_0 + b = (W x_0 + b) + a_AU W ξ' + a_AC ξ'_c s,    s = W 1,

and W ξ' is Gaussian with covariance W Wᵀ (an affine map of a Gaussian
vector), so it has the law of C z with C Cᵀ = W Wᵀ (Cholesky) and
z ~ N(0, I_{I_1}).  Drawing z costs I_1 normals and a K×(I_1+1)·(I_1+1)×I_1
product per input instead of I_0 normals and a K×I_0·I_0×I_1 product: it pays
when I_1 < I_0 (network A: 784 → 200).  x̃_1 has exactly the law it has
without the shortcut; the input layer's own noisy states are then never
drawn, and its moments are the exact ones, mean x_0 and variance
a_AU² + a_AC².  Multiplicative input noise has a covariance that depends on
the input (W diag(x_0)² Wᵀ): one factorisation per input costs more than the
product it saves, so the shortcut is not used there.

:func:`gram_factor` builds M = [Cᵀ; sᵀ], (I_1 + 1, I_1), in plain loops
with a fixed summation order, so M is bitwise the same on every machine
(a library Cholesky may pick other kernels on other CPUs, and a Dask worker
must reproduce the bits of a local run).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..config import JIT

__all__ = ["gram_factor", "PIVOT_RTOL"]

#: A Cholesky pivot at or below this fraction of its diagonal entry of W Wᵀ
#: counts as singular (W of deficient rank): no shortcut, the general path runs.
PIVOT_RTOL = 1e-10


@njit(**JIT)
def gram_factor(wt, m):
    """M = [Cᵀ; sᵀ] of the module docstring into ``m`` (I_1 + 1, I_1) float64.

    ``wt`` is Wᵀ, (I_0, I_1) float64.  Returns False (``m`` then undefined) if
    W Wᵀ is not numerically positive definite.
    """
    n_in, n = wt.shape
    g = np.zeros((n, n))
    for k in range(n_in):  # g[i, j] = Σ_k W[i, k] W[j, k], in order of k; j ≤ i
        row = wt[k]
        for i in range(n):
            a = row[i]
            for j in range(i + 1):
                g[i, j] += a * row[j]
    c = np.zeros((n, n))  # lower Cholesky factor, g = c cᵀ
    for j in range(n):
        d = g[j, j]
        for q in range(j):
            d -= c[j, q] * c[j, q]
        if not d > PIVOT_RTOL * g[j, j]:
            return False
        c[j, j] = np.sqrt(d)
        for i in range(j + 1, n):
            v = g[i, j]
            for q in range(j):
                v -= c[i, q] * c[j, q]
            c[i, j] = v / c[j, j]
    for j in range(n):
        for i in range(n):
            m[j, i] = c[i, j]
        s = 0.0
        for k in range(n_in):
            s += wt[k, j]
        m[n, j] = s
    return True
