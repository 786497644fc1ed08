"""The fastnoise HDF5 store: one group per run, written block by block.

Layout (format version 1)::

    /                         attrs: fastnoise_format, format_version, fastnoise_version
    /runs/<run>/              attrs: config (JSON), config_hash, seed, stream,
                                     fastnoise_version, format_version, status, created
        input, neuron_<n>,    dimension scales (HDF5 dimension scales, so that
        repeat, sample, ...   xarray's h5netcdf engine labels every axis)
        inputs                (input, neuron_0) the inputs u^t
        mean_<n>, var_<n>     (input, neuron_<n>) mean and unbiased variance of y
        row_<n>, col_<n>,     (neuron_<n>) for a layer that is a map (H, W, C), e.g. a
        channel_<n>           convolution's: each neuron's position, named by the
                              ``coordinates`` attribute of that layer's datasets (xarray
                              reads them as coordinates), which also carry ``map_shape``
        xt_<n>, x_<n>         (input, neuron_<n>) noiseless x̃ and x
        done                  (input,) 1 once every dataset of that input is written
        samples               (input, repeat, sample) raw y of chosen neurons (optional)
        sample_layer/_neuron  (sample,) which neurons
        hist                  (input, layer, bin) counts of y per layer (optional)
        hist_lo, hist_hi      (layer,) histogram ranges
        predicted             (input, repeat) class chosen by the noisy network (optional)
        labels                (input,) true classes (optional, with predicted)
        network/              the Network (weights W<n>, biases b<n>)

Crash safety: every dataset is contiguous, uncompressed, fully allocated and
flushed when the run is created, and modification times are not tracked; a
block afterwards writes raw data only, is flushed, and only then is its
``done`` flag set and flushed.  A process killed at any moment therefore leaves
a readable file whose ``done`` flags mark exactly the inputs that are
complete, and a resumed run recomputes the rest.  A new store file is built
under ``<path>.partial`` and renamed into place, so a user's path never holds
a half-created file.

One writer per path: every writing mode holds the OS-level lock of
:mod:`fastnoise.io.lock`, so a second process writing the same path is
refused with one line naming the first.  Temporary files have unique names
(``<path>.<pid>-<token>.partial``); those left by killed writers are removed
by the next writer.  Mode ``"w"`` over an existing file (the explicit
overwrite) builds the new store beside the old one and replaces it only when
the store is closed without error: a run killed or failing before that leaves
the old file as it was.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import time

import numpy as np

from .._version import __version__
from . import network_file, reservoir_file
from .allocate import allocated_dataset
from .errors import (StoreError, first_line, check_global_heaps, damaged, open_failure,
                     reading, safe_text)
from .lock import partial_path, remove_stale_partials, write_lock

__all__ = ["Store", "Run", "open_store", "FORMAT", "FORMAT_VERSION"]

FORMAT = "fastnoise-store"
FORMAT_VERSION = 1
_STATUS_LEN = 16


def config_hash(config: dict) -> str:
    """Stable hash of a run configuration (what must match to resume)."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _status_bytes(status: str) -> np.bytes_:
    return np.bytes_(status.ljust(_STATUS_LEN)[:_STATUS_LEN].encode())


class Store:
    """A fastnoise HDF5 store, used as a context manager.

    Parameters
    ----------
    path : str or path-like
    mode : {"r", "a", "x", "w"}
        ``"r"`` read an existing store; ``"a"`` open an existing store to
        add or resume runs (created when missing); ``"x"`` create a new store
        and fail if the file exists; ``"w"`` create a new store, replacing an
        existing file (the explicit overwrite).

    Examples
    --------
    >>> with fn.Store("fig3.h5") as s:             # doctest: +SKIP
    ...     run = s.run()                          # the only (or last) run
    ...     run.var(3)                             # (T, I_3) output variances
    """

    def __init__(self, path, mode: str = "r"):
        import h5py

        self.path = os.fspath(path)
        if mode not in ("r", "a", "x", "w"):
            raise ValueError(f"store mode must be 'r', 'a', 'x' or 'w', got {mode!r}")
        self.mode = mode
        self._tmp = None
        self._lock = None
        self._replace = False
        if mode != "r":  # one writer per path; released by close() or discard()
            self._lock = write_lock(self.path)
        try:
            exists = os.path.exists(self.path)
            if mode == "x" and exists:
                raise FileExistsError(f"{self.path} exists; choose another path, or overwrite it "
                                      "explicitly (mode 'w')")
            if mode == "r" and not exists:
                raise FileNotFoundError(f"{self.path}: no such file")
            if mode != "r":
                remove_stale_partials(self.path)  # we hold the lock: no live writer owns them
            if mode in ("x", "w") or (mode == "a" and not exists):
                # a replaced store stays in place until the new one is complete (see close)
                self._replace = exists
                self._tmp = self._create_empty()
            self._f = h5py.File(self._tmp or self.path, "r" if mode == "r" else "r+")
        except OSError as exc:
            self._abandon()
            if isinstance(exc, (FileExistsError, FileNotFoundError)):
                raise
            raise StoreError(open_failure(self.path, exc)) from None
        except BaseException:
            self._abandon()
            raise
        try:
            self._check_opened()
        except BaseException:
            self._abandon()
            raise

    def _check_opened(self) -> None:
        """Refuse a foreign, newer or structurally damaged file, with one line."""
        import h5py

        if self._tmp is None:
            check_global_heaps(self.path)  # before h5py reads a string (see errors.py)
        with reading(self.path, where="/"):
            fmt = self._f.attrs.get("fastnoise_format")
        if isinstance(fmt, bytes):
            fmt = fmt.decode("utf-8", errors="replace")
        if fmt != FORMAT:
            if fmt is None:
                raise StoreError(f"{self.path} is an HDF5 file but not a fastnoise store "
                                 "(no fastnoise_format attribute); give a store written by "
                                 "fastnoise")
            raise damaged(self.path, f"fastnoise_format attribute is {safe_text(repr(fmt), 60)}, "
                                     f"not {FORMAT!r}")
        with reading(self.path, where="/"):
            raw = self._f.attrs.get("format_version", -1)
        try:
            version = int(raw)
        except (TypeError, ValueError, OverflowError):
            raise damaged(self.path, f"format_version attribute is {safe_text(repr(raw), 60)}, "
                                     "not an integer") from None
        if version > FORMAT_VERSION:
            raise StoreError(f"{self.path} has store format {version}, newer than this fastnoise "
                             f"({__version__}, format {FORMAT_VERSION}); upgrade fastnoise")
        if version < 1:
            raise damaged(self.path, f"format_version attribute is {version}")
        self._format_version = version
        with reading(self.path, where="/runs"):
            runs = self._f.get("runs")
            ok = isinstance(runs, h5py.Group)
        if not ok:
            raise damaged(self.path, "no /runs group" if runs is None else "/runs is not a group")

    def _create_empty(self) -> str:
        """Write an empty store under a unique :func:`~fastnoise.io.lock.partial_path`;
        :meth:`_commit` renames it."""
        import h5py

        tmp = partial_path(self.path)
        try:
            with h5py.File(tmp, "w", track_order=True) as f:
                f.attrs["fastnoise_format"] = FORMAT
                f.attrs["format_version"] = FORMAT_VERSION
                f.attrs["fastnoise_version"] = __version__
                f.create_group("runs", track_order=True)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise
        return tmp

    def _commit(self) -> None:
        """Move a newly built store into place (atomic rename) and reopen it."""
        import h5py

        if self._tmp is None:
            return
        self._f.flush()
        self._f.close()
        os.replace(self._tmp, self.path)
        self._tmp = None
        self._replace = False
        self._f = h5py.File(self.path, "r+")

    def _abandon(self) -> None:
        """Forget a store that failed to open: delete its partial file, release the lock."""
        f = getattr(self, "_f", None)
        if f is not None and f.id.valid:
            f.close()
        if self._tmp is not None:
            try:
                os.remove(self._tmp)
            except FileNotFoundError:
                pass
            self._tmp = None
        self._release_lock()

    def _release_lock(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # -- context management ----------------------------------------------------
    def close(self) -> None:
        """Close the store; a store built by this object is moved into place first.

        A store created with mode ``"w"`` over an existing file replaces that
        file only here (or at :meth:`commit`), when the caller is done: a run
        killed or failing before then leaves the old file as it was.
        """
        try:
            if getattr(self, "_f", None) is not None and self._f.id.valid:
                if self._tmp is not None:
                    self._commit()
                self._f.close()
        finally:
            self._release_lock()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and self._tmp is not None:
            self.discard()  # a store that failed while being built never appears at ``path``
        else:
            self.close()

    def discard(self) -> None:
        """Close a store created by this object and not yet moved into place, and delete it.

        Nothing at ``path`` is touched (with mode ``"w"`` an existing file there
        stays as it was).  For a store already in place this is :meth:`close`.
        """
        if self._tmp is None:
            self.close()
            return
        self._abandon()

    @property
    def in_place(self) -> bool:
        """Whether the store is at ``path`` (False while a new or replacing store is built)."""
        return self._tmp is None

    def text(self, name: str, default: str | None = None) -> str | None:
        """Text attribute ``name`` of the file (``default`` when absent), checked printable."""
        with reading(self.path, where="/"):
            value = self._f.attrs.get(name)
        if value is None:
            return default
        if isinstance(value, bytes):
            try:
                value = value.decode("utf-8")
            except UnicodeDecodeError:
                raise damaged(self.path, f"attribute {name!r} of / is not UTF-8 "
                                         f"({safe_text(value, 60)})") from None
        if not isinstance(value, str) or not value.isprintable():
            raise damaged(self.path, f"attribute {name!r} of / is {safe_text(repr(value), 60)}")
        return value

    @property
    def format_version(self) -> int:
        """The store format version (checked when the store was opened)."""
        return self._format_version

    @property
    def file(self):
        """The underlying ``h5py.File``."""
        return self._f

    # -- runs ------------------------------------------------------------------
    def runs(self) -> list[str]:
        """Names of the runs in creation order."""
        with reading(self.path, where="/runs"):
            names = list(self._f["runs"].keys())
        for name in names:
            if not name.isascii() or not name.isprintable():
                raise damaged(self.path, f"run name {safe_text(repr(name), 60)} in /runs")
        return names

    def run(self, name: str | None = None) -> "Run":
        """The run called ``name`` (default: the last one created)."""
        with reading(self.path, where="/runs" if name is None else f"/runs/{name}"):
            runs = self._f["runs"]
            if name is not None and "/" not in name and name in runs:  # no listing: sweeps hold thousands
                return Run(self, _group(self.path, runs, name))
        names = self.runs()
        if not names:
            raise StoreError(f"{self.path} holds no runs yet")
        if name is None:
            with reading(self.path, where=f"/runs/{names[-1]}"):
                return Run(self, _group(self.path, runs, names[-1]))
        raise StoreError(f"{self.path} has no run {name!r}; runs: {', '.join(names)}")

    def next_run_name(self) -> str:
        names = set(self.runs())
        i = 0
        while f"run{i}" in names:
            i += 1
        return f"run{i}"

    def create_run(self, name, config, network, inputs, samples=None, hist=None,
                   classes=None, commit: bool = True, checkpoint=None) -> "Run":
        """Lay out a new run, allocate and flush every dataset, return it.

        ``samples`` is (layers, neurons) index arrays or None; ``hist`` is
        (lo, hi, n_bins) with per-layer lo/hi arrays, or None; ``classes`` is
        (True, labels or None) to record the noisy argmax, or None.  A new
        store is moved into place afterwards unless ``commit`` is False (to
        lay out several runs first; then call :meth:`commit`).

        A reservoir (``network`` a :class:`~fastnoise.network.reservoir.Reservoir`) runs
        in time: its rows are labelled ``time`` instead of ``input``, and
        ``checkpoint = dtype`` lays out two slots of its K repetitions' state
        (``state_r`` (2, N, K), ``state_y`` (2, I_out, K), ``state_step`` (2,)), written
        alternately at the end of each block (:meth:`Run.write_checkpoint`) so that a run
        killed at any moment resumes from the last complete block.
        """
        import h5py

        if self.mode == "r":
            raise StoreError(f"{self.path} is open read-only")
        if name in self._f["runs"]:
            raise FileExistsError(f"{self.path} already has a run {name!r}; resume it or choose another name")
        widths = list(network.widths)
        T = int(inputs.shape[0])
        K = int(config["repeats"])
        g = self._f["runs"].create_group(name, track_order=True)
        g.attrs["config"] = json.dumps(config, sort_keys=True)
        g.attrs["config_hash"] = config_hash(config)
        g.attrs["seed"] = np.uint64(config["seed"])
        g.attrs["stream"] = int(config.get("stream", 0))
        g.attrs["fastnoise_version"] = __version__
        g.attrs["format_version"] = FORMAT_VERSION
        g.attrs["created"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        g.attrs["status"] = _status_bytes("running")

        scales = {}  # dimension name -> (scale dataset, length): no HDF5 lookups per dataset

        def scale(dim, n):
            ds = g.create_dataset(dim, data=np.arange(n, dtype=np.int64), track_times=False)
            ds.make_scale(dim)
            scales[dim] = (ds, int(n))
            return ds

        def dataset(nm, dims, dtype, fill):
            ds = allocated_dataset(g, nm, tuple(scales[d][1] for d in dims), dtype, fill)
            for axis, d in enumerate(dims):
                ds.dims[axis].attach_scale(scales[d][0])
            return ds

        recurrent = reservoir_file.is_reservoir_object(network)
        row_dim = "time" if recurrent else "input"
        scale(row_dim, T)
        for n, w in enumerate(widths):
            scale(f"neuron_{n}", w)
        scale("layer", len(widths))
        maps = {n: shape for n, shape in enumerate(getattr(network, "shapes", ()))
                if len(shape) == 3}
        for n, (h, w, c) in maps.items():  # a map's neurons: (row, column, channel) coordinates
            rows, cols, chans = np.unravel_index(np.arange(h * w * c), (h, w, c))
            for axis, values in (("row", rows), ("col", cols), ("channel", chans)):
                dataset(f"{axis}_{n}", (f"neuron_{n}",), np.int64, -1)[...] = values
        inp = dataset("inputs", (row_dim, "neuron_0"), np.float64, np.nan)
        inp[...] = inputs
        for n in range(len(widths)):
            for kind in ("mean", "var", "xt", "x"):
                ds = dataset(f"{kind}_{n}", (row_dim, f"neuron_{n}"), np.float64, np.nan)
                if n in maps:
                    ds.attrs["coordinates"] = f"row_{n} col_{n} channel_{n}"
                    ds.attrs["map_shape"] = np.array(maps[n], np.int64)
        if 0 in maps:
            inp.attrs["coordinates"] = "row_0 col_0 channel_0"
            inp.attrs["map_shape"] = np.array(maps[0], np.int64)
        dataset("done", (row_dim,), np.uint8, 0)
        if checkpoint is not None:
            scale("repeat", K)
            scale("slot", 2)
            dataset("state_r", ("slot", "neuron_1", "repeat"), checkpoint, np.nan)
            dataset("state_y", ("slot", f"neuron_{len(widths) - 1}", "repeat"), checkpoint, np.nan)
            dataset("state_step", ("slot",), np.int64, -1)
        if samples is not None and len(samples[0]):
            if "repeat" not in scales:
                scale("repeat", K)
            scale("sample", len(samples[0]))
            dataset("sample_layer", ("sample",), np.int64, -1)[...] = samples[0]
            dataset("sample_neuron", ("sample",), np.int64, -1)[...] = samples[1]
            dataset("samples", (row_dim, "repeat", "sample"), np.float64, np.nan)
        if hist is not None:
            lo, hi, nb = hist
            scale("bin", nb + 2)
            dataset("hist_lo", ("layer",), np.float64, np.nan)[...] = lo
            dataset("hist_hi", ("layer",), np.float64, np.nan)[...] = hi
            dataset("hist", (row_dim, "layer", "bin"), np.int64, 0)
        if classes is not None:
            if "repeat" not in scales:
                scale("repeat", K)
            dataset("predicted", ("input", "repeat"), np.int32, -1)
            if classes[1] is not None:
                dataset("labels", ("input",), np.int64, -1)[...] = classes[1]
        if recurrent:
            reservoir_file.write_group(g.create_group("network"), network)
        else:
            network_file.write_group(g.create_group("network"), network)
        if commit and not self._replace:  # a replacing store waits for close()
            self._f.flush()
            self._commit()
        elif self._tmp is None:  # laid out inside a store already in place: on disk now
            self._f.flush()
        return Run(self, self._f["runs"][name])

    def commit(self) -> None:
        """Move a store created by this object into place now (see :meth:`create_run`)."""
        self._commit()

    @property
    def is_sweep(self) -> bool:
        """Whether the store holds a sweep (written by ``fastnoise sweep``)."""
        return "sweep" in self._f

    def sweep_index(self):
        """The sweep's index (:class:`fastnoise.io.sweep_index.SweepIndex`)."""
        from .sweep_index import SweepIndex

        return SweepIndex(self)

    def __getattr__(self, name):
        # The sweep tables are statistics: they live in fastnoise.stats, which reads
        # stores (data flows one way, io never imports stats).
        if name in ("sweep_table", "sweep_dataset"):
            raise AttributeError(f"Store.{name}() moved to the statistics layer: use "
                                 f"fastnoise.stats.{name}(store) (a Store or a path)")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __repr__(self) -> str:
        return f"Store({self.path!r}, mode={self.mode!r}, runs={self.runs()})"


_STATUSES = ("running", "complete")
#: What the text attributes written by create_run look like.
_TEXT_FORMATS = {"created": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d{4}|Z)?",
                 "fastnoise_version": r"\d+\.\d+[0-9A-Za-z.+_-]*",
                 "config_hash": r"[0-9a-f]{16}"}


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _config_problem(cfg) -> str:
    """What makes a stored run config unusable, or ''."""
    if not isinstance(cfg, dict):
        return f"a JSON {type(cfg).__name__}, not an object"
    net = cfg.get("network", {"widths": [1]})  # (runs laid out by hand may leave it out)
    if not isinstance(net, dict):
        return "'network' is not an object"
    widths = net.get("widths")
    if (not isinstance(widths, list) or len(widths) < 1
            or not all(_is_int(w) and 1 <= w <= 2**31 for w in widths)):
        return f"network.widths is {safe_text(repr(widths), 60)}, not a list of positive integers"
    acts = net.get("activations")
    if acts is not None and (not isinstance(acts, list) or len(acts) != len(widths)
                             or not all(isinstance(a, dict) for a in acts)):
        return f"network.activations is not a list of {len(widths)} objects"
    repeats = cfg.get("repeats")
    if not _is_int(repeats) or repeats < 1:
        return f"repeats is {safe_text(repr(repeats), 40)}, not a positive integer"
    if not _is_int(cfg.get("seed")) or cfg["seed"] < 0:
        return f"seed is {safe_text(repr(cfg.get('seed')), 40)}, not an integer >= 0"
    for act in acts or ():
        name, param = act.get("name"), act.get("param", 0.0)
        if not isinstance(name, str) or not name.isascii() or not name.isprintable():
            return f"activation name {safe_text(repr(name), 40)} is not a name"
        if not _is_number(param):
            return f"activation parameter {safe_text(repr(param), 40)} is not a number"
    noise = cfg.get("noise")
    if noise is not None and (not isinstance(noise, list) or len(noise) != len(widths)
                              or not all(isinstance(d, dict) for d in noise)):
        return f"noise is not a list of {len(widths)} objects"
    for d in noise or ():
        for key, value in d.items():
            if not _is_number(value) or value < 0:
                return f"noise intensity {safe_text(key, 30)} = {safe_text(repr(value), 30)}"
    n_inputs = cfg.get("n_inputs")
    if n_inputs is not None and (not _is_int(n_inputs) or n_inputs < 1):
        return f"n_inputs is {safe_text(repr(n_inputs), 40)}"
    if not _is_int(cfg.get("stream", 0)):
        return f"stream is {safe_text(repr(cfg.get('stream')), 40)}, not an integer"
    hist = cfg.get("histogram")
    if hist is not None and not (isinstance(hist, dict) and _is_int(hist.get("bins"))):
        return "histogram is not an object with integer bins"
    samples = cfg.get("samples")
    if samples is not None and not (isinstance(samples, list) and all(
            isinstance(p, list) and len(p) == 2 and all(_is_int(i) for i in p) for p in samples)):
        return "samples is not a list of [layer, neuron] pairs"
    return ""


def _is_number(v) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool)) and v == v and abs(v) != float("inf")


def _array_digest(a: np.ndarray) -> str:
    """SHA-256 of an array's shape and bytes, as recorded in a run config (``inputs_sha256``)."""
    a = np.ascontiguousarray(a)
    h = hashlib.sha256()
    h.update(str(a.shape).encode())
    h.update(a.tobytes())
    return h.hexdigest()


def _group(path, parent, name: str):
    """``parent[name]``, which must be an HDF5 group (else the store is damaged)."""
    import h5py

    obj = parent[name]
    if not isinstance(obj, h5py.Group):
        raise damaged(path, f"{parent.name.rstrip('/')}/{name} is not a group")
    return obj


class Run:
    """One run of a store: read its results, or write blocks while it runs."""

    def __init__(self, store: Store, group):
        self.store = store
        self.group = group
        self.name = group.name.rsplit("/", 1)[-1]
        self._config = None

    # -- metadata ----------------------------------------------------------------
    # Every reader goes through _attr/_read: a damaged file gives one StoreError
    # "PATH: damaged store (<what> at /runs/<run>/<name>)", never an h5py traceback.

    def _where(self, name: str = "") -> str:
        return f"{self.group.name}/{name}" if name else self.group.name

    def _damaged(self, what: str) -> StoreError:
        return damaged(self.store.path, what)

    def _attr(self, name: str):
        with reading(self.store.path, where=self._where()):
            if name not in self.group.attrs:
                raise self._damaged(f"attribute {name!r} missing from {self._where()}")
            return self.group.attrs[name]

    def _text_attr(self, name: str) -> str:
        value = self._attr(name)
        if isinstance(value, bytes):
            try:
                value = value.decode("utf-8")
            except UnicodeDecodeError:
                raise self._damaged(f"attribute {name!r} of {self._where()} is not UTF-8 "
                                    f"({safe_text(value, 60)})") from None
        if not isinstance(value, str):
            raise self._damaged(f"attribute {name!r} of {self._where()} is "
                                f"{safe_text(repr(value), 60)}, not text")
        if not value.isprintable():
            raise self._damaged(f"attribute {name!r} of {self._where()} holds unprintable "
                                f"characters ({safe_text(value, 60)})")
        return value

    def _has(self, name: str) -> bool:
        with reading(self.store.path, where=self._where()):
            return name in self.group

    def _read(self, name: str, shape=None, kinds: str = "fiu", group=None) -> np.ndarray:
        """Dataset ``name`` of this run (or of ``group``), checked against ``shape``/``kinds``."""
        import h5py

        g = self.group if group is None else group
        where = f"{g.name}/{name}"
        with reading(self.store.path, where=where):
            if name not in g:
                raise self._damaged(f"dataset {where} missing")
            ds = g[name]
            if not isinstance(ds, h5py.Dataset):
                raise self._damaged(f"{where} is not a dataset")
            if ds.dtype.kind not in kinds:
                raise self._damaged(f"{where} has dtype {ds.dtype}, expected "
                                    + {"f": "float", "fiu": "numbers", "iu": "integers"}.get(kinds, kinds))
            if shape is not None and ds.shape != tuple(shape):
                raise self._damaged(f"{where} has shape {ds.shape}, expected {tuple(shape)}")
            return ds[()]

    def _cfg(self) -> dict:
        """The parsed config, shared: parsed once (a run's config never changes)."""
        if self._config is None:
            text = self._text_attr("config")
            try:
                cfg = json.loads(text)
            except ValueError as exc:
                raise self._damaged(f"attribute 'config' of {self._where()} is not JSON: "
                                    f"{first_line(exc)}") from None
            problem = _config_problem(cfg)
            if problem:
                raise self._damaged(f"attribute 'config' of {self._where()}: {problem}")
            with reading(self.store.path, where=self._where()):
                recorded = self.group.attrs.get("config_hash")
            if isinstance(recorded, bytes):
                recorded = recorded.decode("ascii", errors="replace")
            if recorded is not None and str(recorded) != config_hash(cfg):
                raise self._damaged(f"attributes 'config' and 'config_hash' of {self._where()} "
                                    "disagree")
            self._config = cfg
        return self._config

    @property
    def config(self) -> dict:
        """The run's configuration (a copy the caller may change)."""
        return copy.deepcopy(self._cfg())

    @property
    def config_hash(self) -> str:
        self._cfg()  # checks the hash against the config
        return self._text_attr("config_hash")

    def text(self, name: str, default: str | None = None) -> str | None:
        """Text attribute ``name`` of the run (``default`` when absent), checked printable
        (``created`` and ``fastnoise_version`` also checked against their formats)."""
        with reading(self.store.path, where=self._where()):
            present = name in self.group.attrs
        if not present:
            return default
        value = self._text_attr(name)
        pattern = _TEXT_FORMATS.get(name)
        if pattern is not None and not re.fullmatch(pattern, value):
            raise self._damaged(f"attribute {name!r} of {self._where()} is "
                                f"{safe_text(repr(value), 60)}")
        return value

    @property
    def status(self) -> str:
        value = self._attr("status")
        text = value.decode("ascii", errors="replace") if isinstance(value, bytes) else str(value)
        text = text.strip()
        if text not in _STATUSES:
            raise self._damaged(f"attribute 'status' of {self._where()} is "
                                f"{safe_text(repr(text), 40)}, not one of {', '.join(_STATUSES)}")
        return text

    @property
    def widths(self) -> list[int]:
        cfg = self._cfg()
        if "network" not in cfg:
            raise self._damaged(f"attribute 'config' of {self._where()} has no 'network' object")
        return list(cfg["network"]["widths"])

    @property
    def n_layers(self) -> int:
        return len(self.widths)

    @property
    def n_inputs(self) -> int:
        """T, the number of inputs (the length of ``done``)."""
        with reading(self.store.path, where=self._where("done")):
            shape = self.group["done"].shape if "done" in self.group else None
        if shape is None or len(shape) != 1:
            self.done  # noqa: B018  (raises the precise message)
        want = self._cfg().get("n_inputs")
        if want is not None and want != shape[0]:
            raise self._damaged(f"{self._where('done')} has {shape[0]} entries, the config "
                                f"{want} inputs")
        return int(shape[0])

    @property
    def done(self) -> np.ndarray:
        """Boolean mask of the inputs whose results are complete."""
        flags = self._read("done", kinds="iu")
        if flags.ndim != 1:
            raise self._damaged(f"{self._where('done')} has shape {flags.shape}, expected (inputs,)")
        if flags.size and flags.max(initial=0) > 1:
            bad = int(np.argmax(flags > 1))
            raise self._damaged(f"{self._where('done')}[{bad}] is {int(flags[bad])}, not 0 or 1")
        return flags.astype(bool)

    @property
    def inputs(self) -> np.ndarray:
        """(T, I_0) inputs, checked against the SHA-256 recorded in the config."""
        u = self._read("inputs", (self.n_inputs, self.widths[0]), "f")
        want = self._cfg().get("inputs_sha256")
        if isinstance(want, str) and _array_digest(u) != want:
            raise self._damaged(f"{self._where('inputs')} does not match the SHA-256 recorded "
                                "in the run's config")
        return u

    def network(self, custom: dict | None = None):
        with reading(self.store.path, where=self._where("network")):
            g = _group(self.store.path, self.group, "network") if "network" in self.group else None
        if g is None:
            raise self._damaged(f"group {self._where('network')} missing")
        try:
            if reservoir_file.is_reservoir_group(g):
                return reservoir_file.read_group(g)
            net = network_file.read_group(g, custom=custom)
        except StoreError:
            raise
        except ValueError as exc:  # read_group's checks of what it read
            raise self._damaged(f"{self._where('network')}: {first_line(exc)}") from None
        if "network" not in self._cfg():
            return net
        if list(net.widths) != self.widths:
            raise self._damaged(f"{self._where('network')} has widths {list(net.widths)}, the "
                                f"config {self.widths}")
        want = self._cfg()["network"].get("sha256")
        if isinstance(want, str) and custom is None and net.digest() != want:
            raise self._damaged(f"the weights in {self._where('network')} do not match the "
                                "SHA-256 recorded in the run's config")
        return net

    def _layer(self, kind: str, n: int) -> np.ndarray:
        if not 0 <= n < self.n_layers:
            raise IndexError(f"layer {n} out of range; this run has layers 0..{self.n_layers - 1}")
        return self._read(f"{kind}_{n}", (self.n_inputs, self.widths[n]), "f")

    def mean(self, n: int) -> np.ndarray:
        """(T, I_n) mean of y in layer n (NaN where not yet computed)."""
        return self._layer("mean", n)

    def var(self, n: int) -> np.ndarray:
        """(T, I_n) unbiased variance of y in layer n."""
        v = self._layer("var", n)
        if (v < 0).any():  # no run writes one (NaN passes: non-finite runs are allowed)
            t, i = np.argwhere(v < 0)[0]
            raise self._damaged(f"{self._where(f'var_{n}')}[{t}, {i}] is {v[t, i]:g}, a "
                                "negative variance")
        return v

    def noiseless_xt(self, n: int) -> np.ndarray:
        return self._layer("xt", n)

    def noiseless_x(self, n: int) -> np.ndarray:
        return self._layer("x", n)

    def samples(self):
        """(T, K, S) raw samples, and the (layer, neuron) of each, or None."""
        if not self._has("samples"):
            return None
        layer = self._read("sample_layer", kinds="iu")
        neuron = self._read("sample_neuron", (layer.size,), kinds="iu")
        if layer.ndim != 1:
            raise self._damaged(f"{self._where('sample_layer')} has shape {layer.shape}, expected (samples,)")
        widths = self.widths
        for s_, (l_, i_) in enumerate(zip(layer.tolist(), neuron.tolist())):
            if not (0 <= l_ < len(widths) and 0 <= i_ < widths[l_]):
                raise self._damaged(f"{self._where('sample_layer')}[{s_}], sample_neuron[{s_}] = "
                                    f"({l_}, {i_}) is not a neuron of widths {widths}")
        samples = self._read("samples", (self.n_inputs, self._cfg()["repeats"], layer.size), "f")
        return samples, layer, neuron

    def histogram(self):
        """(counts (L, nb+2) summed over inputs, lo (L,), hi (L,)) or None."""
        if not self._has("hist"):
            return None
        L = self.n_layers
        counts = self._read("hist", kinds="iu")
        if counts.ndim != 3 or counts.shape[:2] != (self.n_inputs, L) or counts.shape[2] < 3:
            raise self._damaged(f"{self._where('hist')} has shape {counts.shape}, expected "
                                f"({self.n_inputs}, {L}, bins + 2)")
        # each done input counts every repetition of every neuron once (outliers included)
        want = self._cfg()["repeats"] * np.asarray(self.widths, dtype=np.int64)
        sums = counts.sum(axis=2)
        done = self.done
        bad = np.flatnonzero((done[:, None] & (sums != want)).any(axis=1))  # (a killed run may
        if bad.size:                                                     # leave rows not done)
            raise self._damaged(f"{self._where('hist')}[{bad[0]}] counts {sums[bad[0]].tolist()} "
                                f"values per layer, not {want.tolist()}")
        return (counts.sum(axis=0), self._read("hist_lo", (L,), "f"), self._read("hist_hi", (L,), "f"))

    def predicted(self):
        """(T, K) class chosen by the noisy network in each repetition, or None."""
        if not self._has("predicted"):
            return None
        return self._read("predicted", (self.n_inputs, self._cfg()["repeats"]), "iu")

    def labels(self):
        """(T,) true classes, or None."""
        return self._read("labels", (self.n_inputs,), "iu") if self._has("labels") else None

    def to_result(self):
        """The run as a :class:`fastnoise.Result` (loads everything in memory)."""
        from ..result import Result

        L = self.n_layers
        hist = self.histogram()
        return Result(
            mean=[self.mean(n) for n in range(L)], var=[self.var(n) for n in range(L)],
            noiseless_xt=[self.noiseless_xt(n) for n in range(L)],
            noiseless_x=[self.noiseless_x(n) for n in range(L)],
            config=self.config, samples=self.samples(), histogram=hist, done=self.done,
            predicted=self.predicted(), labels=self.labels())

    def prediction(self):
        """``(mean, var, method)`` of a stored analytic prediction, or None.

        ``mean[n]``, ``var[n]`` are (T, I_n) arrays, NaN where not yet written.
        """
        if not self._has("prediction"):
            return None
        with reading(self.store.path, where=self._where("prediction")):
            g = _group(self.store.path, self.group, "prediction")
            method = g.attrs["method"] if "method" in g.attrs else None
        if isinstance(method, bytes):
            method = method.decode("utf-8", errors="replace")
        if not isinstance(method, str) or not method.isprintable():
            raise self._damaged(f"attribute 'method' of {g.name} is {safe_text(repr(method), 40)}")
        T, L = self.n_inputs, self.n_layers
        return ([self._read(f"mean_{n}", (T, self.widths[n]), "f", g) for n in range(L)],
                [self._read(f"var_{n}", (T, self.widths[n]), "f", g) for n in range(L)], method)

    # -- writing -----------------------------------------------------------------
    def create_prediction(self, method: str, options: dict | None = None) -> None:
        """Allocate datasets for an analytic prediction beside the simulated ones."""
        g = self.group.create_group("prediction", track_order=True)
        g.attrs["method"] = method
        g.attrs["options"] = json.dumps(options or {}, sort_keys=True)
        for n in range(self.n_layers):
            for kind in ("mean", "var"):
                ds = allocated_dataset(g, f"{kind}_{n}", self.group[f"mean_{n}"].shape,
                                        np.float64, np.nan)
                ds.dims[0].attach_scale(self.group["time" if "time" in self.group else "input"])
                ds.dims[1].attach_scale(self.group[f"neuron_{n}"])

    def write_prediction(self, mean, var, method: str | None = None) -> None:
        """Write predicted ``mean[n]``, ``var[n]`` (T, I_n) of every layer, then flush.

        ``method``, when given, replaces the ``method`` attribute written by
        :meth:`create_prediction` (for ``auto``: the method that ran).
        """
        g = self.group["prediction"]
        if method is not None:
            g.attrs["method"] = method
        for n in range(self.n_layers):
            g[f"mean_{n}"][...] = mean[n]
            g[f"var_{n}"][...] = var[n]
        self.store.file.flush()

    def write_block(self, start: int, stop: int, arrays: dict) -> None:
        """Write the results of inputs ``start:stop``, then mark them done.

        ``arrays`` maps ``mean``/``var``/``xt``/``x`` to (B, ΣI_n) arrays (layer
        n at ``out_off[n]``), and optionally ``samples`` (B, K, S) and
        ``hist`` (B, L, nb+2).
        """
        g = self.group
        off = 0
        for n, w in enumerate(self.widths):
            for kind in ("mean", "var", "xt", "x"):
                g[f"{kind}_{n}"][start:stop] = arrays[kind][:, off:off + w]
            off += w
        if "samples" in arrays and "samples" in g:
            g["samples"][start:stop] = arrays["samples"]
        if "hist" in arrays and "hist" in g:
            g["hist"][start:stop] = arrays["hist"]
        if "argmax" in arrays and "predicted" in g:
            g["predicted"][start:stop] = arrays["argmax"]
        self.store.file.flush()
        g["done"][start:stop] = 1
        self.store.file.flush()

    def write_results(self, start: int, stop: int, mean, var, xt, x, checkpoint=None,
                      samples=None, hist=None) -> None:
        """Write rows ``start:stop`` given per layer ((stop − start, I_n) arrays; raw
        ``samples`` (B, K, S) and ``hist`` counts (B, L, bins + 2) when the run keeps them),
        then the checkpoint ``(r, y)`` of a reservoir after ``stop`` steps, then mark the
        rows done."""
        g = self.group
        for n in range(self.n_layers):
            for kind, arrays in (("mean", mean), ("var", var), ("xt", xt), ("x", x)):
                g[f"{kind}_{n}"][start:stop] = arrays[n]
        if samples is not None:
            g["samples"][start:stop] = samples
        if hist is not None:
            g["hist"][start:stop] = hist
        self.store.file.flush()
        if checkpoint is not None:
            self.write_checkpoint(stop, *checkpoint)
        g["done"][start:stop] = 1
        self.store.file.flush()

    def write_checkpoint(self, step: int, r: np.ndarray, y: np.ndarray) -> None:
        """Keep a reservoir's state after ``step`` steps (call before marking them done): into
        the slot that does not hold the last checkpoint, data first, then its step."""
        g = self.group
        steps = g["state_step"][()]
        slot = 0 if steps[0] <= steps[1] else 1
        g["state_r"][slot] = r
        g["state_y"][slot] = y
        self.store.file.flush()
        g["state_step"][slot] = int(step)
        self.store.file.flush()

    def checkpoint(self, step: int):
        """(r, y) of the checkpoint after ``step`` steps, or None."""
        g = self.group
        if "state_step" not in g:
            return None
        steps = g["state_step"][()]
        for slot in (0, 1):
            if int(steps[slot]) == int(step):
                return g["state_r"][slot], g["state_y"][slot]
        return None

    def set_status(self, status: str) -> None:
        self.group.attrs.modify("status", _status_bytes(status))
        self.store.file.flush()

    def __repr__(self) -> str:
        done = self.done
        return (f"Run({self.name!r}, widths={self.widths}, status={self.status!r}, "
                f"done={int(done.sum())}/{done.size})")


def open_store(path, mode: str = "r") -> Store:
    """Open a store: ``fn.open_store(path).run()``, or ``with open_store(path) as s:``.

    The same as ``Store(path, mode)`` (see :class:`Store` for the modes); use it
    as a context manager, or call :meth:`Store.close` when done.
    """
    return Store(path, mode)
