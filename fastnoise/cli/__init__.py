"""The ``fastnoise`` command line.

One module per command, each with ``add_parser(subparsers)`` and ``run(args)``:
:mod:`~fastnoise.cli.simulate`, :mod:`~fastnoise.cli.info`,
:mod:`~fastnoise.cli.predict`, :mod:`~fastnoise.cli.compare`,
:mod:`~fastnoise.cli.sweep`, :mod:`~fastnoise.cli.data`,
:mod:`~fastnoise.cli.train`, :mod:`~fastnoise.cli.plot` and
:mod:`~fastnoise.cli.paper`; the helpers they share (one-line errors, argument
types, ``Interrupted``) in :mod:`fastnoise.cli.common`; the parser, :func:`main`
and the CLI-wide exception guard in the module ``fastnoise.cli.main``.

``fastnoise.cli.main`` as an attribute is the function :func:`main` (the entry
point ``fastnoise = "fastnoise.cli:main"``), not the module of that name: reach
the module with ``from fastnoise.cli.main import build_parser`` or
``importlib.import_module("fastnoise.cli.main")``.
"""

from .main import main

__all__ = ["main"]
