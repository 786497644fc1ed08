"""Classification accuracy under noise, from the noisy-argmax reducer."""

from __future__ import annotations

from ..result import accuracy  # the one definition, beside Result (Result.accuracy uses it)

__all__ = ["accuracy"]
