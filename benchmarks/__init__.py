"""fastnoise benchmark suite (airspeed velocity) and the ``compare.py`` script.

asv imports this directory as the package ``benchmarks``.  When fastnoise is
not installed in the interpreter that runs the benchmarks (``asv run
--python=same`` from a source checkout), the checkout this suite lives in is
put on ``sys.path`` so that the working tree is what gets measured.
"""

import importlib.util
import os
import sys

if importlib.util.find_spec("fastnoise") is None:  # pragma: no cover - environment dependent
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
