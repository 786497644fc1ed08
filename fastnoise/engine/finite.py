"""The non-finite check of a simulation's results: :class:`NonFiniteWarning` and
:class:`FiniteCheck`, a writer of :func:`~fastnoise.engine.execution.execute`."""

from __future__ import annotations

import numpy as np

from .planning import Plan

__all__ = ["NonFiniteWarning", "FiniteCheck"]


class NonFiniteWarning(RuntimeWarning):
    """A simulation gave NaN or infinite means or variances (from finite inputs,
    weights and intensities: the arithmetic overflowed).  ``fastnoise simulate``
    fails on it unless ``--allow-nonfinite``."""


class FiniteCheck:
    """A writer of :func:`~fastnoise.engine.execution.execute` that counts non-finite means and variances per layer."""

    def __init__(self, pl: Plan):
        self.pl = pl
        self.off = np.asarray(pl.net.offsets, dtype=np.intp)
        self.bad = np.zeros((2, len(self.off)), dtype=np.int64)  # (mean, var) x layer
        self.n = 0

    def write(self, start, stop, arrays):
        self.n += stop - start
        for j, key in enumerate(("mean", "var")):
            bad = ~np.isfinite(arrays[key])
            if bad.any():
                self.bad[j] += np.add.reduceat(bad.sum(axis=0), self.off)

    def add_stored(self, run, rows) -> None:
        """Count the rows ``rows`` of a store's run too."""
        self.n += int(rows.sum())
        for n in range(len(self.off)):
            for j, values in enumerate((run.mean(n), run.var(n))):
                self.bad[j, n] += int((~np.isfinite(values[rows])).sum())

    def warn(self, run=None) -> None:
        if not self.bad.any():
            return
        import warnings

        total = self.n * int(self.pl.net.packed["total"])
        layer = int(np.flatnonzero(self.bad.sum(axis=0))[0])
        counts = {"mean": self.bad[0].tolist(), "var": self.bad[1].tolist()}
        if run is not None:  # the store says so too
            import json

            run.group.attrs["nonfinite"] = json.dumps(counts)
        warnings.warn(f"{int(self.bad[0].sum())} of {total} means and {int(self.bad[1].sum())} of "
                      f"{total} variances are not finite (layer {layer} first): noise intensities, "
                      f"inputs or weights too large for {self.pl.precision} arithmetic?",
                      NonFiniteWarning, stacklevel=3)
