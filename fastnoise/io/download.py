"""Download MNIST and Fashion-MNIST and verify their SHA-256 (:func:`fetch`).

Each file is streamed to ``<file>.part``, checked against the official
checksum of :data:`fastnoise.io.datasets.SHA256` and only then renamed into
place, so an interrupted or wrong download never leaves a file that
:func:`fastnoise.io.datasets.load` would find.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from .catalogue import FILES, SHA256, SPLITS, URLS, cache_dir, check_name
from .idx import sniff

__all__ = ["fetch"]

_CHUNK = 1 << 16


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"  # pragma: no cover


class _Meter:
    """Bytes and rate of one download on stderr (in place on a terminal)."""

    def __init__(self, label: str, total: int | None, enabled: bool):
        self.label, self.total, self.enabled = label, total, enabled
        self.stream = sys.stderr
        self.tty = enabled and getattr(self.stream, "isatty", lambda: False)()
        self.interval = 0.1 if self.tty else 2.0
        self.start = self.last = time.perf_counter()
        self.done = 0

    def update(self, n: int) -> None:
        self.done += n
        now = time.perf_counter()
        if self.enabled and now - self.last >= self.interval:
            self.last = now
            self._draw(now, final=False)

    def finish(self) -> None:
        if self.enabled:
            self._draw(time.perf_counter(), final=True)

    def _draw(self, now: float, final: bool) -> None:
        elapsed = max(now - self.start, 1e-9)
        of = f" / {_size(self.total)}" if self.total else ""
        line = f"{self.label}: {_size(self.done)}{of}, {_size(self.done / elapsed)}/s"
        if final:
            line += f", {elapsed:.1f} s"
        if self.tty:
            self.stream.write("\r" + line + ("\n" if final else "\x1b[K"))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _download(url: str, target: Path, sha256: str, progress: bool, timeout: float) -> None:
    """Stream ``url`` to ``target.part``, check its SHA-256, rename it to ``target``."""
    from .._version import __version__

    part = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    first = b""
    hint = (f"retry, pass another mirror with --base-url (base_url=), or copy the official "
            f"files into {target.parent}")
    request = urllib.request.Request(url, headers={"User-Agent": f"fastnoise/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp, open(part, "wb") as out:
            length = resp.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            meter = _Meter(f"{target.parent.name}/{target.name}", total, progress)
            while chunk := resp.read(_CHUNK):
                if len(first) < 64:
                    first += chunk[:64]
                digest.update(chunk)
                out.write(chunk)
                meter.update(len(chunk))
            meter.finish()
        if total is not None and meter.done != total:
            raise OSError(f"download of {url} was cut short: got {meter.done:,} of {total:,} "
                          f"bytes; {hint}")
    except urllib.error.HTTPError as exc:
        part.unlink(missing_ok=True)
        raise OSError(f"download of {url} failed: HTTP {exc.code} {exc.reason}; {hint}") from None
    except urllib.error.URLError as exc:
        part.unlink(missing_ok=True)
        raise OSError(f"cannot download {url}: {exc.reason}; check the network, or {hint}") \
            from None
    except (OSError, http.client.HTTPException) as exc:
        part.unlink(missing_ok=True)
        if isinstance(exc, OSError) and str(exc).startswith("download of"):
            raise
        raise OSError(f"download of {url} failed: {exc or type(exc).__name__}; {hint}") from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    got = digest.hexdigest()
    if got != sha256:
        part.unlink(missing_ok=True)
        what = sniff(first)
        served = (f"the server sent {what}" if what.startswith(("an HTML", "an XML"))
                  else f"got sha256 {got}")
        raise ValueError(f"checksum mismatch for {url} ({meter.done:,} bytes): {served}, expected "
                         f"sha256 {sha256}; nothing was kept; {hint}")
    os.replace(part, target)


def fetch(name: str, dir=None, base_url: str | None = None, progress: bool = True,
          overwrite: bool = False, timeout: float = 60.0) -> list[Path]:
    """Download the four official gzip files of a dataset and verify their SHA-256.

    Each file is streamed to ``<file>.part`` and renamed once its checksum
    matches; a mismatch deletes the part file.  A file already there with the
    right checksum is kept (not downloaded again).

    Parameters
    ----------
    name : {"mnist", "fashion-mnist"}
    dir : str or os.PathLike, optional
        Parent folder: the files go to ``dir/<name>/``, the layout that
        ``FASTNOISE_DATA=dir`` finds.  Default: fastnoise's cache
        (:func:`cache_dir`), which :func:`load` searches.
    base_url : str, optional
        Download ``base_url + file name`` instead of the official
        :data:`URLS` (a mirror; ``file://`` URLs work too).
    progress : bool, default True
        Report bytes and rate on stderr.
    overwrite : bool, default False
        Replace files that exist with other contents (otherwise an error).
    timeout : float, default 60
        Seconds to wait for the server on each connection or read.

    Returns
    -------
    list of pathlib.Path
        The four files: train images, train labels, test images, test labels.

    Raises
    ------
    FileExistsError
        A file exists with other contents and ``overwrite`` is false (checked
        for all four files before anything is downloaded).
    ValueError
        A download does not match the official checksum.
    OSError
        Network or HTTP errors.
    """
    name = check_name(name)
    folder = Path(dir).expanduser() / name if dir is not None else cache_dir(name)
    base = (base_url or URLS[name]).rstrip("/") + "/"
    paths, todo = [], []
    for split in SPLITS:
        for stem in FILES[split]:
            fname = stem + ".gz"
            target = folder / fname
            expected = SHA256[name][fname]
            paths.append(target)
            if target.is_dir():
                raise IsADirectoryError(f"{target} is a folder; move it away so that {fname} "
                                        "can be downloaded there")
            if target.exists():
                got = _sha256_file(target)
                if got == expected:
                    if progress:
                        print(f"{name}/{fname}: already there, checksum OK", file=sys.stderr)
                    continue
                if not overwrite:
                    raise FileExistsError(
                        f"{target} exists but is not the official {fname} (sha256 {got[:16]}…, "
                        f"expected {expected[:16]}…); move it away or pass --overwrite "
                        "(overwrite=True) to replace it")
            todo.append((base + fname, target, expected))
    if todo:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OSError(f"cannot create {folder} ({exc.strerror or exc}); choose another "
                          "folder with --dir (dir=)") from None
    for url, target, expected in todo:
        _download(url, target, expected, progress, timeout)
    return paths
