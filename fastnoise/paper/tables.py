"""Column tables: the numbers behind every panel, written as CSV.

A :class:`Table` is an ordered mapping of equally long 1-D columns (numbers
or strings).  CSV files hold every float with ``repr`` (17 significant
digits, ``nan``/``inf`` spelled out), so reading a file back gives the very
numbers that were plotted; :meth:`Table.summary` (row count, finite column
sums, non-finite counts) goes into the figure's JSON so that the two can be
checked against each other.
"""

from __future__ import annotations

import csv
import math
import os

import numpy as np

__all__ = ["Table", "read_csv"]


def _column(name: str, values) -> np.ndarray:
    a = np.asarray(values)
    if a.ndim == 0:
        raise ValueError(f"column {name!r} must be 1-D, got a scalar")
    a = a.ravel()
    if a.dtype.kind in "biuf":
        return a.astype(np.float64) if a.dtype.kind in "bf" else a.astype(np.int64)
    return a.astype(str)


class Table:
    """Equally long named columns.

    Parameters
    ----------
    columns : dict
        ``name -> 1-D array_like`` (numbers or strings); a scalar given for a
        column is repeated to the common length.
    """

    def __init__(self, columns: dict):
        lengths = {len(np.atleast_1d(v)) for v in columns.values() if np.ndim(v) > 0}
        if len(lengths) > 1:
            raise ValueError(f"columns have different lengths {sorted(lengths)}: "
                             + ", ".join(f"{k}={np.size(v)}" for k, v in columns.items()))
        n = lengths.pop() if lengths else 1
        self.columns = {}
        for k, v in columns.items():
            self.columns[k] = _column(k, np.full(n, v) if np.ndim(v) == 0 else v)

    @property
    def n_rows(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def where(self, column: str, value) -> "Table":
        """The rows whose ``column`` equals ``value``."""
        keep = self.columns[column] == value
        return Table({k: v[keep] for k, v in self.columns.items()})

    def select(self, **values) -> "Table":
        """The rows whose columns hold all the given values (floats compared with
        ``np.isclose`` to a relative 1e-9 and no absolute tolerance, so that intensities
        such as 1e-20 and 1e-16 stay apart), e.g. ``t.select(kind="AU", D=0.01)``."""
        keep = np.ones(self.n_rows, bool)
        for column, value in values.items():
            col = self.columns[column]
            keep &= (np.isclose(col, value, rtol=1e-9, atol=0.0) if isinstance(value, float)
                     else col == value)
        return Table({k: v[keep] for k, v in self.columns.items()})

    @staticmethod
    def concat(tables) -> "Table":
        """Stack tables; a column missing from a table is NaN (numbers) or "" there."""
        tables = [t for t in tables if t.n_rows]
        if not tables:
            return Table({})
        names: list = []
        for t in tables:
            names += [k for k in t.columns if k not in names]
        out = {}
        for k in names:
            kinds = {t.columns[k].dtype.kind for t in tables if k in t.columns}
            text = "U" in kinds
            parts = []
            for t in tables:
                if k in t.columns:
                    parts.append(t.columns[k].astype(str) if text else t.columns[k].astype(float))
                else:
                    parts.append(np.full(t.n_rows, "" if text else np.nan,
                                         dtype=object if text else float))
            out[k] = np.concatenate(parts).astype(str) if text else np.concatenate(parts)
        return Table(out)

    def summary(self) -> dict:
        """Rows, columns, and per numeric column the sum of finite values and
        the count of non-finite ones."""
        sums, nonfinite = {}, {}
        for k, v in self.columns.items():
            if v.dtype.kind in "if":
                x = v.astype(float)
                ok = np.isfinite(x)
                sums[k] = math.fsum(x[ok].tolist())
                nonfinite[k] = int((~ok).sum())
        return {"rows": self.n_rows, "columns": list(self.columns), "sums": sums,
                "nonfinite": nonfinite}

    def to_csv(self, path) -> str:
        """Write the table as CSV (header line, one row per line); return the path."""
        path = os.fspath(path)
        tmp = path + ".partial"
        cols = list(self.columns.values())
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(list(self.columns))
            for i in range(self.n_rows):
                w.writerow([_cell(c[i]) for c in cols])
        os.replace(tmp, path)
        return path

    def __repr__(self) -> str:
        return f"Table(rows={self.n_rows}, columns={list(self.columns)})"


def _cell(v) -> str:
    if isinstance(v, (np.floating, float)):
        return repr(float(v))
    if isinstance(v, (np.integer, int)):
        return str(int(v))
    return str(v)


def read_csv(path) -> Table:
    """Read a CSV written by :meth:`Table.to_csv` (numeric columns become float)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise ValueError(f"{path} is empty; expected a header line")
    head, body = rows[0], rows[1:]
    cols = {}
    for j, name in enumerate(head):
        values = [r[j] for r in body]
        try:
            cols[name] = np.array([float(v) for v in values], dtype=float)
        except ValueError:
            cols[name] = np.array(values, dtype=str)
    return Table(cols)
