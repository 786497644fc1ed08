"""Workloads shared by the asv benchmarks and ``compare.py``.

W3 is the paper's Fig. 3 setting: the symmetric 1-200-200-1 network with the
shifted sigmoid (alpha = 4) in the hidden layers, K = 300 repetitions of
T = 1000 inputs spread evenly on [0, 1], all four noise kinds on.  WA is a
trained-like classifier shape: 784-200-200-10 with logistic hidden and output
layers (``fn.random_dense``), the same noise, inputs uniform on [0, 1].
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

import fastnoise as fn
from fastnoise.kernels import draw_normals, normals_size

#: All four noise kinds on: D_A^U, D_A^C, D_M^U, D_M^C.
NOISE = fn.Noise(additive=1e-4, additive_correlated=1e-4,
                 multiplicative=1e-3, multiplicative_correlated=1e-3)

W3_WIDTHS = (1, 200, 200, 1)
W3_K = 300
W3_T = 1000

WA_WIDTHS = (784, 200, 200, 10)
WA_K = 300
WA_T = 1000


def w3_network(width: int = 200, hidden: int = 2):
    """The symmetric network 1-width-...-width-1 with ``hidden`` hidden layers."""
    return fn.symmetric([1] + [width] * hidden + [1], alpha=4.0)


def w3_inputs(T: int = W3_T) -> np.ndarray:
    return np.linspace(0.0, 1.0, T)[:, None]


def wa_network():
    return fn.random_dense(list(WA_WIDTHS), activation="logistic", seed=0)


def wa_inputs(T: int = WA_T) -> np.ndarray:
    return np.random.default_rng(0).uniform(0.0, 1.0, (T, WA_WIDTHS[0]))


def warm_up(net, noise=NOISE, repeats: int = 2, **kwargs) -> None:
    """Compile (or load from the cache) every kernel ``simulate`` uses for ``net``."""
    fn.simulate(net, np.zeros((2, net.widths[0])), noise, repeats=max(repeats, 2), **kwargs)


def n_normals(widths, repeats: int, T: int) -> int:
    """Standard normals one noisy simulation draws: 2 (I_n + 1) per layer, repetition, input."""
    return int(sum(2 * (w + 1) for w in widths)) * repeats * T


def gemm_shapes(widths, repeats: int):
    """(m, k, n) of the per-input GEMMs Y_{n-1} (K x I_{n-1}) @ W^T (I_{n-1} x I_n)."""
    return [(repeats, widths[n - 1], widths[n]) for n in range(1, len(widths))]


# -- network A's shape at K = 100, additive noise after every activation -------
#: The speed issue's settings on network A's shape (784-200-200-10, logistic):
#: K = 100, T = 1000 inputs as WA, additive noise D_A^U = 1e-4 after every
#: activation; "A100" on every layer, "A100in0" with a noiseless input layer.
A100_K = 100
A100_T = 1000
A100_LAYER_NOISE = fn.Noise(additive=1e-4)


def a100_noise(name: str):
    """The per-layer noise of "A100" (every layer) or "A100in0" (input layer noiseless)."""
    if name not in ("A100", "A100in0"):
        raise ValueError(f"unknown workload {name!r}; choose A100 or A100in0")
    first = fn.Noise() if name == "A100in0" else A100_LAYER_NOISE
    return [first] + [A100_LAYER_NOISE] * (len(WA_WIDTHS) - 1)


def normals_per_layer(widths, noise, projected: bool = False) -> list:
    """Standard normals fastnoise draws per layer, repetition and input: I_n + 2 for a
    layer with uncorrelated noise (one per neuron and the layer's two correlated
    ones; see ``kernels/noise.py``), 2 with correlated noise only, 0 without; the
    input layer I_1 + 2 when its noise is projected (``kernels/projection.py``)."""
    from fastnoise.noise import per_layer

    counts = []
    for w, nz in zip(widths, per_layer(noise, len(widths))):
        a_mu, a_au, a_mc, a_ac = nz.amplitudes
        counts.append(w + 2 if (a_mu or a_au) else (2 if (a_mc or a_ac) else 0))
    if projected:
        counts[0] = widths[1] + 2
    return counts


def noisy_normals(widths, noise, repeats: int, T: int, projected: bool = False) -> int:
    """All the standard normals fastnoise draws (:func:`normals_per_layer` summed)."""
    return int(sum(normals_per_layer(widths, noise, projected))) * repeats * T


def projected_input(net, inputs, noise, repeats: int, precision: str = "float64") -> bool:
    """Whether fastnoise draws this run's input noise in layer 1's space."""
    from fastnoise.engine.planning import plan

    cfg = plan(net, inputs[:1], noise, repeats=repeats, precision=precision).config
    return cfg.get("input_noise") == "projected"


@njit(parallel=True)
def own_normals(counts, repeats, T, z_like, out):
    """fastnoise's own generator alone (``fastnoise.kernels.draw_normals``, the dtype of
    ``z_like``): ``counts[n]`` normals per layer n, repetition and input, inputs over
    the threads as in the simulator; ``out[t]`` gets a checksum so nothing is elided."""
    key0, key1 = np.uint64(1), np.uint64(0)
    top = 0
    for c in counts:
        top = max(top, c)
    for t in prange(T):
        z = np.zeros(normals_size(top), dtype=z_like.dtype)
        acc = 0.0
        for n in range(counts.shape[0]):
            if counts[n] == 0:
                continue
            for k in range(repeats):
                draw_normals(counts[n], np.uint64(k), np.uint64(t), np.uint64(n), key0, key1, z)
                acc += z[0]
        out[t] = acc


def first_noisy(noise, n_layers: int) -> int:
    """Index of the first layer with any noise (``n_layers`` if none)."""
    from fastnoise.noise import per_layer

    for n, nz in enumerate(per_layer(noise, n_layers)):
        if any(a != 0.0 for a in nz.amplitudes):
            return n
    return n_layers


def shared_gemm_shapes(widths, repeats: int, first: int, projected: bool = False):
    """(m, k, n) of the per-input GEMMs fastnoise runs with a shared prefix: one row
    (m = 1) for the layers up to and including the first noisy one ``first``
    (their x̃ is the same in every repetition), K rows after it.  With projected
    input noise, layer 1 is one row plus the K × (I_1 + 1) · (I_1 + 1) × I_1
    product that carries the noise (``kernels/projection.py``)."""
    shapes = [(1 if n <= first else repeats, widths[n - 1], widths[n])
              for n in range(1, len(widths))]
    if projected:
        shapes[0] = (1, widths[0], widths[1])
        shapes.insert(1, (repeats, widths[1] + 1, widths[1]))
    return shapes
