"""Write a figure's numbers, summary and plots, and the report with the claim table.

For a figure ``figN`` made into folder ``DIR``:

* ``DIR/figN_<key>.csv`` — one table per panel (and per table behind the
  claims), see :class:`fastnoise.paper.tables.Table`;
* ``DIR/figN.json`` — settings, runs (reused or computed), per table its
  file, row count, finite column sums and non-finite counts, the derived
  ``results``, the plot files and the wall time;
* ``DIR/figN.png`` / ``.pdf`` (Fig. 4: one file per panel, ``fig4a`` ...);

and after every command ``DIR/claims.json`` and ``DIR/paper.md`` are rebuilt
from all the ``figN.json`` present.  These derived files are rewritten on
every call (they follow from the stores); the stores themselves are never
replaced without ``overwrite``.
"""

from __future__ import annotations

import json
import math
import os
import time

import numpy as np

from .._version import __version__
from .claims import evaluate
from .figures import FIGURES, FigureData
from .tables import Table

__all__ = ["write_figure", "plot_figure", "write_report", "load_summaries", "jsonable", "write_json", "md_cell"]


def jsonable(value):
    """Strict-JSON form: NumPy scalars and arrays become Python, NaN/inf become null."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return v if math.isfinite(v) else None
    return value


def write_json(path: str, data) -> None:
    """Write ``data`` as strict JSON (:func:`jsonable`) to ``path`` via a temporary file and a rename."""
    tmp = path + ".partial"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(jsonable(data), f, indent=1, allow_nan=False)
        f.write("\n")
    os.replace(tmp, path)


# ------------------------------------------------------------------------------ plots

def _series(t: Table, series: str, x: str, y: str):
    sub = t.where("series", series)
    return sub[x], sub[y]


def _fig3(data: FigureData):
    from ..report.plots import fig_snr_panels

    panels = []
    for key in "abcdef":
        t = data.tables[key]
        title = data.results["panels"][key]["title"]
        panels.append({
            "title": title,
            "points": {"network (simulated)": _series(t, "network", "mean", "snr"),
                       "linear network (simulated)": _series(t, "linear network", "mean", "snr")},
            "curves": {"single neuron": _series(t, "single neuron", "mean", "snr"),
                       "prediction (first order, Eq. 9)": _series(t, "prediction", "mean", "snr")},
        })
    return {"fig3": fig_snr_panels(panels, ncols=3)}


def _fig4(data: FigureData):
    from ..report.plots import fig_activation, fig_lamerey, fig_order_error, fig_var_depth

    res = data.results
    ta, tb, tc, td = (data.tables[k] for k in "abcd")
    curves = {}
    for a in res["alphas_b"]:
        sub = ta.where("alpha", float(a))
        curves[f"α = {a:g}"] = (sub["x"], sub["f"], sub["fprime"])
    figs = {"fig4a": fig_activation(curves)}
    rows = []
    n_layers = res["hidden"] + 2
    for a in res["alphas_b"]:
        sub = tb.where("alpha", float(a))
        per = [sub.where("layer", float(n)) for n in range(n_layers)]
        rows.append({"title": f"α = {a:g}", "inputs": per[0]["u"],
                     "simulated": [p["simulated"] for p in per],
                     "predicted": {"first order (Eq. 9)": [p["first_order"] for p in per],
                                   f"Taylor order {res['max_order']} (Eq. 12)":
                                       [p["taylor_shown"] for p in per],
                                   "exact density evolution": [p["density"] for p in per]},
                     "layer_names": [str(n + 1) for n in range(n_layers)]})
    picks = sorted({1, max(1, res["hidden"] // 4), res["hidden"] // 2,
                    (3 * res["hidden"]) // 4, res["hidden"], res["hidden"] + 1})
    figs["fig4b"] = fig_var_depth(rows, layers=picks, logy=True)
    series = {}
    for a in sorted(set(tc["alpha"].tolist())):
        sub = tc.where("alpha", a)
        series[f"α = {a:g}"] = (sub["S_prev"], sub["S_next"])
    figs["fig4c"] = fig_lamerey(series)
    errors = {}
    for hl in sorted(set(td["hidden_layer"].tolist())):
        sub = td.where("hidden_layer", hl)
        errors[f"layer {int(hl) + 1}, Var(x̃) = {sub['var_xt'][0]:.2g}"] = sub["rel_error"]
    orders = td.where("hidden_layer", td["hidden_layer"][0])["order"]
    figs["fig4d"] = fig_order_error(orders, errors)
    return figs


_SHORT = {"A": "digit 5", "B": "pullovers", "C": "Mackey–Glass"}


def _fig5(data: FigureData):
    from ..report.plots import fig_snr_panels

    panels = []
    for key in "abc":
        t = data.tables[key]
        info = data.results["networks"][{"a": "A", "b": "B", "c": "C"}[key]]
        names = [s for s in dict.fromkeys(t["series"].tolist()) if s != "prediction"]
        panels.append({
            "title": f"network {info['network']}: {_SHORT[info['network']]}",
            "points": {n: _series(t, n, "mean", "snr") for n in names},
            "curves": {"prediction (Eq. 14, g(x̃) p*)": _series(t, "prediction", "mean", "snr")},
        })
    return {"fig5": fig_snr_panels(panels, ncols=3, sharey=False, legend="all")}


def _fig6(data: FigureData):
    from ..report.plots import fig_hidden_snr

    from .figures import DENSITY_LABELS

    panels, hists = [], []
    for key, (n, d) in zip("abc", data.results["layers"].items()):
        t = data.tables[key]
        panels.append({"title": f"layer {d['paper_layer']}",
                       "points": {"simulated": _series(t, "simulated", "mean", "snr")},
                       "curves": {lab: _series(t, lab, "mean", "snr")
                                  for lab in DENSITY_LABELS.values()}})
    for key, (n, d) in zip("def", data.results["layers"].items()):
        t = data.tables[key]
        h = t.where("series", "histogram")
        edges = np.concatenate([h["x_lo"], h["x_hi"][-1:]])
        hists.append({"title": f"x̃ of layer {d['paper_layer']}", "edges": edges,
                      "counts": h["density"],
                      "curves": {lab: _series(t, lab, "x", "density")
                                 for lab in DENSITY_LABELS.values()}})
    return {"fig6": fig_hidden_snr(panels, hists)}


_PLOTTERS = {"fig3": _fig3, "fig4": _fig4, "fig5": _fig5, "fig6": _fig6}


def plot_figure(data: FigureData, out) -> list:
    """Draw ``data`` from its tables and save PNG and PDF files; return their paths."""
    written = []
    for stem, fig in _PLOTTERS[data.name](data).items():
        from ..report.plots import save

        written += save(fig, os.path.join(os.fspath(out), stem), formats=("png", "pdf"),
                        overwrite=True)
    return [os.path.basename(p) for p in written]


# ----------------------------------------------------------------------------- figures

def write_figure(data: FigureData, out, settings, plots: bool = True) -> dict:
    """Write the CSV tables, plots and JSON summary of one figure; return the summary."""
    out = os.fspath(out)
    os.makedirs(out, exist_ok=True)
    tables = {}
    for key, t in data.tables.items():
        name = f"{data.name}_{key}.csv"
        t.to_csv(os.path.join(out, name))
        tables[key] = dict(csv=name, **t.summary())
    t0 = time.perf_counter()
    files = plot_figure(data, out) if plots else []
    summary = {
        "figure": data.name, "title": data.title, "fastnoise_version": __version__,
        "quick": bool(settings.quick), "settings": settings.to_dict(),
        "store": data.store, "runs": data.runs, "tables": tables, "plots": files,
        "seconds": {"simulate_and_predict": data.seconds, "plot": time.perf_counter() - t0},
        "results": data.results,
    }
    write_json(os.path.join(out, f"{data.name}.json"), summary)
    return jsonable(summary)


def load_summaries(out) -> dict:
    """The ``figN.json`` files present in ``out``: ``name -> summary`` (None when missing)."""
    found = {}
    for name in FIGURES:
        path = os.path.join(os.fspath(out), f"{name}.json")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                found[name] = json.load(f)
    return found


# ------------------------------------------------------------------------------ report

def md_cell(text: str) -> str:
    """``text`` as one cell of a Markdown table."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def claim_table(claims, header: str = "Claim (paper)") -> list:
    """The Markdown lines of a claim table (one row per :class:`~.claims.Claim`)."""
    lines = [f"| # | {header} | Measured | Criterion | Verdict |",
             "|---|---|---|---|---|"]
    for c in claims:
        verdict = f"**{c.verdict}**" + (f" — {c.reason}" if c.reason else "")
        lines.append(f"| {c.id} | {md_cell(c.claim)} | {md_cell(c.measured or '—')} | "
                     f"{md_cell(c.criterion or '—')} | {md_cell(verdict)} |")
    return lines


def write_study_files(out: str, study: str, tables: dict, claims, figures: list, command: str | None,
                      results: dict, settings: dict | None = None) -> dict:
    """Write a study's tables as ``<study>_<name>.csv`` and its summary ``<study>.json``
    (command, settings when given, results, table sums, plots, claims) into ``out``;
    return {name: CSV path}."""
    from dataclasses import asdict

    files = {name: t.to_csv(os.path.join(out, f"{study}_{name}.csv")) for name, t in tables.items()}
    summary = {"study": study, "command": command, **({} if settings is None else {"settings": settings}),
               "results": results,
               "tables": {k: {"file": os.path.basename(v), **tables[k].summary()} for k, v in files.items()},
               "plots": [os.path.basename(p) for p in figures], "claims": [asdict(c) for c in claims]}
    write_json(os.path.join(out, f"{study}.json"), summary)
    return files


def write_study_md(path: str, title: str, command: str | None, quick: bool, intro: list, claims,
                   sources: str, figures: list, files: list) -> None:
    """Write a study's Markdown report atomically: title, command, the --quick warning,
    ``intro`` lines, the claim table, sources, figures and the table files."""
    lines = [f"# {title}", ""]
    if command:
        lines += [f"Made by `{command}`.", ""]
    if quick:
        lines += ["**--quick: small settings, noisy numbers; the verdicts are not meaningful.**", ""]
    lines += list(intro) + [""] + claim_table(claims, "Claim") + ["", sources, ""]
    lines += [f"![{os.path.basename(p)}]({os.path.basename(p)})" for p in figures]
    lines += ["", "Tables: " + ", ".join(f"`{os.path.basename(v)}`" for v in files), ""]
    tmp = path + ".partial"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    os.replace(tmp, path)


def write_report(out, command: str | None = None) -> list:
    """Rebuild ``claims.json`` and ``paper.md`` in ``out`` from its figure summaries.

    Returns
    -------
    list of Claim
    """
    out = os.fspath(out)
    summaries = load_summaries(out)
    claims = evaluate(summaries)
    write_json(os.path.join(out, "claims.json"),
                {"fastnoise_version": __version__, "claims": [c.to_dict() for c in claims]})
    quick = [k for k, s in summaries.items() if s.get("quick")]
    lines = ["# Semenova, Larger & Brunner (2022), Figs. 3–6, reproduced with fastnoise", ""]
    lines.append(f"fastnoise {__version__}; made by `{command or 'fastnoise paper'}`; "
                 f"figures present: {', '.join(summaries) or 'none'}.")
    lines.append("")
    if quick:
        lines += [f"**Quick settings** for {', '.join(quick)}: few repetitions, inputs and "
                  "neurons; the numbers are noisy and the verdicts below are not meaningful. "
                  "Run without `--quick` for the paper-sized settings.", ""]
    lines += ["## Claims", "",
              "Each verdict follows from the stated criterion applied to the measured numbers "
              "(`claims.json` holds them all; `fastnoise/paper/claims.py` the rules).", ""]
    lines += claim_table(claims)
    n = {v: sum(c.verdict == v for c in claims) for v in dict.fromkeys(c.verdict for c in claims)}
    lines += ["", "Tally: " + ", ".join(f"{k} {v}" for k, v in n.items()), ""]
    lines += ["## Figures", ""]
    for name, s in summaries.items():
        runs = s["runs"]
        counts = {a: sum(v == a for v in runs.values()) for a in dict.fromkeys(runs.values())}
        secs = s["seconds"]
        lines.append(f"### {s['title']}")
        lines.append("")
        lines.append(f"Store `{s['store']}`: {len(runs)} run(s) ("
                     + ", ".join(f"{v} {k}" for k, v in counts.items()) + "); "
                     f"{secs['simulate_and_predict']:.1f} s simulating and predicting, "
                     f"{secs['plot']:.1f} s plotting"
                     + ("; quick settings" if s.get("quick") else "") + ".")
        lines.append("")
        for p in s["plots"]:
            if p.endswith(".png"):
                lines.append(f"![{p}]({p})")
        lines.append("")
        lines.append("Tables: " + ", ".join(f"`{t['csv']}` ({t['rows']} rows)"
                                            for t in s["tables"].values()))
        lines.append("")
    lines += ["## Notes", ""] + _NOTES
    path = os.path.join(out, "paper.md")
    tmp = path + ".partial"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, path)
    return claims


_NOTES = [
    "- Layers are numbered as in the paper (input layer = 1) in the text and plots; the CSV "
    "files carry both `layer` (fastnoise, input layer 0) and `paper_layer`.",
    "- Fig. 3: the bottom row uses correlated noise only, at the intensities of the top row "
    "(the caption's D^U = D^C). Curves: single neuron (Eq. 5, noiseless input) and the "
    "first-order recursion (Eqs. 6, 9, 10); the linear network with the same noise is drawn too.",
    "- Fig. 4 (b): first order (Eq. 9), Taylor order M (Eqs. 12–13, Gaussian moments V_m) and "
    "exact density evolution. The Taylor series of the shifted sigmoid is asymptotic for "
    "Gaussian x̃: once Var(x̃) exceeds about R²/30 (R = 1/α at x̃ = 0.5) order 15 diverges, "
    "which shows as infinite or huge values in deep layers at α = 3 (column `taylor`); the "
    "plot leaves out values above 10 × the exact density evolution (column `taylor_shown`).",
    "- Fig. 4 (c), claims 1–4: depth runs at u = 0.5 (x̃ = 0.5 in every layer, where the "
    "variance is largest). S_n = Var(x̃_n) is obtained from the simulated Var(y_{n−1}) − "
    "2D(1 − 1/I_{n−1}), exact for uncorrelated additive noise in a symmetric network. The "
    "fixed points S* come from exact density evolution carried deeper than the simulation.",
    "- Fig. 4 (d): relative error of F̂|_M (Eq. 12) at x̃ = 0.5 against the exact Var f(x̃) "
    "for Gaussian x̃ (Gauss–Hermite, 200 nodes), at the simulated Var(x̃) of three layers.",
    "- Figs. 5, 6: Eq. 14 with the Eq. 15 integrals over p* fitted to the noiseless states of "
    "each layer (uniform, normal, g(x̃) of Eq. 29); all four noise kinds at the Fig. 3 "
    "intensities. Claim 6 also lists, beyond the paper, the full mean/covariance propagation "
    "(`fn.predict(method=\"moments\")`), which drops Eq. 14's assumption of uncorrelated "
    "inherited fluctuations.",
    "- Monte Carlo: the relative error of one sample variance is about √(2/(K−1)); medians "
    "over many inputs and neurons are far more precise than that.",
]
