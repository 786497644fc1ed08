"""The result type shared by every analytic method."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..result import Moments

__all__ = ["Prediction"]


@dataclass
class Prediction(Moments):
    """Predicted moments of every layer's noisy output y (Eq. 3).

    Attributes
    ----------
    mean, var : list of ndarray
        E(y_n) and Var(y_n), one (T, I_n) array per layer, input layer first —
        the shapes of :class:`fastnoise.Result`.  ``var`` is the variance over
        the noise (what a simulation's unbiased sample variance estimates).
    method : str
        Name of the method that made it (``"first-order"``, ``"density"``, ...).
    xt_mean, xt_var : list of ndarray or None
        E(x̃_n) and Var(x̃_n) of the internal states (Eq. 1), where the
        method computes them; same shapes.
    info : dict
        Method-specific extras (closure order, grid size, ...).
    """

    mean: list
    var: list
    method: str
    xt_mean: list | None = None
    xt_var: list | None = None
    info: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        shapes = ", ".join(str(m.shape[1]) for m in self.mean)
        T = self.mean[0].shape[0] if self.mean else 0
        return f"Prediction(method={self.method!r}, T={T}, widths=[{shapes}])"
