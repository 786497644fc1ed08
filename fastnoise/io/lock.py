"""One writer per file: an OS-level lock held while a store or network file is written.

A writer of ``PATH`` holds an exclusive ``flock`` on ``PATH.lock`` for as long
as it writes (laying out, computing, renaming into place).  A second writer,
in this or another process on the same machine or file system, is refused at
once with a :class:`StoreBusyError` that names the holder (pid, host, command,
start time, read from the lock file).  The operating system drops the lock
when its holder dies, even by ``kill -9``, so a killed run never leaves a path
locked: the next writer takes the lock and finds a stale lock file, which it
reuses.  The holder removes the lock file when it is done.

Within one process the lock is re-entrant: nested :func:`write_lock` calls on
the same path (a sweep that holds its store while :class:`~fastnoise.Store`
reopens it) share one lock.  Threads of one process are not told apart.

On platforms without ``fcntl`` (Windows) no lock is taken.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time

from .errors import StoreBusyError
from .lockfile import holder, lock_path, parse_holder  # holder, lock_path re-exported

try:  # pragma: no cover - platform dependent
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

__all__ = ["write_lock", "lock_path", "holder", "WriteLock", "partial_path", "remove_stale_partials",
           "refuse_if_written"]

_HELD: dict[str, "WriteLock"] = {}
_GUARD = threading.Lock()


def _read_holder(fd: int, wait: float = 0.5) -> dict | None:
    """The holder's record in the lock file open as ``fd``; waits up to ``wait`` s for a
    holder that has just taken the lock and not yet written it."""
    deadline = time.monotonic() + wait
    while True:
        try:
            info = parse_holder(os.pread(fd, 4096, 0))
        except OSError:
            info = None
        if info is not None or time.monotonic() > deadline:
            return info
        time.sleep(0.01)


def _busy(path: str, info: dict | None) -> StoreBusyError:
    return StoreBusyError(f"{path} is being written by {_describe(info)}; wait for it to finish "
                          "or choose another path")


def refuse_if_written(path) -> None:
    """Raise :class:`StoreBusyError` if another process holds ``path``'s write lock now.

    For readers that must not mistake a file being written for a damaged or
    foreign one.  Takes no lock and creates no file (a read-only folder is fine).
    """
    if fcntl is None:  # pragma: no cover
        return
    path = os.path.abspath(os.fspath(path))
    with _GUARD:
        if path in _HELD:  # this process writes it
            return
    try:
        fd = os.open(lock_path(path), os.O_RDONLY)
    except OSError:  # no lock file: nobody writes it
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # conflicts with a writer's exclusive lock
    except BlockingIOError:
        info = _read_holder(fd)
        os.close(fd)
        raise _busy(path, info) from None
    except OSError:  # no locks on this file system
        pass
    os.close(fd)


def _describe(info: dict | None) -> str:
    if not info:
        return "another process"
    host = "" if info.get("host") in (None, socket.gethostname()) else f" on {info['host']}"
    cmd = str(info.get("command", ""))[:120]
    since = f", since {info['since']}" if info.get("since") else ""
    return f"process {info.get('pid', '?')}{host} ({cmd}{since})" if cmd else \
        f"process {info.get('pid', '?')}{host}{since}"


class WriteLock:
    """An exclusive lock of ``path`` for one writing process (see the module doc)."""

    def __init__(self, path):
        self.path = os.path.abspath(os.fspath(path))
        self.lockfile = lock_path(self.path)
        self._fd = None
        self._count = 0

    def _acquire_os(self) -> None:
        if fcntl is None:  # pragma: no cover
            return
        while True:
            try:
                fd = os.open(self.lockfile, os.O_RDWR | os.O_CREAT, 0o644)
            except PermissionError:
                raise PermissionError(f"cannot create the lock file {self.lockfile} (permission "
                                      "denied); write the results into a folder you may write to") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                info = _read_holder(fd)
                os.close(fd)
                raise _busy(self.path, info) from None
            except OSError as exc:  # a file system without locks (ENOLCK, EOPNOTSUPP)
                os.close(fd)
                try:
                    os.remove(self.lockfile)
                except OSError:
                    pass
                import warnings

                warnings.warn(f"the file system of {self.path} does not support file locks "
                              f"({exc.strerror}); a second process writing it at the same time "
                              "would not be detected", RuntimeWarning, stacklevel=4)
                return
            # the previous holder unlinks the lock file on release: make sure we
            # locked the file that is at the path now, not an unlinked one
            try:
                same = os.fstat(fd).st_ino == os.stat(self.lockfile).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "command": " ".join([os.path.basename(sys.argv[0] or "python")] + sys.argv[1:])[:300],
                "since": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(info).encode())
        self._fd = fd

    def _release_os(self) -> None:
        if self._fd is None:
            return
        try:
            os.remove(self.lockfile)  # while still locked: a waiting writer re-checks the inode
        except FileNotFoundError:  # pragma: no cover
            pass
        os.close(self._fd)
        self._fd = None

    def release(self) -> None:
        """Drop one hold; the last one releases the OS lock and removes the lock file."""
        with _GUARD:
            self._count -= 1
            if self._count > 0:
                return
            _HELD.pop(self.path, None)
            self._release_os()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


def partial_path(path) -> str:
    """A unique temporary name beside ``path`` (``PATH.<pid>-<token>.partial``) for a file
    built there and renamed into place when complete."""
    import secrets

    return f"{os.fspath(path)}.{os.getpid()}-{secrets.token_hex(4)}.partial"


def remove_stale_partials(path) -> None:
    """Delete the :func:`partial_path` files of ``path`` that killed writers left behind.

    Call it only while holding ``path``'s write lock: then no live writer owns one.
    """
    folder, base = os.path.split(os.path.abspath(os.fspath(path)))
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name.startswith(base + ".") and name.endswith(".partial"):
            try:
                os.remove(os.path.join(folder, name))
            except OSError:
                pass


def write_lock(path) -> WriteLock:
    """Take the write lock of ``path`` (re-entrant within a process); release it when done.

    Raises
    ------
    StoreBusyError
        Another process writes ``path`` now.

    Examples
    --------
    >>> with write_lock("fig3.h5"):            # doctest: +SKIP
    ...     ...                                # nobody else writes fig3.h5 meanwhile
    """
    key = os.path.abspath(os.fspath(path))
    with _GUARD:
        lock = _HELD.get(key)
        if lock is None:
            lock = WriteLock(key)
            lock._acquire_os()
            _HELD[key] = lock
        lock._count += 1
        return lock
