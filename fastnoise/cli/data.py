"""``fastnoise data``: find and download MNIST and Fashion-MNIST.

Examples
--------
::

    fastnoise data list                        # where each dataset is found
    fastnoise data list --verify               # ... and check it against the official SHA-256
    fastnoise data fetch mnist                 # into ~/.cache/fastnoise/mnist/
    fastnoise data fetch fashion-mnist --dir ~/data    # into ~/data/fashion-mnist/

Wire it into a parser with :func:`add_parser`; the sub-command runs through
``args.func(args)`` (that is, :func:`run`).  Errors are raised as
``ValueError``/``FileNotFoundError``/``FileExistsError``/``OSError`` with a
one-line message for the caller to print.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..io import datasets

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``data`` command (``fetch``, ``list``) to ``subparsers``.

    Parameters
    ----------
    subparsers
        The object returned by ``ArgumentParser.add_subparsers()``.

    Returns
    -------
    argparse.ArgumentParser
        The ``data`` parser; its ``func`` default is :func:`run`.
    """
    names = ", ".join(datasets.NAMES)
    d = subparsers.add_parser(
        "data", help="find and download the MNIST and Fashion-MNIST datasets",
        description="Find the MNIST and Fashion-MNIST IDX files on this machine, or download "
                    "them. fastnoise looks in $FASTNOISE_DATA/NAME/, its own cache "
                    f"({datasets.cache_dir()}/NAME/), Keras' and torchvision's caches and "
                    "Debian's dataset-fashion-mnist package.",
        epilog="Run 'fastnoise data ACTION --help' for the options of an action.")
    d.set_defaults(func=run)
    sub = d.add_subparsers(dest="data_command", metavar="ACTION", title="actions")

    f = sub.add_parser(
        "fetch", help="download the four official files of a dataset",
        description="Download the four official gzip files of a dataset (train/test images and "
                    "labels), verify their SHA-256 and keep them. Files already there with the "
                    "right checksum are not downloaded again; a file with other contents is "
                    "never replaced without --overwrite.",
        epilog=f"Default folder: {datasets.cache_dir()}/NAME/, where fastnoise looks without "
               "further setup. Sources: " + "; ".join(f"{k}: {v}" for k, v in
                                                      datasets.URLS.items()))
    f.add_argument("name", metavar="NAME", choices=datasets.NAMES, help=f"one of {names}")
    f.add_argument("--dir", "-d", metavar="D",
                   help="download into D/NAME/ (then set FASTNOISE_DATA=D so that fastnoise "
                        "finds them); default: fastnoise's cache")
    f.add_argument("--base-url", metavar="URL",
                   help="download URL + file name instead of the official address (a mirror; "
                        "file:// works too)")
    f.add_argument("--overwrite", action="store_true",
                   help="replace files that exist with other contents")
    f.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")

    ls = sub.add_parser(
        "list", help="show where each dataset is found, or that it is not",
        description="For each dataset and split, show the files fastnoise would load and where "
                    "they were found (the first hit of the search order), or that they are "
                    "missing.")
    ls.add_argument("name", metavar="NAME", nargs="?", choices=datasets.NAMES,
                    help=f"only this dataset ({names}; default both)")
    ls.add_argument("--verify", action="store_true",
                    help="also load each split and compare its content with the official "
                         "SHA-256 (a few seconds); exit status 1 on a mismatch")
    ls.add_argument("--all", "-a", action="store_true",
                    help="list every place searched, in order, with what is there")
    return d


def run(args) -> int:
    """Run ``fastnoise data ...`` from parsed arguments; return the exit status."""
    action = getattr(args, "data_command", None)
    if action == "fetch":
        return _fetch(args)
    if action == "list":
        return _list(args)
    raise ValueError("choose an action: fetch or list (see 'fastnoise data --help')")


def _fetch(args) -> int:
    paths = datasets.fetch(args.name, dir=args.dir, base_url=args.base_url,
                           progress=not args.quiet, overwrite=args.overwrite)
    folder = paths[0].parent
    print(f"{args.name}: {len(paths)} files in {folder} (SHA-256 verified)")
    if args.dir is not None:
        parent = Path(args.dir).expanduser().resolve()
        env = os.environ.get("FASTNOISE_DATA")
        if not env or Path(env).expanduser().resolve() != parent:
            print(f"to use them, set FASTNOISE_DATA={parent} or pass path='{folder}' to "
                  "fastnoise.io.datasets.load")
    return 0


def _list(args) -> int:
    names = [args.name] if args.name else list(datasets.NAMES)
    status = 0
    for name in names:
        used = {}
        for split in datasets.SPLITS:
            try:
                found = datasets.locate(name, split)
            except FileNotFoundError:
                print(f"{name:<14} {split:<5}  not found; run 'fastnoise data fetch {name}'")
                continue
            used[split] = found.location
            files = (found.images.name if found.images == found.labels
                     else f"{found.images.name}, {found.labels.name}")
            line = f"{name:<14} {split:<5}  {found.images.parent}/ {files} ({found.location.label})"
            if args.verify:
                try:
                    datasets.verify(name, split)
                    line += ", verified"
                except ValueError as exc:
                    line += f", VERIFY FAILED: {' '.join(str(exc).split())}"
                    status = 1
            print(line)
        if args.all:
            print(f"  searched for {name}, in order:")
            for loc in datasets.search_path(name):
                states = "; ".join(f"{split}: {_describe(loc, split, used.get(split))}"
                                   for split in datasets.SPLITS)
                print(f"    {loc.label}: {loc.path} — {states}")
    return status


def _describe(loc, split: str, used) -> str:
    if loc == used:
        return "used"
    found, why = datasets.probe(loc, split)
    return "found (an earlier place wins)" if found else why
