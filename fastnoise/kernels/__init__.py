"""Numba kernels: dumb, fast, never raising, never touching files.

Public code calls them through the validating wrappers in
:mod:`fastnoise.simulate` (``simulate``, ``forward``).
"""
