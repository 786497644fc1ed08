"""What a run's config records about how its numbers were made, and how configs compare.

The versions of the random streams and of the kernels' arithmetic, the seed
range, the SHA-256 digest of arrays (inputs, labels) and a short description of
how two configs differ.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MAX_SEED", "RNG_VERSION", "RNG_VERSION_F32", "NUMERICS_VERSION", "NUMERICS_SHARED_PREFIX",
           "NUMERICS_PROJECTED_INPUT",
           "numerics_version", "digest", "config_diff"]

MAX_SEED = 2 ** 64

#: Identifies the random stream (Philox4x32-10 counters, float64 Box–Muller);
#: stored with every run so that a change of generator can never be mixed
#: into a resumed run silently.
RNG_VERSION = "philox4x32-10/box-muller-f64/one-normal-per-neuron/v2"
#: The stream of ``precision="float32"`` runs: four float32 normals per
#: Philox counter (kernels/rng32).
RNG_VERSION_F32 = "philox4x32-10/box-muller-f32-quad/one-normal-per-neuron/v1"
#: Version of the kernels' floating-point arithmetic; bumped whenever a change
#: alters result bits (stored in every run's config, so that a resume never
#: mixes blocks computed by different arithmetic).  v2: no FMA contraction;
#: v3: uncorrelated noise drawn as one normal per neuron (see kernels/propagate).
NUMERICS_VERSION = 3
#: v4: the noiseless prefix of a network (the layers before the first noisy one,
#: and that one's x̃) is computed once per input instead of K times.  It changes
#: the bits of a layer fed by a noiseless one through more than one weight (a
#: one-row GEMM sums in another order than a K-row one), so only such runs record
#: it (:func:`numerics_version`); every other run keeps v3 and its config.
NUMERICS_SHARED_PREFIX = 4
#: v5: the input layer's purely additive noise is drawn in layer 1's space
#: (``kernels/projection.py``): different normals, layer 0's moments exact.  Only
#: runs that use it record it (:func:`numerics_version`, ``projected=True``).
NUMERICS_PROJECTED_INPUT = 5


def numerics_version(widths, noisy, projected: bool = False) -> int:
    """The numerics version of a run: :data:`NUMERICS_PROJECTED_INPUT` when its input
    noise is projected; else :data:`NUMERICS_SHARED_PREFIX` when a layer n ≥ 1
    with more than one input is computed from a noiseless input (its x̃ shared by the
    K repetitions), else :data:`NUMERICS_VERSION`.

    ``widths``: neurons per layer; ``noisy``: whether each layer has noise.
    """
    if projected:
        return NUMERICS_PROJECTED_INPUT
    for n in range(1, len(widths)):
        if noisy[n - 1]:  # layer n's input differs between repetitions: not shared
            break
        if widths[n - 1] > 1:
            return NUMERICS_SHARED_PREFIX
    return NUMERICS_VERSION


def config_diff(stored: dict, new: dict, limit: int = 3) -> str:
    """'key: stored -> new' for the first ``limit`` differing config entries."""
    import json

    new = json.loads(json.dumps(new))  # same types as the stored JSON

    def walk(a, b, prefix):
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b)):
                yield from walk(a.get(k), b.get(k), f"{prefix}.{k}" if prefix else k)
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b)):
                yield from walk(x, y, f"{prefix}[{i}]")
        elif a != b:
            def short(v):
                t = json.dumps(v)
                return t if len(t) <= 24 else t[:21] + "..."
            yield f"{prefix}: stored {short(a)}, now {short(b)}"

    diffs = list(walk(stored, new, ""))
    if not diffs:
        return "format differs"
    more = f", and {len(diffs) - limit} more" if len(diffs) > limit else ""
    return "; ".join(diffs[:limit]) + more


def digest(*arrays) -> str:
    """SHA-256 (hex) of the shapes and bytes of ``arrays`` (C order), as run configs record them."""
    import hashlib

    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(str(a.shape).encode())
        h.update(a.reshape(-1).view(np.uint8))  # the bytes in C order, without a copy
    return h.hexdigest()
