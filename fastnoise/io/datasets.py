"""MNIST and Fashion-MNIST: read IDX files, find them on disk, download them.

The two datasets come as four IDX files each (gzip-compressed or not)::

    train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz    60000 images
    t10k-images-idx3-ubyte.gz   t10k-labels-idx1-ubyte.gz     10000 images

Examples
--------
>>> from fastnoise.io import datasets
>>> images, labels = datasets.load("mnist", "test")          # doctest: +SKIP
>>> fives, _ = datasets.select(images, labels, label=5, count=500)  # doctest: +SKIP
>>> inputs = datasets.digits(fives)      # (500, 784) float64 in [0, 1]  # doctest: +SKIP

Where :func:`load` looks, in this order (the first folder holding both files of
the requested split wins):

1. the ``path`` argument (a folder with the files, a folder with a ``<name>/``
   sub-folder, or Keras' ``mnist.npz``) — nothing else is searched then;
2. ``$FASTNOISE_DATA/<name>/``;
3. fastnoise's cache ``$XDG_CACHE_HOME/fastnoise/<name>/`` (default
   ``~/.cache/fastnoise/<name>/``), where :func:`fetch` writes by default;
4. Keras' cache ``$KERAS_HOME/datasets/`` and ``~/.keras/datasets/``
   (``mnist.npz``; ``fashion-mnist/*.gz``);
5. torchvision's ``<root>/MNIST/raw/`` and ``<root>/FashionMNIST/raw/`` for the
   roots ``./data``, ``~/data``, ``$TORCH_HOME``, ``~/.cache/torch`` and
   ``~/.torch``;
6. Debian's package dataset-fashion-mnist (``/usr/share/datasets/fashion-mnist/``).

In each folder the names may end in ``.gz`` or not, and may use the dot
spelling ``train-images.idx3-ubyte`` as well.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import struct
import sys
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np

__all__ = ["CLASSES", "FILES", "NAMES", "SHA256", "SHA256_RAW", "SPLITS", "URLS", "Found",
           "Location", "cache_dir", "digits", "fetch", "load", "locate", "read_idx", "search_path",
           "select", "verify"]

NAMES = ("mnist", "fashion-mnist")
SPLITS = ("train", "test")

#: IDX file stems (without ``.gz``) of each split: (images, labels).
FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}

#: Where :func:`fetch` downloads from (``base_url`` overrides).
URLS = {"mnist": "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "fashion-mnist": "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"}

#: SHA-256 of the official gzip files.
SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte.gz":
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz":
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz":
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz":
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz":
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte.gz":
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte.gz":
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte.gz":
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    },
}

#: SHA-256 of the decompressed IDX files (the same whatever the gzip header).
SHA256_RAW = {
    "mnist": {
        "train-images-idx3-ubyte":
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte":
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte":
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte":
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte":
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte":
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte":
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte":
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
}

#: Class names, index = label.
CLASSES = {
    "mnist": tuple(str(d) for d in range(10)),
    "fashion-mnist": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                      "Sneaker", "Bag", "Ankle boot"),
}

_GZIP_MAGIC = b"\x1f\x8b"
_IDX_TYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"),
              0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_MAX_BYTES = 1 << 34  # refuse headers declaring more than 16 GiB
_CHUNK = 1 << 16


# -- reading IDX files -------------------------------------------------------------

def _refetch(path: Path) -> str:
    """A hint naming how to get a good copy of ``path`` again."""
    parent = path.parent.name
    name = parent if parent in NAMES else "NAME"
    return f"delete it and re-fetch with 'fastnoise data fetch {name} --overwrite'"


def _sniff(data: bytes) -> str:
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
            raise ValueError(f"{path}: {what}; {_refetch(path)}") from None


def _read_idx_stream(stream, path: Path, known_size: int | None, compressed: bool) -> np.ndarray:
    """Parse IDX from ``stream``; ``known_size``: total bytes if known (mod 2**32 for gzip)."""
    inner = "decompressed data" if compressed else "file"
    magic = stream.read(4)
    if len(magic) < 4 or magic[:2] != b"\0\0" or magic[2] not in _IDX_TYPES or magic[3] == 0:
        what = _sniff(magic + stream.read(60))
        if what.startswith("not an IDX") and len(magic) == 4:
            value = int.from_bytes(magic, "big")
            what = (f"not an IDX file: magic number {value} (0x{value:08x}), expected 2051 "
                    "(0x00000803, images) or 2049 (0x00000801, labels)")
        elif what == "empty":
            what = "empty (0 bytes)" if not compressed else "an empty gzip stream"
        elif len(magic) < 4:
            what = f"too short for an IDX header ({len(magic)} bytes)"
        where = " inside the gzip stream" if compressed else ""
        raise ValueError(f"{path} is {what}{where}, not MNIST-format IDX data; {_refetch(path)}")
    dtype = _IDX_TYPES[magic[2]]
    ndim = magic[3]
    head = stream.read(4 * ndim)
    header = 4 + 4 * ndim
    if len(head) < 4 * ndim:
        raise ValueError(f"{path}: {inner} ends inside the IDX header ({4 + len(head)} of "
                         f"{header} bytes); {_refetch(path)}")
    dims = struct.unpack(f">{ndim}I", head)
    count = int(np.prod(dims, dtype=np.int64))
    expected = header + count * dtype.itemsize
    shape = "x".join(map(str, dims))

    def mismatch(actual: int) -> ValueError:
        kind = "truncated" if actual < expected else "trailing bytes after the data"
        return ValueError(f"{path}: IDX header declares {shape} {dtype.name} = {expected:,} bytes "
                          f"but the {inner} holds {actual:,} bytes ({kind}); {_refetch(path)}")

    if expected > _MAX_BYTES:
        raise ValueError(f"{path}: IDX header declares {shape} {dtype.name} = {expected:,} bytes, "
                         f"an implausible size (corrupt header?); {_refetch(path)}")
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


# -- finding the files ----------------------------------------------------------------

class Location(NamedTuple):
    """A place :func:`load` searches: ``label`` says what it is, ``path`` where."""

    label: str
    path: Path


class Found(NamedTuple):
    """The files of one split: for Keras' ``mnist.npz`` both paths are that file."""

    images: Path
    labels: Path
    location: Location


def _check_name(name) -> str:
    if not isinstance(name, str):
        raise TypeError(f"dataset name must be a string, one of {', '.join(NAMES)}; got {name!r}")
    key = name.strip().lower().replace("_", "-")
    key = {"fashion": "fashion-mnist", "fashionmnist": "fashion-mnist"}.get(key, key)
    if key not in NAMES:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(NAMES)}")
    return key


def _check_split(split) -> str:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose 'train' (60000 images) or "
                         "'test' (10000 images)")
    return split


def cache_dir(name: str | None = None) -> Path:
    """fastnoise's download cache: ``$XDG_CACHE_HOME/fastnoise`` or ``~/.cache/fastnoise``.

    Parameters
    ----------
    name : str, optional
        A dataset name; its sub-folder is returned.
    """
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    root = Path(base).expanduser() / "fastnoise"
    return root / _check_name(name) if name is not None else root


def _torch_roots() -> list[Path]:
    roots = [Path("data"), Path.home() / "data"]
    if os.environ.get("TORCH_HOME"):
        roots.append(Path(os.environ["TORCH_HOME"]).expanduser())
    roots += [Path.home() / ".cache" / "torch", Path.home() / ".torch"]
    return roots


def search_path(name: str, path=None) -> list[Location]:
    """The places :func:`load` looks for dataset ``name``, in order.

    Parameters
    ----------
    name : {"mnist", "fashion-mnist"}
    path : str or os.PathLike, optional
        An explicit folder (or Keras ``mnist.npz``); only it (and its
        ``<name>/`` sub-folder) is searched then.

    Returns
    -------
    list of Location
    """
    name = _check_name(name)
    if path is not None:
        path = Path(path).expanduser()
        return [Location("path", path), Location("path", path / name)]
    locs = []
    if os.environ.get("FASTNOISE_DATA"):
        locs.append(Location("$FASTNOISE_DATA", Path(os.environ["FASTNOISE_DATA"]).expanduser()
                             / name))
    locs.append(Location("fastnoise cache", cache_dir(name)))
    keras = [Path.home() / ".keras" / "datasets"]
    if os.environ.get("KERAS_HOME"):
        keras.insert(0, Path(os.environ["KERAS_HOME"]).expanduser() / "datasets")
    for k in keras:
        locs.append(Location("Keras cache", k / "mnist.npz" if name == "mnist" else k / name))
    sub = "MNIST" if name == "mnist" else "FashionMNIST"
    for root in _torch_roots():
        locs.append(Location("torchvision", root / sub / "raw"))
    if name == "fashion-mnist":
        locs.append(Location("Debian dataset-fashion-mnist",
                             Path("/usr/share/datasets/fashion-mnist")))
    return locs


def _spellings(stem: str) -> list[str]:
    dotted = stem.replace("-idx", ".idx", 1)
    return [stem + ".gz", stem, dotted, dotted + ".gz"]


def _find_file(folder: Path, stem: str) -> Path | None:
    for fname in _spellings(stem):
        candidate = folder / fname
        if candidate.is_file():
            return candidate
    return None


def _probe(loc: Location, split: str) -> tuple[Found | None, str]:
    """Look in one location: (found, why not)."""
    p = loc.path
    if p.suffix == ".npz":
        return (Found(p, p, loc), "") if p.is_file() else (None, "missing")
    if not p.is_dir():
        return None, "missing" if not p.exists() else "not a folder"
    img_stem, lab_stem = FILES[split]
    images, labels = _find_file(p, img_stem), _find_file(p, lab_stem)
    if images and labels:
        return Found(images, labels, loc), ""
    if images or labels:
        return None, f"no {lab_stem if images else img_stem}[.gz]"
    return None, "no IDX files"


def locate(name: str, split: str = "train", path=None) -> Found:
    """Find the image and label files of one split (see the module doc for the order).

    Parameters
    ----------
    name : {"mnist", "fashion-mnist"}
    split : {"train", "test"}
    path : str or os.PathLike, optional
        Search only here: a folder with the files, a folder with a ``<name>/``
        sub-folder, or Keras' ``mnist.npz``.

    Returns
    -------
    Found

    Raises
    ------
    FileNotFoundError
        Nowhere; the one-line message lists where it looked and how to get them.
    """
    name = _check_name(name)
    split = _check_split(split)
    if path is not None and Path(path).expanduser().is_file():
        p = Path(path).expanduser()
        if p.suffix != ".npz":
            raise ValueError(f"path {p} is a file; give the folder that holds the IDX files "
                             "(or Keras' mnist.npz)")
        return Found(p, p, Location("path", p))
    looked = []
    for loc in search_path(name, path):
        found, why = _probe(loc, split)
        if found:
            return found
        looked.append(f"{loc.path} ({loc.label}: {why})")
    if path is None and not os.environ.get("FASTNOISE_DATA"):
        looked.insert(0, "$FASTNOISE_DATA (unset)")
    img_stem, lab_stem = FILES[split]
    raise FileNotFoundError(
        f"{name} {split} files ({img_stem}[.gz], {lab_stem}[.gz]) not found; looked in "
        f"{'; '.join(looked)}; run 'fastnoise data fetch {name}' or set FASTNOISE_DATA to a "
        f"folder holding {name}/")


def _load_npz(path: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    keys = ("x_train", "y_train") if split == "train" else ("x_test", "y_test")
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in keys if k not in npz.files]
            if missing:
                raise ValueError(f"{path} has no {', '.join(missing)} array; expected Keras' "
                                 "mnist.npz with x_train, y_train, x_test, y_test")
            images, labels = (np.ascontiguousarray(npz[k], dtype=np.uint8) for k in keys)
    except (OSError, zlib.error, EOFError) as exc:
        raise ValueError(f"{path} is not a readable .npz file ({exc}); delete it and run "
                         "'fastnoise data fetch mnist'") from None
    return images, labels


def load(name: str, split: str = "train", path=None) -> tuple[np.ndarray, np.ndarray]:
    """Load the images and labels of MNIST or Fashion-MNIST.

    Parameters
    ----------
    name : {"mnist", "fashion-mnist"}
    split : {"train", "test"}
        60000 training or 10000 test images.
    path : str or os.PathLike, optional
        Where the files are: a folder holding them, a folder with a ``<name>/``
        sub-folder, or Keras' ``mnist.npz``.  Default: search
        ``$FASTNOISE_DATA/<name>/`` and the caches of fastnoise, Keras,
        torchvision and Debian (see the module doc).

    Returns
    -------
    images : numpy.ndarray
        ``(N, 28, 28)`` uint8, pixel values 0..255.
    labels : numpy.ndarray
        ``(N,)`` uint8, classes 0..9 (see :data:`CLASSES`).

    Raises
    ------
    FileNotFoundError
        The files are nowhere to be found.
    ValueError
        A file is corrupt, the wrong kind, or images and labels disagree.
    """
    return _load_found(locate(name, split, path), split)


def _load_found(found: Found, split: str) -> tuple[np.ndarray, np.ndarray]:
    if found.images.suffix == ".npz" and found.images == found.labels:
        images, labels = _load_npz(found.images, split)
    else:
        images, labels = read_idx(found.images), read_idx(found.labels)
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise ValueError(f"{found.images} holds {images.dtype} data of shape {images.shape}, "
                         f"expected (N, 28, 28) uint8 images; {_refetch(found.images)}")
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise ValueError(f"{found.labels} holds {labels.dtype} data of shape {labels.shape}, "
                         f"expected (N,) uint8 labels; {_refetch(found.labels)}")
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"{found.images} holds {images.shape[0]} images but {found.labels} holds "
                         f"{labels.shape[0]} labels; the two files come from different splits or "
                         f"datasets; {_refetch(found.images)}")
    if labels.size and labels.max() > 9:
        raise ValueError(f"{found.labels} holds label {int(labels.max())}, expected 0..9 "
                         f"(not a labels file?); {_refetch(found.labels)}")
    return images, labels


def verify(name: str, split: str = "train", path=None) -> Found:
    """Load one split and check it against the official SHA-256 of the decompressed files.

    Works whatever the source (gzip with any header, raw IDX, Keras' npz):
    the IDX bytes are rebuilt from the arrays and hashed.

    Parameters
    ----------
    name, split, path
        As for :func:`load`.

    Returns
    -------
    Found
        Where the verified files are.

    Raises
    ------
    ValueError
        The content differs from the official dataset.
    """
    name = _check_name(name)
    found = locate(name, split, path)
    images, labels = _load_found(found, split)
    n = images.shape[0]
    img_stem, lab_stem = FILES[_check_split(split)]
    for stem, head, array, where in (
            (img_stem, struct.pack(">IIII", 2051, n, 28, 28), images, found.images),
            (lab_stem, struct.pack(">II", 2049, n), labels, found.labels)):
        h = hashlib.sha256(head)
        h.update(np.ascontiguousarray(array).data)
        if h.hexdigest() != SHA256_RAW[name][stem]:
            raise ValueError(f"{where} is not the official {name} {stem}: sha256 of its content "
                             f"{h.hexdigest()[:16]}…, expected {SHA256_RAW[name][stem][:16]}…; "
                             f"{_refetch(where).replace('NAME', name)}")
    return found


# -- network inputs -------------------------------------------------------------------

def digits(images) -> np.ndarray:
    """Flatten images into network inputs: ``(N, rows*cols)`` float64, pixel / 255.

    Parameters
    ----------
    images : array_like of uint8
        ``(N, rows, cols)`` images as returned by :func:`load` (or already flat
        ``(N, pixels)``); for one image pass ``images[i:i + 1]``.

    Returns
    -------
    numpy.ndarray
        ``(N, rows*cols)`` float64 in [0, 1], one input vector per row.
    """
    a = np.asarray(images)
    if a.dtype != np.uint8:
        raise ValueError(f"digits() expects uint8 pixels 0..255 as returned by load(), got "
                         f"{a.dtype}; convert with np.asarray(images, dtype=np.uint8) or scale "
                         "float images yourself")
    if a.ndim < 2:
        raise ValueError(f"digits() expects a batch of images (N, rows, cols), got shape "
                         f"{a.shape}; for one image pass images[i:i + 1]")
    return a.reshape(a.shape[0], -1) / 255.0


def select(images, labels, label=None, count=None, start=0) -> tuple[np.ndarray, np.ndarray]:
    """Take a run of images, optionally of one class only.

    Parameters
    ----------
    images, labels : numpy.ndarray
        As returned by :func:`load`.
    label : int or sequence of int, optional
        Keep only images of this class (or these classes); default all.
    count : int, optional
        How many to take (default: all that remain).  Asking for more than
        there are is an error.
    start : int, default 0
        Skip this many of the selected images first.

    Returns
    -------
    images, labels : numpy.ndarray
        Copies, in the original order.

    Examples
    --------
    The first 500 test images of digit 5 (the MNIST test set holds 892 fives):

    >>> fives, labels = select(*load("mnist", "test"), label=5, count=500)  # doctest: +SKIP
    """
    images = np.asarray(images)
    labels = np.asarray(labels)
    if labels.ndim != 1 or images.shape[:1] != labels.shape:
        raise ValueError(f"images {images.shape} and labels {labels.shape} disagree: expected "
                         "(N, ...) images and (N,) labels as returned by load()")
    for arg, value in (("start", start), ("count", count)):
        ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
        if value is not None and not (ok and value >= 0):
            raise ValueError(f"{arg} must be an integer ≥ 0, got {value!r}")
    if label is None:
        index = np.arange(labels.size)
        what = "images"
    else:
        wanted = np.atleast_1d(np.asarray(label))
        if wanted.dtype.kind not in "iu" or wanted.ndim != 1:
            raise ValueError(f"label must be an integer class 0..9 or a list of them, "
                             f"got {label!r}")
        index = np.flatnonzero(np.isin(labels, wanted))
        what = f"images with label {label}"
    index = index[start:]
    if count is not None:
        if count > index.size:
            raise ValueError(f"asked for count={count} {what} from start={start} but there are "
                             f"only {index.size}; lower count or start, or use the other split")
        index = index[:count]
    return images[index], labels[index]


# -- downloading ------------------------------------------------------------------------

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
        what = _sniff(first)
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
    name = _check_name(name)
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
