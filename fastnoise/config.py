"""Numba compilation options shared by every kernel.

All ``@njit`` decorators in :mod:`fastnoise.kernels` take their options from
here, so that precision, caching and threading policy are set in one place.

fastmath is restricted to flags that keep IEEE semantics for NaN and inf
(no ``nnan``/``ninf``) and that do not reassociate sums (no ``reassoc``), so
that the order of every floating-point reduction is the one written in the
source: results then depend on the inputs alone, never on the thread count.
"""

from __future__ import annotations

import os

#: fastmath flags: allow reciprocal and sign-of-zero relaxations and
#: approximate functions; keep NaN/inf checks and ordering.  FMA contraction
#: ("contract") is left out on purpose: LLVM fuses multiply-adds differently
#: in a freshly compiled kernel and in the same kernel loaded from numba's
#: on-disk cache, which broke bitwise reproducibility across processes.
FASTMATH = {"nsz", "arcp", "afn"}

#: Cache compiled kernels on disk (``__pycache__``) unless disabled with
#: ``FASTNOISE_NO_CACHE=1`` (useful when profiling or debugging).
CACHE = os.environ.get("FASTNOISE_NO_CACHE", "0") not in ("1", "true", "yes")

#: Options for serial kernels and device functions (inlined helpers).
JIT = dict(nogil=True, fastmath=FASTMATH, cache=CACHE, error_model="numpy")

#: Options for kernels with a ``prange`` over independent inputs.
JIT_PARALLEL = dict(JIT, parallel=True)

#: Default number of inputs handed to one kernel call (one block).  Results do
#: not depend on it; it only sets how often progress is reported and how much
#: is held in memory before a store write.
DEFAULT_BLOCK = 64

#: Most states (repetitions × widest layer) one thread holds per buffer.  When
#: K × max I_n exceeds it, the K repetitions of an input are made in chunks of
#: ``REPEAT_BUDGET // max I_n`` (see ``kernels/propagate.py``), so that memory
#: stays flat in K for wide (convolutional) layers.  The chunk is a function of
#: the network and K alone: results never depend on threads or blocks.
REPEAT_BUDGET = 2 ** 20
