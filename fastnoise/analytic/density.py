"""Exact density evolution of the shared layer state in symmetric networks.

In a symmetric network (paper Sec. III: W^n_ij = 1/I_{n−1}, b = 0; more
generally every weight matrix with identical rows and every bias vector
constant) all neurons of a layer after the input layer share one internal
state x̃_n, so the layer states form a scalar Markov chain.  Given the
previous layer's noiseless outputs, x̃_n is Gaussian conditional on the
correlated multiplicative noise ξ_c (Eqs. 3, 18–19; derivation in
``docs/density.md``), so the distribution of x̃_n can be carried from layer
to layer without any closure: no first-order (Eq. 9) or Taylor (Eqs. 12–13)
approximation of F̂ and no Gaussian assumption for x̃.  What remains are a
finite grid and a Gauss–Hermite rule over the Gaussian mixture, both
controlled to errors far below Monte Carlo error (``docs/density.md``).

Per input t and layer n the distribution of x̃_n is held on G uniform cells
covering the support of the next state (from the atoms of the previous
layer).  The transition (:func:`fastnoise.kernels.density.density_kernel`)
integrates every Gaussian component exactly over the cells and keeps each
cell's mass and first three moments; each cell is then represented by the
two-point Gauss quadrature of its measure (two atoms), which gives E g(x̃)
to O(h⁴) for smooth g, also for narrow or zero-width (noiseless-layer)
transitions.  Then E x_n = Σ p f(z), Var x_n = Σ p (f(z) − E x_n)², and the
noisy output follows from Eq. 5/17, E y = E x and
Var y = σ_+² + σ_×² E(x)² + (1 + σ_×²) Var x, exact because the neurons of a
layer share x.
"""

from __future__ import annotations

import math
import warnings
from contextlib import contextmanager

import numpy as np

from ..network import Network
from ..noise import per_layer
from ..validation import check_int
from .prediction import Prediction
from .terms import output_variance

__all__ = ["density", "DEFAULT_GRID", "DEFAULT_WIDTH"]

#: Default number of grid cells per layer and input.
DEFAULT_GRID = 256
#: Most grid cells (the error falls like grid⁻⁴; beyond, only time and memory grow).
MAX_GRID = 8192
#: Default reach of each Gaussian component, in its standard deviations,
#: when the grid range is chosen (see :func:`_grid_range`).
DEFAULT_WIDTH = 10.0
#: The grid may leave out atoms of at most this total mass at each end.
_RANGE_EPS = 1e-13
#: Gaussian components are cut at ±_TAIL sd (tail mass Φ(−8) ≈ 6e−16).
_TAIL = 8.0
#: Components with h/s ≤ _SMOOTH (at least 2 cells per sd) take the
#: interpolation path of :func:`fastnoise.kernels.density._deposit`.
_SMOOTH = 0.5
#: Lost (out-of-grid) mass above which a RuntimeWarning suggests a wider grid.
_LOST_WARN = 1e-9
#: Inputs evolved together (bounds the memory to ~200·grid bytes per input).
_BLOCK = 1024
#: Weights (biases) of a layer that differ by less than this times the
#: largest |weight| (|bias|) count as equal.
_EQUAL_RTOL = 1e-12


def _shared_rows(net: Network):
    """(row, bias) of every layer n ≥ 1, or raise naming the first non-symmetric layer."""
    rows, biases = [None], [None]
    for n in range(1, net.n_layers):
        W, bvec = net.weights[n], net.biases[n]
        scale = float(np.max(np.abs(W))) if W.size else 0.0
        bad = np.any(np.abs(W - W[0]) > _EQUAL_RTOL * scale, axis=1)
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(
                f"method 'density' needs a symmetric network (in every layer all weight rows "
                f"equal and the bias constant), but row {i} of weights[{n}] differs from row 0, "
                f"so the neurons of layer {n} do not share one state; use method=\"moments\"")
        bscale = float(np.max(np.abs(bvec))) if bvec.size else 0.0
        if np.any(np.abs(bvec - bvec[0]) > _EQUAL_RTOL * bscale):
            raise ValueError(
                f"method 'density' needs a symmetric network (in every layer all weight rows "
                f"equal and the bias constant), but biases[{n}] ranges from {bvec.min():g} to "
                f"{bvec.max():g}, so the neurons of layer {n} do not share one state; "
                f"use method=\"moments\"")
        rows.append(np.ascontiguousarray(W[0], dtype=np.float64))
        biases.append(float(bvec[0]))
    return rows, biases


def _check_grid(grid, cells):
    if grid is not None and cells is not None and grid != cells:
        raise ValueError(f"give the grid size once: grid={grid!r} and cells={cells!r} differ")
    g = grid if grid is not None else (cells if cells is not None else DEFAULT_GRID)
    return check_int("grid", g, 16, MAX_GRID,
                     f"cells (the error falls like grid⁻⁴: {MAX_GRID} cells are 10⁶ times more accurate "
                     f"than the default {DEFAULT_GRID}, past float64's resolution, and take minutes and "
                     f"~{200 * MAX_GRID * _BLOCK / 1e9:.1f} GB per block of {_BLOCK} inputs)")


@contextmanager
def _numba_threads(threads):
    import numba

    old = numba.get_num_threads()
    if threads is not None:
        numba.set_num_threads(min(check_int("threads", threads, 1), numba.config.NUMBA_NUM_THREADS))
    try:
        yield
    finally:
        numba.set_num_threads(old)


def _weighted_quantile(values, weights, level):
    """Per row, the smallest value v with Σ weights[values ≤ v] ≥ level·Σ weights."""
    order = np.argsort(values, axis=1, kind="stable")
    v = np.take_along_axis(values, order, axis=1)
    c = np.cumsum(np.take_along_axis(weights, order, axis=1), axis=1)
    idx = np.argmax(c >= level * c[:, -1:], axis=1)
    return v[np.arange(values.shape[0]), idx]


def _grid_range(p, m_bar, sd_bar, ez, width, G):
    """Grid origin and cell width for the next state, per input.

    Atom k of the previous layer sends x̃_n to (a mixture about) m_bar_k with
    standard deviation sd_bar_k.  The grid runs from the _RANGE_EPS quantile
    of m_bar − width·sd_bar to the 1 − _RANGE_EPS quantile of
    m_bar + width·sd_bar (atoms weighted by mass): at most 2·_RANGE_EPS plus
    the Gaussian tails beyond ``width`` sd can be lost, whatever the shape of
    the distribution.  (The mean ± a few sd is not enough when a small far
    mode forms, as for inputs near an unstable fixed point that split
    between two focusing points.)
    """
    lo = _weighted_quantile(m_bar - width * sd_bar, p, _RANGE_EPS)
    hi = _weighted_quantile(m_bar + width * sd_bar, p, 1.0 - _RANGE_EPS)
    span = hi - lo
    tiny = 1e-12 * np.maximum(1.0, np.abs(ez)) * G
    point = ~(span > tiny)                 # noiseless so far: (nearly) a point mass
    lo = np.where(point, ez - 0.5 * tiny, lo)
    span = np.where(point, tiny, span)
    return np.ascontiguousarray(lo), np.ascontiguousarray(span / G)


def _cell_atoms(mom, lo, h):
    """Two atoms per cell: the two-point Gauss quadrature of each cell's measure.

    ``mom`` (T, G, 4) holds M_k = ∫_cell (z − c)^k dP, k = 0..3, about the cell
    centres c.  With the cell's mean μ, central second moment v and third κ3,
    the nodes are c + μ + y, y the roots of y² − (κ3/v)·y − v (the degree-2
    orthogonal polynomial), and the weights, positive, follow from M_0 and
    M_1; the two atoms reproduce M_0..M_3 exactly, so Σ w g(z) errs by
    O(h⁴·g⁗) per unit mass.

    Returns (positions, masses), each (T, 2G), masses summing to 1 per row.
    """
    T, G, _ = mom.shape
    m0 = mom[..., 0]
    kept = m0.sum(axis=1)
    hh = h[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        safe = np.where(m0 > 0.0, m0, 1.0)
        mu1 = mom[..., 1] / safe
        mu2 = mom[..., 2] / safe
        mu3 = mom[..., 3] / safe
        v = np.maximum(mu2 - mu1 * mu1, 0.0)
        k3 = mu3 - 3.0 * mu1 * mu2 + 2.0 * mu1 ** 3
        spread = v > (1e-7 * hh) ** 2
        a = np.where(spread, k3 / np.where(spread, v, 1.0), 0.0)
        root = np.sqrt(a * a + 4.0 * v)
        y1 = 0.5 * (a - root)
        y2 = 0.5 * (a + root)
        w1 = np.where(spread, m0 * y2 / np.where(spread, y2 - y1, 1.0), 0.5 * m0)
        w2 = m0 - w1
        centres = lo[:, None] + (np.arange(G) + 0.5)[None, :] * hh
        z = np.empty((T, 2 * G))
        p = np.empty((T, 2 * G))
        z[:, 0::2] = centres + mu1 + y1
        z[:, 1::2] = centres + mu1 + y2
        p[:, 0::2] = w1
        p[:, 1::2] = w2
        p /= kept[:, None]
    return z, p


def _evolve(net, rows, biases, noises, x0, G, width, keep, ez, vz, ex, vx, lost):
    """Carry the state distribution of a block of inputs through all layers.

    Fills ``ez, vz, ex, vx, lost`` (L, B) in place: E x̃_n, Var x̃_n, E x_n,
    Var x_n and the mass lost at layer n; returns the atoms of every layer
    when ``keep`` (else None entries).
    """
    from ..kernels.density import GH_RMAX, GH_SIZES, density_kernel, gh_tables

    gh_x, gh_w = gh_tables()
    B = x0.shape[0]
    L = net.n_layers
    atoms = [None] * L
    p = x = None
    for n in range(1, L):
        w, b, nz = rows[n], biases[n], noises[n - 1]
        W1, W2 = float(w.sum()), float(w @ w)
        s_u, a_u, s_c, a_c = nz.amplitudes
        a2 = a_u * a_u * W2 + a_c * a_c * W1 * W1
        if n == 1:                       # one deterministic source per input
            p = np.ones((B, 1))
            s1 = (x0 @ w)[:, None]
            s2 = ((x0 * x0) @ (w * w))[:, None]
        else:                            # the atoms of the shared previous state
            s1 = W1 * x
            s2 = W2 * x * x
        s1 = np.ascontiguousarray(s1)
        s2 = np.ascontiguousarray(s2)
        # exact mean and variance of x̃_n given the previous layer's atoms (Eq. 19)
        m_bar = b + s1
        v_bar = (1.0 + s_c * s_c) * s_u * s_u * s2 + s_c * s_c * s1 * s1 + a2
        ez[n] = np.sum(p * m_bar, axis=1)
        vz[n] = np.sum(p * (v_bar + (m_bar - ez[n][:, None]) ** 2), axis=1)
        act = net.activations[n]
        if n == L - 1 and act.is_linear and not keep:
            # a linear last layer needs no grid: its moments are the mixture's
            ex[n] = act.param * ez[n]
            vx[n] = act.param ** 2 * vz[n]
            continue
        lo, h = _grid_range(p, m_bar, np.sqrt(v_bar), ez[n], width, G)
        mom = np.empty((B, G, 4))
        lost_n = np.empty(B)
        density_kernel(np.ascontiguousarray(p), s1, s2, b, a2, s_u, s_c, lo, h,
                        gh_x, gh_w, GH_SIZES, GH_RMAX, _TAIL, _SMOOTH, mom, lost_n)
        lost[n] = lost_n
        z, p = _cell_atoms(mom, lo, h)
        if keep:
            atoms[n] = (z, p)
        x = np.asarray(act(z), dtype=np.float64).reshape(z.shape)
        ex[n] = np.sum(p * x, axis=1)
        vx[n] = np.sum(p * (x - ex[n][:, None]) ** 2, axis=1)
    return atoms


def density(net: Network, inputs, noise=None, grid: int | None = None, *,
            width: float = DEFAULT_WIDTH, cells: int | None = None,
            keep_density: bool = False, threads: int | None = None) -> Prediction:
    """Predict every layer's output mean and variance by exact density evolution.

    Only for symmetric networks: in every layer all rows of the weight matrix
    must be equal (the paper's W^n_ij = 1/I_{n−1}, constant entries, is the
    common case) and the bias constant, so that all neurons of a layer share
    one internal state.  Any widths and depth, any activations (built-in or
    user-defined) and per-layer noise intensities are allowed.

    Parameters
    ----------
    net : Network
    inputs : array_like, (T, I_1)
    noise : Noise, list of Noise, or None
        Intensities of Eq. 3, global or one per layer (None: noiseless).
    grid : int, optional
        Cells of the state grid per layer and input (default
        :data:`DEFAULT_GRID`; ``cells`` is an alias).  Each cell carries two
        atoms; the error falls like grid⁻⁴.
    width : float
        Reach of each Gaussian component, in its standard deviations, when
        the grid range is chosen (default 10); what falls outside is
        reported in ``info["lost_mass"]``.
    keep_density : bool
        Also return the distribution of every x̃_n as weighted atoms,
        ``info["density"][n] = (z, p)``, each (T, 2·grid), p summing to 1
        per input (None for the input layer).
    threads : int, optional
        Numba threads (default: all).

    Returns
    -------
    Prediction
        ``mean[n]``, ``var[n]``: E(y_n), Var(y_n), (T, I_n), the same for all
        neurons of a layer from the second layer on (input layer: per
        neuron, in closed form); ``xt_mean``/``xt_var``: E(x̃_n), Var(x̃_n)
        (input layer: u and 0); ``info``: ``grid``, ``width``, ``lost_mass``
        ((T, L): probability that fell outside the grid at each layer's
        transition), ``max_lost_mass`` and, with ``keep_density``, ``density``.

    Raises
    ------
    ValueError
        If the network is not symmetric (the message names the layer; use
        ``method="moments"`` for such networks).

    Examples
    --------
    >>> import numpy as np, fastnoise as fn
    >>> from fastnoise.analytic.density import density
    >>> net = fn.symmetric([1, 200, 200, 1], alpha=4.0)
    >>> pred = density(net, np.linspace(0, 1, 5), fn.Noise(additive=1e-4))
    >>> pred.var[3].shape
    (5, 1)
    """
    from ..simulate import validate_inputs

    if not isinstance(net, Network):
        raise TypeError(f"net must be a fastnoise Network (see fn.symmetric), got {type(net).__name__}")
    G = _check_grid(grid, cells)
    try:
        width = float(width)
    except (TypeError, ValueError):
        raise TypeError(f"width must be a number of standard deviations, got {width!r}") from None
    if not (math.isfinite(width) and width >= 3.0):
        raise ValueError(f"width must be a finite number of standard deviations ≥ 3, got {width!r}")
    net.check_dense("the density prediction")
    net.check_noise_placement("the density prediction")
    net.check_elementwise("the density prediction")
    u = validate_inputs(net, inputs)
    noises = per_layer(noise, net)
    rows, biases = _shared_rows(net)
    T = u.shape[0]
    L = net.n_layers
    widths = net.widths
    x0 = np.asarray(net.activations[0](u), dtype=np.float64).reshape(T, widths[0])
    # per layer and input: E x̃, Var x̃, E x, Var x, lost mass (row 0, the input layer, unused)
    ez, vz, ex, vx, lost = (np.zeros((L, T)) for _ in range(5))
    dens = [None] * L
    with _numba_threads(threads):
        for start in range(0, T, _BLOCK):
            stop = min(start + _BLOCK, T)
            atoms = _evolve(net, rows, biases, noises, x0[start:stop], G, width, keep_density,
                            ez[:, start:stop], vz[:, start:stop], ex[:, start:stop],
                            vx[:, start:stop], lost[:, start:stop])
            if keep_density:
                for n in range(1, L):
                    if start == 0:
                        dens[n] = tuple(np.empty((T, 2 * G)) for _ in range(2))
                    dens[n][0][start:stop], dens[n][1][start:stop] = atoms[n]

    # input layer (paper layer 1): x̃ = u, x = f(u) deterministic, y per neuron in closed form
    means = [x0]
    variances = [output_variance(noises[0], x0, 0.0) * np.ones_like(x0)]
    xt_means, xt_vars = [u.copy()], [np.zeros_like(u)]
    for n in range(1, L):                # neurons of a layer share the state
        xt_means.append(np.repeat(ez[n][:, None], widths[n], axis=1))
        xt_vars.append(np.repeat(vz[n][:, None], widths[n], axis=1))
        means.append(np.repeat(ex[n][:, None], widths[n], axis=1))
        variances.append(np.repeat(output_variance(noises[n], ex[n], vx[n])[:, None], widths[n], axis=1))
    lost = np.ascontiguousarray(lost.T)
    max_lost = float(np.max(lost)) if lost.size else 0.0
    if max_lost > _LOST_WARN:
        warnings.warn(f"density: up to {max_lost:.2g} of the probability fell outside the grid; "
                      f"increase width (now {width:g} standard deviations)", RuntimeWarning,
                      stacklevel=2)
    info = {"grid": G, "width": width, "lost_mass": lost, "max_lost_mass": max_lost}
    if keep_density:
        info["density"] = dens
    return Prediction(mean=means, var=variances, method="density", xt_mean=xt_means,
                      xt_var=xt_vars, info=info)
