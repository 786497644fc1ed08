"""The lock file of a path and its holder's record (a leaf: read by the error
messages of :mod:`fastnoise.io.errors`, written by :mod:`fastnoise.io.lock`)."""

from __future__ import annotations

import json
import os

__all__ = ["lock_path", "holder"]


def lock_path(path) -> str:
    """The lock file of ``path``: ``PATH.lock`` beside it."""
    return os.fspath(path) + ".lock"


def holder(path) -> dict | None:
    """Who holds (or last held) the lock of ``path``: ``{"pid", "host", "command", "since"}`` or None."""
    try:
        with open(lock_path(path), "rb") as f:
            info = json.loads(f.read(4096).decode("utf-8", "replace") or "null")
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None
