"""Argument checks shared by the whole package: integers, choices and keys.

DESIGN.md, conventions 8 and 13: every check states the allowed range or the
allowed choices, and every message is one line of one shape that names the bad
value and the fix::

    repeats must be an integer ≥ 2, got 1.5
    seed must be an integer in [0, 2**64), got -1
    order must be an integer in [1, 268] for the taylor closure (...), got 300
    unknown task 'mnis'; did you mean 'mnist'?
    unknown prediction method 'zzz'; choose one of first-order, taylor, ...
    unknown key 'repeat' in [top level]; did you mean 'repeats'?

This module is a leaf (standard library and NumPy only), so that any layer of
the package, the core types included, may import it without an import cycle.
"""

from __future__ import annotations

import difflib
from typing import Any, Callable, Iterable

import numpy as np

__all__ = ["check_int", "check_choice", "check_keys", "did_you_mean", "choice_hint", "show_bound"]

#: Similarity (difflib ratio) a choice needs to be suggested; difflib's default.
CUTOFF = 0.6


def show_bound(n: int) -> str:
    """``n`` for a message: ``2**64`` for a power of two above 2**20, else the number."""
    n = int(n)
    return f"2**{n.bit_length() - 1}" if n > 2 ** 20 and n & (n - 1) == 0 else str(n)


def _range(low, high, below) -> str:
    if low is not None and high is not None:
        return f" in [{show_bound(low)}, {show_bound(high)}]"
    if low is not None and below is not None:
        return f" in [{show_bound(low)}, {show_bound(below)})"
    if low is not None:
        return f" ≥ {show_bound(low)}"
    if high is not None:
        return f" ≤ {show_bound(high)}"
    if below is not None:
        return f" < {show_bound(below)}"
    return ""


def check_int(name: str, value, low: int | None = None, high: int | None = None, why: str = "", *,
              below: int | None = None) -> int:
    """``value`` as a Python int, refused unless it is an integer in the allowed range.

    Parameters
    ----------
    name : str
        What the value is, as the message names it (``"repeats"``).
    value
        A Python or NumPy integer; ``bool`` and floats (even ``3.0``) are refused.
    low, high : int, optional
        Inclusive bounds: ``low ≤ value ≤ high``.
    why : str, optional
        Why the range is what it is, written after the range
        (``"for the gauss closure (...)"``).
    below : int, optional
        Exclusive upper bound instead of ``high``: ``value < below``
        (a 64-bit seed: ``low=0, below=2**64``, shown as ``[0, 2**64)``).

    Raises
    ------
    TypeError
        ``{name} must be an integer{range}, got {value!r}`` for a non-integer.
    ValueError
        ``{name} must be an integer{range}, got {value}`` outside the range.
    """
    if high is not None and below is not None:
        raise TypeError("check_int takes high (inclusive) or below (exclusive), not both")
    rng = _range(low, high, below) + (f" {why}" if why else "")
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer{rng}, got {value!r}")
    value = int(value)
    if ((low is not None and value < low) or (high is not None and value > high)
            or (below is not None and value >= below)):
        raise ValueError(f"{name} must be an integer{rng}, got {value}")
    return value


def _closest(value, choices, cutoff: float = CUTOFF):
    hit = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1, cutoff=cutoff)
    return hit[0] if hit else None


def did_you_mean(value, choices: Iterable, *, quote: Callable[[Any], str] = repr,
                 cutoff: float = CUTOFF) -> str:
    """``"; did you mean 'x'?"`` for the choice closest to ``value``, or ``""`` if none is close.

    ``quote`` writes the suggestion (``repr`` by default; a TOML reader passes its
    own, to show ``"x"``).
    """
    hit = _closest(value, list(choices), cutoff)
    return f"; did you mean {quote(hit)}?" if hit is not None else ""


def choice_hint(value, choices: Iterable, *, lead: str = "choose one of",
                quote: Callable[[Any], str] = repr, cutoff: float = CUTOFF) -> str:
    """:func:`did_you_mean`, or ``"; {lead} a, b, c"`` listing every choice when none is close."""
    choices = list(choices)
    return did_you_mean(value, choices, quote=quote, cutoff=cutoff) or \
        f"; {lead} {', '.join(map(str, choices))}"


def _member(value, choices) -> bool:
    try:
        return bool(value in choices)
    except (TypeError, ValueError):  # unhashable value, or an array compared elementwise
        return False


def check_choice(name: str, value, choices: Iterable, what: str | None = None):
    """``value`` if it is one of ``choices``, else a one-line :class:`ValueError`.

    The message is ``unknown {what} {value!r}; did you mean 'x'?`` when a choice
    is close, else ``unknown {what} {value!r}; choose one of a, b, c``.

    Parameters
    ----------
    name : str
        The argument's name; the message's noun when ``what`` is not given.
    value
        The value to check (any type: a non-string is simply not a choice).
    choices : iterable
        The valid values (a tuple, a list or a dict's keys).
    what : str, optional
        The noun of the message (``"prediction method"``); default ``name``.
    """
    choices = tuple(choices)
    if _member(value, choices):
        return value
    raise ValueError(f"unknown {what or name} {value!r}{choice_hint(value, choices)}")


def check_keys(table, valid: Iterable, where: str) -> None:
    """Raise on the first key of ``table`` (in its order) that is not in ``valid``.

    ``unknown key 'repeat' in [top level]; did you mean 'repeats'?``, or
    ``...; valid keys: a, b, c`` when no valid key is close.
    """
    valid = tuple(valid)
    for key in table:
        if key not in valid:
            raise ValueError(f"unknown key {key!r} in {where}{choice_hint(key, valid, lead='valid keys:')}")
