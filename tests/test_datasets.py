"""MNIST / Fashion-MNIST: IDX reading, search order, fetch (local HTTP only), ``data`` CLI.

The official files are read from ``$FASTNOISE_DATA`` (CI sets it to the shared
data folder beside the clone) or, when unset, from ``../shared/data`` beside the
repository.  A set ``FASTNOISE_DATA`` without the files fails; the tests skip
only when neither is there.  No network access other than 127.0.0.1.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import hashlib
import http.server
import os
import shutil
import socket
import struct
import threading
from pathlib import Path

import numpy as np
import pytest

from fastnoise.cli import data as datacli
from fastnoise.io import datasets as ds

_REPO = Path(__file__).resolve().parents[1]

# Label counts per class, from shared/data/README.md.
COUNTS = {
    ("mnist", "train"): [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
    ("mnist", "test"): [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
    ("fashion-mnist", "train"): [6000] * 10,
    ("fashion-mnist", "test"): [1000] * 10,
}
GZ_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
CASES = list(COUNTS)


def _one_line(exc_info) -> str:
    msg = str(exc_info.value)
    assert "\n" not in msg, msg
    return msg


@pytest.fixture(scope="session")
def data_dir() -> Path:
    env = os.environ.get("FASTNOISE_DATA")
    if env:
        root, origin = Path(env), f"FASTNOISE_DATA={env}"
    else:
        root, origin = _REPO.parent / "shared" / "data", "the sibling folder ../shared/data"
        if not root.exists():
            pytest.skip("datasets not available: FASTNOISE_DATA is unset and ../shared/data "
                        "does not exist beside the repository")
    missing = [f"{name}/{f}" for name in ds.NAMES for f in GZ_FILES
               if not (root / name / f).is_file()]
    if missing:
        pytest.fail(f"{origin}: missing dataset files {', '.join(missing)} in {root.resolve()}; "
                    "point FASTNOISE_DATA at the folder holding mnist/ and fashion-mnist/")
    return root


@pytest.fixture(scope="session")
def loaded(data_dir):
    """All 8 files, each read once: {(name, split): (images, labels)}."""
    return {(name, split): ds.load(name, split, path=data_dir) for name, split in CASES}


@pytest.fixture
def clean_env(tmp_path, monkeypatch):
    """HOME, caches and cwd in tmp dirs, no dataset variables: nothing to be found."""
    home = tmp_path / "home"
    cwd = tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var in ("FASTNOISE_DATA", "XDG_CACHE_HOME", "KERAS_HOME", "TORCH_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(cwd)
    return home


# -- the official files ------------------------------------------------------------

@pytest.mark.parametrize("name,split", CASES)
def test_official_shapes_dtypes_and_label_counts(loaded, name, split):
    images, labels = loaded[name, split]
    n = 60000 if split == "train" else 10000
    assert images.shape == (n, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (n,) and labels.dtype == np.uint8
    assert np.bincount(labels, minlength=10).tolist() == COUNTS[name, split]
    assert images.max() == 255 and images.min() == 0


@pytest.mark.parametrize("name,split", CASES)
def test_decompressed_content_matches_official_sha256(loaded, name, split):
    images, labels = loaded[name, split]
    n = len(labels)
    img_stem, lab_stem = ds.FILES[split]
    h = hashlib.sha256(struct.pack(">IIII", 2051, n, 28, 28) + images.tobytes())
    assert h.hexdigest() == ds.SHA256_RAW[name][img_stem]
    h = hashlib.sha256(struct.pack(">II", 2049, n) + labels.tobytes())
    assert h.hexdigest() == ds.SHA256_RAW[name][lab_stem]


@pytest.mark.parametrize("name", ds.NAMES)
def test_label_files_decompress_to_official_sha256(data_dir, name):
    for stem in ("train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte"):
        raw = gzip.decompress((data_dir / name / f"{stem}.gz").read_bytes())
        assert hashlib.sha256(raw).hexdigest() == ds.SHA256_RAW[name][stem]


@pytest.mark.parametrize("name", ds.NAMES)
def test_gz_checksum_table_matches_shared_files(data_dir, name):
    assert sorted(ds.SHA256[name]) == sorted(GZ_FILES)
    for fname, sha in ds.SHA256[name].items():
        assert hashlib.sha256((data_dir / name / fname).read_bytes()).hexdigest() == sha, fname


def test_verify_accepts_official_files(data_dir):
    found = ds.verify("mnist", "test", path=data_dir)
    assert found.images == data_dir / "mnist" / "t10k-images-idx3-ubyte.gz"


def test_raw_and_gz_read_identically(data_dir, loaded, tmp_path):
    images, labels = loaded["mnist", "test"]
    for stem, ref in (("t10k-images-idx3-ubyte", images), ("t10k-labels-idx1-ubyte", labels)):
        raw = tmp_path / stem
        raw.write_bytes(gzip.decompress((data_dir / "mnist" / f"{stem}.gz").read_bytes()))
        np.testing.assert_array_equal(ds.read_idx(raw), ref)
        # the gzip magic decides, not the name
        odd = tmp_path / f"{stem}.bin"
        shutil.copy(data_dir / "mnist" / f"{stem}.gz", odd)
        np.testing.assert_array_equal(ds.read_idx(odd), ref)
    got_images, got_labels = ds.load("mnist", "test", path=tmp_path)
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)
    assert got_images.flags.writeable


def test_generic_idx_types(tmp_path):
    a = np.arange(-6, 6, dtype=">i2").reshape(3, 4)
    p = tmp_path / "x.idx"
    p.write_bytes(bytes([0, 0, 0x0B, 2]) + struct.pack(">II", 3, 4) + a.tobytes())
    got = ds.read_idx(p)
    assert got.dtype == np.dtype("int16") and got.dtype.isnative
    np.testing.assert_array_equal(got, a)
    f = np.linspace(0, 1, 5, dtype=">f8")
    p.write_bytes(bytes([0, 0, 0x0E, 1]) + struct.pack(">I", 5) + f.tobytes())
    np.testing.assert_array_equal(ds.read_idx(p), f)


# -- broken files ------------------------------------------------------------------

@pytest.fixture
def raw_labels(data_dir) -> bytes:
    return gzip.decompress((data_dir / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes())


def test_truncated_raw_file(tmp_path, raw_labels):
    p = tmp_path / "t10k-labels-idx1-ubyte"
    p.write_bytes(raw_labels[:1000])
    with pytest.raises(ValueError) as e:
        ds.read_idx(p)
    msg = _one_line(e)
    assert str(p) in msg and "10,008" in msg and "1,000" in msg and "truncated" in msg


def test_oversized_file(tmp_path, raw_labels):
    p = tmp_path / "t10k-labels-idx1-ubyte"
    p.write_bytes(raw_labels + b"\0" * 5)
    with pytest.raises(ValueError) as e:
        ds.read_idx(p)
    msg = _one_line(e)
    assert "10,008" in msg and "10,013" in msg and "trailing" in msg


def test_gzip_of_truncated_content(tmp_path, raw_labels):
    p = tmp_path / "t10k-labels-idx1-ubyte.gz"
    p.write_bytes(gzip.compress(raw_labels[:5000]))
    with pytest.raises(ValueError) as e:
        ds.read_idx(p)
    msg = _one_line(e)
    assert "10,008" in msg and "5,000" in msg and "decompressed" in msg


def test_truncated_gzip_stream(tmp_path, data_dir):
    gz = (data_dir / "mnist" / "t10k-images-idx3-ubyte.gz").read_bytes()
    p = tmp_path / "mnist" / "t10k-images-idx3-ubyte.gz"
    p.parent.mkdir()
    p.write_bytes(gz[: len(gz) // 2])
    with pytest.raises(ValueError) as e:
        ds.read_idx(p)
    msg = _one_line(e)
    assert "truncated gzip" in msg and "fastnoise data fetch mnist --overwrite" in msg


def test_multi_member_gzip_is_read(tmp_path, raw_labels):
    p = tmp_path / "labels.gz"
    p.write_bytes(gzip.compress(raw_labels[:4000]) + gzip.compress(raw_labels[4000:]))
    np.testing.assert_array_equal(ds.read_idx(p), np.frombuffer(raw_labels[8:], np.uint8))


def test_wrong_magic(tmp_path):
    p = tmp_path / "t10k-images-idx3-ubyte"
    p.write_bytes(struct.pack(">IIII", 0x12345678, 1, 28, 28) + bytes(784))
    with pytest.raises(ValueError) as e:
        ds.read_idx(p)
    msg = _one_line(e)
    assert "magic number 305419896 (0x12345678)" in msg and "2051" in msg and "2049" in msg


def test_html_saved_as_gz(tmp_path):
    p = tmp_path / "fashion-mnist" / "train-images-idx3-ubyte.gz"
    p.parent.mkdir()
    p.write_text("<!DOCTYPE html>\n<html><head><title>403 Forbidden</title></head></html>\n")
    with pytest.raises(ValueError) as e:
        ds.read_idx(p)
    msg = _one_line(e)
    assert "HTML page" in msg and str(p) in msg
    assert "fastnoise data fetch fashion-mnist --overwrite" in msg


def test_gzipped_html_and_empty_file(tmp_path):
    p = tmp_path / "a.gz"
    p.write_bytes(gzip.compress(b"<html><body>Not Found</body></html>"))
    with pytest.raises(ValueError, match="HTML page.*inside the gzip stream"):
        ds.read_idx(p)
    p.write_bytes(b"")
    with pytest.raises(ValueError, match="empty"):
        ds.read_idx(p)


def test_images_labels_count_mismatch(tmp_path, data_dir):
    shutil.copy(data_dir / "mnist" / "t10k-images-idx3-ubyte.gz", tmp_path)
    shutil.copy(data_dir / "mnist" / "train-labels-idx1-ubyte.gz",
                tmp_path / "t10k-labels-idx1-ubyte.gz")
    with pytest.raises(ValueError) as e:
        ds.load("mnist", "test", path=tmp_path)
    msg = _one_line(e)
    assert "10000 images" in msg and "60000 labels" in msg and "different splits" in msg


def test_swapped_images_and_labels(tmp_path, data_dir):
    shutil.copy(data_dir / "mnist" / "t10k-labels-idx1-ubyte.gz",
                tmp_path / "t10k-images-idx3-ubyte.gz")
    shutil.copy(data_dir / "mnist" / "t10k-images-idx3-ubyte.gz",
                tmp_path / "t10k-labels-idx1-ubyte.gz")
    with pytest.raises(ValueError, match=r"expected \(N, 28, 28\) uint8 images"):
        ds.load("mnist", "test", path=tmp_path)


def test_bad_name_and_split():
    with pytest.raises(ValueError, match=r"^unknown dataset 'mnst'; did you mean 'mnist'\?$"):
        ds.load("mnst")
    with pytest.raises(ValueError, match="^unknown dataset 'zzz'; choose one of mnist, fashion-mnist$"):
        ds.load("zzz")
    with pytest.raises(ValueError, match="unknown split 'valid'"):
        ds.load("mnist", "valid")
    assert ds.search_path("Fashion_MNIST")[0].path.name == "fashion-mnist"


# -- search order ------------------------------------------------------------------

def _fake(folder: Path, marker: int, split: str = "test", n: int = 3, dotted=False,
          gz=True) -> None:
    """Write a tiny IDX split whose pixels all equal ``marker``."""
    folder.mkdir(parents=True, exist_ok=True)
    img_stem, lab_stem = ds.FILES[split]
    images = struct.pack(">IIII", 2051, n, 28, 28) + bytes([marker]) * (n * 784)
    labels = struct.pack(">II", 2049, n) + bytes(range(n))
    for stem, data in ((img_stem, images), (lab_stem, labels)):
        if dotted:
            stem = stem.replace("-idx", ".idx")
        if gz:
            (folder / f"{stem}.gz").write_bytes(gzip.compress(data))
        else:
            (folder / stem).write_bytes(data)


def _marker(name="mnist", split="test", path=None) -> int:
    images, labels = ds.load(name, split, path=path)
    assert labels.tolist() == list(range(len(labels)))
    return int(images[0, 0, 0])


def test_nothing_found_lists_places(clean_env):
    with pytest.raises(FileNotFoundError) as e:
        ds.load("mnist", "test")
    msg = _one_line(e)
    assert "$FASTNOISE_DATA (unset)" in msg and ".cache/fastnoise/mnist" in msg
    assert "mnist.npz" in msg and "MNIST/raw" in msg
    assert "fastnoise data fetch mnist" in msg and "FASTNOISE_DATA" in msg


def test_search_order(clean_env, tmp_path, monkeypatch):
    home = clean_env
    _fake(home / ".torch" / "MNIST" / "raw", 1, gz=False)
    assert _marker() == 1
    _fake(home / ".cache" / "torch" / "MNIST" / "raw", 2, gz=False)
    assert _marker() == 2
    _fake(Path("data") / "MNIST" / "raw", 3)
    assert _marker() == 3
    npz = home / ".keras" / "datasets" / "mnist.npz"
    npz.parent.mkdir(parents=True)
    np.savez(npz, x_train=np.zeros((2, 28, 28), np.uint8), y_train=np.zeros(2, np.uint8),
             x_test=np.full((3, 28, 28), 4, np.uint8), y_test=np.arange(3, dtype=np.uint8))
    assert _marker() == 4
    assert ds.locate("mnist", "test").location.label == "Keras cache"
    _fake(home / ".cache" / "fastnoise" / "mnist", 5)
    assert _marker() == 5
    _fake(tmp_path / "env" / "mnist", 6, dotted=True)
    monkeypatch.setenv("FASTNOISE_DATA", str(tmp_path / "env"))
    assert _marker() == 6
    _fake(tmp_path / "explicit", 7)
    assert _marker(path=tmp_path / "explicit") == 7
    assert _marker(path=npz) == 4
    # an explicit path is the only place searched
    with pytest.raises(FileNotFoundError) as e:
        ds.load("mnist", "test", path=tmp_path / "nowhere")
    assert "nowhere" in _one_line(e) and ".cache" not in str(e.value)


def test_search_order_env_vars(clean_env, tmp_path, monkeypatch):
    _fake(tmp_path / "torchhome" / "FashionMNIST" / "raw", 8, split="train")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torchhome"))
    assert _marker("fashion-mnist", "train") == 8
    _fake(tmp_path / "keras" / "datasets" / "fashion-mnist", 9, split="train")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    assert _marker("fashion-mnist", "train") == 9
    _fake(tmp_path / "xdg" / "fastnoise" / "fashion-mnist", 10, split="train")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _marker("fashion-mnist", "train") == 10
    assert ds.cache_dir("fashion-mnist") == tmp_path / "xdg" / "fastnoise" / "fashion-mnist"
    labels = [loc.label for loc in ds.search_path("fashion-mnist")]
    assert labels[-1] == "Debian dataset-fashion-mnist"


def test_incomplete_folder_is_skipped_and_reported(clean_env, tmp_path, monkeypatch):
    env = tmp_path / "env" / "mnist"
    _fake(env, 1)
    (env / "t10k-labels-idx1-ubyte.gz").unlink()
    monkeypatch.setenv("FASTNOISE_DATA", str(tmp_path / "env"))
    with pytest.raises(FileNotFoundError) as e:
        ds.load("mnist", "test")
    assert "no t10k-labels-idx1-ubyte[.gz]" in _one_line(e)
    _fake(clean_env / ".cache" / "fastnoise" / "mnist", 2)
    assert _marker() == 2


# -- network inputs ----------------------------------------------------------------

def test_digits(loaded):
    images, _ = loaded["mnist", "test"]
    x = ds.digits(images[:10])
    assert x.shape == (10, 784) and x.dtype == np.float64
    assert x.min() == 0.0 and x.max() == 1.0
    np.testing.assert_array_equal(x[3], images[3].ravel() / 255.0)
    with pytest.raises(ValueError, match="uint8"):
        ds.digits(images[:2].astype(float))
    with pytest.raises(ValueError, match=r"images\[i:i \+ 1\]"):
        ds.digits(images[0, 0])


def test_select(loaded):
    images, labels = loaded["mnist", "test"]
    fives = np.flatnonzero(labels == 5)
    im, lab = ds.select(images, labels, label=5, count=100, start=10)
    assert (lab == 5).all() and len(lab) == 100
    np.testing.assert_array_equal(im, images[fives[10:110]])
    im, lab = ds.select(images, labels, count=7)
    np.testing.assert_array_equal(lab, labels[:7])
    _, lab = ds.select(images, labels, label=[0, 1])
    assert len(lab) == 980 + 1135
    with pytest.raises(ValueError) as e:
        ds.select(images, labels, label=5, count=1000)
    assert "only 892" in _one_line(e)
    with pytest.raises(ValueError, match="count must be an integer"):
        ds.select(images, labels, count=-1)
    with pytest.raises(ValueError, match="label must be an integer"):
        ds.select(images, labels, label="five")
    with pytest.raises(ValueError, match="disagree"):
        ds.select(images, labels[:5])


# -- fetch (local HTTP server only) ------------------------------------------------------

class _Server:
    def __init__(self, root: Path):
        self.requests: list[str] = []
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                server.requests.append(self.path)
                super().do_GET()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def mirror(tmp_path, data_dir):
    """A local copy of the MNIST files and a server factory for it."""
    root = tmp_path / "mirror"
    shutil.copytree(data_dir / "mnist", root, copy_function=shutil.copyfile)
    servers = []

    def serve(folder=root):
        servers.append(_Server(folder))
        return servers[-1]

    yield root, serve
    for s in servers:
        s.close()


def test_fetch_downloads_verifies_and_keeps(mirror, tmp_path, data_dir, capsys):
    root, serve = mirror
    server = serve()
    out = tmp_path / "out"
    paths = ds.fetch("mnist", dir=out, base_url=server.url, progress=True)
    assert [p.name for p in paths] == list(GZ_FILES)
    assert all(p.parent == out / "mnist" for p in paths)
    for p in paths:
        assert p.read_bytes() == (data_dir / "mnist" / p.name).read_bytes()
    assert sorted(server.requests) == sorted("/" + f for f in GZ_FILES)
    assert not list(out.rglob("*.part"))
    err = capsys.readouterr().err
    assert "mnist/train-images-idx3-ubyte.gz" in err and "MB/s" in err
    mtimes = [p.stat().st_mtime_ns for p in paths]
    assert ds.fetch("mnist", dir=out, base_url=server.url, progress=False) == paths
    assert len(server.requests) == 4  # nothing downloaded the second time
    assert [p.stat().st_mtime_ns for p in paths] == mtimes
    images, labels = ds.load("mnist", "test", path=out)
    assert images.shape == (10000, 28, 28)


def test_fetch_default_dir_is_the_searched_cache(mirror, clean_env, tmp_path, monkeypatch):
    root, serve = mirror
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    paths = ds.fetch("mnist", base_url=serve().url.rstrip("/"), progress=False)
    assert paths[0].parent == tmp_path / "xdg" / "fastnoise" / "mnist"
    assert ds.locate("mnist", "test").location.label == "fastnoise cache"


def test_fetch_file_url(tmp_path, data_dir):
    out = tmp_path / "out"
    paths = ds.fetch("mnist", dir=out, base_url=(data_dir / "mnist").as_uri(), progress=False)
    assert all(p.is_file() for p in paths)


def test_fetch_corrupted_file_leaves_nothing(mirror, tmp_path):
    root, serve = mirror
    bad = root / "train-labels-idx1-ubyte.gz"
    data = bytearray(bad.read_bytes())
    data[100] ^= 0xFF
    bad.write_bytes(bytes(data))
    out = tmp_path / "out"
    with pytest.raises(ValueError) as e:
        ds.fetch("mnist", dir=out, base_url=serve().url, progress=False)
    msg = _one_line(e)
    assert "checksum mismatch" in msg and "train-labels-idx1-ubyte.gz" in msg
    assert ds.SHA256["mnist"]["train-labels-idx1-ubyte.gz"] in msg
    assert not (out / "mnist" / "train-labels-idx1-ubyte.gz").exists()
    assert not list(out.rglob("*.part"))


def test_fetch_html_instead_of_file(mirror, tmp_path):
    root, serve = mirror
    (root / "t10k-labels-idx1-ubyte.gz").write_text("<!DOCTYPE html><html>Access denied</html>")
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="server sent an HTML page"):
        ds.fetch("mnist", dir=out, base_url=serve().url, progress=False)
    assert sorted(p.name for p in (out / "mnist").iterdir()) == sorted(GZ_FILES[:3])


def test_fetch_http_error_and_unreachable(mirror, tmp_path):
    root, serve = mirror
    (root / "t10k-images-idx3-ubyte.gz").unlink()
    out = tmp_path / "out"
    with pytest.raises(OSError) as e:
        ds.fetch("mnist", dir=out, base_url=serve().url, progress=False)
    assert "HTTP 404" in _one_line(e) and "--base-url" in str(e.value)
    assert not list(out.rglob("*.part"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(OSError) as e:
        ds.fetch("mnist", dir=tmp_path / "o2", base_url=f"http://127.0.0.1:{port}/",
                 progress=False, timeout=5)
    assert "cannot download" in _one_line(e)


def test_fetch_never_overwrites_other_contents(mirror, tmp_path, data_dir):
    root, serve = mirror
    server = serve()
    target = tmp_path / "out" / "mnist" / "t10k-labels-idx1-ubyte.gz"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"my own file")
    with pytest.raises(FileExistsError) as e:
        ds.fetch("mnist", dir=tmp_path / "out", base_url=server.url, progress=False)
    assert "--overwrite" in _one_line(e) and str(target) in str(e.value)
    assert server.requests == [] and target.read_bytes() == b"my own file"
    ds.fetch("mnist", dir=tmp_path / "out", base_url=server.url, progress=False, overwrite=True)
    assert target.read_bytes() == (data_dir / "mnist" / target.name).read_bytes()


# -- the `data` command ---------------------------------------------------------------

def _run(argv) -> int:
    parser = argparse.ArgumentParser(prog="fastnoise")
    sub = parser.add_subparsers(dest="command")
    datacli.add_parser(sub)
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_fetch_and_list(mirror, clean_env, tmp_path, monkeypatch, capsys):
    root, serve = mirror
    out = tmp_path / "out"
    assert _run(["data", "fetch", "mnist", "--dir", str(out), "--base-url", serve().url,
                 "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert f"4 files in {out / 'mnist'}" in captured.out and "FASTNOISE_DATA=" in captured.out
    assert _run(["data", "list"]) == 0
    text = capsys.readouterr().out
    assert "mnist          test   not found; run 'fastnoise data fetch mnist'" in text
    monkeypatch.setenv("FASTNOISE_DATA", str(out))
    assert _run(["data", "list", "mnist", "--verify", "--all"]) == 0
    text = capsys.readouterr().out
    assert f"{out / 'mnist'}/ t10k-images-idx3-ubyte.gz" in text and "verified" in text
    assert "$FASTNOISE_DATA" in text and "train: used; test: used" in text
    assert "fashion-mnist" not in text


def test_cli_list_verify_failure(clean_env, tmp_path, monkeypatch, capsys):
    _fake(tmp_path / "env" / "mnist", 1)
    monkeypatch.setenv("FASTNOISE_DATA", str(tmp_path / "env"))
    assert _run(["data", "list", "mnist", "--verify"]) == 1
    assert "VERIFY FAILED" in capsys.readouterr().out


def test_cli_errors(mirror, tmp_path):
    root, serve = mirror
    with pytest.raises(ValueError, match="choose an action"):
        _run(["data"])
    with pytest.raises(SystemExit):
        _run(["data", "fetch", "mnst"])
    target = tmp_path / "mnist" / "train-images-idx3-ubyte.gz"
    target.parent.mkdir()
    target.write_bytes(b"x")
    with pytest.raises(FileExistsError):
        _run(["data", "fetch", "mnist", "--dir", str(tmp_path), "--base-url", serve().url, "-q"])
    assert _run(["data", "fetch", "mnist", "--dir", str(tmp_path), "--base-url", serve().url,
                 "-q", "--overwrite"]) == 0
