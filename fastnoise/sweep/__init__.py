"""Parameter sweeps on Dask distributed, streamed into one resumable store.

>>> sweep = fn.sweep.load_sweep("examples/sweep_small.toml")   # doctest: +SKIP
>>> fn.sweep.run_sweep(sweep, "sweep.h5", progress=True)       # doctest: +SKIP
>>> fn.stats.sweep_table("sweep.h5")                           # doctest: +SKIP
"""

from .runner import SweepError, SweepSummary, default_layout, run_sweep
from .spec import Axis, Sweep, load_sweep, loads_sweep, parse_sweep

__all__ = ["Axis", "Sweep", "SweepError", "SweepSummary", "default_layout", "load_sweep",
           "loads_sweep", "parse_sweep", "run_sweep"]
