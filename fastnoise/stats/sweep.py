"""Tables and labelled arrays of a sweep store's layer statistics.

A sweep store (written by ``fastnoise sweep`` or
:func:`fastnoise.sweep.run_sweep`) holds one run per point.  These functions
summarise every point layer by layer (:func:`fastnoise.stats.layer_summary`)
and lay the results out

* as a tidy :class:`pandas.DataFrame`, one row per point and layer
  (:func:`sweep_table`), ready for ``groupby`` over the swept keys, or
* as an :class:`xarray.Dataset` over the sweep's dimensions and ``layer``
  (:func:`sweep_dataset`), ready for ``.sel`` and plotting.

>>> with fn.Store("sweep.h5") as st:                       # doctest: +SKIP
...     df = fn.stats.sweep_table(st)
...     ds = fn.stats.sweep_dataset(st)
>>> ds.snr_median.sel(layer=3).plot()                      # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import os

import numpy as np

from .accuracy import accuracy
from .snr import layer_summary

__all__ = ["sweep_table", "sweep_dataset"]

#: Statistics of :func:`layer_summary`, in table order.
_STATS = ("mean_y", "mean_var", "snr_min", "snr_median", "snr_max")
#: Columns derived from a stored analytic prediction.
_PRED = ("pred_mean_y", "pred_mean_var", "pred_snr_median", "var_ratio")
#: Per-point accuracy columns.
_ACC = ("accuracy", "noiseless_accuracy")


# -- helpers -------------------------------------------------------------------------

def _open(store, who: str):
    """(Store, whether we opened it and must close it)."""
    from ..io.store import Store

    if isinstance(store, Store):
        return store, False
    try:
        path = os.fspath(store)
    except TypeError:
        raise TypeError(f"{who} needs a fastnoise.Store or the path of a sweep store, got "
                        f"{type(store).__name__}") from None
    return Store(path, "r"), True


def _cell(value):
    """A swept value as a hashable table cell: numbers, bools and strings as they are,
    anything else (lists, tables, null) as its JSON text, e.g. ``"[1, 20, 1]"``."""
    if isinstance(value, (bool, int, float, str)):
        return value
    return json.dumps(value)


class _Predicted:
    """A stored prediction seen through the interface of :func:`layer_summary`."""

    def __init__(self, mean, var):
        self._mean, self._var = mean, var
        self.n_layers = len(mean)

    def mean(self, n):
        return self._mean[n]

    def var(self, n):
        return self._var[n]


def _nan_rows(widths) -> list[dict]:
    return [dict({"layer": n, "width": int(w)}, **{k: math.nan for k in _STATS})
            for n, w in enumerate(widths)]


def _point_accuracy(run) -> dict:
    """``accuracy`` (mean over repetitions, under noise) and ``noiseless_accuracy``,
    NaN when the run recorded no classes or has no labels."""
    out = {k: math.nan for k in _ACC}
    if "predicted" not in run.group or "labels" not in run.group:
        return out
    acc = accuracy(run)
    if acc["accuracy_mean"] is not None and acc["inputs"] > 0:
        out["accuracy"] = acc["accuracy_mean"]
        out["noiseless_accuracy"] = acc["noiseless_accuracy"]
    return out


def _point_rows(idx, i: int, params: dict, done: bool, method: str | None) -> list[dict]:
    """The table rows (one per layer) of point ``i``."""
    run = idx.run(i)
    head = {"point": i, "run": run.name}
    head.update({k: _cell(v) for k, v in params.items()})
    head["done"] = bool(done)
    if done:
        layers = layer_summary(run)
        acc = _point_accuracy(run)
    else:
        layers = _nan_rows(run.widths)
        acc = {k: math.nan for k in _ACC}
    pred_layers = None
    if method is not None and done:
        stored = run.prediction()
        if stored is not None:
            pred_layers = layer_summary(_Predicted(stored[0], stored[1]))
            method = stored[2]          # the method that ran ("auto" names its choice)
    rows = []
    for n, layer in enumerate(layers):
        row = dict(head)
        row.update(layer)
        row.update(acc)
        if method is not None:
            row["pred_method"] = method
            p = pred_layers[n] if pred_layers is not None else None
            row["pred_mean_y"] = p["mean_y"] if p else math.nan
            row["pred_mean_var"] = p["mean_var"] if p else math.nan
            row["pred_snr_median"] = p["snr_median"] if p else math.nan
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.float64(row["pred_mean_var"]) / np.float64(row["mean_var"])
            row["var_ratio"] = float(ratio) if np.isfinite(ratio) else math.nan
        rows.append(row)
    return rows


def _columns(keys, method) -> list[str]:
    cols = ["point", "run", *keys, "done", "layer", "width", *_STATS, *_ACC]
    if method is not None:
        cols += ["pred_method", *_PRED]
    return cols


def _table(st, prediction: bool):
    import pandas as pd

    idx = st.sweep_index()
    predict = idx.predict
    method = predict["method"] if (prediction and predict) else None
    done = idx.done
    rows = []
    for i, params in enumerate(idx.params()):
        rows.extend(_point_rows(idx, i, params, bool(done[i]), method))
    df = pd.DataFrame(rows, columns=_columns(idx.keys, method))
    for col in ("point", "layer", "width"):
        df[col] = df[col].astype(np.int64)
    df["done"] = df["done"].astype(bool)
    return df, idx


# -- public API ----------------------------------------------------------------------

def sweep_table(store, prediction: bool = True):
    """Tidy table of a sweep store: one row per point and layer.

    Parameters
    ----------
    store : fastnoise.Store or path
        A sweep store (written by ``fastnoise sweep``).  A path is opened
        read-only and closed again.
    prediction : bool
        Add the columns of the stored analytic prediction when the sweep was
        run with one (``--predict``); ignored otherwise.

    Returns
    -------
    pandas.DataFrame
        Columns, in order:

        ``point``, ``run``
            Point number (C order over the sweep's dimensions, the last
            fastest) and the name of its run.
        one column per swept key (named by the key, e.g. ``"network.alpha"``)
            Its value at the point; numbers, booleans and strings as they
            are, lists and tables as their JSON text (e.g. ``"[1, 20, 1]"``)
            so that ``groupby`` works on every column.
        ``done``
            Whether the point is finished; statistics of unfinished points
            are NaN (their layers still listed, from the run's widths).
        ``layer``, ``width``, ``mean_y``, ``mean_var``, ``snr_min``, ``snr_median``, ``snr_max``
            :func:`fastnoise.stats.layer_summary` of the point's run.
        ``accuracy``, ``noiseless_accuracy``
            Per point (the same on each of its layer rows): the mean over
            repetitions of the fraction of inputs the noisy network
            classified correctly, and the noiseless network's accuracy
            (:func:`fastnoise.stats.accuracy`); NaN unless the point's inputs
            came with labels (dataset inputs).
        ``pred_method``, ``pred_mean_y``, ``pred_mean_var``, ``pred_snr_median``, ``var_ratio``
            Only with ``prediction`` and a stored prediction: the method
            that ran (for ``--predict auto``, the one it chose),
            the same statistics of the predicted mean and variance, and
            ``pred_mean_var / mean_var``.

    Raises
    ------
    ImportError
        Without pandas.
    fastnoise.io.errors.StoreError
        When the store holds no sweep.

    Examples
    --------
    >>> df = sweep_table("sweep.h5")                                  # doctest: +SKIP
    >>> df[df.layer == 3].pivot(index="noise.additive", columns="network.alpha",
    ...                         values="snr_median")                  # doctest: +SKIP
    """
    try:
        import pandas  # noqa: F401
    except ImportError:
        raise ImportError("sweep_table needs pandas: pip install 'fastnoise[tables]' (or pandas)") from None
    st, opened = _open(store, "sweep_table")
    try:
        return _table(st, prediction)[0]
    finally:
        if opened:
            st.close()


def _shape(idx) -> tuple[int, ...]:
    lengths = {a["key"]: len(a["values"]) for a in idx.spec["axes"]}
    shape = tuple(lengths[keys[0]] for _, keys in idx.dims)
    if int(np.prod(shape, dtype=np.int64)) != idx.n_points:
        raise ValueError(f"{idx.store.path}: the sweep's dimensions {shape} do not multiply to its "
                         f"{idx.n_points} points; the store's /sweep index is inconsistent")
    return shape


def _coordinate(cells: list, shape: tuple, axis: int, key: str, path: str) -> np.ndarray:
    """The values of ``key`` along dimension ``axis`` of the point grid (C order),
    checked to be the same across the other dimensions."""
    first: list = [None] * shape[axis]
    for i, at in enumerate(np.ndindex(*shape)):
        j = at[axis]
        if first[j] is None:
            first[j] = (cells[i],)
        elif not _same(first[j][0], cells[i]):
            raise ValueError(f"{path}: the values of {key!r} in the sweep index do not follow its "
                             "dimensions in C order; the store's /sweep index is inconsistent")
    values = [f[0] for f in first]
    if all(isinstance(v, bool) for v in values):
        return np.array(values, dtype=bool)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return np.array(values, dtype=np.int64)
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return np.array(values, dtype=np.float64)
    return np.array([v if isinstance(v, str) else json.dumps(v) for v in values], dtype=str)


def _same(a, b) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


def sweep_dataset(store):
    """A sweep store's layer statistics as an :class:`xarray.Dataset` over its axes.

    Parameters
    ----------
    store : fastnoise.Store or path
        A sweep store (written by ``fastnoise sweep``).  A path is opened
        read-only and closed again.

    Returns
    -------
    xarray.Dataset
        Dimensions: one per dimension of the sweep (an axis, the axes of one
        ``group``, or ``point`` for ``combine = "zip"``), in the spec's
        order, then ``layer`` (0 .. the deepest point's last layer).

        Coordinates: every swept key on the dimension it varies along
        (numbers as numbers, other values as strings: strings as they are,
        lists and tables as JSON text); ``layer``; ``point`` (the point
        number) over the sweep's dimensions.

        Data variables over the sweep's dimensions and ``layer``:
        ``width``, ``mean_y``, ``mean_var``, ``snr_min``, ``snr_median``,
        ``snr_max`` and, with a stored prediction, ``pred_mean_y``,
        ``pred_mean_var``, ``pred_snr_median``, ``var_ratio`` (see
        :func:`sweep_table`) — NaN where the point is not done or has no
        such layer (a shallower network).  Over the sweep's dimensions
        only: ``accuracy``, ``noiseless_accuracy`` (NaN without labels),
        ``done`` (bool) and ``run`` (the run's name).  Attributes:
        ``store`` (path), ``combine`` and, with a prediction, ``pred_method``.

    Raises
    ------
    ImportError
        Without xarray (or pandas).
    fastnoise.io.errors.StoreError
        When the store holds no sweep.
    ValueError
        When a sweep dimension's name collides with ``layer`` or a variable.

    Examples
    --------
    >>> ds = sweep_dataset("sweep.h5")                                # doctest: +SKIP
    >>> ds.snr_median.sel({"network.alpha": 4.0, "layer": 3})         # doctest: +SKIP
    """
    try:
        import xarray as xr
    except ImportError:
        raise ImportError("sweep_dataset needs xarray: pip install 'fastnoise[tables]' (or xarray)") from None
    try:
        import pandas  # noqa: F401
    except ImportError:
        raise ImportError("sweep_dataset needs pandas: pip install 'fastnoise[tables]' (or pandas)") from None
    st, opened = _open(store, "sweep_dataset")
    try:
        df, idx = _table(st, True)
        path = st.path
        method = idx.predict["method"] if idx.predict else None
        spec = idx.spec
        dims = idx.dims
        shape = _shape(idx)
        P = idx.n_points
        params = idx.params()
    finally:
        if opened:
            st.close()

    names = [name for name, _ in dims]
    per_layer = ["width", *_STATS] + (list(_PRED) if method is not None else [])
    per_point = [*_ACC, "done", "run"]
    reserved = {"layer", *per_layer, *per_point}
    if len(names) != 1 or names[0] != "point":
        reserved.add("point")
    for name, keys in dims:
        if name in reserved:
            raise ValueError(f"{path}: the sweep dimension {name!r} has the name of a variable of "
                             "sweep_dataset; use sweep_table instead, or rename its group in the "
                             "spec and sweep again")
        for other, _ in dims:
            if other != name and other in keys:
                raise ValueError(f"{path}: the sweep dimension {other!r} has the name of key "
                                 f"{other!r}, which varies along {name!r}; use sweep_table "
                                 "instead, or rename its group in the spec and sweep again")

    L = int(df["layer"].max()) + 1 if len(df) else 0
    pts = df["point"].to_numpy()
    lay = df["layer"].to_numpy()
    first = df.drop_duplicates("point").set_index("point").sort_index()
    if not np.array_equal(first.index.to_numpy(), np.arange(P)):
        raise ValueError(f"{path}: the sweep table does not list points 0..{P - 1}; "
                         "the store's /sweep index is inconsistent")
    sweep_dims = tuple(names)
    data_vars = {}
    for var in per_layer:
        grid = np.full((P, L), np.nan)
        grid[pts, lay] = df[var].to_numpy(dtype=np.float64)
        data_vars[var] = (sweep_dims + ("layer",), grid.reshape(shape + (L,)))
    for var in _ACC:
        data_vars[var] = (sweep_dims, first[var].to_numpy(dtype=np.float64).reshape(shape))
    data_vars["done"] = (sweep_dims, first["done"].to_numpy(dtype=bool).reshape(shape))
    data_vars["run"] = (sweep_dims, first["run"].to_numpy(dtype=str).reshape(shape))

    coords = {"layer": ("layer", np.arange(L, dtype=np.int64)),
              "point": (sweep_dims, np.arange(P, dtype=np.int64).reshape(shape))}
    for axis, (name, keys) in enumerate(dims):
        for key in keys:
            cells = [_cell(p[key]) for p in params]
            coords[key] = (name, _coordinate(cells, shape, axis, key, path))
    attrs = {"store": path, "combine": spec.get("combine", "product")}
    if method is not None:
        attrs["pred_method"] = method
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)
