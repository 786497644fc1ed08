"""Pieces shared by the command modules (``cli``, ``sweepcli``, ...): argument
types and the exception a Ctrl-C'd command raises."""

from __future__ import annotations

import argparse

__all__ = ["Interrupted", "positive_int"]


class Interrupted(Exception):
    """A simulation stopped by Ctrl-C (exit status 1)."""


def positive_int(text: str) -> int:
    """argparse type: an integer ≥ 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value
