"""Shared fixtures of the kernel-correctness suite.

The NumPy twins live in ``tests/reference.py``; make them importable as
``reference`` whatever pytest's import mode or rootdir.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


@pytest.fixture
def np_rng():
    """A NumPy Generator with a fixed seed (tests must be deterministic)."""
    return np.random.default_rng(20240611)


@pytest.fixture(scope="session")
def sym_net():
    """The paper's symmetric network, small: 1-20-20-1, shifted sigmoid α = 4."""
    import fastnoise as fn

    return fn.symmetric([1, 20, 20, 1], alpha=4.0)


@pytest.fixture(scope="session")
def dense_net():
    """A random dense 5-50-40-3 network, Gaussian weights and biases, logistic."""
    import fastnoise as fn

    return fn.random_dense([5, 50, 40, 3], activation="logistic", seed=3, bias_scale=0.3)
