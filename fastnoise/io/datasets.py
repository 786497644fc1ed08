"""MNIST and Fashion-MNIST: finding the files on disk, loading them (the catalogue of
names, files, URLs and checksums is :mod:`fastnoise.io.catalogue`, re-exported here).

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

import hashlib
import os
import struct
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..validation import check_int
from .catalogue import (CLASSES, FILES, NAMES, SHA256, SHA256_RAW, SPLITS, URLS,  # re-exported
                        cache_dir, check_name)
from .download import fetch  # re-exported: downloading lives in fastnoise.io.download
from .idx import refetch, read_idx  # re-exported: reading lives in fastnoise.io.idx

__all__ = ["CLASSES", "FILES", "NAMES", "SHA256", "SHA256_RAW", "SPLITS", "URLS", "Found",
           "Location", "cache_dir", "digits", "fetch", "load", "locate", "read_idx", "search_path",
           "select", "verify"]

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


def _check_split(split) -> str:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose 'train' (60000 images) or "
                         "'test' (10000 images)")
    return split


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
    name = check_name(name)
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


def probe(loc: Location, split: str) -> tuple[Found | None, str]:
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
    name = check_name(name)
    split = _check_split(split)
    if path is not None and Path(path).expanduser().is_file():
        p = Path(path).expanduser()
        if p.suffix != ".npz":
            raise ValueError(f"path {p} is a file; give the folder that holds the IDX files "
                             "(or Keras' mnist.npz)")
        return Found(p, p, Location("path", p))
    looked = []
    for loc in search_path(name, path):
        found, why = probe(loc, split)
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
                         f"expected (N, 28, 28) uint8 images; {refetch(found.images)}")
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise ValueError(f"{found.labels} holds {labels.dtype} data of shape {labels.shape}, "
                         f"expected (N,) uint8 labels; {refetch(found.labels)}")
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"{found.images} holds {images.shape[0]} images but {found.labels} holds "
                         f"{labels.shape[0]} labels; the two files come from different splits or "
                         f"datasets; {refetch(found.images)}")
    if labels.size and labels.max() > 9:
        raise ValueError(f"{found.labels} holds label {int(labels.max())}, expected 0..9 "
                         f"(not a labels file?); {refetch(found.labels)}")
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
    name = check_name(name)
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
                             f"{refetch(where).replace('NAME', name)}")
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
    start = None if start is None else check_int("start", start, 0)
    count = None if count is None else check_int("count", count, 0)
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
