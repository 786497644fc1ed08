"""Noise intensities of Eq. 3, globally or per layer."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np

from .validation import choice_hint

__all__ = ["Noise", "per_layer"]

#: Largest intensity D whose amplitude √(2D) is finite in float64 (2D overflows above).
MAX_INTENSITY = float(np.nextafter(np.finfo(np.float64).max / 2, 0))

FIELDS = ("additive", "additive_correlated", "multiplicative", "multiplicative_correlated")


@dataclass(frozen=True)
class Noise:
    """Intensities D of the four noise kinds acting on each neuron output (Eq. 3).

    y = x·(1 + √(2D_M^U) ξ_i)(1 + √(2D_M^C) ξ_c) + √(2D_A^U) ξ'_i + √(2D_A^C) ξ'_c

    Parameters
    ----------
    additive : float
        D_A^U, uncorrelated additive (fresh for every neuron).
    additive_correlated : float
        D_A^C, additive, shared by all neurons of the layer.
    multiplicative : float
        D_M^U, uncorrelated multiplicative.
    multiplicative_correlated : float
        D_M^C, multiplicative, shared by all neurons of the layer.

    All ξ are standard normal and drawn afresh for every repetition k and
    input t.  ``Noise()`` is a noiseless layer.
    """

    additive: float = 0.0
    additive_correlated: float = 0.0
    multiplicative: float = 0.0
    multiplicative_correlated: float = 0.0

    def __post_init__(self):
        for name in FIELDS:
            value = getattr(self, name)
            if isinstance(value, (complex, np.complexfloating)):
                raise TypeError(f"{name.replace('_', ' ')} intensity must be real, got "
                                f"{np.asarray(value).dtype}")
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise TypeError(f"{name.replace('_', ' ')} intensity must be a number, got {value!r}") from None
            if not math.isfinite(value) or value < 0:
                raise ValueError(
                    f"{name.replace('_', ' ')} intensity must be a finite number ≥ 0, got {value!r}")
            if value > MAX_INTENSITY:
                raise ValueError(
                    f"{name.replace('_', ' ')} intensity must be ≤ {MAX_INTENSITY:.4g} (its noise "
                    f"amplitude √(2D) overflows float64 above), got {value!r}")
            object.__setattr__(self, name, value)

    @property
    def amplitudes(self) -> tuple[float, float, float, float]:
        """(√(2D_M^U), √(2D_A^U), √(2D_M^C), √(2D_A^C)), the kernel's order."""
        return (math.sqrt(2 * self.multiplicative), math.sqrt(2 * self.additive),
                math.sqrt(2 * self.multiplicative_correlated),
                math.sqrt(2 * self.additive_correlated))

    @property
    def variances(self) -> tuple[float, float, float, float]:
        """(2D_M^U, 2D_M^C, 2D_A^U, 2D_A^C): σ_u², σ_c², a_u², a_c² of the moment rules."""
        return (2.0 * self.multiplicative, 2.0 * self.multiplicative_correlated, 2.0 * self.additive,
                2.0 * self.additive_correlated)

    @property
    def sigma_add2(self) -> float:
        """σ_+² = 2D_A^C + 2D_A^U (Eq. 5)."""
        return 2 * self.additive_correlated + 2 * self.additive

    @property
    def sigma_mul2(self) -> float:
        """σ_×² = 2D_M^C + 2D_M^U + 4D_M^C D_M^U (Eq. 5)."""
        return (2 * self.multiplicative_correlated + 2 * self.multiplicative
                + 4 * self.multiplicative_correlated * self.multiplicative)

    @property
    def is_zero(self) -> bool:
        return not any(getattr(self, f) for f in FIELDS)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Noise":
        unknown = set(d) - set(FIELDS)
        if unknown:
            key = sorted(unknown, key=str)[0]
            raise ValueError(f"unknown noise key {key!r}{choice_hint(key, FIELDS, lead='valid keys:')}")
        return cls(**d)


def per_layer(noise, layers) -> list[Noise]:
    """Expand ``noise`` (a Noise, None, or a sequence of them) to one per layer.

    ``layers``: the number of layers, or the network (then one Noise given for
    all layers leaves its ``quiet_layers``, pooling and flatten operations,
    noiseless; a list of one per layer is taken as it is).
    """
    if isinstance(layers, (int, np.integer)):
        n_layers, quiet = int(layers), ()
    else:
        n_layers, quiet = layers.n_layers, tuple(getattr(layers, "quiet_layers", ()))
    if isinstance(noise, dict):
        noise = Noise.from_dict(noise)
    if noise is None:
        return [Noise()] * n_layers
    if isinstance(noise, Noise):
        return [Noise() if n in quiet else noise for n in range(n_layers)]
    if isinstance(noise, Sequence) and not isinstance(noise, str):
        if len(noise) != n_layers:
            raise ValueError(
                f"got {len(noise)} per-layer noise entries for a network of {n_layers} layers; "
                f"give one Noise (or None) per layer, input layer first")
        out = []
        for item in noise:
            if item is None:
                out.append(Noise())
            elif isinstance(item, Noise):
                out.append(item)
            elif isinstance(item, dict):
                out.append(Noise.from_dict(item))
            else:
                raise TypeError(f"per-layer noise entries must be Noise or None, got {item!r}")
        return out
    raise TypeError(f"noise must be a Noise, a list of Noise (one per layer) or None, got {noise!r}")
