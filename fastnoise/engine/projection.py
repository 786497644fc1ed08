"""When a run draws its input noise in layer 1's space, and the program change that does it.

The shortcut is exact (``fastnoise/kernels/projection.py``); it is taken
whenever all of these hold, and never asked for:

* the input layer's noise is purely additive (D_M^U = D_M^C = 0 in the
  kernel's precision) with an uncorrelated part, placed after its activation;
* layer 1 is dense and narrower than the input layer (I_1 < I_0), and W Wᵀ
  is positive definite (W of full row rank);
* nothing reads the input layer's noisy states: no raw samples of layer 0, no
  histogram, no given normals (``noise_values``).

The run then records numerics version 5 and ``"input_noise": "projected"``
in its config; layer 0's moments are the exact ones (mean x_0, variance
2D_A^U + 2D_A^C).
"""

from __future__ import annotations

import numpy as np

from ..kernels.program import NOISE_AT, NOISE_OUTPUT, NOISE_PROJECTED, OP, OP_DENSE, OP_INPUT, W_OFF

__all__ = ["input_projection", "projected_program"]


def input_projection(net, amp0, sample_layers, hist, noise_values):
    """M = [Cᵀ; sᵀ], (I_1 + 1, I_1) float64, if the run draws its input noise in
    layer 1's space (module docstring), else None.  ``amp0``: the input layer's
    amplitudes as the kernel takes them (``planning.kernel_amplitudes``)."""
    from ..kernels.projection import gram_factor

    p = net.packed
    prog = p["program"]
    if (net.n_layers < 2 or prog[0, OP] != OP_INPUT or prog[1, OP] != OP_DENSE
            or prog[0, NOISE_AT] != NOISE_OUTPUT):
        return None
    i0, i1 = net.widths[0], net.widths[1]
    if not i1 < i0 or hist is not None or noise_values is not None or np.any(np.asarray(sample_layers) == 0):
        return None
    a_mu, a_au, a_mc, _ = amp0
    if a_mu != 0 or a_mc != 0 or a_au == 0:
        return None
    o = prog[1, W_OFF]
    wt = p["w_flat"][o: o + i0 * i1].reshape(i0, i1)
    m = np.empty((i1 + 1, i1))
    return m if gram_factor(wt, m) else None


def projected_program(program: np.ndarray, w_flat: np.ndarray, m: np.ndarray):
    """The program and flat weights of a projected run: layer 0 marked
    :data:`~fastnoise.kernels.program.NOISE_PROJECTED`, M appended to ``w_flat``
    (in its dtype) at the offset layer 0's ``W_OFF`` names."""
    program = program.copy()
    program[0, NOISE_AT] = NOISE_PROJECTED
    program[0, W_OFF] = w_flat.size
    return program, np.concatenate([w_flat, m.astype(w_flat.dtype).ravel()])
