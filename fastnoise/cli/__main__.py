"""``python -m fastnoise.cli``: the ``fastnoise`` command line (as ``python -m fastnoise``)."""

import sys

from .app import main

sys.exit(main())
