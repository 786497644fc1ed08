"""The dataset catalogue: MNIST and Fashion-MNIST names, splits, files, URLs,
checksums and class names, and fastnoise's download cache.

A leaf of ``fastnoise.io``: :mod:`~fastnoise.io.idx` (reading),
:mod:`~fastnoise.io.download` (fetching) and :mod:`~fastnoise.io.datasets`
(finding and loading, which re-exports all of this) import it, never the
other way round.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..validation import choice_hint

__all__ = ["CLASSES", "FILES", "NAMES", "SHA256", "SHA256_RAW", "SPLITS", "URLS", "cache_dir",
           "check_name"]

NAMES = ("mnist", "fashion-mnist")
SPLITS = ("train", "test")

#: IDX file stems (without ``.gz``) of each split: (images, labels).
FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}

#: Where :func:`fastnoise.io.download.fetch` downloads from (``base_url`` overrides).
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


def check_name(name) -> str:
    if not isinstance(name, str):
        raise TypeError(f"dataset name must be a string, one of {', '.join(NAMES)}; got {name!r}")
    key = name.strip().lower().replace("_", "-")
    key = {"fashion": "fashion-mnist", "fashionmnist": "fashion-mnist"}.get(key, key)
    if key not in NAMES:
        raise ValueError(f"unknown dataset {name!r}{choice_hint(key, NAMES)}")
    return key


def cache_dir(name: str | None = None) -> Path:
    """fastnoise's download cache: ``$XDG_CACHE_HOME/fastnoise`` or ``~/.cache/fastnoise``.

    Parameters
    ----------
    name : str, optional
        A dataset name; its sub-folder is returned.
    """
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    root = Path(base).expanduser() / "fastnoise"
    return root / check_name(name) if name is not None else root
