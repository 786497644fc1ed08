"""The tidy table and the xarray Dataset of a sweep store (fastnoise.stats.sweep)."""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

import fastnoise as fn
import fastnoise.sweep as sw
from fastnoise.io.errors import StoreError
from fastnoise.sweep.runner import _create

pd = pytest.importorskip("pandas")
xr = pytest.importorskip("xarray")
pytest.importorskip("distributed")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUICK = os.path.join(ROOT, "examples", "quick.toml")
NET_A = os.path.join(ROOT, "fastnoise", "paper", "networks", "A.h5")

STATS = ["mean_y", "mean_var", "snr_min", "snr_median", "snr_max"]

# a small base run config without [output] (its samples name layer 3, which a
# shallower network of the depth sweep lacks)
TINY_BASE = """
[base]
repeats = 5
seed = 3
network = { kind = "symmetric", widths = [1, 8, 8, 1], alpha = 4.0 }
noise = { additive = 1e-4, multiplicative = 1e-3 }
inputs = { kind = "linspace", start = 0.0, stop = 1.0, count = 6 }
"""


@pytest.fixture(scope="module")
def client():
    """One in-process Dask client for every sweep of this module (fast to start)."""
    from distributed import Client

    c = Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address="127.0.0.1:0")
    yield c
    c.close()


def _sweep(text):
    return sw.loads_sweep(text, base_dir=ROOT)


@pytest.fixture(scope="module")
def product(tmp_path_factory, client):
    """network.alpha (3) x noise.additive (2), with a Gaussian prediction."""
    spec = _sweep(f"""config = "{QUICK}"
[base]
repeats = 5
inputs = {{ kind = "linspace", start = 0.0, stop = 1.0, count = 7 }}
[[axes]]
key = "network.alpha"
values = [1.0, 2.0, 4.0]
[[axes]]
key = "noise.additive"
logspace = [-5, -3, 2]
""")
    path = str(tmp_path_factory.mktemp("sweep") / "s.h5")
    sw.run_sweep(spec, path, predict="gauss", client=client)
    return spec, path


@pytest.fixture(scope="module")
def product_table(product):
    return fn.stats.sweep_table(product[1])


@pytest.fixture(scope="module")
def product_ds(product):
    return fn.stats.sweep_dataset(product[1])


# -- the table ---------------------------------------------------------------------

def test_table_layout(product, product_table):
    spec, _ = product
    df = product_table
    assert list(df.columns) == [
        "point", "run", "network.alpha", "noise.additive", "done", "layer", "width", *STATS,
        "accuracy", "noiseless_accuracy",
        "pred_method", "pred_mean_y", "pred_mean_var", "pred_snr_median", "var_ratio"]
    assert len(df) == spec.n_points * 4
    assert df["point"].tolist() == [p for p in range(spec.n_points) for _ in range(4)]
    assert df["layer"].tolist() == [0, 1, 2, 3] * spec.n_points
    assert df["width"].tolist() == [1, 20, 20, 1] * spec.n_points
    assert df["done"].all()
    assert df["run"].tolist() == [f"p{p:05d}" for p in range(spec.n_points) for _ in range(4)]
    assert df["accuracy"].isna().all()  # no labels: NaN
    assert (df["pred_method"] == "gauss").all()


def test_table_params_follow_the_spec(product, product_table):
    spec, _ = product
    per_point = product_table.drop_duplicates("point")
    for key in spec.keys:
        assert per_point[key].tolist() == [p[key] for p in spec.params]
    # C order over the dimensions, the last fastest
    assert per_point["network.alpha"].tolist() == [1.0, 1.0, 2.0, 2.0, 4.0, 4.0]
    assert per_point["noise.additive"].tolist() == pytest.approx([1e-5, 1e-3] * 3)


@pytest.mark.parametrize("point", [0, 4])
def test_table_equals_layer_summary(product, product_table, point):
    _, path = product
    with fn.Store(path) as st:
        want = fn.stats.layer_summary(st.sweep_index().run(point))
    rows = product_table[product_table["point"] == point]
    for row, w in zip(rows.to_dict("records"), want):
        for k, v in w.items():
            assert row[k] == v, (point, k)


def _pred_summary(mean, var):
    s = mean / np.sqrt(var)
    s = s[np.isfinite(s)]
    return float(np.nanmean(mean)), float(np.nanmean(var)), float(np.median(s))


@pytest.mark.parametrize("point", [1, 5])
def test_prediction_columns(product, product_table, point):
    _, path = product
    with fn.Store(path) as st:
        run = st.sweep_index().run(point)
        mean, var, method = run.prediction()
    assert method == "gauss"
    rows = product_table[product_table["point"] == point].to_dict("records")
    for n, row in enumerate(rows):
        pm, pv, ps = _pred_summary(mean[n], var[n])
        assert row["pred_mean_y"] == pm
        assert row["pred_mean_var"] == pv
        assert row["pred_snr_median"] == pytest.approx(ps, rel=1e-12)
        assert row["var_ratio"] == pv / row["mean_var"]
    # the prediction follows the simulation roughly even with K = 5
    assert 0.3 < rows[-1]["var_ratio"] < 3


def test_table_without_prediction_and_from_a_store(product, product_table):
    _, path = product
    df = fn.stats.sweep_table(path, prediction=False)
    assert not any(c.startswith("pred_") for c in df.columns) and "var_ratio" not in df
    pd.testing.assert_frame_equal(df, product_table[df.columns])
    with fn.Store(path) as st:
        pd.testing.assert_frame_equal(fn.stats.sweep_table(st), product_table)
        with pytest.raises(AttributeError, match=r"fastnoise\.stats\.sweep_table\(store\)"):
            st.sweep_table()  # statistics live in fastnoise.stats (io never imports stats)
        assert st.file.id.valid  # a Store given is left open
    with fn.Store(path, "a"):  # a path given was closed again
        pass


def test_table_groupby(product_table):
    out = product_table[product_table.layer == 3].groupby("noise.additive")["mean_var"].mean()
    assert out.index.tolist() == pytest.approx([1e-5, 1e-3])
    assert out.iloc[0] < out.iloc[1]  # more noise, more variance


# -- the dataset -------------------------------------------------------------------

def test_dataset_dims_and_coords(product, product_ds):
    spec, path = product
    ds = product_ds
    assert tuple(ds.mean_var.dims) == ("network.alpha", "noise.additive", "layer")
    assert dict(ds.sizes) == {"network.alpha": 3, "noise.additive": 2, "layer": 4}
    assert ds["network.alpha"].values.tolist() == [1.0, 2.0, 4.0]
    assert ds["noise.additive"].values.tolist() == pytest.approx([1e-5, 1e-3])
    assert ds["layer"].values.tolist() == [0, 1, 2, 3]
    assert ds["point"].values.tolist() == [[0, 1], [2, 3], [4, 5]]
    assert ds.done.dims == ("network.alpha", "noise.additive") and bool(ds.done.all())
    assert ds.run.values.tolist() == [["p00000", "p00001"], ["p00002", "p00003"],
                                      ["p00004", "p00005"]]
    assert ds.attrs["pred_method"] == "gauss" and ds.attrs["combine"] == "product"
    # C order against the stored params
    with fn.Store(path) as st:
        params = st.sweep_index().params()
    for p, at in zip(params, np.ndindex(3, 2)):
        assert ds["network.alpha"].values[at[0]] == p["network.alpha"]
        assert ds["noise.additive"].values[at[1]] == p["noise.additive"]


def test_dataset_values_equal_the_table(product_table, product_ds):
    for row in product_table.to_dict("records"):
        sel = product_ds.sel({"network.alpha": row["network.alpha"],
                              "noise.additive": row["noise.additive"], "layer": row["layer"]})
        for var in STATS + ["width", "pred_mean_y", "pred_mean_var", "pred_snr_median",
                            "var_ratio"]:
            assert float(sel[var]) == row[var], var
        assert int(sel.point) == row["point"] and str(sel.run.values) == row["run"]
    one = product_ds.mean_var.sel({"network.alpha": 2.0, "layer": 2}).isel({"noise.additive": 1})
    row = product_table.query("point == 3 and layer == 2")
    assert float(one) == row["mean_var"].item()


# -- zip, groups and depth -----------------------------------------------------------

def test_zip_sweep(tmp_path, client):
    spec = _sweep('combine = "zip"\n' + TINY_BASE + """
[[axes]]
key = "network.alpha"
values = [1.0, 2.0, 3.0]
[[axes]]
key = "noise.additive"
values = [1e-5, 1e-4, 1e-3]
""")
    path = str(tmp_path / "z.h5")
    sw.run_sweep(spec, path, client=client)
    df = fn.stats.sweep_table(path)
    assert "pred_method" not in df
    assert df.drop_duplicates("point")["network.alpha"].tolist() == [1.0, 2.0, 3.0]
    ds = fn.stats.sweep_dataset(path)
    assert tuple(ds.snr_median.dims) == ("point", "layer")
    assert ds["point"].values.tolist() == [0, 1, 2]
    assert ds["network.alpha"].dims == ("point",)
    assert ds["network.alpha"].values.tolist() == [1.0, 2.0, 3.0]
    assert ds["noise.additive"].values.tolist() == [1e-5, 1e-4, 1e-3]
    with fn.Store(path) as st:
        want = fn.stats.layer_summary(st.sweep_index().run(2))
    assert ds.snr_max.sel(point=2).values.tolist() == [w["snr_max"] for w in want]


def test_depth_sweep_has_nan_for_missing_layers(tmp_path, client):
    spec = _sweep(TINY_BASE + """
[[axes]]
key = "network.widths"
values = [[1, 8, 1], [1, 8, 8, 1]]
group = "depth"
[[axes]]
key = "network.alpha"
values = [2.0, 4.0]
group = "depth"
[[axes]]
key = "noise.additive"
values = [1e-5, 1e-3]
""")
    path = str(tmp_path / "d.h5")
    sw.run_sweep(spec, path, client=client)
    df = fn.stats.sweep_table(path)
    assert len(df) == 2 * 3 + 2 * 4
    per_point = df.drop_duplicates("point")
    assert per_point["network.widths"].tolist() == ["[1, 8, 1]", "[1, 8, 1]",
                                                    "[1, 8, 8, 1]", "[1, 8, 8, 1]"]
    assert [json.loads(w) for w in per_point["network.widths"]] == \
        [p["network.widths"] for p in spec.params]
    assert df.groupby("network.widths")["layer"].max().to_dict() == {"[1, 8, 1]": 2,
                                                                    "[1, 8, 8, 1]": 3}
    ds = fn.stats.sweep_dataset(path)
    assert dict(ds.sizes) == {"depth": 2, "noise.additive": 2, "layer": 4}
    assert ds["network.widths"].dims == ("depth",)
    assert ds["network.widths"].values.tolist() == ["[1, 8, 1]", "[1, 8, 8, 1]"]
    assert ds["network.alpha"].values.tolist() == [2.0, 4.0]
    shallow = ds.isel(depth=0)
    assert np.isnan(shallow.mean_var.sel(layer=3)).all() and np.isnan(shallow.width.sel(layer=3)).all()
    assert np.isfinite(shallow.mean_var.sel(layer=2)).all()
    assert np.isfinite(ds.isel(depth=1).mean_var).all()
    with fn.Store(path) as st:
        want = fn.stats.layer_summary(st.sweep_index().run(1))  # [1, 8, 1] at 1e-3
    got = ds.isel(depth=0).sel({"noise.additive": 1e-3})
    assert got.mean_y.values[:3].tolist() == [w["mean_y"] for w in want]


# -- unfinished points -------------------------------------------------------------

def test_laid_out_sweep_is_all_nan(tmp_path):
    spec = _sweep(TINY_BASE + """
[[axes]]
key = "network.widths"
values = [[1, 8, 1], [1, 8, 8, 1]]
""")
    path = str(tmp_path / "u.h5")
    _create(spec, path, False, {"method": "gauss", "options": {}}, False)
    df = fn.stats.sweep_table(path)
    assert not df["done"].any()
    assert df["width"].tolist() == [1, 8, 1, 1, 8, 8, 1]
    assert df[STATS + ["accuracy", "pred_mean_var", "var_ratio"]].isna().all().all()
    ds = fn.stats.sweep_dataset(path)
    assert not bool(ds.done.any())
    assert np.isnan(ds.mean_var).all()
    assert ds.width.values.tolist()[0][:3] == [1, 8, 1] and np.isnan(ds.width.values[0][3])


def test_interrupted_sweep_marks_done_points(tmp_path, client):
    spec = _sweep(TINY_BASE + """
[[axes]]
key = "noise.additive"
values = [1e-5, 1e-4, 1e-3]
""")
    path = str(tmp_path / "i.h5")

    class Stop(Exception):
        pass

    def stop(i, seconds):
        raise Stop

    with pytest.raises(Stop):
        sw.run_sweep(spec, path, client=client, on_point=stop)
    with fn.Store(path) as st:
        idx = st.sweep_index()
        done = idx.done
        finished = int(np.flatnonzero(done)[0])
        want = fn.stats.layer_summary(idx.run(finished))
    assert done.sum() == 1
    df = fn.stats.sweep_table(path)
    assert df.groupby("point")["done"].first().tolist() == done.tolist()
    assert df[df.done]["snr_median"].tolist() == [w["snr_median"] for w in want]
    assert df[~df.done][STATS].isna().all().all()
    ds = fn.stats.sweep_dataset(path)
    assert ds.done.values.tolist() == done.tolist()
    assert np.isfinite(ds.mean_var.isel({"noise.additive": finished})).all()


# -- accuracy ----------------------------------------------------------------------

@pytest.fixture
def data_dir(monkeypatch):
    if "FASTNOISE_DATA" not in os.environ:
        sibling = os.path.join(os.path.dirname(ROOT), "shared", "data")
        if not os.path.isdir(sibling):
            pytest.skip("no datasets: set FASTNOISE_DATA")
        monkeypatch.setenv("FASTNOISE_DATA", sibling)


def test_accuracy_with_labels(tmp_path, client, data_dir):
    spec = _sweep(f"""
[base]
repeats = 4
seed = 1
network = {{ kind = "file", path = "{NET_A}" }}
inputs = {{ kind = "dataset", name = "mnist", split = "test", count = 12 }}
noise = {{ multiplicative = 1e-2 }}
[[axes]]
key = "noise.additive"
values = [1e-4, 0.3]
""")
    path = str(tmp_path / "a.h5")
    sw.run_sweep(spec, path, client=client)
    with fn.Store(path) as st:
        idx = st.sweep_index()
        want = [fn.stats.accuracy(idx.run(i)) for i in range(2)]
    df = fn.stats.sweep_table(path)
    for i, w in enumerate(want):
        rows = df[df.point == i]
        assert (rows["accuracy"] == w["accuracy_mean"]).all()
        assert (rows["noiseless_accuracy"] == w["noiseless_accuracy"]).all()
    assert want[0]["accuracy_mean"] > want[1]["accuracy_mean"]  # strong noise hurts
    ds = fn.stats.sweep_dataset(path)
    assert ds.accuracy.dims == ("noise.additive",)
    assert ds.accuracy.values.tolist() == [w["accuracy_mean"] for w in want]


# -- errors ------------------------------------------------------------------------

def test_not_a_sweep_store(tmp_path):
    path = str(tmp_path / "plain.h5")
    fn.simulate(fn.symmetric([1, 4, 1]), np.linspace(0, 1, 3)[:, None], fn.Noise(additive=1e-4),
                repeats=3, store=path)
    with pytest.raises(StoreError, match="holds no sweep"):
        fn.stats.sweep_table(path)
    with pytest.raises(StoreError, match="holds no sweep"):
        fn.stats.sweep_dataset(path)


def test_bad_argument():
    with pytest.raises(TypeError, match="needs a fastnoise.Store or the path"):
        fn.stats.sweep_table(3)


def test_missing_pandas(monkeypatch, product):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"^sweep_table needs pandas: pip install .fastnoise\[tables\]."):
        fn.stats.sweep_table(product[1])


def test_missing_xarray(monkeypatch, product):
    monkeypatch.setitem(sys.modules, "xarray", None)
    with pytest.raises(ImportError, match=r"^sweep_dataset needs xarray: pip install .fastnoise\[tables\]."):
        fn.stats.sweep_dataset(product[1])

