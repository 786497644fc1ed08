"""The ``fastnoise`` command line.

One module per command, each with ``add_parser(subparsers)`` and ``run(args)``:
:mod:`~fastnoise.cli.simulate`, :mod:`~fastnoise.cli.info`,
:mod:`~fastnoise.cli.predict`, :mod:`~fastnoise.cli.compare`,
:mod:`~fastnoise.cli.sweep`, :mod:`~fastnoise.cli.data`,
:mod:`~fastnoise.cli.train`, :mod:`~fastnoise.cli.plot` and
:mod:`~fastnoise.cli.paper`; the helpers they share (one-line errors, argument
types, ``Interrupted``) in :mod:`fastnoise.cli.common`; the parser, :func:`main`
and the CLI-wide exception guard in :mod:`fastnoise.cli.app` (the entry point
``fastnoise = "fastnoise.cli:main"`` is its :func:`~fastnoise.cli.app.main`).
"""

from .app import main

__all__ = ["main"]
