"""The lock file of a path and its holder's record (a leaf: read by the error
messages of :mod:`fastnoise.io.errors`, written by :mod:`fastnoise.io.lock`)."""

from __future__ import annotations

import json
import os

__all__ = ["lock_path", "holder", "parse_holder"]


def lock_path(path) -> str:
    """The lock file of ``path``: ``PATH.lock`` beside it."""
    return os.fspath(path) + ".lock"


def holder(path) -> dict | None:
    """Who holds (or last held) the lock of ``path``: ``{"pid", "host", "command", "since"}`` or None."""
    try:
        with open(lock_path(path), "rb") as f:
            return parse_holder(f.read(4096))
    except OSError:
        return None


def parse_holder(raw: bytes) -> dict | None:
    """The holder's record from the bytes of a lock file, or None (empty or not a record)."""
    try:
        info = json.loads(raw.decode("utf-8", "replace")) if raw else None
    except ValueError:
        return None
    return info if isinstance(info, dict) else None
