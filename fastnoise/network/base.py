"""The interface every layer operation implements.

A :class:`~fastnoise.network.Network` is an input shape plus an ordered tuple
of operations.  Each operation maps an input of shape :attr:`Operation.in_shape`
to an output of shape :attr:`Operation.out_shape` and carries the noise
placement of Eq. 3 (``noise_at``).  What an operation owns:

========================  ==================================================
shape inference           :attr:`in_shape`, :attr:`out_shape`,
                          :meth:`validate` (does it accept this input shape?)
parameters / file form    :meth:`params` (named float arrays), :meth:`attrs`
                          (JSON-able description) and :meth:`from_params`;
                          the HDF5 code in :mod:`fastnoise.io.network_file`
                          writes and reads exactly these (no h5py here)
kernel entry              :attr:`kernel_code` (its code in the kernels'
                          operation program), :attr:`kernel_entry` (the
                          routine of :mod:`fastnoise.kernels.ops` that
                          propagates K repetitions through it) and
                          :meth:`pack` (the flat arrays that routine reads)
analytic rule             :meth:`linear_moments`: how a mean and covariance
                          of the input pass to the operation's internal
                          state x̃; the activation's closure is applied
                          after it by :mod:`fastnoise.analytic`
========================  ==================================================

New operations (``Conv2D``, ``MaxPool2D``/``AvgPool2D``, ``Flatten``, and
next a recurrent reservoir) subclass :class:`Operation`, set :attr:`kind` and register themselves in
:data:`OPERATIONS`; on the kernel side they add a code to
:mod:`fastnoise.kernels.program` and a routine and branch to
:mod:`fastnoise.kernels.ops`.  Nothing else in the network package changes.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from .checks import NOISE_PLACES

__all__ = ["Operation", "OPERATIONS", "register", "shape_size"]

#: kind -> Operation subclass (how a file's ``attrs()["kind"]`` is read back).
OPERATIONS: dict[str, type] = {}


def register(cls: type) -> type:
    """Class decorator: make ``cls`` readable from files by its :attr:`Operation.kind`."""
    if not cls.kind or cls.kind in OPERATIONS:
        raise ValueError(f"operation kind {cls.kind!r} is empty or registered twice")
    OPERATIONS[cls.kind] = cls
    return cls


def shape_size(shape) -> int:
    """Number of neurons of a layer of shape ``shape``."""
    return int(np.prod(shape, dtype=np.int64))


class Operation:
    """Base class of a layer operation (see the module docstring).

    Subclasses are immutable and define ``noise_at`` (one of
    :data:`~fastnoise.network.checks.NOISE_PLACES`).
    """

    #: Name in files and configs (``"dense"``).
    kind: ClassVar[str] = ""
    #: Name of the routine in :mod:`fastnoise.kernels.ops` that computes this
    #: operation's internal state for K repetitions.
    kernel_entry: ClassVar[str] = ""
    #: Its operation code in the kernels' program (:mod:`fastnoise.kernels.program`).
    kernel_code: ClassVar[int] = -1
    noise_at: str = NOISE_PLACES[0]
    #: Whether one Noise given for the whole network reaches this operation's
    #: neurons (False for pooling and flatten: noiseless unless a per-layer list
    #: gives them noise; see :func:`fastnoise.noise.per_layer`).
    noisy_by_default: ClassVar[bool] = True

    @property
    def noise_groups(self) -> int:
        """Groups of neurons with their own correlated noise (1: the whole layer shares it)."""
        return 1

    # -- shape inference -------------------------------------------------------
    @property
    def in_shape(self) -> tuple[int, ...]:
        """Shape of the input this operation takes (one repetition, one input)."""
        raise NotImplementedError

    @property
    def out_shape(self) -> tuple[int, ...]:
        """Shape of the output (the layer's neurons)."""
        raise NotImplementedError

    @property
    def out_size(self) -> int:
        """Number of neurons of the output."""
        return shape_size(self.out_shape)

    def validate(self, in_shape) -> None:
        """Raise ValueError (naming both shapes) unless the operation takes ``in_shape``."""
        in_shape = tuple(int(s) for s in in_shape)
        if in_shape != tuple(self.in_shape):
            raise ValueError(f"{self.kind} operation takes inputs of shape {tuple(self.in_shape)}, "
                             f"but the previous layer has shape {in_shape}")

    # -- parameters and their file form ----------------------------------------
    def params(self) -> dict[str, np.ndarray]:
        """The operation's arrays by name (what a file stores as datasets)."""
        raise NotImplementedError

    def attrs(self) -> dict:
        """JSON-able description of everything but :meth:`params`."""
        raise NotImplementedError

    @classmethod
    def from_params(cls, attrs: dict, params: dict, custom: dict | None = None) -> "Operation":
        """Rebuild an operation from :meth:`attrs` and :meth:`params` (validating both)."""
        raise NotImplementedError

    # -- kernel entry and analytic rule ----------------------------------------
    def pack(self) -> dict[str, np.ndarray]:
        """The flat arrays the routine named by :attr:`kernel_entry` reads."""
        raise NotImplementedError

    def linear_moments(self, mean: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and covariance of x̃ given those of the (flattened) input.

        ``mean`` is (..., n_in) and ``cov`` (..., n_in, n_in); the result has
        ``out_size`` in place of ``n_in``.
        """
        raise NotImplementedError
