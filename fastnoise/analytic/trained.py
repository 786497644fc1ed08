"""Noise in trained networks (paper Sec. IV, Methods VII B): the names in one place.

* :mod:`fastnoise.analytic.eq14` — the Eq. 14 recursion of S_n ≈ Var(x̃_n) with
  the Eq. 15 integrals, the SNR-vs-mean curves of Figs. 5 and 6 and
  ``fn.predict(..., method="trained")``;
* :mod:`fastnoise.analytic.state_density` — the state densities p*_n(z)
  (uniform, normal, the quartic g of Eq. 29, empirical) fitted to a layer's
  states;
* :mod:`fastnoise.analytic.inverse` — f', f⁻¹ and the kinks of the activations.
"""

from .eq14 import INITIAL, Eq14, curve_variance, eq14, layer_integrals, snr_curve, trained
from .inverse import fprime, inverse, inverse_domain
from .state_density import KINDS, StateDensity, fit_state_density, state_densities

__all__ = ["KINDS", "INITIAL", "StateDensity", "Eq14", "fit_state_density", "state_densities",
           "layer_integrals", "eq14", "snr_curve", "curve_variance", "trained", "fprime", "inverse",
           "inverse_domain"]
