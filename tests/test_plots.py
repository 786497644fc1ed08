"""The report stage's figures (fastnoise.report) and the ``fastnoise plot`` command.

Figures are checked by their content (axes, the data of every line, scatter
and histogram, labels), not only for running without an error.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import fastnoise as fn  # noqa: E402
from fastnoise.analytic.single import single_neuron_snr  # noqa: E402
from checks import assert_one_line_error  # noqa: E402
from checks import run_cli as cli  # noqa: E402
from fastnoise.report import (fig_activation, fig_hidden_snr, fig_histograms,  # noqa: E402
                              fig_lamerey, fig_order_error, fig_snr_mean, fig_snr_panels,
                              fig_var_depth, fig_xy, histogram_figure, save, snr_mean_figure,
                              staircase, var_depth_figure)
from fastnoise.report.style import require_matplotlib  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PDF_MAGIC = b"%PDF-"
NOISE = fn.Noise(additive=1e-4, multiplicative=1e-3)


# -- fixtures ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def result():
    """A tiny simulation of the paper's symmetric network: 1-6-6-1, T = 15, K = 6."""
    return fn.simulate(fn.symmetric([1, 6, 6, 1], alpha=4.0), np.linspace(0, 1, 15), NOISE,
                       repeats=6, seed=1)


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    """A store with one run that has histograms and a stored Gaussian prediction."""
    path = str(tmp_path_factory.mktemp("plots") / "tiny.h5")
    net = fn.symmetric([1, 6, 6, 1], alpha=4.0)
    u = np.linspace(0, 1, 15)
    fn.simulate(net, u, NOISE, repeats=6, seed=1, store=path,
                histogram={"bins": 12, "range": (0.0, 1.0)})
    pred = fn.predict(net, u, NOISE, method="gauss")
    with fn.Store(path, "a") as st:
        run = st.run()
        run.create_prediction("gauss")
        run.write_prediction(pred.mean, pred.var)
    return path


@pytest.fixture(scope="module")
def plain_store(tmp_path_factory):
    """A store whose run has neither histograms nor a prediction."""
    path = str(tmp_path_factory.mktemp("plain") / "plain.h5")
    fn.simulate(fn.symmetric([1, 4, 1]), np.linspace(0, 1, 8), NOISE, repeats=4, seed=2,
                store=path)
    return path


@pytest.fixture(scope="module")
def sweep_path(tmp_path_factory):
    """A 3 x 2 sweep (network.alpha x noise.additive) with a stored prediction."""
    pytest.importorskip("pandas")
    distributed = pytest.importorskip("distributed")
    import fastnoise.sweep as sw

    spec = sw.loads_sweep("""
[base]
repeats = 4
seed = 3
network = { kind = "symmetric", widths = [1, 5, 1], alpha = 4.0 }
noise = { additive = 1e-4, multiplicative = 1e-3 }
inputs = { kind = "linspace", start = 0.0, stop = 1.0, count = 5 }
[[axes]]
key = "network.alpha"
values = [1.0, 2.0, 4.0]
[[axes]]
key = "noise.additive"
values = [1e-5, 1e-3]
""", base_dir=os.getcwd())
    path = str(tmp_path_factory.mktemp("sweep") / "sweep.h5")
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=1,
                            dashboard_address="127.0.0.1:0") as client:
        sw.run_sweep(spec, path, predict="gauss", client=client)
    return path


def lines_of(ax):
    return [ln for ln in ax.get_lines()]


# -- fig_snr_mean ------------------------------------------------------------------------

def test_snr_mean_draws_points_and_curves(result):
    from matplotlib.figure import Figure

    x = np.linspace(0, 1, 50)
    fig = fig_snr_mean({"network (simulated)": (result.mean[3], result.snr(3))},
                       {"single neuron": (x, single_neuron_snr(NOISE, x))}, title="(a) additive")
    assert isinstance(fig, Figure)
    assert type(fig.canvas).__name__ == "FigureCanvasAgg"
    (ax,) = fig.axes
    (points,) = ax.collections
    np.testing.assert_array_equal(points.get_offsets()[:, 0], result.mean[3].ravel())
    np.testing.assert_array_equal(points.get_offsets()[:, 1], result.snr(3).ravel())
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), x)
    np.testing.assert_array_equal(line.get_ydata(), single_neuron_snr(NOISE, x))
    assert line.get_linestyle() == "--"  # the single neuron: gray dashed
    assert ax.get_yscale() == "log"
    assert ax.get_title() == "(a) additive"
    assert ax.get_xlabel() == r"mean $E(y)$" and ax.get_ylabel() == r"$\mathrm{SNR}$"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["network (simulated)",
                                                                   "single neuron"]


def test_snr_mean_into_given_axes_and_style_override():
    from matplotlib.figure import Figure

    host = Figure()
    axes = host.subplots(1, 2)
    got = fig_snr_mean({"a": ([0.1, 0.5], [3.0, 4.0], {"color": "red"})}, ax=axes[1], logy=False)
    assert got is host
    assert not axes[0].collections and len(axes[1].collections) == 1
    assert axes[1].get_yscale() == "linear"
    np.testing.assert_allclose(axes[1].collections[0].get_facecolor()[0][:3], [1, 0, 0])


def test_bad_series_names_the_label():
    with pytest.raises(ValueError, match="'digit 5'.*3 values.*2"):
        fig_snr_mean({"digit 5": ([1, 2, 3], [1, 2])})
    with pytest.raises(TypeError, match="'digit 5'"):
        fig_snr_mean({"digit 5": np.ones(3)})
    with pytest.raises(TypeError, match="dict"):
        fig_snr_mean([(1, 2)])


# -- fig_snr_panels ----------------------------------------------------------------------

def _panel(title, k, labels=("network (simulated)",)):
    x = np.linspace(0.1, 0.9, 5 + k)
    return {"title": title, "points": {lab: (x, x * 10 + k) for lab in labels},
            "curves": {"prediction": (x, x * 10)}}


def test_snr_panels_fig3_grid():
    panels = [_panel(t, k) for k, t in enumerate("abcdef")]
    fig = fig_snr_panels(panels, ncols=3)
    assert len(fig.axes) == 6
    for k, ax in enumerate(fig.axes):
        assert ax.get_title(loc="left") == f"({'abcdef'[k]})"
        assert ax.get_title() == "abcdef"[k]
        np.testing.assert_array_equal(ax.collections[0].get_offsets()[:, 1],
                                      panels[k]["points"]["network (simulated)"][1])
        np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(),
                                      panels[k]["curves"]["prediction"][1])
    # the same labels everywhere: a single legend; one SNR axis, labelled once
    assert [ax.get_legend() is not None for ax in fig.axes] == [True] + [False] * 5
    assert fig.axes[0].get_shared_y_axes().joined(fig.axes[0], fig.axes[5])
    assert fig.axes[3].get_ylabel() and not fig.axes[1].get_ylabel()


def test_snr_panels_fig5_legends_and_unused_cells():
    panels = [_panel("A", 0, ("digit 5", "other digits")), _panel("B", 1, ("pullover",)),
              _panel("C", 2, ("Mackey-Glass",)), _panel("D", 3, ("pullover",))]
    fig = fig_snr_panels(panels, ncols=3, letters=False)
    assert len(fig.axes) == 4  # the sixth cell is removed
    assert [ax.get_legend() is not None for ax in fig.axes] == [True, True, True, False]
    assert len(fig.axes[0].collections) == 2
    assert fig.axes[0].get_title(loc="left") == ""
    with pytest.raises(ValueError, match="unknown key.*'point'"):
        fig_snr_panels([{"point": {}}])


# -- Fig. 4 ------------------------------------------------------------------------------

def test_var_depth_columns_rows_and_data():
    u = np.linspace(0, 1, 11)
    rows = [{"title": f"α = {a}", "inputs": u,
             "simulated": [(n + a) * u for n in range(4)],
             "predicted": {"first order": [(n + a) * u + 1 for n in range(4)],
                           "order 15": [None] + [(n + a) * u + 2 for n in range(1, 4)]}}
            for a in (2, 3)]
    fig = fig_var_depth(rows, layers=[1, 3])
    assert len(fig.axes) == 4
    axes = np.array(fig.axes).reshape(2, 2)
    for r, a in enumerate((2, 3)):
        for c, n in enumerate((1, 3)):
            sim, first, higher = axes[r, c].get_lines()
            assert sim.get_linestyle() == "None" and sim.get_marker() == "o"
            np.testing.assert_array_equal(sim.get_xdata(), u)
            np.testing.assert_array_equal(sim.get_ydata(), (n + a) * u)
            np.testing.assert_array_equal(first.get_ydata(), (n + a) * u + 1)
            np.testing.assert_array_equal(higher.get_ydata(), (n + a) * u + 2)
    assert [ax.get_title() for ax in axes[0]] == ["layer 1", "layer 3"]
    assert axes[1, 0].get_ylabel().startswith("α = 3")
    # one legend for the figure, below every panel, not inside one
    assert all(ax.get_legend() is None for ax in fig.axes) and len(fig.legends) == 1
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["simulated", "first order",
                                                                   "order 15"]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    top = fig.legends[0].get_window_extent(renderer).y1
    assert all(top <= ax.get_tightbbox(renderer).y0 + 1 for ax in axes[1])
    # a None entry is skipped
    fig = fig_var_depth(rows, layers=[0])
    assert len(fig.axes[0].get_lines()) == 2
    # default: every layer, or max_columns of them
    assert len(fig_var_depth(rows[:1]).axes) == 4
    assert len(fig_var_depth(rows[:1], max_columns=3).axes) == 3
    with pytest.raises(ValueError, match="layers \\[7\\] out of range"):
        fig_var_depth(rows, layers=[7])


def test_activation_solid_and_dashed():
    x = np.linspace(-1, 2, 30)
    curves = {f"α = {a}": (x, np.tanh(a * x), a / np.cosh(a * x) ** 2) for a in (2, 3)}
    fig = fig_activation(curves)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 4
    for k, a in enumerate((2, 3)):
        f, df = lines[2 * k], lines[2 * k + 1]
        np.testing.assert_array_equal(f.get_ydata(), np.tanh(a * x))
        np.testing.assert_array_equal(df.get_ydata(), a / np.cosh(a * x) ** 2)
        assert f.get_linestyle() == "-" and df.get_linestyle() == "--"
        assert f.get_color() == df.get_color()
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texts == ["α = 2", "α = 3", "$f$", "$f'$"]


def test_lamerey_diagonal_staircase_points():
    series = {"α = 2.5": ([1.0, 2.0, 2.5], [2.0, 2.5, 2.7]), "α = 1.5": ([1.0, 0.9], [0.9, 0.85])}
    fig = fig_lamerey(series)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 1 + 2 * len(series)
    diag = lines[0]
    np.testing.assert_array_equal(diag.get_xdata(), diag.get_ydata())
    assert diag.get_xdata()[0] <= 0.85 and diag.get_xdata()[1] >= 2.7
    sx, sy = staircase(*series["α = 2.5"])
    np.testing.assert_array_equal(sx, [1, 1, 2, 2, 2, 2.5, 2.5, 2.5, 2.7])
    np.testing.assert_array_equal(sy, [1, 2, 2, 2, 2.5, 2.5, 2.5, 2.7, 2.7])
    np.testing.assert_array_equal(lines[1].get_xdata(), sx)
    np.testing.assert_array_equal(lines[1].get_ydata(), sy)
    np.testing.assert_array_equal(lines[2].get_xdata(), series["α = 2.5"][0])
    np.testing.assert_array_equal(lines[2].get_ydata(), series["α = 2.5"][1])
    assert lines[3].get_color() == lines[4].get_color() != lines[2].get_color()
    assert fig_lamerey(series, log=True).axes[0].get_xscale() == "log"


def test_order_error_lines():
    m = np.arange(1, 8)
    errors = {"α = 3": 0.5 ** m, "α = 4": 0.7 ** m}
    ax = fig_order_error(m, errors).axes[0]
    assert ax.get_yscale() == "log"
    for line, (label, err) in zip(ax.get_lines(), errors.items()):
        np.testing.assert_array_equal(line.get_xdata(), m)
        np.testing.assert_array_equal(line.get_ydata(), err)
        assert line.get_label() == label
    ax = fig_order_error(m, 0.5 ** m).axes[0]  # one unlabelled series: no legend
    assert len(ax.get_lines()) == 1 and ax.get_legend() is None


# -- Fig. 6 ------------------------------------------------------------------------------

def _hist(k):
    edges = np.linspace(-2, 2, 9)
    x = np.linspace(-2, 2, 20)
    return {"title": f"layer {k}", "edges": edges, "counts": np.arange(8.0) + k,
            "curves": {"uniform p*": (x, np.full(20, 0.25)), "normal p*": (x, np.exp(-x ** 2)),
                       "g(x̃) p*": (x, np.exp(-x ** 2) + k)}}


def test_hidden_snr_panels_and_histograms():
    labels = ("uniform p*", "normal p*", "g(x̃) p*")
    panels = [{"title": f"layer {k}", "points": {"simulated": ([0.2, 0.5], [5.0 + k, 6.0])},
               "curves": {lab: ([0.1, 0.9], [1.0 + j, 2.0 + j]) for j, lab in enumerate(labels)}}
              for k in (2, 3, 4)]
    hists = [_hist(k) for k in (2, 3, 4)]
    fig = fig_hidden_snr(panels, hists)
    assert len(fig.axes) == 6
    assert [ax.get_title(loc="left") for ax in fig.axes] == [f"({c})" for c in "abcdef"]
    top, bottom = fig.axes[:3], fig.axes[3:]
    assert top[0].get_shared_y_axes().joined(top[0], top[2])
    colors = [ln.get_color() for ln in top[0].get_lines()]
    assert colors == ["#D55E00", "#009E73", "#000000"]  # red, green, black as in the paper
    for ax, h in zip(bottom, hists):
        (step,) = ax.patches
        values, edges, _ = step.get_data()
        np.testing.assert_array_equal(values, h["counts"])
        np.testing.assert_array_equal(edges, h["edges"])
        np.testing.assert_array_equal(ax.get_lines()[2].get_ydata(), h["curves"]["g(x̃) p*"][1])
    # fewer histograms than panels: the empty cells go
    assert len(fig_hidden_snr(panels, hists[:1]).axes) == 4


def test_histograms_alone_and_bad_edges():
    fig = fig_histograms([_hist(2), _hist(3)], ncols=2, letters=True)
    assert len(fig.axes) == 2 and fig.axes[1].get_title(loc="left") == "(b)"
    bad = dict(_hist(2), edges=np.linspace(0, 1, 4))
    with pytest.raises(ValueError, match="4 edges for 8 counts"):
        fig_histograms([bad])


def test_xy_categories():
    fig = fig_xy({"a = 1": ([0, 1, 2], [1.0, 2.0, 3.0])}, xlabel="widths", ylabel="v",
                 categories=["[1, 5, 1]", "[1, 5, 5, 1]", "[1, 5, 5, 5, 1]"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["[1, 5, 1]", "[1, 5, 5, 1]",
                                                            "[1, 5, 5, 5, 1]"]
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), [1, 2, 3])


# -- save --------------------------------------------------------------------------------

def test_save_writes_png_and_pdf(tmp_path):
    fig = fig_snr_mean({"a": ([0.1, 0.5], [3.0, 4.0])})
    written = save(fig, tmp_path / "sub" / "fig3")
    assert written == [str(tmp_path / "sub" / "fig3.png"), str(tmp_path / "sub" / "fig3.pdf")]
    png, pdf = (open(p, "rb").read() for p in written)
    assert png.startswith(PNG_MAGIC) and len(png) > 1000
    assert pdf.startswith(PDF_MAGIC) and len(pdf) > 1000
    assert sorted(os.listdir(tmp_path / "sub")) == ["fig3.pdf", "fig3.png"]  # no leftovers
    # 200 dpi: the PNG's IHDR width is the figure width in inches x 200
    width = int.from_bytes(png[16:20], "big")
    assert width == pytest.approx(fig.get_figwidth() * 200, rel=0.15)


def test_save_suffix_formats_and_overwrite(tmp_path):
    fig = fig_snr_mean({"a": ([0.1, 0.5], [3.0, 4.0])})
    (only,) = save(fig, tmp_path / "f.pdf", formats="pdf")
    assert only == str(tmp_path / "f.pdf")
    # the PNG is new but the PDF exists: nothing is written
    with pytest.raises(FileExistsError, match=r"f\.pdf exists; pass overwrite=True"):
        save(fig, tmp_path / "f.png")
    assert not (tmp_path / "f.png").exists()
    before = os.path.getmtime(only)
    assert save(fig, tmp_path / "f.png", overwrite=True) == [str(tmp_path / "f.png"), only]
    assert (tmp_path / "f.png").read_bytes().startswith(PNG_MAGIC)
    assert os.path.getmtime(only) >= before
    with pytest.raises(ValueError, match="cannot write format 'bmpx'"):
        save(fig, tmp_path / "g", formats=("bmpx",))


def test_missing_matplotlib_is_one_actionable_line(monkeypatch, capsys, store_path, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install 'fastnoise\[plot\]'"):
        require_matplotlib()
    with pytest.raises(ImportError, match=r"fastnoise\[plot\]"):
        fig_snr_mean({"a": ([1], [1])})
    code, out, err = cli(capsys, "plot", store_path, "--out", tmp_path / "x.png")
    assert_one_line_error(code, err, "fastnoise[plot]")
    assert not (tmp_path / "x.png").exists()


# -- figures of runs ---------------------------------------------------------------------

def test_snr_mean_figure_of_a_result(result):
    fig = snr_mean_figure(result)
    ax = fig.axes[0]
    (points,) = ax.collections
    np.testing.assert_array_equal(points.get_offsets()[:, 0], result.mean[3].ravel())
    (single,) = ax.get_lines()
    assert single.get_label() == "single neuron"
    np.testing.assert_allclose(single.get_ydata(), single_neuron_snr(NOISE, single.get_xdata()))
    assert single.get_xdata().min() == result.mean[3].min()


def test_snr_mean_figure_adds_the_stored_prediction(store_path):
    with fn.Store(store_path) as st:
        run = st.run()
        pm, pv, method = run.prediction()
        fig = snr_mean_figure(run, 3)
        hidden = snr_mean_figure(run, 1)
    lines = {ln.get_label(): ln for ln in fig.axes[0].get_lines()}
    assert set(lines) == {"prediction (gauss)", "single neuron"}
    order = np.argsort(pm[3][:, 0])
    np.testing.assert_allclose(lines["prediction (gauss)"].get_xdata(), pm[3][order, 0])
    np.testing.assert_allclose(lines["prediction (gauss)"].get_ydata(),
                               pm[3][order, 0] / np.sqrt(pv[3][order, 0]))
    # a hidden layer of 6 neurons: the prediction as points
    assert len(hidden.axes[0].collections) == 2


def test_var_depth_and_histogram_figures_of_a_run(store_path):
    with fn.Store(store_path) as st:
        run = st.run()
        fig = var_depth_figure(run)
        counts, lo, hi = run.histogram()
        hist = histogram_figure(run, [2])
        var2 = run.var(2)
        pred_var2 = run.prediction()[1][2]
    assert [ax.get_title() for ax in fig.axes] == ["layer 1", "layer 2", "layer 3"]
    sim, pred = fig.axes[1].get_lines()
    np.testing.assert_allclose(sim.get_ydata(), var2.mean(axis=1))
    np.testing.assert_allclose(pred.get_ydata(), pred_var2.mean(axis=1))
    assert pred.get_label() == "prediction (gauss)"
    (step,) = hist.axes[0].patches
    density, edges, _ = step.get_data()
    np.testing.assert_allclose(edges, np.linspace(0, 1, 13))
    inside = counts[2, 1:-1].sum() / counts[2].sum()
    np.testing.assert_allclose((density * np.diff(edges)).sum(), inside)


def test_run_figures_reject_bad_layers_and_missing_histograms(plain_store):
    with fn.Store(plain_store) as st:
        run = st.run()
        with pytest.raises(ValueError, match="layer 5 out of range: run0 has layers 0..2"):
            snr_mean_figure(run, 5)
        with pytest.raises(ValueError, match="run0 has no histograms"):
            histogram_figure(run)


# -- fastnoise plot ----------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["snr-mean", "var-depth", "histogram"])
def test_cli_plot_kinds_write_png(capsys, store_path, tmp_path, kind):
    out = tmp_path / f"{kind}.png"
    code, stdout, err = cli(capsys, "plot", store_path, "--kind", kind, "--out", out)
    assert code == 0, err
    assert stdout.strip() == f"wrote {out}"
    assert out.read_bytes().startswith(PNG_MAGIC)


def test_cli_default_output_pdf_layer_and_overwrite(capsys, store_path, tmp_path):
    import shutil

    store = tmp_path / "copy.h5"
    shutil.copy(store_path, store)
    code, out, err = cli(capsys, "plot", store)
    assert code == 0, err
    default = tmp_path / "copy_snr-mean.png"
    assert default.read_bytes().startswith(PNG_MAGIC)
    code, out, err = cli(capsys, "plot", store)
    assert_one_line_error(code, err, str(default), "--overwrite")
    assert cli(capsys, "plot", store, "--overwrite")[0] == 0
    pdf = tmp_path / "l2.pdf"
    code, out, err = cli(capsys, "plot", store, "--layer", "2", "--out", pdf)
    assert code == 0, err
    assert pdf.read_bytes().startswith(PDF_MAGIC)


def test_cli_errors_are_one_line(capsys, store_path, plain_store, tmp_path):
    out = ["--out", tmp_path / "e.png"]
    code, _, err = cli(capsys, "plot", store_path, "--kind", "bars", *out)
    assert_one_line_error(code, err, "invalid choice: 'bars'", "snr-mean")
    code, _, err = cli(capsys, "plot", store_path, "--run", "nope", *out)
    assert_one_line_error(code, err, "no run 'nope'", "run0")
    code, _, err = cli(capsys, "plot", store_path, "--layer", "9", *out)
    assert_one_line_error(code, err, "layer 9 out of range")
    code, _, err = cli(capsys, "plot", plain_store, "--kind", "histogram", *out)
    assert_one_line_error(code, err, "no histograms", "histogram = {")
    code, _, err = cli(capsys, "plot", store_path, "--kind", "sweep", *out)
    assert_one_line_error(code, err, "holds no sweep")
    code, _, err = cli(capsys, "plot", store_path, "--out", tmp_path / "e.jpeg2")
    assert_one_line_error(code, err, ".png, .pdf or .svg")
    code, _, err = cli(capsys, "plot", tmp_path / "missing.h5", *out)
    assert_one_line_error(code, err, "missing.h5")
    code, _, err = cli(capsys, "plot", store_path, "--x", "network.alpha", *out)
    assert_one_line_error(code, err, "--kind sweep only")
    assert not (tmp_path / "e.png").exists()


def test_cli_help_lists_kinds(capsys):
    code, out, _ = cli(capsys, "plot", "--help")
    assert code == 0
    for word in ("snr-mean", "var-depth", "histogram", "sweep", "--overwrite", "fastnoise[plot]"):
        assert word in out
    code, out, _ = cli(capsys, "--help")
    assert "plot" in out


def test_cli_sweep_plot(capsys, sweep_path, tmp_path):
    from fastnoise.report import sweep_figure

    out = tmp_path / "sweep.png"
    code, stdout, err = cli(capsys, "plot", sweep_path, "--kind", "sweep", "--x", "network.alpha",
                            "--y", "mean_var", "--out", out)
    assert code == 0, err
    assert out.read_bytes().startswith(PNG_MAGIC)
    df = fn.stats.sweep_table(sweep_path)
    fig = sweep_figure(sweep_path, x="network.alpha", y="mean_var")
    ax = fig.axes[0]
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert set(lines) == {"noise.additive = 1e-05", "noise.additive = 1e-05, predicted",
                          "noise.additive = 0.001", "noise.additive = 0.001, predicted"}
    # the legend: a colour per group, and the line styles explained once, beside the axes
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [
        "noise.additive = 1e-05", "noise.additive = 0.001", "simulated", "predicted (gauss)"]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    assert legend.get_window_extent(renderer).x0 > ax.get_window_extent(renderer).x1
    sel = df[(df.layer == 2) & (df["noise.additive"] == 1e-3)].sort_values("network.alpha")
    np.testing.assert_array_equal(lines["noise.additive = 0.001"].get_xdata(), [1.0, 2.0, 4.0])
    np.testing.assert_allclose(lines["noise.additive = 0.001"].get_ydata(), sel["mean_var"])
    np.testing.assert_allclose(lines["noise.additive = 0.001, predicted"].get_ydata(),
                               sel["pred_mean_var"])
    out_rows = df[df.layer == 2]
    spread = max(out_rows.mean_var.max(), out_rows.pred_mean_var.max()) / min(
        out_rows.mean_var.min(), out_rows.pred_mean_var.min())
    assert ax.get_yscale() == ("log" if spread >= 100 else "linear")  # log over two decades
    assert ax.get_xscale() == "linear"  # alpha 1..4
    assert sweep_figure(sweep_path, x="noise.additive").axes[0].get_xscale() == "log"
    # a run of the sweep with the other kinds
    code, _, err = cli(capsys, "plot", sweep_path, "--run", df.run.iloc[0], "--out",
                       tmp_path / "p0.png")
    assert code == 0, err
    code, _, err = cli(capsys, "plot", sweep_path, "--kind", "sweep", "--x", "alpha", "--out",
                       tmp_path / "bad.png")
    assert_one_line_error(code, err, "'alpha' is not a swept key", "network.alpha")
    code, _, err = cli(capsys, "plot", sweep_path, "--kind", "sweep", "--y", "colour", "--out",
                       tmp_path / "bad.png")
    assert_one_line_error(code, err, "'colour'", "snr_median")


def test_xy_legend_entries_and_placement():
    """fig_xy: series kept out of the legend, style entries, inside for few entries."""
    x = [1.0, 2.0, 3.0]
    few = fig_xy({"a": (x, [1, 2, 3]), "a, predicted": [x, [1, 2, 2], {"in_legend": False}]},
                 xlabel="x", ylabel="y", styles={"predicted": {"linestyle": "--"}})
    ax = few.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "predicted"]
    assert [ln.get_label() for ln in ax.get_lines()] == ["a", "a, predicted"]
    few.canvas.draw()
    r = few.canvas.get_renderer()
    assert ax.get_window_extent(r).contains(*ax.get_legend().get_window_extent(r).p0)
    many = fig_xy({f"s{i}": (x, [i, i, i]) for i in range(4)}, xlabel="x", ylabel="y")
    many.canvas.draw()
    r = many.canvas.get_renderer()
    ax = many.axes[0]
    assert ax.get_legend().get_window_extent(r).x0 > ax.get_window_extent(r).x1
