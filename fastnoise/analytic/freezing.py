"""Does noise accumulate with depth?  Slope criterion, fixed point, Lamerey data.

The paper's headline (Sec. III A, Eq. 11, Fig. 4): in a symmetric network the
inherited variance S_n is multiplied by f'(x̃)² per layer, so noise stops
accumulating ("freezes") where the activation's slope stays below 1; with a
steeper slope it grows until the saturation of f bounds it at a fixed point
S* of the layer map, which a Lamerey (cobweb) diagram shows (Fig. 4c).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..activations import Activation, get
from ..noise import Noise
from .closures import transfer
from .jets import derivatives
from .terms import n_correlated, n_uncorrelated, prev_factor_correlated

__all__ = ["Freezing", "freezing", "layer_map", "Lamerey", "lamerey", "fixed_point"]


@dataclass(frozen=True)
class Freezing:
    """Result of :func:`freezing`.

    Attributes
    ----------
    max_slope : float
        max |f'(x̃)| over the operating range.
    gain : float
        max f'(x̃)², the largest layer-to-layer gain of inherited variance (Eq. 11).
    at : float
        Where the largest slope occurs.
    freezes : bool
        True when gain < 1: noise does not accumulate with depth.
    """

    max_slope: float
    gain: float
    at: float
    freezes: bool


def _act(activation) -> Activation:
    return activation if isinstance(activation, Activation) else get(activation)


def freezing(activation, lo: float = 0.0, hi: float = 1.0, points: int = 4001) -> Freezing:
    """Slope criterion of Sec. III A on the operating range [lo, hi] of x̃."""
    if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
        raise ValueError(f"operating range must be finite with hi > lo, got [{lo}, {hi}]")
    if points < 2:
        raise ValueError(f"points must be ≥ 2, got {points}")
    act = _act(activation)
    z = np.linspace(lo, hi, points)
    slope = np.abs(derivatives(act, z, 1)[..., 1])
    i = int(np.argmax(slope))
    gain = float(slope[i] ** 2)
    return Freezing(max_slope=float(slope[i]), gain=gain, at=float(z[i]), freezes=gain < 1.0)


def layer_map(activation, noise: Noise, width: int, s_prev, mean_xt: float = 0.5,
              closure: str = "gauss", order: int = 15, nodes: int = 64):
    """One step S_{n−1} → S_n of a symmetric network's hidden layers.

    S = Var(x̃) of a hidden layer of ``width`` neurons whose states share the
    mean ``mean_xt`` (W = 1/width, b = 0); Eq. 6 with μ(W) = 1/I,
    η(W) = 1/I² (Eqs. 20–21 without dropping the 1/I terms).  With the
    first-order closure this is Eq. 10, S_n = N^C + N^U + c f'(E)² S_{n−1}.

    Returns
    -------
    s_next, mean_next : ndarray
        Var(x̃_n) and E(x̃_n) (the mean moves when E f(x̃) ≠ f(E x̃)).
    """
    act = _act(activation)
    s_prev = np.asarray(s_prev, dtype=float)
    ex, fhat = transfer(act, np.full_like(s_prev, mean_xt), s_prev, closure=closure,
                        order=order, nodes=nodes)
    fan_in, mu_w, eta_w = width, 1.0 / width, 1.0 / width ** 2
    s_next = (n_correlated(fan_in, mu_w, noise, ex) + n_uncorrelated(fan_in, eta_w, noise, ex * ex)
              + prev_factor_correlated(fan_in, mu_w, eta_w, noise) * fhat)
    return s_next, np.asarray(ex)


@dataclass
class Lamerey:
    """Data of a Lamerey (cobweb) diagram of the layer map (Fig. 4c).

    Attributes
    ----------
    s : ndarray
        Grid of S_{n−1}.
    s_next : ndarray
        The map S_n(S_{n−1}) on that grid.
    trajectory : ndarray
        S_2, S_3, ... from the start value.
    fixed_point : float
        S* where the trajectory settles (inf if it diverges).
    """

    s: np.ndarray
    s_next: np.ndarray
    trajectory: np.ndarray
    fixed_point: float

    def cobweb(self) -> tuple[np.ndarray, np.ndarray]:
        """x, y of the staircase (S_{n−1}, S_n) → (S_n, S_n) → ... for plotting."""
        t = self.trajectory
        x = np.repeat(t, 2)[1:-1] if t.size > 1 else t
        y = np.repeat(t[1:], 2) if t.size > 1 else t
        return x, y


def lamerey(activation, noise: Noise, width: int, s_start: float, depth: int = 12,
            mean_xt: float = 0.5, closure: str = "gauss", order: int = 15, nodes: int = 64,
            s_max: float | None = None, points: int = 200) -> Lamerey:
    """Iterate the layer map from S_2 = ``s_start`` for ``depth`` layers.

    The operating point is held at ``mean_xt`` (the paper evaluates Fig. 4c at
    the inflection point x̃ = 0.5, where the largest variance occurs and the
    mean of a symmetric sigmoid does not move).
    """
    if depth < 1:
        raise ValueError(f"depth must be ≥ 1, got {depth}")
    if not s_start >= 0:
        raise ValueError(f"s_start must be a variance ≥ 0, got {s_start}")
    traj = [float(s_start)]
    for _ in range(depth):
        s_next, _ = layer_map(activation, noise, width, traj[-1], mean_xt, closure, order, nodes)
        traj.append(float(s_next))
        if not np.isfinite(traj[-1]):
            break
    traj = np.array(traj)
    resume_at = traj[-1] if np.isfinite(traj[-1]) else s_start  # no need to redo the trajectory
    fp = fixed_point(activation, noise, width, mean_xt, closure, order, nodes, start=resume_at)
    top = s_max if s_max is not None else 1.2 * max(np.nanmax(traj[np.isfinite(traj)]),
                                                    fp if np.isfinite(fp) else 0.0, 1e-12)
    s = np.linspace(0.0, top, points)
    s_next, _ = layer_map(activation, noise, width, s, mean_xt, closure, order, nodes)
    return Lamerey(s=s, s_next=np.asarray(s_next), trajectory=traj, fixed_point=fp)


def fixed_point(activation, noise: Noise, width: int, mean_xt: float = 0.5,
                closure: str = "gauss", order: int = 15, nodes: int = 64,
                start: float = 0.0, tol: float = 1e-12, max_layers: int = 20000) -> float:
    """S* = map(S*) reached by iterating the layer map (inf if it diverges).

    With the first-order closure the map is affine, S ↦ N + g S, so
    S* = N/(1 − g) when g < 1 and no fixed point exists otherwise (Eq. 11).
    """
    if closure == "first-order":  # affine map: closed form
        n0 = float(layer_map(activation, noise, width, 0.0, mean_xt, closure)[0])
        g = float(layer_map(activation, noise, width, 1.0, mean_xt, closure)[0]) - n0
        return n0 / (1.0 - g) if g < 1.0 else float("inf")
    s = float(start)
    for _ in range(max_layers):
        s_next = float(layer_map(activation, noise, width, s, mean_xt, closure, order, nodes)[0])
        if not np.isfinite(s_next) or s_next > 1e12:
            return float("inf")
        if abs(s_next - s) <= tol * max(abs(s_next), 1e-300):
            return s_next
        s = s_next
    return s
