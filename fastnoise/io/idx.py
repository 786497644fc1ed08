"""Read IDX files (the MNIST format), gzip-compressed or not, checking every header.

An IDX file is a big-endian header (magic, element type, number of
dimensions, the dimensions) followed by the raw array.  :func:`read_idx`
refuses anything that is not one: HTML error pages saved by a failed
download, truncated or padded files, and headers declaring implausible sizes,
each with a one-line error that says how to get a good copy.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from .catalogue import NAMES

__all__ = ["read_idx"]

_GZIP_MAGIC = b"\x1f\x8b"
_IDX_TYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"),
              0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_MAX_BYTES = 1 << 34  # refuse headers declaring more than 16 GiB


def refetch(path: Path) -> str:
    """A hint naming how to get a good copy of ``path`` again."""
    parent = path.parent.name
    name = parent if parent in NAMES else "NAME"
    return f"delete it and re-fetch with 'fastnoise data fetch {name} --overwrite'"


def sniff(data: bytes) -> str:
    """Say what ``data`` (the first bytes of a file) looks like, for error messages."""
    head = data.lstrip()[:64].lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in head:
        return "an HTML page (probably an error page saved by a failed download)"
    if head.startswith(b"<?xml") or head.startswith(b"<"):
        return "an XML/HTML document (probably an error page saved by a failed download)"
    if data.startswith(b"PK\x03\x04"):
        return "a zip archive"
    if data.startswith(b"BZh"):
        return "a bzip2 file"
    if data.startswith(b"\xfd7zXZ"):
        return "an xz file"
    if data.startswith(b"\x93NUMPY"):
        return "a NumPy .npy file"
    if not data:
        return "empty"
    return f"not an IDX file (first bytes {data[:4].hex(' ')})"


def _count_rest(stream) -> int:
    n = 0
    while chunk := stream.read(1 << 20):
        n += len(chunk)
    return n


def _gzip_isize(raw) -> int | None:
    """The uncompressed size mod 2**32 from a gzip trailer, or None if unreadable."""
    try:
        raw.seek(-4, os.SEEK_END)
        value = struct.unpack("<I", raw.read(4))[0]
        raw.seek(0)
        return value
    except (OSError, struct.error):
        raw.seek(0)
        return None


class _Reread(Exception):
    """The gzip trailer's size was misleading: parse again without it."""


def read_idx(path) -> np.ndarray:
    """Read an IDX file (the MNIST format), gzip-compressed or not.

    Compression is detected from the gzip magic bytes, not from the name.

    Parameters
    ----------
    path : str or os.PathLike
        The file, e.g. ``t10k-images-idx3-ubyte.gz``.

    Returns
    -------
    numpy.ndarray
        Images (magic 2051): ``(N, rows, cols)`` uint8; labels (magic 2049):
        ``(N,)`` uint8.  Any other IDX type/rank from the generic encoding
        (``0x0000TTDD``: type TT, DD dimensions) comes back with its shape and
        a native-endian dtype.

    Raises
    ------
    ValueError
        A file that is not gzip/IDX data (e.g. an HTML error page), a bad magic
        number, a corrupt or truncated gzip stream, or a byte count that does
        not match the header.  The message is one line naming the file.
    FileNotFoundError
        ``path`` does not exist.
    """
    path = Path(path)
    with open(path, "rb") as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        if not compressed:
            return _read_idx_stream(raw, path, os.fstat(raw.fileno()).st_size, compressed)
        isize = _gzip_isize(raw)
        try:
            try:
                with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                    return _read_idx_stream(stream, path, isize, compressed)
            except _Reread:
                raw.seek(0)
                with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                    return _read_idx_stream(stream, path, None, compressed)
        except (EOFError, gzip.BadGzipFile, zlib.error, struct.error) as exc:
            what = ("truncated gzip file (the download was cut short?)"
                    if isinstance(exc, EOFError) else f"corrupt gzip data ({exc})")
            raise ValueError(f"{path}: {what}; {refetch(path)}") from None


def _read_idx_stream(stream, path: Path, known_size: int | None, compressed: bool) -> np.ndarray:
    """Parse IDX from ``stream``; ``known_size``: total bytes if known (mod 2**32 for gzip)."""
    inner = "decompressed data" if compressed else "file"
    magic = stream.read(4)
    if len(magic) < 4 or magic[:2] != b"\0\0" or magic[2] not in _IDX_TYPES or magic[3] == 0:
        what = sniff(magic + stream.read(60))
        if what.startswith("not an IDX") and len(magic) == 4:
            value = int.from_bytes(magic, "big")
            what = (f"not an IDX file: magic number {value} (0x{value:08x}), expected 2051 "
                    "(0x00000803, images) or 2049 (0x00000801, labels)")
        elif what == "empty":
            what = "empty (0 bytes)" if not compressed else "an empty gzip stream"
        elif len(magic) < 4:
            what = f"too short for an IDX header ({len(magic)} bytes)"
        where = " inside the gzip stream" if compressed else ""
        raise ValueError(f"{path} is {what}{where}, not MNIST-format IDX data; {refetch(path)}")
    dtype = _IDX_TYPES[magic[2]]
    ndim = magic[3]
    head = stream.read(4 * ndim)
    header = 4 + 4 * ndim
    if len(head) < 4 * ndim:
        raise ValueError(f"{path}: {inner} ends inside the IDX header ({4 + len(head)} of "
                         f"{header} bytes); {refetch(path)}")
    dims = struct.unpack(f">{ndim}I", head)
    count = int(np.prod(dims, dtype=np.int64))
    expected = header + count * dtype.itemsize
    shape = "x".join(map(str, dims))

    def mismatch(actual: int) -> ValueError:
        kind = "truncated" if actual < expected else "trailing bytes after the data"
        return ValueError(f"{path}: IDX header declares {shape} {dtype.name} = {expected:,} bytes "
                          f"but the {inner} holds {actual:,} bytes ({kind}); {refetch(path)}")

    if expected > _MAX_BYTES:
        raise ValueError(f"{path}: IDX header declares {shape} {dtype.name} = {expected:,} bytes, "
                         f"an implausible size (corrupt header?); {refetch(path)}")
    if known_size is not None and known_size != expected % (1 << 32 if compressed else 1 << 64):
        actual = header + _count_rest(stream) if compressed else known_size
        if actual == expected:  # a multi-member gzip file: its trailer holds the last size only
            raise _Reread
        raise mismatch(actual)
    out = np.empty(count, dtype=dtype)
    view = memoryview(out).cast("B")
    got = 0
    while got < len(view):
        n = stream.readinto(view[got:])
        if not n:
            break
        got += n
    extra = _count_rest(stream)
    if got < len(view) or extra:
        raise mismatch(header + got + extra)
    if dtype.byteorder == ">":
        out = out.astype(dtype.newbyteorder("="))
    return out.reshape(dims)
