"""The index of a sweep store: its points, their parameters, and which are done.

A sweep store is an ordinary fastnoise store (one run per point, named
``p00000``, ``p00001``, ...) plus a ``/sweep`` group::

    /sweep                 attrs: spec (JSON: axes, dims, combine, source),
                                  predict (JSON: method and options, or null),
                                  n_points
        point              (point,) dimension scale 0..P-1
        index              (point,) table: point, run, one column per swept key
                           (numbers as float64/int64, other values as JSON text)
        config_hash        (point,) the hash of every point's run config
        done               (point,) 1 once the point's results are complete
    /runs/p00000           attrs as any run, plus sweep_point and one
                           attribute per swept key; with ``--predict`` a
                           ``prediction`` group (mean_<n>, var_<n>)

Every dataset is laid out and allocated when the store is created (under
``<path>.partial``, renamed into place when complete), so that writing a
finished point changes raw data only: the point's datasets, a flush, then
its ``done`` flag and a flush.  A store killed at any moment is readable and
its ``done`` flags mark exactly the finished points.
"""

from __future__ import annotations

import json

import numpy as np

from .errors import StoreError

__all__ = ["SweepIndex", "create_sweep_index", "column_values"]


def column_values(values: list):
    """(numpy dtype, converted values) of one swept key's column."""
    if all(isinstance(v, bool) for v in values):
        return np.dtype(np.bool_), list(values)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return np.dtype(np.int64), list(values)
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return np.dtype(np.float64), [float(v) for v in values]
    text = [json.dumps(v) for v in values]
    return np.dtype(f"S{max(1, max(len(t.encode()) for t in text))}"), [t.encode() for t in text]


def create_sweep_index(store, spec: dict, keys: list[str], params: list[dict], runs: list[str],
                       hashes: list[str], predict: dict | None) -> None:
    """Write the ``/sweep`` group of a store being created (see module docstring)."""
    from .allocate import allocated_dataset

    f = store.file
    P = len(runs)
    g = f.create_group("sweep", track_order=True)
    g.attrs["spec"] = json.dumps(spec, sort_keys=True)
    g.attrs["predict"] = json.dumps(predict, sort_keys=True)
    g.attrs["n_points"] = P
    point = g.create_dataset("point", data=np.arange(P, dtype=np.int64), track_times=False)
    point.make_scale("point")
    fields = [("point", np.int64), ("run", f"S{max(len(r) for r in runs)}")]
    columns = {}
    for k in keys:
        dtype, vals = column_values([p[k] for p in params])
        fields.append((k, dtype))
        columns[k] = vals
    table = np.zeros(P, dtype=fields)
    table["point"] = np.arange(P)
    table["run"] = [r.encode() for r in runs]
    for k in keys:
        table[k] = columns[k]
    for name, data in (("index", table),
                       ("config_hash", np.array([h.encode() for h in hashes]))):
        ds = g.create_dataset(name, data=data, track_times=False)
        ds.dims[0].attach_scale(point)
    done = allocated_dataset(g, "done", (P,), np.uint8, 0)
    done.dims[0].attach_scale(point)
    f.flush()


class SweepIndex:
    """Read (and mark) the points of a sweep store.

    Parameters
    ----------
    store : fastnoise.Store
    """

    def __init__(self, store):
        if "sweep" not in store.file:
            raise StoreError(f"{store.path} holds no sweep (it was not written by 'fastnoise "
                             "sweep'); use its runs directly")
        self.store = store
        self.group = store.file["sweep"]
        self._runs = None

    @property
    def spec(self) -> dict:
        return json.loads(self.group.attrs["spec"])

    @property
    def predict(self) -> dict | None:
        return json.loads(self.group.attrs["predict"])

    @property
    def n_points(self) -> int:
        return int(self.group.attrs["n_points"])

    @property
    def keys(self) -> list[str]:
        return [a["key"] for a in self.spec["axes"]]

    @property
    def dims(self) -> list:
        return [(name, list(keys)) for name, keys in self.spec["dims"]]

    def _run_names(self) -> list[str]:
        if self._runs is None:  # the index is written once, at layout
            self._runs = [r.decode() for r in self.group["index"]["run"]]
        return self._runs

    @property
    def runs(self) -> list[str]:
        """Run name of every point."""
        return list(self._run_names())

    @property
    def config_hashes(self) -> list[str]:
        return [h.decode() for h in self.group["config_hash"][()]]

    @property
    def done(self) -> np.ndarray:
        """Boolean mask of the finished points."""
        return self.group["done"][()].astype(bool)

    def params(self) -> list[dict]:
        """Per point, swept key -> value (lists and strings decoded from JSON)."""
        table = self.group["index"][()]
        out = []
        for row in table:
            p = {}
            for k in self.keys:
                v = row[k]
                if isinstance(v, bytes):
                    p[k] = json.loads(v.decode())
                elif isinstance(v, np.bool_):
                    p[k] = bool(v)
                elif isinstance(v, np.integer):
                    p[k] = int(v)
                else:
                    p[k] = float(v)
            out.append(p)
        return out

    def run(self, i: int):
        """The :class:`~fastnoise.Run` of point ``i``."""
        return self.store.run(self._run_names()[i])

    def mark_done(self, i: int) -> None:
        """Flag point ``i`` finished (after its results are written and flushed)."""
        self.group["done"][i] = 1
        self.store.file.flush()

    def __repr__(self) -> str:
        return f"SweepIndex({int(self.done.sum())}/{self.n_points} points done, keys={self.keys})"
