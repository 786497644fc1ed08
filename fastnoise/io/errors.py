"""Opening HDF5 files with one-line, actionable errors."""

from __future__ import annotations

import contextlib
import json
import os
import struct


class StoreError(ValueError):
    """A store file is missing, unreadable, foreign or inconsistent."""


class StoreBusyError(StoreError):
    """Another process is writing the file (see :mod:`fastnoise.io.lock`)."""


def open_h5_readonly(path, kind: str = "store"):
    """Open ``path`` read-only, turning h5py's errors into one-line messages.

    A damaged global heap (see :func:`check_global_heaps`) is refused before
    h5py reads anything; ``kind`` ("store", "network file") names the file in
    that message.
    """
    import h5py

    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise StoreError(open_failure(path, exc)) from None
    try:
        check_global_heaps(path, kind)
    except BaseException:
        f.close()
        raise
    return f


def open_failure(path, exc: OSError) -> str:
    """One line saying why h5py could not open ``path``: permissions, a lock, or a damaged file."""
    text = str(exc)
    if isinstance(exc, PermissionError) or "Permission denied" in text or "errno = 13" in text:
        return f"{path}: permission denied; check the file's and its folder's permissions"
    if "unable to lock file" in text or "errno = 11" in text or "Resource temporarily unavailable" in text:
        from .lockfile import holder

        who = holder(path)
        by = f" by process {who.get('pid')}" if who else " by another process"
        return (f"{path} is open for writing{by} (HDF5 file lock); wait for it to finish, "
                "or read a copy of the file")
    return (f"{path} is not a readable HDF5 file ({safe_text(first_line(exc))}); check the path "
            "or re-create it")


def safe_text(value, limit: int = 200, ascii_only: bool = True) -> str:
    """``value`` as one printable line (ASCII unless ``ascii_only`` is False, which keeps
    printable non-ASCII such as '≥'): bytes from a damaged file are never printed raw."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        value = bytes(value).decode("utf-8", errors="replace")
    text = " ".join(str(value).split())
    if not text.isprintable() or (ascii_only and not text.isascii()):
        if ascii_only:
            text = ascii(text)[1:-1]
        else:
            text = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def damaged(path, what: str, kind: str = "store") -> StoreError:
    """``PATH: damaged <kind> (<what>)``, one line, as a :class:`StoreError` to raise."""
    fix = {"store": "recompute it, or restore it from a copy",
           "network file": "save the network again, or restore it from a copy"}.get(
        kind, "write it again")
    return StoreError(f"{os.fspath(path)}: damaged {kind} ({safe_text(what)}); {fix}")


#: Exceptions that h5py, json and numpy raise for a damaged file's content.
READ_ERRORS = (OSError, KeyError, RuntimeError, ValueError, TypeError, IndexError,
               UnicodeError, AttributeError, OverflowError, MemoryError)


def _from_reader(exc: BaseException) -> bool:
    """Whether ``exc`` was raised inside h5py, json or a codec (so by a file's content)."""
    if isinstance(exc, (UnicodeError, json.JSONDecodeError)):
        return True
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_globals.get("__name__", "")
        if name == "h5py" or name.startswith(("h5py.", "json.")):
            return True
        tb = tb.tb_next
    return False


def _where(exc: BaseException) -> str:
    text = first_line(exc).strip("'\"")
    if text.startswith("Unable to synchronously "):  # h5py's wording of an HDF5 failure
        return "unable to " + text[len("Unable to synchronously "):]
    return f"{type(exc).__name__}: {text}" if isinstance(exc, KeyError) or not text else text


@contextlib.contextmanager
def reading(path, kind: str = "store", where: str = ""):
    """Translate exceptions raised by h5py/json while reading ``path`` into :func:`damaged`.

    Only exceptions whose traceback passes through h5py or json (or codec
    errors) are translated: a programming error elsewhere keeps its type.
    ``where`` names the object being read (e.g. ``/runs/run0/mean_3``).
    """
    try:
        yield
    except StoreError:
        raise
    except READ_ERRORS as exc:
        if not _from_reader(exc):
            raise
        at = f" at {where}" if where else ""
        raise damaged(path, f"{_where(exc)}{at}", kind) from None


# -- HDF5 global heaps ---------------------------------------------------------
# Variable-length strings (attributes such as a run's config) live in HDF5
# "global heap collections", which carry no checksum.  HDF5 2.0 loops forever
# on a collection whose object list is damaged (e.g. a zeroed object header),
# holding the GIL, so nothing in the process can interrupt it.  Every
# collection is therefore checked in Python before h5py reads the file.

_GCOL = b"GCOL\x01"
_GCOL_MIN = 4096  # H5HG_MINSIZE


def check_global_heaps(path, kind: str = "store") -> None:
    """Raise :func:`damaged` when a global heap collection of ``path`` is inconsistent.

    Scans the file for collection signatures (memory-mapped; about a second
    per few GB from the page cache) and walks each collection's object list.
    """
    import mmap

    path = os.fspath(path)
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size < 8:
                return
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
                at = buf.find(_GCOL)
                while at >= 0:
                    problem = _collection_problem(buf, at, size)
                    if problem:
                        raise damaged(path, f"global heap at byte {at}: {problem}", kind)
                    at = buf.find(_GCOL, at + 4)
    except OSError:
        return  # h5py's open reports it


def _collection_problem(buf, at: int, filesize: int) -> str:
    if at + 16 > filesize:
        return "truncated"
    (csize,) = struct.unpack_from("<Q", buf, at + 8)
    if buf[at + 5:at + 8] != b"\0\0\0" and csize < _GCOL_MIN:
        return ""  # the 5 bytes occur by chance in raw data: not a collection
    if csize < _GCOL_MIN:
        return f"collection size {csize} < {_GCOL_MIN}"
    if at + csize > filesize:
        return f"collection of {csize} bytes runs past the end of the file ({filesize} bytes)"
    p, end, seen = 16, csize, set()
    while p + 16 <= end:
        idx, _ref, _res, osz = struct.unpack_from("<HHIQ", buf, at + p)
        if idx == 0:  # the free space, to the end of the collection
            if p + osz != end:
                return f"free space of {osz} bytes at offset {p} does not end the collection"
            return ""
        if idx in seen:
            return f"object {idx} listed twice"
        seen.add(idx)
        need = 16 + (osz + 7) // 8 * 8
        if osz == 0 or p + need > end:
            return f"object {idx} of {osz} bytes at offset {p} does not fit"
        p += need
    return ""


def first_line(exc) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
