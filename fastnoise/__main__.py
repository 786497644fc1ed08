"""``python -m fastnoise``: the ``fastnoise`` command line (see :mod:`fastnoise.cli`)."""

import sys

from .cli import main

sys.exit(main())
