"""Opening HDF5 files with one-line, actionable errors."""

from __future__ import annotations

import os


class StoreError(ValueError):
    """A store file is missing, unreadable, foreign or inconsistent."""


class StoreBusyError(StoreError):
    """Another process is writing the file (see :mod:`fastnoise.io.lock`)."""


def open_h5_readonly(path):
    """Open ``path`` read-only, turning h5py's errors into one-line messages."""
    import h5py

    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        raise StoreError(open_failure(path, exc)) from None


def open_failure(path, exc: OSError) -> str:
    """One line saying why h5py could not open ``path``: permissions, a lock, or a damaged file."""
    text = str(exc)
    if isinstance(exc, PermissionError) or "Permission denied" in text or "errno = 13" in text:
        return f"{path}: permission denied; check the file's and its folder's permissions"
    if "unable to lock file" in text or "errno = 11" in text or "Resource temporarily unavailable" in text:
        from .lock import holder

        who = holder(path)
        by = f" by process {who.get('pid')}" if who else " by another process"
        return (f"{path} is open for writing{by} (HDF5 file lock); wait for it to finish, "
                "or read a copy of the file")
    return f"{path} is not a readable HDF5 file ({_first_line(exc)}); check the path or re-create it"


def _first_line(exc) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
