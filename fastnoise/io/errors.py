"""Opening HDF5 files with one-line, actionable errors."""

from __future__ import annotations

import os


class StoreError(ValueError):
    """A store file is missing, unreadable, foreign or inconsistent."""


def open_h5_readonly(path):
    """Open ``path`` read-only, turning h5py's errors into one-line messages."""
    import h5py

    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        raise StoreError(f"{path} is not a readable HDF5 file ({_first_line(exc)}); "
                         "check the path or re-create it") from None


def _first_line(exc) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
