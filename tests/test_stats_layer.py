"""The statistics layer (fastnoise.stats) against direct NumPy computations."""

import numpy as np
import pytest

import fastnoise as fn
from fastnoise import stats


@pytest.fixture(scope="module")
def result():
    net = fn.symmetric([1, 12, 12, 1], alpha=4.0)
    noise = fn.Noise(additive=1e-4, multiplicative=1e-3)
    return fn.simulate(net, np.linspace(0, 1, 40), noise, repeats=40, seed=5)


def test_snr_is_mean_over_std(result):
    for n in range(result.n_layers):
        expect = result.mean[n] / np.sqrt(result.var[n])
        np.testing.assert_array_equal(stats.snr(result, n), expect)
        np.testing.assert_array_equal(result.snr(n), expect)


def test_snr_nan_where_variance_zero():
    net = fn.symmetric([1, 3, 1])
    noise = [fn.Noise(), fn.Noise(additive=1e-3), fn.Noise()]
    res = fn.simulate(net, [0.2, 0.4], noise, repeats=5, seed=0)
    assert np.all(np.isnan(stats.snr(res, 0)))  # noiseless input layer: Var = 0
    assert np.all(np.isfinite(stats.snr(res, 1)))


def test_one_snr_everywhere(tmp_path):
    """res.snr, fn.stats.snr (of the Result and of its stored run) and a Prediction's snr
    are one function: E(y)/√Var(y), NaN for a noiseless neuron (Var = 0) whatever its mean."""
    net = fn.symmetric([1, 3, 1])
    noise = [fn.Noise(), fn.Noise(additive=1e-3), fn.Noise()]
    u = [0.0, 0.2, 0.4]
    res = fn.simulate(net, u, noise, repeats=5, seed=0, store=tmp_path / "s.h5")
    with fn.open_store(tmp_path / "s.h5") as st:
        run = st.run()
        from_store = [stats.snr(run, n) for n in range(res.n_layers)]
    copy = fn.Prediction(mean=res.mean, var=res.var, method="copy")
    pred = fn.predict(net, u, noise, method="moments")
    for n in range(res.n_layers):
        s = res.snr(n)
        for other in (stats.snr(res, n), from_store[n], copy.snr(n)):
            np.testing.assert_array_equal(other, s)
        np.testing.assert_array_equal(pred.snr(n), stats.snr(pred, n))
    assert np.all(res.var[0] == 0) and res.mean[0][0, 0] == 0 and res.mean[0][1, 0] != 0
    assert np.all(np.isnan(res.snr(0))) and np.all(np.isnan(copy.snr(0))) and np.all(np.isnan(pred.snr(0)))
    assert np.all(np.isfinite(res.snr(1)))
    np.testing.assert_array_equal(res.snr(1), res.mean[1] / np.sqrt(res.var[1]))
    # an infinite predicted variance (a diverged closure) gives SNR 0, a NaN moment NaN
    odd = fn.Prediction(mean=[np.array([[1.0, np.nan, -2.0]])], var=[np.array([[np.inf, 1.0, 0.0]])],
                        method="odd")
    np.testing.assert_array_equal(odd.snr(0), [[0.0, np.nan, np.nan]])
    np.testing.assert_array_equal(stats.snr(odd, 0), odd.snr(0))


def test_layer_summary_matches_numpy(result):
    rows = stats.layer_summary(result)
    assert [r["layer"] for r in rows] == list(range(result.n_layers))
    for r in rows:
        n = r["layer"]
        s = result.snr(n)
        assert r["width"] == result.mean[n].shape[1]
        assert r["mean_var"] == pytest.approx(result.var[n].mean(), rel=1e-12)
        assert r["mean_y"] == pytest.approx(result.mean[n].mean(), rel=1e-12)
        assert r["snr_min"] == s.min() and r["snr_max"] == s.max()
        assert r["snr_median"] == np.median(s)
    table = stats.summary_table(result)
    assert len(table.splitlines()) == result.n_layers + 2


def test_layer_summary_ignores_unfinished_inputs(result):
    partial = fn.Result(mean=[m.copy() for m in result.mean], var=[v.copy() for v in result.var],
                        noiseless_xt=result.noiseless_xt, noiseless_x=result.noiseless_x)
    for n in range(partial.n_layers):
        partial.mean[n][20:] = np.nan
        partial.var[n][20:] = np.nan
    rows = stats.layer_summary(partial)
    for r in rows:
        n = r["layer"]
        assert r["mean_var"] == pytest.approx(result.var[n][:20].mean(), rel=1e-12)


def test_snr_curve_bins(result):
    n = 3
    curve = stats.snr_curve(result, n, bins=4, range=(0.0, 1.0))
    mean = result.mean[n].ravel()
    s = result.snr(n).ravel()
    edges = np.linspace(0, 1, 5)
    assert curve["count"].sum() == mean.size
    for b in range(4):
        sel = (mean >= edges[b]) & ((mean < edges[b + 1]) if b < 3 else (mean <= edges[b + 1]))
        assert curve["count"][b] == sel.sum()
        if sel.any():
            assert curve["snr_median"][b] == np.median(s[sel])
        else:
            assert np.isnan(curve["snr_median"][b])


def test_stats_from_store_equal_stats_from_result(tmp_path):
    net = fn.symmetric([1, 6, 1], alpha=3.0)
    path = tmp_path / "s.h5"
    res = fn.simulate(net, np.linspace(0, 1, 16), fn.Noise(additive=1e-3), repeats=8, seed=2,
                      store=path)
    with fn.Store(path) as st:
        run = st.run()
        assert stats.layer_summary(run) == stats.layer_summary(res)
        np.testing.assert_array_equal(stats.snr(run, 2), stats.snr(res, 2))
