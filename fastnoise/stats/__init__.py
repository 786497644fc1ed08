"""Statistics of simulation results: SNR, layer summaries, SNR-vs-mean curves.

Every function accepts a :class:`fastnoise.Result` or a store
:class:`fastnoise.Run` (read lazily, layer by layer).
"""

from .accuracy import accuracy
from .snr import layer_summary, snr, snr_curve, summary_table
from .sweep import sweep_dataset, sweep_table

__all__ = ["accuracy", "snr", "layer_summary", "snr_curve", "summary_table", "sweep_table",
           "sweep_dataset"]
