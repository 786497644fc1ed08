"""Numba kernels: dumb, fast, never raising, never touching files.

Public code calls them through validating wrappers in :mod:`fastnoise.simulate`
and :mod:`fastnoise.rng`.
"""
