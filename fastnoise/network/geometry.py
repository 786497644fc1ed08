"""Shapes of 2-D windows over channels-last maps: padding and output sizes.

Shared by :mod:`.conv` and :mod:`.pool`.  A map is (height, width, channels);
a padding is four integers (top, bottom, left, right).
"""

from __future__ import annotations

import numpy as np

__all__ = ["pair", "pads", "out_size", "check_map_shape"]


def _ints(value) -> tuple:
    """``value`` (an integer or a sequence) as a tuple, NumPy integers made ``int``."""
    vals = (value,) if isinstance(value, (int, np.integer)) else tuple(value)
    return tuple(int(v) if isinstance(v, np.integer) else v for v in vals)


def pair(name: str, value) -> tuple[int, int]:
    """``value`` (an integer or two) as a pair of integers ≥ 1."""
    vals = _ints(value)
    vals = vals * 2 if len(vals) == 1 else vals
    if len(vals) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1
                                 for v in vals):
        raise ValueError(f"{name} must be an integer ≥ 1 or two of them, got {value!r}")
    return int(vals[0]), int(vals[1])


def pads(padding, size: tuple[int, int], window: tuple[int, int],
         strides: tuple[int, int]) -> tuple[int, int, int, int]:
    """The padding (top, bottom, left, right) of ``padding``.

    ``"valid"``: none.  ``"same"``: ⌈size/stride⌉ outputs, the padding split
    with the odd row or column at the bottom or right (as Keras and ONNX
    ``SAME_UPPER`` do).  Four integers are taken as they are; two (rows,
    columns) or one pad both sides alike (PyTorch's ``padding``).
    """
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            out = []
            for n, k, s in zip(size, window, strides):
                total = max((-(-n // s) - 1) * s + k - n, 0)
                out += [total // 2, total - total // 2]
            return (out[0], out[1], out[2], out[3])
        raise ValueError(f"padding must be 'valid', 'same' or integers, got {padding!r}")
    vals = _ints(padding)
    if len(vals) == 1:
        vals = vals * 4
    elif len(vals) == 2:
        vals = (vals[0], vals[0], vals[1], vals[1])
    if len(vals) != 4 or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                                 for v in vals):
        raise ValueError(f"padding must be 'valid', 'same' or 1, 2 or 4 integers ≥ 0 "
                         f"(top, bottom, left, right), got {padding!r}")
    return tuple(int(v) for v in vals)


def out_size(size: tuple[int, int], window: tuple[int, int], strides: tuple[int, int],
             padding: tuple[int, int, int, int], what: str) -> tuple[int, int]:
    """Output (height, width) of a window sliding over a padded map; refuses an empty one."""
    h = (size[0] + padding[0] + padding[1] - window[0]) // strides[0] + 1
    w = (size[1] + padding[2] + padding[3] - window[1]) // strides[1] + 1
    if h < 1 or w < 1:
        raise ValueError(f"{what}: a {window[0]}×{window[1]} window does not fit a "
                         f"{size[0]}×{size[1]} map padded by {padding}")
    return int(h), int(w)


def check_map_shape(name: str, shape) -> tuple[int, int, int]:
    """``shape`` as a channels-last map shape (height, width, channels)."""
    vals = _ints(shape)
    if len(vals) != 3 or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1
                                 for v in vals):
        raise ValueError(f"{name} must be (height, width, channels) of integers ≥ 1, got {shape!r}")
    return int(vals[0]), int(vals[1]), int(vals[2])
