"""Networks: an input shape plus an ordered tuple of layer operations.

:class:`Network` (``network.py``) chains operations and gives the per-layer
layout (``widths``, ``weights``, ``biases``, ``activations``, ``packed``) the
kernels and the analytic code read; each operation is one module (``dense.py``:
:class:`Dense`; ``conv.py``: :class:`Conv2D`; ``pool.py``: :class:`MaxPool2D`,
:class:`AvgPool2D`; ``flatten.py``: :class:`Flatten`; ``geometry.py`` holds
their window arithmetic) implementing the interface of ``base.py``
(:class:`Operation`); ``checks.py`` holds the checks they share.  The HDF5
form lives in :mod:`fastnoise.io.network_file`.  See ``docs/architecture.md``.
"""

from .base import OPERATIONS, Operation, register, shape_size
from .checks import NOISE_PLACES, check_finite, check_noise_place, check_real, noise_places
from .conv import Conv2D
from .dense import Dense
from .flatten import Flatten
from .pool import AvgPool2D, MaxPool2D
from .network import EQUAL_RTOL, Network, random_dense, symmetric, use_file_format

__all__ = ["AvgPool2D", "Conv2D", "Dense", "Flatten", "MaxPool2D", "EQUAL_RTOL", "NOISE_PLACES", "Network", "OPERATIONS", "Operation", "check_finite",
           "check_noise_place", "check_real", "noise_places", "random_dense", "register", "shape_size",
           "symmetric", "use_file_format"]
