"""Writing the ESN study: CSV per table, ``esn.json``, plots and ``esn.md``."""

from __future__ import annotations

import os
from dataclasses import asdict

import numpy as np

from .esn_claims import evaluate
from .esn_study import KINDS
from .report import write_study_files, write_study_md

__all__ = ["write_study", "plot_study"]

_KIND_NAMES = {"AU": "additive uncorrelated", "AC": "additive correlated",
               "MU": "multiplicative uncorrelated", "MC": "multiplicative correlated"}


def plot_study(tables: dict, out: str) -> list:
    """Draw the study's figures (PNG) into ``out``; returns the paths."""
    from ..report import save
    from ..report.style import style_context

    paths = []
    with style_context():
        import matplotlib.pyplot as plt

        it = tables["intensity"]
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
        for kind in KINDS:
            rows = it.select(kind=kind)
            order = np.argsort(rows["D"])
            axes[0].loglog(rows["D"][order], rows["var_over_2D"][order], marker="o", label=_KIND_NAMES[kind])
            axes[1].loglog(rows["D"][order], rows["nrmse"][order], marker="o", label=_KIND_NAMES[kind])
        axes[0].set_ylabel("readout Var / 2D")
        axes[1].set_ylabel("NRMSE of the noisy readout")
        for ax in axes:
            ax.set_xlabel("noise intensity D (every layer)")
        axes[0].legend(fontsize=7)
        fig.suptitle("Trained Mackey–Glass reservoir, open loop")
        paths += save(fig, os.path.join(out, "esn_intensity"), ("png",), overwrite=True)
        plt.close(fig)

        ro = tables["readouts"]
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
        for ax, var, stat, label in ((axes[0], "var_AC", "N2_mean2", "N²·mean(w)²"),
                                     (axes[1], "var_AU", "N_mean_sq", "N·mean(w²)")):
            ax.loglog(ro[stat], ro[var], "o")
            trained = ro["readout"] == "trained"
            ax.loglog(ro[stat][trained], ro[var][trained], "r*", ms=12, label="trained readout")
            ax.set_xlabel(label + " of the readout")
            ax.set_ylabel(f"readout Var, {var[-2:]} noise")
            ax.legend(fontsize=7)
        fig.suptitle("One reservoir, readouts of chosen mean and mean square")
        paths += save(fig, os.path.join(out, "esn_readouts"), ("png",), overwrite=True)
        plt.close(fig)

        ma = tables["matrices"]
        fig, ax = plt.subplots(figsize=(6, 3.6))
        for kind, ls in (("uniform", "-"), ("band", "--")):
            rows = ma.select(matrix=kind)
            order = np.argsort(rows["connectivity"])
            for col, mk in (("var_over_2D_AU", "o"), ("var_over_2D_AC", "s")):
                ax.loglog(rows["connectivity"][order], rows[col][order], ls=ls, marker=mk,
                          label=f"{kind}, {col[-2:]}")
        ax.set_xlabel("connectivity of W")
        ax.set_ylabel("readout Var / 2D")
        ax.legend(fontsize=7)
        ax.set_title("Uniform and band reservoirs, each trained")
        paths += save(fig, os.path.join(out, "esn_matrices"), ("png",), overwrite=True)
        plt.close(fig)

        lp, tr = tables["loop"], tables["training"]
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
        for mode, mk in (("open", "o"), ("closed", "s")):
            rows = lp.select(mode=mode)
            order = np.argsort(rows["D"])
            axes[0].loglog(rows["D"][order], rows["sd_over_signal"][order], marker=mk, label=f"{mode} loop")
        axes[0].axhline(0.5, color="k", ls=":", lw=0.8)
        axes[0].set_xlabel("noise intensity D (AU, every layer)")
        axes[0].set_ylabel("readout s.d. / target s.d. at the end")
        axes[0].legend(fontsize=7)
        kinds = sorted(set(tr["kind"].tolist()))
        for j, (name, hatch) in enumerate((("plain", None), ("noise-aware", "//"))):
            ys = [float(tr.select(kind=k, readout=name)["mse"][0]) for k in kinds]
            axes[1].bar(np.arange(len(kinds)) + (j - 0.5) * 0.4, ys, 0.4, label=name, hatch=hatch)
        axes[1].set_xticks(np.arange(len(kinds)), kinds)
        axes[1].set_yscale("log")
        axes[1].set_ylabel("expected squared error under noise")
        axes[1].legend(fontsize=7)
        paths += save(fig, os.path.join(out, "esn_loop_training"), ("png",), overwrite=True)
        plt.close(fig)
    return paths


def write_study(data: dict, out, settings, plots: bool = True, command: str | None = None) -> list:
    """Write CSV, JSON, plots and ``esn.md`` of an :func:`~.esn_study.study` result into
    ``out``; return the claims."""
    out = os.fspath(out)
    tables, results = data["tables"], data["results"]
    claims = evaluate(tables, results)
    figures = plot_study(tables, out) if plots else []
    files = write_study_files(out, "esn", tables, claims, figures, command, results, asdict(settings))
    intro = [f"Reservoir: {os.path.basename(results['network']['path'])} ({results['network']['units']} tanh neurons, the "
             "Mackey–Glass recipe of `fastnoise train mackey-glass --arch esn`), driven by the test part "
             f"of the series; {settings.repeats} noisy repetitions, a washout of {settings.washout} steps "
             f"and {settings.steps} measured steps (closed loop: {settings.closed_steps} steps after "
             f"the washout). Wall time {results['seconds']:.0f} s."]
    write_study_md(os.path.join(out, "esn.md"), "Noise in an echo-state network: the published claims "
                   "against fastnoise's numbers", command, settings.quick, intro, claims,
                   "Sources: [S24] N. Semenova, arXiv 2405.07670 (Chaos, Solitons & Fractals); [KS25] "
                   "Kolesnikov & Semenova, arXiv 2504.13778 (Chaos, Solitons & Fractals 206, 2026), as "
                   "summarised in issue 18.", figures, list(files.values()))
    return claims
