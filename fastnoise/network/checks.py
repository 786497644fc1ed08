"""Checks shared by the network's operations: real, finite arrays and noise placements."""

from __future__ import annotations

import numpy as np

__all__ = ["NOISE_PLACES", "frozen", "check_real", "check_finite", "check_noise_place", "noise_places"]

#: Where an operation applies the noise of Eq. 3: on its output y (the paper's
#: model) or on its internal state x̃ before the activation (x = f(noisy x̃)).
NOISE_PLACES = ("output", "input")


def check_real(name: str, value) -> None:
    """Refuse complex values (casting them to float64 would drop the imaginary part)."""
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if kind is None and isinstance(value, (list, tuple)):
        kind = np.asarray(value).dtype.kind if _has_complex(value) else None
    if kind == "c" or isinstance(value, (complex, np.complexfloating)):
        dtype = getattr(value, "dtype", None)
        dtype = np.asarray(value).dtype if dtype is None else dtype
        raise TypeError(f"{name} must be real, got {dtype}")


def _has_complex(seq) -> bool:
    for v in seq:
        if isinstance(v, (complex, np.complexfloating)):
            return True
        if getattr(getattr(v, "dtype", None), "kind", None) == "c":
            return True
        if isinstance(v, (list, tuple)) and _has_complex(v):
            return True
    return False


def check_finite(name: str, a: np.ndarray) -> None:
    """Refuse an array with a NaN or infinity, naming the first one."""
    if not np.all(np.isfinite(a)):
        bad = np.argwhere(~np.isfinite(a))[0]
        raise ValueError(f"{name} contains {a[tuple(bad)]} at index {tuple(int(i) for i in bad)}; "
                         "all weights and biases must be finite")


def check_noise_place(name: str, value) -> str:
    """Return ``value`` if it is one of :data:`NOISE_PLACES`, else raise ValueError."""
    if not isinstance(value, str) or value not in NOISE_PLACES:
        raise ValueError(f"{name} must be one of {', '.join(repr(p) for p in NOISE_PLACES)}, "
                         f"got {value!r}")
    return value


def noise_places(noise_at, n_layers: int) -> tuple[str, ...]:
    """``noise_at`` as one place per layer, input layer first.

    ``noise_at`` is ``"output"``, ``"input"`` (every layer) or a sequence of
    ``n_layers`` of them.
    """
    if isinstance(noise_at, str):
        return (check_noise_place("noise_at", noise_at),) * n_layers
    if isinstance(noise_at, (list, tuple, np.ndarray)) and not isinstance(noise_at, (bytes, bytearray)):
        places = list(noise_at)
        if len(places) != n_layers:
            raise ValueError(f"noise_at must be 'output', 'input' or a list of one per layer "
                             f"({n_layers}, input layer first), got {len(places)} entries")
        return tuple(check_noise_place(f"noise_at[{n}]", p) for n, p in enumerate(places))
    raise ValueError(f"noise_at must be 'output', 'input' or a list of one per layer "
                     f"({n_layers}, input layer first), got {noise_at!r}")


def frozen(a) -> np.ndarray:
    """``a`` as a read-only float64 array, copied unless it already is one."""
    if isinstance(a, np.ndarray) and a.dtype == np.float64 and not a.flags.writeable:
        return a
    out = np.array(a, dtype=np.float64, copy=True)
    out.setflags(write=False)
    return out
